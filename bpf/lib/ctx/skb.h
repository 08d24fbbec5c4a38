/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The context layer of a TC program (struct __sk_buff). Every entry program
 * includes exactly one of lib/ctx/skb.h and lib/ctx/xdp.h, first. The code
 * in lib/ is written once against struct __ctx_buff and the ctx_* accessors
 * below and compiled once per entry object, for that object's one hook: no
 * hook argument, no branch on it, and the line info of a global function
 * points at its own body.
 *
 * Global functions (fou_*) are plain __noinline, never __hidden: libbpf
 * turns a hidden function's BTF linkage static, and the verifier then walks
 * it again at every call instead of once (the programs no longer load).
 */
#ifndef FOU_BPF_CTX_SKB_H
#define FOU_BPF_CTX_SKB_H
#ifdef FOU_BPF_CTX_XDP_H
#error "one context layer per entry program"
#endif
#define FOU_BPF_CTX_H

/* A define, not a typedef: the verifier knows a global function's context
 * argument by the BTF name of the struct it points to. */
#define __ctx_buff __sk_buff
/* Which hook this object runs at: the fou_devices numbering (fou_maps.h). */
#define CTX_HOOK FOU_HOOK_TC

#include "lib/common.h"
#include "fou_monitor.h"
#include "lib/skb.h"

static __always_inline void *ctx_data(struct __ctx_buff *ctx)
{
	return skb_data(ctx);
}

static __always_inline void *ctx_data_end(struct __ctx_buff *ctx)
{
	return skb_data_end(ctx);
}

/* Reads paged data as well as the linear part. */
static __always_inline long ctx_load_bytes(struct __ctx_buff *ctx, __u32 off, void *to, __u32 len)
{
	return bpf_skb_load_bytes(ctx, off, to, len);
}

/* BPF_F_RECOMPUTE_CSUM keeps a CHECKSUM_COMPLETE skb's csum right. */
static __always_inline long ctx_store_bytes(struct __ctx_buff *ctx, __u32 off, void *from,
					    __u32 len)
{
	return bpf_skb_store_bytes(ctx, off, from, len, BPF_F_RECOMPUTE_CSUM);
}

static __always_inline __u32 ctx_len(struct __ctx_buff *ctx)
{
	return ctx->len;
}

static __always_inline __u32 ctx_ifindex(struct __ctx_buff *ctx)
{
	return ctx->ifindex;
}

/* The skb's ip_summed: what the device or the stack vouches for. */
static __always_inline __u8 ctx_ip_summed(struct __ctx_buff *ctx)
{
	return skb_ip_summed(ctx);
}

/* VLAN tags: TC sees them already stripped into the skb. */
#define CTX_VLAN_IN_DATA 0

/* Where a monitor event says the outcome was counted. */
static __always_inline __u32 ctx_monitor_hook(bool egress)
{
	return egress ? FOU_MON_HOOK_TC_EGRESS : FOU_MON_HOOK_TC_INGRESS;
}

#endif /* FOU_BPF_CTX_SKB_H */
