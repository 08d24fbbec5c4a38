// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sctp set / dev / show / flush: the settings of the CRC32c checks and of
 * the RFC 6951 gateway (fou_sctp_conf, fou_sctp_devs), and what the gateway
 * learned about over-UDP peers (fou_sctp_peers, fou_sctp_vtags).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "fouloader.h"
#include "opts.h"

#define DEV_OPTIONS "side udp|native, verify|noverify, fill|nofill or default"

/* ---------------------------------------------------------------- parsing */

/* P, or "default" (0 in the map, which the programs read as 9899). */
static int parse_encap_port(const char *what, const char *s, __u16 *port)
{
	*port = strcmp(s, "default") ? parse_port(what, s) : 0;
	return *port || !strcmp(s, "default") ? 0 : -EINVAL;
}

static int set_encap_port(void *spec, const char *v)
{
	struct sctp_set_spec *s = spec;

	s->have_encap = true;
	return parse_encap_port("encap-port", v, &s->conf.encap_port);
}

static int set_remote_port(void *spec, const char *v)
{
	struct sctp_set_spec *s = spec;

	s->have_remote = true;
	return parse_encap_port("remote-encap-port", v, &s->conf.remote_port);
}

static const struct opt sctp_set_opts[] = {
	{ "encap-port", OPT_ARG, 0, 0, 0, 0, set_encap_port, NULL, "[encap-port P|default]", NULL },
	{ "remote-encap-port", OPT_ARG, 1, 0, 0, 0, set_remote_port, NULL,
	  "[remote-encap-port P|default]", NULL },
	OPT_END,
};

const struct opt_cmd sctp_set_cmd = {
	"sctp set", sctp_set_opts, NULL,
	"sctp set: unexpected '%s'; expected encap-port P or remote-encap-port P", NULL, NULL,
};

int sctp_parse_set(int argc, char **argv, struct sctp_set_spec *s)
{
	int err = opts_parse(&sctp_set_cmd, argc, argv, s, NULL);

	if (!err && !s->have_encap && !s->have_remote)
		err = usage_err("sctp set: expected encap-port P or remote-encap-port P "
				"(see 'fouloader sctp set --help')");
	return err;
}

/* Has fou_sctp_devs an entry for @ifindex? */
static bool sctp_dev_entry_exists(__u32 ifindex)
{
	int fd = state_exists() ? map_fd(FOU_MAP_SCTP_DEVS) : -1;
	struct fou_sctp_dev cur;
	bool found;

	if (fd < 0)
		return false;
	found = !bpf_map_lookup_elem(fd, &ifindex, &cur);
	close(fd);
	return found;
}

/* DEV, or the "ifindexN" that 'sctp show' prints for a device that is gone
 * (only to reset its entry: nothing else can apply to a missing device, and
 * an "ifindexN" without an entry names nothing). 0 if it names none. */
static __u32 parse_sctp_dev_name(const char *name, bool reset)
{
	unsigned long ifindex;
	char *end;

	if (!reset || if_nametoindex(name) || strncmp(name, "ifindex", 7) ||
	    name[7] < '0' || name[7] > '9')
		return parse_dev(name);
	errno = 0;
	ifindex = strtoul(name + 7, &end, 10);
	if (errno || *end || !ifindex || ifindex > UINT_MAX) {
		usage_err("sctp dev %s: no such device, and not an ifindex (1 to %u)", name,
			  UINT_MAX);
		return 0;
	}
	if (!sctp_dev_entry_exists(ifindex)) {
		usage_err("sctp dev %s: no such device, and no entry for ifindex %lu", name,
			  ifindex);
		return 0;
	}
	return ifindex;
}

static int set_side(void *spec, const char *v)
{
	struct sctp_dev_spec *s = spec;

	if (strcmp(v, "udp") && strcmp(v, "native"))
		return usage_err("side: '%s' is not udp or native", v);
	s->flags |= strcmp(v, "udp") ? 0 : FOU_SCTP_DEV_F_UDP_SIDE;
	return 0;
}

/* Each setting of a device once, by one of its words: the groups a line
 * names are the settings it changes. */
enum { DW_DEFAULT, DW_SIDE, DW_VERIFY, DW_FILL, DW_COUNT };

#define DEV_FLAG(w, g, bits, syn) \
	{ w, OPT_BITS, g, OPT_AT(struct sctp_dev_spec, flags), bits, NULL, NULL, syn, NULL }

static const struct opt sctp_dev_opts[] = {
	{ "side", OPT_ARG, DW_SIDE, 0, 0, 0, set_side, NULL, "{ [side udp|native]", NULL },
	DEV_FLAG("verify", DW_VERIFY, 0, "[verify|noverify]"),
	DEV_FLAG("noverify", DW_VERIFY, FOU_SCTP_DEV_F_NOVERIFY, NULL),
	DEV_FLAG("fill", DW_FILL, FOU_SCTP_DEV_F_FILL, "[fill|nofill]"),
	DEV_FLAG("nofill", DW_FILL, 0, NULL),
	{ "default", OPT_FLAG, DW_DEFAULT, OPT_AT(struct sctp_dev_spec, reset), 0, NULL, NULL,
	  "| default }", NULL },
	OPT_END,
};

const struct opt_cmd sctp_dev_cmd = {
	"sctp dev", sctp_dev_opts, NULL, "sctp dev: unexpected '%s'; expected " DEV_OPTIONS,
	"DEV", NULL,
};

int sctp_parse_dev(int argc, char **argv, struct sctp_dev_spec *s)
{
	const char *seen[DW_COUNT] = {};
	int err;

	if (!argc)
		return usage_err("sctp dev: missing DEV (see 'fouloader sctp dev --help')");
	s->name = argv[0];
	err = opts_parse(&sctp_dev_cmd, argc - 1, argv + 1, s, seen);
	if (err)
		return err;
	s->mask = (seen[DW_SIDE] ? FOU_SCTP_DEV_F_UDP_SIDE : 0) |
		  (seen[DW_VERIFY] ? FOU_SCTP_DEV_F_NOVERIFY : 0) |
		  (seen[DW_FILL] ? FOU_SCTP_DEV_F_FILL : 0);
	if (s->reset && s->mask)
		return usage_err("sctp dev: 'default' resets every setting; it takes no other");
	if (!s->reset && !s->mask)
		return usage_err("sctp dev %s: expected " DEV_OPTIONS, s->name);
	s->ifindex = parse_sctp_dev_name(s->name, s->reset);
	return s->ifindex ? 0 : -EINVAL;
}

__u32 sctp_dev_flags(const struct sctp_dev_spec *s, __u32 cur)
{
	return s->reset ? 0 : (cur & ~s->mask) | s->flags;
}

/* ---------------------------------------------------------------- the maps */

/* A map of the pin root, or -1 when it is not there (nothing configured, or
 * a pin root made before SCTP: reading finds nothing, writing creates it). */
static int sctp_map_fd(const char *name)
{
	return state_exists() ? map_fd(name) : -1;
}

void sctp_load_conf(struct fou_sctp_conf *out)
{
	settings_load(FOU_MAP_SCTP_CONF, out, sizeof(*out));
}

int sctp_put_conf(const struct fou_sctp_conf *c)
{
	return settings_put(FOU_MAP_SCTP_CONF, c);
}

/*
 * Every key of a hash map, at most @max. A key deleted under us (LRU
 * eviction) restarts the walk, so a key may come twice: callers sort and
 * skip repeats, or tolerate -ENOENT.
 */
static int map_keys(int fd, void *keys, size_t size, int max)
{
	char *k = keys;
	int n = 0;

	while (n < max && !bpf_map_get_next_key(fd, n ? k + (n - 1) * size : NULL, k + n * size))
		n++;
	return n;
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

int sctp_load_devs(struct sctp_dev_entry *out, int max)
{
	__u32 keys[FOU_MAX_DEVICES * 2];
	int fd = sctp_map_fd(FOU_MAP_SCTP_DEVS), n, m = 0;
	struct fou_sctp_dev d;

	if (fd < 0)
		return 0;
	n = map_keys(fd, keys, sizeof(keys[0]), FOU_MAX_DEVICES * 2);
	qsort(keys, n, sizeof(keys[0]), cmp_u32);
	for (int i = 0; i < n && m < max; i++) {
		if ((i && keys[i] == keys[i - 1]) || bpf_map_lookup_elem(fd, &keys[i], &d))
			continue;
		out[m].ifindex = keys[i];
		out[m++].flags = d.flags;
	}
	close(fd);
	return m;
}

/* All defaults is no entry: the programs treat a missing one so. */
int sctp_put_dev(__u32 ifindex, __u32 flags)
{
	int fd = map_fd_or_fail(FOU_MAP_SCTP_DEVS), err;
	struct fou_sctp_dev d = { .flags = flags };

	if (flags)
		err = bpf_map_update_elem(fd, &ifindex, &d, BPF_ANY) ? -errno : 0;
	else
		err = bpf_map_delete_elem(fd, &ifindex) && errno != ENOENT ? -errno : 0;
	close(fd);
	return err;
}

/* ---------------------------------------------------------------- set, dev */

int cmd_sctp_set(int argc, char **argv)
{
	struct sctp_set_spec s = {};
	struct fou_sctp_conf c;
	int err;

	if (sctp_parse_set(argc, argv, &s))
		usage_exit();
	ensure_maps();
	sctp_load_conf(&c);
	if (s.have_encap)
		c.encap_port = s.conf.encap_port;
	if (s.have_remote)
		c.remote_port = s.conf.remote_port;
	err = sctp_put_conf(&c);
	if (err)
		fail("sctp set: cannot write %s: %s", FOU_MAP_SCTP_CONF, strerror(-err));
	return EXIT_OK;
}

int cmd_sctp_dev(int argc, char **argv)
{
	struct sctp_dev_spec s = {};
	struct fou_sctp_dev cur = {};
	int fd, err;

	if (sctp_parse_dev(argc, argv, &s))
		usage_exit();
	ensure_maps();
	fd = map_fd_or_fail(FOU_MAP_SCTP_DEVS);
	if (bpf_map_lookup_elem(fd, &s.ifindex, &cur))
		cur.flags = 0;
	close(fd);
	err = sctp_put_dev(s.ifindex, sctp_dev_flags(&s, cur.flags));
	if (err)
		fail("sctp dev %s: cannot write %s: %s", s.name, FOU_MAP_SCTP_DEVS, strerror(-err));
	return EXIT_OK;
}

/* ---------------------------------------------------------------- show */

static void dev_name(__u32 ifindex, char *buf)
{
	if (!if_indextoname(ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "ifindex%u", ifindex);
}

/* The device's settings that differ from the defaults, as 'sctp dev' words. */
static void print_dev_words(__u32 flags)
{
	if (flags & FOU_SCTP_DEV_F_UDP_SIDE)
		printf(" side udp");
	if (flags & FOU_SCTP_DEV_F_NOVERIFY)
		printf(" noverify");
	if (flags & FOU_SCTP_DEV_F_FILL)
		printf(" fill");
}

/* 'show config' lines: only what differs from the defaults, so a fresh pin
 * root prints nothing and 'apply' of the output writes nothing. */
void sctp_print_config(void)
{
	struct sctp_dev_entry devs[FOU_MAX_DEVICES];
	struct fou_sctp_conf c;
	char name[IF_NAMESIZE];
	int n;

	sctp_load_conf(&c);
	if (c.encap_port || c.remote_port) {
		printf("sctp set");
		if (c.encap_port)
			printf(" encap-port %u", c.encap_port);
		if (c.remote_port)
			printf(" remote-encap-port %u", c.remote_port);
		printf("\n");
	}
	n = sctp_load_devs(devs, FOU_MAX_DEVICES);
	for (int i = 0; i < n; i++) {
		if (!devs[i].flags)
			continue;
		dev_name(devs[i].ifindex, name);
		/* A device that is gone cannot be configured: a comment keeps the
		 * file applicable (and apply then forgets the entry). */
		printf("%ssctp dev %s", if_nametoindex(name) ? "" : "# (device gone) ", name);
		print_dev_words(devs[i].flags);
		printf("\n");
	}
}

static __u16 effective(__u16 port)
{
	return port ? port : FOU_SCTP_PORT_DEFAULT;
}

/* The show_* below write text, or JSON members to @j when it is set. */
static void show_conf(const struct fou_sctp_conf *c, struct json *j)
{
	if (j) {
		json_kobject(j, "config");
		json_ku64(j, "encap_port", effective(c->encap_port));
		json_kbool(j, "encap_port_default", !c->encap_port);
		json_ku64(j, "remote_encap_port", effective(c->remote_port));
		json_kbool(j, "remote_encap_port_default", !c->remote_port);
		json_end(j);
		return;
	}
	printf("encap-port %u%s\n", effective(c->encap_port), c->encap_port ? "" : " (default)");
	printf("remote-encap-port %u%s\n", effective(c->remote_port),
	       c->remote_port ? "" : " (default)");
}

static void show_devs(struct json *j)
{
	struct sctp_dev_entry devs[FOU_MAX_DEVICES];
	int n = sctp_load_devs(devs, FOU_MAX_DEVICES);
	char name[IF_NAMESIZE];

	if (j)
		json_karray(j, "devs");
	else if (!n)
		printf("dev (none): every device side native, verify, nofill\n");
	for (int i = 0; i < n; i++) {
		__u32 f = devs[i].flags;
		bool gone = !if_indextoname(devs[i].ifindex, name);

		if (j) {
			json_object(j);
			json_kstr_or_null(j, "dev", gone ? NULL : name);
			json_ku64(j, "ifindex", devs[i].ifindex);
			json_kstr(j, "side", f & FOU_SCTP_DEV_F_UDP_SIDE ? "udp" : "native");
			json_kbool(j, "verify", !(f & FOU_SCTP_DEV_F_NOVERIFY));
			json_kbool(j, "fill", f & FOU_SCTP_DEV_F_FILL);
			json_end(j);
			continue;
		}
		dev_name(devs[i].ifindex, name);
		printf("dev %s ifindex %u side %s %s %s%s\n", name, devs[i].ifindex,
		       f & FOU_SCTP_DEV_F_UDP_SIDE ? "udp" : "native",
		       f & FOU_SCTP_DEV_F_NOVERIFY ? "noverify" : "verify",
		       f & FOU_SCTP_DEV_F_FILL ? "fill" : "nofill", gone ? " (device gone)" : "");
	}
	if (j)
		json_end(j);
}

/* The receive ports that speak RFC 6951, in the grammar of 'port add'. */
static void show_ports(struct json *j)
{
	static struct port_entry ports[FOU_MAX_PORTS];
	int n = load_ports(ports, FOU_MAX_PORTS), shown = 0;
	struct fou_port_fds m;

	if (j)
		json_karray(j, "ports");
	if (n)
		open_port_fds(&m);
	for (int i = 0; i < n; i++) {
		const struct fou_port *p = &ports[i].port;

		if (p->kind != FOU_KIND_FOU || p->ipproto != FOU_IPPROTO_SCTP)
			continue;
		if (j)
			print_port_json(j, &m, p);
		else
			print_port_line(&m, p, "");
		shown++;
	}
	if (n)
		close_port_fds(&m);
	if (j)
		json_end(j);
	else if (!shown)
		printf("port (none): no RFC 6951 receive port ('port add PORT ipproto 132 ...')\n");
}

struct peer_entry {
	struct fou_sctp_peer_key key;
	struct fou_sctp_peer val;
};

static int cmp_peer_keys(const void *a, const void *b)
{
	const struct fou_sctp_peer_key *x = a, *y = b;

	if (x->family != y->family)
		return x->family - y->family;
	return memcmp(x, y, sizeof(*x));
}

/* Every learned peer, sorted by family, address and tag; NULL if none. */
static struct peer_entry *load_peers(int *count)
{
	int fd = sctp_map_fd(FOU_MAP_SCTP_PEERS), n, m = 0;
	struct fou_sctp_peer_key *keys;
	struct peer_entry *out;

	*count = 0;
	if (fd < 0)
		return NULL;
	keys = calloc(FOU_MAX_SCTP_PEERS, sizeof(*keys));
	out = calloc(FOU_MAX_SCTP_PEERS, sizeof(*out));
	if (!keys || !out)
		fail("out of memory");
	n = map_keys(fd, keys, sizeof(*keys), FOU_MAX_SCTP_PEERS);
	qsort(keys, n, sizeof(*keys), cmp_peer_keys);
	for (int i = 0; i < n; i++) {
		if (i && !memcmp(&keys[i], &keys[i - 1], sizeof(*keys)))
			continue;
		if (bpf_map_lookup_elem(fd, &keys[i], &out[m].val))
			continue; /* evicted meanwhile */
		out[m++].key = keys[i];
	}
	close(fd);
	free(keys);
	*count = m;
	return out;
}

/* The keys of one of the learned maps (@size bytes each): how many, and
 * with @keys and @fd, the keys and the open map (NULL and -1 if absent). */
static int learned_keys(const char *map, size_t size, char **keys, int *fd)
{
	int n;

	*keys = NULL;
	*fd = sctp_map_fd(map);
	if (*fd < 0)
		return 0;
	*keys = calloc(FOU_MAX_SCTP_PEERS, size);
	if (!*keys)
		fail("out of memory");
	n = map_keys(*fd, *keys, size, FOU_MAX_SCTP_PEERS);
	return n;
}

static int count_keys(const char *map, size_t size)
{
	char *keys;
	int fd, n = learned_keys(map, size, &keys, &fd);

	if (fd >= 0)
		close(fd);
	free(keys);
	return n;
}

/* Seconds since @ns on the clock bpf_ktime_get_ns() reads. */
static unsigned long long age_s(__u64 ns)
{
	struct timespec ts;
	__u64 now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	return now > ns ? (now - ns) / 1000000000ULL : 0;
}

static void show_peer(const struct peer_entry *p, struct json *j)
{
	char addr[INET6_ADDRSTRLEN], tag[16];
	bool native = p->val.flags & FOU_SCTP_PEER_F_NATIVE;

	format_addr(&p->key.addr, p->key.family, addr, sizeof(addr));
	if (j) {
		json_object(j);
		json_ku64(j, "family", p->key.family);
		json_kstr(j, "addr", addr);
		snprintf(tag, sizeof(tag), "0x%08x", p->key.vtag);
		json_kstr(j, "vtag", tag);
		snprintf(tag, sizeof(tag), "0x%08x", p->val.peer_vtag);
		json_kstr(j, "peer_vtag", tag);
		json_ku64(j, "encap_port", p->val.encap_port);
		json_kbool(j, "native", native);
		json_ku64(j, "age_s", age_s(p->val.updated_ns));
		json_end(j);
	} else
		printf("peer %s vtag 0x%08x peer-vtag 0x%08x encap-port %u %s age %llus\n", addr,
		       p->key.vtag, p->val.peer_vtag, p->val.encap_port, native ? "native" : "udp",
		       age_s(p->val.updated_ns));
}

static void show_learned(struct json *j)
{
	int n, ntags = count_keys(FOU_MAP_SCTP_VTAGS, sizeof(struct fou_sctp_vtag_key));
	struct peer_entry *peers = load_peers(&n);

	if (j)
		json_karray(j, "peers");
	for (int i = 0; i < n; i++)
		show_peer(&peers[i], j);
	if (j) {
		json_end(j);
		json_kobject(j, "counts");
		json_ku64(j, "peers", n);
		json_ku64(j, "vtags", ntags);
		json_end(j);
	} else
		printf("learned: %d peer%s, %d tag%s\n", n, n == 1 ? "" : "s", ntags,
		       ntags == 1 ? "" : "s");
	free(peers);
}

/* What the gateway learned, counted: peers over UDP, peers speaking
 * native SCTP, and tags (the metrics' gauges). */
void sctp_learned_counts(int *udp, int *native, int *vtags)
{
	int n;
	struct peer_entry *peers = load_peers(&n);

	*udp = *native = 0;
	for (int i = 0; i < n; i++)
		++*(peers[i].val.flags & FOU_SCTP_PEER_F_NATIVE ? native : udp);
	*vtags = count_keys(FOU_MAP_SCTP_VTAGS, sizeof(struct fou_sctp_vtag_key));
	free(peers);
}

const struct opt_cmd sctp_show_cmd = {
	"sctp show", json_opts, NULL, "sctp show: unexpected '%s'; expected --json", NULL, NULL,
};

int cmd_sctp_show(int argc, char **argv)
{
	struct fou_sctp_conf c;
	bool json = false;
	struct json j, *jp = NULL;

	if (opts_parse(&sctp_show_cmd, argc, argv, &json, NULL))
		usage_exit();
	sctp_load_conf(&c);
	if (json) {
		jp = &j;
		json_start(jp, stdout);
		json_object(jp);
	}
	show_conf(&c, jp);
	show_devs(jp);
	show_ports(jp);
	show_learned(jp);
	if (jp) {
		json_end(jp);
		printf("\n");
	}
	return EXIT_OK;
}

/* ---------------------------------------------------------------- flush */

/* Delete every entry of @map; returns how many went. */
static int flush_map(const char *map, size_t size)
{
	char *keys;
	int fd, gone = 0, n = learned_keys(map, size, &keys, &fd);

	if (fd < 0)
		return 0;
	for (int i = 0; i < n; i++) {
		if (!bpf_map_delete_elem(fd, keys + i * size))
			gone++;
		else if (errno != ENOENT)
			fail("sctp flush: cannot delete from %s: %s", map, strerror(errno));
	}
	close(fd);
	free(keys);
	return gone;
}

const struct opt_cmd sctp_flush_cmd = {
	"sctp flush", no_opts, NULL, "sctp flush: unexpected '%s'; it takes no argument", "", NULL,
};

int cmd_sctp_flush(int argc, char **argv)
{
	int peers = 0, tags = 0;

	if (opts_parse(&sctp_flush_cmd, argc, argv, NULL, NULL))
		usage_exit();
	if (state_exists_locked()) {
		/* Tags first: a tag left without its peer would be a dead end. */
		tags = flush_map(FOU_MAP_SCTP_VTAGS, sizeof(struct fou_sctp_vtag_key));
		peers = flush_map(FOU_MAP_SCTP_PEERS, sizeof(struct fou_sctp_peer_key));
	}
	printf("flushed %d peer%s, %d tag%s\n", peers, peers == 1 ? "" : "s", tags,
	       tags == 1 ? "" : "s");
	return EXIT_OK;
}
