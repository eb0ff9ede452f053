/*
 * test_srtp.c - the SDES key form and the suites (srtp.h): what a=crypto
 * and ffmpeg's -srtp_out_params write is taken, anything else refused
 * with a message that never quotes the key.
 */
#include <criterion/criterion.h>
#include <srtp2/srtp.h>
#include <string.h>

#include "srtp.h"

/* 30 bytes 0x00..0x1d in base64. */
#define KEY30 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd"
/* 28 bytes 0x00..0x1b. */
#define KEY28 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw=="

static void
check_bytes(const uint8_t *key, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		cr_assert_eq(key[i], i, "byte %zu", i);
}

Test(srtp, suites)
{
	enum ag_srtp_suite s;

	cr_assert_eq(ag_srtp_suite_parse("AES_CM_128_HMAC_SHA1_80", &s), 0);
	cr_assert_eq(s, AG_SRTP_AES_CM_128_HMAC_SHA1_80);
	cr_assert_eq(ag_srtp_suite_parse("AES_CM_128_HMAC_SHA1_32", &s), 0);
	cr_assert_eq(s, AG_SRTP_AES_CM_128_HMAC_SHA1_32);
	cr_assert_eq(ag_srtp_suite_parse("AEAD_AES_128_GCM", &s), 0);
	cr_assert_eq(s, AG_SRTP_AEAD_AES_128_GCM);
	cr_assert_eq(ag_srtp_suite_parse("aes_cm_128_hmac_sha1_80", &s), -1);
	cr_assert_eq(ag_srtp_suite_parse("AES_CM_128_HMAC_SHA1_8", &s), -1);
	cr_assert_eq(ag_srtp_suite_parse("", &s), -1);
	cr_assert_str_eq(ag_srtp_suite_name(AG_SRTP_AES_CM_128_HMAC_SHA1_80),
	    "AES_CM_128_HMAC_SHA1_80");
	cr_assert_str_eq(ag_srtp_suite_name(AG_SRTP_AES_CM_128_HMAC_SHA1_32),
	    "AES_CM_128_HMAC_SHA1_32");
	cr_assert_str_eq(ag_srtp_suite_name(AG_SRTP_AEAD_AES_128_GCM), "AEAD_AES_128_GCM");
	cr_assert_eq(ag_srtp_key_len(AG_SRTP_AES_CM_128_HMAC_SHA1_80), 30);
	cr_assert_eq(ag_srtp_key_len(AG_SRTP_AES_CM_128_HMAC_SHA1_32), 30);
	cr_assert_eq(ag_srtp_key_len(AG_SRTP_AEAD_AES_128_GCM), 28);
}

Test(srtp, key_forms)
{
	struct ag_error err = { 0 };
	uint8_t key[AG_SRTP_MAX_KEY];
	const char *ok[] = { KEY30, "inline:" KEY30, "inline:" KEY30 "|2^31|1:1", KEY30 "|2^31" };
	size_t i;

	for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		memset(key, 0xff, sizeof key);
		cr_assert_eq(ag_srtp_key_parse(ok[i], AG_SRTP_AES_CM_128_HMAC_SHA1_80, key, &err), 0,
		    "%s: %s", ok[i], err.msg);
		check_bytes(key, 30);
		cr_assert_eq(key[30], 0xff, "no more than the key is written");
	}
	cr_assert_eq(ag_srtp_key_parse(KEY30, AG_SRTP_AES_CM_128_HMAC_SHA1_32, key, &err), 0);
	check_bytes(key, 30);
	cr_assert_eq(ag_srtp_key_parse("inline:" KEY28, AG_SRTP_AEAD_AES_128_GCM, key, &err), 0,
	    "%s", err.msg);
	check_bytes(key, 28);
}

/* text is refused for suite, the message has want and not the key. */
static void
refused(const char *text, enum ag_srtp_suite suite, const char *want)
{
	struct ag_error err = { 0 };
	uint8_t key[AG_SRTP_MAX_KEY];

	cr_assert_eq(ag_srtp_key_parse(text, suite, key, &err), -1, "%s", text);
	cr_assert_eq(err.code, AG_EX_USAGE);
	cr_assert_not_null(strstr(err.msg, want), "%s", err.msg);
	cr_assert_null(strstr(err.msg, "AAECAwQF"), "the key is quoted: %s", err.msg);
	cr_assert_null(strstr(err.msg, "BAUGBwg"), "the key is quoted: %s", err.msg);
}

Test(srtp, key_refused)
{
	/* 28 bytes for a 30-byte suite, and the other way round. */
	refused(KEY28, AG_SRTP_AES_CM_128_HMAC_SHA1_80, "28 bytes");
	refused(KEY30, AG_SRTP_AEAD_AES_128_GCM, "30 bytes");
	/* Longer than any key. */
	refused(KEY30 KEY30 KEY30, AG_SRTP_AES_CM_128_HMAC_SHA1_80, "longer");
	refused("", AG_SRTP_AES_CM_128_HMAC_SHA1_80, "0 bytes");
	refused("inline:", AG_SRTP_AES_CM_128_HMAC_SHA1_80, "0 bytes");
	/* Not base64: the position, never the character's neighbours. */
	refused("AAECAwQF*gcICQoLDA0ODxAREhMUFRYXGBkaGxwd", AG_SRTP_AES_CM_128_HMAC_SHA1_80,
	    "character 9");
	refused("AAECAwQF-BAUGBwgJCgsMDQ4PEBESExQVFhcYGRob", AG_SRTP_AES_CM_128_HMAC_SHA1_80,
	    "not base64");
	refused(" " KEY30, AG_SRTP_AES_CM_128_HMAC_SHA1_80, "character 1");
}

/* An RTCP receiver report protected by libsrtp with AES_CM_128_HMAC_SHA1_32
 * for RTP and a tag of 80 bits (rtcp80) or 32 for RTCP. */
static size_t
srtcp_32(uint8_t *key, bool rtcp80, uint8_t *pkt, uint32_t ssrc)
{
	srtp_policy_t pol;
	srtp_t s;
	int n = 8;

	memset(&pol, 0, sizeof pol);
	srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&pol.rtp);
	if (rtcp80)
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtcp);
	else
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&pol.rtcp);
	pol.key = key;
	pol.ssrc.type = ssrc_any_outbound;
	pol.window_size = 128;
	cr_assert_eq(srtp_create(&s, &pol), srtp_err_status_ok);
	memset(pkt, 0, 8);
	pkt[0] = 0x80;
	pkt[1] = 201;
	pkt[3] = 1;
	memcpy(pkt + 4, &ssrc, 4);
	cr_assert_eq(srtp_protect_rtcp(s, pkt, &n), srtp_err_status_ok);
	srtp_dealloc(s);
	return (size_t)n;
}

Test(srtp, sha1_32_srtcp_either_tag)
{
	struct ag_error err = { 0 };
	uint8_t key[AG_SRTP_MAX_KEY], pkt[8 + AG_SRTP_MAX_TRAILER];
	struct ag_srtp *s;
	size_t len;

	cr_assert_eq(ag_srtp_key_parse(KEY30, AG_SRTP_AES_CM_128_HMAC_SHA1_32, key, &err), 0);
	s = ag_srtp_new(AG_SRTP_AES_CM_128_HMAC_SHA1_32, key, NULL, &err);
	cr_assert_not_null(s, "%s", err.msg);
	len = srtcp_32(key, true, pkt, 1);
	cr_assert_eq(len, 8 + 4 + 10);
	cr_assert_eq(ag_srtp_unprotect(s, pkt, &len, true), 0, "RFC 5764's 80-bit tag");
	cr_assert_eq(len, 8);
	len = srtcp_32(key, false, pkt, 2);
	cr_assert_eq(len, 8 + 4 + 4);
	cr_assert_eq(ag_srtp_unprotect(s, pkt, &len, true), 0, "ffmpeg's 32-bit tag");
	cr_assert_eq(len, 8);
	cr_assert_eq(pkt[1], 201);
	len = srtcp_32(key, false, pkt, 3);
	pkt[len - 1] ^= 1;
	cr_assert_eq(ag_srtp_unprotect(s, pkt, &len, true), -1, "a bad tag either way");
	cr_assert_eq(ag_srtp_protect_rtcp(s, pkt, &len), -1, "receive only");
	ag_srtp_free(s);
}
