#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Guest tier: fouloader's receive programs against the kernel's own fou/gue
# receive path on Debian's 6.12 kernel, frame by frame (selftests/vm/kdiff.sh).
# Needs root and qemu; boots the guest itself.
cd "$(dirname "$0")/../.." || exit 1
. selftests/vm/kdiff.sh
vm_kdiff_suite 6.12
