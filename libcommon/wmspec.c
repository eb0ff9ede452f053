/*
 * wmspec.c - what a watermark is, apart from drawing it (agrec-mix's
 * cmd/mix/watermark.c): the specs the options give, their parsers, the
 * UTF-8 and time-format rules.  No FreeType here: agrec-record checks
 * the options it passes on to agrec-mix with these, and agrec-mix's
 * layout reader and its fuzz harness need nothing that draws.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "exitcodes.h"
#include "num.h"
#include "wmspec.h"

void
ag_wm_opts_init(struct ag_wm_opts *o)
{
	memset(o, 0, sizeof *o);
	o->font_px = AG_WM_DEFAULT_FONT_PX;
	o->rgb = AG_WM_DEFAULT_COLOR;
	o->alpha = 1.0;
}

void
ag_wm_spec_clear(struct ag_wm_spec *s)
{
	if (s == NULL)
		return;
	free(s->text);
	free(s->file);
	memset(s, 0, sizeof *s);
}

int
ag_wm_spec_copy(struct ag_wm_spec *dst, const struct ag_wm_spec *src)
{
	*dst = *src;
	dst->text = NULL;
	dst->file = NULL;
	if ((src->text != NULL && (dst->text = strdup(src->text)) == NULL) ||
	    (src->file != NULL && (dst->file = strdup(src->file)) == NULL)) {
		ag_wm_spec_clear(dst);
		return -1;
	}
	return 0;
}

/* One spec of the options: kind, its string and its rectangle. */
static int
opt_spec(const struct ag_wm_opts *o, int kind, const char *what, const char *text,
    const char *file, struct ag_wm_spec *s)
{
	const int *r = o->rect[kind];

	memset(s, 0, sizeof *s);
	s->kind = kind;
	s->font_px = o->font_px;
	s->rgb = o->rgb;
	s->alpha = o->alpha;
	s->local_time = o->local_time;
	s->x = r[0];
	s->y = r[1];
	s->w = r[2];
	s->h = r[3];
	s->bad_code = AG_EX_USAGE;
	snprintf(s->what, sizeof s->what, "%s", what);
	if ((text != NULL && (s->text = strdup(text)) == NULL) ||
	    (file != NULL && (s->file = strdup(file)) == NULL)) {
		ag_wm_spec_clear(s);
		return -1;
	}
	return 0;
}

int
ag_wm_opts_specs(const struct ag_wm_opts *o, struct ag_wm_spec *out, size_t *n)
{
	*n = 0;
	if (o->text != NULL) {
		if (opt_spec(o, AG_WM_TEXT, "--watermarkText", o->text, o->font, &out[*n]) < 0)
			goto fail;
		(*n)++;
	}
	if (o->image != NULL) {
		if (opt_spec(o, AG_WM_IMAGE, "--watermarkImage", NULL, o->image, &out[*n]) < 0)
			goto fail;
		(*n)++;
	}
	if (o->timestamp) {
		if (opt_spec(o, AG_WM_TIMESTAMP, "--watermarkTimestamp", o->time_format != NULL ?
		    o->time_format : AG_WM_DEFAULT_TIME_FORMAT, o->font, &out[*n]) < 0)
			goto fail;
		(*n)++;
	}
	return 0;
fail:
	while (*n > 0)
		ag_wm_spec_clear(&out[--*n]);
	return -1;
}

int
ag_wm_parse_rect(const char *opt, const char *s, int r[4], struct ag_error *err)
{
	const struct ag_cli_bound *b = &ag_cli_bounds[AG_CLI_WM_PX];
	char buf[64], *tok, *save = NULL, *p;
	long v;
	int k = 0;

	if (strlen(s) >= sizeof buf)
		return ag_error_set(err, AG_EX_USAGE, "%s: '%.40s...' is not X,Y,W,H", opt, s);
	snprintf(buf, sizeof buf, "%s", s);
	for (p = buf; (tok = strtok_r(p, ",", &save)) != NULL; p = NULL) {
		if (k == 4 || ag_parse_long(tok, b->min, b->max, &v) < 0)
			break;
		r[k++] = (int)v;
	}
	if (k != 4 || tok != NULL || strstr(s, ",,") != NULL || s[0] == ',' ||
	    s[strlen(s) - 1] == ',')
		return ag_error_set(err, AG_EX_USAGE,
		    "%s: '%s' is not X,Y,W,H (pixels, %ld..%ld each)", opt, s, b->min, b->max);
	return 0;
}

int
ag_wm_parse_alpha(const char *opt, const char *s, double *out, struct ag_error *err)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !(v >= 0 && v <= 1) ||
	    strspn(s, "0123456789.") != strlen(s))
		return ag_error_set(err, AG_EX_USAGE, "%s: '%s' is not a number in 0..1", opt, s);
	*out = v;
	return 0;
}

bool
ag_wm_utf8_valid(const char *str, size_t *bad)
{
	const unsigned char *s = (const unsigned char *)str, *q;
	uint32_t c, min;
	int n, i;

	for (q = s; *q != '\0'; q += n + 1) {
		c = *q;
		if (c < 0x80) {
			n = 0;
			continue;
		}
		if (c >= 0xc2 && c < 0xe0) {
			n = 1; min = 0x80; c &= 0x1f;
		} else if (c >= 0xe0 && c < 0xf0) {
			n = 2; min = 0x800; c &= 0x0f;
		} else if (c >= 0xf0 && c < 0xf5) {
			n = 3; min = 0x10000; c &= 0x07;
		} else {
			goto bad;
		}
		for (i = 1; i <= n; i++) {
			if ((q[i] & 0xc0) != 0x80)
				goto bad;
			c = c << 6 | (q[i] & 0x3fu);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			goto bad;
	}
	return true;
bad:
	if (bad != NULL)
		*bad = (size_t)(q - s);
	return false;
}

int
ag_wm_format_time(const char *fmt, int64_t wall_ms, bool local_time, char *buf, size_t size)
{
	char f2[AG_WM_MAX_TEXT * 2 + 1], ms[4];
	size_t i, k = 0, len;
	time_t t;
	struct tm tm;
	int64_t msec = wall_ms % 1000;

	if (msec < 0)
		msec += 1000;
	t = (time_t)((wall_ms - msec) / 1000);
	snprintf(ms, sizeof ms, "%03d", (int)msec);
	/* %L first, so strftime never sees it; %% stays for strftime */
	for (i = 0; fmt[i] != '\0'; i++) {
		if (k + 4 >= sizeof f2)
			return -1;
		if (fmt[i] == '%' && fmt[i + 1] == 'L') {
			memcpy(f2 + k, ms, 3);
			k += 3;
			i++;
		} else if (fmt[i] == '%' && fmt[i + 1] != '\0') {
			f2[k++] = fmt[i++];
			f2[k++] = fmt[i];
		} else {
			f2[k++] = fmt[i];
		}
	}
	f2[k] = '\0';
	if ((local_time ? localtime_r(&t, &tm) : gmtime_r(&t, &tm)) == NULL || size == 0)
		return -1;
	if (f2[0] == '\0') {
		buf[0] = '\0';
		return 0;
	}
	len = strftime(buf, size, f2, &tm);
	return len == 0 ? -1 : (int)len;
}

int
ag_wm_spec_check(const struct ag_wm_spec *s, int W, int H, struct ag_error *err)
{
	char sample[AG_WM_MAX_TEXT + 64];
	size_t bad;

	if (W > 0 && H > 0 && (s->x >= W || s->y >= H))
		return ag_error_set(err, s->bad_code, "%s: x,y %d,%d is outside the %dx%d canvas",
		    s->what, s->x, s->y, W, H);
	if (s->kind == AG_WM_IMAGE)
		return 0;
	if (s->text == NULL || s->text[0] == '\0')
		return ag_error_set(err, s->bad_code, "%s: the %s is empty", s->what,
		    s->kind == AG_WM_TEXT ? "text" : "time format");
	if (strlen(s->text) > AG_WM_MAX_TEXT)
		return ag_error_set(err, s->bad_code, "%s: longer than %d bytes", s->what,
		    AG_WM_MAX_TEXT);
	if (!ag_wm_utf8_valid(s->text, &bad))
		return ag_error_set(err, s->bad_code, "%s: not UTF-8 (byte %zu)", s->what, bad);
	if (s->kind == AG_WM_TIMESTAMP &&
	    ag_wm_format_time(s->text, 0, s->local_time, sample, sizeof sample) <= 0)
		return ag_error_set(err, s->bad_code, "%s: time format \"%.60s\" gives no text",
		    s->what, s->text);
	return 0;
}

int
ag_wm_opts_check(const struct ag_wm_opts *o, int W, int H, struct ag_error *err)
{
	struct ag_wm_spec specs[3];
	size_t n = 0, i;
	int rc = 0;

	if (ag_wm_opts_specs(o, specs, &n) < 0)
		return ag_error_errno(err, AG_EX_FAIL, ENOMEM, "--watermark*");
	for (i = 0; i < n && rc == 0; i++)
		rc = ag_wm_spec_check(&specs[i], W, H, err);
	for (i = 0; i < n; i++)
		ag_wm_spec_clear(&specs[i]);
	return rc;
}

int
ag_wm_parse_color(const char *opt, const char *s, uint32_t *rgb, struct ag_error *err)
{
	unsigned long c;
	char *end;
	const char *p = s[0] == '#' ? s + 1 : s;

	errno = 0;
	c = strtoul(p, &end, 16);
	if (strlen(p) != 6 || *end != '\0' || errno != 0 || !isxdigit((unsigned char)p[0]))
		return ag_error_set(err, AG_EX_USAGE, "%s: '%s' is not #RRGGBB", opt, s);
	*rgb = (uint32_t)c;
	return 0;
}
