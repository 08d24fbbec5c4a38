#!/bin/bash
# Unit tests of the SCTP paths of fou_rx_xdp, fou_rx_tc and fou_tx_tc: CRC32c
# checks, the RFC 6951 port and gateway learning, encapsulation and CRC fill
# (BPF_PROG_TEST_RUN on crafted packets, in a private network namespace).
# prove runs this from anywhere; the binary is build/selftests/test_sctp.
cd "$(dirname "$0")/../.." || { echo "1..0 # SKIP cannot cd to the repository root"; exit 0; }
. selftests/lib/unit.sh

unit_require_bpf "BPF_PROG_TEST_RUN and a network namespace"
unit_exec test_sctp "$@"
