// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * probe DEV: what the kernel and the driver offer fouloader, without
 * changing anything: the device's XDP features (the netdev generic netlink
 * family, kernel 6.3+), kernel BTF and the XDP metadata kfuncs, BPF program
 * types for TC and libxdp's dispatcher, and the clsact qdisc if present.
 */
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "fouloader.h"
#include "opts.h"

/* From the kernel's uapi linux/netdev.h (newer than this system's headers). */
#define NETDEV_CMD_DEV_GET          1
#define NETDEV_A_DEV_IFINDEX        1
#define NETDEV_A_DEV_XDP_FEATURES   3
#define NETDEV_A_DEV_XDP_RX_META    5
#define XDP_ACT_BASIC               0x01
#define XDP_ACT_REDIRECT            0x02
#define XDP_ACT_NDO_XMIT            0x04
#define XDP_ACT_RX_SG               0x20
#define XDP_META_TIMESTAMP          0x1
#define XDP_META_HASH               0x2
#define XDP_META_VLAN_TAG           0x4

struct probe {
	bool have_features;   /* the kernel answered the netdev family */
	__u64 xdp_features;
	__u64 rx_meta;
	bool btf, kfunc_hash, tc_prog, ext_prog, clsact;
	char driver[32];
	bool virt;
};

/* The driver name, and whether it is a software device (no bus). */
bool dev_is_virtual(const char *dev, char *driver, size_t len)
{
	struct ethtool_drvinfo drv = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool virt = true;

	snprintf(driver, len, "unknown");
	strncpy(ifr.ifr_name, dev, IF_NAMESIZE - 1);
	ifr.ifr_data = (void *)&drv;
	if (fd >= 0 && ioctl(fd, SIOCETHTOOL, &ifr) == 0) {
		snprintf(driver, len, "%s", drv.driver);
		virt = drv.bus_info[0] == '\0' || !strcmp(drv.driver, "tun") ||
		       !strcmp(drv.driver, "veth");
	}
	if (fd >= 0)
		close(fd);
	return virt;
}

static void probe_xdp_features(unsigned int ifindex, struct probe *p)
{
	struct nlattr *attrs[8];
	char buf[8192];
	__u16 family = netdev_family();

	if (!family || genl_call(family, NETDEV_CMD_DEV_GET, NETDEV_A_DEV_IFINDEX, &ifindex,
				 sizeof(ifindex), attrs, 7, buf, sizeof(buf)) ||
	    !attrs[NETDEV_A_DEV_XDP_FEATURES])
		return;
	p->have_features = true;
	memcpy(&p->xdp_features, (char *)attrs[NETDEV_A_DEV_XDP_FEATURES] + NLA_HDRLEN, 8);
	if (attrs[NETDEV_A_DEV_XDP_RX_META])
		memcpy(&p->rx_meta, (char *)attrs[NETDEV_A_DEV_XDP_RX_META] + NLA_HDRLEN, 8);
}

static void probe_kernel(struct probe *p)
{
	const struct fou_kernel *k = kernel_features();

	p->btf = k->btf;
	p->kfunc_hash = k->xdp_meta;
	p->tc_prog = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_SCHED_CLS, NULL) == 1;
	p->ext_prog = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_EXT, NULL) == 1;
}

/* "kernel":{...}: the release, each feature of the table, the TC build. */
static void print_kernel_json(struct json *j)
{
	const struct fou_kernel *k = kernel_features();
	const struct kfeature *kf;
	int n;

	json_kobject(j, "kernel");
	json_kstr(j, "release", k->release);
	json_kstr(j, "version", k->version);
	json_kstr(j, "tc_build", k->kern_ctx ? "default" : "nocast");
	kf = kfeature_table(&n);
	for (int i = 0; i < n; i++)
		json_kbool(j, kf[i].key, kfeature_present(k, &kf[i]));
	json_karray(j, "missing");
	for (int i = 0; i < n; i++) {
		if (kfeature_present(k, &kf[i]))
			continue;
		json_object(j);
		json_kstr(j, "feature", kf[i].name);
		json_kstr(j, "since", kf[i].since);
		json_kstr(j, "degraded", kf[i].degraded);
		json_end(j);
	}
	json_end(j);
	json_end(j);
}

static void print_probe_json(const char *dev, const struct probe *p)
{
	struct json j;

	json_start(&j, stdout);
	json_object(&j);
	json_kstr(&j, "dev", dev);
	json_kstr(&j, "driver", p->driver);
	json_kbool(&j, "virtual", p->virt);
	json_kstr(&j, "rx_auto", p->virt ? "tc" : "xdp");
	json_kbool(&j, "xdp_features_known", p->have_features);
	json_kbool(&j, "xdp_native", p->xdp_features & XDP_ACT_BASIC);
	json_kbool(&j, "xdp_redirect", p->xdp_features & XDP_ACT_REDIRECT);
	json_kbool(&j, "xdp_ndo_xmit", p->xdp_features & XDP_ACT_NDO_XMIT);
	json_kbool(&j, "xdp_frags", p->xdp_features & XDP_ACT_RX_SG);
	json_kbool(&j, "xdp_rx_meta_hash", p->rx_meta & XDP_META_HASH);
	json_kbool(&j, "xdp_rx_meta_timestamp", p->rx_meta & XDP_META_TIMESTAMP);
	json_kbool(&j, "xdp_rx_meta_vlan", p->rx_meta & XDP_META_VLAN_TAG);
	json_kbool(&j, "kernel_btf", p->btf);
	json_kbool(&j, "kfunc_rx_hash", p->kfunc_hash);
	json_kbool(&j, "tc_bpf", p->tc_prog);
	json_kbool(&j, "libxdp_dispatcher", p->ext_prog);
	json_kbool(&j, "clsact_present", p->clsact);
	print_kernel_json(&j);
	json_end(&j);
	printf("\n");
}

static const char *yesno(bool v)
{
	return v ? "yes" : "no";
}

static void print_probe(const char *dev, const struct probe *p, bool json)
{
	bool native = p->xdp_features & XDP_ACT_BASIC;
	const char *pick = p->virt ? "tc" : "xdp";

	if (json) {
		print_probe_json(dev, p);
		return;
	}
	printf("%s: driver %s, %s device: attach --rx auto picks %s\n", dev, p->driver,
	       p->virt ? "virtual" : "hardware", pick);
	if (!p->have_features)
		printf("  XDP features: unknown (kernel without netdev xdp_features, < 6.3)\n");
	else
		printf("  native XDP: %s   XDP_TX/redirect target: %s   frags (jumbo): %s\n",
		       native ? "yes" : "no (use --xdp-mode skb or --rx tc)",
		       yesno(p->xdp_features & XDP_ACT_NDO_XMIT), yesno(p->xdp_features & XDP_ACT_RX_SG));
	if (p->have_features)
		printf("  XDP rx metadata: hash %s, timestamp %s, vlan tag %s\n",
		       yesno(p->rx_meta & XDP_META_HASH), yesno(p->rx_meta & XDP_META_TIMESTAMP),
		       yesno(p->rx_meta & XDP_META_VLAN_TAG));
	printf("  kernel BTF: %s   rx-hash kfunc: %s   TC BPF: %s   clsact: %s\n",
	       p->btf ? "yes" : "NO (fouloader's CO-RE programs need it)", yesno(p->kfunc_hash),
	       yesno(p->tc_prog), p->clsact ? "present" : "absent (attach creates it)");
	printf("  libxdp dispatcher (BPF_PROG_TYPE_EXT): %s\n",
	       p->ext_prog ? "loadable (libxdp may still fall back to a single program)"
			   : "no: XDP attaches a single program");
	printf("  kernel %s (%s): TC programs: %s build\n", kernel_features()->version,
	       kernel_features()->release, tc_build_name());
	kernel_report_missing(stdout, NULL, KF_ALL);
}

/* 1: the driver has native XDP, 0: it has not, -1: the kernel cannot say. */
int probe_native_xdp(unsigned int ifindex)
{
	struct probe p = {};

	probe_xdp_features(ifindex, &p);
	if (!p.have_features)
		return -1;
	return !!(p.xdp_features & XDP_ACT_BASIC);
}

/* Does the driver hand XDP its RX hash (bpf_xdp_metadata_rx_hash)? */
bool probe_xdp_rx_hash(unsigned int ifindex)
{
	struct probe p = {};

	probe_xdp_features(ifindex, &p);
	return p.have_features && (p.rx_meta & XDP_META_HASH);
}

struct probe_args {
	bool json; /* first: json_opts sets it */
	const char *dev;
};

static int set_probe_dev(void *spec, const char *w)
{
	return opts_one_word(&((struct probe_args *)spec)->dev, w);
}

const struct opt_cmd probe_cmd = {
	"probe", json_opts, set_probe_dev, "probe: unexpected '%s'", "DEV", NULL,
};

int cmd_probe(int argc, char **argv)
{
	struct probe p = {};
	struct probe_args a = {};
	bool json;
	const char *dev;
	unsigned int ifindex;
	int err;

	err = opts_parse(&probe_cmd, argc, argv, &a, NULL);
	if (!err && !a.dev)
		err = usage_err("probe: missing DEV");
	if (err)
		usage_exit();
	json = a.json;
	dev = a.dev;
	ifindex = parse_dev(dev);
	if (!ifindex)
		usage_exit();
	p.virt = dev_is_virtual(dev, p.driver, sizeof(p.driver));
	probe_xdp_features(ifindex, &p);
	probe_kernel(&p);
	p.clsact = tc_has_clsact(ifindex);
	print_probe(dev, &p, json);
	return EXIT_OK;
}
