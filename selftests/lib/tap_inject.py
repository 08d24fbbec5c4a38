#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Hand the kernel one Ethernet frame through a TAP device with a virtio-net
header, as a guest's virtio_net would (run it inside the device's namespace):

  tap_inject.py DEV HEX [--partial START OFFSET]

HEX: the frame. --partial: VIRTIO_NET_HDR_F_NEEDS_CSUM with csum_start START
and csum_offset OFFSET: the skb enters the stack CHECKSUM_PARTIAL, a checksum
still to be written, which only a local sender produces (the host tier has no
SCTP of its own to make one). DEV must exist (ip tuntap add DEV mode tap) and
be up. Prints "injected N bytes".
"""
import argparse
import fcntl
import os
import struct
import sys

TUNSETIFF = 0x400454CA
TUNSETVNETHDRSZ = 0x400454D8
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
IFF_VNET_HDR = 0x4000
VIRTIO_NET_HDR_F_NEEDS_CSUM = 1


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("dev")
    p.add_argument("hex")
    p.add_argument("--partial", nargs=2, type=int, metavar=("START", "OFFSET"))
    a = p.parse_args()
    frame = bytes.fromhex(a.hex)
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", a.dev.encode(), IFF_TAP | IFF_NO_PI | IFF_VNET_HDR))
    fcntl.ioctl(fd, TUNSETVNETHDRSZ, struct.pack("i", 10))
    flags, start, off = 0, 0, 0
    if a.partial:
        flags, (start, off) = VIRTIO_NET_HDR_F_NEEDS_CSUM, a.partial
    # struct virtio_net_hdr: flags, gso_type, hdr_len, gso_size, csum_start, csum_offset
    hdr = struct.pack("<BBHHHH", flags, 0, 0, 0, start, off)
    n = os.write(fd, hdr + frame)
    os.close(fd)
    print("injected %d bytes" % (n - len(hdr)))
    return 0 if n == len(hdr) + len(frame) else 1


if __name__ == "__main__":
    sys.exit(main())
