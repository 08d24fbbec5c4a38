/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A tiny TAP (Test Anything Protocol) producer for prove.
 *
 *   tap_plan(n)            "1..n" up front (or tap_done() prints it at the end)
 *   tap_ok(cond, fmt...)   "ok N - desc" / "not ok N - desc"
 *   tap_skip(fmt...)       "ok N # SKIP reason"
 *   tap_skip_all(fmt...)   "1..0 # SKIP reason", exit 0
 *   tap_bail(fmt...)       "Bail out! reason", exit 1
 *   tap_note / tap_diag    "# ..." on stdout / stderr
 *
 * Test points with several checks: tap_begin(), then ASSERT_* (print a
 * diagnostic and goto cleanup) or EXPECT_* (print and continue), then
 * tap_end(fmt...) prints one ok/not ok for all of them.
 *
 * Name filter: tap_args(argc, argv) takes "-t GLOB" (repeatable) from the
 * command line; tap_selected(fmt...) says whether a test point of that name
 * is to run. A GLOB without * ? [ matches anywhere in the name, so
 * "-t gue_priv" runs every point whose name holds "gue_priv". A point the
 * filter leaves out is neither printed nor counted by tap_ok, tap_end or
 * tap_skip, and a plan becomes the count printed at the end: a test whose
 * points' names are known only after their work (test_crc32c, test_monitor,
 * test_hints) gets -t for free; one that knows them before asks
 * tap_selected() and skips the work too.
 */
#ifndef TAP_H
#define TAP_H

#include <stdbool.h>
#include <stddef.h>

extern bool tap_cur_failed;

void tap_plan(int n);
bool tap_ok(bool cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tap_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tap_skip_all(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void tap_bail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void tap_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tap_begin(void);
bool tap_end(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print the plan if none was given; return the exit status (0: all ok). */
int tap_done(void);
int tap_failures(void);

/* Parse the test binary's arguments: -t GLOB (repeatable), -h. Exits 2 with
 * a usage line on anything else. */
void tap_args(int argc, char **argv);
/* True when no -t was given or one of the GLOBs matches the name. */
bool tap_selected(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Record a failed check of the current test point with its location. */
void tap_check_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Diagnose the first difference of two buffers; false if they differ. */
bool tap_mem_check(const char *file, int line, const char *what,
		   const void *got, size_t got_len, const void *exp, size_t exp_len);

#define EXPECT_TRUE(cond, what) ({                                           \
	bool ___ok = !!(cond);                                               \
	if (!___ok)                                                          \
		tap_check_fail(__FILE__, __LINE__, "%s: %s is false", what, #cond); \
	___ok; })

#define EXPECT_EQ(got, exp, what) ({                                         \
	long long ___g = (long long)(got), ___e = (long long)(exp);          \
	if (___g != ___e)                                                    \
		tap_check_fail(__FILE__, __LINE__, "%s: got %lld, expected %lld", \
			       what, ___g, ___e);                            \
	___g == ___e; })

#define EXPECT_OK(err, what) ({                                              \
	long long ___r = (long long)(err);                                   \
	if (___r)                                                            \
		tap_check_fail(__FILE__, __LINE__, "%s failed: %lld", what, ___r); \
	___r == 0; })

#define EXPECT_MEMEQ(got, glen, exp, elen, what)                             \
	tap_mem_check(__FILE__, __LINE__, what, got, glen, exp, elen)

#define ASSERT_TRUE(cond, what)  do { if (!EXPECT_TRUE(cond, what)) goto cleanup; } while (0)
#define ASSERT_EQ(g, e, what)    do { if (!EXPECT_EQ(g, e, what)) goto cleanup; } while (0)
#define ASSERT_OK(err, what)     do { if (!EXPECT_OK(err, what)) goto cleanup; } while (0)
#define ASSERT_MEMEQ(g, gl, e, el, what) \
	do { if (!EXPECT_MEMEQ(g, gl, e, el, what)) goto cleanup; } while (0)

#endif /* TAP_H */
