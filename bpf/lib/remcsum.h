/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * GUE remote checksum offload (draft-herbert-remotecsumoffload; the kernel's
 * encap-remcsum). The sender leaves the inner TCP/UDP checksum holding only
 * its pseudo-header sum and says where it is: a private flag (REMCSUM) and
 * a 4-byte option, be16 csum_start and be16 csum_offset, both counted from
 * the start of the inner packet (the kernel's __gue_build_header writes
 * start and start + skb->csum_offset). A correct outer UDP checksum pins
 * the sum of every byte it covers, so the receiver learns the sum from
 * csum_start to the end by reading only what lies before it, and writes
 * the folded sum into the field (the kernel's remcsum_adjust).
 *
 * Receive: done on every GUE port unless it says noremcsum, as the kernel
 * does, but only from an outer checksum that was verified: here in software
 * (the sum is deduced), or by the device (CHECKSUM_UNNECESSARY: deduced), or
 * for a local sender whose outer checksum is still to be filled
 * (CHECKSUM_PARTIAL: the bytes are summed, nothing on the wire to doubt).
 * A zero outer checksum, or a GSO packet, leaves nothing to deduce from:
 * counted drop, so an inner packet is never made to look checked.
 *
 * Transmit: see the tunnel side in fou_tx_tc.bpf.c (remcsum_tx_*).
 */
#ifndef FOU_BPF_REMCSUM_H
#define FOU_BPF_REMCSUM_H

#include "lib/gue.h"
#include "lib/csum.h"

#define REMCSUM_NONE   0
#define REMCSUM_DEDUCE 1 /* from the verified outer checksum */
#define REMCSUM_SUM    2 /* a local packet: sum the bytes from csum_start */

struct remcsum {
	__u8 mode;       /* REMCSUM_* */
	__u8 pad;
	__u16 start;     /* from the inner packet's first byte */
	__u16 offset;
};

/*
 * Is the option usable, and how is its field to be completed? Runs once the
 * inner packet is checked. Odd start or offset would put the field or the
 * sum's first byte off the 16-bit grid the transport checksum is defined
 * on; the kernel writes them anyway, which cannot give a valid packet.
 */
static __always_inline int remcsum_check(struct __ctx_buff *ctx, const struct fou_port *port,
					 const struct gue_result *g, const struct fou_pkt *p,
					 __u32 inner_len, bool outer_ok, struct remcsum *rc)
{
	__u8 summed;

	if (port->flags & FOU_PORT_F_NOREMCSUM)
		return FOU_STAT_DROP_GUE_REMCSUM;
	/* Its offsets would count from the GRE header, which our senders never
	 * do and the kernel's GRE devices do not ask for: refused, not guessed. */
	if (g->ipproto == IPPROTO_GRE_NR)
		return FOU_STAT_DROP_GUE_REMCSUM_GRE;
	if ((g->rc_start | g->rc_offset) & 1)
		return FOU_STAT_DROP_GUE_REMCSUM_ODD;
	/* The transport starts after the inner IP header at the least. */
	if (g->rc_start < (g->ipproto == IPPROTO_IPIP_NR ? 20 : IPV6_HLEN) ||
	    g->rc_offset < g->rc_start || (__u32)g->rc_offset + 2 > inner_len)
		return FOU_STAT_DROP_GUE_REMCSUM_RANGE;
	if (!p->udp_csum || p->gso)
		return FOU_STAT_DROP_GUE_REMCSUM_CSUM;
	/* Not verified here: TC trusted what the skb says (check_csum). */
	summed = outer_ok ? CHECKSUM_NONE_NR : ctx_ip_summed(ctx);
	if (outer_ok || summed == CHECKSUM_UNNECESSARY_NR)
		rc->mode = REMCSUM_DEDUCE;
	else if (summed == CHECKSUM_PARTIAL_NR)
		rc->mode = REMCSUM_SUM;
	else
		return FOU_STAT_DROP_GUE_REMCSUM_CSUM;
	rc->start = g->rc_start;
	rc->offset = g->rc_offset;
	return FOU_CONTINUE;
}

/*
 * Write the inner checksum the option asks for. Deduced: the UDP datagram
 * sums to minus its pseudo-header, so the bytes from csum_start on sum to
 * minus (pseudo-header + the bytes before csum_start); the field gets the
 * negation of that sum folded, which is (pseudo-header + bytes before)
 * folded. The inner packet starts a multiple of 4 bytes after the UDP
 * header and start is even, so both sums share one 16-bit grid. The TC
 * write keeps a CHECKSUM_COMPLETE skb's csum right. Returns FOU_CONTINUE or
 * a drop reason.
 */
static __always_inline int remcsum_apply(struct __ctx_buff *ctx, const struct fou_pkt *p,
					 __u32 inner_off, const struct remcsum *rc)
{
	__u32 at = inner_off + rc->start;
	__u16 v;
	__s64 r;

	if (rc->mode == REMCSUM_DEDUCE) {
		r = fou_range_sum(ctx, p->l4_off, at - p->l4_off, pseudo_hdr_sum(p));
		v = (__u16)~csum_fold((__u32)r);
	} else {
		r = fou_range_sum(ctx, at, p->ip_end - at, 0);
		v = csum_fold((__u32)r);
	}
	if (r < 0)
		return FOU_STAT_DROP_GUE_REMCSUM_CSUM;
	r = ctx_store_bytes(ctx, inner_off + rc->offset, &v, sizeof(v));
	return r ? FOU_STAT_DROP_GUE_REMCSUM_CSUM : FOU_CONTINUE;
}

#endif /* FOU_BPF_REMCSUM_H */
