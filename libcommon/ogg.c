/*
 * ogg.c - a crash-safe Ogg Opus writer (ogg.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "be.h"
#include "fsutil.h"
#include "ogg.h"

#define PAGE_HEAD  27                   /* the fixed part of a page header */
#define HEAD_ROOM  (PAGE_HEAD + 255)    /* header and lacing, before the body */

enum { FLAG_BOS = 0x02, FLAG_EOS = 0x04 };

struct ag_ogg_opus {
	int fd;
	uint32_t serial;
	uint32_t seq;             /* the next page's sequence number */
	int channels;
	/* The page being filled: HEAD_ROOM bytes, then body_len bytes of packets. */
	uint8_t *page;
	size_t body_len, page_cap;
	uint8_t lacing[255];
	int nseg;
	int npackets;             /* packets waiting in the page */
	int64_t page_start;       /* position where the page's first packet starts */
	int64_t granule;          /* where the last packet added ends */
	int64_t filled;
	uint64_t dropped, pages;
	struct ag_sticky fail;
};

/* The Ogg CRC by byte: polynomial 0x04c11db7, most significant bit first. */
static const uint32_t crc_table[256] = {
	0x00000000, 0x04c11db7, 0x09823b6e, 0x0d4326d9, 0x130476dc, 0x17c56b6b,
	0x1a864db2, 0x1e475005, 0x2608edb8, 0x22c9f00f, 0x2f8ad6d6, 0x2b4bcb61,
	0x350c9b64, 0x31cd86d3, 0x3c8ea00a, 0x384fbdbd, 0x4c11db70, 0x48d0c6c7,
	0x4593e01e, 0x4152fda9, 0x5f15adac, 0x5bd4b01b, 0x569796c2, 0x52568b75,
	0x6a1936c8, 0x6ed82b7f, 0x639b0da6, 0x675a1011, 0x791d4014, 0x7ddc5da3,
	0x709f7b7a, 0x745e66cd, 0x9823b6e0, 0x9ce2ab57, 0x91a18d8e, 0x95609039,
	0x8b27c03c, 0x8fe6dd8b, 0x82a5fb52, 0x8664e6e5, 0xbe2b5b58, 0xbaea46ef,
	0xb7a96036, 0xb3687d81, 0xad2f2d84, 0xa9ee3033, 0xa4ad16ea, 0xa06c0b5d,
	0xd4326d90, 0xd0f37027, 0xddb056fe, 0xd9714b49, 0xc7361b4c, 0xc3f706fb,
	0xceb42022, 0xca753d95, 0xf23a8028, 0xf6fb9d9f, 0xfbb8bb46, 0xff79a6f1,
	0xe13ef6f4, 0xe5ffeb43, 0xe8bccd9a, 0xec7dd02d, 0x34867077, 0x30476dc0,
	0x3d044b19, 0x39c556ae, 0x278206ab, 0x23431b1c, 0x2e003dc5, 0x2ac12072,
	0x128e9dcf, 0x164f8078, 0x1b0ca6a1, 0x1fcdbb16, 0x018aeb13, 0x054bf6a4,
	0x0808d07d, 0x0cc9cdca, 0x7897ab07, 0x7c56b6b0, 0x71159069, 0x75d48dde,
	0x6b93dddb, 0x6f52c06c, 0x6211e6b5, 0x66d0fb02, 0x5e9f46bf, 0x5a5e5b08,
	0x571d7dd1, 0x53dc6066, 0x4d9b3063, 0x495a2dd4, 0x44190b0d, 0x40d816ba,
	0xaca5c697, 0xa864db20, 0xa527fdf9, 0xa1e6e04e, 0xbfa1b04b, 0xbb60adfc,
	0xb6238b25, 0xb2e29692, 0x8aad2b2f, 0x8e6c3698, 0x832f1041, 0x87ee0df6,
	0x99a95df3, 0x9d684044, 0x902b669d, 0x94ea7b2a, 0xe0b41de7, 0xe4750050,
	0xe9362689, 0xedf73b3e, 0xf3b06b3b, 0xf771768c, 0xfa325055, 0xfef34de2,
	0xc6bcf05f, 0xc27dede8, 0xcf3ecb31, 0xcbffd686, 0xd5b88683, 0xd1799b34,
	0xdc3abded, 0xd8fba05a, 0x690ce0ee, 0x6dcdfd59, 0x608edb80, 0x644fc637,
	0x7a089632, 0x7ec98b85, 0x738aad5c, 0x774bb0eb, 0x4f040d56, 0x4bc510e1,
	0x46863638, 0x42472b8f, 0x5c007b8a, 0x58c1663d, 0x558240e4, 0x51435d53,
	0x251d3b9e, 0x21dc2629, 0x2c9f00f0, 0x285e1d47, 0x36194d42, 0x32d850f5,
	0x3f9b762c, 0x3b5a6b9b, 0x0315d626, 0x07d4cb91, 0x0a97ed48, 0x0e56f0ff,
	0x1011a0fa, 0x14d0bd4d, 0x19939b94, 0x1d528623, 0xf12f560e, 0xf5ee4bb9,
	0xf8ad6d60, 0xfc6c70d7, 0xe22b20d2, 0xe6ea3d65, 0xeba91bbc, 0xef68060b,
	0xd727bbb6, 0xd3e6a601, 0xdea580d8, 0xda649d6f, 0xc423cd6a, 0xc0e2d0dd,
	0xcda1f604, 0xc960ebb3, 0xbd3e8d7e, 0xb9ff90c9, 0xb4bcb610, 0xb07daba7,
	0xae3afba2, 0xaafbe615, 0xa7b8c0cc, 0xa379dd7b, 0x9b3660c6, 0x9ff77d71,
	0x92b45ba8, 0x9675461f, 0x8832161a, 0x8cf30bad, 0x81b02d74, 0x857130c3,
	0x5d8a9099, 0x594b8d2e, 0x5408abf7, 0x50c9b640, 0x4e8ee645, 0x4a4ffbf2,
	0x470cdd2b, 0x43cdc09c, 0x7b827d21, 0x7f436096, 0x7200464f, 0x76c15bf8,
	0x68860bfd, 0x6c47164a, 0x61043093, 0x65c52d24, 0x119b4be9, 0x155a565e,
	0x18197087, 0x1cd86d30, 0x029f3d35, 0x065e2082, 0x0b1d065b, 0x0fdc1bec,
	0x3793a651, 0x3352bbe6, 0x3e119d3f, 0x3ad08088, 0x2497d08d, 0x2056cd3a,
	0x2d15ebe3, 0x29d4f654, 0xc5a92679, 0xc1683bce, 0xcc2b1d17, 0xc8ea00a0,
	0xd6ad50a5, 0xd26c4d12, 0xdf2f6bcb, 0xdbee767c, 0xe3a1cbc1, 0xe760d676,
	0xea23f0af, 0xeee2ed18, 0xf0a5bd1d, 0xf464a0aa, 0xf9278673, 0xfde69bc4,
	0x89b8fd09, 0x8d79e0be, 0x803ac667, 0x84fbdbd0, 0x9abc8bd5, 0x9e7d9662,
	0x933eb0bb, 0x97ffad0c, 0xafb010b1, 0xab710d06, 0xa6322bdf, 0xa2f33668,
	0xbcb4666d, 0xb8757bda, 0xb5365d03, 0xb1f740b4,
};

uint32_t
ag_ogg_crc(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len-- > 0)
		crc = crc << 8 ^ crc_table[(crc >> 24 ^ *p++) & 0xff];
	return crc;
}

static int
fail(struct ag_ogg_opus *w, int errnum, struct ag_error *err)
{
	return ag_sticky_set(&w->fail, err, AG_EX_IOERR, errnum, "ogg output");
}

/*
 * Write the page waiting (header, lacing and body in one write) at
 * granule with flags; an empty one is fine.  The page is empty after.
 */
static int
page_out(struct ag_ogg_opus *w, int64_t granule, int flags, struct ag_error *err)
{
	size_t head = (size_t)PAGE_HEAD + (size_t)w->nseg;
	uint8_t *h = w->page + HEAD_ROOM - head;

	memcpy(h, "OggS", 4);
	h[4] = 0;                       /* version */
	h[5] = (uint8_t)flags;
	ag_wr32le(h + 6, (uint32_t)((uint64_t)granule & 0xffffffffu));
	ag_wr32le(h + 10, (uint32_t)((uint64_t)granule >> 32));
	ag_wr32le(h + 14, w->serial);
	ag_wr32le(h + 18, w->seq);
	ag_wr32le(h + 22, 0);           /* CRC, computed with this field zero */
	h[26] = (uint8_t)w->nseg;
	memcpy(h + PAGE_HEAD, w->lacing, (size_t)w->nseg);
	ag_wr32le(h + 22, ag_ogg_crc(0, h, head + w->body_len));
	if (ag_write_whole(w->fd, h, head + w->body_len) < 0)
		return fail(w, errno, err);
	w->seq++;
	w->pages++;
	w->nseg = 0;
	w->npackets = 0;
	w->body_len = 0;
	w->page_start = w->granule;
	return 0;
}

/* Put packet (len <= AG_OGG_MAX_PACKET) into the page waiting, which has
 * room for it; 0 or -1 (memory). */
static int
page_add(struct ag_ogg_opus *w, const void *packet, size_t len, struct ag_error *err)
{
	size_t need = HEAD_ROOM + w->body_len + len, n = len;

	if (need > w->page_cap) {
		size_t cap = w->page_cap * 2 > need ? w->page_cap * 2 : need;
		uint8_t *p = realloc(w->page, cap);
		if (p == NULL)
			return ag_error_errno(err, AG_EX_FAIL, ENOMEM, "ogg page");
		w->page = p;
		w->page_cap = cap;
	}
	memcpy(w->page + HEAD_ROOM + w->body_len, packet, len);
	w->body_len += len;
	/* Lacing: 255 for each whole 255 bytes, then the rest (0 included). */
	for (; n >= 255; n -= 255)
		w->lacing[w->nseg++] = 255;
	w->lacing[w->nseg++] = (uint8_t)n;
	w->npackets++;
	return 0;
}

/* One header packet on a page of its own. */
static int
header_page(struct ag_ogg_opus *w, const uint8_t *packet, size_t len, int flags,
    struct ag_error *err)
{
	if (page_add(w, packet, len, err) < 0)
		return -1;
	return page_out(w, 0, flags, err);
}

struct ag_ogg_opus *
ag_ogg_opus_open(int fd, int channels, int pre_skip, uint32_t input_rate, uint32_t serial,
    struct ag_error *err)
{
	static const char vendor[] = "agrec";
	struct ag_ogg_opus *w;
	uint8_t head[19], tags[8 + 4 + sizeof vendor - 1 + 4];

	if (fd < 0 || channels < 1 || channels > 2 || pre_skip < 0 || pre_skip > 65535) {
		ag_error_set(err, AG_EX_USAGE, "ogg output: bad arguments");
		return NULL;
	}
	if ((w = calloc(1, sizeof *w)) == NULL) {
		ag_error_errno(err, AG_EX_FAIL, ENOMEM, "ogg output");
		return NULL;
	}
	w->page_cap = HEAD_ROOM + 4096;
	if ((w->page = malloc(w->page_cap)) == NULL) {
		ag_error_errno(err, AG_EX_FAIL, ENOMEM, "ogg output");
		free(w);
		return NULL;
	}
	w->fd = fd;
	w->serial = serial;
	w->channels = channels;
	/* OpusHead (RFC 7845 5.1): version 1, mapping family 0, no gain. */
	memcpy(head, "OpusHead", 8);
	head[8] = 1;
	head[9] = (uint8_t)channels;
	ag_wr16le(head + 10, (uint16_t)pre_skip);
	ag_wr32le(head + 12, input_rate);
	ag_wr16le(head + 16, 0);
	head[18] = 0;
	/* OpusTags (5.2): the vendor string, no comments. */
	memcpy(tags, "OpusTags", 8);
	ag_wr32le(tags + 8, (uint32_t)(sizeof vendor - 1));
	memcpy(tags + 12, vendor, sizeof vendor - 1);
	ag_wr32le(tags + 12 + sizeof vendor - 1, 0);
	if (header_page(w, head, sizeof head, FLAG_BOS, err) < 0 ||
	    header_page(w, tags, sizeof tags, 0, err) < 0) {
		free(w->page);
		free(w);
		return NULL;
	}
	return w;
}

int
ag_ogg_opus_write(struct ag_ogg_opus *w, int64_t granule_end, const void *packet, size_t len,
    struct ag_error *err)
{
	int samples = ag_opus_packet_samples(packet, len);
	int lacing = (int)(len / 255) + 1;

	if (w->fail.failed)
		return ag_sticky_replay(&w->fail, err);
	if (samples < 0 || len > AG_OGG_MAX_PACKET)
		return ag_error_set(err, AG_EX_DATAERR, "ogg output: not an Opus packet (%zu bytes)",
		    len);
	if (granule_end != w->granule + samples)
		return ag_error_set(err, AG_EX_DATAERR, "ogg output: a packet of %d samples cannot "
		    "end at %lld (the stream is at %lld)", samples, (long long)granule_end,
		    (long long)w->granule);
	if (w->npackets > 0 && (w->granule - w->page_start >= AG_OGG_PAGE_SAMPLES ||
	    w->nseg + lacing > 255 || w->body_len + len > AG_OGG_MAX_PACKET + 1) &&
	    page_out(w, w->granule, 0, err) < 0)
		return -1;
	if (page_add(w, packet, len, err) < 0)
		return -1;
	w->granule = granule_end;
	return 0;
}

int64_t
ag_ogg_opus_granule(const struct ag_ogg_opus *w)
{
	return w->granule;
}

int64_t
ag_ogg_opus_fill(struct ag_ogg_opus *w, int64_t samples, struct ag_error *err)
{
	/* CELT-only fullband configurations 31, 30, 29, 28: 20, 10, 5, 2.5 ms. */
	static const int config[4] = { 31, 30, 29, 28 };
	int64_t done = 0;
	int k, n;
	uint8_t toc;

	for (k = 0; k < 4; k++) {
		n = (8 >> k) * AG_OGG_FILL_UNIT;
		toc = (uint8_t)(config[k] << 3 | (w->channels == 2 ? 0x04 : 0));
		while (samples - done >= n) {
			if (ag_ogg_opus_write(w, w->granule + n, &toc, 1, err) < 0)
				return -1;
			done += n;
		}
	}
	w->filled += done;
	return done;
}

int
ag_ogg_opus_put(struct ag_ogg_opus *w, int64_t start, const void *packet, size_t len,
    struct ag_error *err)
{
	int samples = ag_opus_packet_samples(packet, len);

	if (samples < 0)
		return ag_ogg_opus_write(w, w->granule, packet, len, err);	/* its error */
	/* The gap to the nearest 2.5 ms: the packet within 1.25 ms of start. */
	if (start - w->granule >= AG_OGG_FILL_UNIT / 2 &&
	    ag_ogg_opus_fill(w, start - w->granule + AG_OGG_FILL_UNIT / 2, err) < 0)
		return -1;
	if (w->granule - start >= samples) {
		w->dropped++;
		return 0;
	}
	if (ag_ogg_opus_write(w, w->granule + samples, packet, len, err) < 0)
		return -1;
	return 1;
}

int64_t
ag_ogg_opus_filled(const struct ag_ogg_opus *w)
{
	return w->filled;
}

uint64_t
ag_ogg_opus_dropped(const struct ag_ogg_opus *w)
{
	return w->dropped;
}

uint64_t
ag_ogg_opus_pages(const struct ag_ogg_opus *w)
{
	return w->pages;
}

int
ag_ogg_opus_close(struct ag_ogg_opus *w, struct ag_error *err)
{
	int r;

	if (w == NULL)
		return 0;
	if (w->fail.failed)
		r = ag_sticky_replay(&w->fail, err);
	else
		r = page_out(w, w->granule, FLAG_EOS, err);
	free(w->page);
	free(w);
	return r;
}
