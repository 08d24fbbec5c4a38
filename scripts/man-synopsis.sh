#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# man-synopsis.sh FOULOADER < doc/fouloader.8.md: the man page source with its
# @SYNOPSIS@ line replaced by the commands' grammar as FOULOADER's word tables
# give it ('fouloader --man-synopsis', the same tables as --help), so the
# SYNOPSIS cannot drift from the binary.
set -e
[ $# -eq 1 ] && [ -x "$1" ] || { echo "usage: $0 build/fouloader < page.md" >&2; exit 2; }
syn=$("$1" --man-synopsis)
[ -n "$syn" ] || { echo "$0: $1 --man-synopsis printed nothing" >&2; exit 1; }
awk -v syn="$syn" '$0 == "@SYNOPSIS@" { print syn; found = 1; next } { print }
	END { if (!found) { print "man-synopsis.sh: no @SYNOPSIS@ line" > "/dev/stderr"; exit 1 } }'
