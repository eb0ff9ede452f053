/*
 * dtls.h - DTLS-SRTP (RFC 5764) as the passive side (a DTLS 1.2
 * server) through OpenSSL, over memory: the caller moves the datagrams
 * (a shared UDP port), this module runs the handshake, checks the
 * peer's certificate against the fingerprint of its offer (RFC 8122)
 * and hands out the SRTP keys (RFC 5705 exporter).
 */
#ifndef AG_DTLS_H
#define AG_DTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "srtp.h"

/* A certificate and its private key, shared by every session. */
struct ag_dtls_cert;

/* A new self-signed ECDSA P-256 certificate (CN "agrec", valid 30 days
 * back and a year on).  NULL with err. */
struct ag_dtls_cert *ag_dtls_cert_generate(struct ag_error *err);
/* A certificate and its private key from one PEM file.  NULL with err
 * (AG_EX_DATAERR when unreadable or the key does not match). */
struct ag_dtls_cert *ag_dtls_cert_load(const char *path, struct ag_error *err);
/* "sha-256 AB:CD:..." (borrowed; lives as long as cert). */
const char *ag_dtls_cert_fingerprint(const struct ag_dtls_cert *cert);
void ag_dtls_cert_free(struct ag_dtls_cert *cert);

enum ag_dtls_state {
	AG_DTLS_HANDSHAKE,      /* going on */
	AG_DTLS_DONE,           /* keys ready (ag_dtls_keys) */
	AG_DTLS_FAILED,         /* a handshake error or a fingerprint mismatch: drop */
	AG_DTLS_CLOSED          /* the peer sent close_notify */
};

/* Where a session's datagrams to the peer go (the caller's socket). */
typedef void ag_dtls_send_fn(void *arg, const uint8_t *buf, size_t len);

struct ag_dtls;

/*
 * A server session for a peer whose offer gave the fingerprint fp_alg
 * ("sha-256", "sha-1", "sha-384", "sha-512"; as ag_sdp writes them) and
 * fp (hex bytes with colons, any case).  Offers SRTP profiles
 * SRTP_AEAD_AES_128_GCM and SRTP_AES128_CM_SHA1_80.  cert is borrowed
 * and outlives the session.  NULL with err.
 */
struct ag_dtls *ag_dtls_new(struct ag_dtls_cert *cert, const char *fp_alg, const char *fp,
    ag_dtls_send_fn *send, void *arg, struct ag_error *err);

/*
 * One datagram from the peer (borrowed).  Runs the handshake, sends what
 * it has to through send, and returns the state.  On AG_DTLS_FAILED,
 * ag_dtls_error() says why (a fingerprint mismatch names both).
 * Application data after the handshake is read and dropped.
 */
enum ag_dtls_state ag_dtls_input(struct ag_dtls *d, const uint8_t *buf, size_t len);

/* ms until ag_dtls_tick must run (a retransmission), or -1. */
int ag_dtls_timeout_ms(struct ag_dtls *d);
/* Retransmit when due; returns the state. */
enum ag_dtls_state ag_dtls_tick(struct ag_dtls *d);

/* Why the session failed (borrowed), "" otherwise. */
const char *ag_dtls_error(const struct ag_dtls *d);

/*
 * Once AG_DTLS_DONE: the negotiated suite and the keys (master key then
 * salt, ag_srtp_key_len(*suite) bytes each): rx_key the client's (what
 * the peer protects with), tx_key the server's (what we protect with).
 * Returns 0, or -1 before the handshake is done.
 */
int ag_dtls_keys(const struct ag_dtls *d, enum ag_srtp_suite *suite, uint8_t *rx_key,
    uint8_t *tx_key);

/* Send close_notify (when the handshake was done) and free. */
void ag_dtls_free(struct ag_dtls *d);

#endif
