/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * bpf/lib/crc32c.h under test and bench: fou_crc32c over the test packet
 * from crc_off for crc_len bytes (set by user space), the result in
 * crc_result, and how the packet was laid out (total and linear bytes) so
 * that the tests can tell paged data or a multi-buffer frame from linear
 * data. Written once against the context layer; crc_tc.bpf.c and
 * crc_xdp.bpf.c compile it per hook, after their lib/ctx/ header.
 */
#ifndef FOU_CRC_PROG_H
#define FOU_CRC_PROG_H

#include "lib/crc32c.h"

__u32 crc_off, crc_len;
__s64 crc_result;
__u32 frame_len, linear_len;

static __always_inline void crc_run(struct __ctx_buff *ctx)
{
	crc_result = fou_crc32c(ctx, crc_off, crc_len);
	frame_len = ctx_len(ctx);
	linear_len = ctx_data_end(ctx) - ctx_data(ctx);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#endif /* FOU_CRC_PROG_H */
