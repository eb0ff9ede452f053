/*
 * record.h - agrec-record's own modules: options (opts.c), the recording
 * folder and its files (files.c), per-user sessions and the split rules
 * (session.c), and the RTP/RTCP ingest (ingest.c).
 *
 * One process per channel, one thread, one poll loop.  Every time is
 * on the channel clock: milliseconds since the recorder joined
 * (CLOCK_MONOTONIC), with the wall-clock time of the join kept to name
 * files.
 */
#ifndef RC_RECORD_H
#define RC_RECORD_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "codec.h"
#include "depack.h"
#include "err.h"
#include "jitter.h"
#include "fmp4.h"
#include "mkv.h"
#include "rawfile.h"
#include "stream.h"

#define RC_SPLIT_MS 15000       /* the SDK's 15-second rules */
#define RC_MAX_PT 128

struct rc_ptmap {
	bool set;
	enum ag_codec codec;
	int rate, channels;
	uint8_t aac_config[64];     /* AudioSpecificConfig from an SDP fmtp config= */
	size_t aac_config_len;
	bool fb_pli, fb_fir;        /* SDP a=rtcp-fb: "nack pli", "ccm fir" */
	int sdp_section;            /* the SDP m= section that lists it, from 1; 0: none */
};

#define RC_MAX_SDP_SSRC 256

/* An SDP a=ssrc:<ssrc> cname:<uid> line. */
struct rc_sdp_ssrc {
	uint32_t ssrc, uid;
	int section;                /* its m= section, from 1; 0: before any */
};

#define RC_MAX_FEEDBACK 64
#define RC_MAX_SDP_SECTIONS 32

/* Where a stream's key frame requests go, when configured: --feedback
 * SSRC=ADDR:PORT, or an SDP a=rtcp:PORT [IN IP4|IP6 ADDR] line. */
struct rc_fbaddr {
	uint32_t ssrc;              /* --feedback: the stream */
	bool rtp_host;              /* a=rtcp without an address: the RTP source's host */
	struct sockaddr_storage sa; /* with rtp_host, only the port counts */
	socklen_t len;              /* 0: not set */
};

/* An SDP file's state while its lines are read. */
struct rc_sdp_state {
	int section;                /* m= sections so far */
	uint8_t pts[32];            /* the payload types of the current m= line */
	int npts;
	char conn[2][64];           /* c= address: [0] session, [1] current section */
};

#define RC_MAX_ALLOW 64

/* An --allow network. */
struct rc_allow {
	int family;                 /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	int prefix;
};

struct rc_opts {
	char channel[65];
	uint32_t uid;
	bool audio_only, video_only;
	int idle_s;
	char root[4096];
	char recording_dir[4096];   /* Recording_Dir from the config file, or "" */
	char listen_host[256];
	char emit[4096];            /* --emit FILE or "-", or "" */
	char dump[4096];            /* --dump FILE or "-", or "" */
	int listen_port;
	int trigger_mode;           /* 0 automatic, 1 manual */
	int log_level;
	mode_t umask;
	int leave_ms;               /* no packet for this long: the user left */
	int cname_wait_ms;          /* how long an SSRC without CNAME waits for one */
	int jitter_ms;
	struct rc_ptmap pt[RC_MAX_PT];
	struct rc_sdp_ssrc sdp_ssrc[RC_MAX_SDP_SSRC];
	int nsdp_ssrc;
	struct rc_fbaddr sdp_rtcp[RC_MAX_SDP_SECTIONS + 1];  /* a=rtcp of section i (from 1) */
	struct rc_fbaddr feedback[RC_MAX_FEEDBACK];         /* --feedback */
	int nfeedback;
	struct rc_allow allow[RC_MAX_ALLOW];
	int nallow;                 /* 0: every source is allowed */
	int max_users;
	/* Composite and raw data: children fed the channel stream, raw files. */
	bool mixing;                /* --isMixingEnabled 1: agrec-mix makes uid 0 files */
	int get_audio, get_video;   /* --getAudioFrame, --getVideoFrame (agora-format.md 4.7) */
	int capture_interval;       /* --captureInterval */
	bool raw_fifo;              /* --rawFifo 1: raw files are named pipes */
	char *mix_args[24];         /* options passed on to agrec-mix (argv strings) */
	int nmix_args;
};

/* Whether the recorder writes per-user media files of a kind itself. */
bool rc_files_audio(const struct rc_opts *o);
bool rc_files_video(const struct rc_opts *o);

/* agrec-record's --help and --version texts (opts.c; struct fe_prog: fe/fe.h). */
struct fe_prog;
extern const struct fe_prog rc_prog;

/*
 * Parse argv into o; returns 0.  Prints and exits on a usage error (64),
 * an unreadable --cfgFilePath (65), -h and -V (0).
 */
int rc_opts_parse(int argc, char **argv, struct rc_opts *o);

/* ---- optval.c: option values, parsed without messages or exit ---- */

/* 1-64 bytes of letters, digits, space and Agora's punctuation. */
bool rc_channel_ok(const char *s);
/* "PT=CODEC/RATE[/CH]" into tab[PT]; 0 or -1. */
int rc_parse_pt(const char *s, struct rc_ptmap *tab);
/* One SDP line (no newline) into o: m=, c=, a=rtpmap, a=fmtp config=,
 * a=ssrc cname, a=rtcp, a=rtcp-fb; st carries the section between lines
 * (zeroed before the first).  0 used or not ours, 1 a line of ours that
 * is ignored as malformed. */
int rc_sdp_line(const char *line, struct rc_sdp_state *st, struct rc_opts *o);
/* "SSRC=ADDR:PORT" (IPv6 as [ADDR]:PORT) for --feedback; 0 or -1. */
int rc_parse_feedback(const char *s, struct rc_fbaddr *fb);
/* The JSON config (agora-format.md 4.10) in text: Recording_Dir into dir;
 * other keys in *warn (the last one).  0, or -1 with err (AG_EX_DATAERR). */
int rc_cfg_parse(const char *text, size_t len, const char *name, char *dir, size_t dirsize,
    struct ag_error *warn, struct ag_error *err);
/* "ADDR[/PREFIX]", IPv4 or IPv6; 0 or -1. */
int rc_parse_allow(const char *s, struct rc_allow *a);
/* Is the source in one of o's --allow networks (true without any)?  A
 * v4-mapped IPv6 source (::ffff:a.b.c.d, an IPv4 sender on a dual-stack
 * socket) is in the IPv4 networks that hold a.b.c.d. */
bool rc_allowed(const struct rc_opts *o, const struct sockaddr_storage *from);
/* "HOST:PORT" or "[IPv6]:PORT", PORT 1..65534 (RTCP also takes PORT+1):
 * the host without brackets into host; 0 or -1. */
int rc_parse_listen(const char *s, char *host, size_t hostsize, int *port);

/* ---- files.c: the folder, txt files and media writers ---- */

enum rc_wkind { RC_W_NONE, RC_W_CHILD, RC_W_WEBM, RC_W_FMP4, RC_W_DIRECT };


struct rc_writer {
	enum rc_wkind kind;
	bool video;
	char name[64];              /* file name in the folder */
	int fd;                     /* WEBM: the file; CHILD: pipe to the child's stdin */
	pid_t pid;                  /* CHILD: the ffmpeg child, or 0 once reaped */
	struct ag_mkv *mkv;
	struct ag_fmp4 *fmp4;
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
	/* CHILD: the stall watch (rc_writer_stall_check). */
	bool watched;               /* taken and progress_ms are set */
	uint64_t taken;             /* bytes the child had taken at progress_ms */
	int64_t progress_ms;        /* when the child last took bytes, or had none waiting */
	bool stopped;               /* stopped (state T) since stopped_since */
	int64_t stopped_since;
	enum ag_raw_format raw;     /* a raw-data writer: its output format (raw.c) */
	int out_fd;                 /* raw: the file or FIFO the child or we append to */
	uint64_t dropped;           /* raw DIRECT: frames a FIFO reader did not take */
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
};

int rc_folder_create(struct rc_folder *f, const struct rc_opts *o, struct ag_error *err);
int rc_folder_finish(struct rc_folder *f, struct ag_error *err);
void rc_log(struct rc_folder *f, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same, written to recording.log whatever --logLevel says: a line
 * another program reads (libcommon/reclog.h). */
void rc_log_note(struct rc_folder *f, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int64_t rc_now_ms(const struct rc_folder *f);
void rc_wall_ts(const struct rc_folder *f, int64_t ch_ms, char ts[18]);

/* The channels fr was coded with: RTP declares 2 for every Opus stream
 * (RFC 7587), its TOC byte says what the sender coded; else the payload
 * type's count.  A file keeps the count it starts with. */
int rc_frame_channels(const struct ag_frame *fr, const struct rc_ptmap *pm);

/* Open a writer for a new media file; the name is made from uid and ch_ms. */
int rc_writer_open(struct rc_folder *f, struct rc_writer *w, uint32_t uid, int64_t ch_ms,
    const struct ag_frame *fr, const struct rc_ptmap *pm, const uint8_t *avcc, size_t avcc_len,
    struct ag_error *err);
/*
 * Open a raw-data writer of format raw (AAC, PCM or YUV through an ffmpeg
 * child whose stdout is out_fd; H.264 written here to out_fd).  name is
 * the file name for messages; out_fd is stolen.
 */
int rc_writer_open_raw(struct rc_folder *f, struct rc_writer *w, const char *name, int out_fd,
    enum ag_raw_format raw, const struct ag_frame *fr, const struct rc_ptmap *pm, const uint8_t *avcc,
    size_t avcc_len, struct ag_error *err);
/* t90: the frame's time on a 90 kHz channel clock (exact for video). */
int rc_writer_write(struct rc_folder *f, struct rc_writer *w, int64_t ch_ms, int64_t t90,
    int64_t dur_ms, const struct ag_frame *fr, struct ag_error *err);
/* Finish the file: flush, close the pipe (the child then finishes). */
void rc_writer_close(struct rc_folder *f, struct rc_writer *w);
/* Drain pending bytes to a child; -1 when it must be given up. */
int rc_writer_drain(struct rc_folder *f, struct rc_writer *w);
/* true when the child has bytes waiting that it does not take, or is stopped. */
/*
 * A child writer is stalled when it is stopped (SIGSTOP, a debugger)
 * for RC_STOPPED_MS, or when bytes wait for it and it has taken none of
 * them for RC_STALL_MS.  A child that reads, however late, is never
 * stalled: on a busy machine an encoder falls behind and catches up,
 * and killing it would lose what it holds and cost more to restart.
 * A stalled child is logged, killed and marked failed (its file is then
 * closed and the next media starts a new one); then names what happens
 * next in the log line.  Drains first.  Returns 1 when it killed.
 */
#define RC_STOPPED_MS 1000
#define RC_STALL_MS   10000
int rc_writer_stall_check(struct rc_folder *f, struct rc_writer *w, int64_t now, const char *then);

/* true when the folder's file system has (almost) no space left. */
bool rc_folder_full(const struct rc_folder *f);

/* ---- session.c: users, segments, txt files, the split rules ---- */

struct rc_user {
	uint32_t uid;
	bool used;
	bool present;
	int64_t last_packet_ms;
	bool session_open;          /* a session base is set */
	int64_t base_ms;            /* channel time of the session base */
	char txt_name[64];
	int txt_fd;                 /* -1 when no segment is open */
	struct rc_writer audio, video;
	int64_t audio_closed_ms, video_closed_ms;   /* -1: never */
	bool video_rejoin;          /* the user left: the next video opens a new file */
	bool video_ok;              /* a video frame that can start a file arrived */
	uint32_t video_ssrc;        /* for PLI */
	/* raw.c: --getAudioFrame 1/2 and --getVideoFrame 1/2 files, [0] audio, [1] video */
	struct rc_writer raw[2];
	int raw_n[2];               /* file counter: <UID>.ext, then <UID>_2.ext, ... */
	int raw_ch;                 /* channels of the last raw audio file, 0: none yet */
	/* --emit: what the channel stream was last told of this user's media */
	bool emit_codec_sent[2];    /* [0] audio, [1] video */
	int emit_codec[2], emit_w, emit_h;
};

struct rc_rec;
struct rc_user *rc_user_get(struct rc_rec *r, uint32_t uid, bool create);
void rc_user_media(struct rc_rec *r, struct rc_user *u, int64_t ch_ms, int64_t t90, int64_t dur_ms,
    const struct ag_frame *fr, const struct rc_ptmap *pm, const uint8_t *avcc, size_t avcc_len,
    uint32_t ssrc);
void rc_user_leave(struct rc_rec *r, struct rc_user *u, int64_t now, const char *why);
void rc_user_tick(struct rc_rec *r, struct rc_user *u, int64_t now);
/* Close everything of a user at time t (stop, pause). */
void rc_user_stop(struct rc_rec *r, struct rc_user *u, int64_t t);

/* ---- ingest.c: sockets, SSRCs, RTP and RTCP ---- */

struct rc_ssrc {
	bool used;
	uint32_t ssrc;
	uint32_t uid;
	bool cname_known;
	int64_t first_ms, last_ms;
	bool bye;
	int64_t bye_ms;             /* when its BYE came; -1 once acted on */
	int64_t bye_at;             /* when its BYE came */
	uint64_t stragglers;        /* packets dropped just after its BYE */
	uint64_t collisions;        /* packets of a second sender with the same SSRC */
	uint8_t pt;
	bool pt_ok;
	struct rc_ptmap pm;
	struct ag_jb *jb;
	struct ag_depack *dp;
	/* RTP time -> channel time */
	bool anchored;
	int64_t ext_ts_base;        /* extended RTP ts at the anchor */
	int64_t anchor_ms;          /* channel ms at the anchor */
	uint32_t last_ts;
	int64_t ts_cycles;
	int64_t last_frame_ext;     /* for durations */
	int frame_ms;               /* video: the usual frame interval */
	int64_t last_t90;           /* keeps each stream's times increasing */
	bool has_sr;                /* the last RTCP sender report */
	uint64_t sr_ntp_us;         /* its NTP time, us since 1900 */
	uint32_t sr_rtp;            /* its RTP time */
	int64_t last_ext;           /* the latest extended RTP time delivered */
	struct sockaddr_storage from;   /* RTP source, for PLI */
	socklen_t fromlen;
	struct sockaddr_storage rtcp_from;
	socklen_t rtcp_fromlen;
	uint64_t packets, bad;
	/* Key frame requests (rc_request_keyframe) and the no-video warning. */
	int64_t kf_ms;              /* the last request; INT64_MIN: none yet */
	uint64_t kf_sent;           /* requests sent */
	uint8_t fir_seq;
	char kf_dest[160];          /* where the last one went, for messages */
	uint64_t vpackets;          /* video packets while recording */
	int64_t vfirst_ms;          /* channel time of the first of them */
	bool nv_warned;             /* "no decodable frame yet" said */
	bool rx_have;               /* the last packet received (not released) */
	uint32_t rx_ts;
	int64_t rx_ms;
};

#define RC_MAX_SINKS 3

/* A reader of the channel stream: --emit's file, or an agrec-mix or
 * agrec-capture child on a pipe. */
struct rc_sink {
	struct ag_stream_writer *w; /* NULL once closed or failed */
	int fd;
	pid_t pid;                  /* the child, 0 for --emit or once reaped */
	char name[32];              /* "--emit", "agrec-mix", "agrec-capture" */
};

#define RC_MAX_LATCHES 16

/* A datagram that came to the RTCP port without being RTCP of a known
 * stream: a forwarder (Janus) telling where its feedback socket is. */
struct rc_latch {
	struct sockaddr_storage from;
	socklen_t fromlen;
	int64_t ms;                 /* the last one from there */
};

struct rc_rec {
	struct rc_opts *opts;
	struct rc_latch latches[RC_MAX_LATCHES];
	int nlatches;
	struct rc_folder folder;
	int socks[2];
	int nsocks;
	struct rc_ssrc *ssrcs;
	size_t nssrcs, cap_ssrcs;
	struct rc_user *users;
	size_t nusers, cap_users;
	bool recording;             /* false while paused in manual mode */
	int64_t empty_since_ms;     /* channel time since when nobody is present; -1 */
	uint32_t own_ssrc;
	uint64_t garbage, oversized, denied, refused_streams;
	bool disk_full;             /* a write failed for lack of space: stop */
	struct rc_sink sinks[RC_MAX_SINKS]; /* --emit, agrec-mix, agrec-capture */
	int nsinks;
};

/* ---- emit.c: the channel stream (--emit) and its dump (--dump) ---- */

/* Are the programs the options need (agrec-mix, agrec-capture) there? */
int rc_emit_check(const struct rc_opts *o, struct ag_error *err);
int rc_emit_open(struct rc_rec *r, struct ag_error *err);
void rc_emit_join(struct rc_rec *r, uint32_t uid, int64_t t);
void rc_emit_leave(struct rc_rec *r, uint32_t uid, int64_t t, int reason);
void rc_emit_media(struct rc_rec *r, struct rc_user *u, int64_t t90, const struct ag_frame *fr,
    const struct rc_ptmap *pm, const uint8_t *avcc, size_t avcc_len);
void rc_emit_end(struct rc_rec *r, int64_t t, int reason);
/* Write what is pending (never blocks); a failed consumer is dropped. */
void rc_emit_drain(struct rc_rec *r);
/* Close the stream to every sink and wait (bounded) for the children. */
void rc_emit_close(struct rc_rec *r);
/* A child exited (from waitpid): true when it was a sink's. */
bool rc_emit_reaped(struct rc_rec *r, pid_t pid, int status);
/* Print a channel stream's records as text; returns an exit status. */
int rc_dump(const char *path);

/* ---- raw.c: raw-data files ---- */

/* A frame for the raw files of u, if this kind is in a raw mode. */
void rc_raw_media(struct rc_rec *r, struct rc_user *u, int64_t t, const struct ag_frame *fr,
    const struct rc_ptmap *pm, const uint8_t *avcc, size_t avcc_len, uint32_t ssrc);
/* Close u's raw files (leave, stop); they are appended to on return. */
void rc_raw_close(struct rc_rec *r, struct rc_user *u);
/* Stall checks of u's raw children. */
void rc_raw_tick(struct rc_rec *r, struct rc_user *u, int64_t now);

int rc_ingest_open(struct rc_rec *r, struct ag_error *err);
/* Read every datagram waiting on socket i. */
void rc_ingest_read(struct rc_rec *r, int i);
/* Release what the jitter buffers hold that is due; run timers. */
void rc_ingest_tick(struct rc_rec *r, int64_t now);
/* ms until the next jitter deadline, or -1. */
int rc_ingest_timeout(struct rc_rec *r, int64_t now);
/*
 * Ask the sender of media_ssrc for a key frame: a PLI, or a FIR when its
 * SDP offers only "ccm fir", to where its feedback goes (agrec-record(1),
 * KEY FRAME REQUESTS).  At most one every RC_KEYFRAME_INTERVAL_MS per
 * stream: callers ask whenever they need one.
 */
#define RC_KEYFRAME_INTERVAL_MS 500
void rc_request_keyframe(struct rc_rec *r, uint32_t media_ssrc);
/*
 * At the end: log an error (and the no-video note of agrec-folder(5))
 * for every user whose video packets gave no video.  Returns how many.
 */
int rc_ingest_novideo(struct rc_rec *r);
/* true when some stream sent a packet in the last --leave-timeout. */
bool rc_ingest_active(const struct rc_rec *r, int64_t now);
void rc_ingest_free(struct rc_rec *r);

#endif
