/*
 * h264.h - everything the programs know about H.264 bitstreams (ITU-T
 * H.264, ISO 14496-15): NAL unit types, the sequence parameter set,
 * the avcC record, and the two sample layouts:
 *
 *   Annex-B         NAL units after 00 00 01 / 00 00 00 01 start codes
 *                   (RTP depacketizer output, raw .h264 files, the
 *                   SDK's MP4 quirk);
 *   length-prefixed (AVCC) NAL units after a big-endian length of 1..4
 *                   bytes (MP4 and Matroska samples; 4 bytes here).
 *
 * Nothing here prints; nothing allocates except into a struct ag_buf
 * the caller passes.  Input is never trusted: every length is checked.
 */
#ifndef AG_H264_H
#define AG_H264_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

/* NAL unit types (nal_unit_type, the low 5 bits of the header byte). */
enum {
	AG_H264_NAL_SLICE = 1,
	AG_H264_NAL_IDR = 5,
	AG_H264_NAL_SEI = 6,
	AG_H264_NAL_SPS = 7,
	AG_H264_NAL_PPS = 8,
	AG_H264_NAL_AUD = 9,
	AG_H264_NAL_STAP_A = 24,  /* RTP aggregation and fragmentation units (RFC 6184) */
	AG_H264_NAL_FU_A = 28
};

/* Largest SPS or PPS (header byte included) the programs remember. */
#define AG_H264_MAX_PARAM 1024

/* What ag_h264_sps_parse() reads from a sequence parameter set. */
struct ag_h264_sps {
	int profile_idc;
	int constraint_flags;     /* the byte after profile_idc */
	int level_idc;
	int sps_id;
	int chroma_format_idc;    /* 1 = 4:2:0 unless a high profile says otherwise */
	int bit_depth_luma;       /* 8.. */
	int bit_depth_chroma;
	bool frame_mbs_only;
	int width, height;        /* in pixels, after frame cropping */
};

/*
 * Parse the SPS NAL unit nal[0..len) (header byte 0x67 or the like
 * first, no start code, emulation prevention bytes still in) up to its
 * frame cropping.  Returns 0, or -1 with err (AG_EX_DATAERR) when it is
 * not an SPS, is truncated, or holds out-of-range values.
 */
int ag_h264_sps_parse(const uint8_t *nal, size_t len, struct ag_h264_sps *out,
    struct ag_error *err);

/* first_mb_in_slice of the slice NAL unit nal[0..len) (borrowed), or -1
 * when it is too short to hold one. */
long ag_h264_first_mb(const uint8_t *nal, size_t len);

/*
 * Write an AVCDecoderConfigurationRecord (ISO 14496-15 avcC; 4-byte
 * NAL lengths; one SPS, one PPS; for the high profiles 100, 110, 122
 * and 144 also chroma format and bit depths) into out[0..size).  sps
 * and pps are NAL units without start codes.  Returns the bytes
 * written, or -1 when size is too small or the SPS cannot be parsed.
 */
int ag_h264_avcc(const uint8_t *sps, size_t sps_len, const uint8_t *pps, size_t pps_len,
    uint8_t *out, size_t size);

/*
 * Append the SPS and PPS NAL units of the avcC record avcc[0..len)
 * (borrowed) to out as Annex-B (each after 00 00 00 01), in the
 * record's order.  A malformed record stops the walk: what came before
 * is kept.  Returns 0, or -1 (errno ENOMEM) when out cannot grow.
 */
int ag_h264_avcc_params_to_annexb(const uint8_t *avcc, size_t len, struct ag_buf *out);

/*
 * Walk the NAL units of the Annex-B data au[0..len) (borrowed): start
 * with *pos = 0; each call returns 1 and sets *nal, *nal_len to the next
 * non-empty NAL unit (a pointer into au, trailing zero bytes dropped),
 * or returns 0 at the end.  Bytes before the first start code are
 * skipped.
 */
int ag_h264_nal_next(const uint8_t *au, size_t len, size_t *pos, const uint8_t **nal,
    size_t *nal_len);

/* Does the Annex-B data au[0..len) hold a NAL unit of type type? */
bool ag_h264_has_nal(const uint8_t *au, size_t len, int type);

/* Does p[0..n) begin with a 3- or 4-byte start code? */
bool ag_h264_is_annexb(const uint8_t *p, size_t n);

/*
 * The first SPS and the first PPS of the Annex-B access unit au[0..len)
 * (for an avcC when a stream has none).  Returns 0 and sets the four
 * outputs (pointers into au), or -1 when either is missing.
 */
int ag_h264_find_params(const uint8_t *au, size_t len, const uint8_t **sps, size_t *sps_len,
    const uint8_t **pps, size_t *pps_len);

/* ag_h264_annexb_to_avcc_sample() flags. */
#define AG_H264_KEEP_AUD 1u  /* keep access unit delimiters (type 9) */

/* An output size that is always enough for ag_h264_annexb_to_avcc_sample(). */
#define AG_H264_AVCC_SAMPLE_MAX(annexb_len) ((annexb_len) + (annexb_len) / 4 + 4)

/*
 * Convert the Annex-B access unit au[0..len) (3- or 4-byte start codes)
 * into an MP4/Matroska sample: each NAL unit prefixed with its 4-byte
 * big-endian length, trailing zero bytes dropped, access unit
 * delimiters dropped unless flags has AG_H264_KEEP_AUD.  Writes into
 * out[0..size) and returns the bytes written (0 for an AU with no NAL
 * unit left), or -1 when size is too small (AG_H264_AVCC_SAMPLE_MAX(len)
 * never is).
 */
long ag_h264_annexb_to_avcc_sample(const uint8_t *au, size_t len, unsigned flags, uint8_t *out,
    size_t size);

/*
 * The same for any codec whose Annex-B byte stream this walks (H.264,
 * H.265): NAL units for which drop(nal, n, arg) is true (drop may be
 * NULL) are left out.  Returns as above, -1 also when au or out is NULL.
 */
long ag_annexb_to_sample(const uint8_t *au, size_t len,
    bool (*drop)(const uint8_t *nal, size_t n, void *arg), void *arg, uint8_t *out,
    size_t size);

/* An output size that is always enough for ag_h264_sample_to_annexb(). */
#define AG_H264_ANNEXB_MAX(sample_len) ((sample_len) * 3 + 4)

/*
 * Convert the MP4/Matroska sample p[0..n) (NAL units after nls-byte
 * big-endian lengths, nls 1..4) into an Annex-B access unit (4-byte
 * start codes) in out[0..size).  A sample that already begins with a
 * start code (the SDK's MP4 quirk) is copied as it is.  When types is
 * not NULL, bit t of *types is set for every NAL unit type t seen.
 * Returns the bytes written, or -1 when the lengths do not cover the
 * sample (an empty NAL unit, a length past the end), nls is out of
 * range, or size is too small (AG_H264_ANNEXB_MAX(n) never is).
 */
long ag_h264_sample_to_annexb(const uint8_t *p, size_t n, int nls, uint8_t *out, size_t size,
    uint32_t *types);

#endif
