/*
 * replay.c - run a fuzz harness without libFuzzer: link it with one
 * tests/fuzz/fuzz_*.c and it calls LLVMFuzzerTestOneInput() once on
 * every regular file in the directories (or on the files) named on the
 * command line, in name order.  This is how the seed corpus and saved
 * crashes run as a regression test with any C11 compiler
 * (tests/fuzz/regress.sh); a harness that finds a problem aborts or
 * trips a sanitizer, so reaching the end means every input passed.
 *
 * Usage: replay DIR|FILE...   Exit status 0, or 1 if a path cannot be
 * read (an empty or missing directory is not an error: crashes/ is
 * usually absent).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static const char *progname = "replay";

/* Run the harness on one file; 0, or -1 with a message printed. */
static int
run_file(const char *path)
{
	FILE *f;
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, n;
	int rc = -1;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "%s: %s: %s\n", progname, path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (len == cap) {
			uint8_t *nb;

			cap = cap ? 2 * cap : 4096;
			if ((nb = realloc(buf, cap)) == NULL) {
				fprintf(stderr, "%s: %s: out of memory\n", progname, path);
				goto out;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "%s: %s: read error\n", progname, path);
		goto out;
	}
	/* An exact-size copy, as libFuzzer gives: ASan sees any over-read. */
	{
		uint8_t *exact = malloc(len ? len : 1);

		if (exact == NULL) {
			fprintf(stderr, "%s: %s: out of memory\n", progname, path);
			goto out;
		}
		memcpy(exact, buf, len);
		fprintf(stderr, "%s: running %s (%zu bytes)\n", progname, path, len);
		LLVMFuzzerTestOneInput(exact, len);
		free(exact);
	}
	rc = 0;
out:
	free(buf);
	fclose(f);
	return rc;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Run every regular file of dir; returns the number run, or -1. */
static long
run_dir(const char *dir)
{
	DIR *d;
	struct dirent *e;
	char **names = NULL, *path;
	size_t n = 0, cap = 0, i;
	long ran = 0;
	struct stat st;

	if ((d = opendir(dir)) == NULL) {
		if (errno == ENOENT)
			return 0;
		fprintf(stderr, "%s: %s: %s\n", progname, dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			if ((names = realloc(names, cap * sizeof *names)) == NULL)
				abort();
		}
		if ((names[n++] = strdup(e->d_name)) == NULL)
			abort();
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof *names, by_name);
	for (i = 0; i < n; i++) {
		size_t plen = strlen(dir) + strlen(names[i]) + 2;

		if ((path = malloc(plen)) == NULL)
			abort();
		snprintf(path, plen, "%s/%s", dir, names[i]);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (run_file(path) < 0)
				ran = -1;
			else if (ran >= 0)
				ran++;
		}
		free(path);
		free(names[i]);
	}
	free(names);
	return ran;
}

int
main(int argc, char **argv)
{
	struct stat st;
	long total = 0, r;
	int i, status = 0;

	if (argc > 0 && argv[0] != NULL && *argv[0] != '\0')
		progname = argv[0];
	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR|FILE...\n", progname);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == 0 && S_ISREG(st.st_mode))
			r = run_file(argv[i]) < 0 ? -1 : 1;
		else
			r = run_dir(argv[i]);
		if (r < 0)
			status = 1;
		else
			total += r;
	}
	printf("%s: %ld inputs replayed\n", progname, total);
	return status;
}
