/*
 * stream.c - the channel stream writer and reader (agrec-stream(5)).
 *
 * The encoder and the decoder below follow the field tables of the man
 * page one to one; keep the three in step.  The reader never trusts a
 * length: the record length is bounded before anything is buffered, and
 * every field is checked against the body before it is read.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "be.h"
#include "buf.h"
#include "codec.h"
#include "stream.h"

/* The wire ids are meant to become enum ag_codec. */
_Static_assert(AG_STREAM_CODEC_H264 == (int)AG_CODEC_H264, "h264 id");
_Static_assert(AG_STREAM_CODEC_VP8 == (int)AG_CODEC_VP8, "vp8 id");
_Static_assert(AG_STREAM_CODEC_OPUS == (int)AG_CODEC_OPUS, "opus id");
_Static_assert(AG_STREAM_CODEC_PCMU == (int)AG_CODEC_PCMU, "pcmu id");
_Static_assert(AG_STREAM_CODEC_PCMA == (int)AG_CODEC_PCMA, "pcma id");
_Static_assert(AG_STREAM_CODEC_AAC == (int)AG_CODEC_AAC, "aac id");
_Static_assert(AG_STREAM_CODEC_H265 == (int)AG_CODEC_H265, "h265 id");

/* The most fixed bytes at the start of a known body (layouts below). */
#define FIX_MAX 30

#define READ_CHUNK ((size_t)64 * 1024)

struct ag_stream_writer {
	int fd;
	uint8_t *pend;          /* queued bytes are pend[head..len) */
	size_t head, len, cap;
	size_t max_pending;
	uint64_t offset;        /* bytes accepted */
	struct ag_sticky broken;  /* a write failed: the stream is unusable */
};

struct ag_stream_reader {
	int fd;                 /* -1: fed by ag_stream_reader_feed() */
	uint8_t *buf;           /* unread bytes are buf[start..end) */
	size_t start, end, cap;
	uint64_t consumed;      /* stream offset of buf[start] */
	uint64_t skipped;
	bool eof;
	bool have_header;
	bool ended;             /* an END record was returned */
	bool failed;            /* saved holds the error to repeat */
	struct ag_error saved;
	struct ag_stream_header hdr;
};

/* ---- little-endian 64-bit fields (be.h has the smaller ones) ---- */

static void
put_i64(uint8_t *p, int64_t v)
{
	uint64_t u = (uint64_t)v;

	ag_wr32le(p, (uint32_t)u);
	ag_wr32le(p + 4, (uint32_t)(u >> 32));
}

static int64_t
get_i64(const uint8_t *p)
{
	uint64_t u = (uint64_t)ag_rd32le(p) | (uint64_t)ag_rd32le(p + 4) << 32;

	/* Two's complement without implementation-defined conversion. */
	if (u <= INT64_MAX)
		return (int64_t)u;
	return -(int64_t)(~u) - 1;
}

/* ---- names ---- */

const char *
ag_stream_type_name(unsigned type)
{
	switch (type) {
	case AG_STREAM_CHANNEL: return "channel";
	case AG_STREAM_JOIN: return "join";
	case AG_STREAM_LEAVE: return "leave";
	case AG_STREAM_CODEC: return "codec";
	case AG_STREAM_MUTE: return "mute";
	case AG_STREAM_MEDIA: return "media";
	case AG_STREAM_RAW: return "raw";
	case AG_STREAM_END: return "end";
	case AG_STREAM_LEVELS: return "levels";
	}
	return "unknown";
}

const char *
ag_stream_codec_name(unsigned codec)
{
	switch (codec) {
	case AG_STREAM_CODEC_H264: return "h264";
	case AG_STREAM_CODEC_VP8: return "vp8";
	case AG_STREAM_CODEC_OPUS: return "opus";
	case AG_STREAM_CODEC_PCMU: return "pcmu";
	case AG_STREAM_CODEC_PCMA: return "pcma";
	case AG_STREAM_CODEC_AAC: return "aac";
	case AG_STREAM_CODEC_H265: return "h265";
	case AG_STREAM_CODEC_PCM_S16LE: return "pcm_s16le";
	case AG_STREAM_CODEC_I420: return "i420";
	}
	return "unknown";
}

size_t
ag_stream_levels_count(const struct ag_stream_levels *l)
{
	return l->entries_len / AG_STREAM_LEVEL_SIZE;
}

void
ag_stream_levels_get(const struct ag_stream_levels *l, size_t i, struct ag_stream_level *out)
{
	const uint8_t *p = l->entries + i * AG_STREAM_LEVEL_SIZE;
	uint16_t u = ag_rd16le(p + 4);

	out->uid = ag_rd32le(p);
	/* Two's complement without implementation-defined conversion. */
	out->level_cb = u <= INT16_MAX ? (int16_t)u : (int16_t)(-(int)(uint16_t)~u - 1);
	out->source = p[6];
}

void
ag_stream_level_put(uint8_t *entry, const struct ag_stream_level *lv)
{
	ag_wr32le(entry, lv->uid);
	ag_wr16le(entry + 4, (uint16_t)lv->level_cb);
	entry[6] = lv->source;
	entry[7] = 0;
}

size_t
ag_stream_i420_size(unsigned width, unsigned height)
{
	size_t cw = ((size_t)width + 1) / 2, ch = ((size_t)height + 1) / 2;

	return (size_t)width * height + 2 * cw * ch;
}

/* ---- rules shared by the writer and the reader ---- */

static bool
is_raw_format(unsigned id)
{
	return id == AG_STREAM_CODEC_PCM_S16LE || id == AG_STREAM_CODEC_I420;
}

/* The kind a known encoded codec belongs to, or -1 when unknown/raw. */
static int
codec_kind(unsigned codec)
{
	switch (codec) {
	case AG_STREAM_CODEC_H264:
	case AG_STREAM_CODEC_VP8:
	case AG_STREAM_CODEC_H265:
		return AG_STREAM_VIDEO;
	case AG_STREAM_CODEC_OPUS:
	case AG_STREAM_CODEC_PCMU:
	case AG_STREAM_CODEC_PCMA:
	case AG_STREAM_CODEC_AAC:
		return AG_STREAM_AUDIO;
	}
	return -1;
}

static const char *
kind_name(unsigned kind)
{
	return kind == AG_STREAM_AUDIO ? "audio" : "video";
}

/*
 * The kind and encoded codec of a codec or media record: -1 with the
 * reason in why when wrong; israw says what a raw format there is not.
 */
static int
check_coded(unsigned kind, unsigned codec, const char *israw, char *why, size_t whysize)
{
	if (kind != AG_STREAM_AUDIO && kind != AG_STREAM_VIDEO) {
		snprintf(why, whysize, "unknown media kind %u", kind);
		return -1;
	}
	if (is_raw_format(codec)) {
		snprintf(why, whysize, "raw format %s %s", ag_stream_codec_name(codec), israw);
		return -1;
	}
	if (codec_kind(codec) >= 0 && codec_kind(codec) != (int)kind) {
		snprintf(why, whysize, "codec %s is not %s", ag_stream_codec_name(codec),
		    kind_name(kind));
		return -1;
	}
	return 0;
}

/* A levels record's entries: whole, and each level within its range. */
static int
check_levels(const struct ag_stream_levels *l, char *why, size_t whysize)
{
	struct ag_stream_level lv;
	size_t i;

	if (l->entries_len > UINT16_MAX || l->entries_len % AG_STREAM_LEVEL_SIZE != 0) {
		snprintf(why, whysize, "level entries of %zu bytes are not a whole number "
		    "of %d-byte entries (at most 65535 bytes)", l->entries_len,
		    AG_STREAM_LEVEL_SIZE);
		return -1;
	}
	if (l->entries_len > 0 && l->entries == NULL) {
		snprintf(why, whysize, "level entries length without data");
		return -1;
	}
	for (i = 0; i < ag_stream_levels_count(l); i++) {
		ag_stream_levels_get(l, i, &lv);
		if (lv.level_cb < AG_STREAM_LEVEL_MIN_CB || lv.level_cb > 0) {
			snprintf(why, whysize, "uid %lu: level %d cB is outside -12700..0",
			    (unsigned long)lv.uid, lv.level_cb);
			return -1;
		}
	}
	return 0;
}

/*
 * Check the values of a decoded or to-be-written record.  On failure
 * writes the reason into why and returns -1.
 */
static int
check_rec(const struct ag_stream_rec *rec, char *why, size_t whysize)
{
	const struct ag_stream_codec *c;
	const struct ag_stream_media *m;
	const struct ag_stream_raw *r;
	unsigned kind;

	switch (rec->type) {
	case AG_STREAM_CHANNEL:
		if (rec->u.channel.name_len > UINT16_MAX) {
			snprintf(why, whysize, "channel name of %zu bytes is longer than 65535",
			    rec->u.channel.name_len);
			return -1;
		}
		if (rec->u.channel.name_len > 0 &&
		    (rec->u.channel.name == NULL ||
		    memchr(rec->u.channel.name, '\0', rec->u.channel.name_len) != NULL)) {
			snprintf(why, whysize, "channel name contains a NUL byte");
			return -1;
		}
		return 0;
	case AG_STREAM_CODEC:
		c = &rec->u.codec;
		if (check_coded(c->kind, c->codec, "is not a codec", why, whysize) < 0)
			return -1;
		if (c->extradata_len > 0 && c->extradata == NULL) {
			snprintf(why, whysize, "extradata length without data");
			return -1;
		}
		return 0;
	case AG_STREAM_MUTE:
		kind = rec->u.mute.kind;
		if (kind != AG_STREAM_AUDIO && kind != AG_STREAM_VIDEO)
			goto badkind;
		return 0;
	case AG_STREAM_MEDIA:
		m = &rec->u.media;
		if (check_coded(m->kind, m->codec, "belongs in a raw record", why, whysize) < 0)
			return -1;
		if (m->len == 0 || m->data == NULL) {
			snprintf(why, whysize, "empty payload");
			return -1;
		}
		return 0;
	case AG_STREAM_LEVELS:
		return check_levels(&rec->u.levels, why, whysize);
	case AG_STREAM_RAW:
		r = &rec->u.raw;
		kind = r->kind;
		if (kind != AG_STREAM_AUDIO && kind != AG_STREAM_VIDEO)
			goto badkind;
		if (r->len > 0 && r->data == NULL) {
			snprintf(why, whysize, "payload length without data");
			return -1;
		}
		if (r->format == AG_STREAM_CODEC_PCM_S16LE) {
			if (kind != AG_STREAM_AUDIO)
				goto rawmismatch;
			if (r->sample_rate == 0 || r->channels == 0) {
				snprintf(why, whysize, "pcm_s16le with %u Hz and %u channels",
				    (unsigned)r->sample_rate, (unsigned)r->channels);
				return -1;
			}
			if (r->len == 0 || r->len % (2u * r->channels) != 0) {
				snprintf(why, whysize, "pcm_s16le payload of %zu bytes is not "
				    "a whole number of %u-channel samples", r->len,
				    (unsigned)r->channels);
				return -1;
			}
		} else if (r->format == AG_STREAM_CODEC_I420) {
			if (kind != AG_STREAM_VIDEO)
				goto rawmismatch;
			if (r->width == 0 || r->height == 0 ||
			    r->len != ag_stream_i420_size(r->width, r->height)) {
				snprintf(why, whysize, "i420 payload of %zu bytes does not "
				    "match %ux%u (%zu bytes)", r->len, (unsigned)r->width,
				    (unsigned)r->height, ag_stream_i420_size(r->width, r->height));
				return -1;
			}
		} else if (codec_kind(r->format) >= 0) {
			snprintf(why, whysize, "encoded codec %s belongs in a media record",
			    ag_stream_codec_name(r->format));
			return -1;
		}
		return 0;
	default:
		return 0;
	}
badkind:
	snprintf(why, whysize, "unknown media kind %u", kind);
	return -1;
rawmismatch:
	snprintf(why, whysize, "raw format %s is not %s",
	    ag_stream_codec_name(rec->u.raw.format), kind_name(kind));
	return -1;
}

/* ---- decoding ---- */

/*
 * How each record's fixed fields lie in its body and in struct
 * ag_stream_rec: one table read by both the decoder and the writer.
 * A record with a variable tail has the tail's length as its last
 * fixed field; the tail follows the fixed fields.
 */
enum field_kind {
	F_END,          /* ends a layout */
	F_I64,          /* int64_t */
	F_U8,           /* uint8_t */
	F_U16,          /* uint16_t */
	F_U32,          /* uint32_t */
	F_BOOL,         /* bool, one byte 0 or 1 */
	F_LEN16,        /* the tail: 16-bit length; a pointer and a size_t length */
	F_LEN32         /* the tail: 32-bit length; a pointer and a size_t length */
};

struct field {
	enum field_kind kind;
	size_t at;          /* offset in the body (little-endian there) */
	size_t member;      /* offset of the value in struct ag_stream_rec; F_LEN*: the pointer */
	size_t len_member;  /* F_LEN*: offset of the tail's size_t length */
	const char *what;   /* F_BOOL, F_LEN*: its name in messages */
};

#define AT(m) offsetof(struct ag_stream_rec, u.m)
#define FLD(k_, o_, m_) { .kind = k_, .at = o_, .member = AT(m_) }
#define TAIL(k_, o_, p_, n_, w_) \
	{ .kind = k_, .at = o_, .member = AT(p_), .len_member = AT(n_), .what = w_ }

static const struct field channel_fields[] = {
	FLD(F_I64, 0, channel.wall_us), FLD(F_U8, 8, channel.origin),
	TAIL(F_LEN16, 9, channel.name, channel.name_len, "channel name"), { F_END }
};
static const struct field join_fields[] = {
	FLD(F_I64, 0, join.t_us), FLD(F_U32, 8, join.uid), { F_END }
};
static const struct field leave_fields[] = {
	FLD(F_I64, 0, leave.t_us), FLD(F_U32, 8, leave.uid), FLD(F_U8, 12, leave.reason),
	{ F_END }
};
static const struct field codec_fields[] = {
	FLD(F_I64, 0, codec.t_us), FLD(F_U32, 8, codec.uid), FLD(F_U8, 12, codec.kind),
	FLD(F_U8, 13, codec.codec), FLD(F_U32, 14, codec.sample_rate),
	FLD(F_U16, 18, codec.channels), FLD(F_U16, 20, codec.width),
	FLD(F_U16, 22, codec.height),
	TAIL(F_LEN32, 24, codec.extradata, codec.extradata_len, "extradata"), { F_END }
};
static const struct field mute_fields[] = {
	FLD(F_I64, 0, mute.t_us), FLD(F_U32, 8, mute.uid), FLD(F_U8, 12, mute.kind),
	{ .kind = F_BOOL, .at = 13, .member = AT(mute.muted), .what = "muted" }, { F_END }
};
static const struct field media_fields[] = {
	FLD(F_I64, 0, media.pts_us), FLD(F_U32, 8, media.uid), FLD(F_U8, 12, media.kind),
	FLD(F_U8, 13, media.codec), FLD(F_U16, 14, media.flags),
	TAIL(F_LEN32, 16, media.data, media.len, "payload"), { F_END }
};
static const struct field raw_fields[] = {
	FLD(F_I64, 0, raw.pts_us), FLD(F_U32, 8, raw.uid), FLD(F_U8, 12, raw.kind),
	FLD(F_U8, 13, raw.format), FLD(F_U16, 14, raw.flags),
	FLD(F_U32, 16, raw.sample_rate), FLD(F_U16, 20, raw.channels),
	FLD(F_U16, 22, raw.width), FLD(F_U16, 24, raw.height),
	TAIL(F_LEN32, 26, raw.data, raw.len, "payload"), { F_END }
};
static const struct field end_fields[] = {
	FLD(F_I64, 0, end.t_us), FLD(F_U8, 8, end.reason), { F_END }
};
static const struct field levels_fields[] = {
	FLD(F_I64, 0, levels.t_us), FLD(F_U32, 8, levels.interval_ms),
	FLD(F_U32, 12, levels.active_uid), FLD(F_U8, 16, levels.flags),
	TAIL(F_LEN16, 17, levels.entries, levels.entries_len, "level entries"), { F_END }
};

static const struct layout {
	unsigned type;
	size_t fixed;                   /* fixed bytes opening the body (man page, RECORDS) */
	const struct field *fields;
} layouts[] = {
	{ AG_STREAM_CHANNEL, 11, channel_fields },
	{ AG_STREAM_JOIN, 12, join_fields },
	{ AG_STREAM_LEAVE, 13, leave_fields },
	{ AG_STREAM_CODEC, 28, codec_fields },
	{ AG_STREAM_MUTE, 14, mute_fields },
	{ AG_STREAM_MEDIA, 20, media_fields },
	{ AG_STREAM_RAW, 30, raw_fields },
	{ AG_STREAM_END, 9, end_fields },
	{ AG_STREAM_LEVELS, 19, levels_fields }
};

/* The layout of a known record type, or NULL. */
static const struct layout *
layout_of(unsigned type)
{
	size_t i;

	for (i = 0; i < sizeof layouts / sizeof layouts[0]; i++)
		if (layouts[i].type == type)
			return &layouts[i];
	return NULL;
}

static size_t
fixed_size(unsigned type)
{
	const struct layout *l = layout_of(type);

	return l != NULL ? l->fixed : 0;
}

/*
 * The variable field of length len that follows the fixed fields, or
 * -1 with err when it overruns the body.
 */
static int
tail(const struct ag_stream_rec *rec, size_t fixed, uint32_t len, const char *what,
    const uint8_t **out, struct ag_error *err)
{
	size_t left = rec->body_len - fixed;

	if (len > left)
		return ag_error_set(err, AG_EX_DATAERR,
		    "offset %llu: %s record: %s of %lu bytes overruns the record "
		    "(%zu bytes left)", (unsigned long long)rec->offset,
		    ag_stream_type_name(rec->type), what, (unsigned long)len, left);
	*out = len > 0 ? rec->body + fixed : NULL;
	return 0;
}

/* Read rec's fixed fields and its tail from its body (fixed bytes long). */
static int
decode_fields(struct ag_stream_rec *rec, const struct field *f, size_t fixed,
    struct ag_error *err)
{
	const uint8_t *b = rec->body, *t = NULL;
	uint8_t *v;
	uint32_t n;

	for (; f->kind != F_END; f++) {
		v = (uint8_t *)rec + f->member;
		switch (f->kind) {
		case F_I64:
			*(int64_t *)(void *)v = get_i64(b + f->at);
			break;
		case F_U8:
			*v = b[f->at];
			break;
		case F_U16:
			*(uint16_t *)(void *)v = ag_rd16le(b + f->at);
			break;
		case F_U32:
			*(uint32_t *)(void *)v = ag_rd32le(b + f->at);
			break;
		case F_BOOL:
			if (b[f->at] > 1)
				return ag_error_set(err, AG_EX_DATAERR,
				    "offset %llu: %s record: %s is %u, not 0 or 1",
				    (unsigned long long)rec->offset,
				    ag_stream_type_name(rec->type), f->what, b[f->at]);
			*(bool *)(void *)v = b[f->at] == 1;
			break;
		case F_LEN16:
		case F_LEN32:
			n = f->kind == F_LEN16 ? ag_rd16le(b + f->at) : ag_rd32le(b + f->at);
			if (tail(rec, fixed, n, f->what, &t, err) < 0)
				return -1;
			/* Pointers to character types share one representation. */
			memcpy(v, &t, sizeof t);
			*(size_t *)(void *)((uint8_t *)rec + f->len_member) = n;
			break;
		case F_END:
			break;
		}
	}
	return 0;
}

int
ag_stream_decode(struct ag_stream_rec *rec, struct ag_error *err)
{
	const struct layout *l = layout_of(rec->type);
	char why[256];

	if (l == NULL)
		return 0;
	if (rec->body_len < l->fixed)
		return ag_error_set(err, AG_EX_DATAERR,
		    "offset %llu: %s record: body of %zu bytes is shorter than its "
		    "%zu fixed bytes", (unsigned long long)rec->offset,
		    ag_stream_type_name(rec->type), rec->body_len, l->fixed);
	if (decode_fields(rec, l->fields, l->fixed, err) < 0)
		return -1;
	if (check_rec(rec, why, sizeof why) < 0)
		return ag_error_set(err, AG_EX_DATAERR, "offset %llu: %s record: %s",
		    (unsigned long long)rec->offset, ag_stream_type_name(rec->type), why);
	return 1;
}

/*
 * The stream header at p[0..avail), avail >= AG_STREAM_HEADER_SIZE.
 */
static int
parse_header(const uint8_t *p, struct ag_stream_header *hdr, struct ag_error *err)
{
	if (memcmp(p, AG_STREAM_MAGIC, 8) != 0)
		return ag_error_set(err, AG_EX_DATAERR,
		    "offset 0: bad magic: not an agrec channel stream");
	hdr->major = ag_rd16le(p + 8);
	hdr->minor = ag_rd16le(p + 10);
	hdr->flags = ag_rd32le(p + 12);
	if (hdr->major != AG_STREAM_MAJOR)
		return ag_error_set(err, AG_EX_DATAERR,
		    "offset 8: unsupported stream version %u.%u (this reader "
		    "reads %u.x)", (unsigned)hdr->major, (unsigned)hdr->minor,
		    AG_STREAM_MAJOR);
	return 0;
}

/*
 * Frame the next record from p[0..avail), whose first byte is at
 * stream offset off.  Returns 1 with out->type/rflags/offset/body/
 * body_len set and *used its size; 0 when more bytes are needed (*used:
 * how many in all); -1 with err for an oversized length, or for a
 * truncated record when eof says no more bytes will come.
 */
static int
frame_record(const uint8_t *p, size_t avail, uint64_t off, bool eof,
    struct ag_stream_rec *out, size_t *used, struct ag_error *err)
{
	uint32_t len;

	if (avail < AG_STREAM_REC_HEADER) {
		if (eof)
			return ag_error_set(err, AG_EX_DATAERR,
			    "offset %llu: truncated record: the stream ends after "
			    "%zu of %d header bytes", (unsigned long long)off, avail,
			    AG_STREAM_REC_HEADER);
		*used = AG_STREAM_REC_HEADER;
		return 0;
	}
	len = ag_rd32le(p);
	if (len > AG_STREAM_MAX_BODY)
		return ag_error_set(err, AG_EX_DATAERR,
		    "offset %llu: record length %lu exceeds the maximum of %u bytes",
		    (unsigned long long)off, (unsigned long)len, AG_STREAM_MAX_BODY);
	if (avail - AG_STREAM_REC_HEADER < len) {
		if (eof)
			return ag_error_set(err, AG_EX_DATAERR,
			    "offset %llu: truncated %s record: the stream ends after "
			    "%zu of %lu body bytes", (unsigned long long)off,
			    ag_stream_type_name(ag_rd16le(p + 4)),
			    avail - AG_STREAM_REC_HEADER, (unsigned long)len);
		*used = AG_STREAM_REC_HEADER + (size_t)len;
		return 0;
	}
	out->type = ag_rd16le(p + 4);
	out->rflags = ag_rd16le(p + 6);
	out->offset = off;
	out->body = p + AG_STREAM_REC_HEADER;
	out->body_len = len;
	*used = AG_STREAM_REC_HEADER + (size_t)len;
	return 1;
}

int
ag_stream_parse_buf(const uint8_t *buf, size_t len,
    void (*fn)(const struct ag_stream_rec *, void *), void *arg,
    struct ag_error *err)
{
	struct ag_stream_header hdr;
	struct ag_stream_rec rec;
	size_t pos, used = 0;
	int n = 0, rc;

	if (len < AG_STREAM_HEADER_SIZE)
		return ag_error_set(err, AG_EX_DATAERR,
		    "offset 0: truncated stream header: %zu of %d bytes", len,
		    AG_STREAM_HEADER_SIZE);
	if (parse_header(buf, &hdr, err) < 0)
		return -1;
	for (pos = AG_STREAM_HEADER_SIZE; pos < len; pos += used) {
		memset(&rec, 0, sizeof rec);
		if (frame_record(buf + pos, len - pos, pos, true, &rec, &used, err) < 0)
			return -1;
		if ((rc = ag_stream_decode(&rec, err)) < 0)
			return -1;
		if (rc == 0)
			continue;
		if (fn != NULL)
			fn(&rec, arg);
		if (n < INT_MAX)
			n++;
		if (rec.type == AG_STREAM_END)
			break;
	}
	return n;
}

/* ---- writer ---- */

static int
writer_fail(struct ag_stream_writer *w, int e, struct ag_error *err)
{
	return ag_sticky_set(&w->broken, err, AG_EX_IOERR, e,
	    "offset %llu: writing the channel stream",
	    (unsigned long long)(w->offset - (w->len - w->head)));
}

int
ag_stream_writer_drain(struct ag_stream_writer *w, struct ag_error *err)
{
	ssize_t n;

	if (w->broken.failed)
		return ag_sticky_replay(&w->broken, err);
	while (w->head < w->len) {
		n = write(w->fd, w->pend + w->head, w->len - w->head);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 1;
			return writer_fail(w, errno, err);
		}
		w->head += (size_t)n;
	}
	w->head = w->len = 0;
	return 0;
}

/*
 * The buffers of the writer and the reader keep their bytes in
 * (*buf)[*start..*end) of *cap: move them to the front and make room
 * for want more after them.  False on ENOMEM (the bytes are kept).
 */
static bool
window_reserve(uint8_t **buf, size_t *start, size_t *end, size_t *cap, size_t want)
{
	uint8_t *nb;

	if (*start > 0) {
		memmove(*buf, *buf + *start, *end - *start);
		*end -= *start;
		*start = 0;
	}
	if ((nb = ag_grow(*buf, cap, *end + want, 1)) == NULL)
		return false;
	*buf = nb;
	return true;
}

/* Keep bytes for later; false when out of memory. */
static bool
queue(struct ag_stream_writer *w, const uint8_t *p, size_t n)
{
	if (!window_reserve(&w->pend, &w->head, &w->len, &w->cap, n))
		return false;
	memcpy(w->pend + w->len, p, n);
	w->len += n;
	return true;
}

/*
 * Append the bytes of iov[0..cnt) as one record (or the header):
 * directly when nothing is pending, queued otherwise.
 */
static int
write_iov(struct ag_stream_writer *w, struct iovec *iov, int cnt, struct ag_error *err)
{
	size_t total = 0, done = 0, skip, pending;
	ssize_t n;
	int i, first = 0;

	for (i = 0; i < cnt; i++)
		total += iov[i].iov_len;
	if (ag_stream_writer_drain(w, err) < 0)
		return -1;
	pending = w->len - w->head;
	if (pending == 0) {
		while (first < cnt && done < total) {
			n = writev(w->fd, iov + first, cnt - first);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					break;
				return writer_fail(w, errno, err);
			}
			done += (size_t)n;
			/* Advance iov past what was written. */
			while (n > 0 && first < cnt) {
				if ((size_t)n >= iov[first].iov_len) {
					n -= (ssize_t)iov[first].iov_len;
					iov[first].iov_len = 0;
					first++;
				} else {
					iov[first].iov_base = (uint8_t *)iov[first].iov_base + n;
					iov[first].iov_len -= (size_t)n;
					n = 0;
				}
			}
		}
	}
	if (done < total) {
		/* A record never goes out in part unless its rest is kept. */
		if (done == 0 && pending + total > w->max_pending)
			return ag_error_set(err, AG_EX_IOERR,
			    "offset %llu: consumer too slow: %zu bytes pending, a "
			    "%zu-byte record would exceed the limit of %zu",
			    (unsigned long long)w->offset, pending, total, w->max_pending);
		for (i = first; i < cnt; i++) {
			skip = iov[i].iov_len;
			if (skip > 0 && !queue(w, iov[i].iov_base, skip)) {
				if (done > 0)
					return writer_fail(w, ENOMEM, err);
				return ag_error_errno(err, AG_EX_IOERR, ENOMEM,
				    "offset %llu: queueing a record", (unsigned long long)w->offset);
			}
		}
	}
	w->offset += total;
	return 0;
}

struct ag_stream_writer *
ag_stream_writer_new(int fd, struct ag_error *err)
{
	struct ag_stream_writer *w;
	uint8_t h[AG_STREAM_HEADER_SIZE];
	struct iovec iov;

	if ((w = calloc(1, sizeof *w)) == NULL) {
		ag_error_errno(err, AG_EX_IOERR, ENOMEM, "channel stream writer");
		return NULL;
	}
	w->fd = fd;
	w->max_pending = AG_STREAM_DEFAULT_MAX_PENDING;
	memcpy(h, AG_STREAM_MAGIC, 8);
	ag_wr16le(h + 8, AG_STREAM_MAJOR);
	ag_wr16le(h + 10, AG_STREAM_MINOR);
	ag_wr32le(h + 12, 0);
	iov.iov_base = h;
	iov.iov_len = sizeof h;
	if (write_iov(w, &iov, 1, err) < 0) {
		int e = errno;

		ag_stream_writer_free(w);
		errno = e;
		return NULL;
	}
	return w;
}

void
ag_stream_writer_free(struct ag_stream_writer *w)
{
	if (w == NULL)
		return;
	free(w->pend);
	free(w);
}

void
ag_stream_writer_set_max_pending(struct ag_stream_writer *w, size_t max)
{
	w->max_pending = max;
}

size_t
ag_stream_writer_pending(const struct ag_stream_writer *w)
{
	return w->len - w->head;
}

uint64_t
ag_stream_writer_offset(const struct ag_stream_writer *w)
{
	return w->offset;
}

/* Write a record: header and fixed fields from fix, then the tail. */
static int
emit(struct ag_stream_writer *w, uint16_t type, uint8_t *rec, size_t fixed,
    const void *tailp, size_t tail_len, struct ag_error *err)
{
	struct iovec iov[2];
	size_t body = fixed + tail_len;

	if (tail_len > AG_STREAM_MAX_BODY || body > AG_STREAM_MAX_BODY)
		return ag_error_set(err, AG_EX_DATAERR,
		    "offset %llu: %s record: body of %zu bytes exceeds the maximum "
		    "of %u", (unsigned long long)w->offset, ag_stream_type_name(type),
		    body, AG_STREAM_MAX_BODY);
	ag_wr32le(rec, (uint32_t)body);
	ag_wr16le(rec + 4, type);
	ag_wr16le(rec + 6, 0);
	iov[0].iov_base = rec;
	iov[0].iov_len = AG_STREAM_REC_HEADER + fixed;
	iov[1].iov_base = (void *)(uintptr_t)tailp;
	iov[1].iov_len = tail_len;
	return write_iov(w, iov, tail_len > 0 ? 2 : 1, err);
}

int
ag_stream_write_record(struct ag_stream_writer *w, uint16_t type,
    const void *body, size_t len, struct ag_error *err)
{
	uint8_t rec[AG_STREAM_REC_HEADER];

	if (len > 0 && body == NULL)
		return ag_error_set(err, AG_EX_DATAERR, "record body length without data");
	return emit(w, type, rec, 0, body, len, err);
}

/*
 * Write rec's fixed fields into the body b (zeroed); *tailp (borrowed
 * from rec) and the return value: its tail, NULL and 0 when none.  A
 * 32-bit tail length over the maximum is written as one more than it,
 * for emit() to refuse.
 */
static size_t
encode_fields(const struct ag_stream_rec *rec, const struct field *f, uint8_t *b,
    const void **tailp)
{
	const uint8_t *v;
	size_t tlen = 0;

	for (; f->kind != F_END; f++) {
		v = (const uint8_t *)rec + f->member;
		switch (f->kind) {
		case F_I64:
			put_i64(b + f->at, *(const int64_t *)(const void *)v);
			break;
		case F_U8:
			b[f->at] = *v;
			break;
		case F_U16:
			ag_wr16le(b + f->at, *(const uint16_t *)(const void *)v);
			break;
		case F_U32:
			ag_wr32le(b + f->at, *(const uint32_t *)(const void *)v);
			break;
		case F_BOOL:
			b[f->at] = *(const bool *)(const void *)v ? 1 : 0;
			break;
		case F_LEN16:
		case F_LEN32:
			memcpy(tailp, v, sizeof *tailp);
			tlen = *(const size_t *)(const void *)((const uint8_t *)rec + f->len_member);
			if (f->kind == F_LEN16) {
				ag_wr16le(b + f->at, (uint16_t)tlen);
				break;
			}
			if (tlen > AG_STREAM_MAX_BODY)
				tlen = (size_t)AG_STREAM_MAX_BODY + 1;
			ag_wr32le(b + f->at, (uint32_t)tlen);
			break;
		case F_END:
			break;
		}
	}
	return tlen;
}

int
ag_stream_write(struct ag_stream_writer *w, const struct ag_stream_rec *rec, struct ag_error *err)
{
	uint8_t buf[AG_STREAM_REC_HEADER + FIX_MAX];
	uint8_t *b = buf + AG_STREAM_REC_HEADER;
	char why[256];
	const void *t = NULL;
	size_t tlen = 0, fixed = fixed_size(rec->type);

	if (fixed == 0)
		return ag_error_set(err, AG_EX_DATAERR,
		    "cannot encode record type %u: not a known type", (unsigned)rec->type);
	if (w->broken.failed)
		return ag_sticky_replay(&w->broken, err);
	if (check_rec(rec, why, sizeof why) < 0)
		return ag_error_set(err, AG_EX_DATAERR, "offset %llu: %s record: %s",
		    (unsigned long long)w->offset, ag_stream_type_name(rec->type), why);
	memset(buf, 0, sizeof buf);
	tlen = encode_fields(rec, layout_of(rec->type)->fields, b, &t);
	return emit(w, rec->type, buf, fixed, t, tlen, err);
}

#define TYPED_WRITER(fn, T, TYPE, member)                                    \
int                                                                          \
fn(struct ag_stream_writer *w, const T *v, struct ag_error *err)             \
{                                                                            \
	struct ag_stream_rec rec;                                            \
                                                                             \
	memset(&rec, 0, sizeof rec);                                         \
	rec.type = TYPE;                                                     \
	rec.u.member = *v;                                                   \
	return ag_stream_write(w, &rec, err);                                \
}

TYPED_WRITER(ag_stream_write_channel, struct ag_stream_channel, AG_STREAM_CHANNEL, channel)
TYPED_WRITER(ag_stream_write_join, struct ag_stream_join, AG_STREAM_JOIN, join)
TYPED_WRITER(ag_stream_write_leave, struct ag_stream_leave, AG_STREAM_LEAVE, leave)
TYPED_WRITER(ag_stream_write_codec, struct ag_stream_codec, AG_STREAM_CODEC, codec)
TYPED_WRITER(ag_stream_write_mute, struct ag_stream_mute, AG_STREAM_MUTE, mute)
TYPED_WRITER(ag_stream_write_media, struct ag_stream_media, AG_STREAM_MEDIA, media)
TYPED_WRITER(ag_stream_write_raw, struct ag_stream_raw, AG_STREAM_RAW, raw)
TYPED_WRITER(ag_stream_write_end, struct ag_stream_end, AG_STREAM_END, end)
TYPED_WRITER(ag_stream_write_levels, struct ag_stream_levels, AG_STREAM_LEVELS, levels)

/* ---- reader ---- */

struct ag_stream_reader *
ag_stream_reader_new(int fd, struct ag_error *err)
{
	struct ag_stream_reader *r;

	if ((r = calloc(1, sizeof *r)) == NULL) {
		ag_error_errno(err, AG_EX_IOERR, ENOMEM, "channel stream reader");
		return NULL;
	}
	r->fd = fd < 0 ? -1 : fd;
	return r;
}

void
ag_stream_reader_free(struct ag_stream_reader *r)
{
	if (r == NULL)
		return;
	free(r->buf);
	free(r);
}

/* Make room for at least want bytes after buf[end]; false on ENOMEM. */
static bool
reserve(struct ag_stream_reader *r, size_t want)
{
	return window_reserve(&r->buf, &r->start, &r->end, &r->cap, want);
}

int
ag_stream_reader_feed(struct ag_stream_reader *r, const void *buf, size_t len,
    struct ag_error *err)
{
	if (r->fd >= 0 || r->eof)
		return ag_error_set(err, AG_EX_IOERR, "channel stream reader: %s",
		    r->fd >= 0 ? "cannot feed a reader of a descriptor" :
		    "fed after the end");
	if (buf == NULL && len == 0) {
		r->eof = true;
		return 0;
	}
	if (len == 0)
		return 0;
	if (!reserve(r, len))
		return ag_error_errno(err, AG_EX_IOERR, ENOMEM, "channel stream reader");
	memcpy(r->buf + r->end, buf, len);
	r->end += len;
	return 0;
}

static int
reader_fail(struct ag_stream_reader *r, struct ag_error *err)
{
	r->failed = true;
	if (err != NULL)
		*err = r->saved;
	return -1;
}

/*
 * Get more bytes so that at least need are buffered (reading more is
 * fine).  Returns 0 when bytes arrived or the input ended (r->eof),
 * AG_STREAM_AGAIN, or -1 with r->saved set.
 */
static int
fill(struct ag_stream_reader *r, size_t need)
{
	ssize_t n;
	size_t want;

	if (r->fd < 0)
		return AG_STREAM_AGAIN;
	want = need > r->end - r->start ? need - (r->end - r->start) : 0;
	if (want < READ_CHUNK)
		want = READ_CHUNK;
	if (!reserve(r, want))
		return ag_error_errno(&r->saved, AG_EX_IOERR, ENOMEM,
		    "offset %llu: channel stream reader", (unsigned long long)r->consumed);
	for (;;) {
		n = read(r->fd, r->buf + r->end, r->cap - r->end);
		if (n > 0) {
			r->end += (size_t)n;
			return 0;
		}
		if (n == 0) {
			r->eof = true;
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return AG_STREAM_AGAIN;
		return ag_error_errno(&r->saved, AG_EX_IOERR, errno,
		    "offset %llu: reading the channel stream",
		    (unsigned long long)(r->consumed + (r->end - r->start)));
	}
}

int
ag_stream_read(struct ag_stream_reader *r, struct ag_stream_rec *out, struct ag_error *err)
{
	struct ag_stream_rec rec;
	size_t avail, used = 0;
	int rc;

	if (r->failed)
		return reader_fail(r, err);
	if (r->ended)
		return 0;
	for (;;) {
		avail = r->end - r->start;
		if (!r->have_header) {
			if (avail >= AG_STREAM_HEADER_SIZE) {
				if (parse_header(r->buf + r->start, &r->hdr, &r->saved) < 0)
					return reader_fail(r, err);
				r->have_header = true;
				r->start += AG_STREAM_HEADER_SIZE;
				r->consumed += AG_STREAM_HEADER_SIZE;
				continue;
			}
			if (r->eof) {
				ag_error_set(&r->saved, AG_EX_DATAERR,
				    "offset 0: truncated stream header: %zu of %d bytes",
				    avail, AG_STREAM_HEADER_SIZE);
				return reader_fail(r, err);
			}
			used = AG_STREAM_HEADER_SIZE;
		} else if (avail == 0 && r->eof) {
			return 0;
		} else {
			memset(&rec, 0, sizeof rec);
			rc = frame_record(r->buf + r->start, avail, r->consumed, r->eof,
			    &rec, &used, &r->saved);
			if (rc < 0)
				return reader_fail(r, err);
			if (rc == 1) {
				r->start += used;
				r->consumed += used;
				if ((rc = ag_stream_decode(&rec, &r->saved)) < 0)
					return reader_fail(r, err);
				if (rc == 0) {
					r->skipped++;
					continue;
				}
				if (rec.type == AG_STREAM_END)
					r->ended = true;
				*out = rec;
				return 1;
			}
		}
		/* Need used bytes in all. */
		if ((rc = fill(r, used)) == AG_STREAM_AGAIN)
			return AG_STREAM_AGAIN;
		if (rc < 0)
			return reader_fail(r, err);
	}
}

const struct ag_stream_header *
ag_stream_reader_header(const struct ag_stream_reader *r)
{
	return r->have_header ? &r->hdr : NULL;
}

uint64_t
ag_stream_reader_skipped(const struct ag_stream_reader *r)
{
	return r->skipped;
}

uint64_t
ag_stream_reader_offset(const struct ag_stream_reader *r)
{
	return r->consumed;
}
