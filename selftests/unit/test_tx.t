#!/bin/bash
# Unit tests of fou_tx_tc and the XDP forwarding path of fou_rx_xdp
# (BPF_PROG_TEST_RUN on crafted packets). The binary moves itself into a
# private network namespace (a veth pair, addresses, neighbours, forwarding
# on) so that bpf_fib_lookup has an outer route to find; nothing outside it
# is touched, and nothing is attached to any interface.
# prove runs this from anywhere; the binary is build/selftests/test_tx.
cd "$(dirname "$0")/../.." || { echo "1..0 # SKIP cannot cd to the repository root"; exit 0; }
. selftests/lib/unit.sh

unit_require_bpf "BPF_PROG_TEST_RUN, network namespace"
unit_require_cmd ip "ip(8) from iproute2"
unit_exec test_tx "$@"
