#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# run-config.sh BINARY WORKDIR [LIBFUZZER OPTIONS...]: the config fuzzer
# (fuzz_config.c) from its seeds, selftests/fuzz/corpus/config/ (read only:
# what it finds goes to WORKDIR/corpus, crash/leak/timeout inputs to
# WORKDIR/), in a network namespace of its own (as root: only lo, so no
# address of this machine changes what is accepted), without address-space
# randomisation (a fixed -seed then gives the same cases). Prints, after
# libFuzzer's own output, one line:
#   fuzz-config: N cases (A accepted, R rejected with a one-line error),
#   E execs/s, K findings
# and the findings' files; exits 1 if there are any or libFuzzer failed.
set -uo pipefail
bin=$1 work=$2
shift 2
seeds=$(cd "$(dirname "$0")" && pwd)/corpus/config
mkdir -p "$work/corpus"
rm -f "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* "$work"/slow-unit-*
log=$work/fuzz.log
ns=()
[ "$(id -u)" -eq 0 ] && ns=(unshare --net --)
# Without address-space randomisation, a fixed -seed and -runs give the
# same cases every time (libFuzzer's comparison tracing sees addresses).
setarch "$(uname -m)" -R true 2>/dev/null && ns+=(setarch "$(uname -m)" -R)
# -timeout: an input taking 10 s is a finding (a hang); -rss_limit_mb: so is
# memory growth; -reload=0: the corpus is read once (a timed re-read
# would make runs differ); -detect_leaks (LeakSanitizer after every input that
# allocated more than it freed) is libFuzzer's default, kept explicit.
"${ns[@]}" "$bin" -print_final_stats=1 -reload=0 -timeout=10 -rss_limit_mb=2048 -detect_leaks=1 \
	-artifact_prefix="$work/" "$@" "$work/corpus" "$seeds" >"$log" 2>&1
rc=$?
grep -v '^"\|^#[0-9]*	\(NEW\|REDUCE\|pulse\)\|Recommended dictionary\|End of recommended' "$log"
cases=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
counts=$(sed -n 's/^fuzz_config: [0-9]* inputs: \([0-9]*\) accepted, \([0-9]*\) rejected.*/\1 \2/p' "$log")
read -r acc rej <<<"${counts:-? ?}"
findings=$(ls "$work" | grep -cE '^(crash|leak|timeout|oom|slow-unit)-')
echo "fuzz-config: ${cases:-?} cases ($acc accepted, $rej rejected with a one-line error)," \
	"${rate:-?} execs/s, $findings findings"
ls "$work" | grep -E '^(crash|leak|timeout|oom|slow-unit)-' | sed "s|^|  finding: $work/|"
[ "$rc" -eq 0 ] && [ "$findings" -eq 0 ]
