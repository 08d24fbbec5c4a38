// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fou_local_addrs: the addresses of this host (the network namespace
 * fouloader runs in), which the receive programs decapsulate to (see
 * check_dest in bpf/lib/decap.h). Written from the kernel's list by every
 * command that creates or changes configuration (ensure_maps), so attach,
 * port add and apply leave it current: new addresses first, then the ones
 * gone are removed, so an address present throughout never disappears.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "fouloader.h"
#include "portstate.h"

struct local_set {
	struct fou_local_key keys[FOU_MAX_LOCAL_ADDRS];
	int n;
	struct fou_local_inline in; /* the first few, for fou_local_inline */
};

static bool set_has(const struct local_set *s, const struct fou_local_key *k);

/* The first kind given for an address stays: every unicast address is
 * added before any broadcast, so a host's own address is never taken for
 * a broadcast one. */
static void set_add(struct local_set *s, int fd, __u8 family, const struct fou_addr *a,
		    __u32 kind)
{
	struct fou_local_key *k, want;
	int err;

	memset(&want, 0, sizeof(want));
	want.family = family;
	want.addr = *a;
	if (s->n == FOU_MAX_LOCAL_ADDRS || set_has(s, &want))
		return;
	err = fou_local_addr_set(fd, family, a, kind);
	if (err)
		fail("cannot update %s: %s", FOU_MAP_LOCAL_ADDRS, strerror(-err));
	k = &s->keys[s->n++];
	memset(k, 0, sizeof(*k));
	k->family = family;
	k->addr = *a;
	fou_local_inline_add(&s->in, family, a, kind);
}

static bool set_has(const struct local_set *s, const struct fou_local_key *k)
{
	for (int i = 0; i < s->n; i++)
		if (!memcmp(&s->keys[i], k, sizeof(*k)))
			return true;
	return false;
}

static __be32 sin_addr(const struct sockaddr *sa)
{
	return ((const struct sockaddr_in *)sa)->sin_addr.s_addr;
}

/* The broadcast addresses the kernel routes as such for an IPv4 address
 * (fib_add_ifaddr): the configured one, and on a subnet of up to /30 its
 * all-ones and all-zeros hosts. glibc may report the address itself as
 * ifa_broadaddr where none is configured; set_add keeps it unicast. */
static void add_broadcasts(struct local_set *s, int fd, const struct ifaddrs *i)
{
	struct fou_addr a;
	__be32 mask;

	memset(&a, 0, sizeof(a));
	if ((i->ifa_flags & IFF_BROADCAST) && i->ifa_broadaddr &&
	    i->ifa_broadaddr->sa_family == AF_INET && sin_addr(i->ifa_broadaddr)) {
		a.ip4 = sin_addr(i->ifa_broadaddr);
		set_add(s, fd, FOU_FAMILY_IPV4, &a, FOU_LOCAL_BROADCAST);
	}
	if (!i->ifa_netmask || i->ifa_netmask->sa_family != AF_INET)
		return;
	mask = sin_addr(i->ifa_netmask);
	if (ntohl(mask) > 0xfffffffcu) /* /31 and /32 have no broadcast */
		return;
	a.ip4 = sin_addr(i->ifa_addr) | ~mask;
	set_add(s, fd, FOU_FAMILY_IPV4, &a, FOU_LOCAL_BROADCAST);
	a.ip4 = sin_addr(i->ifa_addr) & mask;
	set_add(s, fd, FOU_FAMILY_IPV4, &a, FOU_LOCAL_BROADCAST);
}

/* Every address of every device, then each IPv4 subnet's broadcasts. */
static void add_current(struct local_set *s, int fd)
{
	struct ifaddrs *ifa, *i;
	struct fou_addr a;

	if (getifaddrs(&ifa))
		fail("cannot list this host's addresses: %s", strerror(errno));
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr)
			continue;
		memset(&a, 0, sizeof(a));
		if (i->ifa_addr->sa_family == AF_INET) {
			a.ip4 = sin_addr(i->ifa_addr);
			set_add(s, fd, FOU_FAMILY_IPV4, &a, FOU_LOCAL_UNICAST);
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			memcpy(a.ip6, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
			set_add(s, fd, FOU_FAMILY_IPV6, &a, FOU_LOCAL_UNICAST);
		}
	}
	for (i = ifa; i; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET)
			add_broadcasts(s, fd, i);
	freeifaddrs(ifa);
}

void local_addrs_sync(int fd, int ifd)
{
	struct local_set *s = calloc(1, sizeof(*s));
	struct fou_local_key kept, next;
	bool have_kept = false;
	__u32 zero = 0;

	if (!s)
		fail("out of memory");
	add_current(s, fd);
	/* The in-place set is one write: whole, between the hash's additions
	 * and its removals, so each address is in one or the other throughout
	 * (a reader racing the write may judge one packet by either set). */
	if (bpf_map_update_elem(ifd, &zero, &s->in, BPF_ANY))
		fail("cannot update %s: %s", FOU_MAP_LOCAL_INLINE, strerror(errno));
	/* Then what is gone. The walk goes on from the last key kept; a
	 * deleted key is never asked for its successor. */
	while (!bpf_map_get_next_key(fd, have_kept ? &kept : NULL, &next)) {
		if (set_has(s, &next)) {
			kept = next;
			have_kept = true;
		} else if (fou_local_addr_set(fd, next.family, &next.addr, 0)) {
			break;
		}
	}
	free(s);
}
