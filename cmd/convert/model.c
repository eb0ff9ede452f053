/*
 * model.c - a recording folder as users -> sessions -> txt files -> clips
 * (agora-format.md sections 2.4 and 3.3).
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "convert.h"
#include "adts.h"
#include "fsutil.h"
#include "reclog.h"

static struct cv_clip *
clip_for(struct cv_clip **clips, size_t *n, size_t *cap, const struct ag_txt_line *l)
{
	size_t i;
	struct cv_clip *cl;

	for (i = 0; i < *n; i++)
		if (strcmp((*clips)[i].file, l->file) == 0)
			return &(*clips)[i];
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		struct cv_clip *p = realloc(*clips, ncap * sizeof *p);
		if (p == NULL)
			return NULL;
		*clips = p;
		*cap = ncap;
	}
	cl = &(*clips)[(*n)++];
	memset(cl, 0, sizeof *cl);
	snprintf(cl->file, sizeof cl->file, "%s", l->file);
	cl->kind = l->media.kind;
	cl->video = ag_media_is_video(l->media.kind);
	cl->create_ms = cl->start_ms = cl->end_ms = -1;
	cl->width = cl->height = -1;
	cl->probed_dur = -1;
	return cl;
}

int
cv_clips_from_txt(const struct ag_txt *t, struct cv_clip **clipsp, size_t *np)
{
	struct cv_clip *clips = NULL, *cl;
	size_t n = 0, cap = 0, i;
	bool seen_info;

	for (i = 0; i < t->nlines; i++) {
		const struct ag_txt_line *l = &t->lines[i];
		if ((cl = clip_for(&clips, &n, &cap, l)) == NULL) {
			free(clips);
			return -1;
		}
		seen_info = cl->nrots > 0;
		switch (l->event) {
		case AG_TXT_CREATE:
			if (cl->create_ms < 0)
				cl->create_ms = l->t_ms;
			if (cl->start_ms < 0)
				cl->start_ms = l->t_ms;
			break;
		case AG_TXT_VINFO:
			/* Every converter takes the info time as the clip start. */
			if (!seen_info) {
				cl->start_ms = l->t_ms;
				cl->width = l->width;
				cl->height = l->height;
				cl->rots[0].t_ms = l->t_ms;
				cl->rots[0].rotation = l->rotation;
				cl->nrots = 1;
			}
			break;
		case AG_TXT_ROTATE:
			if (cl->nrots == 0) {
				cl->rots[0].t_ms = cl->start_ms >= 0 ? cl->start_ms : l->t_ms;
				cl->rots[0].rotation = 0;
				cl->nrots = 1;
			}
			if (cl->nrots < CV_MAX_ROTS) {
				cl->rots[cl->nrots].t_ms = l->t_ms;
				cl->rots[cl->nrots].rotation = l->rotation;
				cl->nrots++;
			}
			break;
		case AG_TXT_CLOSE:
			cl->end_ms = l->t_ms;
			cl->has_close = true;
			break;
		case AG_TXT_CODECSWITCH:
			cl->codecswitch = true;
			break;
		case AG_TXT_AINFO:
			break;
		}
		if (cl->create_ms < 0)
			cl->create_ms = l->t_ms;
		if (cl->start_ms < 0)
			cl->start_ms = l->t_ms;
	}
	for (i = 0; i < n; i++) {
		cl = &clips[i];
		if (cl->video && cl->nrots == 0) {
			cl->rots[0].t_ms = cl->start_ms;
			cl->rots[0].rotation = 0;
			cl->nrots = 1;
		}
		cl->rots[0].t_ms = cl->start_ms;
	}
	*clipsp = clips;
	*np = n;
	return 0;
}

void
cv_display_size(const struct cv_clip *cl, int rotation, int *w, int *h)
{
	if (rotation == 90 || rotation == 270) {
		*w = cl->height;
		*h = cl->width;
	} else {
		*w = cl->width;
		*h = cl->height;
	}
}

static int
txt_cmp(const void *a, const void *b)
{
	const struct cv_txt *x = a, *y = b;

	if (x->uid != y->uid)
		return x->uid < y->uid ? -1 : 1;
	return strcmp(x->ts, y->ts);
}

/*
 * An ADTS file is read directly: its exact length and format come from
 * its frame headers (ffprobe only estimates an ADTS duration), and no
 * process is started.  Returns -1 to fall back to ffprobe.
 */
static int
adts_probe(const char *path, struct cv_clip *cl)
{
	struct ag_adts_info ai;

	if (ag_adts_scan(path, &ai, NULL) < 0 || ai.frames == 0 || !ai.uniform ||
	    ai.channels == 0)
		return -1;
	memset(&cl->ps, 0, sizeof cl->ps);
	cl->ps.present = true;
	strcpy(cl->ps.codec, "aac");
	strcpy(cl->ps.profile, ai.profile == 2 ? "LC" : ai.profile == 1 ? "Main" : "other");
	cl->ps.sample_rate = ai.sample_rate;
	cl->ps.channels = ai.channels;
	cl->ps.nb_frames = ai.frames;
	cl->ps.duration = (double)ai.samples / ai.sample_rate;
	cl->probed_dur = cl->ps.duration;
	cl->adts_samples = ai.samples;
	return 0;
}

/* Check the media file of a clip, probe it, and drop it if unusable. */
static void
check_clip(struct cv_ctx *c, const char *dir, const struct cv_txt *t, struct cv_clip *cl)
{
	char *path = ag_path_join(dir, cl->file);
	struct ag_probe pr;
	struct ag_error e = { 0 };
	long long size;

	if (path == NULL) {
		cl->dropped = true;
		return;
	}
	size = ag_file_size(path);
	if (size == -1) {
		cv_warn(c, "%s/%s: %s is missing; skipped", dir, t->name, cl->file);
		cl->dropped = true;
		goto out;
	}
	if (size == -2) {
		cv_warn(c, "%s/%s: %s is not a regular file; skipped", dir, t->name, cl->file);
		cl->dropped = true;
		goto out;
	}
	if (size == 0) {
		cv_warn(c, "%s/%s: %s is empty; skipped", dir, t->name, cl->file);
		cl->dropped = true;
		goto out;
	}
	if (cl->kind == AG_MEDIA_AAC && adts_probe(path, cl) == 0)
		goto probed;
	if (ag_probe_file(c->ffprobe, path, &pr, &e) < 0) {
		cv_warn(c, "%s/%s: %s cannot be read (%s); skipped", dir, t->name, cl->file, e.msg);
		cl->dropped = true;
		goto out;
	}
	cl->ps = cl->video ? pr.video : pr.audio;
	if (!cl->ps.present) {
		cv_warn(c, "%s/%s: %s has no %s stream; skipped", dir, t->name, cl->file,
		    cl->video ? "video" : "audio");
		cl->dropped = true;
		goto out;
	}
	cl->probed_dur = cl->ps.duration >= 0 ? cl->ps.duration : pr.duration;
probed:
	if (cl->video && cl->width <= 0) {
		cl->width = cl->ps.width;
		cl->height = cl->ps.height;
	}
	if (!cl->has_close) {
		if (cl->probed_dur < 0) {
			cv_warn(c, "%s/%s: %s has no close line and no known duration; skipped",
			    dir, t->name, cl->file);
			cl->dropped = true;
			goto out;
		}
		cl->end_ms = cl->start_ms + (int64_t)(cl->probed_dur * 1000 + 0.5);
		cv_warn(c, "%s/%s: %s has no close line; it ends at %lld.%03lld s by its probed duration",
		    dir, t->name, cl->file, (long long)(cl->end_ms / 1000), (long long)(cl->end_ms % 1000));
	}
	if (cl->end_ms - cl->start_ms < 1000) {
		cv_note(c, "%s/%s: %s lasts %lld ms, less than 1 s; dropped", dir, t->name,
		    cl->file, (long long)(cl->end_ms - cl->start_ms));
		cl->dropped = true;
	}
out:
	free(path);
}

void
cv_sessions_assign(struct cv_ctx *c, struct cv_folder *f)
{
	size_t i;

	qsort(f->txts, f->ntxts, sizeof *f->txts, txt_cmp);
	for (i = 0; i < f->ntxts; i++) {
		struct cv_txt *t = &f->txts[i];
		bool first = i == 0 || f->txts[i - 1].uid != t->uid;
		if (first) {
			if (!t->opens_session)
				cv_warn(c, "%s/%s: the first txt of uid %lu has no 0.000 line; "
				    "it opens session 0 all the same", f->dir, t->name, (unsigned long)t->uid);
			t->session = 0;
		} else {
			t->session = f->txts[i - 1].session + (t->opens_session ? 1 : 0);
		}
	}
}

/*
 * The recorder's no-video notes (agrec-folder(5)): a user of a txt whose
 * video packets gave no video file is worth a warning, since the output
 * then has no picture although the user sent one.
 */
static void
check_novideo(struct cv_ctx *c, const struct cv_folder *f)
{
	char *path = ag_path_join(f->dir, "recording.log"), line[2048];
	FILE *log = path ? fopen(path, "re") : NULL;
	size_t i;

	free(path);
	if (log == NULL)
		return;	/* an SDK folder, or no log: nothing noted */
	while (fgets(line, sizeof line, log) != NULL) {
		uint32_t uid;
		uint64_t packets;
		char codec[16];
		if (ag_reclog_novideo_parse(line, &uid, &packets, codec) < 0)
			continue;
		for (i = 0; i < f->ntxts; i++)
			if (f->txts[i].uid == uid) {
				cv_warn(c, "%s/%s: the recorder received %llu %s video packets of uid %lu and "
				    "no decodable key frame: no video for this user (recording.log)", f->dir,
				    f->txts[i].name, (unsigned long long)packets, codec, (unsigned long)uid);
				break;
			}
	}
	fclose(log);
}

int
cv_folder_load(struct cv_ctx *c, const char *dir, struct cv_folder *f, struct ag_error *err)
{
	DIR *d;
	struct dirent *de;
	size_t cap = 0, i, j;
	int rc = -1;

	memset(f, 0, sizeof *f);
	if ((f->dir = strdup(dir)) == NULL)
		return ag_error_errno(err, AG_EX_IOERR, ENOMEM, "%s", dir);
	if ((d = opendir(dir)) == NULL)
		return ag_error_errno(err, AG_EX_IOERR, errno, "%s", dir);
	while ((de = readdir(d)) != NULL) {
		struct cv_txt *t;
		struct ag_txt txt;
		char *path;
		uint32_t uid;
		char ts[AG_TS_LEN + 1];

		if (ag_parse_txt_name(de->d_name, &uid, ts) < 0)
			continue;
		if (f->ntxts == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct cv_txt *p = realloc(f->txts, ncap * sizeof *p);
			if (p == NULL) {
				ag_error_errno(err, AG_EX_IOERR, ENOMEM, "%s", dir);
				goto out;
			}
			f->txts = p;
			cap = ncap;
		}
		t = &f->txts[f->ntxts];
		memset(t, 0, sizeof *t);
		snprintf(t->name, sizeof t->name, "%s", de->d_name);
		t->uid = uid;
		memcpy(t->ts, ts, sizeof ts);
		if ((path = ag_path_join(dir, de->d_name)) == NULL) {
			ag_error_errno(err, AG_EX_IOERR, ENOMEM, "%s", dir);
			goto out;
		}
		if (ag_txt_read_file(path, &txt, err) < 0) {
			free(path);
			goto out;
		}
		free(path);
		for (j = 0; j < txt.nwarnings; j++)
			cv_warn(c, "%s/%s: %s; line skipped", dir, t->name, txt.warnings[j].msg);
		t->opens_session = txt.marker;
		for (j = 0; j < txt.nlines; j++)
			if (txt.lines[j].t_ms == 0)
				t->opens_session = true;
		if (cv_clips_from_txt(&txt, &t->clips, &t->nclips) < 0) {
			ag_txt_free(&txt);
			ag_error_errno(err, AG_EX_IOERR, ENOMEM, "%s", dir);
			goto out;
		}
		ag_txt_free(&txt);
		f->ntxts++;
	}
	if (f->ntxts == 0) {
		ag_error_set(err, AG_EX_DATAERR, "%s: no uid_*.txt files: not a recording folder", dir);
		goto out;
	}
	cv_sessions_assign(c, f);
	for (i = 0; i < f->ntxts; i++)
		for (j = 0; j < f->txts[i].nclips; j++)
			check_clip(c, dir, &f->txts[i], &f->txts[i].clips[j]);
	check_novideo(c, f);
	rc = 0;
out:
	closedir(d);
	return rc;
}

void
cv_folder_free(struct cv_folder *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->ntxts; i++)
		free(f->txts[i].clips);
	free(f->txts);
	free(f->dir);
	memset(f, 0, sizeof *f);
}
