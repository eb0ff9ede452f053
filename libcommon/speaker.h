/*
 * speaker.h - the active speaker as a composite follows it: the hold
 * rule (a new speaker takes the main region only after being active
 * for a while, agrec-mix(1) LAYOUT), the lines of a folder's
 * speakers.jsonl (agrec-folder(5)), and the level of a block of samples
 * with the recorder's rule for who is active (loudest at or above
 * AG_SPEAKER_THRESHOLD_DB, ties to the lowest uid).
 *
 * Times are microseconds on any clock the caller likes, as long as it
 * is one clock for every call on one hold.
 */
#ifndef AG_SPEAKER_H
#define AG_SPEAKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define AG_SPEAKER_THRESHOLD_DB (-50.0)  /* speech: a level at or above it */
#define AG_SPEAKER_FLOOR_DB     (-127.0) /* silence (the RFC 6464 floor) */

/*
 * The hold state machine.  The candidate is the uid active in the
 * latest interval; its run began with the first of the unbroken
 * sequence of intervals in which it was active.  An interval in which
 * another uid or nobody is active, or a gap of more than half an
 * interval between two intervals, ends the run.  The candidate becomes
 * the speaker at the end of the first interval at which its run has
 * lasted hold_us or more.  The speaker then stays until another
 * candidate does the same: silence, and the speaker leaving, keep it.
 */
struct ag_speaker_hold {
	int64_t hold_us;
	bool has_speaker;         /* someone took the main region */
	uint32_t speaker;
	bool has_cand;            /* a run is going on */
	uint32_t cand;
	int64_t run_start_us;     /* start of the run's first interval */
	bool has_last;
	int64_t last_end_us;      /* end of the latest interval fed */
};

/* A hold of hold_us (>= 0) with no speaker yet. */
void ag_speaker_hold_init(struct ag_speaker_hold *h, int64_t hold_us);

/*
 * One interval [end_us - interval_us, end_us] in which active (when
 * has_active) was the active speaker.  Intervals come in time order;
 * one that ends before the previous one's end is ignored.  Returns true
 * when the speaker changed at end_us (h->speaker is the new one).
 */
bool ag_speaker_hold_feed(struct ag_speaker_hold *h, int64_t end_us, int64_t interval_us,
    bool has_active, uint32_t active);

/* One user's level in an interval. */
struct ag_speaker_level {
	uint32_t uid;
	double db;                /* dBov, AG_SPEAKER_FLOOR_DB..0 */
};

/*
 * The active speaker among v[0..n-1] (borrowed): the loudest level at or
 * above AG_SPEAKER_THRESHOLD_DB, ties to the lowest uid.  Returns false
 * when nobody reaches the threshold.
 */
bool ag_speaker_pick(const struct ag_speaker_level *v, size_t n, uint32_t *uid);

/* Sum of the squares of the n samples s (borrowed): a block's energy, to
 * be added up over an interval. */
double ag_speaker_sumsq(const int16_t *s, size_t n);

/* The RMS level of n samples whose squares add up to sumsq, in dBov
 * (20 log10(rms / 32768)), floored at AG_SPEAKER_FLOOR_DB; the floor
 * when n is 0. */
double ag_speaker_dbov(double sumsq, uint64_t n);

/* One line of speakers.jsonl. */
#define AG_SPEAKER_MAX_LEVELS 64
struct ag_speaker_line {
	int64_t t_ms, wall_ms;
	int64_t interval_ms;
	bool has_active;          /* false: "active": null */
	uint32_t active;
	size_t nlevels;           /* levels kept, at most AG_SPEAKER_MAX_LEVELS */
	size_t nlevels_all;       /* levels in the line */
	struct ag_speaker_level levels[AG_SPEAKER_MAX_LEVELS];
};

/*
 * Parse one line of speakers.jsonl (len bytes of text, borrowed; no
 * newline needed) into out: t_ms, wall_ms and interval_ms (> 0) are
 * required integers, active a uid or null, levels an object of decimal
 * uids to numbers (missing: none).  Unknown keys are ignored.  Returns
 * 0, or -1 with err (AG_EX_DATAERR, "what is wrong") for a malformed
 * line.
 */
int ag_speaker_parse_line(const char *line, size_t len, struct ag_speaker_line *out,
    struct ag_error *err);

#endif
