/*
 * test_stream.c - stream.c against agrec-stream(5): every record type
 * round trip through a pipe and a file, arbitrary splits of the input,
 * skipping of unknown records, every kind of corruption (with the
 * offset in the message), the non-blocking writer's pending bytes and
 * bound, a writer whose reader went away, and seeded random garbage.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "stream.h"

/* The example of agrec-stream(5), EXAMPLES, byte for byte. */
static const uint8_t man_example[] = {
	0x41, 0x47, 0x52, 0x45, 0x43, 0x53, 0x54, 0x52, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x0f, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x40, 0x1e, 0x18, 0x24, 0x0a, 0x06, 0x00,
	0x00, 0x04, 0x00, 0x64, 0x65, 0x6d, 0x6f,
	0x0c, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xe9, 0x03, 0x00, 0x00,
	0x1c, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xe9, 0x03, 0x00, 0x00, 0x00, 0x02, 0x80, 0xbb, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
	0x17, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x20, 0x4e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xe9, 0x03, 0x00, 0x00, 0x00, 0x02, 0x01, 0x00, 0x03, 0x00, 0x00, 0x00, 0xfc, 0xff, 0xfe,
	0x09, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x40, 0x9c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00,
};

static const uint8_t avcc[] = { 0x01, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0x00, 0x04, 0x67, 0x42, 0xc0, 0x1e, 0x01, 0x00, 0x02, 0x68, 0xce };
static const uint8_t opus_pkt[] = { 0xfc, 0xff, 0xfe };
static const uint8_t h264_au[] = { 0, 0, 0, 1, 0x65, 0x88, 0x84, 0x00, 0x33, 0, 0, 1, 0x41, 0x9a };
static const uint8_t pcm[] = { 1, 0, 2, 0, 3, 0, 4, 0 };  /* 2 stereo samples */
static const uint8_t i420_3x3[17] = { 16, 17, 18, 19, 20, 21, 22, 23, 24, 128, 129, 130, 131, 132, 133, 134, 135 };

#define BIG_LEN 300000   /* larger than a pipe's default 64 KiB */
#define NSAMPLE 12

/* One record of every type (and both flavours of media and raw). */
static size_t
sample_recs(struct ag_stream_rec *v, const uint8_t *big)
{
	size_t n = 0;

	memset(v, 0, NSAMPLE * sizeof *v);
	v[n].type = AG_STREAM_CHANNEL;
	v[n].u.channel = (struct ag_stream_channel){ 1700000000123456, AG_STREAM_ORIGIN_FIRST_PACKET, "room 7_$(x)", 11 };
	n++;
	v[n].type = AG_STREAM_JOIN;
	v[n].u.join = (struct ag_stream_join){ 0, 1001 };
	n++;
	v[n].type = AG_STREAM_CODEC;
	v[n].u.codec = (struct ag_stream_codec){ 5, 1001, AG_STREAM_VIDEO, AG_STREAM_CODEC_H264, 0, 0, 640, 360, avcc, sizeof avcc };
	n++;
	v[n].type = AG_STREAM_CODEC;
	v[n].u.codec = (struct ag_stream_codec){ 5, 1001, AG_STREAM_AUDIO, AG_STREAM_CODEC_OPUS, 48000, 2, 0, 0, NULL, 0 };
	n++;
	v[n].type = AG_STREAM_MEDIA;
	v[n].u.media = (struct ag_stream_media){ -20000, 1001, AG_STREAM_AUDIO, AG_STREAM_CODEC_OPUS, 0, opus_pkt, sizeof opus_pkt };
	n++;
	v[n].type = AG_STREAM_MEDIA;
	v[n].u.media = (struct ag_stream_media){ INT64_MAX, 4294967295u, AG_STREAM_VIDEO, AG_STREAM_CODEC_H264,
	    AG_STREAM_F_KEYFRAME | AG_STREAM_F_DISCONT, h264_au, sizeof h264_au };
	n++;
	v[n].type = AG_STREAM_MEDIA;
	v[n].u.media = (struct ag_stream_media){ 66000, 1001, AG_STREAM_VIDEO, AG_STREAM_CODEC_VP8, AG_STREAM_F_KEYFRAME, big, BIG_LEN };
	n++;
	v[n].type = AG_STREAM_MUTE;
	v[n].u.mute = (struct ag_stream_mute){ 70000, 1001, AG_STREAM_VIDEO, true };
	n++;
	v[n].type = AG_STREAM_RAW;
	v[n].u.raw = (struct ag_stream_raw){ 80000, 1001, AG_STREAM_AUDIO, AG_STREAM_CODEC_PCM_S16LE, 0, 48000, 2, 0, 0, pcm, sizeof pcm };
	n++;
	v[n].type = AG_STREAM_RAW;
	v[n].u.raw = (struct ag_stream_raw){ 80000, 1001, AG_STREAM_VIDEO, AG_STREAM_CODEC_I420, AG_STREAM_F_KEYFRAME, 0, 0, 3, 3, i420_3x3, sizeof i420_3x3 };
	n++;
	v[n].type = AG_STREAM_LEAVE;
	v[n].u.leave = (struct ag_stream_leave){ 90000, 1001, AG_STREAM_LEAVE_TIMEOUT };
	n++;
	v[n].type = AG_STREAM_END;
	v[n].u.end = (struct ag_stream_end){ INT64_MIN, AG_STREAM_END_IDLE };
	n++;
	cr_assert_eq(n, NSAMPLE);
	return n;
}

static uint8_t *
make_big(void)
{
	uint8_t *big = malloc(BIG_LEN);
	size_t i;

	cr_assert_not_null(big);
	for (i = 0; i < BIG_LEN; i++)
		big[i] = (uint8_t)(i * 7 + 3);
	return big;
}

static void
expect_bytes(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	cr_assert_eq(alen, blen, "length %zu != %zu", alen, blen);
	if (alen > 0)
		cr_assert(memcmp(a, b, alen) == 0);
}

/* got must be want with every field equal. */
static void
expect_same(const struct ag_stream_rec *got, const struct ag_stream_rec *want)
{
	cr_assert_eq(got->type, want->type, "type %u, want %u", got->type, want->type);
	switch (want->type) {
	case AG_STREAM_CHANNEL:
		cr_assert_eq(got->u.channel.wall_us, want->u.channel.wall_us);
		cr_assert_eq(got->u.channel.origin, want->u.channel.origin);
		expect_bytes((const uint8_t *)got->u.channel.name, got->u.channel.name_len,
		    (const uint8_t *)want->u.channel.name, want->u.channel.name_len);
		break;
	case AG_STREAM_JOIN:
		cr_assert_eq(got->u.join.t_us, want->u.join.t_us);
		cr_assert_eq(got->u.join.uid, want->u.join.uid);
		break;
	case AG_STREAM_LEAVE:
		cr_assert_eq(got->u.leave.t_us, want->u.leave.t_us);
		cr_assert_eq(got->u.leave.uid, want->u.leave.uid);
		cr_assert_eq(got->u.leave.reason, want->u.leave.reason);
		break;
	case AG_STREAM_CODEC:
		cr_assert_eq(got->u.codec.t_us, want->u.codec.t_us);
		cr_assert_eq(got->u.codec.uid, want->u.codec.uid);
		cr_assert_eq(got->u.codec.kind, want->u.codec.kind);
		cr_assert_eq(got->u.codec.codec, want->u.codec.codec);
		cr_assert_eq(got->u.codec.sample_rate, want->u.codec.sample_rate);
		cr_assert_eq(got->u.codec.channels, want->u.codec.channels);
		cr_assert_eq(got->u.codec.width, want->u.codec.width);
		cr_assert_eq(got->u.codec.height, want->u.codec.height);
		expect_bytes(got->u.codec.extradata, got->u.codec.extradata_len,
		    want->u.codec.extradata, want->u.codec.extradata_len);
		break;
	case AG_STREAM_MUTE:
		cr_assert_eq(got->u.mute.t_us, want->u.mute.t_us);
		cr_assert_eq(got->u.mute.uid, want->u.mute.uid);
		cr_assert_eq(got->u.mute.kind, want->u.mute.kind);
		cr_assert_eq(got->u.mute.muted, want->u.mute.muted);
		break;
	case AG_STREAM_MEDIA:
		cr_assert_eq(got->u.media.pts_us, want->u.media.pts_us);
		cr_assert_eq(got->u.media.uid, want->u.media.uid);
		cr_assert_eq(got->u.media.kind, want->u.media.kind);
		cr_assert_eq(got->u.media.codec, want->u.media.codec);
		cr_assert_eq(got->u.media.flags, want->u.media.flags);
		expect_bytes(got->u.media.data, got->u.media.len, want->u.media.data, want->u.media.len);
		break;
	case AG_STREAM_RAW:
		cr_assert_eq(got->u.raw.pts_us, want->u.raw.pts_us);
		cr_assert_eq(got->u.raw.uid, want->u.raw.uid);
		cr_assert_eq(got->u.raw.kind, want->u.raw.kind);
		cr_assert_eq(got->u.raw.format, want->u.raw.format);
		cr_assert_eq(got->u.raw.flags, want->u.raw.flags);
		cr_assert_eq(got->u.raw.sample_rate, want->u.raw.sample_rate);
		cr_assert_eq(got->u.raw.channels, want->u.raw.channels);
		cr_assert_eq(got->u.raw.width, want->u.raw.width);
		cr_assert_eq(got->u.raw.height, want->u.raw.height);
		expect_bytes(got->u.raw.data, got->u.raw.len, want->u.raw.data, want->u.raw.len);
		break;
	case AG_STREAM_END:
		cr_assert_eq(got->u.end.t_us, want->u.end.t_us);
		cr_assert_eq(got->u.end.reason, want->u.end.reason);
		break;
	default:
		cr_assert_fail("unexpected type %u", want->type);
	}
}

/* Write rec with its typed helper, so that every helper is exercised. */
static int
write_typed(struct ag_stream_writer *w, const struct ag_stream_rec *rec, struct ag_error *err)
{
	switch (rec->type) {
	case AG_STREAM_CHANNEL: return ag_stream_write_channel(w, &rec->u.channel, err);
	case AG_STREAM_JOIN: return ag_stream_write_join(w, &rec->u.join, err);
	case AG_STREAM_LEAVE: return ag_stream_write_leave(w, &rec->u.leave, err);
	case AG_STREAM_CODEC: return ag_stream_write_codec(w, &rec->u.codec, err);
	case AG_STREAM_MUTE: return ag_stream_write_mute(w, &rec->u.mute, err);
	case AG_STREAM_MEDIA: return ag_stream_write_media(w, &rec->u.media, err);
	case AG_STREAM_RAW: return ag_stream_write_raw(w, &rec->u.raw, err);
	case AG_STREAM_END: return ag_stream_write_end(w, &rec->u.end, err);
	case AG_STREAM_LEVELS: return ag_stream_write_levels(w, &rec->u.levels, err);
	}
	return ag_stream_write(w, rec, err);
}

/* The bytes of a stream produced by gen(w, arg) with a real writer. */
static uint8_t *
capture(void (*gen)(struct ag_stream_writer *, void *), void *arg, size_t *len)
{
	struct ag_error err = { 0 };
	struct ag_stream_writer *w;
	uint8_t *buf;
	off_t size;
	int fd;

	fd = memfd_create("stream", MFD_CLOEXEC);
	cr_assert(fd >= 0);
	w = ag_stream_writer_new(fd, &err);
	cr_assert_not_null(w, "%s", err.msg);
	gen(w, arg);
	cr_assert_eq(ag_stream_writer_pending(w), 0);
	size = lseek(fd, 0, SEEK_END);
	cr_assert_eq((uint64_t)size, ag_stream_writer_offset(w));
	ag_stream_writer_free(w);
	buf = malloc((size_t)size + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(pread(fd, buf, (size_t)size, 0), size);
	close(fd);
	*len = (size_t)size;
	return buf;
}

struct recs {
	const struct ag_stream_rec *v;
	size_t n;
};

static void
gen_recs(struct ag_stream_writer *w, void *arg)
{
	const struct recs *r = arg;
	struct ag_error err = { 0 };
	size_t i;

	for (i = 0; i < r->n; i++)
		cr_assert_eq(write_typed(w, &r->v[i], &err), 0, "%s", err.msg);
}

struct writer_job {
	int fd;
	const struct ag_stream_rec *v;
	size_t n;
	const uint8_t *bytes;   /* instead: write these bytes one at a time */
	size_t nbytes;
	int rc;
	struct ag_error err;
};

static void *
writer_thread(void *arg)
{
	struct writer_job *job = arg;
	struct ag_stream_writer *w;
	size_t i;

	job->rc = 0;
	if (job->bytes != NULL) {
		for (i = 0; i < job->nbytes; i++)
			if (write(job->fd, job->bytes + i, 1) != 1)
				job->rc = -1;
	} else if ((w = ag_stream_writer_new(job->fd, &job->err)) == NULL) {
		job->rc = -1;
	} else {
		for (i = 0; i < job->n && job->rc == 0; i++)
			job->rc = write_typed(w, &job->v[i], &job->err);
		ag_stream_writer_free(w);
	}
	close(job->fd);
	return NULL;
}

/* Read every record from fd and compare it with want[0..n). */
static void
read_expect(int fd, const struct ag_stream_rec *want, size_t n)
{
	struct ag_error err = { 0 };
	struct ag_stream_reader *r;
	struct ag_stream_rec rec;
	size_t i;

	r = ag_stream_reader_new(fd, &err);
	cr_assert_not_null(r);
	for (i = 0; i < n; i++) {
		cr_assert_eq(ag_stream_read(r, &rec, &err), 1, "record %zu: %s", i, err.msg);
		expect_same(&rec, &want[i]);
	}
	cr_assert_eq(ag_stream_read(r, &rec, &err), 0, "%s", err.msg);
	cr_assert_eq(ag_stream_read(r, &rec, &err), 0);
	cr_assert_not_null(ag_stream_reader_header(r));
	cr_assert_eq(ag_stream_reader_header(r)->major, AG_STREAM_MAJOR);
	cr_assert_eq(ag_stream_reader_header(r)->minor, AG_STREAM_MINOR);
	cr_assert_eq(ag_stream_reader_skipped(r), 0);
	ag_stream_reader_free(r);
}

Test(stream, round_trip_every_type_through_a_pipe)
{
	struct ag_stream_rec v[NSAMPLE];
	struct writer_job job = { 0 };
	uint8_t *big = make_big();
	pthread_t th;
	int p[2];

	job.n = sample_recs(v, big);
	job.v = v;
	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	job.fd = p[1];
	cr_assert_eq(pthread_create(&th, NULL, writer_thread, &job), 0);
	read_expect(p[0], v, job.n);
	pthread_join(th, NULL);
	cr_assert_eq(job.rc, 0, "%s", job.err.msg);
	close(p[0]);
	free(big);
}

Test(stream, round_trip_through_a_file_and_memory)
{
	struct ag_stream_rec v[NSAMPLE];
	uint8_t *big = make_big(), *bytes;
	struct recs recs = { v, 0 };
	struct ag_error err = { 0 };
	size_t len;
	int fd;

	recs.n = sample_recs(v, big);
	bytes = capture(gen_recs, &recs, &len);
	fd = memfd_create("file", MFD_CLOEXEC);
	cr_assert_eq(write(fd, bytes, len), (ssize_t)len);
	cr_assert_eq(lseek(fd, 0, SEEK_SET), 0);
	read_expect(fd, v, recs.n);
	close(fd);
	cr_assert_eq(ag_stream_parse_buf(bytes, len, NULL, NULL, &err), (int)recs.n, "%s", err.msg);
	free(bytes);
	free(big);
}

static void
gen_man_example(struct ag_stream_writer *w, void *arg)
{
	struct ag_error err = { 0 };

	(void)arg;
	cr_assert_eq(ag_stream_write_channel(w, &(struct ag_stream_channel){
	    1700000000000000, AG_STREAM_ORIGIN_START, "demo", 4 }, &err), 0);
	cr_assert_eq(ag_stream_write_join(w, &(struct ag_stream_join){ 0, 1001 }, &err), 0);
	cr_assert_eq(ag_stream_write_codec(w, &(struct ag_stream_codec){
	    0, 1001, AG_STREAM_AUDIO, AG_STREAM_CODEC_OPUS, 48000, 2, 0, 0, NULL, 0 }, &err), 0);
	cr_assert_eq(ag_stream_write_media(w, &(struct ag_stream_media){
	    20000, 1001, AG_STREAM_AUDIO, AG_STREAM_CODEC_OPUS, AG_STREAM_F_KEYFRAME,
	    opus_pkt, sizeof opus_pkt }, &err), 0);
	cr_assert_eq(ag_stream_write_end(w, &(struct ag_stream_end){ 40000, AG_STREAM_END_STOP }, &err), 0);
}

Test(stream, writer_produces_the_man_page_example)
{
	size_t len;
	uint8_t *bytes = capture(gen_man_example, NULL, &len);

	expect_bytes(bytes, len, man_example, sizeof man_example);
	free(bytes);
}

struct collect {
	struct ag_stream_rec rec[64];
	size_t n;
};

static void
collect_fn(const struct ag_stream_rec *rec, void *arg)
{
	struct collect *c = arg;

	cr_assert_lt(c->n, 64);
	c->rec[c->n++] = *rec;
}

Test(stream, parse_buf_decodes_the_man_page_example)
{
	struct collect c = { .n = 0 };
	struct ag_error err = { 0 };

	cr_assert_eq(ag_stream_parse_buf(man_example, sizeof man_example, collect_fn, &c, &err), 5, "%s", err.msg);
	cr_assert_eq(c.rec[0].type, AG_STREAM_CHANNEL);
	cr_assert_eq(c.rec[0].offset, 16);
	cr_assert_eq(c.rec[0].u.channel.wall_us, 1700000000000000);
	cr_assert_eq(c.rec[0].u.channel.name_len, 4);
	cr_assert(memcmp(c.rec[0].u.channel.name, "demo", 4) == 0);
	cr_assert_eq(c.rec[1].u.join.uid, 1001);
	cr_assert_eq(c.rec[2].u.codec.sample_rate, 48000);
	cr_assert_eq(c.rec[3].type, AG_STREAM_MEDIA);
	cr_assert_eq(c.rec[3].offset, 95);
	cr_assert_eq(c.rec[3].u.media.pts_us, 20000);
	cr_assert_eq(c.rec[3].u.media.flags, AG_STREAM_F_KEYFRAME);
	cr_assert_eq(c.rec[3].u.media.len, 3);
	cr_assert_eq(c.rec[4].type, AG_STREAM_END);
	cr_assert_eq(c.rec[4].u.end.t_us, 40000);
}

Test(stream, fed_one_byte_at_a_time)
{
	struct ag_stream_rec v[NSAMPLE], rec;
	uint8_t *big = make_big(), *bytes;
	struct recs recs = { v, 0 };
	struct ag_error err = { 0 };
	struct ag_stream_reader *r;
	size_t len, i, got = 0;
	int rc;

	recs.n = sample_recs(v, big);
	bytes = capture(gen_recs, &recs, &len);
	r = ag_stream_reader_new(-1, &err);
	cr_assert_not_null(r);
	for (i = 0; i < len; i++) {
		cr_assert_eq(ag_stream_reader_feed(r, bytes + i, 1, &err), 0);
		while ((rc = ag_stream_read(r, &rec, &err)) == 1) {
			cr_assert_lt(got, recs.n);
			expect_same(&rec, &v[got]);
			got++;
		}
		cr_assert(rc == AG_STREAM_AGAIN || (rc == 0 && got == recs.n),
		    "byte %zu: rc %d: %s", i, rc, err.msg);
	}
	cr_assert_eq(got, recs.n);
	cr_assert_eq(ag_stream_reader_feed(r, NULL, 0, &err), 0);
	cr_assert_eq(ag_stream_read(r, &rec, &err), 0);
	cr_assert_eq(ag_stream_reader_feed(r, "x", 1, &err), -1);
	ag_stream_reader_free(r);
	free(bytes);
	free(big);
}

Test(stream, pipe_written_one_byte_per_write)
{
	struct ag_stream_rec v[NSAMPLE];
	struct writer_job job = { 0 };
	uint8_t *big = make_big(), *bytes;
	struct recs recs = { v, 0 };
	pthread_t th;
	size_t len;
	int p[2];

	/* A smaller big frame keeps 1-byte writes quick. */
	recs.n = sample_recs(v, big);
	v[6].u.media.len = 5000;
	bytes = capture(gen_recs, &recs, &len);
	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	job.fd = p[1];
	job.bytes = bytes;
	job.nbytes = len;
	cr_assert_eq(pthread_create(&th, NULL, writer_thread, &job), 0);
	read_expect(p[0], v, recs.n);
	pthread_join(th, NULL);
	cr_assert_eq(job.rc, 0);
	close(p[0]);
	free(bytes);
	free(big);
}

static void
gen_with_unknown(struct ag_stream_writer *w, void *arg)
{
	struct ag_error err = { 0 };
	uint8_t longer_join[20];

	(void)arg;
	cr_assert_eq(ag_stream_write_join(w, &(struct ag_stream_join){ 1, 7 }, &err), 0);
	cr_assert_eq(ag_stream_write_record(w, 0x1234, "future record", 13, &err), 0);
	cr_assert_eq(ag_stream_write_record(w, 0x8001, NULL, 0, &err), 0);
	cr_assert_eq(ag_stream_write_record(w, 0, "z", 1, &err), 0);
	/* A join of a later minor version, with 8 more bytes: the reader
	 * takes the fields it knows and ignores the rest. */
	memset(longer_join, 0xee, sizeof longer_join);
	memcpy(longer_join, "\x02\0\0\0\0\0\0\0\x08\0\0\0", 12);
	cr_assert_eq(ag_stream_write_record(w, AG_STREAM_JOIN, longer_join, sizeof longer_join, &err), 0);
}

Test(stream, unknown_record_types_are_skipped_and_counted)
{
	struct ag_stream_reader *r;
	struct ag_stream_rec rec;
	struct ag_error err = { 0 };
	struct collect c = { .n = 0 };
	size_t len;
	uint8_t *bytes = capture(gen_with_unknown, NULL, &len);

	cr_assert_eq(ag_stream_parse_buf(bytes, len, collect_fn, &c, &err), 2, "%s", err.msg);
	r = ag_stream_reader_new(-1, &err);
	cr_assert_eq(ag_stream_reader_feed(r, bytes, len, &err), 0);
	cr_assert_eq(ag_stream_reader_feed(r, NULL, 0, &err), 0);
	cr_assert_eq(ag_stream_read(r, &rec, &err), 1);
	cr_assert_eq(rec.u.join.uid, 7);
	cr_assert_eq(ag_stream_read(r, &rec, &err), 1, "%s", err.msg);
	cr_assert_eq(rec.type, AG_STREAM_JOIN);
	cr_assert_eq(rec.u.join.t_us, 2);
	cr_assert_eq(rec.u.join.uid, 8);
	cr_assert_eq(rec.body_len, 20);
	cr_assert_eq(ag_stream_reader_skipped(r), 3);
	cr_assert_eq(ag_stream_read(r, &rec, &err), 0);
	cr_assert_eq(ag_stream_reader_offset(r), len);
	ag_stream_reader_free(r);
	free(bytes);
}

/*
 * Feed bytes to parse_buf, to a fed reader and to a reader of a pipe:
 * all three must fail with AG_EX_DATAERR and a message containing
 * every string of want (NULL-terminated).
 */
static void
expect_bad(const uint8_t *bytes, size_t len, const char *const *want)
{
	struct ag_error err = { 0 };
	struct ag_stream_reader *r;
	struct ag_stream_rec rec;
	struct writer_job job = { 0 };
	pthread_t th;
	int p[2], rc, pass;
	size_t i;

	cr_assert_eq(ag_stream_parse_buf(bytes, len, NULL, NULL, &err), -1);
	for (pass = 0; pass < 3; pass++) {
		cr_assert_eq(err.code, AG_EX_DATAERR, "pass %d: code %d: %s", pass, err.code, err.msg);
		for (i = 0; want[i] != NULL; i++)
			cr_assert_not_null(strstr(err.msg, want[i]),
			    "pass %d: '%s' not in '%s'", pass, want[i], err.msg);
		if (pass == 2)
			break;
		memset(&err, 0, sizeof err);
		if (pass == 0) {
			r = ag_stream_reader_new(-1, &err);
			cr_assert_eq(ag_stream_reader_feed(r, bytes, len, &err), 0);
			cr_assert_eq(ag_stream_reader_feed(r, NULL, 0, &err), 0);
		} else {
			cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
			job.fd = p[1];
			job.bytes = bytes;
			job.nbytes = len;
			cr_assert_eq(pthread_create(&th, NULL, writer_thread, &job), 0);
			r = ag_stream_reader_new(p[0], &err);
		}
		while ((rc = ag_stream_read(r, &rec, &err)) == 1)
			;
		cr_assert_eq(rc, -1, "pass %d: rc %d", pass, rc);
		/* The error sticks. */
		struct ag_error again = { 0 };
		cr_assert_eq(ag_stream_read(r, &rec, &again), -1);
		cr_assert_str_eq(again.msg, err.msg);
		ag_stream_reader_free(r);
		if (pass == 1) {
			pthread_join(th, NULL);
			close(p[0]);
		}
	}
}

#define BAD(bytes, len, ...) expect_bad((bytes), (len), (const char *const[]){ __VA_ARGS__, NULL })

/* man_example with a change: returns a copy. */
static uint8_t *
patched(size_t at, const void *with, size_t n)
{
	uint8_t *b = malloc(sizeof man_example);

	memcpy(b, man_example, sizeof man_example);
	memcpy(b + at, with, n);
	return b;
}

Test(stream, bad_magic)
{
	uint8_t *b = patched(0, "AGRECSTX", 8);

	BAD(b, sizeof man_example, "offset 0", "bad magic");
	BAD((const uint8_t *)"RIFF\0\0\0\0WAVEfmt \0\0\0\0\0\0\0\0", 24, "offset 0", "magic");
	free(b);
}

Test(stream, major_version_2_is_rejected_minor_is_not)
{
	uint8_t *b = patched(8, "\x02\x00\x00\x00", 4);
	struct ag_error err = { 0 };

	BAD(b, sizeof man_example, "offset 8", "version 2.0");
	free(b);
	b = patched(8, "\x01\x00\x07\x00\xff\xff\xff\xff", 8);
	cr_assert_eq(ag_stream_parse_buf(b, sizeof man_example, NULL, NULL, &err), 5, "%s", err.msg);
	free(b);
}

Test(stream, truncated_header)
{
	BAD(man_example, 10, "offset 0", "truncated stream header", "10 of 16");
	BAD(man_example, 0, "offset 0", "0 of 16");
}

Test(stream, truncated_record_header_and_payload)
{
	/* The media record starts at 95, its 3 payload bytes at 123. */
	BAD(man_example, 16 + 5, "offset 16", "truncated record", "5 of 8 header bytes");
	BAD(man_example, 122, "offset 95", "truncated media record", "19 of 23 body bytes");
	BAD(man_example, 125, "offset 95", "truncated media record", "22 of 23");
}

Test(stream, eof_between_records_is_a_clean_end)
{
	struct ag_error err = { 0 };
	static const size_t cuts[] = { 16, 39, 59, 95, 126 };
	size_t i;
	int n;

	for (i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
		n = ag_stream_parse_buf(man_example, cuts[i], NULL, NULL, &err);
		cr_assert_eq(n, (int)i, "cut %zu: %d: %s", cuts[i], n, err.msg);
	}
}

Test(stream, oversized_length)
{
	uint8_t *b = patched(16, "\x01\x00\x00\x01", 4);  /* 16 MiB + 1 */

	BAD(b, sizeof man_example, "offset 16", "record length 16777217 exceeds the maximum");
	free(b);
	b = patched(95, "\xff\xff\xff\xff", 4);
	BAD(b, sizeof man_example, "offset 95", "4294967295");
	free(b);
}

Test(stream, fixed_fields_longer_than_the_record)
{
	/* The join at 39 claims a 4-byte body: the next 4 bytes are read as
	 * its body, and the join's fixed 12 do not fit. */
	uint8_t *b = patched(39, "\x04\x00\x00\x00", 4);

	BAD(b, sizeof man_example, "offset 39", "join record", "4 bytes is shorter than its 12 fixed bytes");
	free(b);
	/* An end record of 0 bytes. */
	b = patched(126, "\x00\x00\x00\x00", 4);
	BAD(b, 134, "offset 126", "end record", "0 bytes is shorter than its 9");
	free(b);
}

Test(stream, variable_field_overruns_the_record)
{
	uint8_t *b = patched(95 + 8 + 16, "\x04\x00\x00\x00", 4);  /* payload 4 > 3 left */

	BAD(b, sizeof man_example, "offset 95", "media record", "payload of 4 bytes overruns", "3 bytes left");
	free(b);
	b = patched(16 + 8 + 9, "\x05\x00", 2);
	BAD(b, sizeof man_example, "offset 16", "channel name of 5 bytes overruns");
	free(b);
}

Test(stream, invalid_values)
{
	uint8_t *b = patched(95 + 8 + 12, "\x07", 1);

	BAD(b, sizeof man_example, "offset 95", "unknown media kind 7");
	free(b);
	b = patched(95 + 8 + 12, "\x01", 1);  /* opus as video */
	BAD(b, sizeof man_example, "offset 95", "codec opus is not video");
	free(b);
	b = patched(59 + 8 + 13, "\x40", 1);   /* pcm_s16le in a codec record */
	BAD(b, sizeof man_example, "offset 59", "raw format pcm_s16le");
	free(b);
	b = patched(16 + 8 + 11, "de\0o", 4);
	BAD(b, sizeof man_example, "offset 16", "NUL");
	free(b);
}

static void
gen_bad_mute(struct ag_stream_writer *w, void *arg)
{
	struct ag_error err = { 0 };

	(void)arg;
	cr_assert_eq(ag_stream_write_record(w, AG_STREAM_MUTE,
	    "\0\0\0\0\0\0\0\0\x01\0\0\0\x01\x02", 14, &err), 0);
}

static void
gen_bad_i420(struct ag_stream_writer *w, void *arg)
{
	struct ag_error err = { 0 };
	uint8_t body[30 + 16] = { 0 };

	(void)arg;
	body[12] = AG_STREAM_VIDEO;
	body[13] = AG_STREAM_CODEC_I420;
	body[22] = 3;     /* 3x3 needs 17 bytes */
	body[24] = 3;
	body[26] = 16;
	cr_assert_eq(ag_stream_write_record(w, AG_STREAM_RAW, body, sizeof body, &err), 0);
}

Test(stream, invalid_mute_and_raw_records)
{
	size_t len;
	uint8_t *b = capture(gen_bad_mute, NULL, &len);

	BAD(b, len, "offset 16", "muted is 2");
	free(b);
	b = capture(gen_bad_i420, NULL, &len);
	BAD(b, len, "offset 16", "i420 payload of 16 bytes does not match 3x3 (17 bytes)");
	free(b);
}

Test(stream, nothing_is_read_after_end)
{
	uint8_t b[sizeof man_example + 4];
	struct ag_error err = { 0 };
	struct ag_stream_reader *r;
	struct ag_stream_rec rec;
	int n = 0;

	memcpy(b, man_example, sizeof man_example);
	memcpy(b + sizeof man_example, "junk", 4);
	cr_assert_eq(ag_stream_parse_buf(b, sizeof b, NULL, NULL, &err), 5, "%s", err.msg);
	r = ag_stream_reader_new(-1, &err);
	cr_assert_eq(ag_stream_reader_feed(r, b, sizeof b, &err), 0);
	while (ag_stream_read(r, &rec, &err) == 1)
		n++;
	cr_assert_eq(n, 5);
	cr_assert_eq(rec.type, AG_STREAM_END);
	cr_assert_eq(ag_stream_read(r, &rec, &err), 0);
	ag_stream_reader_free(r);
}

Test(stream, nonblocking_reader_says_again)
{
	struct ag_error err = { 0 };
	struct ag_stream_reader *r;
	struct ag_stream_rec rec;
	int p[2];

	cr_assert_eq(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	r = ag_stream_reader_new(p[0], &err);
	cr_assert_eq(ag_stream_read(r, &rec, &err), AG_STREAM_AGAIN);
	cr_assert_eq(write(p[1], man_example, 50), 50);
	cr_assert_eq(ag_stream_read(r, &rec, &err), 1, "%s", err.msg);
	cr_assert_eq(rec.type, AG_STREAM_CHANNEL);
	cr_assert_eq(ag_stream_read(r, &rec, &err), AG_STREAM_AGAIN);  /* join incomplete */
	cr_assert_eq(write(p[1], man_example + 50, sizeof man_example - 50), (ssize_t)(sizeof man_example - 50));
	cr_assert_eq(ag_stream_read(r, &rec, &err), 1);
	cr_assert_eq(rec.type, AG_STREAM_JOIN);
	close(p[1]);
	ag_stream_reader_free(r);
	close(p[0]);
}

/* Read everything available from a non-blocking fd into *buf. */
static void
slurp(int fd, uint8_t **buf, size_t *len, size_t *cap)
{
	ssize_t n;

	for (;;) {
		if (*cap - *len < 65536) {
			*cap = *cap * 2 + 65536;
			*buf = realloc(*buf, *cap);
			cr_assert_not_null(*buf);
		}
		n = read(fd, *buf + *len, *cap - *len);
		if (n <= 0)
			break;
		*len += (size_t)n;
	}
}

/* Records in bytes must be media with pts 0, 1, 2 ... n-1 and a 1000-byte payload. */
static void
count_sequence(const uint8_t *bytes, size_t len, int64_t n)
{
	struct ag_error err = { 0 };
	struct ag_stream_reader *r = ag_stream_reader_new(-1, &err);
	struct ag_stream_rec rec;
	int64_t i = 0;
	int rc;

	cr_assert_eq(ag_stream_reader_feed(r, bytes, len, &err), 0);
	cr_assert_eq(ag_stream_reader_feed(r, NULL, 0, &err), 0);
	while ((rc = ag_stream_read(r, &rec, &err)) == 1) {
		cr_assert_eq(rec.type, AG_STREAM_MEDIA);
		cr_assert_eq(rec.u.media.pts_us, i, "record %lld has pts %lld", (long long)i, (long long)rec.u.media.pts_us);
		cr_assert_eq(rec.u.media.len, 1000);
		cr_assert_eq(rec.u.media.data[999], (uint8_t)i);
		i++;
	}
	cr_assert_eq(rc, 0, "%s", err.msg);
	cr_assert_eq(i, n);
	ag_stream_reader_free(r);
}

static int
write_seq(struct ag_stream_writer *w, int64_t i, struct ag_error *err)
{
	uint8_t payload[1000];

	memset(payload, (uint8_t)i, sizeof payload);
	return ag_stream_write_media(w, &(struct ag_stream_media){ i, 1, AG_STREAM_VIDEO,
	    AG_STREAM_CODEC_VP8, 0, payload, sizeof payload }, err);
}

Test(stream, nonblocking_writer_keeps_pending_bytes_and_drains_without_loss)
{
	struct ag_error err = { 0 };
	struct ag_stream_writer *w;
	uint8_t *got = NULL;
	size_t len = 0, cap = 0;
	int64_t i, n = 0;
	int p[2], rc;

	cr_assert_eq(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	fcntl(p[1], F_SETPIPE_SZ, 4096);
	w = ag_stream_writer_new(p[1], &err);
	cr_assert_not_null(w);
	/* Fill the pipe until bytes stay pending, then queue 100 more. */
	while (ag_stream_writer_pending(w) == 0) {
		cr_assert_eq(write_seq(w, n++, &err), 0, "%s", err.msg);
		cr_assert_lt(n, 100000);
	}
	for (i = 0; i < 100; i++)
		cr_assert_eq(write_seq(w, n++, &err), 0, "%s", err.msg);
	cr_assert_gt(ag_stream_writer_pending(w), 100 * 1000);
	/* The consumer reads a bit at a time; the loop drains on POLLOUT. */
	for (;;) {
		slurp(p[0], &got, &len, &cap);
		rc = ag_stream_writer_drain(w, &err);
		cr_assert_geq(rc, 0, "%s", err.msg);
		if (rc == 0)
			break;
	}
	cr_assert_eq(ag_stream_writer_pending(w), 0);
	slurp(p[0], &got, &len, &cap);
	cr_assert_eq(len, ag_stream_writer_offset(w));
	count_sequence(got, len, n);
	ag_stream_writer_free(w);
	close(p[0]);
	close(p[1]);
	free(got);
}

Test(stream, pending_bound_reports_overflow_and_keeps_the_stream_whole)
{
	struct ag_error err = { 0 };
	struct ag_stream_writer *w;
	uint8_t *got = NULL;
	size_t len = 0, cap = 0;
	struct ag_stream_reader *r;
	struct ag_stream_rec rec;
	uint64_t before;
	int64_t n = 0, k = 0, dropped;
	int p[2], rc;

	cr_assert_eq(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	fcntl(p[1], F_SETPIPE_SZ, 4096);
	w = ag_stream_writer_new(p[1], &err);
	ag_stream_writer_set_max_pending(w, 10000);
	for (;;) {
		before = ag_stream_writer_offset(w);
		if ((rc = write_seq(w, n, &err)) < 0)
			break;
		n++;
		cr_assert_lt(n, 100000);
	}
	cr_assert_eq(err.code, AG_EX_IOERR);
	cr_assert_not_null(strstr(err.msg, "too slow"), "%s", err.msg);
	cr_assert_eq(ag_stream_writer_offset(w), before);  /* dropped whole */
	cr_assert_leq(ag_stream_writer_pending(w), 10000 + 1028);
	/* The caller may go on once the consumer caught up. */
	slurp(p[0], &got, &len, &cap);
	while ((rc = ag_stream_writer_drain(w, &err)) == 1)
		slurp(p[0], &got, &len, &cap);
	cr_assert_eq(rc, 0);
	dropped = n;
	cr_assert_eq(write_seq(w, dropped + 1, &err), 0, "%s", err.msg);
	slurp(p[0], &got, &len, &cap);
	/* The record that did not fit is missing, the rest is intact. */
	cr_assert_eq(len, ag_stream_writer_offset(w));
	r = ag_stream_reader_new(-1, &err);
	ag_stream_reader_feed(r, got, len, &err);
	ag_stream_reader_feed(r, NULL, 0, &err);
	while ((rc = ag_stream_read(r, &rec, &err)) == 1) {
		cr_assert_eq(rec.u.media.pts_us, k < dropped ? k : dropped + 1);
		k++;
	}
	cr_assert_eq(rc, 0, "%s", err.msg);
	cr_assert_eq(k, dropped + 1);
	ag_stream_reader_free(r);
	ag_stream_writer_free(w);
	close(p[0]);
	close(p[1]);
	free(got);
}

Test(stream, writer_to_a_closed_pipe_reports_epipe)
{
	struct ag_error err = { 0 }, err2 = { 0 };
	struct ag_stream_writer *w;
	int p[2];

	signal(SIGPIPE, SIG_IGN);
	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	w = ag_stream_writer_new(p[1], &err);
	cr_assert_not_null(w);
	close(p[0]);
	errno = 0;
	cr_assert_eq(ag_stream_write_join(w, &(struct ag_stream_join){ 0, 1 }, &err), -1);
	cr_assert_eq(errno, EPIPE);
	cr_assert_eq(err.code, AG_EX_IOERR);
	cr_assert_not_null(strstr(err.msg, strerror(EPIPE)), "%s", err.msg);
	cr_assert_eq(ag_stream_writer_drain(w, &err2), -1);
	cr_assert_eq(err2.code, AG_EX_IOERR);
	cr_assert_eq(ag_stream_write_end(w, &(struct ag_stream_end){ 0, 0 }, &err2), -1);
	ag_stream_writer_free(w);
	close(p[1]);

	/* At creation: the header cannot be written either. */
	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	close(p[0]);
	cr_assert_null(ag_stream_writer_new(p[1], &err));
	cr_assert_eq(err.code, AG_EX_IOERR);
	close(p[1]);
}

Test(stream, writer_refuses_invalid_records_and_writes_nothing)
{
	struct ag_error err = { 0 };
	struct ag_stream_writer *w;
	uint8_t *huge;
	uint64_t off;
	int fd = memfd_create("w", MFD_CLOEXEC);

	w = ag_stream_writer_new(fd, &err);
	off = ag_stream_writer_offset(w);
	cr_assert_eq(ag_stream_write_media(w, &(struct ag_stream_media){ 0, 1, 9,
	    AG_STREAM_CODEC_OPUS, 0, opus_pkt, 3 }, &err), -1);
	cr_assert_eq(err.code, AG_EX_DATAERR);
	cr_assert_not_null(strstr(err.msg, "unknown media kind 9"), "%s", err.msg);
	cr_assert_eq(ag_stream_write_media(w, &(struct ag_stream_media){ 0, 1, AG_STREAM_AUDIO,
	    AG_STREAM_CODEC_OPUS, 0, opus_pkt, 0 }, &err), -1);
	cr_assert_eq(ag_stream_write_raw(w, &(struct ag_stream_raw){ 0, 1, AG_STREAM_VIDEO,
	    AG_STREAM_CODEC_I420, 0, 0, 0, 4, 4, i420_3x3, sizeof i420_3x3 }, &err), -1);
	cr_assert_eq(ag_stream_write_raw(w, &(struct ag_stream_raw){ 0, 1, AG_STREAM_AUDIO,
	    AG_STREAM_CODEC_PCM_S16LE, 0, 48000, 2, 0, 0, pcm, 6 }, &err), -1);
	cr_assert_eq(ag_stream_write_channel(w, &(struct ag_stream_channel){ 0, 0, "a\0b", 3 }, &err), -1);
	cr_assert_eq(ag_stream_write_record(w, 1, NULL, AG_STREAM_MAX_BODY + 1u, &err), -1);
	cr_assert_eq(ag_stream_write(w, &(struct ag_stream_rec){ .type = 99 }, &err), -1);
	huge = calloc(1, AG_STREAM_MAX_BODY);
	cr_assert_eq(ag_stream_write_media(w, &(struct ag_stream_media){ 0, 1, AG_STREAM_VIDEO,
	    AG_STREAM_CODEC_VP8, 0, huge, AG_STREAM_MAX_BODY }, &err), -1);
	cr_assert_eq(err.code, AG_EX_DATAERR);
	cr_assert_not_null(strstr(err.msg, "exceeds the maximum"), "%s", err.msg);
	cr_assert_eq(ag_stream_writer_offset(w), off);
	/* The largest body that fits is written and read back. */
	cr_assert_eq(ag_stream_write_media(w, &(struct ag_stream_media){ 0, 1, AG_STREAM_VIDEO,
	    AG_STREAM_CODEC_VP8, 0, huge, AG_STREAM_MAX_BODY - 20 }, &err), 0, "%s", err.msg);
	cr_assert_eq(lseek(fd, 0, SEEK_SET), 0);
	{
		struct ag_stream_reader *r = ag_stream_reader_new(fd, &err);
		struct ag_stream_rec rec;

		cr_assert_eq(ag_stream_read(r, &rec, &err), 1, "%s", err.msg);
		cr_assert_eq(rec.u.media.len, AG_STREAM_MAX_BODY - 20);
		cr_assert_eq(ag_stream_read(r, &rec, &err), 0);
		ag_stream_reader_free(r);
	}
	free(huge);
	ag_stream_writer_free(w);
	close(fd);
}

Test(stream, names_and_sizes)
{
	cr_assert_str_eq(ag_stream_type_name(AG_STREAM_MEDIA), "media");
	cr_assert_str_eq(ag_stream_type_name(0x1234), "unknown");
	cr_assert_str_eq(ag_stream_codec_name(AG_STREAM_CODEC_AAC), "aac");
	cr_assert_str_eq(ag_stream_codec_name(AG_STREAM_CODEC_I420), "i420");
	cr_assert_str_eq(ag_stream_codec_name(200), "unknown");
	cr_assert_eq(ag_stream_i420_size(640, 360), 640 * 360 * 3 / 2);
	cr_assert_eq(ag_stream_i420_size(3, 3), 17);
	cr_assert_eq(ag_stream_i420_size(65535, 65535), (size_t)65535 * 65535 + 2 * (size_t)32768 * 32768);
}

/* xorshift64*: a seeded generator, so that a failure can be replayed. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

Test(stream, random_garbage_never_crashes, .timeout = 120)
{
	struct ag_stream_rec v[NSAMPLE], rec;
	uint8_t *big = make_big(), *valid, *b;
	struct recs recs = { v, 0 };
	struct ag_error err;
	struct ag_stream_reader *r;
	uint64_t seed = 0x5eed5eedull;
	size_t vlen, len, i, k, nflip;
	int iter, n, m, rc;

	recs.n = sample_recs(v, big);
	v[6].u.media.len = 300;  /* keep inputs small */
	valid = capture(gen_recs, &recs, &vlen);
	b = malloc(vlen + 4096);
	for (iter = 0; iter < 20000; iter++) {
		switch (iter % 3) {
		case 0:  /* pure garbage after a valid header */
			len = rnd(&seed) % 4096;
			for (i = 0; i < len; i++)
				b[i] = (uint8_t)rnd(&seed);
			if (len >= 16)
				memcpy(b, valid, 16);
			break;
		case 1:  /* a valid stream with bytes flipped */
			len = vlen;
			memcpy(b, valid, vlen);
			nflip = 1 + rnd(&seed) % 8;
			for (k = 0; k < nflip; k++)
				b[rnd(&seed) % len] = (uint8_t)rnd(&seed);
			break;
		default:  /* a valid stream cut anywhere, small lengths made large */
			len = rnd(&seed) % (vlen + 1);
			memcpy(b, valid, len);
			if (len > 40)
				b[16 + rnd(&seed) % 24] ^= 0x80;
			break;
		}
		memset(&err, 0, sizeof err);
		n = ag_stream_parse_buf(b, len, NULL, NULL, &err);
		cr_assert(n >= -1);
		if (n < 0)
			cr_assert(err.code == AG_EX_DATAERR && strncmp(err.msg, "offset ", 7) == 0,
			    "seed iter %d: %d %s", iter, err.code, err.msg);
		/* The streaming reader agrees with parse_buf, fed in odd chunks. */
		r = ag_stream_reader_new(-1, &err);
		m = 0;
		rc = AG_STREAM_AGAIN;
		for (i = 0; i < len && rc != -1; ) {
			k = 1 + rnd(&seed) % 97;
			if (k > len - i)
				k = len - i;
			ag_stream_reader_feed(r, b + i, k, &err);
			i += k;
			while ((rc = ag_stream_read(r, &rec, &err)) == 1)
				m++;
		}
		if (rc != -1) {
			ag_stream_reader_feed(r, NULL, 0, &err);
			while ((rc = ag_stream_read(r, &rec, &err)) == 1)
				m++;
		}
		if (n >= 0)
			cr_assert(rc == 0 && m == n, "iter %d: reader %d/%d, parse_buf %d", iter, rc, m, n);
		else
			cr_assert(rc == -1, "iter %d: reader %d, parse_buf failed", iter, rc);
		ag_stream_reader_free(r);
	}
	free(b);
	free(valid);
	free(big);
}

/* ---- levels (1.1) ---- */

static void
gen_levels(struct ag_stream_writer *w, void *arg)
{
	struct ag_error err = { 0 };
	uint8_t e[3 * AG_STREAM_LEVEL_SIZE];
	struct ag_stream_levels l = { .t_us = 2000000, .interval_ms = 200, .active_uid = 4000000000u,
	    .flags = AG_STREAM_LEVELS_F_ACTIVE, .entries = e, .entries_len = sizeof e };

	(void)arg;
	ag_stream_level_put(e, &(struct ag_stream_level){ 4000000000u, -1234, AG_STREAM_LEVEL_DECODED });
	ag_stream_level_put(e + 8, &(struct ag_stream_level){ 7, AG_STREAM_LEVEL_MIN_CB, AG_STREAM_LEVEL_RFC6464 });
	ag_stream_level_put(e + 16, &(struct ag_stream_level){ 8, 0, 9 });
	cr_assert_eq(ag_stream_write_levels(w, &l, &err), 0, "%s", err.msg);
	l.flags = 0;
	l.entries_len = 0;
	cr_assert_eq(ag_stream_write_levels(w, &l, &err), 0, "%s", err.msg);
}

Test(stream, levels_round_trip)
{
	struct ag_stream_reader *r;
	struct ag_stream_rec rec;
	struct ag_stream_level lv;
	struct ag_error err = { 0 };
	size_t len;
	uint8_t *bytes = capture(gen_levels, NULL, &len);

	cr_assert_eq(len, 16 + 8 + 19 + 24 + 8 + 19);
	r = ag_stream_reader_new(-1, &err);
	cr_assert_eq(ag_stream_reader_feed(r, bytes, len, &err), 0);
	cr_assert_eq(ag_stream_reader_feed(r, NULL, 0, &err), 0);
	cr_assert_eq(ag_stream_read(r, &rec, &err), 1, "%s", err.msg);
	cr_assert_eq(ag_stream_reader_header(r)->minor, 1);
	cr_assert_eq(rec.type, AG_STREAM_LEVELS);
	cr_assert_str_eq(ag_stream_type_name(rec.type), "levels");
	cr_assert_eq(rec.u.levels.t_us, 2000000);
	cr_assert_eq(rec.u.levels.interval_ms, 200);
	cr_assert_eq(rec.u.levels.active_uid, 4000000000u);
	cr_assert_eq(rec.u.levels.flags, AG_STREAM_LEVELS_F_ACTIVE);
	cr_assert_eq(ag_stream_levels_count(&rec.u.levels), 3);
	ag_stream_levels_get(&rec.u.levels, 0, &lv);
	cr_assert_eq(lv.uid, 4000000000u);
	cr_assert_eq(lv.level_cb, -1234);
	cr_assert_eq(lv.source, AG_STREAM_LEVEL_DECODED);
	ag_stream_levels_get(&rec.u.levels, 1, &lv);
	cr_assert_eq(lv.level_cb, AG_STREAM_LEVEL_MIN_CB);
	cr_assert_eq(lv.source, AG_STREAM_LEVEL_RFC6464);
	ag_stream_levels_get(&rec.u.levels, 2, &lv);
	cr_assert_eq(lv.level_cb, 0);
	cr_assert_eq(lv.source, 9, "an unknown source passes through");
	cr_assert_eq(ag_stream_read(r, &rec, &err), 1, "%s", err.msg);
	cr_assert_eq(ag_stream_levels_count(&rec.u.levels), 0);
	cr_assert_eq(rec.u.levels.flags, 0);
	cr_assert_eq(ag_stream_read(r, &rec, &err), 0);
	ag_stream_reader_free(r);
	free(bytes);
}

static void
gen_bad_levels(struct ag_stream_writer *w, void *arg)
{
	struct ag_error err = { 0 };
	uint8_t body[19 + 8] = { 0 };

	body[17] = (uint8_t)(uintptr_t)arg;   /* entries length */
	body[19 + 4] = 0x10;                   /* level +16 cB: above 0 dBov */
	cr_assert_eq(ag_stream_write_record(w, AG_STREAM_LEVELS, body,
	    19 + (size_t)(uintptr_t)arg, &err), 0);
}

Test(stream, invalid_levels_records)
{
	struct ag_error err = { 0 };
	struct ag_stream_writer *w;
	uint8_t e[AG_STREAM_LEVEL_SIZE];
	size_t len;
	uint8_t *b = capture(gen_bad_levels, (void *)(uintptr_t)7, &len);

	BAD(b, len, "offset 16", "levels record", "7 bytes", "whole number");
	free(b);
	b = capture(gen_bad_levels, (void *)(uintptr_t)8, &len);
	BAD(b, len, "offset 16", "uid 0: level 16 cB is outside");
	free(b);
	/* The writer refuses a level out of range and writes nothing. */
	w = ag_stream_writer_new(open("/dev/null", O_WRONLY | O_CLOEXEC), &err);
	cr_assert_not_null(w);
	ag_stream_level_put(e, &(struct ag_stream_level){ 1, -12800, 0 });
	cr_assert_eq(ag_stream_write_levels(w, &(struct ag_stream_levels){ .entries = e,
	    .entries_len = sizeof e }, &err), -1);
	cr_assert_eq(err.code, AG_EX_DATAERR);
	cr_assert_eq(ag_stream_writer_offset(w), AG_STREAM_HEADER_SIZE);
	ag_stream_writer_free(w);
}
