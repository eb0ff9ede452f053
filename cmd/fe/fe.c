/*
 * fe.c - the programs' shared front-end: usage errors, --help,
 * --version and the stop signal.
 */
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "exitcodes.h"
#include "fe/fe.h"
#include "umask.h"

static const struct fe_prog *prog;

void
fe_init(const struct fe_prog *p, const char *argv0)
{
	prog = p;
	ag_set_progname(argv0);
}

static void
vusage(const char *fmt, va_list ap)
{
	ag_vmsg(fmt, ap);
	fputs(prog->usage, stderr);
}

int
fe_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vusage(fmt, ap);
	va_end(ap);
	return AG_EX_USAGE;
}

void
fe_usage_exit(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vusage(fmt, ap);
	va_end(ap);
	exit(AG_EX_USAGE);
}

int
fe_usage_err(const struct ag_error *err)
{
	return fe_usage("%s", err->msg);
}

static int
flushed(void)
{
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : AG_EX_IOERR;
}

int
fe_help(void)
{
	printf("%s\n%s", prog->usage, prog->help);
	return flushed();
}

int
fe_version(void)
{
	printf("%s %s\n", prog->name, AGREC_VERSION);
	return flushed();
}

int
fe_common_opt(int ch, const char *name)
{
	switch (ch) {
	case 'h': return fe_help();
	case 'V': return fe_version();
	case ':': return fe_usage("%s: needs a value", name);
	default: return fe_usage("%s: unknown option", name);
	}
}

const char *
fe_optname(int argc, char **argv)
{
	return optind > 0 && optind <= argc ? argv[optind - 1] : "?";
}

int
fe_getopt(int argc, char **argv, const char *optstring, const struct option *lo,
    bool only, int (*one)(int ch, const char *name, void *ctx), void *ctx)
{
	int ch, st;

	opterr = 0;
	while ((ch = only ? getopt_long_only(argc, argv, optstring, lo, NULL) :
	    getopt_long(argc, argv, optstring, lo, NULL)) != -1) {
		st = one(ch, fe_optname(argc, argv), ctx);
		if (st != 0 || ch == 'h' || ch == 'V')
			return st;
	}
	return -1;
}

int
fe_umask(const char *arg, mode_t *mask)
{
	if (ag_umask_parse(arg, mask) < 0)
		return fe_usage("--umask: '%s' is not an octal mode (0 to 777)", arg);
	return 0;
}

int
fe_num(const char *opt, const char *s, enum ag_cli_kind kind, long *out)
{
	struct ag_error err = { 0 };

	if (ag_cli_num(opt, s, kind, out, &err) < 0) {
		fe_usage_err(&err);
		return -1;
	}
	return 0;
}

long
fe_num_exit(const char *opt, const char *s, enum ag_cli_kind kind)
{
	long v;

	if (fe_num(opt, s, kind, &v) < 0)
		exit(AG_EX_USAGE);
	return v;
}

volatile sig_atomic_t fe_stop_signal;

void
fe_on_stop(int sig)
{
	fe_stop_signal = sig;
}

void
fe_catch_stop(bool hup)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fe_on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (hup)
		sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int
fe_sub_opt(int ch, int base, const char *arg, struct ag_sub *s)
{
	struct ag_error err = { 0 };
	int r;

	if (ch == base)
		r = ag_sub_parse_auto(s, "--autoSubscribe", arg, &err);
	else if (ch == base + 1 || ch == base + 2)
		r = ag_sub_parse_list(s, ch == base + 1 ? AG_SUB_VIDEO : AG_SUB_AUDIO,
		    ag_sub_list_opt(ch == base + 1 ? AG_SUB_VIDEO : AG_SUB_AUDIO), arg, &err);
	else
		return 1;
	return r < 0 ? fe_usage_err(&err) : 0;
}

void
fe_sub_check(const struct ag_sub *s)
{
	const char *why;

	if (ag_sub_lists_ignored(s, &why))
		ag_msg("warning: %s", why);
}

const char *
fe_wm_opt_name(int ch, int base)
{
	static const char *const names[FE_WM_NOPTS] = {
		"--watermarkText", "--watermarkTextRect", "--watermarkImage",
		"--watermarkImageRect", "--watermarkTimestamp", "--watermarkTimestampRect",
		"--watermarkTimeFormat", "--watermarkLocalTime", "--watermarkFont",
		"--watermarkFontSize", "--watermarkColor", "--watermarkAlpha",
	};

	return ch >= base && ch < base + FE_WM_NOPTS ? names[ch - base] : NULL;
}

int
fe_wm_opt(int ch, int base, const char *arg, struct ag_wm_opts *w)
{
	struct ag_error err = { 0 };
	const char *name = fe_wm_opt_name(ch, base);
	int k = ch - base, r = 0;
	long v;

	if (name == NULL)
		return 1;
	switch (k) {
	case FE_WM_TEXT: w->text = *arg ? arg : NULL; break;
	case FE_WM_IMAGE: w->image = *arg ? arg : NULL; break;
	case FE_WM_FORMAT: w->time_format = arg; break;
	case FE_WM_FONT: w->font = *arg ? arg : NULL; break;
	case FE_WM_COLOR: r = ag_wm_parse_color(name, arg, &w->rgb, &err); break;
	case FE_WM_TEXT_RECT:
		r = ag_wm_parse_rect(name, arg, w->rect[AG_WM_TEXT], &err);
		break;
	case FE_WM_IMAGE_RECT:
		r = ag_wm_parse_rect(name, arg, w->rect[AG_WM_IMAGE], &err);
		break;
	case FE_WM_TS_RECT:
		r = ag_wm_parse_rect(name, arg, w->rect[AG_WM_TIMESTAMP], &err);
		break;
	case FE_WM_ALPHA: r = ag_wm_parse_alpha(name, arg, &w->alpha, &err); break;
	default:	/* FE_WM_TS, FE_WM_LOCAL, FE_WM_FONT_SIZE */
		if (fe_num(name, arg, k == FE_WM_FONT_SIZE ? AG_CLI_WM_FONT_SIZE : AG_CLI_BOOL,
		    &v) < 0)
			return AG_EX_USAGE;
		if (k == FE_WM_TS)
			w->timestamp = v != 0;
		else if (k == FE_WM_LOCAL)
			w->local_time = v != 0;
		else
			w->font_px = (int)v;
		break;
	}
	return r < 0 ? fe_usage_err(&err) : 0;
}
