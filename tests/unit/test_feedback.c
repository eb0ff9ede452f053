/*
 * test_feedback.c - where key frame requests go, as configured: the
 * SDP a=rtcp / a=rtcp-fb lines and --feedback (cmd/record/optval.c), the
 * FIR builder (rtp.c), and the no-video note of recording.log that
 * agrec-record writes and agrec-convert reads (reclog.c).
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "reclog.h"
#include "record/record.h"
#include "rtp.h"

static struct rc_opts o;

static void
sdp(const char *const *lines)
{
	struct rc_sdp_state st = { 0 };

	memset(&o, 0, sizeof o);
	for (; *lines; lines++)
		cr_assert_eq(rc_sdp_line(*lines, &st, &o), 0, "'%s' should be taken", *lines);
}

static int
port_of(const struct rc_fbaddr *fb)
{
	return ntohs(((const struct sockaddr_in *)&fb->sa)->sin_port);
}

Test(sdp, rtcp_with_address_per_section)
{
	static const char *const l[] = {
		"v=0", "c=IN IP4 10.0.0.9", "m=audio 5004 RTP/AVP 111", "a=rtpmap:111 opus/48000/2",
		"a=ssrc:7 cname:1001", "m=video 5004 RTP/AVP 96 97", "a=rtpmap:96 H264/90000",
		"a=rtcp:40001 IN IP4 127.0.0.2", "a=ssrc:8 cname:1001", NULL,
	};
	char a[64];

	sdp(l);
	cr_assert_eq(o.sdp_rtcp[1].len, 0, "the audio section has no a=rtcp");
	cr_assert_eq(o.sdp_rtcp[2].len, sizeof(struct sockaddr_in));
	cr_assert_not(o.sdp_rtcp[2].rtp_host);
	cr_assert_eq(port_of(&o.sdp_rtcp[2]), 40001);
	inet_ntop(AF_INET, &((struct sockaddr_in *)&o.sdp_rtcp[2].sa)->sin_addr, a, sizeof a);
	cr_assert_str_eq(a, "127.0.0.2");
	cr_assert_eq(o.nsdp_ssrc, 2);
	cr_assert_eq(o.sdp_ssrc[0].section, 1);
	cr_assert_eq(o.sdp_ssrc[1].section, 2);
	cr_assert_eq(o.pt[111].sdp_section, 1);
	cr_assert_eq(o.pt[96].sdp_section, 2);
}

Test(sdp, rtcp_port_only_takes_c_line_else_rtp_host)
{
	static const char *const with_c[] = {
		"c=IN IP4 10.0.0.9", "m=video 5004 RTP/AVP 96", "c=IN IP4 10.1.1.1/127",
		"a=rtcp:5005", NULL,
	};
	static const char *const bare[] = { "m=video 5004 RTP/AVP 96", "a=rtcp:6001", NULL };
	static const char *const v6[] = { "m=video 5004 RTP/AVP 96", "a=rtcp:6001 IN IP6 ::1", NULL };
	char a[64];

	sdp(with_c);
	inet_ntop(AF_INET, &((struct sockaddr_in *)&o.sdp_rtcp[1].sa)->sin_addr, a, sizeof a);
	cr_assert_str_eq(a, "10.1.1.1", "the section's c= wins over the session's");
	cr_assert_not(o.sdp_rtcp[1].rtp_host);
	sdp(bare);
	cr_assert(o.sdp_rtcp[1].rtp_host);
	cr_assert_eq(port_of(&o.sdp_rtcp[1]), 6001);
	sdp(v6);
	cr_assert_eq(o.sdp_rtcp[1].sa.ss_family, AF_INET6);
	cr_assert_eq(ntohs(((struct sockaddr_in6 *)&o.sdp_rtcp[1].sa)->sin6_port), 6001);
}

Test(sdp, rtcp_malformed)
{
	static const char *const bad[] = {
		"a=rtcp:", "a=rtcp:0", "a=rtcp:65536", "a=rtcp:5005x", "a=rtcp:5005 IN IP4",
		"a=rtcp:5005 IN IP4 not-an-address", "a=rtcp:5005 XX IP4 1.2.3.4",
		"a=rtcp:5005 IN IP4 1.2.3.4 extra", "a=rtcp-fb:300 nack pli", "a=rtcp-fb:96",
	};
	struct rc_sdp_state st = { 0 };
	size_t i;

	memset(&o, 0, sizeof o);
	rc_sdp_line("m=video 5004 RTP/AVP 96", &st, &o);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		cr_assert_eq(rc_sdp_line(bad[i], &st, &o), 1, "'%s' should be refused", bad[i]);
	cr_assert_eq(o.sdp_rtcp[1].len, 0);
}

Test(sdp, rtcp_fb)
{
	static const char *const l[] = {
		"m=video 5004 RTP/AVP 96 97 98", "a=rtcp-fb:96 ccm fir", "a=rtcp-fb:97 nack pli",
		"a=rtcp-fb:97 ccm fir", "a=rtcp-fb:98 nack", "m=video 5006 RTP/AVP 100",
		"a=rtcp-fb:* ccm fir", NULL,
	};

	sdp(l);
	cr_assert(o.pt[96].fb_fir && !o.pt[96].fb_pli, "FIR only");
	cr_assert(o.pt[97].fb_fir && o.pt[97].fb_pli);
	cr_assert(!o.pt[98].fb_fir && !o.pt[98].fb_pli, "generic NACK is not PLI");
	cr_assert(o.pt[100].fb_fir, "* is every payload type of its section");
	cr_assert_not(o.pt[111].fb_fir);
}

Test(feedback, option_values)
{
	struct rc_fbaddr fb;

	cr_assert_eq(rc_parse_feedback("1145324612=127.0.0.1:40000", &fb), 0);
	cr_assert_eq(fb.ssrc, 1145324612u);
	cr_assert_eq(fb.len, sizeof(struct sockaddr_in));
	cr_assert_eq(port_of(&fb), 40000);
	cr_assert_eq(rc_parse_feedback("4294967295=[::1]:5", &fb), 0);
	cr_assert_eq(fb.sa.ss_family, AF_INET6);
	cr_assert_eq(ntohs(((struct sockaddr_in6 *)&fb.sa)->sin6_port), 5);
	cr_assert_eq(rc_parse_feedback("0=10.0.0.1:65535", &fb), 0);
	cr_assert_eq(rc_parse_feedback("4294967296=127.0.0.1:1", &fb), -1);
	cr_assert_eq(rc_parse_feedback("-1=127.0.0.1:1", &fb), -1);
	cr_assert_eq(rc_parse_feedback("0x10=127.0.0.1:1", &fb), -1);
	cr_assert_eq(rc_parse_feedback("7=127.0.0.1", &fb), -1);
	cr_assert_eq(rc_parse_feedback("7=127.0.0.1:0", &fb), -1);
	cr_assert_eq(rc_parse_feedback("7=127.0.0.1:65536", &fb), -1);
	cr_assert_eq(rc_parse_feedback("7=::1:5", &fb), -1, "IPv6 needs brackets");
	cr_assert_eq(rc_parse_feedback("7=[127.0.0.1]:5", &fb), -1);
	cr_assert_eq(rc_parse_feedback("7=localhost:5", &fb), -1, "an address, not a name");
	cr_assert_eq(rc_parse_feedback("=127.0.0.1:5", &fb), -1);
	cr_assert_eq(rc_parse_feedback("127.0.0.1:5", &fb), -1);
}

Test(rtcp, fir)
{
	uint8_t b[32];
	struct ag_rtcp r;
	struct ag_error err = { 0 };

	cr_assert_eq(ag_rtcp_build_fir(b, 19, 1, 2, 0), 0);
	cr_assert_eq(ag_rtcp_build_fir(NULL, 32, 1, 2, 0), 0);
	cr_assert_eq(ag_rtcp_build_fir(b, sizeof b, 0xfeedf00d, 0x11223344, 7), 20);
	cr_assert_eq(b[0], 0x84);
	cr_assert_eq(b[1], 206);
	cr_assert_eq(b[3], 4, "length in words minus one");
	cr_assert(ag_rtp_is_rtcp(b, 20));
	cr_assert_eq(ag_rtcp_parse(b, 20, &r, &err), 0, "%s", err.msg);
	cr_assert_eq(r.nfb, 1);
	cr_assert_eq(r.fb[0].fmt, 4);
	cr_assert_eq(r.fb[0].sender_ssrc, 0xfeedf00d);
	cr_assert_eq(r.fb[0].media_ssrc, 0, "RFC 5104: the media source field is 0");
	cr_assert(b[12] == 0x11 && b[13] == 0x22 && b[14] == 0x33 && b[15] == 0x44, "FCI SSRC");
	cr_assert(b[16] == 7 && b[17] == 0 && b[18] == 0 && b[19] == 0, "seq nr, reserved");
}

Test(reclog, novideo_round_trip)
{
	char line[256], codec[16];
	uint32_t uid = 0;
	uint64_t n = 0;

	snprintf(line, sizeof line, "12.345 ");
	ag_reclog_novideo_format(line + 7, sizeof line - 7, 4294967295u, "H264", 1500);
	strcat(line, "; 95 key frame requests sent to 127.0.0.1:40000 (its RTP source)\n");
	cr_assert_eq(ag_reclog_novideo_parse(line, &uid, &n, codec), 0, "%s", line);
	cr_assert_eq(uid, 4294967295u);
	cr_assert_eq(n, 1500);
	cr_assert_str_eq(codec, "H264");
}

Test(reclog, other_lines)
{
	static const char *const l[] = {
		"", "uid 1: no video: 5 VP8 packets", "1.23 uid 1: no video: 5 VP8 packets",
		"1.234 uid 1: started 1_x.mp4", "1.234 uid x: no video: 5 VP8 packets",
		"1.234 uid 01: no video: 5 VP8 packets", "1.234 uid 1: no video: -5 VP8 packets",
		"1.234 uid 1: no video: 5 VP8", "1.234 SSRC 1 (uid 1): no video: 5 VP8 packets",
	};
	char codec[16];
	uint32_t uid;
	uint64_t n;
	size_t i;

	for (i = 0; i < sizeof l / sizeof l[0]; i++)
		cr_assert_eq(ag_reclog_novideo_parse(l[i], &uid, &n, codec), -1, "'%s'", l[i]);
	cr_assert_eq(ag_reclog_novideo_parse("0.000 uid 0: no video: 0 VP8 packets and more", &uid, &n,
	    codec), 0);
}

/* a=extmap ssrc-audio-level: the ids of the sections' payload types,
 * whether it comes before or after their a=rtpmap lines (levels.c). */
Test(sdp, extmap_audio_level_per_section)
{
	static const char *const lines[] = {
		"m=audio 5004 RTP/AVP 111 0",
		"a=rtpmap:111 opus/48000/2",
		"a=extmap:3 urn:ietf:params:rtp-hdrext:toffset",
		"m=audio 5004 RTP/AVP 112",
		"a=rtpmap:112 opus/48000/2",
		"a=extmap:1/sendonly urn:ietf:params:rtp-hdrext:ssrc-audio-level",
		"m=audio 5004 RTP/AVP 113",
		"a=extmap:5 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
		"a=rtpmap:113 opus/48000/2",
		NULL
	};
	struct rc_sdp_state st = { 0 };

	sdp(lines);
	cr_assert_eq(o.pt[111].level_ext, 0);
	cr_assert_eq(o.pt[0].level_ext, 0);
	cr_assert_eq(o.pt[112].level_ext, 1);
	cr_assert_eq(o.pt[113].level_ext, 5);
	cr_assert_eq(rc_sdp_line("a=extmap:0 urn:ietf:params:rtp-hdrext:ssrc-audio-level", &st, &o),
	    1);
	cr_assert_eq(rc_sdp_line("a=extmap:x", &st, &o), 1);
}
