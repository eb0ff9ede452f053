/*
 * emit.h - agrec-record's channel stream (emit.c): --emit's file,
 * the agrec-mix and agrec-capture children it feeds, and --dump.
 */
#ifndef RC_EMIT_H
#define RC_EMIT_H

#include <stdbool.h>
#include <sys/types.h>

#include "record/record.h"
#include "stream.h"

struct rc_rec;

/* What the channel stream was last told of one user's media (a field of
 * struct rc_user); zeroed: nothing yet. */
struct rc_emit_user {
	bool codec_sent[2];         /* [0] audio, [1] video */
	int codec[2], w, h;
};

#define RC_MAX_SINKS 3

/* A reader of the channel stream: --emit's file, or an agrec-mix or
 * agrec-capture child on a pipe. */
struct rc_sink {
	struct ag_stream_writer *w; /* NULL once closed or failed */
	int fd;
	pid_t pid;                  /* the child, 0 for --emit or once reaped */
	char name[32];              /* "--emit", "agrec-mix", "agrec-capture" */
};

/* Are the programs the options need (agrec-mix, agrec-capture) there? */
int rc_emit_check(const struct rc_opts *o, struct ag_error *err);
int rc_emit_open(struct rc_rec *r, struct ag_error *err);
void rc_emit_join(struct rc_rec *r, uint32_t uid, int64_t t);
void rc_emit_leave(struct rc_rec *r, uint32_t uid, int64_t t, int reason);
/* A frame (borrowed) of user uid, whose stream state is eu. */
void rc_emit_media(struct rc_rec *r, uint32_t uid, struct rc_emit_user *eu,
    const struct rc_frame *fm);
/* The levels record of an interval (borrowed), levels.c's. */
void rc_emit_levels(struct rc_rec *r, const struct ag_stream_levels *l);
void rc_emit_end(struct rc_rec *r, int64_t t, int reason);
/* Write what is pending (never blocks); a failed consumer is dropped. */
void rc_emit_drain(struct rc_rec *r);
/* Close the stream to every sink and wait (bounded) for the children. */
void rc_emit_close(struct rc_rec *r);
/* A child exited (from waitpid): true when it was a sink's. */
bool rc_emit_reaped(struct rc_rec *r, pid_t pid, int status);
/* Print a channel stream's records as text; returns an exit status. */
int rc_dump(const char *path);

#endif
