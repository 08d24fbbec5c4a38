/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * GUE remote checksum offload on transmit (encap-remcsum; see lib/remcsum.h
 * for the receiver). As the kernel's __gue_build_header: only a packet whose
 * inner checksum is still to be filled (CHECKSUM_PARTIAL) gets the option,
 * and its checksum field keeps the pseudo-header sum the sender put there;
 * the outer UDP checksum, always computed, covers every byte, so the
 * receiver can deduce the inner one. Everything else goes without the
 * option, as the kernel sends it:
 *  - a complete checksum (CHECKSUM_NONE: forwarded, XDP forwarding);
 *  - GSO packets: the kernel marks them SKB_GSO_TUNNEL_REMCSUM, which BPF
 *    cannot, and their segments share a zero outer checksum (lib/encap.h);
 *  - a checksum other than TCP's or UDP's right after the inner IP header;
 *  - the nocast build (kernels before 6.2), which cannot read csum_start.
 */
#ifndef FOU_BPF_REMCSUM_TX_H
#define FOU_BPF_REMCSUM_TX_H

#include "lib/encap.h"
#include "lib/remcsum.h"
#include "lib/skb.h"

#define REMCSUM_OPT_LEN (GUE_PRIV_LEN + GUE_REMCSUM_LEN)
/* The kernel refuses to shrink an IP packet below its base header length:
 * padding, taken off again at the end, keeps small packets above it. */
#define REMCSUM_UNPARTIAL_PAD 64
#define REMCSUM_KEEP_MAX      76 /* IPv4 with options + 15 */

/* The inner packet's csum_offset (16: TCP, 6: UDP) where the option
 * applies, else 0. */
static __always_inline __u32 remcsum_tx_offset(struct __sk_buff *skb, const struct fou_tx *tx)
{
#if FOU_KERN_CTX
	struct sk_buff *k;
	__u32 start, off;

	if (!tx->remcsum || tx->kind != FOU_KIND_GUE || tx->gre_len || skb->gso_size)
		return 0;
	k = bpf_cast_to_kern_ctx(skb);
	if (BPF_CORE_READ_BITFIELD(k, ip_summed) != CHECKSUM_PARTIAL_NR)
		return 0;
	/* Plain loads of the trusted pointer, as ip_summed's, except head:
	 * read as a plain load too, it costs the verifier about 860 more
	 * processed instructions (6.18) for the same value, so it stays the
	 * one bpf_probe_read_kernel call of the four there were. */
	start = k->csum_start - (__u32)((long)k->data - (long)BPF_CORE_READ(k, head));
	off = k->csum_offset;
	if (start != ETH_HLEN + tx->in.l4_off || tx->in.l4_off + off + 2 > tx->in.len)
		return 0;
	if ((tx->in.proto == IPPROTO_TCP_NR && off == 16) ||
	    (tx->in.proto == IPPROTO_UDP_NR && off == 6))
		return off;
	return 0;
#else
	(void)skb;
	(void)tx;
	return 0;
#endif
}

/*
 * The skb leaves CHECKSUM_PARTIAL behind, or the device would fill the
 * inner checksum the receiver is to complete. No helper clears it, but the
 * kernel does when a removal takes the packet's start past csum_start
 * (skb_postpull_rcsum): so remove the inner IP header and 15 bytes after
 * the Ethernet header, beyond the transport's csum_start, and put them back
 * (the same move as fou_tc_sctp_decap_partial). A global function: the
 * copy stays out of the caller's frame.
 */
__noinline int fou_remcsum_unpartial(struct __sk_buff *skb, __u32 k, __u32 len)
{
	__u8 keep[REMCSUM_KEEP_MAX];
	/* padding only where the removal would leave less than an IPv6
	 * header: each tail change costs as much as the removal itself */
	bool pad = len < ETH_HLEN + k + IPV6_HLEN;

	if (k < 20 + 15 || k > sizeof(keep))
		return -1;
	k = verifier_len(k, sizeof(keep));
	if (bpf_skb_load_bytes(skb, ETH_HLEN, keep, k))
		return -1;
	if ((pad && bpf_skb_change_tail(skb, len + REMCSUM_UNPARTIAL_PAD, 0)) ||
	    bpf_skb_adjust_room(skb, -(__s32)k, BPF_ADJ_ROOM_MAC, 0) ||
	    bpf_skb_adjust_room(skb, k, BPF_ADJ_ROOM_MAC, 0) ||
	    bpf_skb_store_bytes(skb, ETH_HLEN, keep, k, 0))
		return -1;
	return pad && bpf_skb_change_tail(skb, len, 0) ? -1 : 0;
}

/* The UDP and GUE headers at @u grow by the option; the UDP checksum covers
 * them, @isum (the inner bytes as they go out) and the pseudo-header. */
static __always_inline void remcsum_tx_udp(struct fou_tx *tx, __u8 *u, __u32 udp_len,
					   __u32 isum, __u32 off)
{
	struct udphdr *uh = (void *)u;
	__u8 *g = u + UDP_HLEN;

	uh->len = bpf_htons(udp_len);
	uh->check = 0;
	g[0] = REMCSUM_OPT_LEN / 4; /* version 0, hlen in words */
	*(__be16 *)(g + 2) = GUE_FLAG_PRIV;
	*(__be32 *)(g + GUE_HLEN) = GUE_PFLAG_REMCSUM;
	*(__be16 *)(g + GUE_HLEN + GUE_PRIV_LEN) = bpf_htons(tx->in.l4_off);
	*(__be16 *)(g + GUE_HLEN + GUE_PRIV_LEN + 2) = bpf_htons(tx->in.l4_off + off);
	set_udp_csum(tx, udp_len, isum, u);
}

/* tx->hdr, built by build_outer() for plain GUE, with the option added. */
static __always_inline void remcsum_tx_headers(struct fou_tx *tx, __u32 isum, __u32 off)
{
	__u32 udp_len = UDP_HLEN + GUE_HLEN + REMCSUM_OPT_LEN + tx->in.len;

	if (tx->family == FOU_FAMILY_IPV4) {
		struct iphdr *iph = (void *)tx->hdr;
		__be16 old = iph->tot_len;

		iph->tot_len = bpf_htons(sizeof(*iph) + udp_len);
		iph->check = csum_replace16(iph->check, old, iph->tot_len);
		remcsum_tx_udp(tx, tx->hdr + sizeof(*iph), udp_len, isum, off);
	} else {
		((struct ipv6hdr *)tx->hdr)->payload_len = bpf_htons(udp_len);
		remcsum_tx_udp(tx, tx->hdr + IPV6_HLEN, udp_len, isum, off);
	}
	tx->hdrlen += REMCSUM_OPT_LEN;
}

/* Before the headers go in: the option where it applies. Returns
 * FOU_CONTINUE or a tx_drop_ reason. */
static __always_inline int remcsum_tx(struct __sk_buff *skb, struct fou_tx *tx)
{
	__u32 off = remcsum_tx_offset(skb, tx);
	__s64 isum;

	if (!off)
		return FOU_CONTINUE;
	/* The sender's cost: every inner byte is read once, here. */
	isum = fou_range_sum(skb, ETH_HLEN, tx->in.len, 0);
	if (isum < 0)
		return FOU_STAT_TX_DROP_MALFORMED;
	if (fou_remcsum_unpartial(skb, tx->in.l4_off + 15, skb->len))
		return FOU_STAT_TX_DROP_ADJUST;
	remcsum_tx_headers(tx, (__u32)isum, off);
	return FOU_CONTINUE;
}

#endif /* FOU_BPF_REMCSUM_TX_H */
