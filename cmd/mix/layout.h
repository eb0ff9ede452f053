/*
 * layout.h - agrec-mix's video layouts: the SDK's built-in floating (0),
 * best-fit (1) and vertical (2) layouts (agora-format.md §5.2, formulas
 * and agrec's choices in §5.3), and custom layouts read from a JSON file
 * with the setVideoMixingLayout fields, documented in agrec-layout(5).
 *
 * A layout is in fractions of the canvas; mx_region_rect() turns a
 * region into even pixel rectangles for yuv420p.  Nothing here prints or
 * exits: errors come back in struct ag_error (AG_EX_DATAERR for a bad
 * layout file, with "FILE:LINE: regions[2].x: 1.2 is outside 0..1"
 * messages; AG_EX_IOERR "cannot open FILE: why" when it cannot be read).
 */
#ifndef MIX_LAYOUT_H
#define MIX_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "mix/watermark.h"

enum mx_render_mode {
	MX_RENDER_CROP = 0,   /* "hidden": scale to fill the region, crop the overflow */
	MX_RENDER_FIT = 1     /* scale to fit inside the region, background around */
};

struct mx_region {
	bool has_uid;          /* false: filled by the next unplaced user in join order */
	uint32_t uid;
	double x, y, w, h;     /* fractions of the canvas, 0..1, x+w <= 1, y+h <= 1 */
	int z;                 /* zOrder 0..100, 0 at the bottom */
	double alpha;          /* 0..1 */
	int render_mode;       /* enum mx_render_mode */
};

struct mx_layout {
	int canvas_w, canvas_h;   /* 0 in a custom layout that leaves it to --mixResolution */
	bool has_bg;              /* backgroundColor given */
	uint32_t bg_rgb;          /* 0xRRGGBB */
	size_t n;
	struct mx_region *regions;   /* new: freed by mx_layout_free() */
	size_t nwms;
	struct ag_wm_spec *wms;      /* "watermarks", new: freed by mx_layout_free() */
};

/* Pixel rectangle, every value even (yuv420p). */
struct mx_rect {
	int x, y, w, h;
};

/* The SDK sample's background colour, #23b9dc. */
#define MX_DEFAULT_BG 0x23b9dcu

/*
 * The built-in layout mode (0, 1, 2, 3) for the users uids[0..n-1] in join
 * order on a W x H canvas; has_max/max_uid is --maxResolutionUid for
 * mode 2, and the main region's user (the active speaker) for mode 3,
 * which places users as mode 2 does.  The layout has the canvas size and has_bg with MX_DEFAULT_BG;
 * regions have zOrder 0, alpha 1, and render mode crop (fit for the large
 * vertical region).  Every region has has_uid set.  Regions that cannot be shown
 * (floating rows above the canvas, best-fit users after the 17th,
 * vertical small users after the 16th) are left out and counted in
 * *dropped (may be NULL), so the caller can warn.  Returns 0, or -1 with
 * err (AG_EX_USAGE) for an unknown mode.
 */
int mx_layout_builtin(int mode, const uint32_t *uids, size_t n, int W, int H,
                       bool has_max, uint32_t max_uid, struct mx_layout *out,
                       size_t *dropped, struct ag_error *err);

/*
 * Parse a custom layout (agrec-layout(5)) from text of len bytes; name is
 * the file name used in messages.  Every region is checked: fractions in
 * 0..1 with x+w <= 1 and y+h <= 1, zOrder 0..100, alpha clamped to 0..1
 * (with a warning in *warn, may be NULL), renderMode 0 crop, 1 and 2 fit,
 * other values crop with a warning.  "watermarks" are checked as
 * agrec-layout(5) says (their files are opened later, by mx_wm_new()).
 * Unknown keys are errors.  Returns 0,
 * or -1 with err (AG_EX_DATAERR) naming the line and the field.  When
 * there were warnings, warn->code is AG_EX_DATAERR and warn->msg holds
 * them, each "FILE:LINE: field: what", joined with "; " (code 0 and ""
 * when none).  On failure *out is empty (n 0, regions NULL).
 */
int mx_layout_parse(const char *text, size_t len, const char *name,
                     struct mx_layout *out, struct ag_error *warn,
                     struct ag_error *err);

/* mx_layout_parse() of the file at path. */
int mx_layout_load(const char *path, struct mx_layout *out,
                    struct ag_error *warn, struct ag_error *err);

/*
 * The layout to draw now: a copy of custom in which every region without
 * a uid gets the next present user (uids[0..n-1], join order) not named
 * by another region, and regions of absent users are kept (they show the
 * background or the user's placeholder).  The watermarks are not copied
 * (out has none).  Returns 0 or -1 on ENOMEM.
 */
int mx_layout_assign(const struct mx_layout *custom, const uint32_t *uids,
                      size_t n, struct mx_layout *out);

/* Region r on a W x H canvas: (round(x*W), round(y*H), round(w*W),
 * round(h*H)), each rounded down to even, clipped to the canvas. */
void mx_region_rect(const struct mx_region *r, int W, int H, struct mx_rect *out);

/* Free the regions and watermarks of l and zero it.  NULL is fine. */
void mx_layout_free(struct mx_layout *l);

#endif
