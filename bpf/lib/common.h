/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Base includes and wire constants for every fouloader BPF program. */
#ifndef FOU_BPF_COMMON_H
#define FOU_BPF_COMMON_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_core_read.h>

#include "fou_maps.h"
#include "fou_stats.h"

/* vmlinux.h carries types, not #defines: the wire constants we need. */
#define ETH_P_IP    0x0800
#define ETH_P_IPV6  0x86DD
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8
#define ETH_HLEN    14
#define VLAN_HLEN   4

#define AF_INET_NR  2
#define AF_INET6_NR 10

#define IPPROTO_ICMP_NR 1
#define IPPROTO_IPIP_NR 4
#define IPPROTO_IPV6_NR 41
#define IPPROTO_UDP_NR  17
#define IPPROTO_ICMPV6_NR 58
#define IPPROTO_SCTP_NR 132

#define IP_MF     0x2000
#define IP_OFFSET 0x1FFF

#define UDP_HLEN 8
#define GUE_HLEN 4 /* the GUE version 0 header without optional fields */
#define IPV6_HLEN 40

#define ECN_MASK    0x3
#define ECN_NOT_ECT 0x0
#define ECN_ECT_1   0x1
#define ECN_ECT_0   0x2
#define ECN_CE      0x3

#ifndef XDP_PASS
#define XDP_ABORTED 0
#define XDP_DROP    1
#define XDP_PASS    2
#endif
#define TC_ACT_OK   0
#define TC_ACT_SHOT 2

/* Which entry point inlined a shared helper: lets one body serve both hooks
 * while the dead branch (and its hook-specific helper call) compiles away. */
#define HOOK_XDP 0
#define HOOK_TC  1

/* The packet's linear data, from either hook's context: read again after a
 * call rather than kept, so that no pointer has to be saved across it. */
static __always_inline void *pkt_data(void *ctx, int hook)
{
	return hook == HOOK_XDP ? (void *)(long)((struct xdp_md *)ctx)->data
				: (void *)(long)((struct __sk_buff *)ctx)->data;
}

static __always_inline void *pkt_data_end(void *ctx, int hook)
{
	return hook == HOOK_XDP ? (void *)(long)((struct xdp_md *)ctx)->data_end
				: (void *)(long)((struct __sk_buff *)ctx)->data_end;
}

/* A length of 1..@max the verifier can see at the point of use (a helper's
 * size argument); the caller has already checked it. */
static __always_inline __u32 verifier_len(__u32 n, const __u32 max)
{
	n -= 1;
	asm volatile("if %0 <= %1 goto +1; %0 = %1" : "+r"(n) : "i"(max - 1));
	return n + 1;
}

static __always_inline long load_bytes(void *ctx, int hook, __u32 off, void *to, __u32 len)
{
	if (hook == HOOK_XDP)
		return bpf_xdp_load_bytes(ctx, off, to, len);
	return bpf_skb_load_bytes(ctx, off, to, len);
}

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#endif /* FOU_BPF_COMMON_H */
