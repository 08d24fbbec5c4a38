// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sctp_mangle: loads the test-only path mangler (selftests/bench/
 * sctp_mangle.bpf.c) on a device of the calling network namespace and drives
 * it through maps pinned in a directory of the test's own:
 *
 *   sctp_mangle attach DEV DIR [encap-port P]   TC egress + ingress on DEV,
 *                                               maps pinned in DIR
 *   sctp_mangle set DIR [nat-port X] [corrupt-nth N]
 *        nat-port X: from now on the host's SCTP-over-UDP packets leave
 *        from port X and UDP to X comes back to the encapsulation port
 *        (0: no rewrite); corrupt-nth N: the N-th DATA packet from now on
 *        gets one payload byte flipped (0: none)
 *   sctp_mangle show DIR                        counters, "name value" lines
 *   sctp_mangle detach DEV                      removes both filters
 *
 * The filters outlive this process (TC holds the programs); the test's
 * namespace teardown removes them, and the test removes DIR.
 */
#include <errno.h>
#include <stdarg.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "sctp_mangle.skel.h"

/* The BPF side's layout (selftests/bench/sctp_mangle.bpf.c). */
struct mangle_conf {
	__u16 encap_port;
	__u16 nat_port;
	__u32 corrupt_nth;
};

static const char *const stat_names[] = {
	"egress_sctp", "egress_data", "corrupted", "nat_out", "nat_in",
	"corrupt_tsn", "corrupt_crc", "corrupt_udp", "errors",
};
#define MS_EGRESS_DATA 1
#define N_STATS (sizeof(stat_names) / sizeof(stat_names[0]))

/* Far from fouloader's filters, so both can sit on one device. */
#define MANGLE_HANDLE 0x5c7
#define MANGLE_PRIO 7

static int usage(void)
{
	fprintf(stderr, "usage: sctp_mangle attach DEV DIR [encap-port P]\n"
			"       sctp_mangle set DIR [nat-port X] [corrupt-nth N]\n"
			"       sctp_mangle show DIR\n"
			"       sctp_mangle detach DEV\n");
	return 2;
}

static long num(const char *s, long max)
{
	char *end;
	long v = strtol(s, &end, 0);

	return (!*s || *end || v < 0 || v > max) ? -1 : v;
}

static int tc_hook(int ifindex, enum bpf_tc_attach_point where, int prog_fd, int detach)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = where);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = MANGLE_HANDLE, .priority = MANGLE_PRIO);
	int err;

	if (detach)
		return bpf_tc_detach(&hook, &opts);
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		return err;
	opts.prog_fd = prog_fd;
	return bpf_tc_attach(&hook, &opts);
}

static int pin_map(struct bpf_map *m, const char *dir)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(m));
	return bpf_map__pin(m, path);
}

static int cmd_attach(int argc, char **argv)
{
	struct mangle_conf conf = { .encap_port = 9899 };
	struct sctp_mangle_bpf *skel;
	int ifindex, err, zero = 0;
	long v;

	if (argc != 2 && !(argc == 4 && !strcmp(argv[2], "encap-port")))
		return usage();
	if (argc == 4) {
		if ((v = num(argv[3], 65535)) <= 0)
			return usage();
		conf.encap_port = v;
	}
	ifindex = if_nametoindex(argv[0]);
	if (!ifindex) {
		fprintf(stderr, "sctp_mangle: no device %s\n", argv[0]);
		return 1;
	}
	skel = sctp_mangle_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "sctp_mangle: load failed: %s\n", strerror(errno));
		return 1;
	}
	err = bpf_map_update_elem(bpf_map__fd(skel->maps.mangle_conf), &zero, &conf, 0);
	err = err ?: pin_map(skel->maps.mangle_conf, argv[1]);
	err = err ?: pin_map(skel->maps.mangle_stats, argv[1]);
	err = err ?: tc_hook(ifindex, BPF_TC_EGRESS, bpf_program__fd(skel->progs.mangle_egress), 0);
	err = err ?: tc_hook(ifindex, BPF_TC_INGRESS, bpf_program__fd(skel->progs.mangle_ingress), 0);
	if (err)
		fprintf(stderr, "sctp_mangle: attach %s: %s\n", argv[0], strerror(-err));
	sctp_mangle_bpf__destroy(skel);
	return err ? 1 : 0;
}

static int open_pinned(const char *dir, const char *name)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		fprintf(stderr, "sctp_mangle: %s: %s\n", path, strerror(errno));
	return fd;
}

static int cmd_set(int argc, char **argv)
{
	struct mangle_conf conf;
	int cfd, sfd, i, zero = 0;
	__u32 id = MS_EGRESS_DATA;
	__u64 nil = 0;
	long v;

	if (argc < 1 || argc % 2 != 1)
		return usage();
	cfd = open_pinned(argv[0], "mangle_conf");
	sfd = open_pinned(argv[0], "mangle_stats");
	if (cfd < 0 || sfd < 0 || bpf_map_lookup_elem(cfd, &zero, &conf))
		return 1;
	for (i = 1; i < argc; i += 2) {
		if ((v = num(argv[i + 1], 65535)) < 0)
			return usage();
		if (!strcmp(argv[i], "nat-port")) {
			conf.nat_port = v;
		} else if (!strcmp(argv[i], "corrupt-nth")) {
			/* counted from now on: restart the DATA count first */
			conf.corrupt_nth = 0;
			if (bpf_map_update_elem(cfd, &zero, &conf, 0) ||
			    bpf_map_update_elem(sfd, &id, &nil, 0))
				return 1;
			conf.corrupt_nth = v;
		} else {
			return usage();
		}
	}
	return bpf_map_update_elem(cfd, &zero, &conf, 0) ? 1 : 0;
}

static int cmd_show(int argc, char **argv)
{
	__u32 i;
	__u64 v;
	int fd;

	if (argc != 1)
		return usage();
	fd = open_pinned(argv[0], "mangle_stats");
	if (fd < 0)
		return 1;
	for (i = 0; i < N_STATS; i++) {
		if (bpf_map_lookup_elem(fd, &i, &v))
			return 1;
		printf("%s %llu\n", stat_names[i], (unsigned long long)v);
	}
	return 0;
}

static int cmd_detach(int argc, char **argv)
{
	int ifindex, e1, e2;

	if (argc != 1)
		return usage();
	ifindex = if_nametoindex(argv[0]);
	if (!ifindex)
		return 1;
	e1 = tc_hook(ifindex, BPF_TC_EGRESS, -1, 1);
	e2 = tc_hook(ifindex, BPF_TC_INGRESS, -1, 1);
	return e1 || e2 ? 1 : 0;
}

/* libbpf's messages, except the kernel's note that clsact exists already
 * (bpf_tc_hook_create on a device that has it: expected, not an error). */
static int print_fn(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char buf[1024];

	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (strstr(buf, "Exclusivity flag on"))
		return 0;
	return fputs(buf, stderr);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	libbpf_set_strict_mode(LIBBPF_STRICT_ALL);
	libbpf_set_print(print_fn);
	if (!strcmp(argv[1], "attach"))
		return cmd_attach(argc - 2, argv + 2);
	if (!strcmp(argv[1], "set"))
		return cmd_set(argc - 2, argv + 2);
	if (!strcmp(argv[1], "show"))
		return cmd_show(argc - 2, argv + 2);
	if (!strcmp(argv[1], "detach"))
		return cmd_detach(argc - 2, argv + 2);
	return usage();
}
