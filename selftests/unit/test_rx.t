#!/bin/bash
# Unit tests of fou_rx_xdp and fou_rx_tc (BPF_PROG_TEST_RUN on crafted packets).
# prove runs this from anywhere; the binary is build/selftests/test_rx.
cd "$(dirname "$0")/../.." || { echo "1..0 # SKIP cannot cd to the repository root"; exit 0; }
. selftests/lib/unit.sh

unit_require_bpf "BPF_PROG_TEST_RUN"
unit_exec test_rx "$@"
