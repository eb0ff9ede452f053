#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "be.h"
#include "buf.h"
#include "mkv.h"

/* Element IDs (RFC 9559 and the EBML RFC 8794); IDs keep their length marker. */
#define ID_EBML               0x1A45DFA3u
#define ID_EBML_VERSION       0x4286u
#define ID_EBML_READ_VERSION  0x42F7u
#define ID_EBML_MAX_ID_LEN    0x42F2u
#define ID_EBML_MAX_SIZE_LEN  0x42F3u
#define ID_DOCTYPE            0x4282u
#define ID_DOCTYPE_VERSION    0x4287u
#define ID_DOCTYPE_READ_VER   0x4285u
#define ID_SEGMENT            0x18538067u
#define ID_INFO               0x1549A966u
#define ID_TIMESTAMP_SCALE    0x2AD7B1u
#define ID_MUXING_APP         0x4D80u
#define ID_WRITING_APP        0x5741u
#define ID_DURATION           0x4489u
#define ID_VOID               0xECu
#define ID_TRACKS             0x1654AE6Bu
#define ID_TRACK_ENTRY        0xAEu
#define ID_TRACK_NUMBER       0xD7u
#define ID_TRACK_UID          0x73C5u
#define ID_TRACK_TYPE         0x83u
#define ID_FLAG_LACING        0x9Cu
#define ID_LANGUAGE           0x22B59Cu
#define ID_CODEC_ID           0x86u
#define ID_CODEC_PRIVATE      0x63A2u
#define ID_CODEC_DELAY        0x56AAu
#define ID_SEEK_PRE_ROLL      0x56BBu
#define ID_VIDEO              0xE0u
#define ID_PIXEL_WIDTH        0xB0u
#define ID_PIXEL_HEIGHT       0xBAu
#define ID_AUDIO              0xE1u
#define ID_SAMPLING_FREQ      0xB5u
#define ID_CHANNELS           0x9Fu
#define ID_BIT_DEPTH          0x6264u
#define ID_CLUSTER            0x1F43B675u
#define ID_TIMESTAMP          0xE7u
#define ID_SIMPLE_BLOCK       0xA3u

#define TRACK_TYPE_VIDEO 1
#define TRACK_TYPE_AUDIO 2

/* Room kept before a cluster's blocks for its ID, size and Timestamp. */
#define CLUSTER_HEAD_ROOM 32
#define MAX_CLUSTER_FRAMES 8192
#define OPUS_SEEK_PRE_ROLL_NS 80000000u   /* 80 ms, RFC 7845 */


struct track {
	bool video;
	bool have_last;
	int64_t last_ts;
	int64_t last_step;   /* last_ts minus the time before it: the last frame's length */
};

struct frame {
	size_t ts_off;   /* offset in clus of the block's relative timestamp */
	int64_t ts;
};

struct ag_mkv {
	int fd;
	int ntracks;
	struct track tracks[AG_MKV_MAX_TRACKS];

	struct ag_buf clus;          /* CLUSTER_HEAD_ROOM bytes, then SimpleBlocks */
	struct frame *frames;     /* MAX_CLUSTER_FRAMES */
	size_t nframes;
	int64_t c_min, c_max;     /* frame times in the cluster being collected */
	bool have_cluster_ts;
	int64_t last_cluster_ts;  /* Timestamp of the last sealed cluster */

	struct ag_buf out;           /* sealed bytes not yet written, from out_off */
	size_t out_off;
	uint64_t written;         /* bytes the fd has taken, in all */

	off_t dur_at;             /* file offset of the Void kept for Duration, or -1 */

	uint64_t clamped;
	struct ag_sticky fail;    /* a write error happened: sticky */
};

static void
put_byte(struct ag_buf *b, uint8_t v)
{
	ag_buf_append(b, &v, 1);
}

/* Bytes needed for v as a big-endian unsigned integer (at least 1). */
static int
uint_len(uint64_t v)
{
	int n = 1;

	while (n < 8 && (v >> (8 * n)) != 0)
		n++;
	return n;
}

int
ag_mkv_vint(uint64_t v, int minlen, uint8_t out[8])
{
	int n;

	if (minlen < 1 || minlen > 8 || v >= ((uint64_t)1 << 56) - 1)
		return -1;
	/* n bytes carry 7n value bits; the all-ones value is reserved. */
	for (n = minlen; n < 8; n++)
		if (v < ((uint64_t)1 << (7 * n)) - 1)
			break;
	v |= (uint64_t)1 << (7 * n);
	for (int i = n - 1; i >= 0; i--) {
		out[i] = (uint8_t)v;
		v >>= 8;
	}
	return n;
}

static void
put_size(struct ag_buf *b, uint64_t v, int minlen)
{
	uint8_t tmp[8];
	int n = ag_mkv_vint(v, minlen, tmp);

	if (n < 0)
		b->failed = true;   /* cannot happen: every size here is bounded */
	else
		ag_buf_append(b, tmp, (size_t)n);
}

/* IDs are written as they are (their marker bits are part of them). */
static void
put_id(struct ag_buf *b, uint32_t id)
{
	ag_buf_append_be(b, id, uint_len(id));
}

static void
put_uint(struct ag_buf *b, uint32_t id, uint64_t v)
{
	int n = uint_len(v);

	put_id(b, id);
	put_size(b, (uint64_t)n, 1);
	ag_buf_append_be(b, v, n);
}

static void
put_float(struct ag_buf *b, uint32_t id, double v)
{
	uint64_t bits;

	memcpy(&bits, &v, sizeof bits);
	put_id(b, id);
	put_size(b, 8, 1);
	ag_buf_append_be(b, bits, 8);
}

static void
put_bin(struct ag_buf *b, uint32_t id, const void *p, size_t n)
{
	put_id(b, id);
	put_size(b, n, 1);
	ag_buf_append(b, p, n);
}

static void
put_str(struct ag_buf *b, uint32_t id, const char *s)
{
	put_bin(b, id, s, strlen(s));
}

/* Open a master element of known size: returns where its 8-byte size goes. */
static size_t
master_begin(struct ag_buf *b, uint32_t id)
{
	static const uint8_t zero[8];
	size_t off;

	put_id(b, id);
	off = b->len;
	ag_buf_append(b, zero, 8);
	return off;
}

static void
master_end(struct ag_buf *b, size_t off)
{
	if (b->failed)
		return;
	ag_mkv_vint(b->len - off - 8, 8, b->p + off);
}

/* Record a write failure; every later call reports it again. */
static int
fail(struct ag_mkv *m, int errnum, struct ag_error *err, const char *what)
{
	return ag_sticky_set(&m->fail, err, AG_EX_IOERR, errnum, "matroska output: %s", what);
}

/*
 * write(2) as much of p as the fd takes: returns the bytes written, or
 * -1 with errno (never EAGAIN or EINTR).
 */
static ssize_t
write_some(int fd, const uint8_t *p, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t w = write(fd, p + done, n - done);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			/* On a regular file (ENOSPC), undo the part written, so that the
			 * file ends with a whole cluster. */
			if (done > 0) {
				int e = errno;
				off_t cur = lseek(fd, 0, SEEK_CUR);
				if (cur >= (off_t)done && ftruncate(fd, cur - (off_t)done) == 0)
					lseek(fd, cur - (off_t)done, SEEK_SET);
				errno = e;
			}
			return -1;
		}
		done += (size_t)w;
	}
	return (ssize_t)done;
}

int
ag_mkv_drain(struct ag_mkv *m, struct ag_error *err)
{
	ssize_t w;

	if (m->fail.failed)
		return ag_sticky_replay(&m->fail, err);
	if (m->out.len == m->out_off)
		return 0;
	if ((w = write_some(m->fd, m->out.p + m->out_off, m->out.len - m->out_off)) < 0)
		return fail(m, errno, err, "write");
	m->out_off += (size_t)w;
	m->written += (uint64_t)w;
	if (m->out_off < m->out.len)
		return 1;
	m->out.len = m->out_off = 0;
	return 0;
}

/* Hand n sealed bytes to the fd, or keep what it would not take. */
static int
emit(struct ag_mkv *m, const uint8_t *p, size_t n, struct ag_error *err)
{
	ssize_t w = 0;

	if (m->out.len == m->out_off) {
		/* Nothing queued: one write call for the whole piece. */
		m->out.len = m->out_off = 0;
		if ((w = write_some(m->fd, p, n)) < 0)
			return fail(m, errno, err, "write");
		m->written += (uint64_t)w;
		if ((size_t)w == n)
			return 0;
	}
	if (m->out.len - m->out_off + (n - (size_t)w) > AG_MKV_MAX_PENDING)
		return fail(m, ENOBUFS, err, "output stalled: too many bytes pending");
	if (m->out_off > 0) {
		memmove(m->out.p, m->out.p + m->out_off, m->out.len - m->out_off);
		m->out.len -= m->out_off;
		m->out_off = 0;
	}
	ag_buf_append(&m->out, p + w, n - (size_t)w);
	if (m->out.failed)
		return fail(m, ENOMEM, err, "queueing output");
	return ag_mkv_drain(m, err) < 0 ? -1 : 0;
}

/* Write the cluster being collected, if any. */
static int
seal(struct ag_mkv *m, struct ag_error *err)
{
	uint8_t head[CLUSTER_HEAD_ROOM];
	size_t blocks, i, hlen, start;
	int tn, r;

	if (m->nframes == 0)
		return 0;
	for (i = 0; i < m->nframes; i++) {
		int64_t rel = m->frames[i].ts - m->c_min;   /* 0..AG_MKV_CLUSTER_MS-1 */

		ag_wr16(m->clus.p + m->frames[i].ts_off, (uint16_t)rel);
	}
	/* ID, 8-byte size, Timestamp: at most 4 + 8 + 2 + 8 bytes, placed
	 * right before the blocks so the cluster is one contiguous write. */
	blocks = m->clus.len - CLUSTER_HEAD_ROOM;
	tn = uint_len((uint64_t)m->c_min);
	ag_wr32(head, ID_CLUSTER);
	ag_mkv_vint((uint64_t)(2 + tn) + blocks, 8, head + 4);
	head[12] = (uint8_t)ID_TIMESTAMP;
	head[13] = (uint8_t)(0x80 | tn);
	for (i = 0; i < (size_t)tn; i++)
		head[14 + i] = (uint8_t)((uint64_t)m->c_min >> (8 * (tn - 1 - (int)i)));
	hlen = 14 + (size_t)tn;
	start = CLUSTER_HEAD_ROOM - hlen;
	memcpy(m->clus.p + start, head, hlen);

	r = emit(m, m->clus.p + start, hlen + blocks, err);
	m->last_cluster_ts = m->c_min;
	m->have_cluster_ts = true;
	m->nframes = 0;
	m->clus.len = CLUSTER_HEAD_ROOM;
	return r;
}

static const char *
codec_id(enum ag_mkv_codec c)
{
	switch (c) {
	case AG_MKV_VP8: return "V_VP8";
	case AG_MKV_VP9: return "V_VP9";
	case AG_MKV_H264: return "V_MPEG4/ISO/AVC";
	case AG_MKV_OPUS: return "A_OPUS";
	case AG_MKV_AAC: return "A_AAC";
	case AG_MKV_PCM_S16LE: return "A_PCM/INT/LIT";
	case AG_MKV_H265: return "V_MPEGH/ISO/HEVC";
	}
	return NULL;
}

static bool
is_video(enum ag_mkv_codec c)
{
	return c == AG_MKV_VP8 || c == AG_MKV_VP9 || c == AG_MKV_H264 || c == AG_MKV_H265;
}

static int
check_track(const struct ag_mkv_track *t, int n, struct ag_error *err)
{
	if (codec_id(t->codec) == NULL)
		return ag_error_set(err, AG_EX_USAGE, "matroska track %d: unknown codec %d", n, (int)t->codec);
	if (t->codec_private_len > AG_MKV_MAX_PRIVATE ||
	    (t->codec_private_len > 0 && t->codec_private == NULL))
		return ag_error_set(err, AG_EX_USAGE, "matroska track %d: bad codec private data", n);
	if ((t->codec == AG_MKV_H264 || t->codec == AG_MKV_H265 || t->codec == AG_MKV_AAC)
	    && t->codec_private_len == 0)
		return ag_error_set(err, AG_EX_USAGE, "matroska track %d: %s needs codec private data",
		    n, codec_id(t->codec));
	if (is_video(t->codec)) {
		if (t->width < 1 || t->width > 65535 || t->height < 1 || t->height > 65535)
			return ag_error_set(err, AG_EX_USAGE, "matroska track %d: bad size %dx%d",
			    n, t->width, t->height);
		return 0;
	}
	if (t->sample_rate < 1 || t->sample_rate > 384000 || t->channels < 1 || t->channels > 8)
		return ag_error_set(err, AG_EX_USAGE, "matroska track %d: bad audio %d Hz, %d channels",
		    n, t->sample_rate, t->channels);
	if (t->codec == AG_MKV_OPUS && (t->opus_pre_skip < 0 || t->opus_pre_skip > 65535))
		return ag_error_set(err, AG_EX_USAGE, "matroska track %d: bad Opus pre-skip %d",
		    n, t->opus_pre_skip);
	return 0;
}

static int
put_track(struct ag_buf *b, const struct ag_mkv_track *t, int n, struct ag_error *err)
{
	uint8_t head[AG_MKV_OPUS_HEAD_LEN];
	const void *priv = t->codec_private;
	size_t privlen = t->codec_private_len, entry, sub;

	if (t->codec == AG_MKV_OPUS && privlen == 0) {
		if (ag_mkv_opus_head(t->channels, t->opus_pre_skip, t->sample_rate, head) < 0)
			return ag_error_set(err, AG_EX_USAGE,
			    "matroska track %d: cannot describe Opus with %d channels", n, t->channels);
		priv = head;
		privlen = sizeof head;
	}
	entry = master_begin(b, ID_TRACK_ENTRY);
	put_uint(b, ID_TRACK_NUMBER, (uint64_t)n);
	put_uint(b, ID_TRACK_UID, (uint64_t)n);
	put_uint(b, ID_TRACK_TYPE, is_video(t->codec) ? TRACK_TYPE_VIDEO : TRACK_TYPE_AUDIO);
	put_uint(b, ID_FLAG_LACING, 0);
	put_str(b, ID_LANGUAGE, "und");
	put_str(b, ID_CODEC_ID, codec_id(t->codec));
	if (privlen > 0)
		put_bin(b, ID_CODEC_PRIVATE, priv, privlen);
	if (t->codec == AG_MKV_OPUS) {
		put_uint(b, ID_CODEC_DELAY, (uint64_t)t->opus_pre_skip * 1000000000u / 48000u);
		put_uint(b, ID_SEEK_PRE_ROLL, OPUS_SEEK_PRE_ROLL_NS);
	}
	if (is_video(t->codec)) {
		sub = master_begin(b, ID_VIDEO);
		put_uint(b, ID_PIXEL_WIDTH, (uint64_t)t->width);
		put_uint(b, ID_PIXEL_HEIGHT, (uint64_t)t->height);
		master_end(b, sub);
	} else {
		sub = master_begin(b, ID_AUDIO);
		/* Opus always decodes at 48 kHz; OpusHead keeps the input rate. */
		put_float(b, ID_SAMPLING_FREQ, t->codec == AG_MKV_OPUS ? 48000.0 : (double)t->sample_rate);
		put_uint(b, ID_CHANNELS, (uint64_t)t->channels);
		if (t->codec == AG_MKV_PCM_S16LE)
			put_uint(b, ID_BIT_DEPTH, 16);
		master_end(b, sub);
	}
	master_end(b, entry);
	return 0;
}

static void
mkv_free(struct ag_mkv *m)
{
	if (m == NULL)
		return;
	ag_buf_free(&m->clus);
	ag_buf_free(&m->out);
	free(m->frames);
	free(m);
}

struct ag_mkv *
ag_mkv_open(int fd, const struct ag_mkv_track *tracks, int ntracks, struct ag_error *err)
{
	static const uint8_t unknown_size[8] = { 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t zero9[9];
	struct ag_buf h = { 0 };
	struct stat st;
	size_t dur_off;
	int fl;
	struct ag_mkv *m = NULL;
	bool webm = true;
	size_t off;
	int i;

	if (ntracks < 1 || ntracks > AG_MKV_MAX_TRACKS) {
		ag_error_set(err, AG_EX_USAGE, "matroska: %d tracks, not 1..%d", ntracks, AG_MKV_MAX_TRACKS);
		goto out;
	}
	for (i = 0; i < ntracks; i++) {
		if (check_track(&tracks[i], i + 1, err) < 0)
			goto out;
		if (tracks[i].codec != AG_MKV_VP8 && tracks[i].codec != AG_MKV_VP9 &&
		    tracks[i].codec != AG_MKV_OPUS)
			webm = false;
	}

	off = master_begin(&h, ID_EBML);
	put_uint(&h, ID_EBML_VERSION, 1);
	put_uint(&h, ID_EBML_READ_VERSION, 1);
	put_uint(&h, ID_EBML_MAX_ID_LEN, 4);
	put_uint(&h, ID_EBML_MAX_SIZE_LEN, 8);
	put_str(&h, ID_DOCTYPE, webm ? "webm" : "matroska");
	put_uint(&h, ID_DOCTYPE_VERSION, 4);   /* CodecDelay, SeekPreRoll */
	put_uint(&h, ID_DOCTYPE_READ_VER, 2);  /* SimpleBlock */
	master_end(&h, off);

	put_id(&h, ID_SEGMENT);
	ag_buf_append(&h, unknown_size, sizeof unknown_size);

	off = master_begin(&h, ID_INFO);
	put_uint(&h, ID_TIMESTAMP_SCALE, 1000000);   /* 1 ms */
	put_str(&h, ID_MUXING_APP, "agrec");
	put_str(&h, ID_WRITING_APP, "agrec");
	/* Room for a Duration (2 + 1 + 8 bytes) filled in at close on a
	 * regular file; a file cut short keeps a harmless Void. */
	dur_off = h.len;
	put_id(&h, ID_VOID);
	put_size(&h, 9, 1);
	ag_buf_append(&h, zero9, sizeof zero9);
	master_end(&h, off);

	off = master_begin(&h, ID_TRACKS);
	for (i = 0; i < ntracks; i++)
		if (put_track(&h, &tracks[i], i + 1, err) < 0)
			goto out;
	master_end(&h, off);

	/* An empty cluster: ffmpeg refuses a file that ends right after
	 * Tracks, and a recorder killed before its first cluster is full
	 * must still leave a file that opens (with no frames). */
	off = master_begin(&h, ID_CLUSTER);
	put_uint(&h, ID_TIMESTAMP, 0);
	master_end(&h, off);

	if (h.failed || (m = calloc(1, sizeof *m)) == NULL ||
	    (m->frames = calloc(MAX_CLUSTER_FRAMES, sizeof *m->frames)) == NULL ||
	    ag_buf_reserve(&m->clus, CLUSTER_HEAD_ROOM + 4096) < 0) {
		ag_error_set(err, AG_EX_FAIL, "matroska: out of memory");
		mkv_free(m);
		m = NULL;
		goto out;
	}
	m->fd = fd;
	m->ntracks = ntracks;
	/* Only the start offset is asked; the fd is never moved. */
	m->dur_at = -1;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (fl = fcntl(fd, F_GETFL)) >= 0 &&
	    !(fl & O_APPEND) && (m->dur_at = lseek(fd, 0, SEEK_CUR)) >= 0)
		m->dur_at += (off_t)dur_off;
	for (i = 0; i < ntracks; i++)
		m->tracks[i].video = is_video(tracks[i].codec);
	m->clus.len = CLUSTER_HEAD_ROOM;
	if (emit(m, h.p, h.len, err) < 0) {
		int e = errno;

		mkv_free(m);
		m = NULL;
		errno = e;
	}
out:
	ag_buf_free(&h);
	return m;
}

int
ag_mkv_write(struct ag_mkv *m, int track, int64_t ts_ms, bool keyframe,
    const void *data, size_t len, struct ag_error *err)
{
	struct track *t;
	size_t blen;
	bool key, clamped = false;

	if (m->fail.failed)
		return ag_sticky_replay(&m->fail, err);
	if (track < 1 || track > m->ntracks)
		return ag_error_set(err, AG_EX_USAGE, "matroska: no track %d", track);
	if (len > AG_MKV_MAX_FRAME)
		return ag_error_set(err, AG_EX_USAGE, "matroska: %zu-byte frame over %u bytes",
		    len, AG_MKV_MAX_FRAME);
	t = &m->tracks[track - 1];
	key = t->video ? keyframe : true;

	if (ts_ms < 0) {
		ts_ms = 0;
		clamped = true;
	}
	if (t->have_last && ts_ms < t->last_ts) {
		ts_ms = t->last_ts;
		clamped = true;
	}
	if (m->have_cluster_ts && ts_ms < m->last_cluster_ts) {
		ts_ms = m->last_cluster_ts;
		clamped = true;
	}
	if (clamped)
		m->clamped++;

	/* SimpleBlock body: track number (1 byte, tracks <= 126), time, flags, data. */
	blen = 4 + len;
	if (m->nframes > 0) {
		int64_t lo = ts_ms < m->c_min ? ts_ms : m->c_min;
		int64_t hi = ts_ms > m->c_max ? ts_ms : m->c_max;

		if ((t->video && keyframe) || hi - lo >= AG_MKV_CLUSTER_MS ||
		    m->clus.len - CLUSTER_HEAD_ROOM + blen > AG_MKV_CLUSTER_BYTES ||
		    m->nframes == MAX_CLUSTER_FRAMES) {
			if (seal(m, err) < 0)
				return -1;
		}
	}
	if (ag_buf_reserve(&m->clus, blen + 16) < 0)
		return ag_error_set(err, AG_EX_FAIL, "matroska: out of memory");
	put_id(&m->clus, ID_SIMPLE_BLOCK);
	put_size(&m->clus, blen, 1);
	put_byte(&m->clus, (uint8_t)(0x80 | track));
	m->frames[m->nframes].ts_off = m->clus.len;
	m->frames[m->nframes].ts = ts_ms;
	put_byte(&m->clus, 0);
	put_byte(&m->clus, 0);
	put_byte(&m->clus, key ? 0x80 : 0x00);
	ag_buf_append(&m->clus, data, len);
	if (m->nframes == 0 || ts_ms < m->c_min)
		m->c_min = ts_ms;
	if (m->nframes == 0 || ts_ms > m->c_max)
		m->c_max = ts_ms;
	m->nframes++;
	t->last_step = t->have_last ? ts_ms - t->last_ts : 0;
	t->last_ts = ts_ms;
	t->have_last = true;
	return 0;
}

int
ag_mkv_flush(struct ag_mkv *m, struct ag_error *err)
{
	if (m->fail.failed)
		return ag_sticky_replay(&m->fail, err);
	if (seal(m, err) < 0)
		return -1;
	return ag_mkv_drain(m, err);
}

size_t
ag_mkv_pending(const struct ag_mkv *m)
{
	return m->out.len - m->out_off;
}

uint64_t
ag_mkv_written(const struct ag_mkv *m)
{
	return m->written;
}

uint64_t
ag_mkv_clamped(const struct ag_mkv *m)
{
	return m->clamped;
}

/*
 * Fill the Void kept in Info with the Duration: the end of the latest
 * frame, taking a track's last frame to last as long as the one before.
 */
static int
put_duration(struct ag_mkv *m, struct ag_error *err)
{
	struct ag_buf d = { 0 };
	int64_t end = -1;
	ssize_t w;
	size_t len;
	int i;

	for (i = 0; i < m->ntracks; i++)
		if (m->tracks[i].have_last && m->tracks[i].last_ts + m->tracks[i].last_step > end)
			end = m->tracks[i].last_ts + m->tracks[i].last_step;
	if (m->dur_at < 0 || end < 0)
		return 0;
	put_float(&d, ID_DURATION, (double)end);
	if (d.failed)
		return ag_error_set(err, AG_EX_FAIL, "matroska: out of memory");
	len = d.len;
	do
		w = pwrite(m->fd, d.p, len, m->dur_at);
	while (w < 0 && errno == EINTR);
	ag_buf_free(&d);
	if (w < 0 || (size_t)w != len)
		return ag_error_errno(err, AG_EX_IOERR, w < 0 ? errno : EIO,
		    "matroska output: writing the duration");
	return 0;
}

int
ag_mkv_close(struct ag_mkv *m, struct ag_error *err)
{
	int r = 0, e = 0;

	if (m == NULL)
		return 0;
	if ((r = ag_mkv_flush(m, err)) > 0) {
		e = EAGAIN;
		r = ag_error_errno(err, AG_EX_IOERR, e, "matroska output: %zu bytes not written",
		    ag_mkv_pending(m));
	} else if (r < 0) {
		e = errno;
	} else if ((r = put_duration(m, err)) < 0) {
		e = errno;
	}
	mkv_free(m);
	if (r < 0)
		errno = e;
	return r;
}

int
ag_mkv_opus_head(int channels, int pre_skip, int rate, uint8_t buf[AG_MKV_OPUS_HEAD_LEN])
{
	if (channels < 1 || channels > 2 || pre_skip < 0 || pre_skip > 65535 ||
	    rate < 1 || rate > 384000)
		return -1;
	memcpy(buf, "OpusHead", 8);
	buf[8] = 1;                      /* version */
	buf[9] = (uint8_t)channels;
	ag_wr16le(buf + 10, (uint16_t)pre_skip);  /* little-endian from here on */
	ag_wr32le(buf + 12, (uint32_t)rate);
	buf[16] = 0;                     /* output gain, Q7.8 dB */
	buf[17] = 0;
	buf[18] = 0;                     /* channel mapping family 0: mono or stereo */
	return AG_MKV_OPUS_HEAD_LEN;
}
