#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# End-to-end RFC 6951 SCTP-over-UDP gateway and CRC32c checking in transit,
# with usrsctp peers on both sides of a fouloader gateway whose receive hook
# is xdp (see sctp.sh). Runs only inside namespaces it creates.
cd "$(dirname "$0")/../.." || exit 1
. selftests/e2e/sctp.sh
sctp_suite xdp
