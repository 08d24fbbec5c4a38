#!/bin/bash
# Unit tests of the drop monitor's side in fou_rx_xdp and fou_rx_tc
# (BPF_PROG_TEST_RUN); the binary is build/selftests/test_monitor.
cd "$(dirname "$0")/../.." || { echo "1..0 # SKIP cannot cd to the repository root"; exit 0; }
. selftests/lib/unit.sh

unit_require_bpf "BPF_PROG_TEST_RUN"
unit_exec test_monitor "$@"
