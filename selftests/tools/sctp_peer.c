// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sctp_peer: a test peer on libusrsctp (a real SCTP stack in user space; the
 * kernel here has none) for the SCTP end-to-end tests. The Debian example
 * programs cannot check content: client reads its input with fgets and
 * strlen (binary data is cut at NUL bytes), mixes notifications into its
 * output and exits before every echo is back. This one moves exact bytes.
 *
 *   sctp_peer server --bind ADDR [--port P] [--encap L --remote-encap R]
 *                    [--out FILE] [--ready FILE] [--mtu M] [--timeout S]
 *     accepts one association, writes what it receives to FILE and echoes
 *     it back; exits 0 when the peer shuts the association down.
 *   sctp_peer client --addr ADDR [--port P] [--bind ADDR] [--encap L
 *                    --remote-encap R] --file IN [--out FILE] [--msg N]
 *                    [--mtu M] [--pause-at BYTES --paused FILE --resume FILE]
 *                    [--timeout S]
 *     sends IN in messages of N bytes, reads the echoes and exits 0 only
 *     when every byte came back equal. With --pause-at it stops after
 *     BYTES once all echoes so far are in, creates --paused and waits for
 *     --resume to exist (so a test can change the path mid-association).
 *
 * --encap L: the local UDP encapsulation port (RFC 6951; 0 = native SCTP
 * over raw IP); --remote-encap R: the port to send to. --bind pins the
 * association to one local address: without it usrsctp lists every address
 * of the namespace and the association becomes multihomed over IPv4 and
 * IPv6, which would spread traffic over paths a test does not look at.
 * --mtu M: a fixed path MTU, IP packet size (PMTU discovery off; usrsctp
 * sends up to 1500-byte packets otherwise).
 * The exit status is 0 on success, 1 on a data mismatch or error, 3 on timeout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <usrsctp.h>

struct opts {
	int server;
	const char *addr, *bind, *file, *out, *ready;
	const char *paused, *resume;
	unsigned short port, encap, remote_encap;
	unsigned int mtu;
	size_t msg, pause_at;
	unsigned int timeout;
};

struct xfer {
	struct socket *so;
	unsigned char *data;	/* what the client sent */
	size_t len;
	size_t echoed;		/* bytes of echo received so far */
	int mismatch;		/* first differing offset + 1, 0 = none */
	FILE *out;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int done;
};

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "sctp_peer: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static void on_alarm(int sig)
{
	(void)sig;
	static const char msg[] = "sctp_peer: timeout\n";

	if (write(2, msg, sizeof(msg) - 1) < 0) {
		/* nothing more to do on the way out */
	}
	_exit(3);
}

static void touch(const char *path)
{
	FILE *f;

	if (!path)
		return;
	f = fopen(path, "w");
	if (f)
		fclose(f);
}

/* addr_parse: ADDR (IPv4 or IPv6) and PORT into ss; its length. */
static socklen_t addr_parse(const char *addr, unsigned short port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		return sizeof(*s4);
	}
	if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		return sizeof(*s6);
	}
	die("bad address '%s'", addr);
	return 0;
}

/* Faster recovery than the RFC defaults (RTO.min 1 s) keeps a test that
 * loses a packet on purpose short; the protocol is unchanged. */
static void stack_init(const struct opts *o)
{
	usrsctp_init(o->encap, NULL, NULL);
	usrsctp_sysctl_set_sctp_rto_min_default(100);
	usrsctp_sysctl_set_sctp_rto_initial_default(300);
	usrsctp_sysctl_set_sctp_init_rto_max_default(1000);
	usrsctp_sysctl_set_sctp_rto_max_default(1000);
	/* a path that cannot work (no gateway) fails in seconds, not ~a minute */
	usrsctp_sysctl_set_sctp_init_rtx_max_default(4);
	usrsctp_sysctl_set_sctp_blackhole(2);
}

/* A fixed path MTU for every path of the connected socket's association, as
 * a route MTU would give a kernel stack: a native peer behind an RFC 6951
 * gateway must leave room for the 8-byte UDP header the gateway adds. */
static void set_mtu(struct socket *so, int family, unsigned int mtu)
{
	struct sctp_paddrparams pp;

	memset(&pp, 0, sizeof(pp));
	pp.spp_address.ss_family = family;
	/* usrsctp 0.9.5 adds the IP and common header to spp_pathmtu
	 * (measured: 1400 gave 1432-byte IPv4 packets), so take them off */
	pp.spp_pathmtu = mtu - (family == AF_INET ? 20 + 12 : 40 + 12);
	pp.spp_flags = SPP_PMTUD_DISABLE;
	if (usrsctp_setsockopt(so, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &pp, sizeof(pp)) < 0)
		die("SCTP_PEER_ADDR_PARAMS mtu %u: %s", mtu, strerror(errno));
}

static struct socket *sock_open(const struct opts *o, int family)
{
	struct sctp_udpencaps enc;
	struct socket *so;

	so = usrsctp_socket(family, SOCK_STREAM, IPPROTO_SCTP, NULL, NULL, 0, NULL);
	if (!so)
		die("usrsctp_socket: %s", strerror(errno));
	if (o->remote_encap) {
		memset(&enc, 0, sizeof(enc));
		enc.sue_address.ss_family = family;
		enc.sue_port = htons(o->remote_encap);
		if (usrsctp_setsockopt(so, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &enc, sizeof(enc)) < 0)
			die("SCTP_REMOTE_UDP_ENCAPS_PORT: %s", strerror(errno));
	}
	return so;
}

static void sock_bind(struct socket *so, const char *addr, unsigned short port)
{
	struct sockaddr_storage ss;
	socklen_t len = addr_parse(addr, port, &ss);

	if (usrsctp_bind(so, (struct sockaddr *)&ss, len) < 0)
		die("bind %s port %u: %s", addr, port, strerror(errno));
}

/* recv_data: one message's bytes (notifications skipped); 0 at the end of
 * the association, < 0 on error. */
static ssize_t recv_data(struct socket *so, void *buf, size_t len)
{
	struct sctp_rcvinfo rcv;
	socklen_t infolen, fromlen;
	struct sockaddr_storage from;
	unsigned int infotype;
	int flags;
	ssize_t n;

	for (;;) {
		infolen = sizeof(rcv);
		fromlen = sizeof(from);
		flags = 0;
		n = usrsctp_recvv(so, buf, len, (struct sockaddr *)&from, &fromlen, &rcv, &infolen,
				  &infotype, &flags);
		if (n <= 0 || !(flags & MSG_NOTIFICATION))
			return n;
	}
}

static int send_all(struct socket *so, const unsigned char *p, size_t len)
{
	struct sctp_sndinfo snd;
	ssize_t n;

	memset(&snd, 0, sizeof(snd));
	n = usrsctp_sendv(so, p, len, NULL, 0, &snd, sizeof(snd), SCTP_SENDV_SNDINFO, 0);
	if (n < 0 || (size_t)n != len) {
		fprintf(stderr, "sctp_peer: send: %s\n", n < 0 ? strerror(errno) : "short");
		return -1;
	}
	return 0;
}

/* Lets the stack finish SHUTDOWN before the process goes (bounded). */
static void stack_finish(void)
{
	int i;

	for (i = 0; i < 50 && usrsctp_finish() != 0; i++)
		usleep(100000);
}

static int run_server(const struct opts *o)
{
	static unsigned char buf[1 << 16];
	struct sockaddr_storage ss;
	struct socket *lso, *so;
	size_t total = 0;
	FILE *out = NULL;
	ssize_t n;

	stack_init(o);
	lso = sock_open(o, addr_parse(o->bind, 0, &ss) == sizeof(struct sockaddr_in) ? AF_INET : AF_INET6);
	sock_bind(lso, o->bind, o->port);
	if (usrsctp_listen(lso, 1) < 0)
		die("listen: %s", strerror(errno));
	if (o->out && !(out = fopen(o->out, "w")))
		die("%s: %s", o->out, strerror(errno));
	touch(o->ready);
	so = usrsctp_accept(lso, NULL, NULL);
	if (!so)
		die("accept: %s", strerror(errno));
	if (o->mtu)
		set_mtu(so, ss.ss_family, o->mtu);
	while ((n = recv_data(so, buf, sizeof(buf))) > 0) {
		if (out && fwrite(buf, 1, n, out) != (size_t)n)
			die("write %s", o->out);
		if (send_all(so, buf, n) < 0)
			return 1;
		total += n;
	}
	if (out)
		fclose(out);
	printf("server: received and echoed %zu bytes\n", total);
	fflush(stdout);
	usrsctp_close(so);
	usrsctp_close(lso);
	stack_finish();
	return n < 0 ? 1 : 0;
}

/* The client's reader: echoes checked against what was sent. */
static void *reader(void *arg)
{
	static unsigned char buf[1 << 16];
	struct xfer *x = arg;
	ssize_t n;
	size_t i;

	while (x->echoed < x->len && (n = recv_data(x->so, buf, sizeof(buf))) > 0) {
		if (x->echoed + n > x->len)
			n = x->len - x->echoed;
		for (i = 0; i < (size_t)n && !x->mismatch; i++)
			if (buf[i] != x->data[x->echoed + i])
				x->mismatch = x->echoed + i + 1;
		if (x->out)
			fwrite(buf, 1, n, x->out);
		pthread_mutex_lock(&x->lock);
		x->echoed += n;
		pthread_cond_broadcast(&x->cond);
		pthread_mutex_unlock(&x->lock);
	}
	pthread_mutex_lock(&x->lock);
	x->done = 1;
	pthread_cond_broadcast(&x->cond);
	pthread_mutex_unlock(&x->lock);
	return NULL;
}

/* wait_echoed: block until `upto` bytes are back or the reader ended. */
static void wait_echoed(struct xfer *x, size_t upto)
{
	pthread_mutex_lock(&x->lock);
	while (x->echoed < upto && !x->done)
		pthread_cond_wait(&x->cond, &x->lock);
	pthread_mutex_unlock(&x->lock);
}

static void pause_here(const struct opts *o, struct xfer *x, size_t sent)
{
	struct stat st;

	wait_echoed(x, sent);
	fprintf(stderr, "sctp_peer: paused after %zu bytes\n", sent);
	touch(o->paused);
	while (o->resume && stat(o->resume, &st) < 0)
		usleep(20000);
}

static unsigned char *read_file(const char *path, size_t *len)
{
	unsigned char *p;
	struct stat st;
	FILE *f;

	f = fopen(path, "r");
	if (!f || fstat(fileno(f), &st) < 0)
		die("%s: %s", path, strerror(errno));
	p = malloc(st.st_size ? st.st_size : 1);
	if (!p || fread(p, 1, st.st_size, f) != (size_t)st.st_size)
		die("read %s", path);
	fclose(f);
	*len = st.st_size;
	return p;
}

static int run_client(const struct opts *o)
{
	struct sockaddr_storage ss;
	struct xfer x = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };
	socklen_t len;
	pthread_t th;
	size_t off, n;
	int paused = 0;

	x.data = read_file(o->file, &x.len);
	if (o->out && !(x.out = fopen(o->out, "w")))
		die("%s: %s", o->out, strerror(errno));
	stack_init(o);
	len = addr_parse(o->addr, o->port, &ss);
	x.so = sock_open(o, ss.ss_family);
	if (o->bind)
		sock_bind(x.so, o->bind, 0);
	if (usrsctp_connect(x.so, (struct sockaddr *)&ss, len) < 0)
		die("connect %s port %u: %s", o->addr, o->port, strerror(errno));
	if (o->mtu)
		set_mtu(x.so, ss.ss_family, o->mtu);
	if (pthread_create(&th, NULL, reader, &x))
		die("pthread_create");
	for (off = 0; off < x.len; off += n) {
		if (o->pause_at && !paused && off >= o->pause_at) {
			pause_here(o, &x, off);
			paused = 1;
		}
		n = x.len - off < o->msg ? x.len - off : o->msg;
		if (send_all(x.so, x.data + off, n) < 0)
			break;
	}
	wait_echoed(&x, x.len);
	pthread_join(th, NULL);
	if (x.out)
		fclose(x.out);
	printf("client: sent %zu bytes, %zu echoed, %s\n", off, x.echoed,
	       x.mismatch ? "MISMATCH" : (x.echoed == x.len ? "all equal" : "incomplete"));
	if (x.mismatch)
		printf("client: first difference at byte %d\n", x.mismatch - 1);
	fflush(stdout);
	usrsctp_close(x.so);
	stack_finish();
	return x.echoed == x.len && !x.mismatch ? 0 : 1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: sctp_peer server --bind ADDR [--port P] [--encap L] [--remote-encap R]\n"
		"                        [--out FILE] [--ready FILE] [--mtu M] [--timeout S]\n"
		"       sctp_peer client --addr ADDR --file IN [--port P] [--bind ADDR] [--encap L]\n"
		"                        [--remote-encap R] [--out FILE] [--msg N] [--timeout S]\n"
		"                        [--mtu M] [--pause-at BYTES --paused FILE --resume FILE]\n");
	exit(2);
}

static unsigned long num(const char *s, unsigned long max)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);

	if (!*s || *end || v > max)
		usage();
	return v;
}

static void parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "addr", 1, NULL, 'a' }, { "bind", 1, NULL, 'b' }, { "file", 1, NULL, 'f' },
		{ "out", 1, NULL, 'o' }, { "ready", 1, NULL, 'r' }, { "port", 1, NULL, 'p' },
		{ "encap", 1, NULL, 'e' }, { "remote-encap", 1, NULL, 'E' }, { "msg", 1, NULL, 'm' },
		{ "timeout", 1, NULL, 't' }, { "pause-at", 1, NULL, 'P' }, { "paused", 1, NULL, 'S' },
		{ "resume", 1, NULL, 'R' }, { "mtu", 1, NULL, 'M' }, { NULL, 0, NULL, 0 },
	};
	int c;

	if (argc < 2)
		usage();
	o->server = !strcmp(argv[1], "server");
	if (!o->server && strcmp(argv[1], "client"))
		usage();
	optind = 2;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'a': o->addr = optarg; break;
		case 'b': o->bind = optarg; break;
		case 'f': o->file = optarg; break;
		case 'o': o->out = optarg; break;
		case 'r': o->ready = optarg; break;
		case 'p': o->port = num(optarg, 65535); break;
		case 'e': o->encap = num(optarg, 65535); break;
		case 'E': o->remote_encap = num(optarg, 65535); break;
		case 'm': o->msg = num(optarg, 65536); break;
		case 't': o->timeout = num(optarg, 3600); break;
		case 'P': o->pause_at = num(optarg, ~0UL); break;
		case 'S': o->paused = optarg; break;
		case 'R': o->resume = optarg; break;
		case 'M': o->mtu = num(optarg, 65535); if (o->mtu < 576) usage(); break;
		default: usage();
		}
	}
	if (optind != argc || !o->msg || (o->server ? !o->bind : !o->addr || !o->file))
		usage();
}

int main(int argc, char **argv)
{
	struct opts o = { .port = 7, .msg = 1000, .timeout = 30 };

	parse(argc, argv, &o);
	signal(SIGALRM, on_alarm);
	alarm(o.timeout);
	return o.server ? run_server(&o) : run_client(&o);
}
