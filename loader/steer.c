// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * attach --steer cpumap: the entries of fou_cpumap. fou_rx_xdp redirects a
 * decapsulated packet to key hash % fou_steer_cpus, and a cpumap key is a
 * CPU id, so steering over N CPUs needs CPUs 0..N-1 online, each with an
 * entry. The map is shared by the devices of a pin root: it holds as many
 * entries as the device steering over the most CPUs needs.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "fouloader.h"

#define STEER_QSIZE 2048 /* frames queued per CPU: a few NAPI rounds */

/* How many CPUs from CPU 0 on are online without a gap (at most
 * FOU_MAX_STEER_CPUS): the CPUs steering can use. */
int steer_online_cpus(void)
{
	FILE *f = fopen("/sys/devices/system/cpu/online", "r");
	unsigned int lo, hi;
	int n = 0, got;

	if (!f)
		return 0;
	got = fscanf(f, "%u-%u", &lo, &hi);
	fclose(f);
	if (got == 1)
		hi = lo; /* "0" or "0,2-3": one CPU in the first range */
	if (got >= 1 && lo == 0)
		n = hi + 1;
	return n > FOU_MAX_STEER_CPUS ? FOU_MAX_STEER_CPUS : n;
}

/* Entries 0..@n-1, each to its own CPU with no program of its own; an
 * entry already there is left alone (replacing it would restart its
 * kthread and drop what it holds). */
int steer_fill(int n)
{
	struct bpf_cpumap_val val = { .qsize = STEER_QSIZE }, cur;
	int fd = map_fd(FOU_MAP_CPUMAP), err = 0;

	if (fd < 0)
		return -errno;
	for (__u32 cpu = 0; cpu < (__u32)n && !err; cpu++) {
		if (!bpf_map_lookup_elem(fd, &cpu, &cur) && cur.qsize)
			continue;
		if (bpf_map_update_elem(fd, &cpu, &val, BPF_ANY))
			err = -errno;
	}
	close(fd);
	return err;
}

/* The most CPUs a recorded device steers over. A device deleted since
 * steers nothing: its record only waits for 'detach'. */
static int steer_needed(void)
{
	int fd = map_fd(FOU_MAP_DEVICES), need = 0;
	__u32 key, *prev = NULL;
	char name[IF_NAMESIZE];
	struct fou_device dev;

	while (fd >= 0 && !bpf_map_get_next_key(fd, prev, &key)) {
		if (!bpf_map_lookup_elem(fd, &key, &dev) && dev.hook == FOU_HOOK_XDP &&
		    dev.steer_cpus > need && if_indextoname(key, name))
			need = dev.steer_cpus;
		prev = &key;
	}
	if (fd >= 0)
		close(fd);
	return need;
}

/* Drop the entries no recorded device steers to any more: each holds a
 * kthread and a queue. */
void steer_trim(void)
{
	int fd = map_fd(FOU_MAP_CPUMAP);

	if (fd < 0)
		return;
	for (__u32 cpu = steer_needed(); cpu < FOU_MAX_STEER_CPUS; cpu++)
		bpf_map_delete_elem(fd, &cpu);
	close(fd);
}
