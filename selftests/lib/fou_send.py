#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Hand-made FOU / GUE sender for fouloader's tests and demo.

Builds Ethernet / outer IPv4|IPv6 / UDP / [GUE] / inner IPv4|IPv6 / ICMP echo
request or UDP datagram, and sends it with sendp on --iface (explicit
destination MAC, so no ARP or ND is needed). With --expect-reply it sniffs
the same interface for the ICMP echo replies (plain, or themselves FOU/GUE
encapsulated) and exits 0 only if every request was answered in time.

Run it with Debian's /usr/bin/python3 (python3-scapy) inside the sender's
network namespace, e.g.
  nsenter --net=/run/netns/NS /usr/bin/python3 fou_send.py --iface snd0 \\
      --dst-mac 02:..  --src 10.201.0.1 --dst 10.201.0.2 --dport 5555 \\
      --encap fou --inner icmp --inner-src 192.0.2.1 --inner-dst 198.51.100.2 \\
      --expect-reply

Output: "sent N" and, with --expect-reply, "replies M" (and one line per
reply with -v). Exit status: 0 ok, 1 missing replies, 2 bad arguments.
"""
import argparse
import ipaddress
import os
import struct
import sys
import threading
import time

import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

from scapy.all import (AsyncSniffer, Ether, ICMP, ICMPv6EchoReply,  # noqa: E402
                       ICMPv6EchoRequest, IP, IPv6, Raw, UDP, conf, sendp)

conf.verb = 0


def family(addr):
    return ipaddress.ip_address(addr).version


def gue_v0_header(proto, hlen=0, ctrl=0, flags=0, version=0):
    # 2-bit version, 1-bit C, 5-bit hlen | 8-bit proto/ctype | 16-bit flags
    first = ((version & 3) << 6) | ((ctrl & 1) << 5) | (hlen & 0x1f)
    return struct.pack("!BBH", first, proto & 0xff, flags & 0xffff)


def build_inner(a, seq):
    fam = family(a.inner_dst)
    if family(a.inner_src) != fam:
        sys.exit("fou_send: --inner-src and --inner-dst differ in family")
    payload = a.payload_bytes
    if fam == 4:
        ip = IP(src=a.inner_src, dst=a.inner_dst, ttl=a.inner_ttl, tos=a.inner_tos)
        if a.inner == "icmp":
            return ip / ICMP(type=8, id=a.icmp_id, seq=seq) / Raw(payload)
        return ip / UDP(sport=a.inner_sport, dport=a.inner_dport) / Raw(payload)
    ip = IPv6(src=a.inner_src, dst=a.inner_dst, hlim=a.inner_ttl, tc=a.inner_tos)
    if a.inner == "icmp":
        return ip / ICMPv6EchoRequest(id=a.icmp_id, seq=seq, data=payload)
    return ip / UDP(sport=a.inner_sport, dport=a.inner_dport) / Raw(payload)


def build_frame(a, seq):
    inner = build_inner(a, seq)
    inner_bytes = bytes(inner)
    fam_in = family(a.inner_dst)
    if a.encap == "fou":
        udp_payload = inner_bytes
    elif a.encap == "gue0":
        proto = a.gue_proto if a.gue_proto is not None else (4 if fam_in == 4 else 41)
        opt = bytes.fromhex(a.gue_options) if a.gue_options else b""
        hlen = a.gue_hlen if a.gue_hlen is not None else len(opt) // 4
        udp_payload = gue_v0_header(proto, hlen, a.gue_ctrl, a.gue_flags,
                                    a.gue_version) + opt + inner_bytes
    else:  # gue1: the inner IP packet directly after UDP
        udp_payload = inner_bytes
    udp = UDP(sport=a.sport, dport=a.dport)
    if a.zero_csum:
        udp.chksum = 0
    if family(a.dst) == 4:
        outer = IP(src=a.src, dst=a.dst, ttl=64, tos=a.outer_tos)
    else:
        outer = IPv6(src=a.src, dst=a.dst, hlim=64, tc=a.outer_tos)
    pkt = outer / udp / Raw(udp_payload)
    if a.bad_csum:
        pkt = pkt.__class__(bytes(pkt))
        pkt[UDP].chksum ^= 0x5a5a
        if pkt[UDP].chksum == 0:
            pkt[UDP].chksum = 1
    eth = Ether(dst=a.dst_mac)
    if a.src_mac:
        eth.src = a.src_mac
    if a.flip_last_bit:
        raw = bytearray(bytes(eth / pkt))
        raw[-1] ^= 0x10
        return Ether(bytes(raw))
    return eth / pkt


def inner_candidates(pkt):
    """The packet's own IP layer, and an IP packet carried in its UDP payload
    (FOU, GUE v1, or GUE v0 with hlen), for replies that come back tunnelled."""
    out = []
    if IP in pkt:
        out.append(pkt[IP])
    elif IPv6 in pkt:
        out.append(pkt[IPv6])
    if UDP in pkt:
        data = bytes(pkt[UDP].payload)
        offsets = [0]
        if data and data[0] >> 6 == 0:
            offsets.append(4 + (data[0] & 0x1f) * 4)
        for off in offsets:
            b = data[off:]
            if not b:
                continue
            if b[0] >> 4 == 4:
                out.append(IP(b))
            elif b[0] >> 4 == 6:
                out.append(IPv6(b))
    return out


def is_reply(a, pkt):
    for ip in inner_candidates(pkt):
        if ip.src != str(ipaddress.ip_address(a.inner_dst)) or \
           ip.dst != str(ipaddress.ip_address(a.inner_src)):
            continue
        if ICMP in ip and ip[ICMP].type == 0 and ip[ICMP].id == a.icmp_id:
            return ("icmp", ip[ICMP].seq)
        if ICMPv6EchoReply in ip and ip[ICMPv6EchoReply].id == a.icmp_id:
            return ("icmp6", ip[ICMPv6EchoReply].seq)
    return None


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--iface", required=True)
    p.add_argument("--dst-mac", required=True, help="receiver's MAC on the link")
    p.add_argument("--src-mac")
    p.add_argument("--src", required=True, help="outer source address")
    p.add_argument("--dst", required=True, help="outer destination address")
    p.add_argument("--sport", type=int, default=40000, help="outer UDP source port")
    p.add_argument("--dport", type=int, required=True, help="outer UDP destination port")
    p.add_argument("--zero-csum", action="store_true", help="outer UDP checksum 0")
    p.add_argument("--bad-csum", action="store_true", help="corrupt the outer UDP checksum")
    p.add_argument("--outer-tos", type=lambda s: int(s, 0), default=0)
    p.add_argument("--encap", choices=["fou", "gue0", "gue1"], default="fou")
    p.add_argument("--gue-proto", type=int, help="GUE v0 proto (default from inner)")
    p.add_argument("--gue-hlen", type=int, help="GUE v0 hlen (default from options)")
    p.add_argument("--gue-options", help="GUE v0 optional fields, hex")
    p.add_argument("--gue-flags", type=lambda s: int(s, 0), default=0)
    p.add_argument("--gue-ctrl", type=int, default=0)
    p.add_argument("--gue-version", type=int, default=0)
    p.add_argument("--inner", choices=["icmp", "udp"], default="icmp")
    p.add_argument("--inner-src", required=True)
    p.add_argument("--inner-dst", required=True)
    p.add_argument("--inner-sport", type=int, default=40001)
    p.add_argument("--inner-dport", type=int, default=7777)
    p.add_argument("--inner-ttl", type=int, default=64)
    p.add_argument("--inner-tos", type=lambda s: int(s, 0), default=0)
    p.add_argument("--payload", default="fouloader-test", help="payload text")
    p.add_argument("--payload-hex", help="payload bytes in hex (wins over --payload)")
    p.add_argument("--payload-len", type=int,
                   help="payload of this many pattern bytes (wins over both)")
    p.add_argument("--flip-last-bit", action="store_true",
                   help="flip one bit of the frame's last byte, checksums left as they were")
    p.add_argument("--icmp-id", type=int, default=None)
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--interval", type=float, default=0.0)
    p.add_argument("--expect-reply", action="store_true",
                   help="wait for an ICMP echo reply to every request")
    p.add_argument("--timeout", type=float, default=3.0, help="seconds to wait for replies")
    p.add_argument("--dump", action="store_true", help="print the first frame in hex and exit")
    p.add_argument("-v", "--verbose", action="store_true")
    a = p.parse_args()

    try:
        for x in (a.src, a.dst, a.inner_src, a.inner_dst):
            ipaddress.ip_address(x)
    except ValueError as e:
        print("fou_send: %s" % e, file=sys.stderr)
        return 2
    if family(a.src) != family(a.dst):
        print("fou_send: --src and --dst differ in family", file=sys.stderr)
        return 2
    if a.expect_reply and a.inner != "icmp":
        print("fou_send: --expect-reply needs --inner icmp", file=sys.stderr)
        return 2
    a.payload_bytes = bytes.fromhex(a.payload_hex) if a.payload_hex else a.payload.encode()
    if a.payload_len is not None:
        a.payload_bytes = bytes((i * 7 + 3) & 0xff for i in range(a.payload_len))
    if a.icmp_id is None:
        a.icmp_id = (os.getpid() & 0x7fff) | 0x100

    frames = [build_frame(a, seq) for seq in range(1, a.count + 1)]
    if a.dump:
        print(bytes(frames[0]).hex())
        return 0

    sniffer = None
    replies = {}
    if a.expect_reply:
        def on_reply(pk):
            replies.setdefault(is_reply(a, pk)[1], pk)

        ready = threading.Event()
        sniffer = AsyncSniffer(iface=a.iface, store=False,
                               lfilter=lambda pk: is_reply(a, pk) is not None,
                               prn=on_reply, started_callback=ready.set)
        sniffer.start()
        # the capture socket must be open before the first request leaves
        if not ready.wait(5):
            print("fou_send: capture on %s did not start" % a.iface, file=sys.stderr)
            return 1

    for f in frames:
        sendp(f, iface=a.iface, verbose=False)
        if a.interval:
            time.sleep(a.interval)
    print("sent %d" % len(frames))

    if not a.expect_reply:
        return 0
    deadline = time.monotonic() + a.timeout
    while time.monotonic() < deadline and len(replies) < a.count:
        time.sleep(0.05)
    try:
        sniffer.stop()
    except Exception:
        pass
    print("replies %d" % len(replies))
    if a.verbose:
        for seq in sorted(replies):
            print("reply seq=%d %s" % (seq, replies[seq].summary()))
    return 0 if len(replies) >= a.count else 1


if __name__ == "__main__":
    sys.exit(main())
