/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * GRE in FOU/GUE (tunnel add ... ipproto 47 [key K] [csum] [seq]): the
 * transmit cases of test_tx.c, included by it (its harness: case_begin,
 * add_frame, run_tc ...). The expected packet of every flag combination is
 * built by scapy (selftests/lib/gre_expect.py, a co-process), which knows
 * GRE independently of fouloader and of pktbuild; the output must equal it
 * byte for byte, with the outer IPv4 id, IPv6 flow label and auto source
 * port taken from the output as check_encap() does.
 */
#include <signal.h>
#include <sys/wait.h>

#define GRE_EXPECT_PY "selftests/lib/gre_expect.py"

static FILE *gre_to_py, *gre_from_py;
static pid_t gre_py_pid;
static const char *gre_py_missing; /* why the scapy co-process is not there */
static uint64_t gre_seq_expect;     /* the sequence number the case must carry */
static int gre_seq_fd = -1;

static void gre_py_start(void)
{
	int in[2], out[2];
	char line[512];

	if (access("/usr/bin/python3", X_OK) || access(GRE_EXPECT_PY, R_OK)) {
		gre_py_missing = "needs /usr/bin/python3 and " GRE_EXPECT_PY;
		return;
	}
	if (pipe(in) || pipe(out)) {
		gre_py_missing = "cannot make pipes for the scapy co-process";
		return;
	}
	gre_py_pid = fork();
	if (gre_py_pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execl("/usr/bin/python3", "python3", GRE_EXPECT_PY, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	gre_to_py = fdopen(in[1], "w");
	gre_from_py = fdopen(out[0], "r");
	/* A first request proves scapy imports. */
	fprintf(gre_to_py, "fam=4 src=192.0.2.1 dst=192.0.2.2 tos=0 ttl=1 id=0 df=0 fl=0 sport=1 "
		"dport=1 udp_csum=0 gue=0 gre_csum=0 key=- seq=- inner=45\n");
	fflush(gre_to_py);
	if (!fgets(line, sizeof(line), gre_from_py) || !strncmp(line, "error", 5))
		gre_py_missing = "needs python3-scapy (scripts/deps.sh) for the expected GRE packets";
}

static void gre_py_stop(void)
{
	if (gre_to_py)
		fclose(gre_to_py);
	if (gre_from_py)
		fclose(gre_from_py);
	if (gre_py_pid > 0)
		waitpid(gre_py_pid, NULL, 0);
}

/* scapy's packet for @req into @buf: its length, or 0. */
static size_t gre_py_build(const char *req, uint8_t *buf, size_t cap)
{
	static char line[2 * BUF_SZ + 64];
	size_t n = 0;

	fprintf(gre_to_py, "%s\n", req);
	fflush(gre_to_py);
	if (!fgets(line, sizeof(line), gre_from_py) || !strncmp(line, "error", 5)) {
		tap_note("scapy: %s", line);
		return 0;
	}
	while (n < cap && sscanf(line + 2 * n, "%2hhx", &buf[n]) == 1)
		n++;
	return n;
}

static size_t gre_hlen_of(const struct tun *t)
{
	return 4 + (t->flags & FOU_TUN_F_GRE_CSUM ? 4 : 0) + (t->flags & FOU_TUN_F_GRE_KEY ? 4 : 0) +
	       (t->flags & FOU_TUN_F_GRE_SEQ ? 4 : 0);
}

/* check_encap() for a GRE tunnel: the outer packet must be scapy's. */
static void check_encap_gre(const struct tun *t, const uint8_t *out, size_t olen,
			    const uint8_t *inner, size_t ilen, enum macs macs)
{
	static uint8_t want[BUF_SZ];
	static char req[2 * BUF_SZ + 512];
	bool o4 = t->fam == 4, i4 = (inner[0] >> 4) == 4, gue = t->kind == FOU_KIND_GUE;
	size_t ohl = o4 ? 20 : 40, uoff = 14 + ohl, n, len;
	bool csum = !T.gso_size && (o4 ? (t->flags & FOU_TUN_F_CSUM) : !(t->flags & FOU_TUN_F_UDP6_ZERO));
	uint8_t ittl = i4 ? inner[8] : inner[7];
	uint8_t itos = i4 ? inner[1] : (uint8_t)((inner[0] & 0xf) << 4 | inner[1] >> 4);
	char key[16] = "-", seq[16] = "-";

	if (!EXPECT_EQ(olen, uoff + 8 + (gue ? 4 : 0) + gre_hlen_of(t) + ilen, "output length"))
		return;
	if (macs == MACS_RESOLVED)
		EXPECT_TRUE(!memcmp(out, bh_neigh_mac, 6) && !memcmp(out + 6, bh_dev_mac, 6),
			    "MACs of the resolved next hop");
	EXPECT_EQ(be16_get(out + 12), o4 ? 0x0800 : 0x86dd, "outer EtherType");
	if (t->flags & FOU_TUN_F_GRE_KEY)
		snprintf(key, sizeof(key), "%u", t->gre_key);
	if (t->flags & FOU_TUN_F_GRE_SEQ)
		snprintf(seq, sizeof(seq), "%u", (uint32_t)gre_seq_expect);
	len = (size_t)snprintf(req, sizeof(req),
		"fam=%d src=%s dst=%s tos=%u ttl=%u id=%u df=%d fl=%u sport=%u dport=%u "
		"udp_csum=%d gue=%d gre_csum=%d key=%s seq=%s inner=", t->fam,
		o4 ? LOCAL4 : LOCAL6, remote_of(t), itos, t->ttl ? t->ttl : ittl,
		be16_get(out + 18), i4 ? !!(inner[6] & 0x40) : 1,
		(unsigned int)((out[15] & 0xf) << 16 | out[16] << 8 | out[17]),
		be16_get(out + uoff), t->dport, csum, gue, !!(t->flags & FOU_TUN_F_GRE_CSUM),
		key, seq);
	for (size_t i = 0; i < ilen && len + 3 < sizeof(req); i++)
		len += (size_t)snprintf(req + len, sizeof(req) - len, "%02x", inner[i]);
	n = gre_py_build(req, want, sizeof(want));
	if (!EXPECT_TRUE(n > 0, "scapy built the expected packet"))
		return;
	EXPECT_MEMEQ(out + 14, olen - 14, want, n, "outer packet equals scapy's");
}

static void gre_seq_set(uint64_t v)
{
	struct fou_tun_gre_seq s = { .next = v };
	uint32_t slot = SLOT;

	gre_seq_expect = v;
	if (bpf_map_update_elem(gre_seq_fd, &slot, &s, BPF_ANY))
		tap_bail("cannot write fou_tun_gre_seq: %s", strerror(errno));
}

static uint64_t gre_seq_get(void)
{
	struct fou_tun_gre_seq s = {};
	uint32_t slot = SLOT;

	bpf_map_lookup_elem(gre_seq_fd, &slot, &s);
	return s.next;
}

static const char *gre_flags_name(uint16_t f)
{
	static char b[32];

	snprintf(b, sizeof(b), "%s%s%s%s", f & FOU_TUN_F_GRE_CSUM ? " csum" : "",
		 f & FOU_TUN_F_GRE_KEY ? " key" : "", f & FOU_TUN_F_GRE_SEQ ? " seq" : "",
		 f & FOU_TUN_F_GRE_ANY ? "" : " plain");
	return b;
}

static struct tun gre_tun(int fam, uint8_t kind, uint16_t gre_flags, bool udp_csum)
{
	struct tun t = tdef(fam, kind, 4);

	t.ipproto = 47;
	t.flags = gre_flags;
	t.gre_key = 0xa1b2c3d4;
	if (udp_csum != (fam == 6))
		t.flags |= fam == 4 ? FOU_TUN_F_CSUM : FOU_TUN_F_UDP6_ZERO;
	return t;
}

/* One GRE encapsulation through TC, and what it does to the sequence. */
static void gre_tc_case(const struct tun *t, const struct inner *in, uint64_t seq,
			uint32_t gso_size, enum outcome o, int stat)
{
	case_begin(t, "GRE in %s%s %sin%s %s %s payload %zu%s", kn(t->kind),
		   gre_flags_name(t->flags), fn(in->fam), fn(t->fam), l4n(in->l4), csn(t),
		   in->payload, gso_size ? ", GSO" : "");
	if (!tap_selected("tc: %s", T.name))
		return;
	if (gre_py_missing) {
		tap_skip("tc: %s: %s", T.name, gre_py_missing);
		return;
	}
	T.gso_size = gso_size;
	add_frame(in, false);
	finalize();
	gre_seq_set(seq);
	expect(o, stat);
	T.tun_drop = o == O_DROP;
	tap_begin();
	tc_checks();
	/* Taken once per packet sent, never by a dropped one. */
	if (t->flags & FOU_TUN_F_GRE_SEQ)
		EXPECT_EQ(gre_seq_get(), seq + (o == O_ENCAP), "fou_tun_gre_seq advanced");
	tap_end("tc: %s", T.name);
}

static void cases_gre_tx(void)
{
	static const uint16_t combos[] = {
		0, FOU_TUN_F_GRE_KEY, FOU_TUN_F_GRE_CSUM, FOU_TUN_F_GRE_SEQ,
		FOU_TUN_F_GRE_KEY | FOU_TUN_F_GRE_SEQ, FOU_TUN_F_GRE_CSUM | FOU_TUN_F_GRE_KEY,
		FOU_TUN_F_GRE_ANY,
	};
	static const enum l4kind l4s[] = { L4_TCP, L4_UDP, L4_ICMP, L4_RAW };
	unsigned int n = 0;

	gre_seq_fd = bpf_object__find_map_fd_by_name(tskel->obj, FOU_MAP_TUN_GRE_SEQ);
	gre_py_start();
	for (int fam = 4; fam <= 6; fam += 2)
		for (uint8_t k = FOU_KIND_FOU; k <= FOU_KIND_GUE; k++)
			for (unsigned int c = 0; c < sizeof(combos) / sizeof(combos[0]); c++, n++) {
				struct tun t = gre_tun(fam, k, combos[c], n & 1);
				struct inner in = { .fam = n & 2 ? 6 : 4, .l4 = l4s[n % 4],
						    .payload = 17 + 100 * (n % 5), .df = n & 1 };

				gre_tc_case(&t, &in, 1000 + n, 0, O_ENCAP, encap_stat(&t));
			}
	{
		struct tun t = gre_tun(4, FOU_KIND_FOU, FOU_TUN_F_GRE_SEQ | FOU_TUN_F_GRE_CSUM, true);
		struct inner in = { .fam = 4, .l4 = L4_TCP, .payload = 200 };

		/* The wire carries the low 32 bits: 0xffffffff, then 0. */
		gre_tc_case(&t, &in, 0xffffffffull, 0, O_ENCAP, FOU_STAT_TX_ENCAP_FOU);
		gre_tc_case(&t, &in, 0x100000000ull, 0, O_ENCAP, FOU_STAT_TX_ENCAP_FOU);
		/* Per-packet fields cannot go into a GSO skb's shared header. */
		gre_tc_case(&t, &in, 5, 1400, O_DROP, FOU_STAT_TX_DROP_GRE_GSO);
		t = gre_tun(6, FOU_KIND_GUE, FOU_TUN_F_GRE_CSUM, false);
		gre_tc_case(&t, &in, 5, 1400, O_DROP, FOU_STAT_TX_DROP_GRE_GSO);
		t = gre_tun(6, FOU_KIND_FOU, FOU_TUN_F_GRE_SEQ, false);
		gre_tc_case(&t, &in, 5, 1400, O_DROP, FOU_STAT_TX_DROP_GRE_GSO);
		/* A key is the same in every segment: GSO stays. test_run's GSO
		 * skbs (gso_type 0, not TCP) cannot be encapsulated at all
		 * (tx_drop_adjust), so the e2e test's TCP shows that. */
	}
	{
		/* XDP forwarding: variable headers are left to the stack and TC. */
		struct tun t = gre_tun(4, FOU_KIND_FOU, FOU_TUN_F_GRE_KEY, false);
		struct inner in = { .fam = 4, .l4 = L4_UDP, .payload = 40 };

		case_begin(&t, "forward GRE in FOU: left to TC egress");
		add_frame(&in, true);
		finalize();
		expect(O_PASS, FOU_STAT_FWD_PASS_GRE);
		run_xdp();
	}
	gre_py_stop();
}
