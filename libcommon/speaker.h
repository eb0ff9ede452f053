/*
 * speaker.h - the active speaker as a composite follows it: the hold
 * rule (a new speaker takes the main region only after being active
 * for a while, agrec-mix(1) LAYOUT).  Who is active in one interval,
 * levels and speakers.jsonl lines are level.h's.
 *
 * Times are microseconds on any clock the caller likes, as long as it
 * is one clock for every call on one hold.
 */
#ifndef AG_SPEAKER_H
#define AG_SPEAKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>


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

#endif
