/*
 * test_mix_engine.c - agrec-mix's own arithmetic: the output clock of
 * a track's audio (samples placed by time, late samples dropped), live
 * H.264 framing for Matroska, and G.711 expansion.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "codec.h"
#include "mix/mix.h"

/* Append n samples of value v (mono) to a track's buffer, as a read would. */
static void
feed(struct mx_track *t, int n, int16_t v)
{
	for (int i = 0; i < n; i++) {
		memcpy(t->abuf + t->alen, &v, 2);
		t->alen += 2;
	}
}

Test(mix_engine, audio_take_places_samples_by_time)
{
	struct mx_track *t = mx_track_new(7, false, 10000, 0, 0, 1, 15, false);
	int16_t out[960];

	cr_assert_not_null(t);
	t->spawned = true;
	feed(t, 2000, 100);	/* sample 0 of the track is output sample 480 (10 ms) */
	cr_assert(mx_track_audio_ready(t, 960));
	mx_track_audio_take(t, 0, 960, out);
	cr_assert_eq(out[0], 0);
	cr_assert_eq(out[479], 0);
	cr_assert_eq(out[480], 100);
	cr_assert_eq(out[959], 100);
	cr_assert_eq(t->apos, 480, "consumed up to output sample 960: %lld", (long long)t->apos);
	cr_assert(!mx_track_audio_ready(t, 960 + 2000));
	mx_track_free(t);
}

Test(mix_engine, audio_take_stops_at_the_track_end)
{
	struct mx_track *t = mx_track_new(7, false, 0, 0, 0, 1, 15, false);
	int16_t out[960];

	t->end_us = 10000;	/* 480 samples */
	feed(t, 960, 5);
	mx_track_audio_take(t, 0, 960, out);
	cr_assert_eq(out[479], 5);
	cr_assert_eq(out[480], 0);
	mx_track_free(t);
}

Test(mix_engine, frame_times_from_the_index)
{
	struct mx_track *t = mx_track_new(1, true, 500000, 320, 180, 1, 15, false);

	/* computed from k, never accumulated: frame 15*3600 is exactly 1 h later */
	cr_assert_eq(mx_frame_time(t, 0, 15), 500000);
	cr_assert_eq(mx_frame_time(t, 15 * 3600, 15), 500000 + 3600000000LL);
	cr_assert_eq(mx_frame_time(t, 1, 15), 500000 + 66666);
	mx_track_free(t);
}

Test(mix_engine, g711)
{
	cr_assert_eq(ag_g711_ulaw(0xff), 0);
	cr_assert_eq(ag_g711_ulaw(0x80), 32124);
	cr_assert_eq(ag_g711_ulaw(0x00), -32124);
	cr_assert_eq(ag_g711_alaw(0xd5), 8);
	cr_assert_eq(ag_g711_alaw(0x55), -8);
	cr_assert_eq(ag_g711_alaw(0xaa), 32256);
}
