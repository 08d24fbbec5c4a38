# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Packet generation for the fuzzer: structured frames built with scapy, then
mutated. Everything is drawn from one random.Random, so a seed gives the same
cases on every machine."""
import struct

from scapy.layers.inet import IP, TCP, UDP, ICMP, IPOption_NOP, IPOption_RR
from scapy.layers.inet6 import (IPv6, ICMPv6EchoRequest, ICMPv6PacketTooBig,
                                ICMPv6DestUnreach, ICMPv6TimeExceeded,
                                IPv6ExtHdrRouting, IPv6ExtHdrFragment)
from scapy.layers.l2 import Ether, Dot1Q, ARP
from scapy.layers.sctp import SCTP, SCTPChunkData, SCTPChunkInit
from scapy.packet import Raw

import model as M

MAC_DEV = "02:00:00:00:00:01"
MAC_SRC = "02:00:00:00:00:02"
TC_MAX = 3500          # skb test_run takes at most about a page
CONFIGURED = sorted({p.port for p in M.default_ports()})


def ip_hdr(fam, src, dst, r, tos=0, options=False):
    if fam == 4:
        opts = []
        if options:
            opts = [IPOption_NOP()] * r.randrange(1, 4) + ([IPOption_RR(routers=["0.0.0.0"] * r.randrange(1, 5))]
                                                         if r.random() < .5 else [])
        return IP(src=src, dst=dst, tos=tos, id=r.randrange(65536), flags="DF" if r.random() < .5 else 0,
                  ttl=r.choice([64, 1, 255]), options=opts)
    return IPv6(src=src, dst=dst, tc=tos, fl=r.randrange(1 << 20), hlim=r.choice([64, 1, 255]))


def inner_pkt(r, fam, size):
    """An inner IP packet: TCP, UDP, ICMP, or itself a FOU packet (nested)."""
    if fam == 4:
        ip = IP(src="10.0.0.1", dst="10.0.0.2", tos=r.randrange(256), id=r.randrange(65536))
    else:
        ip = IPv6(src="fd00::1", dst="fd00::2", tc=r.randrange(256), fl=r.randrange(1 << 20))
    kind = r.choice(["tcp", "udp", "icmp", "nested"])
    pay = Raw(bytes(r.randrange(256) for _ in range(min(size, 64))) * (size // 64 + 1))
    pay = Raw(bytes(pay)[:size])
    if kind == "tcp":
        return ip / TCP(sport=r.randrange(1, 65536), dport=80, flags="PA") / pay
    if kind == "udp":
        return ip / UDP(sport=r.randrange(1, 65536), dport=53) / pay
    if kind == "icmp":
        return ip / (ICMP() if fam == 4 else ICMPv6EchoRequest()) / pay
    return ip / UDP(sport=1234, dport=5555) / IP(src="10.9.0.1", dst="10.9.0.2") / ICMP() / pay


def payload_size(r):
    x = r.random()
    if x < .6:
        return r.randrange(0, 200)
    if x < .9:
        return r.randrange(200, 1450)
    if x < .95:
        return r.randrange(1450, 3300)
    return r.randrange(3300, 24000)      # multi-buffer XDP, past 16 KiB


def gue_header(r, inner_fam, gre=False):
    """GUE v0 header bytes (mostly valid, sometimes with options), or b'' for v1
    (never before GRE: version 1 carries IP only)."""
    if r.random() < .3 and not gre:
        return b""
    proto = 47 if gre else 4 if inner_fam == 4 else 41
    flags, fields = 0, b""
    x = r.random()
    if x < .25:
        flags, fields = 0x0001, b"\0\0\0\0"
    elif x < .6:
        flags, fields = 0x0001, struct.pack("!IHH", 0x80000000, 0, 6)
    hlen = len(fields) // 4
    if r.random() < .1:
        fields += bytes(4 * r.randrange(1, 3))
        hlen = len(fields) // 4
    b0 = hlen
    y = r.random()              # a wrong header, one field at a time
    if y < .04:
        b0 |= r.choice([0x80, 0xc0])                      # version 2, 3
    elif y < .08:
        b0 = (b0 & 0xe0) | r.randrange(32)                # hlen lying
    elif y < .11:
        flags = r.choice([0x0001, 0x8000, 0x0002, r.randrange(65536)])
    elif y < .14:
        fields = struct.pack("!I", r.choice([1, 0x40000000, 0x80000000, r.randrange(1 << 32)])) + fields[4:]
        flags |= 0x0001
    elif y < .16:
        proto = r.choice([6, 17, 47, 132, 0])
    elif y < .18:
        b0 |= 0x20                                        # control
    return struct.pack("!BBH", b0, proto, flags) + fields


def remcsum_sender(r, gue, inner):
    """A GUE header with the REMCSUM option, mostly as a sender makes it
    (the kernel's __gue_build_header): start/offset at the inner TCP/UDP
    checksum, which holds only the pseudo-header sum; sometimes skewed."""
    if len(gue) < 12 or gue[0] & 0xc0 or gue[4:8] != b"\x80\0\0\0" or r.random() < .2:
        return gue, inner
    ib = bytearray(inner)
    v4 = ib[0] >> 4 == 4
    hl, proto = ((ib[0] & 0xf) * 4, ib[9]) if v4 else (40, ib[6])
    field = {6: 16, 17: 6}.get(proto)
    if field is None or len(ib) < hl + field + 2:
        return gue, inner
    seg = len(ib) - hl
    pseudo = (ib[12:20] + struct.pack("!BBH", 0, proto, seg) if v4
              else ib[8:40] + struct.pack("!IxxxB", seg, proto))
    struct.pack_into("!H", ib, hl + field, M.csum16(bytes(pseudo)))
    start, off = hl, hl + field
    if r.random() < .15:                   # skewed: odd, inside the header, past the end
        start, off = r.choice([(start + 1, off), (start, off + 1), (start - 2, off),
                               (off + 2, off), (start, len(ib) - 1), (start, len(ib) - 2),
                               (r.randrange(65536), r.randrange(65536))])
    g = bytearray(gue)
    struct.pack_into("!HH", g, 8, start, off)
    return bytes(g), bytes(ib)


def gre_header(r, inner_fam, inner):
    """A GRE header (RFC 2784/2890) before inner: flags C, K, S at random,
    the key mostly the keyed ports' own, the checksum mostly right; now and
    then a wrong version, routing bit, reserved bits or protocol."""
    flags = r.choice([0, 0x8000, 0x2000, 0x1000, 0xa000, 0x3000, 0xb000])
    proto = 0x0800 if inner_fam == 4 else 0x86DD
    key = M.GRE_KEY if r.random() < .8 else r.randrange(1 << 32)
    y = r.random()
    if y < .04:
        flags |= r.randrange(1, 8)                        # version 1..7
    elif y < .07:
        flags |= 0x4000                                   # routing
    elif y < .10:
        flags |= r.choice([0x0800, 0x0400, 0x0078, 0x0080])  # reserved, ignored
    elif y < .14:
        proto = r.choice([0x6558, 0x0806, 0x8847, 0])
    opt = b""
    if flags & 0x8000:
        opt += bytes(4)
    if flags & 0x2000:
        opt += struct.pack("!I", key)
    if flags & 0x1000:
        opt += struct.pack("!I", r.randrange(1 << 32))
    h = bytearray(struct.pack("!HH", flags, proto) + opt)
    if flags & 0x8000:
        c = ~M.csum16(bytes(h) + bytes(inner)) & 0xffff
        if r.random() < .1:
            c ^= 1 << r.randrange(16)
        struct.pack_into("!H", h, 4, c)
    return bytes(h)


def pick_addr(r, fam, choices):
    c = r.choices(list(choices), weights=list(choices.values()))[0]
    if c in ("BCAST", "MCAST"):
        lst = (M.BCAST if c == "BCAST" else M.MCAST)[fam] or M.MCAST[fam]
        return r.choice(lst)
    return getattr(M, c)[fam]


def opts_hdr(nh, tlvs):
    """A Hop-by-Hop or Destination Options header (RFC 8200 4.3, 4.6) holding
    tlvs, padded to 8 bytes with Pad1/PadN."""
    pad = -(2 + len(tlvs)) % 8
    tlvs += b"\0" if pad == 1 else bytes([1, pad - 2]) + bytes(pad - 2) if pad else b""
    return bytes([nh, (2 + len(tlvs)) // 8 - 1]) + tlvs


HOP, DEST = 0, 60
TNL_LIMIT = 0x04            # RFC 2473 4.1.1: type 4, length 1, the limit


def ip6_chain(r):
    """Extension headers before the outer UDP header: (first next-header,
    bytes). Mostly what the kernel's ip6tnl sends (a Destination Options
    header with the tunnel encapsulation limit and a PadN), the rest each
    rule of README "What the receive programs do" step 3."""
    tnl = bytes([TNL_LIMIT, 1, r.choice([0, 1, 4, 255])])
    kind = r.choices(["ip6tnl", "ra+tnl", "pad", "unknown", "special", "ra-len", "bad-pad",
                      "overrun", "many", "hbh-second", "three", "long", "routing"],
                     weights=[8, 3, 2, 4, 2, 1, 2, 1, 1, 1, 1, 1, 1])[0]
    if kind == "ip6tnl":
        return DEST, opts_hdr(17, tnl)
    if kind == "ra+tnl":                    # Router Alert (RFC 2711), then the limit
        return HOP, opts_hdr(DEST, b"\x05\x02\0\0") + opts_hdr(17, tnl)
    if kind == "pad":
        return r.choice([HOP, DEST]), opts_hdr(17, r.choice([b"", b"\0" * 6, b"\x01\x04\0\0\0\0"]))
    if kind == "unknown":                   # action bits 00 (also with the change bit), 01, 10, 11
        t = r.choice([0x1e, 0x3e, 0x5e, 0x9e, 0xde])
        return r.choice([HOP, DEST]), opts_hdr(17, tnl + bytes([t, 2, 0xab, 0xcd]))
    if kind == "special":                   # CALIPSO, Jumbo Payload, Home Address
        t, n = r.choice([(0x07, 8), (0xc2, 4), (0xc9, 16)])
        return (HOP if t != 0xc9 else DEST), opts_hdr(17, bytes([t, n]) + bytes(n))
    if kind == "ra-len":
        return HOP, opts_hdr(17, b"\x05\x03\0\0\0")
    if kind == "bad-pad":
        return DEST, opts_hdr(17, r.choice([b"\x01\x02\0\x01", b"\0" * 8, b"\x01\x04\0\0\0\0\0\0"]))
    if kind == "overrun":                   # the last option's length past the header
        return DEST, bytes([17, 0]) + tnl + b"\x1e\x05\0"
    if kind == "many":                      # 8 options pass, 9 do not
        return DEST, opts_hdr(17, b"\x1e\0" * r.choice([8, 9]))
    if kind == "hbh-second":
        return DEST, opts_hdr(HOP, tnl) + opts_hdr(17, b"")
    if kind == "three":
        return DEST, opts_hdr(DEST, tnl) + opts_hdr(DEST, b"") + opts_hdr(17, b"")
    if kind == "long":                      # one header over 48 bytes
        return DEST, opts_hdr(17, tnl + b"\x1e\x30" + bytes(48))
    return DEST, opts_hdr(43, tnl) + bytes([17, 0, 0, 0, 0, 0, 0, 0])   # then Routing


def tunnel_frame(r, fam=None, src=None, dst=None):
    fam = fam or r.choice([4, 6])
    dport = r.choice(CONFIGURED + [9999, 53])
    port = {(p.port, p.fam): p for p in M.default_ports()}.get((dport, fam))
    src = src or pick_addr(r, fam, {"PEER": 4, "PEER_B": 3, "OTHER": 1})
    dst = dst or pick_addr(r, fam, {"HOST": 16, "TRANSIT": 1, "BCAST": 1, "MCAST": 1})
    sport = r.choice([4000, 6000, r.randrange(1, 65536)])
    if port and port.kind == M.KIND_FOU:
        inner_fam = ({4: 4, 41: 6}.get(port.ipproto) or r.choice([4, 6])) if r.random() < .95 else r.choice([4, 6])
    else:
        inner_fam = r.choice([4, 6])
    oecn = r.choice([0, 0, 1, 2, 3])
    inner = inner_pkt(r, inner_fam, payload_size(r))
    iecn = r.choice([0, 1, 2, 3])
    if inner_fam == 4:
        inner.tos = (inner.tos & ~3) | iecn
    else:
        inner.tc = (inner.tc & ~3) | iecn
    gre = b""
    if port and (port.ipproto == M.IPPROTO_GRE or (port.kind == M.KIND_GUE and r.random() < .3)):
        gre = gre_header(r, inner_fam, bytes(inner))
    gue = gue_header(r, inner_fam, bool(gre)) if port and port.kind == M.KIND_GUE else b""
    inner = bytes(inner)
    if not gre:                            # the option describes an inner IP packet after GUE
        gue, inner = remcsum_sender(r, gue, inner)
    outer = ip_hdr(fam, src, dst, r, tos=(r.randrange(64) << 2) | oecn,
                   options=fam == 4 and r.random() < .15)
    udp = UDP(sport=sport, dport=dport) / Raw(gue + gre + inner)
    if fam == 6 and r.random() < .15:      # set_udp_csum computes it
        outer.nh, chain = ip6_chain(r)
        udp.chksum = 0
        body = bytes(outer / Raw(chain + bytes(udp)))
    else:
        body = bytes(outer / udp)
    csum = r.choices(["auto", "zero", "bad"], weights=[6, 3, 1])[0]
    return l2(r, body, fam), csum


def l2(r, body, fam):
    etype = 0x0800 if fam == 4 else 0x86dd
    if r.random() < .12:
        return bytes(Ether(dst=MAC_DEV, src=MAC_SRC, type=0x8100) / Dot1Q(vlan=100, type=etype)) + body
    return bytes(Ether(dst=MAC_DEV, src=MAC_SRC, type=etype)) + body


def icmp_error_frame(r):
    """An ICMP error quoting an outer tunnel packet this host sent (or
    something else), its quote cut anywhere."""
    fam = r.choice([4, 6])
    quoted, _ = tunnel_frame(r, fam=fam, src=M.HOST[fam], dst=M.PEER_B[fam])
    quote = quoted[14 if quoted[12:14] != b"\x81\x00" else 18:]
    quote = quote[:r.choice([len(quote), r.randrange(0, 80), r.randrange(0, len(quote) + 1)])]
    ip = ip_hdr(fam, M.PEER_B[fam] if r.random() < .5 else M.OTHER[fam], M.HOST[fam], r)
    if fam == 4:
        t, c = r.choice([(3, 4), (3, 3), (3, 1), (11, 0), (5, 1), (12, 0), (8, 0)])
        icmp = ICMP(type=t, code=c, nexthopmtu=r.choice([576, 1400, 68, 1500]) if (t, c) == (3, 4) else 0)
        if t == 5:
            icmp = ICMP(type=5, code=1, gw="192.0.2.9")
    else:
        icmp = r.choice([ICMPv6PacketTooBig(mtu=r.choice([1280, 1400, 1000])), ICMPv6DestUnreach(code=4),
                         ICMPv6TimeExceeded(), ICMPv6EchoRequest()])
    return l2(r, bytes(ip / icmp / Raw(quote)), fam), "none"


def sctp_frame(r):
    """Native SCTP to this host, or SCTP in UDP to or from port 9899 (not a
    receive port here: transit checking), with DATA/INIT chunks."""
    fam = r.choice([4, 6])
    chunks = []
    for _ in range(r.randrange(1, 4)):
        if r.random() < .7:
            chunks.append(SCTPChunkData(tsn=r.randrange(1 << 32), data=bytes(r.randrange(256) for _ in range(r.randrange(0, 60)))))
        else:
            chunks.append(SCTPChunkInit(init_tag=r.randrange(1, 1 << 32)))
    sctp = SCTP(sport=r.randrange(1, 65536), dport=r.choice([7, 5000]), tag=r.randrange(1 << 32))
    for c in chunks:
        sctp = sctp / c
    if r.random() < .03:
        sctp = sctp / Raw(bytes(16400))      # past 16 KiB (XDP only)
    ip = ip_hdr(fam, M.PEER[fam], M.HOST[fam], r)
    if r.random() < .5:
        body = ip / sctp
    else:
        sp, dp = (M.SCTP_ENCAP_PORT, r.randrange(1024, 65536)) if r.random() < .5 else (r.randrange(1024, 65536), M.SCTP_ENCAP_PORT)
        body = ip / UDP(sport=sp, dport=dp) / sctp
    f = bytearray(l2(r, bytes(body), fam))
    if r.random() < .2:
        f[-1] ^= 1 << r.randrange(8)       # a corrupted payload byte: bad CRC32c
    return bytes(f), "auto"


def fix_sctp_crc(f):
    """Recompute the CRC32c of a native or UDP-carried SCTP packet whose
    lengths are sane (after a mutation, to reach the checks past it)."""
    l3 = l3_off(f)
    if len(f) < l3 + 1:
        return
    v = f[l3] >> 4
    if v == 4 and len(f) >= l3 + 20:
        proto, off, end = f[l3 + 9], l3 + (f[l3] & 0xf) * 4, l3 + struct.unpack_from("!H", f, l3 + 2)[0]
    elif v == 6 and len(f) >= l3 + 40:
        proto, off, end = f[l3 + 6], l3 + 40, l3 + 40 + struct.unpack_from("!H", f, l3 + 4)[0]
    else:
        return
    if proto == 17:
        off += 8
    elif proto != 132:
        return
    if off + 12 > end or end > len(f):
        return
    f[off + 8:off + 12] = b"\0\0\0\0"
    struct.pack_into("!I", f, off + 8, M.sctp_crc32c(bytes(f[off:end])))


def other_frame(r):
    """Not a tunnel packet: must pass untouched."""
    fam = r.choice([4, 6])
    src, dst = M.PEER[fam], M.HOST[fam]
    ip = ip_hdr(fam, src, dst, r)
    kind = r.choice(["arp", "tcp", "echo", "exthdr", "udp-other", "frag"])
    if kind == "arp":
        return bytes(Ether(dst="ff:ff:ff:ff:ff:ff", src=MAC_SRC) / ARP()), "none"
    if kind == "tcp":
        body = ip / TCP(sport=1, dport=5555)
    elif kind == "echo":
        body = ip / (ICMP() if fam == 4 else ICMPv6EchoRequest()) / Raw(b"x" * r.randrange(64))
    elif kind == "exthdr" and fam == 6:
        # Options headers are decapsulated through (ip6_chain); these are not
        ext = IPv6ExtHdrRouting() if r.random() < .5 else IPv6ExtHdrFragment()
        body = ip / ext / UDP(sport=4000, dport=5555) / inner_pkt(r, 4, 20)
    elif kind == "frag" and fam == 4:
        ip.flags = "MF"
        body = ip / UDP(sport=4000, dport=5555) / inner_pkt(r, 4, 20)
    else:
        body = ip / UDP(sport=4000, dport=r.choice([53, 9999, 4789])) / Raw(b"y" * r.randrange(100))
    return l2(r, bytes(body), fam), "auto"


# ---- finishing touches and mutation ---------------------------------------
def l3_off(f):
    return 18 if struct.unpack_from("!H", f, 12)[0] == 0x8100 else 14


def fix_ip4_csum(f, l3):
    if len(f) < l3 + 20 or f[l3] >> 4 != 4:
        return
    ihl = (f[l3] & 0xf) * 4
    if ihl < 20 or len(f) < l3 + ihl:
        return
    f[l3 + 10:l3 + 12] = b"\0\0"
    struct.pack_into("!H", f, l3 + 10, ~M.csum16(bytes(f[l3:l3 + ihl])) & 0xffff)


def udp_span(f):
    """(fam, l4 offset, udp end) of a well-formed outer IP/UDP, or None."""
    l3 = l3_off(f)
    if len(f) < l3 + 1:
        return None
    v = f[l3] >> 4
    if v == 4 and len(f) >= l3 + 20 and f[l3 + 9] == 17:
        l4 = l3 + (f[l3] & 0xf) * 4
        end = l3 + struct.unpack_from("!H", f, l3 + 2)[0]
        return (4, l4, end) if l4 + 8 <= end <= len(f) else None
    if v == 6 and len(f) >= l3 + 40:
        nh, l4 = f[l3 + 6], l3 + 40
        while nh in (HOP, DEST) and l4 + 2 <= len(f):      # options headers
            nh, l4 = f[l4], l4 + (f[l4 + 1] + 1) * 8
        end = l3 + 40 + struct.unpack_from("!H", f, l3 + 4)[0]
        return (6, l4, end) if nh == 17 and l4 + 8 <= end <= len(f) else None
    return None


def set_udp_csum(f, mode, r):
    sp = udp_span(f)
    if not sp:
        return
    fam, l4, end = sp
    l3 = l3_off(f)
    f[l4 + 6:l4 + 8] = b"\0\0"
    if mode == "zero":
        return
    n = 4 if fam == 4 else 16
    src = bytes(f[l3 + (12 if fam == 4 else 8):][:n])
    dst = bytes(f[l3 + (16 if fam == 4 else 24):][:n])
    udp = bytes(f[l4:end])
    pseudo = src + dst + (struct.pack("!BBH", 0, 17, len(udp)) if fam == 4
                          else struct.pack("!IxxxB", len(udp), 17))
    c = ~M.csum16(pseudo + udp) & 0xffff
    c = c or 0xffff
    if mode == "bad":
        c ^= 1 << r.randrange(16) or 1
    struct.pack_into("!H", f, l4 + 6, c)


def mutate(r, f):
    """One mutation: truncation, a lying length, bit flips, GUE header fuzz,
    or padding. Returns a label."""
    kind = r.choices(["trunc", "lie", "flip", "gue", "pad"], weights=[3, 3, 3, 2, 1])[0]
    l3 = l3_off(f)
    if kind == "trunc" and len(f) > 15:
        del f[r.randrange(14, len(f)):]
    elif kind == "lie":
        v = f[l3] >> 4 if len(f) > l3 else 0
        fields = {4: [l3 + 2, l3 + 20 + 4, l3 + 28 + 2, l3 + 28 + 4], 6: [l3 + 4, l3 + 40 + 4, l3 + 48 + 4, l3 + 48 + 6]}.get(v, [])
        fields = [o for o in fields if o + 2 <= len(f)]
        if fields:
            o = r.choice(fields)
            old = struct.unpack_from("!H", f, o)[0]
            new = r.choice([old + r.randrange(-40, 41), 0, 0xffff, r.randrange(65536), old ^ 1]) & 0xffff
            struct.pack_into("!H", f, o, new)
    elif kind == "flip":
        for _ in range(r.randrange(1, 4)):
            o = r.randrange(12, min(len(f), 140))
            f[o] ^= 1 << r.randrange(8)
    elif kind == "gue":
        sp = udp_span(f)
        if sp and sp[1] + 12 <= len(f):
            o = sp[1] + 8 + r.randrange(4)
            f[o] = r.randrange(256)
    else:
        f.extend(bytes(r.randrange(1, 40)))
    return kind


def case(r):
    """One frame and its label, from structured generation plus mutation."""
    x = r.random()
    if x < .70:
        f, csum = tunnel_frame(r)
        label = "tunnel"
    elif x < .83:
        f, csum = icmp_error_frame(r)
        label = "icmp"
    elif x < .90:
        f, csum = sctp_frame(r)
        label = "sctp"
    else:
        f, csum = other_frame(r)
        label = "other"
    f = bytearray(f)
    if r.random() < .45:
        m = mutate(r, f)
        label += "+" + m
        if label.startswith("sctp") and r.random() < .6:
            fix_sctp_crc(f)
        if r.random() < .8:
            fix_ip4_csum(f, l3_off(f))
    elif r.random() < .03:
        f[l3_off(f) + 10] ^= 0x5a if f[l3_off(f)] >> 4 == 4 else 0
        label += "+badipcsum"
    if csum != "none" and ("lie" not in label or r.random() < .5):
        set_udp_csum(f, csum, r)
    return bytes(f), label


# ---- transmit ----------------------------------------------------------------
TX_DST = {4: ["10.1.0.2", "10.1.200.9", "10.2.0.2", "10.3.0.2", "10.4.0.2", "10.5.0.2", "10.6.0.2",
              "10.7.0.2", "10.7.1.1", "10.8.0.2", "10.99.0.2", M.PEER[4]],
          6: ["fd00:1::2", "fd00:1:ff::9", "fd00:3::2", "fd00:8::2", "fd00:8::7", "fd00:99::2", M.PEER[6]]}
TX_SRC_ODD = {4: ["0.0.0.0", "224.0.0.9", "255.255.255.255"], 6: ["::", "ff02::1"]}


def tx_sctp(r, fam):
    """Native SCTP leaving for an over-UDP peer (learned, native or not yet
    known), its CRC32c right, zero (to be filled) or wrong."""
    tag = r.choice([0x1111, 0x2222, r.randrange(1 << 32)])
    sctp = SCTP(sport=5000, dport=7, tag=tag) / SCTPChunkData(data=bytes(r.randrange(256) for _ in range(r.randrange(0, 80))))
    ip = ip_hdr(fam, M.HOST[fam], r.choice([M.PEER_B[fam], M.OTHER[fam]]), r)
    f = bytearray(bytes(Ether(dst="02:00:00:00:00:aa", src=MAC_DEV) / ip / sctp))
    l4 = 14 + (20 if fam == 4 else 40)
    x = r.random()
    if x < .3:
        f[l4 + 8:l4 + 12] = b"\0\0\0\0"
    elif x < .4:
        f[l4 + 8] ^= 0x5a
    return f


def tx_case(r):
    """A frame leaving the device: an inner packet for a tunnel route (or
    none), native SCTP, possibly mutated. TC egress sees it with the
    stack's MACs."""
    fam = r.choice([4, 6])
    if r.random() < .04:
        return bytes(Ether(dst="ff:ff:ff:ff:ff:ff", src=MAC_DEV) / ARP()), "arp"
    if r.random() < .12:
        return maybe_mutate(r, tx_sctp(r, fam), "tx-sctp")
    src = "10.0.0.%d" % r.randrange(1, 4) if fam == 4 else "fd00::%x" % r.randrange(1, 4)
    if r.random() < .05:
        src = r.choice(TX_SRC_ODD[fam])
    dst = r.choice(TX_DST[fam])
    size = r.choice([r.randrange(0, 200), r.randrange(0, 1500), r.randrange(900, 1500)])
    inner = inner_pkt(r, fam, size)
    if r.random() < .05:        # an ICMP error about something: never answered with one
        err = ICMP(type=3, code=1) if fam == 4 else ICMPv6DestUnreach()
        inner = inner.getlayer(0).copy()
        inner.remove_payload()
        inner = inner / err / Raw(bytes(size))
    inner.dst = dst
    inner.src = src
    if fam == 4:
        inner.flags = "DF" if r.random() < .7 else 0
        if r.random() < .03:
            inner.flags, inner.frag = "MF", 0
    return maybe_mutate(r, bytearray(bytes(Ether(dst="02:00:00:00:00:aa", src=MAC_DEV) / inner)), "tx")


def maybe_mutate(r, f, label):
    """A transmit frame mutated one time in three, its IPv4 header checksum
    then mostly fixed (so the mutation reaches past the header)."""
    if r.random() < .3:
        label += "+" + mutate(r, f)
        if r.random() < .8:
            fix_ip4_csum(f, 14)
    return bytes(f), label
