/*
 * Unit tests of agrec-convert's planning: session grouping and, for each
 * mode, which outputs a folder gives and where every clip lands
 * (agora-format.md 2.4, 2.5 and 3.4-3.6).  The folder is built in memory
 * from txt text; probing is simulated from the txt itself.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "convert/convert.h"
#include "folder.h"

static struct cv_opts opts;
static struct cv_ctx ctx;
static struct cv_folder folder;

static struct ag_folder afolder;

/* What ffprobe would say of a clip that is what its txt says. */
static void
probe_as_txt(struct cv_clip *cl)
{
	cl->ps.present = true;
	strcpy(cl->ps.codec, cl->video ? (cl->kind == AG_MEDIA_WEBM ? "vp8" : "h264") :
	    cl->kind == AG_MEDIA_OPUS ? "opus" : "aac");
	strcpy(cl->ps.pix_fmt, "yuv420p");
	strcpy(cl->ps.profile, "Constrained Baseline");
	cl->ps.width = cl->width;
	cl->ps.height = cl->height;
	cl->ps.fps_num = 15;
	cl->ps.fps_den = 1;
	cl->ps.tb_num = 1;
	cl->ps.tb_den = 90000;
	cl->ps.channels = 1;
	cl->ps.sample_rate = 48000;
	cl->probed_dur = (cl->end_ms - cl->start_ms) / 1000.0;
	cl->ps.nb_frames = (cl->end_ms - cl->start_ms) * 15 / 1000;
	if (cl->kind == AG_MEDIA_OPUS)
		cl->opus_samples = (cl->end_ms - cl->start_ms) * 48;
	if (cl->end_ms - cl->start_ms < 1000)
		cl->dropped = true;
}

static void
setup(void)
{
	memset(&opts, 0, sizeof opts);
	opts.fps = 15;
	opts.jobs = 1;
	opts.quiet = true;
	memset(&ctx, 0, sizeof ctx);
	ctx.opts = &opts;
	memset(&folder, 0, sizeof folder);
	folder.dir = strdup("F");
}

static void
teardown(void)
{
	cv_folder_free(&folder);
	ag_folder_free(&afolder);
}

/* Add a txt to the folder read in memory (settle() builds the model). */
static void
add_txt(const char *name, const char *text)
{
	struct ag_error e = { 0 };

	cr_assert_eq(ag_folder_add_log(&afolder, name, text, strlen(text), &e), 0, "%s", e.msg);
}

/* Sessions, then the converter's model, with media "probed" as the txt says. */
static void
settle(void)
{
	struct ag_error e = { 0 };
	size_t i, j;

	cr_assert_eq(ag_folder_settle(&afolder, &e), 0, "%s", e.msg);
	cr_assert_eq(cv_folder_from(&ctx, &afolder, &folder, &e), 0, "%s", e.msg);
	ag_folder_free(&afolder);
	for (j = 0; j < folder.ntxts; j++)
		for (i = 0; i < folder.txts[j].nclips; i++)
			probe_as_txt(&folder.txts[j].clips[i]);
}

static const char *B1 =
    "0.000 1001_20240301101500120.aac create \n"
    "0.352 1001_20240301101500472.mp4 create \n"
    "0.352 1001_20240301101500472.mp4 info width=640 height=360 rotation=0\n"
    "20.118 1001_20240301101500472.mp4 close \n"
    "20.131 1001_20240301101500120.aac close \n";
static const char *B2 =
    "52.410 1001_20240301101552530.aac create \n"
    "52.803 1001_20240301101552923.mp4 create \n"
    "52.803 1001_20240301101552923.mp4 info width=640 height=360 rotation=0\n"
    "75.002 1001_20240301101552923.mp4 close \n"
    "75.010 1001_20240301101552530.aac close \n";

static void
example_b(void)
{
	/* Added out of order: planning must sort them. */
	add_txt("uid_1001_20240301101552530.txt", B2);
	add_txt("uid_1001_20240301101500120.txt", B1);
	settle();
}

static struct cv_job *jobs;
static size_t njobs;

static void
plan(void)
{
	struct ag_error e = { 0 };

	cr_assert_eq(cv_plan(&ctx, &folder, &jobs, &njobs, &e), 0, "%s", e.msg);
}

TestSuite(plan, .init = setup, .fini = teardown);

Test(plan, sessions_continue_without_zero)
{
	example_b();
	cr_assert_str_eq(folder.txts[0].name, "uid_1001_20240301101500120.txt");
	cr_assert_eq(folder.txts[0].session, 0);
	cr_assert_eq(folder.txts[1].session, 0);
	cr_assert_eq(ctx.nwarnings, 0);
}

Test(plan, sessions_open_on_zero_or_marker)
{
	add_txt("uid_7_20240301110000050.txt", "0.000 7_20240301110000050.aac create \n"
	    "61.402 7_20240301110000050.aac close \n");
	add_txt("uid_7_20240301110510200.txt", "0.000 7_20240301110510200.aac create \n"
	    "30.009 7_20240301110510200.aac close \n");
	add_txt("uid_7_20240301120000000.txt", "new session started\n"
	    "5.000 7_20240301120000000.aac create \n9.000 7_20240301120000000.aac close \n");
	add_txt("uid_8_20240301120000000.txt", "3.000 8_20240301120000000.aac create \n"
	    "9.000 8_20240301120000000.aac close \n");
	settle();
	cr_assert_eq(folder.txts[0].session, 0);
	cr_assert_eq(folder.txts[1].session, 1);
	cr_assert_eq(folder.txts[2].session, 2);
	/* uid 8's first txt has no 0.000: it opens session 0 with a warning. */
	cr_assert_eq(folder.txts[3].uid, 8);
	cr_assert_eq(folder.txts[3].session, 0);
	cr_assert_eq(ctx.nwarnings, 1);
}

Test(plan, mode0_one_output_per_txt_rebased)
{
	example_b();
	plan();
	cr_assert_eq(njobs, 2);
	cr_assert_str_eq(jobs[0].name, "1001_20240301101500120_av.mp4");
	cr_assert_eq(jobs[0].kind, CV_OUT_AV);
	cr_assert_eq(jobs[0].dur_ms, 20131);
	cr_assert_str_eq(jobs[1].name, "1001_20240301101552530_av.mp4");
	cr_assert_eq(jobs[1].dur_ms, 22600);
	cr_assert_eq(jobs[1].naudio, 1);
	cr_assert_eq(jobs[1].audio[0].out_ms, 0);
	cr_assert_eq(jobs[1].audio[0].dur_ms, 22600);
	cr_assert_eq(jobs[1].nvideo, 1);
	cr_assert_eq(jobs[1].video[0].out_ms, 393);
	cr_assert_eq(jobs[1].video[0].dur_ms, 75002 - 52803);
	cr_assert_eq(jobs[0].width, 640);
	cr_assert_eq(jobs[0].height, 360);
	cr_assert(jobs[0].copy_video);
	cv_jobs_free(jobs, njobs);
}

Test(plan, mode1_keeps_the_absence)
{
	example_b();
	opts.mode = 1;
	plan();
	cr_assert_eq(njobs, 1);
	cr_assert_str_eq(jobs[0].name, "1001_0_merge_av.mp4");
	cr_assert_eq(jobs[0].session, 0);
	cr_assert_eq(jobs[0].dur_ms, 75010);
	cr_assert_eq(jobs[0].naudio, 2);
	cr_assert_eq(jobs[0].audio[0].out_ms, 0);
	cr_assert_eq(jobs[0].audio[0].dur_ms, 20131);
	cr_assert_eq(jobs[0].audio[1].out_ms, 52410);
	cr_assert_eq(jobs[0].audio[1].dur_ms, 22600);
	cr_assert_eq(jobs[0].nvideo, 2);
	cr_assert_eq(jobs[0].video[0].out_ms, 352);
	cr_assert_eq(jobs[0].video[1].out_ms, 52803);
	cv_jobs_free(jobs, njobs);
}

Test(plan, mode1_saving_drops_the_absence)
{
	example_b();
	opts.mode = 1;
	opts.saving = true;
	plan();
	cr_assert_eq(njobs, 1);
	cr_assert_eq(jobs[0].dur_ms, 20131 + 22600);
	cr_assert_eq(jobs[0].audio[1].out_ms, 20131);
	cr_assert_eq(jobs[0].video[1].out_ms, 20131 + 393);
	cv_jobs_free(jobs, njobs);
}

Test(plan, mode2_audio_only)
{
	example_b();
	opts.mode = 2;
	plan();
	cr_assert_eq(njobs, 1);
	cr_assert_str_eq(jobs[0].name, "1001_0_merge.m4a");
	cr_assert_eq(jobs[0].kind, CV_OUT_AUDIO);
	cr_assert_eq(jobs[0].nvideo, 0);
	cr_assert_eq(jobs[0].dur_ms, 75010);
	cv_jobs_free(jobs, njobs);
}

Test(plan, mode3_video_only)
{
	example_b();
	opts.mode = 3;
	plan();
	cr_assert_eq(njobs, 1);
	cr_assert_str_eq(jobs[0].name, "1001_0_merge.mp4");
	cr_assert_eq(jobs[0].kind, CV_OUT_VIDEO);
	cr_assert_eq(jobs[0].naudio, 0);
	cr_assert_eq(jobs[0].dur_ms, 75002);
	cv_jobs_free(jobs, njobs);
}

Test(plan, audio_only_user)
{
	add_txt("uid_5_20240301101500000.txt", "0.000 5_20240301101500000.aac create \n"
	    "12.500 5_20240301101500000.aac close \n");
	settle();
	plan();
	cr_assert_eq(njobs, 1);
	cr_assert_str_eq(jobs[0].name, "5_20240301101500000.m4a");
	cr_assert_eq(jobs[0].kind, CV_OUT_AUDIO);
	cv_jobs_free(jobs, njobs);
	opts.mode = 1;
	plan();
	cr_assert_str_eq(jobs[0].name, "5_0_merge.m4a");
	cv_jobs_free(jobs, njobs);
	opts.mode = 3;
	plan();
	cr_assert_eq(njobs, 0);
	cv_jobs_free(jobs, njobs);
}

Test(plan, two_manual_sessions)
{
	add_txt("uid_1001_20240301110000050.txt",
	    "0.000 1001_20240301110000050.aac create \n"
	    "0.298 1001_20240301110000348.mp4 create \n"
	    "0.298 1001_20240301110000348.mp4 info width=640 height=360 rotation=0\n"
	    "61.400 1001_20240301110000348.mp4 close \n"
	    "61.402 1001_20240301110000050.aac close \n");
	add_txt("uid_1001_20240301110510200.txt",
	    "0.000 1001_20240301110510200.aac create \n"
	    "0.417 1001_20240301110510617.mp4 create \n"
	    "0.418 1001_20240301110510617.mp4 info width=640 height=360 rotation=0\n"
	    "30.007 1001_20240301110510617.mp4 close \n"
	    "30.009 1001_20240301110510200.aac close \n");
	settle();
	opts.mode = 1;
	plan();
	cr_assert_eq(njobs, 2);
	cr_assert_str_eq(jobs[0].name, "1001_0_merge_av.mp4");
	cr_assert_eq(jobs[0].dur_ms, 61402);
	cr_assert_str_eq(jobs[1].name, "1001_1_merge_av.mp4");
	cr_assert_eq(jobs[1].dur_ms, 30009);
	/* The video starts at the info time, not create. */
	cr_assert_eq(jobs[1].video[0].out_ms, 418);
	cv_jobs_free(jobs, njobs);
}

Test(plan, rotation_transposes_the_canvas)
{
	add_txt("uid_1002_20240301120000000.txt",
	    "0.000 1002_20240301120000000.aac create \n"
	    "0.415 1002_20240301120000415.mp4 create \n"
	    "0.415 1002_20240301120000415.mp4 info width=640 height=480 rotation=90\n"
	    "12.300 1002_20240301120000415.mp4 rotate rotation=0\n"
	    "30.020 1002_20240301120000415.mp4 close \n"
	    "30.021 1002_20240301120000000.aac close \n");
	settle();
	plan();
	cr_assert_eq(njobs, 1);
	/* Display sizes 480x640 and 640x480: the canvas holds both. */
	cr_assert_eq(jobs[0].width, 640);
	cr_assert_eq(jobs[0].height, 640);
	cr_assert_not(jobs[0].copy_video);
	cr_assert_eq(folder.txts[0].clips[1].nrots, 2);
	cv_jobs_free(jobs, njobs);
}

Test(plan, copy_policy)
{
	example_b();
	opts.mode = 1;
	plan();
	cr_assert(jobs[0].copy_video);
	cv_jobs_free(jobs, njobs);
	opts.fps = 30;		/* a frame-rate change needs encoding */
	plan();
	cr_assert_not(jobs[0].copy_video);
	cv_jobs_free(jobs, njobs);
	opts.fps = 15;
	opts.width = 1280;	/* so does a resize */
	opts.height = 720;
	plan();
	cr_assert_not(jobs[0].copy_video);
	cr_assert_eq(jobs[0].width, 1280);
	cv_jobs_free(jobs, njobs);
	opts.width = opts.height = 0;
	opts.reencode = true;
	plan();
	cr_assert_not(jobs[0].copy_video);
	cv_jobs_free(jobs, njobs);
}

Test(plan, short_clips_dropped_and_odd_sizes_even)
{
	add_txt("uid_9_20240301120000000.txt",
	    "0.000 9_20240301120000000.aac create \n"
	    "0.500 9_20240301120000500.mp4 create \n"
	    "0.500 9_20240301120000500.mp4 info width=321 height=181 rotation=0\n"
	    "5.000 9_20240301120000500.mp4 close \n"
	    "5.100 9_20240301120005100.mp4 create \n"
	    "5.100 9_20240301120005100.mp4 info width=640 height=360 rotation=0\n"
	    "5.900 9_20240301120005100.mp4 close \n"
	    "6.000 9_20240301120000000.aac close \n");
	settle();
	plan();
	cr_assert_eq(njobs, 1);
	cr_assert_eq(jobs[0].nvideo, 1, "the 0.8 s clip is dropped");
	cr_assert_eq(jobs[0].width, 322);
	cr_assert_eq(jobs[0].height, 182);
	cv_jobs_free(jobs, njobs);
}

Test(plan, overlapping_video_cut_at_the_later_start)
{
	add_txt("uid_3_20240301120000000.txt",
	    "0.000 3_20240301120000000.mp4 create \n"
	    "0.000 3_20240301120000000.mp4 info width=320 height=180 rotation=0\n"
	    "4.000 3_20240301120002000.mp4 create \n"
	    "4.000 3_20240301120002000.mp4 info width=320 height=180 rotation=0\n"
	    "6.000 3_20240301120000000.mp4 close \n"
	    "9.000 3_20240301120002000.mp4 close \n");
	settle();
	plan();
	cr_assert_eq(njobs, 1);
	cr_assert_eq(jobs[0].nvideo, 2);
	cr_assert_eq(jobs[0].video[0].dur_ms, 4000);
	cr_assert_eq(jobs[0].video[1].out_ms, 4000);
	cr_assert_eq(jobs[0].dur_ms, 9000);
	cr_assert_eq(jobs[0].naudio, 0);
	cv_jobs_free(jobs, njobs);
}

Test(plan, aac_priming_left_out)
{
	struct cv_clip cl;

	memset(&cl, 0, sizeof cl);
	cl.kind = AG_MEDIA_AAC;
	cl.ps.sample_rate = 48000;
	cr_assert_eq(cv_audio_lead(&cl), 1024);
	cl.ps.sample_rate = 44100;	/* 1024 samples at 44.1 kHz, counted at 48 kHz */
	cr_assert_eq(cv_audio_lead(&cl), 1115);
	cl.kind = AG_MEDIA_MP4;
	cl.video = true;
	cr_assert_eq(cv_audio_lead(&cl), 0);
}

Test(plan, audio_keeps_time_with_the_video_frame_grid)
{
	example_b();
	opts.mode = 1;
	plan();
	/* Video at 0.352 s starts on frame 5 (0.3333 s): the audio moves
	 * 18.67 ms (896 samples) earlier with it. */
	cr_assert_eq(jobs[0].video[0].out_ms, 352);
	cr_assert_eq(cv_frames_at(352, 15), 5);
	cr_assert_eq(jobs[0].audio_shift, 896);
	cv_jobs_free(jobs, njobs);
	opts.mode = 2;		/* no video: nothing to keep time with */
	plan();
	cr_assert_eq(jobs[0].audio_shift, 0);
	cv_jobs_free(jobs, njobs);
}

Test(plan, opus_placed_like_aac_without_priming)
{
	struct cv_clip cl;

	memset(&cl, 0, sizeof cl);
	cl.kind = AG_MEDIA_OPUS;	/* the decoder leaves out the pre-skip itself */
	cl.ps.sample_rate = 48000;
	cr_assert_eq(cv_audio_lead(&cl), 0);
	add_txt("uid_7_20240301120000000.txt",
	    "0.000 7_20240301120000000.aac create \n"
	    "3.000 7_20240301120000000.aac close \n"
	    "4.000 7_20240301120004000.opus create \n"
	    "4.000 7_20240301120004000.opus info channels=2\n"
	    "7.000 7_20240301120004000.opus close \n");
	settle();
	opts.mode = 2;
	plan();
	cr_assert_eq(njobs, 1);
	cr_assert_eq(jobs[0].naudio, 2);
	cr_assert_eq(jobs[0].audio[1].clip->kind, AG_MEDIA_OPUS);
	cr_assert_eq(jobs[0].audio[1].out_ms, 4000);
	cr_assert_eq(jobs[0].audio[1].dur_ms, 3000);
	cr_assert_eq(jobs[0].dur_ms, 7000);
	cr_assert_not(jobs[0].copy_audio);
	cr_assert_not(jobs[0].opus);
	cv_jobs_free(jobs, njobs);
	opts.opus = true;	/* two clips and a gap: encoded to Opus */
	plan();
	cr_assert(jobs[0].opus);
	cr_assert_not(jobs[0].copy_audio);
	cv_jobs_free(jobs, njobs);
}

Test(plan, opus_copied_only_when_one_clip_fills_the_output)
{
	add_txt("uid_9_20240301120000000.txt",	/* audio that ends before the video */
	    "0.000 9_20240301120000000.opus create \n"
	    "0.400 9_20240301120000400.mp4 create \n"
	    "0.400 9_20240301120000400.mp4 info width=640 height=360 rotation=0\n"
	    "4.000 9_20240301120000000.opus close \n"
	    "5.000 9_20240301120000400.mp4 close \n");
	add_txt("uid_8_20240301120000000.txt",
	    "0.000 8_20240301120000000.opus create \n"
	    "0.352 8_20240301120000352.mp4 create \n"
	    "0.352 8_20240301120000352.mp4 info width=640 height=360 rotation=0\n"
	    "4.352 8_20240301120000352.mp4 close \n"
	    "5.000 8_20240301120000000.opus close \n");
	settle();
	opts.opus = true;
	opts.mode = 2;
	plan();
	cr_assert(jobs[0].opus);
	cr_assert(jobs[0].copy_audio);
	cv_jobs_free(jobs, njobs);
	opts.mode = 1;		/* the audio moves 896 samples with the first frame */
	plan();
	cr_assert_eq(jobs[0].audio_shift, 896);
	cr_assert(jobs[0].copy_audio);
	cv_jobs_free(jobs, njobs);
	folder.clips[0].opus_samples = 4000 * 48;	/* a second short of its txt span */
	plan();
	cr_assert_not(jobs[0].copy_audio);
	cv_jobs_free(jobs, njobs);
	folder.clips[0].opus_samples = 5000 * 48;
	opts.mode = 2;
	opts.reencode = true;
	plan();
	cr_assert_not(jobs[0].copy_audio);
	cv_jobs_free(jobs, njobs);
	opts.reencode = false;
	opts.mode = 0;		/* uid 9's audio ends a second before its output */
	plan();
	cr_assert_eq(njobs, 2);
	cr_assert_eq(jobs[1].uid, 9);
	cr_assert_eq(jobs[1].audio_shift, 0);
	cr_assert_not(jobs[1].copy_audio);
	cv_jobs_free(jobs, njobs);
	opts.mode = 2;
	opts.opus = false;	/* AAC out: an Opus clip is never copied */
	plan();
	cr_assert_not(jobs[0].copy_audio);
	cv_jobs_free(jobs, njobs);
}
