/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A command's words, declared once in a table: what each word takes, where
 * its value goes, which words set the same setting (given once; two of
 * them exclude each other). The table drives the parsing, those checks
 * and the command's synopsis in --help and fouloader(8).
 *
 * Parsers return 0, or -EINVAL with a one-line message recorded by
 * usage_err() in usage_msg: main prints it and exits 2, 'apply' prefixes
 * FILE:LINE.
 */
#ifndef FOULOADER_OPTS_H
#define FOULOADER_OPTS_H

#include <stddef.h>
#include <stdio.h>

enum opt_kind {
	OPT_FLAG, /* the word alone: the bool at off becomes true */
	OPT_BITS, /* the word alone: max's bits set in the integer of size size at off */
	OPT_CALL, /* the word alone: set(spec, NULL) */
	OPT_PORT, /* a UDP port (1-65535): the integer of size size at off */
	OPT_UINT, /* 0 to max: the integer of size size at off */
	OPT_STR,  /* any word: the const char * at off */
	OPT_ENUM, /* one of words[]: its value, as an integer of size size at off */
	OPT_ARG,  /* one word: set(spec, word) checks and stores it */
	OPT_ARGV, /* more words: setv(spec, argc, argv, i) returns the next i */
};

#define OPT_ANY (-1) /* group: the word may repeat and excludes none */

struct opt_word {
	const char *word;
	long value;
};

struct opt {
	const char *word;
	enum opt_kind kind;
	int group;       /* the setting it gives: index in seen[] (below 32), or OPT_ANY */
	size_t off, size; /* where the value goes in the spec */
	long max;        /* OPT_UINT: the largest value; OPT_BITS: the bits */
	int (*set)(void *spec, const char *arg);
	int (*setv)(void *spec, int argc, char **argv, int i);
	const char *syn; /* its synopsis ("[mtu N]"); "\n" before it starts a new line */
	const struct opt_word *words; /* OPT_ENUM: the words it takes, ending in NULL */
};

#define OPT_END { NULL, OPT_FLAG, OPT_ANY, 0, 0, 0, NULL, NULL, NULL, NULL }
#define OPT_AT(type, field) offsetof(type, field), sizeof(((type *)0)->field)

struct opt_cmd {
	const char *name;    /* "port add": error messages start with it */
	const struct opt *opts;
	/* A word not in the table: 0 taken, 1 not (the unexpected error), or an error. */
	int (*positional)(void *spec, const char *word);
	const char *unexpected; /* the error for a word nothing takes, with its %s */
	const char *syn_head;   /* the synopsis before the table's part ("NAME", "") */
	const char *syn_tail;   /* and after it */
};

/* A command of exactly one word and no option (detach DEV): its count is
 * checked first. None is @missing; more are cmd.unexpected (with the
 * second); a lone word starting with '-' is @dash (with it), or @missing
 * without @dash. cmd.positional is opts_set_word. */
struct opt_one_cmd {
	struct opt_cmd cmd;
	const char *missing, *dash;
};

/* @seen: one entry per group, NULL at first (the word that set it), or NULL. */
/* The table of commands whose one word is --json: their spec is the bool. */
extern const struct opt json_opts[];
/* The table of commands without options. */
extern const struct opt no_opts[];

/* The commands' tables, for main's --help. */
extern const struct opt_cmd port_add_cmd, port_del_cmd, tunnel_add_cmd, route_add_cmd,
	sctp_set_cmd, sctp_dev_cmd, icmp_set_cmd, attach_cmd, stats_cmd, monitor_cmd,
	pmtu_show_cmd, pmtu_flush_cmd, exporter_cmd, status_cmd, verifier_stats_cmd,
	port_show_cmd, tunnel_show_cmd, route_show_cmd, sctp_show_cmd, icmp_show_cmd,
	probe_cmd, apply_cmd, sctp_flush_cmd, show_config_cmd;
extern const struct opt_one_cmd detach_cmd, tunnel_del_cmd, route_del_cmd;

int opts_parse(const struct opt_cmd *c, int argc, char **argv, void *spec, const char **seen);
/* The one word of @c into *word. */
int opts_parse_one(const struct opt_one_cmd *c, int argc, char **argv, const char **word);
/* A positional for a command of one word (FILE, DEV): @w into *slot if that
 * is empty and @w is no option; 0 taken, 1 not. */
int opts_one_word(const char **slot, const char *w);
/* opts_one_word as a positional, for a spec that is the one word. */
int opts_set_word(void *spec, const char *w);
/* The synopsis: syn_head, each word's syn, syn_tail. */
void opts_synopsis(const struct opt_cmd *c, char *buf, size_t len);
/* The same for fouloader(8)'s SYNOPSIS, in markdown, after "fouloader
 * NAME" (@name): words typed as they stand bold, metavariables (DEV,
 * ADDR:PORT) italic. */
void opts_synopsis_md(const struct opt_cmd *c, const char *name, FILE *f);

#endif /* FOULOADER_OPTS_H */
