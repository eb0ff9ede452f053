/*
 * levels.h - agrec-record's volume indication (levels.c,
 * --audioIndicationInterval): every interval of channel time, each
 * user's audio level and the active speaker, as a levels record on the
 * channel stream (agrec-stream(5)) and a line of speakers.jsonl in the
 * folder (agrec-folder(5)).
 */
#ifndef RC_LEVELS_H
#define RC_LEVELS_H

#include <stdbool.h>
#include <stdint.h>

#include "level.h"
#include "record/record.h"

struct rc_rec;
struct rc_user;

/* A user's levels (a field of struct rc_user); zeroed: nothing yet. */
struct rc_levels_user {
	struct ag_level acc[2];     /* [0] the interval being closed, [1] the ones after it */
	struct OpusDecoder *opus;   /* decodes an Opus sender without RFC 6464; new */
	int opus_channels;          /* what opus decodes to */
	bool unmeasured_said;       /* "no level for this codec" logged */
};

/* Frame fm (borrowed) of user u's audio, for the interval it falls in. */
void rc_levels_frame(struct rc_rec *r, struct rc_user *u, const struct rc_frame *fm);
/* Write the intervals that ended before now less the jitter buffers' delay. */
void rc_levels_tick(struct rc_rec *r, int64_t now);
/* At the end: write every interval that ended by now (whole ones only). */
void rc_levels_finish(struct rc_rec *r, int64_t now);
/* Free a user's decoder (the user is forgotten or the recorder ends). */
void rc_levels_user_free(struct rc_levels_user *lu);
/* Free the module's state and close speakers.jsonl. */
void rc_levels_free(struct rc_rec *r);

#endif
