/*
 * ingest.c - the channel's UDP sockets, RTP and RTCP, one jitter buffer
 * and one depacketizer per SSRC, and the mapping of each stream to a uid
 * (its RTCP CNAME when decimal, else its SSRC) and to the channel clock.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "jitter.h"
#include "level.h"
#include "names.h"
#include "reclog.h"
#include "record/emit.h"
#include "record/files.h"
#include "record/ingest.h"
#include "record/rec.h"
#include "record/session.h"
#include "record/whip.h"
#include "rtp.h"
#include "srtp.h"

/* A stream: one SSRC, its jitter buffer, depacketizer and clock. */
struct rc_ssrc {
	bool used;
	uint32_t ssrc;
	uint32_t uid;
	uint32_t wsid;              /* its WHIP session (whip.c), 0: a plain-RTP sender */
	bool cname_known;
	int sub;                    /* --autoSubscribe 0: 1 its uid and kind are subscribed,
	                             * -1 not (no buffers, packets counted), 0 not known yet */
	int64_t first_ms, last_ms;
	bool bye;                   /* a BYE came (and no packet restarted it since) */
	int64_t bye_at;             /* when it came */
	bool bye_done;              /* it was acted on (rc_ingest_tick) */
	uint64_t stragglers;        /* packets dropped just after its BYE */
	uint64_t collisions;        /* packets of a second sender with the same SSRC */
	uint8_t pt;
	bool pt_ok;
	struct rc_ptmap pm;
	struct ag_jb *jb;
	struct ag_depack *dp;
	/* RTP time -> channel time */
	bool anchored;
	int64_t ext_ts_base;        /* extended RTP ts at the anchor */
	int64_t anchor_ms;          /* channel ms at the anchor */
	uint32_t last_ts;
	int64_t ts_cycles;
	int64_t last_frame_ext;     /* for durations */
	int frame_ms;               /* video: the usual frame interval */
	int64_t last_t90;           /* keeps each stream's times increasing */
	bool has_sr;                /* the last RTCP sender report */
	uint64_t sr_ntp_us;         /* its NTP time, us since 1900 */
	uint32_t sr_rtp;            /* its RTP time */
	uint32_t sr_lsr;            /* its NTP time's middle 32 bits (LSR) */
	int64_t sr_at_ms;           /* when it came */
	int64_t last_ext;           /* the latest extended RTP time delivered */
	struct sockaddr_storage from;   /* RTP source, for PLI */
	socklen_t fromlen;
	struct sockaddr_storage rtcp_from;
	socklen_t rtcp_fromlen;
	uint64_t packets, bad;
	/* Key frame requests (request_keyframe) and the no-video warning. */
	bool kf_want;               /* its depacketizer wants one (sent by the tick) */
	int64_t kf_ms;              /* the last request; INT64_MIN: none yet */
	uint64_t kf_sent;           /* requests sent */
	uint8_t fir_seq;
	char kf_dest[160];          /* where the last one went, for messages */
	uint64_t vpackets;          /* video packets while recording */
	int64_t vfirst_ms;          /* channel time of the first of them */
	bool nv_warned;             /* "no decodable frame yet" said */
	uint32_t seq_hi;            /* the highest sequence number, extended (receiver reports) */
	uint64_t rr_expected, rr_received;  /* at the last report */
	bool rx_have;               /* the last packet received (not released) */
	uint32_t rx_ts;
	int64_t rx_ms;
	int level;                  /* RFC 6464 level of the packet being depacketized, -1: none */
};

#define MAX_SSRCS 4096
#define MAX_UNCONFIRMED 64      /* streams with no CNAME and no frame yet */

static int
bind_one(const char *host, int port, struct ag_error *err)
{
	struct addrinfo hints, *res = NULL;
	char ps[16];
	int fd, r, buf = 32 << 20, on = 1;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(ps, sizeof ps, "%d", port);
	if ((r = getaddrinfo(host, ps, &hints, &res)) != 0)
		return ag_error_set(err, AG_EX_USAGE, "--listen %s: %s", host, gai_strerror(r));
	fd = socket(res->ai_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		ag_error_errno(err, AG_EX_IOERR, errno, "socket");
		freeaddrinfo(res);
		return -1;
	}
	/* A large receive buffer absorbs bursts; root may go past rmem_max. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
	/* Each datagram's arrival time (rc_ingest_read). */
	setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
	if (bind(fd, res->ai_addr, res->ai_addrlen) < 0) {
		ag_error_errno(err, AG_EX_IOERR, errno, "cannot listen on %s:%d", host, port);
		close(fd);
		freeaddrinfo(res);
		return -1;
	}
	freeaddrinfo(res);
	return fd;
}

int
rc_ingest_open(struct rc_rec *r, struct ag_error *err)
{
	int a, b;

	if ((a = bind_one(r->opts->listen_host, r->opts->listen_port, err)) < 0)
		return -1;
	/* RTCP may also come to port+1 (ffmpeg's default). */
	if ((b = bind_one(r->opts->listen_host, r->opts->listen_port + 1, err)) < 0) {
		close(a);
		return -1;
	}
	if (r->opts->sdes && (r->sdes = ag_srtp_new((enum ag_srtp_suite)r->opts->sdes_suite,
	    r->opts->sdes_key, NULL, err)) == NULL) {
		close(a);
		close(b);
		return -1;
	}
	r->socks[0] = a;
	r->socks[1] = b;
	r->nsocks = 2;
	return 0;
}

/*
 * The streams are found by SSRC for every datagram: a direct-mapped
 * cache of their indexes (checked against the slot, so a slot reused or
 * freed is only a miss) keeps that from growing with the channel; a miss
 * scans the slots and fills the cache.
 */
#define RC_SSRC_CACHE 16384

static size_t
ssrc_slot(uint32_t ssrc)
{
	return (size_t)((ssrc * 2654435761u) >> 18) & (RC_SSRC_CACHE - 1);
}

static struct rc_ssrc *
ssrc_find(struct rc_rec *r, uint32_t ssrc)
{
	size_t i, slot = ssrc_slot(ssrc);
	uint32_t c;

	if (r->ssrc_cache == NULL)
		r->ssrc_cache = calloc(RC_SSRC_CACHE, sizeof *r->ssrc_cache);
	if (r->ssrc_cache != NULL && (c = r->ssrc_cache[slot]) != 0 && c <= r->nssrcs &&
	    r->ssrcs[c - 1].used && r->ssrcs[c - 1].ssrc == ssrc)
		return &r->ssrcs[c - 1];
	for (i = 0; i < r->nssrcs; i++)
		if (r->ssrcs[i].used && r->ssrcs[i].ssrc == ssrc) {
			if (r->ssrc_cache != NULL)
				r->ssrc_cache[slot] = (uint32_t)i + 1;
			return &r->ssrcs[i];
		}
	return NULL;
}

/* Free a stream's buffers and give its slot back. */
static void
ssrc_forget(struct rc_ssrc *s)
{
	ag_jb_free(s->jb);
	ag_depack_free(s->dp);
	s->jb = NULL;
	s->dp = NULL;
	s->used = false;
}

static struct rc_ssrc *
ssrc_new(struct rc_rec *r, uint32_t ssrc, int64_t now, uint32_t wsid, uint32_t uid)
{
	struct rc_ssrc *s;
	size_t i;

	if (r->nssrcs == MAX_SSRCS) {
		/* Full: evict the stream idle the longest (a flood must not grow memory). */
		size_t old = 0;
		for (i = 1; i < r->nssrcs; i++)
			if (r->ssrcs[i].last_ms < r->ssrcs[old].last_ms)
				old = i;
		if (now - r->ssrcs[old].last_ms < 5000)
			return NULL;
		s = &r->ssrcs[old];
		ssrc_forget(s);
		rc_log(&r->folder, 3, "too many streams: forgetting SSRC %08lx",
		    (unsigned long)s->ssrc);
	} else {
		for (i = 0; i < r->nssrcs; i++)
			if (!r->ssrcs[i].used) {
				s = &r->ssrcs[i];
				goto fill;
			}
		if ((s = ag_grow(r->ssrcs, &r->cap_ssrcs, r->nssrcs + 1, sizeof *s)) == NULL)
			return NULL;
		r->ssrcs = s;
		s = &r->ssrcs[r->nssrcs++];
	}
fill:
	memset(s, 0, sizeof *s);
	s->used = true;
	s->ssrc = ssrc;
	s->uid = ssrc;
	/* An SDP may name the uid of a sender that sends no RTCP. */
	for (i = 0; i < (size_t)r->opts->nsdp_ssrc; i++)
		if (r->opts->sdp_ssrc[i].ssrc == ssrc) {
			s->uid = r->opts->sdp_ssrc[i].uid;
			s->cname_known = true;
		}
	if (wsid != 0) {
		/* A WHIP session's stream: its uid is the session's. */
		s->wsid = wsid;
		s->uid = uid;
		s->cname_known = true;
	}
	s->first_ms = s->last_ms = now;
	s->kf_ms = INT64_MIN;
	return s;
}

/* Decimal CNAMEs name the uid (rtp-recipes.md 2). */
static bool
cname_uid(const char *cname, size_t len, uint32_t *uid)
{
	return len > 0 && len <= 10 && ag_parse_uid(cname, len, uid) == 0;
}

static int64_t
ext_ts(struct rc_ssrc *s, uint32_t ts)
{
	if (s->packets > 0 || s->anchored) {
		if (ts < s->last_ts && s->last_ts - ts > 0x80000000u)
			s->ts_cycles++;
		else if (ts > s->last_ts && ts - s->last_ts > 0x80000000u && s->ts_cycles > 0)
			return (s->ts_cycles - 1) * 0x100000000LL + ts;	/* late, before a wrap */
	}
	s->last_ts = ts;
	return s->ts_cycles * 0x100000000LL + ts;
}

/* The 64-bit RTP time nearest near whose low 32 bits are ts. */
static int64_t
ext_near(int64_t near, uint32_t ts)
{
	return near + (int32_t)(ts - (uint32_t)near);
}

/* The uid's audio stream, when it is anchored and has a sender report. */
static const struct rc_ssrc *
audio_of(const struct rc_rec *r, uint32_t uid)
{
	size_t i;

	for (i = 0; i < r->nssrcs; i++) {
		const struct rc_ssrc *a = &r->ssrcs[i];
		if (a->used && a->uid == uid && a->jb && !ag_codec_is_video(a->pm.codec) &&
		    a->anchored && a->has_sr && a->pm.rate > 0)
			return a;
	}
	return NULL;
}

static int
frame_dur_ms(const struct rc_ssrc *s, const struct ag_frame *fr)
{
	int n;

	switch (fr->codec) {
	case AG_CODEC_OPUS:
		n = ag_opus_packet_samples(fr->data, fr->len);
		return n > 0 ? (n + 24) / 48 : 20;
	case AG_CODEC_PCMU:
	case AG_CODEC_PCMA:
		return (int)(fr->len * 1000 / (size_t)(s->pm.rate > 0 ? s->pm.rate : 8000) /
		    (size_t)(s->pm.channels > 0 ? s->pm.channels : 1));
	case AG_CODEC_AAC:
		return 1024 * 1000 / (s->pm.rate > 0 ? s->pm.rate : 48000);
	default:
		return 1000 / 15;
	}
}

/*
 * The sender started again (a new process with the same SSRC, a restart
 * the jitter buffer confirmed, or RTP times that no longer match the
 * clock): its RTP times start from a new random base, so the stream is
 * placed on the channel clock afresh, by arrival.
 */
static void
timing_reset(struct rc_rec *r, struct rc_ssrc *s, const char *why)
{
	rc_log(&r->folder, 4, "SSRC %08lx (uid %lu): %s; its times start again", (unsigned long)s->ssrc,
	    (unsigned long)s->uid, why);
	s->anchored = false;
	s->has_sr = false;
	s->ts_cycles = 0;
	s->last_ts = 0;
	s->last_ext = 0;
	s->last_t90 = 0;
	s->last_frame_ext = 0;
	s->frame_ms = 0;
	s->first_ms = s->last_ms;
}

/* The avcC or hvcC of a key frame of codec from dp's latest parameter
 * sets, into out[0..size): its length, or 0 when there is none. */
static size_t
key_vconf(const struct ag_depack *dp, enum ag_codec codec, uint8_t *out, size_t size)
{
	const uint8_t *vps, *sps, *pps;
	size_t vps_len, sps_len, pps_len;
	int n = -1;

	if (codec == AG_CODEC_H264 &&
	    ag_depack_h264_params(dp, &sps, &sps_len, &pps, &pps_len) == 0)
		n = ag_h264_avcc(sps, sps_len, pps, pps_len, out, size);
	else if (codec == AG_CODEC_H265 &&
	    ag_depack_h265_params(dp, &vps, &vps_len, &sps, &sps_len, &pps, &pps_len) == 0)
		n = ag_h265_hvcc(vps, vps_len, sps, sps_len, pps, pps_len, out, size);
	return n > 0 ? (size_t)n : 0;
}

static void
deliver(struct rc_rec *r, struct rc_ssrc *s, const struct ag_frame *fr, int64_t arrival)
{
	struct rc_user *u;
	struct rc_frame fm;
	int64_t e = ext_ts(s, fr->ts), t, t90;
	int clock = s->pm.rate > 0 ? s->pm.rate : 90000;
	uint8_t vconf[AG_H265_HVCC_MAX];
	size_t vconf_len;
	int dur;

	if (ag_codec_is_video(fr->codec))
		clock = 90000;
	else if (fr->codec == AG_CODEC_OPUS)
		clock = 48000;
	if (!s->anchored) {
		s->anchored = true;
		s->ext_ts_base = e;
		s->anchor_ms = arrival;
	}
	t = s->anchor_ms + (e - s->ext_ts_base) * 1000 / clock;
	/* A packet that arrives earlier than its clock says (the first ones
	 * came late) moves the anchor back. */
	if (arrival < t && arrival - s->first_ms < 5000) {
		s->anchor_ms -= t - arrival;
		t = arrival;
	}
	t90 = s->anchor_ms * 90 + (e - s->ext_ts_base) * 90000 / clock;
	s->last_ext = e;
	/* Lip sync: with sender reports on both, video follows the audio's
	 * clock through the sender's NTP time (RFC 3550 6.4.1). */
	if (ag_codec_is_video(fr->codec) && s->has_sr) {
		const struct rc_ssrc *a = audio_of(r, s->uid);
		if (a != NULL) {
			int aclock = a->pm.codec == AG_CODEC_OPUS ? 48000 : a->pm.rate;
			int64_t ae = ext_near(a->last_ext, a->sr_rtp);
			int64_t a_ch_us = a->anchor_ms * 1000 + (ae - a->ext_ts_base) * 1000000 / aclock;
			int64_t off_us = a_ch_us - (int64_t)a->sr_ntp_us;
			int64_t ve = ext_near(e, s->sr_rtp);
			int64_t v_ntp_us = (int64_t)s->sr_ntp_us + (e - ve) * 1000000 / 90000;
			t90 = (v_ntp_us + off_us) * 90 / 1000;
			t = t90 / 90;
		}
	}
	/* Corrections (the anchor, lip sync) reach a stream's times slewed by
	 * at most 2 ms a frame, so frames stay evenly spaced and in order; a
	 * jump of more than a second is taken at once (a sender restart). */
	if (s->last_t90 != 0) {
		int64_t nominal = s->last_t90 + (e - s->last_frame_ext) * 90000 / clock;
		int64_t diff = t90 - nominal;
		if (diff > -90000 && diff < 90000) {
			if (diff > 180)
				diff = 180;
			else if (diff < -180)
				diff = -180;
			t90 = nominal + diff;
		}
		if (t90 <= s->last_t90)
			t90 = s->last_t90 + 1;
		t = t90 / 90;
	}
	s->last_t90 = t90;
	/* A video frame lasts the stream's usual frame interval: the time since
	 * the previous frame, unless frames were lost in between. */
	if (ag_codec_is_video(fr->codec) && s->last_frame_ext != 0 && e > s->last_frame_ext &&
	    e - s->last_frame_ext <= 18000 && !fr->after_loss)
		s->frame_ms = (int)((e - s->last_frame_ext) * 1000 / 90000);
	dur = ag_codec_is_video(fr->codec) && s->frame_ms > 0 ? s->frame_ms : frame_dur_ms(s, fr);
	s->last_frame_ext = e;
	if ((u = rc_user_get(r, s->uid, true)) == NULL)
		return;
	if (!u->present) {
		u->present = true;
		u->last_packet_ms = arrival;
		rc_emit_join(r, u->uid, arrival);
		rc_log(&r->folder, 4, "uid %lu joined (SSRC %08lx, %s)", (unsigned long)u->uid,
		    (unsigned long)s->ssrc, ag_codec_name(fr->codec));
	}
	vconf_len = fr->keyframe ? key_vconf(s->dp, fr->codec, vconf, sizeof vconf) : 0;
	fm = (struct rc_frame){ fr, &s->pm, rc_frame_channels(fr, &s->pm), t, t90, dur,
		vconf_len > 0 ? vconf : NULL, vconf_len, s->ssrc, s->level };
	rc_user_media(r, u, &fm);
}

/*
 * Is stream s subscribed (--autoSubscribe 0 and the lists, subscribe.h)?
 * Decided once its uid is known.  A stream left out gives back its jitter
 * buffer and depacketizer: each of its packets costs a lookup and a count
 * (n more now), and the first of each uid and kind is logged.
 */
static bool
subscribed(struct rc_rec *r, struct rc_ssrc *s, uint64_t n)
{
	enum ag_sub_kind k = ag_codec_is_video(s->pm.codec) ? AG_SUB_VIDEO : AG_SUB_AUDIO;

	if (s->sub == 0) {
		s->sub = ag_sub_wants(&r->opts->sub, s->uid, k) ? 1 : -1;
		if (s->sub < 0) {
			ag_jb_free(s->jb);
			ag_depack_free(s->dp);
			s->jb = NULL;
			s->dp = NULL;
			s->kf_want = false;
		}
	}
	if (s->sub > 0)
		return true;
	if (n > 0 && ag_sub_ignore(&r->unsub, s->uid, k, n) == 1)
		rc_log(&r->folder, 4, "uid %lu: %s not subscribed (%s), ignored",
		    (unsigned long)s->uid, ag_sub_kind_name(k), ag_sub_list_opt(k));
	return false;
}

/* Hand released packets of s to its depacketizer, and frames onwards. */
static void
drain_ssrc(struct rc_rec *r, struct rc_ssrc *s, int64_t now)
{
	struct ag_jb_packet p;
	struct ag_frame fr;
	struct ag_error e = { 0 };

	/* Hold a new stream until its CNAME says whose it is, or the wait ends. */
	if (!s->cname_known && now - s->first_ms < r->opts->cname_wait_ms)
		return;
	/* Without a CNAME, a stream must have sent for real (not a stray or
	 * spoofed packet) to become a participant of its own. */
	if (!s->cname_known && !s->anchored && s->packets < 20) {
		r->refused_streams += s->packets;
		ssrc_forget(s);
		return;
	}
	if (s->sub == 0 && !subscribed(r, s, (uint64_t)ag_jb_count(s->jb)))
		return;
	while (ag_jb_pop(s->jb, now, &p) == 1) {
		/* Parsed once, on arrival (on_rtp); the buffer kept the header. */
		s->level = s->pm.level_ext > 0 ? ag_level_rfc6464(&p.rtp, s->pm.level_ext, NULL) : -1;
		if (ag_depack_push(s->dp, &p.rtp, p.lost_before, &e) < 0)
			s->bad++;
		while (ag_depack_pop(s->dp, &fr) == 1)
			deliver(r, s, &fr, p.arrival_ms);
		if (ag_depack_need_keyframe(s->dp))
			s->kf_want = true;
		free(p.data);
	}
}

/*
 * Streams that have neither a CNAME nor a delivered frame, and sent in
 * the last 5 s; older ones are forgotten here (their memory freed).
 */
static int
unconfirmed(struct rc_rec *r, int64_t now)
{
	size_t i;
	int n = 0;

	for (i = 0; i < r->nssrcs; i++) {
		struct rc_ssrc *s = &r->ssrcs[i];
		if (!s->used || s->jb == NULL || s->cname_known || s->anchored)
			continue;
		if (now - s->last_ms > 5000) {
			ssrc_forget(s);
			continue;
		}
		n++;
	}
	return n;
}

/*
 * A sender that starts again with the same SSRC (a new process after its
 * BYE, or after a crash) numbers its packets and times its media from new
 * random bases.  Its old state would take the new packets for duplicates
 * and place them hours away, so the stream starts afresh: a new jitter
 * buffer and depacketizer, and times by arrival.
 */
/* A depacketizer for a stream of payload type pm; NULL when out of memory. */
static struct ag_depack *
new_depack(const struct rc_ptmap *pm)
{
	struct ag_depack *dp = ag_depack_new(pm->codec);

	if (dp == NULL)
		return NULL;
	/* Keep the timeline whole after a loss; a PLI asks for a key frame. */
	ag_depack_set_conceal(dp, true);
	/* An SDP's parameter sets, for key frames that come without theirs */
	if (pm->sprop_len > 0)
		ag_depack_set_params(dp, pm->sprop, pm->sprop_len);
	return dp;
}

static void
ssrc_restart(struct rc_rec *r, struct rc_ssrc *s, const char *why)
{
	struct ag_error e = { 0 };
	struct ag_jb *jb = ag_jb_new(&(struct ag_jb_config){ 1024, r->opts->jitter_ms, 65536, 2u << 20 }, &e);
	struct ag_depack *dp = new_depack(&s->pm);

	if (jb == NULL || dp == NULL) {
		ag_jb_free(jb);
		ag_depack_free(dp);
		return;
	}
	if (s->jb)
		drain_ssrc(r, s, s->last_ms + 100000);	/* what the old run still holds */
	ag_jb_free(s->jb);
	ag_depack_free(s->dp);
	s->jb = jb;
	s->dp = dp;
	timing_reset(r, s, why);
}

bool
rc_same_addr(const struct sockaddr_storage *known, socklen_t knownlen,
    const struct sockaddr_storage *from, socklen_t fromlen)
{
	if (fromlen != knownlen || from->ss_family != known->ss_family)
		return false;
	if (from->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)from, *b = (const void *)known;
		return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
	}
	if (from->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)from, *b = (const void *)known;
		return a->sin6_port == b->sin6_port &&
		    memcmp(&a->sin6_addr, &b->sin6_addr, sizeof a->sin6_addr) == 0;
	}
	return memcmp(from, known, (size_t)fromlen) == 0;
}

/* Does a packet from `from` come from the source s follows? */
static bool
same_source(const struct rc_ssrc *s, const struct sockaddr_storage *from, socklen_t fromlen)
{
	return rc_same_addr(&s->from, s->fromlen, from, fromlen);
}

/* Is RTCP from `from` about s to be believed?  Not from a second sender
 * that uses the same SSRC while the first one sends (RFC 3550 8.2). */
static bool
rtcp_of_source(const struct rc_ssrc *s, const struct sockaddr_storage *from, socklen_t fromlen,
    int64_t now)
{
	if (!s->rx_have || s->rtcp_fromlen == 0 || now - s->rx_ms >= 2000)
		return true;
	return rc_same_addr(&s->rtcp_from, s->rtcp_fromlen, from, fromlen);
}

/* Is ts more than 10 s away from where the stream's clock should be now?
 * Live media never is: the sender's clock restarted. */
static bool
rtp_time_jumped(const struct rc_ssrc *s, uint32_t ts, int64_t now)
{
	int64_t clock = ag_codec_is_video(s->pm.codec) ? 90000 : s->pm.codec == AG_CODEC_OPUS ? 48000 :
	    s->pm.rate > 0 ? s->pm.rate : 90000;
	int64_t expect = (int64_t)(now - s->rx_ms) * clock / 1000;
	int64_t d = (int64_t)(int32_t)(ts - s->rx_ts) - expect;

	return d > 10 * clock || d < -10 * clock;
}

/* The payload type pt of a stream of WHIP session wsid (0: plain RTP,
 * the options' table); NULL when it has none. */
static const struct rc_ptmap *
ptmap(const struct rc_rec *r, uint32_t wsid, uint8_t pt)
{
	const struct rc_ptmap *pm = wsid != 0 ? rc_whip_ptmap(r, wsid, pt) : &r->opts->pt[pt];

	return pm != NULL && pm->set ? pm : NULL;
}

/* Keep the highest extended sequence number, for receiver reports. */
static void
seq_seen(struct rc_ssrc *s, uint16_t seq)
{
	if (s->packets == 1)
		s->seq_hi = seq;
	else if ((int16_t)(seq - (uint16_t)s->seq_hi) > 0)
		s->seq_hi += (uint16_t)(seq - (uint16_t)s->seq_hi);
}

/* An H.265 stream the recorder does not take: said once per run, counted. */
static void
h265_refuse(struct rc_rec *r, const struct rc_ptmap *pm, const struct ag_rtp *pkt)
{
	if (r->h265_refused++ > 0)
		return;
	if (pm->h265_donl)
		rc_log(&r->folder, 3, "SSRC %08lx: H.265 (PT %d) refused: its SDP has "
		    "sprop-max-don-diff > 0 (DONL fields, which agrec does not take)",
		    (unsigned long)pkt->ssrc, pkt->pt);
	else
		rc_log(&r->folder, 3, "SSRC %08lx: H.265 (PT %d) refused: H.265 support is off "
		    "(--enableH265Support 1 records it)", (unsigned long)pkt->ssrc, pkt->pt);
}

static void
on_rtp(struct rc_rec *r, const uint8_t *buf, size_t len, const struct sockaddr_storage *from,
    socklen_t fromlen, int64_t now, uint32_t wsid, uint32_t uid)
{
	struct ag_rtp pkt;
	struct rc_ssrc *s;
	struct ag_error e = { 0 };
	struct rc_user *u;
	const struct rc_ptmap *pm;
	int v;

	if (ag_rtp_parse(buf, len, &pkt, &e) < 0) {
		r->garbage++;
		return;
	}
	s = ssrc_find(r, pkt.ssrc);
	if (s == NULL || (s->jb == NULL && s->sub >= 0)) {
		/* A new stream (maybe known from its RTCP already). */
		if ((pm = ptmap(r, wsid, pkt.pt)) == NULL) {
			r->garbage++;
			return;
		}
		if (pm->codec == AG_CODEC_H265 && (!r->opts->h265 || pm->h265_donl)) {
			h265_refuse(r, pm, &pkt);
			return;
		}
		if (s == NULL && unconfirmed(r, now) >= MAX_UNCONFIRMED) {
			/* A flood of new SSRCs must not grow memory: new streams wait
			 * until the unconfirmed ones are confirmed or forgotten. */
			if (r->refused_streams++ == 0)
				rc_log(&r->folder, 3, "more than %d new streams without a CNAME; "
				    "refusing more until they settle", MAX_UNCONFIRMED);
			return;
		}
		if (s == NULL && (s = ssrc_new(r, pkt.ssrc, now, wsid, uid)) == NULL) {
			r->garbage++;
			return;
		}
		s->first_ms = now;
		s->pt = pkt.pt;
		s->pm = *pm;
		if ((s->jb = ag_jb_new(&(struct ag_jb_config){ 1024, r->opts->jitter_ms, 65536, 2u << 20 },
		    &e)) == NULL || (s->dp = new_depack(&s->pm)) == NULL) {
			ag_jb_free(s->jb);
			s->jb = NULL;
			s->used = false;
			return;
		}
		rc_log(&r->folder, 5, "new SSRC %08lx: PT %d %s/%d", (unsigned long)s->ssrc, pkt.pt,
		    ag_codec_name(s->pm.codec), s->pm.rate);
	}
	if (pkt.pt != s->pt) {
		/* One SSRC for two streams is a sender error: keep the first. */
		if (s->bad++ == 0)
			rc_log(&r->folder, 3, "SSRC %08lx carries payload types %d and %d; "
			    "keeping %d (give each stream its own SSRC)", (unsigned long)s->ssrc,
			    s->pt, pkt.pt, s->pt);
		return;
	}
	/* Two senders with one SSRC (RFC 3550 8.2): while the source we
	 * follow keeps sending, packets from another address are dropped. */
	if (s->rx_have && !s->bye && now - s->rx_ms < 2000 && !same_source(s, from, fromlen)) {
		if (s->collisions++ == 0)
			rc_log(&r->folder, 3, "SSRC %08lx (uid %lu): packets from a second source; "
			    "keeping the first while it sends", (unsigned long)s->ssrc, (unsigned long)s->uid);
		return;
	}
	s->last_ms = now;
	s->packets++;
	seq_seen(s, pkt.seq);
	/* Left out by --autoSubscribe 0: only counted, as early as its uid is
	 * known; still a sign of life of a user who joined for the other kind. */
	if ((s->cname_known || s->sub != 0) && !subscribed(r, s, 1)) {
		if (ag_sub_wants_any(&r->opts->sub, s->uid) &&
		    (u = rc_user_get(r, s->uid, false)) != NULL)
			u->last_packet_ms = now;
		return;
	}
	if (ag_codec_is_video(s->pm.codec) && r->recording && !r->opts->audio_only &&
	    s->vpackets++ == 0)
		s->vfirst_ms = now;
	/* A packet after a BYE that was acted on is a rejoin; one within the
	 * grace period is a straggler of the stream that is leaving. */
	if (s->bye && s->bye_done && now - s->bye_at < 1000 && s->rx_have &&
	    !rtp_time_jumped(s, pkt.ts, now)) {
		/* The last packets of a stream that said BYE, sent after it
		 * (senders flush late): not a rejoin. */
		s->stragglers++;
		return;
	}
	if (s->bye && s->bye_done) {
		s->bye = false;
		ssrc_restart(r, s, "packets after its BYE");
	} else if (s->rx_have && rtp_time_jumped(s, pkt.ts, now)) {
		ssrc_restart(r, s, "its RTP times jumped (the sender started again)");
	}
	s->rx_have = true;
	s->rx_ts = pkt.ts;
	s->rx_ms = now;
	memcpy(&s->from, from, fromlen);
	s->fromlen = fromlen;
	if ((u = rc_user_get(r, s->uid, false)) != NULL)
		u->last_packet_ms = now;
	v = ag_jb_push(s->jb, &pkt, now, 0, &e);
	(void)v;
	drain_ssrc(r, s, now);
}

/* RTCP from a sender; false when it told nothing of a stream (no
 * sender report, no CNAME: not the RTCP of a sender, maybe a latch). */
static bool
on_rtcp(struct rc_rec *r, const uint8_t *buf, size_t len, const struct sockaddr_storage *from,
    socklen_t fromlen, int64_t now, uint32_t wsid, uint32_t wuid)
{
	struct ag_rtcp rt;
	struct ag_error e = { 0 };
	int i;

	if (ag_rtcp_parse(buf, len, &rt, &e) < 0) {
		r->garbage++;
		return false;
	}
	for (i = 0; i < rt.ncnames; i++) {
		struct rc_ssrc *s = ssrc_find(r, rt.cnames[i].ssrc);
		uint32_t uid;
		if (s == NULL) {
			/* ffmpeg sends its first SR+SDES before any RTP: remember it. */
			if ((s = ssrc_new(r, rt.cnames[i].ssrc, now, wsid, wuid)) == NULL)
				continue;
			s->used = true;
		}
		if (!s->cname_known && cname_uid(rt.cnames[i].cname, rt.cnames[i].len, &uid)) {
			s->uid = uid;
			s->sub = 0;	/* subscribed or not as this uid */
			rc_log(&r->folder, 5, "SSRC %08lx is uid %lu", (unsigned long)s->ssrc, (unsigned long)uid);
		}
		s->cname_known = true;
		if (rtcp_of_source(s, from, fromlen, now)) {
			memcpy(&s->rtcp_from, from, fromlen);
			s->rtcp_fromlen = fromlen;
		}
	}
	for (i = 0; i < rt.nsr; i++) {
		struct rc_ssrc *s = ssrc_find(r, rt.sr[i].ssrc);
		if (s == NULL && (s = ssrc_new(r, rt.sr[i].ssrc, now, wsid, wuid)) == NULL)
			continue;
		if (!rtcp_of_source(s, from, fromlen, now))
			continue;
		/* Its sender reports come from where it takes feedback. */
		memcpy(&s->rtcp_from, from, fromlen);
		s->rtcp_fromlen = fromlen;
		s->has_sr = true;
		s->sr_ntp_us = ag_rtp_ntp_to_us(rt.sr[i].ntp);
		s->sr_rtp = rt.sr[i].rtp_ts;
		s->sr_lsr = (uint32_t)(rt.sr[i].ntp >> 16);
		s->sr_at_ms = now;
		if (!s->anchored)
			s->last_ext = rt.sr[i].rtp_ts;
	}
	/* A BYE takes effect a moment later (rc_ingest_tick): RTCP comes on
	 * another socket and may overtake the stream's last packets. */
	for (i = 0; i < rt.nbye; i++) {
		struct rc_ssrc *s = ssrc_find(r, rt.bye[i]);
		if (s == NULL || s->bye || !rtcp_of_source(s, from, fromlen, now))
			continue;
		s->bye = true;
		s->bye_at = now;
		s->bye_done = false;
	}
	return rt.nsr > 0 || rt.ncnames > 0;
}

/* Are a and b the same host (any port)? */
static bool
same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		    ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	if (a->ss_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		    &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr)) == 0;
	return false;
}

/* "ADDR:PORT" or "[ADDR]:PORT". */
static void
addr_text(const struct sockaddr_storage *a, socklen_t len, char *buf, size_t size)
{
	char host[64], port[8];

	if (getnameinfo((const struct sockaddr *)a, len, host, sizeof host, port, sizeof port,
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		snprintf(buf, size, "?");
	else
		snprintf(buf, size, a->ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host, port);
}

/*
 * A datagram on the RTCP port that is not a sender's RTCP (Janus's
 * forwarders send two bare RTP headers from their RTCP socket): its
 * source takes feedback for the streams whose RTP comes from that host.
 */
static void
latch(struct rc_rec *r, const struct sockaddr_storage *from, socklen_t fromlen, int64_t now)
{
	struct rc_latch *l = NULL;
	char a[80];
	int k;

	for (k = 0; k < r->nlatches; k++)
		if (rc_same_addr(&r->latches[k].from, r->latches[k].fromlen, from, fromlen)) {
			r->latches[k].ms = now;
			return;
		}
	if (r->nlatches < RC_MAX_LATCHES) {
		l = &r->latches[r->nlatches++];
	} else {
		/* Full: the one heard from the longest ago makes room. */
		l = &r->latches[0];
		for (k = 1; k < r->nlatches; k++)
			if (r->latches[k].ms < l->ms)
				l = &r->latches[k];
	}
	memcpy(&l->from, from, fromlen);
	l->fromlen = fromlen;
	l->ms = now;
	addr_text(from, fromlen, a, sizeof a);
	rc_log(&r->folder, 4, "a datagram on the RTCP port from %s that is no sender's RTCP: key frame "
	    "requests for streams from that host without RTCP of their own go there", a);
}

/*
 * --decryptionMode: SRTP or SRTCP (rtcp) in buf unprotected in place, *n
 * bytes in and out.  False for a datagram that fails (counted, dropped;
 * said once, never with the key).
 */
static bool
sdes_unprotect(struct rc_rec *r, uint8_t *buf, ssize_t *n, bool rtcp)
{
	size_t len = (size_t)*n;

	if (ag_srtp_unprotect(r->sdes, buf, &len, rtcp) == 0) {
		*n = (ssize_t)len;
		return true;
	}
	if (r->srtp_failed++ == 0)
		rc_log(&r->folder, 3, "SRTP: packets that fail authentication (wrong --secret or "
		    "suite?)");
	return false;
}

/*
 * Datagrams are read RC_READ_BATCH at a time (recvmmsg) in the loop's
 * rounds (loop.c), and each keeps the channel time the kernel received
 * it at (SO_TIMESTAMPNS), not the time of the round: arrival times feed
 * the lip-sync anchors and the leave rule.
 */
#define RC_READ_BATCH 32
#define RC_DGRAM_MAX  8192      /* no sender of ours fragments: more is not RTP we take */

struct rc_rbuf {
	uint8_t data[RC_READ_BATCH][RC_DGRAM_MAX + 1];
	struct sockaddr_storage from[RC_READ_BATCH];
	struct iovec iov[RC_READ_BATCH];
	struct mmsghdr msg[RC_READ_BATCH];
	union {
		char buf[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} ctl[RC_READ_BATCH];
};

/* The channel time datagram mh arrived at: now less its age from its
 * kernel time stamp (real: the wall clock read with now); now without one. */
static int64_t
arrival_ms(struct msghdr *mh, int64_t now, const struct timespec *real)
{
	struct cmsghdr *c;
	struct timespec ts;
	int64_t ago;

	for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS)
			continue;
		memcpy(&ts, CMSG_DATA(c), sizeof ts);
		ago = ((int64_t)real->tv_sec - ts.tv_sec) * 1000 + (real->tv_nsec - ts.tv_nsec) / 1000000;
		return ago > 0 && ago < 1000 ? now - ago : now;
	}
	return now;
}

/* One datagram of n bytes in buf from socket i, received at now. */
static void
on_datagram(struct rc_rec *r, int i, uint8_t *buf, ssize_t n, const struct sockaddr_storage *from,
    socklen_t fromlen, int64_t now)
{
	bool rtcp;

	if ((size_t)n > RC_DGRAM_MAX) {
		r->oversized++;
		return;
	}
	/* STUN, DTLS and SRTP of WebRTC publishers (whip.c): their ICE
	 * credentials admit them, not --allow. */
	if (i == 0 && r->whip != NULL && rc_whip_input(r, buf, (size_t)n, from, fromlen, now))
		return;
	if (!rc_allowed(r->opts, from)) {
		r->denied++;
		return;
	}
	rtcp = ag_rtp_is_rtcp(buf, (size_t)n);
	/* Not the bare RTP headers of a latch on the RTCP port. */
	if (r->sdes != NULL && (rtcp || i == 0) && !sdes_unprotect(r, buf, &n, rtcp))
		return;
	if (rtcp) {
		if (!on_rtcp(r, buf, (size_t)n, from, fromlen, now, 0, 0) && i == 1)
			latch(r, from, fromlen, now);
	} else if (i == 0) {
		on_rtp(r, buf, (size_t)n, from, fromlen, now, 0, 0);
	} else {
		latch(r, from, fromlen, now);
	}
}

bool
rc_ingest_read(struct rc_rec *r, int i)
{
	struct rc_rbuf *rb = r->rbuf;
	struct timespec real;
	int64_t now;
	int n, k;

	if (rb == NULL && (rb = r->rbuf = malloc(sizeof *rb)) == NULL)
		return false;
	for (k = 0; k < RC_READ_BATCH; k++) {
		rb->iov[k].iov_base = rb->data[k];
		rb->iov[k].iov_len = sizeof rb->data[k];
		memset(&rb->msg[k], 0, sizeof rb->msg[k]);
		rb->msg[k].msg_hdr.msg_name = &rb->from[k];
		rb->msg[k].msg_hdr.msg_namelen = sizeof rb->from[k];
		rb->msg[k].msg_hdr.msg_iov = &rb->iov[k];
		rb->msg[k].msg_hdr.msg_iovlen = 1;
		rb->msg[k].msg_hdr.msg_control = rb->ctl[k].buf;
		rb->msg[k].msg_hdr.msg_controllen = sizeof rb->ctl[k].buf;
	}
	n = recvmmsg(r->socks[i], rb->msg, RC_READ_BATCH, MSG_TRUNC, NULL);
	if (n <= 0)
		return false;
	now = rc_now_ms(&r->folder);
	clock_gettime(CLOCK_REALTIME, &real);
	for (k = 0; k < n; k++)
		on_datagram(r, i, rb->data[k], (ssize_t)rb->msg[k].msg_len, &rb->from[k],
		    rb->msg[k].msg_hdr.msg_namelen, arrival_ms(&rb->msg[k].msg_hdr, now, &real));
	return n == RC_READ_BATCH;
}

#define MAX_DESTS 4

/*
 * Where the key frame requests of s go, first rule that applies
 * (agrec-record(1), KEY FRAME REQUESTS): the source of its own RTCP; the
 * sources of datagrams on the RTCP port from its RTP host, each of them;
 * --feedback, then the SDP a=rtcp line of its section; its RTP source.
 * Returns how many destinations, with the rule in *rule and *sock the
 * socket to send from.
 */
static int
feedback_dests(const struct rc_rec *r, const struct rc_ssrc *s, struct sockaddr_storage *out,
    socklen_t *lens, const char **rule, int *sock)
{
	const struct rc_opts *o = r->opts;
	const struct rc_fbaddr *fb = NULL;
	int n = 0, k, section = s->pm.sdp_section;

	*sock = 0;
	if (s->rtcp_fromlen > 0) {
		memcpy(&out[0], &s->rtcp_from, s->rtcp_fromlen);
		lens[0] = s->rtcp_fromlen;
		*rule = "its RTCP";
		return 1;
	}
	for (k = 0; k < r->nlatches && n < MAX_DESTS && s->fromlen > 0; k++)
		if (same_host(&r->latches[k].from, &s->from)) {
			memcpy(&out[n], &r->latches[k].from, r->latches[k].fromlen);
			lens[n++] = r->latches[k].fromlen;
		}
	if (n > 0) {
		*rule = n == 1 ? "a datagram on the RTCP port" : "datagrams on the RTCP port, to each";
		*sock = 1;	/* symmetric: RTCP from the RTCP port */
		return n;
	}
	for (k = 0; k < o->nfeedback && fb == NULL; k++)
		if (o->feedback[k].ssrc == s->ssrc)
			fb = &o->feedback[k];
	*rule = "--feedback";
	if (fb == NULL) {
		for (k = 0; k < o->nsdp_ssrc; k++)
			if (o->sdp_ssrc[k].ssrc == s->ssrc)
				section = o->sdp_ssrc[k].section;
		if (section >= 0 && section <= RC_MAX_SDP_SECTIONS && o->sdp_rtcp[section].len > 0)
			fb = &o->sdp_rtcp[section];
		*rule = "SDP a=rtcp";
	}
	if (fb != NULL && fb->rtp_host && s->fromlen > 0) {
		/* a=rtcp:PORT alone: that port on the RTP source's host. */
		uint16_t port = ((const struct sockaddr_in *)&fb->sa)->sin_port;
		memcpy(&out[0], &s->from, s->fromlen);
		lens[0] = s->fromlen;
		if (out[0].ss_family == AF_INET6)
			((struct sockaddr_in6 *)&out[0])->sin6_port = port;
		else
			((struct sockaddr_in *)&out[0])->sin_port = port;
		return 1;
	}
	if (fb != NULL && !fb->rtp_host) {
		memcpy(&out[0], &fb->sa, fb->len);
		lens[0] = fb->len;
		return 1;
	}
	if (s->fromlen > 0) {
		memcpy(&out[0], &s->from, s->fromlen);
		lens[0] = s->fromlen;
		*rule = "its RTP source";
		return 1;
	}
	return 0;
}

/*
 * Ask the sender of s for a key frame: a PLI, or a FIR when its SDP
 * offers only "ccm fir", to where its feedback goes (agrec-record(1),
 * KEY FRAME REQUESTS).  At most one every KEYFRAME_INTERVAL_MS per
 * stream: this is the one place that limits the rate; the tick calls it
 * whenever a stream or a user wants a key frame.
 */
#define KEYFRAME_INTERVAL_MS 500

static void
request_keyframe(struct rc_rec *r, struct rc_ssrc *s)
{
	uint32_t media_ssrc;
	struct sockaddr_storage to[MAX_DESTS];
	socklen_t tolen[MAX_DESTS];
	const char *rule = "";
	char dest[sizeof s->kf_dest], a[80];
	uint8_t buf[64];
	size_t n;
	int64_t now = rc_now_ms(&r->folder);
	int nd, k, sock;
	bool fir;

	if (s == NULL || (s->kf_ms != INT64_MIN && now - s->kf_ms < KEYFRAME_INTERVAL_MS))
		return;
	media_ssrc = s->ssrc;
	s->kf_ms = now;
	if (s->wsid != 0) {
		/* A WHIP publisher: a PLI through its session's SRTCP. */
		if ((n = ag_rtcp_build_pli(buf, sizeof buf, r->own_ssrc, media_ssrc)) > 0 &&
		    rc_whip_send_rtcp(r, s->wsid, buf, n) == 0) {
			if (s->kf_sent++ == 0)
				rc_log(&r->folder, 4, "SSRC %08lx (uid %lu): key frame requests (PLI) go "
				    "through its WHIP session", (unsigned long)media_ssrc,
				    (unsigned long)s->uid);
			snprintf(s->kf_dest, sizeof s->kf_dest, "its WHIP session");
		}
		return;
	}
	/* FIR only for a sender that offered it and not PLI (RFC 5104 4.3.1.2). */
	fir = s->pm.fb_fir && !s->pm.fb_pli;
	if (fir)
		n = ag_rtcp_build_fir(buf, sizeof buf, r->own_ssrc, media_ssrc, ++s->fir_seq);
	else
		n = ag_rtcp_build_pli(buf, sizeof buf, r->own_ssrc, media_ssrc);
	if (n == 0 || (nd = feedback_dests(r, s, to, tolen, &rule, &sock)) == 0)
		return;
	dest[0] = '\0';
	for (k = 0; k < nd; k++) {
		sendto(r->socks[sock], buf, n, 0, (struct sockaddr *)&to[k], tolen[k]);
		addr_text(&to[k], tolen[k], a, sizeof a);
		snprintf(dest + strlen(dest), sizeof dest - strlen(dest), "%s%s", k ? ", " : "", a);
	}
	snprintf(dest + strlen(dest), sizeof dest - strlen(dest), " (%s)", rule);
	s->kf_sent++;
	/* Said once, and again when the destination changes. */
	if (strcmp(dest, s->kf_dest) != 0)
		rc_log(&r->folder, 4, "SSRC %08lx (uid %lu): key frame requests (%s) go to %s",
		    (unsigned long)media_ssrc, (unsigned long)s->uid, fir ? "FIR" : "PLI", dest);
	else
		rc_log(&r->folder, 6, "%s to SSRC %08lx", fir ? "FIR" : "PLI", (unsigned long)media_ssrc);
	snprintf(s->kf_dest, sizeof s->kf_dest, "%s", dest);
}

/* A video sender sends dozens of packets a second; fewer, under one
 * SSRC, are stray or garbage datagrams that happened to parse as RTP,
 * not a user whose video was lost. */
#define NOVIDEO_MIN_PACKETS 20

/* Video packets of s while recording (enough to be a sender), and none
 * gave a video frame that can start a file. */
static bool
video_missing(struct rc_rec *r, const struct rc_ssrc *s)
{
	const struct rc_user *u;

	if (!s->used || s->vpackets < NOVIDEO_MIN_PACKETS || !ag_codec_is_video(s->pm.codec))
		return false;
	u = rc_user_get(r, s->uid, false);
	return u == NULL || !u->video_ok;
}

/* "N key frame requests sent to DEST", or why none was. */
static void
requests_text(const struct rc_ssrc *s, char *buf, size_t size)
{
	if (s->kf_sent == 0)
		snprintf(buf, size, "no key frame request sent");
	else
		snprintf(buf, size, "%llu key frame requests sent to %s", (unsigned long long)s->kf_sent,
		    s->kf_dest);
}

#define NOVIDEO_WARN_MS 3000

/* A stream whose video packets give no picture says so, once. */
static void
novideo_warn(struct rc_rec *r, struct rc_ssrc *s, int64_t now)
{
	char req[256];
	int64_t since = s->vfirst_ms;

	/* A stream held for its CNAME has not been looked at yet. */
	if (!s->cname_known && since < s->first_ms + r->opts->cname_wait_ms)
		since = s->first_ms + r->opts->cname_wait_ms;
	if (s->nv_warned || !video_missing(r, s) || now - since < NOVIDEO_WARN_MS)
		return;
	s->nv_warned = true;
	requests_text(s, req, sizeof req);
	rc_log(&r->folder, 3, "uid %lu: %lld s of %s video (SSRC %08lx, %llu packets) and no decodable "
	    "key frame yet; %s", (unsigned long)s->uid, (long long)((now - s->vfirst_ms) / 1000),
	    ag_codec_name(s->pm.codec), (unsigned long)s->ssrc, (unsigned long long)s->vpackets, req);
}

int
rc_ingest_novideo(struct rc_rec *r)
{
	size_t i, k;
	int users = 0;

	for (i = 0; i < r->nssrcs; i++) {
		const struct rc_ssrc *s = &r->ssrcs[i];
		uint64_t packets = 0;
		char line[512], req[256];
		bool earlier = false;
		if (!video_missing(r, s))
			continue;
		/* One note per user: its video streams counted together. */
		for (k = 0; k < r->nssrcs; k++) {
			const struct rc_ssrc *o = &r->ssrcs[k];
			if (o->uid != s->uid || !video_missing(r, o))
				continue;
			if (k < i)
				earlier = true;
			packets += o->vpackets;
		}
		if (earlier)
			continue;
		users++;
		ag_reclog_novideo_format(line, sizeof line, s->uid, ag_codec_name(s->pm.codec), packets);
		requests_text(s, req, sizeof req);
		rc_log(&r->folder, 2 | RC_LOG_ALWAYS, "%s; %s; no video file", line, req);
	}
	return users;
}

#define BYE_GRACE_MS 300

/* The key frame requests that depacketizers (kf_want) and users' video
 * files (want_keyframe: session.c, raw.c) want, each flag cleared. */
static void
send_keyframe_requests(struct rc_rec *r)
{
	size_t i;

	for (i = 0; i < r->nssrcs; i++)
		if (r->ssrcs[i].used && r->ssrcs[i].kf_want) {
			r->ssrcs[i].kf_want = false;
			request_keyframe(r, &r->ssrcs[i]);
		}
	for (i = 0; i < r->nusers; i++)
		if (r->users[i].want_keyframe) {
			r->users[i].want_keyframe = false;
			request_keyframe(r, ssrc_find(r, r->users[i].video_ssrc));
		}
}

void
rc_ingest_tick(struct rc_rec *r, int64_t now)
{
	size_t i, k;

	for (i = 0; i < r->nssrcs; i++)
		if (r->ssrcs[i].used && r->ssrcs[i].jb)
			drain_ssrc(r, &r->ssrcs[i], now);
	for (i = 0; i < r->nssrcs; i++)
		novideo_warn(r, &r->ssrcs[i], now);
	/* A user leaves when every stream of theirs said BYE (or went quiet). */
	for (i = 0; i < r->nssrcs; i++) {
		struct rc_ssrc *s = &r->ssrcs[i];
		struct rc_user *u;
		bool all = true;
		if (!s->used || !s->bye || s->bye_done || now - s->bye_at < BYE_GRACE_MS)
			continue;
		if (s->jb)
			drain_ssrc(r, s, now + 100000);	/* release what it holds first */
		s->bye_done = true;
		if ((u = rc_user_get(r, s->uid, false)) == NULL || !u->present)
			continue;
		for (k = 0; k < r->nssrcs; k++) {
			const struct rc_ssrc *o = &r->ssrcs[k];
			if (o->used && o->uid == s->uid && o->packets > 0 &&
			    !(o->bye && (o->bye_done || now - o->bye_at >= BYE_GRACE_MS)) &&
			    now - o->last_ms < r->opts->leave_ms)
				all = false;
		}
		if (all)
			rc_user_leave(r, u, now, "BYE");
	}
	send_keyframe_requests(r);
}

int
rc_ingest_timeout(struct rc_rec *r, int64_t now)
{
	size_t i;
	int64_t best = -1;

	for (i = 0; i < r->nssrcs; i++) {
		int64_t d;
		if (!r->ssrcs[i].used || r->ssrcs[i].jb == NULL)
			continue;
		d = ag_jb_next_deadline(r->ssrcs[i].jb);
		if (!r->ssrcs[i].cname_known && ag_jb_count(r->ssrcs[i].jb) > 0)
			d = r->ssrcs[i].first_ms + r->opts->cname_wait_ms;
		if (d >= 0 && (best < 0 || d < best))
			best = d;
	}
	if (best < 0)
		return -1;
	return best <= now ? 0 : (int)(best - now);
}

bool
rc_ingest_active(const struct rc_rec *r, int64_t now)
{
	size_t i;

	for (i = 0; i < r->nssrcs; i++)
		if (r->ssrcs[i].used && r->ssrcs[i].packets > 0 && !r->ssrcs[i].bye &&
		    now - r->ssrcs[i].last_ms < r->opts->leave_ms)
			return true;
	return false;
}

/* What --autoSubscribe 0 left out, for the log at the end: each uid and
 * kind, and the sums. */
static void
subscribe_summary(struct rc_rec *r)
{
	const struct ag_sub_tally *sub = &r->unsub;
	size_t i, users;
	uint64_t count;
	enum ag_sub_kind k;

	for (i = 0; i < sub->nign; i++)
		rc_log(&r->folder, 4, "uid %lu: %llu %s packets not subscribed, ignored",
		    (unsigned long)sub->ign[i].uid, (unsigned long long)sub->ign[i].count,
		    ag_sub_kind_name(sub->ign[i].kind));
	for (k = AG_SUB_AUDIO; k <= AG_SUB_VIDEO; k = (enum ag_sub_kind)(k + 1)) {
		ag_sub_totals(sub, k, &users, &count);
		if (users > 0)
			rc_log(&r->folder, 4, "not subscribed: the %s of %zu users, %llu packets "
			    "ignored", ag_sub_kind_name(k), users, (unsigned long long)count);
	}
}

void
rc_ingest_free(struct rc_rec *r)
{
	size_t i;

	/* What each stream brought: the figures to check a recording by. */
	for (i = 0; i < r->nssrcs; i++) {
		const struct rc_ssrc *s = &r->ssrcs[i];
		const struct ag_jb_counters *c;
		if (!s->used || s->jb == NULL || s->packets == 0)
			continue;
		c = ag_jb_counters(s->jb);
		rc_log(&r->folder, 4, "SSRC %08lx (uid %lu, %s): %llu packets, %llu lost, %llu late, "
		    "%llu duplicates, %llu reordered, %llu after its BYE, %llu from a second source",
		    (unsigned long)s->ssrc,
		    (unsigned long)s->uid, ag_codec_name(s->pm.codec), (unsigned long long)s->packets,
		    (unsigned long long)c->lost, (unsigned long long)c->late,
		    (unsigned long long)c->duplicates, (unsigned long long)c->reordered,
		    (unsigned long long)s->stragglers, (unsigned long long)s->collisions);
	}
	subscribe_summary(r);
	ag_sub_tally_free(&r->unsub);
	for (i = 0; i < r->nssrcs; i++) {
		ag_jb_free(r->ssrcs[i].jb);
		ag_depack_free(r->ssrcs[i].dp);
	}
	free(r->ssrcs);
	free(r->ssrc_cache);
	free(r->rbuf);
	r->ssrc_cache = NULL;
	r->rbuf = NULL;
	for (i = 0; i < (size_t)r->nsocks; i++)
		close(r->socks[i]);
	if (r->srtp_failed > 0)
		rc_log(&r->folder, 4, "SRTP: %llu datagrams failed authentication and were dropped",
		    (unsigned long long)r->srtp_failed);
	ag_srtp_free(r->sdes);
	r->sdes = NULL;
}

/* ---- WHIP sessions (whip.c) ---- */

void
rc_ingest_packet(struct rc_rec *r, const uint8_t *buf, size_t len,
    const struct sockaddr_storage *from, socklen_t fromlen, int64_t now, uint32_t wsid,
    uint32_t uid)
{
	if (ag_rtp_is_rtcp(buf, len))
		on_rtcp(r, buf, len, from, fromlen, now, wsid, uid);
	else
		on_rtp(r, buf, len, from, fromlen, now, wsid, uid);
}

void
rc_ingest_session_bye(struct rc_rec *r, uint32_t wsid, int64_t now)
{
	size_t i;

	for (i = 0; i < r->nssrcs; i++) {
		struct rc_ssrc *s = &r->ssrcs[i];
		if (!s->used || s->wsid != wsid || s->bye)
			continue;
		s->bye = true;
		s->bye_at = now;
		s->bye_done = false;
	}
}

bool
rc_ingest_uid_busy(const struct rc_rec *r, uint32_t uid, int64_t now)
{
	size_t i;

	for (i = 0; i < r->nssrcs; i++) {
		const struct rc_ssrc *s = &r->ssrcs[i];
		if (s->used && s->uid == uid && s->wsid == 0 && s->packets > 0 && !s->bye &&
		    now - s->last_ms < r->opts->leave_ms)
			return true;
	}
	return false;
}

size_t
rc_ingest_reports(struct rc_rec *r, uint32_t wsid, uint8_t *buf, size_t size, uint32_t *ssrcs,
    int *nssrcs, int max, int64_t now)
{
	size_t i, len = 0, n;

	*nssrcs = 0;
	for (i = 0; i < r->nssrcs && *nssrcs < max; i++) {
		struct rc_ssrc *s = &r->ssrcs[i];
		struct ag_rtcp_report rb;
		uint64_t expected, lost, exp_int, rec_int;
		if (!s->used || s->wsid != wsid || s->jb == NULL || s->packets == 0 || s->bye)
			continue;
		memset(&rb, 0, sizeof rb);
		rb.ssrc = s->ssrc;
		rb.ext_highest_seq = s->seq_hi;
		/* Lost as RFC 3550 A.3 counts it, from the jitter buffer's tally. */
		lost = ag_jb_counters(s->jb)->lost;
		expected = s->packets + lost;
		exp_int = expected - s->rr_expected;
		rec_int = s->packets - s->rr_received;
		s->rr_expected = expected;
		s->rr_received = s->packets;
		if (exp_int > rec_int && exp_int > 0)
			rb.fraction_lost = (uint8_t)(((exp_int - rec_int) << 8) / exp_int);
		rb.cumulative_lost = (int32_t)(lost > 0x7fffff ? 0x7fffff : lost);
		if (s->has_sr) {
			/* LSR, DLSR: the sender's round-trip time. */
			rb.lsr = s->sr_lsr;
			rb.dlsr = (uint32_t)((now - s->sr_at_ms) * 65536 / 1000);
		}
		if ((n = ag_rtcp_build_rr(buf + len, size - len, r->own_ssrc, &rb)) == 0)
			break;
		len += n;
		ssrcs[(*nssrcs)++] = s->ssrc;
	}
	return len;
}
