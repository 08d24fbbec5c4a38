// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* route add / del / show: which inner destinations go into which tunnel. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "fouloader.h"
#include "opts.h"

static bool host_bits_clear(const struct prefix *p)
{
	const __u8 *b = (const __u8 *)&p->addr;
	__u32 bits = p->family == FOU_FAMILY_IPV4 ? 32 : 128;

	for (__u32 i = p->len; i < bits; i++)
		if (b[i / 8] & (0x80 >> (i % 8)))
			return false;
	return true;
}

/* ADDR or ADDR/LEN, with no host bits set (as iproute2 insists). */
static int parse_prefix(const char *s, struct prefix *p)
{
	char buf[INET6_ADDRSTRLEN + 8];
	char *slash;
	long len;

	if (strlen(s) >= sizeof(buf))
		return usage_err("'%s' is not a prefix (ADDR or ADDR/LEN)", s);
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	p->family = parse_addr("PREFIX", buf, &p->addr);
	if (!p->family)
		return -EINVAL;
	len = p->family == FOU_FAMILY_IPV4 ? 32 : 128;
	if (slash)
		len = parse_uint("prefix length", slash + 1, len);
	if (len < 0)
		return len;
	p->len = len;
	if (!host_bits_clear(p))
		return usage_err("'%s': host bits set for a /%u prefix", s, p->len);
	return 0;
}

static int route_map(int family)
{
	return map_fd_or_fail(family == FOU_FAMILY_IPV4 ? FOU_MAP_ROUTES4 : FOU_MAP_ROUTES6);
}

/* Fill the LPM key for @p into @key; returns the map's key size. */
static size_t route_key(const struct prefix *p, void *key)
{
	if (p->family == FOU_FAMILY_IPV4) {
		struct fou_route4_key *k = key;

		k->prefixlen = p->len;
		k->addr = p->addr.ip4;
		return sizeof(*k);
	}
	struct fou_route6_key *k6 = key;

	k6->prefixlen = p->len;
	memcpy(k6->addr, p->addr.ip6, 16);
	return sizeof(*k6);
}

static int set_prefix(void *spec, const char *w)
{
	struct route_spec *r = spec;

	if (r->p.family || w[0] == '-')
		return 1;
	return parse_prefix(w, &r->p);
}

static const struct opt route_add_opts[] = {
	{ "tunnel", OPT_STR, 0, OPT_AT(struct route_spec, tunnel), 0, NULL, NULL, "tunnel NAME", NULL },
	OPT_END,
};

const struct opt_cmd route_add_cmd = {
	"route add", route_add_opts, set_prefix, "route add: unexpected '%s'", "PREFIX", NULL,
};

int route_parse_add(int argc, char **argv, struct route_spec *r)
{
	int err;

	memset(r, 0, sizeof(*r));
	err = opts_parse(&route_add_cmd, argc, argv, r, NULL);
	if (!err && !r->p.family)
		err = usage_err("route add: missing PREFIX");
	if (!err && !r->tunnel)
		err = usage_err("route add: missing 'tunnel NAME'");
	return err;
}

void format_prefix(const struct prefix *p, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN];

	format_addr(&p->addr, p->family, addr, sizeof(addr));
	snprintf(buf, len, "%s/%u", addr, p->len);
}

/* Add or change (atomically) the route for @p. */
int route_put(const struct prefix *p, __u32 tunnel_slot)
{
	union { struct fou_route4_key k4; struct fou_route6_key k6; } key = {};
	struct fou_route r = { .tunnel = tunnel_slot };
	int fd = route_map(p->family), err = 0;

	route_key(p, &key);
	if (bpf_map_update_elem(fd, &key, &r, BPF_ANY))
		err = -errno;
	close(fd);
	return err;
}

int route_remove(const struct prefix *p)
{
	union { struct fou_route4_key k4; struct fou_route6_key k6; } key = {};
	int fd = route_map(p->family), err = 0;

	route_key(p, &key);
	if (bpf_map_delete_elem(fd, &key))
		err = -errno;
	close(fd);
	return err;
}

int cmd_route_add(int argc, char **argv)
{
	union { struct fou_route4_key k4; struct fou_route6_key k6; } key = {};
	struct route_spec rs = {};
	struct prefix p;
	const char *name;
	struct fou_tunnel t;
	struct fou_route r;
	char buf[64];
	int fd, slot;

	if (route_parse_add(argc, argv, &rs))
		usage_exit();
	p = rs.p;
	name = rs.tunnel;
	if (!state_exists_locked())
		usage_error("route add: no tunnel '%s' (add it with 'fouloader tunnel add')", name);
	ensure_maps(); /* fou_route_count, on a pin root made before it */
	fd = map_fd_or_fail(FOU_MAP_TUNNELS);
	slot = tunnel_find(fd, name, &t, NULL);
	close(fd);
	if (slot < 0)
		usage_error("route add: no tunnel '%s' (add it with 'fouloader tunnel add')", name);
	if (!tunnel_carries(&t, p.family))
		usage_error("route add: tunnel %s is FOU ipproto %u and cannot carry %s packets",
			    name, t.ipproto, p.family == FOU_FAMILY_IPV4 ? "IPv4" : "IPv6");
	r.tunnel = slot;
	route_key(&p, &key);
	fd = route_map(p.family);
	if (bpf_map_update_elem(fd, &key, &r, BPF_NOEXIST)) {
		int e = errno;

		format_prefix(&p, buf, sizeof(buf));
		if (e == EEXIST)
			usage_error("route %s exists; 'fouloader route del %s' first", buf, buf);
		fail("cannot add route %s: %s", buf, strerror(e));
	}
	close(fd);
	route_count_sync();
	return EXIT_OK;
}

int cmd_route_del(int argc, char **argv)
{
	union { struct fou_route4_key k4; struct fou_route6_key k6; } key = {};
	struct prefix p;
	int fd;

	if (argc != 1 || argv[0][0] == '-')
		usage_error(argc > 1 ? "route del: unexpected '%s'" : "route del: expected PREFIX%s",
			    argc > 1 ? argv[1] : "");
	if (parse_prefix(argv[0], &p))
		usage_exit();
	if (!state_exists_locked())
		fail("route %s does not exist", argv[0]);
	ensure_maps(); /* fou_route_count, on a pin root made before it */
	route_key(&p, &key);
	fd = route_map(p.family);
	if (bpf_map_delete_elem(fd, &key))
		fail("route %s does not exist", argv[0]);
	close(fd);
	route_count_sync();
	return EXIT_OK;
}

static void count_one(const struct prefix *p, __u32 slot, void *arg)
{
	(void)p;
	(void)slot;
	(*(__u32 *)arg)++;
}

static void filter_v4(const struct prefix *p, __u32 slot, void *arg)
{
	(void)slot;
	fou_route_filter_add(((struct fou_route_filter *)arg)->v4,
			     (const unsigned char *)&p->addr.ip4, p->len);
}

static void filter_v6(const struct prefix *p, __u32 slot, void *arg)
{
	(void)slot;
	fou_route_filter_add(((struct fou_route_filter *)arg)->v6,
			     (const unsigned char *)p->addr.ip6, p->len);
}

/* Write @v into entry 0 of the pinned one-entry array @name. */
static void write_single(const char *name, const void *v)
{
	__u32 zero = 0;
	int fd = map_fd_or_fail(name);

	if (bpf_map_update_elem(fd, &zero, v, BPF_ANY))
		fail("cannot write %s: %s", name, strerror(errno));
	close(fd);
}

/* fou_route_count and fou_route_filter from the tries themselves, after
 * every route change (and at attach, for pin roots made before they
 * existed): XDP checks forwarding only while a route exists, and only for
 * destinations the filter says some route may cover. */
void route_count_sync(void)
{
	struct fou_route_count c = {};
	struct fou_route_filter f = { .valid = 1 };

	for_each_route(FOU_FAMILY_IPV4, count_one, &c.v4);
	for_each_route(FOU_FAMILY_IPV6, count_one, &c.v6);
	for_each_route(FOU_FAMILY_IPV4, filter_v4, &f);
	for_each_route(FOU_FAMILY_IPV6, filter_v6, &f);
	f.v4_routes = c.v4;
	f.v6_routes = c.v6;
	/* the filter first: until the count matches it, it is not used */
	write_single(FOU_MAP_ROUTE_FILTER, &f);
	write_single(FOU_MAP_ROUTE_COUNT, &c);
}

/* Call @fn for every route of one family. */
void for_each_route(int family, void (*fn)(const struct prefix *, __u32, void *), void *arg)
{
	union { struct fou_route4_key k4; struct fou_route6_key k6; } key, *prev = NULL;
	struct fou_route r;
	int fd = route_map(family);

	while (!bpf_map_get_next_key(fd, prev, &key)) {
		struct prefix p = { .family = family };

		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &r))
			continue;
		if (family == FOU_FAMILY_IPV4) {
			p.len = key.k4.prefixlen;
			p.addr.ip4 = key.k4.addr;
		} else {
			p.len = key.k6.prefixlen;
			memcpy(p.addr.ip6, key.k6.addr, 16);
		}
		fn(&p, r.tunnel, arg);
	}
	close(fd);
}

static void count_user(const struct prefix *p, __u32 slot, void *arg)
{
	struct { __u32 slot; int n; } *c = arg;

	(void)p;
	if (slot == c->slot)
		c->n++;
}

int routes_using(__u32 slot)
{
	struct { __u32 slot; int n; } c = { slot, 0 };

	for_each_route(FOU_FAMILY_IPV4, count_user, &c);
	for_each_route(FOU_FAMILY_IPV6, count_user, &c);
	return c.n;
}

struct show_ctx {
	bool json, first;
	int tunnels_fd;
};

static void show_route(const struct prefix *p, __u32 slot, void *arg)
{
	struct show_ctx *s = arg;
	char addr[INET6_ADDRSTRLEN];
	struct fou_tunnel t = {};

	format_addr(&p->addr, p->family, addr, sizeof(addr));
	if (bpf_map_lookup_elem(s->tunnels_fd, &slot, &t) || !t.name[0])
		snprintf(t.name, sizeof(t.name), "?slot%u", slot);
	if (s->json) {
		printf("%s{\"prefix\":\"%s/%u\",\"tunnel\":", s->first ? "" : ",", addr, p->len);
		json_str(stdout, t.name);
		printf("}");
	} else {
		printf("route %s/%u tunnel %s\n", addr, p->len, t.name);
	}
	s->first = false;
}

const struct opt_cmd route_show_cmd = {
	"route show", json_opts, NULL, "route show: unexpected argument '%s'", NULL, NULL,
};

int cmd_route_show(int argc, char **argv)
{
	struct show_ctx s = { .first = true, .tunnels_fd = -1 };

	if (opts_parse(&route_show_cmd, argc, argv, &s.json, NULL))
		usage_exit();
	if (s.json)
		printf("[");
	if (state_exists()) {
		s.tunnels_fd = map_fd_or_fail(FOU_MAP_TUNNELS);
		for_each_route(FOU_FAMILY_IPV4, show_route, &s);
		for_each_route(FOU_FAMILY_IPV6, show_route, &s);
		close(s.tunnels_fd);
	}
	if (s.json)
		printf("]\n");
	return EXIT_OK;
}
