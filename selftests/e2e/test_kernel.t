#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# What fouloader says about the running kernel (issue 11), in a namespace
# pair this test creates: probe --json's kernel object against the kernel's
# own BTF (bpftool) and uname; probe's and attach's lines for missing
# features name only features probe reports missing; a map pinned by an
# incompatible version is named as such (not a bare EINVAL) and nothing else
# gets pinned; verifier stats loads every program with private maps, far
# below the 1M-instruction limit, pinning nothing. The guest runs on Debian's
# 6.1 and 6.12 are in README (Kernel versions); this host checks the logic.
cd "$(dirname "$0")/../.." || exit 1
. selftests/lib/netns.sh

require_root
require_cmd ip nsenter bpftool timeout
require_fouloader

make_tmpd kernel
make_pair kern || bail "could not build the namespaces"
NS=$RCV_NS

# ---------------------------------------------------------------- probe --json
fl_run "$NS" probe "$RCV_IF" --json
check "probe $RCV_IF --json exits 0" test "$RC" -eq 0 || show_run
echo "$OUT" >"$TMPD/probe.json"
btf_has() { bpftool btf dump file /sys/kernel/btf/vmlinux 2>/dev/null | grep -q "$1"; }
want_build=nocast
btf_has "FUNC 'bpf_cast_to_kern_ctx'" && want_build=default
want_decap=false
btf_has "'BPF_F_ADJ_ROOM_DECAP_L3_IPV4'" && want_decap=true
got=$("$PY" - "$TMPD/probe.json" "$(uname -r)" <<'EOF'
import json, sys
k = json.load(open(sys.argv[1]))["kernel"]
feats = ["kfunc_cast_to_kern_ctx", "adj_room_decap_l3", "netdev_xdp_features",
         "kfunc_xdp_rx_hash", "cpumap_gro", "xdp_adjust_meta"]
bad = [f for f in feats if not isinstance(k.get(f), bool)]
missing = sorted(m["since"] for m in k["missing"])
want = sorted({"kfunc_cast_to_kern_ctx": "6.2", "adj_room_decap_l3": "6.3",
               "netdev_xdp_features": "6.3", "kfunc_xdp_rx_hash": "6.3",
               "cpumap_gro": "6.15", "xdp_adjust_meta": "4.15"}[f]
              for f in feats if k.get(f) is False)
print(k["release"] == sys.argv[2], not bad, missing == want, k["tc_build"],
      str(k["adj_room_decap_l3"]).lower(), len(k["missing"]), str(k["xdp_adjust_meta"]).lower())
EOF
)
read -r rel_ok keys_ok missing_ok build decap nmissing meta <<<"$got"
check "probe --json: kernel.release is uname -r" test "$rel_ok" = True
check "probe --json: a boolean for each of the 6 kernel features" test "$keys_ok" = True
check "probe --json: 'missing' lists exactly the absent features, with their first kernel" \
	test "$missing_ok" = True
check "probe --json: tc_build is '$want_build' (bpf_cast_to_kern_ctx in the kernel's BTF or not)" \
	test "$build" = "$want_build" || diag "got '$build'"
check "probe --json: adj_room_decap_l3 is $want_decap, as the kernel's BTF says" \
	test "$decap" = "$want_decap" || diag "got '$decap'"

fl_run "$NS" probe "$RCV_IF"
n=$(grep -c "^  kernel [0-9.]*: no .* ([0-9.]*+): " <<<"$OUT")
check "probe text: one 'kernel V: no FEATURE (since+): ...' line per missing feature ($nmissing)" \
	test "$n" -eq "$nmissing" || show_run
grep -q "^  kernel [0-9.]* (.*): TC programs: " <<<"$OUT"
check "probe text: names the kernel and the TC build it gets" test $? -eq 0 || show_run

# ---------------------------------------------------------------- attach
fl_run "$NS" attach "$RCV_IF" --rx tc
check "attach $RCV_IF --rx tc exits 0" test "$RC" -eq 0 || show_run
bad=$(grep "^$RCV_IF: kernel " <<<"$OUT" | sed -n 's/.*: no \(.*\) ([0-9.]*+): .*/\1/p' |
	while read -r f; do grep -qF "\"feature\":\"$f\"" "$TMPD/probe.json" || echo "$f"; done)
check "attach names only features probe reports missing" test -z "$bad" || diag "not missing: $bad"
fl_run "$NS" detach "$RCV_IF"
check "detach $RCV_IF" test "$RC" -eq 0 || show_run

# XDP hints need bpf_xdp_adjust_meta: where the kernel refuses it to XDP
# programs, attach --rx xdp turns hints off and says so; --hints on is refused.
fl_run "$NS" attach "$RCV_IF" --rx xdp --xdp-mode skb
check "attach $RCV_IF --rx xdp --xdp-mode skb exits 0" test "$RC" -eq 0 || show_run
if [ "$meta" = false ]; then
	grep -q "^$RCV_IF: kernel .*: no bpf_xdp_adjust_meta for XDP programs (4.15+): .*XDP hints off" <<<"$OUT"
	check "... without bpf_xdp_adjust_meta: says XDP hints are off" test $? -eq 0 || show_run
	! grep -q "attached fou_hints_tc" <<<"$OUT"
	check "... and attaches no fou_hints_tc" test $? -eq 0 || show_run
	fl_run "$NS" attach "$RCV_IF" --rx xdp --xdp-mode skb --hints on
	check "attach --hints on without bpf_xdp_adjust_meta exits 1" test "$RC" -eq 1 || show_run
	grep -q "bpf_xdp_adjust_meta" <<<"$ERR"
	check "... naming bpf_xdp_adjust_meta" test $? -eq 0 || show_run
else
	grep -q "fou_hints_tc" <<<"$OUT"
	check "... with bpf_xdp_adjust_meta: XDP hints on (fou_hints_tc attached)" test $? -eq 0 ||
		show_run
	skip "attach --hints on without bpf_xdp_adjust_meta exits 1" "this kernel has it"
fi
fl_run "$NS" detach "$RCV_IF"
check "detach $RCV_IF (xdp)" test "$RC" -eq 0 || show_run

# ---------------------------------------------------------------- an incompatible pin
OLD=/sys/fs/bpf/fou-kern-$$-old
cleanup_pin "$OLD"
mkdir -p "$OLD"
bpftool map create "$OLD/fou_ports" type array key 4 value 8 entries 4 name fou_ports ||
	bail "bpftool map create failed"
RC=0
ERR=$(timeout 20 nsenter --net="/run/netns/$NS" -- "$FOULOADER" --pin-root "$OLD" \
	port add 5555 ipproto 4 peer any 2>&1 >/dev/null) || RC=$?
check "port add over a fou_ports pinned by an incompatible version exits 1" test "$RC" -eq 1 ||
	diag "exit $RC: $ERR"
grep -q "map $OLD/fou_ports is pinned by an incompatible fouloader" <<<"$ERR"
check "... and the message names that map (not a bare 'Invalid argument')" test $? -eq 0 ||
	diag "$ERR"
check "... and nothing else was pinned there" test "$(ls "$OLD")" = fou_ports || diag "$(ls "$OLD")"

# ---------------------------------------------------------------- verifier stats
before=$(ls /sys/fs/bpf | grep -c '^fou_')
fl_run "$NS" verifier stats --json
echo "$OUT" >"$TMPD/vstats.json"
"$PY" - "$TMPD/vstats.json" >"$TMPD/vstats.txt" <<'EOF'
import json, sys
for p in json.load(open(sys.argv[1]))["programs"]:
    print(p["program"], p["build"], int(p["loaded"]), p["processed"], p["total_states"],
          p["limit"], p["skipped"].replace(" ", "~") or "-")
EOF
while read -r prog build loaded processed states limit skipped; do
	if [ "$skipped" != - ]; then
		skip "verifier stats: $prog ($build) loads" "not measured: ${skipped//\~/ }"
		continue
	fi
	check "verifier stats: $prog ($build) loads, $processed insns processed, $states states, far below $limit" \
		test "$loaded" = 1 -a "$processed" -gt 0 -a "$states" -gt 0 -a "$processed" -lt $((limit / 2))
done <"$TMPD/vstats.txt"
n=$(wc -l <"$TMPD/vstats.txt")
check "verifier stats lists rx_tc, tx_tc, rx_xdp twice and hints_tc at least ($n rows)" test "$n" -ge 5
check "verifier stats pinned nothing" test "$(ls /sys/fs/bpf | grep -c '^fou_')" -eq "$before"

done_testing
