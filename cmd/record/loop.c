/*
 * loop.c - agrec-record's one poll loop: the sockets, the signals (a
 * self-pipe), the timers, the manual mode's SIGUSR1/SIGUSR2, the idle
 * rule, and the end of the recording (every file and stream closed, the
 * ffmpeg children waited for).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"
#include "exitcodes.h"
#include "record/emit.h"
#include "record/files.h"
#include "record/http.h"
#include "record/ingest.h"
#include "record/levels.h"
#include "record/loop.h"
#include "record/rec.h"
#include "record/session.h"
#include "record/whip.h"
#include "spawn.h"

/* Room in the poll set for the WHIP endpoint's descriptors (http.c). */
#define RC_LOOP_WEB_FDS 4

/*
 * The sockets are read in rounds at least RC_ROUND_MS apart: a channel
 * of many senders then costs a few hundred wakeups a second, each
 * reading many datagrams and running the timers once, instead of one
 * wakeup, one poll and a walk over every stream per datagram.  Each
 * datagram keeps its own arrival time (ingest.c); what waits is at most
 * RC_ROUND_MS of the jitter buffers' latency.  Signals and the WHIP
 * endpoint are served at once.
 */
#define RC_ROUND_MS 5

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

/*
 * Before the files close, give every audio child the rest of its queue,
 * all of them at once: RC_FINISH_BASE_MS plus RC_FINISH_PER_MS for each
 * second of the longest queue, RC_FINISH_CAP_MS at most, so that a slow
 * machine does not lose the tails and a stuck child does not hold the
 * recorder (the stall rule still applies meanwhile).
 */
static void
finish_queues(struct rc_rec *r)
{
	struct rc_folder *f = &r->folder;
	int64_t most = 0, now = rc_now_ms(f), budget;
	size_t i;
	bool waiting = true;

	for (i = 0; i < r->nusers; i++) {
		int64_t b = rc_writer_backlog(f, &r->users[i].audio);
		most = b > most ? b : most;
	}
	budget = RC_FINISH_BASE_MS + most / 1000 * RC_FINISH_PER_MS;
	f->finish_by_ms = now + (budget < RC_FINISH_CAP_MS ? budget : RC_FINISH_CAP_MS);
	if (most > 0)
		rc_log(f, 4, "stopping: the audio children are up to %.1f s behind; waiting %.0f s at "
		    "most for them", (double)most / 1000, (double)(f->finish_by_ms - now) / 1000);
	while (waiting && now < f->finish_by_ms) {
		struct timespec ts = { 0, 10 * 1000000 };
		waiting = false;
		for (i = 0; i < r->nusers; i++) {
			struct rc_writer *w = &r->users[i].audio;
			if (rc_writer_flush(f, w) == 1 &&
			    rc_writer_stall_check(f, w, now, "its file ends there") == 0)
				waiting = true;
		}
		if (waiting)
			nanosleep(&ts, NULL);
		now = rc_now_ms(f);
	}
}

static void
stop_all(struct rc_rec *r, int64_t now, bool end_session)
{
	size_t i;

	r->folder.stopping = true;
	finish_queues(r);
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

/* The CPU time (clock ticks) the live children have used so far. */
static unsigned long long
children_cpu(const struct rc_folder *f)
{
	unsigned long long sum = 0, cpu;
	char state;
	size_t k;

	for (k = 0; k < f->nchildren; k++)
		if (rc_proc_stat(f->children[k], &state, &cpu) == 0)
			sum += cpu;
	return sum;
}

/*
 * Wait for every ffmpeg child to finish its file: 10 s, or 10 s past
 * the time the queues were given; past that, as long as the children
 * still work (use CPU: on a busy machine an encoder that has taken its
 * last bytes may still have seconds of audio to encode), 30 s at most.
 */
static void
wait_children(struct rc_rec *r)
{
	struct rc_folder *f = &r->folder;
	int64_t start = rc_now_ms(f), end = start + 10000, cap = start + 30000;
	int64_t now = start, seen_ms = start;
	unsigned long long cpu = children_cpu(f), c;

	if (f->finish_by_ms + 10000 > end)
		end = f->finish_by_ms + 10000;
	while (f->nchildren > 0 && (now < end || (now < cap && now - seen_ms < 2000))) {
		struct timespec ts = { 0, 50 * 1000000 };
		reap(r);
		if (f->nchildren == 0)
			break;
		nanosleep(&ts, NULL);
		now = rc_now_ms(f);
		if (now - seen_ms >= 500 && (c = children_cpu(f)) != cpu) {
			cpu = c;
			seen_ms = now;
		}
	}
	if (r->folder.nchildren > 0) {
		size_t k;
		int i;
		rc_log(&r->folder, 2, "%zu ffmpeg children did not finish in %lld s; killing them",
		    r->folder.nchildren, (long long)(rc_now_ms(&r->folder) - start + 500) / 1000);
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
rc_loop_signals(struct ag_error *err)
{
	struct sigaction sa;
	int sp[2];

	if (pipe2(sp, O_CLOEXEC | O_NONBLOCK) < 0)
		return ag_error_errno(err, AG_EX_FAIL, errno, "pipe");
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
	return sp[0];
}

/* The signals that came (read from the self-pipe sigfd); sets *stop. */
static void
on_signals(struct rc_rec *r, int sigfd, bool *stop, bool *started)
{
	unsigned char sigs[64];
	ssize_t ns;

	while ((ns = read(sigfd, sigs, sizeof sigs)) > 0) {
		ssize_t k;
		for (k = 0; k < ns; k++) {
			switch (sigs[k]) {
			case SIGINT: case SIGTERM: case SIGQUIT:
				rc_log(&r->folder, 4, "signal %d: stopping", sigs[k]);
				*stop = true;
				break;
			case SIGCHLD:
				reap(r);
				break;
			case SIGUSR1:
				if (r->opts->trigger_mode == 0) {
					rc_log(&r->folder, 4, "SIGUSR1 ignored in automatic mode");
				} else if (!r->recording) {
					rc_log(&r->folder, 4, "SIGUSR1: recording starts (new session)");
					r->recording = true;
					*started = true;
					r->empty_since_ms = rc_now_ms(&r->folder);
				}
				break;
			case SIGUSR2:
				if (r->opts->trigger_mode == 0) {
					rc_log(&r->folder, 4, "SIGUSR2 ignored in automatic mode");
				} else if (r->recording) {
					rc_log(&r->folder, 4, "SIGUSR2: recording stops");
					stop_all(r, rc_now_ms(&r->folder), true);
					r->recording = false;
				}
				break;
			default:
				break;
			}
		}
	}
}

/*
 * Read what waits on the sockets that are readable (rtp, rtcp), a batch
 * from each in turn, RTCP first: a new sender's SDES then names its
 * streams before their media (datagrams sent in that order are read in
 * that order, give or take a batch), however much a stall let pile up.
 */
static void
read_round(struct rc_rec *r, bool rtp, bool rtcp)
{
	while (rtp || rtcp) {
		/* While media is read, RTCP that comes meanwhile is read too. */
		rtcp = rc_ingest_read(r, 1);
		if (rtp)
			rtp = rc_ingest_read(r, 0);
	}
}

/* The sooner of two poll timeouts in ms (-1: none). */
static int
sooner(int a, int b)
{
	if (a < 0)
		return b;
	return b >= 0 && b < a ? b : a;
}

int
rc_loop_run(struct rc_rec *r, int sigfd)
{
	/* Manual mode: no idle count before the first SIGUSR1. */
	bool stop = false, idle = false, started = r->recording;
	int status = 0;
	int64_t round = -RC_ROUND_MS;
	size_t i;

	while (!stop) {
		struct pollfd pfd[3 + RC_LOOP_WEB_FDS];
		int64_t now = rc_now_ms(&r->folder);
		int timeout = rc_ingest_timeout(r, now), n, nweb;
		bool anyone = false;

		bool due = now - round >= RC_ROUND_MS;

		timeout = sooner(sooner(timeout, rc_http_timeout(r)), rc_whip_timeout(r, now));
		if (!due)
			timeout = sooner(timeout, (int)(RC_ROUND_MS - (now - round)));
		if (timeout < 0 || timeout > 200)
			timeout = 200;
		/* poll(2) skips a negative fd: no socket until the next round. */
		pfd[0].fd = due ? r->socks[0] : -1;
		pfd[0].events = POLLIN;
		pfd[1].fd = due ? r->socks[1] : -1;
		pfd[1].events = POLLIN;
		pfd[2].fd = sigfd;
		pfd[2].events = POLLIN;
		nweb = rc_http_pollfds(r, pfd + 3, RC_LOOP_WEB_FDS);
		n = poll(pfd, (nfds_t)(3 + nweb), timeout);
		if (n < 0 && errno != EINTR) {
			rc_log(&r->folder, 1, "poll: %s", strerror(errno));
			status = AG_EX_FAIL;
			break;
		}
		on_signals(r, sigfd, &stop, &started);
		if ((pfd[0].revents | pfd[1].revents) & POLLIN)
			round = rc_now_ms(&r->folder);
		read_round(r, (pfd[0].revents & POLLIN) != 0, (pfd[1].revents & POLLIN) != 0);
		rc_http_run(r);
		now = rc_now_ms(&r->folder);
		rc_whip_tick(r, now);
		rc_ingest_tick(r, now);
		rc_levels_tick(r, now);
		rc_emit_drain(r);
		for (i = 0; i < r->nusers; i++) {
			rc_user_tick(r, &r->users[i], now);
			if (r->users[i].present)
				anyone = true;
		}
		if (r->disk_full) {
			rc_log(&r->folder, 1, "the disk is full (%s): stopping; the files written so far "
			    "are complete", r->folder.path);
			status = AG_EX_IOERR;
			break;
		}
		/* A stream still waiting for its CNAME counts as someone. */
		if (!anyone && rc_ingest_active(r, now))
			anyone = true;
		/* Idle: nobody in the channel for --idle seconds, counted from the
		 * start; in manual mode from the first SIGUSR1 (each one starts the
		 * count again), and on after a SIGUSR2, as the SDK does. */
		if (anyone || !started)
			r->empty_since_ms = now;
		else if (now - r->empty_since_ms > (int64_t)r->opts->idle_s * 1000) {
			rc_log(&r->folder, 4, "idle for %d s: leaving", r->opts->idle_s);
			stop = true;
			idle = true;
		}
	}
	/* The last whole interval's levels, while everyone is still there. */
	rc_levels_finish(r, rc_now_ms(&r->folder));
	for (i = 0; i < r->nusers; i++)
		if (r->users[i].present)
			rc_emit_leave(r, r->users[i].uid, rc_now_ms(&r->folder), AG_STREAM_LEAVE_STOP);
	stop_all(r, rc_now_ms(&r->folder), true);
	rc_emit_end(r, rc_now_ms(&r->folder), idle ? AG_STREAM_END_IDLE : AG_STREAM_END_STOP);
	wait_children(r);
	rc_folder_loss(&r->folder);
	/* agrec-mix and agrec-capture finish their files before the folder is. */
	rc_emit_close(r);
	return status;
}
