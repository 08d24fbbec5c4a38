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
#include <sys/socket.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "fouloader.h"
#include "opts.h"

/* From the kernel's uapi linux/netdev.h (newer than this system's headers). */
#define NETDEV_FAMILY_NAME          "netdev"
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

/* One generic netlink request, one answer; attrs of the answer to @attrs. */
static int genl_call(__u16 family, __u8 cmd, __u16 attr, const void *val, __u16 len,
		     struct nlattr **attrs, int max, char *buf, size_t bufsz)
{
	struct {
		struct nlmsghdr nh;
		struct genlmsghdr gh;
		char attrs[64];
	} req = {};
	struct nlattr *a = (void *)req.attrs;
	int fd, n, err = 0;

	req.nh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN) + NLA_ALIGN(NLA_HDRLEN + len);
	req.nh.nlmsg_type = family;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.gh.cmd = cmd;
	req.gh.version = 1;
	a->nla_type = attr;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, val, len);
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -errno;
	if (send(fd, &req, req.nh.nlmsg_len, 0) < 0 || (n = recv(fd, buf, bufsz, 0)) < 0) {
		err = -errno;
	} else {
		struct nlmsghdr *nh = (void *)buf;

		if (!NLMSG_OK(nh, (unsigned int)n) || nh->nlmsg_type == NLMSG_ERROR) {
			err = nh->nlmsg_type == NLMSG_ERROR ? ((struct nlmsgerr *)NLMSG_DATA(nh))->error
							    : -EIO;
		} else {
			char *p = (char *)NLMSG_DATA(nh) + GENL_HDRLEN;
			int left = nh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);

			memset(attrs, 0, (max + 1) * sizeof(*attrs));
			for (a = (void *)p; left >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
			     a->nla_len <= left; left -= NLA_ALIGN(a->nla_len),
			     a = (void *)((char *)a + NLA_ALIGN(a->nla_len)))
				if ((a->nla_type & NLA_TYPE_MASK) <= max)
					attrs[a->nla_type & NLA_TYPE_MASK] = a;
		}
	}
	close(fd);
	return err;
}

/* The netdev family's id (kernel 6.3+), or 0. */
static __u16 netdev_family(void)
{
	struct nlattr *attrs[CTRL_ATTR_MAX + 8];
	char buf[8192];

	if (genl_call(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_NAME, NETDEV_FAMILY_NAME,
		      sizeof(NETDEV_FAMILY_NAME), attrs, CTRL_ATTR_MAX, buf, sizeof(buf)) ||
	    !attrs[CTRL_ATTR_FAMILY_ID])
		return 0;
	return *(__u16 *)((char *)attrs[CTRL_ATTR_FAMILY_ID] + NLA_HDRLEN);
}

bool probe_netdev_family(void)
{
	return netdev_family() != 0;
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
static void print_kernel_json(void)
{
	const struct fou_kernel *k = kernel_features();
	const struct kfeature *kf;
	int n;

	printf(",\"kernel\":{\"release\":");
	json_str(stdout, k->release);
	printf(",\"version\":");
	json_str(stdout, k->version);
	printf(",\"tc_build\":\"%s\"", k->kern_ctx ? "default" : "nocast");
	kf = kfeature_table(&n);
	for (int i = 0; i < n; i++)
		printf(",\"%s\":%s", kf[i].key, kfeature_present(k, &kf[i]) ? "true" : "false");
	printf(",\"missing\":[");
	for (int i = 0, first = 1; i < n; i++) {
		if (kfeature_present(k, &kf[i]))
			continue;
		printf("%s{\"feature\":", first ? "" : ",");
		json_str(stdout, kf[i].name);
		printf(",\"since\":\"%s\",\"degraded\":", kf[i].since);
		json_str(stdout, kf[i].degraded);
		printf("}");
		first = 0;
	}
	printf("]}");
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
		printf("{\"dev\":");
		json_str(stdout, dev);
		printf(",\"driver\":");
		json_str(stdout, p->driver);
		printf(",\"virtual\":%s,\"rx_auto\":\"%s\",\"xdp_features_known\":%s,"
		       "\"xdp_native\":%s,\"xdp_redirect\":%s,\"xdp_ndo_xmit\":%s,\"xdp_frags\":%s,"
		       "\"xdp_rx_meta_hash\":%s,\"xdp_rx_meta_timestamp\":%s,\"xdp_rx_meta_vlan\":%s,"
		       "\"kernel_btf\":%s,\"kfunc_rx_hash\":%s,\"tc_bpf\":%s,\"libxdp_dispatcher\":%s,"
		       "\"clsact_present\":%s",
		       p->virt ? "true" : "false", pick, p->have_features ? "true" : "false",
		       native ? "true" : "false",
		       p->xdp_features & XDP_ACT_REDIRECT ? "true" : "false",
		       p->xdp_features & XDP_ACT_NDO_XMIT ? "true" : "false",
		       p->xdp_features & XDP_ACT_RX_SG ? "true" : "false",
		       p->rx_meta & XDP_META_HASH ? "true" : "false",
		       p->rx_meta & XDP_META_TIMESTAMP ? "true" : "false",
		       p->rx_meta & XDP_META_VLAN_TAG ? "true" : "false",
		       p->btf ? "true" : "false", p->kfunc_hash ? "true" : "false",
		       p->tc_prog ? "true" : "false", p->ext_prog ? "true" : "false",
		       p->clsact ? "true" : "false");
		print_kernel_json();
		printf("}\n");
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

	if (opts_parse(&probe_cmd, argc, argv, &a, NULL))
		usage_exit();
	json = a.json;
	dev = a.dev;
	if (!dev)
		usage_error("probe: missing DEV");
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
