// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* fouloader: command table, global options, help. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fouloader.h"
#include "opts.h"

const struct command commands[] = {
	{ "attach",
	  "Attach the receive program to DEV. --rx auto (the default) picks TC ingress\n"
	  "on virtual devices (veth, tun, ...), where XDP would make the peer segment\n"
	  "every GSO packet, and native XDP on hardware NICs, where decapsulating\n"
	  "before GRO lets GRO see the inner flow. --xdp-mode skb is the generic\n"
	  "(slower) XDP for drivers without native support; there is no silent\n"
	  "fallback. Attaching again to the same device replaces the program in place.\n"
	  "Where the driver offers the XDP RX hash (see 'probe'), native XDP runs the\n"
	  "device-bound variant that takes the inner flow's hash from it.\n"
	  "--hints on (the default with XDP): XDP leaves what it learnt (inner flow\n"
	  "hash, receive port, verified checksums) in the packet's metadata, and\n"
	  "fou_hints_tc at TC ingress applies it after GRO (hash, the port's mark,\n"
	  "checksum level) and counts segments per skb per port (see 'stats').\n"
	  "--hints off: neither. --steer cpumap: decapsulated packets go to CPU\n"
	  "(inner flow hash mod N) through a cpumap, which builds their skbs and runs\n"
	  "GRO there; --steer-cpus N: CPUs 0..N-1 (default: every online CPU from 0\n"
	  "on, at most 64). --steer none (the default): no redirect. --hints and\n"
	  "--steer need XDP receive: with --rx tc they are refused.",
	  cmd_attach, &attach_cmd },
	{ "detach",
	  "Remove what fouloader attached to DEV: its XDP program (and hints filter)\n"
	  "or its TC filter, and the clsact qdisc only if fouloader created it and\n"
	  "nothing else uses it; fou_cpumap entries no attached device steers to.\n"
	  "Maps and configuration stay pinned.",
	  cmd_detach, &detach_cmd.cmd },
	{ "probe",
	  "Report what the kernel and DEV's driver offer, changing nothing: the driver\n"
	  "and the receive hook --rx auto would pick; native XDP, XDP_TX/redirect and\n"
	  "multi-buffer (frags) support and the XDP rx metadata the driver offers\n"
	  "(netdev xdp_features, kernel 6.3+); kernel BTF (needed), the rx-hash\n"
	  "kfunc, TC BPF, libxdp's dispatcher (BPF_PROG_TYPE_EXT); a clsact qdisc;\n"
	  "the kernel's release, which build of the TC programs it gets, and a line\n"
	  "for each BPF feature it lacks: the first kernel with it and what\n"
	  "fouloader does without it (fouloader(8), Kernel versions).",
	  cmd_probe, &probe_cmd },
	{ "verifier stats",
	  "Load each program as attach would on this kernel (the nocast builds where\n"
	  "the kernel lacks bpf_cast_to_kern_ctx, and on newer kernels those builds\n"
	  "too; fou_rx_xdp with and without hints), with private maps, attaching and pinning nothing, and\n"
	  "print the verifier's statistics: instructions after linking, as the kernel\n"
	  "runs them (xlated) and bytes of JIT-compiled code, instructions\n"
	  "processed (the limit is 1000000), states, peak states, the most states\n"
	  "per instruction, the stack depth of each frame, verification time.\n"
	  "Exits 1 if a program does not load.",
	  cmd_verifier_stats, &verifier_stats_cmd },
	{ "status",
	  "Show where the receive programs are attached and whether the kernel still\n"
	  "runs them; with XDP, which variant runs (rxhash or plain), the hints filter\n"
	  "and the CPUs steered to.",
	  cmd_status, &status_cmd },
	{ "port add",
	  "Open a receive port. ipproto 4: FOU carrying IPv4; ipproto 41: FOU carrying\n"
	  "IPv6; ipproto 132: SCTP over UDP (RFC 6951): the UDP checksum and the SCTP\n"
	  "CRC32c are checked, the UDP header removed, and the peer's UDP source port\n"
	  "learned for the way back (see 'sctp'). gue: GUE version 0 or 1.\n"
	  "ipproto 47: GRE (RFC 2784/2890, version 0) carrying IPv4 or IPv6, as does a\n"
	  "gue port with GUE proto 47; a GRE checksum is checked, a sequence number\n"
	  "read past. key K (0-4294967295 or dotted): only GRE packets with key K;\n"
	  "without, any key or none. GRE carrying Ethernet (0x6558) is not supported:\n"
	  "dropped and counted (drop_gre_teb).\n"
	  "-6: the port receives over outer IPv6.\n"
	  "Only packets to a unicast address of this host are decapsulated.\n"
	  "local ADDR: only packets to ADDR. peer ADDR [peer_port P]: only packets from\n"
	  "ADDR (and source port P); repeat for more peers. peer any: accept every\n"
	  "source (must be asked for). dev DEV: only packets arriving on DEV.\n"
	  "zero-csum6: accept a zero UDP checksum over IPv6 (RFC 6935) from any peer;\n"
	  "without it only a port with named peers accepts one (GSO packets of IPv6\n"
	  "tunnels carry zero), and an SCTP port never.\n"
	  "multicast: also decapsulate packets to broadcast and multicast addresses.\n"
	  "mark N: the skb mark (0 to 0xffffffff, decimal or 0x hex; 0: none) of what\n"
	  "the port decapsulates, set by fou_hints_tc: needs attach --rx xdp with hints.\n"
	  "remcsum (gue, the default, as the kernel): GUE remote checksum offload; the\n"
	  "inner TCP/UDP checksum is completed from the verified outer UDP checksum (a\n"
	  "zero one cannot: dropped). noremcsum: such packets are dropped.",
	  cmd_port_add, &port_add_cmd },
	{ "port del", "Close a receive port and forget its peers.", cmd_port_del, &port_del_cmd },
	{ "port show", "List receive ports, in the grammar of 'port add'.",
	  cmd_port_show, &port_show_cmd },
	{ "tunnel add",
	  "Define a tunnel: packets routed into it ('route add') leave a device where\n"
	  "fouloader is attached encapsulated in FOU or GUE (version 0), from local to\n"
	  "remote (both IPv4 or both IPv6; the inner family is independent).\n"
	  "ipproto: the one inner family a FOU tunnel carries (4, the default, or 41);\n"
	  "GUE carries both. ipproto 47 (encap fou or gue): GRE carrying either, as the\n"
	  "kernel's 'ip link add ... type gre ... encap fou|gue' sends it; key K: the GRE\n"
	  "key; csum: the GRE checksum; seq: a sequence number per packet. With csum or\n"
	  "seq, GSO packets are dropped (tx_drop_gre_gso): keep GSO off the device, as the\n"
	  "kernel does for such tunnels (local TCP: ip link set DEV gso_max_segs 1).\n"
	  "encap-dport: the peer's receive port. encap-sport auto\n"
	  "(default): a hash of the inner flow, stable per flow, in the local port range;\n"
	  "or a fixed port. encap-csum: a UDP checksum over IPv4 too (default: zero, like\n"
	  "the kernel). Over IPv6 the checksum is computed, except on GSO packets, whose\n"
	  "segments share one header and carry zero (RFC 6935; the kernel's fou and a\n"
	  "fouloader port with named peers accept it); noencap-udp6-csum: zero always.\n"
	  "encap-remcsum (gue): remote checksum offload, as the kernel's: a TCP/UDP\n"
	  "packet whose checksum is still to be filled leaves with it unfilled and a\n"
	  "GUE option saying where it is, for the receiver to complete from the outer\n"
	  "UDP checksum, which it implies (not with noencap-csum or noencap-udp6-csum).\n"
	  "Other packets, and GSO ones, go without the option.\n"
	  "ttl: 1-255 (default 64), or inherit (0) from the inner packet. tos: inherit\n"
	  "(default) or fixed; the inner ECN bits are copied either way (RFC 6040).\n"
	  "mtu: the largest inner packet (default: the device MTU less the overhead).",
	  cmd_tunnel_add, &tunnel_add_cmd },
	{ "tunnel del", "Delete a tunnel no route uses any more.", cmd_tunnel_del, &tunnel_del_cmd.cmd },
	{ "tunnel show", "List tunnels, in the grammar of 'tunnel add'.",
	  cmd_tunnel_show, &tunnel_show_cmd },
	{ "route add",
	  "Send packets for PREFIX (ADDR or ADDR/LEN, IPv4 or IPv6) into tunnel NAME.\n"
	  "The longest matching prefix wins. The kernel still needs a route for PREFIX\n"
	  "out of an attached device; its next hop does not matter, fouloader routes\n"
	  "the encapsulated packet by its outer destination.",
	  cmd_route_add, &route_add_cmd },
	{ "route del", "Stop sending PREFIX into a tunnel.", cmd_route_del, &route_del_cmd.cmd },
	{ "route show", "List routes.", cmd_route_show, &route_show_cmd },
	{ "sctp set",
	  "Set the SCTP over UDP ports (RFC 6951); an option not given is kept, default\n"
	  "restores 9899. encap-port: the local encapsulation port: the source port of\n"
	  "the SCTP fouloader puts in UDP, and the port whose SCTP over UDP in transit\n"
	  "has its CRC32c checked. remote-encap-port: the destination port toward an\n"
	  "over-UDP peer whose own port is not learned (yet). The receive side is\n"
	  "'port add PORT ipproto 132'.",
	  cmd_sctp_set, &sctp_set_cmd },
	{ "sctp dev",
	  "How SCTP is handled on DEV (a device of this network namespace, where\n"
	  "fouloader is attached); a setting not given is kept. side udp: the peers\n"
	  "behind DEV speak SCTP over UDP: native SCTP leaving DEV is put in UDP, to\n"
	  "the peer's learned port or remote-encap-port; side native (the default):\n"
	  "left native. verify (the default): SCTP arriving on DEV, native or over UDP\n"
	  "to or from encap-port, has its CRC32c checked (bad: dropped); noverify: not.\n"
	  "fill: CRC32c computed on every SCTP packet leaving DEV; nofill (the default):\n"
	  "only where it must be (after translation, or left to the device by the\n"
	  "stack). default: every setting back to its default (the entry is removed).",
	  cmd_sctp_dev, &sctp_dev_cmd },
	{ "sctp show",
	  "Show the SCTP settings (effective values, and which are defaults), the\n"
	  "devices with settings of their own, the RFC 6951 receive ports, and the\n"
	  "peers the gateway learned: address, verification tags, encapsulation port\n"
	  "(or native), seconds since the last change; and how many tags it knows.",
	  cmd_sctp_show, &sctp_show_cmd },
	{ "sctp flush",
	  "Forget every learned peer and tag, and print how many. Until a peer's port\n"
	  "is learned again (from an INIT or INIT-ACK), SCTP toward it goes to\n"
	  "remote-encap-port.",
	  cmd_sctp_flush, &sctp_flush_cmd },
	{ "icmp set",
	  "How ICMP errors about tunnel packets are acted on; a setting not given is\n"
	  "kept, default restores the default. pmtu-expire: seconds a learned path MTU\n"
	  "or applied Redirect lasts (1-86400, default 600). pmtu-min4 (68-65535,\n"
	  "default 552), pmtu-min6 (1280-65535, default 1280): the floor an ICMP MTU is\n"
	  "clamped to. rate / burst: Frag Needed and Packet Too Big sent to inner\n"
	  "senders, per tunnel: errors per second (1-1000000, default 100) and at once\n"
	  "(1-100000, default 50). redirects accept: apply a Redirect for a tunnel's\n"
	  "remote from the gateway in use to an on-link one; ignore (the default):\n"
	  "count it only.",
	  cmd_icmp_set, &icmp_set_cmd },
	{ "icmp show",
	  "Show the ICMP settings: effective values, and which are defaults.",
	  cmd_icmp_show, &icmp_show_cmd },
	{ "pmtu show",
	  "Show what ICMP errors taught about each tunnel (or TUNNEL): the learned\n"
	  "path MTU, the inner MTU it leaves (less the outer IP, UDP and GUE headers),\n"
	  "the router that sent it, its age and the seconds until it expires (or\n"
	  "expired: no longer used); an applied Redirect (gateway, sender, age); and\n"
	  "the tunnel's ICMP counters: errors matched to it by kind, Frag Needed /\n"
	  "Packet Too Big sent to its inner senders, and those the rate limit held back.",
	  cmd_pmtu_show, &pmtu_show_cmd },
	{ "pmtu flush",
	  "Forget the learned path MTUs and applied Redirects of every tunnel (or of\n"
	  "TUNNEL), and print what went. Counters and settings are kept.",
	  cmd_pmtu_flush, &pmtu_flush_cmd },
	{ "apply",
	  "Make the ports, tunnels, routes, SCTP and ICMP settings exactly those of\n"
	  "FILE: lines of 'port add', 'tunnel add', 'route add', 'sctp set', 'sctp dev'\n"
	  "and 'icmp set' in their usual grammar (a leading 'fouloader' is allowed; '#'\n"
	  "starts a comment; what the sctp and icmp lines leave out is the default).\n"
	  "Every line is parsed and the whole file checked first (a duplicate, two\n"
	  "tunnels with one local, remote and encap-dport, a route to a tunnel the file\n"
	  "does not define); any error names FILE:LINE and changes nothing. Then only the\n"
	  "difference is written: what the file lacks is deleted, what differs is\n"
	  "changed, the rest added, and a summary printed. Applying the same file twice\n"
	  "changes nothing.\n"
	  "--dry-run prints the summary and changes nothing.",
	  cmd_apply, &apply_cmd },
	{ "show config",
	  "Print the ports, tunnels, routes, SCTP and ICMP settings as 'port add',\n"
	  "'tunnel add', 'route add', 'sctp set', 'sctp dev' and 'icmp set' lines\n"
	  "(settings only where they are not the defaults): 'fouloader show config >\n"
	  "FILE' and 'fouloader apply FILE' round-trip. Learned peers and path MTUs\n"
	  "are state, not configuration.",
	  cmd_show_config, &show_config_cmd },
	{ "stats",
	  "Show the packet counters: one per outcome (rx_ decapsulated, pass_ not ours\n"
	  "and left untouched, drop_ ours and dropped), summed over CPUs, and each\n"
	  "port's and tunnel's own counters (a tunnel's ICMP ones as in 'pmtu show'),\n"
	  "and per port what fou_hints_tc saw after GRO: skbs, the segments merged into\n"
	  "them, segments per skb.\n"
	  "--all includes counters that are zero.\n"
	  "--watch SECONDS prints the rate of every counter that moved over each\n"
	  "interval (--json: one object per line), N times with --count, else until\n"
	  "interrupted.\n"
	  "--prometheus prints every counter and gauge in the Prometheus text format\n"
	  "(names under METRICS in fouloader(8)): outcomes by reason, ports, tunnels\n"
	  "(learned path MTU too), SCTP learned peers, attach state per device.\n"
	  "--output FILE writes them to FILE through a temporary file renamed over it,\n"
	  "for node_exporter's textfile collector (fouloader-metrics.timer).",
	  cmd_stats, &stats_cmd },
	{ "exporter",
	  "Serve the metrics of 'stats --prometheus' over HTTP at /metrics, read\n"
	  "afresh for every scrape, on ADDR:PORT only (IPv4, or [IPv6]:PORT; e.g.\n"
	  "127.0.0.1:9477). Runs until SIGTERM or SIGINT, then exits 0.",
	  cmd_exporter, &exporter_cmd },
	{ "monitor",
	  "Show packets the programs dropped as they are dropped (--drops, the\n"
	  "default), or every outcome (--all): the reason (as in 'stats'), the hook\n"
	  "(xdp, tc-ingress, tc-egress), the device, the receive port or tunnel, the\n"
	  "packet's length and its first B bytes (--snaplen, 1-256, default 128), as\n"
	  "they were when the outcome was counted. --port P: only receive outcomes of\n"
	  "UDP port P; --tunnel NAME: only transmit outcomes of tunnel NAME.\n"
	  "Events come through a BPF ring buffer, at most N per second per CPU\n"
	  "(--rate, default 1000; the rest are counted as held back). Output: a line\n"
	  "per event; --json: an object per line; --pcap FILE: pcapng for tshark and\n"
	  "Wireshark, the reason in each packet's comment. Stops after --count N\n"
	  "events, or on SIGINT/SIGTERM, and prints how many were shown, held back\n"
	  "and lost. One monitor at a time; while none runs, the programs only check\n"
	  "a switch.",
	  cmd_monitor, &monitor_cmd },
	{ NULL, NULL, NULL, NULL },
};

/* A command's grammar: from its word table. */
static const char *synopsis(const struct command *c)
{
	static char buf[512];

	opts_synopsis(c->opts, buf, sizeof(buf));
	return buf;
}

static void print_usage(FILE *f)
{
	fprintf(f, "usage: fouloader [--pin-root DIR] [-v|--verbose] COMMAND [ARGS]\n\n"
		   "FOU and GUE tunnels in BPF: receive ports (XDP or TC ingress), and\n"
		   "encapsulation by inner destination (TC egress, XDP forwarding); SCTP\n"
		   "CRC32c checks and an RFC 6951 SCTP-over-UDP gateway; ICMP errors about\n"
		   "tunnel packets matched to their tunnel (path MTU, Redirect); Prometheus\n"
		   "metrics and a drop monitor (pcapng).\n\n"
		   "commands:\n");
	for (const struct command *c = commands; c->name; c++)
		fprintf(f, "  fouloader %s%s%s\n", c->name, *synopsis(c) ? " " : "", synopsis(c));
	fprintf(f, "\nglobal options:\n"
		   "  --pin-root DIR  where maps are pinned (default %s); one per network\n"
		   "                  namespace when namespaces share a bpffs\n"
		   "  -v, --verbose   show libbpf/libxdp messages and verifier logs\n"
		   "  -h, --help      this text; 'fouloader COMMAND --help' for one command\n"
		   "\nexit status: 0 done; 2 the command is wrong, or conflicts with the\n"
		   "configuration (exists already, in use, names nothing): nothing changed;\n"
		   "1 the system refused, or there was nothing to remove\n",
		FOU_PIN_ROOT_DEFAULT);
}

static void print_command_help(const struct command *c)
{
	printf("usage: fouloader %s%s%s\n\n%s\n", c->name, *synopsis(c) ? " " : "", synopsis(c),
	       c->help);
}

/* Command families: "port", "tunnel", "route", "sctp", "show". */
static bool is_family(const char *word)
{
	return !strcmp(word, "port") || !strcmp(word, "tunnel") || !strcmp(word, "route") ||
	       !strcmp(word, "sctp") || !strcmp(word, "icmp") || !strcmp(word, "pmtu") ||
	       !strcmp(word, "show");
}

/* "add, del or show": the second words of a family, for error messages. */
static const char *family_words(const char *family)
{
	if (!strcmp(family, "sctp"))
		return "set, dev, show or flush";
	if (!strcmp(family, "icmp"))
		return "set or show";
	if (!strcmp(family, "pmtu"))
		return "show or flush";
	return strcmp(family, "show") ? "add, del or show" : "config";
}

/* Help for a command family ("port"): each of its commands in turn. */
static void print_family_help(const char *family)
{
	size_t n = strlen(family);

	for (const struct command *c = commands; c->name; c++)
		if (!strncmp(c->name, family, n) && c->name[n] == ' ')
			printf("usage: fouloader %s%s%s\n%s\n\n", c->name, *synopsis(c) ? " " : "",
			       synopsis(c), c->help);
}

/* Match the longest command name ("port add" before "port"). */
static const struct command *find_command(int argc, char **argv, int *used)
{
	for (const struct command *c = commands; c->name; c++) {
		const char *sp = strchr(c->name, ' ');

		if (!sp && !strcmp(argv[0], c->name)) {
			*used = 1;
			return c;
		}
		if (sp && argc >= 2 && !strncmp(argv[0], c->name, sp - c->name) &&
		    strlen(argv[0]) == (size_t)(sp - c->name) && !strcmp(argv[1], sp + 1)) {
			*used = 2;
			return c;
		}
	}
	return NULL;
}

/* fouloader(8)'s SYNOPSIS of the commands, from the same tables as --help,
 * so that the two cannot drift: a paragraph each. */
static void print_man_synopsis(void)
{
	for (const struct command *c = commands; c->name; c++) {
		if (c != commands)
			printf("\n");
		opts_synopsis_md(c->opts, c->name, stdout);
	}
}

/* The global options before COMMAND: the index of COMMAND, 0 after --help,
 * or -EINVAL. */
static int parse_global_opts(int argc, char **argv)
{
	bool pin_root = false;
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--pin-root")) {
			if (pin_root)
				return usage_err("fouloader: '--pin-root' given twice");
			g_opts.pin_root = need_arg(argc, argv, i++, "--pin-root");
			if (!g_opts.pin_root)
				return -EINVAL;
			pin_root = true;
		} else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			g_opts.verbose = true;
		} else if (is_help(argv[i])) {
			print_usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--man-synopsis")) {
			/* not in --help: for the Makefile, which builds fouloader(8) */
			print_man_synopsis();
			return 0;
		} else {
			return usage_err("unknown option '%s' (see 'fouloader --help')", argv[i]);
		}
	}
	return i;
}

/* An unknown command, or a family without its second word ("port"). */
static int unknown_command(int argc, char **argv, int i)
{
	if (is_family(argv[i]))
		return usage_err("%s: expected %s%s%s", argv[i], family_words(argv[i]),
				 i + 1 < argc ? ", not " : "", i + 1 < argc ? argv[i + 1] : "");
	return usage_err("unknown command '%s' (see 'fouloader --help')", argv[i]);
}

/* The command line: 0 with the command in *cmd and its first argument's
 * index in *first, 1 when help was asked for (and printed), or -EINVAL. */
static int parse_command_line(int argc, char **argv, const struct command **cmd, int *first)
{
	int i = parse_global_opts(argc, argv), used;

	if (i <= 0)
		return i < 0 ? i : 1;
	if (i >= argc)
		return usage_err("missing COMMAND (see 'fouloader --help')");
	if (g_opts.pin_root[0] != '/')
		return usage_err("--pin-root: '%s' is not an absolute path", g_opts.pin_root);
	if (!strcmp(argv[i], "help") && i + 1 >= argc) {
		print_usage(stdout);
		return 1;
	}
	*cmd = find_command(argc - i, argv + i, &used);
	if (!*cmd && is_family(argv[i]) && (i + 1 >= argc || is_help(argv[i + 1]))) {
		if (i + 1 >= argc)
			return usage_err("%s: expected %s (see 'fouloader %s --help')", argv[i],
					 family_words(argv[i]), argv[i]);
		print_family_help(argv[i]);
		return 1;
	}
	if (!*cmd)
		return unknown_command(argc, argv, i);
	*first = i + used;
	for (int j = *first; j < argc; j++) {
		if (is_help(argv[j]) && strcmp(argv[j], "help")) {
			print_command_help(*cmd);
			return 1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	const struct command *cmd = NULL;
	int first = 0, r = parse_command_line(argc, argv, &cmd, &first);

	if (r < 0)
		usage_exit();
	if (r)
		return EXIT_OK;
	setup_libbpf_logging();
	return cmd->run(argc - first, argv + first);
}
