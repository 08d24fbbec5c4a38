// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of the loader's word tables (loader/opts.c): one table with a
 * word of every kind, and rows of command lines: what each must store, or
 * the one error it must return; rows for a command of one word (detach DEV);
 * then the synopsis the table builds, for --help and for fouloader(8).
 * Linked with loader/opts.c and loader/util.c only (no BPF, no root).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fouloader.h"
#include "opts.h"
#include "tap.h"

/* g_opts is util.c's; nothing here reads the pin root. */

struct spec {
	bool flag;
	__u16 bits;
	int called;
	__u16 port;
	__u32 num;
	const char *str;
	int mode;
	const char *arg;
	int npair;
	const char *pos;
};

enum { G_FLAG, G_BITS, G_CALL, G_PORT, G_NUM, G_STR, G_MODE, G_ARG };

static int set_call(void *spec, const char *arg)
{
	((struct spec *)spec)->called += arg ? 100 : 1;
	return 0;
}

static int set_arg(void *spec, const char *arg)
{
	if (!strcmp(arg, "bad"))
		return usage_err("arg: '%s' is refused", arg);
	((struct spec *)spec)->arg = arg;
	return 0;
}

/* "pair A B": two words more, repeatable. */
static int set_pair(void *spec, int argc, char **argv, int i)
{
	(void)argv;
	if (i + 2 >= argc)
		return usage_err("'pair' needs two arguments");
	((struct spec *)spec)->npair++;
	return i + 3;
}

static int set_pos(void *spec, const char *w)
{
	return opts_one_word(&((struct spec *)spec)->pos, w);
}

static const struct opt_word modes[] = { { "fast", 1 }, { "slow", 2 }, { NULL, 0 } };

#define AT(f) OPT_AT(struct spec, f)
static const struct opt test_opts[] = {
	{ "flag", OPT_FLAG, G_FLAG, AT(flag), 0, NULL, NULL, "[flag", NULL },
	{ "noflag", OPT_FLAG, G_FLAG, AT(flag), 0, NULL, NULL, "| noflag]", NULL },
	{ "bit4", OPT_BITS, G_BITS, AT(bits), 4, NULL, NULL, "[bit4]", NULL },
	{ "call", OPT_CALL, G_CALL, 0, 0, 0, set_call, NULL, "\n[call]", NULL },
	{ "port", OPT_PORT, G_PORT, AT(port), 0, NULL, NULL, "[port P]", NULL },
	{ "num", OPT_UINT, G_NUM, AT(num), 1000, NULL, NULL, "[num N]", NULL },
	{ "str", OPT_STR, G_STR, AT(str), 0, NULL, NULL, NULL, NULL },
	{ "mode", OPT_ENUM, G_MODE, AT(mode), 0, NULL, NULL, "[mode fast|slow]", modes },
	{ "arg", OPT_ARG, G_ARG, 0, 0, 0, set_arg, NULL, "[arg X]", NULL },
	{ "pair", OPT_ARGV, OPT_ANY, 0, 0, 0, NULL, set_pair, "\n[pair A B]...", NULL },
	OPT_END,
};

static const struct opt_cmd test_cmd = {
	"test cmd", test_opts, set_pos, "test cmd: unexpected '%s'", "NAME", "[-- END]",
};

/* A command of one word, as detach DEV: the count is checked first. */
static const struct opt_one_cmd one_cmd = {
	{ "one", no_opts, opts_set_word, "one: unexpected '%s'", "WORD", NULL },
	"one: missing WORD", "one: unknown option '%s'",
};

/* One command line: what it must store (err 0), or its error. */
static const struct row {
	const char *name, *line; /* words split at blanks */
	int err;
	const char *msg; /* the error's text; for err 0, the spec as spec_text() says it */
} rows[] = {
	{ "nothing", "", 0, "flag=0 bits=0 called=0 port=0 num=0 str=- mode=0 arg=- pair=0 pos=-" },
	{ "every kind", "n1 flag bit4 call port 9 num 0x10 str s mode slow arg a pair x y pair p q",
	  0, "flag=1 bits=4 called=1 port=9 num=16 str=s mode=2 arg=a pair=2 pos=n1" },
	{ "the other word of a group", "noflag", 0,
	  "flag=1 bits=0 called=0 port=0 num=0 str=- mode=0 arg=- pair=0 pos=-" },
	{ "twice", "flag flag", -EINVAL, "test cmd: 'flag' given twice" },
	{ "two words of one setting", "noflag flag", -EINVAL,
	  "test cmd: 'noflag' and 'flag' exclude each other" },
	{ "a string twice", "str a str b", -EINVAL, "test cmd: 'str' given twice" },
	{ "missing argument", "num", -EINVAL, "'num' needs an argument" },
	{ "port 0", "port 0", -EINVAL, "port: '0' is not a UDP port (1-65535)" },
	{ "number over its bound", "num 1001", -EINVAL, "num: '1001' is not a number from 0 to 1000" },
	{ "enum", "mode medium", -EINVAL, "mode: 'medium' is not one of fast, slow" },
	{ "a setter's refusal", "arg bad", -EINVAL, "arg: 'bad' is refused" },
	{ "ARGV short", "pair x", -EINVAL, "'pair' needs two arguments" },
	{ "second positional", "n1 n2", -EINVAL, "test cmd: unexpected 'n2'" },
	{ "an option-like word", "-x", -EINVAL, "test cmd: unexpected '-x'" },
	{ "first error wins", "flag flag num", -EINVAL, "test cmd: 'flag' given twice" },
}, one_rows[] = { /* one_cmd's: for err 0, msg is the word it stores */
	{ "one word", "w", 0, "w" },
	{ "one word missing", "", -EINVAL, "one: missing WORD" },
	{ "one word as an option", "-x", -EINVAL, "one: unknown option '-x'" },
	{ "one word, the second counted first", "-x a", -EINVAL, "one: unexpected 'a'" },
	{ "one word, two", "a b c", -EINVAL, "one: unexpected 'b'" },
};

static void spec_text(const struct spec *s, char *buf, size_t len)
{
	snprintf(buf, len, "flag=%d bits=%u called=%d port=%u num=%u str=%s mode=%d arg=%s pair=%d "
		 "pos=%s", s->flag, s->bits, s->called, s->port, s->num, s->str ? s->str : "-",
		 s->mode, s->arg ? s->arg : "-", s->npair, s->pos ? s->pos : "-");
}

static void run_row(const struct row *r, bool one)
{
	char line[256], *argv[32], got[256];
	struct spec s = {};
	int argc = 0, err;

	snprintf(line, sizeof(line), "%s", r->line);
	for (char *w = strtok(line, " "); w && argc < 32; w = strtok(NULL, " "))
		argv[argc++] = w;
	usage_msg[0] = '\0';
	err = one ? opts_parse_one(&one_cmd, argc, argv, &s.pos)
		     : opts_parse(&test_cmd, argc, argv, &s, NULL);
	if (err)
		snprintf(got, sizeof(got), "%s", usage_msg);
	else if (one)
		snprintf(got, sizeof(got), "%s", s.pos);
	else
		spec_text(&s, got, sizeof(got));
	tap_begin();
	EXPECT_EQ(err, r->err, "returned");
	EXPECT_TRUE(!strcmp(got, r->msg), "text");
	if (strcmp(got, r->msg))
		tap_diag("got:  %s\n# want: %s", got, r->msg);
	tap_end("%s: '%s'", r->name, r->line);
}

/* fouloader(8)'s form of the synopsis: literal words bold, metavariables
 * italic (each part of A:B), brackets, bars and dots plain. */
static void check_synopsis_md(void)
{
	static const struct opt_cmd md_cmd = {
		"md", test_opts, set_pos, "md: unexpected '%s'", "NAME", "[-- ADDR:PORT]...",
	};
	const char *want = "**fouloader test cmd** *NAME* [**flag** | **noflag**] [**bit4**]\n"
			   "         [**call**] [**port** *P*] [**num** *N*] [**mode** **fast**|**slow**] "
			   "[**arg** *X*]\n         [**pair** *A* *B*]... [**--** *ADDR*:*PORT*]...\n";
	char *got = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&got, &len);

	if (!f)
		tap_bail("open_memstream");
	opts_synopsis_md(&md_cmd, "test cmd", f);
	fclose(f);
	tap_ok(!strcmp(got, want), "synopsis for fouloader(8): bold words, italic metavariables");
	if (strcmp(got, want))
		tap_diag("got:\n%s# want:\n%s", got, want);
	free(got);
}

int main(int argc, char **argv)
{
	const char *only = argc > 2 && !strcmp(argv[1], "-t") ? argv[2] : NULL;
	const char *want = "NAME [flag | noflag] [bit4]\n         [call] [port P] [num N] "
			   "[mode fast|slow] [arg X]\n         [pair A B]... [-- END]";
	const char *seen[G_ARG + 1] = {};
	char *words[] = { "noflag", "mode", "fast" };
	struct spec s = {};
	char syn[256];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (!only || strstr(rows[i].name, only))
			run_row(&rows[i], false);
	for (size_t i = 0; i < sizeof(one_rows) / sizeof(one_rows[0]); i++)
		if (!only || strstr(one_rows[i].name, only))
			run_row(&one_rows[i], true);
	if (only)
		return tap_done();
	opts_synopsis(&test_cmd, syn, sizeof(syn));
	tap_ok(!strcmp(syn, want), "synopsis: the table's pieces in order, a new line at each \\n");
	if (strcmp(syn, want))
		tap_diag("got:\n%s\n# want:\n%s", syn, want);
	check_synopsis_md();
	tap_ok(!opts_parse(&test_cmd, 3, words, &s, seen) && seen[G_FLAG] &&
	       !strcmp(seen[G_FLAG], "noflag") && seen[G_MODE] && !seen[G_NUM],
	       "seen[]: the word that gave each setting, NULL for the others");
	return tap_done();
}
