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
/* Read every datagram waiting on socket i. */
void rc_ingest_read(struct rc_rec *r, int i);
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

#endif
