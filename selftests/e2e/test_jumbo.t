#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Jumbo frames through a FOU tunnel with XDP on both ends, inside namespaces
# this test creates: a veth pair with MTU 9000 makes native XDP on veth hand
# the programs multi-buffer frames (more than a page), so this exercises the
# frags-aware paths: headers in the first buffer, the UDP checksum summed
# across buffers (encap-csum is on), decapsulation of a frame in pieces.
#
#   A a0 10.204.0.1 (inner 10.24.1.1) ==== veth, MTU 9000 ==== b0 10.204.0.2 B (inner 10.24.2.1)
cd "$(dirname "$0")/../.." || exit 1
. selftests/lib/hosts.sh

require_root
require_cmd ip nsenter timeout ping
require_fouloader
require_tunnel_cmd

make_tmpd jumbo
A=fou-jb-$$-a B=fou-jb-$$-b

setup() {
	host_ns "$A" && host_ns "$B" || return 1
	ip -n "$A" link add a0 mtu 9000 type veth peer name b0 mtu 9000 netns "$B" || return 1
	ip -n "$A" addr add 10.204.0.1/24 dev a0 && ip -n "$B" addr add 10.204.0.2/24 dev b0 &&
		ip -n "$A" addr add 10.24.1.1/32 dev lo && ip -n "$B" addr add 10.24.2.1/32 dev lo &&
		ip -n "$A" link set a0 up && ip -n "$B" link set b0 up || return 1
	# veth hands its peer packets with unfinished checksums; a wire never does
	in_ns "$A" "$PY" selftests/lib/txcsum.py a0 off >/dev/null &&
		in_ns "$B" "$PY" selftests/lib/txcsum.py b0 off >/dev/null || return 1
	fl "$A" attach a0 --rx xdp >/dev/null && fl "$B" attach b0 --rx xdp >/dev/null || return 1
	fl "$A" tunnel add to-b local 10.204.0.1 remote 10.204.0.2 encap fou encap-dport 5555 \
		encap-csum && fl "$B" tunnel add to-a local 10.204.0.2 remote 10.204.0.1 encap fou \
		encap-dport 5555 encap-csum || return 1
	fl "$A" route add 10.24.2.1 tunnel to-b && fl "$B" route add 10.24.1.1 tunnel to-a &&
		fl "$A" port add 5555 ipproto 4 peer 10.204.0.2 &&
		fl "$B" port add 5555 ipproto 4 peer 10.204.0.1 || return 1
	# inner MTU: 9000 less 28 bytes of FOU over IPv4
	ip -n "$A" route add 10.24.2.1/32 dev a0 src 10.24.1.1 mtu 8972 &&
		ip -n "$B" route add 10.24.1.1/32 dev b0 src 10.24.2.1 mtu 8972
}

setup || bail "could not build the jumbo-frame topology"

declare -A a0s a1s b0s b1s
stats_load a0s "$A" && stats_load b0s "$B" || bail "stats --json failed"
in_ns "$A" timeout 10 ping -n -q -c 5 -i 0.2 -W 2 -M do -s 8900 -I 10.24.1.1 10.24.2.1 \
	>"$TMPD/ping" 2>&1
ok $? "ping -s 8900 (DF) through the tunnel with MTU 9000: replies" || diag_file "$TMPD/ping"
stats_load a1s "$A" && stats_load b1s "$B" || bail "stats --json failed"
expect_eq "A: tx_encap_fou, 5 jumbo requests" "$(sdelta a0s a1s tx_encap_fou)" 5
expect_eq "B: rx_decap_fou, 5 jumbo requests decapsulated in XDP" "$(sdelta b0s b1s rx_decap_fou)" 5
expect_eq "B: tx_encap_fou, 5 jumbo replies" "$(sdelta b0s b1s tx_encap_fou)" 5
expect_eq "A: rx_decap_fou, 5 jumbo replies decapsulated in XDP" "$(sdelta a0s a1s rx_decap_fou)" 5
expect_eq "B: port 5555 inner bytes: 5 x 8928" "$(sdelta b0s b1s port:5555/4:rx_bytes)" 44640
expect_eq "B: no bad UDP checksum across buffers" "$(sdelta b0s b1s drop_udp_csum)" 0
expect_eq "B: nothing truncated" "$(sdelta b0s b1s drop_truncated)" 0

done_testing
