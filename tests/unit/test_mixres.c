/*
 * test_mixres.c - --mixResolution W,H,FPS,KBPS (libcommon/mixres.c), the
 * one parser of agrec-record and agrec-mix: the edges of every bound,
 * and the malformed lists that strtok-style splitting would let through.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "mixres.h"

static void
ok(const char *s, int w, int h, int fps, int kbps)
{
	struct ag_mixres m;
	struct ag_error err = { 0 };

	cr_assert_eq(ag_mixres_parse(s, &m, &err), 0, "'%s' should parse: %s", s, err.msg);
	cr_assert(m.width == w && m.height == h && m.fps == fps && m.kbps == kbps,
	    "'%s': %d,%d,%d,%d", s, m.width, m.height, m.fps, m.kbps);
}

static void
bad(const char *s)
{
	struct ag_mixres m;
	struct ag_error err = { 0 };

	cr_assert_eq(ag_mixres_parse(s, &m, &err), -1, "'%s' should be refused", s);
	cr_assert_eq(err.code, AG_EX_USAGE, "'%s'", s);
	cr_assert(strstr(err.msg, "W,H,FPS,KBPS") != NULL, "'%s': %s", s, err.msg);
}

Test(mixres, defaults_and_examples)
{
	ok("360,640,15,500", 360, 640, 15, 500);
	ok("1280,720,30,2000", 1280, 720, 30, 2000);
	ok("641,481,7,10", 641, 481, 7, 10);	/* odd sizes: agrec-mix rounds them */
}

Test(mixres, bounds)
{
	ok("16,16,1,10", 16, 16, 1, 10);
	ok("7680,4320,120,100000", 7680, 4320, 120, 100000);
	bad("15,16,1,10");
	bad("16,15,1,10");
	bad("7681,480,15,500");
	bad("640,4321,15,500");
	bad("640,480,0,500");
	bad("640,480,121,500");
	bad("640,480,30,9");
	bad("640,480,30,100001");
}

/* Issue 11 item 6: agrec-record took 5 kb/s, and its agrec-mix refused it. */
Test(mixres, five_kbps_refused)
{
	bad("640,480,30,5");
}

Test(mixres, malformed)
{
	bad("");
	bad("360,640,15");
	bad("360,640,15,500,1");
	bad("360,640,15,500,");
	bad(",360,640,15,500");
	bad("360,,640,15,500");
	bad("360,640,,15");
	bad("360x640,15,500");
	bad("360, 640,15,500");
	bad("360,640,15,500 ");
	bad("360,640,15.5,500");
	bad("0x168,640,15,500");
	bad("360,640,15,00000000000000000000000000000000000000000500");
}

Test(mixres, null_error_is_fine)
{
	struct ag_mixres m;

	cr_assert_eq(ag_mixres_parse("1,2", &m, NULL), -1);
}
