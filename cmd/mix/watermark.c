/*
 * watermark.c - text, image and timestamp watermarks over the composite.
 *
 * Every watermark becomes a layer over its box on the canvas: a
 * coverage (alpha) plane and either one colour (text, timestamp) or
 * Y, U, V planes (an image).  Text is laid out with FreeType's advances
 * (no shaping: agrec draws names and captions, not scripts that need
 * it) into the coverage plane once; a timestamp's plane is laid out
 * again only when its text changes, from glyph bitmaps rendered once
 * and cached.  Blending follows the 4:2:0 sampling: a luma pixel takes
 * its own coverage, a chroma sample the mean of the coverage (and the
 * coverage-weighted mean of the image's chroma) of the four luma
 * pixels it covers, so edges keep their colour instead of bleeding.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ft2build.h>
#include FT_FREETYPE_H

#include "buf.h"
#include "mix/compose.h"
#include "mix/image.h"
#include "mix/watermark.h"


struct glyph {
	uint32_t cp;
	int left, top, adv, w, h;
	uint8_t *bm;                /* w x h coverage, new */
};

struct item {
	int kind;
	int a8;                     /* global alpha, 0..256 */
	bool local_time;
	char *format;               /* timestamp: borrowed from the spec copy */
	struct ag_wm_spec spec;     /* a copy */
	int bx, by, bw, bh;         /* the box on the canvas, clipped to it */
	int stride;                 /* of the planes */
	uint8_t *pa;                /* coverage, new */
	uint8_t *py, *pu, *pv;      /* image: colour planes, new; NULL: the colour below */
	uint8_t cy, cu, cv;
	int ix0, iy0, ix1, iy1;     /* the part of the box with ink */
	/* text and timestamp */
	FT_Face face;
	int ascender, line_h;
	struct glyph *glyphs;
	size_t nglyphs, capglyphs;
	char last[AG_WM_MAX_TEXT + 64];
	bool have_last;
};

struct mx_wm {
	FT_Library ft;
	struct item *items;
	size_t n;
	int W, H;
};

/* ---- text ---- */

/* The code point at *p (valid UTF-8), advancing *p. */
static uint32_t
utf8_next(const unsigned char **p)
{
	const unsigned char *s = *p;
	uint32_t c = s[0];
	int n = c < 0x80 ? 0 : c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3;

	if (n > 0)
		c &= 0x3fu >> n;
	for (int i = 1; i <= n; i++)
		c = c << 6 | (s[i] & 0x3fu);
	*p = s + n + 1;
	return c;
}

/* ---- glyphs and text layout ---- */

/* The cached glyph of code point cp, rendered now if new; NULL when
 * FreeType cannot render it or on ENOMEM. */
static const struct glyph *
glyph_of(struct item *it, uint32_t cp)
{
	struct glyph *g;
	FT_Bitmap *b;

	for (size_t i = 0; i < it->nglyphs; i++)
		if (it->glyphs[i].cp == cp)
			return &it->glyphs[i];
	if (FT_Load_Char(it->face, cp, FT_LOAD_RENDER) != 0)
		return NULL;
	b = &it->face->glyph->bitmap;
	if (b->pixel_mode != FT_PIXEL_MODE_GRAY && b->rows > 0)
		return NULL;
	if ((g = ag_grow(it->glyphs, &it->capglyphs, it->nglyphs + 1, sizeof *g)) == NULL)
		return NULL;
	it->glyphs = g;
	g = &it->glyphs[it->nglyphs];
	g->cp = cp;
	g->left = it->face->glyph->bitmap_left;
	g->top = it->face->glyph->bitmap_top;
	g->adv = (int)(it->face->glyph->advance.x >> 6);
	g->w = (int)b->width;
	g->h = (int)b->rows;
	g->bm = malloc((size_t)g->w * (size_t)g->h + 1);
	if (g->bm == NULL)
		return NULL;
	for (int y = 0; g->w > 0 && y < g->h; y++)	/* a blank glyph may have no buffer */
		memcpy(g->bm + (size_t)y * (size_t)g->w, b->buffer + (ptrdiff_t)y * b->pitch,
		    (size_t)g->w);
	it->nglyphs++;
	return g;
}

/* Glyph g at pen position (px, baseline) into the coverage plane. */
static void
blit(struct item *it, const struct glyph *g, int px, int baseline)
{
	int x0 = px + g->left, y0 = baseline - g->top, x, y, v;
	uint8_t *d;

	for (y = y0 < 0 ? 0 : y0; y < y0 + g->h && y < it->bh; y++) {
		d = it->pa + (size_t)y * (size_t)it->stride;
		for (x = x0 < 0 ? 0 : x0; x < x0 + g->w && x < it->bw; x++) {
			v = g->bm[(size_t)(y - y0) * (size_t)g->w + (size_t)(x - x0)];
			if (v == 0)
				continue;
			if (v > d[x])
				d[x] = (uint8_t)v;
			if (x < it->ix0) it->ix0 = x;
			if (x + 1 > it->ix1) it->ix1 = x + 1;
			if (y < it->iy0) it->iy0 = y;
			if (y + 1 > it->iy1) it->iy1 = y + 1;
		}
	}
}

/* Lay text out in the box: lines break at '\n' and where the next glyph
 * would cross the right edge; what falls below the box is cut.  0, or -1
 * when a glyph could not be rendered. */
static int
layout_text(struct item *it, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	const struct glyph *g;
	int pen = 0, baseline = it->ascender, rc = 0;
	uint32_t cp;

	/* clear the old ink only: the rest is already 0 */
	for (int y = it->iy0; y < it->iy1; y++)
		memset(it->pa + (size_t)y * (size_t)it->stride + it->ix0, 0,
		    (size_t)(it->ix1 - it->ix0));
	it->ix0 = it->bw;
	it->iy0 = it->bh;
	it->ix1 = it->iy1 = 0;
	while (*p != '\0' && baseline - it->ascender < it->bh) {
		cp = utf8_next(&p);
		if (cp == '\n') {
			pen = 0;
			baseline += it->line_h;
			continue;
		}
		if ((g = glyph_of(it, cp)) == NULL) {
			rc = -1;
			continue;
		}
		if (pen > 0 && pen + g->adv > it->bw) {
			pen = 0;
			baseline += it->line_h;
		}
		blit(it, g, pen, baseline);
		pen += g->adv;
	}
	if (it->ix1 <= it->ix0 || it->iy1 <= it->iy0)
		it->ix0 = it->ix1 = it->iy0 = it->iy1 = 0;
	return rc;
}

/* ---- preparing the layers ---- */

/* The box of s on the canvas, clipped; w, h the content's own size (an
 * image) or 0 (text: to the canvas edge).  s is checked first, as
 * agrec-record checks the options it passes on (ag_wm_spec_check). */
static int
place(struct item *it, const struct ag_wm_spec *s, int W, int H, int w, int h,
    struct ag_error *err)
{
	if (ag_wm_spec_check(s, W, H, err) < 0)
		return -1;
	it->bx = s->x;
	it->by = s->y;
	it->bw = w > 0 ? w : s->w > 0 ? s->w : W - s->x;
	it->bh = h > 0 ? h : s->h > 0 ? s->h : H - s->y;
	if (it->bw > W - s->x)
		it->bw = W - s->x;
	if (it->bh > H - s->y)
		it->bh = H - s->y;
	return 0;
}

static int
open_font(struct mx_wm *wm, struct item *it, const struct ag_wm_spec *s, struct ag_error *err)
{
	const char *font = s->file != NULL ? s->file : AG_WM_DEFAULT_FONT;
	FT_Error fe;

	if (access(font, R_OK) < 0)
		return ag_error_errno(err, AG_EX_NOINPUT, errno, "%s: font %s", s->what, font);
	if ((fe = FT_New_Face(wm->ft, font, 0, &it->face)) != 0) {
		it->face = NULL;
		return ag_error_set(err, AG_EX_DATAERR, "%s: font %s: not a font FreeType can read "
		    "(FreeType error %d)", s->what, font, (int)fe);
	}
	if (FT_Set_Pixel_Sizes(it->face, 0, (FT_UInt)s->font_px) != 0)
		return ag_error_set(err, AG_EX_DATAERR, "%s: font %s has no %d px size", s->what,
		    font, s->font_px);
	it->ascender = (int)((it->face->size->metrics.ascender + 63) >> 6);
	it->line_h = (int)((it->face->size->metrics.height + 63) >> 6);
	if (it->line_h <= 0)
		it->line_h = s->font_px;
	return 0;
}

static int
prep_text(struct mx_wm *wm, struct item *it, const struct ag_wm_spec *s, struct ag_error *err)
{
	/* the text rules were checked by place() (ag_wm_spec_check) */
	if (open_font(wm, it, s, err) < 0)
		return -1;
	it->stride = it->bw;
	if ((it->pa = calloc((size_t)it->bw * (size_t)it->bh, 1)) == NULL)
		return ag_error_errno(err, AG_EX_FAIL, ENOMEM, "%s", s->what);
	mx_rgb_to_yuv(s->rgb, &it->cy, &it->cu, &it->cv);
	if (s->kind == AG_WM_TEXT && layout_text(it, s->text) < 0)
		return ag_error_set(err, AG_EX_DATAERR,
		    "%s: FreeType cannot render the text with %s", s->what,
		    s->file != NULL ? s->file : AG_WM_DEFAULT_FONT);
	return 0;
}

static int
prep_image(const char *ffmpeg, struct item *it, const struct ag_wm_spec *s, int W, int H,
    struct ag_error *err)
{
	uint8_t *rgba = NULL;
	int iw, ih, rc = -1;
	size_t n, i;
	const uint8_t *p;
	char m[sizeof err->msg];

	if (s->file == NULL)
		return ag_error_set(err, s->bad_code, "%s: no image file", s->what);
	if (access(s->file, R_OK) < 0)
		return ag_error_errno(err, AG_EX_NOINPUT, errno, "%s: image %s", s->what, s->file);
	if (mx_image_load_rgba(ffmpeg, s->file, s->w, s->h, &rgba, &iw, &ih, err) < 0) {
		snprintf(m, sizeof m, "%s", err->msg);
		return ag_error_set(err, err->code == AG_EX_UNAVAILABLE ? AG_EX_UNAVAILABLE :
		    AG_EX_DATAERR, "%s: %s", s->what, m);
	}
	if (place(it, s, W, H, iw, ih, err) < 0)
		goto out;
	it->stride = iw;
	n = (size_t)iw * (size_t)ih;
	it->pa = malloc(n);
	it->py = malloc(n);
	it->pu = malloc(n);
	it->pv = malloc(n);
	if (it->pa == NULL || it->py == NULL || it->pu == NULL || it->pv == NULL) {
		ag_error_errno(err, AG_EX_FAIL, ENOMEM, "%s", s->what);
		goto out;
	}
	for (i = 0, p = rgba; i < n; i++, p += 4) {
		mx_rgb_to_yuv((uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2], &it->py[i],
		    &it->pu[i], &it->pv[i]);
		it->pa[i] = p[3];
	}
	it->ix0 = it->iy0 = 0;
	it->ix1 = it->bw;
	it->iy1 = it->bh;
	rc = 0;
out:
	free(rgba);
	return rc;
}

static void
item_free(struct item *it)
{
	for (size_t i = 0; i < it->nglyphs; i++)
		free(it->glyphs[i].bm);
	free(it->glyphs);
	if (it->face != NULL)
		FT_Done_Face(it->face);
	free(it->pa);
	free(it->py);
	free(it->pu);
	free(it->pv);
	ag_wm_spec_clear(&it->spec);
}

int
mx_wm_new(const struct ag_wm_spec *specs, size_t n, int W, int H, const char *ffmpeg,
    struct mx_wm **out, struct ag_error *err)
{
	struct mx_wm *wm;
	struct item *it;
	const struct ag_wm_spec *s;

	*out = NULL;
	if (n == 0)
		return 0;
	if ((wm = calloc(1, sizeof *wm)) == NULL ||
	    (wm->items = calloc(n, sizeof *wm->items)) == NULL) {
		free(wm);
		return ag_error_errno(err, AG_EX_FAIL, ENOMEM, "watermarks");
	}
	wm->W = W;
	wm->H = H;
	if (FT_Init_FreeType(&wm->ft) != 0) {
		wm->ft = NULL;
		mx_wm_free(wm);
		return ag_error_set(err, AG_EX_FAIL, "watermarks: FreeType cannot start");
	}
	for (wm->n = 0; wm->n < n; wm->n++) {
		s = &specs[wm->n];
		it = &wm->items[wm->n];
		if (ag_wm_spec_copy(&it->spec, s) < 0) {
			ag_error_errno(err, AG_EX_FAIL, ENOMEM, "%s", s->what);
			goto fail;
		}
		it->kind = s->kind;
		it->a8 = (int)lround((s->alpha < 0 ? 0 : s->alpha > 1 ? 1 : s->alpha) * 256);
		it->local_time = s->local_time;
		it->format = it->spec.text;
		if (s->kind == AG_WM_IMAGE) {
			if (prep_image(ffmpeg, it, s, W, H, err) < 0)
				goto fail;
		} else if (place(it, s, W, H, 0, 0, err) < 0 || prep_text(wm, it, s, err) < 0) {
			goto fail;
		}
	}
	*out = wm;
	return 0;
fail:
	wm->n++;	/* the item that failed is freed too */
	mx_wm_free(wm);
	return -1;
}

void
mx_wm_free(struct mx_wm *wm)
{
	if (wm == NULL)
		return;
	for (size_t i = 0; i < wm->n; i++)
		item_free(&wm->items[i]);
	free(wm->items);
	if (wm->ft != NULL)
		FT_Done_FreeType(wm->ft);
	free(wm);
}

/* ---- drawing ---- */

/* Weight 0..256 of the luma pixel at box position (x, y). */
static inline int
weight(const struct item *it, int x, int y)
{
	return (it->pa[(size_t)y * (size_t)it->stride + (size_t)x] * it->a8 + 127) / 255;
}

/* Chroma plane c (0 U, 1 V) of the layer's ink over f. */
static void
blend_chroma(const struct item *it, struct mx_frame *f, int c, int x0, int y0, int x1, int y1)
{
	uint8_t *plane = c == 0 ? f->u : f->v, *d;
	const uint8_t *src = c == 0 ? it->pu : it->pv;
	int stride = c == 0 ? f->us : f->vs, konst = c == 0 ? it->cu : it->cv;
	int cx, cy, dx, dy, lx, ly, w, sw, sv;

	for (cy = y0 / 2; cy < (y1 + 1) / 2; cy++) {
		d = plane + (size_t)cy * (size_t)stride;
		for (cx = x0 / 2; cx < (x1 + 1) / 2; cx++) {
			sw = sv = 0;
			for (dy = 0; dy < 2; dy++) {
				ly = 2 * cy + dy;
				if (ly < y0 || ly >= y1)
					continue;
				for (dx = 0; dx < 2; dx++) {
					lx = 2 * cx + dx;
					if (lx < x0 || lx >= x1)
						continue;
					w = weight(it, lx - it->bx, ly - it->by);
					sw += w;
					sv += w * (src != NULL ? src[(size_t)(ly - it->by) *
					    (size_t)it->stride + (size_t)(lx - it->bx)] : konst);
				}
			}
			if (sw > 0)
				d[cx] = (uint8_t)((d[cx] * (1024 - sw) + sv + 512) >> 10);
		}
	}
}

/* The layer over f: luma pixel by pixel, chroma by 2x2 blocks. */
static void
blend(const struct item *it, struct mx_frame *f)
{
	int x0 = it->bx + it->ix0, y0 = it->by + it->iy0;
	int x1 = it->bx + it->ix1, y1 = it->by + it->iy1, x, y, w, v;
	uint8_t *d;

	if (x1 > f->w)
		x1 = f->w;
	if (y1 > f->h)
		y1 = f->h;
	if (x1 <= x0 || y1 <= y0 || it->a8 <= 0)
		return;
	for (y = y0; y < y1; y++) {
		d = f->y + (size_t)y * (size_t)f->ys;
		for (x = x0; x < x1; x++) {
			if ((w = weight(it, x - it->bx, y - it->by)) == 0)
				continue;
			v = it->py != NULL ? it->py[(size_t)(y - it->by) * (size_t)it->stride +
			    (size_t)(x - it->bx)] : it->cy;
			d[x] = (uint8_t)((d[x] * (256 - w) + v * w + 128) >> 8);
		}
	}
	blend_chroma(it, f, 0, x0, y0, x1, y1);
	blend_chroma(it, f, 1, x0, y0, x1, y1);
}

void
mx_wm_draw(struct mx_wm *wm, struct mx_frame *f, int64_t wall_ms)
{
	char now[sizeof wm->items[0].last];
	struct item *it;

	if (wm == NULL)
		return;
	for (size_t i = 0; i < wm->n; i++) {
		it = &wm->items[i];
		if (it->kind == AG_WM_TIMESTAMP &&
		    ag_wm_format_time(it->format, wall_ms, it->local_time, now, sizeof now) > 0 &&
		    (!it->have_last || strcmp(now, it->last) != 0)) {
			/* a glyph FreeType cannot render is left out */
			layout_text(it, now);
			memcpy(it->last, now, sizeof now);
			it->have_last = true;
		}
		blend(it, f);
	}
}
