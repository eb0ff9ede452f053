/*
 * levels.c - volume indication (--audioIndicationInterval, levels.h).
 *
 * A frame counts in the interval of channel time its own time falls in,
 * so a level is of the audio of that interval whatever the network did;
 * an interval is written once the jitter buffers can no longer deliver
 * frames of it.  Its level comes from the sender's RFC 6464 extension
 * when the stream has one (nothing to decode), else from the samples:
 * Opus decoded with libopus at RC_LEVELS_OPUS_RATE, G.711 expanded.  AAC
 * is not decoded: an AAC sender without RFC 6464 has no level.
 */
#include <errno.h>
#include <fcntl.h>
#include <opus.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "codec.h"
#include "record/emit.h"
#include "record/files.h"
#include "record/levels.h"
#include "record/rec.h"
#include "record/session.h"

/*
 * Opus is decoded at 48 kHz, the rate volumedetect measures at.  Measured
 * (bench/levels, 20 senders of mono Opus 32 kb/s, 2-core machine): 1.6 ms
 * of CPU per participant per second at 48 kHz against 1.25 at 16 kHz,
 * while 16 kHz misses what lies above 8 kHz: the same level on a tone or
 * speech-band noise, 0.7 dB less on pink noise and 6 dB less on white
 * noise than 48 kHz.  -DRC_LEVELS_OPUS_RATE=16000 builds the other.
 */
#ifndef RC_LEVELS_OPUS_RATE
#define RC_LEVELS_OPUS_RATE 48000
#endif
#define OPUS_MAX_SAMPLES (RC_LEVELS_OPUS_RATE / 1000 * 120)  /* 120 ms, per channel */
/* Frames reach the levels at most this long after their time, beyond
 * the jitter buffers' delay: the poll loop's rounds and timers. */
#define RC_LEVELS_SLACK_MS 60

struct rc_levels {
	int64_t end;                /* channel time (ms) the interval being closed ends */
	int fd;                     /* speakers.jsonl; -1 before the first line */
	bool failed;                /* a write failed: no more lines (logged once) */
	struct ag_buf line;
	struct ag_stream_level *v;  /* one interval's entries */
	size_t cap_v;
	uint8_t *entries;           /* their wire form */
	size_t cap_entries;
};

static struct rc_levels *
state(struct rc_rec *r)
{
	if (r->levels == NULL && (r->levels = calloc(1, sizeof *r->levels)) != NULL) {
		r->levels->fd = -1;
		r->levels->end = r->opts->indication_ms;
	}
	return r->levels;
}

static void
say_unmeasured(struct rc_rec *r, struct rc_user *u, const char *why)
{
	if (u->levels.unmeasured_said)
		return;
	u->levels.unmeasured_said = true;
	rc_log(&r->folder, 4, "uid %lu: %s: no audio level for it", (unsigned long)u->uid, why);
}

static void
add_opus(struct rc_rec *r, struct rc_user *u, const struct rc_frame *fm, struct ag_level *a)
{
	struct rc_levels_user *lu = &u->levels;
	int16_t pcm[OPUS_MAX_SAMPLES * 2];
	int ch = fm->channels == 1 ? 1 : 2, e, n;

	if (lu->opus == NULL || lu->opus_channels != ch) {
		if (lu->opus != NULL)
			opus_decoder_destroy(lu->opus);
		if ((lu->opus = opus_decoder_create(RC_LEVELS_OPUS_RATE, ch, &e)) == NULL) {
			say_unmeasured(r, u, opus_strerror(e));
			return;
		}
		lu->opus_channels = ch;
	}
	n = opus_decode(lu->opus, fm->fr->data, (opus_int32)fm->fr->len, pcm, OPUS_MAX_SAMPLES, 0);
	if (n > 0)
		ag_level_add_s16(a, pcm, (size_t)n * (size_t)ch);
}

static void
add_g711(const struct rc_frame *fm, struct ag_level *a)
{
	int16_t pcm[512];
	size_t i = 0, k;
	bool ulaw = fm->fr->codec == AG_CODEC_PCMU;

	while (i < fm->fr->len) {
		for (k = 0; k < sizeof pcm / sizeof pcm[0] && i < fm->fr->len; k++, i++)
			pcm[k] = ulaw ? ag_g711_ulaw(fm->fr->data[i]) : ag_g711_alaw(fm->fr->data[i]);
		ag_level_add_s16(a, pcm, k);
	}
}

void
rc_levels_frame(struct rc_rec *r, struct rc_user *u, const struct rc_frame *fm)
{
	struct rc_levels *lv;
	struct ag_level *a;

	if (r->opts->indication_ms == 0 || (lv = state(r)) == NULL)
		return;
	/* Its interval was written (a stream held while it waited for its
	 * CNAME): counted in a later one, it would misplace the speech. */
	if (fm->t < lv->end - r->opts->indication_ms)
		return;
	a = &u->levels.acc[fm->t >= lv->end ? 1 : 0];
	if (fm->audio_level >= 0) {
		ag_level_add_rfc6464(a, fm->audio_level, (double)fm->dur_ms);
		return;
	}
	switch (fm->fr->codec) {
	case AG_CODEC_OPUS:
		add_opus(r, u, fm, a);
		break;
	case AG_CODEC_PCMU: case AG_CODEC_PCMA:
		add_g711(fm, a);
		break;
	default:
		say_unmeasured(r, u, "AAC without RFC 6464 audio levels is not decoded");
		break;
	}
}

static int
by_uid(const void *a, const void *b)
{
	uint32_t x = ((const struct ag_stream_level *)a)->uid;
	uint32_t y = ((const struct ag_stream_level *)b)->uid;

	return x < y ? -1 : x > y;
}

/* One line of speakers.jsonl with one write(): a killed recorder leaves
 * whole lines (and maybe nothing of the last). */
static void
write_line(struct rc_rec *r, struct rc_levels *lv)
{
	char path[4200];
	ssize_t n;

	if (lv->failed)
		return;
	if (lv->fd < 0) {
		snprintf(path, sizeof path, "%s/speakers.jsonl", r->folder.path);
		lv->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0666);
		if (lv->fd < 0) {
			rc_log(&r->folder, 2, "speakers.jsonl: %s; no more audio levels in the folder",
			    strerror(errno));
			lv->failed = true;
			return;
		}
	}
	n = write(lv->fd, lv->line.p, lv->line.len);
	if (n == (ssize_t)lv->line.len)
		return;
	rc_log(&r->folder, 2, "speakers.jsonl: %s; no more audio levels in the folder",
	    n < 0 ? strerror(errno) : "short write");
	if (n < 0 && errno == ENOSPC)
		r->disk_full = true;
	lv->failed = true;
}

/* The levels record and the line of one interval of n entries (lv->v). */
static void
write_interval(struct rc_rec *r, struct rc_levels *lv, size_t n)
{
	struct ag_stream_levels rec;
	uint32_t active_uid = 0;
	bool active;
	uint8_t *p;
	size_t i;

	if (n > 0)	/* an interval with nobody's audio has no array yet */
		qsort(lv->v, n, sizeof *lv->v, by_uid);
	active = ag_level_active(lv->v, n, &active_uid);
	if ((p = ag_grow(lv->entries, &lv->cap_entries, n * AG_STREAM_LEVEL_SIZE, 1)) == NULL)
		return;
	lv->entries = p;
	for (i = 0; i < n; i++)
		ag_stream_level_put(lv->entries + i * AG_STREAM_LEVEL_SIZE, &lv->v[i]);
	memset(&rec, 0, sizeof rec);
	rec.t_us = lv->end * 1000;
	rec.interval_ms = (uint32_t)r->opts->indication_ms;
	rec.active_uid = active ? active_uid : 0;
	rec.flags = active ? AG_STREAM_LEVELS_F_ACTIVE : 0;
	rec.entries = lv->entries;
	rec.entries_len = n * AG_STREAM_LEVEL_SIZE;
	rc_emit_levels(r, &rec);
	ag_buf_clear(&lv->line);
	if (ag_level_json(&lv->line, lv->end, r->folder.start_wall_ms + lv->end,
	    (uint32_t)r->opts->indication_ms, lv->v, n, active, active_uid) == 0)
		write_line(r, lv);
}

/* Close the interval that ends at lv->end and start the next. */
static void
close_interval(struct rc_rec *r, struct rc_levels *lv)
{
	size_t i, n = 0;
	bool anyone = false;

	for (i = 0; i < r->nusers; i++) {
		struct rc_user *u = &r->users[i];
		struct rc_levels_user *lu = &u->levels;
		struct ag_stream_level *v;
		int src;
		double db;
		if (!u->used)
			continue;
		anyone |= u->present;
		if (ag_level_any(&lu->acc[0]) &&
		    (v = ag_grow(lv->v, &lv->cap_v, n + 1, sizeof *v)) != NULL) {
			lv->v = v;
			db = ag_level_dbov(&lu->acc[0], &src);
			lv->v[n].uid = u->uid;
			lv->v[n].level_cb = ag_level_cb(db);
			lv->v[n].source = (uint8_t)src;
			n++;
		}
		lu->acc[0] = lu->acc[1];
		memset(&lu->acc[1], 0, sizeof lu->acc[1]);
	}
	/* Nobody in the channel, or paused (manual mode): no line. */
	if (r->recording && (n > 0 || anyone))
		write_interval(r, lv, n);
	lv->end += r->opts->indication_ms;
}

void
rc_levels_tick(struct rc_rec *r, int64_t now)
{
	struct rc_levels *lv;
	int64_t due = now - r->opts->jitter_ms - RC_LEVELS_SLACK_MS;

	if (r->opts->indication_ms == 0 || (lv = state(r)) == NULL)
		return;
	while (lv->end <= due)
		close_interval(r, lv);
}

void
rc_levels_finish(struct rc_rec *r, int64_t now)
{
	struct rc_levels *lv;

	if (r->opts->indication_ms == 0 || (lv = state(r)) == NULL)
		return;
	while (lv->end <= now)
		close_interval(r, lv);
}

void
rc_levels_user_free(struct rc_levels_user *lu)
{
	if (lu->opus != NULL)
		opus_decoder_destroy(lu->opus);
	lu->opus = NULL;
}

void
rc_levels_free(struct rc_rec *r)
{
	struct rc_levels *lv = r->levels;
	size_t i;

	for (i = 0; i < r->nusers; i++)
		rc_levels_user_free(&r->users[i].levels);
	if (lv == NULL)
		return;
	if (lv->fd >= 0)
		close(lv->fd);
	ag_buf_free(&lv->line);
	free(lv->v);
	free(lv->entries);
	free(lv);
	r->levels = NULL;
}
