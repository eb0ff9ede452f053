#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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

int
ag_spawn(const char *path, char *const argv[], const struct ag_spawn_io *io,
    pid_t *pid, struct ag_error *err)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dflt;
	struct ag_spawn_io inherit = { AG_SPAWN_INHERIT, AG_SPAWN_INHERIT, AG_SPAWN_INHERIT };
	int r;

	if (io == NULL)
		io = &inherit;
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

	r = add_fd(&fa, io->in, 0, O_RDONLY);
	if (r == 0)
		r = add_fd(&fa, io->out, 1, O_WRONLY);
	if (r == 0)
		r = add_fd(&fa, io->err, 2, O_WRONLY);
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
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 };
	struct sink s[2] = { { -1, NULL, 0, 0, max }, { -1, NULL, 0, 0, max } };
	struct ag_spawn_io io;
	pid_t pid;
	int rc = -1, open_fds, i;

	*out = NULL;
	if (err_out)
		*err_out = NULL;
	if (pipe2(po, O_CLOEXEC) < 0 || (err_out && pipe2(pe, O_CLOEXEC) < 0)) {
		ag_error_errno(err, AG_EX_FAIL, errno, "pipe");
		goto out;
	}
	io.in = AG_SPAWN_NULL;
	io.out = po[1];
	io.err = err_out ? pe[1] : AG_SPAWN_NULL;
	if (ag_spawn(path, argv, &io, &pid, err) < 0)
		goto out;
	close(po[1]);
	po[1] = -1;
	if (pe[1] >= 0) {
		close(pe[1]);
		pe[1] = -1;
	}
	s[0].fd = po[0];
	s[1].fd = pe[0];
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
				if (i == 0)
					po[0] = -1;
				else
					pe[0] = -1;
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
	for (i = 0; i < 2; i++) {
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
	}
	free(s[0].buf);
	free(s[1].buf);
	return rc;
}
