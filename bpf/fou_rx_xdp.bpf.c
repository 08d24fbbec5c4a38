/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * fou_rx_xdp: FOU/GUE decapsulation at XDP, before GRO, so GRO sees the
 * inner flow. Native mode on NICs; loads in skb mode too. Frags-aware so it
 * can attach to jumbo-MTU devices; headers must sit in the first buffer.
 */
#include "lib/decap.h"

FOU_DEFINE_CSUM_COPIED(fou_csum_copied_xdp, struct xdp_md, HOOK_XDP)

/* Move the Ethernet header (and its VLAN tag) up to just before the inner
 * packet, set the inner EtherType, and drop everything in between. */
static __always_inline int xdp_decap(struct xdp_md *ctx, const struct fou_rx *rx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 l2_len = rx->p.l3_off;
	__u32 strip = (rx->inner_off - l2_len) & HDR_OFF_MASK;
	__u8 *dst = data + strip;
	__be16 proto = bpf_htons(rx->inner_proto);

	if (l2_len == ETH_HLEN) {
		if ((void *)(dst + ETH_HLEN) > data_end || (void *)((__u8 *)data + ETH_HLEN) > data_end)
			return -1;
		__builtin_memcpy(dst, data, 12);
		*(__be16 *)(dst + 12) = proto;
	} else {
		if ((void *)(dst + ETH_HLEN + VLAN_HLEN) > data_end ||
		    (void *)((__u8 *)data + ETH_HLEN + VLAN_HLEN) > data_end)
			return -1;
		__builtin_memcpy(dst, data, 16);
		*(__be16 *)(dst + 16) = proto;
	}
	if (bpf_xdp_adjust_head(ctx, strip))
		return -1;
	/* Ethernet padding after the outer packet would trail the inner one. */
	if (rx->p.pkt_len > rx->p.ip_end)
		return bpf_xdp_adjust_tail(ctx, -(int)(rx->p.pkt_len - rx->p.ip_end));
	return 0;
}

SEC("xdp.frags")
int fou_rx_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct fou_rx rx = {};
	int id;

	rx.p.pkt_len = bpf_xdp_get_buff_len(ctx);
	id = fou_rx_classify(ctx, HOOK_XDP, data, data_end, ctx->ingress_ifindex, &rx);
	if (id == FOU_STAT_RX_DECAP_FOU || id == FOU_STAT_RX_DECAP_GUE) {
		if ((rx.set_ce && inner_set_ce(data, data_end, &rx)) || xdp_decap(ctx, &rx))
			id = FOU_STAT_DROP_ADJUST;
	}
	count_outcome(id, &rx);
	return FOU_STAT_IS_DROP(id) ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
