/*
 * raw.c - agrec-convert --raw FORMAT: the raw-data files of a finished
 * folder, as agrec-record writes them live with --getAudioFrame and
 * --getVideoFrame (agora-format.md 4.7, 4.8): per user, every clip of a
 * kind in time order, appended, in <UID>.pcm (48 kHz s16le), <UID>.aac
 * (ADTS; Ogg Opus clips encoded to AAC), <UID>.h264 (Annex-B) or <UID>.yuv
 * (I420), each with a JSON
 * sidecar <file>.json.  As in the recorder, a raw file is what was
 * recorded, gaps left out, and a format change the bytes cannot carry
 * (channel count, picture size) starts <UID>_2.<ext>, <UID>_3.<ext>, ...
 *
 * Files are made in the private temporary directory, one ffmpeg child
 * per clip appending to the file through its stdout, and renamed into
 * the folder when all of them are complete.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "convert/convert.h"
#include "fsutil.h"
#include "rawfile.h"
#include "spawn.h"

/* One raw output being made. */
struct raw_out {
	char name[64];
	char *tmp;              /* its path in the temporary directory */
	int fd;
	int channels, width, height;
	uint64_t clips;
};

/* Append one clip to o through an ffmpeg child. */
static int
append_clip(struct cv_ctx *c, const char *dir, const struct cv_clip *cl, int fmt,
    struct raw_out *o, struct ag_error *err)
{
	struct ag_argv a = { 0 };
	struct ag_spawn_io io = { AG_SPAWN_NULL, AG_SPAWN_NULL, AG_SPAWN_INHERIT, 0 };
	char *path = ag_path_join(dir, cl->file), *url = path ? ag_ff_url(path) : NULL;
	int status, rc = -1;
	char why[128];

	if (url == NULL) {
		ag_error_errno(err, AG_EX_FAIL, ENOMEM, "%s", cl->file);
		goto out;
	}
	ag_ff_argv(&a, c->ffmpeg, true);
	ag_argv_pushl(&a, "-i", url, NULL);
	switch (fmt) {
	case AG_RAW_PCM:
		ag_argv_pushl(&a, "-vn", "-f", "s16le", "-acodec", "pcm_s16le", "-ar", "48000", "-ac", NULL);
		ag_argv_pushf(&a, "%d", o->channels);
		break;
	case AG_RAW_AAC:
		/* An Ogg Opus clip is encoded as the recorder's live AAC is. */
		if (cl->kind == AG_MEDIA_OPUS)
			ag_argv_pushl(&a, "-vn", "-c:a", "aac", "-b:a", o->channels >= 2 ? "128k" : "64k",
			    "-ar", "48000", "-ac", o->channels >= 2 ? "2" : "1", "-f", "adts", NULL);
		else
			ag_argv_pushl(&a, "-vn", "-c:a", "copy", "-f", "adts", NULL);
		break;
	case AG_RAW_H264:
		ag_argv_pushl(&a, "-an", "-c:v", "copy", "-bsf:v", "h264_mp4toannexb", "-f", "h264", NULL);
		break;
	case AG_RAW_H265:
		ag_argv_pushl(&a, "-an", "-c:v", "copy", "-bsf:v", "hevc_mp4toannexb", "-f", "hevc",
		    NULL);
		break;
	case AG_RAW_YUV:
		ag_argv_pushl(&a, "-an", "-fps_mode", "passthrough", "-pix_fmt", "yuv420p", "-f",
		    "rawvideo", NULL);
		break;
	}
	ag_argv_push(&a, "pipe:1");
	if (a.failed) {
		ag_error_errno(err, AG_EX_FAIL, ENOMEM, "%s", cl->file);
		goto out;
	}
	io.out = o->fd;
	{
		pid_t pid;
		if (ag_spawn(c->ffmpeg, a.v, &io, &pid, err) < 0 || ag_wait(pid, &status, err) < 0)
			goto out;
	}
	if (!ag_status_ok(status)) {
		ag_error_set(err, AG_EX_FAIL, "%s: ffmpeg %s", cl->file,
		    ag_status_describe(status, why, sizeof why));
		goto out;
	}
	o->clips++;
	rc = 0;
out:
	ag_argv_free(&a);
	free(url);
	free(path);
	return rc;
}

static int
finish_out(const char *tmpdir, uint32_t uid, int fmt, struct raw_out *o, struct ag_error *err)
{
	int rc = 0;

	if (o->fd < 0)
		return 0;
	if (fsync(o->fd) < 0 || close(o->fd) < 0)
		rc = ag_error_errno(err, AG_EX_IOERR, errno, "%s", o->name);
	o->fd = -1;
	if (rc == 0)
		rc = ag_raw_sidecar_write(tmpdir, &(struct ag_raw_info){ uid, o->name, fmt, o->channels,
		    o->width, o->height, "clips", (long long)o->clips }, 0600, err);
	return rc;
}

int
cv_raw_folder(struct cv_ctx *c, const struct cv_folder *f, const char *dir, const char *tmpdir,
    int fmt, json_t *outputs, struct ag_error *err)
{
	bool video = fmt == AG_RAW_H264 || fmt == AG_RAW_H265 || fmt == AG_RAW_YUV;
	struct raw_out o = { .fd = -1 };
	char **made = NULL;
	size_t nmade = 0, t, k, i;
	uint32_t uid = 0;
	int n = 0, rc = -1;
	bool have_uid = false;

	for (t = 0; t <= f->ntxts; t++) {
		const struct cv_txt *tx = t < f->ntxts ? &f->txts[t] : NULL;
		if (tx == NULL || !have_uid || tx->uid != uid) {
			/* The next user: finish the last one's file. */
			if (finish_out(tmpdir, uid, fmt, &o, err) < 0)
				goto out;
			if (tx == NULL)
				break;
			uid = tx->uid;
			have_uid = true;
			n = 0;
		}
		for (k = 0; k < tx->nclips; k++) {
			const struct cv_clip *cl = &tx->clips[k];
			int ch = cl->ps.channels >= 2 ? 2 : 1;
			int w = cl->ps.width > 0 ? cl->ps.width : cl->width;
			int h = cl->ps.height > 0 ? cl->ps.height : cl->height;
			bool next;
			if (cl->video != video || cl->dropped)
				continue;
			if ((fmt == AG_RAW_H264 && strcmp(cl->ps.codec, "h264") != 0) ||
			    (fmt == AG_RAW_H265 && strcmp(cl->ps.codec, "hevc") != 0)) {
				cv_warn(c, "%s: --raw %s takes %s clips; this one is %s "
				    "(left out)", cl->file, ag_raw_ext(fmt),
				    fmt == AG_RAW_H264 ? "H.264" : "H.265", cl->ps.codec);
				continue;
			}
			next = o.fd < 0 ||
			    (!video && fmt == AG_RAW_PCM && ch != o.channels) ||
			    (!video && fmt == AG_RAW_AAC && ch != o.channels) ||
			    (fmt == AG_RAW_YUV && (w != o.width || h != o.height));
			if (next) {
				char **m;
				if (finish_out(tmpdir, uid, fmt, &o, err) < 0)
					goto out;
				n++;
				memset(&o, 0, sizeof o);
				o.fd = -1;
				if (n == 1)
					snprintf(o.name, sizeof o.name, "%lu.%s", (unsigned long)uid, ag_raw_ext(fmt));
				else
					snprintf(o.name, sizeof o.name, "%lu_%d.%s", (unsigned long)uid, n,
					    ag_raw_ext(fmt));
				o.channels = ch;
				o.width = w;
				o.height = h;
				if ((m = realloc(made, (nmade + 1) * sizeof *m)) == NULL) {
					ag_error_errno(err, AG_EX_FAIL, ENOMEM, "raw");
					goto out;
				}
				made = m;
				if ((made[nmade] = strdup(o.name)) == NULL) {
					ag_error_errno(err, AG_EX_FAIL, ENOMEM, "raw");
					goto out;
				}
				nmade++;
				if ((o.tmp = ag_path_join(tmpdir, o.name)) == NULL) {
					ag_error_errno(err, AG_EX_FAIL, ENOMEM, "raw");
					goto out;
				}
				o.fd = open(o.tmp, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
				free(o.tmp);
				o.tmp = NULL;
				if (o.fd < 0) {
					ag_error_errno(err, AG_EX_IOERR, errno, "%s/%s", tmpdir, o.name);
					goto out;
				}
			}
			cv_logf(c, "raw %s: %s\n", o.name, cl->file);
			if (append_clip(c, dir, cl, fmt, &o, err) < 0)
				goto out;
		}
	}
	if (nmade == 0) {
		ag_error_set(err, AG_EX_DATAERR, "%s: no %s clips for --raw %s", dir,
		    video ? "video" : "audio", ag_raw_ext(fmt));
		goto out;
	}
	/* Everything is complete: into the folder, data before sidecar. */
	for (i = 0; i < nmade; i++) {
		int e;
		for (e = 0; e < 2; e++) {
			char name[96], *from, *to;
			snprintf(name, sizeof name, "%s%s", made[i], e ? ".json" : "");
			from = ag_path_join(tmpdir, name);
			to = ag_path_join(dir, name);
			if (from == NULL || to == NULL) {
				ag_error_errno(err, AG_EX_IOERR, ENOMEM, "%s", name);
				free(from);
				free(to);
				goto out;
			}
			if (ag_promote_file(from, to, err) < 0) {
				free(from);
				free(to);
				goto out;
			}
			free(from);
			if (e == 0) {
				json_t *j = json_object();
				json_object_set_new(j, "name", json_string(made[i]));
				json_object_set_new(j, "path", json_string(to));
				json_object_set_new(j, "format", json_string(ag_raw_ext(fmt)));
				json_array_append_new(outputs, j);
				if (!c->opts->quiet && !c->opts->json)
					printf("%s\n", to);
			}
			free(to);
		}
	}
	rc = 0;
out:
	if (o.fd >= 0)
		close(o.fd);
	for (i = 0; i < nmade; i++)
		free(made[i]);
	free(made);
	return rc;
}
