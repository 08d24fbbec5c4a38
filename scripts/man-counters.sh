#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# man-counters.sh FOU_STATS_H < doc/fouloader.8.md: the man page source with
# its @COUNTERS@ line replaced by the counter list of include/fou_stats.h (a
# definition list, name and description), so the list cannot drift.
set -e
[ $# -eq 1 ] && [ -r "$1" ] || { echo "usage: $0 include/fou_stats.h < page.md" >&2; exit 2; }
list=$(awk -F'"' '/^[[:space:]]*X\([A-Z0-9_]+, *"/ { printf "**%s**\n: %s\n\n", $2, $4 }' "$1")
[ -n "$list" ] || { echo "$0: no counters found in $1" >&2; exit 1; }
awk -v list="$list" '$0 == "@COUNTERS@" { print list; found = 1; next } { print }
	END { if (!found) { print "man-counters.sh: no @COUNTERS@ line" > "/dev/stderr"; exit 1 } }'
