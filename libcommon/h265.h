/*
 * h265.h - everything the programs know about H.265 (HEVC) bitstreams
 * (ITU-T H.265, ISO/IEC 14496-15 clause 8): the two-byte NAL unit
 * header and its types, the video, sequence and picture parameter sets
 * (VPS, SPS, PPS), the hvcC record (HEVCDecoderConfigurationRecord) and
 * the sample layouts.  Annex-B walking and the length-prefixed to
 * Annex-B conversion do not depend on the codec: they are h264.h's
 * (ag_h264_nal_next, ag_h264_sample_to_annexb with types NULL).
 *
 * Nothing here prints; nothing allocates except into a struct ag_buf
 * the caller passes.  Input is never trusted: every length is checked.
 */
#ifndef AG_H265_H
#define AG_H265_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

/* NAL unit types (nal_unit_type, bits 1-6 of the first header byte). */
enum {
	AG_H265_NAL_TRAIL_N = 0,
	AG_H265_NAL_RASL_R = 9,      /* last of the non-IRAP VCL types in use */
	AG_H265_NAL_BLA_W_LP = 16,   /* first IRAP type (16..23: IRAP, 22-23 reserved) */
	AG_H265_NAL_IDR_W_RADL = 19,
	AG_H265_NAL_CRA = 21,
	AG_H265_NAL_IRAP_MAX = 23,
	AG_H265_NAL_VCL_MAX = 31,    /* 0..31 are VCL */
	AG_H265_NAL_VPS = 32,
	AG_H265_NAL_SPS = 33,
	AG_H265_NAL_PPS = 34,
	AG_H265_NAL_AUD = 35,
	AG_H265_NAL_SEI_PREFIX = 39,
	AG_H265_NAL_SEI_SUFFIX = 40,
	AG_H265_NAL_AP = 48,         /* RTP aggregation packet (RFC 7798 4.4.2) */
	AG_H265_NAL_FU = 49,         /* RTP fragmentation unit (RFC 7798 4.4.3) */
	AG_H265_NAL_PACI = 50        /* RTP PACI (RFC 7798 4.4.4): not supported */
};

/* The nal_unit_type of the NAL unit whose header begins at nal (2 bytes, borrowed). */
#define AG_H265_NAL_TYPE(nal) (((nal)[0] >> 1) & 0x3f)

/* Largest VPS, SPS or PPS (header included) the programs remember. */
#define AG_H265_MAX_PARAM 1024

/* Bytes an hvcC record with one VPS, SPS and PPS of at most
 * AG_H265_MAX_PARAM bytes each can take. */
#define AG_H265_HVCC_MAX (23 + 3 * (3 + 2 + AG_H265_MAX_PARAM))

/* What ag_h265_sps_parse() reads from a sequence parameter set. */
struct ag_h265_sps {
	int vps_id, sps_id;
	int max_sub_layers;        /* 1..7 */
	bool temporal_id_nesting;
	/* general profile_tier_level (H.265 7.3.3), as hvcC copies it */
	int profile_space;         /* 0..3 */
	int tier;                  /* 0 Main, 1 High */
	int profile_idc;           /* 1 Main, 2 Main 10, ... */
	uint32_t compat_flags;     /* general_profile_compatibility_flag[0..31], [0] the MSB */
	uint64_t constraint_flags; /* the 48 bits after them */
	int level_idc;             /* 30 x level */
	int chroma_format_idc;     /* 0..3 */
	int bit_depth_luma;        /* 8..16 */
	int bit_depth_chroma;
	int width, height;         /* in pixels, after the conformance window */
};

/* Is nal_unit_type type an IRAP picture's (a key frame: BLA, IDR, CRA)? */
bool ag_h265_is_irap(int type);

/*
 * Parse the SPS NAL unit nal[0..len) (its 2-byte header first, no start
 * code, emulation prevention bytes still in) up to the bit depths.
 * Returns 0, or -1 with err (AG_EX_DATAERR) when it is not an SPS, is
 * truncated, or holds out-of-range values.
 */
int ag_h265_sps_parse(const uint8_t *nal, size_t len, struct ag_h265_sps *out,
    struct ag_error *err);

/*
 * first_slice_segment_in_pic_flag of the VCL NAL unit nal[0..len)
 * (borrowed): 1, 0, or -1 when it is too short to hold one.
 */
int ag_h265_first_slice(const uint8_t *nal, size_t len);

/*
 * Write an HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 8.3.3.1:
 * 4-byte NAL lengths; one array each of VPS, SPS and PPS, marked
 * complete, as an hvc1 sample entry needs) into out[0..size).  The three
 * are NAL units without start codes; the record's profile, level,
 * chroma format and bit depths come from the SPS.  Returns the bytes
 * written, or -1 when one is missing or too long, size is too small
 * (AG_H265_HVCC_MAX never is for parameter sets of at most
 * AG_H265_MAX_PARAM bytes) or the SPS cannot be parsed.
 */
int ag_h265_hvcc(const uint8_t *vps, size_t vps_len, const uint8_t *sps, size_t sps_len,
    const uint8_t *pps, size_t pps_len, uint8_t *out, size_t size);

/*
 * Is hvcc[0..len) (borrowed) an HEVCDecoderConfigurationRecord with
 * 4-byte NAL lengths whose arrays fit in it?
 */
bool ag_h265_hvcc_ok(const uint8_t *hvcc, size_t len);

/*
 * Append the NAL units of the hvcC record hvcc[0..len) (borrowed) to
 * out as Annex-B (each after 00 00 00 01), in the record's order.  A
 * malformed record stops the walk: what came before is kept.  Returns
 * 0, or -1 (errno ENOMEM) when out cannot grow.
 */
int ag_h265_hvcc_params_to_annexb(const uint8_t *hvcc, size_t len, struct ag_buf *out);

/* Does the Annex-B data au[0..len) hold a NAL unit of type type? */
bool ag_h265_has_nal(const uint8_t *au, size_t len, int type);

/* Does the Annex-B access unit au[0..len) hold an IRAP slice (a key frame)? */
bool ag_h265_has_irap(const uint8_t *au, size_t len);

/*
 * The first VPS, SPS and PPS of the Annex-B access unit au[0..len) (for
 * an hvcC when a stream has none).  Returns 0 and sets the six outputs
 * (pointers into au), or -1 when one is missing.
 */
int ag_h265_find_params(const uint8_t *au, size_t len, const uint8_t **vps, size_t *vps_len,
    const uint8_t **sps, size_t *sps_len, const uint8_t **pps, size_t *pps_len);

/*
 * Convert the Annex-B access unit au[0..len) into an MP4/Matroska
 * sample: each NAL unit after its 4-byte big-endian length, trailing
 * zero bytes and access unit delimiters (type 35) dropped.  Writes into
 * out[0..size) and returns the bytes written (0 for an AU with no NAL
 * unit left), or -1 when size is too small (AG_H264_AVCC_SAMPLE_MAX(len)
 * never is).
 */
long ag_h265_annexb_to_sample(const uint8_t *au, size_t len, uint8_t *out, size_t size);

#endif
