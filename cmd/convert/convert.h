/*
 * convert.h - agrec-convert's own modules: the folder model (model.c),
 * the plan of outputs (plan.c), the ffmpeg command lines (render.c),
 * their parallel execution (exec.c), and the command line (opts.c), the
 * job on one folder (folder.c) and the --scan walk (scan.c) that
 * agrec-convert.c's main runs.
 */
#ifndef CV_CONVERT_H
#define CV_CONVERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "argv.h"
#include "fe/fe.h"
#include "err.h"
#include "ffmpeg.h"
#include "names.h"
#include "txt.h"

struct cv_opts {
	int mode;               /* 0..3 */
	int fps;                /* 5..120 */
	bool saving;            /* -s */
	int width, height;      /* -r; 0 0 = automatic */
	int jobs;
	bool force, reencode, stretch, dry_run, json, quiet;
	bool once;              /* --once: skip converted or locked folders */
	int raw;                /* --raw: enum ag_raw_format, AG_RAW_NONE for none */
	bool opus;              /* --audioCodec opus: outputs keep Opus, not AAC */
};

/* Where messages go: stderr (with the program name) and convert.log. */
struct cv_ctx {
	const char *ffmpeg, *ffprobe;
	const struct cv_opts *opts;
	FILE *log;              /* convert.log being written, or NULL */
	int log_errno;          /* why a write to it first failed, or 0 */
	int nwarnings;
	bool progress;          /* draw progress on stderr */
};

void cv_warn(struct cv_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cv_note(struct cv_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cv_logf(struct cv_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* After writing to c->log directly: remember the errno of its first
 * failed write (stdio keeps only a flag), for the message at its close. */
void cv_log_check(struct cv_ctx *c);

/* ---- model.c ---- */

#define CV_MAX_ROTS 64

struct cv_rot {
	int64_t t_ms;           /* session time this rotation starts */
	int rotation;           /* 0, 90, 180, 270 */
};

struct cv_clip {
	bool video;
	char file[64];
	enum ag_media_kind kind;
	int64_t create_ms;      /* create time (or first line's time) */
	int64_t start_ms;       /* media start: info time for video, else create */
	int64_t end_ms;         /* close time, or start + probed duration */
	bool has_close, codecswitch;
	int width, height;      /* coded size: info line, else probed */
	struct cv_rot rots[CV_MAX_ROTS];
	int nrots;              /* >= 1 once loaded: rots[0].t_ms == start_ms */
	bool dropped;           /* missing, empty, unreadable or < 1 s */
	struct ag_probe_stream ps;  /* the probed stream of this kind */
	double probed_dur;      /* seconds, < 0 if unknown */
	int64_t adts_samples;   /* ADTS audio: exact decoded samples, else 0 */
	int64_t opus_samples;   /* Ogg Opus audio: exact decoded samples at 48 kHz, else 0 */
};

struct cv_txt {
	char name[96];
	uint32_t uid;
	char ts[AG_TS_LEN + 1];
	bool opens_session;
	int session;            /* session number of this uid, from 0 */
	struct cv_clip *clips;  /* borrowed from the folder's clips */
	size_t nclips;
};

struct cv_folder {
	char *dir;              /* as given */
	struct cv_txt *txts;    /* sorted by uid, then TS */
	size_t ntxts;
	struct cv_clip *clips;  /* every txt's clips, one after the other */
};

/*
 * Read dir (ag_folder_read), probe the media (with c->ffprobe) and mark
 * dropped clips: missing, empty, unreadable, shorter than 1 s, or without
 * a close line and a known duration.  Warnings go to c.
 * -1 with err when the folder cannot be read (AG_EX_IOERR) or has no
 * uid_*.txt (AG_EX_DATAERR).
 */
int cv_folder_load(struct cv_ctx *c, const char *dir, struct cv_folder *f,
    struct ag_error *err);
void cv_folder_free(struct cv_folder *f);

/*
 * The converter's model of the folder read af (borrowed): its logs and
 * clips copied into f (whose dir is set), its warnings printed through
 * c.  No probing.  -1 with err when out of memory.
 */
struct ag_folder;
int cv_folder_from(struct cv_ctx *c, const struct ag_folder *af, struct cv_folder *f,
    struct ag_error *err);

/* Display size of a clip at rotation r. */
void cv_display_size(const struct cv_clip *cl, int rotation, int *w, int *h);

/* ---- plan.c ---- */

enum cv_out_kind { CV_OUT_AV, CV_OUT_AUDIO, CV_OUT_VIDEO };

struct cv_place {
	const struct cv_clip *clip;
	int64_t out_ms;         /* where it starts in the output */
	int64_t skip_ms;        /* how much of the clip's start is left out */
	int64_t dur_ms;         /* how long it lasts in the output */
};

struct cv_job {
	char name[128];         /* output file name in the folder */
	enum cv_out_kind kind;
	uint32_t uid;
	int session;            /* -1 in mode 0 */
	char txt[96];           /* mode 0: the txt it comes from */
	int64_t dur_ms;
	int width, height, fps, channels;
	struct cv_place *audio;
	size_t naudio;
	struct cv_place *video;
	size_t nvideo;
	bool copy_video;        /* every video clip is stream-copied */
	bool copy_audio;        /* every audio clip is stream-copied */
	bool opus;              /* the audio is Opus (--audioCodec opus), else AAC; when
	                         * copied too, it is one Ogg Opus clip that fills it */
	int64_t audio_shift;    /* samples at 48 kHz all audio is placed earlier (< 0: later) */
};

/* The output frame nearest output time ms at fps frames a second. */
int64_t cv_frames_at(int64_t ms, int fps);

/* The codec of j's output video, as ffprobe names it: "hevc" when H.265
 * clips are stream-copied, else "h264" (copied or encoded).  Static. */
const char *cv_out_vcodec(const struct cv_job *j);

/*
 * Samples at 48 kHz to leave out at the start of audio clip cl before
 * it is placed: an ADTS file's AAC priming (AG_AAC_PRIMING), 0 for
 * anything else.
 */
int64_t cv_audio_lead(const struct cv_clip *cl);

/* Plan every output of folder f for c->opts.  jobs is new (cv_jobs_free). */
int cv_plan(struct cv_ctx *c, const struct cv_folder *f, struct cv_job **jobs,
    size_t *njobs, struct ag_error *err);
void cv_jobs_free(struct cv_job *jobs, size_t n);

/* ---- render.c ---- */

/*
 * The ffmpeg steps of one job, run in order.  Files are made in tmpdir
 * (the private directory); the last step writes tmpdir/out_name.
 * prep_files are small files (a concat list) to write before running,
 * and links are symlinks to make (tmpdir/link -> target).
 */
struct cv_step {
	struct ag_argv argv;
	bool progress;          /* this step reports -progress on stdout */
};

/* A concat list of the copy path: a file to write in the private directory. */
struct cv_list {
	char *name;             /* file name in tmpdir, or NULL: no list */
	char *text;             /* its content */
};

enum { CV_LIST_VIDEO, CV_LIST_AUDIO };

struct cv_render {
	struct cv_step steps[3];
	int nsteps;
	struct cv_list lists[2];        /* [CV_LIST_VIDEO], [CV_LIST_AUDIO] */
	char **link_names, **link_targets;
	size_t nlinks;
	char *out_tmp;          /* full path of the temporary output */
};

int cv_render_job(struct cv_ctx *c, const struct cv_folder *f, const struct cv_job *j,
    const char *tmpdir, int index, struct cv_render *r, struct ag_error *err);
void cv_render_free(struct cv_render *r);

/* ---- exec.c ---- */

struct cv_result {
	bool ok;
	struct ag_probe probe;  /* of the verified output */
	char why[512];
};

/*
 * Run every job (renders[i] for jobs[i]) with at most c->opts->jobs at
 * once, verify each output and rename it into the folder.  results[i]
 * says how each went.  Returns the number of failed jobs, or -1 if
 * interrupted by a signal (*signo set).
 */
int cv_execute(struct cv_ctx *c, const char *dir, const char *tmpdir,
    struct cv_job *jobs, struct cv_render *renders, size_t n,
    struct cv_result *results, int *signo);

/* ---- raw.c: --raw ---- */

/*
 * The raw files of format fmt for every user of folder f (in dir), made
 * in tmpdir and renamed into dir when complete; each is added to
 * outputs ({"name", "path", "format"}).  0, or -1 with err.
 */
struct json_t;
int cv_raw_folder(struct cv_ctx *c, const struct cv_folder *f, const char *dir,
    const char *tmpdir, int fmt, struct json_t *outputs, struct ag_error *err);

/* ---- opts.c: the command line ---- */

/* A growable list of strings (each borrowed or owned, as its user says). */
struct cv_strlist {
	char **v;
	size_t n, cap;
};

/* Add s to l (not copied).  0, or -1 when out of memory. */
int cv_strlist_add(struct cv_strlist *l, char *s);

/* agrec-convert's --help and --version texts. */
extern const struct fe_prog cv_prog;

/*
 * Parse argv into o, folders (-f, argv's strings) and scans (--scan).
 * Returns -1 to go on, or the exit status after -h, -V or a usage error
 * (printed).  Warnings (-p clamped, -r rounded, -s in mode 0) are given.
 */
int cv_opts_parse(int argc, char **argv, struct cv_opts *o, struct cv_strlist *folders,
    struct cv_strlist *scans);

/* ---- folder.c: the job on one folder ---- */

/* How one folder went, for the exit status and --json. */
struct cv_folder_result {
	const char *status;     /* "converted", "planned", "locked", ... */
	int exit;
	char message[1100];
	struct json_t *outputs; /* a new JSON array */
};

/*
 * Convert (or plan, or --raw) folder dir under its lock, in a private
 * temporary folder, with convert.log and, when every output is made,
 * convert-done.txt.  recheck: it was found by --scan (or --once is
 * given), so it may have been converted by another run since it was
 * looked at; that is checked again under the lock.  fr is filled; its
 * outputs are the caller's.  Messages go to stderr.
 */
void cv_convert_folder(struct cv_ctx *c, const char *dir, bool recheck,
    struct cv_folder_result *fr);

/*
 * Convert folders->v[0..n) in turn (cv_convert_folder) until a signal;
 * each one's result is appended to jfolders (a JSON array).  Folders from
 * first_found on were found by --scan.  Returns the exit status.
 */
int cv_convert_all(struct cv_ctx *c, const struct cv_strlist *folders, size_t first_found,
    struct json_t *jfolders);

/* ---- scan.c: --scan ---- */

/*
 * Add to folders (new strings, the caller's) every folder below root,
 * up to four levels, that holds uid_*.txt, is finished (or force) and is
 * not converted.  Unfinished ones are named on stderr (but when quiet).
 */
void cv_scan(const char *root, bool force, bool quiet, struct cv_strlist *folders);

#endif
