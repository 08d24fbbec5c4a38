// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Receive-port state across the maps (see portstate.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "portstate.h"

static int set_bitmap(int fd, const struct fou_port_key *key, bool on)
{
	__u32 word = FOU_PORT_BITMAP_WORD(key->family, key->port);
	__u64 bits = 0;

	if (bpf_map_lookup_elem(fd, &word, &bits))
		return -errno;
	if (on)
		bits |= FOU_PORT_BITMAP_BIT(key->port);
	else
		bits &= ~FOU_PORT_BITMAP_BIT(key->port);
	return bpf_map_update_elem(fd, &word, &bits, BPF_ANY) ? -errno : 0;
}

/* The lowest counter slot no port uses. */
static int free_stats_slot(int ports_fd, __u32 *slot)
{
	bool used[FOU_MAX_PORTS] = {};
	struct fou_port_key k, *prev = NULL;
	struct fou_port v;

	while (!bpf_map_get_next_key(ports_fd, prev, &k)) {
		if (!bpf_map_lookup_elem(ports_fd, &k, &v) && v.stats_slot < FOU_MAX_PORTS)
			used[v.stats_slot] = true;
		prev = &k;
	}
	for (__u32 i = 0; i < FOU_MAX_PORTS; i++) {
		if (!used[i]) {
			*slot = i;
			return 0;
		}
	}
	return -ENOSPC;
}

static int zero_stats(int fd, __u32 slot)
{
	int ncpu = libbpf_num_possible_cpus();
	struct fou_port_stats *zero;
	int err = 0;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	zero = calloc(ncpu, sizeof(*zero));
	if (!zero)
		return -ENOMEM;
	if (bpf_map_update_elem(fd, &slot, zero, BPF_ANY))
		err = -errno;
	free(zero);
	return err;
}

int fou_port_install(const struct fou_port_fds *m, const struct fou_port_key *key,
		     struct fou_port *port, const struct fou_peer_spec *peers, int npeers)
{
	struct fou_port existing;
	int err;

	if (!bpf_map_lookup_elem(m->ports, key, &existing))
		return -EEXIST;
	err = free_stats_slot(m->ports, &port->stats_slot);
	if (!err)
		err = zero_stats(m->port_stats, port->stats_slot);
	for (int i = 0; !err && i < npeers; i++) {
		struct fou_peer_key pk = { .port = key->port, .family = key->family,
					   .addr = peers[i].addr };
		struct fou_peer pv = { .peer_port = peers[i].peer_port };

		if (bpf_map_update_elem(m->peers, &pk, &pv, BPF_ANY))
			err = -errno;
	}
	if (!err && bpf_map_update_elem(m->ports, key, port, BPF_NOEXIST))
		err = -errno;
	if (!err)
		err = set_bitmap(m->port_bitmap, key, true);
	return err;
}

/* Delete every peer of @key; keys are collected first so iteration is stable. */
static int delete_peers(int fd, const struct fou_port_key *key)
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
	struct fou_port existing;
	int err;

	if (bpf_map_lookup_elem(m->ports, key, &existing))
		return -ENOENT;
	err = set_bitmap(m->port_bitmap, key, false);
	if (!err && bpf_map_delete_elem(m->ports, key))
		err = -errno;
	if (!err)
		err = delete_peers(m->peers, key);
	return err;
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
