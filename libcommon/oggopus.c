/*
 * oggopus.c - the pages of an Ogg Opus file, read with their CRC checked
 * (RFC 3533 for the pages, RFC 7845 for OpusHead and the granule).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oggopus.h"

#define PAGE_HEAD 27
#define PAGE_MAX (PAGE_HEAD + 255 + 255 * 255)

/* The Ogg CRC: polynomial 0x04c11db7, not reflected, initial 0. */
static uint32_t
ogg_crc(uint32_t crc, const unsigned char *p, size_t n)
{
	static uint32_t table[256];
	static int ready;
	size_t i;

	if (!ready) {
		for (i = 0; i < 256; i++) {
			uint32_t r = (uint32_t)i << 24;
			for (int b = 0; b < 8; b++)
				r = r & 0x80000000u ? (r << 1) ^ 0x04c11db7u : r << 1;
			table[i] = r;
		}
		ready = 1;
	}
	for (i = 0; i < n; i++)
		crc = (crc << 8) ^ table[((crc >> 24) ^ p[i]) & 0xff];
	return crc;
}

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * Read one whole page into page (PAGE_MAX bytes):
 * its length, 0 at a clean end of file, -1 for a torn or corrupt page,
 * -2 for a read error (errno set).
 */
static long
read_page(FILE *fp, unsigned char *page)
{
	size_t n, body = 0, i;
	uint32_t crc;

	n = fread(page, 1, PAGE_HEAD, fp);
	if (n == 0)
		return ferror(fp) ? -2 : 0;
	if (n < PAGE_HEAD || memcmp(page, "OggS", 4) != 0 || page[4] != 0)
		return ferror(fp) ? -2 : -1;
	if (fread(page + PAGE_HEAD, 1, page[26], fp) != page[26])
		return ferror(fp) ? -2 : -1;
	for (i = 0; i < page[26]; i++)
		body += page[PAGE_HEAD + i];
	if (fread(page + PAGE_HEAD + page[26], 1, body, fp) != body)
		return ferror(fp) ? -2 : -1;
	n = PAGE_HEAD + page[26] + body;
	crc = le32(page + 22);
	memset(page + 22, 0, 4);
	if (ogg_crc(0, page, n) != crc)
		return -1;
	return (long)n;
}

/* Take OpusHead from the first page of a stream; 0, or -1 if it is not one. */
static int
opus_head(const unsigned char *page, long len, struct ag_oggopus_info *info)
{
	const unsigned char *p = page + PAGE_HEAD + page[26];

	if (!(page[5] & 0x02) || page[26] < 1 || page[PAGE_HEAD] < 19 ||
	    p + 19 > page + len || memcmp(p, "OpusHead", 8) != 0 || (p[8] & 0xf0) != 0 ||
	    p[9] == 0)
		return -1;
	info->channels = p[9];
	info->pre_skip = p[10] | p[11] << 8;
	info->input_rate = le32(p + 12);
	return 0;
}

int
ag_oggopus_scan(const char *path, struct ag_oggopus_info *info, struct ag_error *err)
{
	unsigned char *page;
	FILE *fp;
	long len;
	long long at = 0;
	uint32_t serial = 0;

	memset(info, 0, sizeof *info);
	info->last_granule = -1;
	if ((page = malloc(PAGE_MAX)) == NULL)
		return ag_error_errno(err, AG_EX_IOERR, ENOMEM, "%s", path);
	if ((fp = fopen(path, "rbe")) == NULL) {
		free(page);
		return ag_error_errno(err, AG_EX_IOERR, errno, "%s", path);
	}
	while ((len = read_page(fp, page)) > 0) {
		int64_t granule;
		at += len;
		if (info->channels == 0) {
			if (opus_head(page, len, info) < 0)
				continue;
			serial = le32(page + 14);
		} else if (le32(page + 14) != serial) {
			continue;
		}
		info->pages++;
		granule = (int64_t)((uint64_t)le32(page + 10) << 32 | le32(page + 6));
		if (granule != -1)
			info->last_granule = granule;
	}
	if (len == -2) {
		ag_error_errno(err, AG_EX_IOERR, errno, "%s", path);
		fclose(fp);
		free(page);
		return -1;
	}
	if (len == -1 && fseek(fp, 0, SEEK_END) == 0)
		info->bytes_ignored = ftell(fp) - at;
	fclose(fp);
	free(page);
	if (info->last_granule > info->pre_skip)
		info->samples = info->last_granule - info->pre_skip;
	return 0;
}
