/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The floor programs (floor_rx.bpf.c, floor_tx.bpf.c): bench-only, never
 * installed. Each does the least work issue 14 names for its job, so that
 * make bench can show, beside the real program in the same run, what a
 * minimal BPF tunnel costs on this machine. Shared by the programs and the
 * benches (bench_rx, bench_tx) that fill their maps and read their counters.
 */
#ifndef FOU_BENCH_FLOOR_H
#define FOU_BENCH_FLOOR_H

/* floor_stats: one per-CPU counter per outcome, as fou_stats counts them. */
enum floor_stat {
	FLOOR_STAT_DECAP,        /* outer headers removed */
	FLOOR_STAT_PASS_NOT_UDP, /* not IPv4/IPv6 UDP (or an IPv4 fragment / options) */
	FLOOR_STAT_PASS_NO_PORT, /* UDP to a port floor_port_slot has no entry for */
	FLOOR_STAT_PASS_CSUM,    /* ours, but with a UDP checksum: not the floor's case */
	FLOOR_STAT_ENCAP,        /* outer headers added */
	FLOOR_STAT_PASS_NO_ROUTE, /* no tunnel route for the destination */
	FLOOR_STAT_DROP,         /* a helper failed (route lookup, adjust) */
	FLOOR_STAT__COUNT,
};

/* floor_tunnel (LPM trie, IPv4 destination -> tunnel): the outer headers as
 * sent, with both length fields and the IPv4 checksum computed as if the
 * total length were 0 (the program adds the real one); the Ethernet header
 * for the route-lookup-free twin. */
struct floor_tunnel {
	__u8 eth[12];       /* destination and source MAC */
	__u8 outer[28];     /* IPv4 + UDP, tot_len = 0, len = 0, UDP check 0 */
};

struct floor_route_key {
	__u32 prefixlen;
	__be32 addr;
};

#endif /* FOU_BENCH_FLOOR_H */
