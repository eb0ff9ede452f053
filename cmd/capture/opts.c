/*
 * opts.c - agrec-capture's command line: long options with one or two
 * dashes (getopt_long_only), strict numbers.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/capture.h"
#include "diag.h"
#include "exitcodes.h"
#include "names.h"
#include "umask.h"

static const char usage_text[] =
"usage: agrec-capture [--captureInterval N] [--size WxH] [--names sdk|sample] [--stdout]\n"
"                     [--index FILE] [--uid UID ...] [--quality N] [--umask MODE] [-q]\n"
"                     [-o DIR] -f DIR\n"
"       agrec-capture [options] [-i FILE|-]\n"
"       agrec-capture -h | --help | -V | --version\n";

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
"      --autoSubscribe 0|1  0: only the users of --subscribeVideoUids (the SDK\n"
"                           3.x's rule; default 1, everyone, the lists ignored)\n"
"      --subscribeVideoUids U1,U2,...  the users whose video is subscribed (at\n"
"                           most 17)\n"
"      --subscribeAudioUids U1,U2,...  checked as agrec-record's; no snapshots\n"
"                           come from audio\n"
"      --quality N          JPEG quality, ffmpeg -q:v 2..31 (default 3)\n"
"      --umask MODE         octal umask for files (default 077)\n"
"  -q, --quiet              no progress and no summary\n"
"  -h, --help               this help\n"
"  -V, --version            the version\n"
"\n"
"Exit status: 0 success, 1 some snapshots failed, 64 usage, 65 bad input data,\n"
"69 ffmpeg missing, 74 I/O error.  Environment: AGREC_FFMPEG, AGREC_FFPROBE.\n";

const struct fe_prog cp_prog = { "agrec-capture", usage_text, help_text };

enum {
	O_INTERVAL = 256, O_SIZE, O_NAMES, O_STDOUT, O_INDEX, O_UID, O_QUALITY, O_UMASK,
	O_SUB, O_SUB_VIDEO, O_SUB_AUDIO	/* FE_LONGOPTS_SUB(O_SUB) */
};

/* --size WxH: even sides (JPEG 4:2:0) in the table's bounds.  0 or AG_EX_USAGE. */
static int
parse_size(const char *s, struct cp_opts *o)
{
	struct ag_error err = { 0 };

	if (ag_cli_size("--size", s, AG_CLI_SNAP_SIZE, &o->width, &o->height, &err) < 0)
		return fe_usage_err(&err);
	if (o->width % 2 || o->height % 2)
		return fe_usage("--size: '%s': want even sizes (JPEG 4:2:0)", s);
	return 0;
}

/* One option ch with its optarg (name: as given).  0, or the exit status. */
static int
one_opt(int ch, const char *name, void *ctx)
{
	struct cp_opts *o = ctx;
	struct ag_error err = { 0 };
	long v;

	switch (ch) {
	case 'f': o->folder = optarg; break;
	case 'i': o->input = optarg; break;
	case 'o': o->outdir = optarg; break;
	case O_INTERVAL:
		if (fe_num("--captureInterval", optarg, AG_CLI_CAPTURE, &v) < 0)
			return AG_EX_USAGE;
		o->interval = v;
		break;
	case O_SIZE: return parse_size(optarg, o);
	case O_NAMES:
		if (strcmp(optarg, "sdk") == 0)
			o->names = CP_NAMES_SDK;
		else if (strcmp(optarg, "sample") == 0)
			o->names = CP_NAMES_SAMPLE;
		else
			return fe_usage("--names: '%s': want sdk or sample", optarg);
		break;
	case O_STDOUT: o->to_stdout = true; break;
	case O_INDEX:
		if (strcmp(optarg, "-") == 0 || optarg[0] == '\0')
			return fe_usage("--index: want a file name (stdout may carry the JPEGs)");
		o->index = optarg;
		break;
	case O_UID:
		if (ag_cli_uid_add("--uid", optarg, o->uids, &o->nuids, CP_MAX_UIDS, &err) < 0)
			return fe_usage_err(&err);
		break;
	case O_QUALITY:
		if (fe_num("--quality", optarg, AG_CLI_QUALITY, &v) < 0)
			return AG_EX_USAGE;
		o->quality = (int)v;
		break;
	case O_UMASK: return fe_umask(optarg, &o->umask);
	case 'q': o->quiet = true; break;
	default:
		if ((v = fe_sub_opt(ch, O_SUB, optarg, &o->sub)) != 1)
			return (int)v;
		return fe_common_opt(ch, name);
	}
	return 0;
}

int
cp_opts_parse(int argc, char **argv, struct cp_opts *o)
{
	static const struct option lo[] = {
		FE_LONGOPTS_IO,
		{ "captureInterval", required_argument, NULL, O_INTERVAL },
		{ "size", required_argument, NULL, O_SIZE },
		{ "names", required_argument, NULL, O_NAMES },
		{ "stdout", no_argument, NULL, O_STDOUT },
		{ "index", required_argument, NULL, O_INDEX },
		{ "uid", required_argument, NULL, O_UID },
		{ "quality", required_argument, NULL, O_QUALITY },
		FE_LONGOPTS_SUB(O_SUB),
		FE_LONGOPTS_IO_TAIL(O_UMASK),
		/* Exact single-letter names, so that -i and -q are not taken as
		 * ambiguous abbreviations (input/index, quiet/quality). */
		{ "i", required_argument, NULL, 'i' },
		{ "q", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 }
	};
	int st;

	memset(o, 0, sizeof *o);
	o->interval = 5;
	o->quality = 3;
	o->names = CP_NAMES_SDK;
	o->umask = AG_UMASK_DEFAULT;
	ag_sub_init(&o->sub);
	if ((st = fe_getopt(argc, argv, ":f:i:o:qhV", lo, true, one_opt, o)) >= 0)
		return st;
	if (optind < argc)
		return fe_usage("%s: unexpected argument", argv[optind]);
	fe_sub_check(&o->sub);
	return -1;
}

static bool
is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int
cp_opts_check(struct cp_opts *o)
{
	if (o->folder != NULL && o->input != NULL)
		return fe_usage("-f and -i: give one input");
	if (o->folder != NULL && !is_dir(o->folder)) {
		ag_msg("%s: not a folder", o->folder);
		return AG_EX_IOERR;
	}
	if (o->outdir == NULL)
		o->outdir = o->folder != NULL ? o->folder : ".";
	if (!o->to_stdout && !is_dir(o->outdir)) {
		ag_msg("%s: output folder does not exist", o->outdir);
		return AG_EX_IOERR;
	}
	if (o->to_stdout && isatty(1)) {
		ag_msg("--stdout: standard output is a terminal; pipe it to a program");
		return AG_EX_USAGE;
	}
	return -1;
}
