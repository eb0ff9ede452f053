/*
 * test_overload.c - an audio child writer whose reader falls behind
 * (cmd/record/files.c): its queue is bounded in media time, whole
 * frames are dropped beyond it and counted, writing resumes once the
 * reader catches up, and what it never takes is counted at the close.
 * The child is the read end of a small pipe that the test reads, or not.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "record/files.h"

static struct rc_folder f;
static struct rc_writer w;
static struct rc_ptmap pm = { .set = true, .codec = AG_CODEC_OPUS, .rate = 48000, .channels = 2 };
static int rd = -1;
static int64_t t;   /* channel time of the next frame */

static void
setup(void)
{
	struct ag_mkv_track tr = { 0 };
	struct ag_error e = { 0 };
	int p[2];

	memset(&f, 0, sizeof f);
	f.log_fd = -1;
	f.start_mono_ms = ag_mono_ms();
	memset(&w, 0, sizeof w);
	cr_assert_eq(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
	fcntl(p[1], F_SETPIPE_SZ, 4096);
	rd = p[0];
	tr.codec = AG_MKV_OPUS;
	tr.sample_rate = 48000;
	tr.channels = 2;
	w.kind = RC_W_CHILD;
	w.fd = p[1];
	w.out_fd = -1;
	w.codec = AG_CODEC_OPUS;
	w.channels = 2;
	snprintf(w.name, sizeof w.name, "1_20240101000000000.aac");
	w.mkv = ag_mkv_open(w.fd, &tr, 1, &e);
	cr_assert_not_null(w.mkv, "%s", e.msg);
	t = 0;
}

static void
teardown(void)
{
	if (w.kind != RC_W_NONE)
		rc_writer_close(&f, &w);
	if (rd >= 0)
		close(rd);
	rd = -1;
}

/* Write ms of 20 ms stereo Opus frames of 160 bytes. */
static void
feed(int64_t ms)
{
	uint8_t data[160];
	struct ag_frame fr = { AG_CODEC_OPUS, data, sizeof data, 0, true, false, 0, 0 };
	struct rc_frame fm = { &fr, &pm, 2, 0, 0, 20, NULL, 0, 0, -1 };
	struct ag_error e = { 0 };
	int64_t end = t + ms;

	memset(data, 0, sizeof data);
	data[0] = 0xfc;	/* TOC: CELT FB 20 ms, stereo */
	for (; t < end; t += 20) {
		fm.t = t;
		fm.t90 = t * 90;
		cr_assert_eq(rc_writer_write(&f, &w, &fm, &e), 0, "%s", e.msg);
	}
}

/* The reader takes everything there is, and the writer hands it the rest. */
static void
take_all(void)
{
	uint8_t buf[65536];
	int i;

	for (i = 0; i < 1000; i++) {
		while (read(rd, buf, sizeof buf) > 0)
			;
		if (rc_writer_flush(&f, &w) == 0)
			break;
	}
	while (read(rd, buf, sizeof buf) > 0)
		;
}

TestSuite(overload, .init = setup, .fini = teardown);

Test(overload, a_reader_that_keeps_up_loses_nothing)
{
	int k;

	for (k = 0; k < 30; k++) {
		feed(1000);
		take_all();
	}
	cr_assert_eq(w.shed_frames, 0);
	cr_assert_eq(w.frames, 1500);
	cr_assert_lt(rc_writer_backlog(&f, &w), 1000);
}

Test(overload, the_queue_is_bounded_in_media_time)
{
	feed(30000);
	/* A 4 KiB pipe took a few hundred ms; then 10 s of queue; the rest
	 * is dropped, in whole frames, and counted. */
	cr_assert_gt(w.shed_frames, 0);
	cr_assert_eq(w.frames + w.shed_frames, 1500);
	cr_assert_eq(w.shed_ms, (int64_t)w.shed_frames * 20);
	cr_assert_leq(w.frames * 20, RC_QUEUE_MS + 2000, "%llu frames kept",
	    (unsigned long long)w.frames);
	cr_assert_geq(w.frames * 20, RC_QUEUE_MS, "%llu frames kept", (unsigned long long)w.frames);
	cr_assert(w.shedding);
	/* The file's time goes on (no split for a gap). */
	cr_assert_eq(w.last_ms, 30000);
}

Test(overload, writing_resumes_once_the_reader_catches_up)
{
	uint64_t shed;

	feed(20000);
	shed = w.shed_frames;
	cr_assert_gt(shed, 0);
	take_all();
	cr_assert_lt(rc_writer_backlog(&f, &w), 1000);
	feed(5000);
	cr_assert_not(w.shedding);
	cr_assert_eq(w.shed_frames, shed, "frames were dropped after the reader caught up");
}

Test(overload, what_is_not_taken_at_the_close_is_counted)
{
	feed(30000);
	/* Closing while others record waits RC_CLOSE_WAIT_MS for a reader
	 * that reads nothing; the last frame dropped is written first, so
	 * that the file would last to its end. */
	rc_writer_close(&f, &w);
	cr_assert_gt(w.unwritten_frames, 0);
	cr_assert_eq(w.shed_frames + w.frames, 1500);
	rc_writer_loss(&f, &w, 1);
	cr_assert_eq(f.loss_files, 1);
	cr_assert_gt(f.shed_frames, 0);
	cr_assert_gt(f.unwritten_frames, 0);
	cr_assert_gt(f.unwritten_ms, RC_QUEUE_MS - RC_QUEUE_RESUME_MS);
}
