/*
 * raw.h - agrec-record's raw-data files (raw.c): --getAudioFrame 1/2
 * and --getVideoFrame 1/2 (which per-user files are written at all:
 * rc_files_audio and rc_files_video, record.h).
 */
#ifndef RC_RAW_H
#define RC_RAW_H

#include "record/files.h"
#include "record/record.h"

struct rc_rec;

/* One user's raw files (a field of struct rc_user); rc_raw_init first. */
struct rc_raw_user {
	struct rc_writer w[2];      /* [0] audio, [1] video */
	int n[2];                   /* file counter: <UID>.ext, then <UID>_2.ext, ... */
	int ch;                     /* channels of the last raw audio file, 0: none yet */
};

void rc_raw_init(struct rc_raw_user *ru);
/* A frame (borrowed) for the raw files ru of user uid, if this kind is
 * in a raw mode.  Returns true when a video file waits for a key frame
 * (the caller asks for one). */
bool rc_raw_media(struct rc_rec *r, uint32_t uid, struct rc_raw_user *ru,
    const struct rc_frame *fm);
/* Close the raw files ru of user uid (leave, stop); they are appended to
 * on return. */
void rc_raw_close(struct rc_rec *r, uint32_t uid, struct rc_raw_user *ru);
/* Stall checks of ru's children. */
void rc_raw_tick(struct rc_rec *r, struct rc_raw_user *ru, int64_t now);

#endif
