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
 * A rejected input ends in usage_error(), which longjmps back here (the
 * loader's own usage_catch, which 'apply' uses for FILE:LINE). Checked for
 * every input, besides the sanitizers' crash, leak and undefined-behaviour
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
#include <setjmp.h>
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

static void run_args(int cmd, char *buf, size_t len)
{
	static struct port_spec port;
	char *argv[MAX_ARGS];
	int argc = 0;

	for (size_t i = 0; i < len && argc < MAX_ARGS; i += strlen(buf + i) + 1)
		argv[argc++] = buf + i;
	switch (cmd) {
	case 1:
		memset(&port, 0, sizeof(port));
		port_parse_add(argc, argv, &port);
		break;
	case 2: {
		struct fou_tunnel t;

		tunnel_parse_add(argc, argv, &t);
		break;
	}
	case 3: {
		struct route_spec r = {};

		route_parse_add(argc, argv, &r);
		break;
	}
	case 4: {
		struct sctp_set_spec s = {};

		sctp_parse_set(argc, argv, &s);
		break;
	}
	case 5: {
		struct sctp_dev_spec s = {};

		sctp_parse_dev(argc, argv, &s);
		break;
	}
	case 6: {
		struct icmp_set_spec s = {};

		icmp_parse_set(argc, argv, &s);
		break;
	}
	case 8:
		port_del_parse_check(argc, argv);
		break;
	case 9:
		attach_parse_check(argc, argv);
		break;
	case 10:
		stats_parse_check(argc, argv);
		break;
	default:
		pmtu_parse_check(argc, argv);
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
	static jmp_buf jb;
	int fd0 = lowest_free_fd(), cmd;
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
	usage_catch = &jb;
	if (!setjmp(jb)) {
		if (cmd == 0 || cmd == 7 || cmd >= 12)
			apply_check_text("fuzz.conf", buf);
		else
			run_args(cmd, buf, size - 1);
		n_accepted++;
	} else {
		n_rejected++;
		check_message();
	}
	usage_catch = NULL;
	free(buf);
	if (stat(PIN_ROOT, &st) == 0 || errno != ENOENT)
		die("the pin root exists after a parse");
	if (lowest_free_fd() != fd0)
		die("a file descriptor left open");
	return 0;
}
