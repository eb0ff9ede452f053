/*
 * stream.h - the channel stream, agrec-stream(5): a live, versioned
 * binary stream of one channel (metadata, join/leave/mute events, codec
 * parameters, encoded media and optional raw frames), written by
 * agrec-record --emit and read by agrec-mix and agrec-capture.
 *
 * Wire format in one paragraph (the man page is the reference): a
 * 16-byte header ("AGRECSTR", u16 major, u16 minor, u32 flags), then
 * records of an 8-byte header (u32 body length, u16 type, u16 flags)
 * and a body; every integer is little-endian; a body is at most
 * AG_STREAM_MAX_BODY bytes; every variable-length field carries its own
 * length, so a minor version may append fields to any record and add
 * record types, which readers skip.
 *
 * Ownership: writers and readers are new (the caller frees them with
 * the matching _free, which accepts NULL).  Neither ever closes or
 * changes the caller's file descriptor.  Pointers inside a record
 * returned by the reader are borrowed from the reader's buffer; pointers
 * given to the writer are only read during the call.
 *
 * Nothing here prints, exits or touches signal dispositions: a program
 * that writes to a pipe must ignore SIGPIPE itself, otherwise a reader
 * that goes away kills it before the writer can report EPIPE.
 */
#ifndef AG_STREAM_H
#define AG_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define AG_STREAM_MAGIC       "AGRECSTR"  /* 8 bytes, no NUL on the wire */
#define AG_STREAM_MAJOR       1
#define AG_STREAM_MINOR       1  /* 1.1 added the levels record */
#define AG_STREAM_HEADER_SIZE 16          /* stream header */
#define AG_STREAM_REC_HEADER  8           /* record header */
#define AG_STREAM_MAX_BODY    (16u * 1024 * 1024)  /* largest record body */
#define AG_STREAM_DEFAULT_MAX_PENDING ((size_t)16 * 1024 * 1024)

/* ag_stream_read() on a non-blocking fd or a fed reader: no complete
 * record yet, try again when more bytes can arrive.  err is untouched. */
#define AG_STREAM_AGAIN (-2)

/* Record types (u16).  0 is never written; 0x8000..0xffff are for
 * private experiments.  A reader skips every type it does not know. */
enum ag_stream_type {
	AG_STREAM_CHANNEL = 1,  /* struct ag_stream_channel */
	AG_STREAM_JOIN = 2,     /* struct ag_stream_join */
	AG_STREAM_LEAVE = 3,    /* struct ag_stream_leave */
	AG_STREAM_CODEC = 4,    /* struct ag_stream_codec */
	AG_STREAM_MUTE = 5,     /* struct ag_stream_mute */
	AG_STREAM_MEDIA = 6,    /* struct ag_stream_media */
	AG_STREAM_RAW = 7,      /* struct ag_stream_raw */
	AG_STREAM_END = 8,      /* struct ag_stream_end */
	AG_STREAM_LEVELS = 9    /* struct ag_stream_levels (since 1.1) */
};

/* Media kind (u8).  Closed: any other value is a malformed record. */
enum ag_stream_kind {
	AG_STREAM_AUDIO = 0,
	AG_STREAM_VIDEO = 1
};

/*
 * Codec and raw format ids (u8 on the wire).  The first seven equal enum
 * ag_codec in codec.h (stream.c asserts it at compile time) so that the
 * two can be unified; they are wire values and never change.  A minor
 * version may add ids: readers pass unknown ids through to the caller,
 * which skips media it cannot decode.
 */
enum ag_stream_codec_id {
	AG_STREAM_CODEC_H264 = 0,       /* Annex-B access unit, start codes included */
	AG_STREAM_CODEC_VP8 = 1,        /* one VP8 frame (RFC 6386) */
	AG_STREAM_CODEC_OPUS = 2,       /* one Opus packet (RFC 6716) */
	AG_STREAM_CODEC_PCMU = 3,       /* G.711 mu-law bytes */
	AG_STREAM_CODEC_PCMA = 4,       /* G.711 A-law bytes */
	AG_STREAM_CODEC_AAC = 5,        /* one raw AAC access unit, no ADTS header */
	AG_STREAM_CODEC_H265 = 6,       /* Annex-B access unit, start codes included */
	AG_STREAM_CODEC_PCM_S16LE = 64, /* raw: interleaved signed 16-bit little-endian */
	AG_STREAM_CODEC_I420 = 65       /* raw: planar Y, U, V; chroma (w+1)/2 x (h+1)/2 */
};

/* Media flags (u16).  Readers ignore bits they do not know. */
#define AG_STREAM_F_KEYFRAME 0x0001u  /* decoding can start here */
#define AG_STREAM_F_DISCONT  0x0002u  /* frames of this uid and kind were lost before this one */

/* What channel time 0 is (u8). */
enum ag_stream_origin {
	AG_STREAM_ORIGIN_START = 0,         /* the recorder started */
	AG_STREAM_ORIGIN_FIRST_PACKET = 1   /* the first media packet arrived */
};

/* Why a user left (u8).  A minor version may add values. */
enum ag_stream_leave_reason {
	AG_STREAM_LEAVE_BYE = 0,      /* RTCP BYE */
	AG_STREAM_LEAVE_TIMEOUT = 1,  /* silence timeout */
	AG_STREAM_LEAVE_STOP = 2      /* the recording stopped */
};

/* Why the stream ended (u8).  A minor version may add values. */
enum ag_stream_end_reason {
	AG_STREAM_END_STOP = 0,   /* signal, manual stop or end of input */
	AG_STREAM_END_IDLE = 1,   /* the channel was idle for --idle seconds */
	AG_STREAM_END_ERROR = 2   /* the recorder failed */
};

struct ag_stream_header {
	uint16_t major, minor;
	uint32_t flags;            /* reserved, written 0, ignored on reading */
};

struct ag_stream_channel {
	int64_t wall_us;           /* wall clock at channel time 0, us since 1970 UTC */
	uint8_t origin;            /* enum ag_stream_origin */
	const char *name;          /* name_len bytes, no NUL inside, NOT NUL-terminated */
	size_t name_len;           /* <= 65535 */
};

struct ag_stream_join {
	int64_t t_us;              /* channel time, microseconds */
	uint32_t uid;
};

struct ag_stream_leave {
	int64_t t_us;
	uint32_t uid;
	uint8_t reason;            /* enum ag_stream_leave_reason */
};

struct ag_stream_codec {
	int64_t t_us;
	uint32_t uid;
	uint8_t kind;              /* enum ag_stream_kind */
	uint8_t codec;             /* enum ag_stream_codec_id */
	uint32_t sample_rate;      /* audio, Hz; 0 for video */
	uint16_t channels;         /* audio; 0 for video */
	uint16_t width, height;    /* video, pixels; 0 for audio or unknown yet */
	const uint8_t *extradata;  /* avcC, hvcC, AudioSpecificConfig, OpusHead; may be NULL */
	size_t extradata_len;
};

struct ag_stream_mute {
	int64_t t_us;
	uint32_t uid;
	uint8_t kind;              /* enum ag_stream_kind */
	bool muted;                /* true: mute, false: unmute */
};

struct ag_stream_media {
	int64_t pts_us;            /* presentation time on the channel clock */
	uint32_t uid;
	uint8_t kind;              /* enum ag_stream_kind */
	uint8_t codec;             /* enum ag_stream_codec_id, not a raw format */
	uint16_t flags;            /* AG_STREAM_F_* */
	const uint8_t *data;       /* one frame, never empty */
	size_t len;
};

struct ag_stream_raw {
	int64_t pts_us;
	uint32_t uid;
	uint8_t kind;              /* enum ag_stream_kind */
	uint8_t format;            /* AG_STREAM_CODEC_PCM_S16LE or _I420 */
	uint16_t flags;            /* AG_STREAM_F_* */
	uint32_t sample_rate;      /* PCM; 0 for video */
	uint16_t channels;         /* PCM; 0 for video */
	uint16_t width, height;    /* I420; 0 for audio */
	const uint8_t *data;
	size_t len;
};

struct ag_stream_end {
	int64_t t_us;
	uint8_t reason;            /* enum ag_stream_end_reason */
};

/*
 * Audio levels of one indication interval (agrec-record
 * --audioIndicationInterval): the level of each user whose audio was
 * measured in the interval, and the active (loudest) speaker.  The
 * entries are AG_STREAM_LEVEL_SIZE bytes each, read with
 * ag_stream_levels_get() and built with ag_stream_level_put().
 */
#define AG_STREAM_LEVELS_F_ACTIVE 0x01u  /* active_uid names the active speaker */
#define AG_STREAM_LEVEL_SIZE      8      /* u32 uid, i16 level_cb, u8 source, u8 reserved */
#define AG_STREAM_LEVEL_MIN_CB    (-12700)  /* silence: -127 dBov, the RFC 6464 floor */

/* Where a level came from (u8).  A minor version may add values. */
enum ag_stream_level_source {
	AG_STREAM_LEVEL_DECODED = 0,  /* RMS of the samples the recorder decoded */
	AG_STREAM_LEVEL_RFC6464 = 1   /* the sender's RFC 6464 audio-level extension */
};

struct ag_stream_levels {
	int64_t t_us;              /* channel time of the interval's end */
	uint32_t interval_ms;      /* the interval's length */
	uint32_t active_uid;       /* valid with AG_STREAM_LEVELS_F_ACTIVE */
	uint8_t flags;             /* AG_STREAM_LEVELS_F_*; unknown bits ignored */
	const uint8_t *entries;    /* entries_len bytes, a multiple of AG_STREAM_LEVEL_SIZE */
	size_t entries_len;        /* <= 65535 */
};

struct ag_stream_level {
	uint32_t uid;
	int16_t level_cb;          /* dBov in hundredths: AG_STREAM_LEVEL_MIN_CB .. 0 */
	uint8_t source;            /* enum ag_stream_level_source */
};

/*
 * One record as read.  type selects the member of u; body and body_len
 * are the raw body (so a program can forward a record unchanged) and
 * offset the byte offset of the record header in the stream.  Every
 * pointer is borrowed from the reader (see ag_stream_read()).
 */
struct ag_stream_rec {
	uint16_t type;             /* enum ag_stream_type */
	uint16_t rflags;           /* record header flags, reserved */
	uint64_t offset;
	const uint8_t *body;
	size_t body_len;
	union {
		struct ag_stream_channel channel;
		struct ag_stream_join join;
		struct ag_stream_leave leave;
		struct ag_stream_codec codec;
		struct ag_stream_mute mute;
		struct ag_stream_media media;
		struct ag_stream_raw raw;
		struct ag_stream_end end;
		struct ag_stream_levels levels;
	} u;
};

/* "channel", "join", ..., or "unknown": a static string. */
const char *ag_stream_type_name(unsigned type);

/* "h264", "vp8", "opus", "pcmu", "pcma", "aac", "h265", "pcm_s16le", "i420",
 * or "unknown": a static string. */
const char *ag_stream_codec_name(unsigned codec);

/*
 * Bytes of an I420 frame of width x height: w*h + 2*((w+1)/2)*((h+1)/2).
 */
size_t ag_stream_i420_size(unsigned width, unsigned height);

/* Entries in a levels record. */
size_t ag_stream_levels_count(const struct ag_stream_levels *l);

/* Entry i (< ag_stream_levels_count(l)) of a levels record. */
void ag_stream_levels_get(const struct ag_stream_levels *l, size_t i,
    struct ag_stream_level *out);

/* Encode lv into the AG_STREAM_LEVEL_SIZE bytes at entry. */
void ag_stream_level_put(uint8_t *entry, const struct ag_stream_level *lv);

/*
 * Decode the body of a record of a known type into rec->u.  rec->type,
 * rec->offset, rec->body and rec->body_len must be set; the pointers in
 * rec->u borrow rec->body.  Returns 1 when decoded, 0 when the type is
 * unknown (rec->u untouched), -1 with err (AG_EX_DATAERR, message
 * "offset N: ...") when the fixed fields do not fit, a length field
 * overruns the body, or a value is invalid.  Bytes after the fields
 * this version knows are ignored.
 */
int ag_stream_decode(struct ag_stream_rec *rec, struct ag_error *err);

/* ---- writer ---- */

struct ag_stream_writer;

/*
 * A writer appending to fd, which the caller owns and may have made
 * non-blocking.  The stream header is written (or queued) at once.
 * Returns a new writer, or NULL with err (AG_EX_IOERR on a write error
 * such as EPIPE, errno kept).
 */
struct ag_stream_writer *ag_stream_writer_new(int fd, struct ag_error *err);

/* Free w; pending bytes are discarded, the fd is left open.  NULL is fine. */
void ag_stream_writer_free(struct ag_stream_writer *w);

/*
 * Bound the bytes kept while fd would block (default
 * AG_STREAM_DEFAULT_MAX_PENDING).  A record is queued whole or not at
 * all; one that was partly written is always completed, so the pending
 * bytes can exceed the bound by less than one record.
 */
void ag_stream_writer_set_max_pending(struct ag_stream_writer *w, size_t max);

/* Bytes accepted but not yet written: poll fd for POLLOUT while > 0. */
size_t ag_stream_writer_pending(const struct ag_stream_writer *w);

/* Bytes accepted so far, header included: the offset of the next record. */
uint64_t ag_stream_writer_offset(const struct ag_stream_writer *w);

/*
 * Write pending bytes without blocking on a non-blocking fd (blocking
 * until done on a blocking one).  Returns 0 when nothing is pending any
 * more, 1 when bytes remain because fd would block, -1 with err
 * (AG_EX_IOERR, errno kept) on a write error; after an error every
 * later call fails the same way.
 */
int ag_stream_writer_drain(struct ag_stream_writer *w, struct ag_error *err);

/*
 * Append a record.  Pending bytes are drained first, then the record is
 * written directly; what fd does not take is kept.  Returns 0 when the
 * record was accepted (check ag_stream_writer_pending()), -1 with err:
 * AG_EX_IOERR on a write error (errno kept) or when queueing the record
 * would exceed the pending bound ("consumer too slow"; the record is
 * dropped, the stream stays well-formed and later records can still be
 * written); AG_EX_DATAERR when the record is invalid (too long, unknown
 * kind, I420 size that does not match, ...) and nothing was written.
 * The typed helpers encode one record type each; ag_stream_write()
 * encodes rec->type from rec->u (rec->body is ignored), and
 * ag_stream_write_record() writes any type with a body given as bytes
 * (forwarding, tests).
 */
int ag_stream_write_channel(struct ag_stream_writer *w, const struct ag_stream_channel *c, struct ag_error *err);
int ag_stream_write_join(struct ag_stream_writer *w, const struct ag_stream_join *j, struct ag_error *err);
int ag_stream_write_leave(struct ag_stream_writer *w, const struct ag_stream_leave *l, struct ag_error *err);
int ag_stream_write_codec(struct ag_stream_writer *w, const struct ag_stream_codec *c, struct ag_error *err);
int ag_stream_write_mute(struct ag_stream_writer *w, const struct ag_stream_mute *m, struct ag_error *err);
int ag_stream_write_media(struct ag_stream_writer *w, const struct ag_stream_media *m, struct ag_error *err);
int ag_stream_write_raw(struct ag_stream_writer *w, const struct ag_stream_raw *r, struct ag_error *err);
int ag_stream_write_end(struct ag_stream_writer *w, const struct ag_stream_end *e, struct ag_error *err);
int ag_stream_write_levels(struct ag_stream_writer *w, const struct ag_stream_levels *l,
    struct ag_error *err);
int ag_stream_write(struct ag_stream_writer *w, const struct ag_stream_rec *rec, struct ag_error *err);
int ag_stream_write_record(struct ag_stream_writer *w, uint16_t type,
    const void *body, size_t len, struct ag_error *err);

/* ---- reader ---- */

struct ag_stream_reader;

/*
 * A reader of fd (a pipe, FIFO or file; never seeks), which the caller
 * owns.  fd may be non-blocking: ag_stream_read() then returns
 * AG_STREAM_AGAIN instead of waiting.  With fd -1 the reader reads only
 * what ag_stream_reader_feed() gives it.  Returns a new reader, or NULL
 * with err (out of memory).
 */
struct ag_stream_reader *ag_stream_reader_new(int fd, struct ag_error *err);

/* Free r and its buffer; the fd is left open.  NULL is fine. */
void ag_stream_reader_free(struct ag_stream_reader *r);

/*
 * Give a reader made with fd -1 the next len bytes of the stream
 * (copied), or, with buf NULL and len 0, tell it the stream has ended.
 * Returns 0, or -1 with err (AG_EX_IOERR: out of memory; the reader has
 * an fd, or has already been told the end).
 */
int ag_stream_reader_feed(struct ag_stream_reader *r, const void *buf, size_t len, struct ag_error *err);

/*
 * Read the next record of a type this reader knows, decoded; unknown
 * types are skipped and counted.  Returns:
 *    1  *out holds a record; its pointers are borrowed until the next
 *       call of ag_stream_read() or ag_stream_reader_feed() on r;
 *    0  clean end: end of input exactly between two records (after the
 *       stream header), or any call after an END record was returned;
 *   AG_STREAM_AGAIN (-2)  no complete record yet (non-blocking fd, or a
 *       fed reader that has not been told the end);
 *   -1  err set: AG_EX_DATAERR with "offset N: what" for bad magic, an
 *       unsupported major version, a truncated header or record, a
 *       length over AG_STREAM_MAX_BODY, a record of a known type whose
 *       fields do not fit or hold invalid values (unknown media kind);
 *       AG_EX_IOERR for a read error.  Every later call returns -1
 *       with the same error.
 */
int ag_stream_read(struct ag_stream_reader *r, struct ag_stream_rec *out, struct ag_error *err);

/* The stream header once the first ag_stream_read() got past it, else
 * NULL.  Borrowed from r. */
const struct ag_stream_header *ag_stream_reader_header(const struct ag_stream_reader *r);

/* Records of unknown types skipped so far. */
uint64_t ag_stream_reader_skipped(const struct ag_stream_reader *r);

/* Stream bytes consumed so far: the offset of the next record. */
uint64_t ag_stream_reader_offset(const struct ag_stream_reader *r);

/*
 * Parse a whole stream held in memory (tests, fuzzing, small files):
 * calls fn (if not NULL) for every record of a known type, in order,
 * with pointers borrowed from buf.  Returns the number of records
 * passed to fn, or -1 with err as ag_stream_read() would report it
 * (the records before the error have been passed to fn).
 */
int ag_stream_parse_buf(const uint8_t *buf, size_t len,
    void (*fn)(const struct ag_stream_rec *rec, void *arg), void *arg,
    struct ag_error *err);

#endif
