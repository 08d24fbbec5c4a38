/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * fou_rx_tc built without bpf_cast_to_kern_ctx (kfunc, kernel 6.2+), for
 * older kernels: no sk_buff field is read, helpers tell what they can (see
 * FOU_KERN_CTX in lib/skb.h). fouloader picks it where the kernel's BTF
 * lacks the kfunc; the maps are the same.
 */
#define FOU_KERN_CTX 0
#include "fou_rx_tc.bpf.c"
