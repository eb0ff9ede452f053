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
 * text rules are in libcommon/wmspec.h, without FreeType (agrec-record,
 * the layout reader and its fuzz harness use them); the drawing is in
 * watermark.c.
 */
#ifndef MIX_WATERMARK_H
#define MIX_WATERMARK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "wmspec.h"

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
int mx_wm_new(const struct ag_wm_spec *specs, size_t n, int W, int H, const char *ffmpeg,
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
