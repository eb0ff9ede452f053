/*
 * spawn.h - child processes: the only place in agrec that starts one.
 *
 * Children run from an argv array with posix_spawn (never a shell).
 * Descriptors opened by agrec are close-on-exec, so a child gets only
 * what the options below give it on 0, 1, 2 (and 3).  An exec failure is
 * reported as an error, not as a mysterious exit status.
 */
#ifndef AG_SPAWN_H
#define AG_SPAWN_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

#define AG_SPAWN_NULL    (-1)   /* connect the descriptor to /dev/null */
#define AG_SPAWN_INHERIT (-2)   /* leave it as the parent's */
#define AG_SPAWN_PIPE    (-3)   /* a new pipe; the parent's end comes back in the field */
#define AG_SPAWN_PIPE_NB (-4)   /* the same, the parent's end non-blocking */

/*
 * What the child gets on 0, 1 and 2, and on 3 (in3).  Zero-initialise
 * the struct: in3 0 means the child gets no descriptor 3.
 *
 * A field set to AG_SPAWN_PIPE or AG_SPAWN_PIPE_NB gets a new pipe: the
 * child reads its end on 0 and 3 (in, in3) and writes it on 1 and 2 (out,
 * err); on success ag_spawn() replaces the field by the parent's end (new,
 * the caller closes it), close-on-exec like every descriptor agrec opens,
 * and non-blocking for AG_SPAWN_PIPE_NB.  The child's end is blocking and
 * is closed in the parent.
 */
struct ag_spawn_io {
	int in, out, err;       /* a descriptor, AG_SPAWN_NULL, AG_SPAWN_INHERIT or a pipe */
	int in3;                /* 0 (none), a descriptor, or a pipe: ffmpeg's "pipe:3" */
};

/*
 * Start path (searched on PATH when it has no '/') with argv; io may be
 * NULL (all inherited).  On success returns 0, sets *pid and puts the
 * parent's end of each pipe asked for in io (above).  On failure (-1) err
 * says why, io is left as it was and no pipe stays open; AG_EX_UNAVAILABLE
 * when the program does not exist or cannot be executed.
 */
int ag_spawn(const char *path, char *const argv[], struct ag_spawn_io *io,
    pid_t *pid, struct ag_error *err);

/* waitpid() that retries on EINTR.  Returns 0 and *status, or -1. */
int ag_wait(pid_t pid, int *status, struct ag_error *err);

/*
 * Describe a wait status in buf: "exited with status N",
 * "killed by signal N (SIGNAME)".  Returns buf.
 */
const char *ag_status_describe(int status, char *buf, size_t size);

/* true when status is a normal exit with code 0. */
int ag_status_ok(int status);

/*
 * Run argv to completion, collecting its stdout (new, NUL-terminated,
 * *out_len bytes; free it) and, if err_out is non-NULL, its stderr
 * likewise.  max bounds each (the rest is read and dropped).  Returns 0
 * and *status, or -1 with err set (the child is not left running).
 */
int ag_run_capture(const char *path, char *const argv[], size_t max,
    char **out, size_t *out_len, char **err_out, int *status, struct ag_error *err);

#endif
