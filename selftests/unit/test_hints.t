#!/bin/bash
# Unit tests of the GRO hints (fou_rx_xdp with fou_hints_on, fou_hints_tc),
# XDP multi-buffer through every parser and cpumap steering: BPF_PROG_TEST_RUN
# on crafted packets, and fou_hints_tc end to end over a veth pair in a
# private namespace. The binary is build/selftests/test_hints.
cd "$(dirname "$0")/../.." || { echo "1..0 # SKIP cannot cd to the repository root"; exit 0; }
. selftests/lib/unit.sh

unit_require_bpf "BPF_PROG_TEST_RUN, a private network namespace"
unit_require_xdp_hints
unit_exec test_hints "$@"
