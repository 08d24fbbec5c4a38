// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Cost per packet of fou_rx_xdp and fou_rx_tc, measured with
 * BPF_PROG_TEST_RUN beside a trivial program (trivial_xdp / trivial_tc) on the
 * same packet in the same run. Never a pass/fail on time: exit 0 unless the
 * setup fails.
 *
 * test_run repeats a program on one context without resetting it, so after
 * a decapsulation the next repetition would see the inner packet. Each
 * (case, hook) is probed first: if repeat=64 does not count 64
 * decapsulations, it is measured as many repeat=1 runs instead (the kernel's
 * per-run duration, averaged), and its baseline the same way.
 *
 * Usage: bench_rx [REPEAT [CALLS]]
 *   REPEAT: test_run repeat count where repeating is valid (default 1000000,
 *           at most 5000000); CALLS: repeat=1 calls per batch (default 2000).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fou_maps.h"
#include "portstate.h"
#include "fou_stats.h"
#include "fou_rx_xdp.skel.h"
#include "fou_rx_tc.skel.h"
#include "trivial.skel.h"
#include "pktbuild.h"

#define P_FOU4 5555
#define P_FOU6 5556
#define P_GUE  6080
#define P_NONE 9999

enum kind { K_FOU, K_GUE0, K_GUE1, K_NOPORT, K_TCP };

struct bcase {
	const char *name;
	enum kind kind;
	int fam, ifam;
	bool csum;      /* outer UDP checksum set (and verified by the program) */
	size_t inner;   /* inner IP packet bytes */
};

static const struct bcase cases[] = {
	{ "FOU 4in4 csum0 64",     K_FOU, 4, 4, false, 64 },
	{ "FOU 4in4 csum0 512",    K_FOU, 4, 4, false, 512 },
	{ "FOU 4in4 csum0 1500",   K_FOU, 4, 4, false, 1500 },
	{ "FOU 4in4 csum 64",      K_FOU, 4, 4, true, 64 },
	{ "FOU 4in4 csum 512",     K_FOU, 4, 4, true, 512 },
	{ "FOU 4in4 csum 1500",    K_FOU, 4, 4, true, 1500 },
	{ "FOU 6in6 csum 64",      K_FOU, 6, 6, true, 64 },
	{ "FOU 6in6 csum 512",     K_FOU, 6, 6, true, 512 },
	{ "FOU 6in6 csum 1500",    K_FOU, 6, 6, true, 1500 },
	{ "GUEv0 4in4 csum0 64",   K_GUE0, 4, 4, false, 64 },
	{ "GUEv0 4in4 csum0 512",  K_GUE0, 4, 4, false, 512 },
	{ "GUEv0 4in4 csum0 1500", K_GUE0, 4, 4, false, 1500 },
	{ "GUEv0 4in4 csum 1500",  K_GUE0, 4, 4, true, 1500 },
	{ "GUEv1 4in4 csum0 512",  K_GUE1, 4, 4, false, 512 },
	{ "GUEv1 6in6 csum 512",   K_GUE1, 6, 6, true, 512 },
	{ "not ours: UDP 512",     K_NOPORT, 4, 4, true, 512 },
	{ "not ours: TCP 512",     K_TCP, 4, 4, false, 512 },
};

struct hook {
	const char *name;
	int fou_fd, triv_fd, stats_fd;
	struct fou_port_fds pfds;
	__u32 ok_ret;
};

static struct hook hooks[2];
static int ncpus;
static __u32 repeat = 1000000, calls_per_batch = 2000;
static uint8_t in_buf[8192], out_buf[16384];

static int prog_info(int fd, const char *name)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	printf("%-12s xlated %5u insns, jited %6u bytes\n", name,
	       info.xlated_prog_len / 8, info.jited_prog_len);
	return 0;
}

static uint64_t decaps(const struct hook *h)
{
	uint64_t vals[ncpus], sum = 0;
	__u32 ids[2] = { FOU_STAT_RX_DECAP_FOU, FOU_STAT_RX_DECAP_GUE };
	int i, c;

	for (i = 0; i < 2; i++) {
		if (bpf_map_lookup_elem(h->stats_fd, &ids[i], vals))
			continue;
		for (c = 0; c < ncpus; c++)
			sum += vals[c];
	}
	return sum;
}

/* Ports as a careful user configures them: one allowed peer, the sender.
 * That costs the peer lookup that "peer any" would skip. */
static int add_port(int fam, uint16_t port, uint8_t kind, uint8_t ipproto)
{
	struct fou_port_key k = { .port = port, .family = fam };
	struct fou_port v = { .kind = kind, .ipproto = ipproto };
	struct fou_peer_spec peer = {};
	int i, err;

	if (fam == 4) {
		struct in_addr a = pkt_a4("192.0.2.1");

		peer.addr.ip4 = a.s_addr;
	} else {
		struct in6_addr a = pkt_a6("2001:db8::1");

		memcpy(peer.addr.ip6, &a, 16);
	}
	for (i = 0; i < 2; i++) {
		err = fou_port_install(&hooks[i].pfds, &k, &v, &peer, 1);
		if (err)
			return err;
	}
	return 0;
}

static void add_ip(struct pkt *p, int fam, bool inner)
{
	if (fam == 4) {
		struct pkt_ip4_opts o = {
			.saddr = pkt_a4(inner ? "10.0.0.1" : "192.0.2.1"),
			.daddr = pkt_a4(inner ? "10.0.0.2" : "198.51.100.1") };

		pkt_ip4(p, &o);
	} else {
		struct pkt_ip6_opts o = {
			.saddr = pkt_a6(inner ? "fd00::1" : "2001:db8::1"),
			.daddr = pkt_a6(inner ? "fd00::2" : "2001:db8:100::1") };

		pkt_ip6(p, &o);
	}
}

static void build(struct pkt *p, const struct bcase *c)
{
	struct pkt_eth_opts e = { .dst = { 2, 0, 0, 0, 0, 2 }, .src = { 2, 0, 0, 0, 0, 1 } };
	uint16_t dport = c->kind == K_NOPORT ? P_NONE : c->kind == K_FOU ?
			 (c->ifam == 4 ? P_FOU4 : P_FOU6) : P_GUE;
	size_t ihl = c->ifam == 4 ? 20 : 40;

	pkt_init(p, in_buf, sizeof(in_buf));
	pkt_eth(p, &e);
	add_ip(p, c->fam, false);
	if (c->kind == K_TCP) {
		pkt_tcp(p, 1234, 80);
		pkt_payload(p, c->inner - 20 - 20, 1);
		pkt_finalize(p);
		return;
	}
	pkt_udp(p, 4000, dport, c->csum ? PKT_CSUM_AUTO : PKT_CSUM_ZERO);
	if (c->kind == K_GUE0) {
		struct pkt_gue_opts g = { 0 };

		pkt_gue(p, &g);
	}
	add_ip(p, c->ifam, true);
	pkt_udp(p, 40000, 53, PKT_CSUM_AUTO);
	pkt_payload(p, c->inner - ihl - 8, 7);
	pkt_finalize(p);
}

static int run_once(int fd, const struct pkt *p, __u32 rep, __u32 *ns, __u32 *ret)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p->buf, .data_size_in = p->len,
		    .data_out = out_buf, .data_size_out = sizeof(out_buf), .repeat = rep);

	if (bpf_prog_test_run_opts(fd, &o))
		return -errno;
	*ns = o.duration;
	if (ret)
		*ret = o.retval;
	return 0;
}

/* Nanoseconds per packet: best of 3 batches. */
static double measure(int fd, const struct pkt *p, bool per_call)
{
	double best = -1;
	int b;

	for (b = 0; b < 3; b++) {
		double avg;
		__u32 ns, i, calls = per_call ? calls_per_batch : 1;
		uint64_t sum = 0;

		for (i = 0; i < calls; i++) {
			if (run_once(fd, p, per_call ? 1 : repeat, &ns, NULL))
				return -1;
			sum += ns;
		}
		avg = (double)sum / calls;
		if (best < 0 || avg < best)
			best = avg;
	}
	return best;
}

static int bench_case(const struct bcase *c, struct hook *h)
{
	struct pkt p;
	__u32 ns, ret;
	uint64_t d0;
	bool decap = c->kind != K_NOPORT && c->kind != K_TCP, per_call = false;
	double fou, triv;

	build(&p, c);
	if (p.err)
		return -ENOSPC;
	if (run_once(h->fou_fd, &p, 1, &ns, &ret))
		return -errno;
	if (ret != h->ok_ret)
		printf("# warning: %s on %s returned %u\n", c->name, h->name, ret);
	d0 = decaps(h);
	if (run_once(h->fou_fd, &p, 64, &ns, NULL))
		return -errno;
	if (decap && decaps(h) - d0 != 64)
		per_call = true;
	fou = measure(h->fou_fd, &p, per_call);
	triv = measure(h->triv_fd, &p, per_call);
	printf("%-22s %-4s %-9s %5zu %9.1f %9.1f %9.1f %6.2f\n", c->name, h->name,
	       per_call ? "repeat=1" : "repeat=N", p.len, fou, triv, fou - triv,
	       triv > 0 ? fou / triv : 0);
	return 0;
}

static void unpin_all(struct bpf_object *obj)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, obj)
		bpf_map__set_pin_path(m, NULL);
}

static void fill(struct hook *h, struct bpf_object *obj, int fou_fd, int triv_fd)
{
	h->fou_fd = fou_fd;
	h->triv_fd = triv_fd;
	h->stats_fd = bpf_object__find_map_fd_by_name(obj, FOU_MAP_STATS);
	h->pfds.ports = bpf_object__find_map_fd_by_name(obj, FOU_MAP_PORTS);
	h->pfds.peers = bpf_object__find_map_fd_by_name(obj, FOU_MAP_PEERS);
	h->pfds.port_stats = bpf_object__find_map_fd_by_name(obj, FOU_MAP_PORT_STATS);
	h->pfds.port_bitmap = bpf_object__find_map_fd_by_name(obj, FOU_MAP_PORT_BITMAP);
}

int main(int argc, char **argv)
{
	struct fou_rx_xdp_bpf *x = NULL;
	struct fou_rx_tc_bpf *t = NULL;
	struct trivial_bpf *tr = NULL;
	unsigned int i, j;
	int err = 1;

	if (argc > 1)
		repeat = strtoul(argv[1], NULL, 0);
	if (argc > 2)
		calls_per_batch = strtoul(argv[2], NULL, 0);
	if (repeat < 1000 || repeat > 5000000)
		repeat = 1000000;
	if (calls_per_batch < 100 || calls_per_batch > 100000)
		calls_per_batch = 2000;
	if (geteuid() != 0) {
		fprintf(stderr, "bench_rx: needs root (BPF_PROG_TEST_RUN)\n");
		return 1;
	}
	ncpus = libbpf_num_possible_cpus();
	x = fou_rx_xdp_bpf__open();
	t = fou_rx_tc_bpf__open();
	tr = trivial_bpf__open_and_load();
	if (ncpus <= 0 || !x || !t || !tr)
		goto out;
	unpin_all(x->obj);
	unpin_all(t->obj);
	if (fou_rx_xdp_bpf__load(x) || fou_rx_tc_bpf__load(t))
		goto out;
	hooks[0] = (struct hook){ .name = "xdp", .ok_ret = 2 };
	hooks[1] = (struct hook){ .name = "tc", .ok_ret = 0 };
	fill(&hooks[0], x->obj, bpf_program__fd(x->progs.fou_rx_xdp),
	     bpf_program__fd(tr->progs.trivial_xdp));
	fill(&hooks[1], t->obj, bpf_program__fd(t->progs.fou_rx_tc),
	     bpf_program__fd(tr->progs.trivial_tc));
	if (add_port(4, P_FOU4, FOU_KIND_FOU, 4) || add_port(6, P_FOU6, FOU_KIND_FOU, 41) ||
	    add_port(4, P_GUE, FOU_KIND_GUE, 0) || add_port(6, P_GUE, FOU_KIND_GUE, 0))
		goto out;

	printf("bench_rx: BPF_PROG_TEST_RUN, best of 3 batches of repeat=%u, or of %u\n"
	       "  repeat=1 runs where a decapsulation changes the packet that the next\n"
	       "  repetition would see (kernel-measured ns/run; %d CPUs)\n",
	       repeat, calls_per_batch, ncpus);
	prog_info(hooks[0].fou_fd, "fou_rx_xdp");
	prog_info(hooks[1].fou_fd, "fou_rx_tc");
	prog_info(hooks[0].triv_fd, "trivial_xdp");
	prog_info(hooks[1].triv_fd, "trivial_tc");
	printf("\n%-22s %-4s %-9s %5s %9s %9s %9s %6s\n", "case", "hook", "mode", "bytes",
	       "ns/pkt", "trivial", "diff ns", "ratio");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (j = 0; j < 2; j++)
			if (bench_case(&cases[i], &hooks[j]))
				goto out;
	err = 0;
out:
	if (err)
		fprintf(stderr, "bench_rx: setup failed: %s\n", strerror(errno));
	fou_rx_xdp_bpf__destroy(x);
	fou_rx_tc_bpf__destroy(t);
	trivial_bpf__destroy(tr);
	return err;
}
