/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * GRE (RFC 2784, with the key and sequence number of RFC 2890) inside FOU
 * (ipproto 47) or GUE (proto 47), both directions. Receive follows the
 * kernel's gre_parse_header() (net/ipv4/gre_demux.c): version 0 only, no
 * routing bit, the other reserved bits ignored; the checksum, when present,
 * covers the GRE header and everything after it. Transmit builds what the
 * kernel's gre_build_header() (include/net/gre.h) builds: flags, protocol,
 * then checksum, key and sequence number, each present by its flag.
 */
#ifndef FOU_BPF_GRE_H
#define FOU_BPF_GRE_H

#include "lib/csum.h"
#include "lib/maps.h"

#define IPPROTO_GRE_NR  47
#define ETH_P_TEB       0x6558 /* transparent Ethernet bridging */

#define GRE_F_CSUM      bpf_htons(0x8000)
#define GRE_F_ROUTING   bpf_htons(0x4000)
#define GRE_F_KEY       bpf_htons(0x2000)
#define GRE_F_SEQ       bpf_htons(0x1000)
#define GRE_VERSION     bpf_htons(0x0007)
#define GRE_HLEN        4
#define GRE_MAX_HLEN    16 /* with checksum, key and sequence number */

/* The header length its flags say: 4 bytes, and 4 per optional field. */
static __always_inline __u32 gre_hlen(__be16 flags)
{
	return GRE_HLEN + (flags & GRE_F_CSUM ? 4 : 0) + (flags & GRE_F_KEY ? 4 : 0) +
	       (flags & GRE_F_SEQ ? 4 : 0);
}

/* True if the checksum over [@off, @end) sums to zero, as a correct one
 * does. A GSO skb holds several packets, each with its own checksum: it
 * cannot be checked, so it is not. */
static __always_inline bool gre_csum_ok(struct __ctx_buff *ctx, __u32 off, __u32 len, bool gso)
{
	__s64 r;

	if (gso)
		return false;
	r = fou_range_sum(ctx, off, len, 0);
	return r >= 0 && csum_fold((__u32)r) == 0;
}

static __always_inline int gre_check_key(__u8 *g, void *data_end, __be16 flags,
					 const struct fou_port *port)
{
	__u32 key_off = GRE_HLEN + (flags & GRE_F_CSUM ? 4 : 0);
	__u8 *k = g + (key_off & 0xf);

	if (!(port->flags & FOU_PORT_F_GRE_KEY))
		return FOU_CONTINUE; /* no key configured: any key, or none */
	if (!(flags & GRE_F_KEY))
		return FOU_STAT_DROP_GRE_KEY;
	if (k + 4 > (__u8 *)data_end)
		return FOU_NEED_PULL;
	return bpf_ntohl(*(__be32 *)k) == port->gre_key ? FOU_CONTINUE : FOU_STAT_DROP_GRE_KEY;
}

/*
 * The GRE header at @off (from the frame's start), @len bytes to the end of
 * the outer IP packet. Sets *hdr_len and *ipproto (IPPROTO_IPIP_NR or
 * IPPROTO_IPV6_NR: what the inner header check expects); returns
 * FOU_CONTINUE, FOU_NEED_PULL or a drop reason. A sequence number is read
 * past, not checked: the port keeps no receive order.
 */
static __always_inline int gre_parse(struct __ctx_buff *ctx, void *data, void *data_end,
				     __u32 off, __u32 len, bool gso,
				     const struct fou_port *port, __u32 *hdr_len, __u8 *ipproto)
{
	__u8 *g = data + (off & 0xff);
	__be16 flags, proto;
	int ret;

	/* The caller bounds @off by 0xff (HDR_OFF_MASK) first. */
	if (len < GRE_HLEN)
		return FOU_STAT_DROP_GRE_TRUNC;
	if (g + GRE_HLEN > (__u8 *)data_end)
		return FOU_NEED_PULL;
	flags = *(__be16 *)g;
	proto = *(__be16 *)(g + 2);
	if (flags & GRE_VERSION)
		return FOU_STAT_DROP_GRE_VERSION;
	if (flags & GRE_F_ROUTING)
		return FOU_STAT_DROP_GRE_ROUTING;
	*hdr_len = gre_hlen(flags);
	if (len < *hdr_len)
		return FOU_STAT_DROP_GRE_TRUNC;
	if ((flags & GRE_F_CSUM) && !gre_csum_ok(ctx, off, len, gso))
		return FOU_STAT_DROP_GRE_CSUM;
	ret = gre_check_key(g, data_end, flags, port);
	if (ret != FOU_CONTINUE)
		return ret;
	if (proto == bpf_htons(ETH_P_IP))
		*ipproto = IPPROTO_IPIP_NR;
	else if (proto == bpf_htons(ETH_P_IPV6))
		*ipproto = IPPROTO_IPV6_NR;
	else
		return proto == bpf_htons(ETH_P_TEB) ? FOU_STAT_DROP_GRE_TEB : FOU_STAT_DROP_GRE_PROTO;
	return FOU_CONTINUE;
}

/* ---- transmit ---------------------------------------------------------- */

/* The GRE flags a tunnel sends. */
static __always_inline __be16 gre_tx_flags(const struct fou_tunnel *t)
{
	__be16 flags = 0;

	if (t->flags & FOU_TUN_F_GRE_CSUM)
		flags |= GRE_F_CSUM;
	if (t->flags & FOU_TUN_F_GRE_KEY)
		flags |= GRE_F_KEY;
	if (t->flags & FOU_TUN_F_GRE_SEQ)
		flags |= GRE_F_SEQ;
	return flags;
}

/* The GRE header a tunnel adds: 0 without GRE. */
static __always_inline __u32 gre_tx_hlen(const struct fou_tunnel *t)
{
	return t->ipproto == IPPROTO_GRE_NR ? gre_hlen(gre_tx_flags(t)) : 0;
}

/* Checksum and sequence number are per packet: a GSO skb, segmented after
 * us with its headers copied, would repeat them in every segment (the
 * kernel turns GSO off for such tunnels for the same reason). */
static __always_inline int gre_tx_admits(const struct fou_tunnel *t, bool gso)
{
	if (gso && t->ipproto == IPPROTO_GRE_NR &&
	    (t->flags & (FOU_TUN_F_GRE_CSUM | FOU_TUN_F_GRE_SEQ)))
		return FOU_STAT_TX_DROP_GRE_GSO;
	return FOU_CONTINUE;
}

/* Compare-and-swap attempts for a sequence number: each failed one means
 * another CPU took a number meanwhile, so this many fail only under that
 * many concurrent senders on one tunnel. */
#define GRE_SEQ_TRIES 32

/*
 * Take the next sequence number of tunnel @slot into *@seq (network order):
 * 0, or -1 if none could be taken. Every CPU may send on the tunnel at once
 * (the kernel's atomic o_seqno): a compare-and-swap loop, because the
 * programs are built for the base BPF instruction set, where clang refuses
 * a fetch-and-add's return value (and cmpxchg is accepted).
 */
static __always_inline int gre_take_seq(__u32 slot, __be32 *seq)
{
	struct fou_tun_gre_seq *s = bpf_map_lookup_elem(&fou_tun_gre_seq, &slot);
	__u64 old, cur;

	if (!s)
		return -1;
	old = s->next;
	for (int i = 0; i < GRE_SEQ_TRIES; i++) {
		cur = __sync_val_compare_and_swap(&s->next, old, old + 1);
		if (cur == old) {
			*seq = bpf_htonl((__u32)old);
			return 0;
		}
		old = cur;
	}
	return -1;
}

/*
 * Write the GRE header (gre_tx_hlen() bytes) at @buf for an inner packet of
 * family @family whose byte sum is @inner_sum (needed with the checksum
 * only); @seq from gre_take_seq() with the sequence number. Fixed offsets per field, as gre_build_header() lays them
 * out: checksum, key, sequence number.
 */
static __always_inline void gre_build(const struct fou_tunnel *t, __be32 seq, __u8 family,
				      __u32 inner_sum, __u8 *buf)
{
	__be16 flags = gre_tx_flags(t);
	__u32 *w = (void *)buf, i = 1;

	*(__be16 *)buf = flags;
	*(__be16 *)(buf + 2) = bpf_htons(family == FOU_FAMILY_IPV4 ? ETH_P_IP : ETH_P_IPV6);
	w[1] = w[2] = w[3] = 0;
	if (flags & GRE_F_CSUM)
		i++;
	if (flags & GRE_F_KEY)
		w[i++ & 3] = bpf_htonl(t->gre_key);
	if (flags & GRE_F_SEQ)
		w[i & 3] = seq;
	if (flags & GRE_F_CSUM) {
		__u64 acc = (__u64)inner_sum + w[0] + w[1] + w[2] + w[3];

		*(__sum16 *)(buf + 4) = csum_fold(csum_fold64(acc));
	}
}

#endif /* FOU_BPF_GRE_H */
