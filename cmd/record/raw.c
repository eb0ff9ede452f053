/*
 * raw.c - the raw-data modes (agora-format.md 4.7, 4.8): instead of the
 * per-user .aac/.mp4 files, --getAudioFrame 1 appends ADTS AAC to
 * <UID>.aac and 2 appends 48 kHz s16le PCM to <UID>.pcm;
 * --getVideoFrame 1 appends H.264 Annex-B to <UID>.h264 (H.265 to
 * <UID>.h265, with --enableH265Support 1) and 2 appends
 * I420 frames to <UID>.yuv.  (3 and higher go through agrec-mix and
 * agrec-capture children fed the channel stream; see emit.c.)
 *
 * Raw files do not describe themselves, so each gets a sidecar
 * <file>.json with its format.  A format change that the bytes cannot
 * carry (the channel count of AAC or PCM, the picture size of YUV)
 * starts the next file, <UID>_2.<ext>, <UID>_3.<ext>, ... with a counter
 * per user and kind (the SDK's sample shares one counter by mistake).
 *
 * With --rawFifo 1 the files are named pipes, created if missing,
 * for a program that reads live.  A reader that stops reading loses
 * data, never the recording: H.264 frames it does not take are dropped
 * and counted; a decoding child it blocks for 1 s is restarted.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "fsutil.h"
#include "h264.h"
#include "h265.h"
#include "record/files.h"
#include "record/raw.h"
#include "record/rec.h"

/* The raw format of a kind of media; a video codec's own for --getVideoFrame 1. */
static enum ag_raw_format
raw_mode(const struct rc_opts *o, bool video, enum ag_codec codec)
{
	if (video && o->get_video == 1)
		return codec == AG_CODEC_H265 ? AG_RAW_H265 : AG_RAW_H264;
	if (video)
		return o->get_video == 2 ? AG_RAW_YUV : AG_RAW_NONE;
	return o->get_audio == 1 ? AG_RAW_AAC : o->get_audio == 2 ? AG_RAW_PCM : AG_RAW_NONE;
}

bool
rc_files_audio(const struct rc_opts *o)
{
	return !o->mixing && !o->video_only && o->get_audio == 0;
}

bool
rc_files_video(const struct rc_opts *o)
{
	return !o->mixing && !o->audio_only && (o->get_video == 0 || o->get_video == 5);
}

/* The sidecar <name>.json, written atomically. */
static void
write_sidecar(struct rc_rec *r, uint32_t uid, const struct rc_writer *w)
{
	struct ag_raw_info ri = { uid, w->name, w->raw, w->channels, w->width, w->height,
		"fifo", r->opts->raw_fifo };
	struct ag_error e = { 0 };

	if (ag_raw_sidecar_write(r->folder.path, &ri, 0666, &e) < 0)
		rc_log(&r->folder, 2, "%s.json: %s", w->name, e.msg);
}

/* Open (create or append to) the raw file or FIFO name. */
static int
open_output(struct rc_rec *r, const char *name, bool direct, struct ag_error *err)
{
	char *path = ag_path_join(r->folder.path, name);
	struct stat st;
	int fd = -1;

	if (path == NULL)
		return ag_error_errno(err, AG_EX_IOERR, ENOMEM, "%s", name);
	if (r->opts->raw_fifo) {
		if (mkfifo(path, 0666) < 0 && errno != EEXIST) {
			ag_error_errno(err, AG_EX_IOERR, errno, "mkfifo %s", name);
			goto out;
		}
		if (lstat(path, &st) < 0 || !S_ISFIFO(st.st_mode)) {
			ag_error_set(err, AG_EX_IOERR, "%s exists and is not a named pipe", name);
			goto out;
		}
		/* Read-write: the open never waits for a reader, and no reader is
		 * not an error (Linux). */
		fd = open(path, O_RDWR | O_CLOEXEC | (direct ? O_NONBLOCK : 0));
	} else {
		fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0666);
	}
	if (fd < 0)
		ag_error_errno(err, AG_EX_IOERR, errno, "%s", name);
out:
	free(path);
	return fd;
}

/* Write the parameter sets of an avcC (raw H.264) or hvcC (raw H.265)
 * record as Annex-B to fd. */
static void
write_param_sets(int fd, enum ag_raw_format raw, const uint8_t *vconf, size_t len)
{
	struct ag_buf b = { 0 };
	ssize_t n;
	int rc = raw == AG_RAW_H265 ? ag_h265_hvcc_params_to_annexb(vconf, len, &b)
	    : ag_h264_avcc_params_to_annexb(vconf, len, &b);

	if (rc == 0 && b.len > 0) {
		/* not reported: the frame written next meets the same error */
		n = write(fd, b.p, b.len);
		(void)n;
	}
	ag_buf_free(&b);
}

static void
raw_close(struct rc_rec *r, uint32_t uid, struct rc_raw_user *ru, int k)
{
	struct rc_writer *w = &ru->w[k];

	if (w->kind == RC_W_NONE)
		return;
	rc_log(&r->folder, 4, "uid %lu: %s paused (%llu frames%s%s)", (unsigned long)uid, w->name,
	    (unsigned long long)w->frames, w->dropped ? ", some dropped: the reader was slow" : "",
	    w->failed ? ", writer failed" : "");
	rc_writer_close(&r->folder, w);
}

void
rc_raw_init(struct rc_raw_user *ru)
{
	memset(ru, 0, sizeof *ru);
	ru->w[0].fd = ru->w[1].fd = -1;
	ru->w[0].out_fd = ru->w[1].out_fd = -1;
}

bool
rc_raw_media(struct rc_rec *r, uint32_t uid, struct rc_raw_user *ru, const struct rc_frame *fm)
{
	const struct ag_frame *fr = fm->fr;
	int64_t t = fm->t;
	int ch = fm->channels;
	bool video = ag_codec_is_video(fr->codec);
	enum ag_raw_format raw = raw_mode(r->opts, video, fr->codec);
	int k = video ? 1 : 0, fd;
	struct rc_writer *w = &ru->w[k];
	struct ag_error e = { 0 };
	char name[64];

	if (raw == AG_RAW_NONE || r->disk_full)
		return false;
	/* A file keeps the channel count it started with, ch (the decoder
	 * mixes up or down): only a rejoin changes it. */
	if (raw == AG_RAW_H264 && fr->codec != AG_CODEC_H264) {
		if (ru->n[k] == 0) {
			rc_log(&r->folder, 3, "uid %lu: --getVideoFrame 1 takes H.264 or H.265; "
			    "this user sends %s (not written)", (unsigned long)uid,
			    ag_codec_name(fr->codec));
			ru->n[k] = -1;
		}
		return false;
	}
	if (w->kind != RC_W_NONE) {
		bool next = false;	/* the format changed: the next file */
		bool again = w->failed || w->codec != fr->codec;	/* a new decoder, same file */
		if (!video && fr->codec != AG_CODEC_OPUS && (ch >= 2) != (w->channels >= 2))
			next = true;
		if (video && raw == AG_RAW_YUV && fr->keyframe && fr->width > 0 &&
		    (fr->width != w->width || fr->height != w->height))
			next = true;
		if (next || again) {
			raw_close(r, uid, ru, k);
			if (next)
				ru->n[k]++;
		}
	}
	if (w->kind == RC_W_NONE) {
		if (video && !rc_frame_starts_video(fm))
			return true;
		if (ru->n[k] <= 0)
			ru->n[k] = 1;
		else if (!video && ru->ch != 0 && ru->ch != (ch >= 2 ? 2 : 1))
			ru->n[k]++;	/* back with another channel count */
		if (!video)
			ru->ch = ch >= 2 ? 2 : 1;
		if (ru->n[k] == 1)
			snprintf(name, sizeof name, "%lu.%s", (unsigned long)uid, ag_raw_ext(raw));
		else
			snprintf(name, sizeof name, "%lu_%d.%s", (unsigned long)uid, ru->n[k],
			    ag_raw_ext(raw));
		if ((fd = open_output(r, name, raw == AG_RAW_H264 || raw == AG_RAW_H265, &e)) < 0 ||
		    rc_writer_open_raw(&r->folder, w, name, fd, raw, fm, &e) < 0) {
			if (rc_folder_full(&r->folder))
				r->disk_full = true;
			rc_log(&r->folder, 2, "uid %lu: cannot write %s: %s", (unsigned long)uid, name,
			    e.msg);
			return false;
		}
		w->create_ms = w->first_pts_ms = w->last_ms = t;
		write_sidecar(r, uid, w);
		rc_log(&r->folder, 4, "uid %lu: raw data into %s", (unsigned long)uid, name);
		if ((raw == AG_RAW_H264 && !ag_h264_has_nal(fr->data, fr->len, AG_H264_NAL_SPS)) ||
		    (raw == AG_RAW_H265 && !ag_h265_has_nal(fr->data, fr->len, AG_H265_NAL_SPS)))
			write_param_sets(w->out_fd, raw, fm->vconf, fm->vconf_len);
	}
	errno = 0;
	/* Only DIRECT and CHILD (Matroska, by fm->t) writers here. */
	if (rc_writer_write(&r->folder, w, fm, &e) < 0 && e.msg[0]) {
		if (errno == ENOSPC || errno == EDQUOT || rc_folder_full(&r->folder))
			r->disk_full = true;
		rc_log(&r->folder, 3, "uid %lu: %s: %s", (unsigned long)uid, w->name, e.msg);
	}
	if (t > w->last_ms)
		w->last_ms = t;
	return false;
}

void
rc_raw_close(struct rc_rec *r, uint32_t uid, struct rc_raw_user *ru)
{
	raw_close(r, uid, ru, 0);
	raw_close(r, uid, ru, 1);
}

void
rc_raw_tick(struct rc_rec *r, struct rc_raw_user *ru, int64_t now)
{
	int k;

	for (k = 0; k < 2; k++)
		rc_writer_stall_check(&r->folder, &ru->w[k], now,
		    "restarting it (a FIFO reader that does not read?)");
}
