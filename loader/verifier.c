// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * verifier stats: what the kernel's verifier spends on each program, as
 * this kernel would load it (BPF_LOG_STATS: instructions processed, states,
 * stack), with private maps: nothing is pinned or attached. Older verifiers
 * are less precise and walk more; the 1M-instruction limit must stay far.
 */
#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fouloader.h"
#include "opts.h"
#include "fou_rx_xdp.skel.h"

#define LOG_STATS 4 /* BPF_LOG_STATS: the summary lines only */

struct vstats {
	const char *prog, *build;
	const char *skipped;    /* why it was not loaded, or NULL */
	int err;
	unsigned int insns;     /* after linking the subprograms */
	unsigned int xlated;    /* instructions as the kernel runs them (after rewrites) */
	unsigned int jited;     /* bytes of machine code (0: not JIT-compiled) */
	long processed, limit, max_states, total_states, peak_states, time_us;
	char stack[64];
};

static void parse_log(const char *log, struct vstats *v)
{
	const char *p = strstr(log, "processed ");

	if (p)
		sscanf(p, "processed %ld insns (limit %ld) max_states_per_insn %ld total_states %ld "
		       "peak_states %ld", &v->processed, &v->limit, &v->max_states, &v->total_states,
		       &v->peak_states);
	p = strstr(log, "verification time ");
	if (p)
		sscanf(p, "verification time %ld usec", &v->time_us);
	p = strstr(log, "stack depth ");
	if (p)
		sscanf(p, "stack depth %63s", v->stack);
}

/* What the kernel made of the loaded program: xlated and JIT sizes. */
static void prog_sizes(int fd, struct vstats *v)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return;
	v->xlated = info.xlated_prog_len / sizeof(struct bpf_insn);
	v->jited = info.jited_prog_len;
}

/* Load @obj (maps private) with the verifier's statistics for @prog. */
static void measure(struct bpf_object *obj, const char *prog, const char *build, struct vstats *v)
{
	static char log[1 << 16];
	struct bpf_program *p = obj ? bpf_object__find_program_by_name(obj, prog) : NULL;

	memset(v, 0, sizeof(*v));
	v->prog = prog;
	v->build = build;
	snprintf(v->stack, sizeof(v->stack), "-");
	if (!p) {
		v->err = obj ? -ENOENT : -errno;
		return;
	}
	log[0] = '\0';
	bpf_program__set_log_buf(p, log, sizeof(log));
	bpf_program__set_log_level(p, LOG_STATS);
	v->err = bpf_object__load(obj);
	v->insns = bpf_program__insn_cnt(p);
	parse_log(log, v);
	if (!v->err)
		prog_sizes(bpf_program__fd(p), v);
}

static void unpin_all(struct bpf_object *obj)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, obj)
		bpf_map__set_pin_path(m, NULL);
}

/* fou_rx_xdp as attach loads it: with hints (the default), or without;
 * the nocast build where the kernel needs it, or wherever @nocast asks. */
static void measure_xdp(bool hints, bool nocast, struct vstats *v)
{
	struct fou_rx_xdp_bpf *skel = open_rx_xdp_skel(NULL, nocast);
	bool used_nocast = nocast || !kernel_features()->kern_ctx;

	if (skel) {
		unpin_all(skel->obj);
		skel->rodata->fou_hints_on = hints;
	}
	measure(skel ? skel->obj : NULL, "fou_rx_xdp",
		used_nocast ? (hints ? "nocast+h" : "nocast") : hints ? "hints" : "nohints", v);
	fou_rx_xdp_bpf__destroy(skel);
}

static void measure_obj(enum fou_obj which, bool nocast, const char *prog, struct vstats *v)
{
	struct bpf_object *obj = open_object(which, false, nocast);
	bool used_nocast = nocast || !kernel_features()->kern_ctx;

	measure(obj, prog, which == FOU_OBJ_RX_TC || which == FOU_OBJ_TX_TC
			   ? (used_nocast ? "nocast" : "default") : "default", v);
	bpf_object__close(obj);
}

static void print_row_json(struct json *j, const struct vstats *v)
{
	json_object(j);
	json_kstr(j, "program", v->prog);
	json_kstr(j, "build", v->build);
	json_kbool(j, "loaded", !v->err && !v->skipped);
	json_kstr(j, "skipped", v->skipped ? v->skipped : "");
	json_kstr(j, "error", v->err ? strerror(-v->err) : "");
	json_ku64(j, "insns", v->insns);
	json_ku64(j, "xlated_insns", v->xlated);
	json_ku64(j, "jited_bytes", v->jited);
	json_ki64(j, "processed", v->processed);
	json_ki64(j, "limit", v->limit);
	json_ki64(j, "max_states_per_insn", v->max_states);
	json_ki64(j, "total_states", v->total_states);
	json_ki64(j, "peak_states", v->peak_states);
	json_kstr(j, "stack_depth", v->stack);
	json_ki64(j, "verification_us", v->time_us);
	json_end(j);
}

static void print_row(const struct vstats *v)
{
	if (v->skipped) {
		printf("%-13s %-8s not measured: %s\n", v->prog, v->build, v->skipped);
		return;
	}
	printf("%-13s %-8s %6u %6u %7u %10ld %7ld %6ld %9ld  %-40s %8ld%s%s\n", v->prog, v->build,
	       v->insns, v->xlated, v->jited, v->processed, v->total_states, v->peak_states, v->max_states, v->stack, v->time_us,
	       v->err ? "  NOT LOADED: " : "", v->err ? strerror(-v->err) : "");
}

/* Every program as attach would load it; returns how many rows (at most 8). */
static int measure_all(const struct fou_kernel *k, struct vstats *v)
{
	int n = 0;

	measure_obj(FOU_OBJ_RX_TC, false, "fou_rx_tc", &v[n++]);
	measure_obj(FOU_OBJ_TX_TC, false, "fou_tx_tc", &v[n++]);
	if (k->xdp_adjust_meta) {
		measure_xdp(true, false, &v[n++]);
	} else {
		v[n] = (struct vstats){ .prog = "fou_rx_xdp", .build = "hints",
					.skipped = "the kernel lets no XDP program call bpf_xdp_adjust_meta" };
		snprintf(v[n++].stack, sizeof(v[0].stack), "-");
	}
	measure_xdp(false, false, &v[n++]);
	measure_obj(FOU_OBJ_HINTS_TC, false, "fou_hints_tc", &v[n++]);
	/* The fallback build too, where the kernel would not need it. */
	if (k->kern_ctx) {
		measure_obj(FOU_OBJ_RX_TC, true, "fou_rx_tc", &v[n++]);
		measure_obj(FOU_OBJ_TX_TC, true, "fou_tx_tc", &v[n++]);
		measure_xdp(false, true, &v[n++]);
	}
	return n;
}

/* The rows as a table, or as one JSON document; returns how many failed. */
static int print_stats(const char *release, const struct vstats *v, int n, bool json)
{
	struct json j;
	int failed = 0;

	json_start(&j, stdout);
	if (json) {
		json_object(&j);
		json_kstr(&j, "kernel", release);
		json_karray(&j, "programs");
	} else {
		printf("kernel %s: verifier statistics (BPF_LOG_STATS)\n", release);
		printf("%-13s %-8s %6s %6s %7s %10s %7s %6s %9s  %-40s %8s\n", "program", "build",
		       "insns", "xlated", "jited", "processed", "states", "peak", "max/insn", "stack depth", "time_us");
	}
	for (int i = 0; i < n; i++) {
		if (json)
			print_row_json(&j, &v[i]);
		else
			print_row(&v[i]);
		failed += v[i].err != 0;
	}
	if (json) {
		json_end(&j);
		json_end(&j);
		printf("\n");
	}
	return failed;
}

const struct opt_cmd verifier_stats_cmd = {
	"verifier stats", json_opts, NULL, "verifier stats: unexpected '%s'", NULL, NULL,
};

int cmd_verifier_stats(int argc, char **argv)
{
	const struct fou_kernel *k = kernel_features();
	struct vstats v[8];
	bool json = false;
	int n;

	if (opts_parse(&verifier_stats_cmd, argc, argv, &json, NULL))
		usage_exit();
	if (!k->btf)
		fail("kernel %s has no BTF: fouloader's CO-RE programs cannot load", k->release);
	n = measure_all(k, v);
	return print_stats(k->release, v, n, json) ? EXIT_FAIL : EXIT_OK;
}
