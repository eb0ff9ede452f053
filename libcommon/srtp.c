/*
 * srtp.c - SRTP sessions through libsrtp2, and the SDES key form.
 */
#include <srtp2/srtp.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "srtp.h"

struct ag_srtp {
	srtp_t rx, tx;              /* tx NULL: receive only */
	srtp_t rx_rtcp32;           /* AES_CM_128_HMAC_SHA1_32: SRTCP with the short tag */
};

static const struct {
	const char *name;
	enum ag_srtp_suite suite;
	size_t key_len;
} suites[] = {
	{ "AES_CM_128_HMAC_SHA1_80", AG_SRTP_AES_CM_128_HMAC_SHA1_80, 30 },
	{ "AES_CM_128_HMAC_SHA1_32", AG_SRTP_AES_CM_128_HMAC_SHA1_32, 30 },
	{ "AEAD_AES_128_GCM", AG_SRTP_AEAD_AES_128_GCM, 28 },
};

int
ag_srtp_suite_parse(const char *name, enum ag_srtp_suite *suite)
{
	size_t i;

	for (i = 0; i < sizeof suites / sizeof suites[0]; i++)
		if (strcmp(name, suites[i].name) == 0) {
			*suite = suites[i].suite;
			return 0;
		}
	return -1;
}

const char *
ag_srtp_suite_name(enum ag_srtp_suite suite)
{
	return suites[suite].name;
}

size_t
ag_srtp_key_len(enum ag_srtp_suite suite)
{
	return suites[suite].key_len;
}

int
ag_srtp_key_parse(const char *text, enum ag_srtp_suite suite, uint8_t *key,
    struct ag_error *err)
{
	uint8_t out[AG_SRTP_MAX_KEY + 3];
	size_t want = ag_srtp_key_len(suite), bad = 0;
	long n;

	if (strncmp(text, "inline:", 7) == 0)
		text += 7;
	n = ag_base64_decode(text, strcspn(text, "|"), out, sizeof out, &bad);
	if (n == -1)
		return ag_error_set(err, AG_EX_USAGE, "the key is not base64 (character %zu)",
		    bad + 1);
	if (n < 0)
		return ag_error_set(err, AG_EX_USAGE, "the key is longer than the %zu bytes "
		    "of master key and salt %s takes", want, ag_srtp_suite_name(suite));
	if ((size_t)n != want)
		return ag_error_set(err, AG_EX_USAGE, "the key is %ld bytes; %s takes %zu (master key "
		    "and salt, base64)", n, ag_srtp_suite_name(suite), want);
	memcpy(key, out, (size_t)n);
	return 0;
}

/* One libsrtp session for one direction with key; rtcp32: SRTCP of
 * AES_CM_128_HMAC_SHA1_32 with its 32-bit tag too. */
static srtp_t
session(enum ag_srtp_suite suite, const uint8_t *key, srtp_ssrc_type_t dir, bool rtcp32,
    struct ag_error *err)
{
	srtp_policy_t pol;
	srtp_t s = NULL;
	uint8_t k[AG_SRTP_MAX_KEY];
	srtp_err_status_t st;

	memset(&pol, 0, sizeof pol);
	switch (suite) {
	case AG_SRTP_AES_CM_128_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtcp);
		break;
	case AG_SRTP_AES_CM_128_HMAC_SHA1_32:
		/* SRTCP keeps the 80-bit tag (RFC 4568 6.2.1, RFC 5764 4.1.2);
		 * ffmpeg's srtp output gives it the 32-bit one. */
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&pol.rtp);
		if (rtcp32)
			srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&pol.rtcp);
		else
			srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtcp);
		break;
	case AG_SRTP_AEAD_AES_128_GCM:
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol.rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol.rtcp);
		break;
	}
	memcpy(k, key, ag_srtp_key_len(suite));
	pol.key = k;
	pol.ssrc.type = dir;
	pol.window_size = 1024;     /* reordering on the way is not a replay */
	pol.allow_repeat_tx = 0;
	st = srtp_create(&s, &pol);
	memset(k, 0, sizeof k);
	if (st != srtp_err_status_ok) {
		ag_error_set(err, AG_EX_FAIL, "libsrtp2: cannot create a session (error %d)",
		    (int)st);
		return NULL;
	}
	return s;
}

int
ag_srtp_init(struct ag_error *err)
{
	static bool inited;

	if (!inited) {
		if (srtp_init() != srtp_err_status_ok)
			return ag_error_set(err, AG_EX_FAIL, "libsrtp2: srtp_init failed");
		inited = true;
	}
	return 0;
}

struct ag_srtp *
ag_srtp_new(enum ag_srtp_suite suite, const uint8_t *rx_key, const uint8_t *tx_key,
    struct ag_error *err)
{
	struct ag_srtp *s;

	if (ag_srtp_init(err) < 0)
		return NULL;
	if ((s = calloc(1, sizeof *s)) == NULL) {
		ag_error_set(err, AG_EX_FAIL, "out of memory");
		return NULL;
	}
	if ((s->rx = session(suite, rx_key, ssrc_any_inbound, false, err)) == NULL ||
	    (suite == AG_SRTP_AES_CM_128_HMAC_SHA1_32 &&
	    (s->rx_rtcp32 = session(suite, rx_key, ssrc_any_inbound, true, err)) == NULL) ||
	    (tx_key != NULL &&
	    (s->tx = session(suite, tx_key, ssrc_any_outbound, false, err)) == NULL)) {
		ag_srtp_free(s);
		return NULL;
	}
	return s;
}

int
ag_srtp_unprotect(struct ag_srtp *s, uint8_t *buf, size_t *len, bool rtcp)
{
	int n = (int)*len;
	srtp_err_status_t st;

	if (*len > 65536)
		return -1;
	st = rtcp ? srtp_unprotect_rtcp(s->rx, buf, &n) : srtp_unprotect(s->rx, buf, &n);
	/* A packet that fails is left as it came. */
	if (st != srtp_err_status_ok && rtcp && s->rx_rtcp32 != NULL) {
		n = (int)*len;
		st = srtp_unprotect_rtcp(s->rx_rtcp32, buf, &n);
	}
	if (st != srtp_err_status_ok)
		return -1;
	*len = (size_t)n;
	return 0;
}

int
ag_srtp_protect_rtcp(struct ag_srtp *s, uint8_t *buf, size_t *len)
{
	int n = (int)*len;

	if (s->tx == NULL || *len > 65536 || srtp_protect_rtcp(s->tx, buf, &n) != srtp_err_status_ok)
		return -1;
	*len = (size_t)n;
	return 0;
}

void
ag_srtp_free(struct ag_srtp *s)
{
	if (s == NULL)
		return;
	if (s->rx != NULL)
		srtp_dealloc(s->rx);
	if (s->tx != NULL)
		srtp_dealloc(s->tx);
	if (s->rx_rtcp32 != NULL)
		srtp_dealloc(s->rx_rtcp32);
	free(s);
}
