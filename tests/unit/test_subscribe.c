/*
 * test_subscribe.c - libcommon/subscribe.c: the SDK 3.x subscribe
 * options (--autoSubscribe, --subscribe{Audio,Video}Uids), their rules
 * and the tally of what was left out.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "subscribe.h"

Test(subscribe, defaults_subscribe_everyone)
{
	struct ag_sub s;
	const char *why = "x";

	ag_sub_init(&s);
	cr_expect(s.auto_sub);
	cr_expect(ag_sub_wants(&s, 0, AG_SUB_AUDIO));
	cr_expect(ag_sub_wants(&s, 4294967295u, AG_SUB_VIDEO));
	cr_expect(!ag_sub_lists_ignored(&s, &why));
	cr_expect_null(why);
}

Test(subscribe, lists_rule_with_auto_0)
{
	struct ag_sub s;
	struct ag_error err = { 0 };

	ag_sub_init(&s);
	cr_assert_eq(ag_sub_parse_auto(&s, "--autoSubscribe", "0", &err), 0);
	cr_assert_eq(ag_sub_parse_list(&s, AG_SUB_VIDEO, "--subscribeVideoUids", "1", &err), 0);
	cr_assert_eq(ag_sub_parse_list(&s, AG_SUB_AUDIO, "--subscribeAudioUids", "1,2,4294967295",
	    &err), 0);
	cr_expect(ag_sub_wants(&s, 1, AG_SUB_VIDEO));
	cr_expect(!ag_sub_wants(&s, 2, AG_SUB_VIDEO));
	cr_expect(ag_sub_wants(&s, 2, AG_SUB_AUDIO));
	cr_expect(ag_sub_wants(&s, 4294967295u, AG_SUB_AUDIO));
	cr_expect(!ag_sub_wants(&s, 3, AG_SUB_AUDIO));
	cr_expect(ag_sub_wants_any(&s, 2));
	cr_expect(!ag_sub_wants_any(&s, 3));
}

Test(subscribe, no_list_means_nobody_with_auto_0)
{
	struct ag_sub s;
	struct ag_error err = { 0 };

	ag_sub_init(&s);
	cr_assert_eq(ag_sub_parse_auto(&s, "--autoSubscribe", "0", &err), 0);
	cr_expect(!ag_sub_wants(&s, 1, AG_SUB_AUDIO));
	cr_expect(!ag_sub_wants(&s, 1, AG_SUB_VIDEO));
	cr_assert_eq(ag_sub_parse_list(&s, AG_SUB_VIDEO, "--subscribeVideoUids", "", &err), 0);
	cr_expect(!ag_sub_wants(&s, 0, AG_SUB_VIDEO));
}

Test(subscribe, lists_ignored_with_auto_1)
{
	struct ag_sub s;
	struct ag_error err = { 0 };
	const char *why = NULL;

	ag_sub_init(&s);
	cr_assert_eq(ag_sub_parse_list(&s, AG_SUB_AUDIO, "--subscribeAudioUids", "7", &err), 0);
	cr_expect(ag_sub_wants(&s, 8, AG_SUB_AUDIO));
	cr_expect(ag_sub_lists_ignored(&s, &why));
	cr_expect_not_null(strstr(why, "ignored with --autoSubscribe 1"));
}

Test(subscribe, seventeen_and_no_more)
{
	static const char ok[] = "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17";
	struct ag_sub s;
	struct ag_error err = { 0 };
	char more[64];

	ag_sub_init(&s);
	cr_assert_eq(ag_sub_parse_list(&s, AG_SUB_VIDEO, "--subscribeVideoUids", ok, &err), 0);
	cr_expect_eq(s.n[AG_SUB_VIDEO], 17);
	snprintf(more, sizeof more, "%s,18", ok);
	cr_assert_eq(ag_sub_parse_list(&s, AG_SUB_VIDEO, "--subscribeVideoUids", more, &err), -1);
	cr_expect_eq(err.code, AG_EX_USAGE);
	cr_expect_str_eq(err.msg, "--subscribeVideoUids: more than 17 uids (the SDK's limit)");
	cr_expect_eq(s.n[AG_SUB_VIDEO], 17, "a refused list leaves the old one");
}

Test(subscribe, bad_lists_refused)
{
	static const char *bad[] = { ",", "1,", ",1", "1,,2", "x", "-1", "+1", " 1", "1 ",
		"01", "4294967296", "1;2", "0x10", "1,1", "5,6,5" };
	struct ag_sub s;
	size_t i;

	ag_sub_init(&s);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct ag_error err = { 0 };
		cr_expect_eq(ag_sub_parse_list(&s, AG_SUB_AUDIO, "--subscribeAudioUids", bad[i],
		    &err), -1, "'%s'", bad[i]);
		cr_expect_eq(err.code, AG_EX_USAGE, "'%s'", bad[i]);
		cr_expect_eq(strncmp(err.msg, "--subscribeAudioUids: ", 22), 0, "%s", err.msg);
	}
	cr_expect(!s.given[AG_SUB_AUDIO]);
}

Test(subscribe, messages)
{
	struct ag_sub s;
	struct ag_error err = { 0 };

	ag_sub_init(&s);
	ag_sub_parse_list(&s, AG_SUB_AUDIO, "--subscribeAudioUids", "5,6,5", &err);
	cr_expect_str_eq(err.msg, "--subscribeAudioUids: uid 5 is listed twice");
	ag_sub_parse_list(&s, AG_SUB_AUDIO, "--subscribeAudioUids", "5,abc", &err);
	cr_expect_str_eq(err.msg, "--subscribeAudioUids: 'abc': not a uid (a decimal number in "
	    "0..4294967295)");
	ag_sub_parse_list(&s, AG_SUB_AUDIO, "--subscribeAudioUids", "5,", &err);
	cr_expect_str_eq(err.msg, "--subscribeAudioUids: '5,': an empty item (want U1,U2,... "
	    "with none empty)");
}

Test(subscribe, auto_is_0_or_1)
{
	static const char *bad[] = { "", "2", "-1", "yes", " 1", "1x" };
	struct ag_sub s;
	size_t i;

	ag_sub_init(&s);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct ag_error err = { 0 };
		cr_expect_eq(ag_sub_parse_auto(&s, "--autoSubscribe", bad[i], &err), -1, "'%s'",
		    bad[i]);
		cr_expect_eq(err.code, AG_EX_USAGE);
	}
	cr_expect(s.auto_sub);
}

Test(subscribe, tally_once_per_uid_and_kind)
{
	struct ag_sub_tally s = { 0 };
	size_t users;
	uint64_t count;

	cr_expect_eq(ag_sub_ignore(&s, 3, AG_SUB_VIDEO, 1), 1);
	cr_expect_eq(ag_sub_ignore(&s, 3, AG_SUB_VIDEO, 4), 0);
	cr_expect_eq(ag_sub_ignore(&s, 3, AG_SUB_AUDIO, 2), 1);
	cr_expect_eq(ag_sub_ignore(&s, 9, AG_SUB_VIDEO, 1), 1);
	ag_sub_totals(&s, AG_SUB_VIDEO, &users, &count);
	cr_expect_eq(users, 2);
	cr_expect_eq(count, 6);
	ag_sub_totals(&s, AG_SUB_AUDIO, &users, &count);
	cr_expect_eq(users, 1);
	cr_expect_eq(count, 2);
	ag_sub_tally_free(&s);
	ag_sub_tally_free(NULL);
}
