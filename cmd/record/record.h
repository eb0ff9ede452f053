/*
 * record.h - what every module of agrec-record shares: its options
 * (opts.c, optval.c) and a frame on its way from a stream to the writers
 * (struct rc_frame).  Each module has its own header: files.h (the
 * folder, the log, media writers), session.h (users, segments, the split
 * rules), ingest.h (sockets, RTP and RTCP, key frame requests), emit.h
 * (the channel stream), raw.h (raw-data files), loop.h (the poll loop);
 * rec.h holds struct rc_rec, the recorder's state that each is handed.
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
#include "subscribe.h"

#define RC_SPLIT_MS 15000       /* the SDK's 15-second rules */
/* Strings of the options passed on to agrec-mix: 23 options (the
 * watermarks' 12 among them) of name and value, with room to spare;
 * opts.c fails loudly rather than drop one. */
#define RC_MAX_MIX_ARGS 64
#define RC_MAX_PT 128

#define RC_MAX_SPROP 1024           /* bytes of an SDP's H.265 parameter sets */

struct rc_ptmap {
	bool set;
	enum ag_codec codec;
	int rate, channels;
	uint8_t aac_config[64];     /* AudioSpecificConfig from an SDP fmtp config= */
	size_t aac_config_len;
	bool fb_pli, fb_fir;        /* SDP a=rtcp-fb: "nack pli", "ccm fir" */
	bool h265_donl;             /* H.265 with SDP sprop-max-don-diff > 0 (DONL fields in
	                               the packets, RFC 7798 4.4): refused */
	uint8_t sprop[RC_MAX_SPROP]; /* H.265: SDP sprop-vps/sps/pps, as Annex-B */
	size_t sprop_len;
	int sdp_section;            /* the SDP m= section that lists it, from 1; 0: none */
	int level_ext;              /* a=extmap id of RFC 6464 audio levels (SDP, WHIP); 0: none */
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
	int level_ext;              /* the current section's RFC 6464 a=extmap id, 0: none */
};

#define RC_MAX_ALLOW 64
#define RC_MAX_PUBLIC 4

/* An --allow network. */
struct rc_allow {
	int family;                 /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	int prefix;
};

/* --audioFormat: what a per-user audio file holds. */
enum rc_audio_format {
	RC_AUDIO_AAC,               /* .aac, ADTS AAC through an ffmpeg child (the SDK's) */
	RC_AUDIO_OPUS               /* .opus, Ogg Opus as an Opus sender sent it; others .aac */
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
	enum rc_audio_format audio_format;  /* --audioFormat */
	struct ag_sub sub;          /* --autoSubscribe and the lists */
	int indication_ms;          /* --audioIndicationInterval: levels every MS, 0: off */
	/* Composite and raw data: children fed the channel stream, raw files. */
	bool mixing;                /* --isMixingEnabled 1: agrec-mix makes uid 0 files */
	int get_audio, get_video;   /* --getAudioFrame, --getVideoFrame (agora-format.md 4.7) */
	bool h265;                  /* --enableH265Support 1: record H.265 senders */
	int capture_interval;       /* --captureInterval */
	bool raw_fifo;              /* --rawFifo 1: raw files are named pipes */
	char *mix_args[RC_MAX_MIX_ARGS];  /* options passed on to agrec-mix (argv strings) */
	int nmix_args;
	/* WebRTC publishers (whip.c, http.c) and SRTP (agrec-record(1), WEBRTC). */
	char whip_host[256];        /* --whip [ADDR:]PORT; ADDR defaults to --listen's */
	int whip_port;              /* 0: no WHIP endpoint */
	char channel_key[256];      /* --channelKey: the bearer token, "" none; never logged */
	char public_addr[RC_MAX_PUBLIC][64];   /* --publicAddress, numeric */
	int npublic;
	int max_kbps;               /* --maxBitrate: REMB and b=AS */
	int max_publishers;         /* --maxPublishers */
	char dtls_cert[4096];       /* --dtlsCert PEM, "" generate */
	bool sdes;                  /* --decryptionMode and --secret: SRTP on the plain port */
	int sdes_suite;             /* enum ag_srtp_suite */
	uint8_t sdes_key[64];
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
 * a=ssrc cname, a=rtcp, a=rtcp-fb, a=extmap (RFC 6464); st carries the section between lines
 * (zeroed before the first).  0 used or not ours, 1 a line of ours that
 * is ignored as malformed. */
int rc_sdp_line(const char *line, struct rc_sdp_state *st, struct rc_opts *o);
/* "SSRC=ADDR:PORT" (IPv6 as [ADDR]:PORT) for --feedback; 0 or -1. */
int rc_parse_feedback(const char *s, struct rc_fbaddr *fb);
/* The JSON config (agora-format.md 4.10) in text: Recording_Dir into dir;
 * other keys in *warn (the last one).  0, or -1 with err (AG_EX_DATAERR). */
int rc_cfg_parse(const char *text, size_t len, const char *name, char *dir, size_t dirsize,
    struct ag_error *warn, struct ag_error *err);
/* --audioFormat's "aac" or "opus" (as written) into *fmt; 0 or -1. */
int rc_parse_audio_format(const char *s, enum rc_audio_format *fmt);
/* "ADDR[/PREFIX]", IPv4 or IPv6; 0 or -1. */
int rc_parse_allow(const char *s, struct rc_allow *a);
/* Is the source in one of o's --allow networks (true without any)?  A
 * v4-mapped IPv6 source (::ffff:a.b.c.d, an IPv4 sender on a dual-stack
 * socket) is in the IPv4 networks that hold a.b.c.d. */
bool rc_allowed(const struct rc_opts *o, const struct sockaddr_storage *from);
/* "HOST:PORT" or "[IPv6]:PORT", PORT 1..65534 (RTCP also takes PORT+1):
 * the host without brackets into host; 0 or -1. */
int rc_parse_listen(const char *s, char *host, size_t hostsize, int *port);

/*
 * A media frame on its way from a stream's depacketizer (ingest.c) to
 * the writers (session.c, raw.c, emit.c, files.c), passed as one pointer.
 * Everything in it is borrowed from the caller for the call.
 */
struct rc_frame {
	const struct ag_frame *fr;  /* the depacketizer's frame */
	const struct rc_ptmap *pm;  /* its stream's payload type */
	int channels;               /* what it was coded with (rc_frame_channels) */
	int64_t t;                  /* channel time, ms */
	int64_t t90;                /* the same on a 90 kHz channel clock (exact for video) */
	int64_t dur_ms;             /* how long it lasts */
	const uint8_t *vconf;       /* H.264 / H.265 key frame: its decoder configuration
	                               record (avcC / hvcC); else NULL */
	size_t vconf_len;           /* 0: none */
	uint32_t ssrc;              /* its stream */
	int audio_level;            /* its packet's RFC 6464 level (0..127), -1: none */
};

/* Can a video file (or raw video file) start with fm: a key frame of a
 * known size, with its avcC or hvcC when the codec has one? */
bool rc_frame_starts_video(const struct rc_frame *fm);

#endif
