/*
 * cli.h - the command-line values of every agrec program: one table of
 * bounds (ag_cli_bounds[]) and the parsers of numbers, sizes (WxH),
 * intervals and --mixResolution (mixres.h) that check against it, so
 * that a bound or a message is written once.
 *
 * The parsers report; they never print or exit: a refused value comes
 * back as -1 with err (AG_EX_USAGE) holding one line that starts with
 * the option as the caller names it ("--idle", "-p"), in one wording:
 *
 *     OPT: 'VALUE': not a whole number[ of UNIT] in MIN..MAX
 */
#ifndef AG_CLI_H
#define AG_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "mixres.h"

/* The kinds of value, each an index of ag_cli_bounds[]. */
enum ag_cli_kind {
	AG_CLI_BOOL,            /* 0|1 flags of the recorder's names */
	AG_CLI_UID,             /* a uid, 0..4294967295 */
	AG_CLI_UID_OR_UNSET,    /* a uid, or -1: the recorder's "unset" */
	AG_CLI_PORT_LOW,        /* --lowUdpPort: RTCP takes P+1 */
	AG_CLI_PORT_HIGH,       /* --highUdpPort */
	AG_CLI_PORT,            /* a UDP port that is not 0 (replay's HOST:PORT) */
	AG_CLI_AUDIO_FRAME,     /* --getAudioFrame */
	AG_CLI_VIDEO_FRAME,     /* --getVideoFrame */
	AG_CLI_MIXED_VA,        /* --mixedVideoAudio */
	AG_CLI_LAYOUT_MODE,     /* --layoutMode: 0..2 the SDK's, 3 active speaker */
	AG_CLI_AUDIO_PROFILE,   /* --audioProfile (values above 2 are 2) */
	AG_CLI_LOG_LEVEL,       /* --logLevel (clamped to 1..6 by the recorder) */
	AG_CLI_IDLE,            /* --idle, seconds */
	AG_CLI_LEAVE,           /* --leave-timeout, seconds */
	AG_CLI_REC_CAPTURE,     /* agrec-record --captureInterval, seconds */
	AG_CLI_CAPTURE,         /* agrec-capture --captureInterval, seconds */
	AG_CLI_QUALITY,         /* agrec-capture --quality (ffmpeg -q:v) */
	AG_CLI_SNAP_SIZE,       /* agrec-capture --size sides, pixels */
	AG_CLI_LATENCY,         /* agrec-mix --latency, ms */
	AG_CLI_SPEAKER_HOLD,    /* agrec-mix --speakerHold, ms */
	AG_CLI_CV_MODE,         /* agrec-convert -m */
	AG_CLI_CV_FPS,          /* agrec-convert -p as given (then clamped to 5..120) */
	AG_CLI_CV_SIZE,         /* agrec-convert -r sides, pixels; 0 0 = automatic */
	AG_CLI_JOBS,            /* agrec-convert -j */
	AG_CLI_MIX_W,           /* --mixResolution fields (mixres.h) */
	AG_CLI_MIX_H,
	AG_CLI_MIX_FPS,
	AG_CLI_MIX_KBPS,
	AG_CLI_BENCH_SECONDS,   /* agrec-replay capture --seconds */
	AG_CLI_BENCH_SEND_SECONDS, /* agrec-replay send --seconds */
	AG_CLI_BENCH_USERS,     /* agrec-replay send --participants */
	AG_CLI_MAX_BITRATE,     /* agrec-record --maxBitrate, kb/s */
	AG_CLI_MAX_PUBLISHERS,  /* agrec-record --maxPublishers */
	AG_CLI_WM_FONT_SIZE,    /* --watermarkFontSize (mix, record), pixels */
	AG_CLI_WM_PX,           /* --watermark*Rect fields (mix, record), pixels */
	AG_CLI_INDICATION,      /* agrec-record --audioIndicationInterval, ms (1..9 refused apart) */
	AG_CLI_NKINDS
};

struct ag_cli_bound {
	long min, max;
	const char *unit;       /* "seconds", ... for the message, or NULL */
};

/* The bounds of every kind, indexed by enum ag_cli_kind. */
extern const struct ag_cli_bound ag_cli_bounds[AG_CLI_NKINDS];

/*
 * Parse s (borrowed) as a decimal integer within the bounds of kind.
 * opt (borrowed) names the option in the message.  Returns 0 and sets
 * *out, or -1 with err (AG_EX_USAGE).
 */
int ag_cli_num(const char *opt, const char *s, enum ag_cli_kind kind, long *out,
    struct ag_error *err);

/*
 * An interval: a whole number of seconds within the bounds of kind,
 * returned in milliseconds.  Returns 0, or -1 with err (AG_EX_USAGE).
 */
int ag_cli_interval_ms(const char *opt, const char *s, enum ag_cli_kind kind, long *ms,
    struct ag_error *err);

/*
 * A size "WxH": two decimal integers separated by one lower-case 'x',
 * nothing else (no sign, no space), each within the bounds of kind.
 * Returns 0 and sets *w, *h, or -1 with err (AG_EX_USAGE) naming opt
 * (borrowed) and the bounds.
 */
int ag_cli_size(const char *opt, const char *s, enum ag_cli_kind kind, int *w, int *h,
    struct ag_error *err);

/*
 * A uid (0..4294967295, decimal) added to list[0..*n) of at most max
 * entries (a repeatable --uid or --exclude).  Returns 0, or -1 with err
 * (AG_EX_USAGE) naming opt: not a uid, or the list is full.
 */
int ag_cli_uid_add(const char *opt, const char *s, uint32_t *list, size_t *n, size_t max,
    struct ag_error *err);

/*
 * --mixResolution W,H,FPS,KBPS within AG_CLI_MIX_*: ag_mixres_parse()
 * (mixres.h), with the option's name in front of its message.
 * Returns 0, or -1 with err (AG_EX_USAGE).
 */
int ag_cli_mixres(const char *opt, const char *s, struct ag_mixres *out, struct ag_error *err);

#endif
