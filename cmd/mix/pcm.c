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
 * The decoded samples wait in the track's buffer (1 s) as the child's
 * did; when it is full (a stream read faster than real time), the
 * frames wait encoded, in order, and are decoded as the output takes
 * samples, as the child's pipe held them back.  A process per
 * participant's audio cost more than its whole decoding.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "codec.h"
#include "mix/mix.h"
#include "stream.h"

#define TAPS 16                     /* input samples per output sample */
#define HALF (TAPS / 2)
#define MAX_L 12                    /* 4 kHz and up */
#define CHUNK_IN 256                /* input samples decoded at a time */

/* A frame waiting for room, from its sample off. */
struct pcm_frame {
	int64_t at;                 /* input sample of its first byte */
	size_t off, len;
	uint8_t *data;
};

struct mx_pcm {
	int codec;                  /* AG_STREAM_CODEC_PCMU or _PCMA */
	int rate, l;                /* input rate, 48000 / rate */
	int64_t pushed;             /* input samples into the filter (with silence) */
	float hist[TAPS];           /* the last TAPS inputs, oldest first */
	float coef[MAX_L][TAPS];
	int16_t out[CHUNK_IN * MAX_L * 2];  /* one chunk's output, interleaved */
	struct pcm_frame *q;        /* frames waiting, q[qhead..qn) */
	size_t qhead, qn, qcap;
	bool ending;                /* no more input: eof once q is empty */
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
	for (size_t i = p->qhead; i < p->qn; i++)
		free(p->q[i].data);
	free(p->q);
	free(p);
}

static int16_t
clip16(float v)
{
	return (int16_t)(v >= 32767.0f ? 32767 : v <= -32768.0f ? -32768 : lrintf(v));
}

/* Input samples whose output fits in the track's buffer now (at most
 * CHUNK_IN); 0 when the track is over. */
static size_t
room_in(const struct mx_track *t, const struct mx_pcm *p)
{
	size_t ss = 2 * (size_t)t->channels, n;

	if (t->abuf == NULL || t->alen >= t->acap)
		return 0;
	n = (t->acap - t->alen) / ss / (size_t)p->l;
	return n > CHUNK_IN ? CHUNK_IN : n;
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

/* Append the n interleaved values in p->out to the track's buffer. */
static void
append(struct mx_track *t, struct mx_pcm *p, size_t n)
{
	if (n == 0)
		return;
	memcpy(t->abuf + t->alen, p->out, n * sizeof p->out[0]);
	t->alen += n * sizeof p->out[0];
	mx_track_skip_passed(t);
}

/* Decode what fits of frame f (its off moves on).  true when it is done. */
static bool
decode_frame(struct mx_track *t, struct mx_pcm *p, struct pcm_frame *f)
{
	int64_t d = f->at + (int64_t)f->off - p->pushed, hard = p->rate / 10;
	size_t k, n;

	if (d < -hard)	/* an overlap: what comes before the samples so far goes */
		f->off += (size_t)(-d) < f->len - f->off ? (size_t)(-d) : f->len - f->off;
	while (d > hard) {	/* a gap: silence */
		if ((k = room_in(t, p)) == 0)
			return false;
		if ((int64_t)k > d)
			k = (size_t)d;
		n = 0;
		for (size_t i = 0; i < k; i++)
			push(p, t->channels, 0.0f, &n);
		append(t, p, n);
		d -= (int64_t)k;
	}
	while (f->off < f->len) {
		if ((k = room_in(t, p)) == 0)
			return false;
		if (k > f->len - f->off)
			k = f->len - f->off;
		n = 0;
		for (size_t i = f->off; i < f->off + k; i++)
			push(p, t->channels, p->codec == AG_STREAM_CODEC_PCMU ?
			    ag_g711_ulaw(f->data[i]) : ag_g711_alaw(f->data[i]), &n);
		append(t, p, n);
		f->off += k;
	}
	return true;
}

/* The end of the input once every frame is decoded: the filter's last
 * samples, then eof. */
static void
finish(struct mx_track *t, struct mx_pcm *p)
{
	size_t n = 0;

	if (t->abuf != NULL && p->pushed > 0) {
		if (room_in(t, p) < HALF)
			return;	/* at the next pass */
		for (int i = 0; i < HALF; i++)
			push(p, t->channels, 0.0f, &n);
		append(t, p, n);
	}
	t->eof = true;
}

int
mx_pcm_drain(struct mx_track *t)
{
	struct mx_pcm *p = t->pcm;
	int got = 0;

	while (p->qhead < p->qn && decode_frame(t, p, &p->q[p->qhead])) {
		free(p->q[p->qhead].data);
		p->qhead++;
		got = 1;
	}
	if (p->qhead == p->qn)
		p->qhead = p->qn = 0;
	if (p->ending && p->qn == 0 && !t->eof)
		finish(t, p);
	return got;
}

int
mx_pcm_feed(struct mx_track *t, int64_t rel_us, const uint8_t *data, size_t len,
    struct ag_error *err)
{
	struct mx_pcm *p = t->pcm;
	struct pcm_frame f = { (rel_us * p->rate + 500000) / 1000000, 0, len, (uint8_t *)data };
	struct pcm_frame *q;

	if (p->ending)
		return 0;	/* the track was ended (a leave, a new codec record) */
	if (p->qn == 0 && decode_frame(t, p, &f))
		return 0;
	/* no room: the frame (what is left of it) waits, encoded */
	if (p->qn == p->qcap) {
		if (p->qhead > 0) {
			memmove(p->q, p->q + p->qhead, (p->qn - p->qhead) * sizeof *p->q);
			p->qn -= p->qhead;
			p->qhead = 0;
		} else if ((q = ag_grow(p->q, &p->qcap, p->qn + 1, sizeof *q)) == NULL) {
			return ag_error_set(err, AG_EX_FAIL, "out of memory");
		} else {
			p->q = q;
		}
	}
	if ((f.data = malloc(len > 0 ? len : 1)) == NULL)
		return ag_error_set(err, AG_EX_FAIL, "out of memory");
	memcpy(f.data, data, len);
	p->q[p->qn++] = f;
	return 0;
}

void
mx_pcm_end(struct mx_track *t)
{
	t->pcm->ending = true;
	mx_pcm_drain(t);
}
