/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Tunnel and route state in the maps: the one place that knows how a tunnel
 * is laid out across fou_tunnels, fou_tun_index and its per-slot maps, and a
 * route across fou_routes4/6, fou_route_count and fou_route_filter (see
 * include/fou_maps.h), as portstate.h is for ports. fouloader and the tests
 * configure the programs through it. Returns 0 (or a slot) or -errno; never
 * exits or prints.
 */
#ifndef FOU_TUNSTATE_H
#define FOU_TUNSTATE_H

#include <stdbool.h>
#include <linux/types.h>
#include "fou_maps.h"

struct bpf_object;

/* The maps; a negative fd is a map a pin root made before it lacks, which
 * then holds nothing to keep in step (fou_tun_index and the ICMP maps). */
struct fou_tun_fds {
	int tunnels;     /* fou_tunnels */
	int stats;       /* fou_tun_stats */
	int gre_seq;     /* fou_tun_gre_seq */
	int index;       /* fou_tun_index */
	int path;        /* fou_tun_path */
	int icmp_bucket; /* fou_icmp_bucket */
	int icmp;        /* fou_tun_icmp */
	int routes4, routes6;
	int route_count, route_filter;
	/* Steps that fail without stopping a write (a counter not reset, a
	 * key not indexed) are told here, if set: @step is a FOU_TUN_STEP_*,
	 * @map the map's name, @name the tunnel's. */
	void (*warn)(int step, const char *map, const char *name, __u32 slot, int err);
};

enum {
	FOU_TUN_STEP_STATS,     /* resetting a new tunnel's counters */
	FOU_TUN_STEP_GRE_SEQ,   /* resetting its GRE sequence */
	FOU_TUN_STEP_RESET,     /* resetting a slot's learned path state */
	FOU_TUN_STEP_INDEX_DEL, /* removing a key from fou_tun_index */
	FOU_TUN_STEP_INDEX_ADD, /* adding one */
};

/* An inner destination prefix. */
struct prefix {
	int family; /* FOU_FAMILY_* */
	__u32 len;
	struct fou_addr addr;
};

/* The maps of a loaded (unpinned) object, for tests and benchmarks. */
int fou_tun_fds_from_obj(struct bpf_object *obj, struct fou_tun_fds *m);

/* fou_tunnel_find, _get and _same_key read @m->tunnels only: a reader may
 * fill in just that. */

/* The slot of tunnel @name (-ENOENT if none), copied to @out if set;
 * *free_slot, if set, gets the first free slot (-ENOSPC if none). */
int fou_tunnel_find(const struct fou_tun_fds *m, const char *name, struct fou_tunnel *out,
		    int *free_slot);
/* The tunnel in @slot; -ENOENT if the slot is free (@out then empty). */
int fou_tunnel_get(const struct fou_tun_fds *m, __u32 slot, struct fou_tunnel *out);
/* Write @t to @slot (a free one if < 0; an empty name deletes): a new
 * tunnel starts with zeroed counters, a changed one keeps them. Its key in
 * fou_tun_index follows, and what ICMP taught about the slot's old path is
 * forgotten. Returns the slot or -errno. */
int fou_tunnel_put(const struct fou_tun_fds *m, int slot, const struct fou_tunnel *t);
/* Do @a and @b have one key in fou_tun_index (local, remote, dport)? */
bool fou_tunnel_same_path(const struct fou_tunnel *a, const struct fou_tunnel *b);
/* The slot of a tunnel other than @t->name with @t's key (copied to
 * @other), or -ENOENT. */
int fou_tunnel_same_key(const struct fou_tun_fds *m, const struct fou_tunnel *t,
			struct fou_tunnel *other);
/* Make fou_tun_index exactly the keys of fou_tunnels (repairs a pin root
 * written before the index existed, or by a command killed half way). */
int fou_tun_index_sync(const struct fou_tun_fds *m);

/* Add (@flags BPF_NOEXIST: -EEXIST if there is one) or change the route
 * for @p; fou_route_sync() then updates the count and filter. */
int fou_route_put(const struct fou_tun_fds *m, const struct prefix *p, __u32 tunnel_slot,
		  __u64 flags);
int fou_route_remove(const struct fou_tun_fds *m, const struct prefix *p);
/* Call @fn for every route of @family. */
void fou_route_each(const struct fou_tun_fds *m, int family,
		    void (*fn)(const struct prefix *, __u32, void *), void *arg);
/* How many routes go into tunnel slot @slot. */
int fou_routes_using(const struct fou_tun_fds *m, __u32 slot);
/* fou_route_count and fou_route_filter from the tries themselves. */
int fou_route_sync(const struct fou_tun_fds *m);

#endif /* FOU_TUNSTATE_H */
