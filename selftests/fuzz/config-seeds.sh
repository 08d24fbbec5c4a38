#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Regenerate the config fuzzer's seed corpus, selftests/fuzz/corpus/config/,
# from scripts/example.conf.example (its lines, commented-out ones too) and
# one example of each command's arguments. A seed's first byte is the
# fuzz_config.c mode: '0' an apply file, '1'..'6' and '8'..';' the
# NUL-separated arguments of port add, tunnel add, route add, sctp set, sctp
# dev, icmp set, and of port del, attach, stats, pmtu show.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=selftests/fuzz/corpus/config
ex=scripts/example.conf.example
rm -rf "$out"
mkdir -p "$out"
{ printf 0; cat "$ex"; } >"$out/apply-example-conf"
# the example with its commented-out lines in force
{ printf 0; sed -E 's/^#((port|tunnel|route|sctp|icmp) )/\1/' "$ex"; } >"$out/apply-example-all"
n=0
sed -nE 's/^#?((port|tunnel|route|sctp|icmp) .*)/\1/p' "$ex" | while IFS= read -r l; do
	n=$((n + 1))
	printf '0%s\n' "$l" >"$out/apply-line-$n"
done
# args MODE NAME WORDS...: one command's arguments, NUL-separated
args() {
	local m=$1 name=$2; shift 2
	{ printf '%s' "$m"; printf '%s\0' "$@"; } >"$out/args-$name"
}
args 1 port-add-fou 5555 ipproto 4 peer 10.0.0.2 peer_port 6000 local 10.0.0.1 mark 0x42
args 1 port-add-gue6 6080 gue -6 peer any zero-csum6 dev lo
args 2 tunnel-add-fou to-b local 10.0.0.1 remote 10.0.0.2 encap fou ipproto 4 encap-dport 5555
args 2 tunnel-add-gue6 t6 local fd00::1 remote fd00::2 encap gue encap-dport 6080 encap-sport 7000 \
	noencap-udp6-csum ttl inherit tos 16 mtu 1400
args 3 route-add 192.168.2.0/24 tunnel to-b
args 4 sctp-set encap-port 9899 remote-encap-port default
args 5 sctp-dev lo side udp noverify fill
args 6 icmp-set pmtu-expire 600 pmtu-min4 552 pmtu-min6 1280 rate 100 burst 50 redirects accept
args 8 port-del 5555 -6
args 9 attach lo --rx xdp --xdp-mode skb --hints on --steer cpumap --steer-cpus 2
args : stats --json --all --watch 1 --count 3
args ';' pmtu-show --json to-b
echo "$(ls "$out" | wc -l) seeds in $out"
