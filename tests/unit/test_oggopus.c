/*
 * Unit tests of libcommon/oggopus.c: the length and format of an Ogg
 * Opus file from its pages, a torn or corrupt tail, another stream's
 * pages, and files that are not Ogg Opus.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oggopus.h"

static char path[64];

static void
setup(void)
{
	int fd;

	strcpy(path, "/tmp/agrec-oggopus.XXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	close(fd);
}

static void
teardown(void)
{
	unlink(path);
}

TestSuite(oggopus, .init = setup, .fini = teardown);

/* The Ogg CRC (RFC 3533), bit by bit: independent of the table in oggopus.c. */
static uint32_t
crc(const unsigned char *p, size_t n)
{
	uint32_t r = 0;

	for (size_t i = 0; i < n; i++) {
		r ^= (uint32_t)p[i] << 24;
		for (int b = 0; b < 8; b++)
			r = r & 0x80000000u ? (r << 1) ^ 0x04c11db7u : r << 1;
	}
	return r;
}

/* Append to fp one page of stream serial holding one packet of len bytes. */
static void
page(FILE *fp, uint32_t serial, uint32_t seq, int flags, int64_t granule,
    const unsigned char *packet, size_t len)
{
	unsigned char p[27 + 1 + 255];
	uint64_t g = (uint64_t)granule;
	uint32_t c;
	int i;

	cr_assert_lt(len, 255);
	memset(p, 0, sizeof p);
	memcpy(p, "OggS", 4);
	p[5] = (unsigned char)flags;
	for (i = 0; i < 8; i++)
		p[6 + i] = (unsigned char)(g >> (8 * i));
	for (i = 0; i < 4; i++) {
		p[14 + i] = (unsigned char)(serial >> (8 * i));
		p[18 + i] = (unsigned char)(seq >> (8 * i));
	}
	p[26] = 1;
	p[27] = (unsigned char)len;
	memcpy(p + 28, packet, len);
	c = crc(p, 28 + len);
	for (i = 0; i < 4; i++)
		p[22 + i] = (unsigned char)(c >> (8 * i));
	cr_assert_eq(fwrite(p, 1, 28 + len, fp), 28 + len);
}

/* An Opus stream: OpusHead (channels, pre-skip 312), OpusTags, and one
 * audio page per granule in granules[0..n). */
static void
write_opus(FILE *fp, uint32_t serial, int channels, const int64_t *granules, int n)
{
	unsigned char head[19] = { 'O', 'p', 'u', 's', 'H', 'e', 'a', 'd', 1, 0,
		312 & 0xff, 312 >> 8, 0x80, 0xbb, 0, 0, 0, 0, 0 };
	unsigned char tags[16] = "OpusTags\0\0\0\0\0\0\0\0";
	unsigned char audio[40];

	head[9] = (unsigned char)channels;
	memset(audio, 0xfc, sizeof audio);
	page(fp, serial, 0, 0x02, 0, head, sizeof head);
	page(fp, serial, 1, 0, 0, tags, sizeof tags);
	for (int i = 0; i < n; i++)
		page(fp, serial, 2 + (uint32_t)i, i == n - 1 ? 0x04 : 0, granules[i], audio, sizeof audio);
}

static struct ag_oggopus_info
scan(void)
{
	struct ag_oggopus_info oi;
	struct ag_error e = { 0 };

	cr_assert_eq(ag_oggopus_scan(path, &oi, &e), 0, "%s", e.msg);
	return oi;
}

Test(oggopus, length_is_the_last_granule_less_the_pre_skip)
{
	const int64_t g[] = { 48312, 96312, 144312 };
	FILE *fp = fopen(path, "wb");
	struct ag_oggopus_info oi;

	write_opus(fp, 7, 2, g, 3);
	fclose(fp);
	oi = scan();
	cr_assert_eq(oi.channels, 2);
	cr_assert_eq(oi.pre_skip, 312);
	cr_assert_eq(oi.input_rate, 48000);
	cr_assert_eq(oi.pages, 5);
	cr_assert_eq(oi.last_granule, 144312);
	cr_assert_eq(oi.samples, 144000);	/* 3.000 s */
	cr_assert_eq(oi.bytes_ignored, 0);
}

Test(oggopus, a_torn_or_corrupt_last_page_is_left_out)
{
	const int64_t g[] = { 48312, 96312 };
	FILE *fp = fopen(path, "wb");
	long size;

	write_opus(fp, 7, 1, g, 2);
	size = ftell(fp);
	fclose(fp);
	cr_assert_eq(truncate(path, size - 10), 0);	/* killed mid-page */
	cr_assert_eq(scan().samples, 48000);
	cr_assert_eq(scan().bytes_ignored, 68 - 10);
	fp = fopen(path, "wb");
	write_opus(fp, 7, 1, g, 1);
	page(fp, 7, 3, 0, 96312, (const unsigned char *)"xx", 2);
	fseek(fp, -1, SEEK_END);
	fputc('y', fp);		/* its CRC no longer matches */
	fclose(fp);
	cr_assert_eq(scan().samples, 48000);
}

Test(oggopus, pages_of_another_stream_are_skipped)
{
	const int64_t g[] = { 48312 };
	FILE *fp = fopen(path, "wb");

	write_opus(fp, 7, 1, g, 1);
	page(fp, 9, 0, 0, 999999, (const unsigned char *)"other", 5);
	fclose(fp);
	cr_assert_eq(scan().samples, 48000);
	cr_assert_eq(scan().pages, 3);
}

Test(oggopus, not_ogg_opus)
{
	struct ag_oggopus_info oi;
	struct ag_error e = { 0 };
	FILE *fp = fopen(path, "wb");

	fputs("\xff\xf1 an ADTS file, or anything else", fp);
	fclose(fp);
	oi = scan();
	cr_assert_eq(oi.channels, 0);
	cr_assert_eq(oi.samples, 0);
	fp = fopen(path, "wb");
	page(fp, 3, 0, 0x02, 0, (const unsigned char *)"OpusHeaX-not-a-head", 19);
	fclose(fp);
	cr_assert_eq(scan().channels, 0);
	cr_assert_eq(ag_oggopus_scan("/nonexistent/x.opus", &oi, &e), -1);
	cr_assert_eq(e.code, AG_EX_IOERR);
}
