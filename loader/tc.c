// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * TC ingress attach through libbpf's clsact helpers. fouloader owns one filter
 * (FOU_TC_HANDLE at FOU_TC_PRIORITY) and the clsact qdisc only if it created
 * it; the qdisc goes away on detach only when no other filter is left on it.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fouloader.h"

#define FOU_TC_HANDLE   0xF0F0
#define FOU_TC_PRIORITY 1 /* decapsulate before other classifiers look */

#ifndef TC_H_CLSACT
#define TC_H_CLSACT TC_H_INGRESS
#endif
#ifndef TC_H_MIN_INGRESS
#define TC_H_MIN_INGRESS 0xFFF2U
#define TC_H_MIN_EGRESS  0xFFF3U
#endif

/* One recv()'s worth of a dump. Returns 1 while the dump goes on, else its
 * end: 0, or the kernel's error (a dump spans several reads, and only the
 * last message says it is over). */
static int tc_dump_batch(const struct nlmsghdr *nh, ssize_t n, unsigned int ifindex,
			 void (*fn)(const struct nlmsghdr *, const struct tcmsg *, void *),
			 void *arg)
{
	for (; NLMSG_OK(nh, n); nh = NLMSG_NEXT(nh, n)) {
		if (nh->nlmsg_type == NLMSG_DONE)
			return 0;
		if (nh->nlmsg_type == NLMSG_ERROR)
			return ((struct nlmsgerr *)NLMSG_DATA(nh))->error;
		/* qdisc dumps ignore tcm_ifindex: filter here for both */
		if (((struct tcmsg *)NLMSG_DATA(nh))->tcm_ifindex == (int)ifindex)
			fn(nh, NLMSG_DATA(nh), arg);
	}
	return 1;
}

/*
 * One rtnetlink dump of tc objects (@type: RTM_GETTFILTER, RTM_GETQDISC) on
 * @ifindex under @parent (0: any), calling @fn for each tcmsg reported.
 * Returns 0, or -errno / the kernel's error.
 */
static int tc_dump(int type, unsigned int ifindex, __u32 parent,
		   void (*fn)(const struct nlmsghdr *, const struct tcmsg *, void *), void *arg)
{
	struct {
		struct nlmsghdr nh;
		struct tcmsg tc;
	} req = {
		.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct tcmsg)),
		.nh.nlmsg_type = type,
		.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		.nh.nlmsg_seq = 1,
		.tc.tcm_family = AF_UNSPEC,
		.tc.tcm_ifindex = ifindex,
		.tc.tcm_parent = parent,
	};
	char buf[16384];
	int fd, err;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	err = send(fd, &req, req.nh.nlmsg_len, 0) < 0 ? -errno : 1;
	while (err > 0) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		err = n < 0 ? -errno : tc_dump_batch((void *)buf, n, ifindex, fn, arg);
	}
	close(fd);
	return err;
}

/* cls_bpf reports a priority head and then each filter: only zero versus
 * non-zero matters to the caller. */
static void count_one(const struct nlmsghdr *nh, const struct tcmsg *t, void *arg)
{
	(void)t;
	if (nh->nlmsg_type == RTM_NEWTFILTER)
		(*(int *)arg)++;
}

/* Count the filters under one clsact parent. */
static int count_filters(unsigned int ifindex, __u32 parent)
{
	int count = 0, err = tc_dump(RTM_GETTFILTER, ifindex, parent, count_one, &count);

	return err ? err : count;
}

static void find_clsact(const struct nlmsghdr *nh, const struct tcmsg *t, void *arg)
{
	struct rtattr *rta = (void *)((char *)t + NLMSG_ALIGN(sizeof(*t)));
	int len = nh->nlmsg_len - NLMSG_LENGTH(sizeof(*t));

	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if (rta->rta_type == TCA_KIND && !strcmp(RTA_DATA(rta), "clsact"))
			*(bool *)arg = true;
}

/* Is there a clsact qdisc (ours or someone's) on @ifindex? Read-only. */
bool tc_has_clsact(unsigned int ifindex)
{
	bool found = false;

	tc_dump(RTM_GETQDISC, ifindex, 0, find_clsact, &found);
	return found;
}

static int other_filters(unsigned int ifindex)
{
	int in = count_filters(ifindex, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS));
	int eg = count_filters(ifindex, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS));

	if (in < 0 || eg < 0)
		return in < 0 ? in : eg;
	return in + eg;
}

static const char *point_name(enum bpf_tc_attach_point point)
{
	return point == BPF_TC_EGRESS ? "egress" : "ingress";
}

int tc_attach(unsigned int ifindex, enum bpf_tc_attach_point point, int prog_fd, bool replace,
	      struct fou_device *dev)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = point);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = FOU_TC_HANDLE, .priority = FOU_TC_PRIORITY,
		    .prog_fd = prog_fd, .flags = replace ? BPF_TC_F_REPLACE : 0);
	bool created = false;
	int err;

	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		return err;
	created = !err;
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		if (created) {
			hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
			bpf_tc_hook_destroy(&hook);
		}
		return err;
	}
	if (created)
		dev->flags |= FOU_DEV_F_QDISC_CREATED;
	dev->tc_handle = FOU_TC_HANDLE;
	dev->tc_priority = FOU_TC_PRIORITY;
	return 0;
}

int tc_query_prog_id(const struct fou_device *dev, enum bpf_tc_attach_point point,
		     __u32 *prog_id)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = dev->ifindex, .attach_point = point);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = dev->tc_handle, .priority = dev->tc_priority);
	int err = bpf_tc_query(&hook, &opts);

	if (!err)
		*prog_id = opts.prog_id;
	return err;
}

/* Remove our filter at @point if it still runs the program we attached. */
int tc_detach(const struct fou_device *dev, enum bpf_tc_attach_point point, __u32 prog_id)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = dev->ifindex, .attach_point = point);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = dev->tc_handle, .priority = dev->tc_priority);
	__u32 id = 0;

	if (tc_query_prog_id(dev, point, &id))
		return 0; /* already gone */
	if (id == prog_id)
		return bpf_tc_detach(&hook, &opts);
	warnx_("%s filter %#x prio %u runs program %u, not ours (%u): left in place",
	       point_name(point), dev->tc_handle, dev->tc_priority, id, prog_id);
	return 0;
}

/* Drop the clsact qdisc if fouloader created it and no filter is left. */
void tc_release_qdisc(const struct fou_device *dev)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = dev->ifindex,
		    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);

	if ((dev->flags & FOU_DEV_F_QDISC_CREATED) && other_filters(dev->ifindex) == 0)
		bpf_tc_hook_destroy(&hook);
}
