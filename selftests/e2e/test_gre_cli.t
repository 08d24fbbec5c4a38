#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# The command line of GRE in FOU/GUE (ipproto 47) inside a namespace this test
# creates (no traffic): tunnel add ... ipproto 47 [key K] [csum] [seq], port
# add ... ipproto 47|gue [key K], their show and --json forms, routes of both
# families into one GRE tunnel, show config, and bad input (exit 2, one line
# on stderr, no map changed).
cd "$(dirname "$0")/../.." || exit 1
. selftests/lib/hosts.sh
. selftests/e2e/cli.sh

require_root
require_cmd ip nsenter bpftool timeout md5sum
require_fouloader
require_tunnel_cmd

make_tmpd grecli
NS=fou-grecli-$$-h
host_ns "$NS" || bail "could not create the namespace"
PINR=$(pin_of "$NS")

run_fl() { fl_run "$NS" "$@"; }

state() {
	local m
	for m in fou_tunnels fou_routes4 fou_routes6 fou_ports fou_port_slot; do
		echo "== $m"
		[ -e "$PINR/$m" ] && bpftool -j map dump pinned "$PINR/$m" 2>&1 | md5sum
	done
	fl "$NS" tunnel show --json 2>&1
	fl "$NS" port show --json 2>&1
}

for cmd in "tunnel add" "port add"; do
	# shellcheck disable=SC2086
	run_fl $cmd --help
	[ "$RC" -eq 0 ] && grep -q "47" <<<"$OUT$ERR" && grep -q "key K" <<<"$OUT$ERR"
	ok $? "fouloader $cmd --help names ipproto 47 and key K" || show_run
done

# ---------------------------------------------------------------- good
run_fl tunnel add g1 local 192.0.2.1 remote 192.0.2.2 encap fou ipproto 47 key 1.2.3.4 csum seq encap-dport 5600
ok "$RC" "tunnel add g1: FOU ipproto 47 key 1.2.3.4 csum seq" || show_run
run_fl tunnel add g2 local fd00::1 remote fd00::2 encap gue ipproto gre key 0x10 encap-dport 6090
ok "$RC" "tunnel add g2: GUE ipproto gre key 0x10" || show_run
run_fl tunnel show
grep -q "^tunnel g1 .* encap fou ipproto 47 key 16909060 csum seq encap-dport 5600 " <<<"$OUT"
ok $? "tunnel show: g1 in the grammar of tunnel add (key 1.2.3.4 = 16909060)" || show_run
grep -q "^tunnel g2 .* encap gue ipproto 47 key 16 encap-dport 6090 " <<<"$OUT"
ok $? "tunnel show: g2 (GUE, GRE key 16)" || show_run
expect_eq "tunnel show --json: g1's GRE settings" \
	"$(fl_json_get "$NS" "[(t['ipproto'], t['gre_key'], t['gre_csum'], t['gre_seq']) for t in j if t['name']=='g1']" tunnel show)" \
	'[[47, 16909060, true, true]]'
expect_eq "tunnel show --json: g2 has no csum/seq" \
	"$(fl_json_get "$NS" "[(t['encap'], t['ipproto'], t['gre_key'], t['gre_csum'], t['gre_seq']) for t in j if t['name']=='g2']" tunnel show)" \
	'[["gue", 47, 16, false, false]]'
run_fl route add 10.30.0.0/16 tunnel g1
ok "$RC" "route add: an IPv4 prefix into GRE tunnel g1" || show_run
run_fl route add fd00:30::/64 tunnel g1
ok "$RC" "route add: an IPv6 prefix into the same GRE tunnel" || show_run

run_fl port add 5600 ipproto 47 key 9 peer 192.0.2.2
ok "$RC" "port add 5600 ipproto 47 key 9" || show_run
run_fl port add 6090 gue -6 peer fd00::2
ok "$RC" "port add 6090 gue -6 (GRE inside: any key)" || show_run
run_fl port show
grep -q "^port 5600 ipproto 47 .* key 9$" <<<"$OUT"; ok $? "port show: 5600 with key 9" || show_run
expect_eq "port show --json: gre_key of 5600 and 6090" \
	"$(fl_json_get "$NS" "sorted((p['port'], p['gre_key']) for p in j)" port show)" '[[5600, 9], [6090, null]]'

run_fl show config
grep -q "ipproto 47 key 16909060 csum seq" <<<"$OUT" && grep -q "port add 5600 ipproto 47 .*key 9" <<<"$OUT"
ok $? "show config keeps the GRE settings" || show_run
printf '%s\n' "$OUT" >"$TMPD/gre.conf"
run_fl apply "$TMPD/gre.conf"
[ "$RC" -eq 0 ] && grep -q "nothing to change" <<<"$OUT"
ok $? "apply of show config's output: nothing to change" || show_run
sed -i 's/key 16909060 csum seq/key 16909061 csum/' "$TMPD/gre.conf"
run_fl apply "$TMPD/gre.conf"
[ "$RC" -eq 0 ] && grep -q "tunnels +0 -0 ~1" <<<"$OUT"
ok $? "apply: a changed GRE key and seq dropped change tunnel g1" || show_run
expect_eq "g1 after apply: key 16909061, csum, no seq" \
	"$(fl_json_get "$NS" "[(t['gre_key'], t['gre_csum'], t['gre_seq']) for t in j if t['name']=='g1']" tunnel show)" \
	'[[16909061, true, false]]'

expect_eq "pmtu show --json: g1's overhead counts its GRE header, now key and csum (20 + 8 + 12)" \
	"$(fl_json_get "$NS" "[t['overhead'] for t in j if t['name']=='g1'][0]" pmtu show)" 40

# ---------------------------------------------------------------- bad
T="tunnel add gx local 192.0.2.1 remote 192.0.2.9 encap-dport 5601"
# shellcheck disable=SC2086
{
bad key "key without ipproto 47" $T encap fou ipproto 4 key 5
bad csum "csum on a FOU ipproto 41 tunnel" $T encap fou ipproto 41 csum
bad seq "seq on a GUE tunnel without ipproto 47" $T encap gue seq
bad key "key given twice" $T encap fou ipproto 47 key 1 key 2
bad csum "csum given twice" $T encap fou ipproto 47 csum csum
bad key "key not a number" $T encap fou ipproto 47 key abc
bad key "key over 32 bits" $T encap fou ipproto 47 key 4294967296
bad key "key a bad dotted quad" $T encap fou ipproto 47 key 1.2.3
bad ipproto "encap gue ipproto 4" $T encap gue ipproto 4
bad encap-remcsum "encap-remcsum with GRE inside GUE" $T encap gue ipproto 47 encap-remcsum
bad key "port key on ipproto 4" port add 5602 ipproto 4 key 1 peer any
bad key "port key given twice" port add 5602 ipproto 47 key 1 key 2 peer any
bad key "port key without a value" port add 5602 ipproto 47 peer any key
}

done_testing
