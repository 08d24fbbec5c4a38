#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Bounded TCP file transfer for fouloader's end-to-end tests.

  tcp_xfer.py recv --addr A --port P --out FILE [--ready F] [--timeout S]
      accept one connection on A:P, write everything received to FILE, print
      "received N bytes sha256 H"
  tcp_xfer.py send --addr A --port P --file FILE [--src S] [--timeout S]
                   [--rate BYTES_PER_SECOND]
      connect to A:P (from S), send FILE (paced to RATE: a stream that lasts
      while something else happens), shut down, print "sent N bytes sha256 H"

Both give up after --timeout seconds (exit 1). No scapy: plain sockets.
"""
import argparse
import hashlib
import ipaddress
import socket
import sys
import time


def fam_of(addr):
    return socket.AF_INET if ipaddress.ip_address(addr).version == 4 else socket.AF_INET6


def recv(a):
    s = socket.socket(fam_of(a.addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a.addr, a.port))
    s.listen(1)
    if a.ready:
        open(a.ready, "w").close()
    deadline = time.monotonic() + a.timeout
    s.settimeout(a.timeout)
    try:
        c, peer = s.accept()
    except socket.timeout:
        print("no connection within %.1f s" % a.timeout)
        return 1
    h = hashlib.sha256()
    n = 0
    with open(a.out, "wb") as out:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                print("timed out after %d bytes" % n)
                return 1
            c.settimeout(left)
            try:
                b = c.recv(1 << 16)
            except socket.timeout:
                print("timed out after %d bytes" % n)
                return 1
            if not b:
                break
            out.write(b)
            h.update(b)
            n += len(b)
    print("received %d bytes from %s sha256 %s" % (n, peer[0], h.hexdigest()))
    return 0


def send_paced(s, data, rate):
    if not rate:
        s.sendall(data)
        return
    chunk = max(1, rate // 20)
    t0 = time.monotonic()
    for off in range(0, len(data), chunk):
        s.sendall(data[off:off + chunk])
        ahead = t0 + (off + chunk) / rate - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)


def send(a):
    data = open(a.file, "rb").read()
    s = socket.socket(fam_of(a.addr), socket.SOCK_STREAM)
    if a.src:
        s.bind((a.src, 0))
    s.settimeout(a.timeout)
    try:
        s.connect((a.addr, a.port))
        send_paced(s, data, a.rate)
        s.shutdown(socket.SHUT_WR)
        # wait for the receiver to close: everything was read
        while s.recv(4096):
            pass
    except (socket.timeout, OSError) as e:
        print("send failed: %s" % e)
        return 1
    print("sent %d bytes sha256 %s" % (len(data), hashlib.sha256(data).hexdigest()))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("recv")
    r.add_argument("--addr", required=True)
    r.add_argument("--port", type=int, required=True)
    r.add_argument("--out", required=True)
    r.add_argument("--ready")
    r.add_argument("--timeout", type=float, default=20.0)
    s = sub.add_parser("send")
    s.add_argument("--addr", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--file", required=True)
    s.add_argument("--src")
    s.add_argument("--timeout", type=float, default=20.0)
    s.add_argument("--rate", type=int, default=0)
    a = p.parse_args()
    return recv(a) if a.cmd == "recv" else send(a)


if __name__ == "__main__":
    sys.exit(main())
