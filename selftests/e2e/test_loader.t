#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# fouloader's command line and attach bookkeeping, end to end, inside
# namespaces this test creates:
#   --help everywhere; JSON outputs parse; attach twice / detach twice on XDP
#   and TC; detach of a device never attached; a clsact qdisc and filter that
#   existed before attach survive detach; a driver without native XDP is refused
#   clearly; a foreign XDP program is not replaced; native XDP on a tap;
#   concurrent commands serialise; state (pins, programs) survives the
#   loader's exit; bad command lines exit 2 with one line on stderr and change
#   no map.
cd "$(dirname "$0")/../.." || exit 1
. selftests/lib/netns.sh

require_root
require_cmd ip tc nsenter bpftool timeout
require_fouloader
"$PY" -c 'import json' 2>/dev/null || skip_all "$PY missing"

make_tmpd loader
make_pair ld || bail "could not build the namespace topology"
# (no dummy driver in this kernel: a second veth pair inside the receiver)
ip -n "$RCV_NS" link add dum0 type veth peer name dum1 && ip -n "$RCV_NS" link set dum0 up &&
	ip -n "$RCV_NS" link set dum1 up ||
	bail "could not add a second veth pair"
DEV=$RCV_IF
diag "receiver $RCV_NS dev $DEV, pin root $PIN"

# run_fl ARGS...: fouloader in the receiver namespace; sets RC, OUT, ERR.
run_fl() { fl_run "$RCV_NS" "$@"; }

# attach_again HOOK [ARGS...]: attaching DEV a second time may replace the
# program (0) or refuse with a message (1); anything else fails.
attach_again() {
	local hook=$1; shift
	run_fl attach "$DEV" --rx "$hook" "$@"
	if [ "$RC" -eq 0 ] || { [ "$RC" -eq 1 ] && [ -n "$ERR" ]; }; then
		pass "second attach $DEV --rx $hook: exit $RC (0 = replaced, 1 = refused with a message)"
	else
		fail "second attach $DEV --rx $hook: exit $RC"
	fi
	show_run
}

# json_ok ARGS...: fouloader ARGS --json exits 0 and prints one JSON document.
json_ok() {
	run_fl "$@" --json
	[ "$RC" -eq 0 ] && printf '%s' "$OUT" | "$PY" -c 'import json,sys; json.load(sys.stdin)' 2>/dev/null
}

# status_dev FIELD: FIELD of DEV's entry in status --json ("absent" if not listed,
# "many" if listed more than once).
status_dev() {
	local dev=${2:-$DEV}
	fl_json_get "$RCV_NS" "(lambda d: 'absent' if not d else 'many' if len(d) > 1 else d[0].get('$1'))([d for d in j['devices'] if d.get('dev') == '$dev'])" status
}

# ---------------------------------------------------------------- --help
for cmd in "" attach detach status port "port add" "port del" "port show" stats \
	tunnel "tunnel add" "tunnel del" "tunnel show" route "route add" "route del" "route show"; do
	# shellcheck disable=SC2086
	run_fl $cmd --help
	[ "$RC" -eq 0 ] && [ -n "$OUT$ERR" ]
	ok $? "fouloader ${cmd:+$cmd }--help exits 0 and prints usage" || show_run
done

# ---------------------------------------------------------------- XDP attach twice, detach twice
run_fl attach "$DEV" --rx xdp --xdp-mode native
ok "$RC" "attach $DEV --rx xdp --xdp-mode native" || show_run
[ "$(xdp_attach_mode "$RCV_NS" "$DEV")" = native ]
ok $? "ip link: native XDP program on $DEV" || diag "$(ip -n "$RCV_NS" -d link show dev "$DEV")"

# state survives the loader's exit: a new invocation sees it
st_hook=$(status_dev hook)
st_xdp_mode=$(status_dev xdp_mode)
st_live=$(status_dev live)
st_ifindex=$(status_dev ifindex)
prog_id=$(status_dev prog_id)
[ "$st_hook" = xdp ] && [ "$st_xdp_mode" = native ] && [ "$st_live" = true ]
ok $? "new invocation: status --json shows $DEV hook xdp, native, live" ||
	diag "hook=$st_hook xdp_mode=$st_xdp_mode live=$st_live"
[ "$st_ifindex" = "$(ip -n "$RCV_NS" -j link show dev "$DEV" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["ifindex"])')" ]
ok $? "status --json ifindex matches the namespace's $DEV" || diag "status ifindex=$st_ifindex"
[[ "$prog_id" =~ ^[0-9]+$ ]] && bpftool prog show id "$prog_id" >/dev/null 2>&1
ok $? "bpftool prog show id $prog_id: the program outlives the loader"
ip_prog=$(ip -n "$RCV_NS" -j -d link show dev "$DEV" | "$PY" -c '
import json,sys
x = json.load(sys.stdin)[0].get("xdp", {})
print(x.get("prog", {}).get("id", ""))')
[ "$ip_prog" = "$prog_id" ]
ok $? "status prog_id ($prog_id) is the program ip link reports ($ip_prog)"
missing=
for m in fou_ports fou_peers fou_port_stats fou_stats fou_devices; do
	[ -e "$PIN/$m" ] || missing="$missing $m"
	bpftool map show pinned "$PIN/$m" >/dev/null 2>&1 || missing="$missing $m(bpftool)"
done
[ -z "$missing" ]; ok $? "maps pinned in $PIN after the loader exited" || diag "missing:$missing"
[ "$(fl_json_get "$RCV_NS" "j['pin_root']" status)" = "$PIN" ]
ok $? "status --json pin_root is $PIN"

attach_again xdp --xdp-mode native
n=$(xdp_prog_count "$RCV_NS" "$DEV")
[ "$n" = 1 ]; ok $? "exactly one XDP program on $DEV after attaching twice (ip link: $n)"
[ "$(status_dev hook)" = xdp ]; ok $? "status lists $DEV once, on xdp"
[ "$(status_dev live)" = true ]; ok $? "status: $DEV live after the second attach"

run_fl detach "$DEV"
ok "$RC" "detach $DEV (xdp)" || show_run
[ "$(xdp_attach_mode "$RCV_NS" "$DEV")" = none ]
ok $? "no XDP program on $DEV after detach"
[ "$(status_dev hook)" = absent ]; ok $? "status no longer lists $DEV"
run_fl detach "$DEV"
[ "$RC" -ne 0 ] && [ -n "$ERR" ]
ok $? "second detach $DEV exits non-zero with a message (exit $RC)" || show_run
[ "$RC" -eq 1 ] || diag "contract: 1 for 'device not attached', got $RC"

# ---------------------------------------------------------------- XDP skb mode
run_fl attach dum0 --rx xdp --xdp-mode skb
ok "$RC" "attach dum0 --rx xdp --xdp-mode skb" || show_run
[ "$(xdp_attach_mode "$RCV_NS" dum0)" = skb ]; ok $? "ip link: generic (skb) XDP on dum0"
[ "$(status_dev xdp_mode dum0)" = skb ]; ok $? "status --json: dum0 xdp_mode skb"
run_fl detach dum0
ok "$RC" "detach dum0" || show_run
[ "$(xdp_attach_mode "$RCV_NS" dum0)" = none ]; ok $? "no XDP program on dum0 after detach"

# ---------------------------------------------------------------- XDP without CAP_SYS_ADMIN
# libxdp's dispatcher needs CAP_SYS_ADMIN, and libxdp 1.3's fallback crashed
# for a program given by fd: fouloader attaches the single program itself.
if command -v setpriv >/dev/null; then
	nocap() { timeout 20 nsenter --net="/run/netns/$RCV_NS" setpriv --inh-caps=-sys_admin \
		--bounding-set=-sys_admin "$FOULOADER" --pin-root "$PIN" "$@"; }
	nocap attach dum0 --rx xdp --xdp-mode skb >"$TMPD/nocap" 2>&1
	ok $? "attach dum0 --rx xdp without CAP_SYS_ADMIN" || diag_file "$TMPD/nocap"
	nocap attach dum0 --rx xdp --xdp-mode skb >"$TMPD/nocap" 2>&1
	ok $? "attach dum0 again without CAP_SYS_ADMIN (replace)" || diag_file "$TMPD/nocap"
	[ "$(status_dev live dum0)" = true ]; ok $? "status: dum0 live after the replace"
	nocap detach dum0 >"$TMPD/nocap" 2>&1
	ok $? "detach dum0 without CAP_SYS_ADMIN" || diag_file "$TMPD/nocap"
	[ "$(xdp_attach_mode "$RCV_NS" dum0)" = none ]; ok $? "no XDP program on dum0 after detach"
else
	skip "XDP attach without CAP_SYS_ADMIN" "setpriv missing"
fi

# ---------------------------------------------------------------- a foreign XDP program
# Where libxdp's dispatcher cannot share the device (this kernel), attaching
# over a program fouloader did not attach is refused, and it stays.
if ip -n "$RCV_NS" link set dev dum1 xdp obj build/trivial.bpf.o sec xdp.frags 2>/dev/null; then
	run_fl attach dum1 --rx xdp
	[ "$RC" -eq 1 ] && [[ "$ERR" == *"another XDP program"* ]]
	ok $? "attach over a foreign XDP program: refused with a message (exit 1)" || show_run
	ip -n "$RCV_NS" -d link show dev dum1 | grep -q "name trivial_xdp"
	ok $? "the foreign XDP program is still attached"
	[ -z "$(ip netns exec "$RCV_NS" tc qdisc show dev dum1 | grep clsact)" ]
	ok $? "no clsact qdisc left on dum1 (the transmit half was rolled back)"
	[ "$(status_dev hook dum1)" = absent ]; ok $? "status does not list dum1 after the refused attach"
	ip -n "$RCV_NS" link set dev dum1 xdp off
else
	skip "refusal over a foreign XDP program" "ip cannot load build/trivial.bpf.o"
fi

# ---------------------------------------------------------------- a driver without native XDP
# macvlan has no native XDP: a clear refusal that names --xdp-mode skb, and
# nothing left behind (the transmit half attached first is rolled back).
if ip -n "$RCV_NS" link add link dum0 name mv0 type macvlan mode bridge 2>/dev/null &&
	ip -n "$RCV_NS" link set mv0 up; then
	run_fl attach mv0 --rx xdp
	[ "$RC" -eq 1 ] && [[ "$ERR" == *"--xdp-mode skb"* ]] && [ "$(printf '%s' "$ERR" | grep -c .)" -eq 1 ]
	ok $? "attach mv0 --rx xdp (macvlan, no native XDP): exit 1, one line naming --xdp-mode skb" ||
		show_run
	[ -z "$(ip netns exec "$RCV_NS" tc qdisc show dev mv0 | grep clsact)" ]
	ok $? "no clsact qdisc left on mv0 after the refused attach"
	[ "$(status_dev hook mv0)" = absent ]; ok $? "status does not list mv0"
	run_fl attach mv0 --rx xdp --xdp-mode skb
	ok "$RC" "attach mv0 --rx xdp --xdp-mode skb works instead" || show_run
	run_fl detach mv0
	ok "$RC" "detach mv0" || show_run
else
	skip "refusal of native XDP on a driver without it" "macvlan not available in this kernel"
fi

# ---------------------------------------------------------------- probe
# probe reports the driver's XDP features and changes nothing.
probe_get() { fl_json_get "$RCV_NS" "$1" probe "$2"; }
if ip -n "$RCV_NS" link show mv0 >/dev/null 2>&1; then
	[ "$(probe_get "[j['driver'], j['virtual'], j['rx_auto'], j['xdp_native']]" dum0)" = \
		'["veth", true, "tc", true]' ]
	ok $? "probe dum0: veth, virtual, --rx auto picks tc, native XDP"
	[ "$(probe_get "[j['driver'], j['xdp_native'], j['kernel_btf']]" mv0)" = '["macvlan", false, true]' ]
	ok $? "probe mv0: macvlan without native XDP; kernel BTF present"
	before=$(ip netns exec "$RCV_NS" tc qdisc show dev mv0; ls "$PIN" 2>&1)
	run_fl probe mv0
	after=$(ip netns exec "$RCV_NS" tc qdisc show dev mv0; ls "$PIN" 2>&1)
	[ "$RC" -eq 0 ] && [ "$before" = "$after" ]
	ok $? "probe changes nothing (qdiscs, pins)" || show_run
	run_fl attach mv0 --rx xdp
	[ "$RC" -eq 1 ] && [[ "$ERR" == *"fouloader probe mv0"* ]]
	ok $? "attach --rx xdp on mv0 is refused before anything is attached, pointing at probe" ||
		show_run
fi
run_fl probe nosuchdev
[ "$RC" -eq 2 ]; ok $? "probe of a missing device exits 2" || show_run

# ---------------------------------------------------------------- tap: native XDP on the tun driver
# The tun driver runs XDP natively on frames written to the tap, one buffer
# per frame: closer to a NIC's receive path than veth.
if ip -n "$RCV_NS" tuntap add dev tap0 mode tap 2>/dev/null && ip -n "$RCV_NS" link set tap0 up; then
	run_fl attach tap0 --rx xdp
	ok "$RC" "attach tap0 --rx xdp (tun driver)" || show_run
	[ "$(xdp_attach_mode "$RCV_NS" tap0)" = native ]; ok $? "ip link: native XDP on tap0"
	run_fl detach tap0
	ok "$RC" "detach tap0" || show_run
	[ "$(xdp_attach_mode "$RCV_NS" tap0)" = none ]; ok $? "no XDP program on tap0 after detach"
else
	skip "native XDP on a tap" "tap devices not available"
fi

# ---------------------------------------------------------------- veth queue mismatch
# veth refuses native XDP when its peer has more tx queues than it has rx
# queues (frames from the extra queues would bypass NAPI, hence XDP): the
# loader must fail cleanly (exit 1, a message, nothing attached or recorded).
ip -n "$RCV_NS" link add qtx0 numtxqueues 4 numrxqueues 4 type veth peer name qrx0 numtxqueues 1 numrxqueues 1 &&
	ip -n "$RCV_NS" link set qtx0 up && ip -n "$RCV_NS" link set qrx0 up ||
	bail "could not add the queue-mismatch veth pair"
run_fl attach qrx0 --rx xdp --xdp-mode native
[ "$RC" -eq 1 ] && [ -n "$ERR" ]
ok $? "attach --rx xdp native on a veth with fewer rx queues than its peer's tx queues exits 1 with a message" || show_run
diag "message: $ERR"
[ "$(xdp_attach_mode "$RCV_NS" qrx0)" = none ] && [ "$(status_dev hook qrx0)" = absent ]
ok $? "nothing attached or recorded for qrx0 after the refused attach" ||
	diag "xdp=$(xdp_attach_mode "$RCV_NS" qrx0) status=$(status_dev hook qrx0)"

# ---------------------------------------------------------------- concurrent invocations
# Commands that change one pin root serialise on a lock: 40 "port add" at
# once must leave 40 ports, each in its own slot (without the lock two of
# them can pick the same free slot and one port silently replaces another).
for i in $(seq 1 40); do
	fl "$RCV_NS" port add $((7100 + i)) ipproto 4 peer "10.99.0.$i" >/dev/null 2>&1 &
done
wait
got=$(fl "$RCV_NS" port show --json | "$PY" -c '
import json, sys
print(sum(1 for p in json.load(sys.stdin) if 7101 <= p["port"] <= 7140))')
[ "$got" = 40 ]; ok $? "40 concurrent port add: all 40 ports present ($got)"
for i in $(seq 1 40); do fl "$RCV_NS" port del $((7100 + i)) >/dev/null 2>&1 & done
wait
got=$(fl "$RCV_NS" port show --json | "$PY" -c '
import json, sys
print(sum(1 for p in json.load(sys.stdin) if 7101 <= p["port"] <= 7140))')
[ "$got" = 0 ]; ok $? "40 concurrent port del: none left ($got)"

# ---------------------------------------------------------------- fou_devices full
# 64 records (planted with bpftool, for devices that do not exist): a 65th
# device is refused before anything is attached, since it could not be
# recorded, hence never detached. A record of a device that is gone is
# dropped by 'detach ifindexN'.
fake_batch() {  # fake_batch update|delete FIRST: planted records FIRST..63
	local i k
	for i in $(seq "$2" 63); do
		k=$(printf '0x%02x 0x%02x 0x%02x 0x00' $(((900000 + i) & 255)) $((((900000 + i) >> 8) & 255)) $(((900000 + i) >> 16)))
		if [ "$1" = update ]; then
			echo "map update pinned $PIN/fou_devices key $k value $k $(printf ' 0x00%.0s' $(seq 5 48))"
		else
			echo "map delete pinned $PIN/fou_devices key $k"
		fi
	done >"$TMPD/fake.batch"
	bpftool batch file "$TMPD/fake.batch" >/dev/null 2>&1
}
ndevs() { bpftool -j map dump pinned "$PIN/fou_devices" 2>/dev/null | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
n0=$(ndevs)
fake_batch update 0
n1=$(ndevs)
run_fl attach dum1 --rx tc
[ "$RC" -eq 2 ] && [[ "$ERR" == *"detach one first"* ]]
ok $? "attach with fou_devices full ($n0 + 64 planted = $n1 records): exit 2 with a message" || show_run
[ -z "$(tc -n "$RCV_NS" qdisc show dev dum1 | grep clsact)" ] && [ "$(status_dev hook dum1)" = absent ]
ok $? "nothing attached to dum1, nothing recorded"
run_fl detach ifindex900000
[ "$RC" -eq 0 ] && [ "$(ndevs)" = $((n1 - 1)) ]
ok $? "detach ifindex900000 (a device that is gone) drops its record" || show_run
fake_batch delete 1  # (0 is detached)
[ "$(ndevs)" = "$n0" ]; ok $? "the planted records removed ($(ndevs) left)"

# ---------------------------------------------------------------- never attached
run_fl detach dum0
[ "$RC" -eq 1 ] && [ -n "$ERR" ]
ok $? "detach of a device never attached (dum0) exits 1 with a message" || show_run
[ -n "$ERR" ] && diag "message: $ERR"
run_fl detach nosuchdev0
[ "$RC" -ne 0 ] && [ -n "$ERR" ]
ok $? "detach of a device that does not exist exits non-zero with a message (exit $RC)" || show_run

# ---------------------------------------------------------------- TC attach twice
run_fl attach "$DEV" --rx tc
ok "$RC" "attach $DEV --rx tc" || show_run
n=$(tc_ingress_bpf_count "$RCV_NS" "$DEV")
[ "$n" = 1 ]; ok $? "tc: one bpf filter on $DEV ingress ($n)"
[ "$(status_dev hook)" = tc ] && [ "$(status_dev live)" = true ] && [ "$(status_dev xdp_mode)" = null ]
ok $? "status --json: $DEV on tc, live, xdp_mode null" ||
	diag "hook=$(status_dev hook) live=$(status_dev live) xdp_mode=$(status_dev xdp_mode)"
attach_again tc
n=$(tc_ingress_bpf_count "$RCV_NS" "$DEV")
[ "$n" = 1 ]; ok $? "exactly one bpf filter on $DEV ingress after attaching twice ($n)" ||
	diag "$(tc -n "$RCV_NS" filter show dev "$DEV" ingress)"
[ "$(status_dev hook)" = tc ]; ok $? "status lists $DEV once, on tc"

# switching hooks while attached must not leave two programs
run_fl attach "$DEV" --rx xdp
[ "$RC" -eq 2 ] && [[ "$ERR" == *"detach $DEV"* ]]
ok $? "attach --rx xdp while on tc: refused, exit 2, naming detach" || show_run
n=$(( $(tc_ingress_bpf_count "$RCV_NS" "$DEV") + $(xdp_prog_count "$RCV_NS" "$DEV") ))
[ "$n" = 1 ]; ok $? "attach --rx xdp over tc leaves exactly one program (found $n)" ||
	diag "$(ip -n "$RCV_NS" -d link show dev "$DEV"; tc -n "$RCV_NS" filter show dev "$DEV" ingress)"

run_fl detach "$DEV"
ok "$RC" "detach $DEV" || show_run
n=$(( $(tc_ingress_bpf_count "$RCV_NS" "$DEV") + $(xdp_prog_count "$RCV_NS" "$DEV") ))
[ "$n" = 0 ]; ok $? "no program left on $DEV after detach (found $n)"
diag "clsact after detach of a qdisc fouloader created: $(tc -n "$RCV_NS" qdisc show dev "$DEV" | grep -c clsact)"

# ---------------------------------------------------------------- foreign clsact survives
tc -n "$RCV_NS" qdisc add dev "$DEV" clsact 2>/dev/null
# (no cls_matchall / act_gact in this kernel: a u32 filter that matches only
# UDP/TCP port 9 and has no action leaves all other traffic alone)
tc -n "$RCV_NS" filter add dev "$DEV" ingress pref 100 protocol ip u32 match ip dport 9 0xffff ||
	bail "could not add the foreign tc filter"
foreign() { tc -n "$RCV_NS" filter show dev "$DEV" ingress | grep -c 'u32 .*fh 800::800'; }
f0=$(foreign)
[ "$f0" = 1 ] || bail "foreign u32 filter not visible: $(tc -n "$RCV_NS" filter show dev "$DEV" ingress)"
run_fl attach "$DEV" --rx tc
ok "$RC" "attach $DEV --rx tc on an existing clsact qdisc with a foreign filter" || show_run
[ "$(foreign)" = "$f0" ] && [ "$(tc_ingress_bpf_count "$RCV_NS" "$DEV")" = 1 ]
ok $? "foreign filter kept beside fouloader's bpf filter" ||
	diag "$(tc -n "$RCV_NS" filter show dev "$DEV" ingress)"
run_fl detach "$DEV"
ok "$RC" "detach $DEV" || show_run
tc -n "$RCV_NS" qdisc show dev "$DEV" | grep -q clsact
ok $? "clsact qdisc that existed before attach survives detach"
[ "$(foreign)" = "$f0" ] && [ "$(tc_ingress_bpf_count "$RCV_NS" "$DEV")" = 0 ]
ok $? "foreign filter survives detach, fouloader's filter is gone" ||
	diag "$(tc -n "$RCV_NS" filter show dev "$DEV" ingress)"
tc -n "$RCV_NS" qdisc del dev "$DEV" clsact 2>/dev/null

# ---------------------------------------------------------------- removed behind fouloader's back
run_fl attach "$DEV" --rx xdp
ok "$RC" "attach $DEV --rx xdp" || show_run
ip -n "$RCV_NS" link set dev "$DEV" xdp off
[ "$(status_dev live)" = false ]
ok $? "status --json: live false once the XDP program was removed with ip link" || diag "live=$(status_dev live)"
run_fl detach "$DEV"
diag "detach after external removal: exit $RC ${ERR:+($ERR)}${OUT:+($OUT)}"
[ "$(status_dev hook)" = absent ]; ok $? "detach forgets $DEV after external removal"

# ---------------------------------------------------------------- --rx auto
run_fl attach "$DEV" --rx auto
ok "$RC" "attach $DEV --rx auto" || show_run
diag "auto said: $(echo "$OUT $ERR" | tr '\n' ' ')"
[ "$(status_dev hook)" = tc ]
ok $? "--rx auto picks tc for a veth (DESIGN.md: TC for virtual devices)" || diag "hook=$(status_dev hook)"
run_fl detach "$DEV"
ok "$RC" "detach $DEV" || show_run

# ---------------------------------------------------------------- ports and JSON
run_fl attach "$DEV" --rx tc
ok "$RC" "attach $DEV --rx tc (for the port and bad-input checks)" || show_run
run_fl port add 5555 ipproto 4 peer "$SND4"
ok "$RC" "port add 5555 ipproto 4 peer $SND4" || show_run
run_fl port add 5556 ipproto 41 -6 local "$RCV6" peer "$SND6" peer_port 5000 peer "$SND6_ALT" dev "$DEV"
ok "$RC" "port add 5556 ipproto 41 -6 local $RCV6 peer $SND6 peer_port 5000 peer $SND6_ALT dev $DEV" || show_run
run_fl port add 6080 gue peer any
ok "$RC" "port add 6080 gue peer any" || show_run
run_fl port add 6080 gue -6 peer any zero-csum6
ok "$RC" "port add 6080 gue -6 peer any zero-csum6" || show_run

for c in "port show" status stats; do
	# shellcheck disable=SC2086
	json_ok $c; ok $? "$c --json exits 0 and parses as JSON" || show_run
	# shellcheck disable=SC2086
	run_fl $c; ok "$RC" "$c (text) exits 0" || show_run
done

port_entry() {  # port_entry PORT FAMILY: canonical JSON of that port show entry
	fl_json_get "$RCV_NS" "[dict(p, peers=sorted(p.get('peers', []), key=lambda x: x['addr'])) for p in j if p['port'] == $1 and p['family'] == $2]" port show |
		"$PY" -c 'import json,sys; print(json.dumps(json.load(sys.stdin), sort_keys=True))'
}
canon() { "$PY" -c 'import json,sys; print(json.dumps([json.loads(sys.argv[1])], sort_keys=True))' "$1"; }
expect_port() {  # expect_port PORT FAMILY JSON DESC
	local got want
	got=$(port_entry "$1" "$2"); want=$(canon "$3")
	if [ "$got" = "$want" ]; then pass "$4"; else fail "$4"; diag "got  $got"; diag "want $want"; fi
}
expect_port 5555 4 '{"port":5555,"family":4,"kind":"fou","ipproto":4,"mark":0,"local":null,"dev":null,"zero_csum6":false,"multicast":false,"remcsum":false,"gre_key":null,"peer_any":false,"peers":[{"addr":"'"$SND4"'","peer_port":0}]}' \
	"port show --json: 5555/4 fou ipproto 4, one peer"
expect_port 5556 6 '{"port":5556,"family":6,"kind":"fou","ipproto":41,"mark":0,"local":"'"$RCV6"'","dev":"'"$DEV"'","zero_csum6":false,"multicast":false,"remcsum":false,"gre_key":null,"peer_any":false,"peers":[{"addr":"'"$SND6"'","peer_port":5000},{"addr":"'"$SND6_ALT"'","peer_port":0}]}' \
	"port show --json: 5556/6 fou ipproto 41, local, dev, two peers"
expect_port 6080 4 '{"port":6080,"family":4,"kind":"gue","ipproto":0,"mark":0,"local":null,"dev":null,"zero_csum6":false,"multicast":false,"remcsum":true,"gre_key":null,"peer_any":true,"peers":[]}' \
	"port show --json: 6080/4 gue peer any"
expect_port 6080 6 '{"port":6080,"family":6,"kind":"gue","ipproto":0,"mark":0,"local":null,"dev":null,"zero_csum6":true,"multicast":false,"remcsum":true,"gre_key":null,"peer_any":true,"peers":[]}' \
	"port show --json: 6080/6 gue peer any zero-csum6"

# stats --json names every counter of include/fou_stats.h, and the ports
want_names=$(sed -n 's/^[[:space:]]*X([A-Z0-9_]*, *"\([a-z0-9_]*\)".*/\1/p' include/fou_stats.h | sort | tr '\n' ' ')
got_names=$(fl_json_get "$RCV_NS" "' '.join(sorted(j['counters']))" stats)
[ -n "$want_names" ] && [ "$got_names " = "$want_names" ]
ok $? "stats --json counters are exactly the names in include/fou_stats.h" ||
	{ diag "want: $want_names"; diag "got:  $got_names"; }
got=$(fl_json_get "$RCV_NS" "sorted((p['port'], p['family']) for p in j['ports'] if all(k in p for k in ('rx_packets','rx_bytes','drop_packets')))" stats)
[ "$got" = "[[5555, 4], [5556, 6], [6080, 4], [6080, 6]]" ]
ok $? "stats --json lists the 4 ports with rx_packets, rx_bytes, drop_packets" || diag "got $got"

# multicast: broadcast and multicast destinations too, in JSON and text
run_fl port add 6082 ipproto 4 peer any multicast
ok "$RC" "port add 6082 ipproto 4 peer any multicast" || show_run
expect_port 6082 4 '{"port":6082,"family":4,"kind":"fou","ipproto":4,"mark":0,"local":null,"dev":null,"zero_csum6":false,"multicast":true,"remcsum":false,"gre_key":null,"peer_any":true,"peers":[]}' \
	"port show --json: 6082/4 multicast"
run_fl port show
grep -qx "port 6082 ipproto 4 peer any multicast" <<<"$OUT"
ok $? "port show: 'port 6082 ipproto 4 peer any multicast'" || show_run
run_fl port del 6082; ok "$RC" "port del 6082" || show_run

# stats --watch: one JSON object of rates per interval, bounded by --count
run_fl stats --watch 1 --count 2 --json
got=$(printf '%s\n' "$OUT" | "$PY" -c '
import json, sys
lines = [json.loads(l) for l in sys.stdin if l.strip()]
print(len(lines), all(l["interval"] == 1 and "rx_decap_fou" in l["rates"] for l in lines))' 2>&1)
[ "$RC" -eq 0 ] && [ "$got" = "2 True" ]
ok $? "stats --watch 1 --count 2 --json: two lines of per-second rates" || { show_run; diag "got $got"; }

# device names are bytes: --json escapes what is not UTF-8 (\u00XX), keeps
# what is, and stays valid JSON
UDEV=$(printf 'u\xc3\xa9\xff')
if ip -n "$RCV_NS" link add "$UDEV" type veth peer name ux1 2>/dev/null; then
	fl "$RCV_NS" port add 5599 ipproto 4 peer any dev "$UDEV" >/dev/null 2>&1
	run_fl port show --json
	got=$(printf '%s' "$OUT" | "$PY" -c '
import json, sys
j = json.loads(sys.stdin.buffer.read().decode("utf-8"))
print([ord(c) for p in j if p["port"] == 5599 for c in p["dev"]])' 2>&1)
	[ "$got" = "[117, 233, 255]" ]
	ok $? "port show --json: dev u<C3 A9><FF> is strict UTF-8 JSON, 'u' 'é' U+00FF" || diag "got $got"
	fl "$RCV_NS" port del 5599 >/dev/null 2>&1
	ip -n "$RCV_NS" link del ux1
else
	skip "a device name that is not UTF-8" "ip refused the name"
fi

run_fl port del 5556 -6
ok "$RC" "port del 5556 -6" || show_run
[ "$(port_entry 5556 6)" = "[]" ]; ok $? "5556/6 gone from port show"
run_fl port del 5556 -6
[ "$RC" -ne 0 ]; ok $? "port del of a port not configured exits non-zero (exit $RC)" || show_run
[ "$RC" -eq 1 ] || diag "expected 1 (operation failed), got $RC"

# ---------------------------------------------------------------- bad command lines
maps_state() {  # everything but the global counters (background traffic moves them)
	local m
	for m in fou_ports fou_peers fou_port_stats fou_devices; do
		echo "== $m"; bpftool map dump pinned "$PIN/$m" 2>&1
	done
	fl_json_get "$RCV_NS" "j['devices']" status
}
maps_state >"$TMPD/before"
grep -q '"key"\|key:' "$TMPD/before"; ok $? "maps dump before the bad commands is not empty"

bad() {  # bad DESC ARGS...
	local desc=$1; shift
	run_fl "$@"
	maps_state >"$TMPD/after"
	local lines; lines=$(printf '%s' "$ERR" | grep -c '')
	local why=
	[ "$RC" -eq 2 ] || why="$why exit $RC (want 2);"
	[ "$lines" -eq 1 ] || why="$why $lines stderr lines (want 1);"
	case $ERR in fouloader:*) ;; *) why="$why stderr does not start with 'fouloader:';" ;; esac
	cmp -s "$TMPD/before" "$TMPD/after" || why="$why maps changed;"
	[ -z "$why" ]
	ok $? "bad: $desc (${*//$'\n'/\\n}) -> exit 2, one line, maps unchanged" || {
		diag "$why"; show_run
		diff "$TMPD/before" "$TMPD/after" | head -20 | sed 's/^/#   /'
		cp "$TMPD/after" "$TMPD/before"   # judge the next command on its own
	}
}
bad "unknown command"                frobnicate
bad "unknown global option"          --frobnicate status
bad "unknown option"                 stats --frobnicate
bad "unknown port option"            port add 5557 ipproto 4 peer any --frobnicate
bad "trailing word"                  port add 5557 ipproto 4 peer any frobnicate
bad "port 70000"                     port add 70000 ipproto 4 peer any
bad "port not a number"              port add 55x5 ipproto 4 peer any
bad "port del 70000"                 port del 70000
bad "multicast with local"           port add 5557 ipproto 4 local "$RCV4" peer any multicast
bad "port add without peer"          port add 5557 ipproto 4
bad "port add without ipproto/gue"   port add 5557 peer any
bad "ipproto 17"                     port add 5557 ipproto 17 peer any
bad "bad peer address"               port add 5557 ipproto 4 peer 10.201.0.300
bad "bad local address"              port add 5557 ipproto 4 local notanaddress peer any
bad "IPv6 peer on an IPv4 port"      port add 5557 ipproto 4 peer "$SND6"
bad "IPv4 peer on an IPv6 port"      port add 5557 ipproto 4 -6 peer "$SND4"
bad "peer_port 70000"                port add 5557 ipproto 4 peer "$SND4" peer_port 70000
bad "peer_port without peer"         port add 5557 ipproto 4 peer_port 5000
bad "missing ipproto value"          port add 5557 ipproto
bad "missing PORT"                   port add
bad "port del missing PORT"          port del
bad "port without subcommand"        port
bad "unknown port subcommand"        port frobnicate
bad "attach missing DEV"             attach
bad "detach missing DEV"             detach
bad "attach --rx bogus"              attach "$DEV" --rx bogus
bad "attach --xdp-mode bogus"        attach "$DEV" --xdp-mode bogus
bad "attach --rx missing value"      attach "$DEV" --rx
bad "no command"

# One word per setting: a second one for it (the same, or its opposite) is
# refused naming both, where the last one used to win.
# bad_named TEXT DESC ARGS...: bad, and the one line contains TEXT
bad_named() {
	local text=$1 desc=$2; shift 2
	bad "$desc" "$@"
	grep -qF -- "$text" <<<"$ERR"
	ok $? "bad: $desc -> the message says: $text" || show_run
}
bad_named "'gue' and 'ipproto' exclude each other" "gue ipproto 4"  port add 5557 gue ipproto 4 peer any
bad_named "'ipproto' and 'gue' exclude each other" "ipproto 4 gue"  port add 5557 ipproto 4 gue peer any
bad_named "'ipproto' given twice"      "ipproto 4 ipproto 41"       port add 5557 ipproto 4 ipproto 41 peer any
bad_named "'gue' given twice"          "gue gue"                    port add 5557 gue gue peer any
bad_named "'-6' given twice"           "-6 -6"                      port add 5557 gue -6 -6 peer any
bad_named "'local' given twice"        "local twice"                port add 5557 gue local 10.201.0.2 local 10.201.0.3 peer any
bad_named "'dev' given twice"          "dev twice"                  port add 5557 gue dev lo dev lo peer any
bad_named "'mark' given twice"         "mark twice"                 port add 5557 gue mark 1 mark 2 peer any
bad_named "'zero-csum6' given twice"   "zero-csum6 twice"           port add 5557 gue -6 zero-csum6 zero-csum6 peer any
bad_named "'peer any' given twice"     "peer any twice"             port add 5557 gue peer any peer any
bad_named "'-6' given twice"           "port del -6 -6"             port del 5557 -6 -6
bad_named "'--rx' given twice"         "attach --rx xdp --rx tc"    attach "$DEV" --rx xdp --rx tc
bad_named "'--xdp-mode' given twice"   "attach --xdp-mode twice"    attach "$DEV" --xdp-mode native --xdp-mode skb
bad_named "'--hints' given twice"      "attach --hints twice"       attach "$DEV" --rx xdp --hints on --hints off
bad_named "'--xdp-mode' and '--rx tc' exclude each other" "attach --rx tc --xdp-mode skb" \
	attach "$DEV" --rx tc --xdp-mode skb
bad_named "'--watch' given twice"      "stats --watch twice"        stats --watch 1 --watch 2 --count 1
bad_named "'--pin-root' given twice"   "--pin-root twice"           --pin-root "$PIN" status
# Every word of a command's table once (a trailing bad word ends the command
# line at once should the repeat ever pass, rather than run it)
bad_named "'multicast' given twice"    "multicast twice"            port add 5557 gue peer any multicast multicast
bad_named "'--count' given twice"      "monitor --count twice"      monitor --count 1 --count 2 --snaplen 0
bad_named "'--output' given twice"     "stats --output twice"       stats --prometheus --output "$TMPD/m1" --output "$TMPD/m2" --frobnicate
bad_named "'--listen' given twice"     "exporter --listen twice"    exporter --listen 127.0.0.1:1 --listen 127.0.0.1:2 --frobnicate
bad_named "'--json' given twice"       "pmtu show --json twice"     pmtu show --json --json
bad_named "'--json' given twice"       "port show --json twice"     port show --json --json
bad_named "'--dry-run' given twice"    "apply --dry-run twice"      apply /dev/null --dry-run --dry-run
LONG=$(printf 'w%.0s' {1..400})
bad_named "'$LONG'"                   "a 400-character word: named in full" port add 5557 gue peer any "$LONG"
bad_named "'5557\nx'"                 "a PORT with a newline: escaped, one line" port add $'5557\nx' gue peer any

done_testing
