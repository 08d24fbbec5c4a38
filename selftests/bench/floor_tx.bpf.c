// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The encapsulation floor at TC egress (bench only, see floor.h): parse
 * Ethernet + IPv4, one tunnel lookup by destination, the outer route
 * (bpf_fib_lookup, as fou_tx_tc looks it up) for the next hop's MACs,
 * bpf_skb_adjust_room, a fixed outer IPv4/UDP header copied in with its two
 * lengths and the IPv4 checksum completed, one per-CPU counter, TC_ACT_OK.
 * floor_tx_tc_nofib is the same without the route lookup (the MACs come
 * from the tunnel entry): the two show what the lookup costs. Left out, on
 * purpose, is everything fou_tx_tc does beyond that: the MTU and path
 * checks, a source port from the flow, the IPv4 ID, IPv6 and GUE, the inner
 * checksum, trimming, redirects and the tunnel counters.
 */
#include "floor_bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 16);
	__type(key, struct floor_route_key);
	__type(value, struct floor_tunnel);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} floor_tunnel SEC(".maps");

struct outer4 {
	__u32 w[7];
};

/* The outer headers after the MAC header, words at a time; then the
 * lengths, and the checksum the template was summed with tot_len 0 for
 * (RFC 1624: adding tot_len to the sum). */
static __always_inline int put_outer(struct __sk_buff *skb, const struct floor_tunnel *t,
				     const __u8 *dmac, const __u8 *smac, __u16 inner_len)
{
	struct ethhdr *eth = (void *)(long)skb->data;
	struct outer4 *o = (void *)(eth + 1);
	struct iphdr *ip = (void *)o;
	struct udphdr *udp = (void *)(ip + 1);
	__u32 sum;

	if ((void *)(o + 1) > (void *)(long)skb->data_end)
		return -1;
	*o = *(const struct outer4 *)t->outer;
	__builtin_memcpy(eth->h_dest, dmac, 6);
	__builtin_memcpy(eth->h_source, smac, 6);
	ip->tot_len = bpf_htons(inner_len + 28);
	udp->len = bpf_htons(inner_len + UDP_HLEN);
	sum = (__u16)~ip->check + (__u32)ip->tot_len;
	sum = (sum & 0xffff) + (sum >> 16);
	ip->check = ~(__u16)sum;
	return 0;
}

static __always_inline int floor_encap(struct __sk_buff *skb, bool route)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct floor_route_key k = { .prefixlen = 32 };
	struct bpf_fib_lookup fib = {};
	const struct floor_tunnel *t;
	const __u8 *dmac, *smac;
	__u16 len;

	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP)) {
		floor_count(FLOOR_STAT_PASS_NO_ROUTE);
		return 0; /* TC_ACT_OK */
	}
	k.addr = ip->daddr;
	len = bpf_ntohs(ip->tot_len);
	t = bpf_map_lookup_elem(&floor_tunnel, &k);
	if (!t) {
		floor_count(FLOOR_STAT_PASS_NO_ROUTE);
		return 0;
	}
	dmac = t->eth;
	smac = t->eth + 6;
	if (route) {
		const struct iphdr *o = (const void *)t->outer;

		fib.family = AF_INET_NR;
		fib.l4_protocol = IPPROTO_UDP_NR;
		fib.ipv4_src = o->saddr;
		fib.ipv4_dst = o->daddr;
		fib.ifindex = skb->ifindex;
		if (bpf_fib_lookup(skb, &fib, sizeof(fib), 0) != BPF_FIB_LKUP_RET_SUCCESS)
			goto drop;
		dmac = fib.dmac;
		smac = fib.smac;
	}
	if (bpf_skb_adjust_room(skb, 28, BPF_ADJ_ROOM_MAC,
				BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 | BPF_F_ADJ_ROOM_ENCAP_L4_UDP) ||
	    put_outer(skb, t, dmac, smac, len))
		goto drop;
	floor_count(FLOOR_STAT_ENCAP);
	return 0;
drop:
	floor_count(FLOOR_STAT_DROP);
	return 2; /* TC_ACT_SHOT */
}

SEC("tc")
int floor_tx_tc(struct __sk_buff *skb)
{
	return floor_encap(skb, true);
}

SEC("tc")
int floor_tx_tc_nofib(struct __sk_buff *skb)
{
	return floor_encap(skb, false);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
