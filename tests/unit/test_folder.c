/*
 * Unit tests of libcommon/folder.c: the recording folder as data, and
 * each rule of agrec-folder(5) "How agrec reads a folder" once.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "folder.h"
#include "fsutil.h"

static struct ag_folder f;

static void
teardown(void)
{
	ag_folder_free(&f);
}

TestSuite(folder, .fini = teardown);

static void
add(const char *name, const char *text)
{
	struct ag_error e = { 0 };

	cr_assert_eq(ag_folder_add_log(&f, name, text, strlen(text), &e), 0, "%s", e.msg);
}

static void
settle(void)
{
	struct ag_error e = { 0 };

	cr_assert_eq(ag_folder_settle(&f, &e), 0, "%s", e.msg);
}

static size_t
count_warnings(const char *needle)
{
	size_t i, n = 0;

	for (i = 0; i < f.warnings.n; i++)
		if (strstr(f.warnings.v[i], needle) != NULL)
			n++;
	return n;
}

Test(folder, first_txt_without_zero_opens_session_0_with_one_warning)
{
	add("uid_8_20240301120000000.txt", "3.000 8_20240301120000000.aac create \n"
	    "9.000 8_20240301120000000.aac close \n");
	add("uid_8_20240301120100000.txt", "0.000 8_20240301120100000.aac create \n"
	    "9.000 8_20240301120100000.aac close \n");
	add("uid_8_20240301120200000.txt", "2.000 8_20240301120200000.aac create \n"
	    "9.000 8_20240301120200000.aac close \n");
	settle();
	cr_assert_eq(f.warnings.n, 1);
	cr_assert_str_eq(f.warnings.v[0], "uid_8_20240301120000000.txt: the first txt of uid 8 "
	    "has no 0.000 line; it opens session 0 all the same");
	cr_assert_eq(f.logs[0].session, 0);
	cr_assert_eq(f.logs[1].session, 1);
	cr_assert_eq(f.logs[2].session, 1);
	cr_assert_eq(f.logs[2].base_ms, f.logs[1].ts_ms);
	cr_assert_eq(f.origin_ms, f.logs[0].ts_ms);
}

Test(folder, logs_sorted_by_uid_then_ts)
{
	add("uid_20_20240301120000000.txt", "0.000 20_20240301120000000.aac create \n");
	add("uid_3_20240301120500000.txt", "0.000 3_20240301120500000.aac create \n");
	add("uid_3_20240301120000000.txt", "0.000 3_20240301120000000.aac create \n");
	settle();
	cr_assert_str_eq(f.logs[0].name, "uid_3_20240301120000000.txt");
	cr_assert_str_eq(f.logs[1].name, "uid_3_20240301120500000.txt");
	cr_assert_str_eq(f.logs[2].name, "uid_20_20240301120000000.txt");
}

Test(folder, ts_media_is_video)
{
	add("uid_5_20240301120000000.txt", "0.000 5_20240301120000000.ts create \n"
	    "0.100 5_20240301120000000.ts info width=640 height=360 rotation=90\n"
	    "4.000 5_20240301120000000.ts close \n");
	settle();
	cr_assert_eq(f.logs[0].nclips, 1);
	cr_assert(f.logs[0].clips[0].video);
	cr_assert_eq(f.logs[0].clips[0].kind, AG_MEDIA_TS);
	cr_assert_eq(f.logs[0].clips[0].start_ms, 100);
	cr_assert_eq(f.logs[0].clips[0].end_ms, 4000);
	cr_assert_eq(f.logs[0].clips[0].nrots, 1);
	cr_assert_eq(f.logs[0].clips[0].rots[0].rotation, 90);
	cr_assert_eq(f.warnings.n, 0);
}

Test(folder, media_of_another_uid_is_the_txt_users)
{
	add("uid_5_20240301120000000.txt", "0.000 6_20240301120000000.aac create \n"
	    "4.000 6_20240301120000000.aac close \n");
	settle();
	cr_assert_eq(f.logs[0].clips[0].uid, 5);
	cr_assert_eq(f.logs[0].clips[0].media_uid, 6);
	cr_assert_eq(f.warnings.n, 1);
	cr_assert_str_eq(f.warnings.v[0], "uid_5_20240301120000000.txt: "
	    "6_20240301120000000.aac is named for uid 6; kept as uid 5's");
}

Test(folder, uid_0_is_read_like_any_uid)
{
	add("uid_0_20240301120000000.txt", "0.000 0_20240301120000000.aac create \n"
	    "4.000 0_20240301120000000.aac close \n");
	add("uid_7_20240301120000000.txt", "0.000 7_20240301120000000.aac create \n"
	    "4.000 7_20240301120000000.aac close \n");
	settle();
	cr_assert_eq(f.nlogs, 2);
	cr_assert_eq(f.logs[0].uid, 0);
	cr_assert_eq(f.logs[0].nclips, 1);
	cr_assert_eq(f.warnings.n, 0);
}

Test(folder, clip_without_close_is_marked_and_warned)
{
	add("uid_5_20240301120000000.txt", "0.000 5_20240301120000000.aac create \n");
	settle();
	cr_assert_eq(f.logs[0].clips[0].end_ms, AG_FOLDER_NO_CLOSE);
	cr_assert_eq(count_warnings("5_20240301120000000.aac has no close line; "
	    "it lasts as long as its media"), 1);
}

Test(folder, rotations_codec_switches_and_bad_lines)
{
	const struct ag_folder_clip *c;

	add("uid_5_20240301120000000.txt", "0.000 5_20240301120000000.mp4 create \n"
	    "0.200 5_20240301120000000.mp4 info width=640 height=360 rotation=0\n"
	    "2.000 5_20240301120000000.mp4 rotate rotation=90\n"
	    "3.000 5_20240301120000000.mp4 codecswitch\n"
	    "x.000 5_20240301120000000.mp4 close \n"
	    "5.000 5_20240301120000000.mp4 close \n");
	settle();
	c = &f.logs[0].clips[0];
	cr_assert_eq(c->create_ms, 0);
	cr_assert_eq(c->start_ms, 200);
	cr_assert_eq(c->width, 640);
	cr_assert_eq(c->nrots, 2);
	cr_assert_eq(c->rots[1].t_ms, 2000);
	cr_assert_eq(c->rots[1].rotation, 90);
	cr_assert_eq(c->nswitches, 1);
	cr_assert_eq(c->switches[0], 3000);
	cr_assert_eq(c->end_ms, 5000);
	cr_assert_eq(count_warnings("line 5: bad time"), 1);
	cr_assert_eq(count_warnings("line skipped"), 1);
}

/* A folder on disk: names, sizes, channel, markers, metadata.txt. */
Test(folder, read_from_disk)
{
	char dir[] = "/tmp/agrec-folder-XXXXXX", *p;
	const char *txt = "0.000 9_20240301120000000.aac create \n"
	    "3.000 9_20240301120000000.aac close \n"
	    "0.000 9_20240301120000001.aac create \n"
	    "3.000 9_20240301120000001.aac close \n";
	struct ag_error e = { 0 };
	char *buf;
	size_t len;

	cr_assert_not_null(mkdtemp(dir));
	p = ag_path_join(dir, "uid_9_20240301120000000.txt");
	cr_assert_eq(ag_write_file_atomic(p, txt, strlen(txt), 0644, &e), 0, "%s", e.msg);
	free(p);
	p = ag_path_join(dir, "9_20240301120000000.aac");
	cr_assert_eq(ag_write_file_atomic(p, "abcd", 4, 0644, &e), 0, "%s", e.msg);
	free(p);
	cr_assert_eq(ag_metadata_write(dir, "room 1", &e), 0, "%s", e.msg);
	cr_assert_eq(ag_folder_mark(dir, AG_FOLDER_FINISHED, 0644, &e), 0, "%s", e.msg);
	cr_assert(ag_folder_marked(dir, AG_FOLDER_FINISHED));
	cr_assert(!ag_folder_marked(dir, AG_FOLDER_CONVERTED));

	cr_assert_eq(ag_folder_read(dir, &f, &e), 0, "%s", e.msg);
	cr_assert_str_eq(f.channel, "room 1");
	cr_assert(f.finished);
	cr_assert(!f.converted);
	cr_assert_eq(f.nlogs, 1);
	cr_assert_eq(f.logs[0].nclips, 2);
	cr_assert_eq(f.logs[0].clips[0].size, 4);
	cr_assert_eq(f.logs[0].clips[1].size, -1);

	p = ag_path_join(dir, "metadata.txt");
	cr_assert_eq(ag_read_file(p, 4096, &buf, &len, &e), 0, "%s", e.msg);
	cr_assert_str_eq(buf, "<version>2.0</version>\n<tag></tag>\n"
	    "<channel name>room 1</channel name>\n");
	free(buf);
	unlink(p);
	free(p);
	p = ag_path_join(dir, "recording2-done.txt");
	unlink(p);
	free(p);
	p = ag_path_join(dir, "uid_9_20240301120000000.txt");
	unlink(p);
	free(p);
	/* No uid_*.txt: not a recording folder. */
	ag_folder_free(&f);
	cr_assert_eq(ag_folder_read(dir, &f, &e), -1);
	cr_assert_eq(e.code, AG_EX_DATAERR);
	cr_assert(strstr(e.msg, "no uid_*.txt files") != NULL);
	p = ag_path_join(dir, "9_20240301120000000.aac");
	unlink(p);
	free(p);
	rmdir(dir);
}
