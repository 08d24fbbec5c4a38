// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bpf/lib/crc32c.h under test and bench: fou_crc32c_xdp / fou_crc32c_tc over
 * the test packet from crc_off for crc_len bytes (set by user space), the
 * result in crc_result, and how the frame was laid out (total and linear
 * bytes) so that the tests can tell a multi-buffer frame from a linear one.
 */
#include "lib/common.h"
#include "lib/skb.h"
#include "lib/crc32c.h"

FOU_DEFINE_CRC32C(fou_crc32c_xdp, struct xdp_md, HOOK_XDP, (void *)(long)ctx->data,
		  (void *)(long)ctx->data_end)
FOU_DEFINE_CRC32C(fou_crc32c_tc, struct __sk_buff, HOOK_TC, skb_data(ctx), skb_data_end(ctx))

__u32 crc_off, crc_len;
__s64 crc_result;
__u32 frame_len, linear_len;

SEC("xdp.frags")
int crc_xdp(struct xdp_md *ctx)
{
	crc_result = fou_crc32c_xdp(ctx, crc_off, crc_len);
	frame_len = bpf_xdp_get_buff_len(ctx);
	linear_len = ctx->data_end - ctx->data;
	return XDP_PASS;
}

SEC("tc")
int crc_tc(struct __sk_buff *skb)
{
	crc_result = fou_crc32c_tc(skb, crc_off, crc_len);
	frame_len = skb->len;
	linear_len = skb->data_end - skb->data;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
