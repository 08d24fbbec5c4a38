#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Operating fouloader: the man page against the binary (every command and its
# grammar in SYNOPSIS, a COMMANDS entry each, every counter, no groff
# warnings); make install / uninstall into a DESTDIR; systemd-analyze verify
# of the unit; the unit's own ExecStart/ExecReload/ExecStop lines run against
# a network namespace this test creates (with its own pin root), plainly and
# then inside an imitation of the unit's sandbox (its capability bounding
# set, no_new_privs, everything read-only but /sys/fs/bpf): ExecStart applies
# the conf file, ExecReload makes the configuration follow an edit of it (a
# changed tunnel, a dropped route, everything dropped), and a bad file makes
# ExecReload exit 2 with FILE:LINE and change nothing.
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
UNIT=$D/usr/lib/systemd/system/fouloader@.service
EXAMPLE=$D/etc/fouloader/example.conf.example
INSTALLED=("$BIN" "$D/usr/share/man/man8/fouloader.8" "$UNIT" "$EXAMPLE")
[ -x "$BIN" ] && cmp -s "$BIN" build/fouloader
ok $? "binary at \$DESTDIR/usr/sbin/fouloader"
cmp -s "$D/usr/share/man/man8/fouloader.8" build/fouloader.8
ok $? "man page at \$DESTDIR/usr/share/man/man8/fouloader.8"
[ -f "$UNIT" ] && grep -qx 'ExecStart=/usr/sbin/fouloader $FOULOADER_OPTS attach %i $FOULOADER_ATTACH_OPTS' "$UNIT" &&
	grep -qx 'ExecStart=/usr/sbin/fouloader $FOULOADER_OPTS apply /etc/fouloader/%i.conf' "$UNIT" &&
	grep -qx 'ExecReload=/usr/sbin/fouloader $FOULOADER_OPTS apply /etc/fouloader/%i.conf' "$UNIT" &&
	! grep -v '^#' "$UNIT" | grep -q '/usr/local\|libexec'
ok $? "unit at \$DESTDIR/usr/lib/systemd/system/fouloader@.service, paths rewritten to PREFIX" ||
	diag "$(grep '^Exec' "$UNIT" 2>&1)"
files=$(cd "$D" && find . ! -type d | sort | tr '\n' ' ')
[ "$files" = "./etc/fouloader/example.conf.example ./usr/lib/systemd/system/fouloader-metrics.service ./usr/lib/systemd/system/fouloader-metrics.timer ./usr/lib/systemd/system/fouloader@.service ./usr/sbin/fouloader ./usr/share/man/man8/fouloader.8 " ]
ok $? "make install installs these six files and nothing else (no helper)" || diag "installed: $files"
MUNIT=$D/usr/lib/systemd/system/fouloader-metrics.service
grep -qx 'ExecStart=/usr/sbin/fouloader stats --prometheus --output /var/lib/prometheus/node-exporter/fouloader.prom' "$MUNIT"
ok $? "metrics unit: ExecStart rewritten to PREFIX, writes the textfile collector's directory" ||
	diag "$(grep '^Exec' "$MUNIT" 2>&1)"
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
	skip "systemd-analyze verify fouloader-metrics.timer and .service" "systemd-analyze not installed"
else
	out=$(MANPATH=$D/usr/share/man systemd-analyze verify "$VUNIT" 2>&1)
	st=$?
	[ $st -eq 0 ] && ! grep -q 'fouloader' <<<"$out"
	ok $? "systemd-analyze verify fouloader@veth0.service (installed unit)" || diag "exit $st" "$out"
	sed -e "s|=/usr/|=$D/usr/|" "$MUNIT" >"$TMPD/units/fouloader-metrics.service"
	cp "$D/usr/lib/systemd/system/fouloader-metrics.timer" "$TMPD/units/"
	out=$(MANPATH=$D/usr/share/man systemd-analyze verify "$TMPD/units/fouloader-metrics.timer" \
		"$TMPD/units/fouloader-metrics.service" 2>&1)
	st=$?
	[ $st -eq 0 ] && ! grep -q 'fouloader' <<<"$out"
	ok $? "systemd-analyze verify fouloader-metrics.timer and .service" || diag "exit $st" "$out"
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
CONF=$CONFDIR/veth0.conf
# The file the unit starts from: comments, blank lines, a trailing comment, a
# leading tab and the optional word "fouloader" (apply's grammar).
cat >"$TMPD/base.conf" <<'EOF'
# test_ops.t: comments, blank lines, trailing comments

port add 5555 ipproto 4 peer 10.203.0.2   # from B only
	tunnel add to-b local 10.203.0.1 remote 10.203.0.2 encap fou ipproto 4 encap-dport 5555
route add 192.0.2.128/25 tunnel to-b
fouloader route add 198.51.100.0/24 tunnel to-b
EOF
# The edit: another encap-dport for to-b, the route to 198.51.100.0/24 dropped.
sed -e 's/encap-dport 5555/encap-dport 5556/' -e '/198\.51\.100/d' "$TMPD/base.conf" >"$TMPD/edited.conf"
# Bad files on top of the edit, each with good changes before its error. A
# line that does not parse (line 8), after a changed tunnel, a new port and a
# new route:
sed -e 's/encap-dport 5556/encap-dport 5557/' "$TMPD/edited.conf" >"$TMPD/bad-parse.conf"
printf '%s\n' "port add 6000 gue peer 10.203.0.9" "route add 203.0.113.0/24 tunnel to-b" \
	"port add 6001 gue peer nowhere" >>"$TMPD/bad-parse.conf"
# and a file whose lines parse but whose whole does not hold (line 6 routes
# to a tunnel it does not define), with the port dropped:
sed -e 's/^port add 5555/# &/' "$TMPD/edited.conf" >"$TMPD/bad-whole.conf"
echo "route add 203.0.113.0/24 tunnel nosuch" >>"$TMPD/bad-whole.conf"
printf '%s\n' "# nothing: every port, tunnel and route goes" "" >"$TMPD/empty.conf"

# unit_lines KEY: the unit's KEY= command lines, %i and the config directory
# substituted, systemd's prefixes (-@:+!) dropped.
unit_lines() {
	sed -n "s/^$1=[-@:+!]*//p" "$VUNIT" | sed -e 's/%i/veth0/g' -e "s|/etc/fouloader/|$CONFDIR/|g"
}
# The environment the unit gives its commands (FOULOADER_OPTS carries our pin
# root).
HOOK=tc
UNIT_ENV=(FOULOADER_OPTS="--pin-root $PIN" FOULOADER_ATTACH_OPTS="--rx tc")
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
start_lines=$(unit_lines ExecStart)
[ "$(wc -l <<<"$start_lines")" -eq 2 ] &&
	[ "$(sed -n 1p <<<"$start_lines")" = "$BIN \$FOULOADER_OPTS attach veth0 \$FOULOADER_ATTACH_OPTS" ] &&
	[ "$(sed -n 2p <<<"$start_lines")" = "$BIN \$FOULOADER_OPTS apply $CONF" ] &&
	[ "$(unit_lines ExecReload)" = "$BIN \$FOULOADER_OPTS apply $CONF" ] &&
	[ "$(unit_lines ExecStop)" = "$BIN \$FOULOADER_OPTS detach veth0" ]
ok $? "unit has ExecStart (attach, apply veth0.conf), ExecReload (apply veth0.conf), ExecStop (detach)" ||
	diag "$(grep '^Exec' "$VUNIT")"

# summary_is LINE: apply's summary is the last line on stdout (after attach's
# lines in ExecStart)
summary_is() { [ "${OUT##*$'\n'}" = "$1" ] || { diag "expected last line of stdout: $1"; return 1; }; }
# snap: the configuration as fouloader prints it
snap() { fl "$NS" show config 2>&1; }
# config_shown DPORT [ROUTE2]: status, port/tunnel/route show reflect the
# attach and the file: port 5555, tunnel to-b to DPORT, the route to
# 192.0.2.128/25 and, only when given, ROUTE2 (none other).
config_shown() {
	local dport=$1 route2=${2:-} s p t r nr=1
	s=$(fl "$NS" status 2>&1); p=$(fl "$NS" port show 2>&1)
	t=$(fl "$NS" tunnel show 2>&1); r=$(fl "$NS" route show 2>&1)
	[ -n "$route2" ] && nr=2
	grep -q "^veth0 .*rx $HOOK .*live" <<<"$s" &&
		[ "$(wc -l <<<"$p")" -eq 1 ] && grep -q '5555 .*ipproto 4.*peer 10.203.0.2' <<<"$p" &&
		[ "$(wc -l <<<"$t")" -eq 1 ] &&
		grep -q "to-b .*local 10.203.0.1 remote 10.203.0.2 encap fou .*encap-dport $dport " <<<"$t" &&
		[ "$(wc -l <<<"$r")" -eq "$nr" ] && grep -q '192.0.2.128/25 .*to-b' <<<"$r" &&
		{ [ -z "$route2" ] || grep -q "$route2 .*to-b" <<<"$r"; } ||
		{ diag "status: $s" "port show: $p" "tunnel show: $t" "route show: $r"; return 1; }
}
not_attached() {
	! fl "$NS" status 2>/dev/null | grep -q '^veth0 ' &&
		[ "$(xdp_attach_mode "$NS" veth0)" = none ] &&
		[ "$(tc -n "$NS" filter show dev veth0 ingress 2>/dev/null | grep -c bpf)" -eq 0 ] &&
		[ "$(tc -n "$NS" filter show dev veth0 egress 2>/dev/null | grep -c bpf)" -eq 0 ]
}

# unit_cycle LABEL [PREFIX...]: start from nothing pinned; reload unchanged,
# edited, bad (twice) and missing; start again (restart), stop, start, reload
# with an empty file, stop: every step and its effect.
unit_cycle() {
	local label=$1 before; shift
	cp "$TMPD/base.conf" "$CONF"
	run_unit ExecStart "$@"
	ok "$RC" "$label: ExecStart (attach veth0, then apply veth0.conf) exits 0" || show_run
	summary_is "applied $CONF: ports +1 -0 ~0, tunnels +1 -0 ~0, routes +2 -0 ~0"
	ok $? "$label: ExecStart's apply adds 1 port, 1 tunnel, 2 routes" || show_run
	config_shown 5555 198.51.100.0/24
	ok $? "$label: after ExecStart veth0 is attached ($HOOK) and port/tunnel/route show the file"

	before=$(snap)
	run_unit ExecReload "$@"
	[ "$RC" -eq 0 ] && summary_is "$CONF: nothing to change"
	ok $? "$label: ExecReload of the unchanged file exits 0, nothing to change" || show_run
	[ "$(snap)" = "$before" ]
	ok $? "$label: after that ExecReload the configuration is the same" || diag "before: $before" "after: $(snap)"

	cp "$TMPD/edited.conf" "$CONF"
	run_unit ExecReload "$@"
	[ "$RC" -eq 0 ] && summary_is "applied $CONF: ports +0 -0 ~0, tunnels +0 -0 ~1, routes +0 -1 ~0"
	ok $? "$label: ExecReload after an edit exits 0: tunnel changed, route deleted" || show_run
	config_shown 5556
	ok $? "$label: tunnel show has to-b's new encap-dport 5556, route show lost 198.51.100.0/24"

	before=$(snap)
	cp "$TMPD/bad-parse.conf" "$CONF"
	run_unit ExecReload "$@"
	[ "$RC" -eq 2 ] && grep -q "^fouloader: $CONF:8: .*nowhere" <<<"$ERR" && [ -z "$OUT" ]
	ok $? "$label: ExecReload of a file with a bad line 8 exits 2, FILE:LINE on stderr" || show_run
	[ "$(snap)" = "$before" ] && config_shown 5556
	ok $? "$label: ... and changes nothing (not the tunnel, port or route of lines 4, 6, 7)" ||
		diag "before: $before" "after: $(snap)"
	cp "$TMPD/bad-whole.conf" "$CONF"
	run_unit ExecReload "$@"
	[ "$RC" -eq 2 ] && grep -q "^fouloader: $CONF:6: no tunnel 'nosuch'" <<<"$ERR" && [ -z "$OUT" ]
	ok $? "$label: ExecReload of a file routing to an undefined tunnel exits 2 with FILE:LINE" || show_run
	[ "$(snap)" = "$before" ] && config_shown 5556
	ok $? "$label: ... and changes nothing (port 5555, dropped in that file, is still there)" ||
		diag "before: $before" "after: $(snap)"
	rm -f "$CONF"
	run_unit ExecReload "$@"
	[ "$RC" -eq 2 ] && grep -q "$CONF: No such file" <<<"$ERR" && [ "$(snap)" = "$before" ]
	ok $? "$label: ExecReload without the file exits 2 and changes nothing" || show_run

	cp "$TMPD/edited.conf" "$CONF"
	run_unit ExecStart "$@"
	[ "$RC" -eq 0 ] && summary_is "$CONF: nothing to change"
	ok $? "$label: ExecStart again while attached (restart) exits 0, nothing to change" || show_run
	run_unit ExecStop "$@"
	ok "$RC" "$label: ExecStop exits 0" || show_run
	not_attached
	ok $? "$label: after ExecStop nothing of fouloader is attached to veth0"
	[ "$(snap)" = "$before" ]
	ok $? "$label: after ExecStop the configuration is still pinned" || diag "after: $(snap)"
	run_unit ExecStart "$@"
	[ "$RC" -eq 0 ] && summary_is "$CONF: nothing to change"
	ok $? "$label: ExecStart after ExecStop exits 0, nothing to change (pinned config kept)" || show_run
	config_shown 5556 && [ "$(snap)" = "$before" ]
	ok $? "$label: attached again, same configuration"

	cp "$TMPD/empty.conf" "$CONF"
	run_unit ExecReload "$@"
	[ "$RC" -eq 0 ] && summary_is "applied $CONF: ports +0 -1 ~0, tunnels +0 -1 ~0, routes +0 -1 ~0"
	ok $? "$label: ExecReload of a file without entries exits 0, deleting port, tunnel and route" ||
		show_run
	[ -z "$(fl "$NS" port show)$(fl "$NS" tunnel show)$(fl "$NS" route show)" ] &&
		fl "$NS" status | grep -q "^veth0 .*rx $HOOK .*live"
	ok $? "$label: port/tunnel/route show are empty, veth0 still attached" ||
		diag "$(fl "$NS" show config 2>&1)"
	run_unit ExecStop "$@"
	ok "$RC" "$label: ExecStop exits 0" || show_run
	not_attached
	ok $? "$label: detached"
}
unit_cycle "plain"

# The same in an imitation of the unit's sandbox: a private mount namespace
# where every mount is read-only except the bpffs (ProtectSystem=strict,
# ReadOnlyPaths=/sys /proc/sys ..., ReadWritePaths=/sys/fs/bpf), only the unit's
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
	UNIT_ENV=(FOULOADER_OPTS="--pin-root $PIN" FOULOADER_ATTACH_OPTS="--rx xdp --xdp-mode skb")
	unit_cycle "sandboxed, xdp skb" unshare -m --propagation private "$TMPD/sandbox.sh" "$caps"
	HOOK=tc
	UNIT_ENV=(FOULOADER_OPTS="--pin-root $PIN" FOULOADER_ATTACH_OPTS="--rx tc")
fi

# ---------------------------------------------------------------- make uninstall
make -s uninstall DESTDIR="$D" PREFIX=/usr >"$TMPD/uninstall.log" 2>&1
ok $? "make uninstall DESTDIR=\$TMPD/root PREFIX=/usr" || diag_file "$TMPD/uninstall.log"
left=
for f in "${INSTALLED[@]}"; do [ -e "$f" ] && left="$left $f"; done
files=$(cd "$D" && find . ! -type d)
[ -z "$left" ] && [ -z "$files" ] && [ ! -e "$D/etc/fouloader" ]
ok $? "make uninstall removes every installed file, leaves no file, removes the empty /etc/fouloader" ||
	diag "left:$left $files"

done_testing
