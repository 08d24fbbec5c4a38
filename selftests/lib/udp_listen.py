#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Bounded UDP listener for fouloader's tests.

Binds ADDR:PORT (IPv4 or IPv6), touches --ready once bound, then writes each
datagram received within --timeout seconds to --out, one line per datagram:
"<source address> <payload hex>". Stops early after --count datagrams.
Exit status 0 (even when nothing arrived: the caller judges the output).
"""
import argparse
import ipaddress
import socket
import sys
import time


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--addr", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--timeout", type=float, default=3.0)
    p.add_argument("--count", type=int, default=0, help="stop after N datagrams (0: run to timeout)")
    p.add_argument("--out", required=True)
    p.add_argument("--ready")
    a = p.parse_args()

    fam = socket.AF_INET if ipaddress.ip_address(a.addr).version == 4 else socket.AF_INET6
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a.addr, a.port))
    with open(a.out, "w") as out:
        if a.ready:
            open(a.ready, "w").close()
        deadline = time.monotonic() + a.timeout
        n = 0
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            s.settimeout(left)
            try:
                data, src = s.recvfrom(65535)
            except socket.timeout:
                break
            out.write("%s %s\n" % (src[0], data.hex()))
            out.flush()
            n += 1
            if a.count and n >= a.count:
                break
    return 0


if __name__ == "__main__":
    sys.exit(main())
