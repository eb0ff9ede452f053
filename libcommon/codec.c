#include <stddef.h>
#include <strings.h>

#include "codec.h"

static const struct {
	enum ag_codec codec;
	const char *name;
} codec_names[] = {
	{ AG_CODEC_H264, "H264" },
	{ AG_CODEC_VP8, "VP8" },
	{ AG_CODEC_OPUS, "opus" },
	{ AG_CODEC_PCMU, "PCMU" },
	{ AG_CODEC_PCMA, "PCMA" },
	{ AG_CODEC_AAC, "mpeg4-generic" },
	{ AG_CODEC_H265, "H265" },
	{ AG_CODEC_AAC, "AAC" },  /* alias: only found, never returned */
};

const char *
ag_codec_name(enum ag_codec codec)
{
	size_t i;

	for (i = 0; i < sizeof codec_names / sizeof codec_names[0]; i++)
		if (codec_names[i].codec == codec)
			return codec_names[i].name;
	return "unknown";
}

int
ag_codec_from_name(const char *name)
{
	size_t i;

	if (name == NULL)
		return -1;
	for (i = 0; i < sizeof codec_names / sizeof codec_names[0]; i++)
		if (strcasecmp(codec_names[i].name, name) == 0)
			return (int)codec_names[i].codec;
	return -1;
}

bool
ag_codec_is_video(enum ag_codec codec)
{
	return codec == AG_CODEC_H264 || codec == AG_CODEC_VP8 || codec == AG_CODEC_H265;
}

int16_t
ag_g711_ulaw(uint8_t u)
{
	int t;

	u = (uint8_t)~u;
	t = ((u & 0x0f) << 3) + 0x84;
	t <<= (u & 0x70) >> 4;
	return (int16_t)((u & 0x80) ? 0x84 - t : t - 0x84);
}

int16_t
ag_g711_alaw(uint8_t a)
{
	int t, seg;

	a ^= 0x55;
	t = (a & 0x0f) << 4;
	seg = (a & 0x70) >> 4;
	if (seg == 0)
		t += 8;
	else if (seg == 1)
		t += 0x108;
	else
		t = (t + 0x108) << (seg - 1);
	return (int16_t)((a & 0x80) ? t : -t);
}

int
ag_opus_packet_samples(const uint8_t *p, size_t len)
{
	/* Frame sizes of the 32 configurations, in 2.5 ms units (RFC 6716 3.1). */
	static const uint8_t units[32] = {
		4, 8, 16, 24, 4, 8, 16, 24, 4, 8, 16, 24,
		4, 8, 4, 8, 1, 2, 4, 8, 1, 2, 4, 8,
		1, 2, 4, 8, 1, 2, 4, 8,
	};
	int n, samples;

	if (p == NULL || len == 0)
		return -1;
	switch (p[0] & 3) {
	case 0: n = 1; break;
	case 1: case 2: n = 2; break;
	default:
		if (len < 2 || (p[1] & 0x3f) == 0)
			return -1;
		n = p[1] & 0x3f;
		break;
	}
	samples = n * units[p[0] >> 3] * 120;	/* 2.5 ms = 120 samples at 48 kHz */
	return samples > 5760 ? -1 : samples;
}
