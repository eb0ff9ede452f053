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

#endif
