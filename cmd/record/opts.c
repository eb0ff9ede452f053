/*
 * opts.c - agrec-record's command line: the Agora recorder's option names
 * (--name value, -name value, --name=value; booleans as 0/1), plus
 * agrec's own (--listen, --pt, --sdp, --umask, --leave-timeout).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "exitcodes.h"
#include "fe/fe.h"
#include "fsutil.h"
#include "names.h"
#include "record/record.h"
#include "srtp.h"
#include "umask.h"

static const char usage_text[] =
"usage: agrec-record --channel NAME [--listen HOST:PORT] [--recordFileRootDir DIR]\n"
"                    [--cfgFilePath FILE] [--idle S] [--isAudioOnly 0|1] [--isVideoOnly 0|1]\n"
"                    [--triggerMode 0|1] [--pt PT=CODEC/RATE[/CH]] [--sdp FILE]\n"
"                    [--leave-timeout S] [--umask MODE] [--logLevel N] [--emit FILE|-]\n"
"                    [--allow ADDR[/PREFIX]] [--feedback SSRC=ADDR:PORT]\n"
"                    [--rawFifo 0|1] [--layout FILE] [--audioFormat aac|opus]\n"
"                    [--whip [ADDR:]PORT] [--channelKey KEY] [--publicAddress ADDR]\n"
"                    [--maxBitrate KBPS] [--maxPublishers N] [--dtlsCert FILE]\n"
"                    [--decryptionMode SUITE --secret KEY]\n"
"                    [Agora options]\n"
"       agrec-record --dump FILE|-\n"
"       agrec-record -h | --help | -V | --version\n";

static const char help_text[] =
"Record an RTP channel into an Agora-layout recording folder.\n"
"\n"
"  --channel NAME          the channel (1-64 bytes; letters, digits, space and\n"
"                          !#$%&()+-:;<=.>?@[]^_{}|~, as Agora allows)\n"
"  --listen HOST:PORT      UDP address of the channel (default 127.0.0.1:5004;\n"
"                          IPv6 as [::1]:5004); RTCP on the same port or PORT+1\n"
"  --recordFileRootDir DIR root of the recording folders (default .)\n"
"  --cfgFilePath FILE      JSON config; Recording_Dir writes into that folder\n"
"  --idle S                leave after S seconds without users (default 300, >= 3;\n"
"                          in manual mode counted from the first SIGUSR1)\n"
"  --isAudioOnly 0|1       record audio only\n"
"  --isVideoOnly 0|1       record video only\n"
"  --triggerMode 0|1       0 automatic, 1 manual (SIGUSR1 starts, SIGUSR2 stops)\n"
"  --pt PT=CODEC/RATE[/CH] map a payload type (H264, VP8, opus, PCMU, PCMA,\n"
"                          mpeg4-generic, H265); repeatable\n"
"  --enableH265Support 0|1 record H.265 senders (RFC 7798) into .mp4 files\n"
"                          (hvc1); 0 (default) refuses them, as the SDK\n"
"  --sdp FILE              read payload types from an SDP file\n"
"  --leave-timeout S       a user without packets for S seconds left (default 10)\n"
"  --umask MODE            octal umask for files and folders (default 077)\n"
"  --emit FILE|-           also write the live channel stream, agrec-stream(5),\n"
"                          to FILE or standard output (then the folder path is\n"
"                          not printed there)\n"
"  --dump FILE|-           print a channel stream's records as text, and exit\n"
"  --allow ADDR[/PREFIX]   take packets only from these sources (repeatable);\n"
"                          without it, from any source that reaches the port\n"
"  --feedback SSRC=ADDR:PORT  send the key frame requests of stream SSRC there\n"
"                          when its sender gave no other sign (repeatable)\n"
"  --audioFormat aac|opus  per-user audio files: aac (default, the SDK's) or\n"
"                          opus: an Opus sender's audio kept as it came, in\n"
"                          <UID>_<TS>.opus Ogg Opus files (no ffmpeg); other\n"
"                          codecs still .aac\n"
"  --logLevel N            1 fatal .. 6 debug (default 5)\n"
"  --lowUdpPort P          listen on port P, 1..65534 (with --highUdpPort, P+4 or\n"
"                          more)\n"
"  --uid N, --appId S      the recorder's uid and App ID (accepted; no Agora network)\n"
"\n"
"Subscribing, as the SDK 3.x (agrec-record(1), SUBSCRIBE LISTS):\n"
"  --autoSubscribe 0|1     1 (default): everyone's audio and video, the lists\n"
"                          below ignored; 0: only the listed users' audio, video\n"
"  --subscribeVideoUids U1,U2,...  the users whose video is recorded (at most 17)\n"
"  --subscribeAudioUids U1,U2,...  the users whose audio is recorded (at most 17)\n"
"\n"
"Composite recording (runs agrec-mix(1) on the channel stream; uid 0 files):\n"
"  --isMixingEnabled 0|1   composite instead of per-user files\n"
"  --mixResolution W,H,FPS,KBPS  canvas (default 360,640,15,500; W 16..7680,\n"
"                          H 16..4320, FPS 1..120, KBPS 10..100000)\n"
"  --mixedVideoAudio 0|1|2 0: mixed .aac + video .mp4; 1, 2: one A/V .mp4\n"
"  --layoutMode 0|1|2|3    floating, best-fit, vertical, active speaker (default 0)\n"
"  --maxResolutionUid UID  the large user of the vertical layout\n"
"  --layout FILE           a custom layout, agrec-layout(5)\n"
"  --speakerHold MS        active speaker: ms a new speaker must speak before\n"
"                          taking the large region (default 1000, 0..60000)\n"
"  --keepLastFrame 0|1     a user whose video stopped shows the last frame\n"
"                          instead of the background (default 0)\n"
"  --defaultVideoBg IMG    canvas background picture\n"
"  --defaultUserBg IMG     picture for users without video\n"
"  --audioProfile 0|1|2    mono, mono high quality, stereo (values > 2: 2)\n"
"\n"
"Watermarks of the composite, passed on to agrec-mix (agrec-mix(1), Watermarks;\n"
"checked at the start as agrec-mix checks them):\n"
"  --watermarkText TEXT    a text watermark (UTF-8; a newline breaks a line)\n"
"  --watermarkTextRect X,Y,W,H  its box in canvas pixels (default 0,0,0,0: to\n"
"                          the canvas edges)\n"
"  --watermarkImage IMG    an image watermark (PNG or JPEG, alpha kept)\n"
"  --watermarkImageRect X,Y,W,H  its place and size (W, H 0: the image's)\n"
"  --watermarkTimestamp 0|1  a running wall-clock time watermark\n"
"  --watermarkTimestampRect X,Y,W,H  its box\n"
"  --watermarkTimeFormat FMT  strftime(3) format, %L milliseconds\n"
"                          (default %Y-%m-%d %H:%M:%S.%L)\n"
"  --watermarkLocalTime 0|1  local time instead of UTC\n"
"  --watermarkFont FILE    text and time font (default DejaVu Sans)\n"
"  --watermarkFontSize PX  text and time size, 4..512 (default 24)\n"
"  --watermarkColor #RRGGBB  text and time colour (default #ffffff)\n"
"  --watermarkAlpha A      opacity of these watermarks, 0..1 (default 1)\n"
"\n"
"Raw data (agora-format.md 4.7; files in the recording folder):\n"
"  --getAudioFrame N       0 .aac files; 1 <UID>.aac ADTS; 2 <UID>.pcm 48 kHz\n"
"                          s16le; 3 mixed PCM 0.pcm (through agrec-mix)\n"
"  --getVideoFrame N       0 .mp4/.webm files; 1 <UID>.h264 Annex-B; 2 <UID>.yuv\n"
"                          I420; 3 JPEGs <UID>_<YYYYMMDDHHMMSS>.jpg; 4 JPEGs\n"
"                          <UID>_<TS>.jpg; 5 JPEGs and the video files\n"
"                          (3-5 through agrec-capture(1))\n"
"  --captureInterval S     seconds between JPEGs (default 5, 1..3600)\n"
"  --rawFifo 0|1           raw files are named pipes for a live reader\n"
"\n"
"WebRTC publishers (WHIP, RFC 9725) and SRTP:\n"
"  --whip [ADDR:]PORT      WHIP endpoint (HTTP) at http://ADDR:PORT/whip/CHANNEL;\n"
"                          ADDR defaults to --listen's; media on --listen's port\n"
"  --channelKey KEY        the bearer token WHIP publishers must give\n"
"  --publicAddress ADDR    also offer this address (NAT 1:1) as a candidate\n"
"                          (repeatable, at most 4)\n"
"  --maxBitrate KBPS       the most a publisher may send, told by REMB and b=AS\n"
"                          (default 2500, 30..100000)\n"
"  --maxPublishers N       WHIP publishers at once (default 17, 1..1000)\n"
"  --dtlsCert FILE         PEM certificate and key for DTLS (default: an ECDSA\n"
"                          P-256 one made at start)\n"
"  --decryptionMode SUITE  SRTP on the plain-RTP port: AES_CM_128_HMAC_SHA1_80,\n"
"                          AES_CM_128_HMAC_SHA1_32 or AEAD_AES_128_GCM\n"
"  --secret KEY            its master key and salt, base64 (a=crypto inline:)\n"
"\n"
"  --audioIndicationInterval MS\n"
"                          volume indication: every MS ms (0 off, the default;\n"
"                          10..60000, 200 or more recommended) each user's audio\n"
"                          level and the active speaker, into speakers.jsonl and\n"
"                          the channel stream\n"
"  --channelProfile, --appliteDir, --streamType, --proxyServer\n"
"                          accepted and ignored (no meaning without Agora's network)\n"
"  -h, --help              this help;  -V, --version  the version\n"
"\n"
"Signals: SIGINT/SIGTERM stop cleanly; SIGUSR1/SIGUSR2 start/stop in manual mode.\n"
"Exit status: 0 success, 1 failure, 64 usage, 65 bad config or a user's video\n"
"packets gave no video, 69 ffmpeg missing, 74 I/O error.  See agrec-record(1).\n";

enum {
	O_APPID = 256, O_UID, O_CHANNEL, O_CHANNELKEY, O_CHANNELPROFILE, O_APPLITEDIR,
	O_AUDIOONLY, O_VIDEOONLY, O_MIXING, O_MIXRES, O_MIXEDVA, O_DECRYPT, O_SECRET,
	O_IDLE, O_ROOT, O_LOWPORT, O_HIGHPORT, O_GETAUDIO, O_GETVIDEO, O_CAPTURE,
	O_CFG, O_STREAMTYPE, O_TRIGGER, O_PROXY, O_AUDIOPROFILE, O_INDICATION,
	O_VIDEOBG, O_USERBG, O_LOGLEVEL, O_LAYOUT, O_MAXRESUID,
	O_RAWFIFO, O_MIXLAYOUT, O_LISTEN, O_PT, O_SDP, O_UMASK, O_LEAVE, O_EMIT, O_DUMP, O_ALLOW,
	O_FEEDBACK, O_WHIP, O_PUBLIC, O_MAXBITRATE, O_MAXPUB, O_DTLSCERT, O_AUDIOFORMAT,
	O_SUB, O_SUB_VIDEO, O_SUB_AUDIO,	/* FE_LONGOPTS_SUB(O_SUB) */
	O_KEEPLAST, O_SPKHOLD, O_H265,
	O_WM, O_WM_LAST = O_WM + FE_WM_NOPTS - 1,	/* FE_LONGOPTS_WM(O_WM) */
};

const struct fe_prog rc_prog = { "agrec-record", usage_text, help_text };

/* Remember an option for agrec-mix (composite mode); the strings are
 * argv's, which live as long as the program. */
static void
mix_arg(struct rc_opts *o, const char *name, const char *value)
{
	int i;

	for (i = 0; i + 1 < o->nmix_args; i += 2)
		if (strcmp(o->mix_args[i], name) == 0) {
			o->mix_args[i + 1] = (char *)value;	/* the last one wins */
			return;
		}
	if (o->nmix_args + 2 > RC_MAX_MIX_ARGS) {
		/* a new option outgrew RC_MAX_MIX_ARGS: never run agrec-mix without it */
		ag_msg("internal error: more than %d options for agrec-mix (%s dropped)",
		    RC_MAX_MIX_ARGS / 2, name);
		exit(AG_EX_FAIL);
	}
	o->mix_args[o->nmix_args++] = (char *)name;
	o->mix_args[o->nmix_args++] = (char *)value;
}

/* The same for a file agrec-mix will read: exits (usage) if it cannot be read. */
static void
mix_file_arg(struct rc_opts *o, const char *name, const char *path)
{
	if (access(path, R_OK) != 0)
		fe_usage_exit("%s: cannot read '%s': %s", name, path, strerror(errno));
	mix_arg(o, name, path);
}

/* The lines of an SDP file the recorder uses (rc_sdp_line). */
static void
sdp_read(const char *path, struct rc_opts *o)
{
	FILE *f = fopen(path, "re");
	char line[1024];
	struct rc_sdp_state st = { 0 };

	if (f == NULL)
		fe_usage_exit("--sdp: %s: %s", path, strerror(errno));
	while (fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (rc_sdp_line(line, &st, o) > 0)
			ag_msg("--sdp: %s: ignoring '%s'", path, line);
	}
	fclose(f);
}

static void
cfg_read(const char *path, struct rc_opts *o)
{
	struct ag_error err = { 0 }, warn = { 0 };
	char *text;
	size_t len;

	if (ag_read_file(path, 1u << 20, &text, &len, &err) < 0 ||
	    rc_cfg_parse(text, len, path, o->recording_dir, sizeof o->recording_dir, &warn, &err) < 0) {
		ag_msg("--cfgFilePath: %s", err.msg);
		exit(AG_EX_DATAERR);
	}
	if (warn.msg[0])
		ag_msg("--cfgFilePath: %s", warn.msg);
	free(text);
}

/* The ports of --lowUdpPort and --highUdpPort, --secret, the canvas and
 * the watermarks: checked at the end. */
struct ports {
	long low, high;
	char secret[128];
	bool suite_set;
	struct ag_mixres canvas;    /* --mixResolution, or agrec-mix's default */
	struct ag_wm_opts wm;       /* --watermark*, checked as agrec-mix will */
};

/*
 * A --watermark* option (FE_LONGOPTS_WM), parsed as agrec-mix parses it
 * and passed on; a font or an image must be readable now.  Returns false
 * if ch is none of them; exits on a usage error.
 */
static bool
wm_opt(int ch, struct rc_opts *o, struct ports *p)
{
	int st = fe_wm_opt(ch, O_WM, optarg, &p->wm);
	const char *name = fe_wm_opt_name(ch, O_WM);

	if (st == 1)
		return false;
	if (st != 0)
		exit(st);
	if ((ch == O_WM + FE_WM_FONT || ch == O_WM + FE_WM_IMAGE) && *optarg != '\0')
		mix_file_arg(o, name, optarg);
	else
		mix_arg(o, name, optarg);
	return true;
}

/*
 * A secret (--channelKey, --secret): copied, then wiped from argv so
 * that ps(1) and /proc/PID/cmdline do not show it; never printed.
 */
static void
secret_opt(const char *name, char *buf, size_t size)
{
	size_t n = strlen(optarg);

	if (n == 0 || n >= size)
		fe_usage_exit("%s: the value must be 1 to %zu bytes", name, size - 1);
	memcpy(buf, optarg, n + 1);
	memset(optarg, 'x', n);
}

/* --decryptionMode: an SDES suite; Agora's own ciphers are refused. */
static void
decrypt_opt(struct rc_opts *o)
{
	enum ag_srtp_suite suite;

	if (strcmp(optarg, "aes-128-xts") == 0 || strcmp(optarg, "aes-128-ecb") == 0 ||
	    strcmp(optarg, "aes-256-xts") == 0)
		fe_usage_exit("--decryptionMode: '%s' is a cipher of Agora's own network, which "
		    "agrec does not speak; on RTP agrec decrypts SRTP: AES_CM_128_HMAC_SHA1_80, "
		    "AES_CM_128_HMAC_SHA1_32 or AEAD_AES_128_GCM", optarg);
	if (ag_srtp_suite_parse(optarg, &suite) < 0)
		fe_usage_exit("--decryptionMode: '%s' is not AES_CM_128_HMAC_SHA1_80, "
		    "AES_CM_128_HMAC_SHA1_32 or AEAD_AES_128_GCM", optarg);
	o->sdes = true;
	o->sdes_suite = (int)suite;
}

/* --audioIndicationInterval MS: 0 off, 10..60000; the SDK refuses
 * under 10 and recommends 200 or more. */
static void
indication_opt(struct rc_opts *o)
{
	long v = fe_num_exit("--audioIndicationInterval", optarg, AG_CLI_INDICATION);

	if (v > 0 && v < 10)
		fe_usage_exit("--audioIndicationInterval: '%s': under 10 ms; 0 turns volume "
		    "indication off, 10 to 60000 ms turn it on (200 or more recommended)", optarg);
	if (v > 0 && v < 200)
		ag_msg("warning: --audioIndicationInterval %ld: under 200 ms costs more and "
		    "changes faster than a listener can follow; 200 or more is recommended", v);
	o->indication_ms = (int)v;
}

/* The Agora recorder's own options (and --layout).  Returns false if ch
 * is none of them; exits on a usage error. */
static bool
agora_opt(int ch, struct rc_opts *o, struct ports *p)
{
	long v;

	switch (ch) {
	case O_APPID: case O_CHANNELPROFILE: case O_APPLITEDIR:
	case O_STREAMTYPE: case O_PROXY:
		break;	/* no meaning without Agora's network: accepted, ignored */
	case O_INDICATION: indication_opt(o); break;
	case O_CHANNELKEY: secret_opt("--channelKey", o->channel_key, sizeof o->channel_key); break;
	case O_DECRYPT: decrypt_opt(o); break;
	case O_SECRET: secret_opt("--secret", p->secret, sizeof p->secret); break;
	case O_UID: o->uid = (uint32_t)fe_num_exit("--uid", optarg, AG_CLI_UID); break;
	case O_CHANNEL:
		if (!rc_channel_ok(optarg))
			fe_usage_exit("--channel: '%s' is not a channel name (1 to 64 bytes: letters, "
			    "digits, space and !#$%%&()+-:;<=.>?@[]^_{}|~,)", optarg);
		snprintf(o->channel, sizeof o->channel, "%s", optarg);
		break;
	case O_AUDIOONLY: o->audio_only = fe_num_exit("--isAudioOnly", optarg, AG_CLI_BOOL); break;
	case O_H265: o->h265 = fe_num_exit("--enableH265Support", optarg, AG_CLI_BOOL); break;
	case O_VIDEOONLY: o->video_only = fe_num_exit("--isVideoOnly", optarg, AG_CLI_BOOL); break;
	case O_MIXING: o->mixing = fe_num_exit("--isMixingEnabled", optarg, AG_CLI_BOOL); break;
	case O_GETAUDIO:
		o->get_audio = (int)fe_num_exit("--getAudioFrame", optarg, AG_CLI_AUDIO_FRAME);
		break;
	case O_GETVIDEO:
		o->get_video = (int)fe_num_exit("--getVideoFrame", optarg, AG_CLI_VIDEO_FRAME);
		break;
	case O_RAWFIFO: o->raw_fifo = fe_num_exit("--rawFifo", optarg, AG_CLI_BOOL); break;
	case O_MIXRES: {
		/* agrec-mix parses it again, with the same function */
		struct ag_mixres mr;
		struct ag_error err = { 0 };
		if (ag_cli_mixres("--mixResolution", optarg, &mr, &err) < 0)
			fe_usage_exit("%s (Illegal resolution)", err.msg);
		p->canvas = mr;
		mix_arg(o, "--mixResolution", optarg);
		break;
	}
	case O_MIXEDVA:
		fe_num_exit("--mixedVideoAudio", optarg, AG_CLI_MIXED_VA);
		mix_arg(o, "--mixedVideoAudio", optarg);
		break;
	case O_MIXLAYOUT: mix_file_arg(o, "--layout", optarg); break;
	case O_IDLE: o->idle_s = (int)fe_num_exit("--idle", optarg, AG_CLI_IDLE); break;
	case O_ROOT:
		if (*optarg == '\0' || strlen(optarg) >= sizeof o->root - 128)
			fe_usage_exit("--recordFileRootDir: bad directory '%s'", optarg);
		snprintf(o->root, sizeof o->root, "%s", optarg);
		break;
	case O_LOWPORT: p->low = fe_num_exit("--lowUdpPort", optarg, AG_CLI_PORT_LOW); break;
	case O_HIGHPORT: p->high = fe_num_exit("--highUdpPort", optarg, AG_CLI_PORT_HIGH); break;
	case O_CAPTURE:
		o->capture_interval = (int)fe_num_exit("--captureInterval", optarg,
		    AG_CLI_REC_CAPTURE);
		break;
	case O_CFG: cfg_read(optarg, o); break;
	case O_TRIGGER: o->trigger_mode = (int)fe_num_exit("--triggerMode", optarg, AG_CLI_BOOL); break;
	case O_AUDIOPROFILE:
		v = fe_num_exit("--audioProfile", optarg, AG_CLI_AUDIO_PROFILE);
		mix_arg(o, "--audioProfile", v > 2 ? "2" : optarg);	/* clamped, 4.1 */
		break;
	case O_VIDEOBG: mix_file_arg(o, "--defaultVideoBg", optarg); break;
	case O_USERBG: mix_file_arg(o, "--defaultUserBg", optarg); break;
	case O_LOGLEVEL:
		v = fe_num_exit("--logLevel", optarg, AG_CLI_LOG_LEVEL);
		o->log_level = v < 1 ? 1 : v > 6 ? 6 : (int)v;
		break;
	case O_LAYOUT:
		fe_num_exit("--layoutMode", optarg, AG_CLI_LAYOUT_MODE);
		mix_arg(o, "--layoutMode", optarg);
		break;
	case O_MAXRESUID:
		if (fe_num_exit("--maxResolutionUid", optarg, AG_CLI_UID_OR_UNSET) >= 0)
			mix_arg(o, "--maxResolutionUid", optarg);
		break;
	case O_KEEPLAST:
		fe_num_exit("--keepLastFrame", optarg, AG_CLI_BOOL);
		mix_arg(o, "--keepLastFrame", optarg);
		break;
	case O_SPKHOLD:
		fe_num_exit("--speakerHold", optarg, AG_CLI_SPEAKER_HOLD);
		mix_arg(o, "--speakerHold", optarg);
		break;
	default:
		return false;
	}
	return true;
}

/* A file name option (--emit, --dump) into buf. */
static void
file_opt(const char *name, const char *s, char *buf, size_t size)
{
	if (*s == '\0' || strlen(s) >= size)
		fe_usage_exit("%s: bad file name", name);
	snprintf(buf, size, "%s", s);
}

/* Is s a numeric IPv4 or IPv6 address? */
static bool
numeric_addr(const char *s)
{
	struct in6_addr a;

	return inet_pton(AF_INET, s, &a) == 1 || inet_pton(AF_INET6, s, &a) == 1;
}

/* --whip [ADDR:]PORT (IPv6 as [ADDR]:PORT). */
static void
whip_opt(struct rc_opts *o)
{
	char host[256];
	int port;

	if (strchr(optarg, ':') == NULL) {
		long v;
		struct ag_error err = { 0 };
		if (ag_cli_num("--whip", optarg, AG_CLI_PORT, &v, &err) < 0)
			fe_usage_exit("%s", err.msg);
		o->whip_port = (int)v;
		o->whip_host[0] = '\0';
		return;
	}
	if (rc_parse_listen(optarg, host, sizeof host, &port) < 0)
		fe_usage_exit("--whip: '%s' is not [ADDR:]PORT ([IPV6]:PORT) with a PORT from 1 to "
		    "65534", optarg);
	snprintf(o->whip_host, sizeof o->whip_host, "%s", host);
	o->whip_port = port;
}

/* agrec's own options, -h and -V, and getopt's errors (name: the
 * argument as given).  Exits on a usage error, -h and -V. */
static void
own_opt(int ch, const char *name, struct rc_opts *o)
{
	int st;

	switch (ch) {
	case O_LISTEN:
		if (rc_parse_listen(optarg, o->listen_host, sizeof o->listen_host,
		    &o->listen_port) < 0)
			fe_usage_exit("--listen: '%s' is not HOST:PORT or [IPV6]:PORT with a PORT "
			    "from 1 to 65534", optarg);
		break;
	case O_PT:
		if (rc_parse_pt(optarg, o->pt) < 0)
			fe_usage_exit("--pt: '%s' is not PT=CODEC/RATE[/CH] (codecs: H264, VP8, opus, "
			    "PCMU, PCMA, mpeg4-generic, H265)", optarg);
		break;
	case O_SDP: sdp_read(optarg, o); break;
	case O_UMASK:
		if (fe_umask(optarg, &o->umask) != 0)
			exit(AG_EX_USAGE);
		break;
	case O_EMIT: file_opt("--emit", optarg, o->emit, sizeof o->emit); break;
	case O_DUMP: file_opt("--dump", optarg, o->dump, sizeof o->dump); break;
	case O_ALLOW:
		if (o->nallow == RC_MAX_ALLOW || rc_parse_allow(optarg, &o->allow[o->nallow]) < 0)
			fe_usage_exit("--allow: '%s' is not an address or ADDRESS/PREFIX (at most %d)",
			    optarg, RC_MAX_ALLOW);
		o->nallow++;
		break;
	case O_FEEDBACK:
		if (o->nfeedback == RC_MAX_FEEDBACK ||
		    rc_parse_feedback(optarg, &o->feedback[o->nfeedback]) < 0)
			fe_usage_exit("--feedback: '%s' is not SSRC=ADDR:PORT (decimal SSRC; IPv6 as "
			    "[ADDR]:PORT; at most %d)", optarg, RC_MAX_FEEDBACK);
		o->nfeedback++;
		break;
	case O_LEAVE: {
		struct ag_error err = { 0 };
		long ms;
		if (ag_cli_interval_ms("--leave-timeout", optarg, AG_CLI_LEAVE, &ms, &err) < 0)
			fe_usage_exit("%s", err.msg);
		o->leave_ms = (int)ms;
		break;
	}
	case O_WHIP: whip_opt(o); break;
	case O_PUBLIC:
		if (o->npublic == RC_MAX_PUBLIC || !numeric_addr(optarg))
			fe_usage_exit("--publicAddress: '%s' is not a numeric IPv4 or IPv6 address "
			    "(at most %d)", optarg, RC_MAX_PUBLIC);
		snprintf(o->public_addr[o->npublic++], sizeof o->public_addr[0], "%s", optarg);
		break;
	case O_MAXBITRATE:
		o->max_kbps = (int)fe_num_exit("--maxBitrate", optarg, AG_CLI_MAX_BITRATE);
		break;
	case O_MAXPUB:
		o->max_publishers = (int)fe_num_exit("--maxPublishers", optarg, AG_CLI_MAX_PUBLISHERS);
		break;
	case O_DTLSCERT: file_opt("--dtlsCert", optarg, o->dtls_cert, sizeof o->dtls_cert); break;
	case O_AUDIOFORMAT:
		if (rc_parse_audio_format(optarg, &o->audio_format) < 0)
			fe_usage_exit("--audioFormat: '%s' is not aac or opus", optarg);
		break;
	default:
		if ((st = fe_sub_opt(ch, O_SUB, optarg, &o->sub)) == 0)
			break;
		exit(st == 1 ? fe_common_opt(ch, name) : st);
	}
}

/* The defaults, before the options. */
static void
defaults(struct rc_opts *o)
{
	memset(o, 0, sizeof *o);
	o->idle_s = 300;
	strcpy(o->root, ".");
	strcpy(o->listen_host, "127.0.0.1");
	o->listen_port = 5004;
	o->log_level = 5;
	o->umask = AG_UMASK_DEFAULT;
	o->leave_ms = 10000;
	o->cname_wait_ms = 5000;
	o->jitter_ms = 80;
	o->max_users = 4096;
	o->max_kbps = 2500;
	o->max_publishers = 17;
	ag_sub_init(&o->sub);
	/* The default payload types (rtp-recipes.md); --sdp and --pt override. */
	rc_parse_pt("0=PCMU/8000/1", o->pt);
	rc_parse_pt("8=PCMA/8000/1", o->pt);
	rc_parse_pt("96=H264/90000", o->pt);
	rc_parse_pt("97=VP8/90000", o->pt);
	rc_parse_pt("111=opus/48000/2", o->pt);
	rc_parse_pt("101=mpeg4-generic/48000/2", o->pt);
}

/* The options together, once all are read. */
static void
check_all(struct rc_opts *o, struct ports *p)
{
	struct ag_error err = { 0 };

	if (o->channel[0] == '\0')
		fe_usage_exit("--channel is required");
	if (o->audio_only && o->video_only)
		fe_usage_exit("--isAudioOnly and --isVideoOnly cannot both be 1");
	/* agora-format.md 4.7: raw modes 1-4 do not combine with mixing,
	 * except the mixed PCM (--getAudioFrame 3). */
	if (o->mixing && (o->get_audio == 1 || o->get_audio == 2))
		fe_usage_exit("--getAudioFrame %d cannot be combined with --isMixingEnabled 1 (only 3, "
		    "the mixed PCM, can)", o->get_audio);
	if (o->mixing && o->get_video >= 1 && o->get_video <= 4)
		fe_usage_exit("--getVideoFrame %d cannot be combined with --isMixingEnabled 1",
		    o->get_video);
	if (o->mixing && o->audio_only)
		mix_arg(o, "--isAudioOnly", "1");
	if (o->sdes != (p->secret[0] != '\0'))
		fe_usage_exit(o->sdes ? "--decryptionMode needs --secret (the base64 master key and salt)"
		    : "--secret needs --decryptionMode (the SRTP suite)");
	if (o->sdes) {
		if (ag_srtp_key_parse(p->secret, (enum ag_srtp_suite)o->sdes_suite, o->sdes_key,
		    &err) < 0)
			fe_usage_exit("--secret: %s", err.msg);
		memset(p->secret, 0, sizeof p->secret);
	}
	if (o->whip_port > 0 && o->whip_host[0] == '\0')
		snprintf(o->whip_host, sizeof o->whip_host, "%s", o->listen_host);
	if (o->channel_key[0] && o->whip_port == 0)
		ag_msg("note: --channelKey guards the WHIP endpoint, and there is none (--whip)");
	if (o->capture_interval == 0)
		o->capture_interval = 5;
	fe_sub_check(&o->sub);
	/* agrec-mix's checks before it draws, on its canvas (even sizes) */
	if (ag_wm_opts_check(&p->wm, p->canvas.width & ~1, p->canvas.height & ~1, &err) < 0)
		fe_usage_exit("%s", err.msg);
	if (p->low > 0) {
		if (p->high > 0 && p->high - p->low < 4)
			fe_usage_exit("--highUdpPort must be at least --lowUdpPort + 4");
		if (p->high > 0 && p->high - p->low < 6)
			ag_msg("note: the 3.x SDK wants a port range of 6 or more");
		o->listen_port = (int)p->low;
	}
}

int
rc_opts_parse(int argc, char **argv, struct rc_opts *o)
{
	static const struct option lo[] = {
		{ "appId", required_argument, NULL, O_APPID },
		{ "uid", required_argument, NULL, O_UID },
		{ "channel", required_argument, NULL, O_CHANNEL },
		{ "channelKey", required_argument, NULL, O_CHANNELKEY },
		{ "channelProfile", required_argument, NULL, O_CHANNELPROFILE },
		{ "appliteDir", required_argument, NULL, O_APPLITEDIR },
		{ "isAudioOnly", required_argument, NULL, O_AUDIOONLY },
		{ "enableH265Support", required_argument, NULL, O_H265 },
		{ "isVideoOnly", required_argument, NULL, O_VIDEOONLY },
		{ "isMixingEnabled", required_argument, NULL, O_MIXING },
		{ "mixResolution", required_argument, NULL, O_MIXRES },
		{ "mixedVideoAudio", required_argument, NULL, O_MIXEDVA },
		{ "decryptionMode", required_argument, NULL, O_DECRYPT },
		{ "secret", required_argument, NULL, O_SECRET },
		{ "idle", required_argument, NULL, O_IDLE },
		{ "recordFileRootDir", required_argument, NULL, O_ROOT },
		{ "lowUdpPort", required_argument, NULL, O_LOWPORT },
		{ "highUdpPort", required_argument, NULL, O_HIGHPORT },
		{ "getAudioFrame", required_argument, NULL, O_GETAUDIO },
		{ "getVideoFrame", required_argument, NULL, O_GETVIDEO },
		{ "captureInterval", required_argument, NULL, O_CAPTURE },
		{ "cfgFilePath", required_argument, NULL, O_CFG },
		{ "streamType", required_argument, NULL, O_STREAMTYPE },
		{ "triggerMode", required_argument, NULL, O_TRIGGER },
		{ "proxyServer", required_argument, NULL, O_PROXY },
		{ "audioProfile", required_argument, NULL, O_AUDIOPROFILE },
		{ "audioIndicationInterval", required_argument, NULL, O_INDICATION },
		{ "defaultVideoBg", required_argument, NULL, O_VIDEOBG },
		{ "defaultUserBg", required_argument, NULL, O_USERBG },
		{ "logLevel", required_argument, NULL, O_LOGLEVEL },
		{ "layoutMode", required_argument, NULL, O_LAYOUT },
		{ "maxResolutionUid", required_argument, NULL, O_MAXRESUID },
		{ "keepLastFrame", required_argument, NULL, O_KEEPLAST },
		{ "speakerHold", required_argument, NULL, O_SPKHOLD },
		{ "rawFifo", required_argument, NULL, O_RAWFIFO },
		{ "layout", required_argument, NULL, O_MIXLAYOUT },
		{ "listen", required_argument, NULL, O_LISTEN },
		{ "pt", required_argument, NULL, O_PT },
		{ "sdp", required_argument, NULL, O_SDP },
		{ "umask", required_argument, NULL, O_UMASK },
		{ "leave-timeout", required_argument, NULL, O_LEAVE },
		{ "emit", required_argument, NULL, O_EMIT },
		{ "dump", required_argument, NULL, O_DUMP },
		{ "allow", required_argument, NULL, O_ALLOW },
		{ "feedback", required_argument, NULL, O_FEEDBACK },
		{ "whip", required_argument, NULL, O_WHIP },
		{ "publicAddress", required_argument, NULL, O_PUBLIC },
		{ "maxBitrate", required_argument, NULL, O_MAXBITRATE },
		{ "maxPublishers", required_argument, NULL, O_MAXPUB },
		{ "dtlsCert", required_argument, NULL, O_DTLSCERT },
		{ "audioFormat", required_argument, NULL, O_AUDIOFORMAT },
		FE_LONGOPTS_SUB(O_SUB),
		FE_LONGOPTS_WM(O_WM),
		FE_LONGOPTS_HV,
		{ NULL, 0, NULL, 0 },
	};
	struct ports p = { 0 };
	int ch;

	defaults(o);
	p.canvas.width = AG_MIXRES_DEFAULT_W;
	p.canvas.height = AG_MIXRES_DEFAULT_H;
	ag_wm_opts_init(&p.wm);
	opterr = 0;
	while ((ch = getopt_long_only(argc, argv, ":hV", lo, NULL)) != -1) {
		if (!agora_opt(ch, o, &p) && !wm_opt(ch, o, &p))
			own_opt(ch, fe_optname(argc, argv), o);
	}
	if (optind < argc)
		fe_usage_exit("unexpected argument '%s'", argv[optind]);
	if (o->dump[0])
		return 0;	/* --dump reads a stream and needs nothing else */
	check_all(o, &p);
	return 0;
}
