/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The CRC32c objects of test_crc32c and bench_crc: crc_xdp.bpf.o and
 * crc_tc.bpf.o, one per hook as the BPF context layer (bpf/lib/ctx/) has
 * it, loaded together; their .bss (the same globals) read through one type.
 */
#ifndef FOU_CRCPROGS_H
#define FOU_CRCPROGS_H

#include "crc_xdp.skel.h"
#include "crc_tc.skel.h"
#include "bpfharness.h"
#include "hooks.h" /* HOOK_IDX_*: fd[] and bss[] per receive hook */

_Static_assert(sizeof(struct crc_xdp_bpf__bss) == sizeof(struct crc_tc_bpf__bss),
	       "crc_xdp.bpf.c and crc_tc.bpf.c declare the same globals");

struct crc_progs {
	struct crc_xdp_bpf *xdp;
	struct crc_tc_bpf *tc;
	struct crc_tc_bpf__bss *bss[HOOK_IDX_N];
	int fd[HOOK_IDX_N];
};

/* Both objects, unpinned; 0, or -1 with errno from the failing load. */
static inline int crc_progs_load(struct crc_progs *c)
{
	c->xdp = BH_OPEN_UNPINNED(crc_xdp_bpf);
	c->tc = c->xdp ? BH_OPEN_UNPINNED(crc_tc_bpf) : NULL;
	if (!c->tc)
		return -1;
	c->bss[HOOK_IDX_XDP] = (struct crc_tc_bpf__bss *)c->xdp->bss;
	c->bss[HOOK_IDX_TC] = c->tc->bss;
	c->fd[HOOK_IDX_XDP] = bpf_program__fd(c->xdp->progs.crc_xdp);
	c->fd[HOOK_IDX_TC] = bpf_program__fd(c->tc->progs.crc_tc);
	return 0;
}

static inline void crc_progs_destroy(struct crc_progs *c)
{
	crc_tc_bpf__destroy(c->tc);
	crc_xdp_bpf__destroy(c->xdp);
}

#endif /* FOU_CRCPROGS_H */
