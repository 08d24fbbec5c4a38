/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the unit tests and the benches share around the BPF objects, so that
 * each of them states only its own cases:
 *
 *   BH_OPEN_UNPINNED(skel)   open and load a skeleton with its maps unpinned
 *   bh_share_pinned_maps     before load: another object's maps, as pinning shares them
 *   BH_CASE_BEGIN(tc, fmt)   reset a unit-test case and name it
 *   bh_stat_names[]          fou_stats counter names, by id
 *   bh_read_stats / bh_stat_sum   per-CPU fou_stats counters, summed
 *   bh_expect_one_counter    TAP check: exactly one counter moved, by one
 *   bh_addr                  a struct fou_addr from an address string
 *   bh_setup_netns           a private network namespace with one veth pair
 *   bh_write_file            a sysctl through /proc/sys
 *   bh_median, bh_pin_cpu, bh_prog_info   timing and reporting for benches
 */
#ifndef BPFHARNESS_H
#define BPFHARNESS_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "fou_maps.h"
#include "fou_stats.h"
#include "pktbuild.h"

/* The private namespace of bh_setup_netns(): DEV has the local addresses,
 * the remotes are permanent neighbours at BH_NS_NEIGH_MAC. */
#define BH_NS_LOCAL4  "192.0.2.1"
#define BH_NS_REMOTE4 "192.0.2.2"
#define BH_NS_LOCAL6  "2001:db8::1"
#define BH_NS_REMOTE6 "2001:db8::2"

extern const uint8_t bh_dev_mac[6];   /* DEV's MAC, 02:00:00:00:00:01 */
extern const uint8_t bh_neigh_mac[6]; /* the remotes', 02:00:00:00:00:99 */

extern const char *const bh_stat_names[FOU_STAT__COUNT];

/* Skip every test point (TAP) unless this runs as root on a kernel that
 * loads XDP and TC programs; @needs says what root is for. */
void bh_require_bpf(const char *needs);

/* Tell XDP forwarding that routes exist (fou_route_count, which fouloader
 * keeps in step with the tries; tests write the tries directly). 0 or
 * -errno. */
int bh_routes_present(struct bpf_object *obj);

/* Add the route @addr/@plen (family 4 or 6, network order) to the object's
 * fou_route_filter and mark it written for the object's fou_route_count as
 * it stands, as fouloader does for every route (without this the filter
 * lets every destination through). 0 or -errno. */
int bh_route_filter_add(struct bpf_object *obj, int fam, const void *addr, unsigned int plen);

/* Clear every map's pin path: a test's maps must be its own, never the ones
 * a running fouloader pinned under /sys/fs/bpf. */
void bh_unpin_all(struct bpf_object *obj);

/* Before obj is loaded: every map fouloader pins is taken from the loaded
 * object from, as pinning would share it; then no pins at all. 0 or -1. */
int bh_share_pinned_maps(struct bpf_object *from, struct bpf_object *obj);

/*
 * Open and load the skeleton "struct skel" with no map pinned; NULL on
 * failure, with errno kept from the failing step for the caller's message.
 */
/* Token pasting after expansion: BH_SKEL_FN(RX_TC_SKEL, __destroy). */
#define BH_PASTE_(a, b) a##b
#define BH_SKEL_FN(skel, fn) BH_PASTE_(skel, fn)
/* BH_OPEN_UNPINNED of a skeleton named by a macro (expanded first). */
#define BH_OPEN_UNPINNED_X(skel) BH_OPEN_UNPINNED(skel)

#define BH_OPEN_UNPINNED(skel) ({                                            \
	struct skel *___s = skel##__open();                                  \
	if (___s) {                                                          \
		bh_unpin_all(___s->obj);                                     \
		if (skel##__load(___s)) {                                    \
			int ___e = errno;                                    \
			skel##__destroy(___s);                               \
			___s = NULL;                                         \
			errno = ___e;                                        \
		}                                                            \
	}                                                                    \
	___s; })

/*
 * Start a unit-test case in tc, a struct with name[], a struct pkt p over its
 * own buffer in[], and per-case fields before in (cleared here; the buffers
 * are not, the packet builder writes them afresh). The name
 * comes from the printf-style arguments after fmt of the calling function.
 */
#define BH_CASE_BEGIN(tc, fmt) do {                                          \
	va_list ___ap;                                                       \
	memset(&(tc), 0, offsetof(__typeof__(tc), in));                      \
	va_start(___ap, fmt);                                                \
	vsnprintf((tc).name, sizeof((tc).name), fmt, ___ap);                 \
	va_end(___ap);                                                       \
	pkt_init(&(tc).p, (tc).in, sizeof((tc).in));                         \
} while (0)

/* Counter id of fou_stats summed over all CPUs; -errno if unreadable. */
int bh_read_stat(int stats_fd, uint32_t id, uint64_t *sum);
/* The same, 0 when unreadable (benches check the deltas, not the reads). */
uint64_t bh_stat_sum(int stats_fd, uint32_t id);
/* Every counter into out[FOU_STAT__COUNT]; 0 or -errno. */
int bh_read_stats(int stats_fd, uint64_t *out);

/* TAP check of the current point: counter stat moved by exactly one and no
 * other counter moved. Failures carry the caller's location. */
void bh_expect_one_counter(const char *file, int line, const uint64_t *before,
			   const uint64_t *after, int stat);
#define BH_EXPECT_ONE_COUNTER(before, after, stat) \
	bh_expect_one_counter(__FILE__, __LINE__, before, after, stat)

/* Address s (IPv4 when fam is 4, else IPv6) as the maps store it. */
struct fou_addr bh_addr(int fam, const char *s);

/* Make address s one of this host's in obj's fou_local_addrs (what
 * fouloader does from the kernel's list), as kind FOU_LOCAL_*; 0 or -errno. */
int bh_add_local(struct bpf_object *obj, int fam, const char *s, uint32_t kind);

/*
 * Move this process into a new network namespace with the veth pair dev <->
 * peer (MACs ...:01 and ...:02, link_opts appended to both, e.g. " mtu
 * 9000"), the local addresses on dev, the remotes as permanent neighbours,
 * and forwarding on. Returns dev's ifindex, or -errno; *failed then names
 * the command that failed (NULL if none did).
 */
int bh_setup_netns(const char *dev, const char *peer, const char *link_opts,
		   const char **failed);
/* Write val to a /proc/sys file; 0 or -errno. */
int bh_write_file(const char *path, const char *val);

/* Median of v[0..n) (n > 0); sorts v, so v[0] is the minimum after. */
double bh_median(uint64_t *v, uint32_t n);
/* Pin to the current CPU; that CPU, or -1. */
int bh_pin_cpu(void);
/* "NAME xlated N insns, jited N bytes", NAME padded to width. */
int bh_prog_info(int fd, const char *name, int width);

#endif /* BPFHARNESS_H */
