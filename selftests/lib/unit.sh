# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# shellcheck shell=bash
#
# The prologue of selftests/unit/*.t, which only start a C test binary: skip
# (TAP "1..0 # SKIP") where the binary cannot run, fail where it was not
# built (a forgotten make must not pass as a skip), else become the binary.
# Source it from the repository root.

# unit_require_bpf WHY: root and a BPF-capable kernel; WHY names what needs root.
unit_require_bpf() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "1..0 # SKIP needs root ($1)"
		exit 0
	fi
	if [ ! -d /sys/fs/bpf ] && [ ! -e /sys/kernel/btf/vmlinux ]; then
		echo "1..0 # SKIP BPF not available on this kernel"
		exit 0
	fi
}

# unit_require_xdp_hints: skip where XDP programs may not call
# bpf_xdp_adjust_meta (some kernel builds; fouloader probe says).
unit_require_xdp_hints() {
	if build/fouloader probe lo --json 2>/dev/null | grep -q '"xdp_adjust_meta":false'; then
		echo "1..0 # SKIP this kernel lets no XDP program call bpf_xdp_adjust_meta (XDP hints need it)"
		exit 0
	fi
}

# unit_require_cmd CMD WHAT: CMD on PATH, else skip saying "needs WHAT".
unit_require_cmd() {
	if ! command -v "$1" >/dev/null 2>&1; then
		echo "1..0 # SKIP needs $2"
		exit 0
	fi
}

# unit_exec NAME [ARG...]: exec build/selftests/NAME with ARGs (-t GLOB picks
# cases by name), or one failing test point.
unit_exec() {
	local bin=build/selftests/$1
	if [ ! -x "$bin" ]; then
		echo "1..1"
		echo "not ok 1 - $bin is missing (run make)"
		exit 1
	fi
	shift
	exec "$bin" "$@"
}
