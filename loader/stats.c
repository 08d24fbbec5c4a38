// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* stats: the per-CPU reason counters and per-port counters, summed. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "fouloader.h"
#include "opts.h"

#define STAT_NAME(id, name, desc) name,
#define STAT_DESC(id, name, desc) desc,
static const char *const stat_names[] = { FOU_STATS_LIST(STAT_NAME) };
static const char *const stat_descs[] = { FOU_STATS_LIST(STAT_DESC) };

const char *stat_name(int id)
{
	return id >= 0 && id < FOU_STAT__COUNT ? stat_names[id] : "unknown";
}

const char *stat_desc(int id)
{
	return id >= 0 && id < FOU_STAT__COUNT ? stat_descs[id] : "";
}

void stats_sum_counters(__u64 *totals)
{
	int ncpu = cpu_count(), fd;
	__u64 *vals = calloc(ncpu, sizeof(*vals));

	memset(totals, 0, FOU_STAT__COUNT * sizeof(*totals));
	if (!vals)
		fail("out of memory");
	if (!state_exists()) {
		free(vals);
		return;
	}
	fd = map_fd_or_fail(FOU_MAP_STATS);
	for (__u32 id = 0; id < FOU_STAT__COUNT; id++) {
		if (bpf_map_lookup_elem(fd, &id, vals))
			continue;
		for (int c = 0; c < ncpu; c++)
			totals[id] += vals[c];
	}
	close(fd);
	free(vals);
}

/* What fou_hints_tc counted for a port after GRO, summed over CPUs; zero
 * without the map (a pin root older than it). */
void stats_sum_gro(int fd, __u32 slot, struct fou_gro_stats *g)
{
	int ncpu = cpu_count();
	struct fou_gro_stats *vals = calloc(ncpu, sizeof(*vals));

	memset(g, 0, sizeof(*g));
	if (!vals)
		fail("out of memory");
	if (fd >= 0 && !bpf_map_lookup_elem(fd, &slot, vals)) {
		for (int c = 0; c < ncpu; c++) {
			g->skbs += vals[c].skbs;
			g->segs += vals[c].segs;
		}
	}
	free(vals);
}

double segs_per_skb(const struct fou_gro_stats *g)
{
	return g->skbs ? (double)g->segs / g->skbs : 0;
}

/* JSON: gro_skbs, gro_segs and gro_segs_per_skb in the port's object; text:
 * a line of their own when fou_hints_tc counted anything (or --all). */
static void print_port_gro(const struct fou_gro_stats *g, bool json, bool all)
{
	if (json)
		printf(",\"gro_skbs\":%llu,\"gro_segs\":%llu,\"gro_segs_per_skb\":%.2f",
		       g->skbs, g->segs, segs_per_skb(g));
	else if (g->skbs || all)
		printf("%-10s gro %llu skbs %llu segments, %.2f segments per skb\n", "",
		       g->skbs, g->segs, segs_per_skb(g));
}

static void print_port_stats(bool json, bool all)
{
	static struct port_entry ports[FOU_MAX_PORTS];
	int n = load_ports(ports, FOU_MAX_PORTS), gfd;
	struct fou_port_fds m;
	bool first = true;

	if (!n)
		return;
	open_port_fds(&m);
	gfd = map_fd(FOU_MAP_GRO_STATS);
	for (int i = 0; i < n; i++) {
		const struct fou_port *k = &ports[i].port;
		struct fou_port_stats t;
		struct fou_gro_stats g;

		if (fou_port_stats_sum(&m, ports[i].slot, &t))
			continue;
		stats_sum_gro(gfd, ports[i].slot, &g);
		if (json)
			printf("%s{\"port\":%u,\"family\":%u,\"rx_packets\":%llu,\"rx_bytes\":%llu,"
			       "\"drop_packets\":%llu", first ? "" : ",", k->port, k->family,
			       t.rx_packets, t.rx_bytes, t.drop_packets);
		else
			printf("port %5u %s  rx %llu packets %llu bytes, dropped %llu\n", k->port,
			       k->family == FOU_FAMILY_IPV6 ? "-6" : "  ", t.rx_packets,
			       t.rx_bytes, t.drop_packets);
		print_port_gro(&g, json, all);
		if (json)
			printf("}");
		first = false;
	}
	close_port_fds(&m);
	if (gfd >= 0)
		close(gfd);
}

void stats_sum_tunnel(int fd, __u32 slot, struct fou_tun_stats *t)
{
	int ncpu = cpu_count();
	struct fou_tun_stats *vals = calloc(ncpu, sizeof(*vals));

	memset(t, 0, sizeof(*t));
	if (!vals)
		fail("out of memory");
	if (!bpf_map_lookup_elem(fd, &slot, vals)) {
		for (int c = 0; c < ncpu; c++) {
			t->tx_packets += vals[c].tx_packets;
			t->tx_bytes += vals[c].tx_bytes;
			t->drop_packets += vals[c].drop_packets;
		}
	}
	free(vals);
}

/* The tunnel's ICMP counters: JSON fields "icmp_NAME" beside its packet
 * counters, so that scripts read them as the others; in text a line of
 * their own when one is not zero (or with --all). */
static void print_tunnel_icmp(__u32 slot, bool json, bool all)
{
	const char *names[TUN_ICMP_FIELDS];
	__u64 vals[TUN_ICMP_FIELDS], any = 0;
	struct fou_tun_icmp s;
	int n;

	tunnel_icmp_sum(slot, &s);
	n = tunnel_icmp_fields(&s, names, vals);
	for (int i = 0; i < n; i++)
		any |= vals[i];
	if (!json && !any && !all)
		return;
	if (!json)
		printf("%-22s icmp", "");
	for (int i = 0; i < n; i++)
		printf(json ? ",\"icmp_%s\":%llu" : " %s %llu", names[i], vals[i]);
	if (!json)
		printf("\n");
}

static void print_tunnel_stats(bool json, bool all)
{
	struct fou_tunnel tun;
	struct fou_tun_stats t;
	bool first = true;
	int tfd, sfd;

	if (!state_exists())
		return;
	tfd = map_fd_or_fail(FOU_MAP_TUNNELS);
	sfd = map_fd_or_fail(FOU_MAP_TUN_STATS);
	for (__u32 i = 0; i < FOU_MAX_TUNNELS; i++) {
		if (bpf_map_lookup_elem(tfd, &i, &tun) || !tun.name[0])
			continue;
		stats_sum_tunnel(sfd, i, &t);
		if (json) {
			printf("%s{\"name\":", first ? "" : ",");
			json_str(stdout, tun.name);
			printf(",\"tx_packets\":%llu,\"tx_bytes\":%llu,\"drop_packets\":%llu",
			       t.tx_packets, t.tx_bytes, t.drop_packets);
			print_tunnel_icmp(i, true, all);
			printf("}");
		} else {
			printf("tunnel %-15s tx %llu packets %llu bytes, dropped %llu\n", tun.name,
			       t.tx_packets, t.tx_bytes, t.drop_packets);
			print_tunnel_icmp(i, false, all);
		}
		first = false;
	}
	close(tfd);
	close(sfd);
}

struct stats_args {
	bool json, all, prometheus;
	const char *output; /* --prometheus --output FILE */
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
	return 0;
}

/* The metrics into @path through a temporary file renamed over it, so that
 * a reader (node_exporter's textfile collector) never sees half a file. */
static int write_metrics_file(const char *path)
{
	char tmp[4096];
	FILE *f;
	int err;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp))
		usage_error("stats: --output: path too long");
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
		printf("{\"counters\":{");
		for (int id = 0; id < FOU_STAT__COUNT; id++)
			printf("%s\"%s\":%llu", id ? "," : "", stat_names[id], totals[id]);
		printf("},\"ports\":[");
		print_port_stats(true, a->all);
		printf("],\"tunnels\":[");
		print_tunnel_stats(true, a->all);
		printf("]}\n");
		return;
	}
	for (int id = 0; id < FOU_STAT__COUNT; id++)
		if (a->all || totals[id])
			printf("%-22s %12llu  %s\n", stat_names[id], totals[id], stat_descs[id]);
	print_port_stats(false, a->all);
	print_tunnel_stats(false, a->all);
}

/* One sample of rates: packets per second of every counter over the last
 * interval (JSON: one object per line, for scripts that tail it). */
static void print_rates(const struct stats_args *a, const __u64 *before, const __u64 *after)
{
	bool first = true;

	if (a->json)
		printf("{\"interval\":%ld,\"rates\":{", a->watch);
	for (int id = 0; id < FOU_STAT__COUNT; id++) {
		double rate = (double)(after[id] - before[id]) / a->watch;

		if (a->json) {
			printf("%s\"%s\":%.1f", first ? "" : ",", stat_names[id], rate);
			first = false;
		} else if (a->all || after[id] != before[id]) {
			printf("%-22s %12.1f/s %14llu total\n", stat_names[id], rate, after[id]);
		}
	}
	if (a->json)
		printf("}}\n");
	else
		printf("--\n");
	fflush(stdout);
}

int cmd_stats(int argc, char **argv)
{
	__u64 before[FOU_STAT__COUNT], after[FOU_STAT__COUNT];
	struct stats_args a = {};

	if (parse_stats(argc, argv, &a))
		usage_exit();
	if (a.output)
		return write_metrics_file(a.output);
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
