/*
 * test_depack.c - depack.c on hand-built payloads laid out the way
 * ffmpeg and GStreamer send them (rtp-recipes.md sections 4, 5.1, 6):
 * H.264 STAP-A + FU-A, AUD singles with duplicated SPS/PPS, loss and
 * recovery at the next IDR, an IDR to a length-prefixed sample (the SPS
 * parser and avcC are tested in test_h264.c); VP8 with
 * 4-byte and 1-byte descriptors; AAC (RFC 3640) and Opus; and seeded
 * random payloads that must never crash a depacketizer.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "depack.h"

/* ---- fixtures ---- */

/* G2's sprop-parameter-sets, "Z0LAFtoCgL/lwFqDAwNSgAAAAwCAAAAPR4sXUA==,aM48gA==",
 * decoded: Constrained Baseline 42c016, 640x360. */
static const uint8_t sps_g2[] = {
	0x67, 0x42, 0xc0, 0x16, 0xda, 0x02, 0x80, 0xbf, 0xe5, 0xc0, 0x5a, 0x83, 0x03, 0x03,
	0x52, 0x80, 0x00, 0x00, 0x03, 0x00, 0x80, 0x00, 0x00, 0x0f, 0x47, 0x8b, 0x17, 0x50,
};
static const uint8_t pps_g2[] = { 0x68, 0xce, 0x3c, 0x80 };

static const uint8_t sei[] = { 0x06, 0x05, 0x01, 0xaa, 0x80 };
static const uint8_t aud[] = { 0x09, 0xf0 };
/* slices whose first_mb_in_slice is 0 (the first bit of 0x88/0x9a is 1) */
static const uint8_t idr_nal[] = { 0x65, 0x88, 0x84, 0x00, 0x21, 0xff, 0x10, 0x20, 0x30, 0x40, 0x50 };
static const uint8_t p_nal[] = { 0x41, 0x9a, 0x21, 0x6c, 0x42, 0x7f, 0x01 };

struct out {
	uint8_t b[1 << 14];
	size_t n;
};

static void
out_nal(struct out *o, const uint8_t *nal, size_t len)
{
	static const uint8_t sc[4] = { 0, 0, 0, 1 };

	cr_assert(o->n + 4 + len <= sizeof o->b);
	memcpy(o->b + o->n, sc, 4);
	memcpy(o->b + o->n + 4, nal, len);
	o->n += 4 + len;
}

static int
push(struct ag_depack *d, const uint8_t *p, size_t n, uint32_t ts, bool marker, bool lost,
    struct ag_error *err)
{
	struct ag_rtp r;

	memset(&r, 0, sizeof r);
	r.payload = p;
	r.payload_len = n;
	r.ts = ts;
	r.marker = marker;
	r.pt = 96;
	return ag_depack_push(d, &r, lost, err);
}

#define PUSH(d, p, n, ts, m, lost) do { \
	struct ag_error e_ = { 0 }; \
	cr_assert_eq(push((d), (p), (n), (ts), (m), (lost), &e_), 0, "%s", e_.msg); \
} while (0)

static int
count_frames(struct ag_depack *d)
{
	struct ag_frame f;
	int n = 0;

	while (ag_depack_pop(d, &f) == 1)
		n++;
	return n;
}

/* STAP-A [SPS, PPS, SEI], then the IDR in FU-A fragments: ffmpeg's IDR AU. */
static void
push_ffmpeg_idr(struct ag_depack *d, uint32_t ts, size_t frags)
{
	uint8_t stap[128], fu[64];
	size_t n = 0, body = sizeof idr_nal - 1, pos = 1, i;

	stap[n++] = 0x78;  /* F=0, NRI=3, type 24 */
	stap[n++] = 0;
	stap[n++] = sizeof sps_g2;
	memcpy(stap + n, sps_g2, sizeof sps_g2);
	n += sizeof sps_g2;
	stap[n++] = 0;
	stap[n++] = sizeof pps_g2;
	memcpy(stap + n, pps_g2, sizeof pps_g2);
	n += sizeof pps_g2;
	stap[n++] = 0;
	stap[n++] = sizeof sei;
	memcpy(stap + n, sei, sizeof sei);
	n += sizeof sei;
	PUSH(d, stap, n, ts, false, false);
	for (i = 0; i < frags; i++) {
		size_t take = i + 1 == frags ? body - (pos - 1) : body / frags;

		fu[0] = 0x7c;  /* NRI of the IDR, type 28 */
		fu[1] = (uint8_t)((i == 0 ? 0x80 : 0) | (i + 1 == frags ? 0x40 : 0) | 5);
		memcpy(fu + 2, idr_nal + pos, take);
		pos += take;
		PUSH(d, fu, 2 + take, ts, i + 1 == frags, false);
	}
}

static void
expect_ffmpeg_idr(const struct ag_frame *f, uint32_t ts)
{
	struct out o = { .n = 0 };

	out_nal(&o, sps_g2, sizeof sps_g2);
	out_nal(&o, pps_g2, sizeof pps_g2);
	out_nal(&o, sei, sizeof sei);
	out_nal(&o, idr_nal, sizeof idr_nal);
	cr_assert_eq(f->codec, AG_CODEC_H264);
	cr_assert_eq(f->ts, ts);
	cr_assert(f->keyframe);
	cr_assert_eq(f->width, 640);
	cr_assert_eq(f->height, 360);
	cr_assert_eq(f->len, o.n);
	cr_assert_arr_eq(f->data, o.b, o.n);
}

/* A P frame as one FU-A split in three; lost_mid drops the middle one. */
static void
push_p_fu(struct ag_depack *d, uint32_t ts, bool lost_mid)
{
	uint8_t fu[3][8] = {
		{ 0x5c, 0x81, p_nal[1], p_nal[2] },
		{ 0x5c, 0x01, p_nal[3], p_nal[4] },
		{ 0x5c, 0x41, p_nal[5], p_nal[6] },
	};

	PUSH(d, fu[0], 4, ts, false, false);
	if (!lost_mid)
		PUSH(d, fu[1], 4, ts, false, false);
	PUSH(d, fu[2], 4, ts, true, lost_mid);
}

/* ---- H.264 ---- */

Test(h264, single_nal_units)
{
	struct ag_depack *d = ag_depack_new(AG_CODEC_H264);
	struct ag_frame f;
	struct out o = { .n = 0 };

	cr_assert_not_null(d);
	PUSH(d, sps_g2, sizeof sps_g2, 1000, false, false);
	PUSH(d, pps_g2, sizeof pps_g2, 1000, false, false);
	cr_assert_eq(ag_depack_pop(d, &f), 0);
	PUSH(d, idr_nal, sizeof idr_nal, 1000, true, false);
	cr_assert_eq(ag_depack_pop(d, &f), 1);
	out_nal(&o, sps_g2, sizeof sps_g2);
	out_nal(&o, pps_g2, sizeof pps_g2);
	out_nal(&o, idr_nal, sizeof idr_nal);
	cr_assert_eq(f.len, o.n);
	cr_assert_arr_eq(f.data, o.b, o.n);
	cr_assert(f.keyframe);
	cr_assert(!f.after_loss);
	cr_assert_eq(f.width, 640);
	cr_assert_eq(f.height, 360);
	cr_assert_eq(ag_depack_pop(d, &f), 0);
	/* a P frame */
	PUSH(d, p_nal, sizeof p_nal, 4000, true, false);
	cr_assert_eq(ag_depack_pop(d, &f), 1);
	cr_assert(!f.keyframe);
	cr_assert_eq(f.ts, 4000);
	cr_assert_eq(f.len, 4 + sizeof p_nal);
	cr_assert_arr_eq(f.data + 4, p_nal, sizeof p_nal);
	cr_assert(!ag_depack_need_keyframe(d));
	ag_depack_free(d);
}

Test(h264, ffmpeg_stap_a_then_fu_a)
{
	struct ag_depack *d = ag_depack_new(AG_CODEC_H264);
	struct ag_frame f;
	const uint8_t *sps, *pps;
	size_t sps_len, pps_len;
	struct ag_depack_stats st;

	cr_assert_eq(ag_depack_h264_params(d, &sps, &sps_len, &pps, &pps_len), -1);
	push_ffmpeg_idr(d, 90000, 3);
	cr_assert_eq(ag_depack_pop(d, &f), 1);
	expect_ffmpeg_idr(&f, 90000);
	cr_assert_eq(ag_depack_pop(d, &f), 0);
	cr_assert_eq(ag_depack_h264_params(d, &sps, &sps_len, &pps, &pps_len), 0);
	cr_assert_eq(sps_len, sizeof sps_g2);
	cr_assert_arr_eq(sps, sps_g2, sps_len);
	cr_assert_eq(pps_len, sizeof pps_g2);
	cr_assert_arr_eq(pps, pps_g2, pps_len);
	/* the same AU with one big FU-A fragment (S and E... in two packets) */
	push_ffmpeg_idr(d, 96000, 2);
	cr_assert_eq(ag_depack_pop(d, &f), 1);
	expect_ffmpeg_idr(&f, 96000);
	ag_depack_stats(d, &st);
	cr_assert_eq(st.frames, 2);
	cr_assert_eq(st.keyframes, 2);
	cr_assert_eq(st.dropped, 0);
	cr_assert_eq(st.packets, 7);
	ag_depack_free(d);
}

Test(h264, ffmpeg_stap_a_of_slices)
{
	/* F1b: small slices of one AU aggregated, then a single NAL slice */
	struct ag_depack *d = ag_depack_new(AG_CODEC_H264);
	struct ag_frame f;
	uint8_t stap[64];
	size_t n = 0;

	push_ffmpeg_idr(d, 0, 2);
	cr_assert_eq(count_frames(d), 1);
	stap[n++] = 0x78;
	stap[n++] = 0;
	stap[n++] = sizeof p_nal;
	memcpy(stap + n, p_nal, sizeof p_nal);
	n += sizeof p_nal;
	stap[n++] = 0;
	stap[n++] = 3;
	stap[n++] = 0x41;
	stap[n++] = 0x40;  /* a second slice: first_mb_in_slice 1 */
	stap[n++] = 0x11;
	PUSH(d, stap, n, 6000, false, false);
	PUSH(d, p_nal, sizeof p_nal, 6000, true, false);
	cr_assert_eq(ag_depack_pop(d, &f), 1);
	cr_assert_eq(f.len, 3 * 4 + 2 * sizeof p_nal + 3);
	cr_assert(!f.keyframe);
	ag_depack_free(d);
}

Test(h264, gstreamer_aud_and_duplicated_parameter_sets)
{
	/* G2: AUD SPS PPS SPS PPS FU-A[IDR] (M), then AUD + FU-A[P] (M) */
	struct ag_depack *d = ag_depack_new(AG_CODEC_H264);
	struct ag_frame f;
	struct out o = { .n = 0 };
	uint8_t fu1[16], fu2[16];
	size_t half = (sizeof idr_nal - 1) / 2, rest = sizeof idr_nal - 1 - half;

	PUSH(d, aud, sizeof aud, 3000, false, false);
	PUSH(d, sps_g2, sizeof sps_g2, 3000, false, false);
	PUSH(d, pps_g2, sizeof pps_g2, 3000, false, false);
	PUSH(d, sps_g2, sizeof sps_g2, 3000, false, false);
	PUSH(d, pps_g2, sizeof pps_g2, 3000, false, false);
	fu1[0] = 0x7c;
	fu1[1] = 0x85;
	memcpy(fu1 + 2, idr_nal + 1, half);
	fu2[0] = 0x7c;
	fu2[1] = 0x45;
	memcpy(fu2 + 2, idr_nal + 1 + half, rest);
	PUSH(d, fu1, 2 + half, 3000, false, false);
	PUSH(d, fu2, 2 + rest, 3000, true, false);
	cr_assert_eq(ag_depack_pop(d, &f), 1);
	out_nal(&o, aud, sizeof aud);
	out_nal(&o, sps_g2, sizeof sps_g2);
	out_nal(&o, pps_g2, sizeof pps_g2);
	out_nal(&o, idr_nal, sizeof idr_nal);
	cr_assert_eq(f.len, o.n, "%zu != %zu", f.len, o.n);
	cr_assert_arr_eq(f.data, o.b, o.n);
	cr_assert(f.keyframe);
	cr_assert_eq(f.width, 640);
	/* the P frame: AUD as its own 2-byte packet, then the slice in FU-A */
	PUSH(d, aud, sizeof aud, 9000, false, false);
	push_p_fu(d, 9000, false);
	cr_assert_eq(ag_depack_pop(d, &f), 1);
	o.n = 0;
	out_nal(&o, aud, sizeof aud);
	out_nal(&o, p_nal, sizeof p_nal);
	cr_assert_eq(f.len, o.n);
	cr_assert_arr_eq(f.data, o.b, o.n);
	cr_assert(!f.keyframe);
	cr_assert_eq(f.ts, 9000);
	ag_depack_free(d);
}

Test(h264, gstreamer_two_slices_with_parameter_sets_before_each)
{
	/* G1: AUD SPS PPS SEI SPS PPS IDR SPS PPS IDR(second slice) (M) */
	struct ag_depack *d = ag_depack_new(AG_CODEC_H264);
	struct ag_frame f;
	struct out o = { .n = 0 };
	const uint8_t idr2[] = { 0x65, 0x40, 0x55, 0x66 };  /* first_mb_in_slice 1 */

	PUSH(d, aud, sizeof aud, 0, false, false);
	PUSH(d, sps_g2, sizeof sps_g2, 0, false, false);
	PUSH(d, pps_g2, sizeof pps_g2, 0, false, false);
	PUSH(d, sei, sizeof sei, 0, false, false);
	PUSH(d, sps_g2, sizeof sps_g2, 0, false, false);
	PUSH(d, pps_g2, sizeof pps_g2, 0, false, false);
	PUSH(d, idr_nal, sizeof idr_nal, 0, false, false);
	PUSH(d, sps_g2, sizeof sps_g2, 0, false, false);
	PUSH(d, pps_g2, sizeof pps_g2, 0, false, false);
	PUSH(d, idr2, sizeof idr2, 0, true, false);
	cr_assert_eq(ag_depack_pop(d, &f), 1);
	out_nal(&o, aud, sizeof aud);
	out_nal(&o, sps_g2, sizeof sps_g2);
	out_nal(&o, pps_g2, sizeof pps_g2);
	out_nal(&o, sei, sizeof sei);
	out_nal(&o, idr_nal, sizeof idr_nal);
	out_nal(&o, idr2, sizeof idr2);
	cr_assert_eq(f.len, o.n);
	cr_assert_arr_eq(f.data, o.b, o.n);
	cr_assert(f.keyframe);
	ag_depack_free(d);
}

Test(h264, idr_without_parameter_sets_gets_the_latest)
{
	struct ag_depack *d = ag_depack_new(AG_CODEC_H264);
	struct ag_frame f;
	struct out o = { .n = 0 };

	push_ffmpeg_idr(d, 0, 2);
	cr_assert_eq(count_frames(d), 1);
	/* an IDR AU with only an AUD before it: SPS and PPS go after the AUD */
	PUSH(d, aud, sizeof aud, 3000, false, false);
	PUSH(d, idr_nal, sizeof idr_nal, 3000, true, false);
	cr_assert_eq(ag_depack_pop(d, &f), 1);
	out_nal(&o, aud, sizeof aud);
	out_nal(&o, sps_g2, sizeof sps_g2);
	out_nal(&o, pps_g2, sizeof pps_g2);
	out_nal(&o, idr_nal, sizeof idr_nal);
	cr_assert_eq(f.len, o.n);
	cr_assert_arr_eq(f.data, o.b, o.n);
	/* an IDR with its SPS but not its PPS: only the PPS is added */
	PUSH(d, sps_g2, sizeof sps_g2, 6000, false, false);
	PUSH(d, idr_nal, sizeof idr_nal, 6000, true, false);
	cr_assert_eq(ag_depack_pop(d, &f), 1);
	o.n = 0;
	out_nal(&o, pps_g2, sizeof pps_g2);
	out_nal(&o, sps_g2, sizeof sps_g2);
	out_nal(&o, idr_nal, sizeof idr_nal);
	cr_assert_eq(f.len, o.n);
	cr_assert_arr_eq(f.data, o.b, o.n);
	ag_depack_free(d);
}

Test(h264, idr_before_any_parameter_set_is_dropped)
{
	/* rtp-recipes.md section 10: the first STAP-A[SPS,PPS,SEI] lost */
	struct ag_depack *d = ag_depack_new(AG_CODEC_H264);
	struct ag_frame f;

	PUSH(d, idr_nal, sizeof idr_nal, 0, true, true);
	cr_assert_eq(ag_depack_pop(d, &f), 0);
	cr_assert(ag_depack_need_keyframe(d));
	push_ffmpeg_idr(d, 180000, 3);
	cr_assert_eq(ag_depack_pop(d, &f), 1);
	cr_assert(f.keyframe);
	cr_assert(f.after_loss);
	cr_assert(!ag_depack_need_keyframe(d));
	ag_depack_free(d);
}

Test(h264, starts_at_the_first_idr)
{
	struct ag_depack *d = ag_depack_new(AG_CODEC_H264);
	struct ag_frame f;
	struct ag_depack_stats st;

	cr_assert(!ag_depack_need_keyframe(d));
	push_p_fu(d, 100, false);
	push_p_fu(d, 200, false);
	cr_assert_eq(ag_depack_pop(d, &f), 0);
	cr_assert(ag_depack_need_keyframe(d));
	push_ffmpeg_idr(d, 300, 3);
	cr_assert_eq(ag_depack_pop(d, &f), 1);
	cr_assert(f.keyframe);
	cr_assert(!ag_depack_need_keyframe(d));
	ag_depack_stats(d, &st);
	cr_assert_eq(st.dropped, 2);
	ag_depack_free(d);
}

Test(h264, fu_a_lost_middle_fragment)
{
	struct ag_depack *d = ag_depack_new(AG_CODEC_H264);
	struct ag_frame f;
	struct ag_depack_stats st;

	push_ffmpeg_idr(d, 0, 3);
	push_p_fu(d, 6000, false);
	cr_assert_eq(count_frames(d), 2);
	/* the middle fragment of the next P frame is lost */
	push_p_fu(d, 12000, true);
	cr_assert_eq(ag_depack_pop(d, &f), 0);
	cr_assert(ag_depack_need_keyframe(d));
	/* complete P frames are dropped until the next IDR */
	push_p_fu(d, 18000, false);
	push_p_fu(d, 24000, false);
	cr_assert_eq(ag_depack_pop(d, &f), 0);
	cr_assert(ag_depack_need_keyframe(d));
	push_ffmpeg_idr(d, 30000, 3);
	cr_assert_eq(ag_depack_pop(d, &f), 1);
	expect_ffmpeg_idr(&f, 30000);
	cr_assert(f.after_loss);
	cr_assert(!ag_depack_need_keyframe(d));
	push_p_fu(d, 36000, false);
	cr_assert_eq(ag_depack_pop(d, &f), 1);
	cr_assert(!f.after_loss);
	ag_depack_stats(d, &st);
	cr_assert_eq(st.dropped, 3);
	cr_assert_eq(st.lost_events, 1);
	ag_depack_free(d);
}

Test(h264, fu_a_lost_start_and_end)
{
	struct ag_depack *d = ag_depack_new(AG_CODEC_H264);
	struct ag_frame f;
	const uint8_t mid[] = { 0x5c, 0x01, 0x11 }, end[] = { 0x5c, 0x41, 0x22 };
	const uint8_t start[] = { 0x5c, 0x81, 0x9a };

	push_ffmpeg_idr(d, 0, 3);
	cr_assert_eq(count_frames(d), 1);
	/* no start fragment, and no loss reported: still caught */
	PUSH(d, mid, sizeof mid, 3000, false, false);
	PUSH(d, end, sizeof end, 3000, true, false);
	cr_assert_eq(ag_depack_pop(d, &f), 0);
	cr_assert(ag_depack_need_keyframe(d));
	push_ffmpeg_idr(d, 6000, 3);
	cr_assert_eq(count_frames(d), 1);
	/* a start, then a new start: the first NAL lost its end */
	PUSH(d, start, sizeof start, 9000, false, false);
	PUSH(d, start, sizeof start, 9000, false, false);
	PUSH(d, end, sizeof end, 9000, true, false);
	cr_assert_eq(ag_depack_pop(d, &f), 0);
	cr_assert(ag_depack_need_keyframe(d));
	push_ffmpeg_idr(d, 12000, 3);
	cr_assert_eq(count_frames(d), 1);
	/* an FU that never ends before the marker */
	PUSH(d, start, sizeof start, 15000, true, false);
	cr_assert_eq(ag_depack_pop(d, &f), 0);
	ag_depack_free(d);
}

Test(h264, loss_before_a_complete_idr_is_recovered_at_once)
{
	struct ag_depack *d = ag_depack_new(AG_CODEC_H264);
	struct ag_frame f;
	uint8_t stap[64];
	size_t n = 0;

	push_ffmpeg_idr(d, 0, 3);
	push_p_fu(d, 6000, false);
	cr_assert_eq(count_frames(d), 2);
	/* a whole P frame vanished, then a complete IDR AU arrives */
	stap[n++] = 0x78;
	stap[n++] = 0;
	stap[n++] = sizeof sps_g2;
	memcpy(stap + n, sps_g2, sizeof sps_g2);
	n += sizeof sps_g2;
	stap[n++] = 0;
	stap[n++] = sizeof pps_g2;
	memcpy(stap + n, pps_g2, sizeof pps_g2);
	n += sizeof pps_g2;
	PUSH(d, stap, n, 18000, false, true);
	PUSH(d, idr_nal, sizeof idr_nal, 18000, true, false);
	cr_assert_eq(ag_depack_pop(d, &f), 1);
	cr_assert(f.keyframe);
	cr_assert(f.after_loss);
	/* but a P frame after a gap is not trusted */
	push_p_fu(d, 24000, false);
	cr_assert_eq(count_frames(d), 1);
	{
		const uint8_t fu_s[] = { 0x5c, 0x81, 0x9a }, fu_e[] = { 0x5c, 0x41, 0x21 };

		PUSH(d, fu_s, sizeof fu_s, 36000, false, true);
		PUSH(d, fu_e, sizeof fu_e, 36000, true, false);
	}
	cr_assert_eq(ag_depack_pop(d, &f), 0);
	cr_assert(ag_depack_need_keyframe(d));
	/* an IDR whose first slice is not the picture's first is incomplete */
	{
		const uint8_t idr_mb1[] = { 0x65, 0x40, 0x11 };

		PUSH(d, idr_mb1, sizeof idr_mb1, 42000, true, true);
		cr_assert_eq(ag_depack_pop(d, &f), 0);
	}
	ag_depack_free(d);
}

Test(h264, timestamp_change_without_marker)
{
	struct ag_depack *d = ag_depack_new(AG_CODEC_H264);
	struct ag_frame f;

	PUSH(d, sps_g2, sizeof sps_g2, 0, false, false);
	PUSH(d, pps_g2, sizeof pps_g2, 0, false, false);
	PUSH(d, idr_nal, sizeof idr_nal, 0, false, false);
	cr_assert_eq(ag_depack_pop(d, &f), 0);
	PUSH(d, p_nal, sizeof p_nal, 3000, false, false);
	cr_assert_eq(ag_depack_pop(d, &f), 1);
	cr_assert(f.keyframe);
	cr_assert_eq(f.ts, 0);
	cr_assert_eq(ag_depack_pop(d, &f), 0);
	PUSH(d, p_nal, sizeof p_nal, 6000, false, false);
	cr_assert_eq(ag_depack_pop(d, &f), 1);
	cr_assert_eq(f.ts, 3000);
	cr_assert(!f.keyframe);
	/* the last one comes out on flush */
	ag_depack_flush(d);
	cr_assert_eq(ag_depack_pop(d, &f), 1);
	cr_assert_eq(f.ts, 6000);
	ag_depack_flush(d);
	cr_assert_eq(ag_depack_pop(d, &f), 0);
	ag_depack_free(d);
}

Test(h264, timestamp_change_after_a_gap_drops_the_unfinished_au)
{
	struct ag_depack *d = ag_depack_new(AG_CODEC_H264);
	struct ag_frame f;

	push_ffmpeg_idr(d, 0, 3);
	cr_assert_eq(count_frames(d), 1);
	/* a P frame without its marker packet, then a gap and a new timestamp */
	PUSH(d, p_nal, sizeof p_nal, 3000, false, false);
	PUSH(d, p_nal, sizeof p_nal, 6000, true, true);
	cr_assert_eq(ag_depack_pop(d, &f), 0);
	cr_assert(ag_depack_need_keyframe(d));
	ag_depack_free(d);
}

Test(h264, malformed_payloads)
{
	struct ag_depack *d = ag_depack_new(AG_CODEC_H264);
	struct ag_error err = { 0 };
	struct ag_frame f;
	struct ag_depack_stats st;
	const uint8_t stap_over[] = { 0x78, 0x00, 0x10, 0x67, 0x42 };
	const uint8_t stap_zero[] = { 0x78, 0x00, 0x00 };
	const uint8_t stap_odd[] = { 0x78, 0x00, 0x01, 0x09, 0x00 };
	const uint8_t stap_b[] = { 0x19, 0x00, 0x00, 0x00, 0x02, 0x09, 0xf0 };
	const uint8_t forbidden[] = { 0xe5, 0x88 };
	const uint8_t fu_short[] = { 0x7c };
	const uint8_t ignored[] = { 0x1e, 0x01, 0x02 };
	const uint8_t stap_in_stap[] = { 0x78, 0x00, 0x02, 0x78, 0x00 };
	const uint8_t fu_of_fu[] = { 0x7c, 0x9c, 0x00 };

	push_ffmpeg_idr(d, 0, 3);
	cr_assert_eq(count_frames(d), 1);
	cr_assert_eq(push(d, stap_over, sizeof stap_over, 10, true, false, &err), -1);
	cr_assert_eq(err.code, AG_EX_DATAERR);
	cr_assert(strstr(err.msg, "STAP-A") != NULL, "%s", err.msg);
	cr_assert_eq(push(d, stap_zero, sizeof stap_zero, 20, true, false, &err), -1);
	cr_assert_eq(push(d, stap_odd, sizeof stap_odd, 30, true, false, &err), -1);
	cr_assert(strstr(err.msg, "trailing") != NULL, "%s", err.msg);
	cr_assert_eq(push(d, stap_b, sizeof stap_b, 40, true, false, &err), -1);
	cr_assert(strstr(err.msg, "packetization-mode") != NULL, "%s", err.msg);
	cr_assert_eq(push(d, forbidden, sizeof forbidden, 50, true, false, &err), -1);
	cr_assert_eq(push(d, fu_short, sizeof fu_short, 60, true, false, &err), -1);
	cr_assert_eq(push(d, stap_in_stap, sizeof stap_in_stap, 61, true, false, &err), -1);
	cr_assert(strstr(err.msg, "aggregate") != NULL, "%s", err.msg);
	cr_assert_eq(push(d, fu_of_fu, sizeof fu_of_fu, 62, true, false, &err), -1);
	cr_assert_eq(ag_depack_pop(d, &f), 0);
	/* type 30 is ignored, and an empty payload too */
	cr_assert_eq(push(d, ignored, sizeof ignored, 70, true, false, &err), 0);
	cr_assert_eq(push(d, NULL, 0, 70, true, false, &err), 0);
	ag_depack_stats(d, &st);
	cr_assert_eq(st.bad_packets, 8);
	cr_assert(ag_depack_need_keyframe(d));
	push_ffmpeg_idr(d, 90, 3);
	cr_assert_eq(count_frames(d), 1);
	ag_depack_free(d);
}

Test(h264, access_unit_over_4_mib_is_dropped)
{
	struct ag_depack *d = ag_depack_new(AG_CODEC_H264);
	struct ag_error err = { 0 };
	struct ag_frame f;
	static uint8_t fu[2 + 1400];
	int i, errors = 0;

	push_ffmpeg_idr(d, 0, 3);
	cr_assert_eq(count_frames(d), 1);
	memset(fu, 0x55, sizeof fu);
	fu[0] = 0x5c;
	for (i = 0; i < 3100; i++) {
		fu[1] = (uint8_t)((i == 0 ? 0x80 : 0) | (i == 3099 ? 0x40 : 0) | 1);
		if (push(d, fu, sizeof fu, 3000, i == 3099, false, &err) < 0) {
			errors++;
			cr_assert(strstr(err.msg, "larger") != NULL, "%s", err.msg);
		}
	}
	cr_assert_eq(errors, 1);
	cr_assert_eq(ag_depack_pop(d, &f), 0);
	cr_assert(ag_depack_need_keyframe(d));
	ag_depack_free(d);
}

Test(h264, reset_waits_again)
{
	struct ag_depack *d = ag_depack_new(AG_CODEC_H264);
	const uint8_t *s, *p;
	size_t sl, pl;

	push_ffmpeg_idr(d, 0, 3);
	PUSH(d, p_nal, sizeof p_nal, 3000, false, false);
	ag_depack_reset(d);
	cr_assert_eq(count_frames(d), 0);
	cr_assert_eq(ag_depack_h264_params(d, &s, &sl, &p, &pl), -1);
	push_p_fu(d, 6000, false);
	cr_assert_eq(count_frames(d), 0);
	push_ffmpeg_idr(d, 9000, 3);
	cr_assert_eq(count_frames(d), 1);
	ag_depack_free(d);
	ag_depack_free(NULL);
}

Test(h264, frames_stay_valid_until_the_next_pop)
{
	struct ag_depack *d = ag_depack_new(AG_CODEC_H264);
	struct ag_frame f, g;
	uint8_t copy[256];

	push_ffmpeg_idr(d, 0, 3);
	PUSH(d, p_nal, sizeof p_nal, 3000, true, false);
	cr_assert_eq(ag_depack_pop(d, &f), 1);
	cr_assert(f.len <= sizeof copy);
	memcpy(copy, f.data, f.len);
	/* pushing more does not disturb the frame taken */
	PUSH(d, p_nal, sizeof p_nal, 6000, true, false);
	cr_assert_arr_eq(f.data, copy, f.len);
	cr_assert_eq(ag_depack_pop(d, &g), 1);
	cr_assert_eq(g.ts, 3000);
	cr_assert_eq(ag_depack_pop(d, &g), 1);
	cr_assert_eq(g.ts, 6000);
	cr_assert_eq(ag_depack_pop(d, &g), 0);
	ag_depack_free(d);
}

/* ---- samples ---- */

Test(avcc, depacketized_idr_to_sample)
{
	struct ag_depack *d = ag_depack_new(AG_CODEC_H264);
	struct ag_frame f;
	uint8_t out[512];
	long n;

	push_ffmpeg_idr(d, 0, 3);
	cr_assert_eq(ag_depack_pop(d, &f), 1);
	cr_assert(AG_H264_AVCC_SAMPLE_MAX(f.len) <= sizeof out);
	n = ag_h264_annexb_to_avcc_sample(f.data, f.len, 0, out, sizeof out);
	cr_assert_eq(n, (long)f.len);  /* 4-byte start codes become 4-byte lengths */
	cr_assert_eq(out[3], sizeof sps_g2);
	cr_assert_arr_eq(out + 4, sps_g2, sizeof sps_g2);
	ag_depack_free(d);
}

/* ---- VP8 ---- */

/* 640x360 key frame start: frame tag (P=0), start code, sizes */
static const uint8_t vp8_key_start[] = {
	0x50, 0x42, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01, 0xaa, 0xbb,
};

static size_t
vp8_desc4(uint8_t *b, bool s, uint16_t picture_id)
{
	b[0] = (uint8_t)(0x80 | (s ? 0x10 : 0));
	b[1] = 0x80;
	b[2] = (uint8_t)(0x80 | (picture_id >> 8));
	b[3] = (uint8_t)picture_id;
	return 4;
}

static void
push_vp8_key(struct ag_depack *d, uint32_t ts, uint16_t pid)
{
	uint8_t p[64];
	size_t n;

	n = vp8_desc4(p, true, pid);
	memcpy(p + n, vp8_key_start, sizeof vp8_key_start);
	PUSH(d, p, n + sizeof vp8_key_start, ts, false, false);
	n = vp8_desc4(p, false, pid);
	p[n] = 0xcc;
	p[n + 1] = 0xdd;
	PUSH(d, p, n + 2, ts, true, false);
}

static void
push_vp8_inter(struct ag_depack *d, uint32_t ts, bool lost_second)
{
	const uint8_t a[] = { 0x10, 0x31, 0x01, 0x02 }, b[] = { 0x00, 0x03, 0x04 };

	PUSH(d, a, sizeof a, ts, false, false);
	PUSH(d, b, sizeof b, ts, true, lost_second);
}

Test(vp8, ffmpeg_descriptor_key_frame)
{
	struct ag_depack *d = ag_depack_new(AG_CODEC_VP8);
	struct ag_frame f;
	uint8_t want[sizeof vp8_key_start + 2];

	push_vp8_key(d, 1000, 0x1234);
	cr_assert_eq(ag_depack_pop(d, &f), 1);
	memcpy(want, vp8_key_start, sizeof vp8_key_start);
	want[sizeof vp8_key_start] = 0xcc;
	want[sizeof vp8_key_start + 1] = 0xdd;
	cr_assert_eq(f.codec, AG_CODEC_VP8);
	cr_assert_eq(f.len, sizeof want);
	cr_assert_arr_eq(f.data, want, sizeof want);
	cr_assert(f.keyframe);
	cr_assert_eq(f.width, 640);
	cr_assert_eq(f.height, 360);
	cr_assert_eq(f.ts, 1000);
	ag_depack_free(d);
}

Test(vp8, gstreamer_one_byte_descriptor)
{
	struct ag_depack *d = ag_depack_new(AG_CODEC_VP8);
	struct ag_frame f;
	const uint8_t key[] = { 0x10, 0x50, 0x42, 0x00, 0x9d, 0x01, 0x2a, 0x60, 0x01, 0x20, 0x01, 0x07 };
	const uint8_t want[] = { 0x31, 0x01, 0x02, 0x03, 0x04 };

	PUSH(d, key, sizeof key, 0, true, false);
	cr_assert_eq(ag_depack_pop(d, &f), 1);
	cr_assert(f.keyframe);
	cr_assert_eq(f.width, 352);
	cr_assert_eq(f.height, 288);
	cr_assert_eq(f.len, sizeof key - 1);
	push_vp8_inter(d, 6000, false);
	cr_assert_eq(ag_depack_pop(d, &f), 1);
	cr_assert(!f.keyframe);
	cr_assert_eq(f.len, sizeof want);
	cr_assert_arr_eq(f.data, want, sizeof want);
	cr_assert_eq(f.width, 352);  /* the size of the stream so far */
	ag_depack_free(d);
}

Test(vp8, descriptor_extensions)
{
	struct ag_depack *d = ag_depack_new(AG_CODEC_VP8);
	struct ag_frame f;
	struct ag_error err = { 0 };
	/* X, S; I (7-bit PictureID), L, T, K */
	const uint8_t full[] = { 0x90, 0xf0, 0x05, 0x07, 0x40, 0x50, 0x42, 0x00, 0x9d, 0x01,
		0x2a, 0x80, 0x02, 0x68, 0x01 };
	/* X with only L */
	const uint8_t l_only[] = { 0x90, 0x40, 0x07, 0x31, 0x09 };
	const uint8_t cut15[] = { 0x90, 0x80, 0x80 };
	const uint8_t cut_x[] = { 0x80 };
	const uint8_t no_payload[] = { 0x90, 0x40, 0x07 };

	PUSH(d, full, sizeof full, 0, true, false);
	cr_assert_eq(ag_depack_pop(d, &f), 1);
	cr_assert_eq(f.len, sizeof full - 5);
	cr_assert(f.keyframe);
	cr_assert_eq(f.width, 640);
	PUSH(d, l_only, sizeof l_only, 3000, true, false);
	cr_assert_eq(ag_depack_pop(d, &f), 1);
	cr_assert_eq(f.len, 2);
	cr_assert_eq(f.data[0], 0x31);
	cr_assert_eq(push(d, cut15, sizeof cut15, 6000, true, false, &err), -1);
	cr_assert(strstr(err.msg, "vp8") != NULL, "%s", err.msg);
	cr_assert_eq(push(d, cut_x, sizeof cut_x, 6000, true, false, &err), -1);
	cr_assert_eq(push(d, no_payload, sizeof no_payload, 6000, true, false, &err), -1);
	/* a bad packet counts as a lost one: the next inter frame is not trusted */
	push_vp8_inter(d, 9000, false);
	cr_assert_eq(ag_depack_pop(d, &f), 0);
	cr_assert(ag_depack_need_keyframe(d));
	ag_depack_free(d);
}

Test(vp8, lost_packet_waits_for_key_frame)
{
	struct ag_depack *d = ag_depack_new(AG_CODEC_VP8);
	struct ag_frame f;
	struct ag_depack_stats st;

	push_vp8_key(d, 0, 1);
	push_vp8_inter(d, 6000, false);
	cr_assert_eq(count_frames(d), 2);
	push_vp8_inter(d, 12000, true);
	cr_assert_eq(ag_depack_pop(d, &f), 0);
	cr_assert(ag_depack_need_keyframe(d));
	push_vp8_inter(d, 18000, false);
	cr_assert_eq(ag_depack_pop(d, &f), 0);
	push_vp8_key(d, 24000, 5);
	cr_assert_eq(ag_depack_pop(d, &f), 1);
	cr_assert(f.keyframe);
	cr_assert(f.after_loss);
	cr_assert(!ag_depack_need_keyframe(d));
	/* a frame whose first packet (S=1, PID=0) is missing */
	{
		const uint8_t b[] = { 0x00, 0x03, 0x04 };

		PUSH(d, b, sizeof b, 30000, true, false);
		cr_assert_eq(ag_depack_pop(d, &f), 0);
	}
	ag_depack_stats(d, &st);
	cr_assert_eq(st.dropped, 3);
	ag_depack_free(d);
}

Test(vp8, starts_at_a_key_frame_and_timestamp_ends_frames)
{
	struct ag_depack *d = ag_depack_new(AG_CODEC_VP8);
	struct ag_frame f;
	const uint8_t inter[] = { 0x10, 0x31, 0x01 };
	const uint8_t key[] = { 0x10, 0x50, 0x42, 0x00, 0x9d, 0x01, 0x2a, 0x60, 0x01, 0x20, 0x01 };

	PUSH(d, inter, sizeof inter, 0, true, false);
	cr_assert_eq(ag_depack_pop(d, &f), 0);
	cr_assert(ag_depack_need_keyframe(d));
	PUSH(d, key, sizeof key, 3000, false, false);
	PUSH(d, inter, sizeof inter, 6000, false, false);
	cr_assert_eq(ag_depack_pop(d, &f), 1);
	cr_assert(f.keyframe);
	cr_assert_eq(f.ts, 3000);
	ag_depack_flush(d);
	cr_assert_eq(ag_depack_pop(d, &f), 1);
	cr_assert_eq(f.ts, 6000);
	ag_depack_free(d);
}

/* ---- audio ---- */

Test(audio, opus_passthrough)
{
	struct ag_depack *d = ag_depack_new(AG_CODEC_OPUS);
	struct ag_frame f;
	const uint8_t a[] = { 0xfc, 0xff, 0xfe, 0x01 }, b[] = { 0xfc, 0x11 };

	/* ffmpeg sets M on every Opus packet, GStreamer on the first only */
	PUSH(d, a, sizeof a, 960, true, false);
	PUSH(d, b, sizeof b, 1920, false, false);
	PUSH(d, b, sizeof b, 3840, false, true);
	cr_assert_eq(ag_depack_pop(d, &f), 1);
	cr_assert_eq(f.codec, AG_CODEC_OPUS);
	cr_assert_eq(f.len, sizeof a);
	cr_assert_arr_eq(f.data, a, sizeof a);
	cr_assert_eq(f.ts, 960);
	cr_assert(f.keyframe);
	cr_assert(!f.after_loss);
	cr_assert_eq(f.width, 0);
	cr_assert_eq(ag_depack_pop(d, &f), 1);
	cr_assert_eq(f.ts, 1920);
	cr_assert_eq(ag_depack_pop(d, &f), 1);
	cr_assert_eq(f.ts, 3840);
	cr_assert(f.after_loss);
	cr_assert_eq(ag_depack_pop(d, &f), 0);
	cr_assert(!ag_depack_need_keyframe(d));
	ag_depack_free(d);
}

Test(audio, pcmu_and_pcma_passthrough)
{
	enum ag_codec c[2] = { AG_CODEC_PCMU, AG_CODEC_PCMA };
	uint8_t pcm[160];
	int i;

	memset(pcm, 0xff, sizeof pcm);
	for (i = 0; i < 2; i++) {
		struct ag_depack *d = ag_depack_new(c[i]);
		struct ag_frame f;

		PUSH(d, pcm, sizeof pcm, 160, false, false);
		PUSH(d, pcm, sizeof pcm, 320, false, false);
		cr_assert_eq(ag_depack_pop(d, &f), 1);
		cr_assert_eq(f.codec, c[i]);
		cr_assert_eq(f.len, 160);
		cr_assert_eq(count_frames(d), 1);
		ag_depack_free(d);
	}
	cr_assert_null(ag_depack_new((enum ag_codec)99));
}

Test(audio, aac_two_aus_in_one_packet)
{
	struct ag_depack *d = ag_depack_new(AG_CODEC_AAC);
	struct ag_frame f;
	/* AU-headers-length 32 bits; AU 1: size 5, index 0; AU 2: size 7, delta 0 */
	const uint8_t p[] = {
		0x00, 0x20, 0x00, 0x28, 0x00, 0x38,
		0x21, 0x10, 0x05, 0xa0, 0x1c,
		0x21, 0x10, 0x05, 0xa0, 0x1c, 0xee, 0xff,
	};

	PUSH(d, p, sizeof p, 48000, true, false);
	cr_assert_eq(ag_depack_pop(d, &f), 1);
	cr_assert_eq(f.codec, AG_CODEC_AAC);
	cr_assert_eq(f.len, 5);
	cr_assert_arr_eq(f.data, p + 6, 5);
	cr_assert_eq(f.ts, 48000);
	cr_assert_eq(ag_depack_pop(d, &f), 1);
	cr_assert_eq(f.len, 7);
	cr_assert_arr_eq(f.data, p + 11, 7);
	cr_assert_eq(f.ts, 48000 + 1024);
	cr_assert_eq(ag_depack_pop(d, &f), 0);
	ag_depack_free(d);
}

Test(audio, aac_fragmented_au)
{
	struct ag_depack *d = ag_depack_new(AG_CODEC_AAC);
	struct ag_frame f;
	uint8_t p1[4 + 200], p2[4 + 100];
	size_t i;

	/* one AU of 300 bytes: 300 << 3 = 0x0960 */
	p1[0] = p2[0] = 0x00;
	p1[1] = p2[1] = 0x10;
	p1[2] = p2[2] = 0x09;
	p1[3] = p2[3] = 0x60;
	for (i = 0; i < 200; i++)
		p1[4 + i] = (uint8_t)i;
	for (i = 0; i < 100; i++)
		p2[4 + i] = (uint8_t)(200 + i);
	PUSH(d, p1, sizeof p1, 1024, false, false);
	cr_assert_eq(ag_depack_pop(d, &f), 0);
	PUSH(d, p2, sizeof p2, 1024, true, false);
	cr_assert_eq(ag_depack_pop(d, &f), 1);
	cr_assert_eq(f.len, 300);
	for (i = 0; i < 300; i++)
		cr_assert_eq(f.data[i], (uint8_t)i);
	/* a gap between the fragments: nothing comes out */
	PUSH(d, p1, sizeof p1, 2048, false, false);
	PUSH(d, p2, sizeof p2, 2048, true, true);
	cr_assert_eq(ag_depack_pop(d, &f), 0);
	/* a last fragment alone (its start lost) is dropped quietly */
	PUSH(d, p2, sizeof p2, 3072, true, false);
	cr_assert_eq(ag_depack_pop(d, &f), 0);
	/* a first fragment followed by another AU's packet */
	PUSH(d, p1, sizeof p1, 4096, false, false);
	PUSH(d, p2, sizeof p2, 5120, true, false);
	cr_assert_eq(ag_depack_pop(d, &f), 0);
	{
		struct ag_depack_stats st;

		ag_depack_stats(d, &st);
		cr_assert_eq(st.dropped, 4);
		cr_assert_eq(st.frames, 1);
	}
	ag_depack_flush(d);
	cr_assert_eq(ag_depack_pop(d, &f), 0);
	ag_depack_free(d);
}

Test(audio, aac_bad_headers)
{
	struct ag_depack *d = ag_depack_new(AG_CODEC_AAC);
	struct ag_error err = { 0 };
	const uint8_t odd_bits[] = { 0x00, 0x0d, 0x00, 0x28, 1, 2, 3, 4, 5 };
	const uint8_t zero_bits[] = { 0x00, 0x00, 1, 2 };
	const uint8_t headers_past_end[] = { 0x00, 0x40, 0x00, 0x28 };
	const uint8_t sizes_past_end[] = { 0x00, 0x20, 0x00, 0x28, 0x00, 0x38, 1, 2, 3 };
	const uint8_t one_byte[] = { 0x00 };

	cr_assert_eq(push(d, odd_bits, sizeof odd_bits, 0, true, false, &err), -1);
	cr_assert_eq(err.code, AG_EX_DATAERR);
	cr_assert_eq(push(d, zero_bits, sizeof zero_bits, 0, true, false, &err), -1);
	cr_assert_eq(push(d, headers_past_end, sizeof headers_past_end, 0, true, false, &err), -1);
	cr_assert_eq(push(d, sizes_past_end, sizeof sizes_past_end, 0, true, false, &err), -1);
	cr_assert(strstr(err.msg, "overrun") != NULL, "%s", err.msg);
	cr_assert_eq(push(d, one_byte, sizeof one_byte, 0, true, false, &err), -1);
	cr_assert_eq(count_frames(d), 0);
	ag_depack_free(d);
}

Test(audio, through_the_rtp_parser)
{
	/* F5's PCMU packet end to end: parse, then depacketize */
	uint8_t pkt[12 + 160] = { 0x80, 0x00, 0x00, 0x07, 0, 0, 0x01, 0x40, 0x89, 0xab, 0xcd, 0xef };
	struct ag_rtp r;
	struct ag_depack *d = ag_depack_new(AG_CODEC_PCMU);
	struct ag_frame f;

	cr_assert_eq(ag_rtp_parse(pkt, sizeof pkt, &r, NULL), 0);
	cr_assert_eq(ag_depack_push(d, &r, false, NULL), 0);
	cr_assert_eq(ag_depack_pop(d, &f), 1);
	cr_assert_eq(f.ts, 320);
	cr_assert_eq(f.len, 160);
	ag_depack_free(d);
}

/* ---- robustness ---- */

static uint32_t
xorshift(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

static void
fuzz_codec(enum ag_codec codec, uint32_t seed, int rounds)
{
	struct ag_depack *d = ag_depack_new(codec);
	static const uint8_t h264_types[] = { 1, 5, 6, 7, 8, 9, 24, 28, 28, 28, 24, 25, 0, 31 };
	uint8_t b[1600];
	uint32_t ts = 0;
	int i;

	cr_assert_not_null(d);
	for (i = 0; i < rounds; i++) {
		size_t len = xorshift(&seed) % (i % 10 == 0 ? sizeof b : 64), k;
		struct ag_error err;
		struct ag_frame f;
		uint32_t r = xorshift(&seed);

		for (k = 0; k < len; k++)
			b[k] = (uint8_t)xorshift(&seed);
		if (len > 0 && codec == AG_CODEC_H264)
			b[0] = (uint8_t)((b[0] & 0x60) | h264_types[r % sizeof h264_types]);
		if (len > 1 && codec == AG_CODEC_H264 && (b[0] & 0x1f) == 28)
			b[1] = (uint8_t)((b[1] & 0xc0) | (r % 2 ? 5 : 1));
		if (len > 1 && codec == AG_CODEC_AAC)
			b[0] = 0, b[1] = (uint8_t)(16 * (r % 4));
		if (len > 0 && codec == AG_CODEC_VP8 && r % 3 == 0)
			b[0] = (uint8_t)(b[0] & 0xf0);  /* PID 0: frame starts */
		if (r % 4 == 0)
			ts += 3000;
		if (push(d, len ? b : NULL, len, ts, (r >> 8) % 3 == 0, (r >> 12) % 16 == 0, &err) < 0)
			cr_assert(err.code == AG_EX_DATAERR || err.code == AG_EX_FAIL);
		if ((r >> 16) % 500 == 0)
			ag_depack_flush(d);
		if ((r >> 16) % 2000 == 1)
			ag_depack_reset(d);
		while (ag_depack_pop(d, &f) == 1) {
			cr_assert(f.len > 0 && f.len <= AG_DEPACK_MAX_FRAME);
			cr_assert_eq(f.codec, codec);
			if (codec == AG_CODEC_H264) {
				uint8_t *s = malloc(AG_H264_AVCC_SAMPLE_MAX(f.len));

				cr_assert_not_null(s);
				cr_assert(ag_h264_annexb_to_avcc_sample(f.data, f.len, 0, s,
				    AG_H264_AVCC_SAMPLE_MAX(f.len)) >= 0);
				free(s);
			}
		}
	}
	ag_depack_flush(d);
	(void)count_frames(d);
	ag_depack_free(d);
}

Test(fuzz, h264)
{
	fuzz_codec(AG_CODEC_H264, 0x1234567, 5000);
}

Test(fuzz, vp8)
{
	fuzz_codec(AG_CODEC_VP8, 0xfeed, 5000);
}

Test(fuzz, audio)
{
	fuzz_codec(AG_CODEC_AAC, 0xabcdef, 5000);
	fuzz_codec(AG_CODEC_OPUS, 0x777, 2000);
	fuzz_codec(AG_CODEC_PCMA, 0x778, 1000);
}

Test(fuzz, sps_and_samples)
{
	uint8_t b[256], out[AG_H264_AVCC_SAMPLE_MAX(256)], rec[600];
	uint32_t seed = 42;
	int i;

	for (i = 0; i < 20000; i++) {
		size_t len = xorshift(&seed) % sizeof b, k;
		struct ag_h264_sps s;
		long n;

		for (k = 0; k < len; k++)
			b[k] = (uint8_t)xorshift(&seed);
		if (len > 0)
			b[0] = 0x67;
		if (len > 1 && i % 2)
			b[1] = (uint8_t)(i % 4 == 1 ? 100 : 244);
		/* start codes sprinkled in */
		for (k = 0; k + 3 < len; k += 1 + xorshift(&seed) % 16)
			if (xorshift(&seed) % 4 == 0)
				b[k] = 0, b[k + 1] = 0, b[k + 2] = 1;
		if (ag_h264_sps_parse(b, len, &s, NULL) == 0) {
			cr_assert(s.width > 0 && s.width <= 16384);
			cr_assert(s.height > 0 && s.height <= 32768);
			cr_assert(ag_h264_avcc(b, len, pps_g2, sizeof pps_g2, rec, sizeof rec) > 0);
		}
		n = ag_h264_annexb_to_avcc_sample(b, len, 0, out, AG_H264_AVCC_SAMPLE_MAX(len));
		cr_assert(n >= 0 && (size_t)n <= AG_H264_AVCC_SAMPLE_MAX(len));
	}
}

/* ---- H.265 (RFC 7798) ---- */

/* libx265's 320x240 parameter sets (test_h265.c has them too) */
static const uint8_t vps5[] = {
	0x40, 0x01, 0x0c, 0x01, 0xff, 0xff, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00,
	0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x3c, 0x95, 0x94, 0x09,
};
static const uint8_t sps5[] = {
	0x42, 0x01, 0x01, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00,
	0x00, 0x03, 0x00, 0x3c, 0xa0, 0x0a, 0x08, 0x0f, 0x16, 0x59, 0x59, 0x52, 0x93, 0x0b,
	0xc0, 0x5a, 0x02, 0x00, 0x00, 0x03, 0x00, 0x02, 0x00, 0x00, 0x03, 0x00, 0x1e, 0x10,
};
static const uint8_t pps5[] = { 0x44, 0x01, 0xc0, 0x73, 0xc1, 0x89 };
/* IDR_W_RADL and TRAIL_R slices, first_slice_segment_in_pic_flag 1; a CRA */
static const uint8_t idr5[] = {
	0x26, 0x01, 0xaf, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
};
static const uint8_t trail5[] = { 0x02, 0x01, 0xd0, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16 };
static const uint8_t cra5[] = { 0x2a, 0x01, 0xaf, 0x21, 0x22 };

/* An AP (type 48) of n NAL units. */
static size_t
ap5(uint8_t *out, const uint8_t *const *nals, const size_t *lens, int n)
{
	size_t pos = 2;

	out[0] = 48 << 1;
	out[1] = 0x01;
	for (int i = 0; i < n; i++) {
		out[pos] = (uint8_t)(lens[i] >> 8);
		out[pos + 1] = (uint8_t)lens[i];
		memcpy(out + pos + 2, nals[i], lens[i]);
		pos += 2 + lens[i];
	}
	return pos;
}

/* nal (header included) as FUs of frags pieces at ts, the last with the
 * marker; skip (1-based, 0: none) is not sent, and the one after it is
 * pushed with lost_before. */
static void
fu5(struct ag_depack *d, const uint8_t *nal, size_t len, uint32_t ts, size_t frags, size_t skip)
{
	uint8_t fu[64];
	size_t body = len - 2, pos = 2, i;

	for (i = 0; i < frags; i++) {
		size_t take = i + 1 == frags ? len - pos : body / frags;

		fu[0] = (uint8_t)((nal[0] & 0x81) | 49 << 1);
		fu[1] = nal[1];
		fu[2] = (uint8_t)((i == 0 ? 0x80 : 0) | (i + 1 == frags ? 0x40 : 0)
		    | ((nal[0] >> 1) & 0x3f));
		memcpy(fu + 3, nal + pos, take);
		pos += take;
		if (i + 1 != skip)
			PUSH(d, fu, 3 + take, ts, i + 1 == frags, skip != 0 && i == skip);
	}
}

/* An IRAP AU as ffmpeg sends it: AP [VPS, SPS, PPS], then the IDR in FUs. */
static void
push_idr5(struct ag_depack *d, uint32_t ts)
{
	uint8_t ap[256];
	const uint8_t *nals[] = { vps5, sps5, pps5 };
	const size_t lens[] = { sizeof vps5, sizeof sps5, sizeof pps5 };

	PUSH(d, ap, ap5(ap, nals, lens, 3), ts, false, false);
	fu5(d, idr5, sizeof idr5, ts, 3, 0);
}

static void
expect_au5(const struct ag_frame *f, const uint8_t *const *nals, const size_t *lens, int n)
{
	struct out o = { .n = 0 };

	for (int i = 0; i < n; i++)
		out_nal(&o, nals[i], lens[i]);
	cr_assert_eq(f->len, o.n, "%zu bytes, want %zu", f->len, o.n);
	cr_assert_arr_eq(f->data, o.b, o.n);
}

Test(h265, ap_and_fu)
{
	struct ag_depack *d = ag_depack_new(AG_CODEC_H265);
	struct ag_frame f;
	const uint8_t *v, *s, *p;
	size_t vl, sl, pl;

	cr_assert_not_null(d);
	cr_assert(ag_depack_need_keyframe(d) == false);
	push_idr5(d, 1000);
	cr_assert_eq(ag_depack_pop(d, &f), 1);
	cr_assert_eq(f.codec, AG_CODEC_H265);
	cr_assert(f.keyframe);
	cr_assert_eq(f.ts, 1000);
	cr_assert_eq(f.width, 320);
	cr_assert_eq(f.height, 240);
	expect_au5(&f, (const uint8_t *const[]){ vps5, sps5, pps5, idr5 },
	    (const size_t[]){ sizeof vps5, sizeof sps5, sizeof pps5, sizeof idr5 }, 4);
	cr_assert_eq(ag_depack_pop(d, &f), 0);
	cr_assert_eq(ag_depack_h265_params(d, &v, &vl, &s, &sl, &p, &pl), 0);
	cr_assert_eq(vl, sizeof vps5);
	cr_assert_arr_eq(s, sps5, sl);
	cr_assert_eq(pl, sizeof pps5);
	cr_assert_lt(ag_depack_h264_params(d, &s, &sl, &p, &pl), 0, "not H.264");
	/* a P frame as a single NAL unit packet */
	PUSH(d, trail5, sizeof trail5, 4000, true, false);
	cr_assert_eq(ag_depack_pop(d, &f), 1);
	cr_assert(!f.keyframe && !f.after_loss);
	expect_au5(&f, (const uint8_t *const[]){ trail5 }, (const size_t[]){ sizeof trail5 }, 1);
	ag_depack_free(d);
}

Test(h265, single_nal_packets_and_params_added)
{
	struct ag_depack *d = ag_depack_new(AG_CODEC_H265);
	struct ag_frame f;

	/* before any key frame: dropped, and a key frame is wanted */
	PUSH(d, trail5, sizeof trail5, 0, true, false);
	cr_assert_eq(ag_depack_pop(d, &f), 0);
	cr_assert(ag_depack_need_keyframe(d));
	PUSH(d, vps5, sizeof vps5, 3000, false, false);
	PUSH(d, sps5, sizeof sps5, 3000, false, false);
	PUSH(d, pps5, sizeof pps5, 3000, false, false);
	PUSH(d, idr5, sizeof idr5, 3000, true, false);
	cr_assert_eq(ag_depack_pop(d, &f), 1);
	cr_assert(f.keyframe);
	cr_assert(!ag_depack_need_keyframe(d));
	/* a CRA without its parameter sets gets the latest ones */
	PUSH(d, cra5, sizeof cra5, 6000, true, false);
	cr_assert_eq(ag_depack_pop(d, &f), 1);
	cr_assert(f.keyframe, "a CRA is a key frame");
	expect_au5(&f, (const uint8_t *const[]){ vps5, sps5, pps5, cra5 },
	    (const size_t[]){ sizeof vps5, sizeof sps5, sizeof pps5, sizeof cra5 }, 4);
	ag_depack_free(d);
}

Test(h265, key_frame_without_vps_dropped)
{
	struct ag_depack *d = ag_depack_new(AG_CODEC_H265);
	struct ag_frame f;

	PUSH(d, sps5, sizeof sps5, 0, false, false);
	PUSH(d, pps5, sizeof pps5, 0, false, false);
	PUSH(d, idr5, sizeof idr5, 0, true, false);
	cr_assert_eq(ag_depack_pop(d, &f), 0, "no VPS: not decodable");
	cr_assert(ag_depack_need_keyframe(d));
	ag_depack_free(d);
}

Test(h265, loss_inside_an_fu)
{
	struct ag_depack *d = ag_depack_new(AG_CODEC_H265);
	struct ag_depack_stats st;
	struct ag_frame f;

	push_idr5(d, 0);
	cr_assert_eq(count_frames(d), 1);
	/* the middle piece of the next key frame is lost: dropped */
	PUSH(d, vps5, sizeof vps5, 6000, false, false);
	fu5(d, idr5, sizeof idr5, 6000, 3, 2);
	cr_assert_eq(ag_depack_pop(d, &f), 0);
	cr_assert(ag_depack_need_keyframe(d));
	/* a P frame that follows is dropped too (without concealment) */
	PUSH(d, trail5, sizeof trail5, 12000, true, false);
	cr_assert_eq(ag_depack_pop(d, &f), 0);
	/* and the next key frame recovers, marked after a loss */
	push_idr5(d, 18000);
	cr_assert_eq(ag_depack_pop(d, &f), 1);
	cr_assert(f.keyframe && f.after_loss);
	ag_depack_stats(d, &st);
	cr_assert_eq(st.dropped, 2);
	ag_depack_free(d);
}

Test(h265, reordered_fu_pieces)
{
	struct ag_depack *d = ag_depack_new(AG_CODEC_H265);
	uint8_t end[16], start[16];
	struct ag_frame f;

	push_idr5(d, 0);
	cr_assert_eq(count_frames(d), 1);
	/* an FU's end before its start (no jitter buffer in front): the NAL is dropped */
	end[0] = start[0] = 49 << 1;
	end[1] = start[1] = 0x01;
	end[2] = 0x40 | 1;
	start[2] = 0x80 | 1;
	memcpy(end + 3, trail5 + 6, 3);
	memcpy(start + 3, trail5 + 2, 4);
	PUSH(d, end, 6, 6000, false, false);
	PUSH(d, start, 7, 6000, true, false);
	cr_assert_eq(ag_depack_pop(d, &f), 0);
	cr_assert(ag_depack_need_keyframe(d));
	ag_depack_free(d);
}

Test(h265, concealment_keeps_later_frames)
{
	struct ag_depack *d = ag_depack_new(AG_CODEC_H265);
	struct ag_frame f;

	ag_depack_set_conceal(d, true);
	push_idr5(d, 0);
	cr_assert_eq(count_frames(d), 1);
	PUSH(d, trail5, sizeof trail5, 12000, true, true);  /* the frame at 6000 was lost */
	cr_assert_eq(ag_depack_pop(d, &f), 1, "a whole frame that starts its picture");
	cr_assert(f.after_loss && !f.keyframe);
	ag_depack_free(d);
}

Test(h265, bad_packets)
{
	struct ag_depack *d = ag_depack_new(AG_CODEC_H265);
	struct ag_error err = { 0 };
	struct ag_depack_stats st;
	struct ag_frame f;
	const uint8_t one[] = { 0x02 };
	const uint8_t forbidden[] = { 0x82, 0x01, 0xd0 };
	const uint8_t paci[] = { 50 << 1, 0x01, 0x00, 0x00 };
	const uint8_t ap_over[] = { 48 << 1, 0x01, 0x00, 0x10, 0x02, 0x01 };
	const uint8_t ap_odd[] = { 48 << 1, 0x01, 0x00, 0x03, 0x02, 0x01, 0xd0, 0x00 };
	const uint8_t ap_in_ap[] = { 48 << 1, 0x01, 0x00, 0x02, 48 << 1, 0x01 };
	const uint8_t ap_short_nal[] = { 48 << 1, 0x01, 0x00, 0x01, 0x02 };
	const uint8_t fu_short[] = { 49 << 1, 0x01 };
	const uint8_t fu_of_fu[] = { 49 << 1, 0x01, 0x80 | 49, 0x00 };
	const uint8_t ignored[] = { 55 << 1, 0x01, 0x00 };

	push_idr5(d, 0);
	cr_assert_eq(count_frames(d), 1);
	cr_assert_eq(push(d, one, sizeof one, 10, true, false, &err), -1);
	cr_assert_eq(err.code, AG_EX_DATAERR);
	cr_assert_eq(push(d, forbidden, sizeof forbidden, 20, true, false, &err), -1);
	cr_assert(strstr(err.msg, "forbidden") != NULL, "%s", err.msg);
	cr_assert_eq(push(d, paci, sizeof paci, 30, true, false, &err), -1);
	cr_assert(strstr(err.msg, "PACI") != NULL, "%s", err.msg);
	cr_assert_eq(push(d, ap_over, sizeof ap_over, 40, true, false, &err), -1);
	cr_assert(strstr(err.msg, "h265: AP NAL of 16 bytes overruns") != NULL, "%s", err.msg);
	cr_assert_eq(push(d, ap_odd, sizeof ap_odd, 50, true, false, &err), -1);
	cr_assert(strstr(err.msg, "trailing") != NULL, "%s", err.msg);
	cr_assert_eq(push(d, ap_in_ap, sizeof ap_in_ap, 60, true, false, &err), -1);
	cr_assert(strstr(err.msg, "aggregate") != NULL, "%s", err.msg);
	cr_assert_eq(push(d, ap_short_nal, sizeof ap_short_nal, 70, true, false, &err), -1);
	cr_assert_eq(push(d, fu_short, sizeof fu_short, 80, true, false, &err), -1);
	cr_assert_eq(push(d, fu_of_fu, sizeof fu_of_fu, 90, true, false, &err), -1);
	cr_assert(strstr(err.msg, "inside an FU") != NULL, "%s", err.msg);
	cr_assert_eq(ag_depack_pop(d, &f), 0);
	/* types 51..63 are ignored */
	cr_assert_eq(push(d, ignored, sizeof ignored, 100, true, false, &err), 0);
	ag_depack_stats(d, &st);
	cr_assert_eq(st.bad_packets, 9);
	cr_assert(ag_depack_need_keyframe(d));
	push_idr5(d, 200);
	cr_assert_eq(count_frames(d), 1);
	ag_depack_free(d);
}

Test(h265, params_from_the_sdp)
{
	struct ag_depack *d = ag_depack_new(AG_CODEC_H265);
	uint8_t ps[256];
	size_t n = 0;
	struct ag_frame f;
	const uint8_t *nals[] = { vps5, sps5, pps5, trail5 };
	const size_t lens[] = { sizeof vps5, sizeof sps5, sizeof pps5, sizeof trail5 };

	for (int i = 0; i < 4; i++) {
		memcpy(ps + n, "\0\0\0\1", 4);
		memcpy(ps + n + 4, nals[i], lens[i]);
		n += 4 + lens[i];
	}
	cr_assert_eq(ag_depack_set_params(d, ps, n), 3, "the slice is not a parameter set");
	/* a key frame without parameter sets: the SDP's go in front */
	PUSH(d, idr5, sizeof idr5, 0, true, false);
	cr_assert_eq(ag_depack_pop(d, &f), 1);
	cr_assert(f.keyframe);
	cr_assert_eq(f.width, 320);
	expect_au5(&f, (const uint8_t *const[]){ vps5, sps5, pps5, idr5 },
	    (const size_t[]){ sizeof vps5, sizeof sps5, sizeof pps5, sizeof idr5 }, 4);
	/* and after a reset too */
	ag_depack_reset(d);
	PUSH(d, idr5, sizeof idr5, 3000, true, false);
	cr_assert_eq(ag_depack_pop(d, &f), 1);
	cr_assert_eq(f.len, 16 + sizeof vps5 + sizeof sps5 + sizeof pps5 + sizeof idr5);
	ag_depack_free(d);
	/* an audio depacketizer takes none */
	d = ag_depack_new(AG_CODEC_OPUS);
	cr_assert_eq(ag_depack_set_params(d, ps, n), 0);
	ag_depack_free(d);
}
