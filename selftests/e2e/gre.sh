# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# shellcheck shell=bash
#
# Body of the end-to-end GRE-in-FOU/GUE tests (ipproto 47, both directions
# through fouloader on both hosts), sourced by test_gre_tc.t and
# test_gre_xdp.t. Call gre_suite HOOK (tc | xdp: the receive hook; TC egress
# encapsulates in both). Topology and addresses as in tunnel.sh
# (selftests/lib/hosts.sh make_hosts): inner set k routed into tunnel k.
#
#   k  tunnel  encap outer GRE                 inner       traffic
#   1  gre1    FOU   IPv4  plain               IPv4, IPv6  ping, TCP both ways
#   2  gre2    GUE   IPv6  key 42 (port key)   IPv4, IPv6  ping, TCP both ways
#   3  gre3    FOU   IPv4  key 7 csum seq      IPv4        ping, UDP; the wire
#                                                          through tshark's GRE
# One GRE tunnel carries both inner families (its protocol field says which).
# gre3's checksum and sequence number are per packet, so GSO skbs would be
# dropped (tx_drop_gre_gso): it carries no TCP here, as the kernel turns GSO
# off for such tunnels.

. "$(dirname "${BASH_SOURCE[0]}")/../lib/hosts.sh"

# name|options (local/remote of the outer family added)|outer family
GRE_TUNNELS=(
	"gre1|encap fou ipproto 47 encap-dport 5600|4"
	"gre2|encap gue ipproto 47 key 42 encap-dport 6090|6"
	"gre3|encap fou ipproto 47 key 7 csum seq encap-dport 5601|4"
)
# port add arguments|outer family
GRE_PORTS=("5600 ipproto 47|4" "6090 gue -6 key 42|6" "5601 ipproto 47 key 7|4")
# k|tunnel|encap|outer family|inner families|GRE header bytes
GRE_CASES=("1|gre1|fou|4|4 6|4" "2|gre2|gue|6|4 6|8" "3|gre3|fou|4|4|16")

gre_configure() {
	local ns=$1 dev=$2 me=$3 peer=$4 bad=0 e name opts of k t enc ifs gl if
	for e in "${GRE_PORTS[@]}"; do
		# shellcheck disable=SC2086
		fl "$ns" port add ${e%|*} peer "$(outer_addr "$peer" "${e#*|}")" || { echo "port add ${e%|*}"; bad=$((bad + 1)); }
	done
	for e in "${GRE_TUNNELS[@]}"; do
		IFS='|' read -r name opts of <<<"$e"
		# shellcheck disable=SC2086
		fl "$ns" tunnel add "$name" local "$(outer_addr "$me" "$of")" remote "$(outer_addr "$peer" "$of")" \
			$opts || { echo "tunnel add $name"; bad=$((bad + 1)); }
	done
	for e in "${GRE_CASES[@]}"; do
		IFS='|' read -r k t enc of ifs gl <<<"$e"
		for if in $ifs; do
			fl "$ns" route add "$(inner_prefix "$peer" "$if" "$k")" tunnel "$t" || { echo "route $k/$if"; bad=$((bad + 1)); }
			inner_route "$ns" "$dev" "$(inner_prefix "$peer" "$if" "$k")" "$(inner_addr "$me" "$if" "$k")" \
				$((1500 - $(overhead "$enc" "$of") - gl))
		done
	done
	return "$bad"
}

# gre_ping_case K TUNNEL ENCAP OFAM IFAM: pings both ways, the counters.
gre_ping_case() {
	local k=$1 t=$2 enc=$3 of=$4 if=$5 out d
	local what="case $k $t (GRE in ${enc^^}, inner IPv$if over IPv$of)"
	declare -A sa0 sb0 sa1 sb1
	stats_load sa0 "$A_NS"; stats_load sb0 "$B_NS"
	out=$(ping_ok "$A_NS" "$(inner_addr b "$if" "$k")" 3); ok $? "$what: ping A -> B, 3 of 3 replies" || diag "$out"
	out=$(ping_ok "$B_NS" "$(inner_addr a "$if" "$k")" 3); ok $? "$what: ping B -> A, 3 of 3 replies" || diag "$out"
	stats_load sa1 "$A_NS"; stats_load sb1 "$B_NS"
	expect_ge "$what: A tunnel $t tx_packets" "$(sdelta sa0 sa1 "tun:$t:tx_packets")" 6
	expect_ge "$what: B rx_decap_$enc" "$(sdelta sb0 sb1 "rx_decap_$enc")" 6
	expect_ge "$what: A rx_decap_$enc" "$(sdelta sa0 sa1 "rx_decap_$enc")" 6
	d=$(( $(sdelta_sum sa0 sa1 'drop_*') + $(sdelta_sum sb0 sb1 'drop_*') +
	      $(sdelta_sum sa0 sa1 'tx_drop_*') + $(sdelta_sum sb0 sb1 'tx_drop_*') ))
	expect_eq "$what: no drop_* or tx_drop_* counter moved" "$d" 0 || { diag_deltas A sa0 sa1; diag_deltas B sb0 sb1; }
}

# gre_tcp_case K TUNNEL ENCAP OFAM IFAM: iperf3 both ways, GSO kept.
gre_tcp_case() {
	local k=$1 t=$2 enc=$3 of=$4 if=$5 r1 r2 d
	local what="case $k $t (GRE in ${enc^^}, inner IPv$if over IPv$of)"
	declare -A sa0 sb0 sa1 sb1
	stats_load sa0 "$A_NS"; stats_load sb0 "$B_NS"
	r1=$(iperf_run "$A_NS" -c "$(inner_addr b "$if" "$k")" -t "$IPERF_SECS" -B "$(inner_addr a "$if" "$k")")
	r2=$(iperf_run "$A_NS" -c "$(inner_addr b "$if" "$k")" -t "$IPERF_SECS" -B "$(inner_addr a "$if" "$k")" -R)
	stats_load sa1 "$A_NS"; stats_load sb1 "$B_NS"
	[ "${r1%% *}" -gt 0 ]; ok $? "$what: iperf3 TCP A -> B received ${r1%% *} bytes" || diag "iperf3: $r1"
	[ "${r2%% *}" -gt 0 ]; ok $? "$what: iperf3 TCP B -> A received ${r2%% *} bytes" || diag "iperf3: $r2"
	expect_ge "$what: TCP: A tunnel $t tx_bytes" "$(sdelta sa0 sa1 "tun:$t:tx_bytes")" 100000
	expect_ge "$what: TCP: B rx_decap_$enc" "$(sdelta sb0 sb1 "rx_decap_$enc")" 20
	d=$(( $(sdelta_sum sa0 sa1 'tx_drop_*') + $(sdelta_sum sb0 sb1 'tx_drop_*') ))
	expect_eq "$what: TCP: no tx_drop_* counter moved" "$d" 0 || { diag_deltas A sa0 sa1; diag_deltas B sb0 sb1; }
}

# gre_wire FILE: tshark's own GRE dissector on gre3's packets A sent (the
# capture on A's veth sees them after TC egress): key 7, sequence numbers
# increasing by one, checksums good.
gre_wire() {
	local file=$1 out n keys seqs bad
	out=$(timeout 60 tshark -n -r "$file" -d udp.port==5601,gre \
		-Y "udp.dstport==5601 && ip.src==$A4" -T fields -e gre.key -e gre.sequence_number \
		-e gre.checksum.status 2>"$file.tshark.err")
	n=$(echo "$out" | grep -c .)
	expect_ge "wire: tshark decodes A's gre3 packets as GRE" "$n" 4 || diag "tshark: ${out:0:300}"
	keys=$(echo "$out" | awk '{print $1}' | sort -u | tr '\n' ' ')
	expect_eq "wire: every gre3 packet carries key 7" "$keys" "0x00000007 "
	seqs=$(echo "$out" | awk '{print $2}')
	bad=$(echo "$seqs" | awk 'NR > 1 && $1 != prev + 1 { n++ } { prev = $1 } END { print n + 0 }')
	expect_eq "wire: gre3 sequence numbers go up by one per packet ($(echo $seqs | head -c 60))" "$bad" 0
	# gre.checksum.status: 1 is good (0 bad, 2 unverified)
	bad=$(echo "$out" | awk '$3 != "1" { n++ } END { print n + 0 }')
	expect_eq "wire: tshark verifies every GRE checksum as good" "$bad" 0 || diag "${out:0:300}"
}

gre_suite() {
	HOOK=$1
	IPERF_SECS=${FOU_E2E_IPERF_SECS:-1}
	IPERF_TIMEOUT=$((IPERF_SECS + 7))
	require_root
	require_cmd ip tc nsenter timeout iperf3 tshark
	require_fouloader
	require_scapy
	require_tunnel_cmd

	make_tmpd gre
	make_hosts "gre$HOOK" 3 || bail "could not build the namespace topology"
	if [ "$HOOK" = xdp ]; then
		# As in tunnel.sh: complete checksums, as from a NIC.
		in_ns "$A_NS" "$PY" "$FOU_LIBDIR/txcsum.py" "$A_IF" off >/dev/null &&
			in_ns "$B_NS" "$PY" "$FOU_LIBDIR/txcsum.py" "$B_IF" off >/dev/null
		ok $? "xdp: transmit checksum offload off on $A_IF and $B_IF"
	fi
	local ns dev out e k t enc of ifs gl if
	for ns in "$A_NS" "$B_NS"; do
		[ "$ns" = "$A_NS" ] && dev=$A_IF || dev=$B_IF
		check "${ns##*-}: fouloader attach $dev --rx $HOOK" attach_rx "$ns" "$dev" "$HOOK" ||
			bail "attach failed"
	done
	out=$(gre_configure "$A_NS" "$A_IF" a b 2>&1); ok $? "A: GRE ports, tunnels and routes configured" || diag "$out"
	out=$(gre_configure "$B_NS" "$B_IF" b a 2>&1); ok $? "B: GRE ports, tunnels and routes configured" || diag "$out"
	expect_eq "A: tunnel show: gre3's GRE settings" \
		"$(fl "$A_NS" tunnel show | awk '$2 == "gre3"' | grep -o 'ipproto 47 key 7 csum seq')" "ipproto 47 key 7 csum seq"
	expect_eq "A: tunnel show --json: gre2's key" "$(fl_json_get "$A_NS" "[t['gre_key'] for t in j if t['name'] == 'gre2'][0]" tunnel show)" 42
	expect_eq "A: port show --json: port 6090's key" "$(fl_json_get "$A_NS" "[p['gre_key'] for p in j if p['port'] == 6090][0]" port show)" 42

	local cap=$TMPD/a.pcapng pid
	capture_start "$A_NS" "$A_IF" "$cap" 60 "udp port 5601"; ok $? "tshark captures on $A_IF in A" || diag_file "$cap.err"; pid=$CAPTURE_PID
	for e in "${GRE_CASES[@]}"; do
		IFS='|' read -r k t enc of ifs gl <<<"$e"
		for if in $ifs; do
			gre_ping_case "$k" "$t" "$enc" "$of" "$if"
		done
	done
	sleep 0.3
	capture_stop "$pid"
	gre_wire "$cap"

	iperf_server_start "$B_NS" 5201 120 || fail "iperf3 server did not start in B"
	gre_tcp_case 1 gre1 fou 4 4
	gre_tcp_case 1 gre1 fou 4 6
	gre_tcp_case 2 gre2 gue 6 4
	gre_tcp_case 2 gre2 gue 6 6
	done_testing
}
