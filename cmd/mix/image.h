/*
 * image.h - agrec-mix's still images (--defaultVideoBg, --defaultUserBg,
 * image watermarks): a JPEG or PNG decoded by an ffmpeg child into an
 * I420 frame, or into RGBA for a watermark.
 */
#ifndef MIX_IMAGE_H
#define MIX_IMAGE_H

#include "err.h"
#include "mix/compose.h"

/*
 * Decode the image at path with the ffmpeg program ffmpeg (a path or a
 * name on PATH, e.g. from ag_ff_find()) into *out (new: free it with
 * mx_frame_free()).  w, h > 0 scale it to exactly w x h (the canvas
 * background); w = h = 0 keep its size, rounded down to even (a user's
 * placeholder, later drawn with mx_draw()).  Only the first frame of an
 * animated image is used.  Returns 0, or -1 with err: AG_EX_IOERR when
 * the file cannot be opened ("cannot open FILE: why"), AG_EX_DATAERR when
 * ffmpeg cannot decode it, AG_EX_UNAVAILABLE when ffmpeg cannot be run,
 * AG_EX_USAGE for a bad size.
 */
int mx_image_load(const char *ffmpeg, const char *path, int w, int h,
                   struct mx_frame **out, struct ag_error *err);

/*
 * The same for a watermark, keeping the alpha channel: *rgba (new,
 * free()) holds *ow x *oh pixels of R, G, B, A bytes (full-range RGB, A
 * 255 opaque; 255 everywhere for a JPEG).  w, h > 0 scale to w x h; one
 * of them 0 scales to the other keeping the aspect ratio; both 0 keep
 * the size.  Errors as mx_image_load().
 */
int mx_image_load_rgba(const char *ffmpeg, const char *path, int w, int h, uint8_t **rgba,
                        int *ow, int *oh, struct ag_error *err);

#endif
