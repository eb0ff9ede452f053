/*
 * fuzz_speaker.c - speakers.jsonl lines (libcommon/speaker.h): the input
 * is a file of lines, each given to ag_level_parse_line() on its own
 * (an exact-size copy, no NUL after it).  A refused line has a
 * AG_EX_DATAERR message; an accepted one has interval_ms >= 1, at most
 * AG_LEVEL_MAX_LINE_LEVELS levels kept of those counted; its interval is
 * fed to a hold of 600 ms, and a change of speaker only ever names the
 * line's active user, never one whose run is shorter than the hold.
 */
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "level.h"
#include "speaker.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ag_speaker_hold h;
	struct ag_level_line l;
	struct ag_error err;
	size_t i = 0;

	ag_speaker_hold_init(&h, 600000);
	while (i < size) {
		const uint8_t *nl = memchr(data + i, '\n', size - i);
		size_t n = nl != NULL ? (size_t)(nl - (data + i)) : size - i;
		uint8_t *line = fuzz_copy(data + i, n);

		memset(&err, 0, sizeof err);
		if (ag_level_parse_line((const char *)line, n, &l, &err) < 0) {
			FUZZ_ASSERT(err.code == AG_EX_DATAERR);
			FUZZ_ASSERT(memchr(err.msg, '\0', sizeof err.msg) != NULL);
			FUZZ_ASSERT(err.msg[0] != '\0');
		} else {
			FUZZ_ASSERT(l.interval_ms >= 1);
			FUZZ_ASSERT(l.nlevels <= AG_LEVEL_MAX_LINE_LEVELS);
			FUZZ_ASSERT(l.nlevels <= l.nlevels_all);
			if (ag_speaker_hold_feed(&h, l.t_ms * 1000, l.interval_ms * 1000,
			    l.has_active, l.active)) {
				FUZZ_ASSERT(l.has_active && h.has_speaker && h.speaker == l.active);
				FUZZ_ASSERT(l.t_ms * 1000 - h.run_start_us >= h.hold_us);
			}
		}
		free(line);
		i += n + (nl != NULL);
	}
	return 0;
}
