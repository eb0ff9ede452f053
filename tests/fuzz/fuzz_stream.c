/*
 * fuzz_stream.c - the channel stream reader (stream.h), three ways: the
 * whole input with ag_stream_parse_buf(), a reader fed the input in
 * small pieces with ag_stream_reader_feed(), and a reader of a file
 * descriptor (an unlinked temporary file holding the input).  The three
 * must see the same records (type, offset, body) and end the same way:
 * a clean end, or the same error message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "stream.h"

struct seen {
	uint16_t type;
	uint64_t offset;
	size_t body_len;
	uint32_t sum;      /* of the body and the decoded variable fields */
};

struct log {
	struct seen *v;
	size_t n, cap;
	size_t total;      /* bytes of the input */
};

static uint32_t
sum_bytes(uint32_t h, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		h = h * 31 + p[i];
	return h;
}

/*
 * A decoded levels record: every entry in range (the decoder checked
 * them), and encoding an entry again gives back its bytes.
 */
static uint32_t
note_levels(uint32_t h, const struct ag_stream_levels *lv)
{
	struct ag_stream_level e;
	uint8_t again[AG_STREAM_LEVEL_SIZE];
	size_t i;

	FUZZ_ASSERT(lv->entries_len % AG_STREAM_LEVEL_SIZE == 0);
	for (i = 0; i < ag_stream_levels_count(lv); i++) {
		ag_stream_levels_get(lv, i, &e);
		FUZZ_ASSERT(e.level_cb >= AG_STREAM_LEVEL_MIN_CB && e.level_cb <= 0);
		ag_stream_level_put(again, &e);
		FUZZ_ASSERT(memcmp(again, lv->entries + i * AG_STREAM_LEVEL_SIZE, 7) == 0);
		h = h * 31 + e.uid + (uint32_t)(e.level_cb + 20000) + e.source;
	}
	return h;
}

/* Read every byte a record points to (ASan checks the borrow) and log it. */
static void
note(const struct ag_stream_rec *rec, void *arg)
{
	struct log *l = arg;
	uint32_t h = sum_bytes(0, rec->body, rec->body_len);

	switch (rec->type) {
	case AG_STREAM_CHANNEL:
		h = sum_bytes(h, (const uint8_t *)rec->u.channel.name, rec->u.channel.name_len);
		FUZZ_ASSERT(rec->u.channel.name_len == 0 ||
		    memchr(rec->u.channel.name, '\0', rec->u.channel.name_len) == NULL);
		break;
	case AG_STREAM_CODEC:
		h = sum_bytes(h, rec->u.codec.extradata, rec->u.codec.extradata_len);
		break;
	case AG_STREAM_MEDIA:
		FUZZ_ASSERT(rec->u.media.len > 0);
		h = sum_bytes(h, rec->u.media.data, rec->u.media.len);
		break;
	case AG_STREAM_RAW:
		h = sum_bytes(h, rec->u.raw.data, rec->u.raw.len);
		break;
	case AG_STREAM_LEVELS:
		h = note_levels(h, &rec->u.levels);
		break;
	default:
		break;
	}
	(void)ag_stream_type_name(rec->type);
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		if ((l->v = realloc(l->v, l->cap * sizeof *l->v)) == NULL)
			abort();
	}
	l->v[l->n++] = (struct seen){ rec->type, rec->offset, rec->body_len, h };
}

/* Read r to its end; returns 0 (clean end) or -1 (err set). */
static int
read_all(struct ag_stream_reader *r, struct log *l, struct ag_error *err)
{
	struct ag_stream_rec rec;
	int rc;

	struct ag_error again;

	while ((rc = ag_stream_read(r, &rec, err)) == 1)
		note(&rec, l);
	FUZZ_ASSERT(rc == 0 || rc == -1 || rc == AG_STREAM_AGAIN);
	/* After an error every call fails the same way; after the end, ends. */
	if (rc == -1)
		FUZZ_ASSERT(ag_stream_read(r, &rec, &again) == -1 && again.code == err->code &&
		    strcmp(again.msg, err->msg) == 0);
	if (rc == 0)
		FUZZ_ASSERT(ag_stream_read(r, &rec, &again) == 0);
	(void)ag_stream_reader_skipped(r);
	FUZZ_ASSERT(ag_stream_reader_offset(r) <= l->total);
	return rc;
}

static void
same(const struct log *a, int arc, const struct ag_error *aerr,
    const struct log *b, int brc, const struct ag_error *berr)
{
	size_t i;

	FUZZ_ASSERT(a->n == b->n);
	for (i = 0; i < a->n; i++) {
		FUZZ_ASSERT(a->v[i].type == b->v[i].type && a->v[i].offset == b->v[i].offset);
		FUZZ_ASSERT(a->v[i].body_len == b->v[i].body_len && a->v[i].sum == b->v[i].sum);
	}
	FUZZ_ASSERT((arc < 0) == (brc < 0));
	if (arc < 0)
		FUZZ_ASSERT(aerr->code == berr->code && strcmp(aerr->msg, berr->msg) == 0);
}

/* The input in a temporary file that is already unlinked: nothing is
 * left behind, whatever happens. */
static int
temp_fd(const uint8_t *data, size_t size)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int fd;

	snprintf(path, sizeof path, "%s/agrec-fuzz-stream.XXXXXX", dir && *dir ? dir : "/tmp");
	if ((fd = mkstemp(path)) < 0)
		return -1;
	unlink(path);
	if ((size > 0 && write(fd, data, size) != (ssize_t)size) || lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct log whole = { 0 }, fed = { 0 }, byfd = { 0 };
	struct ag_error e1, e2, e3;
	struct ag_stream_reader *r;
	size_t pos, chunk;
	uint32_t rng = (uint32_t)size * 2654435761u + 1;
	int n, rc, fd;

	whole.total = fed.total = byfd.total = size;
	memset(&e1, 0, sizeof e1);
	memset(&e2, 0, sizeof e2);
	memset(&e3, 0, sizeof e3);
	n = ag_stream_parse_buf(data, size, note, &whole, &e1);
	FUZZ_ASSERT(n == -1 || (size_t)n == whole.n);
	FUZZ_ASSERT(n >= 0 || (e1.code == AG_EX_DATAERR && strncmp(e1.msg, "offset ", 7) == 0));

	/* Fed in pieces of 1 to 64 bytes; the end told at the end. */
	if ((r = ag_stream_reader_new(-1, &e2)) == NULL)
		abort();
	rc = AG_STREAM_AGAIN;
	for (pos = 0; pos < size && rc == AG_STREAM_AGAIN; pos += chunk) {
		rng = rng * 1103515245u + 12345u;
		chunk = 1 + (rng >> 16) % 64;
		if (chunk > size - pos)
			chunk = size - pos;
		FUZZ_ASSERT(ag_stream_reader_feed(r, data + pos, chunk, &e2) == 0);
		rc = read_all(r, &fed, &e2);
	}
	if (rc == AG_STREAM_AGAIN) {
		FUZZ_ASSERT(ag_stream_reader_feed(r, NULL, 0, &e2) == 0);
		rc = read_all(r, &fed, &e2);
		FUZZ_ASSERT(rc != AG_STREAM_AGAIN);
		FUZZ_ASSERT(ag_stream_reader_feed(r, "x", 1, NULL) < 0);
	}
	if (rc == 0 && ag_stream_reader_header(r) != NULL)
		FUZZ_ASSERT(ag_stream_reader_header(r)->major == AG_STREAM_MAJOR);
	same(&whole, n, &e1, &fed, rc, &e2);
	ag_stream_reader_free(r);

	/* A reader of a descriptor. */
	if ((fd = temp_fd(data, size)) >= 0) {
		if ((r = ag_stream_reader_new(fd, &e3)) == NULL)
			abort();
		rc = read_all(r, &byfd, &e3);
		FUZZ_ASSERT(rc != AG_STREAM_AGAIN);
		same(&whole, n, &e1, &byfd, rc, &e3);
		ag_stream_reader_free(r);
		close(fd);
	}
	ag_stream_reader_free(NULL);
	free(whole.v);
	free(fed.v);
	free(byfd.v);
	return 0;
}
