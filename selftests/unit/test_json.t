#!/bin/bash
# Unit tests of loader/json.c, the --json writer: exact bytes per case.
# prove runs this from anywhere; the binary is build/selftests/test_json.
cd "$(dirname "$0")/../.." || { echo "1..0 # SKIP cannot cd to the repository root"; exit 0; }
. selftests/lib/unit.sh

unit_exec test_json
