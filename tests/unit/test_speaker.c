/*
 * test_speaker.c - speaker.c's hold rule (not before the hold, at the first
 * interval end at or after it, runs broken by another speaker, by
 * silence and by a missing interval, the speaker kept through silence),
 * and level.c's reading of speakers.jsonl lines good, partial and bad.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "level.h"
#include "speaker.h"

#define IV 200000   /* a 200 ms interval */

/* Feed intervals ending at k*IV for k in [k0, k1) with active a (0: none);
 * returns the k of the first change, or -1. */
static long
feed_run(struct ag_speaker_hold *h, long k0, long k1, uint32_t a)
{
	long first = -1;

	for (long k = k0; k < k1; k++)
		if (ag_speaker_hold_feed(h, k * IV, IV, a != 0, a) && first < 0)
			first = k;
	return first;
}

Test(speaker, hold_switches_at_hold_not_before)
{
	struct ag_speaker_hold h;

	ag_speaker_hold_init(&h, 1000000);
	/* 1001 active from the interval ending at 0.2 s, i.e. from 0 s */
	cr_assert_eq(feed_run(&h, 1, 5, 1001), -1, "switched before the 1 s hold");
	cr_assert_not(h.has_speaker);
	cr_assert(ag_speaker_hold_feed(&h, 5 * IV, IV, true, 1001), "no switch at 1.0 s");
	cr_assert(h.has_speaker && h.speaker == 1001);
	/* 1002 from 1.0 s: not before 2.0 s */
	cr_assert_eq(feed_run(&h, 6, 10, 1002), -1);
	cr_assert_eq(h.speaker, 1001);
	cr_assert(ag_speaker_hold_feed(&h, 10 * IV, IV, true, 1002));
	cr_assert_eq(h.speaker, 1002);
}

Test(speaker, hold_zero_switches_at_once)
{
	struct ag_speaker_hold h;

	ag_speaker_hold_init(&h, 0);
	cr_assert(ag_speaker_hold_feed(&h, IV, IV, true, 7));
	cr_assert_not(ag_speaker_hold_feed(&h, 2 * IV, IV, true, 7), "same speaker: no change");
	cr_assert(ag_speaker_hold_feed(&h, 3 * IV, IV, true, 8));
	ag_speaker_hold_init(&h, -5);
	cr_assert_eq(h.hold_us, 0);
}

Test(speaker, run_broken_by_other_and_by_silence)
{
	struct ag_speaker_hold h;

	ag_speaker_hold_init(&h, 600000);
	cr_assert_eq(feed_run(&h, 1, 3, 1), -1);
	cr_assert_eq(feed_run(&h, 3, 4, 2), -1);       /* 2 interrupts */
	cr_assert_eq(feed_run(&h, 4, 6, 1), -1);       /* 1 again: 0.4 s of 0.6 */
	cr_assert_eq(feed_run(&h, 6, 7, 0), -1);       /* silence */
	cr_assert_eq(feed_run(&h, 7, 9, 1), -1);
	cr_assert_eq(feed_run(&h, 9, 10, 1), 9);       /* 3 intervals since 1.2 s */
	/* silence and the speaker's absence keep the speaker */
	cr_assert_eq(feed_run(&h, 10, 40, 0), -1);
	cr_assert(h.has_speaker && h.speaker == 1);
}

Test(speaker, missing_interval_breaks_the_run)
{
	struct ag_speaker_hold h;

	ag_speaker_hold_init(&h, 600000);
	cr_assert_eq(feed_run(&h, 1, 3, 5), -1);
	/* the interval ending at 0.6 s is missing */
	cr_assert_eq(feed_run(&h, 4, 6, 5), -1);
	cr_assert_eq(feed_run(&h, 6, 7, 5), 6);
	/* out of order: ignored */
	cr_assert_not(ag_speaker_hold_feed(&h, 2 * IV, IV, true, 9));
	cr_assert_eq(h.last_end_us, 6 * IV);
}

static void
parse_ok(const char *s, struct ag_level_line *l)
{
	struct ag_error err = { 0 };

	cr_assert_eq(ag_level_parse_line(s, strlen(s), l, &err), 0, "'%s': %s", s, err.msg);
}

static void
parse_bad(const char *s, const char *want)
{
	struct ag_level_line l;
	struct ag_error err = { 0 };

	cr_assert_eq(ag_level_parse_line(s, strlen(s), &l, &err), -1, "'%s' accepted", s);
	cr_assert_eq(err.code, AG_EX_DATAERR);
	cr_assert(strstr(err.msg, want) != NULL, "'%s': message '%s' lacks '%s'", s, err.msg, want);
}

Test(speaker, parse_spec_line)
{
	struct ag_level_line l;

	parse_ok("{\"t_ms\":12400,\"wall_ms\":1764779000123,\"interval_ms\":200,"
	    "\"levels\":{\"1001\":-23.4,\"1002\":-127.0},\"active\":1001}", &l);
	cr_assert_eq(l.t_ms, 12400);
	cr_assert_eq(l.wall_ms, 1764779000123LL);
	cr_assert_eq(l.interval_ms, 200);
	cr_assert(l.has_active && l.active == 1001);
	cr_assert_eq(l.nlevels, 2);
	cr_assert_eq(l.levels[0].uid, 1001);
	cr_assert_eq(l.levels[0].level_cb, -2340);
	cr_assert_eq(l.levels[1].uid, 1002);
	parse_ok("{\"t_ms\":0,\"wall_ms\":5,\"interval_ms\":10,\"levels\":{},\"active\":null,"
	    "\"future\":[1,2]}\n", &l);
	cr_assert_not(l.has_active);
	cr_assert_eq(l.nlevels, 0);
	parse_ok("{\"t_ms\":0,\"wall_ms\":5,\"interval_ms\":10,\"active\":4294967295}", &l);
	cr_assert_eq(l.active, 4294967295u);
}

Test(speaker, parse_bad_lines)
{
	parse_bad("{\"t_ms\":12400,\"wall_ms\":1764779000123,\"interval_ms\":200,\"lev", "not JSON");
	parse_bad("", "not JSON");
	parse_bad("[1]", "not a JSON object");
	parse_bad("{\"wall_ms\":1,\"interval_ms\":200,\"active\":null}", "\"t_ms\"");
	parse_bad("{\"t_ms\":1,\"wall_ms\":1,\"interval_ms\":0,\"active\":null}", "interval_ms");
	parse_bad("{\"t_ms\":1,\"wall_ms\":1.5,\"interval_ms\":5,\"active\":null}", "wall_ms");
	parse_bad("{\"t_ms\":1,\"wall_ms\":1,\"interval_ms\":5}", "\"active\"");
	parse_bad("{\"t_ms\":1,\"wall_ms\":1,\"interval_ms\":5,\"active\":-1}", "active");
	parse_bad("{\"t_ms\":1,\"wall_ms\":1,\"interval_ms\":5,\"active\":\"7\"}", "active");
	parse_bad("{\"t_ms\":1,\"wall_ms\":1,\"interval_ms\":5,\"active\":1,\"levels\":[]}",
	    "levels");
	parse_bad("{\"t_ms\":1,\"wall_ms\":1,\"interval_ms\":5,\"active\":1,\"levels\":{\"-1\":0}}",
	    "not a uid");
	parse_bad("{\"t_ms\":1,\"wall_ms\":1,\"interval_ms\":5,\"active\":1,"
	    "\"levels\":{\"1\":\"x\"}}", "not a number");
	parse_bad("{\"t_ms\":1,\"t_ms\":2,\"wall_ms\":1,\"interval_ms\":5,\"active\":1}",
	    "not JSON");
}
