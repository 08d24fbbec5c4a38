# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# shellcheck shell=bash
#
# Body of the guest tier's kernel-peer tests (test_kpeer_6.1.t,
# test_kpeer_6.12.t): vm_kpeer_suite SERIES boots Debian's kernel SERIES in a
# guest (lib/vm.sh) whose tunnels are the KERNEL's own (modprobe fou, ipip,
# sit, ip6_tunnel, ip_gre, ip6_gre; ip fou add, ip link add ... encap
# fou|gue, GRE in them and GUE remote checksum offload too), and runs
# fouloader on the HOST, on tap0 in a test namespace. One boot, every row of
# KP_CASES in turn: the row's kernel tunnel and fou port are made in the guest,
# the row's fouloader port, tunnel and route on the host, then
#
#   - ping both ways (inner addresses of the row);
#   - TCP $KP_XFER_BYTES both ways, sha256 compared;
#   - the row's UDP port captured on tap0 (both directions on one wire) and
#     the framing checked by selftests/lib/kpeer_wire.py: each side as its
#     settings say (ports, checksum zero or not, GUE header, ip6tnl's
#     encapsulation limit), and fouloader's echoes framed as the kernel's;
#   - fouloader's stats --json (decapsulated, encapsulated, per port and
#     tunnel, no drop counter moved) and the kernel's (the tunnel device's
#     packets up, no errors or drops; /proc/net/snmp{,6} UDP InErrors,
#     InCsumErrors and NoPorts unmoved);
#
# then both sides' configuration is removed. The rows run with fouloader
# receiving on --rx tc, then (after detach) on --rx xdp in native mode (tun's
# own XDP; the guest's checksum offload off there, see vm_kpeer_suite). A row whose combination cannot work says why: fouloader refuses it
# at configuration time, or the kernel counts what it refuses; it is a SKIP
# with that reason, the refusal or the counter asserted (README: "The kernel as
# a peer").

. "$(dirname "${BASH_SOURCE[0]}")/lib/vm.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib/guest.sh"

# One row per case:
# k|hook|kernel device|ip6tnl mode|outer|inner|encap|ip link add options|ip fou add options|fouloader tunnel options|fouloader port options|expect
#   options: @A / @B are the host's / the guest's outer address of the row's family
#   expect:  ok | route:REASON (fouloader refuses the route) | noports:REASON
#            (the kernel's socket refuses fouloader's packets: Udp NoPorts) |
#            offload:REASON (XDP on tap0 with the guest's checksum offload on:
#            the guest's packets are counted drop_udp_csum) | gro:REASON (the
#            guest's GRO drops fouloader's TCP: Udp InErrors) |
#            remcsum0:REASON (fouloader drops the kernel's remote checksum
#            offload packets: drop_gue_remcsum_csum). Every other row
#            runs with the guest's tx checksum offload on for tc, off for xdp.
# Defaults are left out: the kernel's (encap-sport auto, encap-csum off over
# IPv4, udp6 checksum on, ip6tnl encaplimit 4) and fouloader's.
KP_CASES=(
	"1|tc|ipip|-|4|4|fou|||||ok"
	"2|tc|ipip|-|4|4|fou|encap-csum||encap-csum||ok"
	"3|tc|ipip|-|4|4|gue|||||ok"
	"4|tc|ipip|-|4|4|gue|encap-csum||encap-csum||ok"
	"22|tc|ipip|-|4|4|gue|encap-csum||noencap-csum||ok"
	"5|tc|sit|-|4|6|fou|||||ok"
	"6|tc|sit|-|4|6|gue|encap-csum||encap-csum||ok"
	"7|tc|ipip|-|4|4|fou|encap-sport 4444|local @B peer @A peer_port 4445|encap-sport 4445|peer_port 4444|ok"
	"8|tc|ipip|-|4|4|fou||local @B|||ok"
	"9|tc|sit|-|4|6|gue||local @B|||ok"
	"10|tc|ipip|-|4|4|fou||local @B peer @A peer_port 4445|||noports:the kernel's port with peer_port takes only that source port: fouloader needs encap-sport 4445"
	"11|tc|ip6tnl|ipip6|6|4|fou|||||ok"
	"12|tc|ip6tnl|ip6ip6|6|6|fou|||||ok"
	"13|tc|ip6tnl|ip6ip6|6|6|gue|||||ok"
	"14|tc|ip6tnl|ipip6|6|4|gue|||||ok"
	"15|tc|ip6tnl|any|6|4|gue|||||ok"
	"16|tc|ip6tnl|any|6|6|gue|||||ok"
	"17|tc|ip6tnl|any|6|6|fou|||||ok"
	"18|tc|ip6tnl|any|6|4|fou||ipproto41|||route:FOU names one inner protocol per port: a FOU port for ip6tnl mode any carries one family (GUE carries both)"
	"19|tc|ip6tnl|ip6ip6|6|6|fou|noencap-udp6-csum||noencap-udp6-csum||ok"
	"20|tc|ip6tnl|ipip6|6|4|gue|encaplimit none noencap-udp6-csum||||ok"
	"21|tc|ip6tnl|ip6ip6|6|6|fou|encap-sport 4444|local @B peer @A peer_port 4445|encap-sport 4445|peer_port 4444|ok"
	"30|xdp|ip6tnl|ip6ip6|6|6|fou|||||offload:a guest that leaves its UDP checksums to virtio-net's offload hands tun's XDP frames whose checksum is unfinished (VIRTIO_NET_HDR_F_NEEDS_CSUM, invisible to XDP): fouloader counts them drop_udp_csum; on a wire checksums are complete"
	"31|xdp|ipip|-|4|4|fou|||||ok"
	"32|xdp|sit|-|4|6|gue|encap-csum||encap-csum||ok"
	"33|xdp|ip6tnl|ip6ip6|6|6|fou|||||ok"
	"34|xdp|ip6tnl|ipip6|6|4|gue|||||ok"
	# GRE in FOU/GUE (ip link add ... type gre|ip6gre ... encap fou|gue;
	# fouloader's port ipproto 47 / gue, tunnel ipproto 47). The guest's GRO
	# is off for these rows but the gro: one (see vm_kpeer_suite); csum/seq
	# rows set the host tap's gso_max_segs 1 (fouloader drops their GSO
	# packets: tx_drop_gre_gso)
	"43|tc|gre|-|4|4|fou|||||gro:TCP to a kernel receiver with GRO on stalls: gre_gro_complete replaces SKB_GSO_UDP_TUNNEL with SKB_GSO_GRE on the merged GRE-in-FOU skb and UDP drops it (Udp InErrors); the GRE rows run with the guest's GRO off"
	"40|tc|gre|-|4|4|fou|||||ok"
	"41|tc|gre|-|4|6|gue|key 41||key 41|key 41|ok"
	"42|tc|gre|-|4|4|fou|key 42 csum seq||key 42 csum seq|key 42|ok"
	"44|tc|ip6gre|-|6|6|gue|key 44 csum||key 44 csum|key 44|ok"
	# GUE remote checksum offload: the kernel's encap-remcsum (with
	# encap-csum) against fouloader's port (remcsum on by default) and
	# fouloader's encap-remcsum against the kernel's gue port
	"50|tc|ipip|-|4|4|gue|encap-csum encap-remcsum||encap-remcsum||ok"
	"51|tc|sit|-|4|6|gue|encap-csum encap-remcsum||encap-remcsum||ok"
	"52|tc|ipip|-|4|4|gue|encap-remcsum||||remcsum0:the kernel's encap-remcsum without encap-csum sends a zero outer UDP checksum, which leaves nothing to complete the inner checksum from: fouloader drops it (drop_gue_remcsum_csum); give the kernel's tunnel encap-csum"
)
KP_XFER_BYTES=${FOU_KP_XFER_BYTES:-262144}

# kp_sub OPTS OUTER: @A/@B replaced by the outer addresses of that family.
kp_sub() {
	local s=$1
	s=${s//@A/$(outer_addr a "$2")}
	echo "${s//@B/$(outer_addr b "$2")}"
}

# kp_gre DEV: the kernel device is GRE (FOU ipproto / GUE proto 47).
kp_gre() { [[ $1 == gre || $1 == ip6gre ]]; }

# kp_overhead ENCAP OF DEV TUNNELOPTS: what fouloader's tunnel adds, GRE's
# header (4 bytes, 4 more for each of key, csum, seq) included.
kp_overhead() {
	local o o2
	o=$(overhead "$1" "$2")
	if kp_gre "$3"; then
		o=$((o + 4))
		for o2 in key csum seq; do [[ " $4 " == *" $o2 "* ]] && o=$((o + 4)); done
	fi
	echo "$o"
}

# kp_port K: the row's UDP port (both directions).
kp_port() { echo $((5500 + $1)); }

# kernel_counters_script DEV: the kernel's side, "key value" lines: the
# tunnel device's statistics and the UDP MIB counters that say a datagram
# was refused.
kernel_counters_script() {
	cat <<EOF
for f in rx_packets tx_packets rx_errors tx_errors rx_dropped tx_dropped tx_carrier_errors; do
	echo "link:\$f \$(cat /sys/class/net/$1/statistics/\$f)"
done
awk '/^Udp:/ { if (!h) { for (i = 2; i <= NF; i++) n[i] = \$i; h = 1 } else for (i = 2; i <= NF; i++) print "Udp:" n[i], \$i }' /proc/net/snmp
awk '/^Udp6(InErrors|InCsumErrors|NoPorts)/ { print \$1, \$2 }' /proc/net/snmp6
EOF
}

# kv_load ARRAY TEXT: "key value" lines into an associative array.
kv_load() {
	local -n _kv=$1
	local k v
	_kv=()
	while read -r k v; do
		[[ $v =~ ^[0-9]+$ ]] && _kv[$k]=$v
	done <<<"$2"
	[ ${#_kv[@]} -gt 0 ]
}

# kernel_setup_script K DEV MODE OF IF ENCAP LINKOPTS FOUOPTS: the row's
# kernel tunnel, fou port, inner address and route, then its counters.
kernel_setup_script() {
	local k=$1 dev=$2 mode=$3 of=$4 if=$5 enc=$6 lopts fopts p kd=kp$1 fam6=
	lopts=$(kp_sub "$7" "$of") fopts=$(kp_sub "$8" "$of") p=$(kp_port "$k")
	[ "$of" = 6 ] && fam6=-6
	local proto=gue
	[ "$enc" = fou ] && proto="ipproto $([ "$if" = 4 ] && echo 4 || echo 41)"
	[ "$enc" = fou ] && kp_gre "$dev" && proto="ipproto 47"
	# a row may name the FOU ipproto of the kernel's port itself (ipprotoN)
	[[ $fopts == *ipproto41* ]] && { proto="ipproto 41"; fopts=${fopts//ipproto41/}; }
	echo "set -e"
	echo "ip fou add port $p $proto $fam6 $fopts"
	echo "ip link add $kd type $dev $([ "$dev" = ip6tnl ] && echo "mode $mode ")local $(outer_addr b "$of") remote $(outer_addr a "$of") encap $enc encap-dport $p $lopts"
	# an ip6tnl or GRE device in a row of inner IPv4 would still send its
	# own IPv6 (router solicitations, MLD): ip6tnl mode ipip6 counts each as
	# a tx error, mode any and GRE send them into the tunnel beside the
	# row's traffic
	[[ $dev == ip6tnl || $dev == gre ]] && [ "$if" = 4 ] && echo "sysctl -qw net.ipv6.conf.$kd.disable_ipv6=1"
	echo "ip link set $kd up"
	if [ "$if" = 4 ]; then
		echo "ip addr add $(inner_addr b 4 "$k")/32 dev lo"
		echo "ip route add $(inner_prefix a 4 "$k") dev $kd src $(inner_addr b 4 "$k")"
	else
		echo "ip addr add $(inner_addr b 6 "$k")/128 dev lo nodad"
		echo "ip -6 route add $(inner_prefix a 6 "$k") dev $kd src $(inner_addr b 6 "$k")"
	fi
	echo "set +e"
	echo "echo \"mtu \$(cat /sys/class/net/$kd/mtu)\""
	kernel_counters_script "$kd"
}

# host_setup K OF IF ENCAP TOPTS POPTS FOUPROTO DEV: the row's fouloader port,
# tunnel and route, and the host kernel's route (prints failures; ROUTE_OUT
# keeps route add's own words).
host_setup() {
	local k=$1 of=$2 if=$3 enc=$4 topts=$5 popts=$6 proto=$7 dev=$8 p fam6='' ipp='' out pa=gue
	p=$(kp_port "$k")
	[ "$of" = 6 ] && fam6=-6
	[ "$enc" = fou ] && pa="ipproto $proto"
	# GUE names GRE in its header: the tunnel says ipproto 47, the port gue
	[ "$enc" = fou ] || [ "$proto" = 47 ] && ipp="ipproto $proto"
	# shellcheck disable=SC2086
	out=$(fl "$H_NS" port add "$p" $pa $fam6 peer "$(outer_addr b "$of")" $popts 2>&1) ||
		{ echo "port add: $out"; return 1; }
	# shellcheck disable=SC2086
	out=$(fl "$H_NS" tunnel add "kp$k" local "$(outer_addr a "$of")" remote "$(outer_addr b "$of")" \
		encap "$enc" $ipp encap-dport "$p" $topts 2>&1) || { echo "tunnel add: $out"; return 1; }
	ip -n "$H_NS" addr add "$(inner_addr a "$if" "$k")/$([ "$if" = 4 ] && echo 32 || echo 128)" dev lo $([ "$if" = 6 ] && echo nodad)
	inner_route "$H_NS" "$H_IF" "$(inner_prefix b "$if" "$k")" "$(inner_addr a "$if" "$k")" $((1500 - $(kp_overhead "$enc" "$of" "$dev" "$topts")))
	ROUTE_OUT=$(fl "$H_NS" route add "$(inner_prefix b "$if" "$k")" tunnel "kp$k" 2>&1)
	ROUTE_RC=$?
	[ "$ROUTE_RC" = 0 ] || { echo "route add: $ROUTE_OUT"; return 1; }
}

# host_teardown K OF IF: remove the row's configuration (whatever was made).
host_teardown() {
	local k=$1 of=$2 if=$3
	fl "$H_NS" route del "$(inner_prefix b "$if" "$k")" >/dev/null 2>&1
	fl "$H_NS" tunnel del "kp$k" >/dev/null 2>&1
	fl "$H_NS" port del "$(kp_port "$k")" $([ "$of" = 6 ] && echo -6) >/dev/null 2>&1
	ip -n "$H_NS" route del "$(inner_prefix b "$if" "$k")" 2>/dev/null
	return 0
}

# csum_class SIDE OF OPTS: the outer UDP checksum a side's settings give
# (kpeer_wire.py's --kernel-csum / --fl-csum).
csum_class() {
	local side=$1 of=$2 opts=$3
	if [ "$of" = 4 ]; then
		# fouloader's encap-csum, like its IPv6 checksum, is zero on GSO
		# packets (one header for every segment; zero is valid over IPv4)
		[[ " $opts " == *" encap-csum "* || " $opts " == *" encap-remcsum "* ]] && { [ "$side" = kernel ] && echo set || echo nongso; } || echo zero
	elif [[ " $opts " == *" noencap-udp6-csum "* ]]; then
		echo zero
	else
		[ "$side" = kernel ] && echo set || echo nongso
	fi
}
# sport_of OPTS: the fixed encap-sport, or auto.
sport_of() { [[ $1 =~ encap-sport\ ([0-9]+) ]] && echo "${BASH_REMATCH[1]}" || echo auto; }

# kp_case ROW: one row, all its checks.
kp_case() {
	local k hook dev mode of if enc lopts fopts topts popts expect
	IFS='|' read -r k hook dev mode of if enc lopts fopts topts popts expect <<<"$1"
	local p ai bi kd=kp$k out st what proto
	p=$(kp_port "$k") ai=$(inner_addr a "$if" "$k") bi=$(inner_addr b "$if" "$k")
	proto=$([ "$if" = 4 ] && echo 4 || echo 41)
	[[ $fopts == *ipproto41* ]] && proto=41
	kp_gre "$dev" && proto=47
	what="$VM_RELEASE $hook #$k: kernel $dev$([ "$mode" != - ] && echo " mode $mode") encap $enc${lopts:+ $lopts}"
	what="$what${fopts:+, ip fou add $(kp_sub "${fopts//ipproto41/ipproto 41}" "$of")}; fouloader ${topts:-defaults}${popts:+, port $popts} (IPv$if in IPv$of)"
	declare -A h0 h1 g0 g1
	vm_run 60 "$(kernel_setup_script "$k" "$dev" "$mode" "$of" "$if" "$enc" "$lopts" "$fopts")"
	if ! ok "$VRC" "$what: kernel side configured"; then
		diag "$VOUT"
		vm_run 30 "ip link del $kd; ip fou del port $p $([ "$of" = 6 ] && echo -6)"
		return
	fi
	kv_load g0 "$VOUT"
	host_setup "$k" "$of" "$if" "$enc" "$topts" "$popts" "$proto" "$dev" >"$TMPD/setup.out" 2>&1
	st=$? out=$(cat "$TMPD/setup.out")
	if [[ $expect == route:* ]]; then
		# fouloader knows at configuration time: the route is refused, exit 2
		[ "$ROUTE_RC" = 2 ] && [[ $ROUTE_OUT == *"cannot carry"* ]]
		ok $? "$what: fouloader refuses the route (exit 2): $ROUTE_OUT" || diag "$out"
		skip "$what: traffic" "${expect#route:}"
		kp_teardown "$k" "$of" "$if"
		return
	fi
	ok "$st" "$what: fouloader side configured" || { diag "$out"; kp_teardown "$k" "$of" "$if"; return; }
	stats_load h0 "$H_NS"
	# ip6tnl's encapsulation limit comes before UDP, where "udp" does not look
	capture_start "$H_NS" "$H_IF" "$TMPD/kp$k.pcapng" 120 "udp port $p or ip6 proto 60 or ip6 proto 0" ||
		diag "capture did not start: $(cat "$TMPD/kp$k.pcapng.err")"

	if [[ $expect == noports:* ]]; then
		kp_noports "$what" "$k" "$of" "$if" "$bi" "${expect#noports:}"
		return
	fi
	if [[ $expect == gro:* ]]; then
		kp_gro "$what" "$k" "$of" "$if" "$ai" "$bi" "${expect#gro:}"
		return
	fi
	if [[ $expect == remcsum0:* ]]; then
		kp_remcsum0 "$what" "$k" "$of" "$if" "$ai" "$bi" "${expect#remcsum0:}"
		return
	fi
	if [[ $expect == offload:* ]]; then
		kp_offload "$what" "$k" "$of" "$if" "$ai" "$bi" "${expect#offload:}"
		return
	fi

	out=$(ping_ok "$H_NS" "$bi" 3); ok $? "$what: ping host $ai -> guest $bi, 3 of 3" || diag "$out"
	vm_run 20 "ping -n -c 3 -i 0.2 -W 2 -I $bi $ai"
	[[ $VOUT == *" 3 received"* ]]; ok $? "$what: ping guest $bi -> host $ai, 3 of 3" || diag "$(echo "$VOUT" | tail -3)"

	head -c "$KP_XFER_BYTES" /dev/urandom >"$TMPD/blob"
	if xfer_to_guest_start "$bi" "$ai" $((7000 + k)) "$TMPD/blob"; then
		out=$(xfer_to_guest_finish "$TMPD/blob"); st=$?
	else
		out="guest receiver did not start: $VOUT"; st=1
	fi
	ok "$st" "$what: TCP $KP_XFER_BYTES bytes host (fouloader) -> guest (kernel), sha256 intact" || diag "$out"
	out=$(xfer_from_guest "$ai" "$bi" $((7100 + k)) "$KP_XFER_BYTES")
	ok $? "$what: TCP $KP_XFER_BYTES bytes guest (kernel) -> host (fouloader), sha256 intact" || diag "$out"

	capture_stop "$CAPTURE_PID"
	kp_wire "$what" "$hook" "$k" "$dev" "$of" "$if" "$enc" "$lopts" "$topts"

	stats_load h1 "$H_NS"
	vm_run 30 "$(kernel_counters_script "$kd")"
	kv_load g1 "$VOUT"
	kp_counters "$what" "$k" "$of" "$enc" h0 h1 g0 g1
	kp_teardown "$k" "$of" "$if"
}

# kp_wire WHAT HOOK K DEV OF IF ENCAP LINKOPTS TUNNELOPTS: the captured
# framing. With XDP on tap0 the host's capture sees the kernel's packets only
# after fouloader decapsulated them: fouloader's side alone is checked there
# (the kernel's framing is the same as in the tc rows).
kp_wire() {
	local what=$1 hook=$2 k=$3 dev=$4 of=$5 if=$6 enc=$7 lopts=$8 topts=$9 lim=none line failed=0
	[[ $dev == ip6tnl || $dev == ip6gre ]] && [[ $lopts != *"encaplimit none"* ]] && lim=4
	while IFS= read -r line; do
		case $line in
		PASS*) pass "$what: wire: ${line#PASS }" ;;
		FAIL*) fail "$what: wire: ${line#FAIL }"; failed=1 ;;
		INFO*) diag "wire: ${line#INFO }" ;;
		"EXIT 0") ;;
		EXIT*) [ "$failed" = 1 ] || fail "$what: wire: kpeer_wire.py failed (${line#EXIT })" ;;
		*) [ -n "$line" ] && diag "$line" ;;
		esac
	done < <("$PY" "$FOU_LIBDIR/kpeer_wire.py" --pcap "$TMPD/kp$k.pcapng" --port "$(kp_port "$k")" \
		--encap "$enc" --ifam "$if" --kernel "$(outer_addr b "$of")" --fl "$(outer_addr a "$of")" \
		--kernel-csum "$(csum_class kernel "$of" "$lopts")" --fl-csum "$(csum_class fl "$of" "$topts")" \
		--kernel-sport "$(sport_of "$lopts")" --fl-sport "$(sport_of "$topts")" \
		--range "$(in_ns "$H_NS" sysctl -n net.ipv4.ip_local_port_range | tr -s '\t ' '-')" \
		--kernel-encaplimit "$lim" $([ "$hook" = xdp ] && echo --fl-only) \
		$(kp_gre "$dev" && echo "--gre=$(kp_gre_opts "$topts")") \
		$([[ " $lopts " == *" encap-remcsum "* ]] && echo --remcsum) 2>&1; echo "EXIT $?")
}

# kp_gre_opts TUNNELOPTS: fouloader's GRE options for kpeer_wire.py --gre
# (key=K,csum,seq; the rows give the kernel the same).
kp_gre_opts() {
	local o=() a
	[[ $1 =~ key\ ([0-9]+) ]] && o+=("key=${BASH_REMATCH[1]}")
	for a in csum seq; do [[ " $1 " == *" $a "* ]] && o+=("$a"); done
	(IFS=,; echo "${o[*]}")
}

# kp_counters WHAT K OF ENCAP H0 H1 G0 G1: fouloader's and the kernel's.
kp_counters() {
	local what=$1 k=$2 of=$3 enc=$4 hb=$5 ha=$6 gb=$7 ga=$8 d c
	expect_ge "$what: fouloader rx_decap_$enc" "$(sdelta "$hb" "$ha" "rx_decap_$enc")" 20
	expect_ge "$what: fouloader port $(kp_port "$k")/$of rx_packets" "$(sdelta "$hb" "$ha" "port:$(kp_port "$k")/$of:rx_packets")" 20
	expect_ge "$what: fouloader tx_encap_$enc" "$(sdelta "$hb" "$ha" "tx_encap_$enc")" 20
	expect_ge "$what: fouloader tunnel kp$k tx_packets" "$(sdelta "$hb" "$ha" "tun:kp$k:tx_packets")" 20
	d=$(sdelta_sum "$hb" "$ha" '*drop_*')
	expect_eq "$what: fouloader: no drop_*/tx_drop_* counter moved" "$d" 0 || diag_deltas fouloader "$hb" "$ha"
	expect_ge "$what: kernel kp$k rx_packets" "$(sdelta "$gb" "$ga" link:rx_packets)" 20
	expect_ge "$what: kernel kp$k tx_packets" "$(sdelta "$gb" "$ga" link:tx_packets)" 20
	d=0
	for c in link:rx_errors link:tx_errors link:rx_dropped link:tx_dropped link:tx_carrier_errors \
		Udp:InErrors Udp:InCsumErrors Udp:NoPorts Udp6InErrors Udp6InCsumErrors Udp6NoPorts; do
		d=$((d + $(sdelta0 "$gb" "$ga" "$c")))
	done
	expect_eq "$what: kernel: no error or drop on kp$k, no UDP InErrors/InCsumErrors/NoPorts" "$d" 0 ||
		diag_deltas kernel "$gb" "$ga"
}

# kp_noports WHAT K OF IF GUEST_ADDR REASON: a combination that cannot work:
# fouloader's packets do not reach the kernel's tunnel, and the kernel says
# so in its counters (Udp NoPorts). A SKIP with the reason, the count asserted.
kp_noports() {
	local what=$1 k=$2 of=$3 if=$4 bi=$5 reason=$6
	declare -A n0 n1
	vm_run 30 "$(kernel_counters_script "kp$k")"; kv_load n0 "$VOUT"
	in_ns "$H_NS" timeout 5 ping -n -c 3 -i 0.2 -W 1 "$bi" >/dev/null 2>&1
	vm_run 30 "$(kernel_counters_script "kp$k")"; kv_load n1 "$VOUT"
	capture_stop "$CAPTURE_PID"
	expect_ge "$what: the kernel counts fouloader's datagrams it has no socket for (Udp NoPorts)" \
		"$(( $(sdelta0 n0 n1 Udp:NoPorts) + $(sdelta0 n0 n1 Udp6NoPorts) ))" 3 ||
		diag_deltas kernel n0 n1
	skip "$what: traffic" "$reason"
	kp_teardown "$k" "$of" "$if"
}

# kp_offload WHAT K OF IF HOST_ADDR GUEST_ADDR REASON: XDP on tap0 while the
# guest offloads its checksums: the guest's pings are dropped and counted
# (drop_udp_csum). A SKIP with the reason, the count asserted.
kp_offload() {
	local what=$1 k=$2 of=$3 if=$4 ai=$5 bi=$6 reason=$7
	declare -A o0 o1
	stats_load o0 "$H_NS"
	vm_run 20 "ping -n -c 3 -i 0.2 -W 1 -I $bi $ai"
	stats_load o1 "$H_NS"
	capture_stop "$CAPTURE_PID"
	expect_ge "$what: fouloader counts the guest's unfinished checksums, drop_udp_csum" "$(sdelta o0 o1 drop_udp_csum)" 3 ||
		diag_deltas fouloader o0 o1
	skip "$what: traffic" "$reason"
	kp_teardown "$k" "$of" "$if"
}

# kp_gro WHAT K OF IF HOST_ADDR GUEST_ADDR REASON: GRE in FOU/GUE to a
# guest with GRO on: fouloader's TCP does not get through whole, the kernel
# counts Udp InErrors. A SKIP with the reason, the count asserted.
kp_gro() {
	local what=$1 k=$2 of=$3 if=$4 ai=$5 bi=$6 reason=$7 out XFER_SECS=6
	declare -A r0 r1
	vm_run 30 "$(kernel_counters_script "kp$k")"; kv_load r0 "$VOUT"
	head -c "$KP_XFER_BYTES" /dev/urandom >"$TMPD/blob"
	if xfer_to_guest_start "$bi" "$ai" $((7000 + k)) "$TMPD/blob"; then
		out=$(xfer_to_guest_finish "$TMPD/blob") && diag "the transfer got through this time"
	fi
	vm_run 30 "$(kernel_counters_script "kp$k")"; kv_load r1 "$VOUT"
	capture_stop "$CAPTURE_PID"
	expect_ge "$what: the kernel (GRO on) drops fouloader's TCP over GRE in UDP (Udp InErrors)" \
		"$(sdelta0 r0 r1 Udp:InErrors)" 1 || diag_deltas kernel r0 r1
	skip "$what: TCP host (fouloader) -> guest (kernel) with the guest's GRO on" "$reason"
	kp_teardown "$k" "$of" "$if"
}

# kp_remcsum0 WHAT K OF IF HOST_ADDR GUEST_ADDR REASON: the kernel's UDP
# datagrams with remote checksum offload and a zero outer checksum: fouloader
# drops and counts them. A SKIP with the reason, the count asserted.
kp_remcsum0() {
	local what=$1 k=$2 of=$3 if=$4 ai=$5 bi=$6 reason=$7
	declare -A z0 z1
	stats_load z0 "$H_NS"
	vm_run 20 "python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((\"$bi\", 0))
for i in range(5): s.sendto(b\"x\" * 100, (\"$ai\", 9))'"
	stats_load z1 "$H_NS"
	capture_stop "$CAPTURE_PID"
	expect_ge "$what: fouloader drops the kernel's 5 datagrams, drop_gue_remcsum_csum" "$(sdelta z0 z1 drop_gue_remcsum_csum)" 5 ||
		{ diag "$VOUT"; diag_deltas fouloader z0 z1; }
	skip "$what: traffic" "$reason"
	kp_teardown "$k" "$of" "$if"
}

# host_gso on|off [WHY]: the host's tap lets TCP build GSO packets or not.
# fouloader's GRE csum/seq tunnels take no GSO packet, and TCP builds them
# whatever the device's tso/gso (segmenting after TC egress): one segment
# per skb (gso_max_segs 1) is what keeps them out of TC egress.
H_GSO=on
host_gso() {
	local out segs=65535
	[ "$H_GSO" = "$1" ] && return 0
	[ "$1" = off ] && segs=1
	out=$(ip -n "$H_NS" link set "$H_IF" gso_max_segs $segs 2>&1)
	ok $? "host: ip link set $H_IF gso_max_segs $segs${2:+ ($2)}" || diag "$out"
	H_GSO=$1
}

# guest_offload FEATURE on|off [WHY]: ethtool -K on the guest's eth0 (tx:
# checksum offload, gro), once per change; ethtool -k shows the outcome.
declare -A G_OFFLOAD=([tx]=on [gro]=on)
guest_offload() {
	[ "${G_OFFLOAD[$1]}" = "$2" ] && return 0
	vm_run 30 "ethtool -K $G_IF $1 $2 >/dev/null && ethtool -k $G_IF | grep -E '^(tx-checksumming|generic-receive-offload)'"
	ok "$VRC" "guest: ethtool -K $G_IF $1 $2${3:+ ($3)}" || diag "$VOUT"
	G_OFFLOAD[$1]=$2
}

# sdelta0 BEFORE AFTER KEY: sdelta, with a key absent on both sides as 0.
sdelta0() { local v; v=$(sdelta "$@"); echo "${v/\?/0}"; }

# kp_teardown K OF IF: both sides' configuration of the row removed.
kp_teardown() {
	local k=$1 of=$2 if=$3
	host_teardown "$k" "$of" "$if"
	vm_run 30 "ip link del kp$k; ip fou del port $(kp_port "$k") $([ "$of" = 6 ] && echo -6)
ip addr flush dev lo scope global 2>/dev/null; true" >/dev/null
}

# kp_hook HOOK: fouloader on tap0 receiving on that hook.
kp_hook() {
	local hook=$1 args out
	fl "$H_NS" detach "$H_IF" >/dev/null 2>&1
	case $hook in
	tc) args="--rx tc" ;;
	xdp)
		args="--rx xdp --xdp-mode native"
		;;
	esac
	# shellcheck disable=SC2086
	out=$(fl "$H_NS" attach "$H_IF" $args 2>&1)
	ok $? "host: fouloader attach $H_IF $args (host kernel $(uname -r))" || { diag "$out"; return 1; }
}

vm_kpeer_suite() {
	local series=$1 only4=$2 row hook='' k h of t0 d t
	require_vm
	require_cmd tshark ethtool
	if ! vm_boot "$series" agent "k${series//./}"; then
		fail "boot Debian's $series kernel in a guest"
		done_testing
	fi
	pass "boot Debian's $series kernel ($VM_RELEASE) in a guest: agent ready after ${VM_BOOT_TIME}s"
	check "guest network (eth0 virtio_net $B4 $B6)" vm_run 30 "$(guest_base_net_script)"
	# fou6 is not loaded on demand: without it ip6tnl's "encap fou|gue" is EINVAL
	vm_run 60 "set -e; for m in fou fou6 ipip sit ip6_tunnel gre ip_gre ip6_gre; do modprobe \$m; done; lsmod | awk '{print \$1}' | grep -E '^(fou|fou6|ipip|sit|ip6_tunnel|gre|ip_gre|ip6_gre)\$' | sort | tr '\n' ' '"
	ok "$VRC" "guest $VM_RELEASE: modprobe fou fou6 ipip sit ip6_tunnel gre ip_gre ip6_gre" || { diag "$VOUT"; done_testing; }
	diag "guest modules: $VOUT"
	for row in "${KP_CASES[@]}"; do
		IFS='|' read -r k h _ _ of _ <<<"$row"
		[ -n "$only4" ] && [ "$of" = 6 ] && continue
		# FOU_KP_ROWS="1 11": only those rows (while developing a row)
		[ -n "${FOU_KP_ROWS:-}" ] && [[ " $FOU_KP_ROWS " != *" $k "* ]] && continue
		if [ "$h" != "$hook" ]; then
			hook=$h
			kp_hook "$hook" || { fail "$VM_RELEASE $hook: rows not run (attach failed)"; continue; }
		fi
		# A frame from the guest whose checksum virtio-net leaves to offload
		# (VIRTIO_NET_HDR_F_NEEDS_CSUM) reaches tun's XDP with the
		# pseudo-header sum only, which XDP cannot tell from a bad one: for
		# XDP the guest computes its checksums itself, as a wire's are
		# (but for the row that shows what happens otherwise).
		if [ "$h" = xdp ] && [[ $row != *"|offload:"* ]]; then
			guest_offload tx off "complete checksums on the wire for XDP"
		else
			guest_offload tx on
		fi
		# 6.1's GRO drops most datagrams for a fou socket bound with
		# "local" (Udp InErrors; TCP crawls on retransmissions); 6.12 does
		# not, and 6.1 does not with GRO off on the receiving device
		if [[ $VM_RELEASE == 6.1.* && $row == *"|local "* ]]; then
			guest_offload gro off "kernel $VM_RELEASE drops GRO'd datagrams of a fou socket bound with local"
		elif [[ $row == *"|tc|gre|"* || $row == *"|tc|ip6gre|"* ]] && [[ $row != *"|gro:"* ]]; then
			guest_offload gro off "the kernel's GRO drops TCP over GRE in FOU/GUE (Udp InErrors)"
		else
			guest_offload gro on
		fi
		IFS='|' read -r _ _ d _ _ _ _ _ _ t _ <<<"$row"
		if kp_gre "$d" && [[ " $t " =~ \ (csum|seq)\  ]]; then
			host_gso off "fouloader's GRE csum/seq tunnels take no GSO packet"
		else
			host_gso on
		fi
		t0=$SECONDS
		kp_case "$row"
		diag "row $k: $((SECONDS - t0)) s"
	done
	vm_stop
	done_testing
}
