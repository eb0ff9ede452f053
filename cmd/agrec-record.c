/*
 * agrec-record - record a live RTP channel into an Agora-layout recording
 * folder: per-user .aac/.mp4/.webm files, uid_*.txt event files,
 * metadata.txt and recording2-done.txt.  See agrec-record(1).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"
#include "exitcodes.h"
#include "fe/fe.h"
#include "ffmpeg.h"
#include "spawn.h"
#include "record/record.h"

/* The self-pipe: signal handlers write the signal number, the loop reads. */
static int sigpipe_w = -1;

static void
on_signal(int sig)
{
	unsigned char c = (unsigned char)sig;
	int e = errno;

	if (write(sigpipe_w, &c, 1) < 0) {
		/* the pipe is full: that signal is already pending */
	}
	errno = e;
}

static void
reap(struct rc_rec *r)
{
	int status;
	pid_t pid;
	size_t i, k;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		struct rc_folder *f = &r->folder;
		if (rc_emit_reaped(r, pid, status))
			continue;
		for (i = 0; i < f->nchildren; i++)
			if (f->children[i] == pid) {
				f->children[i] = f->children[--f->nchildren];
				break;
			}
		for (k = 0; k < r->nusers; k++) {
			struct rc_writer *ws[2] = { &r->users[k].audio, &r->users[k].video };
			int j;
			for (j = 0; j < 2; j++)
				if (ws[j]->kind == RC_W_CHILD && ws[j]->pid == pid) {
					char d[128];
					ws[j]->failed = true;
					if (rc_folder_full(f))
						r->disk_full = true;
					ws[j]->pid = 0;
					rc_log(f, 2, "the ffmpeg writing %s %s; the file is closed and the "
					    "next media starts a new one", ws[j]->name,
					    ag_status_describe(status, d, sizeof d));
				}
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			char d[128];
			rc_log(f, 4, "ffmpeg child %ld %s", (long)pid, ag_status_describe(status, d, sizeof d));
		}
	}
}

static void
stop_all(struct rc_rec *r, int64_t now, bool end_session)
{
	size_t i;

	r->folder.stopping = true;
	for (i = 0; i < r->nusers; i++) {
		rc_user_stop(r, &r->users[i], now);
		if (end_session) {
			r->users[i].session_open = false;
			r->users[i].audio_closed_ms = r->users[i].video_closed_ms = -1;
			r->users[i].video_rejoin = true;
		}
	}
	r->folder.stopping = false;
}

/* Wait for every ffmpeg child to finish its file (bounded). */
static void
wait_children(struct rc_rec *r)
{
	int i;

	for (i = 0; i < 200 && r->folder.nchildren > 0; i++) {
		struct timespec ts = { 0, 50 * 1000000 };
		reap(r);
		if (r->folder.nchildren == 0)
			break;
		nanosleep(&ts, NULL);
	}
	if (r->folder.nchildren > 0) {
		size_t k;
		rc_log(&r->folder, 2, "%zu ffmpeg children did not finish in 10 s; killing them",
		    r->folder.nchildren);
		for (k = 0; k < r->folder.nchildren; k++)
			kill(r->folder.children[k], SIGKILL);
		for (i = 0; i < 40 && r->folder.nchildren > 0; i++) {
			struct timespec ts = { 0, 50 * 1000000 };
			reap(r);
			nanosleep(&ts, NULL);
		}
	}
}

int
main(int argc, char **argv)
{
	struct rc_opts o;
	struct rc_rec r;
	struct ag_error err = { 0 };
	struct sigaction sa;
	char *ffmpeg;
	int sp[2], status = 0;
	bool stop = false, idle = false, started;
	size_t i;

	fe_init(&rc_prog, argv[0]);
	rc_opts_parse(argc, argv, &o);
	if (o.dump[0])
		return rc_dump(o.dump);
	if ((ffmpeg = ag_ff_find("AGREC_FFMPEG", "ffmpeg", &err)) == NULL) {
		ag_msg("%s", err.msg);
		return AG_EX_UNAVAILABLE;
	}
	if (rc_emit_check(&o, &err) < 0) {
		ag_msg("%s", err.msg);
		free(ffmpeg);
		return err.code;
	}
	umask(o.umask);
	memset(&r, 0, sizeof r);
	r.opts = &o;
	r.folder.ffmpeg = ffmpeg;
	r.empty_since_ms = 0;
	r.recording = o.trigger_mode == 0;
	/* Manual mode: no idle count before the first SIGUSR1. */
	started = r.recording;
	if (getrandom(&r.own_ssrc, sizeof r.own_ssrc, 0) != sizeof r.own_ssrc)
		r.own_ssrc = (uint32_t)getpid() * 2654435761u;

	if (pipe2(sp, O_CLOEXEC | O_NONBLOCK) < 0) {
		ag_msg("pipe: %s", strerror(errno));
		free(ffmpeg);
		return AG_EX_FAIL;
	}
	sigpipe_w = sp[1];
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (rc_ingest_open(&r, &err) < 0) {
		ag_msg("%s", err.msg);
		free(ffmpeg);
		return err.code ? err.code : AG_EX_IOERR;
	}
	if (rc_folder_create(&r.folder, &o, &err) < 0) {
		ag_msg("%s", err.msg);
		rc_ingest_free(&r);
		free(ffmpeg);
		return err.code ? err.code : AG_EX_IOERR;
	}
	rc_log(&r.folder, 4, "agrec-record %s: channel '%s', listening on %s%s%s:%d (RTCP also on %d), "
	    "%s mode, idle %d s", AGREC_VERSION, o.channel, strchr(o.listen_host, ':') ? "[" : "",
	    o.listen_host, strchr(o.listen_host, ':') ? "]" : "", o.listen_port, o.listen_port + 1,
	    o.trigger_mode ? "manual" : "automatic", o.idle_s);
	if (rc_emit_open(&r, &err) < 0) {
		ag_msg("%s", err.msg);
		rc_ingest_free(&r);
		free(ffmpeg);
		return err.code ? err.code : AG_EX_IOERR;
	}
	/* The folder is the one line on stdout (unless the stream goes there). */
	if (strcmp(o.emit, "-") != 0) {
		printf("%s\n", r.folder.path);
		fflush(stdout);
	} else {
		ag_msg("recording into %s", r.folder.path);
	}

	while (!stop) {
		struct pollfd pfd[3];
		int64_t now = rc_now_ms(&r.folder);
		int timeout = rc_ingest_timeout(&r, now), n;
		unsigned char sigs[64];
		ssize_t ns;
		bool anyone = false;

		if (timeout < 0 || timeout > 200)
			timeout = 200;
		pfd[0].fd = r.socks[0];
		pfd[0].events = POLLIN;
		pfd[1].fd = r.socks[1];
		pfd[1].events = POLLIN;
		pfd[2].fd = sp[0];
		pfd[2].events = POLLIN;
		n = poll(pfd, 3, timeout);
		if (n < 0 && errno != EINTR) {
			rc_log(&r.folder, 1, "poll: %s", strerror(errno));
			status = AG_EX_FAIL;
			break;
		}
		while ((ns = read(sp[0], sigs, sizeof sigs)) > 0) {
			ssize_t k;
			for (k = 0; k < ns; k++) {
				switch (sigs[k]) {
				case SIGINT: case SIGTERM: case SIGQUIT:
					rc_log(&r.folder, 4, "signal %d: stopping", sigs[k]);
					stop = true;
					break;
				case SIGCHLD:
					reap(&r);
					break;
				case SIGUSR1:
					if (o.trigger_mode == 0) {
						rc_log(&r.folder, 4, "SIGUSR1 ignored in automatic mode");
					} else if (!r.recording) {
						rc_log(&r.folder, 4, "SIGUSR1: recording starts (new session)");
						r.recording = true;
						started = true;
						r.empty_since_ms = rc_now_ms(&r.folder);
					}
					break;
				case SIGUSR2:
					if (o.trigger_mode == 0) {
						rc_log(&r.folder, 4, "SIGUSR2 ignored in automatic mode");
					} else if (r.recording) {
						rc_log(&r.folder, 4, "SIGUSR2: recording stops");
						stop_all(&r, rc_now_ms(&r.folder), true);
						r.recording = false;
					}
					break;
				default:
					break;
				}
			}
		}
		if (pfd[0].revents & POLLIN)
			rc_ingest_read(&r, 0);
		if (pfd[1].revents & POLLIN)
			rc_ingest_read(&r, 1);
		now = rc_now_ms(&r.folder);
		rc_ingest_tick(&r, now);
		rc_emit_drain(&r);
		for (i = 0; i < r.nusers; i++) {
			rc_user_tick(&r, &r.users[i], now);
			if (r.users[i].present)
				anyone = true;
		}
		if (r.disk_full) {
			rc_log(&r.folder, 1, "the disk is full (%s): stopping; the files written so far "
			    "are complete", r.folder.path);
			status = AG_EX_IOERR;
			break;
		}
		/* A stream still waiting for its CNAME counts as someone. */
		if (!anyone && rc_ingest_active(&r, now))
			anyone = true;
		/* Idle: nobody in the channel for --idle seconds, counted from the
		 * start; in manual mode from the first SIGUSR1 (each one starts the
		 * count again), and on after a SIGUSR2, as the SDK does. */
		if (anyone || !started)
			r.empty_since_ms = now;
		else if (now - r.empty_since_ms > (int64_t)o.idle_s * 1000) {
			rc_log(&r.folder, 4, "idle for %d s: leaving", o.idle_s);
			stop = true;
			idle = true;
		}
	}
	for (i = 0; i < r.nusers; i++)
		if (r.users[i].present)
			rc_emit_leave(&r, r.users[i].uid, rc_now_ms(&r.folder), AG_STREAM_LEAVE_STOP);
	stop_all(&r, rc_now_ms(&r.folder), true);
	rc_emit_end(&r, rc_now_ms(&r.folder), idle ? AG_STREAM_END_IDLE : AG_STREAM_END_STOP);
	wait_children(&r);
	/* agrec-mix and agrec-capture finish their files before the folder is. */
	rc_emit_close(&r);
	/* Video that never became a file is a failed recording of it, whose
	 * status says so: every file is still written and finished. */
	if (rc_ingest_novideo(&r) > 0 && status == 0)
		status = AG_EX_DATAERR;
	rc_ingest_free(&r);
	rc_log(&r.folder, 4, "stopped: %llu garbage and %llu oversized datagrams ignored, %llu from "
	    "sources not allowed, %llu packets of refused new streams",
	    (unsigned long long)r.garbage, (unsigned long long)r.oversized,
	    (unsigned long long)r.denied, (unsigned long long)r.refused_streams);
	if (rc_folder_finish(&r.folder, &err) < 0) {
		ag_msg("%s", err.msg);
		status = AG_EX_IOERR;
	}
	if (r.disk_full)
		ag_msg("%s: the disk is full; the recording stopped early", r.folder.path);
	if (r.folder.log_fd >= 0)
		close(r.folder.log_fd);
	free(r.users);
	free(r.folder.children);
	free(ffmpeg);
	return status;
}
