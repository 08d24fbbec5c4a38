/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Internet checksum helpers: folding, RFC 1624 updates, UDP verification. */
#ifndef FOU_BPF_CSUM_H
#define FOU_BPF_CSUM_H

#include "lib/parse.h"

/* The slow path copies through the stack in chunks so that one loop serves
 * paged and multi-buffer data alike; 256 bytes keep the stack frame small. */
#define CSUM_CHUNK      256
#define CSUM_MAX_CHUNKS 64 /* 16 KiB: jumbo frames; larger skbs arrive verified */
#define CSUM_BLOCK      32
#define CSUM_MAX_BLOCKS (CSUM_CHUNK * CSUM_MAX_CHUNKS / CSUM_BLOCK)

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

/* Add with end-around carry, as one's complement sums need. */
static __always_inline __u32 csum_add(__u32 sum, __u32 addend)
{
	sum += addend;
	return sum + (sum < addend);
}

static __always_inline __u32 csum_fold64(__u64 acc)
{
	acc = (acc & 0xffffffff) + (acc >> 32);
	acc = (acc & 0xffffffff) + (acc >> 32);
	return (__u32)acc;
}

/* Clamp @v with a mask the compiler cannot reason away, so the verifier
 * sees the bound at the point of use. */
static __always_inline __u32 verifier_mask(__u32 v, const __u32 mask)
{
	asm volatile("%0 &= %1" : "+r"(v) : "i"(mask));
	return v;
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

/*
 * The fast path: add the linear data in place as 32-bit words into a 64-bit
 * accumulator, which cannot overflow at these lengths, so there are no
 * carries to chase. bpf_csum_diff would copy every byte twice (into the
 * stack, then into its scratch buffer). Stops at the end of the linear data
 * or at the last whole block; returns the bytes summed.
 */
static __always_inline __u32 csum_linear(void *data, void *data_end, const struct fou_pkt *p,
					 __u32 *sum)
{
	__u8 *q = data + (p->l4_off & 0x7f);
	__u32 done = 0;
	__u64 acc = 0;

	for (int i = 0; i < CSUM_MAX_BLOCKS; i++) {
		if (done + CSUM_BLOCK > p->udp_len || (void *)(q + CSUM_BLOCK) > data_end)
			break;
		acc += (__u64)*(__u32 *)(q + 0) + *(__u32 *)(q + 4);
		acc += (__u64)*(__u32 *)(q + 8) + *(__u32 *)(q + 12);
		acc += (__u64)*(__u32 *)(q + 16) + *(__u32 *)(q + 20);
		acc += (__u64)*(__u32 *)(q + 24) + *(__u32 *)(q + 28);
		q += CSUM_BLOCK;
		done += CSUM_BLOCK;
	}
	*sum = csum_add(*sum, csum_fold64(acc));
	return done;
}

/*
 * The slow path for what the linear walk left: the tail, and data in pages
 * or further XDP buffers. A global function, defined once per hook by the
 * entry point, so that the verifier checks it once on its own rather than
 * once for every way the linear walk can end. Returns the new partial sum,
 * or -1 if the data cannot be read.
 */
#define FOU_DEFINE_CSUM_COPIED(name, ctx_type, hook)                               \
__attribute__((noinline)) __s64 name(ctx_type *ctx, __u32 off, __u32 len, __u32 s) \
{                                                                                  \
	__u8 buf[CSUM_CHUNK];                                                      \
	__u32 n;                                                                   \
                                                                                   \
	if (len > CSUM_CHUNK * CSUM_MAX_CHUNKS)                                    \
		return -1;                                                         \
	for (int i = 0; i < CSUM_MAX_CHUNKS && len >= CSUM_CHUNK; i++) {           \
		if (load_bytes(ctx, hook, off, buf, CSUM_CHUNK))                   \
			return -1;                                                 \
		s = bpf_csum_diff(0, 0, (void *)buf, CSUM_CHUNK, s);               \
		off += CSUM_CHUNK;                                                 \
		len -= CSUM_CHUNK;                                                 \
	}                                                                          \
	if (!len)                                                                  \
		return s;                                                          \
	/* 1..CSUM_CHUNK-1 bytes are left; zeros after them add nothing, so    \
	 * the sum may cover the whole buffer and keep a constant length. */   \
	n = verifier_mask(len - 1, CSUM_CHUNK - 1) + 1;                            \
	__builtin_memset(buf, 0, sizeof(buf));                                     \
	if (load_bytes(ctx, hook, off, buf, n))                                    \
		return -1;                                                         \
	return (__u32)bpf_csum_diff(0, 0, (void *)buf, CSUM_CHUNK, s);             \
}

__s64 fou_csum_copied_xdp(struct xdp_md *ctx, __u32 off, __u32 len, __u32 s);
__s64 fou_csum_copied_tc(struct __sk_buff *ctx, __u32 off, __u32 len, __u32 s);

/* True if the outer UDP checksum (non-zero) is correct. */
static __always_inline bool udp_csum_valid(void *ctx, int hook, void *data, void *data_end,
					   const struct fou_pkt *p)
{
	__u32 sum = pseudo_hdr_sum(p);
	__u32 done = csum_linear(data, data_end, p, &sum);
	__s64 r;

	if (done < p->udp_len) {
		r = hook == HOOK_XDP
			? fou_csum_copied_xdp(ctx, p->l4_off + done, p->udp_len - done, sum)
			: fou_csum_copied_tc(ctx, p->l4_off + done, p->udp_len - done, sum);
		if (r < 0)
			return false;
		sum = (__u32)r;
	}
	return csum_fold(sum) == 0;
}

#endif /* FOU_BPF_CSUM_H */
