# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# shellcheck shell=bash
#
# Guest-tier helpers shared by the suites (tunnel.sh, kpeer.sh), on top of
# lib/vm.sh:
#
#   guest_base_net_script      the guest's eth0 addresses (hosts.sh's B side),
#                              static neighbours (the host's tap0, the black
#                              hole), rp_filter and DAD off, lo up: a script
#                              for vm_run
#   xfer_to_guest_start / xfer_to_guest_finish / xfer_from_guest
#                              TCP files between the host namespace and the
#                              guest, compared by sha256 (XFER_SECS bounds each)

XFER_SECS=${XFER_SECS:-25}

guest_base_net_script() {
	cat <<EOF
set -e
sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 net.ipv4.conf.$G_IF.rp_filter=0
sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.$G_IF.accept_dad=0
ip link set lo up
ip addr add $B4/24 dev $G_IF
ip addr add $B6/64 dev $G_IF nodad
ip link set $G_IF up
ip neigh replace $A4 lladdr $H_MAC dev $G_IF nud permanent
ip -6 neigh replace $A6 lladdr $H_MAC dev $G_IF nud permanent
ip neigh replace $NH4 lladdr $NH_MAC dev $G_IF nud permanent
ip -6 neigh replace $NH6 lladdr $NH_MAC dev $G_IF nud permanent
EOF
}

# xfer_to_guest_start DST SRC PORT FILE [RATE]: FILE from the host to the guest
# over TCP; ok when the guest's copy has FILE's sha256. The sender runs in
# the background (XFER_PID) when RATE is given; xfer_finish collects it.
xfer_to_guest_start() {
	local dst=$1 src=$2 port=$3 file=$4 rate=${5:-0}
	vm_run 30 "rm -f /run/x.*
setsid timeout $((XFER_SECS + 5)) python3 $FOU_LIBDIR/tcp_xfer.py recv --addr $dst --port $port --out /run/x.rx \
	--ready /run/x.ready --timeout $XFER_SECS >/run/x.log 2>&1 </dev/null &
for i in \$(seq 200); do [ -e /run/x.ready ] && exit 0; sleep 0.1; done
echo 'receiver not ready'; exit 1" || return 1
	timeout $((XFER_SECS + 5)) nsenter --net="/run/netns/$H_NS" -- "$PY" "$FOU_LIBDIR/tcp_xfer.py" send \
		--addr "$dst" --src "$src" --port "$port" --file "$file" --rate "$rate" --timeout $XFER_SECS >"$TMPD/send.log" 2>&1 &
	XFER_PID=$!
	cleanup_pid "$XFER_PID"
}
# xfer_to_guest_finish FILE: wait for both ends; 0 when the sha256 matches.
xfer_to_guest_finish() {
	local want
	wait "$XFER_PID"
	want=$(sha256sum "$1" | cut -d' ' -f1)
	vm_run 60 'for i in $(seq 500); do grep -q -e received -e timed -e "no conn" /run/x.log && break; sleep 0.1; done
cat /run/x.log; sha256sum /run/x.rx'
	[[ $VOUT == *"$want  /run/x.rx"* ]] || { echo "guest: $VOUT"; echo "host sender: $(cat "$TMPD/send.log")"; return 1; }
}

# xfer_from_guest DST SRC PORT BYTES: the guest sends BYTES of fresh random
# data to the host; ok when the host's copy has the guest file's sha256.
xfer_from_guest() {
	local dst=$1 src=$2 port=$3 bytes=$4 rxpid got want
	rm -f "$TMPD/rx.ready" "$TMPD/rx.out"
	timeout $((XFER_SECS + 5)) nsenter --net="/run/netns/$H_NS" -- "$PY" "$FOU_LIBDIR/tcp_xfer.py" recv \
		--addr "$dst" --port "$port" --out "$TMPD/rx.out" --ready "$TMPD/rx.ready" --timeout $XFER_SECS >"$TMPD/rx.log" 2>&1 &
	rxpid=$!
	cleanup_pid "$rxpid"
	wait_for 5 test -e "$TMPD/rx.ready" || { echo "host receiver not ready"; return 1; }
	vm_run 90 "head -c $bytes /dev/urandom >/run/x.tx && sha256sum /run/x.tx &&
python3 $FOU_LIBDIR/tcp_xfer.py send --addr $dst --src $src --port $port --file /run/x.tx --timeout $XFER_SECS"
	wait "$rxpid"
	want=${VOUT%% *}
	got=$(sha256sum "$TMPD/rx.out" 2>/dev/null | cut -d' ' -f1)
	[ -n "$want" ] && [ "$got" = "$want" ] || { echo "guest: $VOUT"; echo "host receiver: $(cat "$TMPD/rx.log")"; return 1; }
}

