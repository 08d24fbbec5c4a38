#!/bin/bash
# The unit tests of test_tx.t against fou_tx_tc's nocast build (FOU_KERN_CTX 0,
# what kernels before 6.2 get): same packets, same verdicts, bytes and
# counters, in the same private network namespace. The binary is
# build/selftests/test_tx_nocast.
cd "$(dirname "$0")/../.." || { echo "1..0 # SKIP cannot cd to the repository root"; exit 0; }
. selftests/lib/unit.sh

unit_require_bpf "BPF_PROG_TEST_RUN, network namespace"
unit_require_cmd ip "ip(8) from iproute2"
unit_exec test_tx_nocast "$@"
