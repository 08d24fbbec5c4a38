/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Counter ids of the fou_stats per-CPU array: one per outcome, so that every
 * packet the receive programs see is counted exactly once, under the reason
 * that decided its fate. The list is an X-macro so the BPF enum and the
 * loader's names and descriptions can never drift apart.
 *
 * Prefixes: rx_ = decapsulated, pass_ = not ours (left untouched),
 * drop_ = ours but dropped.
 */
#ifndef FOU_STATS_H
#define FOU_STATS_H

#define FOU_STATS_LIST(X)                                                              \
	X(RX_DECAP_FOU,        "rx_decap_fou",        "FOU packets decapsulated")                     \
	X(RX_DECAP_GUE,        "rx_decap_gue",        "GUE packets decapsulated")                     \
	X(PASS_NOT_IP,         "pass_not_ip",         "not IPv4 or IPv6")                             \
	X(PASS_NOT_UDP,        "pass_not_udp",        "IP but not UDP")                               \
	X(PASS_SHORT,          "pass_short",          "too short for an outer IP/UDP header")         \
	X(PASS_FRAGMENT,       "pass_fragment",       "outer IPv4 fragment")                          \
	X(PASS_IP6_EXTHDR,     "pass_ip6_exthdr",     "IPv6 extension header before UDP")             \
	X(PASS_NO_PORT,        "pass_no_port",        "UDP to a port that is not configured")         \
	X(PASS_OTHER_DEV,      "pass_other_dev",      "port is bound to another device")              \
	X(PASS_OTHER_LOCAL,    "pass_other_local",    "destination is not the port's local address")  \
	X(DROP_PEER,           "drop_peer",           "source address is not an allowed peer")        \
	X(DROP_PEER_PORT,      "drop_peer_port",      "source port is not the peer's port")           \
	X(DROP_TRUNCATED,      "drop_truncated",      "packet shorter than its IP length")            \
	X(DROP_UDP_LEN,        "drop_udp_len",        "UDP length disagrees with the IP length")      \
	X(DROP_UDP_CSUM,       "drop_udp_csum",       "bad UDP checksum")                             \
	X(DROP_ZERO_CSUM6,     "drop_zero_csum6",     "zero UDP checksum over IPv6 not allowed")      \
	X(DROP_GUE_VERSION,    "drop_gue_version",    "GUE version other than 0 or 1")                \
	X(DROP_GUE_CONTROL,    "drop_gue_control",    "GUE control message")                          \
	X(DROP_GUE_HLEN,       "drop_gue_hlen",       "GUE header longer than the UDP payload")       \
	X(DROP_GUE_FLAGS,      "drop_gue_flags",      "unknown GUE flags")                            \
	X(DROP_GUE_OPTLEN,     "drop_gue_optlen",     "GUE flags need more option bytes than hlen")   \
	X(DROP_GUE_PRIV_FLAGS, "drop_gue_priv_flags", "unknown GUE private flags")                    \
	X(DROP_GUE_REMCSUM,    "drop_gue_remcsum",    "GUE remote checksum offload (not supported)")  \
	X(DROP_GUE_PROTO,      "drop_gue_proto",      "GUE inner protocol is not IPv4 or IPv6")       \
	X(DROP_INNER_VERSION,  "drop_inner_version",  "inner IP version disagrees with the protocol")  \
	X(DROP_INNER_TRUNC,    "drop_inner_trunc",    "inner IP header truncated or malformed")                    \
	X(DROP_INNER_LEN,      "drop_inner_len",      "inner IP length disagrees with the UDP length") \
	X(DROP_ECN,            "drop_ecn",            "outer CE over a not-ECT inner packet (RFC 6040)") \
	X(DROP_ADJUST,         "drop_adjust",         "kernel refused to remove the outer headers")

#define FOU_STAT_ENUM(id, name, desc) FOU_STAT_##id,
enum fou_stat_id {
	FOU_STATS_LIST(FOU_STAT_ENUM)
	FOU_STAT__COUNT
};
#undef FOU_STAT_ENUM

/* The list is ordered rx_, pass_, drop_: the verdict follows from the id. */
#define FOU_STAT_IS_PASS(id) ((id) >= FOU_STAT_PASS_NOT_IP && (id) < FOU_STAT_DROP_PEER)
#define FOU_STAT_IS_DROP(id) ((id) >= FOU_STAT_DROP_PEER)

#endif /* FOU_STATS_H */
