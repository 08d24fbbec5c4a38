#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Guest tier: fouloader inside a guest on Debian's 6.1 kernel, native XDP, skb
# XDP and TC on its virtio_net, FOU/GUE tunnels to a host fouloader (see
# selftests/vm/tunnel.sh). Needs root and qemu; boots the guest itself.
cd "$(dirname "$0")/../.." || exit 1
. selftests/vm/tunnel.sh
vm_tunnel_suite 6.1
