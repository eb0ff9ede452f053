/*
 * srtp.h - SRTP and SRTCP (RFC 3711, RFC 7714) through libsrtp2: the
 * SDES key form (RFC 4568 a=crypto, as SFUs and ffmpeg take it) and
 * sessions keyed either from it or from DTLS-SRTP (dtls.h).
 */
#ifndef AG_SRTP_H
#define AG_SRTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum ag_srtp_suite {
	AG_SRTP_AES_CM_128_HMAC_SHA1_80,
	AG_SRTP_AES_CM_128_HMAC_SHA1_32,
	AG_SRTP_AEAD_AES_128_GCM
};

#define AG_SRTP_MAX_KEY 46      /* master key and salt, the longest suite's */
#define AG_SRTP_MAX_TRAILER 144 /* what protecting may add (SRTP_MAX_TRAILER_LEN) */

/* A suite by its SDES name ("AES_CM_128_HMAC_SHA1_80", ...; exact).
 * Returns 0, or -1 for any other name. */
int ag_srtp_suite_parse(const char *name, enum ag_srtp_suite *suite);
const char *ag_srtp_suite_name(enum ag_srtp_suite suite);
/* Bytes of master key plus salt: 30, 30, 28. */
size_t ag_srtp_key_len(enum ag_srtp_suite suite);

/*
 * An SDES key: base64 of the master key and salt, as a=crypto's
 * "inline:" writes it (the "inline:" prefix and a "|lifetime|MKI" tail
 * are accepted and the tail ignored).  Writes ag_srtp_key_len(suite)
 * bytes to key.  Returns 0, or -1 with err (AG_EX_USAGE) saying what is
 * wrong, never quoting the key.
 */
int ag_srtp_key_parse(const char *text, enum ag_srtp_suite suite, uint8_t *key,
    struct ag_error *err);

struct ag_srtp;

/*
 * Initialise libsrtp2 once (ag_srtp_new does it when needed).  Its
 * self-tests take a while (~0.2 s): a program that will need SRTP calls
 * this at start, not when the first media arrives.  0, or -1 with err.
 */
int ag_srtp_init(struct ag_error *err);

/*
 * A session: packets from the peer are unprotected with rx_key (any
 * SSRC), packets to it protected with tx_key (any SSRC; NULL: the
 * session only receives).  Keys are ag_srtp_key_len(suite) bytes,
 * copied.  Returns NULL with err.
 */
struct ag_srtp *ag_srtp_new(enum ag_srtp_suite suite, const uint8_t *rx_key,
    const uint8_t *tx_key, struct ag_error *err);

/* Unprotect an SRTP (rtcp false) or SRTCP (true) packet in place; *len
 * in and out.  Returns 0, or -1 when it fails authentication, is a
 * replay or is malformed.  AES_CM_128_HMAC_SHA1_32's SRTCP is taken
 * with the 80-bit tag (RFC 4568, RFC 5764) or the 32-bit one (ffmpeg). */
int ag_srtp_unprotect(struct ag_srtp *s, uint8_t *buf, size_t *len, bool rtcp);

/* Protect an RTCP packet in place (buf has room for *len +
 * AG_SRTP_MAX_TRAILER bytes).  Returns 0, or -1. */
int ag_srtp_protect_rtcp(struct ag_srtp *s, uint8_t *buf, size_t *len);

void ag_srtp_free(struct ag_srtp *s);

#endif
