/*
 * http.h - agrec-record's WHIP endpoint (http.c, RFC 9725) over
 * libmicrohttpd, run from the recorder's one poll loop (no thread):
 *
 *   POST   /whip/CHANNEL[?uid=N]   an SDP offer -> 201, the answer, Location, ETag
 *   DELETE /whip/CHANNEL/ID        the session ends (its user leaves)
 *   PATCH  /whip/CHANNEL/ID        405 (no trickle ICE, no ICE restart)
 *   OPTIONS                        204 with the CORS headers and Accept-Post
 *
 * --channelKey: every request but OPTIONS needs "Authorization: Bearer
 * KEY" (401 otherwise, with WWW-Authenticate); the key is never logged.
 * Another channel: 404.  Body over 64 KiB: 413.  Not application/sdp:
 * 415.  Other methods: 405 with Allow.
 */
#ifndef RC_HTTP_H
#define RC_HTTP_H

#include <poll.h>

#include "err.h"

struct rc_rec;

#define RC_HTTP_MAX_BODY (64 * 1024)

/* Listen on --whip; nothing when it is not given.  0, or -1 with err. */
int rc_http_open(struct rc_rec *r, struct ag_error *err);
/* Add the endpoint's descriptors to pfd (at most max); returns how many. */
int rc_http_pollfds(struct rc_rec *r, struct pollfd *pfd, int max);
/* Serve what is ready (after poll). */
void rc_http_run(struct rc_rec *r);
/* ms until rc_http_run must run anyway, or -1. */
int rc_http_timeout(struct rc_rec *r);
void rc_http_close(struct rc_rec *r);

#endif
