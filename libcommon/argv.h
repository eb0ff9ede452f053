/*
 * argv.h - a growable, NULL-terminated argument vector for child
 * processes.  Strings are copied (the vector owns them).
 */
#ifndef AG_ARGV_H
#define AG_ARGV_H

#include <stddef.h>
#include <stdio.h>

struct ag_argv {
	char **v;      /* NULL-terminated; owned */
	size_t n;      /* number of arguments, not counting the NULL */
	size_t cap;
	int failed;    /* set when an allocation failed; later pushes are no-ops */
};

/* Append a copy of s.  Returns 0 or -1 (and sets ->failed). */
int ag_argv_push(struct ag_argv *a, const char *s);

/* Append a printf-formatted string.  Returns 0 or -1. */
int ag_argv_pushf(struct ag_argv *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Append several strings, terminated by NULL.  Returns 0 or -1. */
int ag_argv_pushl(struct ag_argv *a, ...) __attribute__((sentinel));

/* Free the strings and the vector; accepts NULL; leaves *a empty. */
void ag_argv_free(struct ag_argv *a);

/*
 * Write the vector to f as one line of POSIX-shell-quoted words (for
 * --dry-run and logs: the words are only displayed, never run by a
 * shell).  Returns 0 or -1 on a write error.
 */
int ag_argv_print(const struct ag_argv *a, FILE *f);

/* Quote one word for display as above; writes to f. */
int ag_shell_quote(const char *s, FILE *f);

#endif
