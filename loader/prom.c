// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Metrics in the Prometheus text exposition format (version 0.0.4): what
 * 'stats', 'pmtu show', 'sctp show' and 'status' read, through their own
 * readers, under stable names (fouloader_ prefix, _total counters, base
 * units). The names and labels are listed in fouloader(8), METRICS; a
 * dashboard depends on them, so they only ever grow.
 *
 * 'stats --prometheus' prints them once; 'exporter' serves them over HTTP
 * through libmicrohttpd, each scrape read afresh.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <microhttpd.h>

#include "fouloader.h"
#include "opts.h"

/* ---------------------------------------------------------------- format */

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value: backslash, double quote and newline escaped. */
static void label_value(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

/* name{k1="v1",k2="v2"} value: @labels holds @n key/value pairs. */
static void sample_text(FILE *f, const char *name, const char *const *labels, int n,
			const char *value)
{
	fputs(name, f);
	for (int i = 0; i < n; i++) {
		fprintf(f, "%s%s=", i ? "," : "{", labels[2 * i]);
		label_value(f, labels[2 * i + 1]);
	}
	fprintf(f, "%s %s\n", n ? "}" : "", value);
}

static void sample(FILE *f, const char *name, const char *const *labels, int n, double v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%.17g", v);
	sample_text(f, name, labels, n, buf);
}

/* Counters beyond 2^53 keep every digit: no detour through double. */
static void sample_u64(FILE *f, const char *name, const char *const *labels, int n, __u64 v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	sample_text(f, name, labels, n, buf);
}

/* ---------------------------------------------------------------- counters */

/* What became of the packet a reason counter counts. */
static const char *verdict(int id)
{
	if (FOU_STAT_IS_DROP(id) || FOU_STAT_IS_TX_DROP(id))
		return "drop";
	if (FOU_STAT_IS_PASS(id) || FOU_STAT_IS_FWD_PASS(id) || FOU_STAT_IS_TX_PASS(id))
		return "pass";
	return "handled";
}

static void write_reasons(FILE *f, const __u64 *totals)
{
	family(f, "fouloader_packets_total", "counter",
	       "Packets by the outcome that decided their fate (reason), and its verdict.");
	for (int id = 0; id < FOU_STAT__COUNT; id++) {
		const char *l[] = { "reason", stat_name(id), "verdict", verdict(id) };

		if (!FOU_STAT_IS_EVENT(id))
			sample_u64(f, "fouloader_packets_total", l, 2, totals[id]);
	}
	family(f, "fouloader_events_total", "counter",
	       "Events counted beside a packet's outcome (SCTP learning, path MTU, hints, steering).");
	for (int id = 0; id < FOU_STAT__COUNT; id++) {
		const char *l[] = { "event", stat_name(id) };

		if (FOU_STAT_IS_EVENT(id))
			sample_u64(f, "fouloader_events_total", l, 1, totals[id]);
	}
}

/* ---------------------------------------------------------------- ports */

struct prom_port {
	char port[8];
	const char *family;
	struct fou_port_stats s;
	struct fou_gro_stats g;
};

static int read_ports(struct prom_port *out)
{
	static struct port_entry ports[FOU_MAX_PORTS];
	int n = load_ports(ports, FOU_MAX_PORTS), m = 0, gfd;
	struct fou_port_fds fds;

	if (!n)
		return 0;
	open_port_fds(&fds);
	gfd = map_fd(FOU_MAP_GRO_STATS);
	for (int i = 0; i < n; i++) {
		if (fou_port_stats_sum(&fds, ports[i].slot, &out[m].s))
			continue;
		stats_sum_gro(gfd, ports[i].slot, &out[m].g);
		snprintf(out[m].port, sizeof(out[m].port), "%u", ports[i].port.port);
		out[m].family = ports[i].port.family == FOU_FAMILY_IPV6 ? "ipv6" : "ipv4";
		m++;
	}
	close_port_fds(&fds);
	if (gfd >= 0)
		close(gfd);
	return m;
}

#define PORT_FIELD(fld) offsetof(struct prom_port, fld)

/* A counter of every port (tunnel): a __u64 at @off of its struct. */
struct prom_metric {
	const char *name, *help;
	size_t off;
};

static const struct prom_metric port_metrics[] = {
	{ "fouloader_port_received_packets_total",
	  "Packets a receive port decapsulated.", PORT_FIELD(s.rx_packets) },
	{ "fouloader_port_received_bytes_total",
	  "Bytes of the inner packets a receive port decapsulated.", PORT_FIELD(s.rx_bytes) },
	{ "fouloader_port_dropped_packets_total",
	  "Packets to a receive port that were dropped (the reason is in fouloader_packets_total).",
	  PORT_FIELD(s.drop_packets) },
	{ "fouloader_port_gro_skbs_total",
	  "skbs fou_hints_tc saw for a port after GRO.", PORT_FIELD(g.skbs) },
	{ "fouloader_port_gro_segments_total",
	  "Segments merged into those skbs.", PORT_FIELD(g.segs) },
};

static void write_ports(FILE *f)
{
	static struct prom_port ports[FOU_MAX_PORTS];
	int n = read_ports(ports);

	for (size_t k = 0; k < sizeof(port_metrics) / sizeof(port_metrics[0]); k++) {
		family(f, port_metrics[k].name, "counter", port_metrics[k].help);
		for (int i = 0; i < n; i++) {
			const char *l[] = { "port", ports[i].port, "family", ports[i].family };
			__u64 v = *(const __u64 *)((const char *)&ports[i] + port_metrics[k].off);

			sample_u64(f, port_metrics[k].name, l, 2, v);
		}
	}
	family(f, "fouloader_port_gro_segments_per_skb", "gauge",
	       "Segments per skb after GRO since the port was added (0: no skb seen).");
	for (int i = 0; i < n; i++) {
		const char *l[] = { "port", ports[i].port, "family", ports[i].family };

		sample(f, "fouloader_port_gro_segments_per_skb", l, 2, segs_per_skb(&ports[i].g));
	}
}

/* ---------------------------------------------------------------- tunnels */

struct prom_tunnel {
	char name[sizeof(((struct fou_tunnel *)0)->name) + 1];
	struct fou_tun_stats s;
	struct fou_tun_icmp icmp;
	__u32 pmtu;
};

static int read_tunnels(struct prom_tunnel *out)
{
	struct pmtu_reader r;
	struct fou_tun_path p;
	struct fou_tun_fds m;
	struct fou_tunnel t;
	int sfd, n = 0;

	if (!state_exists())
		return 0;
	m.tunnels = map_fd_or_fail(FOU_MAP_TUNNELS);
	sfd = map_fd_or_fail(FOU_MAP_TUN_STATS);
	pmtu_reader_open(&r);
	for (__u32 i = 0; i < FOU_MAX_TUNNELS; i++) {
		if (fou_tunnel_get(&m, i, &t))
			continue;
		snprintf(out[n].name, sizeof(out[n].name), "%.*s", (int)sizeof(t.name), t.name);
		stats_sum_tunnel(sfd, i, &out[n].s);
		tunnel_icmp_sum(i, &out[n].icmp);
		out[n].pmtu = pmtu_reader_get(&r, i, &p);
		n++;
	}
	pmtu_reader_close(&r);
	close(sfd);
	close(m.tunnels);
	return n;
}

#define TUN_FIELD(fld) offsetof(struct prom_tunnel, fld)

static const struct prom_metric tunnel_metrics[] = {
	{ "fouloader_tunnel_transmitted_packets_total",
	  "Packets a tunnel encapsulated and sent.", TUN_FIELD(s.tx_packets) },
	{ "fouloader_tunnel_transmitted_bytes_total",
	  "Bytes of the inner packets a tunnel encapsulated.", TUN_FIELD(s.tx_bytes) },
	{ "fouloader_tunnel_dropped_packets_total",
	  "Packets routed into a tunnel and dropped (the reason is in fouloader_packets_total).",
	  TUN_FIELD(s.drop_packets) },
	{ "fouloader_tunnel_icmp_too_big_sent_total",
	  "Frag Needed / Packet Too Big sent to a tunnel's inner senders.",
	  TUN_FIELD(icmp.sent_too_big) },
	{ "fouloader_tunnel_icmp_rate_limited_total",
	  "Frag Needed / Packet Too Big the rate limit held back.", TUN_FIELD(icmp.rate_limited) },
};

/* The ICMP errors matched to each tunnel (see 'pmtu show') by kind; what it
 * sent or held back are counters of their own (tunnel_metrics). */
static void write_tunnel_icmp(FILE *f, const struct prom_tunnel *t, int n)
{
	const char *names[TUN_ICMP_FIELDS];
	__u64 vals[TUN_ICMP_FIELDS];
	const char *recv = "fouloader_tunnel_icmp_errors_received_total";

	family(f, recv, "counter", "ICMP errors about a tunnel's packets, matched to it, by kind.");
	for (int i = 0; i < n; i++) {
		int k = tunnel_icmp_fields(&t[i].icmp, names, vals);

		for (int j = 0; j < k; j++) {
			const char *l[] = { "tunnel", t[i].name, "kind", names[j] };

			if (strcmp(names[j], "sent_too_big") && strcmp(names[j], "rate_limited"))
				sample_u64(f, recv, l, 2, vals[j]);
		}
	}
}

static void write_tunnels(FILE *f)
{
	static struct prom_tunnel t[FOU_MAX_TUNNELS];
	int n = read_tunnels(t);

	for (size_t k = 0; k < sizeof(tunnel_metrics) / sizeof(tunnel_metrics[0]); k++) {
		const struct prom_metric *m = &tunnel_metrics[k];

		family(f, m->name, "counter", m->help);
		for (int i = 0; i < n; i++) {
			const char *l[] = { "tunnel", t[i].name };

			sample_u64(f, m->name, l, 1, *(const __u64 *)((const char *)&t[i] + m->off));
		}
	}
	write_tunnel_icmp(f, t, n);
	family(f, "fouloader_tunnel_path_mtu_bytes", "gauge",
	       "Outer path MTU learned from ICMP and in effect (0: none, or expired).");
	for (int i = 0; i < n; i++) {
		const char *l[] = { "tunnel", t[i].name };

		sample(f, "fouloader_tunnel_path_mtu_bytes", l, 1, t[i].pmtu);
	}
}

/* ---------------------------------------------------------------- the rest */

static void write_sctp(FILE *f)
{
	int udp = 0, native = 0, vtags = 0;
	const char *lu[] = { "encap", "udp" }, *ln[] = { "encap", "native" };

	if (state_exists())
		sctp_learned_counts(&udp, &native, &vtags);
	family(f, "fouloader_sctp_learned_peers", "gauge",
	       "SCTP peers the RFC 6951 gateway learned: over UDP, or speaking native SCTP.");
	sample(f, "fouloader_sctp_learned_peers", lu, 1, udp);
	sample(f, "fouloader_sctp_learned_peers", ln, 1, native);
	family(f, "fouloader_sctp_learned_vtags", "gauge",
	       "SCTP verification tags the gateway knows.");
	sample(f, "fouloader_sctp_learned_vtags", NULL, 0, vtags);
}

static void device_sample(const struct fou_device *dev, int i, void *f)
{
	char name[IF_NAMESIZE] = "";
	bool xdp = dev->hook == FOU_HOOK_XDP;
	const char *l[] = { "device", name, "hook", xdp ? "xdp" : "tc",
			    "mode", xdp ? xdp_mode_name(dev->xdp_mode) : "ingress" };

	(void)i;
	if (!if_indextoname(dev->ifindex, name))
		snprintf(name, sizeof(name), "%s", dev->name);
	sample(f, "fouloader_device_attached", l, 3, device_live(dev));
}

static void write_devices(FILE *f)
{
	int fd = state_exists() ? map_fd(FOU_MAP_DEVICES) : -1;

	family(f, "fouloader_state_present", "gauge",
	       "1 when fouloader's maps are pinned under its pin root.");
	sample(f, "fouloader_state_present", NULL, 0, fd >= 0);
	family(f, "fouloader_device_attached", "gauge",
	       "Per device fouloader attached to: 1 while the kernel still runs its programs, "
	       "0 when they were removed behind its back.");
	if (fd >= 0) {
		for_each_device(fd, device_sample, f);
		close(fd);
	}
}

int prom_write(FILE *f)
{
	__u64 totals[FOU_STAT__COUNT];

	stats_sum_counters(totals);
	write_devices(f);
	write_reasons(f, totals);
	write_ports(f);
	write_tunnels(f);
	write_sctp(f);
	return ferror(f) ? -EIO : 0;
}

/* ---------------------------------------------------------------- exporter */

#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status, char *body,
			     size_t len, const char *type)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body,
								  MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result text_reply(struct MHD_Connection *c, unsigned int status, const char *s)
{
	return reply(c, status, strdup(s), strlen(s), "text/plain; charset=utf-8");
}

/* GET /metrics: a fresh read of every map; anything else: 404 or 405. */
static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *data,
			      size_t *data_len, void **state)
{
	char *body = NULL;
	size_t len = 0;
	FILE *f;

	(void)cls, (void)version, (void)data, (void)data_len, (void)state;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return text_reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET /metrics\n");
	if (strcmp(url, "/metrics"))
		return text_reply(c, MHD_HTTP_NOT_FOUND, "fouloader exporter: see /metrics\n");
	f = open_memstream(&body, &len);
	if (!f)
		return text_reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	if (prom_write(f) | fclose(f)) {
		free(body);
		return text_reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot read the maps\n");
	}
	return reply(c, MHD_HTTP_OK, body, len, PROM_CONTENT_TYPE);
}

/* ADDR:PORT, [ADDR6]:PORT: the one address the exporter listens on. */
static int parse_listen(const char *s, struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	const char *colon = strrchr(s, ':');
	char host[INET6_ADDRSTRLEN + 2];
	size_t hl = colon ? (size_t)(colon - s) : 0;
	__u16 port;

	if (!colon || !hl || hl >= sizeof(host))
		return usage_err("exporter: --listen '%s': expected ADDR:PORT or [ADDR6]:PORT", s);
	port = parse_port("--listen", colon + 1);
	if (!port)
		return -EINVAL;
	memcpy(host, s, hl);
	host[hl] = 0;
	memset(ss, 0, sizeof(*ss));
	if (host[0] == '[' && host[hl - 1] == ']') {
		host[hl - 1] = 0;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) == 1)
			return 0;
	} else {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		if (inet_pton(AF_INET, host, &a4->sin_addr) == 1)
			return 0;
	}
	return usage_err("exporter: --listen '%s': not an IPv4 address or a bracketed IPv6 one", s);
}

static const struct opt exporter_opts[] = {
	{ "--listen", OPT_STR, 0, 0, sizeof(const char *), 0, NULL, NULL, "--listen ADDR:PORT",
	  NULL },
	OPT_END,
};

const struct opt_cmd exporter_cmd = {
	"exporter", exporter_opts, NULL, "exporter: unexpected argument '%s'", NULL, NULL,
};

static int parse_exporter(int argc, char **argv, const char **listen,
			  struct sockaddr_storage *ss)
{
	int err = opts_parse(&exporter_cmd, argc, argv, listen, NULL);

	if (err)
		return err;
	if (!*listen)
		return usage_err("exporter: --listen ADDR:PORT is required (say where to listen)");
	return parse_listen(*listen, ss);
}

int cmd_exporter(int argc, char **argv)
{
	struct sockaddr_storage ss = {};
	const char *listen = NULL;
	struct MHD_Daemon *d;
	sigset_t set;
	int sig = 0;

	if (parse_exporter(argc, argv, &listen, &ss))
		usage_exit();
	/* Blocked before the daemon's thread exists, so only sigwait() sees them. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
			     (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
			     0, NULL, NULL, handle, NULL,
			     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
			     MHD_OPTION_CONNECTION_LIMIT, (unsigned int)16,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10,
			     MHD_OPTION_END);
	if (!d)
		fail("exporter: cannot listen on %s: %s", listen, strerror(errno));
	info("exporter: serving /metrics on %s", listen);
	while (sig != SIGTERM && sig != SIGINT)
		if (sigwait(&set, &sig))
			break;
	MHD_stop_daemon(d);
	info("exporter: stopped by %s", sig == SIGINT ? "SIGINT" : "SIGTERM");
	return EXIT_OK;
}
