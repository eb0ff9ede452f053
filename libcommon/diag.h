/*
 * diag.h - messages to stderr as "PROGRAM: what: why".  The program name
 * is the one mutable global agrec allows; cmd/ code sets it first.
 */
#ifndef AG_DIAG_H
#define AG_DIAG_H

#include <stdarg.h>

/*
 * Set the program name to argv0's last component (NULL or "" leaves it
 * unchanged).  argv0 is borrowed, not copied: it must outlive every later
 * message and ag_progname() call (argv[0] itself does).
 */
void ag_set_progname(const char *argv0);
/* The program name: static, or a pointer into argv0 as set above. */
const char *ag_progname(void);

/* Print "PROGRAM: message\n" to stderr. */
void ag_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ag_vmsg(const char *fmt, va_list ap);

#endif
