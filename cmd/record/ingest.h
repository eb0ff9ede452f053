/*
 * ingest.h - agrec-record's ingest (ingest.c): the channel's UDP
 * sockets, RTP and RTCP, one stream per SSRC (its jitter buffer,
 * depacketizer and clock), the uid of each, and key frame requests.
 */
#ifndef RC_INGEST_H
#define RC_INGEST_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "err.h"

struct rc_rec;

/* A stream (ingest.c's own). */
struct rc_ssrc;

#define RC_MAX_LATCHES 16

/* A datagram that came to the RTCP port without being RTCP of a known
 * stream: a forwarder (Janus) telling where its feedback socket is. */
struct rc_latch {
	struct sockaddr_storage from;
	socklen_t fromlen;
	int64_t ms;                 /* the last one from there */
};

int rc_ingest_open(struct rc_rec *r, struct ag_error *err);
/* Read up to one batch of the datagrams waiting on socket i; true when
 * the batch was full (more may be waiting). */
bool rc_ingest_read(struct rc_rec *r, int i);
/* Release what the jitter buffers hold that is due; run timers; send
 * the key frame requests that streams and users want (want_keyframe). */
void rc_ingest_tick(struct rc_rec *r, int64_t now);
/* ms until the next jitter deadline, or -1. */
int rc_ingest_timeout(struct rc_rec *r, int64_t now);
/*
 * At the end: log an error (and the no-video note of agrec-folder(5))
 * for every user whose video packets gave no video.  Returns how many.
 */
int rc_ingest_novideo(struct rc_rec *r);
/* true when some stream sent a packet in the last --leave-timeout. */
bool rc_ingest_active(const struct rc_rec *r, int64_t now);
void rc_ingest_free(struct rc_rec *r);

/* ---- for WHIP sessions (whip.c) ---- */

/* Is `from` the address `known` (family, address and port)? */
bool rc_same_addr(const struct sockaddr_storage *known, socklen_t knownlen,
    const struct sockaddr_storage *from, socklen_t fromlen);

/* An RTP or RTCP packet (unprotected) of WHIP session wsid, whose
 * streams are user uid's with the session's payload types. */
void rc_ingest_packet(struct rc_rec *r, const uint8_t *buf, size_t len,
    const struct sockaddr_storage *from, socklen_t fromlen, int64_t now, uint32_t wsid,
    uint32_t uid);
/* The session ended (DELETE, timeout): its streams said BYE. */
void rc_ingest_session_bye(struct rc_rec *r, uint32_t wsid, int64_t now);
/* Does a plain-RTP sender with this uid send now? */
bool rc_ingest_uid_busy(const struct rc_rec *r, uint32_t uid, int64_t now);
/*
 * Receiver reports (one RR packet each) for the streams of session wsid
 * into buf (at most size bytes), their SSRCs into ssrcs (at most max,
 * *nssrcs of them).  Returns the bytes written.
 */
size_t rc_ingest_reports(struct rc_rec *r, uint32_t wsid, uint8_t *buf, size_t size,
    uint32_t *ssrcs, int *nssrcs, int max, int64_t now);

#endif
