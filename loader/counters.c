// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The counters summed over CPUs, as 'stats' and the metrics read them. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "fouloader.h"

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

/* Entry @slot of the per-CPU map @fd, summed over CPUs into @out: @size
 * bytes of __u64 counters, as every counter struct is. Zero if @fd < 0 (a
 * map a pin root made before it lacks) or the entry cannot be read. */
void percpu_sum_u64(int fd, __u32 slot, size_t size, void *out)
{
	int ncpu = cpu_count();
	size_t n = size / sizeof(__u64);
	__u64 *vals = calloc(ncpu, size), *sum = out;

	memset(out, 0, size);
	if (!vals)
		fail("out of memory");
	if (fd >= 0 && !bpf_map_lookup_elem(fd, &slot, vals))
		for (int c = 0; c < ncpu; c++)
			for (size_t i = 0; i < n; i++)
				sum[i] += vals[c * n + i];
	free(vals);
}

/* What fou_hints_tc counted for a port after GRO, summed over CPUs; zero
 * without the map (a pin root older than it). */
void stats_sum_gro(int fd, __u32 slot, struct fou_gro_stats *g)
{
	percpu_sum_u64(fd, slot, sizeof(*g), g);
}

double segs_per_skb(const struct fou_gro_stats *g)
{
	return g->skbs ? (double)g->segs / g->skbs : 0;
}

void stats_sum_tunnel(int fd, __u32 slot, struct fou_tun_stats *t)
{
	percpu_sum_u64(fd, slot, sizeof(*t), t);
}
