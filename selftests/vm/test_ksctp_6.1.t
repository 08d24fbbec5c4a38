#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Guest tier: the kernel's own SCTP (Debian 12's 6.1 kernel in a guest) against
# usrsctp on the host through fouloader: native with CRC32c verify and fill,
# CRC-offloaded packets from a veth, the RFC 6951 gateway both ways, GSO
# leaving a side-udp device (see selftests/vm/ksctp.sh). Needs root and qemu.
cd "$(dirname "$0")/../.." || exit 1
. selftests/vm/ksctp.sh
ksctp_suite 6.1
