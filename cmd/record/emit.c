/*
 * emit.c - the live channel stream (agrec-stream(5)) of --emit, and
 * --dump, which prints a stream as text for debugging pipelines.
 *
 * The stream is a consumer, never a master: its fd is non-blocking, and
 * a reader that falls too far behind or goes away is dropped with a log
 * line while the recording goes on.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"
#include "exitcodes.h"
#include "record/record.h"

static void
emit_failed(struct rc_rec *r, const struct ag_error *e)
{
	rc_log(&r->folder, 2, "--emit: %s; the channel stream stops, the recording goes on", e->msg);
	ag_stream_writer_free(r->emit);
	r->emit = NULL;
	if (r->emit_fd > 1)
		close(r->emit_fd);
	r->emit_fd = -1;
}

int
rc_emit_open(struct rc_rec *r, struct ag_error *err)
{
	const char *path = r->opts->emit;
	struct ag_stream_channel ch;

	r->emit_fd = -1;
	if (path[0] == '\0')
		return 0;
	if (strcmp(path, "-") == 0)
		r->emit_fd = 1;
	else if ((r->emit_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666)) < 0)
		return ag_error_errno(err, AG_EX_IOERR, errno, "--emit %s", path);
	fcntl(r->emit_fd, F_SETFL, fcntl(r->emit_fd, F_GETFL) | O_NONBLOCK);
	if ((r->emit = ag_stream_writer_new(r->emit_fd, err)) == NULL)
		return -1;
	memset(&ch, 0, sizeof ch);
	ch.wall_us = r->folder.start_wall_ms * 1000;
	ch.origin = AG_STREAM_ORIGIN_START;
	ch.name = r->opts->channel;
	ch.name_len = strlen(r->opts->channel);
	if (ag_stream_write_channel(r->emit, &ch, err) < 0)
		return -1;
	return 0;
}

void
rc_emit_join(struct rc_rec *r, uint32_t uid, int64_t t)
{
	struct ag_stream_join j = { t * 1000, uid };
	struct ag_error e = { 0 };

	if (r->emit && ag_stream_write_join(r->emit, &j, &e) < 0)
		emit_failed(r, &e);
}

void
rc_emit_leave(struct rc_rec *r, uint32_t uid, int64_t t, int reason)
{
	struct ag_stream_leave l = { t * 1000, uid, (uint8_t)reason };
	struct ag_error e = { 0 };

	if (r->emit && ag_stream_write_leave(r->emit, &l, &e) < 0)
		emit_failed(r, &e);
}

void
rc_emit_media(struct rc_rec *r, struct rc_user *u, int64_t t90, const struct ag_frame *fr,
    const struct rc_ptmap *pm, const uint8_t *avcc, size_t avcc_len)
{
	int k = ag_codec_is_video(fr->codec) ? 1 : 0;
	struct ag_stream_media m;
	struct ag_error e = { 0 };

	if (r->emit == NULL)
		return;
	/* A codec record before the first frame, and again when it changes;
	 * video starts at a key frame whose size is known. */
	if (!u->emit_codec_sent[k] || u->emit_codec[k] != (int)fr->codec ||
	    (k == 1 && fr->keyframe && fr->width > 0 && (fr->width != u->emit_w || fr->height != u->emit_h))) {
		struct ag_stream_codec c;
		if (k == 1 && (!fr->keyframe || fr->width <= 0))
			return;
		memset(&c, 0, sizeof c);
		c.t_us = t90 * 1000 / 90;
		c.uid = u->uid;
		c.kind = k ? AG_STREAM_VIDEO : AG_STREAM_AUDIO;
		c.codec = (uint8_t)fr->codec;
		if (k == 1) {
			c.width = (uint16_t)fr->width;
			c.height = (uint16_t)fr->height;
			if (fr->codec == AG_CODEC_H264) {
				c.extradata = avcc;
				c.extradata_len = avcc_len;
			}
			u->emit_w = fr->width;
			u->emit_h = fr->height;
		} else {
			c.sample_rate = (uint32_t)pm->rate;
			c.channels = (uint16_t)pm->channels;
			if (fr->codec == AG_CODEC_AAC) {
				c.extradata = pm->aac_config;
				c.extradata_len = pm->aac_config_len;
			}
		}
		if (ag_stream_write_codec(r->emit, &c, &e) < 0) {
			emit_failed(r, &e);
			return;
		}
		u->emit_codec_sent[k] = true;
		u->emit_codec[k] = (int)fr->codec;
	}
	memset(&m, 0, sizeof m);
	m.pts_us = t90 * 1000 / 90;
	m.uid = u->uid;
	m.kind = k ? AG_STREAM_VIDEO : AG_STREAM_AUDIO;
	m.codec = (uint8_t)fr->codec;
	m.flags = (uint16_t)((fr->keyframe ? AG_STREAM_F_KEYFRAME : 0) |
	    (fr->after_loss ? AG_STREAM_F_DISCONT : 0));
	m.data = fr->data;
	m.len = fr->len;
	if (ag_stream_write_media(r->emit, &m, &e) < 0)
		emit_failed(r, &e);
}

void
rc_emit_end(struct rc_rec *r, int64_t t, int reason)
{
	struct ag_stream_end end = { t * 1000, (uint8_t)reason };
	struct ag_error e = { 0 };
	int i;

	if (r->emit == NULL)
		return;
	if (ag_stream_write_end(r->emit, &end, &e) < 0) {
		emit_failed(r, &e);
		return;
	}
	/* Give a slow reader a moment to take the rest, but never hang. */
	for (i = 0; i < 100 && r->emit && ag_stream_writer_pending(r->emit) > 0; i++) {
		struct timespec ts = { 0, 20 * 1000000 };
		rc_emit_drain(r);
		nanosleep(&ts, NULL);
	}
	if (r->emit && ag_stream_writer_pending(r->emit) > 0)
		rc_log(&r->folder, 3, "--emit: the reader did not take the last %zu bytes",
		    ag_stream_writer_pending(r->emit));
	ag_stream_writer_free(r->emit);
	r->emit = NULL;
	if (r->emit_fd > 1)
		close(r->emit_fd);
}

void
rc_emit_drain(struct rc_rec *r)
{
	struct ag_error e = { 0 };

	if (r->emit && ag_stream_writer_pending(r->emit) > 0 &&
	    ag_stream_writer_drain(r->emit, &e) < 0)
		emit_failed(r, &e);
}

int
rc_dump(const char *path)
{
	struct ag_stream_reader *rd;
	struct ag_stream_rec rec;
	struct ag_error e = { 0 };
	int fd, r, status = 0;

	if (strcmp(path, "-") == 0)
		fd = 0;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		ag_msg("--dump %s: %s", path, strerror(errno));
		return AG_EX_IOERR;
	}
	if ((rd = ag_stream_reader_new(fd, &e)) == NULL) {
		ag_msg("--dump %s: %s", path, e.msg);
		return e.code ? e.code : AG_EX_DATAERR;
	}
	while ((r = ag_stream_read(rd, &rec, &e)) == 1) {
		printf("%" PRIu64 " %s", rec.offset, ag_stream_type_name(rec.type));
		switch (rec.type) {
		case AG_STREAM_CHANNEL:
			printf(" name=%.*s wall_us=%" PRId64 " origin=%u", (int)rec.u.channel.name_len,
			    rec.u.channel.name, rec.u.channel.wall_us, rec.u.channel.origin);
			break;
		case AG_STREAM_JOIN:
			printf(" t=%.3f uid=%" PRIu32, rec.u.join.t_us / 1e6, rec.u.join.uid);
			break;
		case AG_STREAM_LEAVE:
			printf(" t=%.3f uid=%" PRIu32 " reason=%u", rec.u.leave.t_us / 1e6, rec.u.leave.uid,
			    rec.u.leave.reason);
			break;
		case AG_STREAM_CODEC:
			printf(" t=%.3f uid=%" PRIu32 " kind=%s codec=%s rate=%u ch=%u size=%ux%u extradata=%zu",
			    rec.u.codec.t_us / 1e6, rec.u.codec.uid, rec.u.codec.kind ? "video" : "audio",
			    ag_stream_codec_name(rec.u.codec.codec), rec.u.codec.sample_rate,
			    rec.u.codec.channels, rec.u.codec.width, rec.u.codec.height,
			    rec.u.codec.extradata_len);
			break;
		case AG_STREAM_MEDIA:
			printf(" pts=%.6f uid=%" PRIu32 " kind=%s codec=%s flags=%s%s bytes=%zu",
			    rec.u.media.pts_us / 1e6, rec.u.media.uid, rec.u.media.kind ? "video" : "audio",
			    ag_stream_codec_name(rec.u.media.codec),
			    rec.u.media.flags & AG_STREAM_F_KEYFRAME ? "K" : "-",
			    rec.u.media.flags & AG_STREAM_F_DISCONT ? "D" : "-", rec.u.media.len);
			break;
		case AG_STREAM_END:
			printf(" t=%.3f reason=%u", rec.u.end.t_us / 1e6, rec.u.end.reason);
			break;
		default:
			break;
		}
		putchar('\n');
	}
	if (r < 0) {
		ag_msg("--dump %s: %s", path, e.msg);
		status = e.code ? e.code : AG_EX_DATAERR;
	}
	ag_stream_reader_free(rd);
	if (fd > 0)
		close(fd);
	if (fflush(stdout) != 0)
		status = AG_EX_IOERR;
	return status;
}
