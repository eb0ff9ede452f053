/*
 * speaker.c - the active speaker's hold rule (speaker.h).
 */
#include <string.h>

#include "speaker.h"

void
ag_speaker_hold_init(struct ag_speaker_hold *h, int64_t hold_us)
{
	memset(h, 0, sizeof *h);
	h->hold_us = hold_us < 0 ? 0 : hold_us;
}

bool
ag_speaker_hold_feed(struct ag_speaker_hold *h, int64_t end_us, int64_t interval_us,
    bool has_active, uint32_t active)
{
	int64_t start = end_us - (interval_us > 0 ? interval_us : 0);

	if (h->has_last && end_us < h->last_end_us)
		return false;
	/* a missing interval breaks the run as silence would */
	if (h->has_last && start - h->last_end_us > interval_us / 2)
		h->has_cand = false;
	h->has_last = true;
	h->last_end_us = end_us;
	if (!has_active) {
		h->has_cand = false;
		return false;
	}
	if (!h->has_cand || h->cand != active) {
		h->has_cand = true;
		h->cand = active;
		h->run_start_us = start;
	}
	if (h->has_speaker && h->speaker == active)
		return false;
	if (end_us - h->run_start_us < h->hold_us)
		return false;
	h->has_speaker = true;
	h->speaker = active;
	return true;
}
