/*
 * speaker.c - layout 3, the active speaker: who holds the main region
 * at each output time.  The levels come from the channel stream's
 * levels records (live.c), from a folder's speakers.jsonl, or, when
 * neither gives any, from the audio agrec-mix mixes (RMS per
 * MX_SPEAKER_IV_MS interval, the recorder's rule of speaker.h).  The
 * hold rule of libcommon's speaker.h turns intervals into switches,
 * queued with their time and applied when the output clock reaches it:
 * a live stream's records are read ahead of the ticks by the latency.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "diag.h"
#include "fsutil.h"
#include "mix/mix.h"

#define MAX_JSONL_BYTES (256 * 1024 * 1024)

void
mx_speaker_init(struct mx_engine *e)
{
	ag_speaker_hold_init(&e->hold, (int64_t)e->o->speaker_hold_ms * 1000);
	e->spk_iv_start = 0;
	e->spk_iv_end = MX_SPEAKER_IV_MS * 1000;
}

void
mx_speaker_free(struct mx_engine *e)
{
	free(e->sw);
	e->sw = NULL;
	e->nsw = e->capsw = e->swpos = 0;
}

static void
queue_switch(struct mx_engine *e, int64_t t_us, uint32_t uid)
{
	struct mx_switch *p;

	if (e->swpos > 0 && e->swpos == e->nsw)
		e->nsw = e->swpos = 0;	/* all applied: reuse the room */
	if ((p = ag_grow(e->sw, &e->capsw, e->nsw + 1, sizeof *p)) == NULL) {
		ag_msg("out of memory: the speaker switch at %.3f s is lost", (double)t_us / 1e6);
		return;
	}
	e->sw = p;
	e->sw[e->nsw].t_us = t_us;
	e->sw[e->nsw].uid = uid;
	e->nsw++;
}

static void
feed(struct mx_engine *e, int64_t end_us, int64_t interval_us, bool has, uint32_t uid)
{
	if (has && mx_excluded(e->o, uid))
		has = false;
	if (ag_speaker_hold_feed(&e->hold, end_us, interval_us, has, uid))
		queue_switch(e, end_us, e->hold.speaker);
}

void
mx_speaker_levels(struct mx_engine *e, int64_t end_us, int64_t interval_us, bool has_active,
    uint32_t active)
{
	if (e->o->layout_mode != 3 || e->has_custom)
		return;
	if (!e->spk_ext && e->hold.has_last && !e->o->quiet)
		ag_msg("levels from the stream at %.3f s: the active speaker follows them, "
		    "no longer the audio mixed here", (double)end_us / 1e6);
	e->spk_ext = true;
	feed(e, end_us, interval_us, has_active, active);
}

void
mx_speaker_audio(struct mx_engine *e, uint32_t uid, const int16_t *s, size_t n)
{
	struct mx_user *u;

	if (e->o->layout_mode != 3 || e->has_custom || e->spk_ext)
		return;
	if ((u = mx_engine_user(e, uid, false)) == NULL)
		return;
	ag_level_add_s16(&u->lvl, s, n);
}

void
mx_speaker_tick_end(struct mx_engine *e, int64_t t1)
{
	struct ag_stream_level lv[64];   /* more users speaking at once: not measured */
	size_t n = 0;
	uint32_t uid = 0;
	bool has;

	if (e->o->layout_mode != 3 || e->has_custom || e->spk_ext || t1 < e->spk_iv_end)
		return;
	/* users absent from the interval (no audio, muted) have no level */
	for (size_t i = 0; i < e->nusers; i++) {
		struct mx_user *u = &e->users[i];
		if (ag_level_any(&u->lvl) && n < sizeof lv / sizeof lv[0]) {
			lv[n].uid = u->uid;
			lv[n].level_cb = ag_level_cb(ag_level_dbov(&u->lvl, NULL));
			lv[n].source = AG_STREAM_LEVEL_DECODED;
			n++;
		}
		memset(&u->lvl, 0, sizeof u->lvl);
	}
	has = ag_level_active(lv, n, &uid);
	feed(e, t1, t1 - e->spk_iv_start, has, uid);
	e->spk_iv_start = t1;
	while (e->spk_iv_end <= t1)
		e->spk_iv_end += MX_SPEAKER_IV_MS * 1000;
}

void
mx_speaker_apply(struct mx_engine *e, int64_t tn)
{
	while (e->swpos < e->nsw && e->sw[e->swpos].t_us <= tn) {
		uint32_t uid = e->sw[e->swpos++].uid;
		if (e->has_main && e->main_uid == uid)
			continue;
		if (!e->o->quiet)
			ag_msg("active speaker: uid %u takes the main region at %.3f s",
			    (unsigned)uid, (double)tn / 1e6);
		e->has_main = true;
		e->main_uid = uid;
		e->layout_dirty = true;
	}
}

bool
mx_speaker_main(const struct mx_engine *e, const uint32_t *uids, size_t n, uint32_t *uid)
{
	if (e->has_main) {
		*uid = e->main_uid;
		return true;
	}
	for (size_t i = 0; i < n; i++)
		if (e->o->has_max_uid && uids[i] == e->o->max_uid) {
			*uid = uids[i];
			return true;
		}
	if (n == 0)
		return false;
	*uid = uids[0];
	return true;
}

/* One line (len bytes at s) of speakers.jsonl; *prev is the previous
 * line's end on the output clock.  0, or -1 with err. */
static int
load_line(struct mx_engine *e, const char *s, size_t len, int64_t base_ms, int64_t *prev,
    struct ag_error *err)
{
	struct ag_level_line l;
	int64_t end;

	if (ag_level_parse_line(s, len, &l, err) < 0)
		return -1;
	end = (l.wall_ms - base_ms) * 1000;
	if (end < *prev)
		return ag_error_set(err, AG_EX_DATAERR, "wall_ms %lld goes back in time",
		    (long long)l.wall_ms);
	*prev = end;
	e->spk_ext = true;
	feed(e, end, l.interval_ms * 1000, l.has_active, l.active);
	return 0;
}

int
mx_speaker_load(struct mx_engine *e, const char *dir, int64_t base_ms, struct ag_error *err)
{
	char *path = ag_path_join(dir, "speakers.jsonl"), *buf = NULL;
	size_t len = 0, nbad = 0, nlines = 0, nread = 0, first_bad = 0;
	int64_t prev = INT64_MIN;
	struct ag_error le;
	char why[256] = "";
	int rc = -1;

	if (path == NULL)
		return ag_error_set(err, AG_EX_FAIL, "out of memory");
	if (access(path, F_OK) < 0 && errno == ENOENT) {
		if (!e->o->quiet)
			ag_msg("%s: no speakers.jsonl: the active speaker is measured on the audio",
			    dir);
		rc = 0;
		goto out;
	}
	if (ag_read_file(path, MAX_JSONL_BYTES, &buf, &len, err) < 0)
		goto out;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t n = nl != NULL ? (size_t)(nl - (buf + i)) : len - i;
		nlines++;
		if (n > 0 && load_line(e, buf + i, n, base_ms, &prev, &le) == 0) {
			nread++;
		} else if (n > 0 && nl != NULL && nbad++ == 0) {
			/* (a partial last line, without its newline, is a recorder
			 * killed mid-write: skipped without a word) */
			first_bad = nlines;
			snprintf(why, sizeof why, "%s", le.msg);
		}
		i += n + (nl != NULL);
	}
	if (nbad > 0)
		ag_msg("%s: %zu malformed line(s) skipped, the first at line %zu: %s", path, nbad,
		    first_bad, why);
	if (!e->o->quiet)
		ag_msg("%s: %zu intervals, %zu speaker switches", path, nread, e->nsw);
	rc = 0;
out:
	free(buf);
	free(path);
	return rc;
}
