/*
 * test_h265.c - h265.c on real bytes: VPS, SPS and PPS from libx265
 * (`ffmpeg -f lavfi -i testsrc2=size=WxH -c:v libx265 -preset ultrafast
 * -f hevc`: 320x240; 322x242, whose SPS codes 328x248 with a conformance
 * window; and temporal-layers=1, an SPS with a sub-layer in its
 * profile_tier_level), the hvcC record both ways, its checks, IRAP
 * detection, Annex-B to length-prefixed samples, and an fmp4 file with
 * the hvc1 sample entry.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "be.h"
#include "fmp4.h"
#include "h265.h"

/* ---- fixtures ---- */

static const uint8_t vps_320[] = {
	0x40, 0x01, 0x0c, 0x01, 0xff, 0xff, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00,
	0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x3c, 0x95, 0x94, 0x09,
};
static const uint8_t sps_320[] = {
	0x42, 0x01, 0x01, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00,
	0x00, 0x03, 0x00, 0x3c, 0xa0, 0x0a, 0x08, 0x0f, 0x16, 0x59, 0x59, 0x52, 0x93, 0x0b,
	0xc0, 0x5a, 0x02, 0x00, 0x00, 0x03, 0x00, 0x02, 0x00, 0x00, 0x03, 0x00, 0x1e, 0x10,
};
static const uint8_t pps_320[] = { 0x44, 0x01, 0xc0, 0x73, 0xc1, 0x89 };
static const uint8_t sps_322[] = {
	0x42, 0x01, 0x01, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00,
	0x00, 0x03, 0x00, 0x3c, 0xa0, 0x0a, 0x88, 0x04, 0x07, 0x11, 0x11, 0x96, 0x56, 0x54,
	0xa4, 0xc2, 0xf0, 0x16, 0x80, 0x80, 0x00, 0x00, 0x03, 0x00, 0x80, 0x00, 0x00, 0x07,
	0x84,
};
static const uint8_t sps_sub[] = {
	0x42, 0x01, 0x02, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00,
	0x00, 0x03, 0x00, 0x3c, 0x00, 0x00, 0xa0, 0x0a, 0x08, 0x0f, 0x16, 0x59, 0x59, 0x4a,
	0xca, 0x94, 0x98, 0x5e, 0x02, 0xd0, 0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00, 0x00,
	0x03, 0x00, 0xf0, 0x80,
};
static const uint8_t aud[] = { 0x46, 0x01, 0x50 };
static const uint8_t idr[] = { 0x26, 0x01, 0xaf, 0x11, 0x22, 0x33 };
static const uint8_t cra[] = { 0x2a, 0x01, 0xaf, 0x44 };
static const uint8_t trail[] = { 0x02, 0x01, 0xd0, 0x55, 0x66 };

static size_t
annexb(uint8_t *out, const uint8_t *const *nals, const size_t *lens, int n)
{
	size_t pos = 0;

	for (int i = 0; i < n; i++) {
		memcpy(out + pos, "\0\0\0\1", 4);
		memcpy(out + pos + 4, nals[i], lens[i]);
		pos += 4 + lens[i];
	}
	return pos;
}

/* ---- SPS ---- */

Test(h265, sps_320x240_main)
{
	struct ag_h265_sps s;
	struct ag_error err = { 0 };

	cr_assert_eq(ag_h265_sps_parse(sps_320, sizeof sps_320, &s, &err), 0, "%s", err.msg);
	cr_assert_eq(s.width, 320);
	cr_assert_eq(s.height, 240);
	cr_assert_eq(s.profile_idc, 1, "Main");
	cr_assert_eq(s.tier, 0);
	cr_assert_eq(s.level_idc, 60, "level 2");
	cr_assert_eq(s.compat_flags, 0x60000000u, "compatible with Main and Main 10");
	cr_assert_eq(s.constraint_flags, 0x900000000000ull, "progressive, frame only");
	cr_assert_eq(s.chroma_format_idc, 1);
	cr_assert_eq(s.bit_depth_luma, 8);
	cr_assert_eq(s.bit_depth_chroma, 8);
	cr_assert_eq(s.max_sub_layers, 1);
	cr_assert(s.temporal_id_nesting);
}

Test(h265, sps_conformance_window)
{
	struct ag_h265_sps s;

	cr_assert_eq(ag_h265_sps_parse(sps_322, sizeof sps_322, &s, NULL), 0);
	cr_assert_eq(s.width, 322, "328 coded, cropped to %d", s.width);
	cr_assert_eq(s.height, 242, "248 coded, cropped to %d", s.height);
}

Test(h265, sps_with_a_sub_layer)
{
	struct ag_h265_sps s;

	cr_assert_eq(ag_h265_sps_parse(sps_sub, sizeof sps_sub, &s, NULL), 0);
	cr_assert_eq(s.max_sub_layers, 2);
	cr_assert_eq(s.width, 320);
	cr_assert_eq(s.height, 240);
	cr_assert_eq(s.level_idc, 60);
}

Test(h265, sps_refused)
{
	struct ag_h265_sps s;
	struct ag_error err = { 0 };
	uint8_t bad[sizeof sps_320];

	cr_assert_lt(ag_h265_sps_parse(pps_320, sizeof pps_320, &s, &err), 0, "a PPS");
	cr_assert_eq(err.code, AG_EX_DATAERR);
	cr_assert_lt(ag_h265_sps_parse(NULL, 0, &s, NULL), 0);
	for (size_t n = 0; n < 22; n++)
		cr_assert_lt(ag_h265_sps_parse(sps_320, n, &s, NULL), 0, "cut at %zu", n);
	/* sps_max_sub_layers_minus1 7: more than H.265 allows */
	memcpy(bad, sps_320, sizeof bad);
	bad[2] = 0x0f;
	cr_assert_lt(ag_h265_sps_parse(bad, sizeof bad, &s, NULL), 0);
	cr_assert_eq(s.width, 0, "nothing half-filled");
	/* chroma_format_idc 4 (ue 00101 where 010 = 1 was) */
	memcpy(bad, sps_320, sizeof bad);
	bad[18] = 0xa0 ^ 0x40;
	cr_assert_lt(ag_h265_sps_parse(bad, sizeof bad, &s, NULL), 0);
}

Test(h265, first_slice_and_irap)
{
	cr_assert_eq(ag_h265_first_slice(idr, sizeof idr), 1);
	cr_assert_eq(ag_h265_first_slice((const uint8_t[]){ 0x02, 0x01, 0x40 }, 3), 0);
	cr_assert_eq(ag_h265_first_slice(idr, 2), -1);
	cr_assert(ag_h265_is_irap(16) && ag_h265_is_irap(19) && ag_h265_is_irap(21));
	cr_assert(ag_h265_is_irap(23));
	cr_assert(!ag_h265_is_irap(1) && !ag_h265_is_irap(15) && !ag_h265_is_irap(24));
	cr_assert(!ag_h265_is_irap(AG_H265_NAL_VPS));
}

/* ---- hvcC ---- */

static int
hvcc_320(uint8_t *out, size_t size)
{
	return ag_h265_hvcc(vps_320, sizeof vps_320, sps_320, sizeof sps_320, pps_320,
	    sizeof pps_320, out, size);
}

Test(h265, hvcc_record)
{
	uint8_t rec[AG_H265_HVCC_MAX];
	int n = hvcc_320(rec, sizeof rec);
	size_t pos = 23;

	cr_assert_eq(n, 23 + 15 + (int)(sizeof vps_320 + sizeof sps_320 + sizeof pps_320));
	cr_assert_eq(rec[0], 1, "configurationVersion");
	cr_assert_eq(rec[1], 0x01, "space 0, tier 0, Main");
	cr_assert_eq(ag_rd32(rec + 2), 0x60000000u);
	cr_assert_eq(rec[6], 0x90);
	cr_assert_eq(rec[12], 60, "level");
	cr_assert_eq(ag_rd16(rec + 13), 0xf000, "min_spatial_segmentation_idc 0");
	cr_assert_eq(rec[15], 0xfc);
	cr_assert_eq(rec[16], 0xfd, "4:2:0");
	cr_assert_eq(rec[17], 0xf8, "8-bit luma");
	cr_assert_eq(rec[18], 0xf8, "8-bit chroma");
	cr_assert_eq(rec[21], 0x0f, "1 temporal layer, nested, 4-byte lengths");
	cr_assert_eq(rec[22], 3, "three arrays");
	for (int a = 0; a < 3; a++) {
		static const int types[] = { 32, 33, 34 };
		size_t len = ag_rd16(rec + pos + 3);

		cr_assert_eq(rec[pos], 0x80 | types[a], "complete, type %d", types[a]);
		cr_assert_eq(ag_rd16(rec + pos + 1), 1);
		pos += 5 + len;
	}
	cr_assert_eq(pos, (size_t)n);
	cr_assert(ag_h265_hvcc_ok(rec, (size_t)n));
	cr_assert(!ag_h265_hvcc_ok(rec, (size_t)n - 1), "cut");
	cr_assert(!ag_h265_hvcc_ok(rec, 22));
	rec[21] = 0x0e;
	cr_assert(!ag_h265_hvcc_ok(rec, (size_t)n), "3-byte lengths");
}

Test(h265, hvcc_refused)
{
	uint8_t rec[AG_H265_HVCC_MAX];
	int n = hvcc_320(rec, sizeof rec);

	cr_assert_gt(n, 0);
	cr_assert_lt(hvcc_320(rec, (size_t)n - 1), 0, "one byte too small");
	cr_assert_lt(ag_h265_hvcc(NULL, 0, sps_320, sizeof sps_320, pps_320, sizeof pps_320, rec,
	    sizeof rec), 0, "no VPS");
	cr_assert_lt(ag_h265_hvcc(sps_320, sizeof sps_320, sps_320, sizeof sps_320, pps_320,
	    sizeof pps_320, rec, sizeof rec), 0, "an SPS for the VPS");
	cr_assert_lt(ag_h265_hvcc(vps_320, sizeof vps_320, pps_320, sizeof pps_320, pps_320,
	    sizeof pps_320, rec, sizeof rec), 0, "a PPS for the SPS");
	cr_assert_lt(ag_h265_hvcc(vps_320, sizeof vps_320, sps_320, 10, pps_320,
	    sizeof pps_320, rec, sizeof rec), 0, "a cut SPS");
}

Test(h265, hvcc_params_to_annexb)
{
	uint8_t rec[AG_H265_HVCC_MAX], want[256];
	const uint8_t *nals[] = { vps_320, sps_320, pps_320 };
	const size_t lens[] = { sizeof vps_320, sizeof sps_320, sizeof pps_320 };
	struct ag_buf b = { 0 };
	int n = hvcc_320(rec, sizeof rec);
	size_t wn = annexb(want, nals, lens, 3);

	cr_assert_eq(ag_h265_hvcc_params_to_annexb(rec, (size_t)n, &b), 0);
	cr_assert_eq(b.len, wn);
	cr_assert_eq(memcmp(b.p, want, wn), 0);
	/* a record cut inside the PPS: the VPS and SPS are kept */
	ag_buf_clear(&b);
	cr_assert_eq(ag_h265_hvcc_params_to_annexb(rec, (size_t)n - 2, &b), 0);
	cr_assert_eq(b.len, 8 + sizeof vps_320 + sizeof sps_320);
	ag_buf_clear(&b);
	cr_assert_eq(ag_h265_hvcc_params_to_annexb(rec, 10, &b), 0);
	cr_assert_eq(b.len, 0);
	ag_buf_free(&b);
}

/* ---- Annex-B ---- */

Test(h265, find_params_and_irap)
{
	uint8_t au[256];
	const uint8_t *nals[] = { aud, vps_320, sps_320, pps_320, idr };
	const size_t lens[] = { sizeof aud, sizeof vps_320, sizeof sps_320, sizeof pps_320,
		sizeof idr };
	size_t n = annexb(au, nals, lens, 5), vl, sl, pl;
	const uint8_t *v, *s, *p;

	cr_assert_eq(ag_h265_find_params(au, n, &v, &vl, &s, &sl, &p, &pl), 0);
	cr_assert_eq(vl, sizeof vps_320);
	cr_assert_eq(memcmp(s, sps_320, sl), 0);
	cr_assert_eq(pl, sizeof pps_320);
	cr_assert(ag_h265_has_irap(au, n));
	cr_assert(ag_h265_has_nal(au, n, AG_H265_NAL_SPS));
	n = annexb(au, (const uint8_t *const[]){ aud, trail }, (const size_t[]){ 3, 5 }, 2);
	cr_assert(!ag_h265_has_irap(au, n));
	cr_assert_lt(ag_h265_find_params(au, n, &v, &vl, &s, &sl, &p, &pl), 0);
	n = annexb(au, (const uint8_t *const[]){ cra }, (const size_t[]){ sizeof cra }, 1);
	cr_assert(ag_h265_has_irap(au, n), "CRA");
}

Test(h265, annexb_to_sample_drops_aud)
{
	uint8_t au[256], out[512];
	const uint8_t *nals[] = { aud, idr, trail };
	const size_t lens[] = { sizeof aud, sizeof idr, sizeof trail };
	size_t n = annexb(au, nals, lens, 3);
	long w = ag_h265_annexb_to_sample(au, n, out, sizeof out);

	cr_assert_eq(w, (long)(8 + sizeof idr + sizeof trail));
	cr_assert_eq(ag_rd32(out), sizeof idr);
	cr_assert_eq(memcmp(out + 4, idr, sizeof idr), 0);
	cr_assert_eq(ag_rd32(out + 4 + sizeof idr), sizeof trail);
	cr_assert_lt(ag_h265_annexb_to_sample(au, n, out, (size_t)w - 1), 0, "too small");
	n = annexb(au, nals, lens, 1);
	cr_assert_eq(ag_h265_annexb_to_sample(au, n, out, sizeof out), 0, "AUD only");
}

/* ---- the hvc1 sample entry ---- */

static bool
has_box(const uint8_t *p, size_t n, const char *type)
{
	for (size_t i = 4; i + 4 <= n; i++)
		if (memcmp(p + i, type, 4) == 0)
			return true;
	return false;
}

Test(h265, fmp4_hvc1)
{
	char path[] = "/tmp/test_h265.XXXXXX";
	int fd = mkstemp(path);
	uint8_t rec[AG_H265_HVCC_MAX], sample[64], file[4096];
	struct ag_error err = { 0 };
	struct ag_fmp4_config c = { .timescale = 90000, .width = 320, .height = 240 };
	struct ag_fmp4 *m;
	ssize_t n;

	cr_assert_geq(fd, 0, "mkstemp: %s", strerror(errno));
	unlink(path);
	c.hvcc = rec;
	c.hvcc_len = (size_t)hvcc_320(rec, sizeof rec);
	cr_assert_not_null(m = ag_fmp4_open(fd, &c, &err), "%s", err.msg);
	ag_wr32(sample, sizeof idr);
	memcpy(sample + 4, idr, sizeof idr);
	cr_assert_eq(ag_fmp4_write(m, 0, true, sample, 4 + sizeof idr, &err), 0, "%s", err.msg);
	cr_assert_eq(ag_fmp4_close(m, 6000, &err), 0, "%s", err.msg);
	n = pread(fd, file, sizeof file, 0);
	cr_assert_gt(n, 0);
	cr_assert(has_box(file, (size_t)n, "hvc1") && has_box(file, (size_t)n, "hvcC"));
	cr_assert(!has_box(file, (size_t)n, "avcC"));
	close(fd);
	/* neither record, both, or a broken hvcC: refused */
	c.hvcc = NULL;
	cr_assert_null(ag_fmp4_open(-1, &c, &err));
	cr_assert_eq(err.code, AG_EX_USAGE);
	c.hvcc = rec;
	c.avcc = rec;
	c.avcc_len = c.hvcc_len;
	cr_assert_null(ag_fmp4_open(-1, &c, &err));
	c.avcc = NULL;
	c.hvcc_len -= 1;
	cr_assert_null(ag_fmp4_open(-1, &c, &err));
}
