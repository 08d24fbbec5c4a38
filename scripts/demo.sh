#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# fouloader demo: two network namespaces joined by a veth pair.
#
#   sender  (snd0 10.201.0.1, fd00:201::1; inner 192.0.2.1, 2001:db8:1::1)
#     |  FOU / GUE over UDP, built by a hand-made scapy sender
#   receiver (rcv0 10.201.0.2, fd00:201::2; inner 198.51.100.2, 2001:db8:2::2 on lo)
#     fouloader attach rcv0 --rx auto, FOU and GUE receive ports with peer
#
# The receiver decapsulates with fouloader's BPF program only (this kernel has
# no FOU module); its replies go back as plain packets. Everything happens in
# the two namespaces, which are removed on exit, with the pin directory.
# Needs root, build/fouloader (make), and Debian's /usr/bin/python3 with scapy.
set -u
cd "$(dirname "$0")/.." || exit 1
. selftests/lib/netns.sh

die() { echo "demo: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (BPF and network namespaces)"
[ -x "$FOULOADER" ] || die "$FOULOADER not built: run make"
for c in ip nsenter timeout od; do command -v "$c" >/dev/null || die "needs $c"; done
"$PY" -c 'import scapy.all' 2>/dev/null || die "$PY has no scapy (apt install python3-scapy)"

TMPD=$(mktemp -d /tmp/fou-demo.XXXXXX)
on_cleanup "rm -rf $TMPD"
on_cleanup 'echo; echo "== cleanup: namespaces and pin directory removed"'

heading() { printf '\n== %s\n' "$*"; }
# fou ARGS...: show and run fouloader in the receiver namespace
fou() {
	echo "receiver\$ fouloader $*"
	fl "$RCV_NS" "$@" 2>&1 | sed 's/^/    /'
	return "${PIPESTATUS[0]}"
}
indent() { sed 's/^/    /'; }

heading "topology"
make_pair demo || die "could not create the namespaces"
cat <<EOF
    $SND_NS: $SND_IF $SND4/24 $SND6/64 (inner $INNER_SND4, $INNER_SND6)
       | veth
    $RCV_NS: $RCV_IF $RCV4/24 $RCV6/64 (inner $INNER_RCV4, $INNER_RCV6 on lo)
    pin root: $PIN
EOF

heading "attach fouloader on the receiver (--rx auto chooses the hook)"
fou attach "$RCV_IF" --rx auto || die "attach failed"
fou status

heading "receive ports"
fou port add 5555 ipproto 4 peer "$SND4" || die "port add failed"
fou port add 6080 gue peer "$SND4" || die "port add failed"
fou port add 6080 gue -6 peer "$SND6" || die "port add failed"
fou port show

send() {  # send OUTER_SRC OUTER_DST PORT ENCAP INNER_SRC INNER_DST ARGS...
	send_encap "$SND_NS" --iface "$SND_IF" --dst-mac "$RCV_MAC" --src "$1" --dst "$2" \
		--dport "$3" --encap "$4" --inner-src "$5" --inner-dst "$6" "${@:7}"
}

heading "ping over FOU (outer IPv4, port 5555, inner IPv4): 3 echo requests"
send "$SND4" "$RCV4" 5555 fou "$INNER_SND4" "$INNER_RCV4" --inner icmp --count 3 \
	--expect-reply --timeout 3 -v 2>&1 | indent

heading "ping over GUE (outer IPv6, port 6080, GUE v0, inner IPv6): 3 echo requests"
send "$SND6" "$RCV6" 6080 gue0 "$INNER_SND6" "$INNER_RCV6" --inner icmp --count 3 \
	--expect-reply --timeout 3 -v 2>&1 | indent

heading "UDP message over GUE (outer IPv4, port 6080) to $INNER_RCV4:7777"
msg="hello from $INNER_SND4 through GUE"
if udp_listen_start "$RCV_NS" "$INNER_RCV4" 7777 4 "$TMPD/udp.out" 1; then
	send "$SND4" "$RCV4" 6080 gue0 "$INNER_SND4" "$INNER_RCV4" --inner udp \
		--inner-dport 7777 --payload "$msg" 2>&1 | indent
	udp_listen_wait
	if [ -s "$TMPD/udp.out" ]; then
		while read -r src hex; do
			echo "    receiver got from $src: \"$("$PY" -c 'import sys; print(bytes.fromhex(sys.argv[1]).decode(errors="replace"))' "$hex")\""
		done <"$TMPD/udp.out"
	else
		echo "    receiver got nothing"
	fi
fi

heading "a sender that is not a peer ($SND4_ALT) is dropped"
send "$SND4_ALT" "$RCV4" 5555 fou "$INNER_SND4" "$INNER_RCV4" --inner icmp \
	--expect-reply --timeout 1 2>&1 | indent

heading "counters"
fou stats

heading "ports"
fou port show

heading "detach"
fou detach "$RCV_IF"
exit 0
