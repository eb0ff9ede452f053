/*
 * txt.h - the per-user event file uid_<UID>_<TS>.txt: a tolerant reader
 * and an exact writer (agora-format.md section 2; agrec-folder(5)).
 *
 * Times are kept as int64 milliseconds: the format has exactly three
 * decimals and 64-bit millisecond arithmetic is what the SDK fixed in
 * 3.0.2.
 */
#ifndef AG_TXT_H
#define AG_TXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "names.h"

enum ag_txt_event {
	AG_TXT_CREATE = 1,     /* "create "                               */
	AG_TXT_CLOSE,          /* "close "                                */
	AG_TXT_VINFO,          /* "info width=W height=H rotation=R"      */
	AG_TXT_AINFO,          /* "info channels=N"                       */
	AG_TXT_ROTATE,         /* "rotate rotation=R"                     */
	AG_TXT_CODECSWITCH,    /* field 4 contains "codecswitch" (V4)     */
};

struct ag_txt_line {
	unsigned lineno;             /* 1-based line number in the file */
	int64_t t_ms;                /* time, milliseconds since the session base */
	char file[64];               /* bare media file name, validated */
	struct ag_media_name media;  /* file parsed */
	enum ag_txt_event event;
	int width, height;           /* VINFO; else -1 */
	int rotation;                /* VINFO, ROTATE: 0, 90, 180 or 270; else -1 */
	int channels;                /* AINFO: >= 1; else -1 */
};

/* One diagnostic about a skipped line; msg is "line N: what". */
struct ag_txt_warning {
	unsigned lineno;
	char msg[256];
};

struct ag_txt {
	struct ag_txt_line *lines;       /* owned; events in file order */
	size_t nlines;
	bool marker;                     /* a "new session started" line was seen */
	struct ag_txt_warning *warnings; /* owned; lines skipped, in file order */
	size_t nwarnings;
};

/*
 * Result of ag_txt_parse_line():
 *   AG_TXT_LINE_EVENT   *out holds an event
 *   AG_TXT_LINE_MARKER  the line is a session marker
 *   AG_TXT_LINE_BLANK   nothing on the line (spaces only)
 *   AG_TXT_LINE_IGNORED a well-formed line with an unknown event word
 *   AG_TXT_LINE_BAD     malformed: err->msg says why, as "line N: ..."
 *                       (err->code = AG_EX_DATAERR)
 */
enum ag_txt_line_result {
	AG_TXT_LINE_BAD = -1,
	AG_TXT_LINE_EVENT = 0,
	AG_TXT_LINE_MARKER,
	AG_TXT_LINE_BLANK,
	AG_TXT_LINE_IGNORED,
};

/*
 * Parse one line (without its LF; a trailing CR is stripped; len bytes,
 * need not be NUL-terminated) by the reader rules of agora-format.md
 * section 2.2: split on runs of spaces, match the event word exactly,
 * key=value tokens by key.  The time must be digits "." digits (1 to 3
 * decimals accepted, read as milliseconds) and fit in int64 ms; the file
 * must be a media name (ag_parse_media_name) with the uid and kind the
 * event needs (info width= on video, channels= on audio).  Lines with
 * fewer than 3 tokens, NUL bytes, bad numbers or bad file names are BAD.
 */
enum ag_txt_line_result ag_txt_parse_line(const char *line, size_t len,
    unsigned lineno, struct ag_txt_line *out, struct ag_error *err);

/*
 * Parse a whole file's bytes.  Never fails on content: BAD lines become
 * warnings and are skipped, markers set ->marker.  Fails (-1, err set)
 * only on memory exhaustion.  On success *out is new: free it with
 * ag_txt_free().  An incomplete last line (no LF) is parsed too.
 */
int ag_txt_parse(const char *buf, size_t len, struct ag_txt *out, struct ag_error *err);

/*
 * Read and parse a file.  -1 with err (AG_EX_IOERR) if it cannot be read,
 * AG_EX_DATAERR if it is larger than 16 MiB.
 */
int ag_txt_read_file(const char *path, struct ag_txt *out, struct ag_error *err);

/* Free what ag_txt_parse() allocated; accepts NULL; leaves *txt zeroed. */
void ag_txt_free(struct ag_txt *txt);

/*
 * Format one event line in the exact SDK 2.3.0 bytes, including the
 * final LF: "%lld.%03lld FILE create \n", "... close \n",
 * "... info width=W height=H rotation=R\n", "... info channels=N\n",
 * "... rotate rotation=R\n".  Uses line->t_ms, ->file, ->event and the
 * event's fields.  Returns the length written (excluding NUL) or -1 if
 * the event cannot be written (bad fields, CODECSWITCH) or buf is too
 * small.
 */
int ag_txt_format_line(char *buf, size_t size, const struct ag_txt_line *line);

#endif
