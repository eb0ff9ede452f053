/*
 * folder.c - read a recording folder into struct ag_folder
 * (agora-format.md sections 2.4 and 3.3; agrec-folder(5), "How agrec
 * reads a folder").  The one reader of uid_*.txt files behind
 * agrec-convert, agrec-mix and agrec-capture.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "argv.h"
#include "buf.h"
#include "folder.h"
#include "fsutil.h"
#include "num.h"
#include "txt.h"

#define META_MAX_BYTES ((size_t)64 * 1024)

/* Append a printf-style warning to f.  -1 (ENOMEM) or 0. */
static int
warn(struct ag_folder *f, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return ag_argv_push(&f->warnings, buf);
}

static int
nomem(struct ag_error *err)
{
	return ag_error_errno(err, AG_EX_FAIL, ENOMEM, "reading the folder");
}

/* The clip of file l->file in log g, added if new; NULL when out of memory. */
static struct ag_folder_clip *
clip_for(struct ag_folder_log *g, size_t *cap, const struct ag_txt_line *l)
{
	struct ag_folder_clip *cl, *p;
	size_t i;

	for (i = 0; i < g->nclips; i++)
		if (strcmp(g->clips[i].file, l->file) == 0)
			return &g->clips[i];
	if ((p = ag_grow(g->clips, cap, g->nclips + 1, sizeof *p)) == NULL)
		return NULL;
	g->clips = p;
	cl = &g->clips[g->nclips++];
	memset(cl, 0, sizeof *cl);
	snprintf(cl->file, sizeof cl->file, "%s", l->file);
	cl->kind = l->media.kind;
	cl->video = ag_media_is_video(l->media.kind);
	cl->uid = g->uid;
	cl->media_uid = l->media.uid;
	cl->create_ms = cl->start_ms = -1;
	cl->end_ms = AG_FOLDER_NO_CLOSE;
	cl->width = cl->height = cl->channels = -1;
	return cl;
}

/*
 * One line into its clip.  Every converter takes the first info time as
 * a video clip's start; a rotate line before any info line starts the
 * rotations at 0 (and the info lines after it are not believed).
 */
static void
clip_line(struct ag_folder_clip *cl, const struct ag_txt_line *l)
{
	switch (l->event) {
	case AG_TXT_CREATE:
		cl->has_create = true;
		if (cl->create_ms < 0)
			cl->create_ms = l->t_ms;
		if (cl->start_ms < 0)
			cl->start_ms = l->t_ms;
		break;
	case AG_TXT_VINFO:
		if (cl->nrots == 0) {
			cl->start_ms = l->t_ms;
			cl->width = l->width;
			cl->height = l->height;
			cl->rots[0].t_ms = l->t_ms;
			cl->rots[0].rotation = l->rotation;
			cl->nrots = 1;
		}
		break;
	case AG_TXT_ROTATE:
		if (cl->nrots == 0) {
			cl->rots[0].t_ms = cl->start_ms >= 0 ? cl->start_ms : l->t_ms;
			cl->rots[0].rotation = 0;
			cl->nrots = 1;
		}
		if (cl->nrots < AG_FOLDER_MAX_ROTS) {
			cl->rots[cl->nrots].t_ms = l->t_ms;
			cl->rots[cl->nrots].rotation = l->rotation;
			cl->nrots++;
		}
		break;
	case AG_TXT_CLOSE:
		cl->end_ms = l->t_ms;
		break;
	case AG_TXT_CODECSWITCH:
		if (cl->nswitches < AG_FOLDER_MAX_SWITCHES)
			cl->switches[cl->nswitches++] = l->t_ms;
		break;
	case AG_TXT_AINFO:
		if (cl->channels < 0)
			cl->channels = l->channels;
		break;
	}
	if (cl->create_ms < 0)
		cl->create_ms = l->t_ms;
	if (cl->start_ms < 0)
		cl->start_ms = l->t_ms;
}

/* The facts every clip of g gets once its lines are read, and their warnings. */
static int
clips_finish(struct ag_folder *f, struct ag_folder_log *g)
{
	struct ag_folder_clip *cl;
	char *path;
	size_t i;

	for (i = 0; i < g->nclips; i++) {
		cl = &g->clips[i];
		if (cl->video && cl->nrots == 0) {
			cl->rots[0].rotation = 0;
			cl->nrots = 1;
		}
		if (cl->video)
			cl->rots[0].t_ms = cl->start_ms;
		cl->size = -1;
		if (f->path != NULL) {
			if ((path = ag_path_join(f->path, cl->file)) == NULL)
				return -1;
			cl->size = ag_file_size(path);
			free(path);
		}
		if (cl->media_uid != g->uid && warn(f, "%s: %s is named for uid %lu; "
		    "kept as uid %lu's", g->name, cl->file, (unsigned long)cl->media_uid,
		    (unsigned long)g->uid) < 0)
			return -1;
		if (cl->end_ms == AG_FOLDER_NO_CLOSE && warn(f, "%s: %s has no close line; "
		    "it lasts as long as its media", g->name, cl->file) < 0)
			return -1;
	}
	return 0;
}

/* Add log name to f with its parsed lines t (borrowed). */
static int
add_parsed(struct ag_folder *f, const char *name, const struct ag_txt *t,
    struct ag_error *err)
{
	struct ag_folder_log *g, *p;
	struct ag_folder_clip *cl;
	size_t i, cap = 0;

	if (strlen(name) >= sizeof g->name)
		return ag_error_set(err, AG_EX_DATAERR, "%s: name too long", name);
	if ((p = realloc(f->logs, (f->nlogs + 1) * sizeof *p)) == NULL)
		return nomem(err);
	f->logs = p;
	g = &f->logs[f->nlogs];
	memset(g, 0, sizeof *g);
	if (ag_parse_txt_name(name, &g->uid, g->ts) < 0 || ag_ts_to_ms(g->ts, &g->ts_ms) < 0)
		return ag_error_set(err, AG_EX_DATAERR, "%s: not a uid_<UID>_<TS>.txt name", name);
	snprintf(g->name, sizeof g->name, "%s", name);
	f->nlogs++;
	for (i = 0; i < t->nwarnings; i++)
		if (warn(f, "%s: %s; line skipped", name, t->warnings[i].msg) < 0)
			return nomem(err);
	g->opens_session = t->marker;
	for (i = 0; i < t->nlines; i++) {
		if (t->lines[i].t_ms == 0)
			g->opens_session = true;
		if ((cl = clip_for(g, &cap, &t->lines[i])) == NULL)
			return nomem(err);
		clip_line(cl, &t->lines[i]);
	}
	if (clips_finish(f, g) < 0)
		return nomem(err);
	return 0;
}

int
ag_folder_add_log(struct ag_folder *f, const char *name, const char *text, size_t len,
    struct ag_error *err)
{
	struct ag_txt t;
	int rc;

	if (ag_txt_parse(text, len, &t, err) < 0)
		return -1;
	rc = add_parsed(f, name, &t, err);
	ag_txt_free(&t);
	return rc;
}

static int
log_cmp(const void *a, const void *b)
{
	const struct ag_folder_log *x = a, *y = b;
	int c = ag_cmp_i64(x->uid, y->uid);

	return c != 0 ? c : strcmp(x->ts, y->ts);
}

int
ag_folder_settle(struct ag_folder *f, struct ag_error *err)
{
	struct ag_folder_log *g, *prev;
	size_t i;

	if (f->nlogs > 0)
		qsort(f->logs, f->nlogs, sizeof *f->logs, log_cmp);
	f->origin_ms = 0;
	for (i = 0; i < f->nlogs; i++) {
		g = &f->logs[i];
		prev = i > 0 && f->logs[i - 1].uid == g->uid ? &f->logs[i - 1] : NULL;
		if (prev == NULL) {
			if (!g->opens_session && warn(f, "%s: the first txt of uid %lu has no 0.000 "
			    "line; it opens session 0 all the same", g->name,
			    (unsigned long)g->uid) < 0)
				return nomem(err);
			g->session = 0;
			g->base_ms = g->ts_ms;
		} else if (g->opens_session) {
			g->session = prev->session + 1;
			g->base_ms = g->ts_ms;
		} else {
			g->session = prev->session;
			g->base_ms = prev->base_ms;
		}
		if (i == 0 || g->base_ms < f->origin_ms)
			f->origin_ms = g->base_ms;
	}
	return 0;
}

/* The channel name: metadata.txt's, else the folder name's. */
static void
read_channel(struct ag_folder *f)
{
	char *p = ag_path_join(f->path, "metadata.txt"), *buf = NULL, *a, *b;
	const char *base, *end;
	size_t len;
	struct ag_channel_dir cd;
	char name[512];

	f->channel[0] = '\0';
	if (p != NULL && ag_read_file(p, META_MAX_BYTES, &buf, &len, NULL) == 0 &&
	    (a = strstr(buf, "<channel name>")) != NULL &&
	    (b = strstr(a, "</channel name>")) != NULL && memchr(a, '\n', (size_t)(b - a)) == NULL) {
		*b = '\0';
		snprintf(f->channel, sizeof f->channel, "%s", a + strlen("<channel name>"));
	}
	free(buf);
	free(p);
	if (f->channel[0] != '\0')
		return;
	end = f->path + strlen(f->path);
	while (end > f->path + 1 && end[-1] == '/')
		end--;
	for (base = end; base > f->path && base[-1] != '/'; base--)
		;
	snprintf(name, sizeof name, "%.*s", (int)(end - base), base);
	if (ag_parse_channel_dir(name, &cd) == 0)
		snprintf(f->channel, sizeof f->channel, "%s", cd.channel);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The uid_*.txt names of dir, sorted, into *names (new; ag_argv_free()). */
static int
list_logs(const char *dir, struct ag_argv *names, struct ag_error *err)
{
	DIR *d;
	struct dirent *de;

	memset(names, 0, sizeof *names);
	if ((d = opendir(dir)) == NULL)
		return ag_error_errno(err, AG_EX_IOERR, errno, "%s", dir);
	while ((de = readdir(d)) != NULL) {
		if (ag_parse_txt_name(de->d_name, NULL, NULL) < 0)
			continue;
		if (ag_argv_push(names, de->d_name) < 0)
			break;
	}
	closedir(d);
	if (names->failed)
		return nomem(err);
	if (names->n > 0)
		qsort(names->v, names->n, sizeof *names->v, name_cmp);
	return 0;
}

/* Read each txt file of dir named in names (borrowed) and add it to f. */
static int
read_logs(struct ag_folder *f, const char *dir, const struct ag_argv *names,
    struct ag_error *err)
{
	char *path;
	struct ag_txt t;
	size_t i;
	int r;

	if (names->n == 0)
		return ag_error_set(err, AG_EX_DATAERR,
		    "%s: no uid_*.txt files: not a recording folder", dir);
	for (i = 0; i < names->n; i++) {
		if ((path = ag_path_join(dir, names->v[i])) == NULL)
			return nomem(err);
		r = ag_txt_read_file(path, &t, err);
		free(path);
		if (r < 0)
			return -1;
		r = add_parsed(f, names->v[i], &t, err);
		ag_txt_free(&t);
		if (r < 0)
			return -1;
	}
	return 0;
}

int
ag_folder_read(const char *dir, struct ag_folder *f, struct ag_error *err)
{
	struct ag_argv names = { 0 };
	int rc;

	memset(f, 0, sizeof *f);
	if ((f->path = strdup(dir)) == NULL)
		return nomem(err);
	rc = list_logs(dir, &names, err);
	if (rc == 0)
		rc = read_logs(f, dir, &names, err);
	ag_argv_free(&names);
	if (rc == 0)
		rc = ag_folder_settle(f, err);
	if (rc < 0) {
		ag_folder_free(f);
		return -1;
	}
	read_channel(f);
	f->finished = ag_folder_marked(dir, AG_FOLDER_FINISHED);
	f->converted = ag_folder_marked(dir, AG_FOLDER_CONVERTED);
	return 0;
}

void
ag_folder_free(struct ag_folder *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->nlogs; i++)
		free(f->logs[i].clips);
	free(f->logs);
	ag_argv_free(&f->warnings);
	free(f->path);
	memset(f, 0, sizeof *f);
}

int
ag_metadata_write(const char *dir, const char *channel, struct ag_error *err)
{
	char buf[512], *p;
	int n, rc;

	n = snprintf(buf, sizeof buf, "<version>2.0</version>\n<tag></tag>\n"
	    "<channel name>%s</channel name>\n", channel);
	if (n < 0 || (size_t)n >= sizeof buf)
		return ag_error_set(err, AG_EX_FAIL, "metadata.txt: channel name too long");
	if ((p = ag_path_join(dir, "metadata.txt")) == NULL)
		return ag_error_errno(err, AG_EX_IOERR, ENOMEM, "metadata.txt");
	rc = ag_write_file_atomic(p, buf, (size_t)n, 0666, err);
	free(p);
	return rc;
}

const char *
ag_folder_marker_name(enum ag_folder_marker which)
{
	return which == AG_FOLDER_CONVERTED ? "convert-done.txt" : "recording2-done.txt";
}

int
ag_folder_mark(const char *dir, enum ag_folder_marker which, int mode, struct ag_error *err)
{
	char *p = ag_path_join(dir, ag_folder_marker_name(which));
	int rc;

	if (p == NULL)
		return ag_error_errno(err, AG_EX_IOERR, ENOMEM, "%s", ag_folder_marker_name(which));
	rc = ag_write_file_atomic(p, "", 0, mode, err);
	free(p);
	return rc;
}

bool
ag_folder_marked(const char *dir, enum ag_folder_marker which)
{
	char *p = ag_path_join(dir, ag_folder_marker_name(which));
	struct stat st;
	bool r;

	if (p == NULL)
		return false;
	r = lstat(p, &st) == 0;
	free(p);
	return r;
}
