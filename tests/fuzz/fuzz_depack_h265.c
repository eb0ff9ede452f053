/*
 * fuzz_depack_h265.c - the H.265 depacketizer (depack.h, RFC 7798:
 * single NAL unit packets, APs, FUs) and the H.265 helpers it feeds
 * (SPS parser, hvcC, Annex-B to length-prefixed samples).  The layout is
 * fuzz_depack.c's, with the codec fixed:
 *
 *   byte 0     bit 3: packets are whole RTP datagrams (ag_rtp_parse);
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
 * AG_DEPACK_MAX_FRAME, are H.265, begin with a start code; a key frame
 * holds an IRAP slice and its VPS, SPS and PPS (unless a NAL unit holds
 * bytes no encoder writes, 00 00 00..02, that an Annex-B reader takes for
 * a start code: the depacketizer copies NAL units, it does not check
 * them); the sample of an access
 * unit fits AG_H264_AVCC_SAMPLE_MAX() and turns back into as many bytes
 * of Annex-B; the latest parameter sets make an hvcC that
 * ag_h265_hvcc_ok() accepts and that gives them back, and too small a
 * buffer is refused, never overrun.
 */
#include <stdlib.h>
#include <string.h>

#include "depack.h"
#include "fuzz.h"

static void
check_params(struct ag_depack *d)
{
	const uint8_t *vps, *sps, *pps;
	size_t vl, sl, pl;
	struct ag_h265_sps s;
	struct ag_buf b = { 0 };
	uint8_t rec[AG_H265_HVCC_MAX];
	int n;

	if (ag_depack_h265_params(d, &vps, &vl, &sps, &sl, &pps, &pl) < 0)
		return;
	FUZZ_ASSERT(vl > 0 && sl > 0 && pl > 0);
	FUZZ_ASSERT(vl <= AG_H265_MAX_PARAM && sl <= AG_H265_MAX_PARAM && pl <= AG_H265_MAX_PARAM);
	(void)ag_h265_sps_parse(sps, sl, &s, NULL);
	n = ag_h265_hvcc(vps, vl, sps, sl, pps, pl, rec, sizeof rec);
	if (n <= 0)
		return;
	FUZZ_ASSERT(n == (int)(23 + 15 + vl + sl + pl));
	FUZZ_ASSERT(ag_h265_hvcc_ok(rec, (size_t)n));
	FUZZ_ASSERT(ag_h265_hvcc(vps, vl, sps, sl, pps, pl, rec, (size_t)n - 1) < 0);
	if (ag_h265_hvcc_params_to_annexb(rec, (size_t)n, &b) < 0)
		abort();
	FUZZ_ASSERT(b.len == 12 + vl + sl + pl);
	FUZZ_ASSERT(memcmp(b.p + 4, vps, vl) == 0);
	ag_buf_free(&b);
}

/* Does the AU p[0..n) hold 00 00 0x (x <= 2) other than its own 00 00 00 01 start codes? */
static bool
emulation(const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i + 3 <= n) {
		if (i + 4 <= n && p[i] == 0 && p[i + 1] == 0 && p[i + 2] == 0 && p[i + 3] == 1) {
			i += 4;
			continue;
		}
		if (p[i] == 0 && p[i + 1] == 0 && p[i + 2] <= 2)
			return true;
		i++;
	}
	return false;
}

static void
check_frame(const struct ag_frame *f)
{
	size_t size = AG_H264_AVCC_SAMPLE_MAX(f->len);
	uint8_t *copy;
	long n;

	FUZZ_ASSERT(f->codec == AG_CODEC_H265 && f->data != NULL);
	FUZZ_ASSERT(f->len > 4 && f->len <= AG_DEPACK_MAX_FRAME);
	FUZZ_ASSERT(ag_h264_is_annexb(f->data, f->len));
	if (f->keyframe && !emulation(f->data, f->len)) {
		const uint8_t *v, *s, *p;
		size_t vl, sl, pl;

		FUZZ_ASSERT(ag_h265_has_irap(f->data, f->len));
		FUZZ_ASSERT(ag_h265_find_params(f->data, f->len, &v, &vl, &s, &sl, &p, &pl) == 0);
	}
	if ((copy = malloc(size)) == NULL)
		abort();
	n = ag_h265_annexb_to_sample(f->data, f->len, copy, size);
	FUZZ_ASSERT(n >= 0 && (size_t)n <= size);
	if (n > 0) {
		size_t bsize = AG_H264_ANNEXB_MAX((size_t)n);
		uint8_t *back = malloc(bsize);

		if (back == NULL)
			abort();
		FUZZ_ASSERT(ag_h264_sample_to_annexb(copy, (size_t)n, 4, back, bsize, NULL) == n);
		free(back);
	}
	free(copy);
}

/* Pop up to max frames (0: all). */
static void
drain(struct ag_depack *d, uint64_t *popped, uint64_t max)
{
	struct ag_frame f;
	uint64_t n = 0;

	while ((max == 0 || n < max) && ag_depack_pop(d, &f) == 1) {
		check_frame(&f);
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
	uint8_t *buf;
	size_t pos, len;
	uint64_t popped = 0;
	uint32_t ts = 0xfffff000u;  /* wraps early */
	uint16_t seq = 65530;
	bool raw;

	if (size < 1)
		return 0;
	raw = (data[0] & 0x08) != 0;
	if ((d = ag_depack_new(AG_CODEC_H265)) == NULL)
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
				ts += 3000;
			buf[0] = 0x80;
			buf[1] = (uint8_t)((ctrl & 0x02 ? 0x80 : 0) | 98);
			buf[2] = (uint8_t)(seq >> 8);
			buf[3] = (uint8_t)seq;
			buf[4] = (uint8_t)(ts >> 24);
			buf[5] = (uint8_t)(ts >> 16);
			buf[6] = (uint8_t)(ts >> 8);
			buf[7] = (uint8_t)ts;
			memcpy(buf + 8, "\x22\x22\x22\x22", 4);
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
			drain(d, &popped, 0);
		else if (ctrl & 0x40)
			drain(d, &popped, 1);
		check_params(d);
	}
	ag_depack_flush(d);
	if (!(data[0] & 0x20))
		drain(d, &popped, 0);
	ag_depack_stats(d, &st);
	FUZZ_ASSERT(popped <= st.frames && st.keyframes <= st.frames);
	ag_depack_free(d);
	free(buf);
	return 0;
}
