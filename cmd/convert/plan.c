/*
 * plan.c - which outputs a folder gives in each mode, and where every
 * clip goes on each output's timeline (agora-format.md sections 3.4-3.6,
 * with the fixes of 3.9).  Pure: no I/O besides messages.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "adts.h"
#include "buf.h"
#include "convert/convert.h"
#include "num.h"

int64_t
cv_frames_at(int64_t ms, int fps)
{
	return (ms * fps + 500) / 1000;
}

int64_t
cv_audio_lead(const struct cv_clip *cl)
{
	int rate = cl->ps.sample_rate > 0 ? cl->ps.sample_rate : 48000;

	if (cl->video || cl->kind != AG_MEDIA_AAC)
		return 0;
	return ((int64_t)AG_AAC_PRIMING * 48000 + rate / 2) / rate;
}

/* A window of session time [a, b) placed at output time o. */
struct window {
	int64_t a, b, o;
	const struct cv_txt *txt;
};

struct plist {
	struct cv_place *v;
	size_t n, cap;
};

static int
plist_add(struct plist *p, const struct cv_clip *cl, int64_t out, int64_t skip, int64_t dur)
{
	struct cv_place *v = ag_grow(p->v, &p->cap, p->n + 1, sizeof *v);

	if (v == NULL)
		return -1;
	p->v = v;
	p->v[p->n].clip = cl;
	p->v[p->n].out_ms = out;
	p->v[p->n].skip_ms = skip;
	p->v[p->n].dur_ms = dur;
	p->n++;
	return 0;
}

static bool
wanted(const struct cv_clip *cl, int mode)
{
	if (cl->dropped)
		return false;
	if (mode == 2)
		return !cl->video;
	if (mode == 3)
		return cl->video;
	return true;
}

/* The span [first create, last end] of a txt's wanted clips. */
static bool
txt_span(const struct cv_txt *t, int mode, int64_t *a, int64_t *b)
{
	size_t i;
	bool any = false;

	for (i = 0; i < t->nclips; i++) {
		const struct cv_clip *cl = &t->clips[i];
		int64_t s = cl->create_ms < cl->start_ms ? cl->create_ms : cl->start_ms;
		if (!wanted(cl, mode))
			continue;
		if (!any || s < *a)
			*a = s;
		if (!any || cl->end_ms > *b)
			*b = cl->end_ms;
		any = true;
	}
	return any;
}

static int
place_cmp(const void *x, const void *y)
{
	const struct cv_place *p = x, *q = y;

	return ag_cmp_i64(p->out_ms, q->out_ms);
}

/* Sort and cut overlaps: a later clip starts at its own time and cuts the earlier one. */
static void
settle(struct cv_ctx *c, struct plist *p, const char *what, const char *out_name)
{
	size_t i, k = 0;

	/* qsort is not stable; keep the txt order for equal starts by a tie-free key. */
	for (i = 1; i < p->n; i++) {
		size_t j = i;
		struct cv_place tmp = p->v[i];
		while (j > 0 && place_cmp(&p->v[j - 1], &tmp) > 0) {
			p->v[j] = p->v[j - 1];
			j--;
		}
		p->v[j] = tmp;
	}
	for (i = 0; i < p->n; i++) {
		if (i + 1 < p->n && p->v[i].out_ms + p->v[i].dur_ms > p->v[i + 1].out_ms) {
			cv_warn(c, "%s: %s clips %s and %s overlap; the earlier is cut at %lld ms",
			    out_name, what, p->v[i].clip->file, p->v[i + 1].clip->file,
			    (long long)p->v[i + 1].out_ms);
			p->v[i].dur_ms = p->v[i + 1].out_ms - p->v[i].out_ms;
		}
		if (p->v[i].dur_ms > 0)
			p->v[k++] = p->v[i];
	}
	p->n = k;
}

static int
even_up(int v)
{
	return v + (v & 1);
}

const char *
cv_out_vcodec(const struct cv_job *j)
{
	if (j->copy_video && j->nvideo > 0 && strcmp(j->video[0].clip->ps.codec, "hevc") == 0)
		return "hevc";
	return "h264";
}

/* Decide whether every video clip of j can be stream-copied. */
static bool
copyable(const struct cv_opts *o, const struct cv_job *j)
{
	size_t i;
	const char *profile = NULL;

	if (o->reencode || j->nvideo == 0)
		return false;
	for (i = 0; i < j->nvideo; i++) {
		const struct cv_clip *cl = j->video[i].clip;
		int r;
		/* H.264 or H.265 (hvc1), all clips alike: the concat demuxer
		 * takes one codec */
		if (cl->kind != AG_MEDIA_MP4 || (strcmp(cl->ps.codec, "h264") != 0 &&
		    strcmp(cl->ps.codec, "hevc") != 0) ||
		    strcmp(cl->ps.codec, j->video[0].clip->ps.codec) != 0)
			return false;
		if (strcmp(cl->ps.pix_fmt, "yuv420p") != 0)
			return false;
		if (cl->ps.width != j->width || cl->ps.height != j->height)
			return false;
		if (cl->width != j->width || cl->height != j->height)
			return false;
		for (r = 0; r < cl->nrots; r++)
			if (cl->rots[r].rotation != 0)
				return false;
		if (cl->ps.fps_den != 1 || cl->ps.fps_num != j->fps)
			return false;
		/* B-frames would make the cut points (by DTS) ambiguous. */
		if (strstr(cl->ps.profile, "Baseline") == NULL && cl->ps.has_b_frames)
			return false;
		if (j->video[i].skip_ms != 0)
			return false;
		if (profile != NULL && strcmp(profile, cl->ps.profile) != 0)
			return false;
		/* The concat demuxer does not rescale: one time base for all. */
		if (cl->ps.tb_num != 1 || cl->ps.tb_den <= 0 ||
		    cl->ps.tb_den != j->video[0].clip->ps.tb_den)
			return false;
		profile = cl->ps.profile;
	}
	return true;
}

/*
 * Every audio clip can be copied when it is ADTS AAC-LC at 48 kHz with
 * the output's channel count and starts with its placement; it is then
 * placed to the nearest AAC frame (21.3 ms) instead of to the sample.
 */
static bool
audio_copyable(const struct cv_opts *o, const struct cv_job *j)
{
	size_t i;

	if (o->reencode || j->naudio == 0)
		return false;
	for (i = 0; i < j->naudio; i++) {
		const struct cv_clip *cl = j->audio[i].clip;
		if (cl->kind != AG_MEDIA_AAC || cl->adts_samples <= 0)
			return false;
		if (cl->ps.sample_rate != 48000 || strcmp(cl->ps.profile, "LC") != 0)
			return false;
		if (cl->ps.channels != (j->channels >= 2 ? 2 : 1) || j->audio[i].skip_ms != 0)
			return false;
	}
	return true;
}

/*
 * With --audioCodec opus, the audio is copied when it is one Ogg Opus
 * clip with the output's channel count that fills the output's audio:
 * placed at 0 and nothing of it cut by the txt.  It moves with the first
 * video frame (j->audio_shift, up to half a frame: the MP4 edit list
 * leaves out what falls before 0), so it may end up to one frame before
 * the output.  Anything else (gaps, cuts, several clips, AAC) is encoded.
 */
static bool
opus_copyable(const struct cv_opts *o, const struct cv_job *j)
{
	const struct cv_place *p = j->audio;

	if (o->reencode || j->naudio != 1 || p->clip->kind != AG_MEDIA_OPUS)
		return false;
	if (p->clip->ps.channels != (j->channels >= 2 ? 2 : 1) || p->skip_ms != 0)
		return false;
	if (p->out_ms != 0 || p->dur_ms != j->dur_ms)
		return false;
	return p->clip->opus_samples - j->audio_shift >= j->dur_ms * 48 - 48000 / j->fps;
}

/* Turn a list of windows into one job. */
static int
make_job(struct cv_ctx *c, const struct window *w, size_t nw, enum cv_out_kind kind,
    const char *name, uint32_t uid, int session, const char *txt, struct cv_job *j)
{
	const struct cv_opts *o = c->opts;
	struct plist au = { 0 }, vi = { 0 };
	size_t k, i;
	int maxw = 0, maxh = 0, ch = 0;

	memset(j, 0, sizeof *j);
	snprintf(j->name, sizeof j->name, "%s", name);
	j->kind = kind;
	j->uid = uid;
	j->session = session;
	snprintf(j->txt, sizeof j->txt, "%s", txt ? txt : "");
	j->fps = o->fps;
	for (k = 0; k < nw; k++) {
		const struct cv_txt *t = w[k].txt;
		for (i = 0; i < t->nclips; i++) {
			const struct cv_clip *cl = &t->clips[i];
			int64_t s, e;
			int r;
			if (!wanted(cl, c->opts->mode))
				continue;
			if (cl->video && kind == CV_OUT_AUDIO)
				continue;
			if (!cl->video && kind == CV_OUT_VIDEO)
				continue;
			s = cl->video ? cl->start_ms : cl->create_ms;
			e = cl->end_ms;
			if (s < w[k].a)
				s = w[k].a;
			if (e > w[k].b)
				e = w[k].b;
			if (e <= s)
				continue;
			if (plist_add(cl->video ? &vi : &au, cl, w[k].o + (s - w[k].a),
			    s - (cl->video ? cl->start_ms : cl->create_ms), e - s) < 0)
				goto nomem;
			if (cl->video) {
				for (r = 0; r < cl->nrots; r++) {
					int dw, dh;
					cv_display_size(cl, cl->rots[r].rotation, &dw, &dh);
					if (dw > maxw)
						maxw = dw;
					if (dh > maxh)
						maxh = dh;
				}
			} else if (cl->ps.channels > ch) {
				ch = cl->ps.channels;
			}
		}
		j->dur_ms = w[k].o + (w[k].b - w[k].a);
	}
	settle(c, &au, "audio", name);
	settle(c, &vi, "video", name);
	j->audio = au.v;
	j->naudio = au.n;
	j->video = vi.v;
	j->nvideo = vi.n;
	j->channels = ch > 2 ? 2 : ch;
	if (o->width > 0) {
		j->width = o->width;
		j->height = o->height;
	} else {
		j->width = even_up(maxw);
		j->height = even_up(maxh);
	}
	/*
	 * The first video clip starts on the output's frame grid, up to
	 * half a frame from its own time: the audio moves with it, so that
	 * the two keep the time they had between them.
	 */
	if (j->nvideo > 0 && j->naudio > 0) {
		int64_t ms = j->video[0].out_ms;
		j->audio_shift = ms * 48 - cv_frames_at(ms, j->fps) * 48000 / j->fps;
	}
	j->copy_video = copyable(o, j);
	j->opus = o->opus;
	j->copy_audio = o->opus ? opus_copyable(o, j) : audio_copyable(o, j);
	return 0;
nomem:
	free(au.v);
	free(vi.v);
	return -1;
}

struct jlist {
	struct cv_job *v;
	size_t n, cap;
};

static struct cv_job *
jlist_new(struct jlist *l)
{
	struct cv_job *v = ag_grow(l->v, &l->cap, l->n + 1, sizeof *v);

	if (v == NULL)
		return NULL;
	l->v = v;
	return &l->v[l->n++];
}

static bool
has_kind(const struct cv_txt *t, size_t n, int mode, bool video)
{
	size_t i, k;

	for (k = 0; k < n; k++)
		for (i = 0; i < t[k].nclips; i++)
			if (wanted(&t[k].clips[i], mode) && t[k].clips[i].video == video)
				return true;
	return false;
}

static int
plan_mode0(struct cv_ctx *c, const struct cv_folder *f, struct jlist *jl)
{
	size_t i;

	for (i = 0; i < f->ntxts; i++) {
		const struct cv_txt *t = &f->txts[i];
		struct window w;
		struct cv_job *j;
		char name[128];
		bool video;

		if (!txt_span(t, 0, &w.a, &w.b)) {
			cv_warn(c, "%s/%s: nothing to convert in this txt; no output", f->dir, t->name);
			continue;
		}
		w.o = 0;
		w.txt = t;
		video = has_kind(t, 1, 0, true);
		snprintf(name, sizeof name, "%lu_%s%s", (unsigned long)t->uid, t->ts,
		    video ? "_av.mp4" : ".m4a");
		if ((j = jlist_new(jl)) == NULL)
			return -1;
		if (make_job(c, &w, 1, video ? CV_OUT_AV : CV_OUT_AUDIO, name, t->uid, -1,
		    t->name, j) < 0) {
			jl->n--;
			return -1;
		}
	}
	return 0;
}

static int
plan_session(struct cv_ctx *c, const struct cv_folder *f, const struct cv_txt *t,
    size_t n, struct jlist *jl)
{
	const struct cv_opts *o = c->opts;
	struct window *w;
	size_t k, nw = 0;
	int64_t prev_end = 0, out = 0;
	bool video, audio;
	enum cv_out_kind kind;
	char name[128];
	struct cv_job *j;
	int rc = -1;

	video = has_kind(t, n, o->mode, true);
	audio = has_kind(t, n, o->mode, false);
	if (o->mode == 1)
		kind = video ? CV_OUT_AV : CV_OUT_AUDIO;
	else
		kind = o->mode == 2 ? CV_OUT_AUDIO : CV_OUT_VIDEO;
	if ((kind == CV_OUT_AUDIO && !audio) || (kind != CV_OUT_AUDIO && !video)) {
		cv_warn(c, "%s: uid %lu session %d has no %s; no output", f->dir,
		    (unsigned long)t[0].uid, t[0].session, o->mode == 2 ? "audio" :
		    o->mode == 3 ? "video" : "media");
		return 0;
	}
	if ((w = calloc(n, sizeof *w)) == NULL)
		return -1;
	for (k = 0; k < n; k++) {
		int64_t a, b;
		if (!txt_span(&t[k], o->mode, &a, &b))
			continue;
		if (o->saving) {
			w[nw].a = a;
			w[nw].b = b;
		} else {
			/* The absence before this txt becomes black and silence. */
			w[nw].a = prev_end;
			w[nw].b = b > prev_end ? b : prev_end;
			prev_end = w[nw].b;
		}
		w[nw].o = out;
		w[nw].txt = &t[k];
		out += w[nw].b - w[nw].a;
		nw++;
	}
	snprintf(name, sizeof name, "%lu_%d_%s", (unsigned long)t[0].uid, t[0].session,
	    kind == CV_OUT_AV ? "merge_av.mp4" : kind == CV_OUT_AUDIO ? "merge.m4a" : "merge.mp4");
	if ((j = jlist_new(jl)) == NULL)
		goto out;
	if (make_job(c, w, nw, kind, name, t[0].uid, t[0].session, NULL, j) < 0) {
		jl->n--;
		goto out;
	}
	rc = 0;
out:
	free(w);
	return rc;
}

int
cv_plan(struct cv_ctx *c, const struct cv_folder *f, struct cv_job **jobs, size_t *njobs,
    struct ag_error *err)
{
	struct jlist jl = { 0 };
	size_t i, k;
	int rc;

	if (c->opts->mode == 0) {
		rc = plan_mode0(c, f, &jl);
	} else {
		rc = 0;
		for (i = 0; i < f->ntxts && rc == 0; i = k) {
			for (k = i + 1; k < f->ntxts; k++)
				if (f->txts[k].uid != f->txts[i].uid ||
				    f->txts[k].session != f->txts[i].session)
					break;
			rc = plan_session(c, f, &f->txts[i], k - i, &jl);
		}
	}
	if (rc < 0) {
		cv_jobs_free(jl.v, jl.n);
		return ag_error_errno(err, AG_EX_FAIL, ENOMEM, "plan");
	}
	*jobs = jl.v;
	*njobs = jl.n;
	return 0;
}

void
cv_jobs_free(struct cv_job *jobs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(jobs[i].audio);
		free(jobs[i].video);
	}
	free(jobs);
}
