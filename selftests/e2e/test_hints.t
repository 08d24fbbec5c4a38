#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# GRO hints, cpumap steering and multi-buffer XDP end to end (issue 6),
# inside namespaces this test creates (topology: selftests/e2e/hints.sh).
# A sends bulk TCP through a FOU tunnel (B's port 5555, mark 0x42) and a GUE
# one (port 6080, encap-csum, no mark) to B, attached again per phase:
#   1 --rx xdp --hints on: data intact; hints written by XDP and applied by
#     fou_hints_tc; fou_gro_stats shows coalescing (segs > skbs); the port's
#     mark reaches the skb: with net.ipv4.tcp_fwmark_accept=1 the accepted
#     socket takes the SYN's mark (SO_MARK), 0x42 on the FOU port, 0 on GUE
#   2 --hints off: data intact, nothing written, applied or marked
#   3 --steer cpumap --steer-cpus 2: 16 flows intact, every decapsulated
#     packet redirected (steer_cpumap), and the flows' SO_INCOMING_CPU shows
#     both CPUs at work
#   4 MTU 9000 (multi-buffer frames in XDP): intact with hints, and with
#     steering (cpumap building skbs from frags)
# What is not observable end to end and left to the unit test
# (selftests/unit/test_hints.c): the exact metadata, the hash (bpf_set_hash
# has no user-visible effect here) and the checksum levels.
cd "$(dirname "$0")/../.." || exit 1
. selftests/e2e/hints.sh

require_root
require_cmd ip tc nsenter timeout bpftool sha256sum
require_fouloader
require_tunnel_cmd
require_xdp_hints
"$FOULOADER" attach --help 2>&1 | grep -q -- --hints || skip_all "$FOULOADER has no attach --hints yet"
[ -e "$GRO_COUNT_OBJ" ] || skip_all "$GRO_COUNT_OBJ not built (run make)"

make_tmpd hints
hints_hosts hn 1500 || bail "could not build the two hosts"
in_ns "$B_NS" sysctl -qw net.ipv4.tcp_fwmark_accept=1 || bail "tcp_fwmark_accept"
head -c $((16 << 20)) /dev/urandom >"$TMPD/big" && head -c $((1 << 20)) /dev/urandom >"$TMPD/small" ||
	bail "test data"
XPORT=7000

# xfer K FLOWS FILE: FLOWS concurrent TCP flows A -> B over tunnel set K,
# each sending FILE; B's per-flow lines in $TMPD/sink. Returns 0 when every
# flow arrived complete with FILE's sha256.
xfer() {
	local k=$1 n=$2 file=$3 dst pid want size
	dst=$(inner_addr b 4 "$k") XPORT=$((XPORT + 1))
	rm -f "$TMPD/ready"
	timeout 40 nsenter --net="/run/netns/$B_NS" -- "$PY" "$FOU_LIBDIR/tcp_flows.py" sink \
		--addr "$dst" --port "$XPORT" --flows "$n" --ready "$TMPD/ready" --timeout 30 >"$TMPD/sink" 2>&1 &
	pid=$!
	cleanup_pid "$pid"
	wait_for 5 test -e "$TMPD/ready" || { echo "sink did not start"; return 1; }
	timeout 40 nsenter --net="/run/netns/$A_NS" -- "$PY" "$FOU_LIBDIR/tcp_flows.py" send \
		--addr "$dst" --port "$XPORT" --flows "$n" --file "$file" --src "$(inner_addr a 4 "$k")" \
		--timeout 30 >"$TMPD/send" 2>&1
	wait "$pid"
	want=$(sha256sum <"$file" | cut -d' ' -f1) size=$(stat -c %s "$file")
	[ "$(grep -c " bytes $size sha256 $want " "$TMPD/sink")" = "$n" ]
}

# check_xfer DESC K FLOWS FILE
check_xfer() {
	xfer "$2" "$3" "$4"
	ok $? "$1: $3 flow(s) x $(stat -c %s "$4") bytes arrive intact (sha256)" ||
		{ diag_file "$TMPD/send"; diag_file "$TMPD/sink"; }
}

# marks: the distinct SO_MARK values of the last transfer's flows
marks() { sed -n 's/.* mark \([-0-9]*\) .*/\1/p' "$TMPD/sink" | sort -u | tr '\n' ' ' | sed 's/ $//'; }
# cpus: the distinct SO_INCOMING_CPU values of the last transfer's flows
cpus() { sed -n 's/.* cpu \([-0-9]*\)$/\1/p' "$TMPD/sink" | sort -un | tr '\n' ' ' | sed 's/ $//'; }

# gro_ok DESC BEFORE AFTER PORT: fou_gro_stats of PORT/4 counted skbs, and
# merged more segments than skbs.
gro_ok() {
	local s g
	s=$(sdelta "$2" "$3" "port:$4/4:gro_skbs") g=$(sdelta "$2" "$3" "port:$4/4:gro_segs")
	[[ $s =~ ^[0-9]+$ ]] && [[ $g =~ ^[0-9]+$ ]] && [ "$s" -gt 0 ] && [ "$g" -gt "$s" ]
	ok $? "$1: port $4 gro_segs > gro_skbs > 0 (+$g segments in +$s skbs, $(hratio "$g" "$s") per skb)"
}

# shellcheck disable=SC2034 # filled and read through namerefs
declare -A s0 s1

# ---------------------------------------------------------------- 1 hints on
b_attach --rx xdp --xdp-mode native --hints on
ok $? "B: attach $B_IF --rx xdp --hints on" || { diag_file "$TMPD/attach"; bail "attach failed"; }
grep -q "fou_hints_tc at tc ingress" "$TMPD/attach"
ok $? "B: attach reports fou_hints_tc at tc ingress" || diag_file "$TMPD/attach"
gro_count_first "$B_NS" "$B_IF" || diag "gro_count is not first on $B_IF ingress: its figures are not used"

stats_load s0 "$B_NS" || bail "stats --json failed"
check_xfer "hints on, FOU" 1 1 "$TMPD/big"
stats_load s1 "$B_NS"
expect_ge "B: hints_written (one per decapsulated packet)" "$(sdelta s0 s1 hints_written)" \
	"$(sdelta s0 s1 rx_decap_fou)"
expect_ge "B: hints_applied by fou_hints_tc" "$(sdelta s0 s1 hints_applied)" 100
expect_eq "B: hints_foreign (metadata not ours)" "$(sdelta s0 s1 hints_foreign)" 0
expect_eq "B: hints_no_room" "$(sdelta s0 s1 hints_no_room)" 0
gro_ok "hints on, FOU" s0 s1 5555
expect_eq "hints on, FOU: the accepted socket has port 5555's mark 0x42 (SO_MARK)" "$(marks)" 66
diag "gro_count (every data skb at B's TC ingress): $(gro_count_read "$B_NS" "$B_IF")" \
	"(skbs segs bytes); hints_csum +$(sdelta s0 s1 hints_csum)"

stats_load s0 "$B_NS"
check_xfer "hints on, GUE (encap-csum)" 2 1 "$TMPD/big"
stats_load s1 "$B_NS"
expect_ge "B: rx_decap_gue" "$(sdelta s0 s1 rx_decap_gue)" 1000
expect_ge "B: hints_applied" "$(sdelta s0 s1 hints_applied)" 100
gro_ok "hints on, GUE" s0 s1 6080
expect_eq "hints on, GUE: port 6080 has no mark: the accepted socket's SO_MARK" "$(marks)" 0
expect_eq "B: nothing counted on port 5555 (hints name the right port)" \
	"$(sdelta s0 s1 port:5555/4:gro_skbs)" 0

# ---------------------------------------------------------------- 2 hints off
b_attach --rx xdp --xdp-mode native --hints off
ok $? "B: attach $B_IF --rx xdp --hints off" || diag_file "$TMPD/attach"
stats_load s0 "$B_NS"
check_xfer "hints off, FOU" 1 1 "$TMPD/big"
stats_load s1 "$B_NS"
expect_ge "B: rx_decap_fou (decapsulated in XDP all the same)" "$(sdelta s0 s1 rx_decap_fou)" 1000
expect_eq "B: hints_written" "$(sdelta s0 s1 hints_written)" 0
expect_eq "B: hints_applied" "$(sdelta s0 s1 hints_applied)" 0
expect_eq "B: port 5555 gro_skbs (counted only with hints)" "$(sdelta s0 s1 port:5555/4:gro_skbs)" 0
expect_eq "hints off, FOU: no mark on the accepted socket" "$(marks)" 0
read -r g0 g1 _ <<<"$(gro_count_read "$B_NS" "$B_IF")"
diag "hints off: GRO by itself, gro_count $g1 segments in $g0 skbs ($(hratio "$g1" "$g0") per skb)"

# ---------------------------------------------------------------- 3 steering
b_attach --rx xdp --xdp-mode native --hints on --steer cpumap --steer-cpus 2
ok $? "B: attach $B_IF --rx xdp --hints on --steer cpumap --steer-cpus 2" || diag_file "$TMPD/attach"
n=$(bpftool -j map dump pinned "$(pin_of "$B_NS")/fou_cpumap" 2>/dev/null |
	"$PY" -c 'import json,sys; print(sum(1 for e in json.load(sys.stdin) if isinstance(e.get("value"), list)))' 2>/dev/null)
expect_eq "B: fou_cpumap has an entry per CPU steered to" "$n" 2
stats_load s0 "$B_NS"
check_xfer "steer cpumap, FOU" 1 16 "$TMPD/small"
stats_load s1 "$B_NS"
d=$(sdelta s0 s1 rx_decap_fou)
expect_ge "B: rx_decap_fou" "$d" 700
expect_eq "B: steer_cpumap: every decapsulated packet redirected" "$(sdelta s0 s1 steer_cpumap)" "$d"
expect_eq "B: steer_failed" "$(sdelta s0 s1 steer_failed)" 0
expect_ge "B: hints_applied (metadata through the cpumap)" "$(sdelta s0 s1 hints_applied)" 16
expect_eq "steer cpumap, FOU: every flow has the port's mark" "$(marks)" 66
if [ "$(nproc)" -ge 2 ]; then
	# 16 flows hashed over 2 CPUs: all on one CPU has a chance of 2^-15
	expect_eq "steer cpumap: the flows were received on CPUs 0 and 1 (SO_INCOMING_CPU)" "$(cpus)" "0 1"
else
	skip "steer cpumap: flows on both CPUs" "one CPU online"
fi
gro_ok "steer cpumap, FOU" s0 s1 5555

# ---------------------------------------------------------------- 4 MTU 9000
gro_count_detach "$B_NS" "$B_IF"
fl "$B_NS" detach "$B_IF" >/dev/null 2>&1
ip -n "$A_NS" link set "$A_IF" mtu 9000 && ip -n "$B_NS" link set "$B_IF" mtu 9000 &&
	inner_route "$A_NS" "$A_IF" "$(inner_prefix b 4 1)" "$(inner_addr a 4 1)" 8972 &&
	inner_route "$B_NS" "$B_IF" "$(inner_prefix a 4 1)" "$(inner_addr b 4 1)" 8972
ok $? "MTU 9000 on $A_IF and $B_IF, inner routes MTU 8972"
for steer in "" "--steer cpumap --steer-cpus 2"; do
	what="MTU 9000, hints on${steer:+, steer cpumap}"
	# shellcheck disable=SC2086
	b_attach --rx xdp --xdp-mode native --hints on $steer
	ok $? "B: attach $B_IF --rx xdp --hints on $steer" || diag_file "$TMPD/attach"
	stats_load s0 "$B_NS"
	check_xfer "$what, FOU" 1 2 "$TMPD/big"
	stats_load s1 "$B_NS"
	p=$(sdelta s0 s1 port:5555/4:rx_packets) b=$(sdelta s0 s1 port:5555/4:rx_bytes)
	[[ $p =~ ^[0-9]+$ ]] && [ "$p" -gt 0 ] && [ $((b / p)) -gt 4096 ]
	ok $? "$what: frames larger than a page went through XDP ($b bytes in $p packets)"
	expect_ge "$what: hints_applied" "$(sdelta s0 s1 hints_applied)" 100
	expect_eq "$what: nothing truncated" "$(sdelta s0 s1 drop_truncated)" 0
	[ -n "$steer" ] && expect_eq "$what: steer_cpumap = rx_decap_fou" \
		"$(sdelta s0 s1 steer_cpumap)" "$(sdelta s0 s1 rx_decap_fou)"
	gro_ok "$what" s0 s1 5555
done

done_testing
