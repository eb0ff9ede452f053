/*
 * whip.h - agrec-record's WebRTC publishers (whip.c): sessions created
 * by a WHIP offer (http.c), ICE-lite on the channel's UDP port, DTLS-SRTP,
 * SRTCP feedback (receiver reports, REMB, key frame requests), consent
 * and leaving.  A session's media goes into ingest's streams like any
 * plain-RTP sender's, with the session's payload types and uid.
 */
#ifndef RC_WHIP_H
#define RC_WHIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "err.h"

struct rc_rec;
struct rc_ptmap;

/* The certificate (generated or --dtlsCert) and the session table;
 * when --whip is off, nothing.  0, or -1 with err. */
int rc_whip_open(struct rc_rec *r, struct ag_error *err);

/*
 * A WHIP offer (len bytes, borrowed) for uid (0: assign one).  Returns
 * an HTTP status: 201 with *answer (a new string, free()) and id (the
 * session's resource name, letters and digits) filled; otherwise err
 * holds the reason for the response body: 400 a malformed or unusable
 * offer, 406 no codec in common, 409 uid in use, 503 --maxPublishers
 * reached or no memory.
 */
int rc_whip_offer(struct rc_rec *r, uint32_t uid, const char *sdp, size_t len, char **answer,
    char *id, size_t idsize, struct ag_error *err);
/* DELETE of a session: it leaves, as after an RTCP BYE.  200, or 404. */
int rc_whip_delete(struct rc_rec *r, const char *id);
/* Is id a live session (PATCH: 405 rather than 404)? */
bool rc_whip_exists(const struct rc_rec *r, const char *id);

/*
 * A datagram on the media port: STUN and DTLS of a session, or SRTP and
 * SRTCP from a session's address (unprotected in place and handed to
 * ingest).  Returns true when it was a session's (taken), false when it
 * is for the plain-RTP path.
 */
bool rc_whip_input(struct rc_rec *r, uint8_t *buf, size_t len,
    const struct sockaddr_storage *from, socklen_t fromlen, int64_t now);

/* The payload types and uid of a session's streams, for ingest. */
const struct rc_ptmap *rc_whip_ptmap(const struct rc_rec *r, uint32_t wsid, uint8_t pt);

/* Send an RTCP packet (PLI, FIR; at most 512 bytes, borrowed) to
 * session wsid's peer, after receiver reports, through SRTCP: 0, or -1
 * when the session has no keys yet or is gone. */
int rc_whip_send_rtcp(struct rc_rec *r, uint32_t wsid, const uint8_t *buf, size_t len);

/* Timers: DTLS retransmission and its 10 s limit, consent and
 * --leave-timeout, receiver reports and REMB once a second. */
void rc_whip_tick(struct rc_rec *r, int64_t now);
/* ms until rc_whip_tick must run, or -1. */
int rc_whip_timeout(const struct rc_rec *r, int64_t now);
/* Every session ends (its user leaves) and the table is freed. */
void rc_whip_free(struct rc_rec *r);

#endif
