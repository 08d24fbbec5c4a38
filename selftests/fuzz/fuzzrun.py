# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""The fuzz driver's line protocol (build/selftests/fuzz_run), without scapy:
shared by the model-based fuzzer (fuzz_packets.py) and the differential
check against the kernel (kdiff.py), which runs inside a guest where only
the standard library is cheap to import."""
import os
import re

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def port_line(fam, port, kind, ipproto, flags, ifindex=0, local=None, peers=(), gre_key=0):
    """fuzz_run's "port" command: peers is [(addr, peer_port or 0)]."""
    p = ",".join(a + ("/%d" % pp if pp else "") for a, pp in peers) or "-"
    return "port %d %d %d %d %d %d %s %s %d" % (fam, port, kind, ipproto, flags, ifindex, local or "-",
                                                p, gre_key)


def parse_result(line):
    """One "run" answer: {"err": ERRNO} or ret, out, stats, ports, state."""
    p = line.split()
    if p[0] == "err":
        return {"err": int(p[1])}
    stats = {} if p[3] == "-" else {k: int(v) for k, v in (x.split(":") for x in p[3].split(","))}
    # per-port deltas: "PORT/FAM:rx,bytes,drop" items, comma joined
    ports = {}
    if p[4] != "-":
        items = p[4].split(",")
        for i in range(0, len(items), 3):
            k, rx = items[i].split(":")
            ports[k] = (int(rx), int(items[i + 1]), int(items[i + 2]))
    return {"ret": int(p[1]), "out": b"" if p[2] == "-" else bytes.fromhex(p[2]),
            "stats": stats, "ports": ports, "state": p[5]}


def stat_names():
    """Counter names from include/fou_stats.h; events are the FOU_STATS_EVENT class."""
    text = open(os.path.join(ROOT, "include", "fou_stats.h")).read()
    names = re.findall(r'X\(\w+,\s*"(\w+)"', text)
    block = re.search(r'#define FOU_STATS_EVENT\(X\)(.*?)\n\n', text, re.S).group(1)
    return names, set(re.findall(r'X\(\w+,\s*"(\w+)"', block))
