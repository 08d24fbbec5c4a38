// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The pinned state: bpffs, the pin root, and the maps in it. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "fouloader.h"

#define BPF_FS_MAGIC_ 0xcafe4a11
#define BPFFS_DEFAULT "/sys/fs/bpf"

/* Quiet unless -v: failures are reported by fouloader itself, in one line. */
static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	if (!g_opts.verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int libxdp_log(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	if (!g_opts.verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void setup_libbpf_logging(void)
{
	libbpf_set_print(libbpf_log);
	libxdp_set_print(libxdp_log);
}

int cpu_count(void)
{
	int n = libbpf_num_possible_cpus();

	if (n <= 0)
		fail("cannot count possible CPUs: %s", strerror(-n));
	return n;
}

static bool is_bpffs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && (unsigned long)st.f_type == BPF_FS_MAGIC_;
}

/* A different mount namespace than init's usually means `ip netns exec`,
 * whose private /sys loses pins when the command exits. */
static void warn_private_mount_ns(void)
{
	char self[64] = "", init[64] = "";

	if (readlink("/proc/self/ns/mnt", self, sizeof(self) - 1) < 0 ||
	    readlink("/proc/1/ns/mnt", init, sizeof(init) - 1) < 0)
		return;
	if (strcmp(self, init))
		warnx_("mounted bpffs in a private mount namespace (ip netns exec?): "
		       "pins vanish when it ends; prefer 'nsenter --net=/run/netns/NAME'");
}

static int mkdir_p(const char *path)
{
	char buf[PATH_MAX];

	if (strlen(path) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

/*
 * Serialise commands that change the state of one pin root: an exclusive
 * flock on the pin root directory itself, so the lock's scope is exactly the
 * state it protects and needs no file of its own. Held until exit.
 */
static void lock_pin_root(void)
{
	static int fd = -1;

	if (fd >= 0)
		return;
	/* Called once the pin root exists: going on without the lock could
	 * let two commands take the same free slot. */
	fd = open(g_opts.pin_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		fail("cannot open %s to lock it: %s", g_opts.pin_root, strerror(errno));
	if (!flock(fd, LOCK_EX | LOCK_NB))
		return;
	if (errno != EWOULDBLOCK)
		fail("cannot lock %s: %s", g_opts.pin_root, strerror(errno));
	info("waiting for another fouloader working on %s", g_opts.pin_root);
	if (flock(fd, LOCK_EX))
		fail("cannot lock %s: %s", g_opts.pin_root, strerror(errno));
}

int ensure_pin_root(void)
{
	const char *root = g_opts.pin_root;
	int err;

	if (!strncmp(root, BPFFS_DEFAULT "/", strlen(BPFFS_DEFAULT) + 1) &&
	    !is_bpffs(BPFFS_DEFAULT)) {
		if (mount("bpf", BPFFS_DEFAULT, "bpf", 0, "mode=0700"))
			fail("cannot mount bpffs on %s: %s", BPFFS_DEFAULT, strerror(errno));
		warn_private_mount_ns();
	}
	err = mkdir_p(root);
	if (err)
		fail("cannot create pin root %s: %s", root, strerror(-err));
	if (!is_bpffs(root))
		fail("pin root %s is not on a bpf filesystem", root);
	lock_pin_root();
	return 0;
}

static void map_path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", g_opts.pin_root, name);
}

int map_fd(const char *name)
{
	char path[PATH_MAX];

	map_path(name, path, sizeof(path));
	return bpf_obj_get(path);
}

int map_fd_or_fail(const char *name)
{
	int fd = map_fd(name);

	if (fd < 0)
		fail("map %s/%s: %s", g_opts.pin_root, name, strerror(errno));
	return fd;
}

void open_port_fds(struct fou_port_fds *m)
{
	m->slots = map_fd_or_fail(FOU_MAP_PORT_SLOT);
	m->ports = map_fd_or_fail(FOU_MAP_PORTS);
	m->peers = map_fd_or_fail(FOU_MAP_PEERS);
	m->port_stats = map_fd_or_fail(FOU_MAP_PORT_STATS);
}

void close_port_fds(struct fou_port_fds *m)
{
	close(m->slots);
	close(m->ports);
	close(m->peers);
	close(m->port_stats);
}

/* What tunstate could not keep in step, said as the commands always said it. */
static void tun_warn(int step, const char *map, const char *name, __u32 slot, int err)
{
	const char *why = strerror(-err);

	if (step == FOU_TUN_STEP_STATS)
		warnx_("cannot reset the counters of tunnel slot %u: %s", slot, why);
	else if (step == FOU_TUN_STEP_GRE_SEQ)
		warnx_("cannot reset the GRE sequence of tunnel slot %u: %s", slot, why);
	else if (step == FOU_TUN_STEP_INDEX_DEL)
		warnx_("cannot remove tunnel %s from %s: %s", name, map, why);
	else if (step == FOU_TUN_STEP_INDEX_ADD)
		warnx_("cannot add tunnel %s to %s: %s", name, map, why);
	else
		warnx_("cannot reset %s[%u]: %s", map, slot, why);
}

void open_tun_fds(struct fou_tun_fds *m, int tunnels_fd)
{
	m->tunnels = tunnels_fd >= 0 ? dup(tunnels_fd) : map_fd_or_fail(FOU_MAP_TUNNELS);
	if (m->tunnels < 0)
		fail("map %s/%s: %s", g_opts.pin_root, FOU_MAP_TUNNELS, strerror(errno));
	m->routes4 = map_fd_or_fail(FOU_MAP_ROUTES4);
	m->routes6 = map_fd_or_fail(FOU_MAP_ROUTES6);
	/* absent from pin roots made before them, until ensure_maps() */
	m->stats = map_fd(FOU_MAP_TUN_STATS);
	m->gre_seq = map_fd(FOU_MAP_TUN_GRE_SEQ);
	m->index = map_fd(FOU_MAP_TUN_INDEX);
	m->path = map_fd(FOU_MAP_TUN_PATH);
	m->icmp_bucket = map_fd(FOU_MAP_ICMP_BUCKET);
	m->icmp = map_fd(FOU_MAP_TUN_ICMP);
	m->route_count = map_fd(FOU_MAP_ROUTE_COUNT);
	m->route_filter = map_fd(FOU_MAP_ROUTE_FILTER);
	m->warn = tun_warn;
}

void close_tun_fds(struct fou_tun_fds *m)
{
	int *fds[] = { &m->tunnels, &m->routes4, &m->routes6, &m->stats, &m->gre_seq, &m->index,
		       &m->path, &m->icmp_bucket, &m->icmp, &m->route_count, &m->route_filter };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

bool state_exists(void)
{
	char path[PATH_MAX];

	if (!is_bpffs(g_opts.pin_root))
		return false;
	map_path(FOU_MAP_PORTS, path, sizeof(path));
	return access(path, F_OK) == 0;
}

bool state_exists_locked(void)
{
	if (!state_exists())
		return false;
	lock_pin_root();
	return true;
}

/* A map pinned by another version of fouloader: named, with what differs,
 * before libbpf would refuse it with a bare EINVAL. */
static void refuse_incompatible_pins(struct bpf_object *obj)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, obj) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		char path[PATH_MAX];
		int fd;

		if (!bpf_map__pin_path(m))
			continue;
		map_path(bpf_map__name(m), path, sizeof(path));
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
			close(fd);
			continue;
		}
		close(fd);
		/* What libbpf compares before it reuses a pin. */
		if (info.type != bpf_map__type(m) || info.key_size != bpf_map__key_size(m) ||
		    info.value_size != bpf_map__value_size(m) ||
		    info.max_entries != bpf_map__max_entries(m) ||
		    info.map_flags != bpf_map__map_flags(m))
			fail("map %s is pinned by an incompatible version of fouloader (type %u, key "
			     "%u, value %u bytes, %u entries, flags 0x%x; this one wants %u, %u, %u, "
			     "%u, 0x%x): detach every device and remove %s", path, info.type,
			     info.key_size, info.value_size, info.max_entries, info.map_flags,
			     bpf_map__type(m), bpf_map__key_size(m), bpf_map__value_size(m),
			     bpf_map__max_entries(m), bpf_map__map_flags(m), g_opts.pin_root);
	}
}

/* Loading an object with its programs switched off creates and pins the
 * maps with their BTF, so configuration can precede attach. */
int ensure_maps(void)
{
	const struct fou_kernel *k = kernel_features();
	struct bpf_object *obj;
	struct bpf_program *prog;
	int err, fd, ifd;

	ensure_pin_root();
	if (!k->btf)
		fail("kernel %s has no BTF (/sys/kernel/btf/vmlinux, CONFIG_DEBUG_INFO_BTF): "
		     "fouloader's CO-RE programs need it", k->release);
	obj = open_prog_object(FOU_OBJ_RX_TC, true);
	if (!obj)
		fail("cannot open the BPF object: %s", strerror(errno));
	bpf_object__for_each_program(prog, obj)
		bpf_program__set_autoload(prog, false);
	refuse_incompatible_pins(obj);
	err = bpf_object__load(obj);
	bpf_object__close(obj);
	if (err)
		fail("cannot load the BPF object that creates the maps under %s: %s (kernel %s; "
		     "see 'fouloader probe DEV' and 'fouloader -v')", g_opts.pin_root,
		     strerror(-err), k->release);
	fd = map_fd_or_fail(FOU_MAP_LOCAL_ADDRS);
	ifd = map_fd_or_fail(FOU_MAP_LOCAL_INLINE);
	local_addrs_sync(fd, ifd);
	close(ifd);
	close(fd);
	return 0;
}

/* A settings map (ARRAY[1]): entry 0 into @out, all zero (the defaults) when
 * nothing is pinned or the map is absent (a pin root made before it). */
void settings_load(const char *name, void *out, size_t size)
{
	int fd = state_exists() ? map_fd(name) : -1;
	__u32 zero = 0;

	memset(out, 0, size);
	if (fd < 0)
		return;
	if (bpf_map_lookup_elem(fd, &zero, out))
		memset(out, 0, size);
	close(fd);
}

/* Write entry 0 of a settings map; 0 or -errno. */
int settings_put(const char *name, const void *val)
{
	int fd = map_fd_or_fail(name), err;
	__u32 zero = 0;

	err = bpf_map_update_elem(fd, &zero, val, BPF_ANY) ? -errno : 0;
	close(fd);
	return err;
}
