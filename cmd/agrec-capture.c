/*
 * agrec-capture - JPEG snapshots of every user's video every N seconds
 * of channel time, from a live channel stream (agrec-record --emit) or a
 * finished recording folder.  See agrec-capture(1).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/capture.h"
#include "diag.h"
#include "exitcodes.h"
#include "ffmpeg.h"
#include "names.h"
#include "num.h"
#include "umask.h"

static const char usage_text[] =
"usage: agrec-capture [--captureInterval N] [--size WxH] [--names sdk|sample] [--stdout]\n"
"                     [--index FILE] [--uid UID ...] [--quality N] [--umask MODE] [-q]\n"
"                     [-o DIR] -f DIR\n"
"       agrec-capture [options] [-i FILE|-]\n"
"       agrec-capture -h | --help | --version\n";

static const char help_text[] =
"JPEG snapshots of every user's video every N seconds of channel time.\n"
"\n"
"  -f, --folder DIR         a finished recording folder\n"
"  -i, --input FILE|-       a channel stream (agrec-stream(5)); default: stdin\n"
"  -o, --output DIR         where the JPEGs go (default: DIR of -f, else .)\n"
"      --captureInterval N  seconds between snapshots, 1..86400 (default 5)\n"
"      --size WxH           scale the snapshots (default: the video's size)\n"
"      --names sdk|sample   sdk: UID_YYYYMMDDHHMMSSmmm.jpg, UTC (default);\n"
"                           sample: UID_YYYYMMDDHHMMSS.jpg, local time\n"
"      --stdout             JPEG frames on stdout (see agrec-capture(1)), no files\n"
"      --index FILE         JSON lines index (default: OUTDIR/snapshots.jsonl;\n"
"                           none with --stdout)\n"
"      --uid UID            only this user (repeatable)\n"
"      --quality N          JPEG quality, ffmpeg -q:v 2..31 (default 3)\n"
"      --umask MODE         octal umask for files (default 077)\n"
"  -q, --quiet              no progress and no summary\n"
"  -h, --help               this help\n"
"      --version            the version\n"
"\n"
"Exit status: 0 success, 1 some snapshots failed, 64 usage, 65 bad input data,\n"
"69 ffmpeg missing, 74 I/O error.  Environment: AGREC_FFMPEG, AGREC_FFPROBE.\n";

static void
usage_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ag_vmsg(fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s", usage_text);
}

static void
on_signal(int sig)
{
	cp_stop_signal = sig;
}

#define USAGE(...) do { usage_msg(__VA_ARGS__); status = AG_EX_USAGE; goto out; } while (0)

enum { O_INTERVAL = 256, O_SIZE, O_NAMES, O_STDOUT, O_INDEX, O_UID, O_QUALITY, O_UMASK, O_VERSION };

static int
parse_size(const char *s, int *w, int *h)
{
	const char *x = strchr(s, 'x');
	long lw, lh;
	char buf[16];

	if (!x || (size_t)(x - s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, (size_t)(x - s));
	buf[x - s] = '\0';
	if (ag_parse_long(buf, 16, 7680, &lw) < 0 || ag_parse_long(x + 1, 16, 7680, &lh) < 0)
		return -1;
	/* JPEG 4:2:0 wants even sizes. */
	if (lw % 2 || lh % 2)
		return -1;
	*w = (int)lw;
	*h = (int)lh;
	return 0;
}

static int
is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "folder", required_argument, NULL, 'f' },
		{ "input", required_argument, NULL, 'i' },
		{ "output", required_argument, NULL, 'o' },
		{ "captureInterval", required_argument, NULL, O_INTERVAL },
		{ "size", required_argument, NULL, O_SIZE },
		{ "names", required_argument, NULL, O_NAMES },
		{ "stdout", no_argument, NULL, O_STDOUT },
		{ "index", required_argument, NULL, O_INDEX },
		{ "uid", required_argument, NULL, O_UID },
		{ "quality", required_argument, NULL, O_QUALITY },
		{ "umask", required_argument, NULL, O_UMASK },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, O_VERSION },
		/* Exact single-letter names, so that -i and -q are not taken as
		 * ambiguous abbreviations (input/index, quiet/quality). */
		{ "i", required_argument, NULL, 'i' },
		{ "q", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 }
	};
	struct cp_opts o = { .interval = 5, .quality = 3, .names = CP_NAMES_SDK };
	struct ag_error err = { 0 };
	struct cp_sink *sink = NULL;
	struct cp_engine *eng = NULL;
	char *ffmpeg = NULL, *ffprobe = NULL;
	int status = AG_EX_OK, ch, in_fd = -1;
	long v;
	mode_t mask = AG_UMASK_DEFAULT;

	ag_set_progname(argv[0]);
	opterr = 0;
	while ((ch = getopt_long_only(argc, argv, ":f:i:o:qh", lo, NULL)) != -1) {
		const char *name = optind > 0 && optind <= argc ? argv[optind - 1] : "?";
		switch (ch) {
		case 'f': o.folder = optarg; break;
		case 'i': o.input = optarg; break;
		case 'o': o.outdir = optarg; break;
		case O_INTERVAL:
			if (ag_parse_long(optarg, 1, 86400, &v) < 0)
				USAGE("--captureInterval: '%s': not a whole number of seconds in 1..86400", optarg);
			o.interval = v;
			break;
		case O_SIZE:
			if (parse_size(optarg, &o.width, &o.height) < 0)
				USAGE("--size: '%s': want WxH, even numbers in 16..7680", optarg);
			break;
		case O_NAMES:
			if (strcmp(optarg, "sdk") == 0)
				o.names = CP_NAMES_SDK;
			else if (strcmp(optarg, "sample") == 0)
				o.names = CP_NAMES_SAMPLE;
			else
				USAGE("--names: '%s': want sdk or sample", optarg);
			break;
		case O_STDOUT: o.to_stdout = true; break;
		case O_INDEX:
			if (strcmp(optarg, "-") == 0 || optarg[0] == '\0')
				USAGE("--index: want a file name (stdout may carry the JPEGs)");
			o.index = optarg;
			break;
		case O_UID: {
			uint32_t uid;
			if (ag_parse_uid(optarg, strlen(optarg), &uid) < 0)
				USAGE("--uid: '%s': not a uid (0..4294967295)", optarg);
			if (o.nuids == CP_MAX_UIDS)
				USAGE("--uid: at most %d", CP_MAX_UIDS);
			o.uids[o.nuids++] = uid;
			break;
		}
		case O_QUALITY:
			if (ag_parse_long(optarg, 2, 31, &v) < 0)
				USAGE("--quality: '%s': want 2..31", optarg);
			o.quality = (int)v;
			break;
		case O_UMASK:
			if (ag_umask_parse(optarg, &mask) < 0)
				USAGE("--umask: '%s' is not an octal mode (0 to 777)", optarg);
			break;
		case 'q': o.quiet = true; break;
		case 'h': fputs(usage_text, stdout); fputs("\n", stdout); fputs(help_text, stdout); goto out;
		case O_VERSION: printf("agrec-capture %s\n", AGREC_VERSION); goto out;
		case ':': USAGE("%s: needs a value", name);
		default: USAGE("%s: unknown option", name);
		}
	}
	if (optind < argc)
		USAGE("%s: unexpected argument", argv[optind]);
	umask(mask);
	if (o.folder && o.input)
		USAGE("-f and -i: give one input");
	if (o.folder && !is_dir(o.folder)) {
		ag_msg("%s: not a folder", o.folder);
		status = AG_EX_IOERR;
		goto out;
	}
	if (!o.outdir)
		o.outdir = o.folder ? o.folder : ".";
	if (!o.to_stdout && !is_dir(o.outdir)) {
		ag_msg("%s: output folder does not exist", o.outdir);
		status = AG_EX_IOERR;
		goto out;
	}
	if (o.to_stdout && isatty(1)) {
		ag_msg("--stdout: standard output is a terminal; pipe it to a program");
		status = AG_EX_USAGE;
		goto out;
	}
	/* A reader of stdout that goes away must give EPIPE, not kill us.
	 * A stop signal ends the input; decided snapshots are still written. */
	signal(SIGPIPE, SIG_IGN);
	struct sigaction sa = { 0 };
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	if (!(ffmpeg = ag_ff_find("AGREC_FFMPEG", "ffmpeg", &err)) ||
	    (o.folder && !(ffprobe = ag_ff_find("AGREC_FFPROBE", "ffprobe", &err)))) {
		ag_msg("%s", err.msg);
		status = AG_EX_UNAVAILABLE;
		goto out;
	}
	if (!o.folder) {
		if (!o.input || strcmp(o.input, "-") == 0) {
			if (isatty(0))
				USAGE("no input: give -f DIR, -i FILE, or a channel stream on standard input");
			in_fd = 0;
		} else if ((in_fd = open(o.input, O_RDONLY | O_CLOEXEC)) < 0) {
			ag_msg("%s: %s", o.input, strerror(errno));
			status = AG_EX_IOERR;
			goto out;
		}
	}
	if (!(sink = cp_sink_new(&o, &err)) || !(eng = cp_engine_new(&o, ffmpeg, sink, &err))) {
		ag_msg("%s", err.msg);
		status = err.code ? err.code : AG_EX_FAIL;
		goto out;
	}

	int r;
	if (o.folder) {
		int nvideo;
		r = cp_run_folder(eng, &o, ffmpeg, ffprobe, &nvideo, &err);
		if (r >= 0 && nvideo == 0 && !o.quiet)
			ag_msg("%s: no video in this recording: no snapshots", o.folder);
	} else {
		r = cp_run_stream(eng, in_fd, !o.input || strcmp(o.input, "-") == 0 ? "standard input" : o.input, &err);
	}
	if (r < 0) {
		ag_msg("%s", err.msg);
		status = err.code ? err.code : AG_EX_FAIL;
		/* Snapshots already decided are still delivered when the input is bad. */
		if (status == AG_EX_DATAERR) {
			struct ag_error e2 = { 0 };
			if (cp_engine_finish(eng, &e2) < 0) {
				ag_msg("%s", e2.msg);
				status = e2.code;
			}
		}
		goto summary;
	}
	int fr = cp_engine_finish(eng, &err);
	if (fr < 0) {
		ag_msg("%s", err.msg);
		status = err.code ? err.code : AG_EX_FAIL;
	} else if (fr > 0 || r > 0) {
		status = AG_EX_FAIL;
	}
summary:
	if (cp_stop_signal && status == AG_EX_OK) {
		ag_msg("stopped by signal %d; the snapshots taken so far are written", (int)cp_stop_signal);
		status = 128 + cp_stop_signal;
	}
	if (!o.quiet && status != AG_EX_IOERR)
		cp_engine_summary(eng, stderr);
out:
	cp_engine_free(eng);
	if (sink && cp_sink_close(sink, &err) < 0 && status == AG_EX_OK) {
		ag_msg("%s", err.msg);
		status = AG_EX_IOERR;
	}
	if (in_fd > 0)
		close(in_fd);
	free(ffmpeg);
	free(ffprobe);
	return status;
}
