/*
 * layout.c - the built-in layouts of the SDK 2.3.0 sample (agora-format.md
 * §5.2 with agrec's choices of §5.3) and custom JSON layouts
 * (agrec-layout(5)).
 *
 * jansson parses and validates the JSON but keeps no positions, so the
 * messages get their line numbers from a small scanner (json_line())
 * that walks the text, already known to be valid, along a path such as
 * regions[1].x.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "fsutil.h"
#include "mix/layout.h"

#define MAX_REGIONS 64
#define MAX_LAYOUT_BYTES (1024 * 1024)
#define MAX_CANVAS 7680
#define MIN_CANVAS 16
/* x + width may exceed 1 by rounding noise (0.1 + 0.9). */
#define FRACTION_SLACK 1e-9

/* ---- built-in layouts ---- */

static void
set_region(struct mx_region *r, uint32_t uid, double x, double y, double w, double h,
    int mode)
{
	r->has_uid = true;
	r->uid = uid;
	r->x = x;
	r->y = y;
	r->w = w;
	r->h = h;
	r->z = 0;
	r->alpha = 1.0;
	r->render_mode = mode;
}

/* Floating: P[0] full canvas, then square tiles 4 per row from the
 * bottom-left upward; rows above the canvas are dropped. */
static size_t
layout_floating(const uint32_t *uids, size_t n, double r, struct mx_region *reg,
    size_t *dropped)
{
	size_t i, k, m = 0;
	double y;

	for (i = 0; i < n; i++) {
		if (i == 0) {
			set_region(&reg[m++], uids[0], 0, 0, 1, 1, MX_RENDER_CROP);
			continue;
		}
		k = i - 1;
		y = 1 - (double)(k / 4 + 1) * 0.247 * r;
		if (y < -FRACTION_SLACK) {
			(*dropped)++;
			continue;
		}
		if (y < 0)
			y = 0;
		set_region(&reg[m++], uids[i], 0.012 + (double)(k % 4) * 0.247, y,
		    0.235, 0.235 * r, MX_RENDER_CROP);
	}
	return m;
}

/* Best-fit: one, two side by side, then 2x2, 3x3, 4x4 grids, and the
 * sample's 17-user arrangement; users after the 17th are dropped. */
static size_t
layout_bestfit(const uint32_t *uids, size_t n, struct mx_region *reg, size_t *dropped)
{
	size_t i, N;

	if (n > 17) {
		*dropped += n - 17;
		n = 17;
	}
	if (n == 1) {
		set_region(&reg[0], uids[0], 0, 0, 1, 1, MX_RENDER_CROP);
		return 1;
	}
	if (n == 2) {
		for (i = 0; i < 2; i++)
			set_region(&reg[i], uids[i], 0.5 * (double)i, 0, 0.5, 1, MX_RENDER_CROP);
		return 2;
	}
	if (n == 17) {
		for (i = 0; i < 16; i++)
			set_region(&reg[i], uids[i], 0.1 + 0.2 * (double)(i % 4),
			    0.2 * (double)(i / 4), 0.2, 0.2, MX_RENDER_CROP);
		set_region(&reg[16], uids[16], 0.4, 0.8, 0.2, 0.2, MX_RENDER_CROP);
		return 17;
	}
	N = n <= 4 ? 2 : n <= 9 ? 3 : 4;
	for (i = 0; i < n; i++)
		set_region(&reg[i], uids[i], (double)(i % N) / (double)N,
		    (double)(i / N) / (double)N, 1.0 / (double)N, 1.0 / (double)N,
		    MX_RENDER_CROP);
	return n;
}

/* Vertical presentation: the smallest tier that holds every small user;
 * the large user B (fit) on the left, the small ones (crop) on the right. */
static size_t
layout_vertical(const uint32_t *uids, size_t n, bool has_max, uint32_t max_uid,
    struct mx_region *reg, size_t *dropped)
{
	size_t i, j = 0, m = 0, small = 0;
	double bw, sw, sh, sx, sy;
	int cap;

	for (i = 0; i < n; i++)
		if (!has_max || uids[i] != max_uid)
			small++;
	if (small <= 4) {
		cap = 4; bw = 0.8; sw = 0.2; sh = 0.25;
	} else if (small <= 6) {
		cap = 6; bw = 6.0 / 7; sw = 1.0 / 7; sh = 1.0 / 6;
	} else if (small <= 8) {
		cap = 8; bw = 8.0 / 9; sw = 1.0 / 9; sh = 1.0 / 8;
	} else {
		cap = 16; bw = 0.8; sw = 0.1; sh = 1.0 / 8;
	}
	for (i = 0; i < n; i++) {
		if (has_max && uids[i] == max_uid) {
			set_region(&reg[m++], uids[i], 0, 0, bw, 1, MX_RENDER_FIT);
			continue;
		}
		if (j >= (size_t)cap) {
			(*dropped)++;
			continue;
		}
		if (cap == 16) {
			sx = j < 8 ? 0.8 : 0.9;
			sy = (double)(j % 8) / 8;
		} else {
			sx = bw;
			sy = (double)j * sh;
		}
		set_region(&reg[m++], uids[i], sx, sy, sw, sh, MX_RENDER_CROP);
		j++;
	}
	return m;
}

int
mx_layout_builtin(int mode, const uint32_t *uids, size_t n, int W, int H,
    bool has_max, uint32_t max_uid, struct mx_layout *out, size_t *dropped,
    struct ag_error *err)
{
	struct mx_region *reg = NULL;
	size_t drop = 0, m;

	memset(out, 0, sizeof *out);
	if (dropped != NULL)
		*dropped = 0;
	if (mode < 0 || mode > 3)
		return ag_error_set(err, AG_EX_USAGE, "layout mode %d: must be 0 (floating), "
		    "1 (best-fit), 2 (vertical) or 3 (active speaker)", mode);
	if (W <= 0 || H <= 0)
		return ag_error_set(err, AG_EX_USAGE, "canvas %dx%d: must be positive", W, H);
	if (n > 0 && (reg = calloc(n, sizeof *reg)) == NULL)
		return ag_error_errno(err, AG_EX_FAIL, ENOMEM, "layout");
	switch (mode) {
	case 0:
		m = layout_floating(uids, n, (double)W / (double)H, reg, &drop);
		break;
	case 1:
		m = n == 0 ? 0 : layout_bestfit(uids, n, reg, &drop);
		break;
	default:
		/* 3 is 2 with the speaker as the large user (agrec-mix(1) LAYOUT) */
		m = layout_vertical(uids, n, has_max, max_uid, reg, &drop);
		break;
	}
	out->canvas_w = W;
	out->canvas_h = H;
	out->has_bg = true;
	out->bg_rgb = MX_DEFAULT_BG;
	out->n = m;
	out->regions = reg;
	if (m == 0) {
		free(reg);
		out->regions = NULL;
	}
	if (dropped != NULL)
		*dropped = drop;
	return 0;
}

/* ---- assignment and pixels ---- */

int
mx_layout_assign(const struct mx_layout *custom, const uint32_t *uids, size_t n,
    struct mx_layout *out)
{
	size_t i, j, next = 0;
	bool named;

	*out = *custom;
	out->regions = NULL;
	out->wms = NULL;
	out->nwms = 0;
	if (custom->n == 0)
		return 0;
	if ((out->regions = malloc(custom->n * sizeof *out->regions)) == NULL) {
		out->n = 0;
		return -1;
	}
	memcpy(out->regions, custom->regions, custom->n * sizeof *out->regions);
	for (i = 0; i < out->n; i++) {
		if (out->regions[i].has_uid)
			continue;
		/* The next present user not named by a region (and not given to
		 * an earlier uid-less region: next only moves forward). */
		for (; next < n; next++) {
			named = false;
			for (j = 0; j < custom->n && !named; j++)
				named = custom->regions[j].has_uid && custom->regions[j].uid == uids[next];
			for (j = 0; j < next && !named; j++)
				named = uids[j] == uids[next];   /* a duplicate in uids */
			if (!named)
				break;
		}
		if (next < n) {
			out->regions[i].has_uid = true;
			out->regions[i].uid = uids[next++];
		}
	}
	return 0;
}

/* round(f * size) rounded down to even, within 0..size. */
static int
even_px(double f, int size)
{
	double v = f * (double)size;
	long p;

	if (!(v > 0))
		return 0;
	if (v >= (double)size)
		return size & ~1;
	p = lround(v);
	return (int)(p & ~1L);
}

void
mx_region_rect(const struct mx_region *r, int W, int H, struct mx_rect *out)
{
	out->x = even_px(r->x, W);
	out->y = even_px(r->y, H);
	out->w = even_px(r->w, W);
	out->h = even_px(r->h, H);
	if (out->x + out->w > W)
		out->w = (W - out->x) & ~1;
	if (out->y + out->h > H)
		out->h = (H - out->y) & ~1;
}

void
mx_layout_free(struct mx_layout *l)
{
	if (l == NULL)
		return;
	free(l->regions);
	for (size_t i = 0; i < l->nwms; i++)
		ag_wm_spec_clear(&l->wms[i]);
	free(l->wms);
	memset(l, 0, sizeof *l);
}

/* ---- where a value is in the text ---- */

/*
 * A cursor over JSON text that jansson has accepted: the scanner trusts
 * the grammar but never reads past the end.
 */
struct scan {
	const char *p, *end;
	int line;
};

static void
scan_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r')) {
		if (*s->p == '\n')
			s->line++;
		s->p++;
	}
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static long
scan_hex4(struct scan *s)
{
	long v = 0;
	int i, d;

	if (s->end - s->p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		if ((d = hexval((unsigned char)s->p[i])) < 0)
			return -1;
		v = v * 16 + d;
	}
	s->p += 4;
	return v;
}

static size_t
put_utf8(char *buf, size_t size, size_t n, unsigned long c)
{
	unsigned char u[4];
	size_t k, len;

	if (c < 0x80) {
		u[0] = (unsigned char)c; len = 1;
	} else if (c < 0x800) {
		u[0] = (unsigned char)(0xc0 | (c >> 6)); u[1] = (unsigned char)(0x80 | (c & 0x3f)); len = 2;
	} else if (c < 0x10000) {
		u[0] = (unsigned char)(0xe0 | (c >> 12)); u[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
		u[2] = (unsigned char)(0x80 | (c & 0x3f)); len = 3;
	} else {
		u[0] = (unsigned char)(0xf0 | (c >> 18)); u[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3f));
		u[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3f)); u[3] = (unsigned char)(0x80 | (c & 0x3f));
		len = 4;
	}
	for (k = 0; k < len; k++)
		if (n + k < size)
			buf[n + k] = (char)u[k];
	return n + len;
}

/*
 * Read a string at s->p (at its opening quote) and decode it into buf
 * (NUL-terminated, truncated to size).  Returns the decoded length, or
 * (size_t)-1 when the text is not a string.
 */
static size_t
scan_string(struct scan *s, char *buf, size_t size)
{
	size_t n = 0;
	long c, lo;

	if (s->p >= s->end || *s->p != '"')
		return (size_t)-1;
	s->p++;
	while (s->p < s->end && *s->p != '"') {
		if (*s->p != '\\') {
			if (buf != NULL && n < size)
				buf[n] = *s->p;
			n++;
			s->p++;
			continue;
		}
		if (++s->p >= s->end)
			break;
		c = (unsigned char)*s->p++;
		switch (c) {
		case 'b': c = '\b'; break;
		case 'f': c = '\f'; break;
		case 'n': c = '\n'; break;
		case 'r': c = '\r'; break;
		case 't': c = '\t'; break;
		case 'u':
			if ((c = scan_hex4(s)) < 0)
				return (size_t)-1;
			if (c >= 0xd800 && c < 0xdc00 && s->end - s->p >= 6 && s->p[0] == '\\' &&
			    s->p[1] == 'u') {
				s->p += 2;
				if ((lo = scan_hex4(s)) < 0)
					return (size_t)-1;
				c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
			}
			break;
		default: break;   /* '"', '\\', '/' stand for themselves */
		}
		if (buf != NULL)
			n = put_utf8(buf, size, n, (unsigned long)c);
		else
			n++;
	}
	if (s->p >= s->end)
		return (size_t)-1;
	s->p++;
	if (buf != NULL && size > 0)
		buf[n < size ? n : size - 1] = '\0';
	return n;
}

/* Skip one value at s->p (after white space).  Returns 0 or -1. */
static int
scan_skip(struct scan *s)
{
	int d = 0;

	scan_ws(s);
	if (s->p >= s->end)
		return -1;
	if (*s->p == '"')
		return scan_string(s, NULL, 0) == (size_t)-1 ? -1 : 0;
	if (*s->p != '{' && *s->p != '[') {
		while (s->p < s->end && strchr(",]} \t\r\n", *s->p) == NULL)
			s->p++;
		return 0;
	}
	/* A container: skip to its matching bracket, strings aside. */
	while (s->p < s->end) {
		if (*s->p == '"') {
			if (scan_string(s, NULL, 0) == (size_t)-1)
				return -1;
			continue;
		}
		if (*s->p == '{' || *s->p == '[')
			d++;
		else if (*s->p == '}' || *s->p == ']')
			d--;
		else if (*s->p == '\n')
			s->line++;
		s->p++;
		if (d == 0)
			return 0;
	}
	return -1;
}

/* Skip one value and the comma after it.  Returns 0, or -1 when no comma
 * follows (the end of the object or array, or bad JSON). */
static int
scan_next(struct scan *s)
{
	if (scan_skip(s) < 0)
		return -1;
	scan_ws(s);
	if (s->p >= s->end || *s->p != ',')
		return -1;
	s->p++;
	return 0;
}

/*
 * One step of a path: a key of an object (key != NULL) or an element of
 * an array.
 */
struct step {
	const char *key;
	size_t keylen;
	size_t index;
};

/*
 * Move s to the value at the step inside the container at s->p.  With
 * at_key, for an object stop at the key instead.  Returns 0 or -1.
 */
static int
scan_enter(struct scan *s, const struct step *st, bool at_key)
{
	char kbuf[256];
	size_t klen, i = 0;
	const char *keypos;
	int keyline;

	scan_ws(s);
	if (s->p >= s->end)
		return -1;
	if (st->key != NULL) {
		if (*s->p != '{')
			return -1;
		s->p++;
		for (;;) {
			scan_ws(s);
			if (s->p >= s->end || *s->p != '"')
				return -1;
			keypos = s->p;
			keyline = s->line;
			klen = scan_string(s, kbuf, sizeof kbuf);
			if (klen == (size_t)-1)
				return -1;
			scan_ws(s);
			if (s->p >= s->end || *s->p != ':')
				return -1;
			s->p++;
			if (klen == st->keylen && klen < sizeof kbuf &&
			    memcmp(kbuf, st->key, klen) == 0) {
				if (at_key) {
					s->p = keypos;
					s->line = keyline;
				} else {
					scan_ws(s);
				}
				return 0;
			}
			if (scan_next(s) < 0)
				return -1;
		}
	}
	if (*s->p != '[')
		return -1;
	s->p++;
	for (;;) {
		scan_ws(s);
		if (s->p >= s->end || *s->p == ']')
			return -1;
		if (i == st->index)
			return 0;
		if (scan_next(s) < 0)
			return -1;
		i++;
	}
}

/*
 * The line of the value at the path steps[0..n-1] in text (at its key
 * when at_key and the last step is a key); the line reached so far when
 * the scanner gets lost, which cannot happen with text jansson accepted.
 */
static int
json_line(const char *text, size_t len, const struct step *steps, size_t n, bool at_key)
{
	struct scan s = { text, text + len, 1 };
	size_t i;

	scan_ws(&s);
	for (i = 0; i < n; i++)
		if (scan_enter(&s, &steps[i], at_key && i == n - 1) < 0)
			break;
	return s.line;
}

/* ---- custom layouts ---- */

struct parse {
	const char *text;
	size_t len;
	const char *name;
	struct ag_error *warn;
	struct ag_error *err;
	size_t nwarn;
	const char *list;           /* the array "region" indexes: "regions" or "watermarks" */
};

/* The line of root key (region < 0) or of regions[region].key (key NULL:
 * the region itself). */
static int
line_of(const struct parse *ps, long region, const char *key, bool at_key)
{
	struct step st[3];
	size_t n = 0;

	if (region >= 0) {
		st[n].key = ps->list; st[n].keylen = strlen(ps->list); st[n].index = 0; n++;
		st[n].key = NULL; st[n].keylen = 0; st[n].index = (size_t)region; n++;
	}
	if (key != NULL) {
		st[n].key = key; st[n].keylen = strlen(key); st[n].index = 0; n++;
	}
	return json_line(ps->text, ps->len, st, n, at_key);
}

/* "regions[2].x", "regions[2]", "canvasWidth" into buf (list: the array). */
static const char *
field_name(char *buf, size_t size, const char *list, long region, const char *key)
{
	if (region < 0)
		snprintf(buf, size, "%s", key != NULL ? key : "layout");
	else if (key == NULL)
		snprintf(buf, size, "%s[%ld]", list, region);
	else
		snprintf(buf, size, "%s[%ld].%s", list, region, key);
	return buf;
}

__attribute__((format(printf, 5, 6)))
static int
fail(struct parse *ps, long region, const char *key, bool at_key, const char *fmt, ...)
{
	char what[512], field[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return ag_error_set(ps->err, AG_EX_DATAERR, "%s:%d: %s: %s", ps->name,
	    line_of(ps, region, key, at_key),
	    field_name(field, sizeof field, ps->list, region, key), what);
}

__attribute__((format(printf, 4, 5)))
static void
warn(struct parse *ps, long region, const char *key, const char *fmt, ...)
{
	char what[512], field[128];
	size_t len;
	va_list ap;

	ps->nwarn++;
	if (ps->warn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	len = ps->nwarn > 1 ? strlen(ps->warn->msg) : 0;
	if (len + 3 >= sizeof ps->warn->msg)
		return;
	ps->warn->code = AG_EX_DATAERR;
	snprintf(ps->warn->msg + len, sizeof ps->warn->msg - len, "%s%s:%d: %s: %s",
	    len > 0 ? "; " : "", ps->name, line_of(ps, region, key, false),
	    field_name(field, sizeof field, ps->list, region, key), what);
}

static const char *
type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a real number";
	case JSON_TRUE: return "true";
	case JSON_FALSE: return "false";
	default: return "null";
	}
}

/* A key for a message: printable ASCII, others as \xNN, cut at 40. */
static const char *
printable_key(char *buf, size_t size, const char *key)
{
	size_t n = 0;
	const unsigned char *k;

	for (k = (const unsigned char *)key; *k != '\0' && n + 5 < size; k++) {
		if (k - (const unsigned char *)key >= 40) {
			n += (size_t)snprintf(buf + n, size - n, "...");
			break;
		}
		if (*k >= 0x20 && *k < 0x7f && *k != '"' && *k != '\\')
			buf[n++] = (char)*k;
		else
			n += (size_t)snprintf(buf + n, size - n, "\\x%02x", *k);
	}
	buf[n] = '\0';
	return buf;
}

/* Every key of obj must be one of keys[] (NULL-terminated). */
static int
check_keys(struct parse *ps, json_t *obj, long region, const char *const *keys)
{
	const char *key;
	json_t *v;
	char kbuf[256];
	size_t i;

	json_object_foreach(obj, key, v) {
		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(key, keys[i]) == 0)
				break;
		if (keys[i] == NULL)
			return fail(ps, region, key, true, "unknown key \"%s\"",
			    printable_key(kbuf, sizeof kbuf, key));
	}
	return 0;
}

/* A number (integer or real) of obj[key] in lo..hi; absent: dflt, or an
 * error when required. */
static int
get_fraction(struct parse *ps, json_t *obj, long region, const char *key, bool required,
    double dflt, double *out)
{
	json_t *v = json_object_get(obj, key);
	double d;

	if (v == NULL) {
		if (required)
			return fail(ps, region, NULL, false, "missing \"%s\"", key);
		*out = dflt;
		return 0;
	}
	if (!json_is_number(v))
		return fail(ps, region, key, false, "expected a number, got %s", type_name(v));
	d = json_number_value(v);
	if (!(d >= 0 && d <= 1))
		return fail(ps, region, key, false, "%g is outside 0..1", d);
	*out = d;
	return 0;
}

/* An integer of obj[key], or dflt when absent. */
static int
get_int(struct parse *ps, json_t *obj, long region, const char *key, json_int_t dflt,
    json_int_t *out)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL) {
		*out = dflt;
		return 0;
	}
	if (!json_is_integer(v))
		return fail(ps, region, key, false, "expected an integer, got %s", type_name(v));
	*out = json_integer_value(v);
	return 0;
}

static int
parse_region(struct parse *ps, json_t *o, long i, struct mx_region *r)
{
	static const char *const keys[] = {
		"uid", "x", "y", "width", "height", "zOrder", "alpha", "renderMode", NULL
	};
	json_t *v;
	json_int_t z, mode, uid;

	if (!json_is_object(o))
		return fail(ps, i, NULL, false, "expected an object, got %s", type_name(o));
	if (check_keys(ps, o, i, keys) < 0)
		return -1;
	memset(r, 0, sizeof *r);
	if ((v = json_object_get(o, "uid")) != NULL) {
		if (!json_is_integer(v))
			return fail(ps, i, "uid", false, "expected an integer, got %s", type_name(v));
		uid = json_integer_value(v);
		if (uid < 0 || uid > (json_int_t)UINT32_MAX)
			return fail(ps, i, "uid", false, "%lld is not a uint32 (0..4294967295)",
			    (long long)uid);
		r->has_uid = true;
		r->uid = (uint32_t)uid;
	}
	if (get_fraction(ps, o, i, "x", true, 0, &r->x) < 0 ||
	    get_fraction(ps, o, i, "y", true, 0, &r->y) < 0 ||
	    get_fraction(ps, o, i, "width", true, 0, &r->w) < 0 ||
	    get_fraction(ps, o, i, "height", true, 0, &r->h) < 0)
		return -1;
	if (r->x + r->w > 1 + FRACTION_SLACK)
		return fail(ps, i, NULL, false, "x + width = %g exceeds 1", r->x + r->w);
	if (r->y + r->h > 1 + FRACTION_SLACK)
		return fail(ps, i, NULL, false, "y + height = %g exceeds 1", r->y + r->h);
	if (get_int(ps, o, i, "zOrder", 0, &z) < 0)
		return -1;
	if (z < 0 || z > 100)
		return fail(ps, i, "zOrder", false, "%lld is outside 0..100", (long long)z);
	r->z = (int)z;
	r->alpha = 1.0;
	if ((v = json_object_get(o, "alpha")) != NULL) {
		if (!json_is_number(v))
			return fail(ps, i, "alpha", false, "expected a number, got %s", type_name(v));
		r->alpha = json_number_value(v);
		if (r->alpha < 0) {
			warn(ps, i, "alpha", "%g is outside 0..1: using 0", r->alpha);
			r->alpha = 0;
		} else if (r->alpha > 1) {
			warn(ps, i, "alpha", "%g is outside 0..1: using 1", r->alpha);
			r->alpha = 1;
		}
	}
	if (get_int(ps, o, i, "renderMode", 0, &mode) < 0)
		return -1;
	if (mode == 0) {
		r->render_mode = MX_RENDER_CROP;
	} else if (mode == 1 || mode == 2) {
		r->render_mode = MX_RENDER_FIT;
	} else {
		warn(ps, i, "renderMode", "%lld is not 0 (crop), 1 or 2 (fit): using 0 (crop)",
		    (long long)mode);
		r->render_mode = MX_RENDER_CROP;
	}
	return 0;
}

/* "#RRGGBB" */
static int
parse_color(const char *s, uint32_t *rgb)
{
	uint32_t v = 0;
	int i, d;

	if (strlen(s) != 7 || s[0] != '#')
		return -1;
	for (i = 1; i < 7; i++) {
		if ((d = hexval((unsigned char)s[i])) < 0)
			return -1;
		v = v * 16 + (uint32_t)d;
	}
	*rgb = v;
	return 0;
}

static int
parse_canvas(struct parse *ps, json_t *root, struct mx_layout *out)
{
	json_int_t w, h;
	json_t *v;
	const char *key;

	if (get_int(ps, root, -1, "canvasWidth", 0, &w) < 0 ||
	    get_int(ps, root, -1, "canvasHeight", 0, &h) < 0)
		return -1;
	if ((json_object_get(root, "canvasWidth") == NULL) !=
	    (json_object_get(root, "canvasHeight") == NULL)) {
		key = json_object_get(root, "canvasWidth") == NULL ? "canvasHeight" : "canvasWidth";
		return fail(ps, -1, key, false, "given without %s",
		    key[6] == 'W' ? "canvasHeight" : "canvasWidth");
	}
	if (json_object_get(root, "canvasWidth") != NULL) {
		if (w < MIN_CANVAS || w > MAX_CANVAS || w % 2 != 0)
			return fail(ps, -1, "canvasWidth", false, "%lld is not an even number "
			    "in %d..%d", (long long)w, MIN_CANVAS, MAX_CANVAS);
		if (h < MIN_CANVAS || h > MAX_CANVAS || h % 2 != 0)
			return fail(ps, -1, "canvasHeight", false, "%lld is not an even number "
			    "in %d..%d", (long long)h, MIN_CANVAS, MAX_CANVAS);
		out->canvas_w = (int)w;
		out->canvas_h = (int)h;
	}
	if ((v = json_object_get(root, "backgroundColor")) != NULL) {
		if (!json_is_string(v))
			return fail(ps, -1, "backgroundColor", false, "expected a string, got %s",
			    type_name(v));
		if (parse_color(json_string_value(v), &out->bg_rgb) < 0)
			return fail(ps, -1, "backgroundColor", false,
			    "\"%.40s\" is not a colour \"#RRGGBB\"", json_string_value(v));
		out->has_bg = true;
	}
	return 0;
}

/* ---- watermarks ---- */

/* An integer obj[key] in lo..hi, or dflt when absent. */
static int
get_int_in(struct parse *ps, json_t *obj, long i, const char *key, json_int_t dflt,
    json_int_t lo, json_int_t hi, int *out)
{
	json_int_t v;

	if (get_int(ps, obj, i, key, dflt, &v) < 0)
		return -1;
	if (v < lo || v > hi)
		return fail(ps, i, key, false, "%lld is outside %lld..%lld", (long long)v,
		    (long long)lo, (long long)hi);
	*out = (int)v;
	return 0;
}

/* A string obj[key] (new in *out), or NULL when absent. */
static int
get_string(struct parse *ps, json_t *obj, long i, const char *key, char **out)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (v == NULL)
		return 0;
	if (!json_is_string(v))
		return fail(ps, i, key, false, "expected a string, got %s", type_name(v));
	if (json_string_length(v) > AG_WM_MAX_TEXT || strlen(json_string_value(v)) !=
	    json_string_length(v))
		return fail(ps, i, key, false, "longer than %d bytes, or holds a NUL",
		    AG_WM_MAX_TEXT);
	if ((*out = strdup(json_string_value(v))) == NULL)
		return ag_error_errno(ps->err, AG_EX_FAIL, ENOMEM, "%s", ps->name);
	return 0;
}

/* A file name of the layout, relative to the layout file's folder. */
static int
get_path(struct parse *ps, json_t *obj, long i, const char *key, char **out)
{
	const char *slash = strrchr(ps->name, '/');
	char *p;

	if (get_string(ps, obj, i, key, out) < 0)
		return -1;
	if (*out == NULL || (*out)[0] == '/' || slash == NULL)
		return 0;
	if (asprintf(&p, "%.*s/%s", (int)(slash - ps->name), ps->name, *out) < 0)
		return ag_error_errno(ps->err, AG_EX_FAIL, ENOMEM, "%s", ps->name);
	free(*out);
	*out = p;
	return 0;
}

/* The keys of a watermark of kind k. */
static const char *const *
wm_keys(int k)
{
	static const char *const text[] = { "type", "text", "fontFile", "fontSize", "color",
		"alpha", "x", "y", "width", "height", NULL };
	static const char *const image[] = { "type", "image", "alpha", "x", "y", "width",
		"height", NULL };
	static const char *const stamp[] = { "type", "format", "localTime", "fontFile",
		"fontSize", "color", "alpha", "x", "y", "width", "height", NULL };

	return k == AG_WM_TEXT ? text : k == AG_WM_IMAGE ? image : stamp;
}

/* What every kind has: box, alpha, colour and font size. */
static int
parse_wm_common(struct parse *ps, json_t *o, long i, struct ag_wm_spec *s)
{
	json_t *v;

	if (get_int_in(ps, o, i, "x", 0, 0, MAX_CANVAS, &s->x) < 0 ||
	    get_int_in(ps, o, i, "y", 0, 0, MAX_CANVAS, &s->y) < 0 ||
	    get_int_in(ps, o, i, "width", 0, 0, MAX_CANVAS, &s->w) < 0 ||
	    get_int_in(ps, o, i, "height", 0, 0, MAX_CANVAS, &s->h) < 0 ||
	    get_int_in(ps, o, i, "fontSize", AG_WM_DEFAULT_FONT_PX, AG_WM_MIN_FONT_PX,
	    AG_WM_MAX_FONT_PX, &s->font_px) < 0)
		return -1;
	s->alpha = 1;
	if ((v = json_object_get(o, "alpha")) != NULL) {
		if (!json_is_number(v))
			return fail(ps, i, "alpha", false, "expected a number, got %s",
			    type_name(v));
		s->alpha = json_number_value(v);
		if (!(s->alpha >= 0 && s->alpha <= 1))
			return fail(ps, i, "alpha", false, "%g is outside 0..1", s->alpha);
	}
	s->rgb = AG_WM_DEFAULT_COLOR;
	if ((v = json_object_get(o, "color")) != NULL) {
		if (!json_is_string(v))
			return fail(ps, i, "color", false, "expected a string, got %s",
			    type_name(v));
		if (parse_color(json_string_value(v), &s->rgb) < 0)
			return fail(ps, i, "color", false, "\"%.40s\" is not a colour \"#RRGGBB\"",
			    json_string_value(v));
	}
	if ((v = json_object_get(o, "localTime")) != NULL) {
		if (!json_is_boolean(v))
			return fail(ps, i, "localTime", false, "expected true or false, got %s",
			    type_name(v));
		s->local_time = json_is_true(v);
	}
	return 0;
}

static int
parse_watermark(struct parse *ps, json_t *o, long i, struct ag_wm_spec *s)
{
	static const char *const kinds[] = { "text", "image", "timestamp" };
	const char *t;
	json_t *v;
	int k;

	memset(s, 0, sizeof *s);
	if (!json_is_object(o))
		return fail(ps, i, NULL, false, "expected an object, got %s", type_name(o));
	if ((v = json_object_get(o, "type")) == NULL)
		return fail(ps, i, NULL, false, "missing \"type\" (text, image or timestamp)");
	if (!json_is_string(v))
		return fail(ps, i, "type", false, "expected a string, got %s", type_name(v));
	t = json_string_value(v);
	for (k = 0; k < 3 && strcmp(t, kinds[k]) != 0; k++)
		;
	if (k == 3)
		return fail(ps, i, "type", false, "\"%.40s\" is not text, image or timestamp", t);
	s->kind = k;
	s->bad_code = AG_EX_DATAERR;
	snprintf(s->what, sizeof s->what, "%s:%d: watermarks[%ld]", ps->name,
	    line_of(ps, i, NULL, false), i);
	if (check_keys(ps, o, i, wm_keys(k)) < 0 || parse_wm_common(ps, o, i, s) < 0)
		return -1;
	if (k == AG_WM_IMAGE) {
		if (get_path(ps, o, i, "image", &s->file) < 0)
			return -1;
		if (s->file == NULL || s->file[0] == '\0')
			return fail(ps, i, NULL, false, "missing \"image\" (a PNG or JPEG file)");
		return 0;
	}
	if (get_path(ps, o, i, "fontFile", &s->file) < 0 ||
	    get_string(ps, o, i, k == AG_WM_TEXT ? "text" : "format", &s->text) < 0)
		return -1;
	if (k == AG_WM_TEXT && (s->text == NULL || s->text[0] == '\0'))
		return fail(ps, i, NULL, false, "missing \"text\" (or it is empty)");
	if (k == AG_WM_TIMESTAMP && s->text == NULL &&
	    (s->text = strdup(AG_WM_DEFAULT_TIME_FORMAT)) == NULL)
		return ag_error_errno(ps->err, AG_EX_FAIL, ENOMEM, "%s", ps->name);
	if (!ag_wm_utf8_valid(s->text, NULL))
		return fail(ps, i, k == AG_WM_TEXT ? "text" : "format", false, "not UTF-8");
	return 0;
}

static int
parse_watermarks(struct parse *ps, json_t *root, struct mx_layout *out)
{
	json_t *a = json_object_get(root, "watermarks"), *o;
	size_t i, n;
	int rc = 0;

	if (a == NULL)
		return 0;
	if (!json_is_array(a))
		return fail(ps, -1, "watermarks", false, "expected an array, got %s", type_name(a));
	n = json_array_size(a);
	if (n > AG_WM_MAX)
		return fail(ps, -1, "watermarks", false, "%zu watermarks, at most %d", n,
		    AG_WM_MAX);
	if (n == 0)
		return 0;
	if ((out->wms = calloc(n, sizeof *out->wms)) == NULL)
		return ag_error_errno(ps->err, AG_EX_FAIL, ENOMEM, "%s", ps->name);
	ps->list = "watermarks";
	json_array_foreach(a, i, o) {
		out->nwms = i + 1;
		if ((rc = parse_watermark(ps, o, (long)i, &out->wms[i])) < 0)
			break;
	}
	ps->list = "regions";
	return rc;
}

static int
parse_root(struct parse *ps, json_t *root, struct mx_layout *out)
{
	static const char *const keys[] = {
		"canvasWidth", "canvasHeight", "backgroundColor", "regions", "watermarks", NULL
	};
	json_t *regs, *o;
	size_t i, j, n;

	if (!json_is_object(root))
		return fail(ps, -1, NULL, false, "expected an object, got %s", type_name(root));
	if (check_keys(ps, root, -1, keys) < 0 || parse_canvas(ps, root, out) < 0 ||
	    parse_watermarks(ps, root, out) < 0)
		return -1;
	if ((regs = json_object_get(root, "regions")) == NULL)
		return fail(ps, -1, NULL, false, "missing \"regions\"");
	if (!json_is_array(regs))
		return fail(ps, -1, "regions", false, "expected an array, got %s", type_name(regs));
	n = json_array_size(regs);
	if (n == 0)
		return fail(ps, -1, "regions", false, "the list is empty");
	if (n > MAX_REGIONS)
		return fail(ps, -1, "regions", false, "%zu regions, at most %d", n, MAX_REGIONS);
	if ((out->regions = calloc(n, sizeof *out->regions)) == NULL)
		return ag_error_errno(ps->err, AG_EX_FAIL, ENOMEM, "%s", ps->name);
	json_array_foreach(regs, i, o) {
		if (parse_region(ps, o, (long)i, &out->regions[i]) < 0)
			return -1;
		out->n = i + 1;
		for (j = 0; j < i; j++)
			if (out->regions[i].has_uid && out->regions[j].has_uid &&
			    out->regions[i].uid == out->regions[j].uid)
				return fail(ps, (long)i, "uid", false, "%lu is also regions[%zu].uid",
				    (unsigned long)out->regions[i].uid, j);
	}
	return 0;
}

int
mx_layout_parse(const char *text, size_t len, const char *name, struct mx_layout *out,
    struct ag_error *warnp, struct ag_error *err)
{
	struct parse ps = { text, len, name != NULL ? name : "layout", warnp, err, 0, "regions" };
	json_error_t je;
	json_t *root;
	int rc;

	memset(out, 0, sizeof *out);
	ag_error_clear(warnp);
	/* A UTF-8 byte order mark, as some editors write. */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		ps.text += 3;
		ps.len -= 3;
	}
	root = json_loadb(ps.text, ps.len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		return ag_error_set(err, AG_EX_DATAERR, "%s:%d:%d: invalid JSON: %s", ps.name,
		    je.line > 0 ? je.line : 1, je.column > 0 ? je.column : 1, je.text);
	rc = parse_root(&ps, root, out);
	json_decref(root);
	if (rc < 0) {
		mx_layout_free(out);
		ag_error_clear(warnp);
	}
	return rc;
}

int
mx_layout_load(const char *path, struct mx_layout *out, struct ag_error *warnp,
    struct ag_error *err)
{
	char *buf;
	size_t len;
	int rc;

	memset(out, 0, sizeof *out);
	if (ag_read_file(path, MAX_LAYOUT_BYTES, &buf, &len, err) < 0)
		return -1;
	rc = mx_layout_parse(buf, len, path, out, warnp, err);
	free(buf);
	return rc;
}
