#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# XDP forwarding into a tunnel, end to end, inside namespaces this test creates:
#
#   C (client) c0 ---- g0  G (gateway)  g1 ---- e0  E (endpoint) e1 ---- s0  S (server)
#     10.203.1.2         10.203.1.1   10.203.2.1    10.203.2.2  10.203.3.1   10.203.3.2
#     fd00:203:1::2      fd00:203:1::1              fd00:203:2::2            fd00:203:3::2
#
# G: ip_forward on, "fouloader attach g0 --rx xdp" (native): a packet from C for
# S's prefix matches a fouloader route, is encapsulated in XDP and leaves by
# bpf_redirect to g1 (another device: the XDP_TX case, same device, would need
# C and E on one L2 segment; not covered here). G also attaches g1 (--rx tc) so
# that packets XDP passes to the stack (next hop not resolved) are
# encapsulated by TC egress on g1. E: "attach e0 --rx xdp" decapsulates and
# forwards to S. XDP redirect into a veth needs the receiving peer (e0) to run
# XDP (NAPI), which E's fouloader does. C's c0 has transmit checksum offload
# off (txcsum.py): veth hands CHECKSUM_PARTIAL packets to g0, XDP forwarding
# turns them into frames and the partial inner checksum would reach S
# unfinished (checked: pings pass, TCP never connects). Frames from a real
# wire always carry complete checksums.
# Return traffic S -> C is plain: E routes it back through G.
#
# Checks: TTL through G (Time Exceeded from G at 1, from E at 2), ping C -> S, a 2 MB file C -> S byte-exact (sha256 both ends), over
# FOU then GUE, inner IPv6 over GUE, G's fwd_encap_* counters (XDP path used),
# E's rx_decap_*, and the fallback when G does not know E's MAC yet
# (fwd_pass_no_neigh, then TC egress).
cd "$(dirname "$0")/../.." || exit 1
. selftests/lib/hosts.sh

require_root
require_cmd ip tc nsenter timeout sha256sum
require_fouloader
require_tunnel_cmd

make_tmpd fwd

C=fou-fw-$$-c G=fou-fw-$$-g E=fou-fw-$$-e S=fou-fw-$$-s
C4=10.203.1.2 G4a=10.203.1.1 G4b=10.203.2.1 E4=10.203.2.2 E4b=10.203.3.1 S4=10.203.3.2
C6=fd00:203:1::2 G6a=fd00:203:1::1 G6b=fd00:203:2::1 E6=fd00:203:2::2 E6b=fd00:203:3::1 S6=fd00:203:3::2

setup() {
	local ns
	for ns in "$C" "$G" "$E" "$S"; do host_ns "$ns" || return 1; done
	ip -n "$C" link add c0 type veth peer name g0 netns "$G" || return 1
	ip -n "$G" link add g1 type veth peer name e0 netns "$E" || return 1
	ip -n "$E" link add e1 type veth peer name s0 netns "$S" || return 1
	ip -n "$C" addr add $C4/24 dev c0; ip -n "$C" addr add $C6/64 dev c0 nodad
	ip -n "$G" addr add $G4a/24 dev g0; ip -n "$G" addr add $G6a/64 dev g0 nodad
	ip -n "$G" addr add $G4b/24 dev g1; ip -n "$G" addr add $G6b/64 dev g1 nodad
	ip -n "$E" addr add $E4/24 dev e0; ip -n "$E" addr add $E6/64 dev e0 nodad
	ip -n "$E" addr add $E4b/24 dev e1; ip -n "$E" addr add $E6b/64 dev e1 nodad
	ip -n "$S" addr add $S4/24 dev s0; ip -n "$S" addr add $S6/64 dev s0 nodad
	ip -n "$C" link set c0 up; ip -n "$G" link set g0 up; ip -n "$G" link set g1 up
	ip -n "$E" link set e0 up; ip -n "$E" link set e1 up; ip -n "$S" link set s0 up
	in_ns "$G" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 || return 1
	in_ns "$E" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 || return 1
	# C reaches S's prefix through G, with room for the tunnel overhead
	# (GUE over IPv4: 32 bytes) since C's packets are encapsulated on the way
	ip -n "$C" route add 10.203.3.0/24 via $G4a mtu 1468
	ip -n "$C" -6 route add fd00:203:3::/64 via $G6a mtu 1468
	# G's kernel route for S's prefix (used when XDP leaves a packet to the stack)
	ip -n "$G" route add 10.203.3.0/24 via $E4 dev g1
	ip -n "$G" -6 route add fd00:203:3::/64 via $E6 dev g1
	# return path, plain: S -> E -> G -> C
	ip -n "$E" route add 10.203.1.0/24 via $G4b
	ip -n "$E" -6 route add fd00:203:1::/64 via $G6b
	ip -n "$S" route add default via $E4b
	ip -n "$S" -6 route add default via $E6b
	# C computes its checksums itself (no CHECKSUM_PARTIAL leaving c0): see
	# selftests/lib/txcsum.py; a client behind a real wire does the same
	in_ns "$C" "$PY" "$FOU_LIBDIR/txcsum.py" c0 off >/dev/null || return 1
	return 0
}

setup || bail "could not build the namespace topology"
diag "C $C, G $G, E $E, S $S"

check "G: fouloader attach g0 --rx xdp --xdp-mode native" fl "$G" attach g0 --rx xdp --xdp-mode native || bail "attach failed"
check "G: fouloader attach g1 --rx tc (TC egress fallback)" fl "$G" attach g1 --rx tc || bail "attach failed"
check "E: fouloader attach e0 --rx xdp --xdp-mode native" fl "$E" attach e0 --rx xdp --xdp-mode native || bail "attach failed"
check "E: port add 5555 ipproto 4 peer $G4b" fl "$E" port add 5555 ipproto 4 peer $G4b
check "E: port add 6080 gue peer $G4b" fl "$E" port add 6080 gue peer $G4b
check "G: tunnel add tfou (FOU to E)" fl "$G" tunnel add tfou local $G4b remote $E4 encap fou ipproto 4 encap-dport 5555
check "G: tunnel add tgue (GUE to E)" fl "$G" tunnel add tgue local $G4b remote $E4 encap gue encap-dport 6080
check "G: route add 10.203.3.0/24 tunnel tfou" fl "$G" route add 10.203.3.0/24 tunnel tfou

# G learns E's MAC (bpf_fib_lookup needs the neighbour)
check "G: ping E's outer address once (neighbour resolved)" in_ns "$G" timeout 5 ping -n -c 1 -W 2 $E4

# transfer SIZE FAMILY-ADDR LABEL: a random file C -> S, sha256 at both ends.
transfer() {
	local bytes=$1 dst=$2 label=$3 rxpid out h1 h2
	head -c "$bytes" /dev/urandom >"$TMPD/file"
	rm -f "$TMPD/file.rx" "$TMPD/rx.ready"
	timeout 30 nsenter --net="/run/netns/$S" -- "$PY" "$FOU_LIBDIR/tcp_xfer.py" recv \
		--addr "$dst" --port 7002 --out "$TMPD/file.rx" --ready "$TMPD/rx.ready" --timeout 15 >"$TMPD/rx.log" 2>&1 &
	rxpid=$!
	cleanup_pid "$rxpid"
	wait_for 5 test -e "$TMPD/rx.ready" || { fail "$label: receiver did not start"; return; }
	out=$(timeout 30 nsenter --net="/run/netns/$C" -- "$PY" "$FOU_LIBDIR/tcp_xfer.py" send \
		--addr "$dst" --port 7002 --file "$TMPD/file" --timeout 12 2>&1)
	wait "$rxpid" 2>/dev/null
	h1=$(sha256sum <"$TMPD/file" | cut -d' ' -f1)
	h2=$( (sha256sum <"$TMPD/file.rx" | cut -d' ' -f1) 2>/dev/null)
	[ "$h1" = "$h2" ]
	ok $? "$label: $bytes random bytes C -> S, sha256 equal at both ends" ||
		diag "sender: $out" "receiver: $(cat "$TMPD/rx.log")" "sha256 sent $h1 received $h2"
}

declare -A g0s g1s e0s e1s

# ---------------------------------------------------------------- TTL
# G is a router hop: XDP decrements the inner TTL, and leaves a packet whose
# TTL would expire to the stack (fwd_pass_ttl), which sends Time Exceeded;
# traceroute through the gateway names G, then E, then reaches S.
# ttl_hop TTL WHO: one echo request with TTL, the Time Exceeded from WHO.
ttl_hop() {
	local ttl=$1 who=$2 out
	out=$(in_ns "$C" timeout 5 ping -n -c 1 -W 2 -t "$ttl" $S4 2>&1)
	grep -q "^From $who .*Time to live exceeded" <<<"$out"
	ok $? "ping -t $ttl C -> S: Time Exceeded from $who" || diag "$out"
}
stats_load g0s "$G"
ttl_hop 1 $G4a
ttl_hop 2 $E4
out=$(in_ns "$C" timeout 5 ping -n -c 1 -W 2 -t 3 $S4 2>&1)
ok $? "ping -t 3 C -> S: the echo reply (G, E, S)" || diag "$out"
stats_load g1s "$G"
expect_eq "TTL: G fwd_pass_ttl, the request with TTL 1" "$(sdelta g0s g1s fwd_pass_ttl)" 1

# ---------------------------------------------------------------- FOU
stats_load g0s "$G"; stats_load e0s "$E"
out=$(ping_ok "$C" $S4 5); ok $? "FOU: ping C -> S $S4 through G's XDP encapsulation, 5 of 5" || diag "$out"
transfer 2000000 $S4 "FOU"
stats_load g1s "$G"; stats_load e1s "$E"
expect_ge "FOU: G fwd_encap_fou (XDP encapsulation + bpf_redirect)" "$(sdelta g0s g1s fwd_encap_fou)" 1000
expect_ge "FOU: G tunnel tfou tx_packets" "$(sdelta g0s g1s tun:tfou:tx_packets)" 1000
expect_ge "FOU: E rx_decap_fou" "$(sdelta e0s e1s rx_decap_fou)" 1000
diag "G: fwd_encap_fou +$(sdelta g0s g1s fwd_encap_fou), tx_encap_fou (TC egress) +$(sdelta g0s g1s tx_encap_fou), fwd_pass_no_neigh +$(sdelta g0s g1s fwd_pass_no_neigh); E rx_decap_fou +$(sdelta e0s e1s rx_decap_fou)"

# ---------------------------------------------------------------- GUE
check "G: route del 10.203.3.0/24" fl "$G" route del 10.203.3.0/24
check "G: route add 10.203.3.0/24 tunnel tgue" fl "$G" route add 10.203.3.0/24 tunnel tgue
check "G: route add fd00:203:3::/64 tunnel tgue (IPv6 inside GUE over IPv4)" fl "$G" route add fd00:203:3::/64 tunnel tgue
stats_load g0s "$G"; stats_load e0s "$E"
out=$(ping_ok "$C" $S4 5); ok $? "GUE: ping C -> S $S4, 5 of 5" || diag "$out"
transfer 2000000 $S4 "GUE"
out=$(ping_ok "$C" $S6 5); ok $? "GUE: ping C -> S $S6 (inner IPv6), 5 of 5" || diag "$out"
transfer 500000 $S6 "GUE inner IPv6"
stats_load g1s "$G"; stats_load e1s "$E"
expect_ge "GUE: G fwd_encap_gue" "$(sdelta g0s g1s fwd_encap_gue)" 1300
expect_ge "GUE: E rx_decap_gue" "$(sdelta e0s e1s rx_decap_gue)" 1300
expect_eq "GUE: G fwd_encap_fou no longer moves" "$(sdelta g0s g1s fwd_encap_fou)" 0
diag "G: fwd_encap_gue +$(sdelta g0s g1s fwd_encap_gue), tx_encap_gue +$(sdelta g0s g1s tx_encap_gue); E rx_decap_gue +$(sdelta e0s e1s rx_decap_gue)"

# ---------------------------------------------------------------- next hop unknown
# G forgets E's MAC: XDP leaves the packet to the stack (fwd_pass_no_neigh),
# the stack resolves E and TC egress on g1 encapsulates; later packets take XDP.
ip -n "$G" neigh flush dev g1
ip -n "$G" -6 neigh flush dev g1
stats_load g0s "$G"
out=$(ping_ok "$C" $S4 4); ok $? "neighbour flushed on G: ping C -> S still 4 of 4" || diag "$out"
stats_load g1s "$G"
expect_ge "neighbour flushed: G fwd_pass_no_neigh" "$(sdelta g0s g1s fwd_pass_no_neigh)" 1
expect_ge "neighbour flushed: G tx_encap_gue (TC egress on g1 took the first packet)" "$(sdelta g0s g1s tx_encap_gue)" 1
expect_ge "neighbour flushed: G fwd_encap_gue (later packets back on XDP)" "$(sdelta g0s g1s fwd_encap_gue)" 1

# ---------------------------------------------------------------- no route
# A destination without a fouloader route is forwarded plain by XDP_PASS.
ip -n "$C" route add 10.203.2.0/24 via $G4a 2>/dev/null
stats_load g0s "$G"
out=$(ping_ok "$C" $E4 2); ok $? "C -> E's outer address (no fouloader route): plain forwarding works" || diag "$out"
stats_load g1s "$G"
expect_eq "no route: G fwd_encap_* unchanged" $(( $(sdelta g0s g1s fwd_encap_fou) + $(sdelta g0s g1s fwd_encap_gue) )) 0

done_testing
