/*
 * depack.h - RTP depacketizers: the payloads of one SSRC, in sequence
 * order, in; complete frames out.
 *
 *   H.264 (RFC 6184, packetization-mode 1: single NAL, STAP-A, FU-A)
 *         -> one Annex-B access unit per RTP timestamp (00 00 00 01
 *            start codes), SPS/PPS prepended to an IDR that lacks them.
 *   H.265 (RFC 7798 without DONL, i.e. sprop-max-don-diff 0: single NAL,
 *          AP, FU; PACI refused) -> likewise, VPS/SPS/PPS prepended to an
 *          IRAP picture (IDR, CRA, BLA: the key frames) that lacks them.
 *   VP8   (RFC 7741) -> one VP8 frame per RTP timestamp.
 *   Opus, PCMU, PCMA -> each RTP payload as it is.
 *   AAC   (RFC 3640 mpeg4-generic, AAC-hbr: sizelength=13,
 *          indexlength=3, indexdeltalength=3) -> each raw AAC access
 *          unit (no ADTS header); fragmented AUs are reassembled.
 *
 * The caller owns ordering: feed packets in sequence order (after the
 * jitter buffer, duplicates removed) and say when a sequence gap
 * preceded a packet.  Video frames are complete or not delivered: a
 * frame with a hole is dropped, and so is every frame after it until a
 * key frame.  While that happens ag_depack_need_keyframe() is true, so
 * that the caller can send a PLI (ag_rtcp_build_pli()).  A new video
 * depacketizer also waits for a key frame: frames before the first key
 * frame are dropped (and ask for a key frame the same way).
 */
#ifndef AG_DEPACK_H
#define AG_DEPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "err.h"
#include "h264.h"
#include "h265.h"
#include "rtp.h"

/* Frames larger than this are dropped with an error. */
#define AG_DEPACK_MAX_FRAME ((size_t)4 << 20)

struct ag_depack;

struct ag_frame {
	enum ag_codec codec;
	const uint8_t *data;  /* borrowed: valid until the next ag_depack_pop(),
	                       * ag_depack_reset() or ag_depack_free() */
	size_t len;           /* > 0 */
	uint32_t ts;          /* RTP timestamp (AAC: of this AU, see below) */
	bool keyframe;        /* H.264 IDR, H.265 IRAP, VP8 key frame; always true for audio */
	bool after_loss;      /* packets or frames were lost or dropped since the
	                       * frame delivered before this one */
	int width, height;    /* video: size from the latest SPS / this stream's
	                       * latest key frame header; 0 when unknown; audio: 0 */
};

struct ag_depack_stats {
	uint64_t packets;      /* pushed with a non-empty payload */
	uint64_t lost_events;  /* pushes with lost_before set */
	uint64_t frames;       /* delivered to the queue */
	uint64_t keyframes;    /* of those, key frames */
	uint64_t dropped;      /* frames dropped: incomplete, or waiting for a key
	                        * frame, or too large, or queue full */
	uint64_t bad_packets;  /* malformed or unsupported payloads */
};

/*
 * A new depacketizer for codec (new: free with ag_depack_free()).
 * Returns NULL when out of memory or codec is not an enum ag_codec.
 */
struct ag_depack *ag_depack_new(enum ag_codec codec);

/* Free d and every frame it still holds.  Accepts NULL. */
void ag_depack_free(struct ag_depack *d);

/*
 * Feed the payload of pkt (borrowed for the call only; its payload,
 * payload_len, ts and marker are used).  lost_before: the caller saw a
 * sequence gap (one or more packets lost) just before pkt.  Packets
 * with an empty payload are ignored.  Frames that this packet
 * completes (by its marker bit, or because its timestamp differs from
 * the frame in progress) are queued: call ag_depack_pop() until it
 * returns 0 after each push.
 *
 * Returns 0, or -1 with err when the payload was malformed or
 * unsupported (AG_EX_DATAERR), a frame grew past AG_DEPACK_MAX_FRAME
 * (AG_EX_DATAERR) or memory ran out (AG_EX_FAIL).  -1 is a report, not
 * a failure: the bad data is dropped as if lost, d stays usable, and
 * the caller should log, count and go on.
 */
int ag_depack_push(struct ag_depack *d, const struct ag_rtp *pkt, bool lost_before,
    struct ag_error *err);

/*
 * Take the oldest complete frame.  Returns 1 and fills out (out->data
 * is borrowed, see struct ag_frame), or 0 when no frame is queued.
 */
int ag_depack_pop(struct ag_depack *d, struct ag_frame *out);

/*
 * End of stream (BYE, timeout, SSRC gone): finish the frame in progress
 * as if its marker bit had arrived, and queue it if it is complete.
 */
void ag_depack_flush(struct ag_depack *d);

/*
 * Forget everything (frame in progress, queued frames, SPS/PPS, sizes)
 * and wait for a key frame again, as after ag_depack_new().  Statistics
 * are kept.
 */
void ag_depack_reset(struct ag_depack *d);

/*
 * true while a video depacketizer is dropping frames because it waits
 * for a key frame after a loss (or since it started); it becomes false
 * when a key frame is delivered.  Send a PLI while it is true, rate
 * limited by the caller.  Always false for audio.
 */
bool ag_depack_need_keyframe(const struct ag_depack *d);

/*
 * Concealment mode (video): after a loss only the damaged frames are
 * dropped, and the complete frames that follow are delivered (marked
 * after_loss) instead of waiting for the next key frame; a decoder then
 * conceals the missing references until that key frame.  A recorder
 * keeps the timeline whole this way; need_keyframe still asks for a PLI.
 * Off by default; the stream still starts at its first key frame.
 */
void ag_depack_set_conceal(struct ag_depack *d, bool on);

/* Copy d's counters into out. */
void ag_depack_stats(const struct ag_depack *d, struct ag_depack_stats *out);

/*
 * The latest SPS and PPS NAL units (header byte included, no start
 * code) seen by an H.264 depacketizer, for ag_h264_avcc().  Returns 0
 * and sets the four outputs (borrowed: valid until the next
 * ag_depack_push(), ag_depack_reset() or ag_depack_free()), or -1 when
 * either is not known yet or d is not H.264.
 */
int ag_depack_h264_params(const struct ag_depack *d, const uint8_t **sps, size_t *sps_len,
    const uint8_t **pps, size_t *pps_len);

/*
 * Parameter sets known before the stream (an SDP's sprop-vps, sprop-sps
 * and sprop-pps, RFC 7798 7.1; sprop-parameter-sets for H.264), as
 * Annex-B ps[0..len) (borrowed for the call): each VPS, SPS or PPS in it
 * becomes the latest one, as if it had come in band, so that key frames
 * without their own get them.  Other NAL units are ignored.  Kept across
 * ag_depack_reset().  Returns the parameter sets taken.
 */
int ag_depack_set_params(struct ag_depack *d, const uint8_t *ps, size_t len);

/*
 * The latest VPS, SPS and PPS NAL units (2-byte header included, no
 * start code) seen by an H.265 depacketizer, for ag_h265_hvcc().  As
 * ag_depack_h264_params: 0 and six borrowed outputs, or -1 when one is
 * not known yet or d is not H.265.
 */
int ag_depack_h265_params(const struct ag_depack *d, const uint8_t **vps, size_t *vps_len,
    const uint8_t **sps, size_t *sps_len, const uint8_t **pps, size_t *pps_len);

#endif
