/*
 * folder.c - a finished recording folder as a list of clips on one
 * timeline: every uid_*.txt is read with txt.h, sessions are found as
 * agora-format.md 2.4 says (a txt with a 0.000 event or a marker opens
 * one, the others continue their uid's session base), and every media
 * file becomes a clip from its start (video: the info line) to its close,
 * in microseconds after the earliest session base of the folder.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "fsutil.h"
#include "mix/mix.h"
#include "names.h"
#include "txt.h"

struct txtent {
	char name[128];
	uint32_t uid;
	char ts[AG_TS_LEN + 1];
	int64_t ts_ms;
};

static int
txtent_cmp(const void *a, const void *b)
{
	const struct txtent *x = a, *y = b;

	if (x->uid != y->uid)
		return x->uid < y->uid ? -1 : 1;
	return strcmp(x->ts, y->ts);
}

static int
clip_cmp(const void *a, const void *b)
{
	const struct mx_clip *x = a, *y = b;

	if (x->start_us != y->start_us)
		return x->start_us < y->start_us ? -1 : 1;
	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

/* The channel name from metadata.txt, else from the folder's name. */
static void
channel_name(const char *dir, char *out, size_t size)
{
	char *p = ag_path_join(dir, "metadata.txt"), line[512];
	FILE *f = p != NULL ? fopen(p, "r") : NULL;
	const char *base;
	struct ag_channel_dir cd;

	free(p);
	snprintf(out, size, "mix");
	if (f != NULL) {
		while (fgets(line, sizeof line, f) != NULL) {
			char *a = strstr(line, "<channel name>"), *b;
			if (a != NULL && (b = strstr(a, "</channel name>")) != NULL) {
				*b = '\0';
				snprintf(out, size, "%s", a + strlen("<channel name>"));
				fclose(f);
				return;
			}
		}
		fclose(f);
	}
	base = strrchr(dir, '/');
	base = base != NULL && base[1] != '\0' ? base + 1 : dir;
	if (ag_parse_channel_dir(base, &cd) == 0)
		snprintf(out, size, "%s", cd.channel);
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

/* The clips of one txt, with times relative to base_ms (the session base). */
static int
txt_clips(const char *dir, const struct txtent *te, const struct ag_txt *t, int64_t base_ms,
    struct mx_folder *f, size_t *cap, struct ag_error *err)
{
	for (size_t i = 0; i < t->nlines; i++) {
		const struct ag_txt_line *l = &t->lines[i];
		struct mx_clip c;
		bool seen = false;
		int64_t start = -1, end = -1;

		if (l->event != AG_TXT_CREATE)
			continue;
		for (size_t k = 0; k < i; k++)
			if (t->lines[k].event == AG_TXT_CREATE && strcmp(t->lines[k].file, l->file) == 0)
				seen = true;
		if (seen)
			continue;
		memset(&c, 0, sizeof c);
		c.uid = l->media.uid;
		c.video = ag_media_is_video(l->media.kind);
		start = l->t_ms;
		for (size_t k = i + 1; k < t->nlines; k++) {
			const struct ag_txt_line *m = &t->lines[k];
			if (strcmp(m->file, l->file) != 0)
				continue;
			if (m->event == AG_TXT_VINFO && c.width == 0) {
				start = m->t_ms;
				c.width = m->width;
				c.height = m->height;
				c.rotation = m->rotation;
			} else if (m->event == AG_TXT_CLOSE && end < 0) {
				end = m->t_ms;
			}
		}
		if (l->media.kind == AG_MEDIA_TS) {
			ag_msg("%s: %s: in-progress .ts video is not mixed", te->name, l->file);
			continue;
		}
		if (c.video && c.width <= 0) {
			ag_msg("%s: %s: no info line with the size: left out", te->name, l->file);
			continue;
		}
		if (c.uid != te->uid) {
			ag_msg("%s: %s: not the txt's uid: left out", te->name, l->file);
			continue;
		}
		c.path = ag_path_join(dir, l->file);
		if (c.path == NULL)
			return ag_error_set(err, AG_EX_FAIL, "out of memory");
		if (ag_file_size(c.path) <= 0) {
			ag_msg("%s: %s: missing or empty: left out", te->name, l->file);
			free(c.path);
			continue;
		}
		c.start_us = (base_ms + start - f->base_ms) * 1000;
		if (end < 0) {
			ag_msg("%s: %s: no close line: mixed until its media ends", te->name, l->file);
			c.end_us = INT64_MAX;
		} else {
			c.end_us = (base_ms + end - f->base_ms) * 1000;
			if (c.end_us <= c.start_us) {
				free(c.path);
				continue;
			}
			if (c.end_us > f->end_us)
				f->end_us = c.end_us;
		}
		if (add_clip(f, cap, &c) < 0) {
			free(c.path);
			return ag_error_set(err, AG_EX_FAIL, "out of memory");
		}
	}
	return 0;
}

int
mx_folder_load(const char *dir, const struct mx_opts *o, struct mx_folder *f,
    struct ag_error *err)
{
	DIR *d;
	struct dirent *de;
	struct txtent *te = NULL;
	size_t nte = 0, capte = 0, cap = 0, nonzero = 0;
	int rc = -1;
	int64_t sess_base = 0;
	uint32_t sess_uid = 0, counted = 0;
	bool have_sess = false;

	memset(f, 0, sizeof *f);
	if ((d = opendir(dir)) == NULL)
		return ag_error_errno(err, AG_EX_IOERR, errno, "%s", dir);
	while ((de = readdir(d)) != NULL) {
		struct txtent e;
		if (ag_parse_txt_name(de->d_name, &e.uid, e.ts) < 0 || strlen(de->d_name) >= sizeof e.name)
			continue;
		snprintf(e.name, sizeof e.name, "%s", de->d_name);
		if (ag_ts_to_ms(e.ts, &e.ts_ms) < 0)
			continue;
		if (nte == capte) {
			size_t n = capte ? capte * 2 : 16;
			struct txtent *p = realloc(te, n * sizeof *p);
			if (p == NULL) {
				closedir(d);
				free(te);
				return ag_error_set(err, AG_EX_FAIL, "out of memory");
			}
			te = p;
			capte = n;
		}
		te[nte++] = e;
		if (e.uid != 0)
			nonzero++;
	}
	closedir(d);
	if (nte == 0) {
		ag_error_set(err, AG_EX_DATAERR, "%s: no uid_*.txt files: not a recording folder", dir);
		goto out;
	}
	qsort(te, nte, sizeof *te, txtent_cmp);
	f->base_ms = INT64_MAX;
	/* First pass: the bases, to find the earliest one. */
	for (int pass = 0; pass < 2; pass++) {
		have_sess = false;
		for (size_t i = 0; i < nte; i++) {
			struct ag_txt t;
			char *p;
			bool opens = false;

			if ((te[i].uid == 0 && nonzero > 0) || mx_excluded(o, te[i].uid))
				continue;
			if ((p = ag_path_join(dir, te[i].name)) == NULL) {
				ag_error_set(err, AG_EX_FAIL, "out of memory");
				goto out;
			}
			if (ag_txt_read_file(p, &t, err) < 0) {
				free(p);
				goto out;
			}
			free(p);
			for (size_t k = 0; k < t.nlines; k++)
				if (t.lines[k].t_ms == 0)
					opens = true;
			if (t.marker)
				opens = true;
			if (!have_sess || sess_uid != te[i].uid) {
				if (!opens && pass == 1)
					ag_msg("%s: first txt of uid %u does not start a session: starting one",
					    te[i].name, (unsigned)te[i].uid);
				opens = true;
			}
			if (opens) {
				sess_base = te[i].ts_ms;
				sess_uid = te[i].uid;
				have_sess = true;
			}
			if (pass == 0) {
				if (sess_base < f->base_ms)
					f->base_ms = sess_base;
			} else {
				if (f->nusers == 0 || counted != te[i].uid)
					f->nusers++;
				counted = te[i].uid;
				if (txt_clips(dir, &te[i], &t, sess_base, f, &cap, err) < 0) {
					ag_txt_free(&t);
					goto out;
				}
			}
			for (size_t k = 0; pass == 1 && k < t.nwarnings; k++)
				ag_msg("%s: %s", te[i].name, t.warnings[k].msg);
			ag_txt_free(&t);
		}
	}
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
	channel_name(dir, f->channel, sizeof f->channel);
	rc = 0;
out:
	free(te);
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
