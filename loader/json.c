// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The JSON writer (see json.h). */
#include "json.h"

void json_start(struct json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->members[0] = false;
	j->after_key = false;
}

/* The length of the well-formed UTF-8 sequence at @s (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF), 0 if there is none. */
static int utf8_len(const unsigned char *s)
{
	int n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;
	unsigned char lo = 0x80, hi = 0xbf;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (int i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* A JSON string. Device names are bytes, not necessarily UTF-8: a byte that
 * is not part of a well-formed sequence becomes \u00XX (its Latin-1
 * reading), so the document always parses; valid UTF-8 is kept as it is. */
static void json_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	while (*p) {
		int n = *p >= 0x80 ? utf8_len(p) : 1;

		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || !n)
			fprintf(f, "\\u%04x", *p);
		else
			fwrite(p, 1, n, f);
		p += n ? n : 1;
	}
	fputc('"', f);
}

/* The level's slot in members[]: levels past JSON_MAX_DEPTH share the last. */
static int level(const struct json *j)
{
	return j->depth < JSON_MAX_DEPTH ? j->depth : JSON_MAX_DEPTH;
}

/* Before a value: the comma after the level's previous member. */
static void value(struct json *j)
{
	if (!j->after_key && j->members[level(j)])
		fputc(',', j->f);
	j->members[level(j)] = true;
	j->after_key = false;
}

static void begin(struct json *j, char open, char close)
{
	value(j);
	fputc(open, j->f);
	if (j->depth < JSON_MAX_DEPTH)
		j->close[j->depth] = close;
	j->depth++;
	j->members[level(j)] = false;
}

void json_object(struct json *j)
{
	begin(j, '{', '}');
}

void json_array(struct json *j)
{
	begin(j, '[', ']');
}

void json_end(struct json *j)
{
	if (j->depth <= 0)
		return;
	j->depth--;
	fputc(j->depth < JSON_MAX_DEPTH ? j->close[j->depth] : '}', j->f);
}

void json_key(struct json *j, const char *key)
{
	value(j);
	json_str(j->f, key);
	fputc(':', j->f);
	j->after_key = true;
}

void json_string(struct json *j, const char *s)
{
	value(j);
	json_str(j->f, s);
}

void json_u64(struct json *j, unsigned long long v)
{
	value(j);
	fprintf(j->f, "%llu", v);
}

void json_i64(struct json *j, long long v)
{
	value(j);
	fprintf(j->f, "%lld", v);
}

void json_bool(struct json *j, bool v)
{
	value(j);
	fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j)
{
	value(j);
	fputs("null", j->f);
}

void json_double(struct json *j, const char *fmt, double v)
{
	value(j);
	fprintf(j->f, fmt, v);
}

void json_kstr(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_string(j, s);
}

void json_ku64(struct json *j, const char *key, unsigned long long v)
{
	json_key(j, key);
	json_u64(j, v);
}

void json_ki64(struct json *j, const char *key, long long v)
{
	json_key(j, key);
	json_i64(j, v);
}

void json_kbool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	json_bool(j, v);
}

void json_knull(struct json *j, const char *key)
{
	json_key(j, key);
	json_null(j);
}

void json_kstr_or_null(struct json *j, const char *key, const char *s)
{
	if (s && s[0])
		json_kstr(j, key, s);
	else
		json_knull(j, key);
}

void json_kobject(struct json *j, const char *key)
{
	json_key(j, key);
	json_object(j);
}

void json_karray(struct json *j, const char *key)
{
	json_key(j, key);
	json_array(j);
}
