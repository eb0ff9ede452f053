/*
 * engine.c - which frame each snapshot shows, and the one decoder child
 * per user that turns exactly those frames into JPEGs.
 *
 * A snapshot at channel time t shows the frame displayed at t: the
 * latest frame with pts <= t.  That frame is known only once a later
 * frame (pts > t) arrives or the user stops, so every user keeps the
 * frames of its current GOP (from the last keyframe) in memory, and when
 * a frame arrives the snapshots it decides are taken from that buffer.
 *
 * Cost (why a persistent child fed selectively): starting ffmpeg costs
 * about as much CPU as decoding a few seconds of 360p video, so each
 * user has one ffmpeg for its whole life, reading Matroska on its stdin
 * and writing JPEGs (image2pipe, mjpeg) on its stdout.  It is fed only
 * what a snapshot needs: the frames of the snapshot's GOP from its
 * keyframe up to the snapshot's frame, and of those only the ones not
 * fed for an earlier snapshot of the same GOP.  A GOP with no snapshot
 * is never fed; with an interval longer than the GOP, on average half
 * of each other GOP is decoded.  So that the child JPEG-encodes only the
 * snapshot frames, the Matroska timestamps are synthetic: fed frame n
 * gets 2n ms, or 2n + 1 ms when it is a snapshot frame, and the child's
 * filter is select='eq(mod(round(t*1000),2),1)'.  The JPEGs come back
 * in order, one per snapshot, so a FIFO of pending snapshots maps them
 * to their times.  A frame that serves two snapshots (the user's video
 * stalled for longer than the interval) is encoded once and its JPEG
 * written twice.
 *
 * Decoding starts at a keyframe only: after a frame flagged as following
 * a loss, or a change of codec parameters, nothing is fed and no
 * snapshot is taken until the next keyframe.  Streams with B-frames are
 * not expected (RTP senders do not use them); frames are taken in decode
 * order as presentation order.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "argv.h"
#include "be.h"
#include "buf.h"
#include "capture/capture.h"
#include "diag.h"
#include "ffmpeg.h"
#include "h264.h"
#include "h265.h"
#include "mkv.h"
#include "spawn.h"

#define UNFED_MAX (32u << 20)       /* unfed GOP bytes kept before feeding them anyway */
#define CHILD_BACKLOG (4u << 20)    /* unwritten child input that pauses the input */
#define OUT_MAX (64u << 20)         /* a JPEG larger than this is garbage */

struct frame {
	int64_t pts;
	uint8_t *data;          /* NULL once fed */
	size_t len;
};

struct pend {
	int64_t t_us;
	bool reuse;             /* the same JPEG as the snapshot before it */
};

struct user {
	uint32_t uid;
	/* codec parameters in force, and ones announced for the next keyframe */
	bool have_codec;
	int codec, width, height;
	uint8_t *extra;
	size_t extra_len;
	bool pending_codec;
	int p_codec, p_width, p_height;
	uint8_t *p_extra;
	size_t p_extra_len;

	bool waitkey;           /* no decodable frame until the next keyframe */
	struct frame *gop;      /* the current GOP, gop[0] a keyframe */
	size_t ngop, capgop, fed;
	size_t unfed_bytes;
	bool started;
	int64_t next_k;         /* next snapshot at next_k * interval */
	bool last_target_valid;
	int64_t last_target_pts;

	/* decoder child */
	pid_t pid;
	int in_fd, out_fd;
	struct ag_mkv *mkv;
	int64_t seq;
	bool out_eof, failed;
	uint8_t *obuf;
	size_t olen, ocap;
	struct pend *q;
	size_t qlen, qcap;
	uint8_t *last_jpg;
	size_t last_len;
	int last_w, last_h;
	uint64_t written, missed;
};

struct cp_engine {
	const struct cp_opts *o;
	const char *ffmpeg;
	struct cp_sink *sink;
	int64_t wall_us;
	int64_t interval_us;
	struct user **users;
	size_t nusers;
	int failures;
	struct ag_error fatal;  /* a sink error: stop everything */
	struct ag_sub_tally unsub;  /* users whose video --autoSubscribe 0 leaves out */
};

bool
cp_uid_wanted(const struct cp_opts *o, uint32_t uid)
{
	if (!ag_sub_wants(&o->sub, uid, AG_SUB_VIDEO))
		return false;
	if (o->nuids == 0)
		return true;
	for (size_t i = 0; i < o->nuids; i++)
		if (o->uids[i] == uid)
			return true;
	return false;
}

struct cp_engine *
cp_engine_new(const struct cp_opts *o, const char *ffmpeg, struct cp_sink *sink,
    struct ag_error *err)
{
	struct cp_engine *e = calloc(1, sizeof *e);

	if (e == NULL) {
		ag_error_set(err, AG_EX_FAIL, "out of memory");
		return NULL;
	}
	e->o = o;
	e->ffmpeg = ffmpeg;
	e->sink = sink;
	e->interval_us = o->interval * 1000000LL;
	return e;
}

void
cp_engine_set_wall(struct cp_engine *e, int64_t wall_us)
{
	e->wall_us = wall_us;
}

static struct user *
find_user(struct cp_engine *e, uint32_t uid, bool create)
{
	struct user **nu, *u;

	for (size_t i = 0; i < e->nusers; i++)
		if (e->users[i]->uid == uid)
			return e->users[i];
	if (!create)
		return NULL;
	nu = realloc(e->users, (e->nusers + 1) * sizeof *nu);
	if (nu == NULL)
		return NULL;
	e->users = nu;
	u = calloc(1, sizeof *u);
	if (u == NULL)
		return NULL;
	u->uid = uid;
	u->pid = -1;
	u->in_fd = u->out_fd = -1;
	u->waitkey = true;
	e->users[e->nusers++] = u;
	return u;
}

static void
gop_clear(struct user *u)
{
	for (size_t i = 0; i < u->ngop; i++)
		free(u->gop[i].data);
	u->ngop = u->fed = 0;
	u->unfed_bytes = 0;
}

/* ---- JPEG framing of the child's output ---- */

/*
 * Find one complete JPEG at the start of b[0..n) (bytes before an SOI
 * are skipped): walk the marker segments by their lengths, and through
 * entropy-coded data (where 0xFF is always followed by 0x00 or a
 * restart marker) up to the EOI.  Returns its length and sets *skip to
 * the bytes before it, 0 when incomplete.
 */
static size_t
jpeg_split(const uint8_t *b, size_t n, size_t *skip, int *w, int *h)
{
	size_t s = 0, i;
	bool scan = false;

	while (s + 1 < n && !(b[s] == 0xFF && b[s + 1] == 0xD8))
		s++;
	*skip = s;
	i = s + 2;
	while (i + 1 < n) {
		uint8_t m;
		size_t seglen;

		if (scan) {
			if (b[i] != 0xFF) { i++; continue; }
			m = b[i + 1];
			if (m == 0x00 || (m >= 0xD0 && m <= 0xD7)) { i += 2; continue; }
			scan = false;
			continue;
		}
		/* not a marker where one must be: wait, then fail on size */
		if (b[i] != 0xFF)
			return 0;
		m = b[i + 1];
		if (m == 0xFF) { i++; continue; }
		if (m == 0xD9)
			return i + 2 - s;
		if (m == 0x01 || (m >= 0xD0 && m <= 0xD7)) { i += 2; continue; }
		if (i + 3 >= n)
			return 0;
		seglen = ag_rd16(b + i + 2);
		if (i + 2 + seglen > n)
			return 0;
		if ((m == 0xC0 || m == 0xC1 || m == 0xC2) && seglen >= 7) {
			*h = ag_rd16(b + i + 5);
			*w = ag_rd16(b + i + 7);
		}
		i += 2 + seglen;
		if (m == 0xDA)
			scan = true;
	}
	return 0;
}

static int
emit(struct cp_engine *e, struct user *u, int64_t t_us, struct ag_error *err)
{
	if (cp_sink_put(e->sink, u->uid, t_us, e->wall_us + t_us, u->last_w, u->last_h,
	    u->last_jpg, u->last_len, err) < 0)
		return -1;
	u->written++;
	return 0;
}

static void
q_pop(struct user *u)
{
	memmove(u->q, u->q + 1, (u->qlen - 1) * sizeof *u->q);
	u->qlen--;
}

/* Take every complete JPEG out of u->obuf and deliver it. */
static int
take_jpegs(struct cp_engine *e, struct user *u, struct ag_error *err)
{
	size_t off = 0;

	for (;;) {
		size_t skip;
		int w = 0, h = 0;
		size_t len = jpeg_split(u->obuf + off, u->olen - off, &skip, &w, &h);
		uint8_t *copy;

		if (len == 0)
			break;
		copy = malloc(len);
		if (copy == NULL)
			return ag_error_set(err, AG_EX_FAIL, "out of memory");
		memcpy(copy, u->obuf + off + skip, len);
		free(u->last_jpg);
		u->last_jpg = copy;
		u->last_len = len;
		u->last_w = w;
		u->last_h = h;
		off += skip + len;
		if (u->qlen == 0) {
			ag_msg("uid %u: decoder wrote a JPEG no snapshot asked for; dropped",
			    u->uid);
			continue;
		}
		if (emit(e, u, u->q[0].t_us, err) < 0)
			return -1;
		q_pop(u);
		while (u->qlen > 0 && u->q[0].reuse) {
			if (emit(e, u, u->q[0].t_us, err) < 0)
				return -1;
			q_pop(u);
		}
	}
	if (off > 0) {
		memmove(u->obuf, u->obuf + off, u->olen - off);
		u->olen -= off;
	}
	if (u->olen > OUT_MAX)
		return ag_error_set(err, AG_EX_FAIL, "uid %u: the decoder's output is not JPEG",
		    u->uid);
	return 0;
}

/* ---- the decoder child ---- */

static void
child_kill(struct user *u)
{
	if (u->mkv != NULL) {
		ag_mkv_close(u->mkv, NULL);
		u->mkv = NULL;
	}
	if (u->in_fd >= 0)
		close(u->in_fd);
	if (u->out_fd >= 0)
		close(u->out_fd);
	u->in_fd = u->out_fd = -1;
	if (u->pid > 0) {
		int st;

		kill(u->pid, SIGKILL);
		ag_wait(u->pid, &st, NULL);
	}
	u->pid = -1;
}

/* A failed decoder: count it, end it, keep going with the other users. */
static void
user_fail(struct cp_engine *e, struct user *u, const struct ag_error *why)
{
	ag_msg("uid %u: decoder: %s; no more snapshots of this user", u->uid, why->msg);
	child_kill(u);
	u->missed += u->qlen;
	u->qlen = 0;
	u->failed = true;
	e->failures++;
}

/*
 * The decoder configuration of an H.265 GOP into tr: an hvcC from the
 * key frame's own VPS/SPS/PPS (its size from the SPS when unknown), else
 * the codec record's.  rec[0..size) holds the record built.  0, or -1
 * with err when there is none.
 */
static int
hevc_track(const struct user *u, struct ag_mkv_track *tr, uint8_t *rec, size_t size,
    struct ag_error *err)
{
	const uint8_t *vps, *sps, *pps;
	size_t vl = 0, sl = 0, pl = 0;

	tr->codec = AG_MKV_H265;
	if (ag_h265_find_params(u->gop[0].data, u->gop[0].len, &vps, &vl, &sps, &sl, &pps,
	    &pl) == 0) {
		struct ag_h265_sps sp;
		int n = ag_h265_hvcc(vps, vl, sps, sl, pps, pl, rec, size);

		if (n > 0) {
			tr->codec_private = rec;
			tr->codec_private_len = (size_t)n;
		}
		if (u->width <= 0 && ag_h265_sps_parse(sps, sl, &sp, NULL) == 0) {
			tr->width = sp.width;
			tr->height = sp.height;
		}
	}
	if (tr->codec_private == NULL && u->extra_len > 0) {
		tr->codec_private = u->extra;
		tr->codec_private_len = u->extra_len;
	}
	if (tr->codec_private == NULL)
		return ag_error_set(err, AG_EX_DATAERR,
		    "uid %u: H.265 keyframe without VPS/SPS/PPS and no hvcC", u->uid);
	return 0;
}

static int
child_start(struct cp_engine *e, struct user *u, struct ag_error *err)
{
	uint8_t avcc[AG_H265_HVCC_MAX];
	struct ag_mkv_track tr = { 0 };
	struct ag_argv a = { 0 };
	char vf[200];
	int rc = -1;
	struct ag_spawn_io io = { AG_SPAWN_PIPE_NB, AG_SPAWN_PIPE_NB, AG_SPAWN_INHERIT, 0 };

	tr.width = u->width > 0 ? u->width : 16;
	tr.height = u->height > 0 ? u->height : 16;
	if (u->codec == CP_VP8) {
		tr.codec = AG_MKV_VP8;
		if (u->width <= 0 && u->gop[0].len >= 10) {
			tr.width = ag_rd16le(u->gop[0].data + 6) & 0x3fff;
			tr.height = ag_rd16le(u->gop[0].data + 8) & 0x3fff;
		}
	} else if (u->codec == CP_H265) {
		if (hevc_track(u, &tr, avcc, sizeof avcc, err) < 0)
			return -1;
	} else {
		const uint8_t *sps, *pps;
		size_t sl = 0, pl = 0;

		tr.codec = AG_MKV_H264;
		if (ag_h264_find_params(u->gop[0].data, u->gop[0].len, &sps, &sl, &pps, &pl) == 0) {
			struct ag_h264_sps sp;
			int n = ag_h264_avcc(sps, sl, pps, pl, avcc, sizeof avcc);

			if (n > 0) {
				tr.codec_private = avcc;
				tr.codec_private_len = (size_t)n;
			}
			if (u->width <= 0 && ag_h264_sps_parse(sps, sl, &sp, NULL) == 0) {
				tr.width = sp.width;
				tr.height = sp.height;
			}
		}
		if (tr.codec_private == NULL && u->extra_len > 0) {
			tr.codec_private = u->extra;
			tr.codec_private_len = u->extra_len;
		}
		if (tr.codec_private == NULL)
			return ag_error_set(err, AG_EX_DATAERR,
			    "uid %u: H.264 keyframe without SPS/PPS and no avcC", u->uid);
	}
	if (tr.width < 1 || tr.width > 65535 || tr.height < 1 || tr.height > 65535)
		tr.width = tr.height = 16;

	snprintf(vf, sizeof vf, "select='eq(mod(round(t*1000)\\,2)\\,1)'");
	if (e->o->width > 0)
		snprintf(vf + strlen(vf), sizeof vf - strlen(vf), ",scale=%d:%d", e->o->width,
		    e->o->height);
	ag_ff_argv(&a, e->ffmpeg, false);
	ag_argv_pushl(&a, "-threads", "1", "-probesize", "32", "-analyzeduration", "0", "-copyts",
	    "-f", "matroska", "-i", "pipe:0", "-map", "0:v:0", "-an", "-vf", vf,
	    "-fps_mode", "passthrough", "-enc_time_base", "-1", "-pix_fmt", "yuvj420p",
	    "-c:v", "mjpeg", "-q:v", NULL);
	ag_argv_pushf(&a, "%d", e->o->quality);
	ag_argv_pushl(&a, "-f", "image2pipe", "-flush_packets", "1", "pipe:1", NULL);
	if (a.failed) {
		ag_error_set(err, AG_EX_FAIL, "out of memory");
		goto out;
	}
	if (ag_spawn(e->ffmpeg, a.v, &io, &u->pid, err) < 0)
		goto out;
	u->in_fd = io.in;
	u->out_fd = io.out;
	u->out_eof = false;
	u->seq = 0;
	u->mkv = ag_mkv_open(u->in_fd, &tr, 1, err);
	if (u->mkv == NULL) {
		child_kill(u);
		goto out;
	}
	rc = 0;
out:
	ag_argv_free(&a);
	return rc;
}

/* Read what the child wrote; deliver complete JPEGs. */
static int
child_read(struct cp_engine *e, struct user *u, struct ag_error *err)
{
	for (;;) {
		uint8_t *nb = ag_grow(u->obuf, &u->ocap, u->olen + 65536, 1);
		ssize_t n;

		if (nb == NULL)
			return ag_error_set(err, AG_EX_FAIL, "out of memory");
		u->obuf = nb;
		n = read(u->out_fd, u->obuf + u->olen, u->ocap - u->olen);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			return ag_error_errno(err, AG_EX_IOERR, errno, "uid %u: decoder output",
			    u->uid);
		}
		if (n == 0) {
			u->out_eof = true;
			break;
		}
		u->olen += (size_t)n;
	}
	return take_jpegs(e, u, err);
}

int
cp_engine_pump(struct cp_engine *e, int poll_fd, int timeout_ms, struct ag_error *err)
{
	struct pollfd *p = calloc(2 * e->nusers + 1, sizeof *p);
	struct user **who = calloc(2 * e->nusers + 1, sizeof *who);
	size_t n = 0, nchild;
	int rc = -1;
	bool backlog = false;

	if (p == NULL || who == NULL) {
		ag_error_set(err, AG_EX_FAIL, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < e->nusers; i++) {
		struct user *u = e->users[i];

		if (u->pid <= 0)
			continue;
		if (!u->out_eof) {
			p[n] = (struct pollfd){ .fd = u->out_fd, .events = POLLIN };
			who[n++] = u;
		}
		if (u->mkv != NULL && ag_mkv_pending(u->mkv) > 0) {
			p[n] = (struct pollfd){ .fd = u->in_fd, .events = POLLOUT };
			who[n++] = u;
			if (ag_mkv_pending(u->mkv) > CHILD_BACKLOG)
				backlog = true;
		}
	}
	nchild = n;
	if (poll_fd >= 0 && !backlog)
		p[n++] = (struct pollfd){ .fd = poll_fd, .events = POLLIN };
	if (n == 0) {
		rc = 0;
		goto out;
	}
	if (poll(p, n, timeout_ms) < 0 && errno != EINTR) {
		ag_error_errno(err, AG_EX_IOERR, errno, "poll");
		goto out;
	}
	for (size_t i = 0; i < nchild; i++) {
		struct user *u = who[i];

		if (!p[i].revents || u->pid <= 0)
			continue;
		if (p[i].events == POLLOUT) {
			struct ag_error we = { 0 };

			if (u->mkv != NULL && ag_mkv_drain(u->mkv, &we) < 0)
				user_fail(e, u, &we);
		} else if (child_read(e, u, err) < 0) {
			goto out;
		}
	}
	rc = (poll_fd >= 0 && !backlog && p[n - 1].revents) ? 1 : 0;
out:
	free(p);
	free(who);
	return rc;
}

/* Write frame i of the GOP to the child; target marks a snapshot frame. */
static int
feed(struct cp_engine *e, struct user *u, size_t i, bool target, struct ag_error *err)
{
	struct frame *f = &u->gop[i];
	struct ag_error we = { 0 };
	int64_t ts = 2 * u->seq++ + (target ? 1 : 0);
	int r;

	if (u->codec == CP_H264 || u->codec == CP_H265) {
		uint8_t *s = malloc(AG_H264_AVCC_SAMPLE_MAX(f->len));
		long n;

		if (s == NULL)
			return ag_error_set(err, AG_EX_FAIL, "out of memory");
		n = u->codec == CP_H264 ? ag_h264_annexb_to_avcc_sample(f->data, f->len, 0, s,
		    AG_H264_AVCC_SAMPLE_MAX(f->len))
		    : ag_h265_annexb_to_sample(f->data, f->len, s, AG_H264_AVCC_SAMPLE_MAX(f->len));
		r = n > 0 ? ag_mkv_write(u->mkv, 1, ts, i == 0, s, (size_t)n, &we) : 0;
		free(s);
	} else {
		r = ag_mkv_write(u->mkv, 1, ts, i == 0, f->data, f->len, &we);
	}
	u->unfed_bytes -= f->len;
	free(f->data);
	f->data = NULL;
	if (r < 0) {
		user_fail(e, u, &we);
		return 1;
	}
	return 0;
}

/* End the child: all input written, stdin closed, every JPEG read, reaped. */
static int
child_end(struct cp_engine *e, struct user *u, struct ag_error *err)
{
	struct ag_error we = { 0 };
	int st;

	if (u->pid <= 0)
		return 0;
	if (ag_mkv_flush(u->mkv, &we) < 0) {
		user_fail(e, u, &we);
		return 0;
	}
	while (u->mkv != NULL && ag_mkv_pending(u->mkv) > 0)
		if (cp_engine_pump(e, -1, -1, err) < 0)
			return -1;
	if (u->pid <= 0)
		return 0;
	ag_mkv_close(u->mkv, NULL);
	u->mkv = NULL;
	close(u->in_fd);
	u->in_fd = -1;
	while (!u->out_eof && u->pid > 0)
		if (cp_engine_pump(e, -1, -1, err) < 0)
			return -1;
	if (u->pid <= 0)
		return 0;
	close(u->out_fd);
	u->out_fd = -1;
	ag_wait(u->pid, &st, NULL);
	u->pid = -1;
	if (!ag_status_ok(st)) {
		char d[64];

		ag_msg("uid %u: decoder %s", u->uid, ag_status_describe(st, d, sizeof d));
		e->failures++;
	}
	if (u->qlen > 0) {
		ag_msg("uid %u: %zu snapshots could not be decoded", u->uid, u->qlen);
		u->missed += u->qlen;
		e->failures++;
		u->qlen = 0;
	}
	return 0;
}

static int
q_push(struct user *u, int64_t t_us, bool reuse, struct ag_error *err)
{
	struct pend *nq = ag_grow(u->q, &u->qcap, u->qlen + 1, sizeof *nq);

	if (nq == NULL)
		return ag_error_set(err, AG_EX_FAIL, "out of memory");
	u->q = nq;
	u->q[u->qlen++] = (struct pend){ t_us, reuse };
	return 0;
}

/* The snapshot at t shows the last frame of the GOP buffer. */
static int
snapshot(struct cp_engine *e, struct user *u, int64_t t, struct ag_error *err)
{
	struct frame *last;
	struct ag_error we = { 0 };

	if (u->waitkey || u->ngop == 0)
		return 0;
	last = &u->gop[u->ngop - 1];
	if (t < last->pts || t - last->pts > CP_STALE_US)
		return 0;
	if (u->failed) {
		u->missed++;
		return 0;
	}
	if (u->fed == u->ngop && u->last_target_valid && u->last_target_pts == last->pts) {
		if (u->qlen == 0 && u->last_jpg != NULL)
			return emit(e, u, t, err);
		return q_push(u, t, true, err);
	}
	if (u->pid <= 0 && child_start(e, u, err) < 0) {
		user_fail(e, u, err);
		ag_error_clear(err);
		u->missed++;
		return 0;
	}
	for (size_t i = u->fed; i < u->ngop; i++) {
		int r = feed(e, u, i, i == u->ngop - 1, err);

		if (r < 0)
			return -1;
		if (r > 0) {
			u->missed++;
			return 0;
		}
	}
	u->fed = u->ngop;
	u->last_target_valid = true;
	u->last_target_pts = last->pts;
	if (ag_mkv_flush(u->mkv, &we) < 0) {
		user_fail(e, u, &we);
		u->missed++;
		return 0;
	}
	return q_push(u, t, false, err);
}

/* Take the snapshots at times < limit (or <= limit when inclusive). */
static int
decide(struct cp_engine *e, struct user *u, int64_t limit, bool inclusive, struct ag_error *err)
{
	for (;;) {
		int64_t t = u->next_k * e->interval_us;

		if (inclusive ? t > limit : t >= limit)
			return 0;
		if (snapshot(e, u, t, err) < 0)
			return -1;
		u->next_k++;
	}
}

/* A size learnt later (0 before) or extradata given later is no change:
 * the decoder already reads both from the frames. */
static bool
same_codec(const struct user *u)
{
	bool size_same = (u->p_width == u->width && u->p_height == u->height) ||
	    u->width == 0 || u->p_width == 0;
	bool extra_same = (u->p_extra_len == u->extra_len &&
	    (u->extra_len == 0 || memcmp(u->p_extra, u->extra, u->extra_len) == 0)) ||
	    u->extra_len == 0 || u->p_extra_len == 0;

	return u->p_codec == u->codec && size_same && extra_same;
}

int
cp_engine_codec(struct cp_engine *e, uint32_t uid, int codec, int width, int height,
    const uint8_t *extradata, size_t extradata_len, struct ag_error *err)
{
	struct user *u;

	if (!ag_sub_wants(&e->o->sub, uid, AG_SUB_VIDEO))
		cp_engine_unsubscribed(e, uid);
	if (!cp_uid_wanted(e->o, uid))
		return 0;
	if ((u = find_user(e, uid, true)) == NULL)
		return ag_error_set(err, AG_EX_FAIL, "out of memory");
	free(u->p_extra);
	u->p_extra = NULL;
	u->p_extra_len = 0;
	if (extradata_len > 0) {
		if ((u->p_extra = malloc(extradata_len)) == NULL)
			return ag_error_set(err, AG_EX_FAIL, "out of memory");
		memcpy(u->p_extra, extradata, extradata_len);
		u->p_extra_len = extradata_len;
	}
	u->p_codec = codec;
	u->p_width = width;
	u->p_height = height;
	u->pending_codec = true;
	return 0;
}

/* Codec parameters announced before this frame take effect now. */
static int
apply_codec(struct cp_engine *e, struct user *u, bool keyframe, struct ag_error *err)
{
	u->pending_codec = false;
	if (u->have_codec && same_codec(u)) {
		return 0;
	}
	if (u->have_codec && child_end(e, u, err) < 0)
		return -1;
	free(u->extra);
	u->extra = u->p_extra;
	u->extra_len = u->p_extra_len;
	u->p_extra = NULL;
	u->p_extra_len = 0;
	u->codec = u->p_codec;
	u->width = u->p_width;
	u->height = u->p_height;
	u->have_codec = true;
	u->last_target_valid = false;
	if (!keyframe) {
		gop_clear(u);
		u->waitkey = true;
	}
	return 0;
}

int
cp_engine_frame(struct cp_engine *e, uint32_t uid, int64_t pts_us, bool keyframe,
    bool discont, const uint8_t *data, size_t len, struct ag_error *err)
{
	struct user *u;
	struct frame *ng, *f;

	if (!cp_uid_wanted(e->o, uid) || (u = find_user(e, uid, false)) == NULL)
		return 0;
	if (e->fatal.code)
		return -1;
	if (!u->started) {
		/* The first snapshot this user can have is at or after its first frame. */
		u->started = true;
		u->next_k = pts_us <= 0 ? 0 : (pts_us + e->interval_us - 1) / e->interval_us;
	}
	/* Frames were lost just before this one: what was displayed after the
	 * last frame we have is unknown, so those times get no snapshot. */
	if (discont) {
		int64_t k;

		if (u->ngop > 0 && !u->waitkey &&
		    decide(e, u, u->gop[u->ngop - 1].pts, true, err) < 0)
			return -1;
		k = pts_us <= 0 ? 0 : (pts_us + e->interval_us - 1) / e->interval_us;
		if (u->next_k < k)
			u->next_k = k;
	}
	if (decide(e, u, pts_us, false, err) < 0)
		return -1;
	if (u->pending_codec && apply_codec(e, u, keyframe, err) < 0)
		return -1;
	if (!u->have_codec || (u->codec != CP_H264 && u->codec != CP_VP8 && u->codec != CP_H265))
		return 0;
	if (u->failed) {
		/* Keep only the time, to count the snapshots this user misses. */
		gop_clear(u);
		if (!keyframe && (discont || u->waitkey)) {
			u->waitkey = true;
			return 0;
		}
		if (u->capgop == 0) {
			if ((u->gop = malloc(sizeof *u->gop)) == NULL)
				return ag_error_set(err, AG_EX_FAIL, "out of memory");
			u->capgop = 1;
		}
		u->gop[0] = (struct frame){ pts_us, NULL, 0 };
		u->ngop = 1;
		u->waitkey = false;
		return 0;
	}
	if (keyframe) {
		gop_clear(u);
		u->waitkey = false;
	} else if (discont || u->waitkey) {
		gop_clear(u);
		u->waitkey = true;
		return 0;
	}
	ng = ag_grow(u->gop, &u->capgop, u->ngop + 1, sizeof *ng);
	if (ng == NULL)
		return ag_error_set(err, AG_EX_FAIL, "out of memory");
	u->gop = ng;
	f = &u->gop[u->ngop];
	if ((f->data = malloc(len)) == NULL)
		return ag_error_set(err, AG_EX_FAIL, "out of memory");
	memcpy(f->data, data, len);
	f->len = len;
	f->pts = pts_us;
	u->ngop++;
	u->unfed_bytes += len;
	/* A GOP that never ends must not fill memory: feed it ahead of need. */
	if (u->unfed_bytes > UNFED_MAX && u->pid > 0 && !u->failed) {
		for (size_t i = u->fed; i < u->ngop; i++)
			if (feed(e, u, i, false, err) != 0)
				return u->failed ? 0 : -1;
		u->fed = u->ngop;
		u->last_target_valid = false;
	}
	return 0;
}

int
cp_engine_user_end(struct cp_engine *e, uint32_t uid, struct ag_error *err)
{
	struct user *u = find_user(e, uid, false);

	if (u == NULL)
		return 0;
	if (u->ngop > 0 && !u->waitkey &&
	    decide(e, u, u->gop[u->ngop - 1].pts, true, err) < 0)
		return -1;
	if (child_end(e, u, err) < 0)
		return -1;
	gop_clear(u);
	u->waitkey = true;
	u->last_target_valid = false;
	u->failed = false;
	return 0;
}

int
cp_engine_finish(struct cp_engine *e, struct ag_error *err)
{
	for (size_t i = 0; i < e->nusers; i++)
		if (cp_engine_user_end(e, e->users[i]->uid, err) < 0)
			return -1;
	return e->failures > 0 ? 1 : 0;
}

uint64_t
cp_engine_total(const struct cp_engine *e)
{
	uint64_t n = 0;

	for (size_t i = 0; i < e->nusers; i++)
		n += e->users[i]->written;
	return n;
}

void
cp_engine_summary(const struct cp_engine *e, FILE *f)
{
	fprintf(f, "%s: %llu snapshots", ag_progname(), (unsigned long long)cp_engine_total(e));
	for (size_t i = 0; i < e->nusers; i++) {
		fprintf(f, "%s uid %u: %llu", i == 0 ? ";" : ",", e->users[i]->uid,
		    (unsigned long long)e->users[i]->written);
		if (e->users[i]->missed)
			fprintf(f, " (%llu missed)", (unsigned long long)e->users[i]->missed);
	}
	fputc('\n', f);
}

void
cp_engine_unsubscribed(struct cp_engine *e, uint32_t uid)
{
	if (ag_sub_ignore(&e->unsub, uid, AG_SUB_VIDEO, 1) == 1 && !e->o->quiet)
		ag_msg("uid %lu: video not subscribed (--subscribeVideoUids), ignored",
		    (unsigned long)uid);
}

void
cp_engine_free(struct cp_engine *e)
{
	if (e == NULL)
		return;
	ag_sub_tally_free(&e->unsub);
	for (size_t i = 0; i < e->nusers; i++) {
		struct user *u = e->users[i];
		child_kill(u);
		gop_clear(u);
		free(u->gop);
		free(u->extra);
		free(u->p_extra);
		free(u->obuf);
		free(u->q);
		free(u->last_jpg);
		free(u);
	}
	free(e->users);
	free(e);
}
