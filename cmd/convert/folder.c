/*
 * folder.c - agrec-convert's job on one folder: the checks, the folder
 * lock, the private temporary folder, convert.log, the conversion (or
 * the raw files, or the plan of --dry-run) and the done marker.
 */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "convert/convert.h"
#include "diag.h"
#include "exitcodes.h"
#include "folder.h"
#include "fsutil.h"

#define LOCK_NAME ".agrec-convert.lock"
#define TMP_PREFIX ".agrec-convert."

/* What one folder's job holds until it ends (fjob_close). */
struct fjob {
	const char *dir;
	struct ag_error err;
	struct cv_folder f;
	struct cv_job *jobs;
	struct cv_render *renders;
	struct cv_result *results;
	size_t njobs, nrendered;
	char *tmpdir, *logtmp, *logfinal;
	int lockfd;
};

/* Remove private directories left by a killed run (we hold the lock). */
static void
remove_stale(struct cv_ctx *c, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char *p;
		struct stat st;
		if (strncmp(de->d_name, TMP_PREFIX, strlen(TMP_PREFIX)) != 0 ||
		    strlen(de->d_name) != strlen(TMP_PREFIX) + 6)
			continue;
		if ((p = ag_path_join(dir, de->d_name)) == NULL)
			continue;
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			cv_note(c, "%s: removing %s left by an interrupted run", dir, de->d_name);
			ag_remove_private_dir(p, NULL);
		}
		free(p);
	}
	closedir(d);
}

static json_t *
output_json(const struct cv_job *j, const char *dir, const struct ag_probe *p, bool planned)
{
	json_t *o = json_object(), *streams = json_array();
	char *path = ag_path_join(dir, j->name);

	json_object_set_new(o, "name", json_string(j->name));
	json_object_set_new(o, "path", json_string(path ? path : j->name));
	free(path);
	json_object_set_new(o, "uid", json_integer(j->uid));
	if (j->session >= 0)
		json_object_set_new(o, "session", json_integer(j->session));
	else
		json_object_set_new(o, "txt", json_string(j->txt));
	json_object_set_new(o, "duration", json_real(planned || p->duration < 0 ?
	    j->dur_ms / 1000.0 : p->duration));
	json_object_set_new(o, "video_copied", json_boolean(j->copy_video));
	json_object_set_new(o, "audio_copied", json_boolean(j->copy_audio));
	if (j->kind != CV_OUT_AUDIO) {
		json_t *s = json_object();
		json_object_set_new(s, "type", json_string("video"));
		json_object_set_new(s, "codec",
		    json_string(planned ? cv_out_vcodec(j) : p->video.codec));
		json_object_set_new(s, "width", json_integer(planned ? j->width : p->video.width));
		json_object_set_new(s, "height", json_integer(planned ? j->height : p->video.height));
		if (planned || p->video.fps_den <= 0)
			json_object_set_new(s, "fps", json_integer(j->fps));
		else if (p->video.fps_num % p->video.fps_den == 0)
			json_object_set_new(s, "fps", json_integer(p->video.fps_num / p->video.fps_den));
		else
			json_object_set_new(s, "fps", json_real((double)p->video.fps_num / p->video.fps_den));
		json_array_append_new(streams, s);
	}
	if (j->kind != CV_OUT_VIDEO && j->naudio > 0) {
		json_t *s = json_object();
		json_object_set_new(s, "type", json_string("audio"));
		json_object_set_new(s, "codec", json_string(planned ? (j->opus ? "opus" : "aac") :
		    p->audio.codec));
		json_object_set_new(s, "sample_rate", json_integer(planned ? 48000 : p->audio.sample_rate));
		json_object_set_new(s, "channels", json_integer(planned ? (j->channels >= 2 ? 2 : 1) :
		    p->audio.channels));
		json_array_append_new(streams, s);
	}
	json_object_set_new(o, "streams", streams);
	return o;
}

static void
set_result(struct cv_folder_result *fr, const char *status, int code, const char *msg)
{
	fr->status = status;
	fr->exit = code;
	snprintf(fr->message, sizeof fr->message, "%s", msg);
}

static const char *
status_for(int code)
{
	switch (code) {
	case AG_EX_DATAERR: return "invalid";
	case AG_EX_TEMPFAIL: return "locked";
	default: return "error";
	}
}

/* Dry run: the files the copy path would make, as comment lines. */
static void
print_copy_files(const char *tmpdir, const struct cv_render *r)
{
	size_t i;
	int k;

	for (i = 0; i < r->nlinks; i++)
		printf("# %s/%s -> %s\n", tmpdir, r->link_names[i], r->link_targets[i]);
	for (k = 0; k < 2; k++) {
		const char *p = r->lists[k].text, *nl;
		if (r->lists[k].name == NULL)
			continue;
		printf("# %s/%s:\n", tmpdir, r->lists[k].name);
		for (; *p; p = nl + 1) {
			if ((nl = strchr(p, '\n')) == NULL)
				nl = p + strlen(p);
			printf("#   %.*s\n", (int)(nl - p), p);
			if (*nl == '\0')
				break;
		}
	}
}

/*
 * Close the convert log being written and put it in place as final.  A
 * write that failed earlier is an error too, reported with its errno.
 */
static int
finish_log(struct cv_ctx *c, const char *tmp, const char *final, struct ag_error *err)
{
	int e;

	cv_log_check(c);
	e = c->log_errno;
	if (fflush(c->log) != 0 && e == 0)
		e = errno;
	if (fclose(c->log) != 0 && e == 0)
		e = errno;
	c->log = NULL;
	if (e != 0)
		return ag_error_errno(err, AG_EX_IOERR, e, "%s", final);
	return ag_promote_file(tmp, final, err);
}

/* Remove dir/name if it is there (an earlier run's done marker). */
static void
remove_marker(const char *dir, const char *name)
{
	char *p = ag_path_join(dir, name);

	if (p)
		unlink(p);
	free(p);
}

/* Under the lock: the temporary folder and the log being written.
 * 0, or -1 with j->err. */
static int
fjob_prepare(struct cv_ctx *c, struct fjob *j)
{
	const struct cv_opts *o = c->opts;

	remove_stale(c, j->dir);
	if ((j->tmpdir = ag_make_private_dir(j->dir, TMP_PREFIX, &j->err)) == NULL)
		return -1;
	if ((j->logtmp = ag_path_join(j->tmpdir, "convert.log")) == NULL ||
	    (j->logfinal = ag_path_join(j->dir, "convert.log")) == NULL)
		return ag_error_errno(&j->err, AG_EX_IOERR, ENOMEM, "%s", j->dir);
	if ((c->log = fopen(j->logtmp, "we")) == NULL)
		return ag_error_errno(&j->err, AG_EX_IOERR, errno, "%s", j->logtmp);
	c->log_errno = 0;
	setvbuf(c->log, NULL, _IOLBF, 0);
	cv_logf(c, "agrec-convert %s: %s: mode %d, %d fps%s%s%s", AGREC_VERSION, j->dir,
	    o->mode, o->fps, o->saving ? ", saving" : "", o->reencode ? ", reencode" : "",
	    o->stretch ? ", stretch" : "");
	/* A done marker from an earlier run must not outlive this one. */
	if (!o->raw)
		remove_marker(j->dir, "convert-done.txt");
	return 0;
}

/*
 * The checks, then (but for --dry-run) the lock, the temporary folder
 * and the log.  recheck: see cv_convert_folder.  Returns 1 to go on, 0
 * when the folder is done with (fr set, message given), -1 with j->err.
 */
static int
fjob_open(struct cv_ctx *c, struct fjob *j, bool recheck, struct cv_folder_result *fr)
{
	const struct cv_opts *o = c->opts;
	const char *dir = j->dir;
	struct stat st;

	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		ag_error_errno(&j->err, AG_EX_IOERR, stat(dir, &st) < 0 ? errno : ENOTDIR, "%s", dir);
		set_result(fr, "error", AG_EX_IOERR, j->err.msg);
		ag_msg("%s", j->err.msg);
		return 0;
	}
	if (!o->force && !ag_folder_marked(dir, AG_FOLDER_FINISHED)) {
		snprintf(j->err.msg, sizeof j->err.msg, "%s: not finished: no recording2-done.txt "
		    "(the recorder is still running or was killed; --force converts it anyway)", dir);
		set_result(fr, "unfinished", AG_EX_TEMPFAIL, j->err.msg);
		ag_msg("%s", j->err.msg);
		return 0;
	}
	if (o->dry_run) {
		/* Plan only: no lock, no temporary directory, nothing written. */
		if (asprintf(&j->tmpdir, "%s/%sXXXXXX", dir, TMP_PREFIX) < 0)
			j->tmpdir = NULL;
		return 1;
	}
	j->lockfd = ag_lock_folder(dir, LOCK_NAME, &j->err);
	if (j->lockfd < 0) {
		set_result(fr, j->lockfd == -2 ? "locked" : "error", j->err.code, j->err.msg);
		if (!(o->once && j->lockfd == -2 && o->quiet))
			ag_msg("%s: %s", dir, j->err.msg);
		return 0;
	}
	/* Several workers or overlapping scans may be given the same
	 * folder: under the lock, a folder another one has converted is
	 * done. */
	if (recheck && ag_folder_marked(dir, AG_FOLDER_CONVERTED)) {
		set_result(fr, "skipped", 0, "already converted");
		if (!o->quiet)
			ag_msg("%s: already converted; skipped", dir);
		return 0;
	}
	return fjob_prepare(c, j) < 0 ? -1 : 1;
}

/* --raw: the raw files.  Raw files are another product: no
 * convert-done.txt, which says the folder's playable files are made.
 * 0, or -1 with j->err. */
static int
fjob_raw(struct cv_ctx *c, struct fjob *j, struct cv_folder_result *fr)
{
	if (c->opts->dry_run) {
		set_result(fr, "planned", 0, "");
		return 0;
	}
	if (cv_raw_folder(c, &j->f, j->dir, j->tmpdir, c->opts->raw, fr->outputs, &j->err) < 0)
		return -1;
	cv_logf(c, "done: raw %zu files, %d warnings", json_array_size(fr->outputs), c->nwarnings);
	if (finish_log(c, j->logtmp, j->logfinal, &j->err) < 0)
		return -1;
	set_result(fr, "converted", 0, "");
	return 0;
}

/* --dry-run: the planned commands on stdout (or in --json's outputs). */
static void
fjob_print_plan(struct cv_ctx *c, struct fjob *j, struct cv_folder_result *fr)
{
	bool text = !c->opts->json;
	size_t i;

	for (i = 0; i < j->njobs; i++) {
		int s;
		json_t *out = output_json(&j->jobs[i], j->dir, NULL, true);
		json_t *cmds = json_array();
		for (s = 0; s < j->renders[i].nsteps; s++) {
			const struct ag_argv *a = &j->renders[i].steps[s].argv;
			size_t k;
			json_t *argv = json_array();
			for (k = 0; k < a->n; k++)
				json_array_append_new(argv, json_string(a->v[k]));
			json_array_append_new(cmds, argv);
			if (text)
				ag_argv_print(a, stdout);
		}
		if (text)
			print_copy_files(j->tmpdir, &j->renders[i]);
		json_object_set_new(out, "commands", cmds);
		json_array_append_new(fr->outputs, out);
	}
	set_result(fr, "planned", 0, "");
}

/* Run the rendered jobs, then put the log and the done marker in place.
 * 0, or -1 with j->err. */
static int
fjob_execute(struct cv_ctx *c, struct fjob *j, struct cv_folder_result *fr)
{
	const char *dir = j->dir;
	int nfailed, signo = 0;
	size_t i;

	nfailed = cv_execute(c, dir, j->tmpdir, j->jobs, j->renders, j->njobs, j->results, &signo);
	for (i = 0; i < j->njobs; i++)
		if (j->results[i].ok)
			json_array_append_new(fr->outputs, output_json(&j->jobs[i], dir,
			    &j->results[i].probe, false));
	if (nfailed < 0)
		return ag_error_set(&j->err, 128 + signo, "%s: interrupted by signal %d; finished "
		    "outputs kept, no convert-done.txt", dir, signo);
	if (nfailed > 0)
		return ag_error_set(&j->err, AG_EX_FAIL, "%s: %d of %zu outputs failed; no "
		    "convert-done.txt (details in convert.log)", dir, nfailed, j->njobs);
	cv_logf(c, "done: %zu outputs, %d warnings", j->njobs, c->nwarnings);
	/* Every output and the log are in place and the folder is synced
	 * (ag_promote_file): only now the marker. */
	if (finish_log(c, j->logtmp, j->logfinal, &j->err) < 0)
		return -1;
	if (ag_folder_mark(dir, AG_FOLDER_CONVERTED, 0600, &j->err) < 0)
		return -1;
	set_result(fr, "converted", 0, "");
	return 0;
}

/* The playable files: plan, render, then print or run.  0, or -1 with j->err. */
static int
fjob_convert(struct cv_ctx *c, struct fjob *j, struct cv_folder_result *fr)
{
	size_t i;

	if (cv_plan(c, &j->f, &j->jobs, &j->njobs, &j->err) < 0)
		return -1;
	if (j->njobs == 0)
		return ag_error_set(&j->err, AG_EX_DATAERR, "%s: nothing in this folder can be "
		    "converted", j->dir);
	if ((j->renders = calloc(j->njobs, sizeof *j->renders)) == NULL ||
	    (j->results = calloc(j->njobs, sizeof *j->results)) == NULL)
		return ag_error_errno(&j->err, AG_EX_FAIL, ENOMEM, "%s", j->dir);
	for (i = 0; i < j->njobs; i++, j->nrendered++)
		if (cv_render_job(c, &j->f, &j->jobs[i], j->tmpdir, (int)i, &j->renders[i],
		    &j->err) < 0)
			return -1;
	if (c->opts->dry_run) {
		fjob_print_plan(c, j, fr);
		return 0;
	}
	return fjob_execute(c, j, fr);
}

/* The job failed: its result, its message, and the log as it is. */
static void
fjob_fail(struct cv_ctx *c, struct fjob *j, struct cv_folder_result *fr)
{
	struct ag_error *err = &j->err;

	if (err->code == 0)
		err->code = AG_EX_FAIL;
	set_result(fr, err->code == AG_EX_FAIL || err->code > 128 ? "failed" :
	    status_for(err->code), err->code, err->msg);
	ag_msg("%s", err->msg);
	if (c->log) {
		fprintf(c->log, "failed: %s\n", err->msg);
		fclose(c->log);
		c->log = NULL;
	}
	/* What the log holds, even cut short, tells what happened. */
	if (j->logtmp && !c->opts->dry_run)
		rename(j->logtmp, j->logfinal);
}

static void
fjob_close(struct cv_ctx *c, struct fjob *j)
{
	size_t i;

	if (c->log) {
		fclose(c->log);
		c->log = NULL;
	}
	for (i = 0; i < j->nrendered; i++)
		cv_render_free(&j->renders[i]);
	free(j->renders);
	free(j->results);
	cv_jobs_free(j->jobs, j->njobs);
	cv_folder_free(&j->f);
	if (j->tmpdir && !c->opts->dry_run)
		ag_remove_private_dir(j->tmpdir, NULL);
	free(j->tmpdir);
	free(j->logtmp);
	free(j->logfinal);
	if (j->lockfd >= 0)
		close(j->lockfd);
}

void
cv_convert_folder(struct cv_ctx *c, const char *dir, bool recheck, struct cv_folder_result *fr)
{
	struct fjob j = { .dir = dir, .lockfd = -1 };
	int r;

	fr->outputs = json_array();
	c->nwarnings = 0;
	r = fjob_open(c, &j, recheck, fr);
	if (r > 0) {
		if (cv_folder_load(c, dir, &j.f, &j.err) < 0)
			r = -1;
		else if (c->opts->raw)
			r = fjob_raw(c, &j, fr);
		else
			r = fjob_convert(c, &j, fr);
	}
	if (r < 0)
		fjob_fail(c, &j, fr);
	fjob_close(c, &j);
}

int
cv_convert_all(struct cv_ctx *c, const struct cv_strlist *folders, size_t first_found,
    json_t *jfolders)
{
	const struct cv_opts *o = c->opts;
	int status = 0;
	size_t i;

	for (i = 0; i < folders->n && !fe_stop_signal; i++) {
		struct cv_folder_result fr = { 0 };
		bool found = i >= first_found || o->once;
		json_t *jf;
		cv_convert_folder(c, folders->v[i], found, &fr);
		jf = json_object();
		json_object_set_new(jf, "folder", json_string(folders->v[i]));
		json_object_set_new(jf, "status", json_string(fr.status ? fr.status : "error"));
		json_object_set_new(jf, "exit", json_integer(fr.exit));
		json_object_set_new(jf, "message", json_string(fr.message));
		json_object_set_new(jf, "warnings", json_integer(c->nwarnings));
		json_object_set_new(jf, "outputs", fr.outputs ? fr.outputs : json_array());
		json_array_append_new(jfolders, jf);
		/* Under --scan a folder locked by another run is its business. */
		if (found && fr.exit == AG_EX_TEMPFAIL &&
		    strcmp(fr.status ? fr.status : "", "locked") == 0)
			fr.exit = 0;
		if (fr.exit != 0 && status == 0)
			status = fr.exit;
		if (fr.exit > 128)
			break;
	}
	return status;
}
