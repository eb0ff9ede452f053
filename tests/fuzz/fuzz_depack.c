/*
 * fuzz_depack.c - the RTP depacketizers (depack.h) and the H.264 helpers
 * they feed (SPS parser, avcC, Annex-B to length-prefixed samples).
 *
 * Input layout:
 *   byte 0     bits 0-2: codec, (value % 6) as enum ag_codec (H.265 has
 *              its own harness, fuzz_depack_h265.c)
 *              bit 3: packets are whole RTP datagrams (ag_rtp_parse);
 *                     otherwise they are payloads under a header built here
 *              bit 4: concealment mode (ag_depack_set_conceal)
 *              bit 5: free the depacketizer with its frames still queued
 *   then records: ctrl (1 byte), length (2 bytes, big-endian), bytes
 *   (cut at the end of the input).  ctrl:
 *              bit 0: lost_before
 *              bit 1: marker bit          } built headers only
 *              bit 2: next RTP timestamp  }
 *              bit 3: ag_depack_flush() after the push
 *              bit 4: ag_depack_reset() before the push
 *              bit 5: no ag_depack_pop() after the push (frames queue up)
 *              bit 6: with bit 5, one ag_depack_pop() only
 *
 * Properties checked: frames are never empty nor larger than
 * AG_DEPACK_MAX_FRAME, carry the depacketizer's codec, audio frames are
 * key frames without a size and audio never asks for a key frame, and
 * an Annex-B access unit always fits AG_H264_AVCC_SAMPLE_MAX() and its
 * length-prefixed sample turns back into as many bytes of Annex-B.
 */
#include <stdlib.h>
#include <string.h>

#include "depack.h"
#include "fuzz.h"

static void
check_h264_params(struct ag_depack *d)
{
	const uint8_t *sps, *pps;
	size_t sps_len, pps_len, size;
	struct ag_h264_sps s;
	struct ag_error err;
	uint8_t *out;
	int n;

	if (ag_depack_h264_params(d, &sps, &sps_len, &pps, &pps_len) < 0)
		return;
	FUZZ_ASSERT(sps != NULL && sps_len > 0 && pps != NULL && pps_len > 0);
	(void)ag_h264_sps_parse(sps, sps_len, &s, &err);
	size = sps_len + pps_len + 64;
	if ((out = malloc(size)) == NULL)
		abort();
	n = ag_h264_avcc(sps, sps_len, pps, pps_len, out, size);
	FUZZ_ASSERT(n <= (int)size);
	/* Too small a buffer is refused, never overrun. */
	if (n > 0)
		FUZZ_ASSERT(ag_h264_avcc(sps, sps_len, pps, pps_len, out, (size_t)n - 1) < 0);
	free(out);
}

static void
check_frame(enum ag_codec codec, const struct ag_frame *f)
{
	uint8_t *copy;
	size_t size;
	long n;

	FUZZ_ASSERT(f->codec == codec && f->data != NULL);
	FUZZ_ASSERT(f->len > 0 && f->len <= AG_DEPACK_MAX_FRAME);
	if (!ag_codec_is_video(codec))
		FUZZ_ASSERT(f->keyframe && f->width == 0 && f->height == 0);
	if (codec != AG_CODEC_H264) {
		/* Read every byte, so that ASan checks the borrowed buffer. */
		if ((copy = malloc(f->len)) == NULL)
			abort();
		memcpy(copy, f->data, f->len);
		free(copy);
		return;
	}
	size = AG_H264_AVCC_SAMPLE_MAX(f->len);
	if ((copy = malloc(size)) == NULL)
		abort();
	n = ag_h264_annexb_to_avcc_sample(f->data, f->len, AG_H264_KEEP_AUD, copy, size);
	FUZZ_ASSERT(n >= 0 && (size_t)n <= size);
	if (n > 0) {
		/* and back: a depacketized AU has only 4-byte start codes */
		size_t bsize = AG_H264_ANNEXB_MAX((size_t)n);
		uint8_t *back = malloc(bsize);
		long m;

		if (back == NULL)
			abort();
		m = ag_h264_sample_to_annexb(copy, (size_t)n, 4, back, bsize, NULL);
		FUZZ_ASSERT(m == n);
		free(back);
	}
	free(copy);
}

/* Pop up to max frames (0: all). */
static void
drain(struct ag_depack *d, enum ag_codec codec, uint64_t *popped, uint64_t max)
{
	struct ag_frame f;
	uint64_t n = 0;

	while ((max == 0 || n < max) && ag_depack_pop(d, &f) == 1) {
		check_frame(codec, &f);
		(*popped)++;
		n++;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ag_depack *d;
	struct ag_depack_stats st;
	struct ag_error err;
	struct ag_rtp pkt;
	enum ag_codec codec;
	uint8_t *buf;
	size_t pos, len;
	uint64_t popped = 0;
	uint32_t ts = 0xfffff000u;  /* wraps early */
	uint16_t seq = 65530;
	bool raw, video;

	FUZZ_ASSERT(ag_depack_new((enum ag_codec)7) == NULL);
	ag_depack_free(NULL);
	if (size < 1)
		return 0;
	codec = (enum ag_codec)((data[0] & 7) % 6);
	raw = (data[0] & 0x08) != 0;
	video = ag_codec_is_video(codec);
	if ((d = ag_depack_new(codec)) == NULL)
		abort();
	ag_depack_set_conceal(d, (data[0] & 0x10) != 0);
	if ((buf = malloc(12 + 65535)) == NULL)
		abort();

	for (pos = 1; pos + 3 <= size; pos += 3 + len) {
		uint8_t ctrl = data[pos];

		len = (size_t)data[pos + 1] << 8 | data[pos + 2];
		if (len > size - pos - 3)
			len = size - pos - 3;
		if (ctrl & 0x10)
			ag_depack_reset(d);
		if (raw) {
			memcpy(buf, data + pos + 3, len);
			if (ag_rtp_parse(buf, len, &pkt, &err) < 0)
				continue;
		} else {
			if (ctrl & 0x04)
				ts += video ? 3000 : 960;
			buf[0] = 0x80;
			buf[1] = (uint8_t)((ctrl & 0x02 ? 0x80 : 0) | 96);
			buf[2] = (uint8_t)(seq >> 8);
			buf[3] = (uint8_t)seq;
			buf[4] = (uint8_t)(ts >> 24);
			buf[5] = (uint8_t)(ts >> 16);
			buf[6] = (uint8_t)(ts >> 8);
			buf[7] = (uint8_t)ts;
			memcpy(buf + 8, "\x11\x11\x11\x11", 4);
			memcpy(buf + 12, data + pos + 3, len);
			seq++;
			FUZZ_ASSERT(ag_rtp_parse(buf, 12 + len, &pkt, &err) == 0);
			FUZZ_ASSERT(pkt.payload_len == len);
		}
		if (ag_depack_push(d, &pkt, ctrl & 0x01, &err) < 0)
			FUZZ_ASSERT(err.code != 0 && err.msg[0] != '\0');
		if (ctrl & 0x08)
			ag_depack_flush(d);
		if (!(ctrl & 0x20))
			drain(d, codec, &popped, 0);
		else if (ctrl & 0x40)
			drain(d, codec, &popped, 1);
		if (!video)
			FUZZ_ASSERT(!ag_depack_need_keyframe(d));
		if (codec == AG_CODEC_H264)
			check_h264_params(d);
	}
	ag_depack_flush(d);
	if (!(data[0] & 0x20))
		drain(d, codec, &popped, 0);
	ag_depack_stats(d, &st);
	FUZZ_ASSERT(popped <= st.frames && st.keyframes <= st.frames);
	ag_depack_free(d);
	free(buf);
	return 0;
}
