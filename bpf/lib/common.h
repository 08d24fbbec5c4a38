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

#define TC_ACT_OK   0
#define TC_ACT_SHOT 2

/* skb->ip_summed, which __sk_buff does not show (ctx_ip_summed()). */
#define CHECKSUM_NONE_NR        0
#define CHECKSUM_UNNECESSARY_NR 1
#define CHECKSUM_COMPLETE_NR    2
#define CHECKSUM_PARTIAL_NR     3

/* A length of 1..@max the verifier can see at the point of use (a helper's
 * size argument); the caller has already checked it. */
static __always_inline __u32 verifier_len(__u32 n, const __u32 max)
{
	n -= 1;
	asm volatile("if %0 <= %1 goto +1; %0 = %1" : "+r"(n) : "i"(max - 1));
	return n + 1;
}

/*
 * Build switch (the house style: features as build switches). The default
 * objects read sk_buff and xdp_buff fields through bpf_cast_to_kern_ctx
 * (kfunc, 6.2+), with plain CO-RE loads of the trusted pointer, no probe
 * reads. Objects built with FOU_KERN_CTX 0 (the *_nocast variants the loader
 * picks on older kernels) call no kfunc and learn what they need from helpers
 * instead; each fallback says what it costs or gives up.
 */
#ifndef FOU_KERN_CTX
#define FOU_KERN_CTX 1
#endif

#if FOU_KERN_CTX
/* kfunc (6.2+): the kernel object behind a program's context. */
extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;
#endif

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#endif /* FOU_BPF_COMMON_H */
