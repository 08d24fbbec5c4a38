/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What both floor programs share (BPF side): their outcome counters. */
#ifndef FOU_BENCH_FLOOR_BPF_H
#define FOU_BENCH_FLOOR_BPF_H

#include "lib/common.h"
#include "floor.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FLOOR_STAT__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} floor_stats SEC(".maps");

/* One per-CPU counter, as stat_inc counts fou_stats. */
static __always_inline void floor_count(__u32 id)
{
	__u64 *v = bpf_map_lookup_elem(&floor_stats, &id);

	if (v)
		*v += 1; /* per-CPU slot: no atomics needed */
}

#endif /* FOU_BENCH_FLOOR_BPF_H */
