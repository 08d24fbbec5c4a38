#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# End-to-end FOU/GUE tunnels through fouloader on both hosts (TC egress
# encapsulation, xdp receive hook; see tunnel.sh). Runs only inside
# namespaces it creates.
cd "$(dirname "$0")/../.." || exit 1
. selftests/e2e/tunnel.sh
tunnel_suite xdp
