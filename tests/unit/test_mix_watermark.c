/*
 * test_mix_watermark.c - cmd/mix/watermark.c: UTF-8 checks, the
 * timestamp format (%L, UTC, negative times, overflow), the option
 * parsers, text and timestamp layers drawn on an I420 frame with the
 * default font (FreeType and fonts-dejavu-core), the errors of
 * mx_wm_new(), and the layout file's "watermarks" (cmd/mix/layout.c).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mix/compose.h"
#include "mix/layout.h"
#include "mix/watermark.h"

Test(mx_wm, utf8)
{
	size_t bad = 99;

	cr_assert(ag_wm_utf8_valid("", NULL));
	cr_assert(ag_wm_utf8_valid("Hello W\xc3\xb6rld \xe2\x82\xac \xf0\x9f\x98\x80", NULL));
	cr_assert(!ag_wm_utf8_valid("ab\xc0\x80", &bad));      /* overlong NUL */
	cr_assert_eq(bad, 2);
	cr_assert(!ag_wm_utf8_valid("\xed\xa0\x80", &bad));    /* a surrogate */
	cr_assert_eq(bad, 0);
	cr_assert(!ag_wm_utf8_valid("\xf4\x90\x80\x80", NULL)); /* above U+10FFFF */
	cr_assert(!ag_wm_utf8_valid("x\xe2\x82", &bad));       /* cut */
	cr_assert_eq(bad, 1);
	cr_assert(!ag_wm_utf8_valid("\xff", NULL));
	cr_assert(!ag_wm_utf8_valid("\x80", NULL));
}

Test(mx_wm, format_time)
{
	char b[64];

	cr_assert_eq(ag_wm_format_time(AG_WM_DEFAULT_TIME_FORMAT, 0, false, b, sizeof b), 23);
	cr_assert_str_eq(b, "1970-01-01 00:00:00.000");
	ag_wm_format_time(AG_WM_DEFAULT_TIME_FORMAT, 1709288100120LL, false, b, sizeof b);
	cr_assert_str_eq(b, "2024-03-01 10:15:00.120");
	ag_wm_format_time("%S.%L|%%L|%L", 1709288101999LL, false, b, sizeof b);
	cr_assert_str_eq(b, "01.999|%L|999");
	ag_wm_format_time("%H:%M:%S.%L", -1, false, b, sizeof b);
	cr_assert_str_eq(b, "23:59:59.999");
	cr_assert_eq(ag_wm_format_time("%Y-%m-%d", 0, false, b, 5), -1);
	cr_assert_eq(ag_wm_format_time("", 0, false, b, sizeof b), 0);
	cr_assert_str_eq(b, "");
}

Test(mx_wm, parse_rect)
{
	int r[4] = { 0 };

	cr_assert_eq(ag_wm_parse_rect("--r", "1,2,3,4", r, NULL), 0);
	cr_assert(r[0] == 1 && r[1] == 2 && r[2] == 3 && r[3] == 4);
	cr_assert_eq(ag_wm_parse_rect("--r", "0,0,0,7680", r, NULL), 0);
	cr_assert_eq(ag_wm_parse_rect("--r", "1,2,3", r, NULL), -1);
	cr_assert_eq(ag_wm_parse_rect("--r", "1,2,3,4,5", r, NULL), -1);
	cr_assert_eq(ag_wm_parse_rect("--r", "1,,2,3", r, NULL), -1);
	cr_assert_eq(ag_wm_parse_rect("--r", ",1,2,3", r, NULL), -1);
	cr_assert_eq(ag_wm_parse_rect("--r", "1,2,3,4,", r, NULL), -1);
	cr_assert_eq(ag_wm_parse_rect("--r", "-1,0,0,0", r, NULL), -1);
	cr_assert_eq(ag_wm_parse_rect("--r", "7681,0,0,0", r, NULL), -1);
	cr_assert_eq(ag_wm_parse_rect("--r", "", r, NULL), -1);
}

Test(mx_wm, parse_alpha)
{
	double a = -1;
	struct ag_error err;

	cr_assert_eq(ag_wm_parse_alpha("--a", "0.5", &a, NULL), 0);
	cr_assert_float_eq(a, 0.5, 1e-12);
	cr_assert_eq(ag_wm_parse_alpha("--a", "1", &a, NULL), 0);
	cr_assert_eq(ag_wm_parse_alpha("--a", "0", &a, NULL), 0);
	cr_assert_eq(ag_wm_parse_alpha("--a", "1.5", &a, &err), -1);
	cr_assert_eq(err.code, AG_EX_USAGE);
	cr_assert_str_eq(err.msg, "--a: '1.5' is not a number in 0..1");
	cr_assert_eq(ag_wm_parse_alpha("--a", "-0", &a, NULL), -1);
	cr_assert_eq(ag_wm_parse_alpha("--a", "nan", &a, NULL), -1);
	cr_assert_eq(ag_wm_parse_alpha("--a", "", &a, NULL), -1);
	cr_assert_eq(ag_wm_parse_alpha("--a", " 0.5", &a, NULL), -1);
}

Test(mx_wm, parse_color)
{
	uint32_t c = 0;
	struct ag_error err;

	cr_assert_eq(ag_wm_parse_color("--c", "#ff8000", &c, NULL), 0);
	cr_assert_eq(c, 0xff8000u);
	cr_assert_eq(ag_wm_parse_color("--c", "00FF01", &c, NULL), 0);
	cr_assert_eq(c, 0x00ff01u);
	cr_assert_eq(ag_wm_parse_color("--c", "red", &c, &err), -1);
	cr_assert_eq(err.code, AG_EX_USAGE);
	cr_assert_str_eq(err.msg, "--c: 'red' is not #RRGGBB");
	cr_assert_eq(ag_wm_parse_color("--c", "#fff", &c, NULL), -1);
	cr_assert_eq(ag_wm_parse_color("--c", "#-12345", &c, NULL), -1);
	cr_assert_eq(ag_wm_parse_color("--c", "#1234567", &c, NULL), -1);
	cr_assert_eq(ag_wm_parse_color("--c", "", &c, NULL), -1);
}

/* agrec-record's start-up check: the rules agrec-mix applies before it
 * draws, without files and without FreeType. */
Test(mx_wm, opts_check)
{
	struct ag_wm_opts o;
	struct ag_error err;

	ag_wm_opts_init(&o);
	cr_assert_eq(ag_wm_opts_check(&o, 640, 360, NULL), 0, "no watermark is fine");
	o.text = "ok";
	o.rect[AG_WM_TEXT][0] = 639;
	cr_assert_eq(ag_wm_opts_check(&o, 640, 360, NULL), 0);
	o.rect[AG_WM_TEXT][0] = 640;
	cr_assert_eq(ag_wm_opts_check(&o, 640, 360, &err), -1);
	cr_assert_eq(err.code, AG_EX_USAGE);
	cr_assert_str_eq(err.msg, "--watermarkText: x,y 640,0 is outside the 640x360 canvas");
	o.rect[AG_WM_TEXT][0] = 0;
	o.text = "a\xc3";
	cr_assert_eq(ag_wm_opts_check(&o, 640, 360, &err), -1);
	cr_assert_str_eq(err.msg, "--watermarkText: not UTF-8 (byte 1)");
	o.text = NULL;
	o.image = "any file";	/* read by agrec-mix: only the box here */
	o.rect[AG_WM_IMAGE][1] = 360;
	cr_assert_eq(ag_wm_opts_check(&o, 640, 360, &err), -1);
	o.rect[AG_WM_IMAGE][1] = 0;
	o.timestamp = true;
	o.time_format = "";
	cr_assert_eq(ag_wm_opts_check(&o, 640, 360, &err), -1);
	cr_assert_str_eq(err.msg, "--watermarkTimestamp: the time format is empty");
	o.time_format = "%H";
	cr_assert_eq(ag_wm_opts_check(&o, 640, 360, NULL), 0);
}

static struct ag_wm_spec
text_spec(int kind, const char *text)
{
	struct ag_wm_spec s;

	memset(&s, 0, sizeof s);
	s.kind = kind;
	s.text = (char *)text;
	s.font_px = 16;
	s.rgb = 0xffffff;
	s.alpha = 1;
	s.x = 4;
	s.y = 4;
	s.w = 56;
	s.h = 20;
	s.bad_code = AG_EX_DATAERR;
	snprintf(s.what, sizeof s.what, "test");
	return s;
}

/* The pixels of f that differ from red, in luma and chroma; outside the
 * box x0..x1 x y0..y1 in *outside. */
static int
changed(const struct mx_frame *f, int x0, int y0, int x1, int y1, int *outside, int *chroma)
{
	uint8_t ry, ru, rv;
	int n = 0;

	mx_rgb_to_yuv(0xff0000, &ry, &ru, &rv);
	*outside = *chroma = 0;
	for (int y = 0; y < f->h; y++)
		for (int x = 0; x < f->w; x++) {
			if (f->y[y * f->ys + x] == ry)
				continue;
			if (x < x0 || x >= x1 || y < y0 || y >= y1)
				(*outside)++;
			n++;
		}
	for (int y = 0; y < (f->h + 1) / 2; y++)
		for (int x = 0; x < (f->w + 1) / 2; x++)
			*chroma += f->u[y * f->us + x] != ru || f->v[y * f->vs + x] != rv;
	return n;
}

Test(mx_wm, text_drawn_in_its_box)
{
	struct ag_wm_spec s = text_spec(AG_WM_TEXT, "Hi \xc3\xb6");
	struct mx_frame *f = mx_frame_new(64, 32);
	struct mx_wm *wm;
	struct ag_error err;
	int out, chroma, n;

	cr_assert_eq(mx_wm_new(&s, 1, 64, 32, "ffmpeg", &wm, &err), 0, "%s", err.msg);
	mx_frame_fill(f, 0xff0000);
	mx_wm_draw(wm, f, 0);
	n = changed(f, 4, 4, 60, 24, &out, &chroma);
	cr_assert_gt(n, 30, "%d luma pixels changed", n);
	cr_assert_eq(out, 0, "%d pixels changed outside the box", out);
	cr_assert_gt(chroma, 5);
	mx_wm_free(wm);
	/* alpha 0 draws nothing */
	s.alpha = 0;
	cr_assert_eq(mx_wm_new(&s, 1, 64, 32, "ffmpeg", &wm, &err), 0, "%s", err.msg);
	mx_frame_fill(f, 0xff0000);
	mx_wm_draw(wm, f, 0);
	cr_assert_eq(changed(f, 0, 0, 64, 32, &out, &chroma), 0);
	mx_wm_free(wm);
	mx_frame_free(f);
}

Test(mx_wm, timestamp_follows_the_wall_time)
{
	struct ag_wm_spec s = text_spec(AG_WM_TIMESTAMP, "%S.%L");
	struct mx_frame *a = mx_frame_new(64, 32), *b = mx_frame_new(64, 32);
	struct mx_wm *wm;
	struct ag_error err;
	size_t size = 64 * 32 * 3 / 2;

	cr_assert_eq(mx_wm_new(&s, 1, 64, 32, "ffmpeg", &wm, &err), 0, "%s", err.msg);
	mx_frame_fill(a, 0xff0000);
	mx_frame_fill(b, 0xff0000);
	mx_wm_draw(wm, a, 1000);
	mx_wm_draw(wm, b, 2500);
	cr_assert_neq(memcmp(a->y, b->y, size), 0, "01.000 and 02.500 look the same");
	mx_frame_fill(b, 0xff0000);
	mx_wm_draw(wm, b, 1000);	/* laid out again: the old ink is cleared */
	cr_assert_eq(memcmp(a->y, b->y, size), 0, "the same time drawn differently");
	mx_wm_free(wm);
	mx_frame_free(a);
	mx_frame_free(b);
}

Test(mx_wm, errors)
{
	struct ag_wm_spec s = text_spec(AG_WM_TEXT, "x");
	struct mx_wm *wm = (struct mx_wm *)&s;
	struct ag_error err;

	s.file = (char *)"/nonexistent/font.ttf";
	cr_assert_eq(mx_wm_new(&s, 1, 64, 32, "ffmpeg", &wm, &err), -1);
	cr_assert_null(wm);
	cr_assert_eq(err.code, AG_EX_NOINPUT, "%s", err.msg);
	cr_assert(strstr(err.msg, "test: font /nonexistent/font.ttf") != NULL, "%s", err.msg);
	s.file = (char *)"/etc/hostname";
	cr_assert_eq(mx_wm_new(&s, 1, 64, 32, "ffmpeg", &wm, &err), -1);
	cr_assert_eq(err.code, AG_EX_DATAERR, "%s", err.msg);
	s.file = NULL;
	s.x = 64;
	cr_assert_eq(mx_wm_new(&s, 1, 64, 32, "ffmpeg", &wm, &err), -1);
	cr_assert_eq(err.code, AG_EX_DATAERR, "%s", err.msg);
	cr_assert_str_eq(err.msg, "test: x,y 64,4 is outside the 64x32 canvas");
	s.x = 0;
	s.text = (char *)"\xff";
	cr_assert_eq(mx_wm_new(&s, 1, 64, 32, "ffmpeg", &wm, &err), -1);
	s.text = (char *)"";
	cr_assert_eq(mx_wm_new(&s, 1, 64, 32, "ffmpeg", &wm, &err), -1);
	cr_assert_eq(mx_wm_new(&s, 0, 64, 32, "ffmpeg", &wm, &err), 0);
	cr_assert_null(wm);
}

Test(mx_wm, options_give_specs_in_order)
{
	struct ag_wm_opts o;
	struct ag_wm_spec v[3];
	size_t n = 9;

	ag_wm_opts_init(&o);
	cr_assert_eq(ag_wm_opts_specs(&o, v, &n), 0);
	cr_assert_eq(n, 0);
	o.timestamp = true;
	o.text = "t";
	o.rect[AG_WM_TIMESTAMP][0] = 8;
	cr_assert_eq(ag_wm_opts_specs(&o, v, &n), 0);
	cr_assert_eq(n, 2);
	cr_assert_eq(v[0].kind, AG_WM_TEXT);
	cr_assert_str_eq(v[0].text, "t");
	cr_assert_eq(v[1].kind, AG_WM_TIMESTAMP);
	cr_assert_str_eq(v[1].text, AG_WM_DEFAULT_TIME_FORMAT);
	cr_assert_eq(v[1].x, 8);
	cr_assert_eq(v[1].font_px, AG_WM_DEFAULT_FONT_PX);
	cr_assert_eq(v[1].bad_code, AG_EX_USAGE);
	ag_wm_spec_clear(&v[0]);
	ag_wm_spec_clear(&v[1]);
}

Test(mx_wm, layout_watermarks)
{
	const char *text =
	    "{\n"
	    "  \"regions\": [ {\"x\": 0, \"y\": 0, \"width\": 1, \"height\": 1} ],\n"
	    "  \"watermarks\": [\n"
	    "    {\"type\": \"text\", \"text\": \"a\\nb\", \"fontSize\": 30, \"color\": \"#00ff00\",\n"
	    "     \"x\": 10, \"y\": 20, \"width\": 30, \"height\": 40, \"alpha\": 0.5},\n"
	    "    {\"type\": \"image\", \"image\": \"logo.png\"},\n"
	    "    {\"type\": \"timestamp\", \"localTime\": true, \"fontFile\": \"/f.ttf\"}\n"
	    "  ]\n"
	    "}\n";
	struct mx_layout l;
	struct ag_error err;

	cr_assert_eq(mx_layout_parse(text, strlen(text), "dir/l.json", &l, NULL, &err), 0, "%s",
	    err.msg);
	cr_assert_eq(l.nwms, 3);
	cr_assert_eq(l.wms[0].kind, AG_WM_TEXT);
	cr_assert_str_eq(l.wms[0].text, "a\nb");
	cr_assert_eq(l.wms[0].font_px, 30);
	cr_assert_eq(l.wms[0].rgb, 0x00ff00);
	cr_assert(l.wms[0].x == 10 && l.wms[0].y == 20 && l.wms[0].w == 30 && l.wms[0].h == 40);
	cr_assert_float_eq(l.wms[0].alpha, 0.5, 1e-12);
	cr_assert_null(l.wms[0].file);
	cr_assert_str_eq(l.wms[0].what, "dir/l.json:4: watermarks[0]");
	cr_assert_str_eq(l.wms[1].file, "dir/logo.png");
	cr_assert_eq(l.wms[1].bad_code, AG_EX_DATAERR);
	cr_assert_str_eq(l.wms[2].text, AG_WM_DEFAULT_TIME_FORMAT);
	cr_assert(l.wms[2].local_time);
	cr_assert_str_eq(l.wms[2].file, "/f.ttf");
	mx_layout_free(&l);
}

static void
bad_layout(const char *wm, const char *msg)
{
	char text[1024];
	struct mx_layout l;
	struct ag_error err;

	snprintf(text, sizeof text, "{\"regions\": [{\"x\": 0, \"y\": 0, \"width\": 1, "
	    "\"height\": 1}],\n\"watermarks\": [\n%s]}", wm);
	cr_assert_eq(mx_layout_parse(text, strlen(text), "l.json", &l, NULL, &err), -1, "%s", wm);
	cr_assert_eq(err.code, AG_EX_DATAERR);
	cr_assert_str_eq(err.msg, msg);
	cr_assert_eq(l.nwms, 0);
	cr_assert_null(l.wms);
}

Test(mx_wm, layout_errors)
{
	bad_layout("{}", "l.json:3: watermarks[0]: missing \"type\" (text, image or timestamp)");
	bad_layout("{\"type\": 1}", "l.json:3: watermarks[0].type: expected a string, got an integer");
	bad_layout("{\"type\": \"txt\"}",
	    "l.json:3: watermarks[0].type: \"txt\" is not text, image or timestamp");
	bad_layout("{\"type\": \"text\"}", "l.json:3: watermarks[0]: missing \"text\" (or it is empty)");
	bad_layout("{\"type\": \"image\"}",
	    "l.json:3: watermarks[0]: missing \"image\" (a PNG or JPEG file)");
	bad_layout("{\"type\": \"image\", \"image\": \"a\", \"text\": \"b\"}",
	    "l.json:3: watermarks[0].text: unknown key \"text\"");
	bad_layout("{\"type\": \"text\", \"text\": \"a\"},\n{\"type\": \"text\", \"text\": \"a\", "
	    "\"x\": 0.5}", "l.json:4: watermarks[1].x: expected an integer, got a real number");
	bad_layout("{\"type\": \"text\", \"text\": \"a\", \"x\": 7681}",
	    "l.json:3: watermarks[0].x: 7681 is outside 0..7680");
	bad_layout("{\"type\": \"text\", \"text\": \"a\", \"fontSize\": 3}",
	    "l.json:3: watermarks[0].fontSize: 3 is outside 4..512");
	bad_layout("{\"type\": \"text\", \"text\": \"a\", \"alpha\": 1.5}",
	    "l.json:3: watermarks[0].alpha: 1.5 is outside 0..1");
	bad_layout("{\"type\": \"text\", \"text\": \"a\", \"color\": \"red\"}",
	    "l.json:3: watermarks[0].color: \"red\" is not a colour \"#RRGGBB\"");
	bad_layout("{\"type\": \"timestamp\", \"localTime\": 1}",
	    "l.json:3: watermarks[0].localTime: expected true or false, got an integer");
}
