#include <stdio.h>
#include <string.h>

#include "diag.h"

static const char *progname = "agrec";

void
ag_set_progname(const char *argv0)
{
	const char *slash;

	if (argv0 == NULL || *argv0 == '\0')
		return;
	slash = strrchr(argv0, '/');
	progname = slash ? slash + 1 : argv0;
}

const char *
ag_progname(void)
{
	return progname;
}

void
ag_vmsg(const char *fmt, va_list ap)
{
	char buf[4096];

	vsnprintf(buf, sizeof buf, fmt, ap);
	fprintf(stderr, "%s: %s\n", progname, buf);
}

void
ag_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ag_vmsg(fmt, ap);
	va_end(ap);
}
