/*
 * session.h - agrec-record's users (session.c): a user's segments and
 * txt files, and the SDK's rules for when a file starts and ends.
 */
#ifndef RC_SESSION_H
#define RC_SESSION_H

#include "record/emit.h"
#include "record/files.h"
#include "record/levels.h"
#include "record/raw.h"

struct rc_rec;

struct rc_user {
	uint32_t uid;
	bool used;
	bool present;
	int64_t last_packet_ms;
	bool session_open;          /* a session base is set */
	int64_t base_ms;            /* channel time of the session base */
	char txt_name[64];
	int txt_fd;                 /* -1 when no segment is open */
	struct rc_writer audio, video;
	int64_t audio_closed_ms, video_closed_ms;   /* -1: never */
	bool video_rejoin;          /* the user left: the next video opens a new file */
	bool video_ok;              /* a video frame that can start a file arrived */
	uint32_t video_ssrc;        /* for PLI */
	bool want_keyframe;         /* a video file waits for a key frame of video_ssrc: set
	                             * by session.c (for raw.c too), acted on by ingest.c's tick */
	struct rc_raw_user raw;     /* raw.c's: the user's raw files */
	struct rc_emit_user emit;   /* emit.c's: what the channel stream was told */
	struct rc_levels_user levels;  /* levels.c's: its audio levels */
};

struct rc_user *rc_user_get(struct rc_rec *r, uint32_t uid, bool create);
/* A frame of u's (borrowed) for its files, raw files and the channel stream. */
void rc_user_media(struct rc_rec *r, struct rc_user *u, const struct rc_frame *fm);
void rc_user_leave(struct rc_rec *r, struct rc_user *u, int64_t now, const char *why);
void rc_user_tick(struct rc_rec *r, struct rc_user *u, int64_t now);
/* Close everything of a user at time t (stop, pause). */
void rc_user_stop(struct rc_rec *r, struct rc_user *u, int64_t t);

#endif
