/*
 * test_mix_layout.c - cmd/mix/layout.c against agora-format.md §5: the
 * built-in floating, best-fit and vertical layouts for 1..17 users and
 * more (fractions and pixel rectangles, the real 360x640 check of §5.2),
 * custom JSON layouts good and bad (the exact message, with its line and
 * field), the join-order assignment, and the example layouts shipped in
 * contrib/layouts/.
 */
#include <criterion/criterion.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mix/layout.h"

#define EPS 1e-12

static const uint32_t users[20] = {
	101, 102, 103, 104, 105, 106, 107, 108, 109, 110,
	111, 112, 113, 114, 115, 116, 117, 118, 119, 120
};

static void
region_is(const struct mx_region *r, uint32_t uid, double x, double y, double w, double h,
    int mode)
{
	cr_assert(r->has_uid);
	cr_assert_eq(r->uid, uid);
	cr_assert_float_eq(r->x, x, EPS, "uid %u: x %.17g, want %.17g", uid, r->x, x);
	cr_assert_float_eq(r->y, y, EPS, "uid %u: y %.17g, want %.17g", uid, r->y, y);
	cr_assert_float_eq(r->w, w, EPS, "uid %u: w %.17g, want %.17g", uid, r->w, w);
	cr_assert_float_eq(r->h, h, EPS, "uid %u: h %.17g, want %.17g", uid, r->h, h);
	cr_assert_eq(r->z, 0);
	cr_assert_float_eq(r->alpha, 1.0, EPS);
	cr_assert_eq(r->render_mode, mode, "uid %u: render mode %d", uid, r->render_mode);
}

static void
rect_is(const struct mx_region *r, int W, int H, int x, int y, int w, int h)
{
	struct mx_rect px;

	mx_region_rect(r, W, H, &px);
	cr_assert(px.x == x && px.y == y && px.w == w && px.h == h,
	    "uid %u on %dx%d: (%d,%d %dx%d), want (%d,%d %dx%d)", r->uid, W, H,
	    px.x, px.y, px.w, px.h, x, y, w, h);
}

/* Every region's pixel rectangle is even and inside the canvas. */
static void
rects_sane(const struct mx_layout *l, int W, int H)
{
	struct mx_rect px;
	size_t i;

	for (i = 0; i < l->n; i++) {
		mx_region_rect(&l->regions[i], W, H, &px);
		cr_assert(px.x % 2 == 0 && px.y % 2 == 0 && px.w % 2 == 0 && px.h % 2 == 0);
		cr_assert(px.x >= 0 && px.y >= 0 && px.x + px.w <= W && px.y + px.h <= H);
		cr_assert(l->regions[i].x + l->regions[i].w <= 1 + 1e-9);
		cr_assert(l->regions[i].y + l->regions[i].h <= 1 + 1e-9);
	}
}

static struct mx_layout
builtin(int mode, size_t n, int W, int H, bool has_max, uint32_t max, size_t *dropped)
{
	struct mx_layout l;
	struct ag_error err;

	cr_assert_eq(mx_layout_builtin(mode, users, n, W, H, has_max, max, &l, dropped, &err), 0,
	    "%s", err.msg);
	cr_assert_eq(l.canvas_w, W);
	cr_assert_eq(l.canvas_h, H);
	cr_assert(l.has_bg);
	cr_assert_eq(l.bg_rgb, MX_DEFAULT_BG);
	rects_sane(&l, W, H);
	return l;
}

/* ---- floating ---- */

Test(mx_layout, floating_formula_for_1_to_17_users)
{
	static const int canvas[2][2] = { { 360, 640 }, { 640, 360 } };
	struct mx_layout l;
	size_t n, i, k, dropped, shown;
	double r;
	int c;

	for (c = 0; c < 2; c++) {
		r = (double)canvas[c][0] / canvas[c][1];
		for (n = 1; n <= 17; n++) {
			l = builtin(0, n, canvas[c][0], canvas[c][1], false, 0, &dropped);
			/* 7 rows of 4 on 9:16, 2 rows on 16:9. */
			shown = c == 0 ? n : (n < 9 ? n : 9);
			cr_assert_eq(l.n, shown, "%zu users on %dx%d: %zu regions", n,
			    canvas[c][0], canvas[c][1], l.n);
			cr_assert_eq(dropped, n - shown);
			region_is(&l.regions[0], users[0], 0, 0, 1, 1, MX_RENDER_CROP);
			for (i = 1; i < shown; i++) {
				k = i - 1;
				region_is(&l.regions[i], users[i], 0.012 + (double)(k % 4) * 0.247,
				    1 - (double)(k / 4 + 1) * 0.247 * r, 0.235, 0.235 * r,
				    MX_RENDER_CROP);
			}
			mx_layout_free(&l);
		}
	}
}

Test(mx_layout, floating_real_check_360x640)
{
	struct mx_layout l = builtin(0, 2, 360, 640, false, 0, NULL);

	/* The 2.3.0 log: (0.012, 0.861063, 0.235, 0.132188); the video: an
	 * 84x84 tile at (4, 550). */
	cr_assert_float_eq(l.regions[1].x, 0.012, 1e-6);
	cr_assert_float_eq(l.regions[1].y, 0.861063, 1e-6);
	cr_assert_float_eq(l.regions[1].w, 0.235, 1e-6);
	cr_assert_float_eq(l.regions[1].h, 0.132188, 1e-6);
	rect_is(&l.regions[0], 360, 640, 0, 0, 360, 640);
	rect_is(&l.regions[1], 360, 640, 4, 550, 84, 84);
	mx_layout_free(&l);
}

Test(mx_layout, floating_pixels)
{
	struct mx_layout l = builtin(0, 17, 360, 640, false, 0, NULL);

	/* Tiles 2..4 of the first row; 0.259*360 = 93.24 -> 92. */
	rect_is(&l.regions[2], 360, 640, 92, 550, 84, 84);
	rect_is(&l.regions[3], 360, 640, 182, 550, 84, 84);
	rect_is(&l.regions[4], 360, 640, 270, 550, 84, 84);
	/* Second row: y = 1 - 2*0.247*0.5625 = 0.722125 -> 462.16 -> 462. */
	rect_is(&l.regions[5], 360, 640, 4, 462, 84, 84);
	/* Fourth row, user 17 (k = 15): y = 1 - 4*0.1389375 = 0.44425 -> 284. */
	rect_is(&l.regions[16], 360, 640, 270, 284, 84, 84);
	mx_layout_free(&l);

	l = builtin(0, 12, 640, 360, false, 0, NULL);
	cr_assert_eq(l.n, 9);
	rect_is(&l.regions[0], 640, 360, 0, 0, 640, 360);
	/* 0.235*640 = 150.4; y = 1 - 0.247*16/9 = 0.560889 -> 201.9 -> 202. */
	rect_is(&l.regions[1], 640, 360, 8, 202, 150, 150);
	rect_is(&l.regions[4], 640, 360, 482, 202, 150, 150);
	rect_is(&l.regions[5], 640, 360, 8, 44, 150, 150);
	rect_is(&l.regions[8], 640, 360, 482, 44, 150, 150);
	mx_layout_free(&l);
}

/* ---- best-fit ---- */

Test(mx_layout, bestfit_formula_for_1_to_17_users)
{
	struct mx_layout l;
	size_t n, i, N, dropped;

	for (n = 1; n <= 17; n++) {
		l = builtin(1, n, 640, 360, false, 0, &dropped);
		cr_assert_eq(l.n, n);
		cr_assert_eq(dropped, 0);
		for (i = 0; i < n; i++) {
			if (n == 1) {
				region_is(&l.regions[i], users[i], 0, 0, 1, 1, MX_RENDER_CROP);
			} else if (n == 2) {
				region_is(&l.regions[i], users[i], 0.5 * (double)i, 0, 0.5, 1,
				    MX_RENDER_CROP);
			} else if (n == 17) {
				if (i < 16)
					region_is(&l.regions[i], users[i], 0.1 + 0.2 * (double)(i % 4),
					    0.2 * (double)(i / 4), 0.2, 0.2, MX_RENDER_CROP);
				else
					region_is(&l.regions[i], users[i], 0.4, 0.8, 0.2, 0.2,
					    MX_RENDER_CROP);
			} else {
				N = n <= 4 ? 2 : n <= 9 ? 3 : 4;
				region_is(&l.regions[i], users[i], (double)(i % N) / (double)N,
				    (double)(i / N) / (double)N, 1.0 / (double)N, 1.0 / (double)N,
				    MX_RENDER_CROP);
			}
		}
		mx_layout_free(&l);
	}
}

Test(mx_layout, bestfit_pixels_and_more_than_17)
{
	struct mx_layout l;
	size_t dropped;

	l = builtin(1, 2, 360, 640, false, 0, NULL);
	rect_is(&l.regions[0], 360, 640, 0, 0, 180, 640);
	rect_is(&l.regions[1], 360, 640, 180, 0, 180, 640);
	mx_layout_free(&l);

	l = builtin(1, 5, 640, 360, false, 0, NULL);
	/* 1/3 of 640 = 213.3 -> 212; 2/3 = 426.7 -> 426; 1/3 of 360 = 120. */
	rect_is(&l.regions[0], 640, 360, 0, 0, 212, 120);
	rect_is(&l.regions[4], 640, 360, 212, 120, 212, 120);
	mx_layout_free(&l);

	l = builtin(1, 20, 640, 360, false, 0, &dropped);
	cr_assert_eq(l.n, 17);
	cr_assert_eq(dropped, 3);
	cr_assert_eq(l.regions[16].uid, users[16]);
	rect_is(&l.regions[16], 640, 360, 256, 288, 128, 72);
	mx_layout_free(&l);

	l = builtin(1, 0, 640, 360, false, 0, &dropped);
	cr_assert_eq(l.n, 0);
	cr_assert_eq(dropped, 0);
	mx_layout_free(&l);
}

/* ---- vertical ---- */

/* The layout of n users with uids[big] as B (big < 0: B absent). */
static void
check_vertical(size_t n, int big, int tier_cap, double bw, double sw, double sh)
{
	struct mx_layout l;
	size_t i, j = 0, m = 0, dropped, want_small;
	uint32_t max = big >= 0 ? users[big] : 999;
	double sx, sy;

	l = builtin(2, n, 360, 640, true, max, &dropped);
	want_small = n - (big >= 0 ? 1 : 0);
	cr_assert_eq(dropped, want_small > 16 ? want_small - 16 : 0);
	for (i = 0; i < n; i++) {
		if ((int)i == big) {
			region_is(&l.regions[m++], users[i], 0, 0, bw, 1, MX_RENDER_FIT);
			continue;
		}
		if ((int)j >= tier_cap)
			break;
		if (tier_cap == 16) {
			sx = j < 8 ? 0.8 : 0.9;
			sy = (double)(j % 8) / 8;
		} else {
			sx = bw;
			sy = (double)j * sh;
		}
		region_is(&l.regions[m++], users[i], sx, sy, sw, sh, MX_RENDER_CROP);
		j++;
	}
	cr_assert_eq(l.n, m, "%zu users: %zu regions, want %zu", n, l.n, m);
	mx_layout_free(&l);
}

Test(mx_layout, vertical_tiers)
{
	size_t n;
	int big;

	for (big = 0; big < 3; big++) {
		for (n = (size_t)big + 1; n <= 18; n++) {
			if (n - 1 <= 4)
				check_vertical(n, big, 4, 0.8, 0.2, 0.25);
			else if (n - 1 <= 6)
				check_vertical(n, big, 6, 6.0 / 7, 1.0 / 7, 1.0 / 6);
			else if (n - 1 <= 8)
				check_vertical(n, big, 8, 8.0 / 9, 1.0 / 9, 1.0 / 8);
			else
				check_vertical(n, big, 16, 0.8, 0.1, 1.0 / 8);
		}
	}
}

Test(mx_layout, vertical_absent_max_uid_escalates)
{
	/* B absent: every user is small, so 5 users need T7, 9 need T17. */
	check_vertical(4, -1, 4, 0.8, 0.2, 0.25);
	check_vertical(5, -1, 6, 6.0 / 7, 1.0 / 7, 1.0 / 6);
	check_vertical(7, -1, 8, 8.0 / 9, 1.0 / 9, 1.0 / 8);
	check_vertical(9, -1, 16, 0.8, 0.1, 1.0 / 8);
	check_vertical(17, -1, 16, 0.8, 0.1, 1.0 / 8);
}

Test(mx_layout, vertical_without_max_uid_option)
{
	struct mx_layout l;
	struct ag_error err;

	cr_assert_eq(mx_layout_builtin(2, users, 3, 360, 640, false, 0, &l, NULL, &err), 0);
	cr_assert_eq(l.n, 3);
	region_is(&l.regions[2], users[2], 0.8, 0.5, 0.2, 0.25, MX_RENDER_CROP);
	mx_layout_free(&l);
}

Test(mx_layout, vertical_pixels)
{
	struct mx_layout l = builtin(2, 3, 640, 360, true, users[1], NULL);

	rect_is(&l.regions[0], 640, 360, 512, 0, 128, 90);
	rect_is(&l.regions[1], 640, 360, 0, 0, 512, 360);
	rect_is(&l.regions[2], 640, 360, 512, 90, 128, 90);
	mx_layout_free(&l);
}

/* Active speaker: the vertical geometry, the speaker (max) large
 * wherever it is in join order, the others in the strip in join order. */
Test(mx_layout, active_speaker_is_vertical_with_the_speaker_large)
{
	struct mx_layout l = builtin(3, 3, 640, 360, true, users[2], NULL);

	cr_assert_eq(l.n, 3);
	region_is(&l.regions[0], users[0], 0.8, 0, 0.2, 0.25, MX_RENDER_CROP);
	region_is(&l.regions[1], users[1], 0.8, 0.25, 0.2, 0.25, MX_RENDER_CROP);
	region_is(&l.regions[2], users[2], 0, 0, 0.8, 1, MX_RENDER_FIT);
	rect_is(&l.regions[2], 640, 360, 0, 0, 512, 360);
	mx_layout_free(&l);
}

Test(mx_layout, builtin_bad_arguments)
{
	struct mx_layout l;
	struct ag_error err;

	cr_assert_eq(mx_layout_builtin(4, users, 2, 640, 360, false, 0, &l, NULL, &err), -1);
	cr_assert_eq(err.code, AG_EX_USAGE);
	cr_assert_str_eq(err.msg, "layout mode 4: must be 0 (floating), 1 (best-fit), "
	    "2 (vertical) or 3 (active speaker)");
	cr_assert_eq(mx_layout_builtin(0, users, 2, 0, 360, false, 0, &l, NULL, &err), -1);
	cr_assert_eq(err.code, AG_EX_USAGE);
	mx_layout_free(NULL);
}

/* ---- mx_region_rect ---- */

Test(mx_layout, region_rect_rounds_to_even_and_clips)
{
	struct mx_region r = { true, 1, 0.5, 0.25, 0.5, 0.75, 0, 1, 0 };
	struct mx_rect px;

	mx_region_rect(&r, 641, 361, &px);
	/* 320.5 -> 321 -> 320; 90.25 -> 90; 320.5 -> 320; 270.75 -> 270. */
	cr_assert(px.x == 320 && px.y == 90 && px.w == 320 && px.h == 270);
	r.x = 0.999; r.w = 0.5;   /* not from a valid layout: clipped */
	mx_region_rect(&r, 640, 360, &px);
	cr_assert(px.x == 638 && px.w == 2, "(%d, %d)", px.x, px.w);
	r.x = 0; r.w = 1; r.y = 0; r.h = 1;
	mx_region_rect(&r, 641, 361, &px);
	cr_assert(px.x == 0 && px.y == 0 && px.w == 640 && px.h == 360);
}

/* ---- custom layouts ---- */

static int
parse(const char *text, struct mx_layout *l, struct ag_error *warn, struct ag_error *err)
{
	ag_error_clear(err);
	return mx_layout_parse(text, strlen(text), "layout.json", l, warn, err);
}

/* text must be rejected with exactly msg. */
static void
bad(const char *text, const char *msg)
{
	struct mx_layout l;
	struct ag_error err, warn;

	memset(&l, 0x5a, sizeof l);
	cr_assert_eq(parse(text, &l, &warn, &err), -1, "accepted: %s", text);
	cr_assert_eq(err.code, AG_EX_DATAERR);
	cr_assert_str_eq(err.msg, msg);
	cr_assert_eq(l.n, 0);
	cr_assert_null(l.regions);
	cr_assert_eq(warn.code, 0);
}

static const char good_text[] =
    "{\n"
    "  \"canvasWidth\": 640,\n"
    "  \"canvasHeight\": 360,\n"
    "  \"backgroundColor\": \"#1A2b3C\",\n"
    "  \"regions\": [\n"
    "    {\"uid\": 1001, \"x\": 0, \"y\": 0, \"width\": 0.5, \"height\": 1,\n"
    "     \"zOrder\": 0, \"alpha\": 1.0, \"renderMode\": 0},\n"
    "    {\"x\": 0.5, \"y\": 0, \"width\": 0.5, \"height\": 1, \"renderMode\": 2},\n"
    "    {\"uid\": 4294967295, \"x\": 0.75, \"y\": 0.75, \"width\": 0.25, \"height\": 0.25,\n"
    "     \"zOrder\": 100, \"alpha\": 0.5, \"renderMode\": 1}\n"
    "  ]\n"
    "}\n";

Test(mx_layout, custom_good)
{
	struct mx_layout l;
	struct ag_error err, warn;

	cr_assert_eq(parse(good_text, &l, &warn, &err), 0, "%s", err.msg);
	cr_assert_eq(warn.code, 0);
	cr_assert_str_eq(warn.msg, "");
	cr_assert_eq(l.canvas_w, 640);
	cr_assert_eq(l.canvas_h, 360);
	cr_assert(l.has_bg);
	cr_assert_eq(l.bg_rgb, 0x1a2b3c);
	cr_assert_eq(l.n, 3);
	cr_assert(l.regions[0].has_uid && l.regions[0].uid == 1001);
	cr_assert_float_eq(l.regions[0].w, 0.5, EPS);
	cr_assert_eq(l.regions[0].render_mode, MX_RENDER_CROP);
	cr_assert(!l.regions[1].has_uid);
	cr_assert_float_eq(l.regions[1].x, 0.5, EPS);
	cr_assert_eq(l.regions[1].z, 0);
	cr_assert_float_eq(l.regions[1].alpha, 1.0, EPS);
	cr_assert_eq(l.regions[1].render_mode, MX_RENDER_FIT);
	cr_assert(l.regions[2].has_uid && l.regions[2].uid == 4294967295u);
	cr_assert_eq(l.regions[2].z, 100);
	cr_assert_float_eq(l.regions[2].alpha, 0.5, EPS);
	cr_assert_eq(l.regions[2].render_mode, MX_RENDER_FIT);
	mx_layout_free(&l);
	cr_assert_eq(l.n, 0);
	cr_assert_null(l.regions);
}

Test(mx_layout, custom_minimal_and_defaults)
{
	struct mx_layout l;
	struct ag_error err;

	/* A BOM, integers for fractions, no canvas, no colour, NULL warn. */
	cr_assert_eq(parse("\xef\xbb\xbf{\"regions\":[{\"x\":0,\"y\":0,\"width\":1,\"height\":1}]}",
	    &l, NULL, &err), 0, "%s", err.msg);
	cr_assert_eq(l.canvas_w, 0);
	cr_assert_eq(l.canvas_h, 0);
	cr_assert(!l.has_bg);
	cr_assert_eq(l.n, 1);
	cr_assert(!l.regions[0].has_uid);
	cr_assert_eq(l.regions[0].z, 0);
	cr_assert_float_eq(l.regions[0].alpha, 1.0, EPS);
	cr_assert_eq(l.regions[0].render_mode, MX_RENDER_CROP);
	mx_layout_free(&l);

	/* x + width = 1 within rounding (0.1 + 0.9, 0.7 + 0.3). */
	cr_assert_eq(parse("{\"regions\":[{\"x\":0.1,\"y\":0.7,\"width\":0.9,\"height\":0.3}]}",
	    &l, NULL, &err), 0, "%s", err.msg);
	mx_layout_free(&l);
}

Test(mx_layout, custom_warnings)
{
	struct mx_layout l;
	struct ag_error err, warn;

	cr_assert_eq(parse("{\"regions\": [\n"
	    "{\"x\":0,\"y\":0,\"width\":1,\"height\":1,\n"
	    " \"alpha\": 2.0},\n"
	    "{\"x\":0,\"y\":0,\"width\":1,\"height\":1, \"alpha\": -0.5,\n"
	    " \"renderMode\": 7}]}\n", &l, &warn, &err), 0, "%s", err.msg);
	cr_assert_float_eq(l.regions[0].alpha, 1.0, EPS);
	cr_assert_float_eq(l.regions[1].alpha, 0.0, EPS);
	cr_assert_eq(l.regions[1].render_mode, MX_RENDER_CROP);
	cr_assert_eq(warn.code, AG_EX_DATAERR);
	cr_assert_str_eq(warn.msg,
	    "layout.json:3: regions[0].alpha: 2 is outside 0..1: using 1; "
	    "layout.json:4: regions[1].alpha: -0.5 is outside 0..1: using 0; "
	    "layout.json:5: regions[1].renderMode: 7 is not 0 (crop), 1 or 2 (fit): using 0 (crop)");
	mx_layout_free(&l);
}

Test(mx_layout, custom_bad_values_name_line_and_field)
{
	bad("{\n \"regions\": [\n  {\"x\":0,\"y\":0,\"width\":1,\"height\":1},\n"
	    "  {\"x\":0,\n   \"y\":0,\n   \"width\":0.5,\n   \"x\": 1.2}]}",
	    "layout.json:7:6: invalid JSON: duplicate object key near '\"x\"'");
	bad("{\n \"regions\": [\n  {\"x\":0,\"y\":0,\"width\":1,\"height\":1},\n"
	    "  {\"y\":0,\n   \"height\":1,\n   \"width\":0.5,\n   \"x\": 1.2}]}",
	    "layout.json:7: regions[1].x: 1.2 is outside 0..1");
	bad("{\"regions\": [\n{\"x\":0,\"y\":0,\"width\":1,\"height\":1},\n"
	    "{\"x\":0.5,\"y\":0,\n\"width\":0.8,\"height\":1}]}",
	    "layout.json:3: regions[1]: x + width = 1.3 exceeds 1");
	bad("{\"regions\": [{\"x\":0,\"y\":0.5,\"width\":1,\"height\":0.75}]}",
	    "layout.json:1: regions[0]: y + height = 1.25 exceeds 1");
	bad("{\"regions\": [{\"x\":-0.1,\"y\":0,\"width\":1,\"height\":1}]}",
	    "layout.json:1: regions[0].x: -0.1 is outside 0..1");
	bad("{\"regions\": [{\"x\":0,\"y\":0,\"width\":1,\n\"height\":2}]}",
	    "layout.json:2: regions[0].height: 2 is outside 0..1");
	bad("{\"regions\": [{\"x\":0,\"y\":0,\"width\":1,\"height\":1,\n\n\"zOrder\":101}]}",
	    "layout.json:3: regions[0].zOrder: 101 is outside 0..100");
	bad("{\"regions\": [{\"x\":0,\"y\":0,\"width\":1,\"height\":1,\"zOrder\":-1}]}",
	    "layout.json:1: regions[0].zOrder: -1 is outside 0..100");
}

Test(mx_layout, custom_bad_types)
{
	bad("{\"regions\": [{\"x\":\"0\",\"y\":0,\"width\":1,\"height\":1}]}",
	    "layout.json:1: regions[0].x: expected a number, got a string");
	bad("{\"regions\": [{\"x\":0,\"y\":null,\"width\":1,\"height\":1}]}",
	    "layout.json:1: regions[0].y: expected a number, got null");
	bad("{\"regions\": [{\"x\":0,\"y\":0,\"width\":true,\"height\":1}]}",
	    "layout.json:1: regions[0].width: expected a number, got true");
	bad("{\"regions\": [{\"x\":0,\"y\":0,\"width\":1,\"height\":1,\"zOrder\":1.5}]}",
	    "layout.json:1: regions[0].zOrder: expected an integer, got a real number");
	bad("{\"regions\": [{\"x\":0,\"y\":0,\"width\":1,\"height\":1,\"renderMode\":\"fit\"}]}",
	    "layout.json:1: regions[0].renderMode: expected an integer, got a string");
	bad("{\"regions\": [{\"x\":0,\"y\":0,\"width\":1,\"height\":1,\"alpha\":[1]}]}",
	    "layout.json:1: regions[0].alpha: expected a number, got an array");
	bad("{\"regions\": [{\"x\":0,\"y\":0,\"width\":1,\"height\":1,\"uid\":\"1001\"}]}",
	    "layout.json:1: regions[0].uid: expected an integer, got a string");
	bad("{\"regions\": [{\"x\":0,\"y\":0,\"width\":1,\"height\":1,\"uid\":1001.0}]}",
	    "layout.json:1: regions[0].uid: expected an integer, got a real number");
	bad("{\"regions\": [{\"x\":0,\"y\":0,\"width\":1,\"height\":1},\n 5]}",
	    "layout.json:2: regions[1]: expected an object, got an integer");
	bad("{\"regions\": {\"x\":0}}",
	    "layout.json:1: regions: expected an array, got an object");
	bad("{\"canvasWidth\": \"640\", \"canvasHeight\": 360, \"regions\": []}",
	    "layout.json:1: canvasWidth: expected an integer, got a string");
	bad("{\"backgroundColor\": 255, \"regions\": []}",
	    "layout.json:1: backgroundColor: expected a string, got an integer");
}

Test(mx_layout, custom_bad_uids)
{
	bad("{\"regions\": [{\"uid\": -1, \"x\":0,\"y\":0,\"width\":1,\"height\":1}]}",
	    "layout.json:1: regions[0].uid: -1 is not a uint32 (0..4294967295)");
	bad("{\"regions\": [{\"uid\": 4294967296, \"x\":0,\"y\":0,\"width\":1,\"height\":1}]}",
	    "layout.json:1: regions[0].uid: 4294967296 is not a uint32 (0..4294967295)");
	bad("{\"regions\": [\n"
	    "  {\"uid\": 7, \"x\":0,\"y\":0,\"width\":1,\"height\":1},\n"
	    "  {\"x\":0,\"y\":0,\"width\":1,\"height\":1},\n"
	    "  {\"x\":0,\"y\":0,\"width\":1,\"height\":1,\n"
	    "   \"uid\": 7}]}",
	    "layout.json:5: regions[2].uid: 7 is also regions[0].uid");
}

Test(mx_layout, custom_bad_structure)
{
	char big[8192];
	size_t n, i;

	bad("[{\"x\":0}]", "layout.json:1: layout: expected an object, got an array");
	bad("\n\n  {\"regions\": [], \"canvasWidth\": 640, \"canvasHeight\": 360}",
	    "layout.json:3: regions: the list is empty");
	bad("{\n  \"canvasWidth\": 640, \"canvasHeight\": 360\n}",
	    "layout.json:1: layout: missing \"regions\"");
	bad("{\"regions\": [\n  {\"x\":0,\"y\":0,\n   \"height\":1}]}",
	    "layout.json:2: regions[0]: missing \"width\"");
	bad("{\"regions\": [],\n \"canvasWidht\": 640}",
	    "layout.json:2: canvasWidht: unknown key \"canvasWidht\"");
	bad("{\"regions\": [\n{\"x\":0,\"y\":0,\"width\":1,\"height\":1,\n \"z\\u004frder\": 1,\n"
	    " \"zorder\": 1}]}",
	    "layout.json:4: regions[0].zorder: unknown key \"zorder\"");
	bad("{\"regions\": [{\"x\":0,\"y\":0,\"width\":1,\"height\":1,\n\"a\\tb\\\"\": 1}]}",
	    "layout.json:2: regions[0].a\tb\": unknown key \"a\\x09b\\x22\"");
	bad("{\"canvasWidth\": 640, \"regions\": []}",
	    "layout.json:1: canvasWidth: given without canvasHeight");
	bad("{\"canvasWidth\": 641, \"canvasHeight\": 360, \"regions\": []}",
	    "layout.json:1: canvasWidth: 641 is not an even number in 16..7680");
	bad("{\"canvasWidth\": 640, \"canvasHeight\": 0, \"regions\": []}",
	    "layout.json:1: canvasHeight: 0 is not an even number in 16..7680");
	bad("{\"backgroundColor\": \"red\", \"regions\": []}",
	    "layout.json:1: backgroundColor: \"red\" is not a colour \"#RRGGBB\"");
	bad("{\"backgroundColor\": \"#12345g\", \"regions\": []}",
	    "layout.json:1: backgroundColor: \"#12345g\" is not a colour \"#RRGGBB\"");

	/* 65 regions. */
	n = (size_t)snprintf(big, sizeof big, "{\"regions\": [");
	for (i = 0; i < 65; i++)
		n += (size_t)snprintf(big + n, sizeof big - n,
		    "%s\n{\"x\":0,\"y\":0,\"width\":1,\"height\":1}", i > 0 ? "," : "");
	snprintf(big + n, sizeof big - n, "]}");
	bad(big, "layout.json:1: regions: 65 regions, at most 64");
	/* 64 are fine. */
	n = (size_t)snprintf(big, sizeof big, "{\"regions\": [");
	for (i = 0; i < 64; i++)
		n += (size_t)snprintf(big + n, sizeof big - n,
		    "%s\n{\"x\":0,\"y\":0,\"width\":1,\"height\":1}", i > 0 ? "," : "");
	snprintf(big + n, sizeof big - n, "]}");
	{
		struct mx_layout l;
		struct ag_error err;

		cr_assert_eq(parse(big, &l, NULL, &err), 0, "%s", err.msg);
		cr_assert_eq(l.n, 64);
		mx_layout_free(&l);
	}
}

Test(mx_layout, custom_syntax_errors)
{
	bad("", "layout.json:1:1: invalid JSON: '[' or '{' expected near end of file");
	bad("{\"regions\": [\n  {\"x\": 0,}\n]}",
	    "layout.json:2:11: invalid JSON: string or '}' expected near '}'");
	bad("{\"regions\": [\n]\n", "layout.json:3:1: invalid JSON: '}' expected near end of file");
	bad("{\"regions\": []} x", "layout.json:1:17: invalid JSON: end of file expected near 'x'");
}

Test(mx_layout, custom_text_without_nul)
{
	struct mx_layout l;
	struct ag_error err;
	const char *t = "{\"regions\":[{\"x\":0,\"y\":0,\"width\":1,\"height\":1}]}";
	size_t len = strlen(t);
	char *copy = malloc(len);

	memcpy(copy, t, len);
	cr_assert_eq(mx_layout_parse(copy, len, "l", &l, NULL, &err), 0, "%s", err.msg);
	mx_layout_free(&l);
	free(copy);
}

Test(mx_layout, load_files)
{
	char dir[] = "/tmp/mixlayout.XXXXXX", path[64];
	struct mx_layout l;
	struct ag_error err, warn;
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/l.json", dir);
	cr_assert_eq(mx_layout_load(path, &l, &warn, &err), -1);
	cr_assert_eq(err.code, AG_EX_IOERR);
	cr_assert(strstr(err.msg, "l.json: No such file") != NULL,
	    "%s", err.msg);
	cr_assert_not_null(f = fopen(path, "w"));
	fputs(good_text, f);
	fclose(f);
	cr_assert_eq(mx_layout_load(path, &l, &warn, &err), 0, "%s", err.msg);
	cr_assert_eq(l.n, 3);
	mx_layout_free(&l);
	cr_assert_not_null(f = fopen(path, "w"));
	fputs("{\n\"regions\": [\n{\"x\": 2}]}", f);
	fclose(f);
	cr_assert_eq(mx_layout_load(path, &l, &warn, &err), -1);
	cr_assert_eq(err.code, AG_EX_DATAERR);
	cr_assert(strstr(err.msg, "/l.json:3: regions[0].x: 2 is outside 0..1") != NULL, "%s", err.msg);
	cr_assert_eq(mx_layout_load(dir, &l, &warn, &err), -1);
	cr_assert_eq(err.code, AG_EX_IOERR);
	unlink(path);
	rmdir(dir);
}

/* ---- assignment ---- */

Test(mx_layout, assign_fills_uidless_regions_in_join_order)
{
	struct mx_layout l, a;
	struct ag_error err;
	static const uint32_t present[] = { 5, 7, 9, 11 };

	cr_assert_eq(parse("{\"regions\": ["
	    "{\"x\":0,\"y\":0,\"width\":0.5,\"height\":1},"
	    "{\"uid\": 7, \"x\":0.5,\"y\":0,\"width\":0.5,\"height\":0.5},"
	    "{\"x\":0.5,\"y\":0.5,\"width\":0.25,\"height\":0.5},"
	    "{\"uid\": 42, \"x\":0.75,\"y\":0.5,\"width\":0.25,\"height\":0.5},"
	    "{\"x\":0,\"y\":0,\"width\":0.1,\"height\":0.1}]}", &l, NULL, &err), 0, "%s", err.msg);

	/* 7 is named, so the uid-less regions get 5, 9, 11; 42 is absent but kept. */
	cr_assert_eq(mx_layout_assign(&l, present, 4, &a), 0);
	cr_assert_eq(a.n, 5);
	cr_assert(a.regions[0].has_uid && a.regions[0].uid == 5);
	cr_assert(a.regions[1].has_uid && a.regions[1].uid == 7);
	cr_assert(a.regions[2].has_uid && a.regions[2].uid == 9);
	cr_assert(a.regions[3].has_uid && a.regions[3].uid == 42);
	cr_assert(a.regions[4].has_uid && a.regions[4].uid == 11);
	cr_assert(!l.regions[0].has_uid, "the custom layout is not changed");
	mx_layout_free(&a);

	/* Fewer users than free regions: the rest stay empty. */
	cr_assert_eq(mx_layout_assign(&l, present, 2, &a), 0);
	cr_assert(a.regions[0].has_uid && a.regions[0].uid == 5);
	cr_assert(!a.regions[2].has_uid);
	cr_assert(!a.regions[4].has_uid);
	mx_layout_free(&a);

	/* Nobody. */
	cr_assert_eq(mx_layout_assign(&l, NULL, 0, &a), 0);
	cr_assert_eq(a.n, 5);
	cr_assert(!a.regions[0].has_uid && a.regions[1].uid == 7);
	mx_layout_free(&a);
	mx_layout_free(&l);
}

/* ---- contrib/layouts ---- */

Test(mx_layout, contrib_layouts_parse)
{
	const char *top = getenv("AGREC_TOP");
	char pattern[4096];
	glob_t g;
	struct mx_layout l;
	struct ag_error err, warn;
	size_t i;

	snprintf(pattern, sizeof pattern, "%s/contrib/layouts/*.json", top != NULL ? top : ".");
	cr_assert_eq(glob(pattern, 0, NULL, &g), 0, "no layouts match %s (set AGREC_TOP)", pattern);
	cr_assert_geq(g.gl_pathc, 4);
	for (i = 0; i < g.gl_pathc; i++) {
		cr_assert_eq(mx_layout_load(g.gl_pathv[i], &l, &warn, &err), 0, "%s", err.msg);
		cr_assert_eq(warn.code, 0, "%s", warn.msg);
		cr_assert_gt(l.n, 0);
		mx_layout_free(&l);
	}
	globfree(&g);
}
