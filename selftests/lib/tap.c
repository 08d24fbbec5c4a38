// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* A tiny TAP producer: see tap.h. */
#define _GNU_SOURCE /* asprintf */
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

bool tap_cur_failed;
static int tap_n;
static int tap_failed;
static int tap_planned = -1;

/* The -t patterns, each already wrapped in "*...*" when it had no glob. */
#define TAP_MAX_FILTERS 16
static char *tap_filters[TAP_MAX_FILTERS];
static int tap_nfilters;

/* Whether the name fmt/ap makes is selected; ap is left unread. */
static bool tap_vselected(const char *fmt, va_list ap)
{
	char name[512];
	va_list aq;
	int i;

	if (!tap_nfilters)
		return true;
	va_copy(aq, ap);
	vsnprintf(name, sizeof(name), fmt, aq);
	va_end(aq);
	for (i = 0; i < tap_nfilters; i++)
		if (!fnmatch(tap_filters[i], name, 0))
			return true;
	return false;
}

static void vline(FILE *f, const char *prefix, const char *fmt, va_list ap)
{
	fflush(stdout);
	fputs(prefix, f);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
	fflush(f);
}

/* With -t the plan is the count of the points selected, printed at the end. */
void tap_plan(int n)
{
	if (tap_nfilters)
		return;
	tap_planned = n;
	printf("1..%d\n", n);
	fflush(stdout);
}

/* A point the -t filter leaves out is neither printed nor counted. */
static bool vok(bool cond, const char *fmt, va_list ap)
{
	if (!tap_vselected(fmt, ap))
		return cond;
	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
	return cond;
}

bool tap_ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vok(cond, fmt, ap);
	va_end(ap);
	return cond;
}

void tap_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (!tap_vselected(fmt, ap)) {
		va_end(ap);
		return;
	}
	tap_n++;
	printf("ok %d # SKIP ", tap_n);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

void tap_skip_all(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(stdout, "1..0 # SKIP ", fmt, ap);
	va_end(ap);
	exit(0);
}

void tap_bail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(stdout, "Bail out! ", fmt, ap);
	va_end(ap);
	exit(1);
}

void tap_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(stdout, "# ", fmt, ap);
	va_end(ap);
}

void tap_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(stderr, "# ", fmt, ap);
	va_end(ap);
}

void tap_begin(void)
{
	tap_cur_failed = false;
}

bool tap_end(const char *fmt, ...)
{
	va_list ap;
	bool ok = !tap_cur_failed;

	va_start(ap, fmt);
	vok(ok, fmt, ap);
	va_end(ap);
	tap_cur_failed = false;
	return ok;
}

int tap_failures(void)
{
	return tap_failed;
}

int tap_done(void)
{
	if (tap_planned < 0)
		printf("1..%d\n", tap_n);
	else if (tap_planned != tap_n)
		tap_diag("planned %d tests but ran %d", tap_planned, tap_n);
	fflush(stdout);
	return tap_failed || (tap_planned >= 0 && tap_planned != tap_n) ? 1 : 0;
}

void tap_check_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	tap_cur_failed = true;
	fflush(stdout);
	fprintf(stderr, "# %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

static void hexline(const char *tag, const unsigned char *b, size_t len, size_t at)
{
	size_t start = at >= 8 ? at - 8 : 0, i;

	fprintf(stderr, "#   %s @%zu:", tag, start);
	for (i = start; i < len && i < start + 24; i++)
		fprintf(stderr, i == at ? " [%02x]" : " %02x", b[i]);
	fputc('\n', stderr);
}

bool tap_mem_check(const char *file, int line, const char *what,
		   const void *got, size_t got_len, const void *exp, size_t exp_len)
{
	const unsigned char *g = got, *e = exp;
	size_t n = got_len < exp_len ? got_len : exp_len, i;

	for (i = 0; i < n && g[i] == e[i]; i++)
		;
	if (i == n && got_len == exp_len)
		return true;
	tap_check_fail(file, line, "%s: got %zu bytes, expected %zu; first difference at byte %zu",
		       what, got_len, exp_len, i);
	hexline("got", g, got_len, i);
	hexline("exp", e, exp_len, i);
	return false;
}

static void tap_usage(const char *prog, int status)
{
	fprintf(status ? stderr : stdout,
		"usage: %s [-t GLOB]...\n"
		"  -t GLOB  run only the test points whose name matches GLOB\n"
		"           (no * ? [ in it: the name contains it)\n", prog);
	exit(status);
}

void tap_args(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		char *pat;

		if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			tap_usage(argv[0], 0);
		if (strcmp(a, "-t") || i + 1 >= argc || tap_nfilters >= TAP_MAX_FILTERS)
			tap_usage(argv[0], 2);
		a = argv[++i];
		if (strpbrk(a, "*?["))
			pat = strdup(a);
		else if (asprintf(&pat, "*%s*", a) < 0)
			pat = NULL;
		if (!pat)
			tap_bail("out of memory");
		tap_filters[tap_nfilters++] = pat;
	}
}

bool tap_selected(const char *fmt, ...)
{
	va_list ap;
	bool sel;

	va_start(ap, fmt);
	sel = tap_vselected(fmt, ap);
	va_end(ap);
	return sel;
}
