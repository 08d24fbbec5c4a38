// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of the receive programs fou_rx_xdp and fou_rx_tc, run with
 * BPF_PROG_TEST_RUN on packets built by selftests/lib/pktbuild: for every
 * case, the verdict, the exact output bytes and the one counter that moved.
 * TAP output, one test point per (hook, case).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "portstate.h"

#include "fou_maps.h"
#include "fou_stats.h"
/* FOU_TEST_NOCAST (build/selftests/test_rx_nocast): the same cases against
 * fou_rx_tc's and fou_rx_xdp's nocast builds, which kernels before 6.2 get. */
#ifdef FOU_TEST_NOCAST
#include "fou_rx_tc_nocast.skel.h"
#include "fou_rx_xdp_nocast.skel.h"
#define RX_TC_SKEL fou_rx_tc_nocast_bpf
#define RX_XDP_SKEL fou_rx_xdp_nocast_bpf
#else
#include "fou_rx_tc.skel.h"
#include "fou_rx_xdp.skel.h"
#define RX_TC_SKEL fou_rx_tc_bpf
#define RX_XDP_SKEL fou_rx_xdp_bpf
#endif
#include "bpfharness.h"
#include "pktbuild.h"
#include "tap.h"
#include "unit_case.h"

#define BUF_SZ 65600 /* the largest IP packet, and a frame around it */

/* ---- programs and maps ----------------------------------------------- */

static struct ut_hook hooks[2] = { UT_HOOK_XDP, UT_HOOK_TC };
static struct RX_XDP_SKEL *xskel;
static struct RX_TC_SKEL *tskel;

static int load_progs(void)
{
	xskel = BH_OPEN_UNPINNED_X(RX_XDP_SKEL);
	tskel = xskel ? BH_OPEN_UNPINNED_X(RX_TC_SKEL) : NULL;
	if (!xskel || !tskel)
		return -1;
	return ut_hook_fill(&hooks[0], xskel->obj, xskel->progs.fou_rx_xdp) ?:
	       ut_hook_fill(&hooks[1], tskel->obj, tskel->progs.fou_rx_tc);
}

/* ---- configuration ---------------------------------------------------- */

#define P_FOU4    5555 /* FOU ipproto 4, any peer */
#define P_FOU6    5556 /* FOU ipproto 41, any peer */
#define P_FOU6Z   5557 /* FOU ipproto 41, any peer, zero csum over IPv6 ok */
#define P_ONLY4   5558 /* FOU ipproto 4, configured for IPv4 outer only */
#define P_ONLY6   5559 /* FOU ipproto 4, configured for IPv6 outer only */
#define P_GUE     6080 /* GUE, any peer */
#define P_PEER    7000 /* FOU ipproto 4, peers: SRC (port 4000), SRC2 (any) */
#define P_LOCAL   7001 /* FOU ipproto 4, any peer, local = DST */
#define P_DEVLO   7002 /* FOU ipproto 4, any peer, ifindex 1 (lo) */
#define P_DEVX    7003 /* FOU ipproto 4, any peer, ifindex 9999 */
#define P_GUEPEER 7004 /* GUE, no peer allowed */
#define P_MCAST   7005 /* FOU ipproto 4, any peer, multicast */
#define P_GUENORC 7006 /* GUE, any peer, noremcsum */
#define P_GRE     5560 /* FOU ipproto 47 (GRE), any peer, any key */
#define P_GREK    5561 /* FOU ipproto 47, any peer, key GRE_TEST_KEY */
#define P_GUEK    6081 /* GUE, any peer, GRE key GRE_TEST_KEY */
#define GRE_TEST_KEY 0xa1b2c3d4u
#define P_NONE    9999 /* not configured */
#define SPORT     4000

static const char *src_addr(int fam) { return fam == 4 ? "192.0.2.1" : "2001:db8::1"; }
static const char *src2_addr(int fam) { return fam == 4 ? "192.0.2.2" : "2001:db8::2"; }
static const char *src3_addr(int fam) { return fam == 4 ? "192.0.2.99" : "2001:db8::99"; }
static const char *dst_addr(int fam) { return fam == 4 ? "198.51.100.1" : "2001:db8:100::1"; }
static const char *dst2_addr(int fam) { return fam == 4 ? "198.51.100.2" : "2001:db8:100::2"; }
/* not this host's: a transit destination */
static const char *transit_addr(int fam) { return fam == 4 ? "203.0.113.9" : "2001:db8:200::9"; }
#define BCAST4 "198.51.100.255" /* DST's subnet broadcast */

static struct fou_port_key port_key(int fam, uint16_t port)
{
	struct fou_port_key k = { .port = port, .family = fam };

	return k;
}

/* Configure a port on both programs' maps through fouloader's own code.
 * P_PEER gets two peers: SRC (source port SPORT) and SRC2 (any port). */
static int add_port(int fam, uint16_t port, uint8_t kind, uint8_t ipproto,
		    uint16_t flags, uint32_t ifindex)
{
	struct fou_port_key k = port_key(fam, port);
	struct fou_peer_spec peers[2] = {
		{ .addr = bh_addr(fam, src_addr(fam)), .peer_port = SPORT },
		{ .addr = bh_addr(fam, src2_addr(fam)), .peer_port = 0 },
	};
	int npeers = port == P_PEER ? 2 : 0;
	struct fou_port v;
	int i, err;

	memset(&v, 0, sizeof(v));
	v.kind = kind;
	v.ipproto = ipproto;
	v.flags = flags;
	v.ifindex = ifindex;
	if (flags & FOU_PORT_F_GRE_KEY)
		v.gre_key = GRE_TEST_KEY;
	if (flags & FOU_PORT_F_LOCAL)
		v.local = bh_addr(fam, dst_addr(fam));
	for (i = 0; i < 2; i++) {
		err = fou_port_install(&hooks[i].pfds, &k, &v, peers, npeers);
		if (err)
			return err;
	}
	return 0;
}

static int configure(void)
{
	const uint16_t any = FOU_PORT_F_PEER_ANY;
	int fam, err = 0;

	for (fam = 4; fam <= 6; fam += 2) {
		err = err ?: add_port(fam, P_FOU4, FOU_KIND_FOU, 4, any, 0);
		err = err ?: add_port(fam, P_FOU6, FOU_KIND_FOU, 41, any, 0);
		err = err ?: add_port(fam, P_FOU6Z, FOU_KIND_FOU, 41,
				      any | FOU_PORT_F_ZERO_CSUM6, 0);
		err = err ?: add_port(fam, P_GUE, FOU_KIND_GUE, 0, any, 0);
		err = err ?: add_port(fam, P_PEER, FOU_KIND_FOU, 4, 0, 0);
		err = err ?: add_port(fam, P_LOCAL, FOU_KIND_FOU, 4, any | FOU_PORT_F_LOCAL, 0);
		err = err ?: add_port(fam, P_DEVLO, FOU_KIND_FOU, 4, any, 1);
		err = err ?: add_port(fam, P_DEVX, FOU_KIND_FOU, 4, any, 9999);
		err = err ?: add_port(fam, P_GUEPEER, FOU_KIND_GUE, 0, 0, 0);
		err = err ?: add_port(fam, P_MCAST, FOU_KIND_FOU, 4, any | FOU_PORT_F_MULTICAST, 0);
		err = err ?: add_port(fam, P_GUENORC, FOU_KIND_GUE, 0, any | FOU_PORT_F_NOREMCSUM, 0);
		err = err ?: add_port(fam, P_GRE, FOU_KIND_FOU, 47, any, 0);
		err = err ?: add_port(fam, P_GREK, FOU_KIND_FOU, 47, any | FOU_PORT_F_GRE_KEY, 0);
		err = err ?: add_port(fam, P_GUEK, FOU_KIND_GUE, 0, any | FOU_PORT_F_GRE_KEY, 0);
		for (int i = 0; i < 2; i++) {
			struct bpf_object *obj = i ? tskel->obj : xskel->obj;

			err = err ?: bh_add_local(obj, fam, dst_addr(fam), FOU_LOCAL_UNICAST);
			err = err ?: bh_add_local(obj, fam, dst2_addr(fam), FOU_LOCAL_UNICAST);
			if (fam == 4)
				err = err ?: bh_add_local(obj, 4, BCAST4, FOU_LOCAL_BROADCAST);
			/* more than fou_local_inline holds: the last in the hash */
			for (int j = 10; j <= 17; j++) {
				char a[64];

				snprintf(a, sizeof(a), fam == 4 ? "198.51.100.%d" : "2001:db8:100::%d", j);
				err = err ?: bh_add_local(obj, fam, a, FOU_LOCAL_UNICAST);
			}
		}
	}
	err = err ?: add_port(6, P_ONLY6, FOU_KIND_FOU, 4, any, 0);
	return err ?: add_port(4, P_ONLY4, FOU_KIND_FOU, 4, any, 0);
}

/* ---- test cases ------------------------------------------------------- */

enum outcome { DECAP = UT_CHANGED, PASS = UT_PASS, DROP = UT_DROP };

struct tcase {
	char name[128];
	uint8_t in[BUF_SZ];
	struct pkt p;
	int udp, gue, inner;   /* layer indexes, -1 if absent */
	enum outcome out;
	int stat;
	int hooks;
	bool port_set;
	struct fou_port_key pk;
	uint8_t exp[BUF_SZ];
	size_t exp_len;
	size_t inner_bytes;    /* expected rx_bytes delta (diagnostic only) */
};

static struct tcase T;
static uint8_t out_buf[BUF_SZ];

struct outer {
	int fam;
	bool vlan;
	uint16_t sport, dport;
	enum pkt_csum csum;
	uint8_t ecn;
	uint8_t optlen;
	uint16_t frag;
	const char *saddr, *daddr;
};

enum l4kind { L4_TCP, L4_UDP, L4_ICMP };

struct inner {
	int fam;
	enum l4kind l4;
	size_t payload;
	uint8_t ecn;
};

static const uint8_t mac_dst[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
static const uint8_t mac_src[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

static void case_begin(int hk, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void case_begin(int hk, const char *fmt, ...)
{
	BH_CASE_BEGIN(T, fmt);
	T.udp = T.gue = T.inner = -1;
	T.hooks = hk;
}

static void add_eth(struct pkt *p, bool vlan)
{
	struct pkt_eth_opts e = { .vlan = vlan, .vlan_tci = 0x0064 };

	memcpy(e.dst, mac_dst, 6);
	memcpy(e.src, mac_src, 6);
	pkt_eth(p, &e);
}

static int add_ip(struct pkt *p, int fam, const char *s, const char *d, uint8_t tos,
		  uint8_t optlen, uint16_t frag)
{
	if (fam == 4) {
		struct pkt_ip4_opts o = { .saddr = pkt_a4(s), .daddr = pkt_a4(d), .tos = tos,
					  .optlen = optlen, .frag = frag, .id = 0x1234 };

		return pkt_ip4(p, &o);
	} else {
		struct pkt_ip6_opts o = { .saddr = pkt_a6(s), .daddr = pkt_a6(d),
					  .tclass = tos, .flowlabel = 0x12345 };

		return pkt_ip6(p, &o);
	}
}

/* Ethernet, outer IP and UDP; returns the UDP layer. */
static int add_outer(const struct outer *o)
{
	int fam = o->fam ? o->fam : 4;

	add_eth(&T.p, o->vlan);
	add_ip(&T.p, fam, o->saddr ? o->saddr : src_addr(fam),
	       o->daddr ? o->daddr : dst_addr(fam), o->ecn, o->optlen, o->frag);
	T.udp = pkt_udp(&T.p, o->sport ? o->sport : SPORT, o->dport, o->csum);
	return T.udp;
}

/* Inner IP packet with an L4 header and payload; returns the IP layer. */
static int add_inner(const struct inner *in)
{
	int fam = in->fam ? in->fam : 4;

	T.inner = add_ip(&T.p, fam, fam == 4 ? "10.0.0.1" : "fd00::1",
			 fam == 4 ? "10.0.0.2" : "fd00::2", in->ecn, 0, 0);
	if (in->l4 == L4_TCP)
		pkt_tcp(&T.p, 40000, 80);
	else if (in->l4 == L4_UDP)
		pkt_udp(&T.p, 40000, 53, PKT_CSUM_AUTO);
	else
		pkt_icmp_echo(&T.p, 0x4242, 1);
	if (in->payload)
		pkt_payload(&T.p, in->payload, 0x30);
	return T.inner;
}

static void add_gue(uint8_t version, bool c, uint8_t hlen, uint8_t proto,
		    uint16_t flags, const uint8_t *fields, uint8_t flen)
{
	struct pkt_gue_opts g = { .version = version, .control = c, .hlen = hlen,
				  .proto = proto, .flags = flags, .fields = fields,
				  .fields_len = flen };

	T.gue = pkt_gue(&T.p, &g);
}

static void finalize(void)
{
	if (pkt_finalize(&T.p))
		tap_bail("packet builder overflow in case %s", T.name);
}

static void set_port(int fam, uint16_t port)
{
	T.port_set = true;
	T.pk = port_key(fam, port);
}

/* Output of a decapsulation: same MACs (and VLAN tag), EtherType of the
 * inner packet, then the inner IP packet with RFC 6040 ECN applied. */
static void expect_decap(int stat, int fam, uint16_t port, size_t inner_end)
{
	size_t eth_len = T.p.l[0].hdr_len, ioff = pkt_off(&T.p, T.inner);
	int outer = 1;
	uint8_t *in, oecn, iecn, necn;
	bool v4 = T.p.l[T.inner].type == PL_IP4;

	if (!inner_end)
		inner_end = T.p.len;
	T.out = DECAP;
	T.stat = stat;
	set_port(fam, port);
	memcpy(T.exp, T.p.buf, eth_len - 2);
	T.exp[eth_len - 2] = v4 ? 0x08 : 0x86;
	T.exp[eth_len - 1] = v4 ? 0x00 : 0xdd;
	memcpy(T.exp + eth_len, T.p.buf + ioff, inner_end - ioff);
	T.exp_len = eth_len + inner_end - ioff;
	T.inner_bytes = inner_end - ioff;

	oecn = T.p.l[outer].type == PL_IP4 ? T.p.buf[T.p.l[outer].off + 1] & 3
					   : (pkt_get16(&T.p, T.p.l[outer].off) >> 4) & 3;
	in = T.exp + eth_len;
	iecn = v4 ? in[1] & 3 : (in[1] >> 4) & 3;
	/* RFC 6040 4.2: outer CE over ECT(0)/ECT(1) gives CE, outer ECT(1)
	 * over ECT(0) gives ECT(1) (as the kernel's tunnels do) */
	necn = oecn == 3 && (iecn == 1 || iecn == 2) ? 3 : oecn == 1 && iecn == 2 ? 1 : iecn;
	if (necn == iecn)
		return;
	if (v4) {
		in[1] = (in[1] & ~3) | necn;
		in[10] = in[11] = 0;
		uint16_t c = ip4_hdr_csum(in, (in[0] & 0xf) * 4);
		in[10] = c >> 8;
		in[11] = c & 0xff;
	} else {
		in[1] = (in[1] & ~0x30) | necn << 4;
	}
}

static void expect_pass(int stat)
{
	T.out = PASS;
	T.stat = stat;
}

static void expect_pass_port(int stat, int fam, uint16_t port)
{
	expect_pass(stat);
	set_port(fam, port);
}

static void expect_drop(int stat, int fam, uint16_t port)
{
	T.out = DROP;
	T.stat = stat;
	set_port(fam, port);
}

/* ---- running ---------------------------------------------------------- */

static void check_port_stats(const struct fou_port_stats *b, const struct fou_port_stats *a)
{
	ut_check_port_moved(b, a, T.out == DECAP, T.out == DROP);
	if (T.out == DECAP && a->rx_bytes - b->rx_bytes != T.inner_bytes)
		tap_note("%s: port rx_bytes moved by %llu (inner IP packet: %zu bytes)",
			 T.name, (unsigned long long)(a->rx_bytes - b->rx_bytes), T.inner_bytes);
}

/* test_run's refusals that are no failure of ours: SKIP, with the reason. */
static bool refused(const struct ut_hook *h, int err)
{
	if (err == -EINVAL && (T.p.len < 14 || T.p.len > 3700)) {
		tap_skip("%s: %s: test_run refuses a %zu-byte frame (EINVAL)",
			 h->name, T.name, T.p.len);
		return true;
	}
	if (err == -EINVAL && h->id == H_TC && T.stat == FOU_STAT_PASS_SHORT) {
		tap_skip("%s: %s: skb test_run refuses a frame with an incomplete IP header (EINVAL)",
			 h->name, T.name);
		return true;
	}
	return false;
}

static void run_on(const struct ut_hook *h)
{
	uint64_t before[FOU_STAT__COUNT], after[FOU_STAT__COUNT];
	int want[FOU_STAT__COUNT] = { 0 };
	struct fou_port_stats pb, pa;
	const struct ut_ctx none = { 0 };
	struct ut_io io = UT_IO(T.p, out_buf);
	int err;

	tap_begin();
	ASSERT_OK(bh_read_stats(h->stats_fd, before), "read fou_stats");
	if (T.port_set)
		ASSERT_OK(ut_port_stats(h, &T.pk, false, &pb), "read fou_port_stats");
	err = ut_test_run(h, &none, &io);
	if (refused(h, err))
		return;
	ASSERT_OK(err, "bpf_prog_test_run_opts");
	ut_check_output(h, T.out, &io, T.exp, T.exp_len);
	ASSERT_OK(bh_read_stats(h->stats_fd, after), "read fou_stats");
	want[T.stat] = 1;
	ut_check_counters(before, after, want);
	if (T.port_set) {
		ASSERT_OK(ut_port_stats(h, &T.pk, false, &pa), "read fou_port_stats");
		check_port_stats(&pb, &pa);
	}
cleanup:
	tap_end("%s: %s", h->name, T.name);
}

static void run(void)
{
	ut_run_hooks(hooks, 2, T.hooks, T.name, run_on);
}

/* ---- the cases: rows ---------------------------------------------------- */

static const char *fn(int fam) { return fam == 4 ? "4" : "6"; }

/* Where a row's outer address comes from, per outer family (A_DEF: the
 * builder's default, or the literal in .o). */
enum addr_sel { A_DEF, A_SRC, A_SRC2, A_SRC3, A_DST2, A_TRANSIT, A_LOCAL17 };

static const char *addr_of(uint8_t sel, int fam)
{
	switch (sel) {
	case A_SRC: return src_addr(fam);
	case A_SRC2: return src2_addr(fam);
	case A_SRC3: return src3_addr(fam);
	case A_DST2: return dst2_addr(fam);
	case A_TRANSIT: return transit_addr(fam);
	case A_LOCAL17: return fam == 4 ? "198.51.100.17" : "2001:db8:100::17"; /* in the hash */
	}
	return NULL;
}

#define IFAM_OUTER 1 /* .in.fam: the outer family's */

/*
 * One receive case (the format: unit_case.h). The builder makes the packet
 * from the row (b_tunnel: Ethernet, outer IP and UDP from .o, a GUE header
 * if .gue, the inner packet from .in); .stat names the one counter and so
 * the verdict: decapsulated (bytes: the inner packet, RFC 6040 ECN applied),
 * dropped, or passed unchanged; the port counters are checked against it.
 * .poke runs after the expectation is taken: a corruption, or an edit of
 * the expected bytes.
 */
struct rx_row {
	const char *id, *what;
	uint8_t hooks, fams;                      /* 0: H_RX, F_BOTH */
	void (*build)(const struct rx_row *r, int fam); /* NULL: b_tunnel */
	struct outer o;                           /* .dport 0: by inner family */
	uint8_t src, dst;                         /* enum addr_sel */
	bool gue;
	struct pkt_gue_opts g;
	struct inner in;                          /* .fam 0: IPv4 */
	size_t n;                                 /* b_tunnel: the frame's size */
	int a, b;                                 /* the builder's or poke's numbers */
	const void *bytes;                        /* b_raw, b_ext6: what to put */
	void (*poke)(const struct rx_row *r, int fam);
	int stat;                                 /* FOU_STAT_* */
};

#define S(x) FOU_STAT_##x

static int inner_fam(const struct rx_row *r, int fam)
{
	return r->in.fam == IFAM_OUTER ? fam : r->in.fam ? r->in.fam : 4;
}

static uint16_t row_port(const struct rx_row *r, int fam)
{
	return r->o.dport ? r->o.dport : inner_fam(r, fam) == 4 ? P_FOU4 : P_FOU6;
}

/* Payload bytes that make a frame of total bytes. */
static size_t fill_to(size_t total, int fam, int ifam, bool gue)
{
	size_t hdr = 14 + (fam == 4 ? 20 : 40) + 8 + (gue ? 4 : 0) + (ifam == 4 ? 20 : 40) + 8;

	return total - hdr;
}

/* Ethernet, outer IP and UDP as the row says. */
static void row_outer(const struct rx_row *r, int fam)
{
	struct outer o = r->o;

	o.fam = fam;
	o.dport = row_port(r, fam);
	o.saddr = o.saddr ? o.saddr : addr_of(r->src, fam);
	o.daddr = o.daddr ? o.daddr : addr_of(r->dst, fam);
	add_outer(&o);
}

static void b_tunnel(const struct rx_row *r, int fam)
{
	struct inner in = r->in;

	in.fam = inner_fam(r, fam);
	if (r->n)
		in.payload = fill_to(r->n, fam, in.fam, r->gue);
	row_outer(r, fam);
	if (r->gue)
		T.gue = pkt_gue(&T.p, &r->g);
	add_inner(&in);
	finalize();
	if (r->n && T.p.len != r->n)
		tap_bail("%s: built %zu bytes, wanted %zu", T.name, T.p.len, r->n);
}

/* r->n bytes of r->bytes as the UDP payload. */
static void b_raw(const struct rx_row *r, int fam)
{
	row_outer(r, fam);
	if (r->n)
		pkt_bytes(&T.p, r->bytes, r->n);
	finalize();
}

static void b_arp(const struct rx_row *r, int fam)
{
	static const uint8_t arp[28] = { 0, 1, 8, 0, 6, 4, 0, 1 };
	struct pkt_eth_opts e = { .type = 0x0806 };

	(void)r, (void)fam;
	memcpy(e.dst, mac_dst, 6);
	memcpy(e.src, mac_src, 6);
	pkt_eth(&T.p, &e);
	pkt_bytes(&T.p, arp, sizeof(arp));
	finalize();
}

/* IP to this host with no UDP in it: TCP (r->a 0) or ICMP echo, cut by r->n. */
static void b_not_udp(const struct rx_row *r, int fam)
{
	add_eth(&T.p, false);
	add_ip(&T.p, fam, src_addr(fam), dst_addr(fam), 0, r->o.optlen, 0);
	if (r->a)
		pkt_icmp_echo(&T.p, 1, 2);
	else
		pkt_tcp(&T.p, 1234, P_FOU4);
	pkt_payload(&T.p, 30, 1);
	finalize();
	pkt_truncate(&T.p, T.p.len - r->n);
}

/* One Hop-by-Hop (0) or Destination Options (60) header: @opts from its
 * third byte on; what @n bytes leave of (len8 + 1) * 8 - 2 stays zero. */
struct ext6 {
	uint8_t type, len8, n;
	uint8_t opts[64];
};

/* FOU over IPv6 through r->n extension headers r->bytes (struct ext6);
 * r->a: the headers as pktbuild makes them, their bytes not set. */
static void b_ext6(const struct rx_row *r, int fam)
{
	const struct ext6 *e = r->bytes;
	struct inner in = { .fam = 4, .l4 = L4_UDP, .payload = 20 };

	add_eth(&T.p, false);
	add_ip(&T.p, fam, src_addr(fam), dst_addr(fam), 0, 0, 0);
	for (size_t i = 0; i < r->n; i++) {
		int l = pkt_ip6_ext(&T.p, e[i].type, e[i].len8);
		uint8_t *h = T.p.buf + T.p.l[l].off;

		if (r->a)
			continue;
		memset(h + 2, 0, (e[i].len8 + 1) * 8 - 2);
		memcpy(h + 2, e[i].opts, e[i].n);
	}
	T.udp = pkt_udp(&T.p, SPORT, row_port(r, fam), PKT_CSUM_AUTO);
	add_inner(&in);
	finalize();
}

/* The expectation .stat implies, for the port the packet went to. */
static void expect_row(const struct rx_row *r, int fam)
{
	uint16_t port = row_port(r, fam);

	if (r->stat == FOU_STAT_RX_DECAP_FOU || r->stat == FOU_STAT_RX_DECAP_GUE)
		expect_decap(r->stat, fam, port, 0);
	else if (FOU_STAT_IS_DROP(r->stat))
		expect_drop(r->stat, fam, port);
	else
		expect_pass_port(r->stat, fam, port);
}

static void run_row(const struct rx_row *r, int fam)
{
	if (r->fams & F_ONCE)
		case_begin(r->hooks ? r->hooks : H_RX, "%s: %s", r->id, r->what);
	else
		case_begin(r->hooks ? r->hooks : H_RX, "%s: %s (outer IPv%d)", r->id, r->what, fam);
	(r->build ? r->build : b_tunnel)(r, fam);
	expect_row(r, fam);
	if (r->poke)
		r->poke(r, fam);
	run();
}

#define RUN_ROWS(t) UT_RUN_ROWS(t, run_row)

/* ---- pokes: after the expectation ---------------------------------------- */

/* The outer IPv4 header's byte r->a xor r->b, its checksum left as it was. */
static void p_ip4_xor(const struct rx_row *r, int fam)
{
	(void)fam;
	T.p.buf[T.p.l[1].off + r->a] ^= r->b;
}

static void p_ip4_dead(const struct rx_row *r, int fam)
{
	(void)r, (void)fam;
	T.p.buf[T.p.l[1].off + 10] = 0xde;
	T.p.buf[T.p.l[1].off + 11] = 0xad;
}

static void p_flip_last(const struct rx_row *r, int fam)
{
	(void)r, (void)fam;
	T.p.buf[T.p.len - 1] ^= 0x10;
}

/* GUE header byte r->a becomes r->b, the UDP checksum follows. */
static void p_gue8(const struct rx_row *r, int fam)
{
	(void)fam;
	T.p.buf[pkt_off(&T.p, T.gue) + r->a] = r->b;
	pkt_l4_fix_csum(&T.p, T.udp, PKT_CSUM_AUTO);
}

/* The inner IP length by r->a, the headers' checksums kept valid. */
static void p_inner_len(const struct rx_row *r, int fam)
{
	size_t off = pkt_off(&T.p, T.inner);

	(void)fam;
	if (T.p.l[T.inner].type == PL_IP4) {
		pkt_put16(&T.p, off + 2, pkt_get16(&T.p, off + 2) + r->a);
		pkt_ip4_fix_csum(&T.p, T.inner);
	} else {
		pkt_put16(&T.p, off + 4, pkt_get16(&T.p, off + 4) + r->a);
	}
	pkt_l4_fix_csum(&T.p, T.udp, PKT_CSUM_AUTO);
}

/* Outer lengths that lie: IP length by r->a, UDP length by r->b (-1000:
 * a UDP length of 4). */
static void p_outer_len(const struct rx_row *r, int fam)
{
	size_t ipoff = pkt_off(&T.p, 1), ulen = pkt_off(&T.p, T.udp) + 4;

	if (r->a && fam == 4) {
		pkt_put16(&T.p, ipoff + 2, pkt_get16(&T.p, ipoff + 2) + r->a);
		pkt_ip4_fix_csum(&T.p, 1);
	} else if (r->a) {
		pkt_put16(&T.p, ipoff + 4, pkt_get16(&T.p, ipoff + 4) + r->a);
	}
	if (r->b == -1000)
		pkt_put16(&T.p, ulen, 4);
	else if (r->b)
		pkt_put16(&T.p, ulen, pkt_get16(&T.p, ulen) + r->b);
}

/* Ethernet padding after the IP packet: not part of what is decapsulated. */
static void p_pad6(const struct rx_row *r, int fam)
{
	(void)r, (void)fam;
	pkt_bytes(&T.p, "\0\0\0\0\0\0", 6);
}

/* Cut to r->a bytes plus r->b halves of the outer IP header (the lengths
 * still say the full size). */
static void p_cut(const struct rx_row *r, int fam)
{
	pkt_truncate(&T.p, r->a + r->b * (fam == 4 ? 20 : 40) / 2);
}

/* ---- the tables ----------------------------------------------------------- */

static const uint8_t zero4[4], zero8[8];
static const uint8_t opaque12[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
#define GUE0 .gue = true, .o.dport = P_GUE

static const struct rx_row rows_basic[] = {
	{ "fou", "FOU 4in (port 5555 ipproto 4)", .o.dport = P_FOU4,
	  .in = { .fam = 4, .l4 = L4_TCP, .payload = 100 }, .stat = S(RX_DECAP_FOU) },
	{ "fou", "FOU 6in (port 5556 ipproto 41)", .o.dport = P_FOU6,
	  .in = { .fam = 6, .l4 = L4_UDP, .payload = 100 }, .stat = S(RX_DECAP_FOU) },
	{ "fou_zero_csum6", "FOU 6in, port with zero-csum6 flag, csum set", .o.dport = P_FOU6Z,
	  .in = { .fam = 6, .l4 = L4_UDP, .payload = 100 }, .stat = S(RX_DECAP_FOU) },
	{ "fou_dev", "FOU 4in, port bound to ifindex 1 = lo", .o.dport = P_DEVLO,
	  .in = { .fam = 4, .l4 = L4_TCP, .payload = 100 }, .stat = S(RX_DECAP_FOU) },
	{ "fou_local", "FOU 4in, port with local = destination", .o.dport = P_LOCAL,
	  .in = { .fam = 4, .l4 = L4_TCP, .payload = 100 }, .stat = S(RX_DECAP_FOU) },
	{ "gue", "GUE v0 4in, hlen 0", GUE0,
	  .in = { .fam = 4, .l4 = L4_ICMP, .payload = 56 }, .stat = S(RX_DECAP_GUE) },
	{ "gue", "GUE v0 6in, hlen 0", GUE0,
	  .in = { .fam = 6, .l4 = L4_ICMP, .payload = 56 }, .stat = S(RX_DECAP_GUE) },
	{ "gue_priv", "GUE v0 4in, PRIV, zero private flags", GUE0,
	  .g = { .hlen = 1, .flags = PKT_GUE_F_PRIV, .fields = zero4, .fields_len = 4 },
	  .in = { .fam = 4, .l4 = L4_ICMP, .payload = 56 }, .stat = S(RX_DECAP_GUE) },
	{ "gue_priv", "GUE v0 6in, PRIV, hlen 2 (extra field)", GUE0,
	  .g = { .hlen = 2, .flags = PKT_GUE_F_PRIV, .fields = zero8, .fields_len = 8 },
	  .in = { .fam = 6, .l4 = L4_ICMP, .payload = 56 }, .stat = S(RX_DECAP_GUE) },
	{ "gue_opaque", "GUE v0 4in, no flags, hlen 3 (opaque fields)", GUE0,
	  .g = { .hlen = 3, .fields = opaque12, .fields_len = 12 },
	  .in = { .fam = 4, .l4 = L4_ICMP, .payload = 56 }, .stat = S(RX_DECAP_GUE) },
	{ "gue_v1", "GUE v1 (direct IP) 4in", .o.dport = P_GUE,
	  .in = { .fam = 4, .l4 = L4_UDP, .payload = 77 }, .stat = S(RX_DECAP_GUE) },
	{ "gue_v1", "GUE v1 (direct IP) 6in", .o.dport = P_GUE,
	  .in = { .fam = 6, .l4 = L4_UDP, .payload = 77 }, .stat = S(RX_DECAP_GUE) },
	{ "vlan", "FOU 4in VLAN-tagged", H_XDP, .o = { .dport = P_FOU4, .vlan = true },
	  .in = { .fam = 4, .l4 = L4_TCP, .payload = 40 }, .stat = S(RX_DECAP_FOU) },
	{ "vlan", "GUE v0 6in VLAN-tagged", H_XDP, .o = { .dport = P_GUE, .vlan = true },
	  .gue = true, .in = { .fam = 6, .l4 = L4_TCP, .payload = 40 }, .stat = S(RX_DECAP_GUE) },
};

#define IP4OPT(n) \
	{ "ip4_options", "FOU 4in outer IPv4 options (ihl " #n ")", .fams = F_4,           \
	  .o = { .dport = P_FOU4, .optlen = ((n) - 5) * 4 },                               \
	  .in = { .fam = 4, .l4 = L4_TCP, .payload = 64 }, .stat = S(RX_DECAP_FOU) },      \
	{ "ip4_options", "GUE v0 6in outer IPv4 options (ihl " #n ")", .fams = F_4,        \
	  .o = { .dport = P_GUE, .optlen = ((n) - 5) * 4 }, .gue = true,                   \
	  .in = { .fam = 6, .l4 = L4_TCP, .payload = 64 }, .stat = S(RX_DECAP_GUE) }
/* An outer IPv4 header whose byte at changed after its checksum was
 * computed: ours, dropped, whatever the UDP checksum says. */
#define IP4BAD(opt, at, x, cs, w) \
	{ "ip4_hdr_csum", "FOU 4in outer IPv4 header (ihl " #opt ") " w, .fams = F_4,       \
	  .o = { .dport = P_FOU4, .optlen = ((opt) - 5) * 4, .csum = PKT_CSUM_##cs },       \
	  .in = { .fam = 4, .l4 = L4_ICMP, .payload = 32 }, .a = at, .b = x,               \
	  .poke = p_ip4_xor, .stat = S(DROP_IP4_HDR_CSUM) }

static const struct rx_row rows_ip4_hdr[] = {
	IP4OPT(6),
	IP4OPT(15),
	IP4BAD(5, 10, 0x01, ZERO, "checksum off by one bit"),
	IP4BAD(5, 8, 0x10, AUTO, "TTL changed, UDP checksum valid"),
	IP4BAD(5, 5, 0x80, ZERO, "ID changed"),
	IP4BAD(6, 21, 0x02, ZERO, "option byte changed"),
	IP4BAD(15, 59, 0x40, AUTO, "last option byte changed"),
	{ "ip4_hdr_csum", "FOU 4in outer IPv4 header checksum 0xdead", .fams = F_4,
	  .o = { .dport = P_FOU4, .csum = PKT_CSUM_ZERO },
	  .in = { .fam = 4, .l4 = L4_ICMP, .payload = 32 }, .poke = p_ip4_dead,
	  .stat = S(DROP_IP4_HDR_CSUM) },
};

/* A FOU 4in packet (6in to the IPv6 ports) from a source, to a port. */
#define PEER(id, w, f, s, sp, dp, cs, st) \
	{ id, w, .fams = f, .src = s, .o = { .sport = sp, .dport = dp, .csum = PKT_CSUM_##cs }, \
	  .in = { .fam = (dp) == P_FOU6 || (dp) == P_FOU6Z ? 6 : 4, .l4 = L4_ICMP,            \
		  .payload = 32 }, .stat = S(st) }
/* 'peer any' takes any source the kernel decapsulates from (its martians,
 * what ip6tnl refuses as a remote and this host's own addresses are
 * drop_peer), found by the differential check against the kernel. */
#define MARTIAN(a, f, st) \
	{ "martian", "peer any, source " a, .fams = f, .o = { .saddr = a, .sport = 1234, \
	  .dport = P_FOU4 }, .in = { .fam = 4, .l4 = L4_ICMP, .payload = 32 }, .stat = S(st) }

static const struct rx_row rows_peers[] = {
	PEER("peer", "peer with exact peer_port", 0, A_SRC, SPORT, P_PEER, AUTO, RX_DECAP_FOU),
	PEER("peer", "peer, wrong source port", 0, A_SRC, SPORT + 1, P_PEER, AUTO,
	     DROP_PEER_PORT),
	PEER("peer", "peer with peer_port 0 (any)", 0, A_SRC2, 5123, P_PEER, AUTO, RX_DECAP_FOU),
	PEER("peer", "source not an allowed peer", 0, A_SRC3, SPORT, P_PEER, AUTO, DROP_PEER),
	PEER("peer", "peer any, arbitrary source", 0, A_SRC3, 1234, P_FOU4, AUTO, RX_DECAP_FOU),
	MARTIAN("0.0.0.0", F_4, DROP_PEER),
	MARTIAN("127.0.0.2", F_4, DROP_PEER),
	MARTIAN("224.0.0.5", F_4, DROP_PEER),
	MARTIAN("235.0.113.7", F_4, DROP_PEER),
	MARTIAN("255.255.255.255", F_4, DROP_PEER),
	MARTIAN("198.51.100.2", F_4, DROP_PEER),
	MARTIAN("::", F_6, DROP_PEER),
	MARTIAN("::1", F_6, DROP_PEER),
	MARTIAN("ff02::1", F_6, DROP_PEER),
	MARTIAN("ff0e::1", F_6, DROP_PEER),
	MARTIAN("fe80::1", F_6, DROP_PEER),
	MARTIAN("::ffff:192.0.2.1", F_6, DROP_PEER),
	MARTIAN("2001:db8:100::2", F_6, DROP_PEER),
	MARTIAN("0.0.0.1", F_4, RX_DECAP_FOU),
	MARTIAN(BCAST4, F_4, RX_DECAP_FOU),
	MARTIAN("2001:db8:7::7", F_6, RX_DECAP_FOU),
	MARTIAN("::192.0.2.1", F_6, RX_DECAP_FOU),
	{ "peer", "GUE port without any allowed peer", .fams = F_6,
	  .o.dport = P_GUEPEER, .gue = true, .in = { .fam = 6, .l4 = L4_TCP },
	  .stat = S(DROP_PEER) },
	PEER("csum", "valid non-zero UDP checksum", 0, A_DEF, SPORT, P_FOU4, AUTO, RX_DECAP_FOU),
	PEER("csum", "wrong UDP checksum", 0, A_DEF, SPORT, P_FOU4, BAD, DROP_UDP_CSUM),
	PEER("csum", "wrong UDP checksum, 6in", 0, A_DEF, SPORT, P_FOU6, BAD, DROP_UDP_CSUM),
	PEER("csum_zero", "zero UDP checksum over IPv4", F_4, A_DEF, SPORT, P_FOU4, ZERO,
	     RX_DECAP_FOU),
	PEER("csum_zero", "zero UDP checksum over IPv4, 6in4", F_4, A_DEF, SPORT, P_FOU6, ZERO,
	     RX_DECAP_FOU),
	PEER("csum_zero", "zero UDP checksum over IPv6, no flag", F_6, A_DEF, SPORT, P_FOU6, ZERO,
	     DROP_ZERO_CSUM6),
	PEER("csum_zero", "zero UDP checksum over IPv6, no flag, 4in6", F_6, A_DEF, SPORT, P_FOU4,
	     ZERO, DROP_ZERO_CSUM6),
	PEER("csum_zero", "zero UDP checksum over IPv6 with ZERO_CSUM6", F_6, A_DEF, SPORT,
	     P_FOU6Z, ZERO, RX_DECAP_FOU),
	/* Named peers: the source was checked, so zero is fine (GSO from
	 * fouloader and the kernel's noencap-udp6-csum send it). */
	PEER("csum_zero", "zero UDP checksum over IPv6, port with named peers", F_6, A_SRC2, 5123,
	     P_PEER, ZERO, RX_DECAP_FOU),
	PEER("csum_zero", "zero UDP checksum over IPv6 from a source not a peer", F_6, A_SRC3,
	     SPORT, P_PEER, ZERO, DROP_PEER),
	{ "csum", "GUE v0 wrong UDP checksum", .fams = F_6, .o = { .dport = P_GUE,
	  .csum = PKT_CSUM_BAD }, .gue = true, .in = { .fam = 4, .l4 = L4_UDP, .payload = 10 },
	  .stat = S(DROP_UDP_CSUM) },
};

/* Inner ICMP echo with a payload of n bytes (odd lengths on purpose), or a
 * frame of n bytes (FILL). */
#define SIZED(h, w, ifm, n_, gue_, cs, st) \
	{ "size", w, h, .o = { .dport = (gue_) ? P_GUE : 0, .csum = PKT_CSUM_##cs },   \
	  .gue = gue_, .in = { .fam = ifm, .l4 = L4_ICMP, .payload = n_ }, .stat = S(st) }
#define FILL(h, w, ifm, n_, gue_, cs, st) \
	{ "size", w, h, .o = { .dport = (gue_) ? P_GUE : 0, .csum = PKT_CSUM_##cs },   \
	  .gue = gue_, .in = { .fam = ifm, .l4 = L4_ICMP }, .n = n_, .stat = S(st) }
/* Datagrams past 16 KiB, which XDP sees in several buffers: the checksum
 * must cover every byte, the last ones too (they were once read from a
 * wrapped offset); then one bit of the last byte flipped. skb test_run
 * takes at most a page, so TC is tested at these sizes end to end
 * (test_decap_tc.t). */
#define LARGE(n_, f) \
	{ "large", "FOU frame " #n_ " bytes, valid checksum", H_XDP, f,                 \
	  .in = { .fam = IFAM_OUTER, .l4 = L4_ICMP }, .n = n_, .stat = S(RX_DECAP_FOU) }, \
	{ "large", "FOU frame " #n_ " bytes, last byte corrupted", H_XDP, f,            \
	  .in = { .fam = IFAM_OUTER, .l4 = L4_ICMP }, .n = n_, .poke = p_flip_last,       \
	  .stat = S(DROP_UDP_CSUM) }

static const struct rx_row rows_sizes[] = {
	SIZED(0, "FOU 4in inner payload 0", 4, 0, false, AUTO, RX_DECAP_FOU),
	SIZED(0, "FOU 4in inner payload 1", 4, 1, false, AUTO, RX_DECAP_FOU),
	SIZED(0, "FOU 4in inner payload 33", 4, 33, false, AUTO, RX_DECAP_FOU),
	SIZED(0, "FOU 4in inner payload 1001", 4, 1001, false, AUTO, RX_DECAP_FOU),
	SIZED(0, "FOU 6in inner payload 1, wrong checksum", 6, 1, false, BAD, DROP_UDP_CSUM),
	SIZED(0, "GUE v0 6in inner payload 333", 6, 333, true, AUTO, RX_DECAP_GUE),
	FILL(0, "FOU 4in frame 1500 bytes", 4, 1500, false, AUTO, RX_DECAP_FOU),
	FILL(0, "GUE v0 6in frame 1501 bytes", 6, 1501, true, AUTO, RX_DECAP_GUE),
	FILL(0, "FOU 4in frame 1500 bytes, wrong checksum", 4, 1500, false, BAD, DROP_UDP_CSUM),
	FILL(0, "FOU 6in frame 3500 bytes", 6, 3500, false, AUTO, RX_DECAP_FOU),
	FILL(0, "GUE v0 4in frame 3499 bytes", 4, 3499, true, AUTO, RX_DECAP_GUE),
	FILL(0, "FOU 4in frame 3500 bytes, wrong checksum", 4, 3500, false, BAD, DROP_UDP_CSUM),
	FILL(H_TC, "FOU 4in frame 3700 bytes", 4, 3700, false, AUTO, RX_DECAP_FOU),
	FILL(0, "FOU 4in frame 4000 bytes", 4, 4000, false, AUTO, RX_DECAP_FOU),
	FILL(0, "GUE v0 6in frame 4001 bytes", 6, 4001, true, AUTO, RX_DECAP_GUE),
	FILL(0, "FOU 4in frame 4000 bytes, wrong checksum", 4, 4000, false, BAD, DROP_UDP_CSUM),
	/* remainders mod 32 of the UDP length from 0 to 31, around 16384
	 * from the frame's start and from the UDP header; then up to the
	 * largest */
	LARGE(16300, 0), LARGE(16383, 0), LARGE(16384, 0), LARGE(16385, 0), LARGE(16388, 0),
	LARGE(16401, 0), LARGE(16415, 0), LARGE(16447, 0), LARGE(17000, 0), LARGE(19999, 0),
	LARGE(20001, 0), LARGE(32768, 0), LARGE(45055, 0), LARGE(60001, 0),
	LARGE(65549, F_4), /* 14 + 65535 */
};

/* Outer ECN over inner ECN (RFC 6040 decapsulation): outer CE over Not-ECT
 * is dropped; the expected bytes carry the combination (expect_decap). */
#define ECN1(gue_, ifm, oe, ie) \
	{ "ecn", (gue_) ? "GUE v0 " #ifm "in outer ECN " #oe " inner ECN " #ie                \
			: "FOU " #ifm "in outer ECN " #oe " inner ECN " #ie,                  \
	  .o = { .dport = (gue_) ? P_GUE : 0, .ecn = oe }, .gue = gue_,                        \
	  .in = { .fam = ifm, .l4 = L4_TCP, .payload = 20, .ecn = ie },                        \
	  .stat = (oe) == 3 && (ie) == 0 ? S(DROP_ECN) : (gue_) ? S(RX_DECAP_GUE) : S(RX_DECAP_FOU) }
#define ECN(ifm) \
	ECN1(false, ifm, 3, 0), ECN1(false, ifm, 3, 1), ECN1(false, ifm, 3, 2),               \
	ECN1(false, ifm, 3, 3), ECN1(false, ifm, 2, 0), ECN1(false, ifm, 2, 1),               \
	ECN1(false, ifm, 1, 0), ECN1(false, ifm, 1, 1),                                       \
	ECN1(false, ifm, 1, 2), /* ECT(1) wins over ECT(0) */                                 \
	ECN1(false, ifm, 1, 3)

static const struct rx_row rows_ecn[] = {
	ECN(4),
	ECN(6),
	ECN1(true, 4, 3, 2),
	ECN1(true, 6, 1, 2),
	ECN1(true, 6, 3, 0),
};

/* FOU 4in to a destination on a port: decapsulated only if addressed to
 * this host, and broadcast or multicast only on a port with 'multicast'. */
#define DEST(w, f, dp, d, da, st) \
	{ "dest", w, .fams = f, .o = { .dport = dp, .daddr = da }, .dst = d,      \
	  .in = { .fam = 4, .l4 = L4_ICMP, .payload = 32 }, .stat = S(st) }

static const struct rx_row rows_dest[] = {
	{ "local_dev", "FOU to a local-bound port, other destination",
	  .o.dport = P_LOCAL, .dst = A_DST2, .in = { .fam = 4, .l4 = L4_UDP, .payload = 12 },
	  .stat = S(PASS_OTHER_LOCAL) },
	PEER("local_dev", "FOU to a port bound to ifindex 9999", 0, A_DEF, SPORT, P_DEVX, AUTO,
	     PASS_OTHER_DEV),
	DEST("transit", 0, P_FOU4, A_TRANSIT, NULL, PASS_NOT_LOCAL),
	DEST("transit, even with multicast", 0, P_MCAST, A_TRANSIT, NULL, PASS_NOT_LOCAL),
	DEST("another local address", 0, P_FOU4, A_DST2, NULL, RX_DECAP_FOU),
	DEST("local, beyond the in-place addresses", 0, P_FOU4, A_LOCAL17, NULL, RX_DECAP_FOU),
	DEST("limited broadcast", F_4, P_FOU4, 0, "255.255.255.255", PASS_MULTICAST),
	DEST("multicast 224.0.0.5", F_4, P_FOU4, 0, "224.0.0.5", PASS_MULTICAST),
	DEST("subnet broadcast", F_4, P_FOU4, 0, BCAST4, PASS_MULTICAST),
	DEST("all-nodes multicast", F_6, P_FOU4, 0, "ff02::1", PASS_MULTICAST),
	DEST("site-local multicast", F_6, P_FOU4, 0, "ff05::2", PASS_MULTICAST),
	DEST("limited broadcast, port multicast", F_4, P_MCAST, 0, "255.255.255.255",
	     RX_DECAP_FOU),
	DEST("multicast 224.0.0.5, port multicast", F_4, P_MCAST, 0, "224.0.0.5", RX_DECAP_FOU),
	DEST("subnet broadcast, port multicast", F_4, P_MCAST, 0, BCAST4, RX_DECAP_FOU),
	DEST("all-nodes multicast, port multicast", F_6, P_MCAST, 0, "ff02::1", RX_DECAP_FOU),
	DEST("unicast, port multicast", F_4, P_MCAST, 0, NULL, RX_DECAP_FOU),
	/* 'local ADDR' decides alone, as before */
	DEST("the port's local address", F_4, P_LOCAL, 0, NULL, RX_DECAP_FOU),
};

/* One Hop-by-Hop or Destination Options header of len8; its options. */
#define EXT6(t, l, ...) { .type = t, .len8 = l, .n = sizeof((uint8_t[]){ __VA_ARGS__ }), \
			  .opts = { __VA_ARGS__ } }
#define HBH   0
#define DSTOPT 60
/* Padding that fills an 8-byte header after a 3-byte option. */
#define PAD3  0x01, 0x01, 0x00
/* FOU over IPv6 through extension headers: decapsulated, passed untouched
 * (the kernel's to judge), or dropped. */
#define CHAIN_TO(dp, st, w, ...) \
	{ "ip6_ext", w, .fams = F_6, .build = b_ext6, .o.dport = dp, .stat = S(st),       \
	  .bytes = (const struct ext6[]){ __VA_ARGS__ },                                  \
	  .n = sizeof((const struct ext6[]){ __VA_ARGS__ }) / sizeof(struct ext6) }
#define CHAIN(st, w, ...) CHAIN_TO(P_FOU4, st, w, __VA_ARGS__)
#define FRAG(w, fr, st) \
	{ "frag", "outer IPv4 " w, .fams = F_4, .o = { .dport = P_FOU4, .frag = fr },   \
	  .in = { .fam = 4, .l4 = L4_UDP, .payload = 20 }, .stat = S(st) }

static const struct rx_row rows_not_ours[] = {
	{ "not_ip", "ARP", .fams = F_ONCE, .build = b_arp, .stat = S(PASS_NOT_IP) },
	{ "not_udp", "TCP", .build = b_not_udp, .stat = S(PASS_NOT_UDP) },
	/* Not an error: how much of it there is does not matter, also with
	 * its IP length past the frame (found by the fuzzer). */
	{ "not_udp", "ICMP echo", .build = b_not_udp, .a = 1, .stat = S(PASS_NOT_UDP) },
	{ "not_udp", "ICMP echo, IP length past the frame", .build = b_not_udp, .a = 1, .n = 20,
	  .stat = S(PASS_NOT_UDP) },
	PEER("no_port", "UDP to an unconfigured port", 0, A_DEF, SPORT, P_NONE, AUTO,
	     PASS_NO_PORT),
	{ "no_port", "VLAN-tagged UDP to an unconfigured port", H_XDP,
	  .o = { .dport = P_NONE, .vlan = true }, .in = { .fam = 4 }, .stat = S(PASS_NO_PORT) },
	PEER("no_port", "UDP to a port configured for IPv4 only", F_6, A_DEF, SPORT, P_ONLY4, AUTO,
	     PASS_NO_PORT),
	/* What the entry points pass from the headers alone (frame_not_ours),
	 * and what they leave to the full path, count the same. */
	PEER("no_port", "UDP to a port configured for IPv6 only", F_4, A_DEF, SPORT, P_ONLY6, AUTO,
	     PASS_NO_PORT),
	PEER("only6", "UDP to a port configured for IPv6 only", F_6, A_DEF, SPORT, P_ONLY6, AUTO,
	     RX_DECAP_FOU),
	PEER("no_port", "UDP from a configured port's number to an unconfigured one", 0, A_DEF,
	     P_FOU4, P_NONE, AUTO, PASS_NO_PORT),
	{ "no_port", "UDP with IPv4 options to an unconfigured port", .fams = F_4,
	  .o = { .dport = P_NONE, .optlen = 8 }, .in = { .fam = 4 }, .stat = S(PASS_NO_PORT) },
	{ "not_udp", "TCP with IPv4 options", .fams = F_4, .build = b_not_udp, .o.optlen = 8,
	  .stat = S(PASS_NOT_UDP) },
	PEER("no_port", "UDP with a bad checksum to an unconfigured port", 0, A_DEF, SPORT, P_NONE,
	     BAD, PASS_NO_PORT),
	FRAG("first fragment (MF)", PKT_IP4_MF, PASS_FRAGMENT),
	FRAG("middle fragment (MF, offset 800)", PKT_IP4_MF | 100, PASS_FRAGMENT),
	FRAG("last fragment (offset 1480)", 185, PASS_FRAGMENT),
	FRAG("DF set (not a fragment)", PKT_IP4_DF, RX_DECAP_FOU),
	{ "ip6_ext", "routing header before UDP", .fams = F_6, .build = b_ext6,
	  .o.dport = P_FOU4, .bytes = &(const struct ext6){ .type = 43 }, .n = 1, .a = 1,
	  .stat = S(PASS_IP6_EXTHDR) },
	{ "ip6_ext", "fragment header before UDP", .fams = F_6, .build = b_ext6,
	  .o.dport = P_FOU4, .bytes = &(const struct ext6){ .type = 44 }, .n = 1, .a = 1,
	  .stat = S(PASS_IP6_EXTHDR) },
	CHAIN(RX_DECAP_FOU, "Hop-by-Hop, padding only", EXT6(HBH, 0, 0x01, 0x04)),
	CHAIN(RX_DECAP_FOU, "Destination Options, padding only", EXT6(DSTOPT, 0, 0x01, 0x04)),
	CHAIN(RX_DECAP_FOU, "ip6tnl's encapsulation limit 4 (RFC 2473)",
	      EXT6(DSTOPT, 0, 0x04, 0x01, 0x04, PAD3)),
	CHAIN(RX_DECAP_FOU, "encapsulation limit 0: we decapsulate, not encapsulate",
	      EXT6(DSTOPT, 0, 0x04, 0x01, 0x00, PAD3)),
	CHAIN(RX_DECAP_FOU, "Hop-by-Hop then Destination Options",
	      EXT6(HBH, 0, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00),
	      EXT6(DSTOPT, 0, 0x04, 0x01, 0x04, PAD3)),
	CHAIN(RX_DECAP_FOU, "unknown option, action 00 (skip)",
	      EXT6(DSTOPT, 0, 0x1e, 0x01, 0x00, PAD3)),
	CHAIN(RX_DECAP_FOU, "Pad1s and PadN, 7 padding bytes in a row at most",
	      EXT6(DSTOPT, 1, 0x00, 0x00, 0x01, 0x03, 0, 0, 0, 0x1e, 0x00, 0x00, 0x01, 0x01, 0x00)),
	CHAIN(DROP_IP6_OPT_DISCARD, "unknown option, action 01 (discard)",
	      EXT6(DSTOPT, 0, 0x5e, 0x01, 0x00, PAD3)),
	CHAIN(DROP_IP6_OPT_DISCARD, "unknown option, action 10 (discard, ICMP)",
	      EXT6(DSTOPT, 0, 0x9e, 0x01, 0x00, PAD3)),
	CHAIN(DROP_IP6_OPT_DISCARD, "unknown option, action 11 in Hop-by-Hop",
	      EXT6(HBH, 0, 0xde, 0x01, 0x00, PAD3)),
	CHAIN(DROP_IP6_OPT_DISCARD, "discard option after a skipped one",
	      EXT6(DSTOPT, 0, 0x1e, 0x00, 0x5e, 0x00, 0x01, 0x00)),
	CHAIN(DROP_IP6_OPT_MALFORMED, "PadN with non-zero padding",
	      EXT6(DSTOPT, 0, 0x01, 0x04, 0x00, 0x00, 0x07, 0x00)),
	CHAIN(DROP_IP6_OPT_MALFORMED, "option longer than its header",
	      EXT6(DSTOPT, 0, 0x04, 0x09, 0x04, PAD3)),
	CHAIN(DROP_IP6_OPT_MALFORMED, "a type byte last, no length",
	      EXT6(DSTOPT, 0, 0x01, 0x03, 0x00, 0x00, 0x00, 0x1e)),
	CHAIN(DROP_IP6_OPT_MALFORMED, "14 Pad1 bytes in a row",
	      EXT6(DSTOPT, 1, 0x00)),
	CHAIN(DROP_IP6_OPT_MALFORMED, "more than 8 options",
	      EXT6(DSTOPT, 2, 0x1e, 0, 0x1e, 0, 0x1e, 0, 0x1e, 0, 0x1e, 0, 0x1e, 0, 0x1e, 0,
		   0x1e, 0, 0x1e, 0, 0x1e, 0, 0x1e, 0)),
	CHAIN(DROP_IP6_OPT_MALFORMED, "Router Alert of the wrong length",
	      EXT6(HBH, 0, 0x05, 0x01, 0x00, PAD3)),
	CHAIN(DROP_IP6_OPT_MALFORMED, "Hop-by-Hop after Destination Options",
	      EXT6(DSTOPT, 0, 0x01, 0x04), EXT6(HBH, 0, 0x01, 0x04)),
	CHAIN(PASS_IP6_EXTHDR, "Jumbo Payload: the kernel's to judge",
	      EXT6(HBH, 0, 0xc2, 0x04, 0x00, 0x00, 0x00, 0x00)),
	CHAIN(PASS_IP6_EXTHDR, "Home Address: the kernel's to judge",
	      EXT6(DSTOPT, 2, 0xc9, 0x10)),
	CHAIN(PASS_IP6_EXTHDR, "three headers (over the bound of 2)",
	      EXT6(HBH, 0, 0x01, 0x04), EXT6(DSTOPT, 0, 0x01, 0x04), EXT6(DSTOPT, 0, 0x01, 0x04)),
	CHAIN(PASS_IP6_EXTHDR, "56 bytes of options (over the bound of 48)",
	      EXT6(DSTOPT, 6, 0x01, 0x04)),
	CHAIN(PASS_IP6_EXTHDR, "Destination Options, then Routing",
	      EXT6(DSTOPT, 0, 0x01, 0x04), { .type = 43 }),
	/* Not ours at all: the options are the kernel's business. */
	CHAIN_TO(P_NONE, PASS_NO_PORT, "discard option to a port not configured",
		 EXT6(DSTOPT, 0, 0x5e, 0x01, 0x00, PAD3)),
};

/* A GUE v0 4in packet whose header byte at becomes v. */
#define GUE8(w, at, v, st) \
	{ "gue_bad", "GUE " w, GUE0, .in = { .fam = 4, .l4 = L4_UDP, .payload = 20 },      \
	  .a = at, .b = v, .poke = p_gue8, .stat = S(st) }
/* Private flags: the kernel (validate_gue_flags) refuses unknown ones
 * before it looks at REMCSUM, and REMCSUM needs its 4-byte option. */
#define PFLAG(w, hl, st, ...) \
	{ "gue_priv", "GUE " w, GUE0, .in = { .fam = 6, .l4 = L4_TCP },                    \
	  .g = { .hlen = hl, .flags = PKT_GUE_F_PRIV, .fields = (const uint8_t[]){ __VA_ARGS__ }, \
		 .fields_len = (hl) * 4 }, .stat = S(st) }
#define RAW(id, w, dp, st, b) \
	{ id, w, .build = b_raw, .o.dport = dp, .bytes = b, .n = sizeof(b), .stat = S(st) }

static const uint8_t v5[28] = { 0x55 }, v7[28] = { 0x75 }, v4s[19] = { 0x45 };
static const uint8_t v6s[39] = { 0x60 }, v4s10[10] = { 0x45 }, gue_cut[2] = { 0x00, 0x04 };

static const struct rx_row rows_gue_bad[] = {
	GUE8("version 2", 0, 0x80, DROP_GUE_VERSION),
	GUE8("version 3", 0, 0xc0, DROP_GUE_VERSION),
	GUE8("control message (C bit)", 0, 0x20, DROP_GUE_CONTROL),
	GUE8("hlen 31, longer than the payload", 0, 31, DROP_GUE_HLEN),
	/* payload after the GUE header: 20 + 8 + 20 = 48 bytes = 12 words */
	GUE8("hlen 13, one word longer than the payload", 0, 13, DROP_GUE_HLEN),
	GUE8("hlen 12, fields fill the payload, no inner packet", 0, 12, DROP_INNER_TRUNC),
	GUE8("unknown flag 0x8000", 2, 0x80, DROP_GUE_FLAGS),
	GUE8("unknown flag 0x0002", 3, 0x02, DROP_GUE_FLAGS),
	GUE8("unknown flag 0x0100 (PRIV in host order)", 2, 0x01, DROP_GUE_FLAGS),
	GUE8("PRIV with hlen 0", 3, 0x01, DROP_GUE_OPTLEN),
	GUE8("proto 17", 1, 17, DROP_GUE_PROTO),
	/* GRE now: the IPv4 header's first bytes, 0x4500, read as GRE flags,
	 * have the routing bit. */
	GUE8("proto 47 before an IPv4 header", 1, 47, DROP_GRE_ROUTING),
	PFLAG("private flag 0x00000001", 1, DROP_GUE_PRIV_FLAGS, 0, 0, 0, 1),
	PFLAG("private flag 0x40000000", 1, DROP_GUE_PRIV_FLAGS, 0x40, 0, 0, 0),
	PFLAG("REMCSUM with start 0, inside the inner IP header", 2, DROP_GUE_REMCSUM_RANGE,
	      0x80, 0, 0, 0, 0, 0, 0, 0),
	PFLAG("REMCSUM beside unknown private flags 0xffff0000, hlen 1", 1, DROP_GUE_PRIV_FLAGS,
	      0xff, 0xff, 0, 0),
	PFLAG("REMCSUM without its option, hlen 1", 1, DROP_GUE_OPTLEN, 0x80, 0, 0, 0),
	RAW("gue_bad", "GUE header cut: 2-byte UDP payload", P_GUE, DROP_GUE_HLEN, gue_cut),
	{ "inner_version", "FOU ipproto 4 carrying IPv6", .o.dport = P_FOU4,
	  .in = { .fam = 6, .l4 = L4_TCP }, .stat = S(DROP_INNER_VERSION) },
	{ "inner_version", "FOU ipproto 41 carrying IPv4", .o.dport = P_FOU6,
	  .in = { .fam = 4, .l4 = L4_TCP }, .stat = S(DROP_INNER_VERSION) },
	{ "inner_version", "GUE v0 proto 4 carrying IPv6", GUE0, .g.proto = 4,
	  .in = { .fam = 6, .l4 = L4_TCP }, .stat = S(DROP_INNER_VERSION) },
	{ "inner_version", "GUE v0 proto 41 carrying IPv4", GUE0, .g.proto = 41,
	  .in = { .fam = 4, .l4 = L4_TCP }, .stat = S(DROP_INNER_VERSION) },
	RAW("inner_version", "GUE v1 with version nibble 5", P_GUE, DROP_INNER_VERSION, v5),
	RAW("inner_version", "GUE v1 with version nibble 7", P_GUE, DROP_INNER_VERSION, v7),
	RAW("inner_trunc", "FOU inner IPv4 header of 19 bytes", P_FOU4, DROP_INNER_TRUNC, v4s),
	RAW("inner_trunc", "FOU inner IPv4 header of 10 bytes", P_FOU4, DROP_INNER_TRUNC, v4s10),
	RAW("inner_trunc", "FOU inner IPv6 header of 39 bytes", P_FOU6, DROP_INNER_TRUNC, v6s),
	{ "inner_trunc", "FOU with an empty UDP payload", .build = b_raw, .o.dport = P_FOU4,
	  .stat = S(DROP_INNER_TRUNC) },
	RAW("inner_trunc", "GUE v1 inner IPv4 header of 19 bytes", P_GUE, DROP_INNER_TRUNC, v4s),
	RAW("inner_trunc", "GUE v1 inner IPv6 header of 39 bytes", P_GUE, DROP_INNER_TRUNC, v6s),
};

#define INLEN(ifm, d) \
	{ "inner_len", "FOU " #ifm "in inner length " #d,                                  \
	  .in = { .fam = ifm, .l4 = L4_UDP, .payload = 33 }, .a = d, .poke = p_inner_len,   \
	  .stat = S(DROP_INNER_LEN) }
/* Outer length fields that lie. */
#define OUTLEN(gue_, w, ipd, udpd, st) \
	{ "outer_len", (gue_) ? "GUE " w : "FOU " w, .gue = gue_,                          \
	  .o.dport = (gue_) ? P_GUE : P_FOU4, .in = { .fam = 4, .l4 = L4_ICMP, .payload = 40 }, \
	  .a = ipd, .b = udpd, .poke = p_outer_len, .stat = S(st) }
/* A valid packet cut to a + b * (outer IP header) / 2 bytes. */
#define CUT(h, vlan_, gue_, w, a_, b_, st) \
	{ "cut", (gue_) ? "GUE" vlan_ " cut " w : "FOU" vlan_ " cut " w, h,                \
	  .o = { .dport = (gue_) ? P_GUE : P_FOU4, .vlan = sizeof(vlan_) > 1 }, .gue = gue_,  \
	  .in = { .fam = 4, .l4 = L4_TCP, .payload = 20 }, .a = a_, .b = b_, .poke = p_cut,  \
	  .stat = S(st) }

static const struct rx_row rows_lengths[] = {
	INLEN(4, 1), INLEN(4, -1), INLEN(4, 100), INLEN(4, -8),
	INLEN(6, 1), INLEN(6, -1), INLEN(6, 100), INLEN(6, -8),
	{ "inner_len", "GUE v0 inner IPv4 length +4", GUE0,
	  .in = { .fam = 4, .l4 = L4_UDP, .payload = 20 }, .a = 4, .poke = p_inner_len,
	  .stat = S(DROP_INNER_LEN) },
	OUTLEN(false, "IP length +1 (past the frame)", 1, 0, DROP_TRUNCATED),
	OUTLEN(false, "IP length +1000", 1000, 0, DROP_TRUNCATED),
	OUTLEN(false, "IP and UDP length +1", 1, 1, DROP_TRUNCATED),
	OUTLEN(true, "IP and UDP length +2", 2, 2, DROP_TRUNCATED),
	OUTLEN(false, "IP length -1 (UDP longer)", -1, 0, DROP_UDP_LEN),
	OUTLEN(false, "UDP length +1", 0, 1, DROP_UDP_LEN),
	OUTLEN(false, "UDP length -1", 0, -1, DROP_UDP_LEN),
	OUTLEN(true, "UDP length -4", 0, -4, DROP_UDP_LEN),
	OUTLEN(false, "UDP length 4 (< 8)", 0, -1000, DROP_UDP_LEN),
	{ "padding", "FOU 4in with 6 bytes of Ethernet padding", .o.dport = P_FOU4,
	  .in = { .fam = 4, .l4 = L4_UDP, .payload = 3 }, .poke = p_pad6,
	  .stat = S(RX_DECAP_FOU) },
	/* Ethernet 14 (18 with VLAN), IP, UDP 8, GUE 4, inner IP 20, TCP 20 */
	CUT(0, "", false, "in Ethernet", 13, 0, PASS_SHORT),
	CUT(H_XDP, " VLAN", false, "in the VLAN tag", 16, 0, PASS_SHORT),
	CUT(0, "", false, "after Ethernet", 14, 0, PASS_SHORT),
	CUT(0, "", false, "in outer IP", 14, 1, PASS_SHORT),
	CUT(H_XDP, " VLAN", false, "in outer IP", 17, 2, PASS_SHORT),
	CUT(0, "", false, "after outer IP", 14, 2, PASS_SHORT),
	CUT(0, "", false, "in UDP", 14 + 8 - 3, 2, PASS_SHORT),
	CUT(0, "", false, "after UDP", 14 + 8, 2, DROP_TRUNCATED),
	CUT(0, "", true, "in GUE", 14 + 8 + 2, 2, DROP_TRUNCATED),
	CUT(0, "", true, "after GUE", 14 + 8 + 4, 2, DROP_TRUNCATED),
	CUT(0, "", false, "in inner IP", 14 + 8 + 10, 2, DROP_TRUNCATED),
	CUT(0, "", true, "in inner IP", 14 + 8 + 4 + 10, 2, DROP_TRUNCATED),
	CUT(0, "", false, "in inner TCP", 14 + 8 + 20 + 5, 2, DROP_TRUNCATED),
	CUT(H_XDP, " VLAN", true, "in inner TCP", 14 + 8 + 4 + 4 + 30, 2, DROP_TRUNCATED),
};

/* ---- GUE remote checksum offload ----------------------------------------- */

/*
 * A GUE packet with remote checksum offload as the kernel's sender makes it
 * (__gue_build_header): the PRIV flag, private flags REMCSUM, the option
 * (start, start + the field's offset), and the inner TCP/UDP checksum left
 * holding its pseudo-header sum; the outer UDP checksum over all of that.
 * The builder makes the packet complete, so that the expectation is the
 * packet decapsulated with the inner checksum complete, as pktbuild's
 * independent code computed it; the pokes then replace it by the seed.
 */
static size_t rc_l4_off, rc_field; /* from the inner packet's start */
static const uint8_t rc_fields[8] = { 0x80, 0, 0, 0 };

static void b_remcsum(const struct rx_row *r, int fam)
{
	struct pkt_gue_opts g = { .hlen = 2, .flags = PKT_GUE_F_PRIV, .fields = rc_fields,
				  .fields_len = 8 };

	row_outer(r, fam);
	T.gue = pkt_gue(&T.p, &g);
	add_inner(&r->in);
	finalize();
	rc_l4_off = r->in.fam == 4 ? 20 : 40;
	rc_field = rc_l4_off + (r->in.l4 == L4_TCP ? 16 : 6);
}

/* Set the option's start and offset, and the outer checksum again. */
static void remcsum_option(uint16_t start, uint16_t offset)
{
	size_t at = pkt_off(&T.p, T.gue) + 8;

	pkt_put16(&T.p, at, start);
	pkt_put16(&T.p, at + 2, offset);
	pkt_l4_fix_csum(&T.p, T.udp, T.p.l[T.udp].csum);
}

/* The seed in the inner checksum, the option pointing at it; a
 * decapsulation's expected output must itself be a valid packet. */
static void p_rc_seed(const struct rx_row *r, int fam)
{
	static uint8_t zeros[BUF_SZ];
	size_t ioff = pkt_off(&T.p, T.inner), l4len = T.p.len - ioff - rc_l4_off;
	uint8_t proto = r->in.l4 == L4_TCP ? 6 : 17;
	size_t eth_len = T.p.l[0].hdr_len;
	const uint8_t *ip = T.exp + eth_len;

	(void)fam;
	/* the seed: the checksum of an all-zero segment, negated */
	pkt_put16(&T.p, ioff + rc_field,
		  (uint16_t)~l4_csum(T.p.buf + ioff, r->in.fam, proto, zeros, l4len));
	remcsum_option(rc_l4_off, rc_field);
	if (T.out == DECAP && !l4_csum_ok(ip, r->in.fam, proto, ip + rc_l4_off,
					  T.exp_len - eth_len - rc_l4_off))
		tap_bail("%s: the expected inner packet has a bad checksum", T.name);
}

/* The seed, then the option's start r->a and offset r->b. */
static void p_rc_option(const struct rx_row *r, int fam)
{
	p_rc_seed(r, fam);
	remcsum_option(r->a, r->b);
}

/* The field in the inner packet's last 2 bytes (20 + 20 + 100 = 140: its
 * last byte at 139 fits, at 140 does not): the packet as sent, with what
 * the kernel's remcsum_adjust writes there. */
static void p_rc_last2(const struct rx_row *r, int fam)
{
	size_t e = T.p.l[0].hdr_len, ioff = pkt_off(&T.p, T.inner);
	uint32_t s;

	p_rc_seed(r, fam);
	remcsum_option(20, 138);
	expect_row(r, fam);
	s = csum_add(0, T.p.buf + ioff + 20, 120);
	T.exp[e + 138] = csum_fold(s) >> 8;
	T.exp[e + 139] = csum_fold(s) & 0xff;
}

#define RC(w, f, ifm, l4_, n_, dp, cs, pk, a_, b_, st) \
	{ "remcsum", "GUE remcsum " #ifm "in " #l4_ ": " w, .fams = f, .build = b_remcsum,   \
	  .o = { .dport = dp, .csum = PKT_CSUM_##cs },                                        \
	  .in = { .fam = ifm, .l4 = L4_##l4_, .payload = n_ }, .poke = pk, .a = a_, .b = b_,  \
	  .stat = S(st) }
#define RC_OK(ifm, l4_, n_) \
	RC(#n_ "-byte payload, completed", 0, ifm, l4_, n_, P_GUE, AUTO, p_rc_seed, 0, 0,     \
	   RX_DECAP_GUE)
/* inner IPv4 + TCP + 100 bytes: 140 bytes; IPv6 + UDP: 148 */
#define RC_BAD(w, ifm, l4_, a_, b_, st) \
	RC(w, 0, ifm, l4_, 100, P_GUE, AUTO, p_rc_option, a_, b_, st)

static const struct rx_row rows_remcsum[] = {
	RC_OK(4, TCP, 0), RC_OK(4, TCP, 101), RC_OK(4, TCP, 1400),
	RC_OK(4, UDP, 0), RC_OK(4, UDP, 101), RC_OK(4, UDP, 1400),
	RC_OK(6, TCP, 0), RC_OK(6, TCP, 101), RC_OK(6, TCP, 1400),
	RC_OK(6, UDP, 0), RC_OK(6, UDP, 101), RC_OK(6, UDP, 1400),
	RC("port noremcsum refuses it", 0, 4, TCP, 100, P_GUENORC, AUTO, p_rc_seed, 0, 0,
	   DROP_GUE_REMCSUM),
	RC("bad outer checksum", 0, 4, TCP, 100, P_GUE, BAD, p_rc_seed, 0, 0, DROP_UDP_CSUM),
	RC_BAD("odd start", 4, TCP, 21, 36, DROP_GUE_REMCSUM_ODD),
	RC_BAD("odd offset", 4, TCP, 20, 37, DROP_GUE_REMCSUM_ODD),
	RC_BAD("start inside the IPv4 header", 4, TCP, 18, 36, DROP_GUE_REMCSUM_RANGE),
	RC_BAD("start inside the IPv6 header", 6, UDP, 38, 46, DROP_GUE_REMCSUM_RANGE),
	RC_BAD("offset before start", 4, TCP, 40, 36, DROP_GUE_REMCSUM_RANGE),
	RC_BAD("field past the inner packet", 4, TCP, 20, 140, DROP_GUE_REMCSUM_RANGE),
	RC_BAD("start past the inner packet", 4, TCP, 0x7ffe, 0x7ffe, DROP_GUE_REMCSUM_RANGE),
	RC("field in the last 2 bytes", 0, 4, TCP, 100, P_GUE, AUTO, p_rc_last2, 0, 0,
	   RX_DECAP_GUE),
	RC("zero outer checksum", F_4, 4, TCP, 100, P_GUE, ZERO, p_rc_seed, 0, 0,
	   DROP_GUE_REMCSUM_CSUM),
	RC("zero outer checksum over IPv6", F_6, 4, TCP, 100, P_GUE, ZERO, p_rc_seed, 0, 0,
	   DROP_ZERO_CSUM6),
};

#include "rx_gre_cases.h"

static void run_all_cases(void)
{
	RUN_ROWS(rows_basic);
	RUN_ROWS(rows_ip4_hdr);
	RUN_ROWS(rows_peers);
	RUN_ROWS(rows_sizes);
	RUN_ROWS(rows_ecn);
	RUN_ROWS(rows_dest);
	RUN_ROWS(rows_not_ours);
	RUN_ROWS(rows_gue_bad);
	RUN_ROWS(rows_remcsum);
	RUN_ROWS(rows_lengths);
	cases_gre();
}

int main(int argc, char **argv)
{
	tap_args(argc, argv);
	bh_require_bpf("BPF_PROG_TEST_RUN");
	if (libbpf_num_possible_cpus() <= 0)
		tap_bail("libbpf_num_possible_cpus: %d", libbpf_num_possible_cpus());
	if (load_progs())
		tap_bail("cannot open/load the fou_rx_xdp and fou_rx_tc skeletons: %s",
			 strerror(errno));
	if (configure())
		tap_bail("cannot configure the maps: %s", strerror(errno));
	run_all_cases();
	BH_SKEL_FN(RX_XDP_SKEL, __destroy)(xskel);
	BH_SKEL_FN(RX_TC_SKEL, __destroy)(tskel);
	return tap_done();
}
