#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Check FOU/GUE packets captured on the wire (a pcap/pcapng from tshark).

  wire_check.py --pcap FILE --spec JSON [--spec JSON]... [--plain JSON]

Each --spec describes one tunnel direction as a JSON object:
  name       label for the output
  src, dst   outer addresses; dport: the tunnel's UDP destination port
  encap      "fou" or "gue"
  ifam       4 or 6 (FOU: the inner family; GUE: optional, else either)
  csum       "zero" (every outer UDP checksum is 0) or "valid" (non-zero and
             correct, recomputed here over the pseudo-header and datagram)
  min        at least this many packets must match
  inner      optional list of inner addresses; each inner packet's source and
             destination must be among them
  distinct   optional: at least this many different outer source ports across
             the inner flows (entropy for ECMP/RSS)
Every packet from src to dst with UDP dport is checked: UDP length equals
the IP payload length, the encapsulation header (FOU: the inner IP version;
GUE: version 0, C=0, hlen 0, proto 4|41 matching the inner version, flags 0),
the checksum mode, a non-zero source port that is the same for every packet
of one inner flow (inner addresses, protocol, ports or ICMP id).

--plain {"addrs": [...], "macs": [...], "name": ...}: no frame whose source MAC
is in macs may carry an IP packet whose own (outer) source or destination is
one of addrs: that would be inner traffic leaving unencapsulated.

Prints one line per check: "PASS text" or "FAIL text", plus "INFO text";
exit status 1 when any check failed. Needs Debian's /usr/bin/python3 (scapy).
"""
import argparse
import ipaddress
import json
import socket
import struct
import sys

import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import rdpcap  # noqa: E402

results = []


def report(ok, text):
    results.append(ok)
    print("%s %s" % ("PASS" if ok else "FAIL", text))


def info(text):
    print("INFO %s" % text)


def csum16(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def udp_csum_ok(fam, src, dst, udp):
    """True when the non-zero checksum in udp (bytes) is right."""
    if fam == 4:
        ph = socket.inet_pton(socket.AF_INET, src) + socket.inet_pton(socket.AF_INET, dst) + \
            struct.pack("!BBH", 0, 17, len(udp))
    else:
        ph = socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst) + \
            struct.pack("!IxxxB", len(udp), 17)
    # summing the datagram with its checksum in place gives 0xffff when right
    return csum16(ph + udp) == 0xffff


def l4_csum(fam, src, dst, proto, seg):
    if fam == 4:
        ph = socket.inet_pton(socket.AF_INET, src) + socket.inet_pton(socket.AF_INET, dst) + \
            struct.pack("!BBH", 0, proto, len(seg))
    else:
        ph = socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst) + \
            struct.pack("!I3xB", len(seg), proto)
    c = 0xffff - csum16(ph + seg)
    return c or 0xffff


def complete_inner(udp, off):
    """The UDP datagram udp with the inner TCP/UDP checksum (the inner IP
    packet starts at off) recomputed in full; None if not TCP/UDP inside."""
    inner = parse_ip(udp[off:])
    if not inner or inner[3] not in (6, 17):
        return None
    fam, isrc, idst, proto, seg, _ = inner
    hl = (udp[off] & 0xf) * 4 if fam == 4 else 40
    pos = off + hl + (16 if proto == 6 else 6)
    if len(seg) < (18 if proto == 6 else 8):
        return None
    b = bytearray(udp)
    b[pos:pos + 2] = b"\0\0"
    seg0 = bytes(b[off + hl:off + hl + len(seg)])
    b[pos:pos + 2] = struct.pack("!H", l4_csum(fam, isrc, idst, proto, seg0))
    return bytes(b)


def parse_ip(raw):
    """(family, src, dst, proto, payload bytes, payload length by header) or None."""
    if not raw:
        return None
    v = raw[0] >> 4
    if v == 4 and len(raw) >= 20:
        ihl = (raw[0] & 0xf) * 4
        tot = struct.unpack("!H", raw[2:4])[0]
        return (4, socket.inet_ntop(socket.AF_INET, raw[12:16]), socket.inet_ntop(socket.AF_INET, raw[16:20]),
                raw[9], raw[ihl:tot], tot - ihl)
    if v == 6 and len(raw) >= 40:
        plen = struct.unpack("!H", raw[4:6])[0]
        return (6, socket.inet_ntop(socket.AF_INET6, raw[8:24]), socket.inet_ntop(socket.AF_INET6, raw[24:40]),
                raw[6], raw[40:40 + plen], plen)
    return None


def l3_of(pkt):
    """Raw bytes from the IP header on, and the frame's source MAC."""
    raw = bytes(pkt)
    if len(raw) < 14:
        return None, None
    et = struct.unpack("!H", raw[12:14])[0]
    off = 14
    if et in (0x8100, 0x88a8) and len(raw) >= 18:
        et = struct.unpack("!H", raw[16:18])[0]
        off = 18
    if et not in (0x0800, 0x86dd):
        return None, None
    mac = ":".join("%02x" % b for b in raw[6:12])
    return raw[off:], mac


def norm(a):
    return str(ipaddress.ip_address(a))


def inner_flow(ip):
    fam, src, dst, proto, pl, _ = ip
    ports = ()
    if proto in (6, 17) and len(pl) >= 4:
        ports = struct.unpack("!HH", pl[:4])
    elif proto in (1, 58) and len(pl) >= 6:
        ports = (struct.unpack("!H", pl[4:6])[0],)  # echo id
    return (src, dst, proto) + ports


def check_spec(pkts, spec):
    name = spec.get("name", "%s %s->%s:%s" % (spec["encap"], spec["src"], spec["dst"], spec["dport"]))
    src, dst, dport = norm(spec["src"]), norm(spec["dst"]), int(spec["dport"])
    encap, csum, ifam = spec["encap"], spec.get("csum", "zero"), spec.get("ifam")
    inner_ok = {norm(a) for a in spec.get("inner", [])}
    n = 0
    errs = {}
    flows = {}
    truncated = 0
    lco = [0]

    def err(kind, detail):
        errs.setdefault(kind, [0, detail])[0] += 1

    for p in pkts:
        raw, _ = l3_of(p)
        ip = parse_ip(raw) if raw else None
        if not ip or ip[3] != 17 or ip[1] != src or ip[2] != dst:
            continue
        pl = ip[4]
        if len(pl) < 8 or struct.unpack("!H", pl[2:4])[0] != dport:
            continue
        sport, _, ulen, ucsum = struct.unpack("!HHHH", pl[:8])
        body = pl[8:ulen]
        gue = None
        if encap == "gue" and len(body) >= 4:
            gue = struct.unpack("!BBH", body[:4])
            ibytes = body[4 + (gue[0] & 0x1f) * 4:]
        else:
            ibytes = body
        inner = parse_ip(ibytes)
        # "inner" selects this spec's packets among those of one outer flow
        # (a GUE tunnel carries both families; tunnels may share a port)
        if inner_ok and (not inner or inner[1] not in inner_ok or inner[2] not in inner_ok):
            continue
        n += 1
        if len(pl) < ip[5]:
            truncated += 1  # capture shorter than the packet: skip byte checks
            continue
        if ulen != ip[5]:
            err("udp_len", "UDP length %d, IP payload %d" % (ulen, ip[5]))
        if sport == 0:
            err("sport0", "source port 0")
        if csum == "zero" and ucsum != 0:
            err("csum", "checksum 0x%04x, expected zero" % ucsum)
        if csum == "valid":
            if ucsum == 0:
                err("csum", "checksum zero, expected a computed one")
            elif not udp_csum_ok(ip[0], src, dst, pl[:ulen]):
                # a local sender's inner TCP/UDP checksum may still be partial
                # (CHECKSUM_PARTIAL, veth never completes it): the outer one
                # must be right for the completed inner packet (as LCO does)
                fixed = complete_inner(pl[:ulen], 8 + (len(body) - len(ibytes)))
                if fixed is None or not udp_csum_ok(ip[0], src, dst, fixed):
                    err("csum", "checksum 0x%04x is wrong" % ucsum)
                else:
                    lco[0] += 1
        if encap == "gue":
            if gue is None:
                err("gue_short", "no room for the GUE header")
                continue
            b0, proto, flags = gue
            ver, c, hlen = b0 >> 6, (b0 >> 5) & 1, b0 & 0x1f
            if (ver, c, hlen, flags) != (0, 0, 0, 0) or proto not in (4, 41):
                err("gue_hdr", "GUE version %d C %d hlen %d proto %d flags 0x%04x" % (ver, c, hlen, proto, flags))
            want_v = 4 if proto == 4 else 6
            if not inner or inner[0] != want_v:
                err("gue_proto", "GUE proto %d but inner version %s" % (proto, inner and inner[0]))
        if not inner:
            err("inner", "no inner IP header")
            continue
        if ifam and inner[0] != int(ifam):
            err("ifam", "inner IPv%d, expected IPv%s" % (inner[0], ifam))
        itot = inner[5] + ((ibytes[0] & 0xf) * 4 if inner[0] == 4 else 40)
        if itot != len(ibytes):
            err("inner_len", "inner IP total length %d, UDP payload carries %d" % (itot, len(ibytes)))
        flows.setdefault(inner_flow(inner), set()).add(sport)

    report(n >= int(spec.get("min", 1)), "%s: %d encapsulated packets on the wire (want >= %s)" % (name, n, spec.get("min", 1)))
    if lco[0]:
        info("%s: %d packets carry a partial inner checksum; outer checksum verified as if completed" % (name, lco[0]))
    if truncated:
        info("%s: %d packets longer than the capture, byte checks skipped" % (name, truncated))
    if n == 0:
        return
    checks = [("udp_len", "UDP length = IP payload length"),
              ("csum", "outer UDP checksum %s" % ("zero" if csum == "zero" else "present and valid")),
              ("sport0", "outer source port non-zero")]
    if encap == "gue":
        checks += [("gue_short", "GUE header present"),
                   ("gue_hdr", "GUE version 0, C=0, hlen 0, proto 4|41, flags 0"),
                   ("gue_proto", "GUE proto matches the inner IP version")]
    checks += [("inner", "inner IP header present"), ("inner_len", "inner IP length fills the UDP payload")]
    if ifam:
        checks.append(("ifam", "inner family IPv%s" % ifam))
    for kind, text in checks:
        if kind in errs:
            report(False, "%s: %s (%d packets, e.g. %s)" % (name, text, errs[kind][0], errs[kind][1]))
        else:
            report(True, "%s: %s" % (name, text))
    unstable = {f: s for f, s in flows.items() if len(s) != 1}
    report(not unstable, "%s: outer source port stable within each of %d inner flows%s" %
           (name, len(flows), "" if not unstable else " (unstable: %s)" % list(unstable.items())[:3]))
    sports = set().union(*flows.values()) if flows else set()
    info("%s: outer source ports %s" % (name, sorted(sports)[:16]))
    if "distinct" in spec:
        report(len(sports) >= int(spec["distinct"]), "%s: %d inner flows use %d distinct outer source ports (want >= %s)" %
               (name, len(flows), len(sports), spec["distinct"]))


def check_plain(pkts, spec):
    addrs = {norm(a) for a in spec["addrs"]}
    macs = {m.lower() for m in spec["macs"]}
    leaks = []
    for p in pkts:
        raw, mac = l3_of(p)
        if not raw or mac not in macs:
            continue
        ip = parse_ip(raw)
        if ip and (ip[1] in addrs or ip[2] in addrs):
            leaks.append("%s -> %s proto %d" % (ip[1], ip[2], ip[3]))
    report(not leaks, "%s: no inner packet left unencapsulated (%d found%s)" %
           (spec.get("name", "plain"), len(leaks), ", e.g. " + leaks[0] if leaks else ""))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pcap", required=True)
    ap.add_argument("--spec", action="append", default=[])
    ap.add_argument("--plain", action="append", default=[])
    a = ap.parse_args()
    try:
        pkts = rdpcap(a.pcap)
    except Exception as e:  # noqa: BLE001
        report(False, "read %s: %s" % (a.pcap, e))
        return 1
    info("%d frames in %s" % (len(pkts), a.pcap))
    for s in a.spec:
        check_spec(pkts, json.loads(s))
    for s in a.plain:
        check_plain(pkts, json.loads(s))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
