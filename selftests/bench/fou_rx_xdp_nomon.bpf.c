/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * fou_rx_xdp built without the drop monitor's hook (bpf/lib/monitor.h):
 * bench_rx's baseline for what the hook costs while no monitor runs.
 */
#define FOU_NO_MONITOR 1
#include "fou_rx_xdp.bpf.c"
