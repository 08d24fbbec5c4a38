#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The drop monitor on a receiver in a test namespace pair (netns.sh
# make_pair), at TC and at XDP: a FOU packet with a corrupt UDP checksum,
# one from an address that is not a peer, and one shorter than its IP length
# must appear in the pcapng file with the right reasons and exactly the bytes
# sent, read back by tshark (comments) and scapy (bytes). Then --json with a
# short snap length, --all in text, the switch back off after the monitor,
# a second monitor refused, and bad command lines.
cd "$(dirname "$0")/../.." || exit 1
. selftests/lib/netns.sh

require_root
require_fouloader
require_scapy
require_cmd nsenter bpftool tshark

make_tmpd monitor
make_pair monitor || bail "cannot create the namespace pair"

# mon_flags: fou_monitor_conf's flags (0: off), from bpftool's JSON.
mon_flags() {
	bpftool -j map lookup pinned "$PIN/fou_monitor_conf" key 0 0 0 0 2>/dev/null |
		"$PY" -c 'import json, sys; print(json.load(sys.stdin)["formatted"]["value"]["flags"])' 2>/dev/null
}
mon_on() { [ "$(mon_flags)" != 0 ] && [ -n "$(mon_flags)" ]; }

# monitor_start OUT ERR ARGS...: fouloader monitor in the receiver, in the
# background (MON_PID); returns once it has switched the programs on.
monitor_start() {
	local out=$1 err=$2; shift 2
	nsenter --net="/run/netns/$RCV_NS" -- "$FOULOADER" --pin-root "$PIN" monitor "$@" \
		>"$out" 2>"$err" &
	MON_PID=$!
	cleanup_pid "$MON_PID"
	wait_for 5 mon_on
}

# monitor_wait: MON_ST, its exit status, or "timeout" after 10 s (then it
# is killed). Not in a subshell: only this shell can wait for it.
monitor_wait() {
	local i
	MON_ST=timeout
	for ((i = 0; i < 100; i++)); do
		kill -0 "$MON_PID" 2>/dev/null || { wait "$MON_PID"; MON_ST=$?; return; }
		sleep 0.1
	done
	kill "$MON_PID" 2>/dev/null
	wait "$MON_PID" 2>/dev/null
}

# send_frames OUTHEX KIND...: each KIND (bad_csum, not_peer, truncated, good)
# as one FOU frame out of the sender's veth; their bytes, in hex, one per
# line, to OUTHEX.
send_frames() {
	local hex=$1; shift
	timeout 20 nsenter --net="/run/netns/$SND_NS" -- "$PY" - "$hex" "$SND_IF" "$RCV_MAC" \
		"$SND4" "$SND4_ALT" "$RCV4" "$INNER_SND4" "$INNER_RCV4" "$@" <<'EOF'
import logging, sys
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import Ether, IP, UDP, Raw, raw, sendp, conf
conf.verb = 0
out, iface, dmac, src, src_alt, dst, isrc, idst = sys.argv[1:9]
frames = []
for i, kind in enumerate(sys.argv[9:]):
    inner = IP(src=isrc, dst=idst) / UDP(sport=40001, dport=7777) / Raw(b"monitor-%d-%s" % (i, kind.encode()) * 3)
    s = src_alt if kind == "not_peer" else src
    p = Ether(dst=dmac) / IP(src=s, dst=dst) / UDP(sport=40000, dport=5555) / inner
    p = Ether(raw(p))
    if kind == "bad_csum":
        p[UDP].chksum = (p[UDP].chksum + 1) & 0xffff or 1
    if kind == "truncated":
        p[IP].len += 40   # the IP header claims 40 bytes the frame lacks
        del p[IP].chksum
    b = raw(p)
    frames.append(b.hex())
    sendp(Ether(b), iface=iface)
open(out, "w").write("\n".join(frames) + "\n")
EOF
}

fl "$RCV_NS" port add 5555 ipproto 4 peer "$SND4" || bail "port add failed"

for hook in tc xdp; do
	fl "$RCV_NS" detach "$RCV_IF" >/dev/null 2>&1
	# XDP without hints: the monitor does not need them, and this kernel (6.18)
	# refuses bpf_xdp_adjust_meta in fou_xdp_hints at the time of writing
	opts=(--rx "$hook"); [ "$hook" = xdp ] && opts+=(--hints off)
	fl "$RCV_NS" attach "$RCV_IF" "${opts[@]}" >/dev/null || { fail "attach ${opts[*]}"; continue; }
	P=$TMPD/drops-$hook.pcapng
	if ! monitor_start "$TMPD/mon.out" "$TMPD/mon.err" --pcap "$P" --count 3; then
		fail "$hook: the monitor did not switch the programs on"
		diag_file "$TMPD/mon.err"
		continue
	fi
	pass "$hook: monitor --pcap --count 3 switched fou_monitor_conf on"
	send_frames "$TMPD/sent-$hook.hex" bad_csum not_peer truncated >"$TMPD/send.log" 2>&1 ||
		{ fail "$hook: sending the frames"; diag_file "$TMPD/send.log"; }
	monitor_wait; st=$MON_ST
	[ "$st" = 0 ] && pass "$hook: the monitor ends by itself after 3 events, status 0" ||
		{ fail "$hook: monitor status $st"; diag_file "$TMPD/mon.err"; }
	grep -q '^fouloader: monitor: 3 events; 0 held back by the rate limit, 0 lost' "$TMPD/mon.err" &&
		pass "$hook: it reports 3 events, none held back or lost" ||
		{ fail "$hook: summary"; diag_file "$TMPD/mon.err"; }
	[ "$(mon_flags)" = 0 ] && pass "$hook: fou_monitor_conf is off again after the monitor" ||
		fail "$hook: fou_monitor_conf flags after the monitor: '$(mon_flags)'"

	# tshark reads the file: reason in each comment, lengths as sent
	comments=$(tshark -r "$P" -T fields -e frame.comment 2>"$TMPD/tshark.err" | cut -d: -f1 | tr '\n' ' ')
	[ "$comments" = "drop_udp_csum drop_peer drop_truncated " ] &&
		pass "$hook: tshark reads the pcapng; comments give the reasons in order ($comments)" ||
		{ fail "$hook: tshark comments: '$comments'"; diag_file "$TMPD/tshark.err"; }
	dev=$(tshark -r "$P" -T fields -e frame.interface_name 2>/dev/null | sort -u)
	[ "$dev" = "$RCV_IF" ] && pass "$hook: the packets' interface is $RCV_IF" ||
		fail "$hook: interface name '$dev'"
	hooks=$(tshark -r "$P" -T fields -e frame.comment 2>/dev/null | grep -c "($(
		[ "$hook" = xdp ] && echo xdp || echo tc-ingress) $RCV_IF, port 5555)")
	[ "$hooks" = 3 ] && pass "$hook: each comment names the hook, the device and port 5555" ||
		fail "$hook: comments: $(tshark -r "$P" -T fields -e frame.comment 2>/dev/null | tr '\n' '|')"
	# scapy compares the bytes with those sent
	out=$("$PY" - "$P" "$TMPD/sent-$hook.hex" <<'EOF'
import logging, sys
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.utils import RawPcapNgReader
got = [bytes(d).hex() for d, _ in RawPcapNgReader(sys.argv[1])]
sent = open(sys.argv[2]).read().split()
if got != sent:
    print("got:"); print("\n".join(got)); print("sent:"); print("\n".join(sent)); sys.exit(1)
EOF
)
	ok $? "$hook: the three packets in the file are byte for byte the frames sent" || diag "$out"
done

# ---------------------------------------------------------------- --json, --snaplen, --all
monitor_start "$TMPD/json.out" "$TMPD/json.err" --json --snaplen 40 --count 1 ||
	fail "--json: the monitor did not switch the programs on"
send_frames "$TMPD/sent-json.hex" bad_csum >/dev/null 2>&1
monitor_wait; st=$MON_ST
out=$("$PY" - "$TMPD/json.out" "$TMPD/sent-json.hex" "$RCV_IF" <<'EOF'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
sent = open(sys.argv[2]).read().split()[0]
assert len(lines) == 1, lines
e = json.loads(lines[0])
want = {"reason": "drop_udp_csum", "drop": True, "hook": "xdp", "dev": sys.argv[3],
        "port": 5555, "tunnel": None, "len": len(sent) // 2, "cap_len": 40, "data": sent[:80]}
bad = {k: (e.get(k), v) for k, v in want.items() if e.get(k) != v}
assert not bad, bad
EOF
)
ok $? "--json --snaplen 40: one object, drop_udp_csum at xdp on $RCV_IF port 5555, first 40 bytes of the frame (status $st)" ||
	{ diag "$out"; diag_file "$TMPD/json.out"; }

# --port keeps the one event ours: with --all, the kernel's own IPv6 router
# solicitations on the link (pass_not_udp) may otherwise come first.
monitor_start "$TMPD/all.out" "$TMPD/all.err" --all --port 5555 --count 1 ||
	fail "--all: the monitor did not switch the programs on"
send_frames "$TMPD/sent-all.hex" good >/dev/null 2>&1
monitor_wait; st=$MON_ST
grep -Eq "^[0-9.]+ rx_decap_fou xdp $RCV_IF port 5555 len [0-9]+: [0-9a-f]+$" "$TMPD/all.out"
ok $? "--all: a good packet shows as rx_decap_fou, one line (status $st)" || diag_file "$TMPD/all.out"

# ---------------------------------------------------------------- --tunnel: a transmit drop
# A route into t1 for t1's own remote: what TC egress sends there is dropped
# (tx_drop_loop) and charged to t1.
fl "$RCV_NS" tunnel add t1 local "$RCV4" remote "$SND4" encap fou encap-dport 5555 &&
	fl "$RCV_NS" route add "$SND4/32" tunnel t1 || fail "tunnel t1 and its loop route"
monitor_start "$TMPD/tun.out" "$TMPD/tun.err" --tunnel t1 --json --count 1 ||
	fail "--tunnel: the monitor did not switch the programs on"
in_ns "$RCV_NS" ping -c 1 -W 1 "$SND4" >/dev/null 2>&1
monitor_wait; st=$MON_ST
out=$("$PY" - "$TMPD/tun.out" "$RCV_IF" <<'EOF'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1, lines
e = json.loads(lines[0])
want = {"reason": "tx_drop_loop", "drop": True, "hook": "tc-egress", "dev": sys.argv[2],
        "port": None, "tunnel": "t1"}
bad = {k: (e.get(k), v) for k, v in want.items() if e.get(k) != v}
assert not bad, bad
assert e["cap_len"] == min(e["len"], 128) and len(e["data"]) == 2 * e["cap_len"], e
EOF
)
ok $? "--tunnel t1: a ping to t1's remote shows as tx_drop_loop at tc-egress of tunnel t1 (status $st)" ||
	{ diag "$out"; diag_file "$TMPD/tun.out"; diag_file "$TMPD/tun.err"; }
fl "$RCV_NS" route del "$SND4/32"

# ---------------------------------------------------------------- one at a time, bad lines
if monitor_start "$TMPD/one.out" "$TMPD/one.err" --count 1000; then
	fl_run "$RCV_NS" monitor --count 1
	[ "$RC" = 2 ] && grep -q "another monitor (pid $MON_PID) is running" <<<"$ERR" &&
		pass "a second monitor is refused (exit 2) while one runs" ||
		{ fail "second monitor"; show_run; }
	kill -TERM "$MON_PID"
	monitor_wait; st=$MON_ST
	[ "$st" = 0 ] && [ "$(mon_flags)" = 0 ] &&
		pass "SIGTERM ends the monitor with status 0 and switches it off" ||
		fail "after SIGTERM: status $st, flags $(mon_flags)"
else
	fail "the third monitor did not start"
	skip "second monitor refused" "no first monitor"
fi
for bad in "--drops --all" "--port 5555 --tunnel t1" "--snaplen 0" "--snaplen 257" \
	"--pcap $TMPD/x --json" "--tunnel nosuch" "--bogus"; do
	# shellcheck disable=SC2086
	fl_run "$RCV_NS" monitor $bad
	[ "$RC" = 2 ] && [ "$(mon_flags)" = 0 ] && pass "monitor $bad: exit 2, switch left off" ||
		{ fail "monitor $bad: exit $RC"; show_run; }
done

done_testing
