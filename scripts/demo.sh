#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# fouloader demo: a real two-host FOU tunnel, fouloader on both sides.
#
#   host A  a0 10.202.0.1 (inner 10.21.1.1, fd00:21:1::1 on lo)
#     |  veth; FOU (port 5555, inner IPv4) and GUE (port 6080, inner IPv6)
#   host B  b0 10.202.0.2 (inner 10.22.1.1, fd00:22:1::1 on lo)
#
# Each host: fouloader attach (receive + TC egress encapsulation), a receive
# port for the other, a tunnel to the other and a route for the other's inner
# prefix. The kernel route for that prefix points at a next hop that does not
# exist: only fouloader's encapsulation gets packets across. Then ping and a
# short iperf3, counters, the maps through bpftool, and a refused sender (a
# hand-made scapy packet from an address that is not a peer). Everything
# lives in two namespaces, removed on exit with the pin directories.
# Needs root, build/fouloader (make), iperf3, and /usr/bin/python3 with scapy.
set -u
cd "$(dirname "$0")/.." || exit 1
. selftests/lib/hosts.sh

die() { echo "demo: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (BPF and network namespaces)"
[ -x "$FOULOADER" ] || die "$FOULOADER not built: run make"
"$FOULOADER" tunnel --help >/dev/null 2>&1 || die "$FOULOADER has no 'tunnel' command"
for c in ip nsenter timeout iperf3 bpftool; do command -v "$c" >/dev/null || die "needs $c"; done

on_cleanup 'echo; echo "== cleanup: namespaces and pin directories removed"'
heading() { printf '\n== %s\n' "$*"; }
indent() { sed 's/^/    /'; }
# on HOST ARGS...: show and run fouloader on host a or b
on() {
	local h=$1 ns; shift
	[ "$h" = a ] && ns=$A_NS || ns=$B_NS
	echo "$h\$ fouloader $*"
	fl "$ns" "$@" 2>&1 | indent
	return "${PIPESTATUS[0]}"
}
run() {  # run HOST CMD...: show and run a command on host a or b
	local h=$1 ns; shift
	[ "$h" = a ] && ns=$A_NS || ns=$B_NS
	echo "$h\$ $*"
	in_ns "$ns" "$@" 2>&1 | indent
}

heading "topology"
make_hosts demo 1 || die "could not create the namespaces"
AI4=$(inner_addr a 4 1) BI4=$(inner_addr b 4 1) AI6=$(inner_addr a 6 1) BI6=$(inner_addr b 6 1)
cat <<EOF
    $A_NS: $A_IF $A4 (inner $AI4, $AI6)   pin root $(pin_of "$A_NS")
       | veth
    $B_NS: $B_IF $B4 (inner $BI4, $BI6)   pin root $(pin_of "$B_NS")
EOF

for h in a b; do
	[ $h = a ] && { me=a peer=b dev=$A_IF ns=$A_NS; } || { me=b peer=a dev=$B_IF ns=$B_NS; }
	heading "host $h: attach, receive ports, tunnels, routes"
	on $h attach "$dev" --rx tc || die "attach failed"
	on $h port add 5555 ipproto 4 peer "$(outer_addr $peer 4)" || die "port add failed"
	on $h port add 6080 gue peer "$(outer_addr $peer 4)" || die "port add failed"
	on $h tunnel add to-$peer local "$(outer_addr $me 4)" remote "$(outer_addr $peer 4)" encap fou ipproto 4 encap-dport 5555 || die "tunnel add failed"
	on $h tunnel add gue-$peer local "$(outer_addr $me 4)" remote "$(outer_addr $peer 4)" encap gue encap-dport 6080 || die "tunnel add failed"
	on $h route add "$(inner_prefix $peer 4 1)" tunnel to-$peer || die "route add failed"
	on $h route add "$(inner_prefix $peer 6 1)" tunnel gue-$peer || die "route add failed"
	# the kernel route only has to send the inner prefix out of the device,
	# with room for the overhead (FOU over IPv4: 28 bytes, GUE: 32)
	echo "$h\$ ip route add $(inner_prefix $peer 4 1) via $NH4 dev $dev src $(inner_addr $me 4 1) mtu 1472   # $NH4: nobody"
	inner_route "$ns" "$dev" "$(inner_prefix $peer 4 1)" "$(inner_addr $me 4 1)" 1472
	inner_route "$ns" "$dev" "$(inner_prefix $peer 6 1)" "$(inner_addr $me 6 1)" 1468
done
on a tunnel show
on a route show
on a status

heading "ping through the tunnels, A -> B (FOU, inner IPv4; GUE, inner IPv6)"
run a timeout 10 ping -n -c 3 -i 0.2 "$BI4"
run a timeout 10 ping -n -c 3 -i 0.2 "$BI6"

heading "TCP through the FOU tunnel: iperf3 for 3 seconds, both directions"
if iperf_server_start "$B_NS" 5201 60; then
	for dir in "" -R; do
		r=$(iperf_run "$A_NS" -c "$BI4" -t 3 $dir)
		printf '    A %s B: %s Gbit/s (%s bytes)\n' "$([ -z "$dir" ] && echo '->' || echo '<-')" \
			"$(gbit "$(echo "$r" | awk '{print $2}')")" "${r%% *}"
	done
fi

heading "counters"
on a stats
on b stats

heading "maps through bpftool (host A)"
PA=$(pin_of "$A_NS")
echo "a\$ ls $PA"; ls "$PA" | indent
# fou_tunnels is an array of 256 slots: show the used ones
slots=$(bpftool -j map dump pinned "$PA/fou_tunnels" 2>/dev/null | "$PY" -c '
import json, sys
for e in json.load(sys.stdin):
    f = e.get("formatted", e)
    if f["value"].get("name"):
        print(f["key"])')
for s in $slots; do
	echo "a\$ bpftool map lookup pinned $PA/fou_tunnels key $s 0 0 0"
	bpftool map lookup pinned "$PA/fou_tunnels" key "$s" 0 0 0 2>&1 | indent
done
echo "a\$ bpftool map dump pinned $PA/fou_routes4"
bpftool map dump pinned "$PA/fou_routes4" 2>&1 | indent
echo "a\$ bpftool map dump pinned $PA/fou_tun_stats   (per CPU)"
bpftool map dump pinned "$PA/fou_tun_stats" 2>&1 | "$PY" -c '
import json, sys
try:
    d = json.load(sys.stdin)
except Exception:
    sys.exit(0)
for e in d:
    f = e.get("formatted", e)
    vals = f.get("values", [])
    tot = {}
    for v in vals:
        for k, n in v.get("value", {}).items():
            tot[k] = tot.get(k, 0) + n
    if any(tot.values()):
        print("slot %s: %s" % (f.get("key"), tot))' | indent

if "$PY" -c 'import scapy.all' 2>/dev/null; then
	heading "a sender that is not a peer ($A4 is; 10.202.0.3 is not) is refused by B"
	ip -n "$A_NS" addr add 10.202.0.3/24 dev "$A_IF"
	send_encap "$A_NS" --iface "$A_IF" --dst-mac "$B_MAC" --src 10.202.0.3 --dst "$B4" --dport 5555 \
		--encap fou --inner-src "$AI4" --inner-dst "$BI4" --inner icmp --expect-reply --timeout 1 2>&1 | indent
	echo "b\$ fouloader stats --json | drop_peer: $(stat_counter "$B_NS" drop_peer)"
fi

heading "detach"
on a detach "$A_IF"
on b detach "$B_IF"
exit 0
