// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Test-only coalescing counter for the gro bench section and test_hints.t
 * (attached with tc, never by fouloader). At TC ingress, after GRO, it counts
 * the TCP and UDP skbs carrying data (UDP: the tunnel packets themselves
 * when the TC program decapsulates, after GRO) and the segments GRO merged
 * into them
 * (gso_segs, 1 when not merged), whatever fouloader does: the same yardstick
 * with hints off (fou_hints_tc counts nothing then) and on (where it must
 * agree with fou_gro_stats).
 *
 * It returns TC_ACT_UNSPEC so that the next filter (fouloader's, at the same
 * priority and added before it) still runs.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define ETH_HLEN	14
#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86DD
#define PROTO_TCP	6
#define PROTO_UDP	17
#define TC_ACT_UNSPEC	(-1)
#define MIN_DATA_LEN	128	/* shorter: an ACK or a handshake, not data */

struct gro_count {
	__u64 skbs;
	__u64 segs;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct gro_count);
} gro_count SEC(".maps");

static __always_inline int is_tcp_udp(struct __sk_buff *skb)
{
	__u8 proto = 0;

	if (skb->protocol == bpf_htons(ETH_P_IP))
		bpf_skb_load_bytes(skb, ETH_HLEN + 9, &proto, 1);
	else if (skb->protocol == bpf_htons(ETH_P_IPV6))
		bpf_skb_load_bytes(skb, ETH_HLEN + 6, &proto, 1);
	return proto == PROTO_TCP || proto == PROTO_UDP;
}

SEC("tc")
int gro_count_tc(struct __sk_buff *skb)
{
	__u32 key = 0;
	struct gro_count *c;

	if (skb->len < MIN_DATA_LEN || !is_tcp_udp(skb))
		return TC_ACT_UNSPEC;
	c = bpf_map_lookup_elem(&gro_count, &key);
	if (c) {
		__sync_fetch_and_add(&c->skbs, 1);
		__sync_fetch_and_add(&c->segs, skb->gso_segs ? skb->gso_segs : 1);
		__sync_fetch_and_add(&c->bytes, skb->len);
	}
	return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
