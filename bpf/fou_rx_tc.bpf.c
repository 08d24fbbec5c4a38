/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * fou_rx_tc: FOU/GUE decapsulation at TC ingress. On veth and other virtual
 * devices this keeps GSO skbs whole (an XDP program makes veth segment every
 * packet), and it sees packets after GRO.
 */
#include "lib/decap.h"
#include "lib/skb.h"

FOU_DEFINE_CSUM_COPIED(fou_csum_copied_tc, struct __sk_buff, HOOK_TC)
FOU_DEFINE_RANGE_SUM(fou_range_sum_tc, struct __sk_buff, skb_data(ctx), skb_data_end(ctx),
		   fou_csum_copied_tc)

/* Outer Ethernet + the largest IPv4 header + UDP: enough to find our port. */
#define OUTER_PULL_LEN (ETH_HLEN + 60 + UDP_HLEN)
/* ... plus the largest GUE header and inner IP header. */
#define FULL_PULL_LEN  (OUTER_PULL_LEN + GUE_HLEN + 124 + 60)

static __always_inline int classify(struct __sk_buff *skb, struct fou_rx *rx, bool can_pull)
{
	__builtin_memset(rx, 0, sizeof(*rx));
	rx->p.pkt_len = skb->len;
	rx->p.can_pull = can_pull;
	return fou_rx_classify(skb, HOOK_TC, skb_data(skb),
			       skb_data_end(skb), skb->ifindex, rx);
}

/* Remove the outer IP, UDP and GUE headers after the MAC header. The GSO
 * size stays: for a UDP-tunnel GSO skb it already describes inner segments. */
static __always_inline int tc_decap(struct __sk_buff *skb, const struct fou_rx *rx)
{
	__u64 flags = BPF_F_ADJ_ROOM_FIXED_GSO;
	__be16 proto = bpf_htons(rx->inner_proto);
	__s32 strip = rx->inner_off - ETH_HLEN;
	struct ethhdr *eth;

	flags |= rx->inner_proto == ETH_P_IP ? BPF_F_ADJ_ROOM_DECAP_L3_IPV4
					     : BPF_F_ADJ_ROOM_DECAP_L3_IPV6;
	if (bpf_skb_adjust_room(skb, -strip, BPF_ADJ_ROOM_MAC, flags))
		return -1;
	/* Ethernet padding after the outer packet would trail the inner one. */
	if (rx->p.pkt_len > rx->p.ip_end &&
	    bpf_skb_change_tail(skb, rx->p.ip_end - strip, 0))
		return -1;
	/* A direct write: the helper would re-check writability it already has. */
	eth = skb_data(skb);
	if ((void *)(eth + 1) > skb_data_end(skb))
		return -1;
	eth->h_proto = proto;
	return 0;
}

SEC("tc")
int fou_rx_tc(struct __sk_buff *skb)
{
	struct fou_rx rx;
	int id;

	pull_headers(skb, OUTER_PULL_LEN);
	id = classify(skb, &rx, true);
	if (id == FOU_NEED_PULL) {
		pull_headers(skb, FULL_PULL_LEN);
		id = classify(skb, &rx, false);
	}
	if (id == FOU_STAT_RX_DECAP_FOU || id == FOU_STAT_RX_DECAP_GUE) {
		void *data = skb_data(skb);
		void *data_end = skb_data_end(skb);

		if ((rx.set_ce && inner_set_ce(data, data_end, &rx)) || tc_decap(skb, &rx))
			id = FOU_STAT_DROP_ADJUST;
	}
	count_outcome(id, &rx);
	return FOU_STAT_IS_DROP(id) ? TC_ACT_SHOT : TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
