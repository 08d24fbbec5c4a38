#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Operating fouloader: the man page against the binary (every command and its
# grammar in SYNOPSIS, a COMMANDS entry each, every counter, no groff
# warnings); make install / uninstall into a DESTDIR; systemd-analyze verify
# of the unit; the unit's own ExecStart/ExecReload/ExecStop lines run against
# a network namespace this test creates (with its own pin root), plainly and
# then inside an imitation of the unit's sandbox (its capability bounding
# set, no_new_privs, everything read-only but /sys/fs/bpf); fouloader-conf's
# comments, FILE:LINE errors and --keep-existing.
cd "$(dirname "$0")/../.." || exit 1
. selftests/lib/netns.sh

require_root
require_cmd ip tc nsenter man col make sed awk timeout cmp
require_fouloader
[ -r build/fouloader.8 ] || skip_all "build/fouloader.8 not built (run make)"

make_tmpd ops
MAN_TXT=$TMPD/man.txt
MANWIDTH=1000 man -l build/fouloader.8 2>/dev/null | col -b >"$MAN_TXT"

# norm: one line, single blanks
norm() { tr -s ' \t\n' '   ' | sed -e 's/^ //' -e 's/ $//'; }
# cmd_name GRAMMAR: the leading lowercase words ("port add", "stats")
cmd_name() { awk '{ n = ""; for (i = 1; i <= NF && $i ~ /^[a-z]+$/; i++) n = n (n ? " " : "") $i; print n }'; }

# ---------------------------------------------------------------- man page vs binary
# The binary's commands: "  fouloader X ..." lines of --help and their
# continuation lines, one command per line of $TMPD/help.cmds.
"$FOULOADER" --help | awk '
	/^commands:/ { on = 1; next }
	on && /^$/ { exit }
	on && /^  fouloader / { if (c != "") print c; c = substr($0, 13); next }
	on { c = c " " $0 }
	END { if (c != "") print c }' | while IFS= read -r l; do printf '%s\n' "$l" | norm; echo; done >"$TMPD/help.cmds"
# The man page's: SYNOPSIS paragraphs "fouloader <lowercase word> ...".
sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' "$MAN_TXT" | sed '1d;$d' | awk '
	/^[[:space:]]*$/ { if (p != "") print p; p = ""; next }
	{ p = p " " $0 }
	END { if (p != "") print p }' | while IFS= read -r l; do printf '%s\n' "$l" | norm; echo; done |
	sed -n 's/^fouloader \([a-z]\)/\1/p' >"$TMPD/man.cmds"

cut_names() { cmd_name <"$1" | sort; }
nhelp=$(wc -l <"$TMPD/help.cmds")
nman=$(wc -l <"$TMPD/man.cmds")
[ "$nhelp" -ge 10 ]
ok $? "fouloader --help lists $nhelp commands" || diag_file "$TMPD/help.cmds"
missing=$(comm -23 <(cut_names "$TMPD/help.cmds") <(cut_names "$TMPD/man.cmds"))
[ -z "$missing" ]
ok $? "every command of fouloader --help is in the man page's SYNOPSIS" || diag "missing: $missing"
extra=$(comm -13 <(cut_names "$TMPD/help.cmds") <(cut_names "$TMPD/man.cmds"))
[ -z "$extra" ]
ok $? "the man page's SYNOPSIS has no command the binary does not know ($nman entries)" || diag "unknown: $extra"

# the grammar itself, word for word
while IFS= read -r h; do
	name=$(printf '%s\n' "$h" | cmd_name)
	m=$(awk -v n="$name" '{ split($0, w, " "); k = ""; for (i = 1; i in w && w[i] ~ /^[a-z]+$/; i++) k = k (k ? " " : "") w[i]; if (k == n) print }' "$TMPD/man.cmds")
	[ -n "$m" ] || continue
	[ "$m" = "$h" ]
	ok $? "SYNOPSIS of '$name' is the grammar of --help" || diag "help: fouloader $h" "man:  fouloader $m"
done <"$TMPD/help.cmds"

# a COMMANDS entry (.SS heading, at column 0 once rendered) for each command
nocmd=
while IFS= read -r name; do
	grep -q "^$name\( \|$\)" <(sed -n '/^COMMANDS/,/^COUNTERS/p' "$MAN_TXT") || nocmd="$nocmd '$name'"
done < <(cut_names "$TMPD/help.cmds")
[ -z "$nocmd" ]
ok $? "every command has its own entry under COMMANDS" || diag "no entry:$nocmd"

# every counter of include/fou_stats.h under COUNTERS, and the global options
nocnt=
for c in $(sed -n 's/^[[:space:]]*X([A-Z0-9_]*, *"\([a-z0-9_]*\)".*/\1/p' include/fou_stats.h); do
	sed -n '/^COUNTERS/,/^FILES/p' "$MAN_TXT" | grep -qx "[[:space:]]*$c" || nocnt="$nocnt $c"
done
[ -z "$nocnt" ]
ok $? "every counter of include/fou_stats.h is listed under COUNTERS" || diag "missing:$nocnt"
nosec=
for s in NAME SYNOPSIS DESCRIPTION OPTIONS COMMANDS COUNTERS FILES "EXIT STATUS" EXAMPLES NOTES "SEE ALSO"; do
	grep -qx "$s" "$MAN_TXT" || nosec="$nosec '$s'"
done
[ -z "$nosec" ] && grep -q 'ip-fou(8), bpftool(8), xdp-loader(8)' "$MAN_TXT"
ok $? "man page has every section, SEE ALSO ip-fou(8) bpftool(8) xdp-loader(8)" || diag "missing:$nosec"

warn=$(MANWIDTH=80 man --warnings -l build/fouloader.8 2>&1 >/dev/null)
[ -z "$warn" ]
ok $? "man --warnings -l build/fouloader.8 prints no warning" || diag "$warn"

# ---------------------------------------------------------------- make install
D=$TMPD/root
make -s install DESTDIR="$D" PREFIX=/usr >"$TMPD/install.log" 2>&1
ok $? "make install DESTDIR=\$TMPD/root PREFIX=/usr" || diag_file "$TMPD/install.log"
BIN=$D/usr/sbin/fouloader
CONF_HELPER=$D/usr/libexec/fouloader/fouloader-conf
UNIT=$D/usr/lib/systemd/system/fouloader@.service
EXAMPLE=$D/etc/fouloader/example.conf.example
INSTALLED=("$BIN" "$D/usr/share/man/man8/fouloader.8" "$CONF_HELPER" "$UNIT" "$EXAMPLE")
[ -x "$BIN" ] && cmp -s "$BIN" build/fouloader
ok $? "binary at \$DESTDIR/usr/sbin/fouloader"
cmp -s "$D/usr/share/man/man8/fouloader.8" build/fouloader.8
ok $? "man page at \$DESTDIR/usr/share/man/man8/fouloader.8"
[ -x "$CONF_HELPER" ] && grep -q '/usr/sbin/fouloader' "$CONF_HELPER" && ! grep -q /usr/local "$CONF_HELPER"
ok $? "fouloader-conf at \$DESTDIR/usr/libexec/fouloader/, defaulting to /usr/sbin/fouloader"
[ -f "$UNIT" ] && grep -q '^ExecStart=/usr/sbin/fouloader ' "$UNIT" &&
	grep -q '^ExecStart=/usr/libexec/fouloader/fouloader-conf ' "$UNIT" && ! grep -v '^#' "$UNIT" | grep -q /usr/local
ok $? "unit at \$DESTDIR/usr/lib/systemd/system/fouloader@.service, paths rewritten to PREFIX" ||
	diag "$(grep '^Exec' "$UNIT" 2>&1)"
cmp -s "$EXAMPLE" scripts/example.conf.example
ok $? "example config at \$DESTDIR/etc/fouloader/example.conf.example"
echo "# edited" >>"$EXAMPLE"
make -s install DESTDIR="$D" PREFIX=/usr >"$TMPD/install2.log" 2>&1 && tail -1 "$EXAMPLE" | grep -qx '# edited'
ok $? "a second make install keeps an existing (edited) example config" || diag_file "$TMPD/install2.log"
cp scripts/example.conf.example "$EXAMPLE"

# ---------------------------------------------------------------- systemd-analyze verify
# The installed unit, as an instance, with its programs pointed into DESTDIR
# (verify wants them to exist) and the man page found there (Documentation=).
mkdir -p "$TMPD/units"
VUNIT=$TMPD/units/fouloader@veth0.service
sed -e "s|=/usr/|=$D/usr/|" "$UNIT" >"$VUNIT"
if ! command -v systemd-analyze >/dev/null 2>&1; then
	skip "systemd-analyze verify fouloader@veth0.service" "systemd-analyze not installed"
else
	out=$(MANPATH=$D/usr/share/man systemd-analyze verify "$VUNIT" 2>&1)
	st=$?
	[ $st -eq 0 ] && ! grep -q 'fouloader' <<<"$out"
	ok $? "systemd-analyze verify fouloader@veth0.service (installed unit)" || diag "exit $st" "$out"
fi

# ---------------------------------------------------------------- the unit's command lines
NS=fou-ops-$$
PIN=/sys/fs/bpf/fou-ops-$$
cleanup_pin "$PIN"
new_ns "$NS" || bail "could not create namespace $NS"
ip -n "$NS" link add veth0 type veth peer name veth1 &&
	ip -n "$NS" addr add 10.203.0.1/24 dev veth0 &&
	ip -n "$NS" link set veth0 up && ip -n "$NS" link set veth1 up ||
	bail "could not create veth0/veth1 in $NS"

CONFDIR=$TMPD/etc
mkdir -p "$CONFDIR"
cat >"$CONFDIR/veth0.conf" <<'EOF'
# fouloader-conf test: comments, blank lines, trailing comments

port add 5555 ipproto 4 peer 10.203.0.2   # from B only
	tunnel add to-b local 10.203.0.1 remote 10.203.0.2 encap fou ipproto 4 encap-dport 5555
route add 192.0.2.128/25 tunnel to-b
EOF

# unit_lines KEY: the unit's KEY= command lines, %i and the config directory
# substituted, systemd's prefixes (-@:+!) dropped.
unit_lines() {
	sed -n "s/^$1=[-@:+!]*//p" "$VUNIT" | sed -e 's/%i/veth0/g' -e "s|/etc/fouloader/|$CONFDIR/|g"
}
# The environment the unit gives its commands (FOULOADER_OPTS carries our pin
# root; FOULOADER points the helper at the installed binary).
HOOK=tc
UNIT_ENV=(FOULOADER="$BIN" FOULOADER_OPTS="--pin-root $PIN" FOULOADER_ATTACH_OPTS="--rx tc")
# run_unit KEY [PREFIX...]: every KEY= line in order, stopping at the first
# failure, inside NS, words expanded as systemd does ($VAR: split at blanks).
# Sets RC OUT ERR.
run_unit() {
	local key=$1 line w v words; shift
	: >"$TMPD/out"; : >"$TMPD/err"; RC=0
	while IFS= read -r line; do
		words=()
		for w in $line; do
			if [[ $w =~ ^\$([A-Za-z_][A-Za-z0-9_]*)$ ]]; then
				v=$(env "${UNIT_ENV[@]}" printenv "${BASH_REMATCH[1]}")
				# shellcheck disable=SC2206
				words+=($v)
			else
				words+=("$w")
			fi
		done
		timeout 60 env "${UNIT_ENV[@]}" nsenter --net="/run/netns/$NS" -- "$@" "${words[@]}" \
			>>"$TMPD/out" 2>>"$TMPD/err" </dev/null
		RC=$?
		[ "$RC" -eq 0 ] || break
	done < <(unit_lines "$key")
	OUT=$(cat "$TMPD/out"); ERR=$(cat "$TMPD/err")
}
n_start=$(unit_lines ExecStart | wc -l)
[ "$n_start" -eq 2 ] && [ "$(unit_lines ExecReload | wc -l)" -eq 1 ] && [ "$(unit_lines ExecStop | wc -l)" -eq 1 ]
ok $? "unit has ExecStart (attach, fouloader-conf), ExecReload, ExecStop" || diag "$(grep '^Exec' "$VUNIT")"

# config_shown: status, port/tunnel/route show reflect the attach and the file
config_shown() {
	local s p t r
	s=$(fl "$NS" status 2>&1); p=$(fl "$NS" port show 2>&1)
	t=$(fl "$NS" tunnel show 2>&1); r=$(fl "$NS" route show 2>&1)
	grep -q "^veth0 .*rx $HOOK .*live" <<<"$s" &&
		grep -q '5555 .*ipproto 4.*peer 10.203.0.2' <<<"$p" &&
		grep -q 'to-b .*local 10.203.0.1 remote 10.203.0.2 encap fou' <<<"$t" &&
		grep -q '192.0.2.128/25 .*to-b' <<<"$r" ||
		{ diag "status: $s" "port show: $p" "tunnel show: $t" "route show: $r"; return 1; }
}
not_attached() {
	! fl "$NS" status 2>/dev/null | grep -q '^veth0 ' &&
		[ "$(xdp_attach_mode "$NS" veth0)" = none ] &&
		[ "$(tc -n "$NS" filter show dev veth0 ingress 2>/dev/null | grep -c bpf)" -eq 0 ] &&
		[ "$(tc -n "$NS" filter show dev veth0 egress 2>/dev/null | grep -c bpf)" -eq 0 ]
}

# unit_cycle LABEL [PREFIX...]: start, start again (restart after a failure),
# reload, stop, start, stop: every step and its effect.
unit_cycle() {
	local label=$1; shift
	run_unit ExecStart "$@"
	ok "$RC" "$label: ExecStart (attach veth0, then veth0.conf) exits 0" || show_run
	config_shown
	ok $? "$label: after ExecStart veth0 is attached ($HOOK) and port/tunnel/route show the config"
	run_unit ExecReload "$@"
	ok "$RC" "$label: ExecReload exits 0" || show_run
	grep -q 'veth0.conf:3: port 5555 exists already, left unchanged' <<<"$ERR" &&
		grep -q 'veth0.conf:4: tunnel to-b exists already' <<<"$ERR" &&
		grep -q 'veth0.conf:5: route 192.0.2.128/25 exists already' <<<"$ERR"
	ok $? "$label: ExecReload reports each existing entry with FILE:LINE" || show_run
	[ "$(fl "$NS" port show | wc -l)" -eq 1 ] && [ "$(fl "$NS" route show | wc -l)" -eq 1 ] && config_shown
	ok $? "$label: after ExecReload the configuration is unchanged"
	run_unit ExecStart "$@"
	ok "$RC" "$label: ExecStart again while attached (restart) exits 0" || show_run
	run_unit ExecStop "$@"
	ok "$RC" "$label: ExecStop exits 0" || show_run
	not_attached
	ok $? "$label: after ExecStop nothing of fouloader is attached to veth0"
	[ -n "$(fl "$NS" route show 2>/dev/null)" ]
	ok $? "$label: after ExecStop the configuration is still pinned"
	run_unit ExecStart "$@"
	ok "$RC" "$label: ExecStart after ExecStop (pinned config kept) exits 0" || show_run
	config_shown
	ok $? "$label: attached again, same configuration"
	run_unit ExecStop "$@"
	ok "$RC" "$label: ExecStop exits 0" || show_run
	not_attached
	ok $? "$label: detached"
}
unit_cycle "plain"

# The same in an imitation of the unit's sandbox: a private mount namespace
# where every mount is read-only except the bpffs (ProtectSystem=strict,
# ProtectKernelTunables=yes, ReadWritePaths=/sys/fs/bpf), only the unit's
# CapabilityBoundingSet, and no_new_privs. Remounts are "bind,ro": they change
# only this namespace's mounts, never a filesystem.
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$VUNIT" | tr '[:upper:]' '[:lower:]' | sed 's/cap_//g; s/ \+/,+/g')
if ! command -v setpriv >/dev/null || ! command -v unshare >/dev/null || [ -z "$caps" ]; then
	skip "unit lines inside an imitation of the unit's sandbox" "needs setpriv and unshare"
else
	cat >"$TMPD/sandbox.sh" <<'EOF'
#!/bin/bash
# sandbox.sh CAPS CMD...: see test_ops.t
caps=$1; shift
awk '{ print $5 }' /proc/self/mountinfo | sort -u | while read -r m; do
	case $m in /sys/fs/bpf | /sys/fs/bpf/* | /run/netns/* | *\\*) continue ;; esac
	mount -o remount,bind,ro "$m" 2>/dev/null
done
touch /usr/.fou-ro-probe 2>/dev/null && { echo "sandbox: / still writable" >&2; rm -f /usr/.fou-ro-probe; exit 99; }
exec setpriv --bounding-set="-all,+$caps" --no-new-privs -- "$@"
EOF
	chmod +x "$TMPD/sandbox.sh"
	# nsenter (run_unit) runs unshare, which runs sandbox.sh: mounts, then caps
	unit_cycle "sandboxed, tc" unshare -m --propagation private "$TMPD/sandbox.sh" "$caps"
	# XDP too: libxdp needs more than TC does (CAP_SYS_ADMIN)
	HOOK=xdp
	UNIT_ENV=(FOULOADER="$BIN" FOULOADER_OPTS="--pin-root $PIN" FOULOADER_ATTACH_OPTS="--rx xdp --xdp-mode skb")
	unit_cycle "sandboxed, xdp skb" unshare -m --propagation private "$TMPD/sandbox.sh" "$caps"
	HOOK=tc
	UNIT_ENV=(FOULOADER="$BIN" FOULOADER_OPTS="--pin-root $PIN" FOULOADER_ATTACH_OPTS="--rx tc")
fi

# ---------------------------------------------------------------- fouloader-conf
# conf_run FILE [ARGS...]: the installed helper in NS with our pin root.
conf_run() {
	timeout 60 env "${UNIT_ENV[@]}" nsenter --net="/run/netns/$NS" -- "$CONF_HELPER" "$@" \
		>"$TMPD/out" 2>"$TMPD/err" </dev/null
	RC=$?; OUT=$(cat "$TMPD/out"); ERR=$(cat "$TMPD/err")
}
printf '%s\n' "# bad line 3" "port add 6000 gue peer 10.203.0.9" "port add 6001 gue peer nowhere" \
	"port add 6002 gue peer 10.203.0.9" >"$CONFDIR/bad.conf"
conf_run "$CONFDIR/bad.conf"
[ "$RC" -eq 2 ] && grep -q "bad.conf:3: 'fouloader port add 6001 gue peer nowhere' failed (exit 2)" <<<"$ERR"
ok $? "fouloader-conf stops at a bad line: exit 2, FILE:LINE on stderr" || show_run
fl "$NS" port show | grep -q '^port 6000 \|6000 ' && ! fl "$NS" port show | grep -q 6002
ok $? "lines before the bad one are applied, none after"
conf_run "$CONFDIR/veth0.conf"
[ "$RC" -eq 2 ] && grep -q 'veth0.conf:3:' <<<"$ERR"
ok $? "without --keep-existing an existing entry fails with FILE:LINE (exit 2)" || show_run
conf_run "$CONFDIR/absent.conf"
[ "$RC" -eq 2 ] && grep -q 'cannot read' <<<"$ERR"
ok $? "fouloader-conf: a missing file exits 2" || show_run
FOULOADER_OPTS='' timeout 10 "$CONF_HELPER" --help | grep -q 'keep-existing'
ok $? "fouloader-conf --help documents --keep-existing"

# ---------------------------------------------------------------- make uninstall
make -s uninstall DESTDIR="$D" PREFIX=/usr >"$TMPD/uninstall.log" 2>&1
ok $? "make uninstall DESTDIR=\$TMPD/root PREFIX=/usr" || diag_file "$TMPD/uninstall.log"
left=
for f in "${INSTALLED[@]}"; do [ -e "$f" ] && left="$left $f"; done
[ -z "$left" ] && [ ! -e "$D/etc/fouloader" ] && [ ! -e "$D/usr/libexec/fouloader" ]
ok $? "make uninstall removes every installed file (and the empty directories)" || diag "left:$left"

done_testing
