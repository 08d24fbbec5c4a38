// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The receive floor (bench only, see floor.h): what issue 14 names as the
 * least a decapsulation can cost, "a parse, one array lookup, one per-CPU
 * counter and one adjust_head", at XDP and TC; and for a packet that is not
 * ours, the parse, the lookup, the counter and a pass. Left out, on purpose,
 * is everything fou_rx_* must do beyond that: the destination and peer
 * checks, the IPv4 header checksum, GUE, the UDP checksum (a packet with
 * one is passed, counted FLOOR_STAT_PASS_CSUM), trimming Ethernet padding,
 * VLAN tags, IPv6 extension headers, and the port and tunnel counters.
 */
#include "floor_bpf.h"

/* FOU_PORT_INDEX(family, port) -> the inner EtherType, host order; 0: no
 * port. One array lookup, as fou_port_slot is one. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FOU_PORT_INDEX_MAX);
	__type(key, __u32);
	__type(value, __u16);
} floor_port_slot SEC(".maps");

/* Ethernet + IPv4 (no options, not a fragment) or IPv6 (no extension
 * headers) + UDP to a port of ours with a zero checksum: FLOOR_STAT_DECAP,
 * with the bytes to remove after the Ethernet header and the inner
 * EtherType; else the pass counter that says why. */
static __always_inline __u32 floor_classify(void *data, void *end, __u32 *strip, __u16 *proto)
{
	struct ethhdr *eth = data;
	struct udphdr *udp;
	__u32 idx;
	__u16 *v;

	if ((void *)(eth + 1) > end)
		return FLOOR_STAT_PASS_NOT_UDP;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > end || ip->ihl != 5 || ip->protocol != IPPROTO_UDP_NR ||
		    ip->frag_off & bpf_htons(IP_MF | IP_OFFSET))
			return FLOOR_STAT_PASS_NOT_UDP;
		udp = (void *)(ip + 1);
		idx = FOU_PORT_INDEX(FOU_FAMILY_IPV4, 0);
		*strip = sizeof(*ip) + UDP_HLEN;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > end || ip6->nexthdr != IPPROTO_UDP_NR)
			return FLOOR_STAT_PASS_NOT_UDP;
		udp = (void *)(ip6 + 1);
		idx = FOU_PORT_INDEX(FOU_FAMILY_IPV6, 0);
		*strip = IPV6_HLEN + UDP_HLEN;
	} else {
		return FLOOR_STAT_PASS_NOT_UDP;
	}
	if ((void *)(udp + 1) > end)
		return FLOOR_STAT_PASS_NOT_UDP;
	idx |= bpf_ntohs(udp->dest);
	v = bpf_map_lookup_elem(&floor_port_slot, &idx);
	if (!v || !*v)
		return FLOOR_STAT_PASS_NO_PORT;
	if (udp->check)
		return FLOOR_STAT_PASS_CSUM;
	*proto = *v;
	return FLOOR_STAT_DECAP;
}

/* The Ethernet addresses move up to just before the inner packet, then the
 * outer headers go. */
SEC("xdp.frags")
int floor_rx_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u32 strip = 0, id;
	__u16 proto = 0;
	__u8 *dst;

	id = floor_classify(data, end, &strip, &proto);
	if (id == FLOOR_STAT_DECAP) {
		dst = (__u8 *)data + (strip & 0x3f); /* 28 or 48: the mask changes nothing */
		if ((void *)(dst + ETH_HLEN) > end || (void *)((__u8 *)data + ETH_HLEN) > end)
			return XDP_PASS;
		__builtin_memcpy(dst, data, 12);
		*(__be16 *)(dst + 12) = bpf_htons(proto);
		if (bpf_xdp_adjust_head(ctx, strip & 0x3f))
			id = FLOOR_STAT_DROP;
	}
	floor_count(id);
	return id == FLOOR_STAT_DROP ? XDP_DROP : XDP_PASS;
}

/* bpf_skb_adjust_room removes the outer headers after the MAC header, as
 * fou_rx_tc does (FIXED_GSO; a new inner family through the DECAP_L3 flags,
 * 6.3+: a floor needs no fallback). */
SEC("tc")
int floor_rx_tc(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	__u64 flags = BPF_F_ADJ_ROOM_FIXED_GSO;
	__u32 strip = 0, id;
	__u16 proto = 0;
	struct ethhdr *eth;

	id = floor_classify(data, end, &strip, &proto);
	if (id == FLOOR_STAT_DECAP) {
		if ((proto == ETH_P_IP) != (strip == sizeof(struct iphdr) + UDP_HLEN))
			flags |= proto == ETH_P_IP ? BPF_F_ADJ_ROOM_DECAP_L3_IPV4
						   : BPF_F_ADJ_ROOM_DECAP_L3_IPV6;
		if (bpf_skb_adjust_room(skb, -(__s32)strip, BPF_ADJ_ROOM_MAC, flags)) {
			id = FLOOR_STAT_DROP;
		} else {
			eth = (void *)(long)skb->data;
			if ((void *)(eth + 1) > (void *)(long)skb->data_end)
				id = FLOOR_STAT_DROP;
			else
				eth->h_proto = bpf_htons(proto);
		}
	}
	floor_count(id);
	return id == FLOOR_STAT_DROP ? 2 /* TC_ACT_SHOT */ : 0 /* TC_ACT_OK */;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
