#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Paced TCP transfer with a receive timeline, for fouloader's path-MTU tests
and the pmtu benchmark (how long a transfer stalls when the path MTU drops).

  tcp_stream.py recv --addr A --port P --out FILE --log LOG [--ready F] [--timeout S]
      accept one connection, write everything to FILE, and to LOG one line
      "TIME BYTES" per recv() (CLOCK_MONOTONIC seconds, bytes so far); print
      "received N bytes sha256 H"
  tcp_stream.py send --addr A --port P --file FILE [--src S] [--rate B]
                     [--chunk N] [--timeout S] [--log SLOG]
      connect, send FILE in --chunk byte writes at --rate bytes/s (0: as fast
      as possible), wait for the receiver to close; print "sent N bytes
      sha256 H"
  tcp_stream.py stall --log LOG --send-log SLOG --t0 T
      what the receiver's LOG and the sender's SLOG (send --log) say about
      the event at T (the MTU drop): bytes received and written by T;
      "recovered_ms": from T until the receiver had the first byte written
      after T, i.e. until the transfer made progress again (at most one
      write interval when nothing stalled); the largest gap between two
      receives after T. One line of key=value.

A transfer that stalls for good ends with exit status 1 at --timeout.
"""
import argparse
import hashlib
import socket
import sys
import time

from tcp_xfer import fam_of


def accept_one(a):
    """Listen on --addr:--port, say so through --ready, take one connection."""
    ls = socket.create_server((a.addr, a.port), family=fam_of(a.addr), backlog=1)
    if a.ready:
        open(a.ready, "w").close()
    ls.settimeout(a.timeout)
    try:
        return ls.accept()
    except socket.timeout:
        return None, None


def pieces(conn, deadline):
    """What the peer sends, as recv() returns it, until it closes (or the
    deadline passes: then a final None)."""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            yield None
            return
        conn.settimeout(left)
        try:
            b = conn.recv(1 << 16)
        except socket.timeout:
            yield None
            return
        if not b:
            return
        yield b


def recv(a):
    deadline = time.monotonic() + a.timeout
    conn, peer = accept_one(a)
    if conn is None:
        print("no connection within %.1f s" % a.timeout)
        return 1
    h = hashlib.sha256()
    timeline = []  # kept in memory: writing per recv would pace the receiver
    n, rc = 0, 0
    with open(a.out, "wb") as out:
        for b in pieces(conn, deadline):
            if b is None:
                print("timed out after %d bytes" % n)
                rc = 1
                break
            n += len(b)
            timeline.append((time.monotonic(), n))
            out.write(b)
            h.update(b)
    write_log(a.log, timeline)
    conn.close()
    if rc == 0:
        print("received %d bytes from %s sha256 %s" % (n, peer[0], h.hexdigest()))
    return rc


def write_log(path, timeline):
    with open(path, "w") as log:
        for t, k in timeline:
            log.write("%.6f %d\n" % (t, k))


def send(a):
    data = open(a.file, "rb").read()
    start = time.monotonic()
    timeline = []
    try:
        s = socket.create_connection((a.addr, a.port), timeout=a.timeout,
                                     source_address=(a.src, 0) if a.src else None)
        off = 0
        while off < len(data):
            s.sendall(data[off:off + a.chunk])
            off = min(off + a.chunk, len(data))
            timeline.append((time.monotonic(), off))
            if a.rate:
                # absolute schedule: a late write does not slow the rest
                wait = start + off / a.rate - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
        s.shutdown(socket.SHUT_WR)
        while s.recv(4096):
            pass
    except (socket.timeout, OSError) as e:
        print("send failed after %.2f s: %s" % (time.monotonic() - start, e))
        return 1
    finally:
        if a.log:
            write_log(a.log, timeline)
    print("sent %d bytes sha256 %s" % (len(data), hashlib.sha256(data).hexdigest()))
    return 0


def read_log(path):
    ev = []
    with open(path) as f:
        for line in f:
            t, k = line.split()
            ev.append((float(t), int(k)))
    return ev


def stall(a):
    ev = read_log(a.log)
    sent = read_log(a.send_log)
    if not ev or not sent:
        print("events=0")
        return 1
    before = [k for t, k in ev if t <= a.t0]
    written = [k for t, k in sent if t <= a.t0]
    w0 = written[-1] if written else 0
    gaps = [ev[i][0] - ev[i - 1][0] for i in range(1, len(ev)) if ev[i][0] <= a.t0]
    writes = [sent[i][0] - sent[i - 1][0] for i in range(1, len(sent))]
    out = {
        "bytes_before": before[-1] if before else 0,
        "written_before": w0,
        "bytes_total": ev[-1][1],
        "last_ms": "%.1f" % ((ev[-1][0] - a.t0) * 1e3),
        "write_interval_ms": "%.2f" % (sorted(writes)[len(writes) // 2] * 1e3 if writes else 0),
        "median_gap_ms": "%.2f" % (sorted(gaps)[len(gaps) // 2] * 1e3 if gaps else 0),
    }
    # progress again: the first byte written after t0 has been received
    after = [t for t, k in ev if k > w0 and t > a.t0]
    out["recovered_ms"] = "%.2f" % ((after[0] - a.t0) * 1e3) if after and w0 < ev[-1][1] else "none"
    late = [(ev[i][0] - ev[i - 1][0], ev[i][0]) for i in range(1, len(ev)) if ev[i][0] > a.t0]
    if late:
        out["max_gap_ms"] = "%.2f" % (max(late)[0] * 1e3)
    print(" ".join("%s=%s" % kv for kv in out.items()))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("recv")
    s = sub.add_parser("send")
    for x in (r, s):
        x.add_argument("--addr", required=True)
        x.add_argument("--port", type=int, required=True)
        x.add_argument("--timeout", type=float, default=20.0)
    r.add_argument("--out", required=True)
    r.add_argument("--log", required=True)
    r.add_argument("--ready")
    s.add_argument("--file", required=True)
    s.add_argument("--src")
    s.add_argument("--rate", type=float, default=0.0, help="bytes per second (0: unpaced)")
    s.add_argument("--chunk", type=int, default=16384)
    s.add_argument("--log", help='one "TIME BYTES" line per write (bytes written so far)')
    t = sub.add_parser("stall")
    t.add_argument("--log", required=True)
    t.add_argument("--t0", type=float, required=True)
    t.add_argument("--send-log", required=True)
    a = p.parse_args()
    return {"recv": recv, "send": send, "stall": stall}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
