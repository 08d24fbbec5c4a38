#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Compare the framing of fouloader and of the kernel's own tunnel, captured
on the wire between them (a pcap/pcapng of both directions of one tunnel).

  kpeer_wire.py --pcap FILE --port P --encap fou|gue --ifam 4|6
                --kernel ADDR --fl ADDR
                --kernel-csum zero|set --fl-csum zero|set|nongso
                [--kernel-sport auto|N] [--fl-sport auto|N] [--range LO-HI]
                [--kernel-encaplimit N|none] [--fl-only]
                [--gre [key=K,][csum,][seq]] [--remcsum]

--kernel and --fl are the outer source addresses of the kernel's and of
fouloader's packets; both send to UDP port P. Checksum settings: "zero"
(every outer UDP checksum 0), "set" (every one non-zero), "nongso" (fouloader
over IPv6 on its defaults: non-zero on every packet that was not GSO, so on
every echo; a TCP segment may carry zero). A non-zero checksum of fouloader's
must be right; the kernel's may also be left to the NIC's offload (the
pseudo-header sum, CHECKSUM_PARTIAL on virtio-net), counted as INFO.
--kernel-encaplimit N: ip6tnl's default, a Destination Options header with
the tunnel encapsulation limit option N between IPv6 and UDP (none: no
extension header). fouloader never sends one.
--gre: GRE inside (FOU ipproto 47, GUE proto 47); both sides' GRE header
must be version 0 with the EtherType of --ifam and exactly the options
listed (the key's value too), the sequence number rising per side.
--remcsum: GUE remote checksum offload allowed (the REMCSUM private flag and
its option, hlen 2); each side must send at least one such packet.

Checked per side: packets and echoes seen, UDP destination port and length,
extension headers, checksum as set, source port (fixed, or in the local port
range and stable per inner flow), the GUE header (version 0, C 0, hlen 0,
flags 0, proto 4|41 for the inner version), the inner family. Then the two
sides' echoes against each other: the same layout (ports policy, encapsulation
header bytes, inner version, checksum zero or not where the settings agree).
Prints "PASS text" / "FAIL text" / "INFO text"; exit 1 when a check failed.
"""
import argparse
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wire_check  # noqa: E402  (its checksum helpers and pcap reader)
from wire_check import report, info, norm, l3_of  # noqa: E402

EXT_HOPOPT, EXT_DSTOPT = 0, 60


def parse_outer(raw):
    """(family, src, dst, ext list [(type, bytes)], udp bytes, ip payload len)
    for a UDP packet, walking IPv6 Hop-by-Hop / Destination Options; or None."""
    v = raw[0] >> 4 if raw else 0
    if v == 4 and len(raw) >= 20:
        ihl = (raw[0] & 0xf) * 4
        tot = struct.unpack("!H", raw[2:4])[0]
        if raw[9] != 17:
            return None
        return (4, socket.inet_ntop(socket.AF_INET, raw[12:16]), socket.inet_ntop(socket.AF_INET, raw[16:20]),
                [], raw[ihl:tot], tot - ihl)
    if v == 6 and len(raw) >= 40:
        plen = struct.unpack("!H", raw[4:6])[0]
        nh, off, ext = raw[6], 40, []
        while nh in (EXT_HOPOPT, EXT_DSTOPT) and len(raw) >= off + 8:
            hl = (raw[off + 1] + 1) * 8
            ext.append((nh, raw[off:off + hl]))
            nh, off = raw[off], off + hl
        if nh != 17:
            return None
        return (6, socket.inet_ntop(socket.AF_INET6, raw[8:24]), socket.inet_ntop(socket.AF_INET6, raw[24:40]),
                ext, raw[off:40 + plen], 40 + plen - off)
    return None


def encap_limit(hdr):
    """The tunnel encapsulation limit option's value in a Destination Options
    header (RFC 2473: type 4, length 1), None without one."""
    i = 2
    while i < len(hdr):
        t = hdr[i]
        if t == 0:
            i += 1
            continue
        if i + 1 >= len(hdr):
            return None
        ln = hdr[i + 1]
        if t == 4 and ln == 1:
            return hdr[i + 2]
        i += 2 + ln
    return None


def pseudo_partial(fam, src, dst, ulen, ucsum):
    """True when ucsum is the unfolded pseudo-header sum a CHECKSUM_PARTIAL
    packet carries until the NIC (or the receiver) completes it."""
    if fam == 4:
        ph = socket.inet_pton(socket.AF_INET, src) + socket.inet_pton(socket.AF_INET, dst) + struct.pack("!BBH", 0, 17, ulen)
    else:
        ph = socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst) + struct.pack("!I3xB", ulen, 17)
    return wire_check.csum16(ph) == ucsum


class Side:
    def __init__(self, name, src, csum, sport, encaplimit):
        self.name, self.src, self.csum, self.sport, self.encaplimit = name, norm(src), csum, sport, encaplimit
        self.n = self.echo = self.partial = self.tcp_zero = self.remcsum = 0
        self.seq = None
        self.errs = {}
        self.flows = {}
        self.echo_layout = set()

    def err(self, kind, detail):
        self.errs.setdefault(kind, [0, detail])[0] += 1


def classify(side, a, ip, pl):
    fam, src, dst, ext, udp, iplen = ip
    sport, dport, ulen, ucsum = struct.unpack("!HHHH", udp[:8])
    side.n += 1
    if ulen != iplen:
        side.err("udp_len", "UDP length %d, IP payload %d" % (ulen, iplen))
    # extension headers
    if side.encaplimit in (None, "none"):
        if ext:
            side.err("ext", "extension headers %s" % [t for t, _ in ext])
    else:
        lims = [encap_limit(h) for t, h in ext if t == EXT_DSTOPT]
        if len(ext) != 1 or lims != [int(side.encaplimit)]:
            side.err("ext", "extension headers %s, encapsulation limits %s" % ([t for t, _ in ext], lims))
    body = udp[8:ulen]
    ehdr = b""
    if a.encap == "gue":
        if len(body) < 4:
            side.err("gue", "no room for GUE")
            return
        ehdr = body[:4 + (body[0] & 0x1f) * 4]
        want = bytes([0, a.gue_proto, 0, 0])
        if a.remcsum and ehdr[:1] == b"\x02" and ehdr[1:] == bytes([a.gue_proto, 0, 1, 0x80, 0, 0, 0]) + ehdr[8:] \
                and len(ehdr) == 12:
            side.remcsum += 1
        elif ehdr != want:
            side.err("gue", "GUE header %s, want %s" % (ehdr.hex(), want.hex()))
    off = len(ehdr)
    if a.gre is not None:
        g = gre_check(side, a, body[off:])
        if g is None:
            return
        ehdr, off = ehdr[:4] + g[1], off + g[0]
    inner = wire_check.parse_ip(body[off:])
    if not inner:
        side.err("inner", "no inner IP header")
        return
    if inner[0] != a.ifam:
        side.err("ifam", "inner IPv%d" % inner[0])
    flow = wire_check.inner_flow(inner)
    side.flows.setdefault(flow, set()).add(sport)
    if side.sport == "auto":
        if not a.lo <= sport <= a.hi:
            side.err("sport", "source port %d outside %d-%d" % (sport, a.lo, a.hi))
    elif sport != int(side.sport):
        side.err("sport", "source port %d, want %s" % (sport, side.sport))
    # echo requests and replies (ICMP 8/0, ICMPv6 128/129), not the stack's
    # own ICMPv6 (router solicitations, MLD)
    is_echo = len(inner[4]) > 0 and (inner[3], inner[4][0]) in ((1, 8), (1, 0), (58, 128), (58, 129))
    truncated = len(udp) < ulen
    # checksum
    if ucsum == 0:
        if side.csum == "set" or (side.csum == "nongso" and is_echo):
            side.err("csum", "zero checksum on %s" % ("an echo" if is_echo else "a TCP segment"))
        elif side.csum == "nongso":
            side.tcp_zero += 1
    elif side.csum == "zero":
        side.err("csum", "checksum 0x%04x, want zero" % ucsum)
    elif not truncated and not wire_check.udp_csum_ok(fam, src, dst, udp[:ulen]):
        fixed = wire_check.complete_inner(udp[:ulen], 8 + off)
        if fixed is not None and wire_check.udp_csum_ok(fam, src, dst, fixed):
            pass  # inner checksum left to offload, outer right for the completed packet
        elif side.name == "kernel" and pseudo_partial(fam, src, dst, ulen, ucsum):
            side.partial += 1
        else:
            side.err("csum", "checksum 0x%04x is wrong" % ucsum)
    if is_echo:
        side.echo += 1
        side.echo_layout.add((fam, dport, ehdr.hex(), inner[0], "zero" if ucsum == 0 else "non-zero"))


def gre_opts(text):
    """--gre "key=K,csum,seq" as a dict (key: its value, csum/seq: True)."""
    out = {}
    for o in filter(None, text.split(",")):
        k, _, v = o.partition("=")
        out[k] = int(v) if v else True
    return out


def gre_check(side, a, g):
    """(length, layout) of the GRE header after checking it against --gre,
    layout its bytes but checksum and sequence number; None when there is no
    room for it."""
    if len(g) < 4:
        side.err("gre", "no room for GRE")
        return None
    flags, proto = struct.unpack("!HH", g[:4])
    has = {"csum": bool(flags & 0x8000), "key": bool(flags & 0x2000), "seq": bool(flags & 0x1000)}
    glen = 4 + 4 * sum(has.values())
    want_proto = 0x0800 if a.ifam == 4 else 0x86DD
    if flags & 0x4007 or proto != want_proto or len(g) < glen:
        side.err("gre", "GRE flags 0x%04x proto 0x%04x" % (flags, proto))
        return None
    if any(has[o] != (o in a.gre) for o in has):
        side.err("gre", "GRE options %s" % sorted(o for o in has if has[o]))
    kb = g[4 + 4 * has["csum"]:][:4] if has["key"] else b""
    if has["key"] and struct.unpack("!I", kb)[0] != a.gre.get("key"):
        side.err("gre", "GRE key %d" % struct.unpack("!I", kb)[0])
    # a CHECKSUM_PARTIAL inner packet is on the tap before its checksum is
    # filled: the GRE checksum covers it as filled (local checksum offload)
    if has["csum"] and wire_check.csum16(g) != 0xffff and \
            wire_check.csum16(wire_check.complete_inner(g, glen) or g) != 0xffff:
        side.err("gre", "GRE checksum 0x%04x is wrong" % struct.unpack("!H", g[4:6])[0])
    if has["seq"]:
        seq = struct.unpack("!I", g[glen - 4:glen])[0]
        if side.seq is not None and seq <= side.seq:
            side.err("gre", "GRE sequence number %d after %d" % (seq, side.seq))
        side.seq = seq
    return glen, g[:4] + kb


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pcap", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--encap", choices=("fou", "gue"), required=True)
    ap.add_argument("--ifam", type=int, choices=(4, 6), required=True)
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--fl", required=True)
    ap.add_argument("--kernel-csum", choices=("zero", "set"), required=True)
    ap.add_argument("--fl-csum", choices=("zero", "set", "nongso"), required=True)
    ap.add_argument("--kernel-sport", default="auto")
    ap.add_argument("--fl-sport", default="auto")
    ap.add_argument("--range", default="32768-60999")
    ap.add_argument("--kernel-encaplimit", default="none")
    ap.add_argument("--fl-only", action="store_true", help="check fouloader's side only")
    ap.add_argument("--gre", default=None, help="GRE inside, with these options")
    ap.add_argument("--remcsum", action="store_true")
    a = ap.parse_args()
    a.gre = None if a.gre is None else gre_opts(a.gre)
    a.gue_proto = 47 if a.gre is not None else 4 if a.ifam == 4 else 41
    a.lo, a.hi = (int(x) for x in a.range.split("-"))
    sides = [Side("kernel", a.kernel, a.kernel_csum, a.kernel_sport, a.kernel_encaplimit),
             Side("fouloader", a.fl, a.fl_csum, a.fl_sport, None)]
    try:
        pkts = wire_check.rdpcap(a.pcap)
    except Exception as e:  # noqa: BLE001
        report(False, "read %s: %s" % (a.pcap, e))
        return 1
    for p in pkts:
        raw, _ = l3_of(p)
        ip = parse_outer(raw) if raw else None
        if not ip or len(ip[4]) < 8 or struct.unpack("!H", ip[4][2:4])[0] != a.port:
            continue
        for s in sides:
            if ip[1] == s.src:
                classify(s, a, ip, p)
    names = {"udp_len": "UDP length = IP payload length",
             "ext": "extension headers: %s",
             "gue": "GUE header version 0, C 0, hlen 0, flags 0, proto %d%s" %
                    (a.gue_proto, " (or the REMCSUM option)" if a.remcsum else ""),
             "gre": "GRE version 0, EtherType of IPv%d, options %s, checksum right, sequence rising" %
                    (a.ifam, sorted(a.gre.items()) if a.gre else "none"),
             "inner": "inner IP header present", "ifam": "inner family IPv%d" % a.ifam,
             "sport": "outer source port %s",
             "csum": "outer UDP checksum %s"}
    csum_text = {"zero": "zero", "set": "non-zero and right", "nongso": "non-zero and right off GSO"}
    if a.fl_only:
        info("the kernel's side not checked here (--fl-only)")
        sides = sides[1:]
    for s in sides:
        report(s.n >= 4 and s.echo >= 2, "%s -> port %d: %d packets, %d of them echoes (want >= 4, >= 2)" %
               (s.name, a.port, s.n, s.echo))
        if not s.n:
            continue
        args = {"ext": "none" if s.encaplimit in (None, "none") else "encapsulation limit %s" % s.encaplimit,
                "sport": "in %d-%d" % (a.lo, a.hi) if s.sport == "auto" else "fixed " + s.sport,
                "csum": csum_text[s.csum]}
        for kind, text in names.items():
            if (kind == "gue" and a.encap != "gue") or (kind == "gre" and a.gre is None):
                continue
            t = "%s: %s" % (s.name, text % args[kind] if kind in args else text)
            if kind in s.errs:
                report(False, "%s (%d packets, e.g. %s)" % (t, s.errs[kind][0], s.errs[kind][1]))
            else:
                report(True, t)
        if a.remcsum:
            report(s.remcsum >= 1, "%s: %d packets with GUE remote checksum offload (REMCSUM, want >= 1)" %
                   (s.name, s.remcsum))
        unstable = [f for f, p in s.flows.items() if len(p) != 1]
        report(not unstable, "%s: outer source port stable within each of %d inner flows" % (s.name, len(s.flows)))
        if s.partial:
            info("%s: %d checksums left to offload (pseudo-header sum on the wire)" % (s.name, s.partial))
        if s.tcp_zero:
            info("%s: %d TCP segments with a zero checksum (GSO)" % (s.name, s.tcp_zero))
    if a.fl_only:
        return 0 if all(wire_check.results) else 1
    k, f = sides
    info("kernel echo layout %s; fouloader's %s" % (sorted(k.echo_layout), sorted(f.echo_layout)))
    if k.echo_layout and f.echo_layout:
        # the checksum column only where the two settings agree off GSO
        agree = (k.csum == "zero") == (f.csum == "zero")
        strip = (lambda s: {x[:4] for x in s}) if not agree else (lambda s: s)
        same = len(k.echo_layout) == 1 and strip(k.echo_layout) == strip(f.echo_layout)
        report(same, "fouloader's echoes framed as the kernel's (outer family, port, %s header, inner version%s)" %
               (a.encap.upper(), ", checksum zero or not" if agree else ""))
    return 0 if all(wire_check.results) else 1


if __name__ == "__main__":
    sys.exit(main())
