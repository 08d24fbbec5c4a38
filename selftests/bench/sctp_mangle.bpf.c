// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Test-only path mangler for the SCTP end-to-end tests (loaded by
 * build/selftests/sctp_mangle, never by fouloader). On one host's device:
 *
 *   egress:  SCTP over UDP leaving from the encapsulation port gets the UDP
 *            source port nat_port instead (a NAT rebinding, as seen by the
 *            gateway); the corrupt_nth-th SCTP packet carrying DATA (native
 *            or over UDP) gets one payload byte flipped, with the UDP
 *            checksum fixed so that only the CRC32c is wrong.
 *   ingress: UDP to nat_port goes back to the encapsulation port (the NAT's
 *            return path), so the host's SCTP stack never sees the change.
 *
 * Everything goes through bpf_skb_load_bytes / store_bytes: slow and simple,
 * and no linear-data concerns.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define ETH_HLEN	14
#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86DD
#define PROTO_UDP	17
#define PROTO_SCTP	132
#define SCTP_HLEN	12
#define DATA_HLEN	16	/* DATA chunk header: type flags len tsn sid ssn ppid */

/* Configuration, written by the loader (array of one). */
struct mangle_conf {
	__u16 encap_port;	/* host order; the host's local encapsulation port */
	__u16 nat_port;		/* host order; 0 = no rewrite */
	__u32 corrupt_nth;	/* corrupt the n-th DATA packet seen on egress; 0 = never */
};

/* Counters (array, one slot each) and facts about the corrupted packet. */
enum {
	MS_EGRESS_SCTP,		/* SCTP packets (native or over UDP) leaving */
	MS_EGRESS_DATA,		/* ... of which carry a DATA chunk first */
	MS_CORRUPTED,		/* packets whose byte was flipped */
	MS_NAT_OUT,		/* source ports rewritten leaving */
	MS_NAT_IN,		/* destination ports rewritten arriving */
	MS_CORRUPT_TSN,		/* TSN of the corrupted DATA chunk */
	MS_CORRUPT_CRC,		/* its CRC32c field as sent, read big-endian as tshark shows it */
	MS_CORRUPT_UDP,		/* 1 when it was over UDP */
	MS_ERRORS,		/* a helper failed: the rewrite may be incomplete */
	MS_MAX,
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mangle_conf);
} mangle_conf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MS_MAX);
	__type(key, __u32);
	__type(value, __u64);
} mangle_stats SEC(".maps");

struct pkt {
	__u32 l4;		/* UDP or SCTP header offset */
	__u32 sctp;		/* SCTP common header offset */
	__u32 end;		/* end of the IP packet */
	__u8 proto;
	__u8 ipv6;
};

static __always_inline void count(__u32 id, __u64 v, bool set)
{
	__u64 *c = bpf_map_lookup_elem(&mangle_stats, &id);

	if (!c)
		return;
	if (set)
		*c = v;
	else
		__sync_fetch_and_add(c, v);
}

/* parse: IPv4 (any header length) or IPv6 without extension headers. */
static __always_inline int parse(struct __sk_buff *skb, struct pkt *p)
{
	__u8 b[8];

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		if (bpf_skb_load_bytes(skb, ETH_HLEN, b, 4))
			return -1;
		p->l4 = ETH_HLEN + (b[0] & 0xf) * 4;
		p->end = ETH_HLEN + ((b[2] << 8) | b[3]);
		if (bpf_skb_load_bytes(skb, ETH_HLEN + 6, b, 4))
			return -1;
		if ((b[0] & 0x3f) || b[1])	/* a fragment: leave it */
			return -1;
		p->proto = b[3];
		p->ipv6 = 0;
		return 0;
	}
	if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		if (bpf_skb_load_bytes(skb, ETH_HLEN + 4, b, 4))
			return -1;
		p->l4 = ETH_HLEN + 40;
		p->end = p->l4 + ((b[0] << 8) | b[1]);
		p->proto = b[2];
		p->ipv6 = 1;
		return 0;
	}
	return -1;
}

/* For bpf_l4_csum_replace on a 16-bit field; over IPv4 a zero (absent)
 * UDP checksum stays zero. */
static __always_inline __u64 csum_flags(const struct pkt *p)
{
	return 2 | (p->ipv6 ? 0 : BPF_F_MARK_MANGLED_0);
}

/* udp_ports: the ports in host order; 0 when not UDP. */
static __always_inline int udp_ports(struct __sk_buff *skb, struct pkt *p, __u16 *sp, __u16 *dp)
{
	__be16 ports[2];

	if (p->proto != PROTO_UDP || bpf_skb_load_bytes(skb, p->l4, ports, 4))
		return -1;
	*sp = bpf_ntohs(ports[0]);
	*dp = bpf_ntohs(ports[1]);
	return 0;
}

/* set_port: rewrite the UDP port at offset off (0 source, 2 destination). */
static __always_inline void set_port(struct __sk_buff *skb, struct pkt *p, __u32 off, __u16 port)
{
	__be16 old, new = bpf_htons(port);

	if (bpf_skb_load_bytes(skb, p->l4 + off, &old, 2) ||
	    bpf_l4_csum_replace(skb, p->l4 + 6, old, new, csum_flags(p)) ||
	    bpf_skb_store_bytes(skb, p->l4 + off, &new, 2, 0))
		count(MS_ERRORS, 1, false);
}

/* corrupt: flip the first payload byte's 16-bit word of the DATA chunk
 * (aligned, so the UDP checksum fix is one csum_replace2). */
static __always_inline void corrupt(struct __sk_buff *skb, struct pkt *p)
{
	__u32 off = p->sctp + SCTP_HLEN + DATA_HLEN;
	__be32 tsn;
	__u32 crc;
	__u16 old, new;

	off &= ~1U;
	if (off + 2 > p->end || bpf_skb_load_bytes(skb, off, &old, 2) ||
	    bpf_skb_load_bytes(skb, p->sctp + SCTP_HLEN + 4, &tsn, 4) ||
	    bpf_skb_load_bytes(skb, p->sctp + 8, &crc, 4))
		return;
	new = old ^ bpf_htons(0x00ff);
	if ((p->proto == PROTO_UDP && bpf_l4_csum_replace(skb, p->l4 + 6, old, new, csum_flags(p))) ||
	    bpf_skb_store_bytes(skb, off, &new, 2, 0)) {
		count(MS_ERRORS, 1, false);
		return;
	}
	count(MS_CORRUPTED, 1, false);
	count(MS_CORRUPT_TSN, bpf_ntohl(tsn), true);
	count(MS_CORRUPT_CRC, bpf_ntohl(crc), true);
	count(MS_CORRUPT_UDP, p->proto == PROTO_UDP, true);
}

SEC("tc")
int mangle_egress(struct __sk_buff *skb)
{
	struct mangle_conf *c;
	struct pkt p = {};
	__u32 zero = 0, id = MS_EGRESS_DATA;
	__u16 sp = 0, dp = 0;
	__u8 chunk;
	__u64 *n;

	c = bpf_map_lookup_elem(&mangle_conf, &zero);
	if (!c || parse(skb, &p))
		return 0;
	if (p.proto == PROTO_SCTP) {
		p.sctp = p.l4;
	} else if (!udp_ports(skb, &p, &sp, &dp) && (sp == c->encap_port || dp == c->encap_port)) {
		p.sctp = p.l4 + 8;
	} else {
		return 0;
	}
	count(MS_EGRESS_SCTP, 1, false);
	if (!bpf_skb_load_bytes(skb, p.sctp + SCTP_HLEN, &chunk, 1) && chunk == 0) {
		n = bpf_map_lookup_elem(&mangle_stats, &id);
		if (n && __sync_fetch_and_add(n, 1) + 1 == c->corrupt_nth)
			corrupt(skb, &p);
	}
	if (p.proto == PROTO_UDP && c->nat_port && sp == c->encap_port) {
		set_port(skb, &p, 0, c->nat_port);
		count(MS_NAT_OUT, 1, false);
	}
	return 0;
}

SEC("tc")
int mangle_ingress(struct __sk_buff *skb)
{
	struct mangle_conf *c;
	struct pkt p = {};
	__u32 zero = 0;
	__u16 sp, dp;

	c = bpf_map_lookup_elem(&mangle_conf, &zero);
	if (!c || !c->nat_port || parse(skb, &p) || udp_ports(skb, &p, &sp, &dp) ||
	    dp != c->nat_port)
		return 0;
	set_port(skb, &p, 2, c->encap_port);
	count(MS_NAT_IN, 1, false);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
