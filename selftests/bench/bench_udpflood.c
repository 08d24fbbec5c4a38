// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Small-packet load for scripts/bench.sh (section smallpkt): a UDP sender
 * that can keep a core busy (sendmmsg, 64 datagrams a call, one connected
 * socket), and a sink that only holds a port open. Bounded in count and in
 * time; it never decides anything about speed: bench.sh counts what
 * arrived (the receiver's Udp InDatagrams + RcvbufErrors) and prints it
 * beside the direct path's figure from the same run.
 *
 * Usage:
 *   bench_udpflood send DST_IPV4 PORT IP_BYTES SECS MAX_PACKETS
 *       datagrams of IP_BYTES (28..1472: IPv4 + UDP + payload) to DST:PORT
 *       for SECS seconds or MAX_PACKETS packets, whichever ends first;
 *       prints "sent N secs S" (S as measured)
 *   bench_udpflood sink PORT SECS
 *       binds 0.0.0.0:PORT with the smallest receive buffer and reads
 *       nothing for SECS seconds: datagrams that reach it are counted by
 *       the stack (InDatagrams, then RcvbufErrors), none is copied out
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define BATCH   64
#define MAX_SECS 60

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static unsigned long num(const char *s, const char *what, unsigned long lo, unsigned long hi)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);

	if (*s == '\0' || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "bench_udpflood: bad %s '%s' (%lu..%lu)\n", what, s, lo, hi);
		exit(2);
	}
	return v;
}

static int do_send(char **argv)
{
	static char payload[1500];
	struct sockaddr_in dst = { .sin_family = AF_INET };
	struct mmsghdr msgs[BATCH];
	struct iovec iov;
	unsigned long port, ip_bytes, secs, max, sent = 0;
	double t0, t1, end;
	int fd, i, n;

	port = num(argv[1], "port", 1, 65535);
	ip_bytes = num(argv[2], "IP bytes", 28, 1472);
	secs = num(argv[3], "seconds", 1, MAX_SECS);
	max = num(argv[4], "packet count", 1, 1UL << 32);
	if (inet_pton(AF_INET, argv[0], &dst.sin_addr) != 1) {
		fprintf(stderr, "bench_udpflood: bad IPv4 address '%s'\n", argv[0]);
		return 2;
	}
	dst.sin_port = htons(port);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&dst, sizeof(dst))) {
		perror("bench_udpflood: socket");
		return 1;
	}
	memset(payload, 0x5a, sizeof(payload));
	iov = (struct iovec){ .iov_base = payload, .iov_len = ip_bytes - 28 };
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	t0 = now();
	end = t0 + secs;
	for (t1 = t0; sent < max && t1 < end; t1 = now()) {
		n = sendmmsg(fd, msgs, max - sent < BATCH ? max - sent : BATCH, 0);
		if (n < 0) {
			if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR ||
			    errno == ECONNREFUSED)
				continue;
			perror("bench_udpflood: sendmmsg");
			return 1;
		}
		sent += n;
	}
	printf("sent %lu secs %.6f\n", sent, t1 - t0);
	close(fd);
	return 0;
}

static int do_sink(char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY) };
	int fd, small = 1; /* the kernel raises it to its minimum */

	a.sin_port = htons(num(argv[0], "port", 1, 65535));
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)) ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a))) {
		perror("bench_udpflood: sink");
		return 1;
	}
	printf("sink ready\n");
	fflush(stdout);
	sleep(num(argv[1], "seconds", 1, 3600));
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 7 && !strcmp(argv[1], "send"))
		return do_send(argv + 2);
	if (argc == 4 && !strcmp(argv[1], "sink"))
		return do_sink(argv + 2);
	fprintf(stderr, "usage: bench_udpflood send DST_IPV4 PORT IP_BYTES SECS MAX_PACKETS\n"
			"       bench_udpflood sink PORT SECS\n");
	return 2;
}
