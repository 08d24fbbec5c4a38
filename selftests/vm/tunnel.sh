# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# shellcheck shell=bash
#
# Body of the guest tier's tunnel tests (test_tunnel_6.1.t, test_tunnel_6.12.t):
# vm_tunnel_suite SERIES boots Debian's kernel SERIES in a guest (lib/vm.sh)
# and runs fouloader INSIDE the guest, on its virtio_net eth0, against a
# fouloader on tap0 in a host test namespace (host kernel, --rx tc). For each
# receive hook of the guest, one after the other on the same boot:
#
#   native  --rx xdp --xdp-mode native (virtio_net's own XDP)
#   skb     --rx xdp --xdp-mode skb    (generic XDP)
#   tc      --rx tc
#
# it attaches, checks the hook is the one asked for, and for every case below
# pings both ways, moves a file both ways over TCP (sha256 compared), and
# asserts the counters of both ends (stats --json). Then a paced transfer
# across a re-attach, then detach: nothing of fouloader left on eth0 (XDP,
# filters, clsact, programs) and no inner packet crosses any more.
#
#   k  tunnel   encap outer inner port
#   1  fou4in4  FOU   IPv4  IPv4  5555 (ipproto 4)
#   2  fou6in6  FOU   IPv6  IPv6  5556 (ipproto 41, zero UDP checksum)
#   3  gue6in4  GUE   IPv4  IPv6  6080 (GUE checksum on)
#   4  gue4in6  GUE   IPv6  IPv4  6080 (zero UDP checksum)
#
# A hook the guest's kernel or driver cannot offer is a SKIP naming the
# feature and the kernel; fouloader failing where it should work is a FAIL.
# Two known limits are checked for their counted outcome instead: TC before
# 6.3 cannot decapsulate a GSO skb across families (no
# BPF_F_ADJ_ROOM_DECAP_L3: SKIP of that transfer, drop_adjust asserted), and skb-mode XDP cannot verify a GUE checksum over
# an inner checksum left to offload (TODO, drop_udp_csum asserted).

. "$(dirname "${BASH_SOURCE[0]}")/lib/vm.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib/guest.sh"

# k|tunnel|encap|outer family|inner family|dport|tunnel options|port add arguments
VM_CASES=(
	"1|fou4in4|fou|4|4|5555|ipproto 4|5555 ipproto 4"
	"2|fou6in6|fou|6|6|5556|ipproto 41 noencap-udp6-csum|5556 ipproto 41 -6 zero-csum6"
	"3|gue6in4|gue|4|6|6080|encap-csum|6080 gue"
	"4|gue4in6|gue|6|4|6080|noencap-udp6-csum|6080 gue -6 zero-csum6"
)
XFER_BYTES=${FOU_VM_XFER_BYTES:-1048576}
# paced streams across a re-attach / a unit restart: long enough to outlast
# them on a slow, shared machine (a restart loads every program: ~6 s here)
REATTACH_BYTES=$((8 * 1048576)) RESTART_BYTES=$((16 * 1048576)) REATTACH_RATE=1048576
XFER_SECS=25 # per transfer, at most (1 MiB takes ~1 s here)

# config_lines ME PEER DEV: this end's configuration, one command a line,
# "FL ..." for fouloader and "IP ..." for ip; the host runs them in H_NS, the
# guest as they are.
config_lines() {
	local me=$1 peer=$2 dev=$3 e k t enc of if dp topts pargs
	for e in "${VM_CASES[@]}"; do
		IFS='|' read -r k t enc of if dp topts pargs <<<"$e"
		echo "FL port add $pargs peer $(outer_addr "$peer" "$of")"
		echo "FL tunnel add $t local $(outer_addr "$me" "$of") remote $(outer_addr "$peer" "$of") encap $enc encap-dport $dp $topts"
		echo "FL route add $(inner_prefix "$peer" "$if" "$k") tunnel $t"
		echo "IP -$if route replace $(inner_prefix "$peer" "$if" "$k") via $([ "$if" = 4 ] && echo "$NH4" || echo "$NH6") dev $dev" \
			"src $(inner_addr "$me" "$if" "$k") mtu $((1500 - $(overhead "$enc" "$of")))"
	done
}

# The guest's addresses and neighbours (lib/guest.sh), and its lo.
guest_net_script() {
	local k
	guest_base_net_script
	for ((k = 1; k <= ${#VM_CASES[@]}; k++)); do
		echo "ip addr add $(inner_addr b 4 $k)/32 dev lo"
		echo "ip addr add $(inner_addr b 6 $k)/128 dev lo nodad"
	done
}

host_net() {
	local k
	for ((k = 1; k <= ${#VM_CASES[@]}; k++)); do
		ip -n "$H_NS" addr add "$(inner_addr a 4 $k)/32" dev lo
		ip -n "$H_NS" addr add "$(inner_addr a 6 $k)/128" dev lo nodad
	done
}

# host_config: the host's lines of config_lines, in H_NS; prints failures.
host_config() {
	local w rest bad=0
	while read -r w rest; do
		# shellcheck disable=SC2086
		case $w in
		FL) fl "$H_NS" $rest >/dev/null || { echo "host: fouloader $rest failed"; bad=1; } ;;
		IP) ip -n "$H_NS" $rest || { echo "host: ip $rest failed"; bad=1; } ;;
		esac
	done < <(config_lines a b "$H_IF")
	return "$bad"
}

guest_config_script() {
	echo 'FL() { $FL "$@" >/dev/null || { echo "guest: fouloader $* failed"; bad=1; }; }'
	echo 'IP() { ip "$@" || { echo "guest: ip $* failed"; bad=1; }; }'
	echo 'bad=0'
	config_lines b a "$G_IF"
	echo 'exit $bad'
}

# g_stats ARRAY: the guest's stats --json into ARRAY (hosts.sh format).
g_stats() { vm_stats "$1"; }

# hook_attach_args HOOK
hook_attach_args() {
	case $1 in
	native) echo "--rx xdp --xdp-mode native" ;;
	skb) echo "--rx xdp --xdp-mode skb" ;;
	tc) echo "--rx tc" ;;
	esac
}

# guest_hook_is HOOK: the guest's eth0 shows fouloader on that hook.
guest_hook_script() {
	case $1 in
	native) echo "ip -d link show dev $G_IF | grep -q 'prog/xdp ' && ! ip -d link show dev $G_IF | grep -q 'prog/xdpgeneric'" ;;
	skb) echo "ip -d link show dev $G_IF | grep -q 'prog/xdpgeneric'" ;;
	tc) echo "tc filter show dev $G_IF ingress | grep -q ' bpf ' && ! ip -d link show dev $G_IF | grep -q 'prog/xdp'" ;;
	esac
	echo "tc filter show dev $G_IF egress | grep -q ' bpf '"
}

# case_traffic HOOK K ...: ping both ways, TCP both ways, counters.
case_traffic() {
	local hook=$1 k=$2 t=$3 enc=$4 of=$5 if=$6 dp=$7 topts=$8
	local what="$VM_RELEASE $hook: case $k $t (${enc^^} inner IPv$if over IPv$of)"
	local ai bi out d
	ai=$(inner_addr a "$if" "$k") bi=$(inner_addr b "$if" "$k")
	local st gso_skip=
	declare -A h0 h1 g0 g1 gx
	stats_load h0 "$H_NS"; g_stats g0

	out=$(ping_ok "$H_NS" "$bi" 3); ok $? "$what: ping host $ai -> guest $bi, 3 of 3 replies" || diag "$out"
	vm_run 20 "ping -n -c 3 -i 0.2 -W 2 -I $bi $ai"
	[[ $VOUT == *" 3 received"* ]]; ok $? "$what: ping guest $bi -> host $ai, 3 of 3 replies" || diag "$(echo "$VOUT" | tail -3)"

	head -c "$XFER_BYTES" /dev/urandom >"$TMPD/blob"
	if [ "$hook" = skb ] && [[ $topts == *encap-csum* ]]; then
		csum_partial_case "$what" "$bi" "$ai" $((7000 + k))
		return
	fi
	if xfer_to_guest_start "$bi" "$ai" $((7000 + k)) "$TMPD/blob"; then
		out=$(xfer_to_guest_finish "$TMPD/blob"); st=$?
	else
		out="guest receiver did not start: $VOUT"; st=1
	fi
	if [ "$st" != 0 ] && [ "$hook" = tc ] && [ "$of" != "$if" ] && [[ $G_PROBE == *'"adj_room_decap_l3":false'* ]]; then
		# Before 6.3 TC has no BPF_F_ADJ_ROOM_DECAP_L3_*: fouloader changes
		# the inner family with bpf_skb_change_proto, which a GSO skb cannot
		# take (virtio_net hands TC the host's TSO segments as GSO): dropped
		# and counted. A SKIP naming the feature, the counted drop asserted.
		gso_skip=1
		g_stats gx
		skip "$what: TCP host -> guest" \
			"kernel $VM_RELEASE: no BPF_F_ADJ_ROOM_DECAP_L3 (6.3+): --rx tc drops GSO skbs of inner IPv$if in outer IPv$of"
		expect_ge "$what: the GSO skbs TC cannot decapsulate are dropped and counted, guest drop_adjust" \
			"$(sdelta g0 gx drop_adjust)" 1 || { diag "$out"; diag_deltas guest g0 gx; }
	else
		ok "$st" "$what: TCP $XFER_BYTES bytes host -> guest, sha256 intact" || diag "$out"
	fi
	out=$(xfer_from_guest "$ai" "$bi" $((7100 + k)) "$XFER_BYTES"); ok $? "$what: TCP $XFER_BYTES bytes guest -> host, sha256 intact" || diag "$out"

	stats_load h1 "$H_NS"; g_stats g1
	expect_ge "$what: guest tx_encap_$enc" "$(sdelta g0 g1 "tx_encap_$enc")" 20
	expect_ge "$what: guest tunnel $t tx_packets" "$(sdelta g0 g1 "tun:$t:tx_packets")" 20
	expect_ge "$what: guest rx_decap_$enc" "$(sdelta g0 g1 "rx_decap_$enc")" 20
	expect_ge "$what: guest port $dp/$of rx_packets" "$(sdelta g0 g1 "port:$dp/$of:rx_packets")" 20
	expect_ge "$what: host rx_decap_$enc" "$(sdelta h0 h1 "rx_decap_$enc")" 20
	expect_ge "$what: host tx_encap_$enc" "$(sdelta h0 h1 "tx_encap_$enc")" 20
	# receive drops are drop_*, transmit drops tx_drop_*
	d=$(( $(sdelta_sum g0 g1 '*drop_*') + $(sdelta_sum h0 h1 '*drop_*') ))
	[ -n "$gso_skip" ] && d=$((d - $(sdelta g0 g1 drop_adjust)))
	expect_eq "$what: no drop_*/tx_drop_* counter moved on guest or host" "$d" 0 ||
		{ diag_deltas guest g0 g1; diag_deltas host h0 h1; }
}

# csum_partial_case WHAT GUEST_ADDR HOST_ADDR PORT: a known limit, not a pass.
# The host's TCP hands tap0 packets whose inner checksum is left to the NIC
# (CHECKSUM_PARTIAL); virtio-net carries them so (VIRTIO_NET_HDR_F_NEEDS_CSUM)
# and the guest kernel trusts them. Native XDP makes virtio_net turn those
# guest offloads off, so the host completes the checksum first; generic (skb)
# XDP does not, and the bytes fouloader's XDP program sees fail the outer GUE
# UDP checksum, which covers the inner packet. An XDP program cannot see
# ip_summed: the packets are dropped and counted (drop_udp_csum). The drop
# being counted is asserted; the transfer is a TODO (it fails today).
csum_partial_case() {
	local what=$1 bi=$2 ai=$3 port=$4 out st
	declare -A c0 c1
	g_stats c0
	if XFER_SECS=6 xfer_to_guest_start "$bi" "$ai" "$port" "$TMPD/blob"; then
		out=$(xfer_to_guest_finish "$TMPD/blob"); st=$?
	else
		out="guest receiver did not start"; st=1
	fi
	todo_ok "$st" "$what: TCP host -> guest, sha256 intact" \
		"skb XDP behind virtio-net: the host leaves inner checksums to offload; outer GUE checksum fails (drop_udp_csum)"
	g_stats c1
	expect_ge "$what: the packets skb XDP cannot verify are counted, guest drop_udp_csum" "$(sdelta c0 c1 drop_udp_csum)" 1 ||
		diag_deltas guest c0 c1
}

# reattach_under_traffic HOOK: a paced TCP stream host -> guest (case 1) while
# the guest attaches again (atomic replace); the stream must arrive intact.
reattach_under_traffic() {
	local hook=$1 what="$VM_RELEASE $hook: re-attach under traffic"
	local ai bi
	ai=$(inner_addr a 4 1) bi=$(inner_addr b 4 1)
	head -c "$REATTACH_BYTES" /dev/urandom >"$TMPD/blob"
	if ! xfer_to_guest_start "$bi" "$ai" 7200 "$TMPD/blob" "$REATTACH_RATE"; then
		fail "$what: guest receiver did not start"; diag "$VOUT"; return
	fi
	# attach again once bytes flow, then see that the sender still runs
	vm_run 60 "for i in \$(seq 100); do [ -s /run/x.rx ] && break; sleep 0.1; done
[ -s /run/x.rx ] || { echo 'no bytes arrived before the re-attach'; exit 1; }
\$FL attach $G_IF $(hook_attach_args "$hook")"
	ok "$VRC" "$what: fouloader attach $G_IF $(hook_attach_args "$hook") again, mid-stream" || diag "$VOUT"
	kill -0 "$XFER_PID" 2>/dev/null
	ok $? "$what: the stream was still running when the re-attach returned"
	out=$(xfer_to_guest_finish "$TMPD/blob"); ok $? "$what: $REATTACH_BYTES bytes at $REATTACH_RATE B/s arrived intact across it" || diag "$out"
	vm_check "$what: still on the $hook hook afterwards" 20 "$(guest_hook_script "$hook")"
}

# nothing_left_script: no XDP, filters, clsact or fouloader program on eth0.
nothing_left_script() {
	cat <<EOF
ip -d link show dev $G_IF | grep -q 'prog/xdp' && { echo 'XDP still attached'; exit 1; }
f=\$(tc filter show dev $G_IF ingress; tc filter show dev $G_IF egress)
[ -z "\$f" ] || { echo "filters left: \$f"; exit 1; }
tc qdisc show dev $G_IF | grep -q clsact && { echo 'clsact left'; exit 1; }
p=\$(bpftool prog show | grep -E 'name (fou|xdp_dispatcher)')
[ -z "\$p" ] || { echo "programs left: \$p"; exit 1; }
EOF
}

# detach_clean HOOK
detach_clean() {
	local hook=$1 what="$VM_RELEASE $hook: detach"
	vm_check "$what: fouloader detach $G_IF" 30 "\$FL detach $G_IF"
	vm_check "$what: nothing left: no XDP, no filter, no clsact, no fouloader program" 30 "$(nothing_left_script)
echo \"pins kept (configuration): \$(ls /sys/fs/bpf/fouvm | tr '\\n' ' ')\""
	diag "$VOUT"
	in_ns "$H_NS" timeout 5 ping -n -c 2 -i 0.2 -W 1 "$(inner_addr b 4 1)" >/dev/null 2>&1
	ok $((! $?)) "$what: after detach, inner traffic no longer crosses"
}

# run_hook HOOK: attach, the cases, re-attach under traffic, detach.
CONFIGURED=
run_hook() {
	local hook=$1 e k t enc of if dp topts rest
	vm_run 60 "\$FL attach $G_IF $(hook_attach_args "$hook")"
	if ! ok "$VRC" "$VM_RELEASE $hook: guest fouloader attach $G_IF $(hook_attach_args "$hook")"; then
		diag "$VOUT"
		vm_run 60 "\$FL -v attach $G_IF $(hook_attach_args "$hook") 2>&1 | grep -v '^libbpf: *$' | tail -15"
		diag "with -v: $VOUT"
		fail "$VM_RELEASE $hook: traffic cases not run (attach failed)"
		return
	fi
	vm_check "$VM_RELEASE $hook: eth0 shows fouloader on the $hook hook and at TC egress" 20 "$(guest_hook_script "$hook")"
	if [ -z "$CONFIGURED" ]; then
		vm_check "$VM_RELEASE: guest: ${#VM_CASES[@]} ports, tunnels, routes configured" 120 "$(guest_config_script)" || return
		CONFIGURED=1
	fi
	for e in "${VM_CASES[@]}"; do
		IFS='|' read -r k t enc of if dp topts rest <<<"$e"
		case_traffic "$hook" "$k" "$t" "$enc" "$of" "$if" "$dp" "$topts"
	done
	reattach_under_traffic "$hook"
	detach_clean "$hook"
}

vm_tunnel_suite() {
	local series=$1 hook out
	require_vm
	require_cmd sha256sum
	if ! vm_boot "$series" agent "t${series//./}"; then
		fail "boot Debian's $series kernel in a guest"
		done_testing
	fi
	pass "boot Debian's $series kernel ($VM_RELEASE) in a guest: agent ready after ${VM_BOOT_TIME}s"
	check "guest network (eth0 virtio_net $B4 $B6, inner addresses)" vm_run 30 "$(guest_net_script)"
	host_net
	check "host: fouloader attach $H_IF --rx tc (host kernel $(uname -r))" fl "$H_NS" attach "$H_IF" --rx tc ||
		bail "the host side cannot attach"
	out=$(host_config 2>&1); ok $? "host: ${#VM_CASES[@]} ports, tunnels, routes configured" || diag "$out"
	vm_run 30 "\$FL probe $G_IF"
	diag "guest probe: $VOUT"
	vm_run 30 "\$FL probe $G_IF --json"
	G_PROBE=$VOUT
	# Every program as attach would load it, with the verifier's own figures
	# for this kernel (it exits non-zero if one does not load).
	vm_run 900 "\$FL verifier stats"
	ok $? "guest $VM_RELEASE: fouloader verifier stats: every program this kernel offers loads"
	diag "$VOUT"

	for hook in ${FOU_VM_HOOKS:-native skb tc}; do
		if [ "$hook" = native ]; then
			# before 6.3 no kernel reports xdp_features: then attach decides
			if [[ $G_PROBE == *'"xdp_features_known":true'* && $G_PROBE == *'"xdp_native":false'* ]]; then
				skip "$VM_RELEASE native: the whole native XDP hook" "kernel $VM_RELEASE: virtio_net offers no native XDP (probe: xdp_native false)"
				continue
			fi
		fi
		run_hook "$hook"
	done
	vm_stop
	done_testing
}
