/*
 * rawfile.h - raw-data files (agora-format.md 4.7, 4.8): their formats,
 * extensions and the JSON sidecar <file>.json that says what the bytes
 * are, since raw files do not describe themselves.  agrec-record writes
 * them live (--getAudioFrame, --getVideoFrame), agrec-convert --raw from
 * a finished folder; both describe them with the same sidecar.
 */
#ifndef AG_RAWFILE_H
#define AG_RAWFILE_H

#include <stdint.h>

#include "err.h"

enum ag_raw_format {
	AG_RAW_NONE = 0,
	AG_RAW_PCM,     /* 48 kHz signed 16-bit little-endian, interleaved */
	AG_RAW_AAC,     /* ADTS AAC-LC, 48 kHz */
	AG_RAW_H264,    /* H.264 Annex-B */
	AG_RAW_YUV,     /* I420 frames, planes without padding */
	AG_RAW_H265     /* H.265 Annex-B */
};

struct ag_raw_info {
	uint32_t uid;
	const char *file;           /* the raw file's name, borrowed */
	enum ag_raw_format format;
	int channels;               /* PCM and AAC: 1 or 2 */
	int width, height;          /* H.264, H.265 and YUV */
	const char *extra_key;      /* one more integer field, or NULL */
	long long extra;
};

/* "pcm", "aac", "h264", "yuv", "h265"; "" for AG_RAW_NONE.  A static string. */
const char *ag_raw_ext(enum ag_raw_format f);

/* The format of extension s, or AG_RAW_NONE. */
enum ag_raw_format ag_raw_from_ext(const char *s);

/*
 * Write dir/<file>.json atomically with mode (before the umask): uid,
 * file, format and what the format needs (sample rate, channels and
 * bytes per second; framing; width, height and frame size), plus
 * extra_key.  Returns 0, or -1 with err.
 */
int ag_raw_sidecar_write(const char *dir, const struct ag_raw_info *ri, int mode,
    struct ag_error *err);

#endif
