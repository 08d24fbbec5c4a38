/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * fou_rx_xdp, with the inner flow's hash taken from the driver's RX hash
 * (bpf_xdp_metadata_rx_hash) instead of computed. Such a program loads only
 * bound to one device (BPF_F_XDP_DEV_BOUND_ONLY): fouloader picks this
 * variant where the device offers the hash (netdev xdp-rx-metadata).
 */
#define FOU_XDP_RX_HASH 1
#include "fou_rx_xdp.bpf.c"
