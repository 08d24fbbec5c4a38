// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * icmp set / show: how ICMP errors about tunnel packets are acted on
 * (fou_icmp_conf[0]): path MTU expiry and floors, the rate of the errors
 * sent to inner senders, and whether Redirects are applied. Zero in the map
 * is the default, so a fresh pin root works without an "icmp set".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "fouloader.h"
#include "opts.h"

#define SET_OPTIONS "pmtu-expire S, pmtu-min4 N, pmtu-min6 N, rate N, burst N or redirects " \
		    "accept|ignore"

/* The numeric settings: their words, ranges and defaults, in grammar order. */
static const struct icmp_opt {
	const char *word, *json;
	long min, max, def;
} opts[ICMP_OPT_COUNT] = {
	[ICMP_OPT_EXPIRE] = { "pmtu-expire", "pmtu_expire_s", 1, 86400, FOU_PMTU_EXPIRE_DEFAULT },
	[ICMP_OPT_MIN4] = { "pmtu-min4", "pmtu_min4", 68, 65535, FOU_PMTU_MIN4_DEFAULT },
	[ICMP_OPT_MIN6] = { "pmtu-min6", "pmtu_min6", 1280, 65535, FOU_PMTU_MIN6_DEFAULT },
	[ICMP_OPT_RATE] = { "rate", "rate", 1, 1000000, FOU_ICMP_RATE_DEFAULT },
	[ICMP_OPT_BURST] = { "burst", "burst", 1, 100000, FOU_ICMP_BURST_DEFAULT },
	[ICMP_OPT_REDIRECTS] = { "redirects", "redirects", 0, 1, 0 },
};

/* The stored value of a setting (0: the default; redirects: 1 = accept). */
static __u32 conf_get(const struct fou_icmp_conf *c, int opt)
{
	switch (opt) {
	case ICMP_OPT_EXPIRE:
		return c->pmtu_expire_s;
	case ICMP_OPT_MIN4:
		return c->pmtu_min4;
	case ICMP_OPT_MIN6:
		return c->pmtu_min6;
	case ICMP_OPT_RATE:
		return c->rate;
	case ICMP_OPT_BURST:
		return c->burst;
	default:
		return !!(c->flags & FOU_ICMP_F_ACCEPT_REDIRECTS);
	}
}

static void conf_set(struct fou_icmp_conf *c, int opt, __u32 v)
{
	switch (opt) {
	case ICMP_OPT_EXPIRE:
		c->pmtu_expire_s = v;
		break;
	case ICMP_OPT_MIN4:
		c->pmtu_min4 = v;
		break;
	case ICMP_OPT_MIN6:
		c->pmtu_min6 = v;
		break;
	case ICMP_OPT_RATE:
		c->rate = v;
		break;
	case ICMP_OPT_BURST:
		c->burst = v;
		break;
	default:
		c->flags = (c->flags & ~FOU_ICMP_F_ACCEPT_REDIRECTS) |
			   (v ? FOU_ICMP_F_ACCEPT_REDIRECTS : 0);
	}
}

/* The value the programs use. */
__u32 icmp_conf_value(const struct fou_icmp_conf *c, int opt)
{
	__u32 v = conf_get(c, opt);

	return v || opt == ICMP_OPT_REDIRECTS ? v : (__u32)opts[opt].def;
}

/* The value of setting @opt from @s into @sp. */
static int set_value(void *sp, int opt, const char *s)
{
	struct icmp_set_spec *spec = sp;
	const struct icmp_opt *o = &opts[opt];
	char *end;
	long v;

	if (opt == ICMP_OPT_REDIRECTS) {
		if (strcmp(s, "accept") && strcmp(s, "ignore"))
			return usage_err("redirects: '%s' is not accept or ignore", s);
		v = !strcmp(s, "accept");
	} else if (!strcmp(s, "default")) {
		v = 0;
	} else {
		errno = 0;
		v = strtol(s, &end, 10);
		if (!*s || *end || errno || v < o->min || v > o->max)
			return usage_err("%s: '%s' is not a number from %ld to %ld, or default",
					 o->word, s, o->min, o->max);
	}
	conf_set(&spec->conf, opt, v);
	spec->have |= 1u << opt;
	return 0;
}

#define ICMP_SETTER(fn, opt) \
	static int fn(void *spec, const char *v) { return set_value(spec, opt, v); }
ICMP_SETTER(set_expire, ICMP_OPT_EXPIRE)
ICMP_SETTER(set_min4, ICMP_OPT_MIN4)
ICMP_SETTER(set_min6, ICMP_OPT_MIN6)
ICMP_SETTER(set_rate, ICMP_OPT_RATE)
ICMP_SETTER(set_burst, ICMP_OPT_BURST)
ICMP_SETTER(set_redirects, ICMP_OPT_REDIRECTS)

/* Each setting once; its group is its ICMP_OPT_*. */
static const struct opt icmp_set_opts[] = {
	{ "pmtu-expire", OPT_ARG, ICMP_OPT_EXPIRE, 0, 0, 0, set_expire, NULL,
	  "[pmtu-expire S|default]", NULL },
	{ "pmtu-min4", OPT_ARG, ICMP_OPT_MIN4, 0, 0, 0, set_min4, NULL, "[pmtu-min4 N|default]", NULL },
	{ "pmtu-min6", OPT_ARG, ICMP_OPT_MIN6, 0, 0, 0, set_min6, NULL, "[pmtu-min6 N|default]", NULL },
	{ "rate", OPT_ARG, ICMP_OPT_RATE, 0, 0, 0, set_rate, NULL, "\n[rate N|default]", NULL },
	{ "burst", OPT_ARG, ICMP_OPT_BURST, 0, 0, 0, set_burst, NULL, "[burst N|default]", NULL },
	{ "redirects", OPT_ARG, ICMP_OPT_REDIRECTS, 0, 0, 0, set_redirects, NULL,
	  "[redirects accept|ignore]", NULL },
	OPT_END,
};

const struct opt_cmd icmp_set_cmd = {
	"icmp set", icmp_set_opts, NULL, "icmp set: unexpected '%s'; expected " SET_OPTIONS,
	NULL, NULL,
};

const char *icmp_opt_word(int opt)
{
	return opts[opt].word;
}

int icmp_parse_set(int argc, char **argv, struct icmp_set_spec *s)
{
	int err = opts_parse(&icmp_set_cmd, argc, argv, s, NULL);

	if (!err && !s->have)
		err = usage_err("icmp set: expected " SET_OPTIONS " (see 'fouloader icmp set --help')");
	return err;
}

/* @cur with the settings @s names replaced. */
void icmp_apply_set(const struct icmp_set_spec *s, struct fou_icmp_conf *cur)
{
	for (int i = 0; i < ICMP_OPT_COUNT; i++)
		if (s->have & (1u << i))
			conf_set(cur, i, conf_get(&s->conf, i));
}

/* ---------------------------------------------------------------- the map */

void icmp_load_conf(struct fou_icmp_conf *out)
{
	settings_load(FOU_MAP_ICMP_CONF, out, sizeof(*out));
}

int icmp_put_conf(const struct fou_icmp_conf *c)
{
	return settings_put(FOU_MAP_ICMP_CONF, c);
}

/* ---------------------------------------------------------------- commands */

int cmd_icmp_set(int argc, char **argv)
{
	struct icmp_set_spec s = {};
	struct fou_icmp_conf c;
	int err;

	if (icmp_parse_set(argc, argv, &s))
		usage_exit();
	ensure_maps();
	icmp_load_conf(&c);
	icmp_apply_set(&s, &c);
	err = icmp_put_conf(&c);
	if (err)
		fail("icmp set: cannot write %s: %s", FOU_MAP_ICMP_CONF, strerror(-err));
	return EXIT_OK;
}

static const char *redirects_word(__u32 v)
{
	return v ? "accept" : "ignore";
}

/* 'show config': the settings that are not defaults, as one 'icmp set'. */
void icmp_print_config(void)
{
	struct fou_icmp_conf c;
	bool any = false;

	icmp_load_conf(&c);
	for (int i = 0; i < ICMP_OPT_COUNT; i++) {
		__u32 v = conf_get(&c, i);

		if (!v)
			continue;
		printf("%s %s ", any ? "" : "icmp set", opts[i].word);
		if (i == ICMP_OPT_REDIRECTS)
			printf("%s", redirects_word(v));
		else
			printf("%u", v);
		any = true;
	}
	if (any)
		printf("\n");
}

static void show_text(const struct fou_icmp_conf *c)
{
	for (int i = 0; i < ICMP_OPT_COUNT; i++) {
		__u32 v = icmp_conf_value(c, i);

		if (i == ICMP_OPT_REDIRECTS)
			printf("%s %s", opts[i].word, redirects_word(v));
		else
			printf("%s %u", opts[i].word, v);
		printf("%s\n", conf_get(c, i) ? "" : " (default)");
	}
}

static void show_json(const struct fou_icmp_conf *c)
{
	char key[64];
	struct json j;

	json_start(&j, stdout);
	json_object(&j);
	for (int i = 0; i < ICMP_OPT_COUNT; i++) {
		__u32 v = icmp_conf_value(c, i);

		if (i == ICMP_OPT_REDIRECTS)
			json_kstr(&j, opts[i].json, redirects_word(v));
		else
			json_ku64(&j, opts[i].json, v);
		snprintf(key, sizeof(key), "%s_default", opts[i].json);
		json_kbool(&j, key, !conf_get(c, i));
	}
	json_end(&j);
	printf("\n");
}

const struct opt_cmd icmp_show_cmd = {
	"icmp show", json_opts, NULL, "icmp show: unexpected '%s'; expected --json", NULL, NULL,
};

int cmd_icmp_show(int argc, char **argv)
{
	struct fou_icmp_conf c;
	bool json = false;

	if (opts_parse(&icmp_show_cmd, argc, argv, &json, NULL))
		usage_exit();
	icmp_load_conf(&c);
	if (json)
		show_json(&c);
	else
		show_text(&c);
	return EXIT_OK;
}
