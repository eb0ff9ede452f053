/*
 * whip.c - TEMPORARY STUB (drop when merging: the lead writes the real
 * whip.c).  Only what http.c and the loop call, so the endpoint can be
 * built and tried: an offer with "m=" gets 201, a fixed answer and id
 * "s1"; uid 7 gets 409; anything else 400.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/rec.h"
#include "record/whip.h"

static bool stub_live;

int
rc_whip_open(struct rc_rec *r, struct ag_error *err)
{
	(void)r;
	(void)err;
	return 0;
}

int
rc_whip_offer(struct rc_rec *r, uint32_t uid, const char *sdp, size_t len, char **answer,
    char *id, size_t idsize, struct ag_error *err)
{
	static const char a[] = "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";
	size_t i;
	bool m = false;

	(void)r;
	for (i = 0; i + 1 < len; i++)
		if (sdp[i] == 'm' && sdp[i + 1] == '=')
			m = true;
	if (!m) {
		ag_error_set(err, 400, "the offer has no media (stub)");
		return 400;
	}
	if (uid == 7) {
		ag_error_set(err, 409, "uid 7 is in use (stub)");
		return 409;
	}
	if ((*answer = strdup(a)) == NULL) {
		ag_error_set(err, 503, "no memory");
		return 503;
	}
	snprintf(id, idsize, "s1");
	stub_live = true;
	return 201;
}

int
rc_whip_delete(struct rc_rec *r, const char *id)
{
	(void)r;
	if (!stub_live || strcmp(id, "s1") != 0)
		return 404;
	stub_live = false;
	return 200;
}

bool
rc_whip_exists(const struct rc_rec *r, const char *id)
{
	(void)r;
	return stub_live && strcmp(id, "s1") == 0;
}

bool
rc_whip_input(struct rc_rec *r, uint8_t *buf, size_t len,
    const struct sockaddr_storage *from, socklen_t fromlen, int64_t now)
{
	(void)r; (void)buf; (void)len; (void)from; (void)fromlen; (void)now;
	return false;
}

const struct rc_ptmap *
rc_whip_ptmap(const struct rc_rec *r, int session, uint8_t pt)
{
	(void)r; (void)session; (void)pt;
	return NULL;
}

int
rc_whip_send_rtcp(struct rc_rec *r, int session, const uint8_t *buf, size_t len)
{
	(void)r; (void)session; (void)buf; (void)len;
	return -1;
}

void
rc_whip_tick(struct rc_rec *r, int64_t now)
{
	(void)r; (void)now;
}

int
rc_whip_timeout(const struct rc_rec *r, int64_t now)
{
	(void)r; (void)now;
	return -1;
}

void
rc_whip_free(struct rc_rec *r)
{
	(void)r;
	stub_live = false;
}
