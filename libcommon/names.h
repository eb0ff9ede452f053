/*
 * names.h - the names of an Agora-layout recording folder and its files
 * (agora-format.md section 1; agrec-folder(5)).
 *
 * Every parser scans from the right and checks field widths, so channel
 * names containing '_' or digits parse correctly.  All functions are
 * pure: no I/O, no allocation.
 */
#ifndef AG_NAMES_H
#define AG_NAMES_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#define AG_TS_LEN 17            /* YYYYMMDDHHMMSSmmm */

enum ag_media_kind {
	AG_MEDIA_NONE = 0,
	AG_MEDIA_AAC,           /* <UID>_<TS>.aac  audio */
	AG_MEDIA_MP4,           /* <UID>_<TS>.mp4  video (H.264) */
	AG_MEDIA_WEBM,          /* <UID>_<TS>.webm video (VP8) */
	AG_MEDIA_TS,            /* <UID>_<TS>.ts   in-progress video (SDK >= 3.0.3) */
	AG_MEDIA_OPUS,          /* <UID>_<TS>.opus audio kept as Ogg Opus (agrec, --audioFormat opus) */
};

struct ag_media_name {
	uint32_t uid;
	char ts[AG_TS_LEN + 1];   /* NUL-terminated 17 digits */
	enum ag_media_kind kind;
};

/*
 * Parse "<UID>_<TS>.(aac|mp4|webm|ts)" exactly (anchored; uid is a
 * decimal uint32 without leading zeros except "0" itself; TS is 17
 * digits).  Returns 0 and fills out, or -1 if the name does not match.
 * Converter outputs (..._av.mp4, ..._merge...) never match.
 */
int ag_parse_media_name(const char *name, struct ag_media_name *out);

/* true when kind is a video kind (mp4, webm, ts). */
bool ag_media_is_video(enum ag_media_kind kind);
/* true for the audio kinds (.aac, .opus). */
bool ag_media_is_audio(enum ag_media_kind kind);

/*
 * Parse "uid_<UID>_<TS>.txt" exactly.  Returns 0 and fills *uid and ts
 * (18 bytes, NUL-terminated), or -1.  The hidden ".uid_..." backup
 * form does not match.
 */
int ag_parse_txt_name(const char *name, uint32_t *uid, char ts[AG_TS_LEN + 1]);

/* Parse "YYYYMMDD" (a plausible calendar date).  0 or -1. */
int ag_parse_date_dir(const char *name, int *year, int *month, int *day);

struct ag_channel_dir {
	char channel[256];     /* the channel name, verbatim (may contain '_') */
	char hhmmss[7];        /* 6 digits */
	char ns[10];           /* 9 digits, or "" for the < 2.3.0 form */
};

/*
 * Parse "<channel>_<HHMMSS>_<NNNNNNNNN>" (>= 2.3.0), trying that form
 * first, else "<channel>_<HHMMSS>" (< 2.3.0).  The channel part must be
 * non-empty and shorter than 256 bytes.  0 or -1.
 */
int ag_parse_channel_dir(const char *name, struct ag_channel_dir *out);

/*
 * Parse a 32-bit unsigned decimal uid ("0" or no leading zero, at most
 * 4294967295).  len is the number of bytes of s to read.  0 or -1.
 */
int ag_parse_uid(const char *s, size_t len, uint32_t *out);

/*
 * Check a TS string (17 digits) for a plausible date and time and
 * return it as milliseconds since the Unix epoch (UTC).  0 or -1.
 */
int ag_ts_to_ms(const char *ts, int64_t *ms_out);

/* Format epoch milliseconds (UTC) as 17 digits + NUL into buf. */
void ag_ts_from_ms(int64_t ms, char buf[AG_TS_LEN + 1]);

#endif
