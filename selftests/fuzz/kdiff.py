#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Differential check of fouloader's receive programs against the kernel's
own fou/gue receive path (issue 13, "Kernel behaviour").

    kdiff.py CASES_FILE [--build build] [--show N]

Run as root where the kernel has the fou, ipip, sit and ip6_tunnel modules
(the guest tier: selftests/vm/test_kdiff_6.12.t). CASES_FILE holds one frame
a line, "LABEL<TAB>HEX" (kdiff_gen.py writes it). Every frame goes

  (a) to the kernel: sent from namespace kdi-PID over a veth pair into
      namespace kdd-PID, where the kernel's fou/gue ports and an ipip, a sit
      and an ip6tnl device (remote any) take it; a packet socket sees what
      each tunnel device delivers (the inner packet, before its IP layer),
      and the IP layer's header counters say whether that refused it;
  (b) through fou_rx_xdp and fou_rx_tc (build/selftests/fuzz_run, with
      BPF_PROG_TEST_RUN on the same kernel), configured like (a).

Outcomes compared: decapsulated or not, and the exact inner packet. A
difference is either one of the documented ones (DOCUMENTED: each named and
quoted from README.md, the quote checked to be there) or a disagreement.
Prints "kdiff ..." summary lines and every disagreement; exits 1 on any
disagreement, 2 when the setup itself fails. Nothing leaves the two
namespaces, which are removed on exit.
"""
import argparse
import collections
import ctypes
import os
import select
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fuzzrun import ROOT, parse_result, port_line, stat_names  # noqa: E402

HOST = {4: "192.0.2.1", 6: "2001:db8::1"}        # the kernel's and fuzz_run's host
PEER = {4: "192.0.2.2", 6: "2001:db8::2"}        # peer of port 7000, source port 4000
PEER_B = {4: "203.0.113.7", 6: "2001:db8:7::7"}   # peer of port 7004, source port 6000
MAC_DEV = "02:00:00:00:00:01"                     # kdd's veth: frames are addressed to it
KIND_FOU, KIND_GUE = 1, 2
F_PEER_ANY, F_ZERO_CSUM6, F_LOCAL = 0x1, 0x2, 0x4

# The ports, the same on both sides: (port, kind, ipproto, fouloader flags,
# local?, (peer, peer_port) or None). 5555 keeps fouloader's default of no
# zero UDP checksum over IPv6 from 'peer any' (the kernel's fou takes it).
PORTS = [
    (5555, KIND_FOU, 4, F_PEER_ANY, False, None),
    (5556, KIND_FOU, 41, F_PEER_ANY | F_ZERO_CSUM6, False, None),
    (5557, KIND_FOU, 41, F_PEER_ANY, False, None),
    (6080, KIND_GUE, 0, F_PEER_ANY | F_ZERO_CSUM6, False, None),
    (7000, KIND_FOU, 4, 0, False, (PEER, 4000)),
    (7001, KIND_FOU, 4, F_PEER_ANY | F_ZERO_CSUM6 | F_LOCAL, True, None),
    (7004, KIND_GUE, 0, 0, False, (PEER_B, 6000)),
]

# Where fouloader deliberately differs from the kernel: name -> (fouloader's
# outcome counters, what the kernel did, a condition on the frame or None,
# the README text that says so). "decap": the kernel delivered the inner
# packet and its IP layer took it; "none": nothing came out of a tunnel
# device. A difference not in this table is a disagreement.
def outer_ip4_options(frame):
    return frame[12:14] == b"\x08\x00" and len(frame) > 14 and frame[14] & 0xf > 5


def gue_offset(frame):
    """Where a version 0 GUE header starts in an IPv4 or IPv6 (no extension
    headers) UDP frame, or None."""
    if frame[12:14] == b"\x08\x00" and len(frame) > 34:
        proto, l4 = frame[23], 14 + (frame[14] & 0xf) * 4
    elif frame[12:14] == b"\x86\xdd" and len(frame) > 54:
        proto, l4 = frame[20], 54
    else:
        return None
    g = l4 + 8
    if proto != 17 or len(frame) < g + 4 or frame[g] & 0xc0:
        return None
    return g


def gre_with_csum(frame):
    """GRE with the C flag inside GUE."""
    g = gue_offset(frame)
    if g is None or frame[g + 1] != 47:
        return False
    gre = g + 4 + (frame[g] & 0x1f) * 4
    return len(frame) > gre and bool(frame[gre] & 0x80)


FL_DECAP = {"rx_decap_fou", "rx_decap_gue"}
DOCUMENTED = {
    "peer-allowlist": ({"drop_peer", "drop_peer_port"}, "decap", None,
                       "Peer allowlist: the source address must be a configured peer"),
    "multicast-opt-in": ({"pass_multicast"}, "decap", None,
                         "Broadcast (255.255.255.255 and the subnets'\n   directed broadcasts) "
                         "and multicast (224.0.0.0/4, ff00::/8) only on a port\n   with `multicast`"),
    "ip6-exthdr-left-to-kernel": ({"pass_ip6_exthdr"}, "decap", None,
                                  "extension header (routing, fragment, ESP, AH, ...) are the "
                                  "kernel's: not\n   ours (`pass_ip6_exthdr`)"),
    "udp-length-exact": ({"drop_udp_len"}, "decap", None,
                         "the UDP length must\n   equal the IP payload length"),
    "zero-csum6-opt-in": ({"drop_zero_csum6"}, "decap", None,
                          "over IPv6\n   (RFC 6935/6936, what GSO packets of IPv6 tunnels carry) "
                          "from a named peer,\n   on a `peer any` port only with `zero-csum6`"),
    "inner-length-exact": ({"drop_inner_len"}, "decap", None,
                           "a length equal to\n   what the outer UDP length leaves for it"),
    "gue-remcsum-range": ({"drop_gue_remcsum_range"}, "decap", None,
                          "a start inside the inner IP header, a field before start or\n"
                          "  past the packet (`drop_gue_remcsum_range`)"),
    "gue-remcsum-odd": ({"drop_gue_remcsum_odd"}, "decap", None,
                        "(`drop_gue_remcsum_odd`, which the kernel would write into a packet that\n"
                        "  cannot verify)"),
    "gue-remcsum-zero-csum": ({"drop_gue_remcsum_csum"}, "decap", None,
                              "A\n  zero outer checksum, or a GSO skb, leaves nothing to deduce from\n"
                              "  (`drop_gue_remcsum_csum`: such a packet is never delivered as if\n"
                              "  checked)"),
    # Both deliver; compare() allows only the option's two bytes to differ.
    "gue-remcsum-completed": (set(), "decap", None,
                              "fouloader writes the completed checksum into the packet"),
    "gue-proto-unsupported": ({"drop_gue_proto"}, "decap", None,
                              "GUE carrying anything\nbut IPv4/IPv6/GRE (`drop_gue_proto`"),
    "gre-csum-either": (FL_DECAP, "none", gre_with_csum,
                        "A port takes GRE with or without a checksum and checks it where there is\n"
                        "  one"),
    "ip4-options-not-judged": (FL_DECAP, "none", outer_ip4_options,
                               "The options themselves are not judged"),
}

CLONE_NEWNET = 0x40000000
LIBC = ctypes.CDLL(None, use_errno=True)
ETH_P_ALL = 0x0003
MARKER_TYPE = 0x88b5               # IEEE local experimental EtherType: no handler
PACKET_OUTGOING = 4
TC_MAX = 3500                      # what skb test_run takes (fuzz_packets.py)
FRAME_MAX = 9000 + 14              # the veth pair's MTU


def remcsum_field(frame):
    """The inner offset of the checksum field a GUE remote checksum offload
    option names (the PRIV flag alone, private flag REMCSUM), or None."""
    g = gue_offset(frame)
    if g is None or len(frame) < g + 12 or frame[g + 2:g + 4] != b"\x00\x01":
        return None
    if not frame[g + 4] & 0x80:
        return None
    return struct.unpack_from("!H", frame, g + 10)[0]


def remcsum_completed(frame, inner, kin):
    """fouloader's inner packet is the kernel's but for the two bytes the
    option names: the kernel leaves them for CHECKSUM_PARTIAL, fouloader
    fills them."""
    at = remcsum_field(frame)
    if at is None or len(inner) != len(kin) or at + 2 > len(inner):
        return False
    return inner[:at] == kin[:at] and inner[at + 2:] == kin[at + 2:]


def readme_check():
    """Every documented difference quotes README.md: the quote must be there."""
    text = " ".join(open(os.path.join(ROOT, "README.md")).read().split())
    missing = [n for n, (_, _, _, q) in DOCUMENTED.items() if " ".join(q.split()) not in text]
    return missing


# ---- the kernel's side ------------------------------------------------------
class Kernel:
    def __init__(self):
        self.inj, self.dut = "kdi-%d" % os.getpid(), "kdd-%d" % os.getpid()
        # in kdd; gre0 and ip6gre0 are ip_gre's and ip6_gre's fallback
        # devices: GRE in GUE from anyone, with any key or none
        self.tunnels = ("kdipip", "kdsit", "kdip6", "gre0", "ip6gre0")
        self.verbose = False

    def sh(self, *cmds):
        for c in cmds:
            r = subprocess.run(c, shell=True, capture_output=True, text=True)
            if r.returncode:
                print("kdiff: setup failed: %s: %s" % (c, (r.stderr or r.stdout).strip()))
                sys.exit(2)

    def setup(self):
        d = "ip -n %s " % self.dut
        self.sh("modprobe -a fou ipip sit ip6_tunnel ip_gre ip6_gre",
                "ip netns add %s" % self.inj, "ip netns add %s" % self.dut,
                "ip -n %s link add kdv0 mtu 9000 type veth peer name kdv1 netns %s mtu 9000" % (self.inj, self.dut),
                "ip netns exec %s sysctl -qw net.ipv6.conf.all.disable_ipv6=1" % self.inj,
                d + "link set kdv1 address " + MAC_DEV,
                "ip netns exec %s sh -c 'sysctl -qw net.ipv4.conf.all.rp_filter=0 "
                "net.ipv4.conf.default.rp_filter=0 net.ipv6.conf.all.accept_dad=0 "
                "net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.router_solicitations=0 "
                "net.ipv6.conf.default.router_solicitations=0 net.ipv4.icmp_ratelimit=0'" % self.dut,
                d + "link set lo up",
                d + "addr add %s/24 dev kdv1" % HOST[4], d + "addr add %s/64 dev kdv1 nodad" % HOST[6],
                "ip -n %s link set kdv0 up" % self.inj, d + "link set kdv1 up",
                # the other sources on the link too (a fou port's peer needs a route)
                d + "route add 203.0.113.0/24 dev kdv1", d + "route add 2001:db8:7::/64 dev kdv1")
        for port, kind, ipproto, _flags, local, peer in PORTS:
            for fam in (4, 6):
                args = "port %d %s" % (port, "gue" if kind == KIND_GUE else "ipproto %d" % ipproto)
                if local:
                    args += " local " + HOST[fam]
                if peer:
                    args += " local %s peer %s peer_port %d" % (HOST[fam], peer[0][fam], peer[1])
                self.sh(d + "fou add " + args + ("" if fam == 4 else " -6"))
        self.sh(d + "link add kdipip type ipip local %s remote any" % HOST[4],
                d + "link add kdsit type sit local %s remote any" % HOST[4],
                d + "link add kdip6 type ip6tnl mode any local %s remote any" % HOST[6])
        for dev in self.tunnels:
            self.sh(d + "link set %s up" % dev)
        self.tx = self.in_ns(self.inj, lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0))
        self.tx.bind(("kdv0", 0))
        self.rx = self.in_ns(self.dut, lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                                                            socket.htons(ETH_P_ALL)))
        self.rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)

    def teardown(self):
        for ns in (self.inj, self.dut):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)

    @staticmethod
    def setns(fd):
        if LIBC.setns(fd, CLONE_NEWNET):
            raise OSError(ctypes.get_errno(), "setns")

    def in_ns(self, ns, fn):
        """fn() run with this thread in namespace ns (sockets stay there)."""
        back = os.open("/proc/self/ns/net", os.O_RDONLY)
        fd = os.open("/run/netns/" + ns, os.O_RDONLY)
        try:
            self.setns(fd)
            return fn()
        finally:
            self.setns(back)
            os.close(fd)
            os.close(back)

    def ip_refusals(self):
        """kdd's IP-layer header refusals so far (IPv4 and IPv6): what
        ip_rcv/ipv6_rcv count when a header is bad or cut."""
        def read():
            n = {}
            for path in ("/proc/net/snmp", "/proc/net/netstat"):
                lines = open(path).read().splitlines()
                for head, vals in zip(lines[::2], lines[1::2]):
                    for k, v in zip(head.split()[1:], vals.split()[1:]):
                        if head.startswith(("Ip:", "IpExt:")) and k in ("InHdrErrors", "InTruncatedPkts"):
                            n[k] = int(v)
            for line in open("/proc/net/snmp6"):
                k, v = line.split()
                if k in ("Ip6InHdrErrors", "Ip6InTruncatedPkts"):
                    n[k] = int(v)
            return n
        return self.in_ns(self.dut, read)

    def run(self, i, frame, timeout=5.0):
        """Send frame i and a marker behind it; what the tunnel devices
        delivered until the marker came: ("lost",) when the frame itself
        never showed on kdv1, ("none",) or ("decap", inner bytes, whether
        the IP layer then took it)."""
        before = self.ip_refusals()
        marker = bytes.fromhex(MAC_DEV.replace(":", "")) + b"\x02\0\0\0\0\xee" + \
            struct.pack("!HI", MARKER_TYPE, i) + bytes(40)
        self.tx.send(frame)
        self.tx.send(marker)
        seen, got = False, []
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0 or not select.select([self.rx], [], [], left)[0]:
                return ("lost",)
            data, addr = self.rx.recvfrom(65536)
            if addr[2] == PACKET_OUTGOING:
                continue
            if self.verbose:
                print("kdiff   frame %d: %s pkttype %d %s" % (i, addr[0], addr[2], data.hex()))
            if addr[0] == "kdv1":
                if data == marker:
                    break
                # the frame (fou_recv_pull shortens the outer IP length in
                # place, in data this socket shares: compared by length)
                seen = seen or len(data) == len(frame)
            elif addr[0] in self.tunnels:
                got.append(data)
        if not seen:
            return ("lost",)
        if not got:
            return ("none",)
        if len(got) > 1:
            return ("many", got)
        after = self.ip_refusals()
        if self.verbose and after != before:
            print("kdiff   frame %d: %s" % (i, {k: after[k] - before[k] for k in after if after[k] != before[k]}))
        return ("decap", got[0], after == before)


# ---- fouloader's side ----------------------------------------------------------
def fouloader_config():
    lines = []
    for port, kind, ipproto, flags, local, peer in PORTS:
        for fam in (4, 6):
            lines.append(port_line(fam, port, kind, ipproto, flags, 0, HOST[fam] if local else None,
                                   [(peer[0][fam], peer[1])] if peer else ()))
    # this host's addresses, as fouloader keeps them (fou_local_addrs)
    lines += ["local 4 %s 1" % HOST[4], "local 4 127.0.0.1 1", "local 6 %s 1" % HOST[6],
              "local 6 ::1 1", "local 4 192.0.2.255 2"]
    return lines


def fouloader_run(build, frames):
    """{(index, hook): result} for every frame through fou_rx_xdp and
    (up to what skb test_run takes) fou_rx_tc."""
    binary = os.path.join(ROOT, build, "selftests", "fuzz_run")
    jobs = [(i, h) for i, f in enumerate(frames) for h in (("xdp", "tc") if len(f) <= TC_MAX else ("xdp",))]
    script = "\n".join(fouloader_config() + ["run %s %s" % (h, frames[i].hex()) for i, h in jobs]) + "\n"
    r = subprocess.run([binary, "rx"], input=script, capture_output=True, text=True)
    out = r.stdout.splitlines()
    if r.returncode or len(out) != len(jobs):
        print("kdiff: fuzz_run exited %d, answered %d of %d runs: %s" % (
            r.returncode, len(out), len(jobs), r.stderr.strip()))
        sys.exit(2)
    return {job: parse_result(line) for job, line in zip(jobs, out)}


# ---- the comparison -------------------------------------------------------------
ALL_STATS, EVENTS = stat_names()


def fouloader_outcome(res):
    """(outcome counter, inner packet or None)."""
    outcomes = [k for k in res["stats"] if k not in EVENTS]
    outcome = outcomes[0] if len(outcomes) == 1 else "?" + ",".join(sorted(outcomes))
    inner = res["out"][14:] if outcome.startswith("rx_") else None
    return outcome, inner


def compare(frame, k, res):
    """'agree', ('documented', NAME) or ('disagree', WHY). The kernel's
    inner packet that its IP layer refuses counts as not delivered, but
    fouloader's output must then be that very packet or nothing: it goes
    to the same IP layer."""
    if "err" in res:
        return "refused"
    outcome, inner = fouloader_outcome(res)
    if outcome.startswith("?"):
        return ("disagree", "fouloader counted %s" % outcome[1:])
    if k[0] == "many":
        return ("disagree", "the kernel delivered %d packets" % len(k[1]))
    kin = k[1] if k[0] == "decap" else None
    if inner is not None and kin is not None:
        if inner == kin:
            return "agree"
        if remcsum_completed(frame, inner, kin):
            return ("documented", "gue-remcsum-completed")
        return ("disagree", "inner packets differ")
    kaction = "decap" if kin is not None and k[2] else "none"
    if (inner is None) == (kaction == "none"):
        return "agree"
    for name, (outcomes, kwant, cond, _quote) in DOCUMENTED.items():
        if outcome in outcomes and kaction == kwant and (cond is None or cond(frame)):
            return ("documented", name)
    if inner is not None:
        return ("disagree", "fouloader decapsulated (%s), the kernel did not" % outcome)
    return ("disagree", "the kernel decapsulated, fouloader: %s" % outcome)


def report_hook(hook, frames, labels, kres, fl, show):
    """One program's comparison with the kernel, printed; its disagreements."""
    n, agree, refused = 0, 0, 0
    doc, dis, outcomes = collections.Counter(), [], collections.Counter()
    for i, k in enumerate(kres):
        res = fl.get((i, hook))
        if res is None or k[0] == "lost":
            continue
        c = compare(frames[i], k, res)
        if c == "refused":
            refused += 1
            continue
        n += 1
        outcomes[fouloader_outcome(res)[0]] += 1
        if c == "agree":
            agree += 1
        elif c[0] == "documented":
            doc[c[1]] += 1
        else:
            dis.append((i, c[1], res, k))
    print("kdiff %s cases %d agree %d documented %d disagree %d refused_by_test_run %d" % (
        hook, n, agree, sum(doc.values()), len(dis), refused))
    print("kdiff %s outcomes %s" % (hook, " ".join("%s=%d" % kv for kv in sorted(outcomes.items()))))
    for name in DOCUMENTED:
        print("kdiff %s documented %s %d" % (hook, name, doc[name]))
    for i, why, res, k in dis[:show]:
        outcome, inner = fouloader_outcome(res)
        print("kdiff DISAGREE %s %s: %s\n  frame %s\n  fouloader %s %s\n  kernel %s %s" % (
            hook, labels[i], why, frames[i].hex(), outcome, inner.hex() if inner else "-",
            k[0], k[1].hex() if k[0] == "decap" else ""))
    return len(dis)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("cases")
    ap.add_argument("--build", default="build")
    ap.add_argument("--show", type=int, default=10, help="disagreements shown")
    ap.add_argument("--verbose", action="store_true", help="every packet the kernel side sees")
    args = ap.parse_args()
    missing = readme_check()
    if missing:
        print("kdiff: documented differences whose quote is not in README.md: %s" % ", ".join(missing))
        return 2
    labels, frames = [], []
    for line in open(args.cases):
        label, hexs = line.rstrip("\n").split("\t")
        labels.append(label)
        frames.append(bytes.fromhex(hexs))
    t0 = time.monotonic()
    fl = fouloader_run(args.build, frames)
    t1 = time.monotonic()
    kern = Kernel()
    try:
        kern.setup()
        kern.verbose = args.verbose
        kres = [kern.run(i, f) for i, f in enumerate(frames)]
    finally:
        kern.teardown()
    t2 = time.monotonic()
    lost = [i for i, k in enumerate(kres) if k[0] == "lost"]
    print("kdiff frames %d fouloader_s %.1f kernel_s %.1f lost %d" % (len(frames), t1 - t0, t2 - t1, len(lost)))
    for i in lost[:args.show]:
        print("kdiff lost %s %s" % (labels[i], frames[i].hex()))
    kout = collections.Counter(k[0] if k[0] != "decap" else "decap" if k[2] else "decap-ip-refused"
                               for k in kres)
    print("kdiff kernel %s" % " ".join("%s=%d" % kv for kv in sorted(kout.items())))
    bad = sum(report_hook(hook, frames, labels, kres, fl, args.show) for hook in ("xdp", "tc"))
    return 1 if bad or lost else 0


if __name__ == "__main__":
    sys.exit(main())
