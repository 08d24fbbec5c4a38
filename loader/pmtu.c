// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What ICMP errors taught about each tunnel's path, and the index the
 * receive path matches them with.
 *
 * fou_tun_index ({local, remote, dport, family} -> slot) is written only
 * here, in step with fou_tunnels: the BPF finds a tunnel from the quote of
 * an error with it. fou_tun_path, fou_icmp_bucket and fou_tun_icmp are per
 * slot, so a slot that gets another tunnel, or a tunnel another path, must
 * not inherit what was learned about the old one.
 *
 * pmtu show / flush: that state, per tunnel.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "fouloader.h"
#include "opts.h"

#define NS_PER_S 1000000000ULL

/* ---------------------------------------------------------------- the index */

static void index_key(const struct fou_tunnel *t, struct fou_tun_index_key *k)
{
	memset(k, 0, sizeof(*k));
	k->local = t->local;
	k->remote = t->remote;
	k->dport = t->dport;
	k->family = t->family;
}

bool tunnel_same_path(const struct fou_tunnel *a, const struct fou_tunnel *b)
{
	struct fou_tun_index_key x, y;

	index_key(a, &x);
	index_key(b, &y);
	return !memcmp(&x, &y, sizeof(x));
}

/* Forget @t's key, unless another slot owns it now (apply may give the key
 * to a new tunnel before the old one goes). */
static void index_drop(int fd, const struct fou_tunnel *t, __u32 slot)
{
	struct fou_tun_index_key k;
	struct fou_tun_index v;

	if (!t->name[0])
		return;
	index_key(t, &k);
	if (!bpf_map_lookup_elem(fd, &k, &v) && v.slot == slot &&
	    bpf_map_delete_elem(fd, &k) && errno != ENOENT)
		warnx_("cannot remove tunnel %s from %s: %s", t->name, FOU_MAP_TUN_INDEX,
		       strerror(errno));
}

static void index_put(int fd, const struct fou_tunnel *t, __u32 slot)
{
	struct fou_tun_index_key k;
	struct fou_tun_index v = { .slot = slot };

	index_key(t, &k);
	if (bpf_map_update_elem(fd, &k, &v, BPF_ANY))
		warnx_("cannot add tunnel %s to %s: %s", t->name, FOU_MAP_TUN_INDEX,
		       strerror(errno));
}

/* The ICMP maps are absent from a pin root made before them until a command
 * that creates maps runs (map_fd() < 0): then there is nothing to keep. */
static void zero_slot(const char *map, __u32 slot, size_t size, bool percpu)
{
	int fd = map_fd(map), n = percpu ? cpu_count() : 1;
	void *zero;

	if (fd < 0)
		return;
	zero = calloc(n, size);
	if (!zero || bpf_map_update_elem(fd, &slot, zero, BPF_ANY))
		warnx_("cannot reset %s[%u]: %s", map, slot, strerror(errno));
	free(zero);
	close(fd);
}

/* Path state of @slot back to nothing learned; with @counters, its ICMP
 * counters too (a new tunnel starts from zero, like its packet counters). */
static void reset_path(__u32 slot, bool counters)
{
	zero_slot(FOU_MAP_TUN_PATH, slot, sizeof(struct fou_tun_path), false);
	zero_slot(FOU_MAP_ICMP_BUCKET, slot, sizeof(struct fou_icmp_bucket), false);
	if (counters)
		zero_slot(FOU_MAP_TUN_ICMP, slot, sizeof(struct fou_tun_icmp), true);
}

/*
 * Before @slot changes from @old to @new (empty name: no tunnel): when the
 * path changes, the old key goes and the path state is reset, so from here
 * until tunnel_index_after() no error can match the slot and nothing learned
 * about the old path survives.
 */
void tunnel_index_before(__u32 slot, const struct fou_tunnel *old, const struct fou_tunnel *new)
{
	bool other = !old->name[0] || strncmp(old->name, new->name, sizeof(old->name));
	int fd;

	if (!other && tunnel_same_path(old, new))
		return;
	fd = map_fd(FOU_MAP_TUN_INDEX);
	if (fd < 0)
		return;
	index_drop(fd, old, slot);
	close(fd);
	reset_path(slot, other);
}

/* After the write: @new's key names @slot. */
void tunnel_index_after(__u32 slot, const struct fou_tunnel *new)
{
	int fd;

	if (!new->name[0])
		return;
	fd = map_fd(FOU_MAP_TUN_INDEX);
	if (fd < 0)
		return;
	index_put(fd, new, slot);
	close(fd);
}

/* The slot each tunnel's key should name: the lowest slot of a key (two
 * tunnels with one key exist only in state written before the index). */
static int wanted_slot(const struct fou_tunnel *tunnels, const struct fou_tun_index_key *k)
{
	struct fou_tun_index_key x;

	for (int i = 0; i < FOU_MAX_TUNNELS; i++) {
		if (!tunnels[i].name[0])
			continue;
		index_key(&tunnels[i], &x);
		if (!memcmp(&x, k, sizeof(x)))
			return i;
	}
	return -1;
}

static void drop_stale_keys(int fd, const struct fou_tunnel *tunnels)
{
	struct fou_tun_index_key keys[FOU_MAX_TUNNELS * 2];
	struct fou_tun_index v;
	int n = 0;

	while (n < FOU_MAX_TUNNELS * 2 &&
	       !bpf_map_get_next_key(fd, n ? &keys[n - 1] : NULL, &keys[n]))
		n++;
	for (int i = 0; i < n; i++)
		if (!bpf_map_lookup_elem(fd, &keys[i], &v) &&
		    (int)v.slot != wanted_slot(tunnels, &keys[i]))
			bpf_map_delete_elem(fd, &keys[i]);
}

/*
 * Make fou_tun_index exactly the keys of fou_tunnels. The commands keep it
 * so as they write; this also repairs a pin root whose tunnels were written
 * before the index existed, or by a command that was killed half way.
 */
void tunnel_index_sync(void)
{
	static struct fou_tunnel tunnels[FOU_MAX_TUNNELS];
	int tfd, fd;

	if (!state_exists())
		return;
	fd = map_fd(FOU_MAP_TUN_INDEX);
	if (fd < 0)
		return;
	tfd = map_fd_or_fail(FOU_MAP_TUNNELS);
	for (__u32 i = 0; i < FOU_MAX_TUNNELS; i++)
		if (bpf_map_lookup_elem(tfd, &i, &tunnels[i]))
			memset(&tunnels[i], 0, sizeof(tunnels[i]));
	close(tfd);
	drop_stale_keys(fd, tunnels);
	for (int i = 0; i < FOU_MAX_TUNNELS; i++) {
		struct fou_tun_index_key k;
		struct fou_tun_index v;

		if (!tunnels[i].name[0])
			continue;
		index_key(&tunnels[i], &k);
		if (wanted_slot(tunnels, &k) == i &&
		    (bpf_map_lookup_elem(fd, &k, &v) || (int)v.slot != i))
			index_put(fd, &tunnels[i], i);
	}
	close(fd);
}

/* The tunnel other than @name whose key @t would share, or -1. */
int tunnel_same_key(int fd, const struct fou_tunnel *t, struct fou_tunnel *other)
{
	for (__u32 i = 0; i < FOU_MAX_TUNNELS; i++) {
		if (bpf_map_lookup_elem(fd, &i, other) || !other->name[0] ||
		    !strncmp(other->name, t->name, sizeof(t->name)))
			continue;
		if (tunnel_same_path(other, t))
			return i;
	}
	return -1;
}

/* ---------------------------------------------------------------- counters */

void tunnel_icmp_sum(__u32 slot, struct fou_tun_icmp *t)
{
	int fd = map_fd(FOU_MAP_TUN_ICMP), ncpu = cpu_count();
	struct fou_tun_icmp *v;

	memset(t, 0, sizeof(*t));
	if (fd < 0)
		return;
	v = calloc(ncpu, sizeof(*v));
	if (!v)
		fail("out of memory");
	if (!bpf_map_lookup_elem(fd, &slot, v)) {
		for (int c = 0; c < ncpu; c++) {
			t->frag_needed += v[c].frag_needed;
			t->pkt_too_big += v[c].pkt_too_big;
			t->unreachable += v[c].unreachable;
			t->time_exceeded += v[c].time_exceeded;
			t->redirect += v[c].redirect;
			t->sent_too_big += v[c].sent_too_big;
			t->rate_limited += v[c].rate_limited;
		}
	}
	free(v);
	close(fd);
}

/* The counters as name/value pairs, in the struct's order: what 'stats'
 * and 'pmtu show' print, with '_' or '-' between words. */
int tunnel_icmp_fields(const struct fou_tun_icmp *t, const char **names, __u64 *vals)
{
	static const char *const n[] = { "frag_needed", "pkt_too_big", "unreachable",
					 "time_exceeded", "redirect", "sent_too_big",
					 "rate_limited" };
	const __u64 v[] = { t->frag_needed, t->pkt_too_big, t->unreachable, t->time_exceeded,
			    t->redirect, t->sent_too_big, t->rate_limited };

	for (int i = 0; i < TUN_ICMP_FIELDS; i++) {
		names[i] = n[i];
		vals[i] = v[i];
	}
	return TUN_ICMP_FIELDS;
}

/* ---------------------------------------------------------------- pmtu show */

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

/* Outer IP + UDP (+ GUE) (+ GRE): what the tunnel adds to each inner packet. */
static unsigned int overhead(const struct fou_tunnel *t)
{
	unsigned int gre = 0;

	if (t->ipproto == FOU_IPPROTO_GRE)
		gre = 4 + 4 * !!(t->flags & FOU_TUN_F_GRE_CSUM) + 4 * !!(t->flags & FOU_TUN_F_GRE_KEY) +
		      4 * !!(t->flags & FOU_TUN_F_GRE_SEQ);
	/* encap-remcsum: its 8 option bytes always, as the BPF side counts */
	return (t->family == FOU_FAMILY_IPV4 ? 20 : 40) + 8 + (t->kind == FOU_KIND_GUE ? 4 : 0) + gre +
	       (t->flags & FOU_TUN_F_REMCSUM ? 8 : 0);
}

/* Age and seconds left of something learned at @ns, read as the programs
 * read it: expired once now - ns exceeds the expiry (unsigned, so a time
 * ahead of now is expired too). */
struct learned_age {
	unsigned long long age_s, left_s;
	bool expired;
};

static void learned_age(__u64 ns, __u64 now, __u64 expire_s, struct learned_age *a)
{
	__u64 age = now - ns;

	a->expired = age > expire_s * NS_PER_S;
	a->age_s = now > ns ? age / NS_PER_S : 0;
	a->left_s = a->expired ? 0 : (expire_s * NS_PER_S - age) / NS_PER_S;
}

/* What 'pmtu show' and the metrics read: fou_tun_path (-1: absent), and
 * the clock and expiry it is judged by. */
void pmtu_reader_open(struct pmtu_reader *r)
{
	struct fou_icmp_conf conf;

	icmp_load_conf(&conf);
	r->expire_s = icmp_conf_value(&conf, ICMP_OPT_EXPIRE);
	r->now = now_ns();
	r->path_fd = state_exists() ? map_fd(FOU_MAP_TUN_PATH) : -1;
}

void pmtu_reader_close(struct pmtu_reader *r)
{
	if (r->path_fd >= 0)
		close(r->path_fd);
	r->path_fd = -1;
}

/* @slot's path state (all zero when none); returns the path MTU in effect:
 * 0 when none was learned or it expired. */
__u32 pmtu_reader_get(const struct pmtu_reader *r, __u32 slot, struct fou_tun_path *p)
{
	struct learned_age a;

	if (r->path_fd < 0 || bpf_map_lookup_elem(r->path_fd, &slot, p))
		memset(p, 0, sizeof(*p));
	if (!p->pmtu)
		return 0;
	learned_age(p->pmtu_ns, r->now, r->expire_s, &a);
	return a.expired ? 0 : p->pmtu;
}

struct pmtu_ctx {
	bool json, first;
	struct pmtu_reader r;
};

static void show_pmtu_part(const struct fou_tunnel *t, const struct fou_tun_path *p,
			   const struct pmtu_ctx *c)
{
	char from[INET6_ADDRSTRLEN];
	struct learned_age a;
	unsigned int inner;

	if (!p->pmtu) {
		printf(c->json ? ",\"pmtu\":null" : "  pmtu none\n");
		return;
	}
	learned_age(p->pmtu_ns, c->r.now, c->r.expire_s, &a);
	format_addr(&p->pmtu_from, t->family, from, sizeof(from));
	inner = p->pmtu > overhead(t) ? p->pmtu - overhead(t) : 0;
	if (c->json)
		printf(",\"pmtu\":{\"mtu\":%u,\"inner_mtu\":%u,\"from\":\"%s\",\"age_s\":%llu,"
		       "\"expires_s\":%llu,\"expired\":%s}", p->pmtu, inner, from, a.age_s,
		       a.left_s, a.expired ? "true" : "false");
	else if (a.expired)
		printf("  pmtu %u inner-mtu %u from %s age %llus expired\n", p->pmtu, inner, from,
		       a.age_s);
	else
		printf("  pmtu %u inner-mtu %u from %s age %llus expires %llus\n", p->pmtu, inner,
		       from, a.age_s, a.left_s);
}

static void show_redirect_part(const struct fou_tun_path *p, const struct pmtu_ctx *c)
{
	char gw[INET_ADDRSTRLEN], from[INET_ADDRSTRLEN];
	struct learned_age a;

	if (!p->redirect_ns) {
		printf(c->json ? ",\"redirect\":null" : "  redirect none\n");
		return;
	}
	learned_age(p->redirect_ns, c->r.now, c->r.expire_s, &a);
	format_addr(&p->redirect_gw, FOU_FAMILY_IPV4, gw, sizeof(gw));
	format_addr(&p->redirect_from, FOU_FAMILY_IPV4, from, sizeof(from));
	if (c->json)
		printf(",\"redirect\":{\"gateway\":\"%s\",\"from\":\"%s\",\"age_s\":%llu,"
		       "\"expires_s\":%llu,\"expired\":%s}", gw, from, a.age_s, a.left_s,
		       a.expired ? "true" : "false");
	else if (a.expired)
		printf("  redirect gateway %s from %s age %llus expired\n", gw, from, a.age_s);
	else
		printf("  redirect gateway %s from %s age %llus expires %llus\n", gw, from, a.age_s,
		       a.left_s);
}

static void show_icmp_part(__u32 slot, const struct pmtu_ctx *c)
{
	const char *names[TUN_ICMP_FIELDS];
	__u64 vals[TUN_ICMP_FIELDS];
	struct fou_tun_icmp s;
	int n;

	tunnel_icmp_sum(slot, &s);
	n = tunnel_icmp_fields(&s, names, vals);
	printf(c->json ? ",\"icmp\":{" : "  icmp");
	for (int i = 0; i < n; i++) {
		if (c->json) {
			printf("%s\"%s\":%llu", i ? "," : "", names[i], vals[i]);
			continue;
		}
		printf(" ");
		for (const char *ch = names[i]; *ch; ch++)
			putchar(*ch == '_' ? '-' : *ch);
		printf(" %llu", vals[i]);
	}
	printf(c->json ? "}" : "\n");
}

static void show_tunnel(__u32 slot, const struct fou_tunnel *t, struct pmtu_ctx *c)
{
	char local[INET6_ADDRSTRLEN], remote[INET6_ADDRSTRLEN];
	struct fou_tun_path p;

	pmtu_reader_get(&c->r, slot, &p);
	format_addr(&t->local, t->family, local, sizeof(local));
	format_addr(&t->remote, t->family, remote, sizeof(remote));
	if (c->json) {
		printf("%s{\"name\":", c->first ? "" : ",");
		json_str(stdout, t->name);
		printf(",\"family\":%u,\"local\":\"%s\",\"remote\":\"%s\",\"encap_dport\":%u,"
		       "\"overhead\":%u", t->family, local, remote, t->dport, overhead(t));
	} else {
		printf("tunnel %s local %s remote %s encap-dport %u overhead %u\n", t->name, local,
		       remote, t->dport, overhead(t));
	}
	show_pmtu_part(t, &p, c);
	show_redirect_part(&p, c);
	show_icmp_part(slot, c);
	if (c->json)
		printf("}");
	c->first = false;
}

/* The slot of tunnel @name; exit 2 if there is none. */
static int named_slot(const char *cmd, const char *name, int tfd)
{
	int slot = tfd >= 0 ? tunnel_find(tfd, name, NULL, NULL) : -1;

	if (slot < 0)
		usage_error("%s: tunnel %s does not exist", cmd, name);
	return slot;
}

struct pmtu_args {
	bool json;
	const char *name; /* TUNNEL, or NULL: every tunnel */
};

static int set_tunnel_name(void *spec, const char *w)
{
	return opts_one_word(&((struct pmtu_args *)spec)->name, w);
}

static const struct opt pmtu_show_opts[] = {
	{ "--json", OPT_FLAG, 0, OPT_AT(struct pmtu_args, json), 0, NULL, NULL, "[--json]", NULL },
	OPT_END,
};

static const struct opt pmtu_flush_opts[] = { OPT_END };

const struct opt_cmd pmtu_show_cmd = {
	"pmtu show", pmtu_show_opts, set_tunnel_name, "pmtu show: unexpected '%s'", NULL,
	"[TUNNEL]",
};

const struct opt_cmd pmtu_flush_cmd = {
	"pmtu flush", pmtu_flush_opts, set_tunnel_name, "pmtu flush: unexpected '%s'",
	"[TUNNEL]", NULL,
};

/* TUNNEL or NULL; exit 2 on a bad command line. */
static const char *parse_pmtu_args(int argc, char **argv, bool *json)
{
	struct pmtu_args a = {};

	if (opts_parse(json ? &pmtu_show_cmd : &pmtu_flush_cmd, argc, argv, &a, NULL))
		usage_exit();
	if (json)
		*json = a.json;
	return a.name;
}

int pmtu_parse_check(int argc, char **argv)
{
	struct pmtu_args a = {};

	return opts_parse(&pmtu_show_cmd, argc, argv, &a, NULL);
}

int cmd_pmtu_show(int argc, char **argv)
{
	struct pmtu_ctx c = { .first = true };
	const char *name = parse_pmtu_args(argc, argv, &c.json);
	struct fou_tunnel t;
	int tfd = state_exists() ? map_fd_or_fail(FOU_MAP_TUNNELS) : -1, only = -1;

	if (name)
		only = named_slot("pmtu show", name, tfd);
	pmtu_reader_open(&c.r);
	if (c.json)
		printf("[");
	for (__u32 i = 0; tfd >= 0 && i < FOU_MAX_TUNNELS; i++) {
		if ((only >= 0 && (int)i != only) || bpf_map_lookup_elem(tfd, &i, &t) || !t.name[0])
			continue;
		show_tunnel(i, &t, &c);
	}
	if (c.json)
		printf("]\n");
	pmtu_reader_close(&c.r);
	if (tfd >= 0)
		close(tfd);
	return EXIT_OK;
}

/* ---------------------------------------------------------------- pmtu flush */

/* Forget what @slot learned; says what it was. Returns the bits 1 (a path
 * MTU) and 2 (a redirect). */
static int flush_slot(int pfd, int tfd, __u32 slot)
{
	static const struct fou_tun_path zero;
	struct fou_tun_path p;
	struct fou_tunnel t = {};
	char gw[INET_ADDRSTRLEN];

	if (bpf_map_lookup_elem(pfd, &slot, &p) || (!p.pmtu && !p.redirect_ns))
		return 0;
	if (bpf_map_update_elem(pfd, &slot, &zero, BPF_ANY))
		fail("pmtu flush: cannot write %s: %s", FOU_MAP_TUN_PATH, strerror(errno));
	if (bpf_map_lookup_elem(tfd, &slot, &t) || !t.name[0])
		snprintf(t.name, sizeof(t.name), "(slot %u)", slot);
	printf("tunnel %s:", t.name);
	if (p.pmtu)
		printf(" pmtu %u forgotten", p.pmtu);
	format_addr(&p.redirect_gw, FOU_FAMILY_IPV4, gw, sizeof(gw));
	if (p.redirect_ns)
		printf("%s redirect to %s forgotten", p.pmtu ? "," : "", gw);
	printf("\n");
	return (p.pmtu ? 1 : 0) | (p.redirect_ns ? 2 : 0);
}

int cmd_pmtu_flush(int argc, char **argv)
{
	const char *name = parse_pmtu_args(argc, argv, NULL);
	int tfd = -1, pfd = -1, only = -1, pmtus = 0, redirects = 0;

	if (state_exists_locked())
		tfd = map_fd_or_fail(FOU_MAP_TUNNELS);
	if (name)
		only = named_slot("pmtu flush", name, tfd);
	if (tfd >= 0)
		pfd = map_fd(FOU_MAP_TUN_PATH);
	for (__u32 i = 0; pfd >= 0 && i < FOU_MAX_TUNNELS; i++) {
		int got;

		if (only >= 0 && (int)i != only)
			continue;
		got = flush_slot(pfd, tfd, i);
		pmtus += got & 1;
		redirects += !!(got & 2);
	}
	printf("flushed %d path MTU%s, %d redirect%s\n", pmtus, pmtus == 1 ? "" : "s", redirects,
	       redirects == 1 ? "" : "s");
	if (pfd >= 0)
		close(pfd);
	if (tfd >= 0)
		close(tfd);
	return EXIT_OK;
}
