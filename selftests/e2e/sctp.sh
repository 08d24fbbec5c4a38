# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# shellcheck shell=bash
#
# Body of the SCTP end-to-end tests (RFC 6951 gateway and CRC32c checking in
# transit), sourced by test_sctp_gateway_tc.t and test_sctp_gateway_xdp.t.
# Call sctp_suite HOOK (tc | xdp: G's receive hook; TC egress encapsulates in
# both). The peers are usrsctp (a real SCTP stack in user space; the kernel
# here has none) through build/selftests/sctp_peer, which sends a random file
# over one association, has it echoed and checks every byte; the server side
# writes what it received, so both directions are compared (sha256).
#
#   A a0 ------------- gA  G (gateway)  gB ------------- b0 B
#     10.205.1.2/24       10.205.1.1  10.205.2.1           10.205.2.2/24
#     fd00:205:1::2/64    fd00:205:1::1  fd00:205:2::1     fd00:205:2::2/64
#
# A speaks SCTP over UDP (local and remote encapsulation port 9899), B native
# SCTP. G forwards, runs fouloader on gA and gB with "port add 9899 ipproto
# 132 peer any" (IPv4 and -6) and "sctp dev gA side udp": it takes the UDP
# header off A's packets (after checking the UDP checksum and CRC32c) and
# puts one on B's, toward the port it learned for A.
#
# Phases, each for IPv4 and IPv6:
#   1 gateway: a 200 KB file A -> B -> A byte-exact; G's counters and sctp
#     show (A learned with port 9899)
#   2 corruption (under tshark on a0 and b0): sctp_mangle on A's egress flips
#     a byte of one DATA packet (UDP checksum fixed: only the CRC32c is
#     wrong); G counts drop_sctp_crc once, the data still arrives intact
#     (SCTP retransmits). The same on B's egress for native SCTP. tshark's
#     own CRC-32C check (-o sctp.checksum:CRC-32C -d udp.port==9899,sctp):
#     exactly the injected packets bad on the sending side, none among what
#     G emitted, none at all on B's side for A's packets
#   3 NAT rebinding: half the file, then the mangler makes A's packets leave
#     from another port (and maps it back on A's ingress), the other half:
#     G's learned port follows (sctp_port_changed, sctp show) and all arrives
#   4 transit: G without the ipproto-132 ports and side udp, B over UDP too:
#     G only verifies (pass_sctp_crc_ok), a corrupted packet is dropped
#     (drop_sctp_crc), data intact
#   5 control: usrsctp over UDP cannot talk to a native one without G's
#     translation (the pair only works because of the gateway)
#
# Checksums: in the tc run A and B keep transmit checksum offload, so A's
# UDP packets reach G's TC ingress as CHECKSUM_PARTIAL (UDP checksum field
# holding only the pseudo-header sum), as they do from any local stack or
# container behind a veth: the case a TC gateway on virtual devices meets.
# For XDP, a0 and b0 compute checksums in software: an XDP receiver sees
# frames, and a veth frame with a partial checksum is one no NIC would
# deliver (see txcsum.py). G's own devices always do, so tshark sees G's UDP
# checksums complete.
#
# B's path MTU is fixed at 1492 (IPv4; usrsctp uses 1280 over IPv6): native
# packets grow by 8 bytes at G and must still fit gA's 1500. A native host
# behind an RFC 6951 gateway needs that room, as a route MTU would give.

. "$(dirname "${BASH_SOURCE[0]}")/../lib/hosts.sh"

SCTP_PEER=$FOU_TOPDIR/build/selftests/sctp_peer
SCTP_MANGLE=$FOU_TOPDIR/build/selftests/sctp_mangle
ENCAP=9899
NATPORT=41000
XFER_BYTES=200000

SA4=10.205.1.2 GA4=10.205.1.1 GB4=10.205.2.1 SB4=10.205.2.2
SA6=fd00:205:1::2 GA6=fd00:205:1::1 GB6=fd00:205:2::1 SB6=fd00:205:2::2

# addr_of SIDE(a|b) FAM
addr_of() { case $1$2 in a4) echo $SA4 ;; a6) echo $SA6 ;; b4) echo $SB4 ;; b6) echo $SB6 ;; esac; }

# ---------------------------------------------------------------- topology
# sctp_topology TAG HOOK: namespaces A_NS G_NS B_NS (own pin roots), veth
# a0 <-> gA and gB <-> b0, addresses, forwarding on G, routes via G.
sctp_topology() {
	local tag=$1 hook=$2
	A_NS=fou-$tag-$$-a G_NS=fou-$tag-$$-g B_NS=fou-$tag-$$-b
	host_ns "$A_NS" && host_ns "$G_NS" && host_ns "$B_NS" || return 1
	ip -n "$A_NS" link add a0 type veth peer name gA netns "$G_NS" || return 1
	ip -n "$B_NS" link add b0 type veth peer name gB netns "$G_NS" || return 1
	ip -n "$A_NS" addr add $SA4/24 dev a0 && ip -n "$A_NS" addr add $SA6/64 dev a0 nodad &&
		ip -n "$G_NS" addr add $GA4/24 dev gA && ip -n "$G_NS" addr add $GA6/64 dev gA nodad &&
		ip -n "$G_NS" addr add $GB4/24 dev gB && ip -n "$G_NS" addr add $GB6/64 dev gB nodad &&
		ip -n "$B_NS" addr add $SB4/24 dev b0 && ip -n "$B_NS" addr add $SB6/64 dev b0 nodad || return 1
	ip -n "$A_NS" link set a0 up && ip -n "$G_NS" link set gA up &&
		ip -n "$G_NS" link set gB up && ip -n "$B_NS" link set b0 up || return 1
	in_ns "$G_NS" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 || return 1
	ip -n "$A_NS" route add default via $GA4 && ip -n "$A_NS" -6 route add default via $GA6 &&
		ip -n "$B_NS" route add default via $GB4 && ip -n "$B_NS" -6 route add default via $GB6 || return 1
	in_ns "$G_NS" "$PY" "$FOU_LIBDIR/txcsum.py" gA off >/dev/null &&
		in_ns "$G_NS" "$PY" "$FOU_LIBDIR/txcsum.py" gB off >/dev/null || return 1
	if [ "$hook" = xdp ]; then
		in_ns "$A_NS" "$PY" "$FOU_LIBDIR/txcsum.py" a0 off >/dev/null &&
			in_ns "$B_NS" "$PY" "$FOU_LIBDIR/txcsum.py" b0 off >/dev/null || return 1
	fi
	return 0
}

# ---------------------------------------------------------------- peers
# peer_args MODE(udp|native): sctp_peer's encapsulation options.
peer_args() { [ "$1" = udp ] && echo "--encap $ENCAP --remote-encap $ENCAP"; }

# sctp_server_start FAM MODE: sctp_peer server in B on B's address, one
# association, bounded; writes $TMPD/srv.bin. Sets SERVER_PID.
sctp_server_start() {
	local fam=$1 mode=$2
	rm -f "$TMPD/srv.bin" "$TMPD/srv.ready" "$TMPD/srv.log"
	# shellcheck disable=SC2046
	timeout 25 nsenter --net="/run/netns/$B_NS" -- "$SCTP_PEER" server --bind "$(addr_of b "$fam")" \
		$(peer_args "$mode") --mtu 1492 --out "$TMPD/srv.bin" --ready "$TMPD/srv.ready" \
		--timeout 20 >"$TMPD/srv.log" 2>&1 &
	SERVER_PID=$!
	cleanup_pid "$SERVER_PID"
	wait_for 5 test -e "$TMPD/srv.ready"
}

# sctp_client_start FAM MODE [ARGS...]: sctp_peer client in A sending
# $TMPD/data to B (background, bounded). Sets CLIENT_PID.
sctp_client_start() {
	local fam=$1 mode=$2; shift 2
	rm -f "$TMPD/cli.bin" "$TMPD/cli.log"
	# shellcheck disable=SC2046
	timeout 25 nsenter --net="/run/netns/$A_NS" -- "$SCTP_PEER" client --addr "$(addr_of b "$fam")" \
		--bind "$(addr_of a "$fam")" $(peer_args "$mode") --file "$TMPD/data" --out "$TMPD/cli.bin" \
		--msg 3000 --timeout "${CLIENT_TIMEOUT:-15}" "$@" >"$TMPD/cli.log" 2>&1 &
	CLIENT_PID=$!
	cleanup_pid "$CLIENT_PID"
}

# _not_running PID: exited (gone, or a zombie not yet waited for)
_not_running() { [ ! -e "/proc/$1" ] || [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]; }

# sctp_xfer_check LABEL: wait for client and server; ok when both exited 0
# and the file, what B received and what came back to A are equal.
sctp_xfer_check() {
	local label=$1 crc src h0 h1 h2
	wait "$CLIENT_PID"; crc=$?
	# the server ends with the association; a client that gave up leaves
	# it waiting for one: bounded
	wait_for 3 _not_running "$SERVER_PID" || kill "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID"; src=$?
	h0=$(sha256sum <"$TMPD/data" | cut -c1-16)
	h1=$( (sha256sum <"$TMPD/srv.bin" | cut -c1-16) 2>/dev/null)
	h2=$( (sha256sum <"$TMPD/cli.bin" | cut -c1-16) 2>/dev/null)
	[ "$crc" = 0 ] && [ "$src" = 0 ] && [ "$h0" = "$h1" ] && [ "$h0" = "$h2" ]
	ok $? "$label: $(stat -c %s "$TMPD/data") random bytes A -> B and back, sha256 equal at both ends" || {
		diag "client exit $crc: $(cat "$TMPD/cli.log" 2>/dev/null)"
		diag "server exit $src: $(cat "$TMPD/srv.log" 2>/dev/null)"
		diag "sha256 sent $h0, B received ${h1:-none} ($(stat -c %s "$TMPD/srv.bin" 2>/dev/null) bytes), A got back ${h2:-none}"
		return 1
	}
}

# sctp_xfer LABEL FAM AMODE BMODE [CLIENT ARGS...]: one whole transfer.
sctp_xfer() {
	local label=$1 fam=$2 amode=$3 bmode=$4; shift 4
	head -c "$XFER_BYTES" /dev/urandom >"$TMPD/data"
	sctp_server_start "$fam" "$bmode" || { fail "$label: sctp_peer server did not start in B"; return 1; }
	sctp_client_start "$fam" "$amode" "$@"
	sctp_xfer_check "$label"
}

# ---------------------------------------------------------------- mangler
# mangle_attach NS DEV: the test-only mangler on DEV in NS, its maps pinned
# beside NS's fouloader pins.
mangle_attach() {
	mkdir -p "$(pin_of "$1")" &&
		in_ns "$1" "$SCTP_MANGLE" attach "$2" "$(pin_of "$1")/mangle" encap-port $ENCAP
}
# mangle NS ARGS...: sctp_mangle set ARGS in NS's pin directory
mangle() { local ns=$1; shift; "$SCTP_MANGLE" set "$(pin_of "$ns")/mangle" "$@"; }
# mangle_stat NS NAME: one of the mangler's counters
mangle_stat() { "$SCTP_MANGLE" show "$(pin_of "$1")/mangle" | awk -v n="$2" '$1 == n { print $2 }'; }

# ---------------------------------------------------------------- gateway
# sctp_show_get EXPR: Python EXPR on G's "sctp show --json" (as j)
sctp_show_get() { fl_json_get "$G_NS" "$1" sctp show; }

# learned_port FAM: the encapsulation port G learned for A (empty if none)
learned_port() {
	sctp_show_get "[p['encap_port'] for p in j.get('peers', []) if p['addr'] == '$(addr_of a "$1")' and not p.get('native')]" |
		"$PY" -c 'import json,sys; v=json.load(sys.stdin); print(" ".join(str(x) for x in sorted(set(v))))'
}

# gateway_on: the RFC 6951 receive ports and the UDP side.
gateway_on() {
	fl "$G_NS" port add $ENCAP ipproto 132 peer any &&
		fl "$G_NS" port add $ENCAP ipproto 132 -6 peer any &&
		fl "$G_NS" sctp dev gA side udp
}
# gateway_off: back to checking CRC32c in transit only.
gateway_off() {
	fl "$G_NS" port del $ENCAP &&
		fl "$G_NS" port del $ENCAP -6 &&
		fl "$G_NS" sctp dev gA default &&
		fl "$G_NS" sctp flush >/dev/null
}

# ---------------------------------------------------------------- tshark
# tshark_sctp FILE FILTER: one line per SCTP packet matching the display
# FILTER: "SRC CRC UDP CHECKSUM", tshark's own verdicts: CRC the CRC-32C
# check, UDP the UDP checksum check (1 good, 0 bad, - for native SCTP),
# CHECKSUM the CRC32c field as tshark shows it.
tshark_sctp() {
	timeout 60 tshark -n -r "$1" -o sctp.checksum:CRC-32C -o udp.check_checksum:TRUE \
		-d udp.port==$ENCAP,sctp -Y "sctp && ($2)" -T fields -E separator='|' -E occurrence=f \
		-e ip.src -e ipv6.src -e sctp.checksum.status -e udp.checksum.status -e sctp.checksum 2>/dev/null |
		awk -F'|' '{ print ($1 != "" ? $1 : $2), $3, ($4 == "" ? "-" : $4), $5 }'
}

# ---------------------------------------------------------------- phases
# shellcheck disable=SC2034 # filled and read through stats_load / sdelta namerefs
declare -A g0 g1

# phase_gateway FAM
phase_gateway() {
	local fam=$1 what="gateway IPv$1" port
	fl "$G_NS" sctp flush >/dev/null	# only this association's entries in sctp show
	stats_load g0 "$G_NS"
	sctp_xfer "$what: usrsctp over UDP in A <-> native in B through G" "$fam" udp native
	stats_load g1 "$G_NS"
	expect_ge "$what: G rx_decap_sctp (A's packets, UDP header taken off)" "$(sdelta g0 g1 rx_decap_sctp)" 100
	expect_ge "$what: G tx_encap_sctp (B's packets put in UDP toward A)" "$(sdelta g0 g1 tx_encap_sctp)" 100
	expect_ge "$what: G pass_sctp_crc_ok (CRC32c checked on the way)" "$(sdelta g0 g1 pass_sctp_crc_ok)" 100
	expect_ge "$what: G sctp_port_learned" "$(sdelta g0 g1 sctp_port_learned)" 1
	expect_eq "$what: G drop_sctp_crc" "$(sdelta g0 g1 drop_sctp_crc)" 0
	expect_eq "$what: G tx_drop_sctp_* and drop_sctp_*" \
		"$(( $(sdelta_sum g0 g1 'tx_drop_sctp_*') + $(sdelta_sum g0 g1 'drop_sctp_*') ))" 0 ||
		diag_deltas G g0 g1
	port=$(learned_port "$fam")
	expect_eq "$what: G sctp show --json: A $(addr_of a "$fam") learned with encapsulation port $ENCAP" "$port" "$ENCAP" ||
		diag "sctp show: $(fl "$G_NS" sctp show 2>&1)"
}

# corrupt_one SIDE(a|b) FAM BMODE WHAT: a transfer (A over UDP, B BMODE)
# during which the mangler on SIDE's device corrupts SIDE's 20th DATA packet:
# G drops exactly that one and the data still arrives intact.
corrupt_one() {
	local side=$1 fam=$2 bmode=$3 what=$4 ns c
	[ "$side" = a ] && ns=$A_NS || ns=$B_NS
	mangle "$ns" corrupt-nth 20
	stats_load g0 "$G_NS"
	sctp_xfer "$what: ${side^^}'s 20th DATA packet corrupted: data still intact" "$fam" udp "$bmode"
	stats_load g1 "$G_NS"
	mangle "$ns" corrupt-nth 0
	c=$(mangle_stat "$ns" corrupted)
	expect_eq "$what: the mangler on ${side^^} corrupted one packet (total so far)" "$c" "$((CORRUPTED[$side] + 1))"
	CORRUPTED[$side]=$c
	mangle_stat "$ns" corrupt_crc >>"$TMPD/corrupt_crcs"
	expect_eq "$what: G drop_sctp_crc (the corrupt packet)" "$(sdelta g0 g1 drop_sctp_crc)" 1 ||
		diag_deltas G g0 g1
	expect_eq "$what: mangler errors on ${side^^}" "$(mangle_stat "$ns" errors)" 0
}

# phase_corrupt FAM: one DATA packet of A's (over UDP) and one of B's
# (native) corrupted.
phase_corrupt() {
	mangle "$A_NS" nat-port 0
	corrupt_one a "$1" native "corruption IPv$1, over UDP"
	corrupt_one b "$1" native "corruption IPv$1, native"
}

# oracle CAPA CAPB: tshark's verdicts on the corruption phase's captures.
oracle() {
	local capa=$1 capb=$2 bad_a bad_b all_a all_b g_a crcs n line
	all_a=$(tshark_sctp "$capa" frame)
	all_b=$(tshark_sctp "$capb" frame)
	[ -n "$all_a" ] && [ -n "$all_b" ]
	ok $? "tshark: SCTP packets decoded on a0 ($(echo "$all_a" | grep -c .)) and b0 ($(echo "$all_b" | grep -c .))" ||
		{ diag_file "$capa.err"; diag_file "$capb.err"; return 1; }
	# sent by A: the corrupt ones and only them bad (their checksums as the
	# mangler recorded them); sent by G toward A: none bad
	bad_a=$(echo "$all_a" | awk -v a4=$SA4 -v a6=$SA6 '($1 == a4 || $1 == a6) && $2 == 0')
	n=$(echo "$bad_a" | grep -c .)
	crcs=$(tr '\n' ' ' <"$TMPD/corrupt_crcs")
	expect_eq "tshark on a0: A's packets with a bad CRC-32C = the ones injected" "$n" 2 ||
		diag "bad: $bad_a"
	for line in $(echo "$bad_a" | awk '{ print $4 }'); do
		echo " $crcs " | grep -q " $((line)) "
		ok $? "tshark on a0: bad packet checksum $line is one the mangler corrupted" || diag "mangler: $crcs"
	done
	if [ "$HOOK" = xdp ]; then
		n=$(echo "$bad_a" | awk '$3 != 1' | grep -c .)
		expect_eq "tshark on a0: the corrupt packets' UDP checksums are good (only CRC32c wrong)" "$n" 0
	fi
	g_a=$(echo "$all_a" | awk -v b4=$SB4 -v b6=$SB6 '$1 == b4 || $1 == b6')
	n=$(echo "$g_a" | grep -c .)
	[ "$n" -ge 100 ]; ok $? "tshark on a0: $n SCTP-over-UDP packets G emitted toward A"
	n=$(echo "$g_a" | awk '$2 != 1 || $3 != 1' | grep -c .)
	expect_eq "tshark on a0: G's packets with a bad CRC-32C or UDP checksum" "$n" 0 ||
		diag "$(echo "$g_a" | awk '$2 != 1 || $3 != 1' | head -3)"
	# on b0: what G emitted toward B (A's packets, decapsulated) all good,
	# B's own only bad where injected
	n=$(echo "$all_b" | awk -v a4=$SA4 -v a6=$SA6 '$1 == a4 || $1 == a6' | grep -c .)
	[ "$n" -ge 100 ]; ok $? "tshark on b0: $n SCTP packets from A that G passed on toward B"
	n=$(echo "$all_b" | awk -v a4=$SA4 -v a6=$SA6 '($1 == a4 || $1 == a6) && $2 != 1' | grep -c .)
	expect_eq "tshark on b0: G's (decapsulated) packets from A with a bad CRC-32C" "$n" 0
	n=$(echo "$all_b" | awk -v a4=$SA4 -v a6=$SA6 '($1 == a4 || $1 == a6) && $3 != "-"' | grep -c .)
	expect_eq "tshark on b0: A's packets reach B as native SCTP (no UDP left)" "$n" 0
	bad_b=$(echo "$all_b" | awk -v b4=$SB4 -v b6=$SB6 '($1 == b4 || $1 == b6) && $2 == 0')
	expect_eq "tshark on b0: B's packets with a bad CRC-32C = the ones injected" "$(echo "$bad_b" | grep -c .)" 2
}

# phase_nat FAM: A's source port changes mid-association.
phase_nat() {
	local fam=$1 what="NAT rebinding IPv$1" before after nout nin
	local natport=$((NATPORT + fam))
	mangle "$A_NS" nat-port 0
	fl "$G_NS" sctp flush >/dev/null
	head -c "$XFER_BYTES" /dev/urandom >"$TMPD/data"
	rm -f "$TMPD/paused" "$TMPD/resume"
	stats_load g0 "$G_NS"
	sctp_server_start "$fam" native || { fail "$what: server did not start"; return 1; }
	sctp_client_start "$fam" udp --pause-at $((XFER_BYTES / 2)) --paused "$TMPD/paused" --resume "$TMPD/resume"
	if wait_for 10 test -e "$TMPD/paused"; then
		before=$(learned_port "$fam")
		expect_eq "$what: first half: G learned A's port $ENCAP" "$before" "$ENCAP"
		nout=$(mangle_stat "$A_NS" nat_out) nin=$(mangle_stat "$A_NS" nat_in)
		mangle "$A_NS" nat-port $natport
	else
		fail "$what: the client never reached the middle of the file"
	fi
	touch "$TMPD/resume"
	sctp_xfer_check "$what: A's source port $ENCAP -> $natport mid-association, data intact"
	stats_load g1 "$G_NS"
	after=$(learned_port "$fam")
	expect_eq "$what: G sctp show --json: A's learned port is now $natport" "$after" "$natport" ||
		diag "sctp show: $(fl "$G_NS" sctp show 2>&1)"
	expect_ge "$what: G sctp_port_changed" "$(sdelta g0 g1 sctp_port_changed)" 1
	expect_ge "$what: A's packets left from $natport (mangler nat_out)" "$(( $(mangle_stat "$A_NS" nat_out) - nout ))" 20
	expect_ge "$what: G sent to $natport (mangler nat_in on A)" "$(( $(mangle_stat "$A_NS" nat_in) - nin ))" 20
	mangle "$A_NS" nat-port 0
}

# phase_transit FAM: both ends over UDP, G only checks CRC32c.
phase_transit() {
	local fam=$1 what="transit IPv$1"
	stats_load g0 "$G_NS"
	sctp_xfer "$what: usrsctp over UDP at both ends through G" "$fam" udp udp
	stats_load g1 "$G_NS"
	expect_ge "$what: G pass_sctp_crc_ok" "$(sdelta g0 g1 pass_sctp_crc_ok)" 200
	expect_eq "$what: G rx_decap_sctp + tx_encap_sctp (no translation)" \
		"$(( $(sdelta g0 g1 rx_decap_sctp) + $(sdelta g0 g1 tx_encap_sctp) ))" 0
	expect_eq "$what: G drop_sctp_crc" "$(sdelta g0 g1 drop_sctp_crc)" 0

	corrupt_one a "$fam" udp "$what"
	expect_ge "$what: G pass_sctp_crc_ok" "$(sdelta g0 g1 pass_sctp_crc_ok)" 200
}

# ---------------------------------------------------------------- the suite
sctp_suite() {
	HOOK=$1
	local t0=$SECONDS fam capa capb pa pb attach_args dev
	require_root
	require_cmd ip tc nsenter timeout sha256sum tshark
	require_fouloader
	[ -x "$SCTP_PEER" ] && [ -x "$SCTP_MANGLE" ] || skip_all "$SCTP_PEER / $SCTP_MANGLE not built (run make)"
	"$FOULOADER" sctp --help >/dev/null 2>&1 || skip_all "$FOULOADER has no 'sctp' command yet"

	make_tmpd "sctp$HOOK"
	: >"$TMPD/corrupt_crcs"
	declare -gA CORRUPTED=([a]=0 [b]=0)
	sctp_topology "sg$HOOK" "$HOOK" || bail "could not build the namespace topology"
	diag "hook $HOOK: A $A_NS, G $G_NS, B $B_NS"
	out=$(ping_ok "$A_NS" $SB4 2 && ping_ok "$A_NS" $SB6 2); ok $? "plain forwarding A -> B through G (IPv4, IPv6)" || diag "$out"

	# control, before any BPF: the pair needs the gateway
	head -c 20000 /dev/urandom >"$TMPD/data"
	sctp_server_start 4 native || bail "sctp_peer server did not start"
	CLIENT_TIMEOUT=3 sctp_client_start 4 udp
	wait "$CLIENT_PID"; local crc=$?
	kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null
	[ "$crc" != 0 ]; ok $? "control: without fouloader on G, over-UDP A and native B cannot talk (client exit $crc)"

	for dev in gA gB; do
		attach_args=(attach "$dev" --rx "$HOOK")
		[ "$HOOK" = xdp ] && attach_args+=(--xdp-mode native)
		check "G: fouloader ${attach_args[*]}" fl "$G_NS" "${attach_args[@]}" || bail "attach failed"
	done
	check "G: port add $ENCAP ipproto 132 peer any (IPv4, IPv6); sctp dev gA side udp" gateway_on ||
		bail "gateway configuration failed"
	expect_eq "G: sctp show --json: gA is the UDP side" \
		"$(sctp_show_get "[d['side'] for d in j.get('devs', []) if d.get('dev') == 'gA']")" '["udp"]'
	check "A, B: the test-only mangler on a0 and b0" eval 'mangle_attach "$A_NS" a0 && mangle_attach "$B_NS" b0' ||
		bail "mangler attach failed"

	for fam in 4 6; do phase_gateway "$fam"; done

	capa=$TMPD/a0.pcapng capb=$TMPD/b0.pcapng
	capture_start "$A_NS" a0 "$capa" 40 "udp port $ENCAP or ip proto 132 or ip6 proto 132"
	ok $? "tshark captures on a0 in A" || diag_file "$capa.err"; pa=$CAPTURE_PID
	capture_start "$B_NS" b0 "$capb" 40 "udp port $ENCAP or ip proto 132 or ip6 proto 132"
	ok $? "tshark captures on b0 in B" || diag_file "$capb.err"; pb=$CAPTURE_PID
	for fam in 4 6; do phase_corrupt "$fam"; done
	sleep 0.3
	capture_stop "$pa"; capture_stop "$pb"
	oracle "$capa" "$capb"

	for fam in 4 6; do phase_nat "$fam"; done

	check "G: back to transit checking only (port del $ENCAP, sctp dev gA default, sctp flush)" gateway_off
	for fam in 4 6; do phase_transit "$fam"; done

	diag "run time $((SECONDS - t0)) s"
	done_testing
}
