// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Shared harness of the unit tests and benches; see bpfharness.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpfharness.h"
#include "portstate.h"
#include "pktbuild.h"
#include "tap.h"

const uint8_t bh_dev_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
const uint8_t bh_neigh_mac[6] = { 0x02, 0, 0, 0, 0, 0x99 };

const char *const bh_stat_names[FOU_STAT__COUNT] = {
#define FOU_STAT_NAME(id, name, desc) name,
	FOU_STATS_LIST(FOU_STAT_NAME)
#undef FOU_STAT_NAME
};

/* ---- objects and counters ------------------------------------------------ */

void bh_unpin_all(struct bpf_object *obj)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, obj)
		bpf_map__set_pin_path(m, NULL);
}

int bh_share_pinned_maps(struct bpf_object *from, struct bpf_object *obj)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj) {
		int fd;

		if (!bpf_map__pin_path(map))
			continue;
		fd = bpf_object__find_map_fd_by_name(from, bpf_map__name(map));
		if (fd < 0 || bpf_map__reuse_fd(map, fd))
			return -1;
	}
	bh_unpin_all(obj);
	return 0;
}

int bh_read_stat(int stats_fd, uint32_t id, uint64_t *sum)
{
	/* libbpf caches the count; a per-CPU lookup fills one value per CPU */
	int ncpus = libbpf_num_possible_cpus(), c;
	uint64_t vals[ncpus > 0 ? ncpus : 1];

	if (ncpus <= 0)
		return -EINVAL;
	if (bpf_map_lookup_elem(stats_fd, &id, vals))
		return -errno;
	*sum = 0;
	for (c = 0; c < ncpus; c++)
		*sum += vals[c];
	return 0;
}

uint64_t bh_stat_sum(int stats_fd, uint32_t id)
{
	uint64_t sum;

	return bh_read_stat(stats_fd, id, &sum) ? 0 : sum;
}

int bh_read_stats(int stats_fd, uint64_t *out)
{
	uint32_t id;
	int err;

	for (id = 0; id < FOU_STAT__COUNT; id++) {
		err = bh_read_stat(stats_fd, id, &out[id]);
		if (err)
			return err;
	}
	return 0;
}

void bh_expect_one_counter(const char *file, int line, const uint64_t *before,
			   const uint64_t *after, int stat)
{
	int id;

	for (id = 0; id < FOU_STAT__COUNT; id++) {
		long long d = (long long)(after[id] - before[id]);
		long long want = id == stat;

		if (d != want)
			tap_check_fail(file, line, "counter %s moved by %lld, expected %lld (expected counter: %s)",
				       bh_stat_names[id], d, want, bh_stat_names[stat]);
	}
}

int bh_add_local(struct bpf_object *obj, int fam, const char *s, uint32_t kind)
{
	int fd = bpf_object__find_map_fd_by_name(obj, FOU_MAP_LOCAL_ADDRS);
	int ifd = bpf_object__find_map_fd_by_name(obj, FOU_MAP_LOCAL_INLINE);
	struct fou_addr a = bh_addr(fam, s);
	struct fou_local_inline li;
	__u32 zero = 0;

	if (fd < 0 || ifd < 0)
		return -ENOENT;
	if (bpf_map_lookup_elem(ifd, &zero, &li))
		return -errno;
	fou_local_inline_add(&li, fam, &a, kind);
	if (bpf_map_update_elem(ifd, &zero, &li, BPF_ANY))
		return -errno;
	return fou_local_addr_set(fd, fam, &a, kind);
}

struct fou_addr bh_addr(int fam, const char *s)
{
	struct fou_addr a;

	memset(&a, 0, sizeof(a));
	if (fam == 4) {
		struct in_addr v = pkt_a4(s);

		a.ip4 = v.s_addr;
	} else {
		struct in6_addr v = pkt_a6(s);

		memcpy(a.ip6, &v, 16);
	}
	return a;
}

/* ---- the private network namespace ---------------------------------------- */

static char failed_cmd[256];

/* Run one ip(8) command quietly; on failure keep it for the caller to report. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[sizeof(failed_cmd) + 32];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(failed_cmd, sizeof(failed_cmd), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "%s >/dev/null 2>&1", failed_cmd);
	return system(cmd) ? -EIO : 0;
}

int bh_write_file(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");
	int err;

	if (!f)
		return -errno;
	err = fputs(val, f) < 0 ? -EIO : 0;
	if (fclose(f))
		err = -errno;
	return err;
}

static int veth_up(const char *dev, const char *peer, const char *link_opts)
{
	return sh("ip link set lo up") ?:
	       sh("ip link add %s type veth peer name %s", dev, peer) ?:
	       sh("ip link set %s address 02:00:00:00:00:01%s", dev, link_opts) ?:
	       sh("ip link set %s address 02:00:00:00:00:02%s", peer, link_opts) ?:
	       sh("ip link set %s up", dev) ?:
	       sh("ip link set %s up", peer);
}

static int addrs_and_neighbours(const char *dev)
{
	return sh("ip addr add " BH_NS_LOCAL4 "/24 dev %s", dev) ?:
	       sh("ip -6 addr add " BH_NS_LOCAL6 "/64 dev %s nodad", dev) ?:
	       sh("ip neigh add " BH_NS_REMOTE4 " lladdr 02:00:00:00:00:99 dev %s nud permanent", dev) ?:
	       sh("ip -6 neigh add " BH_NS_REMOTE6 " lladdr 02:00:00:00:00:99 dev %s nud permanent", dev);
}

int bh_setup_netns(const char *dev, const char *peer, const char *link_opts,
		   const char **failed)
{
	int err, ifindex;

	*failed = NULL;
	if (unshare(CLONE_NEWNET))
		return -errno;
	err = veth_up(dev, peer, link_opts) ?: addrs_and_neighbours(dev);
	if (err) {
		*failed = failed_cmd;
		return err;
	}
	/* bpf_fib_lookup answers BPF_FIB_LKUP_RET_FWD_DISABLED without these */
	err = bh_write_file("/proc/sys/net/ipv4/ip_forward", "1");
	err = err ?: bh_write_file("/proc/sys/net/ipv6/conf/all/forwarding", "1");
	if (err)
		return err;
	ifindex = if_nametoindex(dev);
	return ifindex ? ifindex : -ENODEV;
}

/* ---- timing and reporting -------------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

double bh_median(uint64_t *v, uint32_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

/* Stay on one CPU: no migration between calls, one warm cache. */
int bh_pin_cpu(void)
{
	int cpu = sched_getcpu();
	cpu_set_t set;

	if (cpu < 0)
		return -1;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -1 : cpu;
}

int bh_prog_info(int fd, const char *name, int width)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	printf("%-*s xlated %5u insns, jited %6u bytes\n", width, name,
	       info.xlated_prog_len / 8, info.jited_prog_len);
	return 0;
}

int bh_routes_present(struct bpf_object *obj)
{
	int fd = bpf_object__find_map_fd_by_name(obj, FOU_MAP_ROUTE_COUNT);
	struct fou_route_count c = { .v4 = 1, .v6 = 1 };
	__u32 zero = 0;

	if (fd < 0)
		return fd;
	return bpf_map_update_elem(fd, &zero, &c, BPF_ANY) ? -errno : 0;
}

int bh_route_filter_add(struct bpf_object *obj, int fam, const void *addr, unsigned int plen)
{
	int fd = bpf_object__find_map_fd_by_name(obj, FOU_MAP_ROUTE_FILTER);
	int cfd = bpf_object__find_map_fd_by_name(obj, FOU_MAP_ROUTE_COUNT);
	struct fou_route_filter f;
	struct fou_route_count c;
	__u32 zero = 0;

	if (fd < 0 || cfd < 0)
		return fd < 0 ? fd : cfd;
	if (bpf_map_lookup_elem(fd, &zero, &f) || bpf_map_lookup_elem(cfd, &zero, &c))
		return -errno;
	f.valid = 1;
	f.v4_routes = c.v4;
	f.v6_routes = c.v6;
	fou_route_filter_add(fam == 4 ? f.v4 : f.v6, addr, plen);
	return bpf_map_update_elem(fd, &zero, &f, BPF_ANY) ? -errno : 0;
}

void bh_require_bpf(const char *needs)
{
	if (geteuid() != 0)
		tap_skip_all("needs root for %s", needs);
	if (libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_XDP, NULL) <= 0 ||
	    libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_SCHED_CLS, NULL) <= 0)
		tap_skip_all("BPF XDP/TC programs are not available");
}
