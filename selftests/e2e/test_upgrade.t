#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Attaching again (an upgrade: a newer build's programs over the running
# ones) replaces the programs atomically and keeps the maps: a UDP stream
# through a FOU tunnel must lose no datagram while both ends re-attach
# repeatedly, on TC and on XDP. Inside namespaces this test creates:
#
#   A a0 10.205.0.1 (inner 10.25.1.1) ==== veth ==== b0 10.205.0.2 B (inner 10.25.2.1)
#
# Also: a pinned map whose layout differs from this build's is refused with
# a clear error, and nothing is attached.
cd "$(dirname "$0")/../.." || exit 1
. selftests/lib/hosts.sh

require_root
require_cmd ip nsenter timeout bpftool
require_fouloader
require_tunnel_cmd

make_tmpd upgrade
N=3000 # datagrams, 1 ms apart: the stream outlasts the re-attaches

setup() {
	local hook=$1 a=$2 b=$3
	host_ns "$a" && host_ns "$b" || return 1
	ip -n "$a" link add a0 type veth peer name b0 netns "$b" || return 1
	ip -n "$a" addr add 10.205.0.1/24 dev a0 && ip -n "$b" addr add 10.205.0.2/24 dev b0 &&
		ip -n "$a" addr add 10.25.1.1/32 dev lo && ip -n "$b" addr add 10.25.2.1/32 dev lo &&
		ip -n "$a" link set a0 up && ip -n "$b" link set b0 up || return 1
	# veth hands on unfinished checksums, which XDP cannot finish; a wire can't
	in_ns "$a" "$PY" selftests/lib/txcsum.py a0 off >/dev/null || return 1
	fl "$a" attach a0 --rx "$hook" >/dev/null && fl "$b" attach b0 --rx "$hook" >/dev/null &&
		fl "$a" tunnel add to-b local 10.205.0.1 remote 10.205.0.2 encap fou encap-dport 5555 &&
		fl "$a" route add 10.25.2.1 tunnel to-b &&
		fl "$b" port add 5555 ipproto 4 peer 10.205.0.1 || return 1
	ip -n "$a" route add 10.25.2.1/32 dev a0 src 10.25.1.1 mtu 1472
}

# stream_across_reattach HOOK: N datagrams A -> B while both ends re-attach.
stream_across_reattach() {
	local hook=$1 a=fou-up-$$-$1-a b=fou-up-$$-$1-b i replaced=0 got
	setup "$hook" "$a" "$b" || { fail "$hook: topology"; return; }
	in_ns "$b" "$PY" selftests/lib/udp_listen.py --addr 10.25.2.1 --port 7000 --count $N \
		--timeout 20 --out "$TMPD/$hook.rx" --ready "$TMPD/$hook.ready" &
	cleanup_pid $!
	local lpid=$!
	wait_for 5 test -e "$TMPD/$hook.ready" || { fail "$hook: listener"; return; }
	in_ns "$a" "$PY" selftests/lib/udp_send.py --src 10.25.1.1 --dst 10.25.2.1 --dport 7000 \
		--count $N --interval 0.001 >/dev/null &
	local spid=$! during=0
	for i in 1 2 3 4 5; do
		fl "$a" attach a0 --rx "$hook" 2>&1 | grep -q replaced && replaced=$((replaced + 1))
		fl "$b" attach b0 --rx "$hook" 2>&1 | grep -q replaced && replaced=$((replaced + 1))
		kill -0 "$spid" 2>/dev/null && during=$((during + 2))
	done
	[ "$during" -ge 4 ]
	ok $? "$hook: the stream was running across the re-attaches ($during of 10 done during it)"
	wait "$spid"
	ok $? "$hook: $N datagrams sent through the tunnel"
	wait "$lpid"
	expect_eq "$hook: 10 re-attaches replaced the programs" "$replaced" 10
	got=$(wc -l <"$TMPD/$hook.rx" 2>/dev/null || echo 0)
	expect_eq "$hook: every datagram arrived across the re-attaches" "$got" $N
	got=$(fl "$b" stats --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["counters"]["rx_decap_fou"])')
	[ "$got" -ge $N ]; ok $? "$hook: B decapsulated them all ($got)"
}

stream_across_reattach tc
stream_across_reattach xdp

# ---------------------------------------------------------------- incompatible pinned map
# A map pinned by a build with another layout (here: fou_stats with one slot)
# must be refused with a clear error, and nothing attached.
C=fou-up-$$-c
host_ns "$C" && ip -n "$C" link add c0 type veth peer name c1 && ip -n "$C" link set c0 up ||
	bail "could not build the namespace for the map check"
PINC=$(pin_of "$C")
mkdir -p "$PINC"
bpftool map create "$PINC/fou_stats" type percpu_array key 4 value 8 entries 1 name fou_stats
ok $? "pinned a fou_stats of another layout"
out=$(fl "$C" attach c0 2>&1); rc=$?
[ "$rc" -eq 1 ] && [[ "$out" == *"incompatible version"* ]]
ok $? "attach over an incompatible pinned map: exit 1 with a clear error" || diag "exit $rc: $out"
ip -n "$C" -d link show dev c0 | grep -q "prog/xdp"; [ $? -ne 0 ]
ok $? "nothing attached at XDP"
[ -z "$(ip netns exec "$C" tc qdisc show dev c0 | grep clsact)" ]
ok $? "nothing attached at TC"

done_testing
