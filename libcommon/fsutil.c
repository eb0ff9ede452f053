#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exitcodes.h"
#include "fsutil.h"
#include "umask.h"

char *
ag_path_join(const char *dir, const char *name)
{
	char *s;
	size_t n = strlen(dir);

	/* All trailing slashes go, the root's too: "/" + "x" is "/x", and
	 * "" + "x" is "x" (not "/x"). */
	while (n > 0 && dir[n - 1] == '/')
		n--;
	if (asprintf(&s, "%.*s%s%s", (int)n, dir, *dir != '\0' ? "/" : "", name) < 0)
		return NULL;
	return s;
}

int
ag_fsync_dir(const char *dir, struct ag_error *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return ag_error_errno(err, AG_EX_IOERR, errno, "%s", dir);
	if (fsync(fd) < 0 && errno != EINVAL) {
		int e = errno;
		close(fd);
		return ag_error_errno(err, AG_EX_IOERR, e, "fsync %s", dir);
	}
	close(fd);
	return 0;
}

int
ag_promote_file(const char *tmp, const char *path, struct ag_error *err)
{
	char *dir = NULL, *slash;
	int fd, rc;

	if ((fd = open(tmp, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return ag_error_errno(err, AG_EX_IOERR, errno, "%s", tmp);
	if (fsync(fd) < 0) {
		int e = errno;
		close(fd);
		return ag_error_errno(err, AG_EX_IOERR, e, "fsync %s", tmp);
	}
	if (close(fd) < 0)
		return ag_error_errno(err, AG_EX_IOERR, errno, "%s", tmp);
	if (rename(tmp, path) < 0)
		return ag_error_errno(err, AG_EX_IOERR, errno, "cannot rename %s to %s", tmp, path);
	if ((dir = strdup(path)) == NULL)
		return ag_error_errno(err, AG_EX_IOERR, ENOMEM, "%s", path);
	/* The directory holding path: "." for a bare name, "/" for "/name". */
	if ((slash = strrchr(dir, '/')) == NULL)
		strcpy(dir, ".");
	else
		*(slash == dir ? slash + 1 : slash) = '\0';
	rc = ag_fsync_dir(dir, err);
	free(dir);
	return rc;
}

int
ag_write_whole(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	struct stat st;
	bool regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;
			if (regular && ftruncate(fd, st.st_size) == 0)
				lseek(fd, st.st_size, SEEK_SET);
			errno = e;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
ag_write_file_atomic(const char *path, const void *data, size_t len, int mode,
    struct ag_error *err)
{
	char *tmp = NULL, *dir = NULL, *slash;
	const char *p = data;
	int fd = -1, rc = -1;

	if (asprintf(&tmp, "%s.tmpXXXXXX", path) < 0 || (dir = strdup(path)) == NULL) {
		ag_error_errno(err, AG_EX_IOERR, ENOMEM, "%s", path);
		goto out;
	}
	slash = strrchr(dir, '/');
	if (slash == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		ag_error_errno(err, AG_EX_IOERR, errno, "%s", path);
		free(tmp);
		tmp = NULL;
		goto out;
	}
	/* mkstemp made it 0600: give it the mode open(2) would, mode less
	 * the umask (umask.h). */
	if (fchmod(fd, (mode_t)mode & ~ag_umask_get()) < 0)
		goto ioerr;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto ioerr;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) < 0)
		goto ioerr;
	if (close(fd) < 0) {
		fd = -1;
		goto ioerr;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto ioerr;
	free(tmp);
	tmp = NULL;
	rc = ag_fsync_dir(dir, err);
	goto out;
ioerr:
	ag_error_errno(err, AG_EX_IOERR, errno, "%s", path);
out:
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	free(dir);
	return rc;
}

int
ag_lock_folder(const char *dir, const char *name, struct ag_error *err)
{
	char *path = ag_path_join(dir, name);
	int fd;

	if (path == NULL)
		return ag_error_errno(err, AG_EX_IOERR, ENOMEM, "%s", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		ag_error_errno(err, AG_EX_IOERR, errno, "cannot create the lock %s", path);
		free(path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		close(fd);
		if (e == EWOULDBLOCK) {
			ag_error_set(err, AG_EX_TEMPFAIL,
			    "locked: another agrec-convert is converting this folder (%s)", path);
			free(path);
			return -2;
		}
		ag_error_errno(err, AG_EX_IOERR, e, "flock %s", path);
		free(path);
		return -1;
	}
	free(path);
	return fd;
}

char *
ag_make_private_dir(const char *dir, const char *prefix, struct ag_error *err)
{
	char *path;

	if (asprintf(&path, "%s/%sXXXXXX", dir, prefix) < 0) {
		ag_error_errno(err, AG_EX_IOERR, ENOMEM, "%s", dir);
		return NULL;
	}
	if (mkdtemp(path) == NULL) {
		ag_error_errno(err, AG_EX_IOERR, errno, "cannot create a temporary directory in %s", dir);
		free(path);
		return NULL;
	}
	return path;
}

int
ag_remove_private_dir(const char *path, struct ag_error *err)
{
	DIR *d;
	struct dirent *de;
	int dfd, rc = 0;

	dfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? 0 : ag_error_errno(err, AG_EX_IOERR, errno, "%s", path);
	if ((d = fdopendir(dfd)) == NULL) {
		close(dfd);
		return ag_error_errno(err, AG_EX_IOERR, errno, "%s", path);
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(dfd, de->d_name, 0) < 0 && errno != ENOENT)
			rc = ag_error_errno(err, AG_EX_IOERR, errno, "%s/%s", path, de->d_name);
	}
	closedir(d);
	if (rmdir(path) < 0 && errno != ENOENT)
		rc = ag_error_errno(err, AG_EX_IOERR, errno, "%s", path);
	return rc;
}

long long
ag_file_size(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -1;
	if (!S_ISREG(st.st_mode))
		return -2;
	return (long long)st.st_size;
}

int
ag_ncpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 256 ? 256 : (int)n;
}

int
ag_read_file(const char *path, size_t max, char **bufp, size_t *lenp, struct ag_error *err)
{
	struct stat st;
	char *buf = NULL, *nbuf;
	size_t len = 0, cap, limit;
	ssize_t r;
	int fd, ret = -1;

	/* The largest buffer: max + 1 bytes (one more shows the file is too
	 * big) and the NUL, without wrapping when max is about SIZE_MAX. */
	limit = max < SIZE_MAX - 2 ? max + 2 : SIZE_MAX;
	*bufp = NULL;
	*lenp = 0;
	/* O_NONBLOCK: a FIFO under the name must not hang the open; it is
	 * refused below, and regular files ignore the flag. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return ag_error_errno(err, AG_EX_IOERR, errno, "%s", path);
	if (fstat(fd, &st) < 0) {
		ag_error_errno(err, AG_EX_IOERR, errno, "%s", path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ag_error_set(err, AG_EX_IOERR, "%s: not a regular file", path);
		goto out;
	}
	if ((uintmax_t)st.st_size > max)
		goto too_big;
	/* Two bytes spare: a file that grew since fstat shows at once, and
	 * the NUL always fits. */
	cap = (uintmax_t)st.st_size < limit - 2 ? (size_t)st.st_size + 2 : limit;
	if ((buf = malloc(cap)) == NULL) {
		ag_error_errno(err, AG_EX_FAIL, ENOMEM, "%s", path);
		goto out;
	}
	for (;;) {
		if (len + 1 == cap) {
			if (len > max || cap == limit)
				goto too_big;
			cap = cap > limit / 2 ? limit : cap * 2;
			if ((nbuf = realloc(buf, cap)) == NULL) {
				ag_error_errno(err, AG_EX_FAIL, ENOMEM, "%s", path);
				goto out;
			}
			buf = nbuf;
		}
		r = read(fd, buf + len, cap - 1 - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			ag_error_errno(err, AG_EX_IOERR, errno, "%s", path);
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (len > max)
		goto too_big;
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	buf = NULL;
	ret = 0;
	goto out;
too_big:
	ag_error_set(err, AG_EX_DATAERR, "%s: larger than %zu bytes", path, max);
out:
	free(buf);
	close(fd);
	return ret;
}

int
ag_fd_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}
