#!/bin/bash
# The unit tests of test_rx.t against fou_rx_tc's and fou_rx_xdp's nocast
# builds (FOU_KERN_CTX 0, what kernels before 6.2 get): same packets, same
# verdicts, bytes and counters. The binary is build/selftests/test_rx_nocast.
cd "$(dirname "$0")/../.." || { echo "1..0 # SKIP cannot cd to the repository root"; exit 0; }
. selftests/lib/unit.sh

unit_require_bpf "BPF_PROG_TEST_RUN"
unit_exec test_rx_nocast "$@"
