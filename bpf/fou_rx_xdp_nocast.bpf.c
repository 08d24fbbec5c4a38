/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * fou_rx_xdp built without bpf_cast_to_kern_ctx (kfunc, kernel 6.2+), for
 * older kernels: every frame's length from bpf_xdp_get_buff_len, where the
 * default build reads the xdp_buff's flags and asks the helper only for a
 * frame with fragments (see ctx_len in lib/ctx/xdp.h). fouloader picks it
 * where the kernel's BTF lacks the kfunc; the maps are the same.
 */
#define FOU_KERN_CTX 0
#include "fou_rx_xdp.bpf.c"
