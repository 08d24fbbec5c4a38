/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * fou_rx_tc: FOU/GUE decapsulation at TC ingress. On veth and other virtual
 * devices this keeps GSO skbs whole (an XDP program makes veth segment every
 * packet), and it sees packets after GRO.
 */
#include "lib/ctx/skb.h"
#include "lib/decap.h"
 
/* Outer Ethernet + the largest IPv4 header + UDP: enough to find our port. */
#define OUTER_PULL_LEN (ETH_HLEN + 60 + UDP_HLEN)
/* ... or IPv6 with its extension headers, plus the largest GUE and GRE
 * headers and inner IP header. */
#define FULL_PULL_LEN  (ETH_HLEN + IPV6_HLEN + IP6_EXT_MAX_LEN + UDP_HLEN + GUE_HLEN + 124 + \
			GRE_MAX_HLEN + 60)

static __always_inline int classify(struct __sk_buff *skb, struct fou_rx *rx, bool can_pull)
{
	__builtin_memset(rx, 0, sizeof(*rx));
	rx->p.pkt_len = skb->len;
	rx->p.can_pull = can_pull;
	rx->p.gso = skb->gso_size != 0;
	return fou_rx_classify(skb, skb_data(skb),
			       skb_data_end(skb), skb->ifindex, rx);
}

/* IPv4 and IPv6 base headers differ by 20 bytes. */
#define IP_HLEN_DIFF (IPV6_HLEN - 20)

/*
 * The removal when the inner family differs from the outer: skb->protocol
 * must follow, which the DECAP_L3 flags (6.3+) do. An older kernel refuses
 * them; there bpf_skb_change_proto sets it, inserting (IPv4 to IPv6) or
 * removing (IPv6 to IPv4) 20 bytes at the outer header, and the removal
 * takes those too. It would also retype a GSO skb for an IP translation, so
 * a GSO skb gets no such fallback (drop_adjust).
 */
static __always_inline int decap_new_family(struct __sk_buff *skb, const struct fou_rx *rx,
					    __s32 strip, __u64 flags)
{
	bool to4 = rx->inner_proto == ETH_P_IP;
	__s32 moved = to4 ? -IP_HLEN_DIFF : IP_HLEN_DIFF;

	if (!bpf_skb_adjust_room(skb, -strip, BPF_ADJ_ROOM_MAC,
				 flags | (to4 ? BPF_F_ADJ_ROOM_DECAP_L3_IPV4
					      : BPF_F_ADJ_ROOM_DECAP_L3_IPV6)))
		return 0;
	if (skb->gso_size || bpf_skb_change_proto(skb, bpf_htons(rx->inner_proto), 0))
		return -1;
	return bpf_skb_adjust_room(skb, -(strip + moved), BPF_ADJ_ROOM_MAC, flags) ? -1 : 0;
}

/* Remove the outer IP, UDP and GUE headers after the MAC header. The GSO
 * size stays: for a UDP-tunnel GSO skb it already describes inner segments. */
static __always_inline int tc_decap(struct __sk_buff *skb, const struct fou_rx *rx)
{
	__u64 flags = BPF_F_ADJ_ROOM_FIXED_GSO;
	__be16 proto = bpf_htons(rx->inner_proto);
	__s32 strip = rx->inner_off - ETH_HLEN;
	struct ethhdr *eth;

	if ((rx->inner_proto == ETH_P_IP) != (rx->p.family == FOU_FAMILY_IPV4)) {
		if (decap_new_family(skb, rx, strip, flags))
			return -1;
	} else if (bpf_skb_adjust_room(skb, -strip, BPF_ADJ_ROOM_MAC, flags)) {
		return -1;
	}
	/* Ethernet padding after the outer packet would trail the inner one. */
	if (rx->p.pkt_len > rx->p.ip_end &&
	    bpf_skb_change_tail(skb, rx->p.ip_end - strip, 0))
		return -1;
	/* A direct write: the helper would re-check writability it already has. */
	eth = skb_data(skb);
	if ((void *)(eth + 1) > skb_data_end(skb))
		return -1;
	eth->h_proto = proto;
	return 0;
}

/*
 * RFC 6951 to native: the IP header, rewritten in a copy, goes 8 bytes down
 * over the UDP header; then the 8 bytes after the MAC header go, and the
 * packet ends at @new_len (Ethernet padding dropped). Works with IPv4
 * options, which BPF_ADJ_ROOM_NET would cut into. A global function, so its
 * copy stays out of the caller's frame.
 */
__noinline int fou_tc_sctp_decap(struct __sk_buff *skb, __u32 l4_off, __u32 family,
				 __u32 new_len)
{
	__u8 hdr[60];
	__u32 n = l4_off - ETH_HLEN;

	if (n < sizeof(struct iphdr) || n > sizeof(hdr))
		return -1;
	n = verifier_len(n, sizeof(hdr));
	if (bpf_skb_load_bytes(skb, ETH_HLEN, hdr, n))
		return -1;
	ip_retype(hdr, family, -UDP_HLEN, IPPROTO_SCTP_NR);
	if (bpf_skb_store_bytes(skb, ETH_HLEN + UDP_HLEN, hdr, n, BPF_F_RECOMPUTE_CSUM))
		return -1;
	if (bpf_skb_adjust_room(skb, -UDP_HLEN, BPF_ADJ_ROOM_MAC, 0))
		return -1;
	if (skb->len > new_len && bpf_skb_change_tail(skb, new_len, 0))
		return -1;
	return 0;
}

/* SCTP bytes removed with the headers and put back, so that the removal
 * reaches past where the UDP checksum was to be written. */
#define SCTP_PARTIAL_EXTRA 7
/* The kernel refuses to shrink an IP packet below its base header length:
 * padding, taken off again at the end, keeps small packets above it. */
#define SCTP_PARTIAL_PAD   64

/*
 * The same for an skb whose UDP checksum the kernel has yet to fill
 * (CHECKSUM_PARTIAL: a sender on this host, or behind a veth). Its pending
 * write is at a fixed place in memory, which the moved IP header would
 * cover: the destination address would be overwritten when the packet
 * leaves. No helper clears CHECKSUM_PARTIAL, but the kernel does itself when
 * a removal takes the packet's start past that place (skb_postpull_rcsum):
 * so remove the IP and UDP headers and a few SCTP bytes at once, then put
 * the rewritten IP header and those bytes back. The skb leaves as
 * CHECKSUM_NONE, its SCTP and IP headers intact.
 */
__noinline int fou_tc_sctp_decap_partial(struct __sk_buff *skb, __u32 l4_off,
					 __u32 family, __u32 new_len)
{
	__u8 hdr[60], keep[SCTP_PARTIAL_EXTRA];
	__u32 n = l4_off - ETH_HLEN;

	if (n < sizeof(struct iphdr) || n > sizeof(hdr))
		return -1;
	n = verifier_len(n, sizeof(hdr));
	if (bpf_skb_load_bytes(skb, ETH_HLEN, hdr, n) ||
	    bpf_skb_load_bytes(skb, l4_off + UDP_HLEN, keep, sizeof(keep)))
		return -1;
	ip_retype(hdr, family, -UDP_HLEN, IPPROTO_SCTP_NR);
	if (bpf_skb_change_tail(skb, skb->len + SCTP_PARTIAL_PAD, 0) ||
	    bpf_skb_adjust_room(skb, -(__s32)(n + UDP_HLEN + SCTP_PARTIAL_EXTRA), BPF_ADJ_ROOM_MAC, 0) ||
	    bpf_skb_adjust_room(skb, n + SCTP_PARTIAL_EXTRA, BPF_ADJ_ROOM_MAC, 0) ||
	    bpf_skb_store_bytes(skb, ETH_HLEN, hdr, n, 0) ||
	    bpf_skb_store_bytes(skb, ETH_HLEN + n, keep, sizeof(keep), 0))
		return -1;
	return bpf_skb_change_tail(skb, new_len, 0) ? -1 : 0;
}

static __always_inline int tc_sctp_decap(struct __sk_buff *skb, const struct fou_rx *rx)
{
	__u32 new_len = rx->p.ip_end - UDP_HLEN;

	if (skb_ip_summed(skb) == CHECKSUM_PARTIAL_NR)
		return fou_tc_sctp_decap_partial(skb, rx->p.l4_off, rx->p.family, new_len);
	return fou_tc_sctp_decap(skb, rx->p.l4_off, rx->p.family, new_len);
}

/*
 * Tell the stack the CRC32c is verified, so that its SCTP need not do it
 * again: sctp_rcv() skips the check of a CHECKSUM_UNNECESSARY skb and takes
 * one csum_level for it, after UDP took one for its own checksum (RFC 6951
 * through udp tunnel sockets). So: native SCTP, or SCTP we took out of UDP
 * (whose checksum we checked), gets CHECKSUM_NONE raised to UNNECESSARY
 * level 0; SCTP still inside UDP gets a level more only when the device
 * already vouched for the UDP checksum, which we did not check. Forwarding
 * ignores the mark.
 */
static __always_inline void tc_sctp_mark(struct __sk_buff *skb, int id, const struct fou_rx *rx)
{
	if (rx->si.crc_ok &&
	    skb_csum_raise(skb, id == FOU_STAT_RX_DECAP_SCTP || rx->si.native))
		stat_inc(FOU_STAT_SCTP_CSUM_MARKED);
}

/* The per-packet state, off the stack: with the IPv6 extension header walk,
 * the deepest call chain would pass the verifier's 512 bytes. TC ingress
 * runs with bottom halves off, so one CPU handles one packet at a time. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fou_rx);
} fou_rx_tc_scratch SEC(".maps");

SEC("tc")
int fou_rx_tc(struct __sk_buff *skb)
{
	__u32 zero = 0;
	struct fou_rx *rx;
	int id;

	/* Not ours from the headers in the linear data alone: no pull, no
	 * per-packet state to look up (see frame_not_ours). */
	id = frame_not_ours(skb);
	if (id >= 0) {
		count_not_ours(skb, id);
		return TC_ACT_OK;
	}
	rx = bpf_map_lookup_elem(&fou_rx_tc_scratch, &zero);
	if (!rx)
		return TC_ACT_OK;
	pull_headers(skb, OUTER_PULL_LEN);
	id = classify(skb, rx, true);
	if (id == FOU_NEED_PULL) {
		pull_headers(skb, FULL_PULL_LEN);
		id = classify(skb, rx, false);
	}
	if (id == FOU_STAT_RX_DECAP_GUE && rx->rc.mode)
		id = remcsum_rx(skb, id, rx);
	if (id == FOU_STAT_RX_DECAP_FOU || id == FOU_STAT_RX_DECAP_GUE) {
		void *data = skb_data(skb);
		void *data_end = skb_data_end(skb);

		if ((rx->set_ecn && inner_set_ecn(data, data_end, rx)) || tc_decap(skb, rx))
			id = FOU_STAT_DROP_ADJUST;
	} else if (id == FOU_STAT_RX_DECAP_SCTP || id == FOU_STAT_PASS_SCTP_CRC_OK) {
		if (id == FOU_STAT_RX_DECAP_SCTP && tc_sctp_decap(skb, rx)) {
			id = FOU_STAT_DROP_ADJUST;
		} else {
			sctp_rx_learn(id, rx);
			tc_sctp_mark(skb, id, rx);
		}
	}
	count_outcome(skb, id, rx);
	/* A matched ICMP error is consumed: the kernel has no socket for it. */
	return FOU_STAT_IS_DROP(id) || id == FOU_STAT_RX_ICMP_TUNNEL ? TC_ACT_SHOT : TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
