/*
 * engine.c - the output clock and one tick of the composite: the layout
 * of the users present, every user's current frame drawn into its
 * region, the audio of the tick summed; and the folder input's run loop
 * (as fast as the decoders go).  The stream input's loop is in live.c.
 *
 * A tick is one output video frame (1/fps s), or 20 ms of audio when
 * the output is audio only.  Tick n covers [n/rate, (n+1)/rate) and its
 * audio samples are [n*48000/rate, (n+1)*48000/rate), computed from n.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "diag.h"
#include "fsutil.h"
#include "mix/image.h"
#include "mix/mix.h"
#include "stream.h"

volatile sig_atomic_t mx_hup;

static void
on_hup(int sig)
{
	(void)sig;
	mx_hup = 1;
}

void
mx_catch_hup(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
}

int64_t
mx_tick_time(const struct mx_engine *e, int64_t n)
{
	return n * 1000000 / e->tick_rate;
}

static int64_t
tick_sample(const struct mx_engine *e, int64_t n)
{
	return n * MX_RATE / e->tick_rate;
}

static int
load_image(const char *ffmpeg, const char *opt, const char *path, int w, int h,
    struct mx_frame **out, struct ag_error *err)
{
	if (access(path, R_OK) < 0)
		return ag_error_errno(err, MX_EX_NOINPUT, errno, "%s %s", opt, path);
	if (mx_image_load(ffmpeg, path, w, h, out, err) < 0) {
		char m[sizeof err->msg];
		snprintf(m, sizeof m, "%s", err->msg);
		return ag_error_set(err, err->code == AG_EX_UNAVAILABLE ? AG_EX_UNAVAILABLE :
		    AG_EX_DATAERR, "%s %s: %s", opt, path, m);
	}
	return 0;
}

/*
 * The watermarks of the layout custom (NULL: none), then those of the
 * options, prepared for the canvas into *out (NULL when none).  0, or
 * -1 with err (mx_wm_new's classes).
 */
static int
build_watermarks(const struct mx_engine *e, const struct mx_layout *custom, struct mx_wm **out,
    struct ag_error *err)
{
	struct ag_wm_spec *v;
	size_t n = custom != NULL ? custom->nwms : 0, nopt = 0, i;
	int rc = -1;

	*out = NULL;
	if ((v = calloc(n + 3, sizeof *v)) == NULL)
		return ag_error_set(err, AG_EX_FAIL, "out of memory");
	if (n > 0)
		memcpy(v, custom->wms, n * sizeof *v);	/* borrowed: not freed below */
	if (ag_wm_opts_specs(&e->o->wm, v + n, &nopt) < 0) {
		ag_error_set(err, AG_EX_FAIL, "out of memory");
		goto out;
	}
	rc = mx_wm_new(v, n + nopt, e->W, e->H, e->ffmpeg, out, err);
out:
	for (i = n; i < n + nopt; i++)
		ag_wm_spec_clear(&v[i]);
	free(v);
	return rc;
}

int
mx_engine_init(struct mx_engine *e, const struct mx_opts *o, const char *ffmpeg, bool live,
    struct ag_error *err)
{
	struct ag_error warn;
	uint32_t bg = MX_DEFAULT_BG;

	memset(e, 0, sizeof *e);
	e->o = o;
	e->ffmpeg = ffmpeg;
	e->live = live;
	e->W = o->width;
	e->H = o->height;
	e->tick_rate = o->audio_only ? 50 : o->fps;
	e->channels = mx_audio_channels(o);
	e->layout_dirty = true;
	mx_speaker_init(e);
	if (o->has_bg_color)
		bg = o->bg_color;
	if (o->layout_file != NULL) {
		ag_error_clear(&warn);
		if (mx_layout_load(o->layout_file, &e->custom, &warn, err) < 0)
			return -1;
		if (warn.code != 0)
			ag_msg("%s", warn.msg);
		e->has_custom = true;
		if (e->custom.has_bg)
			bg = e->custom.bg_rgb;
		if (e->custom.canvas_w > 0 && (e->custom.canvas_w != e->W || e->custom.canvas_h != e->H))
			ag_msg("--layout %s: canvas %dx%d: the canvas is --mixResolution's %dx%d",
			    o->layout_file, e->custom.canvas_w, e->custom.canvas_h, e->W, e->H);
	}
	e->nsamples_max = (size_t)(MX_RATE / e->tick_rate + 2) * (size_t)e->channels;
	e->mixbuf = calloc(e->nsamples_max, sizeof *e->mixbuf);
	if (e->mixbuf == NULL)
		return ag_error_set(err, AG_EX_FAIL, "out of memory");
	if (o->audio_only)
		return 0;
	if ((e->canvas = mx_frame_new(e->W, e->H)) == NULL)
		return ag_error_set(err, AG_EX_FAIL, "out of memory");
	if (o->video_bg != NULL) {
		if (load_image(ffmpeg, "--defaultVideoBg", o->video_bg, e->W, e->H, &e->bg, err) < 0)
			return -1;
	} else {
		if ((e->bg = mx_frame_new(e->W, e->H)) == NULL)
			return ag_error_set(err, AG_EX_FAIL, "out of memory");
		mx_frame_fill(e->bg, bg);
	}
	if (o->user_bg != NULL &&
	    load_image(ffmpeg, "--defaultUserBg", o->user_bg, 0, 0, &e->user_bg, err) < 0)
		return -1;
	return build_watermarks(e, e->has_custom ? &e->custom : NULL, &e->wm, err);
}

void
mx_engine_free(struct mx_engine *e)
{
	for (size_t i = 0; i < e->ntracks; i++)
		mx_track_free(e->tracks[i]);
	free(e->tracks);
	for (size_t i = 0; i < e->nusers; i++)
		mx_frame_free(e->users[i].last);
	free(e->users);
	mx_speaker_free(e);
	mx_layout_free(&e->custom);
	mx_layout_free(&e->cur);
	mx_frame_free(e->canvas);
	mx_frame_free(e->bg);
	mx_frame_free(e->user_bg);
	mx_wm_free(e->wm);
	free(e->mixbuf);
	free(e->tmpbuf);
	free(e->ins);
	memset(e, 0, sizeof *e);
}

int
mx_engine_add_track(struct mx_engine *e, struct mx_track *t)
{
	struct mx_track **p = ag_grow(e->tracks, &e->captracks, e->ntracks + 1, sizeof *p);

	if (p == NULL)
		return -1;
	e->tracks = p;
	e->tracks[e->ntracks++] = t;
	return 0;
}

struct mx_user *
mx_engine_user(struct mx_engine *e, uint32_t uid, bool create)
{
	struct mx_user *p;

	for (size_t i = 0; i < e->nusers; i++)
		if (e->users[i].uid == uid)
			return &e->users[i];
	if (!create)
		return NULL;
	if ((p = ag_grow(e->users, &e->capusers, e->nusers + 1, sizeof *p)) == NULL)
		return NULL;
	e->users = p;
	memset(&e->users[e->nusers], 0, sizeof e->users[0]);
	e->users[e->nusers].uid = uid;
	return &e->users[e->nusers++];
}

void
mx_engine_set_present(struct mx_engine *e, struct mx_user *u, bool present)
{
	if (u->present == present)
		return;
	u->present = present;
	if (present)
		u->order = ++e->join_seq;	/* a user who comes back goes to the end */
	e->layout_dirty = true;
}

void
mx_engine_reload(struct mx_engine *e)
{
	struct mx_layout l;
	struct ag_error err, warn;
	struct mx_wm *wm = NULL;

	if (e->o->layout_file == NULL) {
		ag_msg("SIGHUP: no --layout file to reload");
		return;
	}
	memset(&l, 0, sizeof l);
	ag_error_clear(&warn);
	if (mx_layout_load(e->o->layout_file, &l, &warn, &err) < 0) {
		ag_msg("SIGHUP: %s; keeping the current layout at %.3f s", err.msg,
		    (double)mx_tick_time(e, e->n) / 1e6);
		return;
	}
	if (warn.code != 0)
		ag_msg("%s", warn.msg);
	if (e->canvas != NULL && build_watermarks(e, &l, &wm, &err) < 0) {
		ag_msg("SIGHUP: %s; keeping the current layout at %.3f s", err.msg,
		    (double)mx_tick_time(e, e->n) / 1e6);
		mx_layout_free(&l);
		return;
	}
	mx_wm_free(e->wm);
	e->wm = wm;
	mx_layout_free(&e->custom);
	e->custom = l;
	e->has_custom = true;
	e->layout_dirty = true;
	if (!e->o->quiet)
		ag_msg("SIGHUP: layout %s reloaded (%zu regions) at %.3f s", e->o->layout_file, l.n,
		    (double)mx_tick_time(e, e->n) / 1e6);
}

static void
update_layout(struct mx_engine *e)
{
	uint32_t *uids = calloc(e->nusers + 1, sizeof *uids);
	size_t n = 0, dropped = 0;
	struct mx_layout l;
	struct ag_error err;

	if (uids == NULL)
		return;
	/* present users in join order */
	for (size_t i = 0; i < e->nusers; i++) {
		if (e->users[i].present)
			uids[n++] = e->users[i].uid;
	}
	/* insertion sort by order */
	for (size_t i = 1; i < n; i++) {
		uint32_t u = uids[i];
		struct mx_user *ui = mx_engine_user(e, u, false);
		size_t k = i;
		while (k > 0 && mx_engine_user(e, uids[k - 1], false)->order > ui->order) {
			uids[k] = uids[k - 1];
			k--;
		}
		uids[k] = u;
	}
	memset(&l, 0, sizeof l);
	if (!e->has_custom && e->o->layout_mode == 3) {
		uint32_t main;
		bool has = mx_speaker_main(e, uids, n, &main);
		size_t k = 0;
		while (k < n && uids[k] != main)
			k++;
		if (has && k == n)
			uids[n++] = main;	/* a speaker who left keeps the main region */
		if (mx_layout_builtin(3, uids, n, e->W, e->H, has, main, &l, &dropped, &err) < 0) {
			ag_msg("layout: %s", err.msg);
			free(uids);
			return;
		}
	} else if (e->has_custom) {
		if (mx_layout_assign(&e->custom, uids, n, &l) < 0) {
			free(uids);
			return;
		}
	} else if (mx_layout_builtin(e->o->layout_mode, uids, n, e->W, e->H, e->o->has_max_uid,
	    e->o->max_uid, &l, &dropped, &err) < 0) {
		ag_msg("layout: %s", err.msg);
		free(uids);
		return;
	}
	if (dropped > e->warned_dropped) {
		ag_msg("layout %d: %zu of %zu users do not fit on the canvas and are not shown",
		    e->o->layout_mode, dropped, n);
		e->warned_dropped = dropped;
	}
	mx_layout_free(&e->cur);
	e->cur = l;
	e->layout_dirty = false;
	free(uids);
}

static bool
track_on(const struct mx_track *t, int64_t tn)
{
	return t->spawned && !t->failed && t->start_us <= tn && tn < t->end_us;
}

/* A participant's stream that is over: its decoded frames and samples go. */
static void
drop_buffers(struct mx_track *t)
{
	free(t->slots);
	t->slots = NULL;
	free(t->abuf);
	t->abuf = NULL;
	t->alen = 0;
	t->have = 0;
	t->shown = -1;
}
/* The video track of uid on screen at tn: the one that started last. */
static struct mx_track *
video_of(struct mx_engine *e, uint32_t uid, int64_t tn)
{
	struct mx_track *best = NULL;

	for (size_t i = 0; i < e->ntracks; i++) {
		struct mx_track *t = e->tracks[i];
		if (t->video && t->uid == uid && track_on(t, tn) && (best == NULL || t->start_us >= best->start_us))
			best = t;
	}
	return best;
}

static void
put_frame(struct mx_sink *s, const struct mx_frame *f)
{
	if (f->ys == f->w && f->u == f->y + (size_t)f->w * (size_t)f->h &&
	    f->v == f->u + (size_t)f->us * (size_t)((f->h + 1) / 2) && f->us == (f->w + 1) / 2 &&
	    f->vs == f->us) {
		/* packed (mx_frame_new): one write, no copy when the pipe takes it */
		mx_sink_send(s, f->y, ag_stream_i420_size((unsigned)f->w, (unsigned)f->h));
		return;
	}
	for (int y = 0; y < f->h; y++)
		mx_sink_put(s, f->y + (size_t)y * (size_t)f->ys, (size_t)f->w);
	for (int y = 0; y < (f->h + 1) / 2; y++)
		mx_sink_put(s, f->u + (size_t)y * (size_t)f->us, (size_t)(f->w + 1) / 2);
	for (int y = 0; y < (f->h + 1) / 2; y++)
		mx_sink_put(s, f->v + (size_t)y * (size_t)f->vs, (size_t)(f->w + 1) / 2);
}

/* --keepLastFrame: keep a copy of the frame px of t that u shows now,
 * for when u's video stops (copied once per new frame). */
static void
keep_frame(struct mx_user *u, const struct mx_track *t, const uint8_t *px)
{
	struct mx_frame src;

	if (u->last != NULL && u->last_t == t && u->last_shown == t->shown)
		return;
	if (u->last != NULL && (u->last->w != t->w || u->last->h != t->h)) {
		mx_frame_free(u->last);
		u->last = NULL;
	}
	if (u->last == NULL && (u->last = mx_frame_new(t->w, t->h)) == NULL)
		return;	/* out of memory: the background, as without the option */
	mx_frame_wrap(&src, t->w, t->h, (uint8_t *)px);
	mx_frame_copy(u->last, &src);
	u->last_t = t;
	u->last_shown = t->shown;
}

static void
compose(struct mx_engine *e, int64_t tn)
{
	size_t order[256], n = e->cur.n < 256 ? e->cur.n : 256;
	bool stale = false, undecoded = false;

	mx_frame_copy(e->canvas, e->bg);
	/* ascending zOrder, ties in list order (a stable insertion sort) */
	for (size_t i = 0; i < n; i++) {
		size_t k = i;
		while (k > 0 && e->cur.regions[order[k - 1]].z > e->cur.regions[i].z) {
			order[k] = order[k - 1];
			k--;
		}
		order[k] = i;
	}
	for (size_t i = 0; i < n; i++) {
		const struct mx_region *r = &e->cur.regions[order[i]];
		struct mx_user *u;
		struct mx_track *t = NULL;
		const uint8_t *px = NULL;
		struct mx_rect rect;

		if (!r->has_uid || (u = mx_engine_user(e, r->uid, false)) == NULL ||
		    (!u->present && (!e->o->keep_last || u->last == NULL)))
			continue;	/* an absent user: the background */
		mx_region_rect(r, e->W, e->H, &rect);
		if (rect.w <= 0 || rect.h <= 0)
			continue;
		if (u->present && !u->vmuted && (t = video_of(e, r->uid, tn)) != NULL &&
		    (px = mx_track_frame_at(t, tn, e->o->fps)) != NULL) {
			if (e->live && !t->eof && mx_frame_time(t, t->shown, e->o->fps) <
			    tn - 2 * 1000000 / e->o->fps)
				stale = true;
			mx_frame_wrap(&e->srcf, t->w, t->h, (uint8_t *)px);
			mx_draw(e->canvas, &rect, &e->srcf, r->render_mode, r->alpha);
			if (e->o->keep_last)
				keep_frame(u, t, px);
		} else if (e->o->keep_last && u->last != NULL) {
			mx_draw(e->canvas, &rect, u->last, r->render_mode, r->alpha);
		} else if (e->user_bg != NULL) {
			mx_draw(e->canvas, &rect, e->user_bg, MX_RENDER_CROP, r->alpha);
		}
		/* on, but no frame of its time decoded yet (a decoder starting
		 * or behind on a loaded machine) */
		if (e->live && t != NULL && px == NULL && !t->eof)
			undecoded = true;
	}
	if (stale)
		e->nstale++;
	if (undecoded)
		e->nundecoded++;
	/* above every user, in their order */
	mx_wm_draw(e->wm, e->canvas, e->wall0_ms + tn / 1000);
}

static int
mix_audio(struct mx_engine *e, int64_t n)
{
	int64_t s0 = tick_sample(e, n), s1 = tick_sample(e, n + 1);
	int64_t t0 = mx_tick_time(e, n), t1 = mx_tick_time(e, n + 1);
	size_t ns = (size_t)(s1 - s0) * (size_t)e->channels, k = 0;

	if (e->ntracks > e->capin) {
		free(e->tmpbuf);
		free(e->ins);
		e->capin = e->captracks;
		e->tmpbuf = malloc(e->capin * e->nsamples_max * sizeof *e->tmpbuf);
		e->ins = malloc(e->capin * sizeof *e->ins);
		if (e->tmpbuf == NULL || e->ins == NULL) {
			e->capin = 0;
			return -1;
		}
	}
	for (size_t i = 0; i < e->ntracks; i++) {
		struct mx_track *t = e->tracks[i];
		struct mx_user *u;
		int16_t *buf;
		if (t->video || !t->spawned || t->failed || t->start_us >= t1 || t->end_us <= t0)
			continue;
		buf = e->tmpbuf + k * e->nsamples_max;
		mx_track_audio_take(t, s0, s1, buf);
		u = mx_engine_user(e, t->uid, false);
		if (u != NULL && !u->amuted && u->present) {
			e->ins[k++] = buf;
			mx_speaker_audio(e, t->uid, buf, ns);
		}
	}
	mx_speaker_tick_end(e, t1);
	mx_audio_sum(e->mixbuf, e->ins, k, ns);
	mx_sink_put(&e->out->asink, e->mixbuf, ns * sizeof *e->mixbuf);
	return 0;
}

void
mx_engine_emit(struct mx_engine *e)
{
	int64_t tn = mx_tick_time(e, e->n);

	if (mx_hup) {
		mx_hup = 0;
		mx_engine_reload(e);
	}
	mx_speaker_apply(e, tn);
	if (e->layout_dirty)
		update_layout(e);
	if (e->canvas != NULL && e->out->vsink.fd >= 0) {
		compose(e, tn);
		put_frame(&e->out->vsink, e->canvas);
	}
	mix_audio(e, e->n);
	e->n++;
}

bool
mx_engine_room(const struct mx_engine *e)
{
	size_t frame = ag_stream_i420_size((unsigned)e->W, (unsigned)e->H);

	return (e->out->vsink.fd < 0 || mx_sink_room(&e->out->vsink) >= frame) &&
	    mx_sink_room(&e->out->asink) >= e->nsamples_max * sizeof(int16_t);
}

void
mx_engine_reap(struct mx_engine *e, bool kill_all)
{
	int64_t tn = mx_tick_time(e, e->n);

	for (size_t i = 0; i < e->ntracks; i++) {
		struct mx_track *t = e->tracks[i];
		if (t->done && t->end_us <= tn && (t->slots != NULL || t->abuf != NULL)) {
			drop_buffers(t);
		}
		if (!t->spawned || t->done)
			continue;
		if (kill_all || t->eof) {
			bool counted = t->failed;	/* said and counted when it failed */
			/* live, a decoder that fails loses its user mid-stream: said
			 * even with --quiet (which agrec-record always passes) */
			if (!mx_track_stop(t, !t->eof, e->o->quiet && !e->live) && !counted)
				e->nfailed++;
		}
	}
}

/* ---- folder input ---- */

static void
progress(const struct mx_engine *e, int64_t total, int64_t start, bool last)
{
	double el = (double)(ag_mono_us() - start) / 1e6, done = (double)mx_tick_time(e, e->n) / 1e6;

	fprintf(stderr, "\r%s: %3d%% %.1fx%s", ag_progname(), (int)(100 * e->n / (total ? total : 1)),
	    el > 0 ? done / el : 0.0, last ? "\n" : "");
}

/* Start the decoders of clips that begin within 2 s; stop those that
 * ended.  Returns false when a decoder could not be started. */
static void
folder_schedule(struct mx_engine *e, int64_t tn)
{
	struct ag_error err;

	for (size_t i = 0; i < e->ntracks; i++) {
		struct mx_track *t = e->tracks[i];
		if (!t->spawned && !t->failed && t->start_us - 2000000 <= tn && t->end_us > tn) {
			if (mx_track_spawn_folder(t, e->ffmpeg, e->o->fps, e->o->quiet, &err) < 0) {
				ag_msg("%s", err.msg);
				e->nfailed++;
			}
		}
		if (t->spawned && !t->done && t->end_us <= tn) {
			if (!mx_track_stop(t, true, e->o->quiet))
				e->nfailed++;
			drop_buffers(t);
		}
	}
}

/* Presence from the clips: a user is in the channel while one of their
 * clips is. */
static void
folder_presence(struct mx_engine *e, int64_t tn)
{
	for (size_t i = 0; i < e->nusers; i++) {
		bool p = false;
		for (size_t k = 0; k < e->ntracks && !p; k++) {
			const struct mx_track *t = e->tracks[k];
			p = t->uid == e->users[i].uid && t->start_us <= tn && tn < t->end_us;
		}
		mx_engine_set_present(e, &e->users[i], p);
	}
}

static bool
folder_ready(struct mx_engine *e, int64_t n, bool *progressed)
{
	int64_t tn = mx_tick_time(e, n), t1 = mx_tick_time(e, n + 1), s1 = tick_sample(e, n + 1);
	bool ready = true;

	for (size_t i = 0; i < e->ntracks; i++) {
		struct mx_track *t = e->tracks[i];
		if (!t->spawned || t->failed || t->done)
			continue;
		if (mx_track_read(t))
			*progressed = true;
		if (t->video) {
			if (e->canvas == NULL || !track_on(t, tn))
				continue;
			mx_track_frame_at(t, tn, e->o->fps);
			if (!mx_track_video_ready(t, tn, e->o->fps))
				ready = false;
		} else if (t->start_us < t1 && t->end_us > tn && !mx_track_audio_ready(t, s1)) {
			ready = false;
		}
	}
	return ready;
}

/* Folder tracks whose decoder ended: reap them now, so that a decoder
 * that failed shows its user as absent. */
static void
folder_reap_eof(struct mx_engine *e)
{
	for (size_t i = 0; i < e->ntracks; i++) {
		struct mx_track *t = e->tracks[i];
		if (t->spawned && !t->done && t->eof && (!t->video || t->partial == 0)) {
			if (!mx_track_stop(t, false, e->o->quiet))
				e->nfailed++;
		}
	}
}

/* Nothing came from the decoders for MX_STALL_US: the ones holding the
 * composite back are stopped and their users shown as absent. */
static void
folder_unstall(struct mx_engine *e, int64_t tn)
{
	int64_t s1 = tick_sample(e, e->n + 1), t1 = mx_tick_time(e, e->n + 1);

	for (size_t i = 0; i < e->ntracks; i++) {
		struct mx_track *t = e->tracks[i];
		bool late;
		if (!t->spawned || t->failed || t->done)
			continue;
		late = t->video ? track_on(t, tn) && !mx_track_video_ready(t, tn, e->o->fps) :
		    t->start_us < t1 && t->end_us > tn && !mx_track_audio_ready(t, s1);
		if (!late)
			continue;
		ag_msg("%s: the decoder gave nothing for %d s: stopped, its user is left out",
		    t->path, (int)(MX_STALL_US / 1000000));
		mx_track_stop(t, true, true);
		t->failed = true;
		e->nfailed++;
	}
}

static int
sinks_poll(struct mx_engine *e, struct pollfd *p, size_t *np)
{
	struct mx_sink *s[2] = { &e->out->vsink, &e->out->asink };

	for (int i = 0; i < 2; i++) {
		if (s[i]->fd >= 0 && !s[i]->failed && s[i]->len > 0) {
			p[*np].fd = s[i]->fd;
			p[*np].events = POLLOUT;
			(*np)++;
		}
	}
	return 0;
}

static int
sinks_flush(struct mx_engine *e, struct ag_error *err)
{
	struct mx_sink *s[2] = { &e->out->vsink, &e->out->asink };

	for (int i = 0; i < 2; i++)
		if (mx_sink_flush(s[i]) < 0)
			return ag_error_errno(err, s[i] == &e->out->asink && e->out->audio_pcm ?
			    AG_EX_IOERR : AG_EX_FAIL, s[i]->errnum, "%s", s[i]->name);
	return 0;
}

int
mx_finish_outputs(struct mx_engine *e, const struct mx_opts *o, int status, bool closed)
{
	struct ag_error err;
	int64_t dur_ms = mx_tick_time(e, e->n) / 1000;

	if (mx_outputs_close(e->out, &err) < 0) {
		ag_msg("%s", err.msg);
		if (status == 0)
			status = err.code;
	}
	if (mx_outputs_txt(e->out, o, dur_ms, closed, &err) < 0) {
		ag_msg("%s", err.msg);
		if (status == 0)
			status = err.code;
	}
	return status;
}

void
mx_print_outputs(const struct mx_outputs *out)
{
	const char *p[4] = { out->aac, out->mp4, out->txt, out->pcm_path };

	if (out->pcm_stdout)
		return;		/* stdout carries the PCM */
	for (int i = 0; i < 4; i++)
		if (p[i] != NULL)
			printf("%s\n", p[i]);
	fflush(stdout);
}

int
mx_run_folder(struct mx_engine *e, const struct mx_folder *f, const char *outdir)
{
	struct mx_outputs out;
	struct ag_error err;
	int64_t total = (f->end_us * e->tick_rate + 999999) / 1000000, start = ag_mono_us();
	int64_t lastp = 0;
	int64_t lastwork = start;
	bool tty = !e->o->quiet && isatty(2);
	int status = 0;
	struct pollfd *p = NULL;

	for (size_t i = 0; i < f->nclips; i++) {
		struct mx_track *t;
		if (f->clips[i].video && e->o->audio_only)
			continue;
		if ((t = mx_track_folder(&f->clips[i], e->o->fps, e->channels)) == NULL ||
		    mx_engine_add_track(e, t) < 0 || mx_engine_user(e, t->uid, true) == NULL) {
			ag_msg("out of memory");
			return AG_EX_FAIL;
		}
	}
	if (e->has_custom) {
		for (size_t i = 0; i < e->custom.n; i++)
			if (e->custom.regions[i].has_uid && mx_engine_user(e, e->custom.regions[i].uid, false) == NULL)
				ag_msg("--layout %s: region %zu: uid %u is not in the recording: "
				    "the region shows the background", e->o->layout_file, i,
				    (unsigned)e->custom.regions[i].uid);
	}
	if ((p = calloc(e->ntracks + 4, sizeof *p)) == NULL)
		return AG_EX_FAIL;
	e->wall0_ms = f->base_ms;
	e->out = &out;
	if (mx_outputs_open(&out, e->o, e->ffmpeg, outdir, f->ts, false, &err) < 0) {
		ag_msg("%s", err.msg);
		mx_outputs_free(&out);
		free(p);
		return err.code ? err.code : AG_EX_FAIL;
	}
	mx_outputs_txt(&out, e->o, 0, false, &err);
	while (e->n < total && !fe_stop_signal) {
		int64_t tn = mx_tick_time(e, e->n);
		size_t np = 0;

		bool progressed = false;

		if (mx_hup) {
			/* now, not at the next frame: a slow decoder may hold it back */
			mx_hup = 0;
			mx_engine_reload(e);
		}
		folder_schedule(e, tn);
		folder_presence(e, tn);
		if (folder_ready(e, e->n, &progressed)) {
			if (mx_engine_room(e)) {
				lastwork = ag_mono_us();
				mx_engine_emit(e);
				if (sinks_flush(e, &err) < 0) {
					ag_msg("%s", err.msg);
					status = err.code;
					break;
				}
				if (tty && ag_mono_us() - lastp > 500000) {
					progress(e, total, start, false);
					lastp = ag_mono_us();
				}
				continue;
			}
		} else {
			folder_reap_eof(e);
		}
		if (progressed)
			lastwork = ag_mono_us();
		else if (ag_mono_us() - lastwork > MX_STALL_US)
			folder_unstall(e, tn);
		for (size_t i = 0; i < e->ntracks; i++) {
			struct mx_track *t = e->tracks[i];
			if (t->spawned && !t->done && mx_track_wants_read(t)) {
				p[np].fd = t->out_fd;
				p[np].events = POLLIN;
				np++;
			}
		}
		sinks_poll(e, p, &np);
		if (np > 0 && poll(p, np, 1000) < 0 && errno != EINTR) {
			ag_msg("poll: %s", strerror(errno));
			status = AG_EX_FAIL;
			break;
		}
		if (sinks_flush(e, &err) < 0) {
			ag_msg("%s", err.msg);
			status = err.code;
			break;
		}
	}
	if (tty)
		progress(e, total, start, true);
	mx_engine_reap(e, true);
	if (fe_stop_signal && status == 0) {
		ag_msg("interrupted at %.3f s of %.3f s: the files hold what was mixed",
		    (double)mx_tick_time(e, e->n) / 1e6, (double)f->end_us / 1e6);
		status = AG_EX_FAIL;
	}
	status = mx_finish_outputs(e, e->o, status, true);
	if (status == 0 && e->nfailed > 0) {
		ag_msg("%d decoder(s) failed: their users are missing from the composite", e->nfailed);
		status = AG_EX_FAIL;
	}
	mx_print_outputs(&out);
	mx_outputs_free(&out);
	e->out = NULL;
	free(p);
	return status;
}
