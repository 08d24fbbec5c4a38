#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# The guest tier's assets, built once and cached under $VMCACHE (default
# /var/cache/fouloader-vm; 'make clean' never touches it):
#
#   $VMCACHE/kernel-SERIES/vmlinuz          Debian's kernel of that series
#   $VMCACHE/kernel-SERIES/modules/...      its modules (dpkg -x, not installed)
#   $VMCACHE/kernel-SERIES/initramfs.cpio.gz  busybox + the few modules the
#                                           guest needs before its root exists
#   $VMCACHE/kernel-SERIES/release          the kernel release (uname -r)
#
# Usage: assets.sh SERIES...   (SERIES: 6.1 | 6.12). Prints, per series, the
# asset directory. Re-uses a complete directory; rebuilds the initramfs when
# its inputs (this script, the guest init) are newer.
#
# The Debian package of a series is the one its meta package depends on today
# (linux-image-amd64 for 6.1, linux-image-6.12-amd64 for 6.12), in its
# -unsigned flavour (no shim/signing needed by qemu's firmware).
set -euo pipefail

VMCACHE=${VMCACHE:-/var/cache/fouloader-vm}
HERE=$(cd "$(dirname "$0")" && pwd)

# Modules the initramfs loads, in this order (dependencies first are resolved
# by modprobe --show-depends against the extracted tree): the virtio
# transports, the NIC, the control port, the 9p root and the overlay on it.
INITRD_MODS=(virtio_pci virtio_net virtio_console 9pnet_virtio 9p overlay)

meta_pkg() {
	case $1 in
	6.1) echo linux-image-amd64 ;;
	6.12) echo linux-image-6.12-amd64 ;;
	*) echo "assets.sh: unknown kernel series '$1' (6.1 or 6.12)" >&2; return 2 ;;
	esac
}

# image_pkg SERIES: linux-image-...-unsigned that the series' meta package
# pulls in (the signed image's name plus -unsigned).
image_pkg() {
	local meta dep
	meta=$(meta_pkg "$1") || return 2
	apt-cache show "$meta" >/dev/null 2>&1 || apt-get update -qq >/dev/null
	dep=$(apt-cache depends "$meta" 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')
	[ -n "$dep" ] || { echo "assets.sh: $meta has no linux-image dependency in this apt configuration" >&2; return 1; }
	echo "$dep-unsigned"
}

fetch_kernel() {
	local series=$1 dir=$VMCACHE/kernel-$1 pkg tmp
	[ -s "$dir/vmlinuz" ] && [ -s "$dir/release" ] && return 0
	pkg=$(image_pkg "$series")
	echo "assets: downloading $pkg" >&2
	tmp=$(mktemp -d "$VMCACHE/.dl-$series.XXXXXX")
	(cd "$tmp" && timeout 900 apt-get download -q -o APT::Sandbox::User=root "$pkg" >/dev/null)
	dpkg -x "$tmp"/*.deb "$tmp/x"
	rm -rf "$dir"
	mkdir -p "$dir"
	mv "$tmp"/x/boot/vmlinuz-* "$dir/vmlinuz"
	mv "$tmp"/x/lib/modules "$dir/modules"
	ls "$dir/modules" >"$dir/release"
	echo "$pkg" >"$dir/package"
	rm -rf "$tmp"
}

# The module files (uncompressed: busybox insmod reads plain ELF) in load
# order, dependencies first.
initrd_modules() {
	local dir=$1 rel m
	rel=$(cat "$dir/release")
	for m in "${INITRD_MODS[@]}"; do
		# built in: nothing to load; otherwise "insmod PATH" lines
		modprobe -d "$dir" -S "$rel" --show-depends "$m" 2>/dev/null |
			awk '$1 == "insmod" {print $2}'
	done | awk '!seen[$0]++'
}

build_initramfs() {
	local dir=$VMCACHE/kernel-$1 out root f base
	out=$dir/initramfs.cpio.gz
	if [ -s "$out" ] && [ "$out" -nt "$HERE/init" ] && [ "$out" -nt "$HERE/assets.sh" ]; then
		return 0
	fi
	# modprobe -d wants DIR/lib/modules/RELEASE: give it that shape, and
	# the modules.dep that installing the package would have made
	[ -e "$dir/lib/modules" ] || { mkdir -p "$dir/lib"; ln -s ../modules "$dir/lib/modules"; }
	[ -s "$dir/modules/$(cat "$dir/release")/modules.dep" ] || depmod -b "$dir" "$(cat "$dir/release")"
	root=$(mktemp -d "$VMCACHE/.initrd-$1.XXXXXX")
	mkdir -p "$root"/{bin,dev,proc,sys,mnt,lower,upper,newroot,modules}
	cp /bin/busybox "$root/bin/busybox"
	for f in sh mount umount mkdir rm ln basename insmod switch_root sleep cat echo ls grep poweroff; do
		ln -s busybox "$root/bin/$f"
	done
	: >"$root/modules/order"
	while IFS= read -r f; do
		base=$(basename "$f")
		case $f in
		*.xz) xz -dc "$f" >"$root/modules/${base%.xz}"; base=${base%.xz} ;;
		*.zst) zstd -qdc "$f" >"$root/modules/${base%.zst}"; base=${base%.zst} ;;
		*) cp "$f" "$root/modules/$base" ;;
		esac
		echo "$base" >>"$root/modules/order"
	done < <(initrd_modules "$dir")
	cp "$HERE/init" "$root/init"
	chmod 0755 "$root/init"
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.tmp"
	mv "$out.tmp" "$out"
	rm -rf "$root"
}

main() {
	[ $# -gt 0 ] || { echo "usage: assets.sh SERIES..." >&2; exit 2; }
	mkdir -p "$VMCACHE"
	local s
	for s in "$@"; do
		meta_pkg "$s" >/dev/null
		fetch_kernel "$s"
		build_initramfs "$s"
		echo "$VMCACHE/kernel-$s"
	done
}

main "$@"
