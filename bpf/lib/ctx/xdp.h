/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The context layer of an XDP program (struct xdp_md); see lib/ctx/skb.h.
 * Every entry program includes exactly one of the two, first.
 */
#ifndef FOU_BPF_CTX_XDP_H
#define FOU_BPF_CTX_XDP_H
#ifdef FOU_BPF_CTX_SKB_H
#error "one context layer per entry program"
#endif
#define FOU_BPF_CTX_H

/* A define, not a typedef: the verifier knows a global function's context
 * argument by the BTF name of the struct it points to. */
#define __ctx_buff xdp_md
/* Which hook this object runs at: the fou_devices numbering (fou_maps.h). */
#define CTX_HOOK FOU_HOOK_XDP

#include "lib/common.h"
#include "fou_monitor.h"

static __always_inline void *ctx_data(struct __ctx_buff *ctx)
{
	return (void *)(long)ctx->data;
}

static __always_inline void *ctx_data_end(struct __ctx_buff *ctx)
{
	return (void *)(long)ctx->data_end;
}

/* Reads across the fragments of a multi-buffer frame. */
static __always_inline long ctx_load_bytes(struct __ctx_buff *ctx, __u32 off, void *to, __u32 len)
{
	return bpf_xdp_load_bytes(ctx, off, to, len);
}

static __always_inline long ctx_store_bytes(struct __ctx_buff *ctx, __u32 off, void *from,
					    __u32 len)
{
	return bpf_xdp_store_bytes(ctx, off, from, len);
}

static __always_inline __u32 ctx_len(struct __ctx_buff *ctx)
{
	return bpf_xdp_get_buff_len(ctx);
}

/* The frame's length, fragments included, on the receive path's every
 * packet. A frame without fragments has all of it between data and
 * data_end, which the xdp_buff's flags tell without bpf_xdp_get_buff_len (a
 * helper call, a return thunk on some CPUs); frames with fragments, and the
 * nocast build, still ask the helper. */
static __always_inline __u32 xdp_frame_len(struct xdp_md *ctx)
{
#if FOU_KERN_CTX
	struct xdp_buff *xb = bpf_cast_to_kern_ctx(ctx);

	/* The flag's value relocated from the kernel's BTF (enum xdp_buff_flags,
	 * 5.18+): a constant at load time, right even where a kernel numbers it
	 * otherwise. */
	if (!(xb->flags & bpf_core_enum_value(enum xdp_buff_flags, XDP_FLAGS_HAS_FRAGS)))
		return (long)ctx->data_end - (long)ctx->data;
#endif
	return bpf_xdp_get_buff_len(ctx);
}

static __always_inline __u32 ctx_ifindex(struct __ctx_buff *ctx)
{
	return ctx->ingress_ifindex;
}

/* A frame has no skb yet: nobody has vouched for any checksum. */
static __always_inline __u8 ctx_ip_summed(struct __ctx_buff *ctx)
{
	return CHECKSUM_NONE_NR;
}

/* VLAN tags are still in the frame. */
#define CTX_VLAN_IN_DATA 1

static __always_inline __u32 ctx_monitor_hook(bool egress)
{
	return FOU_MON_HOOK_XDP;
}

#endif /* FOU_BPF_CTX_XDP_H */
