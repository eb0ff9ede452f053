/*
 * watermark.h - watermarks on agrec-mix's composite, as the Agora 3.x
 * recorder's watermark configs (litera, image, timestamp): text drawn
 * with FreeType from a font file, a PNG or JPEG with its alpha channel
 * (decoded by an ffmpeg child, image.c), and a running wall-clock time.
 * They come from the layout JSON's "watermarks" (agrec-layout(5)) and
 * from --watermark* options (agrec-mix(1)), and are drawn over the
 * users' video, in order, on the I420 canvas.
 *
 * Boxes are in canvas pixels, as the SDK's offset_x, offset_y, wm_width
 * and wm_height.  This header includes no other mix header: layout.h
 * holds the specs a layout file gives.  The specs, option parsers and
 * text rules are in wmspec.c, without FreeType (the layout reader and
 * its fuzz harness use them); the drawing is in watermark.c.
 */
#ifndef MIX_WATERMARK_H
#define MIX_WATERMARK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum mx_wm_kind {
	MX_WM_TEXT = 0,       /* the SDK's litera watermark */
	MX_WM_IMAGE = 1,
	MX_WM_TIMESTAMP = 2
};

/* Debian's fonts-dejavu-core. */
#define MX_WM_DEFAULT_FONT "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#define MX_WM_DEFAULT_FONT_PX 24
#define MX_WM_DEFAULT_COLOR 0xffffffu
#define MX_WM_DEFAULT_TIME_FORMAT "%Y-%m-%d %H:%M:%S.%L"
#define MX_WM_MAX 16            /* watermarks in one layout */
#define MX_WM_MAX_TEXT 1024     /* bytes of a text or a time format */
#define MX_WM_MIN_FONT_PX 4
#define MX_WM_MAX_FONT_PX 512

/* One watermark as given (by a layout or the options). */
struct mx_wm_spec {
	int kind;                /* enum mx_wm_kind */
	char *text;              /* new: text (UTF-8), or a timestamp's format; NULL for images */
	char *file;              /* new: font file (NULL: MX_WM_DEFAULT_FONT), or the image */
	int font_px;             /* text and timestamp: pixels per em */
	uint32_t rgb;            /* text and timestamp colour, 0xRRGGBB */
	double alpha;            /* 0..1, multiplies the coverage or the image's alpha */
	bool local_time;         /* timestamp: local time instead of UTC */
	int x, y, w, h;          /* box in canvas pixels; w or h 0: see agrec-layout(5) */
	char what[128];          /* "FILE: watermarks[1]" or "--watermarkText", for messages */
	int bad_code;            /* exit class of a bad value: AG_EX_DATAERR, AG_EX_USAGE */
};

/* The --watermark* options (opts.c fills it, mx_wm_opts_specs() reads it). */
struct mx_wm_opts {
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
void mx_wm_opts_init(struct mx_wm_opts *o);

/*
 * The watermarks the options give, text then image then timestamp, into
 * out[0..*n) (at most 3; each spec's strings new: mx_wm_spec_clear()).
 * Returns 0, or -1 on ENOMEM.
 */
int mx_wm_opts_specs(const struct mx_wm_opts *o, struct mx_wm_spec *out, size_t *n);

/* "X,Y,W,H" of canvas pixels (0..7680 each) for option opt into r[4].
 * 0, or -1 with err (AG_EX_USAGE). */
int mx_wm_parse_rect(const char *opt, const char *s, int r[4], struct ag_error *err);

/* A number 0..1 (decimal, nothing around it) for opt.  0, or -1 with err
 * (AG_EX_USAGE). */
int mx_wm_parse_alpha(const char *opt, const char *s, double *out, struct ag_error *err);

/* Free the strings of s and zero it.  NULL is fine. */
void mx_wm_spec_clear(struct mx_wm_spec *s);

/* Deep copy of src into dst: 0, or -1 on ENOMEM (dst zeroed). */
int mx_wm_spec_copy(struct mx_wm_spec *dst, const struct mx_wm_spec *src);

/*
 * Whether s is valid UTF-8 (no overlong forms, no surrogates, at most
 * U+10FFFF).  On false, *bad is the offset of the first bad byte.
 */
bool mx_wm_utf8_valid(const char *s, size_t *bad);

/*
 * The timestamp text of wall time wall_ms (ms since the Unix epoch) in
 * format fmt: strftime(3) conversions, plus %L for the milliseconds
 * (000..999), in UTC or local time; into buf of size bytes.  Returns
 * the length, or -1 when the result does not fit.
 */
int mx_wm_format_time(const char *fmt, int64_t wall_ms, bool local_time, char *buf,
    size_t size);

struct mx_frame;
/* The watermarks ready to draw: fonts open, images decoded, text masks. */
struct mx_wm;

/*
 * Prepare specs[0..n-1] for a W x H canvas into *out (new:
 * mx_wm_free()): fonts opened with FreeType (checked by rendering the
 * text once), images decoded with ffmpeg (a path or a name on PATH) and
 * scaled to their box.  n 0 gives *out NULL.  Returns 0, or -1 with err
 * naming the spec's what: AG_EX_NOINPUT for a missing font or image
 * file, AG_EX_DATAERR for a file FreeType or ffmpeg cannot read (or bad
 * UTF-8), the spec's bad_code for a box outside the canvas or a bad
 * time format, AG_EX_UNAVAILABLE when ffmpeg cannot be run.
 */
int mx_wm_new(const struct mx_wm_spec *specs, size_t n, int W, int H, const char *ffmpeg,
    struct mx_wm **out, struct ag_error *err);

/*
 * Draw every watermark over f (the canvas mx_wm_new() was given), in
 * order.  wall_ms is the frame's wall time (ms since the Unix epoch): a
 * timestamp whose text changed is rendered again (its glyphs are
 * cached).  No allocation.
 */
void mx_wm_draw(struct mx_wm *wm, struct mx_frame *f, int64_t wall_ms);

void mx_wm_free(struct mx_wm *wm);

#endif
