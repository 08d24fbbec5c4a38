// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What the running kernel offers the BPF programs, probed once from its BTF
 * (and the netdev generic netlink family), and the build of each object
 * that fits it: one set of CO-RE objects per build, with the TC programs
 * and fou_rx_xdp also built without bpf_cast_to_kern_ctx (the *_nocast
 * objects) for kernels before 6.2. Every missing feature has a line that names it, the
 * kernel version that brought it, and what fouloader does without it.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "fouloader.h"
#include "fou_rx_tc.skel.h"
#include "fou_rx_tc_nocast.skel.h"
#include "fou_tx_tc.skel.h"
#include "fou_tx_tc_nocast.skel.h"
#include "fou_rx_xdp.skel.h"
#include "fou_rx_xdp_nocast.skel.h"
#include "fou_hints_tc.skel.h"

static const struct kfeature kfeatures[] = {
	{ "bpf_cast_to_kern_ctx", "kfunc_cast_to_kern_ctx", "6.2",
	  offsetof(struct fou_kernel, kern_ctx), KF_TC,
	  "the TC programs run their nocast build: the skb's checksum state from "
	  "bpf_csum_level and bpf_csum_update (a few helper calls per packet), the "
	  "pending checksum of a quoted packet at its TCP/UDP header, encapsulated "
	  "packets seen again not passed early (a route lookup more); so does "
	  "fou_rx_xdp: every frame's length from bpf_xdp_get_buff_len (a helper call "
	  "per packet)" },
	{ "BPF_F_ADJ_ROOM_DECAP_L3", "adj_room_decap_l3", "6.3",
	  offsetof(struct fou_kernel, decap_l3), KF_RX_TC,
	  "--rx tc sets the new family of IPv6 in IPv4 and IPv4 in IPv6 with "
	  "bpf_skb_change_proto, and drops such GSO packets (drop_adjust); --rx xdp "
	  "decapsulates all" },
	{ "netdev xdp_features", "netdev_xdp_features", "6.3",
	  offsetof(struct fou_kernel, xdp_features), KF_XDP,
	  "native XDP support is not known before attach; no driver RX metadata" },
	{ "XDP rx metadata kfuncs", "kfunc_xdp_rx_hash", "6.3",
	  offsetof(struct fou_kernel, xdp_meta), KF_XDP_NATIVE,
	  "native XDP computes the inner flow hash (no rxhash variant)" },
	{ "cpumap GRO", "cpumap_gro", "6.15", offsetof(struct fou_kernel, cpumap_gro), KF_STEER,
	  "--steer cpumap hands packets to the stack without GRO" },
	{ "bpf_xdp_adjust_meta for XDP programs", "xdp_adjust_meta", "4.15",
	  offsetof(struct fou_kernel, xdp_adjust_meta), KF_HINTS,
	  "this kernel's build refuses it: XDP hints off (fou_rx_xdp leaves no metadata: "
	  "no hash, mark, checksum level or GRO counters from fou_hints_tc); --hints on "
	  "is refused" },
};

const struct kfeature *kfeature_table(int *n)
{
	*n = sizeof(kfeatures) / sizeof(kfeatures[0]);
	return kfeatures;
}

bool kfeature_present(const struct fou_kernel *k, const struct kfeature *f)
{
	return *(const bool *)((const char *)k + f->offset);
}

static bool btf_has_enum_value(const struct btf *btf, const char *name)
{
	__u32 n = btf__type_cnt(btf);

	for (__u32 id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const struct btf_enum *e;

		if (!btf_is_enum(t))
			continue;
		e = btf_enum(t);
		for (int i = 0; i < btf_vlen(t); i++)
			if (!strcmp(btf__name_by_offset(btf, e[i].name_off), name))
				return true;
	}
	return false;
}

static bool btf_has_member(const struct btf *btf, const char *type, const char *member)
{
	__s32 id = btf__find_by_name_kind(btf, type, BTF_KIND_STRUCT);
	const struct btf_type *t;
	const struct btf_member *m;

	if (id <= 0)
		return false;
	t = btf__type_by_id(btf, id);
	m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++)
		if (!strcmp(btf__name_by_offset(btf, m[i].name_off), member))
			return true;
	return false;
}

/* Whether XDP programs may call bpf_xdp_adjust_meta: every kernel since
 * 4.15 has it, but not every build lets XDP use it (the verifier says
 * "program of this type cannot use helper", which libbpf's helper probe
 * takes for support): load the smallest such program. */
static bool probe_xdp_adjust_meta(void)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_2, .imm = 0 },
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_xdp_adjust_meta },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 2 /* XDP_PASS */ },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, NULL, "GPL", insns,
			       sizeof(insns) / sizeof(insns[0]), NULL);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static bool btf_has_func(const struct btf *btf, const char *name)
{
	return btf__find_by_name_kind(btf, name, BTF_KIND_FUNC) > 0;
}

const struct fou_kernel *kernel_features(void)
{
	static struct fou_kernel k;
	static bool done;
	struct utsname u;
	struct btf *btf;

	if (done)
		return &k;
	done = true;
	if (!uname(&u)) {
		int major = 0, minor = 0;

		snprintf(k.release, sizeof(k.release), "%s", u.release);
		if (sscanf(u.release, "%d.%d", &major, &minor) == 2)
			snprintf(k.version, sizeof(k.version), "%d.%d", major, minor);
	}
	if (!k.version[0])
		snprintf(k.version, sizeof(k.version), "%.15s", k.release[0] ? k.release : "?");
	btf = btf__load_vmlinux_btf();
	k.btf = !libbpf_get_error(btf) && btf;
	if (!k.btf)
		return &k;
	k.kern_ctx = btf_has_func(btf, "bpf_cast_to_kern_ctx");
	k.xdp_meta = btf_has_func(btf, "bpf_xdp_metadata_rx_hash");
	k.decap_l3 = btf_has_enum_value(btf, "BPF_F_ADJ_ROOM_DECAP_L3_IPV4");
	/* 6.15 gave each cpumap entry its own GRO (struct gro_node gro). */
	k.cpumap_gro = btf_has_member(btf, "bpf_cpu_map_entry", "gro");
	k.xdp_features = probe_netdev_family();
	k.xdp_adjust_meta = probe_xdp_adjust_meta();
	btf__free(btf);
	return &k;
}

/* One line per feature @uses needs and the kernel lacks: on @f, each led by
 * "@dev: ", or indented when @dev is NULL. */
void kernel_report_missing(FILE *f, const char *dev, unsigned int uses)
{
	const struct fou_kernel *k = kernel_features();

	for (size_t i = 0; i < sizeof(kfeatures) / sizeof(kfeatures[0]); i++) {
		const struct kfeature *kf = &kfeatures[i];

		if (!(kf->uses & uses) || kfeature_present(k, kf))
			continue;
		fprintf(f, "%s%skernel %s: no %s (%s+): %s\n", dev ? dev : "  ", dev ? ": " : "",
			k->version, kf->name, kf->since, kf->degraded);
	}
}

/* The ELF of @which in the default build, or in the nocast one. */
static const void *object_elf(enum fou_obj which, bool nocast, size_t *sz, const char **name)
{
	switch (which) {
	case FOU_OBJ_RX_TC:
		*name = "fou_rx_tc_bpf";
		return nocast ? fou_rx_tc_nocast_bpf__elf_bytes(sz) : fou_rx_tc_bpf__elf_bytes(sz);
	case FOU_OBJ_TX_TC:
		*name = "fou_tx_tc_bpf";
		return nocast ? fou_tx_tc_nocast_bpf__elf_bytes(sz) : fou_tx_tc_bpf__elf_bytes(sz);
	case FOU_OBJ_RX_XDP:
		*name = "fou_rx_xdp_bpf";
		return nocast ? fou_rx_xdp_nocast_bpf__elf_bytes(sz) : fou_rx_xdp_bpf__elf_bytes(sz);
	case FOU_OBJ_HINTS_TC:
		*name = "fou_hints_tc_bpf";
		return fou_hints_tc_bpf__elf_bytes(sz);
	}
	return NULL;
}

/* @which as built for this kernel (the nocast programs where it lacks
 * bpf_cast_to_kern_ctx, or wherever @nocast asks), its maps pinned under the
 * pin root or, !@pinned, private to it. */
struct bpf_object *open_object(enum fou_obj which, bool pinned, bool nocast)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pinned ? g_opts.pin_root : NULL);
	struct bpf_object *obj;
	struct bpf_map *m;
	const void *elf;
	size_t sz;

	elf = object_elf(which, nocast || !kernel_features()->kern_ctx, &sz, &opts.object_name);
	if (!elf) {
		errno = EINVAL;
		return NULL;
	}
	obj = bpf_object__open_mem(elf, sz, &opts);
	if (!obj || pinned)
		return obj;
	bpf_object__for_each_map(m, obj)
		bpf_map__set_pin_path(m, NULL);
	return obj;
}

struct bpf_object *open_prog_object(enum fou_obj which, bool pinned)
{
	return open_object(which, pinned, false);
}

/* The two builds of fou_rx_xdp are one source: the same programs, maps
 * and load-time constants, which a skeleton binds by name. */
_Static_assert(sizeof(struct fou_rx_xdp_bpf__rodata) ==
	       sizeof(struct fou_rx_xdp_nocast_bpf__rodata), "rodata of the two builds");
_Static_assert(sizeof(struct fou_rx_xdp_bpf) == sizeof(struct fou_rx_xdp_nocast_bpf),
	       "the two builds' skeletons: the same maps and programs");
_Static_assert(offsetof(struct fou_rx_xdp_bpf__rodata, fou_steer_cpus) ==
	       offsetof(struct fou_rx_xdp_nocast_bpf__rodata, fou_steer_cpus), "rodata layout");

/* fou_rx_xdp's skeleton over the build for this kernel (the nocast one
 * where it lacks bpf_cast_to_kern_ctx, or wherever @nocast asks). */
struct fou_rx_xdp_bpf *open_rx_xdp_skel(const struct bpf_object_open_opts *opts, bool nocast)
{
	struct fou_rx_xdp_bpf *skel = calloc(1, sizeof(*skel));
	int err = -ENOMEM;

	if (!skel)
		goto fail;
	err = fou_rx_xdp_bpf__create_skeleton(skel);
	if (err)
		goto fail;
	if (nocast || !kernel_features()->kern_ctx)
		skel->skeleton->data = (void *)fou_rx_xdp_nocast_bpf__elf_bytes(&skel->skeleton->data_sz);
	err = bpf_object__open_skeleton(skel->skeleton, opts);
	if (err)
		goto fail;
	return skel;
fail:
	fou_rx_xdp_bpf__destroy(skel);
	errno = -err;
	return NULL;
}

/* Which build of the TC programs (and fou_rx_xdp) runs here. */
const char *tc_build_name(void)
{
	return kernel_features()->kern_ctx ? "default" : "nocast (no bpf_cast_to_kern_ctx)";
}
