/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The tests' one numbering of hooks. A receive hook's id is the BPF side's
 * FOU_HOOK_* (include/fou_maps.h, what fou_devices records); fou_tx_tc, the
 * TC egress program, has none there and takes the next bit. Each id is one
 * bit, so a unit case's hooks are a mask of them (unit_case.h).
 * Arrays with an entry per receive hook (crcprogs.h, bench_crc.c) are
 * indexed by HOOK_IDX_*, never by these ids.
 */
#ifndef FOU_TEST_HOOKS_H
#define FOU_TEST_HOOKS_H

#include "fou_maps.h"

enum {
	H_XDP = FOU_HOOK_XDP,
	H_TC = FOU_HOOK_TC,
	H_TX = 4,
};
#define H_RX (H_XDP | H_TC)

_Static_assert(!(H_XDP & (H_XDP - 1)) && !(H_TC & (H_TC - 1)) && !(H_XDP & H_TC) &&
	       !(H_RX & H_TX), "each hook id is a bit of its own");

/* Indices of arrays with one entry per receive hook. */
enum { HOOK_IDX_XDP, HOOK_IDX_TC, HOOK_IDX_N };

#endif /* FOU_TEST_HOOKS_H */
