/*
 * ogg.h - a crash-safe Ogg Opus writer (RFC 3533, RFC 7845) for one Opus
 * stream as RTP carries it (RFC 7587): agrec-record --audioFormat opus
 * keeps each sender's Opus packets as they came, in <UID>_<TS>.opus,
 * with no ffmpeg child.
 *
 * Layout: a page with OpusHead alone (beginning of stream), a page with
 * OpusTags, then audio pages.  Every page goes to write(2) in one call
 * and nothing is ever rewritten, so a killed recorder leaves whole pages
 * followed at most by one torn page, which readers skip.  An audio page
 * is written, before the packet that triggers it is added:
 *  - when the packets waiting span AG_OGG_PAGE_SAMPLES (250 ms) or more,
 *  - when the new packet's lacing values or bytes would not fit;
 * and at ag_ogg_opus_close, with the end-of-stream flag.  So a page holds
 * at most 250 ms and one packet of audio, and at least one packet waits
 * for the last page.
 *
 * Positions are in 48 kHz samples of the decoder's output, from the
 * first packet's first sample: a page's granule position is where its
 * last packet ends (RFC 7845 4).  The pre-skip given to open is the
 * number of those samples a player drops at the start (the encoder's
 * lookahead, AG_OPUS_PRE_SKIP for RTP streams), so a stream played from
 * an Ogg file starts where its first packet's real sound starts.
 *
 * Ogg Opus cannot leave a hole between packets: a gap is filled with
 * packets that are only a TOC byte (RFC 6716 3.2.1: a 0-byte frame, which
 * decoders treat as a lost frame and conceal, fading to silence).
 *
 * The fd is a regular file (or a pipe) in blocking mode; it is never
 * closed and never seeked.  A write error is AG_EX_IOERR with errno kept
 * and is sticky: every later call fails the same way.
 */
#ifndef AG_OGG_H
#define AG_OGG_H

#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "err.h"

#define AG_OGG_PAGE_SAMPLES 12000          /* 250 ms at 48 kHz: audio per page */
#define AG_OGG_MAX_PACKET   (255 * 255 - 1) /* bytes: what one page's lacing holds */
#define AG_OGG_FILL_UNIT    120            /* 2.5 ms: the shortest Opus frame */

struct ag_ogg_opus;

/*
 * The Ogg CRC-32 (polynomial 0x04c11db7, not reflected, initial value
 * and final xor 0; RFC 3533 6) of len bytes, continuing crc (0 to start).
 * Not zlib's CRC-32 (ag_crc32, stun.h).
 */
uint32_t ag_ogg_crc(uint32_t crc, const void *buf, size_t len);

/*
 * Start an Ogg Opus stream on fd (borrowed, never closed): writes the
 * OpusHead page (channels 1 or 2, mapping family 0, pre_skip samples,
 * input_rate the sender's rate for information, 0 unknown) and the
 * OpusTags page, each in one write.  serial is the stream's serial
 * number.  Returns a new writer (ag_ogg_opus_close frees it), or NULL
 * with err (AG_EX_USAGE on bad arguments, AG_EX_IOERR, AG_EX_FAIL).
 */
struct ag_ogg_opus *ag_ogg_opus_open(int fd, int channels, int pre_skip, uint32_t input_rate,
    uint32_t serial, struct ag_error *err);

/*
 * Add one Opus packet (borrowed; 1..AG_OGG_MAX_PACKET bytes) that ends at
 * granule_end, which must be the writer's position
 * (ag_ogg_opus_granule) plus the packet's samples
 * (ag_opus_packet_samples).  May write a page first (see above).
 * Returns 0, or -1 with err (AG_EX_DATAERR: a malformed packet or a
 * granule that does not follow; nothing written; or the sticky
 * AG_EX_IOERR).
 */
int ag_ogg_opus_write(struct ag_ogg_opus *w, int64_t granule_end, const void *packet,
    size_t len, struct ag_error *err);

/* Where the next packet starts: the samples written so far. */
int64_t ag_ogg_opus_granule(const struct ag_ogg_opus *w);

/*
 * Fill with TOC-only packets (20, 10, 5 and 2.5 ms CELT frames, the
 * stream's channel count) as much of samples as whole 2.5 ms frames
 * cover.  Returns the samples added (a multiple of AG_OGG_FILL_UNIT,
 * 0 when samples < AG_OGG_FILL_UNIT), or -1 with err.
 */
int64_t ag_ogg_opus_fill(struct ag_ogg_opus *w, int64_t samples, struct ag_error *err);

/*
 * Add a packet that should start at position start (48 kHz samples from
 * the stream's first sample), keeping the stream continuous in time: a
 * gap before it is filled first (ag_ogg_opus_fill), to the nearest
 * AG_OGG_FILL_UNIT, so that the packet starts within 1.25 ms of start;
 * a packet that would start its whole length or more after start (the
 * times moved back) is left out.  So the stream is never more than one
 * packet late on the times, and leaves out no more than they moved:
 * leaving out sooner would put it early, to be filled again.  Returns 1 written, 0 left
 * out, -1 with err as ag_ogg_opus_write.
 */
int ag_ogg_opus_put(struct ag_ogg_opus *w, int64_t start, const void *packet, size_t len,
    struct ag_error *err);

/* What ag_ogg_opus_put did so far: samples filled, packets left out,
 * pages written (headers included). */
int64_t ag_ogg_opus_filled(const struct ag_ogg_opus *w);
uint64_t ag_ogg_opus_dropped(const struct ag_ogg_opus *w);
uint64_t ag_ogg_opus_pages(const struct ag_ogg_opus *w);

/*
 * Write the last page, flagged end of stream (an empty one if no packet
 * waits), and free w (NULL is fine).  Returns 0, or -1 with err (a
 * write error now or earlier).  fd stays open.
 */
int ag_ogg_opus_close(struct ag_ogg_opus *w, struct ag_error *err);

#endif
