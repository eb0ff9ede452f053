/*
 * oggopus.c - the pages of an Ogg Opus file, read with their CRC checked
 * (RFC 3533 for the pages, RFC 7845 for OpusHead and the granule).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "be.h"
#include "ogg.h"
#include "oggopus.h"

#define PAGE_HEAD 27
#define PAGE_MAX (PAGE_HEAD + 255 + 255 * 255)

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
	crc = ag_rd32le(page + 22);
	memset(page + 22, 0, 4);
	if (ag_ogg_crc(0, page, n) != crc)
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
	info->input_rate = ag_rd32le(p + 12);
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
			serial = ag_rd32le(page + 14);
		} else if (ag_rd32le(page + 14) != serial) {
			continue;
		}
		info->pages++;
		granule = (int64_t)((uint64_t)ag_rd32le(page + 10) << 32 | ag_rd32le(page + 6));
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
