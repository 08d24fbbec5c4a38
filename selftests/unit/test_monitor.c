// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of the drop monitor's side in the receive programs
 * (bpf/lib/monitor.h), with BPF_PROG_TEST_RUN on fou_rx_xdp and fou_rx_tc:
 * with fou_monitor_conf set as 'fouloader monitor' sets it, exactly the
 * outcomes it asks for reach fou_monitor_ring, each with the reason, hook,
 * device, port, lengths and exactly the packet's first bytes; a snap length
 * longer than the packet stops at its end; a 9000-byte multi-buffer XDP
 * frame reports its full length; filters and the rate limit hold back what
 * they should and count it. TAP output.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "portstate.h"
#include "fou_maps.h"
#include "fou_monitor.h"
#include "fou_stats.h"
#include "fou_rx_xdp.skel.h"
#include "fou_rx_tc.skel.h"
#include "bpfharness.h"
#include "pktbuild.h"
#include "tap.h"

#define PORT      5555
#define OTHER     5556
#define PEER      "192.0.2.1"
#define NOT_PEER  "192.0.2.99"
#define LOCAL     "198.51.100.1"
#define LO_IFINDEX 1 /* test_run's device */
#define MAX_EVENTS 8
#define BIG_FRAME  9000

struct hook {
	const char *name;
	__u8 mon_hook;       /* FOU_MON_HOOK_* the events must name */
	int prog_fd, conf_fd, cpu_fd;
	struct ring_buffer *ring;
	__u32 drop_ret, pass_ret;
	size_t max_frame;    /* the largest frame the case with a big frame sends */
};

static struct hook hooks[2];
static struct fou_monitor_event events[MAX_EVENTS];
static int nevents;
static uint8_t frame[BIG_FRAME], out[BIG_FRAME + 512];
static __u32 out_len;

static int collect(void *ctx, void *data, size_t size)
{
	(void)ctx;
	if (nevents < MAX_EVENTS)
		memcpy(&events[nevents], data, size < sizeof(events[0]) ? size : sizeof(events[0]));
	nevents++;
	return 0;
}

/* ---- packets ------------------------------------------------------------ */

enum kind { K_GOOD, K_BAD_CSUM, K_NOT_PEER, K_TRUNCATED };

/* Ethernet / IPv4 / UDP to PORT / inner IPv4 / UDP / payload: @total bytes
 * of frame, the outer checksum right unless K_BAD_CSUM; K_TRUNCATED: cut
 * 20 bytes short of what its IP header says. Returns the frame's length. */
static size_t build(enum kind k, size_t total)
{
	struct pkt_eth_opts e = { .src = { 2, 0, 0, 0, 0, 1 }, .dst = { 2, 0, 0, 0, 0, 2 } };
	struct pkt_ip4_opts o = { .saddr = pkt_a4(k == K_NOT_PEER ? NOT_PEER : PEER),
				  .daddr = pkt_a4(LOCAL), .id = 0x4242 };
	struct pkt_ip4_opts in = { .saddr = pkt_a4("10.1.0.1"), .daddr = pkt_a4("10.2.0.1") };
	size_t hdrs = 14 + 20 + 8 + 20 + 8;
	struct pkt p;

	pkt_init(&p, frame, sizeof(frame));
	pkt_eth(&p, &e);
	pkt_ip4(&p, &o);
	pkt_udp(&p, 40000, PORT, k == K_BAD_CSUM ? PKT_CSUM_BAD : PKT_CSUM_AUTO);
	pkt_ip4(&p, &in);
	pkt_udp(&p, 1000, 2000, PKT_CSUM_AUTO);
	pkt_payload(&p, total > hdrs ? total - hdrs : 0, 0x5a);
	if (pkt_finalize(&p))
		return 0;
	if (k == K_TRUNCATED)
		pkt_truncate(&p, p.len - 20);
	return p.len;
}

/* ---- running ------------------------------------------------------------ */

static int set_conf(const struct hook *h, __u32 flags, __u32 snaplen, __u64 cost_ns, __u16 port)
{
	struct fou_monitor_conf c = { .flags = flags, .snaplen = snaplen, .cost_ns = cost_ns,
				      .port = port };
	__u32 zero = 0;

	return bpf_map_update_elem(h->conf_fd, &zero, &c, BPF_ANY) ? -errno : 0;
}

static void cpu_counts(const struct hook *h, struct fou_monitor_cpu *sum)
{
	int n = libbpf_num_possible_cpus();
	struct fou_monitor_cpu v[n];
	__u32 zero = 0;

	memset(sum, 0, sizeof(*sum));
	if (bpf_map_lookup_elem(h->cpu_fd, &zero, v))
		return;
	for (int i = 0; i < n; i++) {
		sum->events += v[i].events;
		sum->limited += v[i].limited;
		sum->lost += v[i].lost;
	}
}

/* Run @len bytes of frame once; the events it sent land in events[]. */
static int run(const struct hook *h, size_t len, __u32 *ret)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);

	nevents = 0;
	ring_buffer__consume(h->ring);
	nevents = 0;
	if (bpf_prog_test_run_opts(h->prog_fd, &o))
		return -errno;
	*ret = o.retval;
	out_len = o.data_size_out;
	ring_buffer__consume(h->ring);
	return 0;
}

/* One event with these fields, carrying the first @cap bytes of @want. */
static void expect_event(const struct hook *h, int reason, __u32 pkt_len, __u32 cap,
			 const uint8_t *want)
{
	const struct fou_monitor_event *e = &events[0];

	if (!EXPECT_EQ(nevents, 1, "events"))
		return;
	EXPECT_EQ(e->reason, reason, "reason");
	EXPECT_EQ(e->hook, h->mon_hook, "hook");
	EXPECT_EQ(e->ifindex, LO_IFINDEX, "ifindex");
	EXPECT_EQ(e->port, PORT, "port");
	EXPECT_EQ(e->tunnel, 0, "tunnel");
	EXPECT_EQ(e->pkt_len, pkt_len, "pkt_len");
	EXPECT_EQ(e->cap_len, cap, "cap_len");
	EXPECT_TRUE(e->ts_ns != 0, "timestamp");
	tap_mem_check(__FILE__, __LINE__, "captured bytes", e->data, e->cap_len, want, cap);
}

/* ---- cases -------------------------------------------------------------- */

static void case_idle(const struct hook *h)
{
	size_t len = build(K_BAD_CSUM, 100);
	__u32 ret = 0;

	tap_begin();
	EXPECT_OK(set_conf(h, 0, 256, 0, 0), "conf off");
	EXPECT_OK(run(h, len, &ret), "test_run");
	EXPECT_EQ(ret, h->drop_ret, "verdict");
	EXPECT_EQ(nevents, 0, "events");
	tap_end("%s: switch off: a drop sends nothing", h->name);
}

static void case_drop(const struct hook *h, enum kind k, int reason, const char *what)
{
	size_t len = build(k, 100);
	uint8_t copy[128];
	__u32 ret = 0;

	memcpy(copy, frame, len);
	tap_begin();
	EXPECT_OK(set_conf(h, FOU_MON_F_ON, 256, 0, 0), "conf --drops");
	EXPECT_OK(run(h, len, &ret), "test_run");
	EXPECT_EQ(ret, h->drop_ret, "verdict");
	expect_event(h, reason, len, len, copy);
	tap_end("%s: --drops, snaplen 256: %s is one %s event with the whole %zu-byte frame "
		"and nothing past its end", h->name, what, bh_stat_names[reason], len);
}

static void case_good(const struct hook *h)
{
	size_t len = build(K_GOOD, 100);
	__u32 ret = 0;

	tap_begin();
	EXPECT_OK(set_conf(h, FOU_MON_F_ON, 256, 0, 0), "conf --drops");
	EXPECT_OK(run(h, len, &ret), "test_run");
	EXPECT_EQ(ret, h->pass_ret, "verdict");
	EXPECT_EQ(nevents, 0, "events");
	EXPECT_OK(set_conf(h, FOU_MON_F_ON | FOU_MON_F_ALL, 64, 0, 0), "conf --all");
	build(K_GOOD, 100);
	EXPECT_OK(run(h, len, &ret), "test_run");
	/* the bytes as they were when counted: decapsulated */
	expect_event(h, FOU_STAT_RX_DECAP_FOU, out_len, 64, out);
	tap_end("%s: a decapsulated packet: nothing with --drops; with --all snaplen 64 "
		"rx_decap_fou with the first 64 bytes of the decapsulated frame", h->name);
}

static void case_filters(const struct hook *h)
{
	struct fou_monitor_cpu before, after;
	size_t len = build(K_BAD_CSUM, 100);
	__u32 ret = 0;

	tap_begin();
	EXPECT_OK(set_conf(h, FOU_MON_F_ON, 256, 0, OTHER), "conf --port other");
	EXPECT_OK(run(h, len, &ret), "test_run");
	EXPECT_EQ(nevents, 0, "events for another port");
	EXPECT_OK(set_conf(h, FOU_MON_F_ON, 256, 0, PORT), "conf --port");
	EXPECT_OK(run(h, len, &ret), "test_run");
	EXPECT_EQ(nevents, 1, "events for this port");
	/* one event a second: a fresh bucket holds one, the next two wait */
	EXPECT_OK(set_conf(h, FOU_MON_F_ON, 256, 1000000000ULL, 0), "conf --rate 1");
	cpu_counts(h, &before);
	for (int i = 0, n = 0; i < 3; i++, n += nevents) {
		EXPECT_OK(run(h, len, &ret), "test_run");
		if (i == 2)
			EXPECT_TRUE(n + nevents <= 1, "at most one event of three");
	}
	cpu_counts(h, &after);
	EXPECT_TRUE(after.limited - before.limited >= 2, "two or more held back and counted");
	EXPECT_EQ(after.lost - before.lost, 0, "lost");
	tap_end("%s: --port filters by the UDP port; --rate 1 lets one of three through and "
		"counts the others as held back", h->name);
}

/* A frame larger than one buffer: XDP gets it in fragments. */
static void case_big(const struct hook *h)
{
	size_t len = build(K_NOT_PEER, h->max_frame);
	uint8_t copy[256];
	__u32 ret = 0;

	memcpy(copy, frame, sizeof(copy));
	tap_begin();
	EXPECT_OK(set_conf(h, FOU_MON_F_ON, 256, 0, 0), "conf --drops");
	EXPECT_OK(run(h, len, &ret), "test_run");
	EXPECT_EQ(ret, h->drop_ret, "verdict");
	expect_event(h, FOU_STAT_DROP_PEER, len, 256, copy);
	tap_end("%s: a %zu-byte frame from a non-peer: drop_peer, its full length, the first "
		"256 bytes", h->name, len);
}

/* ---- setup -------------------------------------------------------------- */

static int add_port(const struct fou_port_fds *m)
{
	struct fou_port_key k = { .port = PORT, .family = 4 };
	struct fou_port v = { .kind = FOU_KIND_FOU, .ipproto = 4 };
	struct fou_peer_spec peer = { .addr = bh_addr(4, PEER) };

	return fou_port_install(m, &k, &v, &peer, 1);
}

static int setup(struct hook *h, struct bpf_object *obj, struct bpf_program *prog)
{
	struct fou_port_fds m;

	h->prog_fd = bpf_program__fd(prog);
	h->conf_fd = bpf_object__find_map_fd_by_name(obj, FOU_MAP_MONITOR_CONF);
	h->cpu_fd = bpf_object__find_map_fd_by_name(obj, FOU_MAP_MONITOR_CPU);
	h->ring = ring_buffer__new(bpf_object__find_map_fd_by_name(obj, FOU_MAP_MONITOR_RING),
				   collect, NULL, NULL);
	if (h->conf_fd < 0 || h->cpu_fd < 0 || !h->ring || fou_port_fds_from_obj(obj, &m))
		return -1;
	/* Only what is addressed to this host is decapsulated. */
	return add_port(&m) ?: bh_add_local(obj, 4, LOCAL, FOU_LOCAL_UNICAST);
}

int main(int argc, char **argv)
{
	struct fou_rx_xdp_bpf *x;
	struct fou_rx_tc_bpf *t;

	tap_args(argc, argv);
	bh_require_bpf("BPF_PROG_TEST_RUN");
	x = BH_OPEN_UNPINNED(fou_rx_xdp_bpf);
	t = x ? BH_OPEN_UNPINNED(fou_rx_tc_bpf) : NULL;
	if (!x || !t)
		tap_bail("cannot load fou_rx_xdp and fou_rx_tc: %s", strerror(errno));
	/* XDP: 9000 bytes go in fragments (xdp.frags); TC: test_run skbs are linear */
	hooks[0] = (struct hook){ .name = "xdp", .mon_hook = FOU_MON_HOOK_XDP, .drop_ret = 1,
				  .pass_ret = 2, .max_frame = BIG_FRAME };
	hooks[1] = (struct hook){ .name = "tc", .mon_hook = FOU_MON_HOOK_TC_INGRESS, .drop_ret = 2,
				  .pass_ret = 0, .max_frame = 3000 };
	if (setup(&hooks[0], x->obj, x->progs.fou_rx_xdp) ||
	    setup(&hooks[1], t->obj, t->progs.fou_rx_tc))
		tap_bail("cannot set up the maps");
	tap_plan(2 * 7);
	for (int i = 0; i < 2; i++) {
		struct hook *h = &hooks[i];

		case_idle(h);
		case_drop(h, K_BAD_CSUM, FOU_STAT_DROP_UDP_CSUM, "a bad UDP checksum");
		case_drop(h, K_NOT_PEER, FOU_STAT_DROP_PEER, "a source that is no peer");
		case_drop(h, K_TRUNCATED, FOU_STAT_DROP_TRUNCATED, "a frame shorter than its IP length");
		case_good(h);
		case_filters(h);
		case_big(h);
		set_conf(h, 0, 0, 0, 0);
		ring_buffer__free(h->ring);
	}
	fou_rx_xdp_bpf__destroy(x);
	fou_rx_tc_bpf__destroy(t);
	return tap_done();
}
