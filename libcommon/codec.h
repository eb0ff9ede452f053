/*
 * codec.h - the media codecs agrec-record ingests (design.md section 3.1)
 * and their names as they appear in SDP rtpmap lines and --pt options.
 */
#ifndef AG_CODEC_H
#define AG_CODEC_H

#include <stdbool.h>
#include <stdint.h>

enum ag_codec {
	AG_CODEC_H264,  /* RFC 6184, packetization-mode 1 */
	AG_CODEC_VP8,   /* RFC 7741 */
	AG_CODEC_OPUS,  /* RFC 7587 */
	AG_CODEC_PCMU,  /* G.711 mu-law, static PT 0 */
	AG_CODEC_PCMA,  /* G.711 A-law, static PT 8 */
	AG_CODEC_AAC,   /* RFC 3640 mpeg4-generic, AAC-hbr */
	AG_CODEC_H265   /* RFC 7798, no DONL (sprop-max-don-diff 0) */
};

/*
 * The Opus encoder's lookahead at 48 kHz (libopus, which browsers and
 * FFmpeg use, in its voip and audio applications: 6.5 ms).  RTP carries
 * no pre-skip (RFC 7587), so a decoder's output lags the packets' RTP
 * times by this much; agrec-record leaves it out, as the pre-skip of an
 * Ogg Opus file would.
 */
#define AG_OPUS_PRE_SKIP 312

/*
 * The rtpmap encoding name of codec ("H264", "VP8", "opus", "PCMU",
 * "PCMA", "mpeg4-generic", "H265"), a static string; "unknown" for a value
 * outside the enum.
 */
const char *ag_codec_name(enum ag_codec codec);

/*
 * The codec named by name, compared case-insensitively: the names above,
 * and "AAC" as another name for mpeg4-generic.  Returns the enum value,
 * or -1 when name is NULL or unknown.
 */
int ag_codec_from_name(const char *name);

/* true for H.264, VP8 and H.265. */
bool ag_codec_is_video(enum ag_codec codec);

/* G.711 expansion (ITU-T G.711): one mu-law or A-law byte to linear
 * 16-bit PCM. */
int16_t ag_g711_ulaw(uint8_t u);
int16_t ag_g711_alaw(uint8_t a);

/*
 * The 48 kHz samples an Opus packet (borrowed) decodes to, from its TOC
 * byte and, for code 3, its frame count (RFC 6716 3.1, 3.2.5); -1 if the
 * packet is empty or malformed there, or lasts more than 120 ms.
 */
int ag_opus_packet_samples(const uint8_t *p, size_t len);

#endif
