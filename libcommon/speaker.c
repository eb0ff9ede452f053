/*
 * speaker.c - the active speaker's hold rule, speakers.jsonl lines and
 * the level of samples (speaker.h).  jansson reads the JSON: a line is
 * a small object, and jansson is the library agrec already uses for it.
 */
#include <math.h>
#include <string.h>

#include <jansson.h>

#include "num.h"
#include "speaker.h"

void
ag_speaker_hold_init(struct ag_speaker_hold *h, int64_t hold_us)
{
	memset(h, 0, sizeof *h);
	h->hold_us = hold_us < 0 ? 0 : hold_us;
}

bool
ag_speaker_hold_feed(struct ag_speaker_hold *h, int64_t end_us, int64_t interval_us,
    bool has_active, uint32_t active)
{
	int64_t start = end_us - (interval_us > 0 ? interval_us : 0);

	if (h->has_last && end_us < h->last_end_us)
		return false;
	/* a missing interval breaks the run as silence would */
	if (h->has_last && start - h->last_end_us > interval_us / 2)
		h->has_cand = false;
	h->has_last = true;
	h->last_end_us = end_us;
	if (!has_active) {
		h->has_cand = false;
		return false;
	}
	if (!h->has_cand || h->cand != active) {
		h->has_cand = true;
		h->cand = active;
		h->run_start_us = start;
	}
	if (h->has_speaker && h->speaker == active)
		return false;
	if (end_us - h->run_start_us < h->hold_us)
		return false;
	h->has_speaker = true;
	h->speaker = active;
	return true;
}

bool
ag_speaker_pick(const struct ag_speaker_level *v, size_t n, uint32_t *uid)
{
	bool found = false;
	double best = 0;

	for (size_t i = 0; i < n; i++) {
		if (v[i].db < AG_SPEAKER_THRESHOLD_DB)
			continue;
		if (!found || v[i].db > best || (v[i].db == best && v[i].uid < *uid)) {
			found = true;
			best = v[i].db;
			*uid = v[i].uid;
		}
	}
	return found;
}

double
ag_speaker_sumsq(const int16_t *s, size_t n)
{
	double sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += (double)s[i] * (double)s[i];
	return sum;
}

double
ag_speaker_dbov(double sumsq, uint64_t n)
{
	double db;

	if (n == 0 || sumsq <= 0)
		return AG_SPEAKER_FLOOR_DB;
	db = 10.0 * log10(sumsq / (double)n / (32768.0 * 32768.0));
	return db < AG_SPEAKER_FLOOR_DB ? AG_SPEAKER_FLOOR_DB : db > 0 ? 0 : db;
}

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
get_levels(json_t *l, struct ag_speaker_line *out, struct ag_error *err)
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
		if (out->nlevels == AG_SPEAKER_MAX_LEVELS)
			continue;
		out->levels[out->nlevels].uid = (uint32_t)uid;
		out->levels[out->nlevels].db = json_number_value(v);
		out->nlevels++;
	}
	return 0;
}

int
ag_speaker_parse_line(const char *line, size_t len, struct ag_speaker_line *out,
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
