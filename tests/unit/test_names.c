/*
 * test_names.c - names.c against agora-format.md section 1: the real
 * names of the 2.3.0 samples, converter outputs that must not be taken
 * for input, and the edges of every fixed-width field.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "names.h"

static void
media_ok(const char *name, uint32_t uid, const char *ts, enum ag_media_kind kind)
{
	struct ag_media_name m;

	cr_assert_eq(ag_parse_media_name(name, &m), 0, "%s should parse", name);
	cr_assert_eq(m.uid, uid, "%s: uid %u", name, (unsigned)m.uid);
	cr_assert_str_eq(m.ts, ts, "%s", name);
	cr_assert_eq(m.kind, kind, "%s", name);
}

Test(names, media_real_samples)
{
	media_ok("0_20190208084418569.aac", 0, "20190208084418569", AG_MEDIA_AAC);
	media_ok("0_20190208084418974.mp4", 0, "20190208084418974", AG_MEDIA_MP4);
	media_ok("1001_20240301101500120.aac", 1001, "20240301101500120", AG_MEDIA_AAC);
	media_ok("1001_20240301101500472.webm", 1001, "20240301101500472", AG_MEDIA_WEBM);
	media_ok("4294967295_20240301101500472.ts", 4294967295u, "20240301101500472", AG_MEDIA_TS);
}

Test(names, media_rejects)
{
	static const char *const bad[] = {
		/* converter outputs next to the SDK files (section 1.2) */
		"1001_20190208084418570_av.mp4",
		"0_20190208084418570_av.mp4",
		"0_20190208084418570.m4a",
		"1001_0_merge_av.mp4",
		"1001_0_merge.m4a",
		"1001_12_merge.mp4",
		/* not <UID>_<TS> */
		"x.aac",
		".aac",
		"",
		"01_20190208084418569.aac",
		"00_20190208084418569.aac",
		"1001_2019.aac",
		"_20190208084418569.aac",
		"20190208084418569.aac",
		"1001-20190208084418569.aac",
		"1001__20190208084418569.aac",
		"-1_20190208084418569.aac",
		"+1_20190208084418569.aac",
		" 1_20190208084418569.aac",
		"4294967296_20190208084418569.aac",
		"12345678901_20190208084418569.aac",
		"1_201902080844185690.aac",
		"1_2019020808441856.aac",
		"1_2019020808441856a.aac",
		"a;touch PWNED;.mp4",
		"../x.aac",
		"../0_20190208084418569.aac",
		"dir/0_20190208084418569.aac",
		"uid_0_20190208084418570.txt",
		/* wrong extension */
		"0_20190208084418569.AAC",
		"0_20190208084418569.aac.bak",
		"0_20190208084418569.aacx",
		"0_20190208084418569.mp3",
		"0_20190208084418569.",
		"0_20190208084418569",
		"0_20190208084418569.mp4 ",
		/* 17 digits but not a plausible time */
		"0_20191308084418569.aac",
		"0_20190200084418569.aac",
		"0_20190230084418569.aac",
		"0_20190208244418569.aac",
		"0_20190208086018569.aac",
		"0_20190208084461569.aac",
		"0_19691231235959999.aac",
	};
	struct ag_media_name m;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		cr_expect_eq(ag_parse_media_name(bad[i], &m), -1,
		    "'%s' must not be a media name", bad[i]);
	cr_expect_eq(ag_parse_media_name(NULL, &m), -1);
}

Test(names, media_null_out)
{
	cr_assert_eq(ag_parse_media_name("7_20190208084418569.aac", NULL), 0);
}

Test(names, media_is_video)
{
	cr_assert(!ag_media_is_video(AG_MEDIA_NONE));
	cr_assert(!ag_media_is_video(AG_MEDIA_AAC));
	cr_assert(ag_media_is_video(AG_MEDIA_MP4));
	cr_assert(ag_media_is_video(AG_MEDIA_WEBM));
	cr_assert(ag_media_is_video(AG_MEDIA_TS));
}

Test(names, txt_name)
{
	uint32_t uid = 99;
	char ts[AG_TS_LEN + 1];

	cr_assert_eq(ag_parse_txt_name("uid_0_20190208084418570.txt", &uid, ts), 0);
	cr_assert_eq(uid, 0);
	cr_assert_str_eq(ts, "20190208084418570");
	cr_assert_eq(ag_parse_txt_name("uid_1001_20240301101552530.txt", &uid, ts), 0);
	cr_assert_eq(uid, 1001);
	cr_assert_str_eq(ts, "20240301101552530");
	cr_assert_eq(ag_parse_txt_name("uid_4294967295_20240301101552530.txt", &uid, ts), 0);
	cr_assert_eq(uid, 4294967295u);
	cr_assert_eq(ag_parse_txt_name("uid_1_20240301101552530.txt", NULL, NULL), 0);
}

Test(names, txt_name_rejects)
{
	static const char *const bad[] = {
		".uid_0_20190208084418570.txt",   /* hidden backup (>= 3.0.3) */
		"uid_01_20190208084418570.txt",
		"uid__20190208084418570.txt",
		"uid_20190208084418570.txt",
		"uid_4294967296_20190208084418570.txt",
		"uid_0_2019020808441857.txt",
		"uid_0_201902080844185700.txt",
		"uid_0_20190208084418570.txt.bak",
		"uid_0_20190208084418570.TXT",
		"UID_0_20190208084418570.txt",
		"uid_0_20190208084418570_av.txt",
		"uid_0_20191308084418570.txt",
		"uid_x_20190208084418570.txt",
		"uid_.txt",
		"uid_",
		"",
	};
	uint32_t uid;
	char ts[AG_TS_LEN + 1];
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		cr_expect_eq(ag_parse_txt_name(bad[i], &uid, ts), -1,
		    "'%s' must not be a txt name", bad[i]);
	cr_expect_eq(ag_parse_txt_name(NULL, &uid, ts), -1);
}

Test(names, date_dir)
{
	int y = 0, m = 0, d = 0;

	cr_assert_eq(ag_parse_date_dir("20190208", &y, &m, &d), 0);
	cr_assert(y == 2019 && m == 2 && d == 8);
	cr_assert_eq(ag_parse_date_dir("20200229", &y, &m, &d), 0);
	cr_assert(y == 2020 && m == 2 && d == 29);
	cr_assert_eq(ag_parse_date_dir("20001231", &y, &m, &d), 0);
	cr_assert_eq(ag_parse_date_dir("19700101", NULL, NULL, NULL), 0);
	cr_assert_eq(ag_parse_date_dir("99991231", &y, &m, &d), 0);
}

Test(names, date_dir_rejects)
{
	static const char *const bad[] = {
		"2019020", "201902081", "2019-02-08", "2019020a", "",
		"20191308", "20190008", "20190200", "20190132", "20190229",
		"21000229", "20190431", "19691231", "00000101", " 2019020",
		"abc_test_084414_521668222",
	};
	int y, m, d;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		cr_expect_eq(ag_parse_date_dir(bad[i], &y, &m, &d), -1,
		    "'%s' must not be a date folder", bad[i]);
	cr_expect_eq(ag_parse_date_dir(NULL, &y, &m, &d), -1);
}

static void
chan_ok(const char *name, const char *channel, const char *hhmmss, const char *ns)
{
	struct ag_channel_dir c;

	cr_assert_eq(ag_parse_channel_dir(name, &c), 0, "%s should parse", name);
	cr_assert_str_eq(c.channel, channel, "%s", name);
	cr_assert_str_eq(c.hhmmss, hhmmss, "%s", name);
	cr_assert_str_eq(c.ns, ns, "%s", name);
}

Test(names, channel_dir)
{
	/* the real 2.3.0 folders */
	chan_ok("abc_test_084414_521668222", "abc_test", "084414", "521668222");
	chan_ok("abc_042727_331620252", "abc", "042727", "331620252");
	/* '_' and digits in the channel name */
	chan_ok("my_chan_1_084414_521668222", "my_chan_1", "084414", "521668222");
	chan_ok("1_084414_521668222", "1", "084414", "521668222");
	chan_ok("123456_084414_521668222", "123456", "084414", "521668222");
	chan_ok("a_123456_084414_521668222", "a_123456", "084414", "521668222");
	chan_ok("x_123456789_084414_521668222", "x_123456789", "084414", "521668222");
	chan_ok("_084414_521668222_084414_521668222", "_084414_521668222", "084414", "521668222");
	/* spaces and punctuation are allowed in channel names */
	chan_ok("my chan!#$%&()+-:;<=.>?@[]^{}|~,_235960_000000000",
	    "my chan!#$%&()+-:;<=.>?@[]^{}|~,", "235960", "000000000");
}

Test(names, channel_dir_pre_230)
{
	chan_ok("abc_084414", "abc", "084414", "");
	chan_ok("my_chan_1_084414", "my_chan_1", "084414", "");
	chan_ok("x_123456789_084414", "x_123456789", "084414", "");
	chan_ok("abc_test_000000", "abc_test", "000000", "");
	/* 8 digits after the time: not the 9-digit form, so a channel name */
	chan_ok("x_084414_12345678_084414", "x_084414_12345678", "084414", "");
}

Test(names, channel_dir_rejects)
{
	static const char *const bad[] = {
		"_084414_521668222",      /* empty channel */
		"_084414",
		"084414_521668222",
		"084414",
		"abc",
		"",
		"abc_084414_52166822",    /* 8 digits */
		"abc_084414_5216682222",  /* 10 digits */
		"abc_08441_521668222",
		"abc_0844144",
		"abc_08441",
		"abc_250000_521668222",   /* no such time */
		"abc_086000_521668222",
		"abc_084461_521668222",
		"abc_246000",
		"abc_08441a",
		"abc-084414-521668222",
		"abc_084414_521668222 ",
	};
	struct ag_channel_dir c;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		cr_expect_eq(ag_parse_channel_dir(bad[i], &c), -1,
		    "'%s' must not be a channel folder", bad[i]);
	cr_expect_eq(ag_parse_channel_dir(NULL, &c), -1);
}

Test(names, channel_dir_length)
{
	char name[300];
	struct ag_channel_dir c;

	/* 255 bytes of channel fit, 256 do not */
	memset(name, 'c', 255);
	strcpy(name + 255, "_084414_521668222");
	cr_assert_eq(ag_parse_channel_dir(name, &c), 0);
	cr_assert_eq(strlen(c.channel), 255);
	memset(name, 'c', 256);
	strcpy(name + 256, "_084414_521668222");
	cr_assert_eq(ag_parse_channel_dir(name, &c), -1);
	memset(name, 'c', 256);
	strcpy(name + 256, "_084414");
	cr_assert_eq(ag_parse_channel_dir(name, &c), -1);
}

Test(names, uid)
{
	uint32_t u = 7;

	cr_assert_eq(ag_parse_uid("0", 1, &u), 0);
	cr_assert_eq(u, 0);
	cr_assert_eq(ag_parse_uid("4294967295", 10, &u), 0);
	cr_assert_eq(u, 4294967295u);
	cr_assert_eq(ag_parse_uid("1001", 4, &u), 0);
	cr_assert_eq(u, 1001);
	/* only len bytes are read */
	cr_assert_eq(ag_parse_uid("123abc", 3, &u), 0);
	cr_assert_eq(u, 123);
	cr_assert_eq(ag_parse_uid("1001_20190208084418569", 4, &u), 0);
	cr_assert_eq(u, 1001);

	cr_assert_eq(ag_parse_uid("4294967296", 10, &u), -1);
	cr_assert_eq(ag_parse_uid("9999999999", 10, &u), -1);
	cr_assert_eq(ag_parse_uid("10000000000", 11, &u), -1);
	cr_assert_eq(ag_parse_uid("04294967295", 11, &u), -1);
	cr_assert_eq(ag_parse_uid("00", 2, &u), -1);
	cr_assert_eq(ag_parse_uid("01", 2, &u), -1);
	cr_assert_eq(ag_parse_uid("", 0, &u), -1);
	cr_assert_eq(ag_parse_uid("-1", 2, &u), -1);
	cr_assert_eq(ag_parse_uid("+1", 2, &u), -1);
	cr_assert_eq(ag_parse_uid(" 1", 2, &u), -1);
	cr_assert_eq(ag_parse_uid("1 ", 2, &u), -1);
	cr_assert_eq(ag_parse_uid("0x10", 4, &u), -1);
	cr_assert_eq(ag_parse_uid("1e3", 3, &u), -1);
	cr_assert_eq(ag_parse_uid(NULL, 1, &u), -1);
	cr_assert_eq(u, 1001, "a failed parse leaves *out alone");
}

Test(names, ts_to_ms)
{
	int64_t ms = -1;

	cr_assert_eq(ag_ts_to_ms("19700101000000000", &ms), 0);
	cr_assert_eq(ms, 0);
	cr_assert_eq(ag_ts_to_ms("20190208084418570", &ms), 0);
	cr_assert_eq(ms, INT64_C(1549615458570));
	cr_assert_eq(ag_ts_to_ms("20000229120000000", &ms), 0);
	cr_assert_eq(ms, INT64_C(951825600000));
	cr_assert_eq(ag_ts_to_ms("20240301101500120", &ms), 0);
	cr_assert_eq(ms, INT64_C(1709288100120));
	cr_assert_eq(ag_ts_to_ms("99991231235959999", &ms), 0);
	cr_assert_eq(ms, INT64_C(253402300799999));
	/* a leap second reads as the next minute's first second */
	cr_assert_eq(ag_ts_to_ms("20161231235960000", &ms), 0);
	cr_assert_eq(ms, INT64_C(1483228800000));
}

Test(names, ts_to_ms_rejects)
{
	static const char *const bad[] = {
		"2019020808441857",
		"201902080844185700",
		"2019020808441857a",
		"20191308084418570",
		"20190008084418570",
		"20190200084418570",
		"20190232084418570",
		"20190229084418570",
		"20190208244418570",
		"20190208086018570",
		"20190208084461570",
		"19691231235959999",
		"-0190208084418570",
		" 0190208084418570",
		"",
	};
	int64_t ms = 42;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		cr_expect_eq(ag_ts_to_ms(bad[i], &ms), -1, "'%s'", bad[i]);
	cr_expect_eq(ms, 42);
	cr_expect_eq(ag_ts_to_ms(NULL, &ms), -1);
}

Test(names, ts_from_ms)
{
	char buf[AG_TS_LEN + 1];

	ag_ts_from_ms(0, buf);
	cr_assert_str_eq(buf, "19700101000000000");
	ag_ts_from_ms(INT64_C(1549615458570), buf);
	cr_assert_str_eq(buf, "20190208084418570");
	ag_ts_from_ms(INT64_C(951825600000), buf);
	cr_assert_str_eq(buf, "20000229120000000");
	ag_ts_from_ms(INT64_C(253402300799999), buf);
	cr_assert_str_eq(buf, "99991231235959999");
	/* clamped to what a TS can say */
	ag_ts_from_ms(-1, buf);
	cr_assert_str_eq(buf, "19700101000000000");
	ag_ts_from_ms(INT64_MIN, buf);
	cr_assert_str_eq(buf, "19700101000000000");
	ag_ts_from_ms(INT64_C(253402300800000), buf);
	cr_assert_str_eq(buf, "99991231235959999");
	ag_ts_from_ms(INT64_MAX, buf);
	cr_assert_str_eq(buf, "99991231235959999");
}

Test(names, ts_round_trip)
{
	char buf[AG_TS_LEN + 1];
	int64_t ms, back;

	/* every ~37 hours and 1 ms odd offsets over 1970..9999 */
	for (ms = 0; ms <= INT64_C(253402300799999); ms += INT64_C(133200001) * 97) {
		ag_ts_from_ms(ms, buf);
		cr_assert_eq(strlen(buf), AG_TS_LEN);
		cr_assert_eq(ag_ts_to_ms(buf, &back), 0, "%s", buf);
		cr_assert_eq(back, ms, "%s", buf);
	}
	/* day boundaries around leap days */
	for (ms = INT64_C(951696000000); ms < INT64_C(951955200000); ms += 3600000 - 1) {
		ag_ts_from_ms(ms, buf);
		cr_assert_eq(ag_ts_to_ms(buf, &back), 0, "%s", buf);
		cr_assert_eq(back, ms, "%s", buf);
	}
	cr_assert_eq(ag_ts_to_ms("20190208084418570", &ms), 0);
	ag_ts_from_ms(ms, buf);
	cr_assert_str_eq(buf, "20190208084418570");
}
