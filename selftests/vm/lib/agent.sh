#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# The guest's test agent: PID 1 (fl.mode=agent) or a systemd service
# (fl.mode=systemd). It reads commands from the virtio-serial port named
# fl.ctl, one per line (base64 of a bash script), runs each with a time limit,
# and answers one line per command: "RC BASE64-OF-OUTPUT". Its first line is
# "READY RELEASE MODE". The host side is selftests/vm/lib/vm.sh (vm_run).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LC_ALL=C PYTHONDONTWRITEBYTECODE=1
mode=agent
[ "$$" = 1 ] || mode=systemd

# As PID 1 the agent mounts what systemd would.
if [ "$mode" = agent ]; then
	mount -t proc proc /proc
	mount -t sysfs sys /sys
	mount -t devtmpfs dev /dev
	mkdir -p /dev/pts /dev/shm
	mount -t devpts devpts /dev/pts
	mount -t tmpfs tmpfs /dev/shm
	mount -t tmpfs tmpfs /run
	# a private /tmp, unless the tree under test lives there
	case " $(cat /proc/cmdline) " in
	*" fl.src=/tmp/"*) ;;
	*) mount -t tmpfs tmpfs /tmp ;;
	esac
	mount -t bpf bpf /sys/fs/bpf
	mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
	hostname fouloader-vm
	ip link set lo up
fi

port=
for n in /sys/class/virtio-ports/*/name; do
	[ "$(cat "$n" 2>/dev/null)" = fl.ctl ] && port=/dev/$(basename "$(dirname "$n")")
done
if [ -z "$port" ]; then
	echo "agent: no virtio-serial port fl.ctl" >/dev/console
	[ "$mode" = agent ] && exec poweroff -f
	exit 1
fi
exec 3<>"$port"
echo "READY $(uname -r) $mode" >&3

while IFS= read -r line <&3; do
	[ -n "$line" ] || continue
	tmo=${line%% *} script=${line#* }
	printf '%s' "$script" | base64 -d >/run/fl-agent-cmd
	out=$(cd / && timeout -k 5 "$tmo" bash /run/fl-agent-cmd 2>&1 </dev/null)
	rc=$?
	printf '%s %s\n' "$rc" "$(printf '%s' "$out" | base64 -w0)" >&3
done
