// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of the transmit side: fou_tx_tc (TC egress encapsulation) and
 * the XDP forwarding path of fou_rx_xdp, run with BPF_PROG_TEST_RUN on
 * packets built by selftests/lib/pktbuild. For every case: the verdict, the
 * exact output bytes (the expected frame is built independently here, with
 * its own checksums), the one fou_stats counter that moved and the tunnel's
 * counters.
 *
 * The programs look the outer route up with bpf_fib_lookup in the network
 * namespace of the caller. So the test first moves itself into a private
 * network namespace (unshare(CLONE_NEWNET)) and builds there, with ip(8):
 *
 *   ftx0 (02:00:00:00:00:01) <-veth-> ftx1     forwarding on (bpf_fib_lookup
 *   192.0.2.1/24, 2001:db8::1/64 on ftx0       answers FWD_DISABLED without)
 *   neighbours 192.0.2.2, 2001:db8::2 -> 02:00:00:00:00:99 (permanent)
 *   192.0.2.3, 2001:db8::3: on link, no neighbour
 *   198.18.0.1, 2001:db8:ffff::1: no route
 *
 * and runs TC with skb->dev = ftx0 (ctx ifindex) and XDP with ingress ftx0.
 * Nothing is attached to any interface; the namespace goes with the process.
 * TAP output, one test point per case.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "portstate.h"
#include "tunstate.h"

#include "fou_maps.h"
#include "fou_stats.h"
#include "fou_rx_xdp.skel.h"
/* FOU_TEST_NOCAST (build/selftests/test_tx_nocast): the same cases against
 * fou_tx_tc's nocast build, which kernels before 6.2 get. */
#ifdef FOU_TEST_NOCAST
#include "fou_tx_tc_nocast.skel.h"
#define TX_TC_SKEL fou_tx_tc_nocast_bpf
#else
#include "fou_tx_tc.skel.h"
#define TX_TC_SKEL fou_tx_tc_bpf
#endif
#include "bpfharness.h"
#include "pktbuild.h"
#include "tap.h"
#include "unit_case.h"

#define BUF_SZ 16384

/* ---- the private network namespace --------------------------------------- */

#define DEV      "ftx0"
#define PEER     "ftx1"
#define LOCAL4   BH_NS_LOCAL4
#define REMOTE4  BH_NS_REMOTE4 /* neighbour known */
#define NONEIGH4 "192.0.2.3"   /* on link, neighbour unknown */
#define NOFIB4   "198.18.0.1"  /* no route */
#define LOCAL6   BH_NS_LOCAL6
#define REMOTE6  BH_NS_REMOTE6
#define NONEIGH6 "2001:db8::3"
#define NOFIB6   "2001:db8:ffff::1"

/* MACs of the input frames: anything else, so a rewrite shows */
static const uint8_t in_dst[6] = { 0x02, 0, 0, 0, 0, 0xaa };
static const uint8_t in_src[6] = { 0x02, 0, 0, 0, 0, 0xbb };

static int ifidx;

/* The namespace drawn at the top of this file; 0 or -errno. */
static int setup_netns(void)
{
	const char *failed;
	int ret = bh_setup_netns(DEV, PEER, "", &failed);

	if (failed)
		tap_diag("namespace setup failed: %s", failed);
	if (ret < 0)
		return ret;
	ifidx = ret;
	return 0;
}

/* ---- programs and maps --------------------------------------------------- */

struct mapset {
	const char *name;
	int tunnels, tun_stats, routes4, routes6, stats;
};

static struct TX_TC_SKEL *tskel;
static struct fou_rx_xdp_bpf *xskel;
static struct mapset m_tc = { .name = "tc" }, m_xdp = { .name = "xdp" };
static int tc_fd, xdp_fd;
static int ncpus;

static int fill_maps(struct mapset *m, struct bpf_object *obj)
{
	m->tunnels = bpf_object__find_map_fd_by_name(obj, FOU_MAP_TUNNELS);
	m->tun_stats = bpf_object__find_map_fd_by_name(obj, FOU_MAP_TUN_STATS);
	m->routes4 = bpf_object__find_map_fd_by_name(obj, FOU_MAP_ROUTES4);
	m->routes6 = bpf_object__find_map_fd_by_name(obj, FOU_MAP_ROUTES6);
	m->stats = bpf_object__find_map_fd_by_name(obj, FOU_MAP_STATS);
	if (m->tunnels < 0 || m->tun_stats < 0 || m->routes4 < 0 || m->routes6 < 0 ||
	    m->stats < 0) {
		tap_diag("%s: a transmit map is missing from the object", m->name);
		return -ENOENT;
	}
	return 0;
}

static int load_progs(void)
{
	tskel = BH_OPEN_UNPINNED_X(TX_TC_SKEL);
	xskel = tskel ? BH_OPEN_UNPINNED(fou_rx_xdp_bpf) : NULL;
	if (!tskel || !xskel)
		return -1;
	tc_fd = bpf_program__fd(tskel->progs.fou_tx_tc);
	xdp_fd = bpf_program__fd(xskel->progs.fou_rx_xdp);
	return fill_maps(&m_tc, tskel->obj) ?: fill_maps(&m_xdp, xskel->obj) ?:
	       bh_routes_present(xskel->obj);
}

static int read_tstats(const struct mapset *m, uint32_t slot, struct fou_tun_stats *s)
{
	struct fou_tun_stats vals[ncpus];
	int c;

	memset(s, 0, sizeof(*s));
	if (slot >= FOU_MAX_TUNNELS)
		return 0;
	if (bpf_map_lookup_elem(m->tun_stats, &slot, vals))
		return -errno;
	for (c = 0; c < ncpus; c++) {
		s->tx_packets += vals[c].tx_packets;
		s->tx_bytes += vals[c].tx_bytes;
		s->drop_packets += vals[c].drop_packets;
	}
	return 0;
}

/* ---- configuration -------------------------------------------------------- */

#define SLOT       1    /* the tunnel every case rewrites */
#define SLOT_EMPTY 2    /* never configured */
#define SLOT_BIG   300  /* beyond the array */
#define SLOT_ID2   4    /* a second tunnel, for the per-tunnel outer IPv4 ID */
#define DPORT_FOU  5555
#define DPORT_GUE  6080
#define SMIN       49152
#define SMAX       65535

/* Inner addresses: the source, then destinations by what matches. */
#define ISRC4   "10.0.0.1"
#define IDST4   "10.1.0.2"   /* 10.1.0.0/16 -> SLOT */
#define IEMPTY4 "10.2.0.2"   /* 10.2.0.0/16 -> SLOT_EMPTY */
#define IBIG4   "10.3.0.2"   /* 10.3.0.0/16 -> SLOT_BIG */
#define INONE4  "10.99.0.2"  /* no route */
#define IID2_4  "10.4.0.2"   /* 10.4.0.0/16 -> SLOT_ID2 */
#define ISRC6   "fd00::1"
#define IDST6   "fd00:1::2"  /* fd00:1::/32 -> SLOT */
#define IEMPTY6 "fd00:2::2"
#define IBIG6   "fd00:3::2"
#define INONE6  "fd00:99::2"

struct tun {
	int fam;            /* outer family */
	uint8_t kind;       /* FOU_KIND_* */
	uint8_t ipproto;    /* FOU: 4 or 41; FOU or GUE: 47 (GRE) */
	uint8_t ttl, tos;
	uint16_t flags, mtu, dport, sport, smin, smax;
	const char *remote; /* NULL: the neighbour-known remote */
	uint32_t gre_key;
};

static const char *remote_of(const struct tun *t)
{
	return t->remote ? t->remote : t->fam == 4 ? REMOTE4 : REMOTE6;
}

/* A tunnel of outer family fam carrying ifam (FOU) or both (GUE). */
static struct tun tdef(int fam, uint8_t kind, int ifam)
{
	struct tun t = { .fam = fam, .kind = kind, .ttl = 64,
			 .ipproto = kind == FOU_KIND_FOU ? (ifam == 4 ? 4 : 41) : 0,
			 .dport = kind == FOU_KIND_FOU ? DPORT_FOU : DPORT_GUE,
			 .smin = SMIN, .smax = SMAX };

	return t;
}

static int put_tunnel(uint32_t slot, const struct tun *t)
{
	struct fou_tunnel v;
	int err = 0;

	memset(&v, 0, sizeof(v));
	snprintf(v.name, sizeof(v.name), "tt%u", slot);
	v.family = t->fam;
	v.kind = t->kind;
	v.ipproto = t->ipproto;
	v.ttl = t->ttl;
	v.tos = t->tos;
	v.flags = t->flags;
	v.mtu = t->mtu;
	v.dport = t->dport;
	v.sport = t->sport;
	v.sport_min = t->smin;
	v.sport_max = t->smax;
	v.gre_key = t->gre_key;
	v.local = bh_addr(t->fam, t->fam == 4 ? LOCAL4 : LOCAL6);
	v.remote = bh_addr(t->fam, remote_of(t));
	/* through fouloader's own tunnel state, on both objects */
	for (int i = 0; i < 2 && !err; i++) {
		struct fou_tun_fds fds;

		err = fou_tun_fds_from_obj(i ? xskel->obj : tskel->obj, &fds);
		err = err ?: fou_tunnel_put(&fds, slot, &v);
		if (err > 0) /* the slot */
			err = 0;
	}
	return err;
}

static int put_route(int fam, const char *prefix, uint32_t plen, uint32_t slot)
{
	struct prefix p = { .family = fam, .len = plen, .addr = bh_addr(fam, prefix) };
	int err = 0;

	/* fouloader's way: the route, then the count and filter from the tries */
	for (int i = 0; i < 2 && !err; i++) {
		struct fou_tun_fds fds;

		err = fou_tun_fds_from_obj(i ? xskel->obj : tskel->obj, &fds);
		err = err ?: fou_route_put(&fds, &p, slot, BPF_ANY);
		err = err ?: fou_route_sync(&fds);
	}
	return err;
}

#define RX_LOCAL4 "198.51.100.1" /* this host's, behind the receive port */

/* A receive port on the XDP object (through fouloader's own code), so that
 * forwarding can be told apart from decapsulation. */
static int put_rx_port(int fam, uint16_t port)
{
	struct fou_port_key k = { .port = port, .family = fam };
	struct fou_port_fds fds;
	struct fou_port v;
	int err;

	memset(&v, 0, sizeof(v));
	v.kind = FOU_KIND_FOU;
	v.ipproto = 4;
	v.flags = FOU_PORT_F_PEER_ANY;
	err = fou_port_fds_from_obj(xskel->obj, &fds);
	err = err ?: bh_add_local(xskel->obj, 4, RX_LOCAL4, FOU_LOCAL_UNICAST);
	return err ?: fou_port_install(&fds, &k, &v, NULL, 0);
}

#define RX_PORT 5555

static int configure(void)
{
	int err = 0;

	err = err ?: put_route(4, "10.1.0.0", 16, SLOT);
	err = err ?: put_route(4, "10.2.0.0", 16, SLOT_EMPTY);
	err = err ?: put_route(4, "10.3.0.0", 16, SLOT_BIG);
	err = err ?: put_route(4, "10.4.0.0", 16, SLOT_ID2);
	err = err ?: put_route(4, REMOTE4, 32, SLOT);  /* the loop */
	err = err ?: put_route(6, "fd00:1::", 32, SLOT);
	err = err ?: put_route(6, "fd00:2::", 32, SLOT_EMPTY);
	err = err ?: put_route(6, "fd00:3::", 32, SLOT_BIG);
	err = err ?: put_route(6, REMOTE6, 128, SLOT);
	/* an outer FOU packet to this prefix is for a receive port first */
	err = err ?: put_route(4, "198.51.100.0", 24, SLOT);
	err = err ?: put_rx_port(4, RX_PORT);
	return err;
}

/* ---- cases --------------------------------------------------------------- */

enum outcome { O_ENCAP, O_PASS, O_DROP, O_DECAP };

enum l4kind { L4_TCP, L4_UDP, L4_UDP0, L4_ICMP, L4_RAW };

struct inner {
	int fam;
	enum l4kind l4;
	size_t payload;
	const char *dst;      /* NULL: IDST4/IDST6 */
	uint8_t tos;          /* DSCP|ECN (v6: traffic class) */
	uint8_t ttl;          /* 0: 64 */
	bool df;
	uint16_t sport;       /* inner L4 source port; 0: 40000 */
	uint8_t optlen;       /* IPv4 options */
	uint16_t frag;        /* IPv4 fragment bits besides DF */
	bool hbh;             /* IPv6 hop-by-hop header before L4 */
};

struct tcase {
	char name[192];
	/* per case, cleared by case_begin() */
	int inner;             /* layer index of the inner IP header */
	struct tun tun;
	enum outcome out;
	int stat;
	bool tun_drop;         /* fou_tun_stats[SLOT].drop_packets +1 */
	size_t trail;          /* bytes after the inner IP packet (Ethernet padding) */
	bool no_neigh;         /* TC: sent with bpf_redirect_neigh, MACs not resolved */
	bool vlan;             /* XDP input carries an 802.1Q tag */
	bool einval;           /* test_run refused the frame */
	bool csum_carries;     /* inner checksum corrupt: the outer one must fail too */
	uint32_t gso_size;
	/* what the last run returned */
	uint32_t out_len, retval;
	uint16_t sport;
	uint32_t flowlabel;
	/* buffers */
	uint8_t in[BUF_SZ];
	struct pkt p;
	uint8_t out_buf[BUF_SZ];
};

static struct tcase T;
static uint8_t exp_buf[BUF_SZ];

/* Verdicts seen on the success path, for the report. */
static uint32_t seen_tc_ok_ret = ~0u, seen_tc_nn_ret = ~0u, seen_xdp_ret = ~0u;
static int seen_tc_macs = -1; /* 1: rewritten, 0: left as they were */

static void case_begin(const struct tun *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void case_begin(const struct tun *t, const char *fmt, ...)
{
	BH_CASE_BEGIN(T, fmt);
	T.inner = -1;
	if (t)
		T.tun = *t;
}

static void add_eth(struct pkt *p, const uint8_t *dst, bool vlan)
{
	struct pkt_eth_opts e = { .vlan = vlan, .vlan_tci = 0x0064 };

	memcpy(e.dst, dst, 6);
	memcpy(e.src, in_src, 6);
	pkt_eth(p, &e);
}

static int add_inner_ip(struct pkt *p, const struct inner *in)
{
	int fam = in->fam ? in->fam : 4;
	const char *dst = in->dst ? in->dst : fam == 4 ? IDST4 : IDST6;
	uint16_t sport = in->sport ? in->sport : 40000;
	int ip;

	if (fam == 4) {
		struct pkt_ip4_opts o = { .saddr = pkt_a4(ISRC4), .daddr = pkt_a4(dst),
					  .tos = in->tos, .ttl = in->ttl, .id = 0x4321,
					  .frag = (in->df ? PKT_IP4_DF : 0) | in->frag,
					  .optlen = in->optlen,
					  .proto = in->l4 == L4_RAW ? 253 : 0 };

		ip = pkt_ip4(p, &o);
	} else {
		struct pkt_ip6_opts o = { .saddr = pkt_a6(ISRC6), .daddr = pkt_a6(dst),
					  .tclass = in->tos, .hlim = in->ttl, .flowlabel = 0xabcde,
					  .nexthdr = in->l4 == L4_RAW && !in->hbh ? 253 : 0 };

		ip = pkt_ip6(p, &o);
		if (in->hbh)
			pkt_ip6_ext(p, 0, 0);
	}
	switch (in->l4) {
	case L4_TCP: pkt_tcp(p, sport, 80); break;
	case L4_UDP: pkt_udp(p, sport, 53, PKT_CSUM_AUTO); break;
	case L4_UDP0: pkt_udp(p, sport, 53, PKT_CSUM_ZERO); break;
	case L4_ICMP: pkt_icmp_echo(p, sport, 1); break;
	case L4_RAW: break;
	}
	if (in->payload)
		pkt_payload(p, in->payload, (uint8_t)(0x30 + in->payload));
	return ip;
}

/* Ethernet (as seen at TC egress or XDP ingress) and the inner packet. */
static void add_frame(const struct inner *in, bool xdp)
{
	add_eth(&T.p, xdp ? bh_dev_mac : in_dst, T.vlan);
	T.inner = add_inner_ip(&T.p, in);
}

static void finalize(void)
{
	if (pkt_finalize(&T.p))
		tap_bail("packet builder overflow in case %s", T.name);
}

static size_t inner_off(void)
{
	return pkt_off(&T.p, T.inner);
}

static void expect(enum outcome o, int stat)
{
	T.out = o;
	T.stat = stat;
}

static int encap_stat(const struct tun *t)
{
	return t->kind == FOU_KIND_GUE ? FOU_STAT_TX_ENCAP_GUE : FOU_STAT_TX_ENCAP_FOU;
}

static int fwd_stat(const struct tun *t)
{
	return t->kind == FOU_KIND_GUE ? FOU_STAT_FWD_ENCAP_GUE : FOU_STAT_FWD_ENCAP_FOU;
}

/* ---- checking an encapsulation ------------------------------------------ */

enum macs { MACS_RESOLVED, MACS_ANY };

/* What an encapsulation by a tunnel must look like, from the tunnel and
 * the inner packet; sport, id and fl are the free fields, taken from the
 * output. */
struct encap_want {
	bool i4, o4, gue, df, csum;
	uint8_t tos, ttl;
	size_t uoff, len;      /* the outer UDP header's offset, the frame's length */
	uint16_t sport, id;
	uint32_t fl;
};

static struct encap_want encap_want(const struct tun *t, const uint8_t *inner, size_t ilen)
{
	struct encap_want w = { .i4 = (inner[0] >> 4) == 4, .o4 = t->fam == 4,
				.gue = t->kind == FOU_KIND_GUE };
	uint8_t itos = w.i4 ? inner[1] : (uint8_t)((inner[0] & 0xf) << 4 | inner[1] >> 4);
	uint8_t ittl = w.i4 ? inner[8] : inner[7];

	w.df = w.i4 ? (inner[6] & 0x40) : true;
	w.tos = (t->flags & FOU_TUN_F_TOS_FIXED) ? (uint8_t)((t->tos & ~3) | (itos & 3)) : itos;
	w.ttl = t->ttl ? t->ttl : ittl;
	w.csum = w.o4 ? (t->flags & FOU_TUN_F_CSUM) : !(t->flags & FOU_TUN_F_UDP6_ZERO);
	w.uoff = 14 + (w.o4 ? 20 : 40);
	w.len = w.uoff + 8 + (w.gue ? 4 : 0) + ilen;
	return w;
}

/* The free fields of out into w (and T, for the source-port cases); checks
 * of the source port against the tunnel's. */
static void take_free_fields(const struct tun *t, const uint8_t *out, struct encap_want *w)
{
	size_t uoff = w->uoff;

	w->sport = (uint16_t)(out[uoff] << 8 | out[uoff + 1]);
	T.sport = w->sport;
	if (w->o4) {
		w->id = (uint16_t)(out[14 + 4] << 8 | out[14 + 5]);
	} else {
		w->fl = (uint32_t)(out[15] & 0xf) << 16 | out[16] << 8 | out[17];
		T.flowlabel = w->fl;
	}
	if (t->flags & FOU_TUN_F_SPORT_FIXED) {
		EXPECT_EQ(w->sport, t->sport, "fixed outer UDP source port");
	} else {
		EXPECT_TRUE(w->sport != 0, "outer UDP source port is not 0");
		if (w->sport < t->smin || w->sport > t->smax)
			tap_check_fail(__FILE__, __LINE__, "outer UDP source port %u outside [%u, %u]",
				       w->sport, t->smin, t->smax);
	}
}

/* The outer checksums on their own, before the byte comparison, for
 * readable diagnostics. */
static void check_outer_csums(const struct tun *t, const uint8_t *out, size_t olen,
			      const struct encap_want *w)
{
	size_t uoff = w->uoff;

	if (w->o4 && olen >= uoff) {
		EXPECT_TRUE(ip4_hdr_csum(out + 14, 20) == (out[24] << 8 | out[25]),
			    "outer IPv4 header checksum valid");
	}
	if (olen == w->len && (out[uoff + 6] | out[uoff + 7])) {
		if (!w->csum)
			tap_check_fail(__FILE__, __LINE__, "outer UDP checksum is 0x%02x%02x, expected 0",
				       out[uoff + 6], out[uoff + 7]);
		else if (T.csum_carries)
			EXPECT_TRUE(!l4_csum_ok(out + 14, t->fam, IPPROTO_UDP, out + uoff, olen - uoff),
				    "outer UDP checksum fails as the inner one does");
		else
			EXPECT_TRUE(l4_csum_ok(out + 14, t->fam, IPPROTO_UDP, out + uoff, olen - uoff),
				    "outer UDP checksum verifies");
	} else if (olen == w->len && w->csum) {
		tap_check_fail(__FILE__, __LINE__, "outer UDP checksum is 0, expected a checksum");
	}
}

/* The outer IP header of w into e; its layer index. */
static int add_outer_ip(struct pkt *e, const struct tun *t, const struct encap_want *w)
{
	if (w->o4) {
		struct pkt_ip4_opts io = { .saddr = pkt_a4(LOCAL4), .daddr = pkt_a4(remote_of(t)),
					   .tos = w->tos, .ttl = w->ttl, .id = w->id,
					   .frag = w->df ? PKT_IP4_DF : 0 };

		return pkt_ip4(e, &io);
	}
	{
		struct pkt_ip6_opts io = { .saddr = pkt_a6(LOCAL6), .daddr = pkt_a6(remote_of(t)),
					   .tclass = w->tos, .hlim = w->ttl, .flowlabel = w->fl };

		return pkt_ip6(e, &io);
	}
}

/* The expected frame into exp_buf, built with pktbuild (MACs per macs, the
 * free fields from out); its length. */
static size_t build_encap(const struct tun *t, const uint8_t *out, const uint8_t *inner,
			  size_t ilen, const struct encap_want *w, enum macs macs)
{
	enum pkt_csum uc = w->csum ? PKT_CSUM_AUTO : PKT_CSUM_ZERO;
	struct pkt_eth_opts eo = { 0 };
	struct pkt e;
	int ip, udp;

	pkt_init(&e, exp_buf, sizeof(exp_buf));
	memcpy(eo.dst, macs == MACS_RESOLVED ? bh_neigh_mac : out, 6);
	memcpy(eo.src, macs == MACS_RESOLVED ? bh_dev_mac : out + 6, 6);
	pkt_eth(&e, &eo);
	ip = add_outer_ip(&e, t, w);
	udp = pkt_udp(&e, w->sport, t->dport, uc);
	if (w->gue) {
		struct pkt_gue_opts g = { .proto = w->i4 ? 4 : 41 };

		pkt_gue(&e, &g);
	}
	pkt_bytes(&e, inner, ilen);
	if (pkt_finalize(&e) || ip < 0 || udp < 0)
		tap_bail("expected-packet builder overflow in case %s", T.name);
	if (w->ttl == 0) { /* pktbuild turns 0 into 64 */
		if (w->o4) {
			exp_buf[14 + 8] = 0;
			pkt_ip4_fix_csum(&e, ip);
			pkt_l4_fix_csum(&e, udp, uc);
		} else {
			exp_buf[14 + 7] = 0;
		}
	}
	return e.len;
}

/* The frame that came out, in hex on stderr (TX_DUMP=1). */
static void dump_got(const uint8_t *out, size_t olen)
{
	size_t i;

	fprintf(stderr, "# got frame:");
	for (i = 0; i < olen; i++)
		fprintf(stderr, "%02x", out[i]);
	fprintf(stderr, "\n");
}

/*
 * Check out[0..olen) as the encapsulation of inner[0..ilen) by t. Fields the
 * contract leaves free are taken from the output after their own checks: the
 * auto source port (range, never 0), the outer IPv4 id, the IPv6 flow label.
 * Everything else is rebuilt here with pktbuild and compared byte for byte.
 */
static void check_encap_gre(const struct tun *t, const uint8_t *out, size_t olen,
			    const uint8_t *inner, size_t ilen, enum macs macs);

static void check_encap(const struct tun *t, const uint8_t *out, size_t olen,
			const uint8_t *inner, size_t ilen, enum macs macs)
{
	struct encap_want w;
	size_t elen;

	if (t->ipproto == 47) {
		check_encap_gre(t, out, olen, inner, ilen, macs);
		return;
	}
	w = encap_want(t, inner, ilen);
	if (!EXPECT_EQ(olen, w.len, "output length"))
		if (olen < w.uoff + 8)
			return;
	take_free_fields(t, out, &w);
	check_outer_csums(t, out, olen, &w);
	elen = build_encap(t, out, inner, ilen, &w, macs);
	/* With a corrupt inner checksum only the outer checksum bytes differ
	 * from a correct encapsulation (checked above); compare the rest. */
	if (T.csum_carries && olen == elen)
		memcpy(exp_buf + w.uoff + 6, out + w.uoff + 6, 2);
	if (!EXPECT_MEMEQ(out, olen, exp_buf, elen, "encapsulated frame") && getenv("TX_DUMP"))
		dump_got(out, olen);
}

/* ---- running ---------------------------------------------------------------- */

#define STAT_ANY_PASS (-1) /* exactly one receive pass_ counter, whichever */

static void check_counters(const uint64_t *before, const uint64_t *after)
{
	int id;

	if (T.stat == STAT_ANY_PASS) {
		int moved = 0, which = -1;

		for (id = 0; id < FOU_STAT__COUNT; id++)
			if (after[id] != before[id]) {
				moved++;
				which = id;
			}
		if (moved != 1 || !FOU_STAT_IS_PASS(which) ||
		    after[which] - before[which] != 1)
			tap_check_fail(__FILE__, __LINE__, "%d counters moved (last: %s), expected one receive pass_ counter",
				       moved, which >= 0 ? bh_stat_names[which] : "none");
		else
			tap_note("  counted as %s", bh_stat_names[which]);
		return;
	}
	BH_EXPECT_ONE_COUNTER(before, after, T.stat);
}

static void check_tstats(const struct fou_tun_stats *b, const struct fou_tun_stats *a,
			 size_t ilen)
{
	bool ok = T.out == O_ENCAP;

	EXPECT_EQ(a->tx_packets - b->tx_packets, ok, "fou_tun_stats tx_packets delta");
	EXPECT_EQ(a->tx_bytes - b->tx_bytes, ok ? ilen : 0, "fou_tun_stats tx_bytes delta");
	EXPECT_EQ(a->drop_packets - b->drop_packets, T.tun_drop, "fou_tun_stats drop_packets delta");
}

/* The verdicts and return values of the two hooks, for unit_case.h's checks. */
static const struct ut_hook hook_tc = UT_HOOK_TC, hook_xdp = UT_HOOK_XDP;

/* The verdict of a pass or a drop by h, and a pass's bytes: unchanged. */
static void check_pass_drop(const struct ut_hook *h)
{
	struct ut_io io = { .in = T.p.buf, .len = T.p.len, .out = T.out_buf,
			    .retval = T.retval, .out_len = T.out_len };

	ut_check_output(h, T.out == O_DROP ? UT_DROP : UT_PASS, &io, NULL, 0);
}

/* The verdict and frame of fou_tx_tc's encapsulation of inner[0..ilen). */
static void check_tc_encap(const uint8_t *inner, size_t ilen)
{
	bool resolved;

	if (T.no_neigh) {
		EXPECT_EQ(T.retval, TC_ACT_REDIRECT_V, "verdict (bpf_redirect_neigh)");
		if (seen_tc_nn_ret == ~0u)
			seen_tc_nn_ret = T.retval;
		check_encap(&T.tun, T.out_buf, T.out_len, inner, ilen, MACS_ANY);
		return;
	}
	if (T.retval != TC_ACT_OK_V && T.retval != TC_ACT_REDIRECT_V)
		tap_check_fail(__FILE__, __LINE__, "verdict %u, expected TC_ACT_OK or TC_ACT_REDIRECT",
			       T.retval);
	if (seen_tc_ok_ret == ~0u)
		seen_tc_ok_ret = T.retval;
	/* TC_ACT_OK must carry the resolved MACs; a redirect may leave them
	 * to bpf_redirect_neigh */
	resolved = T.out_len >= 12 && !memcmp(T.out_buf, bh_neigh_mac, 6) &&
		   !memcmp(T.out_buf + 6, bh_dev_mac, 6);
	if (seen_tc_macs < 0)
		seen_tc_macs = resolved;
	check_encap(&T.tun, T.out_buf, T.out_len, inner, ilen,
		    T.retval == TC_ACT_OK_V || resolved ? MACS_RESOLVED : MACS_ANY);
}

/* Put T.tun in SLOT and run fou_tx_tc once; checks go to the current point. */
static void tc_checks(void)
{
	uint64_t before[FOU_STAT__COUNT], after[FOU_STAT__COUNT];
	struct fou_tun_stats tb, ta;
	size_t ioff = inner_off(), ilen = T.p.len - ioff - T.trail;
	struct __sk_buff ctx = { .ifindex = ifidx };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = T.p.buf, .data_size_in = T.p.len,
		    .data_out = T.out_buf, .data_size_out = sizeof(T.out_buf), .repeat = 1,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));
	int err;

	if (T.gso_size) {
		ctx.gso_size = T.gso_size;
		ctx.gso_segs = 2;
	}
	ASSERT_OK(put_tunnel(SLOT, &T.tun), "configure the tunnel");
	ASSERT_OK(bh_read_stats(m_tc.stats, before), "read fou_stats");
	ASSERT_OK(read_tstats(&m_tc, SLOT, &tb), "read fou_tun_stats");
	err = bpf_prog_test_run_opts(tc_fd, &o);
	if (err == -EINVAL && T.p.len < 14 + 40) {
		T.einval = true;
		return;
	}
	ASSERT_OK(err, "bpf_prog_test_run_opts");
	T.retval = o.retval;
	T.out_len = o.data_size_out;
	switch (T.out) {
	case O_ENCAP:
		check_tc_encap(T.p.buf + ioff, ilen);
		break;
	case O_PASS:
	case O_DROP:
		check_pass_drop(&hook_tc);
		break;
	default:
		break;
	}
	ASSERT_OK(bh_read_stats(m_tc.stats, after), "read fou_stats");
	check_counters(before, after);
	ASSERT_OK(read_tstats(&m_tc, SLOT, &ta), "read fou_tun_stats");
	check_tstats(&tb, &ta, ilen);
cleanup:
	return;
}

/* One test point of T through fou_tx_tc; false if it failed or was not
 * selected by -t. */
static bool run_tc(void)
{
	if (!tap_selected("tc: %s", T.name))
		return false;
	tap_begin();
	tc_checks();
	if (T.einval) {
		tap_skip("tc: %s: skb test_run refuses the %zu-byte frame (EINVAL)", T.name, T.p.len);
		return true;
	}
	return tap_end("tc: %s", T.name);
}

/* The inner packet as a router hop sends it on: TTL or hop limit one less,
 * the IPv4 header checksum computed afresh. */
static const uint8_t *hop_older(const uint8_t *inner, size_t ilen)
{
	static uint8_t older[BUF_SZ];
	size_t ihl = (inner[0] & 0xf) * 4;
	uint16_t c;

	memcpy(older, inner, ilen);
	if ((inner[0] >> 4) == 6) {
		older[7]--;
		return older;
	}
	older[8]--;
	older[10] = older[11] = 0;
	c = ip4_hdr_csum(older, ihl);
	older[10] = c >> 8;
	older[11] = c & 0xff;
	return older;
}

/* The verdict and frame of fou_rx_xdp for T, whose inner packet is
 * inner[0..ilen). */
static void check_xdp_output(const uint8_t *inner, size_t ilen)
{
	switch (T.out) {
	case O_ENCAP:
		if (T.retval != XDP_TX_V && T.retval != XDP_REDIRECT_V)
			tap_check_fail(__FILE__, __LINE__, "verdict %u, expected XDP_TX or XDP_REDIRECT",
				       T.retval);
		if (seen_xdp_ret == ~0u)
			seen_xdp_ret = T.retval;
		check_encap(&T.tun, T.out_buf, T.out_len, hop_older(inner, ilen), ilen,
			    MACS_RESOLVED);
		break;
	case O_PASS:
	case O_DROP:
		check_pass_drop(&hook_xdp);
		break;
	case O_DECAP:
		EXPECT_EQ(T.retval, XDP_PASS_V, "verdict");
		EXPECT_TRUE(T.out_len < T.p.len, "outer headers removed");
		break;
	}
}

static void xdp_checks(void)
{
	uint64_t before[FOU_STAT__COUNT], after[FOU_STAT__COUNT];
	struct fou_tun_stats tb, ta;
	size_t ioff = inner_off(), ilen = T.p.len - ioff;
	/* data_end: the linear length (0 would put the whole frame in frags) */
	struct xdp_md ctx = { .ingress_ifindex = ifidx, .data_end = T.p.len };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = T.p.buf, .data_size_in = T.p.len,
		    .data_out = T.out_buf, .data_size_out = sizeof(T.out_buf), .repeat = 1,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));
	int err;

	ASSERT_OK(put_tunnel(SLOT, &T.tun), "configure the tunnel");
	ASSERT_OK(bh_read_stats(m_xdp.stats, before), "read fou_stats");
	ASSERT_OK(read_tstats(&m_xdp, SLOT, &tb), "read fou_tun_stats");
	err = bpf_prog_test_run_opts(xdp_fd, &o);
	ASSERT_OK(err, "bpf_prog_test_run_opts");
	T.retval = o.retval;
	T.out_len = o.data_size_out;
	check_xdp_output(T.p.buf + ioff, ilen);
	ASSERT_OK(bh_read_stats(m_xdp.stats, after), "read fou_stats");
	check_counters(before, after);
	ASSERT_OK(read_tstats(&m_xdp, SLOT, &ta), "read fou_tun_stats");
	if (T.out != O_DECAP)
		check_tstats(&tb, &ta, ilen);
cleanup:
	return;
}

static bool run_xdp(void)
{
	if (!tap_selected("xdp: %s", T.name))
		return false;
	tap_begin();
	xdp_checks();
	return tap_end("xdp: %s", T.name);
}

/* ---- names ---------------------------------------------------------------- */

static const char *fn(int fam) { return fam == 4 ? "4" : "6"; }
static const char *kn(uint8_t kind) { return kind == FOU_KIND_GUE ? "GUE" : "FOU"; }

static const char *l4n(enum l4kind l)
{
	static const char *n[] = { "TCP", "UDP", "UDP csum 0", "ICMP", "raw proto 253" };

	return n[l];
}

static const char *csn(const struct tun *t)
{
	if (t->fam == 4)
		return t->flags & FOU_TUN_F_CSUM ? "encap-csum" : "csum 0";
	return t->flags & FOU_TUN_F_UDP6_ZERO ? "udp6 zero csum" : "udp6 csum";
}

/* ---- encapsulation cases ------------------------------------------------ */

/* One encapsulation through TC; returns whether it passed. */
static bool tc_encap(const struct tun *t, const struct inner *in, const char *extra)
{
	case_begin(t, "%s %sin%s %s %s payload %zu%s%s", kn(t->kind), fn(in->fam), fn(t->fam),
		   l4n(in->l4), csn(t), in->payload, extra ? ", " : "", extra ? extra : "");
	add_frame(in, false);
	finalize();
	expect(O_ENCAP, encap_stat(t));
	return run_tc();
}

static void cases_matrix(void)
{
	static const enum l4kind l4s[] = { L4_TCP, L4_UDP, L4_UDP0, L4_ICMP };
	static const size_t sizes[] = { 0, 1, 33, 100, 1001, 2, 7, 512 };
	unsigned int n = 0, i, c;
	int fam, ifam, k;

	for (fam = 4; fam <= 6; fam += 2)
		for (ifam = 4; ifam <= 6; ifam += 2)
			for (k = FOU_KIND_FOU; k <= FOU_KIND_GUE; k++)
				for (c = 0; c < 2; c++)
					for (i = 0; i < 4; i++, n++) {
						struct tun t = tdef(fam, k, ifam);
						struct inner in = { .fam = ifam, .l4 = l4s[i],
								    .payload = sizes[n % 8],
								    .df = n & 1 };

						if (c)
							t.flags |= fam == 4 ? FOU_TUN_F_CSUM
									    : FOU_TUN_F_UDP6_ZERO;
						tc_encap(&t, &in, in.fam == 4 && in.df ? "DF" : NULL);
					}
}

static void cases_sizes(void)
{
	static const size_t odd[] = { 0, 1, 3, 5, 255, 1001, 1399 };
	unsigned int i;
	int fam, ifam;

	for (fam = 4; fam <= 6; fam += 2)
		for (ifam = 4; ifam <= 6; ifam += 2)
			for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
				struct tun t = tdef(fam, i & 1 ? FOU_KIND_GUE : FOU_KIND_FOU, ifam);
				struct inner in = { .fam = ifam, .l4 = i & 2 ? L4_UDP : L4_RAW,
						    .payload = odd[i] };

				if (fam == 4)
					t.flags |= FOU_TUN_F_CSUM;
				tc_encap(&t, &in, "odd sizes");
			}
}

/* The value of T.p's last payload word, put there, that makes the outer
 * UDP checksum of t's encapsulation compute to 0; above 0xffff if none. */
static uint32_t zero_csum_word(const struct tun *t)
{
	size_t woff = T.p.len - 2, ilen = T.p.len - inner_off(), hl = t->fam == 4 ? 20 : 40;
	uint8_t probe[BUF_SZ];
	uint32_t w;

	for (w = 0; w <= 0xffff; w++) {
		struct pkt e;
		int ip;

		pkt_put16(&T.p, woff, (uint16_t)w);
		pkt_init(&e, probe, sizeof(probe));
		if (t->fam == 4) {
			struct pkt_ip4_opts io = { .saddr = pkt_a4(LOCAL4), .daddr = pkt_a4(REMOTE4) };

			ip = pkt_ip4(&e, &io);
		} else {
			struct pkt_ip6_opts io = { .saddr = pkt_a6(LOCAL6), .daddr = pkt_a6(REMOTE6) };

			ip = pkt_ip6(&e, &io);
		}
		pkt_udp(&e, t->sport, t->dport, PKT_CSUM_ZERO);
		pkt_bytes(&e, T.p.buf + inner_off(), ilen);
		pkt_finalize(&e);
		if (ip >= 0 && l4_csum(probe, t->fam, IPPROTO_UDP, probe + hl, e.len - hl) == 0)
			break;
	}
	return w;
}

/* A payload word chosen so that the outer UDP checksum computes to 0: it
 * must go out as 0xffff. Needs a fixed source port to be predictable. */
static void cases_csum_ffff(void)
{
	int fam, ifam;

	for (fam = 4; fam <= 6; fam += 2)
		for (ifam = 4; ifam <= 6; ifam += 2) {
			struct tun t = tdef(fam, FOU_KIND_FOU, ifam);
			struct inner in = { .fam = ifam, .l4 = L4_RAW, .payload = 20 };
			uint32_t w;

			t.flags |= FOU_TUN_F_SPORT_FIXED | (fam == 4 ? FOU_TUN_F_CSUM : 0);
			t.sport = 4789;
			case_begin(&t, "FOU %sin%s outer UDP checksum computes to 0 (sent as 0xffff)",
				   fn(ifam), fn(fam));
			add_frame(&in, false);
			finalize();
			w = zero_csum_word(&t);
			if (w > 0xffff) {
				if (tap_selected("%s: no payload word gives a zero checksum", T.name))
					tap_skip("%s: no payload word gives a zero checksum", T.name);
				continue;
			}
			expect(O_ENCAP, FOU_STAT_TX_ENCAP_FOU);
			if (run_tc() && T.out_len > 14 + 28)
				tap_note("  checksum field sent: 0x%04x",
					 T.out_buf[14 + (fam == 4 ? 20 : 40) + 6] << 8 |
					 T.out_buf[14 + (fam == 4 ? 20 : 40) + 7]);
		}
}

/* The outer TOS and TTL of a tunnel changed step by step (each step keeps
 * what the ones before it set, unless it says otherwise). */
static const struct tos_step {
	const char *what;
	bool fixed;           /* FOU_TUN_F_TOS_FIXED */
	uint8_t tos, ttl;     /* the tunnel's */
	uint8_t ittl;         /* the inner packet's */
	bool show_tos;        /* the name ends in the inner TOS */
} tos_steps[] = {
	{ "tos inherit", false, 0, 64, 33, true },
	{ "tos 0x28 fixed", true, 0x28, 64, 33, true },
	/* the fixed value's own ECN bits give way */
	{ "tos 0x2b fixed", true, 0x2b, 64, 33, true },
	{ "ttl 0 (inherit inner 33)", false, 0x2b, 0, 33, true },
	{ "ttl 1 fixed, inner ttl 200", false, 0x2b, 1, 200, false },
};

static void cases_tos_ttl(void)
{
	unsigned int i, j;
	int fam, ifam;

	for (fam = 4; fam <= 6; fam += 2)
		for (ifam = 4; ifam <= 6; ifam += 2)
			for (i = 0; i < 4; i++)
				for (j = 0; j < sizeof(tos_steps) / sizeof(tos_steps[0]); j++) {
					const struct tos_step *st = &tos_steps[j];
					struct tun t = tdef(fam, i & 1 ? FOU_KIND_GUE : FOU_KIND_FOU,
							    ifam);
					struct inner in = { .fam = ifam, .l4 = L4_TCP, .payload = 10,
							    .tos = (uint8_t)(0xb8 | i),
							    .ttl = st->ittl };
					char what[64];

					t.flags |= st->fixed ? FOU_TUN_F_TOS_FIXED : 0;
					t.tos = st->tos;
					t.ttl = st->ttl;
					snprintf(what, sizeof(what), st->show_tos ? "%s, inner tos 0x%02x" :
						 "%s", st->what, in.tos);
					tc_encap(&t, &in, what);
				}
}

/* ---- source ports ------------------------------------------------------- */

static void sport_flows(struct tun *t, int ifam, enum l4kind l4, unsigned int nflows,
			unsigned int min_distinct, const char *what)
{
	uint16_t ports[256];
	uint32_t labels[256];
	unsigned int i, j, distinct = 0, dlabels = 0;
	char name[192];

	snprintf(name, sizeof(name), "%s %sin%s %s: %u flows, %s", kn(t->kind), fn(ifam),
		 fn(t->fam), l4n(l4), nflows, what);
	if (!tap_selected("tc: %s", name))
		return;
	tap_begin();
	for (i = 0; i < nflows; i++) {
		struct inner in = { .fam = ifam, .l4 = l4, .payload = 20,
				    .sport = (uint16_t)(30000 + i * 7) };
		bool failed = tap_cur_failed;

		case_begin(t, "%s flow %u", name, i);
		add_frame(&in, false);
		finalize();
		expect(O_ENCAP, encap_stat(t));
		tap_cur_failed = false;
		tc_checks();
		if (tap_cur_failed)
			tap_diag("  (in flow %u)", i);
		tap_cur_failed |= failed;
		ports[i] = T.sport;
		labels[i] = T.flowlabel;
	}
	for (i = 0; i < nflows; i++) {
		for (j = 0; j < i && ports[j] != ports[i]; j++)
			;
		distinct += j == i;
		for (j = 0; j < i && labels[j] != labels[i]; j++)
			;
		dlabels += j == i;
	}
	if (distinct < min_distinct)
		tap_check_fail(__FILE__, __LINE__, "%u distinct source ports over %u flows, expected >= %u",
			       distinct, nflows, min_distinct);
	tap_end("tc: %s (%u distinct ports%s)", name, distinct, t->fam == 6 ? ", see note" : "");
	if (t->fam == 6)
		tap_note("  %u distinct IPv6 flow labels over %u flows", dlabels, nflows);
}

/* The same flow twice, and with another payload: one port (and flow label). */
static void sport_stable(const struct tun *t, int ifam, enum l4kind l4)
{
	struct inner in = { .fam = ifam, .l4 = l4, .payload = 10, .sport = 12345 };
	uint16_t first;
	uint32_t label;

	if (!tap_selected("tc: %s %sin%s %s: one flow, one source port", kn(t->kind), fn(ifam),
			  fn(t->fam), l4n(l4)))
		return;
	tap_begin();
	case_begin(t, "x");
	add_frame(&in, false);
	finalize();
	expect(O_ENCAP, encap_stat(t));
	tc_checks();
	first = T.sport;
	label = T.flowlabel;
	tc_checks();
	EXPECT_EQ(T.sport, first, "source port of the same packet again");
	EXPECT_EQ(T.flowlabel, label, "flow label of the same packet again");
	in.payload = 700;
	case_begin(t, "x");
	add_frame(&in, false);
	finalize();
	expect(O_ENCAP, encap_stat(t));
	tc_checks();
	EXPECT_EQ(T.sport, first, "source port of the same flow, other payload size");
	EXPECT_EQ(T.flowlabel, label, "flow label of the same flow, other payload size");
	tap_end("tc: %s %sin%s %s: one flow, one source port (%u)%s", kn(t->kind), fn(ifam),
		fn(t->fam), l4n(l4), first, t->fam == 6 ? " and one flow label" : "");
}

/* Flows through a tunnel of family fam (inner the same) with a source
 * port range (0: the default) or a fixed source port, and how many
 * distinct ports they must get at least. */
static const struct flow_row {
	int fam;
	uint8_t kind;
	uint16_t smin, smax, sport;
	enum l4kind l4;
	unsigned int nflows, min_distinct;
	const char *what;
} flow_rows[] = {
	{ 4, FOU_KIND_FOU, 40000, 40003, 0, L4_UDP, 64, 2, "narrow range 40000-40003" },
	{ 4, FOU_KIND_FOU, 50000, 50000, 0, L4_TCP, 16, 1, "range of one port 50000" },
	{ 4, FOU_KIND_FOU, 1, 65535, 0, L4_UDP, 64, 16, "range 1-65535 (never 0)" },
	{ 6, FOU_KIND_GUE, 0, 0, 4242, L4_UDP, 32, 1, "fixed sport 4242" },
	{ 4, FOU_KIND_FOU, 0, 0, 65535, L4_TCP, 8, 1, "fixed sport 65535" },
};

static void cases_sport(void)
{
	unsigned int i;
	int fam, ifam;

	for (fam = 4; fam <= 6; fam += 2)
		for (ifam = 4; ifam <= 6; ifam += 2) {
			struct tun t = tdef(fam, fam == ifam ? FOU_KIND_FOU : FOU_KIND_GUE, ifam);

			sport_stable(&t, ifam, L4_UDP);
			sport_stable(&t, ifam, L4_TCP);
			sport_flows(&t, ifam, ifam == 4 ? L4_UDP : L4_TCP, 64, 16,
				    "auto range 49152-65535");
		}
	for (i = 0; i < sizeof(flow_rows) / sizeof(flow_rows[0]); i++) {
		const struct flow_row *r = &flow_rows[i];
		struct tun t = tdef(r->fam, r->kind, r->fam);

		if (r->smin) {
			t.smin = r->smin;
			t.smax = r->smax;
		}
		if (r->sport) {
			t.flags |= FOU_TUN_F_SPORT_FIXED;
			t.sport = r->sport;
		}
		sport_flows(&t, r->fam, r->l4, r->nflows, r->min_distinct, r->what);
	}
}

/* ---- outer IPv4 ID -------------------------------------------------------- */

/* The outer IPv4 ID fou_tx_tc gives an inner UDP packet to @dst, DF or
 * not; -1 if it did not come out FOU-over-IPv4 encapsulated. */
static int outer_id(const char *dst, bool df)
{
	struct inner in = { .fam = 4, .l4 = L4_UDP, .payload = 20, .dst = dst, .df = df };
	struct __sk_buff ctx = { .ifindex = ifidx };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = T.p.buf, .data_out = T.out_buf,
		    .data_size_out = sizeof(T.out_buf), .repeat = 1, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx));
	const uint8_t *ip = T.out_buf + 14;

	pkt_init(&T.p, T.in, sizeof(T.in));
	add_frame(&in, false);
	finalize();
	o.data_size_in = T.p.len;
	if (bpf_prog_test_run_opts(tc_fd, &o) || o.data_size_out != T.p.len + 28 ||
	    ip[0] != 0x45 || ip[9] != 17)
		return -1;
	return ip[4] << 8 | ip[5];
}

/* Whether @n IDs each follow the one before (mod 2^16). */
static bool ids_count(const int *id, int n)
{
	for (int i = 1; i < n; i++)
		if (id[i] < 0 || id[i] != ((id[i - 1] + 1) & 0xffff))
			return false;
	return id[0] >= 0;
}

/*
 * A DF packet's outer ID is the next of its tunnel's own per-CPU count (as
 * the kernel's IDs are per destination, another tunnel's traffic must not
 * show in it); a packet routers may fragment takes a random one. The
 * counts are per CPU: the test stays on one.
 */
static void cases_ip_id(void)
{
	struct tun a = tdef(4, FOU_KIND_FOU, 4), b = a;
	int id[8], other[3], last, next;

	b.dport = DPORT_FOU + 1; /* its own key */
	case_begin(&a, "outer IPv4 ID");
	if (bh_pin_cpu() < 0 || put_tunnel(SLOT, &a) || put_tunnel(SLOT_ID2, &b))
		tap_bail("ip_id: cannot pin a CPU or configure the tunnels: %s", strerror(errno));
	for (int i = 0; i < 4; i++)
		id[i] = outer_id(IDST4, true);
	tap_ok(ids_count(id, 4), "tc: ip_id: DF packets of one tunnel take consecutive IDs "
	       "(%d %d %d %d)", id[0], id[1], id[2], id[3]);
	for (int i = 0; i < 3; i++)
		other[i] = outer_id(IID2_4, true);
	id[4] = outer_id(IDST4, true);
	tap_ok(ids_count(other, 3) && ids_count(id + 3, 2),
	       "tc: ip_id: another tunnel's DF packets (%d %d %d) leave the count alone (%d, then %d)",
	       other[0], other[1], other[2], id[3], id[4]);
	last = id[4];
	for (int i = 0; i < 8; i++)
		id[i] = outer_id(IDST4, false);
	next = outer_id(IDST4, true);
	tap_ok(id[0] >= 0 && !ids_count(id, 8) && next == ((last + 1) & 0xffff),
	       "tc: ip_id: packets without DF take random IDs (%d %d %d ...), outside the count "
	       "(%d, then %d)", id[0], id[1], id[2], last, next);
}

/* ---- pass and drop reasons --------------------------------------------------- */

/* @pad bytes of Ethernet padding after the inner packet: the MTU is the IP
 * packet's, padding is no part of it (found by the fuzzer). */
static void mtu_case(int fam, int ifam, uint8_t kind, uint16_t mtu, size_t ilen, size_t pad,
		     bool fits)
{
	static const uint8_t zeros[16];
	struct tun t = tdef(fam, kind, ifam);
	size_t hdr = (ifam == 4 ? 20 : 40) + 8;
	struct inner in = { .fam = ifam, .l4 = L4_UDP, .payload = ilen - hdr, .df = true };

	t.mtu = mtu;
	case_begin(&t, "%s %sin%s tunnel mtu %u%s, inner %zu bytes%s", kn(kind), fn(ifam),
		   fn(fam), mtu, mtu ? "" : " (device 1500 less the overhead)", ilen,
		   pad ? " and Ethernet padding" : "");
	add_frame(&in, false);
	finalize();
	pkt_bytes(&T.p, zeros, pad < sizeof(zeros) ? pad : sizeof(zeros));
	T.trail = pad < sizeof(zeros) ? pad : sizeof(zeros);
	if (fits) {
		expect(O_ENCAP, encap_stat(&t));
	} else {
		expect(O_DROP, FOU_STAT_TX_DROP_MTU);
		T.tun_drop = true;
	}
	run_tc();
}

/* A tunnel mtu, the inner packet's length (with mtu 0, the device's 1500
 * less the overhead: what the packet has beyond that), Ethernet padding,
 * and whether it fits. */
static const struct mtu_row {
	uint16_t mtu;
	size_t ilen, pad;
	bool fits;
} mtu_rows[] = {
	{ 1280, 1280, 0, true }, { 1280, 1280, 8, true }, { 1280, 1281, 0, false },
	{ 1000, 1400, 0, false }, { 0, 0, 0, true }, { 0, 0, 8, true }, { 0, 1, 0, false },
};

static void cases_mtu(void)
{
	unsigned int i;
	int fam, ifam;

	for (fam = 4; fam <= 6; fam += 2)
		for (ifam = 4; ifam <= 6; ifam += 2) {
			uint8_t k = fam == ifam ? FOU_KIND_FOU : FOU_KIND_GUE;
			size_t over = (fam == 4 ? 20 : 40) + 8 + (k == FOU_KIND_GUE ? 4 : 0);

			for (i = 0; i < sizeof(mtu_rows) / sizeof(mtu_rows[0]); i++) {
				const struct mtu_row *r = &mtu_rows[i];

				mtu_case(fam, ifam, k, r->mtu, r->mtu ? r->ilen : 1500 - over + r->ilen,
					 r->pad, r->fits);
			}
		}
}

/* ---- malformed inner packets ---------------------------------------------------- */

/*
 * A valid inner packet routed into a tunnel, then poked. Lengths that lie
 * (the header is readable, so the route is known): tx_drop_malformed,
 * charged to the tunnel. A header that cannot be read at all (too short,
 * ihl < 5, wrong version): nothing to route, so not ours, passed untouched
 * as tx_pass_not_ip.
 */
/* ---- cases as rows: passed, dropped, malformed ----------------------------- */

/* An inner destination, per inner family. */
enum dst_sel { D_DEF, D_NONE, D_LOCAL, D_REMOTE, D_EMPTY, D_BIG };

static const char *dst_of(uint8_t sel, int ifam)
{
	static const char *const d[][2] = {
		[D_NONE] = { INONE4, INONE6 }, [D_LOCAL] = { LOCAL4, LOCAL6 },
		[D_REMOTE] = { REMOTE4, REMOTE6 }, [D_EMPTY] = { IEMPTY4, IEMPTY6 },
		[D_BIG] = { IBIG4, IBIG6 },
	};

	return sel == D_DEF ? NULL : d[sel][ifam == 6];
}

/*
 * One transmit case (the format: unit_case.h) through fou_tx_tc, or with
 * .hook = H_XDP through fou_rx_xdp's forwarding path: the tunnel in SLOT
 * (tdef of the outer family, .kind and .tifam, the inner family its FOU
 * ipproto is for; .tune changes it further), the inner packet .in to .dst
 * (or .build's frame; .vlan: with an 802.1Q tag), .poke after it is built,
 * and the counter, which says the outcome (outcome_of): a tx_drop_ one
 * drops the packet, counted for the tunnel too if .tun_drop; an encap one
 * encapsulates it, rx_decap_ decapsulates it; any other passes it
 * unchanged.
 */
struct tx_row {
	const char *id, *what;
	uint8_t fams;                     /* outer families; F_ONCE: IPv4 only */
	uint8_t hook;                     /* 0: fou_tx_tc; H_XDP */
	uint8_t kind, tifam;
	void (*tune)(struct tun *t);
	struct inner in;
	uint8_t dst;                      /* enum dst_sel */
	bool vlan;
	bool no_neigh;                    /* sent with bpf_redirect_neigh */
	void (*build)(const struct tx_row *r);
	uint16_t ethertype;               /* b_not_ip's */
	void (*poke)(void);
	int stat;
	bool tun_drop;
};

/* Remotes other than the neighbour-known one: no neighbour entry, no route. */
static void tu_noneigh(struct tun *t) { t->remote = t->fam == 4 ? NONEIGH4 : NONEIGH6; }
static void tu_nofib(struct tun *t) { t->remote = t->fam == 4 ? NOFIB4 : NOFIB6; }
static void tu_mtu1000(struct tun *t) { t->mtu = 1000; }
static void tu_fixed(struct tun *t)
{
	t->flags |= FOU_TUN_F_TOS_FIXED | FOU_TUN_F_SPORT_FIXED;
	t->tos = 0x88;
	t->sport = 7777;
	t->ttl = 0;
}

/* The outcome the counter stat stands for. */
static enum outcome outcome_of(int stat)
{
	switch (stat) {
	case FOU_STAT_TX_ENCAP_FOU: case FOU_STAT_TX_ENCAP_GUE:
	case FOU_STAT_FWD_ENCAP_FOU: case FOU_STAT_FWD_ENCAP_GUE:
		return O_ENCAP;
	case FOU_STAT_RX_DECAP_FOU:
		return O_DECAP;
	default:
		return FOU_STAT_IS_TX_DROP(stat) ? O_DROP : O_PASS;
	}
}

/* A frame that is no IP at all: ARP, or a local experimental EtherType. */
static void b_not_ip(const struct tx_row *r)
{
	static const uint8_t arp[28] = { 0, 1, 8, 0, 6, 4, 0, 1 };
	struct pkt_eth_opts e = { .type = r->ethertype };

	memcpy(e.dst, in_dst, 6);
	memcpy(e.src, in_src, 6);
	pkt_eth(&T.p, &e);
	if (r->ethertype == 0x0806)
		pkt_bytes(&T.p, arp, sizeof(arp));
	else
		pkt_payload(&T.p, 50, 1);
	T.inner = 0;
	finalize();
}

static void tx_row_run(const struct tx_row *r, int fam)
{
	struct tun t = tdef(fam, r->kind, r->tifam ? r->tifam : r->in.fam);
	struct inner in = r->in;

	if (r->tune)
		r->tune(&t);
	in.dst = dst_of(r->dst, in.fam);
	if (r->fams & F_ONCE)
		case_begin(&t, "%s: %s", r->id, r->what);
	else
		case_begin(&t, "%s: %s (%s %sin%s)", r->id, r->what, kn(t.kind), fn(in.fam),
			   fn(fam));
	T.vlan = r->vlan;
	T.no_neigh = r->no_neigh;
	if (r->build) {
		r->build(r);
	} else {
		add_frame(&in, r->hook == H_XDP);
		finalize();
	}
	if (r->poke)
		r->poke();
	expect(outcome_of(r->stat), r->stat);
	T.tun_drop = r->tun_drop;
	if (r->hook == H_XDP)
		run_xdp();
	else
		run_tc();
}

/* The inner packet's length field by delta, its IPv4 checksum made good
 * again if fix. */
static void ip_field16(size_t at, int delta, bool fix)
{
	size_t off = inner_off();

	pkt_put16(&T.p, off + at, (uint16_t)(pkt_get16(&T.p, off + at) + delta));
	if (fix && T.p.l[T.inner].type == PL_IP4)
		pkt_ip4_fix_csum(&T.p, T.inner);
}

static void pk_len_plus1(void) { ip_field16(T.p.l[T.inner].type == PL_IP4 ? 2 : 4, 1, true); }
static void pk_len_plus100(void) { ip_field16(T.p.l[T.inner].type == PL_IP4 ? 2 : 4, 100, true); }
static void pk_cut_l4(void) { pkt_truncate(&T.p, T.p.len - 30); }
static void pk_cut_hdr10(void) { pkt_truncate(&T.p, inner_off() + 10); }
static void pk_cut_hdr39(void) { pkt_truncate(&T.p, inner_off() + 39); }
static void pk_cut_hdr19(void) { pkt_truncate(&T.p, inner_off() + 19); }
static void pk_only_eth(void) { pkt_truncate(&T.p, inner_off()); }
static void pk_ihl4(void)
{
	T.p.buf[inner_off()] = 0x44;
	pkt_ip4_fix_csum(&T.p, T.inner);
}
static void pk_ihl15(void)
{
	/* ihl 15 = 60 bytes of header, more than the 20 + 8 + 40 present? no:
	 * claim 60 header bytes and a total length of 40 */
	T.p.buf[inner_off()] = 0x4f;
	pkt_put16(&T.p, inner_off() + 2, 40);
	pkt_truncate(&T.p, inner_off() + 40);
	pkt_ip4_fix_csum(&T.p, T.inner);
}
static void pk_totlen_small(void)
{
	pkt_put16(&T.p, inner_off() + 2, 19);
	pkt_ip4_fix_csum(&T.p, T.inner);
}
static void pk_version6(void)
{
	/* EtherType IPv4, version nibble 6 */
	T.p.buf[inner_off()] = 0x65;
}
static void pk_version4(void)
{
	/* EtherType IPv6, version nibble 4 */
	T.p.buf[inner_off()] = (T.p.buf[inner_off()] & 0x0f) | 0x40;
}

#define S(x) FOU_STAT_##x
#define NOROUTE(ifm, d, w) \
	{ "no_route", w, .fams = F_4, .kind = FOU_KIND_GUE, .tifam = 4,                   \
	  .in = { .fam = ifm, .l4 = L4_TCP, .payload = 30 }, .dst = d, .stat = S(TX_PASS_NO_ROUTE) }
#define NOTUN(ifm, d, nf, w, st, td) \
	{ "no_tunnel", w, .kind = FOU_KIND_GUE, .in = { .fam = ifm, .l4 = L4_UDP, .payload = 20 }, \
	  .dst = d, .tune = (nf) ? tu_nofib : NULL, .stat = S(st), .tun_drop = td }
/* A GUE tunnel's inner packet of 40 bytes of UDP payload, malformed: what
 * can be read of it is dropped as malformed, else passed as not IP. */
#define MALFORMED(ifm, w, pk, readable) \
	{ "malformed", "malformed inner IPv" #ifm ": " w, .kind = FOU_KIND_GUE,              \
	  .in = { .fam = ifm, .l4 = L4_UDP, .payload = 40 }, .poke = pk,                      \
	  .stat = (readable) ? S(TX_DROP_MALFORMED) : S(TX_PASS_NOT_IP), .tun_drop = readable }

static const struct tx_row tx_rows[] = {
	{ "not_ip", "ARP", .fams = F_ONCE, .kind = FOU_KIND_GUE, .tifam = 4, .build = b_not_ip,
	  .ethertype = 0x0806, .stat = S(TX_PASS_NOT_IP) },
	{ "not_ip", "EtherType 0x88b5 (local experimental)", .fams = F_ONCE,
	  .kind = FOU_KIND_GUE, .tifam = 4, .build = b_not_ip, .ethertype = 0x88b5,
	  .stat = S(TX_PASS_NOT_IP) },
	NOROUTE(4, D_NONE, "destination matches no route"),
	NOROUTE(4, D_LOCAL, "destination is the tunnel's local address (no route)"),
	NOROUTE(6, D_NONE, "destination matches no route"),
	NOROUTE(6, D_LOCAL, "destination is the tunnel's local address (no route)"),
	{ "family", "FOU ipproto 4 tunnel, inner IPv6", .kind = FOU_KIND_FOU, .tifam = 4,
	  .in = { .fam = 6, .l4 = L4_UDP, .payload = 20 }, .stat = S(TX_DROP_FAMILY),
	  .tun_drop = true },
	{ "family", "FOU ipproto 41 tunnel, inner IPv4", .kind = FOU_KIND_FOU, .tifam = 6,
	  .in = { .fam = 4, .l4 = L4_UDP, .payload = 20 }, .stat = S(TX_DROP_FAMILY),
	  .tun_drop = true },
	{ "loop", "inner destination is the tunnel's remote", .fams = F_4, .kind = FOU_KIND_FOU,
	  .in = { .fam = 4, .l4 = L4_UDP, .payload = 20 }, .dst = D_REMOTE,
	  .stat = S(TX_DROP_LOOP), .tun_drop = true },
	{ "loop", "inner destination is the tunnel's remote", .fams = F_6, .kind = FOU_KIND_GUE,
	  .in = { .fam = 6, .l4 = L4_UDP, .payload = 20 }, .dst = D_REMOTE,
	  .stat = S(TX_DROP_LOOP), .tun_drop = true },
	NOTUN(4, D_EMPTY, false, "route to an empty tunnel slot", TX_DROP_NO_TUNNEL, false),
	NOTUN(4, D_BIG, false, "route to tunnel slot 300 (beyond the array)", TX_DROP_NO_TUNNEL,
	      false),
	NOTUN(4, D_DEF, true, "no route to the tunnel's remote", TX_DROP_NO_FIB, true),
	NOTUN(6, D_EMPTY, false, "route to an empty tunnel slot", TX_DROP_NO_TUNNEL, false),
	NOTUN(6, D_BIG, false, "route to tunnel slot 300 (beyond the array)", TX_DROP_NO_TUNNEL,
	      false),
	NOTUN(6, D_DEF, true, "no route to the tunnel's remote", TX_DROP_NO_FIB, true),
	MALFORMED(4, "total length +1 (past the frame)", pk_len_plus1, true),
	MALFORMED(4, "total length +100", pk_len_plus100, true),
	MALFORMED(4, "frame cut 30 bytes short", pk_cut_l4, true),
	MALFORMED(4, "header cut at 19 bytes", pk_cut_hdr19, false),
	MALFORMED(4, "header cut at 10 bytes", pk_cut_hdr10, false),
	MALFORMED(4, "nothing after Ethernet", pk_only_eth, false),
	MALFORMED(4, "ihl 4", pk_ihl4, false),
	MALFORMED(4, "ihl 15, total length 40", pk_ihl15, true),
	MALFORMED(4, "total length 19", pk_totlen_small, true),
	MALFORMED(4, "version 6 under EtherType IPv4", pk_version6, false),
	MALFORMED(6, "payload length +1 (past the frame)", pk_len_plus1, true),
	MALFORMED(6, "payload length +100", pk_len_plus100, true),
	MALFORMED(6, "frame cut 30 bytes short", pk_cut_l4, true),
	MALFORMED(6, "header cut at 39 bytes", pk_cut_hdr39, false),
	MALFORMED(6, "header cut at 10 bytes", pk_cut_hdr10, false),
	MALFORMED(6, "nothing after Ethernet", pk_only_eth, false),
	MALFORMED(6, "version 4 under EtherType IPv6", pk_version4, false),
};

/* ---- cases as rows: encapsulated ------------------------------------------- */

static void tu_csum4(struct tun *t) { t->flags |= t->fam == 4 ? FOU_TUN_F_CSUM : 0; }

/* The inner TCP checksum wrong. An outer checksum derived from the inner
 * one (RFC 1624) carries the inner error along: the receiver drops the
 * packet at the outer check instead of the inner one. Asserted: the outer
 * checksum does not verify. */
static void pk_tcp_csum_wrong(void)
{
	size_t coff = pkt_off(&T.p, pkt_find(&T.p, PL_TCP, 0)) + 16;

	pkt_put16(&T.p, coff, pkt_get16(&T.p, coff) ^ 0x1234);
	T.csum_carries = true;
}

#define ENC(i, w, k, tf, tu, ...) \
	{ i, w, .kind = FOU_KIND_##k, .tifam = tf, .tune = tu, .in = { __VA_ARGS__ },      \
	  .stat = S(TX_ENCAP_##k) }

static void tu_noneigh_csum4(struct tun *t)
{
	tu_noneigh(t);
	tu_csum4(t);
}

/* The inner IP length ends before (or inside) the transport header that
 * follows in the frame: that checksum covers bytes which do not go out, so
 * the outer one is summed from the bytes that do (found by the fuzzer). */
static void ip_len_ends_at(size_t keep)
{
	size_t ioff = inner_off(), hl = T.p.l[T.inner].type == PL_IP4 ? 20 : 40;

	if (hl == 20) {
		pkt_put16(&T.p, ioff + 2, hl + keep);
		pkt_ip4_fix_csum(&T.p, T.inner);
	} else {
		pkt_put16(&T.p, ioff + 4, keep);
	}
	T.trail = T.p.len - ioff - hl - keep;
}

static void pk_ip_len_at_tcp(void) { ip_len_ends_at(0); }
static void pk_ip_len_in_tcp(void) { ip_len_ends_at(10); }

/*
 * encap-remcsum (the loader adds encap-csum over IPv4): a packet whose
 * checksum is complete, as every BPF_PROG_TEST_RUN skb is (CHECKSUM_NONE),
 * goes without the option and with the outer checksum, as the kernel's
 * __gue_build_header sends it; XDP forwarding likewise. The option itself
 * (CHECKSUM_PARTIAL skbs) is checked end to end: test_tunnel_remcsum.t.
 */
static void tu_remcsum(struct tun *t)
{
	t->flags |= FOU_TUN_F_REMCSUM;
	tu_csum4(t);
}

#define REMCSUM(h, ifm, l) \
	{ "remcsum", "encap-remcsum, complete checksum: no option", .hook = h,             \
	  .kind = FOU_KIND_GUE, .tune = tu_remcsum,                                          \
	  .in = { .fam = ifm, .l4 = l, .payload = 333 },                                     \
	  .stat = (h) ? S(FWD_ENCAP_GUE) : S(TX_ENCAP_GUE) }
#define IP_LEN_SHORT(ifm, w, pk) \
	{ "ip_len_short", w, .kind = FOU_KIND_GUE, .tune = tu_csum4,                        \
	  .in = { .fam = ifm, .l4 = L4_TCP, .payload = 21 }, .poke = pk, .stat = S(TX_ENCAP_GUE) }

static const struct tx_row encap_rows[] = {
	/* TC: the next hop without a neighbour entry */
	{ "no_neigh", "remote on link without a neighbour entry", .kind = FOU_KIND_FOU,
	  .tune = tu_noneigh_csum4, .in = { .fam = 4, .l4 = L4_TCP, .payload = 100 },
	  .no_neigh = true, .stat = S(TX_ENCAP_FOU) },
	{ "no_neigh", "remote on link without a neighbour entry", .kind = FOU_KIND_FOU,
	  .tune = tu_noneigh_csum4, .in = { .fam = 6, .l4 = L4_TCP, .payload = 100 },
	  .no_neigh = true, .stat = S(TX_ENCAP_FOU) },
	/* Inner packets whose L4 checksum cannot be reused for the outer one. */
	ENC("csum_edge", "inner IPv4 options (ihl 6)", FOU, 4, tu_csum4, .fam = 4, .l4 = L4_UDP,
	    .payload = 41, .optlen = 4),
	ENC("csum_edge", "inner IPv4 options (ihl 15)", FOU, 4, tu_csum4, .fam = 4,
	    .l4 = L4_UDP, .payload = 41, .optlen = 40),
	ENC("csum_edge", "inner first fragment (MF)", FOU, 4, tu_csum4, .fam = 4, .l4 = L4_UDP,
	    .payload = 41, .frag = PKT_IP4_MF),
	ENC("csum_edge", "inner middle fragment (offset 296)", FOU, 4, tu_csum4, .fam = 4,
	    .l4 = L4_RAW, .payload = 41, .frag = PKT_IP4_MF | 37),
	ENC("csum_edge", "inner IPv6 hop-by-hop before UDP", GUE, 6, tu_csum4, .fam = 6,
	    .l4 = L4_UDP, .payload = 77, .hbh = true),
	ENC("csum_edge", "inner IPv6 hop-by-hop before TCP", GUE, 6, tu_csum4, .fam = 6,
	    .l4 = L4_TCP, .payload = 3, .hbh = true),
	/* the outer checksum covers the bytes as they are */
	{ "csum_wrong", "inner TCP checksum wrong", .kind = FOU_KIND_FOU, .tune = tu_csum4,
	  .in = { .fam = 4, .l4 = L4_TCP, .payload = 21 }, .poke = pk_tcp_csum_wrong,
	  .stat = S(TX_ENCAP_FOU) },
	{ "csum_wrong", "inner TCP checksum wrong", .kind = FOU_KIND_FOU, .tune = tu_csum4,
	  .in = { .fam = 6, .l4 = L4_TCP, .payload = 21 }, .poke = pk_tcp_csum_wrong,
	  .stat = S(TX_ENCAP_FOU) },
	ENC("df", "inner DF set", FOU, 4, NULL, .fam = 4, .l4 = L4_UDP, .payload = 64,
	    .df = true),
	ENC("df", "inner DF clear", FOU, 4, NULL, .fam = 4, .l4 = L4_UDP, .payload = 64),
	ENC("df", "inner IPv6 (outer DF)", FOU, 6, NULL, .fam = 6, .l4 = L4_UDP, .payload = 64),
	REMCSUM(0, 4, L4_TCP), REMCSUM(0, 4, L4_UDP), REMCSUM(0, 6, L4_TCP), REMCSUM(0, 6, L4_UDP),
	REMCSUM(H_XDP, 4, L4_TCP), REMCSUM(H_XDP, 4, L4_UDP), REMCSUM(H_XDP, 6, L4_TCP),
	REMCSUM(H_XDP, 6, L4_UDP),
	IP_LEN_SHORT(4, "IP length ends where the TCP header begins", pk_ip_len_at_tcp),
	IP_LEN_SHORT(4, "IP length ends 10 bytes into the TCP header", pk_ip_len_in_tcp),
	IP_LEN_SHORT(6, "IP length ends where the TCP header begins", pk_ip_len_at_tcp),
	IP_LEN_SHORT(6, "IP length ends 10 bytes into the TCP header", pk_ip_len_in_tcp),
};

static void tc_simple(const struct tun *t, const struct inner *in, enum outcome o, int stat,
		      bool tun_drop, const char *what)
{
	case_begin(t, "%s (%s %sin%s)", what, kn(t->kind), fn(in->fam), fn(t->fam));
	add_frame(in, false);
	finalize();
	expect(o, stat);
	T.tun_drop = tun_drop;
	run_tc();
}

/* Trailing bytes after the inner IP packet: the contract does not say; noted. */
static void note_trailing(void)
{
	struct tun t = tdef(4, FOU_KIND_FOU, 4);
	struct inner in = { .fam = 4, .l4 = L4_UDP, .payload = 3 };
	struct __sk_buff ctx = { .ifindex = ifidx };
	uint8_t out[BUF_SZ];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_out = out, .data_size_out = sizeof(out),
		    .repeat = 1, .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));
	uint64_t b[FOU_STAT__COUNT], a[FOU_STAT__COUNT];
	int id;

	case_begin(&t, "trailing");
	add_frame(&in, false);
	finalize();
	pkt_bytes(&T.p, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 14);
	o.data_in = T.p.buf;
	o.data_size_in = T.p.len;
	if (put_tunnel(SLOT, &t) || bh_read_stats(m_tc.stats, b) ||
	    bpf_prog_test_run_opts(tc_fd, &o) || bh_read_stats(m_tc.stats, a))
		return;
	for (id = 0; id < FOU_STAT__COUNT; id++)
		if (a[id] != b[id])
			break;
	tap_note("info: inner IPv4 with 14 bytes after its total length: verdict %u, %u bytes out (%zu in), counter %s",
		 o.retval, o.data_size_out, T.p.len,
		 id < FOU_STAT__COUNT ? bh_stat_names[id] : "none");
}

/* ---- forwarding off, the route filter ------------------------------------------ */

/* With forwarding off every FIB lookup answers FWD_DISABLED: a host that is
 * no router. TC must still send (through bpf_redirect_neigh), XDP leave the
 * packet to the stack. */
static void cases_forwarding_off(void)
{
	int fam;

	for (fam = 4; fam <= 6; fam += 2) {
		struct tun t = tdef(fam, FOU_KIND_GUE, 4);
		struct inner in = { .fam = 4, .l4 = L4_TCP, .payload = 100 };
		const char *path = fam == 4 ? "/proc/sys/net/ipv4/ip_forward"
					    : "/proc/sys/net/ipv6/conf/all/forwarding";

		if (bh_write_file(path, "0")) {
			if (tap_selected("forwarding off (outer IPv%d): cannot write %s", fam, path))
				tap_skip("forwarding off (outer IPv%d): cannot write %s", fam, path);
			continue;
		}
		case_begin(&t, "GUE 4in%d with forwarding off in the namespace", fam);
		add_frame(&in, false);
		finalize();
		expect(O_ENCAP, FOU_STAT_TX_ENCAP_GUE);
		T.no_neigh = true;
		run_tc();

		case_begin(&t, "forward GUE 4in%d with forwarding off in the namespace", fam);
		add_frame(&in, true);
		finalize();
		expect(O_PASS, FOU_STAT_FWD_PASS_NO_NEIGH);
		run_xdp();
		if (bh_write_file(path, "1"))
			tap_bail("cannot turn forwarding back on: %s", path);
	}
}

/* fou_route_filter: a destination whose bit is clear is not looked up, unless
 * the filter was computed for other route counts than fou_route_count's (a
 * route changed by a fouloader older than the filter). */
static void cases_route_filter(void)
{
	int ffd = bpf_object__find_map_fd_by_name(tskel->obj, FOU_MAP_ROUTE_FILTER);
	int cfd = bpf_object__find_map_fd_by_name(tskel->obj, FOU_MAP_ROUTE_COUNT);
	struct tun t = tdef(4, FOU_KIND_GUE, 4);
	struct inner in = { .fam = 4, .l4 = L4_TCP, .payload = 100 };
	struct fou_route_filter saved, f;
	struct fou_route_count sc, c;
	__u32 zero = 0;

	if (ffd < 0 || cfd < 0 || bpf_map_lookup_elem(ffd, &zero, &saved) ||
	    bpf_map_lookup_elem(cfd, &zero, &sc))
		tap_bail("cannot read fou_route_filter / fou_route_count");
	f = saved;
	memset(f.v4, 0, sizeof(f.v4));
	if (bpf_map_update_elem(ffd, &zero, &f, BPF_ANY))
		tap_bail("cannot write fou_route_filter");
	tc_simple(&t, &in, O_PASS, FOU_STAT_TX_PASS_NO_ROUTE, false,
		  "a route the filter leaves out is not looked up");
	c = sc;
	c.v4++;
	if (bpf_map_update_elem(cfd, &zero, &c, BPF_ANY))
		tap_bail("cannot write fou_route_count");
	tc_simple(&t, &in, O_ENCAP, FOU_STAT_TX_ENCAP_GUE, false,
		  "the same once fou_route_count no longer matches the filter's counts");
	if (bpf_map_update_elem(ffd, &zero, &saved, BPF_ANY) ||
	    bpf_map_update_elem(cfd, &zero, &sc, BPF_ANY))
		tap_bail("cannot restore fou_route_filter / fou_route_count");
}

/* ---- XDP forwarding ------------------------------------------------------------ */

static void xdp_fwd(const struct tun *t, const struct inner *in, const char *extra)
{
	case_begin(t, "forward %s %sin%s %s %s payload %zu%s%s", kn(t->kind), fn(in->fam),
		   fn(t->fam), l4n(in->l4), csn(t), in->payload, extra ? ", " : "",
		   extra ? extra : "");
	add_frame(in, true);
	finalize();
	expect(O_ENCAP, fwd_stat(t));
	run_xdp();
}

/*
 * A gateway is a router hop: the inner TTL / hop limit goes out one less
 * (and the outer one with it where the tunnel inherits it); what would
 * expire here is left to the stack untouched, which sends Time Exceeded.
 */
static void xdp_ttl_case(int fam, int ifam, uint8_t ttl, bool csum, bool inherit)
{
	struct tun t = tdef(fam, FOU_KIND_FOU, ifam);
	struct inner in = { .fam = ifam, .l4 = L4_UDP, .payload = 21, .ttl = ttl ? ttl : 64 };

	if (csum)
		t.flags |= fam == 4 ? FOU_TUN_F_CSUM : 0;
	else
		t.flags |= fam == 4 ? 0 : FOU_TUN_F_UDP6_ZERO;
	if (inherit)
		t.ttl = 0;
	case_begin(&t, "forward FOU %sin%s inner %s %u, %s UDP checksum, outer ttl %s",
		   fn(ifam), fn(fam), ifam == 4 ? "TTL" : "hop limit", ttl,
		   csum ? "with" : "no", inherit ? "inherit" : "64");
	add_frame(&in, true);
	finalize();
	if (!ttl) { /* pktbuild turns 0 into 64 */
		T.p.buf[inner_off() + (ifam == 4 ? 8 : 7)] = 0;
		if (ifam == 4)
			pkt_ip4_fix_csum(&T.p, T.inner);
	}
	if (ttl <= 1)
		expect(O_PASS, FOU_STAT_FWD_PASS_TTL);
	else
		expect(O_ENCAP, fwd_stat(&t));
	run_xdp();
}

static void cases_xdp_ttl(void)
{
	static const uint8_t ttls[] = { 64, 2, 1, 0, 255 };
	unsigned int i;
	int fam, ifam;

	for (fam = 4; fam <= 6; fam += 2)
		for (ifam = 4; ifam <= 6; ifam += 2)
			for (i = 0; i < sizeof(ttls) / sizeof(ttls[0]); i++) {
				xdp_ttl_case(fam, ifam, ttls[i], true, i & 1);
				xdp_ttl_case(fam, ifam, ttls[i], false, !(i & 1));
			}
}

/* Every combination of families, kind and UDP checksum, forwarded; the
 * inner protocol, size and TOS vary with it. */
static void cases_xdp_matrix(void)
{
	static const enum l4kind l4s[] = { L4_TCP, L4_UDP, L4_ICMP, L4_UDP0 };
	static const size_t sizes[] = { 0, 1, 101, 1001 };
	unsigned int c, n = 0;
	int fam, ifam, k;

	for (fam = 4; fam <= 6; fam += 2)
		for (ifam = 4; ifam <= 6; ifam += 2)
			for (k = FOU_KIND_FOU; k <= FOU_KIND_GUE; k++)
				for (c = 0; c < 2; c++) {
					struct tun t = tdef(fam, k, ifam);
					struct inner in = { .fam = ifam, .l4 = l4s[n % 4],
							    .payload = sizes[n % 4], .df = c,
							    .tos = (uint8_t)(0x20 | (n & 3)) };

					n++;
					if (c)
						t.flags |= fam == 4 ? FOU_TUN_F_CSUM : FOU_TUN_F_UDP6_ZERO;
					xdp_fwd(&t, &in, NULL);
				}
}

/* A FOU packet to the receive port RX_PORT, from 192.0.2.50 to dst, the
 * row's inner packet in it; tun: whether the tunnel carries its outer IPv4
 * header (T.inner) rather than the inner packet. */
static void add_fou_to_rx_port(const struct tx_row *r, const char *dst, bool tun)
{
	struct pkt_ip4_opts o = { .saddr = pkt_a4("192.0.2.50"), .daddr = pkt_a4(dst) };
	int ip;

	add_eth(&T.p, bh_dev_mac, false);
	ip = pkt_ip4(&T.p, &o);
	pkt_udp(&T.p, 1234, RX_PORT, PKT_CSUM_AUTO);
	T.inner = add_inner_ip(&T.p, &r->in);
	if (tun)
		T.inner = ip;
	finalize();
}

/* To this host: decapsulation comes first, though the destination is routed. */
static void b_fou_local(const struct tx_row *r) { add_fou_to_rx_port(r, "198.51.100.1", false); }
/* Not this host's: in transit, routed into a tunnel like any other packet,
 * never decapsulated. */
static void b_fou_transit(const struct tx_row *r) { add_fou_to_rx_port(r, "198.51.100.7", true); }

#define STR_(x) #x
#define STR(x) STR_(x)
#define XDP_ROW(i, w, ...) { i, w, .hook = H_XDP, __VA_ARGS__ }
#define FWD_NOHOP(ifm, tu, w, st, td) \
	XDP_ROW("fwd_nohop", w, .kind = FOU_KIND_FOU, .tune = tu,                         \
		.in = { .fam = ifm, .l4 = L4_TCP, .payload = 50 }, .stat = S(st), .tun_drop = td)
#define FWD_LOOP(fm) \
	XDP_ROW("fwd_drop", "inner destination is the tunnel's remote", .fams = F_##fm,   \
		.kind = FOU_KIND_GUE, .in = { .fam = fm, .l4 = L4_UDP, .payload = 20 },   \
		.dst = D_REMOTE, .stat = S(TX_DROP_LOOP), .tun_drop = true)
/* Not for a tunnel: the receive verdicts. */
#define FWD_NOT_TUN(ifm, w, l, d, vl, pk, st) \
	XDP_ROW("fwd_not_tunnel", w, .fams = F_4, .kind = FOU_KIND_GUE,                   \
		.in = { .fam = ifm, .l4 = l, .payload = 50 }, .dst = d, .vlan = vl, .poke = pk, \
		.stat = st)
#define FWD_NOT_TUNS(ifm) \
	FWD_NOT_TUN(ifm, "TCP to a destination without a route", L4_TCP, D_NONE, false,  \
		    NULL, S(PASS_NOT_UDP)),                                               \
	FWD_NOT_TUN(ifm, "UDP to a destination without a route", L4_UDP, D_NONE, false,  \
		    NULL, S(PASS_NO_PORT)),                                               \
	FWD_NOT_TUN(ifm, "VLAN-tagged TCP to a routed destination (not forwarded)",      \
		    L4_TCP, D_DEF, true, NULL, S(PASS_NOT_UDP)),                          \
	/* a malformed packet for no tunnel stays the stack's business */             \
	FWD_NOT_TUN(ifm, "TCP, no route, IP length +100 (lies)", L4_TCP, D_NONE, false,  \
		    pk_len_plus100, STAT_ANY_PASS)

/* Forwarding cases besides the matrix and the TTL series. */
static const struct tx_row fwd_rows[] = {
	XDP_ROW("fwd_fixed", "tos 0x88 fixed, ttl inherit, sport 7777", .kind = FOU_KIND_GUE,
		.tune = tu_fixed, .in = { .fam = 4, .l4 = L4_UDP, .payload = 33, .tos = 0x03,
					  .ttl = 9 }, .stat = S(FWD_ENCAP_GUE)),
	/* the next hop is not resolved: left to the stack */
	FWD_NOHOP(4, tu_noneigh, "remote without a neighbour entry", FWD_PASS_NO_NEIGH, false),
	FWD_NOHOP(6, tu_noneigh, "remote without a neighbour entry", FWD_PASS_NO_NEIGH, false),
	/* the contract is silent; the program drops as TC does */
	FWD_NOHOP(4, tu_nofib, "no route to the remote", TX_DROP_NO_FIB, true),
	FWD_NOHOP(6, tu_nofib, "no route to the remote", TX_DROP_NO_FIB, true),
	/* tunnel drop reasons on the forwarding path */
	XDP_ROW("fwd_drop", "FOU ipproto 4 tunnel, inner IPv6", .kind = FOU_KIND_FOU, .tifam = 4,
		.in = { .fam = 6, .l4 = L4_UDP, .payload = 20 }, .stat = S(TX_DROP_FAMILY),
		.tun_drop = true),
	FWD_LOOP(4),
	FWD_LOOP(6),
	XDP_ROW("fwd_drop", "inner 1048 bytes, tunnel mtu 1000", .kind = FOU_KIND_GUE,
		.tune = tu_mtu1000, .in = { .fam = 4, .l4 = L4_UDP, .payload = 1000 },
		.stat = S(TX_DROP_MTU), .tun_drop = true),
	XDP_ROW("fwd_drop", "route to an empty slot", .kind = FOU_KIND_GUE, .tune = tu_mtu1000,
		.in = { .fam = 4, .l4 = L4_UDP, .payload = 20 }, .dst = D_EMPTY,
		.stat = S(TX_DROP_NO_TUNNEL)),
	FWD_NOT_TUNS(4),
	FWD_NOT_TUNS(6),
	XDP_ROW("fwd_rx_port", "FOU packet to receive port " STR(RX_PORT) ", destination also routed",
		.fams = F_ONCE, .kind = FOU_KIND_FOU, .build = b_fou_local,
		.in = { .fam = 4, .l4 = L4_UDP, .payload = 20 }, .stat = S(RX_DECAP_FOU)),
	XDP_ROW("fwd_rx_port", "FOU packet to receive port " STR(RX_PORT) ", transit destination routed",
		.fams = F_ONCE, .kind = FOU_KIND_FOU, .build = b_fou_transit,
		.in = { .fam = 4, .l4 = L4_UDP, .payload = 20 }, .stat = S(FWD_ENCAP_FOU)),
};

/* ---- main -------------------------------------------------------------------------- */

#include "tx_gre_cases.h"

static void run_all_cases(void)
{
	cases_matrix();
	cases_sizes();
	cases_csum_ffff();
	cases_tos_ttl();
	cases_sport();
	cases_ip_id();
	UT_RUN_ROWS(tx_rows, tx_row_run);
	UT_RUN_ROWS(encap_rows, tx_row_run);
	cases_mtu();
	cases_xdp_matrix();
	UT_RUN_ROWS(fwd_rows, tx_row_run);
	cases_xdp_ttl();
	cases_forwarding_off();
	cases_route_filter();
	note_trailing();
	cases_gre_tx();
}

int main(int argc, char **argv)
{
	int err;

	tap_args(argc, argv);
	bh_require_bpf("BPF_PROG_TEST_RUN and a network namespace");
	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0)
		tap_bail("libbpf_num_possible_cpus: %d", ncpus);
	err = setup_netns();
	if (err)
		tap_bail("cannot set up the private network namespace: %s", strerror(-err));
	if (load_progs())
		tap_bail("cannot open/load the fou_tx_tc and fou_rx_xdp skeletons: %s",
			 strerror(errno));
	err = configure();
	if (err)
		tap_bail("cannot configure the maps: %s", strerror(-err));
	run_all_cases();
	tap_note("observed: TC verdict with a resolved next hop: %d (%s), MACs %s; "
		 "TC verdict without a neighbour entry: %d; XDP verdict: %d",
		 (int)seen_tc_ok_ret, seen_tc_ok_ret == TC_ACT_OK_V ? "TC_ACT_OK" :
		 seen_tc_ok_ret == TC_ACT_REDIRECT_V ? "TC_ACT_REDIRECT" : "?",
		 seen_tc_macs == 1 ? "rewritten in the program" :
		 seen_tc_macs == 0 ? "left to bpf_redirect_neigh" : "not seen",
		 (int)seen_tc_nn_ret, (int)seen_xdp_ret);
	BH_SKEL_FN(TX_TC_SKEL, __destroy)(tskel);
	fou_rx_xdp_bpf__destroy(xskel);
	return tap_done();
}
