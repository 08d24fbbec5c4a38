/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Outer header parsing: Ethernet (one optional VLAN tag), IPv4 or IPv6, UDP.
 * Works on direct packet pointers, so the XDP and TC entry points share it.
 */
#ifndef FOU_BPF_PARSE_H
#define FOU_BPF_PARSE_H

#include "lib/common.h"

#ifndef FOU_BPF_CTX_H
#error "an entry program includes lib/ctx/skb.h or lib/ctx/xdp.h first"
#endif

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
	__u8 can_pull:1; /* the caller can pull non-linear data (TC) */
	__u8 gso:1;      /* a GSO skb (TC): several packets behind one header */
	__u8 ip6_ext_verdict; /* 0, or the fou_stat_id the IPv6 options call for */
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

	/* At most 14 + 4 + 60 = 78 bytes in over IPv4, 14 + 4 + 40 + 48 = 106
	 * over IPv6 (IP6_EXT_MAX_LEN), so the mask reads what it says. */
	if (p->l4_off > 0x7f || (void *)(udp + 1) > data_end)
		return short_or_pull(data, data_end, p, FOU_STAT_PASS_SHORT);
	p->sport = udp->source;
	p->dport = udp->dest;
	p->udp_len = bpf_ntohs(udp->len);
	p->udp_csum = udp->check;
	return FOU_CONTINUE;
}

/* The IPv4 protocols the receive path looks into. A value, not the header:
 * each read of a vmlinux.h header field is a CO-RE access the compiler
 * loads again rather than reuse. */
static __always_inline bool ip4_proto_examined(__u8 proto)
{
	return proto == IPPROTO_UDP_NR || proto == IPPROTO_SCTP_NR || proto == IPPROTO_ICMP_NR;
}

static __always_inline int parse_ipv4(void *data, void *data_end, struct iphdr *iph,
				      struct fou_pkt *p)
{
	if ((void *)(iph + 1) > data_end)
		return short_or_pull(data, data_end, p, FOU_STAT_PASS_SHORT);
	if (iph->version != 4 || iph->ihl < 5)
		return FOU_STAT_PASS_NOT_IP;
	if (!ip4_proto_examined(iph->protocol))
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

/*
 * The IPv6 extension headers we decapsulate through: Hop-by-Hop and
 * Destination Options (the kernel's ip6tnl puts its tunnel encapsulation
 * limit there, RFC 2473 4.1.1). Bounded: at most IP6_EXT_MAX_HDRS of them,
 * IP6_EXT_MAX_LEN bytes together; longer chains, and every other extension
 * header, are not ours (pass_ip6_exthdr). The bound keeps the inner header
 * within HDR_OFF_MASK: 18 + 40 + 48 + 8 + 128 < 256.
 */
#define IP6_NEXTHDR_HOP     0
#define IP6_NEXTHDR_DEST    60
#define IP6_EXT_MAX_HDRS    2
#define IP6_EXT_MAX_LEN     48
/* net.ipv6.max_{hbh,dst}_opts_number: options other than padding per header. */
#define IP6_OPTS_MAX_COUNT  8

#define IP6_OPT_PAD1        0x00
#define IP6_OPT_PADN        0x01
#define IP6_OPT_TNL_ENCAP_LIMIT 0x04 /* RFC 2473; action bits 00: skip */
#define IP6_OPT_ROUTER_ALERT 0x05
#define IP6_OPT_CALIPSO     0x07
#define IP6_OPT_JUMBO       0xc2
#define IP6_OPT_HOME_ADDR   0xc9

/* One extension header, copied from the packet, and the state of the byte
 * walk over its options. */
struct ip6_opts_walk {
	__u8 b[IP6_EXT_MAX_LEN];
	__u32 len;         /* header length, <= IP6_EXT_MAX_LEN */
	__u32 skip;        /* bytes of the current option's data still to come */
	__u32 padlen;      /* padding bytes in a row */
	__u32 count;       /* options other than padding */
	__u32 type;        /* the option whose length byte comes next */
	__u8 len_next;     /* the next byte is that length */
	__u8 in_padn;      /* the data being skipped is PadN's: must be zero */
	__u8 pad[2];
	int verdict;       /* 0, or a fou_stat_id */
};

/* Per-CPU room for the walk: the receive programs' stack is spent. Stores
 * into a map value are not tracked by the verifier, which also keeps the
 * walk's states few. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ip6_opts_walk);
} fou_ip6_opts_scratch SEC(".maps");

/* A non-padding option: the kernel's rules for it when it knows it, RFC
 * 8200 4.2's action bits when not. Returns 1 when the walk goes on. */
static __always_inline int ip6_opt_known(struct ip6_opts_walk *w, __u32 type, __u32 optlen)
{
	switch (type) {
	case IP6_OPT_TNL_ENCAP_LIMIT:
		/* Any limit, 0 included: it binds a node that would encapsulate
		 * again (RFC 2473 4.1.1); we decapsulate. The kernel skips it too. */
		return 1;
	case IP6_OPT_ROUTER_ALERT:
		/* Matters only to routers; the kernel drops a wrong length. */
		if (optlen == 4)
			return 1;
		w->verdict = FOU_STAT_DROP_IP6_OPT_MALFORMED;
		return 0;
	case IP6_OPT_CALIPSO:
	case IP6_OPT_JUMBO:
	case IP6_OPT_HOME_ADDR:
		/* Labels, lengths or addresses the kernel checks or rewrites:
		 * not ours to judge. */
		w->verdict = FOU_STAT_PASS_IP6_EXTHDR;
		return 0;
	}
	if (type >> 6) {
		w->verdict = FOU_STAT_DROP_IP6_OPT_DISCARD;
		return 0;
	}
	return 1; /* action 00: skip */
}

/* The option length byte of w->type, at @at: returns 1 to stop. */
static __always_inline int ip6_opt_len(struct ip6_opts_walk *w, __u32 at, __u8 c)
{
	__u32 optlen = c + 2;

	w->len_next = 0;
	w->skip = c;
	if (at - 1 + optlen > w->len)
		goto bad;
	if (w->type == IP6_OPT_PADN) {
		w->in_padn = 1;
		w->padlen += optlen;
		if (w->padlen > 7)
			goto bad;
		return 0;
	}
	w->in_padn = 0;
	w->padlen = 0;
	if (++w->count > IP6_OPTS_MAX_COUNT)
		goto bad;
	return ip6_opt_known(w, w->type, optlen) ? 0 : 1;
bad:
	w->verdict = FOU_STAT_DROP_IP6_OPT_MALFORMED;
	return 1;
}

/* One byte of the header; 1 stops the walk. The checks are the kernel's
 * for a packet delivered locally (ip6_parse_tlv): padding at most 7 bytes
 * in a row and zero-filled (RFC 4942 2.1.9.5), options within the header,
 * at most IP6_OPTS_MAX_COUNT of them. */
static __always_inline int ip6_opt_step(struct ip6_opts_walk *w, __u32 index)
{
	__u8 c;

	if (index >= IP6_EXT_MAX_LEN || index >= w->len)
		return 1;
	c = w->b[index];
	if (w->skip) {
		w->skip--;
		if (w->in_padn && c)
			goto bad;
		return 0;
	}
	if (w->len_next)
		return ip6_opt_len(w, index, c);
	if (c == IP6_OPT_PAD1) {
		if (++w->padlen > 7)
			goto bad;
		return 0;
	}
	w->type = c;
	w->len_next = 1;
	return 0;
bad:
	w->verdict = FOU_STAT_DROP_IP6_OPT_MALFORMED;
	return 1;
}

/* Copy one Hop-by-Hop or Destination Options header (@len bytes at @off,
 * 8 to IP6_EXT_MAX_LEN) and walk its options; one copy by helper reads
 * paged and multi-buffer data alike. Returns FOU_CONTINUE or
 * FOU_STAT_PASS_SHORT; notes the first verdict. */
static __always_inline int ip6_opts_check(struct __ctx_buff *ctx, __u32 off, __u32 len,
					  struct fou_pkt *p)
{
	__u32 zero = 0;
	struct ip6_opts_walk *w = bpf_map_lookup_elem(&fou_ip6_opts_scratch, &zero);

	if (!w)
		return FOU_STAT_PASS_SHORT;
	__builtin_memset(w, 0, sizeof(*w));
	w->len = len;
	if (ctx_load_bytes(ctx, off, w->b, verifier_len(len, IP6_EXT_MAX_LEN)))
		return FOU_STAT_PASS_SHORT;
	for (__u32 i = 2; i < IP6_EXT_MAX_LEN; i++)
		if (ip6_opt_step(w, i))
			break;
	/* A type byte last, with no length after it. */
	if (!w->verdict && w->len_next)
		w->verdict = FOU_STAT_DROP_IP6_OPT_MALFORMED;
	if (w->verdict && !p->ip6_ext_verdict)
		p->ip6_ext_verdict = w->verdict;
	return FOU_CONTINUE;
}

/*
 * Walk the extension headers after the IPv6 header at p->l3_off up to the
 * transport header: sets l4_off and returns its protocol (0-255), or
 * FOU_NEED_PULL, or IP6_EXT_STOP | the pass reason. What the options call
 * for is only noted (ip6_ext_verdict): it applies once the packet turns out
 * to be ours. A function of its own: the receive programs' frames have no
 * room for it (the limit is 512 bytes along a call chain).
 */
#define IP6_EXT_STOP 0x10000
static __noinline int ipv6_skip_exthdrs(struct __ctx_buff *ctx, struct fou_pkt *p)
{
	void *data = ctx_data(ctx);
	void *data_end = ctx_data_end(ctx);
	struct ipv6hdr *ip6 = data + (p->l3_off & 0x1f);
	__u32 ext = 0;
	__u8 nh;

	/* l3_off is 14 or 18: the mask changes nothing. */
	if (p->l3_off > 0x1f || (void *)(ip6 + 1) > data_end)
		return IP6_EXT_STOP | FOU_STAT_PASS_SHORT;
	nh = ip6->nexthdr;
	for (int i = 0; i < IP6_EXT_MAX_HDRS; i++) {
		/* ext <= IP6_EXT_MAX_LEN - 8 here: the mask changes nothing. */
		__u8 *h = (__u8 *)(ip6 + 1) + (ext & 0x3f);
		__u32 len;
		int ret;

		if (nh != IP6_NEXTHDR_HOP && nh != IP6_NEXTHDR_DEST)
			break;
		/* Hop-by-Hop only right after the IPv6 header (RFC 8200 4.1):
		 * the kernel drops it anywhere else. */
		if (nh == IP6_NEXTHDR_HOP && i && !p->ip6_ext_verdict)
			p->ip6_ext_verdict = FOU_STAT_DROP_IP6_OPT_MALFORMED;
		if ((void *)(h + 2) > data_end) {
			ret = short_or_pull(data, data_end, p, FOU_STAT_PASS_SHORT);
			return ret == FOU_NEED_PULL ? ret : IP6_EXT_STOP | ret;
		}
		len = (h[1] + 1) * 8;
		if (ext + len > IP6_EXT_MAX_LEN)
			return IP6_EXT_STOP | FOU_STAT_PASS_IP6_EXTHDR;
		ret = ip6_opts_check(ctx, (void *)h - data, len, p);
		if (ret != FOU_CONTINUE)
			return IP6_EXT_STOP | ret;
		nh = h[0];
		ext += len;
	}
	p->l4_off = p->l3_off + IPV6_HLEN + ext;
	return nh;
}

static __always_inline int parse_ipv6(struct __ctx_buff *ctx, void *data, void *data_end,
				      struct ipv6hdr *ip6, struct fou_pkt *p)
{
	int nh;

	if ((void *)(ip6 + 1) > data_end)
		return short_or_pull(data, data_end, p, FOU_STAT_PASS_SHORT);
	if (ip6->version != 6)
		return FOU_STAT_PASS_NOT_IP;

	p->l3_off = (void *)ip6 - data;
	nh = ipv6_skip_exthdrs(ctx, p);
	if (nh == FOU_NEED_PULL)
		return nh;
	if (nh & IP6_EXT_STOP)
		return nh & ~IP6_EXT_STOP;
	if (nh != IPPROTO_UDP_NR && nh != IPPROTO_SCTP_NR && nh != IPPROTO_ICMPV6_NR)
		return ipv6_is_exthdr(nh) ? FOU_STAT_PASS_IP6_EXTHDR : FOU_STAT_PASS_NOT_UDP;

	p->family = FOU_FAMILY_IPV6;
	p->ip_end = p->l3_off + IPV6_HLEN + bpf_ntohs(ip6->payload_len);
	p->outer_ecn = (ip6->flow_lbl[0] >> 4) & ECN_MASK;
	__builtin_memcpy(p->saddr.ip6, &ip6->saddr, 16);
	__builtin_memcpy(p->daddr.ip6, &ip6->daddr, 16);
	if (nh != IPPROTO_UDP_NR)
		return nh == IPPROTO_SCTP_NR ? FOU_SCTP : FOU_ICMP;
	return FOU_CONTINUE;
}

/* Parse up to the outer UDP header. Returns FOU_CONTINUE for a UDP packet,
 * FOU_SCTP for native SCTP, FOU_ICMP for ICMP, FOU_NEED_PULL, or the FOU_STAT_PASS_* reason
 * why it is not ours. VLAN tags
 * appear in the data only on the XDP path; TC sees them already stripped. */
static __always_inline int parse_outer(struct __ctx_buff *ctx, void *data, void *data_end,
				       struct fou_pkt *p)
{
	struct ethhdr *eth = data;
	void *l3 = eth + 1;
	__be16 proto;
	int ret;

	if (l3 > data_end)
		return short_or_pull(data, data_end, p, FOU_STAT_PASS_SHORT);
	proto = eth->h_proto;
	if (CTX_VLAN_IN_DATA &&
	    (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD))) {
		struct vlan_hdr *vh = l3;

		if ((void *)(vh + 1) > data_end)
			return short_or_pull(data, data_end, p, FOU_STAT_PASS_SHORT);
		proto = vh->h_vlan_encapsulated_proto;
		l3 = vh + 1;
	}
	if (proto == bpf_htons(ETH_P_IP))
		ret = parse_ipv4(data, data_end, l3, p);
	else if (proto == bpf_htons(ETH_P_IPV6))
		ret = parse_ipv6(ctx, data, data_end, l3, p);
	else
		return FOU_STAT_PASS_NOT_IP;
	if (ret != FOU_CONTINUE)
		return ret;
	return parse_udp(data, data_end, p);
}

#endif /* FOU_BPF_PARSE_H */
