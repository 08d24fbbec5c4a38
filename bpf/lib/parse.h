/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Outer header parsing: Ethernet (one optional VLAN tag), IPv4 or IPv6, UDP.
 * Works on direct packet pointers, so the XDP and TC entry points share it.
 */
#ifndef FOU_BPF_PARSE_H
#define FOU_BPF_PARSE_H

#include "lib/common.h"

/* Classification results besides a fou_stat_id (which are all >= 0). */
#define FOU_CONTINUE  (-1) /* go on to the next stage */
#define FOU_NEED_PULL (-2) /* headers exist beyond the linear data */
#define FOU_SCTP      (-3) /* native SCTP: the IP fields are set, l4_off is SCTP */
#define FOU_ICMP      (-4) /* ICMP or ICMPv6: the IP fields are set, l4_off is ICMP */

/* What the receive path learns about one packet's outer headers. */
struct fou_pkt {
	__u32 pkt_len;  /* whole packet, including non-linear parts */
	__u32 l3_off;   /* outer IP header, from the start of the frame */
	__u32 l4_off;   /* outer UDP header */
	__u32 ip_end;   /* end of the outer IP packet (l3_off + its length) */
	__u8 family;    /* FOU_FAMILY_* */
	__u8 outer_ecn;
	__u16 udp_len;
	__be16 sport;
	__be16 dport;
	__be16 udp_csum;
	__u8 can_pull;  /* the caller can pull non-linear data (TC) */
	__u8 gso;       /* a GSO skb (TC): several packets behind one header */
	struct fou_addr saddr;
	struct fou_addr daddr;
};

static __always_inline bool addr_equal(const struct fou_addr *a, const struct fou_addr *b,
				       __u8 family)
{
	if (family == FOU_FAMILY_IPV4)
		return a->ip4 == b->ip4;
	return a->ip6[0] == b->ip6[0] && a->ip6[1] == b->ip6[1] &&
	       a->ip6[2] == b->ip6[2] && a->ip6[3] == b->ip6[3];
}

/* A bounds check failed: either the frame is really that short, or the
 * rest sits in non-linear data that the caller may pull in. */
static __always_inline int short_or_pull(void *data, void *data_end,
					 const struct fou_pkt *p, int short_reason)
{
	if (p->can_pull && p->pkt_len > (__u32)(data_end - data))
		return FOU_NEED_PULL;
	return short_reason;
}

/* The UDP header is parsed once for both IP versions, from an offset masked
 * to its maximum: the compiler cannot merge two differently derived packet
 * pointers, which the verifier would not follow. */
static __always_inline int parse_udp(void *data, void *data_end, struct fou_pkt *p)
{
	struct udphdr *udp = data + (p->l4_off & 0x7f);

	/* At most 14 + 4 + 60 = 78 bytes in, so the mask reads what it says. */
	if (p->l4_off > 0x7f || (void *)(udp + 1) > data_end)
		return short_or_pull(data, data_end, p, FOU_STAT_PASS_SHORT);
	p->sport = udp->source;
	p->dport = udp->dest;
	p->udp_len = bpf_ntohs(udp->len);
	p->udp_csum = udp->check;
	return FOU_CONTINUE;
}

static __always_inline int parse_ipv4(void *data, void *data_end, struct iphdr *iph,
				      struct fou_pkt *p)
{
	if ((void *)(iph + 1) > data_end)
		return short_or_pull(data, data_end, p, FOU_STAT_PASS_SHORT);
	if (iph->version != 4 || iph->ihl < 5)
		return FOU_STAT_PASS_NOT_IP;
	if (iph->protocol != IPPROTO_UDP_NR && iph->protocol != IPPROTO_SCTP_NR &&
	    iph->protocol != IPPROTO_ICMP_NR)
		return FOU_STAT_PASS_NOT_UDP;
	if (iph->frag_off & bpf_htons(IP_MF | IP_OFFSET))
		return FOU_STAT_PASS_FRAGMENT;

	p->family = FOU_FAMILY_IPV4;
	p->l3_off = (void *)iph - data;
	p->ip_end = p->l3_off + bpf_ntohs(iph->tot_len);
	p->outer_ecn = iph->tos & ECN_MASK;
	p->saddr.ip4 = iph->saddr;
	p->daddr.ip4 = iph->daddr;
	/* Options are fine: the whole outer header goes on decapsulation. */
	p->l4_off = p->l3_off + iph->ihl * 4;
	if (iph->protocol != IPPROTO_UDP_NR)
		return iph->protocol == IPPROTO_SCTP_NR ? FOU_SCTP : FOU_ICMP;
	return FOU_CONTINUE;
}

static __always_inline bool ipv6_is_exthdr(__u8 nexthdr)
{
	switch (nexthdr) {
	case 0:   /* hop-by-hop */
	case 43:  /* routing */
	case 44:  /* fragment */
	case 50:  /* ESP */
	case 51:  /* AH */
	case 60:  /* destination options */
	case 135: /* mobility */
	case 139: /* HIP */
	case 140: /* shim6 */
		return true;
	}
	return false;
}

static __always_inline int parse_ipv6(void *data, void *data_end, struct ipv6hdr *ip6,
				      struct fou_pkt *p)
{
	if ((void *)(ip6 + 1) > data_end)
		return short_or_pull(data, data_end, p, FOU_STAT_PASS_SHORT);
	if (ip6->version != 6)
		return FOU_STAT_PASS_NOT_IP;
	if (ip6->nexthdr != IPPROTO_UDP_NR && ip6->nexthdr != IPPROTO_SCTP_NR &&
	    ip6->nexthdr != IPPROTO_ICMPV6_NR)
		return ipv6_is_exthdr(ip6->nexthdr) ? FOU_STAT_PASS_IP6_EXTHDR
						    : FOU_STAT_PASS_NOT_UDP;

	p->family = FOU_FAMILY_IPV6;
	p->l3_off = (void *)ip6 - data;
	p->ip_end = p->l3_off + IPV6_HLEN + bpf_ntohs(ip6->payload_len);
	p->outer_ecn = (ip6->flow_lbl[0] >> 4) & ECN_MASK;
	__builtin_memcpy(p->saddr.ip6, &ip6->saddr, 16);
	__builtin_memcpy(p->daddr.ip6, &ip6->daddr, 16);
	p->l4_off = p->l3_off + IPV6_HLEN;
	if (ip6->nexthdr != IPPROTO_UDP_NR)
		return ip6->nexthdr == IPPROTO_SCTP_NR ? FOU_SCTP : FOU_ICMP;
	return FOU_CONTINUE;
}

/* Parse up to the outer UDP header. Returns FOU_CONTINUE for a UDP packet,
 * FOU_SCTP for native SCTP, FOU_ICMP for ICMP, FOU_NEED_PULL, or the FOU_STAT_PASS_* reason
 * why it is not ours. VLAN tags
 * appear in the data only on the XDP path; TC sees them already stripped. */
static __always_inline int parse_outer(void *data, void *data_end, bool allow_vlan,
				       struct fou_pkt *p)
{
	struct ethhdr *eth = data;
	void *l3 = eth + 1;
	__be16 proto;
	int ret;

	if (l3 > data_end)
		return short_or_pull(data, data_end, p, FOU_STAT_PASS_SHORT);
	proto = eth->h_proto;
	if (allow_vlan && (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD))) {
		struct vlan_hdr *vh = l3;

		if ((void *)(vh + 1) > data_end)
			return short_or_pull(data, data_end, p, FOU_STAT_PASS_SHORT);
		proto = vh->h_vlan_encapsulated_proto;
		l3 = vh + 1;
	}
	if (proto == bpf_htons(ETH_P_IP))
		ret = parse_ipv4(data, data_end, l3, p);
	else if (proto == bpf_htons(ETH_P_IPV6))
		ret = parse_ipv6(data, data_end, l3, p);
	else
		return FOU_STAT_PASS_NOT_IP;
	if (ret != FOU_CONTINUE)
		return ret;
	return parse_udp(data, data_end, p);
}

#endif /* FOU_BPF_PARSE_H */
