#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# fouloader apply FILE [--dry-run] and fouloader show config, inside
# namespaces this test creates (no traffic): a whole configuration applied
# from a file (ports, tunnels, routes), re-applied as a no-op (maps
# byte-identical), round trip through show config (also into a fresh pin
# root), changes (+ added, - deleted, ~ changed), everything removed, bad files
# (exit 2, one "fouloader: FILE:LINE: ..." line on stderr, nothing changed),
# --dry-run, --help, and apply beside an attached device.
cd "$(dirname "$0")/../.." || exit 1
. selftests/lib/hosts.sh

require_root
require_cmd ip nsenter bpftool timeout cmp diff
require_fouloader
require_tunnel_cmd
"$FOULOADER" apply --help >/dev/null 2>&1 || skip_all "$FOULOADER has no 'apply' command yet"

make_tmpd apply
NS=fou-apply-$$-a        # the namespace most checks run in
NS2=fou-apply-$$-b       # a fresh pin root for the show config round trip
host_ns "$NS" || bail "could not create the namespace $NS"
host_ns "$NS2" || bail "could not create the namespace $NS2"

run_fl() { fl_run "$NS" "$@"; }

# canon KIND: a JSON list on stdin (port|tunnel|route show --json) in a
# canonical form: entries sorted, peers sorted, keys sorted.
cat >"$TMPD/canon.py" <<'EOF'
import json, sys
kind = sys.argv[1]
try:
    j = json.load(sys.stdin)
except Exception as e:
    print("not JSON: %s" % e); sys.exit(0)
if kind == "port":
    for p in j:
        p["peers"] = sorted(p.get("peers", []), key=lambda x: (x["addr"], x["peer_port"]))
    j.sort(key=lambda p: (p["port"], p["family"]))
elif kind == "tunnel":
    j.sort(key=lambda t: t["name"])
else:
    j.sort(key=lambda r: r["prefix"])
print(json.dumps(j, sort_keys=True))
EOF
canon() { "$PY" "$TMPD/canon.py" "$1"; }

# expect_show NS KIND DESC ENTRY...: KIND show --json in NS holds exactly ENTRY...
expect_show() {
	local ns=$1 kind=$2 desc=$3 got want; shift 3
	got=$(fl "$ns" "$kind" show --json 2>&1 | canon "$kind")
	want=$(IFS=,; echo "[$*]" | canon "$kind")
	if [ "$got" = "$want" ]; then pass "$desc"; else fail "$desc"; diag "got  $got"; diag "want $want"; fi
}

# shows NS: the three show --json outputs, canonical (to compare two pin roots)
shows() {
	local k
	for k in port tunnel route; do fl "$1" "$k" show --json 2>&1 | canon "$k"; done
}

# snap FILE [NS]: the pinned maps (raw bpftool dumps) and the loader's view
snap() {
	local ns=${2:-$NS} pin m
	pin=$(pin_of "$ns")
	{
		for m in fou_port_slot fou_ports fou_peers fou_tunnels fou_routes4 fou_routes6; do
			echo "== $m"
			if [ -e "$pin/$m" ]; then bpftool map dump pinned "$pin/$m" 2>&1; else echo "(absent)"; fi
		done
		echo "== show"
		shows "$ns"
	} >"$1"
}
# same_snap DESC A B
same_snap() {
	cmp -s "$2" "$3"
	ok $? "$1" || diag "$(diff "$2" "$3" | head -20)"
}

# expect_applied DESC FILE COUNTS: the last run exited 0 and printed exactly
# "applied FILE: COUNTS" on stdout
expect_applied() {
	[ "$RC" -eq 0 ] && [ "$OUT" = "applied $2: $3" ]
	ok $? "$1: exit 0, 'applied FILE: $3'" || { show_run; diag "want stdout: applied $2: $3"; }
}
# expect_nothing DESC FILE: exit 0, "FILE: nothing to change"
expect_nothing() {
	[ "$RC" -eq 0 ] && [ "$OUT" = "$2: nothing to change" ]
	ok $? "$1: exit 0, 'FILE: nothing to change'" || { show_run; diag "want stdout: $2: nothing to change"; }
}

# ---------------------------------------------------------------- 8. --help
for cmd in "apply" "show config"; do
	# shellcheck disable=SC2086
	run_fl $cmd --help
	[ "$RC" -eq 0 ] && [ -n "$OUT$ERR" ]
	ok $? "fouloader $cmd --help exits 0 and prints usage" || show_run
done
run_fl apply
[ "$RC" -eq 2 ] && [ -n "$ERR" ]; ok $? "apply without FILE: exit 2 with a message" || show_run
echo "# nothing" >"$TMPD/x.conf"
run_fl apply "$TMPD/x.conf" "$TMPD/x.conf"
[ "$RC" -eq 2 ] && [ -n "$ERR" ]; ok $? "apply with two FILEs: exit 2 with a message" || show_run

# ---------------------------------------------------------------- 1. apply a whole configuration
C1=$TMPD/c1.conf
cat >"$C1" <<'EOF'
# fouloader apply test: 2 ports, 3 tunnels, 3 routes

port add 5555 ipproto 4 local 10.0.0.1 peer 10.0.0.2 peer 10.0.0.3 peer_port 4000
fouloader port add 6080 gue -6 peer any zero-csum6

# tunnels
tunnel add t4 local 10.0.0.1 remote 10.0.0.2 encap fou ipproto 4 encap-dport 5555
tunnel add t6 local fd00::1 remote fd00::2 encap gue encap-dport 6080 noencap-udp6-csum
fouloader tunnel add t41 local 10.0.0.1 remote 10.0.0.4 encap fou ipproto 41 encap-dport 5556 encap-sport 7000 ttl 32 tos 16 mtu 1400
# routes
route add 10.9.0.0/24 tunnel t4
route add 10.9.2.0/24 tunnel t6
route add fd00:9:1::/64 tunnel t41
EOF
P5555='{"port":5555,"family":4,"kind":"fou","ipproto":4,"mark":0,"local":"10.0.0.1","dev":null,"zero_csum6":false,"multicast":false,"remcsum":false,"gre_key":null,"peer_any":false,"peers":[{"addr":"10.0.0.2","peer_port":0},{"addr":"10.0.0.3","peer_port":4000}]}'
P6080_6='{"port":6080,"family":6,"kind":"gue","ipproto":0,"mark":0,"local":null,"dev":null,"zero_csum6":true,"multicast":false,"remcsum":true,"gre_key":null,"peer_any":true,"peers":[]}'
T4='{"name":"t4","local":"10.0.0.1","remote":"10.0.0.2","encap":"fou","ipproto":4,"encap_dport":5555,"encap_sport":"auto","encap_csum":false,"udp6_zero_csum":false,"encap_remcsum":false,"gre_key":null,"gre_csum":false,"gre_seq":false,"ttl":64,"tos":"inherit","mtu":0}'
T6='{"name":"t6","local":"fd00::1","remote":"fd00::2","encap":"gue","ipproto":0,"encap_dport":6080,"encap_sport":"auto","encap_csum":false,"udp6_zero_csum":true,"encap_remcsum":false,"gre_key":null,"gre_csum":false,"gre_seq":false,"ttl":64,"tos":"inherit","mtu":0}'
T41='{"name":"t41","local":"10.0.0.1","remote":"10.0.0.4","encap":"fou","ipproto":41,"encap_dport":5556,"encap_sport":7000,"encap_csum":false,"udp6_zero_csum":false,"encap_remcsum":false,"gre_key":null,"gre_csum":false,"gre_seq":false,"ttl":32,"tos":16,"mtu":1400}'
R1='{"prefix":"10.9.0.0/24","tunnel":"t4"}'
R2='{"prefix":"10.9.2.0/24","tunnel":"t6"}'
R3='{"prefix":"fd00:9:1::/64","tunnel":"t41"}'
expect_c1() {  # expect_c1 NS WHEN
	expect_show "$1" port "$2: port show --json: 5555/4 (2 peers, local), 6080/6 (peer any, zero-csum6)" "$P5555" "$P6080_6"
	expect_show "$1" tunnel "$2: tunnel show --json: t4, t6, t41 with every option" "$T4" "$T6" "$T41"
	expect_show "$1" route "$2: route show --json: the 3 routes" "$R1" "$R2" "$R3"
}

run_fl apply "$C1"
expect_applied "apply c1 to an empty pin root" "$C1" "ports +2 -0 ~0, tunnels +3 -0 ~0, routes +3 -0 ~0"
[ -z "$ERR" ] || diag "stderr: $ERR"
expect_c1 "$NS" "after apply c1"
expect_eq "apply attached nothing (status --json devices)" \
	"$(fl_json_get "$NS" "j.get('devices')" status)" "[]"

# ---------------------------------------------------------------- 2. the same file again
snap "$TMPD/s1"
run_fl apply "$C1"
expect_nothing "apply c1 again" "$C1"
snap "$TMPD/s2"
same_snap "apply c1 again: maps byte-identical (fou_port_slot fou_ports fou_peers fou_tunnels fou_routes4/6)" "$TMPD/s1" "$TMPD/s2"

# ---------------------------------------------------------------- 3. show config round trip
F2=$TMPD/f2.conf F3=$TMPD/f3.conf
# config_lines: stdin without comments and blank lines (apply ignores them)
config_lines() { grep -v -e '^#' -e '^[[:space:]]*$'; }
run_fl show config
ok "$RC" "show config exits 0" || show_run
printf '%s\n' "$OUT" >"$F2"
diag "show config:
$OUT"
# every line is an add line (or a comment); 2 port, 3 tunnel, 3 route lines; tunnels before routes
bad_lines=$(config_lines <"$F2" | grep -v -E '^(port|tunnel|route) add ' | grep -c .)
expect_eq "show config: only 'port add', 'tunnel add', 'route add' lines (and comments)" "$bad_lines" 0
expect_eq "show config: line counts port/tunnel/route" \
	"$(grep -c '^port add ' "$F2")/$(grep -c '^tunnel add ' "$F2")/$(grep -c '^route add ' "$F2")" "2/3/3"
last_t=$(grep -n '^tunnel add ' "$F2" | tail -1 | cut -d: -f1)
first_r=$(grep -n '^route add ' "$F2" | head -1 | cut -d: -f1)
[ -n "$last_t" ] && [ -n "$first_r" ] && [ "$last_t" -lt "$first_r" ]
ok $? "show config: tunnels before routes (last tunnel line $last_t, first route line $first_r)"
run_fl apply "$F2"
expect_nothing "show config > f2; apply f2" "$F2"
snap "$TMPD/s3"
same_snap "apply f2: maps byte-identical" "$TMPD/s2" "$TMPD/s3"
run_fl show config
printf '%s\n' "$OUT" >"$F3"
[ "$RC" -eq 0 ] && [ "$(config_lines <"$F2" | sort)" = "$(config_lines <"$F3" | sort)" ]
ok $? "show config after apply f2: the same set of lines" || diag "$(diff <(sort "$F2") <(sort "$F3"))"

# --dry-run on a pin root that holds nothing yet
fl_run "$NS2" apply "$F2" --dry-run
[ "$RC" -eq 0 ] && echo "$OUT" | grep -q "^would apply.*$F2: ports +2 -0 ~0, tunnels +3 -0 ~0, routes +3 -0 ~0\$"
ok $? "apply f2 --dry-run on a fresh pin root: exit 0, 'would apply ... +2 +3 +3'" || show_run
expect_eq "... and nothing was added" "$(shows "$NS2" | tr -d '\n')" "[][][]"
diag "pin root after a dry run on a fresh one: $([ -e "$(pin_of "$NS2")" ] && echo created || echo 'not created')"

# the empty state: an empty file is nothing to change, show config prints nothing
E0=$TMPD/empty.conf
: >"$E0"
fl_run "$NS2" apply "$E0"
expect_nothing "apply of an empty file to a fresh pin root" "$E0"
fl_run "$NS2" show config
[ "$RC" -eq 0 ] && [ -z "$(printf '%s\n' "$OUT" | config_lines)" ]; ok $? "show config of a fresh pin root: exit 0, no configuration lines" || show_run

# show config reproduces the configuration in another pin root
fl_run "$NS2" apply "$F2"
expect_applied "apply f2 (show config of $NS) in a fresh pin root" "$F2" "ports +2 -0 ~0, tunnels +3 -0 ~0, routes +3 -0 ~0"
expect_c1 "$NS2" "fresh pin root after apply f2"
[ "$(shows "$NS")" = "$(shows "$NS2")" ]; ok $? "both pin roots show the same ports, tunnels, routes"
fl_run "$NS2" show config
[ "$RC" -eq 0 ] && [ "$(config_lines <"$F2" | sort)" = "$(printf '%s\n' "$OUT" | config_lines | sort)" ]
ok $? "show config of the fresh pin root: the same set of lines" || diag "$(diff <(sort "$F2") <(printf '%s\n' "$OUT" | sort))"

# ---------------------------------------------------------------- changes
# c4: drop port 5555, t4's encap-dport 5555 -> 5557, add fd00:9::/64, drop 10.9.2.0/24
C4=$TMPD/c4.conf   # (its last line has no newline)
c4_text=$(cat <<'EOF'
port add 6080 gue -6 peer any zero-csum6
tunnel add t4 local 10.0.0.1 remote 10.0.0.2 encap fou ipproto 4 encap-dport 5557
tunnel add t6 local fd00::1 remote fd00::2 encap gue encap-dport 6080 noencap-udp6-csum
tunnel add t41 local 10.0.0.1 remote 10.0.0.4 encap fou ipproto 41 encap-dport 5556 encap-sport 7000 ttl 32 tos 16 mtu 1400
route add 10.9.0.0/24 tunnel t4
route add fd00:9:1::/64 tunnel t41
route add fd00:9::/64 tunnel t6
EOF
)
printf '%s' "$c4_text" >"$C4"
C4_COUNTS="ports +0 -1 ~0, tunnels +0 -0 ~1, routes +1 -1 ~0"
T4b=${T4/\"encap_dport\":5555/\"encap_dport\":5557}
R4='{"prefix":"fd00:9::/64","tunnel":"t6"}'

# ---------------------------------------------------------------- 7. --dry-run
snap "$TMPD/s4"
run_fl apply "$C4" --dry-run
echo "$OUT" | grep -qxF -- "would apply $C4: $C4_COUNTS" ||
	{ echo "$OUT" | grep -q '^would apply' && echo "$OUT" | grep -qF -- "$C4: $C4_COUNTS"; }
st=$?
[ "$RC" -eq 0 ] && [ "$st" -eq 0 ]
ok $? "apply c4 --dry-run: exit 0, 'would apply ... $C4_COUNTS'" || show_run
! echo "$OUT" | grep -q '^applied'; ok $? "apply --dry-run does not say 'applied'"
snap "$TMPD/s5"
same_snap "apply c4 --dry-run: nothing changed" "$TMPD/s4" "$TMPD/s5"
run_fl apply "$C1" --dry-run
[ "$RC" -eq 0 ] && echo "$OUT" | grep -q 'nothing to change' && ! echo "$OUT" | grep -q '^applied'
ok $? "apply c1 --dry-run on c1's state: exit 0, nothing to change" || show_run

# ---------------------------------------------------------------- 4. apply the changes
run_fl apply "$C4"
expect_applied "apply c4 (port removed, tunnel changed, route added, route removed)" "$C4" "$C4_COUNTS"
expect_show "$NS" port "after c4: only 6080/6 left" "$P6080_6"
expect_show "$NS" tunnel "after c4: t4 now to port 5557, t6 and t41 unchanged" "$T4b" "$T6" "$T41"
expect_show "$NS" route "after c4: 10.9.0.0/24 t4, fd00:9:1::/64 t41, fd00:9::/64 t6" "$R1" "$R3" "$R4"
run_fl apply "$C4"
expect_nothing "apply c4 again" "$C4"

# c4b: port 6080/6 changed (peers), port 6080/4 beside it, port 7000/6 with 5
# peers (fou_peers), tunnel t5 added, 10.9.0.0/24 moved to t6, host route added
C4B=$TMPD/c4b.conf
cat >"$C4B" <<'EOF'
port add 6080 gue -6 peer fd00::7 peer_port 6000 zero-csum6
port add 6080 gue peer any
port add 7000 ipproto 41 -6 peer fd00::15 peer fd00::11 peer_port 5000 peer fd00::12 peer fd00::13 peer fd00::14
tunnel add t4 local 10.0.0.1 remote 10.0.0.2 encap fou ipproto 4 encap-dport 5557
tunnel add t6 local fd00::1 remote fd00::2 encap gue encap-dport 6080 noencap-udp6-csum
tunnel add t41 local 10.0.0.1 remote 10.0.0.4 encap fou ipproto 41 encap-dport 5556 encap-sport 7000 ttl 32 tos 16 mtu 1400
tunnel add t5 local 10.0.0.1 remote 10.0.0.5 encap gue encap-dport 6081 encap-csum ttl inherit
route add 10.9.0.0/24 tunnel t6
route add fd00:9:1::/64 tunnel t41
route add fd00:9::/64 tunnel t6
route add 10.9.7.5 tunnel t5
EOF
P6080_6b='{"port":6080,"family":6,"kind":"gue","ipproto":0,"mark":0,"local":null,"dev":null,"zero_csum6":true,"multicast":false,"remcsum":true,"gre_key":null,"peer_any":false,"peers":[{"addr":"fd00::7","peer_port":6000}]}'
P6080_4='{"port":6080,"family":4,"kind":"gue","ipproto":0,"mark":0,"local":null,"dev":null,"zero_csum6":false,"multicast":false,"remcsum":true,"gre_key":null,"peer_any":true,"peers":[]}'
P7000='{"port":7000,"family":6,"kind":"fou","ipproto":41,"mark":0,"local":null,"dev":null,"zero_csum6":false,"multicast":false,"remcsum":false,"gre_key":null,"peer_any":false,"peers":[{"addr":"fd00::11","peer_port":5000},{"addr":"fd00::12","peer_port":0},{"addr":"fd00::13","peer_port":0},{"addr":"fd00::14","peer_port":0},{"addr":"fd00::15","peer_port":0}]}'
T5='{"name":"t5","local":"10.0.0.1","remote":"10.0.0.5","encap":"gue","ipproto":0,"encap_dport":6081,"encap_sport":"auto","encap_csum":true,"udp6_zero_csum":false,"encap_remcsum":false,"gre_key":null,"gre_csum":false,"gre_seq":false,"ttl":"inherit","tos":"inherit","mtu":0}'
R1b='{"prefix":"10.9.0.0/24","tunnel":"t6"}'
R5='{"prefix":"10.9.7.5/32","tunnel":"t5"}'
run_fl apply "$C4B"
expect_applied "apply c4b (port changed, 2 ports added, tunnel added, route moved, route added)" "$C4B" \
	"ports +2 -0 ~1, tunnels +1 -0 ~0, routes +1 -0 ~1"
expect_show "$NS" port "after c4b: 6080/6 with its new peer, 6080/4, 7000/6 with 5 peers" "$P6080_6b" "$P6080_4" "$P7000"
expect_show "$NS" tunnel "after c4b: t4 t6 t41 t5" "$T4b" "$T6" "$T41" "$T5"
expect_show "$NS" route "after c4b: 10.9.0.0/24 now t6, 10.9.7.5/32 t5" "$R1b" "$R3" "$R4" "$R5"
n=$(bpftool -j map dump pinned "$(pin_of "$NS")/fou_peers" 2>/dev/null | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>&1)
expect_eq "fou_peers holds the 5 peers of port 7000" "$n" 5
snap "$TMPD/s6"
run_fl apply "$C4B"
expect_nothing "apply c4b again (host route written without /32, peers in another order)" "$C4B"
snap "$TMPD/s7"
same_snap "apply c4b again: maps byte-identical" "$TMPD/s6" "$TMPD/s7"
run_fl show config
printf '%s\n' "$OUT" >"$TMPD/f4b.conf"
run_fl apply "$TMPD/f4b.conf"
expect_nothing "show config > f; apply f after c4b" "$TMPD/f4b.conf"

# c4c: t41 and its route removed together, t6 changed while routes use it
C4C=$TMPD/c4c.conf
grep -v -e t41 -e '^tunnel add t6 ' "$C4B" >"$C4C"
echo "tunnel add t6 local fd00::1 remote fd00::2 encap gue encap-dport 6080 noencap-udp6-csum ttl 10" >>"$C4C"
run_fl apply "$C4C"
expect_applied "apply c4c (tunnel and its route removed, a used tunnel changed)" "$C4C" \
	"ports +0 -0 ~0, tunnels +0 -1 ~1, routes +0 -1 ~0"
expect_show "$NS" tunnel "after c4c: t4, t6 with ttl 10, t5" "$T4b" "${T6/\"ttl\":64/\"ttl\":10}" "$T5"
expect_show "$NS" route "after c4c: the routes of t6 and t5 kept" "$R1b" "$R4" "$R5"

# ---------------------------------------------------------------- 5. remove everything
C5=$TMPD/c5.conf
printf '# nothing left\n\n#port add 5555 ipproto 4 peer any\n' >"$C5"
run_fl apply "$C5"
expect_applied "apply of a file with only comments removes everything" "$C5" \
	"ports +0 -3 ~0, tunnels +0 -3 ~0, routes +0 -3 ~0"
expect_show "$NS" port "after removing everything: no port"
expect_show "$NS" tunnel "after removing everything: no tunnel"
expect_show "$NS" route "after removing everything: no route"
n=$(for m in fou_peers fou_routes4 fou_routes6; do bpftool -j map dump pinned "$(pin_of "$NS")/$m" 2>/dev/null; done |
	"$PY" -c 'import json,sys; print(sum(len(json.loads(l)) for l in sys.stdin if l.strip()))' 2>&1)
expect_eq "fou_peers, fou_routes4, fou_routes6 are empty" "$n" 0
run_fl show config
[ "$RC" -eq 0 ] && [ -z "$(printf '%s\n' "$OUT" | config_lines)" ]; ok $? "show config after removing everything: no configuration lines" || show_run
run_fl apply "$E0"
expect_nothing "apply of an empty file when nothing is configured" "$E0"

# ---------------------------------------------------------------- 6. bad files
run_fl apply "$C1"
expect_applied "apply c1 again from empty" "$C1" "ports +2 -0 ~0, tunnels +3 -0 ~0, routes +3 -0 ~0"
expect_c1 "$NS" "after c1 again"
snap "$TMPD/before"
nbad=0
# bad_file DESC LINE: apply $TMPD/badN.conf (from stdin); exit 2, exactly one
# line on stderr "fouloader: FILE:LINE: ...", no applied summary, nothing changed
bad_file() {
	local desc=$1 line=$2 f
	nbad=$((nbad + 1))
	f=$TMPD/bad$nbad.conf
	cat >"$f"
	run_fl apply "$f"
	local lines; lines=$(grep -c '' "$TMPD/err")
	[ "$RC" -eq 2 ] && [ "$lines" -eq 1 ] && [[ $ERR == "fouloader: $f:$line: "?* ]] && ! grep -q '^applied' "$TMPD/out"
	ok $? "bad file ($desc): exit 2, one stderr line 'fouloader: FILE:$line: ...'" ||
		{ show_run; diag "file:"; diag "$(cat -n "$f")"; }
	[ "$RC" -eq 2 ] && diag "  $ERR"
	snap "$TMPD/after"
	same_snap "bad file ($desc): nothing changed" "$TMPD/before" "$TMPD/after"
}
# syntax errors on line 3 of 5: lines 1-2 are valid and new, and must not be applied
for l3 in "tunnel add tx local 10.0.0.1 remote 10.0.0.2 encap fou ipproto 4 encap-dport 70000" \
	"tunnel add tx local 10.0.0.1 remote 10.0.0.2 encap fou ipproto 4" \
	"tunnel add tx local 10.0.0.1 remote fd00::2 encap fou ipproto 4 encap-dport 5555" \
	"tunnel add abcdefghijklmnop local 10.0.0.1 remote 10.0.0.2 encap fou encap-dport 5555" \
	"port add 7002 ipproto 17 peer any" \
	"port add 7002 gue" \
	"route add 10.8.0.0/33 tunnel tn" \
	"route add 10.8.0.0/24 tunnel tn frobnicate" \
	"port del 5555" \
	"port add 7002 gue ipproto 4 peer any" \
	"port add 7002 ipproto 4 gue peer any" \
	"tunnel add tx local 10.0.0.1 remote 10.0.0.2 encap fou encap-dport 5555 encap-csum noencap-csum" \
	"tunnel add tx local 10.0.0.1 remote 10.0.0.1 encap fou encap-dport 5555" \
	"tunnel add tx local 10.0.0.1 remote 255.255.255.255 encap fou encap-dport 5555" \
	"tunnel add tx local fd00::1 remote ff02::1 encap gue encap-dport 5555" \
	"tunnel add tx local :: remote fd00::2 encap gue encap-dport 5555" \
	"tunnel add tx local 10.0.0.1 remote 127.0.0.1 encap fou encap-dport 5555" \
	"route add 10.8.0.0/24 tunnel tn tunnel tn" \
	"sctp dev lo verify noverify" \
	"tunnel add $(printf 't\033x') local 10.0.0.1 remote 10.0.0.2 encap fou encap-dport 5555" \
	"tunnel"; do
	bad_file "line 3: $l3" 3 <<EOF
port add 7001 gue peer any
tunnel add tn local 10.0.0.1 remote 10.0.0.9 encap gue encap-dport 7001
$l3
route add 10.8.0.0/24 tunnel tn
route add 10.8.1.0/24 tunnel tn
EOF
done
bad_file "unknown command word 'port frob'" 2 <<'EOF'
port add 5555 ipproto 4 peer any
port frob 5555
EOF
bad_file "unknown command 'frob'" 1 <<'EOF'
frob add 5555
EOF
bad_file "duplicate port 5555 (IPv4), comments and blanks counted" 5 <<'EOF'
# line 1
port add 5555 ipproto 4 peer any
port add 5555 ipproto 4 -6 peer any

port add 5555 gue peer 10.0.0.9
EOF
bad_file "duplicate port 6080 -6" 3 <<'EOF'
port add 6080 gue -6 peer any zero-csum6
port add 6080 gue peer any
port add 6080 ipproto 41 -6 peer any
EOF
bad_file "duplicate tunnel name t4" 4 <<'EOF'
tunnel add t4 local 10.0.0.1 remote 10.0.0.2 encap fou ipproto 4 encap-dport 5555
tunnel add t6 local fd00::1 remote fd00::2 encap gue encap-dport 6080 noencap-udp6-csum
route add 10.9.0.0/24 tunnel t4
tunnel add t4 local 10.0.0.1 remote 10.0.0.3 encap gue encap-dport 5555
EOF
bad_file "duplicate route prefix 10.9.0.0/24" 4 <<'EOF'
tunnel add t4 local 10.0.0.1 remote 10.0.0.2 encap fou ipproto 4 encap-dport 5555
tunnel add t6 local fd00::1 remote fd00::2 encap gue encap-dport 6080 noencap-udp6-csum
route add 10.9.0.0/24 tunnel t4
route add 10.9.0.0/24 tunnel t6
EOF
bad_file "route to a tunnel not in the file (t4 is pinned, but not in the file)" 3 <<'EOF'
tunnel add t6 local fd00::1 remote fd00::2 encap gue encap-dport 6080 noencap-udp6-csum
route add 10.9.2.0/24 tunnel t6
route add 10.9.0.0/24 tunnel t4
EOF
bad_file "route to an undefined tunnel" 2 <<'EOF'
tunnel add t6 local fd00::1 remote fd00::2 encap gue encap-dport 6080 noencap-udp6-csum
route add 10.8.0.0/24 tunnel nosuch
EOF
bad_file "IPv6 route to a FOU ipproto 4 tunnel" 4 <<'EOF'
fouloader tunnel add t4 local 10.0.0.1 remote 10.0.0.2 encap fou ipproto 4 encap-dport 5555
route add 10.9.0.0/24 tunnel t4
# and then
route add fd00:8::/64 tunnel t4
EOF
bad_file "IPv4 route to a FOU ipproto 41 tunnel" 2 <<'EOF'
tunnel add t41 local 10.0.0.1 remote 10.0.0.4 encap fou ipproto 41 encap-dport 5556
route add 10.8.0.0/24 tunnel t41
EOF

# a missing file: exit 1 or 2, a message naming the file, nothing changed
MISSING=$TMPD/no-such-file.conf
run_fl apply "$MISSING"
{ [ "$RC" -eq 1 ] || [ "$RC" -eq 2 ]; } && [[ $ERR == *"$MISSING"* ]] && [ -z "$OUT" ]
ok $? "apply of a missing file: exit 1 or 2, a message naming the file" || show_run
diag "  $ERR"
snap "$TMPD/after"
same_snap "apply of a missing file: nothing changed" "$TMPD/before" "$TMPD/after"

# a bad file with --dry-run is refused the same way
run_fl apply "$TMPD/bad1.conf" --dry-run
[ "$RC" -eq 2 ] && [[ $ERR == "fouloader: $TMPD/bad1.conf:3: "?* ]]
ok $? "apply BADFILE --dry-run: exit 2, 'fouloader: FILE:3: ...'" || show_run
snap "$TMPD/after"
same_snap "apply BADFILE --dry-run: nothing changed" "$TMPD/before" "$TMPD/after"

# ---------------------------------------------------------------- full tables
# 256 tunnels and 256 ports (every slot), in NS2; then one of each renamed or
# renumbered: the entry the file drops must make room for the new one.
fl "$NS2" apply "$E0" >/dev/null 2>&1
FT=$TMPD/full-t.conf FP=$TMPD/full-p.conf
for ((i = 0; i < 256; i++)); do
	echo "tunnel add t$i local 10.0.0.1 remote 10.0.1.$i encap gue encap-dport 6080"
done >"$FT"
fl_run "$NS2" apply "$FT"
expect_applied "apply 256 tunnels (every slot)" "$FT" "ports +0 -0 ~0, tunnels +256 -0 ~0, routes +0 -0 ~0"
sed -i 's/^tunnel add t0 /tunnel add u0 /' "$FT"
fl_run "$NS2" apply "$FT"
expect_applied "all 256 tunnel slots used, file renames t0 to u0 (delete before add)" "$FT" \
	"ports +0 -0 ~0, tunnels +1 -1 ~0, routes +0 -0 ~0"
expect_eq "... tunnels t1..t255 and u0" \
	"$(fl_json_get "$NS2" "[len(j), sorted(t['name'] for t in j if not t['name'].startswith('t'))]" tunnel show)" '[256, ["u0"]]'
fl "$NS2" apply "$E0" >/dev/null 2>&1
for ((i = 0; i < 256; i++)); do echo "port add $((10000 + i)) gue peer any"; done >"$FP"
fl_run "$NS2" apply "$FP"
expect_applied "apply 256 ports (every slot)" "$FP" "ports +256 -0 ~0, tunnels +0 -0 ~0, routes +0 -0 ~0"
sed -i 's/^port add 10000 /port add 9999 /' "$FP"
fl_run "$NS2" apply "$FP"
expect_applied "all 256 port slots used, file renumbers 10000 to 9999" "$FP" \
	"ports +1 -1 ~0, tunnels +0 -0 ~0, routes +0 -0 ~0"
# one more than fits: refused before anything changes
snap "$TMPD/full0" "$NS2"
for kind in tunnel port; do
	f=$TMPD/over-$kind.conf
	if [ $kind = tunnel ]; then
		for ((i = 0; i < 257; i++)); do echo "tunnel add v$i local 10.0.0.1 remote 10.0.2.$((i % 256)) encap gue encap-dport 6081"; done
	else
		for ((i = 0; i < 257; i++)); do echo "port add $((20000 + i)) gue peer any"; done
	fi >"$f"
	fl_run "$NS2" apply "$f"
	[ "$RC" -eq 2 ] && [[ $ERR == "fouloader: $f:"* ]]
	ok $? "a file with 257 ${kind}s: exit 2, 'fouloader: FILE:...'" || show_run
	snap "$TMPD/full1" "$NS2"
	same_snap "a file with 257 ${kind}s: nothing changed" "$TMPD/full0" "$TMPD/full1"
done

# ---------------------------------------------------------------- with an attached device
ip -n "$NS" link add v0 type veth peer name v1 || bail "could not create veth v0/v1 in $NS"
ip -n "$NS" link set v0 up && ip -n "$NS" link set v1 up
run_fl attach v0 --rx tc
ok "$RC" "attach v0 --rx tc (apply beside an attached device)" || show_run
status0=$(fl_json_get "$NS" "sorted((d.get('dev'), d.get('hook'), d.get('live')) for d in j.get('devices', []))" status)
dev0=$(bpftool map dump pinned "$(pin_of "$NS")/fou_devices" 2>&1)
run_fl apply "$C4"
expect_applied "apply c4 while v0 is attached" "$C4" "$C4_COUNTS"
expect_show "$NS" tunnel "attached: tunnels as c4 says" "$T4b" "$T6" "$T41"
expect_show "$NS" route "attached: routes as c4 says" "$R1" "$R3" "$R4"
run_fl apply "$C5"
expect_applied "apply of only comments while v0 is attached" "$C5" \
	"ports +0 -1 ~0, tunnels +0 -3 ~0, routes +0 -3 ~0"
CD=$TMPD/dev.conf
echo "port add 5555 ipproto 4 peer any dev v1" >"$CD"
run_fl apply "$CD"
expect_applied "apply a port bound to dev v1" "$CD" "ports +1 -0 ~0, tunnels +0 -0 ~0, routes +0 -0 ~0"
expect_eq "... port show names dev v1" "$(fl_json_get "$NS" "[p['dev'] for p in j]" port show)" '["v1"]'
run_fl apply "$CD"
expect_nothing "apply the dev v1 port again" "$CD"
run_fl show config
printf '%s\n' "$OUT" >"$TMPD/fdev.conf"
run_fl apply "$TMPD/fdev.conf"
expect_nothing "show config > f; apply f with a dev-bound port" "$TMPD/fdev.conf"
run_fl apply "$C5"
expect_applied "apply of only comments removes the dev-bound port" "$C5" "ports +0 -1 ~0, tunnels +0 -0 ~0, routes +0 -0 ~0"
status1=$(fl_json_get "$NS" "sorted((d.get('dev'), d.get('hook'), d.get('live')) for d in j.get('devices', []))" status)
dev1=$(bpftool map dump pinned "$(pin_of "$NS")/fou_devices" 2>&1)
[ "$status0" = "$status1" ] && [ "$dev0" = "$dev1" ] && [ "$(tc_ingress_bpf_count "$NS" v0)" = 1 ]
ok $? "apply left the attachment alone (status, fou_devices, tc filter)" ||
	diag "status before $status0 after $status1"
run_fl detach v0
ok "$RC" "detach v0" || show_run

# ---------------------------------------------------------------- a port bound to a device deleted since
# show config prints it as a comment (dev ifindexN could not be applied),
# and applying that output drops the port
ip -n "$NS" link add g0 type veth peer name g1 || bail "could not create veth g0/g1 in $NS"
echo "port add 5556 ipproto 4 peer any dev g0" >"$TMPD/g0.conf"
fl "$NS" apply "$TMPD/g0.conf" >/dev/null || bail "apply of a port bound to g0"
ip -n "$NS" link del g0
run_fl show config
printf '%s\n' "$OUT" >"$TMPD/fgone.conf"
grep -qx '# (device gone) port add 5556 ipproto 4 peer any dev ifindex[0-9]*' "$TMPD/fgone.conf"
ok $? "show config: the port bound to a deleted device is a comment" || show_run
run_fl apply "$TMPD/fgone.conf"
expect_applied "show config > f; apply f drops the port of the deleted device" "$TMPD/fgone.conf" \
	"ports +0 -1 ~0, tunnels +0 -0 ~0, routes +0 -0 ~0"

# ---------------------------------------------------------------- the local port range is not configuration
# encap-sport auto maps into ip_local_port_range, read when the tunnel is
# written: a range changed since is no difference to apply
echo "tunnel add ta local 10.0.0.1 remote 10.0.0.2 encap fou encap-dport 5555" >"$TMPD/ta.conf"
fl "$NS" apply "$TMPD/ta.conf" >/dev/null || bail "apply of tunnel ta"
in_ns "$NS" sysctl -qw net.ipv4.ip_local_port_range="20000 30000" || bail "sysctl in $NS"
run_fl apply "$TMPD/ta.conf"
expect_nothing "apply again after the local port range changed" "$TMPD/ta.conf"
run_fl show config
printf '%s\n' "$OUT" >"$TMPD/fta.conf"
run_fl apply "$TMPD/fta.conf"
expect_nothing "show config > f; apply f after the local port range changed" "$TMPD/fta.conf"

done_testing
