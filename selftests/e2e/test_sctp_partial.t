#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Native SCTP whose CRC32c is still to be written (CHECKSUM_PARTIAL: what
# the kernel's SCTP hands a device with CRC offload, e.g. a veth, and what
# sctp_rcv() trusts) at fouloader's TC ingress with verify on. The host has
# no SCTP to make such skbs, so a TAP device with a virtio-net header makes
# them (VIRTIO_NET_HDR_F_NEEDS_CSUM, selftests/lib/tap_inject.py), one frame
# at a time, each asserted by counters:
#   1 zero CRC32c field, CHECKSUM_PARTIAL: passed, pass_sctp_crc_offload
#   2 the same frame without NEEDS_CSUM: a bad CRC32c, drop_sctp_crc
#   3 a correct CRC32c, no NEEDS_CSUM: pass_sctp_crc_ok
#   4 zero field, CHECKSUM_PARTIAL, device noverify: pass_not_udp, as before
# The guest tier (selftests/vm/test_ksctp_6.12.t) has the kernel's own SCTP.
cd "$(dirname "$0")/../.." || exit 1
. selftests/lib/hosts.sh

require_root
require_cmd ip nsenter timeout
require_fouloader
require_scapy
[ -e /dev/net/tun ] || skip_all "needs /dev/net/tun"

NS=fou-sctppart-$$-a
host_ns "$NS" || bail "could not create the namespace $NS"
ip -n "$NS" tuntap add dev t0 mode tap && ip -n "$NS" addr add 10.204.0.1/24 dev t0 &&
	ip -n "$NS" link set t0 up || bail "could not create the tap t0"
check "fouloader attach t0 --rx tc" fl "$NS" attach t0 --rx tc || bail "cannot attach"
MAC=$(ip -n "$NS" -br link show dev t0 | awk '{print $3}')

# frame CHKSUM|good: Ethernet, IPv4 10.204.0.2 -> 10.204.0.1, SCTP with one
# DATA chunk; the CRC32c field zero, or the right one.
frame() {
	"$PY" - "$MAC" "$1" <<'PY'
import sys
from scapy.all import Ether, IP, raw
from scapy.layers.sctp import SCTP, SCTPChunkData
mac, ck = sys.argv[1], sys.argv[2]
s = SCTP(sport=5000, dport=5001, tag=0x11223344)
if ck != "good":
    s.chksum = int(ck)
p = Ether(src="02:00:00:20:04:02", dst=mac) / IP(src="10.204.0.2", dst="10.204.0.1") / s / SCTPChunkData(tsn=1, data=b"kernel sctp" * 4)
print(raw(p).hex())
PY
}
inject() { in_ns "$NS" timeout 10 "$PY" "$FOU_LIBDIR/tap_inject.py" t0 "$@" >/dev/null; }

# one CASE DESC COUNTER HEX [--partial ...]: inject, COUNTER moved by one and
# no other outcome counter
# shellcheck disable=SC2034 # filled and read through namerefs
declare -A s0 s1
one() {
	local desc=$1 want=$2 hex=$3; shift 3
	stats_load s0 "$NS"
	inject "$hex" "$@" || { fail "$desc: tap_inject failed"; return; }
	stats_load s1 "$NS"
	expect_eq "$desc: $want" "$(sdelta s0 s1 "$want")" 1 || diag_deltas t0 s0 s1
	expect_eq "$desc: no other pass_/drop_ outcome" \
		"$(( $(sdelta_sum s0 s1 'pass_*') + $(sdelta_sum s0 s1 'drop_*') - 1 ))" 0 || diag_deltas t0 s0 s1
}

ZERO=$(frame 0) GOOD=$(frame good)
[ -n "$ZERO" ] && [ -n "$GOOD" ] || bail "scapy built no frame"
L4=$((14 + 20))
one "zero CRC32c, CHECKSUM_PARTIAL (left to the device)" pass_sctp_crc_offload "$ZERO" --partial "$L4" 8
one "zero CRC32c, checksum complete (control)" drop_sctp_crc "$ZERO"
one "right CRC32c" pass_sctp_crc_ok "$GOOD"
check "sctp dev t0 noverify" fl "$NS" sctp dev t0 noverify
one "zero CRC32c, CHECKSUM_PARTIAL, noverify" pass_not_udp "$ZERO" --partial "$L4" 8
done_testing
