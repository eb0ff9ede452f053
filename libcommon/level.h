/*
 * level.h - audio levels for volume indication (agrec-record
 * --audioIndicationInterval): a power accumulator per user over one
 * interval, its level in dBov, the sender's RFC 6464 audio level, the
 * active speaker of an interval, and the speakers.jsonl line
 * (agrec-folder(5)).
 *
 * A level is the RMS of every sample of the interval (all channels
 * together) relative to full scale, 20 * log10(rms / 32768), which is
 * what ffmpeg's volumedetect calls mean_volume; floored at -127 dBov,
 * the RFC 6464 floor.  RFC 6464 levels are combined in the power domain,
 * each weighted by the media time it stands for.
 */
#ifndef AG_LEVEL_H
#define AG_LEVEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "rtp.h"
#include "stream.h"

#define AG_LEVEL_FLOOR_DB (-127.0)      /* silence, and the lowest level */
#define AG_LEVEL_SPEECH_CB (-5000)      /* at or above: can be the active speaker */

/* One user's audio power over an interval; zeroed: nothing yet. */
struct ag_level {
	double sum;                 /* decoded: the sum of squared samples */
	double samples;             /* decoded: how many (channels counted apart) */
	double power_ms;            /* RFC 6464: linear power x ms */
	double ms;                  /* RFC 6464: the ms of media they stand for */
};

/* Add n decoded samples (borrowed; interleaved channels count apart). */
void ag_level_add_s16(struct ag_level *l, const int16_t *s, size_t n);

/* Add an RFC 6464 level (0..127, meaning -level dBov) that stands for ms
 * milliseconds of media (ms <= 0 counts as 1). */
void ag_level_add_rfc6464(struct ag_level *l, int level, double ms);

/* Has anything been added? */
bool ag_level_any(const struct ag_level *l);

/*
 * The level of what was added, dBov in -127.0..0; RFC 6464 levels when
 * there are some (the sender measured before encoding), else the decoded
 * samples; -127.0 when nothing was added.  *source (may be NULL) gets
 * the enum ag_stream_level_source it came from.
 */
double ag_level_dbov(const struct ag_level *l, int *source);

/* dBov in hundredths, rounded and clamped to AG_STREAM_LEVEL_MIN_CB..0. */
int16_t ag_level_cb(double dbov);

/*
 * The RFC 6464 level in packet p's header extension element id (RFC 8285
 * one-byte or two-byte headers, ag_rtp_ext_find): 0..127, or -1 when p
 * has none.  *voice (may be NULL) gets the V bit.
 */
int ag_level_rfc6464(const struct ag_rtp *p, int id, bool *voice);

/*
 * The active speaker of an interval's levels v[0..n) (borrowed): the
 * loudest whose level_cb >= AG_LEVEL_SPEECH_CB, the lowest uid on a tie.
 * Returns true and sets *uid, or false when nobody reaches the threshold.
 */
bool ag_level_active(const struct ag_stream_level *v, size_t n, uint32_t *uid);

/*
 * Append one speakers.jsonl line (agrec-folder(5)), newline included, to
 * b: t_ms, wall_ms, interval_ms, the levels of v[0..n) (borrowed) keyed
 * by uid in the order given, dBov rounded to 0.1, and the active uid or
 * null.  Returns 0, or -1 when out of memory (b->failed).
 */
int ag_level_json(struct ag_buf *b, int64_t t_ms, int64_t wall_ms, uint32_t interval_ms,
    const struct ag_stream_level *v, size_t n, bool active, uint32_t active_uid);

/* One line of speakers.jsonl as read. */
#define AG_LEVEL_MAX_LINE_LEVELS 64
struct ag_level_line {
	int64_t t_ms, wall_ms;
	int64_t interval_ms;
	bool has_active;          /* false: "active": null */
	uint32_t active;
	size_t nlevels;           /* levels kept, at most AG_LEVEL_MAX_LINE_LEVELS */
	size_t nlevels_all;       /* levels in the line */
	struct ag_stream_level levels[AG_LEVEL_MAX_LINE_LEVELS];  /* source 0 */
};

/*
 * Parse one line of speakers.jsonl (len bytes of text, borrowed; no
 * newline needed), as ag_level_json() writes it, into out: t_ms,
 * wall_ms and interval_ms (> 0) are required integers, active a uid or
 * null, levels an object of decimal uids to numbers (dBov, clamped to
 * -127..0; missing: none).  Unknown keys are ignored.  Returns 0, or -1
 * with err (AG_EX_DATAERR, "what is wrong") for a malformed line.
 */
int ag_level_parse_line(const char *line, size_t len, struct ag_level_line *out,
    struct ag_error *err);

#endif
