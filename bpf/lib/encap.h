/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Encapsulation, shared by TC egress and XDP forwarding: parse the packet to
 * send (the future inner packet), find its tunnel by an LPM lookup on the
 * destination, and build the outer IP, UDP and GUE headers on the stack.
 * Side-effect free, like the receive classification; the entry points then
 * resolve the next hop and put the headers in.
 */
#ifndef FOU_BPF_ENCAP_H
#define FOU_BPF_ENCAP_H

#include "lib/csum.h"
#include "lib/icmp.h"
#include "lib/stats.h"
#include "lib/gre.h"

#define IPPROTO_TCP_NR    6
#define IP_DF             0x4000

/* GUE_HLEN + 8: the private flags and the remote checksum offload option */
#define OUTER_MAX_HLEN (IPV6_HLEN + UDP_HLEN + GUE_HLEN + 8 + GRE_MAX_HLEN)

/* tx_path_check(): the packet is larger than the tunnel's path allows. */
#define FOU_TOO_BIG (-5)

/* The packet to be encapsulated. */
struct fou_inner {
	struct fou_addr saddr;
	struct fou_addr daddr;
	__u32 len;      /* IP total length */
	__u16 l4_off;   /* transport header, from the IP header */
	__be16 sport;   /* transport ports, 0 where there are none */
	__be16 dport;
	__be16 l4_check;
	__u8 family;    /* FOU_FAMILY_* */
	__u8 proto;     /* transport protocol; 0: behind IPv6 extension headers */
	__u8 tos;       /* IPv4 TOS or IPv6 traffic class, ECN included */
	__u8 df;        /* must not be fragmented: IPv4 DF, or IPv6 */
	__u8 frag;      /* an IPv4 fragment: the ports are not here */
	__u8 ttl;       /* IPv4 TTL or IPv6 hop limit, for tunnels with ttl 0 */
	__u8 bad;       /* lengths lie: dropped if a route wants it, else passed */
	__u8 pad[3];
};

/* Everything the entry points need to put the outer headers in. */
struct fou_tx {
	struct fou_inner in;
	__u32 slot;     /* tunnel slot */
	__u32 hdrlen;   /* outer IP + UDP (+ GUE) (+ GRE) */
	__u8 kind;
	__u8 family;    /* outer */
	__u16 mtu;      /* FOU_TOO_BIG: the inner MTU the path allows */
	struct fou_addr local;
	struct fou_addr remote;
	struct fou_addr via; /* with via_set: an applied Redirect's next hop */
	__u8 via_set;
	__u8 remcsum;   /* the tunnel has encap-remcsum (lib/remcsum.h) */
	__u8 gre_len;   /* GRE header after UDP/GUE; 0: none */
	__u8 pad[1];
	__be32 gre_seq; /* GRE sequence number, with FOU_TUN_F_GRE_SEQ */
	__be16 sport;
	__be16 dport;
	__u8 pad2[4];
	__u8 hdr[OUTER_MAX_HLEN] __attribute__((aligned(4)));
	/* Per tunnel slot, this CPU's last outer IPv4 ID of a DF packet; kept
	 * across packets (tx_scratch() does not clear it). Per tunnel, as the
	 * kernel's IDs are per destination: a peer sees its own tunnel's
	 * count, never how much this host sends to others. */
	__u16 ip_id[FOU_MAX_TUNNELS];
};

/*
 * The transmit state is too large for the 512-byte stack next to the receive
 * state and the checksum slow path, so it lives in a per-CPU scratch map,
 * one per program object (not pinned: XDP and TC never share it).
 */
struct fou_tx_scratch {
	struct fou_tx tx;
	struct bpf_fib_lookup fib;
	__s64 sctp_crc; /* fou_sctp_egress() to fou_sctp_put_udp() */
	__u32 frame_len; /* XDP forwarding: the frame's length, fragments included */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fou_tx_scratch);
} fou_tx_scratch SEC(".maps");

static __always_inline struct fou_tx_scratch *tx_scratch(void)
{
	__u32 zero = 0;
	struct fou_tx_scratch *s = bpf_map_lookup_elem(&fou_tx_scratch, &zero);

	/* Per packet, only what is read before it is written: the parsed
	 * packet, and kind (set once a tunnel is known; count_tx reads it).
	 * The headers are written whole by build_outer(). */
	if (s) {
		__builtin_memset(&s->tx.in, 0, sizeof(s->tx.in));
		s->tx.kind = 0;
		s->tx.via_set = 0;
	}
	return s;
}

static __always_inline void inner_ports(void *l4, void *data_end, struct fou_inner *in)
{
	if (in->proto == IPPROTO_TCP_NR) {
		struct tcphdr *th = l4;

		if ((void *)(th + 1) <= data_end) {
			in->sport = th->source;
			in->dport = th->dest;
			in->l4_check = th->check;
		}
	} else if (in->proto == IPPROTO_UDP_NR) {
		struct udphdr *uh = l4;

		if ((void *)(uh + 1) <= data_end) {
			in->sport = uh->source;
			in->dport = uh->dest;
			in->l4_check = uh->check;
		}
	}
}

static __always_inline int parse_inner_ipv4(struct iphdr *iph, void *data_end, __u32 avail,
					    struct fou_inner *in)
{
	__u32 hlen;

	/* Without a readable header there is nothing to route: not ours. */
	if ((void *)(iph + 1) > data_end || iph->version != 4 || iph->ihl < 5)
		return FOU_STAT_TX_PASS_NOT_IP;
	hlen = iph->ihl * 4;
	in->len = bpf_ntohs(iph->tot_len);
	in->bad = in->len < hlen || in->len > avail;
	in->ttl = iph->ttl;
	in->family = FOU_FAMILY_IPV4;
	in->tos = iph->tos;
	in->df = !!(iph->frag_off & bpf_htons(IP_DF));
	in->frag = !!(iph->frag_off & bpf_htons(IP_MF | IP_OFFSET));
	in->proto = iph->protocol;
	in->l4_off = hlen;
	in->saddr.ip4 = iph->saddr;
	in->daddr.ip4 = iph->daddr;
	if (!in->frag && !in->bad)
		inner_ports((void *)iph + (hlen & 0x3c), data_end, in);
	return FOU_CONTINUE;
}

static __always_inline int parse_inner_ipv6(struct ipv6hdr *ip6, void *data_end, __u32 avail,
					    struct fou_inner *in)
{
	if ((void *)(ip6 + 1) > data_end || ip6->version != 6)
		return FOU_STAT_TX_PASS_NOT_IP;
	in->len = IPV6_HLEN + bpf_ntohs(ip6->payload_len);
	in->bad = in->len > avail;
	in->ttl = ip6->hop_limit;
	in->family = FOU_FAMILY_IPV6;
	in->tos = (ip6->priority << 4) | (ip6->flow_lbl[0] >> 4);
	in->df = 1;
	in->l4_off = IPV6_HLEN;
	__builtin_memcpy(in->saddr.ip6, &ip6->saddr, 16);
	__builtin_memcpy(in->daddr.ip6, &ip6->daddr, 16);
	/* Behind extension headers the transport is left unknown: the flow
	 * hash goes without ports, and a checksum is summed in full. The
	 * protocol is known even when the lengths lie, as for IPv4, so that
	 * SCTP with duties on this device is dropped malformed, not passed. */
	if (ip6->nexthdr == IPPROTO_TCP_NR || ip6->nexthdr == IPPROTO_UDP_NR ||
	    ip6->nexthdr == IPPROTO_ICMPV6_NR || ip6->nexthdr == IPPROTO_SCTP_NR) {
		in->proto = ip6->nexthdr;
		if (!in->bad)
			inner_ports(ip6 + 1, data_end, in);
	}
	return FOU_CONTINUE;
}

/* The packet after an untagged Ethernet header. */
static __always_inline int parse_inner(void *data, void *data_end, __u32 pkt_len,
				       struct fou_inner *in)
{
	struct ethhdr *eth = data;
	__u32 avail = pkt_len > ETH_HLEN ? pkt_len - ETH_HLEN : 0;

	if ((void *)(eth + 1) > data_end)
		return FOU_STAT_TX_PASS_NOT_IP;
	if (eth->h_proto == bpf_htons(ETH_P_IP))
		return parse_inner_ipv4((void *)(eth + 1), data_end, avail, in);
	if (eth->h_proto == bpf_htons(ETH_P_IPV6))
		return parse_inner_ipv6((void *)(eth + 1), data_end, avail, in);
	return FOU_STAT_TX_PASS_NOT_IP;
}

static __always_inline struct fou_route *route_lookup(const struct fou_inner *in)
{
	if (!route_filter_may(in->family, &in->daddr))
		return NULL;
	if (in->family == FOU_FAMILY_IPV4) {
		struct fou_route4_key k = { .prefixlen = 32, .addr = in->daddr.ip4 };

		return bpf_map_lookup_elem(&fou_routes4, &k);
	}
	struct fou_route6_key k6 = { .prefixlen = 128 };

	__builtin_memcpy(k6.addr, in->daddr.ip6, 16);
	return bpf_map_lookup_elem(&fou_routes6, &k6);
}

/* A murmur3-style mix: cheap, and every input bit reaches every output bit. */
static __always_inline __u32 mix32(__u32 h)
{
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h;
}

/* The inner flow's hash: the same for every packet of a 5-tuple, on either
 * hook, so a flow keeps one outer source port (and one ECMP/RSS path). */
static __always_inline __u32 flow_hash(const struct fou_inner *in)
{
	__u32 h = 0x9e3779b9 ^ in->proto;

	for (int i = 0; i < 4; i++)
		h = mix32(h ^ in->saddr.ip6[i] ^ (in->daddr.ip6[i] * 0x27d4eb2d));
	return mix32(h ^ (((__u32)in->sport << 16) | in->dport));
}

/* The kernel's udp_flow_src_port() mapping of a hash into a port range. */
static __always_inline __u16 sport_from_hash(__u32 hash, __u16 min, __u16 max)
{
	hash ^= hash << 16;
	return (__u16)(((__u64)hash * (max - min)) >> 32) + min;
}

/* Where a transport header's checksum field ends, from its start. */
static __always_inline __u32 l4_csum_end(__u8 proto)
{
	if (proto == IPPROTO_TCP_NR)
		return 18;
	if (proto == IPPROTO_UDP_NR)
		return 8;
	return 4; /* ICMP, ICMPv6; other transports are not derived */
}

/*
 * The sum of the inner packet's bytes, derived without reading the payload
 * where a valid (or offloaded, still to be filled) transport checksum pins it
 * (RFC 1624 arithmetic; the kernel's local checksum offload): a transport
 * segment with a correct checksum sums to minus its pseudo-header, and an
 * IPv4 header with a correct checksum to zero. Returns false where that does
 * not hold (fragments, a UDP/IPv4 datagram without checksum, unknown
 * transports), and the caller sums the bytes.
 */
static __always_inline bool inner_sum_derived(void *data, void *data_end,
					      const struct fou_inner *in, __u32 *sum)
{
	__u32 s = 0;

	/* A checksum field past the IP length covers bytes that do not go out. */
	if (in->frag || in->l4_off + l4_csum_end(in->proto) > in->len)
		return false;
	if (in->family == FOU_FAMILY_IPV4 && in->proto == IPPROTO_ICMP_NR) {
		*sum = 0;
		return true;
	}
	if (!(in->proto == IPPROTO_TCP_NR || in->proto == IPPROTO_ICMPV6_NR ||
	      (in->proto == IPPROTO_UDP_NR && in->l4_check)))
		return false;
	if (in->family == FOU_FAMILY_IPV6) {
		/* No header checksum: the header's own bytes count. */
		__u32 *w = data + ETH_HLEN;
		__u64 acc = 0;

		if ((void *)(w + 10) > data_end)
			return false;
		for (int i = 0; i < 10; i++)
			acc += w[i];
		s = csum_fold64(acc);
	}
	/* csum_fold() folds and negates: minus the pseudo-header's sum. */
	s = csum_add(s, csum_fold(ip_pseudo_sum(&in->saddr, &in->daddr, in->family, in->proto,
					       in->len - in->l4_off)));
	*sum = s;
	return true;
}

static __always_inline __u8 outer_tos(const struct fou_tunnel *t, const struct fou_inner *in)
{
	/* RFC 6040 normal mode: the ECN field is copied either way. */
	if (t->flags & FOU_TUN_F_TOS_FIXED)
		return (t->tos & ~ECN_MASK) | (in->tos & ECN_MASK);
	return in->tos;
}

static __always_inline __u32 build_ipv4(const struct fou_tunnel *t, const struct fou_inner *in,
					__u32 udp_len, __be16 id, __u8 *buf)
{
	struct iphdr *iph = (void *)buf;
	__u32 *w = (void *)buf;
	__u64 acc = 0;

	iph->version = 4;
	iph->ihl = 5;
	iph->tos = outer_tos(t, in);
	iph->tot_len = bpf_htons(sizeof(*iph) + udp_len);
	iph->id = id;
	iph->frag_off = in->df ? bpf_htons(IP_DF) : 0;
	iph->ttl = t->ttl ? t->ttl : in->ttl; /* ttl 0: inherit, as ip_tunnel does */
	iph->protocol = IPPROTO_UDP_NR;
	iph->check = 0;
	iph->saddr = t->local.ip4;
	iph->daddr = t->remote.ip4;
	for (int i = 0; i < 5; i++)
		acc += w[i];
	iph->check = csum_fold(csum_fold64(acc));
	return sizeof(*iph);
}

static __always_inline __u32 build_ipv6(const struct fou_tunnel *t, const struct fou_inner *in,
					__u32 udp_len, __u32 hash, __u8 *buf)
{
	struct ipv6hdr *ip6 = (void *)buf;
	__u8 tc = outer_tos(t, in);

	/* The flow label carries the inner flow's entropy to ECMP (RFC 6438). */
	*(__be32 *)ip6 = bpf_htonl((6u << 28) | ((__u32)tc << 20) | (hash & 0xfffff));
	ip6->payload_len = bpf_htons(udp_len);
	ip6->nexthdr = IPPROTO_UDP_NR;
	ip6->hop_limit = t->ttl ? t->ttl : in->ttl;
	__builtin_memcpy(&ip6->saddr, t->local.ip6, 16);
	__builtin_memcpy(&ip6->daddr, t->remote.ip6, 16);
	return sizeof(*ip6);
}

/* Which checksum the outer UDP header carries: 0 = none, 1 = computed.
 * GSO segments share one header: bpf_skb_adjust_room marks the skb
 * SKB_GSO_UDP_TUNNEL, never _CSUM, so the kernel copies the field into
 * every segment unchanged, and only zero is right for all of them. Over
 * IPv6 that is the tunnel exception of RFC 6935/6936; the kernel's fou6
 * socket accepts it (udp_sock_create6 without use_udp6_rx_checksums), and
 * so does a fouloader port with configured peers. Every packet that is not
 * GSO carries a computed checksum over IPv6 unless noencap-udp6-csum. */
static __always_inline int csum_mode(const struct fou_tunnel *t, bool gso)
{
	if (gso)
		return 0;
	if (t->family == FOU_FAMILY_IPV4)
		return !!(t->flags & FOU_TUN_F_CSUM);
	return !(t->flags & FOU_TUN_F_UDP6_ZERO);
}

/* Checks that need the tunnel; a drop reason or FOU_CONTINUE. */
static __always_inline int tunnel_admits(const struct fou_tunnel *t, const struct fou_inner *in,
					 bool gso)
{
	if (t->kind == FOU_KIND_FOU && t->ipproto != IPPROTO_GRE_NR &&
	    t->ipproto != (in->family == FOU_FAMILY_IPV4 ? IPPROTO_IPIP_NR : IPPROTO_IPV6_NR))
		return FOU_STAT_TX_DROP_FAMILY;
	if (in->family == t->family && addr_equal(&in->daddr, &t->remote, t->family))
		return FOU_STAT_TX_DROP_LOOP;
	if (t->mtu && in->len > t->mtu && !gso)
		return FOU_STAT_TX_DROP_MTU;
	return gre_tx_admits(t, gso);
}

/* UDP (+ GUE) header at @buf, checksum left zero. */
static __always_inline void build_udp(const struct fou_tx *tx, __u32 udp_len, __u8 *buf)
{
	struct udphdr *uh = (void *)buf;

	uh->source = tx->sport;
	uh->dest = tx->dport;
	uh->len = bpf_htons(udp_len);
	uh->check = 0;
	if (tx->kind == FOU_KIND_GUE) {
		__u8 *g = (__u8 *)(uh + 1);

		g[0] = 0; /* version 0, not control, no optional fields */
		g[1] = tx->gre_len ? IPPROTO_GRE_NR
			   : tx->in.family == FOU_FAMILY_IPV4 ? IPPROTO_IPIP_NR : IPPROTO_IPV6_NR;
		g[2] = 0;
		g[3] = 0;
	}
}

/* Fill the UDP checksum at @buf (the UDP header) over pseudo-header, every
 * header word between UDP and the inner packet (UDP, GUE and its remcsum
 * option, GRE) and @inner_sum. Zero would mean "no checksum", so it becomes
 * 0xffff. */
static __always_inline void set_udp_csum(const struct fou_tx *tx, __u32 udp_len,
					 __u32 inner_sum, __u8 *buf)
{
	__u32 *w = (void *)buf;
	__u32 words = (udp_len - tx->in.len) / 4;
	__u64 acc = (__u64)inner_sum;
	__sum16 c;

	/* GRE's 16 bytes at most, or the remcsum option's 8: never both */
	for (int i = 0; i < (UDP_HLEN + GUE_HLEN + GRE_MAX_HLEN) / 4; i++)
		if (i < words)
			acc += w[i];
	acc += ip_pseudo_sum(&tx->local, &tx->remote, tx->family, IPPROTO_UDP_NR, udp_len);
	c = csum_fold(csum_fold64(acc));
	((struct udphdr *)buf)->check = c ? c : 0xffff;
}

/*
 * The outer IPv4 ID. IDs matter only for fragments (RFC 6864): a DF packet
 * takes the next of its tunnel's per-CPU count, which costs no helper call
 * (GSO increments from it per segment); one that may be fragmented takes a
 * random one, as does a packet whose DF is cleared later (outer_clear_df).
 */
static __always_inline __be16 outer_ip_id(struct fou_tx *tx)
{
	__u32 slot = tx->slot;

	if (tx->in.df && slot < FOU_MAX_TUNNELS)
		return bpf_htons(++tx->ip_id[slot]);
	return bpf_get_prandom_u32();
}

/* Outer headers into tx->hdr: IP at 0, UDP after it, constant offsets per
 * family so the stack accesses stay fixed for the verifier. */
static __always_inline void build_outer(const struct fou_tunnel *t, struct fou_tx *tx,
					bool csum, __u32 inner_sum)
{
	__u32 gue_len = tx->kind == FOU_KIND_GUE ? GUE_HLEN : 0;
	__u32 udp_len = UDP_HLEN + gue_len + tx->gre_len + tx->in.len;

	if (tx->family == FOU_FAMILY_IPV4) {
		build_ipv4(t, &tx->in, udp_len, outer_ip_id(tx), tx->hdr);
		build_udp(tx, udp_len, tx->hdr + sizeof(struct iphdr));
		if (tx->gre_len)
			gre_build(t, tx->gre_seq, tx->in.family, inner_sum,
				  tx->hdr + sizeof(struct iphdr) + UDP_HLEN + gue_len);
		if (csum)
			set_udp_csum(tx, udp_len, inner_sum, tx->hdr + sizeof(struct iphdr));
		/* 28 or 32 (GUE), 48 or 52 below, up to 8 more with the remcsum
		 * option or 16 with GRE: at most OUTER_MAX_HLEN */
		tx->hdrlen = sizeof(struct iphdr) + udp_len - tx->in.len;
	} else {
		build_ipv6(t, &tx->in, udp_len, flow_hash(&tx->in), tx->hdr);
		build_udp(tx, udp_len, tx->hdr + IPV6_HLEN);
		if (tx->gre_len)
			gre_build(t, tx->gre_seq, tx->in.family, inner_sum,
				  tx->hdr + IPV6_HLEN + UDP_HLEN + gue_len);
		if (csum)
			set_udp_csum(tx, udp_len, inner_sum, tx->hdr + IPV6_HLEN);
		tx->hdrlen = IPV6_HLEN + udp_len - tx->in.len;
	}
}

/* The inner packet's byte sum, derived or, failing that, read. */
static __always_inline bool inner_sum(struct __ctx_buff *ctx, void *data, void *data_end,
				      const struct fou_inner *in, __u32 *sum)
{
	__s64 r;

	if (inner_sum_derived(data, data_end, in, sum))
		return true;
	r = fou_range_sum(ctx, ETH_HLEN, in->len, 0);
	if (r < 0)
		return false;
	*sum = (__u32)r;
	return true;
}

static __always_inline void tx_from_tunnel(const struct fou_tunnel *t, struct fou_tx *tx)
{
	__u16 sport = t->sport;

	tx->kind = t->kind;
	tx->remcsum = !!(t->flags & FOU_TUN_F_REMCSUM);
	tx->family = t->family;
	tx->gre_len = gre_tx_hlen(t);
	tx->local = t->local;
	tx->remote = t->remote;
	tx->dport = bpf_htons(t->dport);
	if (!(t->flags & FOU_TUN_F_SPORT_FIXED))
		sport = sport_from_hash(flow_hash(&tx->in), t->sport_min, t->sport_max);
	tx->sport = bpf_htons(sport);
}

/*
 * The inner sum after the hop limit went from @hl + 1 to @hl: an IPv6 header
 * has no checksum of its own, so its bytes are in the sum (an IPv4 header
 * with its checksum updated sums to zero before and after). The word is
 * nexthdr | hop_limit; only the second byte changes.
 */
static __always_inline __u32 inner_sum_hop_limit(__u32 sum, __u8 hl)
{
	__u8 old[2] = { 0, (__u8)(hl + 1) }, new[2] = { 0, hl };

	return csum_add(csum_add(sum, (__u16)~*(__u16 *)old), *(__u16 *)new);
}

/*
 * Decide and prepare the encapsulation of the packet at @data (Ethernet,
 * untagged). Returns FOU_CONTINUE with tx ready (tx->hdr, tx->hdrlen), or a
 * fou_stat_id: tx_pass_* (not for a tunnel) or tx_drop_*. tx->kind is set
 * once the tunnel is known, so its counters can be charged. @fwd: XDP
 * forwarding, where this is a router hop (RFC 1812 5.3.1, RFC 8200 section
 * 3): what would expire here is left to the stack, which sends Time
 * Exceeded (fwd_pass_ttl); the rest is prepared one hop older (tx->in.ttl,
 * and the sums), which xdp_inner_ttl() writes once the packet surely leaves.
 * At TC egress the stack has done this already.
 */
static __always_inline int tx_prepare(struct __ctx_buff *ctx, void *data, void *data_end,
				      __u32 pkt_len, bool gso, bool fwd, struct fou_tx *tx)
{
	struct fou_tunnel *t;
	struct fou_route *r;
	__u32 isum = 0;
	int ret, mode;

	ret = parse_inner(data, data_end, pkt_len, &tx->in);
	if (ret != FOU_CONTINUE)
		return ret;
	r = route_lookup(&tx->in);
	if (!r)
		return FOU_STAT_TX_PASS_NO_ROUTE;
	tx->slot = r->tunnel;
	t = bpf_map_lookup_elem(&fou_tunnels, &tx->slot);
	if (!t || !t->name[0])
		return FOU_STAT_TX_DROP_NO_TUNNEL;
	tx_from_tunnel(t, tx);
	if (tx->in.bad)
		return FOU_STAT_TX_DROP_MALFORMED;
	if (fwd) {
		/* Variable-length headers: the stack and TC egress send these. */
		if (tx->gre_len)
			return FOU_STAT_FWD_PASS_GRE;
		if (tx->in.ttl <= 1)
			return FOU_STAT_FWD_PASS_TTL;
		tx->in.ttl--;
	}
	ret = tunnel_admits(t, &tx->in, gso);
	if (ret != FOU_CONTINUE)
		return ret;
	mode = csum_mode(t, gso);
	if (mode > 1)
		return mode;
	if ((mode == 1 || (tx->gre_len && (t->flags & FOU_TUN_F_GRE_CSUM))) &&
	    !inner_sum(ctx, data, data_end, &tx->in, &isum))
		return FOU_STAT_TX_DROP_MALFORMED;
	if (fwd && mode == 1 && tx->in.family == FOU_FAMILY_IPV6)
		isum = inner_sum_hop_limit(isum, tx->in.ttl);
	if ((t->flags & FOU_TUN_F_GRE_SEQ) && tx->gre_len && gre_take_seq(tx->slot, &tx->gre_seq))
		return FOU_STAT_TX_DROP_GRE_SEQ;
	build_outer(t, tx, mode == 1, isum);
	return FOU_CONTINUE;
}

/* Count one transmit outcome, and charge the tunnel once it is known; a
 * running monitor gets it too. */
static __always_inline void count_tx(struct __ctx_buff *ctx, int id, const struct fou_tx *tx)
{
	struct fou_tun_stats *s;
	__u32 slot = tx->slot;

	stat_inc(id);
	monitor_outcome(ctx, true, id, 0, tx->kind ? slot + 1 : 0);
	if (!tx->kind)
		return;
	s = bpf_map_lookup_elem(&fou_tun_stats, &slot);
	if (!s)
		return;
	if (id == FOU_STAT_TX_ENCAP_FOU || id == FOU_STAT_TX_ENCAP_GUE ||
	    id == FOU_STAT_FWD_ENCAP_FOU || id == FOU_STAT_FWD_ENCAP_GUE) {
		s->tx_packets++;
		s->tx_bytes += tx->in.len;
	} else if (FOU_STAT_IS_TX_DROP(id)) {
		s->drop_packets++;
	}
}

/* The outer route: where the encapsulated packet goes next. */
static __always_inline int fib_outer(void *ctx, const struct fou_tx *tx, __u32 ifindex,
				     __u16 tot_len, struct bpf_fib_lookup *fib)
{
	__builtin_memset(fib, 0, sizeof(*fib));
	fib->l4_protocol = IPPROTO_UDP_NR;
	fib->sport = tx->sport;
	fib->dport = tx->dport;
	fib->ifindex = ifindex;
	fib->tot_len = tot_len;
	if (tx->family == FOU_FAMILY_IPV4) {
		fib->family = AF_INET_NR;
		fib->ipv4_src = tx->local.ip4;
		fib->ipv4_dst = tx->remote.ip4;
	} else {
		fib->family = AF_INET6_NR;
		__builtin_memcpy(fib->ipv6_src, tx->local.ip6, 16);
		__builtin_memcpy(fib->ipv6_dst, tx->remote.ip6, 16);
	}
	/* An applied Redirect names an on-link gateway: looking it up gives
	 * its device and MAC, which is all the next hop needs. */
	if (tx->via_set)
		fib->ipv4_dst = tx->via.ip4;
	return bpf_fib_lookup(ctx, fib, sizeof(*fib), 0);
}

/* Outer IP + UDP (+ GUE) (+ GRE): what the tunnel adds to every inner packet. */
static __always_inline __u32 tunnel_overhead(const struct fou_tx *tx)
{
	/* encap-remcsum: its option counts always, as in the kernel's encap_hlen */
	return (tx->family == FOU_FAMILY_IPV4 ? sizeof(struct iphdr) : IPV6_HLEN) + UDP_HLEN +
	       (tx->kind == FOU_KIND_GUE ? GUE_HLEN + (tx->remcsum ? 8 : 0) : 0) + tx->gre_len;
}

/* The outer IPv4 header without DF, so that routers may fragment it; its
 * ID, counted while it had DF, becomes a random one (outer_ip_id). */
static __always_inline void outer_clear_df(struct fou_tx *tx)
{
	struct iphdr *iph = (void *)tx->hdr;
	__be16 old = iph->frag_off, old_id = iph->id, id = bpf_get_prandom_u32();

	iph->frag_off = 0;
	iph->id = id;
	iph->check = csum_replace16(csum_replace16(iph->check, old, 0), old_id, id);
}

/*
 * An inner packet of @seg_len over the tunnel's inner MTU @mtu. Its sender
 * learns the MTU (FOU_TOO_BIG: an ICMP error is sent), except where no MTU
 * it could use would help; then the outer packet goes without DF where
 * routers may fragment it (IPv4 outer), as the kernel's tunnels do:
 *  - inner IPv4 without DF: it asked to be fragmented on the way;
 *  - inner IPv6 of at most 1280 bytes: IPv6 senders never go below that.
 * Over IPv6 outer nothing on the path fragments: IPv4 without DF gets the
 * error anyway (as ip6_tunnel does), and IPv6 at 1280 cannot be sent.
 */
static __always_inline int tx_too_big(struct fou_tx *tx, __u32 seg_len, __u32 mtu)
{
	bool fragmentable = tx->in.family == FOU_FAMILY_IPV4 ? !tx->in.df
							    : seg_len <= FOU_PMTU_MIN6_DEFAULT;

	tx->mtu = mtu;
	if (!fragmentable)
		return FOU_TOO_BIG;
	if (tx->family == FOU_FAMILY_IPV4) {
		outer_clear_df(tx);
		return FOU_CONTINUE;
	}
	return tx->in.family == FOU_FAMILY_IPV4 ? FOU_TOO_BIG : FOU_STAT_TX_DROP_PMTU;
}

/*
 * What the path told us about the tunnel: an applied Redirect (tx->via) and
 * a learned path MTU. An inner packet (or GSO segment) of @seg_len bytes
 * that does not fit: see tx_too_big(). Learned state expires here, on
 * the first packet that would have used it, so that the fast path reads no
 * clock.
 */
static __always_inline int tx_path_check(struct fou_tx *tx, __u32 seg_len)
{
	struct fou_tun_path *path = bpf_map_lookup_elem(&fou_tun_path, &tx->slot);
	__u32 overhead = tunnel_overhead(tx);
	__u16 mtu;
	__u64 w;

	if (!path)
		return FOU_CONTINUE;
	/* A Redirect's next hop applies to every packet: its age is checked
	 * on each, but only where one was applied. */
	if (path->redirect_ns) {
		if (bpf_ktime_get_ns() - path->redirect_ns > pmtu_expire_ns(icmp_conf())) {
			path->redirect_ns = 0;
		} else if (tx->family == FOU_FAMILY_IPV4) {
			tx->via = path->redirect_gw;
			tx->via_set = 1;
		}
	}
	/* A plain read on the fast path: a packet that fits needs no more. */
	if (!path->pmtu || seg_len + overhead <= path->pmtu)
		return FOU_CONTINUE;
	/* Race-free expiry: see lib/pmtu.h. */
	w = pmtu_word_read(path);
	mtu = pmtu_word_mtu(w);
	if (!mtu)
		return FOU_CONTINUE;
	if (bpf_ktime_get_ns() - path->pmtu_ns > pmtu_expire_ns(icmp_conf())) {
		if (pmtu_word_swap(path, w, 0))
			stat_inc(FOU_STAT_PMTU_EXPIRED);
		return FOU_CONTINUE;
	}
	if (seg_len + overhead <= mtu)
		return FOU_CONTINUE;
	return tx_too_big(tx, seg_len, mtu > overhead ? mtu - overhead : 0);
}

#endif /* FOU_BPF_ENCAP_H */
