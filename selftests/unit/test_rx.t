#!/bin/bash
# Unit tests of fou_rx_xdp and fou_rx_tc (BPF_PROG_TEST_RUN on crafted packets).
# prove runs this from anywhere; the binary is build/selftests/test_rx.
cd "$(dirname "$0")/../.." || { echo "1..0 # SKIP cannot cd to the repository root"; exit 0; }

if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP needs root (BPF_PROG_TEST_RUN)"
	exit 0
fi
if [ ! -d /sys/fs/bpf ] && [ ! -e /sys/kernel/btf/vmlinux ]; then
	echo "1..0 # SKIP BPF not available on this kernel"
	exit 0
fi
if [ ! -x build/selftests/test_rx ]; then
	echo "1..1"
	echo "not ok 1 - build/selftests/test_rx is missing (run make)"
	exit 1
fi
exec build/selftests/test_rx
