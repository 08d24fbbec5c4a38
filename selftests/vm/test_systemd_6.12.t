#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Guest tier: fouloader@eth0.service under a real systemd (PID 1 in a guest on
# Debian's 6.12 kernel): make install, start, sandbox, reload, restart under
# traffic, stop (see selftests/vm/systemd.sh). Needs root and qemu.
cd "$(dirname "$0")/../.." || exit 1
. selftests/vm/systemd.sh
vm_systemd_suite 6.12
