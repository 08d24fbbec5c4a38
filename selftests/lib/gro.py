#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Turn a device's GRO on or off (ethtool -K DEV gro on|off, for machines
without ethtool), in the caller's network namespace:

  gro.py DEV on|off

Why the tests need it: a veth starts with GRO off (NETIF_F_GRO is not in
its default features, unlike a NIC's), so what it receives reaches the
stack packet by packet even through its NAPI (which an XDP program turns
on): dev_gro_receive() skips devices without NETIF_F_GRO. The GRO-hints
tests and the gro bench measure coalescing, so the receiving veth gets GRO
on, as a NIC has it.
"""
import socket
import sys

from txcsum import ethtool_value  # the SIOCETHTOOL get/set of one value

ETHTOOL_GGRO = 0x2B
ETHTOOL_SGRO = 0x2C


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in ("on", "off"):
        print(__doc__, file=sys.stderr)
        return 2
    want = sys.argv[2] == "on"
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    ethtool_value(s, sys.argv[1], ETHTOOL_SGRO, int(want))
    got = bool(ethtool_value(s, sys.argv[1], ETHTOOL_GGRO))
    print("%s gro %s" % (sys.argv[1], "on" if got else "off"))
    return 0 if got == want else 1


if __name__ == "__main__":
    sys.exit(main())
