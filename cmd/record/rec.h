/*
 * rec.h - struct rc_rec, the state of one agrec-record process,
 * handed to every module: its options, folder, sockets, streams, users
 * and channel stream readers.  Each module keeps to its own fields.
 */
#ifndef RC_REC_H
#define RC_REC_H

#include "record/emit.h"
#include "record/files.h"
#include "record/ingest.h"
#include "record/record.h"

struct rc_user;
struct rc_whip;
struct rc_http;
struct ag_srtp;
struct rc_rbuf;
struct rc_levels;

struct rc_rec {
	struct rc_opts *opts;
	struct rc_latch latches[RC_MAX_LATCHES];
	int nlatches;
	struct rc_folder folder;
	int socks[2];
	int nsocks;
	struct rc_ssrc *ssrcs;
	size_t nssrcs, cap_ssrcs;
	uint32_t *ssrc_cache;       /* RC_SSRC_CACHE slots: 1 + index into ssrcs, or 0 (ingest.c) */
	struct rc_rbuf *rbuf;       /* rc_ingest_read's datagrams */
	struct rc_user *users;
	size_t nusers, cap_users;
	uint32_t *user_cache;       /* 1 + index into users by uid, or 0 (session.c) */
	bool recording;             /* false while paused in manual mode */
	int64_t empty_since_ms;     /* channel time since when nobody is present; -1 */
	uint32_t own_ssrc;
	uint64_t garbage, oversized, denied, refused_streams;
	uint64_t h265_refused;      /* H.265 packets not taken (on_rtp says why, once) */
	struct ag_srtp *sdes;       /* --decryptionMode: receives SRTP; NULL: plain RTP */
	uint64_t srtp_failed;       /* datagrams that failed it (dropped) */
	bool disk_full;             /* a write failed for lack of space: stop */
	struct rc_sink sinks[RC_MAX_SINKS]; /* --emit, agrec-mix, agrec-capture */
	int nsinks;
	struct rc_whip *whip;       /* whip.c's WebRTC sessions; NULL without --whip */
	struct rc_http *http;       /* http.c's WHIP endpoint; NULL without --whip */
	struct ag_sub_tally unsub;  /* ingest.c's: what --autoSubscribe 0 left out */
	struct rc_levels *levels;   /* levels.c's; NULL until --audioIndicationInterval needs it */
};

#endif
