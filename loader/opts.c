// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Commands' word tables (opts.h): parsing and synopsis. */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "fouloader.h"
#include "opts.h"

#define MAX_GROUPS 32

const struct opt no_opts[] = { OPT_END };

const struct opt json_opts[] = {
	{ "--json", OPT_FLAG, 0, 0, sizeof(bool), 0, NULL, NULL, "[--json]", NULL },
	OPT_END,
};

static const struct opt *find_opt(const struct opt *o, const char *w)
{
	for (; o->word; o++)
		if (!strcmp(o->word, w))
			return o;
	return NULL;
}

/* One setting, one word: the same word again, or another of its group
 * (its opposite, another way to say it), is refused: the last one would
 * silently win. */
static int once(const char *cmd, const struct opt *o, const char **seen)
{
	const char **s;

	if (o->group == OPT_ANY)
		return 0;
	s = &seen[o->group];
	if (*s && !strcmp(*s, o->word))
		return usage_err("%s: '%s' given twice", cmd, o->word);
	if (*s)
		return usage_err("%s: '%s' and '%s' exclude each other", cmd, *s, o->word);
	*s = o->word;
	return 0;
}

static long load_uint(const void *p, size_t size)
{
	return size == 1 ? *(const __u8 *)p : size == 2 ? *(const __u16 *)p :
	       size == 4 ? *(const __u32 *)p : *(const long *)p;
}

static void store_uint(void *p, size_t size, long v)
{
	switch (size) {
	case 1:
		*(__u8 *)p = v;
		break;
	case 2:
		*(__u16 *)p = v;
		break;
	case 4:
		*(__u32 *)p = v;
		break;
	default:
		*(long *)p = v;
	}
}

/* @arg among @o's words: its value into @at, or "not one of a, b, c". */
static int store_enum(const struct opt *o, const char *arg, void *at)
{
	char list[128] = "";
	size_t n = 0;

	for (const struct opt_word *w = o->words; w->word; w++) {
		if (!strcmp(w->word, arg)) {
			store_uint(at, o->size, w->value);
			return 0;
		}
		n += snprintf(list + n, n < sizeof(list) ? sizeof(list) - n : 0, "%s%s",
			      n ? ", " : "", w->word);
	}
	return usage_err("%s: '%s' is not one of %s", o->word, arg, list);
}

/* The value of @o from @arg into @spec. */
static int store(const struct opt *o, const char *arg, void *spec)
{
	char *at = (char *)spec + o->off;
	long v;

	switch (o->kind) {
	case OPT_PORT:
		v = parse_port(o->word, arg);
		if (!v)
			return -EINVAL;
		store_uint(at, o->size, v);
		return 0;
	case OPT_UINT:
		v = parse_uint(o->word, arg, o->max);
		if (v < 0)
			return -EINVAL;
		store_uint(at, o->size, v);
		return 0;
	case OPT_STR:
		*(const char **)at = arg;
		return 0;
	case OPT_ENUM:
		return store_enum(o, arg, at);
	default:
		return o->set(spec, arg);
	}
}

/* The word at argv[i] by its entry @o; returns the next i, or an error. */
static int take(const struct opt *o, int argc, char **argv, int i, void *spec)
{
	const char *arg;
	int err;

	switch (o->kind) {
	case OPT_FLAG:
		*(bool *)((char *)spec + o->off) = true;
		return i + 1;
	case OPT_BITS:
		store_uint((char *)spec + o->off, o->size,
			   load_uint((char *)spec + o->off, o->size) | o->max);
		return i + 1;
	case OPT_CALL:
		err = o->set(spec, NULL);
		return err ? err : i + 1;
	case OPT_ARGV:
		return o->setv(spec, argc, argv, i);
	default:
		arg = need_arg(argc, argv, i, o->word);
		if (!arg)
			return -EINVAL;
		err = store(o, arg, spec);
		return err ? err : i + 2;
	}
}

int opts_parse(const struct opt_cmd *c, int argc, char **argv, void *spec, const char **seen)
{
	const char *own[MAX_GROUPS] = {};

	if (!seen)
		seen = own;
	for (int i = 0; i < argc;) {
		const struct opt *o = find_opt(c->opts, argv[i]);
		int r;

		if (o) {
			r = once(c->name, o, seen);
			if (!r)
				r = take(o, argc, argv, i, spec);
			if (r < 0)
				return r;
			i = r;
			continue;
		}
		r = c->positional ? c->positional(spec, argv[i]) : 1;
		if (r < 0)
			return r;
		if (r > 0)
			return usage_err(c->unexpected, argv[i]);
		i++;
	}
	return 0;
}

/* The count first: the messages these commands always gave. */
int opts_parse_one(const struct opt_one_cmd *c, int argc, char **argv, const char **word)
{
	if (argc > 1)
		return usage_err(c->cmd.unexpected, argv[1]);
	if (!argc)
		return usage_err("%s", c->missing);
	if (argv[0][0] == '-')
		return c->dash ? usage_err(c->dash, argv[0]) : usage_err("%s", c->missing);
	return opts_parse(&c->cmd, argc, argv, word, NULL);
}

int opts_one_word(const char **slot, const char *w)
{
	if (*slot || w[0] == '-')
		return 1;
	*slot = w;
	return 0;
}

int opts_set_word(void *spec, const char *w)
{
	return opts_one_word(spec, w);
}

static void append(char *buf, size_t len, size_t *n, const char *s)
{
	int w = snprintf(buf + *n, *n < len ? len - *n : 0, "%s", s);

	*n += w > 0 ? (size_t)w : 0;
}

void opts_synopsis(const struct opt_cmd *c, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	append(buf, len, &n, c->syn_head ? c->syn_head : "");
	for (const struct opt *o = c->opts; o->word; o++) {
		const char *s = o->syn;

		if (!s)
			continue;
		if (s[0] == '\n') {
			append(buf, len, &n, "\n         ");
			s++;
		} else if (n) {
			append(buf, len, &n, " ");
		}
		append(buf, len, &n, s);
	}
	if (c->syn_tail && c->syn_tail[0]) {
		append(buf, len, &n, n ? " " : "");
		append(buf, len, &n, c->syn_tail);
	}
}

/* DEV, ADDR:PORT: capitals, digits and colons, beginning with a capital. */
static bool is_metavar(const char *w, size_t n)
{
	if (!isupper((unsigned char)w[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isupper((unsigned char)w[i]) && !isdigit((unsigned char)w[i]) && w[i] != ':')
			return false;
	return true;
}

/* One word of the grammar, as man-pages(7) has it: bold what is typed as
 * it stands, italic what is replaced (each part of ADDR:PORT); the dots of
 * a repetition stay plain. */
static void put_md_word(const char *w, size_t n, FILE *f)
{
	if (!strncmp(w, "...", n)) {
		fprintf(f, "%.*s", (int)n, w);
	} else if (is_metavar(w, n)) {
		for (size_t i = 0, j; i < n; i = j + 1) {
			j = i + strcspn(w + i, ":");
			j = j < n ? j : n;
			fprintf(f, "%s*%.*s*", i ? ":" : "", (int)(j - i), w + i);
		}
	} else {
		fprintf(f, "**%.*s**", (int)n, w);
	}
}

void opts_synopsis_md(const struct opt_cmd *c, const char *name, FILE *f)
{
	char syn[512];

	opts_synopsis(c, syn, sizeof(syn));
	fprintf(f, "**fouloader %s**%s", name, syn[0] ? " " : "");
	for (const char *p = syn; *p;) {
		size_t n = strcspn(p, " []{}|\n");

		if (!n) {
			fputc(*p++, f);
			continue;
		}
		put_md_word(p, n, f);
		p += n;
	}
	fputc('\n', f);
}
