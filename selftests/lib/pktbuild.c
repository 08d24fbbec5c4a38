// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* A small packet builder: see pktbuild.h. */
#include <arpa/inet.h>
#include <string.h>

#include "pktbuild.h"

#define ETH_P_IPV4 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_VLAN 0x8100

/* ---- checksums ------------------------------------------------------- */

uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *b = data;
	uint64_t s = sum;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)b[i] << 8 | b[i + 1];
	if (len & 1)
		s += (uint32_t)b[len - 1] << 8;
	while (s >> 32)
		s = (s & 0xffffffff) + (s >> 32);
	return (uint32_t)s;
}

uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t ip4_hdr_csum(const void *iph, size_t ihl_bytes)
{
	uint8_t tmp[60];

	memcpy(tmp, iph, ihl_bytes);
	tmp[10] = tmp[11] = 0;
	return csum_fold(csum_add(0, tmp, ihl_bytes));
}

static uint32_t pseudo_sum(const uint8_t *iph, int ver, uint8_t proto, size_t len)
{
	uint8_t ph[8] = { 0 };

	if (ver == 4) {
		uint32_t s = csum_add(0, iph + 12, 8);

		ph[1] = proto;
		ph[2] = len >> 8;
		ph[3] = len & 0xff;
		return csum_add(s, ph, 4);
	}
	ph[0] = len >> 24;
	ph[1] = len >> 16;
	ph[2] = len >> 8;
	ph[3] = len & 0xff;
	ph[7] = proto;
	return csum_add(csum_add(0, iph + 8, 32), ph, 8);
}

/* The checksum field of l4 must already be zero. */
uint16_t l4_csum(const void *iph, int ip_version, uint8_t proto,
		 const void *l4, size_t l4_len)
{
	uint32_t s = 0;

	if (proto != IPPROTO_ICMP)
		s = pseudo_sum(iph, ip_version, proto, l4_len);
	return csum_fold(csum_add(s, l4, l4_len));
}

bool l4_csum_ok(const void *iph, int ip_version, uint8_t proto,
		const void *l4, size_t l4_len)
{
	uint32_t s = 0;

	if (proto != IPPROTO_ICMP)
		s = pseudo_sum(iph, ip_version, proto, l4_len);
	return csum_fold(csum_add(s, l4, l4_len)) == 0;
}

/* ---- byte access ------------------------------------------------------ */

void pkt_put16(struct pkt *p, size_t off, uint16_t v)
{
	be16_put(p->buf + off, v);
}

void pkt_put32(struct pkt *p, size_t off, uint32_t v)
{
	pkt_put16(p, off, v >> 16);
	pkt_put16(p, off + 2, v & 0xffff);
}

uint16_t pkt_get16(const struct pkt *p, size_t off)
{
	return be16_get(p->buf + off);
}

uint32_t pkt_get32(const struct pkt *p, size_t off)
{
	return (uint32_t)pkt_get16(p, off) << 16 | pkt_get16(p, off + 2);
}

struct in_addr pkt_a4(const char *s)
{
	struct in_addr a = { 0 };

	inet_pton(AF_INET, s, &a);
	return a;
}

struct in6_addr pkt_a6(const char *s)
{
	struct in6_addr a = { 0 };

	inet_pton(AF_INET6, s, &a);
	return a;
}

/* ---- appending ------------------------------------------------------- */

void pkt_init(struct pkt *p, void *buf, size_t cap)
{
	memset(p, 0, sizeof(*p));
	p->buf = buf;
	p->cap = cap;
	memset(buf, 0, cap);
}

/* Reserve n zeroed bytes as a new layer; returns its index or -1. */
static int push(struct pkt *p, enum pkt_layer_type type, size_t n)
{
	struct pkt_layer *l;

	if (p->err || p->nl >= PKT_MAX_LAYERS || p->len + n > p->cap) {
		p->err = -1;
		return -1;
	}
	l = &p->l[p->nl];
	memset(l, 0, sizeof(*l));
	l->type = type;
	l->off = p->len;
	l->hdr_len = n;
	memset(p->buf + p->len, 0, n);
	p->len += n;
	return p->nl++;
}

int pkt_eth(struct pkt *p, const struct pkt_eth_opts *o)
{
	int i = push(p, PL_ETH, o->vlan ? 18 : 14);
	uint8_t *h;

	if (i < 0)
		return -1;
	h = p->buf + p->l[i].off;
	memcpy(h, o->dst, 6);
	memcpy(h + 6, o->src, 6);
	if (o->vlan) {
		pkt_put16(p, p->l[i].off + 12, ETH_P_VLAN);
		pkt_put16(p, p->l[i].off + 14, o->vlan_tci);
	}
	pkt_put16(p, p->l[i].off + p->l[i].hdr_len - 2, o->type);
	p->l[i].auto_proto = !o->type;
	return i;
}

int pkt_ip4(struct pkt *p, const struct pkt_ip4_opts *o)
{
	int i = push(p, PL_IP4, 20 + o->optlen);
	size_t off;
	uint8_t *h;

	if (i < 0 || o->optlen % 4 || o->optlen > 40)
		return p->err = -1;
	off = p->l[i].off;
	h = p->buf + off;
	h[0] = 0x40 | (5 + o->optlen / 4);
	h[1] = o->tos;
	pkt_put16(p, off + 4, o->id);
	pkt_put16(p, off + 6, o->frag);
	h[8] = o->ttl ? o->ttl : 64;
	h[9] = o->proto;
	memcpy(h + 12, &o->saddr, 4);
	memcpy(h + 16, &o->daddr, 4);
	if (o->opts)
		memcpy(h + 20, o->opts, o->optlen);
	else
		memset(h + 20, 1 /* NOP */, o->optlen);
	p->l[i].auto_proto = !o->proto;
	p->l[i].auto_len = true;
	return i;
}

int pkt_ip6(struct pkt *p, const struct pkt_ip6_opts *o)
{
	int i = push(p, PL_IP6, 40);
	size_t off;
	uint8_t *h;

	if (i < 0)
		return -1;
	off = p->l[i].off;
	h = p->buf + off;
	pkt_put32(p, off, 6u << 28 | (uint32_t)o->tclass << 20 | (o->flowlabel & 0xfffff));
	h[6] = o->nexthdr;
	h[7] = o->hlim ? o->hlim : 64;
	memcpy(h + 8, &o->saddr, 16);
	memcpy(h + 24, &o->daddr, 16);
	p->l[i].auto_proto = !o->nexthdr;
	p->l[i].auto_len = true;
	return i;
}

/* An extension header of (len8 + 1) * 8 bytes, padded with PadN. */
int pkt_ip6_ext(struct pkt *p, uint8_t type, uint8_t len8)
{
	int i = push(p, PL_IP6EXT, (len8 + 1) * 8);
	uint8_t *h;

	if (i < 0)
		return -1;
	h = p->buf + p->l[i].off;
	if (type != IPPROTO_FRAGMENT) {
		h[1] = len8;
		h[2] = 1; /* PadN over the remaining bytes */
		h[3] = (len8 + 1) * 8 - 4;
	}
	p->l[i].ext_type = type;
	p->l[i].auto_proto = true;
	return i;
}

int pkt_udp(struct pkt *p, uint16_t sport, uint16_t dport, enum pkt_csum csum)
{
	int i = push(p, PL_UDP, 8);

	if (i < 0)
		return -1;
	pkt_put16(p, p->l[i].off, sport);
	pkt_put16(p, p->l[i].off + 2, dport);
	p->l[i].csum = csum;
	p->l[i].auto_len = true;
	return i;
}

int pkt_tcp(struct pkt *p, uint16_t sport, uint16_t dport)
{
	int i = push(p, PL_TCP, 20);
	size_t off;

	if (i < 0)
		return -1;
	off = p->l[i].off;
	pkt_put16(p, off, sport);
	pkt_put16(p, off + 2, dport);
	pkt_put32(p, off + 4, 0x01020304); /* seq */
	p->buf[off + 12] = 5 << 4;
	p->buf[off + 13] = 0x18;            /* PSH|ACK */
	pkt_put16(p, off + 14, 65535);
	return i;
}

static int last_ip(const struct pkt *p, int before)
{
	int i;

	for (i = before - 1; i >= 0; i--)
		if (p->l[i].type == PL_IP4 || p->l[i].type == PL_IP6)
			return i;
	return -1;
}

int pkt_icmp_echo(struct pkt *p, uint16_t id, uint16_t seq)
{
	int ip = last_ip(p, p->nl);
	bool v6 = ip >= 0 && p->l[ip].type == PL_IP6;
	int i = push(p, v6 ? PL_ICMP6 : PL_ICMP4, 8);

	if (i < 0)
		return -1;
	p->buf[p->l[i].off] = v6 ? 128 : 8;
	pkt_put16(p, p->l[i].off + 4, id);
	pkt_put16(p, p->l[i].off + 6, seq);
	return i;
}

int pkt_gue(struct pkt *p, const struct pkt_gue_opts *o)
{
	int i = push(p, PL_GUE, 4 + o->fields_len);
	uint8_t hlen = o->hlen ? o->hlen : o->fields_len / 4;
	uint8_t *h;

	if (i < 0)
		return -1;
	h = p->buf + p->l[i].off;
	h[0] = (o->version & 3) << 6 | (o->control ? 0x20 : 0) | (hlen & 0x1f);
	h[1] = o->proto;
	pkt_put16(p, p->l[i].off + 2, o->flags);
	if (o->fields_len)
		memcpy(h + 4, o->fields, o->fields_len);
	p->l[i].auto_proto = !o->proto;
	return i;
}

int pkt_payload(struct pkt *p, size_t n, uint8_t seed)
{
	int i = push(p, PL_RAW, n);
	size_t k;

	if (i < 0)
		return -1;
	for (k = 0; k < n; k++)
		p->buf[p->l[i].off + k] = (uint8_t)(seed + k * 7);
	return i;
}

int pkt_bytes(struct pkt *p, const void *data, size_t n)
{
	int i = push(p, PL_RAW, n);

	if (i < 0)
		return -1;
	memcpy(p->buf + p->l[i].off, data, n);
	return i;
}

/* ---- finalizing ------------------------------------------------------ */

/* The protocol number (IP) of layer i, or -1 if it has none. */
static int ip_proto_of(const struct pkt *p, int i)
{
	if (i >= p->nl)
		return -1;
	switch (p->l[i].type) {
	case PL_IP4: return IPPROTO_IPIP;
	case PL_IP6: return IPPROTO_IPV6;
	case PL_UDP: return IPPROTO_UDP;
	case PL_TCP: return IPPROTO_TCP;
	case PL_ICMP4: return IPPROTO_ICMP;
	case PL_ICMP6: return IPPROTO_ICMPV6;
	case PL_IP6EXT: return p->l[i].ext_type;
	default: return -1;
	}
}

static void fix_eth(struct pkt *p, int i)
{
	const struct pkt_layer *l = &p->l[i];
	uint16_t type = 0;

	if (!l->auto_proto || i + 1 >= p->nl)
		return;
	if (p->l[i + 1].type == PL_IP4)
		type = ETH_P_IPV4;
	else if (p->l[i + 1].type == PL_IP6)
		type = ETH_P_IPV6;
	pkt_put16(p, l->off + l->hdr_len - 2, type);
}

void pkt_ip4_fix_csum(struct pkt *p, int i)
{
	uint8_t *h = p->buf + p->l[i].off;
	uint16_t c = ip4_hdr_csum(h, (h[0] & 0xf) * 4);

	pkt_put16(p, p->l[i].off + 10, c);
}

static void fix_ip4(struct pkt *p, int i)
{
	struct pkt_layer *l = &p->l[i];
	int proto = ip_proto_of(p, i + 1);

	if (l->auto_len)
		pkt_put16(p, l->off + 2, p->len - l->off);
	if (l->auto_proto && proto >= 0)
		p->buf[l->off + 9] = proto;
	pkt_ip4_fix_csum(p, i);
}

static void fix_ip6(struct pkt *p, int i)
{
	struct pkt_layer *l = &p->l[i];
	int proto = ip_proto_of(p, i + 1);
	size_t nh = l->type == PL_IP6 ? 6 : 0;

	if (l->type == PL_IP6 && l->auto_len)
		pkt_put16(p, l->off + 4, p->len - l->off - 40);
	if (!l->auto_proto)
		return;
	if (proto >= 0)
		p->buf[l->off + nh] = proto;
}

void pkt_l4_fix_csum(struct pkt *p, int i, enum pkt_csum mode)
{
	struct pkt_layer *l = &p->l[i];
	int ip = last_ip(p, i);
	size_t coff = l->type == PL_UDP ? 6 : l->type == PL_TCP ? 16 : 2;
	uint8_t proto;
	uint16_t c;
	int ver;

	if (ip < 0)
		return;
	ver = p->l[ip].type == PL_IP4 ? 4 : 6;
	proto = l->type == PL_UDP ? IPPROTO_UDP : l->type == PL_TCP ? IPPROTO_TCP :
		l->type == PL_ICMP4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	pkt_put16(p, l->off + coff, 0);
	if (mode == PKT_CSUM_ZERO)
		return;
	c = l4_csum(p->buf + p->l[ip].off, ver, proto, p->buf + l->off, p->len - l->off);
	if (c == 0 && l->type == PL_UDP)
		c = 0xffff;
	if (mode == PKT_CSUM_BAD) {
		uint16_t bad = c ^ 0x5a5a;

		c = (bad == 0 || bad == 0xffff) ? c ^ 1 : bad;
	}
	pkt_put16(p, l->off + coff, c);
}

static void fix_udp(struct pkt *p, int i)
{
	struct pkt_layer *l = &p->l[i];

	if (l->auto_len)
		pkt_put16(p, l->off + 4, p->len - l->off);
	pkt_l4_fix_csum(p, i, l->csum);
}

static void fix_gue(struct pkt *p, int i)
{
	int proto = ip_proto_of(p, i + 1);

	if (p->l[i].auto_proto && proto >= 0)
		p->buf[p->l[i].off + 1] = proto;
}

int pkt_finalize(struct pkt *p)
{
	int i;

	if (p->err)
		return -1;
	for (i = p->nl - 1; i >= 0; i--) {
		switch (p->l[i].type) {
		case PL_ETH: fix_eth(p, i); break;
		case PL_IP4: fix_ip4(p, i); break;
		case PL_IP6: case PL_IP6EXT: fix_ip6(p, i); break;
		case PL_UDP: fix_udp(p, i); break;
		case PL_TCP: case PL_ICMP4: case PL_ICMP6:
			pkt_l4_fix_csum(p, i, PKT_CSUM_AUTO);
			break;
		case PL_GUE: fix_gue(p, i); break;
		default: break;
		}
	}
	return 0;
}

/* ---- lookup ---------------------------------------------------------- */

int pkt_find(const struct pkt *p, enum pkt_layer_type type, int nth)
{
	int i;

	for (i = 0; i < p->nl; i++)
		if (p->l[i].type == type && nth-- == 0)
			return i;
	return -1;
}

void *pkt_hdr(struct pkt *p, int i)
{
	return p->buf + p->l[i].off;
}

size_t pkt_off(const struct pkt *p, int i)
{
	return p->l[i].off;
}

void pkt_truncate(struct pkt *p, size_t len)
{
	if (len < p->len)
		p->len = len;
}

uint32_t crc32c_ref(const uint8_t *b, size_t n, size_t zfrom, size_t zto)
{
	uint32_t r = 0xffffffffu;
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		r ^= i >= zfrom && i < zto ? 0 : b[i];
		for (k = 0; k < 8; k++)
			r = (r >> 1) ^ (0x82F63B78u & (0u - (r & 1))); /* reflected */
	}
	return ~r;
}
