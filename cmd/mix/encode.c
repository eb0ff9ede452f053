/*
 * encode.c - the outputs of a composite: one ffmpeg encoder child fed
 * the canvas (raw I420 on its stdin) and the mixed audio (s16le on a
 * second pipe, passed as an inherited descriptor and named pipe:N), the
 * raw PCM output, and the uid-0 txt file.
 *
 * The MP4 is fragmented (a fragment per keyframe, one every 2 s) and the
 * AAC is ADTS, so a composite cut short by SIGKILL is still playable.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "argv.h"
#include "diag.h"
#include "ffmpeg.h"
#include "fsutil.h"
#include "mix/mix.h"
#include "spawn.h"
#include "stream.h"
#include "txt.h"
#include "umask.h"

int
mx_sink_init(struct mx_sink *s, int fd, const char *name, size_t cap)
{
	memset(s, 0, sizeof *s);
	s->fd = fd;
	s->name = name;
	if (fd < 0)
		return 0;
	s->cap = cap;
	s->buf = malloc(cap);
	return s->buf == NULL ? -1 : 0;
}

size_t
mx_sink_room(const struct mx_sink *s)
{
	return s->fd < 0 || s->failed ? SIZE_MAX : s->cap - s->len;
}

void
mx_sink_put(struct mx_sink *s, const void *data, size_t len)
{
	if (s->fd < 0 || s->failed)
		return;
	if (len > s->cap - s->len)
		len = s->cap - s->len;	/* the caller checks the room: never happens */
	memcpy(s->buf + s->len, data, len);
	s->len += len;
}

void
mx_sink_send(struct mx_sink *s, const void *data, size_t len)
{
	const uint8_t *d = data;

	if (s->fd < 0 || s->failed)
		return;
	while (s->len == 0 && len > 0) {
		ssize_t r = write(s->fd, d, len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				s->failed = true;
				s->errnum = errno;
				return;
			}
			break;
		}
		d += r;
		len -= (size_t)r;
	}
	mx_sink_put(s, d, len);
}

int
mx_sink_flush(struct mx_sink *s)
{
	size_t off = 0;

	if (s->fd < 0 || s->failed)
		return s->failed ? -1 : 0;
	while (off < s->len) {
		ssize_t r = write(s->fd, s->buf + off, s->len - off);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			s->failed = true;
			s->errnum = errno;
			s->len = 0;
			return -1;
		}
		off += (size_t)r;
	}
	memmove(s->buf, s->buf + off, s->len - off);
	s->len -= off;
	return 0;
}

void
mx_sink_free(struct mx_sink *s)
{
	free(s->buf);
	s->buf = NULL;
}

static char *
out_path(const char *dir, const char *fmt, const char *ts)
{
	char name[64];

	snprintf(name, sizeof name, fmt, ts);
	return ag_path_join(dir, name);
}

/* Create (or truncate) a file for ffmpeg to write, and give a file that
 * was there the mode a new one gets (umask.h). */
static int
precreate(const char *path, struct ag_error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);

	if (fd < 0)
		return ag_error_errno(err, AG_EX_IOERR, errno, "%s", path);
	fchmod(fd, 0666 & ~ag_umask_get());
	close(fd);
	return 0;
}

static void
push_x264(struct ag_argv *a, const struct mx_opts *o, bool live)
{
	ag_argv_pushl(a, "-c:v", "libx264", "-preset", live ? "ultrafast" : "veryfast", NULL);
	ag_argv_pushf(a, "-b:v");
	ag_argv_pushf(a, "%dk", o->kbps);
	ag_argv_pushf(a, "-maxrate");
	ag_argv_pushf(a, "%dk", o->kbps * 3 / 2);
	ag_argv_pushf(a, "-bufsize");
	ag_argv_pushf(a, "%dk", o->kbps * 2);
	ag_argv_push(a, "-g");
	ag_argv_pushf(a, "%d", 2 * o->fps);
	ag_argv_push(a, "-keyint_min");
	ag_argv_pushf(a, "%d", 2 * o->fps);
	/* no B-frames: a fragmented MP4 has no edit list to hide their delay,
	 * which would start the video 2 frames after the audio */
	ag_argv_pushl(a, "-bf", "0", "-sc_threshold", "0", "-pix_fmt", "yuv420p", NULL);
	if (live)
		ag_argv_pushl(a, "-threads", "1", NULL);
}

static void
push_aac(struct ag_argv *a, const struct mx_opts *o)
{
	ag_argv_pushl(a, "-c:a", "aac", "-b:a", NULL);
	ag_argv_pushf(a, "%dk", mx_audio_kbps(o));
	ag_argv_push(a, "-ac");
	ag_argv_pushf(a, "%d", mx_audio_channels(o));
}

static int
open_pcm(struct mx_outputs *out, const struct mx_opts *o, struct ag_error *err)
{
	int fd;
	char json[128], *jp;
	struct stat st;

	if (strcmp(o->pcm, "-") == 0) {
		out->pcm_stdout = true;
		fd = dup(1);
		if (fd < 0)
			return ag_error_errno(err, AG_EX_IOERR, errno, "standard output");
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	} else {
		fd = open(o->pcm, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (fd < 0)
			return ag_error_errno(err, AG_EX_IOERR, errno, "--pcm %s", o->pcm);
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
			snprintf(json, sizeof json,
			    "{\"format\":\"s16le\",\"sample_rate\":48000,\"channels\":%d}\n",
			    mx_audio_channels(o));
			/* Without the name the file would be missing from the list of
			 * outputs, without the sidecar its format unknown. */
			if ((out->pcm_path = strdup(o->pcm)) == NULL || asprintf(&jp, "%s.json", o->pcm) < 0) {
				close(fd);
				return ag_error_set(err, AG_EX_FAIL, "out of memory");
			}
			if (ag_write_file_atomic(jp, json, strlen(json), 0666, err) < 0) {
				free(jp);
				close(fd);
				return -1;
			}
			free(jp);
		}
	}
	ag_fd_nonblock(fd);
	out->afd_wr = fd;
	return 0;
}

int
mx_outputs_open(struct mx_outputs *out, const struct mx_opts *o, const char *ffmpeg,
    const char *dir, const char *ts, bool live, struct ag_error *err)
{
	struct ag_argv a = { 0 };
	struct ag_spawn_io io = { AG_SPAWN_NULL, AG_SPAWN_NULL, AG_SPAWN_INHERIT, 0 };
	char *url;
	int ch = mx_audio_channels(o), in = 0, rc = -1;
	size_t frame = ag_stream_i420_size((unsigned)o->width, (unsigned)o->height);

	memset(out, 0, sizeof *out);
	out->enc_pid = -1;
	out->vfd_wr = out->afd_wr = -1;
	mx_sink_init(&out->vsink, -1, "video", 0);
	mx_sink_init(&out->asink, -1, "audio", 0);
	snprintf(out->ts, sizeof out->ts, "%s", ts);
	if ((out->dir = strdup(dir)) == NULL)
		return ag_error_set(err, AG_EX_FAIL, "out of memory");
	out->video = !o->audio_only;
	out->audio_pcm = o->pcm != NULL;
	out->audio_aac = !out->audio_pcm;
	if (out->audio_pcm && open_pcm(out, o, err) < 0)
		return -1;
	if (out->video)
		out->mp4 = out_path(dir, "0_%s.mp4", ts);
	if (out->audio_aac && (!out->video || o->mixed_va == 0))
		out->aac = out_path(dir, "0_%s.aac", ts);
	if (out->mp4 != NULL || out->aac != NULL)
		out->txt = out_path(dir, "uid_0_%s.txt", ts);
	if ((out->mp4 != NULL && precreate(out->mp4, err) < 0) ||
	    (out->aac != NULL && precreate(out->aac, err) < 0))
		return -1;
	if (out->video || out->audio_aac) {
		ag_ff_argv(&a, ffmpeg, false);
		ag_argv_push(&a, "-y");
		if (out->video) {
			/* no probing: a raw input's parameters are all given, and a
			 * probe that waits for data on one pipe while the other
			 * is full would deadlock */
			ag_argv_pushl(&a, "-probesize", "32", "-analyzeduration", "0",
			    "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", NULL);
			ag_argv_pushf(&a, "%dx%d", o->width, o->height);
			ag_argv_push(&a, "-framerate");
			ag_argv_pushf(&a, "%d", o->fps);
			ag_argv_pushl(&a, "-i", "pipe:0", NULL);
			in++;
		}
		if (out->audio_aac) {
			ag_argv_pushl(&a, "-probesize", "32", "-analyzeduration", "0",
			    "-f", "s16le", "-ar", "48000", "-ac", NULL);
			ag_argv_pushf(&a, "%d", ch);
			ag_argv_push(&a, "-i");
			/* after the video, the child reads it on its descriptor 3 */
			ag_argv_push(&a, out->video ? "pipe:3" : "pipe:0");
		}
		if (out->video) {
			ag_argv_pushl(&a, "-map", "0:v", NULL);
			if (out->aac == NULL && out->audio_aac)
				ag_argv_pushl(&a, "-map", "1:a", NULL);
			push_x264(&a, o, live);
			if (out->aac == NULL && out->audio_aac)
				push_aac(&a, o);
			ag_argv_pushl(&a, "-movflags", "+frag_keyframe+empty_moov+default_base_moof",
			    "-f", "mp4", NULL);
			url = ag_ff_url(out->mp4);
			ag_argv_push(&a, url);
			free(url);
		}
		if (out->aac != NULL) {
			ag_argv_push(&a, "-map");
			ag_argv_push(&a, out->video ? "1:a" : "0:a");
			push_aac(&a, o);
			ag_argv_pushl(&a, "-f", "adts", NULL);
			url = ag_ff_url(out->aac);
			ag_argv_push(&a, url);
			free(url);
		}
		if (a.failed) {
			ag_error_set(err, AG_EX_FAIL, "out of memory");
			goto out;
		}
		io.in = AG_SPAWN_PIPE_NB;
		if (out->video && out->audio_aac)
			io.in3 = AG_SPAWN_PIPE_NB;
		if (ag_spawn(ffmpeg, a.v, &io, &out->enc_pid, err) < 0)
			goto out;
		/* The encoder's pipe keeps its default size: made to hold a
		 * whole frame (mx_pipe_fit), it saved no measurable CPU and
		 * composites started together showed participants late more
		 * often (8-20 frames of 300 against 0-1, bench/mix's stream,
		 * busy machine). */
		if (out->video)
			out->vfd_wr = io.in;
		if (out->audio_aac)
			out->afd_wr = out->video ? io.in3 : io.in;
	}
	if (mx_sink_init(&out->vsink, out->vfd_wr, "the encoder (video)", 2 * frame) < 0 ||
	    mx_sink_init(&out->asink, out->afd_wr, out->audio_pcm ? "--pcm" : "the encoder (audio)",
	    (size_t)MX_RATE * 2 * (size_t)ch) < 0) {
		ag_error_set(err, AG_EX_FAIL, "out of memory");
		goto out;
	}
	rc = 0;
out:
	ag_argv_free(&a);
	return rc;
}

static int
line(char *buf, size_t size, size_t *len, int64_t t_ms, const char *path, enum ag_txt_event ev,
    int w, int h, int channels)
{
	struct ag_txt_line l;
	const char *base = strrchr(path, '/');
	int r;

	memset(&l, 0, sizeof l);
	l.t_ms = t_ms;
	snprintf(l.file, sizeof l.file, "%s", base != NULL ? base + 1 : path);
	l.event = ev;
	l.width = w;
	l.height = h;
	l.rotation = 0;
	l.channels = channels;
	r = ag_txt_format_line(buf + *len, size - *len, &l);
	if (r < 0)
		return -1;
	*len += (size_t)r;
	return 0;
}

int
mx_outputs_txt(struct mx_outputs *out, const struct mx_opts *o, int64_t dur_ms, bool closed,
    struct ag_error *err)
{
	char buf[1024];
	size_t len = 0;
	int ch = mx_audio_channels(o);

	if (out->txt == NULL)
		return 0;
	if (out->aac != NULL) {
		line(buf, sizeof buf, &len, 0, out->aac, AG_TXT_CREATE, 0, 0, 0);
		if (ch != 1)
			line(buf, sizeof buf, &len, 0, out->aac, AG_TXT_AINFO, 0, 0, ch);
	}
	if (out->mp4 != NULL) {
		line(buf, sizeof buf, &len, 0, out->mp4, AG_TXT_CREATE, 0, 0, 0);
		line(buf, sizeof buf, &len, 0, out->mp4, AG_TXT_VINFO, o->width, o->height, 0);
	}
	if (closed) {
		if (out->mp4 != NULL)
			line(buf, sizeof buf, &len, dur_ms, out->mp4, AG_TXT_CLOSE, 0, 0, 0);
		if (out->aac != NULL)
			line(buf, sizeof buf, &len, dur_ms, out->aac, AG_TXT_CLOSE, 0, 0, 0);
	}
	return ag_write_file_atomic(out->txt, buf, len, 0666, err);
}

/* Write what is left in both sinks, closing each pipe as soon as it is
 * empty (the encoder interleaves its inputs by time, so it may need the
 * end of one to take the rest of the other).  Gives up after 60 s. */
static int
finish_sinks(struct mx_outputs *out, struct ag_error *err)
{
	struct mx_sink *s[2] = { &out->vsink, &out->asink };
	int *fds[2] = { &out->vfd_wr, &out->afd_wr };
	int rc = 0;

	for (int spin = 0; spin < 60000 / 50; spin++) {
		struct pollfd p[2];
		nfds_t np = 0;
		for (int i = 0; i < 2; i++) {
			if (s[i]->fd < 0)
				continue;
			if (mx_sink_flush(s[i]) < 0 && rc == 0)
				rc = ag_error_errno(err, AG_EX_IOERR, s[i]->errnum, "%s", s[i]->name);
			if (s[i]->failed || s[i]->len == 0) {
				close(*fds[i]);
				*fds[i] = -1;
				s[i]->fd = -1;
				continue;
			}
			p[np].fd = s[i]->fd;
			p[np++].events = POLLOUT;
		}
		if (np == 0)
			return rc;
		if (poll(p, np, 50) < 0 && errno != EINTR)
			break;
	}
	for (int i = 0; i < 2; i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = s[i]->fd = -1;
	}
	if (rc == 0)
		rc = ag_error_set(err, AG_EX_FAIL, "the encoder (ffmpeg) stopped reading its input");
	if (out->enc_pid > 0)
		kill(out->enc_pid, SIGKILL);
	return rc;
}

int
mx_outputs_close(struct mx_outputs *out, struct ag_error *err)
{
	int rc, status;
	char buf[96];

	rc = finish_sinks(out, err);
	if (out->enc_pid > 0) {
		if (ag_wait(out->enc_pid, &status, err) == 0 && !ag_status_ok(status) && rc == 0)
			rc = ag_error_set(err, AG_EX_FAIL, "the encoder (ffmpeg) %s",
			    ag_status_describe(status, buf, sizeof buf));
		out->enc_pid = -1;
	}
	return rc;
}

void
mx_outputs_free(struct mx_outputs *out)
{
	if (out == NULL)
		return;
	if (out->vfd_wr >= 0)
		close(out->vfd_wr);
	if (out->afd_wr >= 0)
		close(out->afd_wr);
	mx_sink_free(&out->vsink);
	mx_sink_free(&out->asink);
	free(out->dir);
	free(out->aac);
	free(out->mp4);
	free(out->txt);
	free(out->pcm_path);
	memset(out, 0, sizeof *out);
	out->vfd_wr = out->afd_wr = -1;
	out->enc_pid = -1;
}
