/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Counting: one reason counter per packet, plus the matched port's counters;
 * the drop monitor is fed where outcomes are counted (lib/monitor.h). */
#ifndef FOU_BPF_STATS_H
#define FOU_BPF_STATS_H

#include "lib/maps.h"
#include "lib/monitor.h"

static __always_inline void stat_inc(__u32 id)
{
	__u64 *v = bpf_map_lookup_elem(&fou_stats, &id);

	if (v)
		*v += 1; /* per-CPU slot: no atomics needed */
}

static __always_inline void port_stat_rx(__u32 slot, __u64 bytes)
{
	struct fou_port_stats *s = bpf_map_lookup_elem(&fou_port_stats, &slot);

	if (s) {
		s->rx_packets++;
		s->rx_bytes += bytes;
	}
}

static __always_inline void port_stat_drop(__u32 slot)
{
	struct fou_port_stats *s = bpf_map_lookup_elem(&fou_port_stats, &slot);

	if (s)
		s->drop_packets++;
}

#endif /* FOU_BPF_STATS_H */
