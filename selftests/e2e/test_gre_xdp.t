#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# End-to-end GRE in FOU/GUE (ipproto 47) through fouloader on both hosts
# (xdp receive hook; see gre.sh). Runs only inside namespaces it creates.
cd "$(dirname "$0")/../.." || exit 1
. selftests/e2e/gre.sh
gre_suite xdp
