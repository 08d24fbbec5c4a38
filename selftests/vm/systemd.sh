# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# shellcheck shell=bash
#
# Body of the guest tier's systemd tests (test_systemd_6.1.t, test_systemd_6.12.t):
# vm_systemd_suite SERIES boots Debian's kernel SERIES with the host's real
# systemd as PID 1 (lib/vm.sh, mode systemd), installs fouloader with
# 'make install' into the guest's root, and drives fouloader@eth0.service:
#
#   start    attach (FOULOADER_ATTACH_OPTS=--rx xdp --xdp-mode native from
#            eth0.env) plus /etc/fouloader/eth0.conf; traffic both ways
#   sandbox  the unit's settings as systemd reports them, and as the unit's
#            own process sees them (a test-only ExecStartPost drop-in prints
#            /proc/self/status and tries what the sandbox forbids)
#   reload   a changed file (one tunnel and its route dropped) is applied
#   restart  under a paced TCP stream, which arrives intact
#   stop     detaches: nothing of fouloader left on eth0
#
# The host end is tunnel.sh's: fouloader --rx tc on tap0 in a test namespace.

. "$(dirname "${BASH_SOURCE[0]}")/tunnel.sh"

UNIT=fouloader@$G_IF.service
# fouloader as installed, with the unit's (default) pin root
I_FL=/usr/local/sbin/fouloader

# conf_file [SKIP_K]: eth0.conf from tunnel.sh's configuration, without
# case SKIP_K's tunnel and route.
conf_file() {
	local skip=${1:-} w rest
	echo "# written by selftests/vm/systemd.sh"
	while read -r w rest; do
		[ "$w" = FL ] || continue
		if [ -n "$skip" ]; then
			case $rest in
			*"tunnel add $(vm_case_field "$skip" 2) "* | *" tunnel $(vm_case_field "$skip" 2)") continue ;;
			esac
		fi
		echo "$rest"
	done < <(config_lines b a "$G_IF")
}

# vm_case_field K N: field N (1-based) of case K in VM_CASES.
vm_case_field() {
	local e
	for e in "${VM_CASES[@]}"; do
		[ "${e%%|*}" = "$1" ] && { echo "$e" | cut -d'|' -f"$2"; return; }
	done
}

# The kernel routes of the inner prefixes (the unit configures only fouloader).
guest_routes_script() {
	config_lines b a "$G_IF" | sed -n 's/^IP /ip /p'
}

# The CapBnd of the unit: CAP_NET_ADMIN 12, CAP_SYS_ADMIN 21, CAP_PERFMON 38, CAP_BPF 39.
UNIT_CAPS=000000c000201000

PROBE_DROPIN='[Service]
ExecStartPost=-/bin/sh -c "echo SANDBOX-BEGIN; grep -E \"^(CapBnd|CapEff|CapAmb|NoNewPrivs|Seccomp):\" /proc/self/status; touch /usr/local/fl-probe 2>/dev/null && echo WROTE-USR; touch /etc/fl-probe 2>/dev/null && echo WROTE-ETC; echo 1 2>/dev/null >/proc/sys/net/ipv4/ip_forward && echo WROTE-PROC-SYS; touch /sys/kernel/fl-probe 2>/dev/null && echo WROTE-SYS; mkdir /sys/fs/bpf/fl-probe 2>/dev/null && rmdir /sys/fs/bpf/fl-probe && echo WROTE-BPFFS; ls -A /home 2>/dev/null | grep -q . && echo SAW-HOME; [ -e /tmp/fl-host-tmp ] && echo SAW-TMP; [ -e /dev/ttyS0 ] && echo SAW-TTYS0; python3 -c \"import socket; socket.socket(socket.AF_PACKET, socket.SOCK_RAW)\" 2>/dev/null && echo OPENED-AF_PACKET; echo SANDBOX-END"'

# sandbox_checks: what the unit's process saw (the journal of the last start).
sandbox_checks() {
	local what="$VM_RELEASE systemd: sandbox" out field
	vm_run 30 "systemctl show $UNIT -p NoNewPrivileges -p ProtectSystem -p ProtectHome -p PrivateTmp -p PrivateDevices -p ReadOnlyPaths -p ReadWritePaths -p RestrictAddressFamilies -p CapabilityBoundingSet -p AmbientCapabilities -p MemoryDenyWriteExecute -p RestrictNamespaces -p SystemCallArchitectures -p UMask"
	out=$VOUT
	diag "systemctl show: $(echo "$out" | tr '\n' ' ')"
	for field in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes PrivateDevices=yes \
		MemoryDenyWriteExecute=yes RestrictNamespaces=yes; do
		grep -qx "$field" <<<"$out"; ok $? "$what: systemctl show reports $field"
	done
	vm_run 30 "journalctl -b -u $UNIT -o cat --no-pager | sed -n '/SANDBOX-BEGIN/,/SANDBOX-END/p' | tail -20"
	out=$VOUT
	if [[ $out != *SANDBOX-END* ]]; then
		fail "$what: the unit's ExecStartPost probe left no report in the journal"; diag "$out"; return
	fi
	diag "the unit's process: $(echo "$out" | tr '\n' ' ')"
	grep -q "^CapBnd:[[:space:]]*$UNIT_CAPS" <<<"$out"; ok $? "$what: bounding set is CAP_BPF CAP_NET_ADMIN CAP_PERFMON CAP_SYS_ADMIN only ($UNIT_CAPS)"
	grep -q "^CapEff:[[:space:]]*$UNIT_CAPS" <<<"$out"; ok $? "$what: effective capabilities are those four"
	grep -q "^NoNewPrivs:[[:space:]]*1" <<<"$out"; ok $? "$what: no_new_privs set"
	grep -q "^Seccomp:[[:space:]]*2" <<<"$out"; ok $? "$what: a seccomp filter is in force (Seccomp: 2)"
	! grep -q WROTE-USR <<<"$out"; ok $? "$what: /usr is read-only (ProtectSystem=strict)"
	! grep -q WROTE-ETC <<<"$out"; ok $? "$what: /etc is read-only (ProtectSystem=strict)"
	! grep -q WROTE-PROC-SYS <<<"$out"; ok $? "$what: /proc/sys is read-only (no sysctl written)"
	! grep -q WROTE-SYS <<<"$out"; ok $? "$what: /sys is read-only"
	grep -q WROTE-BPFFS <<<"$out"; ok $? "$what: but the bpffs below it is writable (pins)"
	! grep -q SAW-HOME <<<"$out"; ok $? "$what: /home is empty or inaccessible (ProtectHome)"
	! grep -q SAW-TMP <<<"$out"; ok $? "$what: the system's /tmp is not the unit's (PrivateTmp)"
	! grep -q SAW-TTYS0 <<<"$out"; ok $? "$what: no /dev/ttyS0 (PrivateDevices)"
	! grep -q OPENED-AF_PACKET <<<"$out"; ok $? "$what: AF_PACKET sockets refused (RestrictAddressFamilies)"
}

vm_systemd_suite() {
	local series=$1 out ai bi
	require_vm
	[ -x /lib/systemd/systemd ] || skip_all "needs the host's systemd (/lib/systemd/systemd) for the guest's PID 1"
	if ! vm_boot "$series" systemd "s${series//./}"; then
		fail "boot Debian's $series kernel with systemd as PID 1"
		done_testing
	fi
	pass "boot Debian's $series kernel ($VM_RELEASE) with systemd as PID 1: agent ready after ${VM_BOOT_TIME}s"
	vm_check "$VM_RELEASE systemd: PID 1 is systemd" 30 'timeout 20 systemctl is-system-running --wait >/dev/null; systemctl is-system-running; [ "$(cat /proc/1/comm)" = systemd ]'
	local state=$VOUT
	vm_run 20 'systemctl --failed --no-legend --plain | cut -d" " -f1 | tr "\n" " "; echo; systemd-analyze time | head -1; systemd-analyze blame --no-pager | head -5'
	diag "system state: $(echo "$state" | head -1); failed units: $VOUT"

	vm_check "$VM_RELEASE systemd: make install (PREFIX /usr/local) in the guest's root" 600 \
		"make -C $FOU_TOPDIR install >/run/install.log 2>&1 || { tail -20 /run/install.log; exit 1; }
test -x $I_FL && test -s /usr/local/lib/systemd/system/fouloader@.service && systemctl daemon-reload" || { vm_stop; done_testing; }

	check "guest network (eth0 virtio_net $B4 $B6, inner addresses, inner routes)" vm_run 30 "$(guest_net_script)
$(guest_routes_script)"
	host_net
	check "host: fouloader attach $H_IF --rx tc" fl "$H_NS" attach "$H_IF" --rx tc || bail "the host side cannot attach"
	out=$(host_config 2>&1); ok $? "host: ${#VM_CASES[@]} ports, tunnels, routes configured" || diag "$out"

	# ---- start
	vm_check "$VM_RELEASE systemd: /etc/fouloader/eth0.conf, eth0.env and a test-only sandbox probe drop-in written" 20 "
mkdir -p /etc/fouloader /run/systemd/system/$UNIT.d
cat >/etc/fouloader/eth0.conf <<'EOC'
$(conf_file)
EOC
echo 'FOULOADER_ATTACH_OPTS=--rx xdp --xdp-mode native' >/etc/fouloader/eth0.env
cat >/run/systemd/system/$UNIT.d/probe.conf <<'EOC'
$PROBE_DROPIN
EOC
touch /tmp/fl-host-tmp
systemctl daemon-reload"
	vm_check "$VM_RELEASE systemd: systemctl start $UNIT" 120 "systemctl start $UNIT || { systemctl status $UNIT --no-pager; journalctl -u $UNIT -o cat --no-pager | tail -20; exit 1; }; systemctl is-active $UNIT"
	vm_check "$VM_RELEASE systemd: the unit attached native XDP and TC egress on eth0, and applied the file (${#VM_CASES[@]} tunnels)" 30 "
$(guest_hook_script native)
n=\$($I_FL tunnel show --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
echo \"tunnels: \$n\"; [ \"\$n\" = ${#VM_CASES[@]} ]"
	ai=$(inner_addr a 4 1) bi=$(inner_addr b 4 1)
	out=$(ping_ok "$H_NS" "$bi" 3); ok $? "$VM_RELEASE systemd: ping host -> guest through the unit's tunnel fou4in4" || diag "$out"
	head -c "$XFER_BYTES" /dev/urandom >"$TMPD/blob"
	if xfer_to_guest_start "$bi" "$ai" 7301 "$TMPD/blob"; then
		out=$(xfer_to_guest_finish "$TMPD/blob"); ok $? "$VM_RELEASE systemd: TCP host -> guest, sha256 intact" || diag "$out"
	else
		fail "$VM_RELEASE systemd: TCP host -> guest: receiver did not start"
	fi
	out=$(xfer_from_guest "$ai" "$bi" 7302 "$XFER_BYTES"); ok $? "$VM_RELEASE systemd: TCP guest -> host, sha256 intact" || diag "$out"
	sandbox_checks

	# ---- reload: case 4's tunnel and route leave the file
	local t4 p4
	t4=$(vm_case_field 4 2)
	p4=$(inner_prefix a "$(vm_case_field 4 5)" 4)
	vm_check "$VM_RELEASE systemd: edit eth0.conf (tunnel $t4 and its route dropped), systemctl reload" 60 "
cat >/etc/fouloader/eth0.conf <<'EOC'
$(conf_file 4)
EOC
systemctl reload $UNIT || { journalctl -u $UNIT -o cat --no-pager | tail -5; exit 1; }
journalctl -u $UNIT -o cat --no-pager | grep applied | tail -1"
	diag "$VOUT"
	vm_check "$VM_RELEASE systemd: after reload, $t4 and route $p4 are gone, the other tunnels stay" 30 "
t=\$($I_FL tunnel show --json); r=\$($I_FL route show --json)
echo \"\$t\" | grep -q '\"$t4\"' && { echo \"$t4 still there: \$t\"; exit 1; }
echo \"\$r\" | grep -q '$p4' && { echo \"route still there: \$r\"; exit 1; }
echo \"\$t\" | grep -q '\"$(vm_case_field 1 2)\"'"
	out=$(ping_ok "$H_NS" "$bi" 3); ok $? "$VM_RELEASE systemd: after reload, fou4in4 still carries pings" || diag "$out"

	# ---- restart under traffic
	head -c "$RESTART_BYTES" /dev/urandom >"$TMPD/blob"
	if xfer_to_guest_start "$bi" "$ai" 7303 "$TMPD/blob" "$REATTACH_RATE"; then
		vm_run 120 "for i in \$(seq 100); do [ -s /run/x.rx ] && break; sleep 0.1; done
[ -s /run/x.rx ] || { echo 'no bytes before the restart'; exit 1; }
systemctl restart $UNIT && systemctl is-active $UNIT"
		ok "$VRC" "$VM_RELEASE systemd: systemctl restart $UNIT mid-stream" || diag "$VOUT"
		kill -0 "$XFER_PID" 2>/dev/null
		ok $? "$VM_RELEASE systemd: the stream was still running when the restart returned"
		out=$(xfer_to_guest_finish "$TMPD/blob"); ok $? "$VM_RELEASE systemd: $RESTART_BYTES bytes arrived intact across the restart" || diag "$out"
	else
		fail "$VM_RELEASE systemd: restart under traffic: receiver did not start"
	fi

	# ---- stop
	vm_check "$VM_RELEASE systemd: systemctl stop $UNIT; the unit is inactive" 60 "systemctl stop $UNIT; ! systemctl is-active $UNIT"
	vm_check "$VM_RELEASE systemd: after stop nothing is left on eth0 (XDP, filters, clsact, programs)" 30 "$(nothing_left_script)"
	in_ns "$H_NS" timeout 5 ping -n -c 2 -i 0.2 -W 1 "$bi" >/dev/null 2>&1
	ok $((! $?)) "$VM_RELEASE systemd: after stop, inner traffic no longer crosses"

	vm_stop
	done_testing
}
