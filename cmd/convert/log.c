/*
 * log.c - agrec-convert's messages: to stderr with the program name, and
 * into the convert.log being written.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "convert/convert.h"
#include "diag.h"

static void
vlog_to(struct cv_ctx *c, const char *prefix, const char *fmt, va_list ap)
{
	va_list aq;

	if (c->log == NULL)
		return;
	va_copy(aq, ap);
	fputs(prefix, c->log);
	vfprintf(c->log, fmt, aq);
	fputc('\n', c->log);
	va_end(aq);
	cv_log_check(c);
}

void
cv_log_check(struct cv_ctx *c)
{
	if (c->log != NULL && c->log_errno == 0 && ferror(c->log))
		c->log_errno = errno != 0 ? errno : EIO;
}

/* Into the log with prefix; then, if say, to stderr (clearing the progress line). */
static void
log_and_say(struct cv_ctx *c, const char *prefix, int say, const char *fmt, va_list ap)
{
	va_list aq;

	vlog_to(c, prefix, fmt, ap);
	if (!say)
		return;
	va_copy(aq, ap);
	if (c->progress)
		fputs("\r\033[K", stderr);
	ag_vmsg(fmt, aq);
	va_end(aq);
}

void
cv_warn(struct cv_ctx *c, const char *fmt, ...)
{
	va_list ap;

	c->nwarnings++;
	va_start(ap, fmt);
	log_and_say(c, "warning: ", 1, fmt, ap);
	va_end(ap);
}

void
cv_note(struct cv_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_and_say(c, "", !c->opts->quiet, fmt, ap);
	va_end(ap);
}

void
cv_logf(struct cv_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog_to(c, "", fmt, ap);
	va_end(ap);
}

