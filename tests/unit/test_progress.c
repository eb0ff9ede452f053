/*
 * test_progress.c - ffmpeg.c's reader of ffmpeg's -progress output
 * (ag_progress_feed): key=value lines arriving in pieces of any size on a
 * pipe; only a complete line counts, and a value that is not a whole
 * non-negative number (N/A before the first frame) leaves the last one.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "ffmpeg.h"

/* One block as ffmpeg 4 to 6 write it every half second. */
static const char block[] =
	"frame=25\n"
	"fps=0.00\n"
	"stream_0_0_q=-1.0\n"
	"bitrate=N/A\n"
	"total_size=N/A\n"
	"out_time_us=1000000\n"
	"out_time_ms=1000000\n"
	"out_time=00:00:01.000000\n"
	"dup_frames=0\n"
	"drop_frames=0\n"
	"speed=1.99x\n"
	"progress=continue\n";

static void
feed(struct ag_progress *p, const char *s)
{
	ag_progress_feed(p, s, strlen(s));
}

Test(progress, zero_initialised)
{
	struct ag_progress p = { 0 };

	feed(&p, "");
	cr_assert_eq(p.out_time_us, 0);
	cr_assert(!p.ended);
}

Test(progress, one_block)
{
	struct ag_progress p = { 0 };

	feed(&p, block);
	cr_assert_eq(p.out_time_us, 1000000);
	cr_assert(!p.ended);
	feed(&p, "out_time_us=2500000\nprogress=end\n");
	cr_assert_eq(p.out_time_us, 2500000);
	cr_assert(p.ended);
}

/* The same bytes in pieces of every size from 1 to 17 give the same
 * result as in one piece. */
Test(progress, any_split)
{
	size_t step, i, n = strlen(block);

	for (step = 1; step <= 17; step++) {
		struct ag_progress p = { 0 };

		for (i = 0; i < n; i += step)
			ag_progress_feed(&p, block + i, n - i < step ? n - i : step);
		cr_assert_eq(p.out_time_us, 1000000, "pieces of %zu: %lld", step, p.out_time_us);
		cr_assert_eq(p.len, 0, "pieces of %zu: a partial line is left", step);
	}
}

/* A line counts only when its newline has come: a value cut by the pipe
 * is not read as its first digits. */
Test(progress, partial_line_waits)
{
	struct ag_progress p = { 0 };

	feed(&p, "out_time_us=12");
	cr_assert_eq(p.out_time_us, 0);
	feed(&p, "34567");
	cr_assert_eq(p.out_time_us, 0);
	feed(&p, "\nprogress=e");
	cr_assert_eq(p.out_time_us, 1234567);
	cr_assert(!p.ended);
	feed(&p, "nd");
	cr_assert(!p.ended, "progress=end counted before its newline");
	feed(&p, "\n");
	cr_assert(p.ended);
}

/* What ffmpeg writes before the first frame, and other values that are
 * not a whole non-negative number, leave the last good value. */
Test(progress, bad_values_keep_the_last)
{
	static const char *const bad[] = {
		"out_time_us=N/A\n",
		"out_time_us=\n",
		"out_time_us=-9223372036854775807\n",
		"out_time_us=-1\n",
		"out_time_us=12abc\n",
		"out_time_us=1.5\n",
		"out_time_us=12 \n",
	};
	struct ag_progress p = { 0 };
	size_t i;

	feed(&p, "out_time_us=777\n");
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		feed(&p, bad[i]);
		cr_assert_eq(p.out_time_us, 777, "after '%.*s': %lld", (int)strlen(bad[i]) - 1,
		    bad[i], p.out_time_us);
	}
	feed(&p, "out_time_us=0\n");
	cr_assert_eq(p.out_time_us, 0, "0 is a good value");
}

/* The latest value counts, even when it is smaller (a new pass). */
Test(progress, latest_wins)
{
	struct ag_progress p = { 0 };

	feed(&p, "out_time_us=5000000\nout_time_us=3000000\n");
	cr_assert_eq(p.out_time_us, 3000000);
}

/* Keys that only begin like the ones read, or only end like them, are
 * other keys; "progress=continue" does not end anything. */
Test(progress, other_keys)
{
	struct ag_progress p = { 0 };

	feed(&p, "xout_time_us=5\nout_time_us_x=6\nout_time_ms=7\nprogress=continue\n"
	    "progress=ending\nprogress=end2\n progress=end\n");
	cr_assert_eq(p.out_time_us, 0);
	cr_assert(!p.ended);
}

/* A line longer than the buffer does not overflow it, and the lines
 * after it are read as usual. */
Test(progress, overlong_line_then_good_lines)
{
	struct ag_progress p = { 0 };
	char big[4000];

	memset(big, 'q', sizeof big - 2);
	big[sizeof big - 2] = '\n';
	big[sizeof big - 1] = '\0';
	feed(&p, "stream_0_0_q=");
	feed(&p, big);
	cr_assert(p.len < sizeof p.line);
	feed(&p, "out_time_us=42\nprogress=end\n");
	cr_assert_eq(p.out_time_us, 42);
	cr_assert(p.ended);
}

/* A value too large for 64 bits is not a time: it is refused like other
 * junk, not clamped to LLONG_MAX (strtoll's ERANGE was not checked). */
Test(progress, overflow_refused)
{
	struct ag_progress p = { 0 };

	feed(&p, "out_time_us=5\nout_time_us=99999999999999999999999\n");
	cr_assert_eq(p.out_time_us, 5, "an overflowing value was taken: %lld", p.out_time_us);
}

/* A line cut short because it does not fit is not read as the part that
 * fitted: "out_time_us=000...0009" (257 bytes) is not 0 (the first 255
 * bytes were parsed as if they were the whole line). */
Test(progress, overlong_value_not_cut_short)
{
	struct ag_progress p = { 0 };
	char line[300];

	memcpy(line, "out_time_us=", 12);
	memset(line + 12, '0', 244);
	memcpy(line + 256, "9\n", 3);
	feed(&p, "out_time_us=5\n");
	feed(&p, line);
	cr_assert(p.out_time_us == 5 || p.out_time_us == 9,
	    "a cut-short line was read as %lld", p.out_time_us);
}

/* Lines ending in \r\n (a progress file written on Windows, or through
 * a tool that adds \r) are complete lines too (the \r was kept, so
 * out_time_us=N\r was junk and progress=end\r not the end). */
Test(progress, crlf_lines)
{
	struct ag_progress p = { 0 };

	feed(&p, "out_time_us=2000000\r");
	feed(&p, "\nprogress=end\r\n");
	cr_assert_eq(p.out_time_us, 2000000);
	cr_assert(p.ended);
}
