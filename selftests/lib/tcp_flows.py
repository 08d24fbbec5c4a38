#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Several concurrent TCP flows, checked byte for byte, with what the
receiving socket learned about each: for fouloader's GRO-hints tests.

  tcp_flows.py sink --addr A --port P --flows N [--ready F] [--timeout S]
      accept N connections (concurrently), read each to its end, print one
      line per flow:
        flow SRC:SPORT bytes N sha256 H mark M cpu C
      mark: SO_MARK of the accepted socket; with the sysctl
      net.ipv4.tcp_fwmark_accept=1 that is the skb mark of the SYN that
      opened it (how a receive port's mark becomes visible end to end).
      cpu: SO_INCOMING_CPU, the CPU that processed the flow's last packet
      (which CPU a cpumap steered the flow to).
  tcp_flows.py send --addr A --port P --flows N --file FILE [--src S] [--timeout S]
      open N connections at once, send FILE on each, wait for the receiver
      to close each; print "sent N flows x B bytes sha256 H".

Exit status 1 when anything failed or the --timeout (seconds) ran out.
"""
import argparse
import hashlib
import ipaddress
import socket
import sys
import threading
import time


def fam_of(addr):
    return socket.AF_INET if ipaddress.ip_address(addr).version == 4 else socket.AF_INET6


def read_flow(c, peer, deadline, out, lock):
    h = hashlib.sha256()
    n = 0
    err = None
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                err = "timed out"
                break
            c.settimeout(left)
            b = c.recv(1 << 18)
            if not b:
                break
            h.update(b)
            n += len(b)
        mark = c.getsockopt(socket.SOL_SOCKET, socket.SO_MARK)
        cpu = c.getsockopt(socket.SOL_SOCKET, socket.SO_INCOMING_CPU)
    except OSError as e:
        err, mark, cpu = str(e), -1, -1
    c.close()
    with lock:
        if err:
            out.append("flow %s:%d failed after %d bytes: %s" % (peer[0], peer[1], n, err))
        else:
            out.append("flow %s:%d bytes %d sha256 %s mark %d cpu %d"
                       % (peer[0], peer[1], n, h.hexdigest(), mark, cpu))


def sink(a):
    s = socket.socket(fam_of(a.addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a.addr, a.port))
    s.listen(a.flows)
    if a.ready:
        open(a.ready, "w").close()
    deadline = time.monotonic() + a.timeout
    out, lock, threads = [], threading.Lock(), []
    for _ in range(a.flows):
        s.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            c, peer = s.accept()
        except socket.timeout:
            print("only %d of %d connections within %.1f s" % (len(threads), a.flows, a.timeout))
            return 1
        t = threading.Thread(target=read_flow, args=(c, peer, deadline, out, lock))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    for line in out:
        print(line)
    return 0 if all(" failed " not in line for line in out) else 1


def send_flow(a, data, errs, lock):
    try:
        s = socket.socket(fam_of(a.addr), socket.SOCK_STREAM)
        if a.src:
            s.bind((a.src, 0))
        s.settimeout(a.timeout)
        s.connect((a.addr, a.port))
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        while s.recv(4096):
            pass
        s.close()
    except (socket.timeout, OSError) as e:
        with lock:
            errs.append(str(e))


def send(a):
    data = open(a.file, "rb").read()
    errs, lock = [], threading.Lock()
    threads = [threading.Thread(target=send_flow, args=(a, data, errs, lock))
               for _ in range(a.flows)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errs:
        print("%d of %d flows failed: %s" % (len(errs), a.flows, errs[0]))
        return 1
    print("sent %d flows x %d bytes sha256 %s"
          % (a.flows, len(data), hashlib.sha256(data).hexdigest()))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("sink", "send"):
        c = sub.add_parser(name)
        c.add_argument("--addr", required=True)
        c.add_argument("--port", type=int, required=True)
        c.add_argument("--flows", type=int, default=1)
        c.add_argument("--timeout", type=float, default=20.0)
        if name == "sink":
            c.add_argument("--ready")
        else:
            c.add_argument("--file", required=True)
            c.add_argument("--src")
    a = p.parse_args()
    return sink(a) if a.cmd == "sink" else send(a)


if __name__ == "__main__":
    sys.exit(main())
