/*
 * emit.c - the live channel stream (agrec-stream(5)) of --emit, and
 * --dump, which prints a stream as text for debugging pipelines.
 *
 * The stream is a consumer, never a master: its fd is non-blocking, and
 * a reader that falls too far behind or goes away is dropped with a log
 * line while the recording goes on.
 */
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "argv.h"
#include "diag.h"
#include "exitcodes.h"
#include "fsutil.h"
#include "record/emit.h"
#include "record/files.h"
#include "record/rec.h"
#include "spawn.h"

static void
sink_failed(struct rc_rec *r, struct rc_sink *k, const struct ag_error *e)
{
	rc_log(&r->folder, 2, "%s: %s; the channel stream stops, the recording goes on", k->name,
	    e->msg);
	ag_stream_writer_free(k->w);
	k->w = NULL;
	if (k->fd > 1)
		close(k->fd);
	k->fd = -1;
}

/* The next sink still taking the stream, from *i on. */
static struct rc_sink *
next_sink(struct rc_rec *r, int *i)
{
	for (; *i < r->nsinks; (*i)++)
		if (r->sinks[*i].w != NULL)
			return &r->sinks[(*i)++];
	return NULL;
}

#define EACH_SINK(r, k, i) for (i = 0; ((k) = next_sink((r), &i)) != NULL; )

/* Write the record *ev with ag_stream_write_X (fn) to every sink; a
 * sink that fails is dropped (sink_failed). */
#define BROADCAST(r, fn, ev) do { \
	struct ag_error e_ = { 0 }; \
	struct rc_sink *k_; \
	int i_; \
	EACH_SINK(r, k_, i_) \
		if (fn(k_->w, ev, &e_) < 0) \
			sink_failed(r, k_, &e_); \
} while (0)

static int
sink_add(struct rc_rec *r, const char *name, int fd, pid_t pid, struct ag_error *err)
{
	struct rc_sink *k = &r->sinks[r->nsinks];
	struct ag_stream_channel ch;

	ag_fd_nonblock(fd);
	memset(k, 0, sizeof *k);
	k->fd = fd;
	k->pid = pid;
	snprintf(k->name, sizeof k->name, "%s", name);
	if ((k->w = ag_stream_writer_new(fd, err)) == NULL)
		return -1;
	r->nsinks++;
	memset(&ch, 0, sizeof ch);
	ch.wall_us = r->folder.start_wall_ms * 1000;
	ch.origin = AG_STREAM_ORIGIN_START;
	ch.name = r->opts->channel;
	ch.name_len = strlen(r->opts->channel);
	return ag_stream_write_channel(k->w, &ch, err);
}

/* The program name next to our own executable, else on PATH. */
static char *
sibling(const char *prog)
{
	const char *env = strcmp(prog, "agrec-mix") == 0 ? getenv("AGREC_MIX") : getenv("AGREC_CAPTURE");
	char self[4096], *slash, *p;
	ssize_t n;

	if (env != NULL && env[0] != '\0')
		return strdup(env);
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			slash[1] = '\0';
			if (asprintf(&p, "%s%s", self, prog) >= 0) {
				if (access(p, X_OK) == 0)
					return p;
				free(p);
			}
		}
	}
	return strdup(prog);
}

/* Start agrec-mix or agrec-capture reading the channel stream on a pipe;
 * its messages go to recording.log. */
static int
spawn_sink(struct rc_rec *r, const char *prog, struct ag_argv *a, struct ag_error *err)
{
	struct ag_spawn_io io = { AG_SPAWN_PIPE_NB, AG_SPAWN_NULL, AG_SPAWN_NULL, 0 };
	char *path = sibling(prog);
	pid_t pid;
	int rc = -1;

	if (path == NULL || a->failed) {
		ag_error_errno(err, AG_EX_FAIL, ENOMEM, "%s", prog);
		goto out;
	}
	if (r->folder.log_fd >= 0)
		io.out = io.err = r->folder.log_fd;
	if (ag_spawn(path, a->v, &io, &pid, err) < 0)
		goto out;
	/* A roomy pipe: the stream must not stall while the child encodes. */
	fcntl(io.in, F_SETPIPE_SZ, 1 << 20);
	rc_log(&r->folder, 4, "started %s (pid %ld)", prog, (long)pid);
	rc = sink_add(r, prog, io.in, pid, err);
out:
	free(path);
	return rc;
}

/* Is prog runnable (a path, or found on PATH)? */
static bool
runnable(const char *prog)
{
	char *path = sibling(prog), *dirs, *d, *save = NULL;
	bool ok = false;

	if (path == NULL)
		return false;
	if (strchr(path, '/') != NULL) {
		ok = access(path, X_OK) == 0;
	} else if ((dirs = strdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin")) != NULL) {
		for (d = strtok_r(dirs, ":", &save); d && !ok; d = strtok_r(NULL, ":", &save)) {
			char *c = ag_path_join(*d ? d : ".", path);
			ok = c && access(c, X_OK) == 0;
			free(c);
		}
		free(dirs);
	}
	free(path);
	return ok;
}

int
rc_emit_check(const struct rc_opts *o, struct ag_error *err)
{
	if ((o->mixing || o->get_audio == 3) && !runnable("agrec-mix"))
		return ag_error_set(err, AG_EX_UNAVAILABLE, "%s needs agrec-mix, which is not installed "
		    "next to agrec-record or on PATH (AGREC_MIX names it)",
		    o->mixing ? "--isMixingEnabled 1" : "--getAudioFrame 3");
	if (o->get_video >= 3 && !runnable("agrec-capture"))
		return ag_error_set(err, AG_EX_UNAVAILABLE, "--getVideoFrame %d needs agrec-capture, which "
		    "is not installed next to agrec-record or on PATH (AGREC_CAPTURE names it)", o->get_video);
	return 0;
}

int
rc_emit_open(struct rc_rec *r, struct ag_error *err)
{
	const struct rc_opts *o = r->opts;
	const char *path = o->emit;
	int fd, i;

	r->nsinks = 0;
	if (path[0] != '\0') {
		if (strcmp(path, "-") == 0)
			fd = 1;
		else if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666)) < 0)
			return ag_error_errno(err, AG_EX_IOERR, errno, "--emit %s", path);
		if (sink_add(r, "--emit", fd, 0, err) < 0)
			return -1;
	}
	if (o->mixing || o->get_audio == 3) {
		/* Composite recording, or only the mixed PCM (--getAudioFrame 3). */
		struct ag_argv a = { 0 };
		char *pcm = NULL;
		ag_argv_pushl(&a, "agrec-mix", "--input", "-", "--output", r->folder.path, "--quiet",
		    "--umask", NULL);
		ag_argv_pushf(&a, "%03o", (unsigned)o->umask);
		for (i = 0; i < o->nmix_args; i++)
			ag_argv_push(&a, o->mix_args[i]);
		if (!o->mixing)
			ag_argv_pushl(&a, "--isAudioOnly", "1", NULL);
		if (o->get_audio == 3) {
			pcm = ag_path_join(r->folder.path, "0.pcm");
			ag_argv_pushl(&a, "--pcm", pcm ? pcm : "0.pcm", NULL);
		}
		i = spawn_sink(r, "agrec-mix", &a, err);
		free(pcm);
		ag_argv_free(&a);
		if (i < 0)
			return -1;
	}
	if (o->get_video >= 3) {
		/* Snapshots: 3 the sample's JPEG names, 4 and 5 agrec's. */
		struct ag_argv a = { 0 };
		ag_argv_pushl(&a, "agrec-capture", "--input", "-", "--output", r->folder.path, "--quiet",
		    "--umask", NULL);
		ag_argv_pushf(&a, "%03o", (unsigned)o->umask);
		ag_argv_push(&a, "--captureInterval");
		ag_argv_pushf(&a, "%d", o->capture_interval);
		if (o->get_video == 3)
			ag_argv_pushl(&a, "--names", "sample", NULL);
		i = spawn_sink(r, "agrec-capture", &a, err);
		ag_argv_free(&a);
		if (i < 0)
			return -1;
	}
	return 0;
}

void
rc_emit_join(struct rc_rec *r, uint32_t uid, int64_t t)
{
	struct ag_stream_join j = { t * 1000, uid };

	BROADCAST(r, ag_stream_write_join, &j);
}

void
rc_emit_leave(struct rc_rec *r, uint32_t uid, int64_t t, int reason)
{
	struct ag_stream_leave l = { t * 1000, uid, (uint8_t)reason };

	BROADCAST(r, ag_stream_write_leave, &l);
}

void
rc_emit_media(struct rc_rec *r, uint32_t uid, struct rc_emit_user *eu, const struct rc_frame *fm)
{
	const struct ag_frame *fr = fm->fr;
	const struct rc_ptmap *pm = fm->pm;
	int64_t t90 = fm->t90;
	int kind = ag_codec_is_video(fr->codec) ? 1 : 0;
	struct ag_stream_media m;

	if (r->nsinks == 0)
		return;
	/* A codec record before the first frame, and again when it changes;
	 * video starts at a key frame whose size is known.  Every sink gets
	 * the same records from the start, so one state serves them all. */
	if (!eu->codec_sent[kind] || eu->codec[kind] != (int)fr->codec ||
	    (kind == 1 && fr->keyframe && fr->width > 0 && (fr->width != eu->w || fr->height != eu->h))) {
		struct ag_stream_codec c;
		if (kind == 1 && (!fr->keyframe || fr->width <= 0))
			return;
		memset(&c, 0, sizeof c);
		c.t_us = t90 * 1000 / 90;
		c.uid = uid;
		c.kind = kind ? AG_STREAM_VIDEO : AG_STREAM_AUDIO;
		c.codec = (uint8_t)fr->codec;
		if (kind == 1) {
			c.width = (uint16_t)fr->width;
			c.height = (uint16_t)fr->height;
			if (fr->codec == AG_CODEC_H264 || fr->codec == AG_CODEC_H265) {
				c.extradata = fm->vconf;
				c.extradata_len = fm->vconf_len;
			}
			eu->w = fr->width;
			eu->h = fr->height;
		} else {
			c.sample_rate = (uint32_t)pm->rate;
			c.channels = (uint16_t)pm->channels;
			if (fr->codec == AG_CODEC_AAC) {
				c.extradata = pm->aac_config;
				c.extradata_len = pm->aac_config_len;
			}
		}
		BROADCAST(r, ag_stream_write_codec, &c);
		eu->codec_sent[kind] = true;
		eu->codec[kind] = (int)fr->codec;
	}
	memset(&m, 0, sizeof m);
	m.pts_us = t90 * 1000 / 90;
	m.uid = uid;
	m.kind = kind ? AG_STREAM_VIDEO : AG_STREAM_AUDIO;
	m.codec = (uint8_t)fr->codec;
	m.flags = (uint16_t)((fr->keyframe ? AG_STREAM_F_KEYFRAME : 0) |
	    (fr->after_loss ? AG_STREAM_F_DISCONT : 0));
	m.data = fr->data;
	m.len = fr->len;
	BROADCAST(r, ag_stream_write_media, &m);
}

void
rc_emit_levels(struct rc_rec *r, const struct ag_stream_levels *l)
{
	BROADCAST(r, ag_stream_write_levels, l);
}

void
rc_emit_end(struct rc_rec *r, int64_t t, int reason)
{
	struct ag_stream_end end = { t * 1000, (uint8_t)reason };
	struct rc_sink *k;
	int i, n;

	BROADCAST(r, ag_stream_write_end, &end);
	/* Give slow readers a moment to take the rest, but never hang. */
	for (n = 0; n < 250; n++) {
		size_t pending = 0;
		struct timespec ts = { 0, 20 * 1000000 };
		rc_emit_drain(r);
		EACH_SINK(r, k, i)
			pending += ag_stream_writer_pending(k->w);
		if (pending == 0)
			break;
		nanosleep(&ts, NULL);
	}
	EACH_SINK(r, k, i)
		if (ag_stream_writer_pending(k->w) > 0)
			rc_log(&r->folder, 3, "%s: the reader did not take the last %zu bytes", k->name,
			    ag_stream_writer_pending(k->w));
}

void
rc_emit_drain(struct rc_rec *r)
{
	struct ag_error e = { 0 };
	struct rc_sink *k;
	int i;

	EACH_SINK(r, k, i)
		if (ag_stream_writer_pending(k->w) > 0 && ag_stream_writer_drain(k->w, &e) < 0)
			sink_failed(r, k, &e);
}

bool
rc_emit_reaped(struct rc_rec *r, pid_t pid, int status)
{
	char d[128];
	int i;

	for (i = 0; i < r->nsinks; i++) {
		struct rc_sink *k = &r->sinks[i];
		if (k->pid != pid || pid <= 0)
			continue;
		k->pid = 0;
		if (ag_status_ok(status))
			rc_log(&r->folder, 4, "%s finished", k->name);
		else
			rc_log(&r->folder, 2, "%s %s", k->name, ag_status_describe(status, d, sizeof d));
		if (k->w != NULL) {
			struct ag_error e = { 0 };
			ag_error_set(&e, AG_EX_FAIL, "the program ended");
			sink_failed(r, k, &e);
		}
		return true;
	}
	return false;
}

void
rc_emit_close(struct rc_rec *r)
{
	int i, n, status, running;

	for (i = 0; i < r->nsinks; i++) {
		struct rc_sink *k = &r->sinks[i];
		ag_stream_writer_free(k->w);
		k->w = NULL;
		if (k->fd > 1)
			close(k->fd);
		k->fd = -1;
	}
	/* The children finish their files after the end of the stream: a
	 * composite's encoder may need a while, so up to 60 s, then SIGTERM. */
	for (n = 0; n < 1200; n++) {
		struct timespec ts = { 0, 50 * 1000000 };
		running = 0;
		for (i = 0; i < r->nsinks; i++) {
			struct rc_sink *k = &r->sinks[i];
			pid_t p;
			if (k->pid <= 0)
				continue;
			p = waitpid(k->pid, &status, WNOHANG);
			if (p == k->pid)
				rc_emit_reaped(r, p, status);
			else if (p < 0 && errno == ECHILD)
				k->pid = 0;
			else
				running++;
		}
		if (running == 0)
			return;
		if (n == 1199)
			break;
		nanosleep(&ts, NULL);
	}
	for (i = 0; i < r->nsinks; i++) {
		struct rc_sink *k = &r->sinks[i];
		if (k->pid <= 0)
			continue;
		rc_log(&r->folder, 2, "%s did not finish in 60 s: stopping it", k->name);
		kill(k->pid, SIGTERM);
		if (ag_wait(k->pid, &status, NULL) == 0)
			rc_emit_reaped(r, k->pid, status);
	}
}

/* A levels record's fields: t, interval, active (or -), uid:dBov:source... */
static void
dump_levels(const struct ag_stream_levels *l)
{
	struct ag_stream_level lv;
	size_t i, n = ag_stream_levels_count(l);

	printf(" t=%.3f interval=%" PRIu32, l->t_us / 1e6, l->interval_ms);
	if (l->flags & AG_STREAM_LEVELS_F_ACTIVE)
		printf(" active=%" PRIu32, l->active_uid);
	else
		printf(" active=-");
	for (i = 0; i < n; i++) {
		ag_stream_levels_get(l, i, &lv);
		printf(" %" PRIu32 ":%.2f:%s", lv.uid, lv.level_cb / 100.0,
		    lv.source == AG_STREAM_LEVEL_RFC6464 ? "rfc6464" : "decoded");
	}
}

int
rc_dump(const char *path)
{
	struct ag_stream_reader *rd;
	struct ag_stream_rec rec;
	struct ag_error e = { 0 };
	int fd, r, status = 0;

	if (strcmp(path, "-") == 0)
		fd = 0;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		ag_msg("--dump %s: %s", path, strerror(errno));
		return AG_EX_IOERR;
	}
	if ((rd = ag_stream_reader_new(fd, &e)) == NULL) {
		ag_msg("--dump %s: %s", path, e.msg);
		return e.code ? e.code : AG_EX_DATAERR;
	}
	while ((r = ag_stream_read(rd, &rec, &e)) == 1) {
		printf("%" PRIu64 " %s", rec.offset, ag_stream_type_name(rec.type));
		switch (rec.type) {
		case AG_STREAM_CHANNEL:
			printf(" name=%.*s wall_us=%" PRId64 " origin=%u", (int)rec.u.channel.name_len,
			    rec.u.channel.name, rec.u.channel.wall_us, rec.u.channel.origin);
			break;
		case AG_STREAM_JOIN:
			printf(" t=%.3f uid=%" PRIu32, rec.u.join.t_us / 1e6, rec.u.join.uid);
			break;
		case AG_STREAM_LEAVE:
			printf(" t=%.3f uid=%" PRIu32 " reason=%u", rec.u.leave.t_us / 1e6, rec.u.leave.uid,
			    rec.u.leave.reason);
			break;
		case AG_STREAM_CODEC:
			printf(" t=%.3f uid=%" PRIu32 " kind=%s codec=%s rate=%u ch=%u size=%ux%u extradata=%zu",
			    rec.u.codec.t_us / 1e6, rec.u.codec.uid, rec.u.codec.kind ? "video" : "audio",
			    ag_stream_codec_name(rec.u.codec.codec), rec.u.codec.sample_rate,
			    rec.u.codec.channels, rec.u.codec.width, rec.u.codec.height,
			    rec.u.codec.extradata_len);
			break;
		case AG_STREAM_MEDIA:
			printf(" pts=%.6f uid=%" PRIu32 " kind=%s codec=%s flags=%s%s bytes=%zu",
			    rec.u.media.pts_us / 1e6, rec.u.media.uid, rec.u.media.kind ? "video" : "audio",
			    ag_stream_codec_name(rec.u.media.codec),
			    rec.u.media.flags & AG_STREAM_F_KEYFRAME ? "K" : "-",
			    rec.u.media.flags & AG_STREAM_F_DISCONT ? "D" : "-", rec.u.media.len);
			break;
		case AG_STREAM_END:
			printf(" t=%.3f reason=%u", rec.u.end.t_us / 1e6, rec.u.end.reason);
			break;
		case AG_STREAM_LEVELS:
			dump_levels(&rec.u.levels);
			break;
		default:
			break;
		}
		putchar('\n');
	}
	if (r < 0) {
		ag_msg("--dump %s: %s", path, e.msg);
		status = e.code ? e.code : AG_EX_DATAERR;
	}
	ag_stream_reader_free(rd);
	if (fd > 0)
		close(fd);
	if (fflush(stdout) != 0)
		status = AG_EX_IOERR;
	return status;
}
