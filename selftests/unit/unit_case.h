/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the packet unit tests (test_rx, test_icmp, test_sctp, test_tx)
 * share: the hooks a case runs on, one BPF_PROG_TEST_RUN, the verdict and
 * bytes, counters and port counters around it, the name filter, the loop
 * over a table of rows. Each test file keeps only its cases.
 *
 * A case is a row. A test file declares its cases as tables of rows, one
 * row per case, and one loop runs each table:
 *
 *   { .id = "gue_priv",             the short name: -t picks cases by it
 *     .what = "GUE v0 4in, PRIV",   the rest of the test point's name
 *     .hooks = H_XDP,               where it runs (0: every receive hook)
 *     .fams = F_4,                  outer families (0: IPv4 and IPv6)
 *     .build = b_tunnel,            the packet: a builder (NULL: the usual
 *     .o.dport = P_GUE,               one) and its parameters: outer
 *     .gue = true, .g = { ... },      headers, the port they go to (the
 *     .in = { .fam = 4, ... },        configuration), GUE, inner packet
 *     .stat = FOU_STAT_RX_DECAP_GUE,  the one counter that moves; the
 *                                     verdict and the expected bytes
 *                                     (decapsulated / unchanged) follow
 *     .poke = p_gue8, .a = 3, .b = 1 }  optional, after the expectation is
 *                                     taken: corrupt the packet, or edit
 *                                     the expected bytes
 *
 * A new packet case is one more row in the table of its kind. Each test
 * point is named "HOOK: ID: WHAT", so that
 *
 *   build/selftests/test_rx -t gue_priv        (or test_rx.t -t gue_priv)
 *   build/selftests/test_rx -t 'tc: ecn*'
 *
 * runs one case, or the cases whose names match the glob (a word without
 * * ? [ matches anywhere in the name); see tap_args() in tap.h. A case
 * that continues a sequence (test_sctp's gateway, test_icmp's rate series)
 * needs the steps before it: pick the whole sequence. A sequence is a
 * table of steps, each a row of what it sends and expects (test_sctp.c's
 * struct gw_step).
 *
 * test_rx.c's struct rx_row is the example; its builders and pokes are
 * listed there. The other tables keep the same order (what, where, the
 * packet, the configuration, the counter and what follows from it):
 *
 *   test_tx.c    tx_row      transmit and XDP-forwarding cases (tx_rows,
 *                            encap_rows, fwd_rows)
 *   test_icmp.c  icmp_row    received errors
 *                itx_row     errors sent, refused, and encapsulations
 *                redirect_row, pmtu_rule
 *   test_sctp.c  native_row  native and transit SCTP
 *                port_row    the RFC 6951 port
 *                stx_row     transmit: encapsulation, fill, malformed
 *                gw_step     the gateway's sequence
 *
 * What stays a loop generates its cases (sizes, the protocol and family
 * matrices, source-port flows, rate series).
 */
#ifndef UNIT_CASE_H
#define UNIT_CASE_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "portstate.h"
#include "fou_maps.h"
#include "fou_stats.h"
#include "bpfharness.h"
#include "hooks.h" /* H_*: the hooks a case runs on, as a mask */
#include "tap.h"

/* Program return values, as the kernel's uapi numbers them. */
#define XDP_DROP_V        1
#define XDP_PASS_V        2
#define XDP_TX_V          3
#define XDP_REDIRECT_V    4
#define TC_ACT_OK_V       0
#define TC_ACT_SHOT_V     2
#define TC_ACT_REDIRECT_V 7


/* Outer families a row runs over, as a mask (0: both); F_ONCE: not IP,
 * run once (as IPv4), no family in the name. */
enum { F_4 = 1, F_6 = 2, F_ONCE = 4 };
#define F_BOTH (F_4 | F_6)

/* Whether a row of families fams runs over family fam. */
static inline bool ut_row_runs(uint8_t fams, int fam)
{
	return !fams || (fams & (fam == 4 ? F_4 | F_ONCE : F_6));
}

/* fn(row, fam) for every row of the table t and every family it runs over. */
#define UT_RUN_ROWS(t, fn) do {                                              \
	for (size_t ___i = 0; ___i < sizeof(t) / sizeof((t)[0]); ___i++)    \
		for (int ___f = 4; ___f <= 6; ___f += 2)                     \
			if (ut_row_runs((t)[___i].fams, ___f))               \
				fn(&(t)[___i], ___f);                        \
} while (0)

/* One program under test and the maps its verdicts are read from. */
struct ut_hook {
	const char *name;      /* "xdp", "tc", "tx": the start of a point's name */
	int id;                /* H_* */
	int prog_fd, stats_fd;
	struct fou_port_fds pfds;
	int ok_ret, drop_ret;
};

#define UT_HOOK_XDP { .name = "xdp", .id = H_XDP, .ok_ret = XDP_PASS_V, .drop_ret = XDP_DROP_V }
#define UT_HOOK_TC  { .name = "tc", .id = H_TC, .ok_ret = TC_ACT_OK_V, .drop_ret = TC_ACT_SHOT_V }
#define UT_HOOK_TX  { .name = "tx", .id = H_TX, .ok_ret = TC_ACT_OK_V, .drop_ret = TC_ACT_SHOT_V }

/* Open skeleton s, let expression share give it maps before it loads, load
 * it; 0, or -1 with errno set (the half-made skeleton goes with the
 * process, which bails out). */
#define UT_OPEN_SHARING(skel, s, share) \
	(((s) = skel##__open()) && !(share) && !skel##__load(s) ? 0 : -1)

/* The program fd, fou_stats and the port maps of hook h from its object. */
static inline int ut_hook_fill(struct ut_hook *h, struct bpf_object *obj,
			       struct bpf_program *prog)
{
	h->prog_fd = bpf_program__fd(prog);
	h->stats_fd = bpf_object__find_map_fd_by_name(obj, FOU_MAP_STATS);
	return fou_port_fds_from_obj(obj, &h->pfds);
}

/* The counters of port k; for a key that is not a port, -ENOENT if it
 * must_exist, else all zero. */
static inline int ut_port_stats(const struct ut_hook *h, const struct fou_port_key *k,
				bool must_exist, struct fou_port_stats *s)
{
	struct fou_port v;
	__u32 slot;
	int err;

	memset(s, 0, sizeof(*s));
	err = fou_port_find(&h->pfds, k, &v, &slot);
	if (err)
		return err == -ENOENT && !must_exist ? 0 : err;
	return fou_port_stats_sum(&h->pfds, slot, s);
}

/* The context a run gives the program; all zero: none (the kernel's
 * defaults), else the ifindex (XDP: ingress), the bytes of an XDP frame's
 * first buffer (0: the whole frame) and the skb's GSO size. */
struct ut_ctx {
	bool set;
	uint32_t ifindex, linear, gso_size;
};

/* One run of the packet in[0..len) through h; out gets what came out. */
struct ut_io {
	const void *in;
	uint32_t len;
	void *out;
	uint32_t out_cap;
	uint32_t retval, out_len;  /* results */
};

static inline int ut_test_run(const struct ut_hook *h, const struct ut_ctx *c, struct ut_io *io)
{
	struct xdp_md xctx = { .ingress_ifindex = c->ifindex,
			       .data_end = c->linear ? c->linear : io->len };
	struct __sk_buff sctx = { .ifindex = c->ifindex, .gso_size = c->gso_size,
				  .gso_segs = c->gso_size ? 2 : 0 };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = io->in, .data_size_in = io->len,
		    .data_out = io->out, .data_size_out = io->out_cap, .repeat = 1);
	int err;

	if (c->set && h->id == H_XDP) {
		o.ctx_in = &xctx;
		o.ctx_size_in = sizeof(xctx);
	} else if (c->set) {
		o.ctx_in = &sctx;
		o.ctx_size_in = sizeof(sctx);
	}
	err = bpf_prog_test_run_opts(h->prog_fd, &o);
	io->retval = o.retval;
	io->out_len = o.data_size_out;
	return err;
}

/* The io of a run of the struct pkt pk_ into the array arr_. */
#define UT_IO(pk_, arr_) \
	((struct ut_io){ .in = (pk_).buf, .len = (pk_).len, .out = (arr_), .out_cap = sizeof(arr_) })

/* What a case expects of a run: its packet passed unchanged, dropped, or
 * changed into the expected bytes. */
enum ut_outcome { UT_PASS, UT_DROP, UT_CHANGED, UT_OUTCOME_FIRST_FREE };

/* Checks of the current point: h's verdict for out, and the bytes that came
 * out: the input's for a pass, exp[0..exp_len) for a change (a drop's are
 * not looked at here). */
static inline void ut_check_output(const struct ut_hook *h, int out, const struct ut_io *io,
				   const void *exp, size_t exp_len)
{
	EXPECT_EQ(io->retval, out == UT_DROP ? h->drop_ret : h->ok_ret, "verdict");
	if (out == UT_CHANGED)
		EXPECT_MEMEQ(io->out, io->out_len, exp, exp_len, "output bytes");
	else if (out == UT_PASS)
		EXPECT_MEMEQ(io->out, io->out_len, io->in, io->len, "passed bytes (unchanged)");
}

/* Check of the current point: every fou_stats counter moved by want[id]
 * between b and a, no more, no less. */
static inline void ut_check_counters(const uint64_t *b, const uint64_t *a, const int *want)
{
	int id;

	for (id = 0; id < FOU_STAT__COUNT; id++) {
		long long d = (long long)(a[id] - b[id]);

		if (d != want[id])
			tap_check_fail(__FILE__, __LINE__, "counter %s moved by %lld, expected %d",
				       bh_stat_names[id], d, want[id]);
	}
}

/* Check of the current point: the port's counters moved by one packet
 * received (rx), one dropped (drop), or by nothing. */
static inline void ut_check_port_moved(const struct fou_port_stats *b,
				       const struct fou_port_stats *a, bool rx, bool drop)
{
	EXPECT_EQ(a->rx_packets - b->rx_packets, rx, "port rx_packets delta");
	EXPECT_EQ(a->drop_packets - b->drop_packets, drop, "port drop_packets delta");
}

/* Run-on-every-hook: each hook of hooks[0..n) in mask runs fn, when the
 * point "HOOK: name" is selected by the command line's -t. */
static inline void ut_run_hooks(const struct ut_hook *hooks, int n, int mask, const char *name,
				void (*fn)(const struct ut_hook *h))
{
	int i;

	for (i = 0; i < n; i++)
		if ((mask & hooks[i].id) && tap_selected("%s: %s", hooks[i].name, name))
			fn(&hooks[i]);
}

#endif /* UNIT_CASE_H */
