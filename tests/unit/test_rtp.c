/*
 * test_rtp.c - rtp.c on hand-built packets: RTP headers (CSRCs,
 * extension, padding, and every way to lie about them), RTCP compounds
 * as ffmpeg and GStreamer send them (rtp-recipes.md section 4.1 and G4),
 * the RR and PLI builders read back by the parser, and seeded random
 * input that must never crash a parser.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "codec.h"
#include "rtp.h"

/* A small deterministic generator, shared by the fuzz loops. */
static uint32_t
xorshift(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

static size_t
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return 4;
}

/* ---- RTP ---- */

Test(rtp, valid_packet)
{
	const uint8_t pkt[] = {
		0x80, 0xe0, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef, 0x11, 0x11, 0x11, 0x11,
		0x7c, 0x85, 0xaa, 0xbb,
	};
	struct ag_rtp r;
	struct ag_error err = { 0 };

	cr_assert_eq(ag_rtp_parse(pkt, sizeof pkt, &r, &err), 0, "%s", err.msg);
	cr_assert(r.marker);
	cr_assert_eq(r.pt, 96);
	cr_assert_eq(r.seq, 0x1234);
	cr_assert_eq(r.ts, 0xdeadbeef);
	cr_assert_eq(r.ssrc, 0x11111111);
	cr_assert_eq(r.csrc_count, 0);
	cr_assert(!r.extension && !r.padding);
	cr_assert_eq(r.payload, pkt + 12);
	cr_assert_eq(r.payload_len, 4);
}

Test(rtp, high_ssrc_pcmu)
{
	/* F5: PT 0, M=0, SSRC 0x89abcdef */
	uint8_t pkt[12 + 160] = { 0x80, 0x00, 0xff, 0xff, 0, 0, 0, 160, 0x89, 0xab, 0xcd, 0xef };
	struct ag_rtp r;

	cr_assert_eq(ag_rtp_parse(pkt, sizeof pkt, &r, NULL), 0);
	cr_assert_eq(r.pt, 0);
	cr_assert(!r.marker);
	cr_assert_eq(r.ssrc, 0x89abcdefu);
	cr_assert_eq(r.seq, 65535);
	cr_assert_eq(r.payload_len, 160);
}

Test(rtp, header_only_is_empty_payload)
{
	const uint8_t pkt[12] = { 0x80, 0x60 };
	struct ag_rtp r;

	cr_assert_eq(ag_rtp_parse(pkt, sizeof pkt, &r, NULL), 0);
	cr_assert_eq(r.payload_len, 0);
	cr_assert_null(r.payload);
}

Test(rtp, truncated_header)
{
	const uint8_t pkt[12] = { 0x80, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1 };
	struct ag_rtp r;
	struct ag_error err = { 0 };
	size_t n;

	for (n = 0; n < 12; n++) {
		ag_error_clear(&err);
		cr_assert_eq(ag_rtp_parse(pkt, n, &r, &err), -1, "len %zu", n);
		cr_assert_eq(err.code, AG_EX_DATAERR);
		cr_assert(strstr(err.msg, "short") != NULL, "%s", err.msg);
	}
}

Test(rtp, bad_version)
{
	uint8_t pkt[16] = { 0x80, 0x60 };
	struct ag_error err = { 0 };
	struct ag_rtp r;
	int v;

	for (v = 0; v < 4; v++) {
		if (v == 2)
			continue;
		pkt[0] = (uint8_t)(v << 6);
		cr_assert_eq(ag_rtp_parse(pkt, sizeof pkt, &r, &err), -1);
		cr_assert_eq(err.code, AG_EX_DATAERR);
		cr_assert(strstr(err.msg, "version") != NULL, "%s", err.msg);
	}
}

Test(rtp, csrcs)
{
	uint8_t pkt[12 + 8 + 3] = { 0x82, 0x61, 0, 7, 0, 0, 0, 9, 0, 0, 0, 5 };
	struct ag_rtp r;
	struct ag_error err = { 0 };

	put32(pkt + 12, 0xaaaaaaaa);
	put32(pkt + 16, 0xbbbbbbbb);
	pkt[20] = 1;
	cr_assert_eq(ag_rtp_parse(pkt, sizeof pkt, &r, &err), 0, "%s", err.msg);
	cr_assert_eq(r.csrc_count, 2);
	cr_assert_eq(r.csrc[0], 0xaaaaaaaa);
	cr_assert_eq(r.csrc[1], 0xbbbbbbbb);
	cr_assert_eq(r.payload, pkt + 20);
	cr_assert_eq(r.payload_len, 3);
	/* CC=15 claims 60 bytes of CSRCs that are not there */
	pkt[0] = 0x8f;
	cr_assert_eq(ag_rtp_parse(pkt, sizeof pkt, &r, &err), -1);
	cr_assert(strstr(err.msg, "CSRC") != NULL, "%s", err.msg);
	/* exactly enough CSRCs and no payload is fine */
	pkt[0] = 0x82;
	cr_assert_eq(ag_rtp_parse(pkt, 20, &r, NULL), 0);
	cr_assert_eq(r.payload_len, 0);
}

Test(rtp, padding_valid)
{
	uint8_t pkt[12 + 5 + 4] = { 0xa0, 0x6f, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5 };
	struct ag_rtp r;
	struct ag_error err = { 0 };

	pkt[sizeof pkt - 1] = 4;
	cr_assert_eq(ag_rtp_parse(pkt, sizeof pkt, &r, &err), 0, "%s", err.msg);
	cr_assert(r.padding);
	cr_assert_eq(r.padding_len, 4);
	cr_assert_eq(r.payload_len, 5);
	cr_assert_eq(r.payload[4], 5);
	/* padding may eat the whole payload (a padding-only probe) */
	pkt[sizeof pkt - 1] = 9;
	cr_assert_eq(ag_rtp_parse(pkt, sizeof pkt, &r, &err), 0, "%s", err.msg);
	cr_assert_eq(r.payload_len, 0);
}

Test(rtp, padding_bogus)
{
	uint8_t pkt[12 + 4] = { 0xa0, 0x6f, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 0 };
	struct ag_rtp r;
	struct ag_error err = { 0 };

	/* count 0 */
	cr_assert_eq(ag_rtp_parse(pkt, sizeof pkt, &r, &err), -1);
	cr_assert(strstr(err.msg, "padding") != NULL, "%s", err.msg);
	/* count larger than everything after the header */
	pkt[15] = 5;
	cr_assert_eq(ag_rtp_parse(pkt, sizeof pkt, &r, &err), -1);
	pkt[15] = 255;
	cr_assert_eq(ag_rtp_parse(pkt, sizeof pkt, &r, &err), -1);
	/* P bit set but nothing after the header: the count byte would be
	 * part of the header */
	cr_assert_eq(ag_rtp_parse(pkt, 12, &r, &err), -1);
	cr_assert_eq(err.code, AG_EX_DATAERR);
}

Test(rtp, extension_valid)
{
	/* one-byte header extension (RFC 8285) of one word, then payload */
	uint8_t pkt[] = {
		0x90, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3,
		0xbe, 0xde, 0x00, 0x01, 0x10, 0xff, 0x00, 0x00,
		0x65, 0x88,
	};
	struct ag_rtp r;
	struct ag_error err = { 0 };

	cr_assert_eq(ag_rtp_parse(pkt, sizeof pkt, &r, &err), 0, "%s", err.msg);
	cr_assert(r.extension);
	cr_assert_eq(r.ext_profile, 0xbede);
	cr_assert_eq(r.ext, pkt + 16);
	cr_assert_eq(r.ext_len, 4);
	cr_assert_eq(r.payload, pkt + 20);
	cr_assert_eq(r.payload_len, 2);
	/* zero-length extension */
	pkt[15] = 0;
	cr_assert_eq(ag_rtp_parse(pkt, sizeof pkt, &r, &err), 0, "%s", err.msg);
	cr_assert_null(r.ext);
	cr_assert_eq(r.payload_len, 6);
}

Test(rtp, extension_overlong)
{
	uint8_t pkt[] = {
		0x90, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3,
		0xbe, 0xde, 0x00, 0x02, 0x10, 0xff, 0x00, 0x00,
	};
	struct ag_rtp r;
	struct ag_error err = { 0 };

	cr_assert_eq(ag_rtp_parse(pkt, sizeof pkt, &r, &err), -1);
	cr_assert(strstr(err.msg, "extension") != NULL, "%s", err.msg);
	pkt[14] = 0xff;
	pkt[15] = 0xff;
	cr_assert_eq(ag_rtp_parse(pkt, sizeof pkt, &r, &err), -1);
	/* X set, but the extension header itself is cut */
	cr_assert_eq(ag_rtp_parse(pkt, 14, &r, &err), -1);
	cr_assert(strstr(err.msg, "truncated") != NULL, "%s", err.msg);
	/* CSRCs and extension and padding together, all consistent */
	{
		uint8_t all[12 + 4 + 4 + 4 + 1 + 2] = { 0xb1, 0x60 };

		all[16] = 0x10;
		all[17] = 0x00;
		all[18] = 0x00;
		all[19] = 0x01;
		all[24] = 0x42;
		all[sizeof all - 1] = 2;
		cr_assert_eq(ag_rtp_parse(all, sizeof all, &r, &err), 0, "%s", err.msg);
		cr_assert_eq(r.csrc_count, 1);
		cr_assert_eq(r.ext_profile, 0x1000);
		cr_assert_eq(r.ext_len, 4);
		cr_assert_eq(r.payload_len, 1);
		cr_assert_eq(r.payload[0], 0x42);
	}
}

Test(rtp, is_rtcp)
{
	const uint8_t sr[] = { 0x80, 200, 0, 6 };
	const uint8_t rr[] = { 0x81, 201, 0, 7 };
	const uint8_t psfb[] = { 0x81, 206, 0, 2 };
	const uint8_t h264[] = { 0x80, 0x60 };          /* PT 96 */
	const uint8_t h264_m[] = { 0x80, 0xe0 };        /* PT 96 with marker: 224 */
	const uint8_t opus_m[] = { 0x80, 0xef };        /* PT 111 with marker */
	const uint8_t pcmu[] = { 0x80, 0x00 };
	const uint8_t v1[] = { 0x40, 200 };

	cr_assert(ag_rtp_is_rtcp(sr, sizeof sr));
	cr_assert(ag_rtp_is_rtcp(rr, sizeof rr));
	cr_assert(ag_rtp_is_rtcp(psfb, sizeof psfb));
	cr_assert(!ag_rtp_is_rtcp(h264, sizeof h264));
	cr_assert(!ag_rtp_is_rtcp(h264_m, sizeof h264_m));
	cr_assert(!ag_rtp_is_rtcp(opus_m, sizeof opus_m));
	cr_assert(!ag_rtp_is_rtcp(pcmu, sizeof pcmu));
	cr_assert(!ag_rtp_is_rtcp(v1, sizeof v1));
	cr_assert(!ag_rtp_is_rtcp(sr, 1));
	cr_assert(!ag_rtp_is_rtcp(NULL, 4));
}

/* ---- RTCP ---- */

/* ffmpeg's SR (no report blocks) + SDES CNAME + optionally BYE, built
 * the way libavformat's rtpenc.c lays them out. Returns the length. */
static size_t
ffmpeg_compound(uint8_t *b, uint32_t ssrc, const char *cname, int with_bye)
{
	size_t n = 0, clen = strlen(cname), sdes_len;

	b[n++] = 0x80;
	b[n++] = 200;
	b[n++] = 0;
	b[n++] = 6;
	n += put32(b + n, ssrc);
	n += put32(b + n, 0xe8f0a1b2);  /* NTP seconds */
	n += put32(b + n, 0x80000000);  /* .5 */
	n += put32(b + n, 123456789);   /* RTP ts */
	n += put32(b + n, 451);         /* packets */
	n += put32(b + n, 640000);      /* octets */
	sdes_len = (4 + 4 + 2 + clen + 1 + 3) & ~(size_t)3;
	b[n++] = 0x81;
	b[n++] = 202;
	b[n++] = 0;
	b[n++] = (uint8_t)(sdes_len / 4 - 1);
	n += put32(b + n, ssrc);
	b[n++] = 1;
	b[n++] = (uint8_t)clen;
	memcpy(b + n, cname, clen);
	n += clen;
	b[n++] = 0;  /* the null item */
	while (n % 4)
		b[n++] = 0;
	if (with_bye) {
		b[n++] = 0x81;
		b[n++] = 203;
		b[n++] = 0;
		b[n++] = 1;
		n += put32(b + n, ssrc);
	}
	return n;
}

Test(rtcp, ffmpeg_sr_sdes)
{
	uint8_t b[128];
	struct ag_rtcp r;
	struct ag_error err = { 0 };
	size_t n = ffmpeg_compound(b, 0x11111111, "1001", 0);

	cr_assert_eq(n, 44);  /* rtp-recipes.md: 44 B with a 4-character CNAME */
	cr_assert(ag_rtp_is_rtcp(b, n));
	cr_assert_eq(ag_rtcp_parse(b, n, &r, &err), 0, "%s", err.msg);
	cr_assert_eq(r.packets, 2);
	cr_assert_eq(r.nsr, 1);
	cr_assert_eq(r.sr[0].ssrc, 0x11111111);
	cr_assert_eq(r.sr[0].ntp, 0xe8f0a1b280000000ull);
	cr_assert_eq(r.sr[0].rtp_ts, 123456789);
	cr_assert_eq(r.sr[0].packet_count, 451);
	cr_assert_eq(r.sr[0].octet_count, 640000);
	cr_assert_eq(r.nreports, 0);
	cr_assert_eq(r.ncnames, 1);
	cr_assert_eq(r.cnames[0].ssrc, 0x11111111);
	cr_assert_str_eq(r.cnames[0].cname, "1001");
	cr_assert_eq(r.cnames[0].len, 4);
	cr_assert_eq(r.nbye, 0);
	/* strict mode accepts it too */
	cr_assert_eq(ag_rtcp_parse_flags(b, n, AG_RTCP_STRICT, &r, &err), 0, "%s", err.msg);
}

Test(rtcp, ffmpeg_sr_sdes_bye)
{
	uint8_t b[128];
	struct ag_rtcp r;
	struct ag_error err = { 0 };
	size_t n = ffmpeg_compound(b, 0x89abcdef, "1003", 1);

	cr_assert_eq(n, 52);
	cr_assert_eq(ag_rtcp_parse(b, n, &r, &err), 0, "%s", err.msg);
	cr_assert_eq(r.packets, 3);
	cr_assert_eq(r.nsr, 1);
	cr_assert_eq(r.ncnames, 1);
	cr_assert_str_eq(r.cnames[0].cname, "1003");
	cr_assert_eq(r.nbye, 1);
	cr_assert_eq(r.bye[0], 0x89abcdefu);
	/* the 11-character CNAMEs of the wire observations: 52 and 60 B */
	cr_assert_eq(ffmpeg_compound(b, 1, "alice@agrec", 0), 52);
	n = ffmpeg_compound(b, 1, "alice@agrec", 1);
	cr_assert_eq(n, 60);
	cr_assert_eq(ag_rtcp_parse(b, n, &r, &err), 0, "%s", err.msg);
	cr_assert_str_eq(r.cnames[0].cname, "alice@agrec");
}

Test(rtcp, gstreamer_sdes_two_items_and_bye_reason)
{
	/* rtpbin: SR + SDES(CNAME "1005", TOOL "gst-rtpbin") + BYE with a reason */
	uint8_t b[128];
	size_t n = 0;
	struct ag_rtcp r;
	struct ag_error err = { 0 };

	b[n++] = 0x80; b[n++] = 200; b[n++] = 0; b[n++] = 6;
	n += put32(b + n, 0x77777777);
	memset(b + n, 0, 20);
	n += 20;
	/* SDES: 4 + 4 + (2+4) + (2+10) + 1 = 27 -> 28 */
	b[n++] = 0x81; b[n++] = 202; b[n++] = 0; b[n++] = 6;
	n += put32(b + n, 0x77777777);
	b[n++] = 1; b[n++] = 4;
	memcpy(b + n, "1005", 4);
	n += 4;
	b[n++] = 6; b[n++] = 10;
	memcpy(b + n, "gst-rtpbin", 10);
	n += 10;
	b[n++] = 0;  /* null item */
	b[n++] = 0;  /* to the word boundary */
	/* BYE with the reason "eos": 4 + 4 + 1 + 3 = 12 */
	b[n++] = 0x81; b[n++] = 203; b[n++] = 0; b[n++] = 2;
	n += put32(b + n, 0x77777777);
	b[n++] = 3;
	memcpy(b + n, "eos", 3);
	n += 3;
	cr_assert_eq(n, 68);
	cr_assert_eq(ag_rtcp_parse(b, n, &r, &err), 0, "%s", err.msg);
	cr_assert_eq(r.ncnames, 1);
	cr_assert_str_eq(r.cnames[0].cname, "1005");
	cr_assert_eq(r.nbye, 1);
	/* a reason longer than the packet */
	b[n - 4] = 4;
	cr_assert_eq(ag_rtcp_parse(b, n, &r, &err), -1);
	cr_assert(strstr(err.msg, "reason") != NULL, "%s", err.msg);
}

Test(rtcp, rr_blocks)
{
	uint8_t b[4 + 4 + 2 * 24];
	struct ag_rtcp r;
	struct ag_error err = { 0 };
	size_t n = 0;

	b[n++] = 0x82; b[n++] = 201; b[n++] = 0; b[n++] = 13;
	n += put32(b + n, 0xcafe0001);
	n += put32(b + n, 0x11111111);
	b[n++] = 64;  /* 25 % */
	b[n++] = 0x00; b[n++] = 0x01; b[n++] = 0x00;  /* 256 lost */
	n += put32(b + n, 0x0001ffff);
	n += put32(b + n, 1234);
	n += put32(b + n, 0xaabbccdd);
	n += put32(b + n, 65536);
	n += put32(b + n, 0x22222222);
	b[n++] = 0;
	b[n++] = 0xff; b[n++] = 0xff; b[n++] = 0xfe;  /* -2: duplicates */
	n += put32(b + n, 7);
	n += put32(b + n, 0);
	n += put32(b + n, 0);
	n += put32(b + n, 0);
	cr_assert_eq(n, sizeof b);
	cr_assert_eq(ag_rtcp_parse(b, n, &r, &err), 0, "%s", err.msg);
	cr_assert_eq(r.nrr, 1);
	cr_assert_eq(r.rr_ssrc[0], 0xcafe0001);
	cr_assert_eq(r.nreports, 2);
	cr_assert_eq(r.reports[0].reporter, 0xcafe0001);
	cr_assert_eq(r.reports[0].ssrc, 0x11111111);
	cr_assert_eq(r.reports[0].fraction_lost, 64);
	cr_assert_eq(r.reports[0].cumulative_lost, 256);
	cr_assert_eq(r.reports[0].ext_highest_seq, 0x0001ffff);
	cr_assert_eq(r.reports[0].jitter, 1234);
	cr_assert_eq(r.reports[0].lsr, 0xaabbccdd);
	cr_assert_eq(r.reports[0].dlsr, 65536);
	cr_assert_eq(r.reports[1].cumulative_lost, -2);
	/* RC says 3 blocks, the length has room for 2 */
	b[0] = 0x83;
	cr_assert_eq(ag_rtcp_parse(b, n, &r, &err), -1);
	cr_assert(strstr(err.msg, "RR") != NULL, "%s", err.msg);
}

Test(rtcp, sr_with_report_block_and_extension)
{
	/* SR with RC=1, then one word of profile-specific extension */
	uint8_t b[4 + 24 + 24 + 4] = { 0x81, 200, 0, 13 };
	struct ag_rtcp r;
	struct ag_error err = { 0 };

	put32(b + 4, 0x44444444);
	put32(b + 28, 0x55555555);
	b[33] = 0x80;  /* cumulative lost 0x800000 = -8388608 */
	cr_assert_eq(ag_rtcp_parse(b, sizeof b, &r, &err), 0, "%s", err.msg);
	cr_assert_eq(r.nsr, 1);
	cr_assert_eq(r.nreports, 1);
	cr_assert_eq(r.reports[0].reporter, 0x44444444);
	cr_assert_eq(r.reports[0].ssrc, 0x55555555);
	cr_assert_eq(r.reports[0].cumulative_lost, -8388608);
}

Test(rtcp, sdes_chunks)
{
	/* two chunks: one without CNAME, one with a 255-byte CNAME and no
	 * null item at the end of the packet (tolerated) */
	uint8_t b[4 + 8 + 4 + 2 + 255 + 3];
	struct ag_rtcp r;
	struct ag_error err = { 0 };
	size_t n = 0, len;

	memset(b, 0, sizeof b);
	len = sizeof b;
	cr_assert_eq(len % 4, 0);
	b[n++] = 0x82; b[n++] = 202; b[n++] = 0; b[n++] = (uint8_t)(len / 4 - 1);
	n += put32(b + n, 1);
	b[n++] = 2; b[n++] = 1; b[n++] = 'x'; b[n++] = 0;  /* NAME "x", null */
	n += put32(b + n, 2);
	b[n++] = 1; b[n++] = 255;
	memset(b + n, 'c', 255);
	n += 255;
	/* 3 zero bytes: a null item and padding */
	cr_assert_eq(ag_rtcp_parse(b, len, &r, &err), 0, "%s", err.msg);
	cr_assert_eq(r.ncnames, 1);
	cr_assert_eq(r.cnames[0].ssrc, 2);
	cr_assert_eq(r.cnames[0].len, 255);
	cr_assert_eq(strlen(r.cnames[0].cname), 255);
	/* an item length past the packet */
	b[n - 256] = 255;
	b[n - 257] = 1;
	b[3] = (uint8_t)(len / 4 - 2);
	cr_assert_eq(ag_rtcp_parse(b, len - 4, &r, &err), -1);
	cr_assert(strstr(err.msg, "SDES") != NULL, "%s", err.msg);
	/* more chunks announced than present */
	{
		uint8_t s[12] = { 0x83, 202, 0, 2, 0, 0, 0, 9, 0, 0, 0, 0 };

		cr_assert_eq(ag_rtcp_parse(s, sizeof s, &r, &err), -1);
		cr_assert(strstr(err.msg, "chunks") != NULL, "%s", err.msg);
	}
}

Test(rtcp, unknown_types_skipped)
{
	/* RR (no blocks) + XR (207) + APP + a type nobody knows */
	uint8_t b[8 + 12 + 12 + 4];
	struct ag_rtcp r;
	struct ag_error err = { 0 };
	size_t n = 0;

	memset(b, 0, sizeof b);
	b[n++] = 0x80; b[n++] = 201; b[n++] = 0; b[n++] = 1;
	n += put32(b + n, 7);
	b[n++] = 0x80; b[n++] = 207; b[n++] = 0; b[n++] = 2;
	n += 8;
	b[n++] = 0x80; b[n++] = 204; b[n++] = 0; b[n++] = 2;
	n += 8;
	b[n++] = 0x80; b[n++] = 210; b[n++] = 0; b[n++] = 0;
	cr_assert_eq(n, sizeof b);
	cr_assert_eq(ag_rtcp_parse_flags(b, n, AG_RTCP_STRICT, &r, &err), 0, "%s", err.msg);
	cr_assert_eq(r.packets, 4);
	cr_assert_eq(r.nrr, 1);
	cr_assert_eq(r.napp, 1);
	cr_assert_eq(r.nunknown, 2);
}

Test(rtcp, lenient_and_strict_order)
{
	/* a compound that starts with SDES, and a lone BYE */
	uint8_t b[64];
	struct ag_rtcp r;
	struct ag_error err = { 0 };
	size_t n = ffmpeg_compound(b, 5, "1001", 1);
	const uint8_t bye[] = { 0x81, 203, 0, 1, 0, 0, 0, 5 };

	cr_assert_eq(ag_rtcp_parse(b + 28, n - 28, &r, &err), 0, "%s", err.msg);
	cr_assert_eq(r.ncnames, 1);
	cr_assert_eq(r.nbye, 1);
	cr_assert_eq(ag_rtcp_parse_flags(b + 28, n - 28, AG_RTCP_STRICT, &r, &err), -1);
	cr_assert(strstr(err.msg, "SR or RR") != NULL, "%s", err.msg);
	cr_assert_eq(ag_rtcp_parse(bye, sizeof bye, &r, &err), 0, "%s", err.msg);
	cr_assert_eq(r.bye[0], 5);
	cr_assert_eq(ag_rtcp_parse_flags(bye, sizeof bye, AG_RTCP_STRICT, &r, &err), -1);
}

Test(rtcp, padding)
{
	/* RR + BYE with 4 bytes of padding (legal on the last packet) */
	uint8_t b[8 + 12] = { 0x80, 201, 0, 1, 0, 0, 0, 1, 0xa1, 203, 0, 2, 0, 0, 0, 9, 0, 0, 0, 4 };
	struct ag_rtcp r;
	struct ag_error err = { 0 };

	cr_assert_eq(ag_rtcp_parse_flags(b, sizeof b, AG_RTCP_STRICT, &r, &err), 0, "%s", err.msg);
	cr_assert_eq(r.nbye, 1);
	cr_assert_eq(r.bye[0], 9);
	/* a padding count of 0, or larger than the body */
	b[19] = 0;
	cr_assert_eq(ag_rtcp_parse(b, sizeof b, &r, &err), -1);
	cr_assert(strstr(err.msg, "padding") != NULL, "%s", err.msg);
	b[19] = 9;
	cr_assert_eq(ag_rtcp_parse(b, sizeof b, &r, &err), -1);
	/* padding that eats the SSRC the count promises */
	b[19] = 8;
	cr_assert_eq(ag_rtcp_parse(b, sizeof b, &r, &err), -1);
	/* padding on the first packet: lenient yes, strict no */
	{
		uint8_t c[12 + 8] = { 0xa0, 201, 0, 2, 0, 0, 0, 1, 0, 0, 0, 4,
			0x81, 203, 0, 1, 0, 0, 0, 9 };

		cr_assert_eq(ag_rtcp_parse(c, sizeof c, &r, &err), 0, "%s", err.msg);
		cr_assert_eq(ag_rtcp_parse_flags(c, sizeof c, AG_RTCP_STRICT, &r, &err), -1);
	}
}

Test(rtcp, truncated_and_garbage)
{
	uint8_t b[128];
	struct ag_rtcp r;
	struct ag_error err = { 0 };
	size_t n = ffmpeg_compound(b, 1, "1001", 1), cut;

	/* every truncation of a valid compound fails (each one cuts a packet) */
	for (cut = 0; cut < n; cut++) {
		if (cut == 28 || cut == 44)
			continue;  /* packet boundaries: a shorter valid compound */
		ag_error_clear(&err);
		cr_assert_eq(ag_rtcp_parse(b, cut, &r, &err), -1, "cut at %zu", cut);
		cr_assert_eq(err.code, AG_EX_DATAERR);
	}
	cr_assert_eq(ag_rtcp_parse(b, 28, &r, &err), 0);
	cr_assert_eq(ag_rtcp_parse(b, 44, &r, &err), 0);
	/* trailing bytes after the last packet */
	b[n] = 0x80;
	b[n + 1] = 0;
	cr_assert_eq(ag_rtcp_parse(b, n + 2, &r, &err), -1);
	cr_assert(strstr(err.msg, "trailing") != NULL, "%s", err.msg);
	/* a length that overruns the datagram */
	b[3] = 60;
	cr_assert_eq(ag_rtcp_parse(b, n, &r, &err), -1);
	cr_assert(strstr(err.msg, "overruns") != NULL, "%s", err.msg);
	b[3] = 6;
	/* wrong version in the second packet: out keeps the SR for diagnostics */
	b[28] = 0x41;
	cr_assert_eq(ag_rtcp_parse(b, n, &r, &err), -1);
	cr_assert(strstr(err.msg, "version") != NULL, "%s", err.msg);
	cr_assert_eq(r.nsr, 1);
	/* SR too short for its sender info */
	{
		const uint8_t s[] = { 0x80, 200, 0, 1, 0, 0, 0, 1 };

		cr_assert_eq(ag_rtcp_parse(s, sizeof s, &r, &err), -1);
		cr_assert(strstr(err.msg, "SR") != NULL, "%s", err.msg);
	}
	/* BYE with more SSRCs than bytes */
	{
		const uint8_t s[] = { 0x83, 203, 0, 1, 0, 0, 0, 1 };

		cr_assert_eq(ag_rtcp_parse(s, sizeof s, &r, &err), -1);
	}
	/* an empty datagram */
	cr_assert_eq(ag_rtcp_parse(b, 0, &r, &err), -1);
}

Test(rtcp, limits_counted)
{
	/* two RRs of 31 blocks each: 31 kept, 31 counted as dropped */
	static uint8_t b[2 * (8 + 31 * 24)];
	struct ag_rtcp r;
	struct ag_error err = { 0 };
	size_t n = 0;
	int k;

	for (k = 0; k < 2; k++) {
		b[n++] = 0x80 | 31;
		b[n++] = 201;
		b[n++] = (uint8_t)((1 + 31 * 6) >> 8);
		b[n++] = (uint8_t)(1 + 31 * 6);
		n += put32(b + n, (uint32_t)k);
		n += 31 * 24;
	}
	cr_assert_eq(n, sizeof b);
	cr_assert_eq(ag_rtcp_parse(b, n, &r, &err), 0, "%s", err.msg);
	cr_assert_eq(r.nrr, 2);
	cr_assert_eq(r.nreports, AG_RTCP_MAX_REPORTS);
	cr_assert_eq(r.reports_dropped, 31);
}

Test(rtcp, pli_round_trip)
{
	uint8_t b[64];
	struct ag_rtcp r;
	struct ag_error err = { 0 };
	size_t n;

	cr_assert_eq(ag_rtcp_build_pli(b, 11, 1, 2), 0);
	cr_assert_eq(ag_rtcp_build_pli(NULL, 64, 1, 2), 0);
	n = ag_rtcp_build_pli(b, sizeof b, 0xfeedf00d, 0x11111111);
	cr_assert_eq(n, 12);
	cr_assert_eq(b[0], 0x81);
	cr_assert_eq(b[1], 206);
	cr_assert(ag_rtp_is_rtcp(b, n));
	cr_assert_eq(ag_rtcp_parse(b, n, &r, &err), 0, "%s", err.msg);
	cr_assert_eq(r.npsfb, 1);
	cr_assert_eq(r.nfb, 1);
	cr_assert_eq(r.fb[0].pt, AG_RTCP_PSFB);
	cr_assert_eq(r.fb[0].fmt, 1);
	cr_assert_eq(r.fb[0].sender_ssrc, 0xfeedf00d);
	cr_assert_eq(r.fb[0].media_ssrc, 0x11111111);
	/* a short feedback packet is an error; a NACK is RTPFB */
	{
		const uint8_t s[] = { 0x81, 206, 0, 1, 0, 0, 0, 1 };
		const uint8_t nack[] = { 0x81, 205, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0x12, 0x34, 0, 0 };

		cr_assert_eq(ag_rtcp_parse(s, sizeof s, &r, &err), -1);
		cr_assert_eq(ag_rtcp_parse(nack, sizeof nack, &r, &err), 0, "%s", err.msg);
		cr_assert_eq(r.nrtpfb, 1);
		cr_assert_eq(r.fb[0].fmt, 1);
		cr_assert_eq(r.fb[0].media_ssrc, 2);
	}
}

Test(rtcp, rr_sdes_pli_compound_round_trip)
{
	uint8_t b[128];
	struct ag_rtcp_report rb = {
		.reporter = 99,  /* ignored */
		.ssrc = 0x11111111,
		.fraction_lost = 12,
		.cumulative_lost = -5,
		.ext_highest_seq = 0x00020010,
		.jitter = 345,
		.lsr = 0x12345678,
		.dlsr = 0x00018000,
	};
	struct ag_rtcp r;
	struct ag_error err = { 0 };
	size_t n, m;

	cr_assert_eq(ag_rtcp_build_rr(b, 31, 1, &rb), 0);
	n = ag_rtcp_build_rr(b, sizeof b, 0xabcdef01, &rb);
	cr_assert_eq(n, 32);
	m = ag_rtcp_build_sdes(b + n, sizeof b - n, 0xabcdef01, "agrec");
	cr_assert_eq(m, 16);
	n += m;
	n += ag_rtcp_build_pli(b + n, sizeof b - n, 0xabcdef01, 0x11111111);
	cr_assert_eq(n, 60);
	cr_assert_eq(ag_rtcp_parse_flags(b, n, AG_RTCP_STRICT, &r, &err), 0, "%s", err.msg);
	cr_assert_eq(r.packets, 3);
	cr_assert_eq(r.nrr, 1);
	cr_assert_eq(r.rr_ssrc[0], 0xabcdef01);
	cr_assert_eq(r.nreports, 1);
	cr_assert_eq(r.reports[0].reporter, 0xabcdef01);
	cr_assert_eq(r.reports[0].ssrc, rb.ssrc);
	cr_assert_eq(r.reports[0].fraction_lost, rb.fraction_lost);
	cr_assert_eq(r.reports[0].cumulative_lost, rb.cumulative_lost);
	cr_assert_eq(r.reports[0].ext_highest_seq, rb.ext_highest_seq);
	cr_assert_eq(r.reports[0].jitter, rb.jitter);
	cr_assert_eq(r.reports[0].lsr, rb.lsr);
	cr_assert_eq(r.reports[0].dlsr, rb.dlsr);
	cr_assert_eq(r.ncnames, 1);
	cr_assert_str_eq(r.cnames[0].cname, "agrec");
	cr_assert_eq(r.npsfb, 1);
	/* cumulative lost is clamped to 24 bits signed */
	rb.cumulative_lost = 50000000;
	ag_rtcp_build_rr(b, sizeof b, 1, &rb);
	cr_assert_eq(ag_rtcp_parse(b, 32, &r, &err), 0);
	cr_assert_eq(r.reports[0].cumulative_lost, 0x7fffff);
	rb.cumulative_lost = -50000000;
	ag_rtcp_build_rr(b, sizeof b, 1, &rb);
	cr_assert_eq(ag_rtcp_parse(b, 32, &r, &err), 0);
	cr_assert_eq(r.reports[0].cumulative_lost, -0x800000);
}

Test(rtcp, sdes_builder)
{
	uint8_t b[300];
	char longname[257];
	struct ag_rtcp r;
	size_t n;

	/* "1234" + 2 item bytes fill a word: the null item needs another */
	n = ag_rtcp_build_sdes(b, sizeof b, 7, "1234567890");
	cr_assert_eq(n, 24);
	cr_assert_eq(ag_rtcp_parse(b, n, &r, NULL), 0);
	cr_assert_str_eq(r.cnames[0].cname, "1234567890");
	cr_assert_eq(ag_rtcp_build_sdes(b, 23, 7, "1234567890"), 0);
	memset(longname, 'a', 256);
	longname[256] = '\0';
	cr_assert_eq(ag_rtcp_build_sdes(b, sizeof b, 7, longname), 0);
	longname[255] = '\0';
	n = ag_rtcp_build_sdes(b, sizeof b, 7, longname);
	cr_assert_eq(n, 268);
	cr_assert_eq(ag_rtcp_parse(b, n, &r, NULL), 0);
	cr_assert_eq(r.cnames[0].len, 255);
}

Test(rtcp, ntp)
{
	cr_assert_eq(ag_rtp_ntp_to_us(0), 0);
	cr_assert_eq(ag_rtp_ntp_to_us(0x0000000180000000ull), 1500000);
	cr_assert_eq(ag_rtp_ntp_to_us(0x00000000ffffffffull), 999999);
	cr_assert_eq(ag_rtp_ntp_to_us((uint64_t)AG_NTP_UNIX_OFFSET << 32) / 1000000,
	    AG_NTP_UNIX_OFFSET);
	cr_assert_eq(ag_rtp_ntp_to_us(0xffffffffffffffffull), 4294967295ull * 1000000 + 999999);
	cr_assert_eq(ag_rtp_ntp_middle(0x1122334455667788ull), 0x33445566u);
}

Test(codec, names)
{
	cr_assert_str_eq(ag_codec_name(AG_CODEC_H264), "H264");
	cr_assert_str_eq(ag_codec_name(AG_CODEC_AAC), "mpeg4-generic");
	cr_assert_str_eq(ag_codec_name((enum ag_codec)42), "unknown");
	cr_assert_eq(ag_codec_from_name("h264"), AG_CODEC_H264);
	cr_assert_eq(ag_codec_from_name("vp8"), AG_CODEC_VP8);
	cr_assert_eq(ag_codec_from_name("OPUS"), AG_CODEC_OPUS);
	cr_assert_eq(ag_codec_from_name("pcmu"), AG_CODEC_PCMU);
	cr_assert_eq(ag_codec_from_name("PCMA"), AG_CODEC_PCMA);
	cr_assert_eq(ag_codec_from_name("MPEG4-GENERIC"), AG_CODEC_AAC);
	cr_assert_eq(ag_codec_from_name("aac"), AG_CODEC_AAC);
	cr_assert_eq(ag_codec_from_name("h265"), AG_CODEC_H265);
	cr_assert_str_eq(ag_codec_name(AG_CODEC_H265), "H265");
	cr_assert_eq(ag_codec_from_name("H266"), -1);
	cr_assert_eq(ag_codec_from_name(""), -1);
	cr_assert_eq(ag_codec_from_name(NULL), -1);
	cr_assert(ag_codec_is_video(AG_CODEC_VP8));
	cr_assert(ag_codec_is_video(AG_CODEC_H265));
	cr_assert(!ag_codec_is_video(AG_CODEC_OPUS));
}

/* ---- robustness ---- */

Test(fuzz, rtp_random_bytes)
{
	uint8_t b[256];
	uint32_t seed = 0x1234567;
	struct ag_rtp r;
	struct ag_error err;
	int i;

	for (i = 0; i < 20000; i++) {
		size_t len = xorshift(&seed) % sizeof b, k;

		for (k = 0; k < len; k++)
			b[k] = (uint8_t)xorshift(&seed);
		if (i % 2)
			b[0] = (uint8_t)(0x80 | (b[0] & 0x3f));  /* mostly version 2 */
		(void)ag_rtp_is_rtcp(b, len);
		if (ag_rtp_parse(b, len, &r, &err) == 0) {
			cr_assert(r.payload_len <= len);
			if (r.payload_len)
				cr_assert(r.payload >= b && r.payload + r.payload_len <= b + len);
			if (r.ext_len)
				cr_assert(r.ext >= b && r.ext + r.ext_len <= b + len);
		} else {
			cr_assert_eq(err.code, AG_EX_DATAERR);
		}
	}
}

Test(fuzz, rtcp_random_bytes)
{
	uint8_t b[512];
	uint32_t seed = 0xbadc0de;
	struct ag_rtcp r;
	struct ag_error err;
	int i;

	for (i = 0; i < 20000; i++) {
		size_t len = xorshift(&seed) % sizeof b, k, off;

		for (k = 0; k < len; k++)
			b[k] = (uint8_t)xorshift(&seed);
		/* half the time, make the headers plausible so the bodies get parsed */
		if (i % 2)
			for (off = 0; off + 4 <= len;) {
				size_t words = xorshift(&seed) % 12, plen;

				b[off] = (uint8_t)(0x80 | (b[off] & 0x3f));
				b[off + 1] = (uint8_t)(200 + xorshift(&seed) % 8);
				b[off + 2] = 0;
				b[off + 3] = (uint8_t)words;
				plen = 4 * (words + 1);
				off += plen;
			}
		if (ag_rtcp_parse_flags(b, len, i % 3 == 0 ? AG_RTCP_STRICT : 0, &r, &err) < 0)
			cr_assert_eq(err.code, AG_EX_DATAERR);
		cr_assert(r.nsr <= AG_RTCP_MAX_SR && r.nreports <= AG_RTCP_MAX_REPORTS);
		cr_assert(r.ncnames <= AG_RTCP_MAX_CNAMES && r.nbye <= AG_RTCP_MAX_BYE);
		for (k = 0; k < (size_t)r.ncnames; k++)
			cr_assert(r.cnames[k].len <= 255 && r.cnames[k].cname[r.cnames[k].len] == '\0');
	}
}

/* REMB (draft-alvestrand-rmcat-remb 2.2): 2.5 Mb/s for two streams. */
Test(rtcp_build, remb)
{
	uint8_t b[64];
	const uint32_t ssrcs[2] = { 0x11111111, 0x22222222 };
	struct ag_rtcp rt;
	struct ag_error e = { 0 };
	size_t n;
	uint64_t mant, bps;
	unsigned exp;

	cr_assert_eq(ag_rtcp_build_remb(b, 27, 1, 1000, ssrcs, 2), 0);
	cr_assert_eq(ag_rtcp_build_remb(b, sizeof b, 1, 1000, ssrcs, 0), 0);
	n = ag_rtcp_build_remb(b, sizeof b, 0xfeedf00d, 2500000, ssrcs, 2);
	cr_assert_eq(n, 28);
	cr_assert_eq(b[0], 0x8f);       /* V=2, FMT=15 */
	cr_assert_eq(b[1], 206);        /* PSFB */
	cr_assert_eq(b[2] << 8 | b[3], 6);
	cr_assert_eq(memcmp(b + 12, "REMB", 4), 0);
	cr_assert_eq(b[16], 2);
	exp = b[17] >> 2;
	mant = (uint64_t)(b[17] & 3) << 16 | (uint64_t)b[18] << 8 | b[19];
	bps = mant << exp;
	cr_assert(mant < (1u << 18));
	/* Rounded down by at most one part in 2^17. */
	cr_assert(bps <= 2500000 && bps > 2500000 - 2500000 / 100000 * 2, "bps %llu",
	    (unsigned long long)bps);
	cr_assert_eq(b[20] << 24 | b[21] << 16 | b[22] << 8 | b[23], 0x11111111);
	cr_assert_eq((uint32_t)(b[24] << 24 | b[25] << 16 | b[26] << 8 | b[27]), 0x22222222u);
	/* Our own parser takes it as one PSFB packet. */
	cr_assert_eq(ag_rtcp_parse(b, n, &rt, &e), 0, "%s", e.msg);
	cr_assert_eq(rt.npsfb, 1);
	/* A small rate needs no exponent. */
	n = ag_rtcp_build_remb(b, sizeof b, 1, 30000, ssrcs, 1);
	cr_assert_eq(n, 24);
	cr_assert_eq(b[17] >> 2, 0);
	cr_assert_eq((b[17] & 3) << 16 | b[18] << 8 | b[19], 30000);
}
