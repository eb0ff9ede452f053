/*
 * h265.c - H.265 bitstream helpers (see h265.h): the SPS parser, the
 * hvcC record, and Annex-B helpers.
 */
#include <errno.h>
#include <string.h>

#include "be.h"
#include "bits.h"
#include "h264.h"
#include "h265.h"

static const uint8_t start_code[4] = { 0, 0, 0, 1 };

bool
ag_h265_is_irap(int type)
{
	return type >= AG_H265_NAL_BLA_W_LP && type <= AG_H265_NAL_IRAP_MAX;
}

/* profile_tier_level(1, max_sub_layers_minus1) (H.265 7.3.3): the general part into out. */
static void
read_ptl(struct ag_bits *b, int max_sub_layers_minus1, struct ag_h265_sps *out)
{
	bool prof[8], level[8];
	int i;

	out->profile_space = (int)ag_bits_u(b, 2);
	out->tier = (int)ag_bits_u(b, 1);
	out->profile_idc = (int)ag_bits_u(b, 5);
	out->compat_flags = ag_bits_u(b, 32);
	out->constraint_flags = (uint64_t)ag_bits_u(b, 16) << 32;
	out->constraint_flags |= ag_bits_u(b, 32);
	out->level_idc = (int)ag_bits_u(b, 8);
	for (i = 0; i < max_sub_layers_minus1; i++) {
		prof[i] = ag_bits_u(b, 1) != 0;
		level[i] = ag_bits_u(b, 1) != 0;
	}
	if (max_sub_layers_minus1 > 0)
		ag_bits_skip(b, 2 * (size_t)(8 - max_sub_layers_minus1));  /* reserved_zero_2bits */
	for (i = 0; i < max_sub_layers_minus1; i++) {
		if (prof[i])
			ag_bits_skip(b, 88);  /* sub-layer profile space .. constraint flags */
		if (level[i])
			ag_bits_skip(b, 8);   /* sub_layer_level_idc */
	}
}

int
ag_h265_sps_parse(const uint8_t *nal, size_t len, struct ag_h265_sps *out,
    struct ag_error *err)
{
	uint8_t rbsp[AG_H265_MAX_PARAM];
	struct ag_bits b;
	uint32_t v, w, h, win[4];
	int sub_w, sub_h, i;
	bool separate_planes = false;

	memset(out, 0, sizeof *out);
	if (nal == NULL || len < 4 || AG_H265_NAL_TYPE(nal) != AG_H265_NAL_SPS)
		return ag_error_set(err, AG_EX_DATAERR, "h265: not an SPS");
	ag_bits_init(&b, rbsp, ag_bits_unescape(nal + 2, len - 2, rbsp, sizeof rbsp));
	out->vps_id = (int)ag_bits_u(&b, 4);
	out->max_sub_layers = (int)ag_bits_u(&b, 3) + 1;
	out->temporal_id_nesting = ag_bits_u(&b, 1) != 0;
	if (out->max_sub_layers > 7)
		goto bad;
	read_ptl(&b, out->max_sub_layers - 1, out);
	if ((v = ag_bits_ue(&b)) > 15)
		goto bad;
	out->sps_id = (int)v;
	if ((v = ag_bits_ue(&b)) > 3)
		goto bad;
	out->chroma_format_idc = (int)v;
	if (v == 3)
		separate_planes = ag_bits_u(&b, 1) != 0;
	w = ag_bits_ue(&b);
	h = ag_bits_ue(&b);
	if (b.bad || w == 0 || h == 0 || w > 16888 || h > 16888)
		goto bad;
	memset(win, 0, sizeof win);
	if (ag_bits_u(&b, 1)) {  /* conformance_window_flag */
		for (i = 0; i < 4; i++)
			if ((win[i] = ag_bits_ue(&b)) > 16888)
				goto bad;
	}
	if ((v = ag_bits_ue(&b)) > 8)
		goto bad;
	out->bit_depth_luma = 8 + (int)v;
	if ((v = ag_bits_ue(&b)) > 8)
		goto bad;
	out->bit_depth_chroma = 8 + (int)v;
	if (b.bad)
		goto bad;
	/* SubWidthC, SubHeightC (H.265 table 6-1) */
	sub_w = !separate_planes && (out->chroma_format_idc == 1 || out->chroma_format_idc == 2)
	    ? 2 : 1;
	sub_h = !separate_planes && out->chroma_format_idc == 1 ? 2 : 1;
	if ((long)(win[0] + win[1]) * sub_w >= (long)w
	    || (long)(win[2] + win[3]) * sub_h >= (long)h)
		goto bad;
	out->width = (int)w - (int)(win[0] + win[1]) * sub_w;
	out->height = (int)h - (int)(win[2] + win[3]) * sub_h;
	return 0;
bad:
	memset(out, 0, sizeof *out);
	return ag_error_set(err, AG_EX_DATAERR, "h265: SPS truncated or out of range");
}

int
ag_h265_first_slice(const uint8_t *nal, size_t len)
{
	if (nal == NULL || len < 3)
		return -1;
	return nal[2] >> 7;
}

/* ---- hvcC ---- */

/* One array of the record: complete, type, one NAL unit. */
static void
put_array(uint8_t *out, size_t *pos, int type, const uint8_t *nal, size_t len)
{
	out[(*pos)++] = (uint8_t)(0x80 | type);  /* array_completeness 1 */
	ag_wr16(out + *pos, 1);
	ag_wr16(out + *pos + 2, (uint16_t)len);
	memcpy(out + *pos + 4, nal, len);
	*pos += 4 + len;
}

int
ag_h265_hvcc(const uint8_t *vps, size_t vps_len, const uint8_t *sps, size_t sps_len,
    const uint8_t *pps, size_t pps_len, uint8_t *out, size_t size)
{
	struct ag_h265_sps info;
	size_t need, pos = 0;
	int i;

	if (vps == NULL || sps == NULL || pps == NULL || vps_len < 2 || pps_len < 2
	    || vps_len > 0xffff || sps_len > 0xffff || pps_len > 0xffff
	    || AG_H265_NAL_TYPE(vps) != AG_H265_NAL_VPS || AG_H265_NAL_TYPE(pps) != AG_H265_NAL_PPS
	    || ag_h265_sps_parse(sps, sps_len, &info, NULL) < 0)
		return -1;
	need = 23 + 3 * 5 + vps_len + sps_len + pps_len;
	if (out == NULL || size < need)
		return -1;
	out[pos++] = 1;  /* configurationVersion */
	out[pos++] = (uint8_t)(info.profile_space << 6 | info.tier << 5 | info.profile_idc);
	ag_wr32(out + pos, info.compat_flags);
	pos += 4;
	for (i = 5; i >= 0; i--)
		out[pos++] = (uint8_t)(info.constraint_flags >> (8 * i));
	out[pos++] = (uint8_t)info.level_idc;
	ag_wr16(out + pos, 0xf000);  /* min_spatial_segmentation_idc 0: unknown */
	pos += 2;
	out[pos++] = 0xfc;           /* parallelismType 0: unknown */
	out[pos++] = (uint8_t)(0xfc | info.chroma_format_idc);
	out[pos++] = (uint8_t)(0xf8 | (info.bit_depth_luma - 8));
	out[pos++] = (uint8_t)(0xf8 | (info.bit_depth_chroma - 8));
	ag_wr16(out + pos, 0);       /* avgFrameRate: unknown */
	pos += 2;
	/* constantFrameRate 0, numTemporalLayers, temporalIdNested, lengthSizeMinusOne 3 */
	out[pos++] = (uint8_t)(info.max_sub_layers << 3 | (info.temporal_id_nesting ? 4 : 0) | 3);
	out[pos++] = 3;              /* numOfArrays */
	put_array(out, &pos, AG_H265_NAL_VPS, vps, vps_len);
	put_array(out, &pos, AG_H265_NAL_SPS, sps, sps_len);
	put_array(out, &pos, AG_H265_NAL_PPS, pps, pps_len);
	return (int)pos;
}

/*
 * Walk the arrays of an hvcC record: calls fn for every NAL unit
 * (pointer into p) until it returns -1.  Returns 1 when the arrays fill
 * the record exactly, 0 when it is malformed (fn saw what came before),
 * -1 when fn failed.
 */
static int
hvcc_walk(const uint8_t *p, size_t len, int (*fn)(void *, const uint8_t *, size_t), void *arg)
{
	size_t pos = 23;
	int a, k, narrays, count;

	if (p == NULL || len < 23 || p[0] != 1)
		return 0;
	narrays = p[22];
	for (a = 0; a < narrays; a++) {
		if (len - pos < 3)
			return 0;
		count = ag_rd16(p + pos + 1);
		pos += 3;
		for (k = 0; k < count; k++) {
			size_t nl;

			if (len - pos < 2)
				return 0;
			nl = ag_rd16(p + pos);
			pos += 2;
			if (nl == 0 || nl > len - pos)
				return 0;
			if (fn != NULL && fn(arg, p + pos, nl) < 0)
				return -1;
			pos += nl;
		}
	}
	return pos == len ? 1 : 0;
}

bool
ag_h265_hvcc_ok(const uint8_t *hvcc, size_t len)
{
	return hvcc != NULL && len >= 23 && (hvcc[21] & 3) == 3
	    && hvcc_walk(hvcc, len, NULL, NULL) == 1;
}

static int
append_annexb(void *arg, const uint8_t *nal, size_t len)
{
	struct ag_buf *out = arg;

	if (ag_buf_append(out, start_code, 4) < 0 || ag_buf_append(out, nal, len) < 0)
		return -1;
	return 0;
}

int
ag_h265_hvcc_params_to_annexb(const uint8_t *hvcc, size_t len, struct ag_buf *out)
{
	return hvcc_walk(hvcc, len, append_annexb, out) < 0 ? -1 : 0;
}

/* ---- Annex-B ---- */

bool
ag_h265_has_nal(const uint8_t *au, size_t len, int type)
{
	const uint8_t *nal;
	size_t pos = 0, n;

	while (ag_h264_nal_next(au, len, &pos, &nal, &n))
		if (n >= 2 && AG_H265_NAL_TYPE(nal) == type)
			return true;
	return false;
}

bool
ag_h265_has_irap(const uint8_t *au, size_t len)
{
	const uint8_t *nal;
	size_t pos = 0, n;

	while (ag_h264_nal_next(au, len, &pos, &nal, &n))
		if (n >= 2 && ag_h265_is_irap(AG_H265_NAL_TYPE(nal)))
			return true;
	return false;
}

int
ag_h265_find_params(const uint8_t *au, size_t len, const uint8_t **vps, size_t *vps_len,
    const uint8_t **sps, size_t *sps_len, const uint8_t **pps, size_t *pps_len)
{
	const uint8_t *nal;
	size_t pos = 0, n;

	*vps = *sps = *pps = NULL;
	while (ag_h264_nal_next(au, len, &pos, &nal, &n)) {
		int type;

		if (n < 2)
			continue;
		type = AG_H265_NAL_TYPE(nal);
		if (type == AG_H265_NAL_VPS && *vps == NULL) {
			*vps = nal;
			*vps_len = n;
		} else if (type == AG_H265_NAL_SPS && *sps == NULL) {
			*sps = nal;
			*sps_len = n;
		} else if (type == AG_H265_NAL_PPS && *pps == NULL) {
			*pps = nal;
			*pps_len = n;
		}
	}
	return *vps != NULL && *sps != NULL && *pps != NULL ? 0 : -1;
}

/* ag_annexb_to_sample's drop for H.265: access unit delimiters. */
static bool
drop_aud(const uint8_t *nal, size_t n, void *arg)
{
	(void)arg;
	return n >= 2 && AG_H265_NAL_TYPE(nal) == AG_H265_NAL_AUD;
}

long
ag_h265_annexb_to_sample(const uint8_t *au, size_t len, uint8_t *out, size_t size)
{
	return ag_annexb_to_sample(au, len, drop_aud, NULL, out, size);
}
