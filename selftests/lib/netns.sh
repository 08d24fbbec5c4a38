# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# shellcheck shell=bash
#
# Helpers for fouloader's end-to-end tests and demo. Source it from bash:
#
#   . "$(dirname "$0")/../lib/netns.sh"
#
# It provides
#   - TAP output: plan, ok, pass, fail, skip, diag, check, done_testing
#   - requirements: require_root, require_cmd, require_fouloader,
#     require_tunnel_cmd, require_scapy (print "1..0 # SKIP reason" and exit
#     0: a skip never passes as a test)
#   - cleanup registry: on_cleanup CMD..., cleanup_netns NS, cleanup_pin DIR,
#     cleanup_pid PID, all run by one EXIT/INT/TERM trap (installed here);
#     make_tmpd NAME: a scratch directory TMPD, removed the same way
#   - topology: make_pair creates two uniquely named namespaces joined by veth,
#     with outer and inner test addresses (never touching the root namespace)
#   - in_ns NS CMD...: run CMD in NS's network namespace only (nsenter keeps
#     the mount namespace, so bpffs at /sys/fs/bpf stays visible)
#   - fl NS ARGS...: run build/fouloader with this test's pin root inside NS;
#     fl_run NS ARGS... keeps its exit status and output (RC OUT ERR) for
#     checks, show_run prints them as diagnostics
#
# Addresses (documentation / private ranges, only ever inside test namespaces):
#   outer   10.201.0.1/24  fd00:201::1/64  sender      (SND_IF)
#           10.201.0.3     fd00:201::3     sender's second address (not a peer)
#           10.201.0.2/24  fd00:201::2/64  receiver    (RCV_IF)
#   inner   192.0.2.1      2001:db8:1::1   sender's inner source
#           198.51.100.2   2001:db8:2::2   receiver's inner address (on lo)

# ---------------------------------------------------------------- locations
FOU_TOPDIR=${FOU_TOPDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
FOULOADER=${FOULOADER:-$FOU_TOPDIR/build/fouloader}
FOU_LIBDIR=$FOU_TOPDIR/selftests/lib
PY=/usr/bin/python3         # Debian's python: the one with scapy
export PYTHONDONTWRITEBYTECODE=1

# Outer and inner test addresses (see the table above).
SND4=10.201.0.1   RCV4=10.201.0.2   SND4_ALT=10.201.0.3
SND6=fd00:201::1  RCV6=fd00:201::2  SND6_ALT=fd00:201::3
INNER_SND4=192.0.2.1      INNER_RCV4=198.51.100.2
INNER_SND6=2001:db8:1::1  INNER_RCV6=2001:db8:2::2

# ---------------------------------------------------------------- TAP
_tap_n=0
_tap_failed=0
_tap_planned=

plan() { _tap_planned=$1; echo "1..$1"; }

# ok STATUS DESCRIPTION: "ok" when STATUS is 0.
ok() {
	local st=$1; shift
	_tap_n=$((_tap_n + 1))
	if [ "$st" -eq 0 ]; then
		echo "ok $_tap_n - $*"
	else
		echo "not ok $_tap_n - $*"
		_tap_failed=$((_tap_failed + 1))
	fi
	return "$st"
}
pass() { ok 0 "$@"; }
fail() { ok 1 "$@" || true; }
# skip DESCRIPTION REASON
skip() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $1 # SKIP $2"
}
diag() { local l; while IFS= read -r l; do echo "# $l"; done <<<"$*"; }
# diag_file FILE: each line of FILE as a TAP comment (command output on failure)
diag_file() { [ -s "$1" ] && sed 's/^/#   /' "$1"; return 0; }

# check DESCRIPTION CMD...: run CMD, ok when it exits 0; its output becomes
# diagnostics only when it fails.
check() {
	local desc=$1; shift
	local out st
	out=$("$@" 2>&1); st=$?
	ok "$st" "$desc" || { [ -n "$out" ] && diag "$out"; diag "command: $*"; }
	return "$st"
}

# done_testing: trailing plan when plan was not called; exit status for prove.
done_testing() {
	[ -z "$_tap_planned" ] && echo "1..$_tap_n"
	if [ "$_tap_failed" -ne 0 ]; then
		diag "failed $_tap_failed of $_tap_n"
		exit 1
	fi
	exit 0
}

# bail REASON: stop the whole test (cleanup still runs).
bail() { echo "Bail out! $*"; exit 1; }

# skip_all REASON: nothing can run here.
skip_all() { echo "1..0 # SKIP $*"; exit 0; }

# ---------------------------------------------------------------- requirements
require_root() { [ "$(id -u)" -eq 0 ] || skip_all "needs root"; }
require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip_all "needs $c"
	done
}
require_fouloader() {
	[ -x "$FOULOADER" ] || skip_all "$FOULOADER not built (run make)"
}
# The transmit side came after the receive side: a loader without it skips
# the transmit tests instead of failing them.
require_tunnel_cmd() {
	"$FOULOADER" tunnel --help >/dev/null 2>&1 || skip_all "$FOULOADER has no 'tunnel' command yet"
}
# XDP hints need XDP programs to call bpf_xdp_adjust_meta, which some kernel
# builds refuse (fouloader probe's kernel.xdp_adjust_meta): skip, naming it.
require_xdp_hints() {
	"$FOULOADER" probe lo --json 2>/dev/null | grep -q '"xdp_adjust_meta":false' &&
		skip_all "this kernel lets no XDP program call bpf_xdp_adjust_meta (XDP hints need it; see fouloader probe)"
	return 0
}
require_scapy() {
	"$PY" -c 'import scapy.all' >/dev/null 2>&1 || skip_all "$PY has no scapy (apt install python3-scapy)"
}

# ---------------------------------------------------------------- cleanup
_cleanup_cmds=()
_cleanup_owner=$BASHPID
on_cleanup() { _cleanup_cmds+=("$*"); }

_cleanup_run() {
	local st=$? i
	# only the shell that sourced this file cleans up, never a subshell
	# (a background job or $(...) that bash tears down on an error)
	[ "$BASHPID" = "$_cleanup_owner" ] || return $st
	trap - EXIT INT TERM
	# newest first: processes, then namespaces, then pin directories
	for ((i = ${#_cleanup_cmds[@]} - 1; i >= 0; i--)); do
		eval "${_cleanup_cmds[i]}" 2>/dev/null || true
	done
	_cleanup_cmds=()
	return $st
}
trap _cleanup_run EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cleanup_pid() { on_cleanup "kill $1 2>/dev/null; wait $1 2>/dev/null"; }

# make_tmpd NAME: TMPD, a fresh /tmp/fou-e2e-NAME.XXXXXX, removed on exit.
make_tmpd() {
	TMPD=$(mktemp -d "/tmp/fou-e2e-$1.XXXXXX")
	on_cleanup "rm -rf $TMPD"
}

# Kill every process still inside NS (only our own: the namespace is ours),
# then delete it; deleting it deletes its veth end too.
_netns_del() {
	local ns=$1 p
	[ -e "/run/netns/$ns" ] || return 0
	for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null; done
	sleep 0.1
	for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
	ip netns del "$ns" 2>/dev/null
}
cleanup_netns() { on_cleanup "_netns_del $1"; }

# Pin directories of the tests all live under /sys/fs/bpf; refuse anything else.
_pin_del() {
	case $1 in
	/sys/fs/bpf/?*) rm -rf -- "$1" ;;
	*) echo "netns.sh: not removing pin dir $1" >&2 ;;
	esac
}
cleanup_pin() { on_cleanup "_pin_del $1"; }

# ---------------------------------------------------------------- namespaces
# in_ns NS CMD...: CMD in NS's network namespace, same mount namespace.
in_ns() { local ns=$1; shift; nsenter --net="/run/netns/$ns" -- "$@"; }

# new_ns NAME: create a namespace (registered for cleanup) with lo up.
new_ns() {
	ip netns add "$1" || return 1
	cleanup_netns "$1"
	ip -n "$1" link set lo up
	# rp_filter and DAD must not interfere with tunnelled, spoofed test sources.
	in_ns "$1" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
		net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 2>/dev/null
	return 0
}

# make_pair TAG: two namespaces, sender SND_NS and receiver RCV_NS, joined by
# the veth pair SND_IF <-> RCV_IF, with the outer addresses on the veth and the
# inner addresses on lo. The receiver routes the inner source prefixes back
# through the veth (plain, unencapsulated replies). Sets SND_NS RCV_NS SND_IF
# RCV_IF SND_MAC RCV_MAC and PIN (a pin root for this test, cleaned up).
make_pair() {
	local tag=${1:-e2e}
	SND_NS=fou-$tag-$$-snd
	RCV_NS=fou-$tag-$$-rcv
	SND_IF=snd0
	RCV_IF=rcv0
	PIN=/sys/fs/bpf/fou-$tag-$$
	cleanup_pin "$PIN"
	new_ns "$SND_NS" && new_ns "$RCV_NS" || return 1
	# created inside the sender namespace: nothing appears in the root namespace
	ip -n "$SND_NS" link add "$SND_IF" type veth peer name "$RCV_IF" netns "$RCV_NS" || return 1
	ip -n "$SND_NS" addr add "$SND4/24" dev "$SND_IF"
	ip -n "$SND_NS" addr add "$SND4_ALT/24" dev "$SND_IF"
	ip -n "$SND_NS" addr add "$SND6/64" dev "$SND_IF" nodad
	ip -n "$SND_NS" addr add "$SND6_ALT/64" dev "$SND_IF" nodad
	ip -n "$SND_NS" addr add "$INNER_SND4/32" dev lo
	ip -n "$SND_NS" addr add "$INNER_SND6/128" dev lo nodad
	ip -n "$RCV_NS" addr add "$RCV4/24" dev "$RCV_IF"
	ip -n "$RCV_NS" addr add "$RCV6/64" dev "$RCV_IF" nodad
	ip -n "$RCV_NS" addr add "$INNER_RCV4/32" dev lo
	ip -n "$RCV_NS" addr add "$INNER_RCV6/128" dev lo nodad
	ip -n "$SND_NS" link set "$SND_IF" up
	ip -n "$RCV_NS" link set "$RCV_IF" up
	ip -n "$RCV_NS" route add 192.0.2.0/24 via "$SND4" dev "$RCV_IF"
	ip -n "$RCV_NS" -6 route add 2001:db8:1::/64 via "$SND6" dev "$RCV_IF"
	SND_MAC=$(ip -n "$SND_NS" -br link show dev "$SND_IF" | awk '{print $3}')
	RCV_MAC=$(ip -n "$RCV_NS" -br link show dev "$RCV_IF" | awk '{print $3}')
	[ -n "$SND_MAC" ] && [ -n "$RCV_MAC" ] || return 1
	# Static neighbours both ways: no ARP/ND round trip in timed checks.
	ip -n "$RCV_NS" neigh replace "$SND4" lladdr "$SND_MAC" dev "$RCV_IF" nud permanent
	ip -n "$RCV_NS" -6 neigh replace "$SND6" lladdr "$SND_MAC" dev "$RCV_IF" nud permanent
	ip -n "$SND_NS" neigh replace "$RCV4" lladdr "$RCV_MAC" dev "$SND_IF" nud permanent
	ip -n "$SND_NS" -6 neigh replace "$RCV6" lladdr "$RCV_MAC" dev "$SND_IF" nud permanent
	return 0
}

# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds (bounded).
wait_for() {
	local secs=$1 i; shift
	for ((i = 0; i < secs * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# ---------------------------------------------------------------- fouloader
# fl NS ARGS...: fouloader with this test's pin root, inside NS, bounded.
# Output goes to stdout/stderr as usual.
fl() {
	local ns=$1; shift
	timeout 20 nsenter --net="/run/netns/$ns" -- "$FOULOADER" --pin-root "$PIN" "$@"
}

# fl_run NS ARGS...: fl with its exit status and output kept (through files
# in $TMPD) for the checks that follow: sets RC, OUT, ERR.
fl_run() {
	fl "$@" >"$TMPD/out" 2>"$TMPD/err"
	RC=$?
	OUT=$(cat "$TMPD/out")
	ERR=$(cat "$TMPD/err")
}

# show_run: the last fl_run as diagnostics (after a failed check); returns 0
# even when OUT or ERR is empty, so "ok ... || show_run" never reads as a failure.
show_run() {
	diag "exit $RC"
	[ -n "$OUT" ] && diag "stdout: $OUT"
	[ -n "$ERR" ] && diag "stderr: $ERR"
	return 0
}

# fl_json_get NS EXPR CMD...: run "fouloader CMD... --json" in NS and print
# the Python expression EXPR evaluated on the parsed document as j.
fl_json_get() {
	local ns=$1 expr=$2; shift 2
	fl "$ns" "$@" --json 2>/dev/null | "$PY" -c '
import json, sys
j = json.load(sys.stdin)
v = eval(sys.argv[1])
print(json.dumps(v) if isinstance(v, (dict, list, bool)) or v is None else v)
' "$expr"
}

# stat_counter NS NAME: one global counter (0 when absent).
stat_counter() {
	fl_json_get "$1" "j['counters'].get('$2', 0)" stats
}

# port_counter NS PORT FAMILY FIELD: one per-port counter (0 when absent).
port_counter() {
	fl_json_get "$1" "sum(p.get('$4', 0) for p in j.get('ports', []) if p.get('port') == $2 and p.get('family') == $3)" stats
}

# dump_maps NS: every pinned map's content, for before/after comparisons.
dump_maps() {
	local m
	for m in fou_ports fou_peers fou_port_stats fou_stats fou_devices; do
		echo "== $m"
		if [ -e "$PIN/$m" ]; then
			bpftool map dump pinned "$PIN/$m" 2>&1
		else
			echo "(absent)"
		fi
	done
}

# ---------------------------------------------------------------- traffic
# send_encap NS ARGS...: selftests/lib/fou_send.py in NS (see its --help).
send_encap() {
	local ns=$1; shift
	timeout 30 nsenter --net="/run/netns/$ns" -- "$PY" "$FOU_LIBDIR/fou_send.py" "$@"
}

# udp_listen_start NS ADDR PORT SECONDS OUTFILE [COUNT]: background UDP
# listener that writes "SRC PAYLOAD-HEX" per datagram to OUTFILE, stopping
# after SECONDS or COUNT datagrams. Returns when the socket is bound.
# Sets LISTEN_PID.
udp_listen_start() {
	local ns=$1 addr=$2 port=$3 secs=$4 out=$5 count=${6:-0}
	rm -f "$out" "$out.ready"
	timeout "$(awk -v s="$secs" 'BEGIN { print s + 5 }')" nsenter --net="/run/netns/$ns" -- \
		"$PY" "$FOU_LIBDIR/udp_listen.py" --addr "$addr" --port "$port" \
		--timeout "$secs" --count "$count" --out "$out" --ready "$out.ready" &
	LISTEN_PID=$!
	cleanup_pid "$LISTEN_PID"
	wait_for 5 test -e "$out.ready"
}

# udp_listen_wait: wait for the listener started last; its exit status.
udp_listen_wait() { wait "$LISTEN_PID"; }

# xdp_attach_mode NS DEV: none | native | skb | hw | multi, from ip -j -d link
# (XDP_ATTACHED_* 0..4); "error" when ip fails.
xdp_attach_mode() {
	ip -n "$1" -j -d link show dev "$2" 2>/dev/null | "$PY" -c '
import json, sys
try:
    l = json.load(sys.stdin)[0]
except Exception:
    print("error"); sys.exit(0)
m = l.get("xdp", {}).get("mode", 0)
print({0: "none", 1: "native", 2: "skb", 3: "hw", 4: "multi"}.get(m, str(m)))'
}

# xdp_prog_count NS DEV: how many XDP programs ip reports on DEV.
xdp_prog_count() {
	ip -n "$1" -j -d link show dev "$2" 2>/dev/null | "$PY" -c '
import json, sys
try:
    x = json.load(sys.stdin)[0].get("xdp", {})
except Exception:
    print(-1); sys.exit(0)
n = 1 if "prog" in x else 0
n += len(x.get("attached", [])) if "prog" not in x else 0
print(n)'
}

# tc_ingress_bpf_count NS DEV: bpf filters on DEV's clsact ingress (tc prints
# a header line per priority and one line per filter: count the filters).
tc_ingress_bpf_count() {
	tc -n "$1" filter show dev "$2" ingress 2>/dev/null | grep -c ' bpf .*handle '
}
