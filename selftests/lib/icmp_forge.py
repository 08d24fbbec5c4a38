#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Forged ICMP errors about (would-be) tunnel packets, for fouloader's
anti-poisoning tests: sent with scapy's sendp from another namespace, with
an explicit destination MAC.

  icmp_forge.py --iface r0 --dst-mac MAC --src ROUTER --dst HOST
                --kind frag|unreach|time|redirect|ptb|unreach6|time6
                --q-src A --q-dst B --q-sport S --q-dport P
                [--q-proto udp|tcp] [--q-len 1500] [--q-bytes N]
                [--mtu M] [--gw G] [--bad-csum] [--count N]

The error goes from --src to --dst (IPv4 or IPv6 by the addresses) and
quotes a packet --q-src -> --q-dst: IP header (DF, total length --q-len)
and UDP (or TCP) header, then zeros, cut to --q-bytes bytes (default: all
of the IP and transport headers and 32 more). --mtu goes in the MTU field
(Frag Needed, Packet Too Big), --gw in a Redirect's gateway field.
--bad-csum sends the ICMP checksum off by one. Prints "sent N".
"""
import argparse
import ipaddress
import socket
import struct
import sys

import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

from scapy.all import IP, IPv6, Ether, Raw, conf, sendp  # noqa: E402
from wire_check import csum16  # noqa: E402

conf.verb = 0

KINDS = {  # name: (family, type, code)
    "frag": (4, 3, 4), "unreach": (4, 3, 3), "time": (4, 11, 0), "redirect": (4, 5, 1),
    "ptb": (6, 2, 0), "unreach6": (6, 1, 4), "time6": (6, 3, 0),
}


def csum(data):
    return ~csum16(data) & 0xffff


def quote(a, fam):
    if a.q_proto == "udp":
        l4 = struct.pack("!HHHH", a.q_sport, a.q_dport, a.q_len - (20 if fam == 4 else 40), 0)
        proto = 17
    else:
        l4 = struct.pack("!HHIIBBHHH", a.q_sport, a.q_dport, 1, 0, 0x50, 0x10, 65535, 0, 0)
        proto = 6
    if fam == 4:
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, a.q_len, 0x1234, 0x4000, 64, proto, 0,
                          socket.inet_pton(socket.AF_INET, a.q_src),
                          socket.inet_pton(socket.AF_INET, a.q_dst))
        hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    else:
        hdr = struct.pack("!IHBB16s16s", 6 << 28, a.q_len - 40, proto, 64,
                          socket.inet_pton(socket.AF_INET6, a.q_src),
                          socket.inet_pton(socket.AF_INET6, a.q_dst))
    q = hdr + l4 + bytes(32)
    return q[:a.q_bytes] if a.q_bytes else q


def icmp_message(a, fam, typ, code):
    if typ == 5:
        rest = socket.inet_pton(socket.AF_INET, a.gw)
    elif fam == 4:
        rest = struct.pack("!HH", 0, a.mtu if (typ, code) == (3, 4) else 0)
    else:
        rest = struct.pack("!I", a.mtu if typ == 2 else 0)
    body = struct.pack("!BBH", typ, code, 0) + rest + quote(a, fam)
    if fam == 4:
        pseudo = b""
    else:
        pseudo = (socket.inet_pton(socket.AF_INET6, a.src) + socket.inet_pton(socket.AF_INET6, a.dst) +
                  struct.pack("!IxxxB", len(body), 58))
    c = csum(pseudo + body)
    if a.bad_csum:
        c = (c + 1) & 0xffff or 1
    return body[:2] + struct.pack("!H", c) + body[4:]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--iface", required=True)
    p.add_argument("--dst-mac", required=True)
    p.add_argument("--src", required=True)
    p.add_argument("--dst", required=True)
    p.add_argument("--kind", required=True, choices=sorted(KINDS))
    p.add_argument("--q-src", required=True)
    p.add_argument("--q-dst", required=True)
    p.add_argument("--q-sport", type=int, default=40000)
    p.add_argument("--q-dport", type=int, required=True)
    p.add_argument("--q-proto", choices=("udp", "tcp"), default="udp")
    p.add_argument("--q-len", type=int, default=1500)
    p.add_argument("--q-bytes", type=int, default=0)
    p.add_argument("--mtu", type=int, default=1000)
    p.add_argument("--gw", default="0.0.0.0")
    p.add_argument("--bad-csum", action="store_true")
    p.add_argument("--count", type=int, default=1)
    a = p.parse_args()

    fam, typ, code = KINDS[a.kind]
    if ipaddress.ip_address(a.dst).version != fam:
        sys.exit("icmp_forge: --kind %s needs IPv%d addresses" % (a.kind, fam))
    msg = icmp_message(a, fam, typ, code)
    if fam == 4:
        pkt = Ether(dst=a.dst_mac) / IP(src=a.src, dst=a.dst, proto=1, ttl=64) / Raw(msg)
    else:
        pkt = Ether(dst=a.dst_mac) / IPv6(src=a.src, dst=a.dst, nh=58, hlim=64) / Raw(msg)
    sendp(pkt, iface=a.iface, count=a.count)
    print("sent %d" % a.count)
    return 0


if __name__ == "__main__":
    sys.exit(main())
