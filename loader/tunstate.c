// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Tunnel and route state across the maps (see tunstate.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "portstate.h"
#include "tunstate.h"

int fou_tun_fds_from_obj(struct bpf_object *obj, struct fou_tun_fds *m)
{
	memset(m, 0, sizeof(*m));
	m->tunnels = bpf_object__find_map_fd_by_name(obj, FOU_MAP_TUNNELS);
	m->stats = bpf_object__find_map_fd_by_name(obj, FOU_MAP_TUN_STATS);
	m->gre_seq = bpf_object__find_map_fd_by_name(obj, FOU_MAP_TUN_GRE_SEQ);
	m->index = bpf_object__find_map_fd_by_name(obj, FOU_MAP_TUN_INDEX);
	m->path = bpf_object__find_map_fd_by_name(obj, FOU_MAP_TUN_PATH);
	m->icmp_bucket = bpf_object__find_map_fd_by_name(obj, FOU_MAP_ICMP_BUCKET);
	m->icmp = bpf_object__find_map_fd_by_name(obj, FOU_MAP_TUN_ICMP);
	m->routes4 = bpf_object__find_map_fd_by_name(obj, FOU_MAP_ROUTES4);
	m->routes6 = bpf_object__find_map_fd_by_name(obj, FOU_MAP_ROUTES6);
	m->route_count = bpf_object__find_map_fd_by_name(obj, FOU_MAP_ROUTE_COUNT);
	m->route_filter = bpf_object__find_map_fd_by_name(obj, FOU_MAP_ROUTE_FILTER);
	return m->tunnels < 0 || m->routes4 < 0 || m->routes6 < 0 ? -ENOENT : 0;
}

static void warn(const struct fou_tun_fds *m, int step, const char *map, const char *name,
		 __u32 slot, int err)
{
	if (m->warn)
		m->warn(step, map, name, slot, err);
}

/* ---------------------------------------------------------------- tunnels */

int fou_tunnel_find(const struct fou_tun_fds *m, const char *name, struct fou_tunnel *out,
		    int *free_slot)
{
	struct fou_tunnel t;

	if (free_slot)
		*free_slot = -ENOSPC;
	for (__u32 i = 0; i < FOU_MAX_TUNNELS; i++) {
		if (bpf_map_lookup_elem(m->tunnels, &i, &t))
			continue;
		if (!t.name[0]) {
			if (free_slot && *free_slot < 0)
				*free_slot = i;
			continue;
		}
		if (!strncmp(t.name, name, sizeof(t.name))) {
			if (out)
				*out = t;
			return i;
		}
	}
	return -ENOENT;
}

int fou_tunnel_get(const struct fou_tun_fds *m, __u32 slot, struct fou_tunnel *out)
{
	if (bpf_map_lookup_elem(m->tunnels, &slot, out)) {
		memset(out, 0, sizeof(*out));
		return -errno;
	}
	return out->name[0] ? 0 : -ENOENT;
}

/* Entry @slot of @fd back to zero (on every CPU when @percpu); an absent
 * map (fd < 0) has nothing to reset. */
static int zero_slot(int fd, __u32 slot, size_t size, bool percpu)
{
	return fd < 0 ? 0 : fou_slot_zero(fd, slot, size, percpu);
}

/*
 * fou_tun_index ({local, remote, dport, family} -> slot) is written only
 * here, in step with fou_tunnels: the BPF finds a tunnel from the quote of
 * an ICMP error with it. fou_tun_path, fou_icmp_bucket and fou_tun_icmp are
 * per slot, so a slot that gets another tunnel, or a tunnel another path,
 * must not inherit what was learned about the old one.
 */
static void index_key(const struct fou_tunnel *t, struct fou_tun_index_key *k)
{
	memset(k, 0, sizeof(*k));
	k->local = t->local;
	k->remote = t->remote;
	k->dport = t->dport;
	k->family = t->family;
}

bool fou_tunnel_same_path(const struct fou_tunnel *a, const struct fou_tunnel *b)
{
	struct fou_tun_index_key x, y;

	index_key(a, &x);
	index_key(b, &y);
	return !memcmp(&x, &y, sizeof(x));
}

/* Forget @t's key, unless another slot owns it now (apply may give the key
 * to a new tunnel before the old one goes). */
static void index_drop(const struct fou_tun_fds *m, const struct fou_tunnel *t, __u32 slot)
{
	struct fou_tun_index_key k;
	struct fou_tun_index v;

	if (!t->name[0])
		return;
	index_key(t, &k);
	if (!bpf_map_lookup_elem(m->index, &k, &v) && v.slot == slot &&
	    bpf_map_delete_elem(m->index, &k) && errno != ENOENT)
		warn(m, FOU_TUN_STEP_INDEX_DEL, FOU_MAP_TUN_INDEX, t->name, slot, -errno);
}

static void index_put(const struct fou_tun_fds *m, const struct fou_tunnel *t, __u32 slot)
{
	struct fou_tun_index_key k;
	struct fou_tun_index v = { .slot = slot };

	index_key(t, &k);
	if (bpf_map_update_elem(m->index, &k, &v, BPF_ANY))
		warn(m, FOU_TUN_STEP_INDEX_ADD, FOU_MAP_TUN_INDEX, t->name, slot, -errno);
}

static void reset_one(const struct fou_tun_fds *m, int fd, const char *map, __u32 slot,
		      size_t size, bool percpu)
{
	int err = zero_slot(fd, slot, size, percpu);

	if (err)
		warn(m, FOU_TUN_STEP_RESET, map, "", slot, err);
}

/* Path state of @slot back to nothing learned; with @counters, its ICMP
 * counters too (a new tunnel starts from zero, like its packet counters). */
static void reset_path(const struct fou_tun_fds *m, __u32 slot, bool counters)
{
	reset_one(m, m->path, FOU_MAP_TUN_PATH, slot, sizeof(struct fou_tun_path), false);
	reset_one(m, m->icmp_bucket, FOU_MAP_ICMP_BUCKET, slot, sizeof(struct fou_icmp_bucket),
		  false);
	if (counters)
		reset_one(m, m->icmp, FOU_MAP_TUN_ICMP, slot, sizeof(struct fou_tun_icmp), true);
}

/*
 * Before @slot changes from @old to @new (empty name: no tunnel): when the
 * path changes, the old key goes and the path state is reset, so from here
 * until index_after() no error can match the slot and nothing learned about
 * the old path survives.
 */
static void index_before(const struct fou_tun_fds *m, __u32 slot, const struct fou_tunnel *old,
			 const struct fou_tunnel *new)
{
	bool other = !old->name[0] || strncmp(old->name, new->name, sizeof(old->name));

	if ((!other && fou_tunnel_same_path(old, new)) || m->index < 0)
		return;
	index_drop(m, old, slot);
	reset_path(m, slot, other);
}

/* After the write: @new's key names @slot. */
static void index_after(const struct fou_tun_fds *m, __u32 slot, const struct fou_tunnel *new)
{
	if (new->name[0] && m->index >= 0)
		index_put(m, new, slot);
}

/* A new tunnel's counters start at 0, and its GRE sequence numbers too, as
 * the kernel's do. */
static void zero_new_slot(const struct fou_tun_fds *m, __u32 slot)
{
	int err = zero_slot(m->stats, slot, sizeof(struct fou_tun_stats), true);

	if (err)
		warn(m, FOU_TUN_STEP_STATS, FOU_MAP_TUN_STATS, "", slot, err);
	err = zero_slot(m->gre_seq, slot, sizeof(struct fou_tun_gre_seq), false);
	if (err)
		warn(m, FOU_TUN_STEP_GRE_SEQ, FOU_MAP_TUN_GRE_SEQ, "", slot, err);
}

int fou_tunnel_put(const struct fou_tun_fds *m, int slot, const struct fou_tunnel *t)
{
	struct fou_tunnel old = {};
	int err = 0;

	if (slot < 0) {
		fou_tunnel_find(m, t->name, NULL, &slot);
		if (slot < 0)
			return -ENOSPC;
		zero_new_slot(m, slot);
	}
	if (bpf_map_lookup_elem(m->tunnels, &slot, &old))
		memset(&old, 0, sizeof(old));
	index_before(m, slot, &old, t);
	if (bpf_map_update_elem(m->tunnels, &slot, t, BPF_ANY))
		err = -errno;
	index_after(m, slot, err ? &old : t);
	return err ? err : slot;
}

int fou_tunnel_same_key(const struct fou_tun_fds *m, const struct fou_tunnel *t,
			struct fou_tunnel *other)
{
	for (__u32 i = 0; i < FOU_MAX_TUNNELS; i++) {
		if (bpf_map_lookup_elem(m->tunnels, &i, other) || !other->name[0] ||
		    !strncmp(other->name, t->name, sizeof(t->name)))
			continue;
		if (fou_tunnel_same_path(other, t))
			return i;
	}
	return -ENOENT;
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

int fou_tun_index_sync(const struct fou_tun_fds *m)
{
	struct fou_tunnel *tunnels;

	if (m->index < 0)
		return 0;
	tunnels = calloc(FOU_MAX_TUNNELS, sizeof(*tunnels));
	if (!tunnels)
		return -ENOMEM;
	for (__u32 i = 0; i < FOU_MAX_TUNNELS; i++)
		if (bpf_map_lookup_elem(m->tunnels, &i, &tunnels[i]))
			memset(&tunnels[i], 0, sizeof(tunnels[i]));
	drop_stale_keys(m->index, tunnels);
	for (int i = 0; i < FOU_MAX_TUNNELS; i++) {
		struct fou_tun_index_key k;
		struct fou_tun_index v;

		if (!tunnels[i].name[0])
			continue;
		index_key(&tunnels[i], &k);
		if (wanted_slot(tunnels, &k) == i &&
		    (bpf_map_lookup_elem(m->index, &k, &v) || (int)v.slot != i))
			index_put(m, &tunnels[i], i);
	}
	free(tunnels);
	return 0;
}

/* ---------------------------------------------------------------- routes */

union route_key {
	struct fou_route4_key k4;
	struct fou_route6_key k6;
};

static int route_fd(const struct fou_tun_fds *m, int family)
{
	return family == FOU_FAMILY_IPV4 ? m->routes4 : m->routes6;
}

static void route_key(const struct prefix *p, union route_key *key)
{
	memset(key, 0, sizeof(*key));
	if (p->family == FOU_FAMILY_IPV4) {
		key->k4.prefixlen = p->len;
		key->k4.addr = p->addr.ip4;
		return;
	}
	key->k6.prefixlen = p->len;
	memcpy(key->k6.addr, p->addr.ip6, 16);
}

int fou_route_put(const struct fou_tun_fds *m, const struct prefix *p, __u32 tunnel_slot,
		  __u64 flags)
{
	struct fou_route r = { .tunnel = tunnel_slot };
	union route_key key;

	route_key(p, &key);
	return bpf_map_update_elem(route_fd(m, p->family), &key, &r, flags) ? -errno : 0;
}

int fou_route_remove(const struct fou_tun_fds *m, const struct prefix *p)
{
	union route_key key;

	route_key(p, &key);
	return bpf_map_delete_elem(route_fd(m, p->family), &key) ? -errno : 0;
}

void fou_route_each(const struct fou_tun_fds *m, int family,
		    void (*fn)(const struct prefix *, __u32, void *), void *arg)
{
	union route_key key, *prev = NULL;
	struct fou_route r;
	int fd = route_fd(m, family);

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
}

struct route_users {
	__u32 slot;
	int n;
};

static void count_user(const struct prefix *p, __u32 slot, void *arg)
{
	struct route_users *c = arg;

	(void)p;
	if (slot == c->slot)
		c->n++;
}

int fou_routes_using(const struct fou_tun_fds *m, __u32 slot)
{
	struct route_users c = { slot, 0 };

	fou_route_each(m, FOU_FAMILY_IPV4, count_user, &c);
	fou_route_each(m, FOU_FAMILY_IPV6, count_user, &c);
	return c.n;
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

/* XDP checks forwarding only while a route exists, and only for
 * destinations the filter says some route may cover. */
int fou_route_sync(const struct fou_tun_fds *m)
{
	struct fou_route_count c = {};
	struct fou_route_filter f = { .valid = 1 };
	__u32 zero = 0;

	fou_route_each(m, FOU_FAMILY_IPV4, count_one, &c.v4);
	fou_route_each(m, FOU_FAMILY_IPV6, count_one, &c.v6);
	fou_route_each(m, FOU_FAMILY_IPV4, filter_v4, &f);
	fou_route_each(m, FOU_FAMILY_IPV6, filter_v6, &f);
	f.v4_routes = c.v4;
	f.v6_routes = c.v6;
	/* the filter first: until the count matches it, it is not used */
	if (bpf_map_update_elem(m->route_filter, &zero, &f, BPF_ANY) ||
	    bpf_map_update_elem(m->route_count, &zero, &c, BPF_ANY))
		return -errno;
	return 0;
}
