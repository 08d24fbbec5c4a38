# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# shellcheck shell=bash
#
# Helpers for fouloader's transmit-side end-to-end tests, demo and bench: two
# (or more) hosts, each a network namespace running its own fouloader with its
# own pin root. Source it from bash; it sources netns.sh (TAP, cleanup traps,
# in_ns, ...) and extends it:
#
#   - host_ns NS: create a namespace (lo up, rp_filter off, no DAD) and give it
#     its own pin root /sys/fs/bpf/NS (namespaces share one bpffs); fl NS ...
#     then uses that pin root. Namespaces made otherwise keep using $PIN.
#   - make_hosts TAG [N]: hosts A and B joined by the veth pair a0 <-> b0,
#     outer addresses, N sets of inner addresses on lo (see below), static
#     neighbours, and a black-hole next hop NH4/NH6 for the inner routes
#   - inner_route NS DEV PREFIX SRC MTU: the kernel route that sends an inner
#     prefix out of DEV (toward the black hole: only fouloader's
#     encapsulation, which re-routes by the outer destination, gets it across)
#   - stats_load ARRAY NS: one "stats --json" into an associative array
#     (counter names; "tun:NAME:FIELD"; "port:PORT/FAM:FIELD");
#     stats_from_json ARRAY JSON the same from a document in hand
#   - capture_start / capture_stop: a bounded tshark in a namespace
#   - iperf_server_start NS / iperf_run NS ARGS...: bounded iperf3
#
# Addresses (private / documentation ranges, only inside test namespaces):
#   outer     A 10.202.0.1/24 fd00:202::1/64 (a0)   B 10.202.0.2/24 fd00:202::2/64 (b0)
#   black hole NH4 10.202.0.254, NH6 fd00:202::fe, MAC 02:00:00:00:00:fe (a
#             static neighbour nobody owns: a packet routed there unencapsulated
#             is dropped by the peer veth as not for its MAC)
#   inner k   A 10.21.k.1 fd00:21:k::1   B 10.22.k.1 fd00:22:k::1 (on lo)

. "$(dirname "${BASH_SOURCE[0]}")/netns.sh"

A4=10.202.0.1 B4=10.202.0.2 A6=fd00:202::1 B6=fd00:202::2
NH4=10.202.0.254 NH6=fd00:202::fe NH_MAC=02:00:00:00:00:fe

# ---------------------------------------------------------------- per-namespace pin roots
declare -A NS_PIN=()

# host_ns NS: new_ns plus a pin root of its own (removed on exit).
host_ns() {
	NS_PIN[$1]=/sys/fs/bpf/$1
	cleanup_pin "/sys/fs/bpf/$1"
	new_ns "$1"
}

# fl NS ARGS...: fouloader inside NS with NS's pin root (or $PIN), bounded.
# Replaces netns.sh's fl, so fl_json_get, stat_counter and port_counter follow.
# After clock_ahead, in a time namespace whose CLOCK_MONOTONIC runs
# CLOCK_AHEAD_S ahead.
fl() {
	local ns=$1; shift
	timeout 20 nsenter --net="/run/netns/$ns" -- \
		${CLOCK_AHEAD_S:+unshare --time --monotonic "$CLOCK_AHEAD_S" --} \
		"$FOULOADER" --pin-root "${NS_PIN[$ns]:-$PIN}" "$@"
}

# clock_ahead: from now on the loader's CLOCK_MONOTONIC (a time namespace's)
# runs 100000 s ahead, and ahead_ns prints that clock. A test can then plant
# "learned 700 s ago" as $(ahead_ns) - 700e9 and read its age back through
# the loader whatever the uptime: on a machine up for a minute, the real
# clock minus 700 s is negative. Only for state the BPF programs do not read
# in the test (their bpf_ktime_get_ns is the real clock). SKIPs the whole
# test without time namespaces.
clock_ahead() {
	unshare --time --monotonic 1 -- true 2>/dev/null ||
		skip_all "no time namespaces (unshare --time): the loader's clock cannot be moved"
	CLOCK_AHEAD_S=100000
}
ahead_ns() {
	"$PY" -c 'import sys, time; print(time.clock_gettime_ns(time.CLOCK_MONOTONIC) + int(sys.argv[1]) * 10**9)' \
		"${CLOCK_AHEAD_S:?clock_ahead first}"
}

# attach_rx NS DEV HOOK: fouloader attach DEV --rx HOOK inside NS, native
# XDP when HOOK is xdp (veth runs it; skb mode would hide driver paths).
attach_rx() {
	local xdp=()
	[ "$3" = xdp ] && xdp=(--xdp-mode native)
	fl "$1" attach "$2" --rx "$3" "${xdp[@]}"
}

# pin_of NS: the pin root fl uses for NS.
pin_of() { echo "${NS_PIN[$1]:-$PIN}"; }

# ---------------------------------------------------------------- addresses
# inner_addr SIDE FAM K: host SIDE's (a|b) inner address of set K.
inner_addr() {
	local n; [ "$1" = a ] && n=21 || n=22
	[ "$2" = 4 ] && echo "10.$n.$3.1" || echo "fd00:$n:$3::1"
}
# inner_prefix SIDE FAM K
inner_prefix() {
	local n; [ "$1" = a ] && n=21 || n=22
	[ "$2" = 4 ] && echo "10.$n.$3.0/24" || echo "fd00:$n:$3::/64"
}
# outer_addr SIDE FAM
outer_addr() {
	case $1$2 in a4) echo "$A4" ;; a6) echo "$A6" ;; b4) echo "$B4" ;; b6) echo "$B6" ;; esac
}

# make_hosts TAG [N]: A_NS, B_NS (names fou-TAG-$$-a|b), devices a0 <-> b0,
# inner address sets 1..N on lo. Sets A_NS B_NS A_IF B_IF A_MAC B_MAC.
make_hosts() {
	local tag=$1 n=${2:-1} k fam
	A_NS=fou-$tag-$$-a B_NS=fou-$tag-$$-b A_IF=a0 B_IF=b0
	host_ns "$A_NS" && host_ns "$B_NS" || return 1
	ip -n "$A_NS" link add "$A_IF" type veth peer name "$B_IF" netns "$B_NS" || return 1
	ip -n "$A_NS" addr add "$A4/24" dev "$A_IF"
	ip -n "$A_NS" addr add "$A6/64" dev "$A_IF" nodad
	ip -n "$B_NS" addr add "$B4/24" dev "$B_IF"
	ip -n "$B_NS" addr add "$B6/64" dev "$B_IF" nodad
	for ((k = 1; k <= n; k++)); do
		for fam in 4 6; do
			ip -n "$A_NS" addr add "$(inner_addr a $fam $k)/$([ $fam = 4 ] && echo 32 || echo 128)" dev lo $([ $fam = 6 ] && echo nodad)
			ip -n "$B_NS" addr add "$(inner_addr b $fam $k)/$([ $fam = 4 ] && echo 32 || echo 128)" dev lo $([ $fam = 6 ] && echo nodad)
		done
	done
	ip -n "$A_NS" link set "$A_IF" up
	ip -n "$B_NS" link set "$B_IF" up
	A_MAC=$(ip -n "$A_NS" -br link show dev "$A_IF" | awk '{print $3}')
	B_MAC=$(ip -n "$B_NS" -br link show dev "$B_IF" | awk '{print $3}')
	[ -n "$A_MAC" ] && [ -n "$B_MAC" ] || return 1
	static_neigh "$A_NS" "$A_IF" "$B4" "$B6" "$B_MAC"
	static_neigh "$B_NS" "$B_IF" "$A4" "$A6" "$A_MAC"
	return 0
}

# static_neigh NS DEV ADDR4 ADDR6 MAC: permanent neighbours for the peer, and
# the black-hole next hop.
static_neigh() {
	ip -n "$1" neigh replace "$3" lladdr "$5" dev "$2" nud permanent
	ip -n "$1" -6 neigh replace "$4" lladdr "$5" dev "$2" nud permanent
	ip -n "$1" neigh replace "$NH4" lladdr "$NH_MAC" dev "$2" nud permanent
	ip -n "$1" -6 neigh replace "$NH6" lladdr "$NH_MAC" dev "$2" nud permanent
}

# inner_route NS DEV PREFIX SRC MTU [VIA]: kernel route for an inner prefix out
# of DEV, with source SRC and an MTU that leaves room for the overhead; the
# next hop (default: the black hole) does not matter to fouloader.
inner_route() {
	local ns=$1 dev=$2 prefix=$3 src=$4 mtu=$5 via=${6:-}
	if [[ $prefix == *:* ]]; then
		ip -n "$ns" -6 route replace "$prefix" via "${via:-$NH6}" dev "$dev" src "$src" mtu "$mtu"
	else
		ip -n "$ns" route replace "$prefix" via "${via:-$NH4}" dev "$dev" src "$src" mtu "$mtu"
	fi
}

# overhead ENCAP OUTER_FAM: bytes fouloader adds (outer IP + UDP [+ GUE]).
overhead() {
	local o; [ "$2" = 4 ] && o=20 || o=40
	o=$((o + 8))
	[ "$1" = gue ] && o=$((o + 4))
	echo "$o"
}

# ---------------------------------------------------------------- counters
# stats_load ARRAY NS: fill the associative array ARRAY (declare -A first)
# from one "fouloader stats --json" in NS: every global counter by name,
# per-tunnel "tun:NAME:tx_packets|tx_bytes|drop_packets", per-port
# "port:PORT/FAMILY:rx_packets|...". Returns 1 when stats failed.
stats_load() {
	stats_from_json "$1" "$(fl "$2" stats --json 2>/dev/null)"
}

# stats_from_json ARRAY JSON: the same from the text of a "stats --json"
# (e.g. one a guest printed).
stats_from_json() {
	local -n _arr=$1
	local k v
	_arr=()
	while read -r k v; do
		[ -n "$k" ] && _arr[$k]=$v
	done < <(printf '%s' "$2" | "$PY" -c '
import json, sys
try:
    j = json.load(sys.stdin)
except Exception:
    sys.exit(1)
for k, v in j.get("counters", {}).items():
    print(k, v)
for t in j.get("tunnels", []):
    for f, v in t.items():
        if f != "name":
            print("tun:%s:%s" % (t.get("name"), f), v)
for p in j.get("ports", []):
    for f, v in p.items():
        if f not in ("port", "family"):
            print("port:%s/%s:%s" % (p.get("port"), p.get("family"), f), v)
')
	[ ${#_arr[@]} -gt 0 ]
}

# sdelta BEFORE AFTER KEY: AFTER[KEY] - BEFORE[KEY] (absent counts as 0;
# prints "?" when AFTER lacks the key altogether).
sdelta() {
	local -n _b=$1 _a=$2
	local k=$3
	if [ -z "${_a[$k]+x}" ]; then echo "?"; return; fi
	echo $(( ${_a[$k]:-0} - ${_b[$k]:-0} ))
}

# sdelta_sum BEFORE AFTER PATTERN: summed delta of the keys matching the glob.
sdelta_sum() {
	local -n _b=$1 _a=$2
	local k s=0
	for k in "${!_a[@]}"; do
		# shellcheck disable=SC2053
		[[ $k == $3 ]] && s=$((s + ${_a[$k]:-0} - ${_b[$k]:-0}))
	done
	echo "$s"
}

# diag_deltas LABEL BEFORE AFTER: every counter that moved, as a TAP comment.
diag_deltas() {
	local -n _db=$2 _da=$3
	local k out=
	for k in $(printf '%s\n' "${!_da[@]}" | sort); do
		[ "${_da[$k]:-0}" != "${_db[$k]:-0}" ] && out="$out $k+$(( ${_da[$k]:-0} - ${_db[$k]:-0} ))"
	done
	diag "$1 counters moved:${out:- none}"
}

# expect_ge DESC VALUE MIN: ok when VALUE is a number >= MIN.
expect_ge() {
	if [[ "$2" =~ ^-?[0-9]+$ ]] && [ "$2" -ge "$3" ]; then
		pass "$1 (+$2, want >= $3)"
	else
		fail "$1: moved by '$2', want >= $3"
		return 1
	fi
}

# expect_eq DESC VALUE WANT
expect_eq() {
	if [ "$2" = "$3" ]; then pass "$1 ($2)"; else fail "$1: got '$2', want '$3'"; return 1; fi
}

# ---------------------------------------------------------------- capture
# capture_start NS DEV FILE [SECONDS] [FILTER]: tshark on DEV inside NS,
# writing FILE, stopping by itself after SECONDS (default 60) at the latest.
# Returns once tshark captures. Sets CAPTURE_PID.
capture_start() {
	local ns=$1 dev=$2 file=$3 secs=${4:-60} filter=${5:-}
	local f=(); [ -n "$filter" ] && f=(-f "$filter")
	rm -f "$file" "$file.err"
	timeout $((secs + 5)) nsenter --net="/run/netns/$ns" -- \
		tshark -n -q -i "$dev" -a "duration:$secs" -w "$file" "${f[@]}" 2>"$file.err" &
	CAPTURE_PID=$!
	cleanup_pid "$CAPTURE_PID"
	wait_for 10 grep -q "Capturing on" "$file.err"
}

# capture_stop PID: stop a capture early and wait until the file is complete.
capture_stop() {
	kill -INT "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# ---------------------------------------------------------------- traffic
# ping_ok NS DST COUNT [ARGS...]: COUNT echo requests, all answered; prints
# ping's summary when not.
ping_ok() {
	local ns=$1 dst=$2 n=$3; shift 3
	local out
	out=$(in_ns "$ns" timeout $((n + 5)) ping -n -c "$n" -i 0.1 -W 2 "$@" "$dst" 2>&1)
	if echo "$out" | grep -q " $n received"; then return 0; fi
	echo "$out" | tail -3
	return 1
}

# udp_send NS ARGS...: selftests/lib/udp_send.py in NS (see its --help).
udp_send() {
	local ns=$1; shift
	timeout 10 nsenter --net="/run/netns/$ns" -- "$PY" "$FOU_LIBDIR/udp_send.py" "$@"
}

# iperf_server_start NS [PORT] [SECONDS]: a bounded iperf3 server (all
# addresses of NS). Sets IPERF_PID.
iperf_server_start() {
	local ns=$1 port=${2:-5201} secs=${3:-300} f
	f=$(mktemp /tmp/fou-iperf.XXXXXX)
	on_cleanup "rm -f $f"
	timeout "$secs" nsenter --net="/run/netns/$ns" -- iperf3 -s -p "$port" >"$f" 2>&1 &
	IPERF_PID=$!
	cleanup_pid "$IPERF_PID"
	wait_for 5 _listening "$ns" "$port"
}
_listening() { [ -n "$(in_ns "$1" ss -Hltn "sport = :$2" 2>/dev/null)" ]; }

# iperf_run NS ARGS...: iperf3 -J client in NS, bounded to 20 s; prints
# "BYTES BITS_PER_SECOND" received (0 0 on failure) and the error, if any.
iperf_run() {
	local ns=$1; shift
	timeout "${IPERF_TIMEOUT:-20}" nsenter --net="/run/netns/$ns" -- iperf3 -J --connect-timeout 3000 "$@" 2>/dev/null | "$PY" -c '
import json, sys
try:
    j = json.load(sys.stdin)
except Exception:
    print("0 0 no JSON from iperf3"); sys.exit(0)
s = j.get("end", {}).get("sum_received", {})
print(int(s.get("bytes", 0)), int(s.get("bits_per_second", 0)), j.get("error", ""))
'
}

# gbit BITS_PER_SECOND: "12.34"
gbit() { awk -v b="$1" 'BEGIN { printf "%.2f", b / 1e9 }'; }
