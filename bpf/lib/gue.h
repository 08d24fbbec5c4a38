/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * GUE header parsing (draft-ietf-intarea-gue; the kernel's net/ipv4/fou_core.c
 * is the behaviour we match). Version 0: a 4-byte header, hlen 32-bit words of
 * optional fields, then the payload named by proto. Version 1: no header; the
 * IP packet follows UDP and its version nibble says which.
 */
#ifndef FOU_BPF_GUE_H
#define FOU_BPF_GUE_H

#include "lib/parse.h"

#define GUE_FLAG_PRIV     bpf_htons(0x0001) /* the only standard flag the kernel knows */
#define GUE_PRIV_LEN      4
#define GUE_PFLAG_REMCSUM bpf_htonl(0x80000000)
#define GUE_REMCSUM_LEN   4 /* its option: be16 csum_start, be16 csum_offset */

/* Where the inner packet starts and which protocol it is. */
struct gue_result {
	__u32 hdr_len;  /* GUE header + optional fields; 0 for version 1 */
	__u8 ipproto;   /* IPPROTO_IPIP_NR, IPPROTO_IPV6_NR or 47 (GRE: lib/gre.h) */
	__u8 remcsum;   /* the REMCSUM private flag and its option (lib/remcsum.h) */
	__u16 rc_start; /* its csum_start and csum_offset, from the inner packet */
	__u16 rc_offset;
};

static __always_inline int gue_check_flags(__u8 *g, void *data_end, __u32 optlen,
					   struct gue_result *r)
{
	__be16 flags = *(__be16 *)(g + 2);
	__be32 pflags;

	if (flags & ~GUE_FLAG_PRIV)
		return FOU_STAT_DROP_GUE_FLAGS;
	if (!(flags & GUE_FLAG_PRIV))
		return FOU_CONTINUE;
	if (optlen < GUE_PRIV_LEN)
		return FOU_STAT_DROP_GUE_OPTLEN;
	if (g + GUE_HLEN + GUE_PRIV_LEN > (__u8 *)data_end)
		return FOU_NEED_PULL;
	pflags = *(__be32 *)(g + GUE_HLEN);
	/* Unknown private flags first, as the kernel's validate_gue_flags. */
	if (pflags & ~GUE_PFLAG_REMCSUM)
		return FOU_STAT_DROP_GUE_PRIV_FLAGS;
	if (!pflags)
		return FOU_CONTINUE;
	if (optlen < GUE_PRIV_LEN + GUE_REMCSUM_LEN)
		return FOU_STAT_DROP_GUE_OPTLEN;
	/* Remote checksum offload: what it asks is checked once the inner
	 * packet's length is known (remcsum_check). */
	if (g + GUE_HLEN + GUE_PRIV_LEN + GUE_REMCSUM_LEN > (__u8 *)data_end)
		return FOU_NEED_PULL;
	r->remcsum = 1;
	r->rc_start = bpf_ntohs(*(__be16 *)(g + GUE_HLEN + GUE_PRIV_LEN));
	r->rc_offset = bpf_ntohs(*(__be16 *)(g + GUE_HLEN + GUE_PRIV_LEN + 2));
	return FOU_CONTINUE;
}

/* @g points just past the UDP header; @payload_len is the UDP payload length
 * (already checked against the packet). */
static __always_inline int gue_parse(__u8 *g, void *data_end, __u32 payload_len,
				     struct gue_result *r)
{
	__u32 optlen;
	int ret;

	if (payload_len < 1)
		return FOU_STAT_DROP_GUE_HLEN;
	if (g + 1 > (__u8 *)data_end)
		return FOU_NEED_PULL;

	switch (g[0] >> 6) {
	case 0:
		break;
	case 1:
		/* Direct IP encapsulation: the first byte is the IP version nibble. */
		r->hdr_len = 0;
		if ((g[0] >> 4) == 4)
			r->ipproto = IPPROTO_IPIP_NR;
		else if ((g[0] >> 4) == 6)
			r->ipproto = IPPROTO_IPV6_NR;
		else
			return FOU_STAT_DROP_INNER_VERSION;
		return FOU_CONTINUE;
	default:
		return FOU_STAT_DROP_GUE_VERSION;
	}

	if (payload_len < GUE_HLEN)
		return FOU_STAT_DROP_GUE_HLEN;
	if (g + GUE_HLEN > (__u8 *)data_end)
		return FOU_NEED_PULL;
	if (g[0] & 0x20)
		return FOU_STAT_DROP_GUE_CONTROL;
	optlen = (g[0] & 0x1f) * 4;
	if (GUE_HLEN + optlen > payload_len)
		return FOU_STAT_DROP_GUE_HLEN;
	ret = gue_check_flags(g, data_end, optlen, r);
	if (ret != FOU_CONTINUE)
		return ret;

	if (g[1] != IPPROTO_IPIP_NR && g[1] != IPPROTO_IPV6_NR && g[1] != 47 /* GRE */)
		return FOU_STAT_DROP_GUE_PROTO;
	r->ipproto = g[1];
	r->hdr_len = GUE_HLEN + optlen;
	return FOU_CONTINUE;
}

#endif /* FOU_BPF_GUE_H */
