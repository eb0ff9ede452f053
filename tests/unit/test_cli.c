/*
 * test_cli.c - libcommon/cli.c: the table of bounds, numbers, intervals,
 * sizes and --mixResolution, and the one wording of their errors.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

Test(cli, table_is_complete)
{
	int k;

	for (k = 0; k < AG_CLI_NKINDS; k++)
		cr_expect(ag_cli_bounds[k].min <= ag_cli_bounds[k].max, "kind %d", k);
	cr_expect_eq(ag_cli_bounds[AG_CLI_MIX_W].min, AG_MIXRES_W_MIN);
	cr_expect_eq(ag_cli_bounds[AG_CLI_MIX_KBPS].max, AG_MIXRES_KBPS_MAX);
}

Test(cli, num_in_bounds)
{
	struct ag_error err = { 0 };
	long v = -7;

	cr_assert_eq(ag_cli_num("--isAudioOnly", "1", AG_CLI_BOOL, &v, &err), 0);
	cr_expect_eq(v, 1);
	cr_assert_eq(ag_cli_num("--uid", "4294967295", AG_CLI_UID, &v, &err), 0);
	cr_expect_eq(v, 4294967295L);
	cr_assert_eq(ag_cli_num("--maxResolutionUid", "-1", AG_CLI_UID_OR_UNSET, &v, &err), 0);
	cr_expect_eq(v, -1);
	cr_expect_eq(err.code, 0);
}

Test(cli, num_refused_with_one_wording)
{
	static const char *bad[] = { "", " 1", "1 ", "x", "1.5", "0", "86401", "+", "0x10" };
	struct ag_error err = { 0 };
	char want[128];
	long v = 42;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ag_error_clear(&err);
		cr_expect_eq(ag_cli_num("--captureInterval", bad[i], AG_CLI_CAPTURE, &v, &err), -1,
		    "'%s'", bad[i]);
		cr_expect_eq(err.code, AG_EX_USAGE);
		snprintf(want, sizeof want,
		    "--captureInterval: '%s': not a whole number of seconds in 1..86400", bad[i]);
		cr_expect_str_eq(err.msg, want);
	}
	cr_expect_eq(v, 42, "the output is untouched on error");
	ag_error_clear(&err);
	cr_expect_eq(ag_cli_num("-j", "65", AG_CLI_JOBS, &v, &err), -1);
	cr_expect_str_eq(err.msg, "-j: '65': not a whole number in 1..64");
}

Test(cli, null_error_is_fine)
{
	long v;
	int w, h;
	struct ag_mixres m;

	cr_expect_eq(ag_cli_num("-m", "9", AG_CLI_CV_MODE, &v, NULL), -1);
	cr_expect_eq(ag_cli_size("-r", "1x", AG_CLI_CV_SIZE, &w, &h, NULL), -1);
	cr_expect_eq(ag_cli_mixres("--mixResolution", "1,2", &m, NULL), -1);
}

Test(cli, interval_in_ms)
{
	struct ag_error err = { 0 };
	long ms = 0;

	cr_assert_eq(ag_cli_interval_ms("--leave-timeout", "10", AG_CLI_LEAVE, &ms, &err), 0);
	cr_expect_eq(ms, 10000);
	cr_expect_eq(ag_cli_interval_ms("--leave-timeout", "3601", AG_CLI_LEAVE, &ms, &err), -1);
	cr_expect_str_eq(err.msg, "--leave-timeout: '3601': not a whole number of seconds in 1..3600");
}

Test(cli, size_strict_syntax)
{
	static const char *bad[] = { "", "x", "640", "640x", "x360", "640X360", "640x360x2",
	    "-640x360", "+640x360", "640x+360", " 640x360", "640 x360", "640x360 ", "15x360",
	    "640x7681", "99999999999999999999x16" };
	struct ag_error err = { 0 };
	int w = 0, h = 0;
	size_t i;

	cr_assert_eq(ag_cli_size("--size", "640x360", AG_CLI_SNAP_SIZE, &w, &h, &err), 0);
	cr_expect(w == 640 && h == 360);
	cr_assert_eq(ag_cli_size("-r", "0x0", AG_CLI_CV_SIZE, &w, &h, &err), 0);
	cr_expect(w == 0 && h == 0);
	cr_assert_eq(ag_cli_size("-r", "0641x7680", AG_CLI_CV_SIZE, &w, &h, &err), 0);
	cr_expect(w == 641 && h == 7680);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ag_error_clear(&err);
		cr_expect_eq(ag_cli_size("--size", bad[i], AG_CLI_SNAP_SIZE, &w, &h, &err), -1,
		    "'%s'", bad[i]);
		cr_expect_eq(err.code, AG_EX_USAGE);
		cr_expect(strncmp(err.msg, "--size: '", 9) == 0, "%s", err.msg);
		cr_expect(strstr(err.msg, "16..7680") != NULL, "%s", err.msg);
	}
}

Test(cli, mixres_named)
{
	struct ag_error err = { 0 };
	struct ag_mixres m;

	cr_assert_eq(ag_cli_mixres("--mixResolution", "360,640,15,500", &m, &err), 0);
	cr_expect(m.width == 360 && m.height == 640 && m.fps == 15 && m.kbps == 500);
	cr_expect_eq(ag_cli_mixres("--mixResolution", "360,640,0,500", &m, &err), -1);
	cr_expect_eq(err.code, AG_EX_USAGE);
	cr_expect(strncmp(err.msg, "--mixResolution: '360,640,0,500' is not W,H,FPS,KBPS", 51) == 0,
	    "%s", err.msg);
}

Test(cli, uid_list)
{
	struct ag_error err = { 0 };
	uint32_t list[2];
	size_t n = 0;

	cr_assert_eq(ag_cli_uid_add("--uid", "4294967295", list, &n, 2, &err), 0);
	cr_assert_eq(ag_cli_uid_add("--uid", "0", list, &n, 2, &err), 0);
	cr_expect(n == 2 && list[0] == 4294967295u && list[1] == 0);
	cr_expect_eq(ag_cli_uid_add("--uid", "7", list, &n, 2, &err), -1);
	cr_expect_str_eq(err.msg, "--uid: at most 2 uids");
	n = 0;
	cr_expect_eq(ag_cli_uid_add("--exclude", "x", list, &n, 2, &err), -1);
	cr_expect_str_eq(err.msg, "--exclude: 'x': not a uid (0..4294967295)");
	cr_expect_eq(ag_cli_uid_add("--exclude", "4294967296", list, &n, 2, &err), -1);
	cr_expect_eq(n, 0);
}
