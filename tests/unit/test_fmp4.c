/*
 * test_fmp4.c - the fragmented MP4 writer (fmp4.c): the header's box
 * tree read back by a small box walker, the fragment rules, exact
 * durations and tfdt values, clamping, bad input, write errors on a
 * closed pipe, and an end-to-end run on real x264 output checked with
 * ffprobe and ffmpeg, whole and truncated after a fragment (as after a
 * SIGKILL).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fmp4.h"

extern char **environ;

#define TS 90000
#define FRAME 6000      /* 15 fps at 90 kHz */

/* A valid avcC: baseline SPS and PPS stand-ins, 4-byte NAL lengths. */
static const uint8_t test_avcc[] = {
	0x01, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0x00, 0x04, 0x67, 0x42, 0xc0, 0x1e,
	0x01, 0x00, 0x02, 0x68, 0xce,
};

/* ---- reading boxes back ---- */

#define MAXBOX 64
#define MAXFRAG 64
#define MAXS AG_FMP4_FRAGMENT_SAMPLES

static uint32_t
rd16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t
rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) << 32 | rd32(p + 4);
}

/* Every box of the header by path ("moov/trak/tkhd"), with its payload. */
struct tree {
	int n;
	struct {
		char path[96];
		const uint8_t *p;
		size_t len;
	} b[MAXBOX];
};

static bool
is_container(const char *type)
{
	static const char *const c[] = {
		"moov", "trak", "mdia", "minf", "dinf", "stbl", "mvex", "moof", "traf",
	};

	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
		if (memcmp(type, c[i], 4) == 0)
			return true;
	return false;
}

/* Walk boxes in p[0..len): their sizes must tile it exactly. */
static void
walk(const uint8_t *p, size_t len, const char *prefix, struct tree *t)
{
	size_t pos = 0;

	while (pos < len) {
		char type[5] = { 0 }, path[96];
		const uint8_t *pl;
		size_t size, plen;

		cr_assert_geq(len - pos, 8, "%s: box header past the end", prefix);
		size = rd32(p + pos);
		memcpy(type, p + pos + 4, 4);
		cr_assert_geq(size, 8, "%s/%s: size %zu", prefix, type, size);
		cr_assert_leq(size, len - pos, "%s/%s: size %zu overruns its parent", prefix, type, size);
		snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "/" : "", type);
		pl = p + pos + 8;
		plen = size - 8;
		cr_assert_lt(t->n, MAXBOX);
		snprintf(t->b[t->n].path, sizeof t->b[t->n].path, "%s", path);
		t->b[t->n].p = pl;
		t->b[t->n].len = plen;
		t->n++;
		if (is_container(type)) {
			walk(pl, plen, path, t);
		} else if (strcmp(type, "stsd") == 0 || strcmp(type, "dref") == 0) {
			cr_assert_geq(plen, 8);
			cr_assert_eq(rd32(pl + 4), 1, "%s: one entry", path);
			walk(pl + 8, plen - 8, path, t);
		} else if (strcmp(type, "avc1") == 0) {
			cr_assert_geq(plen, 78);
			walk(pl + 78, plen - 78, path, t);
		}
		pos += size;
	}
	cr_assert_eq(pos, len);
}

static const uint8_t *
find(const struct tree *t, const char *path, size_t *len)
{
	for (int i = 0; i < t->n; i++)
		if (strcmp(t->b[i].path, path) == 0) {
			if (len != NULL)
				*len = t->b[i].len;
			return t->b[i].p;
		}
	cr_assert_fail("no box %s", path);
	return NULL;
}

struct frag {
	uint32_t seq;
	uint64_t tfdt;
	uint32_t n;
	uint32_t dur[MAXS], size[MAXS], flags[MAXS];
	const uint8_t *data;   /* the mdat payload */
	size_t end;            /* file offset just past the mdat */
};

struct file {
	uint8_t *p;
	size_t len;
	size_t header_len;     /* ftyp + moov */
	struct tree t;
	int nf;
	struct frag f[MAXFRAG];
};

/* Check one moof (payload p, size moof_size) and the mdat after it. */
static void
parse_moof(const uint8_t *p, size_t len, size_t moof_size, const uint8_t *next, size_t left,
    struct frag *f)
{
	struct tree t = { 0 };
	const uint8_t *b;
	size_t blen, sum = 0;

	walk(p, len, "moof", &t);
	cr_assert_eq(t.n, 5, "moof: mfhd traf tfhd tfdt trun");
	b = find(&t, "moof/mfhd", &blen);
	cr_assert_eq(blen, 8);
	f->seq = rd32(b + 4);
	b = find(&t, "moof/traf/tfhd", &blen);
	cr_assert_eq(blen, 8);
	cr_assert_eq(rd32(b), 0x020000, "tfhd: default-base-is-moof only");
	cr_assert_eq(rd32(b + 4), 1, "track 1");
	b = find(&t, "moof/traf/tfdt", &blen);
	cr_assert_eq(blen, 12);
	cr_assert_eq(b[0], 1, "tfdt version 1");
	f->tfdt = rd64(b + 4);
	b = find(&t, "moof/traf/trun", &blen);
	cr_assert_eq(rd32(b), 0x000701, "trun flags");
	f->n = rd32(b + 4);
	cr_assert(f->n >= 1 && f->n <= MAXS);
	cr_assert_eq(blen, 12 + 12 * (size_t)f->n);
	cr_assert_eq(rd32(b + 8), moof_size + 8, "data_offset points past the mdat header");
	for (uint32_t i = 0; i < f->n; i++) {
		f->dur[i] = rd32(b + 12 + 12 * i);
		f->size[i] = rd32(b + 16 + 12 * i);
		f->flags[i] = rd32(b + 20 + 12 * i);
		cr_assert(f->flags[i] == 0x02000000 || f->flags[i] == 0x01010000,
		    "sample flags %#x", f->flags[i]);
		sum += f->size[i];
	}
	cr_assert_geq(left, 8, "moof without mdat");
	cr_assert_eq(memcmp(next + 4, "mdat", 4), 0, "moof not followed by mdat");
	cr_assert_eq(rd32(next), 8 + sum, "mdat holds exactly the samples");
	f->data = next + 8;
}

/* Read back fd (a file the writer wrote) and parse all of it. */
static struct file *
read_back(int fd)
{
	struct file *fl = calloc(1, sizeof *fl);
	struct stat st;
	size_t pos;

	cr_assert_not_null(fl);
	cr_assert_eq(fstat(fd, &st), 0);
	fl->len = (size_t)st.st_size;
	fl->p = malloc(fl->len + 1);
	cr_assert_not_null(fl->p);
	cr_assert_eq(pread(fd, fl->p, fl->len, 0), (ssize_t)fl->len);

	cr_assert_geq(fl->len, 16);
	cr_assert_eq(memcmp(fl->p + 4, "ftyp", 4), 0, "ftyp first");
	pos = rd32(fl->p);
	cr_assert_leq(pos + 8, fl->len);
	cr_assert_eq(memcmp(fl->p + pos + 4, "moov", 4), 0, "moov second");
	pos += rd32(fl->p + pos);
	cr_assert_leq(pos, fl->len);
	fl->header_len = pos;
	walk(fl->p, pos, "", &fl->t);

	while (pos < fl->len) {
		struct frag *f;
		size_t size;

		cr_assert_geq(fl->len - pos, 8);
		size = rd32(fl->p + pos);
		cr_assert(size >= 8 && size <= fl->len - pos);
		cr_assert_eq(memcmp(fl->p + pos + 4, "moof", 4), 0, "fragment %d: moof", fl->nf);
		cr_assert_lt(fl->nf, MAXFRAG);
		f = &fl->f[fl->nf];
		parse_moof(fl->p + pos + 8, size - 8, size, fl->p + pos + size,
		    fl->len - pos - size, f);
		cr_assert_eq(f->seq, (uint32_t)fl->nf + 1, "mfhd sequence numbers 1, 2, ...");
		pos += size;
		pos += rd32(fl->p + pos);
		cr_assert_leq(pos, fl->len);
		f->end = pos;
		fl->nf++;
	}
	return fl;
}

static void
file_free(struct file *fl)
{
	free(fl->p);
	free(fl);
}

/* ---- writing ---- */

static int
tmp_fd(void)
{
	char path[] = "/tmp/test_fmp4.XXXXXX";
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0, "mkstemp: %s", strerror(errno));
	unlink(path);
	return fd;
}

static struct ag_fmp4_config
config(void)
{
	struct ag_fmp4_config c = {
		.timescale = TS, .width = 320, .height = 180,
		.avcc = test_avcc, .avcc_len = sizeof test_avcc,
	};

	return c;
}

static struct ag_fmp4 *
open_ok(int fd, const struct ag_fmp4_config *c)
{
	struct ag_error err = { 0 };
	struct ag_fmp4 *m = ag_fmp4_open(fd, c, &err);

	cr_assert_not_null(m, "open: %s", err.msg);
	return m;
}

/* Sample number k: one NAL unit of len - 4 bytes, all (uint8_t)k. */
static uint8_t *
sample(uint64_t k, size_t len)
{
	uint8_t *p = malloc(len);

	cr_assert_not_null(p);
	cr_assert_geq(len, 5);
	p[0] = (uint8_t)((len - 4) >> 24);
	p[1] = (uint8_t)((len - 4) >> 16);
	p[2] = (uint8_t)((len - 4) >> 8);
	p[3] = (uint8_t)(len - 4);
	memset(p + 4, (int)(k & 0xff), len - 4);
	return p;
}

static void
put_sample(struct ag_fmp4 *m, int64_t dts, bool key, size_t len)
{
	struct ag_error err = { 0 };
	uint8_t *p = sample(ag_fmp4_samples(m), len);

	cr_assert_eq(ag_fmp4_write(m, dts, key, p, len, &err), 0, "write at %lld: %s",
	    (long long)dts, err.msg);
	free(p);
}

static void
close_ok(struct ag_fmp4 *m, int64_t end)
{
	struct ag_error err = { 0 };

	cr_assert_eq(ag_fmp4_close(m, end, &err), 0, "close: %s", err.msg);
}

/* Every sample's data in the mdats is its number, in order; returns the count. */
static uint64_t
check_data(const struct file *fl)
{
	uint64_t k = 0;

	for (int i = 0; i < fl->nf; i++) {
		const uint8_t *d = fl->f[i].data;

		for (uint32_t j = 0; j < fl->f[i].n; j++, k++) {
			cr_assert_eq(rd32(d), fl->f[i].size[j] - 4);
			cr_assert_eq(d[4], (uint8_t)k, "sample %llu in order", (unsigned long long)k);
			cr_assert_eq(d[fl->f[i].size[j] - 1], (uint8_t)k);
			d += fl->f[i].size[j];
		}
	}
	return k;
}

/* ---- the header ---- */

Test(fmp4, header_box_tree)
{
	static const char *const need[] = {
		"ftyp", "moov", "moov/mvhd", "moov/trak", "moov/trak/tkhd", "moov/trak/mdia",
		"moov/trak/mdia/mdhd", "moov/trak/mdia/hdlr", "moov/trak/mdia/minf",
		"moov/trak/mdia/minf/vmhd", "moov/trak/mdia/minf/dinf",
		"moov/trak/mdia/minf/dinf/dref", "moov/trak/mdia/minf/dinf/dref/url ",
		"moov/trak/mdia/minf/stbl", "moov/trak/mdia/minf/stbl/stsd",
		"moov/trak/mdia/minf/stbl/stsd/avc1", "moov/trak/mdia/minf/stbl/stsd/avc1/avcC",
		"moov/trak/mdia/minf/stbl/stts", "moov/trak/mdia/minf/stbl/stsc",
		"moov/trak/mdia/minf/stbl/stsz", "moov/trak/mdia/minf/stbl/stco",
		"moov/mvex", "moov/mvex/trex",
	};
	static const char *const empty[] = { "stts", "stsc", "stco" };
	struct ag_fmp4_config c = config();
	struct ag_fmp4 *m;
	struct file *fl;
	const uint8_t *b;
	size_t len;
	char path[96];
	int fd = tmp_fd();
	uint32_t t1904 = 1700000000u + 2082844800u;

	c.creation_time = 1700000000;
	m = open_ok(fd, &c);
	cr_assert_eq(ag_fmp4_samples(m), 0);
	close_ok(m, 0);
	fl = read_back(fd);
	cr_assert_eq(fl->nf, 0, "no samples, no fragments");
	cr_assert_eq(fl->header_len, fl->len);
	cr_assert_eq(fl->t.n, (int)(sizeof need / sizeof need[0]));
	for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
		find(&fl->t, need[i], NULL);

	b = find(&fl->t, "ftyp", &len);
	cr_assert_eq(len, 4 + 4 + 5 * 4);
	cr_assert_eq(memcmp(b, "isom", 4), 0);
	cr_assert_eq(memcmp(b + 8, "isomiso5iso6avc1mp41", 20), 0);

	b = find(&fl->t, "moov/mvhd", &len);
	cr_assert_eq(len, 100, "mvhd version 0");
	cr_assert_eq(b[0], 0);
	cr_assert_eq(rd32(b + 4), t1904, "creation_time since 1904");
	cr_assert_eq(rd32(b + 8), t1904);
	cr_assert_eq(rd32(b + 12), TS);
	cr_assert_eq(rd32(b + 16), 0, "duration unknown");
	cr_assert_eq(rd32(b + 96), 2, "next_track_ID");

	b = find(&fl->t, "moov/trak/tkhd", &len);
	cr_assert_eq(len, 84);
	cr_assert_eq(rd32(b) & 0xffffff, 3, "enabled, in movie");
	cr_assert_eq(rd32(b + 4), t1904);
	cr_assert_eq(rd32(b + 12), 1, "track_ID");
	cr_assert_eq(rd32(b + 20), 0, "duration");
	cr_assert_eq(rd32(b + 76), 320u << 16);
	cr_assert_eq(rd32(b + 80), 180u << 16);

	b = find(&fl->t, "moov/trak/mdia/mdhd", &len);
	cr_assert_eq(len, 24);
	cr_assert_eq(rd32(b + 4), t1904);
	cr_assert_eq(rd32(b + 12), TS, "media timescale");
	cr_assert_eq(rd32(b + 16), 0);
	cr_assert_eq(rd16(b + 20), 0x55c4, "und");

	b = find(&fl->t, "moov/trak/mdia/hdlr", &len);
	cr_assert_eq(memcmp(b + 8, "vide", 4), 0);
	cr_assert_eq(b[len - 1], 0, "name NUL-terminated");

	b = find(&fl->t, "moov/trak/mdia/minf/vmhd", &len);
	cr_assert_eq(len, 12);
	cr_assert_eq(rd32(b), 1, "vmhd flags 1");

	b = find(&fl->t, "moov/trak/mdia/minf/stbl/stsd/avc1", &len);
	cr_assert_eq(len, 78 + 8 + sizeof test_avcc);
	cr_assert_eq(rd16(b + 6), 1, "data_reference_index");
	cr_assert_eq(rd16(b + 24), 320);
	cr_assert_eq(rd16(b + 26), 180);
	cr_assert_eq(rd32(b + 28), 0x00480000, "72 dpi");
	cr_assert_eq(rd32(b + 32), 0x00480000);
	cr_assert_eq(rd16(b + 40), 1, "frame_count");
	cr_assert_eq(rd16(b + 74), 0x18, "depth");
	cr_assert_eq(rd16(b + 76), 0xffff, "pre_defined -1");
	b = find(&fl->t, "moov/trak/mdia/minf/stbl/stsd/avc1/avcC", &len);
	cr_assert_eq(len, sizeof test_avcc);
	cr_assert_eq(memcmp(b, test_avcc, len), 0, "avcC copied as given");

	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "moov/trak/mdia/minf/stbl/%s", empty[i]);
		b = find(&fl->t, path, &len);
		cr_assert_eq(len, 8);
		cr_assert_eq(rd32(b + 4), 0, "%s empty", empty[i]);
	}
	b = find(&fl->t, "moov/trak/mdia/minf/stbl/stsz", &len);
	cr_assert_eq(len, 12);
	cr_assert_eq(rd32(b + 8), 0, "stsz sample_count");

	b = find(&fl->t, "moov/mvex/trex", &len);
	cr_assert_eq(len, 24);
	cr_assert_eq(rd32(b + 4), 1, "trex track_ID");
	cr_assert_eq(rd32(b + 8), 1, "default_sample_description_index");
	file_free(fl);
	close(fd);
}

Test(fmp4, header_times)
{
	struct ag_fmp4_config c = config();
	struct file *fl;
	const uint8_t *b;
	size_t len;
	int fd = tmp_fd(), fd2 = tmp_fd();

	/* 0: no time at all */
	close_ok(open_ok(fd, &c), 0);
	fl = read_back(fd);
	b = find(&fl->t, "moov/mvhd", &len);
	cr_assert_eq(b[0], 0);
	cr_assert_eq(rd32(b + 4), 0);
	file_free(fl);

	/* 2100-01-01 is past 2^32 seconds since 1904: version 1 boxes */
	c.creation_time = 4102444800;
	close_ok(open_ok(fd2, &c), 0);
	fl = read_back(fd2);
	b = find(&fl->t, "moov/mvhd", &len);
	cr_assert_eq(len, 112);
	cr_assert_eq(b[0], 1);
	cr_assert_eq(rd64(b + 4), 4102444800ull + 2082844800ull);
	cr_assert_eq(rd32(b + 20), TS);
	b = find(&fl->t, "moov/trak/tkhd", &len);
	cr_assert_eq(len, 96);
	cr_assert_eq(rd32(b + 20), 1, "track_ID");
	b = find(&fl->t, "moov/trak/mdia/mdhd", &len);
	cr_assert_eq(len, 36);
	cr_assert_eq(rd32(b + 20), TS);
	file_free(fl);
	close(fd);
	close(fd2);
}

/* ---- fragments ---- */

static void
check_frag(const struct frag *f, uint64_t tfdt, uint32_t n, bool first_key)
{
	cr_assert_eq(f->tfdt, tfdt, "fragment %u: tfdt %llu, want %llu", f->seq,
	    (unsigned long long)f->tfdt, (unsigned long long)tfdt);
	cr_assert_eq(f->n, n, "fragment %u: %u samples, want %u", f->seq, f->n, n);
	cr_assert_eq(f->flags[0], first_key ? 0x02000000u : 0x01010000u);
}

Test(fmp4, key_frame_after_one_second_starts_a_fragment)
{
	struct ag_fmp4_config c = config();
	struct ag_fmp4 *m;
	struct file *fl;
	int fd = tmp_fd();

	/* key frames every 10 frames (0.67 s): the first at or after 1 s cuts */
	m = open_ok(fd, &c);
	for (int i = 0; i < 60; i++)
		put_sample(m, (int64_t)i * FRAME, i % 10 == 0, 100 + i);
	cr_assert_eq(ag_fmp4_fragments(m), 2, "fragments 1 and 2 written, 3 buffered");
	cr_assert_eq(ag_fmp4_samples(m), 60);
	close_ok(m, 60 * FRAME);
	fl = read_back(fd);
	cr_assert_eq(fl->nf, 3);
	check_frag(&fl->f[0], 0, 20, true);
	check_frag(&fl->f[1], 20 * FRAME, 20, true);
	check_frag(&fl->f[2], 40 * FRAME, 20, true);
	for (int i = 0; i < 3; i++)
		for (uint32_t j = 0; j < fl->f[i].n; j++) {
			cr_assert_eq(fl->f[i].dur[j], FRAME);
			cr_assert_eq(fl->f[i].size[j], 100 + 20 * i + j);
			cr_assert_eq(fl->f[i].flags[j], j % 10 == 0 ? 0x02000000u : 0x01010000u);
		}
	cr_assert_eq(check_data(fl), 60);
	file_free(fl);
	close(fd);
}

Test(fmp4, two_second_cap_without_key_frames)
{
	struct ag_fmp4_config c = config();
	struct ag_fmp4 *m;
	struct file *fl;
	int fd = tmp_fd();

	m = open_ok(fd, &c);
	for (int i = 0; i < 75; i++)
		put_sample(m, (int64_t)i * FRAME, i == 0, 50);
	close_ok(m, 75 * FRAME);
	fl = read_back(fd);
	cr_assert_eq(fl->nf, 3);
	check_frag(&fl->f[0], 0, 30, true);
	check_frag(&fl->f[1], 30 * FRAME, 30, false);
	check_frag(&fl->f[2], 60 * FRAME, 15, false);
	cr_assert_eq(check_data(fl), 75);
	file_free(fl);
	close(fd);
}

Test(fmp4, fragment_ms_setting)
{
	struct ag_fmp4_config c = config();
	struct ag_fmp4 *m;
	struct file *fl;
	int fd = tmp_fd();

	/* 500 ms: key frames every 30 frames, so the 1 s cap cuts between them */
	c.fragment_ms = 500;
	m = open_ok(fd, &c);
	for (int i = 0; i < 60; i++)
		put_sample(m, (int64_t)i * FRAME, i % 30 == 0, 40);
	close_ok(m, 60 * FRAME);
	fl = read_back(fd);
	cr_assert_eq(fl->nf, 4);
	check_frag(&fl->f[0], 0, 15, true);
	check_frag(&fl->f[1], 15 * FRAME, 15, false);
	check_frag(&fl->f[2], 30 * FRAME, 15, true);
	check_frag(&fl->f[3], 45 * FRAME, 15, false);
	file_free(fl);
	close(fd);
}

Test(fmp4, byte_cap)
{
	struct ag_fmp4_config c = config();
	struct ag_fmp4 *m;
	struct file *fl;
	int fd = tmp_fd();

	/* 3 MiB samples: a third would take a fragment past 8 MiB */
	m = open_ok(fd, &c);
	for (int i = 0; i < 5; i++)
		put_sample(m, (int64_t)i * FRAME, i == 0, 3u << 20);
	close_ok(m, 5 * FRAME);
	fl = read_back(fd);
	cr_assert_eq(fl->nf, 3);
	check_frag(&fl->f[0], 0, 2, true);
	check_frag(&fl->f[1], 2 * FRAME, 2, false);
	check_frag(&fl->f[2], 4 * FRAME, 1, false);
	cr_assert_eq(fl->f[1].size[1], 3u << 20);
	cr_assert_eq(check_data(fl), 5);
	file_free(fl);
	close(fd);
}

Test(fmp4, sample_count_cap)
{
	struct ag_fmp4_config c = config();
	struct ag_fmp4 *m;
	struct file *fl;
	int fd = tmp_fd();

	/* every dts 0: clamped to 0, 1, 2, ... never spanning a second */
	m = open_ok(fd, &c);
	for (int i = 0; i < AG_FMP4_FRAGMENT_SAMPLES + 10; i++)
		put_sample(m, 0, i == 0, 5);
	cr_assert_eq(ag_fmp4_clamped(m), AG_FMP4_FRAGMENT_SAMPLES + 9);
	close_ok(m, 0);
	fl = read_back(fd);
	cr_assert_eq(fl->nf, 2);
	check_frag(&fl->f[0], 0, AG_FMP4_FRAGMENT_SAMPLES, true);
	check_frag(&fl->f[1], AG_FMP4_FRAGMENT_SAMPLES, 10, false);
	cr_assert_eq(fl->f[0].dur[AG_FMP4_FRAGMENT_SAMPLES - 1], 1);
	cr_assert_eq(fl->f[1].dur[9], 1, "the last lasts as long as the one before");
	file_free(fl);
	close(fd);
}

Test(fmp4, durations_and_tfdt_exact)
{
	static const int64_t dts[] = { 4500, 7500, 13500, 19400, 25000, 31001 };
	static const uint32_t want[] = { 3000, 6000, 5900, 5600, 6001, 5999 };
	struct ag_fmp4_config c = config();
	struct ag_fmp4 *m;
	struct file *fl;
	int fd = tmp_fd();

	m = open_ok(fd, &c);
	for (int i = 0; i < 6; i++)
		put_sample(m, dts[i], i == 0, 20);
	close_ok(m, 37000);
	fl = read_back(fd);
	cr_assert_eq(fl->nf, 1);
	check_frag(&fl->f[0], 4500, 6, true);
	for (int i = 0; i < 6; i++)
		cr_assert_eq(fl->f[0].dur[i], want[i], "sample %d: %u", i, fl->f[0].dur[i]);
	file_free(fl);
	close(fd);
}

Test(fmp4, close_end_not_after_last_sample)
{
	struct ag_fmp4_config c = config();
	struct ag_fmp4 *m;
	struct file *fl;
	int fd = tmp_fd();

	m = open_ok(fd, &c);
	put_sample(m, 0, true, 20);
	put_sample(m, 3000, false, 20);
	close_ok(m, 3000);   /* not after: the previous duration again */
	fl = read_back(fd);
	cr_assert_eq(fl->nf, 1);
	cr_assert_eq(fl->f[0].dur[1], 3000);
	file_free(fl);
	close(fd);
}

Test(fmp4, flush)
{
	struct ag_fmp4_config c = config();
	struct ag_error err = { 0 };
	struct ag_fmp4 *m;
	struct file *fl;
	int fd = tmp_fd();

	m = open_ok(fd, &c);
	cr_assert_eq(ag_fmp4_flush(m, &err), 0, "nothing to flush");
	cr_assert_eq(ag_fmp4_fragments(m), 0);
	put_sample(m, 0, true, 20);
	cr_assert_eq(ag_fmp4_flush(m, &err), 0, "%s", err.msg);
	cr_assert_eq(ag_fmp4_fragments(m), 1, "written at once");
	/* before the end of the flushed sample (6000): raised to it */
	put_sample(m, 3000, false, 20);
	cr_assert_eq(ag_fmp4_clamped(m), 1);
	put_sample(m, 9000, false, 20);
	cr_assert_eq(ag_fmp4_flush(m, &err), 0, "%s", err.msg);
	put_sample(m, 20000, true, 20);   /* a gap after a flush is kept */
	close_ok(m, 26000);
	fl = read_back(fd);
	cr_assert_eq(fl->nf, 3);
	check_frag(&fl->f[0], 0, 1, true);
	cr_assert_eq(fl->f[0].dur[0], TS / 15, "one sample: timescale / 15");
	check_frag(&fl->f[1], 6000, 2, false);
	cr_assert_eq(fl->f[1].dur[0], 3000);
	cr_assert_eq(fl->f[1].dur[1], 3000, "the previous duration again");
	check_frag(&fl->f[2], 20000, 1, true);
	cr_assert_eq(fl->f[2].dur[0], 6000);
	cr_assert_eq(check_data(fl), 4);
	file_free(fl);
	close(fd);
}

Test(fmp4, clamping)
{
	static const int64_t in[] = { 0, 6000, 6000, 3000, 18000 };
	static const uint32_t want[] = { 6000, 1, 1, 11998, 6000 };
	struct ag_fmp4_config c = config();
	struct ag_fmp4 *m;
	struct file *fl;
	int fd = tmp_fd();

	m = open_ok(fd, &c);
	for (int i = 0; i < 5; i++)
		put_sample(m, in[i], i == 0, 20);
	cr_assert_eq(ag_fmp4_clamped(m), 2);
	cr_assert_eq(ag_fmp4_samples(m), 5);
	close_ok(m, 24000);
	fl = read_back(fd);
	cr_assert_eq(fl->nf, 1);
	for (int i = 0; i < 5; i++)
		cr_assert_eq(fl->f[0].dur[i], want[i], "sample %d: %u", i, fl->f[0].dur[i]);
	file_free(fl);
	close(fd);
}

/* ---- bad input ---- */

Test(fmp4, bad_config)
{
	static const uint8_t two_byte_lengths[] = {
		0x01, 0x42, 0xc0, 0x1e, 0xfd, 0xe1, 0x00, 0x04, 0x67, 0x42, 0xc0, 0x1e,
		0x01, 0x00, 0x02, 0x68, 0xce,
	};
	static const uint8_t short_pps[] = {
		0x01, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0x00, 0x04, 0x67, 0x42, 0xc0, 0x1e,
		0x01, 0x00, 0x05, 0x68, 0xce,
	};
	struct ag_fmp4_config c;
	struct ag_error err = { 0 };
	int fd = tmp_fd();

	c = config();
	c.avcc = two_byte_lengths;
	cr_assert_null(ag_fmp4_open(fd, &c, &err));
	cr_assert_eq(err.code, AG_EX_USAGE);
	c.avcc = short_pps;
	cr_assert_null(ag_fmp4_open(fd, &c, &err));
	c = config();
	c.avcc = NULL;
	cr_assert_null(ag_fmp4_open(fd, &c, &err));
	c = config();
	c.width = 0;
	cr_assert_null(ag_fmp4_open(fd, &c, &err));
	c = config();
	c.height = 65536;
	cr_assert_null(ag_fmp4_open(fd, &c, &err));
	c = config();
	c.timescale = 0;
	cr_assert_null(ag_fmp4_open(fd, &c, &err));
	c = config();
	c.fragment_ms = -1;
	cr_assert_null(ag_fmp4_open(fd, &c, &err));
	c = config();
	c.creation_time = -5;
	cr_assert_null(ag_fmp4_open(fd, &c, &err));
	cr_assert_null(ag_fmp4_open(fd, NULL, &err));
	cr_assert_eq(err.code, AG_EX_USAGE);
	cr_assert_eq(lseek(fd, 0, SEEK_END), 0, "nothing written");
	cr_assert_eq(ag_fmp4_close(NULL, 0, &err), 0);
	close(fd);
}

Test(fmp4, bad_samples)
{
	static const uint8_t bad_len[] = { 0, 0, 0, 5, 0x65, 1, 2, 3 };
	static const uint8_t empty_nal[] = { 0, 0, 0, 0 };
	static const uint8_t tail[] = { 0, 0, 0, 1, 0x65, 0, 0 };
	struct ag_fmp4_config c = config();
	struct ag_error err = { 0 };
	struct ag_fmp4 *m;
	struct file *fl;
	uint8_t *big = sample(0, AG_FMP4_MAX_SAMPLE + 1), *ok = sample(0, 100);
	int fd = tmp_fd();

	m = open_ok(fd, &c);
	cr_assert_eq(ag_fmp4_write(m, 0, true, big, AG_FMP4_MAX_SAMPLE + 1, &err), -1);
	cr_assert_eq(err.code, AG_EX_USAGE);
	cr_assert_eq(ag_fmp4_write(m, 0, true, big, 0, &err), -1);
	cr_assert_eq(err.code, AG_EX_USAGE);
	cr_assert_eq(ag_fmp4_write(m, 0, true, bad_len, sizeof bad_len, &err), -1);
	cr_assert_eq(err.code, AG_EX_DATAERR);
	cr_assert_eq(ag_fmp4_write(m, 0, true, empty_nal, sizeof empty_nal, &err), -1);
	cr_assert_eq(ag_fmp4_write(m, 0, true, tail, sizeof tail, &err), -1);
	cr_assert_eq(err.code, AG_EX_DATAERR);
	cr_assert_eq(ag_fmp4_write(m, -1, true, ok, 100, &err), -1, "negative first dts");
	cr_assert_eq(err.code, AG_EX_USAGE);
	cr_assert_eq(ag_fmp4_samples(m), 0);
	put_sample(m, 0, true, 100);
	cr_assert_eq(ag_fmp4_write(m, (int64_t)UINT32_MAX + 1, false, ok, 100, &err), -1);
	cr_assert_eq(err.code, AG_EX_DATAERR);
	cr_assert_eq(ag_fmp4_clamped(m), 0, "a rejected sample is not counted");
	/* still usable */
	put_sample(m, FRAME, false, AG_FMP4_MAX_SAMPLE);
	cr_assert_eq(ag_fmp4_samples(m), 2);
	close_ok(m, 2 * FRAME);
	fl = read_back(fd);
	cr_assert_eq(fl->nf, 1);
	check_frag(&fl->f[0], 0, 2, true);
	cr_assert_eq(check_data(fl), 2);
	file_free(fl);
	free(big);
	free(ok);
	close(fd);
}

/* ---- write errors ---- */

Test(fmp4, closed_pipe)
{
	struct ag_fmp4_config c = config();
	struct ag_error err = { 0 };
	struct ag_fmp4 *m;
	int p[2];

	signal(SIGPIPE, SIG_IGN);
	cr_assert_eq(pipe(p), 0);
	close(p[0]);
	cr_assert_null(ag_fmp4_open(p[1], &c, &err), "the header is written at once");
	cr_assert_eq(err.code, AG_EX_IOERR);
	cr_assert_eq(errno, EPIPE);
	cr_assert_not_null(strstr(err.msg, strerror(EPIPE)), "%s", err.msg);
	close(p[1]);

	cr_assert_eq(pipe(p), 0);
	m = open_ok(p[1], &c);   /* the header fits in the pipe */
	close(p[0]);
	put_sample(m, 0, true, 100);   /* only buffered */
	ag_error_clear(&err);
	cr_assert_eq(ag_fmp4_flush(m, &err), -1);
	cr_assert_eq(err.code, AG_EX_IOERR);
	cr_assert_eq(errno, EPIPE);
	cr_assert_not_null(strstr(err.msg, strerror(EPIPE)), "%s", err.msg);
	/* sticky */
	ag_error_clear(&err);
	errno = 0;
	cr_assert_eq(ag_fmp4_write(m, FRAME, false, "\0\0\0\1\x41", 5, &err), -1);
	cr_assert_eq(err.code, AG_EX_IOERR);
	cr_assert_eq(errno, EPIPE);
	ag_error_clear(&err);
	cr_assert_eq(ag_fmp4_flush(m, &err), -1);
	cr_assert_eq(err.code, AG_EX_IOERR);
	ag_error_clear(&err);
	cr_assert_eq(ag_fmp4_close(m, 0, &err), -1, "close reports it and frees");
	cr_assert_eq(err.code, AG_EX_IOERR);
	cr_assert_eq(errno, EPIPE);
	close(p[1]);
}

Test(fmp4, closed_pipe_on_a_fragment_cut)
{
	struct ag_fmp4_config c = config();
	struct ag_error err = { 0 };
	struct ag_fmp4 *m;
	uint8_t *s = sample(0, 100);
	int p[2], r = 0, i;

	signal(SIGPIPE, SIG_IGN);
	cr_assert_eq(pipe(p), 0);
	m = open_ok(p[1], &c);
	close(p[0]);
	for (i = 0; i < 100 && r == 0; i++)
		r = ag_fmp4_write(m, (int64_t)i * FRAME, i % 30 == 0, s, 100, &err);
	cr_assert_eq(r, -1);
	cr_assert_eq(i, 31, "the key frame at 2 s cuts the first fragment");
	cr_assert_eq(err.code, AG_EX_IOERR);
	cr_assert_eq(ag_fmp4_close(m, 0, &err), -1);
	close(p[1]);
	free(s);
}

/* ---- end to end, with ffmpeg ---- */

static bool
on_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096];

	while (path != NULL && *path != '\0') {
		const char *colon = strchr(path, ':');
		size_t n = colon ? (size_t)(colon - path) : strlen(path);

		snprintf(buf, sizeof buf, "%.*s/%s", (int)n, n ? path : ".", prog);
		if (access(buf, X_OK) == 0)
			return true;
		path = colon ? colon + 1 : NULL;
	}
	return false;
}

static char *
slurp_fd(int fd, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *p = malloc(cap);
	ssize_t r;

	cr_assert_not_null(p);
	for (;;) {
		if (cap - n < 1024) {
			cap *= 2;
			p = realloc(p, cap);
			cr_assert_not_null(p);
		}
		r = read(fd, p + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		cr_assert_geq(r, 0, "read: %s", strerror(errno));
		if (r == 0)
			break;
		n += (size_t)r;
	}
	p[n] = '\0';
	if (len != NULL)
		*len = n;
	return p;
}

/*
 * Run argv (no shell); its stdout comes back through a pipe, its stderr
 * through an unlinked temp file.  Returns the wait status.
 */
static int
run(char *const argv[], char **out, char **errs)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int p[2], efd = tmp_fd(), status, rc;

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	cr_assert_eq(posix_spawn_file_actions_init(&fa), 0);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_adddup2(&fa, efd, 2);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	cr_assert_eq(rc, 0, "spawn %s: %s", argv[0], strerror(rc));
	close(p[1]);
	*out = slurp_fd(p[0], NULL);
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0)
		cr_assert_eq(errno, EINTR);
	cr_assert_eq(lseek(efd, 0, SEEK_SET), 0);
	*errs = slurp_fd(efd, NULL);
	close(efd);
	return status;
}

struct au {
	uint8_t *p;        /* 4-byte length-prefixed NAL units */
	size_t len;
	bool key;
};

struct h264 {
	uint8_t *sps, *pps;
	size_t sps_len, pps_len;
	int nau;
	struct au au[256];
};

static void
au_add_nal(struct au *a, const uint8_t *nal, size_t len)
{
	a->p = realloc(a->p, a->len + 4 + len);
	cr_assert_not_null(a->p);
	a->p[a->len] = (uint8_t)(len >> 24);
	a->p[a->len + 1] = (uint8_t)(len >> 16);
	a->p[a->len + 2] = (uint8_t)(len >> 8);
	a->p[a->len + 3] = (uint8_t)len;
	memcpy(a->p + a->len + 4, nal, len);
	a->len += 4 + len;
}

static uint8_t *
dup_bytes(const uint8_t *p, size_t len)
{
	uint8_t *d = malloc(len);

	cr_assert_not_null(d);
	memcpy(d, p, len);
	return d;
}

/*
 * Split an Annex-B stream without AUDs into access units: a slice with
 * first_mb_in_slice 0 (ue(v) 0 is a single 1 bit, so the byte after the
 * NAL header has its top bit set) starts one, and SPS, PPS and SEI after
 * a slice belong to the next.  SPS and PPS go to the avcC, not the
 * samples.
 */
static void
split_annexb(const uint8_t *p, size_t len, struct h264 *h)
{
	size_t i = 0, start = 0;
	bool in_nal = false, have_slice = false;
	struct au *cur = &h->au[0];

	memset(h, 0, sizeof *h);
	for (;;) {
		bool sc = i + 3 <= len && p[i] == 0 && p[i + 1] == 0 && p[i + 2] == 1;

		if (in_nal && (sc || i >= len)) {
			size_t end = i;
			const uint8_t *nal = p + start;
			int type;

			while (end > start && p[end - 1] == 0)
				end--;   /* a 4-byte start code's leading zero */
			cr_assert_gt(end - start, 1);
			type = nal[0] & 0x1f;
			if (type == 1 || type == 5) {
				if (have_slice && (nal[1] & 0x80)) {
					cr_assert_lt(h->nau + 1, 256);
					cur = &h->au[++h->nau];
				}
				au_add_nal(cur, nal, end - start);
				cur->key |= type == 5;
				have_slice = true;
			} else {
				if (have_slice) {
					cr_assert_lt(h->nau + 1, 256);
					cur = &h->au[++h->nau];
					have_slice = false;
				}
				if (type == 7 && h->sps == NULL) {
					h->sps = dup_bytes(nal, end - start);
					h->sps_len = end - start;
				} else if (type == 8 && h->pps == NULL) {
					h->pps = dup_bytes(nal, end - start);
					h->pps_len = end - start;
				} else if (type != 7 && type != 8 && type != 9) {
					au_add_nal(cur, nal, end - start);
				}
			}
			in_nal = false;
		}
		if (i >= len)
			break;
		if (sc) {
			i += 3;
			start = i;
			in_nal = true;
		} else {
			i++;
		}
	}
	if (have_slice)
		h->nau++;
	cr_assert_not_null(h->sps);
	cr_assert_not_null(h->pps);
}

static void
h264_free(struct h264 *h)
{
	for (int i = 0; i <= h->nau && i < 256; i++)
		free(h->au[i].p);
	free(h->sps);
	free(h->pps);
}

/* AVCDecoderConfigurationRecord with one SPS, one PPS, 4-byte lengths. */
static size_t
make_avcc(const struct h264 *h, uint8_t *out, size_t cap)
{
	size_t n = 0;

	cr_assert_leq(11 + h->sps_len + h->pps_len, cap);
	out[n++] = 1;
	out[n++] = h->sps[1];   /* profile_idc */
	out[n++] = h->sps[2];   /* constraint flags */
	out[n++] = h->sps[3];   /* level_idc */
	out[n++] = 0xff;        /* lengthSizeMinusOne 3 */
	out[n++] = 0xe1;        /* one SPS */
	out[n++] = (uint8_t)(h->sps_len >> 8);
	out[n++] = (uint8_t)h->sps_len;
	memcpy(out + n, h->sps, h->sps_len);
	n += h->sps_len;
	out[n++] = 1;           /* one PPS */
	out[n++] = (uint8_t)(h->pps_len >> 8);
	out[n++] = (uint8_t)h->pps_len;
	memcpy(out + n, h->pps, h->pps_len);
	n += h->pps_len;
	return n;
}

struct e2e {
	char dir[64];
	char h264[96], mp4[96], cut[96];
	struct h264 h;
	uint8_t avcc[512];
	size_t avcc_len;
};

/* Make 4 s of 320x180 15 fps baseline H.264 with ffmpeg and split it. */
static void
e2e_setup(struct e2e *e)
{
	char *argv[] = {
		"ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=s=320x180:r=15:d=4",
		"-c:v", "libx264", "-profile:v", "baseline", "-g", "30",
		"-bsf:v", "h264_mp4toannexb", "-f", "h264", e->h264, NULL,
	};
	char *out, *errs;
	uint8_t *data;
	size_t len;
	int fd, st;

	if (!on_path("ffmpeg") || !on_path("ffprobe"))
		cr_skip_test("ffmpeg or ffprobe not on PATH");
	snprintf(e->dir, sizeof e->dir, "/tmp/test_fmp4.XXXXXX");
	cr_assert_not_null(mkdtemp(e->dir));
	snprintf(e->h264, sizeof e->h264, "%s/in.h264", e->dir);
	snprintf(e->mp4, sizeof e->mp4, "%s/out.mp4", e->dir);
	snprintf(e->cut, sizeof e->cut, "%s/cut.mp4", e->dir);
	st = run(argv, &out, &errs);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "ffmpeg failed: %s", errs);
	free(out);
	free(errs);

	fd = open(e->h264, O_RDONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	data = (uint8_t *)slurp_fd(fd, &len);
	close(fd);
	split_annexb(data, len, &e->h);
	free(data);
	cr_assert_eq(e->h.nau, 60, "60 access units, got %d", e->h.nau);
	cr_assert(e->h.au[0].key && e->h.au[30].key && !e->h.au[1].key);
	e->avcc_len = make_avcc(&e->h, e->avcc, sizeof e->avcc);
}

static void
e2e_teardown(struct e2e *e)
{
	h264_free(&e->h);
	unlink(e->h264);
	unlink(e->mp4);
	unlink(e->cut);
	rmdir(e->dir);
}

/* Write the access units at dts i * 6000 (15 fps at 90 kHz) into e->mp4. */
static struct file *
e2e_write(struct e2e *e, int fragment_ms)
{
	struct ag_fmp4_config c = {
		.timescale = TS, .width = 320, .height = 180, .avcc = e->avcc,
		.avcc_len = e->avcc_len, .fragment_ms = fragment_ms,
		.creation_time = 1700000000,
	};
	struct ag_error err = { 0 };
	struct ag_fmp4 *m;
	struct file *fl;
	int fd = open(e->mp4, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	cr_assert_geq(fd, 0);
	m = open_ok(fd, &c);
	for (int i = 0; i < e->h.nau; i++)
		cr_assert_eq(ag_fmp4_write(m, (int64_t)i * FRAME, e->h.au[i].key, e->h.au[i].p,
		    e->h.au[i].len, &err), 0, "%s", err.msg);
	cr_assert_eq(ag_fmp4_samples(m), 60);
	cr_assert_eq(ag_fmp4_clamped(m), 0);
	close_ok(m, 60 * FRAME);
	fl = read_back(fd);
	close(fd);
	for (int i = 0; i < fl->nf; i++)
		for (uint32_t j = 0; j < fl->f[i].n; j++)
			cr_assert_eq(fl->f[i].dur[j], FRAME, "every frame lasts 1/15 s exactly");
	return fl;
}

/* The first len bytes of fl, as a crash after a fragment would leave them. */
static void
write_cut(const struct e2e *e, const struct file *fl, size_t len)
{
	int fd = open(e->cut, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, fl->p, len), (ssize_t)len);
	close(fd);
}

/* ffprobe path; check the stream and format against what we wrote. */
static void
probe(const char *path, int frames, const char *duration)
{
	char *argv[] = {
		"ffprobe", "-v", "error", "-select_streams", "v:0", "-count_frames",
		"-show_entries",
		"stream=codec_name,width,height,r_frame_rate,nb_read_frames:format=duration",
		"-of", "default=noprint_wrappers=1", (char *)path, NULL,
	};
	char *out, *errs, want[64];
	int st = run(argv, &out, &errs);

	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "ffprobe %s: %s", path, errs);
	cr_assert_str_empty(errs, "ffprobe %s: %s", path, errs);
	cr_assert_not_null(strstr(out, "codec_name=h264\n"), "%s", out);
	cr_assert_not_null(strstr(out, "width=320\n"), "%s", out);
	cr_assert_not_null(strstr(out, "height=180\n"), "%s", out);
	cr_assert_not_null(strstr(out, "r_frame_rate=15/1\n"), "%s", out);
	snprintf(want, sizeof want, "nb_read_frames=%d\n", frames);
	cr_assert_not_null(strstr(out, want), "want %s in:\n%s", want, out);
	snprintf(want, sizeof want, "duration=%s\n", duration);
	cr_assert_not_null(strstr(out, want), "want %s in:\n%s", want, out);
	free(out);
	free(errs);
}

/* A file killed before its first fragment: an empty but valid movie. */
static void
probe_header_only(const char *path)
{
	char *argv[] = {
		"ffprobe", "-v", "error", "-select_streams", "v:0",
		"-show_entries", "stream=codec_name,width,height",
		"-of", "default=noprint_wrappers=1", (char *)path, NULL,
	};
	char *out, *errs;
	int st = run(argv, &out, &errs);

	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "ffprobe %s: %s", path, errs);
	cr_assert_str_empty(errs, "ffprobe %s: %s", path, errs);
	cr_assert_str_eq(out, "codec_name=h264\nwidth=320\nheight=180\n");
	free(out);
	free(errs);
}

/* Decoding the whole file must be silent at -v error. */
static void
decode_clean(const char *path)
{
	char *argv[] = {
		"ffmpeg", "-nostdin", "-v", "error", "-i", (char *)path, "-f", "null", "-", NULL,
	};
	char *out, *errs;
	int st = run(argv, &out, &errs);

	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "ffmpeg decode %s: %s", path, errs);
	cr_assert_str_empty(errs, "decoding %s: %s", path, errs);
	free(out);
	free(errs);
}

Test(fmp4, end_to_end_x264, .timeout = 120)
{
	struct e2e e;
	struct file *fl;

	e2e_setup(&e);
	fl = e2e_write(&e, 0);
	cr_assert_eq(fl->nf, 2, "cut at the key frame at 2 s, then the rest on close");
	check_frag(&fl->f[0], 0, 30, true);
	check_frag(&fl->f[1], 30 * FRAME, 30, true);
	probe(e.mp4, 60, "4.000000");
	decode_clean(e.mp4);

	/* killed before the first fragment */
	write_cut(&e, fl, fl->header_len);
	probe_header_only(e.cut);

	/* killed after the first fragment */
	write_cut(&e, fl, fl->f[0].end);
	probe(e.cut, 30, "2.000000");
	decode_clean(e.cut);
	file_free(fl);
	e2e_teardown(&e);
}

Test(fmp4, end_to_end_truncated_after_second_fragment, .timeout = 120)
{
	struct e2e e;
	struct file *fl;

	/* 500 ms fragments: the 2nd starts on a non-key frame and is cut at 2 s */
	e2e_setup(&e);
	fl = e2e_write(&e, 500);
	cr_assert_eq(fl->nf, 4);
	check_frag(&fl->f[1], 15 * FRAME, 15, false);
	probe(e.mp4, 60, "4.000000");
	write_cut(&e, fl, fl->f[1].end);
	probe(e.cut, 30, "2.000000");
	decode_clean(e.cut);
	file_free(fl);
	e2e_teardown(&e);
}
