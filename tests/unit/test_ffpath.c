/*
 * test_ffpath.c - ffmpeg.c's names for ffmpeg's command line: ag_ff_url
 * makes every file name a "file:" URL with an absolute path, so that a
 * leading '-' or a "proto:" prefix is never interpreted; ag_ff_find
 * resolves AGREC_FFMPEG / AGREC_FFPROBE or the default name on PATH.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ffmpeg.h"

static void
url_is(const char *path, const char *want)
{
	char *s = ag_ff_url(path);

	cr_assert_not_null(s);
	cr_assert_str_eq(s, want, "'%s'", path);
	free(s);
}

Test(ffpath, url_absolute)
{
	url_is("/var/lib/agrec/1001_20240301101500120.aac",
	    "file:/var/lib/agrec/1001_20240301101500120.aac");
	url_is("/tmp/a b;$(id)'.mp4", "file:/tmp/a b;$(id)'.mp4");
}

/* Relative names are made absolute against the current directory, so
 * that what ffmpeg sees starts with "file:/" whatever the name. */
Test(ffpath, url_relative_hostile)
{
	static const char *const names[] = {
		"-i", "-y.mp4", "http://example.com/x", "concat:a.ts|b.ts", "pipe:1",
		"file:x", "a b", "",
	};
	char want[PATH_MAX + 64];
	size_t i;

	cr_assert_eq(chdir("/tmp"), 0);
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(want, sizeof want, "file:/tmp/%s", names[i]);
		url_is(names[i], want);
	}
}

/* A tree with bin1/ (a non-executable file named prog, and a directory
 * named dirprog) and bin2/ (executables prog and dirprog). */
static char *
make_bins(char *tmpl)
{
	static const char *const files[][2] = {
		{ "bin1/prog", "644" }, { "bin2/prog", "755" }, { "bin2/dirprog", "755" },
	};
	char p[PATH_MAX];
	size_t i;
	int fd;

	cr_assert_not_null(mkdtemp(tmpl));
	snprintf(p, sizeof p, "%s/bin1", tmpl);
	cr_assert_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof p, "%s/bin1/dirprog", tmpl);
	cr_assert_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof p, "%s/bin2", tmpl);
	cr_assert_eq(mkdir(p, 0755), 0);
	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", tmpl, files[i][0]);
		cr_assert((fd = open(p, O_WRONLY | O_CREAT, 0600)) >= 0);
		close(fd);
		cr_assert_eq(chmod(p, (mode_t)strtol(files[i][1], NULL, 8)), 0);
	}
	return tmpl;
}

/* Remove what make_bins made. */
static void
rm_bins(const char *top)
{
	static const char *const names[] = {
		"bin1/prog", "bin2/prog", "bin2/dirprog", "bin1/dirprog", "bin1", "bin2", "",
	};
	char p[PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", top, names[i]);
		remove(p);
	}
}

static void
set_path(const char *dir, const char *fmt)
{
	char path[3 * PATH_MAX];

	snprintf(path, sizeof path, fmt, dir, dir);
	cr_assert_eq(setenv("PATH", path, 1), 0);
}

/* ag_ff_find(var, name) gives prefix + rest. */
static void
finds(const char *var, const char *name, const char *prefix, const char *rest)
{
	struct ag_error err = { 0 };
	char want[PATH_MAX], *s = ag_ff_find(var, name, &err);

	cr_assert_not_null(s, "%s: %s", name, err.msg);
	snprintf(want, sizeof want, "%s%s", prefix, rest);
	cr_assert_str_eq(s, want);
	free(s);
}

Test(ffpath, find_from_environment)
{
	struct ag_error err = { 0 };

	cr_assert_eq(setenv("AGREC_FFMPEG", "/bin/sh", 1), 0);
	finds("AGREC_FFMPEG", "ffmpeg", "", "/bin/sh");
	cr_assert_eq(setenv("AGREC_FFMPEG", "/nonexistent/ffmpeg", 1), 0);
	cr_assert_null(ag_ff_find("AGREC_FFMPEG", "ffmpeg", &err));
	cr_assert_eq(err.code, AG_EX_UNAVAILABLE);
	cr_assert(strstr(err.msg, "/nonexistent/ffmpeg") != NULL &&
	    strstr(err.msg, "AGREC_FFMPEG") != NULL, "%s", err.msg);
}

/* Unset or empty: the default name, looked up on PATH in order, skipping
 * a file that is not executable. */
Test(ffpath, find_on_path)
{
	char tmpl[] = "/tmp/agrec-unit-ffpath.XXXXXX", *top = make_bins(tmpl);
	struct ag_error err = { 0 };

	cr_assert_eq(setenv("AGREC_FFMPEG", "", 1), 0);
	set_path(top, "/nonexistent:%s/bin1:%s/bin2");
	finds("AGREC_FFMPEG", "prog", top, "/bin2/prog");
	unsetenv("AGREC_FFMPEG");
	finds("AGREC_FFMPEG", "prog", top, "/bin2/prog");
	cr_assert_null(ag_ff_find("AGREC_FFMPEG", "no-such-prog", &err));
	cr_assert_eq(err.code, AG_EX_UNAVAILABLE);
	cr_assert(strstr(err.msg, "no-such-prog not found on PATH") != NULL, "%s", err.msg);
	rm_bins(top);
}

/* An empty PATH element is the current directory, as for execvp. */
Test(ffpath, find_empty_path_element)
{
	char tmpl[] = "/tmp/agrec-unit-ffpath.XXXXXX", *top = make_bins(tmpl), d[PATH_MAX];

	snprintf(d, sizeof d, "%s/bin2", top);
	cr_assert_eq(chdir(d), 0);
	cr_assert_eq(setenv("PATH", "/nonexistent::/also-not", 1), 0);
	finds("AGREC_NO_SUCH_VARIABLE", "prog", "", "./prog");
	rm_bins(top);
}

/* A directory is not a program, even though access(X_OK) says yes: the
 * search goes on to the executable further down PATH (the directory was
 * taken, and the spawn then failed with EACCES). */
Test(ffpath, find_skips_directories)
{
	char tmpl[] = "/tmp/agrec-unit-ffpath.XXXXXX", *top = make_bins(tmpl);

	set_path(top, "%s/bin1:%s/bin2");
	finds("AGREC_NO_SUCH_VARIABLE", "dirprog", top, "/bin2/dirprog");
	rm_bins(top);
}
