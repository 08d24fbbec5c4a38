/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one JSON writer of fouloader's --json output: compact (no spaces),
 * members in the order written, the commas placed by the writer. A value
 * inside an object follows its json_key(); json_k*() write both.
 */
#ifndef FOU_JSON_H
#define FOU_JSON_H

#include <stdbool.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 8

struct json {
	FILE *f;
	int depth;
	char close[JSON_MAX_DEPTH];     /* '}' or ']' per open level */
	bool members[JSON_MAX_DEPTH + 1]; /* the level holds a member already */
	bool after_key;                 /* a key was written, its value is next */
};

void json_start(struct json *j, FILE *f);
void json_object(struct json *j); /* { */
void json_array(struct json *j);  /* [ */
void json_end(struct json *j);    /* } or ], whichever is open */
void json_key(struct json *j, const char *key);
void json_string(struct json *j, const char *s);
void json_u64(struct json *j, unsigned long long v);
void json_i64(struct json *j, long long v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
void json_double(struct json *j, const char *fmt, double v); /* fmt: "%.2f", ... */

void json_kstr(struct json *j, const char *key, const char *s);
void json_ku64(struct json *j, const char *key, unsigned long long v);
void json_ki64(struct json *j, const char *key, long long v);
void json_kbool(struct json *j, const char *key, bool v);
void json_knull(struct json *j, const char *key);
void json_kstr_or_null(struct json *j, const char *key, const char *s); /* null: NULL or "" */
void json_kobject(struct json *j, const char *key);
void json_karray(struct json *j, const char *key);

#endif /* FOU_JSON_H */
