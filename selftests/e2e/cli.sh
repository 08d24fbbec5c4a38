# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Helpers of the command-line tests (test_sctp_cli.t, test_icmp_cli.t), sourced
# after hosts.sh. They read the test's own NS, PINR and TMPD, call its run_fl
# (fl_run in NS) and its state() (every map the commands may touch, for
# before/after comparisons).

# j EXPR: EXPR on the JSON document on stdin (as j), printed as JSON unless a string
j() { "$PY" -c "import json,sys; j=json.load(sys.stdin); v=($1); print(json.dumps(v, sort_keys=True) if not isinstance(v, str) else v)" 2>&1; }

# dump MAP: the pinned map's formatted entries, sorted ("absent" if not pinned)
dump() {
	[ -e "$PINR/$1" ] || { echo absent; return; }
	bpftool -j map dump pinned "$PINR/$1" 2>&1 |
		j "sorted([e['formatted'] for e in j], key=lambda e: json.dumps(e, sort_keys=True))"
}

# bad WORD DESC ARGS...: exit 2, stdout empty, one line on stderr that names
# WORD, and no map changed.
bad() {
	local word=$1 desc=$2 before; shift 2
	before=$(state)
	run_fl "$@"
	[ "$RC" -eq 2 ] && [ -z "$OUT" ] && [ "$(wc -l <<<"$ERR")" -eq 1 ] &&
		grep -q "^fouloader: .*$word" <<<"$ERR"
	ok $? "bad: $desc: exit 2, one line naming '$word'" || show_run
	[ "$(state)" = "$before" ]
	ok $? "bad: $desc: nothing changed" || diag "before: $before" "after: $(state)"
}

# bad_fresh WORD DESC ARGS...: bad, before anything exists: it must also
# leave no pin root behind.
bad_fresh() {
	local word=$1 desc=$2; shift 2
	bad "$word" "$desc" "$@"
	[ ! -e "$PINR" ] || { fail "bad: $desc created $PINR"; rm -rf "$PINR"; }
}

# badfile LINE WORD DESC LINES...: apply of a file of LINES exits 2 with one
# line "FILE:LINE: ...WORD", and changes nothing.
badfile() {
	local line=$1 word=$2 desc=$3 before; shift 3
	printf '%s\n' "$@" >"$TMPD/bad.conf"
	before=$(state)
	run_fl apply "$TMPD/bad.conf"
	[ "$RC" -eq 2 ] && [ -z "$OUT" ] && [ "$(wc -l <<<"$ERR")" -eq 1 ] &&
		grep -q "^fouloader: $TMPD/bad.conf:$line: .*$word" <<<"$ERR"
	ok $? "bad file: $desc: exit 2, line $line named" || show_run
	[ "$(state)" = "$before" ]
	ok $? "bad file: $desc: nothing changed"
}

# waits_for_lock ARGS...: with the pin root's lock held (by flock(1), 1.5 s),
# the command waits for it, then succeeds.
waits_for_lock() {
	local pid t0 t1 ms
	flock -x "$PINR" sleep 1.5 &
	pid=$!
	cleanup_pid "$pid"
	sleep 0.3
	t0=$(date +%s%N)
	run_fl "$@"
	t1=$(date +%s%N)
	wait "$pid"
	ms=$(((t1 - t0) / 1000000))
	[ "$RC" -eq 0 ] && [ "$ms" -ge 900 ]
	ok $? "$* waits for the pin root's lock ($ms ms)" || show_run
}
