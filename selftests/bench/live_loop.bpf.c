// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench_tx's XDP_TX loop (beside BPF_F_TEST_XDP_LIVE_FRAMES, and in its place
 * where the kernel refuses it): frames bounce between the two ends of a veth pair, each end running XDP
 * and answering XDP_TX. The program under test sits at one end; at the
 * other, live_reflect puts the frame back as it was injected, so that every
 * round trip runs the program under test on the same frame. Only ever
 * attached in bench_tx's private network namespace. Frags-aware, so that
 * they attach to its MTU 9000 veth pair.
 *
 * Also floors for an XDP encapsulation, run at the program-under-test end:
 * live_floor_encap (make room, copy a fixed outer header, XDP_TX),
 * live_floor_fib (the same plus the outer route's bpf_fib_lookup) and
 * live_floor_gw (a lean gateway: inner route, tunnel, outer route, header
 * with its lengths and IPv4 checksum, a counter).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define LIVE_HDR_LEN 42 /* Ethernet + IPv4 + UDP */
#define LIVE_ENCAP_LEN (LIVE_HDR_LEN - 14)
#define AF_INET_NR 2
#define ETH_P_IP_NR 0x0800

/* live_floor_gw's tables: inner destination -> tunnel (an LPM trie, as
 * fou_routes4), tunnel -> its outer headers, their IPv4 sum precomputed. */
struct live_route_key {
	__u32 prefixlen;
	__be32 addr;
};

struct live_tunnel {
	__u8 hdr[LIVE_HDR_LEN]; /* outer Ethernet + IPv4 + UDP; lengths, checksum 0 */
	__u16 pad;
	__u32 sum;              /* the IPv4 header's 16-bit words summed, host order */
	__be32 dst;             /* the outer destination */
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 16);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct live_route_key);
	__type(value, __u32);
} live_routes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct live_tunnel);
} live_tunnels SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} live_gw_packets SEC(".maps");

/* Written by bench_tx before each run. */
__u8 live_frame_hdr[LIVE_HDR_LEN];  /* the injected frame's headers */
__u8 live_outer_hdr[LIVE_HDR_LEN];  /* the floors' outer Ethernet + IPv4 + UDP */
__s32 live_strip;                   /* bytes the program under test added */
__u32 live_outer_dst;               /* the floors' outer destination (fib) */
__u32 live_fib_flags;               /* live_floor_fib's bpf_fib_lookup flags */
__u64 live_budget;                  /* round trips before frames are dropped */
__u32 live_expect_len;               /* what reaches live_reflect: this length, */
__u8 live_expect_hdr[LIVE_HDR_LEN];  /* these bytes */
__u8 live_expect_mask[LIVE_HDR_LEN]; /* where set here */

/* Read by bench_tx. */
__u64 live_trips;                   /* round trips seen (may pass budget: drops) */
__u64 live_t_first, live_t_last;    /* ktime of trip 1 and of trip live_budget */
__u64 live_floor_miss;              /* live_floor_fib: lookups that failed */
__u64 live_win_min;                 /* the fastest LIVE_WINDOW trips, ns (set ~0) */
__u64 live_win_mark;                /* ktime at the last window's end */
__u64 live_checked, live_bad;       /* frames checked, of which not as expected */
__u64 live_foreign;                 /* frames of another length: not the loop's */

/* Trips per window: short enough to fit between two preemptions of a shared
 * CPU (ticks are 4 ms), long enough that the clock read costs nothing. */
#define LIVE_WINDOW 1024

static __always_inline void window_end(void)
{
	__u64 now = bpf_ktime_get_ns();

	if (live_win_mark && now - live_win_mark < live_win_min)
		live_win_min = now - live_win_mark;
	live_win_mark = now;
}

/* One frame in a window checked: the measured frames are what the program
 * under test should send, and the clock read shares its trip. */
static __always_inline void check_frame(struct xdp_md *ctx)
{
	__u8 *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	__u8 bad = 0;
	int i;

	live_checked++;
	if (data + LIVE_HDR_LEN > data_end) {
		live_bad++;
		return;
	}
	for (i = 0; i < LIVE_HDR_LEN; i++)
		bad |= (data[i] ^ live_expect_hdr[i]) & live_expect_mask[i];
	if (bad)
		live_bad++;
}

/*
 * Bound by live_budget: the loop stops by itself, each frame dropped at its
 * first trip from the budget's on. Frames of another length are not the
 * loop's (the stacks' own, IPv6 neighbour discovery or MLD at link up): they
 * leave. adjust_head runs with a zero offset for a frame nothing was added
 * to, so that the reflector costs the same whatever the other end did.
 */
SEC("xdp.frags")
int live_reflect(struct xdp_md *ctx)
{
	void *data, *data_end;
	__u64 n;

	if (ctx->data_end - ctx->data != live_expect_len) {
		__sync_fetch_and_add(&live_foreign, 1);
		return XDP_DROP;
	}
	n = __sync_fetch_and_add(&live_trips, 1) + 1;
	if (n == 1)
		live_t_first = bpf_ktime_get_ns();
	if (!(n & (LIVE_WINDOW - 1))) {
		window_end();
		check_frame(ctx);
	}
	if (n >= live_budget) {
		if (n == live_budget)
			live_t_last = bpf_ktime_get_ns();
		return XDP_DROP;
	}
	if (bpf_xdp_adjust_head(ctx, live_strip))
		return XDP_DROP;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + LIVE_HDR_LEN > data_end)
		return XDP_DROP;
	__builtin_memcpy(data, live_frame_hdr, LIVE_HDR_LEN);
	return XDP_TX;
}

/* Room for the outer headers, and a fixed copy of them; 0 or -1. */
static __always_inline int put_outer(struct xdp_md *ctx)
{
	void *data, *data_end;

	if (bpf_xdp_adjust_head(ctx, -LIVE_ENCAP_LEN))
		return -1;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + LIVE_HDR_LEN > data_end)
		return -1;
	__builtin_memcpy(data, live_outer_hdr, LIVE_HDR_LEN);
	return 0;
}

SEC("xdp.frags")
int live_floor_encap(struct xdp_md *ctx)
{
	return put_outer(ctx) ? XDP_DROP : XDP_TX;
}

/* The outer route to dst: its MACs in *fib; 0, or -1 (counted). */
static __always_inline int outer_route(struct xdp_md *ctx, __be32 dst, struct bpf_fib_lookup *fib)
{
	__builtin_memset(fib, 0, sizeof(*fib));
	fib->family = AF_INET_NR;
	fib->l4_protocol = 17;
	fib->tot_len = 20;
	fib->ifindex = ctx->ingress_ifindex;
	fib->ipv4_dst = dst;
	if (bpf_fib_lookup(ctx, fib, sizeof(*fib), live_fib_flags) == BPF_FIB_LKUP_RET_SUCCESS)
		return 0;
	__sync_fetch_and_add(&live_floor_miss, 1);
	return -1;
}

/* The route's MACs into the frame's Ethernet header; 0 or -1. */
static __always_inline int put_macs(struct xdp_md *ctx, const struct bpf_fib_lookup *fib)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;

	if (data + 12 > data_end)
		return -1;
	__builtin_memcpy(data, fib->dmac, 6);
	__builtin_memcpy(data + 6, fib->smac, 6);
	return 0;
}

SEC("xdp.frags")
int live_floor_fib(struct xdp_md *ctx)
{
	struct bpf_fib_lookup fib;

	if (outer_route(ctx, live_outer_dst, &fib) || put_outer(ctx) || put_macs(ctx, &fib))
		return XDP_DROP;
	return XDP_TX;
}

/* The outer IPv4 total length, its checksum (from the tunnel's sum) and the
 * UDP length, for an inner packet of inner_len bytes. */
static __always_inline void set_lengths(void *data, const struct live_tunnel *t, __u32 inner_len)
{
	struct iphdr *ip = data + 14;
	struct udphdr *udp = data + 34;
	__u32 len = inner_len + LIVE_ENCAP_LEN, sum = t->sum + len;

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	ip->tot_len = bpf_htons(len);
	ip->check = bpf_htons(~sum & 0xffff);
	udp->len = bpf_htons(len - 20);
}

SEC("xdp.frags")
int live_floor_gw(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	struct live_route_key key = { .prefixlen = 32 };
	struct ethhdr *eth = data;
	struct iphdr *ip = data + 14;
	struct bpf_fib_lookup fib;
	struct live_tunnel *t;
	__u32 *slot, zero = 0, inner_len;
	__u64 *packets;

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP_NR))
		return XDP_PASS;
	key.addr = ip->daddr;
	inner_len = bpf_ntohs(ip->tot_len);
	slot = bpf_map_lookup_elem(&live_routes, &key);
	t = slot ? bpf_map_lookup_elem(&live_tunnels, slot) : NULL;
	if (!t)
		return XDP_PASS;
	if (outer_route(ctx, t->dst, &fib) || bpf_xdp_adjust_head(ctx, -LIVE_ENCAP_LEN))
		return XDP_DROP;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + LIVE_HDR_LEN > data_end)
		return XDP_DROP;
	__builtin_memcpy(data, t->hdr, LIVE_HDR_LEN);
	set_lengths(data, t, inner_len);
	if (put_macs(ctx, &fib))
		return XDP_DROP;
	packets = bpf_map_lookup_elem(&live_gw_packets, &zero);
	if (packets)
		(*packets)++;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
