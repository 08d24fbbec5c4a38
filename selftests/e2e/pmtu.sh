# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# shellcheck shell=bash
#
# Path MTU through a real router (issue 5): the topology and helpers shared
# by test_pmtu_tc.t, test_pmtu_xdp.t, test_pmtu_redirect.t and the pmtu
# section of scripts/bench.sh.
#
#   A a0 ---- r0 R r1 ---- b0 B
#   10.204.1.1   10.204.1.2 | 10.204.2.2   10.204.2.1
#   fd00:204:1::1 fd00:204:1::2 | fd00:204:2::2 fd00:204:2::1
#
# R is a plain Linux router: ip_forward, no BPF, its kernel's own ICMP. A and
# B run fouloader (each its own pin root) with the same tunnels to each other
# (PMTU_TUNNELS) and inner addresses on lo (hosts.sh: A 10.21.k.1
# fd00:21:k::1, B 10.22.k.1 fd00:22:k::1). The kernel routes for the inner
# prefixes point at a black-hole next hop (a static neighbour nobody owns):
# only fouloader's encapsulation gets a packet across. pmtu_drop sets R's
# r1 MTU to 1400, so R answers tunnel packets with DF that no longer fit with
# Frag Needed (outer IPv4) or Packet Too Big (outer IPv6), from its own
# kernel.
#
# The suite (pmtu_suite) adds host C behind A, for forwarded inner traffic:
#
#   C c0 ---- a1 A
#   10.204.3.2    10.204.3.1
#   fd00:204:3::2 fd00:204:3::1
#
# A forwards. C's inner addresses (10.21.k.2, fd00:21:k::2 on lo, k in
# PC_SETS) lie in A's inner prefixes, which B routes into its tunnels to A,
# and C's default routes point at A: C's packets for B's inner prefixes
# cross A's forwarding path and a0's TC egress (fouloader), and the Frag
# Needed / Packet Too Big fouloader injects at a0's ingress is forwarded by
# A's kernel to C. C talks to addresses of B that A itself never uses
# (10.22.k.3, fd00:22:k::3): A's kernel applies the path MTU it learned for
# a destination to forwarded IPv6 too, and would then answer C itself.

. "$(dirname "${BASH_SOURCE[0]}")/../lib/hosts.sh"

PA4=10.204.1.1 PR4a=10.204.1.2 PR4b=10.204.2.2 PB4=10.204.2.1
PA6=fd00:204:1::1 PR6a=fd00:204:1::2 PR6b=fd00:204:2::2 PB6=fd00:204:2::1
PMTU_LOW=1400

# name|encap|outer family|options (both hosts have the same tunnels)
PMTU_TUNNELS=(
	"t4|fou|4|ipproto 4 encap-dport 5555"
	"t6|fou|6|ipproto 41 encap-dport 5556 noencap-udp6-csum"
	"tg|gue|4|encap-dport 6080 encap-csum"
	"u4|fou|4|ipproto 4 encap-dport 5557"
	"u6|fou|6|ipproto 41 encap-dport 5558 noencap-udp6-csum"
)
PMTU_PORTS=("5555 ipproto 4|4" "5556 ipproto 41 -6 zero-csum6|6" "6080 gue|4"
	"5557 ipproto 4|4" "5558 ipproto 41 -6 zero-csum6|6")
# k|tunnel|inner family: inner prefix set k of the peer goes through tunnel
PMTU_ROUTES=("1|t4|4" "2|t6|6" "3|tg|4" "4|u4|4" "5|u6|6" "6|tg|6")

# p_outer SIDE(a|b) FAM: the outer address of A or B
p_outer() {
	case $1$2 in a4) echo $PA4 ;; a6) echo $PA6 ;; b4) echo $PB4 ;; b6) echo $PB6 ;; esac
}

# tun_field NAME FIELD: a field of PMTU_TUNNELS' entry NAME (encap|fam)
tun_field() {
	local e n enc fam rest
	for e in "${PMTU_TUNNELS[@]}"; do
		IFS='|' read -r n enc fam rest <<<"$e"
		[ "$n" = "$1" ] || continue
		case $2 in encap) echo "$enc" ;; fam) echo "$fam" ;; esac
		return 0
	done
	return 1
}

# pmtu_topology TAG: namespaces PA_NS PR_NS PB_NS and their links.
pmtu_topology() {
	local tag=$1 k
	PA_NS=fou-$tag-$$-a PR_NS=fou-$tag-$$-r PB_NS=fou-$tag-$$-b
	host_ns "$PA_NS" && host_ns "$PR_NS" && host_ns "$PB_NS" || return 1
	ip -n "$PA_NS" link add a0 type veth peer name r0 netns "$PR_NS" || return 1
	ip -n "$PB_NS" link add b0 type veth peer name r1 netns "$PR_NS" || return 1
	p_addrs "$PA_NS" a0 $PA4 $PA6
	p_addrs "$PR_NS" r0 $PR4a $PR6a
	p_addrs "$PR_NS" r1 $PR4b $PR6b
	p_addrs "$PB_NS" b0 $PB4 $PB6
	for k in 1 2 3 4 5 6; do
		ip -n "$PA_NS" addr add "$(inner_addr a 4 "$k")/32" dev lo
		ip -n "$PB_NS" addr add "$(inner_addr b 4 "$k")/32" dev lo
		ip -n "$PA_NS" addr add "$(inner_addr a 6 "$k")/128" dev lo nodad
		ip -n "$PB_NS" addr add "$(inner_addr b 6 "$k")/128" dev lo nodad
	done
	in_ns "$PR_NS" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 || return 1
	ip -n "$PA_NS" route add 10.204.2.0/24 via $PR4a
	ip -n "$PA_NS" -6 route add fd00:204:2::/64 via $PR6a
	ip -n "$PB_NS" route add 10.204.1.0/24 via $PR4b
	ip -n "$PB_NS" -6 route add fd00:204:1::/64 via $PR6b
	# static neighbours: no ARP / ND round trip in the timed parts
	p_neigh "$PA_NS" a0 $PR4a $PR6a "$PR_NS" r0
	p_neigh "$PR_NS" r0 $PA4 $PA6 "$PA_NS" a0
	p_neigh "$PR_NS" r1 $PB4 $PB6 "$PB_NS" b0
	p_neigh "$PB_NS" b0 $PR4b $PR6b "$PR_NS" r1
	# the black hole for the inner routes, on A's and B's link
	ip -n "$PA_NS" neigh replace 10.204.1.254 lladdr "$NH_MAC" dev a0 nud permanent
	ip -n "$PA_NS" -6 neigh replace fd00:204:1::fe lladdr "$NH_MAC" dev a0 nud permanent
	ip -n "$PB_NS" neigh replace 10.204.2.254 lladdr "$NH_MAC" dev b0 nud permanent
	ip -n "$PB_NS" -6 neigh replace fd00:204:2::fe lladdr "$NH_MAC" dev b0 nud permanent
	return 0
}

PC4=10.204.3.2 PAc4=10.204.3.1 PC6=fd00:204:3::2 PAc6=fd00:204:3::1
PC_SETS="1 2 4 5"

# c_addr FAM K: C's inner address of set K (inside A's inner prefix K);
# c_peer FAM K: B's address of set K that C talks to.
c_addr() { [ "$1" = 4 ] && echo "10.21.$2.2" || echo "fd00:21:$2::2"; }
c_peer() { [ "$1" = 4 ] && echo "10.22.$2.3" || echo "fd00:22:$2::3"; }

# pmtu_add_c: namespace PC_NS behind A (see the top), A forwarding.
pmtu_add_c() {
	local k
	PC_NS=${PA_NS%-a}-c
	host_ns "$PC_NS" || return 1
	ip -n "$PC_NS" link add c0 type veth peer name a1 netns "$PA_NS" || return 1
	p_addrs "$PC_NS" c0 $PC4 $PC6 && p_addrs "$PA_NS" a1 $PAc4 $PAc6 || return 1
	p_neigh "$PC_NS" c0 $PAc4 $PAc6 "$PA_NS" a1
	p_neigh "$PA_NS" a1 $PC4 $PC6 "$PC_NS" c0
	in_ns "$PA_NS" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 || return 1
	ip -n "$PC_NS" route add default via $PAc4 && ip -n "$PC_NS" -6 route add default via $PAc6 || return 1
	for k in $PC_SETS; do
		ip -n "$PC_NS" addr add "$(c_addr 4 "$k")/32" dev lo &&
			ip -n "$PC_NS" addr add "$(c_addr 6 "$k")/128" dev lo nodad &&
			ip -n "$PA_NS" route add "$(c_addr 4 "$k")/32" via $PC4 dev a1 &&
			ip -n "$PA_NS" -6 route add "$(c_addr 6 "$k")/128" via $PC6 dev a1 &&
			ip -n "$PB_NS" addr add "$(c_peer 4 "$k")/32" dev lo &&
			ip -n "$PB_NS" addr add "$(c_peer 6 "$k")/128" dev lo nodad || return 1
	done
}

# p_addrs NS DEV ADDR4 ADDR6: a /24 and a /64 on DEV, up.
p_addrs() {
	ip -n "$1" addr add "$3/24" dev "$2" && ip -n "$1" addr add "$4/64" dev "$2" nodad &&
		ip -n "$1" link set "$2" up
}

# p_neigh NS DEV ADDR4 ADDR6 PEER_NS PEER_DEV: permanent neighbour entries
# for the peer's addresses with the peer device's MAC.
p_neigh() {
	local mac
	mac=$(ip -n "$5" -br link show dev "$6" | awk '{print $3}')
	ip -n "$1" neigh replace "$3" lladdr "$mac" dev "$2" nud permanent
	ip -n "$1" -6 neigh replace "$4" lladdr "$mac" dev "$2" nud permanent
}

# pmtu_configure NS DEV ME PEER: fouloader ports, tunnels and routes, and the
# kernel's inner routes. Prints what failed; returns how many.
pmtu_configure() {
	local ns=$1 dev=$2 me=$3 peer=$4 bad=0 e n enc fam opts k t f pfx bh via
	for e in "${PMTU_PORTS[@]}"; do
		# shellcheck disable=SC2086
		fl "$ns" port add ${e%|*} peer "$(p_outer "$peer" "${e#*|}")" >/dev/null ||
			{ echo "port add ${e%|*}"; bad=$((bad + 1)); }
	done
	for e in "${PMTU_TUNNELS[@]}"; do
		IFS='|' read -r n enc fam opts <<<"$e"
		# shellcheck disable=SC2086
		fl "$ns" tunnel add "$n" local "$(p_outer "$me" "$fam")" remote "$(p_outer "$peer" "$fam")" \
			encap "$enc" $opts >/dev/null || { echo "tunnel add $n"; bad=$((bad + 1)); }
	done
	[ "$me" = a ] && bh=1 || bh=2
	for e in "${PMTU_ROUTES[@]}"; do
		IFS='|' read -r k t f <<<"$e"
		pfx=$(inner_prefix "$peer" "$f" "$k")
		fl "$ns" route add "$pfx" tunnel "$t" >/dev/null || { echo "route add $pfx tunnel $t"; bad=$((bad + 1)); }
		[ "$f" = 4 ] && via=10.204.$bh.254 || via=fd00:204:$bh::fe
		inner_route "$ns" "$dev" "$pfx" "$(inner_addr "$me" "$f" "$k")" \
			$((1500 - $(overhead "$(tun_field "$t" encap)" "$(tun_field "$t" fam)"))) "$via"
	done
	return "$bad"
}

# pstate_load ARRAY NS: fill ARRAY (declare -A first) from the pinned maps
# of NS (pmtu_state.py): "TUNNEL:pmtu", "TUNNEL:frag_needed", ..., "raw:path".
pstate_load() {
	local -n _ps=$1
	local out
	out=$(timeout 30 "$PY" "$FOU_LIBDIR/pmtu_state.py" --pin "$(pin_of "$2")" --bash 2>/dev/null) || return 1
	eval "_ps=($out)"
}

# pstate_diag LABEL ARRAY TUNNEL...: the path state of the tunnels, as diagnostics.
pstate_diag() {
	local -n _pd=$2
	local t out=
	for t in "${@:3}"; do
		out="$out $t: pmtu ${_pd[$t:pmtu]:-?} from ${_pd[$t:pmtu_from]:-?} fn ${_pd[$t:frag_needed]:-?} ptb ${_pd[$t:pkt_too_big]:-?} redir ${_pd[$t:redirects]:-?} sent ${_pd[$t:sent_too_big]:-?};"
	done
	diag "$1:$out"
}

# ---------------------------------------------------------------- TCP streams
# stream_recv ID SRC_NS DST_NS SRC DST PORT BYTES RATE: prepare a paced TCP
# transfer (tcp_stream.py) of BYTES random bytes from SRC in SRC_NS to
# DST:PORT in DST_NS and start its receiver; stream_send ID starts the
# sender (separately, so that several transfers start together). Files:
# $TMPD/ID.{data,rx,log,slog,rxout,txout}.
declare -A STREAM_PIDS=() STREAM_ARGS=()
stream_recv() {
	local id=$1 dns=$3 dst=$5 port=$6 f=$TMPD/$1 secs
	secs=$(awk -v b="$7" -v r="$8" 'BEGIN { printf "%d", b / r + 12 }')
	STREAM_ARGS[$id]="$2 $4 $5 $6 $8 $secs"
	head -c "$7" /dev/urandom >"$f.data"
	rm -f "$f.ready" "$f.rx" "$f.log" "$f.slog"
	timeout $((secs + 3)) nsenter --net="/run/netns/$dns" -- "$PY" "$FOU_LIBDIR/tcp_stream.py" recv \
		--addr "$dst" --port "$port" --out "$f.rx" --log "$f.log" --ready "$f.ready" --timeout "$secs" >"$f.rxout" 2>&1 &
	STREAM_PIDS[$id.rx]=$!
	cleanup_pid $!
	wait_for 5 test -e "$f.ready"
}

stream_send() {
	local id=$1 f=$TMPD/$1 sns src dst port rate secs
	read -r sns src dst port rate secs <<<"${STREAM_ARGS[$id]}"
	timeout $((secs + 3)) nsenter --net="/run/netns/$sns" -- "$PY" "$FOU_LIBDIR/tcp_stream.py" send \
		--addr "$dst" --src "$src" --port "$port" --file "$f.data" --rate "$rate" --chunk "${STREAM_CHUNK:-4096}" \
		--timeout "$secs" --log "$f.slog" >"$f.txout" 2>&1 &
	STREAM_PIDS[$id.tx]=$!
	cleanup_pid $!
}

# stream_wait ID: wait for both ends; 0 when the receiver got every byte
# (sha256 of what arrived = sha256 of what was sent).
stream_wait() {
	local f=$TMPD/$1 h1 h2
	wait "${STREAM_PIDS[$1.tx]}" 2>/dev/null
	wait "${STREAM_PIDS[$1.rx]}" 2>/dev/null
	h1=$(sha256sum <"$f.data" | cut -d' ' -f1)
	h2=$( (sha256sum <"$f.rx" | cut -d' ' -f1) 2>/dev/null)
	STREAM_SHA="$h1 $h2"
	[ -n "$h2" ] && [ "$h1" = "$h2" ]
}

# stream_stall ID T0: tcp_stream.py stall on the receiver's timeline (one line
# of key=value: bytes_before, recovered_ms, max_gap_ms, ...).
stream_stall() {
	"$PY" "$FOU_LIBDIR/tcp_stream.py" stall --log "$TMPD/$1.log" --send-log "$TMPD/$1.slog" --t0 "$2"
}

# kv LINE KEY: the value of KEY in a key=value line
kv() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# pmtu_drop: R's link towards B gets MTU PMTU_LOW; prints the time right
# after (CLOCK_MONOTONIC seconds, tcp_stream.py's clock: a wall clock step
# cannot move it): everything written later meets the new MTU, so the time
# until such data arrives is the whole delay the drop causes it.
pmtu_drop() {
	ip -n "$PR_NS" link set r1 mtu "$PMTU_LOW"
	"$PY" -c 'import time; print("%.6f" % time.monotonic())'
}

# ---------------------------------------------------------------- checks
# route_mtu NS DST SRC: the MTU "ip route get" shows for DST (the route's or
# a learned exception's), empty when none is shown.
route_mtu() {
	ip -n "$1" route get "$2" from "$3" 2>/dev/null | tr ' ' '\n' | sed -n '/^mtu$/{n;p;q}'
}

# snmp_get NS FILE KEY: a counter of /proc/net/snmp (KEY "Icmp:OutDestUnreachs")
# or /proc/net/snmp6 (KEY "Icmp6OutPktTooBigs") inside NS.
snmp_get() {
	if [ "$2" = snmp6 ]; then
		in_ns "$1" awk -v k="$3" '$1 == k { print $2 }' /proc/net/snmp6
	else
		in_ns "$1" awk -v k="$3" '
			BEGIN { split(k, p, ":") }
			$1 == p[1] ":" { if (!n) { for (i = 2; i <= NF; i++) f[$i] = i; n = 1 } else print $f[p[2]] }' /proc/net/snmp
	fi
}

# forge ARGS...: icmp_forge.py in R's namespace, out of r0 to A's a0.
forge() {
	timeout 20 nsenter --net="/run/netns/$PR_NS" -- "$PY" "$FOU_LIBDIR/icmp_forge.py" \
		--iface r0 --dst-mac "$PA_MAC" "$@" 2>&1
}

# probe NS ARGS...: pmtu_probe.py in NS (JSON on stdout).
probe() {
	local ns=$1; shift
	timeout 20 nsenter --net="/run/netns/$ns" -- "$PY" "$FOU_LIBDIR/pmtu_probe.py" "$@" 2>&1
}

# json_eval JSON EXPR: the Python expression EXPR on the parsed JSON as j.
json_eval() {
	"$PY" -c '
import json, sys
try:
    j = json.loads(sys.argv[1])
    v = eval(sys.argv[2])
except Exception as e:
    print("error: %s" % e); sys.exit(0)
print(json.dumps(v) if isinstance(v, (dict, list, bool)) or v is None else v)' "$1" "$2"
}

# ---------------------------------------------------------------- the suite
# pmtu_setup HOOK TAG: the topology, fouloader on A (receive hook HOOK) and
# B (tc), the tunnels; TAP checks. Bails out when nothing could work.
pmtu_setup() {
	local hook=$1 tag=$2 out args t
	pmtu_topology "$tag" || bail "could not build the namespace topology"
	PA_MAC=$(ip -n "$PA_NS" -br link show dev a0 | awk '{print $3}')
	diag "A $PA_NS (a0 $PA_MAC) -- R $PR_NS -- B $PB_NS; A receives with --rx $hook"
	args=(attach a0 --rx "$hook")
	if [ "$hook" = xdp ]; then
		# R forwards B's packets to A's XDP: complete checksums, as a NIC
		# would send them (see txcsum.py and test_tunnel_xdp.t)
		check "xdp: transmit checksum offload off on R's r0" in_ns "$PR_NS" "$PY" "$FOU_LIBDIR/txcsum.py" r0 off
		args+=(--xdp-mode native)
	fi
	check "A: fouloader ${args[*]}" fl "$PA_NS" "${args[@]}" || bail "attach failed"
	check "B: fouloader attach b0 --rx tc" fl "$PB_NS" attach b0 --rx tc || bail "attach failed"
	out=$(pmtu_configure "$PA_NS" a0 a b 2>&1); ok $? "A: ${#PMTU_PORTS[@]} ports, ${#PMTU_TUNNELS[@]} tunnels, ${#PMTU_ROUTES[@]} routes" || diag "$out"
	out=$(pmtu_configure "$PB_NS" b0 b a 2>&1); ok $? "B: the same towards A" || diag "$out"
	declare -A s0
	pstate_load s0 "$PA_NS" || fail "pmtu_state.py could not read A's maps"
	for t in t4 t6 tg u4 u6; do
		[ "${s0[$t:indexed]}" = 1 ] && [ "${s0[$t:pmtu]}" = 0 ]
		ok $? "A: tunnel add put $t (slot ${s0[$t:slot]}) in fou_tun_index; no path MTU yet" ||
			diag "indexed '${s0[$t:indexed]}' pmtu '${s0[$t:pmtu]}'"
	done
}

# pmtu_sanity: every inner pair answers through R before the drop.
pmtu_sanity() {
	local e k t f out
	for e in "${PMTU_ROUTES[@]}"; do
		IFS='|' read -r k t f <<<"$e"
		out=$(ping_ok "$PA_NS" "$(inner_addr b "$f" "$k")" 2 -I "$(inner_addr a "$f" "$k")")
		ok $? "MTU 1500: ping $(inner_addr a "$f" "$k") -> $(inner_addr b "$f" "$k") through $t and R" || diag "$out"
	done
}

# pmtu_setup_c: C behind A (pmtu_add_c, not in a subshell: it registers
# cleanups and sets PC_NS); C's inner addresses reach B's through A's
# tunnels before the drop.
pmtu_setup_c() {
	local e k t f st out
	pmtu_add_c >"$TMPD/add_c.out" 2>&1; st=$?
	ok $st "C $PC_NS behind A (c0 -- a1), A forwards" || { diag "$(cat "$TMPD/add_c.out")"; return 1; }
	for e in "${PMTU_ROUTES[@]}"; do
		IFS='|' read -r k t f <<<"$e"
		[[ " $PC_SETS " == *" $k "* ]] || continue
		out=$(ping_ok "$PC_NS" "$(c_peer "$f" "$k")" 2 -I "$(c_addr "$f" "$k")")
		ok $? "MTU 1500: ping $(c_addr "$f" "$k") (C) -> $(c_peer "$f" "$k") forwarded by A into $t" || diag "$out"
	done
}

# stream_report ID LABEL T0: sha256 equal, and the transfer spanned the drop.
stream_report() {
	local id=$1 label=$2 t0=$3 st line before total
	stream_wait "$id"; st=$?
	line=$(stream_stall "$id" "$t0" 2>&1)
	ok $st "$label: every byte arrived (sha256 equal)" ||
		diag "sha256 sent/received: $STREAM_SHA" "sender: $(cat "$TMPD/$id.txout")" "receiver: $(cat "$TMPD/$id.rxout")"
	before=$(kv "$line" bytes_before) total=$(kv "$line" bytes_total)
	[ -n "$before" ] && [ "$before" -gt 0 ] && [ "$before" -lt "${total:-0}" ]
	ok $? "$label: started before the MTU drop ($before of $total bytes in by then), finished after it" || diag "$line"
	diag "$label: $line"
}

# pmtu_tcp_phase: paced TCP transfers through each TCP tunnel and, as the
# baseline, directly through R; R's MTU drops while they run.
pmtu_tcp_phase() {
	local t0 icmp4 icmp6 in4 in6 out4 out6 bytes=${PMTU_BYTES:-3000000} rate=${PMTU_RATE:-2000000} t e
	local ids=(s1 s2 s3 s6 d4 d6)
	declare -A s0 s1 p1
	stats_load s0 "$PA_NS"
	icmp4=$(snmp_get "$PR_NS" snmp Icmp:OutDestUnreachs) icmp6=$(snmp_get "$PR_NS" snmp6 Icmp6OutPktTooBigs)
	stream_recv s1 "$PA_NS" "$PB_NS" 10.21.1.1 10.22.1.1 7001 "$bytes" "$rate" &&
		stream_recv s2 "$PA_NS" "$PB_NS" fd00:21:2::1 fd00:22:2::1 7002 "$bytes" "$rate" &&
		stream_recv s3 "$PA_NS" "$PB_NS" 10.21.3.1 10.22.3.1 7003 "$bytes" "$rate" &&
		stream_recv s6 "$PA_NS" "$PB_NS" fd00:21:6::1 fd00:22:6::1 7006 "$bytes" "$rate" &&
		stream_recv d4 "$PA_NS" "$PB_NS" $PA4 $PB4 7010 "$bytes" "$rate" &&
		stream_recv d6 "$PA_NS" "$PB_NS" $PA6 $PB6 7011 "$bytes" "$rate"
	ok $? "6 TCP receivers in B ready: 4 through tunnels, 2 direct (baseline)" || return 1
	if [ -n "${PC_NS:-}" ]; then
		# from C, forwarded by A into t4 and t6
		in4=$(snmp_get "$PC_NS" snmp Icmp:InDestUnreachs) in6=$(snmp_get "$PC_NS" snmp6 Icmp6InPktTooBigs)
		out4=$(snmp_get "$PA_NS" snmp Icmp:OutDestUnreachs) out6=$(snmp_get "$PA_NS" snmp6 Icmp6OutPktTooBigs)
		stream_recv c4 "$PC_NS" "$PB_NS" "$(c_addr 4 1)" "$(c_peer 4 1)" 7021 "$bytes" "$rate" &&
			stream_recv c6 "$PC_NS" "$PB_NS" "$(c_addr 6 2)" "$(c_peer 6 2)" 7022 "$bytes" "$rate"
		ok $? "2 TCP receivers in B ready for C's forwarded transfers" && ids+=(c4 c6)
	fi
	for e in "${ids[@]}"; do stream_send "$e"; done
	# every receiver has data before the drop
	for e in "${ids[@]}"; do wait_for 5 test -s "$TMPD/$e.rx"; done
	diag "${#ids[@]} paced TCP transfers of $bytes bytes at $rate B/s under way"
	sleep "${PMTU_DROP_AFTER:-0.2}"
	t0=$(pmtu_drop)
	diag "R: r1 mtu $PMTU_LOW at $t0"
	stream_report s1 "TCP 10.21.1.1 -> 10.22.1.1 (t4: FOU, IPv4 in IPv4)" "$t0"
	stream_report s2 "TCP fd00:21:2::1 -> fd00:22:2::1 (t6: FOU, IPv6 in IPv6)" "$t0"
	stream_report s3 "TCP 10.21.3.1 -> 10.22.3.1 (tg: GUE, IPv4 in IPv4)" "$t0"
	stream_report s6 "TCP fd00:21:6::1 -> fd00:22:6::1 (tg: GUE, IPv6 in IPv4)" "$t0"
	stream_report d4 "baseline TCP $PA4 -> $PB4 (direct, the kernel's PMTU discovery)" "$t0"
	stream_report d6 "baseline TCP $PA6 -> $PB6 (direct)" "$t0"

	expect_ge "R's kernel sent ICMP Destination Unreachable (Icmp OutDestUnreachs)" \
		$(( $(snmp_get "$PR_NS" snmp Icmp:OutDestUnreachs) - icmp4 )) 2
	expect_ge "R's kernel sent ICMPv6 Packet Too Big (Icmp6OutPktTooBigs)" \
		$(( $(snmp_get "$PR_NS" snmp6 Icmp6OutPktTooBigs) - icmp6 )) 2
	stats_load s1 "$PA_NS"
	pstate_load p1 "$PA_NS"
	pstate_diag "A after the drop" p1 t4 t6 tg
	for t in t4 tg; do
		expect_eq "A: $t path MTU (fou_tun_path) from R's Frag Needed" "${p1[$t:pmtu]}/${p1[$t:pmtu_from]}" "$PMTU_LOW/$PR4a"
		expect_ge "A: $t fou_tun_icmp frag_needed" "${p1[$t:frag_needed]}" 1
		expect_ge "A: $t fou_tun_icmp sent_too_big (Frag Needed to the inner sender)" "${p1[$t:sent_too_big]}" 1
	done
	expect_eq "A: t6 path MTU (fou_tun_path) from R's Packet Too Big" "${p1[t6:pmtu]}/${p1[t6:pmtu_from]}" "$PMTU_LOW/$PR6a"
	expect_ge "A: t6 fou_tun_icmp pkt_too_big" "${p1[t6:pkt_too_big]}" 1
	expect_ge "A: t6 fou_tun_icmp sent_too_big" "${p1[t6:sent_too_big]}" 1
	expect_ge "A: rx_icmp_tunnel (R's errors matched and consumed)" "$(sdelta s0 s1 rx_icmp_tunnel)" 3
	expect_ge "A: pmtu_lowered" "$(sdelta s0 s1 pmtu_lowered)" 3
	expect_ge "A: tx_icmp_frag_needed (to the inner IPv4 senders)" "$(sdelta s0 s1 tx_icmp_frag_needed)" 2
	expect_ge "A: tx_icmp_pkt_too_big (to the inner IPv6 senders)" "$(sdelta s0 s1 tx_icmp_pkt_too_big)" 2
	expect_eq "A: no tx_drop_pmtu / tx_drop_pmtu_limited / drop_icmp_csum" \
		"$(sdelta s0 s1 tx_drop_pmtu)/$(sdelta s0 s1 tx_drop_pmtu_limited)/$(sdelta s0 s1 drop_icmp_csum)" 0/0/0
	diag_deltas A s0 s1
	# what the inner senders' kernel learned: path MTU less the overhead
	expect_eq "A: route cache for 10.22.1.1 (t4): mtu $PMTU_LOW - 28" "$(route_mtu "$PA_NS" 10.22.1.1 10.21.1.1)" $((PMTU_LOW - 28))
	expect_eq "A: route cache for fd00:22:2::1 (t6): mtu $PMTU_LOW - 48" "$(route_mtu "$PA_NS" fd00:22:2::1 fd00:21:2::1)" $((PMTU_LOW - 48))
	expect_eq "A: route cache for 10.22.3.1 (tg): mtu $PMTU_LOW - 32" "$(route_mtu "$PA_NS" 10.22.3.1 10.21.3.1)" $((PMTU_LOW - 32))
	expect_eq "A: route cache for fd00:22:6::1 (tg): mtu $PMTU_LOW - 32" "$(route_mtu "$PA_NS" fd00:22:6::1 fd00:21:6::1)" $((PMTU_LOW - 32))
	expect_eq "A: route cache for $PB4 (direct): mtu $PMTU_LOW" "$(route_mtu "$PA_NS" $PB4 $PA4)" "$PMTU_LOW"
	[[ " ${ids[*]} " == *" c4 "* ]] && pmtu_tcp_report_c "$t0" "$in4" "$in6" "$out4" "$out6"
}

# pmtu_tcp_report_c T0 IN4 IN6 OUT4 OUT6: C's forwarded transfers. C's
# kernel learned the inner MTU (path MTU less the tunnel's overhead; nobody
# but A's fouloader announces that figure) from the errors A forwarded to
# it; A's kernel sent none itself (IN*: C's ICMP input counters, OUT*: A's
# ICMP output counters, before the transfers).
pmtu_tcp_report_c() {
	local src4 src6 dst4 dst6
	src4=$(c_addr 4 1) src6=$(c_addr 6 2) dst4=$(c_peer 4 1) dst6=$(c_peer 6 2)
	stream_report c4 "forwarded TCP $src4 (C) -> $dst4 (A: t4, FOU, IPv4 in IPv4)" "$1"
	stream_report c6 "forwarded TCP $src6 (C) -> $dst6 (A: t6, FOU, IPv6 in IPv6)" "$1"
	expect_eq "C: route cache for $dst4 (via A, t4): mtu $PMTU_LOW - 28" "$(route_mtu "$PC_NS" "$dst4" "$src4")" $((PMTU_LOW - 28))
	expect_eq "C: route cache for $dst6 (via A, t6): mtu $PMTU_LOW - 48" "$(route_mtu "$PC_NS" "$dst6" "$src6")" $((PMTU_LOW - 48))
	expect_ge "C's kernel received ICMP Destination Unreachable (Icmp InDestUnreachs)" \
		$(( $(snmp_get "$PC_NS" snmp Icmp:InDestUnreachs) - $2 )) 1
	expect_ge "C's kernel received ICMPv6 Packet Too Big (Icmp6InPktTooBigs)" \
		$(( $(snmp_get "$PC_NS" snmp6 Icmp6InPktTooBigs) - $3 )) 1
	expect_eq "A's kernel sent none of them (Icmp OutDestUnreachs, Icmp6 OutPktTooBigs unchanged)" \
		"$(( $(snmp_get "$PA_NS" snmp Icmp:OutDestUnreachs) - $4 ))/$(( $(snmp_get "$PA_NS" snmp6 Icmp6OutPktTooBigs) - $5 ))" 0/0
}

# pmtu_udp_case FAM K TUNNEL KIND [SENDER]: a UDP sender with DF through a
# tunnel. SENDER a (default): in A, through a tunnel that has not learned the
# path yet. Its first full-size datagram dies at R (whose error teaches A's
# fouloader the path MTU), the next one gets an ICMP error from A's
# fouloader with the inner MTU, the kernel then refuses full-size datagrams
# (EMSGSIZE) and a datagram of exactly the inner MTU gets across. SENDER c:
# in C to c_peer's address of B, forwarded by A into the same tunnel (run
# after a: the path is known by then, so the first datagram already gets
# fouloader's error, which A's kernel forwards to C); the same checks hold.
pmtu_udp_case() {
	local fam=$1 k=$2 t=$3 enc=$4 side=${5:-a} ns src dst full inner out what got want_type want_origin
	if [ "$side" = c ]; then
		ns=$PC_NS src=$(c_addr "$fam" "$k") dst=$(c_peer "$fam" "$k")
	else
		ns=$PA_NS src=$(inner_addr a "$fam" "$k") dst=$(inner_addr b "$fam" "$k")
	fi
	full=$((1500 - $(overhead "$enc" "$(tun_field "$t" fam)")))
	inner=$((PMTU_LOW - $(overhead "$enc" "$(tun_field "$t" fam)")))
	what="UDP with DF $src -> $dst ($t, IPv$fam in IPv$(tun_field "$t" fam)$([ "$side" = c ] && echo ", from C forwarded by A"))"
	[ "$fam" = 4 ] && want_type="icmp 3/4" || want_type="icmp6 2/0"
	declare -A s0 s1 p0 p1
	stats_load s0 "$PA_NS"
	pstate_load p0 "$PA_NS"
	udp_listen_start "$PB_NS" "$dst" 9000 4 "$TMPD/udp$k$side.out" || { fail "$what: listener did not start"; return; }
	out=$(probe "$ns" --src "$src" --dst "$dst" --dport 9000 --sizes "$full,$full,$full,$inner,$((inner + 1))")
	udp_listen_wait
	stats_load s1 "$PA_NS"
	pstate_load p1 "$PA_NS"
	diag "$what: probe: $out"
	got=$(json_eval "$out" '[ "%s %d/%d %d %s" % (e["origin"], e["type"], e["code"], e["info"], e["offender"]) for s in j["steps"] for e in s["errors"] if e["origin"] != "local" ]')
	[ "$fam" = 4 ] && want_origin=icmp || want_origin=icmp6
	echo "$got" | grep -q "\"$want_origin ${want_type#* } $inner $dst\""
	ok $? "$what: the sender's error queue has $want_origin type/code ${want_type#* } with MTU $inner from $dst (fouloader's error)" || diag "errors: $got"
	expect_eq "$what: IP_MTU of the socket after it" "$(json_eval "$out" 'j["steps"][2]["mtu"]')" "$inner"
	expect_eq "$what: a $full-byte datagram is then refused locally" "$(json_eval "$out" 'j["steps"][2]["send"]')" EMSGSIZE
	expect_eq "$what: a $((inner + 1))-byte datagram too" "$(json_eval "$out" 'j["steps"][4]["send"]')" EMSGSIZE
	# B gets the one datagram that fits: inner MTU bytes, payload less headers
	got=$(awk '{ print $1, length($2) / 2 }' "$TMPD/udp$k$side.out" 2>/dev/null | tr '\n' ';')
	expect_eq "$what: B received exactly the $inner-byte datagram" "$got" "$src $((inner - ( fam == 4 ? 28 : 48 )));"
	expect_eq "$what: the sender's route cache for $dst" "$(route_mtu "$ns" "$dst" "$src")" "$inner"
	expect_eq "$what: $t learned the path MTU from R" "${p1[$t:pmtu]}" "$PMTU_LOW"
	expect_ge "$what: $t fou_tun_icmp sent_too_big" $(( ${p1[$t:sent_too_big]:-0} - ${p0[$t:sent_too_big]:-0} )) 1
	if [ "$fam" = 4 ]; then
		expect_ge "$what: A tx_icmp_frag_needed" "$(sdelta s0 s1 tx_icmp_frag_needed)" 1
	else
		expect_ge "$what: A tx_icmp_pkt_too_big" "$(sdelta s0 s1 tx_icmp_pkt_too_big)" 1
	fi
}

# pmtu_suite HOOK: the whole path-MTU test with A receiving by HOOK.
pmtu_suite() {
	local hook=$1
	require_root
	require_cmd ip tc nsenter timeout sha256sum bpftool awk
	require_fouloader
	require_tunnel_cmd
	require_scapy
	make_tmpd "pmtu$hook"
	pmtu_setup "$hook" "pm$hook"
	pmtu_sanity
	pmtu_setup_c
	pmtu_tcp_phase
	pmtu_udp_case 4 4 u4 fou
	pmtu_udp_case 6 5 u6 fou
	if [ -n "${PC_NS:-}" ]; then
		pmtu_udp_case 4 4 u4 fou c
		pmtu_udp_case 6 5 u6 fou c
	fi
	pmtu_forged_phase
	pmtu_cli_phase
	done_testing
}

# ---------------------------------------------------------------- forged errors
# forged_case DESC COUNTER N ARGS...: N forged errors (icmp_forge.py ARGS) from
# R's namespace to A; A's COUNTER (stats --json key) moves by exactly N and
# no tunnel's fou_tun_path entry changes.
forged_case() {
	local desc=$1 ctr=$2 n=$3 out; shift 3
	declare -A f0 f1 q0 q1
	stats_load f0 "$PA_NS"; pstate_load q0 "$PA_NS"
	out=$(forge --count "$n" "$@")
	stats_load f1 "$PA_NS"; pstate_load q1 "$PA_NS"
	expect_eq "forged, $desc: A $ctr +$n" "$(sdelta f0 f1 "$ctr")" "$n" || { diag "icmp_forge: $out"; diag_deltas A f0 f1; }
	[ -n "${q0[raw:path]}" ] && [ "${q0[raw:path]}" = "${q1[raw:path]}" ]
	ok $? "forged, $desc: no tunnel's path state changed" ||
		pstate_diag "after" q1 t4 t6 tg u4 u6
}

pmtu_forged_phase() {
	local v4=(--src "$PR4a" --dst "$PA4" --kind frag --mtu 1000) v6=(--src "$PR6a" --dst "$PA6" --kind ptb --mtu 1280)
	local t4q=(--q-src "$PA4" --q-dst "$PB4" --q-sport 40000 --q-dport 5555)
	local t6q=(--q-src "$PA6" --q-dst "$PB6" --q-sport 40000 --q-dport 5556)
	declare -A s0 s1
	diag "forged ICMP errors from R's namespace (scapy, out of r0) to A; every tunnel's path MTU is $PMTU_LOW now"
	forged_case "Frag Needed quoting dport 5599 (no tunnel)" pass_icmp_no_tunnel 3 "${v4[@]}" --q-src $PA4 --q-dst $PB4 --q-dport 5599
	forged_case "Frag Needed quoting source 10.204.1.77 (not A)" pass_icmp_no_tunnel 3 "${v4[@]}" --q-src 10.204.1.77 --q-dst $PB4 --q-dport 5555
	forged_case "Frag Needed quoting remote 10.204.2.99 (not B)" pass_icmp_no_tunnel 3 "${v4[@]}" --q-src $PA4 --q-dst 10.204.2.99 --q-dport 5555
	forged_case "Frag Needed quoting B's tunnel to A (B -> A:5555)" pass_icmp_no_tunnel 3 "${v4[@]}" --q-src $PB4 --q-dst $PA4 --q-dport 5555
	forged_case "Frag Needed quoting a TCP packet A -> B:5555" pass_icmp_no_tunnel 3 "${v4[@]}" "${t4q[@]}" --q-proto tcp
	forged_case "Frag Needed quoting t4 from source port 1234 (outside its rule)" pass_icmp_bad_sport 3 "${v4[@]}" "${t4q[@]/40000/1234}"
	forged_case "Frag Needed quoting t4, bad ICMP checksum" drop_icmp_csum 3 "${v4[@]}" "${t4q[@]}" --bad-csum
	forged_case "Frag Needed quoting 24 bytes (no UDP header)" pass_icmp_short 3 "${v4[@]}" "${t4q[@]}" --q-bytes 24
	forged_case "Frag Needed quoting t4, MTU 1450 (above its $PMTU_LOW)" pmtu_not_lower 3 --src $PR4a --dst $PA4 --kind frag --mtu 1450 "${t4q[@]}"
	forged_case "Frag Needed quoting a 1200-byte t4 packet, MTU 1300 (it fitted)" pmtu_not_lower 3 "${v4[@]/1000/1300}" "${t4q[@]}" --q-len 1200
	forged_case "Time Exceeded quoting t4 (matched, counted, no path change)" tun:t4:icmp_time_exceeded 2 --src $PR4a --dst $PA4 --kind time "${t4q[@]}"
	forged_case "flood of 300 Frag Needed, MTU 600, quoting an unknown tunnel (dport 5599)" pass_icmp_no_tunnel 300 "${v4[@]/1000/600}" --q-src $PA4 --q-dst $PB4 --q-dport 5599
	forged_case "Packet Too Big quoting dport 5599 (no tunnel)" pass_icmp_no_tunnel 3 "${v6[@]}" --q-src $PA6 --q-dst $PB6 --q-dport 5599
	forged_case "Packet Too Big quoting B's tunnel to A" pass_icmp_no_tunnel 3 "${v6[@]}" --q-src $PB6 --q-dst $PA6 --q-dport 5556
	forged_case "Packet Too Big quoting t6 from source port 1234" pass_icmp_bad_sport 3 "${v6[@]}" "${t6q[@]/40000/1234}"
	forged_case "Packet Too Big quoting t6, bad ICMPv6 checksum" drop_icmp_csum 3 "${v6[@]}" "${t6q[@]}" --bad-csum

	# the floor: a well-formed error (indistinguishable from a real one)
	# with a tiny MTU lowers the path MTU only to pmtu-min4 (552)
	declare -A q1
	stats_load s0 "$PA_NS"
	forge --count 1 "${v4[@]/1000/300}" --q-src $PA4 --q-dst $PB4 --q-sport 40000 --q-dport 5557 --q-len 1400 >/dev/null
	stats_load s1 "$PA_NS"; pstate_load q1 "$PA_NS"
	expect_eq "forged Frag Needed quoting u4 with MTU 300: u4's path MTU clamped to 552" "${q1[u4:pmtu]}" 552
	expect_eq "... counted pmtu_clamped" "$(sdelta s0 s1 pmtu_clamped)" 1
	expect_eq "... and t4 still has $PMTU_LOW" "${q1[t4:pmtu]}" "$PMTU_LOW"
	# t4 still carries packets of exactly its inner MTU after all this
	out=$(ping_ok "$PA_NS" 10.22.1.1 2 -I 10.21.1.1 -M "do" -s $((PMTU_LOW - 28 - 28)))
	ok $? "after the forged errors, t4 carries $((PMTU_LOW - 28))-byte inner packets with DF (ping)" || diag "$out"
}

# pmtu_cli_phase: fouloader pmtu show / flush agree with the maps (when the
# loader has them).
pmtu_cli_phase() {
	if ! "$FOULOADER" pmtu --help >/dev/null 2>&1; then
		skip "fouloader pmtu show --json lists the learned path MTUs" "$FOULOADER has no 'pmtu' command yet"
		skip "fouloader pmtu flush forgets them" "$FOULOADER has no 'pmtu' command yet"
		skip "fouloader pmtu show --json after the flush" "$FOULOADER has no 'pmtu' command yet"
		return 0
	fi
	local out got
	out=$(fl "$PA_NS" pmtu show --json 2>&1)
	got=$(json_eval "$out" '" ".join("%s=%s" % (e["name"], "%s/%s/%s" % (e["pmtu"]["mtu"], e["pmtu"]["inner_mtu"], e["pmtu"]["from"]) if e.get("pmtu") else "-") for e in j)')
	expect_eq "fouloader pmtu show --json: path MTU / inner MTU / router per tunnel" "$got" \
		"t4=$PMTU_LOW/$((PMTU_LOW - 28))/$PR4a t6=$PMTU_LOW/$((PMTU_LOW - 48))/$PR6a tg=$PMTU_LOW/$((PMTU_LOW - 32))/$PR4a u4=552/524/$PR4a u6=$PMTU_LOW/$((PMTU_LOW - 48))/$PR6a" ||
		diag "pmtu show --json: $out"
	declare -A q1
	fl "$PA_NS" pmtu flush >/dev/null 2>&1
	pstate_load q1 "$PA_NS"
	expect_eq "fouloader pmtu flush: every fou_tun_path pmtu 0" \
		"${q1[t4:pmtu]}${q1[t6:pmtu]}${q1[tg:pmtu]}${q1[u4:pmtu]}${q1[u6:pmtu]}" 00000
	out=$(fl "$PA_NS" pmtu show --json 2>&1)
	expect_eq "fouloader pmtu show --json after the flush: no path MTU" \
		"$(json_eval "$out" '" ".join("%s=%s" % (e["name"], e.get("pmtu")) for e in j)')" "t4=None t6=None tg=None u4=None u6=None" ||
		diag "pmtu show --json: $out"
}

# ---------------------------------------------------------------- benchmark
# pmtu_bench_run HOOK: for scripts/bench.sh (section pmtu), never pass/fail.
# One topology; paced TCP transfers through t4 (FOU, IPv4 in IPv4) and t6
# (FOU, IPv6 in IPv6) and directly A -> B over IPv4 and IPv6 (the kernel's
# own PMTU discovery: the baseline) run together while R's MTU drops. Prints
# one line per transfer: "LABEL RECOVERED_MS INTACT(0|1) WRITE_INTERVAL_MS",
# and "icmp R4 R6 A4 A6": Frag Needed / Packet Too Big R's kernel sent, and
# those A's fouloader sent to its inner senders (proof that the drop bit).
# BENCH_PMTU_RATE (B/s, default 8000000) and BENCH_PMTU_BYTES (default
# 8000000); the writes are 4 KB.
pmtu_bench_run() {
	local hook=$1 rate=${BENCH_PMTU_RATE:-8000000} bytes=${BENCH_PMTU_BYTES:-8000000} t0 id line
	local streams=("t4|10.21.1.1|10.22.1.1" "t6|fd00:21:2::1|fd00:22:2::1" "d4|$PA4|$PB4" "d6|$PA6|$PB6")
	local e src dst port=7100 intact
	make_tmpd "pmtubench"
	{
		pmtu_topology "pb$hook" || return 1
		if [ "$hook" = xdp ]; then
			in_ns "$PR_NS" "$PY" "$FOU_LIBDIR/txcsum.py" r0 off || return 1
			fl "$PA_NS" attach a0 --rx xdp --xdp-mode native || return 1
		else
			fl "$PA_NS" attach a0 --rx tc || return 1
		fi
		fl "$PB_NS" attach b0 --rx tc && pmtu_configure "$PA_NS" a0 a b && pmtu_configure "$PB_NS" b0 b a
	} >/dev/null 2>&1 || { echo "setup failed"; return 1; }
	for e in "${streams[@]}"; do
		IFS='|' read -r id src dst <<<"$e"
		port=$((port + 1))
		stream_recv "$id" "$PA_NS" "$PB_NS" "$src" "$dst" "$port" "$bytes" "$rate" || { echo "receiver $id did not start"; return 1; }
	done
	local r4 r6 a4 a6
	r4=$(snmp_get "$PR_NS" snmp Icmp:OutDestUnreachs) r6=$(snmp_get "$PR_NS" snmp6 Icmp6OutPktTooBigs)
	a4=$(stat_counter "$PA_NS" tx_icmp_frag_needed) a6=$(stat_counter "$PA_NS" tx_icmp_pkt_too_big)
	for e in "${streams[@]}"; do stream_send "${e%%|*}"; done
	for e in "${streams[@]}"; do wait_for 5 test -s "$TMPD/${e%%|*}.rx"; done
	sleep 0.2
	t0=$(pmtu_drop)
	for e in "${streams[@]}"; do
		id=${e%%|*}
		stream_wait "$id" && intact=1 || intact=0
		line=$(stream_stall "$id" "$t0" 2>/dev/null)
		echo "$id $(kv "$line" recovered_ms) $intact $(kv "$line" write_interval_ms)"
	done
	echo "icmp $(( $(snmp_get "$PR_NS" snmp Icmp:OutDestUnreachs) - r4 )) $(( $(snmp_get "$PR_NS" snmp6 Icmp6OutPktTooBigs) - r6 ))" \
		"$(( $(stat_counter "$PA_NS" tx_icmp_frag_needed) - a4 )) $(( $(stat_counter "$PA_NS" tx_icmp_pkt_too_big) - a6 ))"
}

# pmtu_bench: the pmtu section of scripts/bench.sh: BENCH_PMTU_RUNS (3) runs
# of pmtu_bench_run per receive hook (BENCH_PMTU_HOOKS, "tc xdp"), each in a
# subshell of its own (its cleanup trap removes its namespaces), then the
# medians side by side.
pmtu_bench() {
	local hook run f
	f=$(mktemp /tmp/fou-bench-pmtu.XXXXXX)
	on_cleanup "rm -f $f"
	echo "R's link towards B 1500 -> $PMTU_LOW while 4 paced TCP transfers run (4 KB writes at ${BENCH_PMTU_RATE:-8000000} B/s);"
	echo "recovered = from the drop until the first byte written after it has arrived"
	for hook in ${BENCH_PMTU_HOOKS:-tc xdp}; do
		for ((run = 1; run <= ${BENCH_PMTU_RUNS:-3}; run++)); do
			( . "$FOU_TOPDIR/selftests/e2e/pmtu.sh" && pmtu_bench_run "$hook" ) 2>/dev/null | sed "s/^/$hook $run /" >>"$f"
		done
	done
	awk -v hooks="${BENCH_PMTU_HOOKS:-tc xdp}" '
	function med(s,   a, n, i, j, t) {
		n = split(s, a, " ")
		for (i = 1; i <= n; i++) if (a[i] == "none" || a[i] == "") return -1
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
		return n ? a[int((n + 1) / 2)] : -1
	}
	$3 == "icmp" { for (i = 4; i <= 7; i++) ic[$1, i] += $i; next }
	NF == 6 { k = $1 " " $3; v[k] = v[k] " " $4; if ($5 != 1) bad[k]++; wi = $6; next }
	{ print "  run failed:", $0 }
	END {
		printf "  write interval %s ms (the resolution); median of the runs, then each run\n", wi
		nh = split(hooks, hk, " ")
		for (h = 1; h <= nh; h++) {
			for (f = 4; f <= 6; f += 2) {
				t = hk[h] " t" f; d = hk[h] " d" f
				if (!(t in v)) continue
				mt = med(v[t]); md = med(v[d])
				printf "  --rx %-3s IPv%d: tunnel (FOU IPv%d in IPv%d) %6.2f ms [%s ]   direct %6.2f ms [%s ]   ratio %s%s\n",
					hk[h], f, f, f, mt, v[t], md, v[d], (md > 0 ? sprintf("%.1f", mt / md) : "-"),
					(bad[t] + bad[d] ? "   DATA NOT INTACT in " bad[t] + bad[d] " runs" : "")
			}
			printf "  --rx %-3s all runs: R sent %d Frag Needed and %d Packet Too Big, A%ss fouloader %d and %d to its inner senders\n",
				hk[h], ic[hk[h], 4], ic[hk[h], 5], sprintf("%c", 39), ic[hk[h], 6], ic[hk[h], 7]
		}
		print "  goal: tunnel < 1000 ms"
	}' "$f"
}
