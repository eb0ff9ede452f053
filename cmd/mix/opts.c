/*
 * opts.c - agrec-mix's command line: the recorder's option names and
 * defaults (agora-format.md 4.1), long options with one or two dashes
 * (getopt_long_only), strict numbers.
 */
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "mix/mix.h"
#include "names.h"
#include "umask.h"

static const char usage_text[] =
"usage: agrec-mix [options] -f DIR\n"
"       agrec-mix [options] [-i FILE|-] -o DIR\n"
"       agrec-mix -h | --help | -V | --version\n";

static const char help_text[] =
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
"      --layoutMode N       0 floating (default), 1 best-fit, 2 vertical,\n"
"                           3 active speaker\n"
"      --maxResolutionUid UID  the large user of layout 2 (and of 3 before\n"
"                           anyone spoke)\n"
"      --speakerHold MS     layout 3: how long a new speaker must be the active\n"
"                           one before taking the large region (default 1000,\n"
"                           0..60000)\n"
"      --keepLastFrame 0|1  a user whose video stopped but who keeps a region\n"
"                           shows the last frame, not the background (default 0)\n"
"      --layout FILE        custom layout, agrec-layout(5); reread on SIGHUP\n"
"      --defaultVideoBg IMG canvas background image (JPEG or PNG)\n"
"      --defaultUserBg IMG  picture of a user without video\n"
"      --backgroundColor #RRGGBB  canvas colour (default #23b9dc, the SDK's)\n"
"      --audioProfile N     0 mono 48 kb/s (default), 1 mono 128 kb/s,\n"
"                           2 stereo 192 kb/s\n"
"      --pcm FILE|-         the mixed audio as raw s16le 48 kHz instead of AAC\n"
"      --latency MS         live: wait for late frames (default 300)\n"
"      --exclude UID        leave a participant out (repeatable)\n"
"      --watermarkText TEXT a text watermark (UTF-8; a newline breaks a line)\n"
"      --watermarkTextRect X,Y,W,H  its box in canvas pixels (default 0,0,0,0:\n"
"                           from 0,0 to the canvas edges)\n"
"      --watermarkImage IMG an image watermark (PNG or JPEG, alpha kept)\n"
"      --watermarkImageRect X,Y,W,H  its place and size (W, H 0: the image's)\n"
"      --watermarkTimestamp 0|1  a running wall-clock time watermark\n"
"      --watermarkTimestampRect X,Y,W,H  its box\n"
"      --watermarkTimeFormat FMT  strftime(3) format, %L milliseconds\n"
"                           (default %Y-%m-%d %H:%M:%S.%L)\n"
"      --watermarkLocalTime 0|1  local time instead of UTC\n"
"      --watermarkFont FILE text and time font (default DejaVu Sans)\n"
"      --watermarkFontSize PX  text and time size, 4..512 (default 24)\n"
"      --watermarkColor #RRGGBB  text and time colour (default #ffffff)\n"
"      --watermarkAlpha A   opacity of these watermarks, 0..1 (default 1)\n"
"      --autoSubscribe 0|1  0: only the listed users' audio and video are mixed\n"
"                           (the SDK 3.x's rule; default 1, everyone, the lists\n"
"                           ignored)\n"
"      --subscribeVideoUids U1,U2,...  the users whose video is mixed (<= 17)\n"
"      --subscribeAudioUids U1,U2,...  the users whose audio is mixed (<= 17)\n"
"      --umask MODE         octal umask for files and folders (default 077)\n"
"  -q, --quiet              no progress, no decoder messages\n"
"  -h, --help               this help\n"
"  -V, --version            the version\n"
"\n"
"Exit status: 0 success, 1 a child failed or interrupted, 64 usage, 65 bad\n"
"input data, 66 a missing input file, 69 ffmpeg missing, 74 I/O error.\n"
"Environment: AGREC_FFMPEG.  See agrec-mix(1).\n";

const struct fe_prog mx_prog = { "agrec-mix", usage_text, help_text };

enum {
	O_RES = 256, O_MIXEDVA, O_AUDIOONLY, O_LAYOUTMODE, O_MAXUID, O_LAYOUT, O_VIDEOBG,
	O_USERBG, O_PROFILE, O_PCM, O_LATENCY, O_EXCLUDE, O_BGCOLOR, O_UMASK,
	O_WM, O_WM_LAST = O_WM + FE_WM_NOPTS - 1,	/* FE_LONGOPTS_WM(O_WM) */
	O_SUB, O_SUB_VIDEO, O_SUB_AUDIO,	/* FE_LONGOPTS_SUB(O_SUB) */
	O_HOLD, O_KEEPLAST
};

/* --mixResolution, parsed as agrec-record parses it (cli.h).  0 or AG_EX_USAGE. */
static int
parse_res(const char *s, struct mx_opts *o)
{
	struct ag_mixres m;
	struct ag_error err = { 0 };

	if (ag_cli_mixres("--mixResolution", s, &m, &err) < 0)
		return fe_usage_err(&err);
	/* yuv420p needs even sizes */
	o->width = m.width & ~1;
	o->height = m.height & ~1;
	o->fps = m.fps;
	o->kbps = m.kbps;
	return 0;
}

/* The numeric options: the option, its bounds, and what it sets. */
enum num_how {
	AS_INT,                 /* the int at off */
	AS_BOOL,                /* the bool at off */
	AS_PROFILE,             /* the int at off, values above 2 are 2 (the SDK clamps) */
	AS_MAX_UID              /* max_uid and has_max_uid: -1 is the recorder's "unset" */
};

struct num_opt {
	int ch;
	const char *name;
	enum ag_cli_kind kind;
	enum num_how how;
	size_t off;
};

static const struct num_opt num_opts[] = {
	{ O_MIXEDVA, "--mixedVideoAudio", AG_CLI_MIXED_VA, AS_INT,
	    offsetof(struct mx_opts, mixed_va) },
	{ O_AUDIOONLY, "--isAudioOnly", AG_CLI_BOOL, AS_BOOL, offsetof(struct mx_opts, audio_only) },
	{ O_LAYOUTMODE, "--layoutMode", AG_CLI_LAYOUT_MODE, AS_INT,
	    offsetof(struct mx_opts, layout_mode) },
	{ O_MAXUID, "--maxResolutionUid", AG_CLI_UID_OR_UNSET, AS_MAX_UID, 0 },
	{ O_PROFILE, "--audioProfile", AG_CLI_AUDIO_PROFILE, AS_PROFILE,
	    offsetof(struct mx_opts, audio_profile) },
	{ O_LATENCY, "--latency", AG_CLI_LATENCY, AS_INT, offsetof(struct mx_opts, latency_ms) },
	{ O_HOLD, "--speakerHold", AG_CLI_SPEAKER_HOLD, AS_INT,
	    offsetof(struct mx_opts, speaker_hold_ms) },
	{ O_KEEPLAST, "--keepLastFrame", AG_CLI_BOOL, AS_BOOL, offsetof(struct mx_opts, keep_last) },
};

/* Numeric option n with the value s.  0 or AG_EX_USAGE. */
static int
set_num(const struct num_opt *n, const char *s, struct mx_opts *o)
{
	char *field = (char *)o + n->off;
	long v;

	if (fe_num(n->name, s, n->kind, &v) < 0)
		return AG_EX_USAGE;
	switch (n->how) {
	case AS_INT: *(int *)field = (int)v; break;
	case AS_BOOL: *(bool *)field = v != 0; break;
	case AS_PROFILE: *(int *)field = v > 2 ? 2 : (int)v; break;
	case AS_MAX_UID:
		o->has_max_uid = v >= 0;
		o->max_uid = (uint32_t)(v < 0 ? 0 : v);
		break;
	}
	return 0;
}

/* One option ch with its optarg (name: as given).  0, or the exit status. */
static int
one_opt(int ch, const char *name, void *ctx)
{
	struct mx_opts *o = ctx;
	struct ag_error err = { 0 };
	size_t i;
	int st;

	for (i = 0; i < sizeof num_opts / sizeof num_opts[0]; i++)
		if (num_opts[i].ch == ch)
			return set_num(&num_opts[i], optarg, o);
	if ((st = fe_wm_opt(ch, O_WM, optarg, &o->wm)) != 1)
		return st;
	switch (ch) {
	case 'f': o->folder = optarg; break;
	case 'i': o->input = optarg; break;
	case 'o': o->output = optarg; break;
	case O_RES: return parse_res(optarg, o);
	case O_LAYOUT: o->layout_file = optarg; break;
	case O_VIDEOBG: o->video_bg = *optarg ? optarg : NULL; break;
	case O_USERBG: o->user_bg = *optarg ? optarg : NULL; break;
	case O_PCM: o->pcm = optarg; break;
	case O_BGCOLOR:
		o->has_bg_color = true;
		if (ag_wm_parse_color("--backgroundColor", optarg, &o->bg_color, &err) < 0)
			return fe_usage_err(&err);
		break;
	case O_EXCLUDE:
		if (ag_cli_uid_add("--exclude", optarg, o->exclude, &o->nexclude, MX_MAX_EXCLUDE,
		    &err) < 0)
			return fe_usage_err(&err);
		break;
	case O_UMASK: return fe_umask(optarg, &o->umask);
	case 'q': o->quiet = true; break;
	default:
		if ((st = fe_sub_opt(ch, O_SUB, optarg, &o->sub)) != 1)
			return st;
		return fe_common_opt(ch, name);
	}
	return 0;
}

int
mx_opts_parse(int argc, char **argv, struct mx_opts *o)
{
	static const struct option lo[] = {
		FE_LONGOPTS_IO,
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
		FE_LONGOPTS_WM(O_WM),
		FE_LONGOPTS_SUB(O_SUB),
		{ "speakerHold", required_argument, NULL, O_HOLD },
		{ "keepLastFrame", required_argument, NULL, O_KEEPLAST },
		FE_LONGOPTS_IO_TAIL(O_UMASK),
		{ NULL, 0, NULL, 0 },
	};
	int st;

	memset(o, 0, sizeof *o);
	o->width = AG_MIXRES_DEFAULT_W;
	o->height = AG_MIXRES_DEFAULT_H;
	o->fps = AG_MIXRES_DEFAULT_FPS;
	o->kbps = AG_MIXRES_DEFAULT_KBPS;
	o->latency_ms = 300;
	o->speaker_hold_ms = MX_SPEAKER_HOLD_MS;
	o->umask = AG_UMASK_DEFAULT;
	ag_wm_opts_init(&o->wm);
	ag_sub_init(&o->sub);
	if ((st = fe_getopt(argc, argv, ":f:i:o:qhV", lo, true, one_opt, o)) >= 0)
		return st;
	if (optind < argc)
		return fe_usage("unexpected argument '%s'", argv[optind]);
	if (o->folder != NULL && o->input != NULL)
		return fe_usage("-f and -i are two inputs: give one");
	if (o->folder == NULL && o->output == NULL)
		return fe_usage("stream input needs -o DIR (or give a folder with -f DIR)");
	fe_sub_check(&o->sub);
	if (o->audio_only && o->mixed_va != 0)
		ag_msg("--mixedVideoAudio %d: ignored with --isAudioOnly 1", o->mixed_va);
	if (o->audio_only && (o->wm.text != NULL || o->wm.image != NULL || o->wm.timestamp))
		ag_msg("--watermark*: ignored with --isAudioOnly 1 (no picture)");
	return -1;
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

bool
mx_subscribed(const struct mx_opts *o, struct ag_sub_tally *t, uint32_t uid, bool video)
{
	enum ag_sub_kind k = video ? AG_SUB_VIDEO : AG_SUB_AUDIO;

	if (ag_sub_wants(&o->sub, uid, k))
		return true;
	if (ag_sub_ignore(t, uid, k, 1) == 1 && !o->quiet)
		ag_msg("uid %lu: %s not subscribed (%s), ignored", (unsigned long)uid,
		    ag_sub_kind_name(k), ag_sub_list_opt(k));
	return false;
}
