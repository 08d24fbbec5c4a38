// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of loader/json.c, the writer of every --json output: each row
 * writes a document through it and names the exact bytes it must give
 * (commas, nesting, escaping of names that are bytes, numbers as printf
 * writes them). Scripts parse these bytes, so they are the contract. TAP.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "tap.h"

static void w_empty_array(struct json *j)
{
	json_array(j);
	json_end(j);
}

static void w_list(struct json *j)
{
	json_array(j);
	for (int i = 1; i <= 3; i++) {
		json_object(j);
		json_ku64(j, "n", i);
		json_end(j);
	}
	json_end(j);
}

static void w_nested(struct json *j)
{
	json_object(j);
	json_kobject(j, "counters");
	json_ku64(j, "a", 1);
	json_ku64(j, "b", 18446744073709551615ULL);
	json_end(j);
	json_karray(j, "ports");
	json_end(j);
	json_karray(j, "tunnels");
	json_object(j);
	json_kstr(j, "name", "t1");
	json_end(j);
	json_end(j);
	json_end(j);
}

static void w_scalars(struct json *j)
{
	json_object(j);
	json_knull(j, "a");
	json_kbool(j, "b", true);
	json_kbool(j, "c", false);
	json_key(j, "d");
	json_double(j, "%.2f", 0.5);
	json_ki64(j, "e", -7);
	json_kstr_or_null(j, "f", "");
	json_kstr_or_null(j, "g", NULL);
	json_kstr_or_null(j, "h", "x");
	json_end(j);
}

static void w_array_values(struct json *j)
{
	json_array(j);
	json_u64(j, 1);
	json_string(j, "s");
	json_bool(j, true);
	json_null(j);
	json_array(j);
	json_end(j);
	json_end(j);
}

/* Quote, backslash, control characters, a byte that is not UTF-8 (0xff),
 * a truncated sequence (0xc3 alone), and well-formed UTF-8 kept whole. */
static void w_escapes(struct json *j)
{
	json_object(j);
	json_kstr(j, "q\"b\\", "a\nb\tc\x01");
	json_kstr(j, "bytes", "\xff|\xc3|\xc3\xa9|\xe2\x82\xac");
	json_end(j);
}

/* Two documents on one writer: each starts without a comma. */
static void w_two_lines(struct json *j)
{
	json_object(j);
	json_ku64(j, "a", 1);
	json_end(j);
	json_start(j, j->f);
	json_object(j);
	json_ku64(j, "a", 2);
	json_end(j);
}

static const struct {
	const char *name;
	void (*write)(struct json *j);
	const char *want;
} cases[] = {
	{ "an empty array", w_empty_array, "[]" },
	{ "objects in an array, commas between", w_list, "[{\"n\":1},{\"n\":2},{\"n\":3}]" },
	{ "objects and arrays as members", w_nested,
	  "{\"counters\":{\"a\":1,\"b\":18446744073709551615},\"ports\":[],"
	  "\"tunnels\":[{\"name\":\"t1\"}]}" },
	{ "null, booleans, a double, a negative, string or null", w_scalars,
	  "{\"a\":null,\"b\":true,\"c\":false,\"d\":0.50,\"e\":-7,\"f\":null,\"g\":null,"
	  "\"h\":\"x\"}" },
	{ "values straight in an array", w_array_values, "[1,\"s\",true,null,[]]" },
	{ "escaping of keys and strings", w_escapes,
	  "{\"q\\\"b\\\\\":\"a\\u000ab\\u0009c\\u0001\","
	  "\"bytes\":\"\\u00ff|\\u00c3|\xc3\xa9|\xe2\x82\xac\"}" },
	{ "a new document after json_start", w_two_lines, "{\"a\":1}{\"a\":2}" },
};

int main(void)
{
	int n = sizeof(cases) / sizeof(cases[0]);

	tap_plan(n);
	for (int i = 0; i < n; i++) {
		char *out = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&out, &len);
		struct json j;

		if (!f)
			tap_bail("open_memstream failed");
		json_start(&j, f);
		cases[i].write(&j);
		fclose(f);
		if (!tap_ok(!strcmp(out, cases[i].want), "%s", cases[i].name))
			tap_diag("got  %s\nwant %s", out, cases[i].want);
		free(out);
	}
	return tap_done();
}
