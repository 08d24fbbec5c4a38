#!/bin/bash
# Unit tests of the loader's word tables (loader/opts.c): parsing, the
# given-twice and exclusive-word errors, the synopsis. No root needed.
# prove runs this from anywhere; the binary is build/selftests/test_opts.
cd "$(dirname "$0")/../.." || { echo "1..0 # SKIP cannot cd to the repository root"; exit 0; }
. selftests/lib/unit.sh

unit_exec test_opts
