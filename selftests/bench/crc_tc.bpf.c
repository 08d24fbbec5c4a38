// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* crc_prog.h at TC (test_crc32c, bench_crc). */
#include "lib/ctx/skb.h"
#include "crc_prog.h"

SEC("tc")
int crc_tc(struct __sk_buff *skb)
{
	crc_run(skb);
	return TC_ACT_OK;
}
