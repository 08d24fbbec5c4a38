// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The fuzzer's hands: runs packets through the receive programs with
 * BPF_PROG_TEST_RUN and prints what each one did, so that the reference
 * model (selftests/fuzz/model.py) can judge it. No opinion of its own.
 *
 *   fuzz_run rx|tx < CASES
 *
 * It moves into a private network namespace (bh_setup_netns: 192.0.2.1 and
 * 2001:db8::1 are this host's addresses on fz0 there, 192.0.2.2 and
 * 2001:db8::2 neighbours), loads fou_rx_xdp and fou_rx_tc (rx) or fou_tx_tc
 * (tx) unpinned and reads lines:
 *
 *   port FAM PORT KIND IPPROTO FLAGS IFINDEX LOCAL|- PEER[/PPORT],...|-
 *        rx: configure a port on both programs through loader/portstate.c
 *   local FAM ADDR KIND
 *        rx: an address of this host, as fouloader writes fou_local_addrs
 *        (ignored where the programs have no such map)
 *   tunnel SLOT FAM KIND IPPROTO TTL TOS FLAGS MTU DPORT SPORT SMIN SMAX LOCAL REMOTE
 *   route FAM ADDR PLEN SLOT
 *   pmtu SLOT MTU
 *   sctpdev FLAGS
 *   sctppeer FAM ADDR VTAG PORT FLAGS
 *        tx: a tunnel (struct fou_tunnel, through loader/tunstate.c), a route
 *        to it, its learned path MTU (now; ICMP rate limit and expiry set
 *        out of reach, so that results do not depend on timing), fz0's SCTP
 *        flags (struct fou_sctp_dev), a learned RFC 6951 peer (struct
 *        fou_sctp_peer)
 *   run xdp|tc|hints|tx HEX
 *        run the frame (hints: fou_hints_tc, which skb test_run can give
 *        no XDP metadata; tx: at TC egress of fz0); prints one line:
 *        ok RET OUTHEX STATS COUNTERS STATE   or   err ERRNO
 *        STATS: fou_stats deltas "name:+N,..." ("-": none)
 *        COUNTERS: per-port deltas "PORT/FAM:rx_packets,rx_bytes,drop_packets,..."
 *        (rx) or per-tunnel "SLOT:tx_packets,tx_bytes,drop_packets,..." (tx)
 *        STATE: "same" or "changed": a digest of the maps a packet may
 *        change (SCTP peers and tags, tunnel path state)
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "portstate.h"
#include "tunstate.h"

#include "fou_maps.h"
#include "fou_stats.h"
#include "fou_rx_xdp.skel.h"
#include "fou_rx_tc.skel.h"
#include "fou_tx_tc.skel.h"
#include "fou_hints_tc.skel.h"
#include "bpfharness.h"

#define MAX_FRAME  (64 * 1024)
#define MAX_PORTS  64
#define MAX_LINE   (2 * MAX_FRAME + 64)

struct hook {
	const char *name;
	struct bpf_object *obj;
	int prog_fd, stats_fd;
	struct fou_port_fds pfds;
};

#define MAX_TUNNELS 16

static struct hook hooks[4]; /* xdp, tc (receive); tx; hints (fou_hints_tc) */
static struct fou_port_key ports[MAX_PORTS];
static int nports;
static __u32 tunnels[MAX_TUNNELS];
static int ntunnels, ifindex;

/* Maps whose content a packet may change beside the counters. */
static const char *const state_maps[] = {
	FOU_MAP_SCTP_PEERS, FOU_MAP_SCTP_VTAGS, FOU_MAP_TUN_PATH,
};

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static long unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;

	while (s[0] && s[0] != '\n' && s[0] != ' ') {
		int hi = hexval(s[0]), lo = hexval(s[1]);

		if (hi < 0 || lo < 0 || n >= max)
			return -1;
		out[n++] = hi << 4 | lo;
		s += 2;
	}
	return n;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--)
		h = (h ^ *b++) * 0x100000001b3ULL;
	return h;
}

/* Digest of one map's entries (their hashes summed: order does not matter).
 * Arrays are read in one batch, hashes (empty, mostly) entry by entry. */
static uint64_t map_digest(struct bpf_map *m)
{
	static uint8_t keys[1 << 16], vals[1 << 20];
	uint32_t ksz = bpf_map__key_size(m), vsz = bpf_map__value_size(m), i;
	uint8_t key[256], next[256];
	int fd = bpf_map__fd(m);
	void *prev = NULL;
	uint64_t d = 0;

	if (bpf_map__type(m) == BPF_MAP_TYPE_ARRAY) {
		__u32 count = bpf_map__max_entries(m), batch;

		if (count * ksz > sizeof(keys) || count * vsz > sizeof(vals) ||
		    (bpf_map_lookup_batch(fd, NULL, &batch, keys, vals, &count, NULL) &&
		     errno != ENOENT))
			exit(3);
		for (i = 0; i < count; i++)
			d += fnv(fnv(0xcbf29ce484222325ULL, keys + i * ksz, ksz), vals + i * vsz, vsz);
		return d;
	}
	if (ksz > sizeof(key) || vsz > sizeof(vals))
		exit(3);
	while (!bpf_map_get_next_key(fd, prev, next)) {
		if (!bpf_map_lookup_elem(fd, next, vals))
			d += fnv(fnv(0xcbf29ce484222325ULL, next, ksz), vals, vsz);
		memcpy(key, next, ksz);
		prev = key;
	}
	return d;
}

static uint64_t state_digest(const struct hook *h)
{
	uint64_t d = 0;
	size_t i;

	for (i = 0; i < sizeof(state_maps) / sizeof(state_maps[0]); i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(h->obj, state_maps[i]);

		if (m)
			d += map_digest(m);
	}
	return d;
}

static int load_rx(void)
{
	struct fou_rx_xdp_bpf *x = BH_OPEN_UNPINNED(fou_rx_xdp_bpf);
	struct fou_rx_tc_bpf *t = x ? BH_OPEN_UNPINNED(fou_rx_tc_bpf) : NULL;
	struct fou_hints_tc_bpf *g = t ? fou_hints_tc_bpf__open() : NULL;
	int i;

	/* fou_hints_tc shares fou_rx_tc's maps, as pinning shares them */
	if (!g || bh_share_pinned_maps(t->obj, g->obj) || fou_hints_tc_bpf__load(g))
		return -1;
	hooks[3] = (struct hook){ .name = "hints", .obj = g->obj,
				   .prog_fd = bpf_program__fd(g->progs.fou_hints_tc) };
	hooks[3].stats_fd = bpf_object__find_map_fd_by_name(g->obj, FOU_MAP_STATS);
	hooks[0] = (struct hook){ .name = "xdp", .obj = x->obj,
				   .prog_fd = bpf_program__fd(x->progs.fou_rx_xdp) };
	hooks[1] = (struct hook){ .name = "tc", .obj = t->obj,
				   .prog_fd = bpf_program__fd(t->progs.fou_rx_tc) };
	for (i = 0; i < 2; i++) {
		hooks[i].stats_fd = bpf_object__find_map_fd_by_name(hooks[i].obj, FOU_MAP_STATS);
		if (hooks[i].stats_fd < 0 || fou_port_fds_from_obj(hooks[i].obj, &hooks[i].pfds))
			return -1;
	}
	return 0;
}

static int load_tx(void)
{
	struct fou_tx_tc_bpf *t = BH_OPEN_UNPINNED(fou_tx_tc_bpf);

	if (!t)
		return -1;
	hooks[2] = (struct hook){ .name = "tx", .obj = t->obj,
				   .prog_fd = bpf_program__fd(t->progs.fou_tx_tc) };
	hooks[2].stats_fd = bpf_object__find_map_fd_by_name(t->obj, FOU_MAP_STATS);
	return hooks[2].stats_fd < 0 ? -1 : 0;
}

static int parse_addr(int fam, const char *s, struct fou_addr *a)
{
	memset(a, 0, sizeof(*a));
	return inet_pton(fam == 4 ? AF_INET : AF_INET6, s, a) == 1 ? 0 : -EINVAL;
}

/* "port FAM PORT KIND IPPROTO FLAGS IFINDEX LOCAL PEERS [GRE_KEY]" */
static int cmd_port(char *args)
{
	char local[64], peers[1024], *tok, *save;
	struct fou_peer_spec spec[16];
	unsigned fam, port, kind, ipproto, flags, ifindex, gre_key = 0;
	struct fou_port v;
	int n = 0, i, err;

	if (sscanf(args, "%u %u %u %u %u %u %63s %1023s %u", &fam, &port, &kind, &ipproto,
		   &flags, &ifindex, local, peers, &gre_key) < 8 || nports == MAX_PORTS)
		return -EINVAL;
	memset(&v, 0, sizeof(v));
	v.gre_key = gre_key;
	v.kind = kind;
	v.ipproto = ipproto;
	v.flags = flags;
	v.ifindex = ifindex;
	if (strcmp(local, "-") && parse_addr(fam, local, &v.local))
		return -EINVAL;
	for (tok = strtok_r(peers, ",", &save); strcmp(peers, "-") && tok && n < 16;
	     tok = strtok_r(NULL, ",", &save), n++) {
		char *slash = strchr(tok, '/');

		spec[n].peer_port = slash ? atoi(slash + 1) : 0;
		if (slash)
			*slash = 0;
		if (parse_addr(fam, tok, &spec[n].addr))
			return -EINVAL;
	}
	ports[nports] = (struct fou_port_key){ .port = port, .family = fam };
	for (i = 0; i < 2; i++) {
		err = fou_port_install(&hooks[i].pfds, &ports[nports], &v, spec, n);
		if (err)
			return err;
	}
	nports++;
	return 0;
}

/* "local FAM ADDR KIND": through the harness's bh_add_local, which fills
 * both the in-place set (fou_local_inline) and the hash, as fouloader does. */
static int cmd_local(char *args)
{
	unsigned fam, kind;
	struct fou_addr a;
	char addr[64];
	int i;

	if (sscanf(args, "%u %63s %u", &fam, addr, &kind) != 3 || parse_addr(fam, addr, &a))
		return -EINVAL;
	for (i = 0; i < 2; i++) {
		int err = bh_add_local(hooks[i].obj, fam, addr, kind);

		if (err)
			return err;
	}
	return 0;
}

static int map_fd(const struct hook *h, const char *name)
{
	int fd = bpf_object__find_map_fd_by_name(h->obj, name);

	if (fd < 0) {
		fprintf(stderr, "fuzz_run: no map %s\n", name);
		exit(1);
	}
	return fd;
}

/* "tunnel SLOT FAM KIND IPPROTO TTL TOS FLAGS MTU DPORT SPORT SMIN SMAX LOCAL REMOTE" */
static int cmd_tunnel(char *args)
{
	unsigned slot, fam, kind, ipproto, ttl, tos, flags, mtu, dport, sport, smin, smax;
	char local[64], remote[64];
	struct fou_tun_fds fds;
	struct fou_tunnel v;
	int err;

	if (sscanf(args, "%u %u %u %u %u %u %u %u %u %u %u %u %63s %63s", &slot, &fam, &kind,
		   &ipproto, &ttl, &tos, &flags, &mtu, &dport, &sport, &smin, &smax, local,
		   remote) != 14 || ntunnels == MAX_TUNNELS)
		return -EINVAL;
	memset(&v, 0, sizeof(v));
	snprintf(v.name, sizeof(v.name), "fz%u", slot);
	v.family = fam;
	v.kind = kind;
	v.ipproto = ipproto;
	v.ttl = ttl;
	v.tos = tos;
	v.flags = flags;
	v.mtu = mtu;
	v.dport = dport;
	v.sport = sport;
	v.sport_min = smin;
	v.sport_max = smax;
	if (parse_addr(fam, local, &v.local) || parse_addr(fam, remote, &v.remote))
		return -EINVAL;
	/* through fouloader's own tunnel state */
	err = fou_tun_fds_from_obj(hooks[2].obj, &fds);
	err = err ?: fou_tunnel_put(&fds, slot, &v);
	if (err < 0)
		return err;
	tunnels[ntunnels++] = slot;
	return 0;
}

/* "route FAM ADDR PLEN SLOT": also counted in fou_route_count and added to
 * fou_route_filter, as fouloader does */
static int cmd_route(char *args)
{
	unsigned fam, plen, slot;
	struct fou_route r;
	struct fou_addr a;
	char addr[64];
	int err;

	if (sscanf(args, "%u %63s %u %u", &fam, addr, &plen, &slot) != 4 ||
	    parse_addr(fam, addr, &a))
		return -EINVAL;
	memset(&r, 0, sizeof(r));
	r.tunnel = slot;
	if (fam == 4) {
		struct fou_route4_key k = { .prefixlen = plen, .addr = a.ip4 };

		err = bpf_map_update_elem(map_fd(&hooks[2], FOU_MAP_ROUTES4), &k, &r, BPF_ANY);
	} else {
		struct fou_route6_key k = { .prefixlen = plen };

		memcpy(k.addr, a.ip6, 16);
		err = bpf_map_update_elem(map_fd(&hooks[2], FOU_MAP_ROUTES6), &k, &r, BPF_ANY);
	}
	return err ? -errno : bh_routes_present(hooks[2].obj) ?:
	       bh_route_filter_add(hooks[2].obj, fam, fam == 4 ? (void *)&a.ip4 : (void *)a.ip6, plen);
}

/* "pmtu SLOT MTU" */
static int cmd_pmtu(char *args)
{
	struct fou_icmp_conf conf = { .pmtu_expire_s = 1000000000, .rate = 1000000000,
				      .burst = 1000000000 };
	struct fou_tun_path path;
	unsigned slot, mtu;
	struct timespec ts;
	__u32 zero = 0;

	if (sscanf(args, "%u %u", &slot, &mtu) != 2 || clock_gettime(CLOCK_MONOTONIC, &ts))
		return -EINVAL;
	memset(&path, 0, sizeof(path));
	path.pmtu = mtu;
	path.pmtu_ns = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	if (bpf_map_update_elem(map_fd(&hooks[2], FOU_MAP_ICMP_CONF), &zero, &conf, BPF_ANY) ||
	    bpf_map_update_elem(map_fd(&hooks[2], FOU_MAP_TUN_PATH), &slot, &path, BPF_ANY))
		return -errno;
	return 0;
}

/* "sctpdev FLAGS": fz0's entry in fou_sctp_devs */
static int cmd_sctpdev(char *args)
{
	struct fou_sctp_dev d = { 0 };
	__u32 key = ifindex;

	if (sscanf(args, "%u", &d.flags) != 1)
		return -EINVAL;
	return bpf_map_update_elem(map_fd(&hooks[2], FOU_MAP_SCTP_DEVS), &key, &d, BPF_ANY) ?
	       -errno : 0;
}

/* "sctppeer FAM ADDR VTAG PORT FLAGS": what the gateway learned of a peer */
static int cmd_sctppeer(char *args)
{
	struct fou_sctp_peer_key k;
	struct fou_sctp_peer v;
	unsigned fam, vtag, port, flags;
	char addr[64];

	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	if (sscanf(args, "%u %63s %u %u %u", &fam, addr, &vtag, &port, &flags) != 5 ||
	    parse_addr(fam, addr, &k.addr))
		return -EINVAL;
	k.vtag = vtag;
	k.family = fam;
	v.encap_port = port;
	v.flags = flags;
	return bpf_map_update_elem(map_fd(&hooks[2], FOU_MAP_SCTP_PEERS), &k, &v, BPF_ANY) ?
	       -errno : 0;
}

static void tunnel_stats(const struct hook *h, struct fou_port_stats *out)
{
	int ncpus = libbpf_num_possible_cpus(), fd = map_fd(h, FOU_MAP_TUN_STATS), i, c;
	struct fou_tun_stats vals[ncpus > 0 ? ncpus : 1];

	for (i = 0; i < ntunnels; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		if (bpf_map_lookup_elem(fd, &tunnels[i], vals))
			continue;
		for (c = 0; c < ncpus; c++) {
			out[i].rx_packets += vals[c].tx_packets;
			out[i].rx_bytes += vals[c].tx_bytes;
			out[i].drop_packets += vals[c].drop_packets;
		}
	}
}

static void port_stats(const struct hook *h, struct fou_port_stats *out)
{
	struct fou_port v;
	__u32 slot;
	int i;

	if (h == &hooks[3])
		h = &hooks[1];   /* the same maps */
	if (h == &hooks[2]) {
		tunnel_stats(h, out);
		return;
	}
	for (i = 0; i < nports; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		if (!fou_port_find(&h->pfds, &ports[i], &v, &slot))
			fou_port_stats_sum(&h->pfds, slot, &out[i]);
	}
}

static void print_hex(const uint8_t *b, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	if (!n)
		putchar('-');
	for (i = 0; i < n; i++) {
		putchar(digits[b[i] >> 4]);
		putchar(digits[b[i] & 15]);
	}
}

static void print_deltas(const uint64_t *before, const uint64_t *after)
{
	const char *sep = " ";
	int i;

	for (i = 0; i < FOU_STAT__COUNT; i++) {
		if (after[i] == before[i])
			continue;
		printf("%s%s:%+lld", sep, bh_stat_names[i], (long long)(after[i] - before[i]));
		sep = ",";
	}
	if (*sep == ' ')
		printf(" -");
}

static void print_port_deltas(const struct hook *h, const struct fou_port_stats *b,
			      const struct fou_port_stats *a)
{
	bool tx = h == &hooks[2];
	const char *sep = " ";
	int i;

	for (i = 0; i < (tx ? ntunnels : nports); i++) {
		if (!memcmp(&a[i], &b[i], sizeof(a[i])))
			continue;
		if (tx)
			printf("%s%u:", sep, tunnels[i]);
		else
			printf("%s%u/%u:", sep, ports[i].port, ports[i].family);
		printf("%llu,%llu,%llu",
		       (unsigned long long)(a[i].rx_packets - b[i].rx_packets),
		       (unsigned long long)(a[i].rx_bytes - b[i].rx_bytes),
		       (unsigned long long)(a[i].drop_packets - b[i].drop_packets));
		sep = ",";
	}
	if (*sep == ' ')
		printf(" -");
}

/* "run HOOK HEX" */
static void cmd_run(char *args)
{
	static uint8_t in[MAX_FRAME], out[MAX_FRAME + 4096];
	uint64_t before[FOU_STAT__COUNT], after[FOU_STAT__COUNT], d0, d1;
	struct fou_port_stats pb[MAX_PORTS], pa[MAX_PORTS];
	const struct hook *h = !strncmp(args, "xdp ", 4) ? &hooks[0] :
			       !strncmp(args, "tc ", 3) ? &hooks[1] :
			       !strncmp(args, "tx ", 3) ? &hooks[2] :
			       !strncmp(args, "hints ", 6) ? &hooks[3] : NULL;
	struct __sk_buff ctx = { .ifindex = ifindex };
	long len = h ? unhex(strchr(args, ' ') + 1, in, sizeof(in)) : -1;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = 1);
	int err;

	if (len < 0 || !h->obj) {
		printf("err %d\n", EINVAL);
		return;
	}
	o.data_size_in = len;
	if (h == &hooks[2]) {   /* egress of fz0: the device bpf_fib_lookup starts from */
		o.ctx_in = &ctx;
		o.ctx_size_in = sizeof(ctx);
	}
	d0 = state_digest(h);
	if (bh_read_stats(h->stats_fd, before))
		exit(3);
	port_stats(h, pb);
	err = bpf_prog_test_run_opts(h->prog_fd, &o);
	if (err) {
		printf("err %d\n", -err);
		return;
	}
	if (bh_read_stats(h->stats_fd, after))
		exit(3);
	port_stats(h, pa);
	d1 = state_digest(h);
	printf("ok %u ", o.retval);
	print_hex(out, o.data_size_out);
	print_deltas(before, after);
	print_port_deltas(h, pb, pa);
	printf(" %s\n", d0 == d1 ? "same" : "changed");
}

static int command(char *line)
{
	if (!strncmp(line, "port ", 5))
		return hooks[0].obj ? cmd_port(line + 5) : -EINVAL;
	if (!strncmp(line, "local ", 6))
		return hooks[0].obj ? cmd_local(line + 6) : -EINVAL;
	if (!strncmp(line, "tunnel ", 7))
		return hooks[2].obj ? cmd_tunnel(line + 7) : -EINVAL;
	if (!strncmp(line, "route ", 6))
		return hooks[2].obj ? cmd_route(line + 6) : -EINVAL;
	if (!strncmp(line, "pmtu ", 5))
		return hooks[2].obj ? cmd_pmtu(line + 5) : -EINVAL;
	if (!strncmp(line, "sctpdev ", 8))
		return hooks[2].obj ? cmd_sctpdev(line + 8) : -EINVAL;
	if (!strncmp(line, "sctppeer ", 9))
		return hooks[2].obj ? cmd_sctppeer(line + 9) : -EINVAL;
	if (!strncmp(line, "run ", 4))
		cmd_run(line + 4);
	else if (line[0] != '\n' && line[0] != '#')
		return -EINVAL;
	return 0;
}

int main(int argc, char **argv)
{
	static char line[MAX_LINE];
	const char *failed;
	bool tx = argc == 2 && !strcmp(argv[1], "tx");
	int err;

	if (argc != 2 || (strcmp(argv[1], "rx") && !tx)) {
		fprintf(stderr, "usage: fuzz_run rx|tx < CASES\n");
		return 2;
	}
	ifindex = bh_setup_netns("fz0", "fz1", "", &failed);
	if (ifindex < 0) {
		fprintf(stderr, "fuzz_run: network namespace: %s%s%s\n", strerror(-ifindex),
			failed ? " in: " : "", failed ? failed : "");
		return 1;
	}
	if (tx ? load_tx() : load_rx()) {
		fprintf(stderr, "fuzz_run: cannot load the programs: %s\n", strerror(errno));
		return 1;
	}
	while (fgets(line, sizeof(line), stdin)) {
		err = command(line);
		if (err) {
			fprintf(stderr, "fuzz_run: bad line (%s): %.200s", strerror(-err), line);
			return 2;
		}
	}
	return 0;
}
