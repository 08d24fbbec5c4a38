// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * apply FILE: make the pinned ports, tunnels, routes, SCTP and ICMP settings
 * exactly those of a file of "port add", "tunnel add", "route add", "sctp
 * set", "sctp dev" and "icmp set" lines. Every line is parsed and the whole file
 * validated before anything changes; then only the difference is written.
 * show config prints the state in that form.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "fouloader.h"
#include "opts.h"

#define MAX_ROUTES_FILE 16384
#define MAX_WORDS       256

struct want {
	const char *file;
	struct port_spec ports[FOU_MAX_PORTS];
	int port_line[FOU_MAX_PORTS], nports;
	struct fou_tunnel tunnels[FOU_MAX_TUNNELS];
	int tunnel_line[FOU_MAX_TUNNELS], ntunnels;
	struct route_spec *routes;
	int *route_line, nroutes;
	/* SCTP: what the lines leave out is the default (zero). */
	struct fou_sctp_conf sctp_conf;
	int encap_port_line, remote_port_line;
	struct sctp_dev_entry sctp_devs[FOU_MAX_DEVICES];
	int sctp_dev_line[FOU_MAX_DEVICES], nsctp_devs;
	/* ICMP: likewise; each setting on one line only. */
	struct fou_icmp_conf icmp_conf;
	int icmp_line[ICMP_OPT_COUNT];
};

struct current {
	struct port_entry ports[FOU_MAX_PORTS];
	int nports;
	struct fou_tunnel tunnels[FOU_MAX_TUNNELS]; /* by slot; empty name = none */
	struct prefix *routes;
	__u32 *route_slot;
	int nroutes;
	struct fou_sctp_conf sctp_conf;
	struct sctp_dev_entry sctp_devs[FOU_MAX_DEVICES];
	int nsctp_devs;
	struct fou_icmp_conf icmp_conf;
};

struct counts {
	int add, del, chg;
};

/* ---------------------------------------------------------------- reading */

/* @path's text, or NULL with the error in usage_msg. */
static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f) {
		usage_err("%s: %s", path, strerror(errno));
		return NULL;
	}
	do {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap + 1);
			if (!buf)
				fail("out of memory");
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n);
	fclose(f);
	buf[len] = '\0';
	return buf;
}

/* Split @line into words in place; '#' at the start of a word ends it. */
static int split_words(char *line, char **argv)
{
	int argc = 0;

	for (char *tok = strtok(line, " \t\r"); tok; tok = strtok(NULL, " \t\r")) {
		if (tok[0] == '#')
			break;
		if (argc == MAX_WORDS)
			return -1;
		argv[argc++] = tok;
	}
	return argc;
}

/* "sctp set" lines add up; each port is set on one line only. */
static int want_sctp_set(struct want *w, int argc, char **argv, int line)
{
	struct sctp_set_spec s = {};
	int err = sctp_parse_set(argc, argv, &s);

	if (err)
		return err;
	if (s.have_encap && w->encap_port_line)
		return usage_err("encap-port is already set on line %d", w->encap_port_line);
	if (s.have_remote && w->remote_port_line)
		return usage_err("remote-encap-port is already set on line %d",
				 w->remote_port_line);
	if (s.have_encap) {
		w->sctp_conf.encap_port = s.conf.encap_port;
		w->encap_port_line = line;
	}
	if (s.have_remote) {
		w->sctp_conf.remote_port = s.conf.remote_port;
		w->remote_port_line = line;
	}
	return 0;
}

static int want_sctp_dev(struct want *w, int argc, char **argv, int line)
{
	struct sctp_dev_spec s = {};
	int err = sctp_parse_dev(argc, argv, &s);

	if (err)
		return err;
	for (int i = 0; i < w->nsctp_devs; i++)
		if (w->sctp_devs[i].ifindex == s.ifindex)
			return usage_err("sctp dev %s is already set on line %d", s.name,
					 w->sctp_dev_line[i]);
	if (w->nsctp_devs == FOU_MAX_DEVICES)
		return usage_err("more than %d sctp dev lines", FOU_MAX_DEVICES);
	w->sctp_dev_line[w->nsctp_devs] = line;
	w->sctp_devs[w->nsctp_devs].ifindex = s.ifindex;
	w->sctp_devs[w->nsctp_devs++].flags = sctp_dev_flags(&s, 0);
	return 0;
}

/* "icmp set" lines add up, too. */
static int want_icmp_set(struct want *w, int argc, char **argv, int line)
{
	struct icmp_set_spec s = {};
	int err = icmp_parse_set(argc, argv, &s);

	if (err)
		return err;
	for (int i = 0; i < ICMP_OPT_COUNT; i++) {
		if (!(s.have & (1u << i)))
			continue;
		if (w->icmp_line[i])
			return usage_err("icmp set: %s is already set on line %d",
					 icmp_opt_word(i), w->icmp_line[i]);
		w->icmp_line[i] = line;
	}
	icmp_apply_set(&s, &w->icmp_conf);
	return 0;
}

static int parse_command(struct want *w, int argc, char **argv, int line)
{
	bool is_add = argc >= 2 && !strcmp(argv[1], "add");
	bool is_sctp = argc >= 2 && !strcmp(argv[0], "sctp");

	if (is_add && !strcmp(argv[0], "port")) {
		if (w->nports == FOU_MAX_PORTS)
			return usage_err("more than %d ports", FOU_MAX_PORTS);
		w->port_line[w->nports] = line;
		return port_parse_add(argc - 2, argv + 2, &w->ports[w->nports++]);
	}
	if (is_add && !strcmp(argv[0], "tunnel")) {
		if (w->ntunnels == FOU_MAX_TUNNELS)
			return usage_err("more than %d tunnels", FOU_MAX_TUNNELS);
		w->tunnel_line[w->ntunnels] = line;
		return tunnel_parse_add(argc - 2, argv + 2, &w->tunnels[w->ntunnels++]);
	}
	if (is_add && !strcmp(argv[0], "route")) {
		if (w->nroutes == MAX_ROUTES_FILE)
			return usage_err("more than %d routes", MAX_ROUTES_FILE);
		w->route_line[w->nroutes] = line;
		return route_parse_add(argc - 2, argv + 2, &w->routes[w->nroutes++]);
	}
	if (is_sctp && !strcmp(argv[1], "set"))
		return want_sctp_set(w, argc - 2, argv + 2, line);
	if (is_sctp && !strcmp(argv[1], "dev"))
		return want_sctp_dev(w, argc - 2, argv + 2, line);
	if (argc >= 2 && !strcmp(argv[0], "icmp") && !strcmp(argv[1], "set"))
		return want_icmp_set(w, argc - 2, argv + 2, line);
	return usage_err("expected 'port add', 'tunnel add', 'route add', 'sctp set', "
			 "'sctp dev' or 'icmp set', not '%s%s%s'", argv[0], argc > 1 ? " " : "",
			 argc > 1 ? argv[1] : "");
}

/* A line's error, as FILE:LINE: error (the line's own message cut at 255
 * characters, as apply always has). */
static int parse_line(struct want *w, char *text, int line)
{
	/* The specs keep pointers to the words (in @text), not to this array. */
	char *words[MAX_WORDS];
	char msg[256];
	int n, skip;

	n = split_words(text, words);
	if (n < 0)
		return usage_err("%s:%d: more than %d words", w->file, line, MAX_WORDS);
	skip = n > 0 && !strcmp(words[0], "fouloader");
	if (n <= skip || !parse_command(w, n - skip, words + skip, line))
		return 0;
	snprintf(msg, sizeof(msg), "%.*s", (int)sizeof(msg) - 1, usage_msg);
	return usage_err("%s:%d: %s", w->file, line, msg);
}

static int parse_file(struct want *w, char *text)
{
	int line = 1, err = 0;

	for (char *p = text, *nl; p && !err; p = nl ? nl + 1 : NULL, line++) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		err = parse_line(w, p, line);
	}
	return err;
}

/* ---------------------------------------------------------------- validating */

static int find_tunnel(const struct want *w, const char *name)
{
	for (int i = 0; i < w->ntunnels; i++)
		if (!strncmp(w->tunnels[i].name, name, sizeof(w->tunnels[i].name)))
			return i;
	return -1;
}

static bool same_prefix(const struct prefix *a, const struct prefix *b)
{
	return a->family == b->family && a->len == b->len &&
	       !memcmp(&a->addr, &b->addr, sizeof(a->addr));
}

/* Two tunnels on one path: see refuse_same_key() in tunnel.c. */
static int validate_tunnel_keys(const struct want *w)
{
	char remote[64];

	for (int i = 0; i < w->ntunnels; i++)
		for (int j = 0; j < i; j++) {
			const struct fou_tunnel *t = &w->tunnels[i];

			if (!tunnel_same_path(t, &w->tunnels[j]))
				continue;
			format_addr(&t->remote, t->family, remote, sizeof(remote));
			return usage_err("%s:%d: tunnel %s goes from the same local address to %s "
					 "port %u as tunnel %s on line %d (ICMP errors could not "
					 "tell them apart)", w->file, w->tunnel_line[i], t->name,
					 remote, t->dport, w->tunnels[j].name, w->tunnel_line[j]);
		}
	return 0;
}

static int validate_routes(const struct want *w)
{
	for (int i = 0; i < w->nroutes; i++) {
		const struct route_spec *r = &w->routes[i];
		int t = find_tunnel(w, r->tunnel);

		for (int j = 0; j < i; j++)
			if (same_prefix(&r->p, &w->routes[j].p))
				return usage_err("%s:%d: this prefix is already routed on line %d",
						 w->file, w->route_line[i], w->route_line[j]);
		if (t < 0)
			return usage_err("%s:%d: no tunnel '%s' in this file", w->file,
					 w->route_line[i], r->tunnel);
		if (!tunnel_carries(&w->tunnels[t], r->p.family))
			return usage_err("%s:%d: tunnel %s is FOU ipproto %u and cannot carry %s "
					 "packets", w->file, w->route_line[i], r->tunnel,
					 w->tunnels[t].ipproto,
					 r->p.family == FOU_FAMILY_IPV4 ? "IPv4" : "IPv6");
	}
	return 0;
}

/* What one line cannot know: duplicates, and routes' tunnels. */
static int validate(const struct want *w)
{
	for (int i = 0; i < w->nports; i++)
		for (int j = 0; j < i; j++)
			if (w->ports[i].key.port == w->ports[j].key.port &&
			    w->ports[i].key.family == w->ports[j].key.family)
				return usage_err("%s:%d: port %u%s is already defined on line %d",
						 w->file, w->port_line[i], w->ports[i].key.port,
						 w->ports[i].key.family == FOU_FAMILY_IPV6 ? " -6" : "",
						 w->port_line[j]);
	for (int i = 0; i < w->ntunnels; i++)
		if (find_tunnel(w, w->tunnels[i].name) != i)
			return usage_err("%s:%d: tunnel %s is already defined on line %d", w->file,
					 w->tunnel_line[i], w->tunnels[i].name,
					 w->tunnel_line[find_tunnel(w, w->tunnels[i].name)]);
	int err = validate_tunnel_keys(w);

	return err ? err : validate_routes(w);
}

/* Every line parsed and the whole file validated: nothing read from or
 * written to the pinned state yet. */
static int parse_checked(struct want *w, char *text)
{
	int err;

	if (!w->routes) {
		w->routes = calloc(MAX_ROUTES_FILE, sizeof(*w->routes));
		w->route_line = calloc(MAX_ROUTES_FILE, sizeof(*w->route_line));
		if (!w->routes || !w->route_line)
			fail("out of memory");
	}
	err = parse_file(w, text);
	return err ? err : validate(w);
}

/* What 'apply' does with a file before it touches anything, for the config
 * fuzzer (selftests/fuzz/fuzz_config.c): 0, or -EINVAL with the message in
 * usage_msg. Each call starts afresh. */
int apply_check_text(const char *file, char *text)
{
	static struct want w;
	struct route_spec *routes = w.routes;
	int *route_line = w.route_line, nroutes = w.nroutes;

	if (routes)
		memset(routes, 0, nroutes * sizeof(*routes));
	memset(&w, 0, sizeof(w));
	w.routes = routes;
	w.route_line = route_line;
	w.file = file;
	return parse_checked(&w, text);
}

/* ---------------------------------------------------------------- the pinned state */

static void collect_route(const struct prefix *p, __u32 slot, void *arg)
{
	struct current *c = arg;

	if (c->nroutes == FOU_MAX_ROUTES * 2)
		return;
	c->routes[c->nroutes] = *p;
	c->route_slot[c->nroutes++] = slot;
}

/* What is pinned now, read through tunstate (tunnels, routes) and the
 * other state layers; all empty without a pin root. */
static void load_current(struct current *c)
{
	struct fou_tun_fds m;

	if (!c->routes) {
		c->routes = calloc(FOU_MAX_ROUTES * 2, sizeof(*c->routes));
		c->route_slot = calloc(FOU_MAX_ROUTES * 2, sizeof(*c->route_slot));
		if (!c->routes || !c->route_slot)
			fail("out of memory");
	}
	c->nports = 0;
	c->nroutes = 0;
	memset(c->tunnels, 0, sizeof(c->tunnels));
	sctp_load_conf(&c->sctp_conf);
	icmp_load_conf(&c->icmp_conf);
	c->nsctp_devs = sctp_load_devs(c->sctp_devs, FOU_MAX_DEVICES);
	if (!state_exists())
		return;
	c->nports = load_ports(c->ports, FOU_MAX_PORTS);
	open_tun_fds(&m, -1);
	for (__u32 i = 0; i < FOU_MAX_TUNNELS; i++)
		fou_tunnel_get(&m, i, &c->tunnels[i]); /* a free slot reads empty */
	fou_route_each(&m, FOU_FAMILY_IPV4, collect_route, c);
	fou_route_each(&m, FOU_FAMILY_IPV6, collect_route, c);
	close_tun_fds(&m);
}

static int current_tunnel(const struct current *c, const char *name)
{
	for (int i = 0; i < FOU_MAX_TUNNELS; i++)
		if (c->tunnels[i].name[0] && !strncmp(c->tunnels[i].name, name, 16))
			return i;
	return -1;
}

static const struct port_entry *current_port(const struct current *c,
					     const struct fou_port_key *k)
{
	for (int i = 0; i < c->nports; i++)
		if (c->ports[i].port.port == k->port && c->ports[i].port.family == k->family)
			return &c->ports[i];
	return NULL;
}

/* ---------------------------------------------------------------- comparing */

static int cmp_peer(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct fou_peer_spec));
}

/* A port as the file wants it and as it is pinned: same settings, same peers. */
static bool port_same(const struct fou_port_fds *m, const struct port_spec *w,
		      const struct fou_port *cur)
{
	static struct fou_peer_spec have[FOU_MAX_PEERS];
	struct fou_peer_spec want[MAX_PEERS_PER_CMD];
	__u16 mask = ~FOU_PORT_F_PEERS_HASH;
	int n;

	if (w->port.kind != cur->kind || w->port.ipproto != cur->ipproto ||
	    w->port.mark != cur->mark || (w->port.flags & mask) != (cur->flags & mask) || w->port.ifindex != cur->ifindex ||
	    memcmp(&w->port.local, &cur->local, sizeof(cur->local)))
		return false;
	n = fou_port_peers(m, cur, have, FOU_MAX_PEERS);
	if (n != w->npeers)
		return false;
	memset(want, 0, sizeof(want));
	for (int i = 0; i < n; i++) {
		want[i].addr = w->peers[i].addr;
		want[i].peer_port = w->peers[i].peer_port;
	}
	qsort(want, n, sizeof(*want), cmp_peer);
	qsort(have, n, sizeof(*have), cmp_peer);
	for (int i = 0; i < n; i++)
		if (memcmp(&want[i].addr, &have[i].addr, sizeof(have[i].addr)) ||
		    want[i].peer_port != have[i].peer_port)
			return false;
	return true;
}

static int want_route(const struct want *w, const struct prefix *p)
{
	for (int i = 0; i < w->nroutes; i++)
		if (same_prefix(&w->routes[i].p, p))
			return i;
	return -1;
}

/* ---------------------------------------------------------------- applying */

struct plan {
	struct counts ports, tunnels, routes, sctp, icmp;
	bool dry_run;
	const char *file; /* FILE, as the command line gives it */
	struct fou_tun_fds m; /* what a real run writes the tunnels and routes with */
};

static int set_file(void *spec, const char *w)
{
	return opts_one_word(&((struct plan *)spec)->file, w);
}

static const struct opt apply_opts[] = {
	{ "--dry-run", OPT_FLAG, 0, OPT_AT(struct plan, dry_run), 0, NULL, NULL, "[--dry-run]",
	  NULL },
	OPT_END,
};

const struct opt_cmd apply_cmd = {
	"apply", apply_opts, set_file, "apply: unexpected '%s'", "FILE", NULL,
};

static void check(int err, const char *what, const char *name)
{
	if (err < 0)
		fail("apply: cannot %s %s: %s (the state is partly applied)", what, name,
		     strerror(-err));
}

/* Routes the file drops, or moves to another tunnel, go first. */
static void drop_routes(const struct want *w, const struct current *c, struct plan *pl)
{
	char buf[64];

	for (int i = 0; i < c->nroutes; i++) {
		int r = want_route(w, &c->routes[i]);

		if (r >= 0)
			continue;
		pl->routes.del++;
		format_prefix(&c->routes[i], buf, sizeof(buf));
		if (!pl->dry_run)
			check(fou_route_remove(&pl->m, &c->routes[i]), "delete route", buf);
	}
}

/* What a 'tunnel add' line expresses: not sport_min/max (the local port
 * range when the tunnel was written, which changing would rewrite every
 * auto tunnel), nor a sport or tos that auto or inherit leaves unused (older
 * versions kept them). */
static void tunnel_expressed(const struct fou_tunnel *t, struct fou_tunnel *out)
{
	*out = *t;
	out->sport_min = out->sport_max = 0;
	if (!(out->flags & FOU_TUN_F_SPORT_FIXED))
		out->sport = 0;
	if (!(out->flags & FOU_TUN_F_TOS_FIXED))
		out->tos = 0;
}

static bool tunnel_unchanged(const struct fou_tunnel *cur, const struct fou_tunnel *want)
{
	struct fou_tunnel a, b;

	tunnel_expressed(cur, &a);
	tunnel_expressed(want, &b);
	return !memcmp(&a, &b, sizeof(a));
}

static void put_tunnels(const struct want *w, const struct current *c, struct plan *pl)
{
	for (int i = 0; i < w->ntunnels; i++) {
		int slot = current_tunnel(c, w->tunnels[i].name);

		if (slot >= 0 && tunnel_unchanged(&c->tunnels[slot], &w->tunnels[i]))
			continue;
		if (slot >= 0)
			pl->tunnels.chg++;
		else
			pl->tunnels.add++;
		if (!pl->dry_run)
			check(fou_tunnel_put(&pl->m, slot, &w->tunnels[i]), "write tunnel",
			      w->tunnels[i].name);
	}
}

static void put_routes(const struct want *w, const struct current *c, struct plan *pl)
{
	char buf[64];

	for (int i = 0; i < w->nroutes; i++) {
		const struct route_spec *r = &w->routes[i];
		int cur = -1, slot = -1;

		for (int j = 0; j < c->nroutes && cur < 0; j++)
			if (same_prefix(&c->routes[j], &r->p))
				cur = j;
		if (cur >= 0 && c->tunnels[c->route_slot[cur]].name[0] &&
		    !strncmp(c->tunnels[c->route_slot[cur]].name, r->tunnel, 16))
			continue;
		if (cur >= 0)
			pl->routes.chg++;
		else
			pl->routes.add++;
		if (pl->dry_run)
			continue;
		slot = fou_tunnel_find(&pl->m, r->tunnel, NULL, NULL);
		format_prefix(&r->p, buf, sizeof(buf));
		check(slot < 0 ? -ENOENT : fou_route_put(&pl->m, &r->p, slot, BPF_ANY), "write route",
		      buf);
	}
}

/* Tunnels the file drops: no route names them any more. */
static void drop_tunnels(const struct want *w, const struct current *c, struct plan *pl)
{
	struct fou_tunnel empty = {};

	for (int i = 0; i < FOU_MAX_TUNNELS; i++) {
		if (!c->tunnels[i].name[0] || find_tunnel(w, c->tunnels[i].name) >= 0)
			continue;
		pl->tunnels.del++;
		if (!pl->dry_run)
			check(fou_tunnel_put(&pl->m, i, &empty), "delete tunnel", c->tunnels[i].name);
	}
}

static bool port_wanted(const struct want *w, const struct fou_port *p)
{
	for (int i = 0; i < w->nports; i++)
		if (w->ports[i].key.port == p->port && w->ports[i].key.family == p->family)
			return true;
	return false;
}

/* A changed port is replaced: between the two it passes traffic as not ours. */
static void put_ports(struct want *w, const struct current *c, struct plan *pl)
{
	struct fou_port_fds m;
	char name[16];

	if (state_exists())
		open_port_fds(&m);
	for (int i = 0; i < c->nports; i++) {
		const struct fou_port *p = &c->ports[i].port;
		struct fou_port_key k = { .port = p->port, .family = p->family };

		if (port_wanted(w, p))
			continue;
		pl->ports.del++;
		snprintf(name, sizeof(name), "%u", p->port);
		if (!pl->dry_run)
			check(fou_port_remove(&m, &k), "delete port", name);
	}
	for (int i = 0; i < w->nports; i++) {
		struct port_spec *s = &w->ports[i];
		const struct port_entry *cur = current_port(c, &s->key);

		if (cur && port_same(&m, s, &cur->port))
			continue;
		if (cur)
			pl->ports.chg++;
		else
			pl->ports.add++;
		if (pl->dry_run)
			continue;
		snprintf(name, sizeof(name), "%u", s->key.port);
		if (cur)
			check(fou_port_remove(&m, &s->key), "replace port", name);
		check(port_install(&m, &s->key, &s->port, s->peers, s->npeers), "add port", name);
	}
	if (state_exists())
		close_port_fds(&m);
}

/* The SCTP settings, counted like entries: the host's settings and each
 * device's are added (from the defaults), deleted (back to them) or changed. */
static void count_setting(struct counts *c, bool had, bool has)
{
	if (!had)
		c->add++;
	else if (!has)
		c->del++;
	else
		c->chg++;
}

static __u32 want_dev_flags(const struct want *w, __u32 ifindex)
{
	for (int i = 0; i < w->nsctp_devs; i++)
		if (w->sctp_devs[i].ifindex == ifindex)
			return w->sctp_devs[i].flags;
	return 0;
}

static void put_sctp_devs(const struct want *w, const struct current *c, struct plan *pl)
{
	char name[16];

	/* Entries the file drops (or left at all defaults) go first. */
	for (int i = 0; i < c->nsctp_devs; i++) {
		if (!c->sctp_devs[i].flags || want_dev_flags(w, c->sctp_devs[i].ifindex))
			continue;
		pl->sctp.del++;
		snprintf(name, sizeof(name), "%u", c->sctp_devs[i].ifindex);
		if (!pl->dry_run)
			check(sctp_put_dev(c->sctp_devs[i].ifindex, 0), "reset sctp dev ifindex", name);
	}
	for (int i = 0; i < w->nsctp_devs; i++) {
		const struct sctp_dev_entry *d = &w->sctp_devs[i];
		__u32 cur = 0;

		for (int j = 0; j < c->nsctp_devs; j++)
			if (c->sctp_devs[j].ifindex == d->ifindex)
				cur = c->sctp_devs[j].flags;
		if (cur == d->flags || !d->flags) /* all defaults: done above */
			continue;
		count_setting(&pl->sctp, cur, d->flags);
		snprintf(name, sizeof(name), "%u", d->ifindex);
		if (!pl->dry_run)
			check(sctp_put_dev(d->ifindex, d->flags), "write sctp dev ifindex", name);
	}
}

static void put_sctp(const struct want *w, const struct current *c, struct plan *pl)
{
	const struct fou_sctp_conf *want = &w->sctp_conf, *cur = &c->sctp_conf;
	static const struct fou_sctp_conf zero;

	if (memcmp(want, cur, sizeof(*want))) {
		count_setting(&pl->sctp, memcmp(cur, &zero, sizeof(zero)),
			      memcmp(want, &zero, sizeof(zero)));
		if (!pl->dry_run)
			check(sctp_put_conf(want), "write", "sctp set");
	}
	put_sctp_devs(w, c, pl);
}

static void put_icmp(const struct want *w, const struct current *c, struct plan *pl)
{
	static const struct fou_icmp_conf zero;

	if (!memcmp(&w->icmp_conf, &c->icmp_conf, sizeof(zero)))
		return;
	count_setting(&pl->icmp, memcmp(&c->icmp_conf, &zero, sizeof(zero)),
		      memcmp(&w->icmp_conf, &zero, sizeof(zero)));
	if (!pl->dry_run)
		check(icmp_put_conf(&w->icmp_conf), "write", "icmp set");
}

/* Will the new tunnels fit next to the old ones until those go? */
static bool room_for_new_tunnels(const struct want *w, const struct current *c)
{
	int free = 0, new = 0;

	for (int i = 0; i < FOU_MAX_TUNNELS; i++)
		free += !c->tunnels[i].name[0];
	for (int i = 0; i < w->ntunnels; i++)
		new += current_tunnel(c, w->tunnels[i].name) < 0;
	return new <= free;
}

/* The sctp and icmp parts are there only when those settings change, so
 * files without them read as before. */
static void print_summary(const struct want *w, const struct plan *pl)
{
	const struct counts *p = &pl->ports, *t = &pl->tunnels, *r = &pl->routes, *s = &pl->sctp;
	const struct counts *i = &pl->icmp;
	bool sctp = s->add | s->del | s->chg, icmp = i->add | i->del | i->chg;

	if (!(p->add | p->del | p->chg | t->add | t->del | t->chg | r->add | r->del | r->chg) &&
	    !sctp && !icmp) {
		printf("%s: nothing to change\n", w->file);
		return;
	}
	printf("%s %s: ports +%d -%d ~%d, tunnels +%d -%d ~%d, routes +%d -%d ~%d",
	       pl->dry_run ? "would apply" : "applied", w->file, p->add, p->del, p->chg,
	       t->add, t->del, t->chg, r->add, r->del, r->chg);
	if (sctp)
		printf(", sctp +%d -%d ~%d", s->add, s->del, s->chg);
	if (icmp)
		printf(", icmp +%d -%d ~%d", i->add, i->del, i->chg);
	printf("\n");
}

static int parse_apply(int argc, char **argv, struct plan *pl)
{
	int err = opts_parse(&apply_cmd, argc, argv, pl, NULL);

	if (!err && !pl->file)
		return usage_err("apply: missing FILE");
	return err;
}

/*
 * Tunnels and routes in the order that keeps every route naming a live
 * tunnel slot whenever there is room for that; the tunnel slots are read
 * again after each change because routes name tunnels by slot.
 */
static void apply_tunnels_routes(const struct want *w, struct current *c, struct plan *pl)
{
	if (room_for_new_tunnels(w, c)) {
		/* New tunnels first: a route never names an empty slot. */
		put_tunnels(w, c, pl);
		if (!pl->dry_run)
			load_current(c); /* the tunnel slots routes will name */
		put_routes(w, c, pl);
		drop_tunnels(w, c, pl);
		return;
	}
	/* All slots in use: the old tunnels must go first. Until the routes
	 * move, a route leaving a dropped tunnel names an empty slot (its
	 * packets are dropped and counted, never sent unencapsulated). */
	drop_tunnels(w, c, pl);
	if (!pl->dry_run)
		load_current(c);
	put_tunnels(w, c, pl);
	if (!pl->dry_run)
		load_current(c);
	put_routes(w, c, pl);
}

int cmd_apply(int argc, char **argv)
{
	static struct want w;
	static struct current c;
	struct plan pl = {};
	char *text;

	if (parse_apply(argc, argv, &pl))
		usage_exit();
	w.file = pl.file;
	text = read_file(w.file);
	if (!text || parse_checked(&w, text))
		usage_exit();
	if (!pl.dry_run) {
		ensure_maps(); /* and the pin root's lock, before reading what to change */
		open_tun_fds(&pl.m, -1);
	}
	load_current(&c);
	drop_routes(&w, &c, &pl);
	apply_tunnels_routes(&w, &c, &pl);
	/* SCTP settings before the ports: an RFC 6951 port opens with them. */
	put_sctp(&w, &c, &pl);
	put_icmp(&w, &c, &pl);
	put_ports(&w, &c, &pl);
	if (!pl.dry_run) {
		fou_tun_index_sync(&pl.m);
		route_count_sync();
		close_tun_fds(&pl.m);
	}
	print_summary(&w, &pl);
	return EXIT_OK;
}

/* ---------------------------------------------------------------- show config */

static void show_route_line(const struct prefix *p, __u32 slot,
			    const struct fou_tunnel *tunnels)
{
	char buf[64];

	format_prefix(p, buf, sizeof(buf));
	printf("route add %s tunnel %s\n", buf,
	       slot < FOU_MAX_TUNNELS && tunnels[slot].name[0] ? tunnels[slot].name : "?");
}

const struct opt_cmd show_config_cmd = {
	"show config", no_opts, NULL, "show config: unexpected '%s'", "", NULL,
};

int cmd_show_config(int argc, char **argv)
{
	static struct current c;
	struct fou_port_fds m;

	if (opts_parse(&show_config_cmd, argc, argv, NULL, NULL))
		usage_exit();
	printf("# fouloader configuration (pin root %s); 'fouloader apply FILE' restores it\n",
	       g_opts.pin_root);
	if (!state_exists())
		return EXIT_OK;
	load_current(&c);
	open_port_fds(&m);
	for (int i = 0; i < c.nports; i++)
		print_port_line(&m, &c.ports[i].port, " add");
	close_port_fds(&m);
	sctp_print_config();
	icmp_print_config();
	for (int i = 0; i < FOU_MAX_TUNNELS; i++)
		if (c.tunnels[i].name[0])
			print_tunnel_line(&c.tunnels[i], " add");
	for (int i = 0; i < c.nroutes; i++) /* IPv4 first, as read */
		show_route_line(&c.routes[i], c.route_slot[i], c.tunnels);
	return EXIT_OK;
}
