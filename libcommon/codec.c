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
	return codec == AG_CODEC_H264 || codec == AG_CODEC_VP8;
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
