#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Expected GRE-in-FOU/GUE packets for test_tx, built with scapy, which
knows GRE (RFC 2784/2890) independently of fouloader and of pktbuild.

A co-process: one request per input line, one answer per output line.
Request: whitespace-separated key=value pairs (see build()); the answer is
the outer IP packet in hex, from the IP header to the end, or "error: ..."."""
import sys

from scapy.layers.inet import IP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import GRE
from scapy.packet import Raw


def build(r):
    inner = bytes.fromhex(r["inner"])
    gre = GRE(proto=0x0800 if inner[0] >> 4 == 4 else 0x86DD)
    if int(r["gre_csum"]):
        gre.chksum_present = 1
    if r.get("key") is not None and r["key"] != "-":
        gre.key_present = 1
        gre.key = int(r["key"])
    if r.get("seq") is not None and r["seq"] != "-":
        gre.seqnum_present = 1
        gre.sequence_number = int(r["seq"])
    payload = gre / Raw(inner)
    if int(r["gue"]):
        payload = Raw(bytes([0, 47, 0, 0])) / payload  # GUE v0, proto 47
    udp = UDP(sport=int(r["sport"]), dport=int(r["dport"]))
    if not int(r["udp_csum"]):
        udp.chksum = 0
    if r["fam"] == "4":
        ip = IP(src=r["src"], dst=r["dst"], tos=int(r["tos"]), ttl=int(r["ttl"]),
                id=int(r["id"]), flags="DF" if int(r["df"]) else 0)
    else:
        ip = IPv6(src=r["src"], dst=r["dst"], tc=int(r["tos"]), hlim=int(r["ttl"]),
                  fl=int(r["fl"]))
    return bytes(ip / udp / payload)


def main():
    for line in sys.stdin:
        try:
            req = dict(kv.split("=", 1) for kv in line.split())
            print(build(req).hex(), flush=True)
        except Exception as e:  # one bad request must not stall the test
            print("error: %s" % e, flush=True)


if __name__ == "__main__":
    main()
