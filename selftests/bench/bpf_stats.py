#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Run time of one BPF program over a command, from the kernel's own
per-program statistics:

  bpf_stats.py PROG_ID -- COMMAND [ARGS...]

Statistics are enabled with BPF_ENABLE_STATS, which lasts only while this
process holds the descriptor it returns (no sysctl is changed); the
program's run_cnt and run_time_ns (bpftool prog show -j) are read before
and after COMMAND (its standard output discarded). Prints "runs N
ns_total T ns_per_run X" for the difference.
"""
import ctypes
import json
import os
import subprocess
import sys

SYS_BPF = 321                 # x86_64
BPF_ENABLE_STATS = 32
BPF_STATS_RUN_TIME = 0


def prog_stats(pid):
    out = subprocess.run(["bpftool", "-j", "prog", "show", "id", str(pid)], check=True,
                         capture_output=True, text=True).stdout
    j = json.loads(out)
    return j.get("run_cnt", 0), j.get("run_time_ns", 0)


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    pid, cmd = int(sys.argv[1]), sys.argv[3:]
    libc = ctypes.CDLL(None, use_errno=True)
    attr = ctypes.create_string_buffer(8)
    ctypes.memmove(attr, ctypes.c_uint32(BPF_STATS_RUN_TIME).value.to_bytes(4, "little"), 4)
    fd = libc.syscall(SYS_BPF, BPF_ENABLE_STATS, attr, 8)
    if fd < 0:
        print("BPF_ENABLE_STATS: %s" % os.strerror(ctypes.get_errno()), file=sys.stderr)
        return 1
    c0, t0 = prog_stats(pid)
    rc = subprocess.run(cmd, stdout=subprocess.DEVNULL).returncode
    c1, t1 = prog_stats(pid)
    os.close(fd)
    n = c1 - c0
    print("runs %d ns_total %d ns_per_run %.1f" % (n, t1 - t0, (t1 - t0) / n if n else 0))
    return rc


if __name__ == "__main__":
    sys.exit(main())
