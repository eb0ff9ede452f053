/*
 * level.c - audio levels in dBov, RFC 6464, the active speaker and the
 * speakers.jsonl line (level.h).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "level.h"
#include "num.h"

void
ag_level_add_s16(struct ag_level *l, const int16_t *s, size_t n)
{
	/* Integer sums of a frame (<= 5760 samples x 2^30 fits 64 bits),
	 * then one double add: exact, and cheaper than n double products. */
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < n; i++)
		sum += (uint64_t)((int32_t)s[i] * s[i]);
	l->sum += (double)sum;
	l->samples += (double)n;
}

void
ag_level_add_rfc6464(struct ag_level *l, int level, double ms)
{
	if (level < 0)
		level = 0;
	else if (level > 127)
		level = 127;
	if (ms <= 0)
		ms = 1;
	/* 127 is the floor, "no sound" as far as RFC 6464 can say */
	l->power_ms += (level >= 127 ? 0.0 : pow(10.0, -level / 10.0)) * ms;
	l->ms += ms;
}

bool
ag_level_any(const struct ag_level *l)
{
	return l->samples > 0 || l->ms > 0;
}

double
ag_level_dbov(const struct ag_level *l, int *source)
{
	double p = 0, db;

	if (source != NULL)
		*source = l->ms > 0 ? AG_STREAM_LEVEL_RFC6464 : AG_STREAM_LEVEL_DECODED;
	if (l->ms > 0)
		p = l->power_ms / l->ms;
	else if (l->samples > 0)
		p = l->sum / l->samples / (32768.0 * 32768.0);
	if (!(p > 0))
		return AG_LEVEL_FLOOR_DB;
	db = 10.0 * log10(p);
	if (db < AG_LEVEL_FLOOR_DB)
		return AG_LEVEL_FLOOR_DB;
	return db > 0 ? 0.0 : db;
}

int16_t
ag_level_cb(double dbov)
{
	double cb = floor(dbov * 100.0 + 0.5);

	if (!(cb >= AG_STREAM_LEVEL_MIN_CB))
		return AG_STREAM_LEVEL_MIN_CB;
	return cb > 0 ? 0 : (int16_t)cb;
}

int
ag_level_rfc6464(const struct ag_rtp *p, int id, bool *voice)
{
	const uint8_t *d;
	size_t n;

	if (ag_rtp_ext_find(p, id, &d, &n) < 0 || n < 1)
		return -1;
	if (voice != NULL)
		*voice = (d[0] & 0x80) != 0;
	return d[0] & 0x7f;
}

bool
ag_level_active(const struct ag_stream_level *v, size_t n, uint32_t *uid)
{
	size_t i, best = n;

	for (i = 0; i < n; i++) {
		if (v[i].level_cb < AG_LEVEL_SPEECH_CB)
			continue;
		if (best == n || v[i].level_cb > v[best].level_cb ||
		    (v[i].level_cb == v[best].level_cb && v[i].uid < v[best].uid))
			best = i;
	}
	if (best == n)
		return false;
	*uid = v[best].uid;
	return true;
}

/* Append what snprintf makes of at most 63 bytes. */
static void
add(struct ag_buf *b, const char *s, int n)
{
	if (n > 0)
		ag_buf_append(b, s, (size_t)n);
}

int
ag_level_json(struct ag_buf *b, int64_t t_ms, int64_t wall_ms, uint32_t interval_ms,
    const struct ag_stream_level *v, size_t n, bool active, uint32_t active_uid)
{
	char s[96];
	size_t i;

	add(b, s, snprintf(s, sizeof s, "{\"t_ms\":%" PRId64 ",\"wall_ms\":%" PRId64
	    ",\"interval_ms\":%" PRIu32 ",\"levels\":{", t_ms, wall_ms, interval_ms));
	for (i = 0; i < n; i++) {
		/* hundredths to tenths, halves away from zero: -2345 -> -23.5 */
		int c = v[i].level_cb, t = c < 0 ? -((-c + 5) / 10) : (c + 5) / 10;
		add(b, s, snprintf(s, sizeof s, "%s\"%" PRIu32 "\":%s%d.%d", i ? "," : "", v[i].uid,
		    t < 0 ? "-" : "", (t < 0 ? -t : t) / 10, (t < 0 ? -t : t) % 10));
	}
	if (active)
		add(b, s, snprintf(s, sizeof s, "},\"active\":%" PRIu32 "}\n", active_uid));
	else
		add(b, s, snprintf(s, sizeof s, "},\"active\":null}\n"));
	return b->failed ? -1 : 0;
}

/* ---- reading speakers.jsonl (jansson: a line is a small JSON object) ---- */

/* An integer member key of o into *v, within min..max.  0 or -1 with err. */
static int
get_int(json_t *o, const char *key, int64_t min, int64_t max, int64_t *v, struct ag_error *err)
{
	json_t *j = json_object_get(o, key);

	if (j == NULL)
		return ag_error_set(err, AG_EX_DATAERR, "no \"%s\"", key);
	if (!json_is_integer(j) || json_integer_value(j) < min || json_integer_value(j) > max)
		return ag_error_set(err, AG_EX_DATAERR, "\"%s\" is not an integer in %lld..%lld",
		    key, (long long)min, (long long)max);
	*v = json_integer_value(j);
	return 0;
}

/* The "levels" object l into out. */
static int
get_levels(json_t *l, struct ag_level_line *out, struct ag_error *err)
{
	const char *key;
	json_t *v;
	long uid;

	if (!json_is_object(l))
		return ag_error_set(err, AG_EX_DATAERR, "\"levels\" is not an object");
	json_object_foreach(l, key, v) {
		if (ag_parse_long(key, 0, 4294967295L, &uid) < 0)
			return ag_error_set(err, AG_EX_DATAERR, "levels: '%.32s' is not a uid", key);
		if (!json_is_number(v))
			return ag_error_set(err, AG_EX_DATAERR, "levels: %s: not a number", key);
		out->nlevels_all++;
		if (out->nlevels == AG_LEVEL_MAX_LINE_LEVELS)
			continue;
		out->levels[out->nlevels].uid = (uint32_t)uid;
		out->levels[out->nlevels].level_cb = ag_level_cb(json_number_value(v));
		out->nlevels++;
	}
	return 0;
}

int
ag_level_parse_line(const char *line, size_t len, struct ag_level_line *out,
    struct ag_error *err)
{
	json_error_t je;
	json_t *root, *a, *l;
	int64_t v;
	int rc = -1;

	memset(out, 0, sizeof *out);
	root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		return ag_error_set(err, AG_EX_DATAERR, "not JSON: %s", je.text);
	if (!json_is_object(root)) {
		ag_error_set(err, AG_EX_DATAERR, "not a JSON object");
		goto out;
	}
	if (get_int(root, "t_ms", INT64_MIN / 1000, INT64_MAX / 1000, &out->t_ms, err) < 0 ||
	    get_int(root, "wall_ms", INT64_MIN / 1000, INT64_MAX / 1000, &out->wall_ms, err) < 0 ||
	    get_int(root, "interval_ms", 1, 86400000, &out->interval_ms, err) < 0)
		goto out;
	a = json_object_get(root, "active");
	if (a == NULL) {
		ag_error_set(err, AG_EX_DATAERR, "no \"active\"");
		goto out;
	}
	if (!json_is_null(a)) {
		if (get_int(root, "active", 0, 4294967295LL, &v, err) < 0)
			goto out;
		out->has_active = true;
		out->active = (uint32_t)v;
	}
	if ((l = json_object_get(root, "levels")) != NULL && get_levels(l, out, err) < 0)
		goto out;
	rc = 0;
out:
	json_decref(root);
	return rc;
}
