/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Internet checksum helpers: folding, RFC 1624 updates, UDP verification. */
#ifndef FOU_BPF_CSUM_H
#define FOU_BPF_CSUM_H

#include "lib/parse.h"

/* Chunks go through the stack so one loop serves linear, paged and
 * multi-buffer packets alike; 256 bytes keep the stack frame small. */
#define CSUM_CHUNK      256
#define CSUM_MAX_CHUNKS 64 /* 16 KiB: jumbo frames; larger skbs arrive verified */

static __always_inline __u16 csum_fold(__u32 csum)
{
	csum = (csum & 0xffff) + (csum >> 16);
	csum = (csum & 0xffff) + (csum >> 16);
	return (__u16)~csum;
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m') for one 16-bit word. */
static __always_inline __sum16 csum_replace16(__sum16 check, __be16 old, __be16 new)
{
	__u32 sum = (__u16)~check + (__u16)~old + (__u16)new;

	return (__sum16)csum_fold(sum);
}

static __always_inline long load_bytes(void *ctx, int hook, __u32 off, void *to, __u32 len)
{
	if (hook == HOOK_XDP)
		return bpf_xdp_load_bytes(ctx, off, to, len);
	return bpf_skb_load_bytes(ctx, off, to, len);
}

static __always_inline __u32 pseudo_hdr_sum(const struct fou_pkt *p)
{
	if (p->family == FOU_FAMILY_IPV4) {
		struct {
			__be32 saddr, daddr;
			__u8 zero, proto;
			__be16 len;
		} ph = {
			.saddr = p->saddr.ip4, .daddr = p->daddr.ip4,
			.proto = IPPROTO_UDP_NR, .len = bpf_htons(p->udp_len),
		};
		return bpf_csum_diff(0, 0, (void *)&ph, sizeof(ph), 0);
	}
	struct {
		struct fou_addr saddr, daddr;
		__be32 len;
		__u8 zero[3], nexthdr;
	} ph6 = {
		.saddr = p->saddr, .daddr = p->daddr,
		.len = bpf_htonl(p->udp_len), .nexthdr = IPPROTO_UDP_NR,
	};
	return bpf_csum_diff(0, 0, (void *)&ph6, sizeof(ph6), 0);
}

/* Clamp @v with a mask the compiler cannot reason away, so the verifier
 * sees the bound at the point of use. */
static __always_inline __u32 verifier_mask(__u32 v, const __u32 mask)
{
	asm volatile("%0 &= %1" : "+r"(v) : "i"(mask));
	return v;
}

/* Sum the UDP header and payload onto @sum. Returns false if the datagram
 * is longer than we are willing to walk, or cannot be read. */
static __always_inline bool udp_body_sum(void *ctx, int hook, const struct fou_pkt *p,
					 __u32 *sum)
{
	__u8 buf[CSUM_CHUNK];
	__u32 len = p->udp_len;
	__u32 off = p->l4_off;
	__u32 s = *sum, n;

	if (len > CSUM_CHUNK * CSUM_MAX_CHUNKS)
		return false;
	for (int i = 0; i < CSUM_MAX_CHUNKS && len >= CSUM_CHUNK; i++) {
		if (load_bytes(ctx, hook, off, buf, CSUM_CHUNK))
			return false;
		s = bpf_csum_diff(0, 0, (void *)buf, CSUM_CHUNK, s);
		off += CSUM_CHUNK;
		len -= CSUM_CHUNK;
	}
	if (len) {
		/* len is now below CSUM_CHUNK; the verifier needs to see 1..256. */
		n = verifier_mask(len - 1, CSUM_CHUNK - 1) + 1;
		/* Zeros after the tail add nothing to the sum: summing the whole
		 * buffer keeps the length constant for the verifier. */
		__builtin_memset(buf, 0, sizeof(buf));
		if (load_bytes(ctx, hook, off, buf, n))
			return false;
		s = bpf_csum_diff(0, 0, (void *)buf, CSUM_CHUNK, s);
	}
	*sum = s;
	return true;
}

/* True if the outer UDP checksum (non-zero) is correct. */
static __always_inline bool udp_csum_valid(void *ctx, int hook, const struct fou_pkt *p)
{
	__u32 sum = pseudo_hdr_sum(p);

	if (!udp_body_sum(ctx, hook, p, &sum))
		return false;
	return csum_fold(sum) == 0;
}

#endif /* FOU_BPF_CSUM_H */
