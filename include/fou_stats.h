/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Counter ids of the fou_stats per-CPU array: one per outcome, so that every
 * packet the receive programs see is counted exactly once, under the reason
 * that decided its fate. The list is an X-macro so the BPF enum and the
 * loader's names and descriptions can never drift apart; it is one list per
 * verdict class, so the FOU_STAT_IS_* tests follow from it too.
 *
 * Receive programs: rx_ = decapsulated, pass_ = not ours (left untouched),
 * drop_ = ours but dropped. XDP forwarding: fwd_ = encapsulated and sent on
 * (counted instead of the pass_ reason the packet had for decapsulation).
 * TC egress: tx_encap_ = encapsulated, tx_pass_ = not for a tunnel,
 * tx_drop_ = for a tunnel but dropped; tx_sctp_filled = SCTP whose CRC32c
 * was filled in and sent on. sctp_ = events counted beside a packet's
 * outcome (what the RFC 6951 gateway learned or refused to learn).
 */
#ifndef FOU_STATS_H
#define FOU_STATS_H

#define FOU_STATS_RX(X)                                                                \
	X(RX_DECAP_FOU,        "rx_decap_fou",        "FOU packets decapsulated")                     \
	X(RX_DECAP_GUE,        "rx_decap_gue",        "GUE packets decapsulated")                     \
	X(RX_DECAP_SCTP,       "rx_decap_sctp",       "SCTP over UDP turned into native SCTP (RFC 6951)") \
	X(RX_ICMP_TUNNEL,      "rx_icmp_tunnel",      "ICMP error about a tunnel packet: recorded, consumed")

#define FOU_STATS_PASS(X)                                                              \
	X(PASS_NOT_IP,         "pass_not_ip",         "not IPv4 or IPv6")                             \
	X(PASS_NOT_UDP,        "pass_not_udp",        "IP but not UDP")                               \
	X(PASS_SHORT,          "pass_short",          "too short for an outer IP/UDP header")         \
	X(PASS_FRAGMENT,       "pass_fragment",       "outer IPv4 fragment")                          \
	X(PASS_IP6_EXTHDR,     "pass_ip6_exthdr",     "IPv6 extension header before UDP other than Hop-by-Hop/Destination Options (or over 2 of them, 48 bytes), or an option the kernel interprets (Jumbo, Home Address, CALIPSO)") \
	X(PASS_NO_PORT,        "pass_no_port",        "UDP to a port that is not configured")         \
	X(PASS_OTHER_DEV,      "pass_other_dev",      "port is bound to another device")              \
	X(PASS_OTHER_LOCAL,    "pass_other_local",    "destination is not the port's local address")  \
	X(PASS_NOT_LOCAL,      "pass_not_local",      "destination is not a unicast address of this host (transit)") \
	X(PASS_MULTICAST,      "pass_multicast",      "broadcast or multicast destination, port without 'multicast'") \
	X(PASS_SCTP_CRC_OK,    "pass_sctp_crc_ok",    "SCTP, native or over UDP, with a good CRC32c")  \
	X(PASS_SCTP_CRC_OFFLOAD, "pass_sctp_crc_offload", "TC: native SCTP from a local stack whose device is still to write its CRC32c (CHECKSUM_PARTIAL): nothing to check yet") \
	X(PASS_NOT_SCTP,       "pass_not_sctp",       "UDP on the SCTP encapsulation port, not shaped like SCTP") \
	X(PASS_ICMP_SCTP,      "pass_icmp_sctp",      "ICMP error about an SCTP-over-UDP association: counted") \
	X(PASS_ICMP_NO_TUNNEL, "pass_icmp_no_tunnel", "ICMP error whose quote matches no tunnel")      \
	X(PASS_ICMP_BAD_SPORT, "pass_icmp_bad_sport", "ICMP quote names a tunnel, source port outside its rule") \
	X(PASS_ICMP_SHORT,     "pass_icmp_short",     "ICMP error quoting less than an IP and UDP header")

#define FOU_STATS_DROP(X)                                                              \
	X(DROP_PEER,           "drop_peer",           "source address is not an allowed peer")        \
	X(DROP_PEER_PORT,      "drop_peer_port",      "source port is not the peer's port")           \
	X(DROP_IP6_OPT_DISCARD, "drop_ip6_opt_discard", "unknown IPv6 Hop-by-Hop/Destination option whose type says discard (RFC 8200 4.2)") \
	X(DROP_IP6_OPT_MALFORMED, "drop_ip6_opt_malformed", "IPv6 options malformed: past their header, padding over 7 bytes or not zero, over 8 options, Hop-by-Hop not first") \
	X(DROP_IP4_HDR_CSUM,   "drop_ip4_hdr_csum",   "bad outer IPv4 header checksum")               \
	X(DROP_TRUNCATED,      "drop_truncated",      "packet shorter than its IP length")            \
	X(DROP_UDP_LEN,        "drop_udp_len",        "UDP length disagrees with the IP length")      \
	X(DROP_UDP_CSUM,       "drop_udp_csum",       "bad UDP checksum")                             \
	X(DROP_ZERO_CSUM6,     "drop_zero_csum6",     "zero UDP checksum over IPv6 on a 'peer any' port without zero-csum6, or an SCTP port") \
	X(DROP_GUE_VERSION,    "drop_gue_version",    "GUE version other than 0 or 1")                \
	X(DROP_GUE_CONTROL,    "drop_gue_control",    "GUE control message")                          \
	X(DROP_GUE_HLEN,       "drop_gue_hlen",       "GUE header longer than the UDP payload")       \
	X(DROP_GUE_FLAGS,      "drop_gue_flags",      "unknown GUE flags")                            \
	X(DROP_GUE_OPTLEN,     "drop_gue_optlen",     "GUE flags need more option bytes than hlen")   \
	X(DROP_GUE_PRIV_FLAGS, "drop_gue_priv_flags", "unknown GUE private flags")                    \
	X(DROP_GUE_REMCSUM,    "drop_gue_remcsum",    "GUE remote checksum offload on a port set to noremcsum") \
	X(DROP_GUE_REMCSUM_RANGE, "drop_gue_remcsum_range", "GUE remote checksum offload: start inside the inner IP header, the field before start or past the inner packet") \
	X(DROP_GUE_REMCSUM_ODD, "drop_gue_remcsum_odd", "GUE remote checksum offload: odd start or offset") \
	X(DROP_GUE_REMCSUM_GRE, "drop_gue_remcsum_gre", "GUE remote checksum offload around GRE (proto 47): not supported") \
	X(DROP_GUE_REMCSUM_CSUM, "drop_gue_remcsum_csum", "GUE remote checksum offload with nothing to complete it from: zero outer UDP checksum, a GSO packet, or unreadable data") \
	X(DROP_GUE_PROTO,      "drop_gue_proto",      "GUE inner protocol is not IPv4, IPv6 or GRE")  \
	X(DROP_GRE_VERSION,    "drop_gre_version",    "GRE version other than 0 (1 is PPTP's)")       \
	X(DROP_GRE_ROUTING,    "drop_gre_routing",    "GRE with the routing bit (RFC 1701 source routes)") \
	X(DROP_GRE_TRUNC,      "drop_gre_trunc",      "GRE header longer than what the UDP/GUE payload holds") \
	X(DROP_GRE_CSUM,       "drop_gre_csum",       "bad GRE checksum, or one that cannot be checked (GSO)") \
	X(DROP_GRE_KEY,        "drop_gre_key",        "GRE key absent or not the port's key") \
	X(DROP_GRE_TEB,        "drop_gre_teb",        "GRE carrying Ethernet (0x6558): not supported") \
	X(DROP_GRE_PROTO,      "drop_gre_proto",      "GRE protocol is not IPv4, IPv6 or Ethernet")   \
	X(DROP_INNER_VERSION,  "drop_inner_version",  "inner IP version disagrees with the protocol")  \
	X(DROP_INNER_TRUNC,    "drop_inner_trunc",    "inner IP header truncated or malformed")                    \
	X(DROP_INNER_LEN,      "drop_inner_len",      "inner IP length disagrees with the UDP length") \
	X(DROP_ECN,            "drop_ecn",            "outer CE over a not-ECT inner packet (RFC 6040)") \
	X(DROP_SCTP_SHORT,     "drop_sctp_short",     "SCTP packet shorter than its common header")   \
	X(DROP_SCTP_CHUNK_LEN, "drop_sctp_chunk_len", "SCTP chunk runs past the end of the packet")   \
	X(DROP_SCTP_CHUNK_ZERO, "drop_sctp_chunk_zero", "SCTP chunk length below 4 (an empty chunk)") \
	X(DROP_SCTP_CRC,       "drop_sctp_crc",       "bad SCTP CRC32c")                              \
	X(DROP_ICMP_CSUM,      "drop_icmp_csum",      "ICMP error about a tunnel with a bad checksum") \
	X(DROP_ADJUST,         "drop_adjust",         "kernel refused to remove the outer headers")

#define FOU_STATS_FWD(X)                                                               \
	X(FWD_ENCAP_FOU,       "fwd_encap_fou",       "XDP: encapsulated in FOU and forwarded")        \
	X(FWD_ENCAP_GUE,       "fwd_encap_gue",       "XDP: encapsulated in GUE and forwarded")

#define FOU_STATS_FWD_PASS(X)                                                          \
	X(FWD_PASS_NO_NEIGH,   "fwd_pass_no_neigh",   "XDP: next hop not resolved, left to the stack") \
	X(FWD_PASS_TOO_BIG,    "fwd_pass_too_big",    "XDP: over the tunnel's path MTU, left to TC egress") \
	X(FWD_PASS_TTL,        "fwd_pass_ttl",        "XDP: inner TTL/hop limit <= 1, left to the stack (Time Exceeded)") \
	X(FWD_PASS_GRE,        "fwd_pass_gre",        "XDP: for a GRE tunnel, left to the stack and TC egress")

#define FOU_STATS_TX(X)                                                                \
	X(TX_ENCAP_FOU,        "tx_encap_fou",        "encapsulated in FOU")                          \
	X(TX_ENCAP_GUE,        "tx_encap_gue",        "encapsulated in GUE")                          \
	X(TX_ENCAP_SCTP,       "tx_encap_sctp",       "native SCTP put in UDP for an over-UDP peer (RFC 6951)") \
	X(TX_SCTP_FILLED,      "tx_sctp_filled",      "SCTP CRC32c computed and filled in")           \
	X(TX_ICMP_FRAG_NEEDED, "tx_icmp_frag_needed", "over the path MTU: ICMP Frag Needed sent to the inner sender") \
	X(TX_ICMP_PKT_TOO_BIG, "tx_icmp_pkt_too_big", "over the path MTU: ICMPv6 Packet Too Big sent to the inner sender")

#define FOU_STATS_TX_PASS(X)                                                           \
	X(TX_PASS_NOT_IP,      "tx_pass_not_ip",      "not IPv4 or IPv6")                             \
	X(TX_PASS_NO_ROUTE,    "tx_pass_no_route",    "destination matches no tunnel route")          \
	X(TX_PASS_ENCAPSULATED, "tx_pass_encapsulated", "already a tunnel packet (ours leaving, or the kernel's)") \
	X(TX_PASS_SCTP_NATIVE, "tx_pass_sctp_native", "SCTP to a peer that spoke native SCTP to us") \
	X(TX_PASS_SCTP_CRC_OFFLOAD, "tx_pass_sctp_crc_offload", "SCTP leaving a 'fill' device whose CRC32c the device or the kernel writes (CHECKSUM_PARTIAL): left to it")

#define FOU_STATS_TX_DROP(X)                                                           \
	X(TX_DROP_MALFORMED,   "tx_drop_malformed",   "IP header truncated or lying about its length") \
	X(TX_DROP_NO_TUNNEL,   "tx_drop_no_tunnel",   "route names a tunnel that is gone")            \
	X(TX_DROP_FAMILY,      "tx_drop_family",      "inner family not carried by the FOU ipproto")  \
	X(TX_DROP_LOOP,        "tx_drop_loop",        "destination is the tunnel's own remote")       \
	X(TX_DROP_MTU,         "tx_drop_mtu",         "inner packet larger than the tunnel MTU")      \
	X(TX_DROP_NO_FIB,      "tx_drop_no_fib",      "no route to the tunnel's remote")              \
	X(TX_DROP_SCTP_GSO,    "tx_drop_sctp_gso",    "SCTP GSO packet: cannot fill CRC32c or add UDP") \
	X(TX_DROP_SCTP_MALFORMED, "tx_drop_sctp_malformed", "SCTP packet too short or unreadable to fill or encapsulate") \
	X(TX_DROP_PMTU,        "tx_drop_pmtu",        "over the path MTU; no ICMP may or can help (error, multicast source, fragment, IPv6 at 1280 over IPv6)") \
	X(TX_DROP_PMTU_LIMITED, "tx_drop_pmtu_limited", "over the path MTU; ICMP over the rate limit") \
	X(TX_DROP_GRE_GSO,     "tx_drop_gre_gso",     "GSO packet for a GRE tunnel with csum or seq (per-segment fields): gso_max_segs 1 on the device") \
	X(TX_DROP_GRE_SEQ,     "tx_drop_gre_seq",     "GRE sequence number not taken: 32 compare-and-swaps lost to other CPUs") \
	X(TX_DROP_ADJUST,      "tx_drop_adjust",      "kernel refused to add the outer headers")

#define FOU_STATS_EVENT(X)                                                             \
	X(SCTP_PORT_LEARNED,   "sctp_port_learned",   "event: over-UDP peer's port learned from INIT/INIT-ACK") \
	X(SCTP_PORT_CHANGED,   "sctp_port_changed",   "event: verified packet from a new port (NAT rebinding)") \
	X(SCTP_VTAG_UNKNOWN,   "sctp_vtag_unknown",   "event: over-UDP tag matches no known association, nothing learned") \
	X(SCTP_PEER_NATIVE,    "sctp_peer_native",    "event: peer sent native SCTP, encapsulation off for it") \
	X(SCTP_CSUM_MARKED,    "sctp_csum_marked",    "event: TC: CRC32c verified, skb marked so the stack skips it") \
	X(SCTP_CRC_UNCHECKED,  "sctp_crc_unchecked",  "event: SCTP packet over 16 KiB: CRC32c left to the endpoint") \
	X(PMTU_LOWERED,        "pmtu_lowered",        "event: a tunnel's path MTU lowered by Frag Needed / Packet Too Big") \
	X(PMTU_CLAMPED,        "pmtu_clamped",        "event: ICMP MTU below the floor (pmtu-min4/6): clamped") \
	X(PMTU_NOT_LOWER,      "pmtu_not_lower",      "event: ICMP MTU not below the current one: ignored (never raised)") \
	X(PMTU_EXPIRED,        "pmtu_expired",        "event: a tunnel's learned path MTU expired") \
	X(REDIRECT_APPLIED,    "redirect_applied",    "event: Redirect from the current gateway applied to a tunnel") \
	X(REDIRECT_IGNORED,    "redirect_ignored",    "event: Redirect not applied (not enabled, or not from the current gateway)") \
	X(HINTS_WRITTEN,       "hints_written",       "event: XDP left hints in the packet's metadata") \
	X(HINTS_NO_ROOM,       "hints_no_room",       "event: XDP: no metadata room (driver), no hints") \
	X(HINTS_APPLIED,       "hints_applied",       "event: TC applied XDP hints (hash, mark)") \
	X(HINTS_CSUM,          "hints_csum",          "event: TC: a checksum XDP verified marked for the stack") \
	X(HINTS_FOREIGN,       "hints_foreign",       "event: TC: metadata present but not our hints (magic/version)") \
	X(STEER_CPUMAP,        "steer_cpumap",        "event: XDP: decapsulated packet steered to a CPU by its inner flow") \
	X(STEER_FAILED,        "steer_failed",        "event: XDP: cpumap redirect refused, packet passed on this CPU")

/*
 * All counters, class by class: the enum, the loader's names and the man
 * page follow this order, and each class is one range of it, so a
 * counter's class is where its line stands, never a comparison with a
 * neighbour's id.
 */
#define FOU_STATS_LIST(X)                                                              \
	FOU_STATS_RX(X) FOU_STATS_PASS(X) FOU_STATS_DROP(X) FOU_STATS_FWD(X)            \
	FOU_STATS_FWD_PASS(X) FOU_STATS_TX(X) FOU_STATS_TX_PASS(X) FOU_STATS_TX_DROP(X) \
	FOU_STATS_EVENT(X)

#define FOU_STAT_ENUM(id, name, desc) FOU_STAT_##id,
enum fou_stat_id {
	FOU_STATS_LIST(FOU_STAT_ENUM)
	FOU_STAT__COUNT
};
#undef FOU_STAT_ENUM

/* Where each class ends: the ids before it plus its own, in list order. */
#define FOU_STAT_ONE(id, name, desc) +1
enum {
	FOU_STAT__RX_END = 0 FOU_STATS_RX(FOU_STAT_ONE),
	FOU_STAT__PASS_END = FOU_STAT__RX_END FOU_STATS_PASS(FOU_STAT_ONE),
	FOU_STAT__DROP_END = FOU_STAT__PASS_END FOU_STATS_DROP(FOU_STAT_ONE),
	FOU_STAT__FWD_END = FOU_STAT__DROP_END FOU_STATS_FWD(FOU_STAT_ONE),
	FOU_STAT__FWD_PASS_END = FOU_STAT__FWD_END FOU_STATS_FWD_PASS(FOU_STAT_ONE),
	FOU_STAT__TX_END = FOU_STAT__FWD_PASS_END FOU_STATS_TX(FOU_STAT_ONE),
	FOU_STAT__TX_PASS_END = FOU_STAT__TX_END FOU_STATS_TX_PASS(FOU_STAT_ONE),
	FOU_STAT__TX_DROP_END = FOU_STAT__TX_PASS_END FOU_STATS_TX_DROP(FOU_STAT_ONE),
	FOU_STAT__EVENT_END = FOU_STAT__TX_DROP_END FOU_STATS_EVENT(FOU_STAT_ONE),
};
#undef FOU_STAT_ONE
_Static_assert((int)FOU_STAT__EVENT_END == (int)FOU_STAT__COUNT,
	       "FOU_STATS_LIST holds every class list, in the order of the ranges above");

#define FOU_STAT_IN(id, lo, hi) ((id) >= (lo) && (id) < (hi))
#define FOU_STAT_IS_RX(id)       ((unsigned int)(id) < FOU_STAT__RX_END)
#define FOU_STAT_IS_PASS(id)     FOU_STAT_IN(id, FOU_STAT__RX_END, FOU_STAT__PASS_END)
#define FOU_STAT_IS_DROP(id)     FOU_STAT_IN(id, FOU_STAT__PASS_END, FOU_STAT__DROP_END)
#define FOU_STAT_IS_FWD(id)      FOU_STAT_IN(id, FOU_STAT__DROP_END, FOU_STAT__FWD_END)
#define FOU_STAT_IS_FWD_PASS(id) FOU_STAT_IN(id, FOU_STAT__FWD_END, FOU_STAT__FWD_PASS_END)
#define FOU_STAT_IS_TX(id)       FOU_STAT_IN(id, FOU_STAT__FWD_PASS_END, FOU_STAT__TX_END)
#define FOU_STAT_IS_TX_PASS(id)  FOU_STAT_IN(id, FOU_STAT__TX_END, FOU_STAT__TX_PASS_END)
#define FOU_STAT_IS_TX_DROP(id)  FOU_STAT_IN(id, FOU_STAT__TX_PASS_END, FOU_STAT__TX_DROP_END)
/* Events are counted beside a packet's outcome, never instead of it. */
#define FOU_STAT_IS_EVENT(id)    ((id) >= FOU_STAT__TX_DROP_END)

#endif /* FOU_STATS_H */
