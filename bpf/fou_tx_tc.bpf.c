/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * fou_tx_tc: FOU/GUE encapsulation at TC egress, for local and forwarded
 * traffic. A GSO packet is encapsulated once (bpf_skb_adjust_room marks it
 * SKB_GSO_UDP_TUNNEL) and segmented by the stack after us.
 */
#include "lib/ctx/skb.h"
#include "lib/encap.h"
#include "lib/remcsum_tx.h"
#include "lib/icmp_tx.h"
#include "lib/sctp_tx.h"

/* Ethernet + the largest IPv4 header + a TCP header: ports and checksum. */
#define TX_PULL_LEN (ETH_HLEN + 60 + 20)

static __always_inline __u64 adjust_flags(const struct fou_tx *tx)
{
	__u64 flags = BPF_F_ADJ_ROOM_ENCAP_L4_UDP;

	flags |= tx->family == FOU_FAMILY_IPV4 ? BPF_F_ADJ_ROOM_ENCAP_L3_IPV4
					       : BPF_F_ADJ_ROOM_ENCAP_L3_IPV6;
	/* GUE, its remote checksum offload option and GRE sit between UDP
	 * and the inner IP header: tell GSO where the inner network header
	 * starts; segments get copies of them. */
	flags |= ((__u64)(tx->hdrlen - UDP_HLEN -
			  (tx->family == FOU_FAMILY_IPV4 ? sizeof(struct iphdr) : IPV6_HLEN)) &
		  BPF_ADJ_ROOM_ENCAP_L2_MASK)
		 << BPF_ADJ_ROOM_ENCAP_L2_SHIFT; /* BPF_F_ADJ_ROOM_ENCAP_L2(len) */
	return flags;
}

/*
 * The outer headers into the room bpf_skb_adjust_room made after the MAC
 * header. Headers of the four plain layouts' lengths (28, 32, 48, 52: FOU
 * or GUE over IPv4 or IPv6; FOU with a 4-byte GRE header has GUE's length)
 * are copied directly from tx->hdr, in words: the room is in the linear
 * head, which the helper has just made private, so bpf_skb_store_bytes
 * would only add a call and checks (about 30 ns here). Other lengths
 * (longer GRE headers, the remcsum option), or a head too short, go
 * through the helper. One fixed-size copy per layout: a
 * copy of a variable number of words costs the verifier more than the
 * four. The copy is a global function, checked once by the verifier rather
 * than once per path that reaches it. Returns 0 when it copied.
 */
struct outer_words {
	__u32 w[OUTER_MAX_HLEN / 4];
};

/* @n words at @h, if the packet has them; @n is a constant at every use:
 * an inline copy in words (to a byte pointer __builtin_memcpy would go byte
 * by byte), and no loop for the compiler to roll up again. */
static __always_inline int put_words(__u32 *h, void *end, const struct outer_words *o, int n)
{
	if ((void *)(h + n) > end)
		return -1;
	__builtin_memcpy(h, o->w, n * sizeof(__u32));
	return 0;
}

__attribute__((noinline)) int fou_tx_put_outer(struct __sk_buff *skb, const struct outer_words *o,
					       __u32 hdrlen)
{
	__u32 *h = (void *)((__u8 *)skb_data(skb) + ETH_HLEN);
	void *end = skb_data_end(skb);

	if (!o)
		return -1;
	switch (hdrlen) {
	case 28: return put_words(h, end, o, 7);  /* FOU over IPv4 */
	case 32: return put_words(h, end, o, 8);  /* GUE over IPv4 */
	case 48: return put_words(h, end, o, 12); /* FOU over IPv6 */
	case 52: return put_words(h, end, o, 13); /* GUE over IPv6 */
	}
	return -1;
}

static __always_inline int write_outer(struct __sk_buff *skb, const struct fou_tx *tx,
				       __u32 hdrlen)
{
	if (!fou_tx_put_outer(skb, (const struct outer_words *)tx->hdr, hdrlen))
		return 0;
	/* Bounds the verifier sees at the call (6.12's loses the lower one). */
	return bpf_skb_store_bytes(skb, ETH_HLEN, tx->hdr, verifier_len(hdrlen, OUTER_MAX_HLEN), 0)
		? -1 : 0;
}

/* Insert the outer headers after the MAC header and set the EtherType. */
static __always_inline int put_headers(struct __sk_buff *skb, const struct fou_tx *tx)
{
	__u32 hdrlen = tx->hdrlen;
	struct ethhdr *eth;

	_Static_assert(OUTER_MAX_HLEN <= 0x7f, "the mask below must not cut a header");
	if (hdrlen < sizeof(struct iphdr) + UDP_HLEN || hdrlen > OUTER_MAX_HLEN)
		return -1;
	hdrlen &= 0x7f; /* changes nothing after the check: a bound every verifier keeps */
	/* UDP GSO (UDP_SEGMENT senders) fails here (tx_drop_adjust): the
	 * kernel grows it only with FIXED_GSO, and then its GSO cannot cut
	 * UDP-L4 inside a UDP tunnel (tried: dropped at the device, uncounted). */
	if (bpf_skb_adjust_room(skb, hdrlen, BPF_ADJ_ROOM_MAC, adjust_flags(tx)))
		return -1;
	if (write_outer(skb, tx, hdrlen))
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
	__s32 trail = 0;
	int ret;

	/* Trailing bytes (Ethernet padding) are cut below, so they are no
	 * part of the size the device MTU is compared with. */
	if (skb->len > ETH_HLEN + tx->in.len && !skb->gso_size)
		trail = skb->len - (ETH_HLEN + tx->in.len);
	/* The device MTU (the tunnel's own is checked in tx_prepare). A GSO
	 * packet passes whole: its TCP segments shrink to fit as the headers
	 * go in (bpf_skb_adjust_room lowers gso_size). */
	if (dev_mtu_exceeded(skb, (__s32)tx->hdrlen - trail))
		return FOU_STAT_TX_DROP_MTU;
	/* Trailing bytes after the inner packet would trail the outer one. Cut
	 * before the route lookup: at TC it compares the skb as it is with the
	 * device MTU, padding included (tx_drop_no_fib otherwise). */
	if (trail && bpf_skb_change_tail(skb, ETH_HLEN + tx->in.len, 0))
		return FOU_STAT_TX_DROP_ADJUST;
	ret = fib_outer(skb, tx, skb->ifindex, 0, fib);
	if (ret != BPF_FIB_LKUP_RET_SUCCESS && ret != BPF_FIB_LKUP_RET_NO_NEIGH &&
	    ret != BPF_FIB_LKUP_RET_FWD_DISABLED)
		return FOU_STAT_TX_DROP_NO_FIB;
	if (put_headers(skb, tx))
		return FOU_STAT_TX_DROP_ADJUST;
	*verdict = next_hop(skb, ret, fib);
	return tx->kind == FOU_KIND_GUE ? FOU_STAT_TX_ENCAP_GUE : FOU_STAT_TX_ENCAP_FOU;
}

/* An skb the stack or we already encapsulated (skb->encapsulation): a packet
 * we handed back through bpf_redirect_neigh passes here a second time, and
 * the kernel refuses a second encapsulation layer anyway. Cheaper than the
 * route lookup it saves. Without the kernel's skb (FOU_KERN_CTX 0) the
 * lookup is done: the outer packet matches no tunnel route (tx_pass_no_route),
 * or its encapsulation is refused (tx_drop_adjust). */
static __always_inline bool already_encapsulated(struct __sk_buff *skb)
{
#if FOU_KERN_CTX
	struct sk_buff *kskb = bpf_cast_to_kern_ctx(skb);

	return BPF_CORE_READ_BITFIELD(kskb, encapsulation);
#else
	(void)skb;
	return false;
#endif
}

SEC("tc")
int fou_tx_tc(struct __sk_buff *skb)
{
	struct fou_tx_scratch *s;
	int verdict = TC_ACT_OK;
	int id;

	/* First: every packet sent through bpf_redirect_neigh comes back here. */
	if (already_encapsulated(skb)) {
		stat_inc(FOU_STAT_TX_PASS_ENCAPSULATED);
		return TC_ACT_OK;
	}
	s = tx_scratch();
	if (!s)
		return TC_ACT_OK;
	pull_headers(skb, TX_PULL_LEN);
	id = tx_prepare(skb, skb_data(skb), skb_data_end(skb), skb->len,
			skb->gso_size != 0, false, &s->tx);
	if (id == FOU_CONTINUE)
		id = tx_path_check(&s->tx, tx_seg_len(skb, &s->tx.in));
	if (id == FOU_TOO_BIG) {
		id = fou_icmp_too_big(skb);
		if (id == FOU_STAT_TX_ICMP_FRAG_NEEDED || id == FOU_STAT_TX_ICMP_PKT_TOO_BIG)
			verdict = TC_ACT_REDIRECT;
	} else if (id == FOU_CONTINUE) {
		id = remcsum_tx(skb, &s->tx);
		if (id == FOU_CONTINUE)
			id = encapsulate(skb, &s->tx, &s->fib, &verdict);
	} else if (id == FOU_STAT_TX_PASS_NO_ROUTE && s->tx.in.proto == IPPROTO_SCTP_NR) {
		/* Two calls in turn, not nested: the stack of the call chain. */
		id = fou_sctp_egress(skb);
		if (id == FOU_CONTINUE)
			id = fou_sctp_put_udp(skb);
	}
	count_tx(skb, id, &s->tx);
	return FOU_STAT_IS_TX_DROP(id) ? TC_ACT_SHOT : verdict;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
