#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# fouloader's ICMP command line inside namespaces this test creates (no
# traffic): fou_tun_index kept exactly in step with fou_tunnels through
# tunnel add / del, apply (add, change, rename, delete) and repaired when
# entries are missing; two tunnels on one path refused; path state
# (fou_tun_path, fou_icmp_bucket, fou_tun_icmp) reset when a slot gets
# another tunnel or a tunnel another path, kept otherwise; pmtu show / flush
# over state planted with bpftool (ages against CLOCK_MONOTONIC, expiry,
# redirects, counters summed over CPUs); icmp set / show good and bad forms
# (exit 2, one line, nothing changed); stats' per-tunnel ICMP counters; apply
# and show config with icmp lines (round trip, bad files); the pin root lock.
cd "$(dirname "$0")/../.." || exit 1
. selftests/lib/hosts.sh

require_root
require_cmd ip nsenter bpftool timeout md5sum flock
require_fouloader
"$FOULOADER" icmp --help >/dev/null 2>&1 || skip_all "$FOULOADER has no 'icmp' command yet"

make_tmpd icmpcli
NS=fou-icmpcli-$$-a      # most checks
NS2=fou-icmpcli-$$-b     # a second pin root: apply round trip
host_ns "$NS" || bail "could not create the namespace $NS"
host_ns "$NS2" || bail "could not create the namespace $NS2"
ip -n "$NS" link add v0 type veth peer name v1 && ip -n "$NS" link set v0 up &&
	ip -n "$NS" link set v1 up || bail "could not create v0/v1 in $NS"
PINR=$(pin_of "$NS")
PINR2=$(pin_of "$NS2")

# No traffic here: the planted ages are read by the loader alone, on a clock
# far enough ahead to plant "700 s ago" right after boot.
clock_ahead
run_fl() { fl_run "$NS" "$@"; }
. selftests/e2e/cli.sh
# state: every map an icmp, pmtu or tunnel command may touch, for before/after
state() {
	local m
	for m in fou_icmp_conf fou_tun_index fou_tun_path fou_tun_icmp fou_icmp_bucket fou_tunnels \
		fou_tun_stats fou_routes4; do
		echo "== $m"
		[ -e "$PINR/$m" ] && bpftool -j map dump pinned "$PINR/$m" 2>&1 | md5sum
	done
	fl "$NS" show config 2>&1
}


# The index against the tunnels, both read raw from the pinned maps:
# fou_tun_index must hold exactly {local, remote, dport, family} -> slot of
# every named fou_tunnels slot; the decoded tunnels must also be what
# 'tunnel show --json' says. Prints "in step (N)" or what differs.
cat >"$TMPD/index.py" <<'EOF'
import ipaddress, json, struct, subprocess, sys
pin, shown = sys.argv[1], json.load(open(sys.argv[2]))
def dump(m):
    return json.loads(subprocess.run(["bpftool", "-j", "map", "dump", "pinned", pin + "/" + m],
                                     capture_output=True, text=True, check=True).stdout)
raw = lambda v: bytes(int(x, 16) for x in v)
def addr(b, fam):
    return str(ipaddress.ip_address(b[:4] if fam == 4 else b[:16]))
want, tunnels = {}, {}
for e in dump("fou_tunnels"):
    v, slot = raw(e["value"]), struct.unpack("<I", raw(e["key"]))[0]
    name = v[:16].split(b"\0")[0].decode()
    if not name:
        continue
    fam, dport = v[16], struct.unpack_from("<H", v, 26)[0]
    k = (addr(v[36:52], fam), addr(v[52:68], fam), dport, fam)
    want[k] = slot
    tunnels[name] = [k[0], k[1], dport]
have = {}
for e in dump("fou_tun_index"):
    k, v = raw(e["key"]), raw(e["value"])
    dport, fam, pad = struct.unpack_from("<HBB", k, 32)
    if fam not in (4, 6) or pad or (fam == 4 and any(k[4:16] + k[20:32])):
        print("bad key bytes:", k.hex()); sys.exit()
    have[(addr(k[0:16], fam), addr(k[16:32], fam), dport, fam)] = struct.unpack("<I", v)[0]
shown = {t["name"]: [t["local"], t["remote"], t["encap_dport"]] for t in shown}
if have != want:
    print("index", sorted(have.items()), "tunnels", sorted(want.items()))
elif shown != tunnels:
    print("tunnel show", shown, "maps", tunnels)
else:
    print("in step (%d)" % len(have))
EOF
index_state() {
	fl "$NS" tunnel show --json >"$TMPD/shown.json" 2>&1
	"$PY" "$TMPD/index.py" "$PINR" "$TMPD/shown.json" 2>&1
}
# index_ok DESC N: the index is in step with N tunnels
index_ok() { expect_eq "fou_tun_index in step with fou_tunnels: $1" "$(index_state)" "in step ($2)"; }

# slot NAME: the tunnel's slot in fou_tunnels
slot() {
	bpftool -j map dump pinned "$PINR/fou_tunnels" | "$PY" -c "import json, sys
print(*[e['formatted']['key'] for e in json.load(sys.stdin)
        if bytes(int(x, 16) for x in e['value'][:16]).split(b'\\0')[0].decode() == sys.argv[1]])" "$1"
}

# Planting what the BPF side learns, little endian like the maps.
le() { "$PY" -c "import struct,sys; print(' '.join('%02x' % b for b in struct.pack('<' + sys.argv[1], *(int(a, 0) for a in sys.argv[2:]))))" "$@"; }
ip16() { "$PY" -c "import ipaddress,sys; print(' '.join('%02x' % b for b in ipaddress.ip_address(sys.argv[1]).packed.ljust(16, b'\0')))" "$1"; }
# plant_path SLOT PMTU AGE_S FROM [GW RFROM RAGE_S]: fou_tun_path[SLOT] =
# {pmtu, pad, pad2, pmtu_ns, pmtu_from, redirect_gw, redirect_ns, redirect_from},
# AGE_S old on the loader's clock (clock_ahead: valid whatever the uptime)
plant_path() {
	local now gw=0.0.0.0 rfrom=0.0.0.0 rns=0
	now=$(ahead_ns)
	[ -n "${5:-}" ] && gw=$5 rfrom=$6 rns=$((now - $7 * 1000000000))
	bpftool map update pinned "$PINR/fou_tun_path" key hex $(le I "$1") value hex \
		$(le HHIQ "$2" 0 0 $((now - $3 * 1000000000))) $(ip16 "$4") $(ip16 $gw) $(le Q $rns) $(ip16 $rfrom)
}
# plant_icmp SLOT V1..V7: every CPU's fou_tun_icmp[SLOT] (bpftool writes the one value to each)
plant_icmp() { local s=$1; shift; bpftool map update pinned "$PINR/fou_tun_icmp" key hex $(le I "$s") value hex $(le 7Q "$@"); }
plant_bucket() { bpftool map update pinned "$PINR/fou_icmp_bucket" key hex $(le I "$1") value hex $(le QQ 123 456); }
# entry MAP SLOT: one slot's formatted value ("values" of every CPU for a per-CPU map)
entry() { bpftool -j map lookup pinned "$PINR/$1" key hex $(le I "$2") 2>&1 | j "j['formatted'].get('value', j['formatted'].get('values'))"; }
zero_path='{"pad2": 0, "pmtu": 0, "pmtu_from": {"": {"ip4": 0, "ip6": [0, 0, 0, 0]}}, "pmtu_ns": 0, "pmtu_seq": 0, "redirect_from": {"": {"ip4": 0, "ip6": [0, 0, 0, 0]}}, "redirect_gw": {"": {"ip4": 0, "ip6": [0, 0, 0, 0]}}, "redirect_ns": 0}'
path_pmtu() { entry fou_tun_path "$1" | j "j['pmtu']"; }
bucket() { entry fou_icmp_bucket "$1" | j "[j['tokens_ns'], j['last_ns']]"; }
icmp_sum() { entry fou_tun_icmp "$1" | j "sum(c['value']['frag_needed'] for c in j)"; }

# ---------------------------------------------------------------- --help
for cmd in icmp "icmp set" "icmp show" pmtu "pmtu show" "pmtu flush"; do
	# shellcheck disable=SC2086
	run_fl $cmd --help
	[ "$RC" -eq 0 ] && grep -q "^usage: fouloader ${cmd%% *}" <<<"$OUT"
	ok $? "fouloader $cmd --help exits 0 and prints usage" || show_run
done
run_fl --help
grep -qx '  fouloader icmp set \[pmtu-expire S|default\] \[pmtu-min4 N|default\] \[pmtu-min6 N|default\]' <<<"$OUT" &&
	grep -qx '         \[rate N|default\] \[burst N|default\] \[redirects accept|ignore\]' <<<"$OUT" &&
	grep -qx '  fouloader pmtu show \[--json\] \[TUNNEL\]' <<<"$OUT" && grep -qx '  fouloader pmtu flush \[TUNNEL\]' <<<"$OUT" &&
	grep -qx '  fouloader icmp show \[--json\]' <<<"$OUT"
ok $? "fouloader --help lists icmp set, icmp show, pmtu show, pmtu flush" || show_run

# ---------------------------------------------------------------- a fresh pin root
DEFAULTS='{"burst": 50, "burst_default": true, "pmtu_expire_s": 600, "pmtu_expire_s_default": true, "pmtu_min4": 552, "pmtu_min4_default": true, "pmtu_min6": 1280, "pmtu_min6_default": true, "rate": 100, "rate_default": true, "redirects": "ignore", "redirects_default": true}'
run_fl icmp show --json
expect_eq "icmp show --json on a fresh pin root: every default" "$(j j <<<"$OUT")" "$DEFAULTS"
run_fl icmp show
[ "$RC" -eq 0 ] && [ "$OUT" = "pmtu-expire 600 (default)
pmtu-min4 552 (default)
pmtu-min6 1280 (default)
rate 100 (default)
burst 50 (default)
redirects ignore (default)" ]
ok $? "icmp show (text) on a fresh pin root: six defaults" || show_run
run_fl pmtu show --json
[ "$RC" -eq 0 ] && [ "$(j j <<<"$OUT")" = "[]" ]
ok $? "pmtu show --json on a fresh pin root: []" || show_run
run_fl pmtu flush
[ "$RC" -eq 0 ] && [ "$OUT" = "flushed 0 path MTUs, 0 redirects" ]
ok $? "pmtu flush on a fresh pin root: flushed 0 path MTUs, 0 redirects" || show_run
[ ! -e "$PINR" ]
ok $? "show and flush created nothing (no pin root $PINR)"

bad_fresh "set or show"      "icmp alone"                     icmp
bad_fresh "show or flush"    "pmtu alone"                     pmtu
bad_fresh "frob"             "unknown icmp command"           icmp frob
bad_fresh "pmtu-expire S"    "icmp set without a setting"     icmp set
bad_fresh "'0'.*1 to 1000000" "rate 0"                        icmp set rate 0
bad_fresh "'1000001'"        "rate 1000001"                   icmp set rate 1000001
bad_fresh "'0'.*1 to 100000" "burst 0"                        icmp set burst 0
bad_fresh "'100001'"         "burst 100001"                   icmp set burst 100001
bad_fresh "'0'.*1 to 86400"  "pmtu-expire 0"                  icmp set pmtu-expire 0
bad_fresh "'86401'"          "pmtu-expire 86401"              icmp set pmtu-expire 86401
bad_fresh "'67'.*68 to 65535" "pmtu-min4 67"                  icmp set pmtu-min4 67
bad_fresh "'65536'"          "pmtu-min4 65536"                icmp set pmtu-min4 65536
bad_fresh "'1279'.*1280"     "pmtu-min6 1279"                 icmp set pmtu-min6 1279
bad_fresh "'ten'"            "rate ten"                       icmp set rate ten
bad_fresh "'-5'"             "burst -5"                       icmp set burst -5
bad_fresh "'maybe'"          "redirects maybe"                icmp set redirects maybe
bad_fresh "'default'"        "redirects default"              icmp set redirects default
bad_fresh "'rate'"           "rate without a value"           icmp set rate
bad_fresh "given twice"      "rate twice"                     icmp set rate 5 burst 5 rate 6
bad_fresh "'frob'"           "icmp set frob 1"                icmp set frob 1
bad_fresh "'--frob'"         "icmp show --frob"               icmp show --frob
bad_fresh "tunnel t1 does not exist" "pmtu show of no tunnel" pmtu show t1
bad_fresh "tunnel t1 does not exist" "pmtu flush of no tunnel" pmtu flush t1
bad_fresh "'--json'"         "pmtu flush --json"              pmtu flush --json
bad_fresh "'b'"              "pmtu show a b"                  pmtu show a b

# ---------------------------------------------------------------- icmp set
run_fl icmp set rate 10 burst 20
ok "$RC" "icmp set rate 10 burst 20 creates the maps and writes" || show_run
expect_eq "fou_icmp_conf: rate 10, burst 20, the rest 0 (defaults)" "$(dump fou_icmp_conf)" \
	'[{"key": 0, "value": {"burst": 20, "flags": 0, "pad": 0, "pmtu_expire_s": 0, "pmtu_min4": 0, "pmtu_min6": 0, "rate": 10}}]'
run_fl icmp set pmtu-expire 300 pmtu-min4 68 pmtu-min6 1400 redirects accept
ok "$RC" "icmp set pmtu-expire 300 pmtu-min4 68 pmtu-min6 1400 redirects accept" || show_run
expect_eq "every setting stored; redirects accept is flag 1" "$(dump fou_icmp_conf)" \
	'[{"key": 0, "value": {"burst": 20, "flags": 1, "pad": 0, "pmtu_expire_s": 300, "pmtu_min4": 68, "pmtu_min6": 1400, "rate": 10}}]'
run_fl icmp show --json
expect_eq "icmp show --json: the values set, none a default" "$(j j <<<"$OUT")" \
	'{"burst": 20, "burst_default": false, "pmtu_expire_s": 300, "pmtu_expire_s_default": false, "pmtu_min4": 68, "pmtu_min4_default": false, "pmtu_min6": 1400, "pmtu_min6_default": false, "rate": 10, "rate_default": false, "redirects": "accept", "redirects_default": false}'
run_fl icmp set rate 1000000 burst 100000 pmtu-expire 86400 pmtu-min4 65535 pmtu-min6 65535
ok "$RC" "icmp set: the largest values are accepted" || show_run
run_fl icmp set rate 1 burst 1 pmtu-expire 1 pmtu-min6 1280
ok "$RC" "icmp set: the smallest values are accepted" || show_run
expect_eq "... and stored" "$(dump fou_icmp_conf)" \
	'[{"key": 0, "value": {"burst": 1, "flags": 1, "pad": 0, "pmtu_expire_s": 1, "pmtu_min4": 65535, "pmtu_min6": 1280, "rate": 1}}]'
run_fl icmp set rate default burst default pmtu-expire default pmtu-min4 default pmtu-min6 default redirects ignore
ok "$RC" "icmp set: every setting back to its default" || show_run
expect_eq "fou_icmp_conf all zero again" "$(dump fou_icmp_conf)" \
	'[{"key": 0, "value": {"burst": 0, "flags": 0, "pad": 0, "pmtu_expire_s": 0, "pmtu_min4": 0, "pmtu_min6": 0, "rate": 0}}]'
expect_eq "icmp show --json says defaults again" "$(fl "$NS" icmp show --json | j j)" "$DEFAULTS"
run_fl icmp set rate 552
run_fl icmp set pmtu-min4 552
expect_eq "an explicit default value is kept as set, not a default" \
	"$(fl "$NS" icmp show --json | j "(j['pmtu_min4'], j['pmtu_min4_default'], j['rate'], j['rate_default'])")" '[552, false, 552, false]'
run_fl icmp set pmtu-min4 default rate default
bad "'0'" "rate 0 with state present" icmp set rate 0
bad "'65536'" "pmtu-min6 65536 after a good word" icmp set rate 5 pmtu-min6 65536

# ---------------------------------------------------------------- the index
run_fl tunnel add t1 local 10.0.0.1 remote 10.0.0.2 encap fou ipproto 4 encap-dport 5555
ok "$RC" "tunnel add t1 (FOU over IPv4)" || show_run
run_fl tunnel add t6 local fd00::1 remote fd00::2 encap gue encap-dport 6080 noencap-udp6-csum
ok "$RC" "tunnel add t6 (GUE over IPv6)" || show_run
run_fl tunnel add t4g local 10.0.0.1 remote 10.0.0.3 encap gue encap-dport 6080 encap-sport 7000
ok "$RC" "tunnel add t4g (GUE over IPv4)" || show_run
index_ok "after three tunnel adds" 3
S1=$(slot t1) S6=$(slot t6) S4G=$(slot t4g)
[ -n "$S1" ] && [ -n "$S6" ] && [ -n "$S4G" ] || bail "no slots for t1 t6 t4g"
# the CPUs a per-CPU map has values for (the possible ones)
NCPU=$(bpftool -j map lookup pinned "$PINR/fou_tun_icmp" key hex 00 00 00 00 | j "len(j['formatted']['values'])")

bad "tunnel t1 already goes from the same local address to 10.0.0.2 port 5555" \
	"a second tunnel on t1's path (same local, remote, encap-dport)" \
	tunnel add t1b local 10.0.0.1 remote 10.0.0.2 encap gue encap-dport 5555
bad "tunnel t6 already goes" "a second tunnel on t6's path (IPv6)" \
	tunnel add t6b local fd00::1 remote fd00::2 encap fou ipproto 41 encap-dport 6080 encap-sport 9000
run_fl tunnel add t1p local 10.0.0.1 remote 10.0.0.2 encap fou ipproto 4 encap-dport 5556
ok "$RC" "another encap-dport to t1's remote is another path: accepted" || show_run
run_fl tunnel add t1l local 10.0.0.9 remote 10.0.0.2 encap fou ipproto 4 encap-dport 5555
ok "$RC" "another local address to t1's remote is another path: accepted" || show_run
index_ok "five tunnels" 5
run_fl tunnel del t1p
ok "$RC" "tunnel del t1p" || show_run
run_fl tunnel del t1l
index_ok "two tunnel dels" 3

# ---------------------------------------------------------------- pmtu show
plant_path "$S1" 1400 5 10.0.0.254 10.0.0.3 10.0.0.254 3 &&
	plant_path "$S6" 1300 700 fd00::fe &&
	plant_icmp "$S1" 1 0 2 3 4 5 6
ok $? "bpftool plants t1's path MTU and redirect, t6's old path MTU, t1's counters" || bail "cannot plant"
run_fl pmtu show --json
ok "$RC" "pmtu show --json exits 0" || show_run
expect_eq "pmtu show --json: every tunnel, in slot order, with its path" \
	"$(j "[(t['name'], t['family'], t['local'], t['remote'], t['encap_dport'], t['overhead']) for t in j]" <<<"$OUT")" \
	'[["t1", 4, "10.0.0.1", "10.0.0.2", 5555, 28], ["t6", 6, "fd00::1", "fd00::2", 6080, 52], ["t4g", 4, "10.0.0.1", "10.0.0.3", 6080, 32]]'
expect_eq "t1's path MTU: 1400, inner 1372 (less 28), from 10.0.0.254, not expired" \
	"$(j "[(t['pmtu']['mtu'], t['pmtu']['inner_mtu'], t['pmtu']['from'], t['pmtu']['expired']) for t in j if t['name'] == 't1'][0]" <<<"$OUT")" \
	'[1400, 1372, "10.0.0.254", false]'
read -r age left <<<"$(j "' '.join(str(t['pmtu'][k]) for t in j if t['name'] == 't1' for k in ('age_s', 'expires_s'))" <<<"$OUT")"
[ "$age" -ge 5 ] && [ "$age" -le 30 ] && [ $((age + left)) -ge 599 ] && [ $((age + left)) -le 600 ]
ok $? "t1's age follows pmtu_ns against CLOCK_MONOTONIC, and age + left = 600 (age $age, left $left)"
expect_eq "t1's redirect: gateway, sender, not expired" \
	"$(j "[(t['redirect']['gateway'], t['redirect']['from'], t['redirect']['expired'], t['redirect']['age_s'] >= 3, t['redirect']['expires_s'] <= 597) for t in j if t['name'] == 't1'][0]" <<<"$OUT")" \
	'["10.0.0.3", "10.0.0.254", false, true, true]'
expect_eq "t1's ICMP counters, summed over $NCPU CPUs" \
	"$(j "[t['icmp'] for t in j if t['name'] == 't1'][0]" <<<"$OUT")" \
	"{\"frag_needed\": $((1 * NCPU)), \"pkt_too_big\": 0, \"rate_limited\": $((6 * NCPU)), \"redirect\": $((4 * NCPU)), \"sent_too_big\": $((5 * NCPU)), \"time_exceeded\": $((3 * NCPU)), \"unreachable\": $((2 * NCPU))}"
expect_eq "t6's path MTU 700 s old: expired (default expiry 600 s), inner 1248 (less 52)" \
	"$(j "[(t['pmtu']['mtu'], t['pmtu']['inner_mtu'], t['pmtu']['from'], t['pmtu']['expired'], t['pmtu']['expires_s'], t['pmtu']['age_s'] >= 700, t['redirect']) for t in j if t['name'] == 't6'][0]" <<<"$OUT")" \
	'[1300, 1248, "fd00::fe", true, 0, true, null]'
expect_eq "t4g: nothing learned (pmtu, redirect null; counters 0)" \
	"$(j "[(t['pmtu'], t['redirect'], sum(t['icmp'].values())) for t in j if t['name'] == 't4g'][0]" <<<"$OUT")" '[null, null, 0]'
run_fl pmtu show t6 --json
expect_eq "pmtu show t6 --json: t6 only" "$(j "[t['name'] for t in j]" <<<"$OUT")" '["t6"]'
run_fl pmtu show
grep -qx "tunnel t1 local 10.0.0.1 remote 10.0.0.2 encap-dport 5555 overhead 28" <<<"$OUT" &&
	grep -q "^  pmtu 1400 inner-mtu 1372 from 10.0.0.254 age [0-9]*s expires [0-9]*s$" <<<"$OUT" &&
	grep -q "^  redirect gateway 10.0.0.3 from 10.0.0.254 age [0-9]*s expires [0-9]*s$" <<<"$OUT" &&
	grep -qx "  icmp frag-needed $NCPU pkt-too-big 0 unreachable $((2 * NCPU)) time-exceeded $((3 * NCPU)) redirect $((4 * NCPU)) sent-too-big $((5 * NCPU)) rate-limited $((6 * NCPU))" <<<"$OUT" &&
	grep -q "^  pmtu 1300 inner-mtu 1248 from fd00::fe age [0-9]*s expired$" <<<"$OUT" &&
	[ "$(grep -c '^  pmtu none$' <<<"$OUT")" -eq 1 ] && [ "$(grep -c '^  redirect none$' <<<"$OUT")" -eq 2 ]
ok $? "pmtu show (text): path MTU, redirect, counters, expired, none" || show_run
run_fl icmp set pmtu-expire 800
expect_eq "pmtu-expire 800: t6's 700 s old path MTU is live again, about 100 s left" \
	"$(fl "$NS" pmtu show t6 --json | j "[(t['pmtu']['expired'], 90 <= t['pmtu']['expires_s'] <= 100) for t in j][0]")" '[false, true]'
run_fl icmp set pmtu-expire default

# ---------------------------------------------------------------- stats
declare -A st
stats_load st "$NS" || fail "stats --json did not parse"
[ "${st[tun:t1:icmp_frag_needed]}" = "$NCPU" ] && [ "${st[tun:t1:icmp_unreachable]}" = $((2 * NCPU)) ] &&
	[ "${st[tun:t1:icmp_time_exceeded]}" = $((3 * NCPU)) ] && [ "${st[tun:t1:icmp_redirect]}" = $((4 * NCPU)) ] &&
	[ "${st[tun:t1:icmp_sent_too_big]}" = $((5 * NCPU)) ] && [ "${st[tun:t1:icmp_rate_limited]}" = $((6 * NCPU)) ] &&
	[ "${st[tun:t1:icmp_pkt_too_big]}" = 0 ] && [ "${st[tun:t6:icmp_frag_needed]}" = 0 ] && [ "${st[tun:t1:tx_packets]}" = 0 ]
ok $? "stats --json: tun:NAME:icmp_* beside tx_packets for every tunnel" ||
	diag "$(for k in "${!st[@]}"; do [[ $k == tun:* ]] && echo "$k=${st[$k]}"; done | sort)"
run_fl stats
grep -q "^ *icmp frag_needed $NCPU pkt_too_big 0 unreachable $((2 * NCPU)) .* rate_limited $((6 * NCPU))$" <<<"$OUT" &&
	[ "$(grep -c '^ *icmp ' <<<"$OUT")" -eq 1 ]
ok $? "stats (text): an icmp line for t1 only (the others are all zero)" || show_run
run_fl stats --all
[ "$(grep -c '^ *icmp frag_needed' <<<"$OUT")" -eq 3 ]
ok $? "stats --all: an icmp line for every tunnel" || show_run

# ---------------------------------------------------------------- pmtu flush
before_conf=$(dump fou_icmp_conf; dump fou_tun_icmp; dump fou_tunnels)
run_fl pmtu flush t6
[ "$RC" -eq 0 ] && [ "$OUT" = "tunnel t6: pmtu 1300 forgotten
flushed 1 path MTU, 0 redirects" ]
ok $? "pmtu flush t6: says what went" || show_run
expect_eq "t6's fou_tun_path is zero" "$(entry fou_tun_path "$S6")" "$zero_path"
expect_eq "t1's path MTU is kept" "$(path_pmtu "$S1")" 1400
run_fl pmtu flush
[ "$RC" -eq 0 ] && [ "$OUT" = "tunnel t1: pmtu 1400 forgotten, redirect to 10.0.0.3 forgotten
flushed 1 path MTU, 1 redirect" ]
ok $? "pmtu flush: t1's path MTU and redirect" || show_run
expect_eq "t1's fou_tun_path is zero" "$(entry fou_tun_path "$S1")" "$zero_path"
[ "$(dump fou_icmp_conf; dump fou_tun_icmp; dump fou_tunnels)" = "$before_conf" ]
ok $? "pmtu flush keeps the settings, the counters and the tunnels"
run_fl pmtu flush
[ "$RC" -eq 0 ] && [ "$OUT" = "flushed 0 path MTUs, 0 redirects" ]
ok $? "pmtu flush again: flushed 0 path MTUs, 0 redirects" || show_run
expect_eq "pmtu show --json after the flush: no path state left" \
	"$(fl "$NS" pmtu show --json | j "[(t['pmtu'], t['redirect']) for t in j]")" '[[null, null], [null, null], [null, null]]'

# ---------------------------------------------------------------- path state and changes
# apply_ok DESC SUMMARY LINES...: apply a file of LINES; its summary must be SUMMARY
apply_ok() {
	local desc=$1 want=$2; shift 2
	printf '%s\n' "$@" >"$TMPD/a.conf"
	run_fl apply "$TMPD/a.conf"
	[ "$RC" -eq 0 ] && [ "$OUT" = "applied $TMPD/a.conf: $want" ]
	ok $? "apply: $desc" || show_run
}
T1="tunnel add t1 local 10.0.0.1 remote 10.0.0.2 encap fou ipproto 4 encap-dport 5555"
T6="tunnel add t6 local fd00::1 remote fd00::2 encap gue encap-dport 6080 noencap-udp6-csum"
T4G="tunnel add t4g local 10.0.0.1 remote 10.0.0.3 encap gue encap-dport 6080 encap-sport 7000"
plant_all() { plant_path "$1" 1400 5 10.0.0.254 && plant_bucket "$1" && plant_icmp "$1" 7 0 0 0 0 0 0; }

plant_all "$S1"
apply_ok "t1 gets ttl 10 (same path)" "ports +0 -0 ~0, tunnels +0 -0 ~1, routes +0 -0 ~0" "$T1 ttl 10" "$T6" "$T4G"
[ "$(path_pmtu "$S1")" = 1400 ] && [ "$(bucket "$S1")" = "[123, 456]" ] && [ "$(icmp_sum "$S1")" = $((7 * NCPU)) ]
ok $? "a change that keeps the path keeps the path MTU, the bucket and the counters"
index_ok "after a change of ttl" 3
apply_ok "t1 gets encap-dport 5557 (another path)" "ports +0 -0 ~0, tunnels +0 -0 ~1, routes +0 -0 ~0" \
	"${T1/5555/5557}" "$T6" "$T4G"
[ "$(path_pmtu "$S1")" = 0 ] && [ "$(bucket "$S1")" = "[0, 0]" ] && [ "$(icmp_sum "$S1")" = $((7 * NCPU)) ] &&
	[ "$(slot t1)" = "$S1" ]
ok $? "a new encap-dport: same slot, path MTU and bucket reset, counters kept" ||
	diag "pmtu $(path_pmtu "$S1") bucket $(bucket "$S1") icmp $(icmp_sum "$S1") slot $(slot t1)"
index_ok "after a change of encap-dport" 3
plant_all "$S1"
apply_ok "t1 gets remote 10.0.0.4" "ports +0 -0 ~0, tunnels +0 -0 ~1, routes +0 -0 ~0" \
	"${T1/10.0.0.2/10.0.0.4}" "$T6" "$T4G"
[ "$(path_pmtu "$S1")" = 0 ] && [ "$(bucket "$S1")" = "[0, 0]" ]
ok $? "a new remote: path MTU and bucket reset"
index_ok "after a change of remote" 3
plant_all "$S6"
apply_ok "t6 gets local fd00::9" "ports +0 -0 ~0, tunnels +0 -0 ~1, routes +0 -0 ~0" \
	"${T1/10.0.0.2/10.0.0.4}" "${T6/fd00::1/fd00::9}" "$T4G"
[ "$(path_pmtu "$S6")" = 0 ] && [ "$(bucket "$S6")" = "[0, 0]" ]
ok $? "a new local: path MTU and bucket reset"
index_ok "after a change of local" 3

# rename through apply: u1 takes t1's path while t1 still exists, then t1 goes
plant_all "$S1"
sed -i 's/^tunnel add t1 /tunnel add u1 /' "$TMPD/a.conf"
run_fl apply "$TMPD/a.conf"
[ "$RC" -eq 0 ] && [ "$OUT" = "applied $TMPD/a.conf: ports +0 -0 ~0, tunnels +1 -1 ~0, routes +0 -0 ~0" ]
ok $? "apply: rename t1 to u1 (same path)" || show_run
SU1=$(slot u1)
index_ok "after the rename (the key names u1's slot)" 3
[ "$SU1" != "$S1" ] && [ "$(path_pmtu "$S1")" = 0 ] && [ "$(bucket "$S1")" = "[0, 0]" ] && [ "$(icmp_sum "$S1")" = 0 ] &&
	[ "$(path_pmtu "$SU1")" = 0 ] && [ "$(icmp_sum "$SU1")" = 0 ]
ok $? "the old slot is reset, counters too; the new tunnel starts from nothing" ||
	diag "slots $S1 -> $SU1; old pmtu $(path_pmtu "$S1") icmp $(icmp_sum "$S1"); new pmtu $(path_pmtu "$SU1")"

# tunnel del and add reuse a slot: nothing of the old tunnel survives
plant_all "$S4G"
run_fl tunnel del t4g
ok "$RC" "tunnel del t4g" || show_run
[ "$(entry fou_tun_path "$S4G")" = "$zero_path" ] && [ "$(bucket "$S4G")" = "[0, 0]" ] && [ "$(icmp_sum "$S4G")" = 0 ]
ok $? "tunnel del resets the slot's path, bucket and ICMP counters"
index_ok "after tunnel del" 2
# leftovers in the free slots (t1's and t4g's old ones): a new tunnel must not inherit them
plant_all "$S1" && plant_all "$S4G"
run_fl tunnel add t9 local 10.0.0.1 remote 10.0.0.3 encap gue encap-dport 6080
S9=$(slot t9)
[ "$RC" -eq 0 ] && { [ "$S9" = "$S1" ] || [ "$S9" = "$S4G" ]; } && [ "$(entry fou_tun_path "$S9")" = "$zero_path" ] &&
	[ "$(bucket "$S9")" = "[0, 0]" ] && [ "$(icmp_sum "$S9")" = 0 ]
ok $? "tunnel add t9 into a free slot with leftovers ($S9): path, bucket and counters start at zero" || show_run
index_ok "after tunnel add into a reused slot" 3

# apply deleting every tunnel empties the index
printf '# nothing\n' >"$TMPD/empty.conf"
run_fl apply "$TMPD/empty.conf"
ok "$RC" "apply of an empty file" || show_run
index_ok "after every tunnel went" 0
expect_eq "fou_tun_index is empty" "$(dump fou_tun_index)" "[]"

# ---------------------------------------------------------------- repairs
apply_ok "three tunnels again" "ports +0 -0 ~0, tunnels +3 -0 ~0, routes +0 -0 ~0" "$T1" "$T6" "$T4G"
S1=$(slot t1)
bpftool map delete pinned "$PINR/fou_tun_index" key hex $(ip16 10.0.0.1) $(ip16 10.0.0.2) $(le HBB 5555 4 0) &&
	bpftool map update pinned "$PINR/fou_tun_index" key hex $(ip16 10.0.0.7) $(ip16 10.0.0.8) $(le HBB 1 4 0) value hex $(le I "$S1")
ok $? "bpftool removes t1's key and adds a stale one"
[ "$(index_state)" != "in step (3)" ]
ok $? "... the index is out of step now"
run_fl apply "$TMPD/a.conf"
[ "$RC" -eq 0 ] && [ "$OUT" = "$TMPD/a.conf: nothing to change" ]
ok $? "apply of the same file: nothing to change" || show_run
index_ok "apply repaired it" 3
rm -f "$PINR/fou_tun_index"
run_fl tunnel show
[ "$RC" -eq 0 ] && [ ! -e "$PINR/fou_tun_index" ]
ok $? "a pin root without fou_tun_index (made before it): tunnel show works, creates nothing" || show_run
run_fl tunnel del t4g
ok "$RC" "... tunnel del works without it" || show_run
run_fl apply "$TMPD/a.conf"
[ "$RC" -eq 0 ] && [ -e "$PINR/fou_tun_index" ]
ok $? "apply re-creates fou_tun_index" || show_run
index_ok "and fills it from fou_tunnels" 3

# ---------------------------------------------------------------- apply, show config
run_fl icmp set pmtu-expire 300 rate 10 redirects accept
run_fl show config
printf '%s\n' "$OUT" >"$TMPD/shown.conf"
grep -qx 'icmp set pmtu-expire 300 rate 10 redirects accept' <<<"$OUT" && [ "$(grep -c '^icmp' <<<"$OUT")" -eq 1 ]
ok $? "show config prints one icmp set line, only the settings that are not defaults" || show_run
before=$(state)
run_fl apply "$TMPD/shown.conf"
[ "$RC" -eq 0 ] && [ "$OUT" = "$TMPD/shown.conf: nothing to change" ] && [ "$(state)" = "$before" ]
ok $? "apply of show config's output: nothing to change, maps identical" || show_run
fl_run "$NS2" apply "$TMPD/shown.conf"
[ "$RC" -eq 0 ] && [ "$OUT" = "applied $TMPD/shown.conf: ports +0 -0 ~0, tunnels +3 -0 ~0, routes +0 -0 ~0, icmp +1 -0 ~0" ]
ok $? "apply into a fresh pin root: tunnels +3, icmp +1" || show_run
[ "$(fl "$NS2" show config | sed 1d)" = "$(fl "$NS" show config | sed 1d)" ]
ok $? "the fresh pin root's show config is the original's" || diag "$(fl "$NS2" show config)"
expect_eq "... and its fou_icmp_conf" "$(PINR=$PINR2 dump fou_icmp_conf)" \
	'[{"key": 0, "value": {"burst": 0, "flags": 1, "pad": 0, "pmtu_expire_s": 300, "pmtu_min4": 0, "pmtu_min6": 0, "rate": 10}}]'
expect_eq "... and its fou_tun_index" "$(PINR=$PINR2; NS=$NS2; index_state)" "in step (3)"

cat >"$TMPD/edit.conf" <<EOF
$T1
$T6
$T4G
fouloader icmp set rate 10        # pmtu-expire back to the default
icmp set burst 5 pmtu-min6 1400   # lines add up
EOF
run_fl apply "$TMPD/edit.conf" --dry-run
[ "$RC" -eq 0 ] && [ "$OUT" = "would apply $TMPD/edit.conf: ports +0 -0 ~0, tunnels +0 -0 ~0, routes +0 -0 ~0, icmp +0 -0 ~1" ] &&
	[ "$(state)" = "$before" ]
ok $? "apply --dry-run of an edit: icmp ~1, nothing changed" || show_run
run_fl apply "$TMPD/edit.conf"
[ "$RC" -eq 0 ] && [ "$OUT" = "applied $TMPD/edit.conf: ports +0 -0 ~0, tunnels +0 -0 ~0, routes +0 -0 ~0, icmp +0 -0 ~1" ]
ok $? "apply of the edit: icmp ~1" || show_run
expect_eq "fou_icmp_conf: what the file says, the rest defaults (redirects ignore)" "$(dump fou_icmp_conf)" \
	'[{"key": 0, "value": {"burst": 5, "flags": 0, "pad": 0, "pmtu_expire_s": 0, "pmtu_min4": 0, "pmtu_min6": 1400, "rate": 10}}]'
printf '%s\n' "$T1" "$T6" "$T4G" >"$TMPD/noicmp.conf"
run_fl apply "$TMPD/noicmp.conf"
[ "$RC" -eq 0 ] && [ "$OUT" = "applied $TMPD/noicmp.conf: ports +0 -0 ~0, tunnels +0 -0 ~0, routes +0 -0 ~0, icmp +0 -1 ~0" ]
ok $? "a file without icmp lines resets the settings (icmp -1)" || show_run
expect_eq "show config with ICMP defaults prints no icmp line" "$(fl "$NS" show config | grep -c '^icmp')" 0

badfile 3 "rate is already set on line 1" "rate on two lines" "icmp set rate 5" "$T1" "icmp set burst 3 rate 6"
badfile 2 "'0'" "rate 0" "$T1" "icmp set rate 0"
badfile 1 "'icmp show'" "icmp show in a file" "icmp show"
badfile 1 "'pmtu flush'" "pmtu flush in a file" "pmtu flush"
badfile 2 "tunnel t1b goes from the same local address to 10.0.0.2 port 5555 as tunnel t1 on line 1" \
	"two tunnels on one path" "$T1" "tunnel add t1b local 10.0.0.1 remote 10.0.0.2 encap gue encap-dport 5555"

# ---------------------------------------------------------------- the lock
waits_for_lock icmp set rate 7
waits_for_lock pmtu flush
waits_for_lock tunnel del t4g

done_testing
