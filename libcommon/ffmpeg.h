/*
 * ffmpeg.h - finding ffmpeg and ffprobe, probing media files, and
 * reading ffmpeg's -progress output.
 *
 * AGREC_FFMPEG and AGREC_FFPROBE name the programs (a path, or a name
 * looked up on PATH); the defaults are "ffmpeg" and "ffprobe".
 * Every file name given to them goes through ag_ff_url(), so a name is
 * never taken as an option or a protocol.
 */
#ifndef AG_FFMPEG_H
#define AG_FFMPEG_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/*
 * Resolve the program named by environment variable envname (default
 * dflt) to an executable path.  Returns a new string, or NULL with err
 * (AG_EX_UNAVAILABLE) when it is not found or not executable.
 */
char *ag_ff_find(const char *envname, const char *dflt, struct ag_error *err);

/*
 * "file:" + path, made absolute against the current directory when
 * relative (so that a leading '-' or a "proto:" prefix is never
 * interpreted).  Returns a new string or NULL.
 */
char *ag_ff_url(const char *path);

struct ag_argv;

/*
 * Start a (borrowed, usually empty) argument vector for running ffmpeg:
 * ffmpeg as argv[0], then the opening every agrec child has, global
 * options that may precede input options: "-nostdin -hide_banner
 * [-nostats] -loglevel error" (-nostats when nostats is true).  Returns 0,
 * or -1 when an allocation failed (a->failed set).
 */
int ag_ff_argv(struct ag_argv *a, const char *ffmpeg, bool nostats);

struct ag_probe_stream {
	bool present;
	char codec[32];         /* codec_name, "" if unknown */
	char profile[48];
	char pix_fmt[32];
	int width, height;      /* video */
	int fps_num, fps_den;   /* r_frame_rate; 0/0 if unknown */
	int sample_rate, channels; /* audio */
	double duration;        /* seconds, < 0 if unknown */
	double start_time;      /* seconds, 0 if unknown */
	long long nb_frames;    /* -1 if unknown */
	int has_b_frames;       /* video: decoder reorder depth */
	int tb_num, tb_den;     /* the stream's time base; 0/0 if unknown */
};

struct ag_probe {
	double duration;        /* format duration, < 0 if unknown */
	int nstreams;
	struct ag_probe_stream video;   /* the first video stream */
	struct ag_probe_stream audio;   /* the first audio stream */
};

/*
 * Probe path with ffprobe (JSON, parsed with jansson).  Returns 0, or -1
 * with err: AG_EX_DATAERR when ffprobe cannot read the file, AG_EX_FAIL
 * when it could not be run.
 */
int ag_probe_file(const char *ffprobe, const char *path, struct ag_probe *out,
    struct ag_error *err);

/*
 * ffmpeg's "-progress" output, fed in pieces with ag_progress_feed():
 * out_time_us is the latest out_time seen in a complete line (0 before
 * any); a line longer than 255 bytes is ignored whole.  Zero-initialise it.
 */
struct ag_progress {
	char line[256];
	size_t len;
	bool toolong;          /* the line does not fit line[]: dropped at its '\n' */
	long long out_time_us;
	bool ended;            /* "progress=end" seen */
};
void ag_progress_feed(struct ag_progress *p, const char *buf, size_t len);

#endif
