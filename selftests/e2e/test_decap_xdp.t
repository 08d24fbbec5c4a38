#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# End-to-end FOU/GUE decapsulation with fouloader attached at xdp
# (see decap.sh). Runs only inside namespaces it creates.
cd "$(dirname "$0")/../.." || exit 1
. selftests/e2e/decap.sh
decap_suite xdp
