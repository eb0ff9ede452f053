/*
 * image.c - still images through an ffmpeg child: the image is decoded,
 * scaled and converted to limited-range yuv420p by ffmpeg, which writes
 * one YUV4MPEG2 frame on a pipe; the header gives the size.  A
 * watermark keeps its alpha channel: ffmpeg writes it as RGBA in one
 * PAM picture (y4m has no 4:2:0 alpha).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "argv.h"
#include "ffmpeg.h"
#include "spawn.h"
#include "stream.h"
#include "mix/image.h"

#define MAX_SIDE 8192
/* The y4m header and frame of a MAX_SIDE square, and some slack. */
#define MAX_OUTPUT ((size_t)MAX_SIDE * MAX_SIDE * 3 / 2 + 4096)

/* The last non-empty line of ffmpeg's stderr, for a message. */
static const char *
last_line(char *text)
{
	char *end = text + strlen(text), *p;

	while (end > text && (end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	p = strrchr(text, '\n');
	return p != NULL ? p + 1 : text;
}

/* "YUV4MPEG2 W.. H.. ...\nFRAME...\n": the size and the frame data. */
static int
parse_y4m(const char *buf, size_t len, int *w, int *h, const uint8_t **data)
{
	const char *nl, *p;
	long v;
	char *end;

	*w = *h = 0;
	if (len < 10 || memcmp(buf, "YUV4MPEG2 ", 10) != 0 ||
	    (nl = memchr(buf, '\n', len)) == NULL)
		return -1;
	for (p = buf + 9; p < nl; p++) {
		if (*p != ' ' || p + 2 > nl || (p[1] != 'W' && p[1] != 'H'))
			continue;
		v = strtol(p + 2, &end, 10);
		if (end == p + 2 || v <= 0 || v > MAX_SIDE)
			return -1;
		*(p[1] == 'W' ? w : h) = (int)v;
	}
	if (*w == 0 || *h == 0)
		return -1;
	p = nl + 1;
	if ((size_t)(buf + len - p) < 6 || memcmp(p, "FRAME", 5) != 0 ||
	    (nl = memchr(p, '\n', (size_t)(buf + len - p))) == NULL)
		return -1;
	*data = (const uint8_t *)nl + 1;
	return (size_t)(buf + len - (const char *)*data) ==
	    ag_stream_i420_size((unsigned)*w, (unsigned)*h) ? 0 : -1;
}

/*
 * Run ffmpeg on the image at path with the filter vf, writing one
 * picture in the muxer/codec args fmt[] (NULL-terminated) to its
 * stdout: *so (new) of *solen bytes.  0, or -1 with err (mx_image_load's
 * classes).
 */
static int
run_decoder(const char *ffmpeg, const char *path, const char *vf, const char *const *fmt,
    char **so, size_t *solen, struct ag_error *err)
{
	struct ag_argv av = { 0 };
	char *url = NULL, *se = NULL;
	struct stat st;
	int fd, status, rc = -1;
	char why[128];

	*so = NULL;
	*solen = 0;
	/* ffmpeg's messages about missing files are vague, and it would wait
	 * on a FIFO forever: check first. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return ag_error_errno(err, AG_EX_IOERR, errno, "cannot open %s", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return ag_error_set(err, AG_EX_IOERR, "cannot open %s: not a regular file", path);
	}
	close(fd);
	if ((url = ag_ff_url(path)) == NULL) {
		ag_error_errno(err, AG_EX_FAIL, ENOMEM, "%s", path);
		goto out;
	}
	/* image2pipe: the format comes from the content, and a '%' in the
	 * name is not a sequence pattern as it would be for image2. */
	ag_ff_argv(&av, ffmpeg, false);
	ag_argv_pushl(&av, "-f", "image2pipe", "-i", url, "-frames:v", "1", "-an", "-sn", "-vf", vf,
	    NULL);
	for (; *fmt != NULL; fmt++)
		ag_argv_push(&av, *fmt);
	ag_argv_push(&av, "pipe:1");
	if (av.failed) {
		ag_error_errno(err, AG_EX_FAIL, ENOMEM, "%s", path);
		goto out;
	}
	if (ag_run_capture(ffmpeg, av.v, MAX_OUTPUT, so, solen, &se, &status, err) < 0)
		goto out;
	if (!ag_status_ok(status)) {
		ag_error_set(err, AG_EX_DATAERR, "cannot decode %s: %s (ffmpeg %s)", path,
		    *last_line(se) != '\0' ? last_line(se) : "no message",
		    ag_status_describe(status, why, sizeof why));
		goto out;
	}
	rc = 0;
out:
	if (rc < 0) {
		free(*so);
		*so = NULL;
	}
	ag_argv_free(&av);
	free(url);
	free(se);
	return rc;
}

int
mx_image_load(const char *ffmpeg, const char *path, int w, int h, struct mx_frame **out,
    struct ag_error *err)
{
	static const char *const y4m[] = { "-f", "yuv4mpegpipe", NULL };
	char *so = NULL, vf[128];
	size_t solen = 0;
	const uint8_t *data;
	struct mx_frame tmp;
	int fw, fh, rc = -1;

	*out = NULL;
	if (w < 0 || h < 0 || (w == 0) != (h == 0) || w > MAX_SIDE || h > MAX_SIDE)
		return ag_error_set(err, AG_EX_USAGE, "%s: bad image size %dx%d", path, w, h);
	if (w > 0)
		snprintf(vf, sizeof vf, "scale=%d:%d:out_range=tv,format=yuv420p", w, h);
	else
		snprintf(vf, sizeof vf, "scale=w='max(2,trunc(iw/2)*2)':h='max(2,trunc(ih/2)*2)'"
		    ":out_range=tv,format=yuv420p");
	if (run_decoder(ffmpeg, path, vf, y4m, &so, &solen, err) < 0)
		goto out;
	if (parse_y4m(so, solen, &fw, &fh, &data) < 0 || (w > 0 && (fw != w || fh != h))) {
		ag_error_set(err, AG_EX_DATAERR, "cannot decode %s: ffmpeg gave no usable picture",
		    path);
		goto out;
	}
	if ((*out = mx_frame_new(fw, fh)) == NULL) {
		ag_error_errno(err, AG_EX_FAIL, ENOMEM, "%s", path);
		goto out;
	}
	mx_frame_wrap(&tmp, fw, fh, (uint8_t *)data);
	mx_frame_copy(*out, &tmp);
	rc = 0;
out:
	free(so);
	return rc;
}

/* A PAM header's "NAME value" line: the value, or -1. */
static long
pam_field(const char *hdr, const char *end, const char *name)
{
	size_t n = strlen(name);
	const char *p;
	long v;
	char *e;

	for (p = hdr; p != NULL && p < end; p = memchr(p, '\n', (size_t)(end - p))) {
		if (*p == '\n')
			p++;
		if ((size_t)(end - p) > n && memcmp(p, name, n) == 0 && p[n] == ' ') {
			v = strtol(p + n + 1, &e, 10);
			return e == p + n + 1 || v <= 0 || v > MAX_SIDE ? -1 : v;
		}
	}
	return -1;
}

/* "P7 ... ENDHDR\n" with depth 4 (RGB_ALPHA) and maxval 255. */
static int
parse_pam(const char *buf, size_t len, int *w, int *h, const uint8_t **data)
{
	const char *end = memmem(buf, len, "ENDHDR\n", 7);

	if (len < 3 || memcmp(buf, "P7\n", 3) != 0 || end == NULL)
		return -1;
	*w = (int)pam_field(buf, end, "WIDTH");
	*h = (int)pam_field(buf, end, "HEIGHT");
	if (*w <= 0 || *h <= 0 || pam_field(buf, end, "DEPTH") != 4 ||
	    pam_field(buf, end, "MAXVAL") != 255)
		return -1;
	*data = (const uint8_t *)end + 7;
	return (size_t)(buf + len - (const char *)*data) == (size_t)*w * (size_t)*h * 4 ? 0 : -1;
}

int
mx_image_load_rgba(const char *ffmpeg, const char *path, int w, int h, uint8_t **rgba,
    int *ow, int *oh, struct ag_error *err)
{
	static const char *const pam[] = { "-f", "image2pipe", "-c:v", "pam", NULL };
	char *so = NULL, vf[128];
	size_t solen = 0;
	const uint8_t *data;
	int rc = -1;

	*rgba = NULL;
	if (w < 0 || h < 0 || w > MAX_SIDE || h > MAX_SIDE)
		return ag_error_set(err, AG_EX_USAGE, "%s: bad image size %dx%d", path, w, h);
	/* -1 keeps the aspect ratio; both 0 keep the size */
	if (w == 0 && h == 0)
		snprintf(vf, sizeof vf, "format=rgba");
	else
		snprintf(vf, sizeof vf, "scale=%d:%d,format=rgba", w > 0 ? w : -1, h > 0 ? h : -1);
	if (run_decoder(ffmpeg, path, vf, pam, &so, &solen, err) < 0)
		goto out;
	if (parse_pam(so, solen, ow, oh, &data) < 0) {
		ag_error_set(err, AG_EX_DATAERR, "cannot decode %s: ffmpeg gave no usable picture",
		    path);
		goto out;
	}
	if ((*rgba = malloc((size_t)*ow * (size_t)*oh * 4)) == NULL) {
		ag_error_errno(err, AG_EX_FAIL, ENOMEM, "%s", path);
		goto out;
	}
	memcpy(*rgba, data, (size_t)*ow * (size_t)*oh * 4);
	rc = 0;
out:
	free(so);
	return rc;
}
