/*
 * folder.c - a finished recording folder as input.
 *
 * Users, sessions and video clips come from ag_folder_read (the
 * uid_*.txt files, agora-format.md section 2).  Channel time 0 is the
 * earliest session base; a clip starts at its info line (else its
 * create line).
 *
 * Each clip's frames reach the same engine as a live stream's: ffmpeg
 * copies the clip's video packets as stored (no decoding, no bitstream
 * filter: the SDK's MP4s hold Annex-B samples that filters would mangle)
 * back to back to a pipe, and ffprobe lists the packets' times, sizes and
 * keyframe flags in the same order.  H.264 samples with NAL lengths are
 * turned into Annex-B here, and the avcC comes from ffprobe.  So a folder
 * costs what a stream costs: one demuxing pass and only the GOPs that
 * hold a snapshot decoded.  Rotation is not applied: snapshots show the
 * picture as coded.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "argv.h"
#include "capture/capture.h"
#include "diag.h"
#include "ffmpeg.h"
#include "folder.h"
#include "fsutil.h"
#include "h264.h"
#include "h265.h"
#include "names.h"
#include "spawn.h"

struct clip {
	uint32_t uid;
	char file[64];
	int codec;
	int64_t start_ms;       /* epoch ms */
	int64_t end_ms;         /* epoch ms of the close line, or -1 */
	int width, height;
};

/*
 * Capture's policy: every video clip (.ts included) is a clip of the
 * user whose txt lists it; audio is not looked at.  Its start and end on
 * the wall clock; a clip without a close line lasts until its media ends.
 */
static bool
clip_from(const struct ag_folder_log *g, const struct ag_folder_clip *ac, struct clip *c)
{
	if (!ac->video)
		return false;
	memset(c, 0, sizeof *c);
	c->uid = g->uid;
	snprintf(c->file, sizeof c->file, "%s", ac->file);
	c->codec = ac->kind == AG_MEDIA_WEBM ? CP_VP8 : CP_H264;
	c->start_ms = g->base_ms + ac->start_ms;
	c->end_ms = ac->end_ms == AG_FOLDER_NO_CLOSE ? -1 : g->base_ms + ac->end_ms;
	c->width = ac->width > 0 ? ac->width : 0;
	c->height = ac->height > 0 ? ac->height : 0;
	return true;
}

/* By user, then start: a user's clips are run in the order they play. */
static int
cmp_clip(const void *a, const void *b)
{
	const struct clip *x = a, *y = b;

	return x->uid != y->uid ? (x->uid > y->uid) - (x->uid < y->uid) :
	    (x->start_ms > y->start_ms) - (x->start_ms < y->start_ms);
}

/* Video clips of every txt, with their start on the wall clock; *ch0 the earliest session base. */
static int
load_clips(const struct cp_opts *o, struct clip **out, size_t *nout, int64_t *ch0,
    struct ag_error *err)
{
	struct ag_folder af;
	size_t n = 0;

	*out = NULL;
	*nout = 0;
	if (ag_folder_read(o->folder, &af, err) < 0)
		return -1;
	for (size_t i = 0; i < af.warnings.n; i++)
		ag_msg("%s", af.warnings.v[i]);
	for (size_t i = 0; i < af.nlogs; i++)
		n += af.logs[i].nclips;
	if (n > 0 && (*out = calloc(n, sizeof **out)) == NULL) {
		ag_folder_free(&af);
		return ag_error_set(err, AG_EX_FAIL, "out of memory");
	}
	for (size_t i = 0; i < af.nlogs; i++)
		for (size_t j = 0; j < af.logs[i].nclips; j++)
			if (clip_from(&af.logs[i], &af.logs[i].clips[j], &(*out)[*nout]))
				(*nout)++;
	*ch0 = af.origin_ms;
	ag_folder_free(&af);
	if (*nout > 0)
		qsort(*out, *nout, sizeof **out, cmp_clip);
	return 0;
}

struct pkt {
	double pts;
	size_t size;
	bool key;
};

/* Run ffprobe with argv, its stdout in *out (new); stderr is dropped. */
static int
run_probe(const char *ffprobe, struct ag_argv *a, char **out, struct ag_error *err)
{
	char *errtxt = NULL;
	size_t len;
	int st;

	*out = NULL;
	if (a->failed)
		return ag_error_set(err, AG_EX_FAIL, "out of memory");
	if (ag_run_capture(ffprobe, a->v, (size_t)1 << 30, out, &len, &errtxt, &st, err) < 0)
		return -1;
	free(errtxt);
	if (!ag_status_ok(st)) {
		free(*out);
		*out = NULL;
		return ag_error_set(err, AG_EX_DATAERR, "ffprobe cannot read it");
	}
	return 0;
}

/* Packet times, sizes and keyframe flags of the clip's first video stream. */
static int
probe_packets(const char *ffprobe, const char *url, struct pkt **out, size_t *n,
    struct ag_error *err)
{
	struct ag_argv a = { 0 };
	char *txt = NULL, *save = NULL;
	size_t cap = 0;
	int rc = -1;

	*out = NULL;
	*n = 0;
	ag_argv_pushl(&a, ffprobe, "-v", "error", "-select_streams", "v:0", "-show_entries",
	    "packet=pts_time,size,flags", "-of", "csv=p=0", url, NULL);
	if (run_probe(ffprobe, &a, &txt, err) < 0)
		goto out;
	for (char *line = strtok_r(txt, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		/* pts_time,size,flags (ffprobe's order: the packet's fields) */
		char *f1 = strchr(line, ','), *f2 = f1 != NULL ? strchr(f1 + 1, ',') : NULL, *end;
		double pts;
		long long size;

		if (f2 == NULL)
			continue;
		*f1 = *f2 = '\0';
		pts = strtod(line, &end);
		if (end == line)
			pts = *n > 0 ? (*out)[*n - 1].pts : 0;   /* N/A: keep order */
		size = strtoll(f1 + 1, &end, 10);
		if (end == f1 + 1 || size <= 0 || size > (1 << 26))
			continue;
		if (*n == cap) {
			struct pkt *np;

			cap = cap ? cap * 2 : 1024;
			np = realloc(*out, cap * sizeof *np);
			if (np == NULL) {
				ag_error_set(err, AG_EX_FAIL, "out of memory");
				goto out;
			}
			*out = np;
		}
		(*out)[(*n)++] = (struct pkt){ pts, (size_t)size, strchr(f2 + 1, 'K') != NULL };
	}
	rc = 0;
out:
	free(txt);
	ag_argv_free(&a);
	return rc;
}

/* The stream's extradata (an avcC for H.264 in MP4, an hvcC for H.265),
 * from ffprobe's hex dump; *hevc: the codec is H.265. */
static int
probe_extradata(const char *ffprobe, const char *url, uint8_t *buf, size_t size,
    size_t *len, bool *hevc, struct ag_error *err)
{
	struct ag_argv a = { 0 };
	char *txt = NULL, *save = NULL;
	int rc;

	*len = 0;
	*hevc = false;
	ag_argv_pushl(&a, ffprobe, "-v", "error", "-select_streams", "v:0", "-show_data",
	    "-show_entries", "stream=codec_name,extradata", "-of", "default=nw=1", url, NULL);
	rc = run_probe(ffprobe, &a, &txt, err);
	ag_argv_free(&a);
	if (rc < 0)
		return -1;
	/* "00000000: 0142 c00c ffe1 ...  .B......" */
	for (char *line = strtok_r(txt, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char *p = strstr(line, ": ");
		if (strcmp(line, "codec_name=hevc") == 0)
			*hevc = true;
		if (p == NULL || p - line != 8)
			continue;
		p += 2;
		for (int g = 0; g < 8; g++, p++) {
			for (int k = 0; k < 2; k++) {
				unsigned v;
				if (sscanf(p, "%2x", &v) != 1 || p[0] == ' ')
					goto next_line;
				if (*len < size)
					buf[(*len)++] = (uint8_t)v;
				p += 2;
			}
			if (*p != ' ')
				break;
		}
next_line:;
	}
	free(txt);
	return 0;
}

/*
 * An MP4/Matroska H.264 or H.265 sample as an Annex-B access unit in
 * *out (new): NAL lengths of nls bytes become start codes.  A sample
 * that is Annex-B already (the SDK's MP4 quirk, agora-format.md 1.4) is
 * copied.  Sets *idr when it holds a key picture's slice (H.264 IDR,
 * H.265 IRAP).  Returns its length, or 0 (bad sample).
 */
static size_t
to_annexb(int codec, const uint8_t *p, size_t n, int nls, uint8_t **out, bool *idr)
{
	uint32_t types = 0;
	long ol;

	*idr = false;
	if ((*out = malloc(AG_H264_ANNEXB_MAX(n))) == NULL)
		return 0;
	ol = ag_h264_sample_to_annexb(p, n, nls, *out, AG_H264_ANNEXB_MAX(n),
	    codec == CP_H264 ? &types : NULL);
	if (ol <= 0)
		return 0;
	*idr = codec == CP_H264 ? (types & 1u << AG_H264_NAL_IDR) != 0
	    : ag_h265_has_irap(*out, (size_t)ol);
	return (size_t)ol;
}

/*
 * At least 64 KiB free at the end of the demuxer's buffer: the bytes
 * already passed on (before *pos) are dropped first, then the buffer
 * grows.  0, or -1 when out of memory.
 */
static int
make_room(uint8_t **buf, size_t *blen, size_t *bcap, size_t *pos)
{
	size_t nc;
	uint8_t *nb;

	if (*bcap - *blen >= 65536)
		return 0;
	if (*pos > 0) {
		memmove(*buf, *buf + *pos, *blen - *pos);
		*blen -= *pos;
		*pos = 0;
	}
	if (*bcap - *blen >= 65536)
		return 0;
	nc = *bcap ? *bcap * 2 : 1 << 20;
	if ((nb = realloc(*buf, nc)) == NULL)
		return -1;
	*buf = nb;
	*bcap = nc;
	return 0;
}

static int
run_clip(struct cp_engine *e, const struct cp_opts *o, const char *ffmpeg, const char *ffprobe,
    const struct clip *c, int64_t ch0, bool cont, struct ag_error *err)
{
	char *path = ag_path_join(o->folder, c->file), *url = NULL;
	struct pkt *pk = NULL;
	size_t npk = 0, idx = 0, blen = 0, bcap = 0, extra_len = 0, pos = 0;
	struct ag_argv a = { 0 };
	uint8_t *buf = NULL, extra[4096];
	pid_t pid = -1;
	int pfd = -1, rc = -1, st, nls = 4, codec = c->codec;
	bool eof = false, hevc = false;
	/* stderr to /dev/null: ffmpeg's parser complains about every sample
	 * of the SDK's Annex-B-in-MP4 files; the exit status still counts. */
	struct ag_spawn_io io = { AG_SPAWN_NULL, AG_SPAWN_PIPE, AG_SPAWN_NULL, 0 };
	int64_t off_us;
	double pts0;

	if (path == NULL || (url = ag_ff_url(path)) == NULL) {
		ag_error_set(err, AG_EX_FAIL, "out of memory");
		goto out;
	}
	if (ag_file_size(path) < 0) {
		ag_error_set(err, AG_EX_IOERR, "%s: missing", path);
		rc = 1;
		goto out;
	}
	if (probe_packets(ffprobe, url, &pk, &npk, err) < 0 ||
	    (c->codec == CP_H264 &&
	    probe_extradata(ffprobe, url, extra, sizeof extra, &extra_len, &hevc, err) < 0)) {
		struct ag_error e2 = *err;
		ag_error_set(err, e2.code, "%s: %s", path, e2.msg);
		rc = e2.code == AG_EX_DATAERR ? 1 : -1;
		goto out;
	}
	/* An MP4 clip is H.264 unless ffprobe says H.265 (the folder does not) */
	if (hevc)
		codec = CP_H265;
	if (codec == CP_H264 && extra_len >= 7 && extra[0] == 1)
		nls = (extra[4] & 3) + 1;
	else if (codec == CP_H265 && extra_len >= 23 && extra[0] == 1)
		nls = (extra[21] & 3) + 1;
	else
		extra_len = 0;
	/* The packets as stored, back to back; ffprobe gave their sizes.
	 * -copyinkf: the SDK's MP4s flag no keyframe, keep every packet. */
	ag_ff_argv(&a, ffmpeg, false);
	ag_argv_pushl(&a, "-i", url, "-map", "0:v:0", "-c", "copy", "-copyinkf", "-f", "data",
	    "pipe:1", NULL);
	if (a.failed) {
		ag_error_set(err, AG_EX_FAIL, "out of memory");
		goto out;
	}
	if (ag_spawn(ffmpeg, a.v, &io, &pid, err) < 0)
		goto out;
	pfd = io.out;
	if (cp_engine_codec(e, c->uid, codec, c->width, c->height,
	    extra_len ? extra : NULL, extra_len, err) < 0)
		goto out;
	off_us = (c->start_ms - ch0) * 1000;
	pts0 = npk > 0 ? pk[0].pts : 0;
	while (!eof) {
		int p;
		ssize_t n;

		if (fe_stop_signal) {
			kill(pid, SIGTERM);
			break;
		}
		p = cp_engine_pump(e, pfd, -1, err);
		if (p < 0)
			goto out;
		if (p == 0)
			continue;
		if (make_room(&buf, &blen, &bcap, &pos) < 0) {
			ag_error_set(err, AG_EX_FAIL, "out of memory");
			goto out;
		}
		n = read(pfd, buf + blen, bcap - blen);
		if (n < 0 && errno != EINTR && errno != EAGAIN) {
			ag_error_errno(err, AG_EX_IOERR, errno, "%s: demuxer", path);
			goto out;
		}
		if (n == 0)
			eof = true;
		if (n > 0)
			blen += (size_t)n;
		while (idx < npk && blen - pos >= pk[idx].size) {
			const uint8_t *fr = buf + pos;
			size_t fl = pk[idx].size;
			int64_t pts = off_us + (int64_t)((pk[idx].pts - pts0) * 1e6 + 0.5);
			bool key = pk[idx].key;
			int r;
			pos += fl;
			if (codec != CP_VP8) {
				uint8_t *au;
				bool idr;
				size_t al = to_annexb(codec, fr, fl, nls, &au, &idr);
				r = al > 0 ? cp_engine_frame(e, c->uid, pts, key || idr, false, au,
				    al, err) : 0;
				free(au);
			} else {
				r = cp_engine_frame(e, c->uid, pts, key || !(fr[0] & 1), false,
				    fr, fl, err);
			}
			if (r < 0)
				goto out;
			idx++;
		}
		if (idx == npk && blen > pos)
			pos = blen;   /* more bytes than probed: ignored */
	}
	if (idx != npk && !fe_stop_signal)
		ag_msg("%s: %zu of %zu packets demuxed", path, idx, npk);
	/* The next clip continues this one (a new file at a resolution
	 * change): the last frame stays on screen until its first frame. */
	if (!cont && cp_engine_user_end(e, c->uid, err) < 0)
		goto out;
	rc = 0;
out:
	if (pfd >= 0)
		close(pfd);
	if (pid > 0) {
		if (rc < 0)
			kill(pid, SIGKILL);
		ag_wait(pid, &st, NULL);
		if (rc == 0 && !ag_status_ok(st) && !fe_stop_signal) {
			char s2[64];
			ag_error_set(err, AG_EX_DATAERR, "%s: demuxer %s", path,
			    ag_status_describe(st, s2, sizeof s2));
			rc = 1;
		}
	}
	ag_argv_free(&a);
	free(buf);
	free(pk);
	free(url);
	free(path);
	return rc;
}

int
cp_run_folder(struct cp_engine *e, const struct cp_opts *o, const char *ffmpeg,
    const char *ffprobe, int *nvideo, struct ag_error *err)
{
	struct clip *cl = NULL;
	size_t ncl = 0, nwanted = 0, done = 0;
	int64_t ch0;
	int rc = -1, failures = 0;
	bool progress = !o->quiet && isatty(2);

	*nvideo = 0;
	if (load_clips(o, &cl, &ncl, &ch0, err) < 0)
		goto out;
	cp_engine_set_wall(e, ch0 * 1000);
	for (size_t i = 0; i < ncl; i++) {
		if (!ag_sub_wants(&o->sub, cl[i].uid, AG_SUB_VIDEO))
			cp_engine_unsubscribed(e, cl[i].uid);
		if (cp_uid_wanted(o, cl[i].uid))
			nwanted++;
	}
	*nvideo = (int)nwanted;
	for (size_t i = 0; i < ncl; i++) {
		size_t j = i + 1;
		bool cont;
		int r;

		if (!cp_uid_wanted(o, cl[i].uid))
			continue;
		if (fe_stop_signal)
			break;
		if (progress)
			fprintf(stderr, "\r%s: %zu/%zu %s\033[K", ag_progname(), ++done, nwanted,
			    cl[i].file);
		while (j < ncl && !cp_uid_wanted(o, cl[j].uid))
			j++;
		cont = j < ncl && cl[j].uid == cl[i].uid && cl[i].end_ms >= 0 &&
		    cl[j].start_ms - cl[i].end_ms <= 100;
		r = run_clip(e, o, ffmpeg, ffprobe, &cl[i], ch0, cont, err);
		if (r < 0)
			goto out;
		if (r > 0) {
			if (cp_engine_user_end(e, cl[i].uid, err) < 0)
				goto out;
			if (progress)
				fputc('\n', stderr);
			ag_msg("%s", err->msg);
			ag_error_clear(err);
			failures++;
		}
	}
	if (progress && done > 0)
		fputc('\n', stderr);
	rc = failures > 0 ? 1 : 0;
out:
	free(cl);
	return rc;
}
