// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of issue 6: the hints fou_rx_xdp leaves in the XDP metadata
 * area (fou_hints_on), fou_hints_tc which applies them, XDP multi-buffer
 * frames through every parser, and cpumap steering (fou_steer_cpus).
 *
 * XDP cases run with BPF_PROG_TEST_RUN: its data_out starts with the
 * metadata, and ctx_out.data says how long that is. Each case checks the
 * verdict, the 12 bytes of hints field by field (the hash against a flow
 * hash computed here from the inner 5-tuple, independently of bpf/), the
 * packet after them byte for byte, and every fou_stats counter.
 *
 * The kernel's skb test_run refuses metadata (ctx data != 0: EINVAL), so
 * fou_hints_tc with hints runs end to end instead: in a private namespace,
 * fhx0 <-veth-> fhx1, frames written on fhx1 with a packet socket reach
 * fou_rx_xdp (native XDP) and fou_hints_tc (TC ingress) on fhx0, and a UDP
 * socket there, with a socket filter of our own recording skb->hash and
 * skb->mark, shows what TC did. A tiny XDP program of our own writes
 * metadata that is not ours, or hints of our choosing, in fou_rx_xdp's
 * place. The namespace goes with the process. TAP output.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "portstate.h"

#include "fou_maps.h"
#include "fou_stats.h"
#include "fou_rx_xdp.skel.h"
#include "fou_hints_tc.skel.h"
#include "bpfharness.h"
#include "pktbuild.h"
#include "tap.h"

#define XDP_DROP_V     1
#define XDP_PASS_V     2
#define XDP_REDIRECT_V 4
#define TC_ACT_OK_V    0

#define BUF_SZ     16384
#define XDP_LINEAR 3000  /* XDP test_run: bytes in the first buffer, the rest in frags */
#define JUMBO      9000
#define HLEN       ((int)sizeof(struct fou_xdp_hints))
#define DEV        "fhx0"
#define PEER       "fhx1"
#define LO         1
#define SCTP_PROTO 132

#define P_FOU4  5555 /* FOU ipproto 4, mark MARK4 */
#define P_FOU6  5556 /* FOU ipproto 41, no mark */
#define P_GUE   6080 /* GUE */
#define P_SCTP  FOU_SCTP_PORT_DEFAULT /* RFC 6951 */
#define P_APP   7070 /* the UDP socket of the end-to-end cases */
#define MARK4   0x0a0b0c0d
#define SFIXED  7777 /* the source port of our tunnel, quoted by the ICMP errors */
#define S_T4    1    /* tunnel slots */
#define S_T6    2

/* ---- the flow hash, as the transmit side computes it --------------------- */

/* Written from the definition (bpf/lib/encap.h flow_hash/mix32), not shared
 * with it, so that a change on either side shows here. */
static uint32_t mix(uint32_t h)
{
	h = (h ^ h >> 16) * 0x85ebca6bu;
	h = (h ^ h >> 13) * 0xc2b2ae35u;
	return h ^ h >> 16;
}

/* Words and ports as they lie in the packet, read as the BPF side reads
 * them (a little-endian load of the network-order bytes). */
static uint32_t ref_flow_hash(uint8_t proto, const uint8_t *sa, const uint8_t *da, size_t alen,
			      const uint8_t *ports)
{
	uint32_t s[4] = { 0 }, d[4] = { 0 }, h = 0x9e3779b9u ^ proto;
	uint16_t sp = 0, dp = 0;
	int i;

	memcpy(s, sa, alen);
	memcpy(d, da, alen);
	if (ports) {
		memcpy(&sp, ports, 2);
		memcpy(&dp, ports + 2, 2);
	}
	for (i = 0; i < 4; i++)
		h = mix(h ^ s[i] ^ d[i] * 0x27d4eb2du);
	return mix(h ^ ((uint32_t)sp << 16 | dp));
}

/* The inner flow's hash from a frame whose IP packet is the inner one. */
static uint32_t frame_hash(const uint8_t *f)
{
	size_t l2 = f[12] == 0x81 && f[13] == 0 ? 18 : 14;
	const uint8_t *ip = f + l2;
	uint16_t type = (uint16_t)(f[l2 - 2] << 8 | f[l2 - 1]);

	if (type == 0x0800) {
		bool frag = (ip[6] & 0x3f) || ip[7];
		const uint8_t *l4 = ip + (ip[0] & 0xf) * 4;

		return ref_flow_hash(ip[9], ip + 12, ip + 16, 4,
				     !frag && (ip[9] == IPPROTO_TCP || ip[9] == IPPROTO_UDP) ? l4 : NULL);
	}
	if (ip[6] == IPPROTO_TCP || ip[6] == IPPROTO_UDP)
		return ref_flow_hash(ip[6], ip + 8, ip + 24, 16, ip + 40);
	/* behind extension headers the transport is unknown: protocol 0 */
	return ref_flow_hash(ip[6] == IPPROTO_ICMPV6 || ip[6] == SCTP_PROTO ? ip[6] : 0,
			     ip + 8, ip + 24, 16, NULL);
}

/* ---- SCTP packets ----------------------------------- */

/* Common header (5001 -> 5002, vtag) and one DATA chunk of n bytes, padded;
 * the CRC32c stored little-endian. Returns the length. */
static size_t sctp_data(uint8_t *s, uint32_t vtag, size_t n)
{
	size_t len = 12 + 16 + n, i;
	uint32_t c;

	memset(s, 0, len + 3);
	s[0] = 5001 >> 8, s[1] = 5001 & 0xff, s[2] = 5002 >> 8, s[3] = 5002 & 0xff;
	for (i = 0; i < 4; i++)
		s[4 + i] = vtag >> (24 - 8 * i);
	s[12] = 0, s[13] = 3, s[14] = (16 + n) >> 8, s[15] = (16 + n) & 0xff;
	s[19] = 7;  /* TSN */
	s[27] = 51; /* PPID */
	for (i = 0; i < n; i++)
		s[28 + i] = (uint8_t)(i * 13 + 7);
	len = (len + 3) & ~(size_t)3;
	c = sctp_crc32c_ref(s, len);
	for (i = 0; i < 4; i++)
		s[8 + i] = c >> (8 * i);
	return len;
}

/* ---- programs and maps --------------------------------------------------- */

static struct fou_rx_xdp_bpf *xon, *xoff, *xsteer, *xsteer0;
static struct fou_hints_tc_bpf *htc;
static struct fou_port_fds pfds;
static int m_stats, m_gro, m_cpumap, m_tunnels, m_index, m_path, m_icmp;
static int ifidx, ncpus;

/* fou_rx_xdp with its load-time constants; maps from `from` if given. */
static struct fou_rx_xdp_bpf *load_rx(uint32_t hints, uint32_t steer, struct bpf_object *from)
{
	struct fou_rx_xdp_bpf *s = fou_rx_xdp_bpf__open();

	if (!s)
		return NULL;
	s->rodata->fou_hints_on = hints;
	s->rodata->fou_steer_cpus = steer;
	if (from ? bh_share_pinned_maps(from, s->obj) : (bh_unpin_all(s->obj), 0)) {
		fou_rx_xdp_bpf__destroy(s);
		return NULL;
	}
	if (fou_rx_xdp_bpf__load(s)) {
		int e = errno;

		fou_rx_xdp_bpf__destroy(s);
		errno = e;
		return NULL;
	}
	return s;
}

static void load_progs(void)
{
	static const struct { int *fd; const char *name; } maps[] = {
		{ &m_stats, FOU_MAP_STATS }, { &m_gro, FOU_MAP_GRO_STATS },
		{ &m_cpumap, FOU_MAP_CPUMAP }, { &m_tunnels, FOU_MAP_TUNNELS },
		{ &m_index, FOU_MAP_TUN_INDEX }, { &m_path, FOU_MAP_TUN_PATH },
		{ &m_icmp, FOU_MAP_TUN_ICMP },
	};
	size_t i;

	xon = load_rx(1, 0, NULL);
	xoff = xon ? load_rx(0, 0, xon->obj) : NULL;
	xsteer = xoff ? load_rx(1, 2, xon->obj) : NULL;
	xsteer0 = xsteer ? load_rx(0, 2, xon->obj) : NULL;
	if (!xsteer0)
		tap_bail("cannot load fou_rx_xdp: %s", strerror(errno));
	htc = fou_hints_tc_bpf__open();
	if (!htc || bh_share_pinned_maps(xon->obj, htc->obj) || fou_hints_tc_bpf__load(htc))
		tap_bail("cannot load fou_hints_tc: %s", strerror(errno));
	if (fou_port_fds_from_obj(xon->obj, &pfds))
		tap_bail("port maps missing");
	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		*maps[i].fd = bpf_object__find_map_fd_by_name(xon->obj, maps[i].name);
		if (*maps[i].fd < 0)
			tap_bail("map %s missing from fou_rx_xdp", maps[i].name);
	}
}

static void update(int fd, const void *k, const void *v, const char *what)
{
	if (bpf_map_update_elem(fd, k, v, BPF_ANY))
		tap_bail("%s update: %s", what, strerror(errno));
}

static const char *local_of(int fam) { return fam == 4 ? BH_NS_LOCAL4 : BH_NS_LOCAL6; }
static const char *remote_of(int fam) { return fam == 4 ? BH_NS_REMOTE4 : BH_NS_REMOTE6; }
static const char *fn(int fam) { return fam == 4 ? "IPv4" : "IPv6"; }

static void add_port(int fam, uint16_t port, uint8_t kind, uint8_t ipproto, uint32_t mark)
{
	struct fou_port_key k = { .port = port, .family = fam };
	struct fou_port v;

	memset(&v, 0, sizeof(v));
	v.kind = kind;
	v.ipproto = ipproto;
	v.flags = FOU_PORT_F_PEER_ANY;
	v.mark = mark;
	if (fou_port_install(&pfds, &k, &v, NULL, 0) ||
	    bh_add_local(xon->obj, fam, local_of(fam), FOU_LOCAL_UNICAST))
		tap_bail("cannot install port %u/%d", port, fam);
}

static uint16_t slot_of(int fam, uint16_t port)
{
	struct fou_port_key k = { .port = port, .family = fam };
	struct fou_port v;
	__u32 slot;

	if (fou_port_find(&pfds, &k, &v, &slot))
		tap_bail("port %u/%d not found", port, fam);
	return (uint16_t)slot;
}

/* One FOU tunnel per family to the remote, for the ICMP errors to match. */
static void put_tunnel(int slot, int fam)
{
	struct fou_tun_index_key k;
	struct fou_tun_index ix = { .slot = slot };
	struct fou_tunnel v;
	uint32_t s = slot;

	memset(&v, 0, sizeof(v));
	snprintf(v.name, sizeof(v.name), "th%d", slot);
	v.family = fam;
	v.kind = FOU_KIND_FOU;
	v.ipproto = 4;
	v.ttl = 64;
	v.flags = FOU_TUN_F_SPORT_FIXED;
	v.dport = P_FOU4;
	v.sport = SFIXED;
	v.local = bh_addr(fam, local_of(fam));
	v.remote = bh_addr(fam, remote_of(fam));
	update(m_tunnels, &s, &v, "fou_tunnels");
	memset(&k, 0, sizeof(k));
	k.local = v.local;
	k.remote = v.remote;
	k.dport = P_FOU4;
	k.family = fam;
	update(m_index, &k, &ix, "fou_tun_index");
}

static void configure(void)
{
	int fam;

	for (fam = 4; fam <= 6; fam += 2) {
		add_port(fam, P_FOU4, FOU_KIND_FOU, 4, MARK4);
		add_port(fam, P_FOU6, FOU_KIND_FOU, 41, 0);
		add_port(fam, P_GUE, FOU_KIND_GUE, 0, 0);
		add_port(fam, P_SCTP, FOU_KIND_FOU, SCTP_PROTO, 0);
	}
	put_tunnel(S_T4, 4);
	put_tunnel(S_T6, 6);
}

/* ---- XDP cases ----------------------------------------------------------- */

enum l4 { L4_TCP, L4_UDP, L4_UDP0, L4_ICMP };

struct tcase {
	char name[200];
	/* per case, cleared by case_begin() */
	int prog_fd;
	int verdict;
	int want[FOU_STAT__COUNT];
	bool meta;                  /* hints expected in front */
	struct fou_xdp_hints h;
	bool out_checked;
	size_t exp_len;
	int icmp_slot;              /* > 0: a Frag Needed expected to set this slot's path */
	int ip_in, l4_in, udp_out;  /* layers of the frame built */
	/* buffers */
	uint8_t in[BUF_SZ];
	struct pkt p;
	uint8_t exp[BUF_SZ];
};

static struct tcase T;
static uint8_t out_buf[BUF_SZ];

static void case_begin(int prog_fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void case_begin(int prog_fd, const char *fmt, ...)
{
	BH_CASE_BEGIN(T, fmt);
	T.prog_fd = prog_fd;
	T.ip_in = T.l4_in = T.udp_out = -1;
}

static void want(int stat) { T.want[stat]++; }

static int add_ip(struct pkt *p, int fam, const char *s, const char *d, uint8_t proto,
		  uint8_t optlen, uint16_t frag)
{
	if (fam == 4) {
		struct pkt_ip4_opts o = { .saddr = pkt_a4(s), .daddr = pkt_a4(d), .proto = proto,
					  .optlen = optlen, .frag = frag, .id = 0x4321 };

		return pkt_ip4(p, &o);
	}
	struct pkt_ip6_opts o = { .saddr = pkt_a6(s), .daddr = pkt_a6(d), .nexthdr = proto,
				  .flowlabel = 0x2345 };

	return pkt_ip6(p, &o);
}

static void add_eth(struct pkt *p, bool vlan)
{
	struct pkt_eth_opts e = { .vlan = vlan, .vlan_tci = 0x0064 };

	memcpy(e.dst, bh_dev_mac, 6);
	memcpy(e.src, bh_neigh_mac, 6);
	pkt_eth(p, &e);
}

/* A tunnelled frame: remote -> local, outer UDP to dport, GUE if asked,
 * an inner packet isrc -> idst (default 10.0.0.1 -> 10.0.0.2). */
struct tun {
	int ofam, ifam;
	bool gue, gue_opts, vlan;
	uint16_t dport, idport;   /* 0: the port for the kind; 80 or 53 */
	enum pkt_csum ocsum;
	enum l4 l4;
	uint8_t iopt;             /* inner IPv4 options */
	uint16_t ifrag;
	size_t payload;
	const char *isrc, *idst;
	uint16_t iid;             /* inner IPv4 id */
};

static uint16_t tun_dport(const struct tun *t)
{
	if (t->dport)
		return t->dport;
	return t->gue ? P_GUE : t->ifam == 4 ? P_FOU4 : P_FOU6;
}

static void build_tun(struct pkt *p, const struct tun *t)
{
	static const uint8_t priv[4] = { 0 }; /* no private flag: those are dropped */
	const char *is = t->isrc ? t->isrc : t->ifam == 4 ? "10.0.0.1" : "fd00::1";
	const char *id = t->idst ? t->idst : t->ifam == 4 ? "10.0.0.2" : "fd00::2";

	add_eth(p, t->vlan);
	add_ip(p, t->ofam, remote_of(t->ofam), local_of(t->ofam), 0, 0, 0);
	T.udp_out = pkt_udp(p, 4000, tun_dport(t), t->ocsum);
	if (t->gue) {
		struct pkt_gue_opts g = { .flags = t->gue_opts ? PKT_GUE_F_PRIV : 0,
					  .fields = t->gue_opts ? priv : NULL,
					  .fields_len = t->gue_opts ? 4 : 0 };

		pkt_gue(p, &g);
	}
	if (t->ifam == 4) {
		struct pkt_ip4_opts o = { .saddr = pkt_a4(is), .daddr = pkt_a4(id),
					  .optlen = t->iopt, .frag = t->ifrag,
					  .id = t->iid ? t->iid : 0x1234 };

		T.ip_in = pkt_ip4(p, &o);
	} else {
		T.ip_in = add_ip(p, 6, is, id, 0, 0, 0);
	}
	if (t->l4 == L4_TCP)
		T.l4_in = pkt_tcp(p, 40000, t->idport ? t->idport : 80);
	else if (t->l4 == L4_ICMP)
		T.l4_in = pkt_icmp_echo(p, 0x4242, 1);
	else
		T.l4_in = pkt_udp(p, 40000, t->idport ? t->idport : 53,
				  t->l4 == L4_UDP0 ? PKT_CSUM_ZERO : PKT_CSUM_AUTO);
	if (t->payload)
		pkt_payload(p, t->payload, 0x30);
	if (pkt_finalize(p) || T.l4_in < 0)
		tap_bail("packet builder overflow in %s", T.name);
}

/* Decapsulated: the same MACs (and tag), the inner EtherType, the inner packet. */
static void expect_decap(int stat, int fam, uint16_t port, uint8_t flags)
{
	size_t l2 = T.p.l[0].hdr_len, ioff = pkt_off(&T.p, T.ip_in);
	bool v4 = T.p.l[T.ip_in].type == PL_IP4;

	memcpy(T.exp, T.p.buf, l2 - 2);
	T.exp[l2 - 2] = v4 ? 0x08 : 0x86;
	T.exp[l2 - 1] = v4 ? 0x00 : 0xdd;
	memcpy(T.exp + l2, T.p.buf + ioff, T.p.len - ioff);
	T.exp_len = l2 + T.p.len - ioff;
	T.out_checked = true;
	T.verdict = XDP_PASS_V;
	want(stat);
	if (port) {
		T.meta = true;
		T.h.slot = slot_of(fam, port) + 1;
		T.h.flags = flags;
		T.h.hash = frame_hash(T.exp);
		want(FOU_STAT_HINTS_WRITTEN);
	}
}

/* Passed unchanged, with hints (flags, no port) or without (flags 0). */
static void expect_pass(int stat, uint8_t flags)
{
	memcpy(T.exp, T.p.buf, T.p.len);
	T.exp_len = T.p.len;
	T.out_checked = true;
	T.verdict = XDP_PASS_V;
	want(stat);
	if (flags) {
		T.meta = true;
		T.h.flags = flags;
		T.h.hash = frame_hash(T.exp);
		want(FOU_STAT_HINTS_WRITTEN);
	}
}

static void expect_drop(int stat)
{
	T.verdict = XDP_DROP_V;
	want(stat);
}

static void check_hints(const uint8_t *m)
{
	struct fou_xdp_hints got;

	memcpy(&got, m, sizeof(got));
	EXPECT_EQ(got.magic, FOU_HINTS_MAGIC, "hints magic");
	EXPECT_EQ(got.version, FOU_HINTS_VERSION, "hints version");
	if (got.flags != T.h.flags)
		tap_check_fail(__FILE__, __LINE__, "hints flags: got 0x%02x, expected 0x%02x",
			       got.flags, T.h.flags);
	EXPECT_EQ(got.slot, T.h.slot, "hints slot + 1");
	EXPECT_EQ(got.pad, 0, "hints pad");
	if (got.hash != T.h.hash)
		tap_check_fail(__FILE__, __LINE__, "hints hash: got 0x%08x, expected 0x%08x",
			       got.hash, T.h.hash);
}

/* Counters from .. to - 1 moved by exactly T.want[id]. */
static void check_counters(const uint64_t *b, const uint64_t *a, int from, int to)
{
	for (; from < to; from++)
		if ((long long)(a[from] - b[from]) != T.want[from])
			tap_check_fail(__FILE__, __LINE__, "counter %s moved by %lld, expected %d",
				       bh_stat_names[from], (long long)(a[from] - b[from]),
				       T.want[from]);
}

static void check_output(const struct xdp_md *c, uint32_t out_len, bool frags)
{
	uint32_t meta = T.meta ? HLEN : 0;

	EXPECT_EQ(c->data_meta, 0, "ctx_out data_meta");
	EXPECT_EQ(c->data, meta, "ctx_out data (metadata bytes in front)");
	if (!frags)
		EXPECT_EQ(c->data_end, out_len, "ctx_out data_end (all linear)");
	else
		EXPECT_TRUE(c->data_end > c->data && c->data_end < out_len,
			    "linear part and frags");
	if (!T.out_checked || out_len < meta)
		return;
	if (T.meta)
		check_hints(out_buf);
	EXPECT_MEMEQ(out_buf + meta, out_len - meta, T.exp, T.exp_len, "packet after the metadata");
}

static void check_icmp_state(void)
{
	struct fou_tun_icmp v[ncpus];
	struct fou_tun_path path;
	uint32_t s = T.icmp_slot;
	uint64_t n = 0;
	int c;

	if (bpf_map_lookup_elem(m_path, &s, &path) || bpf_map_lookup_elem(m_icmp, &s, v)) {
		tap_check_fail(__FILE__, __LINE__, "tunnel maps unreadable: %s", strerror(errno));
		return;
	}
	for (c = 0; c < ncpus; c++)
		n += s == S_T4 ? v[c].frag_needed : v[c].pkt_too_big;
	EXPECT_EQ(path.pmtu, 1400, "fou_tun_path pmtu");
	EXPECT_EQ(n, 1, "fou_tun_icmp frag_needed / pkt_too_big");
}

static void run(void)
{
	uint64_t before[FOU_STAT__COUNT], after[FOU_STAT__COUNT];
	bool frags = T.p.len > XDP_LINEAR;
	struct xdp_md ctx = { .data_end = frags ? XDP_LINEAR : T.p.len, .ingress_ifindex = LO };
	struct xdp_md cout;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = T.p.buf, .data_size_in = T.p.len,
		    .data_out = out_buf, .data_size_out = sizeof(out_buf), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .ctx_out = &cout, .ctx_size_out = sizeof(cout),
		    .repeat = 1);

	tap_begin();
	memset(&cout, 0, sizeof(cout));
	ASSERT_OK(bh_read_stats(m_stats, before), "read fou_stats");
	ASSERT_OK(bpf_prog_test_run_opts(T.prog_fd, &o), "bpf_prog_test_run_opts");
	EXPECT_EQ(o.retval, T.verdict, "verdict");
	if (T.verdict != XDP_DROP_V)
		check_output(&cout, o.data_size_out, frags);
	ASSERT_OK(bh_read_stats(m_stats, after), "read fou_stats");
	check_counters(before, after, 0, FOU_STAT__COUNT);
	if (T.icmp_slot)
		check_icmp_state();
cleanup:
	tap_end("%s", T.name);
}

/* ---- XDP: metadata contents ---------------------------------------------- */

#define F_DECAP (FOU_HINT_F_DECAP | FOU_HINT_F_OUTER_CSUM | FOU_HINT_F_INNER_CSUM)
#define F_OUTER (FOU_HINT_F_DECAP | FOU_HINT_F_OUTER_CSUM)

/* Flip bits of the inner packet at frame offset off, in the input and the
 * expected output, and make the outer UDP checksum right over it again. */
static void flip_inner(size_t off, uint8_t bits)
{
	T.p.buf[off] ^= bits;
	T.exp[off - pkt_off(&T.p, T.ip_in) + T.p.l[0].hdr_len] ^= bits;
	pkt_l4_fix_csum(&T.p, T.udp_out, PKT_CSUM_AUTO);
}

static int decap_stat(const struct tun *t)
{
	return t->gue ? FOU_STAT_RX_DECAP_GUE : FOU_STAT_RX_DECAP_FOU;
}

static void tun_case(int prog_fd, const struct tun *t, uint8_t flags, const char *what)
{
	static const char *const l4n[] = { "TCP", "UDP", "UDP without checksum", "ICMP" };

	case_begin(prog_fd, "%s over %s%s%s, inner %s %s%s%s", t->gue ? "GUE" : "FOU",
		   fn(t->ofam), t->ocsum == PKT_CSUM_ZERO ? " (zero UDP checksum)" : "",
		   t->vlan ? " VLAN-tagged" : "", fn(t->ifam), l4n[t->l4], what ? ": " : "",
		   what ? what : "");
	build_tun(&T.p, t);
	expect_decap(decap_stat(t), t->ofam, prog_fd != bpf_program__fd(xoff->progs.fou_rx_xdp) ?
		     tun_dport(t) : 0, flags);
}

static void cases_matrix(void)
{
	int xfd = bpf_program__fd(xon->progs.fou_rx_xdp), ofam, ifam, gue, l4;

	for (ofam = 4; ofam <= 6; ofam += 2)
		for (gue = 0; gue <= 1; gue++)
			for (ifam = 4; ifam <= 6; ifam += 2)
				for (l4 = L4_TCP; l4 <= L4_UDP; l4++) {
					struct tun t = { .ofam = ofam, .ifam = ifam, .gue = gue,
							 .l4 = l4, .payload = 200 };

					tun_case(xfd, &t, F_DECAP, NULL);
					run();
				}
}

/* Where INNER_CSUM (or OUTER_CSUM) must not be claimed, and where it holds
 * behind longer headers. */
static void cases_flags(void)
{
	int xfd = bpf_program__fd(xon->progs.fou_rx_xdp);
	struct tun t = { .ofam = 4, .ifam = 4, .l4 = L4_TCP, .payload = 100 };
	int i;

	for (i = 0; i < 2; i++) {
		tun_case(xfd, &t, F_OUTER, "inner TCP checksum wrong, outer checksum right over it");
		flip_inner(pkt_off(&T.p, T.l4_in) + 16, i ? 0x80 : 0x01);
		run();
		t = (struct tun){ .ofam = 6, .ifam = 6, .gue = true, .l4 = L4_TCP, .payload = 100 };
	}

	t = (struct tun){ .ofam = 4, .ifam = 4, .l4 = L4_UDP0, .payload = 100 };
	tun_case(xfd, &t, F_OUTER, NULL);
	run();
	t.ifam = 6;
	t.l4 = L4_UDP;
	t.ocsum = PKT_CSUM_ZERO;
	tun_case(xfd, &t, FOU_HINT_F_DECAP, "nothing verified");
	run();
	t = (struct tun){ .ofam = 4, .ifam = 4, .l4 = L4_ICMP, .payload = 64 };
	tun_case(xfd, &t, F_OUTER, "no TCP/UDP checksum to claim");
	run();
	t = (struct tun){ .ofam = 4, .ifam = 4, .l4 = L4_UDP, .ifrag = PKT_IP4_MF, .payload = 64 };
	tun_case(xfd, &t, F_OUTER, "first fragment (MF): no ports, no claim");
	run();
	t = (struct tun){ .ofam = 6, .ifam = 4, .gue = true, .gue_opts = true, .l4 = L4_TCP,
			  .payload = 300 };
	tun_case(xfd, &t, F_DECAP, "GUE with a private-data option");
	run();
	t = (struct tun){ .ofam = 4, .ifam = 4, .l4 = L4_TCP, .iopt = 8, .payload = 120 };
	tun_case(xfd, &t, F_DECAP, "8 bytes of inner IPv4 options");
	run();
	t.gue = true;
	t.gue_opts = true;
	t.l4 = L4_UDP;
	t.iopt = 40;
	tun_case(xfd, &t, F_DECAP, "GUE option and 40 bytes of inner IPv4 options");
	run();
	t = (struct tun){ .ofam = 4, .ifam = 4, .l4 = L4_UDP, .vlan = true, .payload = 50 };
	tun_case(xfd, &t, F_DECAP, "the hash still the inner flow's (BPF bug)");
	run();
}

/* ---- SCTP frames ---------------------------------------------------------- */

enum sctp_mode { SC_NATIVE, SC_DECAP, SC_TRANSIT };

static uint8_t sbuf[JUMBO + 64];

/* Native SCTP (remote -> local), or SCTP in UDP: to P_SCTP (RFC 6951
 * decapsulation) or from it to another port (in transit). */
static void build_sctp(struct pkt *p, int fam, enum sctp_mode m, size_t n, enum pkt_csum csum)
{
	size_t len = sctp_data(sbuf, 0x11223344, n);

	add_eth(p, false);
	add_ip(p, fam, remote_of(fam), local_of(fam), m == SC_NATIVE ? SCTP_PROTO : 0, 0, 0);
	if (m == SC_DECAP)
		pkt_udp(p, 40001, P_SCTP, csum);
	else if (m == SC_TRANSIT)
		pkt_udp(p, P_SCTP, 40001, csum);
	pkt_bytes(p, sbuf, len);
	if (pkt_finalize(p))
		tap_bail("packet builder overflow in %s", T.name);
}

static void sctp_case(int prog_fd, int fam, enum sctp_mode m, size_t n, enum pkt_csum csum,
		      uint8_t flags)
{
	static const char *const mn[] = { "native SCTP", "RFC 6951 SCTP in UDP to the port",
					  "SCTP in UDP in transit" };
	struct pkt e;

	case_begin(prog_fd, "%s (%s, %zu bytes of DATA%s)%s", mn[m], fn(fam), n,
		   csum == PKT_CSUM_ZERO ? ", zero UDP checksum" :
		   csum == PKT_CSUM_BAD ? ", bad UDP checksum" : "",
		   flags ? "" : ", hints off");
	build_sctp(&T.p, fam, m, n, csum);
	if (m != SC_DECAP) {
		expect_pass(FOU_STAT_PASS_SCTP_CRC_OK, flags);
		return;
	}
	/* the same frame built without its UDP header */
	pkt_init(&e, T.exp, sizeof(T.exp));
	build_sctp(&e, fam, SC_NATIVE, n, csum);
	T.exp_len = e.len;
	T.out_checked = true;
	T.verdict = XDP_PASS_V;
	want(FOU_STAT_RX_DECAP_SCTP);
	want(FOU_STAT_SCTP_VTAG_UNKNOWN); /* DATA from a peer it has not seen start */
	if (flags) {
		T.meta = true;
		T.h.flags = flags;
		T.h.slot = slot_of(fam, P_SCTP) + 1;
		T.h.hash = frame_hash(T.exp);
		want(FOU_STAT_HINTS_WRITTEN);
	}
}

#define F_SCTP FOU_HINT_F_SCTP_CRC
/* In transit XDP checks the CRC32c but leaves the UDP checksum to the stack. */
#define F_TRANSIT (FOU_HINT_F_SCTP_CRC | FOU_HINT_F_SCTP_IN_UDP)

static void cases_sctp(void)
{
	int xfd = bpf_program__fd(xon->progs.fou_rx_xdp), fam;

	for (fam = 4; fam <= 6; fam += 2) {
		sctp_case(xfd, fam, SC_NATIVE, 100, PKT_CSUM_AUTO, F_SCTP);
		run();
		sctp_case(xfd, fam, SC_DECAP, 100, PKT_CSUM_AUTO,
			  FOU_HINT_F_DECAP | FOU_HINT_F_OUTER_CSUM | F_SCTP);
		run();
		sctp_case(xfd, fam, SC_TRANSIT, 100, PKT_CSUM_AUTO, F_TRANSIT);
		run();
	}
	sctp_case(xfd, 4, SC_DECAP, 60, PKT_CSUM_ZERO, FOU_HINT_F_DECAP | F_SCTP);
	run();
	sctp_case(xfd, 4, SC_TRANSIT, 60, PKT_CSUM_ZERO, F_TRANSIT);
	run();
	/* the stack checks that UDP checksum, not XDP: nothing claims it */
	sctp_case(xfd, 6, SC_TRANSIT, 60, PKT_CSUM_BAD, F_TRANSIT);
	run();
}

/* Nothing decapsulated or checked: no metadata at all. */
static void cases_no_hints(void)
{
	int xfd = bpf_program__fd(xon->progs.fou_rx_xdp);
	struct tun t = { .ofam = 4, .ifam = 4, .l4 = L4_UDP, .dport = 9999, .payload = 40 };

	case_begin(xfd, "UDP to a port that is not ours: no metadata");
	build_tun(&T.p, &t);
	expect_pass(FOU_STAT_PASS_NO_PORT, 0);
	run();

	case_begin(xfd, "plain TCP: no metadata");
	add_eth(&T.p, false);
	add_ip(&T.p, 6, remote_of(6), local_of(6), 0, 0, 0);
	pkt_tcp(&T.p, 1000, 22);
	pkt_payload(&T.p, 30, 1);
	if (pkt_finalize(&T.p))
		tap_bail("builder");
	expect_pass(FOU_STAT_PASS_NOT_UDP, 0);
	run();

	t = (struct tun){ .ofam = 4, .ifam = 4, .l4 = L4_TCP, .ocsum = PKT_CSUM_BAD, .payload = 40 };
	case_begin(xfd, "FOU with a bad outer UDP checksum: dropped, no metadata");
	build_tun(&T.p, &t);
	expect_drop(FOU_STAT_DROP_UDP_CSUM);
	run();

	case_begin(xfd, "native SCTP with a bad CRC32c: dropped, no metadata");
	build_sctp(&T.p, 4, SC_NATIVE, 40, PKT_CSUM_AUTO);
	T.p.buf[T.p.len - 1] ^= 0x04;
	expect_drop(FOU_STAT_DROP_SCTP_CRC);
	run();
}

/* Loaded without fou_hints_on: the outputs of before, no metadata. */
static void cases_hints_off(void)
{
	int ofd = bpf_program__fd(xoff->progs.fou_rx_xdp);
	struct tun t = { .ofam = 4, .ifam = 4, .l4 = L4_TCP, .payload = 200 };

	tun_case(ofd, &t, 0, "hints off");
	run();
	t = (struct tun){ .ofam = 6, .ifam = 6, .gue = true, .l4 = L4_UDP, .payload = 200 };
	tun_case(ofd, &t, 0, "hints off");
	run();
	sctp_case(ofd, 4, SC_NATIVE, 80, PKT_CSUM_AUTO, 0);
	run();
	sctp_case(ofd, 6, SC_DECAP, 80, PKT_CSUM_AUTO, 0);
	run();
}

/* ---- XDP multi-buffer ----------------------------------------------------- */

/* Payload that brings the frame to JUMBO bytes. */
static size_t jumbo_payload(const struct tun *t)
{
	size_t hdrs = 14 + (t->ofam == 4 ? 20 : 40) + 8 + (t->gue ? 4 : 0) +
		      (t->ifam == 4 ? 20 : 40) + (t->l4 == L4_TCP ? 20 : 8);

	return JUMBO - hdrs;
}

static void cases_frags(void)
{
	int xfd = bpf_program__fd(xon->progs.fou_rx_xdp), ofd = bpf_program__fd(xoff->progs.fou_rx_xdp);
	struct tun t = { .ofam = 4, .ifam = 4, .l4 = L4_TCP };

	t.payload = jumbo_payload(&t);
	tun_case(xfd, &t, F_DECAP, "9000 bytes, multi-buffer");
	run();
	t = (struct tun){ .ofam = 6, .ifam = 6, .gue = true, .l4 = L4_UDP };
	t.payload = jumbo_payload(&t);
	tun_case(xfd, &t, F_DECAP, "9000 bytes, multi-buffer");
	run();
	tun_case(ofd, &t, 0, "9000 bytes, multi-buffer, hints off");
	run();
	t = (struct tun){ .ofam = 4, .ifam = 6, .l4 = L4_TCP };
	t.payload = jumbo_payload(&t);
	tun_case(xfd, &t, F_OUTER, "9000 bytes, multi-buffer, a bit of the payload flipped in a frag");
	flip_inner(T.p.len - 100, 0x10);
	run();
	t.ocsum = PKT_CSUM_BAD;
	case_begin(xfd, "FOU over IPv4, 9000 bytes, multi-buffer, outer checksum wrong");
	build_tun(&T.p, &t);
	expect_drop(FOU_STAT_DROP_UDP_CSUM);
	run();

	sctp_case(xfd, 4, SC_NATIVE, JUMBO - 14 - 20 - 28, PKT_CSUM_AUTO, F_SCTP);
	run();
	sctp_case(xfd, 6, SC_DECAP, JUMBO - 14 - 40 - 8 - 28, PKT_CSUM_AUTO,
		  FOU_HINT_F_DECAP | FOU_HINT_F_OUTER_CSUM | F_SCTP);
	run();
	sctp_case(xfd, 4, SC_TRANSIT, JUMBO - 14 - 20 - 8 - 28, PKT_CSUM_AUTO, F_TRANSIT);
	run();
	case_begin(xfd, "native SCTP (IPv6, 9000 bytes, multi-buffer), bit flipped in a frag");
	build_sctp(&T.p, 6, SC_NATIVE, JUMBO - 14 - 40 - 28, PKT_CSUM_AUTO);
	T.p.buf[T.p.len - 200] ^= 0x01;
	expect_drop(FOU_STAT_DROP_SCTP_CRC);
	run();
}

/* A Frag Needed / Packet Too Big (MTU 1400) quoting our tunnel packet of
 * JUMBO - 8 bytes... as much of it as fits: the error is JUMBO bytes. */
static void icmp_case(int fam, bool bad_csum)
{
	uint8_t q[JUMBO];
	size_t hl = fam == 4 ? 20 : 40, qlen = JUMBO - 14 - hl - 8;
	uint8_t ih[8] = { fam == 4 ? 3 : 2, fam == 4 ? 4 : 0, 0, 0, 0, 0, 1400 >> 8, 1400 & 0xff };
	struct pkt qp;
	uint32_t s = fam == 4 ? S_T4 : S_T6;
	struct fou_tun_path zero;
	int ip, l;

	case_begin(bpf_program__fd(xon->progs.fou_rx_xdp),
		   "%s MTU 1400 about our tunnel, 9000 bytes, multi-buffer%s",
		   fam == 4 ? "Frag Needed" : "Packet Too Big", bad_csum ? ", bad checksum" : "");
	pkt_init(&qp, q, sizeof(q));
	add_ip(&qp, fam, local_of(fam), remote_of(fam), 0, 0, fam == 4 ? PKT_IP4_DF : 0);
	pkt_udp(&qp, SFIXED, P_FOU4, PKT_CSUM_ZERO);
	pkt_payload(&qp, qlen - hl - 8, 0x11);
	add_eth(&T.p, false);
	ip = add_ip(&T.p, fam, fam == 4 ? "192.0.2.254" : "2001:db8::fe", local_of(fam),
		    fam == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6, 0, 0);
	l = pkt_bytes(&T.p, ih, sizeof(ih));
	pkt_bytes(&T.p, q, qlen);
	if (pkt_finalize(&qp) || pkt_finalize(&T.p) || ip < 0 || l < 0)
		tap_bail("ICMP builder overflow");
	/* the quote's bytes were copied before its lengths were filled */
	memcpy(T.p.buf + pkt_off(&T.p, l) + 8, q, qlen);
	pkt_put16(&T.p, pkt_off(&T.p, l) + 2,
		  l4_csum(T.p.buf + pkt_off(&T.p, ip), fam, fam == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6,
			  T.p.buf + pkt_off(&T.p, l), T.p.len - pkt_off(&T.p, l)));
	if (bad_csum)
		T.p.buf[T.p.len - 3000] ^= 0x08;
	memset(&zero, 0, sizeof(zero));
	update(m_path, &s, &zero, "fou_tun_path");
	if (bad_csum) {
		expect_drop(FOU_STAT_DROP_ICMP_CSUM);
		return;
	}
	expect_drop(FOU_STAT_RX_ICMP_TUNNEL);
	want(FOU_STAT_PMTU_LOWERED);
	T.icmp_slot = s;
}

static void cases_icmp(void)
{
	int fam;

	for (fam = 4; fam <= 6; fam += 2) {
		struct fou_tun_icmp z[ncpus];
		uint32_t s = fam == 4 ? S_T4 : S_T6;

		memset(z, 0, sizeof(z));
		update(m_icmp, &s, z, "fou_tun_icmp");
		icmp_case(fam, false);
		run();
		icmp_case(fam, true);
		run();
	}
}

/* ---- steering ----------------------------------------------------------- */

static void cpumap_set(int n, const int *idx)
{
	struct bpf_cpumap_val v = { .qsize = 256 };
	uint32_t k;
	int i;

	for (k = 0; k < 2; k++)
		bpf_map_delete_elem(m_cpumap, &k);
	for (i = 0; i < n; i++) {
		k = idx[i];
		update(m_cpumap, &k, &v, "fou_cpumap");
	}
}

/* A decapsulation with steering: hints written, then the redirect. */
static void steer_case(const struct tun *t, int entries, bool redirect, const char *what)
{
	int idx[2] = { 0, 1 };
	uint32_t k;

	tun_case(bpf_program__fd(xsteer->progs.fou_rx_xdp), t, F_DECAP, what);
	k = T.h.hash % 2;
	if (entries == 1)
		idx[0] = redirect ? k : !k;
	cpumap_set(entries, idx);
	T.verdict = redirect ? XDP_REDIRECT_V : XDP_PASS_V;
	want(redirect ? FOU_STAT_STEER_CPUMAP : FOU_STAT_STEER_FAILED);
}

static void cases_steer(void)
{
	struct tun t = { .ofam = 4, .ifam = 4, .l4 = L4_TCP, .payload = 100 };

	if (ncpus < 2) {
		tap_skip("steering: needs 2 CPUs for fou_cpumap entries 0 and 1 (%d)", ncpus);
		return;
	}
	steer_case(&t, 2, true, "steered, both CPUs in fou_cpumap: XDP_REDIRECT");
	run();
	steer_case(&t, 1, true, "steered, only the CPU index hash % 2 in fou_cpumap: XDP_REDIRECT");
	run();
	steer_case(&t, 1, false, "steered, only the other CPU in fou_cpumap: passed here");
	run();
	t.ofam = t.ifam = 6;
	t.gue = true;
	steer_case(&t, 0, false, "steered, fou_cpumap empty: passed here");
	run();
	case_begin(bpf_program__fd(xsteer->progs.fou_rx_xdp), "steering: native SCTP not steered");
	build_sctp(&T.p, 4, SC_NATIVE, 100, PKT_CSUM_AUTO);
	cpumap_set(2, (int[]){ 0, 1 });
	expect_pass(FOU_STAT_PASS_SCTP_CRC_OK, F_SCTP);
	run();

	/* Steering needs the hash, so hints are written with fou_hints_on 0
	 * too; the inner checksum is verified only with hints on. */
	t = (struct tun){ .ofam = 4, .ifam = 6, .l4 = L4_UDP, .payload = 100 };
	case_begin(bpf_program__fd(xsteer0->progs.fou_rx_xdp),
		   "steering with hints off: hints written all the same, no INNER_CSUM");
	build_tun(&T.p, &t);
	expect_decap(FOU_STAT_RX_DECAP_FOU, 4, P_FOU6, F_OUTER);
	T.verdict = XDP_REDIRECT_V;
	want(FOU_STAT_STEER_CPUMAP);
	run();
	cpumap_set(0, NULL);
}

/* ---- fou_hints_tc: test_run without metadata ------------------------------ */

static void gro_read(uint32_t slot, struct fou_gro_stats *sum)
{
	struct fou_gro_stats v[ncpus];
	int c;

	memset(sum, 0, sizeof(*sum));
	if (bpf_map_lookup_elem(m_gro, &slot, v))
		tap_bail("fou_gro_stats lookup: %s", strerror(errno));
	for (c = 0; c < ncpus; c++) {
		sum->skbs += v[c].skbs;
		sum->segs += v[c].segs;
	}
}

/* A plain frame (no tunnel) from the remote to P_APP. */
static void build_plain(struct pkt *p, int fam)
{
	add_eth(p, false);
	add_ip(p, fam, remote_of(fam), local_of(fam), 0, 0, 0);
	pkt_udp(p, 40000, P_APP, PKT_CSUM_AUTO);
	pkt_payload(p, 64, 0x20);
	if (pkt_finalize(p))
		tap_bail("builder");
}

static void cases_tc_run(void)
{
	uint64_t before[FOU_STAT__COUNT], after[FOU_STAT__COUNT];
	struct __sk_buff ctx = { .mark = 0x55, .gso_segs = 3 }, cout;
	struct fou_gro_stats gb, ga;
	uint32_t s4 = slot_of(4, P_FOU4);
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_out = out_buf, .data_size_out = sizeof(out_buf),
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .ctx_out = &cout,
		    .ctx_size_out = sizeof(cout), .repeat = 1);
	int fd = bpf_program__fd(htc->progs.fou_hints_tc), err;

	case_begin(fd, "fou_hints_tc, test_run without metadata: nothing changed, nothing counted");
	build_plain(&T.p, 4);
	o.data_in = T.p.buf;
	o.data_size_in = T.p.len;
	tap_begin();
	memset(&cout, 0, sizeof(cout));
	gro_read(s4, &gb);
	ASSERT_OK(bh_read_stats(m_stats, before), "read fou_stats");
	ASSERT_OK(bpf_prog_test_run_opts(fd, &o), "bpf_prog_test_run_opts");
	EXPECT_EQ(o.retval, TC_ACT_OK_V, "verdict");
	EXPECT_EQ(cout.mark, 0x55, "skb mark kept");
	EXPECT_EQ(cout.gso_segs, 3, "gso_segs kept");
	EXPECT_MEMEQ(out_buf, o.data_size_out, T.p.buf, T.p.len, "bytes unchanged");
	ASSERT_OK(bh_read_stats(m_stats, after), "read fou_stats");
	check_counters(before, after, 0, FOU_STAT__COUNT);
	gro_read(s4, &ga);
	EXPECT_EQ(ga.skbs - gb.skbs, 0, "fou_gro_stats skbs");
cleanup:
	tap_end("%s", T.name);

	/* Is metadata accepted for skbs now? Then the end-to-end cases below
	 * could become test_run cases. */
	ctx.data = HLEN;
	err = bpf_prog_test_run_opts(fd, &o);
	tap_note("skb test_run with %d bytes of metadata: %s; fou_hints_tc with hints runs end to end",
		 HLEN, err ? strerror(-err) : "accepted");
}

/* ---- fou_hints_tc end to end ---------------------------------------------- */

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), \
						.off = (o), .imm = (i) })
#define MOV64_REG(d, s)     INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV64_IMM(d, i)     INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define ADD64_IMM(d, i)     INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define LDX_W(d, s, o)      INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define STX_W(d, s, o)      INSN(BPF_STX | BPF_MEM | BPF_W, d, s, o, 0)
#define ST_W(d, o, i)       INSN(BPF_ST | BPF_MEM | BPF_W, d, 0, o, i)
#define CALL(f)             INSN(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define EXIT()              INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* What the socket filter saw of the last datagram (fh_seen[0]). */
struct seen {
	uint32_t hash, mark, n;
};

static int m_seen, usock = -1, psock = -1, peer_idx;

/* A socket filter that keeps skb->hash and skb->mark in fh_seen[0] and
 * counts, then accepts the datagram whole: the skb as TC ingress left it. */
static int seen_filter(void)
{
	struct bpf_insn p[] = {
		MOV64_REG(BPF_REG_6, BPF_REG_1),
		ST_W(BPF_REG_10, -4, 0),
		INSN(BPF_LD | BPF_DW | BPF_IMM, BPF_REG_1, BPF_PSEUDO_MAP_FD, 0, m_seen),
		INSN(0, 0, 0, 0, 0),
		MOV64_REG(BPF_REG_2, BPF_REG_10),
		ADD64_IMM(BPF_REG_2, -4),
		CALL(BPF_FUNC_map_lookup_elem),
		INSN(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, 7, 0),
		LDX_W(BPF_REG_1, BPF_REG_6, offsetof(struct __sk_buff, hash)),
		STX_W(BPF_REG_0, BPF_REG_1, 0),
		LDX_W(BPF_REG_1, BPF_REG_6, offsetof(struct __sk_buff, mark)),
		STX_W(BPF_REG_0, BPF_REG_1, 4),
		LDX_W(BPF_REG_1, BPF_REG_0, 8),
		ADD64_IMM(BPF_REG_1, 1),
		STX_W(BPF_REG_0, BPF_REG_1, 8),
		INSN(BPF_ALU | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, -1),
		EXIT(),
	};

	return bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "fh_seen", "GPL", p,
			     sizeof(p) / sizeof(p[0]), NULL);
}

/* An XDP program that writes nwords words of metadata and passes. */
static int forge_prog(const uint32_t *w, int nwords)
{
	struct bpf_insn p[32];
	int n = 0, i, skip;

	p[n++] = MOV64_REG(BPF_REG_6, BPF_REG_1);
	p[n++] = MOV64_IMM(BPF_REG_2, -4 * nwords);
	p[n++] = CALL(BPF_FUNC_xdp_adjust_meta);
	skip = 5 + nwords; /* to the return */
	p[n++] = INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_0, 0, skip, 0);
	p[n++] = LDX_W(BPF_REG_2, BPF_REG_6, offsetof(struct xdp_md, data_meta));
	p[n++] = LDX_W(BPF_REG_3, BPF_REG_6, offsetof(struct xdp_md, data));
	p[n++] = MOV64_REG(BPF_REG_4, BPF_REG_2);
	p[n++] = ADD64_IMM(BPF_REG_4, 4 * nwords);
	p[n++] = INSN(BPF_JMP | BPF_JGT | BPF_X, BPF_REG_4, BPF_REG_3, nwords, 0);
	for (i = 0; i < nwords; i++)
		p[n++] = ST_W(BPF_REG_2, 4 * i, (int32_t)w[i]);
	p[n++] = MOV64_IMM(BPF_REG_0, XDP_PASS_V);
	p[n++] = EXIT();
	return bpf_prog_load(BPF_PROG_TYPE_XDP, "fh_forge", "GPL", p, n, NULL);
}

static int xdp_attach(int fd)
{
	return bpf_xdp_attach(ifidx, fd, XDP_FLAGS_DRV_MODE, NULL);
}

/* fou_rx_xdp (hints on) native on DEV, fou_hints_tc at its TC ingress, a
 * dual-stack UDP socket on P_APP with the filter, a packet socket on PEER. */
static const char *e2e_setup(void)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifidx, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, tco, .prog_fd = bpf_program__fd(htc->progs.fou_hints_tc));
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(P_APP) };
	int fd, zero = 0;

	peer_idx = if_nametoindex(PEER);
	m_seen = bpf_map_create(BPF_MAP_TYPE_ARRAY, "fh_seen", 4, sizeof(struct seen), 1, NULL);
	fd = m_seen < 0 ? -1 : seen_filter();
	if (fd < 0)
		return "socket filter load";
	if (xdp_attach(bpf_program__fd(xon->progs.fou_rx_xdp)))
		return "native XDP attach on veth";
	if (bpf_tc_hook_create(&hook) || bpf_tc_attach(&hook, &tco))
		return "TC ingress attach";
	usock = socket(AF_INET6, SOCK_DGRAM, 0);
	if (usock < 0 || setsockopt(usock, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) ||
	    bind(usock, (struct sockaddr *)&a, sizeof(a)) ||
	    setsockopt(usock, SOL_SOCKET, SO_ATTACH_BPF, &fd, sizeof(fd)))
		return "UDP socket";
	psock = socket(AF_PACKET, SOCK_RAW, 0);
	return psock < 0 || !peer_idx ? "packet socket" : NULL;
}

static int e2e_send(const struct pkt *p)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = peer_idx,
				   .sll_halen = 6 };

	memcpy(sll.sll_addr, bh_dev_mac, 6);
	return sendto(psock, p->buf, p->len, 0, (struct sockaddr *)&sll, sizeof(sll)) ==
	       (ssize_t)p->len ? 0 : -errno;
}

/* The datagram's length, or -1 after a second without one. */
static int e2e_recv(void)
{
	struct pollfd pf = { .fd = usock, .events = POLLIN };
	uint8_t b[2048];

	if (poll(&pf, 1, 1000) != 1)
		return -1;
	return (int)recv(usock, b, sizeof(b), 0);
}

/* What an end-to-end case expects of TC. */
struct e2e_want {
	bool hash_is;          /* skb->hash must be hash */
	uint32_t hash, mark;
	int slot;              /* fou_gro_stats slot +1 skb, +1 segment; -1: none */
};

static void e2e_run(const struct e2e_want *w)
{
	uint64_t before[FOU_STAT__COUNT], after[FOU_STAT__COUNT];
	struct fou_gro_stats gb, ga;
	struct seen s = { 0 };
	uint32_t k = 0, gs = w->slot >= 0 ? (uint32_t)w->slot : 0;

	tap_begin();
	ASSERT_OK(bpf_map_update_elem(m_seen, &k, &s, BPF_ANY), "clear fh_seen");
	gro_read(gs, &gb);
	ASSERT_OK(bh_read_stats(m_stats, before), "read fou_stats");
	ASSERT_OK(e2e_send(&T.p), "send on " PEER);
	EXPECT_EQ(e2e_recv(), 64, "datagram received on " DEV);
	ASSERT_OK(bpf_map_lookup_elem(m_seen, &k, &s), "read fh_seen");
	EXPECT_EQ(s.n, 1, "datagrams the socket filter saw");
	if (w->hash_is && s.hash != w->hash)
		tap_check_fail(__FILE__, __LINE__, "skb hash 0x%08x, expected 0x%08x", s.hash, w->hash);
	if (!w->hash_is && s.hash == w->hash)
		tap_check_fail(__FILE__, __LINE__, "skb hash 0x%08x applied", s.hash);
	if (s.mark != w->mark)
		tap_check_fail(__FILE__, __LINE__, "skb mark 0x%x, expected 0x%x", s.mark, w->mark);
	ASSERT_OK(bh_read_stats(m_stats, after), "read fou_stats");
	/* only the counters of this issue and the outcome: the namespace has
	 * its own traffic (IPv6 neighbour discovery) */
	check_counters(before, after, FOU_STAT_HINTS_WRITTEN, FOU_STAT_STEER_FAILED + 1);
	check_counters(before, after, FOU_STAT_RX_DECAP_FOU, FOU_STAT_RX_DECAP_FOU + 1);
	gro_read(gs, &ga);
	EXPECT_EQ(ga.skbs - gb.skbs, w->slot >= 0, "fou_gro_stats skbs");
	EXPECT_EQ(ga.segs - gb.segs, w->slot >= 0, "fou_gro_stats segs");
cleanup:
	tap_end("%s", T.name);
}

/* Through fou_rx_xdp: FOU to P_FOU4 / P_FOU6 over IPv4, a datagram inside
 * for the socket. */
static void e2e_tun_case(int ifam, enum l4 l4, const char *what)
{
	struct tun t = { .ofam = 4, .ifam = ifam, .l4 = l4, .idport = P_APP, .payload = 64,
			 .isrc = remote_of(ifam), .idst = local_of(ifam) };
	uint16_t port = ifam == 4 ? P_FOU4 : P_FOU6;
	struct e2e_want w = { .hash_is = true, .mark = ifam == 4 ? MARK4 : 0,
			      .slot = slot_of(4, port) };

	case_begin(0, "end to end: FOU over IPv4, inner %s UDP%s: %s", fn(ifam),
		   l4 == L4_UDP0 ? " without checksum" : "", what);
	build_tun(&T.p, &t);
	expect_decap(FOU_STAT_RX_DECAP_FOU, 4, port,
		     l4 == L4_UDP0 ? F_OUTER : F_DECAP);
	w.hash = T.h.hash;
	want(FOU_STAT_HINTS_APPLIED);
	/* a packet socket's skb is CHECKSUM_NONE, veth leaves it so: the
	 * verified inner checksum is what raises it */
	if (l4 != L4_UDP0)
		want(FOU_STAT_HINTS_CSUM);
	e2e_run(&w);
}

/* Metadata written by our forging XDP program, then a plain datagram. */
static void e2e_forged(const struct fou_xdp_hints *h, int nwords, const struct e2e_want *w,
		       int events, const char *what)
{
	uint32_t words[3];
	int fd;

	case_begin(0, "end to end: %s", what);
	memcpy(words, h, sizeof(words));
	fd = forge_prog(words, nwords);
	if (fd < 0 || xdp_attach(fd)) {
		tap_ok(false, "%s: forging XDP program: %s", T.name, strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	close(fd);
	build_plain(&T.p, 4);
	for (; events; events &= events - 1)
		want(__builtin_ctz(events) + FOU_STAT_HINTS_WRITTEN);
	e2e_run(w);
}

#define EV(id) (1 << ((id) - FOU_STAT_HINTS_WRITTEN))

static void cases_e2e_forged(void)
{
	struct fou_xdp_hints h = { .magic = FOU_HINTS_MAGIC, .version = FOU_HINTS_VERSION,
				   .slot = slot_of(4, P_FOU4) + 1, .hash = 0xdeadbeef };
	struct e2e_want w = { .hash_is = true, .hash = 0xdeadbeef, .mark = MARK4,
			      .slot = h.slot - 1 };
	struct e2e_want none = { .hash = 0xdeadbeef, .slot = -1 };

	e2e_forged(&h, 3, &w, EV(FOU_STAT_HINTS_APPLIED),
		   "hints of our choosing: hash, the port's mark, its GRO counters");
	h.flags = FOU_HINT_F_INNER_CSUM;
	h.slot = 0;
	h.hash = 0x01020304;
	w = (struct e2e_want){ .hash_is = true, .hash = 0x01020304, .slot = -1 };
	e2e_forged(&h, 3, &w, EV(FOU_STAT_HINTS_APPLIED) | EV(FOU_STAT_HINTS_CSUM),
		   "hints without a port, INNER_CSUM: hash, no mark, checksum raised");
	h = (struct fou_xdp_hints){ .magic = 0xf0a2, .version = FOU_HINTS_VERSION,
				    .slot = slot_of(4, P_FOU4) + 1, .hash = 0xdeadbeef };
	e2e_forged(&h, 3, &none, EV(FOU_STAT_HINTS_FOREIGN), "metadata of another magic: foreign");
	h.magic = FOU_HINTS_MAGIC;
	h.version = FOU_HINTS_VERSION + 1;
	e2e_forged(&h, 3, &none, EV(FOU_STAT_HINTS_FOREIGN), "hints of another version: foreign");
	h.version = FOU_HINTS_VERSION;
	e2e_forged(&h, 1, &none, EV(FOU_STAT_HINTS_FOREIGN),
		   "4 bytes of metadata with our magic and version: foreign");
}

static void cases_e2e_plain(void)
{
	struct e2e_want w = { .slot = -1, .hash = 0 };

	case_begin(0, "end to end: a datagram without metadata (not tunnelled): nothing applied");
	build_plain(&T.p, 4);
	/* only that our forged hash is not what the skb carries */
	w.hash = 0xdeadbeef;
	e2e_run(&w);
}

/* A burst of inner TCP segments of one flow: whatever GRO merged, TC must
 * count every segment once (gso_segs), and one skb per hints_applied. */
static void case_e2e_gro(void)
{
	enum { NSEG = 8 };
	uint64_t before[FOU_STAT__COUNT], after[FOU_STAT__COUNT];
	uint32_t slot = slot_of(4, P_FOU4);
	struct fou_gro_stats gb, ga;
	int i;

	tap_begin();
	gro_read(slot, &gb);
	ASSERT_OK(bh_read_stats(m_stats, before), "read fou_stats");
	for (i = 0; i < NSEG; i++) {
		struct tun t = { .ofam = 4, .ifam = 4, .l4 = L4_TCP, .idport = P_APP + 1,
				 .payload = 1000, .isrc = BH_NS_REMOTE4, .idst = BH_NS_LOCAL4,
				 .iid = 0x100 + i };
		size_t tcp;

		case_begin(0, "gro");
		build_tun(&T.p, &t);
		tcp = pkt_off(&T.p, T.l4_in);
		pkt_put32(&T.p, tcp + 4, 0x10000 + 1000 * i); /* seq */
		T.p.buf[tcp + 13] = 0x10;                      /* ACK only: mergeable */
		pkt_l4_fix_csum(&T.p, T.l4_in, PKT_CSUM_AUTO);
		pkt_l4_fix_csum(&T.p, T.udp_out, PKT_CSUM_AUTO);
		ASSERT_OK(e2e_send(&T.p), "send on " PEER);
	}
	/* Received asynchronously (NAPI, then a GRO flush): wait until every
	 * segment is decapsulated and counted by TC, bounded (5 s), not for a
	 * fixed time that a loaded machine may overrun. */
	for (i = 0; i < 100; i++) {
		ASSERT_OK(bh_read_stats(m_stats, after), "read fou_stats");
		gro_read(slot, &ga);
		if (after[FOU_STAT_RX_DECAP_FOU] - before[FOU_STAT_RX_DECAP_FOU] >= NSEG &&
		    ga.segs - gb.segs >= NSEG)
			break;
		usleep(50 * 1000);
	}
	EXPECT_EQ(after[FOU_STAT_RX_DECAP_FOU] - before[FOU_STAT_RX_DECAP_FOU], NSEG, "rx_decap_fou");
	EXPECT_EQ(after[FOU_STAT_HINTS_WRITTEN] - before[FOU_STAT_HINTS_WRITTEN], NSEG,
		  "hints_written");
	EXPECT_EQ(ga.segs - gb.segs, NSEG, "fou_gro_stats segs: every segment once");
	EXPECT_TRUE(ga.skbs - gb.skbs >= 1 && ga.skbs - gb.skbs <= NSEG, "fou_gro_stats skbs");
	EXPECT_EQ(after[FOU_STAT_HINTS_APPLIED] - before[FOU_STAT_HINTS_APPLIED], ga.skbs - gb.skbs,
		  "hints_applied: one per skb");
	tap_note("GRO on veth merged %d TCP segments into %llu skb(s)", NSEG,
		 (unsigned long long)(ga.skbs - gb.skbs));
cleanup:
	tap_end("end to end: %d inner TCP segments of one flow: fou_gro_stats counts each segment once",
		NSEG);
}

static void cases_e2e(void)
{
	const char *failed = e2e_setup();

	if (failed) {
		tap_skip("end-to-end fou_hints_tc cases: %s failed (%s)", failed, strerror(errno));
		return;
	}
	e2e_tun_case(4, L4_UDP, "inner hash, the port's mark, checksum raised");
	e2e_tun_case(6, L4_UDP, "inner hash, a port without mark");
	e2e_tun_case(4, L4_UDP0, "no checksum to raise");
	cases_e2e_plain();
	case_e2e_gro();
	cases_e2e_forged();
}

/* ---- main ----------------------------------------------------------------- */

int main(int argc, char **argv)
{
	const char *failed;

	tap_args(argc, argv);
	ncpus = libbpf_num_possible_cpus();
	ifidx = bh_setup_netns(DEV, PEER, "", &failed);
	if (ifidx < 0)
		tap_skip_all("private namespace: %s (%s)", failed ? failed : "-", strerror(-ifidx));
	load_progs();
	configure();
	cases_matrix();
	cases_flags();
	cases_sctp();
	cases_no_hints();
	cases_hints_off();
	cases_frags();
	cases_icmp();
	cases_steer();
	cases_tc_run();
	cases_e2e();
	return tap_done();
}
