// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of bpf/lib/crc32c.h through selftests/bench/crc_{xdp,tc}.bpf.c
 * (fou_crc32c at either hook, run with BPF_PROG_TEST_RUN), against a
 * bitwise CRC32c written here from the polynomial, independent of the
 * slicing tables: known vectors, every length 12..300, lengths up to 9000
 * (XDP multi-buffer frames beyond a page), the checksum field taken as
 * zero, the copying slow path, and hand-built SCTP packets. TAP output.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "crcprogs.h"
#include "tap.h"

#define POLY      0x82F63B78u
#define MAX_FRAME 9216
#define FIELD     8 /* the checksum field's offset in the SCTP common header */
#define ETYPE_HI  0x88 /* a local experimental EtherType (0x88B5): TC test_run */
#define ETYPE_LO  0xB5 /* parses no IP header out of the random frames */

static const char *const hook_name[HOOK_IDX_N] = { "xdp", "tc" };

static struct crc_progs progs;
static uint8_t frame[MAX_FRAME];

/* ---- the reference: one bit at a time, straight from the definition ---- */

static uint32_t ref_update(uint32_t crc, const uint8_t *p, size_t n)
{
	while (n--) {
		crc ^= *p++;
		for (int b = 0; b < 8; b++)
			crc = crc & 1 ? (crc >> 1) ^ POLY : crc >> 1;
	}
	return crc;
}

static uint32_t ref_crc32c(const uint8_t *p, size_t n)
{
	return ~ref_update(0xffffffff, p, n);
}

/* SCTP's CRC32c of n bytes: the checksum field (bytes 8..11) as zero. */
static uint32_t ref_sctp(const uint8_t *p, size_t n)
{
	static const uint8_t zero[4];
	uint32_t c = ref_update(0xffffffff, p, FIELD);

	c = ref_update(c, zero, 4);
	return ~ref_update(c, p + FIELD + 4, n - FIELD - 4);
}

/* The CRC register one zero bit earlier: the step is invertible because the
 * polynomial's top bit tells whether it was xored in. */
static uint32_t ref_unstep(uint32_t c)
{
	return c & 0x80000000u ? ((c ^ POLY) << 1) | 1 : c << 1;
}

/*
 * A 12-byte SCTP common header after which the CRC register is back at its
 * initial value, so that the SCTP CRC of header + v equals CRC32c(v): lets
 * the API, which always starts with a header, check the plain vectors. The
 * field bytes are set to junk, which must not matter.
 */
static void neutral_header(uint8_t *h)
{
	uint32_t want = 0xffffffff, s;
	int i;

	memcpy(h, "\x27\x0f\x23\x83", 4); /* ports 9999 -> 9091 */
	for (i = 0; i < 64; i++)          /* back over the 8 bytes 4..11 as zero */
		want = ref_unstep(want);
	s = ref_update(0xffffffff, h, 4);
	s ^= want;                        /* bytes 4..7 xor the register */
	for (i = 0; i < 4; i++)
		h[4 + i] = s >> (8 * i);
	memcpy(h + FIELD, "\xde\xad\xbe\xef", 4);
}

/* ---- running the programs ------------------------------------------------ */

struct run {
	int64_t crc;
	uint32_t frame_len, linear_len;
	int err; /* of test_run; the other fields are valid only when 0 */
};

static struct run run_prog(int h, const uint8_t *buf, size_t len, uint32_t off, uint32_t clen)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = buf, .data_size_in = len, .repeat = 1);
	struct run r = { 0 };

	progs.bss[h]->crc_off = off;
	progs.bss[h]->crc_len = clen;
	progs.bss[h]->crc_result = -2;
	if (bpf_prog_test_run_opts(progs.fd[h], &o)) {
		r.err = -errno;
		return r;
	}
	if (o.retval != (h == HOOK_IDX_XDP ? 2 : 0))
		r.err = -EPROTO;
	r.crc = progs.bss[h]->crc_result;
	r.frame_len = progs.bss[h]->frame_len;
	r.linear_len = progs.bss[h]->linear_len;
	return r;
}

/* Random bytes, with the frame's EtherType fixed (see ETYPE_*). */
static void random_frame(size_t len)
{
	for (size_t i = 0; i < len; i++)
		frame[i] = rand();
	frame[12] = ETYPE_HI;
	frame[13] = ETYPE_LO;
}

/* Largest frame test_run takes on hook h, found once by trying. */
static size_t max_frame[HOOK_IDX_N];

static size_t probe_max_frame(int h)
{
	size_t lo = 64, hi = MAX_FRAME, mid;

	random_frame(MAX_FRAME);
	if (run_prog(h, frame, hi, 0, 12).err == 0)
		return hi;
	while (hi - lo > 1) {
		mid = (lo + hi) / 2;
		if (run_prog(h, frame, mid, 0, 12).err == 0)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/*
 * A random frame of off + len (+ trailing junk) bytes: the program's result
 * against the reference. Counts mismatches in *bad and frames with frags in
 * *frags; prints the first few mismatches.
 */
static void check_random(int h, uint32_t off, uint32_t len, int *bad, int *frags)
{
	size_t flen = off + len + (rand() & 1 ? rand() % 64 : 0);
	struct run r;
	uint32_t want;

	if (flen < 64)
		flen = 64;
	if (flen > max_frame[h])
		flen = off + len;
	random_frame(flen);
	want = ref_sctp(frame + off, len);
	r = run_prog(h, frame, flen, off, len);
	if (r.err || r.crc != want) {
		if (++*bad <= 5)
			tap_diag("%s off %u len %u frame %zu: got %lld (err %d), want 0x%08x",
				 hook_name[h], off, len, flen, (long long)r.crc, r.err, want);
		return;
	}
	if (r.linear_len < r.frame_len)
		++*frags;
}

/* ---- test points ------------------------------------------------------- */

static void test_reference(void)
{
	static const uint8_t digits[] = "123456789";

	tap_ok(ref_crc32c(digits, 9) == 0xE3069283,
	       "reference: CRC32c(\"123456789\") = 0xE3069283 (got 0x%08x)",
	       ref_crc32c(digits, 9));
}

struct vector {
	const char *name;
	uint8_t data[48];
	size_t len;
	uint32_t crc;
};

static void fill_vectors(struct vector *v)
{
	int i;

	v[0] = (struct vector){ "\"123456789\"", "123456789", 9, 0xE3069283 };
	v[1] = (struct vector){ "RFC 3720 B.4: 32 bytes of zeros", { 0 }, 32, 0x8A9136AA };
	v[2] = (struct vector){ "RFC 3720 B.4: 32 bytes of 0xff", { 0 }, 32, 0x62A8AB43 };
	v[3] = (struct vector){ "RFC 3720 B.4: 32 incrementing bytes", { 0 }, 32, 0x46DD794E };
	v[4] = (struct vector){ "RFC 3720 B.4: 32 decrementing bytes", { 0 }, 32, 0x113FDB5C };
	v[5] = (struct vector){ "RFC 3720 B.4: iSCSI SCSI Read (10) PDU", {
		0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
		0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18, 0x28, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 },
		48, 0xD9963A56 };
	for (i = 0; i < 32; i++) {
		v[2].data[i] = 0xff;
		v[3].data[i] = i;
		v[4].data[i] = 31 - i;
	}
}

#define NVECTORS 6

/* Each vector behind a neutral header, at a few offsets: the API's result
 * must be the vector's published CRC, and the reference's too. */
static void test_vectors(int h)
{
	static const uint32_t offs[] = { 0, 14, 34, 54, 127 };
	struct vector v[NVECTORS];
	int i, k;

	fill_vectors(v);
	for (i = 0; i < NVECTORS; i++) {
		tap_begin();
		EXPECT_EQ(ref_crc32c(v[i].data, v[i].len), v[i].crc, "reference");
		for (k = 0; k < (int)(sizeof(offs) / sizeof(offs[0])); k++) {
			uint32_t off = offs[k], len = 12 + v[i].len;
			struct run r;

			memset(frame, 0x5a, 256);
			frame[12] = ETYPE_HI;
			frame[13] = ETYPE_LO;
			neutral_header(frame + off);
			memcpy(frame + off + 12, v[i].data, v[i].len);
			r = run_prog(h, frame, off + len < 64 ? 64 : off + len, off, len);
			EXPECT_OK(r.err, "test_run");
			EXPECT_EQ(r.crc, v[i].crc, off == 0 ? "crc at offset 0" :
				  off == 127 ? "crc at offset 127" : "crc at offset 14..54");
		}
		tap_end("%s: %s = 0x%08X", hook_name[h], v[i].name, v[i].crc);
	}
}

/* Every length 12..300 at offset 0 and at a random offset below 128. */
static void test_short_lengths(int h)
{
	int bad = 0, frags = 0;

	for (uint32_t len = 12; len <= 300; len++) {
		check_random(h, 0, len, &bad, &frags);
		check_random(h, rand() % 128, len, &bad, &frags);
	}
	tap_ok(!bad, "%s: every length 12..300, offsets 0 and random < 128 (%d wrong)",
	       hook_name[h], bad);
}

/* Longer lengths, random ones and the last 40 up to 9000, as far as
 * test_run takes frames (TC: linear skbs of about a page). */
static void test_long_lengths(int h)
{
	uint32_t top = max_frame[h] - 128 < 9000 ? max_frame[h] - 128 : 9000, len;
	int bad = 0, frags = 0, n = 0;

	for (len = 301; len <= top; len += 1 + rand() % 113, n++)
		check_random(h, rand() % 128, len, &bad, &frags);
	for (len = top - 40; len <= top; len++, n++)
		check_random(h, 34, len, &bad, &frags);
	if (top < 9000) {
		tap_ok(!bad, "%s: %d lengths 301..%u (test_run's largest frame: %zu bytes) (%d wrong)",
		       hook_name[h], n, top, max_frame[h], bad);
		return;
	}
	tap_ok(!bad && frags > 0, "%s: %d lengths 301..9000, %d of them multi-buffer frames (%d wrong)",
	       hook_name[h], n, frags, bad);
}

/* Around every multiple of the long walks' steps (512 bytes in place, 512
 * copied): the step, the short walk after it, and the prefix in front. */
static void test_step_edges(int h)
{
	uint32_t top = max_frame[h] - 128 < 9000 ? max_frame[h] - 128 : 9000, len;
	int bad = 0, frags = 0, n = 0;

	for (uint32_t k = 12 + 512; k <= top; k += 512)
		for (len = k - 33; len <= k + 33 && len <= top; len++, n++) {
			check_random(h, 14, len, &bad, &frags);
			check_random(h, 200, len, &bad, &frags);
		}
	tap_ok(!bad && n > 0, "%s: %d lengths around multiples of 512, in place and copied (%d wrong)",
	       hook_name[h], n, bad);
}

/* Around the end of XDP's first buffer: blocks, prefix and header split. */
static void test_frag_edges(int h)
{
	struct run probe;
	int bad = 0, frags = 0;
	uint32_t lin, off, len;

	random_frame(9000);
	probe = run_prog(h, frame, 9000, 0, 12);
	if (probe.err || probe.linear_len >= probe.frame_len) {
		tap_skip("%s: test_run gives no multi-buffer frame here", hook_name[h]);
		return;
	}
	lin = probe.linear_len;
	for (off = 0; off < 128; off += 9)
		for (len = lin - off - 70; len < lin - off + 70; len += 3)
			check_random(h, off, len + 300, &bad, &frags);
	/* The header itself in the second buffer: off >= 128, the copy path. */
	for (len = 12; len < 200; len += 7)
		check_random(h, lin - 6, len, &bad, &frags);
	tap_ok(!bad && frags > 0, "%s: data crossing the first buffer's end at %u bytes (%d wrong)",
	       hook_name[h], lin, bad);
}

/* Offsets from 128: nothing is walked in place, all of it is copied. */
static void test_copied(int h)
{
	int bad = 0, frags = 0;
	uint32_t len;

	for (len = 12; len <= 600; len += 1 + rand() % 5)
		check_random(h, 128 + rand() % 200, len, &bad, &frags);
	for (len = 601; len + 400 < max_frame[h] && len < 9000; len += 1 + rand() % 400)
		check_random(h, 128 + rand() % 200, len, &bad, &frags);
	tap_ok(!bad, "%s: offsets 128..327, the copying slow path (%d wrong)", hook_name[h], bad);
}

/* The field's contents do not matter; every other byte does. */
static void test_field_zero(int h)
{
	uint32_t off = 14, len = 200, want, i;
	struct run r;

	tap_begin();
	random_frame(off + len);
	want = ref_sctp(frame + off, len);
	for (i = 0; i < 4; i++) {
		frame[off + FIELD + i] ^= 0xa5;
		r = run_prog(h, frame, off + len, off, len);
		EXPECT_EQ(r.crc, want, "crc with the field changed");
	}
	for (i = 0; i < len; i++) {
		if (i >= FIELD && i < FIELD + 4)
			continue;
		frame[off + i] ^= 1 << (i % 8);
		r = run_prog(h, frame, off + len, off, len);
		frame[off + i] ^= 1 << (i % 8);
		if (!EXPECT_TRUE(r.crc >= 0 && r.crc != want, "a flipped bit changes the crc")) {
			tap_diag("  bit %u of byte %u", i % 8, i);
			break;
		}
	}
	tap_end("%s: bytes 8..11 taken as zero; a bit flipped anywhere else is seen", hook_name[h]);
}

/* -1 for what cannot be read or is out of range. */
static void test_errors(int h)
{
	tap_begin();
	random_frame(200);
	EXPECT_EQ(run_prog(h, frame, 200, 0, 11).crc, -1, "len 11");
	EXPECT_EQ(run_prog(h, frame, 200, 0, 16385).crc, -1, "len 16385");
	EXPECT_EQ(run_prog(h, frame, 200, 0, 201).crc, -1, "one byte past the frame");
	EXPECT_EQ(run_prog(h, frame, 200, 150, 51).crc, -1, "one byte past (copy path)");
	EXPECT_EQ(run_prog(h, frame, 200, 0, 200).crc, ref_sctp(frame, 200), "the whole frame");
	tap_end("%s: -1 when the range is not readable or out of bounds", hook_name[h]);
}

/* ---- hand-built SCTP packets ---------------------------------------------- */

static size_t put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v; return 2; }
static size_t put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v); return 4; }

/* Ethernet + IPv4 or IPv6 with protocol 132 around @sctp; returns the frame
 * length and the SCTP offset in *off. */
static size_t ip_frame(uint8_t *f, int fam, const uint8_t *sctp, size_t slen, uint32_t *off)
{
	size_t n = 0;

	memset(f, 0, 64);
	memcpy(f, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01", 12);
	n = 12 + put16(f + 12, fam == 4 ? 0x0800 : 0x86DD);
	if (fam == 4) {
		f[n] = 0x45;
		put16(f + n + 2, 20 + slen);
		f[n + 8] = 64;
		f[n + 9] = 132;
		memcpy(f + n + 12, "\xc0\x00\x02\x01\xc6\x33\x64\x01", 8);
		n += 20;
	} else {
		f[n] = 0x60;
		put16(f + n + 4, slen);
		f[n + 6] = 132;
		f[n + 7] = 64;
		memcpy(f + n + 8, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
		memcpy(f + n + 24, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x02", 16);
		n += 40;
	}
	*off = n;
	memcpy(f + n, sctp, slen);
	return n + slen;
}

/* An INIT (vtag 0) and a DATA chunk with @payload bytes, checksum filled
 * in little-endian from the reference, as a sender would. */
static size_t sctp_init(uint8_t *s)
{
	size_t n = put16(s, 5000) + put16(s + 2, 9899) + put32(s + 4, 0);

	n += put32(s + n, 0);                   /* checksum, filled below */
	n += put32(s + n, 0x01000014);          /* INIT, flags 0, length 20 */
	n += put32(s + n, 0x1234abcd);          /* initiate tag */
	n += put32(s + n, 0x00020000);          /* a_rwnd */
	n += put16(s + n, 10) + put16(s + n + 2, 2048); /* OS, MIS */
	n += put32(s + n, 0x0badcafe);          /* initial TSN */
	return n;
}

static size_t sctp_data(uint8_t *s, size_t payload)
{
	size_t n = put16(s, 9899) + put16(s + 2, 5000) + put32(s + 4, 0x1234abcd), i;

	n += put32(s + n, 0);
	n += put16(s + n, 0x0003) + put16(s + n + 2, 16 + payload); /* DATA, B|E */
	n += put32(s + n, 0x0badcafe) + put16(s + n + 4, 0) + put16(s + n + 6, 0);
	n += 8 + put32(s + n + 8, 51);          /* PPID */
	for (i = 0; i < payload; i++)
		s[n++] = "The quick brown fox jumps over the lazy dog. "[i % 45];
	while (n % 4)
		s[n++] = 0;
	return n;
}

static void fill_field(uint8_t *s, size_t n)
{
	uint32_t c = ref_sctp(s, n);

	for (int i = 0; i < 4; i++) /* little-endian on the wire */
		s[FIELD + i] = c >> (8 * i);
}

static void test_sctp_packets(int h)
{
	static uint8_t s[MAX_FRAME];
	struct { const char *name; int fam; size_t payload; } pk[] = {
		{ "IPv4 INIT", 4, 0 }, { "IPv4 DATA 100", 4, 100 },
		{ "IPv6 DATA 1", 6, 1 }, { "IPv6 DATA 1400", 6, 1400 },
		{ "IPv4 DATA 8900", 4, 8900 },
	};

	for (size_t i = 0; i < sizeof(pk) / sizeof(pk[0]); i++) {
		size_t n = pk[i].payload || i ? sctp_data(s, pk[i].payload) : sctp_init(s), flen;
		uint32_t off, wire, want;
		struct run r;

		fill_field(s, n);
		want = ref_sctp(s, n);
		flen = ip_frame(frame, pk[i].fam, s, n, &off);
		if (flen > max_frame[h]) {
			tap_skip("%s: %s: %zu bytes, more than test_run takes here", hook_name[h],
				 pk[i].name, flen);
			continue;
		}
		tap_begin();
		r = run_prog(h, frame, flen, off, n);
		EXPECT_OK(r.err, "test_run");
		EXPECT_EQ(r.crc, want, "crc");
		wire = frame[off + 8] | frame[off + 9] << 8 | frame[off + 10] << 16 |
		       (uint32_t)frame[off + 11] << 24;
		EXPECT_EQ(wire, want, "the field, read little-endian");
		/* corrupt one payload byte: the crc must no longer match */
		frame[flen - 1] ^= 0x40;
		r = run_prog(h, frame, flen, off, n);
		EXPECT_TRUE(r.crc >= 0 && r.crc != want, "a corrupted packet's crc differs");
		tap_end("%s: SCTP %s (%zu bytes at offset %u%s) crc 0x%08x", hook_name[h], pk[i].name,
			n, off, r.linear_len < r.frame_len ? ", multi-buffer" : "", want);
	}
}

/* ---- main --------------------------------------------------------------- */

/* The verifier's processed-instruction count for @fd (0 if unknown). */
static __u32 report_prog(int fd, const char *name)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	tap_note("%s: %u insns xlated, %u verified", name, info.xlated_prog_len / 8,
		 info.verified_insns);
	return info.verified_insns;
}

int main(int argc, char **argv)
{
	__u32 xdp_insns, tc_insns;
	int h;

	tap_args(argc, argv);
	if (geteuid() != 0)
		tap_skip_all("needs root (BPF_PROG_TEST_RUN)");
	srand(4242);
	if (crc_progs_load(&progs))
		tap_bail("crc_xdp.bpf.o or crc_tc.bpf.o does not load: %s", strerror(errno));
	xdp_insns = report_prog(progs.fd[HOOK_IDX_XDP], "crc_xdp");
	tc_insns = report_prog(progs.fd[HOOK_IDX_TC], "crc_tc");
	/* The loops run under bpf_loop: the verifier walks each body once, not
	 * once per iteration. Unrolled, the same code costs it far more. */
	tap_ok(xdp_insns && tc_insns && xdp_insns < 100000 && tc_insns < 100000,
	       "the verifier processed %u (crc_xdp) and %u (crc_tc) instructions (< 100000 each)",
	       xdp_insns, tc_insns);
	test_reference();
	for (h = 0; h < HOOK_IDX_N; h++) {
		max_frame[h] = probe_max_frame(h);
		tap_note("%s: test_run takes frames up to %zu bytes", hook_name[h], max_frame[h]);
		test_vectors(h);
		test_short_lengths(h);
		test_long_lengths(h);
		test_step_edges(h);
		if (h == HOOK_IDX_XDP)
			test_frag_edges(h);
		test_copied(h);
		test_field_zero(h);
		test_errors(h);
		test_sctp_packets(h);
	}
	if (max_frame[HOOK_IDX_TC] < 9000)
		tap_note("tc: non-linear skbs cannot be made with test_run; the TC copy path is "
			 "covered by offsets >= 128 instead");
	crc_progs_destroy(&progs);
	return tap_done();
}
