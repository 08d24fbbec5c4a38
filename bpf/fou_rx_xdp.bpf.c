/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * fou_rx_xdp: FOU/GUE decapsulation at XDP, before GRO, so GRO sees the
 * inner flow; and, for packets that are not ours to decapsulate but are
 * routed into a tunnel, encapsulation and forwarding with XDP_TX or a
 * redirect, as a load balancer or gateway does. Native mode on NICs; loads
 * in skb mode too. Frags-aware so it can attach to jumbo-MTU devices;
 * headers must sit in the first buffer.
 */
#include "lib/ctx/xdp.h"
#include "lib/decap.h"
#include "lib/encap.h"
#include "lib/hints.h"

/* Set by fouloader at load. fou_hints_on: leave hints for fou_hints_tc
 * (attach --hints on, the default with XDP). fou_steer_cpus (attach --steer
 * cpumap): how many CPUs of fou_cpumap decapsulated packets are spread over
 * by inner flow; 0: none. Off by default: a program loaded without them
 * changes no packet beyond what it decapsulates. */
const volatile __u32 fou_hints_on = 0;
const volatile __u32 fou_steer_cpus = 0;

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

	/* inner_off <= HDR_OFF_MASK (classify_owned) and l2_len >= 14: the
	 * mask changes nothing; this says so where it is used. */
	if (rx->inner_off - l2_len > HDR_OFF_MASK)
		return -1;
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

/*
 * RFC 6951 to native: the Ethernet and IP headers move 8 bytes up over the
 * UDP header, through a copy in which the IP header is rewritten; @trim
 * bytes of Ethernet padding go from the end. A global function: its copy
 * would otherwise sit in the caller's frame, under the deepest call chain.
 */
__noinline int fou_xdp_sctp_decap(struct xdp_md *ctx, __u32 l3_off, __u32 l4_off,
				  __u32 family, __u32 trim)
{
	__u8 hdr[ETH_HLEN + VLAN_HLEN + 60];
	__u32 n = l4_off;

	if (n < ETH_HLEN + sizeof(struct iphdr) || n > sizeof(hdr))
		return -1;
	n = verifier_len(n, sizeof(hdr));
	if (bpf_xdp_load_bytes(ctx, 0, hdr, n))
		return -1;
	/* Constant offsets into the copy: one per L2 header length. */
	if (l3_off == ETH_HLEN)
		ip_retype(hdr + ETH_HLEN, family, -UDP_HLEN, IPPROTO_SCTP_NR);
	else if (l3_off == ETH_HLEN + VLAN_HLEN)
		ip_retype(hdr + ETH_HLEN + VLAN_HLEN, family, -UDP_HLEN, IPPROTO_SCTP_NR);
	else
		return -1;
	if (bpf_xdp_store_bytes(ctx, UDP_HLEN, hdr, n) || bpf_xdp_adjust_head(ctx, UDP_HLEN))
		return -1;
	return trim ? bpf_xdp_adjust_tail(ctx, -(int)trim) : 0;
}

/* Write the new Ethernet header and the outer headers at the front. The
 * copies have constant sizes, one per header layout. */
static __always_inline int xdp_put_headers(struct xdp_md *ctx, const struct fou_tx *tx,
					   const struct bpf_fib_lookup *fib)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u8 *h = (__u8 *)(eth + 1);

	if ((void *)h > data_end)
		return -1;
	__builtin_memcpy(eth->h_dest, fib->dmac, 6);
	__builtin_memcpy(eth->h_source, fib->smac, 6);
	eth->h_proto = bpf_htons(tx->family == FOU_FAMILY_IPV4 ? ETH_P_IP : ETH_P_IPV6);
	if (tx->family == FOU_FAMILY_IPV4) {
		if ((void *)(h + 32) > data_end)
			return -1;
		if (tx->kind == FOU_KIND_GUE)
			__builtin_memcpy(h, tx->hdr, 32);
		else
			__builtin_memcpy(h, tx->hdr, 28);
		return 0;
	}
	if ((void *)(h + 52) > data_end)
		return -1;
	if (tx->kind == FOU_KIND_GUE)
		__builtin_memcpy(h, tx->hdr, 52);
	else
		__builtin_memcpy(h, tx->hdr, 48);
	return 0;
}

/* The inner TTL or hop limit tx_prepare() decremented, into the packet;
 * the IPv4 header checksum updated for it (RFC 1624). */
static __always_inline int xdp_inner_ttl(struct xdp_md *ctx, const struct fou_inner *in)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	if (in->family == FOU_FAMILY_IPV4) {
		struct iphdr *iph = data + ETH_HLEN;
		__be16 old, new;

		if ((void *)(iph + 1) > data_end)
			return -1;
		old = *(__be16 *)&iph->ttl; /* the word ttl | protocol */
		iph->ttl = in->ttl;
		new = *(__be16 *)&iph->ttl;
		iph->check = csum_replace16(iph->check, old, new);
		return 0;
	}
	struct ipv6hdr *ip6 = data + ETH_HLEN;

	if ((void *)(ip6 + 1) > data_end)
		return -1;
	ip6->hop_limit = in->ttl;
	return 0;
}

/* Encapsulate the frame (s->frame_len bytes) and send it on; the FIB
 * answer is in before the packet changes, so anything short of a complete
 * next hop leaves it to the stack intact. */
static __always_inline int xdp_encap_send(struct xdp_md *ctx, struct fou_tx_scratch *s,
					  int *verdict)
{
	struct bpf_fib_lookup *fib = &s->fib;
	struct fou_tx *tx = &s->tx;
	int ret;

	ret = fib_outer(ctx, tx, ctx->ingress_ifindex, tx->hdrlen + tx->in.len, fib);
	if (ret == BPF_FIB_LKUP_RET_FRAG_NEEDED)
		return FOU_STAT_TX_DROP_MTU;
	if (ret == BPF_FIB_LKUP_RET_NO_NEIGH || ret == BPF_FIB_LKUP_RET_FWD_DISABLED) {
		*verdict = XDP_PASS;
		return FOU_STAT_FWD_PASS_NO_NEIGH;
	}
	if (ret != BPF_FIB_LKUP_RET_SUCCESS)
		return FOU_STAT_TX_DROP_NO_FIB;
	/* Ethernet padding must not trail the inner packet. */
	if (s->frame_len > ETH_HLEN + tx->in.len &&
	    bpf_xdp_adjust_tail(ctx, -(int)(s->frame_len - ETH_HLEN - tx->in.len)))
		return FOU_STAT_TX_DROP_ADJUST;
	if (xdp_inner_ttl(ctx, &tx->in))
		return FOU_STAT_TX_DROP_ADJUST;
	if (bpf_xdp_adjust_head(ctx, -(int)(tx->hdrlen & 0x3f)) || xdp_put_headers(ctx, tx, fib))
		return FOU_STAT_TX_DROP_ADJUST;
	*verdict = fib->ifindex == ctx->ingress_ifindex ? XDP_TX : bpf_redirect(fib->ifindex, 0);
	return tx->kind == FOU_KIND_GUE ? FOU_STAT_FWD_ENCAP_GUE : FOU_STAT_FWD_ENCAP_FOU;
}

/*
 * A packet not ours to decapsulate may be routed into a tunnel. A global
 * function, so the verifier checks it once rather than once per way the
 * receive classification can end. Returns the XDP verdict, the outcome
 * counted, or -1 when no route wants the packet.
 */
__noinline int fou_xdp_forward(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct fou_tx_scratch *s = tx_scratch();
	int verdict = XDP_PASS;
	int id;

	if (!s)
		return -1;
	/* Read once for both uses: nothing before the encapsulation changes
	 * the frame. */
	s->frame_len = xdp_frame_len(ctx);
	id = tx_prepare(ctx, data, data_end, s->frame_len, false, true, &s->tx);
	if (id == FOU_STAT_TX_PASS_NO_ROUTE || id == FOU_STAT_TX_PASS_NOT_IP)
		return -1;
	/* Too big for the path: TC egress, after the stack, sends the ICMP. */
	if (id == FOU_CONTINUE) {
		id = tx_path_check(&s->tx, s->tx.in.len);
		if (id == FOU_TOO_BIG)
			id = FOU_STAT_FWD_PASS_TOO_BIG;
	}
	if (id == FOU_CONTINUE)
		id = xdp_encap_send(ctx, s, &verdict);
	if (FOU_STAT_IS_TX_DROP(id))
		verdict = XDP_DROP;
	count_tx(ctx, id, &s->tx);
	return verdict;
}

/* One array lookup spares packets the forwarding check while no route
 * exists (see struct fou_route_count). */
static __always_inline bool any_routes(void)
{
	__u32 zero = 0;
	struct fou_route_count *c = bpf_map_lookup_elem(&fou_route_count, &zero);

	return c && (c->v4 || c->v6);
}

/* Whether a route may want this frame, its destination read as tx_prepare
 * reads it (untagged Ethernet, IPv4 or IPv6): a destination no route covers
 * skips the forwarding check, which would pass it. Anything else goes to
 * the check, which decides as before. */
static __always_inline bool fwd_may_route(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct ipv6hdr *ip6 = (void *)(eth + 1);
	struct iphdr *iph = (void *)(eth + 1);

	if ((void *)(eth + 1) > data_end)
		return true;
	if (eth->h_proto == bpf_htons(ETH_P_IP) && (void *)(iph + 1) <= data_end)
		return route_filter_may(FOU_FAMILY_IPV4, &iph->daddr);
	if (eth->h_proto == bpf_htons(ETH_P_IPV6) && (void *)(ip6 + 1) <= data_end)
		return route_filter_may(FOU_FAMILY_IPV6, &ip6->daddr);
	return true;
}

/* What frame_not_ours() answered @r (>= 0) for: the forwarding check, as
 * for every pass, then the count; no per-packet state, no frame length. */
static __always_inline int xdp_not_ours(struct xdp_md *ctx, int r)
{
	if (any_routes() && fwd_may_route(ctx)) {
		int verdict = fou_xdp_forward(ctx);

		if (verdict >= 0)
			return verdict;
	}
	count_not_ours(ctx, r);
	return XDP_PASS;
}

/* attach --steer cpumap: the decapsulated packet goes to the CPU its inner
 * flow hashes to, which builds skbs in batches and runs GRO on them (cpumap
 * GRO, kernel 6.15+); each inner flow stays on one CPU. */
static __always_inline int xdp_steer(struct xdp_md *ctx, int id, const struct fou_rx *rx,
				      __u32 hash)
{
	__u32 cpu = hash % fou_steer_cpus;
	int verdict = bpf_redirect_map(&fou_cpumap, cpu, XDP_PASS);

	count_outcome(ctx, id, rx);
	stat_inc(verdict == XDP_REDIRECT ? FOU_STAT_STEER_CPUMAP : FOU_STAT_STEER_FAILED);
	return verdict;
}

/* The per-packet state, off the stack: the deepest call chain leaves the
 * verifier's 512 bytes no room for it. XDP runs in NAPI, one packet at a
 * time per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fou_rx);
} fou_rx_xdp_scratch SEC(".maps");

SEC("xdp.frags")
int fou_rx_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 zero = 0;
	struct fou_rx *rx;
	bool inner_ok = false;
	int id;

	/* Most of what is not ours (TCP, UDP to other ports) is known from its
	 * headers, before the per-packet state is looked up. */
	id = frame_not_ours(ctx);
	if (id >= 0)
		return xdp_not_ours(ctx, id);
	rx = bpf_map_lookup_elem(&fou_rx_xdp_scratch, &zero);
	if (!rx)
		return XDP_PASS;
	__builtin_memset(rx, 0, sizeof(*rx));

	rx->p.pkt_len = xdp_frame_len(ctx);
	id = fou_rx_classify(ctx, data, data_end, ctx->ingress_ifindex, rx);
	if (id == FOU_STAT_RX_DECAP_GUE && rx->rc.mode)
		id = remcsum_rx(ctx, id, rx);
	if (id == FOU_STAT_RX_DECAP_FOU || id == FOU_STAT_RX_DECAP_GUE) {
		data = (void *)(long)ctx->data;
		data_end = (void *)(long)ctx->data_end;
		if (fou_hints_on)
			inner_ok = fou_xdp_inner_csum(ctx, rx);
		if ((rx->set_ecn && inner_set_ecn(data, data_end, rx)) || xdp_decap(ctx, rx))
			id = FOU_STAT_DROP_ADJUST;
	} else if (id == FOU_STAT_RX_DECAP_SCTP || id == FOU_STAT_PASS_SCTP_CRC_OK) {
		if (id == FOU_STAT_RX_DECAP_SCTP &&
		    fou_xdp_sctp_decap(ctx, rx->p.l3_off, rx->p.l4_off, rx->p.family,
				       rx->p.pkt_len - rx->p.ip_end))
			id = FOU_STAT_DROP_ADJUST;
		else
			sctp_rx_learn(id, rx);
	}
	if ((fou_hints_on || fou_steer_cpus) &&
	    (id == FOU_STAT_RX_DECAP_FOU || id == FOU_STAT_RX_DECAP_GUE ||
	     id == FOU_STAT_RX_DECAP_SCTP || id == FOU_STAT_PASS_SCTP_CRC_OK)) {
		__u32 slot1 = rx->slot < FOU_MAX_PORTS ? rx->slot + 1 : 0;
		__u32 hash = fou_xdp_hints(ctx, slot1, hints_flags(id, rx, inner_ok), rx->p.l3_off);

		if (fou_steer_cpus && id != FOU_STAT_PASS_SCTP_CRC_OK)
			return xdp_steer(ctx, id, rx, hash);
	}
	if (FOU_STAT_IS_PASS(id) && id != FOU_STAT_PASS_NOT_IP && id != FOU_STAT_PASS_SHORT &&
	    any_routes() && fwd_may_route(ctx)) {
		int verdict = fou_xdp_forward(ctx);

		if (verdict >= 0)
			return verdict;
	}
	count_outcome(ctx, id, rx);
	/* A matched ICMP error is consumed: the kernel has no socket for it. */
	return FOU_STAT_IS_DROP(id) || id == FOU_STAT_RX_ICMP_TUNNEL ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
