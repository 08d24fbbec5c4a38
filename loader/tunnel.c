// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* tunnel add / del / show: where encapsulated packets go, and how. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "fouloader.h"
#include "opts.h"

#define DEFAULT_TTL 64

/* Each setting of a tunnel is given once, by one of its words. */
enum { TW_LOCAL, TW_REMOTE, TW_ENCAP, TW_IPPROTO, TW_DPORT, TW_SPORT, TW_TTL, TW_TOS, TW_MTU,
       TW_CSUM, TW_UDP6_CSUM, TW_REMCSUM, TW_GRE_KEY, TW_GRE_CSUM,
       TW_GRE_SEQ, TW_COUNT };

struct tunnel_args {
	struct fou_tunnel t;
	int local_family, remote_family;
	const char *seen[TW_COUNT]; /* the word that gave each setting */
	const char *seen_local, *seen_remote; /* the addresses as given */
};

static int parse_name(const char *s, char *out)
{
	size_t n = strlen(s);

	if (!n || n > 15)
		return usage_err("tunnel name '%s': 1 to 15 characters", s);
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
			return usage_err("tunnel name '%s': letters, digits, '_', '.', '-' only", s);
	memcpy(out, s, n + 1);
	return 0;
}

/* The kernel's ephemeral port range, the one udp_flow_src_port() maps into. */
static void local_port_range(__u16 *min, __u16 *max)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	unsigned int lo = 32768, hi = 60999;

	if (f) {
		if (fscanf(f, "%u %u", &lo, &hi) != 2 || !lo || lo >= hi || hi > 65535) {
			lo = 32768;
			hi = 60999;
		}
		fclose(f);
	}
	*min = lo;
	*max = hi;
}

static int set_local(void *spec, const char *arg)
{
	struct tunnel_args *a = spec;

	a->seen_local = arg;
	a->local_family = parse_addr("local", arg, &a->t.local);
	return a->local_family ? 0 : -EINVAL;
}

static int set_remote(void *spec, const char *arg)
{
	struct tunnel_args *a = spec;

	a->seen_remote = arg;
	a->remote_family = parse_addr("remote", arg, &a->t.remote);
	return a->remote_family ? 0 : -EINVAL;
}

static int set_ipproto(void *spec, const char *v)
{
	struct fou_tunnel *t = &((struct tunnel_args *)spec)->t;

	t->ipproto = parse_tunnel_ipproto(v);
	return t->ipproto ? 0 : -EINVAL;
}

static int set_sport(void *spec, const char *v)
{
	struct fou_tunnel *t = &((struct tunnel_args *)spec)->t;

	if (!strcmp(v, "auto")) {
		/* no stale value: 'show config' could not express it */
		t->flags &= ~FOU_TUN_F_SPORT_FIXED;
		t->sport = 0;
		return 0;
	}
	t->sport = parse_port("encap-sport", v);
	t->flags |= FOU_TUN_F_SPORT_FIXED;
	return t->sport ? 0 : -EINVAL;
}

static int set_ttl(void *spec, const char *v)
{
	struct fou_tunnel *t = &((struct tunnel_args *)spec)->t;
	long ttl = 0;

	/* 0 is how the kernel's tunnels spell inherit, too. */
	if (strcmp(v, "inherit"))
		ttl = parse_uint("ttl", v, 255);
	t->ttl = ttl;
	return ttl < 0 ? -EINVAL : 0;
}

static int set_tos(void *spec, const char *v)
{
	struct fou_tunnel *t = &((struct tunnel_args *)spec)->t;
	long tos;

	if (!strcmp(v, "inherit")) {
		t->flags &= ~FOU_TUN_F_TOS_FIXED;
		t->tos = 0;
		return 0;
	}
	tos = parse_uint("tos", v, 255);
	t->tos = tos;
	t->flags |= FOU_TUN_F_TOS_FIXED;
	return tos < 0 ? -EINVAL : 0;
}

static int set_key(void *spec, const char *v)
{
	struct fou_tunnel *t = &((struct tunnel_args *)spec)->t;

	t->flags |= FOU_TUN_F_GRE_KEY;
	return parse_gre_key(v, &t->gre_key);
}

static int set_mtu(void *spec, const char *v)
{
	struct fou_tunnel *t = &((struct tunnel_args *)spec)->t;
	long mtu = parse_uint("mtu", v, 65535);

	if (mtu < 0)
		return mtu;
	t->mtu = mtu;
	if (t->mtu && t->mtu < 68)
		return usage_err("mtu: 68 to 65535, or 0 for the device MTU less the overhead");
	return 0;
}

static int set_name(void *spec, const char *w)
{
	struct fou_tunnel *t = &((struct tunnel_args *)spec)->t;

	if (t->name[0] || w[0] == '-')
		return 1;
	return parse_name(w, t->name);
}

#define TUN_ARG(w, g, fn, syn) { w, OPT_ARG, g, 0, 0, 0, fn, NULL, syn, NULL }
/* A flag's word, its opposite (bits 0) clearing nothing: the group admits one of them. */
#define TUN_FLAG(w, g, bits, syn) \
	{ w, OPT_BITS, g, OPT_AT(struct tunnel_args, t.flags), bits, NULL, NULL, syn, NULL }

static const struct opt_word encap_words[] = {
	{ "fou", FOU_KIND_FOU }, { "gue", FOU_KIND_GUE }, { NULL, 0 },
};

/* In the order of the synopsis. */
static const struct opt tunnel_add_opts[] = {
	TUN_ARG("local", TW_LOCAL, set_local, "local ADDR"),
	TUN_ARG("remote", TW_REMOTE, set_remote, "remote ADDR"),
	{ "encap", OPT_ENUM, TW_ENCAP, OPT_AT(struct tunnel_args, t.kind), 0, NULL, NULL,
	  "encap { fou | gue }", encap_words },
	TUN_ARG("ipproto", TW_IPPROTO, set_ipproto, "[ipproto 4|41|47]"),
	TUN_ARG("key", TW_GRE_KEY, set_key, "\n[key K]"),
	TUN_FLAG("csum", TW_GRE_CSUM, FOU_TUN_F_GRE_CSUM, "[csum]"),
	TUN_FLAG("seq", TW_GRE_SEQ, FOU_TUN_F_GRE_SEQ, "[seq]"),
	{ "encap-dport", OPT_PORT, TW_DPORT, OPT_AT(struct tunnel_args, t.dport), 0, NULL, NULL,
	  "\nencap-dport P", NULL },
	TUN_ARG("encap-sport", TW_SPORT, set_sport, "[encap-sport { auto | P }]"),
	TUN_FLAG("encap-csum", TW_CSUM, FOU_TUN_F_CSUM, "[encap-csum"),
	TUN_FLAG("noencap-csum", TW_CSUM, 0, "| noencap-csum]"),
	TUN_FLAG("noencap-udp6-csum", TW_UDP6_CSUM, FOU_TUN_F_UDP6_ZERO, "\n[noencap-udp6-csum]"),
	TUN_FLAG("encap-udp6-csum", TW_UDP6_CSUM, 0, NULL),
	TUN_FLAG("encap-remcsum", TW_REMCSUM, FOU_TUN_F_REMCSUM, "[encap-remcsum"),
	TUN_FLAG("noencap-remcsum", TW_REMCSUM, 0, "| noencap-remcsum]"),
	TUN_ARG("ttl", TW_TTL, set_ttl, "\n[ttl { N | inherit }]"),
	TUN_ARG("tos", TW_TOS, set_tos, "[tos { inherit | N }]"),
	TUN_ARG("mtu", TW_MTU, set_mtu, "[mtu N]"),
	OPT_END,
};

const struct opt_cmd tunnel_add_cmd = {
	"tunnel add", tunnel_add_opts, set_name,
	"tunnel add: unexpected '%s' (see 'fouloader tunnel add --help')", "NAME", NULL,
};

/* Why @a cannot be a tunnel endpoint on the wire, or NULL. */
static const char *endpoint_unfit(int family, const struct fou_addr *a)
{
	static const __u8 v4mapped[12] = { [10] = 0xff, [11] = 0xff };
	static const __u8 zero16[16];
	const __u8 *b6 = (const __u8 *)a->ip6;
	__u32 v4 = ntohl(a->ip4);

	if (family == FOU_FAMILY_IPV4) {
		if (!v4)
			return "the unspecified address";
		if ((v4 >> 28) == 0xe)
			return "a multicast address";
		if (v4 == 0xffffffff)
			return "the broadcast address";
		return (v4 >> 24) == 127 ? "a loopback address" : NULL;
	}
	if (!memcmp(b6, zero16, 16))
		return "the unspecified address";
	if (b6[0] == 0xff)
		return "a multicast address";
	if (!memcmp(b6, zero16, 15) && b6[15] == 1)
		return "a loopback address";
	return memcmp(b6, v4mapped, 12) ? NULL : "an IPv4-mapped address (use IPv4)";
}

/* Does @sa hold @a (of @family)? */
static bool sockaddr_is(const struct sockaddr *sa, int family, const struct fou_addr *a)
{
	if (!sa)
		return false;
	if (family == FOU_FAMILY_IPV4)
		return sa->sa_family == AF_INET &&
		       ((const struct sockaddr_in *)sa)->sin_addr.s_addr == a->ip4;
	return sa->sa_family == AF_INET6 &&
	       !memcmp(&((const struct sockaddr_in6 *)sa)->sin6_addr, a->ip6, 16);
}

/* The remote must be another host: not an address or a broadcast address
 * of this one's devices (in this network namespace), or encapsulated
 * packets would come back to us. */
static int refuse_own_remote(const struct fou_tunnel *t, const char *text)
{
	struct ifaddrs *list, *ifa;

	if (getifaddrs(&list))
		fail("cannot list this host's addresses: %s", strerror(errno));
	for (ifa = list; ifa; ifa = ifa->ifa_next) {
		bool own = sockaddr_is(ifa->ifa_addr, t->family, &t->remote);
		bool bcast = (ifa->ifa_flags & IFF_BROADCAST) &&
			     sockaddr_is(ifa->ifa_broadaddr, t->family, &t->remote);
		char dev[IF_NAMESIZE];

		if (!own && !bcast)
			continue;
		snprintf(dev, sizeof(dev), "%s", ifa->ifa_name);
		freeifaddrs(list);
		return usage_err("remote: '%s' is %s of this host (dev %s); a tunnel goes to "
				 "another host", text, own ? "an address" : "the broadcast address", dev);
	}
	freeifaddrs(list);
	return 0;
}

static int validate_endpoints(const struct tunnel_args *a)
{
	const struct fou_tunnel *t = &a->t;
	const char *why;

	if ((why = endpoint_unfit(t->family, &t->local)))
		return usage_err("local: '%s' is %s", a->seen_local, why);
	if ((why = endpoint_unfit(t->family, &t->remote)))
		return usage_err("remote: '%s' is %s", a->seen_remote, why);
	if (!memcmp(&t->local, &t->remote, sizeof(t->local)))
		return usage_err("tunnel add: local and remote are the same address '%s'",
				 a->seen_remote);
	return refuse_own_remote(t, a->seen_remote);
}

/* The receiver deduces the inner checksum from the outer one: remote
 * checksum offload without it would leave nothing to deduce from (the
 * kernel sends it so with noencap-csum; fouloader's receiver and the
 * draft refuse that). So encap-remcsum implies the outer checksum. */
static int validate_remcsum(struct tunnel_args *a)
{
	struct fou_tunnel *t = &a->t;

	if (!(t->flags & FOU_TUN_F_REMCSUM))
		return 0;
	if (t->kind != FOU_KIND_GUE)
		return usage_err("encap-remcsum: only with encap gue (the option is GUE's)");
	if (t->ipproto == FOU_IPPROTO_GRE)
		return usage_err("encap-remcsum: not with ipproto 47 (the option describes an inner "
				 "IP packet right after GUE)");
	if (t->flags & FOU_TUN_F_UDP6_ZERO)
		return usage_err("encap-remcsum and noencap-udp6-csum exclude each other "
				 "(the receiver deduces the inner checksum from the outer one)");
	if (a->seen[TW_CSUM] && !strcmp(a->seen[TW_CSUM], "noencap-csum"))
		return usage_err("encap-remcsum and noencap-csum exclude each other "
				 "(the receiver deduces the inner checksum from the outer one)");
	if (a->local_family == FOU_FAMILY_IPV4)
		t->flags |= FOU_TUN_F_CSUM;
	return 0;
}

static int validate_tunnel(struct tunnel_args *a)
{
	struct fou_tunnel *t = &a->t;
	int err;

	if (!t->name[0])
		return usage_err("tunnel add: missing NAME");
	if (!a->seen[TW_LOCAL] || !a->seen[TW_REMOTE])
		return usage_err("tunnel add: missing 'local ADDR' or 'remote ADDR'");
	if (a->local_family != a->remote_family)
		return usage_err("tunnel add: local and remote must both be IPv4 or both IPv6");
	if (!a->seen[TW_ENCAP])
		return usage_err("tunnel add: missing 'encap fou' or 'encap gue'");
	if (!a->seen[TW_DPORT])
		return usage_err("tunnel add: missing 'encap-dport P'");
	if (a->seen[TW_IPPROTO] && t->kind == FOU_KIND_GUE && t->ipproto != FOU_IPPROTO_GRE)
		return usage_err("ipproto: with encap gue only 47 (gre); GUE names IPv4 and IPv6 itself");
	if ((t->flags & FOU_TUN_F_GRE_ANY) && t->ipproto != FOU_IPPROTO_GRE)
		return usage_err("key, csum and seq: only with ipproto 47 (GRE)");
	if ((t->flags & FOU_TUN_F_UDP6_ZERO) && a->local_family != FOU_FAMILY_IPV6)
		return usage_err("noencap-udp6-csum: only for IPv6 tunnels");
	if ((t->flags & FOU_TUN_F_CSUM) && a->local_family == FOU_FAMILY_IPV6 &&
	    (t->flags & FOU_TUN_F_UDP6_ZERO))
		return usage_err("encap-csum and noencap-udp6-csum exclude each other");
	err = validate_remcsum(a);
	if (err)
		return err;
	t->family = a->local_family;
	err = validate_endpoints(a);
	if (t->kind == FOU_KIND_FOU && !t->ipproto)
		t->ipproto = 4;
	if (t->kind == FOU_KIND_GUE && t->ipproto != FOU_IPPROTO_GRE)
		t->ipproto = 0;
	return err;
}

int tunnel_parse_add(int argc, char **argv, struct fou_tunnel *t)
{
	struct tunnel_args a = {};
	int err;

	a.t.ttl = DEFAULT_TTL;
	local_port_range(&a.t.sport_min, &a.t.sport_max);
	err = opts_parse(&tunnel_add_cmd, argc, argv, &a, a.seen);
	if (!err)
		err = validate_tunnel(&a);
	*t = a.t;
	return err;
}

/* Can tunnel @t carry inner packets of @family? A FOU tunnel carries the
 * one its ipproto names; GUE and GRE (ipproto 47) say which in a header. */
bool tunnel_carries(const struct fou_tunnel *t, int family)
{
	if (t->kind != FOU_KIND_FOU || t->ipproto == FOU_IPPROTO_GRE)
		return true;
	return t->ipproto == (family == FOU_FAMILY_IPV4 ? 4 : 41);
}

/* The slot of tunnel @name, or -1; *free_slot gets the first free one. */
int tunnel_find(int fd, const char *name, struct fou_tunnel *out, int *free_slot)
{
	struct fou_tun_fds m = { .tunnels = fd };
	int slot = fou_tunnel_find(&m, name, out, free_slot);

	if (free_slot && *free_slot < 0)
		*free_slot = -1;
	return slot < 0 ? -1 : slot;
}

bool tunnel_same_path(const struct fou_tunnel *a, const struct fou_tunnel *b)
{
	return fou_tunnel_same_path(a, b);
}

void tunnel_index_sync(void)
{
	struct fou_tun_fds m;

	if (!state_exists())
		return;
	open_tun_fds(&m, -1);
	fou_tun_index_sync(&m);
	close_tun_fds(&m);
}

/* One tunnel per local, remote, encap-dport: an ICMP error quotes only
 * those (and a source port), so two such tunnels could not be told apart,
 * and the peer's receive port cannot tell them apart either. */
static void refuse_same_key(const struct fou_tun_fds *m, const struct fou_tunnel *t)
{
	struct fou_tunnel other;
	char remote[INET6_ADDRSTRLEN];

	if (fou_tunnel_same_key(m, t, &other) < 0)
		return;
	format_addr(&t->remote, t->family, remote, sizeof(remote));
	usage_error("tunnel %s: tunnel %s already goes from the same local address to %s port %u "
		    "(ICMP errors could not tell them apart)", t->name, other.name, remote, t->dport);
}

int cmd_tunnel_add(int argc, char **argv)
{
	struct tunnel_args a = {};
	struct fou_tun_fds m;
	int slot;

	if (tunnel_parse_add(argc, argv, &a.t))
		usage_exit();
	ensure_maps();
	open_tun_fds(&m, -1);
	if (fou_tunnel_find(&m, a.t.name, NULL, NULL) >= 0)
		usage_error("tunnel %s already exists; 'fouloader tunnel del %s' first", a.t.name,
			    a.t.name);
	refuse_same_key(&m, &a.t);
	slot = fou_tunnel_put(&m, -1, &a.t);
	if (slot == -ENOSPC)
		fail("cannot add tunnel %s: all %d tunnel slots are in use", a.t.name, FOU_MAX_TUNNELS);
	if (slot < 0)
		fail("cannot add tunnel %s: %s", a.t.name, strerror(-slot));
	fou_tun_index_sync(&m);
	close_tun_fds(&m);
	return EXIT_OK;
}

const struct opt_one_cmd tunnel_del_cmd = {
	{ "tunnel del", no_opts, opts_set_word, "tunnel del: unexpected '%s'", "NAME", NULL },
	"tunnel del: expected NAME", NULL,
};

int cmd_tunnel_del(int argc, char **argv)
{
	const char *name = NULL;
	struct fou_tunnel empty = {};
	struct fou_tun_fds m;
	int slot, users;

	if (opts_parse_one(&tunnel_del_cmd, argc, argv, &name))
		usage_exit();
	if (!state_exists_locked())
		fail("tunnel %s does not exist", name);
	open_tun_fds(&m, -1);
	slot = fou_tunnel_find(&m, name, NULL, NULL);
	if (slot < 0)
		fail("tunnel %s does not exist", name);
	users = fou_routes_using(&m, slot);
	if (users)
		usage_error("tunnel %s is used by %d route%s; delete them first ('fouloader route show')",
			    name, users, users == 1 ? "" : "s");
	slot = fou_tunnel_put(&m, slot, &empty);
	if (slot < 0)
		fail("cannot delete tunnel %s: %s", name, strerror(-slot));
	fou_tun_index_sync(&m);
	close_tun_fds(&m);
	return EXIT_OK;
}

void print_tunnel_line(const struct fou_tunnel *t, const char *verb)
{
	char local[INET6_ADDRSTRLEN], remote[INET6_ADDRSTRLEN];

	format_addr(&t->local, t->family, local, sizeof(local));
	format_addr(&t->remote, t->family, remote, sizeof(remote));
	printf("tunnel%s %s local %s remote %s encap %s", verb, t->name, local, remote,
	       t->kind == FOU_KIND_GUE ? "gue" : "fou");
	if (t->kind == FOU_KIND_FOU || t->ipproto == FOU_IPPROTO_GRE)
		printf(" ipproto %u", t->ipproto);
	if (t->flags & FOU_TUN_F_GRE_KEY)
		printf(" key %u", t->gre_key);
	printf("%s%s", t->flags & FOU_TUN_F_GRE_CSUM ? " csum" : "",
	       t->flags & FOU_TUN_F_GRE_SEQ ? " seq" : "");
	printf(" encap-dport %u", t->dport);
	if (t->flags & FOU_TUN_F_SPORT_FIXED)
		printf(" encap-sport %u", t->sport);
	else
		printf(" encap-sport auto");
	printf(" %s", t->flags & FOU_TUN_F_CSUM ? "encap-csum" : "noencap-csum");
	if (t->flags & FOU_TUN_F_UDP6_ZERO)
		printf(" noencap-udp6-csum");
	if (t->flags & FOU_TUN_F_REMCSUM)
		printf(" encap-remcsum");
	if (t->ttl)
		printf(" ttl %u", t->ttl);
	else
		printf(" ttl inherit");
	if (t->flags & FOU_TUN_F_TOS_FIXED)
		printf(" tos %u", t->tos);
	else
		printf(" tos inherit");
	printf(" mtu %u\n", t->mtu);
}

/* "auto" or "inherit" where a number is not set, as in the text. */
static void number_or(struct json *j, const char *key, bool set, unsigned int v, const char *word)
{
	if (set)
		json_ku64(j, key, v);
	else
		json_kstr(j, key, word);
}

static void print_tunnel_json(struct json *j, const struct fou_tunnel *t)
{
	char local[INET6_ADDRSTRLEN], remote[INET6_ADDRSTRLEN];

	format_addr(&t->local, t->family, local, sizeof(local));
	format_addr(&t->remote, t->family, remote, sizeof(remote));
	json_object(j);
	json_kstr(j, "name", t->name);
	json_kstr(j, "local", local);
	json_kstr(j, "remote", remote);
	json_kstr(j, "encap", t->kind == FOU_KIND_GUE ? "gue" : "fou");
	json_ku64(j, "ipproto", t->ipproto);
	json_ku64(j, "encap_dport", t->dport);
	number_or(j, "encap_sport", t->flags & FOU_TUN_F_SPORT_FIXED, t->sport, "auto");
	json_kbool(j, "encap_csum", t->flags & FOU_TUN_F_CSUM);
	json_kbool(j, "udp6_zero_csum", t->flags & FOU_TUN_F_UDP6_ZERO);
	json_kbool(j, "encap_remcsum", t->flags & FOU_TUN_F_REMCSUM);
	number_or(j, "ttl", t->ttl, t->ttl, "inherit");
	number_or(j, "tos", t->flags & FOU_TUN_F_TOS_FIXED, t->tos, "inherit");
	json_ku64(j, "mtu", t->mtu);
	if (t->flags & FOU_TUN_F_GRE_KEY)
		json_ku64(j, "gre_key", t->gre_key);
	else
		json_knull(j, "gre_key");
	json_kbool(j, "gre_csum", t->flags & FOU_TUN_F_GRE_CSUM);
	json_kbool(j, "gre_seq", t->flags & FOU_TUN_F_GRE_SEQ);
	json_end(j);
}

const struct opt_cmd tunnel_show_cmd = {
	"tunnel show", json_opts, NULL, "tunnel show: unexpected argument '%s'", NULL, NULL,
};

int cmd_tunnel_show(int argc, char **argv)
{
	struct fou_tun_fds m = { .tunnels = -1 };
	struct fou_tunnel t;
	bool json = false;
	struct json j;

	if (opts_parse(&tunnel_show_cmd, argc, argv, &json, NULL))
		usage_exit();
	if (state_exists())
		m.tunnels = map_fd_or_fail(FOU_MAP_TUNNELS);
	json_start(&j, stdout);
	if (json)
		json_array(&j);
	for (__u32 i = 0; m.tunnels >= 0 && i < FOU_MAX_TUNNELS; i++) {
		if (fou_tunnel_get(&m, i, &t))
			continue;
		if (json)
			print_tunnel_json(&j, &t);
		else
			print_tunnel_line(&t, "");
	}
	if (json) {
		json_end(&j);
		printf("\n");
	}
	if (m.tunnels >= 0)
		close(m.tunnels);
	return EXIT_OK;
}
