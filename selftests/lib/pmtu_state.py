#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""What fouloader's pinned maps say about each tunnel's path (issue 5), read
with bpftool, for the path-MTU tests: the maps themselves, not a CLI view.

  pmtu_state.py --pin DIR [--bash]

Prints one line per field, "TUNNEL:FIELD VALUE" (with --bash
"[TUNNEL:FIELD]=VALUE", an associative array's body), for every tunnel:
slot, pmtu (0: none), pmtu_from, redirect_gw, redirect_from, redirect (1 when
a Redirect is applied), the fou_tun_icmp counters summed over CPUs
(frag_needed pkt_too_big unreachable time_exceeded redirects sent_too_big
rate_limited), and indexed (1 when fou_tun_index has the tunnel's key ->
its slot). Also "raw:path SHA" over every tunnel's fou_tun_path bytes, for
"nothing changed" checks.
"""
import argparse
import hashlib
import ipaddress
import json
import struct
import subprocess
import sys

ICMP_FIELDS = ("frag_needed", "pkt_too_big", "unreachable", "time_exceeded", "redirects",
               "sent_too_big", "rate_limited")


def dump(pin, name):
    out = subprocess.run(["bpftool", "-j", "map", "dump", "pinned", "%s/%s" % (pin, name)],
                         capture_output=True, text=True, timeout=20)
    if out.returncode:
        sys.exit("bpftool map dump %s/%s: %s" % (pin, name, out.stderr.strip()))
    return json.loads(out.stdout)


def raw(v):
    return bytes(int(x, 16) for x in v)


def addr(b, fam):
    if fam == 4:
        return str(ipaddress.IPv4Address(b[:4]))
    return str(ipaddress.IPv6Address(b[:16]))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--pin", required=True)
    p.add_argument("--bash", action="store_true")
    a = p.parse_args()
    fmt = "[%s]=%s" if a.bash else "%s %s"

    tunnels = {}
    for e in dump(a.pin, "fou_tunnels"):
        b = raw(e["value"])
        name = b[:16].split(b"\0")[0].decode()
        if name:
            slot = struct.unpack("=I", raw(e["key"]))[0]
            fam = b[16]
            dport = struct.unpack("=H", b[26:28])[0]
            tunnels[slot] = (name, fam, b[36:52], b[52:68], dport)
    paths = {struct.unpack("=I", raw(e["key"]))[0]: raw(e["value"]) for e in dump(a.pin, "fou_tun_path")}
    icmp = {}
    for e in dump(a.pin, "fou_tun_icmp"):
        slot = struct.unpack("=I", raw(e["key"]))[0]
        tot = [0] * len(ICMP_FIELDS)
        for v in e["values"]:
            vals = struct.unpack("=%dQ" % len(ICMP_FIELDS), raw(v["value"])[:8 * len(ICMP_FIELDS)])
            tot = [x + y for x, y in zip(tot, vals)]
        icmp[slot] = tot
    index = {}
    for e in dump(a.pin, "fou_tun_index"):
        k = raw(e["key"])
        index[(k[:16], k[16:32], struct.unpack("=H", k[32:34])[0], k[34])] = \
            struct.unpack("=I", raw(e["value"]))[0]

    h = hashlib.sha256()
    for slot in sorted(tunnels):
        name, fam, local, remote, dport = tunnels[slot]
        pb = paths.get(slot, bytes(72))
        h.update(pb)
        pmtu = struct.unpack("=H", pb[:2])[0]
        redirect_ns = struct.unpack("=Q", pb[48:56])[0]
        print(fmt % (name + ":slot", slot))
        print(fmt % (name + ":pmtu", pmtu))
        print(fmt % (name + ":pmtu_from", addr(pb[16:32], fam) if pmtu else "-"))
        print(fmt % (name + ":redirect", 1 if redirect_ns else 0))
        print(fmt % (name + ":redirect_gw", addr(pb[32:48], fam) if redirect_ns else "-"))
        print(fmt % (name + ":redirect_from", addr(pb[56:72], fam) if redirect_ns else "-"))
        for f, v in zip(ICMP_FIELDS, icmp.get(slot, [0] * len(ICMP_FIELDS))):
            print(fmt % (name + ":" + f, v))
        print(fmt % (name + ":indexed", 1 if index.get((local, remote, dport, fam)) == slot else 0))
    print(fmt % ("raw:path", h.hexdigest()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
