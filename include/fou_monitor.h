/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The drop monitor ('fouloader monitor'): what the programs hand to it
 * through the fou_monitor_ring ring buffer, and the switch it sets in
 * fou_monitor_conf. While no monitor runs, flags is 0 and the programs pay
 * one array lookup and one load per counted outcome (bpf/lib/monitor.h).
 */
#ifndef FOU_MONITOR_H
#define FOU_MONITOR_H

#include "fou_maps.h"

#define FOU_MAP_MONITOR_CONF "fou_monitor_conf"
#define FOU_MAP_MONITOR_RING "fou_monitor_ring"
#define FOU_MAP_MONITOR_CPU  "fou_monitor_cpu"

#define FOU_MONITOR_SNAPLEN_MAX     256  /* bytes of a packet an event carries at most */
#define FOU_MONITOR_SNAPLEN_DEFAULT 128
#define FOU_MONITOR_RATE_DEFAULT    1000 /* events per second per CPU */
#define FOU_MONITOR_RING_BYTES      (256 * 1024)

#define FOU_MON_F_ON  0x1 /* a monitor runs: emit events */
#define FOU_MON_F_ALL 0x2 /* every outcome, not only drops */

/* Where the outcome was counted: the hook (FOU_HOOK_* of fou_devices) and,
 * at TC, the direction; the BPF side names it with ctx_monitor_hook(). */
enum {
	FOU_MON_HOOK_XDP,
	FOU_MON_HOOK_TC_INGRESS,
	FOU_MON_HOOK_TC_EGRESS,
};

/* fou_monitor_conf[0], written by the monitor; all zero: off. */
struct fou_monitor_conf {
	__u32 flags;     /* FOU_MON_F_* */
	__u32 snaplen;   /* 1..FOU_MONITOR_SNAPLEN_MAX */
	__u64 cost_ns;   /* rate limit: credit one event takes (1e9 / events per second) */
	__u32 owner_pid; /* the monitor running, so that a second one is refused */
	__u16 port;      /* only receive outcomes to this UDP port; 0: any */
	__u16 tunnel;    /* only transmit outcomes of this tunnel slot + 1; 0: any */
};

/* fou_monitor_cpu[0], per CPU: the token bucket and what it let through.
 * Only the CPU running the program touches its own slot. */
struct fou_monitor_cpu {
	__u64 credit_ns; /* at most a second's worth: the burst is the rate */
	__u64 last_ns;
	__u64 events;    /* handed to the ring */
	__u64 limited;   /* over the rate limit */
	__u64 lost;      /* ring full */
};

/* One record of fou_monitor_ring. */
struct fou_monitor_event {
	__u64 ts_ns;    /* bpf_ktime_get_ns() */
	__u32 ifindex;
	__u32 pkt_len;  /* the whole packet, non-linear parts too */
	__u16 reason;   /* enum fou_stat_id */
	__u8 hook;      /* FOU_MON_HOOK_* */
	__u8 pad;
	__u16 port;     /* receive: the outer UDP destination port; 0: none */
	__u16 tunnel;   /* transmit: tunnel slot + 1; 0: none */
	__u16 cap_len;  /* bytes of data[] that hold the packet's first bytes */
	__u16 pad2[3];
	__u8 data[FOU_MONITOR_SNAPLEN_MAX];
};

/* Layouts, as in fou_maps.h: a change here is a change of the event format. */
_Static_assert(sizeof(struct fou_monitor_conf) == 24 && FOU_AT(fou_monitor_conf, snaplen, 4) &&
	       FOU_AT(fou_monitor_conf, cost_ns, 8) && FOU_AT(fou_monitor_conf, owner_pid, 16) &&
	       FOU_AT(fou_monitor_conf, port, 20) && FOU_AT(fou_monitor_conf, tunnel, 22),
	       "struct fou_monitor_conf");
_Static_assert(sizeof(struct fou_monitor_cpu) == 40 && FOU_AT(fou_monitor_cpu, last_ns, 8) &&
	       FOU_AT(fou_monitor_cpu, events, 16) && FOU_AT(fou_monitor_cpu, limited, 24) &&
	       FOU_AT(fou_monitor_cpu, lost, 32), "struct fou_monitor_cpu");
_Static_assert(sizeof(struct fou_monitor_event) == 288 && FOU_AT(fou_monitor_event, ifindex, 8) &&
	       FOU_AT(fou_monitor_event, pkt_len, 12) && FOU_AT(fou_monitor_event, reason, 16) &&
	       FOU_AT(fou_monitor_event, hook, 18) && FOU_AT(fou_monitor_event, port, 20) &&
	       FOU_AT(fou_monitor_event, tunnel, 22) && FOU_AT(fou_monitor_event, cap_len, 24) &&
	       FOU_AT(fou_monitor_event, data, 32), "struct fou_monitor_event");

#endif /* FOU_MONITOR_H */
