// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Generic netlink, just enough to ask the netdev family (kernel 6.3+) what
 * it knows: kernel.c whether it exists, probe.c a device's XDP features. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include "fouloader.h"

#define NETDEV_FAMILY_NAME "netdev"

/* One request, one answer; attrs of the answer to @attrs. */
int genl_call(__u16 family, __u8 cmd, __u16 attr, const void *val, __u16 len,
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
__u16 netdev_family(void)
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
