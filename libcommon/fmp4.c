#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "be.h"
#include "buf.h"
#include "fmp4.h"
#include "fsutil.h"
#include "h265.h"

#define TRACK_ID 1
#define SECS_1904_TO_1970 2082844800u
#define MAX_CREATION_TIME ((int64_t)1 << 40)
#define MAX_DTS ((int64_t)1 << 62)        /* keeps dts + durations far from overflow */

/* moof with one traf and a trun of n samples: 88 + 12n bytes, then the mdat header. */
#define MOOF_FIXED 88u
#define TRUN_ENTRY 12u
#define MDAT_HEAD  8u
/* Sample data is collected after room for the largest moof, so a fragment is contiguous. */
#define HEAD_ROOM  (MOOF_FIXED + TRUN_ENTRY * AG_FMP4_FRAGMENT_SAMPLES + MDAT_HEAD)
#define DATA_START (64u << 10)

#define TFHD_DEFAULT_BASE_IS_MOOF 0x020000u
#define TRUN_DATA_OFFSET  0x000001u
#define TRUN_DURATION     0x000100u
#define TRUN_SIZE         0x000200u
#define TRUN_FLAGS        0x000400u
/* sample_depends_on 2 (an I picture); 1 plus sample_is_non_sync_sample otherwise. */
#define FLAGS_SYNC        0x02000000u
#define FLAGS_NON_SYNC    0x01010000u


struct sample {
	int64_t dts;
	uint32_t dur;
	uint32_t size;
	bool key;
};

struct ag_fmp4 {
	int fd;
	uint32_t timescale;
	int64_t frag_ticks;       /* fragment_ms in timescale units, >= 1 */

	uint8_t *frag;            /* HEAD_ROOM bytes, then data_len bytes of samples */
	size_t data_len, data_cap;
	struct sample *s;         /* the samples collected, n of s_cap */
	size_t n, s_cap;

	bool have_prev;
	int64_t prev_dts;         /* the last accepted sample's (clamped) dts */
	bool have_dur;
	uint32_t last_dur;        /* the last duration known from two dts */
	int64_t floor;            /* end of the last written fragment: next dts >= floor */
	uint32_t seq;             /* mfhd sequence_number of the next fragment */

	uint64_t nsamples, clamped, fragments;
	struct ag_sticky fail;    /* a write error happened: sticky */
};

static void
put_zero(struct ag_buf *b, size_t n)
{
	if (n == 0 || ag_buf_reserve(b, n) < 0)
		return;
	memset(b->p + b->len, 0, n);
	b->len += n;
}

static void
put_u16(struct ag_buf *b, uint16_t v)
{
	ag_buf_append_be(b, v, 2);
}

static void
put_u32(struct ag_buf *b, uint32_t v)
{
	ag_buf_append_be(b, v, 4);
}

static void
put_u64(struct ag_buf *b, uint64_t v)
{
	ag_buf_append_be(b, v, 8);
}

/* Start a box: returns its offset; box_end fills in the 32-bit size. */
static size_t
box_begin(struct ag_buf *b, const char type[4])
{
	size_t off = b->len;

	put_u32(b, 0);
	ag_buf_append(b, type, 4);
	return off;
}

/* A FullBox: a box with version and 24-bit flags. */
static size_t
fullbox_begin(struct ag_buf *b, const char type[4], uint8_t version, uint32_t flags)
{
	size_t off = box_begin(b, type);

	put_u32(b, (uint32_t)version << 24 | (flags & 0xffffffu));
	return off;
}

static void
box_end(struct ag_buf *b, size_t off)
{
	if (b->failed || b->len - off > UINT32_MAX) {
		b->failed = true;
		return;
	}
	ag_wr32(b->p + off, (uint32_t)(b->len - off));
}

/* Record a write failure; every later call reports it again. */
static int
fail(struct ag_fmp4 *m, int errnum, struct ag_error *err, const char *what)
{
	return ag_sticky_set(&m->fail, err, AG_EX_IOERR, errnum, "mp4 output: %s", what);
}

/*
 * A list of n (at least one) parameter sets, each a 16-bit length and
 * its bytes, at p[*pos..len): true when it fits, *pos then after it.
 */
static bool
params_ok(const uint8_t *p, size_t len, int n, size_t *pos)
{
	int i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++) {
		if (len - *pos < 2)
			return false;
		*pos += 2 + (size_t)ag_rd16(p + *pos);
		if (*pos > len)
			return false;
	}
	return true;
}

/* The record's SPS and PPS lists must fit in it; NAL lengths must be 4 bytes. */
static bool
avcc_ok(const uint8_t *p, size_t len)
{
	size_t pos;
	int npps;

	if (p == NULL || len < 7 || len > AG_FMP4_MAX_AVCC)
		return false;
	if (p[0] != 1 || (p[4] & 3) != 3)
		return false;
	pos = 6;
	if (!params_ok(p, len, p[5] & 0x1f, &pos) || pos >= len)
		return false;
	npps = p[pos++];
	return params_ok(p, len, npps, &pos);
}

/* The 4-byte NAL lengths must cover the sample exactly, with no empty NAL unit. */
static bool
sample_ok(const uint8_t *p, size_t len)
{
	size_t pos = 0, nal;

	while (pos < len) {
		if (len - pos < 4)
			return false;
		nal = ag_rd32(p + pos);
		pos += 4;
		if (nal == 0 || nal > len - pos)
			return false;
		pos += nal;
	}
	return true;
}

static int
check_config(const struct ag_fmp4_config *c, struct ag_error *err)
{
	if (c == NULL)
		return ag_error_set(err, AG_EX_USAGE, "mp4: no configuration");
	if (c->timescale < 1 || c->timescale > 1000000)
		return ag_error_set(err, AG_EX_USAGE, "mp4: timescale %u out of range 1..1000000",
		    (unsigned)c->timescale);
	if (c->width < 1 || c->width > 65535 || c->height < 1 || c->height > 65535)
		return ag_error_set(err, AG_EX_USAGE, "mp4: video size %dx%d out of range 1..65535",
		    c->width, c->height);
	if (c->fragment_ms < 0 || c->fragment_ms > AG_FMP4_MAX_FRAGMENT_MS)
		return ag_error_set(err, AG_EX_USAGE, "mp4: fragment length %d ms out of range 0..%d",
		    c->fragment_ms, AG_FMP4_MAX_FRAGMENT_MS);
	if (c->creation_time < 0 || c->creation_time > MAX_CREATION_TIME)
		return ag_error_set(err, AG_EX_USAGE, "mp4: creation time %lld out of range",
		    (long long)c->creation_time);
	if ((c->avcc == NULL) == (c->hvcc == NULL))
		return ag_error_set(err, AG_EX_USAGE, "mp4: one of avcC and hvcC is needed");
	if (c->avcc != NULL && !avcc_ok(c->avcc, c->avcc_len))
		return ag_error_set(err, AG_EX_USAGE,
		    "mp4: avcC is not an AVCDecoderConfigurationRecord with 4-byte NAL lengths");
	if (c->hvcc != NULL &&
	    (c->hvcc_len > AG_FMP4_MAX_AVCC || !ag_h265_hvcc_ok(c->hvcc, c->hvcc_len)))
		return ag_error_set(err, AG_EX_USAGE,
		    "mp4: hvcC is not an HEVCDecoderConfigurationRecord with 4-byte NAL lengths");
	return 0;
}

static const uint32_t unity_matrix[9] = {
	0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000,
};

static void
put_matrix(struct ag_buf *b)
{
	for (int i = 0; i < 9; i++)
		put_u32(b, unity_matrix[i]);
}

/* creation and modification time, version 0 (32-bit) or 1 (64-bit) */
static void
put_times(struct ag_buf *b, uint8_t version, uint64_t t)
{
	ag_buf_append_be(b, t, version ? 8 : 4);
	ag_buf_append_be(b, t, version ? 8 : 4);
}

static void
put_mvhd(struct ag_buf *b, const struct ag_fmp4_config *c, uint8_t v, uint64_t t)
{
	size_t box = fullbox_begin(b, "mvhd", v, 0);

	put_times(b, v, t);
	put_u32(b, c->timescale);
	ag_buf_append_be(b, 0, v ? 8 : 4);      /* duration: unknown, the fragments say */
	put_u32(b, 0x00010000);       /* rate 1.0 */
	put_u16(b, 0x0100);           /* volume 1.0 */
	put_zero(b, 2 + 8);
	put_matrix(b);
	put_zero(b, 6 * 4);           /* pre_defined */
	put_u32(b, TRACK_ID + 1);     /* next_track_ID */
	box_end(b, box);
}

static void
put_tkhd(struct ag_buf *b, const struct ag_fmp4_config *c, uint8_t v, uint64_t t)
{
	size_t box = fullbox_begin(b, "tkhd", v, 0x3);   /* enabled, in movie */

	put_times(b, v, t);
	put_u32(b, TRACK_ID);
	put_u32(b, 0);
	ag_buf_append_be(b, 0, v ? 8 : 4);      /* duration */
	put_zero(b, 8);
	put_u16(b, 0);                /* layer */
	put_u16(b, 0);                /* alternate_group */
	put_u16(b, 0);                /* volume: video */
	put_u16(b, 0);
	put_matrix(b);
	put_u32(b, (uint32_t)c->width << 16);
	put_u32(b, (uint32_t)c->height << 16);
	box_end(b, box);
}

/* The visual sample entry: avc1 with its avcC, or hvc1 with its hvcC
 * (ISO/IEC 14496-15 5.4.2.1, 8.4.1.1; the parameter sets are in the
 * record, which players of hvc1 want, and may repeat in band). */
static void
put_avc1(struct ag_buf *b, const struct ag_fmp4_config *c)
{
	bool hevc = c->hvcc != NULL;
	size_t box = box_begin(b, hevc ? "hvc1" : "avc1"), avcc;

	put_zero(b, 6);
	put_u16(b, 1);                /* data_reference_index */
	put_u16(b, 0);
	put_u16(b, 0);
	put_zero(b, 12);
	put_u16(b, (uint16_t)c->width);
	put_u16(b, (uint16_t)c->height);
	put_u32(b, 0x00480000);       /* 72 dpi */
	put_u32(b, 0x00480000);
	put_u32(b, 0);
	put_u16(b, 1);                /* frame_count */
	put_zero(b, 32);              /* compressorname: empty Pascal string */
	put_u16(b, 0x0018);           /* depth */
	put_u16(b, 0xffff);           /* pre_defined = -1 */
	avcc = box_begin(b, hevc ? "hvcC" : "avcC");
	if (hevc)
		ag_buf_append(b, c->hvcc, c->hvcc_len);
	else
		ag_buf_append(b, c->avcc, c->avcc_len);
	box_end(b, avcc);
	box_end(b, box);
}

static void
put_stbl(struct ag_buf *b, const struct ag_fmp4_config *c)
{
	size_t stbl = box_begin(b, "stbl"), box;

	box = fullbox_begin(b, "stsd", 0, 0);
	put_u32(b, 1);
	put_avc1(b, c);
	box_end(b, box);
	/* The samples are all in fragments: every table is empty. */
	box = fullbox_begin(b, "stts", 0, 0);
	put_u32(b, 0);
	box_end(b, box);
	box = fullbox_begin(b, "stsc", 0, 0);
	put_u32(b, 0);
	box_end(b, box);
	box = fullbox_begin(b, "stsz", 0, 0);
	put_u32(b, 0);                /* sample_size */
	put_u32(b, 0);                /* sample_count */
	box_end(b, box);
	box = fullbox_begin(b, "stco", 0, 0);
	put_u32(b, 0);
	box_end(b, box);
	box_end(b, stbl);
}

static void
put_mdia(struct ag_buf *b, const struct ag_fmp4_config *c, uint8_t v, uint64_t t)
{
	static const char handler_name[] = "VideoHandler";
	size_t mdia = box_begin(b, "mdia"), box, minf, dinf;

	box = fullbox_begin(b, "mdhd", v, 0);
	put_times(b, v, t);
	put_u32(b, c->timescale);
	ag_buf_append_be(b, 0, v ? 8 : 4);      /* duration */
	put_u16(b, 0x55c4);           /* language "und", packed 5-bit letters */
	put_u16(b, 0);
	box_end(b, box);

	box = fullbox_begin(b, "hdlr", 0, 0);
	put_u32(b, 0);
	ag_buf_append(b, "vide", 4);
	put_zero(b, 12);
	ag_buf_append(b, handler_name, sizeof handler_name);   /* with its NUL */
	box_end(b, box);

	minf = box_begin(b, "minf");
	box = fullbox_begin(b, "vmhd", 0, 1);
	put_u16(b, 0);                /* graphicsmode: copy */
	put_zero(b, 6);               /* opcolor */
	box_end(b, box);
	dinf = box_begin(b, "dinf");
	box = fullbox_begin(b, "dref", 0, 0);
	put_u32(b, 1);
	put_u32(b, 12);               /* "url " with flag 1: the data is in this file */
	ag_buf_append(b, "url ", 4);
	put_u32(b, 1);
	box_end(b, box);
	box_end(b, dinf);
	put_stbl(b, c);
	box_end(b, minf);
	box_end(b, mdia);
}

static void
put_header(struct ag_buf *b, const struct ag_fmp4_config *c)
{
	const char *brands[] = {
		"isom", "iso5", "iso6", c->hvcc != NULL ? "hvc1" : "avc1", "mp41"
	};
	size_t box, moov, trak, mvex;
	uint64_t t = c->creation_time > 0 ? (uint64_t)c->creation_time + SECS_1904_TO_1970 : 0;
	uint8_t v = t > UINT32_MAX ? 1 : 0;

	box = box_begin(b, "ftyp");
	ag_buf_append(b, "isom", 4);
	put_u32(b, 0x200);            /* minor_version */
	for (size_t i = 0; i < sizeof brands / sizeof brands[0]; i++)
		ag_buf_append(b, brands[i], 4);
	box_end(b, box);

	moov = box_begin(b, "moov");
	put_mvhd(b, c, v, t);
	trak = box_begin(b, "trak");
	put_tkhd(b, c, v, t);
	put_mdia(b, c, v, t);
	box_end(b, trak);
	mvex = box_begin(b, "mvex");
	box = fullbox_begin(b, "trex", 0, 0);
	put_u32(b, TRACK_ID);
	put_u32(b, 1);                /* default_sample_description_index */
	put_u32(b, 0);                /* default duration, size, flags: trun gives them */
	put_u32(b, 0);
	put_u32(b, 0);
	box_end(b, box);
	box_end(b, mvex);
	box_end(b, moov);
}

static void
fmp4_free(struct ag_fmp4 *m)
{
	free(m->frag);
	free(m->s);
	free(m);
}

struct ag_fmp4 *
ag_fmp4_open(int fd, const struct ag_fmp4_config *c, struct ag_error *err)
{
	struct ag_fmp4 *m = NULL;
	struct ag_buf hdr = { 0 };
	int fragment_ms;

	if (check_config(c, err) < 0)
		return NULL;
	if ((m = calloc(1, sizeof *m)) == NULL ||
	    (m->frag = malloc(HEAD_ROOM + DATA_START)) == NULL ||
	    (m->s = malloc(64 * sizeof *m->s)) == NULL) {
		ag_error_set(err, AG_EX_FAIL, "mp4: out of memory");
		goto fail;
	}
	m->fd = fd;
	m->timescale = c->timescale;
	fragment_ms = c->fragment_ms ? c->fragment_ms : AG_FMP4_DEFAULT_FRAGMENT_MS;
	m->frag_ticks = (int64_t)fragment_ms * c->timescale / 1000;
	if (m->frag_ticks < 1)
		m->frag_ticks = 1;
	m->data_cap = DATA_START;
	m->s_cap = 64;
	m->seq = 1;

	put_header(&hdr, c);
	if (hdr.failed) {
		ag_error_set(err, AG_EX_FAIL, "mp4: out of memory");
		goto fail;
	}
	if (ag_write_whole(fd, hdr.p, hdr.len) < 0) {
		int e = errno;

		ag_error_errno(err, AG_EX_IOERR, e, "mp4 output: write");
		ag_buf_free(&hdr);
		fmp4_free(m);
		errno = e;
		return NULL;
	}
	ag_buf_free(&hdr);
	return m;
fail:
	ag_buf_free(&hdr);
	if (m != NULL)
		fmp4_free(m);
	return NULL;
}

/*
 * Write the collected samples as moof + mdat, the last one lasting
 * last_dur.  The moof is built in the room before the sample data, so
 * the fragment goes out in one write(2).  The samples are dropped
 * whether or not the write succeeds.
 */
static int
emit(struct ag_fmp4 *m, uint32_t last_dur, struct ag_error *err)
{
	size_t n = m->n, head = MOOF_FIXED + TRUN_ENTRY * n + MDAT_HEAD;
	struct ag_buf b = { .p = m->frag + HEAD_ROOM - head, .cap = head, .fixed = true };
	struct sample *last = &m->s[n - 1];
	size_t moof, traf, box;
	int r = 0;

	last->dur = last_dur;
	moof = box_begin(&b, "moof");
	box = fullbox_begin(&b, "mfhd", 0, 0);
	put_u32(&b, m->seq);
	box_end(&b, box);
	traf = box_begin(&b, "traf");
	box = fullbox_begin(&b, "tfhd", 0, TFHD_DEFAULT_BASE_IS_MOOF);
	put_u32(&b, TRACK_ID);
	box_end(&b, box);
	box = fullbox_begin(&b, "tfdt", 1, 0);
	put_u64(&b, (uint64_t)m->s[0].dts);
	box_end(&b, box);
	box = fullbox_begin(&b, "trun", 0,
	    TRUN_DATA_OFFSET | TRUN_DURATION | TRUN_SIZE | TRUN_FLAGS);
	put_u32(&b, (uint32_t)n);
	put_u32(&b, (uint32_t)head);  /* data_offset from the moof: just past the mdat header */
	for (size_t i = 0; i < n; i++) {
		put_u32(&b, m->s[i].dur);
		put_u32(&b, m->s[i].size);
		put_u32(&b, m->s[i].key ? FLAGS_SYNC : FLAGS_NON_SYNC);
	}
	box_end(&b, box);
	box_end(&b, traf);
	box_end(&b, moof);
	put_u32(&b, (uint32_t)(MDAT_HEAD + m->data_len));
	ag_buf_append(&b, "mdat", 4);

	m->floor = last->dts + last->dur;
	m->n = 0;
	if (b.failed || b.len != head) {
		/* cannot happen: head is the exact size of what was put */
		r = fail(m, EINVAL, err, "internal error building a fragment");
	} else if (ag_write_whole(m->fd, b.p, head + m->data_len) < 0) {
		r = fail(m, errno, err, "write");
	} else {
		m->seq++;
		m->fragments++;
	}
	m->data_len = 0;
	return r;
}

/* Room for one more sample of len bytes. */
static bool
reserve(struct ag_fmp4 *m, size_t len)
{
	if (m->n == m->s_cap) {
		struct sample *s;

		if ((s = ag_grow(m->s, &m->s_cap, m->n + 1, sizeof *s)) == NULL)
			return false;
		m->s = s;
	}
	if (len > m->data_cap - m->data_len) {
		size_t cap = HEAD_ROOM + m->data_cap;
		uint8_t *p;

		if ((p = ag_grow(m->frag, &cap, HEAD_ROOM + m->data_len + len, 1)) == NULL)
			return false;
		m->frag = p;
		m->data_cap = cap - HEAD_ROOM;
	}
	return true;
}

/* Whether the collected samples make a fragment before a sample at dts. */
static bool
fragment_due(const struct ag_fmp4 *m, int64_t dts, bool keyframe, size_t len)
{
	int64_t span = dts - m->s[0].dts;

	return (keyframe && span >= m->frag_ticks) ||
	    span >= 2 * m->frag_ticks ||
	    len > AG_FMP4_FRAGMENT_BYTES - m->data_len ||
	    m->n >= AG_FMP4_FRAGMENT_SAMPLES;
}

int
ag_fmp4_write(struct ag_fmp4 *m, int64_t dts, bool keyframe, const void *sample,
    size_t len, struct ag_error *err)
{
	struct sample *s;
	bool raised = false;

	if (m->fail.failed)
		return ag_sticky_replay(&m->fail, err);
	if (sample == NULL || len == 0 || len > AG_FMP4_MAX_SAMPLE)
		return ag_error_set(err, AG_EX_USAGE, "mp4: sample of %zu bytes (1..%u allowed)",
		    len, AG_FMP4_MAX_SAMPLE);
	if (!sample_ok(sample, len))
		return ag_error_set(err, AG_EX_DATAERR,
		    "mp4: sample of %zu bytes is not a run of 4-byte-length NAL units", len);
	if (dts > MAX_DTS)
		return ag_error_set(err, AG_EX_USAGE, "mp4: dts %lld too large", (long long)dts);
	if (!m->have_prev) {
		if (dts < 0)
			return ag_error_set(err, AG_EX_USAGE, "mp4: first dts %lld is negative",
			    (long long)dts);
	} else {
		int64_t min = m->prev_dts + 1;

		if (m->floor > min)
			min = m->floor;
		if (dts < min) {
			dts = min;
			raised = true;
		}
	}
	if (m->n > 0) {
		s = &m->s[m->n - 1];
		if (dts - s->dts > UINT32_MAX)
			return ag_error_set(err, AG_EX_DATAERR,
			    "mp4: dts jumps by %lld ticks", (long long)(dts - s->dts));
		s->dur = (uint32_t)(dts - s->dts);
		m->last_dur = s->dur;
		m->have_dur = true;
		if (fragment_due(m, dts, keyframe, len) && emit(m, s->dur, err) < 0)
			return -1;
	}
	if (!reserve(m, len))
		return ag_error_set(err, AG_EX_FAIL, "mp4: out of memory");
	memcpy(m->frag + HEAD_ROOM + m->data_len, sample, len);
	m->data_len += len;
	s = &m->s[m->n++];
	s->dts = dts;
	s->dur = 0;
	s->size = (uint32_t)len;
	s->key = keyframe;
	m->have_prev = true;
	m->prev_dts = dts;
	m->nsamples++;
	if (raised)
		m->clamped++;
	return 0;
}

/* The duration to give the last sample when nothing says when it ends. */
static uint32_t
guess_dur(const struct ag_fmp4 *m)
{
	uint32_t d;

	if (m->have_dur)
		return m->last_dur;
	d = m->timescale / 15;
	return d > 0 ? d : 1;
}

int
ag_fmp4_flush(struct ag_fmp4 *m, struct ag_error *err)
{
	if (m->fail.failed)
		return ag_sticky_replay(&m->fail, err);
	if (m->n == 0)
		return 0;
	return emit(m, guess_dur(m), err);
}

int
ag_fmp4_close(struct ag_fmp4 *m, int64_t end_dts, struct ag_error *err)
{
	int r = 0, e = 0;

	if (m == NULL)
		return 0;
	if (m->fail.failed) {
		r = ag_sticky_replay(&m->fail, err);
	} else if (m->n > 0) {
		int64_t last = m->s[m->n - 1].dts;
		uint32_t dur = guess_dur(m);

		if (end_dts > last && end_dts - last <= UINT32_MAX)
			dur = (uint32_t)(end_dts - last);
		r = emit(m, dur, err);
	}
	if (r < 0)
		e = errno;
	fmp4_free(m);
	if (r < 0)
		errno = e;
	return r;
}

uint64_t
ag_fmp4_samples(const struct ag_fmp4 *m)
{
	return m->nsamples;
}

uint64_t
ag_fmp4_clamped(const struct ag_fmp4 *m)
{
	return m->clamped;
}

uint64_t
ag_fmp4_fragments(const struct ag_fmp4 *m)
{
	return m->fragments;
}
