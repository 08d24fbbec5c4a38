#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Path MTU through a real router (issue 5), A receiving with --rx tc: R's
# kernel sends Frag Needed / Packet Too Big for tunnel packets; A's fouloader
# records the path MTU and tells its inner senders; TCP transfers started
# before the MTU drop complete byte-exact; a UDP sender with DF learns the
# inner MTU; the same for senders in C behind A, whose packets A forwards
# into the tunnels; forged errors change nothing. See pmtu.sh. Runs only inside
# namespaces it creates.
cd "$(dirname "$0")/../.." || exit 1
. selftests/e2e/pmtu.sh
pmtu_suite tc
