/*
 * wmdraw.c - micro-benchmark of agrec-mix's watermarks (cmd/mix/
 * watermark.c): the CPU time (CLOCK_PROCESS_CPUTIME_ID, so a busy machine
 * does not count) of mx_wm_draw() on a 640x360 canvas per frame, for a
 * text, a timestamp whose text changes every frame (15 fps, %L), an image
 * (IMAGE, argv[1], decoded once by ffmpeg), and the three together, the
 * best of 5 runs of 600 frames, in microseconds.  Not a test; not
 * installed: make build/wmdraw, then build/wmdraw IMAGE (bench/mix).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mix/compose.h"
#include "mix/watermark.h"

static double
cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* us per frame of drawing specs[0..n-1], or -1 when they cannot be prepared. */
static double
run(const struct ag_wm_spec *specs, size_t n, int frames)
{
	struct mx_frame *canvas = mx_frame_new(640, 360);
	struct mx_wm *wm;
	struct ag_error err;
	double t0, t, best = 1e30;

	if (canvas == NULL || mx_wm_new(specs, n, 640, 360, "ffmpeg", &wm, &err) < 0) {
		fprintf(stderr, "wmdraw: %s\n", canvas == NULL ? "out of memory" : err.msg);
		mx_frame_free(canvas);
		return -1;
	}
	mx_frame_fill(canvas, 0x808080);
	for (int rep = 0; rep < 5; rep++) {
		t0 = cpu_us();
		for (int i = 0; i < frames; i++)
			mx_wm_draw(wm, canvas, 1709288100120LL + (int64_t)(rep * frames + i) * 1000 / 15);
		t = (cpu_us() - t0) / frames;
		best = t < best ? t : best;
	}
	mx_wm_free(wm);
	mx_frame_free(canvas);
	return best;
}

int
main(int argc, char **argv)
{
	struct ag_wm_spec s[3];
	static const char *const names[] = { "text", "image", "timestamp" };
	double t;

	memset(s, 0, sizeof s);
	for (int k = 0; k < 3; k++) {
		s[k].kind = k;
		s[k].font_px = k == AG_WM_TEXT ? 28 : AG_WM_DEFAULT_FONT_PX;
		s[k].rgb = 0xffffff;
		s[k].alpha = k == AG_WM_IMAGE ? 0.8 : 1;
		s[k].bad_code = 1;
		snprintf(s[k].what, sizeof s[k].what, "%s", names[k]);
	}
	s[0].text = (char *)"agrec watermark bench";
	s[0].x = 16; s[0].y = 12;
	s[1].file = argc > 1 ? argv[1] : NULL;
	s[1].x = 496; s[1].y = 12;
	s[2].text = (char *)AG_WM_DEFAULT_TIME_FORMAT;
	s[2].x = 16; s[2].y = 320;
	for (int k = 0; k < 3; k++) {
		if (k == AG_WM_IMAGE && argc < 2)
			continue;
		if ((t = run(&s[k], 1, 600)) < 0)
			return 1;
		printf("wmdraw: 640x360 canvas, %s watermark: %.1f us per frame\n", names[k], t);
	}
	if (argc > 1) {
		if ((t = run(s, 3, 600)) < 0)
			return 1;
		printf("wmdraw: 640x360 canvas, text + image + timestamp: %.1f us per frame\n", t);
	}
	return 0;
}
