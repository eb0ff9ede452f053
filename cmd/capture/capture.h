/*
 * capture.h - agrec-capture's own modules: the snapshot engine that
 * turns each user's encoded video into JPEGs at channel times
 * k * interval (engine.c), where the JPEGs go (sink.c), and the two
 * inputs that feed the engine: the live channel stream (live.c) and a
 * finished recording folder (folder.c).
 */
#ifndef CP_CAPTURE_H
#define CP_CAPTURE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "err.h"
#include "fe/fe.h"

#include "subscribe.h"

#define CP_MAX_UIDS 64          /* --uid filters */
#define CP_STALE_US 2000000     /* a frame older than this at t: no video at t */

enum cp_names { CP_NAMES_SDK, CP_NAMES_SAMPLE };

struct cp_opts {
	const char *folder;     /* -f, or NULL */
	const char *input;      /* -i, NULL or "-" = stdin */
	const char *outdir;     /* -o, resolved: never NULL in file mode */
	const char *index;      /* --index, or NULL */
	long interval;          /* seconds, 1..86400 */
	int width, height;      /* --size, 0 0 = source size */
	enum cp_names names;
	bool to_stdout;         /* --stdout */
	int quality;            /* -q:v 2..31 */
	bool quiet;
	uint32_t uids[CP_MAX_UIDS];
	size_t nuids;           /* 0: every user */
	struct ag_sub sub;      /* --autoSubscribe, --subscribeVideoUids (and Audio, no effect) */
	mode_t umask;           /* --umask */
};

/* ---- opts.c: the command line ---- */

/* agrec-capture's --help and --version texts. */
extern const struct fe_prog cp_prog;

/*
 * Parse argv into o (-o not yet resolved).  Returns -1 to go on, or the
 * exit status after -h, -V or a usage error (printed).
 */
int cp_opts_parse(int argc, char **argv, struct cp_opts *o);

/*
 * After umask(o->umask): check the inputs and outputs of o and resolve
 * o->outdir.  Returns -1 to go on, or the exit status after a message.
 */
int cp_opts_check(struct cp_opts *o);

/*
 * The stop flag is the front-end's fe_stop_signal (fe.h), set on SIGINT,
 * SIGTERM and SIGHUP: the inputs stop reading, and the snapshots already
 * decided are still written.
 */

/* ---- sink.c: where finished snapshots go ---- */

struct cp_sink;

/*
 * A new sink for o (files in o->outdir or frames on stdout, plus the
 * index if any).  Returns NULL with err (AG_EX_IOERR).
 */
struct cp_sink *cp_sink_new(const struct cp_opts *o, struct ag_error *err);

/*
 * Deliver one snapshot of uid at channel time t_us, wall clock wall_us
 * (us since 1970 UTC), width x height, jpeg[0..len) (borrowed).  Returns
 * 0, or -1 with err (AG_EX_IOERR: EPIPE on stdout, a full disk).
 */
int cp_sink_put(struct cp_sink *s, uint32_t uid, int64_t t_us, int64_t wall_us,
    int width, int height, const uint8_t *jpeg, size_t len, struct ag_error *err);

/* Flush and close the index; free s (NULL is fine).  -1 with err on a write error. */
int cp_sink_close(struct cp_sink *s, struct ag_error *err);

/* ---- engine.c: per-user snapshot selection and decoder children ---- */

enum cp_codec { CP_H264 = 0, CP_VP8 = 1, CP_H265 = 2 };

struct cp_engine;

/* A new engine; ffmpeg is the path of ffmpeg (borrowed), sink borrowed. */
struct cp_engine *cp_engine_new(const struct cp_opts *o, const char *ffmpeg,
    struct cp_sink *sink, struct ag_error *err);

/* Wall clock (us since 1970 UTC) of channel time 0. */
void cp_engine_set_wall(struct cp_engine *e, int64_t wall_us);

/*
 * The video codec parameters of uid from t_us on (a codec record);
 * extradata (avcC or hvcC, may be NULL) is copied.  A change of codec, size or
 * extradata restarts the user's decoder at the next keyframe.
 * Returns 0 or -1 with err.
 */
int cp_engine_codec(struct cp_engine *e, uint32_t uid, int codec, int width, int height,
    const uint8_t *extradata, size_t extradata_len, struct ag_error *err);

/*
 * One encoded video frame of uid in decode order (H.264 or H.265 Annex-B
 * access unit or VP8 frame; copied).  Frames with an unknown codec are ignored.
 * Returns 0 or -1 with err.
 */
int cp_engine_frame(struct cp_engine *e, uint32_t uid, int64_t pts_us, bool keyframe,
    bool discont, const uint8_t *data, size_t len, struct ag_error *err);

/*
 * uid stopped sending (leave, end of stream): take the snapshots its
 * last frame still owes, end its decoder and wait for its JPEGs.
 */
int cp_engine_user_end(struct cp_engine *e, uint32_t uid, struct ag_error *err);

/*
 * Service the decoder children without blocking longer than timeout_ms
 * (-1: until something happened): write what they can take, read their
 * JPEGs.  If poll_fd >= 0 it is polled for input too; returns 1 when
 * poll_fd is readable, 0 otherwise, -1 with err.  While a child holds
 * more than a few MiB of unwritten input, poll_fd is not polled
 * (backpressure on the input).
 */
int cp_engine_pump(struct cp_engine *e, int poll_fd, int timeout_ms, struct ag_error *err);

/* End every user (cp_engine_user_end for each).  -1 with err. */
int cp_engine_finish(struct cp_engine *e, struct ag_error *err);

/* Snapshots written so far, and a "uid N: K snapshots, ..." summary. */
uint64_t cp_engine_total(const struct cp_engine *e);
void cp_engine_summary(const struct cp_engine *e, FILE *f);

/* Kill any child still running (by pid), wait for it, free e.  NULL is fine. */
void cp_engine_free(struct cp_engine *e);

/* Whether uid passes the --uid filter and the subscribe lists (video). */
bool cp_uid_wanted(const struct cp_opts *o, uint32_t uid);

/* uid's video is left out by --autoSubscribe 0: said once per uid. */
void cp_engine_unsubscribed(struct cp_engine *e, uint32_t uid);

/* ---- live.c, folder.c: the inputs ---- */

/* Read the channel stream from fd into e.  Returns 0, or -1 with err. */
int cp_run_stream(struct cp_engine *e, int fd, const char *name, struct ag_error *err);

/*
 * Read the recording folder o->folder into e.  *nvideo gets the number
 * of video clips found.  Returns 0, or -1 with err.
 */
int cp_run_folder(struct cp_engine *e, const struct cp_opts *o, const char *ffmpeg,
    const char *ffprobe, int *nvideo, struct ag_error *err);

#endif
