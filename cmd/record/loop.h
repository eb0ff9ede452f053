/*
 * loop.h - agrec-record's poll loop (loop.c).
 */
#ifndef RC_LOOP_H
#define RC_LOOP_H

#include "err.h"

struct rc_rec;

/*
 * Install the handlers of the signals agrec-record acts on (SIGINT,
 * SIGTERM, SIGQUIT, SIGUSR1, SIGUSR2, SIGHUP, SIGCHLD; SIGPIPE ignored),
 * which write to a self-pipe.  Returns the pipe's read end (the
 * process's for good), or -1 with err.
 */
int rc_loop_signals(struct ag_error *err);
/*
 * Record until a stop signal, --idle, a full disk or a poll error;
 * sigfd is rc_loop_signals's.  Then every user leaves the channel
 * stream, every file is closed, the ffmpeg children are waited for
 * (bounded) and the stream's readers closed.  Returns 0 or the exit
 * status the recording ends with (AG_EX_IOERR: disk full; AG_EX_FAIL).
 */
int rc_loop_run(struct rc_rec *r, int sigfd);

#endif
