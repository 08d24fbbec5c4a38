/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * GRE in FOU (ipproto 47) and in GUE (proto 47): the receive cases of
 * test_rx.c, included by it (its harness: case_begin, add_outer, run ...).
 * Every parse branch of bpf/lib/gre.h and each of its drops, on both hooks
 * and over both outer families.
 */

#define GRE_C 0x8000
#define GRE_R 0x4000
#define GRE_K 0x2000
#define GRE_S 0x1000
#define GRE_TEST_SEQ 0x01020304u

struct gre_opts {
	uint16_t flags;    /* host order: GRE_C | GRE_K | GRE_S, version, ... */
	uint16_t proto;    /* 0: from the inner family */
	uint32_t key;
	bool bad_csum;     /* with GRE_C: a wrong checksum */
	bool gue;          /* in GUE (proto 47) on P_GUE/P_GUEK, not FOU */
};

static int gre_layer;

/* The GRE header, filled in by gre_finish() once the inner bytes are final. */
static void add_gre(const struct gre_opts *g, int ifam)
{
	uint8_t h[16] = {};
	size_t n = 4;

	be16_put(h, g->flags);
	be16_put(h + 2, g->proto ? g->proto : ifam == 4 ? 0x0800 : 0x86dd);
	if (g->flags & GRE_C)
		n += 4;
	if (g->flags & GRE_K) {
		be32_put(h + n, g->key);
		n += 4;
	}
	if (g->flags & GRE_S) {
		be32_put(h + n, GRE_TEST_SEQ);
		n += 4;
	}
	gre_layer = pkt_bytes(&T.p, h, n);
}

/* The GRE checksum over GRE header and payload (RFC 2784), then the outer
 * UDP checksum over the result. */
static void gre_finish(const struct gre_opts *g)
{
	size_t off = pkt_off(&T.p, gre_layer);
	uint16_t c;

	finalize();
	if (g->flags & GRE_C) {
		pkt_put16(&T.p, off + 4, 0);
		c = csum_fold(csum_add(0, T.p.buf + off, T.p.len - off));
		pkt_put16(&T.p, off + 4, g->bad_csum ? (uint16_t)(c ^ 0x0101) : c);
		pkt_l4_fix_csum(&T.p, T.udp, PKT_CSUM_AUTO);
	}
}

/* A GRE packet over outer @fam carrying inner @ifam, to @port. */
static void gre_build_case(int fam, int ifam, uint16_t port, const struct gre_opts *g,
			   const char *what)
{
	struct outer o = { .fam = fam, .dport = port };
	struct inner in = { .fam = ifam, .l4 = ifam == 4 ? L4_TCP : L4_UDP, .payload = 61 };

	case_begin(H_RX, "GRE in %s %sin%s %s", g->gue ? "GUE" : "FOU", fn(ifam), fn(fam), what);
	add_outer(&o);
	if (g->gue)
		add_gue(0, false, 0, 47, 0, NULL, 0);
	add_gre(g, ifam);
	add_inner(&in);
	gre_finish(g);
}

static void gre_decap(int fam, int ifam, uint16_t port, const struct gre_opts *g,
		      const char *what)
{
	gre_build_case(fam, ifam, port, g, what);
	expect_decap(g->gue ? FOU_STAT_RX_DECAP_GUE : FOU_STAT_RX_DECAP_FOU, fam, port, 0);
	run();
}

static void gre_drop(int fam, uint16_t port, const struct gre_opts *g, int stat,
		     const char *what)
{
	gre_build_case(fam, 4, port, g, what);
	expect_drop(stat, fam, port);
	run();
}

static void cases_gre_parse(int fam)
{
	const struct gre_opts plain = {}, key = { .flags = GRE_K, .key = GRE_TEST_KEY };
	const struct gre_opts other_key = { .flags = GRE_K, .key = GRE_TEST_KEY + 1 };
	const struct gre_opts seq = { .flags = GRE_S }, csum = { .flags = GRE_C };
	const struct gre_opts all = { .flags = GRE_C | GRE_K | GRE_S, .key = GRE_TEST_KEY };
	const struct gre_opts bad = { .flags = GRE_C, .bad_csum = true };
	const struct gre_opts bad_all = { .flags = GRE_C | GRE_K | GRE_S, .key = GRE_TEST_KEY,
					  .bad_csum = true };
	/* Bits RFC 2784 reserves and the kernel ignores (strict route,
	 * recursion, RFC 1701 flags): ignored here too. */
	const struct gre_opts reserved = { .flags = 0x0ff8 };

	gre_decap(fam, 4, P_GRE, &plain, "plain");
	gre_decap(fam, 6, P_GRE, &plain, "plain");
	gre_decap(fam, 4, P_GRE, &key, "K on a port without key (ignored)");
	gre_decap(fam, 6, P_GREK, &key, "K matching the port's key");
	gre_decap(fam, 4, P_GRE, &seq, "S (read past)");
	gre_decap(fam, 4, P_GRE, &csum, "C, good checksum");
	gre_decap(fam, 6, P_GREK, &all, "C K S, good checksum, key matching");
	gre_decap(fam, 4, P_GRE, &reserved, "reserved bits 0x0ff8 (ignored, as the kernel)");
	gre_drop(fam, P_GREK, &other_key, FOU_STAT_DROP_GRE_KEY, "K not the port's key");
	gre_drop(fam, P_GREK, &plain, FOU_STAT_DROP_GRE_KEY, "no K on a port with a key");
	gre_drop(fam, P_GREK, &seq, FOU_STAT_DROP_GRE_KEY, "S only on a port with a key");
	gre_drop(fam, P_GRE, &bad, FOU_STAT_DROP_GRE_CSUM, "C, bad checksum");
	gre_drop(fam, P_GREK, &bad_all, FOU_STAT_DROP_GRE_CSUM, "C K S, bad checksum");
	for (int v = 1; v <= 7; v += 6) {
		struct gre_opts ver = { .flags = (uint16_t)v };
		char what[32];

		snprintf(what, sizeof(what), "version %d", v);
		gre_drop(fam, P_GRE, &ver, FOU_STAT_DROP_GRE_VERSION, what);
	}
	{
		const struct gre_opts r = { .flags = GRE_R }, teb = { .proto = 0x6558 };
		const struct gre_opts arp = { .proto = 0x0806 }, ip6_as_4 = { .proto = 0x0800 };

		gre_drop(fam, P_GRE, &r, FOU_STAT_DROP_GRE_ROUTING, "routing bit");
		gre_drop(fam, P_GRE, &teb, FOU_STAT_DROP_GRE_TEB, "protocol 0x6558 (Ethernet)");
		gre_drop(fam, P_GRE, &arp, FOU_STAT_DROP_GRE_PROTO, "protocol 0x0806");
		gre_build_case(fam, 6, P_GRE, &ip6_as_4, "protocol 0x0800 over an IPv6 packet");
		expect_drop(FOU_STAT_DROP_INNER_VERSION, fam, P_GRE);
		run();
	}
}

static void cases_gre_gue(int fam)
{
	const struct gre_opts plain = { .gue = true };
	const struct gre_opts key = { .gue = true, .flags = GRE_K, .key = GRE_TEST_KEY };
	const struct gre_opts other = { .gue = true, .flags = GRE_K, .key = 7 };
	const struct gre_opts csum = { .gue = true, .flags = GRE_C | GRE_S };
	const struct gre_opts bad = { .gue = true, .flags = GRE_C, .bad_csum = true };

	gre_decap(fam, 4, P_GUE, &plain, "plain");
	gre_decap(fam, 6, P_GUE, &plain, "plain");
	gre_decap(fam, 4, P_GUE, &key, "K on a port without key (ignored)");
	gre_decap(fam, 6, P_GUEK, &key, "K matching the port's key");
	gre_decap(fam, 4, P_GUE, &csum, "C S, good checksum");
	gre_drop(fam, P_GUEK, &other, FOU_STAT_DROP_GRE_KEY, "K not the port's key");
	gre_drop(fam, P_GUE, &bad, FOU_STAT_DROP_GRE_CSUM, "C, bad checksum");
}

/* GUE's remote checksum offload option around GRE: its offsets would count
 * from the GRE header; refused, whatever they say. */
static void gre_remcsum_case(int fam)
{
	struct outer o = { .fam = fam, .dport = P_GUE, .csum = PKT_CSUM_AUTO };
	struct inner in = { .fam = 4, .l4 = L4_TCP, .payload = 61 };
	const struct gre_opts plain = { .gue = true };
	uint8_t f[8] = { 0x80, 0, 0, 0, 0, 24, 0, 40 }; /* REMCSUM, start 24, offset 40 */

	case_begin(H_RX, "GRE in GUE with the remcsum option (outer IPv%d)", fam);
	add_outer(&o);
	add_gue(0, false, 2, 47, PKT_GUE_F_PRIV, f, 8);
	add_gre(&plain, 4);
	add_inner(&in);
	gre_finish(&plain);
	expect_drop(FOU_STAT_DROP_GUE_REMCSUM_GRE, fam, P_GUE);
	run();
}

/* A UDP payload that ends inside the GRE header the flags announce: the
 * packet is whole (its lengths agree), its GRE header is not. */
static void gre_trunc_case(int fam, uint16_t flags, size_t keep, const char *what)
{
	struct outer o = { .fam = fam, .dport = P_GRE };
	uint8_t h[16] = {};

	case_begin(H_RX, "GRE in FOU truncated: %s (outer IPv%d)", what, fam);
	add_outer(&o);
	be16_put(h, flags);
	be16_put(h + 2, 0x0800);
	pkt_bytes(&T.p, h, keep);
	finalize();
	expect_drop(FOU_STAT_DROP_GRE_TRUNC, fam, P_GRE);
	run();
}

static void cases_gre(void)
{
	for (int fam = 4; fam <= 6; fam += 2) {
		cases_gre_parse(fam);
		cases_gre_gue(fam);
		gre_remcsum_case(fam);
		gre_trunc_case(fam, 0, 0, "empty UDP payload");
		gre_trunc_case(fam, 0, 3, "3 bytes");
		gre_trunc_case(fam, GRE_K, 6, "K, key cut");
		gre_trunc_case(fam, GRE_C | GRE_K | GRE_S, 12, "C K S, 12 of 16 bytes");
	}
}
