/*
 * compose.h - agrec-mix's compositor and audio mixer, in plain C on
 * I420 frames and 48 kHz s16 samples: scaling into a region (crop or
 * fit, keeping the aspect ratio), alpha blending, z-order (the caller
 * draws regions in order), the background colour, and the saturating
 * audio sum.  No allocation in the per-frame paths except where noted.
 */
#ifndef MIX_COMPOSE_H
#define MIX_COMPOSE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "mix/layout.h"

/* An I420 frame: Y is w x h, U and V are (w+1)/2 x (h+1)/2. */
struct mx_frame {
	int w, h;
	uint8_t *y, *u, *v;
	int ys, us, vs;            /* strides in bytes */
};

/* New w x h frame in one allocation, black; NULL on ENOMEM or a bad size.
 * Its planes are packed and contiguous from y (the ag_stream_i420_size()
 * bytes of a packed I420 frame), so it can be written out in one go. */
struct mx_frame *mx_frame_new(int w, int h);
void mx_frame_free(struct mx_frame *f);

/* Wrap a packed I420 buffer (ag_stream_i420_size(w, h) bytes, borrowed). */
void mx_frame_wrap(struct mx_frame *f, int w, int h, uint8_t *buf);

/* RGB 0xRRGGBB to BT.601 limited-range Y, U, V (what ffmpeg's color
 * source and rgb24->yuv420p conversion give). */
void mx_rgb_to_yuv(uint32_t rgb, uint8_t *y, uint8_t *u, uint8_t *v);

/* Fill the whole frame, or rectangle r of it, with one colour. */
void mx_frame_fill(struct mx_frame *f, uint32_t rgb);
void mx_frame_fill_rect(struct mx_frame *f, const struct mx_rect *r, uint32_t rgb);

/* Copy src over dst (same size). */
void mx_frame_copy(struct mx_frame *dst, const struct mx_frame *src);

/*
 * Draw src into rectangle r of dst: MX_RENDER_CROP scales src to cover
 * r and crops the centred overflow; MX_RENDER_FIT scales it to fit in r,
 * centred, and leaves the rest of r untouched (the caller has drawn the
 * background).  Bilinear scaling; a source of exactly r's size is copied.
 * alpha 1 replaces, 0 leaves dst as it was, between blends
 * (dst*(1-a) + src*a, rounded, with a in steps of 1/256).  Bilinear
 * weights are in 1/256 too, rounded once.  r may be odd or reach outside
 * dst (clipped); no allocation.
 */
void mx_draw(struct mx_frame *dst, const struct mx_rect *r,
              const struct mx_frame *src, int render_mode, double alpha);

/*
 * out[i] = saturate(sum over k of in[k][i]) for i < nsamples; in[k] NULL
 * is silence (an absent or muted user).  Interleaved samples: nsamples
 * counts every channel's samples.
 */
void mx_audio_sum(int16_t *out, const int16_t *const *in, size_t nin, size_t nsamples);

#endif
