// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* attach, detach, status: putting the receive programs on devices. */
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/if_link.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "fouloader.h"
#include "opts.h"
#include "fou_hints_tc.skel.h"
#include "fou_rx_xdp.skel.h"
#include "fou_rx_xdp_rxhash.skel.h"

/* Load only bound to one device (uapi linux/bpf.h of kernel 6.3; this
 * system's headers are older). What a program calling an XDP metadata
 * kfunc needs. */
#ifndef BPF_F_XDP_DEV_BOUND_ONLY
#define BPF_F_XDP_DEV_BOUND_ONLY (1U << 6)
#endif

enum rx_choice { RX_AUTO, RX_XDP, RX_TC };

struct attach_args {
	const char *dev;
	unsigned int ifindex;
	enum rx_choice rx;
	int xdp_mode;   /* FOU_XDP_MODE_* */
	int hints;      /* -1: not given (on with XDP), 0 off, 1 on */
	bool hints_dropped; /* not given, and off: the kernel cannot */
	bool steer;     /* --steer cpumap */
	int steer_cpus; /* --steer-cpus N; 0: not given (all of CPUs 0..N-1 online) */
};

static int set_steer_cpus(void *spec, const char *v)
{
	long n = parse_uint("--steer-cpus", v, FOU_MAX_STEER_CPUS);

	if (n < 0)
		return n;
	if (!n)
		return usage_err("--steer-cpus: 1 to %d CPUs", FOU_MAX_STEER_CPUS);
	((struct attach_args *)spec)->steer_cpus = n;
	return 0;
}

static int set_dev(void *spec, const char *w)
{
	struct attach_args *a = spec;

	if (w[0] == '-')
		return usage_err("attach: unknown option '%s'", w);
	if (a->dev)
		return 1;
	a->dev = w;
	return 0;
}

enum { AW_HINTS, AW_STEER, AW_STEER_CPUS, AW_RX, AW_XDP_MODE };

static const struct opt_word rx_words[] = {
	{ "auto", RX_AUTO }, { "xdp", RX_XDP }, { "tc", RX_TC }, { NULL, 0 },
};
static const struct opt_word xdp_mode_words[] = {
	{ "native", FOU_XDP_MODE_NATIVE }, { "skb", FOU_XDP_MODE_SKB }, { NULL, 0 },
};
static const struct opt_word on_off_words[] = { { "on", 1 }, { "off", 0 }, { NULL, 0 } };
static const struct opt_word steer_words[] = { { "none", 0 }, { "cpumap", 1 }, { NULL, 0 } };

#define ATTACH_ENUM(w, g, field, words, syn) \
	{ w, OPT_ENUM, g, OPT_AT(struct attach_args, field), 0, NULL, NULL, syn, words }

static const struct opt attach_opts[] = {
	ATTACH_ENUM("--rx", AW_RX, rx, rx_words, "[--rx auto|xdp|tc]"),
	ATTACH_ENUM("--xdp-mode", AW_XDP_MODE, xdp_mode, xdp_mode_words, "[--xdp-mode native|skb]"),
	ATTACH_ENUM("--hints", AW_HINTS, hints, on_off_words, "[--hints on|off]"),
	ATTACH_ENUM("--steer", AW_STEER, steer, steer_words, "\n[--steer none|cpumap"),
	{ "--steer-cpus", OPT_ARG, AW_STEER_CPUS, 0, 0, 0, set_steer_cpus, NULL,
	  "[--steer-cpus N]]", NULL },
	OPT_END,
};

const struct opt_cmd attach_cmd = {
	"attach", attach_opts, set_dev, "attach: unexpected argument '%s'", "DEV", NULL,
};

static int parse_attach(int argc, char **argv, struct attach_args *a)
{
	const char *seen[AW_XDP_MODE + 1] = {};
	int err;

	a->rx = RX_AUTO;
	a->xdp_mode = FOU_XDP_MODE_NATIVE;
	a->hints = -1;
	err = opts_parse(&attach_cmd, argc, argv, a, seen);
	if (err)
		return err;
	if (!a->dev)
		return usage_err("attach: missing DEV");
	if (seen[AW_XDP_MODE] && a->rx == RX_TC)
		return usage_err("attach: '--xdp-mode' and '--rx tc' exclude each other (TC "
				 "receive attaches no XDP program)");
	a->ifindex = parse_dev(a->dev);
	return a->ifindex ? 0 : -EINVAL;
}

int attach_parse_check(int argc, char **argv)
{
	struct attach_args a = {};

	return parse_attach(argc, argv, &a);
}

static int devices_fd(void)
{
	return map_fd_or_fail(FOU_MAP_DEVICES);
}

static bool lookup_device(unsigned int ifindex, struct fou_device *dev)
{
	int fd = map_fd(FOU_MAP_DEVICES);
	bool found;

	if (fd < 0)
		return false;
	found = bpf_map_lookup_elem(fd, &ifindex, dev) == 0;
	close(fd);
	return found;
}

static void record_device(const struct fou_device *dev)
{
	int fd = devices_fd();

	if (bpf_map_update_elem(fd, &dev->ifindex, dev, BPF_ANY))
		warnx_("attached, but cannot record it in %s: %s", FOU_MAP_DEVICES, strerror(errno));
	close(fd);
}

const char *xdp_mode_name(int mode)
{
	return mode == FOU_XDP_MODE_SKB ? "skb" : "native";
}

/* The XDP program id the kernel runs on @ifindex in @mode, 0 if none. */
static __u32 xdp_attached_id(unsigned int ifindex, int mode)
{
	__u32 id = 0;
	int flags = mode == FOU_XDP_MODE_SKB ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;

	if (bpf_xdp_query_id(ifindex, flags, &id))
		return 0;
	return id;
}

static __u32 prog_id_of(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

static bool have_cap_sys_admin(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data))
		return false;
	return data[CAP_SYS_ADMIN / 32].effective & (1u << (CAP_SYS_ADMIN % 32));
}

/*
 * libxdp's dispatcher needs CAP_SYS_ADMIN; without it, libxdp 1.3's fallback
 * to a single program crashes for a program given by fd (it dereferences the
 * bpf_program it does not have). So without the capability, attach the
 * single program the way that fallback would, directly.
 */
static int xdp_attach_prog(const struct attach_args *a, int prog_fd, bool bound, bool *legacy)
{
	enum xdp_attach_mode mode = a->xdp_mode == FOU_XDP_MODE_SKB ? XDP_MODE_SKB : XDP_MODE_NATIVE;
	struct xdp_program *xp;
	int err;

	/* A device-bound program cannot sit under libxdp's dispatcher, which
	 * is not bound: it is attached alone too. */
	if (bound || !have_cap_sys_admin()) {
		*legacy = true;
		return bpf_xdp_attach(a->ifindex, prog_fd, XDP_FLAGS_UPDATE_IF_NOEXIST |
				      (mode == XDP_MODE_SKB ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE),
				      NULL);
	}
	xp = xdp_program__from_fd(prog_fd);
	if (libxdp_get_error(xp))
		return -EINVAL;
	err = xdp_program__attach(xp, a->ifindex, mode, 0);
	xdp_program__close(xp);
	return err;
}

static int xdp_attach_new(const struct attach_args *a, int prog_fd, bool bound,
			  struct fou_device *dev)
{
	struct xdp_multiprog *mp;
	bool legacy = false;
	int err;

	err = xdp_attach_prog(a, prog_fd, bound, &legacy);
	if (err)
		return err;
	mp = legacy ? NULL : xdp_multiprog__get_from_ifindex(a->ifindex);
	if (mp && !libxdp_get_error(mp)) {
		legacy = xdp_multiprog__is_legacy(mp);
		xdp_multiprog__close(mp);
	}
	if (legacy)
		dev->flags |= FOU_DEV_F_XDP_LEGACY;
	dev->hook = FOU_HOOK_XDP;
	dev->xdp_mode = a->xdp_mode;
	dev->prog_id = prog_id_of(prog_fd);
	return 0;
}

/*
 * Swap the program of a device we attached before, with no moment without
 * one. XDP_FLAGS_REPLACE makes the swap conditional on our program still
 * being there; opening it by id needs CAP_SYS_ADMIN, and without that the
 * check is done just before an unconditional swap.
 */
static int xdp_replace(const struct fou_device *old, int prog_fd, struct fou_device *dev)
{
	int flags = old->xdp_mode == FOU_XDP_MODE_SKB ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	int old_fd = bpf_prog_get_fd_by_id(old->prog_id);
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = old_fd);
	int err;

	if (old_fd >= 0) {
		err = bpf_xdp_attach(old->ifindex, prog_fd, flags | XDP_FLAGS_REPLACE, &opts);
		close(old_fd);
	} else if (xdp_attached_id(old->ifindex, old->xdp_mode) == old->prog_id) {
		err = bpf_xdp_attach(old->ifindex, prog_fd, flags, NULL);
	} else {
		err = -EEXIST;
	}
	if (!err)
		dev->prog_id = prog_id_of(prog_fd);
	return err;
}

static void explain_xdp_error(const struct attach_args *a, int err)
{
	char msg[256];

	if (a->xdp_mode == FOU_XDP_MODE_NATIVE && (err == -EOPNOTSUPP || err == -ENOTSUP))
		fail("%s: the driver has no native XDP support; use '--xdp-mode skb' "
		     "(slower) or '--rx tc'", a->dev);
	if (err == -ENOSPC)
		fail("%s: the kernel refused XDP for lack of queues (veth: the device needs at "
		     "least as many rx queues as its peer has tx queues)", a->dev);
	if (err == -EEXIST || err == -EBUSY)
		fail("%s: another XDP program is attached; fouloader does not replace "
		     "programs it did not attach", a->dev);
	libxdp_strerror(err, msg, sizeof(msg));
	fail("%s: XDP attach failed: %s", a->dev, msg);
}

/* Say which hook and why: the choice matters for throughput. */
static void report_xdp_extras(const struct attach_args *a, const struct fou_device *dev,
			      const struct fou_device *old)
{
	if (dev->hints_prog_id)
		printf("%s: %s fou_hints_tc at tc ingress (prog id %u): XDP hints on\n", a->dev,
		       old && old->hints_prog_id ? "replaced" : "attached", dev->hints_prog_id);
	else if (old && old->hints_prog_id)
		printf("%s: removed fou_hints_tc from tc ingress: XDP hints off\n", a->dev);
	if (dev->steer_cpus > 1)
		printf("%s: steering decapsulated packets by inner flow over CPUs 0-%u (fou_cpumap)\n",
		       a->dev, dev->steer_cpus - 1);
	else if (dev->steer_cpus)
		printf("%s: steering decapsulated packets to CPU 0 (fou_cpumap)\n", a->dev);
}

static void report_attach(const struct attach_args *a, const struct fou_device *dev,
			  const char *why, const struct fou_device *old)
{
	bool replaced = old != NULL;

	printf("%s: %s fou_tx_tc at tc egress (prog id %u)\n", a->dev,
	       replaced ? "replaced" : "attached", dev->tx_prog_id);
	if (dev->hook == FOU_HOOK_TC) {
		printf("%s: %s fou_rx_tc at tc ingress (prog id %u)%s%s\n", a->dev,
		       replaced ? "replaced" : "attached", dev->prog_id, why ? ": " : "", why ? why : "");
		return;
	}
	printf("%s: %s fou_rx_xdp%s at xdp, %s mode, %s (prog id %u)%s%s\n", a->dev,
	       replaced ? "replaced" : "attached",
	       dev->flags & FOU_DEV_F_XDP_RXHASH ? " (rxhash variant: the driver's RX hash, "
						   "bound to the device)" : "",
	       xdp_mode_name(dev->xdp_mode),
	       dev->flags & FOU_DEV_F_XDP_RXHASH ? "single program (device-bound)"
	       : dev->flags & FOU_DEV_F_XDP_LEGACY ? "single program (libxdp dispatcher unavailable)"
						   : "via libxdp dispatcher",
	       dev->prog_id, why ? ": " : "", why ? why : "");
	report_xdp_extras(a, dev, old);
}

static bool choose_tc(struct attach_args *a, char *why, size_t len)
{
	char driver[32];
	bool virt;

	if (a->rx != RX_AUTO) {
		if (why)
			why[0] = '\0';
		return a->rx == RX_TC;
	}
	virt = dev_is_virtual(a->dev, driver, sizeof(driver));
	if (virt)
		snprintf(why, len, "auto: %s is a virtual device; TC keeps GSO packets whole "
			 "(XDP would make veth segment them, about half the throughput)", driver);
	else
		snprintf(why, len, "auto: %s is a hardware NIC; native XDP decapsulates "
			 "before GRO, so GRO sees the inner flow", driver);
	return virt;
}

/* The receive program did not load: *@unloaded names it, and the caller
 * rolls back what it attached before (a failing load must not leave the
 * transmit half attached without a record). */
static int attach_tc(const struct attach_args *a, const struct fou_device *old,
		     struct fou_device *dev, const char **unloaded)
{
	struct bpf_object *obj = open_prog_object(FOU_OBJ_RX_TC, true);
	struct bpf_program *prog;
	int err;

	*unloaded = "fou_rx_tc";
	if (!obj)
		return -errno;
	err = bpf_object__load(obj);
	if (err) {
		bpf_object__close(obj);
		return err;
	}
	*unloaded = NULL;
	prog = bpf_object__find_program_by_name(obj, "fou_rx_tc");
	err = tc_attach(a->ifindex, BPF_TC_INGRESS, bpf_program__fd(prog), old != NULL, dev);
	if (!err) {
		dev->hook = FOU_HOOK_TC;
		dev->prog_id = prog_id_of(bpf_program__fd(prog));
	}
	bpf_object__close(obj);
	return err;
}

/* The transmit side: encapsulation at TC egress, on every attached device. */
static int attach_tx(const struct attach_args *a, bool replace, struct fou_device *dev)
{
	struct bpf_object *obj = open_prog_object(FOU_OBJ_TX_TC, true);
	struct bpf_program *prog;
	int err;

	if (!obj)
		fail("cannot open the TC egress program: %s", strerror(errno));
	err = bpf_object__load(obj);
	if (err)
		fail("cannot load fou_tx_tc (%s build, kernel %s): %s (run with -v for the "
		     "verifier log)", tc_build_name(), kernel_features()->release, strerror(-err));
	prog = bpf_object__find_program_by_name(obj, "fou_tx_tc");
	err = tc_attach(a->ifindex, BPF_TC_EGRESS, bpf_program__fd(prog), replace, dev);
	if (!err)
		dev->tx_prog_id = prog_id_of(bpf_program__fd(prog));
	bpf_object__close(obj);
	return err;
}

/* The XDP program loaded with its load-time constants: one of the two
 * skeletons. */
struct xdp_loaded {
	struct fou_rx_xdp_bpf *plain;
	struct fou_rx_xdp_rxhash_bpf *rxhash;
	int fd;
};

static int hints_wanted(const struct attach_args *a)
{
	return a->hints != 0;
}

/* The variant that reads the driver's RX hash: the kernel takes a program
 * calling an XDP metadata kfunc only bound to its device (and only in
 * native mode). */
static int load_xdp_rxhash(const struct attach_args *a, struct xdp_loaded *l)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = g_opts.pin_root);
	struct fou_rx_xdp_rxhash_bpf *skel = fou_rx_xdp_rxhash_bpf__open_opts(&opts);
	struct bpf_program *prog;
	int err;

	if (!skel)
		return -errno;
	prog = skel->progs.fou_rx_xdp;
	skel->rodata->fou_hints_on = hints_wanted(a);
	skel->rodata->fou_steer_cpus = a->steer_cpus;
	bpf_program__set_ifindex(prog, a->ifindex);
	err = bpf_program__set_flags(prog, bpf_program__flags(prog) | BPF_F_XDP_DEV_BOUND_ONLY);
	if (!err)
		err = fou_rx_xdp_rxhash_bpf__load(skel);
	if (err) {
		fou_rx_xdp_rxhash_bpf__destroy(skel);
		return err;
	}
	l->rxhash = skel;
	l->fd = bpf_program__fd(prog);
	return 0;
}

static int load_xdp_plain(const struct attach_args *a, struct xdp_loaded *l)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = g_opts.pin_root);
	struct fou_rx_xdp_bpf *skel = open_rx_xdp_skel(&opts, false);
	int err;

	if (!skel)
		return -errno;
	skel->rodata->fou_hints_on = hints_wanted(a);
	skel->rodata->fou_steer_cpus = a->steer_cpus;
	err = fou_rx_xdp_bpf__load(skel);
	if (err) {
		fou_rx_xdp_bpf__destroy(skel);
		return err;
	}
	l->plain = skel;
	l->fd = bpf_program__fd(skel->progs.fou_rx_xdp);
	return 0;
}

static int load_xdp(const struct attach_args *a, struct xdp_loaded *l)
{
	int err;

	if (a->xdp_mode == FOU_XDP_MODE_NATIVE && probe_xdp_rx_hash(a->ifindex)) {
		err = load_xdp_rxhash(a, l);
		if (!err)
			return 0;
		info("%s: the driver offers the XDP RX hash, but fou_rx_xdp_rxhash did not "
		     "load bound to it (%s): using fou_rx_xdp, which computes the hash",
		     a->dev, strerror(-err));
	}
	return load_xdp_plain(a, l);
}

static void unload_xdp(struct xdp_loaded *l)
{
	fou_rx_xdp_bpf__destroy(l->plain);
	fou_rx_xdp_rxhash_bpf__destroy(l->rxhash);
}

static int attach_xdp(const struct attach_args *a, const struct fou_device *old,
		      struct fou_device *dev, const char **unloaded)
{
	struct xdp_loaded l = {};
	int err;

	err = load_xdp(a, &l);
	*unloaded = err ? "fou_rx_xdp" : NULL;
	if (err)
		return err;
	if (old)
		err = xdp_replace(old, l.fd, dev);
	else
		err = xdp_attach_new(a, l.fd, l.rxhash != NULL, dev);
	if (!err) {
		dev->flags &= ~FOU_DEV_F_XDP_RXHASH;
		if (l.rxhash)
			dev->flags |= FOU_DEV_F_XDP_RXHASH | FOU_DEV_F_XDP_LEGACY;
		dev->steer_cpus = a->steer_cpus;
	}
	unload_xdp(&l);
	return err;
}

/* fou_hints_tc at TC ingress (our handle and priority, free with XDP
 * receive): it applies what fou_rx_xdp leaves in the metadata. Harmless
 * before the XDP program writes any. */
static int attach_hints(const struct attach_args *a, bool replace, struct fou_device *dev)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = g_opts.pin_root);
	struct fou_hints_tc_bpf *skel = fou_hints_tc_bpf__open_opts(&opts);
	int err;

	if (!skel)
		return -errno;
	err = fou_hints_tc_bpf__load(skel);
	if (err) {
		warnx_("cannot load fou_hints_tc: %s (run with -v for the verifier log)",
		       strerror(-err));
	} else {
		err = tc_attach(a->ifindex, BPF_TC_INGRESS, bpf_program__fd(skel->progs.fou_hints_tc),
				replace, dev);
		if (!err)
			dev->hints_prog_id = prog_id_of(bpf_program__fd(skel->progs.fou_hints_tc));
	}
	fou_hints_tc_bpf__destroy(skel);
	return err;
}

/* Is the attachment recorded for this device still the one in the kernel? */
static bool rx_live(const struct fou_device *dev)
{
	__u32 id = 0;

	if (dev->hook == FOU_HOOK_XDP)
		return xdp_attached_id(dev->ifindex, dev->xdp_mode) == dev->prog_id;
	return tc_query_prog_id(dev, BPF_TC_INGRESS, &id) == 0 && id == dev->prog_id;
}

static bool tx_live(const struct fou_device *dev)
{
	__u32 id = 0;

	return tc_query_prog_id(dev, BPF_TC_EGRESS, &id) == 0 && id == dev->tx_prog_id;
}

static bool hints_live(const struct fou_device *dev)
{
	__u32 id = 0;

	return dev->hints_prog_id && tc_query_prog_id(dev, BPF_TC_INGRESS, &id) == 0 &&
	       id == dev->hints_prog_id;
}

bool device_live(const struct fou_device *dev)
{
	return rx_live(dev) && tx_live(dev) && (!dev->hints_prog_id || hints_live(dev));
}

/* Undo a transmit (and hints) attach whose receive half failed: nothing
 * changed. A replace keeps the old programs, or equivalent new ones. */
static void rollback_tx(const struct fou_device *dev, const struct fou_device *old)
{
	if (old)
		return;
	if (dev->hints_prog_id)
		tc_detach(dev, BPF_TC_INGRESS, dev->hints_prog_id);
	tc_detach(dev, BPF_TC_EGRESS, dev->tx_prog_id);
	tc_release_qdisc(dev);
}

/* Everything a failed attach did: the transmit half, and fou_cpumap
 * entries it filled that no recorded device steers to. */
static void rollback(const struct fou_device *dev, const struct fou_device *old)
{
	rollback_tx(dev, old);
	steer_trim();
}

/* Refuse what cannot work before touching anything. */
static void refuse_impossible(const struct attach_args *a, bool use_tc)
{
	if (access("/sys/kernel/btf/vmlinux", R_OK))
		fail("this kernel has no BTF (/sys/kernel/btf/vmlinux): fouloader's programs are "
		     "CO-RE and need it (CONFIG_DEBUG_INFO_BTF=y); see 'fouloader probe %s'", a->dev);
	if (!use_tc && a->xdp_mode == FOU_XDP_MODE_NATIVE && probe_native_xdp(a->ifindex) == 0)
		fail("%s: native XDP is not available (the driver offers none, or, on veth, the "
		     "device has fewer rx queues than its peer has tx queues); use '--xdp-mode skb' "
		     "(slower) or '--rx tc' (see 'fouloader probe %s')", a->dev, a->dev);
}

/* A second attach replaces in place: only with the same hook and mode. */
static bool same_attachment(const struct attach_args *a, bool use_tc, struct fou_device *old)
{
	if (!lookup_device(a->ifindex, old) || !rx_live(old))
		return false;
	if ((old->hook == FOU_HOOK_TC) != use_tc)
		usage_error("%s: already attached at %s; run 'fouloader detach %s' first", a->dev,
			    old->hook == FOU_HOOK_TC ? "tc ingress" : "xdp", a->dev);
	if (!use_tc && old->xdp_mode != a->xdp_mode)
		usage_error("%s: already attached in xdp %s mode; detach first to change mode",
			    a->dev, xdp_mode_name(old->xdp_mode));
	return true;
}

/* fou_devices has room for FOU_MAX_DEVICES: a device it cannot record
 * could never be detached, so it is refused before anything is attached. */
static void refuse_full(const struct attach_args *a)
{
	int fd = devices_fd(), n = 0;
	__u32 key, *prev = NULL;
	struct fou_device dev;

	if (!bpf_map_lookup_elem(fd, &a->ifindex, &dev)) {
		close(fd);
		return;
	}
	while (!bpf_map_get_next_key(fd, prev, &key)) {
		n++;
		prev = &key;
	}
	close(fd);
	if (n >= FOU_MAX_DEVICES)
		usage_error("%s: fouloader is attached to %d devices, the most it records; detach "
			    "one first (one deleted since: 'fouloader detach' its recorded name)",
			    a->dev, n);
}

/* The XDP-only options against the hook, and their defaults: refused
 * (-EINVAL, exit 2) before anything is touched; what the kernel or the
 * CPUs cannot do fails (exit 1). */
static int resolve_xdp_options(struct attach_args *a, bool use_tc)
{
	int online;

	if (use_tc && a->hints >= 0)
		return usage_err("--hints: TC receive applies nothing: no XDP hints (use --rx xdp)");
	if (use_tc && a->steer)
		return usage_err("--steer: cpumap steering redirects in XDP: needs --rx xdp");
	if (a->steer_cpus && !a->steer)
		return usage_err("--steer-cpus: goes with --steer cpumap");
	if (!use_tc && a->hints != 0 && !kernel_features()->xdp_adjust_meta) {
		if (a->hints > 0)
			fail("--hints on: kernel %s does not let XDP programs call "
			     "bpf_xdp_adjust_meta, which hints need: use --hints off",
			     kernel_features()->release);
		a->hints = 0; /* named by kernel_report_missing (KF_HINTS) */
		a->hints_dropped = true;
	}
	if (a->hints < 0)
		a->hints = !use_tc;
	if (!a->steer)
		return 0;
	online = steer_online_cpus();
	if (!online)
		fail("--steer cpumap: CPU 0 is not online (/sys/devices/system/cpu/online)");
	if (a->steer_cpus > online)
		return usage_err("--steer-cpus: %d CPUs asked, but only CPUs 0-%d are online "
				 "without a gap (a packet goes to CPU hash %% N)", a->steer_cpus,
				 online - 1);
	if (!a->steer_cpus)
		a->steer_cpus = online;
	return 0;
}

/* The hints filter beside the XDP program: attached, or replaced in place. */
static int attach_hints_for(const struct attach_args *a, bool use_tc, bool have_old,
			    const struct fou_device *old, struct fou_device *dev)
{
	if (use_tc || !a->hints)
		return 0;
	return attach_hints(a, have_old && hints_live(old), dev);
}

/* After the receive program: a hints filter no longer wanted goes (the new
 * XDP program writes none), and fou_cpumap keeps the entries the devices
 * still steer to. */
static void attach_finish(const struct attach_args *a, bool have_old,
			  const struct fou_device *old, struct fou_device *dev)
{
	if (have_old && old->hints_prog_id && !a->hints) {
		tc_detach(old, BPF_TC_INGRESS, old->hints_prog_id);
		dev->hints_prog_id = 0;
	}
	record_device(dev);
	steer_trim();
}

/* The kernel features (KF_*) this attachment would use. */
static unsigned int attach_feature_uses(const struct attach_args *a, bool use_tc)
{
	if (use_tc)
		return KF_TC | KF_RX_TC;
	return KF_TC | KF_XDP | (a->xdp_mode == FOU_XDP_MODE_NATIVE ? KF_XDP_NATIVE : 0) |
	       (a->steer ? KF_STEER : 0) | (a->hints_dropped ? KF_HINTS : 0);
}

/*
 * Decide TC or XDP and refuse what cannot work before any map is created,
 * so that a refused attach leaves nothing behind; then bring maps pinned by
 * an older fouloader up to date, because the programs about to load expect
 * them. Returns whether the receive half goes on TC.
 */
static bool attach_plan(struct attach_args *a, char *why, size_t why_len)
{
	bool use_tc = choose_tc(a, why, why_len);

	if (resolve_xdp_options(a, use_tc))
		usage_exit();
	refuse_impossible(a, use_tc);
	ensure_maps();
	tunnel_index_sync(); /* tunnels pinned before fou_tun_index existed */
	route_count_sync();
	return use_tc;
}

/*
 * Everything the receive program relies on, in place before it loads:
 * transmit, hints, the steering CPU map. A failure rolls back what this
 * attach changed, so the old attachment (if any) keeps running.
 */
static void attach_helpers(const struct attach_args *a, bool use_tc,
			   const struct fou_device *oldp, struct fou_device *dev)
{
	int err = attach_tx(a, oldp && tx_live(oldp), dev);

	if (err)
		fail("%s: TC egress attach failed: %s", a->dev, strerror(-err));
	/* A replaced transmit program stays even if the receive half fails:
	 * record it now so that the record always names what runs. */
	if (oldp)
		record_device(dev);
	err = attach_hints_for(a, use_tc, oldp != NULL, oldp, dev);
	if (err) {
		rollback(dev, oldp);
		fail("%s: TC ingress attach of fou_hints_tc failed: %s", a->dev, strerror(-err));
	}
	if (oldp)
		record_device(dev);
	err = a->steer ? steer_fill(a->steer_cpus) : 0;
	if (err) {
		rollback(dev, oldp);
		fail("%s: cannot fill %s for %d CPUs: %s", a->dev, FOU_MAP_CPUMAP, a->steer_cpus,
		     strerror(-err));
	}
}

/* A program the kernel refused is named with the kernel and build it was
 * tried on: that is what a bug report about a verifier rejection needs. */
static void __attribute__((noreturn))
fail_rx_attach(const struct attach_args *a, bool use_tc, const char *unloaded, int err)
{
	if (unloaded)
		fail("%s: cannot load %s (kernel %s%s%s): %s (run with -v for the verifier "
		     "log)", a->dev, unloaded, kernel_features()->release,
		     use_tc ? ", TC build " : "", use_tc ? tc_build_name() : "",
		     strerror(-err));
	if (!use_tc)
		explain_xdp_error(a, err);
	fail("%s: TC ingress attach failed: %s", a->dev, strerror(-err));
}

int cmd_attach(int argc, char **argv)
{
	struct attach_args a = {};
	struct fou_device old, dev = {}, *oldp;
	const char *unloaded = NULL;
	bool use_tc, have_old;
	char why[200] = "";
	int err;

	if (parse_attach(argc, argv, &a))
		usage_exit();
	use_tc = attach_plan(&a, why, sizeof(why));
	have_old = same_attachment(&a, use_tc, &old);
	refuse_full(&a);
	oldp = have_old ? &old : NULL;

	if (have_old)
		dev = old;
	dev.ifindex = a.ifindex;
	snprintf(dev.name, sizeof(dev.name), "%s", a.dev);
	attach_helpers(&a, use_tc, oldp, &dev);
	err = use_tc ? attach_tc(&a, oldp, &dev, &unloaded) : attach_xdp(&a, oldp, &dev, &unloaded);
	if (err) {
		rollback(&dev, oldp);
		fail_rx_attach(&a, use_tc, unloaded, err);
	}
	attach_finish(&a, have_old, &old, &dev);
	report_attach(&a, &dev, why[0] ? why : NULL, oldp);
	kernel_report_missing(stdout, a.dev, attach_feature_uses(&a, use_tc));
	return EXIT_OK;
}

/* A single program: the kernel removes it only if it is still ours
 * (XDP_FLAGS_REPLACE with the expected program), atomically. */
static int detach_xdp_single(const struct fou_device *dev)
{
	int flags = dev->xdp_mode == FOU_XDP_MODE_SKB ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	int fd = bpf_prog_get_fd_by_id(dev->prog_id);
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = fd);
	int err;

	/* Without CAP_SYS_ADMIN there is no fd by id: check, then detach. */
	if (fd >= 0)
		err = bpf_xdp_detach(dev->ifindex, flags, &opts);
	else if (xdp_attached_id(dev->ifindex, dev->xdp_mode) == dev->prog_id)
		err = bpf_xdp_detach(dev->ifindex, flags, NULL);
	else
		err = -EEXIST;
	if (fd >= 0)
		close(fd);
	if (err == -EEXIST)
		warnx_("the XDP program on %s is not the one fouloader attached: left in place",
		       dev->name);
	return err == -EEXIST ? 0 : err;
}

static int detach_xdp(const struct fou_device *dev)
{
	struct xdp_multiprog *mp;
	struct xdp_program *p = NULL;
	int err = 0;

	if (dev->flags & FOU_DEV_F_XDP_LEGACY)
		return detach_xdp_single(dev);
	mp = xdp_multiprog__get_from_ifindex(dev->ifindex);
	if (libxdp_get_error(mp))
		return libxdp_get_error(mp);
	while ((p = xdp_multiprog__next_prog(p, mp)))
		if (xdp_program__id(p) == dev->prog_id)
			break;
	if (p)
		err = xdp_program__detach(p, dev->ifindex, xdp_multiprog__attach_mode(mp), 0);
	xdp_multiprog__close(mp);
	return err;
}

/* Does record @dev name @name: its recorded name, or "ifindexN"? */
static bool record_named(const struct fou_device *dev, const char *name)
{
	char rec[sizeof(dev->name) + 1], id[32];

	snprintf(rec, sizeof(rec), "%.*s", (int)sizeof(dev->name), dev->name);
	snprintf(id, sizeof(id), "ifindex%u", dev->ifindex);
	return !strcmp(rec, name) || !strcmp(id, name);
}

/*
 * Drop the records named @name whose device is gone: the kernel removed its
 * programs, filters and qdisc with it, so only the record is left (and the
 * fou_cpumap entries it kept). Returns how many went.
 */
static int forget_gone(const char *name)
{
	int fd = map_fd(FOU_MAP_DEVICES), n = 0;
	__u32 key, gone[FOU_MAX_DEVICES];
	char buf[IF_NAMESIZE];
	struct fou_device dev;
	int ngone = 0;

	for (__u32 *prev = NULL; fd >= 0 && !bpf_map_get_next_key(fd, prev, &key); prev = &key)
		if (!bpf_map_lookup_elem(fd, &key, &dev) && !if_indextoname(key, buf) &&
		    record_named(&dev, name) && ngone < FOU_MAX_DEVICES)
			gone[ngone++] = key;
	for (int i = 0; i < ngone; i++) {
		if (bpf_map_delete_elem(fd, &gone[i]))
			continue;
		printf("%s: device gone (ifindex %u): forgot its record\n", name, gone[i]);
		n++;
	}
	if (fd >= 0)
		close(fd);
	if (n)
		steer_trim();
	return n;
}

const struct opt_one_cmd detach_cmd = {
	{ "detach", no_opts, opts_set_word, "detach: unexpected argument '%s'", "DEV", NULL },
	"detach: missing DEV", "detach: unknown option '%s'",
};

int cmd_detach(int argc, char **argv)
{
	struct fou_device dev;
	const char *name = NULL;
	unsigned int ifindex;
	int err, fd;

	if (opts_parse_one(&detach_cmd, argc, argv, &name))
		usage_exit();
	ifindex = strlen(name) < IF_NAMESIZE ? if_nametoindex(name) : 0;
	if (!ifindex || !state_exists_locked() || !lookup_device(ifindex, &dev)) {
		if (state_exists_locked() && forget_gone(name))
			return EXIT_OK;
		if (!ifindex)
			if (!parse_dev(name))
				usage_exit(); /* says why: no such device */
		fail("%s: fouloader is not attached to this device", name);
	}

	/* Whatever is still ours goes; what someone removed behind our back
	 * is just forgotten. */
	if (!device_live(&dev))
		warnx_("%s: fouloader's programs were not all attached any more; "
		       "removing what is left", name);
	err = tc_detach(&dev, BPF_TC_EGRESS, dev.tx_prog_id);
	if (!err && rx_live(&dev))
		err = dev.hook == FOU_HOOK_XDP ? detach_xdp(&dev)
					       : tc_detach(&dev, BPF_TC_INGRESS, dev.prog_id);
	/* the hints filter after the XDP program that feeds it */
	if (!err && dev.hook == FOU_HOOK_XDP && dev.hints_prog_id)
		err = tc_detach(&dev, BPF_TC_INGRESS, dev.hints_prog_id);
	if (err)
		fail("%s: detach failed: %s", name, strerror(-err));
	tc_release_qdisc(&dev);
	fd = devices_fd();
	bpf_map_delete_elem(fd, &ifindex);
	close(fd);
	steer_trim();
	printf("%s: detached fou_rx_%s%s and fou_tx_tc\n", name,
	       dev.hook == FOU_HOOK_XDP ? "xdp" : "tc",
	       dev.hook == FOU_HOOK_XDP && dev.hints_prog_id ? ", fou_hints_tc" : "");
	return EXIT_OK;
}

static const char *xdp_variant(const struct fou_device *dev)
{
	return dev->flags & FOU_DEV_F_XDP_RXHASH ? "rxhash" : "plain";
}

/* The XDP program's variant, hints and steering: a line of their own. */
static void print_xdp_extras(const struct fou_device *dev)
{
	printf("%-16s xdp variant %s", "", dev->flags & FOU_DEV_F_XDP_RXHASH
		? "rxhash (the driver's RX hash, device-bound)" : "plain (hash computed)");
	if (dev->hints_prog_id)
		printf(", hints on: fou_hints_tc at tc ingress prog %u %s", dev->hints_prog_id,
		       hints_live(dev) ? "live" : "GONE");
	else
		printf(", hints off");
	if (dev->steer_cpus)
		printf(", steer cpumap over CPUs 0-%u (%u)\n", dev->steer_cpus - 1, dev->steer_cpus);
	else
		printf(", steer none\n");
}

static void print_xdp_extras_json(struct json *j, const struct fou_device *dev)
{
	bool xdp = dev->hook == FOU_HOOK_XDP;

	json_kstr_or_null(j, "xdp_variant", xdp ? xdp_variant(dev) : NULL);
	json_kbool(j, "hints", xdp && dev->hints_prog_id);
	if (xdp && dev->hints_prog_id) {
		json_ku64(j, "hints_prog_id", dev->hints_prog_id);
		json_kbool(j, "hints_live", hints_live(dev));
	} else {
		json_knull(j, "hints_prog_id");
		json_knull(j, "hints_live");
	}
	json_kstr(j, "steer", xdp && dev->steer_cpus ? "cpumap" : "none");
	json_ku64(j, "steer_cpus", xdp ? dev->steer_cpus : 0);
}

/* Text, or a JSON object to @j when set. */
static void print_device(const struct fou_device *dev, struct json *j)
{
	char name[IF_NAMESIZE] = "";
	bool live = device_live(dev);
	bool xdp = dev->hook == FOU_HOOK_XDP;

	if (!if_indextoname(dev->ifindex, name))
		snprintf(name, sizeof(name), "%s", dev->name);
	if (!j) {
		printf("%-16s rx %-4s %-7s prog %-6u tx tc egress prog %-6u %s%s\n", name,
		       xdp ? "xdp" : "tc", xdp ? xdp_mode_name(dev->xdp_mode) : "ingress",
		       dev->prog_id, dev->tx_prog_id,
		       live ? "live" : "GONE (removed behind fouloader's back)",
		       xdp && (dev->flags & FOU_DEV_F_XDP_LEGACY) ? ", single program" : "");
		if (xdp)
			print_xdp_extras(dev);
		return;
	}
	json_object(j);
	json_kstr(j, "dev", name);
	json_ku64(j, "ifindex", dev->ifindex);
	json_kstr(j, "hook", xdp ? "xdp" : "tc");
	json_kstr_or_null(j, "xdp_mode", xdp ? xdp_mode_name(dev->xdp_mode) : NULL);
	json_ku64(j, "prog_id", dev->prog_id);
	json_ku64(j, "tx_prog_id", dev->tx_prog_id);
	json_kbool(j, "live", live);
	json_kbool(j, "qdisc_created", dev->flags & FOU_DEV_F_QDISC_CREATED);
	print_xdp_extras_json(j, dev);
	json_end(j);
}

/* Call @fn for every device recorded in fou_devices (open as @fd);
 * returns how many. */
int for_each_device(int fd, void (*fn)(const struct fou_device *, int, void *), void *arg)
{
	__u32 key, *prev = NULL;
	struct fou_device dev;
	int n = 0;

	while (!bpf_map_get_next_key(fd, prev, &key)) {
		if (!bpf_map_lookup_elem(fd, &key, &dev))
			fn(&dev, n++, arg);
		prev = &key;
	}
	return n;
}

static void print_device_cb(const struct fou_device *dev, int i, void *j)
{
	(void)i;
	print_device(dev, j);
}

const struct opt_cmd status_cmd = {
	"status", json_opts, NULL, "status: unexpected argument '%s'", NULL, NULL,
};

int cmd_status(int argc, char **argv)
{
	bool json = false, first = true;
	struct json j;
	int fd = -1;

	if (opts_parse(&status_cmd, argc, argv, &json, NULL))
		usage_exit();
	if (state_exists())
		fd = map_fd(FOU_MAP_DEVICES);
	json_start(&j, stdout);
	if (json) {
		json_object(&j);
		json_kstr(&j, "pin_root", g_opts.pin_root);
		json_karray(&j, "devices");
	} else {
		printf("pin root %s: %s\n", g_opts.pin_root,
		       fd < 0 ? "no state (nothing attached or configured)" : "present");
	}
	if (fd >= 0)
		first = !for_each_device(fd, print_device_cb, json ? &j : NULL);
	if (json) {
		json_end(&j);
		json_end(&j);
		printf("\n");
	} else if (fd >= 0 && first)
		printf("no device attached\n");
	if (fd >= 0)
		close(fd);
	return EXIT_OK;
}
