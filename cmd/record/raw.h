/*
 * raw.h - agrec-record's raw-data files (raw.c): --getAudioFrame 1/2
 * and --getVideoFrame 1/2 (which per-user files are written at all:
 * rc_files_audio and rc_files_video, record.h).
 */
#ifndef RC_RAW_H
#define RC_RAW_H

#include "record/record.h"

struct rc_rec;
struct rc_user;

/* A frame for the raw files of u, if this kind is in a raw mode. */
void rc_raw_media(struct rc_rec *r, struct rc_user *u, const struct rc_frame *fm);
/* Close u's raw files (leave, stop); they are appended to on return. */
void rc_raw_close(struct rc_rec *r, struct rc_user *u);
/* Stall checks of u's raw children. */
void rc_raw_tick(struct rc_rec *r, struct rc_user *u, int64_t now);

#endif
