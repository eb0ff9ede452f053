/*
 * fmp4.h - a crash-safe fragmented MP4 writer for one H.264 or H.265
 * track (ISO/IEC 14496-12 and 14496-15: an avc1 sample entry with its
 * avcC, or an hvc1 one with its hvcC).
 *
 * agrec-record writes each user's video as <UID>_<TS>.mp4 straight from
 * RTP, in-process (no ffmpeg child per participant), and the file must
 * play whenever the recorder dies, SIGKILL included.  So the layout is:
 *
 *   ftyp moov(mvhd trak(tkhd mdia(mdhd hdlr minf(vmhd dinf stbl))) mvex(trex))
 *   moof(mfhd traf(tfhd tfdt trun)) mdat
 *   moof mdat ...
 *
 * ftyp and moov (with empty sample tables and mvex) are written by
 * ag_fmp4_open, before any sample, so even a file killed at once is a
 * valid, empty movie.  Every fragment is self-contained (tfhd uses
 * default-base-is-moof, tfdt carries the 64-bit decode time of its first
 * sample, trun gives every sample's duration, size and flags) and is
 * handed to write(2) in one call, moof and mdat together, so a killed
 * process leaves whole fragments followed at most by one torn fragment,
 * which readers stop at.  Nothing is ever seeked back to or rewritten:
 * the durations in mvhd, tkhd and mdhd stay 0 (unknown) and readers sum
 * the fragments.
 *
 * Timestamps are decode times in config.timescale units, normally the
 * 90 kHz RTP clock, so frame durations stay exact (15 fps is 6000 ticks;
 * milliseconds would alternate 66 and 67 and read as 181/12 fps).  There
 * are no B-frames: presentation time equals decode time.  A sample lasts
 * until the next sample's dts, so a sample's duration is known only when
 * the next one arrives; that is why samples are buffered.  A fragment is
 * written, before the sample that triggers it is added:
 *  - when a key frame arrives and the buffered samples span at least
 *    fragment_ms (so fragments normally start on key frames),
 *  - when they span at least 2 * fragment_ms anyway (a sender with rare
 *    key frames still loses at most that much on a crash),
 *  - when the new sample would take the buffered bytes past
 *    AG_FMP4_FRAGMENT_BYTES, or the fragment holds
 *    AG_FMP4_FRAGMENT_SAMPLES samples,
 *  - on ag_fmp4_flush and ag_fmp4_close.
 * A fragment that does not start on a key frame is valid; it just is not
 * a random access point.
 *
 * The fd is a regular file or a pipe in blocking mode.  It is never
 * closed and never seeked.  Any write error (EPIPE, ENOSPC, a short
 * write that could not be completed) is AG_EX_IOERR with errno kept and
 * is sticky: every later call fails the same way.  SIGPIPE must be
 * ignored or blocked by the program for EPIPE to be seen.
 */
#ifndef AG_FMP4_H
#define AG_FMP4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define AG_FMP4_MAX_SAMPLE       (4u << 20)   /* bytes per sample */
#define AG_FMP4_FRAGMENT_BYTES   (8u << 20)   /* sample bytes buffered per fragment */
#define AG_FMP4_FRAGMENT_SAMPLES 1024         /* samples per fragment */
#define AG_FMP4_MAX_AVCC         65535        /* bytes of AVCDecoderConfigurationRecord */
#define AG_FMP4_DEFAULT_FRAGMENT_MS 1000
#define AG_FMP4_MAX_FRAGMENT_MS  60000

struct ag_fmp4_config {
	uint32_t timescale;      /* ticks per second, 1..1000000 (RTP video: 90000) */
	int width, height;       /* 1..65535 */
	const uint8_t *avcc;     /* H.264: AVCDecoderConfigurationRecord, lengthSizeMinusOne 3
	                            (4-byte NAL lengths); borrowed during ag_fmp4_open only;
	                            NULL for H.265 */
	size_t avcc_len;         /* 7..AG_FMP4_MAX_AVCC */
	int fragment_ms;         /* 0 for AG_FMP4_DEFAULT_FRAGMENT_MS, else 1..AG_FMP4_MAX_FRAGMENT_MS */
	int64_t creation_time;   /* seconds since 1970 for mvhd/tkhd/mdhd, or 0; >= 0 */
	const uint8_t *hvcc;     /* H.265: HEVCDecoderConfigurationRecord with 4-byte NAL
	                            lengths (ag_h265_hvcc); borrowed as avcc; NULL for H.264.
	                            Exactly one of avcc and hvcc is set. */
	size_t hvcc_len;         /* 23..AG_FMP4_MAX_AVCC */
};

struct ag_fmp4;

/*
 * Start a file on fd: writes ftyp (major brand isom; compatible isom,
 * iso5, iso6, avc1 or hvc1, mp41) and the moov, in one write(2).  c and
 * the record it points to are read during the call only.  fd stays the caller's.
 * Returns a new writer (end it with ag_fmp4_close), or NULL with err:
 * AG_EX_USAGE for a bad config, AG_EX_IOERR (errno kept) for a write
 * error, AG_EX_FAIL when out of memory.
 */
struct ag_fmp4 *ag_fmp4_open(int fd, const struct ag_fmp4_config *c, struct ag_error *err);

/*
 * Add one sample (one access unit) at decode time dts (timescale
 * units).  sample is a run of NAL units each preceded by its 4-byte
 * big-endian length (AVCC), 1..AG_FMP4_MAX_SAMPLE bytes; it is copied,
 * and its lengths are checked to cover it exactly.  keyframe marks a
 * sync sample (an IDR access unit; H.265: an IRAP one).
 *
 * The first sample's dts must be >= 0; it becomes the first fragment's
 * decode time.  A dts not after the previous sample's is raised to the
 * previous dts + 1, and after ag_fmp4_flush a dts before the end of the
 * flushed fragment is raised to that end, so decode times never go back
 * or overlap; both are counted (ag_fmp4_clamped).  A dts more than
 * UINT32_MAX ticks after the buffered sample before it cannot be that
 * sample's duration and is rejected (after ag_fmp4_flush any gap is
 * fine: the next fragment's tfdt carries it).
 *
 * May write a fragment (see the rules above).  Returns 0, or -1 with err:
 * AG_EX_USAGE (negative first dts, empty or oversized sample),
 * AG_EX_DATAERR (lengths that do not cover the sample, a dts jump over
 * UINT32_MAX ticks), AG_EX_IOERR (write error, sticky), AG_EX_FAIL (out
 * of memory).  A rejected sample is not added and the writer stays
 * usable, except after a write error.
 */
int ag_fmp4_write(struct ag_fmp4 *m, int64_t dts, bool keyframe, const void *sample,
    size_t len, struct ag_error *err);

/*
 * Write the buffered samples as a fragment now (nothing when none are
 * buffered).  The last sample's duration, not known yet, is taken to be
 * the previous sample's duration, or timescale / 15 when there has been
 * only one sample.  Returns 0, or -1 with err (AG_EX_IOERR).
 */
int ag_fmp4_flush(struct ag_fmp4 *m, struct ag_error *err);

/*
 * Write the buffered samples, the last one ending at end_dts when
 * end_dts is after its dts (at most UINT32_MAX ticks later; otherwise as
 * ag_fmp4_flush guesses), then free m: always, even on error.  NULL is
 * fine and returns 0.  Does not close the fd.  Returns 0, or -1 with err
 * (AG_EX_IOERR, errno kept) when this or an earlier write failed.
 */
int ag_fmp4_close(struct ag_fmp4 *m, int64_t end_dts, struct ag_error *err);

/* Samples accepted so far (written or buffered). */
uint64_t ag_fmp4_samples(const struct ag_fmp4 *m);

/* Samples whose dts was raised (see ag_fmp4_write). */
uint64_t ag_fmp4_clamped(const struct ag_fmp4 *m);

/* Fragments written so far. */
uint64_t ag_fmp4_fragments(const struct ag_fmp4 *m);

#endif
