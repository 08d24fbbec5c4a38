# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# shellcheck shell=bash
#
# Body of the differential check against the kernel (test_kdiff_6.12.t,
# make fuzz-kernel): vm_kdiff_suite SERIES writes the frames on the host
# (selftests/fuzz/kdiff_gen.py: the saved corpus, then KDIFF_CASES frames
# from KDIFF_SEED), boots Debian's kernel SERIES once and runs
# selftests/fuzz/kdiff.py inside the guest: each frame through the kernel's
# own fou/gue, ipip, sit and ip6tnl receive path (two namespaces of the
# guest joined by veth: nothing leaves the guest) and through fou_rx_xdp
# and fou_rx_tc with BPF_PROG_TEST_RUN on the same kernel. Every outcome
# must agree, or be one of the differences README.md documents (kdiff.py's
# DOCUMENTED, each printed with its count); a disagreement fails.

. "$(dirname "${BASH_SOURCE[0]}")/lib/vm.sh"

KDIFF_CASES=${KDIFF_CASES:-3000}
KDIFF_SEED=${KDIFF_SEED:-1}
KDIFF_SECS=${KDIFF_SECS:-900}

# kdiff_value LINE-PREFIX FIELD: a field of kdiff.py's summary line.
kdiff_value() {
	awk -v p="$1" -v f="$2" 'index($0, p) == 1 { for (i = 1; i < NF; i++) if ($i == f) print $(i + 1) }' <<<"$VOUT"
}

vm_kdiff_suite() {
	local series=$1 cases hook n a d x
	require_vm
	[ -x "$FOU_TOPDIR/build/selftests/fuzz_run" ] || skip_all "build/selftests/fuzz_run not built (run make)"
	$PY -c 'import scapy' 2>/dev/null || skip_all "needs python3-scapy for $PY"
	# in the tree: the guest sees the host's / (its own /tmp is private)
	cases=$FOU_TOPDIR/build/kdiff/cases-$$.txt
	mkdir -p "${cases%/*}" && on_cleanup rm -f "$cases"
	$PY "$FOU_TOPDIR/selftests/fuzz/kdiff_gen.py" "$cases" "$KDIFF_CASES" "$KDIFF_SEED"
	ok $? "host: $(wc -l <"$cases") frames written (the saved corpus, then $KDIFF_CASES from seed $KDIFF_SEED)" ||
		done_testing
	vm_boot_tap "$series" agent "kd${series//./}" "in a guest"
	vm_run "$KDIFF_SECS" "/usr/bin/python3 $FOU_TOPDIR/selftests/fuzz/kdiff.py $cases --build build"
	local rc=$VRC
	diag "$(grep -v '^kdiff \(xdp\|tc\) documented' <<<"$VOUT")"
	ok "$([ "$rc" = 0 ] || [ "$rc" = 1 ] && echo 0 || echo 1)" \
		"guest $VM_RELEASE: kernel fou ports, ipip/sit/ip6tnl devices and fuzz_run set up, every frame run (exit $rc)"
	ok "$([ "$(kdiff_value "kdiff frames" lost)" = 0 ] && echo 0 || echo 1)" \
		"every frame reached the kernel's receive path"
	for hook in xdp tc; do
		n=$(kdiff_value "kdiff $hook cases" cases) a=$(kdiff_value "kdiff $hook cases" agree)
		d=$(kdiff_value "kdiff $hook cases" documented) x=$(kdiff_value "kdiff $hook cases" disagree)
		ok "$([ -n "$n" ] && [ "$n" -gt 0 ] && [ "$x" = 0 ] && echo 0 || echo 1)" \
			"fou_rx_$hook vs the kernel: ${n:-no} cases compared, ${a:-?} agree, ${d:-?} documented differences, ${x:-?} disagreements"
		diag "$(awk -v p="kdiff $hook documented" 'index($0, p) == 1 { printf "  %s: %s\n", $4, $5 }' <<<"$VOUT")"
	done
	vm_stop
	done_testing
}
