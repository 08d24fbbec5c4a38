/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ICMP errors about our tunnels' packets. The kernel has no socket for a
 * tunnel's UDP flow, so it would ignore them: a Frag Needed from a router on
 * the path would reach nobody and inner path-MTU discovery would silently
 * break. Here the quote (outer IP + UDP of the packet the error is about) is
 * matched to a tunnel; Frag Needed / Packet Too Big set the tunnel's path
 * MTU, Redirects its next hop (if allowed), and every matched error is
 * counted per tunnel. An error that matches nothing is passed untouched and
 * changes nothing.
 */
#ifndef FOU_BPF_ICMP_H
#define FOU_BPF_ICMP_H

#include "lib/csum.h"
#include "lib/sctp.h"
#include "lib/stats.h"
#include "lib/pmtu.h"

static __always_inline const struct fou_icmp_conf *icmp_conf(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&fou_icmp_conf, &zero);
}

static __always_inline __u64 pmtu_expire_ns(const struct fou_icmp_conf *c)
{
	return (__u64)(c && c->pmtu_expire_s ? c->pmtu_expire_s : FOU_PMTU_EXPIRE_DEFAULT) *
	       1000000000ULL;
}

#define ICMP_DEST_UNREACH  3
#define ICMP_REDIRECT      5
#define ICMP_TIME_EXCEEDED 11
#define ICMP_FRAG_NEEDED   4 /* code of ICMP_DEST_UNREACH */

#define ICMPV6_DEST_UNREACH 1
#define ICMPV6_PKT_TOOBIG   2
#define ICMPV6_TIME_EXCEED  3

#define ICMP_HLEN 8

/* Which counter of struct fou_tun_icmp a matched error goes to. */
enum icmp_kind {
	ICMP_KIND_NONE,
	ICMP_KIND_FRAG_NEEDED, /* or Packet Too Big */
	ICMP_KIND_UNREACH,
	ICMP_KIND_TIME_EXCEEDED,
	ICMP_KIND_REDIRECT,
};

/* The ICMP header and the start of the quote, as read from the packet. */
struct icmp_head {
	__u8 type;
	__u8 code;
	__sum16 check;
	__be32 rest; /* MTU (v4: low 16 bits; v6: all 32), or a Redirect's gateway */
};

/* What the quote says about the packet the error is about. */
struct icmp_quote {
	struct fou_addr saddr;
	struct fou_addr daddr;
	__u32 len;      /* the quoted packet's IP length, as it was sent */
	__be16 sport;
	__be16 dport;
	__be32 vtag;    /* SCTP over UDP: the verification tag, when quoted */
	__u8 has_vtag;
	__u8 pad[3];
};

static __always_inline int icmp_kind(__u8 family, __u8 type, __u8 code)
{
	if (family == FOU_FAMILY_IPV4) {
		if (type == ICMP_DEST_UNREACH)
			return code == ICMP_FRAG_NEEDED ? ICMP_KIND_FRAG_NEEDED : ICMP_KIND_UNREACH;
		if (type == ICMP_TIME_EXCEEDED)
			return ICMP_KIND_TIME_EXCEEDED;
		if (type == ICMP_REDIRECT)
			return ICMP_KIND_REDIRECT;
		return ICMP_KIND_NONE;
	}
	if (type == ICMPV6_PKT_TOOBIG)
		return ICMP_KIND_FRAG_NEEDED;
	if (type == ICMPV6_DEST_UNREACH)
		return ICMP_KIND_UNREACH;
	if (type == ICMPV6_TIME_EXCEED)
		return ICMP_KIND_TIME_EXCEEDED;
	return ICMP_KIND_NONE;
}

/*
 * Read the quoted IP and UDP headers (and an SCTP tag after them) at @off,
 * straight into @q: this frame sits under the checksum walk, so it keeps no
 * copy of a whole header. Returns FOU_CONTINUE, or the pass_ reason the
 * quote is not about UDP we could have sent.
 */
static __always_inline int icmp_read_quote(struct __ctx_buff *ctx, __u32 off, __u32 end,
					   __u8 family, struct icmp_quote *q)
{
	__be16 w[2];
	__u32 l4;

	__builtin_memset(q, 0, sizeof(*q));
	if (off + (family == FOU_FAMILY_IPV4 ? sizeof(struct iphdr) : IPV6_HLEN) > end)
		return FOU_STAT_PASS_ICMP_SHORT;
	if (family == FOU_FAMILY_IPV4) {
		__u8 vihl, proto;

		/* tot_len, then id and frag_off: w[0] and w[1] after two loads */
		if (ctx_load_bytes(ctx, off, &vihl, 1) || ctx_load_bytes(ctx, off + 6, w, 2) ||
		    ctx_load_bytes(ctx, off + 9, &proto, 1) ||
		    ctx_load_bytes(ctx, off + 12, &q->saddr.ip4, 8))
			return FOU_STAT_PASS_ICMP_SHORT;
		/* A later fragment has no UDP header to match. */
		if ((vihl >> 4) != 4 || (vihl & 0xf) < 5 || proto != IPPROTO_UDP_NR ||
		    (w[0] & bpf_htons(IP_OFFSET)))
			return FOU_STAT_PASS_ICMP_NO_TUNNEL;
		if (ctx_load_bytes(ctx, off + 2, w, 2))
			return FOU_STAT_PASS_ICMP_SHORT;
		q->daddr.ip4 = q->saddr.ip6[1]; /* both were read at once */
		q->saddr.ip6[1] = 0;
		l4 = off + (vihl & 0xf) * 4;
		q->len = bpf_ntohs(w[0]);
	} else {
		__u8 ver, nexthdr;

		if (ctx_load_bytes(ctx, off, &ver, 1) || ctx_load_bytes(ctx, off + 4, w, 2) ||
		    ctx_load_bytes(ctx, off + 6, &nexthdr, 1) ||
		    ctx_load_bytes(ctx, off + 8, q->saddr.ip6, 16) ||
		    ctx_load_bytes(ctx, off + 24, q->daddr.ip6, 16))
			return FOU_STAT_PASS_ICMP_SHORT;
		/* Extension headers: not a packet of ours. */
		if ((ver >> 4) != 6 || nexthdr != IPPROTO_UDP_NR)
			return FOU_STAT_PASS_ICMP_NO_TUNNEL;
		l4 = off + IPV6_HLEN;
		q->len = IPV6_HLEN + bpf_ntohs(w[0]);
	}
	if (l4 + UDP_HLEN > end || ctx_load_bytes(ctx, l4, w, sizeof(w)))
		return FOU_STAT_PASS_ICMP_SHORT;
	q->sport = w[0];
	q->dport = w[1];
	/* SCTP over UDP: the tag follows the UDP header and the SCTP ports. */
	if (l4 + UDP_HLEN + 8 <= end && !ctx_load_bytes(ctx, l4 + UDP_HLEN + 4, &q->vtag, 4))
		q->has_vtag = 1;
	return FOU_CONTINUE;
}

/* The tunnel whose packet the quote shows, checked against fou_tunnels. */
static __always_inline struct fou_tunnel *icmp_find_tunnel(const struct icmp_quote *q,
							  __u8 family, __u32 *slot)
{
	struct fou_tun_index_key k;
	struct fou_tun_index *ix;
	struct fou_tunnel *t;
	__u32 s;

	__builtin_memset(&k, 0, sizeof(k));
	k.local = q->saddr;
	k.remote = q->daddr;
	k.dport = bpf_ntohs(q->dport);
	k.family = family;
	ix = bpf_map_lookup_elem(&fou_tun_index, &k);
	if (!ix)
		return NULL;
	*slot = ix->slot;
	/* A key on the stack: @slot may point to a global function's
	 * argument memory, which 6.1 refuses as a map key. */
	s = ix->slot;
	t = bpf_map_lookup_elem(&fou_tunnels, &s);
	if (!t || !t->name[0] || t->family != family || t->dport != k.dport ||
	    !addr_equal(&t->local, &q->saddr, family) || !addr_equal(&t->remote, &q->daddr, family))
		return NULL;
	return t;
}

/* The quoted source port must be one the tunnel can have sent from. */
static __always_inline bool icmp_sport_ok(const struct fou_tunnel *t, __be16 sport)
{
	__u16 p = bpf_ntohs(sport);

	if (t->flags & FOU_TUN_F_SPORT_FIXED)
		return p == t->sport;
	return p >= t->sport_min && p <= t->sport_max;
}

/* RFC 1191 plateaus, for a Frag Needed from a router too old to say the MTU:
 * the largest one below the length of the packet it could not forward. */
static __always_inline __u32 icmp_plateau(__u32 len)
{
	if (len > 32000)
		return 32000;
	if (len > 17914)
		return 17914;
	if (len > 8166)
		return 8166;
	if (len > 4352)
		return 4352;
	if (len > 2002)
		return 2002;
	if (len > 1492)
		return 1492;
	if (len > 1006)
		return 1006;
	return 508; /* then clamped to the floor */
}

/*
 * Lower the tunnel's path MTU, never raise it: the kernel's rule (RFC 1191,
 * RFC 8201). An MTU the quoted packet would have fitted is not an answer to
 * it (forged, or about a smaller packet), so it changes nothing. The same
 * MTU again keeps the entry from expiring, as the kernel does.
 */
static __always_inline void icmp_pmtu_update(__u32 slot, __u8 family, __u32 mtu,
					     __u32 quoted_len, const struct fou_addr *from)
{
	const struct fou_icmp_conf *c = icmp_conf();
	struct fou_tun_path *path = bpf_map_lookup_elem(&fou_tun_path, &slot);
	__u32 floor = family == FOU_FAMILY_IPV4
		? (c && c->pmtu_min4 ? c->pmtu_min4 : FOU_PMTU_MIN4_DEFAULT)
		: (c && c->pmtu_min6 ? c->pmtu_min6 : FOU_PMTU_MIN6_DEFAULT);
	__u64 now = bpf_ktime_get_ns();
	__u32 cur = 0;

	if (!path)
		return;
	if (family == FOU_FAMILY_IPV4 && !mtu)
		mtu = icmp_plateau(quoted_len);
	if (mtu >= quoted_len || mtu > 0xffff) {
		stat_inc(FOU_STAT_PMTU_NOT_LOWER);
		return;
	}
	if (mtu < floor) {
		mtu = floor;
		stat_inc(FOU_STAT_PMTU_CLAMPED);
	}
	/* See lib/pmtu.h: the time first, then the word by compare-and-swap;
	 * a word changed meanwhile by another CPU is judged again. */
	for (int i = 0; i < 4; i++) {
		__u64 w = pmtu_word_read(path);

		cur = pmtu_word_mtu(w);
		if (cur && now - path->pmtu_ns > pmtu_expire_ns(c))
			cur = 0;
		if (cur && mtu > cur) {
			stat_inc(FOU_STAT_PMTU_NOT_LOWER);
			return;
		}
		path->pmtu_ns = now;
		if (mtu != cur)
			path->pmtu_from = *from;
		if (pmtu_word_swap(path, w, mtu)) {
			stat_inc(mtu == cur ? FOU_STAT_PMTU_NOT_LOWER : FOU_STAT_PMTU_LOWERED);
			return;
		}
	}
	/* Lost four races in a row: the other CPUs' values stand. */
	stat_inc(FOU_STAT_PMTU_NOT_LOWER);
}

/*
 * A Redirect for the tunnel's remote is applied only when enabled, when it
 * comes from the gateway the FIB uses for the remote now, and when the new
 * gateway is on a directly connected network (RFC 1122 3.2.2.2).
 */
static __always_inline void icmp_redirect(void *ctx, __u32 ifindex, __u32 slot, __be32 gw,
					  __be32 from)
{
	const struct fou_icmp_conf *c = icmp_conf();
	struct bpf_fib_lookup fib;
	struct fou_tun_path *path;
	struct fou_tunnel *t = bpf_map_lookup_elem(&fou_tunnels, &slot);

	if (!t || !c || !(c->flags & FOU_ICMP_F_ACCEPT_REDIRECTS) || t->family != FOU_FAMILY_IPV4)
		goto ignored;
	__builtin_memset(&fib, 0, sizeof(fib));
	fib.family = AF_INET_NR;
	fib.ifindex = ifindex;
	fib.ipv4_src = t->local.ip4;
	fib.ipv4_dst = t->remote.ip4;
	if (bpf_fib_lookup(ctx, &fib, sizeof(fib), BPF_FIB_LOOKUP_OUTPUT | BPF_FIB_LOOKUP_SKIP_NEIGH))
		goto ignored;
	if (fib.ipv4_dst == t->remote.ip4 || fib.ipv4_dst != from)
		goto ignored; /* no gateway now, or not this one */
	__builtin_memset(&fib, 0, sizeof(fib));
	fib.family = AF_INET_NR;
	fib.ifindex = ifindex;
	fib.ipv4_src = t->local.ip4;
	fib.ipv4_dst = gw;
	if (bpf_fib_lookup(ctx, &fib, sizeof(fib), BPF_FIB_LOOKUP_OUTPUT | BPF_FIB_LOOKUP_SKIP_NEIGH) ||
	    fib.ipv4_dst != gw)
		goto ignored; /* the new gateway is not on-link */
	path = bpf_map_lookup_elem(&fou_tun_path, &slot);
	if (!path)
		goto ignored;
	path->redirect_gw.ip4 = gw;
	path->redirect_from.ip4 = from;
	path->redirect_ns = bpf_ktime_get_ns();
	stat_inc(FOU_STAT_REDIRECT_APPLIED);
	return;
ignored:
	stat_inc(FOU_STAT_REDIRECT_IGNORED);
}

static __always_inline void icmp_count(__u32 slot, int kind, __u8 family)
{
	struct fou_tun_icmp *s = bpf_map_lookup_elem(&fou_tun_icmp, &slot);

	if (!s)
		return;
	if (kind == ICMP_KIND_FRAG_NEEDED) {
		if (family == FOU_FAMILY_IPV4)
			s->frag_needed++;
		else
			s->pkt_too_big++;
	} else if (kind == ICMP_KIND_UNREACH) {
		s->unreachable++;
	} else if (kind == ICMP_KIND_TIME_EXCEEDED) {
		s->time_exceeded++;
	} else {
		s->redirect++;
	}
}

/* An SCTP-over-UDP packet we (the RFC 6951 gateway) sent to an over-UDP
 * peer: our encapsulation port, the peer's learned port and tag. */
static __always_inline bool icmp_is_sctp_peer(const struct icmp_quote *q, __u8 family)
{
	struct fou_sctp_peer_key pk;
	struct fou_sctp_peer *peer;

	if (!q->has_vtag || bpf_ntohs(q->sport) != sctp_encap_port(sctp_conf()))
		return false;
	sctp_peer_key(&pk, &q->daddr, family, bpf_ntohl(q->vtag));
	peer = bpf_map_lookup_elem(&fou_sctp_peers, &pk);
	return peer && peer->encap_port == bpf_ntohs(q->dport);
}

/* A matched error, from the match to the action. */
struct icmp_match {
	__u32 slot;
	__u32 quoted_len;
	__be32 rest;
	__u8 kind;
	__u8 pad[3];
};

/*
 * Match one ICMP error (ICMP header at p->l4_off) to a tunnel. Returns
 * FOU_CONTINUE with @m filled, or the outcome. The caller then checks the
 * message's checksum and calls the action: three steps, so that neither
 * this frame nor the action's sits under the checksum walk's (the BPF call
 * chain has 512 bytes of stack in all). Global functions (fou_icmp_match,
 * fou_icmp_act): only ICMP reaches them.
 */
static __always_inline int icmp_match(struct __ctx_buff *ctx, const struct fou_pkt *p,
				      struct icmp_match *m)
{
	struct icmp_quote q;
	struct icmp_head h;
	struct fou_tunnel *t;
	int ret;

	if (!p || !m)
		return FOU_STAT_PASS_ICMP_SHORT;
	/* IPv4 options past the frame: short like any other IP header. */
	if (p->l4_off > p->pkt_len)
		return FOU_STAT_PASS_SHORT;
	/* The type first: only an error's length matters to us, any other
	 * ICMP is not ours however short. The code cannot make an error
	 * type a non-error, so it waits for the full header. */
	if (p->l4_off + 1 > p->pkt_len || ctx_load_bytes(ctx, p->l4_off, &h.type, 1) ||
	    icmp_kind(p->family, h.type, 0) == ICMP_KIND_NONE)
		return FOU_STAT_PASS_NOT_UDP;
	if (p->ip_end > p->pkt_len || p->l4_off + ICMP_HLEN > p->ip_end ||
	    ctx_load_bytes(ctx, p->l4_off, &h, sizeof(h)))
		return FOU_STAT_PASS_ICMP_SHORT;
	m->kind = icmp_kind(p->family, h.type, h.code);
	ret = icmp_read_quote(ctx, p->l4_off + ICMP_HLEN, p->ip_end, p->family, &q);
	if (ret != FOU_CONTINUE)
		return ret;
	/* An error goes to the source of the packet it is about. */
	if (!addr_equal(&q.saddr, &p->daddr, p->family))
		return FOU_STAT_PASS_ICMP_NO_TUNNEL;
	t = icmp_find_tunnel(&q, p->family, &m->slot);
	if (!t)
		return icmp_is_sctp_peer(&q, p->family) ? FOU_STAT_PASS_ICMP_SCTP
							 : FOU_STAT_PASS_ICMP_NO_TUNNEL;
	if (!icmp_sport_ok(t, q.sport))
		return FOU_STAT_PASS_ICMP_BAD_SPORT;
	m->quoted_len = q.len;
	m->rest = h.rest;
	return FOU_CONTINUE;
}

static __always_inline void icmp_act(void *ctx, const struct fou_pkt *p, __u32 ifindex,
				     const struct icmp_match *m)
{
	if (!p || !m)
		return;
	icmp_count(m->slot, m->kind, p->family);
	if (m->kind == ICMP_KIND_FRAG_NEEDED)
		icmp_pmtu_update(m->slot, p->family,
				 p->family == FOU_FAMILY_IPV4 ? bpf_ntohl(m->rest) & 0xffff
							      : bpf_ntohl(m->rest),
				 m->quoted_len, &p->saddr);
	else if (m->kind == ICMP_KIND_REDIRECT)
		icmp_redirect(ctx, ifindex, m->slot, m->rest, p->saddr.ip4);
}

__noinline int fou_icmp_match(struct __ctx_buff *ctx, const struct fou_pkt *p,
				      struct icmp_match *m)
{
	return icmp_match(ctx, p, m);
}

__noinline int fou_icmp_act(struct __ctx_buff *ctx, const struct fou_pkt *p,
				    __u32 ifindex, const struct icmp_match *m)
{
	icmp_act(ctx, p, ifindex, m);
	return 0;
}

/* An ICMP error: matched, checked, acted on. Returns the outcome. */
static __always_inline int icmp_rx(struct __ctx_buff *ctx, __u32 ifindex, const struct fou_pkt *p)
{
	struct icmp_match m = {};
	__u32 seed = 0;
	__s64 sum;
	int ret;

	ret = fou_icmp_match(ctx, p, &m);
	if (ret != FOU_CONTINUE)
		return ret;
	/* State changes only on an intact message. */
	if (p->family == FOU_FAMILY_IPV6)
		seed = ip_pseudo_sum(&p->saddr, &p->daddr, p->family, IPPROTO_ICMPV6_NR,
				     p->ip_end - p->l4_off);
	sum = fou_range_sum(ctx, p->l4_off, p->ip_end - p->l4_off, seed);
	if (sum < 0 || csum_fold((__u32)sum) != 0)
		return FOU_STAT_DROP_ICMP_CSUM;
	fou_icmp_act(ctx, p, ifindex, &m);
	return FOU_STAT_RX_ICMP_TUNNEL;
}

#endif /* FOU_BPF_ICMP_H */
