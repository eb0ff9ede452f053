/*
 * whip.c - WebRTC publishers: one session per WHIP offer (http.c).
 *
 * A session answers the offer (sdp.c) with our ICE credentials, our
 * certificate's fingerprint and host candidates on the recorder's one
 * UDP port.  On that port (RFC 7983), the publisher's STUN checks are
 * answered (ICE-lite: we never check; stun.c) and bind the session to
 * the address they come from; its DTLS handshake (dtls.c) gives the
 * SRTP keys (srtp.c); its SRTP and SRTCP, unprotected, go to ingest as
 * a plain sender's packets would, with the session's payload types and
 * uid.  Back to it go, through SRTCP, receiver reports and REMB once a
 * second and the key frame requests of ingest.
 *
 * A session ends on DELETE, on a DTLS close_notify, when its handshake
 * fails or does not finish in time, and when neither consent (STUN) nor
 * media came for --leave-timeout; its streams then say BYE (ingest.c)
 * and the user leaves as after an RTCP BYE.  An ended session keeps its
 * address for a while, so that what the publisher still sends is
 * dropped rather than taken for a plain-RTP sender.
 */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "buf.h"
#include "dtls.h"
#include "names.h"
#include "rtp.h"
#include "sdp.h"
#include "srtp.h"
#include "stun.h"
#include "record/files.h"
#include "record/ingest.h"
#include "record/rec.h"
#include "record/session.h"
#include "record/whip.h"

#define MAX_ADDRS 8
#define CONNECT_MS 30000        /* from the answer to a finished handshake */
#define HANDSHAKE_MS 10000      /* from the first DTLS datagram */
#define TOMBSTONE_MS 10000      /* an ended session's address is kept this long */
#define REPORT_MS 1000          /* receiver reports and REMB */
#define MAX_SESSIONS_KEPT 4096  /* live and ended, whatever --maxPublishers says */

enum ws_state { WS_ICE, WS_DTLS, WS_MEDIA, WS_ENDED };

/* A WHIP session. */
struct ws {
	bool used;
	enum ws_state state;
	uint32_t wsid;              /* a serial, never reused */
	char id[33];                /* the resource name: 32 hex digits */
	uint32_t uid;
	char ufrag[9], pwd[33];     /* ours */
	uint8_t pt[AG_SDP_MAX_MEDIA];   /* the payload types taken, one per taken section */
	struct rc_ptmap pm[AG_SDP_MAX_MEDIA];
	int npt;
	bool bound;                 /* the address that passed an ICE check */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	struct ag_dtls *dtls;
	struct ag_srtp *srtp;
	int64_t created_ms, dtls_ms, ready_ms, heard_ms, report_ms, ended_ms;
	bool first_media;
	uint64_t auth_failed;       /* SRTP/SRTCP that failed authentication */
	struct rc_rec *r;           /* for the DTLS send callback */
};

struct rc_whip {
	struct ag_dtls_cert *cert;
	struct ws *s;
	size_t n, cap;
	uint32_t next_wsid;
	char addrs[MAX_ADDRS][64];  /* candidate addresses, best first */
	int naddrs;
	uint64_t unknown_user, bad_integrity, stray_dtls, stray_srtp;
};

static void
random_text(char *out, size_t n, const char *alphabet)
{
	uint8_t b[64];
	size_t i, k = strlen(alphabet);

	if (getrandom(b, n, 0) != (ssize_t)n)
		for (i = 0; i < n; i++)
			b[i] = (uint8_t)rand();
	for (i = 0; i < n; i++)
		out[i] = alphabet[b[i] % k];
	out[n] = '\0';
}

static const char alnum[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/* Add a numeric address to the candidates, once. */
static void
add_addr(struct rc_whip *w, const char *a)
{
	int i;

	for (i = 0; i < w->naddrs; i++)
		if (strcmp(w->addrs[i], a) == 0)
			return;
	if (w->naddrs < MAX_ADDRS)
		snprintf(w->addrs[w->naddrs++], sizeof w->addrs[0], "%s", a);
}

/* The interfaces' addresses of a family, loopback last. */
static void
interface_addrs(struct rc_whip *w, int family)
{
	struct ifaddrs *ifa, *p;
	char host[64];
	int pass;

	if (getifaddrs(&ifa) < 0)
		return;
	for (pass = 0; pass < 2; pass++)
		for (p = ifa; p != NULL; p = p->ifa_next) {
			bool lo = (p->ifa_flags & IFF_LOOPBACK) != 0;
			if (p->ifa_addr == NULL || p->ifa_addr->sa_family != family ||
			    !(p->ifa_flags & IFF_UP) || lo != (pass == 1))
				continue;
			if (family == AF_INET6 &&
			    IN6_IS_ADDR_LINKLOCAL(&((struct sockaddr_in6 *)p->ifa_addr)->sin6_addr))
				continue;
			if (getnameinfo(p->ifa_addr, family == AF_INET ? sizeof(struct sockaddr_in) :
			    sizeof(struct sockaddr_in6), host, sizeof host, NULL, 0, NI_NUMERICHOST) == 0)
				add_addr(w, host);
		}
	freeifaddrs(ifa);
}

/* Candidates: --publicAddress, then --listen's address, or every
 * interface's when it listens on all. */
static void
candidates(struct rc_whip *w, const struct rc_opts *o)
{
	struct addrinfo hints, *res = NULL, *p;
	char host[64];
	int i;

	for (i = 0; i < o->npublic; i++)
		add_addr(w, o->public_addr[i]);
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_PASSIVE;
	if (getaddrinfo(o->listen_host, NULL, &hints, &res) != 0)
		return;
	for (p = res; p != NULL; p = p->ai_next) {
		if (p->ai_family == AF_INET &&
		    ((struct sockaddr_in *)p->ai_addr)->sin_addr.s_addr == htonl(INADDR_ANY))
			interface_addrs(w, AF_INET);
		else if (p->ai_family == AF_INET6 &&
		    IN6_IS_ADDR_UNSPECIFIED(&((struct sockaddr_in6 *)p->ai_addr)->sin6_addr)) {
			interface_addrs(w, AF_INET);
			interface_addrs(w, AF_INET6);
		} else if (getnameinfo(p->ai_addr, p->ai_addrlen, host, sizeof host, NULL, 0,
		    NI_NUMERICHOST) == 0)
			add_addr(w, host);
	}
	freeaddrinfo(res);
}

int
rc_whip_open(struct rc_rec *r, struct ag_error *err)
{
	struct rc_whip *w;
	int i;

	if (r->opts->whip_port == 0)
		return 0;
	if ((w = calloc(1, sizeof *w)) == NULL)
		return ag_error_set(err, AG_EX_FAIL, "out of memory");
	w->cert = r->opts->dtls_cert[0] ? ag_dtls_cert_load(r->opts->dtls_cert, err) :
	    ag_dtls_cert_generate(err);
	if (w->cert == NULL || ag_srtp_init(err) < 0) {
		ag_dtls_cert_free(w->cert);
		free(w);
		return -1;
	}
	candidates(w, r->opts);
	if (w->naddrs == 0) {
		ag_dtls_cert_free(w->cert);
		free(w);
		return ag_error_set(err, AG_EX_USAGE, "--whip: no address to offer for --listen %s "
		    "(give --publicAddress)", r->opts->listen_host);
	}
	w->next_wsid = 1;
	r->whip = w;
	for (i = 0; i < w->naddrs; i++)
		rc_log(&r->folder, 5, "WHIP candidate %s port %d", w->addrs[i], r->opts->listen_port);
	rc_log(&r->folder, 5, "DTLS certificate %s", ag_dtls_cert_fingerprint(w->cert));
	return 0;
}

static struct ws *
by_wsid(const struct rc_whip *w, uint32_t wsid)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		if (w->s[i].used && w->s[i].wsid == wsid)
			return &w->s[i];
	return NULL;
}

static struct ws *
by_id(const struct rc_whip *w, const char *id)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		if (w->s[i].used && w->s[i].state != WS_ENDED && strcmp(w->s[i].id, id) == 0)
			return &w->s[i];
	return NULL;
}

/* The session bound to an address (a live one before an ended one). */
static struct ws *
by_addr(const struct rc_whip *w, const struct sockaddr_storage *from, socklen_t fromlen)
{
	struct ws *ended = NULL;
	size_t i;

	for (i = 0; i < w->n; i++) {
		struct ws *s = &w->s[i];
		if (!s->used || !s->bound || !rc_same_addr(&s->addr, s->addrlen, from, fromlen))
			continue;
		if (s->state != WS_ENDED)
			return s;
		ended = s;
	}
	return ended;
}

static size_t
live_sessions(const struct rc_whip *w)
{
	size_t i, n = 0;

	for (i = 0; i < w->n; i++)
		if (w->s[i].used && w->s[i].state != WS_ENDED)
			n++;
	return n;
}

static bool
uid_taken(const struct rc_rec *r, uint32_t uid, int64_t now)
{
	size_t i;

	for (i = 0; i < r->whip->n; i++)
		if (r->whip->s[i].used && r->whip->s[i].state != WS_ENDED && r->whip->s[i].uid == uid)
			return true;
	return rc_ingest_uid_busy(r, uid, now);
}

/* A uid for a publisher that asked for none: random, free, 1..2^31-1. */
static uint32_t
assign_uid(const struct rc_rec *r, int64_t now)
{
	uint32_t uid = 0;
	int tries;

	for (tries = 0; tries < 100; tries++) {
		if (getrandom(&uid, sizeof uid, 0) != (ssize_t)sizeof uid)
			uid = (uint32_t)rand();
		uid &= 0x7fffffff;
		if (uid != 0 && !uid_taken(r, uid, now))
			return uid;
	}
	return 0;
}

/* The payload types of what was taken from the offer. */
static void
session_pts(struct ws *s, const struct ag_sdp *offer, const struct ag_sdp_pick *p)
{
	int m;

	for (m = 0; m < offer->nmedia; m++) {
		const struct ag_sdp_codec *c;
		struct rc_ptmap *pm;
		if (p->codec[m] < 0)
			continue;
		c = &offer->media[m].codecs[p->codec[m]];
		s->pt[s->npt] = (uint8_t)(c->pt & 127);
		pm = &s->pm[s->npt++];
		memset(pm, 0, sizeof *pm);
		pm->set = true;
		if (strcasecmp(c->name, "opus") == 0) {
			pm->codec = AG_CODEC_OPUS;
			pm->rate = 48000;
			pm->channels = 2;
			pm->level_ext = offer->media[m].level_ext;
		} else {
			pm->codec = strcasecmp(c->name, "H264") == 0 ? AG_CODEC_H264 : AG_CODEC_VP8;
			pm->rate = 90000;
			pm->channels = 0;
			pm->fb_pli = true;
			pm->fb_fir = c->fir;
		}
	}
}

/* The DTLS session's way out: to the bound address from the media port. */
static void
dtls_send(void *arg, const uint8_t *buf, size_t len)
{
	struct ws *s = arg;

	if (s->bound)
		sendto(s->r->socks[0], buf, len, 0, (const struct sockaddr *)&s->addr, s->addrlen);
}

/* A free slot; NULL when the table is full of live sessions. */
static struct ws *
new_slot(struct rc_whip *w)
{
	struct ws *s;
	size_t i;

	for (i = 0; i < w->n; i++)
		if (!w->s[i].used)
			return &w->s[i];
	if (w->n == MAX_SESSIONS_KEPT)
		return NULL;
	if ((s = ag_grow(w->s, &w->cap, w->n + 1, sizeof *s)) == NULL)
		return NULL;
	w->s = s;
	memset(&w->s[w->n], 0, sizeof w->s[0]);
	return &w->s[w->n++];
}

/* Answer the offer for session s; 201, or a status with err. */
static int
answer(struct rc_rec *r, struct ws *s, const char *sdp, size_t len, char **out,
    struct ag_error *err)
{
	const char *addrs[MAX_ADDRS];
	struct ag_sdp *offer;
	struct ag_sdp_pick pick;
	struct ag_sdp_local local;
	int i, status = 400, m;
	uint64_t sid;

	if ((offer = ag_sdp_parse(sdp, len, err)) == NULL)
		return 400;
	if (ag_sdp_pick(offer, &pick, &status, err) < 0) {
		free(offer);
		return status;
	}
	session_pts(s, offer, &pick);
	m = pick.audio >= 0 ? pick.audio : pick.video;
	if ((s->dtls = ag_dtls_new(r->whip->cert, offer->media[m].fp_alg, offer->media[m].fp,
	    dtls_send, s, err)) == NULL) {
		free(offer);
		return 400;
	}
	for (i = 0; i < r->whip->naddrs; i++)
		addrs[i] = r->whip->addrs[i];
	if (getrandom(&sid, sizeof sid, 0) != (ssize_t)sizeof sid)
		sid = (uint64_t)rand();
	local = (struct ag_sdp_local){ s->ufrag, s->pwd, ag_dtls_cert_fingerprint(r->whip->cert),
		addrs, r->whip->naddrs, r->opts->listen_port, r->opts->max_kbps,
		sid & 0x7fffffffffffffffull };
	*out = ag_sdp_answer(offer, &pick, &local, err);
	free(offer);
	if (*out == NULL) {
		ag_dtls_free(s->dtls);
		s->dtls = NULL;
		return 400;
	}
	return 201;
}

int
rc_whip_offer(struct rc_rec *r, uint32_t uid, const char *sdp, size_t len, char **out,
    char *id, size_t idsize, struct ag_error *err)
{
	struct rc_whip *w = r->whip;
	int64_t now = rc_now_ms(&r->folder);
	struct ws *s;
	int status;

	*out = NULL;
	if (w == NULL) {
		ag_error_set(err, AG_EX_USAGE, "no WHIP endpoint");
		return 404;
	}
	if (live_sessions(w) >= (size_t)r->opts->max_publishers) {
		ag_error_set(err, AG_EX_TEMPFAIL, "the channel has its %d publishers (--maxPublishers)",
		    r->opts->max_publishers);
		return 503;
	}
	if (uid != 0 && uid_taken(r, uid, now)) {
		ag_error_set(err, AG_EX_USAGE, "uid %lu is in the channel already", (unsigned long)uid);
		return 409;
	}
	if ((uid == 0 && (uid = assign_uid(r, now)) == 0) || (s = new_slot(w)) == NULL) {
		ag_error_set(err, AG_EX_TEMPFAIL, "no room for another session");
		return 503;
	}
	memset(s, 0, sizeof *s);
	s->r = r;
	s->uid = uid;
	random_text(s->ufrag, 8, alnum);
	random_text(s->pwd, 32, alnum);
	random_text(s->id, 32, "0123456789abcdef");
	if ((status = answer(r, s, sdp, len, out, err)) != 201) {
		memset(s, 0, sizeof *s);
		return status;
	}
	s->used = true;
	s->state = WS_ICE;
	s->wsid = w->next_wsid++;
	s->created_ms = s->heard_ms = now;
	snprintf(id, idsize, "%s", s->id);
	rc_log(&r->folder, 4, "WHIP: uid %lu: session %s answered; waiting for ICE",
	    (unsigned long)uid, s->id);
	return 201;
}

/* End a session: its streams say BYE, its keys stay to drop what still
 * comes from its address. */
static void
end_session(struct rc_rec *r, struct ws *s, int64_t now, const char *why)
{
	if (s->state == WS_ENDED)
		return;
	rc_log(&r->folder, 4, "WHIP: uid %lu: session %s ends (%s)", (unsigned long)s->uid, s->id,
	    why);
	if (s->auth_failed > 0)
		rc_log(&r->folder, 4, "WHIP: uid %lu: %llu packets failed SRTP authentication",
		    (unsigned long)s->uid, (unsigned long long)s->auth_failed);
	s->state = WS_ENDED;
	s->ended_ms = now;
	rc_ingest_session_bye(r, s->wsid, now);
	ag_dtls_free(s->dtls);
	s->dtls = NULL;
}

int
rc_whip_delete(struct rc_rec *r, const char *id)
{
	struct ws *s;

	if (r->whip == NULL || (s = by_id(r->whip, id)) == NULL)
		return 404;
	end_session(r, s, rc_now_ms(&r->folder), "DELETE");
	return 200;
}

bool
rc_whip_exists(const struct rc_rec *r, const char *id)
{
	return r->whip != NULL && by_id(r->whip, id) != NULL;
}

const struct rc_ptmap *
rc_whip_ptmap(const struct rc_rec *r, uint32_t wsid, uint8_t pt)
{
	const struct ws *s = r->whip != NULL ? by_wsid(r->whip, wsid) : NULL;
	int i;

	for (i = 0; s != NULL && s->state != WS_ENDED && i < s->npt; i++)
		if (s->pt[i] == pt)
			return &s->pm[i];
	return NULL;
}

/* Send an RTCP compound through s's SRTCP. */
static int
send_srtcp(struct rc_rec *r, struct ws *s, const uint8_t *pkt, size_t len)
{
	uint8_t buf[1500 + AG_SRTP_MAX_TRAILER];

	if (s->srtp == NULL || !s->bound || s->state == WS_ENDED || len > 1500)
		return -1;
	memcpy(buf, pkt, len);
	if (ag_srtp_protect_rtcp(s->srtp, buf, &len) < 0)
		return -1;
	return sendto(r->socks[0], buf, len, 0, (const struct sockaddr *)&s->addr, s->addrlen) < 0 ?
	    -1 : 0;
}

int
rc_whip_send_rtcp(struct rc_rec *r, uint32_t wsid, const uint8_t *pkt, size_t len)
{
	struct ws *s = r->whip != NULL ? by_wsid(r->whip, wsid) : NULL;
	uint8_t buf[1500];
	uint32_t ssrcs[16];
	int n;
	size_t rr;

	if (s == NULL || len > 512)
		return -1;
	/* A compound begins with a report (RFC 3550 6.1). */
	rr = rc_ingest_reports(r, wsid, buf, sizeof buf - 512, ssrcs, &n, 16,
	    rc_now_ms(&r->folder));
	memcpy(buf + rr, pkt, len);
	return send_srtcp(r, s, buf, rr + len);
}

/* A STUN datagram: a Binding request of a session is answered. */
static void
on_stun(struct rc_rec *r, const uint8_t *buf, size_t len, const struct sockaddr_storage *from,
    socklen_t fromlen, int64_t now)
{
	struct rc_whip *w = r->whip;
	struct ag_stun m;
	struct ag_error e = { 0 };
	struct ws *s = NULL;
	uint8_t out[256];
	size_t i, ulen, n;

	if (ag_stun_parse(buf, len, &m, &e) < 0 || m.type != AG_STUN_BINDING_REQUEST ||
	    m.username == NULL)
		return;
	/* USERNAME is "OURS:THEIRS". */
	for (ulen = 0; ulen < m.username_len && m.username[ulen] != ':'; ulen++)
		;
	for (i = 0; i < w->n && s == NULL; i++)
		if (w->s[i].used && w->s[i].state != WS_ENDED && strlen(w->s[i].ufrag) == ulen &&
		    memcmp(w->s[i].ufrag, m.username, ulen) == 0)
			s = &w->s[i];
	if (s == NULL) {
		if (w->unknown_user++ == 0)
			rc_log(&r->folder, 4, "WHIP: a STUN check for an unknown ICE username (counted "
			    "and ignored from now on)");
		return;
	}
	if (!ag_stun_integrity_ok(buf, len, &m, s->pwd, strlen(s->pwd))) {
		if (w->bad_integrity++ == 0)
			rc_log(&r->folder, 3, "WHIP: uid %lu: a STUN check with a bad MESSAGE-INTEGRITY "
			    "(counted and ignored from now on)", (unsigned long)s->uid);
		return;
	}
	if (m.nunknown > 0) {
		n = ag_stun_binding_error(out, sizeof out, m.tid, 420, "Unknown Attribute",
		    m.unknown, m.nunknown, s->pwd, strlen(s->pwd));
		if (n > 0)
			sendto(r->socks[0], out, n, 0, (const struct sockaddr *)from, fromlen);
		return;
	}
	/* Bound to the first address that passes a check; a nomination
	 * (USE-CANDIDATE) from another one moves it there. */
	if (!s->bound || (m.use_candidate && !rc_same_addr(&s->addr, s->addrlen, from, fromlen))) {
		char a[80], port[8];
		if (getnameinfo((const struct sockaddr *)from, fromlen, a, sizeof a - 8, port,
		    sizeof port, NI_NUMERICHOST | NI_NUMERICSERV) == 0)
			rc_log(&r->folder, 5, "WHIP: uid %lu: ICE %s %s port %s", (unsigned long)s->uid,
			    s->bound ? "moves to" : "connected from", a, port);
		memcpy(&s->addr, from, fromlen);
		s->addrlen = fromlen;
		s->bound = true;
	}
	s->heard_ms = now;
	n = ag_stun_binding_success(out, sizeof out, m.tid, (const struct sockaddr *)from, s->pwd,
	    strlen(s->pwd));
	if (n > 0)
		sendto(r->socks[0], out, n, 0, (const struct sockaddr *)from, fromlen);
}

/* The handshake is done: SRTP keys. */
static void
dtls_done(struct rc_rec *r, struct ws *s, int64_t now)
{
	enum ag_srtp_suite suite;
	uint8_t rx[AG_SRTP_MAX_KEY], tx[AG_SRTP_MAX_KEY];
	struct ag_error e = { 0 };

	if (ag_dtls_keys(s->dtls, &suite, rx, tx) < 0 ||
	    (s->srtp = ag_srtp_new(suite, rx, tx, &e)) == NULL) {
		end_session(r, s, now, e.msg[0] ? e.msg : "no SRTP keys from DTLS");
		return;
	}
	memset(rx, 0, sizeof rx);
	memset(tx, 0, sizeof tx);
	s->state = WS_MEDIA;
	s->ready_ms = now;
	rc_log(&r->folder, 4, "WHIP: uid %lu: DTLS-SRTP ready (%s), %lld ms after the answer",
	    (unsigned long)s->uid, ag_srtp_suite_name(suite), (long long)(now - s->created_ms));
}

static void
on_dtls(struct rc_rec *r, const uint8_t *buf, size_t len, const struct sockaddr_storage *from,
    socklen_t fromlen, int64_t now)
{
	struct ws *s = by_addr(r->whip, from, fromlen);
	enum ag_dtls_state st;

	if (s != NULL && s->state == WS_ENDED)
		return;     /* the close_notify of a session that ended: expected */
	if (s == NULL || s->dtls == NULL) {
		if (r->whip->stray_dtls++ == 0)
			rc_log(&r->folder, 4, "WHIP: DTLS from an address no session is bound to "
			    "(counted and ignored from now on)");
		return;
	}
	if (s->state == WS_ICE) {
		s->state = WS_DTLS;
		s->dtls_ms = now;
	}
	s->heard_ms = now;
	st = ag_dtls_input(s->dtls, buf, len);
	if (st == AG_DTLS_DONE && s->state == WS_DTLS)
		dtls_done(r, s, now);
	else if (st == AG_DTLS_FAILED) {
		rc_log(&r->folder, 3, "WHIP: uid %lu: DTLS failed: %s", (unsigned long)s->uid,
		    ag_dtls_error(s->dtls));
		end_session(r, s, now, "DTLS failed");
	} else if (st == AG_DTLS_CLOSED)
		end_session(r, s, now, "DTLS close_notify");
}

/* SRTP or SRTCP from a session's address; false when none is bound there. */
static bool
on_srtp(struct rc_rec *r, uint8_t *buf, size_t len, const struct sockaddr_storage *from,
    socklen_t fromlen, int64_t now)
{
	struct ws *s = by_addr(r->whip, from, fromlen);
	bool rtcp = ag_rtp_is_rtcp(buf, len);

	if (s == NULL)
		return false;
	if (s->srtp == NULL || s->state == WS_ENDED) {
		r->whip->stray_srtp++;
		return true;
	}
	if (ag_srtp_unprotect(s->srtp, buf, &len, rtcp) < 0) {
		if (s->auth_failed++ == 0)
			rc_log(&r->folder, 3, "WHIP: uid %lu: SRTP%s that fails authentication "
			    "(counted and dropped from now on)", (unsigned long)s->uid, rtcp ? "C" : "");
		return true;
	}
	s->heard_ms = now;
	if (!s->first_media && !rtcp) {
		s->first_media = true;
		rc_log(&r->folder, 4, "WHIP: uid %lu: first media %lld ms after the answer",
		    (unsigned long)s->uid, (long long)(now - s->created_ms));
	}
	rc_ingest_packet(r, buf, len, from, fromlen, now, s->wsid, s->uid);
	return true;
}

bool
rc_whip_input(struct rc_rec *r, uint8_t *buf, size_t len, const struct sockaddr_storage *from,
    socklen_t fromlen, int64_t now)
{
	switch (ag_pkt_classify(buf, len)) {
	case AG_PKT_STUN:
		on_stun(r, buf, len, from, fromlen, now);
		return true;
	case AG_PKT_DTLS:
		on_dtls(r, buf, len, from, fromlen, now);
		return true;
	case AG_PKT_RTP:
		return on_srtp(r, buf, len, from, fromlen, now);
	default:
		return false;
	}
}

/* Receiver reports and the REMB of --maxBitrate. */
static void
report(struct rc_rec *r, struct ws *s, int64_t now)
{
	uint8_t buf[1024];
	uint32_t ssrcs[16];
	int n = 0;
	size_t len;

	s->report_ms = now;
	len = rc_ingest_reports(r, s->wsid, buf, sizeof buf - 128, ssrcs, &n, 16, now);
	if (n == 0)
		return;
	len += ag_rtcp_build_remb(buf + len, sizeof buf - len, r->own_ssrc,
	    (uint64_t)r->opts->max_kbps * 1000, ssrcs, n);
	send_srtcp(r, s, buf, len);
}

static void
tick_one(struct rc_rec *r, struct ws *s, int64_t now)
{
	enum ag_dtls_state st;

	if (s->state == WS_ENDED) {
		if (now - s->ended_ms > TOMBSTONE_MS) {
			ag_srtp_free(s->srtp);
			memset(s, 0, sizeof *s);
		}
		return;
	}
	if (s->dtls != NULL && s->state == WS_DTLS && ag_dtls_timeout_ms(s->dtls) == 0) {
		st = ag_dtls_tick(s->dtls);
		if (st == AG_DTLS_FAILED) {
			rc_log(&r->folder, 3, "WHIP: uid %lu: DTLS failed: %s", (unsigned long)s->uid,
			    ag_dtls_error(s->dtls));
			end_session(r, s, now, "DTLS failed");
			return;
		}
	}
	if (s->state == WS_ICE && now - s->created_ms > CONNECT_MS)
		end_session(r, s, now, "no ICE and DTLS within 30 s of the answer");
	else if (s->state == WS_DTLS && now - s->dtls_ms > HANDSHAKE_MS)
		end_session(r, s, now, "the DTLS handshake did not finish in 10 s");
	else if (s->state == WS_MEDIA && now - s->heard_ms > r->opts->leave_ms)
		end_session(r, s, now, "no consent and no media for --leave-timeout");
	else if (s->state == WS_MEDIA && now - s->report_ms >= REPORT_MS)
		report(r, s, now);
}

void
rc_whip_tick(struct rc_rec *r, int64_t now)
{
	size_t i;

	if (r->whip == NULL)
		return;
	for (i = 0; i < r->whip->n; i++)
		if (r->whip->s[i].used)
			tick_one(r, &r->whip->s[i], now);
}

int
rc_whip_timeout(const struct rc_rec *r, int64_t now)
{
	int best = -1;
	size_t i;

	if (r->whip == NULL)
		return -1;
	for (i = 0; i < r->whip->n; i++) {
		const struct ws *s = &r->whip->s[i];
		int t;
		if (!s->used || s->state == WS_ENDED)
			continue;
		if (s->state == WS_MEDIA)
			t = s->report_ms + REPORT_MS <= now ? 0 : (int)(s->report_ms + REPORT_MS - now);
		else if (s->state == WS_DTLS && s->dtls != NULL)
			t = ag_dtls_timeout_ms(s->dtls);
		else
			t = -1;     /* the loop's own period serves the other timers */
		if (t < 0)
			continue;
		if (best < 0 || t < best)
			best = t;
	}
	return best;
}

void
rc_whip_free(struct rc_rec *r)
{
	struct rc_whip *w = r->whip;
	int64_t now = rc_now_ms(&r->folder);
	size_t i;

	if (w == NULL)
		return;
	for (i = 0; i < w->n; i++) {
		if (!w->s[i].used)
			continue;
		end_session(r, &w->s[i], now, "the recorder stops");
		ag_srtp_free(w->s[i].srtp);
	}
	if (w->unknown_user + w->bad_integrity + w->stray_dtls + w->stray_srtp > 0)
		rc_log(&r->folder, 4, "WHIP: ignored %llu STUN checks for unknown users, %llu with a "
		    "bad MESSAGE-INTEGRITY, %llu DTLS and %llu SRTP datagrams from no session",
		    (unsigned long long)w->unknown_user, (unsigned long long)w->bad_integrity,
		    (unsigned long long)w->stray_dtls, (unsigned long long)w->stray_srtp);
	ag_dtls_cert_free(w->cert);
	free(w->s);
	free(w);
	r->whip = NULL;
}
