# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# shellcheck shell=bash
#
# The guest tier's host side. Source it from bash (it sources hosts.sh:
# TAP, cleanup traps, namespaces, counters):
#
#   vm_boot SERIES MODE TAG   boot Debian's kernel SERIES (6.1 | 6.12) with
#                             MODE agent (the test agent is PID 1) or systemd
#                             (real systemd is PID 1). The guest's NIC eth0
#                             (virtio_net) sits on tap0 inside a fresh host
#                             namespace H_NS; everything is removed on exit.
#   vm_run SECS SCRIPT        run the bash SCRIPT in the guest (bounded);
#                             sets VRC (its exit status) and VOUT (output)
#   vm_stop                   power the guest off (then kill qemu by PID)
#
# The guest needs no disk image: the host's / is its read-only lower layer
# (virtio-9p, tag hostroot) under a tmpfs overlay, so it runs this very
# fouloader tree and the host's tools, on its own kernel (lib/init, lib/agent.sh).
# Guest RAM: $VM_MEM (default 1024 MiB). Assets: lib/assets.sh, $VMCACHE.
#
# Addresses (hosts.sh's A/B plan; only on tap0 in H_NS and inside the guest):
#   host namespace (A) 10.202.0.1 fd00:202::1 on tap0, inner 10.21.k.1 fd00:21:k::1
#   guest (B)          10.202.0.2 fd00:202::2 on eth0, inner 10.22.k.1 fd00:22:k::1

. "$(dirname "${BASH_SOURCE[0]}")/../../lib/hosts.sh"

VM_LIB=$FOU_TOPDIR/selftests/vm/lib
VMCACHE=${VMCACHE:-/var/cache/fouloader-vm}
VM_MEM=${VM_MEM:-1024}
VM_BOOT_SECS=${VM_BOOT_SECS:-240}
VM_MAC=52:54:00:f0:0f:02
G_IF=eth0
H_IF=tap0
# fouloader as the guest runs it: this tree's binary, its own pin root
G_FL="$FOULOADER --pin-root /sys/fs/bpf/fouvm"

require_vm() {
	require_root
	require_cmd qemu-system-x86_64 ip tc nsenter timeout base64 sha256sum python3
	require_fouloader
	[ -e /dev/net/tun ] || skip_all "needs /dev/net/tun"
}

# vm_assets SERIES: the asset directory (kernel, modules, initramfs), built
# or downloaded on first use.
vm_assets() {
	timeout 1200 "$VM_LIB/assets.sh" "$1" | tail -1
}

# vm_boot SERIES MODE TAG: sets H_NS, VM_DIR, QEMU_PID, VM_RELEASE,
# VM_BOOT_TIME (seconds to the agent's READY, for the diagnostics only).
# A guest that dies before its agent answers (software emulation has been
# seen to panic in early boot, in the kernel's own init) is booted once more.
vm_boot() {
	local series=$1 mode=$2 tag=$3
	VM_DIR=$(vm_assets "$series") && [ -s "$VM_DIR/vmlinuz" ] || { echo "no assets for $series"; return 1; }
	make_tmpd "vm$tag"
	H_NS=fou-vm$tag-$$-h
	host_ns "$H_NS" || return 1
	ip -n "$H_NS" tuntap add dev "$H_IF" mode tap || return 1
	ip -n "$H_NS" addr add "$A4/24" dev "$H_IF"
	ip -n "$H_NS" addr add "$A6/64" dev "$H_IF" nodad
	ip -n "$H_NS" link set "$H_IF" up
	H_MAC=$(ip -n "$H_NS" -br link show dev "$H_IF" | awk '{print $3}')
	static_neigh "$H_NS" "$H_IF" "$B4" "$B6" "$VM_MAC"
	mkfifo "$TMPD/ctl.in" "$TMPD/ctl.out"
	exec {VM_W}<>"$TMPD/ctl.in" {VM_R}<>"$TMPD/ctl.out"
	_vm_start "$mode"
}

# _vm_start MODE: qemu (twice at most when the first guest dies early).
_vm_start() {
	local mode=$1 try t0 line extra=
	[ "$mode" = systemd ] && extra="systemd.unit=fouloader-vm.target systemd.log_color=0"
	for try in 1 2; do
		t0=$(date +%s.%N)
		nsenter --net="/run/netns/$H_NS" -- timeout 1200 qemu-system-x86_64 \
			-accel tcg -cpu max -smp 2 -m "$VM_MEM" \
			-nodefaults -display none -no-reboot \
			-serial "file:$TMPD/console.log" \
			-kernel "$VM_DIR/vmlinuz" -initrd "$VM_DIR/initramfs.cpio.gz" \
			-append "console=ttyS0 net.ifnames=0 panic=-1 fl.mode=$mode fl.src=$FOU_TOPDIR fl.modules=$VM_DIR/modules/$(cat "$VM_DIR/release") $extra" \
			-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
			-device virtio-serial-pci -chardev "pipe,id=ctl,path=$TMPD/ctl" \
			-device virtserialport,chardev=ctl,name=fl.ctl \
			-netdev tap,id=n0,ifname="$H_IF",script=no,downscript=no \
			-device virtio-net-pci,netdev=n0,mac=$VM_MAC \
			>"$TMPD/qemu.log" 2>&1 &
		QEMU_PID=$!
		on_cleanup "kill $QEMU_PID; wait $QEMU_PID"
		line=
		while kill -0 "$QEMU_PID" 2>/dev/null; do
			IFS= read -r -t 1 -u "$VM_R" line && break
			[ "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print (b - a > '"$VM_BOOT_SECS"') }')" = 1 ] && break
		done
		if [[ $line == READY* ]]; then
			VM_BOOT_TIME=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
			read -r _ VM_RELEASE _ <<<"$line"
			[ "$try" = 2 ] && echo "# (second boot: the first guest died before its agent answered)"
			return 0
		fi
		echo "guest did not answer (try $try, '$line'); console:"
		tail -25 "$TMPD/console.log"; tail -5 "$TMPD/qemu.log"
		kill "$QEMU_PID" 2>/dev/null; wait "$QEMU_PID" 2>/dev/null
		# only a guest that died is booted again, never one that hangs
		grep -q 'Kernel panic' "$TMPD/console.log" || return 1
	done
	return 1
}

# vm_run SECS SCRIPT: SCRIPT (bash) in the guest, killed after SECS; sets
# VRC and VOUT. VRC 124: the guest's timeout fired; 255: no answer.
vm_run() {
	local secs=$1 script=$2 line
	VRC=255 VOUT=
	printf '%s %s\n' "$secs" "$(printf 'FL="%s"\n%s\n' "$G_FL" "$script" | base64 -w0)" >&"$VM_W"
	IFS= read -r -t "$((secs + 30))" -u "$VM_R" line || { VOUT="no answer from the guest agent"; return 255; }
	VRC=${line%% *}
	VOUT=$(printf '%s' "${line#* }" | base64 -d)
	return "$VRC"
}

# todo_ok STATUS DESCRIPTION REASON: a TAP line marked TODO (a known failure:
# prove reports it, and an unexpected pass, without failing the test).
todo_ok() {
	_tap_n=$((_tap_n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $_tap_n - $2 # TODO $3"; else echo "not ok $_tap_n - $2 # TODO $3"; fi
}

# vm_check DESC SECS SCRIPT: a TAP line, ok when SCRIPT exits 0 in the guest.
vm_check() {
	vm_run "$2" "$3"
	ok "$VRC" "$1" || { [ -n "$VOUT" ] && diag "$VOUT"; diag "guest exit $VRC"; }
	return "$VRC"
}

vm_stop() {
	vm_run 10 'sync; (sleep 0.5; if [ -d /run/systemd/system ]; then systemctl poweroff -f -f; else poweroff -f; fi) >/dev/null 2>&1 &' >/dev/null
	local i
	for ((i = 0; i < 300; i++)); do
		kill -0 "$QEMU_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill "$QEMU_PID" 2>/dev/null
	wait "$QEMU_PID" 2>/dev/null
	return 0
}

# vm_stats ARRAY: the guest fouloader's stats --json into ARRAY (hosts.sh's
# stats_from_json format: counters by name, tun:..., port:...).
vm_stats() {
	vm_run 60 '$FL stats --json'
	stats_from_json "$1" "$VOUT"
}

# vm_boot_tap SERIES MODE TAG WHAT: vm_boot as one TAP point, "boot
# Debian's SERIES kernel WHAT"; a guest that does not boot ends the test.
vm_boot_tap() {
	if ! vm_boot "$1" "$2" "$3"; then
		fail "boot Debian's $1 kernel $4"
		done_testing
	fi
	pass "boot Debian's $1 kernel ($VM_RELEASE) $4: agent ready after ${VM_BOOT_TIME}s"
}
