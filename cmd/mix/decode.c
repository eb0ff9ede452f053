/*
 * decode.c - one ffmpeg decoder child per participant stream.
 *
 * The child writes raw frames on a pipe with no time stamps, so the
 * timing is made implicit: video goes through ffmpeg's fps filter at the
 * output frame rate (frame k is at t0 + k/fps; gaps in the input are
 * filled with repeated frames) and audio through aresample with
 * async=1 and first_pts=0 (sample j is at t0 + j/48000; gaps are filled
 * with silence).  Folder clips are decoded from their files; a live
 * participant's encoded frames are fed to the child as Matroska (mkv.h)
 * so that ffmpeg sees their real time stamps, which the fps and
 * aresample filters need to fill gaps — Annex-B on a pipe would carry
 * none.  Every pipe is non-blocking; the engine polls them.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "argv.h"
#include "buf.h"
#include "codec.h"
#include "diag.h"
#include "ffmpeg.h"
#include "h264.h"
#include "h265.h"
#include "mix/mix.h"
#include "mkv.h"
#include "spawn.h"
#include "stream.h"

static void
setup_buffers(struct mx_track *t, int fps, bool live)
{
	if (t->video) {
		t->fsize = ag_stream_i420_size((unsigned)t->w, (unsigned)t->h);
		t->nslots = live ? 2 * fps + 2 : 3;
		t->shown = -1;
	} else {
		t->acap = (size_t)MX_RATE * 2 * (size_t)t->channels;	/* 1 s */
	}
}

struct mx_track *
mx_track_new(uint32_t uid, bool video, int64_t t0_us, int w, int h, int channels, int fps,
    bool live)
{
	struct mx_track *t = calloc(1, sizeof *t);

	if (t == NULL)
		return NULL;
	t->uid = uid;
	t->video = video;
	t->t0_us = t0_us;
	t->start_us = t0_us;
	t->end_us = INT64_MAX;
	t->w = w < 2 ? 2 : w;
	t->h = h < 2 ? 2 : h;
	t->channels = channels;
	t->out_fd = t->in_fd = -1;
	t->pid = -1;
	snprintf(t->what, sizeof t->what, "uid %u %s", (unsigned)uid, video ? "video" : "audio");
	setup_buffers(t, fps, live);
	if (video && live)
		t->fpts = calloc((size_t)t->nslots, sizeof *t->fpts);
	if (video)
		t->slots = malloc(t->fsize * (size_t)t->nslots);
	else
		t->abuf = malloc(t->acap);
	if ((video && t->slots == NULL) || (!video && t->abuf == NULL) || (video && live && t->fpts == NULL)) {
		mx_track_free(t);
		return NULL;
	}
	return t;
}

struct mx_track *
mx_track_folder(const struct mx_clip *c, int fps, int channels)
{
	int w = c->width, h = c->height;
	struct mx_track *t;

	if (c->rotation == 90 || c->rotation == 270) {
		w = c->height;
		h = c->width;
	}
	t = mx_track_new(c->uid, c->video, c->start_us, w, h, channels, fps, false);
	if (t == NULL)
		return NULL;
	t->end_us = c->end_us;
	t->rotation = c->rotation;
	t->path = c->path;
	return t;
}

void
mx_track_free(struct mx_track *t)
{
	if (t == NULL)
		return;
	mx_track_stop(t, true, true);
	free(t->slots);
	free(t->abuf);
	free(t->nalbuf);
	free(t->fpts);
	free(t->extra);
	mx_pcm_free(t->pcm);
	free(t);
}

void
mx_pipe_fit(int fd, size_t bytes)
{
	int size = 65536;

	while ((size_t)size < bytes && size < 1 << 20)
		size *= 2;
	if (size > 65536)
		fcntl(fd, F_SETPIPE_SZ, size);	/* best effort: the pipe works either way */
}

/* Spawn argv with stdout on a new pipe (and stdin on one when want_in),
 * the parent's ends non-blocking. */
static int
spawn_piped(struct mx_track *t, const char *ffmpeg, struct ag_argv *a, bool want_in, bool quiet,
    struct ag_error *err)
{
	struct ag_spawn_io io = { AG_SPAWN_NULL, AG_SPAWN_PIPE_NB, AG_SPAWN_INHERIT, 0 };

	if (a->failed)
		return ag_error_set(err, AG_EX_FAIL, "out of memory");
	if (want_in)
		io.in = AG_SPAWN_PIPE_NB;
	if (quiet)
		io.err = AG_SPAWN_NULL;
	if (ag_spawn(ffmpeg, a->v, &io, &t->pid, err) < 0) {
		t->failed = t->eof = true;
		return -1;
	}
	t->out_fd = io.out;
	if (t->video)
		mx_pipe_fit(t->out_fd, t->fsize);
	if (want_in)
		t->in_fd = io.in;
	t->spawned = true;
	return 0;
}

static void
push_outputs(struct mx_track *t, struct ag_argv *a, const char *vfilter, int fps)
{
	if (t->video) {
		ag_argv_pushl(a, "-map", "0:v:0", "-an", "-sn", "-dn", "-vf", NULL);
		ag_argv_pushf(a, "%sfps=%d,scale=%d:%d:flags=bilinear,format=yuv420p", vfilter, fps, t->w, t->h);
		ag_argv_pushl(a, "-f", "rawvideo", "-pix_fmt", "yuv420p", NULL);
	} else {
		ag_argv_pushl(a, "-map", "0:a:0", "-vn", "-sn", "-dn", "-af",
		    "aresample=48000:async=1:first_pts=0", NULL);
		ag_argv_pushl(a, "-f", "s16le", "-ar", "48000", NULL);
		ag_argv_pushf(a, "-ac");
		ag_argv_pushf(a, "%d", t->channels);
	}
}

int
mx_track_spawn_folder(struct mx_track *t, const char *ffmpeg, int fps, bool quiet,
    struct ag_error *err)
{
	struct ag_argv a = { 0 };
	char *url = ag_ff_url(t->path);
	const char *rot = t->rotation == 90 ? "transpose=1," : t->rotation == 180 ?
	    "hflip,vflip," : t->rotation == 270 ? "transpose=2," : "";
	char vf[96];
	int rc;

	if (url == NULL)
		return ag_error_set(err, AG_EX_FAIL, "out of memory");
	ag_ff_argv(&a, ffmpeg, false);
	ag_argv_pushl(&a, "-threads", "1", NULL);
	if (t->video)
		ag_argv_push(&a, "-noautorotate");
	ag_argv_pushl(&a, "-i", url, NULL);
	snprintf(vf, sizeof vf, "setpts=PTS-STARTPTS,%s", rot);
	push_outputs(t, &a, vf, fps);
	ag_argv_push(&a, "pipe:1");
	rc = spawn_piped(t, ffmpeg, &a, false, quiet, err);
	ag_argv_free(&a);
	free(url);
	return rc;
}

int
mx_track_spawn_live(struct mx_track *t, const char *ffmpeg, int fps, int codec, int rate,
    int channels, const uint8_t *extra, size_t extra_len, bool quiet, struct ag_error *err)
{
	struct ag_mkv_track mt;
	struct ag_argv a = { 0 };
	int rc;

	if (!t->video && mx_pcm_inproc(codec, rate, channels))
		return mx_pcm_start(t, codec, rate, err);
	memset(&mt, 0, sizeof mt);
	t->codec = codec;
	t->in_rate = rate;
	t->in_channels = channels;
	switch (codec) {
	case AG_STREAM_CODEC_H264:
		if (extra_len == 0)
			return ag_error_set(err, AG_EX_DATAERR, "%s: H.264 without avcC in its codec record",
			    t->what);
		mt.codec = AG_MKV_H264;
		break;
	case AG_STREAM_CODEC_H265:
		if (extra_len == 0)
			return ag_error_set(err, AG_EX_DATAERR,
			    "%s: H.265 without hvcC in its codec record", t->what);
		mt.codec = AG_MKV_H265;
		break;
	case AG_STREAM_CODEC_VP8:
		mt.codec = AG_MKV_VP8;
		break;
	case AG_STREAM_CODEC_OPUS:
		mt.codec = AG_MKV_OPUS;
		break;
	case AG_STREAM_CODEC_AAC:
		if (extra_len == 0)
			return ag_error_set(err, AG_EX_DATAERR, "%s: AAC without AudioSpecificConfig",
			    t->what);
		mt.codec = AG_MKV_AAC;
		break;
	case AG_STREAM_CODEC_PCMU:
	case AG_STREAM_CODEC_PCMA:
		mt.codec = AG_MKV_PCM_S16LE;	/* expanded to s16 here: Matroska has no G.711 id */
		extra = NULL;
		extra_len = 0;
		break;
	default:
		return ag_error_set(err, AG_EX_DATAERR, "%s: codec %s cannot be mixed", t->what,
		    ag_stream_codec_name((unsigned)codec));
	}
	if (extra_len > 0 && (t->extra = malloc(extra_len)) == NULL)
		return ag_error_set(err, AG_EX_FAIL, "out of memory");
	if (extra_len > 0)
		memcpy(t->extra, extra, extra_len);
	t->extra_len = extra_len;
	t->restartable = true;	/* a decoder that fails from here on may be started again */
	if (t->video) {
		mt.width = t->w;
		mt.height = t->h;
	} else {
		mt.sample_rate = rate > 0 ? rate : 48000;
		mt.channels = channels > 0 ? channels : 1;
		if (mt.codec == AG_MKV_OPUS && mt.channels > 2)
			mt.channels = 2;
	}
	if (mt.codec != AG_MKV_OPUS || extra_len >= AG_MKV_OPUS_HEAD_LEN) {
		mt.codec_private = extra;
		mt.codec_private_len = extra_len;
	}
	ag_ff_argv(&a, ffmpeg, false);
	ag_argv_pushl(&a, "-threads", "1", "-probesize", "32", "-analyzeduration", "0",
	    /* no waiting for 20 frames to guess a rate; and no -fflags nobuffer,
	     * which holds the first frames for a whole GOP */
	    "-fpsprobesize", "0",
	    "-f", "matroska", "-i", "pipe:0", NULL);
	if (t->video) {
		/*
		 * Live video is decoded as it comes, one output frame per
		 * input frame at its own size (the compositor scales), and
		 * each frame gets the exact time it was fed with, from the
		 * queue of times fed (decode order = output order without
		 * B-frames; the smallest pending time otherwise), scaled to
		 * the size of the codec record.  An fps
		 * filter would repeat frames into gaps, but a late frame
		 * would then be shown late.
		 */
		ag_argv_pushl(&a, "-map", "0:v:0", "-an", "-sn", "-dn", "-fps_mode", "passthrough",
		    "-vf", NULL);
		/* the size we read frames of, whatever the SPS says (a no-op
		 * when it says the same) */
		ag_argv_pushf(&a, "scale=%d:%d:flags=bilinear,format=yuv420p", t->w, t->h);
		ag_argv_pushl(&a, "-f", "rawvideo", "-pix_fmt", "yuv420p", NULL);
	} else {
		push_outputs(t, &a, "", fps);
	}
	ag_argv_pushl(&a, "-flush_packets", "1", "pipe:1", NULL);
	rc = spawn_piped(t, ffmpeg, &a, true, quiet, err);
	ag_argv_free(&a);
	if (rc < 0)
		return -1;
	if ((t->mkv = ag_mkv_open(t->in_fd, &mt, 1, err)) == NULL) {
		t->failed = true;
		return -1;
	}
	return 0;
}

int
mx_track_feed(struct mx_track *t, int64_t pts_us, bool key, const uint8_t *data, size_t len,
    struct ag_error *err)
{
	int64_t ms;
	int16_t pcm[4096];

	if ((t->mkv == NULL && t->pcm == NULL) || t->failed || t->closing)
		return 0;
	if (t->video && !t->got_key) {
		if (!key)
			return 0;	/* decoding starts at a keyframe */
	}
	if (!t->got_key) {
		t->got_key = true;
		t->first_pts_us = pts_us;
		t->t0_us = pts_us;
		t->start_us = pts_us;
	}
	if (t->pcm != NULL) {
		if (mx_pcm_feed(t, pts_us - t->first_pts_us, data, len, err) < 0) {
			t->failed = true;
			return -1;
		}
		return 0;
	}
	ms = (pts_us - t->first_pts_us) / 1000;
	if (ms < 0)
		ms = 0;
	if (t->codec == AG_STREAM_CODEC_PCMU || t->codec == AG_STREAM_CODEC_PCMA) {
		size_t n = len < 4096 ? len : 4096;
		for (size_t i = 0; i < n; i++)
			pcm[i] = t->codec == AG_STREAM_CODEC_PCMU ? ag_g711_ulaw(data[i]) : ag_g711_alaw(data[i]);
		data = (const uint8_t *)pcm;
		len = n * 2;
	} else if (t->codec == AG_STREAM_CODEC_H264 || t->codec == AG_STREAM_CODEC_H265) {
		/* Matroska with an avcC / hvcC carries length-prefixed NAL units;
		 * H.264 AUDs stay */
		uint8_t *b = ag_grow(t->nalbuf, &t->nalcap, AG_H264_AVCC_SAMPLE_MAX(len), 1);
		long n;

		if (b == NULL)
			return ag_error_set(err, AG_EX_FAIL, "out of memory");
		t->nalbuf = b;
		n = t->codec == AG_STREAM_CODEC_H264
		    ? ag_h264_annexb_to_avcc_sample(data, len, AG_H264_KEEP_AUD, b, t->nalcap)
		    : ag_h265_annexb_to_sample(data, len, b, t->nalcap);
		if (n <= 0)
			return 0;
		data = b;
		len = (size_t)n;
	}
	if (ag_mkv_write(t->mkv, 1, ms, key, data, len, err) < 0 || ag_mkv_flush(t->mkv, err) < 0) {
		t->failed = true;
		return -1;
	}
	t->last_fed_us = pts_us;
	if (t->video) {
		if (t->nq == MX_PTSQ) {	/* frames the decoder dropped: forget the oldest */
			memmove(t->ptsq, t->ptsq + 1, (MX_PTSQ - 1) * sizeof *t->ptsq);
			t->nq--;
		}
		t->ptsq[t->nq++] = pts_us;
	}
	return 0;
}

void
mx_track_end_input(struct mx_track *t)
{
	struct ag_error e;

	if (t->pcm != NULL)
		mx_pcm_end(t);
	if (t->in_fd < 0)
		return;
	if (t->mkv != NULL) {
		if (ag_mkv_flush(t->mkv, &e) > 0 && !t->failed) {
			/* the rest on POLLOUT; stopping the track ends it */
			t->closing = true;
			return;
		}
		ag_mkv_close(t->mkv, &e);
		t->mkv = NULL;
	}
	t->closing = false;
	close(t->in_fd);
	t->in_fd = -1;
}

bool
mx_track_wants_read(const struct mx_track *t)
{
	int64_t lo;

	if (t->out_fd < 0 || t->eof)
		return false;
	if (!t->video)
		return t->alen < t->acap;
	lo = t->shown > 0 ? t->shown : 0;
	return t->have - lo + 1 <= t->nslots;
}

/* The time of the frame the live decoder just gave. */
static int64_t
pop_min_pts(struct mx_track *t)
{
	size_t m = 0;
	int64_t v;

	if (t->nq == 0)
		return t->last_fed_us;
	for (size_t i = 1; i < t->nq; i++)
		if (t->ptsq[i] < t->ptsq[m])
			m = i;
	v = t->ptsq[m];
	memmove(t->ptsq + m, t->ptsq + m + 1, (t->nq - m - 1) * sizeof *t->ptsq);
	t->nq--;
	return v;
}

int
mx_track_read(struct mx_track *t)
{
	int got = 0;

	if (t->pcm != NULL)
		return mx_pcm_drain(t);

	while (mx_track_wants_read(t)) {
		ssize_t r;
		if (t->video) {
			uint8_t *slot = t->slots + (size_t)(t->have % t->nslots) * t->fsize;
			r = read(t->out_fd, slot + t->partial, t->fsize - t->partial);
		} else {
			r = read(t->out_fd, t->abuf + t->alen, t->acap - t->alen);
		}
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				t->eof = true;
			break;
		}
		if (r == 0) {
			t->eof = true;
			break;
		}
		got = 1;
		if (t->video) {
			t->partial += (size_t)r;
			if (t->partial == t->fsize) {
				t->partial = 0;
				if (t->fpts != NULL)
					t->fpts[t->have % t->nslots] = pop_min_pts(t);
				t->have++;
			}
		} else {
			t->alen += (size_t)r;
			mx_track_skip_passed(t);
		}
	}
	return got;
}

void
mx_track_skip_passed(struct mx_track *t)
{
	size_t ss = 2 * (size_t)t->channels;
	int64_t n = t->askip - t->apos;

	/* samples whose time the output has already passed (live) */
	if (n > (int64_t)(t->alen / ss))
		n = (int64_t)(t->alen / ss);
	if (n > 0) {
		memmove(t->abuf, t->abuf + (size_t)n * ss, t->alen - (size_t)n * ss);
		t->alen -= (size_t)n * ss;
		t->apos += n;
	}
}

bool
mx_track_stop(struct mx_track *t, bool kill_it, bool quiet)
{
	int status;
	bool ok = true;
	char buf[96];
	struct ag_error e;

	if (t->mkv != NULL) {
		ag_mkv_close(t->mkv, &e);
		t->mkv = NULL;
	}
	if (t->in_fd >= 0)
		close(t->in_fd);
	if (t->out_fd >= 0)
		close(t->out_fd);
	t->in_fd = t->out_fd = -1;
	if (t->pid > 0) {
		if (kill_it)
			kill(t->pid, SIGKILL);
		if (ag_wait(t->pid, &status, &e) == 0 && !ag_status_ok(status) &&
		    !(WIFSIGNALED(status) && (kill_it || WTERMSIG(status) == SIGPIPE))) {
			ok = false;
			if (!quiet)
				ag_msg("%s: the decoder %s", t->path ? t->path : t->what,
				    ag_status_describe(status, buf, sizeof buf));
		}
		t->pid = -1;
	}
	t->eof = true;
	t->done = true;
	if (!ok)
		t->failed = true;
	return ok;
}

int64_t
mx_frame_time(const struct mx_track *t, int64_t k, int fps)
{
	if (t->fpts != NULL)
		return t->fpts[k % t->nslots];
	return t->t0_us + k * 1000000 / fps;
}

const uint8_t *
mx_track_frame_at(struct mx_track *t, int64_t tn, int fps)
{
	while (t->shown + 1 < t->have && mx_frame_time(t, t->shown + 1, fps) <= tn)
		t->shown++;
	if (t->shown < 0)
		return NULL;
	return t->slots + (size_t)(t->shown % t->nslots) * t->fsize;
}

bool
mx_track_video_ready(const struct mx_track *t, int64_t tn, int fps)
{
	return t->eof || (t->have > 0 && mx_frame_time(t, t->have - 1, fps) > tn);
}

static int64_t
t0_samples(const struct mx_track *t)
{
	return t->t0_us * MX_RATE / 1000000;
}

bool
mx_track_audio_ready(const struct mx_track *t, int64_t s1)
{
	size_t ss = 2 * (size_t)t->channels;

	return t->eof || t->apos + (int64_t)(t->alen / ss) >= s1 - t0_samples(t);
}

void
mx_track_audio_take(struct mx_track *t, int64_t s0, int64_t s1, int16_t *out)
{
	size_t ss = 2 * (size_t)t->channels;
	int64_t off = t0_samples(t), avail = (int64_t)(t->alen / ss), drop;
	int64_t s_start = t->start_us * MX_RATE / 1000000, s_end =
	    t->end_us == INT64_MAX ? INT64_MAX : t->end_us * MX_RATE / 1000000;
	const int16_t *in = (const int16_t *)(const void *)t->abuf;

	for (int64_t s = s0; s < s1; s++) {
		int64_t j = s - off;
		int16_t *o = out + (size_t)(s - s0) * (size_t)t->channels;
		if (j >= t->apos && j < t->apos + avail && s >= s_start && s < s_end)
			memcpy(o, in + (size_t)(j - t->apos) * (size_t)t->channels, ss);
		else
			memset(o, 0, ss);
	}
	drop = s1 - off - t->apos;
	if (drop > avail)
		drop = avail;
	if (drop > 0) {
		memmove(t->abuf, t->abuf + (size_t)drop * ss, t->alen - (size_t)drop * ss);
		t->alen -= (size_t)drop * ss;
		t->apos += drop;
	}
	if (s1 - off > t->apos)
		t->askip = s1 - off;
}
