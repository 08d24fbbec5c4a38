// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* stats: the reason, port and tunnel counters (counters.c) as text or JSON. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "fouloader.h"
#include "opts.h"

/* The printers below write text, or JSON to @j when it is set. */

/* JSON: gro_skbs, gro_segs and gro_segs_per_skb in the port's object; text:
 * a line of their own when fou_hints_tc counted anything (or --all). */
static void print_port_gro(struct json *j, const struct fou_gro_stats *g, bool all)
{
	if (j) {
		json_ku64(j, "gro_skbs", g->skbs);
		json_ku64(j, "gro_segs", g->segs);
		json_key(j, "gro_segs_per_skb");
		json_double(j, "%.2f", segs_per_skb(g));
	} else if (g->skbs || all) {
		printf("%-10s gro %llu skbs %llu segments, %.2f segments per skb\n", "",
		       g->skbs, g->segs, segs_per_skb(g));
	}
}

/* A port's line; in JSON its object, left open for the GRO counters. */
static void print_port_counts(struct json *j, const struct fou_port *k,
			      const struct fou_port_stats *t)
{
	if (!j) {
		printf("port %5u %s  rx %llu packets %llu bytes, dropped %llu\n", k->port,
		       k->family == FOU_FAMILY_IPV6 ? "-6" : "  ", t->rx_packets, t->rx_bytes,
		       t->drop_packets);
		return;
	}
	json_object(j);
	json_ku64(j, "port", k->port);
	json_ku64(j, "family", k->family);
	json_ku64(j, "rx_packets", t->rx_packets);
	json_ku64(j, "rx_bytes", t->rx_bytes);
	json_ku64(j, "drop_packets", t->drop_packets);
}

static void print_port_stats(struct json *j, bool all)
{
	static struct port_entry ports[FOU_MAX_PORTS];
	int n = load_ports(ports, FOU_MAX_PORTS), gfd;
	struct fou_port_fds m;

	if (!n)
		return;
	open_port_fds(&m);
	gfd = map_fd(FOU_MAP_GRO_STATS);
	for (int i = 0; i < n; i++) {
		struct fou_port_stats t;
		struct fou_gro_stats g;

		if (fou_port_stats_sum(&m, ports[i].slot, &t))
			continue;
		stats_sum_gro(gfd, ports[i].slot, &g);
		print_port_counts(j, &ports[i].port, &t);
		print_port_gro(j, &g, all);
		if (j)
			json_end(j);
	}
	close_port_fds(&m);
	if (gfd >= 0)
		close(gfd);
}

/* The tunnel's ICMP counters: JSON fields "icmp_NAME" beside its packet
 * counters, so that scripts read them as the others; in text a line of
 * their own when one is not zero (or with --all). */
static void print_tunnel_icmp(struct json *j, __u32 slot, bool all)
{
	const char *names[TUN_ICMP_FIELDS];
	__u64 vals[TUN_ICMP_FIELDS], any = 0;
	struct fou_tun_icmp s;
	char key[64];
	int n;

	tunnel_icmp_sum(slot, &s);
	n = tunnel_icmp_fields(&s, names, vals);
	for (int i = 0; i < n; i++)
		any |= vals[i];
	if (!j && !any && !all)
		return;
	if (!j)
		printf("%-22s icmp", "");
	for (int i = 0; i < n; i++) {
		if (!j) {
			printf(" %s %llu", names[i], vals[i]);
			continue;
		}
		snprintf(key, sizeof(key), "icmp_%s", names[i]);
		json_ku64(j, key, vals[i]);
	}
	if (!j)
		printf("\n");
}

static void print_tunnel_stats(struct json *j, bool all)
{
	struct fou_tun_fds m = { .tunnels = -1 };
	struct fou_tunnel tun;
	struct fou_tun_stats t;
	int sfd;

	if (!state_exists())
		return;
	m.tunnels = map_fd_or_fail(FOU_MAP_TUNNELS);
	sfd = map_fd_or_fail(FOU_MAP_TUN_STATS);
	for (__u32 i = 0; i < FOU_MAX_TUNNELS; i++) {
		if (fou_tunnel_get(&m, i, &tun))
			continue;
		stats_sum_tunnel(sfd, i, &t);
		if (j) {
			json_object(j);
			json_kstr(j, "name", tun.name);
			json_ku64(j, "tx_packets", t.tx_packets);
			json_ku64(j, "tx_bytes", t.tx_bytes);
			json_ku64(j, "drop_packets", t.drop_packets);
			print_tunnel_icmp(j, i, all);
			json_end(j);
		} else {
			printf("tunnel %-15s tx %llu packets %llu bytes, dropped %llu\n", tun.name,
			       t.tx_packets, t.tx_bytes, t.drop_packets);
			print_tunnel_icmp(NULL, i, all);
		}
	}
	close(m.tunnels);
	close(sfd);
}

struct stats_args {
	bool json, all, prometheus;
	const char *output; /* --prometheus --output FILE */
	char output_tmp[4096]; /* what is written, then renamed to FILE */
	long watch; /* seconds between samples; 0: print once */
	long count; /* samples to print with --watch; 0: until interrupted */
};

static int set_watch(void *spec, const char *v)
{
	long n = parse_uint("--watch", v, 3600);

	if (n < 0)
		return n;
	if (!n)
		return usage_err("--watch: 1 to 3600 seconds");
	((struct stats_args *)spec)->watch = n;
	return 0;
}

#define STATS_FLAG(w, g, field, syn) \
	{ w, OPT_FLAG, g, OPT_AT(struct stats_args, field), 0, NULL, NULL, syn, NULL }

enum { SW_WATCH, SW_COUNT, SW_JSON, SW_ALL, SW_PROMETHEUS, SW_OUTPUT };

/* In the order of the synopsis: two forms, --prometheus's second. */
static const struct opt stats_opts[] = {
	STATS_FLAG("--json", SW_JSON, json, "[--json]"),
	STATS_FLAG("--all", SW_ALL, all, "[--all]"),
	{ "--watch", OPT_ARG, SW_WATCH, 0, 0, 0, set_watch, NULL, "[--watch SECONDS", NULL },
	{ "--count", OPT_UINT, SW_COUNT, OPT_AT(struct stats_args, count), 1000000, NULL, NULL,
	  "[--count N]]", NULL },
	STATS_FLAG("--prometheus", SW_PROMETHEUS, prometheus, "\n| --prometheus"),
	{ "--output", OPT_STR, SW_OUTPUT, OPT_AT(struct stats_args, output), 0, NULL, NULL,
	  "[--output FILE]", NULL },
	OPT_END,
};

const struct opt_cmd stats_cmd = {
	"stats", stats_opts, NULL, "stats: unexpected argument '%s'", NULL, NULL,
};

static int parse_stats(int argc, char **argv, struct stats_args *a)
{
	int err = opts_parse(&stats_cmd, argc, argv, a, NULL);

	if (err)
		return err;
	if (a->watch == 0 && a->count)
		return usage_err("stats: --count goes with --watch SECONDS");
	if (a->prometheus && (a->json || a->watch || a->all))
		return usage_err("stats: --prometheus goes with neither --json, --all nor --watch");
	if (a->output && !a->prometheus)
		return usage_err("stats: --output FILE goes with --prometheus");
	if (a->output && snprintf(a->output_tmp, sizeof(a->output_tmp), "%s.tmp.%d", a->output,
				  (int)getpid()) >= (int)sizeof(a->output_tmp))
		return usage_err("stats: --output: path too long");
	return 0;
}

/* The metrics into @path through the temporary file @tmp renamed over it,
 * so that a reader (node_exporter's textfile collector) never sees half a
 * file. */
static int write_metrics_file(const char *path, const char *tmp)
{
	FILE *f;
	int err;

	f = fopen(tmp, "w");
	if (!f)
		fail("stats: cannot create %s: %s", tmp, strerror(errno));
	err = prom_write(f);
	if (fclose(f) || err) {
		unlink(tmp);
		fail("stats: cannot write %s", tmp);
	}
	if (chmod(tmp, 0644) || rename(tmp, path)) {
		err = errno;
		unlink(tmp);
		fail("stats: cannot rename %s to %s: %s", tmp, path, strerror(err));
	}
	return EXIT_OK;
}

int stats_parse_check(int argc, char **argv)
{
	struct stats_args a = {};

	return parse_stats(argc, argv, &a);
}

static void print_once(const struct stats_args *a)
{
	__u64 totals[FOU_STAT__COUNT];

	stats_sum_counters(totals);
	if (a->json) {
		struct json j;

		json_start(&j, stdout);
		json_object(&j);
		json_kobject(&j, "counters");
		for (int id = 0; id < FOU_STAT__COUNT; id++)
			json_ku64(&j, stat_name(id), totals[id]);
		json_end(&j);
		json_karray(&j, "ports");
		print_port_stats(&j, a->all);
		json_end(&j);
		json_karray(&j, "tunnels");
		print_tunnel_stats(&j, a->all);
		json_end(&j);
		json_end(&j);
		printf("\n");
		return;
	}
	for (int id = 0; id < FOU_STAT__COUNT; id++)
		if (a->all || totals[id])
			printf("%-22s %12llu  %s\n", stat_name(id), totals[id], stat_desc(id));
	print_port_stats(NULL, a->all);
	print_tunnel_stats(NULL, a->all);
}

/* One sample of rates: packets per second of every counter over the last
 * interval (JSON: one object per line, for scripts that tail it). */
static void print_rates(const struct stats_args *a, const __u64 *before, const __u64 *after)
{
	struct json j;

	json_start(&j, stdout);
	if (a->json) {
		json_object(&j);
		json_ku64(&j, "interval", a->watch);
		json_kobject(&j, "rates");
	}
	for (int id = 0; id < FOU_STAT__COUNT; id++) {
		double rate = (double)(after[id] - before[id]) / a->watch;

		if (a->json) {
			json_key(&j, stat_name(id));
			json_double(&j, "%.1f", rate);
		} else if (a->all || after[id] != before[id]) {
			printf("%-22s %12.1f/s %14llu total\n", stat_name(id), rate, after[id]);
		}
	}
	if (a->json) {
		json_end(&j);
		json_end(&j);
		printf("\n");
	} else {
		printf("--\n");
	}
	fflush(stdout);
}

int cmd_stats(int argc, char **argv)
{
	__u64 before[FOU_STAT__COUNT], after[FOU_STAT__COUNT];
	struct stats_args a = {};

	if (parse_stats(argc, argv, &a))
		usage_exit();
	if (a.output)
		return write_metrics_file(a.output, a.output_tmp);
	if (a.prometheus)
		return prom_write(stdout) ? EXIT_FAIL : EXIT_OK;
	if (!a.watch) {
		print_once(&a);
		return EXIT_OK;
	}
	stats_sum_counters(before);
	for (long n = 0; !a.count || n < a.count; n++) {
		sleep(a.watch);
		stats_sum_counters(after);
		print_rates(&a, before, after);
		memcpy(before, after, sizeof(before));
	}
	return EXIT_OK;
}
