/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * TC egress only: native SCTP leaving a device with SCTP duties (RFC 6951
 * gateway towards over-UDP peers, CRC32c fill). Included by fou_tx_tc.
 */
#ifndef FOU_BPF_SCTP_TX_H
#define FOU_BPF_SCTP_TX_H

#include "lib/encap.h"
#include "lib/sctp.h"
#include "lib/skb.h"

/*
 * A stack that leaves the CRC32c to the device hands over CHECKSUM_PARTIAL
 * with csum_not_inet set (the kernel's SCTP with NETIF_F_SCTP_CRC); the
 * kernel fills it in at transmit (skb_crc32c_csum_help) over the packet as
 * it then is, checksum field included, so that field must stay zero.
 */
#if FOU_KERN_CTX
/* sk_buff has csum_not_inet only in kernels built with SCTP (CONFIG_IP_SCTP):
 * a CO-RE flavour, so that the field is looked for, not assumed. A kernel
 * without SCTP has no such skbs (nor the field). */
struct sk_buff___sctp {
	__u8 csum_not_inet: 1;
} __attribute__((preserve_access_index));

static __always_inline bool sctp_crc_offloaded(struct __sk_buff *skb, __u32 crc)
{
	struct sk_buff___sctp *ks = bpf_cast_to_kern_ctx(skb);

	(void)crc;
	if (!bpf_core_field_exists(ks->csum_not_inet))
		return false;
	return skb_ip_summed(skb) == CHECKSUM_PARTIAL_NR &&
	       BPF_CORE_READ_BITFIELD(ks, csum_not_inet);
}
#else
/* Native SCTP has no inet checksum for CHECKSUM_PARTIAL to be about: a
 * PARTIAL one is the offload, whose field is still zero. */
static __always_inline bool sctp_crc_offloaded(struct __sk_buff *skb, __u32 crc)
{
	return !crc && skb_ip_summed(skb) == CHECKSUM_PARTIAL_NR;
}
#endif

/* The association's over-UDP peer, by the tag of a packet going to it. */
static __always_inline struct fou_sctp_peer *sctp_peer_to(const struct fou_inner *in,
							  const struct sctp_head *h)
{
	struct sctp_info si = { .type = h->type, .flags = h->flags };
	struct fou_sctp_peer_key pk;

	/* A reflected tag (ABORT, SHUTDOWN COMPLETE) is ours, not the peer's. */
	if (sctp_tag_reflected(&si))
		return sctp_peer_by_their_tag(&in->daddr, in->family, bpf_ntohl(h->vtag));
	sctp_peer_key(&pk, &in->daddr, in->family, bpf_ntohl(h->vtag));
	return bpf_map_lookup_elem(&fou_sctp_peers, &pk);
}

/*
 * Put the native SCTP packet in UDP: 8 bytes of room after the MAC header,
 * the IP header (rewritten in a copy) moved back to the front, the UDP header
 * after it, and the UDP checksum over everything. @crc >= 0 is a CRC32c the
 * kernel will still write into the zero field: the checksum counts it now.
 * A global function, so that its copy of the IP header is not on the stack
 * under the CRC32c walk.
 */
__noinline int fou_sctp_put_udp(struct __sk_buff *skb)
{
	__u32 zero = 0, n, udp_len;
	struct fou_tx_scratch *s = bpf_map_lookup_elem(&fou_tx_scratch, &zero);
	const struct fou_inner *in;
	struct udphdr uh = {};
	__u8 hdr[60];
	__s64 sum, crc;

	if (!s)
		return FOU_STAT_TX_DROP_ADJUST;
	in = &s->tx.in;
	crc = s->sctp_crc;
	n = in->l4_off;
	udp_len = in->len - in->l4_off + UDP_HLEN;
	uh.source = s->tx.sport;
	uh.dest = s->tx.dport;
	uh.len = bpf_htons(udp_len);
	if (n < sizeof(struct iphdr) || n > sizeof(hdr))
		return FOU_STAT_TX_DROP_SCTP_MALFORMED;
	n = verifier_len(n, sizeof(hdr));
	if (bpf_skb_adjust_room(skb, UDP_HLEN, BPF_ADJ_ROOM_MAC, 0) ||
	    bpf_skb_load_bytes(skb, ETH_HLEN + UDP_HLEN, hdr, n))
		return FOU_STAT_TX_DROP_ADJUST;
	ip_retype(hdr, in->family, UDP_HLEN, IPPROTO_UDP_NR);
	if (bpf_skb_store_bytes(skb, ETH_HLEN, hdr, n, 0) ||
	    bpf_skb_store_bytes(skb, ETH_HLEN + n, &uh, sizeof(uh), 0))
		return FOU_STAT_TX_DROP_ADJUST;
	sum = fou_range_sum(skb, ETH_HLEN + n, udp_len,
			       ip_pseudo_sum(&in->saddr, &in->daddr, in->family, IPPROTO_UDP_NR,
					     udp_len));
	if (sum < 0)
		return FOU_STAT_TX_DROP_ADJUST;
	if (crc >= 0)
		sum = csum_add((__u32)sum, crc32c_to_wire((__u32)crc));
	uh.check = csum_fold((__u32)sum);
	if (!uh.check)
		uh.check = 0xffff; /* zero means "no checksum" */
	if (bpf_skb_store_bytes(skb, ETH_HLEN + n + 6, &uh.check, sizeof(uh.check), 0))
		return FOU_STAT_TX_DROP_ADJUST;
	return FOU_STAT_TX_ENCAP_SCTP;
}

/*
 * The CRC32c duty: fill it where asked or where nobody will (a zero field on
 * its way into UDP), and compute it, unstored, where the kernel will fill it
 * after us but the UDP checksum must count it now. Returns the outcome for a
 * device without the UDP side, else FOU_CONTINUE with *crc the CRC32c still
 * to count (-1: none).
 */
static __always_inline int sctp_egress_crc(struct __sk_buff *skb, __u32 flags, __u32 off,
					   __u32 len, __u32 wire_crc, __s64 *crc)
{
	bool offloaded = sctp_crc_offloaded(skb, wire_crc);
	bool store = !offloaded && ((flags & FOU_SCTP_DEV_F_FILL) ||
				    ((flags & FOU_SCTP_DEV_F_UDP_SIDE) && !wire_crc));

	*crc = -1;
	if (store || (offloaded && (flags & FOU_SCTP_DEV_F_UDP_SIDE))) {
		*crc = fou_crc32c(skb, off, len);
		if (*crc < 0)
			return FOU_STAT_TX_DROP_SCTP_MALFORMED;
	}
	if (store) {
		__u32 wire = crc32c_to_wire((__u32)*crc);

		if (bpf_skb_store_bytes(skb, off + 8, &wire, sizeof(wire), 0))
			return FOU_STAT_TX_DROP_ADJUST;
		*crc = -1;
	}
	if (!(flags & FOU_SCTP_DEV_F_UDP_SIDE)) {
		if (store)
			return FOU_STAT_TX_SCTP_FILLED;
		return offloaded && (flags & FOU_SCTP_DEV_F_FILL) ? FOU_STAT_TX_PASS_SCTP_CRC_OFFLOAD
								   : FOU_STAT_TX_PASS_NO_ROUTE;
	}
	return FOU_CONTINUE;
}

/*
 * The UDP side: learn the peer's tag from our INIT-ACK even when the packet
 * then leaves native, because the peer's replies are matched by it; choose
 * the ports fou_sctp_put_udp() will write.
 */
static __always_inline int sctp_egress_ports(struct __sk_buff *skb, struct fou_tx_scratch *s,
					     const struct sctp_head *h, __u32 len, __s64 crc)
{
	struct fou_inner *in = &s->tx.in;
	struct fou_sctp_peer *peer = sctp_peer_to(in, h);
	const struct fou_sctp_conf *conf;
	__u16 dport;

	/* Our side's INIT-ACK names the tag the peer's packets will carry. */
	if (peer && h->type == SCTP_CID_INIT_ACK && len >= sizeof(*h) && h->init_tag) {
		peer->peer_vtag = bpf_ntohl(h->init_tag);
		sctp_vtag_put(&in->daddr, in->family, peer->peer_vtag, bpf_ntohl(h->vtag));
	}
	if (peer && (peer->flags & FOU_SCTP_PEER_F_NATIVE))
		return FOU_STAT_TX_PASS_SCTP_NATIVE;
	if (dev_mtu_exceeded(skb, UDP_HLEN))
		return FOU_STAT_TX_DROP_MTU;
	conf = sctp_conf();
	dport = peer && peer->encap_port ? peer->encap_port : sctp_remote_port(conf);
	s->tx.sport = bpf_htons(sctp_encap_port(conf));
	s->tx.dport = bpf_htons(dport);
	s->sctp_crc = crc;
	return FOU_CONTINUE;
}

/*
 * Native SCTP leaving a device with SCTP duties: fill the CRC32c where asked
 * or where nobody will (a zero field on its way into UDP), and put it in UDP
 * when the peers behind the device speak SCTP over UDP (RFC 6951), to the
 * port learned for the association. A global function: the verifier checks
 * it once, and packets that are not SCTP never reach it. Returns the outcome,
 * or FOU_CONTINUE when fou_sctp_put_udp() is to encapsulate it (ports and
 * any pending CRC32c in the scratch state).
 */
__noinline int fou_sctp_egress(struct __sk_buff *skb)
{
	__u32 zero = 0, flags = sctp_dev_flags(skb->ifindex);
	struct fou_tx_scratch *s = bpf_map_lookup_elem(&fou_tx_scratch, &zero);
	struct sctp_head h = {};
	struct fou_inner *in;
	__u32 off, len;
	__s64 crc;
	int ret;

	if (!s || !(flags & (FOU_SCTP_DEV_F_FILL | FOU_SCTP_DEV_F_UDP_SIDE)))
		return FOU_STAT_TX_PASS_NO_ROUTE;
	in = &s->tx.in;
	if (in->frag)
		return FOU_STAT_TX_PASS_NO_ROUTE; /* only the first fragment has the header */
	/* l4_off is ihl * 4 (at most 60) or 40 (parse_inner, encap.h): the mask
	 * only shows the verifier that bound, it never changes the offset */
	off = ETH_HLEN + (in->l4_off & 0x3f);
	len = in->len - in->l4_off;
	if (in->bad || in->len < in->l4_off + SCTP_MIN_LEN ||
	    bpf_skb_load_bytes(skb, off, &h, len >= sizeof(h) ? sizeof(h) : SCTP_MIN_LEN))
		return FOU_STAT_TX_DROP_SCTP_MALFORMED;
	/* A GSO skb (the kernel's SCTP) gets each segment's CRC32c from the
	 * kernel (sctp_gso_segment); only putting it in UDP is impossible. */
	if (skb->gso_size)
		return flags & FOU_SCTP_DEV_F_UDP_SIDE ? FOU_STAT_TX_DROP_SCTP_GSO
						       : FOU_STAT_TX_PASS_NO_ROUTE;
	ret = sctp_egress_crc(skb, flags, off, len, h.crc, &crc);
	if (ret != FOU_CONTINUE)
		return ret;
	return sctp_egress_ports(skb, s, &h, len, crc);
}

#endif /* FOU_BPF_SCTP_TX_H */
