/*
 * model.c - a recording folder as users -> sessions -> txt files -> clips
 * (agora-format.md sections 2.4 and 3.3): the folder read by
 * ag_folder_read, each clip's media probed, and the converter's policy
 * (check_clip: what is dropped, where a clip without a close line ends).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "convert/convert.h"
#include "adts.h"
#include "oggopus.h"
#include "folder.h"
#include "fsutil.h"
#include "reclog.h"

/* A clip of the folder read, as the converter models it (not probed yet). */
static void
clip_from(struct cv_clip *cl, const struct ag_folder_clip *ac)
{
	memset(cl, 0, sizeof *cl);
	memcpy(cl->file, ac->file, sizeof cl->file);
	cl->kind = ac->kind;
	cl->video = ac->video;
	cl->create_ms = ac->create_ms;
	cl->start_ms = ac->start_ms;
	cl->has_close = ac->end_ms != AG_FOLDER_NO_CLOSE;
	cl->end_ms = cl->has_close ? ac->end_ms : -1;
	cl->codecswitch = ac->nswitches > 0;
	cl->width = ac->width;
	cl->height = ac->height;
	cl->nrots = ac->nrots;
	memcpy(cl->rots, ac->rots, sizeof cl->rots);
	cl->probed_dur = -1;
}

int
cv_folder_from(struct cv_ctx *c, const struct ag_folder *af, struct cv_folder *f,
    struct ag_error *err)
{
	const struct ag_folder_log *g;
	struct cv_txt *t;
	size_t i, j, nclips = 0;

	for (i = 0; i < af->warnings.n; i++)
		cv_warn(c, "%s/%s", f->dir, af->warnings.v[i]);
	for (i = 0; i < af->nlogs; i++)
		nclips += af->logs[i].nclips;
	if ((af->nlogs > 0 && (f->txts = calloc(af->nlogs, sizeof *f->txts)) == NULL) ||
	    (nclips > 0 && (f->clips = calloc(nclips, sizeof *f->clips)) == NULL))
		return ag_error_errno(err, AG_EX_IOERR, ENOMEM, "%s", f->dir);
	nclips = 0;
	for (i = 0; i < af->nlogs; i++) {
		g = &af->logs[i];
		t = &f->txts[f->ntxts++];
		snprintf(t->name, sizeof t->name, "%s", g->name);
		t->uid = g->uid;
		memcpy(t->ts, g->ts, sizeof t->ts);
		t->opens_session = g->opens_session;
		t->session = g->session;
		t->clips = f->clips + nclips;
		for (j = 0; j < g->nclips; j++)
			clip_from(&t->clips[t->nclips++], &g->clips[j]);
		nclips += g->nclips;
	}
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

/*
 * An Ogg Opus file (agrec-record --audioFormat opus) is read directly
 * too: its length is its last granule position less the pre-skip, where
 * ffprobe counts the pre-skip in.  Decoders leave the pre-skip out, so
 * the first sample decoded is the one at the clip's create time.
 * Returns -1 to fall back to ffprobe.
 */
static int
opus_probe(const char *path, struct cv_clip *cl)
{
	struct ag_oggopus_info oi;

	if (ag_oggopus_scan(path, &oi, NULL) < 0 || oi.channels == 0 || oi.samples <= 0)
		return -1;
	memset(&cl->ps, 0, sizeof cl->ps);
	cl->ps.present = true;
	strcpy(cl->ps.codec, "opus");
	cl->ps.sample_rate = 48000;
	cl->ps.channels = oi.channels;
	cl->ps.duration = (double)oi.samples / 48000;
	cl->probed_dur = cl->ps.duration;
	cl->opus_samples = oi.samples;
	return 0;
}

/*
 * The converter's policy for one clip: probe its media and drop it when
 * missing, empty, unreadable, without a close line and a known duration,
 * or shorter than 1 s; a clip without a close line ends at its start plus
 * its probed duration.
 */
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
	if (cl->kind == AG_MEDIA_OPUS && opus_probe(path, cl) == 0)
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
		cv_note(c, "%s/%s: %s ends at %lld.%03lld s by its probed duration",
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
	struct ag_folder af;
	size_t i, j;

	memset(f, 0, sizeof *f);
	if ((f->dir = strdup(dir)) == NULL)
		return ag_error_errno(err, AG_EX_IOERR, ENOMEM, "%s", dir);
	if (ag_folder_read(dir, &af, err) < 0)
		return -1;
	if (cv_folder_from(c, &af, f, err) < 0) {
		ag_folder_free(&af);
		return -1;
	}
	ag_folder_free(&af);
	for (i = 0; i < f->ntxts; i++)
		for (j = 0; j < f->txts[i].nclips; j++)
			check_clip(c, dir, &f->txts[i], &f->txts[i].clips[j]);
	check_novideo(c, f);
	return 0;
}

void
cv_folder_free(struct cv_folder *f)
{
	if (f == NULL)
		return;
	free(f->clips);
	free(f->txts);
	free(f->dir);
	memset(f, 0, sizeof *f);
}
