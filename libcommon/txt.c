/*
 * txt.c - read and write uid_<UID>_<TS>.txt event files
 * (agora-format.md section 2).
 *
 * The reader is tolerant where the SDKs and converters disagree (runs of
 * spaces, CR, trailing spaces, key order) and strict about everything
 * that later reaches a command line or a path: times, numbers and file
 * names.  The writer reproduces the SDK 2.3.0 bytes exactly.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "fsutil.h"
#include "txt.h"

#define TXT_MAX_BYTES ((size_t)16 * 1024 * 1024)
#define TXT_MAX_LINES 1000000u

#define DIM_MAX 16384       /* largest width= / height= believed */
#define CHANNELS_MAX 8

/*
 * Room for a quoted token in a message.  Kept well under the 256 bytes
 * of struct ag_txt_warning so "line N: what 'token'" is never cut.
 */
#define QUOTE_SIZE 160

struct tok {
	const char *s;
	size_t len;
};

/* The next run of non-space bytes at or after *pos; 0 at end of line. */
static int
next_token(const char *s, size_t len, size_t *pos, struct tok *t)
{
	size_t i = *pos;

	while (i < len && s[i] == ' ')
		i++;
	if (i == len) {
		*pos = i;
		return 0;
	}
	t->s = s + i;
	while (i < len && s[i] != ' ')
		i++;
	t->len = (size_t)(s + i - t->s);
	*pos = i;
	return 1;
}

static int
tok_eq(struct tok t, const char *word)
{
	size_t n = strlen(word);

	return t.len == n && memcmp(t.s, word, n) == 0;
}

static int
tok_has_prefix(struct tok t, const char *prefix)
{
	size_t n = strlen(prefix);

	return t.len >= n && memcmp(t.s, prefix, n) == 0;
}

static int
tok_contains(struct tok t, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; i + n <= t.len; i++)
		if (memcmp(t.s + i, needle, n) == 0)
			return 1;
	return 0;
}

/*
 * Copy untrusted bytes into a message: anything outside printable ASCII
 * (and the backslash, to keep the escape unambiguous) becomes \xNN, and
 * a token too long for dst ends in "...".
 */
static void
quote(char *dst, size_t size, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, o = 0, need;
	unsigned char c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		need = (c < 0x20 || c > 0x7e || c == '\\') ? 4 : 1;
		/* keep room for "..." and the NUL */
		if (o + need + 4 > size) {
			memcpy(dst + o, "...", 3);
			o += 3;
			break;
		}
		if (need == 1) {
			dst[o++] = (char)c;
		} else {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	dst[o] = '\0';
}

/* A BAD line: "line N: what 'bytes'".  Returns AG_TXT_LINE_BAD. */
static enum ag_txt_line_result
bad(struct ag_error *err, unsigned lineno, const char *what, const char *s,
    size_t len)
{
	char q[QUOTE_SIZE];

	quote(q, sizeof q, s, len);
	ag_error_set(err, AG_EX_DATAERR, "line %u: %s '%s'", lineno, what, q);
	return AG_TXT_LINE_BAD;
}

static enum ag_txt_line_result
bad_tok(struct ag_error *err, unsigned lineno, const char *what, struct tok t)
{
	return bad(err, lineno, what, t.s, t.len);
}

/* Bytes from s to end without the trailing spaces: a line to quote. */
static size_t
trimmed_len(const char *s, const char *end)
{
	while (end > s && end[-1] == ' ')
		end--;
	return (size_t)(end - s);
}

/*
 * time = 1*DIGIT "." 1*3DIGIT, read as milliseconds.  -1 when the
 * syntax is wrong (signs, exponents, missing or extra parts), -2 when
 * it does not fit in int64 milliseconds.
 */
static int
parse_time(struct tok t, int64_t *ms)
{
	size_t i, dot, nfrac;
	int64_t v = 0, frac = 0;
	int d;

	for (dot = 0; dot < t.len && t.s[dot] >= '0' && t.s[dot] <= '9'; dot++)
		;
	if (dot == 0 || dot == t.len || t.s[dot] != '.')
		return -1;
	nfrac = t.len - dot - 1;
	if (nfrac < 1 || nfrac > 3)
		return -1;
	for (i = dot + 1; i < t.len; i++) {
		if (t.s[i] < '0' || t.s[i] > '9')
			return -1;
		frac = frac * 10 + (t.s[i] - '0');
	}
	for (; nfrac < 3; nfrac++)
		frac *= 10;
	for (i = 0; i < dot; i++) {
		d = t.s[i] - '0';
		if (v > (INT64_MAX - d) / 10)
			return -2;
		v = v * 10 + d;
	}
	if (v > (INT64_MAX - frac) / 1000)
		return -2;
	*ms = v * 1000 + frac;
	return 0;
}

/*
 * A canonical decimal in [min, max]: digits only, no sign, no leading
 * zero, so that what was read formats back to the same bytes.
 */
static int
parse_num(const char *s, size_t len, int min, int max, int *out)
{
	size_t i;
	long v = 0;

	/* 9 digits cannot overflow a long; every bound used is far less. */
	if (len == 0 || len > 9 || (len > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

static int
valid_rotation(int r)
{
	return r == 0 || r == 90 || r == 180 || r == 270;
}

/* The keys of info and rotate lines, each recorded once. */
struct keys {
	int width, height, rotation, channels;   /* -1 when absent */
	struct tok channels_tok, video_tok;      /* one of each, for messages */
};

/*
 * Read the key=value tokens after the event word.  Keys are matched by
 * name, unknown keys and bare words are ignored (later SDKs may add
 * some), a known key twice or with a bad value makes the line BAD.
 */
static enum ag_txt_line_result
parse_keys(const char *line, size_t len, size_t pos, unsigned lineno,
    struct keys *k, struct ag_error *err)
{
	static const struct {
		const char *name;
		int min, max;
		const char *what;
	} known[] = {
		{ "width=", 1, DIM_MAX, "bad width" },
		{ "height=", 1, DIM_MAX, "bad height" },
		{ "rotation=", 0, 270, "bad rotation" },
		{ "channels=", 1, CHANNELS_MAX, "bad channel count" },
	};
	int *slot[4];
	struct tok t;
	size_t i, n;
	int v;

	slot[0] = &k->width;
	slot[1] = &k->height;
	slot[2] = &k->rotation;
	slot[3] = &k->channels;
	k->width = k->height = k->rotation = k->channels = -1;
	while (next_token(line, len, &pos, &t)) {
		for (i = 0; i < sizeof known / sizeof known[0]; i++)
			if (tok_has_prefix(t, known[i].name))
				break;
		if (i == sizeof known / sizeof known[0])
			continue;
		if (*slot[i] != -1)
			return bad_tok(err, lineno, "duplicate key", t);
		n = strlen(known[i].name);
		if (parse_num(t.s + n, t.len - n, known[i].min, known[i].max,
		    &v) < 0 || (slot[i] == &k->rotation && !valid_rotation(v)))
			return bad_tok(err, lineno, known[i].what, t);
		*slot[i] = v;
		if (slot[i] == &k->channels)
			k->channels_tok = t;
		else
			k->video_tok = t;
	}
	return AG_TXT_LINE_EVENT;
}

enum ag_txt_line_result
ag_txt_parse_line(const char *line, size_t len, unsigned lineno,
    struct ag_txt_line *out, struct ag_error *err)
{
	struct ag_txt_line l;
	struct tok t[3], w;
	struct keys k;
	enum ag_txt_line_result r;
	size_t pos = 0, after_event, ntok, i;
	int has_video, has_audio;

	if (line == NULL || len == 0)
		return AG_TXT_LINE_BLANK;
	if (line[len - 1] == '\r')
		len--;
	if (memchr(line, '\0', len) != NULL)
		return bad(err, lineno, "NUL byte in line", line, len);
	for (ntok = 0; ntok < 3 && next_token(line, len, &pos, &t[ntok]); ntok++)
		;
	after_event = pos;
	if (ntok == 0)
		return AG_TXT_LINE_BLANK;
	/*
	 * The marker's exact text after "new session started" was never
	 * seen, so only its first three words are required.
	 */
	if (ntok == 3 && tok_eq(t[0], "new") && tok_eq(t[1], "session") &&
	    tok_has_prefix(t[2], "started"))
		return AG_TXT_LINE_MARKER;
	if (ntok < 3)
		return bad(err, lineno, "expected TIME FILE EVENT, got", t[0].s,
		    (size_t)(t[ntok - 1].s + t[ntok - 1].len - t[0].s));

	memset(&l, 0, sizeof l);
	l.lineno = lineno;
	l.width = l.height = l.rotation = l.channels = -1;
	switch (parse_time(t[0], &l.t_ms)) {
	case -1:
		return bad_tok(err, lineno, "bad time", t[0]);
	case -2:
		return bad_tok(err, lineno, "time out of range", t[0]);
	}
	if (t[1].len >= sizeof l.file)
		return bad_tok(err, lineno, "file name too long", t[1]);
	memcpy(l.file, t[1].s, t[1].len);
	l.file[t[1].len] = '\0';
	if (ag_parse_media_name(l.file, &l.media) < 0)
		return bad_tok(err, lineno, "bad media file name", t[1]);

	/* Where and how V4 writes codecswitch is unknown: any token counts. */
	pos = (size_t)(t[2].s - line);
	while (next_token(line, len, &pos, &w)) {
		if (!tok_contains(w, "codecswitch"))
			continue;
		if (!ag_media_is_video(l.media.kind))
			return bad_tok(err, lineno,
			    "codecswitch on non-video file", t[1]);
		l.event = AG_TXT_CODECSWITCH;
		goto event;
	}

	if (tok_eq(t[2], "create")) {
		l.event = AG_TXT_CREATE;
	} else if (tok_eq(t[2], "close")) {
		l.event = AG_TXT_CLOSE;
	} else if (tok_eq(t[2], "info")) {
		r = parse_keys(line, len, after_event, lineno, &k, err);
		if (r != AG_TXT_LINE_EVENT)
			return r;
		has_video = k.width != -1 || k.height != -1 || k.rotation != -1;
		has_audio = k.channels != -1;
		if (has_video && has_audio)
			return bad_tok(err, lineno,
			    "info mixes video and audio keys", k.channels_tok);
		if (has_audio) {
			if (!ag_media_is_audio(l.media.kind))
				return bad_tok(err, lineno,
				    "info channels= on non-audio file", t[1]);
			l.event = AG_TXT_AINFO;
			l.channels = k.channels;
		} else if (has_video) {
			if (!ag_media_is_video(l.media.kind))
				return bad_tok(err, lineno,
				    "info width= on non-video file", t[1]);
			if (k.width == -1 || k.height == -1 || k.rotation == -1)
				return bad(err, lineno,
				    "info needs width=, height= and rotation=:",
				    t[0].s, trimmed_len(t[0].s, line + len));
			l.event = AG_TXT_VINFO;
			l.width = k.width;
			l.height = k.height;
			l.rotation = k.rotation;
		} else {
			return bad(err, lineno,
			    "info without width=/height=/rotation= or channels=:",
			    t[0].s, trimmed_len(t[0].s, line + len));
		}
	} else if (tok_eq(t[2], "rotate")) {
		if (!ag_media_is_video(l.media.kind))
			return bad_tok(err, lineno, "rotate on non-video file",
			    t[1]);
		r = parse_keys(line, len, after_event, lineno, &k, err);
		if (r != AG_TXT_LINE_EVENT)
			return r;
		if (k.rotation == -1)
			return bad(err, lineno, "rotate without rotation=:",
			    t[0].s, trimmed_len(t[0].s, line + len));
		l.event = AG_TXT_ROTATE;
		l.rotation = k.rotation;
	} else {
		/* Later SDKs may add events; they must not stop a conversion. */
		for (i = 0; i < t[2].len; i++)
			if ((unsigned char)t[2].s[i] < 0x21 ||
			    (unsigned char)t[2].s[i] > 0x7e)
				return bad_tok(err, lineno, "bad event word",
				    t[2]);
		return AG_TXT_LINE_IGNORED;
	}
event:
	if (out != NULL)
		*out = l;
	return AG_TXT_LINE_EVENT;
}

int
ag_txt_parse(const char *buf, size_t len, struct ag_txt *out, struct ag_error *err)
{
	struct ag_txt t;
	struct ag_txt_line line;
	struct ag_txt_warning *w;
	struct ag_error lerr;
	const char *nl;
	size_t pos = 0, end, capl = 0, capw = 0, n;
	unsigned lineno = 0;
	void *p;

	memset(&t, 0, sizeof t);
	while (pos < len) {
		nl = memchr(buf + pos, '\n', len - pos);
		end = nl != NULL ? (size_t)(nl - buf) : len;
		/* Unreachable below ag_txt_read_file's cap; keeps lineno exact. */
		if (lineno == UINT_MAX) {
			ag_error_set(err, AG_EX_DATAERR, "more than %u lines",
			    UINT_MAX);
			goto fail;
		}
		lineno++;
		switch (ag_txt_parse_line(buf + pos, end - pos, lineno, &line,
		    &lerr)) {
		case AG_TXT_LINE_EVENT:
			if ((p = ag_grow(t.lines, &capl, t.nlines + 1,
			    sizeof *t.lines)) == NULL)
				goto nomem;
			t.lines = p;
			t.lines[t.nlines++] = line;
			break;
		case AG_TXT_LINE_MARKER:
			t.marker = true;
			break;
		case AG_TXT_LINE_BAD:
			if ((p = ag_grow(t.warnings, &capw, t.nwarnings + 1,
			    sizeof *t.warnings)) == NULL)
				goto nomem;
			t.warnings = p;
			w = &t.warnings[t.nwarnings++];
			w->lineno = lineno;
			n = strnlen(lerr.msg, sizeof w->msg - 1);
			memcpy(w->msg, lerr.msg, n);
			w->msg[n] = '\0';
			break;
		case AG_TXT_LINE_BLANK:
		case AG_TXT_LINE_IGNORED:
			break;
		}
		pos = end + 1;
	}
	*out = t;
	return 0;
nomem:
	ag_error_errno(err, AG_EX_FAIL, ENOMEM, "parsing txt");
fail:
	ag_txt_free(&t);
	memset(out, 0, sizeof *out);
	return -1;
}

void
ag_txt_free(struct ag_txt *txt)
{
	if (txt == NULL)
		return;
	free(txt->lines);
	free(txt->warnings);
	memset(txt, 0, sizeof *txt);
}

static size_t
count_lines(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;
	size_t n = 0;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		n++;
		p++;
	}
	/* an incomplete last line counts too */
	if (len > 0 && buf[len - 1] != '\n')
		n++;
	return n;
}

int
ag_txt_read_file(const char *path, struct ag_txt *out, struct ag_error *err)
{
	char *buf, msg[sizeof err->msg];
	size_t len;
	int ret = -1;

	memset(out, 0, sizeof *out);
	if (ag_read_file(path, TXT_MAX_BYTES, &buf, &len, err) < 0)
		return -1;
	if (count_lines(buf, len) > TXT_MAX_LINES) {
		ag_error_set(err, AG_EX_DATAERR, "%s: more than %u lines", path,
		    TXT_MAX_LINES);
		goto out;
	}
	ret = ag_txt_parse(buf, len, out, err);
	if (ret < 0 && err != NULL) {
		memcpy(msg, err->msg, sizeof msg);
		ag_error_set(err, err->code, "%s: %s", path, msg);
	}
out:
	free(buf);
	return ret;
}

int
ag_txt_format_line(char *buf, size_t size, const struct ag_txt_line *line)
{
	struct ag_media_name m;
	long long sec, ms;
	int n;

	if (buf == NULL || size == 0)
		return -1;
	buf[0] = '\0';
	if (line == NULL || line->t_ms < 0 ||
	    memchr(line->file, '\0', sizeof line->file) == NULL ||
	    ag_parse_media_name(line->file, &m) < 0)
		return -1;
	sec = (long long)(line->t_ms / 1000);
	ms = (long long)(line->t_ms % 1000);
	switch (line->event) {
	case AG_TXT_CREATE:
		n = snprintf(buf, size, "%lld.%03lld %s create \n", sec, ms,
		    line->file);
		break;
	case AG_TXT_CLOSE:
		n = snprintf(buf, size, "%lld.%03lld %s close \n", sec, ms,
		    line->file);
		break;
	case AG_TXT_VINFO:
		if (!ag_media_is_video(m.kind) ||
		    line->width < 1 || line->width > DIM_MAX ||
		    line->height < 1 || line->height > DIM_MAX ||
		    !valid_rotation(line->rotation))
			return -1;
		n = snprintf(buf, size,
		    "%lld.%03lld %s info width=%d height=%d rotation=%d\n",
		    sec, ms, line->file, line->width, line->height,
		    line->rotation);
		break;
	case AG_TXT_AINFO:
		if (!ag_media_is_audio(m.kind) || line->channels < 1 ||
		    line->channels > CHANNELS_MAX)
			return -1;
		n = snprintf(buf, size, "%lld.%03lld %s info channels=%d\n",
		    sec, ms, line->file, line->channels);
		break;
	case AG_TXT_ROTATE:
		if (!ag_media_is_video(m.kind) || !valid_rotation(line->rotation))
			return -1;
		n = snprintf(buf, size, "%lld.%03lld %s rotate rotation=%d\n",
		    sec, ms, line->file, line->rotation);
		break;
	default:
		/* CODECSWITCH: its written form was never seen (section 6). */
		return -1;
	}
	if (n < 0 || (size_t)n >= size) {
		buf[0] = '\0';
		return -1;
	}
	return n;
}
