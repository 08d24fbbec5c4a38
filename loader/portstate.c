// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Receive-port state across the maps (see portstate.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "portstate.h"

int fou_port_fds_from_obj(struct bpf_object *obj, struct fou_port_fds *m)
{
	m->slots = bpf_object__find_map_fd_by_name(obj, FOU_MAP_PORT_SLOT);
	m->ports = bpf_object__find_map_fd_by_name(obj, FOU_MAP_PORTS);
	m->peers = bpf_object__find_map_fd_by_name(obj, FOU_MAP_PEERS);
	m->port_stats = bpf_object__find_map_fd_by_name(obj, FOU_MAP_PORT_STATS);
	return m->slots < 0 || m->ports < 0 || m->peers < 0 || m->port_stats < 0 ? -ENOENT : 0;
}

static int set_slot(int fd, const struct fou_port_key *key, __u16 value)
{
	__u32 idx = FOU_PORT_INDEX(key->family, key->port);

	return bpf_map_update_elem(fd, &idx, &value, BPF_ANY) ? -errno : 0;
}

int fou_port_find(const struct fou_port_fds *m, const struct fou_port_key *key,
		  struct fou_port *out, __u32 *slot)
{
	__u32 idx = FOU_PORT_INDEX(key->family, key->port);
	__u16 s = 0;

	if (bpf_map_lookup_elem(m->slots, &idx, &s))
		return -errno;
	if (!s)
		return -ENOENT;
	*slot = s - 1u;
	if (bpf_map_lookup_elem(m->ports, slot, out))
		return -errno;
	return out->port == key->port && out->family == key->family ? 0 : -ENOENT;
}

int fou_port_list(const struct fou_port_fds *m, struct fou_port *out, __u32 *slots, int max)
{
	int n = 0;

	for (__u32 i = 0; i < FOU_MAX_PORTS && n < max; i++) {
		if (bpf_map_lookup_elem(m->ports, &i, &out[n]) || !out[n].port)
			continue;
		slots[n++] = i;
	}
	return n;
}

static int free_slot(int ports_fd, __u32 *slot)
{
	struct fou_port v;

	for (__u32 i = 0; i < FOU_MAX_PORTS; i++) {
		if (!bpf_map_lookup_elem(ports_fd, &i, &v) && !v.port) {
			*slot = i;
			return 0;
		}
	}
	return -ENOSPC;
}

int fou_slot_zero(int fd, __u32 slot, size_t size, bool percpu)
{
	int n = percpu ? libbpf_num_possible_cpus() : 1, err = 0;
	void *zero;

	if (n <= 0)
		return n ? n : -EINVAL;
	zero = calloc(n, size);
	if (!zero)
		return -ENOMEM;
	if (bpf_map_update_elem(fd, &slot, zero, BPF_ANY))
		err = -errno;
	free(zero);
	return err;
}

/* Few peers live in the port itself; more go to the fou_peers hash. */
static int place_peers(int peers_fd, struct fou_port *port,
		       const struct fou_peer_spec *peers, int npeers)
{
	if (npeers <= FOU_PORT_INLINE_PEERS) {
		for (int i = 0; i < npeers; i++) {
			port->peers[i].addr = peers[i].addr;
			port->peers[i].port = peers[i].peer_port;
		}
		port->npeers = npeers;
		return 0;
	}
	port->flags |= FOU_PORT_F_PEERS_HASH;
	for (int i = 0; i < npeers; i++) {
		struct fou_peer_key pk = { .port = port->port, .family = port->family,
					   .addr = peers[i].addr };
		struct fou_peer pv = { .peer_port = peers[i].peer_port };

		if (bpf_map_update_elem(peers_fd, &pk, &pv, BPF_ANY))
			return -errno;
	}
	return 0;
}

int fou_port_install(const struct fou_port_fds *m, const struct fou_port_key *key,
		     struct fou_port *port, const struct fou_peer_spec *peers, int npeers)
{
	struct fou_port existing;
	__u32 slot;
	int err;

	if (!fou_port_find(m, key, &existing, &slot))
		return -EEXIST;
	port->port = key->port;
	port->family = key->family;
	port->flags &= ~FOU_PORT_F_PEERS_HASH;
	port->npeers = 0;
	memset(port->peers, 0, sizeof(port->peers));
	err = free_slot(m->ports, &slot);
	if (!err)
		err = fou_slot_zero(m->port_stats, slot, sizeof(struct fou_port_stats), true);
	if (!err)
		err = place_peers(m->peers, port, peers, npeers);
	if (!err && bpf_map_update_elem(m->ports, &slot, port, BPF_ANY))
		err = -errno;
	if (!err)
		err = set_slot(m->slots, key, slot + 1);
	return err;
}

/* Delete every hashed peer of @key; keys are collected first so that the
 * iteration is stable. */
static int delete_hashed_peers(int fd, const struct fou_port_key *key)
{
	struct fou_peer_key k, *prev = NULL, *doomed = calloc(FOU_MAX_PEERS, sizeof(k));
	int n = 0;

	if (!doomed)
		return -ENOMEM;
	while (!bpf_map_get_next_key(fd, prev, &k)) {
		if (k.port == key->port && k.family == key->family && n < FOU_MAX_PEERS)
			doomed[n++] = k;
		prev = &k;
	}
	for (int i = 0; i < n; i++)
		bpf_map_delete_elem(fd, &doomed[i]);
	free(doomed);
	return 0;
}

int fou_port_remove(const struct fou_port_fds *m, const struct fou_port_key *key)
{
	struct fou_port existing, empty = {};
	__u32 slot;
	int err;

	err = fou_port_find(m, key, &existing, &slot);
	if (!err)
		err = set_slot(m->slots, key, 0);
	if (!err && bpf_map_update_elem(m->ports, &slot, &empty, BPF_ANY))
		err = -errno;
	if (!err && (existing.flags & FOU_PORT_F_PEERS_HASH))
		err = delete_hashed_peers(m->peers, key);
	return err;
}

int fou_port_peers(const struct fou_port_fds *m, const struct fou_port *port,
		   struct fou_peer_spec *out, int max)
{
	struct fou_peer_key k, *prev = NULL;
	struct fou_peer v;
	int n = 0;

	if (!(port->flags & FOU_PORT_F_PEERS_HASH)) {
		for (int i = 0; i < port->npeers && i < FOU_PORT_INLINE_PEERS && n < max; i++, n++) {
			out[n].addr = port->peers[i].addr;
			out[n].peer_port = port->peers[i].port;
		}
		return n;
	}
	while (n < max && !bpf_map_get_next_key(m->peers, prev, &k)) {
		prev = &k;
		if (k.port != port->port || k.family != port->family ||
		    bpf_map_lookup_elem(m->peers, &k, &v))
			continue;
		out[n].addr = k.addr;
		out[n++].peer_port = v.peer_port;
	}
	return n;
}

int fou_port_stats_sum(const struct fou_port_fds *m, __u32 slot, struct fou_port_stats *out)
{
	int ncpu = libbpf_num_possible_cpus();
	struct fou_port_stats *vals;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(m->port_stats, &slot, vals))
		err = -errno;
	for (int c = 0; !err && c < ncpu; c++) {
		out->rx_packets += vals[c].rx_packets;
		out->rx_bytes += vals[c].rx_bytes;
		out->drop_packets += vals[c].drop_packets;
	}
	free(vals);
	return err;
}

int fou_local_addr_set(int fd, __u8 family, const struct fou_addr *addr, __u32 kind)
{
	struct fou_local_key k;

	memset(&k, 0, sizeof(k));
	k.family = family;
	if (family == FOU_FAMILY_IPV4)
		k.addr.ip4 = addr->ip4;
	else
		k.addr = *addr;
	if (!kind)
		return bpf_map_delete_elem(fd, &k) && errno != ENOENT ? -errno : 0;
	return bpf_map_update_elem(fd, &k, &kind, BPF_ANY) ? -errno : 0;
}

void fou_local_inline_add(struct fou_local_inline *li, __u8 family, const struct fou_addr *addr,
			  __u32 kind)
{
	if (family == FOU_FAMILY_IPV4) {
		if (li->n4 == FOU_LOCAL_INLINE) {
			li->more4 = 1;
			return;
		}
		li->v4[li->n4] = addr->ip4;
		li->kind4[li->n4++] = kind;
		return;
	}
	if (li->n6 == FOU_LOCAL_INLINE) {
		li->more6 = 1;
		return;
	}
	li->v6[li->n6] = *addr;
	li->kind6[li->n6++] = kind;
}
