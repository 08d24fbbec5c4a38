#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# fouloader's transmit-side command line inside a namespace this test creates
# (no traffic): tunnel/route add, del, show round trips, --json, bad input
# (exit 2, one line on stderr, no map changed), tunnel del of a tunnel that
# routes still use, per-tunnel counters in stats --json, bpftool's view.
cd "$(dirname "$0")/../.." || exit 1
. selftests/lib/hosts.sh

require_root
require_cmd ip nsenter bpftool timeout md5sum
require_fouloader
require_tunnel_cmd

make_tmpd tcli
NS=fou-tcli-$$-h
host_ns "$NS" || bail "could not create the namespace"
PINR=$(pin_of "$NS")

run_fl() { fl_run "$NS" "$@"; }
jq_py() { "$PY" -c "import json,sys; j=json.load(sys.stdin); v=($1); print(json.dumps(v, sort_keys=True) if not isinstance(v, str) else v)"; }

# every map and the loader's own view, to compare before/after a refused command
state() {
	local m
	for m in fou_tunnels fou_routes4 fou_routes6 fou_ports fou_port_slot; do
		echo "== $m"
		[ -e "$PINR/$m" ] && bpftool -j map dump pinned "$PINR/$m" 2>&1 | md5sum
	done
	fl "$NS" tunnel show --json 2>&1
	fl "$NS" route show --json 2>&1
}

# ---------------------------------------------------------------- --help
for cmd in tunnel "tunnel add" "tunnel del" "tunnel show" route "route add" "route del" "route show"; do
	# shellcheck disable=SC2086
	run_fl $cmd --help
	[ "$RC" -eq 0 ] && [ -n "$OUT$ERR" ]
	ok $? "fouloader $cmd --help exits 0 and prints usage" || show_run
done

# ---------------------------------------------------------------- add, show
run_fl tunnel add t1 local 10.0.0.1 remote 10.0.0.2 encap fou ipproto 4 encap-dport 5555
ok "$RC" "tunnel add t1 (FOU over IPv4, defaults)" || show_run
run_fl tunnel add t6 local fd00::1 remote fd00::2 encap gue encap-dport 6080 encap-sport 7000 noencap-udp6-csum ttl 32 tos 16 mtu 1400
ok "$RC" "tunnel add t6 (GUE over IPv6, every option)" || show_run
run_fl tunnel add t4c local 10.0.0.1 remote 10.0.0.3 encap gue encap-dport 6081 encap-csum tos inherit encap-sport auto
ok "$RC" "tunnel add t4c (GUE over IPv4, encap-csum)" || show_run
run_fl tunnel add t41 local 10.0.0.1 remote 10.0.0.4 encap fou ipproto 41 encap-dport 5556 noencap-csum
ok "$RC" "tunnel add t41 (FOU ipproto 41)" || show_run

run_fl tunnel show --json
ok "$RC" "tunnel show --json exits 0" || show_run
got=$(printf '%s' "$OUT" | jq_py "sorted(t['name'] for t in j)" 2>&1)
expect_eq "tunnel show --json parses and lists t1 t41 t4c t6" "$got" '["t1", "t41", "t4c", "t6"]'
t1=$(printf '%s' "$OUT" | jq_py "[{k: t.get(k) for k in ('local','remote','encap','ipproto','encap_dport','encap_sport','encap_csum','udp6_zero_csum','tos','mtu')} for t in j if t['name']=='t1'][0]" 2>&1)
expect_eq "t1 reads back: defaults (auto sport, no csum, tos inherit, mtu 0)" "$t1" \
	'{"encap": "fou", "encap_csum": false, "encap_dport": 5555, "encap_sport": "auto", "ipproto": 4, "local": "10.0.0.1", "mtu": 0, "remote": "10.0.0.2", "tos": "inherit", "udp6_zero_csum": false}'
ttl1=$(printf '%s' "$OUT" | jq_py "[t['ttl'] for t in j if t['name']=='t1'][0]" 2>&1)
[[ "$ttl1" =~ ^[0-9]+$ ]] && [ "$ttl1" -ge 1 ] && [ "$ttl1" -le 255 ]
ok $? "t1 default ttl is a number in 1..255 ($ttl1)"
t6=$(printf '%s' "$OUT" | jq_py "[{k: t.get(k) for k in ('local','remote','encap','encap_dport','encap_sport','udp6_zero_csum','ttl','tos','mtu')} for t in j if t['name']=='t6'][0]" 2>&1)
expect_eq "t6 reads back every option" "$t6" \
	'{"encap": "gue", "encap_dport": 6080, "encap_sport": 7000, "local": "fd00::1", "mtu": 1400, "remote": "fd00::2", "tos": 16, "ttl": 32, "udp6_zero_csum": true}'
expect_eq "t4c reads back encap_csum true" "$(printf '%s' "$OUT" | jq_py "[t['encap_csum'] for t in j if t['name']=='t4c'][0]" 2>&1)" true
expect_eq "t41 reads back ipproto 41" "$(printf '%s' "$OUT" | jq_py "[t['ipproto'] for t in j if t['name']=='t41'][0]" 2>&1)" 41

run_fl tunnel show
[ "$RC" -eq 0 ] && echo "$OUT" | grep -q t6 && echo "$OUT" | grep -q 'fd00::2'
ok $? "tunnel show (text) names t6 and its remote" || show_run

for r in "10.9.0.0/24 t1" "10.9.1.5 t1" "fd00:9::/64 t6" "10.9.2.0/24 t6" "fd00:9:1::/64 t41" "0.0.0.0/0 t4c"; do
	run_fl route add ${r% *} tunnel ${r#* }
	ok "$RC" "route add ${r% *} tunnel ${r#* }" || show_run
done
run_fl route show --json
ok "$RC" "route show --json exits 0" || show_run
got=$(printf '%s' "$OUT" | jq_py "sorted((r['prefix'], r['tunnel']) for r in j)" 2>&1)
expect_eq "route show --json: every route, host address as /32" "$got" \
	'[["0.0.0.0/0", "t4c"], ["10.9.0.0/24", "t1"], ["10.9.1.5/32", "t1"], ["10.9.2.0/24", "t6"], ["fd00:9:1::/64", "t41"], ["fd00:9::/64", "t6"]]'
run_fl route show
[ "$RC" -eq 0 ] && echo "$OUT" | grep -q 'fd00:9::/64' && echo "$OUT" | grep -q t41
ok $? "route show (text) lists fd00:9::/64 and t41" || show_run

# per-tunnel counters
got=$(fl_json_get "$NS" "sorted((t['name'], sorted(k for k in t if k != 'name' and not k.startswith('icmp_'))) for t in j.get('tunnels', []))" stats)
expect_eq "stats --json: tunnels with tx_packets, tx_bytes, drop_packets (and icmp_*: test_icmp_cli.t)" "$got" \
	'[["t1", ["drop_packets", "tx_bytes", "tx_packets"]], ["t41", ["drop_packets", "tx_bytes", "tx_packets"]], ["t4c", ["drop_packets", "tx_bytes", "tx_packets"]], ["t6", ["drop_packets", "tx_bytes", "tx_packets"]]]'
got=$(fl_json_get "$NS" "sorted(k for k in j['counters'] if k.startswith(('tx_', 'fwd_')))" stats)
want=$(sed -n 's/^[[:space:]]*X([A-Z0-9_]*, *"\(\(tx\|fwd\)_[a-z0-9_]*\)".*/\1/p' include/fou_stats.h | sort | "$PY" -c 'import json,sys; print(json.dumps([l.strip() for l in sys.stdin if l.strip()]))')
expect_eq "stats --json: the transmit counters of include/fou_stats.h" "$got" "$want"

# bpftool sees the tunnel in its slot with named fields
slot=$(bpftool -j map dump pinned "$PINR/fou_tunnels" 2>/dev/null | "$PY" -c '
import json, sys
for e in json.load(sys.stdin):
    e = e.get("formatted", e)
    v = e.get("value", {})
    n = v.get("name")
    if isinstance(n, list):
        n = bytes(int(x, 0) if isinstance(x, str) else x for x in n).split(b"\0")[0].decode()
    if n == "t6":
        print(e["key"], v.get("dport"), v.get("family"), v.get("kind"), v.get("mtu"), v.get("ttl"))
' 2>&1)
[[ "$slot" =~ ^[0-9]+\ 6080\ 6\ 2\ 1400\ 32$ ]]
ok $? "bpftool map dump fou_tunnels: t6 in a slot with dport 6080, family 6, kind GUE, mtu 1400, ttl 32" || diag "got: $slot"
got=$(bpftool map dump pinned "$PINR/fou_routes6" 2>&1 | grep -c prefixlen)
[ "$got" -ge 2 ]; ok $? "bpftool map dump fou_routes6: the IPv6 routes ($got entries)"

# ---------------------------------------------------------------- bad input
before=$(state)
bad() {
	local desc=$1; shift
	run_fl "$@"
	local lines; lines=$(printf '%s' "$ERR" | grep -c .)
	[ "$RC" -eq 2 ] && [ "$lines" -eq 1 ] && [ -z "$OUT" ]
	ok $? "bad: $desc -> exit 2, one line on stderr" || { show_run; diag "command: $*"; }
	[ "$RC" -eq 2 ] && diag "  $ERR"
	local after; after=$(state)
	[ "$after" = "$before" ]; ok $? "bad: $desc -> nothing changed" || diag "$(diff <(echo "$before") <(echo "$after") | head -10)"
}
bad "mixed families local/remote" tunnel add tx local 10.0.0.1 remote fd00::2 encap fou ipproto 4 encap-dport 5555
bad "duplicate tunnel name" tunnel add t1 local 10.0.0.1 remote 10.0.0.9 encap fou ipproto 4 encap-dport 5555
bad "route to a missing tunnel" route add 10.8.0.0/24 tunnel nosuch
bad "IPv6 route to a FOU ipproto 4 tunnel" route add fd00:8::/64 tunnel t1
bad "IPv4 route to a FOU ipproto 41 tunnel" route add 10.8.0.0/24 tunnel t41
bad "prefix length 33" route add 10.8.0.0/33 tunnel t1
bad "prefix not an address" route add 10.8.0/24x tunnel t1
bad "IPv6 prefix length 129" route add fd00:8::/129 tunnel t6
bad "encap other than fou|gue" tunnel add tx local 10.0.0.1 remote 10.0.0.2 encap ipip encap-dport 5555
bad "FOU ipproto 17" tunnel add tx local 10.0.0.1 remote 10.0.0.2 encap fou ipproto 17 encap-dport 5555
bad "missing encap-dport" tunnel add tx local 10.0.0.1 remote 10.0.0.2 encap fou ipproto 4
bad "encap-dport 0" tunnel add tx local 10.0.0.1 remote 10.0.0.2 encap fou ipproto 4 encap-dport 0
bad "encap-dport 70000" tunnel add tx local 10.0.0.1 remote 10.0.0.2 encap fou ipproto 4 encap-dport 70000
bad "ttl 256" tunnel add tx local 10.0.0.1 remote 10.0.0.2 encap fou ipproto 4 encap-dport 5555 ttl 256
bad "name longer than 15 characters" tunnel add abcdefghijklmnop local 10.0.0.1 remote 10.0.0.2 encap fou ipproto 4 encap-dport 5555
bad "missing remote" tunnel add tx local 10.0.0.1 encap fou ipproto 4 encap-dport 5555
bad "unknown word" tunnel add tx local 10.0.0.1 remote 10.0.0.2 encap fou ipproto 4 encap-dport 5555 frobnicate
bad "route add without tunnel" route add 10.8.0.0/24
bad "existing route, tunnel named first" route add tunnel t1 10.9.0.0/24
grep -q "route 10.9.0.0/24 exists" <<<"$ERR"
ok $? "... the message names the route by its prefix, not the first word" || show_run

# ---------------------------------------------------------------- one word per setting
# Two words for one setting (the same twice, or opposites) are refused,
# naming both: before, the later one silently won.
# bad_words WORD1 WORD2 DESC ARGS...: bad, and the one line names both words
bad_words() {
	local w1=$1 w2=$2 desc=$3; shift 3
	bad "$desc" "$@"
	local pat="'$w1' and '$w2' exclude each other"
	[ "$w1" = "$w2" ] && pat="'$w1' given twice"
	grep -qF "$pat" <<<"$ERR"
	ok $? "bad: $desc -> the message names '$w1' and '$w2'" || show_run
}
T4="tx local 10.0.0.1 remote 10.0.0.7"
# shellcheck disable=SC2086
{
bad_words encap-csum noencap-csum "encap-csum noencap-csum" tunnel add $T4 encap fou encap-dport 5557 encap-csum noencap-csum
bad_words noencap-csum encap-csum "noencap-csum encap-csum" tunnel add $T4 encap fou encap-dport 5557 noencap-csum encap-csum
bad_words noencap-udp6-csum encap-udp6-csum "noencap-udp6-csum encap-udp6-csum" \
	tunnel add tx local fd00::1 remote fd00::7 encap gue encap-dport 5557 noencap-udp6-csum encap-udp6-csum
bad_words encap-sport encap-sport "encap-sport 7000 encap-sport auto" tunnel add $T4 encap fou encap-dport 5557 encap-sport 7000 encap-sport auto
bad_words tos tos "tos 16 tos inherit" tunnel add $T4 encap fou encap-dport 5557 tos 16 tos inherit
bad_words ttl ttl "ttl 5 ttl 6" tunnel add $T4 encap fou encap-dport 5557 ttl 5 ttl 6
bad_words encap encap "encap fou encap gue" tunnel add $T4 encap fou encap gue encap-dport 5557
bad_words remote remote "remote twice" tunnel add $T4 remote 10.0.0.8 encap fou encap-dport 5557
bad_words encap-dport encap-dport "encap-dport twice" tunnel add $T4 encap fou encap-dport 5557 encap-dport 5558
bad_words mtu mtu "mtu twice" tunnel add $T4 encap fou encap-dport 5557 mtu 1400 mtu 0
bad_words ipproto ipproto "ipproto 4 ipproto 41" tunnel add $T4 encap fou ipproto 4 ipproto 41 encap-dport 5557
bad_words tunnel tunnel "route add ... tunnel t1 tunnel t6" route add 10.8.0.0/24 tunnel t1 tunnel t6
}

# ---------------------------------------------------------------- endpoints that cannot be right
ip -n "$NS" link add own0 type veth peer name own1 && ip -n "$NS" addr add 10.77.0.1/24 brd + dev own0 &&
	ip -n "$NS" addr add fd00:77::1/64 dev own0 nodad && ip -n "$NS" link set own0 up
ok $? "own0 in $NS with 10.77.0.1/24 and fd00:77::1/64 (this host's addresses)" || bail "cannot set up own0"
# bad_end WORD DESC ARGS...: bad, and the line names WORD (the reason)
bad_end() {
	local word=$1 desc=$2; shift 2
	bad "$desc" "$@"
	grep -q -- "$word" <<<"$ERR"
	ok $? "bad: $desc -> the message says '$word'" || show_run
}
E="encap fou encap-dport 5557"
# shellcheck disable=SC2086
{
bad_end "the same address" "local == remote (IPv4)" tunnel add tx local 10.0.0.1 remote 10.0.0.1 $E
bad_end "the same address" "local == remote (IPv6)" tunnel add tx local fd00::1 remote fd00::1 $E ipproto 41
bad_end "remote: '0.0.0.0' is the unspecified" "remote 0.0.0.0" tunnel add tx local 10.0.0.1 remote 0.0.0.0 $E
bad_end "local: '0.0.0.0' is the unspecified" "local 0.0.0.0" tunnel add tx local 0.0.0.0 remote 10.0.0.2 $E
bad_end "remote: '::' is the unspecified" "remote ::" tunnel add tx local fd00::1 remote :: $E ipproto 41
bad_end "local: '::' is the unspecified" "local ::" tunnel add tx local :: remote fd00::2 $E ipproto 41
bad_end "'224.0.0.5' is a multicast" "remote 224.0.0.5" tunnel add tx local 10.0.0.1 remote 224.0.0.5 $E
bad_end "'239.255.255.255' is a multicast" "local 239.255.255.255" tunnel add tx local 239.255.255.255 remote 10.0.0.2 $E
bad_end "'255.255.255.255' is the broadcast" "remote 255.255.255.255" tunnel add tx local 10.0.0.1 remote 255.255.255.255 $E
bad_end "'ff02::1' is a multicast" "remote ff02::1" tunnel add tx local fd00::1 remote ff02::1 $E ipproto 41
bad_end "'ff05::2' is a multicast" "local ff05::2" tunnel add tx local ff05::2 remote fd00::2 $E ipproto 41
bad_end "'127.0.0.1' is a loopback" "remote 127.0.0.1" tunnel add tx local 10.0.0.1 remote 127.0.0.1 $E
bad_end "'::1' is a loopback" "remote ::1" tunnel add tx local fd00::1 remote ::1 $E ipproto 41
bad_end "IPv4-mapped" "remote ::ffff:10.0.0.2" tunnel add tx local fd00::1 remote ::ffff:10.0.0.2 $E ipproto 41
bad_end "'10.77.0.1' is an address of this host (dev own0)" "remote = this host's IPv4 address" \
	tunnel add tx local 10.0.0.1 remote 10.77.0.1 $E
bad_end "'fd00:77::1' is an address of this host (dev own0)" "remote = this host's IPv6 address" \
	tunnel add tx local fd00::1 remote fd00:77::1 $E ipproto 41
bad_end "'10.77.0.255' is the broadcast address of this host (dev own0)" "remote = own0's broadcast" \
	tunnel add tx local 10.0.0.1 remote 10.77.0.255 $E
}
run_fl tunnel add town local 10.77.0.1 remote 10.77.0.2 $E
ok "$RC" "this host's address as local, another as remote: accepted" || show_run
fl "$NS" tunnel del town >/dev/null

# ---------------------------------------------------------------- control characters in arguments
# An argument with a newline (or another control character) is quoted
# escaped: still one line.
before=$(state)
bad "a tunnel name with a newline" tunnel add $'t\nx' local 10.0.0.1 remote 10.0.0.2 $E
grep -qF "'t\nx'" <<<"$ERR"; ok $? "... quoted as t\\nx" || show_run
bad "a remote with a newline" tunnel add tx local 10.0.0.1 remote $'10.0.0.2\n10.0.0.3' $E
grep -qF "'10.0.0.2\n10.0.0.3'" <<<"$ERR"; ok $? "... quoted as 10.0.0.2\\n10.0.0.3" || show_run
bad "an unknown word with ESC and CR" tunnel add tx local 10.0.0.1 remote 10.0.0.2 $E $'fr\x1bob\r'
grep -qF "'fr\x1bob\r'" <<<"$ERR"; ok $? "... quoted as fr\\x1bob\\r" || show_run
bad "a route prefix with a newline" route add $'10.8.0.0/24\nx' tunnel t1

# ---------------------------------------------------------------- fou_route_filter
# The filter XDP and TC egress consult before a route lookup (struct
# fou_route_filter): computed here independently from route show --json,
# it must equal what fouloader wrote, and be marked written for as many
# routes as there are.
rfilter_check() {
	local routes filt
	run_fl route show --json
	routes=$OUT
	filt=$(bpftool -j map dump pinned "$PINR/fou_route_filter" 2>&1)
	"$PY" - "$routes" "$filt" <<'PYEOF'
import ipaddress, json, sys
routes, dump = json.loads(sys.argv[1]), json.loads(sys.argv[2])
v = dump[0]['formatted']['value']
want = {4: [0] * 4, 6: [0] * 4}
for r in routes:
    net = ipaddress.ip_network(r['prefix'], strict=False)
    first = int(net.network_address) >> (net.max_prefixlen - 16)
    for x in range(first, first + (1 << max(0, 16 - net.prefixlen))):
        i = (x >> 8) ^ (x & 0xff)
        want[net.version][i >> 6] |= 1 << (i & 63)
n = {f: sum(ipaddress.ip_network(r['prefix'], strict=False).version == f for r in routes) for f in (4, 6)}
ok = (v['valid'] == 1 and v['v4'] == want[4] and v['v6'] == want[6] and
      (v['v4_routes'], v['v6_routes']) == (n[4], n[6]))
print(ok, "written", v['valid'], "for", v['v4_routes'], v['v6_routes'], "routes; v4", v['v4'],
      "v6", v['v6'], "expected", want[4], want[6], "for", n[4], n[6])
sys.exit(0 if ok else 1)
PYEOF
}
out=$(rfilter_check 2>&1); ok $? "fou_route_filter covers exactly the routes' destinations (0.0.0.0/0: every IPv4 bit)" || diag "$out"
run_fl route del 0.0.0.0/0
ok "$RC" "route del 0.0.0.0/0" || show_run
out=$(rfilter_check 2>&1); ok $? "fou_route_filter without the default route: only the /24s' and the /32's IPv4 bits" || diag "$out"
run_fl route add 0.0.0.0/0 tunnel t4c
ok "$RC" "route add 0.0.0.0/0 tunnel t4c again" || show_run

# ---------------------------------------------------------------- a pin root from before fou_route_count
# route add / del create the map first (as attach and tunnel add do): the
# route is written and counted, not written and then failed on
rcount() { bpftool -j map dump pinned "$PINR/fou_route_count" 2>&1 | jq_py "[j[0]['formatted']['value'][k] for k in ('v4', 'v6')]" 2>&1; }
rm -f "$PINR/fou_route_count"
run_fl route add 10.9.3.0/24 tunnel t6
ok "$RC" "route add on a pin root without fou_route_count" || show_run
expect_eq "fou_route_count is back, counting 5 IPv4 and 2 IPv6 routes" "$(rcount)" "[5, 2]"
rm -f "$PINR/fou_route_filter"
run_fl route add 10.9.4.0/24 tunnel t6
ok "$RC" "route add on a pin root without fou_route_filter" || show_run
out=$(rfilter_check 2>&1); ok $? "fou_route_filter is back, covering every route" || diag "$out"
run_fl route del 10.9.4.0/24
rm -f "$PINR/fou_route_count"
run_fl route del 10.9.3.0/24
ok "$RC" "route del on a pin root without fou_route_count" || show_run
expect_eq "fou_route_count: 4 IPv4 and 2 IPv6 routes" "$(rcount)" "[4, 2]"

# ---------------------------------------------------------------- del
before=$(state)
run_fl tunnel del t1
[ "$RC" -ne 0 ] && [ -n "$ERR" ]
ok $? "tunnel del t1 while routes use it fails (exit $RC)" || show_run
echo "$ERR" | grep -qiE 'route|in use|used'
ok $? "... with a message naming the routes / use" || show_run
diag "message: $ERR"
[ "$(state)" = "$before" ]; ok $? "... and changes nothing"

run_fl route del 10.9.0.0/24; ok "$RC" "route del 10.9.0.0/24" || show_run
run_fl route del 10.9.1.5; ok "$RC" "route del 10.9.1.5 (host route)" || show_run
run_fl route del 10.9.0.0/24
[ "$RC" -ne 0 ] && [ -n "$ERR" ]; ok $? "route del of a missing prefix fails with a message (exit $RC)" || show_run
run_fl tunnel del t1; ok "$RC" "tunnel del t1 once no route uses it" || show_run
got=$(fl_json_get "$NS" "sorted(t['name'] for t in j)" tunnel show)
expect_eq "t1 gone from tunnel show" "$got" '["t41", "t4c", "t6"]'
got=$(fl_json_get "$NS" "sorted(r['prefix'] for r in j)" route show)
expect_eq "routes of t1 gone from route show" "$got" '["0.0.0.0/0", "10.9.2.0/24", "fd00:9:1::/64", "fd00:9::/64"]'
run_fl tunnel del t1
[ "$RC" -ne 0 ] && [ -n "$ERR" ]; ok $? "tunnel del of a missing tunnel fails with a message (exit $RC)" || show_run
run_fl tunnel add t1 local 192.0.2.1 remote 192.0.2.2 encap gue encap-dport 6090
ok "$RC" "the name t1 can be used again" || show_run
expect_eq "new t1 reads back as GUE to 192.0.2.2" \
	"$(fl_json_get "$NS" "[(t['encap'], t['remote']) for t in j if t['name']=='t1']" tunnel show)" '[["gue", "192.0.2.2"]]'

# everything can be removed
for p in 10.9.2.0/24 fd00:9:1::/64 fd00:9::/64 0.0.0.0/0; do fl "$NS" route del "$p" >/dev/null 2>&1; done
for t in t1 t41 t4c t6; do fl "$NS" tunnel del "$t" >/dev/null 2>&1; done
expect_eq "all routes removed" "$(fl_json_get "$NS" "len(j)" route show)" 0
expect_eq "all tunnels removed" "$(fl_json_get "$NS" "len(j)" tunnel show)" 0

done_testing
