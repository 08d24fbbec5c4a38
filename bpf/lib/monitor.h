/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The drop monitor's side in the programs: an outcome, once counted, goes to
 * fou_monitor_ring with the packet's first bytes when a monitor asked for
 * it (include/fou_monitor.h). Idle, that is one array lookup and one load;
 * the rest is out of line, in a subprogram per context type.
 */
#ifndef FOU_BPF_MONITOR_H
#define FOU_BPF_MONITOR_H

#include "lib/common.h"
#include "fou_monitor.h"

#ifndef FOU_BPF_CTX_H
#error "an entry program includes lib/ctx/skb.h or lib/ctx/xdp.h first"
#endif

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fou_monitor_conf);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fou_monitor_conf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fou_monitor_cpu);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fou_monitor_cpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, FOU_MONITOR_RING_BYTES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fou_monitor_ring SEC(".maps");

#define MON_NS_PER_S 1000000000ULL

/* The port or tunnel filter, then the per-CPU token bucket: may this
 * outcome be sent?
 * Returns this CPU's bucket if so. @where: port | tunnel << 16, as in
 * struct fou_monitor_event. */
static __always_inline struct fou_monitor_cpu *
monitor_admit(const struct fou_monitor_conf *c, __u32 id, __u32 where)
{
	__u32 zero = 0, port = where & 0xffff, tunnel = where >> 16;
	struct fou_monitor_cpu *b;
	__u64 now, credit;

	if ((c->port && c->port != port) || (c->tunnel && c->tunnel != tunnel))
		return NULL;
	b = bpf_map_lookup_elem(&fou_monitor_cpu, &zero);
	if (!b)
		return NULL;
	/* The coarse clock (a tick's resolution) costs a fraction of the precise
	 * one, and a bucket a second deep does not need more. */
	now = bpf_ktime_get_coarse_ns();
	credit = b->credit_ns + (now - b->last_ns);
	if (credit > MON_NS_PER_S)
		credit = MON_NS_PER_S;
	b->last_ns = now;
	if (credit < c->cost_ns) {
		b->credit_ns = credit;
		b->limited++;
		return NULL;
	}
	b->credit_ns = credit - c->cost_ns;
	return b;
}

/* A ring record with its header filled in but for the packet's device and
 * length (the caller's), or NULL (counted as lost). */
static __always_inline struct fou_monitor_event *
monitor_reserve(struct fou_monitor_cpu *b, __u32 id, __u32 hook, __u32 where)
{
	struct fou_monitor_event *e = bpf_ringbuf_reserve(&fou_monitor_ring, sizeof(*e), 0);

	if (!e) {
		b->lost++;
		return NULL;
	}
	b->events++;
	e->ts_ns = bpf_ktime_get_ns();
	e->reason = id;
	e->hook = hook;
	e->pad = 0;
	e->port = where & 0xffff;
	e->tunnel = where >> 16;
	e->cap_len = 0;
	return e;
}

/* How many bytes to copy: the snap length, never past the packet's end,
 * and within data[]. 64-bit all along, so that the verifier keeps the
 * bounds it checked on the very register the helper gets (a bounds check,
 * not a mask: no byte beyond the packet is ever asked for). */
static __always_inline __u64 monitor_cap(const struct fou_monitor_conf *c, __u64 pkt_len)
{
	__u64 len = c->snaplen;

	if (len > pkt_len)
		len = pkt_len;
	if (len > FOU_MONITOR_SNAPLEN_MAX)
		len = FOU_MONITOR_SNAPLEN_MAX;
	asm volatile("" : "+r"(len)); /* no recomputing it from an unchecked copy */
	/* The callers hand it on as verifier_len(len): 6.1's verifier learns no
	 * lower bound from "len > 0" and refuses a size that may be 0. */
	return len;
}

/* Admitted and reserved: the record with its header; NULL when not sent. */
static __always_inline struct fou_monitor_event *
monitor_begin(const struct fou_monitor_conf *c, __u32 id, __u32 hook, __u32 where)
{
	struct fou_monitor_cpu *b = monitor_admit(c, id, where);

	return b ? monitor_reserve(b, id, hook, where) : NULL;
}

/*
 * Send one event. A global function: the verifier checks it once, not
 * again on every path to every count site. ctx_load_bytes reads paged data,
 * and the fragments of a multi-buffer frame, as well as the linear part.
 */
__noinline int fou_monitor_emit(struct __ctx_buff *ctx, const struct fou_monitor_conf *c,
				__u32 id, __u32 hook, __u32 where)
{
	struct fou_monitor_event *e;
	__u32 pkt_len;
	__u64 len;

	if (!c) /* never, but a global function's verifier cannot know */
		return 0;
	e = monitor_begin(c, id, hook, where);
	if (!e)
		return 0;
	/* Read only now: nothing has to live across the reservation. */
	e->ifindex = ctx_ifindex(ctx);
	pkt_len = ctx_len(ctx);
	e->pkt_len = pkt_len;
	len = monitor_cap(c, pkt_len);
	if (len > 0 && !ctx_load_bytes(ctx, 0, e->data, verifier_len(len, FOU_MONITOR_SNAPLEN_MAX)))
		e->cap_len = len;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/*
 * Hand a counted outcome to a running monitor. @egress: the transmit side.
 * @port: the outer UDP destination port (receive), @tunnel: slot + 1
 * (transmit). FOU_NO_MONITOR builds the programs without it, for the
 * benchmark's baseline.
 */
static __always_inline void monitor_outcome(struct __ctx_buff *ctx, bool egress, __u32 id,
					    __u16 port, __u16 tunnel)
{
#ifndef FOU_NO_MONITOR
	__u32 zero = 0, where = port | (__u32)tunnel << 16;
	struct fou_monitor_conf *c = bpf_map_lookup_elem(&fou_monitor_conf, &zero);

	if (!c || !c->flags)
		return;
	/* --drops, the usual case, spares everything else the call */
	if (!(c->flags & FOU_MON_F_ALL) && !FOU_STAT_IS_DROP(id) && !FOU_STAT_IS_TX_DROP(id))
		return;
	fou_monitor_emit(ctx, c, id, ctx_monitor_hook(egress), where);
#endif
}

#endif /* FOU_BPF_MONITOR_H */
