/*
 * test_ogg.c - the Ogg Opus writer (ogg.c): the Ogg CRC against a known
 * check value and a page libopus/FFmpeg wrote, Opus packet durations from
 * the TOC byte, the header pages, page layout (header fields, lacing with
 * 255s, granule positions, end of stream), pages written every 250 ms of
 * audio, continuity fill, packets left out, and write errors.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "be.h"
#include "codec.h"
#include "ogg.h"

struct page {
	int flags;
	int64_t granule;
	uint32_t serial, seq;
	int nseg;
	uint8_t lacing[255];
	const uint8_t *body;
	size_t body_len;
};

static uint8_t file_buf[1 << 20];

/* A temporary file, already unlinked. */
static int
temp_fd(void)
{
	char path[] = "/tmp/test_ogg_XXXXXX";
	int fd = mkstemp(path);

	cr_assert(fd >= 0);
	unlink(path);
	return fd;
}

/* Read fd's pages from the start into p (at most max), checking each
 * page's capture pattern, version and CRC; returns the count. */
static int
read_pages(int fd, struct page *p, int max)
{
	ssize_t len = pread(fd, file_buf, sizeof file_buf, 0);
	size_t pos = 0;
	int n = 0;

	cr_assert(len >= 0);
	while (pos < (size_t)len) {
		uint8_t *h = file_buf + pos;
		uint32_t stored;
		size_t head, body = 0;
		int k;

		cr_assert(n < max);
		cr_assert(pos + 27 <= (size_t)len);
		cr_assert(memcmp(h, "OggS", 4) == 0);
		cr_assert_eq(h[4], 0);
		head = 27 + (size_t)h[26];
		for (k = 0; k < h[26]; k++)
			body += h[27 + k];
		cr_assert(pos + head + body <= (size_t)len);
		p[n].flags = h[5];
		p[n].granule = (int64_t)((uint64_t)ag_rd32le(h + 6) | (uint64_t)ag_rd32le(h + 10) << 32);
		p[n].serial = ag_rd32le(h + 14);
		p[n].seq = ag_rd32le(h + 18);
		p[n].nseg = h[26];
		memcpy(p[n].lacing, h + 27, h[26]);
		p[n].body = h + head;
		p[n].body_len = body;
		stored = ag_rd32le(h + 22);
		memset(h + 22, 0, 4);
		cr_assert_eq(ag_ogg_crc(0, h, head + body), stored, "page %d: bad CRC", n);
		ag_wr32le(h + 22, stored);
		pos += head + body;
		n++;
	}
	return n;
}

Test(ogg, crc_check_value)
{
	/* CRC-32 with polynomial 0x04c11db7, no reflection, init and xorout 0. */
	cr_assert_eq(ag_ogg_crc(0, "123456789", 9), 0x89a1897fu);
	cr_assert_eq(ag_ogg_crc(ag_ogg_crc(0, "1234", 4), "56789", 5), 0x89a1897fu);
	cr_assert_eq(ag_ogg_crc(0, "", 0), 0);
}

Test(ogg, crc_of_a_page_ffmpeg_wrote)
{
	/* The OpusHead page of a file FFmpeg 5.1 wrote with libopus. */
	uint8_t page[] = {
		0x4f, 0x67, 0x67, 0x53, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0xd0, 0xdc, 0x2f, 0x9e, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x05,
		0x64, 0xe6, 0x01, 0x13, 0x4f, 0x70, 0x75, 0x73, 0x48, 0x65, 0x61, 0x64,
		0x01, 0x01, 0x38, 0x01, 0x80, 0xbb, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	uint32_t stored = ag_rd32le(page + 22);

	memset(page + 22, 0, 4);
	cr_assert_eq(ag_ogg_crc(0, page, sizeof page), stored);
}

Test(ogg, packet_samples_from_toc)
{
	uint8_t p[4] = { 0 };

	p[0] = 31 << 3;                         /* CELT FB 20 ms, one frame */
	cr_assert_eq(ag_opus_packet_samples(p, 1), 960);
	p[0] = 28 << 3 | 4;                     /* CELT 2.5 ms, stereo */
	cr_assert_eq(ag_opus_packet_samples(p, 1), 120);
	p[0] = 3 << 3;                          /* SILK NB 60 ms */
	cr_assert_eq(ag_opus_packet_samples(p, 1), 2880);
	p[0] = 13 << 3 | 1;                     /* hybrid 20 ms, two frames (code 1) */
	cr_assert_eq(ag_opus_packet_samples(p, 3), 1920);
	p[0] = 9 << 3 | 2;                      /* SILK 20 ms, two frames (code 2) */
	cr_assert_eq(ag_opus_packet_samples(p, 3), 1920);
	p[0] = 31 << 3 | 3;                     /* code 3: the count in byte 1 */
	p[1] = 3;
	cr_assert_eq(ag_opus_packet_samples(p, 2), 2880);
	p[1] = 0x80 | 0x40 | 6;                 /* VBR and padding flags, 6 frames */
	cr_assert_eq(ag_opus_packet_samples(p, 2), 5760);
	p[1] = 7;                               /* 140 ms: too long */
	cr_assert_eq(ag_opus_packet_samples(p, 2), -1);
	p[1] = 0;                               /* no frames */
	cr_assert_eq(ag_opus_packet_samples(p, 2), -1);
	cr_assert_eq(ag_opus_packet_samples(p, 1), -1);    /* code 3 without the count */
	cr_assert_eq(ag_opus_packet_samples(p, 0), -1);
	cr_assert_eq(ag_opus_packet_samples(NULL, 1), -1);
}

Test(ogg, header_pages)
{
	struct ag_error err = { 0 };
	struct page p[4];
	int fd = temp_fd();
	struct ag_ogg_opus *w = ag_ogg_opus_open(fd, 2, AG_OPUS_PRE_SKIP, 48000, 0x12345678, &err);

	cr_assert_not_null(w, "%s", err.msg);
	/* Both header pages are on disk before any audio. */
	cr_assert_eq(read_pages(fd, p, 4), 2);
	cr_assert_eq(p[0].flags, 0x02);
	cr_assert_eq(p[0].granule, 0);
	cr_assert_eq(p[0].serial, 0x12345678u);
	cr_assert_eq(p[0].seq, 0);
	cr_assert_eq(p[0].nseg, 1);
	cr_assert_eq(p[0].lacing[0], 19);
	cr_assert(memcmp(p[0].body, "OpusHead", 8) == 0);
	cr_assert_eq(p[0].body[8], 1);                   /* version */
	cr_assert_eq(p[0].body[9], 2);                   /* channels */
	cr_assert_eq(ag_rd16le(p[0].body + 10), AG_OPUS_PRE_SKIP);
	cr_assert_eq(ag_rd32le(p[0].body + 12), 48000);
	cr_assert_eq(ag_rd16le(p[0].body + 16), 0);      /* gain */
	cr_assert_eq(p[0].body[18], 0);                  /* mapping family */
	cr_assert_eq(p[1].flags, 0);
	cr_assert_eq(p[1].granule, 0);
	cr_assert_eq(p[1].seq, 1);
	cr_assert(memcmp(p[1].body, "OpusTags", 8) == 0);
	cr_assert_eq(ag_rd32le(p[1].body + 8), 5);
	cr_assert(memcmp(p[1].body + 12, "agrec", 5) == 0);
	cr_assert_eq(ag_rd32le(p[1].body + 17), 0);      /* no comments */
	cr_assert_eq(p[1].body_len, 21);
	cr_assert_eq(ag_ogg_opus_close(w, &err), 0, "%s", err.msg);
	/* Nothing waited: an empty last page ends the stream. */
	cr_assert_eq(read_pages(fd, p, 4), 3);
	cr_assert_eq(p[2].flags, 0x04);
	cr_assert_eq(p[2].nseg, 0);
	cr_assert_eq(p[2].seq, 2);
	close(fd);
}

Test(ogg, bad_arguments)
{
	struct ag_error err = { 0 };

	cr_assert_null(ag_ogg_opus_open(1, 3, 312, 48000, 1, &err));
	cr_assert_eq(err.code, AG_EX_USAGE);
	cr_assert_null(ag_ogg_opus_open(-1, 1, 312, 48000, 1, &err));
	cr_assert_null(ag_ogg_opus_open(1, 1, 70000, 48000, 1, &err));
}

Test(ogg, lacing_granule_and_end_of_stream)
{
	struct ag_error err = { 0 };
	struct page p[4];
	uint8_t pkt[600];
	int fd = temp_fd();
	struct ag_ogg_opus *w = ag_ogg_opus_open(fd, 1, 312, 48000, 7, &err);

	cr_assert_not_null(w);
	memset(pkt, 0xab, sizeof pkt);
	pkt[0] = 31 << 3;
	cr_assert_eq(ag_ogg_opus_write(w, 960, pkt, 600, &err), 0, "%s", err.msg);
	cr_assert_eq(ag_ogg_opus_write(w, 1920, pkt, 510, &err), 0, "%s", err.msg);
	cr_assert_eq(ag_ogg_opus_write(w, 2880, pkt, 1, &err), 0, "%s", err.msg);
	cr_assert_eq(ag_ogg_opus_granule(w), 2880);
	/* A granule that is not the packet's end: refused, nothing added. */
	cr_assert_eq(ag_ogg_opus_write(w, 2880 + 480, pkt, 10, &err), -1);
	cr_assert_eq(err.code, AG_EX_DATAERR);
	cr_assert_eq(ag_ogg_opus_write(w, 2880, pkt, 0, &err), -1);
	cr_assert_eq(err.code, AG_EX_DATAERR);
	cr_assert_eq(ag_ogg_opus_granule(w), 2880);
	/* Less than 250 ms waits for the last page. */
	cr_assert_eq(read_pages(fd, p, 4), 2);
	cr_assert_eq(ag_ogg_opus_close(w, &err), 0, "%s", err.msg);
	cr_assert_eq(read_pages(fd, p, 4), 3);
	cr_assert_eq(p[2].flags, 0x04);
	cr_assert_eq(p[2].granule, 2880);
	cr_assert_eq(p[2].serial, 7);
	cr_assert_eq(p[2].seq, 2);
	cr_assert_eq(p[2].nseg, 7);
	cr_assert_eq(p[2].lacing[0], 255);
	cr_assert_eq(p[2].lacing[1], 255);
	cr_assert_eq(p[2].lacing[2], 90);
	cr_assert_eq(p[2].lacing[3], 255);      /* 510 bytes: 255, 255, then a 0 */
	cr_assert_eq(p[2].lacing[4], 255);
	cr_assert_eq(p[2].lacing[5], 0);
	cr_assert_eq(p[2].lacing[6], 1);
	cr_assert_eq(p[2].body_len, 600 + 510 + 1);
	cr_assert_eq(p[2].body[600], 31 << 3);
	cr_assert_eq(p[2].body[600 + 510], 31 << 3);
	close(fd);
}

Test(ogg, a_page_every_250_ms)
{
	struct ag_error err = { 0 };
	struct page p[8];
	uint8_t pkt[80];
	int fd = temp_fd(), i;
	struct ag_ogg_opus *w = ag_ogg_opus_open(fd, 1, 312, 48000, 7, &err);

	cr_assert_not_null(w);
	memset(pkt, 0x55, sizeof pkt);
	pkt[0] = 9 << 3;                        /* SILK WB 20 ms, as browsers send */
	for (i = 1; i <= 13; i++)
		cr_assert_eq(ag_ogg_opus_write(w, i * 960, pkt, sizeof pkt, &err), 0);
	/* 13 packets (260 ms) wait; the 14th writes them as one page. */
	cr_assert_eq(read_pages(fd, p, 8), 2);
	cr_assert_eq(ag_ogg_opus_write(w, 14 * 960, pkt, sizeof pkt, &err), 0);
	cr_assert_eq(read_pages(fd, p, 8), 3);
	cr_assert_eq(p[2].granule, 13 * 960);
	cr_assert_eq(p[2].nseg, 13);
	cr_assert_eq(p[2].flags, 0);
	for (i = 15; i <= 40; i++)
		cr_assert_eq(ag_ogg_opus_write(w, i * 960, pkt, sizeof pkt, &err), 0);
	cr_assert_eq(read_pages(fd, p, 8), 5);
	cr_assert_eq(p[3].granule, 26 * 960);
	cr_assert_eq(p[4].granule, 39 * 960);
	cr_assert_eq(ag_ogg_opus_pages(w), 5);
	cr_assert_eq(ag_ogg_opus_close(w, &err), 0);
	cr_assert_eq(read_pages(fd, p, 8), 6);
	cr_assert_eq(p[5].granule, 40 * 960);
	cr_assert_eq(p[5].nseg, 1);
	cr_assert_eq(p[5].flags, 0x04);
	close(fd);
}

Test(ogg, a_full_lacing_table_starts_a_page)
{
	struct ag_error err = { 0 };
	struct page p[8];
	uint8_t pkt[1000];
	int fd = temp_fd(), i;
	struct ag_ogg_opus *w = ag_ogg_opus_open(fd, 1, 312, 48000, 7, &err);

	cr_assert_not_null(w);
	memset(pkt, 0, sizeof pkt);
	pkt[0] = 28 << 3;                       /* 2.5 ms frames: 100 packets are 250 ms */
	/* 1000 bytes take 4 lacing values: 63 of them fit in 255. */
	for (i = 1; i <= 64; i++)
		cr_assert_eq(ag_ogg_opus_write(w, i * 120, pkt, sizeof pkt, &err), 0);
	cr_assert_eq(read_pages(fd, p, 8), 3);
	cr_assert_eq(p[2].nseg, 252);
	cr_assert_eq(p[2].granule, 63 * 120);
	cr_assert_eq(ag_ogg_opus_close(w, &err), 0);
	close(fd);
}

Test(ogg, fill_uses_whole_short_frames)
{
	struct ag_error err = { 0 };
	struct page p[4];
	int fd = temp_fd();
	struct ag_ogg_opus *w = ag_ogg_opus_open(fd, 2, 312, 48000, 7, &err);

	cr_assert_not_null(w);
	cr_assert_eq(ag_ogg_opus_fill(w, 100, &err), 0);
	cr_assert_eq(ag_ogg_opus_fill(w, 2 * 960 + 480 + 240 + 120 + 50, &err), 2760);
	cr_assert_eq(ag_ogg_opus_granule(w), 2760);
	cr_assert_eq(ag_ogg_opus_filled(w), 2760);
	cr_assert_eq(ag_ogg_opus_close(w, &err), 0);
	cr_assert_eq(read_pages(fd, p, 4), 3);
	cr_assert_eq(p[2].nseg, 5);
	cr_assert_eq(p[2].body_len, 5);
	/* TOC bytes only: CELT 20, 20, 10, 5, 2.5 ms, stereo, code 0. */
	cr_assert_eq(p[2].body[0], 31 << 3 | 4);
	cr_assert_eq(p[2].body[1], 31 << 3 | 4);
	cr_assert_eq(p[2].body[2], 30 << 3 | 4);
	cr_assert_eq(p[2].body[3], 29 << 3 | 4);
	cr_assert_eq(p[2].body[4], 28 << 3 | 4);
	cr_assert_eq(p[2].granule, 2760);
	close(fd);
}

Test(ogg, put_keeps_the_times)
{
	struct ag_error err = { 0 };
	uint8_t pkt[40];
	int fd = temp_fd();
	struct ag_ogg_opus *w = ag_ogg_opus_open(fd, 1, 312, 48000, 7, &err);

	cr_assert_not_null(w);
	memset(pkt, 0x11, sizeof pkt);
	pkt[0] = 9 << 3;
	cr_assert_eq(ag_ogg_opus_put(w, 0, pkt, sizeof pkt, &err), 1);
	cr_assert_eq(ag_ogg_opus_put(w, 960, pkt, sizeof pkt, &err), 1);
	/* A gap of 2 s: filled, the packet at its time. */
	cr_assert_eq(ag_ogg_opus_put(w, 1920 + 96000, pkt, sizeof pkt, &err), 1);
	cr_assert_eq(ag_ogg_opus_filled(w), 96000);
	cr_assert_eq(ag_ogg_opus_granule(w), 1920 + 96000 + 960);
	/* Less than 1.25 ms late: no fill, written at once. */
	cr_assert_eq(ag_ogg_opus_put(w, ag_ogg_opus_granule(w) + 59, pkt, sizeof pkt, &err), 1);
	cr_assert_eq(ag_ogg_opus_filled(w), 96000);
	/* 1.25 to 3.75 ms: 2.5 ms filled. */
	cr_assert_eq(ag_ogg_opus_put(w, ag_ogg_opus_granule(w) + 60, pkt, sizeof pkt, &err), 1);
	cr_assert_eq(ag_ogg_opus_filled(w), 96120);
	/* The times moved back: a packet its whole length late is left
	 * out (the next one is then on time), one less late is written. */
	cr_assert_eq(ag_ogg_opus_put(w, ag_ogg_opus_granule(w) - 960, pkt, sizeof pkt, &err), 0);
	cr_assert_eq(ag_ogg_opus_dropped(w), 1);
	cr_assert_eq(ag_ogg_opus_put(w, ag_ogg_opus_granule(w) - 959, pkt, sizeof pkt, &err), 1);
	cr_assert_eq(ag_ogg_opus_granule(w), 1920 + 96000 + 960 + 960 + 120 + 960 + 960);
	cr_assert_eq(ag_ogg_opus_filled(w), 96120);
	/* A malformed packet: an error, nothing written. */
	cr_assert_eq(ag_ogg_opus_put(w, ag_ogg_opus_granule(w), pkt, 0, &err), -1);
	cr_assert_eq(err.code, AG_EX_DATAERR);
	cr_assert_eq(ag_ogg_opus_close(w, &err), 0);
	close(fd);
}

Test(ogg, write_errors)
{
	struct ag_error err = { 0 };
	int fd = open("/dev/full", O_WRONLY | O_CLOEXEC);

	cr_assert(fd >= 0);
	cr_assert_null(ag_ogg_opus_open(fd, 1, 312, 48000, 7, &err));
	cr_assert_eq(err.code, AG_EX_IOERR);
	cr_assert(strstr(err.msg, "ogg output") != NULL);
	close(fd);
	cr_assert_eq(ag_ogg_opus_close(NULL, &err), 0);
}
