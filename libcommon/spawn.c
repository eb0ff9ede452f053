#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsutil.h"
#include "spawn.h"

extern char **environ;

static int
add_fd(posix_spawn_file_actions_t *fa, int fd, int target, int flags)
{
	if (fd == AG_SPAWN_INHERIT)
		return 0;
	if (fd == AG_SPAWN_NULL)
		return posix_spawn_file_actions_addopen(fa, target, "/dev/null", flags, 0);
	if (fd == target)
		return 0;	/* inherited as is (it must not be close-on-exec) */
	return posix_spawn_file_actions_adddup2(fa, fd, target);
}

static bool
is_pipe(int mode)
{
	return mode == AG_SPAWN_PIPE || mode == AG_SPAWN_PIPE_NB;
}

/*
 * A new pipe for the child's descriptor target (it reads 0 and 3, writes
 * 1 and 2): *child is the child's end, *parent the parent's, both
 * close-on-exec.  The child's end is moved above 3, so that no dup2 onto
 * 0-3 overwrites it before it is used.  Returns 0 or -1 with errno set.
 */
static int
open_pipe(int mode, int target, int *child, int *parent)
{
	int p[2], c, e;
	bool reads = target == 0 || target == 3;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	*child = reads ? p[0] : p[1];
	*parent = reads ? p[1] : p[0];
	if (*child <= 3) {
		if ((c = fcntl(*child, F_DUPFD_CLOEXEC, 4)) < 0)
			goto fail;
		close(*child);
		*child = c;
	}
	if (mode == AG_SPAWN_PIPE_NB && ag_fd_nonblock(*parent) < 0)
		goto fail;
	return 0;
fail:
	e = errno;
	close(*child);
	close(*parent);
	*child = *parent = -1;
	errno = e;
	return -1;
}

/* posix_spawn with the child's descriptors fd[0..3] (add_fd's values). */
static int
spawn_fds(const char *path, char *const argv[], const int fd[4], pid_t *pid,
    struct ag_error *err)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dflt;
	int r;

	if ((r = posix_spawn_file_actions_init(&fa)) != 0)
		return ag_error_errno(err, AG_EX_FAIL, r, "posix_spawn_file_actions_init");
	if ((r = posix_spawnattr_init(&attr)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return ag_error_errno(err, AG_EX_FAIL, r, "posix_spawnattr_init");
	}
	/* The child starts with default signal handling and nothing blocked. */
	sigemptyset(&none);
	sigemptyset(&dflt);
	sigaddset(&dflt, SIGINT);
	sigaddset(&dflt, SIGTERM);
	sigaddset(&dflt, SIGPIPE);
	sigaddset(&dflt, SIGCHLD);
	sigaddset(&dflt, SIGHUP);
	sigaddset(&dflt, SIGUSR1);
	sigaddset(&dflt, SIGUSR2);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dflt);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

	r = add_fd(&fa, fd[0], 0, O_RDONLY);
	if (r == 0)
		r = add_fd(&fa, fd[1], 1, O_WRONLY);
	if (r == 0)
		r = add_fd(&fa, fd[2], 2, O_WRONLY);
	if (r == 0)	/* last: a descriptor 3 given for 0-2 is dup'ed before */
		r = add_fd(&fa, fd[3], 3, O_RDONLY);
	if (r != 0) {
		ag_error_errno(err, AG_EX_FAIL, r, "posix_spawn_file_actions");
		goto out;
	}
	if (strchr(path, '/') != NULL)
		r = posix_spawn(pid, path, &fa, &attr, argv, environ);
	else
		r = posix_spawnp(pid, path, &fa, &attr, argv, environ);
	if (r != 0)
		ag_error_errno(err, (r == ENOENT || r == EACCES || r == ENOEXEC) ?
		    AG_EX_UNAVAILABLE : AG_EX_FAIL, r, "cannot run %s", path);
out:
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	return r == 0 ? 0 : -1;
}

int
ag_spawn(const char *path, char *const argv[], struct ag_spawn_io *io,
    pid_t *pid, struct ag_error *err)
{
	struct ag_spawn_io inherit = { AG_SPAWN_INHERIT, AG_SPAWN_INHERIT, AG_SPAWN_INHERIT, 0 };
	int *field[4], fd[4], parent[4] = { -1, -1, -1, -1 };
	int i, rc = -1;

	if (io == NULL)
		io = &inherit;
	field[0] = &io->in;
	field[1] = &io->out;
	field[2] = &io->err;
	field[3] = &io->in3;
	for (i = 0; i < 4; i++) {
		fd[i] = *field[i];
		if (i == 3 && fd[i] == 0)
			fd[i] = AG_SPAWN_INHERIT;	/* no descriptor 3 */
		else if (is_pipe(fd[i]) && open_pipe(fd[i], i, &fd[i], &parent[i]) < 0) {
			ag_error_errno(err, AG_EX_FAIL, errno, "pipe");
			fd[i] = AG_SPAWN_INHERIT;
			goto out;
		}
	}
	rc = spawn_fds(path, argv, fd, pid, err);
out:
	for (i = 0; i < 4; i++) {
		if (parent[i] < 0)
			continue;
		close(fd[i]);
		if (rc == 0)
			*field[i] = parent[i];
		else
			close(parent[i]);
	}
	return rc;
}

int
ag_wait(pid_t pid, int *status, struct ag_error *err)
{
	for (;;) {
		if (waitpid(pid, status, 0) == pid)
			return 0;
		if (errno != EINTR)
			return ag_error_errno(err, AG_EX_FAIL, errno, "waitpid %ld", (long)pid);
	}
}

int
ag_status_ok(int status)
{
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

const char *
ag_status_describe(int status, char *buf, size_t size)
{
	if (WIFEXITED(status))
		snprintf(buf, size, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, size, "killed by signal %d (%s)", WTERMSIG(status),
		    strsignal(WTERMSIG(status)));
	else
		snprintf(buf, size, "stopped (status 0x%x)", status);
	return buf;
}

struct sink {
	int fd;
	char *buf;
	size_t len, cap, max;
};

static int
sink_read(struct sink *s)
{
	char tmp[65536];
	ssize_t n = read(s->fd, tmp, sizeof tmp);

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : -1;
	if (n == 0)
		return 0;
	if (s->len < s->max) {
		size_t take = (size_t)n;
		if (take > s->max - s->len)
			take = s->max - s->len;
		if (s->len + take + 1 > s->cap) {
			size_t cap = s->cap ? s->cap : 4096;
			char *b;
			while (cap < s->len + take + 1)
				cap *= 2;
			if ((b = realloc(s->buf, cap)) == NULL)
				return -1;
			s->buf = b;
			s->cap = cap;
		}
		memcpy(s->buf + s->len, tmp, take);
		s->len += take;
		s->buf[s->len] = '\0';
	}
	return 1;
}

int
ag_run_capture(const char *path, char *const argv[], size_t max,
    char **out, size_t *out_len, char **err_out, int *status, struct ag_error *err)
{
	struct sink s[2] = { { -1, NULL, 0, 0, max }, { -1, NULL, 0, 0, max } };
	struct ag_spawn_io io = { AG_SPAWN_NULL, AG_SPAWN_PIPE, AG_SPAWN_NULL, 0 };
	pid_t pid;
	int rc = -1, open_fds, i;

	*out = NULL;
	if (err_out) {
		*err_out = NULL;
		io.err = AG_SPAWN_PIPE;
	}
	if (ag_spawn(path, argv, &io, &pid, err) < 0)
		goto out;
	s[0].fd = io.out;
	s[1].fd = err_out ? io.err : -1;
	open_fds = err_out ? 2 : 1;
	while (open_fds > 0) {
		struct pollfd pfd[2];
		int n = 0, r;
		for (i = 0; i < 2; i++)
			if (s[i].fd >= 0) {
				pfd[n].fd = s[i].fd;
				pfd[n].events = POLLIN;
				n++;
			}
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < 2; i++) {
			int j;
			if (s[i].fd < 0)
				continue;
			for (j = 0; j < n; j++)
				if (pfd[j].fd == s[i].fd && (pfd[j].revents & (POLLIN | POLLHUP | POLLERR)))
					break;
			if (j == n)
				continue;
			r = sink_read(&s[i]);
			if (r <= 0) {
				close(s[i].fd);
				s[i].fd = -1;
				open_fds--;
			}
		}
	}
	if (ag_wait(pid, status, err) < 0)
		goto out;
	*out = s[0].buf ? s[0].buf : strdup("");
	s[0].buf = NULL;
	*out_len = s[0].len;
	if (err_out) {
		*err_out = s[1].buf ? s[1].buf : strdup("");
		s[1].buf = NULL;
	}
	rc = 0;
out:
	for (i = 0; i < 2; i++)
		if (s[i].fd >= 0)
			close(s[i].fd);
	free(s[0].buf);
	free(s[1].buf);
	return rc;
}
