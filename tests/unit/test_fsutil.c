/*
 * test_fsutil.c - fsutil.c: whole writes that report the disk's own error
 * and cut a failed record back off, and durable promotion of a file.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
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
