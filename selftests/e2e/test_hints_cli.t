#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# GRO hints and cpumap steering from the command line (issue 6), inside two
# namespaces this test creates, each with its own pin root:
#
#   A a0 10.202.0.1 (inner 10.21.1.1) ==== veth ==== b0 10.202.0.2 B (inner 10.22.1.1)
#
# On B: attach --rx xdp puts fou_rx_xdp at XDP and fou_hints_tc at TC ingress
# (both recorded, status shows them), the device-bound rxhash variant where
# probe says veth offers the RX hash; --hints off loads fou_rx_xdp with
# fou_hints_on = 0 (read back from the program's .rodata) and no hints
# filter; re-attach turns hints and steering on and off in place; --steer
# cpumap fills fou_cpumap (entries 0..N-1, trimmed again); detach removes
# everything; bad forms exit 2 and change nothing; port mark round trip
# (port show, show config, apply); stats --json keys. Then real traffic: a
# FOU tunnel A -> B, B on XDP with hints: a TCP transfer makes hints_written,
# hints_applied and B's port GRO counters grow, and UDP datagrams through a
# port with mark 0x42 arrive with skb->mark 0x42 (read with SO_RCVMARK by
# the receiving socket); with --hints off they arrive unmarked.
cd "$(dirname "$0")/../.." || exit 1
. selftests/lib/hosts.sh

require_root
require_cmd ip tc nsenter bpftool timeout md5sum
require_fouloader
require_tunnel_cmd
require_xdp_hints
"$FOULOADER" attach --help 2>/dev/null | grep -q -- --hints || skip_all "$FOULOADER has no --hints yet"

make_tmpd hintscli
make_hosts hints || bail "could not build the namespaces"
NS=$B_NS
PINR=$(pin_of "$NS")
run_fl() { fl_run "$NS" "$@"; }
. selftests/e2e/cli.sh

# state: what attach / detach / port add may change on B
state() {
	local m
	for m in fou_devices fou_cpumap fou_ports; do
		echo "== $m"
		[ -e "$PINR/$m" ] && bpftool -j map dump pinned "$PINR/$m" 2>&1 | md5sum
	done
	tc -n "$NS" filter show dev b0 ingress 2>&1
	tc -n "$NS" filter show dev b0 egress 2>&1
	ip -n "$NS" -d link show dev b0 2>&1 | grep -o 'prog/xdp id [0-9]*'
}
st() { fl_json_get "$NS" "$1" status; }
dev_field() { st "[d.get('$1') for d in j['devices'] if d['dev'] == 'b0']"; }
hints_filters() { tc -n "$NS" filter show dev b0 ingress 2>/dev/null | grep -c 'fou_hints_tc'; }
cpumap_entries() {
	[ -e "$PINR/fou_cpumap" ] || { echo absent; return; }
	bpftool -j map dump pinned "$PINR/fou_cpumap" 2>/dev/null |
		j "sorted(int.from_bytes(bytes(int(x, 16) for x in e['key']), 'little') for e in j if isinstance(e['value'], list))"
}
# rodata VAR: VAR in the .rodata of the XDP program running on b0
rodata() {
	local id map
	id=$(ip -n "$NS" -j -d link show dev b0 | j "j[0]['xdp']['prog']['id']")
	for map in $(bpftool -j prog show id "$id" | j "' '.join(str(m) for m in j.get('map_ids', []))"); do
		bpftool -j map show id "$map" | grep -q 'rodata' || continue
		bpftool -j map dump id "$map" | "$PY" -c '
import json, sys
def find(v):
    if isinstance(v, dict):
        for k, x in v.items():
            if k == sys.argv[1]:
                return x
            r = find(x)
            if r is not None:
                return r
    if isinstance(v, list):
        for x in v:
            r = find(x)
            if r is not None:
                return r
print(find(json.load(sys.stdin)))' "$1"
		return
	done
	echo "no rodata"
}

# ---------------------------------------------------------------- bad forms, before anything exists
bad_fresh "--hints" "--hints with --rx tc" attach b0 --rx tc --hints on
bad_fresh "--hints" "--hints off with --rx tc" attach b0 --rx tc --hints off
bad_fresh "--hints" "--hints with --rx auto on veth (picks tc)" attach b0 --hints on
bad_fresh "--steer" "--steer cpumap with --rx tc" attach b0 --rx tc --steer cpumap
bad_fresh "--steer" "--steer with a bad word" attach b0 --rx xdp --steer everywhere
bad_fresh "--hints" "--hints with a bad word" attach b0 --rx xdp --hints maybe
bad_fresh "--steer-cpus" "--steer-cpus without --steer cpumap" attach b0 --rx xdp --steer-cpus 1
bad_fresh "--steer-cpus" "--steer-cpus 0" attach b0 --rx xdp --steer cpumap --steer-cpus 0
bad_fresh "--steer-cpus" "--steer-cpus 65" attach b0 --rx xdp --steer cpumap --steer-cpus 65
ONLINE=$(awk -F'[-,]' '$1 == 0 { print ($2 == "" ? 1 : $2 + 1) }' /sys/devices/system/cpu/online)
bad_fresh "--steer-cpus" "--steer-cpus beyond the online CPUs ($ONLINE)" \
	attach b0 --rx xdp --steer cpumap --steer-cpus $((ONLINE + 1))
bad_fresh "mark" "mark beyond 32 bits" port add 5555 ipproto 4 peer "$A4" mark 0x100000000
bad_fresh "mark" "mark not a number" port add 5555 ipproto 4 peer "$A4" mark x42

# ---------------------------------------------------------------- attach --rx xdp: both programs
RXHASH=$(fl_json_get "$NS" "j['xdp_rx_meta_hash']" probe b0)
[ "$RXHASH" = true ]
ok $? "probe b0: veth offers the XDP RX hash (xdp_rx_meta_hash $RXHASH)"
run_fl attach b0 --rx xdp
ok "$RC" "attach b0 --rx xdp" || show_run
grep -q 'attached fou_hints_tc at tc ingress' <<<"$OUT"
ok $? "attach says it attached fou_hints_tc" || show_run
[ "$(xdp_attach_mode "$NS" b0)" = native ] && [ "$(hints_filters)" = 1 ] &&
	[ "$(tc_ingress_bpf_count "$NS" b0)" = 1 ]
ok $? "ip link: native XDP on b0; tc: one bpf filter on b0 ingress, fou_hints_tc" ||
	diag "$(ip -n "$NS" -d link show dev b0; tc -n "$NS" filter show dev b0 ingress)"
[ "$(dev_field hints)" = '[true]' ] && [ "$(dev_field hints_live)" = '[true]' ] &&
	[ "$(dev_field live)" = '[true]' ] && [ "$(dev_field steer)" = '["none"]' ]
ok $? "status --json: hints true, hints_live true, live, steer none" || diag "$(fl "$NS" status --json)"
hid=$(dev_field hints_prog_id | tr -d '[]')
tc -n "$NS" filter show dev b0 ingress | grep -q "id $hid "
ok $? "the recorded hints_prog_id ($hid) is the filter's program" ||
	diag "$(tc -n "$NS" filter show dev b0 ingress)"
[ "$(dev_field xdp_variant)" = '["rxhash"]' ]
ok $? "status --json: the rxhash variant runs on veth" || diag "$(dev_field xdp_variant)"
fl "$NS" status | grep -q 'xdp variant rxhash.*hints on: fou_hints_tc at tc ingress prog [0-9]* live, steer none'
ok $? "status (text) names the variant, the hints filter and steering" || diag "$(fl "$NS" status)"
[ "$(rodata fou_hints_on)" = 1 ] && [ "$(rodata fou_steer_cpus)" = 0 ]
ok $? "the XDP program's .rodata: fou_hints_on 1, fou_steer_cpus 0" ||
	diag "fou_hints_on $(rodata fou_hints_on) fou_steer_cpus $(rodata fou_steer_cpus)"

# bad forms while attached change nothing either
bad "--hints" "--hints with --rx tc while on xdp" attach b0 --rx tc --hints off
bad "--steer-cpus" "--steer-cpus too many while attached" attach b0 --rx xdp --steer cpumap \
	--steer-cpus $((ONLINE + 1))

# ---------------------------------------------------------------- re-attach: hints off, steering on
run_fl attach b0 --rx xdp --hints off
ok "$RC" "attach b0 --rx xdp --hints off (in place)" || show_run
grep -q 'replaced fou_rx_xdp' <<<"$OUT" && grep -q 'removed fou_hints_tc' <<<"$OUT"
ok $? "it replaced fou_rx_xdp and removed fou_hints_tc" || show_run
[ "$(hints_filters)" = 0 ] && [ "$(tc_ingress_bpf_count "$NS" b0)" = 0 ] &&
	[ "$(dev_field hints)" = '[false]' ] && [ "$(dev_field live)" = '[true]' ]
ok $? "no filter on b0 ingress; status: hints false, live" ||
	diag "$(tc -n "$NS" filter show dev b0 ingress; fl "$NS" status --json)"
[ "$(rodata fou_hints_on)" = 0 ]
ok $? "the XDP program's .rodata: fou_hints_on 0" || diag "fou_hints_on $(rodata fou_hints_on)"

run_fl attach b0 --rx xdp --steer cpumap
ok "$RC" "attach b0 --rx xdp --steer cpumap (hints back on)" || show_run
want=$(seq -s ", " 0 $((ONLINE - 1)))
[ "$(cpumap_entries)" = "[$want]" ] && [ "$(dev_field steer_cpus)" = "[$ONLINE]" ] &&
	[ "$(dev_field steer)" = '["cpumap"]' ] && [ "$(rodata fou_steer_cpus)" = "$ONLINE" ] &&
	[ "$(hints_filters)" = 1 ]
ok $? "fou_cpumap entries [$want], status steer cpumap over $ONLINE, .rodata fou_steer_cpus $ONLINE, hints filter back" ||
	diag "entries $(cpumap_entries) status $(fl "$NS" status --json) rodata $(rodata fou_steer_cpus)"
# bpf_cpumap_val: qsize, then the program (0: none)
q=$(bpftool -j map dump pinned "$PINR/fou_cpumap" | j "sorted(set(tuple(int.from_bytes(bytes(int(x, 16) for x in e['value'][o:o + 4]), 'little') for o in (0, 4)) for e in j if isinstance(e['value'], list)))")
[ "$q" = '[[2048, 0]]' ]
ok $? "each entry: qsize 2048, no program ($q)"
run_fl attach b0 --rx xdp --steer cpumap --steer-cpus 1
[ "$RC" = 0 ] && [ "$(cpumap_entries)" = '[0]' ] && [ "$(rodata fou_steer_cpus)" = 1 ]
ok $? "--steer-cpus 1: fou_cpumap trimmed to [0], fou_steer_cpus 1" || { show_run; diag "$(cpumap_entries)"; }
run_fl attach b0 --rx xdp
[ "$RC" = 0 ] && [ "$(cpumap_entries)" = '[]' ] && [ "$(dev_field steer)" = '["none"]' ]
ok $? "re-attach without --steer: fou_cpumap empty, steer none" || { show_run; diag "$(cpumap_entries)"; }

# ---------------------------------------------------------------- detach removes everything
fl "$NS" attach b0 --rx xdp --steer cpumap >/dev/null
run_fl detach b0
ok "$RC" "detach b0" || show_run
grep -q 'fou_hints_tc' <<<"$OUT"
ok $? "detach names fou_hints_tc" || show_run
[ "$(xdp_prog_count "$NS" b0)" = 0 ] && [ "$(tc_ingress_bpf_count "$NS" b0)" = 0 ] &&
	! tc -n "$NS" filter show dev b0 egress | grep -q bpf && [ "$(cpumap_entries)" = '[]' ] &&
	[ "$(st "j['devices']")" = '[]' ]
ok $? "nothing left: no XDP, no filter either way, fou_cpumap empty, no device recorded" ||
	diag "$(ip -n "$NS" -d link show dev b0; tc -n "$NS" filter show dev b0 ingress; cpumap_entries)"

# hints filter removed behind our back: status says so, re-attach puts it back
fl "$NS" attach b0 --rx xdp >/dev/null
tc -n "$NS" filter del dev b0 ingress pref 1 2>/dev/null
[ "$(dev_field hints_live)" = '[false]' ] && [ "$(dev_field live)" = '[false]' ]
ok $? "hints filter deleted with tc: status hints_live false, live false" || diag "$(fl "$NS" status --json)"
run_fl attach b0 --rx xdp
[ "$RC" = 0 ] && [ "$(hints_filters)" = 1 ] && [ "$(dev_field live)" = '[true]' ]
ok $? "re-attach puts the hints filter back" || show_run
fl "$NS" detach b0 >/dev/null

# ---------------------------------------------------------------- a device deleted while attached
# its programs went with it; detach by the recorded name drops the record,
# and fou_cpumap entries only it steered to
ip -n "$NS" link add g0 type veth peer name g1 && ip -n "$NS" link set g0 up &&
	ip -n "$NS" link set g1 up || bail "could not create veth g0/g1"
run_fl attach g0 --rx xdp --xdp-mode skb --steer cpumap
[ "$RC" = 0 ] && [ "$(cpumap_entries)" = "[$(seq -s ", " 0 $((ONLINE - 1)))]" ]
ok $? "attach g0 --rx xdp --xdp-mode skb --steer cpumap fills fou_cpumap" || { show_run; cpumap_entries; }
ip -n "$NS" link del g0
gone=$(st "[(d['dev'], d['live']) for d in j['devices']]")
[ "$gone" = '[["g0", false]]' ]
ok $? "g0 deleted: status still lists its record, not live" || diag "$gone"
run_fl detach g0
[ "$RC" = 0 ] && [ "$(st "j['devices']")" = '[]' ] && [ "$(cpumap_entries)" = '[]' ]
ok $? "detach g0 (gone) exits 0: record gone, fou_cpumap empty" || { show_run; cpumap_entries; }
run_fl detach g0
[ "$RC" = 2 ] && [ -n "$ERR" ]
ok $? "detach g0 again: no such device, no record: exit 2" || show_run

# ---------------------------------------------------------------- port mark
run_fl port add 5555 ipproto 4 peer "$A4" mark 0x42
ok "$RC" "port add 5555 ... mark 0x42" || show_run
run_fl port add 5556 gue peer any mark 4294967295
ok "$RC" "port add 5556 gue ... mark 4294967295" || show_run
fl "$NS" port show >"$TMPD/ports"
grep -qx "port 5555 ipproto 4 peer $A4 mark 0x42" "$TMPD/ports" &&
	grep -qx "port 5556 gue peer any mark 0xffffffff" "$TMPD/ports"
ok $? "port show prints mark in the grammar of port add" || diag_file "$TMPD/ports"
[ "$(fl_json_get "$NS" "[p['mark'] for p in j]" port show)" = '[66, 4294967295]' ]
ok $? "port show --json: mark 66 and 4294967295"
fl "$NS" show config >"$TMPD/conf"
run_fl apply "$TMPD/conf"
[ "$RC" = 0 ] && grep -q 'nothing to change' <<<"$OUT"
ok $? "show config | apply: nothing to change" || show_run
sed -i 's/mark 0xffffffff/mark 7/' "$TMPD/conf"
run_fl apply "$TMPD/conf"
[ "$RC" = 0 ] && fl "$NS" port show | grep -qx 'port 5556 gue peer any mark 0x7'
ok $? "apply of a changed mark changes it" || show_run
fl "$NS" port del 5556 >/dev/null
keys=$(fl_json_get "$NS" "sorted(k for k in j['ports'][0] if k.startswith('gro_'))" stats)
[ "$keys" = '["gro_segs", "gro_segs_per_skb", "gro_skbs"]' ]
ok $? "stats --json: port objects have gro_skbs, gro_segs, gro_segs_per_skb" || diag "$keys"

# ---------------------------------------------------------------- traffic A -> B
in_ns "$A_NS" "$PY" selftests/lib/txcsum.py a0 off >/dev/null # veth's partial checksums: XDP on b0
fl "$A_NS" attach a0 --rx tc >/dev/null &&
	fl "$A_NS" tunnel add to-b local "$A4" remote "$B4" encap fou encap-dport 5555 &&
	fl "$A_NS" route add 10.22.1.0/24 tunnel to-b &&
	fl "$A_NS" port add 5555 ipproto 4 peer "$B4" &&
	fl "$NS" tunnel add to-a local "$B4" remote "$A4" encap fou encap-dport 5555 &&
	fl "$NS" route add 10.21.1.0/24 tunnel to-a &&
	fl "$NS" attach b0 --rx xdp >/dev/null || bail "tunnel setup"
inner_route "$A_NS" a0 10.22.1.0/24 10.21.1.1 1472
inner_route "$NS" b0 10.21.1.0/24 10.22.1.1 1472

declare -A S0 S1
stats_load S0 "$NS"
head -c 4000000 /dev/urandom >"$TMPD/blob"
in_ns "$NS" timeout 30 "$PY" selftests/lib/tcp_xfer.py recv --addr 10.22.1.1 --port 7000 \
	--out "$TMPD/rx" --ready "$TMPD/ready" --timeout 25 >"$TMPD/recv.log" 2>&1 &
cleanup_pid $!
rpid=$!
wait_for 5 test -e "$TMPD/ready" || bail "TCP receiver did not start"
in_ns "$A_NS" timeout 30 "$PY" selftests/lib/tcp_xfer.py send --addr 10.22.1.1 --port 7000 \
	--src 10.21.1.1 --file "$TMPD/blob" --timeout 25 >"$TMPD/send.log" 2>&1
wait "$rpid"
cmp -s "$TMPD/blob" "$TMPD/rx"
ok $? "4 MB over TCP A -> B through the tunnel, B on XDP with hints" ||
	diag "$(cat "$TMPD/send.log" "$TMPD/recv.log")"
stats_load S1 "$NS"
w=$(sdelta S0 S1 hints_written) a=$(sdelta S0 S1 hints_applied)
sk=$(sdelta S0 S1 port:5555/4:gro_skbs) sg=$(sdelta S0 S1 port:5555/4:gro_segs)
[ "$w" -gt 0 ] && [ "$a" -gt 0 ]
ok $? "B: hints_written +$w, hints_applied +$a"
[ "$sk" -gt 0 ] && [ "$sg" -ge "$sk" ]
ok $? "B: port 5555 gro_skbs +$sk, gro_segs +$sg (${S1[port:5555/4:gro_segs_per_skb]} segments per skb)"
fl "$NS" stats | grep -q "gro [0-9]* skbs [0-9]* segments, [0-9]*\.[0-9][0-9] segments per skb"
ok $? "stats (text): the port's gro line with segments per skb" || diag "$(fl "$NS" stats)"

# UDP through the port with mark 0x42: the receiving socket reads each
# datagram's skb->mark (SO_RCVMARK, kernel 5.19+).
cat >"$TMPD/markrx.py" <<'EOF'
import socket, struct, sys
SO_RCVMARK, SO_MARK = 75, 36
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, SO_RCVMARK, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.settimeout(3)
open(sys.argv[4], "w").close()
marks = []
try:
    while len(marks) < int(sys.argv[3]):
        _, anc, _, _ = s.recvmsg(2048, 64)
        m = [struct.unpack("=I", d[:4])[0] for l, t, d in anc if l == socket.SOL_SOCKET and t == SO_MARK]
        marks.append(m[0] if m else 0)
except socket.timeout:
    pass
print(" ".join("%#x" % m for m in sorted(set(marks))) or "none", len(marks))
EOF
# mark_run TAG: 20 datagrams A -> B:7001; prints "MARKS COUNT"
mark_run() {
	rm -f "$TMPD/mready"
	in_ns "$NS" timeout 10 "$PY" "$TMPD/markrx.py" 10.22.1.1 7001 20 "$TMPD/mready" >"$TMPD/marks.$1" &
	local p=$!
	cleanup_pid $p
	wait_for 5 test -e "$TMPD/mready"
	in_ns "$A_NS" "$PY" selftests/lib/udp_send.py --src 10.21.1.1 --dst 10.22.1.1 --dport 7001 \
		--count 20 --interval 0.01 >/dev/null
	wait $p
	cat "$TMPD/marks.$1"
}
got=$(mark_run on)
[ "$got" = "0x42 20" ]
ok $? "hints on: all 20 datagrams through port 5555 arrive with mark 0x42 ($got)"
fl "$NS" attach b0 --rx xdp --hints off >/dev/null
got=$(mark_run off)
[ "$got" = "0x0 20" ]
ok $? "hints off: the same datagrams arrive unmarked ($got)"

done_testing
