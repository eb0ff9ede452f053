/*
 * files.h - agrec-record's folder, log and media writers (files.c):
 * the recording folder and recording.log, the channel clock, and the
 * writers of the per-user and raw files (fragmented MP4, WebM, Ogg Opus,
 * or Matroska to an ffmpeg child).
 */
#ifndef RC_FILES_H
#define RC_FILES_H

#include <sys/types.h>

#include "fmp4.h"
#include "mkv.h"
#include "ogg.h"
#include "rawfile.h"
#include "record/record.h"

enum rc_wkind { RC_W_NONE, RC_W_CHILD, RC_W_WEBM, RC_W_FMP4, RC_W_DIRECT, RC_W_OGG };

/*
 * An audio child that falls behind (a busy machine) is given a queue of
 * RC_QUEUE_MS of media that it has not taken yet; beyond that, whole
 * audio frames are dropped (the AAC child turns the gap into silence,
 * which costs it far less than audio) until the queue is back under
 * RC_QUEUE_MS - RC_QUEUE_RESUME_MS.  Video is never dropped.
 */
#define RC_QUEUE_MS        10000
#define RC_QUEUE_RESUME_MS 2000
/* Closing a child's file while the others record waits this long at
 * most for it to take the rest. */
#define RC_CLOSE_WAIT_MS   1000
/* When the recording stops, the audio children get RC_FINISH_BASE_MS
 * plus RC_FINISH_PER_MS per second of the longest queue to take it,
 * RC_FINISH_CAP_MS at most (loop.c). */
#define RC_FINISH_BASE_MS  5000
#define RC_FINISH_PER_MS   2000
#define RC_FINISH_CAP_MS   40000
/* Cluster ends not yet taken by a child, for the queue's media time. */
#define RC_MARKS 64

struct rc_mark {
	uint64_t bytes;             /* sealed Matroska bytes up to the end of a cluster */
	int64_t ms;                 /* channel time the cluster's last frame ends */
	uint64_t frames;            /* frames written up to there */
};

struct rc_writer {
	enum rc_wkind kind;
	bool video;
	char name[64];              /* file name in the folder */
	int fd;                     /* WEBM, FMP4, OGG: the file; CHILD: pipe to the child's stdin */
	pid_t pid;                  /* CHILD: the ffmpeg child, or 0 once reaped */
	struct ag_mkv *mkv;
	struct ag_fmp4 *fmp4;
	struct ag_ogg_opus *ogg;    /* OGG: Opus kept as it came (--audioFormat opus) */
	int64_t create_ms;          /* channel time of the create line */
	int64_t last_ms;            /* channel time the last frame ends */
	int64_t first_pts_ms;       /* channel time of the first frame written */
	int64_t first_t90;          /* 90 kHz time of the first frame written */
	int width, height;
	enum ag_codec codec;
	int rate, channels;
	uint64_t frames;
	bool failed;                /* the child died or stalled: close and split */
	int64_t stat_checked_ms;    /* when /proc/PID/stat was last read */
	bool stopped_seen;          /* what /proc said then */
	unsigned long long cpu_ticks;  /* and the CPU time the child had used */
	/* CHILD: the stall watch (rc_writer_stall_check). */
	bool watched;               /* taken and progress_ms are set */
	uint64_t taken;             /* bytes the child had taken at progress_ms */
	int64_t progress_ms;        /* when the child last took bytes, or had none waiting */
	bool stopped;               /* stopped (state T) since stopped_since */
	int64_t stopped_since;
	enum ag_raw_format raw;     /* a raw-data writer: its output format (raw.c) */
	int out_fd;                 /* raw: the file or FIFO the child or we append to */
	uint64_t dropped;           /* raw DIRECT: frames a FIFO reader did not take */
	/* CHILD audio: the queue in media time (RC_QUEUE_MS). */
	struct rc_mark marks[RC_MARKS];  /* a ring, oldest at mark0 */
	int mark0, nmarks;
	int64_t taken_ms;           /* the child has taken the media up to this channel time */
	uint64_t taken_frames;      /* and this many frames */
	bool shedding;              /* frames are dropped until the queue is short again */
	uint64_t sealed;            /* sealed bytes at the last mark */
	int64_t fed_ms;             /* channel time the last frame given to the child ends */
	uint64_t shed_frames;       /* frames dropped because the child fell behind */
	int64_t shed_ms;            /* their media time */
	uint8_t *held;              /* the last frame dropped (Opus or AAC), written at the
	                             * close so that the file lasts to its end; new */
	size_t held_len;
	int64_t held_ms, held_dur_ms;
	uint64_t unwritten_frames;  /* frames the child did not take before its file closed */
	int64_t unwritten_ms;
};

struct rc_folder {
	char path[4096];
	int64_t start_wall_ms;      /* wall clock at channel time 0 (epoch ms, UTC) */
	int64_t start_mono_ms;
	int log_fd;                 /* recording.log */
	const char *ffmpeg;
	int log_level;
	pid_t *children;            /* ffmpeg children not yet reaped */
	size_t nchildren, cap_children;
	bool stopping;              /* every file is being closed: children get longer to finish */
	int64_t finish_by_ms;       /* stopping: when children stop being waited for (rc_now_ms) */
	/* Audio lost because the machine did not keep up (rc_folder_loss). */
	uint64_t shed_frames, unwritten_frames;
	int64_t shed_ms, unwritten_ms;
	unsigned loss_files;         /* files that lost audio so */
	bool keep_opus;             /* --audioFormat opus: Opus senders' audio into .opus files */
};

int rc_folder_create(struct rc_folder *f, const struct rc_opts *o, struct ag_error *err);
int rc_folder_finish(struct rc_folder *f, struct ag_error *err);
/* Or'ed into rc_log()'s level: the line is written to recording.log
 * whatever --logLevel says (a line another program reads,
 * libcommon/reclog.h). */
#define RC_LOG_ALWAYS 0x100
void rc_log(struct rc_folder *f, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int64_t rc_now_ms(const struct rc_folder *f);
void rc_wall_ts(const struct rc_folder *f, int64_t ch_ms, char ts[18]);

/* The channels fr was coded with: RTP declares 2 for every Opus stream
 * (RFC 7587), its TOC byte says what the sender coded; else the payload
 * type's count.  A file keeps the count it starts with. */
int rc_frame_channels(const struct ag_frame *fr, const struct rc_ptmap *pm);

/* Open a writer for a new media file that starts with frame fm (borrowed);
 * the name is made from uid and fm->t. */
int rc_writer_open(struct rc_folder *f, struct rc_writer *w, uint32_t uid,
    const struct rc_frame *fm, struct ag_error *err);
/*
 * Open a raw-data writer of format raw (AAC, PCM or YUV through an ffmpeg
 * child whose stdout is out_fd; H.264 written here to out_fd).  name is
 * the file name for messages; out_fd is stolen; fm is borrowed.
 */
int rc_writer_open_raw(struct rc_folder *f, struct rc_writer *w, const char *name, int out_fd,
    enum ag_raw_format raw, const struct rc_frame *fm, struct ag_error *err);
/* Write frame fm (borrowed). */
int rc_writer_write(struct rc_folder *f, struct rc_writer *w, const struct rc_frame *fm,
    struct ag_error *err);
/* Finish the file: flush, close the pipe (the child then finishes). */
void rc_writer_close(struct rc_folder *f, struct rc_writer *w);
/* Drain pending bytes to a child; -1 when it must be given up. */
int rc_writer_drain(struct rc_folder *f, struct rc_writer *w);
/* The media time (ms) a child writer has been given but not taken yet. */
int64_t rc_writer_backlog(struct rc_folder *f, struct rc_writer *w);
/* Seal and hand what is collected to a child; 1 while bytes still wait,
 * 0 when all is taken (or the writer is no child), -1 on failure. */
int rc_writer_flush(struct rc_folder *f, struct rc_writer *w);
/* Log what a writer's audio lost to a machine that did not keep up, and
 * add it to the folder's sums (called once, when the file closes). */
void rc_writer_loss(struct rc_folder *f, struct rc_writer *w, uint32_t uid);
/* The recording's audio losses in recording.log and on stderr, if any. */
void rc_folder_loss(struct rc_folder *f);
/* true when the child has bytes waiting that it does not take, or is stopped. */
/*
 * A child writer is stalled when it is stopped (SIGSTOP, a debugger)
 * for RC_STOPPED_MS, or when bytes wait for it and it has taken none of
 * them and used no CPU for RC_STALL_MS.  A child that reads, however late, is never
 * stalled: on a busy machine an encoder falls behind and catches up,
 * and killing it would lose what it holds and cost more to restart.
 * A stalled child is logged, killed and marked failed (its file is then
 * closed and the next media starts a new one); then names what happens
 * next in the log line.  Drains first.  Returns 1 when it killed.
 */
#define RC_STOPPED_MS 1000
#define RC_STALL_MS   10000
int rc_writer_stall_check(struct rc_folder *f, struct rc_writer *w, int64_t now, const char *then);

/* The state letter and the CPU time used (clock ticks, user + system) of
 * process pid, from /proc; -1 when it is gone. */
int rc_proc_stat(pid_t pid, char *state, unsigned long long *cpu);

/* true when the folder's file system has (almost) no space left. */
bool rc_folder_full(const struct rc_folder *f);

#endif
