#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""The kernel's SCTP as a test peer (the guest tier: the host has no SCTP),
speaking what build/selftests/sctp_peer (usrsctp) speaks, so either can face
the other:

  ksctp.py server --bind ADDR [--port P] [--out FILE] [--ready F] [--timeout S]
      accept one association, write what arrives to FILE and echo it back;
      exit 0 when the peer shuts the association down
  ksctp.py client --addr ADDR [--port P] [--bind ADDR] --file IN [--out FILE]
                  [--msg N] [--timeout S]
      send IN in messages of N bytes, read the echoes; exit 0 only when
      every byte came back equal. Prints "sent N bytes in T s: R B/s"
      (what came back, over the time from connect to the last echo).

Encapsulation is the kernel's own business (sysctl net.sctp.udp_port and
net.sctp.encap_port). Exit 1 on a mismatch or error, 3 on timeout.
"""
import argparse
import ipaddress
import socket
import struct
import sys
import threading
import time


def fam_of(addr):
    return socket.AF_INET if ipaddress.ip_address(addr).version == 4 else socket.AF_INET6


def sock(addr):
    return socket.socket(fam_of(addr), socket.SOCK_STREAM, socket.IPPROTO_SCTP)


def server(a):
    s = sock(a.bind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a.bind, a.port))
    s.listen(1)
    if a.ready:
        open(a.ready, "w").close()
    s.settimeout(a.timeout)
    try:
        c, _ = s.accept()
    except socket.timeout:
        print("server: no association within %d s" % a.timeout)
        return 3
    c.settimeout(a.timeout)
    total = 0
    with open(a.out or "/dev/null", "wb") as out:
        while True:
            try:
                b = c.recv(1 << 16)
            except socket.timeout:
                print("server: timed out after %d bytes" % total)
                return 3
            if not b:
                break
            out.write(b)
            c.sendall(b)
            total += len(b)
    print("server: received and echoed %d bytes" % total)
    return 0


def abort(s):
    """Close with SO_LINGER 0: an ABORT, so that no association lingers on,
    retransmitting into the next test."""
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def client(a):
    data = open(a.file, "rb").read()
    s = sock(a.addr)
    if a.bind:
        s.bind((a.bind, 0))
    t0 = time.monotonic()
    deadline = t0 + a.timeout
    s.settimeout(a.timeout)
    try:
        s.connect((a.addr, a.port))
    except OSError as e:
        print("client: connect: %s" % e)
        abort(s)
        return 1
    got = bytearray()
    err = []

    def reader():
        try:
            while len(got) < len(data):
                b = s.recv(1 << 16)
                if not b:
                    break
                got.extend(b)
        except OSError as e:
            err.append(e)

    r = threading.Thread(target=reader, daemon=True)
    r.start()
    try:
        for off in range(0, len(data), a.msg):
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("timed out sending")
            s.settimeout(left)
            s.sendall(data[off:off + a.msg])
    except OSError as e:
        err.append(e)
    r.join(max(0.1, deadline - time.monotonic()))
    secs = time.monotonic() - t0
    if a.out:
        open(a.out, "wb").write(got)
    print("client: sent %d bytes, %d echoed in %.2f s: %.0f B/s%s" %
          (len(data), len(got), secs, len(got) / secs, "" if not err else " (%s)" % err[0]))
    if r.is_alive() or err or bytes(got) != data:
        abort(s)
        return 3 if r.is_alive() or any(isinstance(e, socket.timeout) for e in err) else 1
    s.close()
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("role", choices=("server", "client"))
    p.add_argument("--addr")
    p.add_argument("--bind")
    p.add_argument("--port", type=int, default=7)
    p.add_argument("--file")
    p.add_argument("--out")
    p.add_argument("--ready")
    p.add_argument("--msg", type=int, default=3000)
    p.add_argument("--timeout", type=float, default=20)
    a = p.parse_args()
    if a.role == "server":
        if not a.bind:
            p.error("server needs --bind")
        return server(a)
    if not a.addr or not a.file:
        p.error("client needs --addr and --file")
    return client(a)


if __name__ == "__main__":
    sys.exit(main())
