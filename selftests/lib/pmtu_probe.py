#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""A UDP sender that does path-MTU discovery the way applications do, for
fouloader's path-MTU tests: a connected socket with DF (IP_PMTUDISC_DO /
IPV6_PMTUDISC_DO) and IP_RECVERR / IPV6_RECVERR, so the ICMP errors about
its datagrams land in its error queue with the MTU they carry.

  pmtu_probe.py --src S --dst D --dport P --sizes 1472,1472,1472,1372
                [--interval 0.2]

Each size is an IP packet length (headers included). For each one it sends a
datagram that long, waits --interval, reads the error queue, and reads
IP_MTU / IPV6_MTU (the path MTU the kernel now has for D). Prints one JSON
document: {"steps": [{"size", "send" ("ok" | errno name), "errors": [
{"origin" (local|icmp|icmp6), "type", "code", "info", "offender"}],
"mtu"}]}.
"""
import argparse
import errno
import ipaddress
import json
import socket
import struct
import sys
import time

SOL_IP, SOL_IPV6 = 0, 41
IP_MTU_DISCOVER, IP_RECVERR, IP_MTU, IP_PMTUDISC_DO = 10, 11, 14, 2
IPV6_MTU_DISCOVER, IPV6_MTU, IPV6_RECVERR, IPV6_PMTUDISC_DO = 23, 24, 25, 2
ORIGINS = {0: "none", 1: "local", 2: "icmp", 3: "icmp6"}


def offender(data, fam):
    """The sockaddr after struct sock_extended_err: who sent the error."""
    sa = data[16:]
    try:
        if fam == socket.AF_INET and len(sa) >= 8:
            return socket.inet_ntop(socket.AF_INET, sa[4:8])
        if fam == socket.AF_INET6 and len(sa) >= 24:
            return socket.inet_ntop(socket.AF_INET6, sa[8:24])
    except (OSError, ValueError):
        pass
    return None


def drain_errors(s, fam):
    out = []
    while True:
        try:
            _, anc, _, _ = s.recvmsg(2048, 512, socket.MSG_ERRQUEUE | socket.MSG_DONTWAIT)
        except BlockingIOError:
            return out
        except OSError as e:
            out.append({"origin": "read", "errno": e.errno})
            return out
        for level, typ, data in anc:
            if (level, typ) not in ((SOL_IP, IP_RECVERR), (SOL_IPV6, IPV6_RECVERR)):
                continue
            ee_errno, origin, etype, code, _, info, _ = struct.unpack("=IBBBBII", data[:16])
            out.append({"errno": errno.errorcode.get(ee_errno, ee_errno),
                        "origin": ORIGINS.get(origin, origin), "type": etype, "code": code,
                        "info": info, "offender": offender(data, fam)})


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--src", required=True)
    p.add_argument("--dst", required=True)
    p.add_argument("--dport", type=int, required=True)
    p.add_argument("--sport", type=int, default=0)
    p.add_argument("--sizes", required=True, help="IP packet lengths, comma-separated")
    p.add_argument("--interval", type=float, default=0.2)
    a = p.parse_args()

    v4 = ipaddress.ip_address(a.dst).version == 4
    fam = socket.AF_INET if v4 else socket.AF_INET6
    s = socket.socket(fam, socket.SOCK_DGRAM)
    if v4:
        s.setsockopt(SOL_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO)
        s.setsockopt(SOL_IP, IP_RECVERR, 1)
    else:
        s.setsockopt(SOL_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DO)
        s.setsockopt(SOL_IPV6, IPV6_RECVERR, 1)
    s.bind((a.src, a.sport))
    s.connect((a.dst, a.dport))
    hdr = (20 if v4 else 40) + 8
    steps = []
    for size in (int(x) for x in a.sizes.split(",")):
        step = {"size": size}
        try:
            s.send(b"p" * (size - hdr))
            step["send"] = "ok"
        except OSError as e:
            step["send"] = errno.errorcode.get(e.errno, str(e.errno))
        time.sleep(a.interval)
        step["errors"] = drain_errors(s, fam)
        try:
            step["mtu"] = s.getsockopt(SOL_IP, IP_MTU) if v4 else s.getsockopt(SOL_IPV6, IPV6_MTU)
        except OSError as e:
            step["mtu"] = errno.errorcode.get(e.errno, str(e.errno))
        steps.append(step)
    print(json.dumps({"steps": steps}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
