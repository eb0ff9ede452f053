/*
 * fuzz_names.c - the folder and file name parsers (names.h).  The input
 * is one name.  A name that parses must be rebuilt byte for byte from
 * its fields (the parsers are anchored), and a TS that converts to
 * milliseconds must convert back to itself.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "names.h"

static const char *
kind_ext(enum ag_media_kind kind)
{
	switch (kind) {
	case AG_MEDIA_AAC: return ".aac";
	case AG_MEDIA_MP4: return ".mp4";
	case AG_MEDIA_WEBM: return ".webm";
	case AG_MEDIA_TS: return ".ts";
	case AG_MEDIA_OPUS: return ".opus";
	default: return NULL;
	}
}

static void
check_ts(const char *ts)
{
	char back[AG_TS_LEN + 1];
	int64_t ms;

	FUZZ_ASSERT(strlen(ts) == AG_TS_LEN);
	FUZZ_ASSERT(ag_ts_to_ms(ts, &ms) == 0);
	ag_ts_from_ms(ms, back);
	/* A leap second (ss = 60) is accepted but reads as the next minute. */
	if (ts[12] != '6')
		FUZZ_ASSERT(strcmp(back, ts) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ag_media_name m;
	struct ag_channel_dir c;
	char *name, *exact, *re, ts[AG_TS_LEN + 1], back[AG_TS_LEN + 1];
	size_t relen = size + 64;
	uint32_t uid;
	int64_t ms;
	int y, mo, d;

	/* A NUL-terminated copy (the names are C strings), and an exact-size
	 * one for the (pointer, length) parser so ASan sees any over-read. */
	if ((name = malloc(size + 1)) == NULL || (exact = malloc(size ? size : 1)) == NULL ||
	    (re = malloc(relen)) == NULL)
		abort();
	memcpy(name, data, size);
	name[size] = '\0';
	memcpy(exact, data, size);

	if (ag_parse_media_name(name, &m) == 0) {
		FUZZ_ASSERT(kind_ext(m.kind) != NULL);
		FUZZ_ASSERT(ag_media_is_video(m.kind) != ag_media_is_audio(m.kind));
		FUZZ_ASSERT(ag_media_is_audio(m.kind) ==
		    (m.kind == AG_MEDIA_AAC || m.kind == AG_MEDIA_OPUS));
		snprintf(re, relen, "%" PRIu32 "_%s%s", m.uid, m.ts, kind_ext(m.kind));
		FUZZ_ASSERT(strcmp(re, name) == 0);
		check_ts(m.ts);
	}
	if (ag_parse_txt_name(name, &uid, ts) == 0) {
		snprintf(re, relen, "uid_%" PRIu32 "_%s.txt", uid, ts);
		FUZZ_ASSERT(strcmp(re, name) == 0);
		check_ts(ts);
	}
	if (ag_parse_channel_dir(name, &c) == 0) {
		FUZZ_ASSERT(c.channel[0] != '\0' && strlen(c.hhmmss) == 6);
		FUZZ_ASSERT(c.ns[0] == '\0' || strlen(c.ns) == 9);
		snprintf(re, relen, "%s_%s%s%s", c.channel, c.hhmmss, c.ns[0] ? "_" : "", c.ns);
		FUZZ_ASSERT(strcmp(re, name) == 0);
	}
	if (ag_parse_date_dir(name, &y, &mo, &d) == 0) {
		snprintf(re, relen, "%04d%02d%02d", y, mo, d);
		FUZZ_ASSERT(strcmp(re, name) == 0);
	}
	if (ag_parse_uid(exact, size, &uid) == 0) {
		snprintf(re, relen, "%" PRIu32, uid);
		FUZZ_ASSERT(size == strlen(re) && memcmp(re, exact, size) == 0);
	}
	if (ag_ts_to_ms(name, &ms) == 0)
		check_ts(name);
	/* Any int64 from the input gives 17 digits that read back. */
	if (size >= 8) {
		memcpy(&ms, data, sizeof ms);
		ag_ts_from_ms(ms, back);
		FUZZ_ASSERT(strlen(back) == AG_TS_LEN && ag_ts_to_ms(back, NULL) == 0);
	}
	free(re);
	free(exact);
	free(name);
	return 0;
}
