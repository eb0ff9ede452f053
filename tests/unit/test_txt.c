/*
 * test_txt.c - txt.c against agora-format.md section 2: the real 2.3.0
 * file byte for byte, every example of 2.5, the tolerant reader rules
 * of 2.2, and malformed input of every kind.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "txt.h"

/* 20190208/abc_test_084414_521668222/uid_0_20190208084418570.txt */
static const char real_txt[] =
    "0.000 0_20190208084418569.aac create \n"
    "0.404 0_20190208084418974.mp4 create \n"
    "0.405 0_20190208084418974.mp4 info width=360 height=640 rotation=0\n"
    "47.294 0_20190208084418974.mp4 close \n"
    "47.294 0_20190208084418569.aac close \n";

static const char example_b1[] =
    "0.000 1001_20240301101500120.aac create \n"
    "0.352 1001_20240301101500472.mp4 create \n"
    "0.352 1001_20240301101500472.mp4 info width=640 height=360 rotation=0\n"
    "20.118 1001_20240301101500472.mp4 close \n"
    "20.131 1001_20240301101500120.aac close \n";

static const char example_b2[] =
    "52.410 1001_20240301101552530.aac create \n"
    "52.803 1001_20240301101552923.mp4 create \n"
    "52.803 1001_20240301101552923.mp4 info width=640 height=360 rotation=0\n"
    "75.002 1001_20240301101552923.mp4 close \n"
    "75.010 1001_20240301101552530.aac close \n";

static const char example_c1[] =
    "0.000 1001_20240301110000050.aac create \n"
    "0.298 1001_20240301110000348.mp4 create \n"
    "0.298 1001_20240301110000348.mp4 info width=640 height=360 rotation=0\n"
    "61.400 1001_20240301110000348.mp4 close \n"
    "61.402 1001_20240301110000050.aac close \n";

static const char example_c2[] =
    "0.000 1001_20240301110510200.aac create \n"
    "0.417 1001_20240301110510617.mp4 create \n"
    "0.418 1001_20240301110510617.mp4 info width=640 height=360 rotation=0\n"
    "30.007 1001_20240301110510617.mp4 close \n"
    "30.009 1001_20240301110510200.aac close \n";

static const char example_d[] =
    "0.000 1002_20240301120000000.aac create \n"
    "0.415 1002_20240301120000415.mp4 create \n"
    "0.415 1002_20240301120000415.mp4 info width=640 height=480 rotation=90\n"
    "12.300 1002_20240301120000415.mp4 rotate rotation=0\n"
    "30.020 1002_20240301120000415.mp4 close \n"
    "30.021 1002_20240301120000000.aac close \n";

#define AAC "0_20190208084418569.aac"
#define MP4 "0_20190208084418974.mp4"

static enum ag_txt_line_result
parse(const char *s, struct ag_txt_line *out, struct ag_error *err)
{
	ag_error_clear(err);
	return ag_txt_parse_line(s, strlen(s), 7, out, err);
}

static struct ag_txt_line
event_ok(const char *s)
{
	struct ag_txt_line l;
	struct ag_error err;

	memset(&l, 0x5a, sizeof l);
	cr_assert_eq(parse(s, &l, &err), AG_TXT_LINE_EVENT, "'%s': %s", s, err.msg);
	cr_assert_eq(err.code, 0, "'%s'", s);
	cr_assert_eq(l.lineno, 7);
	return l;
}

/* A BAD line: DATAERR, "line N: " first, and the culprit named. */
static void
bad_len(const char *s, size_t len, const char *needle)
{
	struct ag_txt_line l;
	struct ag_error err;

	ag_error_clear(&err);
	memset(&l, 0x5a, sizeof l);
	cr_assert_eq(ag_txt_parse_line(s, len, 12, &l, &err), AG_TXT_LINE_BAD,
	    "'%.*s' must be BAD", (int)len, s);
	cr_assert_eq(err.code, AG_EX_DATAERR);
	cr_assert(strncmp(err.msg, "line 12: ", 9) == 0, "message '%s'", err.msg);
	cr_assert(strstr(err.msg, needle) != NULL, "message '%s' lacks '%s'",
	    err.msg, needle);
	cr_assert_lt(strlen(err.msg), sizeof ((struct ag_txt_warning *)0)->msg);
}

static void
bad_line(const char *s, const char *needle)
{
	bad_len(s, strlen(s), needle);
}

static void
fmt_eq(const struct ag_txt_line *l, const char *want)
{
	char buf[256];

	cr_assert_eq(ag_txt_format_line(buf, sizeof buf, l), (int)strlen(want),
	    "formatting for '%s' gave '%s'", want, buf);
	cr_assert_str_eq(buf, want);
}

/* format(parse(s)) == s for a canonical line s (with its LF). */
static void
canonical(const char *s)
{
	struct ag_txt_line l;
	struct ag_error err;
	size_t len = strlen(s);

	cr_assert(len > 0 && s[len - 1] == '\n');
	ag_error_clear(&err);
	cr_assert_eq(ag_txt_parse_line(s, len - 1, 1, &l, &err), AG_TXT_LINE_EVENT,
	    "'%s': %s", s, err.msg);
	fmt_eq(&l, s);
}

Test(txt, real_file_bytes)
{
	struct ag_txt t;
	struct ag_error err;
	char out[512], buf[128];
	size_t o = 0, i;
	int n;

	cr_assert_eq(sizeof real_txt - 1, 219);
	cr_assert_eq(ag_txt_parse(real_txt, sizeof real_txt - 1, &t, &err), 0);
	cr_assert_eq(t.nlines, 5);
	cr_assert_eq(t.nwarnings, 0);
	cr_assert(!t.marker);

	cr_assert_eq(t.lines[0].t_ms, 0);
	cr_assert_str_eq(t.lines[0].file, AAC);
	cr_assert_eq(t.lines[0].event, AG_TXT_CREATE);
	cr_assert_eq(t.lines[0].media.kind, AG_MEDIA_AAC);
	cr_assert_eq(t.lines[0].media.uid, 0);
	cr_assert_str_eq(t.lines[0].media.ts, "20190208084418569");
	cr_assert_eq(t.lines[0].width, -1);
	cr_assert_eq(t.lines[0].rotation, -1);
	cr_assert_eq(t.lines[0].channels, -1);
	cr_assert_eq(t.lines[1].t_ms, 404);
	cr_assert_eq(t.lines[1].event, AG_TXT_CREATE);
	cr_assert_eq(t.lines[1].media.kind, AG_MEDIA_MP4);
	cr_assert_eq(t.lines[2].t_ms, 405);
	cr_assert_eq(t.lines[2].event, AG_TXT_VINFO);
	cr_assert_eq(t.lines[2].width, 360);
	cr_assert_eq(t.lines[2].height, 640);
	cr_assert_eq(t.lines[2].rotation, 0);
	cr_assert_eq(t.lines[2].channels, -1);
	cr_assert_eq(t.lines[3].t_ms, 47294);
	cr_assert_eq(t.lines[3].event, AG_TXT_CLOSE);
	cr_assert_str_eq(t.lines[3].file, MP4);
	cr_assert_eq(t.lines[4].t_ms, 47294);
	cr_assert_eq(t.lines[4].event, AG_TXT_CLOSE);
	for (i = 0; i < t.nlines; i++) {
		cr_assert_eq(t.lines[i].lineno, i + 1);
		n = ag_txt_format_line(buf, sizeof buf, &t.lines[i]);
		cr_assert_gt(n, 0);
		memcpy(out + o, buf, (size_t)n);
		o += (size_t)n;
	}
	cr_assert_eq(o, 219);
	cr_assert(memcmp(out, real_txt, 219) == 0);
	ag_txt_free(&t);
	cr_assert_null(t.lines);
	cr_assert_eq(t.nlines, 0);
}

static void
round_trip_file(const char *text)
{
	struct ag_txt t;
	struct ag_error err;
	char out[1024], buf[128];
	size_t o = 0, i;
	int n;

	cr_assert_eq(ag_txt_parse(text, strlen(text), &t, &err), 0);
	cr_assert_eq(t.nwarnings, 0, "%s", t.nwarnings ? t.warnings[0].msg : "");
	for (i = 0; i < t.nlines; i++) {
		n = ag_txt_format_line(buf, sizeof buf, &t.lines[i]);
		cr_assert_gt(n, 0);
		memcpy(out + o, buf, (size_t)n);
		o += (size_t)n;
	}
	out[o] = '\0';
	cr_assert_str_eq(out, text);
	ag_txt_free(&t);
}

Test(txt, examples_2_5)
{
	struct ag_txt t;
	struct ag_error err;

	round_trip_file(example_b1);
	round_trip_file(example_b2);
	round_trip_file(example_c1);
	round_trip_file(example_c2);
	round_trip_file(example_d);

	cr_assert_eq(ag_txt_parse(example_b2, strlen(example_b2), &t, &err), 0);
	cr_assert_eq(t.nlines, 5);
	cr_assert_eq(t.lines[0].t_ms, 52410);
	cr_assert_eq(t.lines[0].media.uid, 1001);
	cr_assert_eq(t.lines[4].t_ms, 75010);
	ag_txt_free(&t);

	cr_assert_eq(ag_txt_parse(example_d, strlen(example_d), &t, &err), 0);
	cr_assert_eq(t.nlines, 6);
	cr_assert_eq(t.lines[2].event, AG_TXT_VINFO);
	cr_assert_eq(t.lines[2].rotation, 90);
	cr_assert_eq(t.lines[3].event, AG_TXT_ROTATE);
	cr_assert_eq(t.lines[3].t_ms, 12300);
	cr_assert_eq(t.lines[3].rotation, 0);
	cr_assert_eq(t.lines[3].width, -1);
	ag_txt_free(&t);
}

Test(txt, crlf)
{
	static const char crlf[] =
	    "0.000 0_20190208084418569.aac create \r\n"
	    "0.405 0_20190208084418974.mp4 info width=360 height=640 rotation=0\r\n"
	    "47.294 0_20190208084418569.aac close\r\n";
	struct ag_txt t;
	struct ag_error err;
	struct ag_txt_line l;

	cr_assert_eq(ag_txt_parse(crlf, sizeof crlf - 1, &t, &err), 0);
	cr_assert_eq(t.nlines, 3);
	cr_assert_eq(t.nwarnings, 0);
	cr_assert_eq(t.lines[1].rotation, 0);
	fmt_eq(&t.lines[0], "0.000 " AAC " create \n");
	fmt_eq(&t.lines[1], "0.405 " MP4 " info width=360 height=640 rotation=0\n");
	fmt_eq(&t.lines[2], "47.294 " AAC " close \n");
	ag_txt_free(&t);

	/* only the one CR at the end is stripped */
	l = event_ok("0.000 " AAC " create\r");
	cr_assert_eq(l.event, AG_TXT_CREATE);
	bad_line("0.000 " AAC "\r create", "bad media file name");
	cr_assert_eq(parse("\r", &l, &err), AG_TXT_LINE_BLANK);
}

Test(txt, spaces)
{
	struct ag_txt_line l;

	l = event_ok("0.000   " AAC "    create    ");
	cr_assert_eq(l.event, AG_TXT_CREATE);
	cr_assert_str_eq(l.file, AAC);
	l = event_ok("   0.404 " MP4 " create");
	cr_assert_eq(l.t_ms, 404);
	/* missing trailing space */
	l = event_ok("47.294 " AAC " close");
	cr_assert_eq(l.event, AG_TXT_CLOSE);
	fmt_eq(&l, "47.294 " AAC " close \n");
	l = event_ok("0.405  " MP4 "  info  width=360   height=640 rotation=0 ");
	cr_assert_eq(l.event, AG_TXT_VINFO);
	cr_assert(l.width == 360 && l.height == 640 && l.rotation == 0);
	fmt_eq(&l, "0.405 " MP4 " info width=360 height=640 rotation=0\n");
}

Test(txt, short_times)
{
	cr_assert_eq(event_ok("1.5 " AAC " create").t_ms, 1500);
	cr_assert_eq(event_ok("1.05 " AAC " create").t_ms, 1050);
	cr_assert_eq(event_ok("0.4 " AAC " create").t_ms, 400);
	cr_assert_eq(event_ok("00.001 " AAC " create").t_ms, 1);
	cr_assert_eq(event_ok("9223372036854775.807 " AAC " create").t_ms, INT64_MAX);
	cr_assert_eq(event_ok("9223372036854775.8 " AAC " create").t_ms, INT64_C(9223372036854775800));
}

Test(txt, keys_by_name)
{
	struct ag_txt_line l;

	l = event_ok("0.415 " MP4 " info rotation=90 height=480 width=640");
	cr_assert(l.width == 640 && l.height == 480 && l.rotation == 90);
	fmt_eq(&l, "0.415 " MP4 " info width=640 height=480 rotation=90\n");
	l = event_ok("0.415 " MP4 " info height=480 fps=15 rotation=270 bitrate=500 width=640 extra");
	cr_assert(l.width == 640 && l.height == 480 && l.rotation == 270);
	l = event_ok("0.415 " MP4 " info width=16384 height=1 rotation=180");
	cr_assert(l.width == 16384 && l.height == 1 && l.rotation == 180);
	l = event_ok("1.000 " MP4 " rotate foo=1 rotation=180");
	cr_assert_eq(l.event, AG_TXT_ROTATE);
	cr_assert_eq(l.rotation, 180);
	/* other video kinds */
	l = event_ok("0.415 1_20240301120000415.webm info width=640 height=480 rotation=0");
	cr_assert_eq(l.media.kind, AG_MEDIA_WEBM);
	l = event_ok("0.415 1_20240301120000415.ts rotate rotation=90");
	cr_assert_eq(l.media.kind, AG_MEDIA_TS);
}

Test(txt, audio_info)
{
	struct ag_txt_line l;

	l = event_ok("0.001 " AAC " info channels=2");
	cr_assert_eq(l.event, AG_TXT_AINFO);
	cr_assert_eq(l.channels, 2);
	cr_assert(l.width == -1 && l.height == -1 && l.rotation == -1);
	fmt_eq(&l, "0.001 " AAC " info channels=2\n");
	l = event_ok("0.001 " AAC " info channels=8 ");
	cr_assert_eq(l.channels, 8);
	l = event_ok("0.001 " AAC " info samplerate=48000 channels=1");
	cr_assert_eq(l.channels, 1);
}

Test(txt, codecswitch)
{
	struct ag_txt_line l;

	l = event_ok("3.000 " MP4 " create codecswitch");
	cr_assert_eq(l.event, AG_TXT_CODECSWITCH);
	l = event_ok("3.000 " MP4 " info width=640 height=360 rotation=0 codecswitch=1");
	cr_assert_eq(l.event, AG_TXT_CODECSWITCH);
	l = event_ok("3.000 " MP4 " codecswitch");
	cr_assert_eq(l.event, AG_TXT_CODECSWITCH);
	l = event_ok("3.000 1_20240301120000415.webm create x_codecswitch_y");
	cr_assert_eq(l.event, AG_TXT_CODECSWITCH);
	bad_line("3.000 " AAC " create codecswitch", "codecswitch on non-video file '" AAC "'");
}

Test(txt, markers)
{
	struct ag_txt_line l;
	struct ag_error err;

	cr_assert_eq(parse("new session started", &l, &err), AG_TXT_LINE_MARKER);
	cr_assert_eq(parse("   new session started", &l, &err), AG_TXT_LINE_MARKER);
	cr_assert_eq(parse("new  session   started at 2024-03-01 11:05:10", &l, &err), AG_TXT_LINE_MARKER);
	cr_assert_eq(parse("new session started\r", &l, &err), AG_TXT_LINE_MARKER);
	cr_assert_eq(parse("new session started:", &l, &err), AG_TXT_LINE_MARKER);
	cr_assert_eq(err.code, 0);
	/* not markers */
	bad_line("new session", "expected TIME FILE EVENT");
	bad_line("new sessions started", "bad time 'new'");
	bad_line("x new session started", "bad time 'x'");
}

Test(txt, marker_in_file)
{
	static const char col0[] =
	    "new session started\n"
	    "0.000 " AAC " create \n";
	static const char indented[] =
	    "0.000 " AAC " create \n"
	    "  new session started here\n"
	    "1.000 " AAC " close \n";
	struct ag_txt t;
	struct ag_error err;

	cr_assert_eq(ag_txt_parse(col0, sizeof col0 - 1, &t, &err), 0);
	cr_assert(t.marker);
	cr_assert_eq(t.nlines, 1);
	cr_assert_eq(t.nwarnings, 0);
	cr_assert_eq(t.lines[0].lineno, 2);
	ag_txt_free(&t);

	cr_assert_eq(ag_txt_parse(indented, sizeof indented - 1, &t, &err), 0);
	cr_assert(t.marker);
	cr_assert_eq(t.nlines, 2);
	cr_assert_eq(t.nwarnings, 0);
	cr_assert_eq(t.lines[1].lineno, 3);
	cr_assert_eq(t.lines[1].event, AG_TXT_CLOSE);
	ag_txt_free(&t);
}

Test(txt, blank_and_ignored)
{
	struct ag_txt_line l;
	struct ag_error err;

	cr_assert_eq(ag_txt_parse_line("", 0, 1, &l, &err), AG_TXT_LINE_BLANK);
	cr_assert_eq(parse("     ", &l, &err), AG_TXT_LINE_BLANK);
	cr_assert_eq(parse("0.000 " AAC " open", &l, &err), AG_TXT_LINE_IGNORED);
	cr_assert_eq(parse("0.000 " MP4 " pause reason=mute", &l, &err), AG_TXT_LINE_IGNORED);
	cr_assert_eq(parse("0.000 " AAC " Create", &l, &err), AG_TXT_LINE_IGNORED);
	cr_assert_eq(parse("0.000 " AAC " created", &l, &err), AG_TXT_LINE_IGNORED);
	cr_assert_eq(parse("0.000 " AAC " info=1", &l, &err), AG_TXT_LINE_IGNORED);
	cr_assert_eq(err.code, 0);
	/* an unknown word is only ignored on an otherwise valid line */
	bad_line("0.0000 " AAC " open", "bad time '0.0000'");
	bad_line("0.000 x.aac open", "bad media file name 'x.aac'");
	bad_line("0.000 " AAC " op\x01n", "bad event word 'op\\x01n'");
}

Test(txt, parse_collects)
{
	static const char text[] =
	    "\n"
	    "0.000 " AAC " create \n"
	    "garbage\n"
	    "   \n"
	    "0.100 " AAC " frobnicate\n"
	    "0.200 " MP4 " info width=0 height=640 rotation=0\n"
	    "1.000 " AAC " close";          /* no final LF */
	struct ag_txt t;
	struct ag_error err;

	cr_assert_eq(ag_txt_parse(text, sizeof text - 1, &t, &err), 0);
	cr_assert(!t.marker);
	cr_assert_eq(t.nlines, 2);
	cr_assert_eq(t.lines[0].lineno, 2);
	cr_assert_eq(t.lines[1].lineno, 7);
	cr_assert_eq(t.lines[1].event, AG_TXT_CLOSE);
	cr_assert_eq(t.nwarnings, 2);
	cr_assert_eq(t.warnings[0].lineno, 3);
	cr_assert_str_eq(t.warnings[0].msg, "line 3: expected TIME FILE EVENT, got 'garbage'");
	cr_assert_eq(t.warnings[1].lineno, 6);
	cr_assert_str_eq(t.warnings[1].msg, "line 6: bad width 'width=0'");
	ag_txt_free(&t);

	cr_assert_eq(ag_txt_parse("", 0, &t, &err), 0);
	cr_assert_eq(t.nlines + t.nwarnings, 0);
	ag_txt_free(&t);
	cr_assert_eq(ag_txt_parse("\n\n", 2, &t, &err), 0);
	cr_assert_eq(t.nlines + t.nwarnings, 0);
	ag_txt_free(&t);
}

Test(txt, parse_many_lines)
{
	/* enough lines to make both arrays grow several times */
	enum { N = 5000 };
	char *buf, *p;
	struct ag_txt t;
	struct ag_error err;
	size_t i;

	buf = malloc((size_t)N * 64);
	cr_assert_not_null(buf);
	p = buf;
	for (i = 0; i < N; i++)
		p += sprintf(p, i % 2 ? "%zu.000 " AAC " close \n" : "bad %zu\n", i);
	cr_assert_eq(ag_txt_parse(buf, (size_t)(p - buf), &t, &err), 0);
	cr_assert_eq(t.nlines, N / 2);
	cr_assert_eq(t.nwarnings, N / 2);
	cr_assert_eq(t.lines[N / 2 - 1].t_ms, (int64_t)(N - 1) * 1000);
	cr_assert_eq(t.warnings[N / 2 - 1].lineno, N - 1);
	ag_txt_free(&t);
	free(buf);
}

Test(txt, nul_byte)
{
	static const char withnul[] = "0.000 " AAC "\0 create ";
	static const char file[] = "0.000 " AAC " create \n0.1\0 x\n1.000 " AAC " close \n";
	struct ag_txt t;
	struct ag_error err;

	bad_len(withnul, sizeof withnul - 1, "NUL byte");
	bad_len(withnul, sizeof withnul - 1, "\\x00");
	bad_len("\0", 1, "NUL byte");
	cr_assert_eq(ag_txt_parse(file, sizeof file - 1, &t, &err), 0);
	cr_assert_eq(t.nlines, 2);
	cr_assert_eq(t.nwarnings, 1);
	cr_assert_eq(t.warnings[0].lineno, 2);
	cr_assert(strstr(t.warnings[0].msg, "line 2: NUL byte") == t.warnings[0].msg);
	ag_txt_free(&t);
}

Test(txt, bad_field_count)
{
	bad_line("0.000", "expected TIME FILE EVENT, got '0.000'");
	bad_line("0.000 " AAC, "expected TIME FILE EVENT, got '0.000 " AAC "'");
	bad_line("  0.000   " AAC "   ", "got '0.000   " AAC "'");
	bad_line("create", "got 'create'");
}

Test(txt, bad_times)
{
	bad_line("1.2.3 " AAC " create", "bad time '1.2.3'");
	bad_line("-1.000 " AAC " create", "bad time '-1.000'");
	bad_line("+1.000 " AAC " create", "bad time '+1.000'");
	bad_line("1e3 " AAC " create", "bad time '1e3'");
	bad_line("1.0e3 " AAC " create", "bad time '1.0e3'");
	bad_line("1 " AAC " create", "bad time '1'");
	bad_line("1. " AAC " create", "bad time '1.'");
	bad_line(".500 " AAC " create", "bad time '.500'");
	bad_line("0.0001 " AAC " create", "bad time '0.0001'");
	bad_line("0,500 " AAC " create", "bad time '0,500'");
	bad_line("0x1.000 " AAC " create", "bad time '0x1.000'");
	bad_line("nan " AAC " create", "bad time 'nan'");
	bad_line("inf " AAC " create", "bad time 'inf'");
	bad_line("9223372036854775.808 " AAC " create", "time out of range '9223372036854775.808'");
	bad_line("9223372036854776.000 " AAC " create", "time out of range");
	bad_line("99999999999999999999999999.000 " AAC " create", "time out of range");
}

Test(txt, bad_files)
{
	char longname[200];

	/* the space splits it: "a;touch" is taken as the file and refused */
	bad_line("0.000 a;touch PWNED;.mp4 create", "bad media file name 'a;touch'");
	bad_line("0.000 a;touch\tPWNED;.mp4 create", "bad media file name 'a;touch\\x09PWNED;.mp4'");
	bad_line("0.000 a;touch_PWNED;.mp4 create", "bad media file name 'a;touch_PWNED;.mp4'");
	bad_line("0.000 ../x.aac create", "bad media file name '../x.aac'");
	bad_line("0.000 ../" AAC " create", "bad media file name '../" AAC "'");
	bad_line("0.000 /tmp/" AAC " create", "bad media file name");
	bad_line("0.000 1001_2019.aac create", "bad media file name '1001_2019.aac'");
	bad_line("0.000 1001_20190208084418570_av.mp4 create", "bad media file name");
	bad_line("0.000 1001_0_merge_av.mp4 create", "bad media file name");
	bad_line("0.000 01_20190208084418569.aac create", "bad media file name");
	bad_line("0.000 x.aac create", "bad media file name 'x.aac'");
	/* a name with a space cannot be written: its pieces are fields */
	bad_line("0.000 0_2019 0208084418569.aac create", "bad media file name '0_2019'");
	bad_line("0.000 $(reboot).mp4 create", "bad media file name '$(reboot).mp4'");
	bad_line("0.000 0_20190208084418569.aac\t create", "bad media file name '" AAC "\\x09'");
	memset(longname, 'a', 100);
	strcpy(longname, "0.000 ");
	memset(longname + 6, '1', 80);
	strcpy(longname + 86, ".aac create");
	bad_line(longname, "file name too long");
}

Test(txt, bad_info)
{
	bad_line("0.405 " AAC " info width=360 height=640 rotation=0", "info width= on non-video file '" AAC "'");
	bad_line("0.405 " MP4 " info channels=2", "info channels= on non-audio file '" MP4 "'");
	bad_line("0.405 " MP4 " info width=360 height=640 rotation=0 channels=2", "mixes video and audio keys 'channels=2'");
	bad_line("0.405 " MP4 " info width=0 height=640 rotation=0", "bad width 'width=0'");
	bad_line("0.405 " MP4 " info width=16385 height=640 rotation=0", "bad width 'width=16385'");
	bad_line("0.405 " MP4 " info width=-360 height=640 rotation=0", "bad width 'width=-360'");
	bad_line("0.405 " MP4 " info width=+360 height=640 rotation=0", "bad width 'width=+360'");
	bad_line("0.405 " MP4 " info width=0360 height=640 rotation=0", "bad width 'width=0360'");
	bad_line("0.405 " MP4 " info width=360 height=640x rotation=0", "bad height 'height=640x'");
	bad_line("0.405 " MP4 " info width=360 height= rotation=0", "bad height 'height='");
	bad_line("0.405 " MP4 " info width=360 height=99999999999999999999 rotation=0", "bad height");
	bad_line("0.405 " MP4 " info width=360 height=640 rotation=45", "bad rotation 'rotation=45'");
	bad_line("0.405 " MP4 " info width=360 height=640 rotation=360", "bad rotation 'rotation=360'");
	bad_line("0.405 " MP4 " info width=360 height=640 rotation=090", "bad rotation 'rotation=090'");
	bad_line("0.405 " MP4 " info width=360 height=640", "info needs width=, height= and rotation=");
	bad_line("0.405 " MP4 " info width=360 width=360 height=640 rotation=0", "duplicate key 'width=360'");
	bad_line("0.405 " MP4 " info", "info without");
	bad_line("0.405 " MP4 " info fps=15", "info without");
	bad_line("0.001 " AAC " info channels=0", "bad channel count 'channels=0'");
	bad_line("0.001 " AAC " info channels=9", "bad channel count 'channels=9'");
	bad_line("0.001 " AAC " info channels=two", "bad channel count 'channels=two'");
}

Test(txt, bad_rotate)
{
	bad_line("12.300 " MP4 " rotate rotation=45", "bad rotation 'rotation=45'");
	bad_line("12.300 " MP4 " rotate rotation=-90", "bad rotation 'rotation=-90'");
	bad_line("12.300 " MP4 " rotate", "rotate without rotation=");
	bad_line("12.300 " MP4 " rotate 90", "rotate without rotation=");
	bad_line("12.300 " AAC " rotate rotation=90", "rotate on non-video file '" AAC "'");
}

Test(txt, message_escaping)
{
	char line[600];
	struct ag_txt_line l;
	struct ag_error err;

	/* non-printable bytes as \xNN */
	bad_line("0.000 \x01\x7f\xff.aac create", "'\\x01\\x7F\\xFF.aac'");
	bad_line("0.000 a\\b.aac create", "'a\\x5Cb.aac'");
	/* a huge token is cut with "..." and the message stays short */
	strcpy(line, "0.000 ");
	memset(line + 6, '\xfe', 500);
	strcpy(line + 506, " create");
	bad_line(line, "...'");
	cr_assert_eq(ag_txt_parse_line(line, strlen(line), 4000000000u, &l, &err), AG_TXT_LINE_BAD);
	cr_assert(strncmp(err.msg, "line 4000000000: ", 17) == 0, "%s", err.msg);
	cr_assert_lt(strlen(err.msg), 256);
}

Test(txt, err_may_be_null)
{
	struct ag_txt_line l;

	cr_assert_eq(ag_txt_parse_line("x", 1, 1, &l, NULL), AG_TXT_LINE_BAD);
	cr_assert_eq(ag_txt_parse_line("0.000 " AAC " create", strlen("0.000 " AAC " create"), 1, NULL, NULL),
	    AG_TXT_LINE_EVENT);
}

Test(txt, not_nul_terminated)
{
	/* len bytes only: the rest of the buffer must not be read */
	static const char s[] = "0.000 " AAC " create width=1 garbage";
	struct ag_txt_line l;
	struct ag_error err;

	cr_assert_eq(ag_txt_parse_line(s, 6 + 23 + 7, 1, &l, &err), AG_TXT_LINE_EVENT);
	cr_assert_eq(l.event, AG_TXT_CREATE);
	cr_assert_eq(ag_txt_parse_line(s, 6 + 20, 1, &l, &err), AG_TXT_LINE_BAD);
}

Test(txt, format_lines)
{
	struct ag_txt_line l;

	memset(&l, 0, sizeof l);
	strcpy(l.file, AAC);
	l.width = l.height = l.rotation = l.channels = -1;
	l.event = AG_TXT_CREATE;
	l.t_ms = 0;
	fmt_eq(&l, "0.000 " AAC " create \n");
	l.t_ms = 5;
	fmt_eq(&l, "0.005 " AAC " create \n");
	l.t_ms = 12300;
	l.event = AG_TXT_CLOSE;
	fmt_eq(&l, "12.300 " AAC " close \n");
	l.t_ms = INT64_MAX;
	fmt_eq(&l, "9223372036854775.807 " AAC " close \n");
	l.t_ms = 1;
	l.event = AG_TXT_AINFO;
	l.channels = 2;
	fmt_eq(&l, "0.001 " AAC " info channels=2\n");

	strcpy(l.file, MP4);
	l.channels = -1;
	l.event = AG_TXT_VINFO;
	l.t_ms = 405;
	l.width = 360;
	l.height = 640;
	l.rotation = 0;
	fmt_eq(&l, "0.405 " MP4 " info width=360 height=640 rotation=0\n");
	l.event = AG_TXT_ROTATE;
	l.t_ms = 3600000;
	l.rotation = 270;
	fmt_eq(&l, "3600.000 " MP4 " rotate rotation=270\n");
}

Test(txt, format_refuses)
{
	struct ag_txt_line l, v;
	char buf[128], tiny[20];
	int n;

	memset(&l, 0, sizeof l);
	strcpy(l.file, MP4);
	l.event = AG_TXT_VINFO;
	l.t_ms = 405;
	l.width = 360;
	l.height = 640;
	l.rotation = 0;
	l.channels = -1;
	n = ag_txt_format_line(buf, sizeof buf, &l);
	cr_assert_eq(n, (int)strlen("0.405 " MP4 " info width=360 height=640 rotation=0\n"));

	v = l; v.t_ms = -1;
	cr_assert_eq(ag_txt_format_line(buf, sizeof buf, &v), -1);
	cr_assert_str_eq(buf, "");
	v = l; v.rotation = 45;
	cr_assert_eq(ag_txt_format_line(buf, sizeof buf, &v), -1);
	v = l; v.rotation = -1;
	cr_assert_eq(ag_txt_format_line(buf, sizeof buf, &v), -1);
	v = l; v.width = 0;
	cr_assert_eq(ag_txt_format_line(buf, sizeof buf, &v), -1);
	v = l; v.height = 16385;
	cr_assert_eq(ag_txt_format_line(buf, sizeof buf, &v), -1);
	v = l; strcpy(v.file, AAC);
	cr_assert_eq(ag_txt_format_line(buf, sizeof buf, &v), -1, "VINFO on audio");
	v = l; v.event = AG_TXT_ROTATE; strcpy(v.file, AAC);
	cr_assert_eq(ag_txt_format_line(buf, sizeof buf, &v), -1, "ROTATE on audio");
	v = l; v.event = AG_TXT_AINFO; v.channels = 2;
	cr_assert_eq(ag_txt_format_line(buf, sizeof buf, &v), -1, "AINFO on video");
	v = l; v.event = AG_TXT_AINFO; strcpy(v.file, AAC); v.channels = 0;
	cr_assert_eq(ag_txt_format_line(buf, sizeof buf, &v), -1);
	v = l; v.event = AG_TXT_AINFO; strcpy(v.file, AAC); v.channels = 9;
	cr_assert_eq(ag_txt_format_line(buf, sizeof buf, &v), -1);
	v = l; v.event = AG_TXT_CODECSWITCH;
	cr_assert_eq(ag_txt_format_line(buf, sizeof buf, &v), -1);
	v = l; v.event = 0;
	cr_assert_eq(ag_txt_format_line(buf, sizeof buf, &v), -1);
	v = l; v.event = AG_TXT_CREATE; strcpy(v.file, "a;touch PWNED;.mp4");
	cr_assert_eq(ag_txt_format_line(buf, sizeof buf, &v), -1);
	v = l; v.event = AG_TXT_CREATE; memset(v.file, '1', sizeof v.file);
	cr_assert_eq(ag_txt_format_line(buf, sizeof buf, &v), -1, "unterminated file");
	cr_assert_eq(ag_txt_format_line(tiny, sizeof tiny, &l), -1);
	cr_assert_eq(ag_txt_format_line(buf, 0, &l), -1);
	cr_assert_eq(ag_txt_format_line(NULL, 10, &l), -1);
	cr_assert_eq(ag_txt_format_line(buf, sizeof buf, NULL), -1);
	/* exactly big enough: the length plus the NUL */
	cr_assert_eq(ag_txt_format_line(buf, (size_t)n + 1, &l), n);
	cr_assert_eq(ag_txt_format_line(buf, (size_t)n, &l), -1);
}

Test(txt, round_trip_every_kind)
{
	static const char *const lines[] = {
		"0.000 " AAC " create \n",
		"47.294 " AAC " close \n",
		"0.405 " MP4 " info width=360 height=640 rotation=0\n",
		"0.405 " MP4 " info width=16384 height=16384 rotation=270\n",
		"0.001 " AAC " info channels=2\n",
		"0.001 " AAC " info channels=1\n",
		"12.300 " MP4 " rotate rotation=90\n",
		"12.301 " MP4 " rotate rotation=180\n",
		"123456789.999 4294967295_20240301120000415.webm create \n",
		"0.010 1_20240301120000415.ts close \n",
		"9223372036854775.807 " MP4 " close \n",
	};
	size_t i;

	for (i = 0; i < sizeof lines / sizeof lines[0]; i++)
		canonical(lines[i]);
}

static char *
tmpfile_with(const char *data, size_t len)
{
	static char path[64];
	int fd;

	strcpy(path, "/tmp/agrec-test-txt.XXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
	return path;
}

Test(txt, read_file)
{
	struct ag_txt t;
	struct ag_error err;
	char *path;

	path = tmpfile_with(real_txt, sizeof real_txt - 1);
	cr_assert_eq(ag_txt_read_file(path, &t, &err), 0, "%s", err.msg);
	cr_assert_eq(t.nlines, 5);
	cr_assert_eq(t.lines[2].event, AG_TXT_VINFO);
	ag_txt_free(&t);
	unlink(path);

	path = tmpfile_with("", 0);
	cr_assert_eq(ag_txt_read_file(path, &t, &err), 0, "%s", err.msg);
	cr_assert_eq(t.nlines, 0);
	ag_txt_free(&t);
	unlink(path);
}

Test(txt, read_file_errors)
{
	struct ag_txt t;
	struct ag_error err;

	ag_error_clear(&err);
	cr_assert_eq(ag_txt_read_file("/nonexistent/uid_1_20190208084418570.txt", &t, &err), -1);
	cr_assert_eq(err.code, AG_EX_IOERR);
	cr_assert(strstr(err.msg, "/nonexistent/uid_1_20190208084418570.txt: ") == err.msg, "%s", err.msg);
	cr_assert(strstr(err.msg, strerror(ENOENT)) != NULL, "%s", err.msg);
	cr_assert_null(t.lines);

	ag_error_clear(&err);
	cr_assert_eq(ag_txt_read_file("/tmp", &t, &err), -1);
	cr_assert_eq(err.code, AG_EX_IOERR);
	cr_assert_str_eq(err.msg, "/tmp: not a regular file");
	ag_txt_free(&t);
}

Test(txt, read_file_fifo)
{
	struct ag_txt t;
	struct ag_error err;
	char path[64];

	/* must not hang waiting for a writer */
	snprintf(path, sizeof path, "/tmp/agrec-test-fifo.%ld", (long)getpid());
	unlink(path);
	cr_assert_eq(mkfifo(path, 0600), 0);
	cr_assert_eq(ag_txt_read_file(path, &t, &err), -1);
	cr_assert_eq(err.code, AG_EX_IOERR);
	cr_assert(strstr(err.msg, "not a regular file") != NULL);
	unlink(path);
}

Test(txt, read_file_caps)
{
	struct ag_txt t;
	struct ag_error err;
	char *buf, *path;
	size_t n;

	/* 1,000,000 lines are read; one more is refused */
	n = 1000001;
	buf = malloc(16 * 1024 * 1024 + 1);
	cr_assert_not_null(buf);
	memset(buf, '\n', n);
	path = tmpfile_with(buf, n - 1);
	cr_assert_eq(ag_txt_read_file(path, &t, &err), 0, "%s", err.msg);
	ag_txt_free(&t);
	unlink(path);
	path = tmpfile_with(buf, n);
	cr_assert_eq(ag_txt_read_file(path, &t, &err), -1);
	cr_assert_eq(err.code, AG_EX_DATAERR);
	cr_assert(strstr(err.msg, "more than 1000000 lines") != NULL, "%s", err.msg);
	unlink(path);
	/* an incomplete last line counts */
	buf[n - 1] = 'x';
	path = tmpfile_with(buf, n);
	cr_assert_eq(ag_txt_read_file(path, &t, &err), -1);
	cr_assert_eq(err.code, AG_EX_DATAERR);
	unlink(path);

	/* 16 MiB is read; one byte more is refused */
	memset(buf, ' ', 16 * 1024 * 1024 + 1);
	path = tmpfile_with(buf, 16 * 1024 * 1024);
	cr_assert_eq(ag_txt_read_file(path, &t, &err), 0, "%s", err.msg);
	cr_assert_eq(t.nlines + t.nwarnings, 0);
	ag_txt_free(&t);
	unlink(path);
	path = tmpfile_with(buf, 16 * 1024 * 1024 + 1);
	cr_assert_eq(ag_txt_read_file(path, &t, &err), -1);
	cr_assert_eq(err.code, AG_EX_DATAERR);
	cr_assert(strstr(err.msg, "larger than 16777216 bytes") != NULL, "%s", err.msg);
	unlink(path);
	free(buf);
}

Test(txt, free_null)
{
	struct ag_txt t;

	ag_txt_free(NULL);
	memset(&t, 0, sizeof t);
	ag_txt_free(&t);
	ag_txt_free(&t);
	cr_assert_null(t.lines);
	cr_assert_null(t.warnings);
}
