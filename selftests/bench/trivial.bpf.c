// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Baselines for bench_rx: the cost of running a BPF program that does nothing. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("xdp.frags")
int trivial_xdp(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("tc")
int trivial_tc(struct __sk_buff *skb)
{
	return 0; /* TC_ACT_OK */
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
