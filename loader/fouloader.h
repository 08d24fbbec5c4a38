/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* fouloader internals shared between the command families. */
#ifndef FOULOADER_H
#define FOULOADER_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

#include "fou_maps.h"
#include "fou_stats.h"
#include "portstate.h"
#include "tunstate.h"
#include "json.h"

/* Exit statuses: 2 means the command line was wrong and nothing changed. */
#define EXIT_OK    0
#define EXIT_FAIL  1
#define EXIT_USAGE 2

/* A receive port with this ipproto speaks SCTP over UDP (RFC 6951). */
#define FOU_IPPROTO_SCTP 132

struct global_opts {
	const char *pin_root;
	bool verbose;
};
extern struct global_opts g_opts;

struct opt_cmd;
struct command {
	const char *name;     /* "attach", "port add", ... */
	const char *help;     /* what it does, option by option */
	int (*run)(int argc, char **argv); /* argv[0] is the first argument */
	const struct opt_cmd *opts; /* its word table (opts.h): the grammar, man-page style */
};
extern const struct command commands[];

/* util.c: diagnostics. usage_error() (exit 2) and fail() (exit 1) do not
 * return. Parsers return usage_err(), which records its text in usage_msg
 * and returns -EINVAL; usage_exit() prints that text and exits 2. */
extern char usage_msg[1024];
int usage_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void usage_exit(void) __attribute__((noreturn));
void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void warnx_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void put_escaped(FILE *f, const char *s); /* control characters as \n, \xNN */

/* util.c: argument parsing. On bad input each records a usage_err()
 * naming @what and returns what no good input gives: 0 (a port, an
 * ipproto, an address family, an ifindex), -EINVAL (a number), NULL. */
__u16 parse_port(const char *what, const char *s); /* host order */
long parse_uint(const char *what, const char *s, long max);
__u8 parse_tunnel_ipproto(const char *s); /* 4, 41 or 47 */
__u8 parse_port_ipproto(const char *s);   /* 4, 41, 47 or 132 */
int parse_gre_key(const char *s, __u32 *key); /* a number, or dotted like ip(8)'s; 0 or -EINVAL */
bool tunnel_carries(const struct fou_tunnel *t, int family);
/* Parse an IPv4 or IPv6 address; returns its FOU_FAMILY_*. */
int parse_addr(const char *what, const char *s, struct fou_addr *out);
unsigned int parse_dev(const char *s);
const char *need_arg(int argc, char **argv, int i, const char *opt);
bool is_help(const char *s);
void format_addr(const struct fou_addr *a, int family, char *buf, size_t len);


/* maps.c: the pinned state. */
int ensure_pin_root(void);        /* mount bpffs if needed, mkdir the root */
bool state_exists(void);          /* maps pinned under the pin root */
bool state_exists_locked(void);   /* the same, holding the pin root's lock */
int ensure_maps(void);            /* create and pin the maps if missing; local_addrs_sync() */
/* localaddr.c: fou_local_addrs (@fd) and fou_local_inline (@inline_fd)
 * := this host's addresses. */
void local_addrs_sync(int fd, int inline_fd);
int map_fd(const char *name);     /* open a pinned map; -1 if absent */
int map_fd_or_fail(const char *name);
int cpu_count(void);
void open_port_fds(struct fou_port_fds *m);
void close_port_fds(struct fou_port_fds *m);
/* The tunnel and route maps; fou_tunnels as a dup of @tunnels_fd if >= 0. */
void open_tun_fds(struct fou_tun_fds *m, int tunnels_fd);
void close_tun_fds(struct fou_tun_fds *m);
void setup_libbpf_logging(void);
void settings_load(const char *name, void *out, size_t size); /* ARRAY[1]; zero if absent */
int settings_put(const char *name, const void *val);

/* kernel.c: what the running kernel offers, probed once. */
struct fou_kernel {
	char release[65];  /* uname -r */
	char version[16];  /* major.minor */
	bool btf;          /* /sys/kernel/btf/vmlinux: CO-RE needs it */
	bool kern_ctx;     /* kfunc bpf_cast_to_kern_ctx, 6.2 */
	bool decap_l3;     /* BPF_F_ADJ_ROOM_DECAP_L3_*, 6.3 */
	bool xdp_features; /* the netdev generic netlink family, 6.3 */
	bool xdp_meta;     /* XDP rx metadata kfuncs, 6.3 */
	bool cpumap_gro;   /* GRO in cpumap, 6.15 */
	bool xdp_adjust_meta; /* XDP may call bpf_xdp_adjust_meta (hints), 4.15 */
};
/* What a missing feature touches: attach reports those of its mode. */
#define KF_TC         0x1 /* every attach (fou_tx_tc) */
#define KF_RX_TC      0x2
#define KF_XDP        0x4
#define KF_XDP_NATIVE 0x8
#define KF_STEER      0x10
#define KF_HINTS      0x20 /* XDP receive with hints (the default) */
#define KF_ALL        0x3f
struct kfeature {
	const char *name;     /* as people look for it */
	const char *key;      /* its JSON key in probe --json */
	const char *since;    /* the first kernel with it */
	size_t offset;        /* its bool in struct fou_kernel */
	unsigned int uses;    /* KF_* */
	const char *degraded; /* what fouloader does without it */
};
const struct fou_kernel *kernel_features(void);
const struct kfeature *kfeature_table(int *n);
bool kfeature_present(const struct fou_kernel *k, const struct kfeature *f);
void kernel_report_missing(FILE *f, const char *prefix, unsigned int uses);
struct bpf_object;
enum fou_obj { FOU_OBJ_RX_TC, FOU_OBJ_TX_TC, FOU_OBJ_RX_XDP, FOU_OBJ_HINTS_TC };
struct bpf_object *open_prog_object(enum fou_obj which, bool pinned);
struct bpf_object *open_object(enum fou_obj which, bool pinned, bool nocast);
const char *tc_build_name(void);
struct bpf_object_open_opts;
struct fou_rx_xdp_bpf;
struct fou_rx_xdp_bpf *open_rx_xdp_skel(const struct bpf_object_open_opts *opts, bool nocast);
/* genl.c: one generic netlink request (attrs of the answer to @attrs, up
 * to @max), and the netdev family's id (0: none). */
struct nlattr;
int genl_call(__u16 family, __u8 cmd, __u16 attr, const void *val, __u16 len,
	      struct nlattr **attrs, int max, char *buf, size_t bufsz);
__u16 netdev_family(void);
bool probe_netdev_family(void);

/* tc.c: the clsact hook, touching only what fouloader created. */
#include <bpf/libbpf.h>
int tc_attach(unsigned int ifindex, enum bpf_tc_attach_point point, int prog_fd, bool replace,
	      struct fou_device *dev);
int tc_detach(const struct fou_device *dev, enum bpf_tc_attach_point point, __u32 prog_id);
int tc_query_prog_id(const struct fou_device *dev, enum bpf_tc_attach_point point,
		     __u32 *prog_id);
void tc_release_qdisc(const struct fou_device *dev);
bool tc_has_clsact(unsigned int ifindex);

/* steer.c: fou_cpumap for attach --steer cpumap. */
int steer_online_cpus(void); /* CPUs 0..N-1 online, at most FOU_MAX_STEER_CPUS */
int steer_fill(int n);       /* entries 0..n-1; 0 or -errno */
void steer_trim(void);       /* drop entries no recorded device needs */

/* port.c: every port, sorted by family and number; returns the count. */
struct port_entry {
	struct fou_port port;
	__u32 slot;
};
int load_ports(struct port_entry *out, int max);
/* fou_port_install, with the slot's coalescing counters reset. */
int port_install(const struct fou_port_fds *m, const struct fou_port_key *key,
		 struct fou_port *port, const struct fou_peer_spec *peers, int npeers);

/* Command entry points. */
int cmd_attach(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_port_add(int argc, char **argv);
int cmd_port_del(int argc, char **argv);
int cmd_port_show(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_tunnel_add(int argc, char **argv);
int cmd_tunnel_del(int argc, char **argv);
int cmd_tunnel_show(int argc, char **argv);
int cmd_route_add(int argc, char **argv);
int cmd_route_del(int argc, char **argv);
int cmd_route_show(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_verifier_stats(int argc, char **argv);
int probe_native_xdp(unsigned int ifindex);
bool probe_xdp_rx_hash(unsigned int ifindex);
bool dev_is_virtual(const char *dev, char *driver, size_t len);
int cmd_show_config(int argc, char **argv);
int cmd_sctp_set(int argc, char **argv);
int cmd_sctp_dev(int argc, char **argv);
int cmd_sctp_show(int argc, char **argv);
int cmd_sctp_flush(int argc, char **argv);
int cmd_icmp_set(int argc, char **argv);
int cmd_icmp_show(int argc, char **argv);
int cmd_pmtu_show(int argc, char **argv);
int cmd_pmtu_flush(int argc, char **argv);

/* The parsed form of one "port add", "tunnel add", "route add" line: what
 * the commands and "apply" share. */
#define MAX_PEERS_PER_CMD 64

struct port_spec {
	struct fou_port_key key;
	struct fou_port port;
	struct fou_peer_spec peers[MAX_PEERS_PER_CMD];
	int peer_family[MAX_PEERS_PER_CMD];
	int npeers;
	int local_family;
	const char *dev;
	bool have_kind, have_port;
};

struct route_spec {
	struct prefix p;
	const char *tunnel;
};

/* The parsers: 0, or -EINVAL with the message in usage_msg (usage_err()). */
int port_parse_add(int argc, char **argv, struct port_spec *a);
int port_del_parse(int argc, char **argv, struct fou_port_key *key);
int apply_check_text(const char *file, char *text); /* parse and validate only */
/* Parse only, changing nothing: the config fuzzer's way into the parsers
 * of commands without a spec of their own. */
int attach_parse_check(int argc, char **argv);
int stats_parse_check(int argc, char **argv);
int pmtu_parse_check(int argc, char **argv); /* pmtu show's grammar */
int tunnel_parse_add(int argc, char **argv, struct fou_tunnel *t);
int route_parse_add(int argc, char **argv, struct route_spec *r);

/* tunnel.c / route.c: tunstate on the pinned maps (@fd: fou_tunnels). */
int tunnel_find(int fd, const char *name, struct fou_tunnel *out, int *free_slot); /* or -1 */
bool tunnel_same_path(const struct fou_tunnel *a, const struct fou_tunnel *b);
void tunnel_index_sync(void); /* fou_tun_index from fou_tunnels: repairs old pin roots */
void route_count_sync(void); /* fou_route_count and fou_route_filter from the tries */
void format_prefix(const struct prefix *p, char *buf, size_t len);

/* sctp.c: one "sctp set" or "sctp dev" line, as the commands and "apply"
 * parse it; only what the line names is set. */
struct sctp_set_spec {
	struct fou_sctp_conf conf;
	bool have_encap, have_remote;
};

struct sctp_dev_spec {
	const char *name;
	__u32 ifindex;
	__u32 mask;  /* the FOU_SCTP_DEV_F_* the line sets */
	__u32 flags; /* their values */
	bool reset;  /* "default": every setting */
};

struct sctp_dev_entry {
	__u32 ifindex;
	__u32 flags;
};

int sctp_parse_set(int argc, char **argv, struct sctp_set_spec *s);
int sctp_parse_dev(int argc, char **argv, struct sctp_dev_spec *s);
__u32 sctp_dev_flags(const struct sctp_dev_spec *s, __u32 cur); /* @cur with the line applied */
void sctp_load_conf(struct fou_sctp_conf *out);                 /* zero: all defaults */
int sctp_load_devs(struct sctp_dev_entry *out, int max);        /* by ifindex */
int sctp_put_conf(const struct fou_sctp_conf *c);
int sctp_put_dev(__u32 ifindex, __u32 flags);                   /* 0: delete the entry */
void sctp_print_config(void);

/* icmp.c: one "icmp set" line, as the command and "apply" parse it; only
 * the settings it names (bits of @have, by ICMP_OPT_*) are set. */
enum {
	ICMP_OPT_EXPIRE,
	ICMP_OPT_MIN4,
	ICMP_OPT_MIN6,
	ICMP_OPT_RATE,
	ICMP_OPT_BURST,
	ICMP_OPT_REDIRECTS,
	ICMP_OPT_COUNT,
};

struct icmp_set_spec {
	struct fou_icmp_conf conf;
	unsigned int have;
};

int icmp_parse_set(int argc, char **argv, struct icmp_set_spec *s);
void icmp_apply_set(const struct icmp_set_spec *s, struct fou_icmp_conf *cur);
const char *icmp_opt_word(int opt); /* "pmtu-expire", ... */
__u32 icmp_conf_value(const struct fou_icmp_conf *c, int opt); /* defaults filled in */
void icmp_load_conf(struct fou_icmp_conf *out);                 /* zero: all defaults */
int icmp_put_conf(const struct fou_icmp_conf *c);
void icmp_print_config(void);

/* pmtu.c: the per-tunnel ICMP counters, as 'stats' and 'pmtu show' read them. */
#define TUN_ICMP_FIELDS 7
void tunnel_icmp_sum(__u32 slot, struct fou_tun_icmp *t);
int tunnel_icmp_fields(const struct fou_tun_icmp *t, const char **names, __u64 *vals);

/* pmtu.c: the learned path state, as 'pmtu show' reads it. */
struct pmtu_reader {
	int path_fd; /* fou_tun_path, -1 if absent */
	__u64 now, expire_s;
};
void pmtu_reader_open(struct pmtu_reader *r);
void pmtu_reader_close(struct pmtu_reader *r);
__u32 pmtu_reader_get(const struct pmtu_reader *r, __u32 slot, struct fou_tun_path *p);

/* counters.c: the counters summed over CPUs, as 'stats' and the metrics read them. */
const char *stat_name(int id);
const char *stat_desc(int id);
void stats_sum_counters(__u64 *totals); /* FOU_STAT__COUNT entries; zero without state */
void percpu_sum_u64(int fd, __u32 slot, size_t size, void *out); /* fd < 0: zero */
void stats_sum_gro(int fd, __u32 slot, struct fou_gro_stats *g); /* fd < 0: zero */
void stats_sum_tunnel(int fd, __u32 slot, struct fou_tun_stats *t);
double segs_per_skb(const struct fou_gro_stats *g);

/* sctp.c: learned peers (over UDP, native) and tags, counted. */
void sctp_learned_counts(int *udp, int *native, int *vtags);

/* attach.c: the recorded devices and whether the kernel still runs them. */
int for_each_device(int fd, void (*fn)(const struct fou_device *, int, void *), void *arg);
bool device_live(const struct fou_device *dev);
const char *xdp_mode_name(int mode);

/* prom.c: every metric in the Prometheus text format (0 or -errno). */
int prom_write(FILE *f);
int cmd_exporter(int argc, char **argv);
int cmd_monitor(int argc, char **argv);

/* Text output in the grammar of the add commands; @verb is "" or " add". */
void print_port_line(const struct fou_port_fds *m, const struct fou_port *p, const char *verb);
void print_port_json(struct json *j, const struct fou_port_fds *m, const struct fou_port *p);
void print_tunnel_line(const struct fou_tunnel *t, const char *verb);

#endif /* FOULOADER_H */
