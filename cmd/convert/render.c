/*
 * render.c - the ffmpeg command lines of one planned output.
 *
 * Two ways to make the video:
 *  - copy: every clip is stream-copied and the black between clips is a
 *    short H.264 segment encoded once per output; the ffmpeg concat
 *    demuxer joins them with exact durations (its auto_convert puts each
 *    segment's parameter sets in-band, so decoders switch cleanly);
 *  - encode: one linear filter graph over the whole timeline (black
 *    gaps from a colour source, each clip trimmed, rotated, scaled into
 *    the canvas and brought to the output rate), joined by the concat
 *    filter, so only one clip is decoded at a time.
 * The audio is always one filter graph in the same ffmpeg run: silence
 * and clips, each clip cut or padded to its txt duration to the sample.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "fsutil.h"

#define SR 48000

static void
common_head(struct ag_argv *a, const char *ffmpeg, bool progress)
{
	ag_argv_pushl(a, ffmpeg, "-nostdin", "-hide_banner", "-nostats", "-loglevel", "error",
	    "-y", NULL);
	if (progress)
		ag_argv_pushl(a, "-progress", "pipe:1", NULL);
}

static void
common_tail(struct ag_argv *a)
{
	ag_argv_pushl(a, "-map_metadata", "-1", "-map_chapters", "-1",
	    "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact",
	    "-movflags", "+faststart", NULL);
}

static const char *
x264_profile(const char *probed)
{
	if (strstr(probed, "Baseline"))
		return "baseline";
	if (strcmp(probed, "Main") == 0)
		return "main";
	return "high";
}

static int64_t
frames_at(int64_t ms, int fps)
{
	return (ms * fps + 500) / 1000;
}

/* The audio graph: inputs first_input.. in j->audio order; output [aout]. */
static void
audio_graph(FILE *g, const struct cv_job *j, int first_input)
{
	const char *cl = j->channels >= 2 ? "stereo" : "mono";
	int64_t cursor = 0, total = j->dur_ms * (SR / 1000);
	size_t i, n = 0;

	for (i = 0; i < j->naudio; i++) {
		const struct cv_place *p = &j->audio[i];
		int64_t at = p->out_ms * (SR / 1000), len = p->dur_ms * (SR / 1000);
		if (at > cursor) {
			fprintf(g, "anullsrc=r=%d:cl=%s,atrim=end_sample=%lld[s%zu];", SR, cl,
			    (long long)(at - cursor), i);
			n++;
		}
		fprintf(g, "[%d:a]aresample=%d,aformat=sample_fmts=fltp:channel_layouts=%s,",
		    first_input + (int)i, SR, cl);
		if (p->skip_ms > 0)
			fprintf(g, "atrim=start_sample=%lld,asetpts=PTS-STARTPTS,",
			    (long long)(p->skip_ms * (SR / 1000)));
		fprintf(g, "atrim=end_sample=%lld,apad=whole_len=%lld[a%zu];", (long long)len,
		    (long long)len, i);
		n++;
		cursor = at + len;
	}
	for (i = 0; i < j->naudio; i++) {
		int64_t at = j->audio[i].out_ms * (SR / 1000);
		int64_t prev = i == 0 ? 0 : (j->audio[i - 1].out_ms + j->audio[i - 1].dur_ms) * (SR / 1000);
		if (at > prev)
			fprintf(g, "[s%zu]", i);
		fprintf(g, "[a%zu]", i);
	}
	fprintf(g, "concat=n=%zu:v=0:a=1,apad=whole_len=%lld,atrim=end_sample=%lld[aout]",
	    n, (long long)total, (long long)total);
}

static void
fit_filter(FILE *g, const struct cv_job *j, bool stretch)
{
	if (stretch)
		fprintf(g, "scale=%d:%d,setsar=1", j->width, j->height);
	else
		fprintf(g, "scale=%d:%d:force_original_aspect_ratio=decrease:force_divisible_by=2,"
		    "pad=%d:%d:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1",
		    j->width, j->height, j->width, j->height);
}

static const char *
rotate_filter(int rotation)
{
	switch (rotation) {
	case 90:  return "transpose=clock,";
	case 180: return "hflip,vflip,";
	case 270: return "transpose=cclock,";
	default:  return "";
	}
}

/* The encoded video graph: inputs first_input.. in j->video order; output [vout]. */
static void
video_graph(FILE *g, const struct cv_job *j, int first_input, bool stretch)
{
	int64_t cursor = 0, total = frames_at(j->dur_ms, j->fps);
	size_t i, n = 0;

	for (i = 0; i < j->nvideo; i++) {
		const struct cv_place *p = &j->video[i];
		const struct cv_clip *cl = p->clip;
		int64_t f0 = frames_at(p->out_ms, j->fps), f1 = frames_at(p->out_ms + p->dur_ms, j->fps);
		int r, nseg = 0;
		int64_t clip0 = cl->start_ms + p->skip_ms, clip1 = clip0 + p->dur_ms;

		if (f0 < cursor)
			f0 = cursor;
		if (f1 <= f0)
			continue;
		if (f0 > cursor) {
			fprintf(g, "color=c=black:s=%dx%d:r=%d,format=yuv420p,trim=end_frame=%lld,"
			    "setsar=1[g%zu];", j->width, j->height, j->fps, (long long)(f0 - cursor), i);
			n++;
		}
		fprintf(g, "[%d:v]setpts=PTS-STARTPTS,trim=start=%.3f:duration=%.3f,"
		    "setpts=PTS-STARTPTS", first_input + (int)i, p->skip_ms / 1000.0,
		    p->dur_ms / 1000.0);
		/* Rotation segments that fall inside this placement. */
		for (r = 0; r < cl->nrots; r++) {
			int64_t s = cl->rots[r].t_ms, e = r + 1 < cl->nrots ? cl->rots[r + 1].t_ms : INT64_MAX;
			if (e > clip0 && s < clip1)
				nseg++;
		}
		if (nseg <= 1) {
			int rot = 0;
			for (r = 0; r < cl->nrots; r++)
				if (cl->rots[r].t_ms <= clip0 || r == 0)
					rot = cl->rots[r].rotation;
			fprintf(g, ",%s", rotate_filter(rot));
			fit_filter(g, j, stretch);
		} else {
			int k = 0;
			fprintf(g, ",split=%d", nseg);
			for (k = 0; k < nseg; k++)
				fprintf(g, "[r%zu_%d]", i, k);
			fprintf(g, ";");
			k = 0;
			for (r = 0; r < cl->nrots; r++) {
				int64_t s = cl->rots[r].t_ms, e = r + 1 < cl->nrots ? cl->rots[r + 1].t_ms : INT64_MAX;
				if (!(e > clip0 && s < clip1))
					continue;
				if (s < clip0)
					s = clip0;
				if (e > clip1)
					e = clip1;
				fprintf(g, "[r%zu_%d]trim=start=%.3f:end=%.3f,setpts=PTS-STARTPTS,%s",
				    i, k, (s - clip0) / 1000.0, (e - clip0) / 1000.0,
				    rotate_filter(cl->rots[r].rotation));
				fit_filter(g, j, stretch);
				fprintf(g, "[q%zu_%d];", i, k);
				k++;
			}
			for (k = 0; k < nseg; k++)
				fprintf(g, "[q%zu_%d]", i, k);
			fprintf(g, "concat=n=%d:v=1:a=0", nseg);
		}
		fprintf(g, ",format=yuv420p,fps=%d,tpad=stop=-1:stop_mode=add:color=black,"
		    "trim=end_frame=%lld,setpts=PTS-STARTPTS[v%zu];", j->fps, (long long)(f1 - f0), i);
		n++;
		cursor = f1;
	}
	if (total > cursor) {
		fprintf(g, "color=c=black:s=%dx%d:r=%d,format=yuv420p,trim=end_frame=%lld,"
		    "setsar=1[gend];", j->width, j->height, j->fps, (long long)(total - cursor));
		n++;
	}
	cursor = 0;
	for (i = 0; i < j->nvideo; i++) {
		const struct cv_place *p = &j->video[i];
		int64_t f0 = frames_at(p->out_ms, j->fps), f1 = frames_at(p->out_ms + p->dur_ms, j->fps);
		if (f0 < cursor)
			f0 = cursor;
		if (f1 <= f0)
			continue;
		if (f0 > cursor)
			fprintf(g, "[g%zu]", i);
		fprintf(g, "[v%zu]", i);
		cursor = f1;
	}
	if (total > cursor)
		fprintf(g, "[gend]");
	fprintf(g, "concat=n=%zu:v=1:a=0[vout]", n);
}

static int
add_link(struct cv_render *r, const char *name, const char *target)
{
	char **n = realloc(r->link_names, (r->nlinks + 1) * sizeof *n);
	char **t;

	if (n == NULL)
		return -1;
	r->link_names = n;
	t = realloc(r->link_targets, (r->nlinks + 1) * sizeof *t);
	if (t == NULL)
		return -1;
	r->link_targets = t;
	r->link_names[r->nlinks] = strdup(name);
	r->link_targets[r->nlinks] = strdup(target);
	r->nlinks++;
	return r->link_names[r->nlinks - 1] && r->link_targets[r->nlinks - 1] ? 0 : -1;
}

/*
 * The concat list of the copy path and the black segment it needs.
 * Each entry gets an exact duration in frames; cut points sit half a
 * frame after the last wanted frame, so rounding never adds or loses one.
 */
static int
copy_plan(const struct cv_job *j, const char *absdir, int index, struct cv_render *r,
    int64_t *black_frames)
{
	FILE *l;
	char *text = NULL;
	size_t len = 0, i;
	int64_t cursor = 0, total = frames_at(j->dur_ms, j->fps), maxgap = 0;
	double F = j->fps;

	if ((l = open_memstream(&text, &len)) == NULL)
		return -1;
	fprintf(l, "ffconcat version 1.0\n");
	for (i = 0; i <= j->nvideo; i++) {
		int64_t f0, f1, have;
		if (i < j->nvideo) {
			const struct cv_place *p = &j->video[i];
			f0 = frames_at(p->out_ms, j->fps);
			f1 = frames_at(p->out_ms + p->dur_ms, j->fps);
			/* A clip shorter than its txt span leaves black after it. */
			have = p->clip->ps.nb_frames > 0 ? p->clip->ps.nb_frames :
			    (int64_t)(p->clip->probed_dur * F + 0.5);
			if (f1 - f0 > have)
				f1 = f0 + have;
		} else {
			f0 = f1 = total;
		}
		if (f0 < cursor)
			f0 = cursor;
		if (f0 > cursor) {
			int64_t g = f0 - cursor;
			fprintf(l, "file j%d-black.mp4\noutpoint %.9f\nduration %.9f\n", index,
			    (g - 0.5) / F, g / F);
			if (g > maxgap)
				maxgap = g;
			cursor = f0;
		}
		if (i < j->nvideo && f1 > f0) {
			const struct cv_place *p = &j->video[i];
			char name[64], *target;
			double st = p->clip->ps.start_time;
			snprintf(name, sizeof name, "j%d-c%zu.mp4", index, i);
			if ((target = ag_path_join(absdir, p->clip->file)) == NULL ||
			    add_link(r, name, target) < 0) {
				free(target);
				fclose(l);
				free(text);
				return -1;
			}
			free(target);
			fprintf(l, "file %s\noutpoint %.9f\nduration %.9f\n", name,
			    st + (f1 - f0 - 0.5) / F, (f1 - f0) / F);
			cursor = f1;
		}
	}
	if (fclose(l) != 0) {
		free(text);
		return -1;
	}
	if (asprintf(&r->list_name, "j%d.ffconcat", index) < 0) {
		r->list_name = NULL;
		free(text);
		return -1;
	}
	r->list_text = text;
	*black_frames = maxgap;
	return 0;
}

/* AAC frames (1024 samples at 48 kHz) at output time ms, to the nearest. */
static int64_t
aframes_at(int64_t ms)
{
	return (ms * 48 + 512) / 1024;
}

/*
 * The concat list of copied ADTS audio: each clip at the AAC frame
 * nearest its txt start, cut to its txt duration, silence (encoded once)
 * between.  Same half-frame cut points as the video list.
 */
static int
audio_copy_plan(const struct cv_job *j, const char *absdir, int index, struct cv_render *r,
    int64_t *silence_frames)
{
	FILE *l;
	char *text = NULL;
	size_t len = 0, i;
	int64_t cursor = 0, total = aframes_at(j->dur_ms), maxgap = 0;
	const double T = 1024.0 / SR;

	if ((l = open_memstream(&text, &len)) == NULL)
		return -1;
	fprintf(l, "ffconcat version 1.0\n");
	for (i = 0; i <= j->naudio; i++) {
		int64_t f0, f1, have;
		if (i < j->naudio) {
			const struct cv_place *p = &j->audio[i];
			f0 = aframes_at(p->out_ms);
			f1 = aframes_at(p->out_ms + p->dur_ms);
			have = p->clip->adts_samples / 1024;
			if (f1 - f0 > have)
				f1 = f0 + have;
		} else {
			f0 = f1 = total;
		}
		if (f0 < cursor)
			f0 = cursor;
		if (f0 > cursor) {
			int64_t g = f0 - cursor;
			fprintf(l, "file j%d-silence.aac\noutpoint %.9f\nduration %.9f\n", index,
			    (g - 0.5) * T, g * T);
			if (g > maxgap)
				maxgap = g;
			cursor = f0;
		}
		if (i < j->naudio && f1 > f0) {
			char name[64], *target;
			snprintf(name, sizeof name, "j%d-a%zu.aac", index, i);
			if ((target = ag_path_join(absdir, j->audio[i].clip->file)) == NULL ||
			    add_link(r, name, target) < 0) {
				free(target);
				fclose(l);
				free(text);
				return -1;
			}
			free(target);
			fprintf(l, "file %s\noutpoint %.9f\nduration %.9f\n", name,
			    (f1 - f0 - 0.5) * T, (f1 - f0) * T);
			cursor = f1;
		}
	}
	if (fclose(l) != 0) {
		free(text);
		return -1;
	}
	if (asprintf(&r->alist_name, "j%d-audio.ffconcat", index) < 0) {
		r->alist_name = NULL;
		free(text);
		return -1;
	}
	r->alist_text = text;
	*silence_frames = maxgap;
	return 0;
}

int
cv_render_job(struct cv_ctx *c, const struct cv_folder *f, const struct cv_job *j,
    const char *tmpdir, int index, struct cv_render *r, struct ag_error *err)
{
	const struct cv_opts *o = c->opts;
	char absdir[PATH_MAX], tmpname[192], *path = NULL, *url = NULL, *graph = NULL;
	size_t glen = 0, i;
	struct ag_argv *a;
	FILE *g = NULL;
	int first_audio = 0, nin = 0;
	int64_t black = 0;
	bool want_audio = j->kind != CV_OUT_VIDEO && j->naudio > 0;
	bool want_video = j->kind != CV_OUT_AUDIO;

	memset(r, 0, sizeof *r);
	if (realpath(f->dir, absdir) == NULL)
		return ag_error_errno(err, AG_EX_IOERR, errno, "%s", f->dir);
	if (want_video && j->nvideo == 0)
		return ag_error_set(err, AG_EX_DATAERR, "%s: no video clip to render", j->name);
	if (!want_video && !want_audio)
		return ag_error_set(err, AG_EX_DATAERR, "%s: no audio clip to render", j->name);

	if (want_video && j->copy_video) {
		if (copy_plan(j, absdir, index, r, &black) < 0)
			goto nomem;
		if (black > 0) {
			a = &r->steps[r->nsteps++].argv;
			common_head(a, c->ffmpeg, false);
			ag_argv_pushl(a, "-f", "lavfi", "-i", NULL);
			ag_argv_pushf(a, "color=c=black:s=%dx%d:r=%d", j->width, j->height, j->fps);
			ag_argv_pushf(a, "-frames:v");
			ag_argv_pushf(a, "%lld", (long long)black);
			ag_argv_pushl(a, "-c:v", "libx264", "-preset", "veryfast", "-profile:v",
			    x264_profile(j->video[0].clip->ps.profile), "-pix_fmt", "yuv420p",
			    "-bf", "0", "-g", "9999", "-threads", "1", NULL);
			/* The same time base as the copied clips. */
			ag_argv_push(a, "-video_track_timescale");
			ag_argv_pushf(a, "%d", j->video[0].clip->ps.tb_den);
			common_tail(a);
			snprintf(tmpname, sizeof tmpname, "j%d-black.mp4", index);
			if ((path = ag_path_join(tmpdir, tmpname)) == NULL || (url = ag_ff_url(path)) == NULL)
				goto nomem;
			ag_argv_pushl(a, "-f", "mp4", url, NULL);
			free(path);
			free(url);
			path = url = NULL;
		}
	}

	if (want_audio && j->copy_audio) {
		int64_t silence = 0;
		if (audio_copy_plan(j, absdir, index, r, &silence) < 0)
			goto nomem;
		if (silence > 0) {
			a = &r->steps[r->nsteps++].argv;
			common_head(a, c->ffmpeg, false);
			ag_argv_pushl(a, "-f", "lavfi", "-i", NULL);
			ag_argv_pushf(a, "anullsrc=r=%d:cl=%s", SR, j->channels >= 2 ? "stereo" : "mono");
			ag_argv_push(a, "-frames:a");
			ag_argv_pushf(a, "%lld", (long long)silence + 2);
			ag_argv_pushl(a, "-c:a", "aac", "-b:a", "32k", "-ar", "48000", NULL);
			common_tail(a);
			snprintf(tmpname, sizeof tmpname, "j%d-silence.aac", index);
			if ((path = ag_path_join(tmpdir, tmpname)) == NULL || (url = ag_ff_url(path)) == NULL)
				goto nomem;
			ag_argv_pushl(a, "-f", "adts", url, NULL);
			free(path);
			free(url);
			path = url = NULL;
		}
	}

	a = &r->steps[r->nsteps].argv;
	r->steps[r->nsteps++].progress = true;
	common_head(a, c->ffmpeg, true);
	if (want_video) {
		if (j->copy_video) {
			if ((path = ag_path_join(tmpdir, r->list_name)) == NULL ||
			    (url = ag_ff_url(path)) == NULL)
				goto nomem;
			ag_argv_pushl(a, "-f", "concat", "-i", url, NULL);
			free(path);
			free(url);
			path = url = NULL;
			nin = 1;
		} else {
			for (i = 0; i < j->nvideo; i++) {
				if ((path = ag_path_join(absdir, j->video[i].clip->file)) == NULL ||
				    (url = ag_ff_url(path)) == NULL)
					goto nomem;
				ag_argv_pushl(a, "-i", url, NULL);
				free(path);
				free(url);
				path = url = NULL;
			}
			nin = (int)j->nvideo;
		}
	}
	first_audio = nin;
	if (want_audio && j->copy_audio) {
		if ((path = ag_path_join(tmpdir, r->alist_name)) == NULL ||
		    (url = ag_ff_url(path)) == NULL)
			goto nomem;
		ag_argv_pushl(a, "-f", "concat", "-i", url, NULL);
		free(path);
		free(url);
		path = url = NULL;
	} else if (want_audio) {
		for (i = 0; i < j->naudio; i++) {
			if ((path = ag_path_join(absdir, j->audio[i].clip->file)) == NULL ||
			    (url = ag_ff_url(path)) == NULL)
				goto nomem;
			ag_argv_pushl(a, "-i", url, NULL);
			free(path);
			free(url);
			path = url = NULL;
		}
	}
	if ((g = open_memstream(&graph, &glen)) == NULL)
		goto nomem;
	if (want_video && !j->copy_video) {
		video_graph(g, j, 0, o->stretch);
		if (want_audio && !j->copy_audio)
			fputc(';', g);
	}
	if (want_audio && !j->copy_audio)
		audio_graph(g, j, first_audio);
	if (fclose(g) != 0) {
		g = NULL;
		goto nomem;
	}
	g = NULL;
	if (glen > 0)
		ag_argv_pushl(a, "-filter_complex", graph, NULL);
	if (want_video) {
		if (j->copy_video) {
			ag_argv_pushl(a, "-map", "0:v", "-c:v", "copy", NULL);
		} else {
			ag_argv_pushl(a, "-map", "[vout]", "-c:v", "libx264", "-preset", "veryfast",
			    "-crf", "23", "-pix_fmt", "yuv420p", NULL);
			ag_argv_pushf(a, "-r");
			ag_argv_pushf(a, "%d", j->fps);
		}
	}
	if (want_audio && j->copy_audio) {
		ag_argv_pushf(a, "-map");
		ag_argv_pushf(a, "%d:a", first_audio);
		ag_argv_pushl(a, "-c:a", "copy", NULL);
	} else if (want_audio) {
		ag_argv_pushl(a, "-map", "[aout]", "-c:a", "aac", "-b:a",
		    j->channels >= 2 ? "128k" : "64k", "-ar", "48000", NULL);
	}
	ag_argv_push(a, "-t");
	ag_argv_pushf(a, "%lld.%03lld", (long long)(j->dur_ms / 1000), (long long)(j->dur_ms % 1000));
	common_tail(a);
	snprintf(tmpname, sizeof tmpname, "j%d-%s", index, j->name);
	if ((r->out_tmp = ag_path_join(tmpdir, tmpname)) == NULL || (url = ag_ff_url(r->out_tmp)) == NULL)
		goto nomem;
	ag_argv_pushl(a, "-f", j->kind == CV_OUT_AUDIO ? "ipod" : "mp4", url, NULL);
	free(url);
	url = NULL;
	free(graph);
	for (i = 0; i < (size_t)r->nsteps; i++)
		if (r->steps[i].argv.failed)
			goto nomem;
	return 0;
nomem:
	if (g)
		fclose(g);
	free(graph);
	free(path);
	free(url);
	cv_render_free(r);
	return ag_error_errno(err, AG_EX_FAIL, ENOMEM, "%s", j->name);
}

void
cv_render_free(struct cv_render *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < 3; i++)
		ag_argv_free(&r->steps[i].argv);
	for (i = 0; i < r->nlinks; i++) {
		free(r->link_names[i]);
		free(r->link_targets[i]);
	}
	free(r->link_names);
	free(r->link_targets);
	free(r->list_name);
	free(r->list_text);
	free(r->alist_name);
	free(r->alist_text);
	free(r->out_tmp);
	memset(r, 0, sizeof *r);
}
