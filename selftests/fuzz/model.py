# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Reference model of the receive programs fou_rx_xdp and fou_rx_tc.

Written from README.md ("What the receive programs do", the SCTP and ICMP
sections), the counter meanings in include/fou_stats.h, RFC 768/8200 (UDP
checksum, 4.2 IPv6 options), RFC 2473 (encapsulation limit), RFC 6040 (ECN),
draft-ietf-intarea-gue, RFC 2784/2890 (GRE) and RFC 6951, never from the BPF code, except where
the documents are silent (each such place says so). Given the port configuration and a frame, it says what a
correct program does: verdict, output bytes, the one outcome counter, the
port's counters, and whether map state may change.

Where issue 13 fixes a defect (DEFECTS below), the model states the FIXED
behaviour. Each fix can be switched off (legacy=...) so that the fuzzer can
tell "the known, still unfixed defect" from a new one.
"""
import struct
from dataclasses import dataclass, field

from scapy.layers.sctp import crc32c as sctp_crc32c

from fuzzrun import port_line

# ---- what issue 13 changes, in one table ---------------------------------
# The counters and the port word of the fixed behaviour, as branch adv-bpf
# names them (include/fou_stats.h, include/fou_maps.h there).
FIXED = {
    "drop_ip4_hdr_csum": "drop_ip4_hdr_csum",   # defect 3: bad outer IPv4 header checksum
    "pass_not_local": "pass_not_local",         # defect 4: transit, not this host's unicast address
    "pass_multicast": "pass_multicast",         # defect 4: broadcast/multicast, port without 'multicast'
}
F_MULTICAST = 0x10                              # port word 'multicast' (FOU_PORT_F_MULTICAST)
F_NOREMCSUM = 0x20                              # port word 'noremcsum' (FOU_PORT_F_NOREMCSUM)

# Known defects by name: the model can behave as the unfixed code does
# (legacy=...), so that the fuzzer tells "that known defect" from a new one.
# The unfixed behaviour of defect 1 is either answer, so it has two variants
# ("/good": a bad checksum accepted, "/bad": a good one dropped).
DEFECTS = {
    "udp-csum-16k/good": ("drop_udp_csum",
                          "defect 1: UDP checksum past 16 KiB unverified: corrupted datagram accepted"),
    "udp-csum-16k/bad": ("drop_udp_csum",
                         "defect 1: UDP checksum past 16 KiB misread: valid datagram dropped"),
    "ip4-hdr-csum": (FIXED["drop_ip4_hdr_csum"],
                     "defect 3: outer IPv4 header checksum not validated"),
    "not-for-host": (FIXED["pass_not_local"],
                     "defect 4: packets not addressed to this host (transit, broadcast, multicast) decapsulated"),
    # found by this fuzzer (not in issue 13)
    "icmp-nonerror-short": ("pass_not_udp",
                            "new: ICMP not an error or its outer header incomplete, IP length past the frame, counted pass_icmp_short"),
    "tx-mtu-padding": ("tx_drop_mtu",
                       "new: TC egress compares the frame, Ethernet padding included, with the tunnel MTU"),
    "tx-csum-past-ip-len": ("tx_encap_fou",
                            "new: TC egress derives the outer UDP checksum from an inner L4 checksum past the inner IP length"),
    "tx-sctp6-unreadable": ("tx_drop_sctp_malformed",
                            "new: IPv6 SCTP for an over-UDP peer, payload length past the frame, passed as tx_pass_no_route"),
    "gue-pflags-order": ("drop_gue_priv_flags",
                         "new: unknown GUE private flags beside REMCSUM counted drop_gue_remcsum"),
}

# ---- the fuzzer's world: this host and its ports --------------------------
HOST = {4: "192.0.2.1", 6: "2001:db8::1"}          # fuzz_run's namespace
HOST_EXTRA = {4: ["127.0.0.1"], 6: ["::1"]}
PEER = {4: "192.0.2.2", 6: "2001:db8::2"}          # peer with peer_port 4000
PEER_B = {4: "203.0.113.7", 6: "2001:db8:7::7"}     # peer, any source port
OTHER = {4: "203.0.113.99", 6: "2001:db8:7::99"}    # not a peer anywhere
TRANSIT = {4: "198.51.100.1", 6: "2001:db8:100::1"}
BCAST = {4: ["255.255.255.255", "192.0.2.255"], 6: []}
MCAST = {4: ["224.0.0.5", "239.1.2.3"], 6: ["ff02::1", "ff05::2"]}

KIND_FOU, KIND_GUE = 1, 2
F_PEER_ANY, F_ZERO_CSUM6, F_LOCAL = 0x1, 0x2, 0x4
F_GRE_KEY = 0x40                                 # port word 'key K' (FOU_PORT_F_GRE_KEY)
IPPROTO_GRE = 47
GRE_KEY = 0xa1b2c3d4                             # the keyed GRE port's key
SCTP_ENCAP_PORT = 9899


@dataclass
class Port:
    port: int
    fam: int
    kind: int
    ipproto: int
    flags: int
    ifindex: int = 0
    local: str = None
    peers: list = field(default_factory=list)   # [(addr, peer_port or 0)]
    gre_key: int = 0                            # with F_GRE_KEY

    def line(self):
        return port_line(self.fam, self.port, self.kind, self.ipproto, self.flags, self.ifindex,
                         self.local, self.peers, self.gre_key)


def local_lines():
    """This host's addresses as fouloader keeps them (fou_local_addrs):
    unicast (1), and the subnet's directed broadcast (2)."""
    return (["local %d %s 1" % (fam, a) for fam in (4, 6) for a in [HOST[fam]] + HOST_EXTRA[fam]] +
            ["local 4 192.0.2.255 2"])


def default_ports():
    """The configuration every run uses: each port kind and binding once."""
    ports = []
    for fam in (4, 6):
        any_ = F_PEER_ANY
        ports += [
            Port(5555, fam, KIND_FOU, 4, any_),
            Port(5556, fam, KIND_FOU, 41, any_),
            Port(5557, fam, KIND_FOU, 41, any_ | F_ZERO_CSUM6),
            Port(6080, fam, KIND_GUE, 0, any_),
            Port(7000, fam, KIND_FOU, 4, 0, peers=[(PEER[fam], 4000), (PEER_B[fam], 0)]),
            Port(7001, fam, KIND_FOU, 4, any_ | F_LOCAL, local=HOST[fam]),
            Port(7002, fam, KIND_FOU, 4, any_, ifindex=1),      # lo: test_run's device
            Port(7003, fam, KIND_FOU, 4, any_, ifindex=9999),
            Port(7004, fam, KIND_GUE, 0, 0, peers=[(PEER_B[fam], 6000)]),
            Port(7005, fam, KIND_FOU, 4, any_ | F_MULTICAST),
            Port(7006, fam, KIND_GUE, 0, any_ | F_NOREMCSUM),
            Port(5560, fam, KIND_FOU, IPPROTO_GRE, any_),
            Port(5561, fam, KIND_FOU, IPPROTO_GRE, any_ | F_GRE_KEY, gre_key=GRE_KEY),
            Port(6081, fam, KIND_GUE, 0, any_ | F_GRE_KEY, gre_key=GRE_KEY),
        ]
    ports.append(Port(5558, 4, KIND_FOU, 4, F_PEER_ANY))
    return ports


# ---- byte helpers -----------------------------------------------------------
def csum16(data, init=0):
    """Internet checksum (RFC 1071) of data, folded, not complemented."""
    if len(data) % 2:
        data = data + b"\0"
    s = init + sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def addr_bytes(fam, a):
    import socket
    return socket.inet_pton(socket.AF_INET if fam == 4 else socket.AF_INET6, a)


def addr_str(fam, b):
    import socket
    return socket.inet_ntop(socket.AF_INET if fam == 4 else socket.AF_INET6, bytes(b))


def udp_csum_ok(fam, src, dst, udp):
    """UDP checksum over the pseudo-header and the whole datagram is right."""
    pseudo = src + dst + (struct.pack("!BBH", 0, 17, len(udp)) if fam == 4
                          else struct.pack("!IxxxB", len(udp), 17))
    return csum16(pseudo + udp) == 0xffff


def is_host(fam, a):
    return a == HOST[fam] or a in HOST_EXTRA[fam]


def is_multicast(fam, a):
    b = addr_bytes(fam, a)
    return (b[0] & 0xf0) == 0xe0 if fam == 4 else b[0] == 0xff


def martian_source(fam, a):
    """README step 4: sources 'peer any' does not take, as the kernel
    decapsulates from none of them (its martians, what ip6tnl refuses as a
    remote, this host's own addresses)."""
    import ipaddress
    ip = ipaddress.ip_address(a)
    if fam == 4:
        return (a in ("0.0.0.0", "255.255.255.255") or ip.is_loopback or ip.is_multicast
                or is_host(fam, a))
    return (ip.is_unspecified or ip.is_loopback or ip.is_multicast or ip.is_link_local
            or ip.ipv4_mapped is not None or is_host(fam, a))


def is_broadcast(fam, a):
    return fam == 4 and a in BCAST[4]


# ---- outer IPv6 options (README "What the receive programs do" step 3) --------
IP6_EXTHDRS = (0, 43, 44, 60, 51, 50, 135, 139, 140)   # RFC 8200 4, IANA ipv6-parameters
IP6_OPTS_HDRS = (0, 60)             # Hop-by-Hop, Destination Options
IP6_OPTS_MAX_HDRS, IP6_OPTS_MAX_LEN = 2, 48
IP6_OPTS_MAX_COUNT = 8              # options other than padding, per header
IPPROTO_SCTP = 132


def ip6_opts_chain(f, off, nh):
    """Walk up to two Hop-by-Hop / Destination Options headers at off.
    Returns (their length, the next header after them, the outcome their
    options call for or None); raises the pass outcome when the packet is
    not ours to parse (cut short, chain over 48 bytes)."""
    ext, opts = 0, None
    for i in range(IP6_OPTS_MAX_HDRS):
        if nh not in IP6_OPTS_HDRS:
            break
        if nh == 0 and i:               # RFC 8200 4.1: Hop-by-Hop only first
            opts = opts or "drop_ip6_opt_malformed"
        h = off + ext
        if len(f) < h + 2:
            _pass("pass_short")
        hlen = (f[h + 1] + 1) * 8
        if ext + hlen > IP6_OPTS_MAX_LEN:
            _pass("pass_ip6_exthdr")
        if len(f) < h + hlen:
            _pass("pass_short")
        opts = opts or ip6_opts_judge(f[h + 2:h + hlen])
        nh, ext = f[h], ext + hlen
    return ext, nh, opts


def ip6_opts_judge(b):
    """The TLV-encoded options of one header (RFC 8200 4.2), judged as a
    host that delivers the packet locally judges them (README step 3):
    None when they all pass, else the outcome."""
    i = pad = count = 0
    while i < len(b):
        t = b[i]
        if t == 0:                              # Pad1
            pad += 1
            if pad > 7:
                return "drop_ip6_opt_malformed"
            i += 1
            continue
        if i + 2 > len(b) or i + 2 + b[i + 1] > len(b):
            return "drop_ip6_opt_malformed"     # the option runs past its header
        n = b[i + 1]
        data = b[i + 2:i + 2 + n]
        i += 2 + n
        if t == 1:                              # PadN: zeros, with Pad1 at most 7 in a row
            pad += 2 + n
            if pad > 7 or any(data):
                return "drop_ip6_opt_malformed"
            continue
        pad, count = 0, count + 1
        if count > IP6_OPTS_MAX_COUNT:
            return "drop_ip6_opt_malformed"
        if t == 0x04:                           # tunnel encapsulation limit (RFC 2473): any value
            continue
        if t == 0x05:                           # Router Alert (RFC 2711): 2 bytes of data
            if n != 2:
                return "drop_ip6_opt_malformed"
            continue
        if t in (0x07, 0xc2, 0xc9):             # CALIPSO, Jumbo Payload, Home Address
            return "pass_ip6_exthdr"
        if t >> 6:                              # unknown, action 01/10/11: discard
            return "drop_ip6_opt_discard"
    return None


def zero_csum6_ok(port):
    """README step 6: a zero UDP checksum over IPv6 from a named peer, on a
    'peer any' port only with zero-csum6, on an SCTP port never."""
    if port.kind == KIND_FOU and port.ipproto == IPPROTO_SCTP:
        return False
    return bool(port.flags & F_ZERO_CSUM6) or not port.flags & F_PEER_ANY


# ---- the verdict --------------------------------------------------------------
@dataclass
class Expect:
    outcome: str                 # the one outcome counter
    action: str                  # "pass" (untouched), "drop", "decap"
    out: bytes = None            # decap: exact output
    port: tuple = None           # (port, fam) whose counters move
    inner_len: int = 0
    state_may_change: bool = False


def verdict(hook, action):
    if hook == "xdp":
        return 1 if action == "drop" else 2   # XDP_DROP / XDP_PASS
    return 2 if action == "drop" else 0       # TC_ACT_SHOT / TC_ACT_OK


class RxModel:
    def __init__(self, ports, legacy=()):
        self.ports = {(p.port, p.fam): p for p in ports}
        self.legacy = set(legacy)   # defects modelled as the unfixed code behaves

    def run(self, hook, frame):
        try:
            return self._run(hook, frame)
        except _Outcome as o:
            return o.e

    # Parsing raises _Outcome the moment the packet's fate is decided.
    def _run(self, hook, f):
        if len(f) < 14:
            _pass("pass_short")
        eth_len, etype = 14, struct.unpack_from("!H", f, 12)[0]
        if hook == "xdp" and etype in (0x8100, 0x88a8):
            if len(f) < 18:
                _pass("pass_short")
            eth_len, etype = 18, struct.unpack_from("!H", f, 16)[0]
        if etype == 0x0800:
            return self._ip4(hook, f, eth_len)
        if etype == 0x86dd:
            return self._ip6(hook, f, eth_len)
        _pass("pass_not_ip")

    def _ip4(self, hook, f, l3):
        if len(f) < l3 + 20:
            _pass("pass_short")
        vihl, tos, tot, _id, frag, _ttl, proto = struct.unpack_from("!BBHHHBB", f, l3)
        ihl = (vihl & 0xf) * 4
        if vihl >> 4 != 4 or ihl < 20:
            _pass("pass_not_ip")
        # An IPv4 header whose options the frame cuts: the documents do not
        # order pass_short against the protocol and fragment checks; as
        # parse_ipv4 does, the protocol decides first (TCP: pass_not_udp; a
        # fragment: pass_fragment; native SCTP: judged by its lengths; UDP:
        # pass_short in _l4, its header not within the frame).
        if len(f) < l3 + ihl and proto == 1:
            _pass("pass_icmp_short" if "icmp-nonerror-short" in self.legacy else "pass_short")
        src, dst = f[l3 + 12:l3 + 16], f[l3 + 16:l3 + 20]
        hdr_ok = csum16(f[l3:l3 + ihl]) == 0xffff
        return self._l4(hook, f, l3, 4, ihl, proto, tot, src, dst, tos & 3, hdr_ok, frag & 0x3fff)

    def _ip6(self, hook, f, l3):
        if len(f) < l3 + 40:
            _pass("pass_short")
        vtf, plen, nh = struct.unpack_from("!IHB", f, l3)
        if vtf >> 28 != 6:
            _pass("pass_not_ip")
        ext, nh, opts = ip6_opts_chain(f, l3 + 40, nh)
        if nh in IP6_EXTHDRS:
            _pass("pass_ip6_exthdr")
        if opts and nh in (58, 132):
            # Native SCTP or ICMPv6 whose options the kernel acts on: the
            # kernel's. The documents are silent on native SCTP/ICMPv6 after
            # options; this follows fou_rx_classify (bpf/lib/decap.h).
            _pass("pass_ip6_exthdr")
        src, dst = f[l3 + 8:l3 + 24], f[l3 + 24:l3 + 40]
        return self._l4(hook, f, l3, 6, 40 + ext, nh, plen + 40, src, dst, (vtf >> 20) & 3, True,
                        False, opts)

    def _l4(self, hook, f, l3, fam, ihl, proto, tot, src, dst, oecn, hdr_ok, fragment, opts=None):
        """ihl: the IP header and, over IPv6, the options headers before
        L4; opts: what those options call for (ip6_opts_chain)."""
        l4 = l3 + ihl
        icmp = (fam, proto) in ((4, 1), (6, 58))
        if proto not in (17, 132) and not icmp:
            _pass("pass_not_udp")
        if fragment:
            _pass("pass_fragment")
        if icmp:
            self._icmp(f, fam, l4, l3 + tot)
        if proto == 132:
            self._sctp(f, l4, l3 + tot, native=True)
        if len(f) < l4 + 8:
            _pass("pass_short")
        sport, dport, ulen, ucsum = struct.unpack_from("!HHHH", f, l4)
        port = self.ports.get((dport, fam))
        # SCTP over UDP passing through: checked whatever IPv6 options
        # precede it (the documents are silent; as fou_rx_classify does).
        if port is None and SCTP_ENCAP_PORT in (sport, dport):
            if ulen != tot - (l4 - l3):
                _pass("pass_not_sctp")
            self._sctp(f, l4 + 8, l3 + tot, native=False)
        if port is None:
            _pass("pass_no_port")
        key = (dport, fam)
        if port.ifindex and port.ifindex != 1:
            _pass("pass_other_dev")
        dst_s, src_s = addr_str(fam, dst), addr_str(fam, src)
        if port.flags & F_LOCAL and dst_s != port.local:
            _pass("pass_other_local")
        if "not-for-host" not in self.legacy:
            if is_broadcast(fam, dst_s) or is_multicast(fam, dst_s):
                if not port.flags & F_MULTICAST:
                    _pass(FIXED["pass_multicast"])
            elif not is_host(fam, dst_s):
                _pass(FIXED["pass_not_local"])
        if fam == 4 and not hdr_ok and "ip4-hdr-csum" not in self.legacy:
            _drop(FIXED["drop_ip4_hdr_csum"], key)
        if opts:
            # README step 3: judged once the port, device and destination
            # say the packet is ours, before the peer allowlist (step 4).
            if opts.startswith("pass_"):
                _pass(opts)
            _drop(opts, key)
        if port.flags & F_PEER_ANY and martian_source(fam, src_s):
            _drop("drop_peer", key)
        if not port.flags & F_PEER_ANY:
            pp = [p for a, p in port.peers if a == src_s]
            if not pp:
                _drop("drop_peer", key)
            if pp[0] and pp[0] != sport:
                _drop("drop_peer_port", key)
        end = l3 + tot
        if len(f) < end:
            _drop("drop_truncated", key)
        if ulen != tot - (l4 - l3):
            _drop("drop_udp_len", key)
        udp = f[l4:end]
        wrapped = l4 + (ulen & ~31) >= 16384
        if ucsum == 0:
            if fam == 6 and not zero_csum6_ok(port):
                _drop("drop_zero_csum6", key)
        elif wrapped and "udp-csum-16k/bad" in self.legacy:
            _drop("drop_udp_csum", key)
        elif wrapped and "udp-csum-16k/good" in self.legacy:
            pass
        elif not udp_csum_ok(fam, src, dst, udp):
            _drop("drop_udp_csum", key)
        pay = l4 + 8
        if port.kind == KIND_FOU and port.ipproto == IPPROTO_SCTP:
            if ihl != (20 if fam == 4 else 40) and fam == 6:
                _pass("pass_ip6_exthdr")    # README step 3: not rewritten through a chain
            raise NotImplementedError("SCTP over UDP ports are not modelled")
        if port.kind == KIND_FOU:
            inner_fam = {4: 4, 41: 6, IPPROTO_GRE: IPPROTO_GRE}[port.ipproto]
            stat = "rx_decap_fou"
            rc = None
        else:
            pay, inner_fam, rc = self._gue(f, pay, end, key)
            stat = "rx_decap_gue"
        gre = inner_fam == IPPROTO_GRE
        if gre:
            pay, inner_fam = self._gre(f, pay, end, key, port)
        e = self._inner(f, l3, pay, end, inner_fam, oecn, key, stat)
        if rc:
            e = remcsum(e, f, fam, src, dst, l3, l4, pay, inner_fam, port, ucsum, rc, key, gre)
        return e

    def _gre(self, f, off, end, key, port):
        """RFC 2784/2890 as the kernel's gre_parse_header reads them (README
        "GRE in FOU and GUE"): version 0, no routing bit, other reserved
        bits ignored; C checked over GRE header and payload; K compared with
        the port's key where it has one; S read past; IPv4/IPv6 inside."""
        if off > 0xff:
            _drop("drop_inner_trunc", key)   # silent in the documents: the parse bound
        if end - off < 4:
            _drop("drop_gre_trunc", key)
        flags, proto = struct.unpack_from("!HH", f, off)
        if flags & 0x0007:
            _drop("drop_gre_version", key)
        if flags & 0x4000:
            _drop("drop_gre_routing", key)
        hlen = 4 + 4 * sum(1 for b in (0x8000, 0x2000, 0x1000) if flags & b)
        if end - off < hlen:
            _drop("drop_gre_trunc", key)
        if flags & 0x8000 and csum16(f[off:end]) != 0xffff:
            _drop("drop_gre_csum", key)
        if port.flags & F_GRE_KEY:
            if not flags & 0x2000:
                _drop("drop_gre_key", key)
            if struct.unpack_from("!I", f, off + (8 if flags & 0x8000 else 4))[0] != port.gre_key:
                _drop("drop_gre_key", key)
        if proto == 0x6558:
            _drop("drop_gre_teb", key)
        if proto not in (0x0800, 0x86DD):
            _drop("drop_gre_proto", key)
        return off + hlen, 4 if proto == 0x0800 else 6

    def _icmp(self, f, fam, l4, end):
        """ICMP errors (v4 Destination Unreachable, Redirect, Time Exceeded;
        v6 Destination Unreachable, Packet Too Big, Time Exceeded) are matched
        to tunnels by their quote: outer IP and UDP. This configuration has
        no tunnels, so a full quote matches none."""
        errors = (3, 5, 11) if fam == 4 else (1, 2, 3)
        is_error = len(f) > l4 and f[l4] in errors
        short = len(f) < end or end < l4 + 8
        if short and (is_error or "icmp-nonerror-short" in self.legacy):
            _pass("pass_icmp_short")
        if not is_error:
            _pass("pass_not_udp")
        q = l4 + 8
        if end < q + 1:
            _pass("pass_icmp_short")
        qv = f[q] >> 4                      # the quote is read as its version says
        base = {4: 20, 6: 40}.get(qv, 20 if fam == 4 else 40)
        if end < q + base:                  # not even a fixed IP header
            _pass("pass_icmp_short")
        if qv not in (4, 6) or (qv == 4 and f[q] & 0xf < 5):
            _pass("pass_icmp_no_tunnel")    # no valid IP header: no tunnel's
        qlen = (f[q] & 0xf) * 4 if qv == 4 else 40
        if qv != fam:                       # quotes another family: no tunnel of ours
            _pass("pass_icmp_no_tunnel")
        if f[q + (9 if fam == 4 else 6)] != 17:
            _pass("pass_icmp_no_tunnel")    # quotes no UDP packet: no tunnel's
        if fam == 4 and struct.unpack_from("!H", f, q + 6)[0] & 0x1fff:
            _pass("pass_icmp_no_tunnel")    # a later fragment: it has no UDP header
        if end < q + qlen + 8:
            _pass("pass_icmp_short")
        _pass("pass_icmp_no_tunnel")

    def _sctp(self, f, off, end, native):
        """README "CRC32c on receive": the chunks walked, the CRC32c checked
        (device default: verify). Native SCTP is ours to judge; UDP on the
        encapsulation port is SCTP only by its port, so what is malformed
        there is not SCTP and passes."""
        def malformed(stat):
            if native:
                _drop(stat, None)
            _pass("pass_not_sctp")

        if len(f) < end:
            malformed("drop_truncated") if native else _pass("pass_not_sctp")
        if end - off < 12:
            malformed("drop_sctp_short")
        c = off + 12
        while c < end:
            if end - c < 4:
                malformed("drop_sctp_chunk_len")
            clen = struct.unpack_from("!H", f, c + 2)[0]
            if clen < 4:
                malformed("drop_sctp_chunk_zero")
            if c + clen > end:
                malformed("drop_sctp_chunk_len")
            c += (clen + 3) & ~3
        if end - off > 16384:
            _pass("pass_sctp_crc_ok")       # left to the endpoint (sctp_crc_unchecked)
        pkt = bytearray(f[off:end])
        # the CRC32c is stored little-endian (RFC 4960 appendix B); scapy's
        # crc32c() returns it byte-swapped, as a big-endian read of the field
        want = struct.unpack_from("!I", pkt, 8)[0]
        pkt[8:12] = b"\0\0\0\0"
        if sctp_crc32c(bytes(pkt)) != want:
            _drop("drop_sctp_crc", None)
        _pass("pass_sctp_crc_ok")

    def _gue(self, f, off, end, key):
        if end - off < 1:
            _drop("drop_gue_hlen", key)
        ver = f[off] >> 6
        if ver == 1:
            nib = f[off] >> 4
            if nib not in (4, 6):
                _drop("drop_inner_version", key)
            return off, nib, None
        if ver != 0:
            _drop("drop_gue_version", key)
        if end - off < 4:
            _drop("drop_gue_hlen", key)
        b0, proto, flags = struct.unpack_from("!BBH", f, off)
        if b0 & 0x20:
            _drop("drop_gue_control", key)
        hlen = (b0 & 0x1f) * 4
        rc = None
        if off + 4 + hlen > end:
            _drop("drop_gue_hlen", key)
        if flags & ~0x0001:
            _drop("drop_gue_flags", key)
        if flags & 0x0001:
            if hlen < 4:
                _drop("drop_gue_optlen", key)
            pflags = struct.unpack_from("!I", f, off + 4)[0]
            if pflags & 0x80000000 and "gue-pflags-order" in self.legacy:
                _drop("drop_gue_remcsum", key)
            if pflags & ~0x80000000:
                _drop("drop_gue_priv_flags", key)
            if pflags & 0x80000000:
                if hlen < 8:
                    _drop("drop_gue_optlen", key)
                rc = struct.unpack_from("!HH", f, off + 8)
        if proto not in (4, 41, IPPROTO_GRE):
            _drop("drop_gue_proto", key)
        return off + 4 + hlen, {4: 4, 41: 6}.get(proto, proto), rc

    def _inner(self, f, l3, pay, end, inner_fam, oecn, key, stat):
        inner = bytearray(f[pay:end])
        if len(inner) < (20 if inner_fam == 4 else 40):
            _drop("drop_inner_trunc", key)
        if inner[0] >> 4 != inner_fam:
            _drop("drop_inner_version", key)
        if inner_fam == 4:
            if (inner[0] & 0xf) < 5 or (inner[0] & 0xf) * 4 > len(inner):
                _drop("drop_inner_trunc", key)
            ilen = struct.unpack_from("!H", inner, 2)[0]
            iecn = inner[1] & 3
        else:
            ilen = struct.unpack_from("!H", inner, 4)[0] + 40
            iecn = (inner[1] >> 4) & 3
        if ilen != len(inner):
            _drop("drop_inner_len", key)
        if oecn == 3 and iecn == 0:
            _drop("drop_ecn", key)
        if oecn == 3 and iecn in (1, 2):
            set_ecn(inner, inner_fam, 3)
        if oecn == 1 and iecn == 2:         # RFC 6040 4.2: ECT(1) over ECT(0)
            set_ecn(inner, inner_fam, 1)
        eth_len = l3
        out = bytearray(f[:eth_len])
        out[eth_len - 2:eth_len] = b"\x08\x00" if inner_fam == 4 else b"\x86\xdd"
        return Expect(stat, "decap", bytes(out) + bytes(inner), key, len(inner))


def remcsum(e, f, fam, src, dst, l3, l4, pay, inner_fam, port, ucsum, rc, key, gre=False):
    """GUE remote checksum offload (draft-herbert-remotecsumoffload; README
    "GUE remote checksum offload"): once the inner packet is checked, the
    option's start/offset are judged, and the inner checksum field gets
    (outer pseudo-header + every UDP byte before start) folded, which is
    what makes the segment from start on verify when the outer checksum
    does (the kernel's remcsum_adjust). test_run's skbs are CHECKSUM_NONE:
    the outer checksum is verified in software on both hooks."""
    start, offset = rc
    if port.flags & F_NOREMCSUM:
        _drop("drop_gue_remcsum", key)
    if gre:                                 # README: not around GRE
        _drop("drop_gue_remcsum_gre", key)
    if (start | offset) & 1:
        _drop("drop_gue_remcsum_odd", key)
    if start < (20 if inner_fam == 4 else 40) or offset < start or offset + 2 > e.inner_len:
        _drop("drop_gue_remcsum_range", key)
    if ucsum == 0:
        _drop("drop_gue_remcsum_csum", key)
    ulen = struct.unpack_from("!H", f, l4 + 4)[0]
    pseudo = src + dst + (struct.pack("!BBH", 0, 17, ulen) if fam == 4
                          else struct.pack("!IxxxB", ulen, 17))
    v = csum16(f[l4:pay + start], csum16(pseudo))
    out = bytearray(e.out)
    struct.pack_into("!H", out, l3 + offset, v)
    e.out = bytes(out)
    return e


def csum_update(hc, old, new):
    """RFC 1624 eqn. 3: header checksum hc after the words old became new."""
    s = (~hc & 0xffff) + (~csum16(old) & 0xffff) + csum16(new)
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def set_ecn(inner, fam, ecn):
    """RFC 6040: the inner ECN field becomes ecn; the IPv4 header checksum
    updated (RFC 1624)."""
    if fam == 4:
        old = struct.unpack_from("!H", inner, 0)[0]
        inner[1] = (inner[1] & ~3) | ecn
        new = struct.unpack_from("!H", inner, 0)[0]
        hc = struct.unpack_from("!H", inner, 10)[0]
        s = (~hc & 0xffff) + (~old & 0xffff) + new
        while s >> 16:
            s = (s & 0xffff) + (s >> 16)
        struct.pack_into("!H", inner, 10, ~s & 0xffff)
    else:
        inner[1] = (inner[1] & ~0x30) | ecn << 4


class _Outcome(Exception):
    def __init__(self, e):
        self.e = e


def _pass(stat):
    raise _Outcome(Expect(stat, "pass"))


def _drop(stat, key):
    raise _Outcome(Expect(stat, "drop", port=key))


# ---- transmit: fou_tx_tc (README "Sending into a tunnel") -------------------
F_CSUM, F_UDP6_ZERO, F_SPORT_FIXED, F_TOS_FIXED = 0x1, 0x2, 0x4, 0x8
DEV_MTU = 1500
MAC_NEIGH, MAC_DEV = bytes.fromhex("020000000099"), bytes.fromhex("020000000001")
NOFIB = {4: "198.18.0.1", 6: "2001:db8:ffff::1"}


@dataclass
class Tunnel:
    slot: int
    fam: int
    kind: int
    ipproto: int
    remote: str
    dport: int
    ttl: int = 64
    tos: int = 0
    flags: int = 0
    mtu: int = 0
    sport: int = 0
    smin: int = 49152
    smax: int = 65535
    pmtu: int = 0                # a path MTU learned from ICMP (fuzz_run "pmtu")

    def line(self):
        return "tunnel %d %d %d %d %d %d %d %d %d %d %d %d %s %s" % (
            self.slot, self.fam, self.kind, self.ipproto, self.ttl, self.tos, self.flags,
            self.mtu, self.dport, self.sport, self.smin, self.smax, HOST[self.fam], self.remote)

    def overhead(self):
        return (20 if self.fam == 4 else 40) + 8 + (4 if self.kind == KIND_GUE else 0)


F_SCTP_UDP_SIDE = 0x4                 # FOU_SCTP_DEV_F_UDP_SIDE: fz0's peers speak SCTP over UDP
SCTP_PEERS = {(4, PEER_B[4], 0x1111): (40000, False), (4, PEER_B[4], 0x2222): (0, True),
              (6, PEER_B[6], 0x1111): (40001, False), (6, PEER_B[6], 0x2222): (0, True)}


def sctp_config_lines():
    """fz0 is 'side udp'; learned peers by (family, address, their tag):
    encapsulation port, or native (encapsulation off)."""
    return ["sctpdev %d" % F_SCTP_UDP_SIDE] + [
        "sctppeer %d %s %d %d %d" % (fam, a, tag, port, 1 if native else 0)
        for (fam, a, tag), (port, native) in SCTP_PEERS.items()]


def default_tunnels():
    """Tunnels and routes: (tunnels, [(fam, prefix, plen, slot)])."""
    t = [
        Tunnel(1, 4, KIND_FOU, 4, PEER[4], 5555),
        Tunnel(2, 6, KIND_GUE, 0, PEER[6], 6080, smin=1024, smax=2047),
        Tunnel(3, 4, KIND_FOU, 41, PEER[4], 5556, ttl=9, tos=0x20, mtu=1000, sport=7777,
               flags=F_CSUM | F_SPORT_FIXED | F_TOS_FIXED),
        Tunnel(5, 4, KIND_FOU, 4, NOFIB[4], 5555),
        Tunnel(6, 6, KIND_FOU, 4, PEER[6], 5557, flags=F_UDP6_ZERO),
        Tunnel(7, 4, KIND_FOU, 4, PEER[4], 5555, pmtu=1200),
        Tunnel(8, 6, KIND_GUE, 0, PEER[6], 6080, pmtu=1400),
    ]
    routes = [(4, "10.1.0.0", 16, 1), (4, PEER[4], 32, 1), (6, "fd00:1::", 32, 2),
              (4, "10.2.0.0", 16, 2), (6, "fd00:3::", 32, 3), (4, "10.3.0.0", 16, 3),
              (4, "10.4.0.0", 16, 4), (4, "10.5.0.0", 16, 5), (4, "10.6.0.0", 16, 6),
              (4, "10.7.0.0", 16, 7), (4, "10.8.0.0", 16, 8), (6, "fd00:8::", 32, 8)]
    return t, routes


@dataclass
class TxExpect:
    outcome: str
    action: str                  # "pass", "drop", "encap"
    out: bytes = None            # encap: output with the hashed fields zeroed (see mask_tx)
    slot: int = None             # tunnel whose counters move
    inner_len: int = 0
    flow: tuple = None           # encap: the inner flow, for source-port stability
    tunnel: Tunnel = None
    inner_csum_ok: bool = None   # encap: inner_l4_csum_ok()


def in_prefix(fam, addr, prefix, plen):
    a, p = addr_bytes(fam, addr), addr_bytes(fam, prefix)
    full, rest = divmod(plen, 8)
    return a[:full] == p[:full] and (not rest or (a[full] ^ p[full]) >> (8 - rest) == 0)


class TxModel:
    def __init__(self, tunnels, routes, legacy=()):
        self.tunnels = {t.slot: t for t in tunnels}
        self.routes = routes
        self.legacy = set(legacy)

    def route(self, fam, dst):
        best = None
        for rf, prefix, plen, slot in self.routes:
            if rf == fam and in_prefix(fam, dst, prefix, plen) and (best is None or plen > best[0]):
                best = (plen, slot)
        return best and best[1]

    def run(self, f):
        """What fou_tx_tc does with frame f leaving the device."""
        etype = struct.unpack_from("!H", f, 12)[0] if len(f) >= 14 else 0
        if etype not in (0x0800, 0x86dd):
            return TxExpect("tx_pass_not_ip", "pass")
        fam = 4 if etype == 0x0800 else 6
        ip = f[14:]
        if len(ip) < 1 or ip[0] >> 4 != fam or (fam == 4 and ip[0] & 0xf < 5):
            return TxExpect("tx_pass_not_ip", "pass")
        if len(ip) < (20 if fam == 4 else 40):
            return TxExpect("tx_drop_malformed", "drop")
        dst = addr_str(4, ip[16:20]) if fam == 4 else addr_str(6, ip[24:40])
        proto = ip[9] if fam == 4 else ip[6]
        slot = self.route(fam, dst)
        if slot is None and proto == 132:
            return self.sctp(f, fam, ip, dst)
        if slot is None:
            return TxExpect("tx_pass_no_route", "pass")
        if fam == 4:
            ihl = (ip[0] & 0xf) * 4
            ilen = struct.unpack_from("!H", ip, 2)[0]
            bad = ihl < 20 or len(ip) < ihl or ilen < ihl
        else:
            ilen = struct.unpack_from("!H", ip, 4)[0] + 40
            bad = False
        t = self.tunnels.get(slot)
        if t is None:
            return TxExpect("tx_drop_no_tunnel", "drop")
        if bad or ilen > len(ip):
            return TxExpect("tx_drop_malformed", "drop", slot=slot)
        inner = bytes(ip[:ilen])
        if t.kind == KIND_FOU and {4: 4, 41: 6}[t.ipproto] != fam:
            return TxExpect("tx_drop_family", "drop", slot=slot)
        if dst == t.remote:
            return TxExpect("tx_drop_loop", "drop", slot=slot)
        if t.pmtu and len(inner) > t.pmtu - t.overhead():     # the smaller MTU first
            e = self.too_big(t, fam, inner, f, slot)
            if e:
                return e
        size = len(ip) if "tx-mtu-padding" in self.legacy else len(inner)
        if size > (t.mtu or DEV_MTU - t.overhead()):
            return TxExpect("tx_drop_mtu", "drop", slot=slot)
        if t.remote == NOFIB[t.fam]:
            return TxExpect("tx_drop_no_fib", "drop", slot=slot)
        e = self.encap(t, fam, inner, slot)
        if "tx-csum-past-ip-len" in self.legacy and len(ip) > ilen and inner_l4_cut(fam, inner):
            e.inner_csum_ok = "any"
        return e

    def sctp(self, f, fam, ip, dst):
        """README "native -> UDP": SCTP leaving a 'side udp' device gets a
        UDP header (source port the encapsulation port, destination the
        learned one or 9899, length SCTP + 8, checksum computed), a zero
        CRC32c filled; a peer that spoke native SCTP gets it as it is."""
        ihl = (ip[0] & 0xf) * 4 if fam == 4 else 40
        ilen = struct.unpack_from("!H", ip, 2)[0] if fam == 4 else struct.unpack_from("!H", ip, 4)[0] + 40
        if (ilen > len(ip) or ilen < ihl) and fam == 6 and "tx-sctp6-unreadable" in self.legacy:
            return TxExpect("tx_pass_no_route", "pass")
        if fam == 4 and struct.unpack_from("!H", ip, 6)[0] & 0x3fff:
            return TxExpect("tx_pass_no_route", "pass")     # a fragment: no SCTP header to see
        if ilen > len(ip) or ilen < ihl + 16:               # common header and a chunk header
            return TxExpect("tx_drop_sctp_malformed", "drop")
        sctp = bytearray(ip[ihl:ilen])
        if sctp[8:12] == b"\0\0\0\0":
            struct.pack_into("!I", sctp, 8, sctp_crc32c(bytes(sctp)))
        port, native = SCTP_PEERS.get((fam, dst, struct.unpack_from("!I", sctp, 4)[0]), (0, False))
        if native:      # as it is, but with the CRC32c the stack left to us
            return TxExpect("tx_pass_sctp_native", "sctp", bytes(f[:14 + ihl]) + bytes(sctp) +
                            bytes(f[14 + ilen:]))
        hdr = bytearray(ip[:ihl])
        if fam == 4:
            old = bytes(hdr)
            hdr[9] = 17
            struct.pack_into("!H", hdr, 2, ilen + 8)
            struct.pack_into("!H", hdr, 10, csum_update(struct.unpack_from("!H", old, 10)[0],
                                                         old[:10], bytes(hdr[:10])))
            src, dsta = hdr[12:16], hdr[16:20]
        else:
            hdr[6] = 17
            struct.pack_into("!H", hdr, 4, ilen - 40 + 8)
            src, dsta = hdr[8:24], hdr[24:40]
        udp = bytearray(struct.pack("!HHHH", SCTP_ENCAP_PORT, port or SCTP_ENCAP_PORT,
                                    len(sctp) + 8, 0)) + sctp
        pseudo = bytes(src) + bytes(dsta) + (struct.pack("!BBH", 0, 17, len(udp)) if fam == 4
                                             else struct.pack("!IxxxB", len(udp), 17))
        struct.pack_into("!H", udp, 6, (~csum16(pseudo + bytes(udp)) & 0xffff) or 0xffff)
        return TxExpect("tx_encap_sctp", "sctp", bytes(f[:14]) + bytes(hdr) + bytes(udp) +
                        bytes(f[14 + ilen:]))      # trailing bytes stay trailing

    def too_big(self, t, fam, inner, f, slot):
        """README "Telling inner senders": over the path MTU less the
        overhead, IPv4 without DF goes out (outer DF clear) over IPv4; else
        the sender gets Frag Needed / Packet Too Big (RFC 792, RFC 4443),
        built in place and sent in through the device's ingress: never
        about an ICMP error or a fragment, never to a multicast, broadcast
        or unspecified source, never Packet Too Big below 1280."""
        mtu = t.pmtu - t.overhead()
        df = bool(inner[6] & 0x40) if fam == 4 else True
        if fam == 4 and not df and t.fam == 4:
            return None
        src = addr_str(fam, inner[12:16] if fam == 4 else inner[8:24])
        frag = fam == 4 and struct.unpack_from("!H", inner, 6)[0] & 0x3fff
        bad_src = (is_multicast(fam, src) or src in ("0.0.0.0", "255.255.255.255", "::"))
        if frag or bad_src or is_icmp_error(fam, inner) or (fam == 6 and mtu < 1280):
            return TxExpect("tx_drop_pmtu", "drop", slot=slot)
        eth = f[6:12] + f[0:6] + f[12:14]            # back in: the MACs swapped
        if fam == 4:
            n = min(576, 28 + len(inner))
            ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0xc0, n, 0, 0, 64, 1, 0,
                                       inner[16:20], inner[12:16]))
            struct.pack_into("!H", ip, 10, ~csum16(bytes(ip)) & 0xffff)
            icmp = bytearray(struct.pack("!BBHHH", 3, 4, 0, 0, mtu) + inner[:n - 28])
            struct.pack_into("!H", icmp, 2, ~csum16(bytes(icmp)) & 0xffff)
            return TxExpect("tx_icmp_frag_needed", "icmp", eth + bytes(ip) + bytes(icmp))
        n = min(1280, 48 + len(inner))
        icmp = bytearray(struct.pack("!BBHI", 2, 0, 0, mtu) + inner[:n - 48])
        pseudo = inner[24:40] + inner[8:24] + struct.pack("!IxxxB", len(icmp), 58)
        struct.pack_into("!H", icmp, 2, ~csum16(bytes(pseudo) + bytes(icmp)) & 0xffff)
        ip = struct.pack("!IHBB16s16s", 6 << 28, len(icmp), 58, 64, inner[24:40], inner[8:24])
        return TxExpect("tx_icmp_pkt_too_big", "icmp", eth + ip + bytes(icmp))

    def encap(self, t, fam, inner, slot):
        gue = struct.pack("!BBH", 0, 4 if fam == 4 else 41, 0) if t.kind == KIND_GUE else b""
        ulen = 8 + len(gue) + len(inner)
        iecn = inner[1] & 3 if fam == 4 else (inner[1] >> 4) & 3
        itos = inner[1] if fam == 4 else ((inner[0] & 0xf) << 4) | (inner[1] >> 4)
        tos = (t.tos & ~3) | iecn if t.flags & F_TOS_FIXED else itos
        df = bool(inner[6] & 0x40) if fam == 4 else True
        src, dst = addr_bytes(t.fam, HOST[t.fam]), addr_bytes(t.fam, t.remote)
        sport = t.sport if t.flags & F_SPORT_FIXED else 0       # hashed: masked
        udp = bytearray(struct.pack("!HHHH", sport, t.dport, ulen, 0) + gue + inner)
        if t.fam == 4:
            oh = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, tos, 20 + ulen, 0, 0x4000 if df else 0,
                                       t.ttl, 17, 0, src, dst))
        else:
            oh = bytearray(struct.pack("!IHBB16s16s", (6 << 28) | (tos << 20), ulen, 17, t.ttl, src, dst))
        eth = MAC_NEIGH + MAC_DEV + (b"\x08\x00" if t.fam == 4 else b"\x86\xdd")
        flow = inner_flow(fam, inner) and (slot, fam, inner_flow(fam, inner))
        return TxExpect("tx_encap_gue" if t.kind == KIND_GUE else "tx_encap_fou", "encap",
                        eth + bytes(oh) + bytes(udp), slot, len(inner), flow, t,
                        inner_l4_csum_ok(fam, inner))


def is_icmp_error(fam, inner):
    """An ICMP error message (RFC 1122 3.2.2, RFC 4443 2.4(e))."""
    if fam == 4:
        ihl = (inner[0] & 0xf) * 4
        return inner[9] == 1 and len(inner) > ihl and inner[ihl] in (3, 4, 5, 11, 12)
    return inner[6] == 58 and len(inner) > 40 and inner[40] < 128


def inner_flow(fam, inner):
    """Addresses, protocol and ports: what one TCP or UDP flow's packets
    share; None for other protocols (which fields make their flow is the
    implementation's choice)."""
    if fam == 4:
        ihl, proto, addrs = (inner[0] & 0xf) * 4, inner[9], inner[12:20]
    else:
        ihl, proto, addrs = 40, inner[6], inner[8:40]
    if proto not in (6, 17) or len(inner) < ihl + 4:
        return None
    if fam == 4 and struct.unpack_from("!H", inner, 6)[0] & 0x3fff:
        return None                     # a fragment: its ports are not the flow's to read
    return (bytes(addrs), proto, bytes(inner[ihl:ihl + 4]))


def inner_l4_csum_ok(fam, inner):
    """Whether the inner TCP/UDP/ICMP checksum (and an inner IPv4 header
    checksum) is right; None when the L4 checksum pins nothing (other
    protocols, a fragment, UDP checksum 0, a short packet).
    README: the outer UDP checksum is derived from it, so a wrong inner
    checksum is carried into the outer one."""
    if fam == 4:
        ihl, proto = (inner[0] & 0xf) * 4, inner[9]
        if struct.unpack_from("!H", inner, 6)[0] & 0x3fff:
            return None
        src, dst = inner[12:16], inner[16:20]
    else:
        ihl, proto, src, dst = 40, inner[6], inner[8:24], inner[24:40]
    l4 = inner[ihl:]
    off = {6: 16, 17: 6, 1: 2, 58: 2}.get(proto)
    if off is None or len(l4) < off + 2 or (fam, proto) == (6, 1) or (fam, proto) == (4, 58):
        return None
    if proto == 17 and struct.unpack_from("!H", l4, 6)[0] == 0:
        return None
    if proto == 1:
        ok = csum16(bytes(l4)) == 0xffff
    else:
        pseudo = src + dst + (struct.pack("!BBH", 0, proto, len(l4)) if fam == 4
                              else struct.pack("!IxxxB", len(l4), proto))
        ok = csum16(bytes(pseudo) + bytes(l4)) == 0xffff
    # a derived sum takes a valid inner IPv4 header as summing to zero
    return ok and (fam == 6 or csum16(bytes(inner[:ihl])) == 0xffff)


def inner_l4_cut(fam, inner):
    """The inner IP length ends inside its TCP/UDP/ICMP checksum field."""
    ihl, proto = ((inner[0] & 0xf) * 4, inner[9]) if fam == 4 else (40, inner[6])
    off = {6: 16, 17: 6, 1: 2, 58: 2}.get(proto)
    return off is not None and len(inner) < ihl + off + 2


def mask_tx(out, t):
    """The output with what the model cannot know zeroed: the IPv4 ID (and so
    the header checksum), the IPv6 flow label (a flow hash), a hashed UDP
    source port and the UDP checksum (both checked on their own)."""
    o = bytearray(out)
    if len(o) < 14 + (20 if t.fam == 4 else 40) + 8:
        return bytes(o)
    l4 = 14 + (20 if t.fam == 4 else 40)
    if t.fam == 4:
        o[18:20] = b"\0\0"
        o[24:26] = b"\0\0"
    else:
        o[15] &= 0xf0
        o[16:18] = b"\0\0"
    if not t.flags & F_SPORT_FIXED:
        o[l4:l4 + 2] = b"\0\0"
    o[l4 + 6:l4 + 8] = b"\0\0"
    return bytes(o)
