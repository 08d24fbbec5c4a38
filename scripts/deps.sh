#!/usr/bin/env bash
# Install the Debian packages fouloader needs to build, test and demo.
# Idempotent: skips apt entirely when everything is already present.
set -euo pipefail

PKGS=(
  clang llvm make gcc pkg-config
  libbpf-dev libxdp-dev xdp-tools bpftool
  libelf-dev zlib1g-dev
  iproute2 iputils-ping iperf3 tshark ethtool
  python3 python3-scapy perl
  go-md2man man-db bsdextrautils
  libusrsctp-dev libusrsctp-examples
  libclang-rt-14-dev
  libmicrohttpd-dev prometheus
  qemu-system-x86 busybox-static cpio kmod xz-utils systemd
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#PKGS[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "deps: missing packages (${missing[*]}); run as root to install" >&2
  exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer once, quietly.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: done"
