/*
 * live.c - agrec-mix on a channel stream (agrec-stream(5)): records
 * become participants and decoder tracks, and the output clock runs on
 * the channel's time.  Output time 0 is the first media record's pts.
 * Tick n is emitted once the stream's time has passed n/fps + latency,
 * or the wall clock has (so the background keeps flowing while nobody
 * sends); a decoder that is late is shown with its last frame, and its
 * audio is silence for that tick.  A stream in a regular file is read at
 * the pace of its time stamps, as if it were live.
 *
 * Records are read ahead of the picture: by --latency, and by more when
 * the output falls behind (a slow encoder on a loaded machine).  So a
 * join, leave or mute is queued with its time and applied when the
 * output clock reaches it, never when it is read: a leave read early
 * would blank its user (and silence them) before they left.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "diag.h"
#include "fsutil.h"
#include "mix/mix.h"
#include "mkv.h"
#include "names.h"
#include "stream.h"

/* What a queued presence record does. */
enum ev_what { EV_PRESENT, EV_VMUTE, EV_AMUTE };

struct pres_ev {
	int64_t t_us;               /* channel time */
	uint32_t uid;
	enum ev_what what;
	bool on;
};

struct live {
	struct mx_engine *e;
	const char *outdir;
	struct mx_outputs out;
	bool started;               /* first media seen: outputs open */
	int64_t wall_us;            /* channel record: wall clock at channel time 0 */
	bool have_channel;
	int64_t T0;                 /* channel time of output 0 */
	int64_t m0;                 /* monotonic clock at output 0 */
	int64_t stream_us;          /* latest channel time seen, output clock */
	bool ended;
	int status;
	/* the reading loop (mx_run_stream) */
	int fd;                     /* the channel stream */
	bool paced;                 /* a file replayed in real time */
	struct ag_stream_reader *rd;
	struct ag_stream_rec rec;   /* the record read, when held */
	bool held;                  /* rec read but not yet due (paced) */
	bool eof;                   /* no more records will be read */
	int64_t end_deadline;       /* after eof: until when decoders may flush */
	struct pollfd *p;
	size_t capp;
	struct ag_sub_tally unsub;  /* what --autoSubscribe 0 left out */
	struct pres_ev *ev;         /* joins, leaves, mutes not yet applied, in time order */
	size_t nev, capev;
};

/* Queue a presence record at channel time t (after those at the same
 * time: records of one time keep their order).  false when out of memory. */
static bool
queue_ev(struct live *L, int64_t t, uint32_t uid, enum ev_what what, bool on)
{
	struct pres_ev *v = ag_grow(L->ev, &L->capev, L->nev + 1, sizeof *v);
	size_t k;

	if (v == NULL) {
		ag_msg("out of memory");
		return false;
	}
	L->ev = v;
	for (k = L->nev; k > 0 && v[k - 1].t_us > t; k--)
		;
	memmove(v + k + 1, v + k, (L->nev - k) * sizeof *v);
	v[k] = (struct pres_ev){ t, uid, what, on };
	L->nev++;
	return true;
}

/* Whether uid has a presence change waiting. */
static bool
ev_pending(const struct live *L, uint32_t uid)
{
	for (size_t i = 0; i < L->nev; i++)
		if (L->ev[i].uid == uid && L->ev[i].what == EV_PRESENT)
			return true;
	return false;
}

/* Apply the queued records whose time the output clock has reached. */
static void
apply_due(struct live *L, int64_t tn)
{
	struct mx_engine *e = L->e;
	size_t k = 0;

	for (; k < L->nev && L->ev[k].t_us - L->T0 <= tn; k++) {
		const struct pres_ev *v = &L->ev[k];
		struct mx_user *u = mx_engine_user(e, v->uid, false);
		if (u == NULL)
			continue;
		if (v->what == EV_PRESENT)
			mx_engine_set_present(e, u, v->on);
		else if (v->what == EV_VMUTE)
			u->vmuted = v->on;
		else
			u->amuted = v->on;
	}
	memmove(L->ev, L->ev + k, (L->nev - k) * sizeof *L->ev);
	L->nev -= k;
}

/* Compose and mix the next tick, with the presence of its time. */
static void
emit_tick(struct live *L)
{
	struct mx_engine *e = L->e;
	int64_t tn = mx_tick_time(e, e->n);

	apply_due(L, tn);
	mx_engine_emit(e);
	/* the frames whose time has passed go, drawn or not: a user sending
	 * video while muted or without a region must not fill its decoder's
	 * slots, block it, and fail it once its input backs up */
	for (size_t i = 0; i < e->ntracks; i++)
		if (e->tracks[i]->video && e->tracks[i]->slots != NULL)
			mx_track_frame_at(e->tracks[i], tn, e->o->fps);
}

/* The uid's current track of a kind (the last one not ended). */
static struct mx_track *
current(struct mx_engine *e, uint32_t uid, bool video)
{
	for (size_t i = e->ntracks; i-- > 0;) {
		struct mx_track *t = e->tracks[i];
		if (t->uid == uid && t->video == video && t->end_us == INT64_MAX)
			return t;
	}
	return NULL;
}

static void
end_track(struct mx_track *t, int64_t at)
{
	if (t->end_us == INT64_MAX)
		t->end_us = at > t->start_us ? at : t->start_us;
	mx_track_end_input(t);
}

static int
start_outputs(struct live *L, int64_t pts)
{
	struct ag_error err;
	char ts[AG_TS_LEN + 1];

	L->T0 = pts;
	L->m0 = ag_mono_us();
	if (!L->have_channel)
		ag_msg("the stream has no channel record first: the file time is now");
	L->e->wall0_ms = L->have_channel ? (L->wall_us + pts) / 1000 : (int64_t)time(NULL) * 1000;
	ag_ts_from_ms(L->e->wall0_ms, ts);
	L->e->out = &L->out;
	if (mx_outputs_open(&L->out, L->e->o, L->e->ffmpeg, L->outdir, ts, true, &err) < 0) {
		ag_msg("%s", err.msg);
		return err.code ? err.code : AG_EX_FAIL;
	}
	mx_outputs_txt(&L->out, L->e->o, 0, false, &err);
	L->started = true;
	if (!L->e->o->quiet)
		ag_msg("composite %s in %s", ts, L->outdir);
	return 0;
}

static void
on_codec(struct live *L, const struct ag_stream_codec *c)
{
	struct mx_engine *e = L->e;
	bool video = c->kind == AG_STREAM_VIDEO;
	struct mx_track *t;
	struct ag_error err;
	int64_t at = L->started ? c->t_us - L->T0 : 0;
	int w = c->width, h = c->height;

	if (mx_excluded(e->o, c->uid) || (video && e->o->audio_only) ||
	    !mx_subscribed(e->o, &L->unsub, c->uid, video))
		return;
	if ((t = current(e, c->uid, video)) != NULL)
		end_track(t, at);
	if (video && (w == 0 || h == 0)) {
		ag_msg("uid %u: video codec record without a size: scaled to the canvas", (unsigned)c->uid);
		w = e->W;
		h = e->H;
	}
	t = mx_track_new(c->uid, video, INT64_MAX / 2, w, h, e->channels, e->o->fps, true);
	if (t == NULL || mx_engine_add_track(e, t) < 0) {
		mx_track_free(t);
		ag_msg("out of memory");
		return;
	}
	if (mx_track_spawn_live(t, e->ffmpeg, e->o->fps, c->codec, (int)c->sample_rate, c->channels,
	    c->extradata, c->extradata_len, e->o->quiet, &err) < 0) {
		ag_msg("%s: the decoder did not start (%s): shown as absent", t->what, err.msg);
		t->failed = true;
		/* else it stays current: restarted by the next media (on_media) */
		if (!t->restartable)
			t->end_us = at;
		e->nfailed++;
	}
}

/*
 * The decoder of t failed (or ended while it still had input): start a
 * new one from the same codec record at this media (for video, a
 * keyframe), at most MX_RESTARTS times, so that a user survives a
 * decoder that was killed or stopped taking frames on a loaded machine.
 * Returns the new track, or NULL (t stays failed: its user absent).
 */
static struct mx_track *
restart(struct live *L, struct mx_track *t, int64_t pts, bool key)
{
	struct mx_engine *e = L->e;
	struct mx_track *n;
	struct ag_error err;

	if (!t->restartable || t->restarts >= MX_RESTARTS || (t->video && !key))
		return NULL;
	end_track(t, pts);
	n = mx_track_new(t->uid, t->video, INT64_MAX / 2, t->w, t->h, e->channels, e->o->fps, true);
	if (n == NULL || mx_engine_add_track(e, n) < 0) {
		mx_track_free(n);
		ag_msg("out of memory");
		return NULL;
	}
	n->restarts = t->restarts + 1;
	if (mx_track_spawn_live(n, e->ffmpeg, e->o->fps, t->codec, t->in_rate, t->in_channels,
	    t->extra, t->extra_len, e->o->quiet, &err) < 0) {
		ag_msg("%s: the decoder did not start again (%s)", n->what, err.msg);
		n->failed = true;
		return NULL;
	}
	ag_msg("%s: a new decoder from %.3f s (restart %d of at most %d)", n->what,
	    (double)pts / 1e6, n->restarts, MX_RESTARTS);
	return n;
}

static void
on_media(struct live *L, const struct ag_stream_media *m)
{
	struct mx_track *t = current(L->e, m->uid, m->kind == AG_STREAM_VIDEO);
	struct ag_error err;
	bool key = (m->flags & AG_STREAM_F_KEYFRAME) != 0;

	if (t != NULL && (t->failed || (t->done && t->pcm == NULL)))
		t = restart(L, t, m->pts_us - L->T0, key);
	if (t == NULL || t->failed)
		return;
	if (mx_track_feed(t, m->pts_us - L->T0, key, m->data, m->len, &err) < 0) {
		ag_msg("%s: the decoder stopped taking frames (%s): shown as absent", t->what, err.msg);
		L->e->nfailed++;
	}
}

/*
 * The stream's time moved to t (output clock).  It may run ahead of the
 * wall clock (a stream read faster than real time) by at most the
 * latency + 2 s: a time stamp far in the future (a sender's clock gone
 * wrong, an end record on another base) must not make the composite
 * race through hours of background.
 */
static void
stream_advance(struct live *L, int64_t t)
{
	int64_t cap = ag_mono_us() - L->m0 + (int64_t)L->e->o->latency_ms * 1000 + 2000000;

	if (t > cap)
		t = cap;
	if (t > L->stream_us)
		L->stream_us = t;
}

/* Act on one record.  Returns 0, or an exit status to stop with. */
static int
on_record(struct live *L, const struct ag_stream_rec *r)
{
	struct mx_engine *e = L->e;
	struct mx_user *u;
	int64_t t;

	switch (r->type) {
	case AG_STREAM_CHANNEL:
		L->wall_us = r->u.channel.wall_us;
		L->have_channel = true;
		break;
	case AG_STREAM_JOIN:
		if (mx_excluded(e->o, r->u.join.uid) ||
		    !ag_sub_wants_any(&e->o->sub, r->u.join.uid))
			break;
		if (mx_engine_user(e, r->u.join.uid, true) != NULL)
			queue_ev(L, r->u.join.t_us, r->u.join.uid, EV_PRESENT, true);
		break;
	case AG_STREAM_LEAVE:
		if ((u = mx_engine_user(e, r->u.leave.uid, false)) == NULL)
			break;
		queue_ev(L, r->u.leave.t_us, u->uid, EV_PRESENT, false);
		t = L->started ? r->u.leave.t_us - L->T0 : 0;
		for (size_t i = 0; i < e->ntracks; i++)
			if (e->tracks[i]->uid == u->uid)
				end_track(e->tracks[i], t);
		break;
	case AG_STREAM_CODEC:
		on_codec(L, &r->u.codec);
		break;
	case AG_STREAM_MUTE:
		if (mx_engine_user(e, r->u.mute.uid, false) != NULL)
			queue_ev(L, r->u.mute.t_us, r->u.mute.uid, r->u.mute.kind ==
			    AG_STREAM_VIDEO ? EV_VMUTE : EV_AMUTE, r->u.mute.muted);
		break;
	case AG_STREAM_MEDIA:
		if (mx_excluded(e->o, r->u.media.uid) || !mx_subscribed(e->o, &L->unsub,
		    r->u.media.uid, r->u.media.kind == AG_STREAM_VIDEO))
			break;
		if (!L->started) {
			int s = start_outputs(L, r->u.media.pts_us);
			if (s != 0)
				return s;
		}
		stream_advance(L, r->u.media.pts_us - L->T0);
		/* a participant whose join record was lost: present from this media */
		if ((u = mx_engine_user(e, r->u.media.uid, true)) != NULL && !u->present &&
		    !ev_pending(L, u->uid) &&
		    current(e, r->u.media.uid, r->u.media.kind == AG_STREAM_VIDEO) != NULL)
			queue_ev(L, r->u.media.pts_us, u->uid, EV_PRESENT, true);
		on_media(L, &r->u.media);
		break;
	case AG_STREAM_LEVELS:
		/* before the first media there is no output clock: nothing to show */
		if (L->started)
			mx_speaker_levels(e, r->u.levels.t_us - L->T0,
			    (int64_t)r->u.levels.interval_ms * 1000,
			    (r->u.levels.flags & AG_STREAM_LEVELS_F_ACTIVE) != 0,
			    r->u.levels.active_uid);
		break;
	case AG_STREAM_END:
		/* the composite lasts until the recording stopped, as the SDK's
		 * goes on to the idle limit */
		if (L->started)
			stream_advance(L, r->u.end.t_us - L->T0);
		L->ended = true;
		break;
	default:
		break;
	}
	return 0;
}

/* The channel time at which a record happens (for pacing), or INT64_MIN. */
static int64_t
rec_time(const struct ag_stream_rec *r)
{
	switch (r->type) {
	case AG_STREAM_MEDIA:
		return r->u.media.pts_us;
	case AG_STREAM_LEAVE:
		return r->u.leave.t_us;
	default:	/* the end is not waited for: the media before it were */
		return INT64_MIN;
	}
}

static bool
tick_due(struct live *L, int64_t now)
{
	int64_t tn = mx_tick_time(L->e, L->e->n), lat = (int64_t)L->e->o->latency_ms * 1000;

	return L->stream_us >= tn + lat || now - L->m0 >= tn + lat;
}

static int
flush_sinks(struct live *L)
{
	struct mx_sink *s[2] = { &L->out.vsink, &L->out.asink };

	for (int i = 0; i < 2; i++) {
		if (mx_sink_flush(s[i]) < 0) {
			ag_msg("%s: %s", s[i]->name, strerror(s[i]->errnum));
			return s[i] == &L->out.asink && L->out.audio_pcm ? AG_EX_IOERR : AG_EX_FAIL;
		}
	}
	return 0;
}

/* Read the records that are due (all of them unless paced), lowering
 * *timeout to when the next one is due. */
static void
read_records(struct live *L, int64_t now, int *timeout)
{
	struct mx_engine *e = L->e;
	struct ag_error err;
	int r;

	while (!L->eof && !L->ended) {
		if (!L->held) {
			r = ag_stream_read(L->rd, &L->rec, &err);
			if (r == AG_STREAM_AGAIN)
				break;
			if (r == 0) {
				L->eof = true;
				break;
			}
			if (r < 0) {
				ag_msg("%s: %s", e->o->input && strcmp(e->o->input, "-") ? e->o->input :
				    "standard input", err.msg);
				L->status = err.code;
				L->eof = true;
				break;
			}
			L->held = true;
		}
		/* a time more than a minute ahead is taken as a broken
		 * clock, not waited for */
		if (L->paced && L->started && rec_time(&L->rec) != INT64_MIN &&
		    rec_time(&L->rec) - L->T0 > now - L->m0 &&
		    rec_time(&L->rec) - L->T0 < now - L->m0 + 60000000) {
			int64_t w = (rec_time(&L->rec) - L->T0 - (now - L->m0)) / 1000 + 1;
			if (w < *timeout)
				*timeout = (int)w;
			break;	/* not yet: a file is replayed in real time */
		}
		L->held = false;
		if ((r = on_record(L, &L->rec)) != 0) {
			L->status = r;
			L->eof = true;
			break;
		}
	}
}

/* Emit the output frames that are due, flush the sinks and lower *timeout
 * to the next tick.  true when the composite is finished (or failed). */
static bool
run_ticks(struct live *L, int64_t now, int *timeout)
{
	struct mx_engine *e = L->e;
	bool all_eof = true;
	int s;

	if (!L->started)
		return L->eof;
	for (size_t i = 0; i < e->ntracks; i++)
		if (e->tracks[i]->spawned && !e->tracks[i]->done)
			all_eof = false;
	if (L->eof) {
		/* the last ticks, up to the last time seen */
		while (mx_tick_time(e, e->n) < L->stream_us && mx_engine_room(e) &&
		    (all_eof || now >= L->end_deadline || tick_due(L, now)))
			emit_tick(L);
		if (mx_tick_time(e, e->n) >= L->stream_us || L->status != 0)
			return true;
		if (now > L->end_deadline + MX_STALL_US) {
			ag_msg("the encoder stopped taking frames: giving up");
			L->status = AG_EX_FAIL;
			return true;
		}
	} else {
		while (tick_due(L, now) && mx_engine_room(e))
			emit_tick(L);
	}
	if ((s = flush_sinks(L)) != 0) {
		if (L->status == 0 || L->status == AG_EX_DATAERR)
			L->status = s;
		return true;
	}
	if (!L->eof) {
		int64_t due = L->m0 + mx_tick_time(e, e->n) + (int64_t)e->o->latency_ms * 1000;
		int w = due > now ? (int)((due - now) / 1000) + 1 : 0;
		if (w < *timeout)
			*timeout = w;
	} else {
		*timeout = 20;
	}
	return false;
}

/* The descriptors to wait for: the stream, the decoders' inputs (pending
 * Matroska) and outputs, the sinks with data.  Their number, or -1. */
static int
poll_set(struct live *L)
{
	struct mx_engine *e = L->e;
	size_t np = 0;

	if (L->capp < e->ntracks * 2 + 4) {
		L->capp = e->ntracks * 2 + 16;
		free(L->p);
		if ((L->p = calloc(L->capp, sizeof *L->p)) == NULL)
			return -1;
	}
	if (!L->eof && !L->held && !L->paced) {
		L->p[np].fd = L->fd;
		L->p[np++].events = POLLIN;
	}
	for (size_t i = 0; i < e->ntracks; i++) {
		struct mx_track *t = e->tracks[i];
		struct ag_error e2;
		if (t->mkv != NULL && ag_mkv_pending(t->mkv) > 0) {
			if (ag_mkv_drain(t->mkv, &e2) < 0) {
				ag_msg("%s: the decoder stopped taking frames (%s): shown as "
				    "absent", t->what, e2.msg);
				t->failed = true;
				e->nfailed++;
				mx_track_end_input(t);
			} else if (ag_mkv_pending(t->mkv) > 0) {
				L->p[np].fd = t->in_fd;
				L->p[np++].events = POLLOUT;
			}
		}
		if (t->closing && t->mkv != NULL && ag_mkv_pending(t->mkv) == 0)
			mx_track_end_input(t);	/* all taken: now the child may see its end */
		if (t->spawned && !t->done && mx_track_wants_read(t)) {
			L->p[np].fd = t->out_fd;
			L->p[np++].events = POLLIN;
		}
	}
	if (L->started) {
		struct mx_sink *s[2] = { &L->out.vsink, &L->out.asink };
		for (int i = 0; i < 2; i++)
			if (s[i]->fd >= 0 && !s[i]->failed && s[i]->len > 0) {
				L->p[np].fd = s[i]->fd;
				L->p[np++].events = POLLOUT;
			}
	}
	return (int)np;
}

/* One pass of the loop: read, decode, tick, wait.  true when finished. */
static bool
step(struct live *L)
{
	struct mx_engine *e = L->e;
	int64_t now = ag_mono_us();
	int timeout = 100, np;

	if (fe_stop_signal && !L->eof) {
		if (!e->o->quiet)
			ag_msg("signal %d: finishing the composite", (int)fe_stop_signal);
		L->eof = true;
	}
	read_records(L, now, &timeout);
	if (L->ended)
		L->eof = true;
	if (L->eof && L->end_deadline == 0) {
		/* no more input: let the decoders flush, for at most latency + 1 s */
		for (size_t i = 0; i < e->ntracks; i++)
			mx_track_end_input(e->tracks[i]);
		L->end_deadline = now + (int64_t)e->o->latency_ms * 1000 + 1000000;
	}
	for (size_t i = 0; i < e->ntracks; i++)
		if (e->tracks[i]->spawned && !e->tracks[i]->done)
			mx_track_read(e->tracks[i]);
	mx_engine_reap(e, false);
	if (mx_hup && !L->started) {
		mx_hup = 0;
		mx_engine_reload(e);
	}
	if (run_ticks(L, now, &timeout))
		return true;
	if ((np = poll_set(L)) < 0) {
		L->status = AG_EX_FAIL;
		return true;
	}
	if (poll(L->p, (nfds_t)np, timeout < 0 ? 0 : timeout) < 0 && errno != EINTR) {
		ag_msg("poll: %s", strerror(errno));
		L->status = AG_EX_FAIL;
		return true;
	}
	return false;
}

int
mx_run_stream(struct mx_engine *e, int fd, bool paced, const char *outdir)
{
	struct live L;
	struct ag_error err;

	memset(&L, 0, sizeof L);
	L.e = e;
	L.outdir = outdir;
	L.fd = fd;
	L.paced = paced;
	if (!paced)
		ag_fd_nonblock(fd);
	if ((L.rd = ag_stream_reader_new(fd, &err)) == NULL) {
		ag_msg("%s", err.msg);
		return AG_EX_FAIL;
	}
	while (!step(&L))
		;
	mx_engine_reap(e, true);
	/* late frames are how a loaded machine shows: said even with --quiet */
	if (L.started && e->canvas != NULL && (!e->o->quiet || e->nstale + e->nundecoded > 0))
		ag_msg("%lld frames, %lld showing a participant more than 2 frames late, %lld "
		    "one whose video was not decoded in time", (long long)e->n,
		    (long long)e->nstale, (long long)e->nundecoded);
	if (L.started) {
		L.status = mx_finish_outputs(e, e->o, L.status, true);
		mx_print_outputs(&L.out);
		mx_outputs_free(&L.out);
	} else if (L.status == 0) {
		if (!e->o->quiet)
			ag_msg("the stream had no media: nothing written");
	}
	e->out = NULL;
	if (L.status == 0 && e->nfailed > 0) {
		ag_msg("%d decoder(s) failed: their users are missing from the composite", e->nfailed);
		L.status = AG_EX_FAIL;	/* as from a folder (agrec-mix(1), EXIT STATUS) */
	}
	ag_stream_reader_free(L.rd);
	ag_sub_tally_free(&L.unsub);
	free(L.ev);
	free(L.p);
	return L.status;
}
