// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for fouloader's configuration parsers (make fuzz-config,
 * selftests/fuzz/test_fuzz_config.t): the loader's own code, linked without
 * its main(), under AddressSanitizer, LeakSanitizer and UBSan.
 *
 * The first byte picks what the rest is (its value modulo 16):
 *   0, 7, 12..15  the text of an 'apply' file: every line parsed, the whole
 *         file validated, exactly as 'apply FILE --dry-run' does before it
 *         reads any state (apply_check_text)
 *   1..6, 8..11  the arguments of one command, split at NUL bytes (so an
 *         argument may hold spaces, newlines, any byte): port add, tunnel
 *         add, route add, sctp set, sctp dev, icmp set; port del, attach,
 *         stats, pmtu show
 *
 * A rejected input comes back as -EINVAL with its message in usage_msg, as
 * the loader's main and 'apply' (FILE:LINE) get it. Checked for every
 * input, besides the sanitizers' crash, leak and undefined-behaviour
 * findings:
 *   - the parser never exits: fail() (exit 1) or anything else ending the
 *     process on input is a finding (libFuzzer reports the exit);
 *   - a rejection has a message, and the message as printed (control
 *     characters escaped) is one line;
 *   - no state: the pin root (a path that does not exist) still does not
 *     exist, and no file descriptor is left open.
 * At exit it prints the number of inputs, accepted and rejected.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fouloader.h"

#define MAX_ARGS 64
#define MAX_INPUT 65536
#define PIN_ROOT "/nonexistent/fouloader-fuzz-pin-root"

/* main.c is not linked: its command table, empty. */
const struct command commands[] = { { NULL, NULL, NULL, NULL } };

static unsigned long long n_inputs, n_accepted, n_rejected;

static void report(void)
{
	printf("fuzz_config: %llu inputs: %llu accepted, %llu rejected with a one-line error; "
	       "no exit, no state, no fd leaked\n", n_inputs, n_accepted, n_rejected);
}

static void die(const char *what)
{
	fprintf(stderr, "fuzz_config: FINDING: %s\n", what);
	abort();
}

/* The lowest free descriptor: it moves if an input leaves one open. */
static int lowest_free_fd(void)
{
	int fd = dup(0);

	if (fd >= 0)
		close(fd);
	return fd;
}

/* One command's parser on @buf's words: 0, or -EINVAL with usage_msg. */
static int run_args(int cmd, char *buf, size_t len)
{
	static struct port_spec port;
	char *argv[MAX_ARGS];
	int argc = 0;

	for (size_t i = 0; i < len && argc < MAX_ARGS; i += strlen(buf + i) + 1)
		argv[argc++] = buf + i;
	switch (cmd) {
	case 1:
		memset(&port, 0, sizeof(port));
		return port_parse_add(argc, argv, &port);
	case 2: {
		struct fou_tunnel t;

		return tunnel_parse_add(argc, argv, &t);
	}
	case 3: {
		struct route_spec r = {};

		return route_parse_add(argc, argv, &r);
	}
	case 4: {
		struct sctp_set_spec s = {};

		return sctp_parse_set(argc, argv, &s);
	}
	case 5: {
		struct sctp_dev_spec s = {};

		return sctp_parse_dev(argc, argv, &s);
	}
	case 6: {
		struct icmp_set_spec s = {};

		return icmp_parse_set(argc, argv, &s);
	}
	case 8: {
		struct fou_port_key key;

		return port_del_parse(argc, argv, &key);
	}
	case 9:
		return attach_parse_check(argc, argv);
	case 10:
		return stats_parse_check(argc, argv);
	default:
		return pmtu_parse_check(argc, argv);
	}
}

/* The message as the loader prints it must be one line. */
static void check_message(void)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		die("open_memstream");
	put_escaped(f, usage_msg);
	fclose(f);
	if (!usage_msg[0])
		die("a rejection without a message");
	if (memchr(out, '\n', len) || memchr(out, '\r', len))
		die("a rejection whose message is not one line");
	free(out);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char empty[1] = "";

	(void)argc;
	(void)argv;
	g_opts.pin_root = PIN_ROOT; /* a pin root that is not there */
	/* apply's buffers, allocated once for good: not a leak of the first
	 * input (libFuzzer would run it again to look for one) */
	apply_check_text("init", empty);
	atexit(report);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd0 = lowest_free_fd(), cmd, err;
	struct stat st;
	char *buf;

	if (!size || size > MAX_INPUT)
		return 0;
	cmd = data[0] % 16;
	/* a private copy, NUL-terminated: the parsers split it in place */
	buf = malloc(size);
	if (!buf)
		die("malloc");
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	n_inputs++;
	usage_msg[0] = '\0';
	if (cmd == 0 || cmd == 7 || cmd >= 12)
		err = apply_check_text("fuzz.conf", buf);
	else
		err = run_args(cmd, buf, size - 1);
	if (!err) {
		n_accepted++;
	} else {
		if (err != -EINVAL)
			die("a rejection that is not -EINVAL");
		n_rejected++;
		check_message();
	}
	free(buf);
	if (stat(PIN_ROOT, &st) == 0 || errno != ENOENT)
		die("the pin root exists after a parse");
	if (lowest_free_fd() != fd0)
		die("a file descriptor left open");
	return 0;
}
