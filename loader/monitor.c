// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * monitor: the packets the programs dropped (or, with --all, every outcome)
 * with their reason, from fou_monitor_ring (bpf/lib/monitor.h). While it
 * runs, fou_monitor_conf holds its filters and rate; when it ends, however
 * it ends but SIGKILL, the switch goes back to off and the programs pay one
 * lookup per outcome again. Output: a line per event, a JSON object per
 * line, or pcapng with the reason in each packet's comment.
 */
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fouloader.h"
#include "opts.h"
#include "fou_monitor.h"

struct monitor_args {
	bool drops, all, json;
	const char *pcap, *tunnel;
	long port, count, snaplen, rate;
};

struct monitor {
	const struct monitor_args *a;
	FILE *pcap;
	__u32 pcap_ifindex[FOU_MAX_DEVICES]; /* pcapng interface id -> ifindex */
	int pcap_nif;
	char tunnels[FOU_MAX_TUNNELS][sizeof(((struct fou_tunnel *)0)->name) + 1];
	__s64 realtime_off_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC */
	long seen;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* ---------------------------------------------------------------- arguments */

#define MON_OPT(w, kind, g, field, max, syn) \
	{ w, kind, g, OPT_AT(struct monitor_args, field), max, NULL, NULL, syn, NULL }

enum { MW_DROPS, MW_ALL, MW_PORT, MW_TUNNEL, MW_COUNT, MW_SNAPLEN, MW_RATE, MW_PCAP, MW_JSON };

/* In the order of the synopsis; each word once. */
static const struct opt monitor_opts[] = {
	MON_OPT("--drops", OPT_FLAG, MW_DROPS, drops, 0, "[--drops"),
	MON_OPT("--all", OPT_FLAG, MW_ALL, all, 0, "| --all]"),
	MON_OPT("--port", OPT_PORT, MW_PORT, port, 0, "[--port P"),
	MON_OPT("--tunnel", OPT_STR, MW_TUNNEL, tunnel, 0, "| --tunnel NAME]"),
	MON_OPT("--count", OPT_UINT, MW_COUNT, count, 1000000000, "[--count N]"),
	MON_OPT("--snaplen", OPT_UINT, MW_SNAPLEN, snaplen, FOU_MONITOR_SNAPLEN_MAX, "[--snaplen B]"),
	MON_OPT("--rate", OPT_UINT, MW_RATE, rate, 1000000, "\n[--rate N]"),
	MON_OPT("--pcap", OPT_STR, MW_PCAP, pcap, 0, "[--pcap FILE"),
	MON_OPT("--json", OPT_FLAG, MW_JSON, json, 0, "| --json]"),
	OPT_END,
};

const struct opt_cmd monitor_cmd = {
	"monitor", monitor_opts, NULL, "monitor: unexpected argument '%s'", NULL, NULL,
};

static int parse_monitor(int argc, char **argv, struct monitor_args *a)
{
	int err;

	a->snaplen = FOU_MONITOR_SNAPLEN_DEFAULT;
	a->rate = FOU_MONITOR_RATE_DEFAULT;
	err = opts_parse(&monitor_cmd, argc, argv, a, NULL);
	if (err)
		return err;
	if (a->drops && a->all)
		return usage_err("monitor: --drops and --all exclude each other");
	if (a->port && a->tunnel)
		return usage_err("monitor: --port (receive) and --tunnel (transmit) exclude each "
				 "other");
	if (a->pcap && a->json)
		return usage_err("monitor: --pcap and --json exclude each other");
	if (!a->snaplen || !a->rate)
		return usage_err("monitor: --snaplen 1..%d, --rate 1..1000000",
				 FOU_MONITOR_SNAPLEN_MAX);
	return 0;
}

/* ---------------------------------------------------------------- pcapng */

#define PCAPNG_SHB 0x0A0D0D0A
#define PCAPNG_IDB 0x00000001
#define PCAPNG_EPB 0x00000006
#define LINKTYPE_ETHERNET 1
#define PAD4(n) (((n) + 3) & ~3u)

/* One option (code, length, value padded to 32 bits) into @buf; its size. */
static size_t pcapng_opt(__u8 *buf, __u16 code, const void *val, __u16 len)
{
	memcpy(buf, &code, 2);
	memcpy(buf + 2, &len, 2);
	memcpy(buf + 4, val, len);
	memset(buf + 4 + len, 0, PAD4(len) - len);
	return 4 + PAD4(len);
}

/* A block: type, total length, @body (padded), options then end of options,
 * total length again. */
static void pcapng_block(FILE *f, __u32 type, const void *body, size_t blen,
			 const __u8 *opts, size_t olen)
{
	__u32 total = 12 + PAD4(blen) + olen + 4;
	static const __u8 zero[4];

	fwrite(&type, 4, 1, f);
	fwrite(&total, 4, 1, f);
	fwrite(body, 1, blen, f);
	fwrite(zero, 1, PAD4(blen) - blen, f);
	fwrite(opts, 1, olen, f);
	fwrite(zero, 1, 4, f); /* opt_endofopt */
	fwrite(&total, 4, 1, f);
}

static void pcapng_header(FILE *f)
{
	struct {
		__u32 magic;
		__u16 major, minor;
		__s64 section_len;
	} __attribute__((packed)) shb = { 0x1A2B3C4D, 1, 0, -1 };
	const char app[] = "fouloader monitor";
	__u8 opts[64];

	pcapng_block(f, PCAPNG_SHB, &shb, sizeof(shb), opts,
		     pcapng_opt(opts, 4 /* shb_userappl */, app, strlen(app)));
}

/* The pcapng interface of @ifindex, described the first time it is seen. */
static __u32 pcapng_if(struct monitor *m, __u32 ifindex)
{
	struct {
		__u16 linktype, reserved;
		__u32 snaplen;
	} idb = { LINKTYPE_ETHERNET, 0, FOU_MONITOR_SNAPLEN_MAX };
	char name[IF_NAMESIZE] = "";
	__u8 opts[64];

	for (int i = 0; i < m->pcap_nif; i++)
		if (m->pcap_ifindex[i] == ifindex)
			return i;
	if (m->pcap_nif == FOU_MAX_DEVICES)
		return 0; /* cannot happen: one per attached device */
	if (!if_indextoname(ifindex, name))
		snprintf(name, sizeof(name), "if%u", ifindex);
	pcapng_block(m->pcap, PCAPNG_IDB, &idb, sizeof(idb), opts,
		     pcapng_opt(opts, 2 /* if_name */, name, strlen(name)));
	m->pcap_ifindex[m->pcap_nif] = ifindex;
	return m->pcap_nif++;
}

/* ---------------------------------------------------------------- events */

static const char *hook_name(__u8 hook)
{
	static const char *const n[] = { "xdp", "tc-ingress", "tc-egress" };

	return hook < 3 ? n[hook] : "?";
}

static bool is_drop(int id)
{
	return FOU_STAT_IS_DROP(id) || FOU_STAT_IS_TX_DROP(id);
}

/* "port 5555", "tunnel t1" or "": what the outcome belongs to. */
static void event_where(const struct monitor *m, const struct fou_monitor_event *e, char *buf,
			size_t len)
{
	if (e->tunnel && e->tunnel <= FOU_MAX_TUNNELS && m->tunnels[e->tunnel - 1][0])
		snprintf(buf, len, "tunnel %s", m->tunnels[e->tunnel - 1]);
	else if (e->tunnel)
		snprintf(buf, len, "tunnel slot %u", e->tunnel - 1);
	else if (e->port)
		snprintf(buf, len, "port %u", e->port);
	else
		buf[0] = 0;
}

/* @n bytes as hex into @out (2 * @n + 1 bytes). */
static const char *hex(const __u8 *p, unsigned int n, char *out)
{
	for (unsigned int i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", p[i]);
	out[2 * n] = '\0';
	return out;
}

static void write_pcap(struct monitor *m, const struct fou_monitor_event *e, const char *dev,
		       const char *where)
{
	__u64 us = (e->ts_ns + m->realtime_off_ns) / 1000;
	struct {
		__u32 if_id, ts_high, ts_low, cap_len, orig_len;
		__u8 data[FOU_MONITOR_SNAPLEN_MAX];
	} epb;
	char comment[160];
	__u8 opts[200];
	int n;

	epb.if_id = pcapng_if(m, e->ifindex);
	epb.ts_high = us >> 32;
	epb.ts_low = (__u32)us;
	epb.cap_len = e->cap_len;
	epb.orig_len = e->pkt_len;
	memcpy(epb.data, e->data, e->cap_len);
	n = snprintf(comment, sizeof(comment), "%s: %s (%s %s%s%s)", stat_name(e->reason),
		     stat_desc(e->reason), hook_name(e->hook), dev, *where ? ", " : "", where);
	pcapng_block(m->pcap, PCAPNG_EPB, &epb, 20 + e->cap_len, opts,
		     pcapng_opt(opts, 1 /* opt_comment */, comment,
				n < (int)sizeof(comment) ? n : (int)sizeof(comment) - 1));
}

static void print_event(const struct monitor *m, const struct fou_monitor_event *e,
			const char *dev, const char *where)
{
	double t = (double)(e->ts_ns + m->realtime_off_ns) / 1e9;
	char data[2 * FOU_MONITOR_SNAPLEN_MAX + 1];
	struct json j;

	hex(e->data, e->cap_len, data);
	if (!m->a->json) {
		printf("%.6f %s %s %s%s%s len %u:%s%s\n", t, stat_name(e->reason), hook_name(e->hook),
		       dev, *where ? " " : "", where, e->pkt_len, e->cap_len ? " " : "", data);
		return;
	}
	json_start(&j, stdout);
	json_object(&j);
	json_key(&j, "time");
	json_double(&j, "%.6f", t);
	json_kstr(&j, "reason", stat_name(e->reason));
	json_kbool(&j, "drop", is_drop(e->reason));
	json_kstr(&j, "hook", hook_name(e->hook));
	json_kstr(&j, "dev", dev);
	json_ku64(&j, "ifindex", e->ifindex);
	if (e->port)
		json_ku64(&j, "port", e->port);
	else
		json_knull(&j, "port");
	json_kstr_or_null(&j, "tunnel", e->tunnel ? m->tunnels[e->tunnel - 1] : NULL);
	json_ku64(&j, "len", e->pkt_len);
	json_ku64(&j, "cap_len", e->cap_len);
	json_kstr(&j, "data", data);
	json_end(&j);
	printf("\n");
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct monitor *m = ctx;
	struct fou_monitor_event e = {};
	char dev[IF_NAMESIZE] = "", where[64];

	if (m->a->count && m->seen >= m->a->count)
		return 0; /* past --count in the same batch: consumed, not shown */
	memcpy(&e, data, size < sizeof(e) ? size : sizeof(e));
	if (e.cap_len > FOU_MONITOR_SNAPLEN_MAX)
		e.cap_len = FOU_MONITOR_SNAPLEN_MAX;
	if (!if_indextoname(e.ifindex, dev))
		snprintf(dev, sizeof(dev), "if%u", e.ifindex);
	event_where(m, &e, where, sizeof(where));
	if (m->pcap)
		write_pcap(m, &e, dev, where);
	else
		print_event(m, &e, dev, where);
	fflush(m->pcap ? m->pcap : stdout);
	m->seen++;
	return 0;
}

/* ---------------------------------------------------------------- setup */

static void load_tunnel_names(struct monitor *m)
{
	struct fou_tun_fds tm = { .tunnels = map_fd(FOU_MAP_TUNNELS) };
	struct fou_tunnel t;

	for (__u32 i = 0; tm.tunnels >= 0 && i < FOU_MAX_TUNNELS; i++)
		if (!fou_tunnel_get(&tm, i, &t))
			snprintf(m->tunnels[i], sizeof(m->tunnels[i]), "%.*s", (int)sizeof(t.name),
				 t.name);
	if (tm.tunnels >= 0)
		close(tm.tunnels);
}

static __s64 realtime_offset(void)
{
	struct timespec r, mono;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &r);
	return ((__s64)r.tv_sec - mono.tv_sec) * 1000000000LL + (r.tv_nsec - mono.tv_nsec);
}

/* What the BPF side let through, held back and lost, summed over CPUs. */
static void monitor_counts(int fd, struct fou_monitor_cpu *sum)
{
	int ncpu = cpu_count();
	struct fou_monitor_cpu *v = calloc(ncpu, sizeof(*v));
	__u32 zero = 0;

	memset(sum, 0, sizeof(*sum));
	if (!v)
		fail("out of memory");
	if (!bpf_map_lookup_elem(fd, &zero, v))
		for (int c = 0; c < ncpu; c++) {
			sum->events += v[c].events;
			sum->limited += v[c].limited;
			sum->lost += v[c].lost;
		}
	free(v);
}

/* The conf a monitor writes; refuses to take over from one still running. */
static void monitor_conf(const struct monitor_args *a, int conf_fd, struct fou_monitor_conf *c)
{
	struct fou_monitor_conf cur = {};
	__u32 zero = 0;

	if (!bpf_map_lookup_elem(conf_fd, &zero, &cur) && cur.flags && cur.owner_pid &&
	    (pid_t)cur.owner_pid != getpid() && kill(cur.owner_pid, 0) == 0)
		usage_error("monitor: another monitor (pid %u) is running; one at a time",
			    cur.owner_pid);
	memset(c, 0, sizeof(*c));
	c->flags = FOU_MON_F_ON | (a->all ? FOU_MON_F_ALL : 0);
	c->snaplen = a->snaplen;
	c->cost_ns = 1000000000ULL / a->rate;
	c->owner_pid = getpid();
	c->port = a->port;
	if (a->tunnel) {
		int tfd = map_fd_or_fail(FOU_MAP_TUNNELS), slot = tunnel_find(tfd, a->tunnel, NULL, NULL);

		close(tfd);
		if (slot < 0)
			usage_error("monitor: tunnel %s does not exist", a->tunnel);
		c->tunnel = slot + 1;
	}
}

static int discard(void *ctx, void *data, size_t size)
{
	(void)ctx, (void)data, (void)size;
	return 0;
}

static int run_monitor(struct monitor *m, int ring_fd)
{
	struct ring_buffer *rb;
	int err = 0;

	/* What a monitor killed before us left in the ring is not ours. */
	rb = ring_buffer__new(ring_fd, discard, NULL, NULL);
	if (!rb)
		fail("monitor: cannot open %s: %s", FOU_MAP_MONITOR_RING, strerror(errno));
	ring_buffer__consume(rb);
	ring_buffer__free(rb);
	rb = ring_buffer__new(ring_fd, on_event, m, NULL);
	if (!rb)
		fail("monitor: cannot open %s: %s", FOU_MAP_MONITOR_RING, strerror(errno));
	while (!stop && (!m->a->count || m->seen < m->a->count)) {
		err = ring_buffer__poll(rb, 200);
		if (err == -EINTR)
			err = 0;
		if (err < 0)
			break;
		err = 0;
	}
	ring_buffer__free(rb);
	return err;
}

/* Programs attached by an older fouloader have no monitor maps: say so
 * rather than pinning new ones no program writes to. */
static void monitor_maps(int *conf_fd, int *ring_fd, int *cpu_fd)
{
	if (!state_exists())
		fail("monitor: nothing pinned under %s (attach first)", g_opts.pin_root);
	*conf_fd = map_fd(FOU_MAP_MONITOR_CONF);
	*ring_fd = map_fd(FOU_MAP_MONITOR_RING);
	*cpu_fd = map_fd(FOU_MAP_MONITOR_CPU);
	if (*conf_fd < 0 || *ring_fd < 0 || *cpu_fd < 0)
		fail("monitor: no monitor maps under %s: programs attached by an older fouloader; "
		     "attach again to replace them", g_opts.pin_root);
}

/* The header is flushed at once: a reader of the file (or FIFO) sees a
 * valid pcapng even while no event has arrived yet. */
static void monitor_pcap_open(struct monitor *m, const char *path)
{
	m->pcap = fopen(path, "w");
	if (!m->pcap)
		fail("monitor: cannot create %s: %s", path, strerror(errno));
	pcapng_header(m->pcap);
	fflush(m->pcap);
}

/* A signal ends the poll loop instead of the process, so that the monitor
 * is always switched off again; a closed pipe is seen as a write error. */
static void monitor_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int cmd_monitor(int argc, char **argv)
{
	struct monitor_args a = {};
	struct monitor m = { .a = &a };
	struct fou_monitor_cpu before, after;
	struct fou_monitor_conf c, off = {};
	int conf_fd, ring_fd, cpu_fd, err;
	__u32 zero = 0;

	if (parse_monitor(argc, argv, &a))
		usage_exit();
	monitor_maps(&conf_fd, &ring_fd, &cpu_fd);
	monitor_conf(&a, conf_fd, &c);
	load_tunnel_names(&m);
	m.realtime_off_ns = realtime_offset();
	if (a.pcap)
		monitor_pcap_open(&m, a.pcap);
	monitor_signals();
	monitor_counts(cpu_fd, &before);
	if (bpf_map_update_elem(conf_fd, &zero, &c, BPF_ANY))
		fail("monitor: cannot switch the monitor on: %s", strerror(errno));
	err = run_monitor(&m, ring_fd);
	if (bpf_map_update_elem(conf_fd, &zero, &off, BPF_ANY))
		warnx_("monitor: cannot switch the monitor off: %s", strerror(errno));
	monitor_counts(cpu_fd, &after);
	if (m.pcap && fclose(m.pcap))
		fail("monitor: cannot write %s: %s", a.pcap, strerror(errno));
	fprintf(stderr, "fouloader: monitor: %ld event%s; %llu held back by the rate limit, "
		"%llu lost (ring full)\n", m.seen, m.seen == 1 ? "" : "s",
		after.limited - before.limited, after.lost - before.lost);
	close(conf_fd);
	close(ring_fd);
	close(cpu_fd);
	if (err < 0)
		fail("monitor: reading %s: %s", FOU_MAP_MONITOR_RING, strerror(-err));
	return EXIT_OK;
}
