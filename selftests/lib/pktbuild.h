/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A small packet builder for the unit tests and benchmarks.
 *
 * A frame is built into a caller buffer as a stack of layers appended from
 * the outside in (Ethernet, IP, UDP, GUE, inner IP, L4, payload). Fields the
 * caller leaves at zero (lengths, next protocols, EtherTypes, checksums) are
 * filled in by pkt_finalize(), innermost layer first, so that an outer UDP
 * checksum covers the final inner bytes. After pkt_finalize() the caller may
 * corrupt any field on purpose through pkt_hdr() and re-fix what it wants.
 *
 * All checksums are computed here, independently of the kernel and of the
 * BPF programs under test. Ports, ids and flag words are given in host
 * order; addresses as struct in_addr / in6_addr (network order).
 */
#ifndef PKTBUILD_H
#define PKTBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#define PKT_MAX_LAYERS 16

enum pkt_layer_type {
	PL_ETH,    /* Ethernet, with an optional 802.1Q tag */
	PL_IP4,
	PL_IP6,
	PL_IP6EXT, /* one IPv6 extension header (hop-by-hop, routing, ...) */
	PL_UDP,
	PL_TCP,
	PL_ICMP4,  /* echo request */
	PL_ICMP6,  /* echo request */
	PL_GUE,    /* GUE version 0 header and its optional fields */
	PL_RAW,    /* payload bytes */
};

/* What pkt_finalize() does with a UDP checksum. */
enum pkt_csum {
	PKT_CSUM_AUTO, /* correct checksum (0xffff if it computes to zero) */
	PKT_CSUM_ZERO, /* zero: no checksum */
	PKT_CSUM_BAD,  /* non-zero and deliberately wrong */
};

struct pkt_layer {
	uint8_t type;       /* enum pkt_layer_type */
	uint8_t csum;       /* enum pkt_csum (UDP) */
	bool auto_proto;    /* next protocol / EtherType from the next layer */
	bool auto_len;      /* length field from the bytes that follow */
	uint16_t off;       /* offset of the layer in the frame */
	uint16_t hdr_len;   /* bytes of header (ETH: 14 or 18) */
	uint8_t ext_type;   /* PL_IP6EXT: its protocol number */
};

struct pkt {
	uint8_t *buf;
	size_t cap;
	size_t len;
	int err;            /* set when an append did not fit; sticky */
	int nl;
	struct pkt_layer l[PKT_MAX_LAYERS];
};

struct pkt_eth_opts {
	uint8_t dst[6], src[6];
	uint16_t type;      /* 0: from the next layer */
	bool vlan;          /* add one 802.1Q tag */
	uint16_t vlan_tci;
};

struct pkt_ip4_opts {
	struct in_addr saddr, daddr;
	uint8_t proto;      /* 0: from the next layer */
	uint8_t tos;        /* DSCP and ECN */
	uint8_t ttl;        /* 0: 64 */
	uint16_t id;
	uint16_t frag;      /* host order: PKT_IP4_DF | PKT_IP4_MF | offset/8 */
	uint8_t optlen;     /* bytes of options, multiple of 4, <= 40 */
	const uint8_t *opts; /* NULL: NOP options */
};

#define PKT_IP4_DF 0x4000
#define PKT_IP4_MF 0x2000

struct pkt_ip6_opts {
	struct in6_addr saddr, daddr;
	uint8_t nexthdr;    /* 0: from the next layer (use pkt_ip6_ext for HBH) */
	uint8_t tclass;     /* DSCP and ECN */
	uint8_t hlim;       /* 0: 64 */
	uint32_t flowlabel;
};

struct pkt_gue_opts {
	uint8_t version;    /* the 2 first bits; 0 for a real GUE header */
	bool control;       /* C bit */
	uint8_t hlen;       /* 0: fields_len / 4 */
	uint8_t proto;      /* 0: from the next layer (4 or 41) */
	uint16_t flags;     /* host order: PKT_GUE_F_PRIV = 0x0001 on the wire */
	const uint8_t *fields; /* optional fields, fields_len bytes */
	uint8_t fields_len;
};

#define PKT_GUE_F_PRIV     0x0001
#define PKT_GUE_PF_REMCSUM 0x80000000u

/* Building: each append returns the new layer's index, or -1 on error. */
void pkt_init(struct pkt *p, void *buf, size_t cap);
int pkt_eth(struct pkt *p, const struct pkt_eth_opts *o);
int pkt_ip4(struct pkt *p, const struct pkt_ip4_opts *o);
int pkt_ip6(struct pkt *p, const struct pkt_ip6_opts *o);
int pkt_ip6_ext(struct pkt *p, uint8_t type, uint8_t len8);
int pkt_udp(struct pkt *p, uint16_t sport, uint16_t dport, enum pkt_csum csum);
int pkt_tcp(struct pkt *p, uint16_t sport, uint16_t dport);
int pkt_icmp_echo(struct pkt *p, uint16_t id, uint16_t seq);
int pkt_gue(struct pkt *p, const struct pkt_gue_opts *o);
int pkt_payload(struct pkt *p, size_t n, uint8_t seed);
int pkt_bytes(struct pkt *p, const void *data, size_t n);

/* Fill lengths, protocols and checksums. Returns 0 or -1 (p->err). */
int pkt_finalize(struct pkt *p);

/* Access and deliberate corruption after pkt_finalize(). */
int pkt_find(const struct pkt *p, enum pkt_layer_type type, int nth);
void *pkt_hdr(struct pkt *p, int layer);
size_t pkt_off(const struct pkt *p, int layer);
void pkt_put16(struct pkt *p, size_t off, uint16_t host_val);
void pkt_put32(struct pkt *p, size_t off, uint32_t host_val);
uint16_t pkt_get16(const struct pkt *p, size_t off);
uint32_t pkt_get32(const struct pkt *p, size_t off);
void pkt_truncate(struct pkt *p, size_t len);
void pkt_ip4_fix_csum(struct pkt *p, int layer);
void pkt_l4_fix_csum(struct pkt *p, int layer, enum pkt_csum csum);

/* Checksums (independent implementation). */
uint32_t csum_add(uint32_t sum, const void *data, size_t len);
uint16_t csum_fold(uint32_t sum);
uint16_t ip4_hdr_csum(const void *iph, size_t ihl_bytes);
/* L4 checksum over an IPv4 or IPv6 pseudo header; iph is the IP header. */
uint16_t l4_csum(const void *iph, int ip_version, uint8_t proto,
		 const void *l4, size_t l4_len);

/* Verify a received L4 checksum (field included) over its pseudo header:
 * true if it sums to zero. A zero UDP checksum is "none": see the caller. */
bool l4_csum_ok(const void *iph, int ip_version, uint8_t proto,
		const void *l4, size_t l4_len);

/* Big-endian fields in a byte buffer, for headers built byte by byte. */
static inline void be16_put(uint8_t *b, uint16_t v)
{
	b[0] = v >> 8;
	b[1] = v & 0xff;
}

static inline void be32_put(uint8_t *b, uint32_t v)
{
	be16_put(b, v >> 16);
	be16_put(b + 2, v & 0xffff);
}

static inline uint16_t be16_get(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

/* CRC32c (Castagnoli) bit by bit, independent of the BPF tables; the bytes
 * in [zfrom, zto) are read as zero. */
uint32_t crc32c_ref(const uint8_t *b, size_t n, size_t zfrom, size_t zto);

/* An SCTP packet's CRC32c: its checksum field (bytes 8..11) as zero. */
static inline uint32_t sctp_crc32c_ref(const uint8_t *s, size_t n)
{
	return crc32c_ref(s, n, 8, 12);
}

/* Helpers for addresses in test code. */
struct in_addr pkt_a4(const char *s);
struct in6_addr pkt_a6(const char *s);

#endif /* PKTBUILD_H */
