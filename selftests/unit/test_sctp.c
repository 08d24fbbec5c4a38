// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of the SCTP paths (issue 4): CRC32c checking of native SCTP and
 * of SCTP over UDP in transit, the RFC 6951 decapsulation port and what the
 * gateway learns from it, on fou_rx_xdp and fou_rx_tc; the encapsulation and
 * CRC filling of fou_tx_tc. BPF_PROG_TEST_RUN on packets built here, with a
 * bitwise CRC32c of our own; for every case the verdict, the exact output
 * bytes, every fou_stats counter (the outcome and the sctp_ events) and,
 * where the gateway learns, the contents of fou_sctp_peers / fou_sctp_vtags.
 *
 * The three programs share one set of SCTP maps (conf, devs, peers, vtags),
 * as they do when fouloader pins them, so that what the receive side learns
 * steers the transmit side. They run in a private network namespace with one
 * veth pair: DEV (MTU 1500) is the device with SCTP duties in the cases that
 * name one; the other cases run on lo, which is what test_run gives by
 * default. Nothing is attached anywhere. TAP output.
 *
 * test_run's skbs arrive CHECKSUM_NONE, so at TC every verified native or
 * decapsulated packet is also marked for the stack (sctp_csum_marked); its
 * XDP frames put what passes XDP_LINEAR bytes in frags (multi-buffer), and
 * its skbs cannot be that large, so jumbo frames are XDP cases only.
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

#include "fou_maps.h"
#include "fou_stats.h"
#include "fou_rx_xdp.skel.h"
#include "fou_rx_tc.skel.h"
#include "fou_tx_tc.skel.h"
#include "bpfharness.h"
#include "pktbuild.h"
#include "tap.h"
#include "unit_case.h"

#define BUF_SZ   16384
#define DEV      "fsc0"
#define PEER     "fsc1"
#define LO       1
#define SCTP_PROTO 132
#define DEF_PORT FOU_SCTP_PORT_DEFAULT

/* SCTP stores the CRC little-endian (RFC 9260 appendix A, as Linux does). */
static void sctp_put_crc(uint8_t *s, uint32_t c)
{
	s[8] = c & 0xff;
	s[9] = c >> 8 & 0xff;
	s[10] = c >> 16 & 0xff;
	s[11] = c >> 24;
}

static bool sctp_crc_ok(const uint8_t *s, size_t n)
{
	uint32_t c = sctp_crc32c_ref(s, n);

	return s[8] == (c & 0xff) && s[9] == (c >> 8 & 0xff) && s[10] == (c >> 16 & 0xff) &&
	       s[11] == c >> 24;
}

/* ---- SCTP packets -------------------------------------------------------- */

#define SCTP_MAX 9200
#define CID_DATA     0
#define CID_INIT     1
#define CID_INIT_ACK 2
#define CID_SACK     3
#define CID_ABORT    6
#define CID_SHUTDOWN_COMPLETE 14

struct sctp_b {
	uint8_t b[SCTP_MAX];
	size_t len;
	size_t last; /* offset of the last chunk */
};

/* The 12-byte common header; CRC zero until sb_crc(). */
static void sb_begin(struct sctp_b *s, uint16_t sport, uint16_t dport, uint32_t vtag)
{
	memset(s->b, 0, 12);
	be16_put(s->b, sport);
	be16_put(s->b + 2, dport);
	be32_put(s->b + 4, vtag);
	s->len = 12;
}

/* A chunk of vlen value bytes (a pattern unless val), padded to 4 unless
 * nopad; the length field says 4 + vlen. */
static void sb_chunk(struct sctp_b *s, uint8_t type, uint8_t flags, const uint8_t *val,
		     size_t vlen, bool nopad)
{
	uint8_t *c = s->b + s->len;
	size_t i, pad = nopad ? 0 : (4 - (vlen & 3)) & 3;

	if (s->len + 4 + vlen + pad > SCTP_MAX)
		tap_bail("SCTP builder overflow");
	c[0] = type;
	c[1] = flags;
	be16_put(c + 2, (uint16_t)(4 + vlen));
	for (i = 0; i < vlen; i++)
		c[4 + i] = val ? val[i] : (uint8_t)(0x41 + i * 3);
	memset(c + 4 + vlen, 0, pad);
	s->last = s->len;
	s->len += 4 + vlen + pad;
}

/* INIT / INIT-ACK: Initiate Tag, a_rwnd, streams, initial TSN, and one
 * Supported Address Types parameter of 6 bytes, so the chunk length (26) is
 * not a multiple of 4. */
static void sb_init(struct sctp_b *s, uint8_t type, uint32_t init_tag)
{
	uint8_t v[22] = { 0 };

	be32_put(v, init_tag);
	be32_put(v + 4, 106496);
	be16_put(v + 8, 10);
	be16_put(v + 10, 65535);
	be32_put(v + 12, init_tag ^ 0x5a5a);
	be16_put(v + 16, 12);
	be16_put(v + 18, 6);
	be16_put(v + 20, 5);
	sb_chunk(s, type, 0, v, sizeof(v), false);
}

/* DATA (B and E set): TSN, stream, sequence, PPID, n bytes of user data. */
static void sb_data(struct sctp_b *s, uint32_t tsn, size_t n)
{
	uint8_t v[12 + SCTP_MAX];
	size_t i;

	memset(v, 0, 12);
	be32_put(v, tsn);
	be32_put(v + 8, 51);
	for (i = 0; i < n; i++)
		v[12 + i] = (uint8_t)(i * 13 + 7);
	sb_chunk(s, CID_DATA, 3, v, 12 + n, false);
}

static void sb_crc(struct sctp_b *s)
{
	sctp_put_crc(s->b, sctp_crc32c_ref(s->b, s->len));
}

static void sb_bad_crc(struct sctp_b *s)
{
	sctp_put_crc(s->b, sctp_crc32c_ref(s->b, s->len) ^ 0x00010000);
}

/* ---- frames -------------------------------------------------------------- */

struct frame {
	int fam;
	bool vlan;
	uint8_t optlen;      /* IPv4 options */
	uint16_t frag;
	const char *saddr, *daddr;
	bool udp;            /* SCTP over UDP */
	uint16_t sport, dport;
	enum pkt_csum csum;
	const struct sctp_b *sctp; /* read when the frame is built */
};

static const uint8_t mac_dst[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t mac_src[6] = { 0x02, 0, 0, 0, 0, 0x02 };

/* The over-UDP peer A and the native side B (the gateway sits between). */
static const char *a_addr(int fam) { return fam == 4 ? "192.0.2.10" : "2001:db8::10"; }
static const char *a2_addr(int fam) { return fam == 4 ? "192.0.2.11" : "2001:db8::11"; }
static const char *b_addr(int fam) { return fam == 4 ? "198.51.100.20" : "2001:db8:100::20"; }

/* Ethernet, IP (protocol 132 or 17), UDP if asked, the SCTP bytes; lengths
 * and checksums filled in. Returns the IP layer. */
static int build(struct pkt *p, const struct frame *f)
{
	struct pkt_eth_opts e = { .vlan = f->vlan, .vlan_tci = 0x0064 };
	const char *s = f->saddr ? f->saddr : a_addr(f->fam);
	const char *d = f->daddr ? f->daddr : b_addr(f->fam);
	uint8_t proto = f->udp ? 0 : SCTP_PROTO;
	int ip;

	memcpy(e.dst, mac_dst, 6);
	memcpy(e.src, mac_src, 6);
	pkt_eth(p, &e);
	if (f->fam == 4) {
		struct pkt_ip4_opts o = { .saddr = pkt_a4(s), .daddr = pkt_a4(d), .proto = proto,
					  .tos = 0x10, .ttl = 61, .id = 0x2345,
					  .optlen = f->optlen, .frag = f->frag };

		ip = pkt_ip4(p, &o);
	} else {
		struct pkt_ip6_opts o = { .saddr = pkt_a6(s), .daddr = pkt_a6(d), .nexthdr = proto,
					  .tclass = 0x10, .hlim = 61, .flowlabel = 0x5678a };

		ip = pkt_ip6(p, &o);
	}
	if (f->udp)
		pkt_udp(p, f->sport, f->dport, f->csum);
	if (f->sctp && f->sctp->len)
		pkt_bytes(p, f->sctp->b, f->sctp->len);
	if (pkt_finalize(p) || ip < 0)
		tap_bail("packet builder overflow");
	return ip;
}

/* ---- programs and maps --------------------------------------------------- */

static struct ut_hook hooks[3] = { UT_HOOK_XDP, UT_HOOK_TC, UT_HOOK_TX };
#define HX (&hooks[0])
#define HT (&hooks[1])

static struct fou_rx_xdp_bpf *xskel;
static struct fou_rx_tc_bpf *tskel;
static struct fou_tx_tc_bpf *txskel;
static int m_conf, m_devs, m_peers, m_vtags;
static int ifidx; /* DEV */

static const char *const shared_maps[] = {
	FOU_MAP_SCTP_CONF, FOU_MAP_SCTP_DEVS, FOU_MAP_SCTP_PEERS, FOU_MAP_SCTP_VTAGS,
};

/* Before load: no pins, and the first object's SCTP maps, as pinning would
 * share them. */
static int share_sctp_maps(struct bpf_object *obj)
{
	const int fds[] = { m_conf, m_devs, m_peers, m_vtags };
	unsigned int i;

	bh_unpin_all(obj);
	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(obj, shared_maps[i]);

		if (!m || bpf_map__reuse_fd(m, fds[i]))
			return -1;
	}
	return 0;
}

#define OPEN_SHARING(skel, s) UT_OPEN_SHARING(skel, s, share_sctp_maps((s)->obj))

static int load_progs(void)
{
	xskel = BH_OPEN_UNPINNED(fou_rx_xdp_bpf);
	if (!xskel)
		return -1;
	m_conf = bpf_map__fd(xskel->maps.fou_sctp_conf);
	m_devs = bpf_map__fd(xskel->maps.fou_sctp_devs);
	m_peers = bpf_map__fd(xskel->maps.fou_sctp_peers);
	m_vtags = bpf_map__fd(xskel->maps.fou_sctp_vtags);
	if (OPEN_SHARING(fou_rx_tc_bpf, tskel) || OPEN_SHARING(fou_tx_tc_bpf, txskel))
		return -1;
	/* the transmit side has no ports */
	hooks[2].prog_fd = bpf_program__fd(txskel->progs.fou_tx_tc);
	hooks[2].stats_fd = bpf_object__find_map_fd_by_name(txskel->obj, FOU_MAP_STATS);
	return ut_hook_fill(&hooks[0], xskel->obj, xskel->progs.fou_rx_xdp) ?:
	       ut_hook_fill(&hooks[1], tskel->obj, tskel->progs.fou_rx_tc);
}

static void conf_set(uint16_t encap_port, uint16_t remote_port)
{
	struct fou_sctp_conf c = { .encap_port = encap_port, .remote_port = remote_port };
	uint32_t zero = 0;

	if (bpf_map_update_elem(m_conf, &zero, &c, BPF_ANY))
		tap_bail("fou_sctp_conf update: %s", strerror(errno));
}

static void dev_set(uint32_t ifindex, uint32_t flags)
{
	struct fou_sctp_dev d = { .flags = flags };

	if (!flags) {
		bpf_map_delete_elem(m_devs, &ifindex);
		return;
	}
	if (bpf_map_update_elem(m_devs, &ifindex, &d, BPF_ANY))
		tap_bail("fou_sctp_devs update: %s", strerror(errno));
}

static void map_clear(int fd)
{
	uint8_t key[64];

	while (!bpf_map_get_next_key(fd, NULL, key))
		if (bpf_map_delete_elem(fd, key))
			tap_bail("map delete: %s", strerror(errno));
}

static int map_count(int fd)
{
	uint8_t key[64], next[64];
	int n = 0;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, sizeof(key));
		prev = key;
		n++;
	}
	return n;
}

/* Forget everything learned, and every device and setting. */
static void sctp_reset(void)
{
	map_clear(m_peers);
	map_clear(m_vtags);
	map_clear(m_devs);
	conf_set(0, 0);
}

static struct fou_sctp_peer_key peer_key(int fam, const char *addr, uint32_t tag)
{
	struct fou_sctp_peer_key k;

	memset(&k, 0, sizeof(k));
	k.addr = bh_addr(fam, addr);
	k.family = fam;
	k.vtag = tag;
	return k;
}

static void peer_put(int fam, const char *addr, uint32_t tag, uint16_t port, uint16_t flags,
		     uint32_t peer_vtag)
{
	struct fou_sctp_peer_key k = peer_key(fam, addr, tag);
	struct fou_sctp_peer v = { .encap_port = port, .flags = flags, .peer_vtag = peer_vtag };

	if (bpf_map_update_elem(m_peers, &k, &v, BPF_ANY))
		tap_bail("fou_sctp_peers update: %s", strerror(errno));
}

static void vtag_put(int fam, const char *addr, uint32_t their_tag, uint32_t peer_tag)
{
	struct fou_sctp_vtag_key k;
	struct fou_sctp_vtag v = { .peer_vtag = peer_tag };

	memset(&k, 0, sizeof(k));
	k.addr = bh_addr(fam, addr);
	k.vtag = their_tag;
	k.family = fam;
	if (bpf_map_update_elem(m_vtags, &k, &v, BPF_ANY))
		tap_bail("fou_sctp_vtags update: %s", strerror(errno));
}

/* ---- receive ports ------------------------------------------------------- */

#define P_SCTP     DEF_PORT /* RFC 6951 port, any peer */
#define P_SCTPPEER 9900     /* RFC 6951 port, peer a2_addr only */
#define P_OTHER    12345    /* not configured */

static int add_port(int fam, uint16_t port, bool any)
{
	struct fou_port_key k = { .port = port, .family = fam };
	struct fou_peer_spec peer = { .addr = bh_addr(fam, a2_addr(fam)) };
	struct fou_port v;
	int i, err;

	memset(&v, 0, sizeof(v));
	v.kind = FOU_KIND_FOU;
	v.ipproto = SCTP_PROTO;
	v.flags = any ? FOU_PORT_F_PEER_ANY : 0;
	for (i = 0; i < 2; i++) {
		err = fou_port_install(&hooks[i].pfds, &k, &v, &peer, any ? 0 : 1);
		if (err)
			return err;
	}
	return 0;
}

static int configure_ports(void)
{
	int fam, err = 0;

	for (fam = 4; fam <= 6; fam += 2) {
		err = err ?: add_port(fam, P_SCTP, true);
		err = err ?: add_port(fam, P_SCTPPEER, false);
		for (int i = 0; i < 2; i++) { /* each receive object has its own */
			struct bpf_object *obj = i ? tskel->obj : xskel->obj;

			/* the native side B is this host's; the over-UDP peer A
			 * is not (a 'peer any' port refuses this host's own
			 * addresses as sources, as the kernel does) */
			err = err ?: bh_add_local(obj, fam, b_addr(fam), FOU_LOCAL_UNICAST);
		}
	}
	return err;
}

/* ---- cases --------------------------------------------------------------- */

enum outcome { O_PASS = UT_PASS, O_DROP = UT_DROP, O_CHANGED = UT_CHANGED };

/* What a map holds after the case: an entry, or its absence. */
struct map_want {
	bool vtags;         /* fou_sctp_vtags, else fou_sctp_peers */
	bool absent;
	int fam;
	const char *addr;
	uint32_t tag;
	uint16_t port, flags; /* peers */
	uint32_t val;         /* peers: peer_vtag; vtags: peer_vtag */
};

struct tcase {
	char name[160];
	/* per case, cleared by case_begin() */
	int hooks;
	enum outcome out;
	int want[FOU_STAT__COUNT];
	bool marked;          /* TC receive: the skb gets marked CRC-verified */
	bool port_set, port_drop;
	struct fou_port_key pk;
	uint32_t ifindex;     /* 0: lo */
	uint32_t linear;      /* XDP: bytes in the first buffer; 0: all that fit */
	uint32_t gso_size;    /* TC: the skb is GSO with this size */
	int nmw;
	struct map_want mw[4];
	int npeers, nvtags;   /* entries expected in the maps; -1: not checked */
	bool fresh;           /* forget what was learned before each hook's run */
	size_t inner_bytes;   /* port rx_bytes of a decapsulation: the SCTP packet */
	size_t exp_len;
	/* buffers */
	uint8_t in[BUF_SZ];
	struct pkt p;
	uint8_t exp[BUF_SZ];
};

static struct tcase T;
static uint8_t out_buf[BUF_SZ];
static struct sctp_b S, S2;
static const char *gw_rx; /* the receive hook of the gateway sequence running */

static void case_begin(int hk, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void case_begin(int hk, const char *fmt, ...)
{
	static const char gw[] = "gateway: ";
	const size_t n = sizeof(gw) - 1;

	BH_CASE_BEGIN(T, fmt);
	T.hooks = hk;
	T.npeers = T.nvtags = -1;
	/* The transmit steps of a sequence are told apart by its receive hook. */
	if (gw_rx && !strncmp(T.name, gw, n)) {
		char pre[40];
		size_t lp = (size_t)snprintf(pre, sizeof(pre), "gateway (with %s rx): ", gw_rx);
		size_t rest = strlen(T.name) - n;

		if (lp < sizeof(pre) && lp + rest < sizeof(T.name)) {
			memmove(T.name + lp, T.name + n, rest + 1);
			memcpy(T.name, pre, lp);
		}
	}
}

static const char *fn(int fam) { return fam == 4 ? "IPv4" : "IPv6"; }

static void expect(enum outcome o, int stat)
{
	T.out = o;
	T.want[stat]++;
}

static void also(int event)
{
	T.want[event]++;
}

static void want_map(bool vtags, int fam, const char *addr, uint32_t tag, uint16_t port,
		     uint16_t flags, uint32_t val)
{
	struct map_want w = { .vtags = vtags, .fam = fam, .addr = addr, .tag = tag,
			      .port = port, .flags = flags, .val = val };

	if (T.nmw >= 4)
		tap_bail("too many map expectations in %s", T.name);
	T.mw[T.nmw++] = w;
}

static void want_peer(int fam, const char *addr, uint32_t tag, uint16_t port, uint16_t flags,
		      uint32_t peer_vtag)
{
	want_map(false, fam, addr, tag, port, flags, peer_vtag);
}

static void want_vtag(int fam, const char *addr, uint32_t their_tag, uint32_t peer_tag)
{
	want_map(true, fam, addr, their_tag, 0, 0, peer_tag);
}

static void want_no_peer(int fam, const char *addr, uint32_t tag)
{
	want_map(false, fam, addr, tag, 0, 0, 0);
	T.mw[T.nmw - 1].absent = true;
}

static void want_counts(int npeers, int nvtags)
{
	T.npeers = npeers;
	T.nvtags = nvtags;
}

/* Check of the current point: the entry (or absence) w says. */
static void check_map_want(const struct map_want *w)
{
	struct fou_sctp_peer_key k = peer_key(w->fam, w->addr, w->tag);
	uint8_t v[sizeof(struct fou_sctp_peer)];
	struct fou_sctp_peer *p = (void *)v;
	struct fou_sctp_vtag *t = (void *)v;
	char what[96];
	int err;

	/* The two keys have the same layout (include/fou_maps.h). */
	err = bpf_map_lookup_elem(w->vtags ? m_vtags : m_peers, &k, v) ? -errno : 0;
	snprintf(what, sizeof(what), "%s {%s, 0x%08x}", w->vtags ? "fou_sctp_vtags" :
		 "fou_sctp_peers", w->addr, w->tag);
	if (w->absent) {
		if (err != -ENOENT)
			tap_check_fail(__FILE__, __LINE__, "%s: present, expected absent", what);
	} else if (err) {
		tap_check_fail(__FILE__, __LINE__, "%s: missing (%d)", what, err);
	} else if (w->vtags) {
		EXPECT_EQ(t->peer_vtag, w->val, what);
	} else if (p->encap_port != w->port || p->flags != w->flags ||
		   p->peer_vtag != w->val || !p->updated_ns) {
		tap_check_fail(__FILE__, __LINE__,
			       "%s = {port %u, flags 0x%x, peer_vtag 0x%08x, updated %llu}, "
			       "expected {port %u, flags 0x%x, peer_vtag 0x%08x, updated > 0}",
			       what, p->encap_port, p->flags, p->peer_vtag,
			       (unsigned long long)p->updated_ns, w->port, w->flags, w->val);
	}
}

static void check_maps(void)
{
	int i;

	for (i = 0; i < T.nmw; i++)
		check_map_want(&T.mw[i]);
	if (T.npeers >= 0)
		EXPECT_EQ(map_count(m_peers), T.npeers, "entries in fou_sctp_peers");
	if (T.nvtags >= 0)
		EXPECT_EQ(map_count(m_vtags), T.nvtags, "entries in fou_sctp_vtags");
}

/* TC receive counts the skbs it marks CRC-verified too. */
static void check_counters(const struct ut_hook *h, const uint64_t *b, const uint64_t *a)
{
	int want[FOU_STAT__COUNT];

	memcpy(want, T.want, sizeof(want));
	if (h->id == H_TC && T.marked)
		want[FOU_STAT_SCTP_CSUM_MARKED]++;
	ut_check_counters(b, a, want);
}

static void check_port_stats(const struct fou_port_stats *b, const struct fou_port_stats *a)
{
	ut_check_port_moved(b, a, T.out == O_CHANGED && !T.port_drop, T.port_drop);
	EXPECT_EQ(a->rx_bytes - b->rx_bytes, T.port_drop ? 0 : T.inner_bytes, "port rx_bytes delta");
}

/* test_run's limits: skb frames up to a page less its overheads; XDP frames
 * up to that in the first buffer, the rest in frags. */
#define SKB_MAX   3500
#define XDP_LINEAR 3000

static int test_run(const struct ut_hook *h, struct ut_io *io)
{
	const struct ut_ctx c = {
		.set = true, .ifindex = T.ifindex ? T.ifindex : LO, .gso_size = T.gso_size,
		.linear = T.linear ? T.linear : T.p.len < XDP_LINEAR ? T.p.len : XDP_LINEAR,
	};

	*io = UT_IO(T.p, out_buf);
	return ut_test_run(h, &c, io);
}

/* T.fresh: what was learned before is forgotten before each hook's run. */
static void run_on(const struct ut_hook *h)
{
	uint64_t before[FOU_STAT__COUNT], after[FOU_STAT__COUNT];
	struct fou_port_stats pb, pa;
	struct ut_io io;

	if (T.fresh) {
		map_clear(m_peers);
		map_clear(m_vtags);
	}
	tap_begin();
	ASSERT_OK(bh_read_stats(h->stats_fd, before), "read fou_stats");
	if (T.port_set)
		ASSERT_OK(ut_port_stats(h, &T.pk, true, &pb), "read fou_port_stats");
	ASSERT_OK(test_run(h, &io), "bpf_prog_test_run_opts");
	ut_check_output(h, T.out, &io, T.exp, T.exp_len);
	ASSERT_OK(bh_read_stats(h->stats_fd, after), "read fou_stats");
	check_counters(h, before, after);
	if (T.port_set) {
		ASSERT_OK(ut_port_stats(h, &T.pk, true, &pa), "read fou_port_stats");
		check_port_stats(&pb, &pa);
	}
	check_maps();
cleanup:
	tap_end("%s: %s", h->name, T.name);
}

static void run(void)
{
	ut_run_hooks(hooks, 3, T.hooks, T.name, run_on);
}

/* ---- expectations of output ---------------------------------------------- */

/* A receive case that changes nothing. */
static void expect_rx_pass(int stat, bool marked)
{
	expect(O_PASS, stat);
	T.marked = marked;
}

/* RFC 6951 to native: f without its UDP header, without Ethernet padding;
 * the IPv4 checksum is computed afresh by pktbuild. */
static void expect_decap(const struct frame *f, uint16_t port)
{
	struct frame g = *f;
	struct pkt e;

	g.udp = false;
	pkt_init(&e, T.exp, sizeof(T.exp));
	build(&e, &g);
	T.exp_len = e.len;
	expect(O_CHANGED, FOU_STAT_RX_DECAP_SCTP);
	T.marked = true;
	T.port_set = true;
	T.pk.port = port;
	T.pk.family = f->fam;
	T.inner_bytes = f->sctp->len;
}

/* Native to RFC 6951: f in UDP from sport to dport, its SCTP bytes as sctp
 * (the CRC filled where the device fills it). */
static void expect_encap(const struct frame *f, uint16_t sport, uint16_t dport,
			 const struct sctp_b *sctp)
{
	struct frame g = *f;
	struct pkt e;

	g.udp = true;
	g.sport = sport;
	g.dport = dport;
	g.csum = PKT_CSUM_AUTO;
	g.sctp = sctp;
	pkt_init(&e, T.exp, sizeof(T.exp));
	build(&e, &g);
	T.exp_len = e.len;
	expect(O_CHANGED, FOU_STAT_TX_ENCAP_SCTP);
}

/* Independent checks of an output frame: IPv4 header checksum, UDP checksum
 * over the pseudo header, SCTP CRC32c. */
static bool frame_sane(const uint8_t *b, size_t n)
{
	size_t l3 = 14, l4;
	int ver = b[l3] >> 4;
	uint8_t proto;

	if (ver == 4) {
		size_t ihl = (b[l3] & 0xf) * 4;

		if (ip4_hdr_csum(b + l3, ihl) != be16_get(b + l3 + 10))
			return false;
		l4 = l3 + ihl;
		proto = b[l3 + 9];
		if (be16_get(b + l3 + 2) != n - l3)
			return false;
	} else {
		l4 = l3 + 40;
		proto = b[l3 + 6];
		if (be16_get(b + l3 + 4) != n - l4)
			return false;
	}
	if (proto == 17) {
		if (be16_get(b + l4 + 4) != n - l4 || !l4_csum_ok(b + l3, ver, 17, b + l4, n - l4))
			return false;
		l4 += 8;
	}
	return sctp_crc_ok(b + l4, n - l4);
}

/* ---- receive: native SCTP ------------------------------------------------ */

static void native_frame(struct frame *f, int fam, const struct sctp_b *s)
{
	memset(f, 0, sizeof(*f));
	f->fam = fam;
	f->sctp = s;
}

/*
 * One SCTP receive case, native or over UDP in transit (the format:
 * unit_case.h): an SCTP packet from a recipe and its parameters, framed as
 * .f says (.fam and .sctp are set per run; .f.udp: in UDP), received on lo
 * or DEV with the fou_sctp_devs flags and the encap-port the row names
 * (forgotten after it), and the counter it moves: a pass leaves the bytes
 * unchanged (TC marks a good native CRC verified), a drop drops.
 */
struct native_row {
	const char *id, *what;
	uint8_t hooks, fams;             /* 0: H_RX, both families */
	void (*sctp)(struct sctp_b *s, const struct native_row *r);
	size_t n;                        /* the recipe's size or count */
	int a;                           /* the recipe's variant */
	uint32_t vtag;                   /* sb_std's */
	struct frame f;                  /* VLAN, IPv4 options, fragment */
	size_t cut;                      /* bytes taken off the frame's end */
	int udp_len;                     /* .f.udp: the UDP length field by this */
	uint16_t encap_port;             /* sctp set encap-port during the case */
	bool pad;                        /* 6 bytes of Ethernet padding */
	uint32_t linear, gso_size;       /* XDP's first buffer; the skb's GSO */
	bool on_dev;                     /* received on DEV, not lo */
	uint32_t dev_lo, dev_dev;        /* fou_sctp_devs flags during the case */
	int stat;
};

/* ---- recipes: the SCTP packet of a row ------------------------------------ */

/* A DATA packet of n user bytes, CRC good. */
static void sb_std(struct sctp_b *s, uint32_t vtag, size_t n)
{
	sb_begin(s, 5001, 5002, vtag);
	sb_data(s, 1000, n);
	sb_crc(s);
}

/* DATA of r->n bytes; r->a: 1 a bad CRC, 2 the last bit flipped after the
 * CRC, 3 a bit of byte 5000 flipped after it. */
static void s_data(struct sctp_b *s, const struct native_row *r)
{
	sb_std(s, r->vtag, r->n);
	if (r->a == 1)
		sb_bad_crc(s);
	else if (r->a == 2)
		s->b[s->len - 1] ^= 0x80;
	else if (r->a == 3)
		s->b[5000] ^= 1;
}

/* INIT (chunk length 26); r->a: its CRC stored big-endian, right number,
 * wrong byte order. */
static void s_init(struct sctp_b *s, const struct native_row *r)
{
	sb_begin(s, 5001, 5002, 0);
	sb_init(s, CID_INIT, 0xabcdef01);
	sb_crc(s);
	if (r->a)
		be32_put(s->b + 8, sctp_crc32c_ref(s->b, s->len));
}

/* SACK, DATA of 45, ABORT; r->a: one bit of the DATA flipped after the CRC. */
static void s_three(struct sctp_b *s, const struct native_row *r)
{
	sb_begin(s, 5001, 5002, 0x01020304);
	sb_chunk(s, CID_SACK, 0, NULL, 12, false);
	sb_data(s, 7, 33);
	sb_chunk(s, CID_ABORT, 1, NULL, 0, false);
	sb_crc(s);
	if (r->a)
		s->b[s->len - 9] ^= 0x20;
}

/* An IP payload of r->n bytes of a DATA packet (CRC over it from 12 on). */
static void s_short(struct sctp_b *s, const struct native_row *r)
{
	sb_std(s, 0x11223344, 8);
	s->len = r->n;
	if (r->n >= 12)
		sb_crc(s);
}

/* DATA of 20 whose chunk length is r->a more (r->n: is r->n). */
static void s_chunk_len(struct sctp_b *s, const struct native_row *r)
{
	sb_std(s, 0x11223344, 20);
	be16_put(s->b + s->last + 2,
		 (uint16_t)(r->n ? r->n : (size_t)(be16_get(s->b + s->last + 2) + r->a)));
	sb_crc(s);
}

/* The first chunk's length r->n; r->a: the second chunk's (a SACK). */
static void s_chunk_small(struct sctp_b *s, const struct native_row *r)
{
	sb_begin(s, 5001, 5002, 0x11223344);
	if (r->a) {
		sb_data(s, 1, 8);
		sb_chunk(s, CID_SACK, 0, NULL, 12, false);
	} else {
		sb_chunk(s, CID_DATA, 3, NULL, 16, false);
	}
	be16_put(s->b + s->last + 2, r->n);
	sb_crc(s);
}

/* r->n zero bytes after a DATA chunk of 24 bytes (which needs no padding). */
static void s_trailing(struct sctp_b *s, const struct native_row *r)
{
	sb_std(s, 0x11223344, 8);
	memset(s->b + s->len, 0, r->n);
	s->len += r->n;
	sb_crc(s);
}

/* DATA of length 21 with r->n of its 3 padding bytes; r->a: all of them
 * and 4 zero bytes after (a chunk of length 0). */
static void s_padding(struct sctp_b *s, const struct native_row *r)
{
	sb_begin(s, 5001, 5002, 0x11223344);
	sb_data(s, 1, 5);
	if (r->a) {
		memset(s->b + s->len, 0, 4);
		s->len += 4;
	} else {
		s->len -= 3 - r->n;
	}
	sb_crc(s);
}

/* More chunks than the walk looks at (SCTP_MAX_CHUNKS, 64): the one after
 * them is not looked at, but the CRC still covers it. r->a: 1 the 65th of
 * length 0, 2 the 64th too, 3 both whole again and a bad CRC. */
static void s_many(struct sctp_b *s, const struct native_row *r)
{
	sb_begin(s, 5001, 5002, 0x11223344);
	for (int i = 0; i < 65; i++)
		sb_chunk(s, CID_SACK, 0, NULL, 12, false);
	if (r->a == 1 || r->a == 2)
		be16_put(s->b + s->last + 2, 0);
	if (r->a == 2)
		be16_put(s->b + s->last - 16 + 2, 0);
	sb_crc(s);
	if (r->a == 3)
		sctp_put_crc(s->b, sctp_crc32c_ref(s->b, s->len) ^ 1);
}

/* SCTP/UDP not shaped like SCTP: DATA of 1 byte whose chunk length says 40;
 * r->a: cut to 15 bytes. */
static void s_not_sctp(struct sctp_b *s, const struct native_row *r)
{
	sb_std(s, 0x0badcafe, 1);
	be16_put(s->b + s->last + 2, 40);
	sb_crc(s);
	if (r->a)
		s->len = 15;
}

/* ---- the runner ----------------------------------------------------------- */

static void native_run(const struct native_row *r, int fam)
{
	struct frame f = r->f;

	int ip;

	case_begin(r->hooks ? r->hooks : H_RX, "%s: %s %s (%s)", r->id,
		   f.udp ? "transit SCTP/UDP" : "native SCTP", r->what, fn(fam));
	r->sctp(&S, r);
	f.fam = fam;
	f.sctp = &S;
	ip = build(&T.p, &f);
	if (r->udp_len)
		pkt_put16(&T.p, pkt_off(&T.p, ip) + (fam == 4 ? 20 : 40) + 4,
			  (uint16_t)(8 + S.len + r->udp_len));
	T.p.len -= r->cut;
	if (r->pad)
		pkt_bytes(&T.p, "\xff\xff\xff\xff\xff\xff", 6);
	T.linear = r->linear;
	T.gso_size = r->gso_size;
	T.ifindex = r->on_dev ? ifidx : 0;
	if (FOU_STAT_IS_DROP(r->stat))
		expect(O_DROP, r->stat);
	else
		expect_rx_pass(r->stat, r->stat == FOU_STAT_PASS_SCTP_CRC_OK && !f.udp &&
					r->hooks != H_XDP);
	dev_set(LO, r->dev_lo);
	dev_set(ifidx, r->dev_dev);
	conf_set(r->encap_port, 0);
	run();
	dev_set(LO, 0);
	dev_set(ifidx, 0);
	conf_set(0, 0);
}

/* ---- the table ------------------------------------------------------------ */

#define S(x) FOU_STAT_##x
#define DATA(id, w, h, n_, a_, st) \
	{ id, w, h, .sctp = s_data, .n = n_, .a = a_, .vtag = 0x11223344, .stat = S(st) }
#define BIG(id, w, h, n_, a_, st) \
	{ id, w, h, .sctp = s_data, .n = n_, .a = a_, .vtag = 0x55667788, .stat = S(st) }
#define RECIPE(id, w, fn_, n_, a_, st) \
	{ id, w, .sctp = fn_, .n = n_, .a = a_, .stat = S(st) }
/* A DATA packet with a bad CRC of 50 bytes on a device that does not
 * verify: SCTP on it is none of our business. */
#define NOVERIFY(w, h, lo, dev, on, gso, st) \
	{ "noverify", "bad CRC, " w, h, .sctp = s_data, .n = 50, .a = 1, .vtag = 0x11223344, \
	  .dev_lo = lo, .dev_dev = dev, .on_dev = on, .gso_size = gso, .stat = S(st) }

static const struct native_row native_rows[] = {
	DATA("native", "DATA, good CRC", 0, 100, 0, PASS_SCTP_CRC_OK),
	DATA("native", "DATA, bad CRC", 0, 100, 1, DROP_SCTP_CRC),
	RECIPE("native", "INIT (chunk length 26), good CRC", s_init, 0, 0, PASS_SCTP_CRC_OK),
	RECIPE("native", "INIT, CRC stored big-endian", s_init, 0, 1, DROP_SCTP_CRC),
	RECIPE("native", "three chunks (SACK, DATA of 45, ABORT)", s_three, 0, 0, PASS_SCTP_CRC_OK),
	RECIPE("native", "three chunks, one bit flipped", s_three, 0, 1, DROP_SCTP_CRC),
	/* Common header and chunks that do not add up; the CRC is right each
	 * time, so the walk decides. */
	RECIPE("malformed", "IP payload of 0 bytes", s_short, 0, 0, DROP_SCTP_SHORT),
	RECIPE("malformed", "IP payload of 3 bytes", s_short, 3, 0, DROP_SCTP_SHORT),
	RECIPE("malformed", "IP payload of 6 bytes", s_short, 6, 0, DROP_SCTP_SHORT),
	RECIPE("malformed", "IP payload of 9 bytes", s_short, 9, 0, DROP_SCTP_SHORT),
	RECIPE("malformed", "IP payload of 12 bytes (common header only)", s_short, 12, 0,
	       DROP_SCTP_SHORT),
	RECIPE("malformed", "IP payload of 15 bytes", s_short, 15, 0, DROP_SCTP_SHORT),
	RECIPE("malformed", "chunk length 4 past the end", s_chunk_len, 0, 4, DROP_SCTP_CHUNK_LEN),
	RECIPE("malformed", "chunk length 65535", s_chunk_len, 0xffff, 0, DROP_SCTP_CHUNK_LEN),
	RECIPE("malformed", "first chunk length 0", s_chunk_small, 0, 0, DROP_SCTP_CHUNK_ZERO),
	RECIPE("malformed", "first chunk length 1", s_chunk_small, 1, 0, DROP_SCTP_CHUNK_ZERO),
	RECIPE("malformed", "first chunk length 2", s_chunk_small, 2, 0, DROP_SCTP_CHUNK_ZERO),
	RECIPE("malformed", "first chunk length 3", s_chunk_small, 3, 0, DROP_SCTP_CHUNK_ZERO),
	RECIPE("malformed", "second chunk length 2", s_chunk_small, 2, 1, DROP_SCTP_CHUNK_ZERO),
	/* Bytes after a chunk that needs no padding: a chunk header cut short. */
	RECIPE("malformed", "1 byte(s) after a last chunk that needs no padding", s_trailing, 1, 0,
	       DROP_SCTP_CHUNK_LEN),
	RECIPE("malformed", "2 byte(s) after a last chunk that needs no padding", s_trailing, 2, 0,
	       DROP_SCTP_CHUNK_LEN),
	RECIPE("malformed", "3 byte(s) after a last chunk that needs no padding", s_trailing, 3, 0,
	       DROP_SCTP_CHUNK_LEN),
	/* The last chunk's padding: all, part or none of it may be there. */
	RECIPE("padding", "last chunk (length 21) with 0 of its 3 padding bytes", s_padding, 0, 0,
	       PASS_SCTP_CRC_OK),
	RECIPE("padding", "last chunk (length 21) with 1 of its 3 padding bytes", s_padding, 1, 0,
	       PASS_SCTP_CRC_OK),
	RECIPE("padding", "last chunk (length 21) with 2 of its 3 padding bytes", s_padding, 2, 0,
	       PASS_SCTP_CRC_OK),
	RECIPE("padding", "last chunk (length 21) with 3 of its 3 padding bytes", s_padding, 3, 0,
	       PASS_SCTP_CRC_OK),
	RECIPE("padding", "padding, then 4 zero bytes (a chunk of length 0)", s_padding, 0, 1,
	       DROP_SCTP_CHUNK_ZERO),
	RECIPE("many_chunks", "65 chunks", s_many, 0, 0, PASS_SCTP_CRC_OK),
	RECIPE("many_chunks", "65 chunks, the 65th of length 0 (beyond the walk)", s_many, 0, 1,
	       PASS_SCTP_CRC_OK),
	RECIPE("many_chunks", "65 chunks, the 64th of length 0", s_many, 0, 2,
	       DROP_SCTP_CHUNK_ZERO),
	RECIPE("many_chunks", "65 chunks, bad CRC", s_many, 0, 3, DROP_SCTP_CRC),
	{ "frame", "IP length 4 past the frame", .sctp = s_data, .n = 40, .vtag = 0x11223344,
	  .cut = 4, .stat = S(DROP_TRUNCATED) },
	{ "frame", "with 6 bytes of Ethernet padding", .sctp = s_data, .n = 40,
	  .vtag = 0x11223344, .pad = true, .stat = S(PASS_SCTP_CRC_OK) },
	{ "frame", "VLAN-tagged, good CRC", H_XDP, .sctp = s_data, .n = 40, .vtag = 0x11223344,
	  .f.vlan = true, .stat = S(PASS_SCTP_CRC_OK) },
	{ "frame", "VLAN-tagged, bad CRC", H_XDP, .sctp = s_data, .n = 40, .a = 1,
	  .vtag = 0x11223344, .f.vlan = true, .stat = S(DROP_SCTP_CRC) },
	{ "frame", "with 40 bytes of IPv4 options", .fams = F_4, .sctp = s_data, .n = 40,
	  .vtag = 0x11223344, .f.optlen = 40, .stat = S(PASS_SCTP_CRC_OK) },
	{ "frame", "first IPv4 fragment (not checked)", .fams = F_4, .sctp = s_data, .n = 40,
	  .a = 1, .vtag = 0x11223344, .f.frag = PKT_IP4_MF, .stat = S(PASS_FRAGMENT) },
	BIG("frame", "DATA of 1400 bytes, good CRC", 0, 1400, 0, PASS_SCTP_CRC_OK),
	BIG("frame", "DATA of 1400 bytes, last bit flipped", 0, 1400, 2, DROP_SCTP_CRC),
	BIG("frame", "DATA of 3400 bytes, good CRC", 0, 3400, 0, PASS_SCTP_CRC_OK),
	BIG("frame", "DATA of 3400 bytes, last bit flipped", 0, 3400, 2, DROP_SCTP_CRC),
	/* Jumbo frames: XDP multi-buffer (test_run cannot make such skbs). */
	BIG("jumbo", "jumbo frame of DATA 8900 (multi-buffer), good CRC", H_XDP, 8900, 0,
	    PASS_SCTP_CRC_OK),
	{ "jumbo", "jumbo frame of DATA 8900 (200 bytes linear), good CRC", H_XDP,
	  .sctp = s_data, .n = 8900, .vtag = 0x55667788, .linear = 200,
	  .stat = S(PASS_SCTP_CRC_OK) },
	BIG("jumbo", "jumbo frame of DATA 8900 (multi-buffer), bit flipped in a frag", H_XDP,
	    8900, 3, DROP_SCTP_CRC),
	NOVERIFY("on a noverify device (lo)", 0, FOU_SCTP_DEV_F_NOVERIFY, 0, false, 0,
		 PASS_NOT_UDP),
	NOVERIFY("on " DEV " (noverify)", 0, 0, FOU_SCTP_DEV_F_NOVERIFY, true, 0, PASS_NOT_UDP),
	/* a GSO skb holds several packets: no one CRC32c to check (TC only) */
	NOVERIFY("GSO skb (gso_size GSO_BY_FRAGS), verify on", H_TC, 0, 0, false, 0xffff,
		 PASS_NOT_UDP),
	NOVERIFY("on lo while " DEV " is noverify", 0, 0, FOU_SCTP_DEV_F_NOVERIFY, false, 0,
		 DROP_SCTP_CRC),
	NOVERIFY("on " DEV " (fill, verify)", 0, 0, FOU_SCTP_DEV_F_FILL, true, 0, DROP_SCTP_CRC),
};

/* SCTP/UDP from sport to dport, not to this host: its CRC is checked on
 * the RFC 6951 port (DEF_PORT, or the encap-port set), the rest passes. */
#define UDPF(sp, dp) .f = { .udp = true, .sport = sp, .dport = dp }
#define TRANSIT(w, h, n_, a_, sp, dp, st, ...) \
	{ "transit", w, h, .sctp = s_data, .n = n_, .a = a_, .vtag = 0x0badcafe,         \
	  UDPF(sp, dp), .stat = S(st), __VA_ARGS__ }

static const struct native_row transit_rows[] = {
	TRANSIT("40000 -> 9899, good CRC", 0, 64, 0, 40000, DEF_PORT, PASS_SCTP_CRC_OK),
	TRANSIT("9899 -> 40000, good CRC", 0, 64, 0, DEF_PORT, 40000, PASS_SCTP_CRC_OK),
	TRANSIT("40000 -> 12345, other port", 0, 64, 0, 40000, P_OTHER, PASS_NO_PORT),
	TRANSIT("40000 -> 9899, bad CRC", 0, 64, 1, 40000, DEF_PORT, DROP_SCTP_CRC),
	TRANSIT("9899 -> 40000, bad CRC", 0, 64, 1, DEF_PORT, 40000, DROP_SCTP_CRC),
	TRANSIT("40000 -> 12345, other port, bad CRC", 0, 64, 1, 40000, P_OTHER, PASS_NO_PORT),
	/* Only the port says it is SCTP: what is not shaped like it is some
	 * other protocol's, passed untouched. */
	{ "transit", "chunk past the end: not SCTP", .sctp = s_not_sctp,
	  UDPF(40000, DEF_PORT), .stat = S(PASS_NOT_SCTP) },
	{ "transit", "15 bytes: not SCTP", .sctp = s_not_sctp, .a = 1,
	  UDPF(40000, DEF_PORT), .stat = S(PASS_NOT_SCTP) },
	TRANSIT("UDP length -4", 0, 64, 0, 40000, DEF_PORT, PASS_NOT_SCTP, .udp_len = -4),
	TRANSIT("UDP length +4", 0, 64, 0, 40000, DEF_PORT, PASS_NOT_SCTP, .udp_len = 4),
	TRANSIT("IP length past the frame", 0, 64, 0, 40000, DEF_PORT, PASS_NOT_SCTP, .cut = 2),
	/* The UDP checksum is the endpoint's to check; the CRC is ours. */
	{ "transit", "bad UDP checksum, good CRC", .sctp = s_data, .n = 64, .vtag = 0x0badcafe,
	  .f = { .udp = true, .sport = 40000, .dport = DEF_PORT, .csum = PKT_CSUM_BAD },
	  .stat = S(PASS_SCTP_CRC_OK) },
	TRANSIT("40000 -> 5000, encap-port 5000, good CRC", 0, 64, 0, 40000, 5000,
		PASS_SCTP_CRC_OK, .encap_port = 5000),
	TRANSIT("5000 -> 40000, encap-port 5000, bad CRC", 0, 64, 1, 5000, 40000, DROP_SCTP_CRC,
		.encap_port = 5000),
	TRANSIT("40000 -> 9899, encap-port 5000, bad CRC", 0, 64, 1, 40000, DEF_PORT,
		PASS_NO_PORT, .encap_port = 5000),
	TRANSIT("noverify device, bad CRC", 0, 64, 1, 40000, DEF_PORT, PASS_NO_PORT,
		.dev_lo = FOU_SCTP_DEV_F_NOVERIFY),
	TRANSIT("jumbo frame (multi-buffer), good CRC", H_XDP, 8900, 0, 40000, DEF_PORT,
		PASS_SCTP_CRC_OK),
	TRANSIT("jumbo frame (multi-buffer), bad CRC", H_XDP, 8900, 1, 40000, DEF_PORT,
		DROP_SCTP_CRC),
};

/* ---- receive: SCTP over UDP in transit ----------------------------------- */

static void udp_frame(struct frame *f, int fam, uint16_t sport, uint16_t dport,
		      const struct sctp_b *s)
{
	native_frame(f, fam, s);
	f->udp = true;
	f->sport = sport;
	f->dport = dport;
}

/* ---- receive: the RFC 6951 port ------------------------------------------ */

#define TAG_A  0xa1a1a1a1u /* A's own tag (its INIT's Initiate Tag) */
#define TAG_B  0xb2b2b2b2u /* B's own tag (its INIT-ACK's Initiate Tag) */
#define TAG_X  0x5eed5eedu /* a forger's */
#define PORT_A 40001

static void sb_init_pkt(struct sctp_b *s, uint8_t type, uint32_t vtag, uint32_t init_tag)
{
	sb_begin(s, 5001, 5002, vtag);
	sb_init(s, type, init_tag);
	sb_crc(s);
}

/* SCTP/UDP from A:sport to port, built into T.p; f keeps the frame. */
static void port_frame(struct frame *f, int fam, uint16_t sport, uint16_t port,
		       const struct sctp_b *s)
{
	udp_frame(f, fam, sport, port, s);
	build(&T.p, f);
}

static void port_drop(int stat, int fam, uint16_t port)
{
	expect(O_DROP, stat);
	T.port_set = T.port_drop = true;
	T.pk.port = port;
	T.pk.family = fam;
}

/*
 * One case of the RFC 6951 port (the format: unit_case.h): SCTP/UDP from
 * A:PORT_A (.from_a2: from a2) to .port, received on lo: an INIT with A's
 * tag, or DATA of .n bytes with B's (.data), changed by .sctp; framed as .f
 * says (VLAN, IPv4 options, UDP checksum), then .pad10 bytes of Ethernet
 * padding or the UDP length field by .udp_len; the counter: rx_decap_sctp
 * decapsulates (the expected bytes without the padding), any other drops,
 * counted at the port; the event counted besides; what fou_sctp_peers holds
 * after (A's or a2's entry for A's INIT, the entries in the maps).
 */
struct port_row {
	const char *what;
	uint8_t hooks, fams;      /* 0: H_RX, both; F_ONCE: IPv4, no family in the name */
	bool data;
	uint16_t n;
	void (*sctp)(struct sctp_b *s);
	struct frame f;
	bool from_a2;
	uint16_t port;
	bool pad10;
	int udp_len;
	int stat, event;
	bool fresh;               /* the same INIT again: never over an existing entry */
	uint8_t peer;             /* 1: A's entry, 2: a2's */
	bool counted;
	int npeers, nvtags;
};

static void s_len15(struct sctp_b *s) { s->len = 15; }
static void set_chunk_len(struct sctp_b *s, uint16_t len)
{
	be16_put(s->b + s->last + 2, len);
	sb_crc(s);
}
static void s_chunk_len3(struct sctp_b *s) { set_chunk_len(s, 3); }
static void s_chunk_len100(struct sctp_b *s) { set_chunk_len(s, 100); }

static void port_run(const struct port_row *r, int fam)
{
	const char *from = r->from_a2 ? a2_addr(fam) : NULL;
	struct frame f;
	int ip;

	sctp_reset();
	if (r->data)
		sb_std(&S, TAG_B, r->n);
	else
		sb_init_pkt(&S, CID_INIT, 0, TAG_A);
	if (r->sctp)
		r->sctp(&S);
	if (r->fams & F_ONCE)
		case_begin(r->hooks ? r->hooks : H_RX, "%s", r->what);
	else
		case_begin(r->hooks ? r->hooks : H_RX, "%s (%s)", r->what, fn(fam));
	udp_frame(&f, fam, PORT_A, r->port, &S);
	f.vlan = r->f.vlan;
	f.optlen = r->f.optlen;
	f.csum = r->f.csum;
	f.saddr = from;
	ip = build(&T.p, &f);
	if (r->udp_len)
		pkt_put16(&T.p, pkt_off(&T.p, ip) + (fam == 4 ? 20 : 40) + 4,
			  (uint16_t)(8 + S.len + r->udp_len));
	if (r->stat == FOU_STAT_RX_DECAP_SCTP)
		expect_decap(&f, r->port);
	else
		port_drop(r->stat, fam, r->port);
	if (r->pad10)
		pkt_bytes(&T.p, "\0\0\0\0\0\0\0\0\0\0", 10);
	if (r->event)
		also(r->event);
	T.fresh = r->fresh;
	if (r->peer)
		want_peer(fam, r->peer == 2 ? from : a_addr(fam), TAG_A, PORT_A, 0, 0);
	if (r->counted)
		want_counts(r->npeers, r->nvtags);
	run();
}

#define LEARNED .stat = S(RX_DECAP_SCTP), .event = S(SCTP_PORT_LEARNED), .fresh = true
#define UNKNOWN_TAG .stat = S(RX_DECAP_SCTP), .event = S(SCTP_VTAG_UNKNOWN)
#define NONE_LEARNED .counted = true /* 0 and 0 */

static const struct port_row port_rows[] = {
	{ "RFC 6951 port: INIT over UDP", .port = P_SCTP, LEARNED, .peer = 1, .counted = true,
	  .npeers = 1 },
	{ "RFC 6951 port: INIT over UDP, 8 bytes of IPv4 options", .fams = F_ONCE,
	  .f.optlen = 8, .port = P_SCTP, LEARNED },
	{ "RFC 6951 port: INIT over UDP, 40 bytes of IPv4 options", .fams = F_ONCE,
	  .f.optlen = 40, .port = P_SCTP, LEARNED },
	{ "RFC 6951 port: INIT over UDP, VLAN-tagged", H_XDP, .f.vlan = true, .port = P_SCTP,
	  LEARNED },
	{ "RFC 6951 port: INIT over UDP, VLAN-tagged, IPv4 options", H_XDP, F_ONCE,
	  .f = { .vlan = true, .optlen = 40 }, .port = P_SCTP, LEARNED },
	{ "RFC 6951 port: INIT over UDP, 10 bytes of Ethernet padding", .pad10 = true,
	  .port = P_SCTP, LEARNED },
	{ "RFC 6951 port: DATA of 3000 bytes, unknown tag", .data = true, .n = 3000,
	  .port = P_SCTP, UNKNOWN_TAG },
	{ "RFC 6951 port: DATA jumbo frame (multi-buffer), unknown tag", H_XDP, .data = true,
	  .n = 8900, .port = P_SCTP, UNKNOWN_TAG },
	{ "RFC 6951 port: DATA jumbo frame (multi-buffer), bad CRC", H_XDP, .data = true,
	  .n = 8900, .sctp = sb_bad_crc, .port = P_SCTP, .stat = S(DROP_SCTP_CRC) },

	{ "RFC 6951 port: INIT with a bad CRC, nothing learned", .sctp = sb_bad_crc,
	  .port = P_SCTP, .stat = S(DROP_SCTP_CRC), NONE_LEARNED },
	{ "RFC 6951 port: INIT with a bad UDP checksum", .f.csum = PKT_CSUM_BAD, .port = P_SCTP,
	  .stat = S(DROP_UDP_CSUM), NONE_LEARNED },
	{ "RFC 6951 port: INIT with a zero UDP checksum", .fams = F_4, .f.csum = PKT_CSUM_ZERO,
	  .port = P_SCTP, LEARNED, .counted = true, .npeers = 1 },
	{ "RFC 6951 port: INIT with a zero UDP checksum", .fams = F_6, .f.csum = PKT_CSUM_ZERO,
	  .port = P_SCTP, .stat = S(DROP_ZERO_CSUM6), NONE_LEARNED },
	{ "RFC 6951 port with an allowlist: INIT from another peer", .port = P_SCTPPEER,
	  .stat = S(DROP_PEER), NONE_LEARNED },
	{ "RFC 6951 port with an allowlist: INIT from the allowed peer", .from_a2 = true,
	  .port = P_SCTPPEER, LEARNED, .peer = 2 },
	{ "RFC 6951 port: 15-byte SCTP packet", .data = true, .n = 8, .sctp = s_len15,
	  .port = P_SCTP, .stat = S(DROP_SCTP_SHORT) },
	{ "RFC 6951 port: chunk length 3", .data = true, .n = 8, .sctp = s_chunk_len3,
	  .port = P_SCTP, .stat = S(DROP_SCTP_CHUNK_ZERO) },
	{ "RFC 6951 port: chunk past the end", .data = true, .n = 8, .sctp = s_chunk_len100,
	  .port = P_SCTP, .stat = S(DROP_SCTP_CHUNK_LEN) },
	{ "RFC 6951 port: UDP length -2", .data = true, .n = 8, .udp_len = -2, .port = P_SCTP,
	  .stat = S(DROP_UDP_LEN) },
};

/* ---- the gateway: receive and transmit together -------------------------- */

/*
 * The gateway's sequence as steps (the format of a row of steps): what a
 * step sends and where (.act), the SCTP packet (.chunk: INIT and INIT-ACK
 * with .vtag and the Initiate Tag .tag; DATA of .len bytes with .vtag;
 * ABORT and SHUTDOWN COMPLETE with .vtag and the T bit .tbit), A's source
 * port (receive) or the destination port expected (transmit), the event
 * counted besides the verdict, and what the maps hold after it. Each step
 * needs the steps before it: -t picks the whole sequence ("gateway").
 */
enum gw_act {
	G_FRESH,       /* forget what was learned; DEV is the udp side */
	G_BY_HAND,     /* G_FRESH, then an association with a2 put in the maps */
	G_RX,          /* SCTP/UDP from A:.port to the port, on DEV: decapsulated */
	G_RX_A2,       /* the same from a2's address */
	G_RX_NATIVE,   /* native SCTP from A on DEV: passed */
	G_RX_NATIVE_LO, /* the same on lo */
	G_TX,          /* native SCTP from B to A out of DEV: encapsulated to .port */
	G_TX_NATIVE,   /* the same, left native */
};

struct gw_peer {
	uint32_t tag;        /* 0: none */
	uint16_t port, flags;
	uint32_t peer_vtag;
	bool a2;             /* a2's entry, not A's */
};

struct gw_step {
	const char *what;
	uint8_t act;
	uint8_t chunk, tbit;
	uint32_t vtag, tag;
	uint16_t len, port;
	int event;            /* 0: none */
	struct gw_peer peer[2];
	uint32_t no_peer;     /* a tag of A's that fou_sctp_peers must not hold */
	uint32_t vt_their, vt_peer; /* an entry of fou_sctp_vtags (their tag 0: none) */
	bool counted;         /* entries in the two maps: */
	int npeers, nvtags;
};

/* The step's SCTP packet into S. */
static void gw_packet(const struct gw_step *st)
{
	switch (st->chunk) {
	case CID_INIT: case CID_INIT_ACK:
		sb_init_pkt(&S, st->chunk, st->vtag, st->tag);
		break;
	case CID_DATA:
		sb_std(&S, st->vtag, st->len);
		break;
	default:
		sb_begin(&S, 5001, 5002, st->vtag);
		sb_chunk(&S, st->chunk, st->tbit, NULL, 0, false);
		sb_crc(&S);
	}
}

/* The step's packet into T.p and what it does to it. */
static void gw_frame(const struct ut_hook *h, int fam, const struct gw_step *st)
{
	bool tx = st->act == G_TX || st->act == G_TX_NATIVE;
	struct frame f;

	case_begin(tx ? H_TX : h->id, "gateway: %s (%s)", st->what, fn(fam));
	if (st->act == G_RX || st->act == G_RX_A2) {
		udp_frame(&f, fam, st->port, P_SCTP, &S);
		f.saddr = st->act == G_RX_A2 ? a2_addr(fam) : NULL;
	} else {
		native_frame(&f, fam, &S);
	}
	if (tx) {
		f.saddr = b_addr(fam);
		f.daddr = a_addr(fam);
	}
	build(&T.p, &f);
	if (st->act != G_RX_NATIVE_LO)
		T.ifindex = ifidx;
	if (st->act == G_TX)
		expect_encap(&f, DEF_PORT, st->port, &S);
	else if (st->act == G_TX_NATIVE)
		expect(O_PASS, FOU_STAT_TX_PASS_SCTP_NATIVE);
	else if (st->act == G_RX_NATIVE || st->act == G_RX_NATIVE_LO)
		expect_rx_pass(FOU_STAT_PASS_SCTP_CRC_OK, true);
	else
		expect_decap(&f, P_SCTP);
}

/* What the maps hold after the step. */
static void gw_want(int fam, const struct gw_step *st)
{
	int i;

	for (i = 0; i < 2; i++) {
		const struct gw_peer *p = &st->peer[i];

		if (p->tag)
			want_peer(fam, p->a2 ? a2_addr(fam) : a_addr(fam), p->tag, p->port,
				  p->flags, p->peer_vtag);
	}
	if (st->no_peer)
		want_no_peer(fam, a_addr(fam), st->no_peer);
	if (st->vt_their)
		want_vtag(fam, a_addr(fam), st->vt_their, st->vt_peer);
	if (st->counted)
		want_counts(st->npeers, st->nvtags);
}

static void gw_step_run(const struct ut_hook *h, int fam, const struct gw_step *st)
{
	if (st->act == G_FRESH || st->act == G_BY_HAND) {
		sctp_reset();
		dev_set(ifidx, FOU_SCTP_DEV_F_UDP_SIDE);
		if (st->act == G_BY_HAND) {
			peer_put(fam, a2_addr(fam), TAG_A, 30000, 0, TAG_B);
			vtag_put(fam, a2_addr(fam), TAG_B, TAG_A);
		}
		return;
	}
	gw_packet(st);
	gw_frame(h, fam, st);
	if (st->event)
		also(st->event);
	gw_want(fam, st);
	run();
}

#define GW_INIT(vt, t) .chunk = CID_INIT, .vtag = vt, .tag = t
#define GW_INIT_ACK(vt, t) .chunk = CID_INIT_ACK, .vtag = vt, .tag = t
#define GW_DATA(vt, n) .chunk = CID_DATA, .vtag = vt, .len = n
#define GW_CHUNK(c, t, vt) .chunk = CID_##c, .tbit = t, .vtag = vt
#define GW_PEER(t, p, fl, pv) { .tag = t, .port = p, .flags = fl, .peer_vtag = pv }
#define GW_PEERS(...) .peer = { __VA_ARGS__ }
#define GW_COUNTS(np, nv) .counted = true, .npeers = np, .nvtags = nv
#define GW_NATIVE FOU_SCTP_PEER_F_NATIVE

static const struct gw_step gw_steps[] = {
	{ .act = G_FRESH },
	/* A opens: GW_INIT to the port; B answers natively, out of DEV. */
	{ "INIT from A, its port learned", G_RX, GW_INIT(0, TAG_A), .port = PORT_A,
	  .event = S(SCTP_PORT_LEARNED), GW_PEERS(GW_PEER(TAG_A, PORT_A, 0, 0)), GW_COUNTS(1, 0) },
	{ "INIT-ACK from B to A, to A's learned port", G_TX, GW_INIT_ACK(TAG_A, TAG_B),
	  .port = PORT_A, GW_PEERS(GW_PEER(TAG_A, PORT_A, 0, TAG_B)), .vt_their = TAG_B,
	  .vt_peer = TAG_A, GW_COUNTS(1, 1) },
	{ "DATA from A, same port", G_RX, GW_DATA(TAG_B, 100), .port = PORT_A,
	  GW_PEERS(GW_PEER(TAG_A, PORT_A, 0, TAG_B)) },
	{ "DATA from A, new port (NAT rebinding)", G_RX, GW_DATA(TAG_B, 100), .port = PORT_A + 1,
	  .event = S(SCTP_PORT_CHANGED), GW_PEERS(GW_PEER(TAG_A, PORT_A + 1, 0, TAG_B)),
	  GW_COUNTS(1, 1) },
	{ "DATA from B to A, to A's new port", G_TX, GW_DATA(TAG_A, 100), .port = PORT_A + 1 },
	{ "DATA from A with an unknown tag: nothing learned", G_RX, GW_DATA(TAG_B ^ 1, 100),
	  .port = PORT_A + 2, .event = S(SCTP_VTAG_UNKNOWN),
	  GW_PEERS(GW_PEER(TAG_A, PORT_A + 1, 0, TAG_B)), .no_peer = TAG_B ^ 1, GW_COUNTS(1, 1) },
	{ "DATA with A's tag from another address: nothing learned", G_RX_A2, GW_DATA(TAG_B, 100),
	  .port = PORT_A + 3, .event = S(SCTP_VTAG_UNKNOWN),
	  GW_PEERS(GW_PEER(TAG_A, PORT_A + 1, 0, TAG_B)), GW_COUNTS(1, 1) },
	{ "forged INIT from A's address: a new entry, the old kept", G_RX, GW_INIT(0, TAG_X),
	  .port = PORT_A + 4, .event = S(SCTP_PORT_LEARNED),
	  GW_PEERS(GW_PEER(TAG_A, PORT_A + 1, 0, TAG_B), GW_PEER(TAG_X, PORT_A + 4, 0, 0)),
	  GW_COUNTS(2, 1) },
	/* The association's own tag in a forged GW_INIT from yet another port
	 * (anyone on the path knows it): the association does not move. */
	{ "INIT with A's known tag from another port: nothing moves", G_RX, GW_INIT(0, TAG_A),
	  .port = PORT_A + 6,
	  GW_PEERS(GW_PEER(TAG_A, PORT_A + 1, 0, TAG_B), GW_PEER(TAG_X, PORT_A + 4, 0, 0)),
	  GW_COUNTS(2, 1) },
	/* ABORT with T: the tag is A's own, it names nothing we learn by. */
	{ "ABORT (T bit) from A, new port: not learned", G_RX, GW_CHUNK(ABORT, 1, TAG_A),
	  .port = PORT_A + 5, GW_PEERS(GW_PEER(TAG_A, PORT_A + 1, 0, TAG_B)), GW_COUNTS(2, 1) },
	{ "ABORT (T bit, B's tag) to A, port through fou_sctp_vtags", G_TX,
	  GW_CHUNK(ABORT, 1, TAG_B), .port = PORT_A + 1 },
	{ "SHUTDOWN COMPLETE (T bit, B's tag) to A", G_TX, GW_CHUNK(SHUTDOWN_COMPLETE, 1, TAG_B),
	  .port = PORT_A + 1 },
	{ "ABORT (no T bit, A's tag) to A", G_TX, GW_CHUNK(ABORT, 0, TAG_A), .port = PORT_A + 1 },
	{ "ABORT (no T bit) with B's tag: not a known tag of A's", G_TX, GW_CHUNK(ABORT, 0, TAG_B),
	  .port = DEF_PORT },
	/* A turns to native SCTP through DEV: encapsulation off for it. */
	{ "native DATA from A on " DEV " (side udp)", G_RX_NATIVE, GW_DATA(TAG_B, 100),
	  .event = S(SCTP_PEER_NATIVE), GW_PEERS(GW_PEER(TAG_A, 0, GW_NATIVE, TAG_B)), GW_COUNTS(2, 1) },
	{ "native DATA from A again: no event", G_RX_NATIVE, GW_DATA(TAG_B, 100),
	  GW_PEERS(GW_PEER(TAG_A, 0, GW_NATIVE, TAG_B)) },
	{ "native DATA from A on lo (not side udp): nothing learned", G_RX_NATIVE_LO,
	  GW_DATA(TAG_B, 100) },
	{ "DATA from B to native A: left native", G_TX_NATIVE, GW_DATA(TAG_A, 100) },
	/* ... and back to UDP from yet another port. */
	{ "DATA from A over UDP again: encapsulation back on", G_RX, GW_DATA(TAG_B, 100),
	  .port = PORT_A + 6, .event = S(SCTP_PORT_CHANGED),
	  GW_PEERS(GW_PEER(TAG_A, PORT_A + 6, 0, TAG_B)) },
	{ "DATA from B to A, to its latest port", G_TX, GW_DATA(TAG_A, 100), .port = PORT_A + 6 },

	/* A is the server: its GW_INIT-ACK over UDP names both tags. */
	{ .act = G_FRESH },
	{ "INIT from B to unknown A, to the default port", G_TX, GW_INIT(0, TAG_B),
	  .port = DEF_PORT, GW_COUNTS(0, 0) },
	{ "INIT-ACK from A: port and both tags learned", G_RX, GW_INIT_ACK(TAG_B, TAG_A),
	  .port = PORT_A, .event = S(SCTP_PORT_LEARNED), GW_PEERS(GW_PEER(TAG_A, PORT_A, 0, TAG_B)),
	  .vt_their = TAG_B, .vt_peer = TAG_A, GW_COUNTS(1, 1) },
	{ "DATA from B to A (server), to its port", G_TX, GW_DATA(TAG_A, 10), .port = PORT_A },
	{ "DATA from A (server), new port", G_RX, GW_DATA(TAG_B, 10), .port = PORT_A + 7,
	  .event = S(SCTP_PORT_CHANGED), GW_PEERS(GW_PEER(TAG_A, PORT_A + 7, 0, TAG_B)) },
	/* A native GW_INIT on the udp side: the association starts native. */
	{ "native INIT from A on " DEV ": learned native", G_RX_NATIVE, GW_INIT(0, TAG_X),
	  .event = S(SCTP_PORT_LEARNED),
	  GW_PEERS(GW_PEER(TAG_X, 0, GW_NATIVE, 0), GW_PEER(TAG_A, PORT_A + 7, 0, TAG_B)),
	  GW_COUNTS(2, 1) },
	/* An association set up in the maps directly, as fouloader could. */
	{ .act = G_BY_HAND },
	{ "DATA from a peer set up by hand, new port", G_RX_A2, GW_DATA(TAG_B, 10), .port = 30001,
	  .event = S(SCTP_PORT_CHANGED),
	  GW_PEERS({ .tag = TAG_A, .port = 30001, .peer_vtag = TAG_B, .a2 = true }), GW_COUNTS(1, 1) },
};

/* The gateway's steps with h receiving. */
static void gateway(const struct ut_hook *h, int fam)
{
	size_t i;

	for (i = 0; i < sizeof(gw_steps) / sizeof(gw_steps[0]); i++)
		gw_step_run(h, fam, &gw_steps[i]);
	sctp_reset();
}

/* ---- transmit ------------------------------------------------------------ */

/* Native SCTP from B to A leaving DEV with flags; the caller expects. */
static struct frame tx_frame(int fam)
{
	struct frame f;

	native_frame(&f, fam, &S);
	f.saddr = b_addr(fam);
	f.daddr = a_addr(fam);
	return f;
}

static void tx_case(int fam, uint32_t flags, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void tx_case(int fam, uint32_t flags, const char *fmt, ...)
{
	struct frame f = tx_frame(fam);
	char name[120];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	dev_set(ifidx, flags);
	case_begin(H_TX, "%s (%s)", name, fn(fam));
	build(&T.p, &f);
	T.ifindex = ifidx;
}

/* The SCTP packet of S with the CRC the fill gives. */
static const struct sctp_b *filled(void)
{
	memcpy(S2.b, S.b, S.len);
	S2.len = S.len;
	sb_crc(&S2);
	return &S2;
}

/* The input frame with its CRC filled in, sent on as it is otherwise. */
static void expect_filled(void)
{
	T.exp_len = T.p.len;
	memcpy(T.exp, T.p.buf, T.p.len);
	memcpy(T.exp + T.p.len - S.len, filled()->b, S.len);
	expect(O_CHANGED, FOU_STAT_TX_SCTP_FILLED);
}

/* DATA of every size up to 8 bytes and a few larger, to an unknown peer. */
#define TX_VTAG 0x12345678

static void cases_tx_sizes(int fam)
{
	struct frame f = tx_frame(fam);
	size_t n;

	sctp_reset();
	for (n = 0; n <= 1001; n += n < 8 ? 1 : 331) {
		sb_std(&S, TX_VTAG, n);
		tx_case(fam, FOU_SCTP_DEV_F_UDP_SIDE, "side udp: DATA of %zu bytes to an unknown peer", n);
		expect_encap(&f, DEF_PORT, DEF_PORT, &S);
		run();
	}
}

/*
 * One transmit case (the format: unit_case.h): native SCTP from B to A
 * leaving DEV (.from_lo: lo), DEV's fou_sctp_devs flags, what else is set
 * (fou_sctp_conf's ports, A's entry in fou_sctp_peers), the packet (DATA of
 * .n bytes, or of 1500 less the IP header and .below_mtu; .sctp changes it,
 * .udp puts it in UDP, .poke changes the frame), and the counter: an
 * encapsulation is expected from .sport to .dport (0: the default port),
 * with the CRC as the fill gives it if .filled; tx_sctp_filled with .filled
 * is the input with that CRC; a tx_drop_ counter drops; any other passes
 * the bytes unchanged.
 */
struct stx_row {
	const char *what;
	uint8_t fams;             /* F_ONCE: IPv4 only, no family in the name */
	uint32_t dev;
	uint16_t encap_port, remote_port;
	bool peer;
	uint16_t peer_port;
	uint16_t n, below_mtu;
	void (*sctp)(struct sctp_b *s);
	bool udp, from_lo;
	uint8_t optlen;
	uint16_t frag;
	uint32_t gso_size;
	void (*poke)(void);
	int stat;
	uint16_t sport, dport;
	bool filled;
};

static void s_zero_crc(struct sctp_b *s) { memset(s->b + 8, 0, 4); }
static void s_bad_15(struct sctp_b *s) { sb_bad_crc(s); s->len = 15; }
static void s_empty(struct sctp_b *s) { s->len = 0; }
static void pk_cut3(void) { T.p.len -= 3; }

static void stx_expect(const struct stx_row *r, const struct frame *f)
{
	if (r->stat == FOU_STAT_TX_ENCAP_SCTP)
		expect_encap(f, r->sport ? r->sport : DEF_PORT, r->dport ? r->dport : DEF_PORT,
			     r->filled ? filled() : &S);
	else if (r->filled)
		expect_filled();
	else
		expect(FOU_STAT_IS_TX_DROP(r->stat) ? O_DROP : O_PASS, r->stat);
}

static void stx_run(const struct stx_row *r, int fam)
{
	struct frame f = tx_frame(fam);

	sctp_reset();
	if (r->encap_port || r->remote_port)
		conf_set(r->encap_port, r->remote_port);
	if (r->peer)
		peer_put(fam, a_addr(fam), TX_VTAG, r->peer_port, 0, 0);
	dev_set(ifidx, r->dev);
	sb_std(&S, TX_VTAG, r->below_mtu ? 1500 - (fam == 4 ? 20 : 40) - r->below_mtu : r->n);
	if (r->sctp)
		r->sctp(&S);
	if (r->fams & F_ONCE)
		case_begin(H_TX, "%s", r->what);
	else
		case_begin(H_TX, "%s (%s)", r->what, fn(fam));
	f.udp = r->udp;
	f.sport = f.dport = r->udp ? DEF_PORT : 0;
	f.optlen = r->optlen;
	f.frag = r->frag;
	build(&T.p, &f);
	T.ifindex = r->from_lo ? 0 : ifidx;
	T.gso_size = r->gso_size;
	if (r->poke)
		r->poke();
	stx_expect(r, &f);
	run();
}

#define UDP_SIDE FOU_SCTP_DEV_F_UDP_SIDE
#define FILL     FOU_SCTP_DEV_F_FILL
#define ENCAP(...) .stat = S(TX_ENCAP_SCTP), __VA_ARGS__

static const struct stx_row stx_rows[] = {
	{ "side udp: encap-port 5000, remote-encap-port 7000", .dev = UDP_SIDE,
	  .encap_port = 5000, .remote_port = 7000, .n = 1400, ENCAP(.sport = 5000, .dport = 7000) },
	{ "side udp: learned port 4444, encap-port 5000", .dev = UDP_SIDE, .encap_port = 5000,
	  .remote_port = 7000, .peer = true, .peer_port = 4444, .n = 1400,
	  ENCAP(.sport = 5000, .dport = 4444) },
	{ "side udp: peer known with port 0: the default port", .dev = UDP_SIDE, .peer = true,
	  .n = 1400, ENCAP() },
	{ "side udp, bad CRC: sent as it is", .dev = UDP_SIDE, .n = 77, .sctp = sb_bad_crc,
	  ENCAP() },
	{ "side udp + fill, bad CRC: overwritten", .dev = UDP_SIDE | FILL, .n = 77,
	  .sctp = sb_bad_crc, ENCAP(.filled = true) },
	{ "side udp, zero CRC: filled and encapsulated", .dev = UDP_SIDE, .n = 77,
	  .sctp = s_zero_crc, ENCAP(.filled = true) },
	{ "side udp, zero CRC, 40 bytes of IPv4 options", F_ONCE, .dev = UDP_SIDE, .n = 77,
	  .sctp = s_zero_crc, .optlen = 40, ENCAP(.filled = true) },
	{ "side udp, zero CRC, DATA of 1400 bytes", .dev = UDP_SIDE, .n = 1400,
	  .sctp = s_zero_crc, ENCAP(.filled = true) },
	{ "side udp, a 1500-byte IP packet: no room for UDP under MTU 1500", .dev = UDP_SIDE,
	  .below_mtu = 28, .stat = S(TX_DROP_MTU) },
	{ "side udp, a 1492-byte IP packet: fits MTU 1500 in UDP", .dev = UDP_SIDE,
	  .below_mtu = 28 + 8, ENCAP() },
	/* GSO: neither a CRC per segment nor a UDP header per segment. */
	{ "side udp, GSO skb (gso_size 1400)", .dev = UDP_SIDE, .n = 2800, .gso_size = 1400,
	  .stat = S(TX_DROP_SCTP_GSO) },
	/* fill only: the kernel's GSO fills each segment's CRC itself */
	{ "fill, GSO skb (gso_size 1400): left to the kernel's GSO", .dev = FILL, .n = 2800,
	  .gso_size = 1400, .stat = S(TX_PASS_NO_ROUTE) },
	/* what the kernel's SCTP really sends: segmented along its frag_list */
	{ "side udp, the kernel's SCTP GSO skb (gso_size GSO_BY_FRAGS)", .dev = UDP_SIDE,
	  .n = 2800, .gso_size = 0xffff, .stat = S(TX_DROP_SCTP_GSO) },
	{ "fill, the kernel's SCTP GSO skb (gso_size GSO_BY_FRAGS)", .dev = FILL, .n = 2800,
	  .gso_size = 0xffff, .stat = S(TX_PASS_NO_ROUTE) },

	{ "fill: zero CRC filled in", .dev = FILL, .n = 200, .sctp = s_zero_crc,
	  .stat = S(TX_SCTP_FILLED), .filled = true },
	{ "fill: wrong CRC overwritten", .dev = FILL, .n = 200, .sctp = sb_bad_crc,
	  .stat = S(TX_SCTP_FILLED), .filled = true },
	{ "fill: good CRC rewritten unchanged", .dev = FILL, .n = 200,
	  .stat = S(TX_SCTP_FILLED) },
	{ "fill: zero CRC, DATA of 3000 bytes", .dev = FILL, .n = 3000, .sctp = s_zero_crc,
	  .stat = S(TX_SCTP_FILLED), .filled = true },

	{ "device without SCTP duties", .n = 20, .sctp = sb_bad_crc,
	  .stat = S(TX_PASS_NO_ROUTE) },
	{ "device with noverify only", .dev = FOU_SCTP_DEV_F_NOVERIFY, .n = 20,
	  .sctp = sb_bad_crc, .stat = S(TX_PASS_NO_ROUTE) },
	{ "side udp set on " DEV ", packet leaving lo", .dev = UDP_SIDE, .from_lo = true,
	  .n = 20, .sctp = sb_bad_crc, .stat = S(TX_PASS_NO_ROUTE) },
	{ "side udp, 15-byte SCTP packet", .dev = UDP_SIDE, .n = 20, .sctp = s_bad_15,
	  .stat = S(TX_DROP_SCTP_MALFORMED) },
	{ "side udp + fill, empty SCTP packet", .dev = UDP_SIDE | FILL, .n = 20,
	  .sctp = s_empty, .stat = S(TX_DROP_SCTP_MALFORMED) },
	/* Both families alike (IPv6 passed as tx_pass_no_route: the fuzzer). */
	{ "side udp, IP length past the frame", .dev = UDP_SIDE, .n = 20, .poke = pk_cut3,
	  .stat = S(TX_DROP_SCTP_MALFORMED) },
	{ "fill, IP length past the frame", .dev = FILL, .n = 20, .poke = pk_cut3,
	  .stat = S(TX_DROP_SCTP_MALFORMED) },
	{ "side udp, IPv4 fragment (MF): left alone", F_ONCE, .dev = UDP_SIDE, .n = 20,
	  .frag = PKT_IP4_MF, .stat = S(TX_PASS_NO_ROUTE) },
	/* Not SCTP: UDP to the encapsulation port is not encapsulated again. */
	{ "side udp, SCTP/UDP already", .dev = UDP_SIDE, .n = 20, .udp = true,
	  .stat = S(TX_PASS_NO_ROUTE) },
};

/* One encapsulation checked against the independent rules rather than
 * pktbuild: IPv4 header checksum, UDP length and checksum, CRC. */
static void cases_tx_sanity(int fam)
{
	struct ut_io io;

	sctp_reset();
	dev_set(ifidx, FOU_SCTP_DEV_F_UDP_SIDE);
	sb_std(&S, 0x12345678, 123);
	memset(S.b + 8, 0, 4);
	tx_case(fam, FOU_SCTP_DEV_F_UDP_SIDE, "side udp, zero CRC: output checked field by field");
	if (!tap_selected("tx: %s", T.name))
		goto done;
	tap_begin();
	ASSERT_OK(test_run(&hooks[2], &io), "bpf_prog_test_run_opts");
	EXPECT_EQ(io.retval, TC_ACT_OK_V, "verdict");
	EXPECT_EQ(io.out_len, T.p.len + 8, "output length");
	EXPECT_EQ(out_buf[fam == 4 ? 14 + 9 : 14 + 6], 17, "IP protocol");
	EXPECT_EQ(be16_get(out_buf + 14 + (fam == 4 ? 20 : 40)), DEF_PORT, "UDP source port");
	EXPECT_TRUE(frame_sane(out_buf, io.out_len), "IP, UDP and SCTP checksums verify");
	EXPECT_TRUE(!memcmp(out_buf + io.out_len - S.len + 12, S.b + 12, S.len - 12),
		    "SCTP bytes after the common header unchanged");
cleanup:
	tap_end("tx: %s", T.name);
done:
	sctp_reset();
}

/* The same for a decapsulation, both hooks. */
static void cases_rx_sanity(int fam)
{
	struct ut_io io;
	struct frame f;
	int i;

	sb_init_pkt(&S, CID_INIT, 0, TAG_A);
	for (i = 0; i < 2; i++) {
		sctp_reset();
		case_begin(hooks[i].id, "RFC 6951 port: decapsulated INIT checked field by field (%s)",
			   fn(fam));
		port_frame(&f, fam, PORT_A, P_SCTP, &S);
		if (!tap_selected("%s: %s", hooks[i].name, T.name))
			continue;
		tap_begin();
		ASSERT_OK(test_run(&hooks[i], &io), "bpf_prog_test_run_opts");
		EXPECT_EQ(io.retval, hooks[i].ok_ret, "verdict");
		EXPECT_EQ(io.out_len, T.p.len - 8, "output length");
		EXPECT_EQ(out_buf[fam == 4 ? 14 + 9 : 14 + 6], SCTP_PROTO, "IP protocol");
		EXPECT_TRUE(frame_sane(out_buf, io.out_len), "IP header and SCTP CRC verify");
		EXPECT_MEMEQ(out_buf + io.out_len - S.len, S.len, S.b, S.len, "SCTP bytes");
cleanup:
		tap_end("%s: %s", hooks[i].name, T.name);
	}
	sctp_reset();
}

/* ---- main ---------------------------------------------------------------- */

static void self_test(void)
{
	static const uint8_t v[] = "123456789";
	uint8_t z[32] = { 0 }, o[32];

	memset(o, 0xff, sizeof(o));
	/* RFC 3720 B.4 vectors and the check value */
	if (crc32c_ref(v, 9, 0, 0) != 0xE3069283u || crc32c_ref(z, 32, 0, 0) != 0x8A9136AAu ||
	    crc32c_ref(o, 32, 0, 0) != 0x62A8AB43u)
		tap_bail("the reference CRC32c is wrong");
}

static void run_all_cases(void)
{
	int fam, i, err;

	UT_RUN_ROWS(native_rows, native_run);
	UT_RUN_ROWS(transit_rows, native_run);
	err = configure_ports();
	if (err)
		tap_bail("cannot configure the RFC 6951 ports: %s", strerror(-err));
	UT_RUN_ROWS(port_rows, port_run);
	for (fam = 4; fam <= 6; fam += 2) {
		cases_rx_sanity(fam);
		for (i = 0; i < 2; i++) {
			gw_rx = hooks[i].name;
			gateway(&hooks[i], fam);
			gw_rx = NULL;
		}
		cases_tx_sizes(fam);
		cases_tx_sanity(fam);
	}
	UT_RUN_ROWS(stx_rows, stx_run);
	sctp_reset();
}

int main(int argc, char **argv)
{
	const char *failed;
	int err;

	tap_args(argc, argv);
	bh_require_bpf("BPF_PROG_TEST_RUN and a network namespace");
	if (libbpf_num_possible_cpus() <= 0)
		tap_bail("libbpf_num_possible_cpus: %d", libbpf_num_possible_cpus());
	self_test();
	err = bh_setup_netns(DEV, PEER, "", &failed);
	if (err < 0)
		tap_bail("cannot set up the private network namespace: %s%s%s", strerror(-err),
			 failed ? ", at: " : "", failed ? failed : "");
	ifidx = err;
	if (load_progs())
		tap_bail("cannot open/load the three SCTP-sharing skeletons: %s", strerror(errno));
	sctp_reset();
	run_all_cases();
	fou_tx_tc_bpf__destroy(txskel);
	fou_rx_tc_bpf__destroy(tskel);
	fou_rx_xdp_bpf__destroy(xskel);
	return tap_done();
}
