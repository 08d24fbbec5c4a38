// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Diagnostics and argument parsing for fouloader. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fouloader.h"

/* Here, at the bottom, not in main.c: every layer reads it, main() sets it. */
struct global_opts g_opts = { .pin_root = FOU_PIN_ROOT_DEFAULT };

/* @s with every control character (and DEL) escaped: a message quotes
 * arguments and file words, and one with a newline must stay one line. */
void put_escaped(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '\n')
			fputs("\\n", f);
		else if (*p == '\t')
			fputs("\\t", f);
		else if (*p == '\r')
			fputs("\\r", f);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\x%02x", *p);
		else
			fputc(*p, f);
	}
}

static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
	char buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	fprintf(stderr, "fouloader: %s", prefix);
	put_escaped(stderr, buf);
	fputc('\n', stderr);
}

char usage_msg[1024]; /* as long as a message printed at once */

/* A parse error: recorded for the caller to print (main) or to place
 * (apply: FILE:LINE), and -EINVAL to return. */
int usage_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(usage_msg, sizeof(usage_msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

void usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
	exit(EXIT_USAGE);
}

void usage_exit(void)
{
	usage_error("%s", usage_msg);
}

void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
	exit(EXIT_FAIL);
}

void warnx_(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

void info(const char *fmt, ...)
{
	va_list ap;

	if (!g_opts.verbose)
		return;
	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

long parse_uint(const char *what, const char *s, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (!*s || *end || errno || v < 0 || v > max)
		return usage_err("%s: '%s' is not a number from 0 to %ld", what, s, max);
	return v;
}

__u16 parse_port(const char *what, const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < 1 || v > 65535) {
		usage_err("%s: '%s' is not a UDP port (1-65535)", what, s);
		return 0;
	}
	return (__u16)v;
}

/* 4, 41 or 47 (GRE, which carries either), or 0 when @s names none. */
static __u8 ipproto_ip(const char *s)
{
	if (!strcmp(s, "4") || !strcmp(s, "ipip"))
		return 4;
	if (!strcmp(s, "41") || !strcmp(s, "ipv6"))
		return 41;
	if (!strcmp(s, "47") || !strcmp(s, "gre"))
		return FOU_IPPROTO_GRE;
	return 0;
}

/* What a tunnel carries: IP only. SCTP leaves in UDP by 'sctp dev DEV side
 * udp', not through a tunnel, since its UDP ports are per association. */
__u8 parse_tunnel_ipproto(const char *s)
{
	__u8 p = ipproto_ip(s);

	if (!p)
		usage_err("ipproto: '%s' is not supported for tunnels; expected 4 (ipip), 41 "
			    "(ipv6) or 47 (gre)%s", s, strcmp(s, "132") && strcmp(s, "sctp") ? "" :
			    " (SCTP over UDP is sent by 'sctp dev DEV side udp')");
	return p;
}

/* A GRE key (RFC 2890), as ip(8) takes it: 0 to 4294967295, or in the
 * dotted form of an IPv4 address (the four bytes on the wire). */
int parse_gre_key(const char *s, __u32 *key)
{
	struct in_addr a;
	long v;

	if (strchr(s, '.')) {
		if (inet_pton(AF_INET, s, &a) != 1)
			return usage_err("key: '%s' is not a number or a dotted quad", s);
		*key = ntohl(a.s_addr);
		return 0;
	}
	v = parse_uint("key", s, 0xffffffffL);
	if (v < 0)
		return v;
	*key = v;
	return 0;
}

/* What a receive port decapsulates: IP, or SCTP over UDP (RFC 6951). */
__u8 parse_port_ipproto(const char *s)
{
	__u8 p = ipproto_ip(s);

	if (!p && (!strcmp(s, "132") || !strcmp(s, "sctp")))
		p = FOU_IPPROTO_SCTP;
	if (!p)
		usage_err("ipproto: '%s' is not supported; expected 4 (ipip), 41 (ipv6), "
			    "47 (gre) or 132 (sctp)", s);
	return p;
}

int parse_addr(const char *what, const char *s, struct fou_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, &out->ip4) == 1)
		return FOU_FAMILY_IPV4;
	if (inet_pton(AF_INET6, s, out->ip6) == 1)
		return FOU_FAMILY_IPV6;
	usage_err("%s: '%s' is not an IPv4 or IPv6 address", what, s);
	return 0;
}

unsigned int parse_dev(const char *s)
{
	unsigned int ifindex;

	if (strlen(s) >= IF_NAMESIZE) {
		usage_err("device name '%s' is too long", s);
		return 0;
	}
	ifindex = if_nametoindex(s);
	if (!ifindex)
		usage_err("no such device '%s' in this network namespace", s);
	return ifindex;
}

const char *need_arg(int argc, char **argv, int i, const char *opt)
{
	if (i + 1 >= argc) {
		usage_err("'%s' needs an argument", opt);
		return NULL;
	}
	return argv[i + 1];
}

bool is_help(const char *s)
{
	return !strcmp(s, "--help") || !strcmp(s, "-h") || !strcmp(s, "help");
}

void format_addr(const struct fou_addr *a, int family, char *buf, size_t len)
{
	inet_ntop(family == FOU_FAMILY_IPV4 ? AF_INET : AF_INET6,
		  family == FOU_FAMILY_IPV4 ? (const void *)&a->ip4 : (const void *)a->ip6,
		  buf, len);
}
