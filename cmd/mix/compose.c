/*
 * compose.c - the compositor: I420 frames, colours, and mx_draw()'s
 * bilinear scaler and alpha blender in fixed point.
 *
 * mx_draw() maps each destination pixel centre back into the source
 * (pixel centres aligned, as swscale does), so a plane is drawn by
 *     src_pos(i) = start + i * step        (16.16 fixed point)
 * in each direction.  Chroma uses the same step with its own start, so
 * odd crop offsets and odd rectangles stay exact.  The result is exact
 * bilinear interpolation with 8-bit weights, rounded once; the order of
 * the passes does not change it, so each case takes the cheapest:
 *   - same size at a whole-pixel offset: a copy (or one blend pass);
 *   - exactly 2:1 both ways: the mean of 2x2 blocks in one pass;
 *   - a vertical reduction: the two source rows are interpolated over
 *     the span of columns (vectorised), then each column is picked from
 *     that row, for two destination rows per column-table read;
 *   - a vertical enlargement: each source row is scaled horizontally
 *     once and kept while destination rows need it, then rows are
 *     interpolated (vectorised).
 * Row loops use GCC/clang vector extensions, 16 pixels at a time in
 * 16-bit lanes (SSE2 is enough).  No allocation: tables and row buffers
 * are on the stack (about 32 KiB), and wide rectangles are drawn in
 * chunks of columns.
 */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "mix/compose.h"

#define MAX_FRAME_SIDE 16384
/* Columns per chunk: bounds the stack used by draw_plane(). */
#define CHUNK 1024
/* Source columns a chunk may span. */
#define SPAN 4096
#define FIX_ONE 65536

/* GCC and clang vector extensions: the row loops run 16 pixels at a time
 * whatever the optimisation level (plain C elsewhere). */
#if defined(__GNUC__) && (defined(__clang__) || __GNUC__ >= 9)
#define MIX_VECTORS 1
typedef uint8_t u8x16 __attribute__((vector_size(16)));
typedef uint16_t u16x16 __attribute__((vector_size(32)));

/* (x0 * w0 + x1 * w1 + 32768) >> 16 for 8.8 fixed-point x and weights
 * w0 + w1 = 256, exactly, in 16-bit lanes (SSE2 has no 32-bit multiply,
 * and narrowing 32-bit lanes costs more than the arithmetic).  A macro:
 * a function returning a 32-byte vector has an ABI warning without AVX. */
#define LERP16(r, x0, x1, w0, w1) do { \
	u16x16 lerp_a_ = ((x0) >> 8) * (w0) + ((x1) >> 8) * (w1); \
	u16x16 lerp_b_ = ((x0) & 255) * (w0) + ((x1) & 255) * (w1); \
	(r) = (lerp_a_ >> 8) + (((lerp_a_ & 255) + (lerp_b_ >> 8) + 128) >> 8); \
} while (0)
#endif

struct mx_frame *
mx_frame_new(int w, int h)
{
	struct mx_frame *f;
	size_t ysize, csize;

	if (w <= 0 || h <= 0 || w > MAX_FRAME_SIDE || h > MAX_FRAME_SIDE)
		return NULL;
	ysize = (size_t)w * (size_t)h;
	csize = (size_t)((w + 1) / 2) * (size_t)((h + 1) / 2);
	if ((f = malloc(sizeof *f + ysize + 2 * csize)) == NULL)
		return NULL;
	mx_frame_wrap(f, w, h, (uint8_t *)(f + 1));
	memset(f->y, 16, ysize);
	memset(f->u, 128, 2 * csize);
	return f;
}

void
mx_frame_free(struct mx_frame *f)
{
	free(f);
}

void
mx_frame_wrap(struct mx_frame *f, int w, int h, uint8_t *buf)
{
	int cw = (w + 1) / 2, ch = (h + 1) / 2;

	f->w = w;
	f->h = h;
	f->y = buf;
	f->u = buf + (size_t)w * (size_t)h;
	f->v = f->u + (size_t)cw * (size_t)ch;
	f->ys = w;
	f->us = cw;
	f->vs = cw;
}

/* BT.601 limited range, rounded: what ffmpeg's color source gives for
 * yuv420p (the integer RGB_TO_*_CCIR macros are off by one on some
 * colours, e.g. 0x00ff00). */
static uint8_t
to_u8(double v)
{
	return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : floor(v + 0.5));
}

void
mx_rgb_to_yuv(uint32_t rgb, uint8_t *y, uint8_t *u, uint8_t *v)
{
	double r = (double)(rgb >> 16 & 0xff), g = (double)(rgb >> 8 & 0xff),
	    b = (double)(rgb & 0xff);

	*y = to_u8(16 + 219.0 / 255 * (0.299 * r + 0.587 * g + 0.114 * b));
	*u = to_u8(128 + 224.0 / 255 * (-0.168736 * r - 0.331264 * g + 0.5 * b));
	*v = to_u8(128 + 224.0 / 255 * (0.5 * r - 0.418688 * g - 0.081312 * b));
}

static void
fill_plane(uint8_t *p, int stride, int x0, int y0, int x1, int y1, uint8_t val)
{
	int y;

	for (y = y0; y < y1; y++)
		memset(p + (size_t)y * (size_t)stride + x0, val, (size_t)(x1 - x0));
}

void
mx_frame_fill(struct mx_frame *f, uint32_t rgb)
{
	struct mx_rect r = { 0, 0, f->w, f->h };

	mx_frame_fill_rect(f, &r, rgb);
}

static int
clampi(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

void
mx_frame_fill_rect(struct mx_frame *f, const struct mx_rect *r, uint32_t rgb)
{
	uint8_t y, u, v;
	int x0, y0, x1, y1, cw = (f->w + 1) / 2, ch = (f->h + 1) / 2;

	mx_rgb_to_yuv(rgb, &y, &u, &v);
	x0 = clampi(r->x, 0, f->w);
	y0 = clampi(r->y, 0, f->h);
	x1 = clampi(r->x + r->w, x0, f->w);
	y1 = clampi(r->y + r->h, y0, f->h);
	if (x1 <= x0 || y1 <= y0)
		return;
	fill_plane(f->y, f->ys, x0, y0, x1, y1, y);
	/* The chroma samples the rectangle touches. */
	fill_plane(f->u, f->us, x0 / 2, y0 / 2, clampi((x1 + 1) / 2, 0, cw), clampi((y1 + 1) / 2, 0, ch), u);
	fill_plane(f->v, f->vs, x0 / 2, y0 / 2, clampi((x1 + 1) / 2, 0, cw), clampi((y1 + 1) / 2, 0, ch), v);
}

static void
copy_plane(uint8_t *d, int ds, const uint8_t *s, int ss, int w, int h)
{
	int y;

	for (y = 0; y < h; y++)
		memcpy(d + (size_t)y * (size_t)ds, s + (size_t)y * (size_t)ss, (size_t)w);
}

void
mx_frame_copy(struct mx_frame *dst, const struct mx_frame *src)
{
	int cw = (src->w + 1) / 2, ch = (src->h + 1) / 2;

	if (dst->w != src->w || dst->h != src->h)
		return;
	if (dst->ys == dst->w && src->ys == src->w && dst->us == cw && src->us == cw &&
	    dst->vs == cw && src->vs == cw && dst->u == dst->y + (size_t)dst->w * (size_t)dst->h &&
	    src->u == src->y + (size_t)src->w * (size_t)src->h &&
	    dst->v == dst->u + (size_t)cw * (size_t)ch && src->v == src->u + (size_t)cw * (size_t)ch) {
		/* both packed (mx_frame_new): one copy, not one per row */
		memcpy(dst->y, src->y, (size_t)dst->w * (size_t)dst->h + 2 * (size_t)cw * (size_t)ch);
		return;
	}
	copy_plane(dst->y, dst->ys, src->y, src->ys, src->w, src->h);
	copy_plane(dst->u, dst->us, src->u, src->us, cw, ch);
	copy_plane(dst->v, dst->vs, src->v, src->vs, cw, ch);
}

/* ---- mx_draw ---- */

/* A plane and the part of it to draw. */
struct plane {
	uint8_t *d;                /* destination plane */
	int ds;
	int x0, y0, x1, y1;        /* destination pixels [x0,x1) x [y0,y1) */
	const uint8_t *s;          /* source plane */
	int ss, sw, sh;
	int64_t xstart, xstep;     /* source x of destination x0, 16.16 */
	int64_t ystart, ystep;
};

/* Blend a row of final values into d with alpha a8/256 (256 replaces):
 * d * (1 - a) + v * a, rounded. */
static void
blend_row(uint8_t *restrict d, const uint8_t *restrict v, int n, int a8)
{
	uint16_t wd = (uint16_t)(256 - a8), ws = (uint16_t)a8;
	int i = 0;

	if (a8 >= 256) {
		memcpy(d, v, (size_t)n);
		return;
	}
#ifdef MIX_VECTORS
	for (; i + 16 <= n; i += 16) {
		u8x16 vd, vs;
		u16x16 r;

		memcpy(&vd, d + i, 16);
		memcpy(&vs, v + i, 16);
		r = (__builtin_convertvector(vd, u16x16) * wd + __builtin_convertvector(vs, u16x16) * ws +
		    128) >> 8;
		vd = __builtin_convertvector(r, u8x16);
		memcpy(d + i, &vd, 16);
	}
#endif
	for (; i < n; i++)
		d[i] = (uint8_t)((d[i] * wd + v[i] * ws + 128) >> 8);
}

/* Vertical pass over a source span: t[j] = a[j] * w0 + b[j] * w1, in
 * 8.8 fixed point (w0 + w1 = 256). */
static void
vmix_row(uint16_t *restrict t, const uint8_t *a, const uint8_t *b, uint16_t w0, uint16_t w1,
    int n)
{
	int j = 0;

#ifdef MIX_VECTORS
	for (; j + 16 <= n; j += 16) {
		u8x16 va, vb;
		u16x16 r;

		memcpy(&va, a + j, 16);
		memcpy(&vb, b + j, 16);
		r = __builtin_convertvector(va, u16x16) * w0 + __builtin_convertvector(vb, u16x16) * w1;
		memcpy(t + j, &r, 32);
	}
#endif
	for (; j < n; j++)
		t[j] = (uint16_t)(a[j] * w0 + b[j] * w1);
}

/* Horizontal pass: out[i] = t[xa[i]] and t[xa[i] + 1] weighted by xf[i],
 * rounded to 8 bits.  t has one readable element after the span. */
static void
hmix_row(uint8_t *restrict out, const uint16_t *restrict t, const int *restrict xa,
    const uint16_t *restrict xf, int n)
{
	int i;

	for (i = 0; i < n; i++)
		out[i] = (uint8_t)((t[xa[i]] * (uint32_t)(256 - xf[i]) + t[xa[i] + 1] * (uint32_t)xf[i] +
		    32768u) >> 16);
}

/* hmix_row() for two rows at once: the table is read once for both. */
static void
hmix_row2(uint8_t *restrict out0, uint8_t *restrict out1, const uint16_t *restrict t0,
    const uint16_t *restrict t1, const int *restrict xa, const uint16_t *restrict xf, int n)
{
	uint32_t a, f, g;
	int i;

	for (i = 0; i < n; i++) {
		a = (uint32_t)xa[i];
		f = xf[i];
		g = 256 - f;
		out0[i] = (uint8_t)((t0[a] * g + t0[a + 1] * f + 32768u) >> 16);
		out1[i] = (uint8_t)((t1[a] * g + t1[a + 1] * f + 32768u) >> 16);
	}
}

/* The same when xa[i] = base + step * i with step 1 or 2 and one weight
 * f for every column (same size with a fractional offset, and 2:1). */
static void
hmix_row_linear(uint8_t *restrict out, const uint16_t *restrict t, int base, int step,
    uint16_t f, int n)
{
	uint32_t w0 = 256u - f, w1 = f;
	int i = 0;

	t += base;
#ifdef MIX_VECTORS
	for (; step == 1 && i + 16 <= n; i += 16) {
		u16x16 a, b, m;
		u8x16 r;

		memcpy(&a, t + i, 32);
		memcpy(&b, t + i + 1, 32);
		LERP16(m, a, b, (uint16_t)w0, (uint16_t)w1);
		r = __builtin_convertvector(m, u8x16);
		memcpy(out + i, &r, 16);
	}
#endif
	for (; i < n; i++)
		out[i] = (uint8_t)((t[step * i] * w0 + t[step * i + 1] * w1 + 32768u) >> 16);
}

/* Exactly 2:1 both ways, halfway between pixels: the mean of each 2x2
 * block, rounded (what the general path gives, in one pass). */
static void
box2_row(uint8_t *restrict out, const uint8_t *a, const uint8_t *b, int n)
{
	int i = 0;

#if defined(MIX_VECTORS) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	for (; i + 16 <= n; i += 16) {
		u16x16 pa, pb;
		u8x16 r;

		memcpy(&pa, a + 2 * i, 32);
		memcpy(&pb, b + 2 * i, 32);
		r = __builtin_convertvector(((pa & 0xff) + (pa >> 8) + (pb & 0xff) + (pb >> 8) + 2) >> 2,
		    u8x16);
		memcpy(out + i, &r, 16);
	}
#endif
	for (; i < n; i++)
		out[i] = (uint8_t)((a[2 * i] + a[2 * i + 1] + b[2 * i] + b[2 * i + 1] + 2) >> 2);
}

/* Position pos (16.16) in 0..size-1: the left neighbour (the right one
 * is the next) and its weight; clamped at the edges. */
static void
split_pos(int64_t pos, int size, int *a, uint16_t *f)
{
	int64_t p = pos >> 16;

	if (p < 0) {
		*a = 0;
		*f = 0;
	} else if (p >= size - 1) {
		*a = size - 1;
		*f = 0;
	} else {
		*a = (int)p;
		*f = (uint16_t)((pos >> 8) & 0xff);
	}
}

/* One source row (span columns from lo) scaled horizontally, 8.8.  The
 * columns whose right neighbour is past the span (at its end: xa is
 * increasing) take the last pixel for it, as the other passes do; the
 * row is read in place (a copy per row cost as much as the scaling). */
static void
hscale_row(uint16_t *restrict h, const uint8_t *restrict row, int span,
    const int *restrict xa, const uint16_t *restrict xf, int n)
{
	int i, m = n;

	while (m > 0 && xa[m - 1] + 1 >= span)
		m--;
	for (i = 0; i < m; i++)
		h[i] = (uint16_t)(row[xa[i]] * (256 - xf[i]) + row[xa[i] + 1] * xf[i]);
	for (; i < n; i++)
		h[i] = (uint16_t)(row[span - 1] * 256);
}

/* Vertical pass over scaled rows: out = h0 and h1 weighted by fy, rounded. */
static void
vmix_scaled(uint8_t *restrict out, const uint16_t *restrict h0, const uint16_t *restrict h1,
    uint16_t fy, int n)
{
	uint32_t w0 = 256u - fy, w1 = fy;
	int i = 0;

	if (fy == 0) {
		for (; i < n; i++)
			out[i] = (uint8_t)((h0[i] + 128u) >> 8);
		return;
	}
#ifdef MIX_VECTORS
	for (; i + 16 <= n; i += 16) {
		u16x16 a, b, m;
		u8x16 r;

		memcpy(&a, h0 + i, 32);
		memcpy(&b, h1 + i, 32);
		LERP16(m, a, b, (uint16_t)w0, (uint16_t)w1);
		r = __builtin_convertvector(m, u8x16);
		memcpy(out + i, &r, 16);
	}
#endif
	for (; i < n; i++)
		out[i] = (uint8_t)((h0[i] * w0 + h1[i] * w1 + 32768u) >> 16);
}

/*
 * A chunk of a plane enlarged vertically: destination rows outnumber
 * the source rows, so each source row is scaled horizontally once and
 * kept in one of two buffers while the rows between it and the next
 * need it; then each destination row is interpolated from the two.
 * The arithmetic, and so the result, is that of the other order.
 */
static void
draw_chunk_rows_first(const struct plane *p, int a8, int c0, int cn, int lo, int span,
    const int *xa, const uint16_t *xf)
{
	uint16_t h[2][CHUNK];
	uint8_t val[CHUNK], *drow, *out;
	int tag[2] = { -1, -1 }, y, ya, ia, ib;
	uint16_t fy;

	for (y = p->y0; y < p->y1; y++) {
		split_pos(p->ystart + (int64_t)(y - p->y0) * p->ystep, p->sh, &ya, &fy);
		ia = tag[0] == ya ? 0 : tag[1] == ya ? 1 : -1;
		/* -2: the next row is not needed. */
		ib = fy == 0 ? -2 : tag[0] == ya + 1 ? 0 : tag[1] == ya + 1 ? 1 : -1;
		if (ia < 0) {
			ia = ib == 0 ? 1 : 0;
			hscale_row(h[ia], p->s + (size_t)ya * (size_t)p->ss + lo, span, xa, xf, cn);
			tag[ia] = ya;
		}
		if (ib == -1) {
			ib = 1 - ia;
			hscale_row(h[ib], p->s + (size_t)(ya + 1) * (size_t)p->ss + lo, span, xa, xf, cn);
			tag[ib] = ya + 1;
		}
		drow = p->d + (size_t)y * (size_t)p->ds + p->x0 + c0;
		out = a8 >= 256 ? drow : val;
		vmix_scaled(out, h[ia], h[ib < 0 ? ia : ib], fy, cn);
		if (out != drow)
			blend_row(drow, val, cn, a8);
	}
}

/*
 * Draw one plane: for each chunk of destination columns (as many as fit
 * in CHUNK and whose source span fits in SPAN), and for each destination
 * row, interpolate the two source rows over the span (vectorised), then
 * each column from the span.  The result is exact bilinear in 8-bit
 * weights: sum(src * wx * wy) / 65536, rounded once.
 */
static void
draw_plane(const struct plane *p, int a8)
{
	int xa[CHUNK];
	uint16_t xf[CHUNK], t[SPAN + 1], t2[SPAN + 1];
	uint8_t val[CHUNK], val2[CHUNK], *drow, *out;
	int n = p->x1 - p->x0, c0, cn, y, ya, yb, lo, span, step;
	bool linear;
	uint16_t fy;
	int64_t sx, sy;

	if (n <= 0 || p->y1 <= p->y0)
		return;
	/* Same size and whole-pixel offset: a copy. */
	sx = p->xstart >> 16;
	sy = p->ystart >> 16;
	if (p->xstep == FIX_ONE && p->ystep == FIX_ONE && (p->xstart & 0xffff) == 0 &&
	    (p->ystart & 0xffff) == 0 && sx >= 0 && sy >= 0 && sx + n <= p->sw &&
	    sy + (p->y1 - p->y0) <= p->sh) {
		for (y = p->y0; y < p->y1; y++)
			blend_row(p->d + (size_t)y * (size_t)p->ds + p->x0,
			    p->s + (size_t)(sy + y - p->y0) * (size_t)p->ss + sx, n, a8);
		return;
	}
	for (c0 = 0; c0 < n; c0 += cn) {
		split_pos(p->xstart + (int64_t)c0 * p->xstep, p->sw, &lo, &xf[0]);
		xa[0] = 0;
		step = p->xstep == FIX_ONE ? 1 : p->xstep == 2 * FIX_ONE ? 2 : 0;
		linear = step != 0;
		for (cn = 1; c0 + cn < n && cn < CHUNK; cn++) {
			split_pos(p->xstart + (int64_t)(c0 + cn) * p->xstep, p->sw, &xa[cn], &xf[cn]);
			if (xa[cn] + 1 - lo >= SPAN)
				break;
			xa[cn] -= lo;
			/* Clamping at an edge breaks the pattern. */
			linear = linear && xa[cn] == step * cn && xf[cn] == xf[0];
		}
		span = xa[cn - 1] + 2;
		if (lo + span > p->sw)
			span = p->sw - lo;
		if (p->ystep < FIX_ONE && !linear) {
			draw_chunk_rows_first(p, a8, c0, cn, lo, span, xa, xf);
			continue;
		}
		for (y = p->y0; y < p->y1; y++) {
			split_pos(p->ystart + (int64_t)(y - p->y0) * p->ystep, p->sh, &ya, &fy);
			yb = fy == 0 ? ya : ya + 1;
			drow = p->d + (size_t)y * (size_t)p->ds + p->x0 + c0;
			out = a8 >= 256 ? drow : val;
			if (linear && step == 2 && xf[0] == 128 && fy == 128) {
				box2_row(out, p->s + (size_t)ya * (size_t)p->ss + lo,
				    p->s + (size_t)yb * (size_t)p->ss + lo, cn);
				if (out != drow)
					blend_row(drow, val, cn, a8);
				continue;
			}
			vmix_row(t, p->s + (size_t)ya * (size_t)p->ss + lo,
			    p->s + (size_t)yb * (size_t)p->ss + lo, (uint16_t)(256 - fy), fy, span);
			t[span] = t[span - 1];
			if (!linear && y + 1 < p->y1) {
				/* The next row too, sharing the column table. */
				split_pos(p->ystart + (int64_t)(y + 1 - p->y0) * p->ystep, p->sh, &ya, &fy);
				yb = fy == 0 ? ya : ya + 1;
				vmix_row(t2, p->s + (size_t)ya * (size_t)p->ss + lo,
				    p->s + (size_t)yb * (size_t)p->ss + lo, (uint16_t)(256 - fy), fy, span);
				t2[span] = t2[span - 1];
				hmix_row2(out, out == drow ? drow + p->ds : val2, t, t2, xa, xf, cn);
				if (out != drow) {
					blend_row(drow, val, cn, a8);
					blend_row(drow + p->ds, val2, cn, a8);
				}
				y++;
				continue;
			}
			if (linear)
				hmix_row_linear(out, t, 0, step, xf[0], cn);
			else
				hmix_row(out, t, xa, xf, cn);
			if (out != drow)
				blend_row(drow, val, cn, a8);
		}
	}
}

/* x in 16.16 fixed point. */
static int64_t
fix(double x)
{
	return (int64_t)llround(x * FIX_ONE);
}

/* Even value nearest to v, at least 2 when limit allows. */
static int
even_round(double v, int limit)
{
	int e = (int)lround(v / 2) * 2;

	if (e < 2)
		e = 2;
	return e > limit ? limit : e;
}

void
mx_draw(struct mx_frame *dst, const struct mx_rect *r, const struct mx_frame *src,
    int render_mode, double alpha)
{
	struct plane p;
	double sx0 = 0, sy0 = 0, sww = src->w, shh = src->h, kx, ky;
	int dx = r->x, dy = r->y, dw = r->w, dh = r->h, a8, cx0, cy0, cx1, cy1, k;
	int64_t rw_sh, rh_sw;

	if (!(alpha > 0) || dw <= 0 || dh <= 0 || src->w <= 0 || src->h <= 0)
		return;
	a8 = alpha >= 1 ? 256 : (int)lround(alpha * 256);
	if (a8 <= 0)
		return;
	rw_sh = (int64_t)dw * src->h;
	rh_sw = (int64_t)dh * src->w;
	if (render_mode == MX_RENDER_FIT) {
		/* The whole source in a centred, even sub-rectangle of r. */
		if (rw_sh <= rh_sw)
			dh = rw_sh == rh_sw ? dh : even_round((double)rw_sh / src->w, dh);
		else
			dw = even_round((double)rh_sw / src->h, dw);
		dx += (r->w - dw) / 2 & ~1;
		dy += (r->h - dh) / 2 & ~1;
	} else if (rw_sh > rh_sw) {
		/* Crop: the centred source window of r's aspect ratio. */
		shh = (double)rh_sw / dw;
		sy0 = (src->h - shh) / 2;
	} else if (rw_sh < rh_sw) {
		sww = (double)rw_sh / dh;
		sx0 = (src->w - sww) / 2;
	}
	kx = sww / dw;
	ky = shh / dh;

	/* Luma: destination pixel i maps to sx0 + (i + 0.5) * kx - 0.5. */
	p.s = src->y; p.ss = src->ys; p.sw = src->w; p.sh = src->h;
	p.d = dst->y; p.ds = dst->ys;
	p.x0 = clampi(dx, 0, dst->w); p.x1 = clampi(dx + dw, 0, dst->w);
	p.y0 = clampi(dy, 0, dst->h); p.y1 = clampi(dy + dh, 0, dst->h);
	if (p.x1 <= p.x0 || p.y1 <= p.y0)
		return;   /* all outside dst: no chroma either */
	p.xstep = fix(kx);
	p.ystep = fix(ky);
	p.xstart = fix(sx0 + (p.x0 - dx + 0.5) * kx - 0.5);
	p.ystart = fix(sy0 + (p.y0 - dy + 0.5) * ky - 0.5);
	draw_plane(&p, a8);

	/* Chroma sample c sits at luma 2c + 1; it covers the luma pixels of
	 * the picture it touches. */
	cx0 = clampi(dx, 0, dst->w) / 2;
	cy0 = clampi(dy, 0, dst->h) / 2;
	cx1 = (clampi(dx + dw, 0, dst->w) + 1) / 2;
	cy1 = (clampi(dy + dh, 0, dst->h) + 1) / 2;
	p.sw = (src->w + 1) / 2;
	p.sh = (src->h + 1) / 2;
	p.x0 = cx0; p.x1 = cx1; p.y0 = cy0; p.y1 = cy1;
	p.xstart = fix((sx0 + (2 * cx0 + 1 - dx) * kx) / 2 - 0.5);
	p.ystart = fix((sy0 + (2 * cy0 + 1 - dy) * ky) / 2 - 0.5);
	for (k = 0; k < 2; k++) {
		p.s = k == 0 ? src->u : src->v;
		p.ss = k == 0 ? src->us : src->vs;
		p.d = k == 0 ? dst->u : dst->v;
		p.ds = k == 0 ? dst->us : dst->vs;
		draw_plane(&p, a8);
	}
}

void
mx_audio_sum(int16_t *out, const int16_t *const *in, size_t nin, size_t nsamples)
{
	size_t i, k, m = 0;
	const int16_t *live[64];
	int32_t s;

	/* Silence is skipped; more than 64 inputs go in several passes. */
	for (k = 0; k < nin && m < 64; k++)
		if (in[k] != NULL)
			live[m++] = in[k];
	if (k < nin) {
		/* Rare: sum in 32 bits over every input. */
		for (i = 0; i < nsamples; i++) {
			s = 0;
			for (k = 0; k < nin; k++)
				if (in[k] != NULL)
					s += in[k][i];
			out[i] = (int16_t)(s > INT16_MAX ? INT16_MAX : s < INT16_MIN ? INT16_MIN : s);
		}
		return;
	}
	if (m == 0) {
		memset(out, 0, nsamples * sizeof *out);
		return;
	}
	for (i = 0; i < nsamples; i++) {
		s = 0;
		for (k = 0; k < m; k++)
			s += live[k][i];
		out[i] = (int16_t)(s > INT16_MAX ? INT16_MAX : s < INT16_MIN ? INT16_MIN : s);
	}
}
