// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Cost of encapsulation: fou_tx_tc (TC egress) and the forwarding path of
 * fou_rx_xdp, measured with BPF_PROG_TEST_RUN beside a trivial program
 * (trivial_tc / trivial_xdp) on the same packet in the same run, and XDP
 * forwarding as really transmitted frames per second (BPF_F_TEST_XDP_LIVE_FRAMES)
 * beside a plain XDP_TX program. Never a pass/fail on time: exit 0 unless the
 * setup fails.
 *
 * Why repeat=1: test_run repeats a program on one context without resetting
 * it, so the second repetition would see the packet the first one
 * encapsulated, addressed to the tunnel's remote, which matches no route and
 * is passed untouched: a repeat count > 1 measures mostly that pass. Each
 * figure is the median of many calls with repeat=1, every call checked (the
 * verdict, the output length, and at the end the outcome counter rose by the
 * number of calls). The trivial program runs the same calls, interleaved call
 * by call, so test_run's own per-call cost (timer, context) cancels in the
 * difference. A repeat=1 call runs on a freshly copied packet: the figures
 * include touching its cache lines once, as a real first touch does.
 *
 * The programs look the outer route up in the caller's network namespace, so
 * the bench moves itself into a private one (unshare(CLONE_NEWNET)) with a
 * veth pair bench0/bench1, the tunnel's remote as a permanent neighbour on
 * bench0, MTU 9000 (so 1500-byte inner packets fit), forwarding on.
 *
 * Live frames (kernels that run them): test_run injects frames at bench0
 * (the ingress device in the context); XDP_TX sends them out of bench0 to
 * bench1, whose NAPI (GRO on) takes them up its stack, where they are
 * dropped: the destination MAC is not bench1's. Then the XDP_TX loop (all
 * kernels): frames bounce between bench0 and bench1, XDP attached to both
 * (see loop_all()). Nothing leaves the private namespace, which dies with
 * the process; nothing is attached to any interface outside it.
 *
 * The TC cases FOU 4in4 with a zero checksum also run the encapsulation
 * floor beside fou_tx_tc (see "the floor" below); BENCH_FLOOR_ONLY=1 runs
 * only those, without live frames or the loop.
 *
 * Usage: bench_tx [CALLS [LIVE_FRAMES]]  (defaults 2000 and 1000000; the
 * loop's runs are of a fixed LOOP_BUDGET, so that its figures compare)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <linux/bpf.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fou_maps.h"
#include "fou_stats.h"
#include "fou_rx_xdp.skel.h"
#include "fou_tx_tc.skel.h"
#include "trivial.skel.h"
#include "floor_tx.skel.h"
#include "floor.h"
#include "live_loop.skel.h"
#include "bpfharness.h"
#include "pktbuild.h"

#ifndef BPF_F_TEST_XDP_LIVE_FRAMES
#define BPF_F_TEST_XDP_LIVE_FRAMES (1U << 1)
#endif

#define DEV     "bench0"
#define PEER    "bench1"
#define LOCAL4  BH_NS_LOCAL4
#define REMOTE4 BH_NS_REMOTE4
#define LOCAL6  BH_NS_LOCAL6
#define REMOTE6 BH_NS_REMOTE6
#define SLOT4   1
#define SLOT6   2
#define MAX_CALLS 100000

static int ncpus, ifidx;

/* ---- namespace ---------------------------------------------------------------- */

/* GRO on the peer turns its NAPI on: veth accepts XDP_TX frames only then
 * (the alternative, an XDP program on the peer, is not ours to attach). */
static int gro_on(const char *dev)
{
	struct ethtool_value ev = { .cmd = ETHTOOL_SGRO, .data = 1 };
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM, 0), err = 0;

	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	ifr.ifr_data = (void *)&ev;
	if (ioctl(fd, SIOCETHTOOL, &ifr))
		err = -errno;
	close(fd);
	return err;
}

/* The private namespace: bench0 <-> bench1, MTU 9000 for 1500-byte inner
 * packets; 0 or -errno. */
static int setup_netns(void)
{
	const char *failed;
	int ret = bh_setup_netns(DEV, PEER, " mtu 9000", &failed);

	if (failed)
		fprintf(stderr, "bench_tx: namespace setup failed: %s\n", failed);
	if (ret < 0)
		return ret;
	ifidx = ret;
	return 0;
}

/* ---- maps ------------------------------------------------------------------------ */

struct maps {
	int tunnels, routes4, stats;
};

static struct maps m_tc, m_xdp;

static int fill_maps(struct maps *m, struct bpf_object *obj)
{
	m->tunnels = bpf_object__find_map_fd_by_name(obj, FOU_MAP_TUNNELS);
	m->routes4 = bpf_object__find_map_fd_by_name(obj, FOU_MAP_ROUTES4);
	m->stats = bpf_object__find_map_fd_by_name(obj, FOU_MAP_STATS);
	return m->tunnels < 0 || m->routes4 < 0 || m->stats < 0 ? -ENOENT : 0;
}

/* The one tunnel every case rewrites: outer family fam, kind, checksum. */
static int put_tunnel(int fam, uint8_t kind, bool csum)
{
	struct fou_tunnel t;
	__u32 slot = SLOT4;
	int err = 0;

	memset(&t, 0, sizeof(t));
	strcpy(t.name, "bench");
	t.family = fam;
	t.kind = kind;
	t.ipproto = kind == FOU_KIND_FOU ? 4 : 0;
	t.ttl = 64;
	t.flags = fam == 4 ? (csum ? FOU_TUN_F_CSUM : 0) : (csum ? 0 : FOU_TUN_F_UDP6_ZERO);
	t.dport = kind == FOU_KIND_FOU ? 5555 : 6080;
	t.sport_min = 49152;
	t.sport_max = 65535;
	t.local = bh_addr(fam, fam == 4 ? LOCAL4 : LOCAL6);
	t.remote = bh_addr(fam, fam == 4 ? REMOTE4 : REMOTE6);
	if (bpf_map_update_elem(m_tc.tunnels, &slot, &t, BPF_ANY) ||
	    bpf_map_update_elem(m_xdp.tunnels, &slot, &t, BPF_ANY))
		err = -errno;
	return err;
}

static int put_routes(void)
{
	struct fou_route4_key k = { .prefixlen = 16, .addr = pkt_a4("10.1.0.0").s_addr };
	struct fou_route r = { .tunnel = SLOT4 };

	if (bpf_map_update_elem(m_tc.routes4, &k, &r, BPF_ANY) ||
	    bpf_map_update_elem(m_xdp.routes4, &k, &r, BPF_ANY))
		return -errno;
	return 0;
}

/* ---- packets --------------------------------------------------------------------- */

/* Ethernet + an IPv4/UDP packet of ilen bytes to the routed 10.1.0.2. */
static size_t build(uint8_t *buf, size_t cap, size_t ilen, bool udp_csum, const uint8_t *dmac)
{
	struct pkt_eth_opts e = { .src = { 2, 0, 0, 0, 0, 0xbb } };
	struct pkt_ip4_opts ip = { .saddr = pkt_a4("10.0.0.1"), .daddr = pkt_a4("10.1.0.2"),
				   .frag = PKT_IP4_DF };
	struct pkt p;

	memcpy(e.dst, dmac, 6);
	pkt_init(&p, buf, cap);
	pkt_eth(&p, &e);
	pkt_ip4(&p, &ip);
	pkt_udp(&p, 40000, 53, udp_csum ? PKT_CSUM_AUTO : PKT_CSUM_ZERO);
	pkt_payload(&p, ilen - 28, 7);
	pkt_finalize(&p);
	return p.err ? 0 : p.len;
}

/* ---- measuring ------------------------------------------------------------------- */

struct bcase {
	int fam;
	uint8_t kind;
	bool csum;      /* outer UDP checksum */
	bool inner_csum; /* inner UDP checksum (0: the outer one sums the bytes) */
	size_t ilen;
};

static const struct bcase cases[] = {
	{ 4, FOU_KIND_FOU, false, true,   64 },
	{ 4, FOU_KIND_FOU, false, true,  512 },
	{ 4, FOU_KIND_FOU, false, true, 1500 },
	{ 4, FOU_KIND_FOU, true,  true,   64 },
	{ 4, FOU_KIND_FOU, true,  true,  512 },
	{ 4, FOU_KIND_FOU, true,  true, 1500 },
	{ 4, FOU_KIND_GUE, false, true,   64 },
	{ 4, FOU_KIND_GUE, false, true,  512 },
	{ 4, FOU_KIND_GUE, false, true, 1500 },
	{ 4, FOU_KIND_GUE, true,  true,   64 },
	{ 4, FOU_KIND_GUE, true,  true,  512 },
	{ 4, FOU_KIND_GUE, true,  true, 1500 },
	/* the outer checksum summed over the bytes: inner UDP without one */
	{ 4, FOU_KIND_FOU, true,  false,  64 },
	{ 4, FOU_KIND_FOU, true,  false, 512 },
	{ 4, FOU_KIND_FOU, true,  false, 1500 },
	{ 6, FOU_KIND_FOU, true,  true,   64 },
	{ 6, FOU_KIND_FOU, true,  true, 1500 },
	{ 6, FOU_KIND_FOU, false, true, 1500 },
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

static uint8_t in_buf[4096], out_buf[16384];
static uint64_t t_fou[MAX_CALLS], t_triv[MAX_CALLS];

/* One repeat=1 call; returns its ns or -errno; *ret and *olen set. */
static long long run1(int fd, bool xdp, size_t len, __u32 *ret, __u32 *olen)
{
	struct __sk_buff skb = { .ifindex = ifidx };
	struct xdp_md xm = { .ingress_ifindex = ifidx, .data_end = len };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in_buf, .data_size_in = len,
		    .data_out = out_buf, .data_size_out = sizeof(out_buf), .repeat = 1);

	if (xdp) {
		o.ctx_in = &xm;
		o.ctx_size_in = sizeof(xm);
	} else {
		o.ctx_in = &skb;
		o.ctx_size_in = sizeof(skb);
	}
	if (bpf_prog_test_run_opts(fd, &o))
		return -errno;
	*ret = o.retval;
	*olen = o.data_size_out;
	return o.duration;
}

struct hook {
	const char *name;
	bool xdp;
	int fou_fd, triv_fd;
	struct maps *m;
	__u32 ok_ret, ok_ret2; /* success verdicts */
};

/* ---- the floor ------------------------------------------------------------------ */

/*
 * Beside fou_tx_tc on the FOU 4in4 zero-checksum cases: the encapsulation
 * floor (selftests/bench/floor_tx.bpf.c: parse, one tunnel lookup, the
 * outer route lookup, bpf_skb_adjust_room, a fixed outer header, TC_ACT_OK)
 * and its twin without the route lookup, all four programs interleaved call
 * by call (their order turning), BENCH_FLOOR_ROUNDS (3) rounds of CALLS
 * calls. The floor's outer header is fou_tx_tc's own output for the case
 * (its lengths and checksum taken out again), and one call of each floor
 * is compared with fou_tx_tc's output byte for byte, but for the IPv4 ID
 * (fou_tx_tc counts it per tunnel) and the header checksum, which is
 * checked on its own. Every call is checked (verdict, output length), and
 * each round's counters (+calls). BENCH_FLOOR_ONLY=1 runs only these.
 */
#define MAX_FLOOR_ROUNDS 20
#define FLOOR_GOAL_NS    100

static struct floor_tx_bpf *floor_obj;
static uint64_t t_floor[2][MAX_CALLS];

static unsigned int floor_rounds(void)
{
	const char *e = getenv("BENCH_FLOOR_ROUNDS");
	unsigned long n = e ? strtoul(e, NULL, 0) : 3;

	return n && n <= MAX_FLOOR_ROUNDS ? n : 3;
}

static bool floor_case(const struct hook *h, const struct bcase *c)
{
	return !h->xdp && c->fam == 4 && c->kind == FOU_KIND_FOU && !c->csum;
}

/* The ones' complement sum of @n bytes, folded. */
static uint16_t csum16(const uint8_t *b, size_t n)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += b[i] << 8 | b[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* fou_tx_tc's output @o for this packet made the floor's tunnel entry:
 * both lengths 0, the checksum summed with that. */
static int floor_put_tunnel(const uint8_t *o)
{
	struct floor_route_key k = { .prefixlen = 16, .addr = pkt_a4("10.1.0.0").s_addr };
	struct floor_tunnel t;
	uint16_t sum;

	memcpy(t.eth, o, 12);
	memcpy(t.outer, o + 14, 28);
	memset(t.outer + 2, 0, 2);   /* IPv4 total length */
	memset(t.outer + 10, 0, 2);  /* IPv4 header checksum */
	memset(t.outer + 24, 0, 2);  /* UDP length */
	sum = csum16(t.outer, 20);
	t.outer[10] = sum >> 8;
	t.outer[11] = sum & 0xff;
	return bpf_map_update_elem(bpf_map__fd(floor_obj->maps.floor_tunnel), &k, &t, BPF_ANY)
		? -errno : 0;
}

/* One call of floor @fd against fou_tx_tc's output @want (@wlen bytes):
 * NULL if the same but for the IPv4 ID and a correct header checksum. */
static const char *floor_compare(int fd, size_t len, const uint8_t *want, __u32 wlen)
{
	__u32 ret, olen;

	if (run1(fd, false, len, &ret, &olen) < 0)
		return "test_run failed";
	if (ret != 0 || olen != wlen)
		return "verdict or length differs from fou_tx_tc's";
	if (csum16(out_buf + 14, 20))
		return "outer IPv4 header checksum is wrong";
	memcpy(out_buf + 14 + 4, want + 14 + 4, 2);   /* IPv4 ID */
	memcpy(out_buf + 14 + 10, want + 14 + 10, 2); /* its checksum */
	return memcmp(out_buf, want, wlen) ? "output differs from fou_tx_tc's" : NULL;
}

/* Template and byte comparison, before the rounds; NULL when both pass. */
static const char *floor_prepare(const struct hook *h, size_t len)
{
	static uint8_t want[4096];
	const char *why;
	__u32 ret, olen;
	int err;

	if (run1(h->fou_fd, false, len, &ret, &olen) < 0 || ret != h->ok_ret ||
	    olen != len + 28 || olen > sizeof(want))
		return "fou_tx_tc gave no output to copy the outer header from";
	memcpy(want, out_buf, olen);
	err = floor_put_tunnel(want);
	if (err)
		return "cannot write floor_tunnel";
	why = floor_compare(bpf_program__fd(floor_obj->progs.floor_tx_tc), len, want, olen);
	return why ?: floor_compare(bpf_program__fd(floor_obj->progs.floor_tx_tc_nofib), len,
				    want, olen);
}

/* One round: @calls calls of each of the four programs, interleaved. */
static const char *floor_round(const struct hook *h, size_t len, __u32 calls, __u32 id,
			       double *d)
{
	int fds[4] = { h->fou_fd, bpf_program__fd(floor_obj->progs.floor_tx_tc),
		       bpf_program__fd(floor_obj->progs.floor_tx_tc_nofib), h->triv_fd };
	uint64_t *t[4] = { t_fou, t_floor[0], t_floor[1], t_triv };
	int fstats = bpf_map__fd(floor_obj->maps.floor_stats);
	uint64_t before = bh_stat_sum(h->m->stats, id), fbefore;
	__u32 i, k, ret, olen;

	if (bh_read_stat(fstats, FLOOR_STAT_ENCAP, &fbefore))
		return "cannot read floor_stats";
	for (i = 0; i < calls; i++)
		for (k = 0; k < 4; k++) {
			__u32 p = (i + k) % 4;
			long long ns = run1(fds[p], false, len, &ret, &olen);

			if (ns < 0)
				return "test_run failed";
			t[p][i] = ns;
			if (p == 3)
				continue;
			if (p ? ret != 0 : (ret != h->ok_ret && ret != h->ok_ret2))
				return p ? "floor: unexpected verdict" : "unexpected verdict";
			if (olen != len + 28)
				return p ? "floor: output length is not input + 28"
					 : "output length is not input + overhead";
		}
	if (bh_stat_sum(h->m->stats, id) - before != calls)
		return "outcome counter did not rise by the number of calls";
	if (bh_stat_sum(fstats, FLOOR_STAT_ENCAP) - fbefore != 2ull * calls)
		return "floor: its counter did not rise by the number of calls";
	for (k = 0; k < 4; k++)
		d[k] = bh_median(t[k], calls);
	for (k = 0; k < 3; k++)
		d[k] -= d[3];
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* real, floor, floor without the route lookup: ns over trivial, per round. */
static void floor_rows(const struct hook *h, const struct bcase *c, size_t len, __u32 calls,
		       __u32 id)
{
	double d[MAX_FLOOR_ROUNDS][4], col[3][MAX_FLOOR_ROUNDS], med[3];
	unsigned int n = floor_rounds(), r, k;
	const char *why = floor_prepare(h, len);

	for (r = 0; r < n && !why; r++)
		why = floor_round(h, len, calls, id, d[r]);
	printf("  floor %-19s %5zu %-4s ", "(same calls)", c->ilen, h->name);
	if (why) {
		printf("invalid: %s\n", why);
		return;
	}
	for (k = 0; k < 3; k++) {
		for (r = 0; r < n; r++)
			col[k][r] = d[r][k];
		qsort(col[k], n, sizeof(double), cmp_double);
		med[k] = n % 2 ? col[k][n / 2] : (col[k][n / 2 - 1] + col[k][n / 2]) / 2;
	}
	printf("real %+.1f, floor %+.1f, floor w/o route lookup %+.1f ns over trivial;"
	       " real/floor %.2f; goal %+d\n", med[0], med[1], med[2],
	       med[1] > 0 ? med[0] / med[1] : 0, FLOOR_GOAL_NS);
	printf("  %-25s %5s %-4s spread over %u rounds: real %.1f..%.1f, floor %.1f..%.1f,"
	       " w/o lookup %.1f..%.1f\n", "", "", "", n, col[0][0], col[0][n - 1], col[1][0],
	       col[1][n - 1], col[2][0], col[2][n - 1]);
}

static void floor_unload(void)
{
	floor_tx_bpf__destroy(floor_obj);
}

/* Loaded the first time a floor case runs; false: no floor rows. */
static bool floor_load(void)
{
	static bool tried;

	if (!tried) {
		tried = true;
		floor_obj = floor_tx_bpf__open_and_load();
		if (!floor_obj) {
			fprintf(stderr, "bench_tx: cannot load floor_tx: %s\n", strerror(errno));
		} else {
			atexit(floor_unload);
			bh_prog_info(bpf_program__fd(floor_obj->progs.floor_tx_tc), "floor_tx_tc", 17);
			bh_prog_info(bpf_program__fd(floor_obj->progs.floor_tx_tc_nofib),
				     "floor_tx_tc_nofib", 17);
		}
	}
	return floor_obj;
}


static int bench_case(const struct hook *h, const struct bcase *c, __u32 calls)
{
	size_t over = (c->fam == 4 ? 20 : 40) + 8 + (c->kind == FOU_KIND_GUE ? 4 : 0);
	__u32 id = h->xdp ? (c->kind == FOU_KIND_GUE ? FOU_STAT_FWD_ENCAP_GUE : FOU_STAT_FWD_ENCAP_FOU)
			  : (c->kind == FOU_KIND_GUE ? FOU_STAT_TX_ENCAP_GUE : FOU_STAT_TX_ENCAP_FOU);
	size_t len = build(in_buf, sizeof(in_buf), c->ilen, c->inner_csum,
			   h->xdp ? bh_dev_mac : (const uint8_t[6]){ 2, 0, 0, 0, 0, 0xaa });
	const char *invalid = NULL;
	uint64_t before;
	__u32 i, ret, olen;
	char name[64];
	int err;

	if (!len)
		return -ENOSPC;
	if (getenv("BENCH_FLOOR_ONLY") && !floor_case(h, c))
		return 0;
	err = put_tunnel(c->fam, c->kind, c->csum);
	if (err)
		return err;
	/* warm up, then measure */
	for (i = 0; i < 10; i++)
		if (run1(h->fou_fd, h->xdp, len, &ret, &olen) < 0)
			return -errno;
	before = bh_stat_sum(h->m->stats, id);
	for (i = 0; i < calls; i++) {
		long long ns = run1(h->fou_fd, h->xdp, len, &ret, &olen);

		if (ns < 0)
			return ns;
		if (!invalid && ret != h->ok_ret && ret != h->ok_ret2)
			invalid = "unexpected verdict";
		if (!invalid && olen != len + over)
			invalid = "output length is not input + overhead";
		t_fou[i] = ns;
		ns = run1(h->triv_fd, h->xdp, len, &ret, &olen);
		if (ns < 0)
			return ns;
		t_triv[i] = ns;
	}
	if (!invalid && bh_stat_sum(h->m->stats, id) - before != calls)
		invalid = "outcome counter did not rise by the number of calls";
	snprintf(name, sizeof(name), "%s %sin%d %s%s", c->kind == FOU_KIND_GUE ? "GUE" : "FOU",
		 "4", c->fam, c->csum ? "csum" : "csum0",
		 c->csum && !c->inner_csum ? " (summed)" : "");
	printf("%-26s %5zu %-4s ", name, c->ilen, h->name);
	if (invalid) {
		printf("invalid: %s (verdict %u, %u bytes out)\n", invalid, ret, olen);
		return 0;
	}
	{
		double f = bh_median(t_fou, calls), t = bh_median(t_triv, calls);

		printf("%9.1f %9.1f %9.1f %6.2f %9.1f\n", f, t, f - t, t > 0 ? f / t : 0,
		       (double)t_fou[0] - (double)t_triv[0]);
	}
	if (floor_case(h, c) && floor_load())
		floor_rows(h, c, len, calls, id);
	return 0;
}

/* ---- live frames ---------------------------------------------------------------- */

/* r0 = XDP_TX; exit. Frags-aware, so that it attaches to the MTU 9000 veth. */
static int load_plain_xdp_tx(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 3 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o, .prog_flags = BPF_F_XDP_HAS_FRAGS);

	return bpf_prog_load(BPF_PROG_TYPE_XDP, "plain_xdp_tx", "GPL", insns, 2, &o);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *kernel_release(void)
{
	static struct utsname u;

	return uname(&u) ? "?" : u.release;
}

/*
 * Whether this kernel runs BPF_F_TEST_XDP_LIVE_FRAMES, asked without sending
 * a frame: a batch size over the kernel's maximum (256) is refused with E2BIG
 * by the live-frames code itself, after the flag is accepted. EPERM there is
 * a refusal that comes before the kernel's own checks (upstream has none
 * such: a restriction of that kernel's build); EINVAL is a kernel older
 * than 5.18. 0 if supported, else -errno.
 */
static int live_supported(int fd)
{
	struct xdp_md xm = { .ingress_ifindex = ifidx, .data_end = 64 };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in_buf, .data_size_in = 64,
		    .ctx_in = &xm, .ctx_size_in = sizeof(xm), .repeat = 1,
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = 257);

	if (!bpf_prog_test_run_opts(fd, &o))
		return -EPROTO; /* took a batch over 256: not the kernel we know */
	return errno == E2BIG ? 0 : -errno;
}

/* repeat frames per call, calls calls; prints frames/s and what was counted. */
static int live(const char *name, int fd, size_t len, __u32 repeat, __u32 calls, __u32 batch)
{
	struct xdp_md xm = { .ingress_ifindex = ifidx, .data_end = len };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in_buf, .data_size_in = len,
		    .ctx_in = &xm, .ctx_size_in = sizeof(xm), .repeat = repeat,
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = batch);
	uint64_t b_enc = bh_stat_sum(m_xdp.stats, FOU_STAT_FWD_ENCAP_FOU), a_enc;
	uint64_t b_all = 0, a_all = 0, b_id[FOU_STAT__COUNT], top = 0;
	int top_id = -1;
	double t0, dt, dur_ns = 0;
	__u32 i, id;

	for (id = 0; id < FOU_STAT__COUNT; id++)
		b_all += b_id[id] = bh_stat_sum(m_xdp.stats, id);
	t0 = now_s();
	for (i = 0; i < calls; i++) {
		if (bpf_prog_test_run_opts(fd, &o))
			return -errno;
		dur_ns += (double)o.duration * repeat;
	}
	dt = now_s() - t0;
	a_enc = bh_stat_sum(m_xdp.stats, FOU_STAT_FWD_ENCAP_FOU);
	for (id = 0; id < FOU_STAT__COUNT; id++) {
		uint64_t a = bh_stat_sum(m_xdp.stats, id);

		a_all += a;
		if (id != FOU_STAT_FWD_ENCAP_FOU && a - b_id[id] > top) {
			top = a - b_id[id];
			top_id = id;
		}
	}
	printf("%-40s %9llu %7.3f %9.3f %9.3f",
	       name, (unsigned long long)repeat * calls, dt,
	       (double)repeat * calls / dt / 1e6, (double)repeat * calls / (dur_ns / 1e9) / 1e6);
	if (a_all != b_all)
		printf("  encapsulated %llu of %llu counted",
		       (unsigned long long)(a_enc - b_enc), (unsigned long long)(a_all - b_all));
	if (top_id >= 0)
		printf(" (%llu %s)", (unsigned long long)top, bh_stat_names[top_id]);
	printf("\n");
	return 0;
}

/*
 * A frame that survives page recycling. FOU puts the outer UDP checksum
 * exactly where the input frame had its EtherType (4in4: 14 + 28 bytes of
 * new headers end 14 bytes into the old frame, UDP checksum at old offset
 * 12; 4in6: the same with 48): if that checksum is 0x0800, a recycled page
 * read from the original offset is again Ethernet + the same inner IPv4
 * packet, and its encapsulation gives the same bytes. The inner UDP goes
 * without a checksum, so the outer one moves with a payload word; the word
 * is searched with the real program (non-live test_run). Returns the frame
 * length, or 0.
 */
static size_t fixed_point(int fou_fd, int fam, size_t ilen)
{
	__u32 w, ret, olen;
	size_t len = 0, uoff = 14 + (fam == 4 ? 20 : 40);

	if (put_tunnel(fam, FOU_KIND_FOU, true))
		return 0;
	for (w = 0; w <= 0xffff; w++) {
		struct pkt p = { .buf = in_buf, .cap = sizeof(in_buf) };

		len = build(in_buf, sizeof(in_buf), ilen, false, bh_dev_mac);
		p.len = len;
		pkt_put16(&p, len - 2, (uint16_t)w); /* the last payload word */
		if (run1(fou_fd, true, len, &ret, &olen) < 0 || ret != 3) {
			if (getenv("BENCH_DEBUG")) {
				__u32 id;

				fprintf(stderr, "fixed_point: w %u verdict %u len %zu\n", w, ret, len);
				for (id = 0; id < FOU_STAT__COUNT; id++)
					fprintf(stderr, " %s=%llu", bh_stat_names[id],
						(unsigned long long)bh_stat_sum(m_xdp.stats, id));
				fprintf(stderr, "\n");
			}
			return 0;
		}
		if (getenv("BENCH_DEBUG") && w < 3)
			fprintf(stderr, "fixed_point: w %u csum %02x%02x\n", w, out_buf[uoff + 6],
				out_buf[uoff + 7]);
		if (out_buf[uoff + 6] == 0x08 && out_buf[uoff + 7] == 0x00)
			return len;
	}
	return 0;
}

/* The live-frames figures (kernels that run them); 0 or -errno. */
static int live_frames(int fou_fd, int plain_fd, __u32 frames)
{
	size_t len;
	int err, fam;

	err = gro_on(PEER);
	if (err) {
		printf("live frames: cannot turn GRO on at %s (%s): veth would refuse XDP_TX frames\n",
		       PEER, strerror(-err));
		return 0;
	}
	printf("\nXDP live frames (BPF_F_TEST_XDP_LIVE_FRAMES), 64-byte inner IPv4/UDP, one call\n"
	       "of %u frames each, XDP_TX out of " DEV " to " PEER " (dropped there: not its\n"
	       "MAC). Mpps wall: frames / wall time of the call; Mpps run: frames / test_run's\n"
	       "duration. Pages are recycled within a call without their contents being\n"
	       "restored, so a rewritten frame comes back rewritten: the naive frame is\n"
	       "encapsulated once per page only; the fixed-point frames (see fixed_point())\n"
	       "stay valid. (One batch per call keeps frames fresh but costs ~27 ms per call\n"
	       "in page-pool setup: useless for a rate.)\n", frames);
	printf("%-40s %9s %7s %9s %9s\n", "program, frame", "frames", "wall s", "Mpps wall",
	       "Mpps run");
	len = build(in_buf, sizeof(in_buf), 64, true, bh_dev_mac);
	err = live("plain XDP_TX", plain_fd, len, frames, 1, 64);
	if (err)
		return err;
	err = put_tunnel(4, FOU_KIND_FOU, false);
	err = err ?: live("fou forward FOU 4in4 csum0, naive frame", fou_fd, len, frames, 1, 64);
	for (fam = 4; fam <= 6 && !err; fam += 2) {
		char name[64];

		len = fixed_point(fou_fd, fam, 64);
		if (!len) {
			printf("FOU 4in%d: no fixed-point frame found\n", fam);
			continue;
		}
		snprintf(name, sizeof(name), "plain XDP_TX, same frame (4in%d)", fam);
		err = live(name, plain_fd, len, frames, 1, 64);
		snprintf(name, sizeof(name), "fou forward FOU 4in%d csum, fixed point", fam);
		err = err ?: live(name, fou_fd, len, frames, 1, 64);
	}
	return err;
}

/* ---- XDP_TX loop -------------------------------------------------------------------- */

#define LOOP_INFLIGHT 64  /* frames in the loop: one veth NAPI batch */
#define LOOP_ROUNDS   31
#define LOOP_BUDGET   100000 /* round trips per run: ~100 windows, 15-40 ms */
#define LOOP_TIMEOUT  20.0 /* s: a loop that has not ended by then failed */
#define LIVE_WINDOW   1024 /* as in live_loop.bpf.c */

/* A program at DEV's end of the loop, and what it adds to the frame. */
struct lcase {
	const char *name;
	int fd;
	int strip;      /* bytes live_reflect removes at PEER */
	int tunnel;     /* -1: none; else 0/1: FOU 4in4 tunnel without/with checksum */
	bool counted;   /* one FOU_STAT_FWD_ENCAP_FOU per trip expected */
	bool plain;     /* sends the frame as it came (else as fou_rx_xdp encapsulates it) */
	__u32 fib_flags; /* live_floor_fib's */
	double mpps[LOOP_ROUNDS]; /* whole runs */
	double win[LOOP_ROUNDS];  /* each run's fastest window */
};

static int xdp_on(const char *dev, int fd)
{
	int idx = if_nametoindex(dev);

	if (!idx)
		return -ENODEV;
	return bpf_xdp_attach(idx, fd, XDP_FLAGS_DRV_MODE, NULL) ? -errno : 0;
}

/* fou_rx_xdp's output for the loop's frame (FOU 4in4, no checksum) */
static uint8_t out_enc[42];

/*
 * What live_reflect expects: frames of len bytes (it drops others), and in
 * one frame per window the headers hdr[0..42); if loose, except the outer
 * IPv4 ID and checksum and the UDP checksum (what fou_rx_xdp may change from
 * frame to frame).
 */
static void expect(struct live_loop_bpf *l, const uint8_t *hdr, size_t len, bool loose)
{
	static const int skip[] = { 18, 19, 24, 25, 40, 41 };
	unsigned int i;

	memcpy(l->bss->live_expect_hdr, hdr, sizeof(l->bss->live_expect_hdr));
	memset(l->bss->live_expect_mask, 0xff, sizeof(l->bss->live_expect_mask));
	for (i = 0; loose && i < sizeof(skip) / sizeof(skip[0]); i++)
		l->bss->live_expect_mask[skip[i]] = 0;
	l->bss->live_expect_len = len;
}

/* Send the frame in_buf[0..len) n times out of PEER (to DEV); 0 or -errno. */
static int inject(size_t len, int n)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP),
				   .sll_ifindex = if_nametoindex(PEER), .sll_halen = 6 };
	int fd = socket(AF_PACKET, SOCK_RAW, 0), err = 0, i;

	if (fd < 0)
		return -errno;
	memcpy(sll.sll_addr, bh_dev_mac, 6);
	for (i = 0; i < n && !err; i++)
		if (sendto(fd, in_buf, len, 0, (struct sockaddr *)&sll, sizeof(sll)) != (ssize_t)len)
			err = -errno;
	close(fd);
	return err;
}

/* What one run of the loop measured. */
struct lrun {
	double mpps;  /* round trips per second (10^6), trip 1 to trip budget */
	double win;   /* the same over the run's fastest window */
	double enc;   /* encapsulations counted per trip */
	__u64 frames; /* frames in the loop at its end */
};

/* Wait for the last frames to die (each at its next trip once the budget is
 * spent), so that none is left for the next run; the trips seen, or 0. */
static __u64 loop_drain(struct live_loop_bpf *l)
{
	__u64 seen;
	int i;

	for (i = 0; i < 100; i++) {
		seen = l->bss->live_trips;
		usleep(2000);
		if (l->bss->live_trips == seen)
			return seen;
	}
	return 0;
}

/* Reset live_loop's state for a run of c; its frame's length is len. */
static void loop_reset(struct live_loop_bpf *l, const struct lcase *c, size_t len, __u64 budget)
{
	l->bss->live_trips = 0;
	l->bss->live_t_first = l->bss->live_t_last = 0;
	l->bss->live_win_min = ~0ULL;
	l->bss->live_win_mark = 0;
	l->bss->live_strip = c->strip;
	l->bss->live_fib_flags = c->fib_flags;
	l->bss->live_checked = l->bss->live_bad = l->bss->live_foreign = 0;
	expect(l, c->plain ? in_buf : out_enc, c->plain ? len : len + 28, c->counted);
	l->bss->live_budget = budget;
}

/*
 * One run of the loop with c at DEV, until budget trips (*run zero if the
 * loop lost its frames before); 0, or -errno if it could not run.
 */
static int loop_run(struct live_loop_bpf *l, const struct lcase *c, size_t len, __u64 budget,
		    struct lrun *run)
{
	uint64_t b_enc = bh_stat_sum(m_xdp.stats, FOU_STAT_FWD_ENCAP_FOU);
	__u64 trips;
	double t0;
	int err;

	memset(run, 0, sizeof(*run));
	if (c->tunnel >= 0 && (err = put_tunnel(4, FOU_KIND_FOU, c->tunnel)))
		return err;
	loop_reset(l, c, len, budget);
	err = xdp_on(DEV, c->fd) ?: inject(len, LOOP_INFLIGHT);
	if (err)
		return err;
	for (t0 = now_s(); !l->bss->live_t_last && now_s() - t0 < LOOP_TIMEOUT;)
		usleep(2000);
	trips = loop_drain(l);
	run->enc = (double)(bh_stat_sum(m_xdp.stats, FOU_STAT_FWD_ENCAP_FOU) - b_enc) /
		   (trips ?: 1);
	if (!l->bss->live_t_last || l->bss->live_win_min == ~0ULL || trips < budget)
		return 0;
	run->frames = trips - budget + 1;
	run->win = LIVE_WINDOW * 1e3 / (double)l->bss->live_win_min;
	run->mpps = (budget - 1) * 1e3 / (double)(l->bss->live_t_last - l->bss->live_t_first);
	return 0;
}

static double median_d(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The first three fields of /proc/loadavg: how busy the shared CPUs were. */
static const char *loadavg(void)
{
	static char buf[128] = "?";
	FILE *f = fopen("/proc/loadavg", "r");
	char *p = buf;
	int i;

	if (!f || !fgets(buf, sizeof(buf), f))
		snprintf(buf, sizeof(buf), "?");
	for (i = 0; i < 3 && p; i++)
		p = strchr(p + 1, ' ');
	if (p)
		*p = 0;
	if (f)
		fclose(f);
	return buf;
}

/* c beside base, round by round: medians and ranges of the rate, of the
 * ratio, of the ns added per trip, and of the hop ratio (see loop_all). */
static void loop_print(const char *name, const double *c, const double *base)
{
	double m[LOOP_ROUNDS], r[LOOP_ROUNDS], ns[LOOP_ROUNDS], hop[LOOP_ROUNDS];
	int i, n = LOOP_ROUNDS;

	for (i = 0; i < n; i++) {
		double half = 1e3 / base[i] / 2;

		m[i] = c[i];
		r[i] = c[i] / base[i];
		ns[i] = 1e3 / c[i] - 1e3 / base[i];
		hop[i] = half / (half + ns[i]);
	}
	/* median_d sorts: [0] and [n - 1] are the range after it */
	printf("%-31s %5.2f", name, median_d(m, n));
	printf(" (%4.2f-%4.2f) %5.3f", m[0], m[n - 1], median_d(r, n));
	printf(" (%5.3f-%5.3f) %6.1f", r[0], r[n - 1], median_d(ns, n));
	printf(" (%6.1f-%6.1f) %5.3f\n", ns[0], ns[n - 1], median_d(hop, n));
}

/*
 * live_floor_gw's tables: 10.1.0.0/16 (the bench's route) to tunnel 0,
 * whose outer headers are hdr's without lengths and IPv4 checksum; 0 or
 * -errno.
 */
static int gw_tables(struct live_loop_bpf *l, const uint8_t *hdr)
{
	struct { __u32 prefixlen; __be32 addr; } key = { 16, pkt_a4("10.1.0.0").s_addr };
	struct { uint8_t hdr[42]; __u16 pad; __u32 sum; __be32 dst; } t = { .pad = 0 };
	__u32 slot = 0;
	int i;

	memcpy(t.hdr, hdr, sizeof(t.hdr));
	t.hdr[16] = t.hdr[17] = t.hdr[24] = t.hdr[25] = t.hdr[38] = t.hdr[39] = 0;
	for (i = 14; i < 34; i += 2)
		t.sum += t.hdr[i] << 8 | t.hdr[i + 1];
	t.dst = pkt_a4(REMOTE4).s_addr;
	if (bpf_map__update_elem(l->maps.live_routes, &key, sizeof(key), &slot, sizeof(slot), 0) ||
	    bpf_map__update_elem(l->maps.live_tunnels, &slot, sizeof(slot), &t, sizeof(t), 0))
		return -errno;
	return 0;
}

/*
 * live_loop loaded, with the frame in in_buf (its length in *len), its
 * headers for live_reflect to restore, and for the floors the outer headers
 * fou_rx_xdp writes on it (FOU 4in4 without checksum); NULL with errno set.
 */
static struct live_loop_bpf *loop_open(int fou_fd, size_t *len)
{
	struct live_loop_bpf *l = live_loop_bpf__open();
	__u32 ret, olen;
	int err;

	if (!l)
		return NULL;
	*len = build(in_buf, sizeof(in_buf), 64, true, bh_dev_mac);
	err = live_loop_bpf__load(l) ? -errno : put_tunnel(4, FOU_KIND_FOU, false);
	if (!err && (run1(fou_fd, true, *len, &ret, &olen) < 0 || ret != 3 || olen != *len + 28))
		err = -EPROTO;
	err = err ?: gw_tables(l, out_buf);
	if (err) {
		live_loop_bpf__destroy(l);
		errno = -err;
		return NULL;
	}
	memcpy(l->bss->live_frame_hdr, in_buf, sizeof(l->bss->live_frame_hdr));
	memcpy(l->bss->live_outer_hdr, out_buf, sizeof(l->bss->live_outer_hdr));
	memcpy(out_enc, out_buf, sizeof(out_enc));
	l->bss->live_outer_dst = pkt_a4(REMOTE4).s_addr;
	return l;
}

/* Whether a run measured what it says (see loop_run); 0 or -EPROTO. */
static int loop_check(const struct live_loop_bpf *l, const struct lcase *c,
		      const struct lrun *run)
{
	const char *bad = NULL;

	if (!run->mpps)
		bad = "the loop lost its frames before the budget";
	else if (run->frames != LOOP_INFLIGHT)
		bad = "frames were lost or came in";
	else if (c->counted ? run->enc < 0.99 || run->enc > 1.01 : run->enc != 0)
		bad = "encapsulations counted are not one per trip";
	else if (l->bss->live_floor_miss)
		bad = "bpf_fib_lookup failed";
	else if (!l->bss->live_checked || l->bss->live_bad)
		bad = "frames checked at " PEER " were not as expected";
	if (!bad)
		return 0;
	printf("%s: %s (%llu trips, %llu frames at the end, %.3f encapsulations per trip, "
	       "%llu of %llu checked frames wrong)\n", c->name, bad,
	       (unsigned long long)l->bss->live_trips, (unsigned long long)run->frames, run->enc,
	       (unsigned long long)l->bss->live_bad, (unsigned long long)l->bss->live_checked);
	return -EPROTO;
}

/*
 * The XDP_TX rate without live frames: LOOP_INFLIGHT frames bounce between
 * DEV (the program under test) and PEER (live_reflect), both answering
 * XDP_TX, until budget round trips; each configuration once per round,
 * rounds interleaved. 0 or -errno.
 */
static int loop_all(int fou_fd, int plain_fd, __u64 budget)
{
	struct lcase cases_l[] = {
		{ .name = "plain XDP_TX", .fd = plain_fd, .tunnel = -1, .plain = true },
		{ .name = "fou forward FOU 4in4 csum0", .fd = fou_fd, .strip = 28, .counted = true },
		{ .name = "fou forward FOU 4in4 csum", .fd = fou_fd, .strip = 28, .tunnel = 1,
		  .counted = true },
		{ .name = "floor: adjust_head + copy + TX", .strip = 28, .tunnel = -1 },
		{ .name = "floor + bpf_fib_lookup", .strip = 28, .tunnel = -1 },
		/* without the policy-routing rules: what they cost */
		{ .name = "floor + bpf_fib_lookup DIRECT", .strip = 28, .tunnel = -1,
		  .fib_flags = BPF_FIB_LOOKUP_DIRECT },
		{ .name = "floor: lean gateway", .strip = 28, .tunnel = -1 },
	};
	int nc = sizeof(cases_l) / sizeof(cases_l[0]), i, r, err;
	struct live_loop_bpf *l;
	size_t len;

	l = loop_open(fou_fd, &len);
	if (!l)
		return -errno;
	cases_l[3].fd = bpf_program__fd(l->progs.live_floor_encap);
	cases_l[4].fd = cases_l[5].fd = bpf_program__fd(l->progs.live_floor_fib);
	cases_l[6].fd = bpf_program__fd(l->progs.live_floor_gw);
	printf("\nXDP_TX loop: %d frames (64-byte inner IPv4/UDP) bounce between " DEV ", running\n"
	       "the program, and " PEER ", where live_reflect (selftests/bench/live_loop.bpf.c)\n"
	       "removes what the program added, restores the headers and answers XDP_TX too;\n"
	       "native XDP on both, %llu round trips per run, %d rounds, configurations\n"
	       "interleaved. Mtrips/s from live_reflect's clock (ktime): whole runs, trip 1\n"
	       "to the last; and each run's fastest window of %d trips, which a shared CPU\n"
	       "taken away mid-run does not slow. ratio: to plain XDP_TX of the same round,\n"
	       "median and range. +ns: per trip over plain. hop: a gateway's rate against\n"
	       "plain XDP_TX, one hop taken as half of plain's round trip: hop / (hop + ns),\n"
	       "median. Every run checked: the %d frames all there at its end, one frame per\n"
	       "window compared with what the program should send, fou's encapsulation\n"
	       "counter one per trip. Load: %s.\n",
	       LOOP_INFLIGHT, (unsigned long long)budget, LOOP_ROUNDS, LIVE_WINDOW, LOOP_INFLIGHT,
	       loadavg());
	err = xdp_on(PEER, bpf_program__fd(l->progs.live_reflect));
	for (r = 0; r < LOOP_ROUNDS && !err; r++)
		for (i = 0; i < nc && !err; i++) {
			struct lrun run;

			err = loop_run(l, &cases_l[i], len, budget, &run) ?:
			      loop_check(l, &cases_l[i], &run);
			cases_l[i].mpps[r] = run.mpps;
			cases_l[i].win[r] = run.win;
		}
	bpf_xdp_detach(if_nametoindex(DEV), XDP_FLAGS_DRV_MODE, NULL);
	bpf_xdp_detach(if_nametoindex(PEER), XDP_FLAGS_DRV_MODE, NULL);
	for (r = 0; r < 2 && !err; r++) {
		printf("%-31s %-17s %-19s %-22s %s\n", r ? "fastest window of each run" : "whole runs",
		       "Mtrips/s (range)", "ratio (range)", "+ns/trip (range)", "hop");
		for (i = 0; i < nc; i++)
			loop_print(cases_l[i].name, r ? cases_l[i].win : cases_l[i].mpps,
				   r ? cases_l[0].win : cases_l[0].mpps);
	}
	live_loop_bpf__destroy(l);
	return err;
}

/* Live frames where the kernel runs them, then the XDP_TX loop; 0 or -errno. */
static int live_all(int fou_fd, int plain_fd, __u32 frames)
{
	int err = live_supported(plain_fd);

	if (err == -EPERM)
		printf("\nlive frames: SKIP: kernel %s refuses BPF_F_TEST_XDP_LIVE_FRAMES with EPERM"
		       " ahead of its own checks (upstream has none such); the loop below stands in\n",
		       kernel_release());
	else if (err)
		printf("\nlive frames: SKIP: kernel %s cannot run BPF_F_TEST_XDP_LIVE_FRAMES (%s)\n",
		       kernel_release(), strerror(-err));
	else if ((err = live_frames(fou_fd, plain_fd, frames)))
		return err;
	err = loop_all(fou_fd, plain_fd, LOOP_BUDGET);
	if (err)
		printf("XDP_TX loop: no figures: %s\n", strerror(-err));
	return 0;
}

/* ---- setup ------------------------------------------------------------------------ */

int main(int argc, char **argv)
{
	struct fou_tx_tc_bpf *t = NULL;
	struct fou_rx_xdp_bpf *x = NULL;
	struct trivial_bpf *tr = NULL;
	__u32 calls = 2000, frames = 1000000;
	struct hook hooks[2];
	int plain_fd = -1, err = 1, cpu;
	unsigned int i, j;

	if (argc > 1)
		calls = strtoul(argv[1], NULL, 0);
	if (argc > 2)
		frames = strtoul(argv[2], NULL, 0);
	if (!calls || calls > MAX_CALLS || frames < 64) {
		fprintf(stderr, "usage: bench_tx [CALLS (1..%d) [LIVE_FRAMES (>= 64)]]\n", MAX_CALLS);
		return 1;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "bench_tx: needs root (BPF_PROG_TEST_RUN, network namespace)\n");
		return 1;
	}
	ncpus = libbpf_num_possible_cpus();
	err = setup_netns();
	if (err) {
		fprintf(stderr, "bench_tx: private network namespace: %s\n", strerror(-err));
		return 1;
	}
	err = 1;
	t = BH_OPEN_UNPINNED(fou_tx_tc_bpf);
	x = t ? BH_OPEN_UNPINNED(fou_rx_xdp_bpf) : NULL;
	tr = x ? trivial_bpf__open_and_load() : NULL;
	if (ncpus <= 0 || !t || !x || !tr)
		goto out;
	if (fill_maps(&m_tc, t->obj) || fill_maps(&m_xdp, x->obj) || put_routes() ||
	    bh_routes_present(x->obj))
		goto out;
	plain_fd = load_plain_xdp_tx();

	hooks[0] = (struct hook){ .name = "tc", .fou_fd = bpf_program__fd(t->progs.fou_tx_tc),
				  .triv_fd = bpf_program__fd(tr->progs.trivial_tc), .m = &m_tc,
				  .ok_ret = 0 /* TC_ACT_OK */, .ok_ret2 = 7 /* TC_ACT_REDIRECT */ };
	hooks[1] = (struct hook){ .name = "xdp", .xdp = true,
				  .fou_fd = bpf_program__fd(x->progs.fou_rx_xdp),
				  .triv_fd = bpf_program__fd(tr->progs.trivial_xdp), .m = &m_xdp,
				  .ok_ret = 3 /* XDP_TX */, .ok_ret2 = 4 /* XDP_REDIRECT */ };
	cpu = bh_pin_cpu();
	printf("bench_tx: BPF_PROG_TEST_RUN, repeat=1, median of %u calls per program and case\n"
	       "  (trivial interleaved call by call), every call checked (verdict, output\n"
	       "  length; outcome counter = calls). Inner: IPv4/UDP of the given size, DF.\n"
	       "  tc: fou_tx_tc on skb->dev = " DEV " (resolved neighbour: TC_ACT_OK);\n"
	       "  xdp: fou_rx_xdp forwarding, ingress " DEV " (XDP_TX). %d CPUs, on CPU %d.\n"
	       "  min diff: fastest fou call - fastest trivial call.\n\n",
	       calls, ncpus, cpu);
	bh_prog_info(hooks[0].fou_fd, "fou_tx_tc", 14);
	bh_prog_info(hooks[1].fou_fd, "fou_rx_xdp", 14);
	bh_prog_info(hooks[0].triv_fd, "trivial_tc", 14);
	bh_prog_info(hooks[1].triv_fd, "trivial_xdp", 14);
	if (plain_fd >= 0)
		bh_prog_info(plain_fd, "plain_xdp_tx", 14);
	printf("\n%-26s %5s %-4s %9s %9s %9s %6s %9s\n", "case", "inner", "hook", "ns/pkt",
	       "trivial", "diff ns", "ratio", "min diff");
	for (j = 0; j < 2; j++)
		for (i = 0; i < NCASES; i++) {
			err = bench_case(&hooks[j], &cases[i], calls);
			if (err) {
				errno = -err;
				err = 1;
				goto out;
			}
		}
	if (getenv("BENCH_FLOOR_ONLY")) { /* make bench's floor section: no live frames */
		err = 0;
		goto out;
	}
	if (plain_fd < 0)
		printf("\nlive frames: cannot load a plain XDP_TX program: %s\n", strerror(errno));
	else if ((err = live_all(hooks[1].fou_fd, plain_fd, frames))) {
		errno = -err;
		err = 1;
		goto out;
	}
	err = 0;
out:
	if (err)
		fprintf(stderr, "bench_tx: setup failed: %s\n", strerror(errno));
	if (plain_fd >= 0)
		close(plain_fd);
	fou_tx_tc_bpf__destroy(t);
	fou_rx_xdp_bpf__destroy(x);
	trivial_bpf__destroy(tr);
	return err ? 1 : 0;
}
