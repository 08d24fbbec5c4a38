// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What ICMP errors taught about each tunnel's path (fou_tun_path, kept in
 * step with the tunnels by tunstate.c), and its ICMP counters.
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

/* ---------------------------------------------------------------- counters */

void tunnel_icmp_sum(__u32 slot, struct fou_tun_icmp *t)
{
	int fd = map_fd(FOU_MAP_TUN_ICMP);

	percpu_sum_u64(fd, slot, sizeof(*t), t);
	if (fd >= 0)
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
	bool json;
	struct json j;
	struct pmtu_reader r;
};

/* Nothing learned: @what null, or "  @what none". */
static void show_none(struct pmtu_ctx *c, const char *what)
{
	if (c->json)
		json_knull(&c->j, what);
	else
		printf("  %s none\n", what);
}

/* The JSON members age_s, expires_s and expired, closing the object. */
static void end_learned(struct json *j, const struct learned_age *a)
{
	json_ku64(j, "age_s", a->age_s);
	json_ku64(j, "expires_s", a->left_s);
	json_kbool(j, "expired", a->expired);
	json_end(j);
}

static void show_pmtu_part(const struct fou_tunnel *t, const struct fou_tun_path *p,
			   struct pmtu_ctx *c)
{
	char from[INET6_ADDRSTRLEN];
	struct learned_age a;
	unsigned int inner;

	if (!p->pmtu) {
		show_none(c, "pmtu");
		return;
	}
	learned_age(p->pmtu_ns, c->r.now, c->r.expire_s, &a);
	format_addr(&p->pmtu_from, t->family, from, sizeof(from));
	inner = p->pmtu > overhead(t) ? p->pmtu - overhead(t) : 0;
	if (c->json) {
		json_kobject(&c->j, "pmtu");
		json_ku64(&c->j, "mtu", p->pmtu);
		json_ku64(&c->j, "inner_mtu", inner);
		json_kstr(&c->j, "from", from);
		end_learned(&c->j, &a);
	} else if (a.expired)
		printf("  pmtu %u inner-mtu %u from %s age %llus expired\n", p->pmtu, inner, from,
		       a.age_s);
	else
		printf("  pmtu %u inner-mtu %u from %s age %llus expires %llus\n", p->pmtu, inner,
		       from, a.age_s, a.left_s);
}

static void show_redirect_part(const struct fou_tun_path *p, struct pmtu_ctx *c)
{
	char gw[INET_ADDRSTRLEN], from[INET_ADDRSTRLEN];
	struct learned_age a;

	if (!p->redirect_ns) {
		show_none(c, "redirect");
		return;
	}
	learned_age(p->redirect_ns, c->r.now, c->r.expire_s, &a);
	format_addr(&p->redirect_gw, FOU_FAMILY_IPV4, gw, sizeof(gw));
	format_addr(&p->redirect_from, FOU_FAMILY_IPV4, from, sizeof(from));
	if (c->json) {
		json_kobject(&c->j, "redirect");
		json_kstr(&c->j, "gateway", gw);
		json_kstr(&c->j, "from", from);
		end_learned(&c->j, &a);
	} else if (a.expired)
		printf("  redirect gateway %s from %s age %llus expired\n", gw, from, a.age_s);
	else
		printf("  redirect gateway %s from %s age %llus expires %llus\n", gw, from, a.age_s,
		       a.left_s);
}

static void show_icmp_part(__u32 slot, struct pmtu_ctx *c)
{
	const char *names[TUN_ICMP_FIELDS];
	__u64 vals[TUN_ICMP_FIELDS];
	struct fou_tun_icmp s;
	int n;

	tunnel_icmp_sum(slot, &s);
	n = tunnel_icmp_fields(&s, names, vals);
	if (c->json)
		json_kobject(&c->j, "icmp");
	else
		printf("  icmp");
	for (int i = 0; i < n; i++) {
		if (c->json) {
			json_ku64(&c->j, names[i], vals[i]);
			continue;
		}
		printf(" ");
		for (const char *ch = names[i]; *ch; ch++)
			putchar(*ch == '_' ? '-' : *ch);
		printf(" %llu", vals[i]);
	}
	if (c->json)
		json_end(&c->j);
	else
		printf("\n");
}

static void show_tunnel(__u32 slot, const struct fou_tunnel *t, struct pmtu_ctx *c)
{
	char local[INET6_ADDRSTRLEN], remote[INET6_ADDRSTRLEN];
	struct fou_tun_path p;

	pmtu_reader_get(&c->r, slot, &p);
	format_addr(&t->local, t->family, local, sizeof(local));
	format_addr(&t->remote, t->family, remote, sizeof(remote));
	if (c->json) {
		json_object(&c->j);
		json_kstr(&c->j, "name", t->name);
		json_ku64(&c->j, "family", t->family);
		json_kstr(&c->j, "local", local);
		json_kstr(&c->j, "remote", remote);
		json_ku64(&c->j, "encap_dport", t->dport);
		json_ku64(&c->j, "overhead", overhead(t));
	} else {
		printf("tunnel %s local %s remote %s encap-dport %u overhead %u\n", t->name, local,
		       remote, t->dport, overhead(t));
	}
	show_pmtu_part(t, &p, c);
	show_redirect_part(&p, c);
	show_icmp_part(slot, c);
	if (c->json)
		json_end(&c->j);
}

/* The slot of tunnel @name; exit 2 if there is none. */
static int named_slot(const char *cmd, const char *name, int tfd)
{
	struct fou_tun_fds m = { .tunnels = tfd };
	int slot = tfd >= 0 ? fou_tunnel_find(&m, name, NULL, NULL) : -1;

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
	struct pmtu_ctx c = {};
	const char *name = parse_pmtu_args(argc, argv, &c.json);
	struct fou_tunnel t;
	int tfd = state_exists() ? map_fd_or_fail(FOU_MAP_TUNNELS) : -1, only = -1;
	struct fou_tun_fds m = { .tunnels = tfd };

	if (name)
		only = named_slot("pmtu show", name, tfd);
	pmtu_reader_open(&c.r);
	json_start(&c.j, stdout);
	if (c.json)
		json_array(&c.j);
	for (__u32 i = 0; tfd >= 0 && i < FOU_MAX_TUNNELS; i++) {
		if ((only >= 0 && (int)i != only) || fou_tunnel_get(&m, i, &t))
			continue;
		show_tunnel(i, &t, &c);
	}
	if (c.json) {
		json_end(&c.j);
		printf("\n");
	}
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
	struct fou_tun_fds m = { .tunnels = tfd };
	struct fou_tunnel t;
	char gw[INET_ADDRSTRLEN];

	if (bpf_map_lookup_elem(pfd, &slot, &p) || (!p.pmtu && !p.redirect_ns))
		return 0;
	if (bpf_map_update_elem(pfd, &slot, &zero, BPF_ANY))
		fail("pmtu flush: cannot write %s: %s", FOU_MAP_TUN_PATH, strerror(errno));
	if (fou_tunnel_get(&m, slot, &t))
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
