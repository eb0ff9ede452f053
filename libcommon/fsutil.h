/*
 * fsutil.h - files that appear atomically, private temporary
 * directories, and folder locks.
 */
#ifndef AG_FSUTIL_H
#define AG_FSUTIL_H

#include <stddef.h>

#include "err.h"

/*
 * Write len bytes to path atomically: a temporary file in the same
 * directory, fsync, rename, fsync of the directory.  The new file gets
 * mode less the umask, as open(2) would give it (0666 for the rule of
 * umask.h).  On failure nothing is left behind and path is untouched.
 */
int ag_write_file_atomic(const char *path, const void *data, size_t len, int mode,
    struct ag_error *err);

/*
 * Read the whole regular file at path, at most max bytes, into *buf (new,
 * NUL-terminated, *len bytes without the NUL).  A FIFO or device is
 * refused without blocking (AG_EX_IOERR "PATH: not a regular file"); a
 * file over max bytes is AG_EX_DATAERR "PATH: larger than MAX bytes";
 * open and read errors are AG_EX_IOERR with the errno text.
 */
int ag_read_file(const char *path, size_t max, char **buf, size_t *len, struct ag_error *err);

/* fsync the directory dir. */
int ag_fsync_dir(const char *dir, struct ag_error *err);

/*
 * Put the finished file tmp in place as path, durably: fsync tmp, rename
 * it to path, fsync path's directory.  For files written by another
 * process (an ffmpeg output) or through a stream the caller has closed;
 * after a crash path is absent or complete, never empty.  Returns 0, or
 * -1 with err (AG_EX_IOERR); on failure tmp is left to the caller.
 */
int ag_promote_file(const char *tmp, const char *path, struct ag_error *err);

/*
 * Write len bytes to fd, at the end of a file (O_APPEND, or written in
 * order), finishing short writes.  If a write fails, a regular file is
 * cut back to its size before the call, so that it never ends in half a
 * record.  Returns 0, or -1 with errno from the write that failed
 * (ENOSPC after a short write on a full disk; EIO if write returned 0).
 */
int ag_write_whole(int fd, const void *buf, size_t len);

/*
 * Take an exclusive, non-blocking flock on dir/name (created 0600 if
 * needed, never following a symlink).  Returns the descriptor (keep it
 * open while working; close to release), -2 if another process holds
 * the lock (err code AG_EX_TEMPFAIL), or -1 on error (AG_EX_IOERR).
 */
int ag_lock_folder(const char *dir, const char *name, struct ag_error *err);

/*
 * Create a private directory dir/prefixXXXXXX (mode 0700).  Returns a new
 * string with its path, or NULL with err.
 */
char *ag_make_private_dir(const char *dir, const char *prefix, struct ag_error *err);

/*
 * Remove a private directory made by ag_make_private_dir and the plain
 * files and symlinks directly inside it (never recursing, never
 * following links).  Returns 0 or -1.
 */
int ag_remove_private_dir(const char *path, struct ag_error *err);

/*
 * Join dir and name with one '/' ("/" + "x" is "/x"; an empty dir gives
 * name alone).  New string or NULL.
 */
char *ag_path_join(const char *dir, const char *name);

/* Size of a regular file: >= 0, -1 if missing, -2 if not a regular file. */
long long ag_file_size(const char *path);

/* The number of online CPUs, at least 1. */
int ag_ncpus(void);

/* Add O_NONBLOCK to fd's status flags.  Returns 0, or -1 with errno set. */
int ag_fd_nonblock(int fd);

#endif
