/*
 * test_level.c - level.c: dBov of known signals (a sine of known
 * amplitude, silence, full scale), RFC 6464 levels averaged in the power
 * domain, the active speaker rule, the speakers.jsonl line; rtp.c's
 * header extension elements (RFC 8285) and sdp.c's a=extmap.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "level.h"
#include "rtp.h"
#include "sdp.h"

/* n samples of a sine of amplitude amp (of 32768) and f Hz at 48 kHz. */
static void
sine(int16_t *s, size_t n, double amp, double f)
{
	size_t i;

	for (i = 0; i < n; i++)
		s[i] = (int16_t)lrint(amp * sin(2 * M_PI * f * (double)i / 48000.0));
}

Test(level, sine_of_known_amplitude)
{
	static int16_t s[48000];
	struct ag_level l = { 0 };
	int src = -1;

	/* Half scale: RMS 0.5 / sqrt(2), -9.03 dBov; 1 kHz, whole periods. */
	sine(s, 48000, 16384, 1000);
	ag_level_add_s16(&l, s, 24000);
	ag_level_add_s16(&l, s + 24000, 24000);
	cr_assert(ag_level_any(&l));
	cr_assert_float_eq(ag_level_dbov(&l, &src), 20 * log10(0.5 / sqrt(2)), 0.01);
	cr_assert_eq(src, AG_STREAM_LEVEL_DECODED);
	/* -20 dBFS RMS, as tests/record/levels.sh sends it */
	memset(&l, 0, sizeof l);
	sine(s, 48000, 32768 * 0.1 * sqrt(2), 440);
	ag_level_add_s16(&l, s, 48000);
	cr_assert_float_eq(ag_level_dbov(&l, NULL), -20.0, 0.02);
}

Test(level, silence_and_nothing_are_the_floor)
{
	static int16_t s[960];
	struct ag_level l = { 0 };
	int i;

	cr_assert_not(ag_level_any(&l));
	cr_assert_float_eq(ag_level_dbov(&l, NULL), -127.0, 1e-9);
	ag_level_add_s16(&l, s, 960);
	cr_assert(ag_level_any(&l));
	cr_assert_float_eq(ag_level_dbov(&l, NULL), -127.0, 1e-9);
	/* one LSB in 11 x 960 samples: -130.3 dBov, floored */
	s[0] = 1;
	ag_level_add_s16(&l, s, 960);
	s[0] = 0;
	for (i = 0; i < 9; i++)
		ag_level_add_s16(&l, s, 960);
	cr_assert_float_eq(ag_level_dbov(&l, NULL), -127.0, 1e-9);
	/* one LSB in 960 samples: 10 log10(1 / 960 / 2^30), above the floor */
	memset(&l, 0, sizeof l);
	s[0] = 1;
	ag_level_add_s16(&l, s, 960);
	cr_assert_float_eq(ag_level_dbov(&l, NULL), 10 * log10(1.0 / 960 / 1073741824.0), 1e-6);
}

Test(level, full_scale_is_zero)
{
	int16_t s[4] = { -32768, -32768, -32768, -32768 };
	struct ag_level l = { 0 };

	ag_level_add_s16(&l, s, 4);
	cr_assert_float_eq(ag_level_dbov(&l, NULL), 0.0, 1e-9);
	cr_assert_eq(ag_level_cb(0.0), 0);
}

Test(level, rfc6464_power_average)
{
	struct ag_level l = { 0 };
	int src = -1;

	/* -20 and -40 dBov for equal times: 10 log10((0.01 + 0.0001) / 2) */
	ag_level_add_rfc6464(&l, 20, 20);
	ag_level_add_rfc6464(&l, 40, 20);
	cr_assert_float_eq(ag_level_dbov(&l, &src), 10 * log10(0.0101 / 2), 1e-6);
	cr_assert_eq(src, AG_STREAM_LEVEL_RFC6464);
	/* weighted by time; 127 is no sound */
	memset(&l, 0, sizeof l);
	ag_level_add_rfc6464(&l, 20, 10);
	ag_level_add_rfc6464(&l, 127, 30);
	cr_assert_float_eq(ag_level_dbov(&l, NULL), 10 * log10(0.01 / 4), 1e-6);
	memset(&l, 0, sizeof l);
	ag_level_add_rfc6464(&l, 127, 20);
	cr_assert_float_eq(ag_level_dbov(&l, NULL), -127.0, 1e-9);
	/* the sender's levels win over decoded samples of the same interval */
	{
		int16_t s[2] = { 30000, -30000 };
		ag_level_add_s16(&l, s, 2);
		ag_level_add_rfc6464(&l, 30, 20);
		cr_assert_float_eq(ag_level_dbov(&l, &src), 10 * log10(0.001 / 2), 1e-6);
		cr_assert_eq(src, AG_STREAM_LEVEL_RFC6464);
	}
}

Test(level, centibels_round_and_clamp)
{
	cr_assert_eq(ag_level_cb(-23.456), -2346);
	cr_assert_eq(ag_level_cb(-23.454), -2345);
	cr_assert_eq(ag_level_cb(-127.0), -12700);
	cr_assert_eq(ag_level_cb(-300.0), AG_STREAM_LEVEL_MIN_CB);
	cr_assert_eq(ag_level_cb(3.0), 0);
	cr_assert_eq(ag_level_cb(NAN), AG_STREAM_LEVEL_MIN_CB);
}

Test(level, active_speaker)
{
	struct ag_stream_level v[4] = {
		{ 1003, -3000, 0 }, { 1001, -2000, 0 }, { 1002, -2000, 1 }, { 1004, -12700, 0 },
	};
	uint32_t uid = 0;

	cr_assert(ag_level_active(v, 4, &uid));
	cr_assert_eq(uid, 1001, "the loudest, lowest uid on a tie: %u", uid);
	v[1].level_cb = -5001;
	v[2].level_cb = -5001;
	cr_assert(ag_level_active(v, 4, &uid));
	cr_assert_eq(uid, 1003);
	v[0].level_cb = -5000;	/* the threshold itself counts */
	cr_assert(ag_level_active(v, 4, &uid));
	cr_assert_eq(uid, 1003);
	v[0].level_cb = -5001;
	uid = 7;
	cr_assert_not(ag_level_active(v, 4, &uid));
	cr_assert_eq(uid, 7);
	cr_assert_not(ag_level_active(v, 0, &uid));
}

Test(level, json_line)
{
	struct ag_stream_level v[3] = { { 1001, -2345, 0 }, { 1002, -12700, 0 }, { 7, -4, 1 } };
	struct ag_buf b = { 0 };

	cr_assert_eq(ag_level_json(&b, 12400, 1764779000123LL, 200, v, 2, true, 1001), 0);
	cr_assert_eq(b.len, strlen("{\"t_ms\":12400,\"wall_ms\":1764779000123,\"interval_ms\":200,"
	    "\"levels\":{\"1001\":-23.5,\"1002\":-127.0},\"active\":1001}\n"));
	cr_assert_eq(memcmp(b.p, "{\"t_ms\":12400,\"wall_ms\":1764779000123,\"interval_ms\":200,"
	    "\"levels\":{\"1001\":-23.5,\"1002\":-127.0},\"active\":1001}\n", b.len), 0,
	    "%.*s", (int)b.len, b.p);
	ag_buf_clear(&b);
	cr_assert_eq(ag_level_json(&b, 0, 5, 10, NULL, 0, false, 0), 0);
	cr_assert_eq(memcmp(b.p, "{\"t_ms\":0,\"wall_ms\":5,\"interval_ms\":10,\"levels\":{},"
	    "\"active\":null}\n", b.len), 0, "%.*s", (int)b.len, b.p);
	ag_buf_clear(&b);
	/* -0.04 dBov rounds to 0.0, never "-0.0" */
	cr_assert_eq(ag_level_json(&b, 1, 2, 200, v + 2, 1, false, 0), 0);
	cr_assert_neq(memmem(b.p, b.len, "{\"7\":0.0}", 9), NULL, "%.*s", (int)b.len, b.p);
	ag_buf_free(&b);
}

/* A packet with extension profile prof and elements ext[0..n) (a multiple of 4). */
static void
packet(struct ag_rtp *p, uint16_t prof, const uint8_t *ext, size_t n)
{
	memset(p, 0, sizeof *p);
	p->extension = true;
	p->ext_profile = prof;
	p->ext = ext;
	p->ext_len = n;
}

Test(level, rtp_one_byte_extension)
{
	/* padding, id 3 (2 bytes), id 1 audio level V=1 42, padding */
	static const uint8_t e[8] = { 0x00, 0x31, 0xaa, 0xbb, 0x10, 0x80 | 42, 0x00, 0x00 };
	struct ag_rtp p;
	const uint8_t *d;
	size_t n;
	bool voice = false;

	packet(&p, 0xBEDE, e, sizeof e);
	cr_assert_eq(ag_rtp_ext_find(&p, 3, &d, &n), 0);
	cr_assert(d == e + 2 && n == 2);
	cr_assert_eq(ag_level_rfc6464(&p, 1, &voice), 42);
	cr_assert(voice);
	cr_assert_eq(ag_level_rfc6464(&p, 2, NULL), -1);
	cr_assert_eq(ag_rtp_ext_find(&p, 15, &d, &n), -1);
	cr_assert_eq(ag_rtp_ext_find(&p, 0, &d, &n), -1);
	/* another profile, no extension */
	packet(&p, 0x1234, e, sizeof e);
	cr_assert_eq(ag_level_rfc6464(&p, 1, NULL), -1);
	packet(&p, 0xBEDE, NULL, 0);
	cr_assert_eq(ag_level_rfc6464(&p, 1, NULL), -1);
}

Test(level, rtp_extension_lies)
{
	/* id 2 says 16 bytes in a 4-byte extension */
	static const uint8_t over[4] = { 0x2f, 0, 0, 0 };
	/* the reserved id 15 ends the parse before id 1 */
	static const uint8_t stop[4] = { 0xf0, 0x10, 0x05, 0 };
	/* two-byte: id 1 length 9 overruns */
	static const uint8_t over2[4] = { 0x01, 0x09, 0x00, 0x00 };
	struct ag_rtp p;
	const uint8_t *d;
	size_t n;

	packet(&p, 0xBEDE, over, sizeof over);
	cr_assert_eq(ag_rtp_ext_find(&p, 2, &d, &n), -1);
	packet(&p, 0xBEDE, stop, sizeof stop);
	cr_assert_eq(ag_rtp_ext_find(&p, 1, &d, &n), -1);
	packet(&p, 0x1000, over2, sizeof over2);
	cr_assert_eq(ag_rtp_ext_find(&p, 1, &d, &n), -1);
}

Test(level, rtp_two_byte_extension)
{
	/* id 7 empty, padding, id 1 level 40, id 200 three bytes */
	static const uint8_t e[12] = { 7, 0, 0, 1, 1, 40, 200, 3, 9, 9, 9, 0 };
	struct ag_rtp p;
	const uint8_t *d;
	size_t n;

	packet(&p, 0x1005, e, sizeof e);
	cr_assert_eq(ag_rtp_ext_find(&p, 7, &d, &n), 0);
	cr_assert_eq(n, 0);
	cr_assert_eq(ag_level_rfc6464(&p, 7, NULL), -1);
	cr_assert_eq(ag_level_rfc6464(&p, 1, NULL), 40);
	cr_assert_eq(ag_rtp_ext_find(&p, 200, &d, &n), 0);
	cr_assert(d == e + 8 && n == 3);
}

Test(level, sdp_extmap)
{
	const char *u = AG_RTP_EXT_AUDIO_LEVEL;

	cr_assert_eq(ag_sdp_extmap("1 urn:ietf:params:rtp-hdrext:ssrc-audio-level", u), 1);
	cr_assert_eq(ag_sdp_extmap("12/sendonly urn:ietf:params:rtp-hdrext:ssrc-audio-level vad=on",
	    u), 12);
	cr_assert_eq(ag_sdp_extmap("2 urn:ietf:params:rtp-hdrext:ssrc-audio-levelx", u), 0);
	cr_assert_eq(ag_sdp_extmap("3 urn:ietf:params:rtp-hdrext:toffset", u), 0);
	cr_assert_eq(ag_sdp_extmap("0 urn:ietf:params:rtp-hdrext:ssrc-audio-level", u), -1);
	cr_assert_eq(ag_sdp_extmap("256 urn:ietf:params:rtp-hdrext:ssrc-audio-level", u), -1);
	cr_assert_eq(ag_sdp_extmap("x urn:ietf:params:rtp-hdrext:ssrc-audio-level", u), -1);
	cr_assert_eq(ag_sdp_extmap("4", u), -1);
}
