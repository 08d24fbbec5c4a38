#!/bin/bash
# fouloader benchmarks. Figures are printed beside a baseline measured in the
# same run; nothing here passes or fails on time.
#
# Sections (run all, or name some): rx_prog
#   rx_prog   cost per packet of the receive programs (BPF_PROG_TEST_RUN),
#             beside a trivial XDP/TC program: build/selftests/bench_rx
# More sections (end-to-end throughput) may be appended: add a function
# bench_<name> and list <name> in SECTIONS.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1

SECTIONS=(rx_prog)
status=0

section() {
	echo
	echo "=== $1 ==="
}

bench_rx_prog() {
	section "rx_prog: receive program cost (BPF_PROG_TEST_RUN)"
	if [ ! -x build/selftests/bench_rx ]; then
		echo "build/selftests/bench_rx is missing: run make first" >&2
		return 1
	fi
	# BENCH_RX_CALLS / BENCH_RX_XDP_CALLS: calls per shot at TC / XDP (see
	# bench_rx.c; XDP calls cost ~16 ms each, so keep that one small).
	build/selftests/bench_rx ${BENCH_RX_CALLS:-400} ${BENCH_RX_XDP_CALLS:-40}
}

if [ "$(id -u)" -ne 0 ]; then
	echo "bench.sh: the benchmarks need root (BPF test runs, network namespaces)." >&2
	echo "          run: sudo $0 $*" >&2
	exit 1
fi

if [ $# -gt 0 ]; then
	SECTIONS=("$@")
fi

for s in "${SECTIONS[@]}"; do
	if ! declare -F "bench_$s" >/dev/null; then
		echo "bench.sh: unknown section '$s' (known: $(declare -F | sed -n 's/^declare -f bench_//p' | tr '\n' ' '))" >&2
		status=1
		continue
	fi
	"bench_$s" || status=1
done
exit $status
