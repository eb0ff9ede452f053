/*
 * test_mix_compose.c - cmd/mix/compose.c and image.c: colours against
 * ffmpeg's color source, fills, and mx_draw() on small synthetic frames
 * with exact pixel values (copy, up and down scaling, crop, fit, alpha,
 * draw order, odd sizes, clipping), a comparison with a plain bilinear
 * reference over many sizes, the saturating audio sum, and
 * mx_image_load() on images made by ffmpeg.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "argv.h"
#include "ffmpeg.h"
#include "spawn.h"
#include "stream.h"
#include "mix/compose.h"
#include "mix/image.h"

#define Y(f, x, yy) ((f)->y[(yy) * (f)->ys + (x)])
#define U(f, x, yy) ((f)->u[(yy) * (f)->us + (x)])
#define V(f, x, yy) ((f)->v[(yy) * (f)->vs + (x)])

static struct mx_frame *
frame(int w, int h)
{
	struct mx_frame *f = mx_frame_new(w, h);

	cr_assert_not_null(f);
	return f;
}

/* Set every plane of f to one value. */
static void
set_all(struct mx_frame *f, uint8_t y, uint8_t u, uint8_t v)
{
	int r;

	for (r = 0; r < f->h; r++)
		memset(f->y + r * f->ys, y, (size_t)f->w);
	for (r = 0; r < (f->h + 1) / 2; r++) {
		memset(f->u + r * f->us, u, (size_t)(f->w + 1) / 2);
		memset(f->v + r * f->vs, v, (size_t)(f->w + 1) / 2);
	}
}

static void
luma_rows(const struct mx_frame *f, const uint8_t *want)
{
	int x, y;

	for (y = 0; y < f->h; y++)
		for (x = 0; x < f->w; x++)
			cr_assert_eq(Y(f, x, y), want[y * f->w + x], "Y(%d,%d) = %d, want %d", x, y,
			    Y(f, x, y), want[y * f->w + x]);
}

/* ---- frames and colours ---- */

Test(mix_compose, frame_new_is_black_packed_i420)
{
	struct mx_frame *f = frame(5, 3);

	cr_assert_eq(f->ys, 5);
	cr_assert_eq(f->us, 3);
	cr_assert_eq(f->vs, 3);
	cr_assert_eq(f->u, f->y + 15);
	cr_assert_eq(f->v, f->u + 6);
	cr_assert_eq((size_t)(f->v + 6 - f->y), ag_stream_i420_size(5, 3));
	cr_assert_eq(Y(f, 4, 2), 16);
	cr_assert_eq(U(f, 2, 1), 128);
	cr_assert_eq(V(f, 2, 1), 128);
	mx_frame_free(f);
	mx_frame_free(NULL);
	cr_assert_null(mx_frame_new(0, 4));
	cr_assert_null(mx_frame_new(4, -1));
	cr_assert_null(mx_frame_new(100000, 4));
}

Test(mix_compose, wrap)
{
	uint8_t buf[4 * 2 + 2 * 2 * 1];
	struct mx_frame f;

	mx_frame_wrap(&f, 4, 2, buf);
	cr_assert(f.y == buf && f.u == buf + 8 && f.v == buf + 10);
	cr_assert(f.ys == 4 && f.us == 2 && f.vs == 2 && f.w == 4 && f.h == 2);
}

Test(mix_compose, rgb_to_yuv_matches_ffmpeg_color_source)
{
	/* ffmpeg -f lavfi -i color=c=0xRRGGBB -pix_fmt yuv420p (ffmpeg 5.1). */
	static const struct { uint32_t rgb; uint8_t y, u, v; } t[] = {
		{ 0x23b9dc, 140, 166, 60 }, { 0xff0000, 81, 90, 240 }, { 0x00ff00, 145, 54, 34 },
		{ 0x0000ff, 41, 240, 110 }, { 0xffffff, 235, 128, 128 }, { 0x000000, 16, 128, 128 },
		{ 0x808080, 126, 128, 128 }, { 0x123456, 55, 148, 111 }, { 0xfedcba, 210, 108, 145 },
		{ 0x7f7f7f, 125, 128, 128 },
	};
	uint8_t y, u, v;
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		mx_rgb_to_yuv(t[i].rgb, &y, &u, &v);
		cr_assert(y == t[i].y && u == t[i].u && v == t[i].v, "%06x: %d %d %d, want %d %d %d",
		    t[i].rgb, y, u, v, t[i].y, t[i].u, t[i].v);
	}
}

Test(mix_compose, fill_and_fill_rect)
{
	struct mx_frame *f = frame(8, 6);
	struct mx_rect r = { 2, 2, 4, 2 }, odd = { 1, 1, 1, 1 }, out = { 6, 4, 10, 10 };
	int x, y;

	mx_frame_fill(f, 0xffffff);
	for (y = 0; y < 6; y++)
		for (x = 0; x < 8; x++)
			cr_assert_eq(Y(f, x, y), 235);
	cr_assert(U(f, 3, 2) == 128 && V(f, 3, 2) == 128);
	mx_frame_fill_rect(f, &r, 0x000000);
	for (y = 0; y < 6; y++)
		for (x = 0; x < 8; x++)
			cr_assert_eq(Y(f, x, y), x >= 2 && x < 6 && y >= 2 && y < 4 ? 16 : 235);
	mx_frame_fill_rect(f, &r, 0xff0000);
	for (y = 0; y < 3; y++)
		for (x = 0; x < 4; x++)
			cr_assert_eq(V(f, x, y), x >= 1 && x < 3 && y == 1 ? 240 : 128);
	/* An odd rectangle touches the chroma sample it is in. */
	mx_frame_fill_rect(f, &odd, 0x0000ff);
	cr_assert_eq(Y(f, 1, 1), 41);
	cr_assert_eq(Y(f, 0, 0), 235);
	cr_assert_eq(U(f, 0, 0), 240);
	/* Clipped at the edges. */
	mx_frame_fill_rect(f, &out, 0x000000);
	cr_assert_eq(Y(f, 7, 5), 16);
	cr_assert_eq(Y(f, 5, 5), 235);
	mx_frame_free(f);
}

Test(mix_compose, frame_copy)
{
	struct mx_frame *a = frame(6, 4), *b = frame(6, 4), *c = frame(4, 4);

	mx_frame_fill(a, 0x123456);
	mx_frame_copy(b, a);
	cr_assert_eq(memcmp(a->y, b->y, ag_stream_i420_size(6, 4)), 0);
	mx_frame_copy(c, a);   /* different size: nothing happens */
	cr_assert_eq(Y(c, 0, 0), 16);
	mx_frame_free(a);
	mx_frame_free(b);
	mx_frame_free(c);
}

/* ---- mx_draw ---- */

Test(mix_compose, exact_size_is_copied)
{
	struct mx_frame *d = frame(8, 8), *s = frame(4, 4);
	struct mx_rect r = { 2, 4, 4, 4 };
	int x, y;

	for (y = 0; y < 4; y++)
		for (x = 0; x < 4; x++)
			Y(s, x, y) = (uint8_t)(y * 4 + x + 1);
	U(s, 0, 0) = 1; U(s, 1, 0) = 2; U(s, 0, 1) = 3; U(s, 1, 1) = 4;
	V(s, 0, 0) = 5; V(s, 1, 0) = 6; V(s, 0, 1) = 7; V(s, 1, 1) = 8;
	mx_draw(d, &r, s, MX_RENDER_CROP, 1.0);
	for (y = 0; y < 8; y++)
		for (x = 0; x < 8; x++)
			cr_assert_eq(Y(d, x, y), x >= 2 && x < 6 && y >= 4 ? (y - 4) * 4 + x - 2 + 1 : 16);
	cr_assert(U(d, 1, 2) == 1 && U(d, 2, 2) == 2 && U(d, 1, 3) == 3 && U(d, 2, 3) == 4);
	cr_assert(V(d, 1, 2) == 5 && V(d, 2, 2) == 6 && V(d, 1, 3) == 7 && V(d, 2, 3) == 8);
	cr_assert(U(d, 0, 2) == 128 && U(d, 3, 3) == 128 && U(d, 1, 1) == 128);
	/* Fit gives the same. */
	set_all(d, 16, 128, 128);
	mx_draw(d, &r, s, MX_RENDER_FIT, 1.0);
	cr_assert_eq(Y(d, 5, 7), 16);
	cr_assert_eq(Y(d, 2, 4), 1);
	mx_frame_free(d);
	mx_frame_free(s);
}

Test(mix_compose, upscale_2x_bilinear)
{
	struct mx_frame *d = frame(4, 4), *s = frame(2, 2);
	struct mx_rect r = { 0, 0, 4, 4 };
	static const uint8_t want[16] = {
		10, 20, 40, 50,
		30, 40, 60, 70,
		70, 80, 100, 110,
		90, 100, 120, 130,
	};

	Y(s, 0, 0) = 10; Y(s, 1, 0) = 50; Y(s, 0, 1) = 90; Y(s, 1, 1) = 130;
	U(s, 0, 0) = 77; V(s, 0, 0) = 200;
	mx_draw(d, &r, s, MX_RENDER_CROP, 1.0);
	luma_rows(d, want);
	cr_assert(U(d, 0, 0) == 77 && U(d, 1, 1) == 77 && V(d, 1, 0) == 200);
	mx_frame_free(d);
	mx_frame_free(s);
}

Test(mix_compose, downscale_2to1_averages_rounded)
{
	struct mx_frame *d = frame(2, 2), *s = frame(4, 4);
	struct mx_rect r = { 0, 0, 2, 2 };
	static const uint8_t src[16] = {
		10, 20, 0, 255,
		30, 41, 255, 255,
		1, 2, 100, 100,
		3, 4, 100, 101,
	};
	/* (sum + 2) / 4: 101/4 = 25.25, 765/4 = 191.25, 10/4 = 2.5 -> 3, 401/4 = 100.25. */
	static const uint8_t want[4] = { 25, 191, 3, 100 };
	int x, y;

	for (y = 0; y < 4; y++)
		for (x = 0; x < 4; x++)
			Y(s, x, y) = src[y * 4 + x];
	U(s, 0, 0) = 10; U(s, 1, 0) = 20; U(s, 0, 1) = 30; U(s, 1, 1) = 41;
	mx_draw(d, &r, s, MX_RENDER_FIT, 1.0);
	luma_rows(d, want);
	cr_assert_eq(U(d, 0, 0), 25);
	mx_frame_free(d);
	mx_frame_free(s);

	/* Wide enough for the vectorised rows, with and without alpha. */
	d = frame(70, 6);
	s = frame(140, 12);
	for (y = 0; y < 12; y++)
		for (x = 0; x < 140; x++)
			Y(s, x, y) = (uint8_t)((x * 53 + y * 29 + x * y) & 0xff);
	r = (struct mx_rect){ 0, 0, 70, 6 };
	mx_draw(d, &r, s, MX_RENDER_CROP, 1.0);
	for (y = 0; y < 6; y++)
		for (x = 0; x < 70; x++)
			cr_assert_eq(Y(d, x, y), (Y(s, 2 * x, 2 * y) + Y(s, 2 * x + 1, 2 * y) +
			    Y(s, 2 * x, 2 * y + 1) + Y(s, 2 * x + 1, 2 * y + 1) + 2) / 4, "(%d,%d)", x, y);
	set_all(d, 0, 0, 0);
	mx_draw(d, &r, s, MX_RENDER_CROP, 0.5);
	for (y = 0; y < 6; y++)
		for (x = 0; x < 70; x++)
			cr_assert_eq(Y(d, x, y), ((Y(s, 2 * x, 2 * y) + Y(s, 2 * x + 1, 2 * y) +
			    Y(s, 2 * x, 2 * y + 1) + Y(s, 2 * x + 1, 2 * y + 1) + 2) / 4 * 128 + 128) >> 8,
			    "(%d,%d)", x, y);
	mx_frame_free(d);
	mx_frame_free(s);
}

Test(mix_compose, crop_takes_the_centre)
{
	struct mx_frame *d = frame(4, 4), *s = frame(8, 4), *s6 = frame(6, 4);
	struct mx_rect r = { 0, 0, 4, 4 };
	int x, y;

	for (y = 0; y < 4; y++)
		for (x = 0; x < 8; x++)
			Y(s, x, y) = (uint8_t)(10 * x + y);
	for (x = 0; x < 4; x++) {
		U(s, x, 0) = (uint8_t)(100 + x);
		U(s, x, 1) = (uint8_t)(110 + x);
	}
	mx_draw(d, &r, s, MX_RENDER_CROP, 1.0);
	/* The 4x4 window at x = 2: a copy. */
	for (y = 0; y < 4; y++)
		for (x = 0; x < 4; x++)
			cr_assert_eq(Y(d, x, y), 10 * (x + 2) + y);
	cr_assert(U(d, 0, 0) == 101 && U(d, 1, 0) == 102 && U(d, 0, 1) == 111);

	/* An odd window offset (1): luma copied, chroma halfway between. */
	for (y = 0; y < 4; y++)
		for (x = 0; x < 6; x++)
			Y(s6, x, y) = (uint8_t)(10 * x + y);
	U(s6, 0, 0) = 100; U(s6, 1, 0) = 110; U(s6, 2, 0) = 131;
	mx_draw(d, &r, s6, MX_RENDER_CROP, 1.0);
	for (y = 0; y < 4; y++)
		for (x = 0; x < 4; x++)
			cr_assert_eq(Y(d, x, y), 10 * (x + 1) + y);
	cr_assert_eq(U(d, 0, 0), 105);
	cr_assert_eq(U(d, 1, 0), 121);   /* 120.5 rounds up */
	mx_frame_free(d);
	mx_frame_free(s);
	mx_frame_free(s6);
}

Test(mix_compose, crop_portrait_into_landscape)
{
	struct mx_frame *d = frame(4, 2), *s = frame(2, 8);
	struct mx_rect r = { 0, 0, 4, 2 };
	int y;

	/* Scale 2 by width: the window is 2x1 source pixels at y = 3.5. */
	for (y = 0; y < 8; y++) {
		Y(s, 0, y) = (uint8_t)(20 * y);
		Y(s, 1, y) = (uint8_t)(20 * y);
	}
	mx_draw(d, &r, s, MX_RENDER_CROP, 1.0);
	/* Rows map to y = 3.5 + (0.5 * 0.5 or 1.5 * 0.5) - 0.5: 3.25 and 3.75. */
	cr_assert_eq(Y(d, 0, 0), 65);
	cr_assert_eq(Y(d, 3, 0), 65);
	cr_assert_eq(Y(d, 0, 1), 75);
	mx_frame_free(d);
	mx_frame_free(s);
}

Test(mix_compose, fit_letterboxes_like_the_real_output)
{
	/* §5.2: a 360x640 source in a 180x640 region has its picture at rows
	 * 160-479; here at 1/4 scale plus the exact size. */
	struct mx_frame *d = frame(360, 640), *s = frame(360, 640);
	struct mx_rect r = { 180, 0, 180, 640 };
	int x, y;

	set_all(s, 200, 50, 70);
	mx_frame_fill(d, MX_DEFAULT_BG);
	mx_draw(d, &r, s, MX_RENDER_FIT, 1.0);
	for (y = 0; y < 640; y += 1)
		for (x = 170; x < 360; x += 3)
			cr_assert_eq(Y(d, x, y), x >= 180 && y >= 160 && y < 480 ? 200 : 140,
			    "(%d,%d) = %d", x, y, Y(d, x, y));
	cr_assert_eq(U(d, 90, 80), 50);
	cr_assert_eq(U(d, 90, 79), 166);
	cr_assert_eq(V(d, 179, 239), 70);
	cr_assert_eq(V(d, 179, 240), 60);
	mx_frame_free(d);
	mx_frame_free(s);

	/* A wide source in a square: pillars above and below, centred, even. */
	d = frame(8, 8);
	s = frame(8, 2);
	set_all(s, 99, 98, 97);
	r = (struct mx_rect){ 0, 0, 8, 8 };
	mx_draw(d, &r, s, MX_RENDER_FIT, 1.0);
	for (y = 0; y < 8; y++)
		cr_assert_eq(Y(d, 3, y), y >= 2 && y < 4 ? 99 : 16, "row %d", y);
	mx_frame_free(d);
	mx_frame_free(s);
}

Test(mix_compose, alpha_blends_rounded)
{
	struct mx_frame *d = frame(2, 2), *s = frame(2, 2);
	struct mx_rect r = { 0, 0, 2, 2 };

	set_all(s, 200, 255, 0);
	set_all(d, 100, 0, 255);
	mx_draw(d, &r, s, MX_RENDER_CROP, 0.0);
	cr_assert(Y(d, 0, 0) == 100 && U(d, 0, 0) == 0 && V(d, 0, 0) == 255);
	mx_draw(d, &r, s, MX_RENDER_CROP, -1.0);
	cr_assert_eq(Y(d, 1, 1), 100);
	mx_draw(d, &r, s, MX_RENDER_CROP, 0.5);
	/* 150; 127.5 -> 128 both ways. */
	cr_assert(Y(d, 0, 0) == 150 && Y(d, 1, 1) == 150 && U(d, 0, 0) == 128 && V(d, 0, 0) == 128,
	    "%d %d %d", Y(d, 0, 0), U(d, 0, 0), V(d, 0, 0));
	set_all(d, 100, 0, 255);
	mx_draw(d, &r, s, MX_RENDER_CROP, 0.25);
	cr_assert(Y(d, 0, 0) == 125 && U(d, 0, 0) == 64 && V(d, 0, 0) == 191,
	    "%d %d %d", Y(d, 0, 0), U(d, 0, 0), V(d, 0, 0));
	mx_draw(d, &r, s, MX_RENDER_CROP, 1.0);
	cr_assert(Y(d, 0, 0) == 200 && U(d, 0, 0) == 255 && V(d, 0, 0) == 0);
	set_all(d, 100, 0, 255);
	mx_draw(d, &r, s, MX_RENDER_CROP, 7.0);   /* above 1: opaque */
	cr_assert_eq(Y(d, 0, 0), 200);
	mx_frame_free(d);
	mx_frame_free(s);

	/* Scaled and blended: 2x2 -> 4x4 at 0.5 over 0. */
	d = frame(32, 4);
	s = frame(16, 2);
	set_all(d, 0, 0, 0);
	set_all(s, 255, 255, 255);
	r = (struct mx_rect){ 0, 0, 32, 4 };
	mx_draw(d, &r, s, MX_RENDER_CROP, 0.5);
	cr_assert(Y(d, 0, 0) == 128 && Y(d, 31, 3) == 128 && U(d, 15, 1) == 128);
	mx_frame_free(d);
	mx_frame_free(s);
}

Test(mix_compose, draw_order_is_z_order)
{
	struct mx_frame *d = frame(8, 4), *a = frame(2, 2), *b = frame(2, 2);
	struct mx_rect ra = { 0, 0, 6, 4 }, rb = { 2, 0, 6, 4 };
	int x;

	set_all(a, 50, 60, 70);
	set_all(b, 150, 160, 170);
	mx_draw(d, &ra, a, MX_RENDER_CROP, 1.0);
	mx_draw(d, &rb, b, MX_RENDER_CROP, 1.0);
	for (x = 0; x < 8; x++)
		cr_assert_eq(Y(d, x, 2), x < 2 ? 50 : 150);
	cr_assert(U(d, 0, 0) == 60 && U(d, 1, 0) == 160);
	mx_draw(d, &ra, a, MX_RENDER_CROP, 1.0);
	cr_assert(Y(d, 5, 0) == 50 && Y(d, 6, 0) == 150);
	mx_frame_free(d);
	mx_frame_free(a);
	mx_frame_free(b);
}

Test(mix_compose, odd_sizes_and_clipping)
{
	struct mx_frame *d = frame(7, 7), *s = frame(3, 3);
	struct mx_rect r = { 1, 1, 5, 5 }, out = { -3, 4, 6, 6 }, none = { 2, 2, 0, 4 };
	int x, y;

	set_all(s, 77, 88, 99);
	mx_draw(d, &r, s, MX_RENDER_CROP, 1.0);
	for (y = 0; y < 7; y++)
		for (x = 0; x < 7; x++)
			cr_assert_eq(Y(d, x, y), x >= 1 && x < 6 && y >= 1 && y < 6 ? 77 : 16);
	/* Chroma samples 0..2 are touched by luma 1..5. */
	for (y = 0; y < 4; y++)
		for (x = 0; x < 4; x++)
			cr_assert_eq(U(d, x, y), x < 3 && y < 3 ? 88 : 128, "U(%d,%d)", x, y);
	set_all(d, 16, 128, 128);
	mx_draw(d, &out, s, MX_RENDER_CROP, 1.0);
	for (y = 0; y < 7; y++)
		for (x = 0; x < 7; x++)
			cr_assert_eq(Y(d, x, y), x < 3 && y >= 4 ? 77 : 16, "Y(%d,%d)", x, y);
	mx_draw(d, &none, s, MX_RENDER_FIT, 1.0);
	cr_assert_eq(Y(d, 2, 2), 16);
	mx_frame_free(d);
	mx_frame_free(s);

	/* A 1x1 source and a 1-pixel-wide region. */
	d = frame(5, 5);
	s = frame(1, 1);
	set_all(s, 33, 44, 55);
	r = (struct mx_rect){ 0, 0, 5, 5 };
	mx_draw(d, &r, s, MX_RENDER_CROP, 1.0);
	cr_assert(Y(d, 4, 4) == 33 && U(d, 2, 2) == 44 && V(d, 0, 0) == 55);
	mx_frame_free(s);
	s = frame(6, 6);
	set_all(s, 1, 2, 3);
	r = (struct mx_rect){ 4, 0, 1, 5 };
	mx_draw(d, &r, s, MX_RENDER_FIT, 1.0);
	mx_draw(d, &r, s, MX_RENDER_CROP, 1.0);
	cr_assert(Y(d, 4, 0) == 1 && Y(d, 3, 0) == 33);
	mx_frame_free(d);
	mx_frame_free(s);
}

/* Plain bilinear with pixel centres aligned and edges clamped, in double. */
static double
ref_sample(const uint8_t *p, int stride, int w, int h, double x, double y)
{
	int x0 = (int)floor(x), y0 = (int)floor(y), x1, y1;
	double fx = x - x0, fy = y - y0;

	if (x0 < 0) { x0 = 0; fx = 0; }
	if (y0 < 0) { y0 = 0; fy = 0; }
	if (x0 >= w - 1) { x0 = w - 1; fx = 0; }
	if (y0 >= h - 1) { y0 = h - 1; fy = 0; }
	x1 = x0 + 1 < w ? x0 + 1 : x0;
	y1 = y0 + 1 < h ? y0 + 1 : y0;
	return (p[y0 * stride + x0] * (1 - fx) + p[y0 * stride + x1] * fx) * (1 - fy) +
	    (p[y1 * stride + x0] * (1 - fx) + p[y1 * stride + x1] * fx) * fy;
}

Test(mix_compose, matches_a_plain_bilinear_reference)
{
	/* Source and region sizes covering up and down scaling, the 2:1 and
	 * 1:1 fast paths, chunks wider than 1024 columns, crop and fit. */
	static const int cases[][4] = {
		{ 640, 360, 320, 180 }, { 360, 640, 320, 180 }, { 160, 90, 320, 180 },
		{ 1280, 720, 320, 180 }, { 100, 60, 250, 130 }, { 2400, 4, 1200, 4 },
		{ 1300, 8, 2600, 8 }, { 97, 33, 64, 64 }, { 64, 64, 62, 64 }, { 5000, 2, 1100, 2 },
		{ 641, 361, 320, 180 }, { 300, 301, 150, 151 }, { 301, 300, 151, 150 },
	};
	struct mx_frame *s, *d;
	struct mx_rect r;
	size_t c;
	int mode, x, y, dw, dh, ox, oy, bad;
	double kx, ky, sx0, sy0, sww, shh, want, alpha;

	for (c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		for (mode = 0; mode < 4; mode++) {
			/* Modes 2 and 3: crop and fit at alpha 0.5 over black (16). */
			alpha = mode < 2 ? 1.0 : 0.5;
			s = frame(cases[c][0], cases[c][1]);
			d = frame(cases[c][2] + 4, cases[c][3] + 4);
			for (y = 0; y < s->h; y++)
				for (x = 0; x < s->w; x++)
					Y(s, x, y) = (uint8_t)((x * 37 + y * 11 + (x * y) % 13) & 0xff);
			r = (struct mx_rect){ 2, 2, cases[c][2], cases[c][3] };
			mx_draw(d, &r, s, mode % 2, alpha);
			/* The mapping of mx_draw's contract. */
			dw = r.w; dh = r.h; sww = s->w; shh = s->h; sx0 = sy0 = 0;
			if (mode % 2 == MX_RENDER_FIT) {
				if ((long)r.w * s->h <= (long)r.h * s->w)
					dh = (long)r.w * s->h == (long)r.h * s->w ? r.h :
					    (int)lround((double)r.w * s->h / s->w / 2) * 2;
				else
					dw = (int)lround((double)r.h * s->w / s->h / 2) * 2;
				if (dw < 2) dw = 2;
				if (dh < 2) dh = 2;
			} else if ((long)r.w * s->h > (long)r.h * s->w) {
				shh = (double)r.h * s->w / r.w;
				sy0 = (s->h - shh) / 2;
			} else if ((long)r.w * s->h < (long)r.h * s->w) {
				sww = (double)r.w * s->h / r.h;
				sx0 = (s->w - sww) / 2;
			}
			ox = r.x + ((r.w - dw) / 2 & ~1);
			oy = r.y + ((r.h - dh) / 2 & ~1);
			kx = sww / dw;
			ky = shh / dh;
			bad = 0;
			for (y = 0; y < dh; y++)
				for (x = 0; x < dw; x++) {
					want = ref_sample(s->y, s->ys, s->w, s->h, sx0 + (x + 0.5) * kx - 0.5,
					    sy0 + (y + 0.5) * ky - 0.5);
					want = 16 * (1 - alpha) + want * alpha;
					if (fabs(Y(d, ox + x, oy + y) - want) > 2.0 && bad++ < 3)
						cr_log_error("case %zu mode %d: (%d,%d) = %d, want %.2f", c, mode,
						    x, y, Y(d, ox + x, oy + y), want);
				}
			cr_assert_eq(bad, 0, "case %zu (%dx%d -> %dx%d) mode %d: %d pixels off", c,
			    s->w, s->h, r.w, r.h, mode, bad);
			/* Nothing outside the picture. */
			for (x = 0; x < d->w; x++)
				cr_assert(Y(d, x, 0) == 16 && Y(d, x, d->h - 1) == 16);
			mx_frame_free(s);
			mx_frame_free(d);
		}
	}
}

static int
rnd(unsigned *seed, int n)
{
	*seed = *seed * 1103515245u + 12345u;
	return (int)((*seed >> 8) % (unsigned)n);
}
#define RND(n) rnd(&seed, (n))

/* Random sources, rectangles (partly outside too), modes and alphas:
 * nothing outside the rectangle changes (run under ASan by make
 * check-san, which also catches reads outside the frames). */
Test(mix_compose, random_rectangles_touch_only_their_pixels)
{
	struct mx_frame *d, *s;
	struct mx_rect r;
	unsigned seed = 12345;
	int it, x, y, x0, y0, x1, y1, cx0, cy0, cx1, cy1, mode;

	for (it = 0; it < 3000; it++) {
		d = frame(1 + RND(90), 1 + RND(90));
		s = frame(1 + RND(300), 1 + RND(300));
		set_all(d, 1, 2, 3);
		for (y = 0; y < s->h; y++)
			for (x = 0; x < s->w; x++)
				Y(s, x, y) = (uint8_t)(100 + RND(100));
		r.x = RND(100) - 20;
		r.y = RND(100) - 20;
		r.w = RND(120);
		r.h = RND(120);
		mode = RND(2);
		mx_draw(d, &r, s, mode, RND(3) == 0 ? 0.5 : 1.0);
		x0 = r.x < 0 ? 0 : r.x;
		y0 = r.y < 0 ? 0 : r.y;
		x1 = r.x + r.w > d->w ? d->w : r.x + r.w;
		y1 = r.y + r.h > d->h ? d->h : r.y + r.h;
		for (y = 0; y < d->h; y++)
			for (x = 0; x < d->w; x++)
				if (x < x0 || x >= x1 || y < y0 || y >= y1)
					cr_assert_eq(Y(d, x, y), 1, "it %d: (%d,%d) outside (%d,%d %dx%d) changed",
					    it, x, y, r.x, r.y, r.w, r.h);
		cx0 = x0 / 2; cy0 = y0 / 2; cx1 = (x1 + 1) / 2; cy1 = (y1 + 1) / 2;
		if (x1 <= x0 || y1 <= y0)
			cx1 = cx0;   /* nothing drawn */
		for (y = 0; y < (d->h + 1) / 2; y++)
			for (x = 0; x < (d->w + 1) / 2; x++)
				if (x < cx0 || x >= cx1 || y < cy0 || y >= cy1)
					cr_assert(U(d, x, y) == 2 && V(d, x, y) == 3, "it %d: chroma (%d,%d) U %d V %d; rect (%d,%d %dx%d) in %dx%d, src %dx%d mode %d", it, x, y, U(d, x, y), V(d, x, y), r.x, r.y, r.w, r.h, d->w, d->h, s->w, s->h, mode);
		mx_frame_free(d);
		mx_frame_free(s);
	}
}

/* ---- audio ---- */

Test(mix_compose, audio_sum_saturates_both_ways)
{
	int16_t a[6] = { 1, -1, 30000, -30000, 32767, -32768 };
	int16_t b[6] = { 2, -2, 30000, -30000, 1, -1 };
	int16_t c[6] = { 3, 4, -30000, 30000, -32768, 32767 };
	int16_t out[6];
	const int16_t *in[4] = { a, NULL, b, c };
	const int16_t *none[2] = { NULL, NULL };

	mx_audio_sum(out, in, 3, 6);   /* a, NULL, b */
	cr_assert(out[0] == 3 && out[1] == -3 && out[2] == 32767 && out[3] == -32768 &&
	    out[4] == 32767 && out[5] == -32768);
	mx_audio_sum(out, in, 4, 6);   /* the sum saturates once, at the end */
	cr_assert(out[0] == 6 && out[1] == 1 && out[2] == 30000 && out[3] == -30000 &&
	    out[4] == 0 && out[5] == -2, "%d %d %d %d %d %d", out[0], out[1], out[2], out[3],
	    out[4], out[5]);
	mx_audio_sum(out, none, 2, 6);
	cr_assert(out[0] == 0 && out[5] == 0);
	mx_audio_sum(out, in, 0, 6);
	cr_assert(out[2] == 0);
	mx_audio_sum(out, in + 3, 1, 6);
	cr_assert_eq(memcmp(out, c, sizeof c), 0);
}

Test(mix_compose, audio_sum_many_inputs)
{
	static int16_t one[4] = { 1000, -1000, 1, 0 };
	const int16_t *in[100];
	int16_t out[4];
	int k;

	for (k = 0; k < 100; k++)
		in[k] = k % 3 == 1 ? NULL : one;   /* 67 inputs */
	mx_audio_sum(out, in, 100, 4);
	cr_assert(out[0] == 32767 && out[1] == -32768 && out[2] == 67 && out[3] == 0);
}

/* ---- images ---- */

static char *ffmpeg_path;
static char tmpdir[64];

static void
need_ffmpeg(void)
{
	struct ag_error err;

	ffmpeg_path = ag_ff_find("AGREC_FFMPEG", "ffmpeg", &err);
	if (ffmpeg_path == NULL) {
		fprintf(stderr, "SKIPPED: mix_image: ffmpeg is not installed: %s\n", err.msg);
		cr_skip_test("SKIPPED: ffmpeg is not installed: %s", err.msg);
	}
	snprintf(tmpdir, sizeof tmpdir, "/tmp/miximage.XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
}

/* ffmpeg -f lavfi -i SRC -frames:v 1 DIR/NAME */
static const char *
make_image(const char *src, const char *name)
{
	static char path[128];
	struct ag_argv av = { 0 };
	struct ag_error err;
	char *out, *errout;
	size_t len;
	int status;

	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	ag_argv_pushl(&av, ffmpeg_path, "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", src,
	    "-frames:v", "1", path, NULL);
	cr_assert_eq(ag_run_capture(ffmpeg_path, av.v, 65536, &out, &len, &errout, &status, &err), 0,
	    "%s", err.msg);
	cr_assert(ag_status_ok(status), "ffmpeg: %s", errout);
	free(out);
	free(errout);
	ag_argv_free(&av);
	return path;
}

static void
cleanup_dir(void)
{
	char cmdpath[128];
	static const char *const names[] = { "c.png", "c.jpg", "odd.png", "junk.png" };
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(cmdpath, sizeof cmdpath, "%s/%s", tmpdir, names[i]);
		unlink(cmdpath);
	}
	rmdir(tmpdir);
	free(ffmpeg_path);
}

Test(mix_image, load_png_and_jpeg, .init = need_ffmpeg, .fini = cleanup_dir)
{
	struct mx_frame *f;
	struct ag_error err;
	const char *p;

	p = make_image("color=c=0x23b9dc:s=64x48", "c.png");
	cr_assert_eq(mx_image_load(ffmpeg_path, p, 0, 0, &f, &err), 0, "%s", err.msg);
	cr_assert(f->w == 64 && f->h == 48);
	/* ffmpeg's rgb24 -> yuv420p is within 1 of the exact 140 166 60. */
	cr_assert(abs(Y(f, 10, 10) - 140) <= 1 && abs(U(f, 5, 5) - 166) <= 1 &&
	    abs(V(f, 31, 23) - 60) <= 1, "%d %d %d", Y(f, 10, 10), U(f, 5, 5), V(f, 31, 23));
	mx_frame_free(f);
	cr_assert_eq(mx_image_load(ffmpeg_path, p, 32, 20, &f, &err), 0, "%s", err.msg);
	cr_assert(f->w == 32 && f->h == 20);
	cr_assert(abs(Y(f, 31, 19) - 140) <= 1);
	mx_frame_free(f);

	/* A full-range JPEG comes back in limited range. */
	p = make_image("color=c=0xffffff:s=32x32", "c.jpg");
	cr_assert_eq(mx_image_load(ffmpeg_path, p, 0, 0, &f, &err), 0, "%s", err.msg);
	cr_assert(f->w == 32 && f->h == 32);
	cr_assert(abs(Y(f, 16, 16) - 235) <= 1, "Y %d", Y(f, 16, 16));
	mx_frame_free(f);

	/* Odd sizes are rounded down to even. */
	p = make_image("testsrc=s=101x57", "odd.png");
	cr_assert_eq(mx_image_load(ffmpeg_path, p, 0, 0, &f, &err), 0, "%s", err.msg);
	cr_assert(f->w == 100 && f->h == 56, "%dx%d", f->w, f->h);
	mx_frame_free(f);

	/* A name that is not a pattern nor an option, without an extension. */
	p = make_image("color=c=0x000000:s=16x16", "c.png");
	{
		char odd[128];

		snprintf(odd, sizeof odd, "%s/-bg%%03d", tmpdir);
		cr_assert_eq(rename(p, odd), 0);
		cr_assert_eq(mx_image_load(ffmpeg_path, odd, 8, 8, &f, &err), 0, "%s", err.msg);
		cr_assert(f->w == 8 && f->h == 8 && Y(f, 7, 7) == 16);
		mx_frame_free(f);
		unlink(odd);
	}
}

Test(mix_image, errors, .init = need_ffmpeg, .fini = cleanup_dir)
{
	struct mx_frame *f = (struct mx_frame *)1;
	struct ag_error err;
	char path[128];
	FILE *fp;

	snprintf(path, sizeof path, "%s/missing.png", tmpdir);
	cr_assert_eq(mx_image_load(ffmpeg_path, path, 0, 0, &f, &err), -1);
	cr_assert_null(f);
	cr_assert_eq(err.code, AG_EX_IOERR);
	cr_assert(strncmp(err.msg, "cannot open ", 12) == 0 && strstr(err.msg, "No such file"),
	    "%s", err.msg);

	snprintf(path, sizeof path, "%s/junk.png", tmpdir);
	cr_assert_not_null(fp = fopen(path, "w"));
	fputs("this is not an image\n", fp);
	fclose(fp);
	cr_assert_eq(mx_image_load(ffmpeg_path, path, 0, 0, &f, &err), -1);
	cr_assert_eq(err.code, AG_EX_DATAERR);
	cr_assert(strncmp(err.msg, "cannot decode ", 14) == 0, "%s", err.msg);

	cr_assert_eq(mx_image_load(ffmpeg_path, tmpdir, 0, 0, &f, &err), -1);
	cr_assert_eq(err.code, AG_EX_IOERR);
	cr_assert(strstr(err.msg, ": not a regular file") != NULL, "%s", err.msg);

	cr_assert_eq(mx_image_load(ffmpeg_path, path, 4, 0, &f, &err), -1);
	cr_assert_eq(err.code, AG_EX_USAGE);
	cr_assert_eq(mx_image_load("/nonexistent/ffmpeg", path, 0, 0, &f, &err), -1);
	cr_assert_eq(err.code, AG_EX_UNAVAILABLE, "%d %s", err.code, err.msg);
}
