# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# shellcheck shell=bash
#
# GRO hints, cpumap steering and multi-buffer XDP (issue 6) end to end:
# helpers of test_hints.t and of the gro section of scripts/bench.sh
# (gro_bench). Source it from bash (it sources selftests/lib/hosts.sh).
#
# Topology (hosts.sh make_hosts, 2 inner address sets): A (sender) a0 <-> b0
# B (receiver). A receives with --rx tc (only ACKs come back); B is attached
# again per configuration (--rx xdp with --hints on|off, --steer cpumap, or
# --rx tc). Both hosts have two tunnels to each other, over IPv4:
#   set 1  fou   encap-dport 5555, zero outer checksum; B's port 5555 has
#                mark 0x42 (HINT_MARK)
#   set 2  gue   encap-dport 6080 encap-csum (the outer checksum XDP verifies)
# Transmit checksum offload is off on both veths: a veth passes unfinished
# (CHECKSUM_PARTIAL) checksums to its peer, which an XDP receiver would see
# as wrong (see txcsum.py); a NIC never delivers those. GRO is on on B's b0:
# a veth starts with GRO off, unlike a NIC, and without it nothing coalesces
# whatever XDP does (checked: 1.00 segments per skb in every configuration;
# see gro.py).
#
# Coalescing is measured twice at B's TC ingress (after GRO):
#   - fouloader's own per-port counters (fou_gro_stats, gro_skbs / gro_segs
#     in stats --json), counted by fou_hints_tc only for packets carrying
#     hints (so: nothing with --hints off);
#   - the test-only counter build/gro_count.bpf.o (selftests/bench/
#     gro_count.bpf.c), attached with tc in front of fouloader's filter,
#     counting every TCP/UDP data skb and its gso_segs whatever fouloader
#     does: the same yardstick in every configuration.
#
# Native XDP on veth: the receiving veth needs as many rx queues as its peer
# has tx queues (veth pairs made here get 2/2), and attaching XDP makes the
# sender's veth stop sending GSO super-packets: B gets MTU-sized frames and
# only GRO at B can rebuild large skbs, which is what the figures show.

. "$(dirname "${BASH_SOURCE[0]}")/../lib/hosts.sh"

GRO_COUNT_OBJ=$FOU_TOPDIR/build/gro_count.bpf.o
GRO_COUNT_HANDLE=0x6c
HINT_MARK=0x42
# set|encap|dport|port add arguments|tunnel add arguments
HINT_TUNNELS=("1|fou|5555|ipproto 4|ipproto 4" "2|gue|6080|gue|encap-csum")

# ---------------------------------------------------------------- topology
# hints_configure NS DEV ME PEER MTU: ports, tunnels and routes of one host.
# B's FOU port carries the mark.
hints_configure() {
	local ns=$1 dev=$2 me=$3 peer=$4 mtu=$5 e k enc dport what opts mark
	for e in "${HINT_TUNNELS[@]}"; do
		IFS='|' read -r k enc dport what opts <<<"$e"
		mark=()
		[ "$me" = b ] && [ "$enc" = fou ] && mark=(mark "$HINT_MARK")
		# shellcheck disable=SC2086
		fl "$ns" port add "$dport" $what peer "$(outer_addr "$peer" 4)" "${mark[@]}" &&
			fl "$ns" tunnel add "t$k" local "$(outer_addr "$me" 4)" remote "$(outer_addr "$peer" 4)" \
				encap "$enc" encap-dport "$dport" $opts &&
			fl "$ns" route add "$(inner_prefix "$peer" 4 "$k")" tunnel "t$k" || {
			echo "$ns: configuring tunnel t$k ($enc) failed"
			return 1
		}
		inner_route "$ns" "$dev" "$(inner_prefix "$peer" 4 "$k")" "$(inner_addr "$me" 4 "$k")" \
			$((mtu - $(overhead "$enc" 4)))
	done >/dev/null
}

# hints_hosts TAG [MTU]: the two hosts, A attached (--rx tc) and both
# configured; B not attached yet (see b_attach). Sets A_NS B_NS A_IF B_IF.
hints_hosts() {
	local mtu=${2:-1500}
	make_hosts "$1" 2 || return 1
	ip -n "$A_NS" link set "$A_IF" mtu "$mtu" && ip -n "$B_NS" link set "$B_IF" mtu "$mtu" || return 1
	in_ns "$A_NS" "$PY" "$FOU_LIBDIR/txcsum.py" "$A_IF" off >/dev/null &&
		in_ns "$B_NS" "$PY" "$FOU_LIBDIR/txcsum.py" "$B_IF" off >/dev/null &&
		in_ns "$B_NS" "$PY" "$FOU_LIBDIR/gro.py" "$B_IF" on >/dev/null || return 1
	fl "$A_NS" attach "$A_IF" --rx tc >/dev/null || return 1
	hints_configure "$A_NS" "$A_IF" a b "$mtu" && hints_configure "$B_NS" "$B_IF" b a "$mtu"
}

# b_attach ARGS...: B's device detached (and the counter with it), then
# "attach b0 ARGS..." and the counter in front of it. Output of fouloader in
# $TMPD/attach (or /dev/null).
b_attach() {
	local out=${TMPD:+$TMPD/attach}
	gro_count_detach "$B_NS" "$B_IF"
	fl "$B_NS" detach "$B_IF" >/dev/null 2>&1
	fl "$B_NS" attach "$B_IF" "$@" >"${out:-/dev/null}" 2>&1 || return 1
	gro_count_attach "$B_NS" "$B_IF"
}

# ---------------------------------------------------------------- gro_count
# gro_count_attach NS DEV: the counter at fouloader's priority (1), added
# after it: cls_bpf runs the newest filter of a priority first, and the
# counter returns TC_ACT_UNSPEC, so fouloader's filter runs next.
gro_count_attach() {
	in_ns "$1" tc qdisc add dev "$2" clsact 2>/dev/null
	in_ns "$1" tc filter add dev "$2" ingress protocol all pref 1 handle "$GRO_COUNT_HANDLE" \
		bpf da obj "$GRO_COUNT_OBJ" sec tc
}

gro_count_detach() {
	in_ns "$1" tc filter del dev "$2" ingress protocol all pref 1 handle "$GRO_COUNT_HANDLE" bpf 2>/dev/null
	return 0
}

# gro_count_first NS DEV: 0 when the counter is the first filter tc lists on
# DEV's ingress (the order in which they run).
gro_count_first() {
	in_ns "$1" tc filter show dev "$2" ingress 2>/dev/null | grep ' handle ' | head -1 |
		grep -q "handle $GRO_COUNT_HANDLE "
}

# gro_count_read NS DEV: "SKBS SEGS BYTES" counted so far ("0 0 0" without
# the counter).
gro_count_read() {
	local id
	id=$(in_ns "$1" tc filter show dev "$2" ingress 2>/dev/null |
		sed -n "s/.*handle $GRO_COUNT_HANDLE .* id \([0-9]*\) .*/\1/p" | head -1)
	[ -n "$id" ] || { echo "0 0 0"; return; }
	bpftool -j prog show id "$id" 2>/dev/null | "$PY" -c '
import json, subprocess, sys, struct
try:
    ids = json.load(sys.stdin).get("map_ids", [])
except Exception:
    ids = []
for m in ids:
    info = json.loads(subprocess.run(["bpftool", "-j", "map", "show", "id", str(m)],
                                     capture_output=True, text=True).stdout or "{}")
    if info.get("name") != "gro_count":
        continue
    r = json.loads(subprocess.run(["bpftool", "-j", "map", "lookup", "id", str(m), "key", "0", "0", "0", "0"],
                                  capture_output=True, text=True).stdout or "{}")
    v = r.get("formatted", {}).get("value")
    if v:
        print(v["skbs"], v["segs"], v["bytes"])
    else:
        b = bytes(int(x, 16) for x in r.get("value", []))
        print(*struct.unpack("<QQQ", b[:24]))
    sys.exit(0)
print("0 0 0")'
}

# ratio NUM DEN: NUM / DEN with 2 decimals, "n/a" when DEN is 0 or missing.
hratio() {
	awk -v n="${1:-}" -v d="${2:-}" 'BEGIN {
		if (n == "" || d == "" || d + 0 == 0 || n == "n/a" || d == "n/a") print "n/a"
		else printf "%.2f", n / d }'
}

# ---------------------------------------------------------------- bench
# gro_bench: bulk TCP (iperf3, BENCH_GRO_SECS seconds per run, default 3;
# BENCH_GRO_FLOWS parallel streams, default 1) A -> B through the FOU tunnel,
# per configuration of B's receive path, the configurations taken in turn
# BENCH_GRO_ROUNDS times (default 3: the machine is shared, one run is
# noise). Per configuration: the median throughput (and the range), segments
# per skb over all its runs by the counter and by fouloader's port counters;
# then each beside hints off as a ratio.
GRO_CONFIGS=(
	"xdp, hints off|--rx xdp --xdp-mode native --hints off"
	"xdp, hints on|--rx xdp --xdp-mode native --hints on"
	"xdp, hints on, steer cpumap x2|--rx xdp --xdp-mode native --hints on --steer cpumap --steer-cpus 2"
	"tc (reference)|--rx tc"
)

# gro_bench_run LABEL ARGS: one iperf3 run; appends to the arrays of gro_bench.
gro_bench_run() {
	local label=$1 args=$2 r bps g0 g1
	# shellcheck disable=SC2086
	if ! b_attach $args; then
		echo "  $label: attach failed: $(head -c 200 "$TMPD/attach")"
		return 1
	fi
	# shellcheck disable=SC2034 # filled and read through namerefs
	declare -A st0=() st1=()
	stats_load st0 "$B_NS"
	r=$(IPERF_TIMEOUT=$((secs + 15)) iperf_run "$A_NS" -c "$(inner_addr b 4 1)" -t "$secs" -P "$flows")
	stats_load st1 "$B_NS"
	bps=${r#* }; bps=${bps%% *}
	[ -n "$(echo "$r" | cut -s -d' ' -f3-)" ] && echo "  $label: iperf3: $(echo "$r" | cut -s -d' ' -f3-)"
	read -r g0 g1 _ <<<"$(gro_count_read "$B_NS" "$B_IF")"
	BPS[$label]+=" ${bps:-0}"
	CSKB[$label]=$(( ${CSKB[$label]:-0} + g0 )) CSEG[$label]=$(( ${CSEG[$label]:-0} + g1 ))
	PSKB[$label]=$(( ${PSKB[$label]:-0} + $(sdelta_sum st0 st1 'port:*:gro_skbs') ))
	PSEG[$label]=$(( ${PSEG[$label]:-0} + $(sdelta_sum st0 st1 'port:*:gro_segs') ))
	HAPP[$label]=$(( ${HAPP[$label]:-0} + $(sdelta_sum st0 st1 hints_applied) ))
	STEER[$label]=$(( ${STEER[$label]:-0} + $(sdelta_sum st0 st1 steer_cpumap) ))
}

# median V...: the median (the lower middle one of an even count)
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] + 0 }'; }

gro_bench() {
	local secs=${BENCH_GRO_SECS:-3} flows=${BENCH_GRO_FLOWS:-1} rounds=${BENCH_GRO_ROUNDS:-3}
	local c label n base lo hi
	declare -A BPS CSKB CSEG PSKB PSEG HAPP STEER MED SPS
	for c in ip tc iperf3 nsenter timeout bpftool; do
		command -v "$c" >/dev/null || { echo "needs $c"; return 1; }
	done
	[ -x "$FOULOADER" ] || { echo "$FOULOADER not built: run make"; return 1; }
	[ -e "$GRO_COUNT_OBJ" ] || { echo "$GRO_COUNT_OBJ not built: run make"; return 1; }
	"$FOULOADER" attach --help 2>&1 | grep -q -- --hints ||
		{ echo "$FOULOADER has no attach --hints yet: section skipped"; return 0; }
	make_tmpd gro
	hints_hosts gb 1500 || { echo "could not build the namespaces"; return 1; }
	iperf_server_start "$B_NS" 5201 600 || { echo "iperf3 server did not start"; return 1; }
	echo "veth $A_NS/$A_IF -> $B_NS/$B_IF (GRO on), FOU over IPv4, TCP $(inner_addr a 4 1) -> $(inner_addr b 4 1)"
	echo "iperf3 -t $secs -P $flows, $rounds rounds over the configurations of B's receive path;"
	echo "segs/skb at B's TC ingress after GRO, over all rounds: 'counter' = every TCP/UDP data"
	echo "skb (build/gro_count.bpf.o), 'port' = fouloader's gro_segs / gro_skbs (hints only)"
	for ((n = 1; n <= rounds; n++)); do
		for c in "${GRO_CONFIGS[@]}"; do
			gro_bench_run "${c%%|*}" "${c#*|}"
		done
	done
	echo
	for c in "${GRO_CONFIGS[@]}"; do
		label=${c%%|*}
		# shellcheck disable=SC2086
		MED[$label]=$(median ${BPS[$label]:-0})
		# shellcheck disable=SC2086
		lo=$(printf '%s\n' ${BPS[$label]:-0} | sort -n | head -1) hi=$(printf '%s\n' ${BPS[$label]:-0} | sort -n | tail -1)
		SPS[$label]=$(hratio "${CSEG[$label]:-0}" "${CSKB[$label]:-0}")
		printf '  %-32s %6s Gbit/s (%s-%s)  segs/skb counter %6s  port %6s  hints_applied %s steer_cpumap %s\n' \
			"$label" "$(gbit "${MED[$label]}")" "$(gbit "$lo")" "$(gbit "$hi")" "${SPS[$label]}" \
			"$(hratio "${PSEG[$label]:-0}" "${PSKB[$label]:-0}")" "${HAPP[$label]:-0}" "${STEER[$label]:-0}"
	done
	echo
	echo "ratios to 'xdp, hints off' (median throughput, segs/skb by the counter):"
	base=${GRO_CONFIGS[0]%%|*}
	for c in "${GRO_CONFIGS[@]:1}"; do
		label=${c%%|*}
		printf '  %-32s %s  %s\n' "$label" "$(hratio "${MED[$label]:-}" "${MED[$base]:-}")" \
			"$(hratio "${SPS[$label]:-}" "${SPS[$base]:-}")"
	done
	echo "goal (issue 6): >= 8 segs/skb for a bulk flow; throughput with hints >= without (ratio >= 1)"
	return 0
}
