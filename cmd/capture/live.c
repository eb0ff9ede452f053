/*
 * live.c - the channel stream (agrec-stream(5)) as input: codec records
 * and video media records go to the engine, leave and end records end
 * users.  The input is read without blocking so that the decoder
 * children are serviced while it is idle.
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "capture/capture.h"
#include "fsutil.h"
#include "stream.h"

#define BATCH 256   /* records read between two services of the children */

static int
codec_of(unsigned id)
{
	switch (id) {
	case AG_STREAM_CODEC_H264: return CP_H264;
	case AG_STREAM_CODEC_VP8: return CP_VP8;
	case AG_STREAM_CODEC_H265: return CP_H265;
	}
	return -1;
}

int
cp_run_stream(struct cp_engine *e, int fd, const char *name, struct ag_error *err)
{
	struct ag_stream_reader *r = NULL;
	struct ag_stream_rec rec;
	bool have_channel = false, ended = false;
	int rc = -1;

	ag_fd_nonblock(fd);
	if ((r = ag_stream_reader_new(fd, err)) == NULL)
		goto out;
	while (!ended && !fe_stop_signal) {
		int p = cp_engine_pump(e, fd, -1, err);
		if (p < 0)
			goto out;
		if (p == 0)
			continue;
		for (int i = 0; i < BATCH; i++) {
			int s = ag_stream_read(r, &rec, err);
			if (s == AG_STREAM_AGAIN)
				break;
			if (s < 0) {
				/* "offset N: what" -> "NAME: offset N: what" */
				struct ag_error e2 = *err;
				ag_error_set(err, e2.code, "%s: %s", name, e2.msg);
				goto out;
			}
			if (s == 0) {
				ended = true;
				break;
			}
			if (!have_channel && rec.type != AG_STREAM_CHANNEL) {
				ag_error_set(err, AG_EX_DATAERR,
				    "%s: offset %llu: the first record is not a channel record",
				    name, (unsigned long long)rec.offset);
				goto out;
			}
			switch (rec.type) {
			case AG_STREAM_CHANNEL:
				have_channel = true;
				cp_engine_set_wall(e, rec.u.channel.wall_us);
				break;
			case AG_STREAM_CODEC:
				if (rec.u.codec.kind == AG_STREAM_VIDEO &&
				    cp_engine_codec(e, rec.u.codec.uid, codec_of(rec.u.codec.codec),
				    rec.u.codec.width, rec.u.codec.height, rec.u.codec.extradata,
				    rec.u.codec.extradata_len, err) < 0)
					goto out;
				break;
			case AG_STREAM_MEDIA:
				if (rec.u.media.kind == AG_STREAM_VIDEO &&
				    cp_engine_frame(e, rec.u.media.uid, rec.u.media.pts_us,
				    rec.u.media.flags & AG_STREAM_F_KEYFRAME,
				    rec.u.media.flags & AG_STREAM_F_DISCONT,
				    rec.u.media.data, rec.u.media.len, err) < 0)
					goto out;
				break;
			case AG_STREAM_LEAVE:
				if (cp_engine_user_end(e, rec.u.leave.uid, err) < 0)
					goto out;
				break;
			case AG_STREAM_END:
				ended = true;
				break;
			default:
				break;
			}
			if (ended)
				break;
		}
	}
	if (!have_channel) {
		ag_error_set(err, AG_EX_DATAERR, "%s: empty stream (no channel record)", name);
		goto out;
	}
	rc = 0;
out:
	ag_stream_reader_free(r);
	return rc;
}
