#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Model-based differential fuzzer of the receive programs.

Replays the saved corpus (selftests/fuzz/corpus/packets/*.hex), then CASES
generated frames from SEED, each through fou_rx_xdp and fou_rx_tc
(build/selftests/fuzz_run), and checks every result against the reference
model (model.py). Prints, per program, the cases run and each invariant's
checks and violations; with --tap, TAP for prove.

A mismatch that the unfixed code of a defect in EXPECTED_UNTIL_FIXED explains
is counted as that defect (TAP TODO), not as a failure.
"""
import argparse
import collections
import itertools
import os
import random
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model as M  # noqa: E402
import gen  # noqa: E402
from fuzzrun import parse_result, stat_names  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CORPUS = os.path.join(ROOT, "selftests", "fuzz", "corpus", "packets")

# Known defects not fixed in this tree (model.DEFECTS): a mismatch their
# unfixed behaviour explains is reported as TAP TODO, not as a failure.
# Issue 13's defects 1, 3 and 4 are fixed (branch adv-bpf, merged): every such
# case must pass, none is excused.
ISSUE13_ON_ADV_BPF = set()
# Found by this fuzzer, reproducers in corpus/packets/: delete each as it is fixed.
FOUND_BY_FUZZER = set()
EXPECTED_UNTIL_FIXED = ISSUE13_ON_ADV_BPF | FOUND_BY_FUZZER
EXPECTED_UNTIL_FIXED_TX = set()

TX_INVARIANTS = ["verdict", "pass-through identical", "output bytes", "checksums after rewrite",
                 "source port in range, stable per flow", "one outcome counter", "tunnel counters",
                 "no state change when not ours"]
HINTS_INVARIANTS = ["verdict", "pass-through identical", "no counter", "no state change"]
TRUNCATE_ALL_MAX = 600   # corpus frames up to this size are also cut at every offset

INVARIANTS = ["verdict", "pass-through identical", "output bytes", "checksums after rewrite",
              "one outcome counter", "port counters", "no state change when not ours"]


ALL_STATS, EVENTS = stat_names()


class Program:
    def __init__(self, name, invariants=INVARIANTS):
        self.name = name
        self.elapsed = self.stream_rate = 0.0
        self.cases = 0
        self.refused = 0          # test_run refused the frame (size limits of skb test_run)
        self.checks = {i: 0 for i in invariants}
        self.violations = {i: 0 for i in invariants}
        self.known = {d: 0 for d in M.DEFECTS}   # cases each known defect explains
        self.expected = []                        # the known defects looked for
        self.failures = []
        self.outcomes = collections.Counter()   # the model's outcome per case: coverage


def ip4_hdr_ok(b):
    return len(b) >= 20 and M.csum16(b[:(b[0] & 0xf) * 4]) == 0xffff


def judge(hook, frame, exp, res):
    """The invariants this result violates (empty: all held), and those checked."""
    bad, checked = [], []

    def check(name, ok):
        checked.append(name)
        if not ok:
            bad.append(name)

    check("verdict", res["ret"] == M.verdict(hook, exp.action))
    if exp.action == "pass":
        check("pass-through identical", res["out"] == frame)
    if exp.action == "decap":
        check("output bytes", res["out"] == exp.out)
        l3 = len(exp.out) - exp.inner_len
        if res["out"][l3 - 2:l3] == b"\x08\x00" and ip4_hdr_ok(exp.out[l3:]):
            check("checksums after rewrite", ip4_hdr_ok(res["out"][l3:]))
    outcomes = {k: v for k, v in res["stats"].items() if k not in EVENTS}
    check("one outcome counter", outcomes == {exp.outcome: 1})
    want = {}
    if exp.port and exp.action != "pass":
        want["%d/%d" % exp.port] = (1, exp.inner_len, 0) if exp.action == "decap" else (0, 0, 1)
    check("port counters", res["ports"] == want)
    if exp.action == "pass":
        check("no state change when not ours", res["state"] == "same")
    return bad, checked


def judge_hints(frame, res):
    """fou_hints_tc without XDP metadata (README: missing metadata changes
    nothing): TC_ACT_OK, the frame untouched, no counter, no state."""
    results = [("verdict", res["ret"] == 0), ("pass-through identical", res["out"] == frame),
               ("no counter", not res["stats"] and not res["ports"]),
               ("no state change", res["state"] == "same")]
    return [n for n, ok in results if not ok], [n for n, _ in results]


def short_hex(b, n=160):
    return b.hex() if len(b) <= n else "%s... (%d bytes)" % (b[:n].hex(), len(b))


def describe(exp):
    return "%s %s" % (exp.action, exp.outcome)


def observed(res):
    return "ret %s stats %s ports %s state %s" % (res["ret"], res["stats"], res["ports"], res["state"])


class Runner:
    """fou_rx_xdp and fou_rx_tc: frames arriving, judged by model.RxModel."""
    MODE = "rx"

    def config_lines(self):
        return [p.line() for p in self.ports] + M.local_lines()

    def hooks_for(self, frame):
        """Every frame on XDP; on TC what skb test_run takes; every second
        of those also through fou_hints_tc (which must leave it alone: skb
        test_run cannot give it XDP metadata)."""
        if len(frame) > gen.TC_MAX:
            return ["xdp"]
        self.nth = getattr(self, "nth", 0) + 1
        return ["xdp", "tc"] + (["hints"] if self.nth % 2 else [])

    def __init__(self, args):
        self.args = args
        self.ports = M.default_ports()
        self.model = M.RxModel(self.ports)
        known = set() if args.strict else args.known & EXPECTED_UNTIL_FIXED
        # every combination of the known defects: a frame may hit two at once
        self.legacy = {}
        for n in range(1, len(known) + 1):
            for combo in itertools.combinations(sorted(known), n):
                self.legacy[combo] = M.RxModel(self.ports, legacy=set(combo))
        self.progs = {"xdp": Program("fou_rx_xdp"), "tc": Program("fou_rx_tc")}
        for p in self.progs.values():
            p.expected = sorted(known)
        self.progs["hints"] = Program("fou_hints_tc", HINTS_INVARIANTS)

    def corpus(self):
        """(source, frame) of the saved corpus files of this runner."""
        for path in sorted(os.listdir(CORPUS)) if os.path.isdir(CORPUS) else []:
            if not path.endswith(".hex") or path.startswith("tx-") != (self.MODE == "tx"):
                continue
            for n, line in enumerate(open(os.path.join(CORPUS, path))):
                line = line.strip()
                if line and not line.startswith("#"):
                    yield "%s:%d" % (path, n + 1), bytes.fromhex(line.split()[0])

    def cases(self):
        """(source, frame): the corpus first, then each of its small frames
        truncated at every offset, then generated frames."""
        corpus = list(self.corpus())
        yield from corpus
        for src, frame in corpus:
            if len(frame) <= TRUNCATE_ALL_MAX:
                for cut in range(14, len(frame)):
                    yield "%s cut at %d" % (src, cut), frame[:cut]
        r = random.Random(self.args.seed)
        for i in range(self.args.cases):
            frame, label = gen.case(r)
            yield "seed %d case %d (%s)" % (self.args.seed, i, label), frame

    def run(self):
        binary = os.path.join(ROOT, self.args.build, "selftests", "fuzz_run")
        proc = subprocess.Popen([binary, self.MODE], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                text=True, bufsize=1 << 20)
        pending = []
        lock = threading.Condition()

        failed = []

        def feed():
            try:
                for line in self.config_lines():
                    proc.stdin.write(line + "\n")
                for src, frame in self.cases():
                    for h in self.hooks_for(frame):
                        with lock:
                            pending.append((src, h, frame))
                        proc.stdin.write("run %s %s\n" % (h, frame.hex()))
            except BaseException as e:   # reported by the main thread
                failed.append(e)
            finally:
                proc.stdin.close()

        t = threading.Thread(target=feed, daemon=True)
        start = time.monotonic()
        t.start()
        for line in proc.stdout:
            with lock:
                src, hook, frame = pending.pop(0)
            self.check(src, hook, frame, parse_result(line))
        t.join()
        if failed:
            raise failed[0]
        rc = proc.wait()
        self.elapsed = time.monotonic() - start
        runs = sum(p.cases + p.refused for p in self.progs.values())
        for p in self.progs.values():
            p.elapsed, p.stream_rate = self.elapsed, runs / max(self.elapsed, 1e-9)
        if rc:
            raise SystemExit("fuzz_run exited with %d" % rc)

    def expect(self, model, hook, frame):
        if hook == "hints":
            return M.Expect("none", "pass")
        return model.run(hook, frame)

    def judge(self, hook, frame, exp, res):
        if hook == "hints":
            return judge_hints(frame, res)
        return judge(hook, frame, exp, res)

    def check(self, src, hook, frame, res):
        """Judge one result; a mismatch the unfixed code of known defects
        explains counts for those defects instead."""
        prog = self.progs[hook]
        if "err" in res:
            prog.refused += 1
            return
        prog.cases += 1
        exp = self.expect(self.model, hook, frame)
        prog.outcomes[exp.outcome] += 1
        bad, checked = self.judge(hook, frame, exp, res)
        if bad:
            for combo, lm in self.legacy.items():
                lexp = self.expect(lm, hook, frame)
                if lexp != exp and not self.judge(hook, frame, lexp, res)[0]:
                    for d in combo:
                        prog.known[d] += 1
                    return
        for name in checked:
            prog.checks[name] += 1
        for name in bad:
            prog.violations[name] += 1
        if bad:
            prog.failures.append((src, frame, exp, res, bad))

    def report(self, out):
        """Per program: cases, then each invariant held (a TAP point each
        with --tap), then each known defect seen (a TAP TODO point each)."""
        tap, n = self.args.tap, 0

        def point(ok, text, directive=""):
            nonlocal n
            n += 1
            if tap:
                out.write("%s %d - %s%s\n" % ("ok" if ok else "not ok", n, text, directive))
            else:
                out.write("  %s%s\n" % ("" if ok else "KNOWN: " if directive else "FAILED: ", text))

        for hook, prog in self.progs.items():
            line = "%s: %d cases (%d refused by test_run); its stream ran %.0f test_runs/s" % (
                prog.name, prog.cases, prog.refused, prog.stream_rate)
            out.write(("# " if tap else "") + line + "\n")
            out.write("# outcomes expected (%d kinds): %s\n" % (len(prog.outcomes), " ".join(
                "%s=%d" % kv for kv in sorted(prog.outcomes.items()))))
            for inv in prog.checks:
                point(not prog.violations[inv], "%s: %s held %d of %d" % (
                    prog.name, inv, prog.checks[inv] - prog.violations[inv], prog.checks[inv]))
            for d in prog.expected:
                text = "%s: known defect %s (%s)" % (prog.name, d, M.DEFECTS[d][1])
                if prog.known[d]:
                    point(False, "%s: %d cases" % (text, prog.known[d]),
                          " # TODO found by this fuzzer, not fixed yet" if M.DEFECTS[d][1].startswith("new:")
                          else " # TODO issue 13, being fixed on branch adv-bpf")
                else:
                    out.write("# %s: not seen in this run\n" % text)
            for src, frame, exp, res, bad in prog.failures[:self.args.show]:
                out.write("# FAIL %s on %s: %s\n#   expected %s\n#   observed %s\n#   frame %s\n" % (
                    ", ".join(bad), hook, src, describe(exp), observed(res), short_hex(frame)))
        if tap:
            out.write("1..%d\n" % n)
        return all(not p.failures for p in self.progs.values())


def udp_csum_field(out, fam):
    l4 = 14 + (20 if fam == 4 else 40)
    return struct.unpack_from("!H", out, l4 + 6)[0] if len(out) >= l4 + 8 else None


def judge_tx(frame, exp, res, sports):
    """The invariants a fou_tx_tc result violates, and those checked."""
    bad, checked = [], []

    def check(name, ok):
        checked.append(name)
        if not ok:
            bad.append(name)

    check("verdict", res["ret"] == {"pass": 0, "encap": 0, "sctp": 0, "drop": 2, "icmp": 7}[exp.action])
    if exp.action == "sctp":        # RFC 6951: SCTP put in UDP, exact bytes
        check("output bytes", res["out"] == exp.out)
        fam = 4 if exp.out[12:14] == b"\x08\x00" else 6
        out = res["out"]
        if exp.outcome == "tx_encap_sctp" and len(out) >= 14 + (20 if fam == 4 else 40):
            ihl = (out[14] & 0xf) * 4 if fam == 4 else 40
            end = 14 + (struct.unpack_from("!H", out, 16)[0] if fam == 4 else
                        40 + struct.unpack_from("!H", out, 18)[0])
            src, dst = (out[26:30], out[30:34]) if fam == 4 else (out[22:38], out[38:54])
            hdr_was_ok = fam == 4 and M.csum16(frame[14:14 + ihl]) == 0xffff
            check("checksums after rewrite", end <= len(out) and M.udp_csum_ok(
                fam, src, dst, out[14 + ihl:end]) and (not hdr_was_ok or M.csum16(out[14:14 + ihl]) == 0xffff))
    if exp.action == "pass":
        check("pass-through identical", res["out"] == frame)
    if exp.action == "encap":
        t, out = exp.tunnel, res["out"]
        check("output bytes", M.mask_tx(out, t) == M.mask_tx(exp.out, t))
        l4 = 14 + (20 if t.fam == 4 else 40)
        ok = len(out) >= l4 + 8 and (t.fam == 6 or M.csum16(out[14:34]) == 0xffff)
        zero = (t.fam == 4 and not t.flags & M.F_CSUM) or (t.fam == 6 and t.flags & M.F_UDP6_ZERO)
        if ok:
            c = udp_csum_field(out, t.fam)
            src, dst = (out[26:30], out[30:34]) if t.fam == 4 else (out[22:38], out[38:54])
            # a wrong inner checksum is carried into the derived outer one
            ok = c == 0 if zero else c != 0 and (exp.inner_csum_ok == "any" or M.udp_csum_ok(
                t.fam, src, dst, out[l4:]) == (exp.inner_csum_ok is not False))
        check("checksums after rewrite", ok)
        sport = struct.unpack_from("!H", out, l4)[0] if len(out) >= l4 + 2 else -1
        if t.flags & M.F_SPORT_FIXED:
            ok = sport == t.sport
        else:
            ok = t.smin <= sport <= t.smax and (exp.flow is None or
                                                sports.setdefault(exp.flow, sport) == sport)
        check("source port in range, stable per flow", ok)
    outcomes = {k: v for k, v in res["stats"].items() if k not in EVENTS}
    check("one outcome counter", outcomes == {exp.outcome: 1})
    want = {}
    if exp.slot is not None and exp.action != "pass":
        want[str(exp.slot)] = (1, exp.inner_len, 0) if exp.action == "encap" else (0, 0, 1)
    check("tunnel counters", res["ports"] == want)
    if exp.action == "pass":
        check("no state change when not ours", res["state"] == "same")
    return bad, checked


class TxRunner(Runner):
    """fou_tx_tc: frames leaving the device, judged by model.TxModel."""
    MODE = "tx"

    def hooks_for(self, frame):
        return ["tx"]

    def __init__(self, args):
        self.args = args
        self.tunnels, self.routes = M.default_tunnels()
        self.model = M.TxModel(self.tunnels, self.routes)
        known = set() if args.strict else args.known & EXPECTED_UNTIL_FIXED_TX
        self.legacy = {(d,): M.TxModel(self.tunnels, self.routes, legacy={d}) for d in known}
        self.progs = {"tx": Program("fou_tx_tc", TX_INVARIANTS)}
        self.progs["tx"].expected = sorted(known)
        self.sports = {}

    def config_lines(self):
        return ([t.line() for t in self.tunnels] + ["route %d %s %d %d" % r for r in self.routes] +
                ["pmtu %d %d" % (t.slot, t.pmtu) for t in self.tunnels if t.pmtu] +
                M.sctp_config_lines())

    def cases(self):
        yield from self.corpus()
        r = random.Random(self.args.seed)
        for i in range(self.args.tx_cases):
            frame, label = gen.tx_case(r)
            yield "seed %d tx case %d (%s)" % (self.args.seed, i, label), frame

    def expect(self, model, hook, frame):
        return model.run(frame)

    def judge(self, hook, frame, exp, res):
        return judge_tx(frame, exp, res, self.sports)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", type=int, default=1000, help="generated frames (each run on both hooks)")
    ap.add_argument("--tx-cases", type=int, default=None,
                    help="frames through fou_tx_tc (default: a fifth of --cases)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tap", action="store_true", help="TAP output for prove")
    ap.add_argument("--strict", action="store_true",
                    help="no expected-until-fixed defects: every mismatch fails")
    ap.add_argument("--known", default=",".join(sorted(EXPECTED_UNTIL_FIXED | EXPECTED_UNTIL_FIXED_TX)),
                    help="comma-separated known defects to report as TODO (default: all of "
                    "EXPECTED_UNTIL_FIXED); 'none' is --strict")
    ap.add_argument("--show", type=int, default=5, help="failures shown per program")
    ap.add_argument("--build", default=os.environ.get("BUILD", "build"))
    args = ap.parse_args()
    args.known = set() if args.known == "none" else set(filter(None, args.known.split(",")))
    if args.known - set(M.DEFECTS):
        ap.error("unknown defect names: %s" % ", ".join(sorted(args.known - set(M.DEFECTS))))
    if args.tx_cases is None:
        args.tx_cases = max(args.cases // 5, 0)
    runners = [Runner(args), TxRunner(args)]
    ok = True
    for r in runners:
        r.run()
    if args.tap:
        # one plan over all programs: the points are numbered across runners
        merged = Merged(runners)
        ok = merged.report(sys.stdout)
    else:
        for r in runners:
            ok = r.report(sys.stdout) and ok
    return 0 if ok or args.tap else 1


class Merged(Runner):
    """The programs of several runners, reported as one TAP stream."""

    def __init__(self, runners):
        self.args = runners[0].args
        self.progs = {}
        for r in runners:
            self.progs.update(r.progs)



if __name__ == "__main__":
    sys.exit(main())
