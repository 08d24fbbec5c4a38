/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Receive-port state in the maps: the one place that knows how a port is laid
 * out across fou_port_slot, fou_ports, fou_peers and fou_port_stats (see
 * include/fou_maps.h). fouloader and the tests configure the programs through
 * it, so they cannot drift apart. Returns 0 or -errno; never exits.
 */
#ifndef FOU_PORTSTATE_H
#define FOU_PORTSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "fou_maps.h"

struct bpf_object;

struct fou_port_fds {
	int slots;
	int ports;
	int peers;
	int port_stats;
};

/* Identifies a port: (UDP port in host order, outer family). */
struct fou_port_key {
	__u16 port;
	__u8 family;
};

struct fou_peer_spec {
	struct fou_addr addr;
	__u16 peer_port; /* host order; 0 = any */
};

/* The maps of a loaded (unpinned) object, for tests and benchmarks. */
int fou_port_fds_from_obj(struct bpf_object *obj, struct fou_port_fds *m);

/* Add a port with its peers; @port's kind, ipproto, flags, ifindex and local
 * are taken, the rest is filled in. The port goes live last, when complete. */
int fou_port_install(const struct fou_port_fds *m, const struct fou_port_key *key,
		     struct fou_port *port, const struct fou_peer_spec *peers, int npeers);
/* Remove a port: it stops matching first, then its state goes. */
int fou_port_remove(const struct fou_port_fds *m, const struct fou_port_key *key);
/* Look a port up; -ENOENT if there is none. */
int fou_port_find(const struct fou_port_fds *m, const struct fou_port_key *key,
		  struct fou_port *out, __u32 *slot);
/* Every port in slot order; returns how many (at most @max). */
int fou_port_list(const struct fou_port_fds *m, struct fou_port *out, __u32 *slots, int max);
/* A port's peers, inline or hashed; returns how many (at most @max). */
int fou_port_peers(const struct fou_port_fds *m, const struct fou_port *port,
		   struct fou_peer_spec *out, int max);
/* A port's counters summed over CPUs. */
int fou_port_stats_sum(const struct fou_port_fds *m, __u32 slot, struct fou_port_stats *out);

/* Entry @slot of the array @fd back to zero (on every CPU when @percpu,
 * @size bytes each). */
int fou_slot_zero(int fd, __u32 slot, size_t size, bool percpu);

/* Mark @addr (@family) as this host's in fou_local_addrs (@fd), as @kind
 * (FOU_LOCAL_*), or forget it (@kind 0). */
int fou_local_addr_set(int fd, __u8 family, const struct fou_addr *addr, __u32 kind);
/* Add @addr to the in-place set @li (fou_local_inline), or mark it as having
 * more than fit. */
void fou_local_inline_add(struct fou_local_inline *li, __u8 family, const struct fou_addr *addr,
			  __u32 kind);

#endif /* FOU_PORTSTATE_H */
