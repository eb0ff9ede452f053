#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

/* Set err's code and its message from fmt and ap; err is not NULL. */
static void
error_vset(struct ag_error *err, int code, const char *fmt, va_list ap)
{
	err->code = code;
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
}

int
ag_error_set(struct ag_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	error_vset(err, code, fmt, ap);
	va_end(ap);
	return -1;
}

/* error_vset(), then ": strerror(errnum)" after the message. */
static void
error_verrno(struct ag_error *err, int code, int errnum, const char *fmt, va_list ap)
{
	size_t len;

	error_vset(err, code, fmt, ap);
	len = strlen(err->msg);
	snprintf(err->msg + len, sizeof err->msg - len, ": %s", strerror(errnum));
}

int
ag_error_errno(struct ag_error *err, int code, int errnum, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	error_verrno(err, code, errnum, fmt, ap);
	va_end(ap);
	return -1;
}

int
ag_sticky_set(struct ag_sticky *s, struct ag_error *err, int code, int errnum,
    const char *fmt, ...)
{
	va_list ap;

	s->failed = true;
	s->errnum = errnum;
	va_start(ap, fmt);
	error_verrno(&s->err, code, errnum, fmt, ap);
	va_end(ap);
	return ag_sticky_replay(s, err);
}

int
ag_sticky_replay(const struct ag_sticky *s, struct ag_error *err)
{
	if (err != NULL)
		*err = s->err;
	errno = s->errnum;
	return -1;
}

void
ag_error_clear(struct ag_error *err)
{
	if (err == NULL)
		return;
	err->code = 0;
	err->msg[0] = '\0';
}
