/*
 * fuzz.h - what every harness in tests/fuzz/ defines: the libFuzzer
 * entry point.  The same harness links either with libFuzzer (clang
 * -fsanitize=fuzzer, tests/fuzz/run.sh) or with replay.c (any C11
 * compiler, tests/fuzz/regress.sh), which runs it on corpus files.
 *
 * A harness must return 0, free everything it allocated, write nothing
 * but temporary files it removes, and abort() when a property the
 * library documents does not hold (so that the fuzzer reports it).
 */
#ifndef AG_FUZZ_H
#define AG_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* abort() with a message when cond is false: a library property broke. */
#define FUZZ_ASSERT(cond) do { \
	if (!(cond)) fuzz_fail(__FILE__, __LINE__, #cond); \
} while (0)

__attribute__((noreturn)) static inline void
fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: property violated: %s\n", file, line, what);
	abort();
}

/* An exact-size copy of the input (new: free() it), so that ASan sees a
 * read past its end whoever calls the harness.  Aborts when out of memory. */
static inline uint8_t *
fuzz_copy(const uint8_t *data, size_t size)
{
	uint8_t *buf;

	if ((buf = malloc(size > 0 ? size : 1)) == NULL)
		abort();
	if (size > 0)
		memcpy(buf, data, size);
	return buf;
}

/* The input written to a new file path[0..size) names (in $TMPDIR, else
 * /tmp; "agrec-fuzz-NAME.XXXXXX"), for a library that reads a path: the
 * harness unlink()s it.  0, or -1 (nothing left behind). */
static inline int
fuzz_tmpfile(const char *name, const uint8_t *data, size_t size, char *path, size_t pathsize)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	snprintf(path, pathsize, "%s/agrec-fuzz-%s.XXXXXX", dir && *dir ? dir : "/tmp", name);
	if ((fd = mkstemp(path)) < 0)
		return -1;
	if (size > 0 && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	return 0;
}

#endif
