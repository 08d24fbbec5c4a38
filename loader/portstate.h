/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Receive-port state in the maps: the one place that knows how a port is laid
 * out across fou_ports, fou_peers, fou_port_stats and fou_port_bitmap. Used by
 * fouloader and by the tests, which configure the programs exactly the same
 * way. Returns 0 or -errno; never exits.
 */
#ifndef FOU_PORTSTATE_H
#define FOU_PORTSTATE_H

#include <linux/types.h>
#include "fou_maps.h"

struct fou_port_fds {
	int ports;
	int peers;
	int port_stats;
	int port_bitmap;
};

struct fou_peer_spec {
	struct fou_addr addr;
	__u16 peer_port; /* host order; 0 = any */
};

/* Add a port with its peers; the port goes live last, when complete. */
int fou_port_install(const struct fou_port_fds *m, const struct fou_port_key *key,
		     struct fou_port *port, const struct fou_peer_spec *peers, int npeers);
/* Remove a port; it stops matching first, then its peers go. */
int fou_port_remove(const struct fou_port_fds *m, const struct fou_port_key *key);
/* A port's counters summed over CPUs. */
int fou_port_stats_sum(const struct fou_port_fds *m, __u32 slot, struct fou_port_stats *out);

#endif /* FOU_PORTSTATE_H */
