/*
 * session.c - users, segments and txt files: the SDK's rules for when a
 * file starts and ends (agora-format.md 2.4 and 4.5).
 *
 *  - audio: a new .aac after more than 15 s without audio; within 15 s
 *    the same file continues (the gap becomes silence);
 *  - video: a new file at the first key frame, after a rejoin, after a
 *    resolution change, or after more than 15 s without video;
 *  - a new txt (segment) when a file starts more than 15 s after both the
 *    last audio and the last video close; later txt files of a session
 *    keep its time base, so only the first one starts at 0.000.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "fsutil.h"
#include "record/emit.h"
#include "record/files.h"
#include "record/raw.h"
#include "record/rec.h"
#include "record/session.h"
#include "txt.h"

/* The users are looked up by uid for every frame: a direct-mapped cache
 * of their indexes (checked, so a stale slot is only a miss). */
#define RC_USER_CACHE 4096

struct rc_user *
rc_user_get(struct rc_rec *r, uint32_t uid, bool create)
{
	size_t i, slot = (size_t)((uid * 2654435761u) >> 20) & (RC_USER_CACHE - 1);
	uint32_t c;
	struct rc_user *u;

	if (r->user_cache == NULL)
		r->user_cache = calloc(RC_USER_CACHE, sizeof *r->user_cache);
	if (r->user_cache != NULL && (c = r->user_cache[slot]) != 0 && c <= r->nusers &&
	    r->users[c - 1].used && r->users[c - 1].uid == uid)
		return &r->users[c - 1];
	for (i = 0; i < r->nusers; i++)
		if (r->users[i].used && r->users[i].uid == uid) {
			if (r->user_cache != NULL)
				r->user_cache[slot] = (uint32_t)i + 1;
			return &r->users[i];
		}
	if (!create || r->nusers >= (size_t)r->opts->max_users)
		return NULL;
	if ((u = ag_grow(r->users, &r->cap_users, r->nusers + 1, sizeof *u)) == NULL)
		return NULL;
	r->users = u;
	u = &r->users[r->nusers++];
	memset(u, 0, sizeof *u);
	u->used = true;
	u->uid = uid;
	u->txt_fd = -1;
	u->audio.fd = u->video.fd = -1;
	u->audio.out_fd = u->video.out_fd = -1;
	rc_raw_init(&u->raw);
	u->audio_closed_ms = u->video_closed_ms = -1;
	return u;
}

static void
txt_line(struct rc_rec *r, struct rc_user *u, int64_t t, const char *file, enum ag_txt_event ev,
    const struct rc_writer *w)
{
	struct ag_txt_line l;
	char buf[256];
	int n;

	if (u->txt_fd < 0)
		return;
	memset(&l, 0, sizeof l);
	l.t_ms = t - u->base_ms < 0 ? 0 : t - u->base_ms;
	snprintf(l.file, sizeof l.file, "%s", file);
	l.event = ev;
	l.width = w ? w->width : -1;
	l.height = w ? w->height : -1;
	l.rotation = 0;
	l.channels = -1;
	n = ag_txt_format_line(buf, sizeof buf, &l);
	/* One write per line: a killed recorder leaves whole lines only, and
	 * a line that fails is cut off again (ag_write_whole). */
	if (n <= 0 || ag_write_whole(u->txt_fd, buf, (size_t)n) < 0) {
		if (n > 0 && (errno == ENOSPC || errno == EDQUOT))
			r->disk_full = true;
		rc_log(&r->folder, 3, "%s: cannot write the %s line of %s: %s", u->txt_name,
		    ev == AG_TXT_CLOSE ? "close" : "create", file, n <= 0 ? "format" : strerror(errno));
	}
}

/* Close the segment's txt, on disk first. */
static void
txt_close(struct rc_rec *r, struct rc_user *u)
{
	int e = fsync(u->txt_fd) < 0 ? errno : 0;

	if (close(u->txt_fd) < 0 && e == 0)
		e = errno;
	u->txt_fd = -1;
	if (e == ENOSPC || e == EDQUOT)
		r->disk_full = true;
	if (e != 0)
		rc_log(&r->folder, 3, "%s: %s", u->txt_name, strerror(e));
}

/* Make sure a segment (txt) is open for a file starting at t. */
static int
segment_for(struct rc_rec *r, struct rc_user *u, int64_t t)
{
	char ts[18], *path;
	bool any_open = u->audio.kind != RC_W_NONE || u->video.kind != RC_W_NONE;
	int64_t last_close = u->audio_closed_ms > u->video_closed_ms ? u->audio_closed_ms : u->video_closed_ms;

	if (u->txt_fd >= 0) {
		if (any_open || last_close < 0 || t - last_close <= RC_SPLIT_MS)
			return 0;
		txt_close(r, u);
	}
	if (!u->session_open) {
		u->session_open = true;
		u->base_ms = t;
	}
	rc_wall_ts(&r->folder, t, ts);
	snprintf(u->txt_name, sizeof u->txt_name, "uid_%lu_%s.txt", (unsigned long)u->uid, ts);
	if ((path = ag_path_join(r->folder.path, u->txt_name)) == NULL)
		return -1;
	u->txt_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
	if (u->txt_fd < 0)
		rc_log(&r->folder, 2, "%s: %s", path, strerror(errno));
	else
		rc_log(&r->folder, 4, "uid %lu: new segment %s", (unsigned long)u->uid, u->txt_name);
	free(path);
	return u->txt_fd < 0 ? -1 : 0;
}

static void
close_writer(struct rc_rec *r, struct rc_user *u, struct rc_writer *w, int64_t t)
{
	if (w->kind == RC_W_NONE)
		return;
	if (t < w->create_ms)
		t = w->create_ms;
	txt_line(r, u, t, w->name, AG_TXT_CLOSE, NULL);
	rc_log(&r->folder, 4, "uid %lu: closed %s (%llu frames%s)", (unsigned long)u->uid, w->name,
	    (unsigned long long)w->frames, w->failed ? ", writer failed" : "");
	rc_writer_close(&r->folder, w);
	rc_writer_loss(&r->folder, w, u->uid);
	if (w->video)
		u->video_closed_ms = t;
	else
		u->audio_closed_ms = t;
}

bool
rc_frame_starts_video(const struct rc_frame *fm)
{
	const struct ag_frame *fr = fm->fr;
	bool needs_vconf = fr->codec == AG_CODEC_H264 || fr->codec == AG_CODEC_H265;

	return fr->keyframe && fr->width > 0 && (!needs_vconf || fm->vconf_len > 0);
}

void
rc_user_media(struct rc_rec *r, struct rc_user *u, const struct rc_frame *fm)
{
	const struct ag_frame *fr = fm->fr;
	int64_t t = fm->t;
	bool video = ag_codec_is_video(fr->codec);
	struct rc_writer *w = video ? &u->video : &u->audio;
	struct ag_error e = { 0 };

	if (!r->recording)
		return;
	if ((video && r->opts->audio_only) || (!video && r->opts->video_only))
		return;
	if (video) {
		u->video_ssrc = fm->ssrc;
		/* What a video file can start with (below; raw.c the same). */
		if (rc_frame_starts_video(fm))
			u->video_ok = true;
	}
	if (!video)
		rc_levels_frame(r, u, fm);
	rc_emit_media(r, u->uid, &u->emit, fm);
	if (rc_raw_media(r, u->uid, &u->raw, fm))
		u->want_keyframe = true;	/* ingest.c's tick asks for it */
	/* Composite mode and the raw modes write no per-user file of a kind. */
	if (video ? !rc_files_video(r->opts) : !rc_files_audio(r->opts))
		return;
	if (w->kind != RC_W_NONE) {
		const char *why = NULL;
		if (w->failed)
			why = "its writer failed";
		else if (t - w->last_ms > RC_SPLIT_MS)
			why = "more than 15 s without media";
		else if (video && u->video_rejoin)
			why = "the user rejoined";
		else if (video && fr->keyframe && fr->width > 0 &&
		    (fr->width != w->width || fr->height != w->height))
			why = "the resolution changed";
		else if (w->codec != fr->codec)
			why = "the codec changed";
		if (why) {
			rc_log(&r->folder, 4, "uid %lu: %s ends: %s", (unsigned long)u->uid, w->name, why);
			close_writer(r, u, w, w->last_ms);
		}
	}
	if (w->kind == RC_W_NONE) {
		if (video) {
			u->video_rejoin = false;
			/* A video file starts at a key frame with a known size. */
			if (!rc_frame_starts_video(fm)) {
				u->want_keyframe = true;	/* ingest.c's tick asks for it */
				return;
			}
		}
		if (segment_for(r, u, t) < 0)
			return;
		if (r->disk_full)
			return;
		/* The SDK records the sender's channel count (agora-format.md
		 * 4.6, fm->channels); the decoder mixes later packets up or down. */
		if (rc_writer_open(&r->folder, w, u->uid, fm, &e) < 0) {
			if (rc_folder_full(&r->folder))
				r->disk_full = true;
			rc_log(&r->folder, 2, "uid %lu: cannot start a %s file: %s", (unsigned long)u->uid,
			    video ? "video" : "audio", e.msg);
			return;
		}
		txt_line(r, u, t, w->name, AG_TXT_CREATE, NULL);
		if (video)
			txt_line(r, u, t, w->name, AG_TXT_VINFO, w);
		rc_log(&r->folder, 4, "uid %lu: started %s", (unsigned long)u->uid, w->name);
	}
	errno = 0;
	if (rc_writer_write(&r->folder, w, fm, &e) < 0 && e.msg[0]) {
		if (errno == ENOSPC || errno == EDQUOT || rc_folder_full(&r->folder))
			r->disk_full = true;
		rc_log(&r->folder, 3, "uid %lu: %s: %s", (unsigned long)u->uid, w->name, e.msg);
	}
}

void
rc_user_leave(struct rc_rec *r, struct rc_user *u, int64_t now, const char *why)
{
	if (!u->present)
		return;
	u->present = false;
	u->video_rejoin = true;
	rc_emit_leave(r, u->uid, now, strcmp(why, "BYE") == 0 ? AG_STREAM_LEAVE_BYE : AG_STREAM_LEAVE_TIMEOUT);
	/* After a leave a reader forgets the user: a rejoin starts with new
	 * codec records (agrec-stream(5), ORDER). */
	u->emit.codec_sent[0] = u->emit.codec_sent[1] = false;
	rc_log(&r->folder, 4, "uid %lu left (%s)", (unsigned long)u->uid, why);
	rc_raw_close(r, u->uid, &u->raw);
	/* The video file ends now; the audio file waits 15 s for a rejoin. */
	close_writer(r, u, &u->video, u->video.last_ms);
}

void
rc_user_tick(struct rc_rec *r, struct rc_user *u, int64_t now)
{
	if (u->present && now - u->last_packet_ms > r->opts->leave_ms)
		rc_user_leave(r, u, now, "timeout");
	if (u->audio.kind != RC_W_NONE && (u->audio.failed || now - u->audio.last_ms > RC_SPLIT_MS))
		close_writer(r, u, &u->audio, u->audio.last_ms);
	if (u->video.kind != RC_W_NONE && (u->video.failed || now - u->video.last_ms > RC_SPLIT_MS))
		close_writer(r, u, &u->video, u->video.last_ms);
	rc_writer_stall_check(&r->folder, &u->audio, now, "starting a new file");
	rc_writer_stall_check(&r->folder, &u->video, now, "starting a new file");
	rc_raw_tick(r, &u->raw, now);
}

void
rc_user_stop(struct rc_rec *r, struct rc_user *u, int64_t t)
{
	/* The recorder leaves: a present user's files end now. */
	close_writer(r, u, &u->video, u->present ? t : u->video.last_ms);
	close_writer(r, u, &u->audio, u->present ? t : u->audio.last_ms);
	rc_raw_close(r, u->uid, &u->raw);
	if (u->txt_fd >= 0)
		txt_close(r, u);
}
