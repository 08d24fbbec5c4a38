/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Every pinned map, declared once. Each program object includes this file and
 * libbpf's pin-by-name reuses the pinned instance, so the XDP and TC programs
 * and fouloader all share one set of maps per pin root.
 */
#ifndef FOU_BPF_MAPS_H
#define FOU_BPF_MAPS_H

#include "lib/common.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FOU_PORT_INDEX_MAX);
	__type(key, __u32); /* FOU_PORT_INDEX(family, port) */
	__type(value, __u16); /* slot + 1; 0: no port */
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fou_port_slot SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FOU_MAX_PORTS);
	__type(key, __u32); /* slot */
	__type(value, struct fou_port);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fou_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FOU_MAX_PEERS);
	__type(key, struct fou_peer_key);
	__type(value, struct fou_peer);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fou_peers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FOU_MAX_LOCAL_ADDRS);
	__type(key, struct fou_local_key);
	__type(value, __u32); /* FOU_LOCAL_* */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fou_local_addrs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fou_local_inline);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fou_local_inline SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FOU_MAX_PORTS);
	__type(key, __u32); /* slot, as in fou_ports */
	__type(value, struct fou_port_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fou_port_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FOU_STAT__COUNT);
	__type(key, __u32); /* enum fou_stat_id: array maps need an int key */
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fou_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FOU_MAX_TUNNELS);
	__type(key, __u32); /* slot */
	__type(value, struct fou_tunnel);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fou_tunnels SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FOU_MAX_TUNNELS);
	__type(key, __u32); /* slot, as in fou_tunnels */
	__type(value, struct fou_tun_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fou_tun_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, FOU_MAX_ROUTES);
	__type(key, struct fou_route4_key);
	__type(value, struct fou_route);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fou_routes4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, FOU_MAX_ROUTES);
	__type(key, struct fou_route6_key);
	__type(value, struct fou_route);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fou_routes6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fou_route_count);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fou_route_count SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fou_route_filter);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fou_route_filter SEC(".maps");

/* False if no route covers @daddr (family @family; network order): see
 * struct fou_route_filter. Two array lookups, inlined by the verifier. */
static __always_inline bool route_filter_may(__u8 family, const void *daddr)
{
	__u32 zero = 0, i;
	const struct fou_route_filter *f = bpf_map_lookup_elem(&fou_route_filter, &zero);
	const struct fou_route_count *c = bpf_map_lookup_elem(&fou_route_count, &zero);

	if (!f || !c || !f->valid || f->v4_routes != c->v4 || f->v6_routes != c->v6)
		return true;
	i = fou_route_filter_index(daddr);
	return ((family == FOU_FAMILY_IPV4 ? f->v4 : f->v6)[(i >> 6) & 3] >> (i & 63)) & 1;
}

/* Written only by fouloader: what it attached where (see struct fou_device). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FOU_MAX_DEVICES);
	__type(key, __u32);
	__type(value, struct fou_device);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fou_devices SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fou_sctp_conf);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fou_sctp_conf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FOU_MAX_DEVICES);
	__type(key, __u32); /* ifindex */
	__type(value, struct fou_sctp_dev);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fou_sctp_devs SEC(".maps");

/* LRU: associations come and go without telling the gateway; the least
 * recently used are forgotten first. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FOU_MAX_SCTP_PEERS);
	__type(key, struct fou_sctp_peer_key);
	__type(value, struct fou_sctp_peer);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fou_sctp_peers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FOU_MAX_SCTP_PEERS);
	__type(key, struct fou_sctp_vtag_key);
	__type(value, struct fou_sctp_vtag);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fou_sctp_vtags SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FOU_MAX_TUNNELS);
	__type(key, struct fou_tun_index_key);
	__type(value, struct fou_tun_index);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fou_tun_index SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FOU_MAX_TUNNELS);
	__type(key, __u32); /* slot, as in fou_tunnels */
	__type(value, struct fou_tun_path);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fou_tun_path SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FOU_MAX_TUNNELS);
	__type(key, __u32); /* slot, as in fou_tunnels */
	__type(value, struct fou_tun_gre_seq);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fou_tun_gre_seq SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FOU_MAX_TUNNELS);
	__type(key, __u32); /* slot, as in fou_tunnels */
	__type(value, struct fou_tun_icmp);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fou_tun_icmp SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fou_icmp_conf);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fou_icmp_conf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FOU_MAX_TUNNELS);
	__type(key, __u32); /* slot, as in fou_tunnels */
	__type(value, struct fou_icmp_bucket);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fou_icmp_bucket SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FOU_MAX_PORTS);
	__type(key, __u32); /* slot, as in fou_ports */
	__type(value, struct fou_gro_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fou_gro_stats SEC(".maps");

/* Entries (CPU -> queue size) written by fouloader attach --steer cpumap. */
struct {
	__uint(type, BPF_MAP_TYPE_CPUMAP);
	__uint(max_entries, FOU_MAX_STEER_CPUS);
	__type(key, __u32);
	__type(value, struct bpf_cpumap_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fou_cpumap SEC(".maps");

#endif /* FOU_BPF_MAPS_H */
