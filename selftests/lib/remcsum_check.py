#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Check GUE remote checksum offload on the wire (scapy), as the kernel's
sender makes it (__gue_build_header, draft-herbert-remotecsumoffload):

  remcsum_check.py --pcap FILE --dport P --src ADDR [--min N] [--min-data N]

For every GUE packet to port P from ADDR with the REMCSUM private flag:
hlen 2, flags PRIV, private flags exactly REMCSUM, the option's start is the
inner transport header and offset its checksum field (TCP +16, UDP +6), the
inner checksum field holds the pseudo-header sum (the sender's seed), the
outer UDP checksum is non-zero and verifies, and the inner checksum written
as the receiver deduces it makes the inner segment verify. Prints PASS/FAIL
lines and "COUNT n DATA d" (packets with the option; those of them whose
segment carries payload). Fails below --min or --min-data.
"""
import argparse
import struct
import sys

from scapy.all import IP, IPv6, UDP, rdpcap, raw  # noqa: E402


def csum_sum(b, s=0):
    if len(b) & 1:
        b += b"\0"
    for (w,) in struct.iter_unpack("!H", b):
        s += w
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def pseudo(ip, proto, length):
    if isinstance(ip, bytes) and (ip[0] >> 4) == 4:
        p = ip[12:20] + struct.pack("!BBH", 0, proto, length)
    else:
        p = ip[8:40] + struct.pack("!IxxxB", length, proto)
    return csum_sum(p)


def check(pkt, o):
    ipl = pkt[IP] if IP in pkt else pkt[IPv6]
    udp = pkt[UDP]
    ob = raw(ipl)
    ub = raw(udp)[:udp.len]
    if udp.chksum == 0:
        return "outer UDP checksum is zero"
    if csum_sum(ub, pseudo(ob, 17, len(ub))) != 0xffff:
        return "outer UDP checksum does not verify"
    g = ub[8:]
    if g[0] != 2 or g[2:4] != b"\0\x01" or g[4:8] != b"\x80\0\0\0":
        return "GUE header %s is not hlen 2, PRIV, REMCSUM" % g[:8].hex()
    start, off = struct.unpack("!HH", g[8:12])
    inner = bytearray(g[12:])
    ihl = (inner[0] & 0xf) * 4 if inner[0] >> 4 == 4 else 40
    proto = inner[9] if inner[0] >> 4 == 4 else inner[6]
    want = {6: 16, 17: 6}.get(proto)
    if start != ihl or want is None or off != start + want:
        return "option start %d offset %d for proto %s after a %d-byte header" % (
            start, off, proto, ihl)
    seg = bytes(inner[start:])
    seed = pseudo(bytes(inner), proto, len(seg))
    field = struct.unpack("!H", inner[off:off + 2])[0]
    if field != seed:
        return "inner checksum field %#06x, not the pseudo-header sum %#06x" % (field, seed)
    # the receiver's deduction: (outer pseudo + every byte before start) folded
    before = ub[:8 + 12 + start]
    done = csum_sum(before, pseudo(ob, 17, len(ub)))
    inner[off:off + 2] = struct.pack("!H", done)
    if csum_sum(bytes(inner[start:]), pseudo(bytes(inner), proto, len(seg))) != 0xffff:
        return "the deduced inner checksum %#06x does not verify" % done
    o.data += len(seg) > (((seg[12] >> 4) * 4) if proto == 6 else 8)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pcap", required=True)
    ap.add_argument("--dport", type=int, required=True)
    ap.add_argument("--src", required=True)
    ap.add_argument("--min", type=int, default=1)
    ap.add_argument("--min-data", type=int, default=0)
    o = ap.parse_args()
    o.data = 0
    n = bad = 0
    for pkt in rdpcap(o.pcap):
        if UDP not in pkt or pkt[UDP].dport != o.dport:
            continue
        ipl = pkt[IP] if IP in pkt else pkt[IPv6] if IPv6 in pkt else None
        if ipl is None or ipl.src != o.src:
            continue
        g = raw(pkt[UDP])[8:16]
        if len(g) < 8 or not (g[2:4] == b"\0\x01" and g[4] & 0x80):
            continue
        n += 1
        why = check(pkt, o)
        if why:
            bad += 1
            if bad <= 3:
                print("FAIL packet %d from %s: %s" % (n, o.src, why))
    if not bad:
        print("PASS %d packets from %s with the option: wire format and checksums right" % (n, o.src))
    print("COUNT %d DATA %d" % (n, o.data))
    return 1 if bad or n < o.min or o.data < o.min_data else 0


if __name__ == "__main__":
    sys.exit(main())
