// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* port add / del / show: the receive ports and their peer allowlists. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "fouloader.h"

#include "opts.h"

/* Each setting of a port is given once, by one of its words ("peer" may
 * repeat: one address each). */
enum { PW_FAMILY, PW_KIND, PW_LOCAL, PW_DEV, PW_ZERO_CSUM6, PW_MARK, PW_REMCSUM, PW_GRE_KEY,
       PW_MULTICAST };

static int parse_peer(void *spec, int argc, char **argv, int i)
{
	struct port_spec *a = spec;
	const char *v = need_arg(argc, argv, i, "peer");
	struct fou_peer_spec *p;
	int family;

	if (!v)
		return -EINVAL;
	if (!strcmp(v, "any")) {
		if (a->port.flags & FOU_PORT_F_PEER_ANY)
			return usage_err("port add: 'peer any' given twice");
		a->port.flags |= FOU_PORT_F_PEER_ANY;
		return i + 2;
	}
	if (a->npeers == MAX_PEERS_PER_CMD)
		return usage_err("port add: at most %d peers per command", MAX_PEERS_PER_CMD);
	p = &a->peers[a->npeers];
	family = parse_addr("peer", v, &p->addr);
	if (!family)
		return -EINVAL;
	a->peer_family[a->npeers++] = family;
	i++;
	if (i + 1 < argc && !strcmp(argv[i + 1], "peer_port")) {
		v = need_arg(argc, argv, i + 1, "peer_port");
		p->peer_port = v ? parse_port("peer_port", v) : 0;
		if (!p->peer_port)
			return -EINVAL;
		i += 2;
	}
	return i + 1;
}

static int set_v6(void *spec, const char *arg)
{
	(void)arg;
	((struct port_spec *)spec)->key.family = FOU_FAMILY_IPV6;
	return 0;
}

static int set_ipproto(void *spec, const char *arg)
{
	struct port_spec *a = spec;

	a->port.ipproto = parse_port_ipproto(arg);
	a->port.kind = FOU_KIND_FOU;
	a->have_kind = true;
	return a->port.ipproto ? 0 : -EINVAL;
}

static int set_gue(void *spec, const char *arg)
{
	struct port_spec *a = spec;

	(void)arg;
	a->port.kind = FOU_KIND_GUE;
	a->have_kind = true;
	return 0;
}

static int set_local(void *spec, const char *arg)
{
	struct port_spec *a = spec;

	a->local_family = parse_addr("local", arg, &a->port.local);
	a->port.flags |= FOU_PORT_F_LOCAL;
	return a->local_family ? 0 : -EINVAL;
}

static int set_key(void *spec, const char *arg)
{
	struct port_spec *a = spec;

	a->port.flags |= FOU_PORT_F_GRE_KEY;
	return parse_gre_key(arg, &a->port.gre_key);
}

static int set_port_number(void *spec, const char *w)
{
	struct port_spec *a = spec;

	if (a->have_port || w[0] == '-')
		return 1;
	a->key.port = parse_port("PORT", w);
	a->have_port = true;
	return a->key.port ? 0 : -EINVAL;
}

#define PORT_FLAG(w, g, bits, syn) \
	{ w, OPT_BITS, g, OPT_AT(struct port_spec, port.flags), bits, NULL, NULL, syn, NULL }

/* In the order of the synopsis. remcsum is the default, as the kernel's gue. */
static const struct opt port_add_opts[] = {
	{ "ipproto", OPT_ARG, PW_KIND, 0, 0, 0, set_ipproto, NULL, "{ ipproto 4|41|47|132", NULL },
	{ "gue", OPT_CALL, PW_KIND, 0, 0, 0, set_gue, NULL, "| gue }", NULL },
	{ "-6", OPT_CALL, PW_FAMILY, 0, 0, 0, set_v6, NULL, "[-6]", NULL },
	{ "local", OPT_ARG, PW_LOCAL, 0, 0, 0, set_local, NULL, "[local ADDR]", NULL },
	{ "peer", OPT_ARGV, OPT_ANY, 0, 0, 0, NULL, parse_peer,
	  "\n{ peer any | peer ADDR [peer_port P] [peer ADDR [peer_port P]]... }", NULL },
	{ "dev", OPT_STR, PW_DEV, OPT_AT(struct port_spec, dev), 0, NULL, NULL, "\n[dev DEV]", NULL },
	PORT_FLAG("zero-csum6", PW_ZERO_CSUM6, FOU_PORT_F_ZERO_CSUM6, "[zero-csum6]"),
	{ "mark", OPT_UINT, PW_MARK, OPT_AT(struct port_spec, port.mark), 0xffffffffL, NULL, NULL,
	  "[mark N]", NULL },
	PORT_FLAG("multicast", PW_MULTICAST, FOU_PORT_F_MULTICAST, "[multicast]"),
	PORT_FLAG("remcsum", PW_REMCSUM, 0, "[remcsum"),
	PORT_FLAG("noremcsum", PW_REMCSUM, FOU_PORT_F_NOREMCSUM, "| noremcsum]"),
	{ "key", OPT_ARG, PW_GRE_KEY, 0, 0, 0, set_key, NULL, "\n[key K]", NULL },
	OPT_END,
};

const struct opt_cmd port_add_cmd = {
	"port add", port_add_opts, set_port_number,
	"port add: unexpected '%s' (see 'fouloader port add --help')", "PORT", NULL,
};

static int validate_port_add(struct port_spec *a)
{
	int family = a->key.family;

	if (!a->have_port)
		return usage_err("port add: missing PORT");
	if (!a->have_kind)
		return usage_err("port add: missing 'ipproto N' or 'gue'");
	if (!a->npeers && !(a->port.flags & FOU_PORT_F_PEER_ANY))
		return usage_err("port add: missing 'peer ADDR' (or 'peer any' to accept every source)");
	if (a->npeers && (a->port.flags & FOU_PORT_F_PEER_ANY))
		return usage_err("port add: 'peer any' and 'peer ADDR' exclude each other");
	for (int i = 0; i < a->npeers; i++) {
		if (a->peer_family[i] != family)
			return usage_err("peer: address family does not match the port (%s)",
					 family == FOU_FAMILY_IPV6 ? "-6 given" : "add -6 for IPv6");
		for (int j = 0; j < i; j++)
			if (!memcmp(&a->peers[i].addr, &a->peers[j].addr, sizeof(struct fou_addr)))
				return usage_err("peer: the same address is given twice");
	}
	if (a->local_family && a->local_family != family)
		return usage_err("local: address family does not match the port (%s)",
				 family == FOU_FAMILY_IPV6 ? "-6 given" : "add -6 for IPv6");
	if ((a->port.flags & FOU_PORT_F_MULTICAST) && (a->port.flags & FOU_PORT_F_LOCAL))
		return usage_err("multicast: not with 'local' (the port takes only packets to its "
				 "local address)");
	if ((a->port.flags & FOU_PORT_F_ZERO_CSUM6) && family != FOU_FAMILY_IPV6)
		return usage_err("zero-csum6: only meaningful with -6 (IPv4 always accepts a zero "
				 "checksum)");
	if ((a->port.flags & FOU_PORT_F_ZERO_CSUM6) && a->port.kind == FOU_KIND_FOU &&
	    a->port.ipproto == FOU_IPPROTO_SCTP)
		return usage_err("zero-csum6: not with ipproto 132 (RFC 6951: SCTP over UDP over "
				 "IPv6 carries a UDP checksum)");
	if ((a->port.flags & FOU_PORT_F_NOREMCSUM) && a->port.kind != FOU_KIND_GUE)
		return usage_err("noremcsum: only for gue ports (remote checksum offload is GUE's)");
	if ((a->port.flags & FOU_PORT_F_GRE_KEY) && a->port.kind == FOU_KIND_FOU &&
	    a->port.ipproto != FOU_IPPROTO_GRE)
		return usage_err("key: only for GRE, 'ipproto 47' or 'gue' (GUE proto 47)");
	if (a->dev) {
		a->port.ifindex = parse_dev(a->dev);
		if (!a->port.ifindex)
			return -EINVAL;
	}
	return 0;
}

int port_parse_add(int argc, char **argv, struct port_spec *a)
{
	int err;

	a->key.family = FOU_FAMILY_IPV4;
	err = opts_parse(&port_add_cmd, argc, argv, a, NULL);
	return err ? err : validate_port_add(a);
}

/* port del: PORT [-6] */
static const struct opt port_del_opts[] = {
	{ "-6", OPT_CALL, PW_FAMILY, 0, 0, 0, set_v6, NULL, "[-6]", NULL },
	OPT_END,
};

const struct opt_cmd port_del_cmd = {
	"port del", port_del_opts, set_port_number, "port del: unexpected '%s'", "PORT", NULL,
};

int port_del_parse(int argc, char **argv, struct fou_port_key *key)
{
	struct port_spec a = {};
	int err;

	a.key.family = FOU_FAMILY_IPV4;
	err = opts_parse(&port_del_cmd, argc, argv, &a, NULL);
	if (!err && !a.have_port)
		err = usage_err("port del: missing PORT");
	*key = a.key;
	return err;
}

static const char *family_name(int family)
{
	return family == FOU_FAMILY_IPV6 ? "ipv6" : "ipv4";
}

/* A new port's coalescing counters start at zero, like its packet
 * counters: the slot may have served a port before. */
static void reset_gro_stats(const struct fou_port_fds *m, const struct fou_port_key *key)
{
	int ncpu = cpu_count(), fd = map_fd(FOU_MAP_GRO_STATS);
	struct fou_gro_stats *zero = calloc(ncpu, sizeof(*zero));
	struct fou_port port;
	__u32 slot;

	if (fd >= 0 && zero && !fou_port_find(m, key, &port, &slot))
		bpf_map_update_elem(fd, &slot, zero, BPF_ANY);
	free(zero);
	if (fd >= 0)
		close(fd);
}

int port_install(const struct fou_port_fds *m, const struct fou_port_key *key,
		 struct fou_port *port, const struct fou_peer_spec *peers, int npeers)
{
	int err = fou_port_install(m, key, port, peers, npeers);

	if (!err)
		reset_gro_stats(m, key);
	return err;
}

int cmd_port_add(int argc, char **argv)
{
	struct port_spec a = {};
	struct fou_port_fds m;
	int err;

	if (port_parse_add(argc, argv, &a))
		usage_exit();
	ensure_maps();
	open_port_fds(&m);
	err = port_install(&m, &a.key, &a.port, a.peers, a.npeers);
	close_port_fds(&m);
	if (err == -EEXIST)
		usage_error("port %u (%s) already exists; 'fouloader port del %u%s' first",
		     a.key.port, family_name(a.key.family), a.key.port,
		     a.key.family == FOU_FAMILY_IPV6 ? " -6" : "");
	if (err == -ENOSPC)
		fail("cannot add port %u: all %d port slots are in use", a.key.port, FOU_MAX_PORTS);
	if (err)
		fail("cannot add port %u: %s", a.key.port, strerror(-err));
	if (a.key.family == FOU_FAMILY_IPV6 && (a.port.flags & FOU_PORT_F_PEER_ANY) &&
	    !(a.port.flags & FOU_PORT_F_ZERO_CSUM6) &&
	    !(a.port.kind == FOU_KIND_FOU && a.port.ipproto == FOU_IPPROTO_SCTP))
		warnx_("port %u -6: 'peer any' without zero-csum6 drops zero UDP checksums "
		       "(drop_zero_csum6): the GSO (TCP) packets of fouloader tunnels and of the "
		       "kernel's noencap-udp6-csum carry zero; name the peers, or add zero-csum6",
		       a.key.port);
	return EXIT_OK;
}

int cmd_port_del(int argc, char **argv)
{
	struct fou_port_key key = {};
	struct fou_port_fds m;
	int err = -ENOENT;

	if (port_del_parse(argc, argv, &key))
		usage_exit();
	if (state_exists_locked()) {
		open_port_fds(&m);
		err = fou_port_remove(&m, &key);
		close_port_fds(&m);
	}
	if (err == -ENOENT)
		fail("port %u (%s) does not exist", key.port, family_name(key.family));
	if (err)
		fail("cannot delete port %u: %s", key.port, strerror(-err));
	return EXIT_OK;
}

static int cmp_ports(const void *a, const void *b)
{
	const struct fou_port *x = &((const struct port_entry *)a)->port;
	const struct fou_port *y = &((const struct port_entry *)b)->port;

	if (x->family != y->family)
		return x->family - y->family;
	return x->port - y->port;
}

int load_ports(struct port_entry *out, int max)
{
	static struct fou_port ports[FOU_MAX_PORTS];
	__u32 slots[FOU_MAX_PORTS];
	struct fou_port_fds m;
	int n;

	if (!state_exists())
		return 0;
	open_port_fds(&m);
	n = fou_port_list(&m, ports, slots, max < FOU_MAX_PORTS ? max : FOU_MAX_PORTS);
	close_port_fds(&m);
	for (int i = 0; i < n; i++) {
		out[i].port = ports[i];
		out[i].slot = slots[i];
	}
	qsort(out, n, sizeof(*out), cmp_ports);
	return n;
}

static int cmp_peers(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct fou_addr));
}

/* Text, or JSON objects to @j when set. */
static void print_peers(const struct fou_port_fds *m, const struct fou_port *p, struct json *j)
{
	static struct fou_peer_spec peers[FOU_MAX_PEERS];
	int n = fou_port_peers(m, p, peers, FOU_MAX_PEERS);
	char buf[INET6_ADDRSTRLEN];

	/* Hash order is arbitrary: print in address order, stable across runs. */
	if (p->flags & FOU_PORT_F_PEERS_HASH)
		qsort(peers, n, sizeof(*peers), cmp_peers);

	for (int i = 0; i < n; i++) {
		format_addr(&peers[i].addr, p->family, buf, sizeof(buf));
		if (j) {
			json_object(j);
			json_kstr(j, "addr", buf);
			json_ku64(j, "peer_port", peers[i].peer_port);
			json_end(j);
		} else if (peers[i].peer_port) {
			printf(" peer %s peer_port %u", buf, peers[i].peer_port);
		} else {
			printf(" peer %s", buf);
		}
	}
}

/* The JSON object of one port (the text form is print_port_line). */
void print_port_json(struct json *j, const struct fou_port_fds *m, const struct fou_port *p)
{
	char local[INET6_ADDRSTRLEN] = "", dev[IF_NAMESIZE] = "";

	if (p->flags & FOU_PORT_F_LOCAL)
		format_addr(&p->local, p->family, local, sizeof(local));
	if (p->ifindex && !if_indextoname(p->ifindex, dev))
		snprintf(dev, sizeof(dev), "ifindex%u", p->ifindex);
	json_object(j);
	json_ku64(j, "port", p->port);
	json_ku64(j, "family", p->family);
	json_kstr(j, "kind", p->kind == FOU_KIND_GUE ? "gue" : "fou");
	json_ku64(j, "ipproto", p->ipproto);
	json_ku64(j, "mark", p->mark);
	json_kstr_or_null(j, "local", local);
	json_kstr_or_null(j, "dev", dev);
	if (p->flags & FOU_PORT_F_GRE_KEY)
		json_ku64(j, "gre_key", p->gre_key);
	else
		json_knull(j, "gre_key");
	json_kbool(j, "zero_csum6", p->flags & FOU_PORT_F_ZERO_CSUM6);
	json_kbool(j, "multicast", p->flags & FOU_PORT_F_MULTICAST);
	json_kbool(j, "remcsum", p->kind == FOU_KIND_GUE && !(p->flags & FOU_PORT_F_NOREMCSUM));
	json_kbool(j, "peer_any", p->flags & FOU_PORT_F_PEER_ANY);
	json_karray(j, "peers");
	print_peers(m, p, j);
	json_end(j);
	json_end(j);
}

void print_port_line(const struct fou_port_fds *m, const struct fou_port *p, const char *verb)
{
	char local[INET6_ADDRSTRLEN] = "", dev[IF_NAMESIZE] = "";
	bool gone = p->ifindex && !if_indextoname(p->ifindex, dev);

	if (p->flags & FOU_PORT_F_LOCAL)
		format_addr(&p->local, p->family, local, sizeof(local));
	if (gone)
		snprintf(dev, sizeof(dev), "ifindex%u", p->ifindex);
	/* A port bound to a device that is gone cannot be added again: for
	 * 'show config' a comment keeps the file applicable (and apply then
	 * drops the port). */
	if (gone && verb[0])
		printf("# (device gone) ");
	printf("port%s %u", verb, p->port);
	if (p->kind == FOU_KIND_GUE)
		printf(" gue");
	else
		printf(" ipproto %u", p->ipproto);
	printf("%s", p->family == FOU_FAMILY_IPV6 ? " -6" : "");
	if (local[0])
		printf(" local %s", local);
	if (p->flags & FOU_PORT_F_PEER_ANY)
		printf(" peer any");
	print_peers(m, p, NULL);
	if (dev[0])
		printf(" dev %s", dev);
	printf("%s", p->flags & FOU_PORT_F_ZERO_CSUM6 ? " zero-csum6" : "");
	printf("%s", p->flags & FOU_PORT_F_MULTICAST ? " multicast" : "");
	printf("%s", p->flags & FOU_PORT_F_NOREMCSUM ? " noremcsum" : "");
	if (p->mark)
		printf(" mark %#x", p->mark);
	if (p->flags & FOU_PORT_F_GRE_KEY)
		printf(" key %u", p->gre_key);
	printf("\n");
}

const struct opt_cmd port_show_cmd = {
	"port show", json_opts, NULL, "port show: unexpected argument '%s'", NULL, NULL,
};

int cmd_port_show(int argc, char **argv)
{
	static struct port_entry entries[FOU_MAX_PORTS];
	struct fou_port_fds m;
	bool json = false;
	struct json j;
	int n;

	if (opts_parse(&port_show_cmd, argc, argv, &json, NULL))
		usage_exit();
	n = load_ports(entries, FOU_MAX_PORTS);
	if (n)
		open_port_fds(&m);
	json_start(&j, stdout);
	if (json)
		json_array(&j);
	for (int i = 0; i < n; i++) {
		if (json)
			print_port_json(&j, &m, &entries[i].port);
		else
			print_port_line(&m, &entries[i].port, "");
	}
	if (json) {
		json_end(&j);
		printf("\n");
	}
	if (n)
		close_port_fds(&m);
	return EXIT_OK;
}
