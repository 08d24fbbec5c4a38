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
 * Usage: bench_rx [CALLS [XDP_CALLS]]
 *   calls per shot and program at TC (default 400) and at XDP (default 40:
 *   XDP calls cost ~16 ms each, which bounds the total to about 45 s).
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

#include "fou_maps.h"
#include "portstate.h"
#include "fou_stats.h"
#include "fou_rx_xdp.skel.h"
#include "fou_rx_tc.skel.h"
#include "trivial.skel.h"
#include "bpfharness.h"
#include "pktbuild.h"

#define P_FOU4 5555
#define P_FOU6 5556
#define P_GUE  6080
#define P_NONE 9999

#define MAX_FRAME       3400 /* under the test_run linear limits (XDP ~3500) */
#define NOT_OURS_REPEAT 64
#define SHORT_REPEAT    2    /* the short shot: 2 layers, 2 repetitions */
#define WARMUP_CALLS    2
#define MAX_CALLS       10000

enum kind { K_FOU, K_GUE0, K_GUE1, K_NOPORT, K_TCP };

struct bcase {
	enum kind kind;
	int fam;             /* IP version of every layer, the innermost too */
	bool csum;           /* UDP checksum in every layer (verified) */
	unsigned int layers; /* encapsulation layers; ours: the repeat count */
	size_t inner;        /* innermost IP packet bytes */
	bool per_byte;       /* checksum cost per byte, against its csum0 twin */
};

static const struct bcase cases[] = {
	/* kind    fam  csum   layers innermost per_byte */
	{ K_FOU,    4, false, 64,   64, false },
	{ K_FOU,    4, false, 64,  512, false },
	{ K_FOU,    4, true,  64,   64, false },
	{ K_FOU,    4, true,  64,  512, false },
	{ K_FOU,    6, true,  64,   64, false },
	{ K_FOU,    6, true,  48,  512, false },
	{ K_GUE0,   4, false, 64,   64, false },
	{ K_GUE0,   4, true,  64,   64, false },
	{ K_GUE1,   4, false, 64,   64, false },
	{ K_GUE1,   4, true,  64,   64, false },
	{ K_GUE1,   6, true,  64,   64, false },
	/* checksum cost per byte: fewer layers around a large innermost packet */
	{ K_FOU,    4, false, 16, 1400, false },
	{ K_FOU,    4, true,  16, 1400, true },
	{ K_NOPORT, 4, true,   1,  512, false },
	{ K_TCP,    4, false,  0,  512, false },
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

struct hook {
	const char *name;
	__u32 calls;         /* measured calls per shot and program */
	int fou_fd, triv_fd, stats_fd;
	struct fou_port_fds pfds;
	__u32 ok_ret;
};

struct frame {
	uint8_t *buf;
	size_t len;
};

struct result {
	double fou, triv;    /* from the medians: ns per repetition */
	double min_diff;     /* fou - trivial from the minima, likewise */
	const char *invalid; /* why the case is not measured, or NULL */
};

static struct hook hooks[2];
static struct result results[NCASES][2];
static int ncpus;
static uint8_t scratch[2][4096], in_long[4096], in_short[4096], want_buf[4096];
static uint8_t out_buf[8192];

/* ---- cases ------------------------------------------------------------ */

static bool ours(const struct bcase *c)
{
	return c->kind != K_NOPORT && c->kind != K_TCP;
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
	case K_TCP: return FOU_STAT_PASS_NOT_UDP;
	default: return FOU_STAT_RX_DECAP_GUE;
	}
}

/* Bytes one encapsulation layer adds. */
static size_t overhead(const struct bcase *c)
{
	return (c->fam == 4 ? 20 : 40) + 8 + (c->kind == K_GUE0 ? 4 : 0);
}

static const char *case_name(const struct bcase *c)
{
	static const char *kinds[] = { "FOU", "GUEv0", "GUEv1" };
	static char s[48];

	if (!ours(c))
		snprintf(s, sizeof(s), "not ours: %s %zu", c->kind == K_TCP ? "TCP" : "UDP",
			 c->inner);
	else
		snprintf(s, sizeof(s), "%s %din%d %s %zuB/L+%zu", kinds[c->kind], c->fam,
			 c->fam, c->csum ? "csum" : "csum0", overhead(c), c->inner);
	return s;
}

/* ---- packets ----------------------------------------------------------- */

static void add_ip(struct pkt *p, int fam, bool inner)
{
	if (fam == 4) {
		struct pkt_ip4_opts o = {
			.saddr = pkt_a4(inner ? "10.0.0.1" : "192.0.2.1"),
			.daddr = pkt_a4(inner ? "10.0.0.2" : "198.51.100.1") };

		pkt_ip4(p, &o);
	} else {
		struct pkt_ip6_opts o = {
			.saddr = pkt_a6(inner ? "fd00::1" : "2001:db8::1"),
			.daddr = pkt_a6(inner ? "fd00::2" : "2001:db8:100::1") };

		pkt_ip6(p, &o);
	}
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
	uint16_t dport = c->kind == K_NOPORT ? P_NONE : c->kind != K_FOU ? P_GUE :
			 c->fam == 4 ? P_FOU4 : P_FOU6;
	struct pkt p;

	pkt_init(&p, buf, cap);
	add_ip(&p, c->fam, false);
	pkt_udp(&p, 4000, dport, c->csum ? PKT_CSUM_AUTO : PKT_CSUM_ZERO);
	if (c->kind == K_GUE0) {
		struct pkt_gue_opts g = { .proto = c->fam == 4 ? IPPROTO_IPIP : IPPROTO_IPV6 };

		pkt_gue(&p, &g);
	}
	pkt_bytes(&p, ip, len);
	return done(&p);
}

/* Ethernet, @layers layers of case @c, the innermost packet; 0 on error. */
static size_t build(uint8_t *buf, size_t cap, const struct bcase *c, unsigned int layers)
{
	struct pkt_eth_opts e = { .dst = { 2, 0, 0, 0, 0, 2 }, .src = { 2, 0, 0, 0, 0, 1 },
				  .type = c->fam == 4 ? 0x0800 : 0x86DD };
	size_t len = build_innermost(scratch[0], sizeof(scratch[0]), c);
	unsigned int i;
	struct pkt p;

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

/* One packet and its repeat count; totals[] holds each call's ns. */
struct shot {
	struct frame in;
	__u32 rep;
	uint64_t fou[MAX_CALLS], triv[MAX_CALLS];
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

/* fou (checked) then trivial on shot @s; keep the ns as call @i. */
static int call_pair(const struct bcase *c, const struct hook *h, struct shot *s,
		     const struct frame *want, __u32 i, struct result *r)
{
	uint64_t before = bh_stat_sum(h->stats_fd, stat_of(c));
	__u32 ret;
	long long ns = run(h->fou_fd, s, want, &ret);

	if (ns < 0)
		return ns;
	if (ret != h->ok_ret && !r->invalid)
		r->invalid = ret == ~0u ? "output is not the innermost packet" : "unexpected verdict";
	if (bh_stat_sum(h->stats_fd, stat_of(c)) - before != s->rep && !r->invalid)
		r->invalid = "outcome counter did not rise by the repeat count";
	s->fou[i] = ns;
	ns = run(h->triv_fd, s, NULL, &ret);
	if (ns < 0)
		return ns;
	s->triv[i] = ns;
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
	printf("%-26s %-4s %6s ", case_name(c), h->name, layers);
	if (r->invalid)
		printf("invalid: %s\n", r->invalid);
	else
		printf("%9.1f %9.1f %9.1f %6.2f %9.1f\n", r->fou, r->triv, r->fou - r->triv,
		       r->triv > 0 ? r->fou / r->triv : 0, r->min_diff);
}

static int bench_case(unsigned int ci)
{
	const struct bcase *c = &cases[ci];
	struct frame want = { want_buf, build(want_buf, sizeof(want_buf), c,
					      ours(c) ? 0 : c->layers) };
	int j, err;

	shots[0].in = (struct frame){ in_long, build(in_long, sizeof(in_long), c, c->layers) };
	shots[0].rep = repeat_of(c);
	shots[1].in = (struct frame){ in_short, ours(c) ? build(in_short, sizeof(in_short), c,
							       SHORT_REPEAT) : shots[0].in.len };
	if (!ours(c))
		memcpy(in_short, in_long, shots[0].in.len);
	shots[1].rep = SHORT_REPEAT;
	if (!shots[0].in.len || !shots[1].in.len || !want.len)
		return -ENOSPC;
	for (j = 0; j < 2; j++) {
		err = measure(c, &hooks[j], &want, &results[ci][j]);
		if (err)
			return err;
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

		if (r->invalid || t->invalid)
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

	for (i = 0; i < 2; i++) {
		err = fou_port_install(&hooks[i].pfds, &k, &v, &peer, 1);
		if (err)
			return err;
	}
	return 0;
}

static void fill(struct hook *h, struct bpf_object *obj, int fou_fd, int triv_fd)
{
	h->fou_fd = fou_fd;
	h->triv_fd = triv_fd;
	h->stats_fd = bpf_object__find_map_fd_by_name(obj, FOU_MAP_STATS);
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
	       "  min diff: the same reduction from each shot's fastest call.\n",
	       hooks[0].calls, hooks[1].calls, WARMUP_CALLS, NOT_OURS_REPEAT, SHORT_REPEAT,
	       ncpus, cpu);
}

static int run_all(void)
{
	unsigned int i;
	int err;

	printf("\n%-26s %-4s %6s %9s %9s %9s %6s %9s\n", "case", "hook", "layers",
	       "ns/pkt", "trivial", "diff ns", "ratio", "min diff");
	for (i = 0; i < NCASES; i++) {
		err = bench_case(i);
		if (err)
			return err;
	}
	printf("\n");
	for (i = 0; i < NCASES; i++)
		if (cases[i].per_byte)
			print_per_byte(i);
	return 0;
}

int main(int argc, char **argv)
{
	struct fou_rx_xdp_bpf *x = NULL;
	struct fou_rx_tc_bpf *t = NULL;
	struct trivial_bpf *tr = NULL;
	int err = 1;

	hooks[0] = (struct hook){ .name = "xdp", .ok_ret = 2, .calls = 40 };
	hooks[1] = (struct hook){ .name = "tc", .ok_ret = 0, .calls = 400 };
	if (argc > 1)
		hooks[1].calls = strtoul(argv[1], NULL, 0);
	if (argc > 2)
		hooks[0].calls = strtoul(argv[2], NULL, 0);
	if (!hooks[0].calls || !hooks[1].calls ||
	    hooks[0].calls > MAX_CALLS || hooks[1].calls > MAX_CALLS) {
		fprintf(stderr, "usage: bench_rx [CALLS [XDP_CALLS]] (1..%d)\n", MAX_CALLS);
		return 1;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "bench_rx: needs root (BPF_PROG_TEST_RUN)\n");
		return 1;
	}
	ncpus = libbpf_num_possible_cpus();
	x = BH_OPEN_UNPINNED(fou_rx_xdp_bpf);
	t = x ? BH_OPEN_UNPINNED(fou_rx_tc_bpf) : NULL;
	tr = t ? trivial_bpf__open_and_load() : NULL;
	if (ncpus <= 0 || !x || !t || !tr)
		goto out;
	fill(&hooks[0], x->obj, bpf_program__fd(x->progs.fou_rx_xdp),
	     bpf_program__fd(tr->progs.trivial_xdp));
	fill(&hooks[1], t->obj, bpf_program__fd(t->progs.fou_rx_tc),
	     bpf_program__fd(tr->progs.trivial_tc));
	if (add_port(4, P_FOU4, FOU_KIND_FOU, 4) || add_port(6, P_FOU6, FOU_KIND_FOU, 41) ||
	    add_port(4, P_GUE, FOU_KIND_GUE, 0) || add_port(6, P_GUE, FOU_KIND_GUE, 0))
		goto out;

	print_header(bh_pin_cpu());
	bh_prog_info(hooks[0].fou_fd, "fou_rx_xdp", 12);
	bh_prog_info(hooks[1].fou_fd, "fou_rx_tc", 12);
	bh_prog_info(hooks[0].triv_fd, "trivial_xdp", 12);
	bh_prog_info(hooks[1].triv_fd, "trivial_tc", 12);
	err = run_all();
	if (err)
		errno = -err;
out:
	if (err)
		fprintf(stderr, "bench_rx: setup failed: %s\n", strerror(errno));
	fou_rx_xdp_bpf__destroy(x);
	fou_rx_tc_bpf__destroy(t);
	trivial_bpf__destroy(tr);
	return err ? 1 : 0;
}
