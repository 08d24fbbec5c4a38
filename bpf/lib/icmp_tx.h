/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * TC egress only: an inner packet too big for its tunnel's path MTU becomes
 * the ICMP error that tells its sender (Frag Needed for IPv4, Packet Too Big
 * for IPv6), in place, and goes back in through the device's ingress. From
 * there the stack delivers it to a local sender's socket or forwards it to a
 * remote one, so both locally originated and forwarded traffic learn the
 * MTU, as they would from the kernel's own tunnels (icmp_ndo_send).
 */
#ifndef FOU_BPF_ICMP_TX_H
#define FOU_BPF_ICMP_TX_H

#include "lib/encap.h"
#include "lib/icmp.h"
#include "lib/skb.h"

#define TC_ACT_REDIRECT 7

/* An ICMP error carries at most this much of the packet it is about (the
 * whole error within the minimum MTU, RFC 1812 4.3.2.3, RFC 4443 2.4). */
#define ICMP4_ERR_MAX 576
#define ICMP6_ERR_MAX 1280
#define ICMP4_HDRS (sizeof(struct iphdr) + ICMP_HLEN)
#define ICMP6_HDRS (IPV6_HLEN + ICMP_HLEN)

/* RFC 1122 3.2.2 / RFC 4443 2.4: no error about an error, nor to a source
 * that is not one host. Also none about a fragment (only the first has the
 * transport header the sender needs). */
static __always_inline bool icmp_may_send(struct __sk_buff *skb, const struct fou_inner *in)
{
	__u8 type;

	if (in->frag)
		return false;
	if (in->family == FOU_FAMILY_IPV4) {
		__u8 first = ((__u8 *)&in->saddr.ip4)[0];

		if (!in->saddr.ip4 || first >= 224 || first == 127)
			return false;
		if (((__u8 *)&in->daddr.ip4)[0] >= 224)
			return false; /* multicast or broadcast destination */
		if (in->proto != IPPROTO_ICMP_NR)
			return true;
		if (bpf_skb_load_bytes(skb, ETH_HLEN + in->l4_off, &type, 1))
			return false;
		return !(type == ICMP_DEST_UNREACH || type == 4 /* source quench */ ||
			 type == ICMP_REDIRECT || type == ICMP_TIME_EXCEEDED || type == 12);
	}
	if (!(in->saddr.ip6[0] | in->saddr.ip6[1] | in->saddr.ip6[2] | in->saddr.ip6[3]) ||
	    ((__u8 *)in->saddr.ip6)[0] == 0xff || ((__u8 *)in->daddr.ip6)[0] == 0xff)
		return false;
	if (in->proto != IPPROTO_ICMPV6_NR)
		return true;
	if (bpf_skb_load_bytes(skb, ETH_HLEN + in->l4_off, &type, 1))
		return false;
	return type >= 128; /* informational, not an error */
}

/* A token bucket per tunnel, in nanoseconds of credit: rate errors a second,
 * burst at once. Per-CPU races can grant one error too many, never fewer.
 * A bucket never used (last_ns 0: the loader zeroes it for a new tunnel)
 * starts full, as the kernel's do: crediting it "since 0" would give it
 * only the uptime, less than a burst on a machine booted recently. */
static __always_inline bool icmp_rate_ok(__u32 slot)
{
	const struct fou_icmp_conf *c = icmp_conf();
	struct fou_icmp_bucket *b = bpf_map_lookup_elem(&fou_icmp_bucket, &slot);
	__u32 rate = c && c->rate ? c->rate : FOU_ICMP_RATE_DEFAULT;
	__u32 burst = c && c->burst ? c->burst : FOU_ICMP_BURST_DEFAULT;
	__u64 cost = 1000000000ULL / rate, now = bpf_ktime_get_ns(), credit;

	if (!b)
		return false;
	credit = b->last_ns ? b->tokens_ns + (now - b->last_ns) : cost * burst;
	if (credit > cost * burst)
		credit = cost * burst;
	b->last_ns = now;
	if (credit < cost) {
		b->tokens_ns = credit;
		return false;
	}
	b->tokens_ns = credit - cost;
	return true;
}

/* sk_buff's checksum offload state: where the pending checksum of a
 * CHECKSUM_PARTIAL skb goes (offsets from the MAC header). */
#if FOU_KERN_CTX
static __always_inline bool skb_partial(struct __sk_buff *skb, const struct fou_inner *in,
					__u32 *start, __u32 *off)
{
	struct sk_buff *k = bpf_cast_to_kern_ctx(skb);

	(void)in;
	if (skb_ip_summed(skb) != CHECKSUM_PARTIAL_NR)
		return false;
	/* Plain CO-RE loads of the trusted pointer (no probe reads). */
	*start = k->csum_start - (__u32)(k->data - k->head);
	*off = k->csum_offset;
	return true;
}
#else
/* Without csum_start and csum_offset: the pending field is the transport
 * header's own checksum, where the stack puts it (TCP and UDP; nothing else
 * leaves CHECKSUM_PARTIAL in an inner packet we quote). */
static __always_inline bool skb_partial(struct __sk_buff *skb, const struct fou_inner *in,
					__u32 *start, __u32 *off)
{
	if (skb_ip_summed(skb) != CHECKSUM_PARTIAL_NR)
		return false;
	if (in->frag)
		return false;
	if (in->proto == IPPROTO_TCP)
		*off = offsetof(struct tcphdr, check);
	else if (in->proto == IPPROTO_UDP_NR)
		*off = offsetof(struct udphdr, check);
	else
		return false;
	*start = ETH_HLEN + in->l4_off;
	return true;
}
#endif

/*
 * The quoted packet may still be CHECKSUM_PARTIAL: its transport checksum is
 * filled in later (by software or a NIC) if the error leaves through a
 * device, and not at all if it is delivered here. Either way the error's own
 * checksum must hold, so the field gets the one value that completing it
 * leaves unchanged: F with F = ~(S + F), S the sum of the rest, i.e. 2F = ~S
 * in one's complement, where doubling is a rotation left by one bit.
 */
static __always_inline int icmp_fix_partial(struct __sk_buff *skb, const struct fou_inner *in,
					    __u32 quote_end)
{
	__u32 start, off, s;
	__u16 f, old;
	__s64 sum;

	if (!skb_partial(skb, in, &start, &off))
		return 0;
	if (start < ETH_HLEN || start > 127 || start + off + 2 > quote_end)
		return 0; /* the field is not in the quote: nothing to keep */
	if (bpf_skb_load_bytes(skb, start + off, &old, 2))
		return -1;
	sum = fou_range_sum(skb, start, quote_end - start, 0);
	if (sum < 0)
		return -1;
	s = csum_add((__u32)sum, (__u16)~old); /* S: the rest, without the field */
	/* Our sums are of network-order words read in host order: the
	 * rotation is one of the network-order value. */
	f = bpf_ntohs(csum_fold(s)); /* ~S */
	f = bpf_htons((__u16)((f >> 1) | (f << 15)));
	return bpf_skb_store_bytes(skb, start + off, &f, 2, 0) ? -1 : 0;
}

static __always_inline __u32 icmp4_header(const struct fou_inner *in, __u32 quote, __u32 mtu,
					  __u8 *buf)
{
	struct iphdr *iph = (void *)buf;
	struct icmp_head *ih = (void *)(buf + sizeof(*iph));
	__u32 *w = (void *)buf;
	__u64 acc = 0;

	__builtin_memset(buf, 0, ICMP4_HDRS);
	iph->version = 4;
	iph->ihl = 5;
	iph->tos = 0xc0; /* internetwork control, as the kernel's ICMP */
	iph->tot_len = bpf_htons(ICMP4_HDRS + quote);
	iph->ttl = 64;
	iph->protocol = IPPROTO_ICMP_NR;
	/* From the inner destination: not an address of this host (which the
	 * ingress path would refuse as a martian source), and routed through
	 * this device, so reverse-path filters accept it. */
	iph->saddr = in->daddr.ip4;
	iph->daddr = in->saddr.ip4;
	for (int i = 0; i < 5; i++)
		acc += w[i];
	iph->check = csum_fold(csum_fold64(acc));
	ih->type = ICMP_DEST_UNREACH;
	ih->code = ICMP_FRAG_NEEDED;
	ih->rest = bpf_htonl(mtu & 0xffff);
	return ICMP4_HDRS;
}

static __always_inline __u32 icmp6_header(const struct fou_inner *in, __u32 quote, __u32 mtu,
					  __u8 *buf)
{
	struct ipv6hdr *ip6 = (void *)buf;
	struct icmp_head *ih = (void *)(buf + IPV6_HLEN);

	__builtin_memset(buf, 0, ICMP6_HDRS);
	*(__be32 *)ip6 = bpf_htonl(6u << 28);
	ip6->payload_len = bpf_htons(ICMP_HLEN + quote);
	ip6->nexthdr = IPPROTO_ICMPV6_NR;
	ip6->hop_limit = 64;
	__builtin_memcpy(&ip6->saddr, in->daddr.ip6, 16);
	__builtin_memcpy(&ip6->daddr, in->saddr.ip6, 16);
	ih->type = ICMPV6_PKT_TOOBIG;
	ih->rest = bpf_htonl(mtu);
	return ICMP6_HDRS;
}

/*
 * Cut the packet to the quote and put the error's headers in front. The
 * MACs are swapped so that ingress takes the error as addressed to this
 * host. Returns false if the skb could not be reshaped.
 */
static __always_inline bool icmp_reshape(struct __sk_buff *skb, const struct fou_inner *in,
					  __u32 quote, __u32 mtu, bool v4)
{
	__u8 hdr[ICMP6_HDRS], mac[12];
	__u32 hdrs;

	if (bpf_skb_change_tail(skb, ETH_HLEN + quote, 0) || skb->gso_size ||
	    icmp_fix_partial(skb, in, ETH_HLEN + quote) ||
	    bpf_skb_load_bytes(skb, 0, mac, sizeof(mac)))
		return false;
	hdrs = v4 ? icmp4_header(in, quote, mtu, hdr) : icmp6_header(in, quote, mtu, hdr);
	if (bpf_skb_adjust_room(skb, hdrs, BPF_ADJ_ROOM_MAC, 0) ||
	    bpf_skb_store_bytes(skb, ETH_HLEN, hdr, v4 ? ICMP4_HDRS : ICMP6_HDRS, 0) ||
	    bpf_skb_store_bytes(skb, 0, mac + 6, 6, 0) || bpf_skb_store_bytes(skb, 6, mac, 6, 0))
		return false;
	return true;
}

/* The ICMP checksum last, over the headers just written and the quote;
 * ICMPv6 covers a pseudo-header too (RFC 4443 2.3), ICMPv4 does not. */
static __always_inline bool icmp_store_sum(struct __sk_buff *skb, const struct fou_inner *in,
					   __u32 quote, bool v4)
{
	__u32 sum_off = ETH_HLEN + (v4 ? sizeof(struct iphdr) : IPV6_HLEN);
	__sum16 check;
	__s64 sum;

	sum = fou_range_sum(skb, sum_off, ICMP_HLEN + quote,
			       v4 ? 0 : ip_pseudo_sum(&in->daddr, &in->saddr, FOU_FAMILY_IPV6,
						      IPPROTO_ICMPV6_NR, ICMP_HLEN + quote));
	if (sum < 0)
		return false;
	check = csum_fold((__u32)sum);
	return !bpf_skb_store_bytes(skb, sum_off + 2, &check, sizeof(check), 0);
}

/*
 * Turn the packet into the error: cut it to the quote, put the IP and ICMP
 * headers in front, swap the MACs so that ingress takes it as addressed to
 * this host, and redirect it to the device's ingress. A global function:
 * the one rare path of the transmit program. Returns the outcome; on
 * tx_icmp_* the verdict is TC_ACT_REDIRECT.
 */
__noinline int fou_icmp_too_big(struct __sk_buff *skb)
{
	__u32 zero = 0, quote, mtu;
	struct fou_tx_scratch *s = bpf_map_lookup_elem(&fou_tx_scratch, &zero);
	struct fou_tun_icmp *cnt;
	struct fou_inner *in;
	bool v4;

	if (!s)
		return FOU_STAT_TX_DROP_PMTU;
	in = &s->tx.in;
	v4 = in->family == FOU_FAMILY_IPV4;
	if (!icmp_may_send(skb, in))
		return FOU_STAT_TX_DROP_PMTU;
	cnt = bpf_map_lookup_elem(&fou_tun_icmp, &s->tx.slot);
	if (!icmp_rate_ok(s->tx.slot)) {
		if (cnt)
			cnt->rate_limited++;
		return FOU_STAT_TX_DROP_PMTU_LIMITED;
	}
	mtu = s->tx.mtu;
	if (!v4 && mtu < FOU_PMTU_MIN6_DEFAULT)
		mtu = FOU_PMTU_MIN6_DEFAULT; /* RFC 8200 5: never announce less */
	quote = (v4 ? ICMP4_ERR_MAX - ICMP4_HDRS : ICMP6_ERR_MAX - ICMP6_HDRS);
	if (quote > in->len)
		quote = in->len;
	if (!icmp_reshape(skb, in, quote, mtu, v4) || !icmp_store_sum(skb, in, quote, v4))
		return FOU_STAT_TX_DROP_ADJUST;
	if (cnt)
		cnt->sent_too_big++;
	bpf_redirect(skb->ifindex, BPF_F_INGRESS);
	return v4 ? FOU_STAT_TX_ICMP_FRAG_NEEDED : FOU_STAT_TX_ICMP_PKT_TOO_BIG;
}

/* Bytes of one packet after encapsulation's split: a GSO packet's segments
 * are its headers plus gso_size each. */
static __always_inline __u32 tx_seg_len(struct __sk_buff *skb, const struct fou_inner *in)
{
	__u8 doff = 0;

	if (!skb->gso_size)
		return in->len;
	if (in->proto == IPPROTO_TCP_NR &&
	    !bpf_skb_load_bytes(skb, ETH_HLEN + in->l4_off + 12, &doff, 1))
		return in->l4_off + (doff >> 4) * 4 + skb->gso_size;
	if (in->proto == IPPROTO_UDP_NR)
		return in->l4_off + UDP_HLEN + skb->gso_size;
	return in->l4_off + skb->gso_size;
}

#endif /* FOU_BPF_ICMP_TX_H */
