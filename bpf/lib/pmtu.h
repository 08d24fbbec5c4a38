/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The learned path MTU of a tunnel (fou_tun_path), written by the receive
 * programs when an ICMP error lowers or refreshes it (icmp.h) and cleared by
 * the transmit side when it has expired (encap.h), on any CPUs at once.
 *
 * Why this is race-free: pmtu and a sequence number share one 64-bit word
 * (the struct's first), which is only ever changed by compare-and-swap, and every
 * change bumps the sequence. A writer stores pmtu_ns first, then swaps in
 * the word; BPF's compare-and-swap is fully ordered, so whoever sees the new
 * word also sees the new time. The expiry reads the word with an ordered
 * read (a compare-and-swap that changes nothing) before it reads the time,
 * so the time it judges is at least as new as the word it read; it then
 * clears pmtu only if the word is still the one it judged. A fresh update
 * or refresh in between changed the sequence, so the clear fails and the
 * fresh value stays: no update is lost, and no expired value outlives the
 * expiry except by a newer one. Writers racing each other retry on the
 * word they lost to, re-applying the lower-only rule to it.
 */
#ifndef FOU_BPF_PMTU_H
#define FOU_BPF_PMTU_H

#include "lib/common.h"

union pmtu_word {
	__u64 w;
	struct {
		__u16 mtu;
		__u16 seq;
		__u32 pad;
	} f;
};

_Static_assert(__builtin_offsetof(struct fou_tun_path, pmtu) == 0 &&
	       __builtin_offsetof(struct fou_tun_path, pmtu_ns) == 8,
	       "pmtu, pmtu_seq and pad2 are the first 64-bit word of fou_tun_path");

/* The first word of @path: pmtu, pmtu_seq, pad2 (8-aligned: the struct
 * holds 64-bit fields). */
static __always_inline __u64 *pmtu_word(struct fou_tun_path *path)
{
	return (__u64 *)path;
}

/* The word now, with a full barrier: later reads (pmtu_ns) are not older. */
static __always_inline __u64 pmtu_word_read(struct fou_tun_path *path)
{
	return __sync_val_compare_and_swap(pmtu_word(path), 0, 0);
}

static __always_inline __u16 pmtu_word_mtu(__u64 w)
{
	union pmtu_word u = { .w = w };

	return u.f.mtu;
}

/* Replace the word @old by one with @mtu and the next sequence number;
 * false if the word was no longer @old. */
static __always_inline bool pmtu_word_swap(struct fou_tun_path *path, __u64 old, __u16 mtu)
{
	union pmtu_word u = { .w = old };

	u.f.mtu = mtu;
	u.f.seq++;
	return __sync_val_compare_and_swap(pmtu_word(path), old, u.w) == old;
}

#endif /* FOU_BPF_PMTU_H */
