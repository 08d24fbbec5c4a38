// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Cost of the SCTP CRC32c in BPF (bpf/lib/crc32c.h through crc_{xdp,tc}.bpf.c),
 * beside, in the same run: the trivial program on the same packet (the cost
 * of running any program), the same slicing algorithm and tables in
 * user-space C, and the CPU's own crc32 instruction (SSE4.2). Never a
 * pass/fail on time: exit 0 unless the setup fails or a result is wrong.
 *
 * Packets: Ethernet + IPv4 + SCTP (one DATA chunk) of 64, 512, 1500 and 9000
 * IP bytes; the CRC covers the SCTP part (IP bytes - 20). 9000 is an XDP
 * multi-buffer frame (test_run puts what does not fit a page in frags); TC's
 * test_run only builds linear skbs of about a page, so TC has no 9000 row.
 *
 * Each figure: (median total ns of calls at repeat=LONG - median total at
 * repeat=SHORT) / (LONG - SHORT), the warm cost of one run without the cold
 * first one (at XDP, each test_run call with repeat > 1 also attaches the
 * program to the dispatcher). CRC and trivial calls are interleaved. Every
 * CRC call's result is checked against a bitwise reference.
 *
 * Usage: bench_crc [TC_CALLS [XDP_CALLS]]   calls per shot (default 200, 15)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <nmmintrin.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "crc32c_table.h"
#include "crcprogs.h"
#include "trivial.skel.h"
#include "bpfharness.h"

#define POLY        0x82F63B78u
#define MAX_CALLS   2000
#define LONG_REP    1000
#define SHORT_REP   100
#define SCTP_OFF    34 /* Ethernet + IPv4 */
#define USER_ROUNDS 31

static const unsigned int sizes[] = { 64, 512, 1500, 9000 };
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))


struct hook {
	const char *name;
	int crc_fd, triv_fd;
	unsigned int calls;
	size_t max_frame; /* test_run's limit on this hook */
};

static struct hook hooks[HOOK_IDX_N];
static struct crc_progs progs;
static uint8_t frame[9100], sctp_zeroed[9100];
static uint64_t t_crc[2][MAX_CALLS], t_triv[2][MAX_CALLS];

/* ---- CRCs in user space -------------------------------------------------- */

static uint32_t ref_bitwise(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffff;

	while (n--) {
		c ^= *p++;
		for (int b = 0; b < 8; b++)
			c = c & 1 ? (c >> 1) ^ POLY : c >> 1;
	}
	return ~c;
}

static inline uint64_t le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8); /* x86: little-endian, as the tables are laid out */
	return v;
}

#define TB(k, x, j) crc32c_table[k][((x) >> (8 * (j))) & 0xff]
#define SLICE8(x, after)                                                        \
	(TB((after) + 7, x, 0) ^ TB((after) + 6, x, 1) ^ TB((after) + 5, x, 2) ^   \
	 TB((after) + 4, x, 3) ^ TB((after) + 3, x, 4) ^ TB((after) + 2, x, 5) ^   \
	 TB((after) + 1, x, 6) ^ TB((after) + 0, x, 7))

/* The BPF code's algorithm: slicing-by-16 (or 32) over the generated
 * tables, the bytes before the last whole 16-byte blocks one at a time. */
static __attribute__((noinline)) uint32_t crc_slicing(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffff;

	for (; n % 16; n--)
		c = (c >> 8) ^ crc32c_table[0][(c ^ *p++) & 0xff];
	for (; n; n -= 16, p += 16) {
		uint64_t x = le64(p) ^ c, y = le64(p + 8);

		c = SLICE8(x, 8) ^ SLICE8(y, 0);
	}
	return ~c;
}

static __attribute__((noinline, target("sse4.2"))) uint32_t crc_hw(const uint8_t *p, size_t n)
{
	uint64_t c = 0xffffffff;

	for (; n % 8; n--)
		c = _mm_crc32_u8(c, *p++);
	for (; n; n -= 8, p += 8)
		c = _mm_crc32_u64(c, le64(p));
	return ~(uint32_t)c;
}

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

/* Median ns per call of fn over the n bytes; -1 if it computes wrong. */
static double time_user(uint32_t (*fn)(const uint8_t *, size_t), const uint8_t *p, size_t n,
			uint32_t want)
{
	uint64_t v[USER_ROUNDS];
	unsigned int iters = 2000000 / (n + 64) + 100, r, i;
	volatile uint32_t sink = 0;

	if (fn(p, n) != want)
		return -1;
	for (r = 0; r < USER_ROUNDS; r++) {
		double t0 = now_ns();

		for (i = 0; i < iters; i++)
			sink += fn(p, n);
		v[r] = (uint64_t)((now_ns() - t0) * 1000 / iters); /* ps */
	}
	(void)sink;
	return bh_median(v, USER_ROUNDS) / 1000;
}

/* ---- packets -------------------------------------------------------------- */

/* Ethernet + IPv4 + SCTP DATA of ip_len IP bytes; the SCTP length. */
static size_t build(unsigned int ip_len)
{
	size_t slen = ip_len - 20, i;
	uint8_t *s = frame + SCTP_OFF;
	uint32_t c;

	memset(frame, 0, SCTP_OFF + slen);
	memcpy(frame, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00", 14);
	frame[14] = 0x45;
	frame[16] = ip_len >> 8;
	frame[17] = ip_len;
	frame[22] = 64;
	frame[23] = 132;
	memcpy(frame + 26, "\xc0\x00\x02\x01\xc6\x33\x64\x01", 8);
	memcpy(s, "\x13\x88\x26\xab\x12\x34\xab\xcd", 8);       /* ports, vtag */
	s[12] = 0;                                              /* DATA */
	s[13] = 3;
	s[14] = (slen - 12) >> 8;
	s[15] = slen - 12;
	for (i = 28; i < slen; i++)
		s[i] = i * 7 + 3;
	memcpy(sctp_zeroed, s, slen);
	c = ref_bitwise(sctp_zeroed, slen);
	for (i = 0; i < 4; i++)
		s[8 + i] = c >> (8 * i);
	return slen;
}

/* ---- BPF ------------------------------------------------------------------ */

static long long run(int fd, size_t flen, unsigned int rep)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = flen, .repeat = rep);

	if (bpf_prog_test_run_opts(fd, &o))
		return -errno;
	return (long long)o.duration * rep;
}

/* ns per run of the CRC and the trivial program; -errno, or -EBADMSG if a
 * CRC came out wrong. */
static int measure(const struct hook *h, size_t flen, uint32_t want, double *crc, double *triv,
		   double *min_diff)
{
	static const unsigned int reps[2] = { LONG_REP, SHORT_REP };
	unsigned int i, k;
	long long ns;

	for (i = 0; i < h->calls + 1; i++)     /* the first call warms up */
		for (k = 0; k < 2; k++) {
			progs.bss[h - hooks]->crc_result = -2;
			ns = run(h->crc_fd, flen, reps[k]);
			if (ns < 0)
				return ns;
			if (progs.bss[h - hooks]->crc_result != want)
				return -EBADMSG;
			t_crc[k][i ? i - 1 : 0] = ns;
			ns = run(h->triv_fd, flen, reps[k]);
			if (ns < 0)
				return ns;
			t_triv[k][i ? i - 1 : 0] = ns;
		}
	*crc = (bh_median(t_crc[0], h->calls) - bh_median(t_crc[1], h->calls)) /
	       (LONG_REP - SHORT_REP);
	*triv = (bh_median(t_triv[0], h->calls) - bh_median(t_triv[1], h->calls)) /
		(LONG_REP - SHORT_REP);
	/* bh_median() sorted the series: [0] is the fastest call */
	*min_diff = ((double)t_crc[0][0] - t_crc[1][0] - ((double)t_triv[0][0] - t_triv[1][0])) /
		    (LONG_REP - SHORT_REP);
	return 0;
}

static int bench_size(unsigned int ip_len)
{
	size_t slen = build(ip_len), flen = SCTP_OFF + slen;
	uint32_t want = ref_bitwise(sctp_zeroed, slen);
	double user = time_user(crc_slicing, sctp_zeroed, slen, want);
	double hw = __builtin_cpu_supports("sse4.2") ?
		time_user(crc_hw, sctp_zeroed, slen, want) : 0;
	int j, err;

	if (user < 0 || hw < 0) {
		fprintf(stderr, "bench_crc: user-space CRC of %u bytes is wrong\n", ip_len);
		return -EBADMSG;
	}
	for (j = 0; j < HOOK_IDX_N; j++) {
		const struct hook *h = &hooks[j];
		double crc = 0, triv = 0, diff, min_diff = 0;

		printf("%5u %5zu %-4s ", ip_len, slen, h->name);
		if (flen > h->max_frame) {
			printf("%9s %9s %9s %7s %7s | (test_run takes at most %zu bytes here)\n",
			       "-", "-", "-", "-", "-", h->max_frame);
			continue;
		}
		progs.bss[j]->crc_off = SCTP_OFF;
		progs.bss[j]->crc_len = slen;
		err = measure(h, flen, want, &crc, &triv, &min_diff);
		if (err == -EBADMSG) {
			printf("invalid: wrong CRC from BPF\n");
			return err;
		}
		if (err)
			return err;
		diff = crc - triv;
		printf("%9.1f %9.1f %9.1f %7.2f %7.2f | %7.1f %6.2f | %7.1f %6.2f | %5.2f %5.2f\n",
		       crc, triv, diff, slen / diff, slen / min_diff, user, slen / user, hw,
		       hw ? slen / hw : 0, user / diff, hw / diff);
	}
	return 0;
}

/* Largest frame test_run accepts on fd (TC: linear skbs of about a page). */
static size_t probe_max_frame(int fd)
{
	size_t lo = 64, hi = sizeof(frame), mid;

	build(9000);
	if (run(fd, hi, 1) >= 0)
		return hi;
	while (hi - lo > 1) {
		mid = (lo + hi) / 2;
		if (run(fd, mid, 1) >= 0)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

int main(int argc, char **argv)
{
	struct trivial_bpf *tr = NULL;
	unsigned int i;
	int cpu, err = 1;

	hooks[HOOK_IDX_XDP] = (struct hook){ .name = "xdp", .calls = 15 };
	hooks[HOOK_IDX_TC] = (struct hook){ .name = "tc", .calls = 200 };
	if (argc > 1)
		hooks[HOOK_IDX_TC].calls = strtoul(argv[1], NULL, 0);
	if (argc > 2)
		hooks[HOOK_IDX_XDP].calls = strtoul(argv[2], NULL, 0);
	if (!hooks[HOOK_IDX_TC].calls || !hooks[HOOK_IDX_XDP].calls ||
	    hooks[HOOK_IDX_TC].calls > MAX_CALLS || hooks[HOOK_IDX_XDP].calls > MAX_CALLS) {
		fprintf(stderr, "usage: bench_crc [TC_CALLS [XDP_CALLS]] (1..%d)\n", MAX_CALLS);
		return 1;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "bench_crc: needs root (BPF_PROG_TEST_RUN)\n");
		return 1;
	}
	tr = crc_progs_load(&progs) ? NULL : trivial_bpf__open_and_load();
	if (!tr)
		goto out;
	hooks[HOOK_IDX_XDP].crc_fd = progs.fd[HOOK_IDX_XDP];
	hooks[HOOK_IDX_XDP].triv_fd = bpf_program__fd(tr->progs.trivial_xdp);
	hooks[HOOK_IDX_TC].crc_fd = progs.fd[HOOK_IDX_TC];
	hooks[HOOK_IDX_TC].triv_fd = bpf_program__fd(tr->progs.trivial_tc);
	for (i = 0; i < HOOK_IDX_N; i++)
		hooks[i].max_frame = probe_max_frame(hooks[i].crc_fd);
	cpu = bh_pin_cpu();
	printf("bench_crc: SCTP CRC32c per packet, BPF_PROG_TEST_RUN (repeat %d minus repeat %d,\n"
	       "  medians of %u TC / %u XDP calls) beside the trivial program; user-space C:\n"
	       "  the same slicing-by-%d tables; hw: SSE4.2 crc32 (one stream). On CPU %d.\n"
	       "  GB/s = CRC bytes / ns; BPF's from (ns - trivial); min: the same from each\n"
	       "  shot's fastest call. x C, x hw: BPF's speed as a fraction of theirs.\n",
	       LONG_REP, SHORT_REP, hooks[HOOK_IDX_TC].calls, hooks[HOOK_IDX_XDP].calls,
	       CRC32C_NTABLES, cpu);
	bh_prog_info(hooks[HOOK_IDX_XDP].crc_fd, "crc_xdp", 8);
	bh_prog_info(hooks[HOOK_IDX_TC].crc_fd, "crc_tc", 8);
	printf("\n%5s %5s %-4s %9s %9s %9s %7s %7s | %7s %6s | %7s %6s | %5s %5s\n", "IP B",
	       "CRC B", "hook", "ns/pkt", "trivial", "diff ns", "GB/s", "min", "C ns", "GB/s",
	       "hw ns", "GB/s", "x C", "x hw");
	for (i = 0; i < NSIZES; i++) {
		err = bench_size(sizes[i]);
		if (err) {
			errno = -err;
			goto out;
		}
	}
	err = 0;
out:
	if (err)
		fprintf(stderr, "bench_crc: failed: %s\n", strerror(errno));
	crc_progs_destroy(&progs);
	trivial_bpf__destroy(tr);
	return err ? 1 : 0;
}
