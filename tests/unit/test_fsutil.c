/*
 * test_fsutil.c - fsutil.c: whole writes that report the disk's own error
 * and cut a failed record back off, durable promotion of a file, atomic
 * files (a failed write leaves the old file and no temporary), bounded
 * reads that never block on a FIFO, folder locks, private directories
 * that are removed without following links, and the small path helpers.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"

/* A file size limit makes a write short, the next one fail with EFBIG:
 * the error comes out (not a stale errno) and the file is cut back to
 * what it held before the call. */
Test(fsutil, write_whole_short_write_reports_error_and_cuts_back)
{
	char path[] = "/tmp/agrec-unit-fsutil.XXXXXX", big[3000];
	struct rlimit rl = { 2048, RLIM_INFINITY };
	struct stat st;
	int fd = mkstemp(path);

	cr_assert(fd >= 0);
	unlink(path);
	signal(SIGXFSZ, SIG_IGN);
	cr_assert(setrlimit(RLIMIT_FSIZE, &rl) == 0);
	cr_assert(ag_write_whole(fd, "line one\n", 9) == 0);
	memset(big, 'x', sizeof big);
	errno = EAGAIN;
	cr_assert(ag_write_whole(fd, big, sizeof big) == -1);
	cr_assert_eq(errno, EFBIG, "errno %d (%s)", errno, strerror(errno));
	cr_assert(fstat(fd, &st) == 0);
	cr_assert_eq(st.st_size, 9);
	cr_assert(ag_write_whole(fd, "line two\n", 9) == 0);
	cr_assert(fstat(fd, &st) == 0);
	cr_assert_eq(st.st_size, 18);
	close(fd);
}

/* A pipe with no reader: EPIPE, nothing to cut back. */
Test(fsutil, write_whole_broken_pipe)
{
	int pp[2];

	signal(SIGPIPE, SIG_IGN);
	cr_assert(pipe(pp) == 0);
	close(pp[0]);
	errno = 0;
	cr_assert(ag_write_whole(pp[1], "x", 1) == -1);
	cr_assert_eq(errno, EPIPE);
	close(pp[1]);
}

/* ag_promote_file: the file appears under its final name, the temporary
 * name is gone; a missing temporary file is an error naming it. */
Test(fsutil, promote_file)
{
	char dir[] = "/tmp/agrec-unit-promote.XXXXXX", *tmp, *final;
	struct ag_error err = { 0 };
	int fd;

	cr_assert(mkdtemp(dir) != NULL);
	tmp = ag_path_join(dir, "t");
	final = ag_path_join(dir, "f");
	cr_assert((fd = open(tmp, O_WRONLY | O_CREAT, 0600)) >= 0);
	cr_assert(write(fd, "abc", 3) == 3);
	close(fd);
	cr_assert(ag_promote_file(tmp, final, &err) == 0, "%s", err.msg);
	cr_assert_eq(ag_file_size(final), 3);
	cr_assert_eq(ag_file_size(tmp), -1);
	cr_assert(ag_promote_file(tmp, final, &err) == -1);
	cr_assert(strstr(err.msg, tmp) != NULL, "%s", err.msg);
	unlink(final);
	rmdir(dir);
	free(tmp);
	free(final);
}

/* --- helpers for the tests below --- */

/* A new empty directory under /tmp (the path is in a static buffer of
 * the caller's test: each test runs in its own process). */
static char *
new_dir(char *tmpl)
{
	cr_assert_not_null(mkdtemp(tmpl));
	return tmpl;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* Remove dir and what is in it, never following a link. */
static void
rm_tree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void
put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s", path);
	cr_assert(fputs(text, f) >= 0);
	cr_assert_eq(fclose(f), 0);
}

/* The whole file at path (new); fails the test if it cannot be read. */
static char *
get(const char *path)
{
	static char buf[1 << 16];
	FILE *f = fopen(path, "r");
	size_t n;

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strdup(buf);
}

/* The names in dir besides . and .., sorted, joined with spaces (new). */
static char *
listing(const char *dir)
{
	struct dirent **names;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	int i, n = scandir(dir, &names, NULL, alphasort);

	cr_assert(n >= 0);
	for (i = 0; i < n; i++) {
		if (strcmp(names[i]->d_name, ".") != 0 && strcmp(names[i]->d_name, "..") != 0)
			fprintf(f, "%s%s", len > 0 || ftell(f) > 0 ? " " : "", names[i]->d_name);
		free(names[i]);
	}
	free(names);
	fclose(f);
	return out;
}

static mode_t
mode_of(const char *path)
{
	struct stat st;

	cr_assert_eq(lstat(path, &st), 0, "%s", path);
	return st.st_mode & 07777;
}

/* --- ag_write_file_atomic --- */

Test(fsutil, atomic_new_file)
{
	char tmpl[] = "/tmp/agrec-unit-atomic.XXXXXX", *dir = new_dir(tmpl), *p, *s;
	struct ag_error err = { 0 };

	p = ag_path_join(dir, "metadata.txt");
	umask(077);
	cr_assert_eq(ag_write_file_atomic(p, "a\0b\n", 4, 0666, &err), 0, "%s", err.msg);
	cr_assert_eq(ag_file_size(p), 4, "every byte, the NUL too");
	cr_assert_eq(mode_of(p), 0600, "0666 less the umask 077: %o", mode_of(p));
	s = listing(dir);
	cr_assert_str_eq(s, "metadata.txt", "no temporary left: [%s]", s);
	free(s);
	rm_tree(dir);
	free(p);
}

Test(fsutil, atomic_empty_file)
{
	char tmpl[] = "/tmp/agrec-unit-atomic.XXXXXX", *dir = new_dir(tmpl), *p;
	struct ag_error err = { 0 };

	p = ag_path_join(dir, "convert-done.txt");
	cr_assert_eq(ag_write_file_atomic(p, "", 0, 0600, &err), 0, "%s", err.msg);
	cr_assert_eq(ag_file_size(p), 0);
	rm_tree(dir);
	free(p);
}

/* Replacing: the new content under the name, as a new inode (a reader
 * holding the old file open keeps reading the old content whole). */
Test(fsutil, atomic_replaces)
{
	char tmpl[] = "/tmp/agrec-unit-atomic.XXXXXX", *dir = new_dir(tmpl), *p, *s;
	struct ag_error err = { 0 };
	struct stat before, after;
	char old[16] = { 0 };
	int fd;

	p = ag_path_join(dir, "f");
	put(p, "old content\n");
	cr_assert_eq(stat(p, &before), 0);
	cr_assert((fd = open(p, O_RDONLY)) >= 0);
	cr_assert_eq(ag_write_file_atomic(p, "new\n", 4, 0644, &err), 0, "%s", err.msg);
	cr_assert_eq(stat(p, &after), 0);
	cr_assert_neq(before.st_ino, after.st_ino, "written in place, not renamed over");
	s = get(p);
	cr_assert_str_eq(s, "new\n");
	free(s);
	cr_assert_eq(read(fd, old, sizeof old - 1), 12);
	cr_assert_str_eq(old, "old content\n");
	close(fd);
	s = listing(dir);
	cr_assert_str_eq(s, "f", "no temporary left: [%s]", s);
	free(s);
	rm_tree(dir);
	free(p);
}

/* A write that fails (the file size limit: EFBIG, as ENOSPC would on a
 * full disk) leaves the old file whole and no temporary behind, and says
 * which file. */
Test(fsutil, atomic_failed_write_keeps_old_file)
{
	char tmpl[] = "/tmp/agrec-unit-atomic.XXXXXX", *dir = new_dir(tmpl), *p, *s;
	struct rlimit rl = { 4096, RLIM_INFINITY };
	struct ag_error err = { 0 };
	static char big[100000];

	p = ag_path_join(dir, "layout.json");
	put(p, "{\"old\": true}\n");
	signal(SIGXFSZ, SIG_IGN);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	memset(big, 'x', sizeof big);
	cr_assert_eq(ag_write_file_atomic(p, big, sizeof big, 0666, &err), -1);
	cr_assert_eq(err.code, AG_EX_IOERR);
	cr_assert(strstr(err.msg, p) != NULL, "the message names the file: %s", err.msg);
	cr_assert(strstr(err.msg, strerror(EFBIG)) != NULL, "and the reason: %s", err.msg);
	s = get(p);
	cr_assert_str_eq(s, "{\"old\": true}\n", "the old file was changed: [%.40s]", s);
	free(s);
	s = listing(dir);
	cr_assert_str_eq(s, "layout.json", "a temporary was left: [%s]", s);
	free(s);
	rm_tree(dir);
	free(p);
}

/* The rename fails (a directory holds the name): nothing is left behind
 * and the directory is untouched. */
Test(fsutil, atomic_failed_rename_leaves_nothing)
{
	char tmpl[] = "/tmp/agrec-unit-atomic.XXXXXX", *dir = new_dir(tmpl), *p, *q, *s;
	struct ag_error err = { 0 };

	p = ag_path_join(dir, "out");
	cr_assert_eq(mkdir(p, 0700), 0);
	q = ag_path_join(p, "inside");
	put(q, "keep\n");
	cr_assert_eq(ag_write_file_atomic(p, "x", 1, 0666, &err), -1);
	cr_assert_eq(err.code, AG_EX_IOERR);
	cr_assert(strstr(err.msg, p) != NULL, "%s", err.msg);
	s = listing(dir);
	cr_assert_str_eq(s, "out", "a temporary was left: [%s]", s);
	free(s);
	s = get(q);
	cr_assert_str_eq(s, "keep\n");
	free(s);
	rm_tree(dir);
	free(p);
	free(q);
}

Test(fsutil, atomic_missing_directory)
{
	char tmpl[] = "/tmp/agrec-unit-atomic.XXXXXX", *dir = new_dir(tmpl), *p;
	struct ag_error err = { 0 };

	p = ag_path_join(dir, "no/such/f");
	cr_assert_eq(ag_write_file_atomic(p, "x", 1, 0666, &err), -1);
	cr_assert_eq(err.code, AG_EX_IOERR);
	cr_assert(strstr(err.msg, p) != NULL, "%s", err.msg);
	cr_assert(strstr(err.msg, strerror(ENOENT)) != NULL, "%s", err.msg);
	rm_tree(dir);
	free(p);
}

/* A symlink under the name is replaced by the file; its target (which
 * may be anyone's file) is not written through. */
Test(fsutil, atomic_never_writes_through_a_symlink)
{
	char tmpl[] = "/tmp/agrec-unit-atomic.XXXXXX", *dir = new_dir(tmpl), *p, *t, *s;
	struct ag_error err = { 0 };
	struct stat st;

	p = ag_path_join(dir, "f");
	t = ag_path_join(dir, "target");
	put(t, "not yours\n");
	cr_assert_eq(symlink(t, p), 0);
	cr_assert_eq(ag_write_file_atomic(p, "mine\n", 5, 0666, &err), 0, "%s", err.msg);
	cr_assert_eq(lstat(p, &st), 0);
	cr_assert(S_ISREG(st.st_mode), "the name is a regular file now");
	s = get(t);
	cr_assert_str_eq(s, "not yours\n");
	free(s);
	rm_tree(dir);
	free(p);
	free(t);
}

/* A bare file name is written in the current directory. */
Test(fsutil, atomic_bare_name)
{
	char tmpl[] = "/tmp/agrec-unit-atomic.XXXXXX", *dir = new_dir(tmpl), *s;
	struct ag_error err = { 0 };

	cr_assert_eq(chdir(dir), 0);
	cr_assert_eq(ag_write_file_atomic("bare.txt", "b\n", 2, 0666, &err), 0, "%s", err.msg);
	s = listing(".");
	cr_assert_str_eq(s, "bare.txt");
	free(s);
	cr_assert_eq(chdir("/"), 0);
	rm_tree(dir);
}

/* --- ag_read_file --- */

Test(fsutil, read_file)
{
	char tmpl[] = "/tmp/agrec-unit-read.XXXXXX", *dir = new_dir(tmpl), *p, *buf;
	struct ag_error err = { 0 };
	size_t len;
	int fd;

	p = ag_path_join(dir, "f");
	cr_assert((fd = open(p, O_WRONLY | O_CREAT, 0600)) >= 0);
	cr_assert_eq(write(fd, "ab\0cd", 5), 5);
	close(fd);
	cr_assert_eq(ag_read_file(p, 5, &buf, &len, &err), 0, "%s", err.msg);
	cr_assert_eq(len, 5, "exactly max bytes is allowed");
	cr_assert(memcmp(buf, "ab\0cd", 6) == 0, "the bytes and a NUL after them");
	free(buf);
	buf = (char *)1;
	len = 99;
	cr_assert_eq(ag_read_file(p, 4, &buf, &len, &err), -1);
	cr_assert_eq(err.code, AG_EX_DATAERR);
	cr_assert(strstr(err.msg, p) != NULL && strstr(err.msg, "larger than 4 bytes") != NULL,
	    "%s", err.msg);
	cr_assert_null(buf);
	cr_assert_eq(len, 0);
	rm_tree(dir);
	free(p);
}

Test(fsutil, read_empty_file)
{
	char tmpl[] = "/tmp/agrec-unit-read.XXXXXX", *dir = new_dir(tmpl), *p, *buf;
	struct ag_error err = { 0 };
	size_t len = 99;

	p = ag_path_join(dir, "empty");
	put(p, "");
	cr_assert_eq(ag_read_file(p, 0, &buf, &len, &err), 0, "%s", err.msg);
	cr_assert_not_null(buf);
	cr_assert_eq(len, 0);
	cr_assert_str_eq(buf, "");
	free(buf);
	rm_tree(dir);
	free(p);
}

/* A file whose size stat does not know (procfs says 0) is read whole,
 * and still refused past max. */
Test(fsutil, read_file_that_grows)
{
	struct ag_error err = { 0 };
	char *buf;
	size_t len;

	cr_assert_eq(ag_read_file("/proc/self/status", 1 << 20, &buf, &len, &err), 0, "%s",
	    err.msg);
	cr_assert(len > 100 && strlen(buf) == len, "%zu bytes", len);
	cr_assert(strstr(buf, "\nPid:") != NULL);
	free(buf);
	cr_assert_eq(ag_read_file("/proc/self/status", 10, &buf, &len, &err), -1);
	cr_assert_eq(err.code, AG_EX_DATAERR, "%s", err.msg);
	cr_assert_null(buf);
}

/* max = SIZE_MAX is "no limit": a file stat gives as 0 bytes is still
 * read whole (the buffer grows as for any other max).  It failed with
 * EFAULT: cap = max + 2 wrapped to 1 when the buffer grew, the buffer was
 * shrunk and read() asked for about SIZE_MAX bytes past it. */
Test(fsutil, read_file_without_limit)
{
	struct ag_error err = { 0 };
	char *buf;
	size_t len;

	cr_assert_eq(ag_read_file("/proc/self/status", SIZE_MAX, &buf, &len, &err), 0, "%s",
	    err.msg);
	cr_assert(strstr(buf, "\nPid:") != NULL);
	free(buf);
}

/* A FIFO with no writer is refused at once (an open without O_NONBLOCK
 * would hang: the timeout fails the test then). */
Test(fsutil, read_fifo_refused_without_blocking, .timeout = 10)
{
	char tmpl[] = "/tmp/agrec-unit-read.XXXXXX", *dir = new_dir(tmpl), *p, *buf;
	struct ag_error err = { 0 };
	size_t len;

	p = ag_path_join(dir, "fifo");
	cr_assert_eq(mkfifo(p, 0600), 0);
	cr_assert_eq(ag_read_file(p, 1000, &buf, &len, &err), -1);
	cr_assert_eq(err.code, AG_EX_IOERR);
	cr_assert(strstr(err.msg, "not a regular file") != NULL, "%s", err.msg);
	cr_assert_null(buf);
	cr_assert_eq(ag_read_file(dir, 1000, &buf, &len, &err), -1, "a directory");
	cr_assert(strstr(err.msg, "not a regular file") != NULL, "%s", err.msg);
	cr_assert_eq(ag_read_file("/dev/null", 1000, &buf, &len, &err), -1, "a device");
	cr_assert_eq(err.code, AG_EX_IOERR);
	rm_tree(dir);
	free(p);
}

Test(fsutil, read_missing_file)
{
	struct ag_error err = { 0 };
	char *buf;
	size_t len;

	cr_assert_eq(ag_read_file("/nonexistent/agrec/x.json", 1000, &buf, &len, &err), -1);
	cr_assert_eq(err.code, AG_EX_IOERR);
	cr_assert(strstr(err.msg, "/nonexistent/agrec/x.json") != NULL, "%s", err.msg);
	cr_assert(strstr(err.msg, strerror(ENOENT)) != NULL, "%s", err.msg);
	cr_assert_null(buf);
}

/* --- ag_lock_folder --- */

Test(fsutil, lock_folder)
{
	char tmpl[] = "/tmp/agrec-unit-lock.XXXXXX", *dir = new_dir(tmpl), *p;
	struct ag_error err = { 0 };
	int fd, fd2;

	umask(0);
	fd = ag_lock_folder(dir, ".agrec-lock", &err);
	cr_assert(fd >= 0, "%s", err.msg);
	p = ag_path_join(dir, ".agrec-lock");
	cr_assert_eq(mode_of(p), 0600, "the lock file is owner-only even with umask 0: %o",
	    mode_of(p));
	/* A second taker (another open file: as another process) is told
	 * it is locked, with its own return value and class. */
	fd2 = ag_lock_folder(dir, ".agrec-lock", &err);
	cr_assert_eq(fd2, -2);
	cr_assert_eq(err.code, AG_EX_TEMPFAIL);
	cr_assert(strstr(err.msg, "locked") != NULL, "%s", err.msg);
	close(fd);
	fd2 = ag_lock_folder(dir, ".agrec-lock", &err);
	cr_assert(fd2 >= 0, "released by close: %s", err.msg);
	close(fd2);
	rm_tree(dir);
	free(p);
}

/* A symlink under the lock's name is not followed (its target is not
 * created) and is an error, not a lock. */
Test(fsutil, lock_folder_symlink)
{
	char tmpl[] = "/tmp/agrec-unit-lock.XXXXXX", *dir = new_dir(tmpl), *p, *t;
	struct ag_error err = { 0 };

	p = ag_path_join(dir, ".agrec-lock");
	t = ag_path_join(dir, "target");
	cr_assert_eq(symlink(t, p), 0);
	cr_assert_eq(ag_lock_folder(dir, ".agrec-lock", &err), -1);
	cr_assert_eq(err.code, AG_EX_IOERR);
	cr_assert_eq(ag_file_size(t), -1, "the symlink's target was created");
	rm_tree(dir);
	free(p);
	free(t);
}

Test(fsutil, lock_folder_missing_dir)
{
	struct ag_error err = { 0 };

	cr_assert_eq(ag_lock_folder("/nonexistent/agrec", ".agrec-lock", &err), -1);
	cr_assert_eq(err.code, AG_EX_IOERR);
	cr_assert(strstr(err.msg, "/nonexistent/agrec") != NULL, "%s", err.msg);
}

/* --- private directories --- */

Test(fsutil, private_dir)
{
	char tmpl[] = "/tmp/agrec-unit-priv.XXXXXX", *dir = new_dir(tmpl), *a, *b, *p, *s;
	struct ag_error err = { 0 };
	struct stat st;

	umask(0);
	a = ag_make_private_dir(dir, ".agrec-tmp-", &err);
	b = ag_make_private_dir(dir, ".agrec-tmp-", &err);
	cr_assert_not_null(a, "%s", err.msg);
	cr_assert_not_null(b, "%s", err.msg);
	cr_assert_str_neq(a, b);
	cr_assert(strncmp(a, dir, strlen(dir)) == 0 && strstr(a, "/.agrec-tmp-") != NULL, "%s", a);
	cr_assert_eq(stat(a, &st), 0);
	cr_assert(S_ISDIR(st.st_mode));
	cr_assert_eq(st.st_mode & 07777, 0700, "private even with umask 0: %o",
	    (unsigned)(st.st_mode & 07777));
	p = ag_path_join(a, "list.txt");
	put(p, "x\n");
	free(p);
	cr_assert_eq(ag_remove_private_dir(a, &err), 0, "%s", err.msg);
	cr_assert_eq(ag_remove_private_dir(b, &err), 0, "%s", err.msg);
	cr_assert_eq(ag_remove_private_dir(b, &err), 0, "an absent directory is removed already");
	s = listing(dir);
	cr_assert_str_eq(s, "", "[%s]", s);
	free(s);
	rm_tree(dir);
	free(a);
	free(b);
}

Test(fsutil, private_dir_in_missing_dir)
{
	struct ag_error err = { 0 };

	cr_assert_null(ag_make_private_dir("/nonexistent/agrec", "x", &err));
	cr_assert_eq(err.code, AG_EX_IOERR);
	cr_assert(strstr(err.msg, "/nonexistent/agrec") != NULL, "%s", err.msg);
}

/* Removing never follows a link: a symlink inside is removed, not its
 * target; a subdirectory is not recursed into (an error, kept); a
 * private-dir path that is itself a symlink to a directory is refused
 * and what the link points at is untouched. */
Test(fsutil, remove_private_dir_never_follows_links)
{
	char tmpl[] = "/tmp/agrec-unit-priv.XXXXXX", *dir = new_dir(tmpl), *priv, *p, *s;
	char *outside, *victim, *link;
	struct ag_error err = { 0 };

	outside = ag_path_join(dir, "outside.mp4");
	put(outside, "precious\n");
	priv = ag_make_private_dir(dir, "t", &err);
	cr_assert_not_null(priv, "%s", err.msg);
	p = ag_path_join(priv, "clip.mp4");
	cr_assert_eq(symlink(outside, p), 0);
	free(p);
	cr_assert_eq(ag_remove_private_dir(priv, &err), 0, "%s", err.msg);
	s = get(outside);
	cr_assert_str_eq(s, "precious\n");
	free(s);
	free(priv);

	priv = ag_make_private_dir(dir, "t", &err);
	p = ag_path_join(priv, "sub");
	cr_assert_eq(mkdir(p, 0700), 0);
	cr_assert_eq(ag_remove_private_dir(priv, &err), -1);
	cr_assert_eq(err.code, AG_EX_IOERR);
	cr_assert_eq(ag_file_size(p), -2, "the subdirectory is kept");
	free(p);
	rm_tree(priv);
	free(priv);

	victim = ag_path_join(dir, "victim");
	cr_assert_eq(mkdir(victim, 0700), 0);
	p = ag_path_join(victim, "keep");
	put(p, "k\n");
	link = ag_path_join(dir, "link");
	cr_assert_eq(symlink(victim, link), 0);
	cr_assert_eq(ag_remove_private_dir(link, &err), -1);
	cr_assert_eq(ag_file_size(p), 2, "a file behind the link was removed");
	rm_tree(dir);
	free(p);
	free(link);
	free(victim);
	free(outside);
}

/* --- small helpers --- */

Test(fsutil, path_join)
{
	static const char *const cases[][3] = {
		{ "a", "b", "a/b" },
		{ "a/", "b", "a/b" },
		{ "a///", "b", "a/b" },
		{ "/var/lib/agrec", "uid_1.txt", "/var/lib/agrec/uid_1.txt" },
		{ ".", "x", "./x" },
		{ "a", "", "a/" },
		{ "", "x", "x" },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *s = ag_path_join(cases[i][0], cases[i][1]);
		cr_assert_not_null(s);
		cr_assert_str_eq(s, cases[i][2], "'%s' + '%s'", cases[i][0], cases[i][1]);
		free(s);
	}
}

/* "Join dir and name with one '/'": the root directory too (it gave
 * "//x": the trailing-slash loop stopped at n > 1). */
Test(fsutil, path_join_root)
{
	char *s = ag_path_join("/", "x");

	cr_assert_str_eq(s, "/x");
	free(s);
	s = ag_path_join("//", "x");
	cr_assert_str_eq(s, "/x");
	free(s);
}

Test(fsutil, file_size)
{
	char tmpl[] = "/tmp/agrec-unit-size.XXXXXX", *dir = new_dir(tmpl), *f, *e, *l, *d, *q;

	f = ag_path_join(dir, "three");
	e = ag_path_join(dir, "empty");
	l = ag_path_join(dir, "link");
	d = ag_path_join(dir, "dangling");
	q = ag_path_join(dir, "fifo");
	put(f, "abc");
	put(e, "");
	cr_assert_eq(symlink(f, l), 0);
	cr_assert_eq(symlink("/nonexistent/agrec", d), 0);
	cr_assert_eq(mkfifo(q, 0600), 0);
	cr_assert_eq(ag_file_size(f), 3);
	cr_assert_eq(ag_file_size(e), 0);
	cr_assert_eq(ag_file_size(l), 3, "a link to a file: the file's size");
	cr_assert_eq(ag_file_size(d), -1, "a dangling link is missing");
	cr_assert_eq(ag_file_size(q), -2);
	cr_assert_eq(ag_file_size(dir), -2);
	cr_assert_eq(ag_file_size("/dev/null"), -2);
	cr_assert_eq(ag_file_size("/nonexistent/agrec"), -1);
	rm_tree(dir);
	free(f);
	free(e);
	free(l);
	free(d);
	free(q);
}

Test(fsutil, fsync_dir)
{
	char tmpl[] = "/tmp/agrec-unit-sync.XXXXXX", *dir = new_dir(tmpl), *f;
	struct ag_error err = { 0 };

	cr_assert_eq(ag_fsync_dir(dir, &err), 0, "%s", err.msg);
	cr_assert_eq(ag_fsync_dir("/nonexistent/agrec", &err), -1);
	cr_assert_eq(err.code, AG_EX_IOERR);
	cr_assert(strstr(err.msg, "/nonexistent/agrec") != NULL, "%s", err.msg);
	f = ag_path_join(dir, "file");
	put(f, "");
	cr_assert_eq(ag_fsync_dir(f, &err), -1, "a file is not a directory");
	cr_assert_eq(err.code, AG_EX_IOERR);
	rm_tree(dir);
	free(f);
}

Test(fsutil, ncpus)
{
	int n = ag_ncpus();

	cr_assert(n >= 1 && n <= 256, "%d", n);
}
