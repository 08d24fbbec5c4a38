#!/bin/bash
# No file of loader/ calls back into a file that calls it, directly or round
# a loop (scripts/loader-calls.py, from the objects' symbol tables): the
# layering stays a tree as the loader grows.
# prove runs this from anywhere; it needs make's skeleton headers in build/.
cd "$(dirname "$0")/../.." || { echo "1..0 # SKIP cannot cd to the repository root"; exit 0; }

echo "1..1"
if ! ls build/*.skel.h >/dev/null 2>&1; then
	echo "not ok 1 - build/ has no skeleton headers (run make)"
	exit 1
fi
if out=$(python3 scripts/loader-calls.py 2>&1); then
	echo "ok 1 - no cycle among loader/*.c: $(tail -n 1 <<<"$out")"
else
	echo "not ok 1 - loader/*.c: a cycle, or a file that does not compile"
	sed 's/^/# /' <<<"$out"
	exit 1
fi
