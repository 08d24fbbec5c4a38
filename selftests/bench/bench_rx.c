// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Cost per packet of fou_rx_xdp and fou_rx_tc, measured with
 * BPF_PROG_TEST_RUN beside a trivial program (trivial_xdp / trivial_tc) on the
 * same packet in the same run. Never a pass/fail on time: exit 0 unless the
 * setup fails.
 *
 * test_run repeats a program on one context without resetting it: each
 * repetition sees what the previous one left. So the packets are
 * self-similar: N encapsulation layers of one kind around an innermost
 * IP/UDP packet, and with repeat=N every repetition strips one real layer.
 * Each call starts again from the original packet.
 *
 * The first repetition of a call runs cold: at XDP, test_run with repeat > 1
 * also puts the program into the XDP dispatcher and takes it out again
 * (about 16 ms of wall time per call, waiting for RCU), and the run after
 * that costs microseconds. So each case is run as two shots, N layers with
 * repeat=N and 2 layers with repeat=2 (the inner two of the same stack), and
 * the figure is (median total ns of the long shot - median of the short) /
 * (N - 2): the warm cost of one layer, averaged over layers 3..N, with the
 * cold first run cancelled out. The trivial program runs the same shots,
 * interleaved call by call, and is reduced the same way.
 *
 * Every call is checked: the case's outcome counter in fou_stats rose by
 * exactly the repeat count, and the output is exactly the innermost packet
 * behind the original Ethernet header (the input itself when not ours).
 * A case that fails a check is printed as invalid, without figures.
 *
 * Cases that leave the packet as it was (not ours; ICMP errors, matched to a
 * tunnel or not; native SCTP with its CRC32c checked or not) run one
 * unchanged packet with repeat=NOT_OURS_REPEAT and repeat=2. A matched
 * Frag Needed / Packet Too Big is consumed (drop / shot), counted
 * rx_icmp_tunnel; its path MTU is lowered by the first repetition and only
 * refreshed by the others (same MTU), and is checked after the case. The
 * tunnels are written into each object's fou_tunnels and fou_tun_index (the
 * objects share no maps). Native SCTP is checked on lo (ifindex 1: test_run's
 * device at XDP and TC); its noverify twin puts lo in fou_sctp_devs for that
 * case only. RFC 6951 decapsulation is not measured: what it leaves is
 * native SCTP, not another layer of its kind, so no packet can be nested for
 * repeat=N. "+route" cases count one route in fou_route_count (that no
 * case's packet takes): XDP then checks whether a packet not ours is to be
 * forwarded into a tunnel, which it skips while no route exists; "+route"
 * also writes fou_route_filter as fouloader does (the packet's destination
 * is then seen to be covered by no route), "+route nofilt" leaves it
 * unwritten, as before the filter existed (every destination checked).
 *
 * "monitor" as third argument measures instead what the drop monitor's hook
 * (bpf/lib/monitor.h) costs decapsulation: the same programs built without
 * it (selftests/bench/fou_rx_*_nomon.bpf.c) as the baseline, first and last,
 * then with it idle, and with fou_monitor_conf set as a running monitor sets
 * it (--drops; --all held back by the rate limit; --all sending every
 * packet), each as a ratio to the baseline of the same run.
 *
 * "floor" as third argument measures instead, BENCH_FLOOR_ROUNDS (3) times,
 * the cases floor_rx (selftests/bench/floor_rx.bpf.c: the least a program
 * can do for them) handles: FOU 4in4 zero checksum 64 B, and not ours (UDP,
 * TCP) without routes; the real program, the floor and the trivial one
 * interleaved call by call, the floor checked as the real one is (verdict,
 * output, its counter in floor_stats). Per case and hook: real and floor
 * ns over trivial (medians over rounds), their ratio, issue 14's goal, and
 * the spread over rounds.
 *
 * BENCH_RX_ONLY=TEXT in the environment runs only the cases whose name
 * contains TEXT (a per-byte checksum cost is printed where both twins ran).
 *
 * Usage: bench_rx [CALLS [XDP_CALLS [monitor|floor]]]
 *   calls per shot and program at TC (default 400) and at XDP (default 40:
 *   XDP calls cost ~16 ms each, which bounds the total to about 75 s).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "crc32c_table.h"
#include "fou_maps.h"
#include "portstate.h"
#include "fou_stats.h"
#include "fou_rx_xdp.skel.h"
#include "fou_rx_tc.skel.h"
#include "fou_rx_xdp_nomon.skel.h"
#include "fou_rx_tc_nomon.skel.h"
#include "fou_monitor.h"
#include "trivial.skel.h"
#include "floor_rx.skel.h"
#include "floor.h"
#include "bpfharness.h"
#include "pktbuild.h"

#define P_FOU4 5555
#define P_FOU6 5556
#define P_GUE  6080
#define P_NONE 9999

/* ICMP cases: this host (a tunnel's local) and the router that complains */
#define LOCAL4   "198.51.100.1"
#define REMOTE4  "192.0.2.1"
#define ROUTER4  "203.0.113.254"
#define LOCAL6   "2001:db8:100::1"
#define REMOTE6  "2001:db8::1"
#define ROUTER6  "2001:db8:ff::fe"
#define NOTUN4   "192.0.2.99"   /* a quoted destination that is no tunnel's */
#define TRANSIT4 "203.0.113.9"  /* not this host's */
#define SLOT4    1
#define SLOT6    2
#define TUN_SPORT 40500
#define ICMP_MTU  1400          /* below the quoted packet's 1500 */
#define LO_IFINDEX 1            /* test_run's device without a ctx: lo */

#define MAX_FRAME       3400 /* under the test_run linear limits (XDP ~3500) */
#define NOT_OURS_REPEAT 64
#define SHORT_REPEAT    2    /* the short shot: 2 layers, 2 repetitions */
#define WARMUP_CALLS    2
#define MAX_CALLS       10000

enum kind {
	K_FOU, K_GUE0, K_GUE1,    /* nested layers, decapsulated one a repetition */
	K_NOPORT, K_TCP,          /* not ours */
	K_NOTLOCAL,               /* not ours: FOU to a port of ours, transit destination */
	K_ICMP_TUN, K_ICMP_NOTUN, /* Frag Needed / Packet Too Big quoting a tunnel packet or not */
	K_ICMP_ECHO,              /* an echo request */
	K_SCTP, K_SCTP_NOVERIFY,  /* native SCTP, CRC32c checked or lo set noverify */
};

struct bcase {
	enum kind kind;
	int fam;             /* IP version of every layer, the innermost too */
	bool csum;           /* UDP checksum in every layer (verified) */
	unsigned int layers; /* encapsulation layers; ours: the repeat count */
	size_t inner;        /* innermost IP packet bytes; unchanged-packet cases:
			      * the IP packet's (ICMP: the error's, quoting the
			      * start of a 1500-byte tunnel packet) */
	bool per_byte;       /* checksum cost per byte, against its csum0 twin */
	int routes;          /* a route exists (fou_route_count): XDP checks forwarding;
			      * ROUTE_FILTERED: fou_route_filter written too, as
			      * fouloader does since it exists (ROUTE_COUNTED: not
			      * written, every destination checked, as before) */
};

enum { ROUTE_NONE, ROUTE_COUNTED, ROUTE_FILTERED };
#define BENCH_ROUTE     "10.99.0.0" /* the one route: no case's packet goes there */
#define BENCH_ROUTE_LEN 16

static const struct bcase cases[] = {
	/* kind    fam  csum   layers innermost per_byte routes */
	{ K_FOU,    4, false, 64,   64, false, false },
	{ K_FOU,    4, false, 64,  512, false, false },
	{ K_FOU,    4, true,  64,   64, false, false },
	{ K_FOU,    4, true,  64,  512, false, false },
	{ K_FOU,    6, true,  64,   64, false, false },
	{ K_FOU,    6, true,  48,  512, false, false },
	{ K_GUE0,   4, false, 64,   64, false, false },
	{ K_GUE0,   4, true,  64,   64, false, false },
	{ K_GUE1,   4, false, 64,   64, false, false },
	{ K_GUE1,   4, true,  64,   64, false, false },
	{ K_GUE1,   6, true,  64,   64, false, false },
	/* checksum cost per byte: fewer layers around a large innermost packet */
	{ K_FOU,    4, false, 16, 1400, false, false },
	{ K_FOU,    4, true,  16, 1400, true,  false },
	{ K_NOPORT, 4, true,   1,  512, false, false },
	{ K_TCP,    4, false,  0,  512, false, false },
	{ K_NOTLOCAL, 4, true, 1,  512, false, false },
	/* the same with one route (not theirs): what XDP's forwarding check costs,
	 * without the route filter (as before it existed) and with it */
	{ K_NOPORT, 4, true,   1,  512, false, ROUTE_COUNTED },
	{ K_TCP,    4, false,  0,  512, false, ROUTE_COUNTED },
	{ K_NOPORT, 4, true,   1,  512, false, ROUTE_FILTERED },
	{ K_TCP,    4, false,  0,  512, false, ROUTE_FILTERED },
	/* ICMP errors: Linux routers quote up to 576 (v4) / 1280 (v6) bytes */
	{ K_ICMP_TUN,   4, false, 0,  576, false, false },
	{ K_ICMP_TUN,   4, false, 0,   56, false, false },
	{ K_ICMP_TUN,   6, false, 0, 1280, false, false },
	{ K_ICMP_NOTUN, 4, false, 0,  576, false, false },
	{ K_ICMP_ECHO,  4, false, 0,   64, false, false },
	{ K_SCTP,       4, false, 0,   64, false, false },
	{ K_SCTP,       4, false, 0,  512, false, false },
	{ K_SCTP,       4, false, 0, 1500, false, false },
	{ K_SCTP_NOVERIFY, 4, false, 0, 1500, false, false },
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

struct hook {
	const char *name;
	__u32 calls;         /* measured calls per shot and program */
	int fou_fd, triv_fd, stats_fd, mon_conf_fd;
	struct ring_buffer *ring; /* drained after every call (monitor section) */
	int tunnels_fd, index_fd, path_fd, sctp_devs_fd, routes4_fd, route_count_fd, route_filter_fd;
	struct fou_port_fds pfds;
	__u32 ok_ret, drop_ret;
	int floor_fd, floor_stats_fd; /* the floor program (floor mode only; else 0) */
};

struct frame {
	uint8_t *buf;
	size_t len;
};

struct result {
	double fou, triv;    /* from the medians: ns per repetition */
	double floor;        /* the floor program, likewise (floor mode) */
	double min_diff;     /* fou - trivial from the minima, likewise */
	const char *invalid; /* why the case is not measured, or NULL */
};

/* xdp, tc; then the same programs built without the monitor hook */
#define NHOOKS 4
static struct hook hooks[NHOOKS];
static struct result results[NCASES][2];
static int ncpus;
static uint8_t scratch[2][4096], in_long[4096], in_short[4096], want_buf[4096];
static uint8_t out_buf[8192];

/* ---- cases ------------------------------------------------------------ */

/* Nested layers, one stripped a repetition (else one unchanged packet). */
static bool ours(const struct bcase *c)
{
	return c->kind == K_FOU || c->kind == K_GUE0 || c->kind == K_GUE1;
}

static __u32 repeat_of(const struct bcase *c)
{
	return ours(c) ? c->layers : NOT_OURS_REPEAT;
}

/* The fou_stats counter that every repetition must bump. */
static __u32 stat_of(const struct bcase *c)
{
	switch (c->kind) {
	case K_FOU: return FOU_STAT_RX_DECAP_FOU;
	case K_NOPORT: return FOU_STAT_PASS_NO_PORT;
	case K_NOTLOCAL: return FOU_STAT_PASS_NOT_LOCAL;
	case K_TCP: return FOU_STAT_PASS_NOT_UDP;
	case K_ICMP_TUN: return FOU_STAT_RX_ICMP_TUNNEL;
	case K_ICMP_NOTUN: return FOU_STAT_PASS_ICMP_NO_TUNNEL;
	case K_ICMP_ECHO: return FOU_STAT_PASS_NOT_UDP;
	case K_SCTP: return FOU_STAT_PASS_SCTP_CRC_OK;
	case K_SCTP_NOVERIFY: return FOU_STAT_PASS_NOT_UDP;
	default: return FOU_STAT_RX_DECAP_GUE;
	}
}

/* A matched ICMP error is consumed; everything else goes on. */
static __u32 verdict_of(const struct bcase *c, const struct hook *h)
{
	return c->kind == K_ICMP_TUN ? h->drop_ret : h->ok_ret;
}

/* Bytes one encapsulation layer adds. */
static size_t overhead(const struct bcase *c)
{
	return (c->fam == 4 ? 20 : 40) + 8 + (c->kind == K_GUE0 ? 4 : 0);
}

static const char *case_name(const struct bcase *c)
{
	static const char *kinds[] = { "FOU", "GUEv0", "GUEv1" };
	static const char *flat[] = {
		[K_NOPORT] = "not ours: UDP", [K_TCP] = "not ours: TCP",
		[K_NOTLOCAL] = "not ours: transit FOU",
		[K_ICMP_TUN] = "tunnel", [K_ICMP_NOTUN] = "no tunnel",
		[K_ICMP_ECHO] = "echo request", [K_SCTP] = "crc ok",
		[K_SCTP_NOVERIFY] = "noverify",
	};
	static char s[48];

	if (c->kind >= K_ICMP_TUN && c->kind <= K_ICMP_ECHO)
		snprintf(s, sizeof(s), "ICMP%d %s%s %zu", c->fam,
			 c->kind == K_ICMP_ECHO ? "" : c->fam == 4 ? "FragNeed " : "TooBig ",
			 flat[c->kind], c->inner);
	else if (c->kind == K_SCTP || c->kind == K_SCTP_NOVERIFY)
		snprintf(s, sizeof(s), "SCTP%d %s %zu", c->fam, flat[c->kind], c->inner);
	else if (!ours(c))
		snprintf(s, sizeof(s), "%s %zu%s", flat[c->kind], c->inner,
			 c->routes == ROUTE_FILTERED ? " +route" :
			 c->routes ? " +route nofilt" : "");
	else
		snprintf(s, sizeof(s), "%s %din%d %s %zuB/L+%zu", kinds[c->kind], c->fam,
			 c->fam, c->csum ? "csum" : "csum0", overhead(c), c->inner);
	return s;
}

/* ---- packets ----------------------------------------------------------- */

/* An IP header from src to dst; proto 0: from the next layer. */
static void add_ip_to(struct pkt *p, int fam, const char *src, const char *dst, uint8_t proto)
{
	if (fam == 4) {
		struct pkt_ip4_opts o = { .saddr = pkt_a4(src), .daddr = pkt_a4(dst),
					  .proto = proto };

		pkt_ip4(p, &o);
	} else {
		struct pkt_ip6_opts o = { .saddr = pkt_a6(src), .daddr = pkt_a6(dst),
					  .nexthdr = proto };

		pkt_ip6(p, &o);
	}
}

/* Outer layers come from the tunnels' remote to this host (LOCAL4/6). */
static void add_ip(struct pkt *p, int fam, bool inner)
{
	if (fam == 4)
		add_ip_to(p, 4, inner ? "10.0.0.1" : REMOTE4, inner ? "10.0.0.2" : LOCAL4, 0);
	else
		add_ip_to(p, 6, inner ? "fd00::1" : REMOTE6, inner ? "fd00::2" : LOCAL6, 0);
}

static size_t done(struct pkt *p)
{
	pkt_finalize(p);
	return p->err ? 0 : p->len;
}

/* The innermost IP packet (no Ethernet): UDP, or TCP for "not ours: TCP". */
static size_t build_innermost(uint8_t *buf, size_t cap, const struct bcase *c)
{
	size_t hdrs = (c->fam == 4 ? 20 : 40) + (c->kind == K_TCP ? 20 : 8);
	struct pkt p;

	pkt_init(&p, buf, cap);
	add_ip(&p, c->fam, true);
	if (c->kind == K_TCP)
		pkt_tcp(&p, 1234, 80);
	else
		pkt_udp(&p, 40000, 53, PKT_CSUM_AUTO);
	pkt_payload(&p, c->inner - hdrs, 7);
	return done(&p);
}

/* One more layer around an IP packet: IP/UDP[/GUE] from the allowed peer.
 * pktbuild sets the lengths and the checksum over the inner bytes. */
static size_t wrap(uint8_t *buf, size_t cap, const struct bcase *c,
		   const uint8_t *ip, size_t len)
{
	uint16_t dport = c->kind == K_NOPORT ? P_NONE :
			 c->kind != K_FOU && c->kind != K_NOTLOCAL ? P_GUE :
			 c->fam == 4 ? P_FOU4 : P_FOU6;
	struct pkt p;

	pkt_init(&p, buf, cap);
	if (c->kind == K_NOTLOCAL)
		add_ip_to(&p, 4, REMOTE4, TRANSIT4, 0);
	else
		add_ip(&p, c->fam, false);
	pkt_udp(&p, 4000, dport, c->csum ? PKT_CSUM_AUTO : PKT_CSUM_ZERO);
	if (c->kind == K_GUE0) {
		struct pkt_gue_opts g = { .proto = c->fam == 4 ? IPPROTO_IPIP : IPPROTO_IPV6 };

		pkt_gue(&p, &g);
	}
	pkt_bytes(&p, ip, len);
	return done(&p);
}

static const struct pkt_eth_opts eth_in = { .dst = { 2, 0, 0, 0, 0, 2 },
					     .src = { 2, 0, 0, 0, 0, 1 } };

/* A 1500-byte packet of the tunnel (or to NOTUN4) as this host sent it:
 * what an error about it quotes the first @n bytes of. */
static size_t build_tunnel_pkt(uint8_t *buf, size_t cap, const struct bcase *c, size_t n)
{
	bool v4 = c->fam == 4;
	struct pkt p;

	pkt_init(&p, buf, cap);
	add_ip_to(&p, c->fam, v4 ? LOCAL4 : LOCAL6,
		  c->kind == K_ICMP_NOTUN ? NOTUN4 : v4 ? REMOTE4 : REMOTE6, 0);
	pkt_udp(&p, TUN_SPORT, v4 ? P_FOU4 : P_FOU6, PKT_CSUM_AUTO);
	add_ip(&p, c->fam, true);
	pkt_udp(&p, 40000, 53, PKT_CSUM_AUTO);
	pkt_payload(&p, 1500 - (v4 ? 56 : 96), 9);
	return done(&p) >= n ? n : 0;
}

/* An ICMP error (or echo request) from the router to this host, c->inner
 * bytes of IP, with a correct checksum. */
static size_t build_icmp(uint8_t *buf, size_t cap, const struct bcase *c)
{
	size_t iphl = c->fam == 4 ? 20 : 40, qlen = c->inner - iphl - 8;
	bool v4 = c->fam == 4;
	struct pkt p;
	uint8_t *ih;
	int l;

	if (c->kind != K_ICMP_ECHO &&
	    !build_tunnel_pkt(scratch[0], sizeof(scratch[0]), c, qlen))
		return 0;
	pkt_init(&p, buf, cap);
	pkt_eth(&p, &eth_in);
	add_ip_to(&p, c->fam, v4 ? ROUTER4 : ROUTER6, v4 ? LOCAL4 : LOCAL6, 0);
	l = pkt_icmp_echo(&p, 1, 1);
	if (l < 0)
		return 0;
	if (c->kind == K_ICMP_ECHO) {
		pkt_payload(&p, qlen, 3);
		return done(&p);
	}
	/* the echo header made an error's: type, code, MTU (the checksum is
	 * computed over these when finalized) */
	ih = pkt_hdr(&p, l);
	ih[0] = v4 ? 3 : 2;
	ih[1] = v4 ? 4 : 0;
	pkt_put32(&p, pkt_off(&p, l) + 4, ICMP_MTU);
	pkt_bytes(&p, scratch[0], qlen);
	return done(&p);
}

/* SCTP common header (5001 -> 5002) and one DATA chunk filling c->inner
 * bytes of IP; the CRC32c stored as on the wire (little-endian). */
static size_t build_sctp(uint8_t *buf, size_t cap, const struct bcase *c)
{
	size_t n = c->inner - 20, data = n - 12 - 16, i;
	uint8_t *s = scratch[0];
	uint32_t crc = ~0u;
	struct pkt p;

	memset(s, 0, n);
	pkt_init(&p, s, n);
	pkt_put16(&p, 0, 5001);
	pkt_put16(&p, 2, 5002);
	pkt_put32(&p, 4, 0x11223344);         /* verification tag */
	s[13] = 3;                            /* unordered, whole message */
	pkt_put16(&p, 14, 16 + data);         /* chunk 0: DATA of this length */
	pkt_put32(&p, 16, 7);                 /* TSN */
	pkt_put32(&p, 24, 51);                /* PPID */
	for (i = 28; i < n; i++)
		s[i] = (uint8_t)(i * 13);
	for (i = 0; i < n; i++)
		crc = (crc >> 8) ^ crc32c_table[0][(crc ^ s[i]) & 0xff];
	crc = ~crc;
	for (i = 0; i < 4; i++)
		s[8 + i] = crc >> (8 * i);
	pkt_init(&p, buf, cap);
	pkt_eth(&p, &eth_in);
	add_ip_to(&p, 4, REMOTE4, LOCAL4, IPPROTO_SCTP);
	pkt_bytes(&p, s, n);
	return done(&p);
}

/* Ethernet, @layers layers of case @c, the innermost packet; 0 on error. */
static size_t build(uint8_t *buf, size_t cap, const struct bcase *c, unsigned int layers)
{
	struct pkt_eth_opts e = eth_in;
	size_t len;
	unsigned int i;
	struct pkt p;

	if (c->kind >= K_ICMP_TUN && c->kind <= K_ICMP_ECHO)
		return build_icmp(buf, cap, c);
	if (c->kind == K_SCTP || c->kind == K_SCTP_NOVERIFY)
		return build_sctp(buf, cap, c);
	e.type = c->fam == 4 ? 0x0800 : 0x86DD;
	len = build_innermost(scratch[0], sizeof(scratch[0]), c);
	for (i = 0; i < layers && len; i++)
		len = wrap(scratch[(i + 1) & 1], sizeof(scratch[0]), c, scratch[i & 1], len);
	if (!len)
		return 0;
	pkt_init(&p, buf, cap);
	pkt_eth(&p, &e);
	pkt_bytes(&p, scratch[layers & 1], len);
	len = done(&p);
	return len <= MAX_FRAME ? len : 0;
}

/* ---- measuring --------------------------------------------------------- */

/* One packet and its repeat count; the arrays hold each call's ns. */
struct shot {
	struct frame in;
	__u32 rep;
	uint64_t fou[MAX_CALLS], triv[MAX_CALLS], floor[MAX_CALLS];
};

static struct shot shots[2]; /* long (N layers), short (SHORT_REPEAT layers) */

/* One test_run call; *ret is set to retval, or to ~0 if the output is not
 * @want (when given). Returns the call's total ns, or -errno. */
static long long run(int fd, const struct shot *s, const struct frame *want, __u32 *ret)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = s->in.buf, .data_size_in = s->in.len,
		    .data_out = out_buf, .data_size_out = sizeof(out_buf), .repeat = s->rep);

	if (bpf_prog_test_run_opts(fd, &o))
		return -errno;
	*ret = o.retval;
	if (want && (o.data_size_out != want->len || memcmp(out_buf, want->buf, want->len)))
		*ret = ~0u;
	return (long long)o.duration * s->rep;
}

/* The floor_stats counter that every repetition of floor_rx must bump for
 * case @c, or FLOOR_STAT__COUNT: no floor for it (floor mode runs only the
 * cases floor_rx handles: FOU 4in4 zero checksum, not ours without routes). */
static __u32 floor_stat_of(const struct bcase *c)
{
	if (c->routes)
		return FLOOR_STAT__COUNT;
	switch (c->kind) {
	case K_FOU: return c->csum || c->fam != 4 ? FLOOR_STAT__COUNT : FLOOR_STAT_DECAP;
	case K_NOPORT: return FLOOR_STAT_PASS_NO_PORT;
	case K_TCP: return FLOOR_STAT_PASS_NOT_UDP;
	default: return FLOOR_STAT__COUNT;
	}
}

/* One checked call of a program that must give case @c's verdict, output
 * and counter (@stat in @stats_fd +repeat); the first failure goes to
 * *invalid, worded by @why (output, verdict, counter). Returns the call's
 * ns or -errno. */
static long long run_checked(int fd, int stats_fd, __u32 stat, const struct shot *s,
			     const struct frame *want, __u32 verdict, const char **invalid,
			     const char *const why[3])
{
	uint64_t before = bh_stat_sum(stats_fd, stat);
	__u32 ret;
	long long ns = run(fd, s, want, &ret);

	if (ns < 0)
		return ns;
	if (ret != verdict && !*invalid)
		*invalid = ret == ~0u ? why[0] : why[1];
	if (bh_stat_sum(stats_fd, stat) - before != s->rep && !*invalid)
		*invalid = why[2];
	return ns;
}

static const char *const fou_why[3] = {
	"output is not the innermost packet", "unexpected verdict",
	"outcome counter did not rise by the repeat count" };
static const char *const floor_why[3] = {
	"floor: output is not the innermost packet", "floor: unexpected verdict",
	"floor: its counter did not rise by the repeat count" };

/* fou (checked), the floor (checked, floor mode) and trivial on shot @s,
 * their order turning with @i so that none always runs first; keep the ns
 * as call @i. */
static int call_pair(const struct bcase *c, const struct hook *h, struct shot *s,
		     const struct frame *want, __u32 i, struct result *r)
{
	__u32 fstat = h->floor_fd ? floor_stat_of(c) : FLOOR_STAT__COUNT, k, ret;
	long long ns;

	for (k = 0; k < 3; k++) {
		switch ((i + k) % 3) {
		case 0:
			ns = run_checked(h->fou_fd, h->stats_fd, stat_of(c), s, want,
					 verdict_of(c, h), &r->invalid, fou_why);
			if (h->ring)
				ring_buffer__consume(h->ring);
			if (ns >= 0)
				s->fou[i] = ns;
			break;
		case 1:
			if (fstat == FLOOR_STAT__COUNT)
				continue;
			ns = run_checked(h->floor_fd, h->floor_stats_fd, fstat, s, want,
					 h->ok_ret, &r->invalid, floor_why);
			if (ns >= 0)
				s->floor[i] = ns;
			break;
		default:
			ns = run(h->triv_fd, s, NULL, &ret);
			if (ns >= 0)
				s->triv[i] = ns;
		}
		if (ns < 0)
			return ns;
	}
	return 0;
}

/* ns per repetition: (median long total - median short total) / (rep difference). */
static int measure(const struct bcase *c, const struct hook *h, const struct frame *want,
		   struct result *r)
{
	__u32 n = h->calls, i, k, reps = shots[0].rep - shots[1].rep;
	int err;

	for (i = 0; i < WARMUP_CALLS + n; i++)
		for (k = 0; k < 2; k++) {
			err = call_pair(c, h, &shots[k], want,
					i < WARMUP_CALLS ? 0 : i - WARMUP_CALLS, r);
			if (err)
				return err;
		}
	r->fou = (bh_median(shots[0].fou, n) - bh_median(shots[1].fou, n)) / reps;
	r->triv = (bh_median(shots[0].triv, n) - bh_median(shots[1].triv, n)) / reps;
	if (h->floor_fd && floor_stat_of(c) != FLOOR_STAT__COUNT)
		r->floor = (bh_median(shots[0].floor, n) - bh_median(shots[1].floor, n)) / reps;
	/* bh_median() sorted the series: [0] is the minimum */
	r->min_diff = ((double)shots[0].fou[0] - shots[1].fou[0] -
		       ((double)shots[0].triv[0] - shots[1].triv[0])) / reps;
	return 0;
}

static void print_row(const struct bcase *c, const struct hook *h, const struct result *r)
{
	char layers[8] = "-";

	if (ours(c))
		snprintf(layers, sizeof(layers), "%u", c->layers);
	printf("%-28s %-4s %6s ", case_name(c), h->name, layers);
	if (r->invalid)
		printf("invalid: %s\n", r->invalid);
	else
		printf("%9.1f %9.1f %9.1f %6.2f %9.1f\n", r->fou, r->triv, r->fou - r->triv,
		       r->triv > 0 ? r->fou / r->triv : 0, r->min_diff);
}

/* The state case @c runs in (NULL: the default) in hook @h's maps: lo
 * (test_run's device) noverify in fou_sctp_devs; the route counted. */
static int set_case_state(const struct hook *h, const struct bcase *c)
{
	struct fou_sctp_dev d = { .flags = FOU_SCTP_DEV_F_NOVERIFY };
	struct fou_route_count rc = { .v4 = c && c->routes };
	struct fou_route_filter f = { .valid = c && c->routes == ROUTE_FILTERED, .v4_routes = rc.v4 };
	__u32 ifindex = LO_IFINDEX, zero = 0;
	__be32 route = pkt_a4(BENCH_ROUTE).s_addr;

	fou_route_filter_add(f.v4, (const unsigned char *)&route, BENCH_ROUTE_LEN);
	if (bpf_map_update_elem(h->route_count_fd, &zero, &rc, BPF_ANY) ||
	    bpf_map_update_elem(h->route_filter_fd, &zero, &f, BPF_ANY))
		return -errno;
	if (c && c->kind == K_SCTP_NOVERIFY)
		return bpf_map_update_elem(h->sctp_devs_fd, &ifindex, &d, BPF_ANY) ? -errno : 0;
	if (bpf_map_delete_elem(h->sctp_devs_fd, &ifindex) && errno != ENOENT)
		return -errno;
	return 0;
}

/* The tunnel's path MTU in hook @h's fou_tun_path; 0 if none. */
static __u16 path_mtu(const struct hook *h, __u32 slot)
{
	struct fou_tun_path p = {};

	bpf_map_lookup_elem(h->path_fd, &slot, &p);
	return p.pmtu;
}

/* The long and the short shot of case @c. */
static int set_shots(const struct bcase *c)
{
	shots[0].in = (struct frame){ in_long, build(in_long, sizeof(in_long), c, c->layers) };
	shots[0].rep = repeat_of(c);
	shots[1].in = (struct frame){ in_short, ours(c) ? build(in_short, sizeof(in_short), c,
							       SHORT_REPEAT) : shots[0].in.len };
	if (!ours(c))
		memcpy(in_short, in_long, shots[0].in.len);
	shots[1].rep = SHORT_REPEAT;
	return shots[0].in.len && shots[1].in.len ? 0 : -ENOSPC;
}

static int bench_case(unsigned int ci)
{
	const struct bcase *c = &cases[ci];
	struct frame want = { want_buf, build(want_buf, sizeof(want_buf), c,
					      ours(c) ? 0 : c->layers) };
	int j, err = set_shots(c);

	if (err || !want.len)
		return err ?: -ENOSPC;
	for (j = 0; j < 2; j++) {
		err = set_case_state(&hooks[j], c) ?:
		      measure(c, &hooks[j], &want, &results[ci][j]) ?:
		      set_case_state(&hooks[j], NULL);
		if (err)
			return err;
		if (c->kind == K_ICMP_TUN && !results[ci][j].invalid &&
		    path_mtu(&hooks[j], c->fam == 4 ? SLOT4 : SLOT6) != ICMP_MTU)
			results[ci][j].invalid = "the tunnel's path MTU is not the error's";
		print_row(c, &hooks[j], &results[ci][j]);
	}
	return 0;
}

/* The csum0 case with the same layers and innermost size, or NULL. */
static unsigned int twin_of(unsigned int ci)
{
	const struct bcase *c = &cases[ci], *t;
	unsigned int i;

	for (i = 0; i < NCASES; i++) {
		t = &cases[i];
		if (t->kind == c->kind && t->fam == c->fam && !t->csum &&
		    t->layers == c->layers && t->inner == c->inner)
			return i;
	}
	return NCASES;
}

/* Checksum cost: (csum diff - csum0 diff) over the mean UDP length summed
 * in layers 3..N (layer k, counted from the innermost, adds (k - 1) * B). */
static void print_per_byte(unsigned int ci)
{
	const struct bcase *c = &cases[ci];
	unsigned int ti = twin_of(ci), j;
	double bytes = 8 + (c->kind == K_GUE0 ? 4 : 0) + c->inner +
		       (c->layers + 1) * overhead(c) / 2.0;

	if (ti == NCASES)
		return;
	for (j = 0; j < 2; j++) {
		const struct result *r = &results[ci][j], *t = &results[ti][j];
		double ns = (r->fou - r->triv) - (t->fou - t->triv);

		if (r->invalid || t->invalid || !r->fou || !t->fou) /* not run, or not valid */
			continue;
		printf("checksum cost, %s %s: %.1f ns over %.0f B summed = %.3f ns/B\n",
		       case_name(c), hooks[j].name, ns, bytes, ns / bytes);
	}
}

/* ---- setup -------------------------------------------------------------- */

/* Ports as a careful user configures them: one allowed peer, the sender.
 * That costs the peer lookup that "peer any" would skip. */
static int add_port(int fam, uint16_t port, uint8_t kind, uint8_t ipproto)
{
	struct fou_port_key k = { .port = port, .family = fam };
	struct fou_port v = { .kind = kind, .ipproto = ipproto };
	struct fou_peer_spec peer = { .addr = bh_addr(fam, fam == 4 ? "192.0.2.1" : "2001:db8::1") };
	int i, err;

	for (i = 0; i < NHOOKS; i++) {
		err = fou_port_install(&hooks[i].pfds, &k, &v, &peer, 1);
		if (err)
			return err;
	}
	return 0;
}

/* One FOU tunnel LOCAL -> REMOTE in fou_tunnels and fou_tun_index of both
 * objects, as fouloader keeps them; its path entry starts empty. */
static int add_tunnel(int fam, __u32 slot)
{
	const char *local = fam == 4 ? LOCAL4 : LOCAL6, *remote = fam == 4 ? REMOTE4 : REMOTE6;
	struct fou_tunnel t = { .family = fam, .kind = FOU_KIND_FOU, .ttl = 64,
				.ipproto = fam == 4 ? 4 : 41, .dport = fam == 4 ? P_FOU4 : P_FOU6,
				.sport_min = 40000, .sport_max = 40999,
				.local = bh_addr(fam, local), .remote = bh_addr(fam, remote) };
	struct fou_tun_index_key k = { .local = t.local, .remote = t.remote, .dport = t.dport,
				       .family = fam };
	struct fou_tun_index v = { .slot = slot };
	struct fou_tun_path path = {};
	/* a route into the tunnel that no case's packet goes to: counted only
	 * for the +route cases (set_case_state) */
	struct fou_route4_key rk = { .prefixlen = BENCH_ROUTE_LEN, .addr = pkt_a4(BENCH_ROUTE).s_addr };
	struct fou_route r = { .tunnel = slot };
	int i;

	snprintf(t.name, sizeof(t.name), "bench%d", fam);
	for (i = 0; i < NHOOKS; i++)
		if (bpf_map_update_elem(hooks[i].tunnels_fd, &slot, &t, BPF_ANY) ||
		    bpf_map_update_elem(hooks[i].index_fd, &k, &v, BPF_ANY) ||
		    bpf_map_update_elem(hooks[i].path_fd, &slot, &path, BPF_ANY) ||
		    (fam == 4 && bpf_map_update_elem(hooks[i].routes4_fd, &rk, &r, BPF_ANY)))
			return -errno;
	return 0;
}

static void fill(struct hook *h, struct bpf_object *obj, int fou_fd, int triv_fd)
{
	h->fou_fd = fou_fd;
	h->triv_fd = triv_fd;
	/* this host's addresses, as fouloader writes them */
	if (bh_add_local(obj, 4, LOCAL4, FOU_LOCAL_UNICAST) ||
	    bh_add_local(obj, 6, LOCAL6, FOU_LOCAL_UNICAST))
		fprintf(stderr, "bench_rx: cannot write fou_local_addrs\n");
	h->stats_fd = bpf_object__find_map_fd_by_name(obj, FOU_MAP_STATS);
	h->tunnels_fd = bpf_object__find_map_fd_by_name(obj, FOU_MAP_TUNNELS);
	h->index_fd = bpf_object__find_map_fd_by_name(obj, FOU_MAP_TUN_INDEX);
	h->path_fd = bpf_object__find_map_fd_by_name(obj, FOU_MAP_TUN_PATH);
	h->sctp_devs_fd = bpf_object__find_map_fd_by_name(obj, FOU_MAP_SCTP_DEVS);
	h->routes4_fd = bpf_object__find_map_fd_by_name(obj, FOU_MAP_ROUTES4);
	h->route_count_fd = bpf_object__find_map_fd_by_name(obj, FOU_MAP_ROUTE_COUNT);
	h->route_filter_fd = bpf_object__find_map_fd_by_name(obj, FOU_MAP_ROUTE_FILTER);
	h->mon_conf_fd = bpf_object__find_map_fd_by_name(obj, FOU_MAP_MONITOR_CONF);
	fou_port_fds_from_obj(obj, &h->pfds);
}

static void print_header(int cpu)
{
	printf("bench_rx: BPF_PROG_TEST_RUN on self-similar packets: N layers of one\n"
	       "  encapsulation (B bytes each; case \"B B/L+I\") around an I-byte innermost\n"
	       "  IP/UDP packet, repeat=N: every repetition strips one real layer.\n"
	       "  ns/pkt = (median total ns of N layers at repeat=N - median total of\n"
	       "  its inner 2 layers at repeat=2) / (N - 2): the warm cost per layer over\n"
	       "  layers 3..N, without the cold first run of each call. Layers shrink as\n"
	       "  they are stripped: checksum cases sum from the largest down. trivial:\n"
	       "  the same shots, calls and reduction. Calls per shot: xdp %u, tc %u\n"
	       "  (+%u warm-up). Every call checked: counter +repeat, output = innermost\n"
	       "  packet. Not ours: one packet, repeat=%u and %u. %d CPUs, on CPU %d.\n"
	       "  min diff: the same reduction from each shot's fastest call.\n"
	       "  ICMP and SCTP cases run like not ours: one unchanged packet of I bytes\n"
	       "  of IP. ICMP errors from a router quote the first bytes of a 1500-byte\n"
	       "  packet of a FOU tunnel (\"tunnel\": consumed, rx_icmp_tunnel, path MTU\n"
	       "  %u set once then refreshed) or of no tunnel's. SCTP: one DATA chunk,\n"
	       "  CRC32c checked (pass_sctp_crc_ok), or lo set noverify (pass_not_udp).\n",
	       hooks[0].calls, hooks[1].calls, WARMUP_CALLS, NOT_OURS_REPEAT, SHORT_REPEAT,
	       ncpus, cpu, ICMP_MTU);
}

static int run_all(void)
{
	const char *only = getenv("BENCH_RX_ONLY");
	unsigned int i;
	int err;

	printf("\n%-28s %-4s %6s %9s %9s %9s %6s %9s\n", "case", "hook", "layers",
	       "ns/pkt", "trivial", "diff ns", "ratio", "min diff");
	for (i = 0; i < NCASES; i++) {
		if (only && !strstr(case_name(&cases[i]), only))
			continue;
		err = bench_case(i);
		if (err)
			return err;
	}
	printf("\n");
	for (i = 0; i < NCASES; i++)
		if (cases[i].per_byte)
			print_per_byte(i);
	printf("RFC 6951 decapsulation (SCTP over UDP to a port of ours): not measured:\n"
	       "  it leaves native SCTP, not another layer of its kind, so no packet can\n"
	       "  be nested for repeat=N (SCTP4 crc ok is the check it includes)\n");
	return 0;
}

/* ---- the floor ----------------------------------------------------------- */

#define MAX_FLOOR_ROUNDS 20

/* The goal of issue 14 for a floor case, ns over trivial. */
static int floor_goal(const struct bcase *c, int j)
{
	return c->kind != K_FOU ? 3 : j ? 30 : 10;
}

/* The floor program's ports: FOU over IPv4 and IPv6 (the inner EtherType
 * by port, as floor_rx reads it). */
static int floor_setup(struct floor_rx_bpf *f)
{
	int fd = bpf_map__fd(f->maps.floor_port_slot), j;
	__u32 k4 = FOU_PORT_INDEX(4, P_FOU4), k6 = FOU_PORT_INDEX(6, P_FOU6);
	__u16 v4 = 0x0800, v6 = 0x86DD;

	if (bpf_map_update_elem(fd, &k4, &v4, BPF_ANY) || bpf_map_update_elem(fd, &k6, &v6, BPF_ANY))
		return -errno;
	for (j = 0; j < 2; j++) {
		hooks[j].floor_fd = bpf_program__fd(j ? f->progs.floor_rx_tc : f->progs.floor_rx_xdp);
		hooks[j].floor_stats_fd = bpf_map__fd(f->maps.floor_stats);
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of @n values (sorted in place). */
static double median_d(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Real, floor and trivial interleaved call by call, @rounds times over the
 * cases floor_rx handles; per case and hook the medians over rounds of
 * real - trivial and floor - trivial, their ratio, and the spread. */
static int run_floor_section(unsigned int rounds)
{
	static double real[NCASES][2][MAX_FLOOR_ROUNDS], flo[NCASES][2][MAX_FLOOR_ROUNDS];
	const char *invalid[NCASES][2] = {};
	unsigned int i, r;
	int j, err;

	printf("\nfloor: each case's real program, the floor program (selftests/bench/\n"
	       "  floor_rx.bpf.c: parse Ethernet + IPv4/IPv6 + UDP, one array lookup, one\n"
	       "  per-CPU counter, then pass; or the outer headers removed with\n"
	       "  bpf_xdp_adjust_head / bpf_skb_adjust_room) and the trivial program, the\n"
	       "  three interleaved call by call (their order turning), every call of the\n"
	       "  real and the floor program checked alike (verdict, output = the innermost\n"
	       "  packet, its counter +repeat); %u rounds; ns over trivial as in rx_prog.\n",
	       rounds);
	printf("%-28s %-4s %5s %9s %9s %9s %5s\n", "case / round", "hook", "", "real", "floor",
	       "trivial", "");
	for (r = 0; r < rounds; r++)
		for (i = 0; i < NCASES; i++) {
			const struct bcase *c = &cases[i];
			struct frame want = { want_buf, build(want_buf, sizeof(want_buf), c,
							      ours(c) ? 0 : c->layers) };

			if (floor_stat_of(c) == FLOOR_STAT__COUNT || (ours(c) && c->inner != 64))
				continue;
			err = set_shots(c);
			if (err || !want.len)
				return err ?: -ENOSPC;
			for (j = 0; j < 2; j++) {
				struct result res = {};

				err = set_case_state(&hooks[j], c) ?: measure(c, &hooks[j], &want, &res);
				if (err)
					return err;
				if (res.invalid && !invalid[i][j])
					invalid[i][j] = res.invalid;
				real[i][j][r] = res.fou - res.triv;
				flo[i][j][r] = res.floor - res.triv;
				printf("%-28s %-4s r%-4u %9.1f %9.1f %9.1f%s%s\n", case_name(c),
				       hooks[j].name, r + 1, res.fou, res.floor, res.triv,
				       res.invalid ? "  invalid: " : "", res.invalid ?: "");
			}
		}
	printf("\n%-28s %-4s %9s %9s %7s %5s  %s\n", "case", "hook", "real ns", "floor ns",
	       "real/fl", "goal", "spread over rounds (real; floor), ns over trivial");
	for (i = 0; i < NCASES; i++) {
		const struct bcase *c = &cases[i];

		if (floor_stat_of(c) == FLOOR_STAT__COUNT || (ours(c) && c->inner != 64))
			continue;
		for (j = 0; j < 2; j++) {
			double *a = real[i][j], *b = flo[i][j], mr, mf;

			printf("%-28s %-4s ", case_name(c), hooks[j].name);
			if (invalid[i][j]) {
				printf("invalid: %s\n", invalid[i][j]);
				continue;
			}
			mr = median_d(a, rounds);
			mf = median_d(b, rounds);
			printf("%9.1f %9.1f ", mr, mf);
			/* a floor within a nanosecond of trivial has no ratio */
			if (mf >= 1)
				printf("%7.2f", mr / mf);
			else
				printf("%7s", "-");
			printf(" %5d  %.1f..%.1f; %.1f..%.1f\n", floor_goal(c, j), a[0],
			       a[rounds - 1], b[0], b[rounds - 1]);
		}
	}
	return 0;
}

/* ---- the drop monitor's cost ---------------------------------------------- */

static int count_event(void *ctx, void *data, size_t size)
{
	(void)data, (void)size;
	++*(long *)ctx;
	return 0;
}

static long monitor_events;

/* Monitor variants, in the order they run: the build without the hook
 * first and last (its two figures show the run's drift). */
static const struct mon_variant {
	const char *name;
	bool nomon;   /* the program built without the hook */
	__u32 flags;  /* fou_monitor_conf: 0 idle */
	__u64 cost_ns; /* rate limit: ns of credit per event (0: every event) */
} mon_variants[] = {
	{ "no monitor hook (baseline)", true, 0, 0 },
	{ "hook, no monitor (idle)", false, 0, 0 },
	{ "monitor --drops running", false, FOU_MON_F_ON, 1000000000ULL / FOU_MONITOR_RATE_DEFAULT },
	{ "monitor --all, held back", false, FOU_MON_F_ON | FOU_MON_F_ALL, 1000000000ULL },
	{ "monitor --all, every event", false, FOU_MON_F_ON | FOU_MON_F_ALL, 0 },
	{ "no monitor hook (again)", true, 0, 0 },
};

#define NMON (sizeof(mon_variants) / sizeof(mon_variants[0]))

static int mon_variant_run(unsigned int v, int j, const struct bcase *c,
			   const struct frame *want, struct result *r)
{
	const struct mon_variant *mv = &mon_variants[v];
	struct hook *h = &hooks[mv->nomon ? j + 2 : j];
	struct fou_monitor_conf conf = { .flags = mv->flags, .snaplen = FOU_MONITOR_SNAPLEN_DEFAULT,
					 .cost_ns = mv->cost_ns };
	__u32 zero = 0;
	int err;

	if (bpf_map_update_elem(h->mon_conf_fd, &zero, &conf, BPF_ANY))
		return -errno;
	memset(r, 0, sizeof(*r));
	err = measure(c, h, want, r);
	memset(&conf, 0, sizeof(conf));
	if (bpf_map_update_elem(h->mon_conf_fd, &zero, &conf, BPF_ANY))
		return -errno;
	return err;
}

/* Decapsulation (the first case) with the monitor hook absent, idle and
 * running, each as a ratio to the first baseline of the same run. */
static int run_monitor_section(void)
{
	const struct bcase *c = &cases[0];
	struct frame want = { want_buf, build(want_buf, sizeof(want_buf), c, 0) };
	struct result r[NMON];
	unsigned int v;
	int j, err;

	shots[0].in = (struct frame){ in_long, build(in_long, sizeof(in_long), c, c->layers) };
	shots[0].rep = repeat_of(c);
	shots[1].in = (struct frame){ in_short, build(in_short, sizeof(in_short), c, SHORT_REPEAT) };
	shots[1].rep = SHORT_REPEAT;
	printf("\nmonitor cost: %s, per packet, beside the same program built without the\n"
	       "  monitor hook (baseline), in the same run. Running: fou_monitor_conf set as\n"
	       "  'fouloader monitor' sets it, %d-byte snap, the ring drained after each call.\n"
	       "  --drops: a decapsulated packet is no drop, so only the filter runs; --all,\n"
	       "  held back: every packet passes the filter and meets the rate limit, set to\n"
	       "  1/s so that it holds back all but one a second (what a monitor costs the\n"
	       "  packets beyond its rate); every event: no limit, each packet's first bytes\n"
	       "  copied into the ring. events: records read from the ring meanwhile.\n"
	       "  Last, idle against the baseline once more, the two interleaved call by\n"
	       "  call (the baseline in the trivial program's place).\n",
	       case_name(c), FOU_MONITOR_SNAPLEN_DEFAULT);
	printf("%-4s %-28s %9s %9s %9s %7s %8s\n", "hook", "variant", "ns/pkt", "trivial",
	       "diff ns", "ratio", "events");
	for (j = 0; j < 2; j++) {
		for (v = 0; v < NMON; v++) {
			long events = monitor_events;

			err = mon_variant_run(v, j, c, &want, &r[v]);
			if (err)
				return err;
			printf("%-4s %-28s ", hooks[j].name, mon_variants[v].name);
			if (r[v].invalid || r[0].invalid)
				printf("invalid: %s\n", r[v].invalid ?: r[0].invalid);
			else
				printf("%9.1f %9.1f %9.1f %7.3f %8ld\n", r[v].fou, r[v].triv,
				       r[v].fou - r[v].triv, r[v].fou / r[0].fou,
				       monitor_events - events);
		}
	}
	for (j = 0; j < 2; j++) {
		/* the baseline in the trivial program's place: both interleaved call
		 * by call, so drift falls on both alike */
		struct hook pair = hooks[j];
		struct result p = {};

		pair.triv_fd = hooks[j + 2].fou_fd;
		err = mon_variant_run(1, j, c, &want, &p) ?: measure(c, &pair, &want, &p);
		if (err)
			return err;
		if (p.invalid)
			printf("%-4s idle vs baseline, interleaved: invalid: %s\n", hooks[j].name,
			       p.invalid);
		else
			printf("%-4s idle vs baseline, interleaved call by call: %.1f vs %.1f ns/pkt,"
			       " ratio %.3f\n", hooks[j].name, p.fou, p.triv, p.fou / p.triv);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct fou_rx_xdp_bpf *x = NULL;
	struct fou_rx_tc_bpf *t = NULL;
	struct fou_rx_xdp_nomon_bpf *xn = NULL;
	struct fou_rx_tc_nomon_bpf *tn = NULL;
	struct trivial_bpf *tr = NULL;
	struct floor_rx_bpf *fl = NULL;
	bool only_monitor = argc > 3 && !strcmp(argv[3], "monitor");
	bool only_floor = argc > 3 && !strcmp(argv[3], "floor");
	unsigned int floor_rounds = getenv("BENCH_FLOOR_ROUNDS") ?
				    strtoul(getenv("BENCH_FLOOR_ROUNDS"), NULL, 0) : 3;
	int err = 1;

	hooks[0] = (struct hook){ .name = "xdp", .ok_ret = 2, .drop_ret = 1, .calls = 40 };
	hooks[1] = (struct hook){ .name = "tc", .ok_ret = 0, .drop_ret = 2, .calls = 400 };
	hooks[2] = (struct hook){ .name = "xdp", .ok_ret = 2, .drop_ret = 1, .calls = 40 };
	hooks[3] = (struct hook){ .name = "tc", .ok_ret = 0, .drop_ret = 2, .calls = 400 };
	if (argc > 1)
		hooks[1].calls = hooks[3].calls = strtoul(argv[1], NULL, 0);
	if (argc > 2)
		hooks[0].calls = hooks[2].calls = strtoul(argv[2], NULL, 0);
	if (!hooks[0].calls || !hooks[1].calls ||
	    hooks[0].calls > MAX_CALLS || hooks[1].calls > MAX_CALLS) {
		fprintf(stderr, "usage: bench_rx [CALLS [XDP_CALLS [monitor|floor]]] (1..%d)\n", MAX_CALLS);
		return 1;
	}
	if (only_floor && (!floor_rounds || floor_rounds > MAX_FLOOR_ROUNDS)) {
		fprintf(stderr, "bench_rx: BENCH_FLOOR_ROUNDS must be 1..%d\n", MAX_FLOOR_ROUNDS);
		return 1;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "bench_rx: needs root (BPF_PROG_TEST_RUN)\n");
		return 1;
	}
	ncpus = libbpf_num_possible_cpus();
	x = BH_OPEN_UNPINNED(fou_rx_xdp_bpf);
	t = x ? BH_OPEN_UNPINNED(fou_rx_tc_bpf) : NULL;
	xn = t ? BH_OPEN_UNPINNED(fou_rx_xdp_nomon_bpf) : NULL;
	tn = xn ? BH_OPEN_UNPINNED(fou_rx_tc_nomon_bpf) : NULL;
	tr = tn ? trivial_bpf__open_and_load() : NULL;
	fl = tr && only_floor ? floor_rx_bpf__open_and_load() : NULL;
	if (ncpus <= 0 || !x || !t || !xn || !tn || !tr || (only_floor && !fl))
		goto out;
	fill(&hooks[0], x->obj, bpf_program__fd(x->progs.fou_rx_xdp),
	     bpf_program__fd(tr->progs.trivial_xdp));
	fill(&hooks[1], t->obj, bpf_program__fd(t->progs.fou_rx_tc),
	     bpf_program__fd(tr->progs.trivial_tc));
	fill(&hooks[2], xn->obj, bpf_program__fd(xn->progs.fou_rx_xdp),
	     bpf_program__fd(tr->progs.trivial_xdp));
	fill(&hooks[3], tn->obj, bpf_program__fd(tn->progs.fou_rx_tc),
	     bpf_program__fd(tr->progs.trivial_tc));
	for (int i = 0; i < 2; i++) {
		hooks[i].ring = ring_buffer__new(bpf_object__find_map_fd_by_name(
			i ? t->obj : x->obj, FOU_MAP_MONITOR_RING), count_event, &monitor_events, NULL);
		if (!hooks[i].ring)
			goto out;
	}
	if (add_port(4, P_FOU4, FOU_KIND_FOU, 4) || add_port(6, P_FOU6, FOU_KIND_FOU, 41) ||
	    add_port(4, P_GUE, FOU_KIND_GUE, 0) || add_port(6, P_GUE, FOU_KIND_GUE, 0) ||
	    add_tunnel(4, SLOT4) || add_tunnel(6, SLOT6))
		goto out;

	print_header(bh_pin_cpu());
	bh_prog_info(hooks[0].fou_fd, "fou_rx_xdp", 16);
	bh_prog_info(hooks[1].fou_fd, "fou_rx_tc", 16);
	bh_prog_info(hooks[2].fou_fd, "fou_rx_xdp_nomon", 16);
	bh_prog_info(hooks[3].fou_fd, "fou_rx_tc_nomon", 16);
	bh_prog_info(hooks[0].triv_fd, "trivial_xdp", 16);
	bh_prog_info(hooks[1].triv_fd, "trivial_tc", 16);
	if (fl) {
		err = floor_setup(fl);
		if (err)
			goto out;
		bh_prog_info(hooks[0].floor_fd, "floor_rx_xdp", 16);
		bh_prog_info(hooks[1].floor_fd, "floor_rx_tc", 16);
	}
	err = only_monitor ? run_monitor_section() : only_floor ? run_floor_section(floor_rounds)
			   : run_all();
	if (err)
		errno = -err;
out:
	if (err)
		fprintf(stderr, "bench_rx: setup failed: %s\n", strerror(errno));
	for (int i = 0; i < 2; i++)
		ring_buffer__free(hooks[i].ring);
	fou_rx_xdp_bpf__destroy(x);
	fou_rx_tc_bpf__destroy(t);
	fou_rx_xdp_nomon_bpf__destroy(xn);
	fou_rx_tc_nomon_bpf__destroy(tn);
	trivial_bpf__destroy(tr);
	floor_rx_bpf__destroy(fl);
	return err ? 1 : 0;
}
