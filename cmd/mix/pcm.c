/*
 * pcm.c - live G.711 audio without a decoder child.  A participant's
 * mu-law or A-law (mono, at a rate that divides 48 kHz: 8, 16, 24 kHz)
 * is expanded, upsampled and placed on the track's clock here, as the
 * ffmpeg child of decode.c would (aresample=48000:async=1:first_pts=0,
 * then -ac): sample j at t0 + j/48000, t0 the first frame's time; a
 * frame more than 0.1 s after the samples so far is preceded by silence,
 * one more than 0.1 s before them loses its overlap; mono to stereo is
 * -3 dB on both channels (swresample's matrix).  The interpolator is a
 * windowed sinc over 16 input samples per output sample (Blackman, each
 * phase normalised to a gain of 1), so input samples pass unchanged.
 * A process per participant's audio cost more than its whole decoding.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "diag.h"
#include "mix/mix.h"
#include "stream.h"

#define TAPS 16                     /* input samples per output sample */
#define HALF (TAPS / 2)
#define MAX_L 12                    /* 4 kHz and up */
#define MAX_BUFFER_S 60             /* decoded audio kept ahead of the output */

struct mx_pcm {
	int codec;                  /* AG_STREAM_CODEC_PCMU or _PCMA */
	int rate, l;                /* input rate, 48000 / rate */
	int64_t pushed;             /* input samples into the filter (with silence) */
	float hist[TAPS];           /* the last TAPS inputs, oldest first */
	float coef[MAX_L][TAPS];
	int16_t *out;               /* one frame's output, interleaved */
	size_t outcap;
	int64_t dropped;            /* samples lost to a full buffer */
};

bool
mx_pcm_inproc(int codec, int rate, int channels)
{
	return (codec == AG_STREAM_CODEC_PCMU || codec == AG_STREAM_CODEC_PCMA) &&
	    channels <= 1 && rate >= MX_RATE / MAX_L && rate <= MX_RATE && MX_RATE % rate == 0;
}

static double
kernel(double x)
{
	double s = fabs(x) < 1e-9 ? 1.0 : sin(M_PI * x) / (M_PI * x);

	if (fabs(x) >= HALF)
		return 0.0;
	return s * (0.42 + 0.5 * cos(M_PI * x / HALF) + 0.08 * cos(2 * M_PI * x / HALF));
}

int
mx_pcm_start(struct mx_track *t, int codec, int rate, struct ag_error *err)
{
	struct mx_pcm *p = calloc(1, sizeof *p);

	if (p == NULL)
		return ag_error_set(err, AG_EX_FAIL, "out of memory");
	p->codec = codec;
	p->rate = rate;
	p->l = MX_RATE / rate;
	for (int ph = 0; ph < p->l; ph++) {
		double sum = 0;
		/* output at input position m + ph/l from inputs m-7 .. m+8 */
		for (int k = 0; k < TAPS; k++)
			sum += kernel((double)(k - (HALF - 1)) - (double)ph / p->l);
		for (int k = 0; k < TAPS; k++)
			p->coef[ph][k] = (float)(kernel((double)(k - (HALF - 1)) - (double)ph / p->l) / sum);
	}
	t->pcm = p;
	t->codec = codec;
	t->in_rate = rate;
	t->in_channels = 1;
	t->spawned = true;
	return 0;
}

void
mx_pcm_free(struct mx_pcm *p)
{
	if (p == NULL)
		return;
	free(p->out);
	free(p);
}

static int16_t
clip16(float v)
{
	return (int16_t)(v >= 32767.0f ? 32767 : v <= -32768.0f ? -32768 : lrintf(v));
}

/* Room in the track's buffer for n more output samples (grown up to
 * MAX_BUFFER_S): false when there is none. */
static bool
room(struct mx_track *t, size_t n)
{
	size_t ss = 2 * (size_t)t->channels, need = t->alen + n * ss, cap = t->acap;
	uint8_t *b;

	if (t->abuf == NULL)
		return false;	/* the track is over */
	if (need <= t->acap)
		return true;
	if (need > (size_t)MX_RATE * MAX_BUFFER_S * ss)
		return false;
	while (cap < need)
		cap *= 2;
	if ((b = realloc(t->abuf, cap)) == NULL)
		return false;
	t->abuf = b;
	t->acap = cap;
	return true;
}

/* One input sample x into the filter: l output samples into p->out at *n
 * (none for the first HALF, which are before sample 0). */
static void
push(struct mx_pcm *p, int channels, float x, size_t *n)
{
	float gain = channels == 2 ? (float)M_SQRT1_2 : 1.0f;

	memmove(p->hist, p->hist + 1, (TAPS - 1) * sizeof p->hist[0]);
	p->hist[TAPS - 1] = x;
	if (++p->pushed <= HALF)
		return;
	for (int ph = 0; ph < p->l; ph++) {
		float acc = 0;
		int16_t v;
		for (int k = 0; k < TAPS; k++)
			acc += p->coef[ph][k] * p->hist[k];
		v = clip16(acc * gain);
		for (int c = 0; c < channels; c++)
			p->out[(*n)++] = v;
	}
}

/* Append the n output samples in p->out to the track's buffer. */
static void
append(struct mx_track *t, struct mx_pcm *p, size_t n)
{
	size_t ss = 2 * (size_t)t->channels;

	if (n == 0)
		return;
	if (!room(t, n)) {
		p->dropped += (int64_t)n;
		return;
	}
	memcpy(t->abuf + t->alen, p->out, n * ss);
	t->alen += n * ss;
	mx_track_skip_passed(t);
}

/* Make p->out hold the output of ninputs input samples. */
static int
out_room(struct mx_pcm *p, int channels, size_t ninputs)
{
	size_t need = ninputs * (size_t)p->l * (size_t)channels;
	int16_t *o;

	if (need <= p->outcap)
		return 0;
	if ((o = realloc(p->out, need * sizeof *o)) == NULL)
		return -1;
	p->out = o;
	p->outcap = need;
	return 0;
}

int
mx_pcm_feed(struct mx_track *t, int64_t rel_us, const uint8_t *data, size_t len,
    struct ag_error *err)
{
	struct mx_pcm *p = t->pcm;
	int64_t at = (rel_us * p->rate + 500000) / 1000000, d = at - p->pushed, hard = p->rate / 10;
	size_t skip = 0, n = 0, chunk;

	if (d < -hard)	/* an overlap: what comes before the samples so far goes */
		skip = (size_t)(-d) < len ? (size_t)(-d) : len;
	while (d > hard) {	/* a gap: silence */
		chunk = d > 4096 ? 4096 : (size_t)d;
		if (out_room(p, t->channels, chunk) < 0)
			return ag_error_set(err, AG_EX_FAIL, "out of memory");
		n = 0;
		for (size_t i = 0; i < chunk; i++)
			push(p, t->channels, 0.0f, &n);
		append(t, p, n / (size_t)t->channels);
		d -= (int64_t)chunk;
	}
	if (out_room(p, t->channels, len - skip) < 0)
		return ag_error_set(err, AG_EX_FAIL, "out of memory");
	n = 0;
	for (size_t i = skip; i < len; i++)
		push(p, t->channels, p->codec == AG_STREAM_CODEC_PCMU ? ag_g711_ulaw(data[i]) :
		    ag_g711_alaw(data[i]), &n);
	append(t, p, n / (size_t)t->channels);
	return 0;
}

void
mx_pcm_end(struct mx_track *t)
{
	struct mx_pcm *p = t->pcm;
	size_t n = 0;

	if (p == NULL || t->eof)
		return;
	if (p->pushed > 0 && out_room(p, t->channels, HALF) == 0) {
		for (int i = 0; i < HALF; i++)
			push(p, t->channels, 0.0f, &n);
		append(t, p, n / (size_t)t->channels);
	}
	t->eof = true;
	if (p->dropped > 0)
		ag_msg("%s: %lld samples dropped: the composite was %d s behind", t->what,
		    (long long)p->dropped, MAX_BUFFER_S);
}
