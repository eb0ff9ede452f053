/*
 * sink.c - where a finished snapshot goes: an owner-only JPEG file that
 * appears atomically (temporary name in the output directory, rename),
 * or one frame of the --stdout framing; plus one index line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture/capture.h"
#include "fsutil.h"

/* The --stdout frame header (agrec-capture(1), STANDARD OUTPUT). */
#define FRAME_MAGIC "AGJPEG\r\n"
#define FRAME_HEADER 48
#define FRAME_VERSION 1

struct cp_sink {
	const struct cp_opts *o;
	int index_fd;           /* -1: no index */
	char *index_path;
};

static int
write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

struct cp_sink *
cp_sink_new(const struct cp_opts *o, struct ag_error *err)
{
	struct cp_sink *s = calloc(1, sizeof *s);
	const char *ip = o->index;
	char *dflt = NULL;

	if (s == NULL) {
		ag_error_set(err, AG_EX_FAIL, "out of memory");
		return NULL;
	}
	s->o = o;
	s->index_fd = -1;
	if (ip == NULL && !o->to_stdout &&
	    (ip = dflt = ag_path_join(o->outdir, "snapshots.jsonl")) == NULL)
		goto nomem;
	if (ip != NULL) {
		/* The name is in every message about the index. */
		if ((s->index_path = strdup(ip)) == NULL)
			goto nomem;
		s->index_fd = open(ip, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW,
		    0666);
		if (s->index_fd < 0) {
			ag_error_errno(err, AG_EX_IOERR, errno, "%s", ip);
			goto fail;
		}
	}
	free(dflt);
	return s;
nomem:
	ag_error_set(err, AG_EX_FAIL, "out of memory");
fail:
	free(s->index_path);
	free(dflt);
	free(s);
	return NULL;
}

static void
put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* "2024-03-01T10:15:00.120Z" */
static void
iso_utc(int64_t wall_us, char *buf, size_t size)
{
	int64_t ms = wall_us >= 0 ? wall_us / 1000 : (wall_us - 999) / 1000;
	time_t s = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	struct tm tm;

	gmtime_r(&s, &tm);
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    (int)(ms - (int64_t)s * 1000));
}

/* <UID>_<YYYYMMDDHHMMSSmmm>.jpg (UTC) or <UID>_<YYYYMMDDHHMMSS>.jpg (local). */
static void
snap_name(const struct cp_opts *o, uint32_t uid, int64_t wall_us, char *buf, size_t size)
{
	int64_t ms = wall_us >= 0 ? wall_us / 1000 : (wall_us - 999) / 1000;
	time_t s = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	struct tm tm;
	int n;

	if (o->names == CP_NAMES_SAMPLE)
		localtime_r(&s, &tm);
	else
		gmtime_r(&s, &tm);
	n = snprintf(buf, size, "%u_%04d%02d%02d%02d%02d%02d", uid, tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (o->names == CP_NAMES_SDK)
		snprintf(buf + n, size - (size_t)n, "%03d.jpg", (int)(ms - (int64_t)s * 1000));
	else
		snprintf(buf + n, size - (size_t)n, ".jpg");
}

/* The path as a JSON string (escaping quotes, backslashes, controls). */
static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

int
cp_sink_put(struct cp_sink *s, uint32_t uid, int64_t t_us, int64_t wall_us,
    int width, int height, const uint8_t *jpeg, size_t len, struct ag_error *err)
{
	char *path = NULL;
	int rc = -1;

	if (s->o->to_stdout) {
		uint8_t h[FRAME_HEADER] = { 0 };
		memcpy(h, FRAME_MAGIC, 8);
		put_le(h + 8, FRAME_VERSION, 2);
		put_le(h + 10, FRAME_HEADER, 2);
		put_le(h + 12, uid, 4);
		put_le(h + 16, (uint64_t)t_us, 8);
		put_le(h + 24, (uint64_t)wall_us, 8);
		put_le(h + 32, (uint64_t)width, 2);
		put_le(h + 34, (uint64_t)height, 2);
		put_le(h + 36, len, 4);
		/* 40..47: reserved, 0 */
		if (write_all(1, h, sizeof h) < 0 || write_all(1, jpeg, len) < 0)
			return ag_error_errno(err, AG_EX_IOERR, errno, "standard output");
	} else {
		char name[64];
		snap_name(s->o, uid, wall_us, name, sizeof name);
		path = ag_path_join(s->o->outdir, name);
		if (path == NULL)
			return ag_error_set(err, AG_EX_FAIL, "out of memory");
		if (ag_write_file_atomic(path, jpeg, len, 0666, err) < 0)
			goto out;
	}
	if (s->index_fd >= 0) {
		char *line = NULL, wall[40];
		size_t ll = 0;
		FILE *f = open_memstream(&line, &ll);
		if (f == NULL) {
			ag_error_set(err, AG_EX_FAIL, "out of memory");
			goto out;
		}
		iso_utc(wall_us, wall, sizeof wall);
		fprintf(f, "{\"uid\":%u,\"t\":%lld.%06lld,\"wall\":\"%s\",\"path\":", uid,
		    (long long)(t_us / 1000000), (long long)llabs(t_us % 1000000), wall);
		if (path != NULL)
			json_str(f, path);
		else
			fputs("null", f);
		fprintf(f, ",\"width\":%d,\"height\":%d}\n", width, height);
		fclose(f);
		/* One write per line: a reader tailing the index never sees half a line. */
		if (write_all(s->index_fd, line, ll) < 0) {
			ag_error_errno(err, AG_EX_IOERR, errno, "%s", s->index_path);
			free(line);
			goto out;
		}
		free(line);
	}
	rc = 0;
out:
	free(path);
	return rc;
}

int
cp_sink_close(struct cp_sink *s, struct ag_error *err)
{
	int rc = 0;

	if (s == NULL)
		return 0;
	if (s->index_fd >= 0 && close(s->index_fd) < 0)
		rc = ag_error_errno(err, AG_EX_IOERR, errno, "%s", s->index_path);
	free(s->index_path);
	free(s);
	return rc;
}
