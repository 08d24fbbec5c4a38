#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Guest tier: the kernel's own fou/gue, ipip, sit and gre on Debian's 6.1 kernel in
# a guest as the peer of fouloader on the host, the IPv4-outer rows only (see
# selftests/vm/kpeer.sh). Needs root and qemu; boots the guest itself.
cd "$(dirname "$0")/../.." || exit 1
. selftests/vm/kpeer.sh
vm_kpeer_suite 6.1 only4
