/*
 * opts.c - agrec-convert's command line: the options of video_convert.py
 * (-f -m -p -s -r) and agrec's own.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/convert.h"
#include "diag.h"
#include "exitcodes.h"
#include "fsutil.h"
#include "rawfile.h"

static const char usage_text[] =
"usage: agrec-convert [-m MODE] [-p FPS] [-s] [-r W H | -r WxH] [-j N] [--force] [--once]\n"
"                     [--audioCodec aac|opus] [--reencode] [--stretch] [--dry-run] [--json]\n"
"                     [-q] -f DIR [-f DIR ...]\n"
"       agrec-convert --raw pcm|aac|h264|h265|yuv [-q] [--json] -f DIR [-f DIR ...]\n"
"       agrec-convert [options] --scan ROOT\n"
"       agrec-convert -h | --help | -V | --version\n";

static const char help_text[] =
"Convert finished recording folders into playable per-user files.\n"
"\n"
"  -f, --folder DIR      a recording folder (repeatable)\n"
"      --scan ROOT       every finished, not yet converted folder below ROOT\n"
"  -m, --mode N          0 one A/V file per txt (default), 1 one A/V file per\n"
"                        user session, 2 audio only, 3 video only\n"
"  -p, --fps N           output frame rate, default 15 (clamped to 5..120)\n"
"  -s, --saving          leave out the time between txt files (modes 1-3)\n"
"  -r, --resolution W H  output canvas (also WxH); 0 0 = automatic (default)\n"
"  -j, --jobs N          parallel ffmpeg jobs, 1..64 (default: CPUs)\n"
"      --force           convert a folder without recording2-done.txt\n"
"      --audioCodec C    the outputs' audio: aac (default) or opus (kept from\n"
"                        .opus segments when one fills the output, else\n"
"                        encoded; MP4 with Opus, for players that take it)\n"
"      --raw FORMAT      instead: per-user raw files as agrec-record writes them\n"
"                        live: pcm (48 kHz s16le), aac (ADTS), h264 or h265\n"
"                        (Annex-B), yuv (I420); <UID>.<ext> and a\n"
"                        <UID>.<ext>.json sidecar\n"
"      --once            skip a folder that is converted or being converted\n"
"                        (checked under its lock; for many workers)\n"
"      --reencode        re-encode all video (no stream copy)\n"
"      --stretch         stretch clips to the canvas instead of letterboxing\n"
"      --dry-run         print the planned ffmpeg commands; write nothing\n"
"      --json            print a JSON summary on stdout\n"
"  -q, --quiet           no progress and no per-output lines\n"
"  -h, --help            this help\n"
"  -V, --version         the version\n"
"\n"
"Exit status: 0 success, 1 a conversion failed, 64 usage, 65 bad input data,\n"
"69 ffmpeg/ffprobe missing, 74 I/O error, 75 locked or not finished.\n"
"Environment: AGREC_FFMPEG, AGREC_FFPROBE.  See agrec-convert(1).\n";

const struct fe_prog cv_prog = { "agrec-convert", usage_text, help_text };

/* -p N: 1 or more, clamped to 5..120 with a warning.  0 or AG_EX_USAGE. */
static int
parse_fps(const char *s, struct cv_opts *o)
{
	long v;

	if (fe_num("-p", s, AG_CLI_CV_FPS, &v) < 0)
		return AG_EX_USAGE;
	if (v < 5 || v > 120) {
		ag_msg("-p: %ld is out of 5..120; using %d", v, v < 5 ? 5 : 120);
		v = v < 5 ? 5 : 120;
	}
	o->fps = (int)v;
	return 0;
}

/* -r WxH, or -r W H (H is the next argument, taken here).  0 or AG_EX_USAGE. */
static int
parse_size(int argc, char **argv, const char *s, struct cv_opts *o)
{
	struct ag_error err = { 0 };
	long w, h;
	int iw, ih;

	if (strchr(s, 'x') != NULL) {
		if (ag_cli_size("-r", s, AG_CLI_CV_SIZE, &iw, &ih, &err) < 0)
			return fe_usage_err(&err);
		w = iw;
		h = ih;
	} else {
		if (fe_num("-r", s, AG_CLI_CV_SIZE, &w) < 0)
			return AG_EX_USAGE;
		if (optind >= argc)
			return fe_usage("-r takes two numbers, W H (or WxH)");
		if (fe_num("-r", argv[optind++], AG_CLI_CV_SIZE, &h) < 0)
			return AG_EX_USAGE;
	}
	if ((w == 0) != (h == 0))
		return fe_usage("-r: %ld %ld: give both sizes, or 0 0 for automatic", w, h);
	if ((w & 1) || (h & 1)) {
		ag_msg("-r: %ldx%ld rounded up to even sizes for H.264: %ldx%ld", w, h,
		    w + (w & 1), h + (h & 1));
		w += w & 1;
		h += h & 1;
	}
	o->width = (int)w;
	o->height = (int)h;
	return 0;
}

/* What one_opt fills, and the arguments -r W H reads on from. */
struct parse {
	int argc;
	char **argv;
	struct cv_opts *o;
	struct cv_strlist *folders, *scans;
};

/* One option ch with its optarg (name: as given).  0, or the exit status (-h, -V, usage). */
static int
one_opt(int ch, const char *name, void *ctx)
{
	struct parse *ps = ctx;
	struct cv_opts *o = ps->o;
	long v;

	switch (ch) {
	case 'f': cv_strlist_add(ps->folders, optarg); break;
	case 'S': cv_strlist_add(ps->scans, optarg); break;
	case 'm':
		if (fe_num("-m", optarg, AG_CLI_CV_MODE, &v) < 0)
			return AG_EX_USAGE;
		o->mode = (int)v;
		break;
	case 'p': return parse_fps(optarg, o);
	case 's': o->saving = true; break;
	case 'r': return parse_size(ps->argc, ps->argv, optarg, o);
	case 'j':
		if (fe_num("-j", optarg, AG_CLI_JOBS, &v) < 0)
			return AG_EX_USAGE;
		o->jobs = (int)v;
		break;
	case 'q': o->quiet = true; break;
	case 'O': o->once = true; break;
	case 'W':
		if ((o->raw = ag_raw_from_ext(optarg)) == AG_RAW_NONE)
			return fe_usage("--raw: '%s' is not pcm, aac, h264, h265 or yuv", optarg);
		break;
	case 'F': o->force = true; break;
	case 'A':
		if (strcmp(optarg, "aac") != 0 && strcmp(optarg, "opus") != 0)
			return fe_usage("--audioCodec: '%s' is not aac or opus", optarg);
		o->opus = strcmp(optarg, "opus") == 0;
		break;
	case 'R': o->reencode = true; break;
	case 'T': o->stretch = true; break;
	case 'n': o->dry_run = true; break;
	case 'J': o->json = true; break;
	default: return fe_common_opt(ch, name);
	}
	return 0;
}

int
cv_opts_parse(int argc, char **argv, struct cv_opts *o, struct cv_strlist *folders,
    struct cv_strlist *scans)
{
	static const struct option longopts[] = {
		{ "folder", required_argument, NULL, 'f' },
		{ "mode", required_argument, NULL, 'm' },
		{ "fps", required_argument, NULL, 'p' },
		{ "saving", no_argument, NULL, 's' },
		{ "resolution", required_argument, NULL, 'r' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		FE_LONGOPTS_HV,
		{ "scan", required_argument, NULL, 'S' },
		{ "force", no_argument, NULL, 'F' },
		{ "audioCodec", required_argument, NULL, 'A' },
		{ "once", no_argument, NULL, 'O' },
		{ "raw", required_argument, NULL, 'W' },
		{ "reencode", no_argument, NULL, 'R' },
		{ "stretch", no_argument, NULL, 'T' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 },
	};
	struct parse ps = { argc, argv, o, folders, scans };
	int st;

	memset(o, 0, sizeof *o);
	o->fps = 15;
	if ((st = fe_getopt(argc, argv, ":f:m:p:sr:j:qhV", longopts, false, one_opt, &ps)) >= 0)
		return st;
	if (optind < argc)
		return fe_usage("unexpected argument '%s' (folders go after -f)", argv[optind]);
	if (folders->n == 0 && scans->n == 0)
		return fe_usage("no folder: give -f DIR or --scan ROOT");
	if (o->jobs == 0)
		o->jobs = ag_ncpus();
	if (o->saving && o->mode == 0)
		ag_msg("-s has no effect in mode 0");
	return -1;
}
