#!/bin/bash
# Unit tests of issue 5: ICMP errors matched to tunnels on fou_rx_xdp and
# fou_rx_tc (path MTU, Redirect, anti-poisoning), and the Frag Needed /
# Packet Too Big fou_tx_tc sends to inner senders (BPF_PROG_TEST_RUN on
# crafted packets, in a private network namespace).
# prove runs this from anywhere; the binary is build/selftests/test_icmp.
cd "$(dirname "$0")/../.." || { echo "1..0 # SKIP cannot cd to the repository root"; exit 0; }
. selftests/lib/unit.sh

unit_require_bpf "BPF_PROG_TEST_RUN and a network namespace"
unit_exec test_icmp "$@"
