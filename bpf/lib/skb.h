/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Helpers for the TC entry points. */
#ifndef FOU_BPF_SKB_H
#define FOU_BPF_SKB_H

#include "lib/common.h"

/* Read skb->data / data_end with one plain load each: left to itself the
 * compiler may form &skb->data_end once and dereference it later, which the
 * verifier refuses as a modified context pointer. */
static __always_inline void *skb_data(struct __sk_buff *skb)
{
	void *p;

	asm volatile("%0 = *(u32 *)(%1 + %2)" : "=r"(p) : "r"(skb), "i"(offsetof(struct __sk_buff, data)));
	return p;
}

static __always_inline void *skb_data_end(struct __sk_buff *skb)
{
	void *p;

	asm volatile("%0 = *(u32 *)(%1 + %2)" : "=r"(p) : "r"(skb), "i"(offsetof(struct __sk_buff, data_end)));
	return p;
}

static __always_inline void *skb_data_meta(struct __sk_buff *skb)
{
	void *p;

	asm volatile("%0 = *(u32 *)(%1 + %2)" : "=r"(p) : "r"(skb), "i"(offsetof(struct __sk_buff, data_meta)));
	return p;
}

/* gso_size of a GSO skb segmented along its frag_list (the kernel's SCTP:
 * one packet's headers in the head, each packet an skb of the list). */
#define GSO_BY_FRAGS 0xFFFF

/* Make the first @want bytes linear, unless they already are. Pulling may
 * copy (and unclone) the skb, so only packets that need it pay. Never a
 * GSO_BY_FRAGS skb: the pull would move the first packet's chunks from the
 * list into the head, and skb_segment() then hits a BUG_ON (a kernel panic,
 * seen on 6.12.118 with the kernel's SCTP under TC egress). Its head holds
 * the IP and SCTP common headers, all a program here needs to see. */
static __always_inline void pull_headers(struct __sk_buff *skb, __u32 want)
{
	void *data = skb_data(skb);
	void *data_end = skb_data_end(skb);

	if (skb->gso_size == GSO_BY_FRAGS)
		return;
	if (want > skb->len)
		want = skb->len;
	if (data + want > data_end)
		bpf_skb_pull_data(skb, want);
}

/* FOU_KERN_CTX: see lib/common.h. */
#if FOU_KERN_CTX
static __always_inline __u8 skb_ip_summed(void *ctx)
{
	struct sk_buff *kskb = bpf_cast_to_kern_ctx(ctx);

	return BPF_CORE_READ_BITFIELD(kskb, ip_summed);
}
#else
/*
 * Without the kernel's skb, helpers tell all four apart and leave the skb
 * as it was: bpf_csum_level gives a level only for UNNECESSARY, and raises
 * only NONE (to UNNECESSARY level 0, which lowering undoes exactly);
 * bpf_csum_update adds 0 to skb->csum and answers only for COMPLETE.
 */
static __always_inline __u8 skb_ip_summed(void *ctx)
{
	if (bpf_csum_level(ctx, BPF_CSUM_LEVEL_QUERY) >= 0)
		return CHECKSUM_UNNECESSARY_NR;
	if (bpf_csum_update(ctx, 0) >= 0)
		return CHECKSUM_COMPLETE_NR;
	bpf_csum_level(ctx, BPF_CSUM_LEVEL_INC);
	if (bpf_csum_level(ctx, BPF_CSUM_LEVEL_QUERY) < 0)
		return CHECKSUM_PARTIAL_NR;
	bpf_csum_level(ctx, BPF_CSUM_LEVEL_DEC);
	return CHECKSUM_NONE_NR;
}
#endif

/*
 * Whether the packet, @len_diff bytes longer, would exceed its device's MTU:
 * what bpf_check_mtu(skb, 0, &mtu, len_diff, 0) answers, read directly from
 * the kernel's skb without the helper call (10-20 ns here), with the
 * helper's arithmetic: skb->len + len_diff against the MTU plus the link
 * header, in int; a GSO packet passes whole (no BPF_MTU_CHK_SEGS: its
 * segments are cut to size after us); no device fails (the helper's
 * -ENODEV). The nocast build calls the helper.
 */
static __always_inline bool dev_mtu_exceeded(struct __sk_buff *skb, __s32 len_diff)
{
#if FOU_KERN_CTX
	struct sk_buff *kskb = bpf_cast_to_kern_ctx(skb);
	struct net_device *dev = kskb->dev;

	if (!dev)
		return true;
	if ((__s32)skb->len + len_diff <= (__s32)(dev->mtu + dev->hard_header_len))
		return false;
	return !skb->gso_size;
#else
	__u32 mtu_len = 0;

	return bpf_check_mtu(skb, 0, &mtu_len, len_diff, 0) != 0;
#endif
}

/*
 * Tell the stack one more checksum is verified (bpf_csum_level INC, which
 * turns CHECKSUM_NONE into CHECKSUM_UNNECESSARY level 0, or adds a level to
 * CHECKSUM_UNNECESSARY; the stack takes one level per checksum, outermost
 * first). @from_none: the checksum is the outermost the stack will look at,
 * so only an skb nobody vouched for is raised; else it lies inside one the
 * device must already have vouched for. Returns true if the level went up.
 */
static __always_inline bool skb_csum_raise(struct __sk_buff *skb, bool from_none)
{
	long before = bpf_csum_level(skb, BPF_CSUM_LEVEL_QUERY);

	if (from_none ? before >= 0 : before < 0)
		return false;
	if (bpf_csum_level(skb, BPF_CSUM_LEVEL_INC))
		return false;
	return bpf_csum_level(skb, BPF_CSUM_LEVEL_QUERY) > before;
}

#endif /* FOU_BPF_SKB_H */
