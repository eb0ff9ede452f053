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
 * The audio is one filter graph in the same ffmpeg run (silence and
 * clips, each clip cut or padded to its txt duration to the sample,
 * encoded as AAC or, with --audioCodec opus, Opus), or copied: ADTS clips
 * joined by the concat demuxer like the video, or one Ogg Opus clip.
 * Ogg Opus and AAC clips are decoded alike: the decoder leaves out the
 * Opus pre-skip, so a clip's first sample is at its create time.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "convert/convert.h"
#include "fsutil.h"

#define SR 48000

static void
common_head(struct ag_argv *a, const char *ffmpeg, bool progress)
{
	ag_ff_argv(a, ffmpeg, true);
	ag_argv_push(a, "-y");
	if (progress)
		ag_argv_pushl(a, "-progress", "pipe:1", NULL);
}

/* Push the file: URL of dir/name (never taken as an option or protocol). */
static int
push_url(struct ag_argv *a, const char *dir, const char *name)
{
	char *path = ag_path_join(dir, name), *url = path ? ag_ff_url(path) : NULL;
	int r = url ? ag_argv_push(a, url) : -1;

	free(path);
	free(url);
	return r;
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

/*
 * Where placement p of j's audio goes, in samples at 48 kHz: its output
 * start *at, its length *len and the samples of its clip left out before
 * it *skip (the part cut by the placement, the AAC priming, and what
 * falls before the output's start after j->audio_shift).
 */
static void
audio_span(const struct cv_job *j, const struct cv_place *p, int64_t *at, int64_t *skip,
    int64_t *len)
{
	*at = p->out_ms * (SR / 1000) - j->audio_shift;
	*skip = p->skip_ms * (SR / 1000) + cv_audio_lead(p->clip);
	*len = p->dur_ms * (SR / 1000);
	if (*at < 0) {
		*skip -= *at;
		*len += *at;
		*at = 0;
	}
}

/* The audio graph: inputs first_input.. in j->audio order; output [aout]. */
static void
audio_graph(FILE *g, const struct cv_job *j, int first_input)
{
	const char *cl = j->channels >= 2 ? "stereo" : "mono";
	int64_t cursor = 0, total = j->dur_ms * (SR / 1000), at, skip, len;
	size_t i, n = 0;

	for (i = 0; i < j->naudio; i++) {
		audio_span(j, &j->audio[i], &at, &skip, &len);
		if (len <= 0)
			continue;
		if (at > cursor) {
			fprintf(g, "anullsrc=r=%d:cl=%s,atrim=end_sample=%lld[s%zu];", SR, cl,
			    (long long)(at - cursor), i);
			n++;
		}
		fprintf(g, "[%d:a]aresample=%d,aformat=sample_fmts=fltp:channel_layouts=%s,",
		    first_input + (int)i, SR, cl);
		if (skip > 0)
			fprintf(g, "atrim=start_sample=%lld,asetpts=PTS-STARTPTS,", (long long)skip);
		fprintf(g, "atrim=end_sample=%lld,apad=whole_len=%lld[a%zu];", (long long)len,
		    (long long)len, i);
		n++;
		cursor = at + len;
	}
	cursor = 0;
	for (i = 0; i < j->naudio; i++) {
		audio_span(j, &j->audio[i], &at, &skip, &len);
		if (len <= 0)
			continue;
		if (at > cursor)
			fprintf(g, "[s%zu]", i);
		fprintf(g, "[a%zu]", i);
		cursor = at + len;
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
	int64_t cursor = 0, total = cv_frames_at(j->dur_ms, j->fps);
	size_t i, n = 0;

	for (i = 0; i < j->nvideo; i++) {
		const struct cv_place *p = &j->video[i];
		const struct cv_clip *cl = p->clip;
		int64_t f0 = cv_frames_at(p->out_ms, j->fps), f1 = cv_frames_at(p->out_ms + p->dur_ms, j->fps);
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
		int64_t f0 = cv_frames_at(p->out_ms, j->fps), f1 = cv_frames_at(p->out_ms + p->dur_ms, j->fps);
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

/* What differs between the video and the audio of the copy path. */
struct copy_kind {
	bool video;
	const char *clip_ext, *filler_fmt, *list_fmt;  /* names in the private directory */
};

static const struct copy_kind copy_video = { true, "mp4", "j%d-black.mp4", "j%d.ffconcat" };
static const struct copy_kind copy_audio = { false, "aac", "j%d-silence.aac", "j%d-audio.ffconcat" };

/* The AAC frame of the copied audio's list nearest output sample s. */
static int64_t
aframe_at(int64_t s, int64_t base)
{
	int64_t d = s - base;

	return d >= 0 ? (d + 512) / 1024 : -((-d + 511) / 1024);
}

/*
 * The sample at 48 kHz where frame 0 of the copied audio's list starts
 * (the -itsoffset of that input): the first clip's priming frame then
 * ends exactly where its audio is placed; later clips go to the AAC
 * frame nearest their place.  Negative when the priming falls before the
 * output's start: the MP4 edit list leaves it out.
 */
static int64_t
audio_base(const struct cv_job *j)
{
	int64_t s, k;

	if (j->naudio == 0)
		return 0;
	s = j->audio[0].out_ms * (SR / 1000) - j->audio_shift - cv_audio_lead(j->audio[0].clip);
	k = s > 0 ? aframe_at(s, 0) : 0;	/* whole frames of silence before it */
	return s - k * 1024;
}

/*
 * The concat list of the copy path for one kind of media: each clip at
 * the frame (video) or AAC frame (audio) nearest its place, cut to its
 * txt duration, the filler (black or silence, encoded once) between.
 * An audio clip's entry starts with its priming frame, one frame before
 * its place.  Each entry gets an exact duration in frames, and its cut
 * point sits half a frame after its last wanted frame, so rounding never
 * adds or loses one.  *filler_frames is the longest gap.
 */
static int
copy_plan(const struct cv_job *j, const struct copy_kind *k, const char *absdir, int index,
    struct cv_render *r, struct cv_list *list, int64_t *filler_frames)
{
	const struct cv_place *places = k->video ? j->video : j->audio;
	size_t n = k->video ? j->nvideo : j->naudio, len = 0, i;
	double T = k->video ? 1.0 / j->fps : 1024.0 / SR;
	int64_t base = k->video ? 0 : audio_base(j);
	int64_t cursor = 0, maxgap = 0, total;
	char *text = NULL, filler[64];
	FILE *l;

	if (k->video)
		total = cv_frames_at(j->dur_ms, j->fps);
	else
		total = (j->dur_ms * (SR / 1000) - base + 1023) / 1024;
	if ((l = open_memstream(&text, &len)) == NULL)
		return -1;
	snprintf(filler, sizeof filler, k->filler_fmt, index);
	fprintf(l, "ffconcat version 1.0\n");
	for (i = 0; i <= n; i++) {
		int64_t f0 = total, f1 = total, have;
		if (i < n) {
			const struct cv_place *p = &places[i];
			const struct cv_clip *cl = p->clip;
			if (k->video) {
				f0 = cv_frames_at(p->out_ms, j->fps);
				f1 = cv_frames_at(p->out_ms + p->dur_ms, j->fps);
				have = cl->ps.nb_frames > 0 ? cl->ps.nb_frames : (int64_t)(cl->probed_dur / T + 0.5);
			} else {
				int64_t at = p->out_ms * (SR / 1000) - j->audio_shift;
				f0 = aframe_at(at - cv_audio_lead(cl), base);
				f1 = aframe_at(at + p->dur_ms * (SR / 1000), base);
				have = cl->adts_samples / 1024;
			}
			/* A clip shorter than its txt span leaves filler after it. */
			if (f1 - f0 > have)
				f1 = f0 + have;
		}
		if (f0 < cursor)
			f0 = cursor;
		if (f0 > cursor) {
			int64_t g = f0 - cursor;
			fprintf(l, "file %s\noutpoint %.9f\nduration %.9f\n", filler, (g - 0.5) * T, g * T);
			if (g > maxgap)
				maxgap = g;
			cursor = f0;
		}
		if (i < n && f1 > f0) {
			char name[64], *target;
			double st = k->video ? places[i].clip->ps.start_time : 0;
			snprintf(name, sizeof name, "j%d-%c%zu.%s", index, k->video ? 'c' : 'a', i, k->clip_ext);
			if ((target = ag_path_join(absdir, places[i].clip->file)) == NULL ||
			    add_link(r, name, target) < 0) {
				free(target);
				fclose(l);
				free(text);
				return -1;
			}
			free(target);
			fprintf(l, "file %s\noutpoint %.9f\nduration %.9f\n", name,
			    st + (f1 - f0 - 0.5) * T, (f1 - f0) * T);
			cursor = f1;
		}
	}
	if (fclose(l) != 0) {
		free(text);
		return -1;
	}
	if (asprintf(&list->name, k->list_fmt, index) < 0) {
		list->name = NULL;
		free(text);
		return -1;
	}
	list->text = text;
	*filler_frames = maxgap;
	return 0;
}

/* A filler step's opening: the lavfi source src, nframes frames (frames_opt). */
static void
filler_head(struct cv_ctx *c, struct ag_argv *a, const char *src, const char *frames_opt,
    long long nframes)
{
	common_head(a, c->ffmpeg, false);
	ag_argv_pushl(a, "-f", "lavfi", "-i", src, frames_opt, NULL);
	ag_argv_pushf(a, "%lld", nframes);
}

/* A filler step's end: format fmt into tmpdir/jINDEX-suffix.  0, or -1. */
static int
filler_tail(struct ag_argv *a, const char *tmpdir, int index, const char *suffix,
    const char *fmt)
{
	char tmpname[192];

	common_tail(a);
	snprintf(tmpname, sizeof tmpname, "j%d-%s", index, suffix);
	ag_argv_pushl(a, "-f", fmt, NULL);
	return push_url(a, tmpdir, tmpname);
}

/* The step that encodes black frames to fill the gaps of a copied video:
 * tmpdir/jINDEX-black.mp4.  0, or -1 when out of memory. */
static int
black_step(struct cv_ctx *c, const struct cv_job *j, const char *tmpdir, int index,
    int64_t black, struct ag_argv *a)
{
	char src[96];

	snprintf(src, sizeof src, "color=c=black:s=%dx%d:r=%d", j->width, j->height, j->fps);
	filler_head(c, a, src, "-frames:v", (long long)black);
	if (strcmp(cv_out_vcodec(j), "hevc") == 0)
		/* Main 8-bit 4:2:0, as the copied clips (copyable checks
		 * yuv420p); parameter sets in band, as the recorder's */
		ag_argv_pushl(a, "-c:v", "libx265", "-preset", "veryfast", "-profile:v", "main",
		    "-pix_fmt", "yuv420p", "-x265-params",
		    "bframes=0:keyint=9999:repeat-headers=1:pools=1:frame-threads=1:"
		    "log-level=error",
		    "-tag:v", "hvc1", NULL);
	else
		ag_argv_pushl(a, "-c:v", "libx264", "-preset", "veryfast", "-profile:v",
		    x264_profile(j->video[0].clip->ps.profile), "-pix_fmt", "yuv420p",
		    "-bf", "0", "-g", "9999", "-threads", "1", NULL);
	/* The same time base as the copied clips. */
	ag_argv_push(a, "-video_track_timescale");
	ag_argv_pushf(a, "%d", j->video[0].clip->ps.tb_den);
	return filler_tail(a, tmpdir, index, "black.mp4", "mp4");
}

/* The step that encodes the silence between copied audio clips:
 * tmpdir/jINDEX-silence.aac.  0, or -1 when out of memory. */
static int
silence_step(struct cv_ctx *c, const struct cv_job *j, const char *tmpdir, int index,
    int64_t silence, struct ag_argv *a)
{
	char src[64];

	snprintf(src, sizeof src, "anullsrc=r=%d:cl=%s", SR, j->channels >= 2 ? "stereo" : "mono");
	filler_head(c, a, src, "-frames:a", (long long)silence + 2);
	ag_argv_pushl(a, "-c:a", "aac", "-b:a", "32k", "-ar", "48000", NULL);
	return filler_tail(a, tmpdir, index, "silence.aac", "adts");
}

/* The copy plan of kind k (its concat list) and, when it has gaps, the
 * step that encodes their filler (black or silence).  0, or -1 when out of memory. */
static int
copy_and_fill(struct cv_ctx *c, const struct cv_job *j, const struct copy_kind *k,
    const char *absdir, const char *tmpdir, int index, struct cv_render *r,
    struct cv_list *list)
{
	int64_t n = 0;

	if (copy_plan(j, k, absdir, index, r, list, &n) < 0)
		return -1;
	if (n <= 0)
		return 0;
	return (k->video ? black_step : silence_step)(c, j, tmpdir, index, n,
	    &r->steps[r->nsteps++].argv);
}

/* The copy plans (concat lists) and the filler steps they need.
 * 0, or -1 when out of memory. */
static int
filler_steps(struct cv_ctx *c, const struct cv_job *j, const char *absdir,
    const char *tmpdir, int index, bool want_audio, bool want_video, struct cv_render *r)
{
	if (want_video && j->copy_video && copy_and_fill(c, j, &copy_video, absdir, tmpdir,
	    index, r, &r->lists[CV_LIST_VIDEO]) < 0)
		return -1;
	if (want_audio && j->copy_audio && !j->opus && copy_and_fill(c, j, &copy_audio, absdir, tmpdir,
	    index, r, &r->lists[CV_LIST_AUDIO]) < 0)
		return -1;
	return 0;
}

/* Push "-itsoffset" and s samples at 48 kHz in seconds, for the next input. */
static void
push_offset(struct ag_argv *a, int64_t s)
{
	ag_argv_push(a, "-itsoffset");
	ag_argv_pushf(a, "%s%lld.%06lld", s < 0 ? "-" : "", (long long)(llabs(s) / SR),
	    (long long)(llabs(s) % SR * 1000000 / SR));
}

/* The main step's inputs: the video (concat list or clips), then the audio.
 * *first_audio: the index of the first audio input.  0, or -1 (memory). */
static int
main_inputs(const struct cv_job *j, const char *absdir, const char *tmpdir,
    const struct cv_render *r, bool want_audio, bool want_video, struct ag_argv *a,
    int *first_audio)
{
	size_t i;
	int nin = 0;

	if (want_video && j->copy_video) {
		ag_argv_pushl(a, "-f", "concat", "-i", NULL);
		if (push_url(a, tmpdir, r->lists[CV_LIST_VIDEO].name) < 0)
			return -1;
		nin = 1;
	} else if (want_video) {
		for (i = 0; i < j->nvideo; i++) {
			ag_argv_pushl(a, "-i", NULL);
			if (push_url(a, absdir, j->video[i].clip->file) < 0)
				return -1;
		}
		nin = (int)j->nvideo;
	}
	*first_audio = nin;
	if (want_audio && j->copy_audio && !j->opus) {
		int64_t base = audio_base(j);
		/* Frame 0 of the list at its sample: "-0.021333" for a priming
		 * frame before 0, which the MP4 edit list leaves out. */
		push_offset(a, base);
		ag_argv_pushl(a, "-f", "concat", "-i", NULL);
		if (push_url(a, tmpdir, r->lists[CV_LIST_AUDIO].name) < 0)
			return -1;
	} else if (want_audio) {
		/* A copied Ogg Opus clip moves with the first video frame too. */
		if (j->copy_audio && j->audio_shift != 0)
			push_offset(a, -j->audio_shift);
		for (i = 0; i < j->naudio; i++) {
			ag_argv_pushl(a, "-i", NULL);
			if (push_url(a, absdir, j->audio[i].clip->file) < 0)
				return -1;
		}
	}
	return 0;
}

/* The main step's filter graph (what is encoded, not copied) and maps.
 * 0, or -1 when out of memory. */
static int
main_graph_maps(const struct cv_opts *o, const struct cv_job *j, bool want_audio,
    bool want_video, int first_audio, struct ag_argv *a)
{
	char *graph = NULL;
	size_t glen = 0;
	FILE *g;

	if ((g = open_memstream(&graph, &glen)) == NULL)
		return -1;
	if (want_video && !j->copy_video) {
		video_graph(g, j, 0, o->stretch);
		if (want_audio && !j->copy_audio)
			fputc(';', g);
	}
	if (want_audio && !j->copy_audio)
		audio_graph(g, j, first_audio);
	if (fclose(g) != 0) {
		free(graph);
		return -1;
	}
	if (glen > 0)
		ag_argv_pushl(a, "-filter_complex", graph, NULL);
	free(graph);
	if (want_video && j->copy_video) {
		ag_argv_pushl(a, "-map", "0:v", "-c:v", "copy", NULL);
		if (strcmp(cv_out_vcodec(j), "hevc") == 0)
			ag_argv_pushl(a, "-tag:v", "hvc1", NULL);  /* not hev1: players want hvc1 */
	} else if (want_video) {
		ag_argv_pushl(a, "-map", "[vout]", "-c:v", "libx264", "-preset", "veryfast",
		    "-crf", "23", "-pix_fmt", "yuv420p", NULL);
		ag_argv_pushf(a, "-r");
		ag_argv_pushf(a, "%d", j->fps);
	}
	if (want_audio && j->copy_audio) {
		ag_argv_pushf(a, "-map");
		ag_argv_pushf(a, "%d:a", first_audio);
		ag_argv_pushl(a, "-c:a", "copy", NULL);
	} else if (want_audio) {
		ag_argv_pushl(a, "-map", "[aout]", "-c:a", j->opus ? "libopus" : "aac", "-b:a",
		    j->channels >= 2 ? "128k" : "64k", "-ar", "48000", NULL);
	}
	return 0;
}

int
cv_render_job(struct cv_ctx *c, const struct cv_folder *f, const struct cv_job *j,
    const char *tmpdir, int index, struct cv_render *r, struct ag_error *err)
{
	char absdir[PATH_MAX], tmpname[192];
	size_t i;
	struct ag_argv *a;
	int first_audio = 0;
	bool want_audio = j->kind != CV_OUT_VIDEO && j->naudio > 0;
	bool want_video = j->kind != CV_OUT_AUDIO;

	memset(r, 0, sizeof *r);
	if (realpath(f->dir, absdir) == NULL)
		return ag_error_errno(err, AG_EX_IOERR, errno, "%s", f->dir);
	if (want_video && j->nvideo == 0)
		return ag_error_set(err, AG_EX_DATAERR, "%s: no video clip to render", j->name);
	if (!want_video && !want_audio)
		return ag_error_set(err, AG_EX_DATAERR, "%s: no audio clip to render", j->name);
	if (filler_steps(c, j, absdir, tmpdir, index, want_audio, want_video, r) < 0)
		goto nomem;

	a = &r->steps[r->nsteps].argv;
	r->steps[r->nsteps++].progress = true;
	common_head(a, c->ffmpeg, true);
	if (main_inputs(j, absdir, tmpdir, r, want_audio, want_video, a, &first_audio) < 0 ||
	    main_graph_maps(c->opts, j, want_audio, want_video, first_audio, a) < 0)
		goto nomem;
	ag_argv_push(a, "-t");
	ag_argv_pushf(a, "%lld.%03lld", (long long)(j->dur_ms / 1000), (long long)(j->dur_ms % 1000));
	common_tail(a);
	snprintf(tmpname, sizeof tmpname, "j%d-%s", index, j->name);
	if ((r->out_tmp = ag_path_join(tmpdir, tmpname)) == NULL)
		goto nomem;
	/* The ipod muxer (.m4a) takes no Opus; an MP4 does. */
	ag_argv_pushl(a, "-f", j->kind == CV_OUT_AUDIO && !j->opus ? "ipod" : "mp4", NULL);
	if (push_url(a, tmpdir, tmpname) < 0)
		goto nomem;
	for (i = 0; i < (size_t)r->nsteps; i++)
		if (r->steps[i].argv.failed)
			goto nomem;
	return 0;
nomem:
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
	for (i = 0; i < 2; i++) {
		free(r->lists[i].name);
		free(r->lists[i].text);
	}
	free(r->out_tmp);
	memset(r, 0, sizeof *r);
}
