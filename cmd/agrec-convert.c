/*
 * agrec-convert - convert finished Agora-layout recording folders into
 * playable per-user files, with the options of video_convert.py
 * (-f -m -p -s -r) and none of its defects.  See agrec-convert(1).
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "convert/convert.h"
#include "rawfile.h"
#include "diag.h"
#include "exitcodes.h"
#include "fsutil.h"
#include "num.h"

#define LOCK_NAME ".agrec-convert.lock"
#define TMP_PREFIX ".agrec-convert."

static const char usage_text[] =
"usage: agrec-convert [-m MODE] [-p FPS] [-s] [-r W H | -r WxH] [-j N] [--force] [--once]\n"
"                     [--reencode] [--stretch] [--dry-run] [--json] [-q] -f DIR [-f DIR ...]\n"
"       agrec-convert --raw pcm|aac|h264|yuv [-q] [--json] -f DIR [-f DIR ...]\n"
"       agrec-convert [options] --scan ROOT\n"
"       agrec-convert -h | --help | -V | --version\n";

static const char help_text[] =
"Convert finished recording folders into playable per-user files.\n"
"\n"
"  -f, --folder DIR      a recording folder (repeatable)\n"
"      --scan ROOT       every finished, not yet converted folder below ROOT\n"
"  -m, --mode N          0 one A/V file per txt (default), 1 one A/V file per\n"
"                        user session, 2 audio only, 3 video only\n"
"  -p, --fps N           output frame rate, default 15 (clamped to 5..120)\n"
"  -s, --saving          leave out the time between txt files (modes 1-3)\n"
"  -r, --resolution W H  output canvas (also WxH); 0 0 = automatic (default)\n"
"  -j, --jobs N          parallel ffmpeg jobs, 1..64 (default: CPUs)\n"
"      --force           convert a folder without recording2-done.txt\n"
"      --raw FORMAT      instead: per-user raw files as agrec-record writes them\n"
"                        live: pcm (48 kHz s16le), aac (ADTS), h264 (Annex-B),\n"
"                        yuv (I420); <UID>.<ext> and a <UID>.<ext>.json sidecar\n"
"      --once            skip a folder that is converted or being converted\n"
"                        (checked under its lock; for many workers)\n"
"      --reencode        re-encode all video (no stream copy)\n"
"      --stretch         stretch clips to the canvas instead of letterboxing\n"
"      --dry-run         print the planned ffmpeg commands; write nothing\n"
"      --json            print a JSON summary on stdout\n"
"  -q, --quiet           no progress and no per-output lines\n"
"  -h, --help            this help\n"
"  -V, --version         the version\n"
"\n"
"Exit status: 0 success, 1 a conversion failed, 64 usage, 65 bad input data,\n"
"69 ffmpeg/ffprobe missing, 74 I/O error, 75 locked or not finished.\n"
"Environment: AGREC_FFMPEG, AGREC_FFPROBE.  See agrec-convert(1).\n";

static void
usage_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ag_vmsg(fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s", usage_text);
}

/* In main: report a usage error and leave through its cleanup. */
#define USAGE(...) do { usage_msg(__VA_ARGS__); status = AG_EX_USAGE; goto out; } while (0)

static void
on_signal(int sig)
{
	cv_stop_signal = sig;
}

/* ---- one folder ---- */

struct folder_result {
	const char *status;
	int exit;
	char message[1100];
	json_t *outputs;
};

static bool
exists(const char *dir, const char *name)
{
	char *p = ag_path_join(dir, name);
	struct stat st;
	bool r = p && lstat(p, &st) == 0;

	free(p);
	return r;
}

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
		json_object_set_new(s, "codec", json_string(planned ? "h264" : p->video.codec));
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
		json_object_set_new(s, "codec", json_string(planned ? "aac" : p->audio.codec));
		json_object_set_new(s, "sample_rate", json_integer(planned ? 48000 : p->audio.sample_rate));
		json_object_set_new(s, "channels", json_integer(planned ? (j->channels >= 2 ? 2 : 1) :
		    p->audio.channels));
		json_array_append_new(streams, s);
	}
	json_object_set_new(o, "streams", streams);
	return o;
}

static void
set_result(struct folder_result *fr, const char *status, int code, const char *msg)
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
	const char *names[2] = { r->list_name, r->alist_name };
	const char *texts[2] = { r->list_text, r->alist_text };
	size_t i;
	int k;

	for (i = 0; i < r->nlinks; i++)
		printf("# %s/%s -> %s\n", tmpdir, r->link_names[i], r->link_targets[i]);
	for (k = 0; k < 2; k++) {
		const char *p = texts[k], *nl;
		if (names[k] == NULL)
			continue;
		printf("# %s/%s:\n", tmpdir, names[k]);
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

/*
 * Convert one folder.  recheck: it was found by --scan (or --once is
 * given), so it may have been converted by another run since it was
 * looked at; that is checked again under the lock.
 */
static void
convert_folder(struct cv_ctx *c, const char *dir, bool recheck, struct folder_result *fr)
{
	const struct cv_opts *o = c->opts;
	struct ag_error err = { 0 };
	struct cv_folder f = { 0 };
	struct cv_job *jobs = NULL;
	struct cv_render *renders = NULL;
	struct cv_result *results = NULL;
	size_t njobs = 0, i, nrendered = 0;
	char *tmpdir = NULL, *logtmp = NULL, *logfinal = NULL;
	int lockfd = -1, nfailed, signo = 0;
	struct stat st;

	fr->outputs = json_array();
	c->nwarnings = 0;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		ag_error_errno(&err, AG_EX_IOERR, stat(dir, &st) < 0 ? errno : ENOTDIR, "%s", dir);
		set_result(fr, "error", AG_EX_IOERR, err.msg);
		ag_msg("%s", err.msg);
		return;
	}
	if (!o->force && !exists(dir, "recording2-done.txt")) {
		snprintf(err.msg, sizeof err.msg, "%s: not finished: no recording2-done.txt "
		    "(the recorder is still running or was killed; --force converts it anyway)", dir);
		set_result(fr, "unfinished", AG_EX_TEMPFAIL, err.msg);
		ag_msg("%s", err.msg);
		return;
	}
	if (o->dry_run) {
		/* Plan only: no lock, no temporary directory, nothing written. */
		if (asprintf(&tmpdir, "%s/%sXXXXXX", dir, TMP_PREFIX) < 0)
			tmpdir = NULL;
	} else {
		lockfd = ag_lock_folder(dir, LOCK_NAME, &err);
		if (lockfd < 0) {
			set_result(fr, lockfd == -2 ? "locked" : "error", err.code, err.msg);
			if (!(o->once && lockfd == -2 && o->quiet))
				ag_msg("%s: %s", dir, err.msg);
			return;
		}
		/* Several workers or overlapping scans may be given the same
		 * folder: under the lock, a folder another one has converted is
		 * done. */
		if (recheck && exists(dir, "convert-done.txt")) {
			set_result(fr, "skipped", 0, "already converted");
			if (!o->quiet)
				ag_msg("%s: already converted; skipped", dir);
			close(lockfd);
			return;
		}
		remove_stale(c, dir);
		if ((tmpdir = ag_make_private_dir(dir, TMP_PREFIX, &err)) == NULL)
			goto fail;
		if ((logtmp = ag_path_join(tmpdir, "convert.log")) == NULL ||
		    (logfinal = ag_path_join(dir, "convert.log")) == NULL) {
			ag_error_errno(&err, AG_EX_IOERR, ENOMEM, "%s", dir);
			goto fail;
		}
		if ((c->log = fopen(logtmp, "we")) == NULL) {
			ag_error_errno(&err, AG_EX_IOERR, errno, "%s", logtmp);
			goto fail;
		}
		c->log_errno = 0;
		setvbuf(c->log, NULL, _IOLBF, 0);
		cv_logf(c, "agrec-convert %s: %s: mode %d, %d fps%s%s%s", AGREC_VERSION, dir,
		    o->mode, o->fps, o->saving ? ", saving" : "", o->reencode ? ", reencode" : "",
		    o->stretch ? ", stretch" : "");
		/* A done marker from an earlier run must not outlive this one. */
		if (!o->raw) {
			char *done = ag_path_join(dir, "convert-done.txt");
			if (done)
				unlink(done);
			free(done);
		}
	}
	if (cv_folder_load(c, dir, &f, &err) < 0)
		goto fail;
	if (o->raw) {
		/* Raw files are another product: no convert-done.txt, which
		 * says the folder's playable files are made. */
		if (o->dry_run) {
			set_result(fr, "planned", 0, "");
			goto out;
		}
		if (cv_raw_folder(c, &f, dir, tmpdir, o->raw, fr->outputs, &err) < 0)
			goto fail;
		cv_logf(c, "done: raw %zu files, %d warnings", json_array_size(fr->outputs),
		    c->nwarnings);
		if (finish_log(c, logtmp, logfinal, &err) < 0)
			goto fail;
		set_result(fr, "converted", 0, "");
		goto out;
	}
	if (cv_plan(c, &f, &jobs, &njobs, &err) < 0)
		goto fail;
	if (njobs == 0) {
		ag_error_set(&err, AG_EX_DATAERR, "%s: nothing in this folder can be converted", dir);
		goto fail;
	}
	if ((renders = calloc(njobs, sizeof *renders)) == NULL ||
	    (results = calloc(njobs, sizeof *results)) == NULL) {
		ag_error_errno(&err, AG_EX_FAIL, ENOMEM, "%s", dir);
		goto fail;
	}
	for (i = 0; i < njobs; i++, nrendered++)
		if (cv_render_job(c, &f, &jobs[i], tmpdir, (int)i, &renders[i], &err) < 0)
			goto fail;
	if (o->dry_run) {
		for (i = 0; i < njobs; i++) {
			int s;
			json_t *out = output_json(&jobs[i], dir, NULL, true);
			json_t *cmds = json_array();
			for (s = 0; s < renders[i].nsteps; s++) {
				const struct ag_argv *a = &renders[i].steps[s].argv;
				size_t k;
				json_t *argv = json_array();
				for (k = 0; k < a->n; k++)
					json_array_append_new(argv, json_string(a->v[k]));
				json_array_append_new(cmds, argv);
				if (!o->json)
					ag_argv_print(a, stdout);
			}
			if (!o->json)
				print_copy_files(tmpdir, &renders[i]);
			json_object_set_new(out, "commands", cmds);
			json_array_append_new(fr->outputs, out);
		}
		set_result(fr, "planned", 0, "");
		goto out;
	}
	nfailed = cv_execute(c, dir, tmpdir, jobs, renders, njobs, results, &signo);
	for (i = 0; i < njobs; i++)
		if (results[i].ok)
			json_array_append_new(fr->outputs, output_json(&jobs[i], dir, &results[i].probe, false));
	if (nfailed < 0) {
		ag_error_set(&err, 128 + signo, "%s: interrupted by signal %d; finished outputs kept, "
		    "no convert-done.txt", dir, signo);
		goto fail;
	}
	if (nfailed > 0) {
		ag_error_set(&err, AG_EX_FAIL, "%s: %d of %zu outputs failed; no convert-done.txt "
		    "(details in convert.log)", dir, nfailed, njobs);
		goto fail;
	}
	cv_logf(c, "done: %zu outputs, %d warnings", njobs, c->nwarnings);
	/* Every output and the log are in place and the folder is synced
	 * (ag_promote_file): only now the marker. */
	if (finish_log(c, logtmp, logfinal, &err) < 0)
		goto fail;
	{
		char *done = ag_path_join(dir, "convert-done.txt");
		if (done == NULL || ag_write_file_atomic(done, "", 0, 0600, &err) < 0) {
			free(done);
			goto fail;
		}
		free(done);
	}
	set_result(fr, "converted", 0, "");
	goto out;
fail:
	if (err.code == 0)
		err.code = AG_EX_FAIL;
	set_result(fr, err.code == AG_EX_FAIL || err.code > 128 ? "failed" : status_for(err.code),
	    err.code, err.msg);
	ag_msg("%s", err.msg);
	if (c->log) {
		fprintf(c->log, "failed: %s\n", err.msg);
		fclose(c->log);
		c->log = NULL;
	}
	/* What the log holds, even cut short, tells what happened. */
	if (logtmp && !o->dry_run)
		rename(logtmp, logfinal);
out:
	if (c->log) {
		fclose(c->log);
		c->log = NULL;
	}
	for (i = 0; i < nrendered; i++)
		cv_render_free(&renders[i]);
	free(renders);
	free(results);
	cv_jobs_free(jobs, njobs);
	cv_folder_free(&f);
	if (tmpdir && !o->dry_run)
		ag_remove_private_dir(tmpdir, NULL);
	free(tmpdir);
	free(logtmp);
	free(logfinal);
	if (lockfd >= 0)
		close(lockfd);
}

/* ---- --scan ---- */

struct strlist {
	char **v;
	size_t n, cap;
};

static int
strlist_add(struct strlist *l, char *s)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **v = realloc(l->v, cap * sizeof *v);
		if (v == NULL)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = s;
	return 0;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collect folders holding uid_*.txt below dir, up to depth levels. */
static void
scan_dir(const char *dir, int depth, struct strlist *found)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct strlist subs = { 0 };
	bool has_txt = false;
	size_t i;

	if (d == NULL) {
		ag_msg("%s: %s", dir, strerror(errno));
		return;
	}
	while ((de = readdir(d)) != NULL) {
		uint32_t uid;
		char ts[AG_TS_LEN + 1];
		struct stat st;
		char *p;
		if (de->d_name[0] == '.')
			continue;
		if (ag_parse_txt_name(de->d_name, &uid, ts) == 0) {
			has_txt = true;
			continue;
		}
		if (depth <= 0 || (p = ag_path_join(dir, de->d_name)) == NULL)
			continue;
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			strlist_add(&subs, p);
		else
			free(p);
	}
	closedir(d);
	if (has_txt)
		strlist_add(found, strdup(dir));
	if (subs.n > 1)
		qsort(subs.v, subs.n, sizeof *subs.v, str_cmp);
	for (i = 0; i < subs.n; i++) {
		scan_dir(subs.v[i], depth - 1, found);
		free(subs.v[i]);
	}
	free(subs.v);
}

/* ---- main ---- */

static int
parse_size(const char *s, long *w, long *h)
{
	const char *x = strchr(s, 'x');
	char buf[64];

	if (x == NULL || (size_t)(x - s) >= sizeof buf)
		return -1;
	memcpy(buf, s, (size_t)(x - s));
	buf[x - s] = '\0';
	if (ag_parse_long(buf, -100000, 100000, w) < 0 || ag_parse_long(x + 1, -100000, 100000, h) < 0)
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "folder", required_argument, NULL, 'f' },
		{ "mode", required_argument, NULL, 'm' },
		{ "fps", required_argument, NULL, 'p' },
		{ "saving", no_argument, NULL, 's' },
		{ "resolution", required_argument, NULL, 'r' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "scan", required_argument, NULL, 'S' },
		{ "force", no_argument, NULL, 'F' },
		{ "once", no_argument, NULL, 'O' },
		{ "raw", required_argument, NULL, 'W' },
		{ "reencode", no_argument, NULL, 'R' },
		{ "stretch", no_argument, NULL, 'T' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 },
	};
	struct cv_opts o = { .mode = 0, .fps = 15, .jobs = 0 };
	struct cv_ctx c = { 0 };
	struct strlist folders = { 0 }, scans = { 0 };
	size_t nexplicit = SIZE_MAX;	/* folders from here on were found by --scan */
	struct ag_error err = { 0 };
	struct sigaction sa;
	json_t *jroot = NULL, *jfolders = NULL;
	char *ffmpeg = NULL, *ffprobe = NULL;
	int ch, status = 0;
	long v, w, h;
	size_t i;

	ag_set_progname(argv[0]);
	while ((ch = getopt_long(argc, argv, "f:m:p:sr:j:qhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			strlist_add(&folders, optarg);
			break;
		case 'S':
			strlist_add(&scans, optarg);
			break;
		case 'm':
			if (ag_parse_long(optarg, 0, 3, &v) < 0)
				USAGE("-m: '%s' is not a mode (0, 1, 2 or 3)", optarg);
			o.mode = (int)v;
			break;
		case 'p':
			if (ag_parse_long(optarg, -1000000, 1000000, &v) < 0)
				USAGE("-p: '%s' is not a whole number", optarg);
			if (v <= 0)
				USAGE("-p: the frame rate must be positive, not %ld", v);
			if (v < 5 || v > 120) {
				ag_msg("-p: %ld is out of 5..120; using %d", v, v < 5 ? 5 : 120);
				v = v < 5 ? 5 : 120;
			}
			o.fps = (int)v;
			break;
		case 's':
			o.saving = true;
			break;
		case 'r':
			if (strchr(optarg, 'x') != NULL) {
				if (parse_size(optarg, &w, &h) < 0)
					USAGE("-r: '%s' is not WxH", optarg);
			} else {
				if (ag_parse_long(optarg, -100000, 100000, &w) < 0)
					USAGE("-r: '%s' is not a width", optarg);
				if (optind >= argc || ag_parse_long(argv[optind], -100000, 100000, &h) < 0)
					USAGE("-r takes two numbers, W H (or WxH)");
				optind++;
			}
			if (w < 0 || h < 0)
				USAGE("-r: %ld %ld: sizes cannot be negative", w, h);
			if ((w == 0) != (h == 0))
				USAGE("-r: %ld %ld: give both sizes, or 0 0 for automatic", w, h);
			if (w > 7680 || h > 7680)
				USAGE("-r: %ld %ld: at most 7680 pixels a side", w, h);
			if ((w & 1) || (h & 1)) {
				ag_msg("-r: %ldx%ld rounded up to even sizes for H.264: %ldx%ld", w, h,
				    w + (w & 1), h + (h & 1));
				w += w & 1;
				h += h & 1;
			}
			o.width = (int)w;
			o.height = (int)h;
			break;
		case 'j':
			if (ag_parse_long(optarg, 1, 64, &v) < 0)
				USAGE("-j: '%s' is not a number from 1 to 64", optarg);
			o.jobs = (int)v;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'O':
			o.once = true;
			break;
		case 'W':
			if ((o.raw = ag_raw_from_ext(optarg)) == AG_RAW_NONE)
				USAGE("--raw: '%s' is not pcm, aac, h264 or yuv", optarg);
			break;
		case 'F':
			o.force = true;
			break;
		case 'R':
			o.reencode = true;
			break;
		case 'T':
			o.stretch = true;
			break;
		case 'n':
			o.dry_run = true;
			break;
		case 'J':
			o.json = true;
			break;
		case 'h':
			printf("%s\n%s", usage_text, help_text);
			status = fflush(stdout) == 0 && !ferror(stdout) ? 0 : AG_EX_IOERR;
			goto out;
		case 'V':
			printf("agrec-convert %s\n", AGREC_VERSION);
			status = fflush(stdout) == 0 && !ferror(stdout) ? 0 : AG_EX_IOERR;
			goto out;
		default:
			fprintf(stderr, "%s", usage_text);
			status = AG_EX_USAGE;
			goto out;
		}
	}
	if (optind < argc)
		USAGE("unexpected argument '%s' (folders go after -f)", argv[optind]);
	if (folders.n == 0 && scans.n == 0)
		USAGE("no folder: give -f DIR or --scan ROOT");
	nexplicit = folders.n;
	if (o.jobs == 0)
		o.jobs = ag_ncpus();
	if (o.saving && o.mode == 0)
		ag_msg("-s has no effect in mode 0");

	if ((ffmpeg = ag_ff_find("AGREC_FFMPEG", "ffmpeg", &err)) == NULL ||
	    (ffprobe = ag_ff_find("AGREC_FFPROBE", "ffprobe", &err)) == NULL) {
		ag_msg("%s", err.msg);
		status = AG_EX_UNAVAILABLE;
		goto out;
	}
	umask(077);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	c.ffmpeg = ffmpeg;
	c.ffprobe = ffprobe;
	c.opts = &o;
	c.progress = !o.quiet && !o.dry_run && isatty(2);
	jroot = json_object();
	jfolders = json_array();

	/* --scan adds the finished, unconverted folders it finds. */
	for (i = 0; i < scans.n; i++) {
		struct strlist found = { 0 };
		size_t k;
		scan_dir(scans.v[i], 4, &found);
		for (k = 0; k < found.n; k++) {
			if (exists(found.v[k], "convert-done.txt") ||
			    (!o.force && !exists(found.v[k], "recording2-done.txt"))) {
				if (!exists(found.v[k], "convert-done.txt") && !o.quiet)
					ag_msg("%s: not finished yet; skipped", found.v[k]);
				free(found.v[k]);
				continue;
			}
			strlist_add(&folders, found.v[k]);
		}
		free(found.v);
	}

	for (i = 0; i < folders.n && !cv_stop_signal; i++) {
		struct folder_result fr = { 0 };
		json_t *jf;
		convert_folder(&c, folders.v[i], i >= nexplicit || o.once, &fr);
		jf = json_object();
		json_object_set_new(jf, "folder", json_string(folders.v[i]));
		json_object_set_new(jf, "status", json_string(fr.status ? fr.status : "error"));
		json_object_set_new(jf, "exit", json_integer(fr.exit));
		json_object_set_new(jf, "message", json_string(fr.message));
		json_object_set_new(jf, "warnings", json_integer(c.nwarnings));
		json_object_set_new(jf, "outputs", fr.outputs ? fr.outputs : json_array());
		json_array_append_new(jfolders, jf);
		/* Under --scan a folder locked by another run is its business. */
		if ((i >= nexplicit || o.once) && fr.exit == AG_EX_TEMPFAIL &&
		    strcmp(fr.status ? fr.status : "", "locked") == 0)
			fr.exit = 0;
		if (fr.exit != 0 && status == 0)
			status = fr.exit;
		if (fr.exit > 128)
			break;
	}
	json_object_set_new(jroot, "folders", jfolders);
	if (o.json) {
		json_dumpf(jroot, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
	}
	json_decref(jroot);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		ag_msg("standard output: %s", strerror(errno));
		if (status == 0)
			status = AG_EX_IOERR;
	}
	if (cv_stop_signal && status == 0)
		status = 128 + cv_stop_signal;
out:
	free(ffmpeg);
	free(ffprobe);
	for (i = nexplicit; i < folders.n; i++)
		free(folders.v[i]);	/* found by --scan */
	free(folders.v);
	free(scans.v);
	return status;
}
