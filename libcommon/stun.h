/*
 * stun.h - what an ICE-lite endpoint needs of STUN (RFC 8489) and of
 * RFC 7983's first-byte demultiplexing of one UDP port shared by STUN,
 * DTLS and RTP/RTCP.
 *
 * ICE short-term credentials (RFC 8445 7.2.2): a check to us carries
 * USERNAME "OUR_UFRAG:THEIR_UFRAG" and is signed with our ice-pwd; our
 * answer is signed with the same key.  MESSAGE-INTEGRITY is HMAC-SHA1
 * (OpenSSL); FINGERPRINT is CRC-32 xor 0x5354554e.
 */
#ifndef AG_STUN_H
#define AG_STUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "err.h"

/* RFC 7983 (RFC 9443): what a datagram is, by its first byte. */
enum ag_pkt_kind {
	AG_PKT_STUN,            /* 0..3 */
	AG_PKT_DTLS,            /* 20..63 */
	AG_PKT_RTP,             /* 128..191: RTP or RTCP */
	AG_PKT_OTHER            /* anything else (ZRTP, TURN channels, garbage; empty) */
};
enum ag_pkt_kind ag_pkt_classify(const uint8_t *buf, size_t len);

#define AG_STUN_BINDING_REQUEST    0x0001
#define AG_STUN_BINDING_INDICATION 0x0011
#define AG_STUN_BINDING_SUCCESS    0x0101
#define AG_STUN_BINDING_ERROR      0x0111

#define AG_STUN_HEADER 20
#define AG_STUN_MAX_UNKNOWN 8

/* A parsed STUN message; pointers point into the caller's buffer. */
struct ag_stun {
	uint16_t type;              /* method and class, e.g. AG_STUN_BINDING_REQUEST */
	uint8_t tid[12];            /* transaction id */
	const uint8_t *username;    /* USERNAME, not terminated; NULL: none */
	size_t username_len;
	bool has_integrity;         /* MESSAGE-INTEGRITY present */
	size_t integrity_off;       /* offset of its attribute header in the message */
	bool has_fingerprint;       /* FINGERPRINT present and correct */
	bool use_candidate;         /* USE-CANDIDATE (the controlling agent nominates) */
	bool ice_controlling, ice_controlled;
	uint32_t priority;          /* PRIORITY, 0: none */
	uint64_t tiebreaker;        /* of ICE-CONTROLLING/-CONTROLLED */
	/* Comprehension-required attributes (type < 0x8000) not understood. */
	uint16_t unknown[AG_STUN_MAX_UNKNOWN];
	int nunknown;
};

/*
 * Parse a STUN message (len bytes, borrowed; m points into it).  Checks
 * the header (magic cookie, length, zero top bits), every attribute's
 * bounds, and the FINGERPRINT when there is one (a wrong one is an
 * error).  Attributes after MESSAGE-INTEGRITY other than FINGERPRINT are
 * ignored, as RFC 8489 14.5 says.  Returns 0, or -1 with err.
 */
int ag_stun_parse(const uint8_t *buf, size_t len, struct ag_stun *m, struct ag_error *err);

/* Is m's MESSAGE-INTEGRITY (buf: the message m was parsed from) right
 * for the short-term key (our ice-pwd)?  false when there is none. */
bool ag_stun_integrity_ok(const uint8_t *buf, size_t len, const struct ag_stun *m,
    const void *key, size_t keylen);

/*
 * A Binding success response to the request whose transaction id is
 * tid: XOR-MAPPED-ADDRESS of mapped (IPv4 or IPv6; a v4-mapped IPv6
 * address is written as IPv4), MESSAGE-INTEGRITY with key, FINGERPRINT.
 * Writes at most cap bytes to out; returns the length, 0 if cap is too
 * small or the address family is neither.  (key NULL: no
 * MESSAGE-INTEGRITY.)
 */
size_t ag_stun_binding_success(uint8_t *out, size_t cap, const uint8_t tid[12],
    const struct sockaddr *mapped, const void *key, size_t keylen);

/*
 * A Binding error response (ERROR-CODE code, e.g. 400, 401, 420 with
 * UNKNOWN-ATTRIBUTES from unknown/nunknown, 487), signed with key when
 * key is not NULL, with FINGERPRINT.  reason NULL: the RFC's phrase for
 * code.  Returns the length, or 0 (cap too small, code not 300..699,
 * nunknown not 0..AG_STUN_MAX_UNKNOWN, reason over 763 bytes).
 */
size_t ag_stun_binding_error(uint8_t *out, size_t cap, const uint8_t tid[12], int code,
    const char *reason, const uint16_t *unknown, int nunknown, const void *key, size_t keylen);

/* CRC-32 (ISO 3309, as zlib's crc32) of len bytes, continuing crc (0 to start). */
uint32_t ag_crc32(uint32_t crc, const void *buf, size_t len);

#endif
