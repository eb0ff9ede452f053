/*
 * mkv.h - a minimal streaming Matroska/WebM writer (design.md 3.2).
 *
 * Writes to a file descriptor, a file or a pipe to an ffmpeg child,
 * and never seeks: the Segment has an unknown size, there is no SeekHead
 * or Cues.  Info keeps an 11-byte Void where, on a regular file opened
 * without O_APPEND, ag_mkv_close writes the Duration with pwrite(2) (the
 * fd's offset does not move); on a pipe, or after a crash, the Void stays
 * and readers see no duration (ffprobe: N/A), which is valid Matroska.  Crash safety comes from the layout:
 * frames are collected into a cluster in memory, and a whole cluster
 * (with its exact size) is handed to write(2) at once, so a killed
 * process leaves a file whose every written cluster is complete and
 * loses at most the cluster being collected (at most about a second).
 * The header ends with an empty Cluster (Timestamp 0), so even a file
 * killed before its first frames were written opens as a valid, empty
 * file rather than a truncated one.
 *
 * A cluster is sealed and written:
 *  - before a video keyframe (every video cluster starts on a keyframe),
 *  - before a frame that would make the cluster span AG_MKV_CLUSTER_MS
 *    or more,
 *  - before a frame that would make it larger than AG_MKV_CLUSTER_BYTES,
 *  - on ag_mkv_flush and ag_mkv_close.
 * A cluster's Timestamp is the lowest frame time in it, so the 16-bit
 * relative times of its blocks are always 0..AG_MKV_CLUSTER_MS-1.
 *
 * Timestamps are milliseconds (TimestampScale 1000000) as int64.  Input
 * that goes backwards is clamped, never rejected: a frame's time is
 * raised to the last time of the same track, and to the Timestamp of
 * the last written cluster (so cluster timestamps never decrease).  The
 * clamped frames are counted (ag_mkv_clamped).
 *
 * The fd may be blocking or non-blocking.  Bytes that write(2) could not
 * take (EAGAIN) are kept, up to AG_MKV_MAX_PENDING bytes: an event loop
 * watches POLLOUT while ag_mkv_pending() > 0 and calls ag_mkv_drain().
 * Beyond that bound the output is reported stalled.  Any write error
 * (EPIPE when the child died, ENOSPC, a stall) is AG_EX_IOERR with errno
 * kept, and is sticky: every later call fails the same way.  SIGPIPE
 * must be ignored or blocked by the program for EPIPE to be seen.
 */
#ifndef AG_MKV_H
#define AG_MKV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define AG_MKV_MAX_TRACKS    8
#define AG_MKV_CLUSTER_MS    1000
#define AG_MKV_CLUSTER_BYTES (4u << 20)   /* soft: a cluster holds at least one frame */
#define AG_MKV_MAX_FRAME     (4u << 20)   /* bytes per frame */
#define AG_MKV_MAX_PENDING   (16u << 20)  /* unwritten bytes kept on EAGAIN */
#define AG_MKV_MAX_PRIVATE   4096         /* CodecPrivate bytes */
#define AG_MKV_OPUS_HEAD_LEN 19

enum ag_mkv_codec {
	AG_MKV_VP8,        /* V_VP8 */
	AG_MKV_VP9,        /* V_VP9 */
	AG_MKV_H264,       /* V_MPEG4/ISO/AVC; codec_private = avcC (required) */
	AG_MKV_OPUS,       /* A_OPUS; codec_private = OpusHead, or built when NULL */
	AG_MKV_AAC,        /* A_AAC; codec_private = AudioSpecificConfig (required) */
	AG_MKV_PCM_S16LE,  /* A_PCM/INT/LIT, 16 bits */
	AG_MKV_H265,       /* V_MPEGH/ISO/HEVC; codec_private = hvcC (required) */
};

/* One track; the writer numbers them 1, 2, ... in array order. */
struct ag_mkv_track {
	enum ag_mkv_codec codec;
	int width, height;            /* video: 1..65535 */
	int sample_rate, channels;    /* audio: 1..384000 Hz, 1..8 channels (Opus: 1..2) */
	int opus_pre_skip;            /* Opus: samples at 48 kHz (CodecDelay); 0..65535 */
	const void *codec_private;    /* borrowed during ag_mkv_open only */
	size_t codec_private_len;
};

struct ag_mkv;

/*
 * Start a file on fd: writes (or queues, on EAGAIN) the EBML header,
 * Segment start, Info and Tracks.  DocType is "webm" when every track is
 * VP8, VP9 or Opus, else "matroska".  tracks is read during the call
 * only.  fd stays the caller's: it is never closed.  Returns a new
 * writer (end it with ag_mkv_close), or NULL with err: AG_EX_USAGE for
 * bad tracks, AG_EX_IOERR (errno kept) for a write error, AG_EX_FAIL
 * when out of memory.
 */
struct ag_mkv *ag_mkv_open(int fd, const struct ag_mkv_track *tracks, int ntracks,
    struct ag_error *err);

/*
 * Add one frame to track (1-based) at ts_ms.  keyframe matters for video
 * (it starts a new cluster); audio frames are always marked keyframes.
 * data is copied.  May write a sealed cluster.  Returns 0, or -1 with
 * err: AG_EX_USAGE (bad track, frame over AG_MKV_MAX_FRAME),
 * AG_EX_IOERR (write error, or more than AG_MKV_MAX_PENDING bytes would
 * be pending), AG_EX_FAIL (out of memory).
 */
int ag_mkv_write(struct ag_mkv *m, int track, int64_t ts_ms, bool keyframe,
    const void *data, size_t len, struct ag_error *err);

/*
 * Seal the cluster being collected and try to write everything pending.
 * Returns 0 when all is written, 1 when bytes are still pending (a
 * non-blocking fd that would block), -1 with err (AG_EX_IOERR).
 */
int ag_mkv_flush(struct ag_mkv *m, struct ag_error *err);

/* Bytes sealed but not yet accepted by the fd. */
size_t ag_mkv_pending(const struct ag_mkv *m);

/*
 * The bytes the fd has taken so far, header included: a reader that
 * is slow but reads makes this grow while bytes are pending.
 */
uint64_t ag_mkv_written(const struct ag_mkv *m);

/*
 * Write pending bytes until done or the fd would block.  Returns 0 when
 * nothing is pending any more, 1 when some still is, -1 with err
 * (AG_EX_IOERR).
 */
int ag_mkv_drain(struct ag_mkv *m, struct ag_error *err);

/* Frames whose timestamp was raised because it went backwards. */
uint64_t ag_mkv_clamped(const struct ag_mkv *m);

/*
 * Flush, write the Duration on a regular file (see above), then free m
 * (always, even on error; NULL is fine and returns 0).  Does not close
 * the fd.  Returns 0, or -1 with err (AG_EX_IOERR):
 * a write error, or bytes still pending because a non-blocking fd would
 * block — to close without blocking or losing data, call ag_mkv_flush
 * and ag_mkv_drain (on POLLOUT) until ag_mkv_pending() is 0 first.
 */
int ag_mkv_close(struct ag_mkv *m, struct ag_error *err);

/*
 * Build an OpusHead (RFC 7845 5.1, channel mapping family 0) into buf:
 * channels 1..2, pre_skip 0..65535 samples at 48 kHz, rate the input
 * sample rate (informational, 1..384000).  Returns
 * AG_MKV_OPUS_HEAD_LEN, or -1 for bad arguments.
 */
int ag_mkv_opus_head(int channels, int pre_skip, int rate, uint8_t buf[AG_MKV_OPUS_HEAD_LEN]);

/*
 * Encode v as an EBML variable-length size of at least minlen (1..8)
 * bytes into out.  Returns the length used (1..8), or -1 when v does not
 * fit (v >= 2^56 - 1; all-ones values mean "unknown size").
 */
int ag_mkv_vint(uint64_t v, int minlen, uint8_t out[8]);

#endif
