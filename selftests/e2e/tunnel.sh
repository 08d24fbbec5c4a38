# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# shellcheck shell=bash
#
# Body of the end-to-end tunnel tests (both directions through fouloader on
# both hosts), sourced by test_tunnel_tc.t and test_tunnel_xdp.t. Call
# tunnel_suite HOOK (tc | xdp: the receive hook; TC egress encapsulates in
# both).
#
# Topology (selftests/lib/hosts.sh make_hosts): hosts A and B, veth a0 <-> b0,
# each with fouloader attached to its veth, its own pin root, receive ports for
# the other's outer address, a tunnel per case to the other and a route for the
# other's inner prefix of that case. Every case has its own inner addresses
# (set k on lo: A 10.21.k.1 fd00:21:k::1, B 10.22.k.1 fd00:22:k::1), so all
# tunnels are configured at once. The kernel route for an inner prefix points
# out of the veth to a black-hole next hop (a static neighbour with a MAC
# nobody owns): a packet that leaves unencapsulated is lost, only fouloader's
# encapsulation (which re-routes by the outer destination) gets it across.
#
#   k  tunnel    encap outer inner checksum                  TCP
#   1  fou4in4   FOU   IPv4  IPv4  zero (default over IPv4)  yes
#   2  fou6in4   FOU   IPv4  IPv6  zero                      yes
#   3  fou4in6   FOU   IPv6  IPv4  zero (noencap-udp6-csum, port zero-csum6)  yes
#   4  fou6in6   FOU   IPv6  IPv6  zero (idem)               yes
#   5  gue-o4    GUE   IPv4  IPv4  encap-csum (computed)     yes
#   6  gue-o4    GUE   IPv4  IPv6  encap-csum                yes
#   7  gue-o6    GUE   IPv6  IPv4  zero (noencap-udp6-csum)  yes
#   8  gue-o6    GUE   IPv6  IPv6  zero                      yes
#   9  fou4in6c  FOU   IPv6  IPv4  defaults (IPv6 checksums on, port with named
#                                  peers): computed on pings and UDP, zero on
#                                  GSO; a TCP bulk transfer, sha256 checked
#  10  fou4in4m  FOU   IPv4  IPv4  tunnel mtu 1000: larger inner packets are
#                                  dropped (tx_drop_mtu)
#
# Phases: (1) under capture (tshark on a0 in A and on b0 in B): ping both
# ways, one UDP datagram byte-exact, several UDP flows for the source-port
# entropy; counters per case. (2) the captures: every tunnel packet checked
# with scapy (wire_check.py: lengths, GUE header, checksum mode, source port
# per flow), no inner packet left plain, tshark's own FOU decoding (-d
# udp.port==P,ip|ipv6). (3) iperf3 TCP both ways per TCP case. (4) TCP bulk
# over an IPv6 tunnel on defaults; the contract's drop: tunnel mtu. (5) detach.
#
# What a capture sees (checked on 6.18): a tap on the sending veth sees the
# packet after TC egress (encapsulated). On the receiving veth a tap runs
# before TC ingress (still encapsulated) but after XDP: with --rx xdp the
# receiver's capture shows incoming tunnel packets already decapsulated. So
# each direction is checked on its sender's device, and with --rx tc also on
# the receiver's.

. "$(dirname "${BASH_SOURCE[0]}")/../lib/hosts.sh"

TMPD=
# name|encap|outer family|options
TUNNELS=(
	"fou4in4|fou|4|ipproto 4 encap-dport 5555"
	"fou6in4|fou|4|ipproto 41 encap-dport 5556"
	"fou4in6|fou|6|ipproto 4 encap-dport 5555 noencap-udp6-csum"
	"fou6in6|fou|6|ipproto 41 encap-dport 5556 noencap-udp6-csum"
	"gue-o4|gue|4|encap-dport 6080 encap-csum"
	"gue-o6|gue|6|encap-dport 6080 noencap-udp6-csum"
	"fou4in6c|fou|6|ipproto 4 encap-dport 5557"
	"fou4in4m|fou|4|ipproto 4 encap-dport 5558 mtu 1000"
)
# port add arguments|outer family (peer: the other host's outer address)
PORTS=(
	"5555 ipproto 4|4" "5556 ipproto 41|4" "6080 gue|4" "5558 ipproto 4|4"
	"5555 ipproto 4 -6 zero-csum6|6" "5556 ipproto 41 -6 zero-csum6|6" "6080 gue -6 zero-csum6|6"
	"5557 ipproto 4 -6|6"
)
# k|tunnel|encap|outer family|inner family|dport|checksum on the wire|tcp
CASES=(
	"1|fou4in4|fou|4|4|5555|zero|tcp"
	"2|fou6in4|fou|4|6|5556|zero|tcp"
	"3|fou4in6|fou|6|4|5555|zero|tcp"
	"4|fou6in6|fou|6|6|5556|zero|tcp"
	"5|gue-o4|gue|4|4|6080|valid|tcp"
	"6|gue-o4|gue|4|6|6080|valid|tcp"
	"7|gue-o6|gue|6|4|6080|zero|tcp"
	"8|gue-o6|gue|6|6|6080|zero|tcp"
	"9|fou4in6c|fou|6|4|5557|valid|gso-zero"
	"10|fou4in4m|fou|4|4|5558|zero|mtu"
)
NCASES=10

# configure_host NS DEV SIDE PEER_SIDE: ports, tunnels, routes (fouloader and
# kernel). Prints the failed commands; returns their number.
configure_host() {
	local ns=$1 dev=$2 me=$3 peer=$4 bad=0 e name encap ofam opts k t enc of if dp rest
	for e in "${PORTS[@]}"; do
		# shellcheck disable=SC2086
		fl "$ns" port add ${e%|*} peer "$(outer_addr "$peer" "${e#*|}")" || { echo "port add ${e%|*}"; bad=$((bad + 1)); }
	done
	for e in "${TUNNELS[@]}"; do
		IFS='|' read -r name encap ofam opts <<<"$e"
		# shellcheck disable=SC2086
		fl "$ns" tunnel add "$name" local "$(outer_addr "$me" "$ofam")" remote "$(outer_addr "$peer" "$ofam")" \
			encap "$encap" $opts || { echo "tunnel add $name"; bad=$((bad + 1)); }
	done
	for e in "${CASES[@]}"; do
		IFS='|' read -r k t enc of if dp rest <<<"$e"
		fl "$ns" route add "$(inner_prefix "$peer" "$if" "$k")" tunnel "$t" ||
			{ echo "route add $(inner_prefix "$peer" "$if" "$k") tunnel $t"; bad=$((bad + 1)); }
		inner_route "$ns" "$dev" "$(inner_prefix "$peer" "$if" "$k")" "$(inner_addr "$me" "$if" "$k")" \
			$((1500 - $(overhead "$enc" "$of")))
	done
	return "$bad"
}

# ---------------------------------------------------------------- phase 1
# basic_case K TUNNEL ENCAP OFAM IFAM: ping both ways, one UDP datagram
# A -> B byte-exact, counters on both sides.
basic_case() {
	local k=$1 t=$2 enc=$3 of=$4 if=$5 port=$6
	local what="case $k $t (${enc^^} inner IPv$if over IPv$of)"
	local ai bi out payload hex got d
	ai=$(inner_addr a "$if" "$k") bi=$(inner_addr b "$if" "$k")
	declare -A sa0 sb0 sa1 sb1
	stats_load sa0 "$A_NS"; stats_load sb0 "$B_NS"

	out=$(ping_ok "$A_NS" "$bi" 3); ok $? "$what: ping A $ai -> B $bi, 3 of 3 replies" || diag "$out"
	out=$(ping_ok "$B_NS" "$ai" 3); ok $? "$what: ping B $bi -> A $ai, 3 of 3 replies" || diag "$out"

	payload="fou-tunnel $HOOK case $k $$ $RANDOM"
	hex=$(printf '%s' "$payload" | od -v -An -tx1 | tr -d ' \n')
	if udp_listen_start "$B_NS" "$bi" 7777 4 "$TMPD/udp.out" 1; then
		out=$(udp_send "$A_NS" --src "$ai" --dst "$bi" --dport 7777 --sport 7000 --payload "$payload" 2>&1)
		udp_listen_wait
		got=$(cat "$TMPD/udp.out" 2>/dev/null)
		[ "$got" = "$ai $hex" ]
		ok $? "$what: UDP datagram A -> B arrives byte-exact from $ai" ||
			diag "got '${got:0:120}', expected '$ai ${hex:0:80}'; sender: $out"
	else
		fail "$what: UDP listener did not start"
	fi

	stats_load sa1 "$A_NS"; stats_load sb1 "$B_NS"
	expect_ge "$what: A tx_encap_$enc" "$(sdelta sa0 sa1 "tx_encap_$enc")" 7
	expect_ge "$what: A tunnel $t tx_packets" "$(sdelta sa0 sa1 "tun:$t:tx_packets")" 7
	expect_ge "$what: B rx_decap_$enc" "$(sdelta sb0 sb1 "rx_decap_$enc")" 7
	expect_ge "$what: B port $port/$of rx_packets" "$(sdelta sb0 sb1 "port:$port/$of:rx_packets")" 7
	expect_ge "$what: B tx_encap_$enc" "$(sdelta sb0 sb1 "tx_encap_$enc")" 6
	expect_ge "$what: A rx_decap_$enc" "$(sdelta sa0 sa1 "rx_decap_$enc")" 6
	d=$(( $(sdelta_sum sa0 sa1 'tx_drop_*') + $(sdelta_sum sb0 sb1 'tx_drop_*') ))
	expect_eq "$what: no tx_drop_* counter moved on A or B" "$d" 0
}

# flows_case K IFAM: 8 UDP flows (source ports 40000..40007) A -> B, 2 each,
# to a closed port (B answers port unreachable, through its tunnel).
flows_case() {
	local k=$1 if=$2
	udp_send "$A_NS" --src "$(inner_addr a "$if" "$k")" --dst "$(inner_addr b "$if" "$k")" \
		--dport 9 --sport 40000 --flows 8 --count 2 >/dev/null 2>&1
}

# ---------------------------------------------------------------- phase 2
# wire_checks FILE SIDE(a|b) HOOK: the captured packets of one host's veth.
wire_checks() {
	local file=$1 side=$2 other e k t enc of if dp cs rest specs=() dir src dst
	[ "$side" = a ] && other=b || other=a
	for e in "${CASES[@]}"; do
		IFS='|' read -r k t enc of if dp cs rest <<<"$e"
		[ "$k" = 10 ] && continue
		# egress of this host (sender side: always encapsulated on the tap);
		# ingress too where the tap runs before decapsulation (TC)
		for dir in egress ingress; do
			[ "$dir" = ingress ] && [ "$HOOK" != tc ] && continue
			if [ "$dir" = egress ]; then src=$side dst=$other; else src=$other dst=$side; fi
			local min=6 extra=""
			[ "$src" = a ] && min=7
			if [ "$src" = a ] && { [ "$k" = 1 ] || [ "$k" = 5 ] || [ "$k" = 8 ]; }; then
				min=$((min + 16)) extra=',"distinct":6'
			fi
			specs+=(--spec "$(printf '{"name":"%s %s case %s %s","src":"%s","dst":"%s","dport":%s,"encap":"%s","ifam":%s,"csum":"%s","min":%s,"inner":["%s","%s"]%s}' \
				"${side^^}" "$dir" "$k" "$t" "$(outer_addr "$src" "$of")" "$(outer_addr "$dst" "$of")" "$dp" "$enc" "$if" "$cs" "$min" \
				"$(inner_addr a "$if" "$k")" "$(inner_addr b "$if" "$k")" "$extra")")
		done
	done
	# inner addresses must never appear as the outer header on this veth,
	# in either direction where the tap sees the wire
	local addrs=() macs
	for ((k = 1; k <= NCASES; k++)); do
		addrs+=("\"$(inner_addr a 4 $k)\"" "\"$(inner_addr a 6 $k)\"" "\"$(inner_addr b 4 $k)\"" "\"$(inner_addr b 6 $k)\"")
	done
	if [ "$side" = a ]; then macs="\"$A_MAC\""; [ "$HOOK" = tc ] && macs="$macs,\"$B_MAC\""
	else macs="\"$B_MAC\""; [ "$HOOK" = tc ] && macs="$macs,\"$A_MAC\""; fi
	specs+=(--plain "{\"name\":\"${side^^} capture\",\"addrs\":[$(IFS=,; echo "${addrs[*]}")],\"macs\":[$macs]}")

	local line
	while IFS= read -r line; do
		case $line in
		PASS\ *) pass "wire: ${line#PASS }" ;;
		FAIL\ *) fail "wire: ${line#FAIL }" ;;
		INFO\ *) diag "${line#INFO }" ;;
		*) diag "$line" ;;
		esac
	done < <(timeout 120 "$PY" "$FOU_LIBDIR/wire_check.py" --pcap "$file" "${specs[@]}" 2>&1)
}

# tshark_decode FILE PORT DISSECTOR FIELD SRC DST: tshark itself decodes the
# FOU payload as DISSECTOR (ip|ipv6) and finds the inner SRC -> DST.
tshark_decode() {
	local file=$1 port=$2 diss=$3 field=$4 src=$5 dst=$6 out
	out=$(timeout 60 tshark -n -r "$file" -d "udp.port==$port,$diss" \
		-Y "udp.dstport==$port && $field.src==$src && $field.dst==$dst" -T fields -e "$field.src" -e "$field.dst" 2>&1 | head -3)
	# one line per packet: outer and inner address, comma-separated
	echo "$out" | grep -q "$src" && [ -n "$out" ]
	ok $? "tshark -d udp.port==$port,$diss decodes the inner $diss packet $src -> $dst" ||
		diag "tshark: ${out:-nothing matched}"
	[ -n "$out" ] && diag "tshark fields: $(echo "$out" | head -1)"
	return 0
}

# ---------------------------------------------------------------- phase 3
tcp_case() {
	local k=$1 t=$2 enc=$3 of=$4 if=$5
	local what="case $k $t (${enc^^} inner IPv$if over IPv$of)"
	local bi r1 r2 b1 b2
	bi=$(inner_addr b "$if" "$k")
	declare -A sa0 sb0 sa1 sb1
	stats_load sa0 "$A_NS"; stats_load sb0 "$B_NS"
	r1=$(iperf_run "$A_NS" -c "$bi" -t "$IPERF_SECS" -B "$(inner_addr a "$if" "$k")")
	r2=$(iperf_run "$A_NS" -c "$bi" -t "$IPERF_SECS" -B "$(inner_addr a "$if" "$k")" -R)
	stats_load sa1 "$A_NS"; stats_load sb1 "$B_NS"
	b1=${r1%% *} b2=${r2%% *}
	[ "${b1:-0}" -gt 0 ]; ok $? "$what: iperf3 TCP A -> B received $b1 bytes ($(gbit "$(echo "$r1" | awk '{print $2}')") Gbit/s)" || diag "iperf3: $r1"
	[ "${b2:-0}" -gt 0 ]; ok $? "$what: iperf3 TCP B -> A (-R) received $b2 bytes ($(gbit "$(echo "$r2" | awk '{print $2}')") Gbit/s)" || diag "iperf3: $r2"
	expect_ge "$what: TCP: A tx_encap_$enc" "$(sdelta sa0 sa1 "tx_encap_$enc")" 20
	expect_ge "$what: TCP: B rx_decap_$enc" "$(sdelta sb0 sb1 "rx_decap_$enc")" 20
	expect_ge "$what: TCP: B tx_encap_$enc" "$(sdelta sb0 sb1 "tx_encap_$enc")" 20
	expect_ge "$what: TCP: A rx_decap_$enc" "$(sdelta sa0 sa1 "rx_decap_$enc")" 20
	expect_ge "$what: TCP: A tunnel $t tx_bytes" "$(sdelta sa0 sa1 "tun:$t:tx_bytes")" 1000
	local d
	d=$(( $(sdelta_sum sa0 sa1 'tx_drop_*') + $(sdelta_sum sb0 sb1 'tx_drop_*') ))
	expect_eq "$what: TCP: no tx_drop_* counter moved" "$d" 0
	[ "$d" = 0 ] || diag "A: $(for c in "${!sa1[@]}"; do [[ $c == tx_drop_* ]] && echo -n "$c+$(sdelta sa0 sa1 "$c") "; done)" \
		"B: $(for c in "${!sb1[@]}"; do [[ $c == tx_drop_* ]] && echo -n "$c+$(sdelta sb0 sb1 "$c") "; done)"
}

# ---------------------------------------------------------------- the suite
tunnel_suite() {
	HOOK=$1
	IPERF_SECS=${FOU_E2E_IPERF_SECS:-1}
	IPERF_TIMEOUT=$((IPERF_SECS + 7))
	require_root
	require_cmd ip tc nsenter timeout od iperf3 tshark
	require_fouloader
	require_scapy
	require_tunnel_cmd

	make_tmpd tunnel
	make_hosts "tn$HOOK" "$NCASES" || bail "could not build the namespace topology"
	diag "hook $HOOK: $A_NS ($A_IF $A_MAC) <-> $B_NS ($B_IF $B_MAC), pin roots $(pin_of "$A_NS") $(pin_of "$B_NS")"

	local ns dev attach_args out
	if [ "$HOOK" = xdp ]; then
		# A veth hands its peer TCP/UDP packets whose checksum is still
		# CHECKSUM_PARTIAL (never computed: veth trusts its peer). The outer
		# UDP checksum covers the inner packet as it will be once completed
		# (LCO), but an XDP receiver verifies the bytes it gets, where the
		# inner checksum was never filled in, and drops them (drop_udp_csum;
		# checked: UDP and TCP over encap-csum / IPv6-checksum tunnels die,
		# ICMP passes). A NIC completes the inner checksum on transmit, so
		# here, as on a wire, both hosts compute checksums in software.
		in_ns "$A_NS" "$PY" "$FOU_LIBDIR/txcsum.py" "$A_IF" off >/dev/null &&
			in_ns "$B_NS" "$PY" "$FOU_LIBDIR/txcsum.py" "$B_IF" off >/dev/null
		ok $? "xdp: transmit checksum offload off on $A_IF and $B_IF (complete checksums, as from a NIC)"
	fi
	for ns in "$A_NS" "$B_NS"; do
		[ "$ns" = "$A_NS" ] && dev=$A_IF || dev=$B_IF
		attach_args=(attach "$dev" --rx "$HOOK")
		[ "$HOOK" = xdp ] && attach_args+=(--xdp-mode native)
		check "${ns##*-}: fouloader ${attach_args[*]}" fl "$ns" "${attach_args[@]}" || bail "attach failed"
		tc -n "$ns" filter show dev "$dev" egress 2>/dev/null | grep -q bpf
		ok $? "${ns##*-}: tc shows fouloader's bpf filter on $dev egress" ||
			diag "$(tc -n "$ns" filter show dev "$dev" egress 2>&1)"
	done

	out=$(configure_host "$A_NS" "$A_IF" a b 2>&1); ok $? "A: ${#PORTS[@]} ports, ${#TUNNELS[@]} tunnels, ${#CASES[@]} routes configured" || diag "$out"
	out=$(configure_host "$B_NS" "$B_IF" b a 2>&1); ok $? "B: ${#PORTS[@]} ports, ${#TUNNELS[@]} tunnels, ${#CASES[@]} routes configured" || diag "$out"
	expect_eq "A: tunnel show --json lists ${#TUNNELS[@]} tunnels" "$(fl_json_get "$A_NS" "len(j)" tunnel show)" "${#TUNNELS[@]}"
	expect_eq "A: route show --json lists ${#CASES[@]} routes" "$(fl_json_get "$A_NS" "len(j)" route show)" "${#CASES[@]}"

	# ---- phase 1, under capture
	local capa capb pida pidb e k t enc of if dp cs kind
	capa=$TMPD/a.pcapng capb=$TMPD/b.pcapng
	capture_start "$A_NS" "$A_IF" "$capa" 90; ok $? "tshark captures on $A_IF in A" || diag_file "$capa.err"; pida=$CAPTURE_PID
	capture_start "$B_NS" "$B_IF" "$capb" 90; ok $? "tshark captures on $B_IF in B" || diag_file "$capb.err"; pidb=$CAPTURE_PID
	for e in "${CASES[@]}"; do
		IFS='|' read -r k t enc of if dp cs kind <<<"$e"
		[ "$k" = 10 ] && continue
		basic_case "$k" "$t" "$enc" "$of" "$if" "$dp"
		case $k in 1 | 5 | 8) flows_case "$k" "$if" ;; esac
	done
	sleep 0.3
	capture_stop "$pida"; capture_stop "$pidb"

	# ---- phase 2: the wire
	wire_checks "$capa" a
	wire_checks "$capb" b
	# tshark's own decoding of FOU (B's egress: replies and B's pings)
	tshark_decode "$capb" 5555 ip ip "$(inner_addr b 4 1)" "$(inner_addr a 4 1)"
	tshark_decode "$capb" 5556 ipv6 ipv6 "$(inner_addr b 6 2)" "$(inner_addr a 6 2)"

	# ---- phase 3: TCP
	iperf_server_start "$B_NS" 5201 200 || fail "iperf3 server did not start in B"
	for e in "${CASES[@]}"; do
		IFS='|' read -r k t enc of if dp cs kind <<<"$e"
		[ "$kind" = tcp ] && tcp_case "$k" "$t" "$enc" "$of" "$if"
	done

	# ---- phase 4: TCP bulk on defaults, and the contract's drop
	declare -A s0 s1 r0 r1
	# 9: TCP over an IPv6 tunnel on defaults: non-GSO packets carry a computed
	# checksum (phase 2), GSO packets zero, which B's port (named peers) takes
	local h_tx h_rx
	head -c 4000000 /dev/urandom >"$TMPD/blob"
	stats_load s0 "$A_NS"; stats_load r0 "$B_NS"
	timeout 20 nsenter --net="/run/netns/$B_NS" -- "$PY" "$FOU_LIBDIR/tcp_xfer.py" recv \
		--addr "$(inner_addr b 4 9)" --port 7001 --out "$TMPD/blob.rx" --ready "$TMPD/rx.ready" --timeout 15 >"$TMPD/rx.log" 2>&1 &
	local rxpid=$!
	cleanup_pid "$rxpid"
	wait_for 5 test -e "$TMPD/rx.ready"
	out=$(timeout 20 nsenter --net="/run/netns/$A_NS" -- "$PY" "$FOU_LIBDIR/tcp_xfer.py" send \
		--addr "$(inner_addr b 4 9)" --port 7001 --file "$TMPD/blob" --timeout 15 2>&1)
	wait "$rxpid" 2>/dev/null
	stats_load s1 "$A_NS"; stats_load r1 "$B_NS"
	h_tx=$(sha256sum <"$TMPD/blob" | cut -d' ' -f1)
	h_rx=$( (sha256sum <"$TMPD/blob.rx" | cut -d' ' -f1) 2>/dev/null)
	[ -n "$h_rx" ] && [ "$h_tx" = "$h_rx" ]
	ok $? "case 9 fou4in6c (IPv6 defaults): 4 MB over TCP arrive intact (sha256 equal)" ||
		diag "sender: $out; receiver: $(cat "$TMPD/rx.log" 2>/dev/null)"
	local gp gb
	gp=$(sdelta s0 s1 tun:fou4in6c:tx_packets) gb=$(sdelta s0 s1 tun:fou4in6c:tx_bytes)
	[ "${gp:-0}" -gt 0 ] && [ $((gb / gp)) -gt 1500 ]
	ok $? "case 9 fou4in6c: A encapsulated GSO skbs whole ($gb bytes in $gp skbs)" || diag_deltas A s0 s1
	expect_eq "case 9 fou4in6c: A tx_drop_* none" "$(sdelta_sum s0 s1 'tx_drop_*')" 0 || diag_deltas A s0 s1
	expect_eq "case 9 fou4in6c: B drop_zero_csum6 none" "$(sdelta r0 r1 drop_zero_csum6)" 0 || diag_deltas B r0 r1
	expect_ge "case 9 fou4in6c: B rx_decap_fou (GRO'd skbs)" "$(sdelta r0 r1 rx_decap_fou)" 10 || diag_deltas B r0 r1

	# 10: tunnel mtu 1000: a 900-byte ping fits, a 1200-byte DF one does not
	stats_load s0 "$A_NS"
	out=$(ping_ok "$A_NS" "$(inner_addr b 4 10)" 2 -s 900); ok $? "case 10 fou4in4m (mtu 1000): 928-byte inner pings pass" || diag "$out"
	in_ns "$A_NS" timeout 5 ping -n -c 2 -i 0.1 -W 1 -s 1200 -M do "$(inner_addr b 4 10)" >/dev/null 2>&1
	ok $((! $?)) "case 10 fou4in4m (mtu 1000): 1228-byte inner pings get no reply"
	stats_load s1 "$A_NS"
	expect_ge "case 10 fou4in4m: A tx_drop_mtu" "$(sdelta s0 s1 tx_drop_mtu)" 2 || diag_deltas A s0 s1
	expect_ge "case 10 fou4in4m: tunnel fou4in4m drop_packets" "$(sdelta s0 s1 tun:fou4in4m:drop_packets)" 2

	# ---- phase 5: detach removes both programs; nothing crosses any more
	check "A: fouloader detach $A_IF" fl "$A_NS" detach "$A_IF"
	! tc -n "$A_NS" filter show dev "$A_IF" egress 2>/dev/null | grep -q bpf &&
		! tc -n "$A_NS" filter show dev "$A_IF" ingress 2>/dev/null | grep -q bpf &&
		[ "$(xdp_attach_mode "$A_NS" "$A_IF")" = none ]
	ok $? "A: no fouloader program left on $A_IF (egress, ingress, XDP)" ||
		diag "$(tc -n "$A_NS" filter show dev "$A_IF" egress 2>&1)"
	in_ns "$A_NS" timeout 5 ping -n -c 1 -W 1 "$(inner_addr b 4 1)" >/dev/null 2>&1
	ok $((! $?)) "A: after detach, inner traffic no longer crosses (black-hole next hop)"

	done_testing
}
