/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * fou_tx_tc: FOU/GUE encapsulation at TC egress, for local and forwarded
 * traffic. A GSO packet is encapsulated once (bpf_skb_adjust_room marks it
 * SKB_GSO_UDP_TUNNEL) and segmented by the stack after us.
 */
#include "lib/encap.h"
#include "lib/sctp.h"
#include "lib/skb.h"

FOU_DEFINE_CSUM_COPIED(fou_csum_copied_tc, struct __sk_buff, HOOK_TC)
FOU_DEFINE_RANGE_SUM(fou_range_sum_tc, struct __sk_buff, skb_data(ctx), skb_data_end(ctx),
		     fou_csum_copied_tc)
FOU_DEFINE_CRC32C(fou_crc32c_tc, struct __sk_buff, HOOK_TC, skb_data(ctx), skb_data_end(ctx))

/* Ethernet + the largest IPv4 header + a TCP header: ports and checksum. */
#define TX_PULL_LEN (ETH_HLEN + 60 + 20)

static __always_inline __u64 adjust_flags(const struct fou_tx *tx)
{
	__u64 flags = BPF_F_ADJ_ROOM_ENCAP_L4_UDP;

	flags |= tx->family == FOU_FAMILY_IPV4 ? BPF_F_ADJ_ROOM_ENCAP_L3_IPV4
					       : BPF_F_ADJ_ROOM_ENCAP_L3_IPV6;
	/* GUE sits between UDP and the inner IP header: tell GSO where the
	 * inner network header starts. */
	if (tx->kind == FOU_KIND_GUE)
		flags |= (__u64)GUE_HLEN << 56; /* BPF_F_ADJ_ROOM_ENCAP_L2(4) */
	return flags;
}

/* Insert the outer headers after the MAC header and set the EtherType. */
static __always_inline int put_headers(struct __sk_buff *skb, const struct fou_tx *tx)
{
	__u32 hdrlen = tx->hdrlen & 0x3f;
	struct ethhdr *eth;

	if (hdrlen < sizeof(struct iphdr) + UDP_HLEN || hdrlen > OUTER_MAX_HLEN)
		return -1;
	if (bpf_skb_adjust_room(skb, hdrlen, BPF_ADJ_ROOM_MAC, adjust_flags(tx)))
		return -1;
	if (bpf_skb_store_bytes(skb, ETH_HLEN, tx->hdr, hdrlen, 0))
		return -1;
	eth = skb_data(skb);
	if ((void *)(eth + 1) > skb_data_end(skb))
		return -1;
	eth->h_proto = bpf_htons(tx->family == FOU_FAMILY_IPV4 ? ETH_P_IP : ETH_P_IPV6);
	return 0;
}

/*
 * Send the encapsulated packet towards the outer destination. With a
 * complete FIB answer on this device, rewriting the MACs is enough; another
 * device means a redirect; an unresolved neighbour goes through
 * bpf_redirect_neigh, which resolves it. A host with forwarding off gets
 * FWD_DISABLED from every FIB lookup: then the kernel routes the outer packet
 * itself, out of this device.
 */
static __always_inline int next_hop(struct __sk_buff *skb, int fib_ret,
				    const struct bpf_fib_lookup *fib)
{
	struct bpf_redir_neigh nh = {};
	struct ethhdr *eth;

	if (fib_ret == BPF_FIB_LKUP_RET_SUCCESS) {
		eth = skb_data(skb);
		if ((void *)(eth + 1) > skb_data_end(skb))
			return TC_ACT_SHOT;
		__builtin_memcpy(eth->h_dest, fib->dmac, 6);
		__builtin_memcpy(eth->h_source, fib->smac, 6);
		return fib->ifindex == skb->ifindex ? TC_ACT_OK : bpf_redirect(fib->ifindex, 0);
	}
	if (fib_ret == BPF_FIB_LKUP_RET_NO_NEIGH) {
		nh.nh_family = fib->family;
		__builtin_memcpy(nh.ipv6_nh, fib->ipv6_dst, 16); /* the gateway, or the remote */
		return bpf_redirect_neigh(fib->ifindex, &nh, sizeof(nh), 0);
	}
	return bpf_redirect_neigh(skb->ifindex, NULL, 0, 0);
}

static __always_inline int encapsulate(struct __sk_buff *skb, struct fou_tx *tx,
				       struct bpf_fib_lookup *fib, int *verdict)
{
	__u32 mtu_len = 0;
	int ret;

	/* The device MTU, GSO segments included (the tunnel's own is checked
	 * in tx_prepare). */
	if (bpf_check_mtu(skb, 0, &mtu_len, tx->hdrlen, 0))
		return FOU_STAT_TX_DROP_MTU;
	ret = fib_outer(skb, tx, skb->ifindex, 0, fib);
	if (ret != BPF_FIB_LKUP_RET_SUCCESS && ret != BPF_FIB_LKUP_RET_NO_NEIGH &&
	    ret != BPF_FIB_LKUP_RET_FWD_DISABLED)
		return FOU_STAT_TX_DROP_NO_FIB;
	/* Trailing bytes after the inner packet would trail the outer one. */
	if (skb->len > ETH_HLEN + tx->in.len && !skb->gso_size &&
	    bpf_skb_change_tail(skb, ETH_HLEN + tx->in.len, 0))
		return FOU_STAT_TX_DROP_ADJUST;
	if (put_headers(skb, tx))
		return FOU_STAT_TX_DROP_ADJUST;
	*verdict = next_hop(skb, ret, fib);
	return tx->kind == FOU_KIND_GUE ? FOU_STAT_TX_ENCAP_GUE : FOU_STAT_TX_ENCAP_FOU;
}

/* An skb the stack or we already encapsulated (skb->encapsulation): a packet
 * we handed back through bpf_redirect_neigh passes here a second time, and
 * the kernel refuses a second encapsulation layer anyway. Cheaper than the
 * route lookup it saves. */
static __always_inline bool already_encapsulated(struct __sk_buff *skb)
{
	struct sk_buff *kskb = bpf_cast_to_kern_ctx(skb);

	return BPF_CORE_READ_BITFIELD_PROBED(kskb, encapsulation);
}

/* ---------------------------------------------------------------- SCTP */

/* sk_buff has csum_not_inet only in kernels built with SCTP (CONFIG_IP_SCTP):
 * a CO-RE flavour, so that the field is looked for, not assumed. */
struct sk_buff___sctp {
	__u8 csum_not_inet: 1;
} __attribute__((preserve_access_index));

/*
 * A stack that leaves the CRC32c to the device hands over CHECKSUM_PARTIAL
 * with csum_not_inet set (the kernel's SCTP with NETIF_F_SCTP_CRC); the
 * kernel fills it in at transmit (skb_crc32c_csum_help) over the packet as
 * it then is, checksum field included, so that field must stay zero. A
 * kernel without SCTP has no such skbs (nor the field).
 */
static __always_inline bool sctp_crc_offloaded(struct __sk_buff *skb)
{
	struct sk_buff___sctp *ks = bpf_cast_to_kern_ctx(skb);
	struct sk_buff *k = bpf_cast_to_kern_ctx(skb);

	if (!bpf_core_field_exists(ks->csum_not_inet))
		return false;
	return BPF_CORE_READ_BITFIELD_PROBED(k, ip_summed) == 3 /* CHECKSUM_PARTIAL */ &&
	       BPF_CORE_READ_BITFIELD_PROBED(ks, csum_not_inet);
}

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
 */
static __always_inline int sctp_put_udp(struct __sk_buff *skb, const struct fou_inner *in,
					__u16 sport, __u16 dport, __s64 crc)
{
	__u32 n = in->l4_off, udp_len = in->len - in->l4_off + UDP_HLEN;
	struct udphdr uh = {
		.source = bpf_htons(sport), .dest = bpf_htons(dport), .len = bpf_htons(udp_len),
	};
	__u8 hdr[60];
	__s64 sum;

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
	sum = fou_range_sum_tc(skb, ETH_HLEN + n, udp_len,
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
 * Native SCTP leaving a device with SCTP duties: fill the CRC32c where asked
 * or where nobody will (a zero field on its way into UDP), and put it in UDP
 * when the peers behind the device speak SCTP over UDP (RFC 6951), to the
 * port learned for the association. A global function: the verifier checks
 * it once, and packets that are not SCTP never reach it. Returns the outcome.
 */
__attribute__((noinline)) int fou_sctp_egress(struct __sk_buff *skb)
{
	__u32 zero = 0, flags = sctp_dev_flags(skb->ifindex);
	struct fou_tx_scratch *s = bpf_map_lookup_elem(&fou_tx_scratch, &zero);
	const struct fou_sctp_conf *conf;
	struct fou_sctp_peer *peer;
	struct sctp_head h = {};
	struct fou_inner *in;
	__u32 off, len, mtu_len = 0;
	bool offloaded, store;
	__s64 crc = -1;
	__u16 dport;

	if (!s || !(flags & (FOU_SCTP_DEV_F_FILL | FOU_SCTP_DEV_F_UDP_SIDE)))
		return FOU_STAT_TX_PASS_NO_ROUTE;
	in = &s->tx.in;
	if (in->frag)
		return FOU_STAT_TX_PASS_NO_ROUTE; /* only the first fragment has the header */
	off = ETH_HLEN + (in->l4_off & 0x3f);
	len = in->len - in->l4_off;
	if (in->bad || in->len < in->l4_off + SCTP_MIN_LEN ||
	    bpf_skb_load_bytes(skb, off, &h, len >= sizeof(h) ? sizeof(h) : SCTP_MIN_LEN))
		return FOU_STAT_TX_DROP_SCTP_MALFORMED;
	if (skb->gso_size)
		return FOU_STAT_TX_DROP_SCTP_GSO;
	offloaded = sctp_crc_offloaded(skb);
	store = !offloaded && ((flags & FOU_SCTP_DEV_F_FILL) ||
			       ((flags & FOU_SCTP_DEV_F_UDP_SIDE) && !h.crc));
	if (store || (offloaded && (flags & FOU_SCTP_DEV_F_UDP_SIDE))) {
		crc = fou_crc32c_tc(skb, off, len);
		if (crc < 0)
			return FOU_STAT_TX_DROP_SCTP_MALFORMED;
	}
	if (store) {
		__u32 wire = crc32c_to_wire((__u32)crc);

		if (bpf_skb_store_bytes(skb, off + 8, &wire, sizeof(wire), 0))
			return FOU_STAT_TX_DROP_ADJUST;
		crc = -1;
	}
	if (!(flags & FOU_SCTP_DEV_F_UDP_SIDE))
		return store ? FOU_STAT_TX_SCTP_FILLED : FOU_STAT_TX_PASS_NO_ROUTE;

	peer = sctp_peer_to(in, &h);
	/* Our side's INIT-ACK names the tag the peer's packets will carry. */
	if (peer && h.type == SCTP_CID_INIT_ACK && len >= sizeof(h) && h.init_tag) {
		peer->peer_vtag = bpf_ntohl(h.init_tag);
		sctp_vtag_put(&in->daddr, in->family, peer->peer_vtag, bpf_ntohl(h.vtag));
	}
	if (peer && (peer->flags & FOU_SCTP_PEER_F_NATIVE))
		return FOU_STAT_TX_PASS_SCTP_NATIVE;
	if (bpf_check_mtu(skb, 0, &mtu_len, UDP_HLEN, 0))
		return FOU_STAT_TX_DROP_MTU;
	conf = sctp_conf();
	dport = peer && peer->encap_port ? peer->encap_port : sctp_remote_port(conf);
	return sctp_put_udp(skb, in, sctp_encap_port(conf), dport, crc);
}

SEC("tc")
int fou_tx_tc(struct __sk_buff *skb)
{
	struct fou_tx_scratch *s = tx_scratch();
	int verdict = TC_ACT_OK;
	int id;

	if (!s)
		return TC_ACT_OK;
	if (already_encapsulated(skb)) {
		stat_inc(FOU_STAT_TX_PASS_ENCAPSULATED);
		return TC_ACT_OK;
	}
	pull_headers(skb, TX_PULL_LEN);
	id = tx_prepare(skb, HOOK_TC, skb_data(skb), skb_data_end(skb), skb->len,
			skb->gso_size != 0, &s->tx);
	if (id == FOU_CONTINUE)
		id = encapsulate(skb, &s->tx, &s->fib, &verdict);
	else if (id == FOU_STAT_TX_PASS_NO_ROUTE && s->tx.in.proto == IPPROTO_SCTP_NR)
		id = fou_sctp_egress(skb);
	count_tx(id, &s->tx);
	return FOU_STAT_IS_TX_DROP(id) ? TC_ACT_SHOT : verdict;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
