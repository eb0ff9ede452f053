/*
 * reclog.c - the no-video note of recording.log, written by agrec-record
 * and read by agrec-convert: one format, one parser.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "names.h"
#include "reclog.h"

#define NOVIDEO ": no video: "

int
ag_reclog_novideo_format(char *buf, size_t size, uint32_t uid, const char *codec, uint64_t packets)
{
	return snprintf(buf, size, "uid %" PRIu32 NOVIDEO "%" PRIu64 " %.15s packets and no decodable "
	    "key frame", uid, packets, codec);
}

int
ag_reclog_novideo_parse(const char *line, uint32_t *uid, uint64_t *packets, char codec[16])
{
	const char *p = line, *u, *colon;
	char word[16];
	uint64_t n = 0;
	int used = 0;

	/* The time: digits, a dot, three digits, a space. */
	p += strspn(p, "0123456789");
	if (p == line || strncmp(p, ".", 1) != 0 || strspn(p + 1, "0123456789") != 3 || p[4] != ' ')
		return -1;
	p += 5;
	if (strncmp(p, "uid ", 4) != 0)
		return -1;
	u = p + 4;
	if ((colon = strchr(u, ':')) == NULL || strncmp(colon, NOVIDEO, strlen(NOVIDEO)) != 0 ||
	    ag_parse_uid(u, (size_t)(colon - u), uid) < 0)
		return -1;
	p = colon + strlen(NOVIDEO);
	if (sscanf(p, "%" SCNu64 " %15s packets%n", &n, word, &used) != 2 || used == 0 ||
	    p[0] < '0' || p[0] > '9')
		return -1;
	*packets = n;
	memcpy(codec, word, sizeof word);
	return 0;
}
