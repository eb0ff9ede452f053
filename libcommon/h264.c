/*
 * h264.c - H.264 bitstream helpers (see h264.h): the SPS parser, the
 * avcC record, and conversions between Annex-B and length-prefixed
 * samples.
 */
#include <errno.h>
#include <string.h>

#include "be.h"
#include "bits.h"
#include "h264.h"

static const uint8_t start_code[4] = { 0, 0, 0, 1 };

static void
skip_scaling_list(struct ag_bits *b, int size)
{
	int last = 8, next = 8, j;

	for (j = 0; j < size && !b->bad; j++) {
		if (next != 0) {
			int32_t delta = ag_bits_se(b);

			if (delta < -128 || delta > 127) {
				b->bad = true;
				return;
			}
			next = (last + delta + 256) % 256;
		}
		last = next == 0 ? last : next;
	}
}

static bool
high_profile(int profile_idc)
{
	switch (profile_idc) {
	case 100: case 110: case 122: case 244: case 44: case 83: case 86:
	case 118: case 128: case 138: case 139: case 134: case 135:
		return true;
	}
	return false;
}

int
ag_h264_sps_parse(const uint8_t *nal, size_t len, struct ag_h264_sps *out,
    struct ag_error *err)
{
	uint8_t rbsp[AG_H264_MAX_PARAM];
	struct ag_bits b;
	uint32_t v, poc_type, w_mbs, h_units, crop[4];
	int crop_x, crop_y, chroma_type;
	bool separate_planes = false;

	memset(out, 0, sizeof *out);
	if (nal == NULL || len < 4 || (nal[0] & 0x1f) != AG_H264_NAL_SPS)
		return ag_error_set(err, AG_EX_DATAERR, "h264: not an SPS");
	ag_bits_init(&b, rbsp, ag_bits_unescape(nal + 1, len - 1, rbsp, sizeof rbsp));
	out->profile_idc = (int)ag_bits_u(&b, 8);
	out->constraint_flags = (int)ag_bits_u(&b, 8);
	out->level_idc = (int)ag_bits_u(&b, 8);
	if ((v = ag_bits_ue(&b)) > 31)
		goto bad;
	out->sps_id = (int)v;
	out->chroma_format_idc = 1;
	out->bit_depth_luma = out->bit_depth_chroma = 8;
	if (high_profile(out->profile_idc)) {
		if ((v = ag_bits_ue(&b)) > 3)
			goto bad;
		out->chroma_format_idc = (int)v;
		if (v == 3)
			separate_planes = ag_bits_u(&b, 1) != 0;
		if ((v = ag_bits_ue(&b)) > 6)
			goto bad;
		out->bit_depth_luma = 8 + (int)v;
		if ((v = ag_bits_ue(&b)) > 6)
			goto bad;
		out->bit_depth_chroma = 8 + (int)v;
		ag_bits_u(&b, 1);  /* qpprime_y_zero_transform_bypass_flag */
		if (ag_bits_u(&b, 1)) {  /* seq_scaling_matrix_present_flag */
			int i, n = out->chroma_format_idc != 3 ? 8 : 12;

			for (i = 0; i < n && !b.bad; i++)
				if (ag_bits_u(&b, 1))
					skip_scaling_list(&b, i < 6 ? 16 : 64);
		}
	}
	if (ag_bits_ue(&b) > 12)  /* log2_max_frame_num_minus4 */
		goto bad;
	if ((poc_type = ag_bits_ue(&b)) > 2)
		goto bad;
	if (poc_type == 0) {
		if (ag_bits_ue(&b) > 12)  /* log2_max_pic_order_cnt_lsb_minus4 */
			goto bad;
	} else if (poc_type == 1) {
		uint32_t i, n;

		ag_bits_u(&b, 1);  /* delta_pic_order_always_zero_flag */
		ag_bits_se(&b);    /* offset_for_non_ref_pic */
		ag_bits_se(&b);    /* offset_for_top_to_bottom_field */
		if ((n = ag_bits_ue(&b)) > 255)
			goto bad;
		for (i = 0; i < n && !b.bad; i++)
			ag_bits_se(&b);
	}
	ag_bits_ue(&b);    /* max_num_ref_frames */
	ag_bits_u(&b, 1);  /* gaps_in_frame_num_value_allowed_flag */
	w_mbs = ag_bits_ue(&b) + 1;
	h_units = ag_bits_ue(&b) + 1;
	if (b.bad || w_mbs > 1024 || h_units > 1024)
		goto bad;
	out->frame_mbs_only = ag_bits_u(&b, 1) != 0;
	if (!out->frame_mbs_only)
		ag_bits_u(&b, 1);  /* mb_adaptive_frame_field_flag */
	ag_bits_u(&b, 1);  /* direct_8x8_inference_flag */
	memset(crop, 0, sizeof crop);
	if (ag_bits_u(&b, 1)) {
		int i;

		for (i = 0; i < 4; i++)
			if ((crop[i] = ag_bits_ue(&b)) > 8192)
				goto bad;
	}
	if (b.bad)
		goto bad;
	out->width = (int)w_mbs * 16;
	out->height = (int)h_units * 16 * (out->frame_mbs_only ? 1 : 2);
	chroma_type = separate_planes ? 0 : out->chroma_format_idc;
	if (chroma_type == 0) {
		crop_x = 1;
		crop_y = out->frame_mbs_only ? 1 : 2;
	} else {
		crop_x = chroma_type == 3 ? 1 : 2;
		crop_y = (chroma_type == 1 ? 2 : 1) * (out->frame_mbs_only ? 1 : 2);
	}
	if ((long)(crop[0] + crop[1]) * crop_x >= out->width
	    || (long)(crop[2] + crop[3]) * crop_y >= out->height)
		goto bad;
	out->width -= (int)(crop[0] + crop[1]) * crop_x;
	out->height -= (int)(crop[2] + crop[3]) * crop_y;
	return 0;
bad:
	return ag_error_set(err, AG_EX_DATAERR, "h264: SPS truncated or out of range");
}

long
ag_h264_first_mb(const uint8_t *nal, size_t len)
{
	uint8_t rbsp[8];
	struct ag_bits b;
	uint32_t v;

	if (len < 2)
		return -1;
	ag_bits_init(&b, rbsp, ag_bits_unescape(nal + 1, len - 1, rbsp, sizeof rbsp));
	v = ag_bits_ue(&b);
	return b.bad ? -1 : (long)v;
}

/* ---- avcC ---- */

int
ag_h264_avcc(const uint8_t *sps, size_t sps_len, const uint8_t *pps, size_t pps_len,
    uint8_t *out, size_t size)
{
	struct ag_h264_sps info;
	bool ext;
	size_t need, pos = 0;

	if (sps == NULL || pps == NULL || pps_len == 0 || sps_len > 0xffff || pps_len > 0xffff
	    || ag_h264_sps_parse(sps, sps_len, &info, NULL) < 0)
		return -1;
	ext = info.profile_idc == 100 || info.profile_idc == 110 || info.profile_idc == 122
	    || info.profile_idc == 144;
	need = 6 + 2 + sps_len + 1 + 2 + pps_len + (ext ? 4 : 0);
	if (out == NULL || size < need)
		return -1;
	out[pos++] = 1;           /* configurationVersion */
	out[pos++] = sps[1];      /* AVCProfileIndication */
	out[pos++] = sps[2];      /* profile_compatibility */
	out[pos++] = sps[3];      /* AVCLevelIndication */
	out[pos++] = 0xfc | 3;    /* lengthSizeMinusOne: 4-byte lengths */
	out[pos++] = 0xe0 | 1;    /* one SPS */
	ag_wr16(out + pos, (uint16_t)sps_len);
	memcpy(out + pos + 2, sps, sps_len);
	pos += 2 + sps_len;
	out[pos++] = 1;           /* one PPS */
	ag_wr16(out + pos, (uint16_t)pps_len);
	memcpy(out + pos + 2, pps, pps_len);
	pos += 2 + pps_len;
	if (ext) {
		out[pos++] = (uint8_t)(0xfc | info.chroma_format_idc);
		out[pos++] = (uint8_t)(0xf8 | (info.bit_depth_luma - 8));
		out[pos++] = (uint8_t)(0xf8 | (info.bit_depth_chroma - 8));
		out[pos++] = 0;       /* no SPS extensions */
	}
	return (int)pos;
}

int
ag_h264_avcc_params_to_annexb(const uint8_t *avcc, size_t len, struct ag_buf *out)
{
	size_t pos = 5;
	int list, k, count;

	if (avcc == NULL || len < 7)
		return 0;
	for (list = 0; list < 2; list++) {
		if (pos >= len)
			return 0;
		count = list == 0 ? avcc[pos] & 0x1f : avcc[pos];
		pos++;
		for (k = 0; k < count; k++) {
			size_t nl;

			if (pos + 2 > len)
				return 0;
			nl = ag_rd16(avcc + pos);
			pos += 2;
			if (pos + nl > len)
				return 0;
			if (ag_buf_append(out, start_code, 4) < 0
			    || ag_buf_append(out, avcc + pos, nl) < 0)
				return -1;
			pos += nl;
		}
	}
	return 0;
}

/* ---- Annex-B ---- */

/* Offset of the next start code at or after pos (its first 00 00 01 byte), or len. */
static size_t
next_start(const uint8_t *p, size_t len, size_t pos)
{
	for (; pos + 3 <= len; pos++)
		if (p[pos] == 0 && p[pos + 1] == 0 && p[pos + 2] == 1)
			return pos;
	return len;
}

int
ag_h264_nal_next(const uint8_t *au, size_t len, size_t *pos, const uint8_t **nal,
    size_t *nal_len)
{
	size_t p = *pos;

	if (au == NULL)
		return 0;
	if (p == 0)
		p = next_start(au, len, 0);
	while (p < len) {
		size_t start = p + 3, next, end;

		next = start > len ? len : next_start(au, len, start);
		end = next;
		while (end > start && au[end - 1] == 0)  /* trailing_zero_8bits, 4-byte codes */
			end--;
		p = next;
		if (end > start) {
			*pos = p;
			*nal = au + start;
			*nal_len = end - start;
			return 1;
		}
	}
	*pos = len;
	return 0;
}

bool
ag_h264_has_nal(const uint8_t *au, size_t len, int type)
{
	const uint8_t *nal;
	size_t pos = 0, n;

	while (ag_h264_nal_next(au, len, &pos, &nal, &n))
		if ((nal[0] & 0x1f) == type)
			return true;
	return false;
}

bool
ag_h264_is_annexb(const uint8_t *p, size_t n)
{
	return (n >= 3 && p[0] == 0 && p[1] == 0 && p[2] == 1) ||
	    (n >= 4 && p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] == 1);
}

int
ag_h264_find_params(const uint8_t *au, size_t len, const uint8_t **sps, size_t *sps_len,
    const uint8_t **pps, size_t *pps_len)
{
	const uint8_t *nal;
	size_t pos = 0, n;

	*sps = *pps = NULL;
	while (ag_h264_nal_next(au, len, &pos, &nal, &n)) {
		int type = nal[0] & 0x1f;

		if (type == AG_H264_NAL_SPS && *sps == NULL) {
			*sps = nal;
			*sps_len = n;
		} else if (type == AG_H264_NAL_PPS && *pps == NULL) {
			*pps = nal;
			*pps_len = n;
		}
	}
	return *sps != NULL && *pps != NULL ? 0 : -1;
}

long
ag_annexb_to_sample(const uint8_t *au, size_t len,
    bool (*drop)(const uint8_t *nal, size_t n, void *arg), void *arg, uint8_t *out,
    size_t size)
{
	const uint8_t *nal;
	size_t pos = 0, n, w = 0;

	if (au == NULL || out == NULL)
		return -1;
	while (ag_h264_nal_next(au, len, &pos, &nal, &n)) {
		if (drop != NULL && drop(nal, n, arg))
			continue;
		if (n > 0xffffffffu || size - w < 4 || size - w - 4 < n)
			return -1;
		ag_wr32(out + w, (uint32_t)n);
		memcpy(out + w + 4, nal, n);
		w += 4 + n;
	}
	return (long)w;
}

/* ag_annexb_to_sample's drop for H.264: an AUD unless *(unsigned *)flags
 * keeps them. */
static bool
drop_aud(const uint8_t *nal, size_t n, void *flags)
{
	return n > 0 && (nal[0] & 0x1f) == AG_H264_NAL_AUD &&
	    !(*(const unsigned *)flags & AG_H264_KEEP_AUD);
}

long
ag_h264_annexb_to_avcc_sample(const uint8_t *au, size_t len, unsigned flags, uint8_t *out,
    size_t size)
{
	return ag_annexb_to_sample(au, len, drop_aud, &flags, out, size);
}

/* ---- length-prefixed ---- */

long
ag_h264_sample_to_annexb(const uint8_t *p, size_t n, int nls, uint8_t *out, size_t size,
    uint32_t *types)
{
	size_t i = 0, w = 0;

	if (p == NULL || out == NULL || nls < 1 || nls > 4)
		return -1;
	if (ag_h264_is_annexb(p, n)) {
		const uint8_t *nal;
		size_t pos = 0, len;

		if (size < n)
			return -1;
		memcpy(out, p, n);
		while (types != NULL && ag_h264_nal_next(p, n, &pos, &nal, &len))
			*types |= 1u << (nal[0] & 0x1f);
		return (long)n;
	}
	while (i < n) {
		size_t l;

		if ((size_t)nls > n - i)
			return -1;
		l = (size_t)ag_rdn(p + i, nls);
		i += (size_t)nls;
		if (l == 0 || l > n - i || size - w < 4 || size - w - 4 < l)
			return -1;
		if (types != NULL)
			*types |= 1u << (p[i] & 0x1f);
		memcpy(out + w, start_code, 4);
		memcpy(out + w + 4, p + i, l);
		w += 4 + l;
		i += l;
	}
	return (long)w;
}
