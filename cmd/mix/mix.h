/*
 * mix.h - agrec-mix's own modules around the compositor (layout.h,
 * compose.h): the options (opts.c), the finished-folder reader
 * (folder.c), the per-participant ffmpeg decoder children (decode.c),
 * the encoder child and the output sinks (encode.c), and the engine that
 * runs the output clock for both inputs (engine.c, live.c).
 *
 * One clock for everything: microseconds on the output timeline, 0 at
 * the composite's start.  Output frame n is at n * 1000000 / fps, and
 * audio sample s (48 kHz) at s * 1000000 / 48000; both are computed from
 * the integer index, never accumulated.
 */
#ifndef MX_MIX_H
#define MX_MIX_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "subscribe.h"
#include "err.h"
#include "exitcodes.h"
#include "fe/fe.h"
#include "mix/compose.h"
#include "mix/layout.h"
#include "mix/watermark.h"
#include "names.h"
#include "level.h"
#include "speaker.h"

#define MX_RATE 48000               /* output audio sample rate */
#define MX_MAX_EXCLUDE 64
#define MX_PTSQ 256
#define MX_STALL_US (30 * 1000000LL)   /* a decoder silent this long is given up */
#define MX_RESTARTS 3                  /* live: new decoders after failures, per stream */
#define MX_SPEAKER_HOLD_MS 1000   /* --speakerHold's default */
#define MX_SPEAKER_IV_MS 200      /* levels computed from the audio: the interval */
#define MX_EX_NOINPUT AG_EX_NOINPUT /* a file named on the command line does not exist */

struct mx_opts {
	const char *folder;         /* -f, or NULL */
	const char *input;          /* -i (NULL or "-": stdin) */
	const char *output;         /* -o, or NULL */
	int width, height, fps, kbps;
	int mixed_va;               /* 0 separate .aac + .mp4, 1 and 2 one A/V .mp4 */
	bool audio_only;
	int layout_mode;            /* 0 floating, 1 best-fit, 2 vertical, 3 active speaker */
	bool has_max_uid;
	uint32_t max_uid;
	const char *layout_file;    /* --layout, or NULL */
	const char *video_bg;       /* --defaultVideoBg, or NULL */
	const char *user_bg;        /* --defaultUserBg, or NULL */
	bool has_bg_color;          /* --backgroundColor given */
	uint32_t bg_color;          /* 0xRRGGBB */
	int audio_profile;          /* 0..2 */
	const char *pcm;            /* --pcm FILE|-, or NULL */
	int latency_ms;
	int speaker_hold_ms;        /* --speakerHold (layout 3) */
	bool keep_last;             /* --keepLastFrame */
	uint32_t exclude[MX_MAX_EXCLUDE];
	size_t nexclude;
	struct ag_sub sub;          /* --autoSubscribe and the lists (subscribe.h) */
	bool quiet;
	mode_t umask;               /* --umask (umask.h) */
	struct ag_wm_opts wm;       /* --watermark* */
};

/* Output channels and AAC bitrate (kb/s) for --audioProfile. */
int mx_audio_channels(const struct mx_opts *o);
int mx_audio_kbps(const struct mx_opts *o);
bool mx_excluded(const struct mx_opts *o, uint32_t uid);
/*
 * Is uid's video (or audio) subscribed (--autoSubscribe 0 and the lists)?
 * When not, it is counted in t (the reader's) and said once per uid and kind.
 */
bool mx_subscribed(const struct mx_opts *o, struct ag_sub_tally *t, uint32_t uid, bool video);

/* ---- opts.c ---- */

/* agrec-mix's --help and --version texts. */
extern const struct fe_prog mx_prog;

/*
 * Parse argv into o.  Returns -1 to go on, or the exit status after -h,
 * -V or a usage error (printed).
 */
int mx_opts_parse(int argc, char **argv, struct mx_opts *o);

/* ---- outdir.c ---- */

/* The output folder dir (borrowed): made if it does not exist; 0, or -1
 * with err (AG_EX_IOERR) when it cannot be made or written. */
int mx_outdir_make(const char *dir, struct ag_error *err);

/* metadata.txt of channel and recording2-done.txt in dir, so that
 * agrec-convert -f takes the composite folder as it takes the SDK's.
 * 0, or -1 with err. */
int mx_outdir_mark(const char *dir, const char *channel, struct ag_error *err);

/* ---- folder.c ---- */

struct mx_clip {
	uint32_t uid;
	bool video;
	char *path;                 /* new: dir/file */
	int64_t start_us, end_us;   /* on the output clock; end_us INT64_MAX: no close line */
	int width, height, rotation;
};

struct mx_folder {
	struct mx_clip *clips;      /* sorted by start */
	size_t nclips;
	int64_t base_ms;            /* wall time of output 0: the earliest session base */
	int64_t end_us;             /* the latest close */
	char ts[AG_TS_LEN + 1];     /* base_ms as a 17-digit name time */
	char channel[256];          /* from metadata.txt or the folder name */
	size_t nusers;
};

/* Read dir with ag_folder_read and project it onto mix's clock (uid 0
 * only when it is the only uid; excluded uids left out).  -1 with err:
 * AG_EX_IOERR unreadable folder, AG_EX_DATAERR no txt / no media.
 * Warnings are printed. */
int mx_folder_load(const char *dir, const struct mx_opts *o, struct mx_folder *f,
    struct ag_error *err);
void mx_folder_free(struct mx_folder *f);

/* ---- decode.c ---- */

/*
 * One decoded stream of one participant: an ffmpeg child that writes
 * raw I420 frames at a constant fps (frame k at t0_us + k/fps) or 48 kHz
 * s16 samples (sample j at t0_us + j/48000) on its stdout.  Live tracks
 * are fed their encoded frames as Matroska on the child's stdin.
 */
struct mx_track {
	uint32_t uid;
	bool video;
	int64_t start_us, end_us;   /* when the track is on the canvas / in the mix */
	int64_t t0_us;              /* time of frame 0 / sample 0 */
	bool spawned, eof, failed, done;
	pid_t pid;
	int out_fd;                 /* child's stdout, non-blocking; -1 when closed */
	int in_fd;                  /* live: child's stdin, non-blocking; -1 */
	struct ag_mkv *mkv;         /* live: the writer on in_fd */
	int64_t first_pts_us;       /* live: stream pts of the first frame fed */
	int64_t last_fed_us;        /* live */
	bool got_key;               /* live video: a keyframe was fed */
	bool closing;               /* live: input ended, stdin closed once the child took it */
	int codec;                  /* live: enum ag_stream_codec_id */
	int in_rate, in_channels;   /* live audio: input rate, channels */
	uint8_t *extra;             /* live: the codec record's extradata (a copy), to restart */
	size_t extra_len;
	bool restartable;           /* live: the codec record was usable */
	int restarts;               /* live: decoders of this stream started after failures */
	int64_t *fpts;              /* live video: time of each frame in slots */
	int64_t ptsq[MX_PTSQ];      /* live video: times fed, not yet decoded */
	size_t nq;
	uint8_t *nalbuf;            /* live H.264: the frame with length prefixes */
	size_t nalcap;
	/* video */
	int w, h, rotation;
	size_t fsize;
	uint8_t *slots;             /* nslots frames */
	int nslots;
	int64_t have;               /* frames completely read */
	int64_t shown;              /* frame on screen, -1 none */
	size_t partial;             /* bytes of frame `have` read so far */
	/* audio */
	int channels;
	uint8_t *abuf;              /* bytes; abuf[0] is sample apos */
	size_t alen, acap;
	int64_t apos;
	int64_t askip;              /* live: drop samples before this when they arrive */
	struct mx_pcm *pcm;         /* live G.711 decoded here (pcm.c), or NULL */
	char *path;                 /* folder: the media file (borrowed) */
	char what[64];              /* "uid 1001 video" for messages */
};

/* Give the pipe fd room for bytes (a frame), up to 1 MiB: one write of a
 * frame then needs no wakeup of the reader in between (best effort). */
void mx_pipe_fit(int fd, size_t bytes);
/* A folder track for clip c (not started). */
struct mx_track *mx_track_folder(const struct mx_clip *c, int fps, int channels);
/* A live track; start it with mx_track_spawn_live. */
struct mx_track *mx_track_new(uint32_t uid, bool video, int64_t t0_us, int w, int h,
    int channels, int fps, bool live);
void mx_track_free(struct mx_track *t);

int mx_track_spawn_folder(struct mx_track *t, const char *ffmpeg, int fps, bool quiet,
    struct ag_error *err);
/* Live: start the decoder; codec/extradata from the codec record. */
int mx_track_spawn_live(struct mx_track *t, const char *ffmpeg, int fps, int codec,
    int rate, int channels, const uint8_t *extra, size_t extra_len, bool quiet,
    struct ag_error *err);
/* Live: feed one encoded frame (pts on the output clock). 0, or -1 (the
 * track failed: message in err). */
int mx_track_feed(struct mx_track *t, int64_t pts_us, bool key, const uint8_t *data,
    size_t len, struct ag_error *err);
/* Live: no more input.  Closes the child's stdin now when nothing is
 * pending, else marks the track closing: the loop drains it on POLLOUT
 * and calls this again (a decoder that is behind, on a loaded machine,
 * still gets its last frames). */
void mx_track_end_input(struct mx_track *t);
/* Read what the child has written; returns 1 if anything was read. */
int mx_track_read(struct mx_track *t);
/* Whether the track can still take bytes from its child. */
bool mx_track_wants_read(const struct mx_track *t);
/* Kill (if running) and reap the child, close the fds.  Returns false
 * when the child failed (message printed unless quiet). */
bool mx_track_stop(struct mx_track *t, bool kill_it, bool quiet);

int64_t mx_frame_time(const struct mx_track *t, int64_t k, int fps);
/* Video: make the latest frame with time <= tn current; the frame, or NULL. */
const uint8_t *mx_track_frame_at(struct mx_track *t, int64_t tn, int fps);
/* Video (folder): the data for time tn is complete. */
bool mx_track_video_ready(const struct mx_track *t, int64_t tn, int fps);
/* Audio: samples [s0, s1) of the output clock into out (interleaved,
 * zero where missing), then drop what is before s1. */
void mx_track_audio_take(struct mx_track *t, int64_t s0, int64_t s1, int16_t *out);
bool mx_track_audio_ready(const struct mx_track *t, int64_t s1);

/* Live audio: drop the samples at the end of the buffer whose time the
 * output has passed (askip). */
void mx_track_skip_passed(struct mx_track *t);

/* ---- pcm.c ---- */

struct mx_pcm;
/* Whether a live audio track of codec/rate/channels is decoded in
 * agrec-mix rather than by an ffmpeg child. */
bool mx_pcm_inproc(int codec, int rate, int channels);
/* Start such a track t (no child).  0, or -1 with err. */
int mx_pcm_start(struct mx_track *t, int codec, int rate, struct ag_error *err);
/* Decode one frame (data borrowed) at rel_us after the track's first. */
int mx_pcm_feed(struct mx_track *t, int64_t rel_us, const uint8_t *data, size_t len,
    struct ag_error *err);
/* Decode frames that waited for room in the track's buffer; 1 if any. */
int mx_pcm_drain(struct mx_track *t);
/* No more input: once the frames waiting are decoded, the last samples
 * out of the filter, then eof. */
void mx_pcm_end(struct mx_track *t);
void mx_pcm_free(struct mx_pcm *p);

/* ---- encode.c ---- */

/* A non-blocking output with a bounded queue. */
struct mx_sink {
	int fd;
	const char *name;           /* for messages */
	uint8_t *buf;
	size_t len, cap;
	bool failed;
	int errnum;
};

int mx_sink_init(struct mx_sink *s, int fd, const char *name, size_t cap);
/* Append (the caller checked the room). */
void mx_sink_put(struct mx_sink *s, const void *data, size_t len);
size_t mx_sink_room(const struct mx_sink *s);
/* Write data (borrowed) to the fd at once when nothing is queued, and
 * queue what it does not take (the caller checked the room): a frame
 * goes out without a copy.  An error marks s failed (mx_sink_flush
 * reports it). */
void mx_sink_send(struct mx_sink *s, const void *data, size_t len);
/* Write what the fd takes now; -1 on an error (s->failed). */
int mx_sink_flush(struct mx_sink *s);
void mx_sink_free(struct mx_sink *s);

struct mx_outputs {
	char *dir;
	char ts[AG_TS_LEN + 1];
	char *aac, *mp4, *txt;      /* full paths; NULL if not written */
	char *pcm_path;             /* NULL, or the file (not for "-") */
	bool pcm_stdout;
	bool video, audio_aac, audio_pcm;
	pid_t enc_pid;              /* -1 none */
	struct mx_sink vsink, asink;
	int vfd_wr, afd_wr;
};

/* Start the encoder (and open the PCM output) for the composite starting
 * at wall time ts in dir.  err: AG_EX_IOERR, AG_EX_UNAVAILABLE. */
int mx_outputs_open(struct mx_outputs *out, const struct mx_opts *o, const char *ffmpeg,
    const char *dir, const char *ts, bool live, struct ag_error *err);
/* Write the uid-0 txt for a composite of dur_ms (closed: close lines). */
int mx_outputs_txt(struct mx_outputs *out, const struct mx_opts *o, int64_t dur_ms, bool closed,
    struct ag_error *err);
/* Close the pipes, wait for the encoder.  -1 with err when it failed. */
int mx_outputs_close(struct mx_outputs *out, struct ag_error *err);
void mx_outputs_free(struct mx_outputs *out);

/* ---- engine.c ---- */

struct mx_user {
	uint32_t uid;
	bool present;               /* in the channel now */
	bool vmuted, amuted;
	uint64_t order;             /* join order: smaller joined earlier */
	struct mx_frame *last;      /* --keepLastFrame: the last frame drawn, or NULL */
	const struct mx_track *last_t;  /* the track and frame index last copies */
	int64_t last_shown;
	struct ag_level lvl;        /* layout 3 from the audio: this interval's power */
};

/* Layout 3: the time from which uid is the speaker (output clock). */
struct mx_switch {
	int64_t t_us;
	uint32_t uid;
};

struct mx_engine {
	const struct mx_opts *o;
	const char *ffmpeg;
	bool live;
	int tick_rate;              /* fps, or 50 (20 ms) for audio only */
	int channels;
	int W, H;
	struct mx_track **tracks;
	size_t ntracks, captracks;
	struct mx_user *users;
	size_t nusers, capusers;
	uint64_t join_seq;
	bool layout_dirty;
	struct mx_layout custom;   /* --layout */
	bool has_custom;
	struct mx_layout cur;      /* what is drawn now */
	struct mx_frame *canvas, *bg, *user_bg;
	struct mx_frame srcf;
	int16_t *mixbuf, *tmpbuf;
	const int16_t **ins;
	size_t capin;               /* tracks tmpbuf and ins have room for */
	size_t nsamples_max;
	int64_t n;                  /* next tick */
	int nfailed;                /* decoder children that failed */
	int64_t nstale;             /* live: frames showing a participant's frame > 2 frames old */
	int64_t nundecoded;         /* live: frames with a participant's video not decoded yet */
	struct mx_outputs *out;
	size_t warned_dropped;
	struct mx_wm *wm;           /* the layout's watermarks, then the options', or NULL */
	int64_t wall0_ms;           /* wall time of output 0 (ms since the epoch): timestamps */
	/* layout 3 (speaker.c) */
	struct ag_speaker_hold hold;
	bool spk_ext;               /* levels from the stream or speakers.jsonl, not the audio */
	int64_t spk_iv_end;         /* audio levels: end of the interval being summed */
	int64_t spk_iv_start;
	struct mx_switch *sw;       /* switches not yet applied, in time order */
	size_t nsw, capsw, swpos;
	bool has_main;              /* a speaker took the main region */
	uint32_t main_uid;
};

int mx_engine_init(struct mx_engine *e, const struct mx_opts *o, const char *ffmpeg, bool live,
    struct ag_error *err);
void mx_engine_free(struct mx_engine *e);
int64_t mx_tick_time(const struct mx_engine *e, int64_t n);
int mx_engine_add_track(struct mx_engine *e, struct mx_track *t);
struct mx_user *mx_engine_user(struct mx_engine *e, uint32_t uid, bool create);
void mx_engine_set_present(struct mx_engine *e, struct mx_user *u, bool present);
/* Reload --layout (SIGHUP): keeps the old layout on error (logged). */
void mx_engine_reload(struct mx_engine *e);
/* Compose and mix tick e->n into the outputs' sinks (the caller checked
 * the room), then e->n++. */
void mx_engine_emit(struct mx_engine *e);
/* Room in the sinks for one more tick. */
bool mx_engine_room(const struct mx_engine *e);
/* Remove finished tracks (done), reaping them. */
void mx_engine_reap(struct mx_engine *e, bool kill_all);

/* Close the outputs and write the final txt; returns status or the
 * first error's code. */
int mx_finish_outputs(struct mx_engine *e, const struct mx_opts *o, int status, bool closed);
/* The paths written, one per line on stdout (not when stdout is --pcm -). */
void mx_print_outputs(const struct mx_outputs *out);

/* Signals: the stop signal is the front-end's fe_stop_signal (fe.h);
 * mx_hup is set by SIGHUP (reread the layout), whose handler
 * mx_catch_hup() installs. */
extern volatile sig_atomic_t mx_hup;
void mx_catch_hup(void);

/* ---- speaker.c ---- */

/* Layout 3: start the hold (--speakerHold) and the audio intervals. */
void mx_speaker_init(struct mx_engine *e);
/* Free the switches queued (mx_engine_free calls it). */
void mx_speaker_free(struct mx_engine *e);
/* One interval of levels from outside (a levels record, a line of
 * speakers.jsonl), ending at end_us on the output clock: from now on the
 * audio is not measured.  An excluded uid counts as nobody.  A speaker
 * change is queued for end_us. */
void mx_speaker_levels(struct mx_engine *e, int64_t end_us, int64_t interval_us, bool has_active,
    uint32_t active);
/* Audio path: the samples of uid's track for the tick being mixed
 * (interleaved, n values, borrowed) go into its interval's level. */
void mx_speaker_audio(struct mx_engine *e, uint32_t uid, const int16_t *s, size_t n);
/* Audio path: the tick ending at t1 is mixed; an interval that ended
 * picks its active user. */
void mx_speaker_tick_end(struct mx_engine *e, int64_t t1);
/* Apply the switches due at tn (marks the layout dirty). */
void mx_speaker_apply(struct mx_engine *e, int64_t tn);
/* The user of the main region for the present users uids[0..n-1] (join
 * order): the speaker; before anyone spoke --maxResolutionUid when
 * present, else the first.  false when there is nobody. */
bool mx_speaker_main(const struct mx_engine *e, const uint32_t *uids, size_t n, uint32_t *uid);
/* Folder input: the levels of dir/speakers.jsonl, whose wall_ms are
 * projected on the output clock with base_ms (mx_folder); malformed
 * lines are skipped with a message, and without the file the levels
 * come from the audio (said unless quiet).  0, or -1 with err
 * (AG_EX_IOERR, AG_EX_DATAERR too large) when it cannot be read. */
int mx_speaker_load(struct mx_engine *e, const char *dir, int64_t base_ms,
    struct ag_error *err);

/* Folder input: run to the end.  Returns an exit status. */
int mx_run_folder(struct mx_engine *e, const struct mx_folder *f, const char *outdir);
/* Stream input from fd.  Returns an exit status. */
int mx_run_stream(struct mx_engine *e, int fd, bool paced, const char *outdir);

#endif
