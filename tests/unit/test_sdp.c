/*
 * test_sdp.c - sdp.c on real offers (headless Chromium with VP8 and
 * with H.264 first, captured into tests/fixtures/sdp/), the answer's
 * lines, and offers agrec must refuse with 400 or 406.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdp.h"

static const char *const addrs[] = { "192.0.2.7", "2001:db8::7" };

static const struct ag_sdp_local local = {
	.ufrag = "lUfr", .pwd = "localpasswordlocalpasswd",
	.fingerprint = "sha-256 01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:"
	    "11:12:13:14:15:16:17:18:19:1A:1B:1C:1D:1E:1F:20",
	.addrs = addrs, .naddrs = 2, .port = 4000, .max_kbps = 2500,
	.session_id = 4242,
};

/* The fixture tests/fixtures/sdp/NAME (under $AGREC_TOP or .), new; *len its size. */
static char *
fixture(const char *name, size_t *len)
{
	const char *top = getenv("AGREC_TOP");
	char path[4096];
	char *buf;
	FILE *f;

	snprintf(path, sizeof path, "%s/tests/fixtures/sdp/%s", top != NULL ? top : ".", name);
	f = fopen(path, "rb");
	cr_assert_not_null(f, "cannot open %s (set AGREC_TOP)", path);
	buf = malloc(AG_SDP_MAX_TEXT + 1);
	cr_assert_not_null(buf);
	*len = fread(buf, 1, AG_SDP_MAX_TEXT + 1, f);
	fclose(f);
	buf[*len < AG_SDP_MAX_TEXT ? *len : AG_SDP_MAX_TEXT] = '\0';
	return buf;
}

static struct ag_sdp *
parse_fixture(const char *name)
{
	struct ag_error err;
	struct ag_sdp *s;
	size_t len;
	char *text = fixture(name, &len);

	s = ag_sdp_parse(text, len, &err);
	cr_assert_not_null(s, "%s: %s", name, err.msg);
	free(text);
	return s;
}

static struct ag_sdp *
parse_str(const char *text, struct ag_error *err)
{
	return ag_sdp_parse(text, strlen(text), err);
}

static const struct ag_sdp_codec *
codec(const struct ag_sdp_media *m, int pt)
{
	int i;

	for (i = 0; i < m->ncodecs; i++)
		if (m->codecs[i].pt == pt)
			return &m->codecs[i];
	cr_assert_fail("no payload type %d", pt);
	return NULL;
}

/* ---- parsing real offers ---- */

static void
check_chromium_common(const struct ag_sdp *s, const char *ufrag, const char *fp_head)
{
	const struct ag_sdp_media *a = &s->media[0], *v = &s->media[1];
	const struct ag_sdp_codec *c;
	int i;

	cr_assert_eq(s->nmedia, 2);
	cr_assert_eq(s->nbundle, 2);
	cr_assert_str_eq(s->bundle[0], "0");
	cr_assert_str_eq(s->bundle[1], "1");
	cr_assert(!s->ice_lite);
	cr_assert_str_eq(a->kind, "audio");
	cr_assert_str_eq(v->kind, "video");
	for (i = 0; i < 2; i++) {
		const struct ag_sdp_media *m = &s->media[i];

		cr_assert_str_eq(m->proto, "UDP/TLS/RTP/SAVPF");
		cr_assert_str_eq(m->ufrag, ufrag);
		cr_assert_eq(strlen(m->pwd), 24);
		cr_assert_str_eq(m->fp_alg, "sha-256");
		cr_assert_eq(strncmp(m->fp, fp_head, strlen(fp_head)), 0, "%s", m->fp);
		cr_assert_eq(strlen(m->fp), 95);
		cr_assert_str_eq(m->setup, "actpass");
		cr_assert_eq(m->dir, AG_SDP_SENDONLY);
		cr_assert(m->rtcp_mux);
		cr_assert_eq(m->nssrcs, i + 1, "the video's RTX SSRC");
		cr_assert_eq(strlen(m->ssrcs[0].cname), 16);
		cr_assert_str_eq(m->ssrcs[i].cname, s->media[0].ssrcs[0].cname);
	}
	cr_assert_str_eq(a->mid, "0");
	cr_assert_str_eq(v->mid, "1");
	cr_assert_eq(a->ncodecs, 8);
	cr_assert_eq(a->codecs[0].pt, 111);
	c = codec(a, 111);
	cr_assert_str_eq(c->name, "opus");
	cr_assert_eq(c->rate, 48000);
	cr_assert_eq(c->channels, 2);
	cr_assert_str_eq(c->fmtp, "minptime=10;useinbandfec=1");
	cr_assert(c->twcc && !c->nack && !c->remb);
	cr_assert_str_eq(codec(a, 0)->name, "PCMU");
	cr_assert_eq(codec(a, 0)->channels, 1);
	cr_assert_str_eq(codec(a, 9)->name, "G722");
	cr_assert_eq(v->ncodecs, 23);
	c = codec(v, 96);
	cr_assert_str_eq(c->name, "VP8");
	cr_assert_eq(c->rate, 90000);
	cr_assert(c->nack && c->pli && c->fir && c->remb && c->twcc);
	c = codec(v, 102);
	cr_assert_str_eq(c->name, "H264");
	cr_assert_str_eq(c->fmtp,
	    "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f");
	cr_assert_str_eq(codec(v, 97)->name, "rtx");
	cr_assert_str_eq(codec(v, 97)->fmtp, "apt=96");
}

Test(sdp, parse_chromium_vp8)
{
	struct ag_sdp *s = parse_fixture("chromium-vp8.sdp");

	check_chromium_common(s, "pFD/", "AB:76:0C:6A");
	cr_assert_eq(s->media[1].codecs[0].pt, 96);
	cr_assert_eq(s->media[0].ssrcs[0].ssrc, 2961144486u);
	cr_assert_str_eq(s->media[0].ssrcs[0].cname, "4/COA28l1SxXgQzF");
	free(s);
}

Test(sdp, parse_chromium_h264)
{
	struct ag_sdp *s = parse_fixture("chromium-h264.sdp");

	check_chromium_common(s, "N9Qz", "A0:19:16:98");
	cr_assert_eq(s->media[1].codecs[0].pt, 102);
	free(s);
}

/* ---- the choice ---- */

/* The fixture's choice: opus 111 in section 0, then video pt in section 1. */
static void
check_pick(const char *name, int video_pt, const char *video_name)
{
	struct ag_sdp *s = parse_fixture(name);
	struct ag_sdp_pick p;
	struct ag_error err;
	int st = 0;

	cr_assert_eq(ag_sdp_pick(s, &p, &st, &err), 0, "%s", err.msg);
	cr_assert_eq(p.audio, 0);
	cr_assert_eq(p.video, 1);
	cr_assert_eq(s->media[0].codecs[p.codec[0]].pt, 111);
	cr_assert_eq(s->media[1].codecs[p.codec[1]].pt, video_pt);
	cr_assert_str_eq(s->media[1].codecs[p.codec[1]].name, video_name);
	free(s);
}

Test(sdp, pick_chromium_vp8)
{
	check_pick("chromium-vp8.sdp", 96, "VP8");
}

Test(sdp, pick_chromium_h264)
{
	/* 102 is H264 packetization-mode 1, before 104 (mode 0) and VP8 96 */
	check_pick("chromium-h264.sdp", 102, "H264");
}

/* ---- the answer ---- */

static const char *
has_line(const char *text, const char *line)
{
	const char *p = text;
	size_t n = strlen(line);

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && strncmp(p + n, "\r\n", 2) == 0)
			return p;
		p += n;
	}
	cr_assert_fail("no line \"%s\" in:\n%s", line, text);
	return NULL;
}

static char *
answer_for(struct ag_sdp *s, struct ag_sdp_pick *p)
{
	struct ag_error err;
	int st = 0;
	char *a;

	cr_assert_eq(ag_sdp_pick(s, p, &st, &err), 0, "%s", err.msg);
	a = ag_sdp_answer(s, p, &local, &err);
	cr_assert_not_null(a, "%s", err.msg);
	return a;
}

Test(sdp, answer_chromium_h264)
{
	struct ag_sdp *s = parse_fixture("chromium-h264.sdp");
	struct ag_sdp_pick p;
	const char *video;
	char *a = answer_for(s, &p);
	const char *l;

	cr_assert_eq(strncmp(a, "v=0\r\no=- 4242 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n", 42), 0,
	    "%s", a);
	has_line(a, "a=ice-lite");
	has_line(a, "a=group:BUNDLE 0 1");
	has_line(a, "m=audio 9 UDP/TLS/RTP/SAVPF 111");
	video = has_line(a, "m=video 9 UDP/TLS/RTP/SAVPF 102");
	cr_assert_lt(has_line(a, "m=audio 9 UDP/TLS/RTP/SAVPF 111"), video);
	has_line(a, "c=IN IP4 0.0.0.0");
	has_line(a, "a=mid:0");
	has_line(video, "a=mid:1");
	has_line(video, "a=recvonly");
	has_line(video, "a=rtcp-mux");
	has_line(video, "a=ice-ufrag:lUfr");
	has_line(video, "a=ice-pwd:localpasswordlocalpasswd");
	has_line(video, "a=fingerprint:sha-256 01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:"
	    "11:12:13:14:15:16:17:18:19:1A:1B:1C:1D:1E:1F:20");
	has_line(video, "a=setup:passive");
	has_line(a, "a=rtpmap:111 opus/48000/2");
	has_line(a, "a=fmtp:111 minptime=10;useinbandfec=1");
	has_line(video, "a=rtpmap:102 H264/90000");
	has_line(video, "a=fmtp:102 "
	    "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f");
	has_line(video, "a=rtcp-fb:102 nack pli");
	has_line(video, "a=rtcp-fb:102 ccm fir");
	has_line(video, "a=rtcp-fb:102 goog-remb");
	has_line(video, "b=AS:2500");
	cr_assert_gt(has_line(video, "b=AS:2500"), video);
	/* priority = 2^24 * 126 + 2^8 * (65535 - index) + 255 */
	has_line(video, "a=candidate:1 1 udp 2130706431 192.0.2.7 4000 typ host");
	has_line(video, "a=candidate:2 1 udp 2130706175 2001:db8::7 4000 typ host");
	has_line(video, "a=end-of-candidates");
	l = has_line(a, "a=end-of-candidates");
	cr_assert_lt(l, video, "candidates in the audio section too");
	/* The one extension kept: RFC 6464 audio levels, in the audio section
	 * (volume indication); none of the video's. */
	l = has_line(a, "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level");
	cr_assert_lt(l, video);
	cr_assert_eq(strstr(a, "extmap"), l + 2);
	cr_assert_null(strstr(video, "extmap"));
	cr_assert_eq(s->media[0].level_ext, 1);
	cr_assert_eq(s->media[1].level_ext, 0);
	cr_assert_null(strstr(a, "rtx"));
	cr_assert_null(strstr(a, "sendonly"));
	cr_assert_null(strstr(a, "rtpmap:96"));
	/* CRLF only, and no bare LF */
	for (l = a; (l = strchr(l, '\n')) != NULL; l++)
		cr_assert_eq(l[-1], '\r');
	cr_assert_eq(a[strlen(a) - 1], '\n');
	free(a);
	free(s);
}

Test(sdp, answer_chromium_vp8_no_bitrate)
{
	struct ag_sdp *s = parse_fixture("chromium-vp8.sdp");
	struct ag_sdp_local l = local;
	struct ag_sdp_pick p;
	struct ag_error err;
	int st;
	char *a;

	cr_assert_eq(ag_sdp_pick(s, &p, &st, &err), 0, "%s", err.msg);
	l.max_kbps = 0;
	l.naddrs = 1;
	a = ag_sdp_answer(s, &p, &l, &err);
	cr_assert_not_null(a, "%s", err.msg);
	has_line(a, "m=video 9 UDP/TLS/RTP/SAVPF 96");
	has_line(a, "a=rtpmap:96 VP8/90000");
	cr_assert_null(strstr(a, "b=AS"));
	cr_assert_null(strstr(a, "2001:db8::7"));
	cr_assert_null(strstr(a, "a=fmtp:96"));
	free(a);
	free(s);
}

/* Session-level ICE and DTLS values, a rejected third section, a data channel. */
static const char three[] =
    "v=0\n"
    "o=- 1 1 IN IP4 0.0.0.0\n"
    "s=-\n"
    "t=0 0\n"
    "a=group:BUNDLE a v\n"
    "a=ice-ufrag:sess\n"
    "a=ice-pwd:sessionpassword012345678\n"
    "a=fingerprint:SHA-256 ab:cd:ef\n"
    "a=setup:active\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 0 8\n"
    "a=mid:pcm\n"
    "a=sendonly\n"
    "a=rtcp-mux\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 109\n"
    "a=mid:a\n"
    "a=sendrecv\n"
    "a=rtcp-mux\n"
    "a=rtpmap:109 OPUS/48000/2\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 97 98 99\n"
    "a=mid:v\n"
    "a=rtcp-mux\n"
    "a=rtpmap:97 H264/90000\n"
    "a=fmtp:97 profile-level-id=42e01f;packetization-mode=0\n"
    "a=rtpmap:98 H264/90000\n"
    "a=fmtp:98 profile-level-id=42e01f; packetization-mode=1\n"
    "a=rtpmap:99 VP8/90000\n"
    "a=rtcp-fb:* nack pli\n"
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\n"
    "a=mid:d\n";

Test(sdp, session_level_and_rejected_sections)
{
	struct ag_error err;
	struct ag_sdp *s = parse_str(three, &err);
	struct ag_sdp_pick p;
	char *a;

	cr_assert_not_null(s, "%s", err.msg);
	cr_assert_eq(s->nmedia, 4);
	cr_assert_str_eq(s->media[0].codecs[1].name, "PCMA");
	cr_assert_eq(s->media[0].codecs[1].rate, 8000);
	cr_assert_str_eq(s->media[2].ufrag, "sess");
	cr_assert_str_eq(s->media[2].fp_alg, "sha-256");
	cr_assert_str_eq(s->media[2].fp, "AB:CD:EF");
	cr_assert_str_eq(s->media[2].setup, "active");
	cr_assert_eq(s->media[2].dir, AG_SDP_SENDRECV);
	cr_assert(s->media[2].codecs[1].pli && !s->media[2].codecs[1].nack);
	cr_assert_eq(s->media[3].codecs[0].pt, -1);
	cr_assert_str_eq(s->media[3].codecs[0].name, "webrtc-datachannel");
	a = answer_for(s, &p);
	cr_assert_eq(p.audio, 1);
	cr_assert_eq(p.video, 2);
	cr_assert_eq(s->media[2].codecs[p.codec[2]].pt, 98);
	has_line(a, "a=group:BUNDLE a v");
	cr_assert(strstr(a, "m=audio 0 UDP/TLS/RTP/SAVPF 0\r\na=mid:pcm\r\na=inactive\r\n"
	    "m=audio 9 UDP/TLS/RTP/SAVPF 109\r\n") != NULL, "%s", a);
	has_line(a, "a=rtpmap:109 OPUS/48000/2");
	has_line(a, "m=video 9 UDP/TLS/RTP/SAVPF 98");
	has_line(a, "a=fmtp:98 profile-level-id=42e01f; packetization-mode=1");
	cr_assert_null(strstr(a, "ccm fir"));
	cr_assert(strstr(a, "m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:d\r\n"
	    "a=inactive\r\n") != NULL, "%s", a);
	free(a);
	free(s);
}

Test(sdp, audio_only_offer_crlf)
{
	static const char offer[] =
	    "v=0\r\ns=-\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=ice-ufrag:u\r\n"
	    "a=ice-pwd:p\r\na=fingerprint:sha-256 00:11\r\na=setup:actpass\r\na=rtcp-mux\r\n"
	    "a=rtpmap:111 opus/48000/2\r\n";
	struct ag_error err;
	struct ag_sdp *s = parse_str(offer, &err);
	struct ag_sdp_pick p;
	char *a;

	cr_assert_not_null(s, "%s", err.msg);
	a = answer_for(s, &p);
	cr_assert_eq(p.video, -1);
	cr_assert_null(strstr(a, "BUNDLE"), "no BUNDLE group where the offer has none");
	cr_assert_null(strstr(a, "b=AS"));
	cr_assert_null(strstr(a, "rtcp-fb"));
	has_line(a, "a=candidate:1 1 udp 2130706431 192.0.2.7 4000 typ host");
	free(a);
	free(s);
}

/* ---- refusals ---- */

static void
parse_fails(const char *text, size_t len, const char *msg)
{
	struct ag_error err;

	memset(&err, 0, sizeof err);
	cr_assert_null(ag_sdp_parse(text, len, &err), "accepted: %s", msg);
	cr_assert_eq(err.code, AG_EX_DATAERR);
	cr_assert_not_null(strstr(err.msg, msg), "\"%s\" lacks \"%s\"", err.msg, msg);
}

Test(sdp, parse_errors)
{
	char *big;

	parse_fails("", 0, "empty");
	parse_fails("garbage\x01\xff", 9, "line 1");
	parse_fails("hello world\n", 12, "line 1: not an SDP line");
	parse_fails("s=-\nv=0\n", 8, "line 1: the offer must begin with v=0");
	parse_fails("v=0\0\n", 5, "NUL");
	parse_fails("v=0\nm=audio 9 RTP/AVP 128\n", 26, "line 2: m=: bad payload type");
	parse_fails("v=0\nm=audio 9 RTP/AVP 1x\n", 25, "line 2: m=: bad payload type");
	parse_fails("v=0\nm=audio x RTP/AVP 0\n", 24, "line 2: m=: bad port");
	parse_fails("v=0\nm=audio 9x RTP/AVP 0\n", 25, "line 2: m=: bad port");
	parse_fails("v=0\nm=audio 9/0 RTP/AVP 0\n", 26, "line 2: m=: bad port count");
	parse_fails("v=0\nm=audio 9 RTP/AVP\n", 22, "no formats");
	parse_fails("v=0\nm=audio 9 RTP/AVP 0\na=rtpmap:x opus/48000\n", 46,
	    "line 3: a=rtpmap: bad payload type");
	parse_fails("v=0\nm=audio 9 RTP/AVP 0\na=rtpmap:0 PCMU/0\n", 42,
	    "line 3: a=rtpmap: bad clock rate");
	parse_fails("v=0\na=fingerprint:sha-256 XY:ZZ\n", 32, "line 2: a=fingerprint");
	parse_fails("v=0\nm=audio 9 RTP/AVP 0\na=mid:a\rb\n", 34, "control character");
	big = calloc(1, AG_SDP_MAX_TEXT + 2);
	memcpy(big, "v=0\n", 4);
	memset(big + 4, 'x', AG_SDP_MAX_TEXT - 3);
	parse_fails(big, AG_SDP_MAX_TEXT + 1, "too long");
	free(big);
}

Test(sdp, seventeen_sections)
{
	char text[2048] = "v=0\n";
	int i;

	for (i = 0; i < 16; i++)
		strcat(text, "m=audio 9 UDP/TLS/RTP/SAVPF 111\n");
	free(parse_str(text, NULL));
	cr_assert_not_null(parse_str(text, NULL));
	strcat(text, "m=audio 9 UDP/TLS/RTP/SAVPF 111\n");
	parse_fails(text, strlen(text), "line 18: more than 16 m= sections");
}

/* The refusal of the offer base whose line `from` becomes `to` (the first match). */
static void
pick_fails_in(const char *base, const char *from, const char *to, int status,
    const char *msg)
{
	char text[4096];
	const char *at = strstr(base, from);
	struct ag_error err;
	struct ag_sdp *s;
	struct ag_sdp_pick p;
	int st = 0;

	cr_assert_not_null(at, "%s", from);
	snprintf(text, sizeof text, "%.*s%s%s", (int)(at - base), base, to, at + strlen(from));
	s = parse_str(text, &err);
	cr_assert_not_null(s, "%s", err.msg);
	cr_assert_eq(ag_sdp_pick(s, &p, &st, &err), -1, "accepted %s", to);
	cr_assert_eq(st, status, "%s: %d", msg, st);
	cr_assert_eq(err.code, AG_EX_DATAERR);
	cr_assert_not_null(strstr(err.msg, msg), "\"%s\" lacks \"%s\"", err.msg, msg);
	cr_assert_eq(p.audio, -1);
	cr_assert_eq(p.video, -1);
	free(s);
}

static void
pick_fails(const char *from, const char *to, int status, const char *msg)
{
	pick_fails_in(three, from, to, status, msg);
}

Test(sdp, pick_errors)
{
	pick_fails("a=ice-ufrag:sess\n", "", 400, "no ICE credentials");
	pick_fails("a=ice-pwd:sessionpassword012345678\n", "", 400, "no ICE credentials");
	pick_fails("a=fingerprint:SHA-256 ab:cd:ef\n", "", 400, "no a=fingerprint");
	pick_fails("a=setup:active\n", "a=setup:passive\n", 400, "a=setup:passive");
	pick_fails("a=mid:v\na=rtcp-mux\n", "a=mid:v\n", 400,
	    "the video section has no a=rtcp-mux");
	pick_fails("a=mid:v\n", "a=mid:w\na=ice-ufrag:other\n", 400, "not bundled");
	pick_fails("a=group:BUNDLE a v\n", "a=group:BUNDLE a v\na=ice-lite\n", 400, "ICE-lite");
	pick_fails("a=mid:a\na=sendrecv\n", "a=mid:a\na=sendrecv\na=setup:holdconn\n", 400,
	    "a=setup:holdconn");
}

Test(sdp, bundled_by_credentials)
{
	char text[4096];
	const char *at = strstr(three, "a=group:BUNDLE a v\n");
	struct ag_error err;
	struct ag_sdp *s;
	struct ag_sdp_pick p;
	char *a;

	snprintf(text, sizeof text, "%.*s%s", (int)(at - three), three, at + 19);
	s = parse_str(text, &err);
	cr_assert_not_null(s, "%s", err.msg);
	a = answer_for(s, &p);
	cr_assert_null(strstr(a, "BUNDLE"));
	free(a);
	free(s);
}

Test(sdp, nothing_in_common_406)
{
	static const char offer[] =
	    "v=0\n"
	    "a=ice-ufrag:u\na=ice-pwd:p\na=fingerprint:sha-256 00\n"
	    "m=audio 9 UDP/TLS/RTP/SAVPF 0 9 13\n"
	    "a=rtpmap:13 CN/8000\n"
	    "a=sendonly\na=rtcp-mux\n"
	    "m=video 9 UDP/TLS/RTP/SAVPF 45 46\n"
	    "a=rtpmap:45 AV1/90000\n"
	    "a=rtpmap:46 rtx/90000\n"
	    "a=sendonly\na=rtcp-mux\n";
	struct ag_error err;
	struct ag_sdp *s = parse_str(offer, &err);
	struct ag_sdp_pick p;
	int st = 0;

	cr_assert_not_null(s, "%s", err.msg);
	cr_assert_eq(ag_sdp_pick(s, &p, &st, &err), -1);
	cr_assert_eq(st, 406);
	cr_assert_str_eq(err.msg, "no codec in common: the offer has audio PCMU and G722 and "
	    "video AV1; agrec takes opus, H264 (packetization-mode 1) and VP8");
	free(s);
}

Test(sdp, h264_without_pm1_and_mono_opus_406)
{
	static const char offer[] =
	    "v=0\n"
	    "m=audio 9 UDP/TLS/RTP/SAVPF 111\na=rtpmap:111 opus/48000\n"
	    "m=video 9 UDP/TLS/RTP/SAVPF 97\na=rtpmap:97 H264/90000\n"
	    "a=fmtp:97 packetization-mode=10\n";
	struct ag_error err;
	struct ag_sdp *s = parse_str(offer, &err);
	struct ag_sdp_pick p;
	int st = 0;

	cr_assert_not_null(s, "%s", err.msg);
	cr_assert_eq(ag_sdp_pick(s, &p, &st, &err), -1);
	cr_assert_eq(st, 406);
	free(s);
}

Test(sdp, answer_refuses_bad_local)
{
	struct ag_sdp *s = parse_fixture("chromium-vp8.sdp");
	struct ag_sdp_local l = local;
	struct ag_sdp_pick p;
	struct ag_error err;
	int st;

	cr_assert_eq(ag_sdp_pick(s, &p, &st, &err), 0);
	l.ufrag = "a\r\nb";
	cr_assert_null(ag_sdp_answer(s, &p, &l, &err));
	l = local;
	l.port = 0;
	cr_assert_null(ag_sdp_answer(s, &p, &l, &err));
	free(s);
}

/* GStreamer webrtcbin, max-bundle: video first, audio with port 0 and a=bundle-only. */
Test(sdp, gst_webrtcbin_bundle_only)
{
	struct ag_sdp *s = parse_fixture("gst-webrtcbin.sdp");
	struct ag_sdp_pick p;
	const char *audio;
	char *a;

	cr_assert_eq(s->nmedia, 2);
	cr_assert_eq(s->nbundle, 2);
	cr_assert_str_eq(s->media[0].kind, "video");
	cr_assert_str_eq(s->media[0].mid, "video0");
	cr_assert_eq(s->media[1].port, 0);
	cr_assert_str_eq(s->media[1].mid, "audio1");
	cr_assert_eq(s->media[1].dir, AG_SDP_SENDRECV);
	cr_assert_eq(strlen(s->media[1].ufrag), 32);
	cr_assert_str_eq(s->media[1].fp_alg, "sha-256");
	cr_assert_str_eq(s->media[1].codecs[0].name, "OPUS");
	cr_assert_str_eq(s->media[1].codecs[0].fmtp, "sprop-stereo=0;sprop-maxcapturerate=48000");
	cr_assert_str_eq(s->media[0].ssrcs[0].cname, "user2666105139@host-be7c9e2");
	a = answer_for(s, &p);
	cr_assert_eq(p.video, 0);
	cr_assert_eq(p.audio, 1);
	has_line(a, "a=group:BUNDLE video0 audio1");
	audio = has_line(a, "m=audio 9 UDP/TLS/RTP/SAVPF 111");
	cr_assert_gt(audio, has_line(a, "m=video 9 UDP/TLS/RTP/SAVPF 96"));
	has_line(a, "a=rtpmap:111 OPUS/48000/2");
	has_line(a, "a=rtcp-fb:96 ccm fir");
	free(a);
	free(s);
}

/* A port-0 section outside the BUNDLE group is disabled: not taken. */
Test(sdp, port_zero_outside_bundle_is_disabled)
{
	char text[4096];
	const char *from = "m=audio 9 UDP/TLS/RTP/SAVPF 109\na=mid:a\n";
	const char *at = strstr(three, from);
	struct ag_error err;
	struct ag_sdp *s;
	struct ag_sdp_pick p;
	char *a;

	snprintf(text, sizeof text, "%.*sm=audio 0 UDP/TLS/RTP/SAVPF 109\na=mid:x\n%s",
	    (int)(at - three), three, at + strlen(from));
	s = parse_str(text, &err);
	cr_assert_not_null(s, "%s", err.msg);
	a = answer_for(s, &p);
	cr_assert_eq(p.audio, -1);
	cr_assert_eq(p.video, 2);
	has_line(a, "a=group:BUNDLE v");
	cr_assert_not_null(strstr(a,
	    "m=audio 0 UDP/TLS/RTP/SAVPF 109\r\na=mid:x\r\na=inactive\r\n"), "%s", a);
	free(a);
	free(s);
}

/* Chromium with a data channel: the m=application section is answered with port 0. */
Test(sdp, chromium_datachannel_rejected)
{
	struct ag_sdp *s = parse_fixture("chromium-datachannel.sdp");
	struct ag_sdp_pick p;
	char *a;

	cr_assert_eq(s->nmedia, 3);
	cr_assert_str_eq(s->media[2].kind, "application");
	cr_assert_str_eq(s->media[2].proto, "UDP/DTLS/SCTP");
	cr_assert_str_eq(s->media[2].codecs[0].name, "webrtc-datachannel");
	a = answer_for(s, &p);
	has_line(a, "a=group:BUNDLE 0 1");
	cr_assert_not_null(strstr(a, "\r\nm=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\n"
	    "a=mid:2\r\na=inactive\r\n"), "%s", a);
	cr_assert_eq(a[strlen(a) - 1], '\n');
	cr_assert_str_eq(strstr(a, "m=application"),
	    "m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:2\r\na=inactive\r\n");
	free(a);
	free(s);
}

/* A receive-only offer (a WHEP player's) has nothing to record: 406, saying why. */
Test(sdp, recvonly_offer_406)
{
	static const char offer[] =
	    "v=0\na=ice-ufrag:u\na=ice-pwd:p\na=fingerprint:sha-256 00\n"
	    "m=audio 9 UDP/TLS/RTP/SAVPF 111\na=rtpmap:111 opus/48000/2\na=rtcp-mux\n"
	    "m=video 9 UDP/TLS/RTP/SAVPF 96\na=rtpmap:96 VP8/90000\na=rtcp-mux\n";

	pick_fails_in(offer, "v=0\n", "v=0\na=recvonly\n", 406,
	    "nothing to record: the offer's audio section does not send");
}
