/*
 * oggopus.h - reading Ogg Opus files (agrec-record --audioFormat opus's
 * <UID>_<TS>.opus, RFC 7845) without decoding: their format and exact
 * length.  ffprobe gives the last granule position as the duration, the
 * pre-skip included, so lengths come from here.
 */
#ifndef AG_OGGOPUS_H
#define AG_OGGOPUS_H

#include <stdint.h>

#include "err.h"

struct ag_oggopus_info {
	int channels;           /* OpusHead's channel count, 0 when no OpusHead was found */
	int pre_skip;           /* OpusHead's pre-skip, samples at 48 kHz */
	uint32_t input_rate;    /* OpusHead's input sample rate (informational), or 0 */
	int64_t pages;          /* whole pages of the Opus stream read, headers included */
	int64_t last_granule;   /* of the last whole page that ends a packet, or -1 */
	int64_t samples;        /* decoded samples at 48 kHz: last_granule - pre_skip, >= 0 */
	int64_t bytes_ignored;  /* a torn or corrupt tail (a page cut short or failing its CRC) */
};

/*
 * Scan the Ogg pages of the file at path (borrowed) for its first Opus
 * stream.  Returns 0 and fills info (channels 0 for a file that is not
 * Ogg Opus; reading stops at the first torn or corrupt page, whose bytes
 * on are counted in bytes_ignored), or -1 with err (AG_EX_IOERR) when the
 * file cannot be read.
 */
int ag_oggopus_scan(const char *path, struct ag_oggopus_info *info, struct ag_error *err);

#endif
