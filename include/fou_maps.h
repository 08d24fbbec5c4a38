/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Map keys and values shared by the BPF programs and fouloader.
 *
 * Plain C with kernel integer types only: BPF code gets them from vmlinux.h,
 * user space from <linux/types.h>. Every struct is padded explicitly so that
 * both compilers agree on the layout and bpftool prints every byte as a field.
 */
#ifndef FOU_MAPS_H
#define FOU_MAPS_H

#define FOU_PIN_ROOT_DEFAULT "/sys/fs/bpf/fou"

/* Map names: the pin file names under the pin root (at most 15 characters). */
#define FOU_MAP_PORT_SLOT  "fou_port_slot"
#define FOU_MAP_PORTS      "fou_ports"
#define FOU_MAP_PEERS      "fou_peers"
#define FOU_MAP_PORT_STATS "fou_port_stats"
#define FOU_MAP_STATS      "fou_stats"
#define FOU_MAP_DEVICES    "fou_devices"
#define FOU_MAP_TUNNELS    "fou_tunnels"
#define FOU_MAP_TUN_STATS  "fou_tun_stats"
#define FOU_MAP_ROUTES4    "fou_routes4"
#define FOU_MAP_ROUTES6    "fou_routes6"
#define FOU_MAP_SCTP_CONF  "fou_sctp_conf"
#define FOU_MAP_SCTP_DEVS  "fou_sctp_devs"
#define FOU_MAP_SCTP_PEERS "fou_sctp_peers"
#define FOU_MAP_SCTP_VTAGS "fou_sctp_vtags"
#define FOU_MAP_TUN_INDEX  "fou_tun_index"
#define FOU_MAP_TUN_PATH   "fou_tun_path"
#define FOU_MAP_TUN_ICMP   "fou_tun_icmp"
#define FOU_MAP_ICMP_CONF  "fou_icmp_conf"
#define FOU_MAP_ICMP_BUCKET "fou_icmp_bucket"
#define FOU_MAP_GRO_STATS  "fou_gro_stats"
#define FOU_MAP_ROUTE_COUNT "fou_route_count"
#define FOU_MAP_ROUTE_FILTER "fou_route_filter"
#define FOU_MAP_CPUMAP     "fou_cpumap"
#define FOU_MAP_LOCAL_ADDRS "fou_local_addrs"
#define FOU_MAP_LOCAL_INLINE "fou_local_inline"
#define FOU_MAP_TUN_GRE_SEQ "fou_tun_gre_seq"

#define FOU_MAX_PORTS   256
#define FOU_MAX_PEERS   4096
#define FOU_MAX_DEVICES 64
#define FOU_MAX_TUNNELS 256
#define FOU_MAX_ROUTES  16384
#define FOU_MAX_SCTP_PEERS 65536

/* Address family as stored in keys: the IP version, which reads well in dumps. */
#define FOU_FAMILY_IPV4 4
#define FOU_FAMILY_IPV6 6

/* Encapsulation kind of a receive port. */
#define FOU_KIND_FOU 1
#define FOU_KIND_GUE 2

/* fou_port.flags */
#define FOU_PORT_F_PEER_ANY   0x1 /* accept any source: asked for with "peer any" */
#define FOU_PORT_F_ZERO_CSUM6 0x2 /* accept a zero UDP checksum over IPv6 */
#define FOU_PORT_F_LOCAL      0x4 /* only packets to fou_port.local */
#define FOU_PORT_F_PEERS_HASH 0x8 /* more peers than fit inline: see fou_peers */
#define FOU_PORT_F_MULTICAST  0x10 /* also broadcast/multicast destinations */
#define FOU_PORT_F_NOREMCSUM  0x20 /* GUE: refuse remote checksum offload (drop_gue_remcsum) */
#define FOU_PORT_F_GRE_KEY    0x40 /* GRE (ipproto 47): only packets with key gre_key */

/* GRE (RFC 2784/2890) as the protocol inside FOU or GUE. */
#define FOU_IPPROTO_GRE 47

struct fou_addr {
	union {
		__be32 ip4;
		__be32 ip6[4];
	};
};

/*
 * The receive path looks a port up without a hash lookup, which costs tens of
 * nanoseconds: fou_port_slot, an array indexed by FOU_PORT_INDEX(family, port),
 * holds slot + 1 (0: no port); fou_ports[slot] is the port and
 * fou_port_stats[slot] its counters. Ports are in host byte order everywhere,
 * so bpftool dumps read naturally.
 */
#define FOU_PORT_INDEX_MAX (2 * 65536)
#define FOU_PORT_INDEX(family, port) \
	((((__u32)((family) == FOU_FAMILY_IPV6)) << 16) | (__u16)(port))

/* A port's peers are compared inline up to this many; beyond, fou_peers. */
#define FOU_PORT_INLINE_PEERS 4

struct fou_port_peer {
	struct fou_addr addr;
	__u16 port; /* source port, host order; 0: any */
	__u16 pad;
};

/*
 * fou_local_addrs: this host's addresses (of the pin root's network
 * namespace), which fouloader writes from the kernel's list at attach, port
 * add and apply. A port without 'local' decapsulates only packets to one of
 * them, as the kernel's fou only sees packets delivered locally. The value
 * says what kind of address it is.
 */
#define FOU_MAX_LOCAL_ADDRS 4096
#define FOU_LOCAL_UNICAST   1 /* an address of this host */
#define FOU_LOCAL_BROADCAST 2 /* an IPv4 subnet's directed broadcast */

struct fou_local_key {
	struct fou_addr addr; /* IPv4: ip4, the rest zero */
	__u8 family;          /* FOU_FAMILY_* */
	__u8 pad[3];
};

/*
 * fou_local_inline[0]: the first few of them, compared in place, which
 * costs nanoseconds where the hash lookup costs tens (most hosts have a
 * handful of addresses); more4/more6: there are more, look the rest up in
 * fou_local_addrs.
 */
#define FOU_LOCAL_INLINE 8

struct fou_local_inline {
	__u8 n4, n6;       /* entries in use */
	__u8 more4, more6; /* more addresses than fit */
	__be32 v4[FOU_LOCAL_INLINE];
	__u8 kind4[FOU_LOCAL_INLINE]; /* FOU_LOCAL_* */
	__u8 kind6[FOU_LOCAL_INLINE];
	struct fou_addr v6[FOU_LOCAL_INLINE];
};

/* fou_ports: one receive port per slot; port 0 marks a free slot. */
struct fou_port {
	__u16 port;    /* UDP port, host order */
	__u8 family;   /* FOU_FAMILY_* of the outer header */
	__u8 kind;     /* FOU_KIND_* */
	__u8 ipproto;  /* FOU: inner protocol (4, 41, 47 or 132); GUE: 0 */
	__u8 npeers;   /* inline peers in use */
	__u16 flags;   /* FOU_PORT_F_* */
	__u32 ifindex; /* 0: any device */
	struct fou_addr local;
	struct fou_port_peer peers[FOU_PORT_INLINE_PEERS];
	__u32 mark;    /* skb->mark given to what the port decapsulates; 0: none */
	__u32 gre_key; /* with FOU_PORT_F_GRE_KEY, host order */
};

/* fou_peers: the allowlist of a port with more than FOU_PORT_INLINE_PEERS. */
struct fou_peer_key {
	__u16 port;
	__u8 family;
	__u8 pad;
	struct fou_addr addr;
};

struct fou_peer {
	__u16 peer_port; /* 0: any source port */
	__u16 pad;
};

/* fou_port_stats: per-CPU counters of the port in the same slot. */
struct fou_port_stats {
	__u64 rx_packets; /* decapsulated */
	__u64 rx_bytes;   /* inner bytes delivered */
	__u64 drop_packets;
};

/*
 * Transmit side. A route (LPM trie per inner family, keyed by the inner
 * destination) names a tunnel slot; fou_tunnels[slot] holds everything the
 * encapsulation needs, and fou_tun_stats[slot] its counters.
 */
#define FOU_TUN_F_CSUM       0x1 /* encap-csum: UDP checksum over IPv4 too */
#define FOU_TUN_F_UDP6_ZERO  0x2 /* noencap-udp6-csum: zero UDP checksum over IPv6 */
#define FOU_TUN_F_SPORT_FIXED 0x4 /* encap-sport P instead of a flow hash */
#define FOU_TUN_F_TOS_FIXED  0x8 /* tos N instead of inheriting the inner one */
#define FOU_TUN_F_REMCSUM    0x10 /* encap-remcsum: GUE remote checksum offload (lib/remcsum.h) */
#define FOU_TUN_F_GRE_KEY    0x20 /* GRE: K bit, gre_key */
#define FOU_TUN_F_GRE_CSUM   0x40 /* GRE: C bit, checksum over GRE header and payload */
#define FOU_TUN_F_GRE_SEQ    0x80 /* GRE: S bit, a sequence number per packet (fou_tun_gre_seq) */
#define FOU_TUN_F_GRE_ANY    (FOU_TUN_F_GRE_KEY | FOU_TUN_F_GRE_CSUM | FOU_TUN_F_GRE_SEQ)

struct fou_tunnel {
	char name[16];  /* empty: free slot */
	__u8 family;    /* FOU_FAMILY_* of the outer header */
	__u8 kind;      /* FOU_KIND_* */
	__u8 ipproto;   /* FOU: the one inner protocol it carries (4 or 41), or 47:
			 * GRE, which carries both; GUE: 47 for GRE, else 0 */
	__u8 ttl;
	__u8 tos;       /* with FOU_TUN_F_TOS_FIXED */
	__u8 pad;
	__u16 flags;    /* FOU_TUN_F_* */
	__u16 mtu;      /* largest inner packet; 0: the device MTU less the overhead */
	__u16 dport;    /* host order */
	__u16 sport;    /* host order, with FOU_TUN_F_SPORT_FIXED */
	__u16 sport_min; /* encap-sport auto: the range the flow hash maps into */
	__u16 sport_max;
	__u16 pad2;
	struct fou_addr local;
	struct fou_addr remote;
	__u32 gre_key;  /* with FOU_TUN_F_GRE_KEY, host order */
};

/* fou_tun_gre_seq[slot]: the next GRE sequence number of a tunnel with
 * FOU_TUN_F_GRE_SEQ, taken with compare-and-swap (any CPU sends);
 * zeroed by fouloader when a tunnel is added, as the kernel's starts
 * at 0. A map of its own, so that 'apply' compares configuration only. */
struct fou_tun_gre_seq {
	__u64 next; /* the low 32 bits go on the wire */
};

struct fou_tun_stats {
	__u64 tx_packets;
	__u64 tx_bytes; /* inner bytes */
	__u64 drop_packets;
};

/* fou_route_count[0]: how many routes each trie holds, written by fouloader
 * after every route change. XDP skips its forwarding check (a parse and an
 * LPM lookup per packet) while both are zero; if the count is ever wrong the
 * cost is only that: TC egress still encapsulates what a route wants. */
struct fou_route_count {
	__u32 v4;
	__u32 v6;
};

/*
 * fou_route_filter[0]: which destinations a route may cover, written by
 * fouloader with fou_route_count. Bit fou_route_filter_index(a) of v4 (v6)
 * is set for every address a (network order) that some IPv4 (IPv6) route
 * covers; a destination whose bit is clear matches no route, so XDP skips
 * its forwarding check and XDP and TC egress their LPM lookup, at two
 * array loads. fouloader writes it right after the tries (a route takes
 * effect then), with the route counts it was computed for: while @valid is
 * 0 (never written: a test filling the tries itself) or those counts are
 * not fou_route_count's (a route changed by a fouloader that predates the
 * filter), every destination may match.
 */
struct fou_route_filter {
	__u32 valid;
	__u32 v4_routes; /* fou_route_count when it was computed */
	__u32 v6_routes;
	__u32 pad;
	__u64 v4[4];
	__u64 v6[4];
};

/* The bit of an address (its first two bytes folded: 10.21.x and 10.22.x
 * differ, where the first byte alone would not). */
static inline unsigned int fou_route_filter_index(const unsigned char *a)
{
	return a[0] ^ a[1];
}

/* Set in @bits the bit of every address under @a/@plen. */
static inline void fou_route_filter_add(__u64 bits[4], const unsigned char *a, unsigned int plen)
{
	unsigned int span = plen >= 16 ? 1 : 1u << (16 - plen);
	unsigned int first = (a[0] << 8 | a[1]) & ~(span - 1), v, i;

	for (v = first; v < first + span; v++) {
		i = (v >> 8) ^ (v & 0xff);
		bits[i >> 6] |= 1ULL << (i & 63);
	}
}

struct fou_route4_key {
	__u32 prefixlen;
	__be32 addr;
};

struct fou_route6_key {
	__u32 prefixlen;
	__be32 addr[4];
};

struct fou_route {
	__u32 tunnel; /* slot in fou_tunnels */
};

/* fou_devices: what fouloader attached where, so detach removes only that. */
#define FOU_HOOK_XDP 1
#define FOU_HOOK_TC  2

#define FOU_XDP_MODE_NATIVE 1
#define FOU_XDP_MODE_SKB    2

#define FOU_DEV_F_QDISC_CREATED 0x1 /* fouloader created the clsact qdisc */
#define FOU_DEV_F_XDP_LEGACY    0x2 /* libxdp fell back to a single program */
#define FOU_DEV_F_XDP_RXHASH    0x4 /* fou_rx_xdp_rxhash: device-bound, driver's RX hash */

struct fou_device {
	__u32 ifindex;
	__u32 prog_id;    /* receive: XDP or TC ingress */
	__u32 tx_prog_id; /* transmit: TC egress */
	__u8 hook;     /* FOU_HOOK_* */
	__u8 xdp_mode; /* FOU_XDP_MODE_* */
	__u16 flags;   /* FOU_DEV_F_* */
	__u32 tc_handle;
	__u32 tc_priority;
	char name[16];
	__u32 hints_prog_id; /* with XDP: fou_hints_tc at TC ingress (tc_handle,
			      * tc_priority); 0: hints off */
	__u16 steer_cpus;    /* attach --steer cpumap: fou_cpumap entries 0..N-1; 0: none */
	__u16 pad;
};

/*
 * SCTP (RFC 4960) and SCTP over UDP (RFC 6951).
 *
 * fou_sctp_conf[0]: the host's settings. All zero means the defaults, so a
 * fresh pin root works without a "sctp set".
 */
#define FOU_SCTP_PORT_DEFAULT 9899 /* IANA sctp-tunneling */

struct fou_sctp_conf {
	__u16 encap_port;  /* local encapsulation port, host order; 0: 9899. The
			    * source port of what we encapsulate, and the port
			    * whose transit traffic has its CRC32c checked. */
	__u16 remote_port; /* remote encapsulation port of a peer not learned
			    * yet, host order; 0: 9899 */
	__u32 flags;       /* none yet */
};

/* fou_sctp_devs: per-device behaviour; a device without an entry gets the
 * defaults (verify on arrival, no fill, native side). */
#define FOU_SCTP_DEV_F_NOVERIFY 0x1 /* do not check CRC32c on arrival */
#define FOU_SCTP_DEV_F_FILL     0x2 /* compute CRC32c on every SCTP packet leaving */
#define FOU_SCTP_DEV_F_UDP_SIDE 0x4 /* peers behind it speak SCTP over UDP:
				     * native SCTP leaving it is encapsulated */

struct fou_sctp_dev {
	__u32 flags; /* FOU_SCTP_DEV_F_* */
};

/*
 * What the gateway learns about an association with an over-UDP peer
 * (RFC 6951 5.4). fou_sctp_peers is keyed by the peer's address and the
 * peer's own tag (the one every packet *to* the peer carries), so the
 * encapsulating direction finds the port with the packet's own header.
 * Packets *from* the peer carry the other side's tag; fou_sctp_vtags maps
 * that back to the peer's tag. Both are learned only from INIT / INIT-ACK
 * (whose Initiate Tag names the association) or from a packet whose tag
 * matches a known association, so a spoofed packet cannot redirect one.
 * Tags are in host order, as tshark prints them.
 */
struct fou_sctp_peer_key {
	struct fou_addr addr; /* the over-UDP peer */
	__u32 vtag;           /* the peer's own verification tag */
	__u8 family;          /* FOU_FAMILY_* */
	__u8 pad[3];
};

#define FOU_SCTP_PEER_F_NATIVE 0x1 /* the peer sent native SCTP: encapsulation off */

struct fou_sctp_peer {
	__u16 encap_port; /* the peer's remote encapsulation port, host order */
	__u16 flags;      /* FOU_SCTP_PEER_F_* */
	__u32 peer_vtag;  /* the tag the peer's own packets carry; 0: not seen yet */
	__u64 updated_ns; /* CLOCK_MONOTONIC (bpf_ktime_get_ns) of the last change */
};

struct fou_sctp_vtag_key {
	struct fou_addr addr; /* the over-UDP peer */
	__u32 vtag;           /* the tag the peer's packets carry */
	__u8 family;
	__u8 pad[3];
};

struct fou_sctp_vtag {
	__u32 peer_vtag; /* the key of the association in fou_sctp_peers */
	__u32 pad;
};

/*
 * ICMP errors about tunnel packets (issue: PMTU, Frag Needed, Packet Too
 * Big, Redirect). An error quotes the packet it is about: outer IP + UDP of
 * one of our tunnels. fou_tun_index finds the tunnel from the quote; it is
 * written by fouloader with every tunnel change, and the receive path checks
 * the slot it names against fou_tunnels, so a stale entry matches nothing.
 */
struct fou_tun_index_key {
	struct fou_addr local;
	struct fou_addr remote;
	__u16 dport;  /* host order */
	__u8 family;  /* FOU_FAMILY_* */
	__u8 pad;
};

struct fou_tun_index {
	__u32 slot;
};

/*
 * fou_tun_path[slot]: what the path told us about a tunnel. pmtu, pmtu_seq
 * and pad2 are the first 64-bit word, which the programs change only with
 * compare-and-swap (see bpf/lib/pmtu.h): every update and refresh bumps the
 * sequence, so an expiry judged on an older word cannot erase a newer one.
 * Plain fields, so that bpftool and the loader read them by name.
 */
struct fou_tun_path {
	__u16 pmtu;        /* outer path MTU from Frag Needed / Packet Too Big; 0: none */
	__u16 pmtu_seq;    /* bumped by every update and refresh of pmtu_ns */
	__u32 pad2;
	__u64 pmtu_ns;     /* bpf_ktime_get_ns when learned; expires after pmtu_expire_s */
	struct fou_addr pmtu_from;     /* the router that said so */
	struct fou_addr redirect_gw;   /* applied Redirect: the outer next hop to use */
	__u64 redirect_ns; /* when applied; 0: none */
	struct fou_addr redirect_from; /* the gateway that sent it */
};

/* fou_tun_icmp[slot], per CPU: ICMP errors matched to the tunnel, by kind,
 * and the ones sent to inner senders because of its path MTU. */
struct fou_tun_icmp {
	__u64 frag_needed;     /* ICMPv4 Destination Unreachable, Fragmentation Needed */
	__u64 pkt_too_big;     /* ICMPv6 Packet Too Big */
	__u64 unreachable;     /* other Destination Unreachable codes */
	__u64 time_exceeded;
	__u64 redirect;
	__u64 sent_too_big;    /* Frag Needed / Packet Too Big sent to inner senders */
	__u64 rate_limited;    /* ... not sent: over the rate limit */
};

/* fou_icmp_conf[0]: zero fields mean the defaults below. */
#define FOU_PMTU_EXPIRE_DEFAULT 600  /* seconds, as the kernel's mtu_expires */
#define FOU_PMTU_MIN4_DEFAULT   552  /* the kernel's min_pmtu */
#define FOU_PMTU_MIN6_DEFAULT   1280 /* IPv6 minimum link MTU */
#define FOU_ICMP_RATE_DEFAULT   100  /* errors per second per tunnel */
#define FOU_ICMP_BURST_DEFAULT  50

#define FOU_ICMP_F_ACCEPT_REDIRECTS 0x1 /* apply Redirects from the current gateway */

struct fou_icmp_conf {
	__u32 pmtu_expire_s;
	__u16 pmtu_min4;
	__u16 pmtu_min6;
	__u32 rate;   /* ICMP errors sent per second per tunnel */
	__u32 burst;
	__u32 flags;  /* FOU_ICMP_F_* */
	__u32 pad;
};

/* fou_icmp_bucket[slot]: the token bucket that limits errors sent per tunnel. */
struct fou_icmp_bucket {
	__u64 tokens_ns; /* credit, in nanoseconds of the rate (burst / rate at most) */
	__u64 last_ns;
};

/*
 * GRO-style coalescing hints. After decapsulating (or checking an SCTP
 * CRC32c) the XDP program leaves a struct fou_xdp_hints in the XDP metadata
 * area, just before the packet; the TC ingress program fou_hints_tc (on the
 * same device) applies it to the skb that the stack built, after GRO.
 */
#define FOU_HINTS_MAGIC   0xf0a1 /* see fou_xdp_hints.magic */
#define FOU_HINTS_VERSION 1

#define FOU_HINT_F_DECAP      0x01 /* decapsulated by fou_rx_xdp */
#define FOU_HINT_F_OUTER_CSUM 0x02 /* the outer UDP checksum verified (non-zero, in software) */
#define FOU_HINT_F_INNER_CSUM 0x04 /* the inner TCP/UDP checksum verified, derived from the outer sum */
#define FOU_HINT_F_SCTP_CRC   0x08 /* SCTP CRC32c verified */
#define FOU_HINT_F_HASH_RX    0x10 /* hash: the driver's RX hash (per inner flow: senders
				    * derive the outer source port from it), not computed */
#define FOU_HINT_F_SCTP_IN_UDP 0x20 /* with SCTP_CRC: SCTP still inside UDP (in transit) */

struct fou_xdp_hints {
	__u16 magic;   /* FOU_HINTS_MAGIC: metadata someone else wrote is not ours */
	__u8 version;  /* FOU_HINTS_VERSION */
	__u8 flags;    /* FOU_HINT_F_* */
	__u16 slot;    /* receive port slot + 1; 0: none (native SCTP) */
	__u16 pad;
	__u32 hash;    /* inner flow hash */
};

/* fou_gro_stats[slot], per CPU: what reached TC ingress after GRO, per
 * receive port: skbs and the packets merged into them (gso_segs, 1 if not
 * merged). segs / skbs is the coalescing factor. */
struct fou_gro_stats {
	__u64 skbs;
	__u64 segs;
};

/* fou_cpumap: CPUMAP for attach --steer cpumap, one entry per CPU steered to. */
#define FOU_MAX_STEER_CPUS 64

/*
 * The layouts the BPF programs (clang, vmlinux.h types) and fouloader (gcc,
 * <linux/types.h>) must agree on, and pinned maps keep across upgrades:
 * every struct's size and the offset of each field after the first. A
 * change here is a change of map format.
 */
#define FOU_AT(type, field, off) (__builtin_offsetof(struct type, field) == (off))
_Static_assert(sizeof(struct fou_addr) == 16, "struct fou_addr");
_Static_assert(sizeof(struct fou_port_peer) == 20 && FOU_AT(fou_port_peer, port, 16),
	       "struct fou_port_peer");
_Static_assert(sizeof(struct fou_local_key) == 20 && FOU_AT(fou_local_key, family, 16),
	       "struct fou_local_key");
_Static_assert(sizeof(struct fou_local_inline) == 180 && FOU_AT(fou_local_inline, n6, 1) &&
	       FOU_AT(fou_local_inline, more4, 2) && FOU_AT(fou_local_inline, more6, 3) &&
	       FOU_AT(fou_local_inline, v4, 4) && FOU_AT(fou_local_inline, kind4, 36) &&
	       FOU_AT(fou_local_inline, kind6, 44) && FOU_AT(fou_local_inline, v6, 52),
	       "struct fou_local_inline");
_Static_assert(sizeof(struct fou_port) == 116 && FOU_AT(fou_port, family, 2) &&
	       FOU_AT(fou_port, kind, 3) && FOU_AT(fou_port, ipproto, 4) &&
	       FOU_AT(fou_port, npeers, 5) && FOU_AT(fou_port, flags, 6) &&
	       FOU_AT(fou_port, ifindex, 8) && FOU_AT(fou_port, local, 12) &&
	       FOU_AT(fou_port, peers, 28) && FOU_AT(fou_port, mark, 108) &&
	       FOU_AT(fou_port, gre_key, 112), "struct fou_port");
_Static_assert(sizeof(struct fou_peer_key) == 20 && FOU_AT(fou_peer_key, family, 2) &&
	       FOU_AT(fou_peer_key, addr, 4), "struct fou_peer_key");
_Static_assert(sizeof(struct fou_peer) == 4, "struct fou_peer");
_Static_assert(sizeof(struct fou_port_stats) == 24 && FOU_AT(fou_port_stats, rx_bytes, 8) &&
	       FOU_AT(fou_port_stats, drop_packets, 16), "struct fou_port_stats");
_Static_assert(sizeof(struct fou_tunnel) == 72 && FOU_AT(fou_tunnel, family, 16) &&
	       FOU_AT(fou_tunnel, kind, 17) && FOU_AT(fou_tunnel, ipproto, 18) &&
	       FOU_AT(fou_tunnel, ttl, 19) && FOU_AT(fou_tunnel, tos, 20) &&
	       FOU_AT(fou_tunnel, flags, 22) && FOU_AT(fou_tunnel, mtu, 24) &&
	       FOU_AT(fou_tunnel, dport, 26) && FOU_AT(fou_tunnel, sport, 28) &&
	       FOU_AT(fou_tunnel, sport_min, 30) && FOU_AT(fou_tunnel, sport_max, 32) &&
	       FOU_AT(fou_tunnel, local, 36) && FOU_AT(fou_tunnel, remote, 52) &&
	       FOU_AT(fou_tunnel, gre_key, 68), "struct fou_tunnel");
_Static_assert(sizeof(struct fou_tun_gre_seq) == 8, "struct fou_tun_gre_seq");
_Static_assert(sizeof(struct fou_tun_stats) == 24 && FOU_AT(fou_tun_stats, tx_bytes, 8) &&
	       FOU_AT(fou_tun_stats, drop_packets, 16), "struct fou_tun_stats");
_Static_assert(sizeof(struct fou_route_count) == 8 && FOU_AT(fou_route_count, v6, 4),
	       "struct fou_route_count");
_Static_assert(sizeof(struct fou_route_filter) == 80 && FOU_AT(fou_route_filter, v4_routes, 4) &&
	       FOU_AT(fou_route_filter, v6_routes, 8) && FOU_AT(fou_route_filter, v4, 16) &&
	       FOU_AT(fou_route_filter, v6, 48), "struct fou_route_filter");
_Static_assert(sizeof(struct fou_route4_key) == 8 && FOU_AT(fou_route4_key, addr, 4),
	       "struct fou_route4_key");
_Static_assert(sizeof(struct fou_route6_key) == 20 && FOU_AT(fou_route6_key, addr, 4),
	       "struct fou_route6_key");
_Static_assert(sizeof(struct fou_route) == 4, "struct fou_route");
_Static_assert(sizeof(struct fou_device) == 48 && FOU_AT(fou_device, prog_id, 4) &&
	       FOU_AT(fou_device, tx_prog_id, 8) && FOU_AT(fou_device, hook, 12) &&
	       FOU_AT(fou_device, xdp_mode, 13) && FOU_AT(fou_device, flags, 14) &&
	       FOU_AT(fou_device, tc_handle, 16) && FOU_AT(fou_device, tc_priority, 20) &&
	       FOU_AT(fou_device, name, 24) && FOU_AT(fou_device, hints_prog_id, 40) &&
	       FOU_AT(fou_device, steer_cpus, 44), "struct fou_device");
_Static_assert(sizeof(struct fou_sctp_conf) == 8 && FOU_AT(fou_sctp_conf, remote_port, 2) &&
	       FOU_AT(fou_sctp_conf, flags, 4), "struct fou_sctp_conf");
_Static_assert(sizeof(struct fou_sctp_dev) == 4, "struct fou_sctp_dev");
_Static_assert(sizeof(struct fou_sctp_peer_key) == 24 && FOU_AT(fou_sctp_peer_key, vtag, 16) &&
	       FOU_AT(fou_sctp_peer_key, family, 20), "struct fou_sctp_peer_key");
_Static_assert(sizeof(struct fou_sctp_peer) == 16 && FOU_AT(fou_sctp_peer, flags, 2) &&
	       FOU_AT(fou_sctp_peer, peer_vtag, 4) && FOU_AT(fou_sctp_peer, updated_ns, 8),
	       "struct fou_sctp_peer");
_Static_assert(sizeof(struct fou_sctp_vtag_key) == 24 && FOU_AT(fou_sctp_vtag_key, vtag, 16) &&
	       FOU_AT(fou_sctp_vtag_key, family, 20), "struct fou_sctp_vtag_key");
_Static_assert(sizeof(struct fou_sctp_vtag) == 8, "struct fou_sctp_vtag");
_Static_assert(sizeof(struct fou_tun_index_key) == 36 && FOU_AT(fou_tun_index_key, remote, 16) &&
	       FOU_AT(fou_tun_index_key, dport, 32) && FOU_AT(fou_tun_index_key, family, 34),
	       "struct fou_tun_index_key");
_Static_assert(sizeof(struct fou_tun_index) == 4, "struct fou_tun_index");
_Static_assert(sizeof(struct fou_tun_path) == 72 && FOU_AT(fou_tun_path, pmtu_seq, 2) &&
	       FOU_AT(fou_tun_path, pmtu_ns, 8) && FOU_AT(fou_tun_path, pmtu_from, 16) &&
	       FOU_AT(fou_tun_path, redirect_gw, 32) && FOU_AT(fou_tun_path, redirect_ns, 48) &&
	       FOU_AT(fou_tun_path, redirect_from, 56), "struct fou_tun_path");
_Static_assert(sizeof(struct fou_tun_icmp) == 56 && FOU_AT(fou_tun_icmp, pkt_too_big, 8) &&
	       FOU_AT(fou_tun_icmp, unreachable, 16) && FOU_AT(fou_tun_icmp, time_exceeded, 24) &&
	       FOU_AT(fou_tun_icmp, redirect, 32) && FOU_AT(fou_tun_icmp, sent_too_big, 40) &&
	       FOU_AT(fou_tun_icmp, rate_limited, 48), "struct fou_tun_icmp");
_Static_assert(sizeof(struct fou_icmp_conf) == 24 && FOU_AT(fou_icmp_conf, pmtu_min4, 4) &&
	       FOU_AT(fou_icmp_conf, pmtu_min6, 6) && FOU_AT(fou_icmp_conf, rate, 8) &&
	       FOU_AT(fou_icmp_conf, burst, 12) && FOU_AT(fou_icmp_conf, flags, 16),
	       "struct fou_icmp_conf");
_Static_assert(sizeof(struct fou_icmp_bucket) == 16 && FOU_AT(fou_icmp_bucket, last_ns, 8),
	       "struct fou_icmp_bucket");
_Static_assert(sizeof(struct fou_xdp_hints) == 12 && FOU_AT(fou_xdp_hints, version, 2) &&
	       FOU_AT(fou_xdp_hints, flags, 3) && FOU_AT(fou_xdp_hints, slot, 4) &&
	       FOU_AT(fou_xdp_hints, hash, 8), "struct fou_xdp_hints");
_Static_assert(sizeof(struct fou_gro_stats) == 16 && FOU_AT(fou_gro_stats, segs, 8),
	       "struct fou_gro_stats");

#endif /* FOU_MAPS_H */
