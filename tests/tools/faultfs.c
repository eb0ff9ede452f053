/*
 * faultfs.c - an LD_PRELOAD shim for the black-box tests: I/O errors the
 * disk would give, on chosen files only.  A file is chosen when its name
 * (the last part of /proc/self/fd/N) starts with one of the ':'-separated
 * prefixes in the variable.
 *
 *   FAULT_FSYNC=P1:P2   fsync fails with EIO
 *   FAULT_WRITE=P1:P2   the first write is short (half is written), every
 *                       later one fails with ENOSPC: a disk filling up
 *
 * and memory that runs out:
 *
 *   FAULT_STRDUP=TEXT   strdup of the string TEXT returns NULL (ENOMEM)
 *
 * Build: cc -shared -fPIC -o faultfs.so faultfs.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int
chosen(int fd, const char *var)
{
	const char *list = getenv(var), *p, *base;
	char link[64], path[PATH_MAX];
	ssize_t n;

	if (list == NULL || *list == '\0')
		return 0;
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	if ((n = readlink(link, path, sizeof path - 1)) <= 0)
		return 0;
	path[n] = '\0';
	base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	for (p = list; *p; ) {
		size_t len = strcspn(p, ":");
		if (len > 0 && strncmp(base, p, len) == 0)
			return 1;
		p += len;
		if (*p == ':')
			p++;
	}
	return 0;
}

int
fsync(int fd)
{
	if (chosen(fd, "FAULT_FSYNC")) {
		errno = EIO;
		return -1;
	}
	return (int)syscall(SYS_fsync, fd);
}

ssize_t
write(int fd, const void *buf, size_t len)
{
	static ssize_t (*real)(int, const void *, size_t);
	static int writes;

	if (real == NULL)
		real = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	if (chosen(fd, "FAULT_WRITE")) {
		if (writes++ == 0 && len > 1)
			return real(fd, buf, len / 2);
		errno = ENOSPC;
		return -1;
	}
	return real(fd, buf, len);
}

char *
strdup(const char *s)
{
	const char *m = getenv("FAULT_STRDUP");
	size_t len = strlen(s) + 1;
	char *p;

	if (m != NULL && *m != '\0' && strcmp(s, m) == 0) {
		errno = ENOMEM;
		return NULL;
	}
	if ((p = malloc(len)) != NULL)
		memcpy(p, s, len);
	return p;
}
