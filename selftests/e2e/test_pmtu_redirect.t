#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# ICMP Redirect sent by a real router's kernel, matched to a tunnel by A's
# fouloader (issue 5), with each receive hook in turn. Runs only inside
# namespaces it creates:
#
#        A a0 --+                       +-- r0 R (router, ip_forward)
#   10.205.1.1  |   L: bridge br0       |   10.205.1.2
#               +-----------------------+
#                                       +-- s0 R2 s1 ---- b0 B
#                                           10.205.1.3  10.205.2.3  10.205.2.1
#
# A's route to B's network goes via R; R's goes via R2 on the same segment,
# so R's kernel forwards A's tunnel packets back out of r0 and sends A an
# ICMP Redirect (host) naming R2. By default fouloader only counts it
# (fou_tun_icmp redirect, redirect_ignored) and consumes it, so A's kernel
# routes stay as they were; with "icmp set redirects accept" it is applied
# where the FIB can confirm the gateway, i.e. with forwarding on for a0
# (bpf_fib_lookup answers FWD_DISABLED otherwise: then it is still ignored),
# (redirect_applied, fou_tun_path redirect_gw) and the tunnel's packets go
# to R2 directly (R forwards none of them, R2's s0 receives all). Forged
# Redirects (not from the gateway in use, or naming an off-link gateway) are
# ignored even then. B has a FOU tunnel back to A (via R2, directly).
cd "$(dirname "$0")/../.." || exit 1
. selftests/e2e/pmtu.sh

require_root
require_cmd ip nsenter timeout bpftool tshark awk
require_fouloader
require_tunnel_cmd
require_scapy
"$FOULOADER" icmp --help >/dev/null 2>&1 || skip_all "$FOULOADER has no 'icmp' command yet"
make_tmpd redirect

RA=10.205.1.1 RR=10.205.1.2 RR2=10.205.1.3 RR2b=10.205.2.3 RB=10.205.2.1

# redirect_topology TAG: namespaces L (the bridge) A R R2 B; sets PA_NS PR_NS
# (for pmtu.sh's forge: R sends the forged errors out of r0) R2_NS PB_NS.
redirect_topology() {
	local tag=$1 ns p
	L_NS=fou-$tag-$$-l PA_NS=fou-$tag-$$-a PR_NS=fou-$tag-$$-r R2_NS=fou-$tag-$$-r2 PB_NS=fou-$tag-$$-b
	for ns in "$L_NS" "$PA_NS" "$PR_NS" "$R2_NS" "$PB_NS"; do host_ns "$ns" || return 1; done
	ip -n "$L_NS" link add br0 type bridge || return 1
	ip -n "$L_NS" link set br0 up
	for p in "la:$PA_NS:a0" "lr:$PR_NS:r0" "l2:$R2_NS:s0"; do
		IFS=: read -r l ns dev <<<"$p"
		ip -n "$L_NS" link add "$l" type veth peer name "$dev" netns "$ns" || return 1
		ip -n "$L_NS" link set "$l" master br0 up || return 1
	done
	ip -n "$R2_NS" link add s1 type veth peer name b0 netns "$PB_NS" || return 1
	ip -n "$PA_NS" addr add $RA/24 dev a0; ip -n "$PA_NS" link set a0 up
	ip -n "$PR_NS" addr add $RR/24 dev r0; ip -n "$PR_NS" link set r0 up
	ip -n "$R2_NS" addr add $RR2/24 dev s0; ip -n "$R2_NS" link set s0 up
	ip -n "$R2_NS" addr add $RR2b/24 dev s1; ip -n "$R2_NS" link set s1 up
	ip -n "$PB_NS" addr add $RB/24 dev b0; ip -n "$PB_NS" link set b0 up
	ip -n "$PA_NS" addr add 10.21.1.1/32 dev lo
	ip -n "$PB_NS" addr add 10.22.1.1/32 dev lo
	in_ns "$PR_NS" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=1 net.ipv4.conf.r0.send_redirects=1 || return 1
	in_ns "$R2_NS" sysctl -qw net.ipv4.ip_forward=1 || return 1
	ip -n "$PA_NS" route add 10.205.2.0/24 via $RR
	ip -n "$PR_NS" route add 10.205.2.0/24 via $RR2
	ip -n "$PB_NS" route add default via $RR2b
	# black holes for the inner routes (see hosts.sh)
	ip -n "$PA_NS" neigh replace 10.205.1.254 lladdr "$NH_MAC" dev a0 nud permanent
	ip -n "$PB_NS" neigh replace 10.205.2.254 lladdr "$NH_MAC" dev b0 nud permanent
	PA_MAC=$(ip -n "$PA_NS" -br link show dev a0 | awk '{print $3}')
	R_MAC=$(ip -n "$PR_NS" -br link show dev r0 | awk '{print $3}')
	R2_MAC=$(ip -n "$R2_NS" -br link show dev s0 | awk '{print $3}')
}

# rx_packets NS DEV: the device's received packet count.
rx_packets() { in_ns "$1" cat /proc/net/dev | awk -v d="$2:" '$1 == d { print $3 }'; }

# forwarded NS: IPv4 datagrams the namespace's kernel has forwarded. Unlike
# a device's frame count it ignores the broadcasts and multicasts (ARP,
# IPv6 neighbour discovery) that the bridge floods to every port.
forwarded() { in_ns "$1" awk '$1 == "Ip:" && $2 ~ /^[0-9]+$/ { print $7 }' /proc/net/snmp; }

# inner_pings N INTERVAL: N inner pings A -> B through the tunnel; how many replies.
inner_pings() {
	in_ns "$PA_NS" timeout 20 ping -n -c "$1" -i "$2" -W 1 -I 10.21.1.1 10.22.1.1 2>/dev/null |
		sed -n 's/.* \([0-9]*\) received.*/\1/p'
}

# await_redirect: inner pings, spaced out (R's kernel backs off its Redirects
# to one host, 9 at most before 20 s of silence), until A's t4 has matched
# one more Redirect (at most 8 tries). Leaves the state in the array P.
await_redirect() {
	local -n _ar=$1
	local i n0
	pstate_load _ar "$PA_NS"
	n0=${_ar[t4:redirects]}
	for ((i = 0; i < 8; i++)); do
		inner_pings 1 0.2 >/dev/null
		pstate_load _ar "$PA_NS"
		[ "${_ar[t4:redirects]}" -gt "$n0" ] && return 0
		sleep 0.3
	done
	return 1
}

# redirect_applied_case HOOK LABEL: with redirects accept, R's next Redirect
# is applied and the tunnel's packets then go to R2 directly. Returns 1 when
# it was not applied.
redirect_applied_case() {
	local hook=$1 what="$1, $2" n r0 r1 q0 q1
	declare -A s0 s1 p1
	stats_load s0 "$PA_NS"
	await_redirect p1
	ok $? "$what: R's kernel sent another Redirect, matched to t4"
	stats_load s1 "$PA_NS"
	expect_eq "$what: A applied R's Redirect: t4 next hop R2, from R (fou_tun_path)" \
		"${p1[t4:redirect_gw]}/${p1[t4:redirect_from]}" "$RR2/$RR" || { diag_deltas A s0 s1; return 1; }
	expect_ge "$what: A: redirect_applied" "$(sdelta s0 s1 redirect_applied)" 1
	r0=$(forwarded "$PR_NS") q0=$(rx_packets "$R2_NS" s0)
	n=$(inner_pings 20 0.02)
	r1=$(forwarded "$PR_NS") q1=$(rx_packets "$R2_NS" s0)
	expect_eq "$what: 20 inner pings A -> B after it" "$n" 20
	expect_ge "$what: R2's s0 received them directly" $((q1 - q0)) 20
	[ $((r1 - r0)) -le 2 ]
	ok $? "$what: R forwarded none of them (+$((r1 - r0)) datagrams, at most 2 strays allowed)"
}

redirect_round() {
	local hook=$1 args=(attach a0 --rx "$1") cap out n
	declare -A s0 s1 p1
	redirect_topology "rd$hook" || bail "could not build the namespace topology"
	diag "hook $hook: A $PA_NS ($PA_MAC), R $PR_NS ($R_MAC), R2 $R2_NS ($R2_MAC), B $PB_NS, bridge $L_NS"
	[ "$hook" = xdp ] && args+=(--xdp-mode native)
	check "$hook: A: fouloader ${args[*]}" fl "$PA_NS" "${args[@]}" || bail "attach failed"
	check "$hook: B: fouloader attach b0 --rx tc" fl "$PB_NS" attach b0 --rx tc || bail "attach failed"
	out=$( { fl "$PA_NS" port add 5555 ipproto 4 peer $RB &&
		fl "$PA_NS" tunnel add t4 local $RA remote $RB encap fou ipproto 4 encap-dport 5555 &&
		fl "$PA_NS" route add 10.22.1.0/24 tunnel t4 &&
		fl "$PB_NS" port add 5555 ipproto 4 peer $RA &&
		fl "$PB_NS" tunnel add t4 local $RB remote $RA encap fou ipproto 4 encap-dport 5555 &&
		fl "$PB_NS" route add 10.21.1.0/24 tunnel t4; } 2>&1)
	ok $? "$hook: FOU tunnel t4 A <-> B configured" || diag "$out"
	inner_route "$PA_NS" a0 10.22.1.0/24 10.21.1.1 1472 10.205.1.254
	inner_route "$PB_NS" b0 10.21.1.0/24 10.22.1.1 1472 10.205.2.254
	# A's (and R's) neighbours first: the timed part below has no ARP in it
	in_ns "$PA_NS" ping -n -c 1 -W 2 $RR >/dev/null 2>&1
	in_ns "$PA_NS" ping -n -c 1 -W 2 $RR2 >/dev/null 2>&1
	in_ns "$PR_NS" ping -n -c 1 -W 2 $RR2 >/dev/null 2>&1

	# ---- redirects ignore (the default): matched, counted, consumed
	cap=$TMPD/r-$hook.pcapng
	capture_start "$PR_NS" r0 "$cap" 20 "icmp" || diag_file "$cap.err"
	local cpid=$CAPTURE_PID
	stats_load s0 "$PA_NS"
	n=$(inner_pings 2 0.2)
	expect_eq "$hook: 2 inner pings A -> B through t4, R and R2" "$n" 2
	sleep 0.3
	capture_stop "$cpid"
	stats_load s1 "$PA_NS"; pstate_load p1 "$PA_NS"
	out=$(timeout 30 tshark -n -r "$cap" -Y "icmp.type == 5" -T fields -E occurrence=f -e ip.src -e ip.dst -e icmp.code -e icmp.redir_gw 2>&1 | sort -u)
	echo "$out" | grep -q "^$RR	$RA	1	$RR2$"
	ok $? "$hook: R's kernel sent A an ICMP Redirect (host) naming R2 $RR2 (tshark on r0)" || diag "tshark: ${out:-nothing}"
	expect_ge "$hook: A: t4 fou_tun_icmp redirect (matched)" "${p1[t4:redirects]}" 1
	expect_ge "$hook: A: rx_icmp_tunnel" "$(sdelta s0 s1 rx_icmp_tunnel)" 1
	expect_ge "$hook: A: redirect_ignored (redirects ignore, the default)" "$(sdelta s0 s1 redirect_ignored)" 1
	expect_eq "$hook: A: no Redirect applied (fou_tun_path)" "${p1[t4:redirect]}/$(sdelta s0 s1 redirect_applied)" 0/0
	out=$(ip -n "$PA_NS" route get $RB 2>&1)
	echo "$out" | grep -q "via $RR " && ! echo "$out" | grep -q redirected
	ok $? "$hook: A's kernel never saw it: its route to B still via R" || diag "$out"

	# ---- redirects accept: forged ones are still refused
	check "$hook: A: fouloader icmp set redirects accept" fl "$PA_NS" icmp set redirects accept
	local q=(--src "$RR" --dst "$RA" --kind redirect --q-src "$RA" --q-dst "$RB" --q-sport 40000 --q-dport 5555)
	stats_load s0 "$PA_NS"
	forge --count 2 "${q[@]/#$RR/$RR2}" --gw 10.205.1.4 >/dev/null
	stats_load s1 "$PA_NS"; pstate_load p1 "$PA_NS"
	expect_eq "$hook: forged Redirect from R2 (not the gateway in use): redirect_ignored +2, none applied" \
		"$(sdelta s0 s1 redirect_ignored)/${p1[t4:redirect]}" 2/0
	stats_load s0 "$PA_NS"
	forge --count 2 "${q[@]}" --gw 10.99.0.1 >/dev/null
	stats_load s1 "$PA_NS"; pstate_load p1 "$PA_NS"
	expect_eq "$hook: forged Redirect from R naming an off-link gateway: redirect_ignored +2, none applied" \
		"$(sdelta s0 s1 redirect_ignored)/${p1[t4:redirect]}" 2/0

	# ---- the real one, on a host that does not forward: bpf_fib_lookup()
	# answers FWD_DISABLED there before any lookup (net/core/filter.c checks
	# IN_DEV_FORWARD first), so the current gateway cannot be confirmed and
	# the Redirect is ignored, counted (the documented behaviour)
	stats_load s0 "$PA_NS"
	await_redirect p1
	ok $? "$hook: forwarding off: R's kernel sent another Redirect, matched to t4"
	stats_load s1 "$PA_NS"
	expect_ge "$hook: forwarding off: redirect_ignored" "$(sdelta s0 s1 redirect_ignored)" 1
	expect_eq "$hook: forwarding off: not applied (fou_tun_path, redirect_applied)" \
		"${p1[t4:redirect]}/$(sdelta s0 s1 redirect_applied)" 0/0

	# ---- with forwarding on for a0 the FIB answers: applied, and the
	# tunnel's packets then go to R2 directly
	in_ns "$PA_NS" sysctl -qw net.ipv4.conf.a0.forwarding=1
	redirect_applied_case "$hook" "A with forwarding on for a0"
	out=$(fl "$PA_NS" pmtu show --json t4 2>&1)
	expect_eq "$hook: fouloader pmtu show --json shows the Redirect" \
		"$(json_eval "$out" '[e["redirect"].get("gateway") for e in j]' 2>&1)" "[\"$RR2\"]" || diag "$out"
	fl "$PA_NS" pmtu flush >/dev/null 2>&1
	pstate_load p1 "$PA_NS"
	expect_eq "$hook: fouloader pmtu flush forgets the applied Redirect" "${p1[t4:redirect]}" 0
}

for h in ${PMTU_HOOKS:-tc xdp}; do redirect_round "$h"; done
done_testing
