/*
 * err.h - how library functions report failure to their caller.
 *
 * The library reports; the program decides.  A function that can fail
 * takes a `struct ag_error *` (which may be NULL when the caller does
 * not care), returns -1 (or another documented negative value) and
 * fills the error with an exit-code class and a one-line message
 * without the program name.  Only cmd/ code prints and exits.
 */
#ifndef AG_ERR_H
#define AG_ERR_H

#include <stdarg.h>
#include <stdbool.h>

#include "exitcodes.h"

struct ag_error {
	int code;        /* an AG_EX_* class, 0 when no error is set */
	char msg[1024];  /* "what: why", no trailing newline */
};

/* Set err (if non-NULL) to code and a printf-style message; returns -1. */
int ag_error_set(struct ag_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The same, appending ": strerror(errnum)". Returns -1. */
int ag_error_errno(struct ag_error *err, int code, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Clear err. */
void ag_error_clear(struct ag_error *err);

/*
 * A sticky failure, for an object whose every call after a failure
 * reports that failure again (an output file, a stream writer).
 * { 0 } means no failure yet.
 */
struct ag_sticky {
	bool failed;
	int errnum;               /* the errno of the failure */
	struct ag_error err;
};

/* Record a failure in s: code, and the message from fmt followed by
 * ": strerror(errnum)"; then report it as ag_sticky_replay().  Returns -1. */
int ag_sticky_set(struct ag_sticky *s, struct ag_error *err, int code, int errnum,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Report s's failure again: a copy in err (may be NULL), and errno set
 * to its errnum.  Returns -1. */
int ag_sticky_replay(const struct ag_sticky *s, struct ag_error *err);

#endif
