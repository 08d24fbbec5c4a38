#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Plain UDP sender for fouloader's tunnel tests (no scapy: starts fast).

Sends --count datagrams per flow to DST:DPORT from SRC (IPv4 or IPv6) with an
ordinary kernel socket, so the packets take the host's routes (and through
them the tunnel). --flows K opens K sockets bound to source ports
SPORT, SPORT+1, ... (one inner flow each, for the outer source port checks).
The payload is --payload (UTF-8), or --payload-hex, followed by nothing else.
Exit status 0 when every sendto succeeded.
"""
import argparse
import ipaddress
import socket
import sys
import time


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--src", required=True)
    p.add_argument("--dst", required=True)
    p.add_argument("--dport", type=int, required=True)
    p.add_argument("--sport", type=int, default=0, help="first source port (0: any)")
    p.add_argument("--flows", type=int, default=1)
    p.add_argument("--count", type=int, default=1, help="datagrams per flow")
    p.add_argument("--interval", type=float, default=0.0)
    p.add_argument("--payload", default="fou-udp-send")
    p.add_argument("--payload-hex")
    a = p.parse_args()

    data = bytes.fromhex(a.payload_hex) if a.payload_hex else a.payload.encode()
    fam = socket.AF_INET if ipaddress.ip_address(a.dst).version == 4 else socket.AF_INET6
    socks = []
    for i in range(a.flows):
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.bind((a.src, a.sport + i if a.sport else 0))
        socks.append(s)
    for _ in range(a.count):
        for s in socks:
            s.sendto(data, (a.dst, a.dport))
        if a.interval:
            time.sleep(a.interval)
    print("sent %d" % (a.count * a.flows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
