// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* crc_prog.h at XDP (test_crc32c, bench_crc). */
#include "lib/ctx/xdp.h"
#include "crc_prog.h"

SEC("xdp.frags")
int crc_xdp(struct xdp_md *ctx)
{
	crc_run(ctx);
	return XDP_PASS;
}
