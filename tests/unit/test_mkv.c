/*
 * test_mkv.c - the streaming Matroska writer (mkv.c): EBML sizes, the
 * element tree read back by a small EBML walker, the cluster rules,
 * clamping, and write errors on pipes (EPIPE, EAGAIN, a stalled reader).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mkv.h"

/* ---- a tiny EBML walker ---- */

#define MAXB 128
#define MAXC 256

struct blk {
	int track;
	int rel;
	int flags;
	size_t len;
	const uint8_t *data;
};

struct clu {
	int64_t ts;
	int nb;
	struct blk b[MAXB];
};

struct parsed {
	char doctype[16];
	int ntracks;
	char codec[8][32];
	uint64_t ttype[8];
	int nc;              /* clusters with blocks */
	int nempty;          /* empty clusters (the one ending the header) */
	struct clu c[MAXC];
	int saw_info, saw_scale_ms, saw_void;
	double duration;   /* -1 when absent */
};

static uint32_t
rd_id(const uint8_t *p, size_t n, size_t *pos)
{
	uint32_t id;
	int len = 1, i;

	cr_assert_lt(*pos, n, "ID past the end");
	while (len <= 4 && !(p[*pos] & (0x80 >> (len - 1))))
		len++;
	cr_assert_leq(len, 4, "bad ID at %zu", *pos);
	cr_assert_leq(*pos + (size_t)len, n);
	for (id = 0, i = 0; i < len; i++)
		id = id << 8 | p[*pos + (size_t)i];
	*pos += (size_t)len;
	return id;
}

/* A size; UINT64_MAX for "unknown". */
static uint64_t
rd_size(const uint8_t *p, size_t n, size_t *pos)
{
	uint64_t v, ones;
	int len = 1, i;

	cr_assert_lt(*pos, n, "size past the end");
	while (len <= 8 && !(p[*pos] & (0x80 >> (len - 1))))
		len++;
	cr_assert_leq(len, 8, "bad size at %zu", *pos);
	cr_assert_leq(*pos + (size_t)len, n);
	v = p[*pos] & (0xff >> len);
	for (i = 1; i < len; i++)
		v = v << 8 | p[*pos + (size_t)i];
	*pos += (size_t)len;
	ones = ((uint64_t)1 << (7 * len)) - 1;
	return v == ones ? UINT64_MAX : v;
}

static uint64_t
be(const uint8_t *p, uint64_t n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = v << 8 | *p++;
	return v;
}

static bool
is_master(uint32_t id)
{
	switch (id) {
	case 0x1A45DFA3: case 0x18538067: case 0x1549A966: case 0x1654AE6B:
	case 0xAE: case 0xE0: case 0xE1: case 0x1F43B675:
		return true;
	}
	return false;
}

/* Walk [pos, end): every child must fit its parent exactly. */
static void
walk(struct parsed *P, const uint8_t *p, size_t pos, size_t end, uint32_t parent)
{
	while (pos < end) {
		uint32_t id = rd_id(p, end, &pos);
		uint64_t size = rd_size(p, end, &pos);
		size_t stop;

		if (size == UINT64_MAX) {
			cr_assert_eq(id, 0x18538067, "only the Segment has an unknown size");
			stop = end;
		} else {
			cr_assert_leq(size, end - pos, "element %x overruns its parent %x", id, parent);
			stop = pos + size;
		}
		if (id == 0x1F43B675) {
			cr_assert_eq(parent, 0x18538067);
			cr_assert_lt(P->nc, MAXC);
			P->c[P->nc].ts = -1;
			P->c[P->nc].nb = 0;
			P->nc++;
		}
		if (id == 0x1549A966)
			P->saw_info = 1;
		if (id == 0xAE)
			P->ntracks++;
		if (is_master(id)) {
			walk(P, p, pos, stop, id);
			if (id == 0x1F43B675 && P->c[P->nc - 1].nb == 0) {
				cr_assert_eq(P->nc, 1, "only the first cluster is empty");
				cr_assert_eq(P->c[0].ts, 0);
				P->nc--;
				P->nempty++;
			}
		} else if (id == 0x4282) {
			cr_assert_lt(size, sizeof P->doctype);
			memcpy(P->doctype, p + pos, size);
			P->doctype[size] = '\0';
		} else if (id == 0x4489) {
			uint64_t bits = be(p + pos, size);

			cr_assert_eq(size, 8);
			cr_assert_eq(parent, 0x1549A966);
			memcpy(&P->duration, &bits, sizeof P->duration);
		} else if (id == 0xEC) {
			P->saw_void = 1;
		} else if (id == 0x2AD7B1) {
			P->saw_scale_ms = be(p + pos, size) == 1000000;
		} else if (id == 0x86) {
			memcpy(P->codec[P->ntracks - 1], p + pos, size);
		} else if (id == 0x83) {
			P->ttype[P->ntracks - 1] = be(p + pos, size);
		} else if (id == 0xE7) {
			cr_assert_eq(parent, 0x1F43B675);
			cr_assert_eq(P->c[P->nc - 1].nb, 0, "Timestamp comes first");
			P->c[P->nc - 1].ts = (int64_t)be(p + pos, size);
		} else if (id == 0xA3) {
			struct clu *c = &P->c[P->nc - 1];
			struct blk *b;

			cr_assert_eq(parent, 0x1F43B675);
			cr_assert_lt(c->nb, MAXB);
			b = &c->b[c->nb++];
			cr_assert_geq(size, 4);
			cr_assert_eq(p[pos] & 0x80, 0x80, "one-byte track number");
			b->track = p[pos] & 0x7f;
			b->rel = (int16_t)(uint16_t)((p[pos + 1] << 8) | p[pos + 2]);
			b->flags = p[pos + 3];
			b->len = size - 4;
			b->data = p + pos + 4;
		}
		pos = stop;
	}
	cr_assert_eq(pos, end, "children of %x do not fill it", parent);
}

static void
parse(struct parsed *P, const uint8_t *p, size_t n)
{
	size_t pos = 0;

	memset(P, 0, sizeof *P);
	P->duration = -1;
	cr_assert_eq(rd_id(p, n, &pos), 0x1A45DFA3, "starts with the EBML header");
	pos = 0;
	walk(P, p, pos, n, 0);
}

/* ---- helpers ---- */

static int
tmpfd(void)
{
	char path[] = "/tmp/test_mkv_XXXXXX";
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	unlink(path);
	return fd;
}

static uint8_t *
slurp(int fd, size_t *n)
{
	off_t end = lseek(fd, 0, SEEK_END);
	uint8_t *p = malloc((size_t)end + 1);

	cr_assert_not_null(p);
	cr_assert_eq(pread(fd, p, (size_t)end, 0), end);
	*n = (size_t)end;
	return p;
}

static const struct ag_mkv_track vp8 = { .codec = AG_MKV_VP8, .width = 320, .height = 180 };

static void
frame(struct ag_mkv *m, int track, int64_t ts, bool key, uint8_t tag, size_t len)
{
	uint8_t buf[2048];
	struct ag_error err = { 0 };

	cr_assert_leq(len, sizeof buf);
	memset(buf, tag, len);
	cr_assert_eq(ag_mkv_write(m, track, ts, key, buf, len, &err), 0, "%s", err.msg);
}

/* ---- tests ---- */

static void
vint_is(uint64_t v, int minlen, int len, const char *hex)
{
	uint8_t out[8], want[8];
	int i;

	cr_assert_eq(ag_mkv_vint(v, minlen, out), len, "vint %llu", (unsigned long long)v);
	for (i = 0; i < len; i++) {
		unsigned x;

		sscanf(hex + 2 * i, "%2x", &x);
		want[i] = (uint8_t)x;
	}
	cr_assert_arr_eq(out, want, (size_t)len, "vint %llu", (unsigned long long)v);
}

Test(mkv, vint)
{
	uint8_t out[8];

	vint_is(0, 1, 1, "80");
	vint_is(1, 1, 1, "81");
	vint_is(126, 1, 1, "fe");
	vint_is(127, 1, 2, "407f");            /* 0xff would mean "unknown" */
	vint_is(16382, 1, 2, "7ffe");
	vint_is(16383, 1, 3, "203fff");
	vint_is(((uint64_t)1 << 21) - 2, 1, 3, "3ffffe");
	vint_is(((uint64_t)1 << 21) - 1, 1, 4, "101fffff");
	vint_is(((uint64_t)1 << 49) - 1, 1, 8, "0101ffffffffffff");
	vint_is(((uint64_t)1 << 56) - 2, 1, 8, "01fffffffffffffe");
	vint_is(5, 8, 8, "0100000000000005");
	vint_is(5, 2, 2, "4005");
	vint_is(0, 4, 4, "10000000");
	cr_assert_eq(ag_mkv_vint(((uint64_t)1 << 56) - 1, 1, out), -1);
	cr_assert_eq(ag_mkv_vint(UINT64_MAX, 1, out), -1);
	cr_assert_eq(ag_mkv_vint(1, 0, out), -1);
	cr_assert_eq(ag_mkv_vint(1, 9, out), -1);
}

Test(mkv, opus_head)
{
	uint8_t h[AG_MKV_OPUS_HEAD_LEN];
	static const uint8_t want[] = { 'O', 'p', 'u', 's', 'H', 'e', 'a', 'd', 1, 2,
		0x38, 0x01, 0x80, 0xbb, 0x00, 0x00, 0, 0, 0 };

	cr_assert_eq(ag_mkv_opus_head(2, 312, 48000, h), AG_MKV_OPUS_HEAD_LEN);
	cr_assert_arr_eq(h, want, sizeof want);
	cr_assert_eq(ag_mkv_opus_head(3, 312, 48000, h), -1);
	cr_assert_eq(ag_mkv_opus_head(1, 70000, 48000, h), -1);
	cr_assert_eq(ag_mkv_opus_head(1, 0, 0, h), -1);
}

Test(mkv, bad_tracks)
{
	struct ag_mkv_track t[2] = { vp8, { .codec = AG_MKV_H264, .width = 2, .height = 2 } };
	struct ag_error err = { 0 };
	int fd = tmpfd();

	cr_assert_null(ag_mkv_open(fd, t, 0, &err));
	cr_assert_eq(err.code, AG_EX_USAGE);
	cr_assert_null(ag_mkv_open(fd, t, 2, &err));   /* H.264 without avcC */
	cr_assert_eq(err.code, AG_EX_USAGE);
	t[1] = (struct ag_mkv_track){ .codec = AG_MKV_VP8, .width = 0, .height = 2 };
	cr_assert_null(ag_mkv_open(fd, t, 2, &err));
	t[1] = (struct ag_mkv_track){ .codec = AG_MKV_OPUS, .sample_rate = 48000, .channels = 6 };
	cr_assert_null(ag_mkv_open(fd, t, 2, &err));   /* no OpusHead for 6 channels */
	cr_assert_eq(lseek(fd, 0, SEEK_END), 0, "nothing written on a usage error");
	close(fd);
	cr_assert_eq(ag_mkv_close(NULL, NULL), 0);
}

Test(mkv, vp8_file_read_back)
{
	struct ag_error err = { 0 };
	struct parsed *P = calloc(1, sizeof *P);
	struct ag_mkv *m;
	uint8_t *p;
	size_t n;
	int fd = tmpfd(), i, k;
	/* 25 fps for 3 s; keyframes at 0 and frame 40 (1600 ms). */
	static const int64_t cts[] = { 0, 1000, 1600, 2600 };
	static const int first[] = { 0, 25, 40, 65 };

	cr_assert_not_null(P);
	m = ag_mkv_open(fd, &vp8, 1, &err);
	cr_assert_not_null(m, "%s", err.msg);
	for (i = 0; i < 75; i++)
		frame(m, 1, (int64_t)i * 40, i == 0 || i == 40, (uint8_t)i, 100 + (size_t)i);
	/* Clusters are only written when sealed: the first three are out, the last is not. */
	p = slurp(fd, &n);
	parse(P, p, n);
	cr_assert_eq(P->nc, 3);
	cr_assert_eq(P->nempty, 1);
	cr_assert(P->saw_void, "room for the duration");
	cr_assert_eq(P->duration, -1);
	free(p);
	cr_assert_eq(ag_mkv_close(m, &err), 0, "%s", err.msg);
	cr_assert_eq(lseek(fd, 0, SEEK_CUR), lseek(fd, 0, SEEK_END), "the offset was not moved");

	p = slurp(fd, &n);
	parse(P, p, n);
	cr_assert_str_eq(P->doctype, "webm");
	cr_assert(P->saw_info);
	cr_assert(P->saw_scale_ms);
	cr_assert_eq(P->ntracks, 1);
	cr_assert_eq(P->duration, 3000.0, "74 * 40 + 40 ms, got %f", P->duration);
	cr_assert_not(P->saw_void);
	cr_assert_str_eq(P->codec[0], "V_VP8");
	cr_assert_eq(P->ttype[0], 1);
	cr_assert_eq(P->nc, 4);
	for (k = 0; k < 4; k++) {
		struct clu *c = &P->c[k];
		int last = k < 3 ? first[k + 1] : 75;

		cr_assert_eq(c->ts, cts[k], "cluster %d at %lld", k, (long long)c->ts);
		cr_assert_eq(c->nb, last - first[k]);
		for (i = 0; i < c->nb; i++) {
			int f = first[k] + i;
			struct blk *b = &c->b[i];

			cr_assert_eq(b->track, 1);
			cr_assert_eq(c->ts + b->rel, (int64_t)f * 40);
			cr_assert_eq(b->flags, f == 0 || f == 40 ? 0x80 : 0x00);
			cr_assert_eq(b->len, 100 + (size_t)f);
			cr_assert_eq(b->data[0], (uint8_t)f);
			cr_assert_eq(b->data[b->len - 1], (uint8_t)f);
		}
	}
	free(p);
	free(P);
	close(fd);
}

Test(mkv, cluster_rules_two_tracks)
{
	struct ag_mkv_track t[2] = { vp8, { .codec = AG_MKV_OPUS, .sample_rate = 48000,
		.channels = 2, .opus_pre_skip = 312 } };
	struct ag_error err = { 0 };
	struct parsed *P = calloc(1, sizeof *P);
	struct ag_mkv *m;
	uint8_t *p;
	size_t n;
	int fd = tmpfd(), i;

	cr_assert_not_null(P);
	m = ag_mkv_open(fd, t, 2, &err);
	cr_assert_not_null(m, "%s", err.msg);
	frame(m, 1, 100, true, 1, 10);
	frame(m, 2, 90, false, 2, 10);    /* audio a little behind: cluster starts at 90 */
	frame(m, 1, 140, false, 3, 10);
	frame(m, 2, 110, false, 4, 10);
	frame(m, 2, 130, false, 5, 10);
	frame(m, 1, 200, true, 6, 10);    /* keyframe: new cluster */
	frame(m, 2, 195, false, 7, 10);
	/* audio only for a while: a new cluster once it spans 1000 ms */
	for (i = 1; i <= 60; i++)
		frame(m, 2, 195 + i * 20, false, 8, 10);
	cr_assert_eq(ag_mkv_flush(m, &err), 0, "%s", err.msg);
	cr_assert_eq(ag_mkv_pending(m), 0);
	cr_assert_eq(ag_mkv_flush(m, &err), 0);   /* an empty flush writes nothing */
	cr_assert_eq(ag_mkv_close(m, &err), 0, "%s", err.msg);

	p = slurp(fd, &n);
	parse(P, p, n);
	cr_assert_str_eq(P->doctype, "webm");
	cr_assert_eq(P->ntracks, 2);
	cr_assert_str_eq(P->codec[1], "A_OPUS");
	cr_assert_eq(P->ttype[1], 2);
	cr_assert_eq(P->nc, 3);
	cr_assert_eq(P->c[0].ts, 90);
	cr_assert_eq(P->c[0].nb, 5);
	cr_assert_eq(P->c[0].b[0].rel, 10);
	cr_assert_eq(P->c[0].b[1].rel, 0);
	cr_assert_eq(P->c[0].b[1].flags, 0x80, "audio blocks are keyframes");
	cr_assert_eq(P->c[0].b[2].flags, 0x00);
	cr_assert_eq(P->c[1].ts, 195);
	cr_assert_eq(P->c[1].b[0].rel, 5);
	cr_assert_eq(P->c[1].b[0].flags, 0x80);
	/* 195 + 49*20 = 1175 is the last frame under 1000 ms after 195. */
	cr_assert_eq(P->c[1].nb, 2 + 49);
	cr_assert_eq(P->c[2].ts, 195 + 50 * 20);
	cr_assert_eq(P->c[2].nb, 11);
	for (i = 0; i < P->nc; i++)
		for (int j = 0; j < P->c[i].nb; j++)
			cr_assert(P->c[i].b[j].rel >= 0 && P->c[i].b[j].rel < 1000);
	free(p);
	free(P);
	close(fd);

	/* PCM is not WebM. */
	t[1] = (struct ag_mkv_track){ .codec = AG_MKV_PCM_S16LE, .sample_rate = 16000, .channels = 1 };
	fd = tmpfd();
	P = calloc(1, sizeof *P);
	m = ag_mkv_open(fd, t, 2, &err);
	cr_assert_not_null(m, "%s", err.msg);
	cr_assert_eq(ag_mkv_write(m, 3, 0, true, "x", 1, &err), -1);
	cr_assert_eq(err.code, AG_EX_USAGE);
	cr_assert_eq(ag_mkv_close(m, &err), 0);
	p = slurp(fd, &n);
	parse(P, p, n);
	cr_assert_str_eq(P->doctype, "matroska");
	cr_assert_str_eq(P->codec[1], "A_PCM/INT/LIT");
	cr_assert_eq(P->nc, 0);
	cr_assert_eq(P->duration, -1, "no frames, no duration");
	cr_assert(P->saw_void);
	free(p);
	free(P);
	close(fd);
}

Test(mkv, clamp_non_monotonic)
{
	struct ag_mkv_track t[2] = { vp8, { .codec = AG_MKV_OPUS, .sample_rate = 48000, .channels = 1 } };
	struct ag_error err = { 0 };
	struct parsed *P = calloc(1, sizeof *P);
	struct ag_mkv *m;
	uint8_t *p;
	size_t n;
	int fd = tmpfd();

	cr_assert_not_null(P);
	/* O_APPEND: pwrite would append on Linux, so no Duration is written. */
	cr_assert_eq(fcntl(fd, F_SETFL, O_APPEND), 0);
	m = ag_mkv_open(fd, t, 2, &err);
	cr_assert_not_null(m);
	frame(m, 1, -5, true, 1, 10);      /* negative: 0 */
	frame(m, 1, 100, false, 2, 10);
	frame(m, 1, 50, false, 3, 10);     /* backwards: 100 */
	frame(m, 1, 1000, true, 4, 10);    /* seals the cluster at 0 */
	frame(m, 1, 1200, true, 5, 10);    /* seals the cluster at 1000 */
	frame(m, 2, 900, false, 6, 10);    /* before the last cluster: 1000 */
	frame(m, 2, 1300, false, 7, 10);
	frame(m, 2, 1250, false, 8, 10);   /* backwards on its own track: 1300 */
	cr_assert_eq(ag_mkv_clamped(m), 4);
	cr_assert_eq(ag_mkv_close(m, &err), 0);
	p = slurp(fd, &n);
	parse(P, p, n);
	cr_assert_eq(P->duration, -1);
	cr_assert_eq(P->nc, 3);
	cr_assert_eq(P->c[0].ts, 0);
	cr_assert_eq(P->c[0].b[0].rel, 0);
	cr_assert_eq(P->c[0].b[1].rel, 100);
	cr_assert_eq(P->c[0].b[2].rel, 100);
	cr_assert_eq(P->c[1].ts, 1000);
	cr_assert_eq(P->c[2].ts, 1000);     /* audio clamped to the last cluster */
	cr_assert_eq(P->c[2].nb, 4);
	cr_assert_eq(P->c[2].b[0].rel, 200);
	cr_assert_eq(P->c[2].b[1].rel, 0);
	cr_assert_eq(P->c[2].b[2].rel, 300);
	cr_assert_eq(P->c[2].b[3].rel, 300);
	free(p);
	free(P);
	close(fd);
}

Test(mkv, big_timestamps_and_cluster_bytes)
{
	struct ag_error err = { 0 };
	struct parsed *P = calloc(1, sizeof *P);
	static uint8_t big[1 << 20];
	struct ag_mkv *m;
	uint8_t *p;
	size_t n;
	int fd = tmpfd(), i;
	int64_t base = (int64_t)1 << 40;

	cr_assert_not_null(P);
	m = ag_mkv_open(fd, &vp8, 1, &err);
	cr_assert_not_null(m);
	/* 1 MiB frames 1 ms apart: the 4 MiB byte bound splits clusters. */
	for (i = 0; i < 6; i++)
		cr_assert_eq(ag_mkv_write(m, 1, base + i, i == 0, big, sizeof big, &err), 0, "%s", err.msg);
	cr_assert_eq(ag_mkv_write(m, 1, 0, false, big, AG_MKV_MAX_FRAME + 1, &err), -1);
	cr_assert_eq(err.code, AG_EX_USAGE);
	cr_assert_eq(ag_mkv_close(m, &err), 0);
	p = slurp(fd, &n);
	parse(P, p, n);
	cr_assert_eq(P->nc, 2);
	cr_assert_eq(P->c[0].ts, base);
	cr_assert_eq(P->c[0].nb, 3);
	cr_assert_eq(P->c[1].ts, base + 3);
	cr_assert_eq(P->c[1].nb, 3);
	free(p);
	free(P);
	close(fd);
}

Test(mkv, closed_pipe_is_ioerr)
{
	struct ag_error err = { 0 };
	struct ag_mkv *m;
	char sink[65536];
	int pfd[2];

	signal(SIGPIPE, SIG_IGN);
	/* The reader is gone before the header. */
	cr_assert_eq(pipe(pfd), 0);
	close(pfd[0]);
	errno = 0;
	cr_assert_null(ag_mkv_open(pfd[1], &vp8, 1, &err));
	cr_assert_eq(err.code, AG_EX_IOERR);
	cr_assert_eq(errno, EPIPE);
	cr_assert_not_null(strstr(err.msg, strerror(EPIPE)), "%s", err.msg);
	close(pfd[1]);

	/* The reader dies mid-file (a child that exited). */
	cr_assert_eq(pipe(pfd), 0);
	m = ag_mkv_open(pfd[1], &vp8, 1, &err);
	cr_assert_not_null(m, "%s", err.msg);
	cr_assert_gt(read(pfd[0], sink, sizeof sink), 0);
	close(pfd[0]);
	frame(m, 1, 0, true, 1, 100);   /* collected, not written yet */
	err.code = 0;
	errno = 0;
	cr_assert_eq(ag_mkv_write(m, 1, 40, true, "x", 1, &err), -1);
	cr_assert_eq(err.code, AG_EX_IOERR);
	cr_assert_eq(errno, EPIPE);
	/* Sticky: every later call fails the same way. */
	err.code = 0;
	cr_assert_eq(ag_mkv_write(m, 1, 80, false, "x", 1, &err), -1);
	cr_assert_eq(err.code, AG_EX_IOERR);
	cr_assert_eq(ag_mkv_flush(m, &err), -1);
	cr_assert_eq(ag_mkv_drain(m, &err), -1);
	cr_assert_eq(ag_mkv_close(m, &err), -1);
	cr_assert_eq(errno, EPIPE);
	close(pfd[1]);
}

Test(mkv, nonblocking_pipe_keeps_data)
{
	struct ag_error err = { 0 };
	struct parsed *P = calloc(1, sizeof *P);
	uint8_t *got = malloc(4 << 20), chunk[2048];
	size_t have = 0;
	struct ag_mkv *m;
	int pfd[2], i, r, k, seen = 0;
	ssize_t rd;

	cr_assert_not_null(P);
	cr_assert_not_null(got);
	signal(SIGPIPE, SIG_IGN);
	cr_assert_eq(pipe2(pfd, O_NONBLOCK), 0);
	m = ag_mkv_open(pfd[1], &vp8, 1, &err);
	cr_assert_not_null(m, "%s", err.msg);
	/* 200 keyframes of 2 KiB: far more than a pipe holds. */
	for (i = 0; i < 200; i++)
		frame(m, 1, (int64_t)i * 10, true, (uint8_t)i, sizeof chunk);
	cr_assert_gt(ag_mkv_pending(m), 0, "the pipe should have filled up");
	r = ag_mkv_flush(m, &err);
	cr_assert_eq(r, 1);
	/* An event loop: read what the child would, drain on POLLOUT. */
	for (;;) {
		while ((rd = read(pfd[0], got + have, (4 << 20) - have)) > 0)
			have += (size_t)rd;
		r = ag_mkv_drain(m, &err);
		cr_assert_geq(r, 0, "%s", err.msg);
		if (r == 0)
			break;
	}
	cr_assert_eq(ag_mkv_pending(m), 0);
	cr_assert_eq(ag_mkv_close(m, &err), 0, "%s", err.msg);
	while ((rd = read(pfd[0], got + have, (4 << 20) - have)) > 0)
		have += (size_t)rd;
	parse(P, got, have);
	cr_assert_eq(P->duration, -1, "no duration on a pipe");
	cr_assert_eq(P->nc, 200);
	for (k = 0; k < P->nc; k++) {
		cr_assert_eq(P->c[k].nb, 1);
		cr_assert_eq(P->c[k].ts, (int64_t)k * 10);
		cr_assert_eq(P->c[k].b[0].data[0], (uint8_t)k);
		seen++;
	}
	cr_assert_eq(seen, 200);
	close(pfd[0]);
	close(pfd[1]);
	free(got);
	free(P);
}

Test(mkv, stalled_reader_overflows)
{
	static uint8_t big[1 << 20];
	struct ag_error err = { 0 };
	struct ag_mkv *m;
	int pfd[2], i, r = 0;

	signal(SIGPIPE, SIG_IGN);
	cr_assert_eq(pipe2(pfd, O_NONBLOCK), 0);
	m = ag_mkv_open(pfd[1], &vp8, 1, &err);
	cr_assert_not_null(m, "%s", err.msg);
	for (i = 0; i < 40 && r == 0; i++)
		r = ag_mkv_write(m, 1, i, true, big, sizeof big, &err);
	cr_assert_eq(r, -1, "a reader that never reads must be reported");
	cr_assert_eq(err.code, AG_EX_IOERR);
	cr_assert_eq(errno, ENOBUFS);
	cr_assert_leq(ag_mkv_pending(m), AG_MKV_MAX_PENDING);
	cr_assert_gt(i, (int)(AG_MKV_MAX_PENDING >> 20) - 1, "not before the bound");
	cr_assert_eq(ag_mkv_close(m, NULL), -1);
	close(pfd[0]);
	close(pfd[1]);
}
