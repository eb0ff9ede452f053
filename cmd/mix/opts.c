/*
 * opts.c - agrec-mix's command line: the recorder's option names and
 * defaults (agora-format.md 4.1), long options with one or two dashes
 * (getopt_long_only), strict numbers.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "mix/mix.h"
#include "mixres.h"
#include "names.h"
#include "num.h"
#include "umask.h"

const char mx_usage_text[] =
"usage: agrec-mix [options] -f DIR\n"
"       agrec-mix [options] [-i FILE|-] -o DIR\n"
"       agrec-mix -h | --help | --version\n";

const char mx_help_text[] =
"Composite a recorded channel: a finished recording folder (-f) or a live\n"
"channel stream, agrec-stream(5) (-i, default standard input).\n"
"\n"
"  -f, --folder DIR         a finished recording folder; output in DIR/mix\n"
"  -i, --input FILE|-       the channel stream (default -, standard input)\n"
"  -o, --output DIR         output folder (required for stream input)\n"
"      --mixResolution W,H,FPS,KBPS  canvas and video bitrate (360,640,15,500;\n"
"                           W 16..7680, H 16..4320, FPS 1..120, KBPS 10..100000)\n"
"      --mixedVideoAudio N  0 mixed .aac + video .mp4 (default), 1 and 2 one\n"
"                           A/V .mp4\n"
"      --isAudioOnly 0|1    only the mixed audio\n"
"      --layoutMode N       0 floating (default), 1 best-fit, 2 vertical\n"
"      --maxResolutionUid UID  the large user of layout 2\n"
"      --layout FILE        custom layout, agrec-layout(5); reread on SIGHUP\n"
"      --defaultVideoBg IMG canvas background image (JPEG or PNG)\n"
"      --defaultUserBg IMG  picture of a user without video\n"
"      --backgroundColor #RRGGBB  canvas colour (default #23b9dc, the SDK's)\n"
"      --audioProfile N     0 mono 48 kb/s (default), 1 mono 128 kb/s,\n"
"                           2 stereo 192 kb/s\n"
"      --pcm FILE|-         the mixed audio as raw s16le 48 kHz instead of AAC\n"
"      --latency MS         live: wait for late frames (default 300)\n"
"      --exclude UID        leave a participant out (repeatable)\n"
"      --umask MODE         octal umask for files and folders (default 077)\n"
"  -q, --quiet              no progress, no decoder messages\n"
"  -h, --help               this help\n"
"      --version            the version\n"
"\n"
"Exit status: 0 success, 1 a child failed or interrupted, 64 usage, 65 bad\n"
"input data, 66 a missing input file, 69 ffmpeg missing, 74 I/O error.\n"
"Environment: AGREC_FFMPEG.  See agrec-mix(1).\n";

static void
usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ag_vmsg(fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s", mx_usage_text);
}

static int
num_opt(const char *name, const char *s, long min, long max, long *out)
{
	if (ag_parse_long(s, min, max, out) < 0) {
		usage_error("--%s: '%s' is not an integer in %ld..%ld", name, s, min, max);
		return -1;
	}
	return 0;
}

/* --mixResolution, parsed as agrec-record parses it (libcommon/mixres.c). */
static int
parse_res(const char *s, struct mx_opts *o)
{
	struct ag_mixres m;
	struct ag_error err = { 0 };

	if (ag_mixres_parse(s, &m, &err) < 0) {
		usage_error("--mixResolution: %s", err.msg);
		return -1;
	}
	/* yuv420p needs even sizes */
	o->width = m.width & ~1;
	o->height = m.height & ~1;
	o->fps = m.fps;
	o->kbps = m.kbps;
	return 0;
}

enum {
	O_RES = 256, O_MIXEDVA, O_AUDIOONLY, O_LAYOUTMODE, O_MAXUID, O_LAYOUT, O_VIDEOBG,
	O_USERBG, O_PROFILE, O_PCM, O_LATENCY, O_EXCLUDE, O_VERSION, O_BGCOLOR, O_UMASK
};

int
mx_opts_parse(int argc, char **argv, struct mx_opts *o)
{
	static const struct option lo[] = {
		{ "folder", required_argument, NULL, 'f' },
		{ "input", required_argument, NULL, 'i' },
		{ "output", required_argument, NULL, 'o' },
		{ "mixResolution", required_argument, NULL, O_RES },
		{ "mixedVideoAudio", required_argument, NULL, O_MIXEDVA },
		{ "isAudioOnly", required_argument, NULL, O_AUDIOONLY },
		{ "layoutMode", required_argument, NULL, O_LAYOUTMODE },
		{ "maxResolutionUid", required_argument, NULL, O_MAXUID },
		{ "layout", required_argument, NULL, O_LAYOUT },
		{ "defaultVideoBg", required_argument, NULL, O_VIDEOBG },
		{ "defaultUserBg", required_argument, NULL, O_USERBG },
		{ "backgroundColor", required_argument, NULL, O_BGCOLOR },
		{ "audioProfile", required_argument, NULL, O_PROFILE },
		{ "pcm", required_argument, NULL, O_PCM },
		{ "latency", required_argument, NULL, O_LATENCY },
		{ "exclude", required_argument, NULL, O_EXCLUDE },
		{ "umask", required_argument, NULL, O_UMASK },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int ch;
	long v;
	uint32_t uid;

	memset(o, 0, sizeof *o);
	o->width = 360;
	o->height = 640;
	o->fps = 15;
	o->kbps = 500;
	o->latency_ms = 300;
	o->umask = AG_UMASK_DEFAULT;
	opterr = 0;
	while ((ch = getopt_long_only(argc, argv, ":f:i:o:qh", lo, NULL)) != -1) {
		switch (ch) {
		case 'f':
			o->folder = optarg;
			break;
		case 'i':
			o->input = optarg;
			break;
		case 'o':
			o->output = optarg;
			break;
		case O_RES:
			if (parse_res(optarg, o) < 0)
				return -1;
			break;
		case O_MIXEDVA:
			if (num_opt("mixedVideoAudio", optarg, 0, 2, &v) < 0)
				return -1;
			o->mixed_va = (int)v;
			break;
		case O_AUDIOONLY:
			if (num_opt("isAudioOnly", optarg, 0, 1, &v) < 0)
				return -1;
			o->audio_only = v != 0;
			break;
		case O_LAYOUTMODE:
			if (num_opt("layoutMode", optarg, 0, 2, &v) < 0)
				return -1;
			o->layout_mode = (int)v;
			break;
		case O_MAXUID:
			/* -1 is the recorder's "unset" */
			if (num_opt("maxResolutionUid", optarg, -1, 4294967295L, &v) < 0)
				return -1;
			o->has_max_uid = v >= 0;
			o->max_uid = (uint32_t)(v < 0 ? 0 : v);
			break;
		case O_LAYOUT:
			o->layout_file = optarg;
			break;
		case O_VIDEOBG:
			o->video_bg = *optarg ? optarg : NULL;
			break;
		case O_USERBG:
			o->user_bg = *optarg ? optarg : NULL;
			break;
		case O_PROFILE:
			if (num_opt("audioProfile", optarg, 0, 1000000, &v) < 0)
				return -1;
			o->audio_profile = v > 2 ? 2 : (int)v;	/* the SDK clamps */
			break;
		case O_PCM:
			o->pcm = optarg;
			break;
		case O_LATENCY:
			if (num_opt("latency", optarg, 0, 10000, &v) < 0)
				return -1;
			o->latency_ms = (int)v;
			break;
		case O_BGCOLOR: {
			unsigned long c;
			char *end;
			const char *p = optarg[0] == '#' ? optarg + 1 : optarg;
			errno = 0;
			c = strtoul(p, &end, 16);
			if (strlen(p) != 6 || *end != '\0' || errno != 0 || !isxdigit((unsigned char)p[0]))
			{
				usage_error("--backgroundColor: '%s' is not #RRGGBB", optarg);
				return -1;
			}
			o->has_bg_color = true;
			o->bg_color = (uint32_t)c;
			break;
		}
		case O_EXCLUDE:
			if (ag_parse_uid(optarg, strlen(optarg), &uid) < 0) {
				usage_error("--exclude: '%s' is not a uid (0..4294967295)", optarg);
				return -1;
			}
			if (o->nexclude == MX_MAX_EXCLUDE) {
				usage_error("--exclude: at most %d uids", MX_MAX_EXCLUDE);
				return -1;
			}
			o->exclude[o->nexclude++] = uid;
			break;
		case O_UMASK:
			if (ag_umask_parse(optarg, &o->umask) < 0) {
				usage_error("--umask: '%s' is not an octal mode (0 to 777)", optarg);
				return -1;
			}
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			printf("%s\n%s", mx_usage_text, mx_help_text);
			return 1;
		case O_VERSION:
			printf("agrec-mix %s\n", AGREC_VERSION);
			return 1;
		case ':':
			usage_error("%s: needs an argument", argv[optind - 1]);
			return -1;
		default:
			usage_error("%s: unknown option", argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		usage_error("unexpected argument '%s'", argv[optind]);
		return -1;
	}
	if (o->folder != NULL && o->input != NULL) {
		usage_error("-f and -i are two inputs: give one");
		return -1;
	}
	if (o->folder == NULL && o->output == NULL) {
		usage_error("stream input needs -o DIR (or give a folder with -f DIR)");
		return -1;
	}
	if (o->audio_only && o->mixed_va != 0)
		ag_msg("--mixedVideoAudio %d: ignored with --isAudioOnly 1", o->mixed_va);
	return 0;
}

int
mx_audio_channels(const struct mx_opts *o)
{
	return o->audio_profile == 2 ? 2 : 1;
}

int
mx_audio_kbps(const struct mx_opts *o)
{
	return o->audio_profile == 0 ? 48 : o->audio_profile == 1 ? 128 : 192;
}

bool
mx_excluded(const struct mx_opts *o, uint32_t uid)
{
	for (size_t i = 0; i < o->nexclude; i++)
		if (o->exclude[i] == uid)
			return true;
	return false;
}
