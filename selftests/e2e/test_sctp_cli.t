#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# fouloader's SCTP command line inside namespaces this test creates (no
# traffic): sctp set / dev / show / flush, RFC 6951 ports (port add ... ipproto
# 132, refused for tunnels), every command's good forms read back from the
# pinned maps (bpftool) and from sctp show --json, bad forms (exit 2, one line
# on stderr naming the bad word, no map changed, nothing created on a fresh
# pin root), learned peers planted with bpftool shown and flushed, device
# names resolved in the caller's namespace, a device that is gone, a pin root
# from before SCTP, the pin root's lock, and apply / show config with sctp
# lines (round trip, changes, bad files).
cd "$(dirname "$0")/../.." || exit 1
. selftests/lib/hosts.sh

require_root
require_cmd ip nsenter bpftool timeout md5sum flock
require_fouloader
"$FOULOADER" sctp --help >/dev/null 2>&1 || skip_all "$FOULOADER has no 'sctp' command yet"

make_tmpd sctpcli
NS=fou-sctpcli-$$-a      # most checks
NS2=fou-sctpcli-$$-b     # a second pin root: apply round trip, other namespace's devices
host_ns "$NS" || bail "could not create the namespace $NS"
host_ns "$NS2" || bail "could not create the namespace $NS2"
for n in "$NS" "$NS2"; do
	ip -n "$n" link add v0 type veth peer name v1 && ip -n "$n" link set v0 up &&
		ip -n "$n" link set v1 up || bail "could not create v0/v1 in $n"
done
ip -n "$NS2" link add w0 type veth peer name w1 || bail "could not create w0/w1 in $NS2"
PINR=$(pin_of "$NS")
PINR2=$(pin_of "$NS2")
IF_V0=$(ip -n "$NS" -j link show dev v0 | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["ifindex"])')
IF_V1=$(ip -n "$NS" -j link show dev v1 | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["ifindex"])')

# Planted peers are aged by the loader alone (no traffic here), on a clock
# far enough ahead to plant "100 s ago" right after boot.
clock_ahead
run_fl() { fl_run "$NS" "$@"; }
. selftests/e2e/cli.sh
# sj EXPR: EXPR on sctp show --json in NS
sj() { fl "$NS" sctp show --json 2>&1 | j "$1"; }
# state: every map an sctp or port command may touch, for before/after
state() {
	local m
	for m in fou_sctp_conf fou_sctp_devs fou_sctp_peers fou_sctp_vtags fou_ports fou_port_slot \
		fou_peers fou_tunnels; do
		echo "== $m"
		[ -e "$PINR/$m" ] && bpftool -j map dump pinned "$PINR/$m" 2>&1 | md5sum
	done
	fl "$NS" show config 2>&1
}


# ---------------------------------------------------------------- --help
for cmd in sctp "sctp set" "sctp dev" "sctp show" "sctp flush"; do
	# shellcheck disable=SC2086
	run_fl $cmd --help
	[ "$RC" -eq 0 ] && grep -q "^usage: fouloader sctp" <<<"$OUT"
	ok $? "fouloader $cmd --help exits 0 and prints usage" || show_run
done
run_fl --help
grep -qx '  fouloader sctp dev DEV { \[side udp|native\] \[verify|noverify\] \[fill|nofill\] | default }' <<<"$OUT" &&
	grep -qx '  fouloader sctp set \[encap-port P|default\] \[remote-encap-port P|default\]' <<<"$OUT" &&
	grep -q '^  fouloader port add PORT { ipproto 4|41|47|132 | gue }' <<<"$OUT"
ok $? "fouloader --help lists sctp set, sctp dev and port add ... ipproto 4|41|47|132" || show_run

# ---------------------------------------------------------------- a fresh pin root
run_fl sctp show --json
got=$(j "(j['config'], j['devs'], j['ports'], j['peers'], j['counts'])" <<<"$OUT")
expect_eq "sctp show --json on a fresh pin root: the defaults, nothing else" "$got" \
	'[{"encap_port": 9899, "encap_port_default": true, "remote_encap_port": 9899, "remote_encap_port_default": true}, [], [], [], {"peers": 0, "vtags": 0}]'
run_fl sctp show
[ "$RC" -eq 0 ] && grep -qx 'encap-port 9899 (default)' <<<"$OUT" &&
	grep -qx 'remote-encap-port 9899 (default)' <<<"$OUT" && grep -qx 'learned: 0 peers, 0 tags' <<<"$OUT"
ok $? "sctp show (text) on a fresh pin root says the defaults are defaults" || show_run
run_fl sctp flush
[ "$RC" -eq 0 ] && [ "$OUT" = "flushed 0 peers, 0 tags" ]
ok $? "sctp flush on a fresh pin root: flushed 0 peers, 0 tags" || show_run
[ ! -e "$PINR" ]
ok $? "show and flush created nothing (no pin root $PINR)"

bad_fresh "set, dev, show or flush" "sctp alone"             sctp
bad_fresh "frob"             "unknown sctp command"           sctp frob
bad_fresh "encap-port P"     "sctp set without an option"     sctp set
bad_fresh "encap-port"       "sctp set encap-port without P"  sctp set encap-port
bad_fresh "'0'"              "encap-port 0"                   sctp set encap-port 0
bad_fresh "'65536'"          "encap-port 65536"               sctp set encap-port 65536
bad_fresh "'nine'"           "remote-encap-port nine"         sctp set remote-encap-port nine
bad_fresh "given twice"      "encap-port twice"               sctp set encap-port 1 encap-port 2
bad_fresh "'frob'"           "sctp set frob 1"                sctp set frob 1
bad_fresh "missing DEV"      "sctp dev without DEV"           sctp dev
bad_fresh "expected side"    "sctp dev v0 without a setting"  sctp dev v0
bad_fresh "'nosuch0'"        "sctp dev of a missing device"   sctp dev nosuch0 side udp
bad_fresh "'w0'"             "a device of another namespace"  sctp dev w0 side udp
bad_fresh "'sideways'"       "side sideways"                  sctp dev v0 side sideways
bad_fresh "'side'"           "side without a value"           sctp dev v0 side
bad_fresh "'verify' and 'noverify' exclude each other" "verify and noverify" sctp dev v0 verify noverify
bad_fresh "'nofill' and 'fill' exclude each other"   "nofill and fill"     sctp dev v0 nofill fill
bad_fresh "'fill' given twice"                       "fill twice"          sctp dev v0 fill fill
bad_fresh "'side' given twice"                       "side twice"          sctp dev v0 side udp side native
bad_fresh "'default' given twice"                    "default twice"       sctp dev v0 default default
bad_fresh "'default'"        "default with a setting"         sctp dev v0 default side udp
bad_fresh "'frob'"           "sctp dev v0 frob"               sctp dev v0 frob
bad_fresh "'ifindex999'"     "ifindexN of no device, not to reset" sctp dev ifindex999 fill
bad_fresh "'--frob'"         "sctp show --frob"               sctp show --frob
bad_fresh "'now'"            "sctp flush now"                 sctp flush now
bad_fresh "'133'"            "port add ... ipproto 133"       port add 9899 ipproto 133 peer any
bad_fresh "zero-csum6"       "ipproto 132 with zero-csum6"    port add 9899 ipproto 132 -6 zero-csum6 peer any
bad_fresh "sctp dev DEV side udp" "tunnel ... ipproto 132"    tunnel add t1 local 10.0.0.1 remote 10.0.0.2 encap fou ipproto 132 encap-dport 9899
bad_fresh "'sctp'"           "tunnel ... ipproto sctp"        tunnel add t1 local 10.0.0.1 remote 10.0.0.2 encap fou ipproto sctp encap-dport 9899

# ---------------------------------------------------------------- sctp set
run_fl sctp set encap-port 5000
ok "$RC" "sctp set encap-port 5000 creates the maps and writes" || show_run
expect_eq "fou_sctp_conf holds encap_port 5000, remote_port 0 (default)" "$(dump fou_sctp_conf)" \
	'[{"key": 0, "value": {"encap_port": 5000, "flags": 0, "remote_port": 0}}]'
expect_eq "sctp show --json: 5000 set, remote-encap-port the default" "$(sj "j['config']")" \
	'{"encap_port": 5000, "encap_port_default": false, "remote_encap_port": 9899, "remote_encap_port_default": true}'
run_fl sctp set remote-encap-port 6000
ok "$RC" "sctp set remote-encap-port 6000" || show_run
expect_eq "encap-port kept, remote-encap-port 6000" "$(dump fou_sctp_conf)" \
	'[{"key": 0, "value": {"encap_port": 5000, "flags": 0, "remote_port": 6000}}]'
run_fl sctp set encap-port default
ok "$RC" "sctp set encap-port default" || show_run
expect_eq "encap-port back to 0 (default), remote-encap-port kept" "$(dump fou_sctp_conf)" \
	'[{"key": 0, "value": {"encap_port": 0, "flags": 0, "remote_port": 6000}}]'
run_fl sctp set encap-port 9899 remote-encap-port default
ok "$RC" "sctp set encap-port 9899 remote-encap-port default (both in one)" || show_run
expect_eq "an explicit 9899 is stored as such" "$(dump fou_sctp_conf)" \
	'[{"key": 0, "value": {"encap_port": 9899, "flags": 0, "remote_port": 0}}]'
expect_eq "sctp show --json: explicit 9899 is not a default" "$(sj "(j['config']['encap_port'], j['config']['encap_port_default'], j['config']['remote_encap_port_default'])")" \
	'[9899, false, true]'

# ---------------------------------------------------------------- sctp dev
devs() { dump fou_sctp_devs; }
run_fl sctp dev v0 side udp
ok "$RC" "sctp dev v0 side udp" || show_run
expect_eq "fou_sctp_devs[v0] = UDP_SIDE" "$(devs)" "[{\"key\": $IF_V0, \"value\": {\"flags\": 4}}]"
run_fl sctp dev v0 noverify
expect_eq "sctp dev v0 noverify keeps side udp" "$(devs)" "[{\"key\": $IF_V0, \"value\": {\"flags\": 5}}]"
run_fl sctp dev v0 fill verify
expect_eq "sctp dev v0 fill verify: fill on, verify back, side kept" "$(devs)" "[{\"key\": $IF_V0, \"value\": {\"flags\": 6}}]"
run_fl sctp dev v1 noverify
ok "$RC" "sctp dev v1 noverify" || show_run
expect_eq "sctp show --json devs: name, ifindex, side, verify, fill" "$(sj "sorted(j['devs'], key=lambda d: d['dev'])")" \
	"[{\"dev\": \"v0\", \"fill\": true, \"ifindex\": $IF_V0, \"side\": \"udp\", \"verify\": true}, {\"dev\": \"v1\", \"fill\": false, \"ifindex\": $IF_V1, \"side\": \"native\", \"verify\": false}]"
run_fl sctp show
grep -qx "dev v0 ifindex $IF_V0 side udp verify fill" <<<"$OUT" &&
	grep -qx "dev v1 ifindex $IF_V1 side native noverify nofill" <<<"$OUT" && grep -qx 'encap-port 9899' <<<"$OUT"
ok $? "sctp show (text) lists both devices with every setting" || show_run
run_fl sctp dev v0 side native nofill
ok "$RC" "sctp dev v0 side native nofill (all defaults now)" || show_run
expect_eq "all defaults: v0's entry is deleted" "$(devs)" "[{\"key\": $IF_V1, \"value\": {\"flags\": 1}}]"
run_fl sctp dev v1 default
ok "$RC" "sctp dev v1 default" || show_run
expect_eq "default: v1's entry is deleted" "$(devs)" "[]"
run_fl sctp dev v1 default
ok "$RC" "sctp dev v1 default again (already default) exits 0" || show_run

# A device that is gone: shown by ifindex, reset by that name only.
ip -n "$NS" link add x0 type veth peer name x1 || bail "could not create x0/x1"
IF_X0=$(ip -n "$NS" -j link show dev x0 | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["ifindex"])')
run_fl sctp dev x0 fill
ip -n "$NS" link del x0
expect_eq "a device that is gone: sctp show --json dev null, its ifindex kept" "$(sj "[(d['dev'], d['ifindex'], d['fill']) for d in j['devs']]")" \
	"[[null, $IF_X0, true]]"
run_fl show config
grep -qx "# (device gone) sctp dev ifindex$IF_X0 fill" <<<"$OUT"
ok $? "show config prints the gone device as a comment" || show_run
bad "ifindex$IF_X0" "sctp dev ifindexN fill (a gone device cannot be set)" sctp dev "ifindex$IF_X0" fill
run_fl sctp dev "ifindex$IF_X0" default
ok "$RC" "sctp dev ifindex$IF_X0 default removes the gone device's entry" || show_run
expect_eq "fou_sctp_devs is empty again" "$(devs)" "[]"
# ifindexN names an entry, strictly: no entry, or a number that would wrap
# to another device's ifindex, is refused
run_fl sctp dev v1 fill
bad "ifindex$IF_X0" "sctp dev ifindexN default without an entry" sctp dev "ifindex$IF_X0" default
bad "ifindex$((IF_V1 + 4294967296))" "sctp dev ifindex(N + 2^32) default (would wrap to v1)" \
	sctp dev "ifindex$((IF_V1 + 4294967296))" default
bad "ifindex+$IF_V1" "sctp dev ifindex+N default (a sign)" sctp dev "ifindex+$IF_V1" default
fl "$NS" sctp dev v1 default >/dev/null

# ---------------------------------------------------------------- RFC 6951 ports
run_fl port add 9899 ipproto 132 peer any
ok "$RC" "port add 9899 ipproto 132 peer any" || show_run
run_fl port add 9901 ipproto sctp -6 peer fd00::1 peer_port 9899
ok "$RC" "port add 9901 ipproto sctp -6 peer fd00::1 peer_port 9899" || show_run
run_fl port add 5555 ipproto 4 peer any
run_fl port show
grep -qx 'port 9899 ipproto 132 peer any' <<<"$OUT" &&
	grep -qx 'port 9901 ipproto 132 -6 peer fd00::1 peer_port 9899' <<<"$OUT"
ok $? "port show prints them in the grammar of port add (ipproto 132)" || show_run
expect_eq "port show --json: ipproto 132, kind fou" "$(fl "$NS" port show --json | j "sorted((p['port'], p['kind'], p['ipproto']) for p in j)")" \
	'[[5555, "fou", 4], [9899, "fou", 132], [9901, "fou", 132]]'
expect_eq "sctp show --json ports: the two RFC 6951 ports only" "$(sj "[(p['port'], p['family']) for p in j['ports']]")" \
	'[[9899, 4], [9901, 6]]'
run_fl sctp show
grep -qx 'port 9899 ipproto 132 peer any' <<<"$OUT" && ! grep -q 'port 5555' <<<"$OUT"
ok $? "sctp show (text) lists port 9899, not the FOU port 5555" || show_run
bad "already exists" "a second port 9899" port add 9899 ipproto 132 peer any
bad "zero-csum6" "ipproto 132 with zero-csum6 (state present)" port add 9902 ipproto 132 -6 zero-csum6 peer any

# ---------------------------------------------------------------- learned peers
# Plant what the BPF side would learn: fou_sctp_peer_key {addr[16], vtag,
# family, pad[3]} -> fou_sctp_peer {encap_port, flags, peer_vtag, updated_ns},
# host (little endian) order but for the address.
le() { "$PY" -c "import struct,sys; print(' '.join('%02x' % b for b in struct.pack('<' + sys.argv[1], *(int(a, 0) for a in sys.argv[2:]))))" "$@"; }
NOW=$(ahead_ns)   # the loader's clock (clock_ahead): 100 s ago exists right after boot
A4="0a 09 00 01 00 00 00 00 00 00 00 00 00 00 00 00"          # 10.9.0.1
A6="fd 00 00 00 00 00 00 00 00 00 00 00 00 00 00 09"          # fd00::9
plant() { bpftool map update pinned "$PINR/$1" key hex $2 value hex $3; }
plant fou_sctp_peers "$A4 $(le IB3x 0x11223344 4)" "$(le HHIQ 40000 0 0xaabbccdd $((NOW - 5000000000)))" &&
	plant fou_sctp_peers "$A6 $(le IB3x 1 6)" "$(le HHIQ 0 1 0x00000002 $((NOW - 100000000000)))" &&
	plant fou_sctp_vtags "$A4 $(le IB3x 0xaabbccdd 4)" "$(le II 0x11223344 0)" &&
	plant fou_sctp_vtags "$A6 $(le IB3x 2 6)" "$(le II 1 0)"
ok $? "bpftool plants two learned peers (IPv4 over UDP, IPv6 native) and their tags" || bail "cannot plant peers"
run_fl sctp show --json
expect_eq "sctp show --json peers: address, tags as 0x%08x, port, native" \
	"$(j "[(p['family'], p['addr'], p['vtag'], p['peer_vtag'], p['encap_port'], p['native']) for p in j['peers']]" <<<"$OUT")" \
	'[[4, "10.9.0.1", "0x11223344", "0xaabbccdd", 40000, false], [6, "fd00::9", "0x00000001", "0x00000002", 0, true]]'
ages=$(j "' '.join(str(p['age_s']) for p in j['peers'])" <<<"$OUT")
read -r age4 age6 <<<"$ages"
[ "$age4" -ge 5 ] && [ "$age4" -le 60 ] && [ "$age6" -ge 100 ] && [ "$age6" -le 160 ]
ok $? "ages follow updated_ns against CLOCK_MONOTONIC (5 s and 100 s ago: $ages)"
expect_eq "sctp show --json counts" "$(j "j['counts']" <<<"$OUT")" '{"peers": 2, "vtags": 2}'
run_fl sctp show
grep -q '^peer 10\.9\.0\.1 vtag 0x11223344 peer-vtag 0xaabbccdd encap-port 40000 udp age [0-9]*s$' <<<"$OUT" &&
	grep -q '^peer fd00::9 vtag 0x00000001 peer-vtag 0x00000002 encap-port 0 native age [0-9]*s$' <<<"$OUT" &&
	grep -qx 'learned: 2 peers, 2 tags' <<<"$OUT"
ok $? "sctp show (text) prints both peers and the counts" || show_run
run_fl show config
! grep -q '10\.9\.0\.1\|fd00::9\|peer-vtag' <<<"$OUT"
ok $? "show config leaves learned peers out (state, not configuration)" || show_run

# 200 more over IPv4, through bpftool batch
for i in $(seq 1 200); do
	echo "map update pinned $PINR/fou_sctp_peers key hex 0a 0a $(printf '%02x %02x' $((i / 256)) $((i % 256))) 00 00 00 00 00 00 00 00 00 00 00 00 $(le IB3x "$i" 4) value hex $(le HHIQ 9899 0 "$i" "$NOW")"
done >"$TMPD/batch"
bpftool batch file "$TMPD/batch" >/dev/null 2>&1
expect_eq "202 peers after a batch of 200" "$(sj "j['counts']['peers']")" 202
before_conf=$(dump fou_sctp_conf; devs; fl "$NS" port show)
bad "'now'" "sctp flush now (with peers)" sctp flush now
run_fl sctp flush
[ "$RC" -eq 0 ] && [ "$OUT" = "flushed 202 peers, 2 tags" ]
ok $? "sctp flush: flushed 202 peers, 2 tags" || show_run
expect_eq "fou_sctp_peers is empty" "$(dump fou_sctp_peers)" "[]"
expect_eq "fou_sctp_vtags is empty" "$(dump fou_sctp_vtags)" "[]"
[ "$(dump fou_sctp_conf; devs; fl "$NS" port show)" = "$before_conf" ]
ok $? "flush keeps the settings and the ports"
run_fl sctp flush
[ "$RC" -eq 0 ] && [ "$OUT" = "flushed 0 peers, 0 tags" ]
ok $? "sctp flush again: flushed 0 peers, 0 tags" || show_run

# ---------------------------------------------------------------- the lock, and old pin roots
# Writers wait for the pin root's lock (held here by flock(1) for 1.5 s).
waits_for_lock sctp dev v0 side udp
waits_for_lock sctp set encap-port 7000
waits_for_lock sctp flush
run_fl sctp dev v0 default
run_fl sctp set encap-port default

# A pin root from before SCTP has no sctp maps: read as defaults, created on write.
rm -f "$PINR"/fou_sctp_conf "$PINR"/fou_sctp_devs "$PINR"/fou_sctp_peers "$PINR"/fou_sctp_vtags
run_fl sctp show --json
expect_eq "pin root without sctp maps: sctp show reads defaults" \
	"$(j "(j['config']['encap_port_default'], j['devs'], j['counts'])" <<<"$OUT")" '[true, [], {"peers": 0, "vtags": 0}]'
run_fl sctp flush
[ "$RC" -eq 0 ] && [ "$OUT" = "flushed 0 peers, 0 tags" ] && [ ! -e "$PINR/fou_sctp_peers" ]
ok $? "pin root without sctp maps: sctp flush flushes nothing, creates nothing" || show_run
run_fl sctp dev v1 fill
[ "$RC" -eq 0 ] && [ -e "$PINR/fou_sctp_conf" ] && [ -e "$PINR/fou_sctp_peers" ] &&
	[ -e "$PINR/fou_sctp_vtags" ] && [ "$(devs)" = "[{\"key\": $IF_V1, \"value\": {\"flags\": 2}}]" ]
ok $? "pin root without sctp maps: sctp dev creates every missing map and writes" || show_run
run_fl sctp dev v1 default

# ---------------------------------------------------------------- apply, show config
fl "$NS" port del 9901 -6 >/dev/null; fl "$NS" port del 5555 >/dev/null
run_fl sctp set encap-port 5000 remote-encap-port 6000
run_fl sctp dev v0 side udp noverify
run_fl sctp dev v1 fill
run_fl show config
printf '%s\n' "$OUT" >"$TMPD/shown.conf"
grep -qx 'port add 9899 ipproto 132 peer any' <<<"$OUT" &&
	grep -qx 'sctp set encap-port 5000 remote-encap-port 6000' <<<"$OUT" &&
	grep -qx 'sctp dev v0 side udp noverify' <<<"$OUT" && grep -qx 'sctp dev v1 fill' <<<"$OUT" &&
	[ "$(grep -c '^sctp' <<<"$OUT")" -eq 3 ]
ok $? "show config prints sctp set and sctp dev lines, only non-default words" || show_run
before=$(state)
run_fl apply "$TMPD/shown.conf"
[ "$RC" -eq 0 ] && [ "$OUT" = "$TMPD/shown.conf: nothing to change" ] && [ "$(state)" = "$before" ]
ok $? "apply of show config's output: nothing to change, maps identical" || show_run

fl_run "$NS2" apply "$TMPD/shown.conf"
[ "$RC" -eq 0 ] && [ "$OUT" = "applied $TMPD/shown.conf: ports +1 -0 ~0, tunnels +0 -0 ~0, routes +0 -0 ~0, sctp +3 -0 ~0" ]
ok $? "apply into a fresh pin root: port +1, sctp +3 (settings and two devices)" || show_run
[ "$(fl "$NS2" show config | sed 1d)" = "$(fl "$NS" show config | sed 1d)" ]
ok $? "the fresh pin root's show config is the original's" || diag "$(fl "$NS2" show config)"
expect_eq "... and its fou_sctp_conf" "$(PINR=$PINR2 dump fou_sctp_conf)" \
	'[{"key": 0, "value": {"encap_port": 5000, "flags": 0, "remote_port": 6000}}]'

# In a file, what an sctp line leaves out is the default, not the pinned value.
cat >"$TMPD/edit.conf" <<'EOF'
port add 9899 ipproto 132 peer any
fouloader sctp set remote-encap-port 6000   # encap-port back to the default
sctp dev v0 side udp                        # noverify dropped
EOF
run_fl apply "$TMPD/edit.conf" --dry-run
[ "$RC" -eq 0 ] && [ "$OUT" = "would apply $TMPD/edit.conf: ports +0 -0 ~0, tunnels +0 -0 ~0, routes +0 -0 ~0, sctp +0 -1 ~2" ] &&
	[ "$(state)" = "$before" ]
ok $? "apply --dry-run of an edit: sctp +0 -1 ~2, nothing changed" || show_run
run_fl apply "$TMPD/edit.conf"
[ "$RC" -eq 0 ] && [ "$OUT" = "applied $TMPD/edit.conf: ports +0 -0 ~0, tunnels +0 -0 ~0, routes +0 -0 ~0, sctp +0 -1 ~2" ]
ok $? "apply of the edit: conf changed, v0 changed, v1 back to defaults" || show_run
expect_eq "fou_sctp_conf: encap_port 0 (default), remote_port 6000" "$(dump fou_sctp_conf)" \
	'[{"key": 0, "value": {"encap_port": 0, "flags": 0, "remote_port": 6000}}]'
expect_eq "fou_sctp_devs: v0 side udp only (verify is the default again), v1 gone" "$(devs)" \
	"[{\"key\": $IF_V0, \"value\": {\"flags\": 4}}]"
run_fl apply "$TMPD/edit.conf"
[ "$RC" -eq 0 ] && [ "$OUT" = "$TMPD/edit.conf: nothing to change" ]
ok $? "the same edit again: nothing to change" || show_run

# Peers are state: apply neither shows nor touches them.
plant fou_sctp_peers "$A4 $(le IB3x 0x11223344 4)" "$(le HHIQ 40000 0 0xaabbccdd "$NOW")"
echo 'port add 9899 ipproto 132 peer any' >"$TMPD/nosctp.conf"
run_fl apply "$TMPD/nosctp.conf"
[ "$RC" -eq 0 ] && [ "$OUT" = "applied $TMPD/nosctp.conf: ports +0 -0 ~0, tunnels +0 -0 ~0, routes +0 -0 ~0, sctp +0 -2 ~0" ]
ok $? "a file without sctp lines resets the settings and v0 (sctp -2)" || show_run
[ "$(dump fou_sctp_conf)" = '[{"key": 0, "value": {"encap_port": 0, "flags": 0, "remote_port": 0}}]' ] &&
	[ "$(devs)" = "[]" ] && [ "$(sj "j['counts']['peers']")" = 1 ]
ok $? "... settings at defaults, no device entry, the learned peer still there"
run_fl show config
[ "$(grep -c '^sctp' <<<"$OUT")" -eq 0 ]
ok $? "show config with every SCTP setting at its default prints no sctp line" || show_run
run_fl apply "$TMPD/shown.conf"
[ "$RC" -eq 0 ] && [ "$OUT" = "applied $TMPD/shown.conf: ports +0 -0 ~0, tunnels +0 -0 ~0, routes +0 -0 ~0, sctp +3 -0 ~0" ]
ok $? "applying the shown file again: sctp +3" || show_run

badfile 3 "already set on line 1" "encap-port on two lines" \
	"sctp set encap-port 1" "sctp dev v1 noverify" "sctp set remote-encap-port 2 encap-port 3"
badfile 2 "sctp dev v0 is already set on line 1" "a device on two lines" \
	"sctp dev v0 fill" "sctp dev v0 nofill"
badfile 2 "'w0'" "a device of another namespace" "sctp set encap-port 7000" "sctp dev w0 side udp"
badfile 1 "'sctp show'" "sctp show in a file" "sctp show"
badfile 2 "'sctp flush'" "sctp flush in a file" "port add 9899 ipproto 132 peer any" "sctp flush"
badfile 1 "'default'" "default with a setting" "sctp dev v0 default fill"
badfile 1 "expected encap-port" "sctp set alone" "sctp set"
badfile 1 "not supported for tunnels" "a tunnel with ipproto 132" \
	"tunnel add t1 local 10.0.0.1 remote 10.0.0.2 encap fou ipproto 132 encap-dport 9899"

# ---------------------------------------------------------------- stats
run_fl stats --json
want=$(sed -n 's/^[[:space:]]*X([A-Z0-9_]*, *"\([a-z0-9_]*\)".*/\1/p' include/fou_stats.h | sort | tr '\n' ' ')
got=$(j "' '.join(sorted(j['counters'])) + ' '" <<<"$OUT")
[ "$RC" -eq 0 ] && [ "$got" = "$want" ] && grep -q 'sctp_port_learned' <<<"$got"
ok $? "stats --json has every counter of include/fou_stats.h, sctp ones included" || show_run
run_fl stats --all
grep -q '^sctp_port_learned  *0  event: ' <<<"$OUT" && grep -q '^drop_sctp_crc  *0  bad SCTP CRC32c' <<<"$OUT"
ok $? "stats --all lists the SCTP counters and events with their meaning" || show_run

done_testing
