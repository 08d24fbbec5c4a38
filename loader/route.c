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

/* fou_route_count and fou_route_filter after every route change (and at
 * attach, for pin roots made before they existed). */
static void route_sync(const struct fou_tun_fds *m)
{
	int err;

	if (m->route_filter < 0)
		map_fd_or_fail(FOU_MAP_ROUTE_FILTER); /* says which is missing */
	if (m->route_count < 0)
		map_fd_or_fail(FOU_MAP_ROUTE_COUNT);
	err = fou_route_sync(m);
	if (err)
		fail("cannot write %s: %s", FOU_MAP_ROUTE_COUNT, strerror(-err));
}

void route_count_sync(void)
{
	struct fou_tun_fds m;

	open_tun_fds(&m, -1);
	route_sync(&m);
	close_tun_fds(&m);
}

int cmd_route_add(int argc, char **argv)
{
	struct route_spec rs = {};
	struct fou_tun_fds m;
	struct prefix p;
	const char *name;
	struct fou_tunnel t;
	char buf[64];
	int slot, err;

	if (route_parse_add(argc, argv, &rs))
		usage_exit();
	p = rs.p;
	name = rs.tunnel;
	if (!state_exists_locked())
		usage_error("route add: no tunnel '%s' (add it with 'fouloader tunnel add')", name);
	ensure_maps(); /* fou_route_count, on a pin root made before it */
	open_tun_fds(&m, -1);
	slot = fou_tunnel_find(&m, name, &t, NULL);
	if (slot < 0)
		usage_error("route add: no tunnel '%s' (add it with 'fouloader tunnel add')", name);
	if (!tunnel_carries(&t, p.family))
		usage_error("route add: tunnel %s is FOU ipproto %u and cannot carry %s packets",
			    name, t.ipproto, p.family == FOU_FAMILY_IPV4 ? "IPv4" : "IPv6");
	err = fou_route_put(&m, &p, slot, BPF_NOEXIST);
	if (err) {
		format_prefix(&p, buf, sizeof(buf));
		if (err == -EEXIST)
			usage_error("route %s exists; 'fouloader route del %s' first", buf, buf);
		fail("cannot add route %s: %s", buf, strerror(-err));
	}
	route_sync(&m);
	close_tun_fds(&m);
	return EXIT_OK;
}

const struct opt_one_cmd route_del_cmd = {
	{ "route del", no_opts, opts_set_word, "route del: unexpected '%s'", "PREFIX", NULL },
	"route del: expected PREFIX", NULL,
};

int cmd_route_del(int argc, char **argv)
{
	const char *prefix = NULL;
	struct fou_tun_fds m;
	struct prefix p;

	if (opts_parse_one(&route_del_cmd, argc, argv, &prefix))
		usage_exit();
	if (parse_prefix(prefix, &p))
		usage_exit();
	if (!state_exists_locked())
		fail("route %s does not exist", prefix);
	ensure_maps(); /* fou_route_count, on a pin root made before it */
	open_tun_fds(&m, -1);
	if (fou_route_remove(&m, &p))
		fail("route %s does not exist", prefix);
	route_sync(&m);
	close_tun_fds(&m);
	return EXIT_OK;
}

struct show_ctx {
	bool json;
	struct json j;
	struct fou_tun_fds m;
};

static void show_route(const struct prefix *p, __u32 slot, void *arg)
{
	struct show_ctx *s = arg;
	char prefix[INET6_ADDRSTRLEN + 8];
	struct fou_tunnel t = {};

	format_prefix(p, prefix, sizeof(prefix));
	if (fou_tunnel_get(&s->m, slot, &t))
		snprintf(t.name, sizeof(t.name), "?slot%u", slot);
	if (!s->json) {
		printf("route %s tunnel %s\n", prefix, t.name);
		return;
	}
	json_object(&s->j);
	json_kstr(&s->j, "prefix", prefix);
	json_kstr(&s->j, "tunnel", t.name);
	json_end(&s->j);
}

const struct opt_cmd route_show_cmd = {
	"route show", json_opts, NULL, "route show: unexpected argument '%s'", NULL, NULL,
};

int cmd_route_show(int argc, char **argv)
{
	struct show_ctx s = {};

	if (opts_parse(&route_show_cmd, argc, argv, &s.json, NULL))
		usage_exit();
	json_start(&s.j, stdout);
	if (s.json)
		json_array(&s.j);
	if (state_exists()) {
		open_tun_fds(&s.m, -1);
		fou_route_each(&s.m, FOU_FAMILY_IPV4, show_route, &s);
		fou_route_each(&s.m, FOU_FAMILY_IPV6, show_route, &s);
		close_tun_fds(&s.m);
	}
	if (s.json) {
		json_end(&s.j);
		printf("\n");
	}
	return EXIT_OK;
}
