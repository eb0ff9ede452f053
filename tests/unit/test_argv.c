/*
 * test_argv.c - argv.c: the argument vector handed to ag_spawn (copied
 * strings, always NULL-terminated, a failure that sticks) and its display
 * as shell-quoted words for --dry-run and logs.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "argv.h"

/* The words of a as one line, as ag_argv_print writes them (new). */
static char *
printed(const struct ag_argv *a)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	cr_assert_eq(ag_argv_print(a, f), 0);
	cr_assert_eq(fclose(f), 0);
	return buf;
}

/* word as ag_shell_quote writes it: a vector of one word prints as that
 * word quoted, and a newline. */
static void
quotes_as(const char *word, const char *want)
{
	struct ag_argv a = { 0 };
	char *s;

	cr_assert_eq(ag_argv_push(&a, word), 0);
	s = printed(&a);
	cr_assert_eq(s[strlen(s) - 1], '\n');
	s[strlen(s) - 1] = '\0';
	cr_assert_str_eq(s, want, "'%s' was quoted as [%s], not [%s]", word, s, want);
	free(s);
	ag_argv_free(&a);
}

Test(argv, push_copies_and_terminates)
{
	struct ag_argv a = { 0 };
	char word[] = "ffmpeg";

	cr_assert_eq(ag_argv_push(&a, word), 0);
	word[0] = 'X';
	cr_assert_eq(a.n, 1);
	cr_assert_str_eq(a.v[0], "ffmpeg", "the vector holds a copy");
	cr_assert_null(a.v[1]);
	cr_assert_eq(ag_argv_push(&a, ""), 0);
	cr_assert_eq(a.n, 2);
	cr_assert_str_eq(a.v[1], "");
	cr_assert_null(a.v[2]);
	cr_assert(!a.failed);
	ag_argv_free(&a);
}

/* Past the first allocation (16) and several doublings, every word is
 * in place and the vector stays NULL-terminated after each push. */
Test(argv, grows)
{
	struct ag_argv a = { 0 };
	char s[32];
	size_t i;

	for (i = 0; i < 1000; i++) {
		cr_assert_eq(ag_argv_push(&a, (snprintf(s, sizeof s, "w%zu", i), s)), 0);
		cr_assert_eq(a.n, i + 1);
		cr_assert_null(a.v[a.n]);
		cr_assert(a.cap > a.n);
	}
	for (i = 0; i < 1000; i++) {
		snprintf(s, sizeof s, "w%zu", i);
		cr_assert_str_eq(a.v[i], s);
	}
	ag_argv_free(&a);
}

Test(argv, pushf_and_pushl)
{
	struct ag_argv a = { 0 };

	cr_assert_eq(ag_argv_pushl(&a, "ffmpeg", "-nostdin", "-i", "file:/a b", (char *)NULL), 0);
	cr_assert_eq(ag_argv_pushf(&a, "%dx%d", 640, 360), 0);
	cr_assert_eq(ag_argv_pushf(&a, "%s", "100%"), 0);
	cr_assert_eq(ag_argv_pushl(&a, (char *)NULL), 0, "an empty list adds nothing");
	cr_assert_eq(a.n, 6);
	cr_assert_str_eq(a.v[0], "ffmpeg");
	cr_assert_str_eq(a.v[3], "file:/a b");
	cr_assert_str_eq(a.v[4], "640x360");
	cr_assert_str_eq(a.v[5], "100%");
	cr_assert_null(a.v[6]);
	ag_argv_free(&a);
}

/* Once an allocation failed the vector is incomplete: every later push
 * fails and adds nothing, so the caller can check once at the end. */
Test(argv, failure_sticks)
{
	struct ag_argv a = { 0 };

	cr_assert_eq(ag_argv_push(&a, "one"), 0);
	a.failed = 1;
	cr_assert_eq(ag_argv_push(&a, "two"), -1);
	cr_assert_eq(ag_argv_pushf(&a, "%d", 3), -1);
	cr_assert_eq(ag_argv_pushl(&a, "four", "five", (char *)NULL), -1);
	cr_assert_eq(a.n, 1);
	cr_assert_null(a.v[1]);
	ag_argv_free(&a);
	cr_assert_eq(a.failed, 0, "free leaves the vector empty and usable");
}

Test(argv, free_leaves_empty)
{
	struct ag_argv a = { 0 };

	ag_argv_free(NULL);
	ag_argv_free(&a);
	cr_assert_eq(ag_argv_pushl(&a, "a", "b", (char *)NULL), 0);
	ag_argv_free(&a);
	cr_assert_null(a.v);
	cr_assert_eq(a.n, 0);
	cr_assert_eq(a.cap, 0);
	ag_argv_free(&a);
	cr_assert_eq(ag_argv_push(&a, "again"), 0);
	cr_assert_str_eq(a.v[0], "again");
	ag_argv_free(&a);
}

/* Words a shell would take as they are stay bare; everything else is in
 * single quotes, a quote inside as '\''. */
Test(argv, shell_quote)
{
	quotes_as("ffmpeg", "ffmpeg");
	quotes_as("-loglevel", "-loglevel");
	quotes_as("file:/var/lib/agrec/1001_20240301101500120.aac",
	    "file:/var/lib/agrec/1001_20240301101500120.aac");
	quotes_as("scale=640:360,fps=15", "scale=640:360,fps=15");
	quotes_as("", "''");
	quotes_as("a b", "'a b'");
	quotes_as("it's", "'it'\\''s'");
	quotes_as("'", "''\\'''");
	quotes_as("$(rm -rf ~)", "'$(rm -rf ~)'");
	quotes_as("`id`", "'`id`'");
	quotes_as("a;b", "'a;b'");
	quotes_as("a|b&c", "'a|b&c'");
	quotes_as("*.mp4", "'*.mp4'");
	quotes_as("~user", "'~user'");
	quotes_as("#x", "'#x'");
	quotes_as("a\\b", "'a\\b'");
	quotes_as("\"x\"", "'\"x\"'");
	quotes_as("two\nlines", "'two\nlines'");
	quotes_as("tab\there", "'tab\there'");
	quotes_as("caf\xc3\xa9", "'caf\xc3\xa9'");
}

Test(argv, print_line)
{
	struct ag_argv a = { 0 };
	char *s;

	s = printed(&a);
	cr_assert_str_eq(s, "\n", "an empty vector is an empty line");
	free(s);
	ag_argv_pushl(&a, "ffmpeg", "-i", "file:/tmp/a b.aac", "-metadata", "title=it's", "",
	    (char *)NULL);
	s = printed(&a);
	cr_assert_str_eq(s, "ffmpeg -i 'file:/tmp/a b.aac' -metadata 'title=it'\\''s' ''\n");
	free(s);
	ag_argv_free(&a);
}

/* A write error is reported, not lost (/dev/full, unbuffered). */
Test(argv, write_error)
{
	struct ag_argv a = { 0 };
	FILE *f = fopen("/dev/full", "w");

	cr_assert_not_null(f);
	setvbuf(f, NULL, _IONBF, 0);
	ag_argv_pushl(&a, "ffmpeg", "a b", (char *)NULL);
	cr_assert_eq(ag_argv_print(&a, f), -1);
	cr_assert_eq(ag_shell_quote("plain", f), -1);
	cr_assert_eq(ag_shell_quote("needs quotes", f), -1);
	fclose(f);
	ag_argv_free(&a);
}
