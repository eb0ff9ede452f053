/*
 * fe.h - the front-end every agrec program shares (and bench/replay.c):
 * the usage-error path, -h/--help and -V/--version, and the stop-signal
 * handler.  Unlike libcommon it prints and may exit: it is the program's
 * side of libcommon's cli.h.
 */
#ifndef FE_FE_H
#define FE_FE_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "cli.h"
#include "subscribe.h"
#include "wmspec.h"

struct option;

/* What a program says about itself; the strings are static. */
struct fe_prog {
	const char *name;       /* "agrec-convert" */
	const char *usage;      /* the usage lines, "usage: ...\n" */
	const char *help;       /* the rest of --help */
};

/* Set the program (p is borrowed for the program's life) and its name
 * in messages (ag_set_progname(argv0)).  Call first in main. */
void fe_init(const struct fe_prog *p, const char *argv0);

/* A usage error: "PROG: message" and the usage lines on stderr.
 * Returns AG_EX_USAGE. */
int fe_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The same, then exit(AG_EX_USAGE). */
_Noreturn void fe_usage_exit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A usage error from a cli.h parser (err is borrowed).  Returns AG_EX_USAGE. */
int fe_usage_err(const struct ag_error *err);

/* -h/--help: the usage lines, an empty line and the help on stdout.
 * -V/--version: "PROG VERSION" on stdout.  Both return 0, or AG_EX_IOERR
 * if stdout could not be written. */
int fe_help(void);
int fe_version(void);

/*
 * What every program's getopt loop does with 'h' (-h, --help), 'V' (-V,
 * --version), ':' (a value missing; optstring starts with ':') and any
 * other character (an unknown option).  name is the argument as given
 * (fe_optname).  Returns 0 after the help or the version, AG_EX_IOERR
 * if they could not be written, AG_EX_USAGE after a usage error.
 */
int fe_common_opt(int ch, const char *name);

/*
 * Long options (struct option, <getopt.h>) spelled once for every
 * program: -h/--help and -V/--version (values 'h', 'V'); and for the
 * programs that read a folder (-f) or a stream (-i) and write to -o
 * (agrec-mix, agrec-capture), those three first and --umask (value u),
 * -q/--quiet and -h, -V last.
 */
#define FE_LONGOPTS_HV \
	{ "help", no_argument, NULL, 'h' }, \
	{ "version", no_argument, NULL, 'V' }
#define FE_LONGOPTS_IO \
	{ "folder", required_argument, NULL, 'f' }, \
	{ "input", required_argument, NULL, 'i' }, \
	{ "output", required_argument, NULL, 'o' }
#define FE_LONGOPTS_IO_TAIL(u) \
	{ "umask", required_argument, NULL, (u) }, \
	{ "quiet", no_argument, NULL, 'q' }, \
	FE_LONGOPTS_HV

/*
 * The SDK 3.x subscribe options (subscribe.h) of the programs that read
 * a channel (agrec-record, agrec-mix, agrec-capture), with the values
 * base, base + 1 and base + 2; fe_sub_opt parses them.
 */
#define FE_LONGOPTS_SUB(base) \
	{ "autoSubscribe", required_argument, NULL, (base) }, \
	{ "subscribeVideoUids", required_argument, NULL, (base) + 1 }, \
	{ "subscribeAudioUids", required_argument, NULL, (base) + 2 }

/*
 * Option ch of FE_LONGOPTS_SUB(base) with the value arg (borrowed) into
 * s.  Returns 0, 1 when ch is none of them, or AG_EX_USAGE after the
 * usage error.
 */
int fe_sub_opt(int ch, int base, const char *arg, struct ag_sub *s);

/* Once the options are read: warn (once) when the lists are ignored
 * because of --autoSubscribe 1, as the SDK ignores them. */
void fe_sub_check(const struct ag_sub *s);

/*
 * The watermark options (wmspec.h) of the programs that make or start a
 * composite (agrec-mix, agrec-record), with the values base + FE_WM_*;
 * fe_wm_opt parses them.
 */
enum fe_wm_opt {
	FE_WM_TEXT, FE_WM_TEXT_RECT, FE_WM_IMAGE, FE_WM_IMAGE_RECT, FE_WM_TS, FE_WM_TS_RECT,
	FE_WM_FORMAT, FE_WM_LOCAL, FE_WM_FONT, FE_WM_FONT_SIZE, FE_WM_COLOR, FE_WM_ALPHA,
	FE_WM_NOPTS
};
#define FE_LONGOPTS_WM(base) \
	{ "watermarkText", required_argument, NULL, (base) + FE_WM_TEXT }, \
	{ "watermarkTextRect", required_argument, NULL, (base) + FE_WM_TEXT_RECT }, \
	{ "watermarkImage", required_argument, NULL, (base) + FE_WM_IMAGE }, \
	{ "watermarkImageRect", required_argument, NULL, (base) + FE_WM_IMAGE_RECT }, \
	{ "watermarkTimestamp", required_argument, NULL, (base) + FE_WM_TS }, \
	{ "watermarkTimestampRect", required_argument, NULL, (base) + FE_WM_TS_RECT }, \
	{ "watermarkTimeFormat", required_argument, NULL, (base) + FE_WM_FORMAT }, \
	{ "watermarkLocalTime", required_argument, NULL, (base) + FE_WM_LOCAL }, \
	{ "watermarkFont", required_argument, NULL, (base) + FE_WM_FONT }, \
	{ "watermarkFontSize", required_argument, NULL, (base) + FE_WM_FONT_SIZE }, \
	{ "watermarkColor", required_argument, NULL, (base) + FE_WM_COLOR }, \
	{ "watermarkAlpha", required_argument, NULL, (base) + FE_WM_ALPHA }

/*
 * Option ch of FE_LONGOPTS_WM(base) with the value arg (borrowed: w
 * keeps pointers into it) into w.  An empty text, image or font is
 * none.  Returns 0, 1 when ch is none of them, or AG_EX_USAGE after the
 * usage error.
 */
int fe_wm_opt(int ch, int base, const char *arg, struct ag_wm_opts *w);

/* "--watermarkText"... for option ch of FE_LONGOPTS_WM(base), or NULL. */
const char *fe_wm_opt_name(int ch, int base);

/* The argument getopt has just read (borrowed from argv), or "?". */
const char *fe_optname(int argc, char **argv);

/*
 * The getopt loop of every program (opterr 0; optstring starts with
 * ':'): one(ch, name, ctx) for each option, name as for fe_common_opt,
 * ctx passed through (borrowed), optarg set; one returns 0 or an exit
 * status.  getopt_long_only() when only, else getopt_long().  Returns
 * -1 once the options are read (optind at the first operand), or the
 * first non-zero status, or 0 (or AG_EX_IOERR) after -h or -V.
 */
int fe_getopt(int argc, char **argv, const char *optstring, const struct option *lo,
    bool only, int (*one)(int ch, const char *name, void *ctx), void *ctx);

/* --umask MODE into *mask: 0, or AG_EX_USAGE after the usage error. */
int fe_umask(const char *arg, mode_t *mask);

/*
 * ag_cli_num() (cli.h) for option opt: 0 and *out, or -1 after the usage
 * error is printed (the caller returns AG_EX_USAGE).  fe_num_exit()
 * returns the value or exits with AG_EX_USAGE.
 */
int fe_num(const char *opt, const char *s, enum ag_cli_kind kind, long *out);
long fe_num_exit(const char *opt, const char *s, enum ag_cli_kind kind);

/*
 * The stop signal: 0 until SIGINT, SIGTERM (or another signal given to
 * fe_catch_stop) arrives, then its number.  Set only by fe_on_stop.
 */
extern volatile sig_atomic_t fe_stop_signal;

/* The handler that sets fe_stop_signal. */
void fe_on_stop(int sig);

/* Install fe_on_stop for SIGINT, SIGTERM and, when hup, SIGHUP; ignore
 * SIGPIPE (a write to a closed pipe gives EPIPE). */
void fe_catch_stop(bool hup);

#endif
