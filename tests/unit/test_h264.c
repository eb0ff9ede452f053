/*
 * test_h264.c - h264.c on real bytes: SPS and PPS from libx264 (the
 * depacketizer's fixtures and a `ffmpeg -f lavfi -i testsrc=s=320x240
 * -pix_fmt yuv420p -c:v libx264 -x264opts aud=1 -f h264` stream), the
 * avcC record both ways, Annex-B to length-prefixed samples with and
 * without access unit delimiters, length-prefixed samples back to
 * Annex-B, and the NAL unit walk.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "h264.h"

/* ---- fixtures ---- */

/* G2's sprop-parameter-sets, "Z0LAFtoCgL/lwFqDAwNSgAAAAwCAAAAPR4sXUA==,aM48gA==",
 * decoded: Constrained Baseline 42c016, 640x360. */
static const uint8_t sps_g2[] = {
	0x67, 0x42, 0xc0, 0x16, 0xda, 0x02, 0x80, 0xbf, 0xe5, 0xc0, 0x5a, 0x83, 0x03, 0x03,
	0x52, 0x80, 0x00, 0x00, 0x03, 0x00, 0x80, 0x00, 0x00, 0x0f, 0x47, 0x8b, 0x17, 0x50,
};
static const uint8_t pps_g2[] = { 0x68, 0xce, 0x3c, 0x80 };

/* libx264 -profile:v high444 -pix_fmt yuv444p, 1920x1080 (cropped from 1088) */
static const uint8_t sps_444_1080[] = {
	0x67, 0xf4, 0x00, 0x28, 0x91, 0x9b, 0x28, 0x0f, 0x00, 0x44, 0xfc, 0x4e, 0x02, 0x20,
	0x00, 0x00, 0x03, 0x00, 0x20, 0x00, 0x00, 0x03, 0x03, 0xc1, 0xe3, 0x06, 0x32, 0xc0,
};

/* libx264 interlaced High, 720x576 (frame_mbs_only_flag 0) */
static const uint8_t sps_interlaced[] = {
	0x67, 0x64, 0x00, 0x1e, 0xac, 0xd9, 0x40, 0xb4, 0x24, 0xd8, 0x08, 0x80, 0x00, 0x00,
	0x03, 0x00, 0x80, 0x00, 0x00, 0x19, 0x0f, 0x8a, 0x14, 0xcb,
};

/* libx264 High 4:2:2, 642x362 (cropped on both axes) */
static const uint8_t sps_422[] = {
	0x67, 0x7a, 0x00, 0x16, 0xbc, 0xd9, 0x40, 0xa4, 0x2f, 0xe2, 0x27, 0xc0, 0x44, 0x00,
	0x00, 0x03, 0x00, 0x04, 0x00, 0x00, 0x03, 0x00, 0x78, 0x3c, 0x58, 0xb6, 0x58,
};

/* sps_422 rewritten with seq_scaling_matrix_present_flag and two explicit
 * lists (a 4x4 one ending early with nextScale 0, a full 8x8 one) */
static const uint8_t sps_422_scaling[] = {
	0x67, 0x7a, 0x00, 0x16, 0xbd, 0x88, 0x28, 0x54, 0x14, 0xd3, 0x4d, 0x34, 0xd3, 0x4d,
	0x34, 0xd3, 0x4d, 0x34, 0xd3, 0x4d, 0x34, 0xd3, 0x4d, 0x34, 0xd3, 0x4d, 0x34, 0xd3,
	0x4d, 0x34, 0xd3, 0x4d, 0x36, 0xca, 0x05, 0x21, 0x7f, 0x11, 0x3e, 0x02, 0x20, 0x00,
	0x00, 0x03, 0x00, 0x20, 0x00, 0x00, 0x03, 0x03, 0xc1, 0xe2, 0xc5, 0xb2, 0xc0,
};

/*
 * The start of the testsrc stream named above: AUD, SPS (High 6400 0d,
 * 320x240), PPS with 4-byte start codes, then an SEI and the IDR slice
 * after 3-byte ones (both cut short here: 8 and 12 bytes).
 */
static const uint8_t ff_sps[] = {
	0x67, 0x64, 0x00, 0x0d, 0xac, 0xd9, 0x41, 0x41, 0xfb, 0x01, 0x10, 0x00, 0x00,
	0x03, 0x00, 0x10, 0x00, 0x00, 0x03, 0x03, 0x20, 0xf1, 0x42, 0x99, 0x60,
};
static const uint8_t ff_pps[] = { 0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0 };
static const uint8_t ff_au[] = {
	0x00, 0x00, 0x00, 0x01, 0x09, 0x10,
	0x00, 0x00, 0x00, 0x01, 0x67, 0x64, 0x00, 0x0d, 0xac, 0xd9, 0x41, 0x41, 0xfb, 0x01,
	0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00, 0x00, 0x03, 0x03, 0x20, 0xf1, 0x42, 0x99,
	0x60,
	0x00, 0x00, 0x00, 0x01, 0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0,
	0x00, 0x00, 0x01, 0x06, 0x05, 0xff, 0xff, 0xaa, 0xdc, 0x45, 0xe9,
	0x00, 0x00, 0x01, 0x65, 0x88, 0x84, 0x00, 0x33, 0xff, 0xfe, 0xf6, 0xec, 0xbe, 0x05, 0x36,
	0x00,  /* trailing_zero_8bits */
};

/* ff_au as a length-prefixed sample; the AUD first when it is kept. */
static const uint8_t ff_sample[] = {
	0x00, 0x00, 0x00, 0x02, 0x09, 0x10,
	0x00, 0x00, 0x00, 0x19, 0x67, 0x64, 0x00, 0x0d, 0xac, 0xd9, 0x41, 0x41, 0xfb, 0x01,
	0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00, 0x00, 0x03, 0x03, 0x20, 0xf1, 0x42, 0x99,
	0x60,
	0x00, 0x00, 0x00, 0x06, 0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0,
	0x00, 0x00, 0x00, 0x08, 0x06, 0x05, 0xff, 0xff, 0xaa, 0xdc, 0x45, 0xe9,
	0x00, 0x00, 0x00, 0x0c, 0x65, 0x88, 0x84, 0x00, 0x33, 0xff, 0xfe, 0xf6, 0xec, 0xbe, 0x05,
	0x36,
};
#define AUD_BYTES 6  /* the AUD's share of ff_sample */

/* ---- SPS, avcC ---- */

Test(sps, constrained_baseline_640x360)
{
	struct ag_h264_sps s;
	struct ag_error err = { 0 };

	cr_assert_eq(ag_h264_sps_parse(sps_g2, sizeof sps_g2, &s, &err), 0, "%s", err.msg);
	cr_assert_eq(s.profile_idc, 66);
	cr_assert_eq(s.constraint_flags, 0xc0);
	cr_assert_eq(s.level_idc, 22);
	cr_assert_eq(s.chroma_format_idc, 1);
	cr_assert_eq(s.bit_depth_luma, 8);
	cr_assert(s.frame_mbs_only);
	cr_assert_eq(s.width, 640);
	cr_assert_eq(s.height, 360);
}

Test(sps, real_encoder_outputs)
{
	struct ag_h264_sps s;
	struct ag_error err = { 0 };

	cr_assert_eq(ag_h264_sps_parse(sps_444_1080, sizeof sps_444_1080, &s, &err), 0, "%s",
	    err.msg);
	cr_assert_eq(s.profile_idc, 244);
	cr_assert_eq(s.chroma_format_idc, 3);
	cr_assert_eq(s.width, 1920);
	cr_assert_eq(s.height, 1080);
	cr_assert_eq(ag_h264_sps_parse(sps_interlaced, sizeof sps_interlaced, &s, &err), 0, "%s",
	    err.msg);
	cr_assert_eq(s.profile_idc, 100);
	cr_assert(!s.frame_mbs_only);
	cr_assert_eq(s.width, 720);
	cr_assert_eq(s.height, 576);
	cr_assert_eq(ag_h264_sps_parse(sps_422, sizeof sps_422, &s, &err), 0, "%s", err.msg);
	cr_assert_eq(s.profile_idc, 122);
	cr_assert_eq(s.chroma_format_idc, 2);
	cr_assert_eq(s.width, 642);
	cr_assert_eq(s.height, 362);
	cr_assert_eq(ag_h264_sps_parse(sps_422_scaling, sizeof sps_422_scaling, &s, &err), 0,
	    "%s", err.msg);
	cr_assert_eq(s.width, 642);
	cr_assert_eq(s.height, 362);
}

Test(sps, bad_input)
{
	struct ag_h264_sps s;
	struct ag_error err = { 0 };
	size_t n;

	cr_assert_eq(ag_h264_sps_parse(pps_g2, sizeof pps_g2, &s, &err), -1);
	cr_assert_eq(err.code, AG_EX_DATAERR);
	cr_assert_eq(ag_h264_sps_parse(NULL, 10, &s, &err), -1);
	/* every truncation before the cropping fields fails (the VUI after
	 * them is not read: 9 and 39 bytes are enough) */
	for (n = 0; n < 9; n++)
		cr_assert_eq(ag_h264_sps_parse(sps_g2, n, &s, NULL), -1, "len %zu", n);
	cr_assert_eq(ag_h264_sps_parse(sps_g2, 9, &s, NULL), 0);
	for (n = 0; n < 39; n++)
		cr_assert_eq(ag_h264_sps_parse(sps_422_scaling, n, &s, NULL), -1, "len %zu", n);
	/* an exp-Golomb code of 32+ zero bits */
	{
		const uint8_t z[] = { 0x67, 0x42, 0, 0x1e, 0, 0, 0, 0, 0, 0x80 };

		cr_assert_eq(ag_h264_sps_parse(z, sizeof z, &s, NULL), -1);
	}
}

Test(avcc, record)
{
	uint8_t b[128];
	int n;
	size_t pos = 0;

	n = ag_h264_avcc(sps_g2, sizeof sps_g2, pps_g2, sizeof pps_g2, b, sizeof b);
	cr_assert_eq(n, 6 + 2 + 28 + 1 + 2 + 4);
	cr_assert_eq(b[pos++], 1);
	cr_assert_eq(b[pos++], 0x42);
	cr_assert_eq(b[pos++], 0xc0);
	cr_assert_eq(b[pos++], 0x16);
	cr_assert_eq(b[pos++], 0xff);
	cr_assert_eq(b[pos++], 0xe1);
	cr_assert_eq(b[pos++], 0);
	cr_assert_eq(b[pos++], 28);
	cr_assert_arr_eq(b + pos, sps_g2, 28);
	pos += 28;
	cr_assert_eq(b[pos++], 1);
	cr_assert_eq(b[pos++], 0);
	cr_assert_eq(b[pos++], 4);
	cr_assert_arr_eq(b + pos, pps_g2, 4);
	cr_assert_eq(ag_h264_avcc(sps_g2, sizeof sps_g2, pps_g2, sizeof pps_g2, b, (size_t)n - 1),
	    -1);
	cr_assert_eq(ag_h264_avcc(pps_g2, sizeof pps_g2, pps_g2, sizeof pps_g2, b, sizeof b), -1);
	/* High: chroma format and bit depths follow */
	n = ag_h264_avcc(sps_interlaced, sizeof sps_interlaced, pps_g2, sizeof pps_g2, b,
	    sizeof b);
	cr_assert_eq(n, 6 + 2 + 24 + 1 + 2 + 4 + 4);
	cr_assert_eq(b[1], 100);
	cr_assert_eq(b[n - 4], 0xfd);
	cr_assert_eq(b[n - 3], 0xf8);
	cr_assert_eq(b[n - 2], 0xf8);
	cr_assert_eq(b[n - 1], 0);
	n = ag_h264_avcc(sps_422, sizeof sps_422, pps_g2, sizeof pps_g2, b, sizeof b);
	cr_assert_eq(b[n - 4], 0xfe);
}

Test(avcc, sample_from_annexb)
{
	/* AUD (3-byte start code), SPS, IDR with a trailing zero, SEI */
	const uint8_t au[] = {
		0, 0, 1, 0x09, 0xf0,
		0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x16,
		0, 0, 0, 1, 0x65, 0x88, 0x84, 0x00, 0x03, 0x01, 0x00,
		0, 0, 1, 0x06, 0x05, 0x80,
	};
	const uint8_t want[] = {
		0, 0, 0, 4, 0x67, 0x42, 0xc0, 0x16,
		0, 0, 0, 6, 0x65, 0x88, 0x84, 0x00, 0x03, 0x01,
		0, 0, 0, 3, 0x06, 0x05, 0x80,
	};
	uint8_t out[AG_H264_AVCC_SAMPLE_MAX(sizeof au)];
	long n;

	n = ag_h264_annexb_to_avcc_sample(au, sizeof au, 0, out, sizeof out);
	cr_assert_eq(n, (long)sizeof want);
	cr_assert_arr_eq(out, want, sizeof want);
	cr_assert_eq(ag_h264_annexb_to_avcc_sample(au, sizeof au, 0, out, sizeof want - 1), -1);
	/* only an AUD: nothing left */
	cr_assert_eq(ag_h264_annexb_to_avcc_sample(au, 5, 0, out, sizeof out), 0);
	cr_assert_eq(ag_h264_annexb_to_avcc_sample(au, 0, 0, out, sizeof out), 0);
}


/* ---- the ffmpeg stream ---- */

Test(sps, ffmpeg_high_320x240)
{
	struct ag_h264_sps s;
	struct ag_error err = { 0 };

	cr_assert_eq(ag_h264_sps_parse(ff_sps, sizeof ff_sps, &s, &err), 0, "%s", err.msg);
	cr_assert_eq(s.profile_idc, 100);
	cr_assert_eq(s.level_idc, 13);
	cr_assert_eq(s.chroma_format_idc, 1);
	cr_assert_eq(s.bit_depth_luma, 8);
	cr_assert(s.frame_mbs_only);
	cr_assert_eq(s.width, 320);
	cr_assert_eq(s.height, 240);
}

Test(avcc, ffmpeg_record_and_back)
{
	const uint8_t head[] = { 1, 0x64, 0x00, 0x0d, 0xff, 0xe1, 0x00, sizeof ff_sps };
	const uint8_t tail[] = { 0xfd, 0xf8, 0xf8, 0x00 };  /* 4:2:0, 8 bits, 8 bits */
	uint8_t rec[128];
	struct ag_buf b = { 0 };
	size_t want;
	int n;

	n = ag_h264_avcc(ff_sps, sizeof ff_sps, ff_pps, sizeof ff_pps, rec, sizeof rec);
	cr_assert_eq(n, (int)(sizeof head + sizeof ff_sps + 3 + sizeof ff_pps + sizeof tail));
	cr_assert_arr_eq(rec, head, sizeof head);
	cr_assert_arr_eq(rec + sizeof head, ff_sps, sizeof ff_sps);
	cr_assert_eq(rec[sizeof head + sizeof ff_sps], 1);
	cr_assert_arr_eq(rec + n - sizeof tail, tail, sizeof tail);

	/* back to the parameter sets as the stream had them */
	want = 4 + sizeof ff_sps + 4 + sizeof ff_pps;
	cr_assert_eq(ag_h264_avcc_params_to_annexb(rec, (size_t)n, &b), 0);
	cr_assert_eq(b.len, want);
	cr_assert_arr_eq(b.p, ff_au + 6, want);

	/* a record cut inside its PPS: the SPS only */
	b.len = 0;
	cr_assert_eq(ag_h264_avcc_params_to_annexb(rec, sizeof head + sizeof ff_sps + 4, &b), 0);
	cr_assert_eq(b.len, 4 + sizeof ff_sps);
	b.len = 0;
	cr_assert_eq(ag_h264_avcc_params_to_annexb(rec, 6, &b), 0);
	cr_assert_eq(b.len, 0);
	ag_buf_free(&b);
}

Test(annexb, nal_walk)
{
	const uint8_t odd[] = { 0xaa, 0xbb, 0, 0, 1, 0, 0, 1, 0x41, 0x9a, 0, 0, 0 };
	const uint8_t *nal, *sps, *pps;
	size_t pos = 0, n, sl, pl;
	int types[8], k = 0;

	while (ag_h264_nal_next(ff_au, sizeof ff_au, &pos, &nal, &n) && k < 8)
		types[k++] = nal[0] & 0x1f;
	cr_assert_eq(k, 5);
	cr_assert_eq(types[0], AG_H264_NAL_AUD);
	cr_assert_eq(types[1], AG_H264_NAL_SPS);
	cr_assert_eq(types[2], AG_H264_NAL_PPS);
	cr_assert_eq(types[3], AG_H264_NAL_SEI);
	cr_assert_eq(types[4], AG_H264_NAL_IDR);
	cr_assert_eq(n, 12, "the trailing zero is not the IDR's");

	/* bytes before the first start code and empty NAL units are skipped */
	pos = 0;
	cr_assert_eq(ag_h264_nal_next(odd, sizeof odd, &pos, &nal, &n), 1);
	cr_assert_eq(nal, odd + 8);
	cr_assert_eq(n, 2);
	cr_assert_eq(ag_h264_nal_next(odd, sizeof odd, &pos, &nal, &n), 0);
	pos = 0;
	cr_assert_eq(ag_h264_nal_next(odd, 2, &pos, &nal, &n), 0);
	pos = 0;
	cr_assert_eq(ag_h264_nal_next(odd, 0, &pos, &nal, &n), 0);

	cr_assert(ag_h264_has_nal(ff_au, sizeof ff_au, AG_H264_NAL_SPS));
	cr_assert(ag_h264_has_nal(ff_au, sizeof ff_au, AG_H264_NAL_IDR));
	cr_assert_not(ag_h264_has_nal(ff_au, sizeof ff_au, AG_H264_NAL_SLICE));
	cr_assert_not(ag_h264_has_nal(odd, sizeof odd, AG_H264_NAL_SPS));

	cr_assert_eq(ag_h264_find_params(ff_au, sizeof ff_au, &sps, &sl, &pps, &pl), 0);
	cr_assert_eq(sl, sizeof ff_sps);
	cr_assert_arr_eq(sps, ff_sps, sizeof ff_sps);
	cr_assert_eq(pl, sizeof ff_pps);
	cr_assert_arr_eq(pps, ff_pps, sizeof ff_pps);
	cr_assert_eq(ag_h264_find_params(ff_au, 39, &sps, &sl, &pps, &pl), -1, "no PPS yet");

	cr_assert(ag_h264_is_annexb(ff_au, sizeof ff_au));
	cr_assert(ag_h264_is_annexb(ff_au + 1, 3));
	cr_assert_not(ag_h264_is_annexb(ff_sample, sizeof ff_sample));
	cr_assert_not(ag_h264_is_annexb(ff_au, 2));

	/* the IDR's first_mb_in_slice is 0 (ue(v) "1"); a 1-byte NAL has none */
	cr_assert_eq(ag_h264_first_mb(ff_au + 60, 12), 0);
	cr_assert_eq(ag_h264_first_mb(ff_au + 60, 1), -1);
}

Test(annexb, to_sample_with_and_without_aud)
{
	/* what agrec-mix's own copy was tested with: AUD-less, mixed start codes */
	const uint8_t in[] = { 0, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3, 0, 0, 0, 1, 0x65, 4, 5,
		6 };
	const uint8_t want[] = { 0, 0, 0, 3, 0x67, 1, 2, 0, 0, 0, 2, 0x68, 3, 0, 0, 0, 4, 0x65, 4,
		5, 6 };
	uint8_t out[AG_H264_AVCC_SAMPLE_MAX(sizeof ff_au)];
	long n;

	n = ag_h264_annexb_to_avcc_sample(ff_au, sizeof ff_au, AG_H264_KEEP_AUD, out, sizeof out);
	cr_assert_eq(n, (long)sizeof ff_sample);
	cr_assert_arr_eq(out, ff_sample, sizeof ff_sample);

	n = ag_h264_annexb_to_avcc_sample(ff_au, sizeof ff_au, 0, out, sizeof out);
	cr_assert_eq(n, (long)(sizeof ff_sample - AUD_BYTES));
	cr_assert_arr_eq(out, ff_sample + AUD_BYTES, sizeof ff_sample - AUD_BYTES);

	n = ag_h264_annexb_to_avcc_sample(in, sizeof in, AG_H264_KEEP_AUD, out, sizeof out);
	cr_assert_eq(n, (long)sizeof want);
	cr_assert_arr_eq(out, want, sizeof want);
	cr_assert_eq(ag_h264_annexb_to_avcc_sample(in, sizeof in, AG_H264_KEEP_AUD, out, 8), -1);
	/* an AUD alone: kept, or nothing */
	cr_assert_eq(ag_h264_annexb_to_avcc_sample(ff_au, 6, AG_H264_KEEP_AUD, out, sizeof out), 6);
	cr_assert_eq(ag_h264_annexb_to_avcc_sample(ff_au, 6, 0, out, sizeof out), 0);
}

Test(sample, to_annexb)
{
	/* 2-byte lengths, and the worst case for the output size: 1-byte lengths of 1 */
	const uint8_t two[] = { 0x00, 0x02, 0x09, 0x10, 0x00, 0x03, 0x41, 0x9a, 0x22 };
	const uint8_t ones[] = { 1, 0x41, 1, 0x01, 1, 0x01 };
	uint8_t out[AG_H264_ANNEXB_MAX(sizeof ff_sample)];
	uint8_t small[AG_H264_ANNEXB_MAX(sizeof ones)];
	uint32_t types = 0;
	long n;

	n = ag_h264_sample_to_annexb(ff_sample, sizeof ff_sample, 4, out, sizeof out, &types);
	/* two 3-byte start codes become 4-byte ones; the trailing zero is gone */
	cr_assert_eq(n, (long)sizeof ff_au + 2 - 1);
	cr_assert_arr_eq(out, ff_au, 45);
	cr_assert_arr_eq(out + 45, "\0\0\0\1", 4);
	cr_assert_arr_eq(out + 49, ff_au + 48, 8);
	cr_assert_arr_eq(out + 57, "\0\0\0\1", 4);
	cr_assert_arr_eq(out + 61, ff_au + 59, 12);
	cr_assert_eq(types, 1u << 9 | 1u << 7 | 1u << 8 | 1u << 6 | 1u << 5);

	types = 0;
	n = ag_h264_sample_to_annexb(two, sizeof two, 2, out, sizeof out, &types);
	cr_assert_eq(n, 4 + 2 + 4 + 3);
	cr_assert_eq(types, 1u << 9 | 1u << 1);
	cr_assert_eq(ag_h264_sample_to_annexb(ones, sizeof ones, 1, small, sizeof small, NULL),
	    15);

	/* the SDK's Annex-B-in-MP4 quirk: copied */
	types = 0;
	n = ag_h264_sample_to_annexb(ff_au, sizeof ff_au, 4, out, sizeof out, &types);
	cr_assert_eq(n, (long)sizeof ff_au);
	cr_assert_arr_eq(out, ff_au, sizeof ff_au);
	cr_assert(types & 1u << AG_H264_NAL_IDR);

	/* lengths that do not cover the sample, and a bad length size */
	cr_assert_eq(ag_h264_sample_to_annexb(ff_sample, sizeof ff_sample - 1, 4, out, sizeof out,
	    NULL), -1);
	cr_assert_eq(ag_h264_sample_to_annexb(ff_sample, 3, 4, out, sizeof out, NULL), -1);
	cr_assert_eq(ag_h264_sample_to_annexb(two, 2, 2, out, sizeof out, NULL), -1);
	cr_assert_eq(ag_h264_sample_to_annexb((const uint8_t[]){ 0, 0 }, 2, 2, out, 16, NULL), -1,
	    "an empty NAL unit");
	cr_assert_eq(ag_h264_sample_to_annexb(two, sizeof two, 5, out, sizeof out, NULL), -1);
	cr_assert_eq(ag_h264_sample_to_annexb(two, sizeof two, 2, out, 12, NULL), -1, "too small");
	cr_assert_eq(ag_h264_sample_to_annexb(two, 0, 4, out, sizeof out, NULL), 0);
}
