/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The receive decision, shared by the XDP and TC entry points: is this packet
 * for one of our ports, may this peer use it, is it well formed, and where
 * does the inner packet start. TC re-runs it after pulling non-linear data
 * when it returns FOU_NEED_PULL, which it does only before any side effect
 * (the ICMP and SCTP paths, which count and learn, never ask for a pull);
 * the entry points then act on the result.
 */
#ifndef FOU_BPF_DECAP_H
#define FOU_BPF_DECAP_H

#include "lib/parse.h"
#include "lib/csum.h"
#include "lib/gue.h"
#include "lib/gre.h"
#include "lib/sctp.h"
#include "lib/icmp.h"
#include "lib/stats.h"
#include "lib/remcsum.h"

/* Offsets below this bound cover every header we parse (the inner header
 * starts at most 78 + 8 + 128 bytes in); masking with it keeps the verifier's
 * view of derived packet pointers bounded. classify_owned() checks the
 * inner offset against it first, so the masks never change what is read. */
#define HDR_OFF_MASK 0xff

struct fou_rx {
	struct fou_pkt p;
	__u32 slot;        /* the port's slot in fou_ports / fou_port_stats */
	__u32 inner_off;   /* inner IP header, from the start of the frame */
	__u32 inner_len;
	__u16 inner_proto; /* ETH_P_IP or ETH_P_IPV6 */
	__u8 sctp_udp_side; /* native SCTP arrived on a FOU_SCTP_DEV_F_UDP_SIDE device */
	__u8 set_ecn;      /* the inner ECN field after decapsulation (RFC 6040), 0: as it is */
	__u8 outer_csum_ok; /* the outer UDP checksum was verified here, in full */
	__u8 pad[3];
	struct remcsum rc; /* GUE remote checksum offload to apply (lib/remcsum.h) */
	struct sctp_info si; /* SCTP, native or over UDP, once checked */
};

/* fou_ports has no such slot: SCTP outcomes outside a port charge no port. */
#define FOU_NO_SLOT FOU_MAX_PORTS


/* The kind of this host's address @a, in place among the first few
 * (fou_local_inline) or else in the hash; 0: not this host's. */
static __always_inline __u32 local_kind(__u8 family, const struct fou_addr *a)
{
	struct fou_local_inline *li;
	struct fou_local_key k;
	__u32 zero = 0, *kind;

	li = bpf_map_lookup_elem(&fou_local_inline, &zero);
	if (li && family == FOU_FAMILY_IPV4) {
		for (int i = 0; i < FOU_LOCAL_INLINE && i < li->n4; i++)
			if (li->v4[i] == a->ip4)
				return li->kind4[i];
		if (!li->more4)
			return 0;
	} else if (li) {
		for (int i = 0; i < FOU_LOCAL_INLINE && i < li->n6; i++)
			if (addr_equal(&li->v6[i], a, FOU_FAMILY_IPV6))
				return li->kind6[i];
		if (!li->more6)
			return 0;
	}
	__builtin_memset(&k, 0, sizeof(k));
	k.family = family;
	if (family == FOU_FAMILY_IPV4)
		k.addr.ip4 = a->ip4;
	else
		k.addr = *a;
	kind = bpf_map_lookup_elem(&fou_local_addrs, &k);
	return kind ? *kind : 0;
}

/*
 * Sources the kernel never decapsulates from: its martians (ip_route_input:
 * 0.0.0.0, 127/8, 224/4, 255.255.255.255, an address of this host) and
 * what ip6tnl refuses as a remote (::, ::1, ff00::/8, fe80::/10,
 * ::ffff:0:0/96, an address of this host). 'peer any' means any other
 * source; a named peer is the operator's word and is not second-guessed.
 */
static __always_inline bool source_is_martian(const struct fou_pkt *p)
{
	if (p->family == FOU_FAMILY_IPV4) {
		__u32 s = bpf_ntohl(p->saddr.ip4);

		if (!s || s >> 24 == 127 || s >> 28 == 0xe || s == 0xffffffff)
			return true;
	} else {
		const __be32 *s = p->saddr.ip6;
		__u32 w0 = bpf_ntohl(s[0]);

		if (w0 >> 24 == 0xff || w0 >> 22 == 0x3fa)
			return true;
		if (!s[0] && !s[1] && (s[2] == bpf_htonl(0xffff) ||
				       (!s[2] && (!s[3] || s[3] == bpf_htonl(1)))))
			return true;
	}
	return local_kind(p->family, &p->saddr) == FOU_LOCAL_UNICAST;
}

static __always_inline int peer_port_ok(__u16 want, const struct fou_rx *rx)
{
	return !want || want == bpf_ntohs(rx->p.sport) ? FOU_CONTINUE : FOU_STAT_DROP_PEER_PORT;
}

/* Ports with many peers: one hash lookup. */
static __always_inline int check_peer_hash(const struct fou_port *port, const struct fou_rx *rx)
{
	struct fou_peer_key pk;
	struct fou_peer *peer;

	__builtin_memset(&pk, 0, sizeof(pk));
	pk.port = port->port;
	pk.family = port->family;
	pk.addr = rx->p.saddr;
	peer = bpf_map_lookup_elem(&fou_peers, &pk);
	return peer ? peer_port_ok(peer->peer_port, rx) : FOU_STAT_DROP_PEER;
}

/* The allowlist: a few peers are compared in the port itself, which costs
 * nanoseconds where a hash lookup costs tens. */
static __always_inline int check_peer(const struct fou_port *port, const struct fou_rx *rx)
{
	if (port->flags & FOU_PORT_F_PEER_ANY)
		return source_is_martian(&rx->p) ? FOU_STAT_DROP_PEER : FOU_CONTINUE;
	if (port->flags & FOU_PORT_F_PEERS_HASH)
		return check_peer_hash(port, rx);
	for (int i = 0; i < FOU_PORT_INLINE_PEERS; i++) {
		if (i >= port->npeers)
			break;
		if (addr_equal(&port->peers[i].addr, &rx->p.saddr, rx->p.family))
			return peer_port_ok(port->peers[i].port, rx);
	}
	return FOU_STAT_DROP_PEER;
}

static __always_inline int check_lengths(const struct fou_pkt *p)
{
	if (p->ip_end > p->pkt_len)
		return FOU_STAT_DROP_TRUNCATED;
	if (p->udp_len < UDP_HLEN || p->l4_off + p->udp_len != p->ip_end)
		return FOU_STAT_DROP_UDP_LEN;
	return FOU_CONTINUE;
}

/* The stack already vouches for the checksum (verified by the device, or a
 * local packet whose checksum is still to be filled in): TC only. */
static __always_inline bool csum_trusted(struct __ctx_buff *ctx)
{
	__u8 ip_summed = ctx_ip_summed(ctx);

	return ip_summed == CHECKSUM_UNNECESSARY_NR || ip_summed == CHECKSUM_PARTIAL_NR;
}

/*
 * A zero UDP checksum over IPv6 (RFC 6935/6936: for tunnels, where the
 * endpoint checks what the checksum would have covered). GSO packets from
 * fouloader and from the kernel with noencap-udp6-csum carry one, and the
 * kernel's fou6 socket accepts it always. We accept it where the source
 * address was checked against configured peers (check_peer runs first) and
 * the destination against this host's addresses, and the inner packet's
 * own checksums still protect its payload; a 'peer any' port needs
 * zero-csum6. Never for SCTP over UDP (RFC 6951 8.1: a real checksum).
 */
static __always_inline bool zero_csum6_ok(const struct fou_port *port)
{
	if (port->flags & FOU_PORT_F_ZERO_CSUM6)
		return true;
	if (port->kind == FOU_KIND_FOU && port->ipproto == IPPROTO_SCTP_NR)
		return false;
	return !(port->flags & FOU_PORT_F_PEER_ANY);
}

static __always_inline int check_csum(struct __ctx_buff *ctx,
				      const struct fou_port *port, struct fou_rx *rx)
{
	const struct fou_pkt *p = &rx->p;

	if (!p->udp_csum) {
		if (p->family == FOU_FAMILY_IPV6 && !zero_csum6_ok(port))
			return FOU_STAT_DROP_ZERO_CSUM6;
		return FOU_CONTINUE;
	}
	if (csum_trusted(ctx))
		return FOU_CONTINUE;
	if (!udp_csum_valid(ctx, p))
		return FOU_STAT_DROP_UDP_CSUM;
	rx->outer_csum_ok = 1;
	return FOU_CONTINUE;
}

static __always_inline int check_inner_ipv4(void *in, void *data_end, struct fou_rx *rx)
{
	struct iphdr *iph = in;

	if (rx->inner_len < sizeof(*iph))
		return FOU_STAT_DROP_INNER_TRUNC;
	if ((void *)(iph + 1) > data_end)
		return FOU_NEED_PULL;
	if (iph->version != 4)
		return FOU_STAT_DROP_INNER_VERSION;
	if (iph->ihl < 5 || iph->ihl * 4 > rx->inner_len)
		return FOU_STAT_DROP_INNER_TRUNC;
	if (bpf_ntohs(iph->tot_len) != rx->inner_len)
		return FOU_STAT_DROP_INNER_LEN;
	rx->inner_proto = ETH_P_IP;
	return iph->tos & ECN_MASK;
}

static __always_inline int check_inner_ipv6(void *in, void *data_end, struct fou_rx *rx)
{
	struct ipv6hdr *ip6 = in;

	if (rx->inner_len < sizeof(*ip6))
		return FOU_STAT_DROP_INNER_TRUNC;
	if ((void *)(ip6 + 1) > data_end)
		return FOU_NEED_PULL;
	if (ip6->version != 6)
		return FOU_STAT_DROP_INNER_VERSION;
	if (IPV6_HLEN + bpf_ntohs(ip6->payload_len) != rx->inner_len)
		return FOU_STAT_DROP_INNER_LEN;
	rx->inner_proto = ETH_P_IPV6;
	return (ip6->flow_lbl[0] >> 4) & ECN_MASK;
}

/* Validate the inner header and apply RFC 6040 decapsulation rules to ECN. */
static __always_inline int check_inner(void *data, void *data_end, struct fou_rx *rx,
				       __u8 ipproto)
{
	void *in = data + (rx->inner_off & HDR_OFF_MASK);
	int ecn;

	if (ipproto == IPPROTO_IPIP_NR)
		ecn = check_inner_ipv4(in, data_end, rx);
	else
		ecn = check_inner_ipv6(in, data_end, rx);
	if (ecn < 0 || ecn > ECN_MASK)
		return ecn; /* FOU_NEED_PULL or a drop reason (all > 3) */
	/* RFC 6040 4.2: outer CE marks an ECN-capable inner packet (a
	 * not-ECT one is dropped); outer ECT(1) turns inner ECT(0) into
	 * ECT(1), as the kernel's INET_ECN_decapsulate does; nothing else
	 * changes the inner field. */
	if (rx->p.outer_ecn == ECN_CE) {
		if (ecn == ECN_NOT_ECT)
			return FOU_STAT_DROP_ECN;
		rx->set_ecn = ecn != ECN_CE ? ECN_CE : 0;
	} else if (rx->p.outer_ecn == ECN_ECT_1 && ecn == ECN_ECT_0) {
		rx->set_ecn = ECN_ECT_1;
	}
	return FOU_CONTINUE;
}

/* The outer packet's own checks, before anything it carries is trusted: a
 * header that fails its checksum may name the wrong peer; IPv6 options the
 * kernel would drop the packet for, it never reaches UDP. */
static __always_inline int check_outer(struct __ctx_buff *ctx, void *data, void *data_end,
				       const struct fou_port *port, struct fou_rx *rx)
{
	int ret;

	if (rx->p.family == FOU_FAMILY_IPV4 && !ip4_hdr_csum_ok(data, data_end, &rx->p))
		return FOU_STAT_DROP_IP4_HDR_CSUM;
	if (rx->p.ip6_ext_verdict)
		return rx->p.ip6_ext_verdict;
	ret = check_peer(port, rx);
	if (ret == FOU_CONTINUE)
		ret = check_lengths(&rx->p);
	if (ret == FOU_CONTINUE)
		ret = check_csum(ctx, port, rx);
	return ret;
}

/* RFC 6951: the UDP payload at @off is a whole SCTP packet, whose native
 * header is later rewritten in place, without a chain. */
static __always_inline int classify_sctp_udp(struct __ctx_buff *ctx, __u32 off, __u32 len,
					     struct fou_rx *rx)
{
	int ret;

	if (rx->p.family == FOU_FAMILY_IPV6 && rx->p.l4_off != rx->p.l3_off + IPV6_HLEN)
		return FOU_STAT_PASS_IP6_EXTHDR;
	ret = fou_sctp_check(ctx, off, len, &rx->si);
	rx->inner_len = len;
	return ret == FOU_CONTINUE ? FOU_STAT_RX_DECAP_SCTP : ret;
}

/* The GUE and GRE headers between UDP (its payload at @off, @len bytes)
 * and the inner packet: rx->inner_off moves past them, *@ipproto becomes
 * what they carry; @gue is kept for remote checksum offload. */
static __always_inline int skip_encap_headers(struct __ctx_buff *ctx, void *data, void *data_end,
					      const struct fou_port *port, struct fou_rx *rx,
					      __u32 off, __u32 len, struct gue_result *gue,
					      __u8 *ipproto)
{
	__u32 gre_len = 0;
	int ret;

	if (port->kind == FOU_KIND_GUE) {
		/* Checked here, not only by parse_udp's bound on l4_off far
		 * away: the mask then never changes what is read. */
		if (off > HDR_OFF_MASK)
			return FOU_STAT_DROP_INNER_TRUNC;
		ret = gue_parse(data + (off & HDR_OFF_MASK), data_end, len, gue);
		if (ret != FOU_CONTINUE)
			return ret;
		*ipproto = gue->ipproto;
		rx->inner_off += gue->hdr_len;
	}
	if (*ipproto != IPPROTO_GRE_NR)
		return FOU_CONTINUE;
	if (rx->inner_off > HDR_OFF_MASK)
		return FOU_STAT_DROP_INNER_TRUNC;
	ret = gre_parse(ctx, data, data_end, rx->inner_off, rx->p.ip_end - rx->inner_off,
			rx->p.gso, port, &gre_len, ipproto);
	if (ret != FOU_CONTINUE)
		return ret;
	rx->inner_off += gre_len;
	return FOU_CONTINUE;
}

/* Everything after the port matched. */
static __always_inline int classify_owned(struct __ctx_buff *ctx, void *data, void *data_end,
					  const struct fou_port *port, struct fou_rx *rx)
{
	__u32 payload_off = rx->p.l4_off + UDP_HLEN;
	__u32 payload_len;
	struct gue_result gue = {}; /* kept for remote checksum offload */
	__u8 ipproto = port->ipproto;
	int ret;

	ret = check_outer(ctx, data, data_end, port, rx);
	if (ret != FOU_CONTINUE)
		return ret;
	payload_len = rx->p.udp_len - UDP_HLEN;
	rx->inner_off = payload_off;
	if (port->kind == FOU_KIND_FOU && ipproto == IPPROTO_SCTP_NR)
		return classify_sctp_udp(ctx, payload_off, payload_len, rx);
	ret = skip_encap_headers(ctx, data, data_end, port, rx, payload_off, payload_len, &gue,
				 &ipproto);
	if (ret != FOU_CONTINUE)
		return ret;
	rx->inner_len = rx->p.ip_end - rx->inner_off;
	if (rx->inner_off > HDR_OFF_MASK)
		return FOU_STAT_DROP_INNER_TRUNC;
	ret = check_inner(data, data_end, rx, ipproto);
	if (ret == FOU_CONTINUE && gue.remcsum)
		ret = remcsum_check(ctx, port, &gue, &rx->p, rx->inner_len,
				    rx->outer_csum_ok, &rx->rc);
	if (ret != FOU_CONTINUE)
		return ret;
	return port->kind == FOU_KIND_GUE ? FOU_STAT_RX_DECAP_GUE : FOU_STAT_RX_DECAP_FOU;
}

/* The slot + 1 of the receive port for @dport (network order) and
 * @family, 0 if none: one inlined array lookup (see fou_port_slot). */
static __always_inline __u32 port_slot1(__u8 family, __be16 dport)
{
	__u32 idx = FOU_PORT_INDEX(family, bpf_ntohs(dport));
	__u16 *s = bpf_map_lookup_elem(&fou_port_slot, &idx);

	return s ? *s : 0;
}

/* Two inlined array lookups find the port (see fou_port_slot). */
static __always_inline struct fou_port *find_port(const struct fou_pkt *p, __u32 *slot)
{
	__u16 port = bpf_ntohs(p->dport);
	__u32 s1 = port_slot1(p->family, p->dport);
	struct fou_port *fp;

	if (!s1)
		return NULL;
	*slot = s1 - 1;
	fp = bpf_map_lookup_elem(&fou_ports, slot);
	/* A slot being reused while fouloader edits it: not ours either way. */
	if (!fp || fp->port != port || fp->family != p->family)
		return NULL;
	return fp;
}

/* Native SCTP: its CRC32c is checked unless the device says not to. */
static __always_inline int sctp_rx_native(struct __ctx_buff *ctx, __u32 ifindex, struct fou_rx *rx)
{
	__u32 flags = sctp_dev_flags(ifindex);
	int ret;

	if (flags & FOU_SCTP_DEV_F_NOVERIFY)
		return FOU_STAT_PASS_NOT_UDP;
	/* The kernel's SCTP on a device with CRC offload (veth) leaves the
	 * field zero and the skb CHECKSUM_PARTIAL, GSO or not, for the device
	 * or skb_crc32c_csum_help to fill in; sctp_rcv() trusts such an skb.
	 * Nothing to check yet: passed, never marked checked. */
	if (ctx_ip_summed(ctx) == CHECKSUM_PARTIAL_NR)
		return FOU_STAT_PASS_SCTP_CRC_OFFLOAD;
	/* A GSO skb holds several packets, each with its own CRC32c. */
	if (rx->p.gso)
		return FOU_STAT_PASS_NOT_UDP;
	rx->slot = FOU_NO_SLOT;
	if (rx->p.ip_end > rx->p.pkt_len)
		return FOU_STAT_DROP_TRUNCATED;
	if (rx->p.ip_end < rx->p.l4_off + SCTP_MIN_LEN)
		return FOU_STAT_DROP_SCTP_SHORT;
	ret = fou_sctp_check(ctx, rx->p.l4_off, rx->p.ip_end - rx->p.l4_off, &rx->si);
	if (ret != FOU_CONTINUE)
		return ret;
	rx->si.native = 1;
	rx->sctp_udp_side = !!(flags & FOU_SCTP_DEV_F_UDP_SIDE);
	return FOU_STAT_PASS_SCTP_CRC_OK;
}

/* Whether either port (network order) is the SCTP encapsulation port. */
static __always_inline bool sctp_port_either(__be16 sport, __be16 dport)
{
	__be16 port = bpf_htons(sctp_encap_port(sctp_conf()));

	return dport == port || sport == port;
}

/*
 * SCTP over UDP to or from the encapsulation port, passing through (or to a
 * user-space stack on this host): checked like native SCTP. Nothing but the
 * port says it is SCTP, so only a well-formed SCTP packet with a bad CRC32c
 * is dropped; anything not shaped like SCTP (lengths, chunks) is some other
 * protocol's and passes untouched (pass_not_sctp).
 */
static __always_inline int sctp_rx_transit(struct __ctx_buff *ctx, __u32 ifindex, struct fou_rx *rx)
{
	int ret;

	if (!sctp_port_either(rx->p.sport, rx->p.dport))
		return FOU_STAT_PASS_NO_PORT;
	if ((sctp_dev_flags(ifindex) & FOU_SCTP_DEV_F_NOVERIFY) || rx->p.gso)
		return FOU_STAT_PASS_NO_PORT;
	rx->slot = FOU_NO_SLOT;
	if (check_lengths(&rx->p) != FOU_CONTINUE || rx->p.udp_len < UDP_HLEN + SCTP_MIN_LEN)
		return FOU_STAT_PASS_NOT_SCTP;
	ret = fou_sctp_check(ctx, rx->p.l4_off + UDP_HLEN, rx->p.udp_len - UDP_HLEN, &rx->si);
	if (ret == FOU_CONTINUE)
		return FOU_STAT_PASS_SCTP_CRC_OK;
	return ret == FOU_STAT_DROP_SCTP_CRC ? ret : FOU_STAT_PASS_NOT_SCTP;
}

static __always_inline bool dest_is_multicast(const struct fou_pkt *p)
{
	if (p->family == FOU_FAMILY_IPV4)
		return (p->daddr.ip4 & bpf_htonl(0xf0000000)) == bpf_htonl(0xe0000000) ||
		       p->daddr.ip4 == 0xffffffff;
	return (p->daddr.ip6[0] & bpf_htonl(0xff000000)) == bpf_htonl(0xff000000);
}

/*
 * Is the packet addressed to this host? The kernel's fou only sees what
 * ip_rcv()/ip6_rcv() deliver locally; a router must not take over FOU
 * traffic passing through it. Multicast and broadcast are known by their
 * address (224/4, 255.255.255.255, ff00::/8), or as a subnet's broadcast
 * from fou_local_addrs, and need the port's 'multicast'. Unicast must be
 * one of this host's addresses, which fouloader keeps in fou_local_addrs
 * (and the first few in fou_local_inline, compared in place).
 * Why a map and not bpf_fib_lookup: the FIB helper answers FWD_DISABLED
 * before anything on a host with forwarding off (most tunnel endpoints),
 * tells a local address from a directed broadcast by neither answer
 * (both NOT_FWDED), and costs several times one hash lookup. What the map
 * cannot see is an address added after fouloader last wrote it: packets to
 * it pass untouched (pass_not_local, counted) until the next attach, port
 * add or apply; the stack then has them.
 */
static __always_inline int check_dest(const struct fou_port *port, const struct fou_pkt *p)
{
	__u32 kind;

	if (dest_is_multicast(p))
		return port->flags & FOU_PORT_F_MULTICAST ? FOU_CONTINUE : FOU_STAT_PASS_MULTICAST;
	/* An RFC 6951 port is a gateway's: it turns SCTP over UDP passing
	 * through into native SCTP for the hosts behind it, transit by design. */
	if (port->kind == FOU_KIND_FOU && port->ipproto == IPPROTO_SCTP_NR)
		return FOU_CONTINUE;
	kind = local_kind(p->family, &p->daddr);
	if (!kind)
		return FOU_STAT_PASS_NOT_LOCAL;
	if (kind == FOU_LOCAL_BROADCAST && !(port->flags & FOU_PORT_F_MULTICAST))
		return FOU_STAT_PASS_MULTICAST;
	return FOU_CONTINUE;
}

/*
 * What fou_rx_classify() would call pass_not_udp or pass_no_port, known from
 * an untagged frame's headers alone, before the per-packet state is cleared
 * or any helper is called: an IPv4 protocol or IPv6 next header we never
 * look into (TCP mostly), or an unfragmented UDP datagram over IPv4, or over
 * IPv6 without extension headers, to a port no receive port has
 * (fou_port_slot, as find_port() reads it) and neither to nor from the SCTP
 * encapsulation port (sctp_rx_transit()). UDP only: ICMP and SCTP always go
 * on. Returns FRAME_NOT_UDP, the destination port (host order) of a
 * datagram no port takes, or -1: the full classification decides.
 * Inlined: a call costs more here than the whole test.
 */
#define FRAME_NOT_UDP 0x10000
static __always_inline int frame_not_ours(struct __ctx_buff *ctx)
{
	void *data = ctx_data(ctx);
	void *data_end = ctx_data_end(ctx);
	struct ethhdr *eth = data;
	struct iphdr *iph = (void *)(eth + 1);
	struct ipv6hdr *ip6 = (void *)(eth + 1);
	struct udphdr *udp;
	__be16 dport;
	__u8 family, proto;

	if ((void *)(iph + 1) <= data_end && eth->h_proto == bpf_htons(ETH_P_IP)) {
		/* Version 4, no options (rare: the full path reads past them). */
		if (*(__u8 *)iph != 0x45)
			return -1;
		proto = iph->protocol;
		if (!ip4_proto_examined(proto))
			return FRAME_NOT_UDP;
		if (proto != IPPROTO_UDP_NR || (iph->frag_off & bpf_htons(IP_MF | IP_OFFSET)))
			return -1;
		udp = (void *)(iph + 1);
		family = FOU_FAMILY_IPV4;
	} else if ((void *)(ip6 + 1) <= data_end && eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		if (ip6->version != 6)
			return -1;
		if (ip6->nexthdr != IPPROTO_UDP_NR)
			return ip6->nexthdr == IPPROTO_SCTP_NR || ip6->nexthdr == IPPROTO_ICMPV6_NR ||
			       ipv6_is_exthdr(ip6->nexthdr) ? -1 : FRAME_NOT_UDP;
		udp = (void *)(ip6 + 1);
		family = FOU_FAMILY_IPV6;
	} else {
		return -1;
	}
	if ((void *)(udp + 1) > data_end)
		return -1;
	dport = udp->dest;
	if (port_slot1(family, dport) || sctp_port_either(udp->source, dport))
		return -1;
	return bpf_ntohs(dport);
}

/* The reason to count for frame_not_ours()'s answer @r (>= 0). */
static __always_inline int not_ours_reason(int r)
{
	return r == FRAME_NOT_UDP ? FOU_STAT_PASS_NOT_UDP : FOU_STAT_PASS_NO_PORT;
}

/*
 * Classify one packet. Returns a fou_stat_id (rx_*: decapsulate; pass_*: not
 * ours; drop_*: ours and malformed or unauthorised) or FOU_NEED_PULL when
 * rx->p.can_pull is set and the headers continue in non-linear data.
 */
static __always_inline int fou_rx_classify(struct __ctx_buff *ctx, void *data, void *data_end,
					   __u32 ifindex, struct fou_rx *rx)
{
	struct fou_port *port;
	int ret;

	ret = parse_outer(ctx, data, data_end, &rx->p);
	/* Native SCTP or ICMP with options the kernel drops it for: the kernel's. */
	if ((ret == FOU_SCTP || ret == FOU_ICMP) && rx->p.ip6_ext_verdict)
		return FOU_STAT_PASS_IP6_EXTHDR;
	if (ret == FOU_SCTP)
		return sctp_rx_native(ctx, ifindex, rx);
	if (ret == FOU_ICMP) {
		rx->slot = FOU_NO_SLOT;
		return icmp_rx(ctx, ifindex, &rx->p);
	}
	if (ret != FOU_CONTINUE)
		return ret;

	port = find_port(&rx->p, &rx->slot);
	if (!port)
		return sctp_rx_transit(ctx, ifindex, rx);
	if (port->ifindex && port->ifindex != ifindex)
		return FOU_STAT_PASS_OTHER_DEV;
	/* 'local ADDR' names the one address the port takes, explicitly. */
	if (port->flags & FOU_PORT_F_LOCAL) {
		if (!addr_equal(&port->local, &rx->p.daddr, rx->p.family))
			return FOU_STAT_PASS_OTHER_LOCAL;
	} else {
		ret = check_dest(port, &rx->p);
		if (ret != FOU_CONTINUE)
			return ret;
	}

	ret = classify_owned(ctx, data, data_end, port, rx);
	if (ret == FOU_NEED_PULL && !rx->p.can_pull)
		return FOU_STAT_DROP_TRUNCATED;
	return ret;
}

/* Write rx->set_ecn into the inner ECN field (RFC 6040), fixing the IPv4
 * header checksum. */
static __always_inline int inner_set_ecn(void *data, void *data_end, const struct fou_rx *rx)
{
	void *in = data + (rx->inner_off & HDR_OFF_MASK);

	if (rx->inner_proto == ETH_P_IP) {
		struct iphdr *iph = in;
		__be16 old, new;

		if ((void *)(iph + 1) > data_end)
			return -1;
		/* The word version/ihl/tos, before and after: tos is its low byte. */
		old = *(__be16 *)iph;
		iph->tos = (iph->tos & ~ECN_MASK) | rx->set_ecn;
		new = *(__be16 *)iph;
		iph->check = csum_replace16(iph->check, old, new);
		return 0;
	}
	struct ipv6hdr *ip6 = in;

	if ((void *)(ip6 + 1) > data_end)
		return -1;
	ip6->flow_lbl[0] = (ip6->flow_lbl[0] & ~(ECN_MASK << 4)) | rx->set_ecn << 4;
	return 0;
}

/*
 * What an RFC 6951 gateway learns from a checked packet of an over-UDP peer:
 * its encapsulation port when it came over UDP to a port of ours, or that it
 * speaks native SCTP when it came natively through a device facing such
 * peers.
 */
static __always_inline void sctp_rx_learn(int id, const struct fou_rx *rx)
{
	if (!rx->si.crc_ok)
		return; /* over 16 KiB: the CRC32c was left to the endpoint */
	if (id == FOU_STAT_RX_DECAP_SCTP)
		sctp_learn_from_peer(&rx->p.saddr, rx->p.family, &rx->si, bpf_ntohs(rx->p.sport));
	else if (id == FOU_STAT_PASS_SCTP_CRC_OK && rx->si.native && rx->sctp_udp_side)
		sctp_learn_from_peer(&rx->p.saddr, rx->p.family, &rx->si, 0);
}

/* A decapsulation with remote checksum offload: the inner checksum is
 * completed first, from the packet as it came (before RFC 6040 touches the
 * inner header). Returns @id, or the drop reason. */
static __always_inline int remcsum_rx(struct __ctx_buff *ctx, int id, const struct fou_rx *rx)
{
	int ret = remcsum_apply(ctx, &rx->p, rx->inner_off, &rx->rc);

	return ret == FOU_CONTINUE ? id : ret;
}

/* count_outcome() of what frame_not_ours() answered @r (>= 0), without the
 * per-packet state: of it, counting a pass reads only the destination port,
 * which @r is (FRAME_NOT_UDP: none). */
static __always_inline void count_not_ours(struct __ctx_buff *ctx, int r)
{
	int id = not_ours_reason(r);

	stat_inc(id);
	monitor_outcome(ctx, false, id, r == FRAME_NOT_UDP ? 0 : r, 0);
}

/* Count the outcome of one packet: the reason, and the port's own counters;
 * a running monitor gets it too. */
static __always_inline void count_outcome(struct __ctx_buff *ctx, int id, const struct fou_rx *rx)
{
	stat_inc(id);
	monitor_outcome(ctx, false, id, bpf_ntohs(rx->p.dport), 0);
	if (FOU_STAT_IS_DROP(id))
		port_stat_drop(rx->slot);
	else if (!FOU_STAT_IS_PASS(id))
		port_stat_rx(rx->slot, rx->inner_len);
}

#endif /* FOU_BPF_DECAP_H */
