#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "adts.h"

int
ag_adts_rate(int index)
{
	static const int rates[] = { 96000, 88200, 64000, 48000, 44100, 32000, 24000,
		22050, 16000, 12000, 11025, 8000, 7350 };

	return index >= 0 && index < (int)(sizeof rates / sizeof rates[0]) ? rates[index] : 0;
}

int
ag_adts_scan(const char *path, struct ag_adts_info *info, struct ag_error *err)
{
	unsigned char buf[1 << 16];
	size_t have = 0, pos = 0;
	int fd, eof = 0;

	memset(info, 0, sizeof *info);
	info->uniform = 1;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return ag_error_errno(err, AG_EX_IOERR, errno, "%s", path);
	for (;;) {
		const unsigned char *h;
		size_t flen;
		int rate, ch, prof, blocks;

		if (have - pos < 7 && !eof) {
			ssize_t n;
			memmove(buf, buf + pos, have - pos);
			have -= pos;
			pos = 0;
			n = read(fd, buf + have, sizeof buf - have);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				close(fd);
				return ag_error_errno(err, AG_EX_IOERR, errno, "%s", path);
			}
			if (n == 0)
				eof = 1;
			have += (size_t)n;
			continue;
		}
		if (have - pos < 7)
			break;
		h = buf + pos;
		/* syncword 0xFFF, layer 00 */
		if (h[0] != 0xff || (h[1] & 0xf6) != 0xf0) {
			pos++;
			info->bytes_skipped++;
			continue;
		}
		prof = ((h[2] >> 6) & 3) + 1;
		rate = ag_adts_rate((h[2] >> 2) & 0xf);
		ch = ((h[2] & 1) << 2) | (h[3] >> 6);
		flen = ((size_t)(h[3] & 3) << 11) | ((size_t)h[4] << 3) | (h[5] >> 5);
		blocks = (h[6] & 3) + 1;
		if (rate == 0 || flen < 7) {
			pos++;
			info->bytes_skipped++;
			continue;
		}
		if (have - pos < flen && !eof) {
			/* Make room so that the whole frame is in the buffer. */
			ssize_t n;
			memmove(buf, buf + pos, have - pos);
			have -= pos;
			pos = 0;
			n = read(fd, buf + have, sizeof buf - have);
			if (n < 0 && errno != EINTR) {
				close(fd);
				return ag_error_errno(err, AG_EX_IOERR, errno, "%s", path);
			}
			if (n == 0)
				eof = 1;
			if (n > 0)
				have += (size_t)n;
			continue;
		}
		if (have - pos < flen)
			break;	/* truncated last frame */
		if (info->frames == 0) {
			info->sample_rate = rate;
			info->channels = ch;
			info->profile = prof;
		} else if (rate != info->sample_rate || ch != info->channels || prof != info->profile) {
			info->uniform = 0;
		}
		info->frames++;
		info->samples += 1024 * blocks;
		pos += flen;
	}
	close(fd);
	return 0;
}
