#!/bin/bash
# Unit tests of fou_tx_tc and the XDP forwarding path of fou_rx_xdp
# (BPF_PROG_TEST_RUN on crafted packets). The binary moves itself into a
# private network namespace (a veth pair, addresses, neighbours, forwarding
# on) so that bpf_fib_lookup has an outer route to find; nothing outside it
# is touched, and nothing is attached to any interface.
# prove runs this from anywhere; the binary is build/selftests/test_tx.
cd "$(dirname "$0")/../.." || { echo "1..0 # SKIP cannot cd to the repository root"; exit 0; }

if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP needs root (BPF_PROG_TEST_RUN, network namespace)"
	exit 0
fi
if [ ! -d /sys/fs/bpf ] && [ ! -e /sys/kernel/btf/vmlinux ]; then
	echo "1..0 # SKIP BPF not available on this kernel"
	exit 0
fi
if ! command -v ip >/dev/null 2>&1; then
	echo "1..0 # SKIP needs ip(8) from iproute2"
	exit 0
fi
if [ ! -x build/selftests/test_tx ]; then
	echo "1..1"
	echo "not ok 1 - build/selftests/test_tx is missing (run make)"
	exit 1
fi
exec build/selftests/test_tx
