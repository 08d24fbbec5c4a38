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

# waits_for_lock ARGS...: while another process holds the pin root's lock,
# the command blocks (the kernel lists it as the lock's waiter); once the lock is released it goes on and succeeds. No timing:
# each step waits for the state it needs (bounded).
waits_for_lock() {
	local holder cmd ino waiting=1 running=1
	ino=$(stat -c %i "$PINR")
	"$PY" -c 'import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
fcntl.flock(fd, fcntl.LOCK_EX)
time.sleep(120)' "$PINR" &
	holder=$!
	cleanup_pid "$holder"
	wait_for 10 grep -Eq "^[0-9]+: FLOCK .* $holder [0-9a-f:]*:$ino " /proc/locks ||
		{ fail "$* waits for the pin root's lock: the lock was never taken"; return; }
	fl "$NS" "$@" >"$TMPD/out" 2>"$TMPD/err" &
	cmd=$!
	wait_for 10 grep -Eq "^[0-9]+: -> FLOCK .*:$ino " /proc/locks && waiting=0
	kill -0 "$cmd" 2>/dev/null && running=0
	kill "$holder"
	wait "$holder" 2>/dev/null
	wait "$cmd"
	RC=$? OUT=$(cat "$TMPD/out") ERR=$(cat "$TMPD/err")
	[ "$waiting" -eq 0 ] && [ "$running" -eq 0 ] && [ "$RC" -eq 0 ]
	ok $? "$* waits for the pin root's lock, then succeeds" || show_run
}
