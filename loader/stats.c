// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* stats: the per-CPU reason counters and per-port counters, summed. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "fouloader.h"

#define STAT_NAME(id, name, desc) name,
#define STAT_DESC(id, name, desc) desc,
static const char *const stat_names[] = { FOU_STATS_LIST(STAT_NAME) };
static const char *const stat_descs[] = { FOU_STATS_LIST(STAT_DESC) };

static void sum_counters(__u64 *totals)
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

static void print_port_stats(bool json)
{
	struct fou_port_key k, *prev = NULL;
	int ncpu = cpu_count(), fd;
	struct fou_port_stats *vals = calloc(ncpu, sizeof(*vals));
	bool first = true;

	if (!vals)
		fail("out of memory");
	fd = state_exists() ? map_fd(FOU_MAP_PORT_STATS) : -1;
	while (fd >= 0 && !bpf_map_get_next_key(fd, prev, &k)) {
		struct fou_port_stats t = {};

		prev = &k;
		if (bpf_map_lookup_elem(fd, &k, vals))
			continue;
		for (int c = 0; c < ncpu; c++) {
			t.rx_packets += vals[c].rx_packets;
			t.rx_bytes += vals[c].rx_bytes;
			t.drop_packets += vals[c].drop_packets;
		}
		if (json)
			printf("%s{\"port\":%u,\"family\":%u,\"rx_packets\":%llu,\"rx_bytes\":%llu,"
			       "\"drop_packets\":%llu}", first ? "" : ",", k.port, k.family,
			       t.rx_packets, t.rx_bytes, t.drop_packets);
		else
			printf("port %5u %s  rx %llu packets %llu bytes, dropped %llu\n",
			       k.port, k.family == FOU_FAMILY_IPV6 ? "-6" : "  ",
			       t.rx_packets, t.rx_bytes, t.drop_packets);
		first = false;
	}
	if (fd >= 0)
		close(fd);
	free(vals);
}

int cmd_stats(int argc, char **argv)
{
	__u64 totals[FOU_STAT__COUNT];
	bool json = false, all = false;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "--all"))
			all = true;
		else
			usage_error("stats: unexpected argument '%s'", argv[i]);
	}
	sum_counters(totals);
	if (json) {
		printf("{\"counters\":{");
		for (int id = 0; id < FOU_STAT__COUNT; id++)
			printf("%s\"%s\":%llu", id ? "," : "", stat_names[id], totals[id]);
		printf("},\"ports\":[");
		print_port_stats(true);
		printf("]}\n");
		return EXIT_OK;
	}
	for (int id = 0; id < FOU_STAT__COUNT; id++)
		if (all || totals[id])
			printf("%-22s %12llu  %s\n", stat_names[id], totals[id], stat_descs[id]);
	print_port_stats(false);
	return EXIT_OK;
}
