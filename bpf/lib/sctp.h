/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * SCTP (RFC 9260) as seen by a host or gateway that is not an SCTP endpoint:
 * the common header and chunk walk that decide whether a packet is well
 * formed, its CRC32c, and what an RFC 6951 gateway learns from it.
 */
#ifndef FOU_BPF_SCTP_H
#define FOU_BPF_SCTP_H

#include "lib/csum.h"
#include "lib/crc32c.h"
#include "lib/stats.h"

#define SCTP_HLEN       12 /* common header */
#define SCTP_CHUNK_HLEN 4
#define SCTP_MIN_LEN    (SCTP_HLEN + SCTP_CHUNK_HLEN) /* the kernel drops shorter */
#define SCTP_INIT_LEN   20 /* INIT / INIT-ACK chunk up to the Initiate Tag and a_rwnd */

#define SCTP_CID_INIT              1
#define SCTP_CID_INIT_ACK          2
#define SCTP_CID_ABORT             6
#define SCTP_CID_SHUTDOWN_COMPLETE 14
#define SCTP_CHUNK_FLAG_T          0x1 /* the tag is the sender's own (RFC 9260 8.5.1) */

/* Chunks walked per packet; one with more is accepted after this many (its
 * CRC32c still covers every byte, and the endpoint parses the rest). */
#define SCTP_MAX_CHUNKS 64

/* What the receive and transmit paths learn about one SCTP packet. */
struct sctp_info {
	__u32 vtag;     /* verification tag, host order */
	__u32 init_tag; /* INIT / INIT-ACK: the Initiate Tag, host order; else 0 */
	__u8 type;      /* first chunk's type */
	__u8 flags;     /* first chunk's flags */
	__u8 native;    /* arrived as native SCTP, not over UDP */
	__u8 crc_ok;    /* the CRC32c was checked (not left to the endpoint) */
};

/* The common header and the start of the first chunk, as on the wire. */
struct sctp_head {
	__be16 sport;
	__be16 dport;
	__be32 vtag;
	__u32 crc;    /* little-endian on the wire (RFC 9260 appendix A) */
	__u8 type;
	__u8 flags;
	__be16 clen;
	__be32 init_tag; /* INIT / INIT-ACK only */
};

static __always_inline bool sctp_tag_reflected(const struct sctp_info *si)
{
	return (si->type == SCTP_CID_ABORT || si->type == SCTP_CID_SHUTDOWN_COMPLETE) &&
	       (si->flags & SCTP_CHUNK_FLAG_T);
}

/*
 * Walk the chunks of the SCTP packet of @len bytes at @off: each at least a
 * chunk header long and inside the packet. The last chunk's padding may be
 * missing. Returns FOU_CONTINUE or the drop reason.
 */
static __always_inline int sctp_walk(struct __ctx_buff *ctx, __u32 off, __u32 len)
{
	__u32 o = SCTP_HLEN;

	for (int i = 0; i < SCTP_MAX_CHUNKS; i++) {
		__be16 ch[2];
		__u32 clen;

		if (o >= len)
			return FOU_CONTINUE;
		if (o + SCTP_CHUNK_HLEN > len)
			return FOU_STAT_DROP_SCTP_CHUNK_LEN;
		if (ctx_load_bytes(ctx, off + o, ch, sizeof(ch)))
			return FOU_STAT_DROP_TRUNCATED;
		clen = bpf_ntohs(ch[1]);
		if (clen < SCTP_CHUNK_HLEN)
			return FOU_STAT_DROP_SCTP_CHUNK_ZERO;
		if (o + clen > len)
			return FOU_STAT_DROP_SCTP_CHUNK_LEN;
		o += (clen + 3) & ~3U;
	}
	return FOU_CONTINUE;
}

/*
 * Check the SCTP packet of @len bytes at frame offset @off (< 128): common
 * header, chunk walk, and, with @crc, the CRC32c. Fills @si. A global
 * function, so the verifier walks its loops once. Returns FOU_CONTINUE or
 * a drop reason.
 */
__noinline int fou_sctp_check(struct __ctx_buff *ctx, __u32 off, __u32 len,
				      struct sctp_info *si)
{
	struct sctp_head h = {};
	__s64 crc;
	int ret;

	if (!si)
		return FOU_STAT_DROP_SCTP_SHORT;
	if (len < SCTP_MIN_LEN || off > 127)
		return FOU_STAT_DROP_SCTP_SHORT;
	if (ctx_load_bytes(ctx, off, &h, len >= sizeof(h) ? sizeof(h) : SCTP_MIN_LEN))
		return FOU_STAT_DROP_TRUNCATED;
	ret = sctp_walk(ctx, off, len);
	if (ret != FOU_CONTINUE)
		return ret;
	/* Beyond jumbo frames (64K-MTU devices) the walk would not verify in
	 * bounds: the endpoint checks the CRC32c; we say so. */
	si->crc_ok = 0;
	if (len > CRC32C_MAX_LEN) {
		stat_inc(FOU_STAT_SCTP_CRC_UNCHECKED);
	} else {
		crc = fou_crc32c(ctx, off, len);
		if (crc < 0)
			return FOU_STAT_DROP_TRUNCATED;
		if (!crc32c_matches((__u32)crc, h.crc))
			return FOU_STAT_DROP_SCTP_CRC;
		si->crc_ok = 1;
	}
	si->vtag = bpf_ntohl(h.vtag);
	si->type = h.type;
	si->flags = h.flags;
	si->init_tag = 0;
	if ((h.type == SCTP_CID_INIT || h.type == SCTP_CID_INIT_ACK) &&
	    bpf_ntohs(h.clen) >= SCTP_INIT_LEN && len >= sizeof(h))
		si->init_tag = bpf_ntohl(h.init_tag);
	return FOU_CONTINUE;
}

/* Rewrite an IP header (a copy, in @ip) for a transport @delta bytes longer
 * or shorter, now of protocol @proto: the RFC 6951 gateway's one edit. */
static __always_inline void ip_retype(void *ip, __u8 family, int delta, __u8 proto)
{
	if (family == FOU_FAMILY_IPV4) {
		struct iphdr *iph = ip;
		__be16 old_len = iph->tot_len;
		__be16 old_pw = *(__be16 *)&iph->ttl; /* ttl and protocol */
		__be16 new_len = bpf_htons(bpf_ntohs(old_len) + delta);

		iph->tot_len = new_len;
		iph->protocol = proto;
		iph->check = csum_replace16(csum_replace16(iph->check, old_len, new_len),
					    old_pw, *(__be16 *)&iph->ttl);
		return;
	}
	struct ipv6hdr *ip6 = ip;

	ip6->payload_len = bpf_htons(bpf_ntohs(ip6->payload_len) + delta);
	ip6->nexthdr = proto;
}

/* ---------------------------------------------------------------- settings */

static __always_inline __u32 sctp_dev_flags(__u32 ifindex)
{
	struct fou_sctp_dev *d = bpf_map_lookup_elem(&fou_sctp_devs, &ifindex);

	return d ? d->flags : 0;
}

static __always_inline const struct fou_sctp_conf *sctp_conf(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&fou_sctp_conf, &zero);
}

static __always_inline __u16 sctp_encap_port(const struct fou_sctp_conf *c)
{
	return c && c->encap_port ? c->encap_port : FOU_SCTP_PORT_DEFAULT;
}

static __always_inline __u16 sctp_remote_port(const struct fou_sctp_conf *c)
{
	return c && c->remote_port ? c->remote_port : FOU_SCTP_PORT_DEFAULT;
}

/* ---------------------------------------------------------------- learning */

static __always_inline void sctp_peer_key(struct fou_sctp_peer_key *k, const struct fou_addr *a,
					  __u8 family, __u32 tag)
{
	__builtin_memset(k, 0, sizeof(*k));
	k->addr = *a;
	k->family = family;
	k->vtag = tag;
}

/* The association an over-UDP peer's packet belongs to, found through the
 * tag it carries (the other side's); NULL if no known association has it. */
static __always_inline struct fou_sctp_peer *sctp_peer_by_their_tag(const struct fou_addr *a,
								   __u8 family, __u32 tag)
{
	struct fou_sctp_vtag_key vk;
	struct fou_sctp_peer_key pk;
	struct fou_sctp_vtag *v;

	/* Same layout as the peer key: one builder serves both. */
	sctp_peer_key((struct fou_sctp_peer_key *)&vk, a, family, tag);
	v = bpf_map_lookup_elem(&fou_sctp_vtags, &vk);
	if (!v)
		return NULL;
	sctp_peer_key(&pk, a, family, v->peer_vtag);
	return bpf_map_lookup_elem(&fou_sctp_peers, &pk);
}

static __always_inline void sctp_vtag_put(const struct fou_addr *a, __u8 family,
					  __u32 their_tag, __u32 peer_tag)
{
	struct fou_sctp_vtag_key vk;
	struct fou_sctp_vtag v = { .peer_vtag = peer_tag };

	sctp_peer_key((struct fou_sctp_peer_key *)&vk, a, family, their_tag);
	bpf_map_update_elem(&fou_sctp_vtags, &vk, &v, BPF_ANY);
}

/*
 * INIT / INIT-ACK from or to the peer name the association by the peer's
 * Initiate Tag: a forged one creates an entry that no real packet uses, and
 * an existing entry is never replaced, so it cannot redirect an association. @their_tag is known from an
 * INIT-ACK (the tag the peer's packets will carry), else 0.
 */
static __always_inline void sctp_learn_init(const struct fou_addr *a, __u8 family,
					    __u32 peer_tag, __u32 their_tag,
					    __u16 port, __u16 flags)
{
	struct fou_sctp_peer_key pk;
	struct fou_sctp_peer v = {
		.encap_port = port, .flags = flags, .peer_vtag = their_tag,
		.updated_ns = bpf_ktime_get_ns(),
	};

	if (!peer_tag)
		return;
	sctp_peer_key(&pk, a, family, peer_tag);
	/* Never over an existing association: whoever knows its tag (anyone
	 * on the path) could otherwise move it with one INIT; a known one
	 * changes only through a packet its tag verifies. */
	if (bpf_map_update_elem(&fou_sctp_peers, &pk, &v, BPF_NOEXIST))
		return;
	if (their_tag)
		sctp_vtag_put(a, family, their_tag, peer_tag);
	stat_inc(FOU_STAT_SCTP_PORT_LEARNED);
}

/*
 * A checked packet from peer @a arrived over UDP from @port (host order), or
 * natively (@port 0): RFC 6951 5.4 keeps the remote encapsulation port of the
 * association up to date, and a native packet turns encapsulation off.
 */
static __always_inline void sctp_learn_from_peer(const struct fou_addr *a, __u8 family,
						 const struct sctp_info *si, __u16 port)
{
	__u16 flags = port ? 0 : FOU_SCTP_PEER_F_NATIVE;
	struct fou_sctp_peer *peer;

	if (si->type == SCTP_CID_INIT && !si->vtag) {
		sctp_learn_init(a, family, si->init_tag, 0, port, flags);
		return;
	}
	if (si->type == SCTP_CID_INIT_ACK) {
		sctp_learn_init(a, family, si->init_tag, si->vtag, port, flags);
		return;
	}
	if (sctp_tag_reflected(si))
		return; /* the peer's own tag: says nothing about its port */
	peer = sctp_peer_by_their_tag(a, family, si->vtag);
	if (!peer) {
		stat_inc(FOU_STAT_SCTP_VTAG_UNKNOWN);
		return;
	}
	if (peer->encap_port == port && peer->flags == flags)
		return;
	stat_inc(port ? FOU_STAT_SCTP_PORT_CHANGED : FOU_STAT_SCTP_PEER_NATIVE);
	peer->encap_port = port;
	peer->flags = flags;
	peer->updated_ns = bpf_ktime_get_ns();
}

#endif /* FOU_BPF_SCTP_H */
