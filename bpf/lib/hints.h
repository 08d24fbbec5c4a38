/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * GRO-style coalescing hints, XDP side: what fou_rx_xdp learned about a
 * packet it decapsulated or checked, left in the XDP metadata area for
 * fou_hints_tc, which sees the skb after GRO. Decapsulating before GRO is
 * what lets GRO merge the inner flow at all; the hints add the inner flow's
 * hash (RPS/RFS and everything after hash on the inner flow), the port (its
 * mark and counters), and which checksums were verified here.
 */
#ifndef FOU_BPF_HINTS_H
#define FOU_BPF_HINTS_H

#include "lib/decap.h"
#include "lib/encap.h"

#ifdef FOU_XDP_RX_HASH
/* The driver's RX hash (kernel 6.3+). The kernel loads a program that calls
 * it only bound to one device, so it is built into a variant of its own,
 * fou_rx_xdp_rxhash, which fouloader uses where the driver offers the hash. */
extern int bpf_xdp_metadata_rx_hash(const struct xdp_md *ctx, __u32 *hash,
				    enum xdp_rss_hash_type *rss_type) __ksym;
#endif

/*
 * The inner transport checksum, verified without reading the payload again:
 * the outer UDP checksum held, so the datagram sums to minus its
 * pseudo-header; less the headers in front of the inner transport header
 * (UDP, GUE, inner IP), that leaves the inner segment's own sum, which must
 * be minus the inner pseudo-header. Only for TCP and for UDP with a
 * checksum, behind a plain inner IP header in the linear data.
 */
static __always_inline bool inner_csum_ok(void *data, void *data_end, const struct fou_rx *rx)
{
	__u32 in_off = rx->inner_off & HDR_OFF_MASK, l4_rel, prefix, s = 0, d;
	struct fou_inner in = {};
	bool tail_ok;

	void *ip = data + in_off;
	int ret;

	if (!rx->outer_csum_ok)
		return false;
	ret = rx->inner_proto == ETH_P_IP ? parse_inner_ipv4(ip, data_end, rx->inner_len, &in)
					  : parse_inner_ipv6(ip, data_end, rx->inner_len, &in);
	if (ret != FOU_CONTINUE || in.bad || in.frag)
		return false;
	if (in.proto != IPPROTO_TCP_NR && !(in.proto == IPPROTO_UDP_NR && in.l4_check))
		return false;
	l4_rel = in.l4_off;
	prefix = in_off + l4_rel - rx->p.l4_off;
	/* The headers are whole 32-bit words: they sum in the same lanes. */
	if (prefix & 3 || prefix > 255)
		return false;
	if (csum_linear(data, data_end, rx->p.l4_off, prefix, &s, &tail_ok) != (prefix & ~(CSUM_BLOCK - 1)) ||
	    !tail_ok)
		return false;
	d = csum_fold(pseudo_hdr_sum(&rx->p));      /* the datagram: minus its pseudo-header */
	d = csum_add(d, csum_fold(s));              /* less the headers in front */
	d = csum_add(d, ip_pseudo_sum(&in.saddr, &in.daddr, in.family, in.proto,
				      in.len - in.l4_off));
	return csum_fold(d) == 0;
}

/* A global function: its parse of the inner headers and its sums stay out
 * of the receive path's frame. Called before decapsulation. */
__noinline int fou_xdp_inner_csum(struct xdp_md *ctx, const struct fou_rx *rx)
{
	if (!rx)
		return 0;
	return inner_csum_ok((void *)(long)ctx->data, (void *)(long)ctx->data_end, rx);
}

/* The inner flow's hash: the driver's, or ours from the inner headers (the
 * same function the transmit side uses for the outer source port). The
 * packet starts with @l2_len bytes of Ethernet and VLAN tag. */
static __always_inline __u32 hints_hash(struct xdp_md *ctx, __u32 l2_len, __u8 *flags)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 avail = xdp_frame_len(ctx);
	struct fou_inner in = {};
	__be16 *proto;
	void *ip;
	int ret;

#ifdef FOU_XDP_RX_HASH
	enum xdp_rss_hash_type type;
	__u32 h = 0;

	if (!bpf_xdp_metadata_rx_hash(ctx, &h, &type) && h) {
		*flags |= FOU_HINT_F_HASH_RX;
		return h;
	}
#endif
	if (l2_len != ETH_HLEN && l2_len != ETH_HLEN + VLAN_HLEN)
		return 0;
	proto = data + l2_len - 2;
	ip = data + l2_len;
	if ((void *)(proto + 1) > data_end || avail < l2_len)
		return 0;
	if (*proto == bpf_htons(ETH_P_IP))
		ret = parse_inner_ipv4(ip, data_end, avail - l2_len, &in);
	else if (*proto == bpf_htons(ETH_P_IPV6))
		ret = parse_inner_ipv6(ip, data_end, avail - l2_len, &in);
	else
		return 0;
	return ret == FOU_CONTINUE ? flow_hash(&in) : 0;
}

/*
 * Write the hints in front of the packet (now the inner one, or the SCTP
 * packet, after @l2_len bytes of Ethernet and VLAN tag). A global function: its parse of the inner headers stays out of
 * the receive path's frame. Returns the hash written (for steering), 0 if
 * none was.
 */
__noinline int fou_xdp_hints(struct xdp_md *ctx, __u32 slot_plus1, __u32 flags,
			     __u32 l2_len)
{
	struct fou_xdp_hints *h;
	__u8 f = flags;
	__u32 hash;
	void *data;

	hash = hints_hash(ctx, l2_len, &f);
	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*h))) {
		stat_inc(FOU_STAT_HINTS_NO_ROOM);
		return 0;
	}
	h = (void *)(long)ctx->data_meta;
	data = (void *)(long)ctx->data;
	if ((void *)(h + 1) > data)
		return 0;
	h->magic = FOU_HINTS_MAGIC;
	h->version = FOU_HINTS_VERSION;
	h->flags = f;
	h->slot = slot_plus1;
	h->pad = 0;
	h->hash = hash;
	stat_inc(FOU_STAT_HINTS_WRITTEN);
	return hash;
}

/* What the receive outcome lets the hints say. */
static __always_inline __u32 hints_flags(int id, const struct fou_rx *rx, bool inner_ok)
{
	__u32 f = 0;

	if (id == FOU_STAT_RX_DECAP_FOU || id == FOU_STAT_RX_DECAP_GUE ||
	    id == FOU_STAT_RX_DECAP_SCTP)
		f |= FOU_HINT_F_DECAP;
	if (rx->outer_csum_ok)
		f |= FOU_HINT_F_OUTER_CSUM;
	if (inner_ok)
		f |= FOU_HINT_F_INNER_CSUM;
	if ((id == FOU_STAT_RX_DECAP_SCTP || id == FOU_STAT_PASS_SCTP_CRC_OK) && rx->si.crc_ok) {
		f |= FOU_HINT_F_SCTP_CRC;
		if (id == FOU_STAT_PASS_SCTP_CRC_OK && !rx->si.native)
			f |= FOU_HINT_F_SCTP_IN_UDP;
	}
	return f;
}

#endif /* FOU_BPF_HINTS_H */
