/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * fou_hints_tc: TC ingress beside fou_rx_xdp. It sees the skb the stack
 * built from what XDP passed, after GRO, and applies the hints XDP left in
 * the metadata area (struct fou_xdp_hints): the inner flow's hash, the
 * receive port's mark, checksums XDP verified, and the port's coalescing
 * counters. Metadata absent, or not ours (another magic or version), changes
 * nothing. It never drops.
 */
#include "lib/ctx/skb.h"
#include "lib/maps.h"
#include "lib/stats.h"

/* What GRO made of the port's packets: one skb, gso_segs packets. */
static __always_inline void count_gro(__u32 slot, const struct __sk_buff *skb)
{
	struct fou_gro_stats *g = bpf_map_lookup_elem(&fou_gro_stats, &slot);

	if (g) {
		g->skbs++;
		g->segs += skb->gso_segs ? skb->gso_segs : 1;
	}
}

/*
 * Checksums: each claim rests on a verification that really happened.
 *  - INNER_CSUM: XDP verified the outer UDP checksum over the whole datagram
 *    and derived from it that the inner TCP/UDP checksum holds. TCP is
 *    mostly verified again by GRO before we see it (tcp_gro_receive checks
 *    a CHECKSUM_NONE skb in software and marks it UNNECESSARY); then there
 *    is nothing to add. What GRO left alone (UDP, GRO off) is raised from
 *    CHECKSUM_NONE to UNNECESSARY level 0, the inner transport checksum.
 *  - SCTP_CRC: the CRC32c was checked; native SCTP (or SCTP out of UDP) is
 *    raised from CHECKSUM_NONE, SCTP still in UDP only on top of a device's
 *    CHECKSUM_UNNECESSARY for the UDP checksum, which XDP did not check
 *    (see fou_rx_tc's tc_sctp_mark).
 *  - OUTER_CSUM alone claims nothing: that checksum is gone with its header.
 */
static __always_inline void apply_csum(struct __sk_buff *skb, __u8 flags)
{
	if ((flags & FOU_HINT_F_INNER_CSUM) && skb_csum_raise(skb, true))
		stat_inc(FOU_STAT_HINTS_CSUM);
	if ((flags & FOU_HINT_F_SCTP_CRC) &&
	    skb_csum_raise(skb, !(flags & FOU_HINT_F_SCTP_IN_UDP)))
		stat_inc(FOU_STAT_SCTP_CSUM_MARKED);
}

SEC("tc")
int fou_hints_tc(struct __sk_buff *skb)
{
	struct fou_xdp_hints *h = skb_data_meta(skb);
	void *data = skb_data(skb);
	struct fou_port *port;
	__u32 slot;

	if ((void *)h >= data)
		return TC_ACT_OK; /* no metadata: not from our XDP */
	if ((void *)(h + 1) > data || h->magic != FOU_HINTS_MAGIC ||
	    h->version != FOU_HINTS_VERSION) {
		stat_inc(FOU_STAT_HINTS_FOREIGN);
		return TC_ACT_OK;
	}
	if (h->hash)
		bpf_set_hash(skb, h->hash);
	if (h->slot) {
		slot = h->slot - 1;
		port = bpf_map_lookup_elem(&fou_ports, &slot);
		if (port && port->port && port->mark)
			skb->mark = port->mark;
		count_gro(slot, skb);
	}
	apply_csum(skb, h->flags);
	stat_inc(FOU_STAT_HINTS_APPLIED);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
