/*
 * folder.c - a finished recording folder (read by ag_folder_read) as a
 * list of clips on mix's clock: every clip from its start (video: the
 * info line) to its close, in microseconds after the earliest session
 * base of the users mixed.  What is left out is mix's policy (keep_log,
 * keep_clip).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "folder.h"
#include "fsutil.h"
#include "mix/mix.h"
#include "names.h"
#include "num.h"

static int
clip_cmp(const void *a, const void *b)
{
	const struct mx_clip *x = a, *y = b;

	if (x->start_us != y->start_us)
		return ag_cmp_i64(x->start_us, y->start_us);
	return ag_cmp_i64(x->uid, y->uid);
}

/*
 * Mix's policy for a log g of af: uid 0 (the SDK's composite) is left
 * out when other users exist, and so are the excluded uids.  *why says
 * why a log is left out with a message, or stays NULL.
 */
static bool
keep_log(const struct ag_folder *af, const struct ag_folder_log *g, const struct mx_opts *o,
    const char **why)
{
	*why = NULL;
	if (mx_excluded(o, g->uid) || !ag_sub_wants_any(&o->sub, g->uid))
		return false;
	if (g->uid == 0 && af->logs[af->nlogs - 1].uid != 0) {
		*why = "uid 0 is the SDK's composite and other users exist: left out";
		return false;
	}
	return true;
}

/* And for a clip: it needs a create line, a size (video) and a non-empty file. */
static bool
keep_clip(const struct ag_folder_log *g, const struct ag_folder_clip *c)
{
	if (!c->has_create)
		return false;
	if (c->video && c->width <= 0) {
		ag_msg("%s: %s: no info line with the size: left out", g->name, c->file);
		return false;
	}
	if (c->size <= 0) {
		ag_msg("%s: %s: missing or empty: left out", g->name, c->file);
		return false;
	}
	return true;
}

/* Whether warning w is about a log that is left out. */
static bool
left_out_warning(const struct ag_folder *af, const bool *kept, const char *w)
{
	size_t n;

	for (size_t i = 0; i < af->nlogs; i++) {
		n = strlen(af->logs[i].name);
		if (strncmp(w, af->logs[i].name, n) == 0 && w[n] == ':')
			return !kept[i];
	}
	return false;
}

static int
add_clip(struct mx_folder *f, size_t *cap, const struct mx_clip *c)
{
	if (f->nclips == *cap) {
		size_t n = *cap ? *cap * 2 : 16;
		struct mx_clip *p = realloc(f->clips, n * sizeof *p);
		if (p == NULL)
			return -1;
		f->clips = p;
		*cap = n;
	}
	f->clips[f->nclips++] = *c;
	return 0;
}

/* The clips of log g on the output clock (f->base_ms set). */
static int
log_clips(const char *dir, const struct ag_folder_log *g, const struct mx_opts *o,
    struct ag_sub_tally *unsub, struct mx_folder *f, size_t *cap)
{
	for (size_t i = 0; i < g->nclips; i++) {
		const struct ag_folder_clip *ac = &g->clips[i];
		struct mx_clip c;

		if (!mx_subscribed(o, unsub, g->uid, ac->video) || !keep_clip(g, ac))
			continue;
		memset(&c, 0, sizeof c);
		c.uid = g->uid;
		c.video = ac->video;
		c.width = ac->width;
		c.height = ac->height;
		c.rotation = ac->video ? ac->rots[0].rotation : 0;
		c.start_us = (g->base_ms + ac->start_ms - f->base_ms) * 1000;
		if (ac->end_ms == AG_FOLDER_NO_CLOSE) {
			c.end_us = INT64_MAX;
		} else {
			c.end_us = (g->base_ms + ac->end_ms - f->base_ms) * 1000;
			if (c.end_us <= c.start_us)
				continue;
			if (c.end_us > f->end_us)
				f->end_us = c.end_us;
		}
		if ((c.path = ag_path_join(dir, ac->file)) == NULL || add_clip(f, cap, &c) < 0) {
			free(c.path);
			return -1;
		}
	}
	return 0;
}

/* f's clips, users and clock from af, as keep_log and keep_clip allow. */
static int
project(const struct ag_folder *af, const struct mx_opts *o, struct mx_folder *f,
    struct ag_error *err)
{
	bool *kept = calloc(af->nlogs, sizeof *kept);
	struct ag_sub_tally unsub = { 0 };
	const char *why;
	size_t i, cap = 0;
	int rc = -1;

	if (kept == NULL)
		return ag_error_set(err, AG_EX_FAIL, "out of memory");
	f->base_ms = INT64_MAX;
	for (i = 0; i < af->nlogs; i++) {
		kept[i] = keep_log(af, &af->logs[i], o, &why);
		if (!ag_sub_wants_any(&o->sub, af->logs[i].uid)) {
			/* said once, as for a user left out by one kind */
			mx_subscribed(o, &unsub, af->logs[i].uid, true);
			mx_subscribed(o, &unsub, af->logs[i].uid, false);
		}
		if (why != NULL)
			ag_msg("%s: %s", af->logs[i].name, why);
		if (kept[i] && af->logs[i].base_ms < f->base_ms)
			f->base_ms = af->logs[i].base_ms;
		if (kept[i] && (i == 0 || !kept[i - 1] || af->logs[i - 1].uid != af->logs[i].uid))
			f->nusers++;
	}
	for (i = 0; i < af->warnings.n; i++)
		if (!left_out_warning(af, kept, af->warnings.v[i]))
			ag_msg("%s", af->warnings.v[i]);
	for (i = 0; i < af->nlogs; i++)
		if (kept[i] && log_clips(af->path, &af->logs[i], o, &unsub, f, &cap) < 0) {
			ag_error_set(err, AG_EX_FAIL, "out of memory");
			goto out;
		}
	rc = 0;
out:
	ag_sub_tally_free(&unsub);
	free(kept);
	return rc;
}

int
mx_folder_load(const char *dir, const struct mx_opts *o, struct mx_folder *f,
    struct ag_error *err)
{
	struct ag_folder af;
	int rc = -1;

	memset(f, 0, sizeof *f);
	if (ag_folder_read(dir, &af, err) < 0)
		return -1;
	if (project(&af, o, f, err) < 0)
		goto out;
	if (f->nclips == 0) {
		ag_error_set(err, AG_EX_DATAERR, "%s: the txt files list no media to mix", dir);
		goto out;
	}
	if (f->end_us <= 0) {
		ag_error_set(err, AG_EX_DATAERR, "%s: no media file has a close line: "
		    "is the recording finished?", dir);
		goto out;
	}
	for (size_t i = 0; i < f->nclips; i++)
		if (f->clips[i].end_us == INT64_MAX)
			f->clips[i].end_us = f->end_us;
	qsort(f->clips, f->nclips, sizeof *f->clips, clip_cmp);
	ag_ts_from_ms(f->base_ms, f->ts);
	snprintf(f->channel, sizeof f->channel, "%s", af.channel[0] != '\0' ? af.channel : "mix");
	rc = 0;
out:
	ag_folder_free(&af);
	if (rc < 0)
		mx_folder_free(f);
	return rc;
}

void
mx_folder_free(struct mx_folder *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->nclips; i++)
		free(f->clips[i].path);
	free(f->clips);
	memset(f, 0, sizeof *f);
}
