#!/bin/bash
# fouloader benchmarks. Figures are printed beside a baseline measured in the
# same run; nothing here passes or fails on time.
#
# Sections (run all, or name some): progs rx_prog monitor tx_prog crc32c
#   smallpkt tunnel_tput pmtu gro remcsum
#   progs        each program as attach loads it on this kernel: instructions
#                (linked, xlated), JIT bytes, and what the verifier spent
#                (processed instructions, states): fouloader verifier stats
#   rx_prog      cost per packet of the receive programs (BPF_PROG_TEST_RUN),
#                beside a trivial XDP/TC program: build/selftests/bench_rx
#   monitor      what the drop monitor's hook costs decapsulation: the programs
#                built without it (baseline, first and last), with it idle,
#                and with a monitor running (--drops; --all held back by the
#                rate limit; --all sending every packet), as ratios in one run:
#                build/selftests/bench_rx CALLS XDP_CALLS monitor
#   tx_prog      the same for the transmit (encapsulation) program:
#                build/selftests/bench_tx, when it has been built
#   crc32c       SCTP CRC32c in BPF (bpf/lib/crc32c.h) per packet of 64..9000
#                bytes, beside the trivial program, the same tables in C and
#                the SSE4.2 crc32 instruction: build/selftests/bench_crc
#   smallpkt     64- and 512-byte UDP (IP bytes) from one namespace to another
#                over a veth pair, packets per second as B's UDP layer takes
#                them: no BPF (baseline); FOU tunnel, TC encap + --rx tc;
#                pass-through XDP (baseline of --rx xdp); FOU tunnel, TC encap
#                + --rx xdp. Sender build/selftests/bench_udpflood (sendmmsg,
#                one core). BENCH_SMALL_SECS (2) per send, BENCH_SMALL_ROUNDS
#                (3) interleaved rounds, BENCH_SMALL_MAX (50000000) packets
#                per send, BENCH_SMALL_SIZES ("64 512"). XDP forwarding
#                (encapsulate + XDP_TX against plain XDP_TX) is in tx_prog.
#                Also, in the same rounds, the floor pair instead of
#                fouloader (selftests/bench/floor_tx.bpf.c at A's egress,
#                floor_rx.bpf.c's floor_rx_tc at B's ingress): what ratio
#                to direct even a minimal BPF tunnel reaches here; with the
#                outer route lookup (forwarding on in A while it runs: the
#                lookup answers FWD_DISABLED otherwise) and without; and
#                fouloader with forwarding on in A too (tc_fwd: its route
#                lookup then answers, where with forwarding off each packet
#                goes through bpf_redirect_neigh and egress once more).
#                BENCH_SMALL_CFGS picks configurations (default: all).
#   floor        the floor programs beside the real ones and the trivial
#                one, interleaved call by call, BENCH_FLOOR_ROUNDS (3)
#                rounds (test_run): receive (bench_rx ... floor: not ours,
#                XDP and TC decapsulation) and TC encapsulation (bench_tx
#                with BENCH_FLOOR_ONLY); each as ns over trivial, the ratio
#                real / floor, issue 14's goal and the spread over rounds.
#   tunnel_tput  iperf3 TCP throughput and ping RTT on one veth pair between
#                two namespaces, in one run: no BPF; fouloader FOU tunnel with
#                --rx tc; with --rx xdp; a pass-through XDP program (baseline
#                of --rx xdp); the kernel's VXLAN. Each figure with its ratio
#                to its baseline. BENCH_TPUT_SECS (3) per iperf3 run,
#                BENCH_PINGS (200) pings at 0.01 s per RTT figure.
#   pmtu         time from a path-MTU drop on a real router (namespaces A -- R
#                -- B) until a paced TCP transfer through a fouloader tunnel
#                makes progress again, beside a direct TCP connection through
#                the same router in the same run (the kernel's own PMTU
#                discovery); goal < 1 s. BENCH_PMTU_RUNS (3) per receive hook
#                (BENCH_PMTU_HOOKS, "tc xdp"); see selftests/e2e/pmtu.sh.
#   gro          bulk TCP through a FOU tunnel into --rx xdp, in one run:
#                hints off; hints on; hints on + --steer cpumap; --rx tc as a
#                reference. Throughput and segments per skb after GRO, each
#                beside hints off. BENCH_GRO_SECS (3) per iperf3 run,
#                BENCH_GRO_ROUNDS (3), BENCH_GRO_FLOWS (1); see
#                selftests/e2e/hints.sh.
#   tc_live      what fou_tx_tc (A's egress) and fou_rx_tc (B's ingress) cost
#                real packets, not BPF_PROG_TEST_RUN: 64- and 512-byte UDP
#                (IP bytes) from a socket in A to B over a veth pair
#                (build/selftests/bench_udpflood, BENCH_LIVE_COUNT (200000)
#                datagrams per figure), run time from the kernel's BPF
#                statistics (selftests/bench/bpf_stats.py) per datagram,
#                beside trivial_tc attached at the same hooks with plain
#                routing (baseline), BENCH_LIVE_ROUNDS (3) interleaved
#                rounds, medians. The real skb has the headroom the stack
#                reserves, so bpf_skb_adjust_room grows it in place, where a
#                test_run skb is built anew for every call (tx_prog).
#   remcsum      the sender's cost of GUE remote checksum offload: fou_tx_tc's
#                run time per packet (the kernel's BPF statistics, enabled for
#                the run only: selftests/bench/bpf_stats.py) for UDP datagrams
#                from a socket (CHECKSUM_PARTIAL) into a GUE tunnel with
#                encap-csum (baseline: the outer checksum derived from the
#                inner one), with encap-remcsum (the option: the inner bytes
#                summed, the skb's CHECKSUM_PARTIAL dropped), and with the
#                outer checksum zero; 64 and 1300-byte payloads. Per datagram:
#                a packet handed to bpf_redirect_neigh passes egress twice.
#                BENCH_RC_COUNT (20000) datagrams per figure.
# More sections may be appended: add a function bench_<name> and list <name>
# in SECTIONS.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1

SECTIONS=(progs rx_prog monitor tx_prog floor crc32c smallpkt tc_live tunnel_tput pmtu gro remcsum)
status=0

section() {
	echo
	echo "=== $1 ==="
}

bench_progs() {
	section "progs: program sizes and verifier cost (fouloader verifier stats)"
	if [ ! -x build/fouloader ]; then
		echo "build/fouloader is missing: run make first" >&2
		return 1
	fi
	build/fouloader verifier stats
}

bench_rx_prog() {
	section "rx_prog: receive program cost (BPF_PROG_TEST_RUN)"
	if [ ! -x build/selftests/bench_rx ]; then
		echo "build/selftests/bench_rx is missing: run make first" >&2
		return 1
	fi
	# BENCH_RX_CALLS / BENCH_RX_XDP_CALLS: calls per shot at TC / XDP (see
	# bench_rx.c; XDP calls cost ~16 ms each, so keep that one small).
	build/selftests/bench_rx ${BENCH_RX_CALLS:-400} ${BENCH_RX_XDP_CALLS:-40}
}

bench_monitor() {
	section "monitor: drop monitor hook cost (BPF_PROG_TEST_RUN)"
	if [ ! -x build/selftests/bench_rx ]; then
		echo "build/selftests/bench_rx is missing: run make first" >&2
		return 1
	fi
	build/selftests/bench_rx ${BENCH_RX_CALLS:-400} ${BENCH_RX_XDP_CALLS:-40} monitor
}

bench_tx_prog() {
	section "tx_prog: transmit program cost (BPF_PROG_TEST_RUN)"
	if [ ! -x build/selftests/bench_tx ]; then
		echo "build/selftests/bench_tx is missing (not built yet): section skipped"
		return 0
	fi
	build/selftests/bench_tx
}

bench_floor() {
	section "floor: the floor programs beside the real ones (BPF_PROG_TEST_RUN)"
	if [ ! -x build/selftests/bench_rx ] || [ ! -x build/selftests/bench_tx ]; then
		echo "build/selftests/bench_rx or bench_tx is missing: run make first" >&2
		return 1
	fi
	build/selftests/bench_rx ${BENCH_RX_CALLS:-400} ${BENCH_RX_XDP_CALLS:-40} floor || return 1
	BENCH_FLOOR_ONLY=1 build/selftests/bench_tx ${BENCH_TX_CALLS:-2000}
}

bench_crc32c() {
	section "crc32c: SCTP CRC32c cost (BPF_PROG_TEST_RUN, user-space C, SSE4.2)"
	if [ ! -x build/selftests/bench_crc ]; then
		echo "build/selftests/bench_crc is missing: run make first" >&2
		return 1
	fi
	# BENCH_CRC_CALLS / BENCH_CRC_XDP_CALLS: calls per shot at TC / XDP
	build/selftests/bench_crc ${BENCH_CRC_CALLS:-200} ${BENCH_CRC_XDP_CALLS:-15}
}

# ---------------------------------------------------------------- tunnel_tput
# two_hosts TAG COMMAND...: hosts A and B (selftests/lib/hosts.sh, sourced
# by the caller: its arrays would be local here), once the commands and
# fouloader are there. Call it in a subshell: hosts.sh installs the cleanup
# trap that removes the namespaces and pin roots when it exits.
two_hosts() {
	local tag=$1 c
	shift
	for c in "$@"; do
		command -v "$c" >/dev/null || { echo "needs $c"; return 1; }
	done
	[ -x "$FOULOADER" ] || { echo "$FOULOADER not built: run make"; return 1; }
	make_hosts "$tag" 1 || { echo "could not build the namespaces"; return 1; }
}

# Shared by tunnel_tput and smallpkt (selftests/lib/hosts.sh's A and B; the
# caller's locals ai, bi: the inner addresses of set 1).
plain_routes() {
	inner_route "$A_NS" "$A_IF" "$(inner_prefix b 4 1)" "$ai" 1500 "$B4"
	inner_route "$B_NS" "$B_IF" "$(inner_prefix a 4 1)" "$bi" 1500 "$A4"
}
tunnel_routes() {  # FOU over IPv4: 28 bytes of overhead
	inner_route "$A_NS" "$A_IF" "$(inner_prefix b 4 1)" "$ai" 1472
	inner_route "$B_NS" "$B_IF" "$(inner_prefix a 4 1)" "$bi" 1472
}
fou_config() {  # NS ME PEER
	fl "$1" port add 5555 ipproto 4 peer "$(outer_addr "$3" 4)" &&
	fl "$1" tunnel add tb local "$(outer_addr "$2" 4)" remote "$(outer_addr "$3" 4)" encap fou ipproto 4 encap-dport 5555 &&
	fl "$1" route add "$(inner_prefix "$3" 4 1)" tunnel tb
} >/dev/null
tx_count() { fl_json_get "$1" "j['counters'].get('tx_encap_fou', 0)" stats; }
# Runs in a subshell (see bench_tunnel_tput): selftests/lib/hosts.sh installs
# the cleanup trap that removes the namespaces and pin roots when it exits.
tput_body() {
	. selftests/lib/hosts.sh || return 1
	local secs=${BENCH_TPUT_SECS:-3} npings=${BENCH_PINGS:-200}
	local ai bi r k
	declare -A BPS RTT
	two_hosts bt ip iperf3 ping nsenter timeout || return 1
	ai=$(inner_addr a 4 1) bi=$(inner_addr b 4 1)
	echo "veth pair $A_NS/$A_IF <-> $B_NS/$B_IF; TCP $ai -> $bi, iperf3 -t $secs; RTT over $npings pings at 0.01 s"
	iperf_server_start "$B_NS" 5201 600 || { echo "iperf3 server did not start"; return 1; }

	# measure LABEL DST: iperf3 A -> DST and ping RTT percentiles
	measure() {
		local label=$1 dst=$2 r bps
		r=$(iperf_run "$A_NS" -c "$dst" -t "$secs")
		bps=${r#* }; bps=${bps%% *}
		BPS[$label]=${bps:-0}
		RTT[$label]=$(in_ns "$A_NS" timeout $((npings / 50 + 10)) ping -n -c "$npings" -i 0.01 -W 1 "$dst" 2>/dev/null |
			sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' | sort -n | awk '
			{ v[NR] = $1 }
			END { if (NR == 0) { print "- - 0"; exit }
			      p50 = v[int((NR - 1) * 0.50) + 1]; p99 = v[int((NR - 1) * 0.99) + 1]
			      printf "%.3f %.3f %d", p50, p99, NR }')
		printf '  %-34s %7s Gbit/s   rtt p50 %s ms p99 %s ms (%s replies)%s\n' "$label" "$(gbit "${BPS[$label]}")" \
			$(echo "${RTT[$label]}") "$(echo "$r" | cut -s -d' ' -f3-)"
	}

	echo
	# (a) no BPF
	plain_routes
	measure "(a) no BPF, plain routing" "$bi"
	# (b) fouloader FOU tunnel, TC receive
	if "$FOULOADER" tunnel --help >/dev/null 2>&1; then
		fl "$A_NS" attach "$A_IF" --rx tc >/dev/null && fl "$B_NS" attach "$B_IF" --rx tc >/dev/null &&
			fou_config "$A_NS" a b && fou_config "$B_NS" b a || echo "  fouloader setup failed"
		tunnel_routes
		k=$(tx_count "$A_NS")
		measure "(b) fouloader FOU, --rx tc" "$bi"
		echo "      A tx_encap_fou +$(( $(tx_count "$A_NS") - k )) (the tunnel was used)"
		fl "$A_NS" detach "$A_IF" >/dev/null; fl "$B_NS" detach "$B_IF" >/dev/null
		# (c) the same tunnel, XDP receive (native)
		fl "$A_NS" attach "$A_IF" --rx xdp --xdp-mode native >/dev/null &&
			fl "$B_NS" attach "$B_IF" --rx xdp --xdp-mode native >/dev/null || echo "  fouloader attach --rx xdp failed"
		k=$(tx_count "$A_NS")
		measure "(c) fouloader FOU, --rx xdp" "$bi"
		echo "      A tx_encap_fou +$(( $(tx_count "$A_NS") - k ))"
		fl "$A_NS" detach "$A_IF" >/dev/null; fl "$B_NS" detach "$B_IF" >/dev/null
	else
		echo "  (b), (c): $FOULOADER has no 'tunnel' command yet: skipped"
	fi
	# (d) pass-through XDP on both ends, plain routing: what any XDP program costs on veth
	plain_routes
	if ip -n "$A_NS" link set dev "$A_IF" xdp obj build/trivial.bpf.o sec xdp.frags 2>/dev/null &&
		ip -n "$B_NS" link set dev "$B_IF" xdp obj build/trivial.bpf.o sec xdp.frags 2>/dev/null; then
		measure "(d) pass-through XDP, plain routing" "$bi"
	else
		echo "  (d): could not attach build/trivial.bpf.o (make first)"
	fi
	ip -n "$A_NS" link set dev "$A_IF" xdp off 2>/dev/null; ip -n "$B_NS" link set dev "$B_IF" xdp off 2>/dev/null
	# (e) the kernel's VXLAN on the same pair
	if ip -n "$A_NS" link add vx0 type vxlan id 42 local "$A4" remote "$B4" dstport 4789 dev "$A_IF" &&
		ip -n "$B_NS" link add vx0 type vxlan id 42 local "$B4" remote "$A4" dstport 4789 dev "$B_IF"; then
		ip -n "$A_NS" addr add 10.23.0.1/24 dev vx0; ip -n "$B_NS" addr add 10.23.0.2/24 dev vx0
		ip -n "$A_NS" link set vx0 up; ip -n "$B_NS" link set vx0 up
		measure "(e) kernel VXLAN" 10.23.0.2
	else
		echo "  (e): could not create a VXLAN device"
	fi

	ratio() {  # LABEL NUM DEN
		local n=${BPS[$2]:-} d=${BPS[$3]:-}
		[ -n "$n" ] && [ -n "$d" ] && [ "$d" != 0 ] &&
			printf '  %-44s %s\n' "$1" "$(awk -v n="$n" -v d="$d" 'BEGIN { printf "%.2f", n / d }')"
		return 0
	}
	echo
	echo "ratios (throughput):"
	ratio "(b) tunnel --rx tc / (a) no BPF" "(b) fouloader FOU, --rx tc" "(a) no BPF, plain routing"
	ratio "(c) tunnel --rx xdp / (d) pass-through XDP" "(c) fouloader FOU, --rx xdp" "(d) pass-through XDP, plain routing"
	ratio "(c) tunnel --rx xdp / (a) no BPF" "(c) fouloader FOU, --rx xdp" "(a) no BPF, plain routing"
	ratio "(d) pass-through XDP / (a) no BPF" "(d) pass-through XDP, plain routing" "(a) no BPF, plain routing"
	ratio "(e) VXLAN / (a) no BPF" "(e) kernel VXLAN" "(a) no BPF, plain routing"
	ratio "(b) tunnel --rx tc / (e) VXLAN" "(b) fouloader FOU, --rx tc" "(e) kernel VXLAN"
	return 0
}

# ---------------------------------------------------------------- smallpkt
# Small UDP packets, the per-packet cost that GSO hides from tunnel_tput:
# build/selftests/bench_udpflood sends (sendmmsg, one core) from A to B's
# inner address; B counts what its UDP layer took (InDatagrams +
# RcvbufErrors of a sink that reads nothing). Each configuration's rate
# beside its baseline from the same run; rounds interleaved, medians.
smallpkt_body() {
	. selftests/lib/hosts.sh || return 1
	local secs=${BENCH_SMALL_SECS:-2} rounds=${BENCH_SMALL_ROUNDS:-3}
	local max=${BENCH_SMALL_MAX:-50000000} sizes=${BENCH_SMALL_SIZES:-"64 512"}
	local tool=build/selftests/bench_udpflood ai bi r c z sink_pid fwd0
	local cfgs=(${BENCH_SMALL_CFGS:-direct tc tc_fwd xdp_pass xdp floor floor_nofib})
	local pins=/sys/fs/bpf/fou-floor-$$
	declare -A PPS SENT LABEL=(
		[direct]="no BPF, plain routing"
		[tc]="FOU tunnel, TC encap + --rx tc"
		[tc_fwd]="same, forwarding on in A"
		[xdp_pass]="pass-through XDP, plain routing"
		[xdp]="FOU tunnel, TC encap + --rx xdp"
		[floor]="floor pair, TC encap + TC decap"
		[floor_nofib]="same, no route lookup")
	for c in ip nsenter timeout awk; do
		command -v "$c" >/dev/null || { echo "needs $c"; return 1; }
	done
	[ -x "$tool" ] && [ -x "$FOULOADER" ] || { echo "$tool or $FOULOADER not built: run make"; return 1; }
	make_hosts bs 1 || { echo "could not build the namespaces"; return 1; }
	ai=$(inner_addr a 4 1) bi=$(inner_addr b 4 1)
	if [[ " ${cfgs[*]} " == *" floor"* ]]; then
		cleanup_pin "$pins"
		floor_pins "$pins" "$(inner_prefix b 4 1)" ||
			{ echo "  the floor programs could not be loaded: floor rows skipped"
			  cfgs=($(printf '%s\n' "${cfgs[@]}" | grep -v '^floor')); }
	fi
	fwd0=$(in_ns "$A_NS" sysctl -n net.ipv4.ip_forward)
	in_ns "$B_NS" "$tool" sink 9999 $(( (secs + 12) * rounds * 8 + 60 )) >/dev/null &
	sink_pid=$!
	cleanup_pid "$sink_pid"
	udp_in() { in_ns "$B_NS" awk '/^Udp: [0-9]/ { print $2 + $6 }' /proc/net/snmp; }
	decap_count() {  # CONFIG
		case $1 in
		floor*) floor_decaps "$pins" ;;
		*) fl_json_get "$B_NS" "j['counters'].get('rx_decap_fou', 0)" stats ;;
		esac
	}
	detach_all() {
		fl "$A_NS" detach "$A_IF" >/dev/null 2>&1; fl "$B_NS" detach "$B_IF" >/dev/null 2>&1
		ip -n "$A_NS" link set dev "$A_IF" xdp off 2>/dev/null; ip -n "$B_NS" link set dev "$B_IF" xdp off 2>/dev/null
		tc -n "$A_NS" qdisc del dev "$A_IF" clsact 2>/dev/null; tc -n "$B_NS" qdisc del dev "$B_IF" clsact 2>/dev/null
		in_ns "$A_NS" sysctl -qw net.ipv4.ip_forward="$fwd0"
	}
	setup() {  # CONFIG
		detach_all
		case $1 in
		direct) plain_routes ;;
		xdp_pass) plain_routes
			ip -n "$A_NS" link set dev "$A_IF" xdp obj build/trivial.bpf.o sec xdp.frags &&
			ip -n "$B_NS" link set dev "$B_IF" xdp obj build/trivial.bpf.o sec xdp.frags ;;
		tc|tc_fwd|xdp) local a=(--rx tc)
			[ "$1" = xdp ] && a=(--rx xdp --xdp-mode native)
			{ [ "$1" != tc_fwd ] || in_ns "$A_NS" sysctl -qw net.ipv4.ip_forward=1; } &&
			fl "$A_NS" attach "$A_IF" "${a[@]}" >/dev/null && fl "$B_NS" attach "$B_IF" "${a[@]}" >/dev/null &&
			{ [ -n "$(fl "$A_NS" tunnel show 2>/dev/null | grep -w tb)" ] ||
			  { fou_config "$A_NS" a b && fou_config "$B_NS" b a; }; } && tunnel_routes ;;
		floor|floor_nofib) tunnel_routes
			{ [ "$1" = floor_nofib ] || in_ns "$A_NS" sysctl -qw net.ipv4.ip_forward=1; } &&
			in_ns "$A_NS" tc qdisc add dev "$A_IF" clsact &&
			in_ns "$A_NS" tc filter add dev "$A_IF" egress bpf da pinned "$pins/tx/${1/floor/floor_tx_tc}" &&
			in_ns "$B_NS" tc qdisc add dev "$B_IF" clsact &&
			in_ns "$B_NS" tc filter add dev "$B_IF" ingress bpf da pinned "$pins/rx/floor_rx_tc" ;;
		esac
	}
	# measure CONFIG SIZE: one bounded send; appends pps to PPS and SENT
	measure() {
		local u0 u1 out sent t k0 k1
		u0=$(udp_in); k0=$(decap_count "$1" 2>/dev/null)
		out=$(in_ns "$A_NS" timeout $((secs + 10)) "$tool" send "$bi" 9999 "$2" "$secs" "$max") || return 1
		sleep 0.2
		u1=$(udp_in); k1=$(decap_count "$1" 2>/dev/null)
		sent=$(echo "$out" | awk '{print $2}') t=$(echo "$out" | awk '{print $4}')
		PPS[$1 $2]+=" $(awk -v n=$((u1 - u0)) -v t="$t" 'BEGIN { printf "%.0f", n / t }')"
		SENT[$1 $2]+=" $(awk -v n="$sent" -v t="$t" 'BEGIN { printf "%.0f", n / t }')"
		if [ "$1" != direct ] && [ "$1" != xdp_pass ]; then
			[ $((k1 - k0)) -ge $((u1 - u0)) ] ||
				echo "  warning: $1 $2 B: only $((k1 - k0)) of $((u1 - u0)) arrived decapsulated"
		fi
	}
	median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : 0 }'; }
	# pair_ratios A B: each round's A / B (the two measured next to each other)
	pair_ratios() {
		awk -v a="$1" -v b="$2" 'BEGIN { n = split(a, x, " "); split(b, y, " ")
			for (i = 1; i <= n; i++) if (y[i] > 0) printf " %.3f", x[i] / y[i] }'
	}
	echo "veth pair $A_NS/$A_IF <-> $B_NS/$B_IF; UDP $ai -> $bi:9999, sendmmsg for $secs s (at most $max packets)"
	echo "per configuration and size; $rounds interleaved rounds, medians; pps = datagrams B's UDP took / s"
	for ((r = 1; r <= rounds; r++)); do
		for c in "${cfgs[@]}"; do
			setup "$c" || { echo "  $c: setup failed"; continue; }
			for z in $sizes; do
				measure "$c" "$z" || echo "  $c $z B: the sender failed"
			done
		done
	done
	detach_all
	echo
	echo "ratio: the median over rounds of each round's rate / its baseline's in that round"
	printf '  %-34s %5s %12s %12s %8s  %s\n' configuration "IP B" "pps (median)" "sent pps" ratio "baseline; pps per round"
	for z in $sizes; do
		for c in "${cfgs[@]}" xdp/direct tc/floor tc_fwd/floor; do
			local base=direct m label=${LABEL[$c]:-}
			[ "$c" = xdp ] && base=xdp_pass
			[ "$c" = xdp/direct ] && c=xdp label="FOU tunnel, --rx xdp"
			[ "$c" = tc/floor ] && c=tc base=floor label="FOU tunnel, --rx tc, to the floor"
			[ "$c" = tc_fwd/floor ] && c=tc_fwd base=floor label="same, forwarding on, to the floor"
			[ -n "${PPS[$c $z]:-}" ] && [ -n "${PPS[$base $z]:-}" ] || continue
			m=$(echo "${PPS[$c $z]:-}" | median)
			printf '  %-34s %5s %12s %12s %8s  %s\n' "$label" "$z" "$m" \
				"$(echo "${SENT[$c $z]:-}" | median)" \
				"$(pair_ratios "${PPS[$c $z]:-}" "${PPS[$base $z]:-}" | median)" \
				"/ $base;${PPS[$c $z]:-}"
		done
	done
	kill "$sink_pid" 2>/dev/null
	return 0
}

# floor_pins DIR INNER_PREFIX: floor_tx and floor_rx pinned under DIR (their
# maps under DIR/txmaps, DIR/rxmaps), filled for A -> B: FOU over IPv4 to
# port 5555 without a checksum, A's inner routes into it; B decapsulates.
floor_pins() {
	local d=$1 prefix=$2 v
	mkdir -p "$d" && bpftool prog loadall build/floor_tx.bpf.o "$d/tx" pinmaps "$d/txmaps" &&
		bpftool prog loadall build/floor_rx.bpf.o "$d/rx" pinmaps "$d/rxmaps" || return 1
	# the outer header, lengths 0 and the checksum summed so (floor.h)
	v=$("$PY" - "$A4" "$B4" "$A_MAC" "$B_MAC" <<-'EOF'
		import socket, struct, sys
		a, b, am, bm = sys.argv[1:]
		ip = bytearray(struct.pack('!BBHHHBBH4s4s', 0x45, 0, 0, 0, 0x4000, 64, 17, 0,
					   socket.inet_aton(a), socket.inet_aton(b)))
		s = sum(struct.unpack('!10H', ip))
		while s >> 16:
		    s = (s & 0xffff) + (s >> 16)
		ip[10:12] = struct.pack('!H', ~s & 0xffff)
		mac = lambda m: bytes(int(x, 16) for x in m.split(':'))
		v = mac(bm) + mac(am) + bytes(ip) + struct.pack('!HHHH', 49152, 5555, 0, 0)
		print(' '.join('%02x' % c for c in v))
		EOF
	) || return 1
	bpftool map update pinned "$d/txmaps/floor_tunnel" \
		key hex $(printf '%02x 00 00 00' "${prefix#*/}") $(echo "${prefix%/*}" | tr . ' ' | xargs printf '%02x ') \
		value hex $v &&
		bpftool map update pinned "$d/rxmaps/floor_port_slot" key hex b3 15 00 00 value hex 00 08
}

# floor_decaps DIR: floor_rx's decapsulations so far (floor_stats[0], all CPUs).
floor_decaps() {
	bpftool -j map lookup pinned "$1/rxmaps/floor_stats" key hex 00 00 00 00 |
		"$PY" -c 'import json, sys; print(sum(x["value"] for x in json.load(sys.stdin)["formatted"]["values"]))'
}

bench_smallpkt() {
	section "smallpkt: small UDP packets through the tunnel against direct (sendmmsg, pps)"
	( smallpkt_body )
}

bench_tunnel_tput() {
	section "tunnel_tput: TCP throughput and RTT through a veth pair (iperf3, ping)"
	( tput_body )
}

# ---------------------------------------------------------------- tc_live
# The TC programs' run time on packets from a real sender (see the header).
tc_live_body() {
	. selftests/lib/hosts.sh || return 1
	local n=${BENCH_LIVE_COUNT:-200000} rounds=${BENCH_LIVE_ROUNDS:-3}
	local tool=build/selftests/bench_udpflood ai bi r c z out sink_pid
	local cfgs=(trivial fou) sizes="64 512"
	declare -A TX RX RUNS
	two_hosts btl ip tc bpftool nsenter timeout || return 1
	[ -x "$tool" ] || { echo "$tool not built: run make"; return 1; }
	ai=$(inner_addr a 4 1) bi=$(inner_addr b 4 1)
	in_ns "$B_NS" "$tool" sink 9999 $((rounds * 60 + 60)) >/dev/null &
	sink_pid=$!
	cleanup_pid "$sink_pid"
	live_detach() {
		fl "$A_NS" detach "$A_IF" >/dev/null 2>&1; fl "$B_NS" detach "$B_IF" >/dev/null 2>&1
		tc -n "$A_NS" qdisc del dev "$A_IF" clsact 2>/dev/null
		tc -n "$B_NS" qdisc del dev "$B_IF" clsact 2>/dev/null
	}
	live_setup() {  # CONFIG: trivial_tc on both hooks with plain routes, or the tunnel
		live_detach
		if [ "$1" = trivial ]; then
			plain_routes
			tc -n "$A_NS" qdisc add dev "$A_IF" clsact &&
			tc -n "$A_NS" filter add dev "$A_IF" egress bpf da obj build/trivial.bpf.o sec tc &&
			tc -n "$B_NS" qdisc add dev "$B_IF" clsact &&
			tc -n "$B_NS" filter add dev "$B_IF" ingress bpf da obj build/trivial.bpf.o sec tc
		else
			fl "$A_NS" attach "$A_IF" --rx tc >/dev/null && fl "$B_NS" attach "$B_IF" --rx tc >/dev/null &&
			{ [ -n "$(fl "$A_NS" tunnel show 2>/dev/null | grep -w tb)" ] ||
			  { fou_config "$A_NS" a b && fou_config "$B_NS" b a; }; } && tunnel_routes
		fi
	}
	prog_id() {  # NS DEV DIR
		tc -n "$1" filter show dev "$2" "$3" | sed -n 's/.* id \([0-9]*\) .*/\1/p' | head -1
	}
	# live_measure CONFIG SIZE: n datagrams; ns per datagram at A egress, B ingress
	live_measure() {
		local ida idb f=/tmp/bench-tc-live-$$ o ra rb
		ida=$(prog_id "$A_NS" "$A_IF" egress) idb=$(prog_id "$B_NS" "$B_IF" ingress)
		[ -n "$ida" ] && [ -n "$idb" ] || return 1
		o=$("$PY" selftests/bench/bpf_stats.py "$ida" -- sh -c \
			"'$PY' selftests/bench/bpf_stats.py $idb -- nsenter --net=/run/netns/$A_NS -- \
			 timeout 60 $tool send $bi 9999 $2 30 $n > $f 2>&1; cat $f >&2" 2>&1)
		ra=$(echo "$o" | tail -1) rb=$(grep ns_total "$f" | tail -1)
		rm -f "$f"
		TX[$1 $2]+=" $(echo "$ra" | awk -v n="$n" '{ printf "%.1f", $4 / n }')"
		RX[$1 $2]+=" $(echo "$rb" | awk -v n="$n" '{ printf "%.1f", $4 / n }')"
		RUNS[$1 $2]="$(echo "$ra" | awk -v n="$n" '{ printf "%.2f", $2 / n }')/$(echo "$rb" | awk -v n="$n" '{ printf "%.2f", $2 / n }')"
	}
	median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : 0 }'; }
	echo "veth pair $A_NS/$A_IF <-> $B_NS/$B_IF; $n UDP datagrams $ai -> $bi:9999 per figure"
	echo "(sendmmsg); BPF run time per datagram sent; $rounds interleaved rounds, medians"
	for ((r = 1; r <= rounds; r++)); do
		for c in "${cfgs[@]}"; do
			live_setup "$c" || { echo "  $c: setup failed"; continue; }
			for z in $sizes; do
				live_measure "$c" "$z" || echo "  $c $z B: no program ids"
			done
		done
	done
	live_detach
	kill "$sink_pid" 2>/dev/null
	printf '  %-34s %5s %10s %10s %12s  %s\n' program "IP B" "ns/dgram" trivial "diff ns" "runs per datagram A/B; per round"
	for z in $sizes; do
		local t f
		t=$(echo "${TX[trivial $z]:-}" | median) f=$(echo "${TX[fou $z]:-}" | median)
		printf '  %-34s %5s %10s %10s %12s  %s\n' "fou_tx_tc (A egress, encap)" "$z" "$f" "$t" \
			"$(awk -v a="$f" -v b="$t" 'BEGIN { printf "%+.1f", a - b }')" "${RUNS[fou $z]:-};${TX[fou $z]:-} /${TX[trivial $z]:-}"
		t=$(echo "${RX[trivial $z]:-}" | median) f=$(echo "${RX[fou $z]:-}" | median)
		printf '  %-34s %5s %10s %10s %12s  %s\n' "fou_rx_tc (B ingress, decap)" "$z" "$f" "$t" \
			"$(awk -v a="$f" -v b="$t" 'BEGIN { printf "%+.1f", a - b }')" ";${RX[fou $z]:-} /${RX[trivial $z]:-}"
	done
	return 0
}

bench_tc_live() {
	section "tc_live: TC programs' run time on real packets (BPF statistics), beside trivial_tc"
	( tc_live_body )
}

# ---------------------------------------------------------------- remcsum
remcsum_body() {
	. selftests/lib/hosts.sh || return 1
	local n=${BENCH_RC_COUNT:-20000} id ai bi mode size out
	declare -A NS
	two_hosts brc ip tc bpftool nsenter timeout || return 1
	ai=$(inner_addr a 4 1) bi=$(inner_addr b 4 1)
	fl "$A_NS" attach "$A_IF" --rx tc >/dev/null && fl "$B_NS" attach "$B_IF" --rx tc >/dev/null &&
		fl "$B_NS" port add 6080 gue peer "$A4" >/dev/null || { echo "fouloader setup failed"; return 1; }
	inner_route "$A_NS" "$A_IF" "$(inner_prefix b 4 1)" "$ai" 1400
	id=$(tc -n "$A_NS" filter show dev "$A_IF" egress | sed -n 's/.* id \([0-9]*\) .*/\1/p' | head -1)
	[ -n "$id" ] || { echo "no fou_tx_tc on $A_IF egress"; return 1; }
	echo "fou_tx_tc (prog id $id) on $A_NS/$A_IF; $n UDP datagrams $ai -> $bi per figure, GUE over IPv4"
	for mode in encap-csum encap-remcsum noencap-csum; do
		fl "$A_NS" route del "$(inner_prefix b 4 1)" >/dev/null 2>&1
		fl "$A_NS" tunnel del rc >/dev/null 2>&1
		fl "$A_NS" tunnel add rc local "$A4" remote "$B4" encap gue encap-dport 6080 "$mode" >/dev/null &&
			fl "$A_NS" route add "$(inner_prefix b 4 1)" tunnel rc >/dev/null || { echo "tunnel $mode failed"; return 1; }
		for size in 64 1300; do
			out=$("$PY" selftests/bench/bpf_stats.py "$id" -- nsenter --net="/run/netns/$A_NS" -- \
				"$PY" "$FOU_LIBDIR/udp_send.py" --src "$ai" --dst "$bi" --dport 9 --sport 7000 --count "$n" \
				--payload-hex "$(head -c "$size" /dev/zero | tr '\0' 'a' | od -v -An -tx1 | tr -d ' \n')" 2>&1 | tail -1)
			NS[$mode/$size]=$(echo "$out" | awk -v n="$n" '/ns_total/ { printf "%.1f", $4 / n }')
			printf '  %-16s %5s-byte payload: %s ns per datagram (%s)\n' "$mode" "$size" "${NS[$mode/$size]:-?}" "$out"
		done
	done
	echo
	echo "ratios (run time per datagram, to encap-csum in the same run):"
	for size in 64 1300; do
		for mode in encap-remcsum noencap-csum; do
			[ -n "${NS[$mode/$size]}" ] && [ -n "${NS[encap-csum/$size]}" ] &&
				printf '  %-16s %5s bytes: %s\n' "$mode" "$size" \
					"$(awk -v a="${NS[$mode/$size]}" -v b="${NS[encap-csum/$size]}" 'BEGIN { printf "%.2f", a / b }')"
		done
	done
	return 0
}

bench_remcsum() {
	section "remcsum: the sender's cost of GUE remote checksum offload (BPF run time)"
	( remcsum_body )
}

bench_pmtu() {
	section "pmtu: time until TCP progresses again after a path-MTU drop (A -- R -- B)"
	( . selftests/e2e/pmtu.sh && pmtu_bench )
}

bench_gro() {
	section "gro: coalescing after XDP decapsulation, hints and cpumap steering (iperf3)"
	( . selftests/e2e/hints.sh && gro_bench )
}

if [ "$(id -u)" -ne 0 ]; then
	echo "bench.sh: the benchmarks need root (BPF test runs, network namespaces)." >&2
	echo "          run: sudo $0 $*" >&2
	exit 1
fi

if [ $# -gt 0 ]; then
	SECTIONS=("$@")
fi

for s in "${SECTIONS[@]}"; do
	if ! declare -F "bench_$s" >/dev/null; then
		echo "bench.sh: unknown section '$s' (known: $(declare -F | sed -n 's/^declare -f bench_//p' | tr '\n' ' '))" >&2
		status=1
		continue
	fi
	"bench_$s" || status=1
done
exit $status
