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
#include "fou_rx_xdp.skel.h"
/* FOU_TEST_NOCAST (build/selftests/test_rx_nocast): the same cases against
 * fou_rx_tc's nocast build, which kernels before 6.2 get. */
#ifdef FOU_TEST_NOCAST
#include "fou_rx_tc_nocast.skel.h"
#define RX_TC_SKEL fou_rx_tc_nocast_bpf
#else
#include "fou_rx_tc.skel.h"
#define RX_TC_SKEL fou_rx_tc_bpf
#endif
#include "bpfharness.h"
#include "pktbuild.h"
#include "tap.h"
#include "unit_case.h"

#define BUF_SZ 65600 /* the largest IP packet, and a frame around it */

/* ---- programs and maps ----------------------------------------------- */

static struct ut_hook hooks[2] = { UT_HOOK_XDP, UT_HOOK_TC };
static struct fou_rx_xdp_bpf *xskel;
static struct RX_TC_SKEL *tskel;

static int load_progs(void)
{
	xskel = BH_OPEN_UNPINNED(fou_rx_xdp_bpf);
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
	return err ?: add_port(4, P_ONLY4, FOU_KIND_FOU, 4, any, 0);
}

/* ---- test cases ------------------------------------------------------- */

enum outcome { DECAP, PASS, DROP };

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
	struct ut_io io = { .in = T.p.buf, .len = T.p.len, .out = out_buf,
			    .out_cap = sizeof(out_buf) };
	int err;

	tap_begin();
	ASSERT_OK(bh_read_stats(h->stats_fd, before), "read fou_stats");
	if (T.port_set)
		ASSERT_OK(ut_port_stats(h, &T.pk, &pb), "read fou_port_stats");
	err = ut_test_run(h, &none, &io);
	if (refused(h, err))
		return;
	ASSERT_OK(err, "bpf_prog_test_run_opts");
	EXPECT_EQ(io.retval, T.out == DROP ? h->drop_ret : h->ok_ret, "verdict");
	if (T.out == DECAP)
		EXPECT_MEMEQ(out_buf, io.out_len, T.exp, T.exp_len, "decapsulated bytes");
	else if (T.out == PASS)
		EXPECT_MEMEQ(out_buf, io.out_len, T.p.buf, T.p.len, "passed bytes (unchanged)");
	ASSERT_OK(bh_read_stats(h->stats_fd, after), "read fou_stats");
	want[T.stat] = 1;
	ut_check_counters(before, after, want);
	if (T.port_set) {
		ASSERT_OK(ut_port_stats(h, &T.pk, &pa), "read fou_port_stats");
		check_port_stats(&pb, &pa);
	}
cleanup:
	tap_end("%s: %s", h->name, T.name);
}

static void run(void)
{
	ut_run_hooks(hooks, 2, T.hooks, T.name, run_on);
}

/* ---- the cases ---------------------------------------------------------- */

static const char *fn(int fam) { return fam == 4 ? "4" : "6"; }

/* FOU over outer family fam, inner family ifam, to port. */
static void fou_case(int hk, int fam, int ifam, uint16_t port, const char *what)
{
	struct outer o = { .fam = fam, .dport = port };
	struct inner in = { .fam = ifam, .l4 = ifam == 4 ? L4_TCP : L4_UDP, .payload = 100 };

	case_begin(hk, "FOU %sin%s %s", fn(ifam), fn(fam), what);
	add_outer(&o);
	add_inner(&in);
	finalize();
	expect_decap(FOU_STAT_RX_DECAP_FOU, fam, port, 0);
	run();
}

static void cases_fou_basic(void)
{
	int fam;

	for (fam = 4; fam <= 6; fam += 2) {
		fou_case(H_RX, fam, 4, P_FOU4, "(port 5555 ipproto 4)");
		fou_case(H_RX, fam, 6, P_FOU6, "(port 5556 ipproto 41)");
		fou_case(H_RX, fam, 6, P_FOU6Z, "(port with zero-csum6 flag, csum set)");
		fou_case(H_RX, fam, 4, P_DEVLO, "(port bound to ifindex 1 = lo)");
		fou_case(H_RX, fam, 4, P_LOCAL, "(port with local = destination)");
	}
}

static void gue0_case(int fam, int ifam, uint8_t hlen, uint16_t flags,
		      const uint8_t *fields, uint8_t flen, const char *what)
{
	struct outer o = { .fam = fam, .dport = P_GUE };
	struct inner in = { .fam = ifam, .l4 = L4_ICMP, .payload = 56 };

	case_begin(H_RX, "GUE v0 %sin%s %s", fn(ifam), fn(fam), what);
	add_outer(&o);
	add_gue(0, false, hlen, 0, flags, fields, flen);
	add_inner(&in);
	finalize();
	expect_decap(FOU_STAT_RX_DECAP_GUE, fam, P_GUE, 0);
	run();
}

static void gue1_case(int fam, int ifam)
{
	struct outer o = { .fam = fam, .dport = P_GUE };
	struct inner in = { .fam = ifam, .l4 = L4_UDP, .payload = 77 };

	case_begin(H_RX, "GUE v1 (direct IP) %sin%s", fn(ifam), fn(fam));
	add_outer(&o);
	add_inner(&in);
	finalize();
	expect_decap(FOU_STAT_RX_DECAP_GUE, fam, P_GUE, 0);
	run();
}

static void cases_gue_basic(void)
{
	static const uint8_t zero4[4], zero8[8];
	static const uint8_t opaque[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
	int fam;

	for (fam = 4; fam <= 6; fam += 2) {
		gue0_case(fam, 4, 0, 0, NULL, 0, "hlen 0");
		gue0_case(fam, 6, 0, 0, NULL, 0, "hlen 0");
		gue0_case(fam, 4, 1, PKT_GUE_F_PRIV, zero4, 4, "PRIV, zero private flags");
		gue0_case(fam, 6, 2, PKT_GUE_F_PRIV, zero8, 8, "PRIV, hlen 2 (extra field)");
		gue0_case(fam, 4, 3, 0, opaque, 12, "no flags, hlen 3 (opaque fields)");
		gue1_case(fam, 4);
		gue1_case(fam, 6);
	}
}

static void cases_ip4_options(void)
{
	uint8_t optlen;

	for (optlen = 4; optlen <= 40; optlen += 36) {
		struct outer o = { .fam = 4, .dport = P_FOU4, .optlen = optlen };
		struct inner in = { .fam = 4, .l4 = L4_TCP, .payload = 64 };

		case_begin(H_RX, "FOU 4in4 outer IPv4 options (ihl %d)", 5 + optlen / 4);
		add_outer(&o);
		add_inner(&in);
		finalize();
		expect_decap(FOU_STAT_RX_DECAP_FOU, 4, P_FOU4, 0);
		run();

		o.dport = P_GUE;
		case_begin(H_RX, "GUE v0 6in4 outer IPv4 options (ihl %d)", 5 + optlen / 4);
		in.fam = 6;
		add_outer(&o);
		add_gue(0, false, 0, 0, 0, NULL, 0);
		add_inner(&in);
		finalize();
		expect_decap(FOU_STAT_RX_DECAP_GUE, 4, P_GUE, 0);
		run();
	}
}

/* An outer IPv4 header whose byte @at (from the IP header) changed after its
 * checksum was computed: ours, dropped, whatever the UDP checksum says. */
static void ip4_hdr_bad_case(uint8_t optlen, size_t at, uint8_t xor, enum pkt_csum csum,
			     const char *what)
{
	struct outer o = { .fam = 4, .dport = P_FOU4, .optlen = optlen, .csum = csum };
	struct inner in = { .fam = 4, .l4 = L4_ICMP, .payload = 32 };

	case_begin(H_RX, "FOU 4in4 outer IPv4 header (ihl %d) %s", 5 + optlen / 4, what);
	add_outer(&o);
	add_inner(&in);
	finalize();
	T.p.buf[T.p.l[1].off + at] ^= xor;
	expect_drop(FOU_STAT_DROP_IP4_HDR_CSUM, 4, P_FOU4);
	run();
}

static void cases_ip4_hdr_csum(void)
{
	ip4_hdr_bad_case(0, 10, 0x01, PKT_CSUM_ZERO, "checksum off by one bit");
	ip4_hdr_bad_case(0, 8, 0x10, PKT_CSUM_AUTO, "TTL changed, UDP checksum valid");
	ip4_hdr_bad_case(0, 5, 0x80, PKT_CSUM_ZERO, "ID changed");
	ip4_hdr_bad_case(4, 21, 0x02, PKT_CSUM_ZERO, "option byte changed");
	ip4_hdr_bad_case(40, 59, 0x40, PKT_CSUM_AUTO, "last option byte changed");
	/* the case: a checksum of 0xdead */
	{
		struct outer o = { .fam = 4, .dport = P_FOU4, .csum = PKT_CSUM_ZERO };
		struct inner in = { .fam = 4, .l4 = L4_ICMP, .payload = 32 };

		case_begin(H_RX, "FOU 4in4 outer IPv4 header checksum 0xdead");
		add_outer(&o);
		add_inner(&in);
		finalize();
		T.p.buf[T.p.l[1].off + 10] = 0xde;
		T.p.buf[T.p.l[1].off + 11] = 0xad;
		expect_drop(FOU_STAT_DROP_IP4_HDR_CSUM, 4, P_FOU4);
		run();
	}
}

static void cases_vlan(void)
{
	int fam;

	for (fam = 4; fam <= 6; fam += 2) {
		struct outer o = { .fam = fam, .dport = P_FOU4, .vlan = true };
		struct inner in = { .fam = 4, .l4 = L4_TCP, .payload = 40 };

		case_begin(H_XDP, "FOU 4in%s VLAN-tagged", fn(fam));
		add_outer(&o);
		add_inner(&in);
		finalize();
		expect_decap(FOU_STAT_RX_DECAP_FOU, fam, P_FOU4, 0);
		run();

		o.dport = P_GUE;
		in.fam = 6;
		case_begin(H_XDP, "GUE v0 6in%s VLAN-tagged", fn(fam));
		add_outer(&o);
		add_gue(0, false, 0, 0, 0, NULL, 0);
		add_inner(&in);
		finalize();
		expect_decap(FOU_STAT_RX_DECAP_GUE, fam, P_GUE, 0);
		run();
	}
}

/* A FOU 4inX packet from saddr:sport to dport, with checksum mode csum. */
static void simple(int hk, int fam, const char *saddr, uint16_t sport, uint16_t dport,
		   enum pkt_csum csum, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
static void simple(int hk, int fam, const char *saddr, uint16_t sport, uint16_t dport,
		   enum pkt_csum csum, const char *fmt, ...)
{
	struct outer o = { .fam = fam, .dport = dport, .sport = sport, .saddr = saddr,
			   .csum = csum };
	struct inner in = { .fam = dport == P_FOU6 || dport == P_FOU6Z ? 6 : 4,
			    .l4 = L4_ICMP, .payload = 32 };
	char name[100];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	case_begin(hk, "%s (outer IPv%d)", name, fam);
	add_outer(&o);
	add_inner(&in);
	finalize();
}

/* 'peer any' takes any source the kernel decapsulates from (its martians,
 * what ip6tnl refuses as a remote and this host's own addresses are
 * drop_peer), found by the differential check against the kernel. */
static void cases_martians(void)
{
	static const char *const refused[] = {
		"0.0.0.0", "127.0.0.2", "224.0.0.5", "235.0.113.7", "255.255.255.255",
		"198.51.100.2", "::", "::1", "ff02::1", "ff0e::1", "fe80::1",
		"::ffff:192.0.2.1", "2001:db8:100::2",
	};
	static const char *const taken[] = { "0.0.0.1", BCAST4, "2001:db8:7::7", "::192.0.2.1" };
	size_t i;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		int fam = strchr(refused[i], ':') ? 6 : 4;

		simple(H_RX, fam, refused[i], 1234, P_FOU4, 0, "peer any, source %s", refused[i]);
		expect_drop(FOU_STAT_DROP_PEER, fam, P_FOU4);
		run();
	}
	for (i = 0; i < sizeof(taken) / sizeof(taken[0]); i++) {
		int fam = strchr(taken[i], ':') ? 6 : 4;

		simple(H_RX, fam, taken[i], 1234, P_FOU4, 0, "peer any, source %s", taken[i]);
		expect_decap(FOU_STAT_RX_DECAP_FOU, fam, P_FOU4, 0);
		run();
	}
}

static void cases_peers(void)
{
	int fam;

	for (fam = 4; fam <= 6; fam += 2) {
		simple(H_RX, fam, src_addr(fam), SPORT, P_PEER, 0, "peer with exact peer_port");
		expect_decap(FOU_STAT_RX_DECAP_FOU, fam, P_PEER, 0);
		run();
		simple(H_RX, fam, src_addr(fam), SPORT + 1, P_PEER, 0, "peer, wrong source port");
		expect_drop(FOU_STAT_DROP_PEER_PORT, fam, P_PEER);
		run();
		simple(H_RX, fam, src2_addr(fam), 5123, P_PEER, 0, "peer with peer_port 0 (any)");
		expect_decap(FOU_STAT_RX_DECAP_FOU, fam, P_PEER, 0);
		run();
		simple(H_RX, fam, src3_addr(fam), SPORT, P_PEER, 0, "source not an allowed peer");
		expect_drop(FOU_STAT_DROP_PEER, fam, P_PEER);
		run();
		simple(H_RX, fam, src3_addr(fam), 1234, P_FOU4, 0, "peer any, arbitrary source");
		expect_decap(FOU_STAT_RX_DECAP_FOU, fam, P_FOU4, 0);
		run();
	}
	cases_martians();
	{
		struct outer o = { .fam = 6, .dport = P_GUEPEER };
		struct inner in = { .fam = 6, .l4 = L4_TCP };

		case_begin(H_RX, "GUE port without any allowed peer (outer IPv6)");
		add_outer(&o);
		add_gue(0, false, 0, 0, 0, NULL, 0);
		add_inner(&in);
		finalize();
		expect_drop(FOU_STAT_DROP_PEER, 6, P_GUEPEER);
		run();
	}
}

static void cases_csum(void)
{
	int fam;

	for (fam = 4; fam <= 6; fam += 2) {
		simple(H_RX, fam, NULL, SPORT, P_FOU4, PKT_CSUM_AUTO, "valid non-zero UDP checksum");
		expect_decap(FOU_STAT_RX_DECAP_FOU, fam, P_FOU4, 0);
		run();
		simple(H_RX, fam, NULL, SPORT, P_FOU4, PKT_CSUM_BAD, "wrong UDP checksum");
		expect_drop(FOU_STAT_DROP_UDP_CSUM, fam, P_FOU4);
		run();
		simple(H_RX, fam, NULL, SPORT, P_FOU6, PKT_CSUM_BAD, "wrong UDP checksum, 6in");
		expect_drop(FOU_STAT_DROP_UDP_CSUM, fam, P_FOU6);
		run();
	}
	simple(H_RX, 4, NULL, SPORT, P_FOU4, PKT_CSUM_ZERO, "zero UDP checksum over IPv4");
	expect_decap(FOU_STAT_RX_DECAP_FOU, 4, P_FOU4, 0);
	run();
	simple(H_RX, 4, NULL, SPORT, P_FOU6, PKT_CSUM_ZERO, "zero UDP checksum over IPv4, 6in4");
	expect_decap(FOU_STAT_RX_DECAP_FOU, 4, P_FOU6, 0);
	run();
	simple(H_RX, 6, NULL, SPORT, P_FOU6, PKT_CSUM_ZERO, "zero UDP checksum over IPv6, no flag");
	expect_drop(FOU_STAT_DROP_ZERO_CSUM6, 6, P_FOU6);
	run();
	simple(H_RX, 6, NULL, SPORT, P_FOU4, PKT_CSUM_ZERO, "zero UDP checksum over IPv6, no flag, 4in6");
	expect_drop(FOU_STAT_DROP_ZERO_CSUM6, 6, P_FOU4);
	run();
	simple(H_RX, 6, NULL, SPORT, P_FOU6Z, PKT_CSUM_ZERO, "zero UDP checksum over IPv6 with ZERO_CSUM6");
	expect_decap(FOU_STAT_RX_DECAP_FOU, 6, P_FOU6Z, 0);
	run();
	/* Named peers: the source was checked, so zero is fine (GSO from
	 * fouloader and the kernel's noencap-udp6-csum send it). */
	simple(H_RX, 6, src2_addr(6), 5123, P_PEER, PKT_CSUM_ZERO,
	       "zero UDP checksum over IPv6, port with named peers");
	expect_decap(FOU_STAT_RX_DECAP_FOU, 6, P_PEER, 0);
	run();
	simple(H_RX, 6, src3_addr(6), SPORT, P_PEER, PKT_CSUM_ZERO,
	       "zero UDP checksum over IPv6 from a source not a peer");
	expect_drop(FOU_STAT_DROP_PEER, 6, P_PEER);
	run();
	{
		struct outer o = { .fam = 6, .dport = P_GUE, .csum = PKT_CSUM_BAD };
		struct inner in = { .fam = 4, .l4 = L4_UDP, .payload = 10 };

		case_begin(H_RX, "GUE v0 wrong UDP checksum (outer IPv6)");
		add_outer(&o);
		add_gue(0, false, 0, 0, 0, NULL, 0);
		add_inner(&in);
		finalize();
		expect_drop(FOU_STAT_DROP_UDP_CSUM, 6, P_GUE);
		run();
	}
}

/* Inner ICMP echo with a payload of n bytes (odd lengths on purpose). */
static void sized_case(int hk, int fam, int ifam, size_t n, enum pkt_csum csum, bool gue)
{
	struct outer o = { .fam = fam, .dport = gue ? P_GUE : ifam == 4 ? P_FOU4 : P_FOU6,
			   .csum = csum };
	struct inner in = { .fam = ifam, .l4 = L4_ICMP, .payload = n };

	case_begin(hk, "%s %sin%s inner payload %zu, %s checksum", gue ? "GUE v0" : "FOU",
		   fn(ifam), fn(fam), n, csum == PKT_CSUM_BAD ? "wrong" : "valid");
	add_outer(&o);
	if (gue)
		add_gue(0, false, 0, 0, 0, NULL, 0);
	add_inner(&in);
	finalize();
	snprintf(T.name + strlen(T.name), sizeof(T.name) - strlen(T.name),
		 " (frame %zu bytes)", T.p.len);
	if (csum == PKT_CSUM_BAD)
		expect_drop(FOU_STAT_DROP_UDP_CSUM, fam, o.dport);
	else
		expect_decap(gue ? FOU_STAT_RX_DECAP_GUE : FOU_STAT_RX_DECAP_FOU, fam, o.dport, 0);
	run();
}

/* Payload bytes that make a frame of about total bytes. */
static size_t fill_to(size_t total, int fam, int ifam, bool gue)
{
	size_t hdr = 14 + (fam == 4 ? 20 : 40) + 8 + (gue ? 4 : 0) + (ifam == 4 ? 20 : 40) + 8;

	return total - hdr;
}

static void cases_sizes(void)
{
	static const size_t odd[] = { 0, 1, 33, 1001 };
	unsigned int i;
	int fam;

	for (fam = 4; fam <= 6; fam += 2) {
		for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++)
			sized_case(H_RX, fam, 4, odd[i], PKT_CSUM_AUTO, false);
		sized_case(H_RX, fam, 6, 1, PKT_CSUM_BAD, false);
		sized_case(H_RX, fam, 6, 333, PKT_CSUM_AUTO, true);
		sized_case(H_RX, fam, 4, fill_to(1500, fam, 4, false), PKT_CSUM_AUTO, false);
		sized_case(H_RX, fam, 6, fill_to(1501, fam, 6, true), PKT_CSUM_AUTO, true);
		sized_case(H_RX, fam, 4, fill_to(1500, fam, 4, false), PKT_CSUM_BAD, false);
		sized_case(H_RX, fam, 6, fill_to(3500, fam, 6, false), PKT_CSUM_AUTO, false);
		sized_case(H_RX, fam, 4, fill_to(3499, fam, 4, true), PKT_CSUM_AUTO, true);
		sized_case(H_RX, fam, 4, fill_to(3500, fam, 4, false), PKT_CSUM_BAD, false);
		sized_case(H_TC, fam, 4, fill_to(3700, fam, 4, false), PKT_CSUM_AUTO, false);
		sized_case(H_RX, fam, 4, fill_to(4000, fam, 4, false), PKT_CSUM_AUTO, false);
		sized_case(H_RX, fam, 6, fill_to(4001, fam, 6, true), PKT_CSUM_AUTO, true);
		sized_case(H_RX, fam, 4, fill_to(4000, fam, 4, false), PKT_CSUM_BAD, false);
	}
}

/*
 * Datagrams past 16 KiB, which XDP sees in several buffers: the checksum
 * must cover every byte, the last ones too (they were once read from a
 * wrapped offset). @flip: one bit of the frame's last byte is flipped after
 * the checksum was computed. skb test_run takes at most a page, so TC is
 * tested at these sizes end to end (test_decap_tc.t).
 */
static void large_case(int fam, int ifam, size_t total, bool flip)
{
	struct outer o = { .fam = fam, .dport = ifam == 4 ? P_FOU4 : P_FOU6 };
	struct inner in = { .fam = ifam, .l4 = L4_ICMP, .payload = fill_to(total, fam, ifam, false) };

	case_begin(H_XDP, "FOU %sin%s frame %zu bytes (UDP length %zu), %s", fn(ifam), fn(fam),
		   total, total - 14 - (fam == 4 ? 20 : 40),
		   flip ? "last byte corrupted" : "valid checksum");
	add_outer(&o);
	add_inner(&in);
	finalize();
	if (T.p.len != total)
		tap_bail("large_case: built %zu bytes, wanted %zu", T.p.len, total);
	if (flip) {
		T.p.buf[T.p.len - 1] ^= 0x10;
		expect_drop(FOU_STAT_DROP_UDP_CSUM, fam, o.dport);
	} else {
		expect_decap(FOU_STAT_RX_DECAP_FOU, fam, o.dport, 0);
	}
	run();
}

static void cases_large(void)
{
	/* Remainders mod 32 of the UDP length from 0 to 31, around 16384 from
	 * the frame's start and from the UDP header; then up to the largest. */
	static const size_t sizes[] = { 16300, 16383, 16384, 16385, 16388, 16401, 16415,
					16447, 17000, 19999, 20001, 32768, 45055, 60001 };
	unsigned int i;
	int fam;

	for (fam = 4; fam <= 6; fam += 2)
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			large_case(fam, fam, sizes[i], false);
			large_case(fam, fam, sizes[i], true);
		}
	large_case(4, 4, 14 + 65535, false);
	large_case(4, 4, 14 + 65535, true);
}

/* Outer ECN oecn over inner ECN iecn (RFC 6040 decapsulation). */
static void ecn_case(int fam, int ifam, uint8_t oecn, uint8_t iecn, bool gue)
{
	struct outer o = { .fam = fam, .dport = gue ? P_GUE : ifam == 4 ? P_FOU4 : P_FOU6,
			   .ecn = oecn };
	struct inner in = { .fam = ifam, .l4 = L4_TCP, .payload = 20, .ecn = iecn };
	int stat = gue ? FOU_STAT_RX_DECAP_GUE : FOU_STAT_RX_DECAP_FOU;

	case_begin(H_RX, "%s %sin%s outer ECN %u inner ECN %u", gue ? "GUE v0" : "FOU",
		   fn(ifam), fn(fam), oecn, iecn);
	add_outer(&o);
	if (gue)
		add_gue(0, false, 0, 0, 0, NULL, 0);
	add_inner(&in);
	finalize();
	if (oecn == 3 && iecn == 0)
		expect_drop(FOU_STAT_DROP_ECN, fam, o.dport);
	else
		expect_decap(stat, fam, o.dport, 0);
	run();
}

static void cases_ecn(void)
{
	int fam, ifam;

	for (fam = 4; fam <= 6; fam += 2) {
		for (ifam = 4; ifam <= 6; ifam += 2) {
			ecn_case(fam, ifam, 3, 0, false);
			ecn_case(fam, ifam, 3, 1, false);
			ecn_case(fam, ifam, 3, 2, false);
			ecn_case(fam, ifam, 3, 3, false);
			ecn_case(fam, ifam, 2, 0, false);
			ecn_case(fam, ifam, 2, 1, false);
			ecn_case(fam, ifam, 1, 0, false);
			ecn_case(fam, ifam, 1, 1, false);
			ecn_case(fam, ifam, 1, 2, false);   /* ECT(1) wins over ECT(0) */
			ecn_case(fam, ifam, 1, 3, false);
		}
		ecn_case(fam, 4, 3, 2, true);
		ecn_case(fam, 6, 1, 2, true);
		ecn_case(fam, 6, 3, 0, true);
	}
}

static void cases_local_dev(void)
{
	int fam;

	for (fam = 4; fam <= 6; fam += 2) {
		struct outer o = { .fam = fam, .dport = P_LOCAL, .daddr = dst2_addr(fam) };
		struct inner in = { .fam = 4, .l4 = L4_UDP, .payload = 12 };

		case_begin(H_RX, "FOU to a local-bound port, other destination (outer IPv%d)", fam);
		add_outer(&o);
		add_inner(&in);
		finalize();
		expect_pass_port(FOU_STAT_PASS_OTHER_LOCAL, fam, P_LOCAL);
		run();

		simple(H_RX, fam, NULL, SPORT, P_DEVX, 0, "FOU to a port bound to ifindex 9999");
		expect_pass_port(FOU_STAT_PASS_OTHER_DEV, fam, P_DEVX);
		run();
	}
}

/* FOU to @daddr on @port: decapsulated only if addressed to this host, and
 * broadcast or multicast only on a port with 'multicast'. */
static void dest_case(int fam, uint16_t port, const char *daddr, int stat, const char *what)
{
	struct outer o = { .fam = fam, .dport = port, .daddr = daddr };
	struct inner in = { .fam = 4, .l4 = L4_ICMP, .payload = 32 };

	case_begin(H_RX, "FOU 4in%s to %s (%s), port %u", fn(fam), daddr, what, port);
	add_outer(&o);
	add_inner(&in);
	finalize();
	if (stat == FOU_STAT_RX_DECAP_FOU)
		expect_decap(stat, fam, port, 0);
	else
		expect_pass_port(stat, fam, port);
	run();
}

static void cases_dest(void)
{
	int fam;

	for (fam = 4; fam <= 6; fam += 2) {
		dest_case(fam, P_FOU4, transit_addr(fam), FOU_STAT_PASS_NOT_LOCAL, "transit");
		dest_case(fam, P_MCAST, transit_addr(fam), FOU_STAT_PASS_NOT_LOCAL,
			  "transit, even with multicast");
		dest_case(fam, P_FOU4, dst2_addr(fam), FOU_STAT_RX_DECAP_FOU, "another local address");
		dest_case(fam, P_FOU4, fam == 4 ? "198.51.100.17" : "2001:db8:100::17",
			  FOU_STAT_RX_DECAP_FOU, "local, beyond the in-place addresses");
	}
	dest_case(4, P_FOU4, "255.255.255.255", FOU_STAT_PASS_MULTICAST, "limited broadcast");
	dest_case(4, P_FOU4, "224.0.0.5", FOU_STAT_PASS_MULTICAST, "multicast");
	dest_case(4, P_FOU4, BCAST4, FOU_STAT_PASS_MULTICAST, "subnet broadcast");
	dest_case(6, P_FOU4, "ff02::1", FOU_STAT_PASS_MULTICAST, "all-nodes multicast");
	dest_case(6, P_FOU4, "ff05::2", FOU_STAT_PASS_MULTICAST, "site-local multicast");
	dest_case(4, P_MCAST, "255.255.255.255", FOU_STAT_RX_DECAP_FOU, "limited broadcast");
	dest_case(4, P_MCAST, "224.0.0.5", FOU_STAT_RX_DECAP_FOU, "multicast");
	dest_case(4, P_MCAST, BCAST4, FOU_STAT_RX_DECAP_FOU, "subnet broadcast");
	dest_case(6, P_MCAST, "ff02::1", FOU_STAT_RX_DECAP_FOU, "all-nodes multicast");
	dest_case(4, P_MCAST, dst_addr(4), FOU_STAT_RX_DECAP_FOU, "unicast");
	/* 'local ADDR' decides alone, as before */
	dest_case(4, P_LOCAL, dst_addr(4), FOU_STAT_RX_DECAP_FOU, "the port's local address");
}

static void cases_not_ours(void)
{
	static const uint8_t arp[28] = { 0, 1, 8, 0, 6, 4, 0, 1 };
	struct pkt_eth_opts e = { .type = 0x0806 };
	int fam;

	case_begin(H_RX, "ARP");
	memcpy(e.dst, mac_dst, 6);
	memcpy(e.src, mac_src, 6);
	pkt_eth(&T.p, &e);
	pkt_bytes(&T.p, arp, sizeof(arp));
	finalize();
	expect_pass(FOU_STAT_PASS_NOT_IP);
	run();

	for (fam = 4; fam <= 6; fam += 2) {
		case_begin(H_RX, "TCP over IPv%d", fam);
		add_eth(&T.p, false);
		add_ip(&T.p, fam, src_addr(fam), dst_addr(fam), 0, 0, 0);
		pkt_tcp(&T.p, 1234, P_FOU4);
		pkt_payload(&T.p, 30, 1);
		finalize();
		expect_pass(FOU_STAT_PASS_NOT_UDP);
		run();

		/* Not an error: how much of it there is does not matter, also
		 * with its IP length past the frame (found by the fuzzer). */
		for (int cut = 0; cut <= 20; cut += 20) {
			case_begin(H_RX, "ICMP echo over IPv%d%s", fam,
				   cut ? ", IP length past the frame" : "");
			add_eth(&T.p, false);
			add_ip(&T.p, fam, src_addr(fam), dst_addr(fam), 0, 0, 0);
			pkt_icmp_echo(&T.p, 1, 2);
			pkt_payload(&T.p, 30, 1);
			finalize();
			pkt_truncate(&T.p, T.p.len - cut);
			expect_pass(FOU_STAT_PASS_NOT_UDP);
			run();
		}

		simple(H_RX, fam, NULL, SPORT, P_NONE, 0, "UDP to an unconfigured port");
		expect_pass(FOU_STAT_PASS_NO_PORT);
		run();

		case_begin(H_XDP, "VLAN-tagged UDP to an unconfigured port (outer IPv%d)", fam);
		{
			struct outer o = { .fam = fam, .dport = P_NONE, .vlan = true };
			struct inner in = { .fam = 4 };

			add_outer(&o);
			add_inner(&in);
			finalize();
		}
		expect_pass(FOU_STAT_PASS_NO_PORT);
		run();
	}
	simple(H_RX, 6, NULL, SPORT, P_ONLY4, 0, "UDP to a port configured for IPv4 only");
	expect_pass(FOU_STAT_PASS_NO_PORT);
	run();
}

static void frag_case(uint16_t frag, int stat, const char *what)
{
	struct outer o = { .fam = 4, .dport = P_FOU4, .frag = frag };
	struct inner in = { .fam = 4, .l4 = L4_UDP, .payload = 20 };

	case_begin(H_RX, "outer IPv4 %s", what);
	add_outer(&o);
	add_inner(&in);
	finalize();
	if (stat == FOU_STAT_RX_DECAP_FOU)
		expect_decap(stat, 4, P_FOU4, 0);
	else
		expect_pass(stat);
	run();
}

static void ext6_case(uint8_t type, const char *what)
{
	struct inner in = { .fam = 4, .l4 = L4_UDP, .payload = 20 };

	case_begin(H_RX, "IPv6 with %s header before UDP", what);
	add_eth(&T.p, false);
	add_ip(&T.p, 6, src_addr(6), dst_addr(6), 0, 0, 0);
	pkt_ip6_ext(&T.p, type, 0);
	T.udp = pkt_udp(&T.p, SPORT, P_FOU4, PKT_CSUM_AUTO);
	add_inner(&in);
	finalize();
	expect_pass(FOU_STAT_PASS_IP6_EXTHDR);
	run();
}

static void cases_frag_ext(void)
{
	frag_case(PKT_IP4_MF, FOU_STAT_PASS_FRAGMENT, "first fragment (MF)");
	frag_case(PKT_IP4_MF | 100, FOU_STAT_PASS_FRAGMENT, "middle fragment (MF, offset 800)");
	frag_case(185, FOU_STAT_PASS_FRAGMENT, "last fragment (offset 1480)");
	frag_case(PKT_IP4_DF, FOU_STAT_RX_DECAP_FOU, "DF set (not a fragment)");
	ext6_case(43, "routing");
	ext6_case(44, "fragment");
}

/* One Hop-by-Hop (0) or Destination Options (60) header: @opts from its
 * third byte on; what @n bytes leave of (len8 + 1) * 8 - 2 stays zero. */
struct ext6 {
	uint8_t type, len8, n;
	uint8_t opts[64];
};

#define EXT6(t, l, ...) { .type = t, .len8 = l, .n = sizeof((uint8_t[]){ __VA_ARGS__ }), \
			  .opts = { __VA_ARGS__ } }
#define HBH   0
#define DSTOPT 60
/* Padding that fills an 8-byte header after a 3-byte option. */
#define PAD3  0x01, 0x01, 0x00

/* FOU over IPv6 through @next extension headers to port @dport; @stat says
 * what becomes of it: decapsulated, passed untouched, or dropped. */
static void ext6_chain(const struct ext6 *e, int next, uint16_t dport, int stat,
		       const char *what)
{
	struct inner in = { .fam = 4, .l4 = L4_UDP, .payload = 20 };

	case_begin(H_RX, "IPv6 extension headers: %s", what);
	add_eth(&T.p, false);
	add_ip(&T.p, 6, src_addr(6), dst_addr(6), 0, 0, 0);
	for (int i = 0; i < next; i++) {
		int l = pkt_ip6_ext(&T.p, e[i].type, e[i].len8);
		uint8_t *h = T.p.buf + T.p.l[l].off;

		memset(h + 2, 0, (e[i].len8 + 1) * 8 - 2);
		memcpy(h + 2, e[i].opts, e[i].n);
	}
	T.udp = pkt_udp(&T.p, SPORT, dport, PKT_CSUM_AUTO);
	add_inner(&in);
	finalize();
	if (stat == FOU_STAT_RX_DECAP_FOU)
		expect_decap(stat, 6, dport, 0);
	else if (FOU_STAT_IS_DROP(stat))
		expect_drop(stat, 6, dport);
	else
		expect_pass(stat);
	run();
}

#define CHAIN(stat, what, ...) do {                                                   \
		const struct ext6 e_[] = { __VA_ARGS__ };                              \
		ext6_chain(e_, sizeof(e_) / sizeof(e_[0]), P_FOU4, FOU_STAT_##stat, what); \
	} while (0)

static void cases_ip6_ext(void)
{
	const struct ext6 discard = EXT6(DSTOPT, 0, 0x5e, 0x01, 0x00, PAD3);

	CHAIN(RX_DECAP_FOU, "Hop-by-Hop, padding only", EXT6(HBH, 0, 0x01, 0x04));
	CHAIN(RX_DECAP_FOU, "Destination Options, padding only", EXT6(DSTOPT, 0, 0x01, 0x04));
	CHAIN(RX_DECAP_FOU, "ip6tnl's encapsulation limit 4 (RFC 2473)",
	      EXT6(DSTOPT, 0, 0x04, 0x01, 0x04, PAD3));
	CHAIN(RX_DECAP_FOU, "encapsulation limit 0: we decapsulate, not encapsulate",
	      EXT6(DSTOPT, 0, 0x04, 0x01, 0x00, PAD3));
	CHAIN(RX_DECAP_FOU, "Hop-by-Hop then Destination Options",
	      EXT6(HBH, 0, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00),
	      EXT6(DSTOPT, 0, 0x04, 0x01, 0x04, PAD3));
	CHAIN(RX_DECAP_FOU, "unknown option, action 00 (skip)",
	      EXT6(DSTOPT, 0, 0x1e, 0x01, 0x00, PAD3));
	CHAIN(RX_DECAP_FOU, "Pad1s and PadN, 7 padding bytes in a row at most",
	      EXT6(DSTOPT, 1, 0x00, 0x00, 0x01, 0x03, 0, 0, 0, 0x1e, 0x00, 0x00, 0x01, 0x01, 0x00));
	CHAIN(DROP_IP6_OPT_DISCARD, "unknown option, action 01 (discard)",
	      EXT6(DSTOPT, 0, 0x5e, 0x01, 0x00, PAD3));
	CHAIN(DROP_IP6_OPT_DISCARD, "unknown option, action 10 (discard, ICMP)",
	      EXT6(DSTOPT, 0, 0x9e, 0x01, 0x00, PAD3));
	CHAIN(DROP_IP6_OPT_DISCARD, "unknown option, action 11 in Hop-by-Hop",
	      EXT6(HBH, 0, 0xde, 0x01, 0x00, PAD3));
	CHAIN(DROP_IP6_OPT_DISCARD, "discard option after a skipped one",
	      EXT6(DSTOPT, 0, 0x1e, 0x00, 0x5e, 0x00, 0x01, 0x00));
	CHAIN(DROP_IP6_OPT_MALFORMED, "PadN with non-zero padding",
	      EXT6(DSTOPT, 0, 0x01, 0x04, 0x00, 0x00, 0x07, 0x00));
	CHAIN(DROP_IP6_OPT_MALFORMED, "option longer than its header",
	      EXT6(DSTOPT, 0, 0x04, 0x09, 0x04, PAD3));
	CHAIN(DROP_IP6_OPT_MALFORMED, "a type byte last, no length",
	      EXT6(DSTOPT, 0, 0x01, 0x03, 0x00, 0x00, 0x00, 0x1e));
	CHAIN(DROP_IP6_OPT_MALFORMED, "14 Pad1 bytes in a row",
	      EXT6(DSTOPT, 1, 0x00));
	CHAIN(DROP_IP6_OPT_MALFORMED, "more than 8 options",
	      EXT6(DSTOPT, 2, 0x1e, 0, 0x1e, 0, 0x1e, 0, 0x1e, 0, 0x1e, 0, 0x1e, 0, 0x1e, 0,
		   0x1e, 0, 0x1e, 0, 0x1e, 0, 0x1e, 0));
	CHAIN(DROP_IP6_OPT_MALFORMED, "Router Alert of the wrong length",
	      EXT6(HBH, 0, 0x05, 0x01, 0x00, PAD3));
	CHAIN(DROP_IP6_OPT_MALFORMED, "Hop-by-Hop after Destination Options",
	      EXT6(DSTOPT, 0, 0x01, 0x04), EXT6(HBH, 0, 0x01, 0x04));
	CHAIN(PASS_IP6_EXTHDR, "Jumbo Payload: the kernel's to judge",
	      EXT6(HBH, 0, 0xc2, 0x04, 0x00, 0x00, 0x00, 0x00));
	CHAIN(PASS_IP6_EXTHDR, "Home Address: the kernel's to judge",
	      EXT6(DSTOPT, 2, 0xc9, 0x10));
	CHAIN(PASS_IP6_EXTHDR, "three headers (over the bound of 2)",
	      EXT6(HBH, 0, 0x01, 0x04), EXT6(DSTOPT, 0, 0x01, 0x04), EXT6(DSTOPT, 0, 0x01, 0x04));
	CHAIN(PASS_IP6_EXTHDR, "56 bytes of options (over the bound of 48)",
	      EXT6(DSTOPT, 6, 0x01, 0x04));
	CHAIN(PASS_IP6_EXTHDR, "Destination Options, then Routing",
	      EXT6(DSTOPT, 0, 0x01, 0x04), { .type = 43 });
	/* Not ours at all: the options are the kernel's business. */
	ext6_chain(&discard, 1, P_NONE, FOU_STAT_PASS_NO_PORT,
		   "discard option to a port not configured");
}

/* ---- GUE remote checksum offload ----------------------------------------- */

/*
 * A GUE packet with remote checksum offload as the kernel's sender makes it
 * (__gue_build_header): the PRIV flag, private flags REMCSUM, the option
 * (start, start + the field's offset), and the inner TCP/UDP checksum left
 * holding its pseudo-header sum; the outer UDP checksum over all of that.
 * T.exp gets the packet decapsulated with the inner checksum complete, as
 * pktbuild's independent code computed it before it was replaced.
 */
static size_t rc_l4_off, rc_field; /* from the inner packet's start */

static void remcsum_option(uint16_t start, uint16_t offset);

static void remcsum_build(int fam, int ifam, enum l4kind l4, size_t payload, uint16_t port,
			  enum pkt_csum ocsum, const char *what)
{
	static uint8_t zeros[BUF_SZ];
	struct outer o = { .fam = fam, .dport = port, .csum = ocsum };
	struct inner in = { .fam = ifam, .l4 = l4, .payload = payload };
	uint8_t f[8] = { 0x80, 0, 0, 0 };
	size_t ioff, l4len;
	uint8_t *ip;

	case_begin(H_RX, "GUE remcsum %sin%s %s: %s", fn(ifam), fn(fam),
		   l4 == L4_TCP ? "TCP" : "UDP", what);
	add_outer(&o);
	add_gue(0, false, 2, 0, PKT_GUE_F_PRIV, f, 8);
	add_inner(&in);
	finalize();
	ioff = pkt_off(&T.p, T.inner);
	ip = T.p.buf + ioff;
	rc_l4_off = ifam == 4 ? 20 : 40;
	rc_field = rc_l4_off + (l4 == L4_TCP ? 16 : 6);
	l4len = T.p.len - ioff - rc_l4_off;
	expect_decap(FOU_STAT_RX_DECAP_GUE, fam, port, 0);
	/* the seed: the checksum of an all-zero segment, negated */
	pkt_put16(&T.p, ioff + rc_field,
		  (uint16_t)~l4_csum(ip, ifam, l4 == L4_TCP ? 6 : 17, zeros, l4len));
	remcsum_option(rc_l4_off, rc_field);
}

/* Set the option's start and offset, and the outer checksum again. */
static void remcsum_option(uint16_t start, uint16_t offset)
{
	size_t at = pkt_off(&T.p, T.gue) + 8;

	pkt_put16(&T.p, at, start);
	pkt_put16(&T.p, at + 2, offset);
	pkt_l4_fix_csum(&T.p, T.udp, T.p.l[T.udp].csum);
}

/* The expected output must itself be a valid packet. */
static void remcsum_expect_valid(int ifam, enum l4kind l4)
{
	size_t eth_len = T.p.l[0].hdr_len;
	const uint8_t *ip = T.exp + eth_len;

	if (!l4_csum_ok(ip, ifam, l4 == L4_TCP ? 6 : 17, ip + rc_l4_off,
			T.exp_len - eth_len - rc_l4_off))
		tap_bail("%s: the expected inner packet has a bad checksum", T.name);
}

static void cases_gue_remcsum(void)
{
	static const size_t sizes[] = { 0, 101, 1400 };
	/* inner IPv4 + TCP + 100 bytes: 140 bytes; IPv6 + UDP: 148 */
	static const struct {
		const char *what;
		int ifam;
		enum l4kind l4;
		uint16_t start, offset;
		int stat;
	} bad[] = {
		{ "odd start", 4, L4_TCP, 21, 36, FOU_STAT_DROP_GUE_REMCSUM_ODD },
		{ "odd offset", 4, L4_TCP, 20, 37, FOU_STAT_DROP_GUE_REMCSUM_ODD },
		{ "start inside the IPv4 header", 4, L4_TCP, 18, 36, FOU_STAT_DROP_GUE_REMCSUM_RANGE },
		{ "start inside the IPv6 header", 6, L4_UDP, 38, 46, FOU_STAT_DROP_GUE_REMCSUM_RANGE },
		{ "offset before start", 4, L4_TCP, 40, 36, FOU_STAT_DROP_GUE_REMCSUM_RANGE },
		{ "field past the inner packet", 4, L4_TCP, 20, 140, FOU_STAT_DROP_GUE_REMCSUM_RANGE },
		{ "start past the inner packet", 4, L4_TCP, 0x7ffe, 0x7ffe,
		  FOU_STAT_DROP_GUE_REMCSUM_RANGE },
	};
	int fam, ifam, l4, i;

	for (fam = 4; fam <= 6; fam += 2)
		for (ifam = 4; ifam <= 6; ifam += 2)
			for (l4 = L4_TCP; l4 <= L4_UDP; l4++)
				for (i = 0; i < 3; i++) {
					char what[64];

					snprintf(what, sizeof(what), "%zu-byte payload, completed",
						 sizes[i]);
					remcsum_build(fam, ifam, l4, sizes[i], P_GUE, PKT_CSUM_AUTO,
						      what);
					remcsum_expect_valid(ifam, l4);
					run();
				}

	for (fam = 4; fam <= 6; fam += 2) {
		remcsum_build(fam, 4, L4_TCP, 100, P_GUENORC, PKT_CSUM_AUTO,
			      "port noremcsum refuses it");
		expect_drop(FOU_STAT_DROP_GUE_REMCSUM, fam, P_GUENORC);
		run();
		remcsum_build(fam, 4, L4_TCP, 100, P_GUE, PKT_CSUM_BAD, "bad outer checksum");
		expect_drop(FOU_STAT_DROP_UDP_CSUM, fam, P_GUE);
		run();
		for (i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++) {
			remcsum_build(fam, bad[i].ifam, bad[i].l4, 100, P_GUE, PKT_CSUM_AUTO,
				      bad[i].what);
			remcsum_option(bad[i].start, bad[i].offset);
			expect_drop(bad[i].stat, fam, P_GUE);
			run();
		}
		/* inner packet: 20 + 20 + 100 = 140 bytes; the field's last byte
		 * at 139 fits, at 140 does not */
		remcsum_build(fam, 4, L4_TCP, 100, P_GUE, PKT_CSUM_AUTO, "field in the last 2 bytes");
		remcsum_option(20, 138);
		expect_decap(FOU_STAT_RX_DECAP_GUE, fam, P_GUE, 0);
		{
			/* what the kernel's remcsum_adjust writes there */
			size_t e = T.p.l[0].hdr_len, ioff = pkt_off(&T.p, T.inner);
			uint32_t s = csum_add(0, T.p.buf + ioff + 20, 120);

			T.exp[e + 138] = csum_fold(s) >> 8;
			T.exp[e + 139] = csum_fold(s) & 0xff;
		}
		run();
	}
	remcsum_build(4, 4, L4_TCP, 100, P_GUE, PKT_CSUM_ZERO, "zero outer checksum");
	expect_drop(FOU_STAT_DROP_GUE_REMCSUM_CSUM, 4, P_GUE);
	run();
	remcsum_build(6, 4, L4_TCP, 100, P_GUE, PKT_CSUM_ZERO, "zero outer checksum over IPv6");
	expect_drop(FOU_STAT_DROP_ZERO_CSUM6, 6, P_GUE);
	run();
}

/* Build a GUE v0 4inX packet; the caller corrupts and expects. */
static void gue_std(int fam, const char *what)
{
	struct outer o = { .fam = fam, .dport = P_GUE };
	struct inner in = { .fam = 4, .l4 = L4_UDP, .payload = 20 };

	case_begin(H_RX, "GUE %s (outer IPv%d)", what, fam);
	add_outer(&o);
	add_gue(0, false, 0, 0, 0, NULL, 0);
	add_inner(&in);
}

/* Rewrite byte/word of the GUE header after finalize, re-fix the UDP csum. */
static void gue_poke8(size_t at, uint8_t v)
{
	T.p.buf[pkt_off(&T.p, T.gue) + at] = v;
	pkt_l4_fix_csum(&T.p, T.udp, PKT_CSUM_AUTO);
}

static void cases_gue_drops(void)
{
	/* Private flags: the kernel (validate_gue_flags) refuses unknown ones
	 * before it looks at REMCSUM, and REMCSUM needs its 4-byte option. */
	static const struct {
		const char *what;
		uint8_t fields[8], hlen;
		int stat;
	} pflag_cases[] = {
		{ "private flag 0x00000001", { 0, 0, 0, 1 }, 1, FOU_STAT_DROP_GUE_PRIV_FLAGS },
		{ "private flag 0x40000000", { 0x40, 0, 0, 0 }, 1, FOU_STAT_DROP_GUE_PRIV_FLAGS },
		{ "REMCSUM with start 0, inside the inner IP header", { 0x80, 0, 0, 0, 0, 0, 0, 0 }, 2,
		  FOU_STAT_DROP_GUE_REMCSUM_RANGE },
		{ "REMCSUM beside unknown private flags 0xffff0000, hlen 1", { 0xff, 0xff, 0, 0 }, 1,
		  FOU_STAT_DROP_GUE_PRIV_FLAGS },
		{ "REMCSUM without its option, hlen 1", { 0x80, 0, 0, 0 }, 1,
		  FOU_STAT_DROP_GUE_OPTLEN },
	};
	int fam;

	for (fam = 4; fam <= 6; fam += 2) {
		gue_std(fam, "version 2");
		finalize();
		gue_poke8(0, 0x80);
		expect_drop(FOU_STAT_DROP_GUE_VERSION, fam, P_GUE);
		run();
		gue_std(fam, "version 3");
		finalize();
		gue_poke8(0, 0xc0);
		expect_drop(FOU_STAT_DROP_GUE_VERSION, fam, P_GUE);
		run();
		gue_std(fam, "control message (C bit)");
		finalize();
		gue_poke8(0, 0x20);
		expect_drop(FOU_STAT_DROP_GUE_CONTROL, fam, P_GUE);
		run();
		gue_std(fam, "hlen 31, longer than the payload");
		finalize();
		gue_poke8(0, 31);
		expect_drop(FOU_STAT_DROP_GUE_HLEN, fam, P_GUE);
		run();
		/* payload after the GUE header: 20 + 8 + 20 = 48 bytes = 12 words */
		gue_std(fam, "hlen 13, one word longer than the payload");
		finalize();
		gue_poke8(0, 13);
		expect_drop(FOU_STAT_DROP_GUE_HLEN, fam, P_GUE);
		run();
		gue_std(fam, "hlen 12, fields fill the payload, no inner packet");
		finalize();
		gue_poke8(0, 12);
		expect_drop(FOU_STAT_DROP_INNER_TRUNC, fam, P_GUE);
		run();
		gue_std(fam, "unknown flag 0x8000");
		finalize();
		gue_poke8(2, 0x80);
		expect_drop(FOU_STAT_DROP_GUE_FLAGS, fam, P_GUE);
		run();
		gue_std(fam, "unknown flag 0x0002");
		finalize();
		gue_poke8(3, 0x02);
		expect_drop(FOU_STAT_DROP_GUE_FLAGS, fam, P_GUE);
		run();
		gue_std(fam, "unknown flag 0x0100 (PRIV in host order)");
		finalize();
		gue_poke8(2, 0x01);
		expect_drop(FOU_STAT_DROP_GUE_FLAGS, fam, P_GUE);
		run();
		gue_std(fam, "PRIV with hlen 0");
		finalize();
		gue_poke8(3, 0x01);
		expect_drop(FOU_STAT_DROP_GUE_OPTLEN, fam, P_GUE);
		run();
		gue_std(fam, "proto 17");
		finalize();
		gue_poke8(1, 17);
		expect_drop(FOU_STAT_DROP_GUE_PROTO, fam, P_GUE);
		run();
		/* GRE now: the IPv4 header's first bytes, 0x4500, read as GRE
		 * flags, have the routing bit. */
		gue_std(fam, "proto 47 before an IPv4 header");
		finalize();
		gue_poke8(1, 47);
		expect_drop(FOU_STAT_DROP_GRE_ROUTING, fam, P_GUE);
		run();

		{
			struct outer o = { .fam = fam, .dport = P_GUE };
			struct inner in = { .fam = 6, .l4 = L4_TCP };

			for (size_t i = 0; i < sizeof(pflag_cases) / sizeof(pflag_cases[0]); i++) {
				case_begin(H_RX, "GUE %s (outer IPv%d)", pflag_cases[i].what, fam);
				add_outer(&o);
				add_gue(0, false, pflag_cases[i].hlen, 0, PKT_GUE_F_PRIV,
					pflag_cases[i].fields, pflag_cases[i].hlen * 4);
				add_inner(&in);
				finalize();
				expect_drop(pflag_cases[i].stat, fam, P_GUE);
				run();
			}

			case_begin(H_RX, "GUE header cut: 2-byte UDP payload (outer IPv%d)", fam);
			add_outer(&o);
			pkt_bytes(&T.p, "\x00\x04", 2);
			finalize();
			expect_drop(FOU_STAT_DROP_GUE_HLEN, fam, P_GUE);
			run();
		}
	}
}

/* Raw bytes as the UDP payload of port dport. */
static void raw_payload_case(int fam, uint16_t dport, const void *b, size_t n, int stat,
			     const char *what)
{
	struct outer o = { .fam = fam, .dport = dport };

	case_begin(H_RX, "%s (outer IPv%d)", what, fam);
	add_outer(&o);
	if (n)
		pkt_bytes(&T.p, b, n);
	finalize();
	expect_drop(stat, fam, dport);
	run();
}

static void cases_inner_version(void)
{
	static const uint8_t v5[28] = { 0x55 }, v7[28] = { 0x75 }, v4s[19] = { 0x45 };
	static const uint8_t v6s[39] = { 0x60 }, v4s10[10] = { 0x45 };
	int fam;

	for (fam = 4; fam <= 6; fam += 2) {
		struct outer o = { .fam = fam, .dport = P_FOU4 };
		struct inner in6 = { .fam = 6, .l4 = L4_TCP }, in4 = { .fam = 4, .l4 = L4_TCP };

		case_begin(H_RX, "FOU ipproto 4 carrying IPv6 (outer IPv%d)", fam);
		add_outer(&o);
		add_inner(&in6);
		finalize();
		expect_drop(FOU_STAT_DROP_INNER_VERSION, fam, P_FOU4);
		run();

		o.dport = P_FOU6;
		case_begin(H_RX, "FOU ipproto 41 carrying IPv4 (outer IPv%d)", fam);
		add_outer(&o);
		add_inner(&in4);
		finalize();
		expect_drop(FOU_STAT_DROP_INNER_VERSION, fam, P_FOU6);
		run();

		o.dport = P_GUE;
		case_begin(H_RX, "GUE v0 proto 4 carrying IPv6 (outer IPv%d)", fam);
		add_outer(&o);
		add_gue(0, false, 0, 4, 0, NULL, 0);
		add_inner(&in6);
		finalize();
		expect_drop(FOU_STAT_DROP_INNER_VERSION, fam, P_GUE);
		run();

		case_begin(H_RX, "GUE v0 proto 41 carrying IPv4 (outer IPv%d)", fam);
		add_outer(&o);
		add_gue(0, false, 0, 41, 0, NULL, 0);
		add_inner(&in4);
		finalize();
		expect_drop(FOU_STAT_DROP_INNER_VERSION, fam, P_GUE);
		run();

		raw_payload_case(fam, P_GUE, v5, sizeof(v5), FOU_STAT_DROP_INNER_VERSION,
				 "GUE v1 with version nibble 5");
		raw_payload_case(fam, P_GUE, v7, sizeof(v7), FOU_STAT_DROP_INNER_VERSION,
				 "GUE v1 with version nibble 7");
		raw_payload_case(fam, P_FOU4, v4s, sizeof(v4s), FOU_STAT_DROP_INNER_TRUNC,
				 "FOU inner IPv4 header of 19 bytes");
		raw_payload_case(fam, P_FOU4, v4s10, sizeof(v4s10), FOU_STAT_DROP_INNER_TRUNC,
				 "FOU inner IPv4 header of 10 bytes");
		raw_payload_case(fam, P_FOU6, v6s, sizeof(v6s), FOU_STAT_DROP_INNER_TRUNC,
				 "FOU inner IPv6 header of 39 bytes");
		raw_payload_case(fam, P_FOU4, NULL, 0, FOU_STAT_DROP_INNER_TRUNC,
				 "FOU with an empty UDP payload");
		raw_payload_case(fam, P_GUE, v4s, sizeof(v4s), FOU_STAT_DROP_INNER_TRUNC,
				 "GUE v1 inner IPv4 header of 19 bytes");
		raw_payload_case(fam, P_GUE, v6s, sizeof(v6s), FOU_STAT_DROP_INNER_TRUNC,
				 "GUE v1 inner IPv6 header of 39 bytes");
	}
}

/* Change the inner IP length by delta, keep the headers' checksums valid. */
static void poke_inner_len(int delta)
{
	size_t off = pkt_off(&T.p, T.inner);

	if (T.p.l[T.inner].type == PL_IP4) {
		pkt_put16(&T.p, off + 2, pkt_get16(&T.p, off + 2) + delta);
		pkt_ip4_fix_csum(&T.p, T.inner);
	} else {
		pkt_put16(&T.p, off + 4, pkt_get16(&T.p, off + 4) + delta);
	}
	pkt_l4_fix_csum(&T.p, T.udp, PKT_CSUM_AUTO);
}

static void cases_inner_len(void)
{
	static const int deltas[] = { 1, -1, 100, -8 };
	unsigned int i;
	int fam, ifam;

	for (fam = 4; fam <= 6; fam += 2)
		for (ifam = 4; ifam <= 6; ifam += 2)
			for (i = 0; i < sizeof(deltas) / sizeof(deltas[0]); i++) {
				struct outer o = { .fam = fam, .dport = ifam == 4 ? P_FOU4 : P_FOU6 };
				struct inner in = { .fam = ifam, .l4 = L4_UDP, .payload = 33 };

				case_begin(H_RX, "FOU %sin%s inner length %+d", fn(ifam), fn(fam),
					   deltas[i]);
				add_outer(&o);
				add_inner(&in);
				finalize();
				poke_inner_len(deltas[i]);
				expect_drop(FOU_STAT_DROP_INNER_LEN, fam, o.dport);
				run();
			}
	for (fam = 4; fam <= 6; fam += 2) {
		gue_std(fam, "v0 inner IPv4 length +4");
		finalize();
		poke_inner_len(4);
		expect_drop(FOU_STAT_DROP_INNER_LEN, fam, P_GUE);
		run();
	}
}

/* Outer length fields that lie. */
static void outer_len_case(int fam, bool gue, int ip_delta, int udp_delta, int stat,
			   const char *what)
{
	struct outer o = { .fam = fam, .dport = gue ? P_GUE : P_FOU4 };
	struct inner in = { .fam = 4, .l4 = L4_ICMP, .payload = 40 };
	size_t ipoff;

	case_begin(H_RX, "%s %s (outer IPv%d)", gue ? "GUE" : "FOU", what, fam);
	add_outer(&o);
	if (gue)
		add_gue(0, false, 0, 0, 0, NULL, 0);
	add_inner(&in);
	finalize();
	ipoff = pkt_off(&T.p, 1);
	if (ip_delta && fam == 4) {
		pkt_put16(&T.p, ipoff + 2, pkt_get16(&T.p, ipoff + 2) + ip_delta);
		pkt_ip4_fix_csum(&T.p, 1);
	} else if (ip_delta) {
		pkt_put16(&T.p, ipoff + 4, pkt_get16(&T.p, ipoff + 4) + ip_delta);
	}
	if (udp_delta == -1000)
		pkt_put16(&T.p, pkt_off(&T.p, T.udp) + 4, 4);
	else if (udp_delta)
		pkt_put16(&T.p, pkt_off(&T.p, T.udp) + 4,
			  pkt_get16(&T.p, pkt_off(&T.p, T.udp) + 4) + udp_delta);
	expect_drop(stat, fam, o.dport);
	run();
}

static void cases_outer_len(void)
{
	int fam;

	for (fam = 4; fam <= 6; fam += 2) {
		outer_len_case(fam, false, 1, 0, FOU_STAT_DROP_TRUNCATED, "IP length +1 (past the frame)");
		outer_len_case(fam, false, 1000, 0, FOU_STAT_DROP_TRUNCATED, "IP length +1000");
		outer_len_case(fam, false, 1, 1, FOU_STAT_DROP_TRUNCATED, "IP and UDP length +1");
		outer_len_case(fam, true, 2, 2, FOU_STAT_DROP_TRUNCATED, "IP and UDP length +2");
		outer_len_case(fam, false, -1, 0, FOU_STAT_DROP_UDP_LEN, "IP length -1 (UDP longer)");
		outer_len_case(fam, false, 0, 1, FOU_STAT_DROP_UDP_LEN, "UDP length +1");
		outer_len_case(fam, false, 0, -1, FOU_STAT_DROP_UDP_LEN, "UDP length -1");
		outer_len_case(fam, true, 0, -4, FOU_STAT_DROP_UDP_LEN, "UDP length -4");
		outer_len_case(fam, false, 0, -1000, FOU_STAT_DROP_UDP_LEN, "UDP length 4 (< 8)");
	}
}

/* Trailing bytes after the outer IP packet (Ethernet padding). */
static void cases_padding(void)
{
	int fam;

	for (fam = 4; fam <= 6; fam += 2) {
		struct outer o = { .fam = fam, .dport = P_FOU4 };
		struct inner in = { .fam = 4, .l4 = L4_UDP, .payload = 3 };
		size_t end;

		case_begin(H_RX, "FOU 4in%s with 6 bytes of Ethernet padding", fn(fam));
		add_outer(&o);
		add_inner(&in);
		finalize();
		end = T.p.len;
		pkt_bytes(&T.p, "\0\0\0\0\0\0", 6);
		expect_decap(FOU_STAT_RX_DECAP_FOU, fam, P_FOU4, end);
		run();
	}
}

/* A valid packet cut to len bytes (the lengths still say the full size). */
static void cut_case(int hk, int fam, bool vlan, bool gue, size_t len, int stat,
		     const char *what)
{
	struct outer o = { .fam = fam, .dport = gue ? P_GUE : P_FOU4, .vlan = vlan };
	struct inner in = { .fam = 4, .l4 = L4_TCP, .payload = 20 };

	case_begin(hk, "%s%s cut %s: %zu bytes (outer IPv%d)", gue ? "GUE" : "FOU",
		   vlan ? " VLAN" : "", what, len, fam);
	add_outer(&o);
	if (gue)
		add_gue(0, false, 0, 0, 0, NULL, 0);
	add_inner(&in);
	finalize();
	pkt_truncate(&T.p, len);
	if (stat >= FOU_STAT_DROP_PEER)
		expect_drop(stat, fam, o.dport);
	else
		expect_pass(stat);
	run();
}

static void cases_cuts(void)
{
	int fam;

	for (fam = 4; fam <= 6; fam += 2) {
		size_t ip = fam == 4 ? 20 : 40, udp = 14 + ip + 8;

		cut_case(H_RX, fam, false, false, 13, FOU_STAT_PASS_SHORT, "in Ethernet");
		cut_case(H_XDP, fam, true, false, 16, FOU_STAT_PASS_SHORT, "in the VLAN tag");
		cut_case(H_RX, fam, false, false, 14, FOU_STAT_PASS_SHORT, "after Ethernet");
		cut_case(H_RX, fam, false, false, 14 + ip / 2, FOU_STAT_PASS_SHORT, "in outer IP");
		cut_case(H_XDP, fam, true, false, 18 + ip - 1, FOU_STAT_PASS_SHORT, "in outer IP");
		cut_case(H_RX, fam, false, false, 14 + ip, FOU_STAT_PASS_SHORT, "after outer IP");
		cut_case(H_RX, fam, false, false, udp - 3, FOU_STAT_PASS_SHORT, "in UDP");
		cut_case(H_RX, fam, false, false, udp, FOU_STAT_DROP_TRUNCATED, "after UDP");
		cut_case(H_RX, fam, false, true, udp + 2, FOU_STAT_DROP_TRUNCATED, "in GUE");
		cut_case(H_RX, fam, false, true, udp + 4, FOU_STAT_DROP_TRUNCATED, "after GUE");
		cut_case(H_RX, fam, false, false, udp + 10, FOU_STAT_DROP_TRUNCATED, "in inner IP");
		cut_case(H_RX, fam, false, true, udp + 4 + 10, FOU_STAT_DROP_TRUNCATED, "in inner IP");
		cut_case(H_RX, fam, false, false, udp + 20 + 5, FOU_STAT_DROP_TRUNCATED, "in inner TCP");
		cut_case(H_XDP, fam, true, true, udp + 4 + 4 + 30, FOU_STAT_DROP_TRUNCATED, "in inner TCP");
	}
}

#include "rx_gre_cases.h"

static void run_all_cases(void)
{
	cases_fou_basic();
	cases_gue_basic();
	cases_ip4_options();
	cases_ip4_hdr_csum();
	cases_vlan();
	cases_peers();
	cases_csum();
	cases_sizes();
	cases_large();
	cases_ecn();
	cases_local_dev();
	cases_dest();
	cases_not_ours();
	cases_frag_ext();
	cases_ip6_ext();
	cases_gue_drops();
	cases_gue_remcsum();
	cases_inner_version();
	cases_inner_len();
	cases_outer_len();
	cases_padding();
	cases_cuts();
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
	fou_rx_xdp_bpf__destroy(xskel);
	BH_SKEL_FN(RX_TC_SKEL, __destroy)(tskel);
	return tap_done();
}
