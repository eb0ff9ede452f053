/*
 * spawn.h - child processes: the only place in agrec that starts one.
 *
 * Children run from an argv array with posix_spawn (never a shell).
 * Descriptors opened by agrec are close-on-exec, so a child gets only
 * what the options below give it on 0, 1 and 2.  An exec failure is
 * reported as an error, not as a mysterious exit status.
 */
#ifndef AG_SPAWN_H
#define AG_SPAWN_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

#define AG_SPAWN_NULL    (-1)   /* connect the descriptor to /dev/null */
#define AG_SPAWN_INHERIT (-2)   /* leave it as the parent's */

struct ag_spawn_io {
	int in, out, err;       /* a descriptor, AG_SPAWN_NULL or AG_SPAWN_INHERIT */
};

/*
 * Start path (searched on PATH when it has no '/') with argv.  On success
 * returns 0 and sets *pid.  On failure (-1) err says why; AG_EX_UNAVAILABLE
 * when the program does not exist or cannot be executed.
 */
int ag_spawn(const char *path, char *const argv[], const struct ag_spawn_io *io,
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
