#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# End to end: GUE remote checksum offload (encap-remcsum) between two
# fouloader hosts, A receiving with --rx tc and B with --rx xdp, so each
# receive hook completes the other's packets. Runs only inside namespaces
# it creates (selftests/lib/hosts.sh).
#
#   k  tunnel  outer  inner
#   1  rc-o4   IPv4   IPv4
#   2  rc-o4   IPv4   IPv6
#   3  rc-o6   IPv6   IPv4
#   4  rc-o6   IPv6   IPv6
#
# The option applies to one packet at a time: a GSO skb goes without it
# (lib/remcsum_tx.h), and TCP bulk is mostly GSO (the kernel's TCP always
# builds GSO skbs), so its ACKs and lone segments carry the option; UDP
# datagrams carry it always. Checked: pings, a UDP datagram and a batch of
# 1000-byte datagrams both ways; the wire on A's veth (scapy,
# remcsum_check.py: the option, the seed left in the inner field, the outer
# checksum, and that the deduced inner checksum verifies); a 4 MB TCP
# transfer each way per case by sha256; counters (no remcsum drop, no
# checksum drop).
cd "$(dirname "$0")/../.." || exit 1
. selftests/lib/hosts.sh

NCASES=4
# k|tunnel|outer family|inner family
CASES=("1|rc-o4|4|4" "2|rc-o4|4|6" "3|rc-o6|6|4" "4|rc-o6|6|6")

require_root
require_cmd ip tc nsenter timeout tshark sha256sum
require_fouloader
require_scapy
require_tunnel_cmd

make_tmpd remcsum
make_hosts "rcs" "$NCASES" || bail "could not build the namespace topology"
diag "$A_NS ($A_IF, --rx tc) <-> $B_NS ($B_IF, --rx xdp)"

configure() {
	local ns=$1 dev=$2 me=$3 peer=$4 e k t of if bad=0
	for of in 4 6; do
		local six=; [ "$of" = 6 ] && six=-6
		# shellcheck disable=SC2086
		fl "$ns" port add 6080 gue $six peer "$(outer_addr "$peer" "$of")" || bad=$((bad + 1))
		fl "$ns" tunnel add "rc-o$of" local "$(outer_addr "$me" "$of")" remote "$(outer_addr "$peer" "$of")" \
			encap gue encap-dport 6080 encap-remcsum || bad=$((bad + 1))
	done
	for e in "${CASES[@]}"; do
		IFS='|' read -r k t of if <<<"$e"
		fl "$ns" route add "$(inner_prefix "$peer" "$if" "$k")" tunnel "$t" || bad=$((bad + 1))
		inner_route "$ns" "$dev" "$(inner_prefix "$peer" "$if" "$k")" "$(inner_addr "$me" "$if" "$k")" \
			$((1500 - $(overhead gue "$of") - 8))
	done
	return "$bad"
}

for side in a b; do
	if [ "$side" = a ]; then ns=$A_NS dev=$A_IF hook=tc; else ns=$B_NS dev=$B_IF hook=xdp; fi
	check "${side^^}: fouloader attach $dev --rx $hook" attach_rx "$ns" "$dev" "$hook" || bail "attach failed"
done
out=$(configure "$A_NS" "$A_IF" a b 2>&1); ok $? "A: ports, remcsum tunnels, routes" || diag "$out"
out=$(configure "$B_NS" "$B_IF" b a 2>&1); ok $? "B: ports, remcsum tunnels, routes" || diag "$out"
expect_eq "A: tunnel show --json says encap_remcsum" \
	"$(fl_json_get "$A_NS" "all(t['encap_remcsum'] for t in j)" tunnel show)" true
expect_eq "A: port show --json says remcsum (the default)" \
	"$(fl_json_get "$A_NS" "all(p['remcsum'] for p in j)" port show)" true

# shellcheck disable=SC2034 # filled and read by name (stats_load, sdelta)
declare -A sa0 sb0 sa1 sb1
stats_load sa0 "$A_NS"; stats_load sb0 "$B_NS"

# ---- pings and a UDP datagram, under capture on A's veth
capa=$TMPD/a.pcapng
capture_start "$A_NS" "$A_IF" "$capa" 60 "udp port 6080"; ok $? "tshark captures on $A_IF in A" || diag_file "$capa.err"
pida=$CAPTURE_PID
for e in "${CASES[@]}"; do
	IFS='|' read -r k t of if <<<"$e"
	what="case $k $t (inner IPv$if over IPv$of)"
	ai=$(inner_addr a "$if" "$k") bi=$(inner_addr b "$if" "$k")
	out=$(ping_ok "$A_NS" "$bi" 3); ok $? "$what: ping A -> B" || diag "$out"
	out=$(ping_ok "$B_NS" "$ai" 3); ok $? "$what: ping B -> A" || diag "$out"
	payload="remcsum case $k $$ $RANDOM"
	hex=$(printf '%s' "$payload" | od -v -An -tx1 | tr -d ' \n')
	if udp_listen_start "$B_NS" "$bi" 7777 4 "$TMPD/udp.out" 1; then
		udp_send "$A_NS" --src "$ai" --dst "$bi" --dport 7777 --sport 7000 --payload "$payload" >/dev/null 2>&1
		udp_listen_wait
		got=$(cat "$TMPD/udp.out" 2>/dev/null)
		[ "$got" = "$ai $hex" ]; ok $? "$what: UDP datagram A -> B byte-exact" || diag "got '${got:0:100}'"
	else
		fail "$what: UDP listener did not start"
	fi
	# 1000-byte datagrams to a closed port, 30 each way
	udp_send "$A_NS" --src "$ai" --dst "$bi" --dport 9 --sport 7001 --count 30 \
		--payload-hex "$(head -c 1000 /dev/urandom | od -v -An -tx1 | tr -d ' \n')" >/dev/null 2>&1
	udp_send "$B_NS" --src "$bi" --dst "$ai" --dport 9 --sport 7001 --count 30 \
		--payload-hex "$(head -c 1000 /dev/urandom | od -v -An -tx1 | tr -d ' \n')" >/dev/null 2>&1
done

# ---- TCP bulk both ways per case, by sha256
head -c 4000000 /dev/urandom >"$TMPD/blob"
h_tx=$(sha256sum <"$TMPD/blob" | cut -d' ' -f1)
xfer() { # xfer FROM_NS TO_NS DST PORT WHAT
	local rxpid out h_rx
	rm -f "$TMPD/blob.rx" "$TMPD/rx.ready"
	timeout 40 nsenter --net="/run/netns/$2" -- "$PY" "$FOU_LIBDIR/tcp_xfer.py" recv \
		--addr "$3" --port "$4" --out "$TMPD/blob.rx" --ready "$TMPD/rx.ready" --timeout 35 >"$TMPD/rx.log" 2>&1 &
	rxpid=$!
	cleanup_pid "$rxpid"
	wait_for 5 test -e "$TMPD/rx.ready"
	out=$(timeout 40 nsenter --net="/run/netns/$1" -- "$PY" "$FOU_LIBDIR/tcp_xfer.py" send \
		--addr "$3" --port "$4" --file "$TMPD/blob" --timeout 35 2>&1)
	wait "$rxpid" 2>/dev/null
	h_rx=$( (sha256sum <"$TMPD/blob.rx" | cut -d' ' -f1) 2>/dev/null)
	[ -n "$h_rx" ] && [ "$h_tx" = "$h_rx" ]
	ok $? "$5: 4 MB over TCP arrive intact (sha256 equal)" || diag "sender: $out; receiver: $(cat "$TMPD/rx.log" 2>/dev/null)"
}
for e in "${CASES[@]}"; do
	IFS='|' read -r k t of if <<<"$e"
	xfer "$A_NS" "$B_NS" "$(inner_addr b "$if" "$k")" $((7100 + k)) "case $k $t A -> B (B: xdp)"
	xfer "$B_NS" "$A_NS" "$(inner_addr a "$if" "$k")" $((7200 + k)) "case $k $t B -> A (A: tc)"
done
capture_stop "$pida"
stats_load sa1 "$A_NS"; stats_load sb1 "$B_NS"

# ---- the wire: A's packets as sent, B's as A's tc hook gets them
for of in 4 6; do
	for src in a b; do
		out=$(timeout 120 "$PY" "$FOU_LIBDIR/remcsum_check.py" --pcap "$capa" --dport 6080 \
			--src "$(outer_addr "$src" "$of")" --min 100 --min-data 60 2>&1)
		ok $? "wire, IPv$of outer from ${src^^}: remote checksum offload as the kernel sends it" || diag "$out"
		diag "$(echo "$out" | grep -v '^FAIL')"
	done
done

# ---- counters
for side in a b; do
	if [ "$side" = a ]; then s0=sa0 s1=sa1; else s0=sb0 s1=sb1; fi
	expect_ge "${side^^}: rx_decap_gue" "$(sdelta $s0 $s1 rx_decap_gue)" 500
	expect_ge "${side^^}: tx_encap_gue" "$(sdelta $s0 $s1 tx_encap_gue)" 300
	expect_eq "${side^^}: no drop_gue_remcsum* counter moved" "$(sdelta_sum $s0 $s1 'drop_gue_remcsum*')" 0 ||
		diag_deltas "${side^^}" $s0 $s1
	expect_eq "${side^^}: no drop_udp_csum" "$(sdelta $s0 $s1 drop_udp_csum)" 0
	expect_eq "${side^^}: no tx_drop_* counter moved" "$(sdelta_sum $s0 $s1 'tx_drop_*')" 0 ||
		diag_deltas "${side^^}" $s0 $s1
done

done_testing
