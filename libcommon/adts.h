/*
 * adts.h - reading ADTS AAC files (the SDK's <UID>_<TS>.aac) without
 * decoding: their exact length, and their format.  ffprobe only
 * estimates an ADTS file's duration from its bitrate (by seconds, on a
 * 47 s file), so lengths come from here.
 */
#ifndef AG_ADTS_H
#define AG_ADTS_H

#include <stdint.h>

#include "err.h"

/*
 * Encoder delay at the start of an AAC stream, in samples at its own
 * rate: the encoders whose ADTS files agrec reads (FFmpeg's, which
 * agrec-record runs, and the SDK's) put out one frame of priming before
 * the first input sample.  An MP4 says so in its edit list; ADTS cannot,
 * so a reader that places an ADTS file in time leaves these samples out.
 */
#define AG_AAC_PRIMING 1024

struct ag_adts_info {
	int64_t frames;         /* ADTS frames read */
	int64_t samples;        /* decoded samples per channel (1024 per raw block) */
	int sample_rate;        /* of the first frame */
	int channels;           /* channel configuration of the first frame (0 = in-band) */
	int profile;            /* MPEG-4 audio object type: 2 = AAC-LC */
	int64_t bytes_skipped;  /* bytes of garbage skipped while resyncing */
	int uniform;            /* 1 when every frame has the first frame's rate, channels, profile */
};

/*
 * Scan the ADTS frames of a file.  Returns 0 and fills info (frames may
 * be 0 for an empty or garbage file), or -1 with err (AG_EX_IOERR) when
 * the file cannot be read.  A truncated last frame is not counted.
 */
int ag_adts_scan(const char *path, struct ag_adts_info *info, struct ag_error *err);

/* Sampling rate of an ADTS sampling_frequency_index, or 0. */
int ag_adts_rate(int index);

#endif
