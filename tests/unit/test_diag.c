/*
 * test_diag.c - diag.c and err.c: messages on stderr as "PROGRAM: what:
 * why" with the program's base name, and the struct ag_error a library
 * function fills for its caller (code, message, errno text, truncation).
 * Each Criterion test runs in its own process, so the program name set
 * in one does not leak into another.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "err.h"

static void
vmsg_wrapper(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ag_vmsg(fmt, ap);
	va_end(ap);
}

Test(diag, default_name)
{
	cr_assert_str_eq(ag_progname(), "agrec");
}

Test(diag, base_name)
{
	ag_set_progname("/usr/local/bin/agrec-convert");
	cr_assert_str_eq(ag_progname(), "agrec-convert");
	ag_set_progname("agrec-mix");
	cr_assert_str_eq(ag_progname(), "agrec-mix");
	ag_set_progname("./build/agrec-record");
	cr_assert_str_eq(ag_progname(), "agrec-record");
	/* Nothing to name the program by: the last name stays. */
	ag_set_progname(NULL);
	cr_assert_str_eq(ag_progname(), "agrec-record");
	ag_set_progname("");
	cr_assert_str_eq(ag_progname(), "agrec-record");
}

Test(diag, msg_format, .init = cr_redirect_stderr)
{
	ag_set_progname("/opt/agrec/bin/agrec-capture");
	ag_msg("%s:%d: unknown event '%s'", "uid_1_x.txt", 3, "opn");
	vmsg_wrapper("%d%% done", 50);
	ag_msg("%s", "a value with %s in it");
	fflush(stderr);
	cr_assert_stderr_eq_str("agrec-capture: uid_1_x.txt:3: unknown event 'opn'\n"
	    "agrec-capture: 50% done\n"
	    "agrec-capture: a value with %s in it\n");
}

/* A message too long for the buffer is cut, and still one whole line. */
Test(diag, long_msg_cut_to_one_line, .init = cr_redirect_stderr)
{
	static char big[10000], want[5000];

	memset(big, 'x', sizeof big - 1);
	ag_msg("%s", big);
	fflush(stderr);
	snprintf(want, sizeof want, "agrec: %.4095s\n", big);
	cr_assert_stderr_eq_str(want);
}

Test(err, set)
{
	struct ag_error err = { 0 };

	cr_assert_eq(ag_error_set(&err, AG_EX_DATAERR, "%s:%d: bad line", "uid_1.txt", 7), -1);
	cr_assert_eq(err.code, AG_EX_DATAERR);
	cr_assert_str_eq(err.msg, "uid_1.txt:7: bad line");
	cr_assert_eq(ag_error_set(&err, AG_EX_IOERR, "second"), -1);
	cr_assert_eq(err.code, AG_EX_IOERR, "a later error replaces the first");
	cr_assert_str_eq(err.msg, "second");
	ag_error_clear(&err);
	cr_assert_eq(err.code, 0);
	cr_assert_str_eq(err.msg, "");
}

Test(err, errno_text)
{
	struct ag_error err = { 0 };
	char want[1100];

	cr_assert_eq(ag_error_errno(&err, AG_EX_IOERR, ENOENT, "cannot open %s", "/x/y"), -1);
	cr_assert_eq(err.code, AG_EX_IOERR);
	snprintf(want, sizeof want, "cannot open /x/y: %s", strerror(ENOENT));
	cr_assert_str_eq(err.msg, want);
}

/* A caller that does not care passes NULL; the result is still -1. */
Test(err, null_error)
{
	cr_assert_eq(ag_error_set(NULL, AG_EX_FAIL, "x"), -1);
	cr_assert_eq(ag_error_errno(NULL, AG_EX_FAIL, EIO, "x"), -1);
	ag_error_clear(NULL);
}

/* Messages longer than the buffer are cut and stay NUL-terminated; the
 * errno text of a full message is cut too, never written past the end. */
Test(err, truncation)
{
	struct ag_error err;
	static char big[3000];

	memset(&err, 'Z', sizeof err);
	memset(big, 'p', sizeof big - 1);
	ag_error_set(&err, AG_EX_FAIL, "%s", big);
	cr_assert_eq(strlen(err.msg), sizeof err.msg - 1);
	memset(&err, 'Z', sizeof err);
	ag_error_errno(&err, AG_EX_IOERR, ENOSPC, "%s", big);
	cr_assert_eq(strlen(err.msg), sizeof err.msg - 1);
	cr_assert_eq(err.code, AG_EX_IOERR);
	memset(&err, 'Z', sizeof err);
	ag_error_errno(&err, AG_EX_IOERR, ENOSPC, "%.1020s", big);
	cr_assert_eq(strlen(err.msg), sizeof err.msg - 1);
	cr_assert(strncmp(err.msg + 1020, ": N", 3) == 0, "[%s]", err.msg + 1010);
}

/* The exit-code table every program and man page shares. */
Test(err, exit_codes)
{
	cr_assert_eq(AG_EX_OK, 0);
	cr_assert_eq(AG_EX_FAIL, 1);
	cr_assert_eq(AG_EX_USAGE, 64);
	cr_assert_eq(AG_EX_DATAERR, 65);
	cr_assert_eq(AG_EX_NOINPUT, 66);
	cr_assert_eq(AG_EX_UNAVAILABLE, 69);
	cr_assert_eq(AG_EX_IOERR, 74);
	cr_assert_eq(AG_EX_TEMPFAIL, 75);
}
