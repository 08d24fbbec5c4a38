#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Prometheus metrics: 'stats --prometheus' (and --output FILE) and the HTTP
# exporter, on a receiver in a test namespace pair (netns.sh make_pair) that
# decapsulates FOU on port 5555 and answers through tunnel t1 (TC hooks).
# Counters must show what real traffic did; promtool must accept the text;
# the exporter answers on the address it was given, only there, and leaves
# on SIGTERM with status 0.
cd "$(dirname "$0")/../.." || exit 1
. selftests/lib/netns.sh

require_root
require_fouloader
require_scapy
require_cmd nsenter

NPING=5
NBAD=2
EXP_PORT=19477

make_tmpd metrics
make_pair metrics || bail "cannot create the namespace pair"

# metric NAME_AND_LABELS: its value in $TMPD/m.prom ("absent" if none).
metric() {
	awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print "absent" }' "$TMPD/m.prom"
}

# expect_metric SERIES WANT
expect_metric() {
	local got
	got=$(metric "$1")
	[ "$got" = "$2" ] && pass "$1 is $2" || fail "$1: expected $2, got $got"
}

send() {
	send_encap "$SND_NS" --iface "$SND_IF" --dst-mac "$RCV_MAC" --src "$SND4" --dst "$RCV4" \
		--dport 5555 --encap fou --inner-src "$INNER_SND4" --inner-dst "$INNER_RCV4" "$@"
}

# http NS URL: "STATUS" then the body, from python's urllib inside NS.
http() {
	timeout 10 nsenter --net="/run/netns/$1" -- "$PY" -c '
import sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen(sys.argv[1], timeout=3)
    print(r.status); print(r.headers.get("Content-Type")); sys.stdout.write(r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code); print(e.headers.get("Content-Type"))
except Exception as e:
    print("error", e); sys.exit(1)
' "$2"
}

fl "$RCV_NS" attach "$RCV_IF" --rx tc >/dev/null || bail "attach failed"
fl "$RCV_NS" port add 5555 ipproto 4 peer "$SND4" || bail "port add failed"
fl "$RCV_NS" tunnel add t1 local "$RCV4" remote "$SND4" encap fou encap-dport 5555 \
	encap-sport 40100 || bail "tunnel add failed"
fl "$RCV_NS" route add "$INNER_SND4/32" tunnel t1 || bail "route add failed"

# ---------------------------------------------------------------- before traffic
fl "$RCV_NS" stats --prometheus >"$TMPD/m.prom"
ok $? "stats --prometheus exits 0"
expect_metric 'fouloader_packets_total{reason="rx_decap_fou",verdict="handled"}' 0
expect_metric 'fouloader_tunnel_path_mtu_bytes{tunnel="t1"}' 0

# ---------------------------------------------------------------- traffic
out=$(send --inner icmp --count "$NPING" --expect-reply --timeout 3 2>&1)
ok $? "$NPING FOU echo requests answered through tunnel t1" || diag "$out"
out=$(send --inner udp --count "$NBAD" --bad-csum 2>&1)
ok $? "$NBAD FOU packets with a corrupt UDP checksum sent" || diag "$out"
out=$(timeout 20 nsenter --net="/run/netns/$SND_NS" -- "$PY" "$FOU_LIBDIR/icmp_forge.py" \
	--iface "$SND_IF" --dst-mac "$RCV_MAC" --src "$SND4" --dst "$RCV4" --kind frag --mtu 1400 \
	--q-src "$RCV4" --q-dst "$SND4" --q-sport 40100 --q-dport 5555 2>&1)
ok $? "a Frag Needed (MTU 1400) about t1 sent" || diag "$out"

fl "$RCV_NS" stats --prometheus >"$TMPD/m.prom"
ok $? "stats --prometheus exits 0 after traffic"
expect_metric 'fouloader_packets_total{reason="rx_decap_fou",verdict="handled"}' "$NPING"
expect_metric 'fouloader_packets_total{reason="drop_udp_csum",verdict="drop"}' "$NBAD"
expect_metric 'fouloader_port_received_packets_total{port="5555",family="ipv4"}' "$NPING"
expect_metric 'fouloader_port_dropped_packets_total{port="5555",family="ipv4"}' "$NBAD"
expect_metric 'fouloader_tunnel_transmitted_packets_total{tunnel="t1"}' "$NPING"
expect_metric 'fouloader_tunnel_icmp_errors_received_total{tunnel="t1",kind="frag_needed"}' 1
expect_metric 'fouloader_tunnel_path_mtu_bytes{tunnel="t1"}' 1400
expect_metric 'fouloader_events_total{event="pmtu_lowered"}' 1
expect_metric "fouloader_device_attached{device=\"$RCV_IF\",hook=\"tc\",mode=\"ingress\"}" 1
expect_metric 'fouloader_sctp_learned_peers{encap="udp"}' 0
expect_metric 'fouloader_state_present' 1
# inner bytes: at least an IPv4 and an ICMP header (28 bytes) per echo reply
bytes=$(metric 'fouloader_tunnel_transmitted_bytes_total{tunnel="t1"}')
[[ "$bytes" =~ ^[0-9]+$ ]] && [ "$bytes" -ge $((NPING * 28)) ] &&
	pass "tunnel t1 transmitted bytes ($bytes) cover $NPING inner packets" ||
	fail "tunnel t1 transmitted bytes: '$bytes'"

# every family has HELP and TYPE, every sample a family
out=$("$PY" - "$TMPD/m.prom" <<'EOF'
import re, sys
typed, bad = {}, []
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    m = re.match(r"# TYPE (\S+) (counter|gauge)$", line)
    if m:
        typed[m.group(1)] = m.group(2); continue
    if line.startswith("#"):
        continue
    name = re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0)
    if not name.startswith("fouloader_") or name not in typed:
        bad.append(line)
    elif typed[name] == "counter" and not name.endswith("_total"):
        bad.append(line)
print("\n".join(bad)); sys.exit(1 if bad else 0)
EOF
)
ok $? "every sample is fouloader_*, under a # TYPE, counters end in _total" || diag "$out"

if command -v promtool >/dev/null 2>&1; then
	out=$(promtool check metrics <"$TMPD/m.prom" 2>&1)
	ok $? "promtool check metrics accepts the output" || diag "$out"
else
	skip "promtool check metrics" "promtool not installed (Debian package prometheus)"
fi

# ---------------------------------------------------------------- --output FILE
mkdir "$TMPD/textfile"
fl "$RCV_NS" stats --prometheus --output "$TMPD/textfile/fouloader.prom"
ok $? "stats --prometheus --output FILE exits 0"
left=$(ls "$TMPD/textfile")
[ "$left" = "fouloader.prom" ] && pass "--output leaves only FILE (the temporary file was renamed)" ||
	fail "--output left: $left"
grep -qx 'fouloader_packets_total{reason="rx_decap_fou",verdict="handled"} '"$NPING" \
	"$TMPD/textfile/fouloader.prom" && pass "--output FILE holds the counters" ||
	fail "--output FILE lacks rx_decap_fou $NPING"
fl_run "$RCV_NS" stats --json --prometheus
[ "$RC" = 2 ] && pass "stats --json --prometheus: exit 2" || { fail "stats --json --prometheus: exit $RC"; show_run; }
fl_run "$RCV_NS" stats --output "$TMPD/x"
[ "$RC" = 2 ] && [ ! -e "$TMPD/x" ] && pass "stats --output without --prometheus: exit 2, no file" ||
	{ fail "stats --output without --prometheus"; show_run; }

# ---------------------------------------------------------------- exporter
fl_run "$RCV_NS" exporter
[ "$RC" = 2 ] && pass "exporter without --listen: exit 2" || { fail "exporter without --listen: exit $RC"; show_run; }
fl_run "$RCV_NS" exporter --listen localhost
[ "$RC" = 2 ] && pass "exporter --listen without a port: exit 2" || { fail "exporter --listen localhost: exit $RC"; show_run; }

nsenter --net="/run/netns/$RCV_NS" -- "$FOULOADER" --pin-root "$PIN" exporter \
	--listen "127.0.0.1:$EXP_PORT" 2>"$TMPD/exp.err" &
EXP_PID=$!
cleanup_pid "$EXP_PID"
if wait_for 5 http "$RCV_NS" "http://127.0.0.1:$EXP_PORT/metrics"; then
	http "$RCV_NS" "http://127.0.0.1:$EXP_PORT/metrics" >"$TMPD/http.out"
	head -2 "$TMPD/http.out" | tr '\n' ' ' | grep -q '^200 text/plain; version=0.0.4' &&
		pass "exporter: GET /metrics over loopback is 200, text/plain version 0.0.4" ||
		fail "exporter: $(head -2 "$TMPD/http.out" | tr '\n' ' ')"
	tail -n +3 "$TMPD/http.out" >"$TMPD/m.prom"
	expect_metric 'fouloader_packets_total{reason="rx_decap_fou",verdict="handled"}' "$NPING"
	st=$(http "$RCV_NS" "http://127.0.0.1:$EXP_PORT/" | head -1)
	[ "$st" = 404 ] && pass "exporter: GET / is 404" || fail "exporter: GET / gave '$st'"
	# bound to loopback only: the namespace's veth address is refused
	http "$RCV_NS" "http://$RCV4:$EXP_PORT/metrics" >"$TMPD/other.out" 2>&1
	grep -q '^error' "$TMPD/other.out" && pass "exporter: nothing listens on $RCV4:$EXP_PORT" ||
		fail "exporter answered on $RCV4: $(head -1 "$TMPD/other.out")"
else
	fail "exporter: no answer on 127.0.0.1:$EXP_PORT within 5 s"
	diag_file "$TMPD/exp.err"
	skip "exporter: metric over HTTP" "the exporter did not answer"
	skip "exporter: GET /" "the exporter did not answer"
	skip "exporter: bound to loopback only" "the exporter did not answer"
fi
kill -TERM "$EXP_PID"
st=timeout
for _ in $(seq 50); do
	kill -0 "$EXP_PID" 2>/dev/null || { wait "$EXP_PID"; st=$?; break; }
	sleep 0.1
done
[ "$st" = 0 ] && pass "exporter: SIGTERM ends it with status 0" ||
	{ fail "exporter after SIGTERM: status $st"; diag_file "$TMPD/exp.err"; }

# IPv6 loopback, bracketed
nsenter --net="/run/netns/$RCV_NS" -- "$FOULOADER" --pin-root "$PIN" exporter \
	--listen "[::1]:$EXP_PORT" 2>"$TMPD/exp6.err" &
EXP6_PID=$!
cleanup_pid "$EXP6_PID"
if wait_for 5 http "$RCV_NS" "http://[::1]:$EXP_PORT/metrics"; then
	http "$RCV_NS" "http://[::1]:$EXP_PORT/metrics" | grep -qx \
		'fouloader_packets_total{reason="rx_decap_fou",verdict="handled"} '"$NPING" &&
		pass "exporter --listen [::1]:$EXP_PORT answers with the counters" ||
		fail "exporter on [::1]: wrong body"
else
	fail "exporter: no answer on [::1]:$EXP_PORT within 5 s"
	diag_file "$TMPD/exp6.err"
fi
kill -TERM "$EXP6_PID"

done_testing
