/*
 * mixres.h - the composite canvas, --mixResolution W,H,FPS,KBPS: its
 * syntax and bounds, once for agrec-record (which checks the value
 * before it hands it on) and agrec-mix (which encodes with it), so that
 * a value one accepts the other never refuses.
 *
 * The bounds are what agrec-mix's encoder (libx264 in MP4) holds: sizes
 * 16..7680 by 16..4320, 1 to 120 frames a second (the SDK's converter
 * clamps its rate to 120 too), and 10 to 100000 kb/s (below 10 kb/s
 * libx264 cannot keep the rate: its VBV underflows).
 */
#ifndef AG_MIXRES_H
#define AG_MIXRES_H

#include "err.h"

#define AG_MIXRES_W_MIN     16
#define AG_MIXRES_W_MAX     7680
#define AG_MIXRES_H_MIN     16
#define AG_MIXRES_H_MAX     4320
#define AG_MIXRES_FPS_MIN   1
#define AG_MIXRES_FPS_MAX   120
#define AG_MIXRES_KBPS_MIN  10
#define AG_MIXRES_KBPS_MAX  100000
/* The canvas without --mixResolution (the SDK's 360,640,15,500). */
#define AG_MIXRES_DEFAULT_W     360
#define AG_MIXRES_DEFAULT_H     640
#define AG_MIXRES_DEFAULT_FPS   15
#define AG_MIXRES_DEFAULT_KBPS  500

struct ag_mixres {
	int width, height;      /* as given; agrec-mix rounds them down to even */
	int fps;
	int kbps;               /* the video bit rate */
};

/*
 * Parse "W,H,FPS,KBPS": exactly four decimal integers separated by
 * single commas, each within its bounds.  Returns 0 and fills out, or -1
 * with err (AG_EX_USAGE) saying what is wrong, without the option name.
 */
int ag_mixres_parse(const char *s, struct ag_mixres *out, struct ag_error *err);

#endif
