/*
 * test_spawn.c - child processes (spawn.h): the pipe modes and the
 * parent's ends they return (close-on-exec, non-blocking when asked,
 * never held by a child, which would keep it from seeing the end of its
 * input), exit statuses, a program that is not there, ag_run_capture.
 * Every wait on a child is bounded: a broken close-on-exec fails a test,
 * it does not hang the suite.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exitcodes.h"
#include "spawn.h"

/* The children a test started: killed when it ends, failed or not, so that
 * none is left holding a pipe (or the test runner's output). */
static pid_t kids[4];
static int nkids;

static void
kill_kids(void)
{
	int status;

	while (nkids > 0) {
		pid_t pid = kids[--nkids];
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
}

/* A test still running after 30 s is killed by SIGALRM (reported as a
 * crash): whatever breaks, the suite does not hang.  (Criterion's own
 * .timeout leaks under LeakSanitizer.) */
static void
arm(void)
{
	alarm(30);
}

/* ag_spawn, with the child killed at the end of the test. */
static int
spawn(const char *path, char *const argv[], struct ag_spawn_io *io, pid_t *pid,
    struct ag_error *err)
{
	int rc = ag_spawn(path, argv, io, pid, err);

	if (rc == 0 && nkids < 4)
		kids[nkids++] = *pid;
	return rc;
}

/* Read fd to the end into buf (NUL-terminated), each wait at most ms.
 * Returns the length, or -1 on a timeout or an error. */
static ssize_t
read_all(int fd, char *buf, size_t size, int ms)
{
	struct pollfd p = { fd, POLLIN, 0 };
	size_t len = 0;
	ssize_t n;

	for (;;) {
		if (poll(&p, 1, ms) <= 0)
			return -1;
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == size - 1)
			break;
	}
	buf[len] = '\0';
	return (ssize_t)len;
}

/* waitpid for at most ms.  Returns 0 and *status, or -1 on the timeout
 * (kill_kids() ends the child). */
static int
wait_bounded(pid_t pid, int *status, int ms)
{
	int i;

	for (; ms > 0; ms -= 10) {
		if (waitpid(pid, status, WNOHANG) == pid) {
			for (i = 0; i < nkids; i++)
				if (kids[i] == pid)
					kids[i] = kids[--nkids];
			return 0;
		}
		usleep(10000);
	}
	return -1;
}

static int
count_fds(void)
{
	int fd, n = 0;

	for (fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

static void
assert_parent_end(int fd, bool nonblock)
{
	cr_assert_geq(fd, 3, "a pipe's parent end is a new descriptor");
	cr_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC, "the parent's end is close-on-exec");
	cr_assert_eq((fcntl(fd, F_GETFL) & O_NONBLOCK) != 0, nonblock,
	    "the parent's end is non-blocking only for AG_SPAWN_PIPE_NB");
}

Test(spawn, pipe_in_out, .init = arm, .fini = kill_kids)
{
	char *argv[] = { "cat", NULL };
	struct ag_spawn_io io = { AG_SPAWN_PIPE, AG_SPAWN_PIPE, AG_SPAWN_NULL, 0 };
	struct ag_error err = { 0 };
	char buf[64];
	pid_t pid;
	int status;

	cr_assert_eq(spawn("cat", argv, &io, &pid, &err), 0, "%s", err.msg);
	assert_parent_end(io.in, false);
	assert_parent_end(io.out, false);
	cr_assert_eq(write(io.in, "hello", 5), 5);
	close(io.in);
	cr_assert_eq(read_all(io.out, buf, sizeof buf, 5000), 5,
	    "cat saw the end of its input (no child holds the write end)");
	cr_assert_str_eq(buf, "hello");
	close(io.out);
	cr_assert_eq(wait_bounded(pid, &status, 5000), 0);
	cr_assert(ag_status_ok(status));
}

Test(spawn, pipe_nonblocking, .init = arm, .fini = kill_kids)
{
	char *argv[] = { "cat", NULL };
	struct ag_spawn_io io = { AG_SPAWN_PIPE_NB, AG_SPAWN_PIPE_NB, AG_SPAWN_NULL, 0 };
	struct ag_error err = { 0 };
	char buf[64];
	pid_t pid;
	int status;

	cr_assert_eq(spawn("cat", argv, &io, &pid, &err), 0, "%s", err.msg);
	assert_parent_end(io.in, true);
	assert_parent_end(io.out, true);
	cr_assert_eq(read(io.out, buf, sizeof buf), -1, "nothing to read yet, and no waiting");
	cr_assert_eq(errno, EAGAIN);
	/* The child's end is blocking: cat waits for its input instead of
	 * failing with EAGAIN on an empty pipe. */
	usleep(200000);
	cr_assert_eq(write(io.in, "later", 5), 5);
	close(io.in);
	cr_assert_eq(read_all(io.out, buf, sizeof buf, 5000), 5);
	cr_assert_str_eq(buf, "later");
	close(io.out);
	cr_assert_eq(wait_bounded(pid, &status, 5000), 0);
	cr_assert(ag_status_ok(status), "cat's stdin was blocking");
}

Test(spawn, pipe_err_and_status, .init = arm, .fini = kill_kids)
{
	char *argv[] = { "cat", "/nonexistent/agrec-test", NULL };
	struct ag_spawn_io io = { AG_SPAWN_NULL, AG_SPAWN_PIPE, AG_SPAWN_PIPE_NB, 0 };
	struct ag_error err = { 0 };
	char buf[512], why[128];
	pid_t pid;
	int status;

	cr_assert_eq(spawn("cat", argv, &io, &pid, &err), 0, "%s", err.msg);
	assert_parent_end(io.out, false);
	assert_parent_end(io.err, true);
	cr_assert_gt(read_all(io.err, buf, sizeof buf, 5000), 0, "the message came on the pipe");
	cr_assert(strstr(buf, "agrec-test") != NULL, "%s", buf);
	cr_assert_eq(read_all(io.out, buf, sizeof buf, 5000), 0);
	close(io.out);
	close(io.err);
	cr_assert_eq(wait_bounded(pid, &status, 5000), 0);
	cr_assert(!ag_status_ok(status));
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1);
	cr_assert_str_eq(ag_status_describe(status, why, sizeof why), "exited with status 1");
}

/* The child's descriptor 3 (in3): a second input, read as /dev/fd/3. */
Test(spawn, pipe_in3, .init = arm, .fini = kill_kids)
{
	char *argv[] = { "cat", "/dev/fd/3", "-", NULL };
	struct ag_spawn_io io = { AG_SPAWN_PIPE, AG_SPAWN_PIPE, AG_SPAWN_NULL, AG_SPAWN_PIPE_NB };
	struct ag_error err = { 0 };
	char buf[64];
	pid_t pid;
	int status;

	cr_assert_eq(spawn("cat", argv, &io, &pid, &err), 0, "%s", err.msg);
	assert_parent_end(io.in3, true);
	cr_assert_eq(write(io.in3, "three,", 6), 6);
	close(io.in3);
	cr_assert_eq(write(io.in, "zero", 4), 4);
	close(io.in);
	cr_assert_eq(read_all(io.out, buf, sizeof buf, 5000), 10);
	cr_assert_str_eq(buf, "three,zero");
	close(io.out);
	cr_assert_eq(wait_bounded(pid, &status, 5000), 0);
	cr_assert(ag_status_ok(status));
}

/*
 * A second child started while the first one's pipes are open must not
 * hold the parent's end of them: cat sees the end of its input as soon as
 * the parent closes its end, not when the second child (a sleep) exits.
 */
Test(spawn, children_hold_no_parent_end, .init = arm, .fini = kill_kids)
{
	char *cat[] = { "cat", NULL }, *slp[] = { "sleep", "10", NULL };
	struct ag_spawn_io io = { AG_SPAWN_PIPE, AG_SPAWN_PIPE, AG_SPAWN_NULL, AG_SPAWN_PIPE };
	struct ag_spawn_io none = { AG_SPAWN_NULL, AG_SPAWN_NULL, AG_SPAWN_NULL, 0 };
	struct ag_error err = { 0 };
	char buf[64];
	pid_t pid, other;
	int status;
	ssize_t n;

	cr_assert_eq(spawn("cat", cat, &io, &pid, &err), 0, "%s", err.msg);
	cr_assert_eq(spawn("sleep", slp, &none, &other, &err), 0, "%s", err.msg);
	close(io.in3);
	cr_assert_eq(write(io.in, "x", 1), 1);
	close(io.in);
	n = read_all(io.out, buf, sizeof buf, 3000);
	cr_assert_eq(n, 1, "cat did not see the end of its input: a child holds the write end");
	close(io.out);
	cr_assert_eq(wait_bounded(pid, &status, 5000), 0);
}

Test(spawn, missing_program, .init = arm, .fini = kill_kids)
{
	char *argv[] = { "agrec-no-such-program", NULL };
	struct ag_spawn_io io = { AG_SPAWN_PIPE, AG_SPAWN_PIPE_NB, AG_SPAWN_PIPE, AG_SPAWN_PIPE };
	struct ag_error err = { 0 };
	pid_t pid;
	int before = count_fds();

	cr_assert_eq(spawn("agrec-no-such-program", argv, &io, &pid, &err), -1);
	cr_assert_eq(err.code, AG_EX_UNAVAILABLE);
	cr_assert(strstr(err.msg, "agrec-no-such-program") != NULL, "%s", err.msg);
	cr_assert_eq(io.in, AG_SPAWN_PIPE, "io is left as it was");
	cr_assert_eq(io.out, AG_SPAWN_PIPE_NB);
	cr_assert_eq(io.in3, AG_SPAWN_PIPE);
	cr_assert_eq(count_fds(), before, "no pipe left open");
	memset(&err, 0, sizeof err);
	argv[0] = "/nonexistent/agrec-prog";
	cr_assert_eq(spawn(argv[0], argv, NULL, &pid, &err), -1);
	cr_assert_eq(err.code, AG_EX_UNAVAILABLE);
}

Test(spawn, status_and_null_io, .init = arm, .fini = kill_kids)
{
	char *t[] = { "true", NULL }, *f[] = { "false", NULL };
	struct ag_error err = { 0 };
	pid_t pid;
	int status;

	cr_assert_eq(spawn("true", t, NULL, &pid, &err), 0, "%s", err.msg);
	cr_assert_eq(ag_wait(pid, &status, &err), 0);
	cr_assert(ag_status_ok(status));
	cr_assert_eq(spawn("false", f, NULL, &pid, &err), 0, "%s", err.msg);
	cr_assert_eq(ag_wait(pid, &status, &err), 0);
	cr_assert(!ag_status_ok(status));
}

Test(spawn, run_capture, .init = arm, .fini = kill_kids)
{
	char *argv[] = { "cat", "-", "/nonexistent/agrec-test", NULL };
	char *out = NULL, *errs = NULL;
	struct ag_error err = { 0 };
	size_t len;
	int status, before = count_fds();

	cr_assert_eq(ag_run_capture("cat", argv, 1024, &out, &len, &errs, &status, &err), 0,
	    "%s", err.msg);
	cr_assert_eq(len, 0, "stdin is /dev/null");
	cr_assert_str_eq(out, "");
	cr_assert(strstr(errs, "agrec-test") != NULL, "%s", errs);
	cr_assert(!ag_status_ok(status));
	cr_assert_eq(count_fds(), before);
	free(out);
	free(errs);
}
