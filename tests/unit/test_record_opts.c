/*
 * test_record_opts.c - agrec-record's --listen and --allow values
 * (cmd/record/optval.c): the bracketed IPv6 form of --listen, and the
 * source check of --allow on a dual-stack socket, where IPv4 senders
 * arrive as v4-mapped IPv6 addresses; the subscribe options as
 * rc_opts_parse reads them (fe_sub_opt); the active-speaker and
 * watermark options passed on to agrec-mix, and bad watermark values
 * refused at the start.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fe/fe.h"
#include "record/record.h"

static void
listen_ok(const char *s, const char *host, int port)
{
	char h[256];
	int p = 0;

	cr_assert_eq(rc_parse_listen(s, h, sizeof h, &p), 0, "'%s' should parse", s);
	cr_assert_str_eq(h, host, "'%s'", s);
	cr_assert_eq(p, port, "'%s': port %d", s, p);
}

static void
listen_bad(const char *s)
{
	char h[256];
	int p = 0;

	cr_assert_eq(rc_parse_listen(s, h, sizeof h, &p), -1, "'%s' should be refused", s);
}

Test(listen, forms)
{
	listen_ok("127.0.0.1:5004", "127.0.0.1", 5004);
	listen_ok("0.0.0.0:1", "0.0.0.0", 1);
	listen_ok("localhost:65534", "localhost", 65534);
	listen_ok(":::5004", "::", 5004);
	listen_ok("::1:5004", "::1", 5004);
	listen_ok("[::1]:5004", "::1", 5004);
	listen_ok("[::]:5004", "::", 5004);
	listen_ok("[fe80::1%lo]:6000", "fe80::1%lo", 6000);
}

Test(listen, refused)
{
	listen_bad("5004");
	listen_bad(":5004");
	listen_bad("127.0.0.1:");
	listen_bad("127.0.0.1:0");
	listen_bad("127.0.0.1:65535");	/* RTCP would need 65536 */
	listen_bad("127.0.0.1:5004x");
	listen_bad("[::1]");
	listen_bad("[::1]5004");
	listen_bad("[::1]:");
	listen_bad("[]:5004");
	listen_bad("[::1:5004");
	listen_bad("[::1]:5004:1");
}

Test(listen, host_too_long)
{
	char h[8];
	int p;

	cr_assert_eq(rc_parse_listen("1234567:5004", h, sizeof h, &p), 0);
	cr_assert_eq(rc_parse_listen("12345678:5004", h, sizeof h, &p), -1);
	cr_assert_eq(rc_parse_listen("[12345678]:5004", h, sizeof h, &p), -1);
}

static struct rc_opts opts;

static void
allow(const char *net)
{
	cr_assert_eq(rc_parse_allow(net, &opts.allow[opts.nallow]), 0, "%s", net);
	opts.nallow++;
}

static struct sockaddr_storage
src(const char *addr)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof ss);
	if (strchr(addr, ':') != NULL) {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
		a6->sin6_family = AF_INET6;
		cr_assert_eq(inet_pton(AF_INET6, addr, &a6->sin6_addr), 1, "%s", addr);
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
		a4->sin_family = AF_INET;
		cr_assert_eq(inet_pton(AF_INET, addr, &a4->sin_addr), 1, "%s", addr);
	}
	return ss;
}

static bool
from(const char *addr)
{
	struct sockaddr_storage ss = src(addr);

	return rc_allowed(&opts, &ss);
}

Test(allow, none_means_any)
{
	memset(&opts, 0, sizeof opts);
	cr_assert(from("192.0.2.1"));
	cr_assert(from("2001:db8::1"));
}

Test(allow, ipv4_networks)
{
	memset(&opts, 0, sizeof opts);
	allow("127.0.0.1");
	allow("10.1.0.0/17");
	cr_assert(from("127.0.0.1"));
	cr_assert_not(from("127.0.0.2"));
	cr_assert(from("10.1.127.255"));
	cr_assert_not(from("10.1.128.0"));
	cr_assert_not(from("::1"));
}

/* Issue 11 item 3: on a :: listener, 127.0.0.1 arrives as ::ffff:127.0.0.1. */
Test(allow, v4_mapped_source_matches_ipv4_networks)
{
	memset(&opts, 0, sizeof opts);
	allow("127.0.0.1");
	allow("10.1.0.0/17");
	cr_assert(from("::ffff:127.0.0.1"));
	cr_assert(from("::ffff:10.1.2.3"));
	cr_assert_not(from("::ffff:127.0.0.2"));
	cr_assert_not(from("::ffff:10.1.128.0"));
	/* not v4-mapped: the IPv4-compatible form and a look-alike */
	cr_assert_not(from("::127.0.0.1"));
	cr_assert_not(from("64:ff9b::127.0.0.1"));
}

Test(allow, ipv6_networks)
{
	memset(&opts, 0, sizeof opts);
	allow("::1");
	allow("2001:db8::/33");
	allow("::ffff:192.0.2.0/120");
	cr_assert(from("::1"));
	cr_assert(from("2001:db8:7fff::5"));
	cr_assert_not(from("2001:db8:8000::5"));
	cr_assert_not(from("127.0.0.1"));
	cr_assert_not(from("::ffff:127.0.0.1"));
	/* a v4-mapped network written as IPv6 still matches the mapped form */
	cr_assert(from("::ffff:192.0.2.9"));
}

Test(record_opts, audio_format)
{
	enum rc_audio_format f = RC_AUDIO_AAC;

	cr_assert_eq(rc_parse_audio_format("opus", &f), 0);
	cr_assert_eq(f, RC_AUDIO_OPUS);
	cr_assert_eq(rc_parse_audio_format("aac", &f), 0);
	cr_assert_eq(f, RC_AUDIO_AAC);
	cr_assert_eq(rc_parse_audio_format("OPUS", &f), -1);
	cr_assert_eq(rc_parse_audio_format("", &f), -1);
	cr_assert_eq(rc_parse_audio_format("ogg", &f), -1);
}

/* rc_opts_parse on a command line (a process of its own per test). */
static struct rc_opts *
parse(int argc, char **argv)
{
	struct rc_opts *o = calloc(1, sizeof *o);

	cr_assert_not_null(o);
	fe_init(&rc_prog, "agrec-record");
	optind = 0;
	rc_opts_parse(argc, argv, o);
	return o;
}

Test(record_opts, subscribe_lists)
{
	char *argv[] = { "agrec-record", "--channel", "c", "--autoSubscribe", "0",
		"--subscribeVideoUids", "1,2", "-subscribeAudioUids=3", NULL };
	struct rc_opts *o = parse(8, argv);

	cr_expect_not(o->sub.auto_sub);
	cr_expect(ag_sub_wants(&o->sub, 2, AG_SUB_VIDEO));
	cr_expect_not(ag_sub_wants(&o->sub, 3, AG_SUB_VIDEO));
	cr_expect(ag_sub_wants(&o->sub, 3, AG_SUB_AUDIO));
	cr_expect_not(ag_sub_wants(&o->sub, 1, AG_SUB_AUDIO));
	free(o);
}

Test(record_opts, subscribe_default_is_everyone)
{
	char *argv[] = { "agrec-record", "--channel", "c", NULL };
	struct rc_opts *o = parse(3, argv);

	cr_expect(o->sub.auto_sub);
	cr_expect(ag_sub_wants(&o->sub, 77, AG_SUB_AUDIO));
	cr_expect(ag_sub_wants(&o->sub, 77, AG_SUB_VIDEO));
	free(o);
}

Test(record_opts, subscribe_bad_list_exits_64, .exit_code = 64, .init = cr_redirect_stderr)
{
	char *argv[] = { "agrec-record", "--channel", "c", "--subscribeVideoUids", "1,,2", NULL };

	free(parse(5, argv));
}

/* The mix_args value of name, or NULL. */
static const char *
mix_arg_of(const struct rc_opts *o, const char *name)
{
	for (int i = 0; i + 1 < o->nmix_args; i += 2)
		if (strcmp(o->mix_args[i], name) == 0)
			return o->mix_args[i + 1];
	return NULL;
}

Test(record_opts, speaker_options_reach_agrec_mix)
{
	char *argv[] = { "agrec-record", "--channel", "c", "--isMixingEnabled", "1",
	    "--layoutMode", "3", "--speakerHold", "500", "--keepLastFrame", "1", NULL };
	struct rc_opts o;
	const char *v;

	optind = 0;
	cr_assert_eq(rc_opts_parse(11, argv, &o), 0);
	v = mix_arg_of(&o, "--layoutMode");
	cr_assert(v != NULL && strcmp(v, "3") == 0, "--layoutMode: %s", v ? v : "(none)");
	v = mix_arg_of(&o, "--speakerHold");
	cr_assert(v != NULL && strcmp(v, "500") == 0, "--speakerHold: %s", v ? v : "(none)");
	v = mix_arg_of(&o, "--keepLastFrame");
	cr_assert(v != NULL && strcmp(v, "1") == 0, "--keepLastFrame: %s", v ? v : "(none)");
}

/* A readable file for --watermarkFont and --watermarkImage (agrec-record
 * only checks that it can be read; agrec-mix decodes it). */
static char wm_file[] = "/tmp/agrec-wm-XXXXXX";

static void
wm_file_make(void)
{
	int fd = mkstemp(wm_file);

	cr_assert(fd >= 0);
	close(fd);
}

static void
wm_file_drop(void)
{
	unlink(wm_file);
}

/* Every --watermark* option reaches agrec-mix's argv, with every other
 * option agrec-record passes on: none is dropped (mix_args' slots). */
Test(record_opts, watermark_options_reach_agrec_mix, .init = wm_file_make, .fini = wm_file_drop)
{
	char *argv[] = { "agrec-record", "--channel", "c", "--isMixingEnabled", "1",
	    "--mixResolution", "640,360,15,500", "--mixedVideoAudio", "1",
	    "--layoutMode", "3", "--maxResolutionUid", "7", "--audioProfile", "1",
	    "--defaultVideoBg", wm_file, "--defaultUserBg", wm_file, "--layout", wm_file,
	    "--speakerHold", "500", "--keepLastFrame", "1", "--isAudioOnly", "1",
	    "--watermarkText", "agrec \xc3\xa9", "--watermarkTextRect", "10,20,300,40",
	    "--watermarkImage", wm_file, "--watermarkImageRect", "0,100,32,32",
	    "--watermarkTimestamp", "1", "--watermarkTimestampRect", "0,300,400,40",
	    "--watermarkTimeFormat", "%H:%M:%S", "--watermarkLocalTime", "1",
	    "--watermarkFont", wm_file, "--watermarkFontSize", "30",
	    "--watermarkColor", "#ff0000", "--watermarkAlpha", "0.5", NULL };
	static const char *const want[][2] = {
		{ "--watermarkText", "agrec \xc3\xa9" }, { "--watermarkTextRect", "10,20,300,40" },
		{ "--watermarkImageRect", "0,100,32,32" }, { "--watermarkTimestamp", "1" },
		{ "--watermarkTimestampRect", "0,300,400,40" },
		{ "--watermarkTimeFormat", "%H:%M:%S" }, { "--watermarkLocalTime", "1" },
		{ "--watermarkFontSize", "30" }, { "--watermarkColor", "#ff0000" },
		{ "--watermarkAlpha", "0.5" }, { "--speakerHold", "500" }, { "--isAudioOnly", "1" },
	};
	int argc = (int)(sizeof argv / sizeof argv[0]) - 1;
	struct rc_opts *o = parse(argc, argv);
	const char *v;
	size_t i;

	for (i = 0; i < sizeof want / sizeof want[0]; i++) {
		v = mix_arg_of(o, want[i][0]);
		cr_expect(v != NULL && strcmp(v, want[i][1]) == 0, "%s: %s", want[i][0],
		    v != NULL ? v : "(none)");
	}
	v = mix_arg_of(o, "--watermarkFont");
	cr_expect(v != NULL && strcmp(v, wm_file) == 0, "--watermarkFont");
	v = mix_arg_of(o, "--watermarkImage");
	cr_expect(v != NULL && strcmp(v, wm_file) == 0, "--watermarkImage");
	/* 11 options of agrec-record's own composite set, 12 watermark ones */
	cr_expect_eq(o->nmix_args, 2 * 23);
	free(o);
}

/* A bad --watermark* value: exit 64 at the start, as agrec-mix. */
#define WM_BAD(name, ...) \
	Test(record_opts, name, .exit_code = 64, .init = cr_redirect_stderr) \
	{ \
		char *argv[] = { "agrec-record", "--channel", "c", "--isMixingEnabled", "1", \
		    __VA_ARGS__, NULL }; \
		free(parse((int)(sizeof argv / sizeof argv[0]) - 1, argv)); \
	}

WM_BAD(watermark_bad_rect_exits_64, "--watermarkTextRect", "1,2,3")
WM_BAD(watermark_bad_alpha_exits_64, "--watermarkAlpha", "1.5")
WM_BAD(watermark_bad_color_exits_64, "--watermarkColor", "red")
WM_BAD(watermark_bad_font_size_exits_64, "--watermarkFontSize", "3")
WM_BAD(watermark_bad_timestamp_exits_64, "--watermarkTimestamp", "2")
WM_BAD(watermark_unreadable_font_exits_64, "--watermarkFont", "/nonexistent/agrec.ttf")
WM_BAD(watermark_unreadable_image_exits_64, "--watermarkImage", "/nonexistent/agrec.png")
WM_BAD(watermark_bad_utf8_exits_64, "--watermarkText", "a\xff")
WM_BAD(watermark_empty_time_format_exits_64, "--watermarkTimestamp", "1",
    "--watermarkTimeFormat", "")
WM_BAD(watermark_outside_canvas_exits_64, "--mixResolution", "320,240,15,500",
    "--watermarkText", "x", "--watermarkTextRect", "320,0,10,10")

