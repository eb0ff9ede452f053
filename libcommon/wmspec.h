/*
 * wmspec.h - what a watermark is, apart from drawing it: the specs the
 * Agora 3.x recorder's watermark configs give (litera, image,
 * timestamp), the --watermark* options of agrec-mix and agrec-record
 * (cmd/fe spells them: FE_LONGOPTS_WM, fe_wm_opt), their value parsers,
 * and the UTF-8 and time-format rules.  No FreeType here: agrec-mix
 * draws (cmd/mix/watermark.c), agrec-record only checks the values at
 * its start and passes them on, and the layout reader and its fuzz
 * harness need nothing that draws.
 *
 * Boxes are in canvas pixels, as the SDK's offset_x, offset_y, wm_width
 * and wm_height.
 */
#ifndef AG_WMSPEC_H
#define AG_WMSPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum ag_wm_kind {
	AG_WM_TEXT = 0,       /* the SDK's litera watermark */
	AG_WM_IMAGE = 1,
	AG_WM_TIMESTAMP = 2
};

/* Debian's fonts-dejavu-core. */
#define AG_WM_DEFAULT_FONT "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#define AG_WM_DEFAULT_FONT_PX 24
#define AG_WM_DEFAULT_COLOR 0xffffffu
#define AG_WM_DEFAULT_TIME_FORMAT "%Y-%m-%d %H:%M:%S.%L"
#define AG_WM_MAX 16            /* watermarks in one layout */
#define AG_WM_MAX_TEXT 1024     /* bytes of a text or a time format */
#define AG_WM_MIN_FONT_PX 4
#define AG_WM_MAX_FONT_PX 512

/* One watermark as given (by a layout or the options). */
struct ag_wm_spec {
	int kind;                /* enum ag_wm_kind */
	char *text;              /* new: text (UTF-8), or a timestamp's format; NULL for images */
	char *file;              /* new: font file (NULL: AG_WM_DEFAULT_FONT), or the image */
	int font_px;             /* text and timestamp: pixels per em */
	uint32_t rgb;            /* text and timestamp colour, 0xRRGGBB */
	double alpha;            /* 0..1, multiplies the coverage or the image's alpha */
	bool local_time;         /* timestamp: local time instead of UTC */
	int x, y, w, h;          /* box in canvas pixels; w or h 0: see agrec-layout(5) */
	char what[128];          /* "FILE: watermarks[1]" or "--watermarkText", for messages */
	int bad_code;            /* exit class of a bad value: AG_EX_DATAERR, AG_EX_USAGE */
};

/* The --watermark* options (opts.c fills it, ag_wm_opts_specs() reads it). */
struct ag_wm_opts {
	const char *text;        /* --watermarkText, or NULL */
	const char *image;       /* --watermarkImage, or NULL */
	bool timestamp;          /* --watermarkTimestamp 1 */
	int rect[3][4];          /* --watermark{Text,Image,Timestamp}Rect X,Y,W,H */
	const char *font;        /* --watermarkFont, or NULL */
	int font_px;             /* --watermarkFontSize */
	uint32_t rgb;            /* --watermarkColor */
	double alpha;            /* --watermarkAlpha */
	const char *time_format; /* --watermarkTimeFormat, or NULL */
	bool local_time;         /* --watermarkLocalTime 1 */
};

/* Defaults of the options: size 24, white, alpha 1, boxes at 0,0 with
 * w, h 0, UTC. */
void ag_wm_opts_init(struct ag_wm_opts *o);

/*
 * The watermarks the options give, text then image then timestamp, into
 * out[0..*n) (at most 3; each spec's strings new: ag_wm_spec_clear()).
 * Returns 0, or -1 on ENOMEM.
 */
int ag_wm_opts_specs(const struct ag_wm_opts *o, struct ag_wm_spec *out, size_t *n);

/* "X,Y,W,H" of canvas pixels (0..7680 each) for option opt into r[4].
 * 0, or -1 with err (AG_EX_USAGE). */
int ag_wm_parse_rect(const char *opt, const char *s, int r[4], struct ag_error *err);

/* A number 0..1 (decimal, nothing around it) for opt.  0, or -1 with err
 * (AG_EX_USAGE). */
int ag_wm_parse_alpha(const char *opt, const char *s, double *out, struct ag_error *err);

/* Free the strings of s and zero it.  NULL is fine. */
void ag_wm_spec_clear(struct ag_wm_spec *s);

/* Deep copy of src into dst: 0, or -1 on ENOMEM (dst zeroed). */
int ag_wm_spec_copy(struct ag_wm_spec *dst, const struct ag_wm_spec *src);

/*
 * Whether s is valid UTF-8 (no overlong forms, no surrogates, at most
 * U+10FFFF).  On false, *bad is the offset of the first bad byte.
 */
bool ag_wm_utf8_valid(const char *s, size_t *bad);

/*
 * The timestamp text of wall time wall_ms (ms since the Unix epoch) in
 * format fmt: strftime(3) conversions, plus %L for the milliseconds
 * (000..999), in UTC or local time; into buf of size bytes.  Returns
 * the length, or -1 when the result does not fit.
 */
int ag_wm_format_time(const char *fmt, int64_t wall_ms, bool local_time, char *buf,
    size_t size);

/*
 * The checks of s that need no file and no FreeType, as agrec-mix makes
 * them before drawing, for a W x H canvas (W or H 0: the box is not
 * checked): the box's x,y inside the canvas, a text or time format that
 * is not empty, at most AG_WM_MAX_TEXT bytes, valid UTF-8, and a time
 * format that gives some text.  Returns 0, or -1 with err (class
 * s->bad_code) naming s->what.
 */
int ag_wm_spec_check(const struct ag_wm_spec *s, int W, int H, struct ag_error *err);

/*
 * The specs of the options o (ag_wm_opts_specs) checked with
 * ag_wm_spec_check for a W x H canvas: agrec-record's start-up check of
 * what its agrec-mix child will be given.  0, or -1 with err.
 */
int ag_wm_opts_check(const struct ag_wm_opts *o, int W, int H, struct ag_error *err);

/* "#RRGGBB" or "RRGGBB" (--backgroundColor, --watermarkColor) for option
 * opt into *rgb (0xRRGGBB).  0, or -1 with err (AG_EX_USAGE). */
int ag_wm_parse_color(const char *opt, const char *s, uint32_t *rgb, struct ag_error *err);

#endif
