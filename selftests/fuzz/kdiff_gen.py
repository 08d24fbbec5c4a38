#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Frames for the differential check against the kernel (kdiff.py):

    kdiff_gen.py OUT CASES SEED

the saved corpus (selftests/fuzz/corpus/packets, receive frames without a
VLAN tag and within the veth's MTU), then CASES frames generated from SEED
on kdiff.py's ports, aimed at what fouloader does as the kernel does: FOU
and GUE header validation (version, hlen, flags, private flags, control
messages), UDP checksums zero, bad and good over IPv4 and IPv6, the outer
IPv4 header checksum and options (well-formed and not), IPv6 Hop-by-Hop and
Destination Options chains (as ip6tnl sends them, and each rule of them),
truncations, lying lengths, inner protocols that do not match the port, and
ECN (RFC 6040). One "LABEL<TAB>HEX" line per frame. Uses scapy; the guest
side (kdiff.py) does not."""
import os
import random
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402
import kdiff as K  # noqa: E402
from scapy.layers.inet import UDP  # noqa: E402
from scapy.packet import Raw  # noqa: E402

CORPUS = os.path.join(K.ROOT, "selftests", "fuzz", "corpus", "packets")
OTHER = {4: "203.0.113.99", 6: "2001:db8:7::99"}   # a peer of no port
BCAST = {4: ["255.255.255.255", "192.0.2.255"], 6: ["ff02::1"]}


def corpus():
    for name in sorted(os.listdir(CORPUS)):
        if not name.endswith(".hex") or name.startswith("tx-"):
            continue
        for n, line in enumerate(open(os.path.join(CORPUS, name))):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            f = bytes.fromhex(line.split()[0])
            if f[12:14] in (b"\x81\x00", b"\x88\xa8") or len(f) > K.FRAME_MAX or len(f) < 14:
                continue        # kdd has no VLAN device; the veth's MTU
            yield "%s:%d" % (name, n + 1), f


def bad_ip4_options(r):
    """IPv4 options the kernel's ip_options_compile refuses (or not):
    a length past the header, a length under 2, a record route pointer
    under 4, an unknown option."""
    return r.choice([b"\x07\x27\x04\0", b"\x07\x01\0\0", b"\x07\x07\x02\0\0\0\0\0",
                     b"\x9e\x04\0\0", b"\x01\x01\x01\0", b"\x44\x0c\x05\0" + bytes(8)])


def outer_v4(r, src, dst, body, oecn):
    """An IPv4 header with (sometimes) options, good or bad, over body."""
    ip = gen.ip_hdr(4, src, dst, r, tos=(r.randrange(64) << 2) | oecn, options=r.random() < .15)
    ip.proto = 17
    raw = bytearray(bytes(ip / Raw(body)))
    if r.random() < .06:
        opts, ihl = bad_ip4_options(r), (raw[0] & 0xf) * 4
        if ihl + len(opts) > 60:
            return bytes(raw)
        raw = bytearray(raw[:ihl]) + opts + raw[ihl:]
        raw[0] = 0x40 | (ihl + len(opts)) // 4
        struct.pack_into("!H", raw, 2, len(raw))
        gen.fix_ip4_csum(raw, 0)
    return bytes(raw)


def case(r):
    fam = r.choice([4, 6])
    port, kind, ipproto = r.choice([p[:3] for p in K.PORTS] + [(9999, K.KIND_FOU, 4)])
    src = r.choices([K.PEER[fam], K.PEER_B[fam], OTHER[fam]], weights=[5, 3, 1])[0]
    dst = K.HOST[fam] if r.random() < .94 else r.choice(BCAST[fam])
    sport = r.choice([4000, 6000, r.randrange(1, 65536)])
    if kind == K.KIND_FOU:
        inner_fam = {4: 4, 41: 6}[ipproto] if r.random() < .92 else 10 - {4: 4, 41: 6}[ipproto]
    else:
        inner_fam = r.choice([4, 6])
    inner = gen.inner_pkt(r, inner_fam, r.choice([r.randrange(0, 64), r.randrange(0, 600)]))
    iecn, oecn = r.randrange(4), r.randrange(4)
    if inner_fam == 4:
        inner.tos = (inner.tos & ~3) | iecn
    else:
        inner.tc = (inner.tc & ~3) | iecn
    gue = gen.gue_header(r, inner_fam) if kind == K.KIND_GUE else b""
    udp = bytes(UDP(sport=sport, dport=port) / Raw(gue + bytes(inner)))
    if fam == 4:
        body = outer_v4(r, src, dst, udp, oecn)
    else:
        ip = gen.ip_hdr(6, src, dst, r, tos=(r.randrange(64) << 2) | oecn)
        ip.nh = 17
        if r.random() < .3:
            ip.nh, chain = gen.ip6_chain(r)
            body = bytes(ip / Raw(chain + udp))
        else:
            body = bytes(ip / Raw(udp))
    f = bytearray(gen.l2(r, body, fam))
    if f[12:14] == b"\x81\x00":     # no VLAN here (kdd has no VLAN device)
        del f[12:16]
    label = "gen"
    if r.random() < .35:
        label += "+" + gen.mutate(r, f)
        if r.random() < .8:
            gen.fix_ip4_csum(f, 14)
    elif fam == 4 and r.random() < .04:
        f[24] ^= 0x5a
        label += "+badipcsum"
    csum = r.choices(["auto", "zero", "bad"], weights=[6, 3, 2])[0]
    if "lie" not in label or r.random() < .5:
        gen.set_udp_csum(f, csum, r)
    return "%s/%s%d:%d" % (label, "fou" if kind == K.KIND_FOU else "gue", fam, port), bytes(f)


def main():
    out, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    r = random.Random(seed)
    with open(out, "w") as fh:
        for label, f in corpus():
            fh.write("%s\t%s\n" % (label, f.hex()))
        for i in range(n):
            label, f = case(r)
            if len(f) >= 14:
                fh.write("seed %d case %d %s\t%s\n" % (seed, i, label, f.hex()))


if __name__ == "__main__":
    main()
