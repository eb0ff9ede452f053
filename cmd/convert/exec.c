/*
 * exec.c - run the planned ffmpeg steps, several outputs at once, with a
 * progress line on a terminal; verify every output by probing it before
 * it is renamed into the folder.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "convert/convert.h"
#include "clock.h"
#include "exitcodes.h"
#include "fsutil.h"
#include "spawn.h"

struct slot {
	size_t job;
	int step;
	pid_t pid;
	int pfd;                /* progress pipe, or -1 */
	int lfd;                /* ffmpeg's stderr file */
	char *lpath;
	struct ag_progress prog;
	bool busy;
};

/* The monotonic clock in seconds. */
static double
now(void)
{
	return ag_mono_us() / 1e6;
}

/* Write the concat list l into tmpdir (nothing if l has no name). */
static int
write_list(const char *tmpdir, const struct cv_list *l, struct ag_error *err)
{
	char *p;
	int rc;

	if (l->name == NULL)
		return 0;
	if ((p = ag_path_join(tmpdir, l->name)) == NULL)
		return ag_error_errno(err, AG_EX_FAIL, ENOMEM, "list");
	rc = ag_write_file_atomic(p, l->text, strlen(l->text), 0600, err);
	free(p);
	return rc;
}

/* Make the concat list and the links a job needs. */
static int
prepare(const char *tmpdir, struct cv_render *r, struct ag_error *err)
{
	size_t i;
	char *p;

	for (i = 0; i < 2; i++)
		if (write_list(tmpdir, &r->lists[i], err) < 0)
			return -1;
	for (i = 0; i < r->nlinks; i++) {
		if ((p = ag_path_join(tmpdir, r->link_names[i])) == NULL)
			return ag_error_errno(err, AG_EX_FAIL, ENOMEM, "link");
		unlink(p);
		if (symlink(r->link_targets[i], p) < 0) {
			ag_error_errno(err, AG_EX_IOERR, errno, "symlink %s", p);
			free(p);
			return -1;
		}
		free(p);
	}
	return 0;
}

/* Copy ffmpeg's stderr for a step into convert.log and keep its last line. */
static void
collect_log(struct cv_ctx *c, struct slot *s, char *last, size_t lastsize)
{
	char buf[4096];
	FILE *f;

	last[0] = '\0';
	if (s->lpath == NULL || (f = fopen(s->lpath, "r")) == NULL)
		return;
	while (fgets(buf, sizeof buf, f) != NULL) {
		size_t len = strlen(buf);
		if (c->log) {
			fputs(buf, c->log);
			cv_log_check(c);
		}
		while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
			buf[--len] = '\0';
		if (len > 0)
			snprintf(last, lastsize, "%s", buf);
	}
	fclose(f);
}

static void
slot_close(struct slot *s)
{
	if (s->pfd >= 0)
		close(s->pfd);
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->lpath) {
		unlink(s->lpath);
		free(s->lpath);
	}
	s->pfd = s->lfd = -1;
	s->lpath = NULL;
	s->busy = false;
}

static int
slot_start(struct cv_ctx *c, const char *tmpdir, struct slot *s, size_t job, int step,
    struct cv_render *r, struct ag_error *err)
{
	struct ag_spawn_io io = { AG_SPAWN_NULL, AG_SPAWN_NULL, AG_SPAWN_NULL, 0 };
	char name[64];

	memset(&s->prog, 0, sizeof s->prog);
	s->job = job;
	s->step = step;
	s->pfd = s->lfd = -1;
	snprintf(name, sizeof name, "j%zu-s%d.log", job, step);
	if ((s->lpath = ag_path_join(tmpdir, name)) == NULL)
		return ag_error_errno(err, AG_EX_FAIL, ENOMEM, "log");
	s->lfd = open(s->lpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (s->lfd < 0) {
		ag_error_errno(err, AG_EX_IOERR, errno, "%s", s->lpath);
		slot_close(s);
		return -1;
	}
	if (r->steps[step].progress)
		io.out = AG_SPAWN_PIPE_NB;
	io.err = s->lfd;
	if (c->log) {
		fprintf(c->log, "$ ");
		ag_argv_print(&r->steps[step].argv, c->log);
		fflush(c->log);
		cv_log_check(c);
	}
	if (ag_spawn(c->ffmpeg, r->steps[step].argv.v, &io, &s->pid, err) < 0) {
		slot_close(s);
		return -1;
	}
	if (r->steps[step].progress)
		s->pfd = io.out;
	s->busy = true;
	return 0;
}

static bool
near(double a, double b, double tol)
{
	return fabs(a - b) <= tol;
}

/* Probe the temporary output and check it against the plan. */
static int
verify(struct cv_ctx *c, const struct cv_job *j, const char *path, struct cv_result *res)
{
	struct ag_error e = { 0 };
	struct ag_probe *p = &res->probe;
	double want = j->dur_ms / 1000.0;
	double tol = 0.1 + 1.0 / j->fps;
	bool want_audio = j->kind != CV_OUT_VIDEO && j->naudio > 0;
	bool want_video = j->kind != CV_OUT_AUDIO;

	if (ag_probe_file(c->ffprobe, path, p, &e) < 0) {
		snprintf(res->why, sizeof res->why, "the output cannot be read back: %s", e.msg);
		return -1;
	}
	if (want_video != p->video.present || want_audio != p->audio.present) {
		snprintf(res->why, sizeof res->why, "the output has %s video and %s audio; planned %s and %s",
		    p->video.present ? "a" : "no", p->audio.present ? "an" : "no",
		    want_video ? "video" : "no video", want_audio ? "audio" : "no audio");
		return -1;
	}
	if (want_video) {
		if (p->video.width != j->width || p->video.height != j->height ||
		    strcmp(p->video.codec, cv_out_vcodec(j)) != 0) {
			snprintf(res->why, sizeof res->why,
			    "the output video is %s %dx%d; planned %s %dx%d", p->video.codec,
			    p->video.width, p->video.height, cv_out_vcodec(j), j->width, j->height);
			return -1;
		}
		if (p->video.duration >= 0 && !near(p->video.duration, want, tol)) {
			snprintf(res->why, sizeof res->why, "the output video lasts %.3f s; planned %.3f s",
			    p->video.duration, want);
			return -1;
		}
	}
	if (want_audio) {
		const char *codec = j->opus ? "opus" : "aac";
		if (p->audio.sample_rate != 48000 || strcmp(p->audio.codec, codec) != 0 ||
		    p->audio.channels != (j->channels >= 2 ? 2 : 1)) {
			snprintf(res->why, sizeof res->why, "the output audio is %s %d Hz %d ch; planned %s 48000 Hz %d ch",
			    p->audio.codec, p->audio.sample_rate, p->audio.channels, codec,
			    j->channels >= 2 ? 2 : 1);
			return -1;
		}
		if (p->audio.duration >= 0 && !near(p->audio.duration, want, tol)) {
			snprintf(res->why, sizeof res->why, "the output audio lasts %.3f s; planned %.3f s",
			    p->audio.duration, want);
			return -1;
		}
	}
	return 0;
}

static void
draw(struct cv_job *jobs, size_t n, const struct cv_result *results, struct slot *slots,
    int nslots, size_t done, size_t failed, double t0)
{
	double total = 0, got = 0;
	size_t i;
	int k;

	/* Finished outputs count fully, running ones by ffmpeg's own clock. */
	for (i = 0; i < n; i++) {
		total += jobs[i].dur_ms / 1000.0;
		if (results[i].ok)
			got += jobs[i].dur_ms / 1000.0;
	}
	for (k = 0; k < nslots; k++)
		if (slots[k].busy)
			got += slots[k].prog.out_time_us / 1e6;
	fprintf(stderr, "\r\033[Kagrec-convert: %zu/%zu outputs%s, %3.0f%% (%.0f of %.0f s of media), %.0f s",
	    done, n, failed ? " (some failed)" : "", total > 0 ? 100 * got / total : 0, got, total,
	    now() - t0);
	fflush(stderr);
}

int
cv_execute(struct cv_ctx *c, const char *dir, const char *tmpdir, struct cv_job *jobs,
    struct cv_render *renders, size_t n, struct cv_result *results, int *signo)
{
	int nslots = c->opts->jobs < 1 ? 1 : c->opts->jobs;
	struct slot *slots = calloc((size_t)nslots, sizeof *slots);
	size_t next = 0, done = 0, failed = 0;
	double t0 = now(), last_draw = 0;
	int k, running = 0;
	char last[512], desc[128];

	if (slots == NULL)
		return (int)n;
	for (k = 0; k < nslots; k++)
		slots[k].pfd = slots[k].lfd = -1;
	while (done < n) {
		struct pollfd pfd[64];
		int np = 0;

		if (fe_stop_signal)
			goto interrupted;
		/* Fill free slots with the next jobs. */
		for (k = 0; k < nslots && next < n; k++) {
			struct ag_error e = { 0 };
			if (slots[k].busy)
				continue;
			if (prepare(tmpdir, &renders[next], &e) < 0 ||
			    slot_start(c, tmpdir, &slots[k], next, 0, &renders[next], &e) < 0) {
				snprintf(results[next].why, sizeof results[next].why, "%s", e.msg);
				results[next].ok = false;
				cv_warn(c, "%s: %s: %s", dir, jobs[next].name, e.msg);
				done++;
				failed++;
				next++;
				k--;	/* try this slot again with the next job */
				continue;
			}
			next++;
			running++;
		}
		for (k = 0; k < nslots && np < 64; k++)
			if (slots[k].busy && slots[k].pfd >= 0) {
				pfd[np].fd = slots[k].pfd;
				pfd[np].events = POLLIN;
				np++;
			}
		if (poll(pfd, (nfds_t)np, 200) < 0 && errno != EINTR)
			break;
		for (k = 0; k < nslots; k++) {
			struct slot *s = &slots[k];
			char buf[4096];
			ssize_t r;
			size_t jn;
			int status, step;
			pid_t w;

			if (!s->busy)
				continue;
			while (s->pfd >= 0 && (r = read(s->pfd, buf, sizeof buf)) > 0)
				ag_progress_feed(&s->prog, buf, (size_t)r);
			w = waitpid(s->pid, &status, WNOHANG);
			if (w != s->pid)
				continue;
			while (s->pfd >= 0 && (r = read(s->pfd, buf, sizeof buf)) > 0)
				ag_progress_feed(&s->prog, buf, (size_t)r);
			collect_log(c, s, last, sizeof last);
			if (c->log) {
				fprintf(c->log, "# %s\n", ag_status_describe(status, desc, sizeof desc));
				cv_log_check(c);
			}
			jn = s->job;
			step = s->step;
			slot_close(s);
			running--;
			if (!ag_status_ok(status)) {
				snprintf(results[jn].why, sizeof results[jn].why, "ffmpeg %s%s%s",
				    ag_status_describe(status, desc, sizeof desc), last[0] ? ": " : "", last);
				goto job_failed;
			}
			if (step + 1 < renders[jn].nsteps) {
				struct ag_error e = { 0 };
				if (slot_start(c, tmpdir, s, jn, step + 1, &renders[jn], &e) < 0) {
					snprintf(results[jn].why, sizeof results[jn].why, "%s", e.msg);
					goto job_failed;
				}
				running++;
				continue;
			}
			if (verify(c, &jobs[jn], renders[jn].out_tmp, &results[jn]) < 0)
				goto job_failed;
			{
				/* Durably: convert-done.txt must never outlive an empty output. */
				struct ag_error e = { 0 };
				char *final = ag_path_join(dir, jobs[jn].name);
				if (final == NULL)
					ag_error_errno(&e, AG_EX_IOERR, ENOMEM, "%s", jobs[jn].name);
				if (final == NULL || ag_promote_file(renders[jn].out_tmp, final, &e) < 0) {
					snprintf(results[jn].why, sizeof results[jn].why, "cannot put it in place: %s",
					    e.msg);
					free(final);
					goto job_failed;
				}
				free(final);
			}
			results[jn].ok = true;
			done++;
			if (c->progress)
				fprintf(stderr, "\r\033[K");
			cv_note(c, "%s: wrote %s (%.3f s%s%s)", dir, jobs[jn].name, jobs[jn].dur_ms / 1000.0,
			    jobs[jn].copy_video ? ", video copied" : "", jobs[jn].copy_audio ? ", audio copied" : "");
			continue;
job_failed:
			results[jn].ok = false;
			unlink(renders[jn].out_tmp);
			done++;
			failed++;
			if (c->progress)
				fprintf(stderr, "\r\033[K");
			cv_warn(c, "%s: %s failed: %s", dir, jobs[jn].name, results[jn].why);
		}
		if (c->progress && now() - last_draw > 0.25) {
			draw(jobs, n, results, slots, nslots, done, failed, t0);
			last_draw = now();
		}
	}
	if (c->progress)
		fprintf(stderr, "\r\033[K");
	free(slots);
	return (int)failed;
interrupted:
	for (k = 0; k < nslots; k++)
		if (slots[k].busy)
			kill(slots[k].pid, SIGTERM);
	for (k = 0; k < nslots; k++)
		if (slots[k].busy) {
			int status;
			ag_wait(slots[k].pid, &status, NULL);
			unlink(renders[slots[k].job].out_tmp);
			slot_close(&slots[k]);
		}
	if (c->progress)
		fprintf(stderr, "\r\033[K");
	*signo = fe_stop_signal;
	free(slots);
	return -1;
}
