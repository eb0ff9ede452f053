/*
 * mixdraw.c - micro-benchmark of agrec-mix's compositor: the time to
 * compose one 640x360 canvas frame (background fill + 4 best-fit regions
 * of 320x180) from sources of several sizes, and one frame of the default
 * 360x640 canvas in the floating layout with 4 users (the first user
 * cropped to the whole canvas, 3 tiles of 84x84), in ns per canvas frame
 * (the best of 5 runs of 400 frames: the machine may be busy).
 * Not a test; not installed.  Build and run from the top directory:
 *
 *   cc -O2 -std=c11 -D_GNU_SOURCE -iquote libcommon -iquote cmd \
 *       -o build/mixdraw bench/mixdraw.c cmd/mix/compose.c libcommon/clock.c -lm && \
 *       build/mixdraw
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "clock.h"
#include "mix/compose.h"

static void
pattern(struct mx_frame *f)
{
	int x, y;

	for (y = 0; y < f->h; y++)
		for (x = 0; x < f->w; x++)
			f->y[y * f->ys + x] = (uint8_t)(x * 7 + y * 3);
	for (y = 0; y < (f->h + 1) / 2; y++)
		for (x = 0; x < (f->w + 1) / 2; x++) {
			f->u[y * f->us + x] = (uint8_t)(x + y);
			f->v[y * f->vs + x] = (uint8_t)(x - y);
		}
}

/* ns per canvas frame for 4 regions drawn from a sw x sh source. */
static double
run(int sw, int sh, int mode, double alpha, int frames)
{
	struct mx_frame *canvas = mx_frame_new(640, 360), *src = mx_frame_new(sw, sh);
	struct mx_rect r[4] = {
		{ 0, 0, 320, 180 }, { 320, 0, 320, 180 }, { 0, 180, 320, 180 }, { 320, 180, 320, 180 }
	};
	double t0, t, best;
	int i, k, rep;

	if (canvas == NULL || src == NULL)
		exit(1);
	pattern(src);
	best = 1e30;
	for (rep = 0; rep < 5; rep++) {
		t0 = (double)ag_mono_us();
		for (i = 0; i < frames; i++) {
			mx_frame_fill(canvas, MX_DEFAULT_BG);
			for (k = 0; k < 4; k++)
				mx_draw(canvas, &r[k], src, mode, alpha);
		}
		t = ((double)ag_mono_us() - t0) * 1e3 / frames;
		best = t < best ? t : best;
	}
	t = best;
	mx_frame_free(canvas);
	mx_frame_free(src);
	return t;
}

/* ns per 360x640 floating-layout frame of 4 users with sw x sh sources. */
static double
run_floating(int sw, int sh, int frames)
{
	struct mx_frame *canvas = mx_frame_new(360, 640), *src = mx_frame_new(sw, sh);
	struct mx_rect r[4] = {
		{ 0, 0, 360, 640 }, { 4, 550, 84, 84 }, { 92, 550, 84, 84 }, { 182, 550, 84, 84 }
	};
	double t0, t, best;
	int i, k, rep;

	if (canvas == NULL || src == NULL)
		exit(1);
	pattern(src);
	best = 1e30;
	for (rep = 0; rep < 5; rep++) {
		t0 = (double)ag_mono_us();
		for (i = 0; i < frames; i++) {
			mx_frame_fill(canvas, MX_DEFAULT_BG);
			for (k = 0; k < 4; k++)
				mx_draw(canvas, &r[k], src, MX_RENDER_CROP, 1.0);
		}
		t = ((double)ag_mono_us() - t0) * 1e3 / frames;
		best = t < best ? t : best;
	}
	t = best;
	mx_frame_free(canvas);
	mx_frame_free(src);
	return t;
}

int
main(void)
{
	static const struct { int w, h, mode; double alpha; const char *what; } cases[] = {
		{ 320, 180, MX_RENDER_CROP, 1.0, "320x180 sources (exact copy)" },
		{ 640, 360, MX_RENDER_CROP, 1.0, "640x360 sources, crop (2:1 down)" },
		{ 360, 640, MX_RENDER_CROP, 1.0, "360x640 sources, crop" },
		{ 360, 640, MX_RENDER_FIT, 1.0, "360x640 sources, fit" },
		{ 1280, 720, MX_RENDER_CROP, 1.0, "1280x720 sources, crop (4:1 down)" },
		{ 160, 90, MX_RENDER_CROP, 1.0, "160x90 sources, crop (1:2 up)" },
		{ 640, 360, MX_RENDER_CROP, 0.5, "640x360 sources, crop, alpha 0.5" },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		printf("640x360 2x2, %-36s %8.0f ns/frame\n", cases[i].what,
		    run(cases[i].w, cases[i].h, cases[i].mode, cases[i].alpha, 400));
	printf("%-48s %8.0f ns/frame\n", "360x640 floating, 360x640 sources",
	    run_floating(360, 640, 400));
	printf("%-48s %8.0f ns/frame\n", "360x640 floating, 640x360 sources",
	    run_floating(640, 360, 400));
	return 0;
}
