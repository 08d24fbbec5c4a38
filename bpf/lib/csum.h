/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Internet checksum helpers: folding, RFC 1624 updates, UDP verification. */
#ifndef FOU_BPF_CSUM_H
#define FOU_BPF_CSUM_H

#include "lib/parse.h"

/* The slow path copies through the stack in chunks so that one loop serves
 * paged and multi-buffer data alike; 128 bytes keep the stack frame small.
 * It covers the largest UDP datagram (65535 bytes): a checksum is either
 * verified over the whole datagram or the packet is not accepted. */
#define CSUM_CHUNK      128
#define CSUM_MAX_CHUNKS 512 /* 64 KiB */
/* The fast path sums linear data in place up to this many bytes from the
 * frame's start; beyond, the slow path reads on. */
#define CSUM_LINEAR_MAX 16384
#define CSUM_BLOCK      64
#define CSUM_MAX_BLOCKS (CSUM_LINEAR_MAX / CSUM_BLOCK)
/* Where the fast path may start: an outer UDP header sits at most 78 bytes in. */
#define CSUM_BASE_MAX   0x7f

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

/* Sums below are of network-order data read in host order; the result is
 * checked with csum_fold() == 0, which holds in either byte order. */
static __always_inline __u32 ip_pseudo_sum(const struct fou_addr *saddr,
					   const struct fou_addr *daddr, __u8 family,
					   __u8 proto, __u32 len)
{
	__u64 acc = bpf_htons(proto) + bpf_htons(len);

	if (family == FOU_FAMILY_IPV4)
		return csum_fold64(acc + saddr->ip4 + daddr->ip4);
	acc += bpf_htons(len >> 16);
	for (int i = 0; i < 4; i++)
		acc += (__u64)saddr->ip6[i] + daddr->ip6[i];
	return csum_fold64(acc);
}

static __always_inline __u32 pseudo_hdr_sum(const struct fou_pkt *p)
{
	return ip_pseudo_sum(&p->saddr, &p->daddr, p->family, IPPROTO_UDP_NR, p->udp_len);
}

/*
 * The outer IPv4 header checksum, options included: ip_rcv() checks it before
 * the kernel's fou sees a packet, and with IPv4's usual zero UDP checksum
 * nothing else covers the header. parse_udp() has seen the UDP header after
 * the options in the linear data, so the whole header is there; five words
 * are summed straight, options (rare) one word at a time.
 */
static __always_inline bool ip4_hdr_csum_ok(void *data, void *data_end, const struct fou_pkt *p)
{
	__u32 words = (p->l4_off - p->l3_off) / 4, *w;
	__u64 acc;

	if (p->l3_off > 0x1f) /* Ethernet and one VLAN tag: 14 or 18 */
		return false;
	w = data + verifier_mask(p->l3_off, 0x1f);
	if ((void *)(w + 5) > data_end)
		return false;
	acc = (__u64)w[0] + w[1] + w[2] + w[3] + w[4];
	for (int i = 5; i < 15 && i < words; i++) {
		__u32 *q = w + i;

		/* Keep the compiler from moving the offset onto data_end. */
		asm volatile("" : "+r"(q));
		if ((void *)(q + 1) > data_end)
			return false;
		acc += *q;
	}
	return csum_fold(csum_fold64(acc)) == 0;
}

/* A lone last byte is the high-order half of its 16-bit word. */
static __always_inline __u32 odd_byte(__u8 b)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return b;
#else
	return (__u32)b << 8;
#endif
}

/* Offsets below this bound make packet pointers the verifier can follow;
 * each is checked against it before the mask, which then changes nothing. */
#define CSUM_OFF_MASK (CSUM_LINEAR_MAX - 1)

/*
 * One power-of-two piece of the tail, @n bytes (a constant, so that each
 * call unrolls to straight loads), present if @rem has that bit: at most six
 * bounds checks for any tail, none of them in a loop the verifier walks.
 * Returns false if the piece is not linear.
 */
static __always_inline bool csum_tail_piece(__u8 **t, void *data_end, __u32 rem,
					    const __u32 n, __u64 *a)
{
	if (!(rem & n))
		return true;
	if ((void *)(*t + n) > data_end)
		return false;
	if (n == 1) {
		*a += odd_byte(**t);
	} else if (n == 2) {
		*a += *(__u16 *)*t;
	} else {
#pragma unroll
		for (__u32 i = 0; i < n; i += 4)
			*a += *(__u32 *)(*t + i);
	}
	*t += n;
	return true;
}

/*
 * The last len % CSUM_BLOCK bytes, summed from their own offset, so that this code
 * does not depend on how the block loop ended (which would multiply the
 * states the verifier explores). Returns false if they are not linear, or
 * start beyond what the fast path addresses: the slow path reads them.
 */
static __always_inline bool csum_tail(void *data, void *data_end, __u32 off, __u32 rem,
				      __u64 *acc)
{
	__u64 a = 0; /* added to *acc only if the whole tail is linear */
	__u8 *t;

	if (off > CSUM_OFF_MASK)
		return false;
	t = data + verifier_mask(off, CSUM_OFF_MASK);
	if (!csum_tail_piece(&t, data_end, rem, 32, &a) ||
	    !csum_tail_piece(&t, data_end, rem, 16, &a) ||
	    !csum_tail_piece(&t, data_end, rem, 8, &a) ||
	    !csum_tail_piece(&t, data_end, rem, 4, &a) ||
	    !csum_tail_piece(&t, data_end, rem, 2, &a) ||
	    !csum_tail_piece(&t, data_end, rem, 1, &a))
		return false;
	*acc += a;
	return true;
}

/* One CSUM_BLOCK of 32-bit words, added in two independent chains so that
 * the additions need not wait on each other. */
static __always_inline __u64 csum_block(const __u8 *q)
{
	const __u32 *w = (const __u32 *)q;
	__u64 a = (__u64)w[0] + w[1], b = (__u64)w[2] + w[3];

	a += (__u64)w[4] + w[5];
	b += (__u64)w[6] + w[7];
	a += (__u64)w[8] + w[9];
	b += (__u64)w[10] + w[11];
	a += (__u64)w[12] + w[13];
	b += (__u64)w[14] + w[15];
	return a + b;
}

/*
 * The fast path: add the linear data in place as 32-bit words into a 64-bit
 * accumulator, which cannot overflow at these lengths, so there are no
 * carries to chase; bpf_csum_diff would copy every byte twice (into the stack,
 * then into its scratch buffer). Returns the bytes of whole CSUM_BLOCK blocks
 * summed from the start; *tail_ok says whether the tail after the last whole
 * block was summed too (it was, if it is linear). The block loop keeps four
 * registers live (pointer, data_end, blocks left, sum) and tests one counter
 * and one bound an iteration: with more, the compiler spills to the stack in
 * the loop, and the verifier walks every iteration's instructions.
 */
static __always_inline __u32 csum_linear(void *data, void *data_end, __u32 off, __u32 len,
					 __u32 *sum, bool *tail_ok)
{
	__u64 blocks = len / CSUM_BLOCK, i;
	__u64 acc = 0;
	__u8 *q;

	if (off > CSUM_BASE_MAX) {
		*tail_ok = false; /* all of it to the slow path */
		return 0;
	}
	q = data + verifier_mask(off, CSUM_BASE_MAX); /* checked just above: changes nothing */
	*tail_ok = csum_tail(data, data_end, off + (len & ~(CSUM_BLOCK - 1)),
			     len & (CSUM_BLOCK - 1), &acc);
	for (i = 0; i < CSUM_MAX_BLOCKS && i < blocks; i++) {
		__u8 *next = q + CSUM_BLOCK;

		/* The pointer the bound is checked on is the one read. */
		asm volatile("" : "+r"(next));
		if ((void *)next > data_end)
			break;
		acc += csum_block(next - CSUM_BLOCK);
		q = next;
	}
	*sum = csum_add(*sum, csum_fold64(acc));
	return i * CSUM_BLOCK;
}

/*
 * The slow paths' copy buffer (checksums and CRC32c of data that is not
 * linear): a per-CPU map, not the stack, so that their frames stay small
 * under the deepest call chains (6.1's verifier rounds each frame up to 32
 * bytes against the 512-byte limit). Each user fills and reads it within
 * one call, calling no other user; one per program object, not pinned.
 */
struct fou_copy_buf {
	__u8 b[CSUM_CHUNK];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fou_copy_buf);
} fou_copy_scratch SEC(".maps");

static __always_inline __u8 *copy_buf(void)
{
	__u32 zero = 0;
	struct fou_copy_buf *b = bpf_map_lookup_elem(&fou_copy_scratch, &zero);

	return b ? b->b : NULL;
}

/*
 * The slow path for what the linear walk left: the tail, and data in pages
 * or further XDP buffers. A global function, so that the verifier checks it
 * once on its own rather than once for every way the linear walk can end.
 * Returns the new partial sum, or -1 if the data cannot be read.
 */
__noinline __s64 fou_csum_copied(struct __ctx_buff *ctx, __u32 off, __u32 len, __u32 s)
{
	__u8 *buf = copy_buf();
	__u32 n;

	if (!buf || len > CSUM_CHUNK * CSUM_MAX_CHUNKS)
		return -1;
	for (int i = 0; i < CSUM_MAX_CHUNKS && len >= CSUM_CHUNK; i++) {
		if (ctx_load_bytes(ctx, off, buf, CSUM_CHUNK))
			return -1;
		s = bpf_csum_diff(0, 0, (void *)buf, CSUM_CHUNK, s);
		off += CSUM_CHUNK;
		len -= CSUM_CHUNK;
	}
	if (!len)
		return s;
	/* 1..CSUM_CHUNK-1 bytes are left (the loop ran while len >= CHUNK,
	 * and len fits in its chunks); zeros after them add nothing, so the
	 * sum may cover the whole buffer and keep a constant length. */
	if (len >= CSUM_CHUNK)
		return -1;
	n = verifier_len(len, CSUM_CHUNK - 1);
	__builtin_memset(buf, 0, CSUM_CHUNK);
	if (ctx_load_bytes(ctx, off, buf, n))
		return -1;
	return (__u32)bpf_csum_diff(0, 0, (void *)buf, CSUM_CHUNK, s);
}

/*
 * The sum of @len bytes at @off onto @seed (a UDP datagram, an inner packet): in place over
 * the linear data, the rest through the slow path. A global function, so
 * the verifier walks its loops once, not once per path that reaches it.
 * Returns the new partial sum, or -1.
 */
__noinline __s64 fou_range_sum(struct __ctx_buff *ctx, __u32 off, __u32 len, __u32 seed)
{
	void *data = ctx_data(ctx), *data_end = ctx_data_end(ctx);
	__u32 sum = seed, left, done;
	bool tail_ok;

	done = csum_linear(data, data_end, off, len, &sum, &tail_ok);
	/* What the linear walk could not reach: the rest of the blocks and,
	 * unless it was summed, the tail. */
	left = (tail_ok ? len & ~(CSUM_BLOCK - 1) : len) - done;
	if (!left)
		return sum;
	return fou_csum_copied(ctx, off + done, left, sum);
}

/* True if the outer UDP checksum (non-zero) is correct. */
static __always_inline bool udp_csum_valid(struct __ctx_buff *ctx, const struct fou_pkt *p)
{
	__s64 r = fou_range_sum(ctx, p->l4_off, p->udp_len, pseudo_hdr_sum(p));

	return r >= 0 && csum_fold((__u32)r) == 0;
}

#endif /* FOU_BPF_CSUM_H */
