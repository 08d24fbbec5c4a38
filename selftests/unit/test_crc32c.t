#!/bin/bash
# Unit tests of bpf/lib/crc32c.h (BPF_PROG_TEST_RUN of selftests/bench/crc_{xdp,tc}.bpf.c).
# prove runs this from anywhere; the binary is build/selftests/test_crc32c.
cd "$(dirname "$0")/../.." || { echo "1..0 # SKIP cannot cd to the repository root"; exit 0; }
. selftests/lib/unit.sh

unit_require_bpf "BPF_PROG_TEST_RUN"
unit_exec test_crc32c "$@"
