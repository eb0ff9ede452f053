/*
 * fuzz_layout.c - agrec-mix's custom layout reader (cmd/mix/layout.h):
 * the input is a layout file for mx_layout_parse().  Whatever it
 * accepts must hold the documented properties (1 to 64 regions with
 * fractions in 0..1 that stay inside the canvas, zOrder 0..100, alpha
 * 0..1, a known render mode, even pixel rectangles inside the canvas,
 * distinct uids; watermarks of a known type with boxes in 0..7680, a
 * font size in 4..512, alpha 0..1, non-empty UTF-8 text and an image
 * file where their type needs them), survive mx_layout_assign(), and
 * every message must start with the file name and a line number.
 *
 * fuzz-sources: cmd/mix/layout.c
 */
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "mix/layout.h"

static void
check_message(const struct ag_error *e)
{
	const char *p = e->msg;

	FUZZ_ASSERT(memchr(e->msg, '\0', sizeof e->msg) != NULL);
	FUZZ_ASSERT(strncmp(p, "f.json:", 7) == 0);
	p += 7;
	FUZZ_ASSERT(*p >= '1' && *p <= '9');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t present[] = { 3, 1, 2, 7, 4000000000u };
	struct mx_layout l, a;
	struct ag_error err, warn;
	struct mx_rect px;
	size_t i, j;

	memset(&l, 0x5a, sizeof l);
	if (mx_layout_parse((const char *)data, size, "f.json", &l, &warn, &err) < 0) {
		FUZZ_ASSERT(err.code == AG_EX_DATAERR || err.code == AG_EX_FAIL);
		FUZZ_ASSERT(l.n == 0 && l.regions == NULL && l.nwms == 0 && l.wms == NULL);
		if (err.code == AG_EX_DATAERR)
			check_message(&err);
		return 0;
	}
	if (warn.code != 0)
		check_message(&warn);
	FUZZ_ASSERT(l.n >= 1 && l.n <= 64);
	FUZZ_ASSERT((l.canvas_w == 0) == (l.canvas_h == 0));
	FUZZ_ASSERT(l.bg_rgb <= 0xffffff);
	for (i = 0; i < l.n; i++) {
		const struct mx_region *r = &l.regions[i];

		FUZZ_ASSERT(r->x >= 0 && r->x <= 1 && r->y >= 0 && r->y <= 1);
		FUZZ_ASSERT(r->w >= 0 && r->w <= 1 && r->h >= 0 && r->h <= 1);
		FUZZ_ASSERT(r->x + r->w <= 1 + 1e-6 && r->y + r->h <= 1 + 1e-6);
		FUZZ_ASSERT(r->z >= 0 && r->z <= 100);
		FUZZ_ASSERT(r->alpha >= 0 && r->alpha <= 1);
		FUZZ_ASSERT(r->render_mode == MX_RENDER_CROP || r->render_mode == MX_RENDER_FIT);
		for (j = 0; j < i; j++)
			FUZZ_ASSERT(!(r->has_uid && l.regions[j].has_uid && r->uid == l.regions[j].uid));
		mx_region_rect(r, 641, 359, &px);
		FUZZ_ASSERT(px.x % 2 == 0 && px.y % 2 == 0 && px.w % 2 == 0 && px.h % 2 == 0);
		FUZZ_ASSERT(px.x >= 0 && px.y >= 0 && px.w >= 0 && px.h >= 0);
		FUZZ_ASSERT(px.x + px.w <= 641 && px.y + px.h <= 359);
	}
	FUZZ_ASSERT(l.nwms <= AG_WM_MAX);
	for (i = 0; i < l.nwms; i++) {
		const struct ag_wm_spec *w = &l.wms[i];

		FUZZ_ASSERT(w->kind == AG_WM_TEXT || w->kind == AG_WM_IMAGE ||
		    w->kind == AG_WM_TIMESTAMP);
		FUZZ_ASSERT(w->x >= 0 && w->x <= 7680 && w->y >= 0 && w->y <= 7680);
		FUZZ_ASSERT(w->w >= 0 && w->w <= 7680 && w->h >= 0 && w->h <= 7680);
		FUZZ_ASSERT(w->font_px >= AG_WM_MIN_FONT_PX && w->font_px <= AG_WM_MAX_FONT_PX);
		FUZZ_ASSERT(w->alpha >= 0 && w->alpha <= 1 && w->rgb <= 0xffffff);
		FUZZ_ASSERT(strncmp(w->what, "f.json:", 7) == 0);
		if (w->kind == AG_WM_IMAGE) {
			FUZZ_ASSERT(w->file != NULL && w->file[0] != '\0' && w->text == NULL);
		} else {
			FUZZ_ASSERT(w->text != NULL && ag_wm_utf8_valid(w->text, NULL));
			FUZZ_ASSERT(w->kind != AG_WM_TEXT || w->text[0] != '\0');
			FUZZ_ASSERT(strlen(w->text) <= AG_WM_MAX_TEXT);
		}
	}
	FUZZ_ASSERT(mx_layout_assign(&l, present, sizeof present / sizeof present[0], &a) == 0);
	FUZZ_ASSERT(a.n == l.n);
	for (i = 0; i < a.n; i++) {
		FUZZ_ASSERT(l.regions[i].has_uid ? a.regions[i].uid == l.regions[i].uid : true);
		for (j = 0; j < i; j++)
			FUZZ_ASSERT(!(a.regions[i].has_uid && a.regions[j].has_uid &&
			    a.regions[i].uid == a.regions[j].uid));
	}
	mx_layout_free(&a);
	mx_layout_free(&l);
	mx_layout_free(&l);
	return 0;
}
