#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Turn a device's transmit checksum offload on or off (ethtool -K DEV tx
on|off, for machines without ethtool), in the caller's network namespace:

  txcsum.py DEV off|on [gso]

With "gso" it is generic segmentation offload instead (ethtool -K DEV gso):
off, a local stack builds no packet larger than the path MTU.

Why the tests need it: a veth passes TCP/UDP packets with CHECKSUM_PARTIAL
(checksum not yet computed) to its peer. An XDP program there that forwards
them (XDP_TX / redirect) turns them into frames, and the "please finish the
checksum" mark is lost: the receiver sees a wrong inner checksum. A real NIC
never delivers such frames, so the client of a forwarding test computes its
checksums in software, as one behind a wire would.
"""
import array
import fcntl
import socket
import struct
import sys

SIOCETHTOOL = 0x8946
ETHTOOL_GTXCSUM = 0x16
ETHTOOL_STXCSUM = 0x17
ETHTOOL_GGSO = 0x23
ETHTOOL_SGSO = 0x24


def ethtool_value(sock, dev, cmd, data=0):
    buf = array.array("B", struct.pack("II", cmd, data))
    addr, _ = buf.buffer_info()
    ifr = struct.pack("16sP", dev.encode(), addr)
    fcntl.ioctl(sock.fileno(), SIOCETHTOOL, ifr)
    return struct.unpack("II", buf.tobytes())[1]


def main():
    if len(sys.argv) not in (3, 4) or sys.argv[2] not in ("on", "off") or sys.argv[3:] not in ([], ["gso"]):
        print(__doc__, file=sys.stderr)
        return 2
    dev, want = sys.argv[1], 1 if sys.argv[2] == "on" else 0
    what, get, put = "tx checksum offload", ETHTOOL_GTXCSUM, ETHTOOL_STXCSUM
    if sys.argv[3:] == ["gso"]:
        what, get, put = "generic segmentation offload", ETHTOOL_GGSO, ETHTOOL_SGSO
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    ethtool_value(s, dev, put, want)
    got = ethtool_value(s, dev, get)
    print("%s %s %s" % (dev, what, "on" if got else "off"))
    return 0 if got == want else 1


if __name__ == "__main__":
    sys.exit(main())
