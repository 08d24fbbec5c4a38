# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# shellcheck shell=bash
#
# Body of the end-to-end decapsulation tests, sourced by test_decap_xdp.t and
# test_decap_tc.t (prove runs only the .t files). Call decap_suite HOOK.
#
# Topology (selftests/lib/netns.sh make_pair): sender namespace --veth--
# receiver namespace. The receiver runs "fouloader attach rcv0 --rx HOOK" and
# configures receive ports with "peer <sender's outer address>":
#   5555 FOU ipproto 4    5556 FOU ipproto 41    6080 GUE
#   5557 FOU ipproto 4, peer_port 41000          5558 FOU ipproto 4 zero-csum6 (-6 only)
# each over outer IPv4 and outer IPv6 (-6). The hand-made scapy sender
# (fou_send.py) emits encapsulated ICMP echo requests and UDP datagrams to the
# receiver's inner addresses; the receiver answers with plain packets routed
# back through the veth, which the sender captures.
#
# Native XDP on veth (checked on this kernel, 6.18): an XDP program attached
# in native (driver) mode to the receiving veth sees every frame its peer
# transmits, AF_PACKET frames (scapy sendp) and kernel-built ones (ping, UDP
# sockets) alike, with nothing set on the peer: no XDP program there, no
# ethtool/GRO change (ethtool is not even installed here). Attaching XDP
# makes veth enable NAPI on its rx queues, and veth_xmit then steers every skb
# through them (veth_skb_is_eligible_for_gro() is true whenever rq->xdp_prog
# is set). One condition: the receiving veth needs at least as many rx queues
# as its peer has tx queues, or the kernel refuses the attach ("veth: XDP
# expects number of rx queues not less than peer tx queues"); veth pairs
# created here get 2/2 queues by default, so it holds (test_loader.t checks
# the refusal). What XDP on veth costs is throughput: the peer stops sending
# TSO/GSO super-packets (DESIGN.md), not measured here.

. "$(dirname "${BASH_SOURCE[0]}")/../lib/netns.sh"

TMPD=
NPING=3

# ---------------------------------------------------------------- helpers
outer_src() { [ "$1" = 4 ] && echo "$SND4" || echo "$SND6"; }
outer_src_alt() { [ "$1" = 4 ] && echo "$SND4_ALT" || echo "$SND6_ALT"; }
outer_dst() { [ "$1" = 4 ] && echo "$RCV4" || echo "$RCV6"; }
inner_src() { [ "$1" = 4 ] && echo "$INNER_SND4" || echo "$INNER_SND6"; }
inner_dst() { [ "$1" = 4 ] && echo "$INNER_RCV4" || echo "$INNER_RCV6"; }

# send FAM ENCAP PORT INNERFAM ARGS...: fou_send.py from the sender namespace.
send() {
	local fam=$1 encap=$2 port=$3 ifam=$4; shift 4
	send_encap "$SND_NS" --iface "$SND_IF" --dst-mac "$RCV_MAC" \
		--src "$(outer_src "$fam")" --dst "$(outer_dst "$fam")" --dport "$port" \
		--encap "$encap" --inner-src "$(inner_src "$ifam")" --inner-dst "$(inner_dst "$ifam")" "$@"
}

# expect_delta DESC BEFORE AFTER WANT
expect_delta() {
	local desc=$1 before=$2 after=$3 want=$4
	if [[ "$before" =~ ^[0-9]+$ && "$after" =~ ^[0-9]+$ ]] && [ $((after - before)) -eq "$want" ]; then
		pass "$desc (+$want)"
	else
		fail "$desc: expected +$want, counter went from '$before' to '$after'"
	fi
}

# snapshot: the counters the cases look at, as "name=value" words in SNAP_*
snap() {
	local fam=$1 port=$2 stat=$3
	SNAP_G=$(stat_counter "$RCV_NS" "$stat")
	SNAP_P=$(port_counter "$RCV_NS" "$port" "$fam" rx_packets)
}

# ping_case FAM ENCAP PORT INNERFAM STAT: NPING echo requests, all answered,
# global STAT and the port's rx_packets rise by NPING.
ping_case() {
	local fam=$1 encap=$2 port=$3 ifam=$4 stat=$5
	local what="outer IPv$fam $encap port $port, inner IPv$ifam ICMP echo"
	local g0 p0 out st
	snap "$fam" "$port" "$stat"; g0=$SNAP_G; p0=$SNAP_P
	out=$(send "$fam" "$encap" "$port" "$ifam" --inner icmp --count "$NPING" \
		--expect-reply --timeout 3 2>&1); st=$?
	ok "$st" "$what: $NPING of $NPING echo replies reach the inner source" || diag "$out"
	snap "$fam" "$port" "$stat"
	expect_delta "$what: $stat" "$g0" "$SNAP_G" "$NPING"
	expect_delta "$what: port $port/$fam rx_packets" "$p0" "$SNAP_P" "$NPING"
}

# udp_case FAM ENCAP PORT INNERFAM STAT [SIZE]: one UDP datagram with a
# unique payload (padded to SIZE bytes); the listener on the receiver's inner
# address gets exactly it.
udp_case() {
	local fam=$1 encap=$2 port=$3 ifam=$4 stat=$5 size=${6:-}
	local what="outer IPv$fam $encap port $port, inner IPv$ifam UDP${size:+ $size bytes}"
	local payload="fou-e2e $HOOK $fam $encap $ifam $$ $RANDOM"
	[ -n "$size" ] && payload=$payload$(head -c $((size - ${#payload})) /dev/zero | tr '\0' 'x')
	local hex g0 out got
	hex=$(printf '%s' "$payload" | od -v -An -tx1 | tr -d ' \n')
	snap "$fam" "$port" "$stat"; g0=$SNAP_G
	udp_listen_start "$RCV_NS" "$(inner_dst "$ifam")" 7777 4 "$TMPD/udp.out" 1 ||
		{ fail "$what: listener did not start"; return; }
	out=$(send "$fam" "$encap" "$port" "$ifam" --inner udp --inner-dport 7777 --payload "$payload" 2>&1)
	udp_listen_wait
	got=$(cat "$TMPD/udp.out" 2>/dev/null)
	if [ "$got" = "$(inner_src "$ifam") $hex" ]; then
		pass "$what: listener received exactly the payload from $(inner_src "$ifam")"
	else
		fail "$what: listener got '${got:0:160}', expected '$(inner_src "$ifam") ${hex:0:120}'"
		diag "$out"
	fi
	snap "$fam" "$port" "$stat"
	expect_delta "$what: $stat" "$g0" "$SNAP_G" 1
}

# refused_case DESC FAM ENCAP PORT STAT ARGS...: an inner-IPv4 UDP datagram
# that must not be delivered; STAT rises by one, rx_decap_fou and rx_decap_gue
# do not move.
refused_case() {
	local desc=$1 fam=$2 encap=$3 port=$4 stat=$5; shift 5
	local f0 g0 s0 out got
	f0=$(stat_counter "$RCV_NS" rx_decap_fou)
	g0=$(stat_counter "$RCV_NS" rx_decap_gue)
	s0=$(stat_counter "$RCV_NS" "$stat")
	udp_listen_start "$RCV_NS" "$INNER_RCV4" 7777 1.5 "$TMPD/udp.out" 1 ||
		{ fail "$desc: listener did not start"; return; }
	out=$(send "$fam" "$encap" "$port" 4 --inner udp --inner-dport 7777 --payload "must-not-arrive" "$@" 2>&1)
	udp_listen_wait
	got=$(cat "$TMPD/udp.out" 2>/dev/null)
	if [ -z "$got" ]; then
		pass "$desc: not delivered"
	else
		fail "$desc: delivered anyway: $got"
	fi
	expect_delta "$desc: $stat" "$s0" "$(stat_counter "$RCV_NS" "$stat")" 1
	expect_delta "$desc: rx_decap_fou + rx_decap_gue unchanged" $((f0 + g0)) \
		$(( $(stat_counter "$RCV_NS" rx_decap_fou) + $(stat_counter "$RCV_NS" rx_decap_gue) )) 0
}

# accepted_udp DESC FAM PORT ARGS...: a FOU inner-IPv4 UDP datagram that must arrive.
accepted_udp() {
	local desc=$1 fam=$2 port=$3; shift 3
	local out got
	udp_listen_start "$RCV_NS" "$INNER_RCV4" 7777 4 "$TMPD/udp.out" 1 ||
		{ fail "$desc: listener did not start"; return; }
	out=$(send "$fam" fou "$port" 4 --inner udp --inner-dport 7777 --payload "welcome" "$@" 2>&1)
	udp_listen_wait
	got=$(cat "$TMPD/udp.out" 2>/dev/null)
	if [ "$got" = "$INNER_SND4 $(printf welcome | od -v -An -tx1 | tr -d ' \n')" ]; then
		pass "$desc: delivered"
	else
		fail "$desc: listener got '$got'"
		diag "$out"
	fi
}

# jumbo_case FAM FRAME [--flip-last-bit]: an FOU inner-IPv4 echo request in a
# frame of FRAME bytes (outer UDP checksum set), past where the checksum's
# tail was once read from a wrapped offset (16 KiB), up to near the largest
# datagram. Valid: answered, rx_decap_fou +1. Last bit flipped: never
# delivered, drop_udp_csum +1.
jumbo_case() {
	local fam=$1 frame=$2 flip=${3:-} what st out d0 c0 bad=0
	[ -n "$flip" ] && bad=1
	local plen=$((frame - 14 - (fam == 4 ? 20 : 40) - 8 - 20 - 8))
	what="outer IPv$fam FOU 5555, $frame-byte frame${flip:+, last bit flipped}"
	d0=$(stat_counter "$RCV_NS" rx_decap_fou); c0=$(stat_counter "$RCV_NS" drop_udp_csum)
	out=$(send "$fam" fou 5555 4 --inner icmp --payload-len "$plen" $flip \
		--expect-reply --timeout 2 2>&1); st=$?
	if [ -z "$flip" ]; then
		ok "$st" "$what: the echo reply reaches the inner source" || diag "$out"
	else
		ok $((!st)) "$what: no echo reply" || diag "$out"
	fi
	expect_delta "$what: rx_decap_fou" "$d0" "$(stat_counter "$RCV_NS" rx_decap_fou)" $((1 - bad))
	expect_delta "$what: drop_udp_csum" "$c0" "$(stat_counter "$RCV_NS" drop_udp_csum)" "$bad"
}

# not_here_case DESC FAM DST STAT: an FOU packet to port 5555 whose outer
# destination is not a unicast address of the receiver: passed untouched
# (STAT +1), never decapsulated (only what is delivered locally is, as with
# the kernel's fou; broadcast and multicast only on a 'multicast' port).
not_here_case() {
	local desc=$1 fam=$2 dst=$3 stat=$4 s0 d0
	s0=$(stat_counter "$RCV_NS" "$stat"); d0=$(stat_counter "$RCV_NS" rx_decap_fou)
	send "$fam" fou 5555 4 --inner udp --dst "$dst" >/dev/null 2>&1
	expect_delta "$desc ($dst): $stat" "$s0" "$(stat_counter "$RCV_NS" "$stat")" 1
	expect_delta "$desc ($dst): rx_decap_fou unchanged" "$d0" "$(stat_counter "$RCV_NS" rx_decap_fou)" 0
}

# Datagrams up to 64 KiB on a 65535-MTU link: TC sees paged skbs, XDP
# multi-buffer frames; the UDP checksum covers every byte.
jumbo_cases() {
	local fam frame
	ip -n "$SND_NS" link set "$SND_IF" mtu 65535 && ip -n "$RCV_NS" link set "$RCV_IF" mtu 65535
	ok $? "MTU 65535 on both ends of the veth" || return
	for fam in 4 6; do
		for frame in 16388 16415 20001 60001; do
			jumbo_case "$fam" "$frame"
			jumbo_case "$fam" "$frame" --flip-last-bit
		done
	done
}

# ---------------------------------------------------------------- the suite
decap_suite() {
	HOOK=$1
	require_root
	require_cmd ip tc nsenter bpftool timeout od
	require_fouloader
	require_scapy

	make_tmpd decap
	make_pair "dc$HOOK" || bail "could not build the namespace topology"
	diag "hook $HOOK: $SND_NS ($SND_IF $SND_MAC) <-> $RCV_NS ($RCV_IF $RCV_MAC), pin root $PIN"

	local attach_args=(attach "$RCV_IF" --rx "$HOOK")
	[ "$HOOK" = xdp ] && attach_args+=(--xdp-mode native)
	check "fouloader ${attach_args[*]}" fl "$RCV_NS" "${attach_args[@]}" ||
		bail "attach failed; nothing else can work"

	local got
	got=$(fl_json_get "$RCV_NS" "[(d['hook'], d.get('xdp_mode'), d['live']) for d in j['devices'] if d['dev'] == '$RCV_IF']" status)
	if [ "$HOOK" = xdp ]; then
		[ "$got" = '[["xdp", "native", true]]' ]
	else
		[ "$got" = '[["tc", null, true]]' ]
	fi
	ok $? "status --json: $RCV_IF on $HOOK and live" || diag "got $got"
	if [ "$HOOK" = xdp ]; then
		[ "$(xdp_attach_mode "$RCV_NS" "$RCV_IF")" = native ]
		ok $? "ip link shows a native XDP program on $RCV_IF" ||
			diag "$(ip -n "$RCV_NS" -d link show dev "$RCV_IF")"
	else
		tc -n "$RCV_NS" filter show dev "$RCV_IF" ingress | grep -q 'bpf'
		ok $? "tc shows a bpf filter on $RCV_IF ingress" ||
			diag "$(tc -n "$RCV_NS" filter show dev "$RCV_IF" ingress)"
	fi

	local fam ok_ports=0
	for fam in 4 6; do
		local peer; peer=$(outer_src "$fam")
		local s=(); [ "$fam" = 6 ] && s=(-6)
		fl "$RCV_NS" port add 5555 ipproto 4 "${s[@]}" peer "$peer" && ok_ports=$((ok_ports + 1))
		fl "$RCV_NS" port add 5556 ipproto 41 "${s[@]}" peer "$peer" && ok_ports=$((ok_ports + 1))
		fl "$RCV_NS" port add 6080 gue "${s[@]}" peer "$peer" && ok_ports=$((ok_ports + 1))
		fl "$RCV_NS" port add 5557 ipproto 4 "${s[@]}" peer "$peer" peer_port 41000 && ok_ports=$((ok_ports + 1))
	done
	fl "$RCV_NS" port add 5558 ipproto 4 -6 peer "$SND6" zero-csum6 && ok_ports=$((ok_ports + 1))
	ok $((ok_ports != 9)) "fouloader port add: 9 ports configured ($ok_ports exit 0)"
	got=$(fl_json_get "$RCV_NS" "len(j)" port show)
	[ "$got" = 9 ]; ok $? "port show --json lists 9 ports" || diag "got '$got'"

	# plain traffic is left alone while the program is attached
	check "plain ping sender -> receiver IPv4 with $HOOK attached" \
		in_ns "$SND_NS" timeout 5 ping -c 1 -W 2 "$RCV4"
	check "plain ping sender -> receiver IPv6 with $HOOK attached" \
		in_ns "$SND_NS" timeout 5 ping -6 -c 1 -W 2 "$RCV6"

	for fam in 4 6; do
		ping_case "$fam" fou 5555 4 rx_decap_fou
		ping_case "$fam" fou 5556 6 rx_decap_fou
		ping_case "$fam" gue0 6080 4 rx_decap_gue
		ping_case "$fam" gue0 6080 6 rx_decap_gue
		ping_case "$fam" gue1 6080 4 rx_decap_gue
		ping_case "$fam" gue1 6080 6 rx_decap_gue
		udp_case "$fam" fou 5555 4 rx_decap_fou
		udp_case "$fam" fou 5556 6 rx_decap_fou
		udp_case "$fam" gue0 6080 6 rx_decap_gue
		udp_case "$fam" gue1 6080 4 rx_decap_gue

		refused_case "outer IPv$fam FOU 5555 from $(outer_src_alt "$fam") (not a peer)" \
			"$fam" fou 5555 drop_peer --src "$(outer_src_alt "$fam")"
		refused_case "outer IPv$fam FOU 5557 from source port 41001 (peer_port is 41000)" \
			"$fam" fou 5557 drop_peer_port --sport 41001
		accepted_udp "outer IPv$fam FOU 5557 from source port 41000" "$fam" 5557 --sport 41000
	done

	# UDP checksums: zero is fine over IPv4; over IPv6 from a named peer
	# (GSO from fouloader and the kernel's noencap-udp6-csum send it), and on
	# a 'peer any' port only with zero-csum6 (unit tests: test_rx)
	accepted_udp "outer IPv4 FOU 5555 with zero UDP checksum" 4 5555 --zero-csum
	accepted_udp "outer IPv6 FOU 5555 (named peer) with zero UDP checksum" 6 5555 --zero-csum
	accepted_udp "outer IPv6 FOU 5558 (zero-csum6) with zero UDP checksum" 6 5558 --zero-csum
	refused_case "outer IPv4 FOU 5555 with a corrupt UDP checksum" 4 fou 5555 drop_udp_csum --bad-csum
	refused_case "outer IPv6 FOU 5555 with a corrupt UDP checksum" 6 fou 5555 drop_udp_csum --bad-csum

	# GUE headers the kernel would drop
	refused_case "outer IPv4 GUE 6080 control message (C=1)" 4 gue0 6080 drop_gue_control --gue-ctrl 1
	refused_case "outer IPv4 GUE 6080 unknown flags" 4 gue0 6080 drop_gue_flags --gue-flags 0x4000
	refused_case "outer IPv4 GUE 6080 proto 17" 4 gue0 6080 drop_gue_proto --gue-proto 17

	# a full-size datagram (1400 bytes of payload) on both outer families
	udp_case 4 fou 5555 4 rx_decap_fou 1400
	udp_case 6 gue0 6080 6 rx_decap_gue 1400

	not_here_case "transit unicast" 4 "${RCV4%.*}.77" pass_not_local
	not_here_case "transit unicast" 6 "${RCV6%::*}::77" pass_not_local
	not_here_case "subnet broadcast" 4 "${RCV4%.*}.255" pass_multicast
	not_here_case "limited broadcast" 4 255.255.255.255 pass_multicast
	not_here_case "multicast" 4 224.0.0.5 pass_multicast
	not_here_case "all-nodes multicast" 6 ff02::1 pass_multicast

	jumbo_cases

	# a UDP port that is not configured passes untouched
	local n0; n0=$(stat_counter "$RCV_NS" pass_no_port)
	send 4 fou 5599 4 --inner udp >/dev/null 2>&1
	expect_delta "FOU to unconfigured port 5599: pass_no_port" "$n0" "$(stat_counter "$RCV_NS" pass_no_port)" 1

	# added, that port is decapsulated at once; deleted, it passes again
	# (the programs' early not-ours test reads the port table port add
	# and port del write, as the full classification does)
	check "fouloader port add 5599" fl "$RCV_NS" port add 5599 ipproto 4 peer "$(outer_src 4)"
	udp_case 4 fou 5599 4 rx_decap_fou
	check "fouloader port del 5599" fl "$RCV_NS" port del 5599
	n0=$(stat_counter "$RCV_NS" pass_no_port)
	send 4 fou 5599 4 --inner udp >/dev/null 2>&1
	expect_delta "FOU to port 5599 after port del: pass_no_port" "$n0" "$(stat_counter "$RCV_NS" pass_no_port)" 1

	# per-port drop counter saw the refused packets of 5555/IPv4
	got=$(port_counter "$RCV_NS" 5555 4 drop_packets)
	[[ "$got" =~ ^[0-9]+$ ]] && [ "$got" -ge 1 ]
	ok $? "port 5555/4 drop_packets counts the refused packet (got '$got')"

	got=$(fl "$RCV_NS" stats --json 2>/dev/null | "$PY" -c 'import json,sys; json.load(sys.stdin)' 2>&1 && echo parsed)
	[ "$got" = parsed ]; ok $? "stats --json parses"

	# detach: the program goes away and decapsulation stops
	check "fouloader detach $RCV_IF" fl "$RCV_NS" detach "$RCV_IF"
	if [ "$HOOK" = xdp ]; then
		[ "$(xdp_attach_mode "$RCV_NS" "$RCV_IF")" = none ]
	else
		! tc -n "$RCV_NS" filter show dev "$RCV_IF" ingress | grep -q bpf
	fi
	ok $? "no $HOOK program left on $RCV_IF after detach"
	udp_listen_start "$RCV_NS" "$INNER_RCV4" 7777 1.5 "$TMPD/udp.out" 1
	send 4 fou 5555 4 --inner udp --inner-dport 7777 >/dev/null 2>&1
	udp_listen_wait
	[ ! -s "$TMPD/udp.out" ]
	ok $? "after detach, FOU packets are no longer decapsulated"

	done_testing
}
