#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "be.h"
#include "depack.h"

#define MAX_QUEUED 4096         /* frames waiting for ag_depack_pop() */
#define MAX_QUEUED_BYTES ((size_t)64 << 20)
#define AAC_FRAME_SAMPLES 1024  /* RTP ticks between consecutive AAC-LC AUs */

static const uint8_t start_code[4] = { 0, 0, 0, 1 };

struct queued {
	struct ag_frame f;
	uint8_t *buf;
};

struct ag_depack {
	enum ag_codec codec;
	struct ag_depack_stats st;

	/* Complete frames, oldest at head; popped is the one last handed out. */
	struct queued *q;
	size_t qhead, qlen, qcap, qbytes;
	uint8_t *popped;

	bool waiting;        /* video: dropping frames until a key frame */
	bool conceal;        /* after a loss, keep the complete frames that follow */
	bool need_keyframe;  /* a frame was dropped while waiting */
	bool loss_pending;   /* the next frame delivered comes after a loss */
	bool gap_pending;    /* a gap reported with an empty packet, for the next one */

	/* The frame in progress. */
	bool active;
	uint32_t ts;
	bool broken;         /* a hole, or bad data: drop at the end */
	bool head_lost;      /* a gap came just before its first packet */
	bool too_big;        /* grew past AG_DEPACK_MAX_FRAME; appends stop */
	struct ag_buf fr;

	/* H.264 */
	bool fu_active;      /* an FU-A NAL is open at fr.p + fu_off */
	size_t fu_off;
	uint8_t fu_type;
	bool has_vcl, has_idr, has_sps, has_pps;
	long first_mb;       /* first_mb_in_slice of the first VCL NAL, -1 unknown */
	size_t aud_len;      /* bytes of a leading AUD with its start code, or 0 */
	uint8_t sps[AG_H264_MAX_PARAM], pps[AG_H264_MAX_PARAM];
	size_t sps_len, pps_len;
	int width, height;

	/* VP8 */
	bool vp8_started;    /* the packet with S=1, PID=0 was seen */
	bool vp8_key;

	/* AAC: size of the fragmented AU being reassembled in fr */
	size_t aac_size;
};

/* ---- small helpers ---- */

static int
grow_append(struct ag_buf *b, const void *data, size_t n, struct ag_error *err)
{
	if (n > AG_DEPACK_MAX_FRAME - b->len)
		return ag_error_set(err, AG_EX_DATAERR, "frame larger than %zu bytes dropped",
		    AG_DEPACK_MAX_FRAME);
	if (ag_buf_append(b, data, n) < 0)
		return ag_error_errno(err, AG_EX_FAIL, ENOMEM, "depacketizer");
	return 0;
}

/* Append to the frame in progress; on failure the frame is broken and
 * stops growing (one error per frame, not per packet). */
static int
frame_append(struct ag_depack *d, const void *data, size_t n, struct ag_error *err)
{
	if (d->too_big)
		return 0;
	if (grow_append(&d->fr, data, n, err) < 0) {
		d->too_big = true;
		d->broken = true;
		return -1;
	}
	return 0;
}

static void
frame_begin(struct ag_depack *d, uint32_t ts, bool head_lost)
{
	d->active = true;
	d->ts = ts;
	d->broken = false;
	d->head_lost = head_lost;
	d->too_big = false;
	ag_buf_clear(&d->fr);
	d->fu_active = false;
	d->has_vcl = d->has_idr = d->has_sps = d->has_pps = false;
	d->first_mb = -1;
	d->aud_len = 0;
	d->vp8_started = d->vp8_key = false;
	d->aac_size = 0;
}

/* A frame was thrown away: video now waits for a key frame. */
static void
frame_drop(struct ag_depack *d)
{
	d->st.dropped++;
	d->loss_pending = true;
	if (ag_codec_is_video(d->codec)) {
		if (!d->conceal)
			d->waiting = true;
		d->need_keyframe = true;
	}
}

/*
 * Queue a frame made of up to three pieces (so that SPS/PPS can be put
 * in front of an IDR without another copy).  Steals nothing.
 */
static int
queue_frame(struct ag_depack *d, uint32_t ts, bool key, const uint8_t *a, size_t alen,
    const uint8_t *b, size_t blen, const uint8_t *c, size_t clen, struct ag_error *err)
{
	size_t len = alen + blen + clen;
	struct queued *e;
	uint8_t *buf;

	if (len == 0)
		return 0;
	if (d->qlen - d->qhead >= MAX_QUEUED || len > MAX_QUEUED_BYTES - d->qbytes) {
		frame_drop(d);
		return ag_error_set(err, AG_EX_DATAERR, "%s: frame queue full, frame dropped",
		    ag_codec_name(d->codec));
	}
	if (d->qhead > 0 && d->qhead == d->qlen)
		d->qhead = d->qlen = 0;
	if (d->qlen == d->qcap) {
		struct queued *q;

		if (d->qhead > 0) {
			memmove(d->q, d->q + d->qhead, (d->qlen - d->qhead) * sizeof *d->q);
			d->qlen -= d->qhead;
			d->qhead = 0;
		} else {
			if ((q = ag_grow(d->q, &d->qcap, d->qlen + 1, sizeof *q)) == NULL) {
				frame_drop(d);
				return ag_error_errno(err, AG_EX_FAIL, ENOMEM, "depacketizer");
			}
			d->q = q;
		}
	}
	if ((buf = malloc(len)) == NULL) {
		frame_drop(d);
		return ag_error_errno(err, AG_EX_FAIL, ENOMEM, "depacketizer");
	}
	if (alen)
		memcpy(buf, a, alen);
	if (blen)
		memcpy(buf + alen, b, blen);
	if (clen)
		memcpy(buf + alen + blen, c, clen);
	e = &d->q[d->qlen++];
	memset(e, 0, sizeof *e);
	e->buf = buf;
	e->f.codec = d->codec;
	e->f.data = buf;
	e->f.len = len;
	e->f.ts = ts;
	e->f.keyframe = key;
	e->f.after_loss = d->loss_pending;
	if (ag_codec_is_video(d->codec)) {
		e->f.width = d->width;
		e->f.height = d->height;
	}
	d->qbytes += len;
	d->loss_pending = false;
	d->st.frames++;
	if (key) {
		d->st.keyframes++;
		d->waiting = false;
		d->need_keyframe = false;
	}
	return 0;
}

/* ---- H.264 ---- */

/*
 * Bookkeeping for a complete NAL unit of the AU in progress.  Returns
 * true when the NAL should be left out: a copy of the SPS or PPS this AU
 * already carries (GStreamer sends them twice).
 */
static bool
h264_note_nal(struct ag_depack *d, const uint8_t *nal, size_t len)
{
	int type = nal[0] & 0x1f;

	switch (type) {
	case AG_H264_NAL_SPS:
		if (d->has_sps && len == d->sps_len && memcmp(nal, d->sps, len) == 0)
			return true;
		d->has_sps = true;
		if (len <= AG_H264_MAX_PARAM) {
			struct ag_h264_sps sps;

			memcpy(d->sps, nal, len);
			d->sps_len = len;
			if (ag_h264_sps_parse(nal, len, &sps, NULL) == 0) {
				d->width = sps.width;
				d->height = sps.height;
			} else {
				d->width = d->height = 0;
			}
		}
		break;
	case AG_H264_NAL_PPS:
		if (d->has_pps && len == d->pps_len && memcmp(nal, d->pps, len) == 0)
			return true;
		d->has_pps = true;
		if (len <= AG_H264_MAX_PARAM) {
			memcpy(d->pps, nal, len);
			d->pps_len = len;
		}
		break;
	case AG_H264_NAL_AUD:
		if (d->fr.len == 0)
			d->aud_len = 4 + len;
		break;
	default:
		if (type >= AG_H264_NAL_SLICE && type <= AG_H264_NAL_IDR) {
			if (!d->has_vcl)
				d->first_mb = ag_h264_first_mb(nal, len);
			d->has_vcl = true;
			if (type == AG_H264_NAL_IDR)
				d->has_idr = true;
		}
		break;
	}
	return false;
}

/* A whole NAL unit (single NAL packet or STAP-A member). */
static int
h264_add_nal(struct ag_depack *d, const uint8_t *nal, size_t len, struct ag_error *err)
{
	if (nal[0] & 0x80) {
		d->broken = true;
		return ag_error_set(err, AG_EX_DATAERR, "h264: NAL with forbidden_zero_bit set");
	}
	if ((nal[0] & 0x1f) == 0 || (nal[0] & 0x1f) >= AG_H264_NAL_STAP_A) {
		d->broken = true;
		return ag_error_set(err, AG_EX_DATAERR, "h264: NAL type %d inside an aggregate",
		    nal[0] & 0x1f);
	}
	if (h264_note_nal(d, nal, len))
		return 0;
	if (frame_append(d, start_code, 4, err) < 0 || frame_append(d, nal, len, err) < 0)
		return -1;
	return 0;
}

static void
h264_fu_abort(struct ag_depack *d)
{
	if (d->fu_active && !d->too_big)
		d->fr.len = d->fu_off;
	d->fu_active = false;
}

static int
h264_fu_a(struct ag_depack *d, const uint8_t *p, size_t n, struct ag_error *err)
{
	uint8_t hdr, type;
	bool start, end;

	if (n < 2) {
		d->broken = true;
		return ag_error_set(err, AG_EX_DATAERR, "h264: FU-A of %zu bytes", n);
	}
	start = (p[1] & 0x80) != 0;
	end = (p[1] & 0x40) != 0;
	type = p[1] & 0x1f;
	hdr = (uint8_t)((p[0] & 0xe0) | type);
	if (start) {
		if (d->fu_active) {  /* the previous NAL lost its end */
			h264_fu_abort(d);
			d->broken = true;
		}
		if (hdr & 0x80) {
			d->broken = true;
			return ag_error_set(err, AG_EX_DATAERR, "h264: NAL with forbidden_zero_bit set");
		}
		if (type == 0 || type >= AG_H264_NAL_STAP_A) {
			d->broken = true;
			return ag_error_set(err, AG_EX_DATAERR, "h264: NAL type %d inside an FU-A", type);
		}
		d->fu_off = d->fr.len;
		d->fu_type = type;
		d->fu_active = true;
		if (frame_append(d, start_code, 4, err) < 0 || frame_append(d, &hdr, 1, err) < 0)
			return -1;
	} else if (!d->fu_active || type != d->fu_type) {
		/* the start (or everything up to here) was lost: drop the NAL */
		h264_fu_abort(d);
		d->broken = true;
		return 0;
	}
	if (frame_append(d, p + 2, n - 2, err) < 0)
		return -1;
	if (end) {
		size_t off = d->fu_off + 4;

		d->fu_active = false;
		if (!d->too_big && h264_note_nal(d, d->fr.p + off, d->fr.len - off))
			d->fr.len = d->fu_off;
	}
	return 0;
}

static int
h264_stap_a(struct ag_depack *d, const uint8_t *p, size_t n, struct ag_error *err)
{
	size_t pos = 1;
	int rc = 0;

	while (pos < n) {
		size_t size;

		if (n - pos < 2) {
			d->broken = true;
			return ag_error_set(err, AG_EX_DATAERR, "h264: STAP-A with a trailing byte");
		}
		size = ag_rd16(p + pos);
		pos += 2;
		if (size == 0 || size > n - pos) {
			d->broken = true;
			return ag_error_set(err, AG_EX_DATAERR,
			    "h264: STAP-A NAL of %zu bytes overruns the packet", size);
		}
		if (h264_add_nal(d, p + pos, size, err) < 0)
			rc = -1;
		pos += size;
	}
	return rc;
}

static void
h264_end(struct ag_depack *d, struct ag_error *err)
{
	bool add_sps, add_pps;
	size_t skip;

	if (!d->active)
		return;
	d->active = false;
	if (d->fu_active) {
		h264_fu_abort(d);
		d->broken = true;
	}
	if (!d->broken && !d->has_vcl) {
		/* nothing to show (parameter sets only, or ignored NALs) */
		if (d->head_lost && !d->conceal)
			d->waiting = true;  /* whatever was lost broke the references */
		return;
	}
	/* A frame that begins with its first slice did not lose its head (the
	 * lost packets ended the frame before); without concealment only an
	 * IDR can be trusted after a loss. */
	if (d->head_lost && !((d->has_idr || d->conceal) && d->first_mb == 0))
		d->broken = true;
	if (d->broken || !d->has_vcl) {
		frame_drop(d);
		return;
	}
	if (!d->has_idr) {
		if (d->waiting) {
			frame_drop(d);
			return;
		}
		queue_frame(d, d->ts, false, d->fr.p, d->fr.len, NULL, 0, NULL, 0, err);
		return;
	}
	/* An IDR: it needs SPS and PPS, its own or the latest ones. */
	if (d->sps_len == 0 || d->pps_len == 0) {
		frame_drop(d);
		return;
	}
	add_sps = !d->has_sps;
	add_pps = !d->has_pps;
	if (!add_sps && !add_pps) {
		queue_frame(d, d->ts, true, d->fr.p, d->fr.len, NULL, 0, NULL, 0, err);
		return;
	}
	/* Parameter sets go after a leading AUD, before everything else. */
	{
		uint8_t params[2 * (4 + AG_H264_MAX_PARAM)];
		size_t plen = 0;

		if (add_sps) {
			memcpy(params + plen, start_code, 4);
			memcpy(params + plen + 4, d->sps, d->sps_len);
			plen += 4 + d->sps_len;
		}
		if (add_pps) {
			memcpy(params + plen, start_code, 4);
			memcpy(params + plen + 4, d->pps, d->pps_len);
			plen += 4 + d->pps_len;
		}
		skip = d->aud_len;
		queue_frame(d, d->ts, true, d->fr.p, skip, params, plen, d->fr.p + skip,
		    d->fr.len - skip, err);
	}
}

static int
h264_push(struct ag_depack *d, const struct ag_rtp *pkt, bool lost, struct ag_error *err)
{
	const uint8_t *p = pkt->payload;
	size_t n = pkt->payload_len;
	int type, rc = 0;

	if (d->active && pkt->ts != d->ts) {
		if (lost)
			d->broken = true;  /* its last packets may be the lost ones */
		h264_end(d, err);
	} else if (d->active && lost) {
		h264_fu_abort(d);
		d->broken = true;
	}
	if (lost)
		d->loss_pending = true;
	if (!d->active)
		frame_begin(d, pkt->ts, lost);
	type = p[0] & 0x1f;
	if (p[0] & 0x80) {
		d->broken = true;
		rc = ag_error_set(err, AG_EX_DATAERR, "h264: forbidden_zero_bit set");
	} else if (type >= 1 && type <= 23) {
		rc = h264_add_nal(d, p, n, err);
	} else if (type == AG_H264_NAL_STAP_A) {
		rc = h264_stap_a(d, p, n, err);
	} else if (type == AG_H264_NAL_FU_A) {
		rc = h264_fu_a(d, p, n, err);
	} else if (type != 0 && type < 30) {
		/* STAP-B, MTAP16/24, FU-B: interleaved mode only */
		d->broken = true;
		rc = ag_error_set(err, AG_EX_DATAERR,
		    "h264: packet type %d not allowed in packetization-mode 1", type);
	}
	/* types 0, 30, 31 are ignored (RFC 6184 section 5.2) */
	if (pkt->marker)
		h264_end(d, err);
	return rc;
}

/* ---- VP8 ---- */

static void
vp8_end(struct ag_depack *d, struct ag_error *err)
{
	if (!d->active)
		return;
	d->active = false;
	if (!d->vp8_started || (d->head_lost && !d->vp8_key))
		d->broken = true;
	if (d->broken) {
		frame_drop(d);
		return;
	}
	if (!d->vp8_key && d->waiting) {
		frame_drop(d);
		return;
	}
	queue_frame(d, d->ts, d->vp8_key, d->fr.p, d->fr.len, NULL, 0, NULL, 0, err);
}

static int
vp8_push(struct ag_depack *d, const struct ag_rtp *pkt, bool lost, struct ag_error *err)
{
	const uint8_t *p = pkt->payload;
	size_t n = pkt->payload_len, off = 1;
	bool start;
	int rc = 0;

	if (p[0] & 0x80) {  /* X: extension byte */
		uint8_t x;

		if (n < 2)
			goto bad;
		x = p[off++];
		if (x & 0x80) {  /* I: PictureID, 7 or 15 bits */
			if (off >= n)
				goto bad;
			off += (p[off] & 0x80) ? 2 : 1;
		}
		if (x & 0x40)  /* L: TL0PICIDX */
			off++;
		if (x & 0x30)  /* T or K: TID/Y/KEYIDX */
			off++;
	}
	if (off >= n)
		goto bad;
	start = (p[0] & 0x10) && (p[0] & 0x07) == 0;
	if (d->active && pkt->ts != d->ts) {
		if (lost)
			d->broken = true;
		vp8_end(d, err);
	} else if (d->active && lost) {
		d->broken = true;
	}
	if (lost)
		d->loss_pending = true;
	if (!d->active)
		frame_begin(d, pkt->ts, lost);
	if (start) {
		const uint8_t *f = p + off;
		size_t flen = n - off;

		if (d->vp8_started)
			d->broken = true;  /* two starts under one timestamp */
		d->vp8_started = true;
		d->vp8_key = (f[0] & 0x01) == 0;
		if (d->vp8_key && flen >= 10 && f[3] == 0x9d && f[4] == 0x01 && f[5] == 0x2a) {
			d->width = ag_rd16le(f + 6) & 0x3fff;
			d->height = ag_rd16le(f + 8) & 0x3fff;
		}
	} else if (!d->vp8_started) {
		d->broken = true;  /* its start was lost */
	}
	if (!d->broken)
		rc = frame_append(d, p + off, n - off, err);
	if (pkt->marker)
		vp8_end(d, err);
	return rc;
bad:
	/* a packet we cannot use is a lost packet */
	if (d->active)
		d->broken = true;
	else
		d->gap_pending = true;
	return ag_error_set(err, AG_EX_DATAERR, "vp8: payload descriptor truncated (%zu bytes)", n);
}

/* ---- audio ---- */

static int
aac_push(struct ag_depack *d, const struct ag_rtp *pkt, bool lost, struct ag_error *err)
{
	const uint8_t *p = pkt->payload, *data;
	size_t n = pkt->payload_len, hbits, hbytes, nau, dlen, sum, i, pos;
	uint32_t idx;
	int rc = 0;

	if (n < 2)
		goto bad;
	hbits = ag_rd16(p);
	if (hbits == 0 || hbits % 16 != 0 || 2 + hbits / 8 > n)
		goto bad;
	hbytes = hbits / 8;
	nau = hbits / 16;
	data = p + 2 + hbytes;
	dlen = n - 2 - hbytes;

	if (d->active) {  /* a fragmented AU in progress */
		if (pkt->ts == d->ts && nau == 1 && ag_rd16(p + 2) >> 3 == d->aac_size) {
			if (lost)
				d->broken = true;  /* a middle fragment is missing */
			if (d->broken) {
				if (pkt->marker || dlen >= d->aac_size - d->fr.len) {
					d->active = false;
					frame_drop(d);
				}
				return 0;
			}
			if (dlen > d->aac_size - d->fr.len) {
				d->active = false;
				frame_drop(d);
				return ag_error_set(err, AG_EX_DATAERR, "aac: fragment overruns its AU");
			}
			if (frame_append(d, data, dlen, err) < 0) {
				d->active = false;
				frame_drop(d);
				return -1;
			}
			if (d->fr.len == d->aac_size) {
				d->active = false;
				return queue_frame(d, d->ts, true, d->fr.p, d->fr.len, NULL, 0, NULL, 0, err);
			}
			if (pkt->marker) {
				d->active = false;
				frame_drop(d);
			}
			return 0;
		}
		d->active = false;
		frame_drop(d);
	}
	if (lost)
		d->loss_pending = true;
	for (i = 0, sum = 0; i < nau; i++)
		sum += (size_t)(ag_rd16(p + 2 + 2 * i) >> 3);
	if (nau == 1 && sum > dlen) {  /* the first fragment of a large AU */
		if (pkt->marker) {  /* no: the last one, whose start was lost */
			frame_drop(d);
			return 0;
		}
		frame_begin(d, pkt->ts, lost);
		d->aac_size = sum;
		if (frame_append(d, data, dlen, err) < 0) {
			d->active = false;
			frame_drop(d);
			return -1;
		}
		return 0;
	}
	if (sum > dlen)
		return ag_error_set(err, AG_EX_DATAERR,
		    "aac: AU sizes (%zu bytes) overrun the payload (%zu bytes)", sum, dlen);
	for (i = 0, pos = 0, idx = 0; i < nau; i++) {
		uint16_t h = ag_rd16(p + 2 + 2 * i);
		size_t size = h >> 3;

		if (i > 0)
			idx += 1 + (h & 7u);  /* AU-Index-delta */
		if (size && queue_frame(d, pkt->ts + idx * AAC_FRAME_SAMPLES, true, data + pos, size,
		    NULL, 0, NULL, 0, err) < 0)
			rc = -1;
		pos += size;
	}
	return rc;
bad:
	d->loss_pending = true;
	return ag_error_set(err, AG_EX_DATAERR, "aac: bad AU header section (%zu-byte payload)", n);
}

/* ---- the interface ---- */

struct ag_depack *
ag_depack_new(enum ag_codec codec)
{
	struct ag_depack *d;

	switch (codec) {
	case AG_CODEC_H264: case AG_CODEC_VP8: case AG_CODEC_OPUS:
	case AG_CODEC_PCMU: case AG_CODEC_PCMA: case AG_CODEC_AAC:
		break;
	default:
		return NULL;
	}
	if ((d = calloc(1, sizeof *d)) == NULL)
		return NULL;
	d->codec = codec;
	d->waiting = ag_codec_is_video(codec);
	return d;
}

static void
queue_clear(struct ag_depack *d)
{
	size_t i;

	for (i = d->qhead; i < d->qlen; i++)
		free(d->q[i].buf);
	d->qhead = d->qlen = 0;
	d->qbytes = 0;
	free(d->popped);
	d->popped = NULL;
}

void
ag_depack_free(struct ag_depack *d)
{
	if (d == NULL)
		return;
	queue_clear(d);
	free(d->q);
	ag_buf_free(&d->fr);
	free(d);
}

int
ag_depack_push(struct ag_depack *d, const struct ag_rtp *pkt, bool lost_before,
    struct ag_error *err)
{
	int rc;

	if (lost_before)
		d->st.lost_events++;
	if (pkt == NULL || pkt->payload == NULL || pkt->payload_len == 0) {
		if (lost_before)
			d->gap_pending = true;  /* keep the gap for the next real packet */
		return 0;
	}
	d->st.packets++;
	lost_before = lost_before || d->gap_pending;
	d->gap_pending = false;
	switch (d->codec) {
	case AG_CODEC_H264:
		rc = h264_push(d, pkt, lost_before, err);
		break;
	case AG_CODEC_VP8:
		rc = vp8_push(d, pkt, lost_before, err);
		break;
	case AG_CODEC_AAC:
		rc = aac_push(d, pkt, lost_before, err);
		break;
	default:
		if (lost_before)
			d->loss_pending = true;
		rc = queue_frame(d, pkt->ts, true, pkt->payload, pkt->payload_len, NULL, 0, NULL, 0,
		    err);
		break;
	}
	if (rc < 0)
		d->st.bad_packets++;
	return rc;
}

int
ag_depack_pop(struct ag_depack *d, struct ag_frame *out)
{
	struct queued *e;

	free(d->popped);
	d->popped = NULL;
	if (d->qhead == d->qlen)
		return 0;
	e = &d->q[d->qhead++];
	*out = e->f;
	d->popped = e->buf;
	d->qbytes -= e->f.len;
	if (d->qhead == d->qlen)
		d->qhead = d->qlen = 0;
	return 1;
}

void
ag_depack_flush(struct ag_depack *d)
{
	switch (d->codec) {
	case AG_CODEC_H264:
		h264_end(d, NULL);
		break;
	case AG_CODEC_VP8:
		vp8_end(d, NULL);
		break;
	case AG_CODEC_AAC:
		if (d->active) {  /* a fragmented AU that never completed */
			d->active = false;
			frame_drop(d);
		}
		break;
	default:
		break;
	}
}

void
ag_depack_reset(struct ag_depack *d)
{
	queue_clear(d);
	d->active = false;
	ag_buf_clear(&d->fr);
	d->fu_active = false;
	d->sps_len = d->pps_len = 0;
	d->width = d->height = 0;
	d->waiting = ag_codec_is_video(d->codec);
	d->need_keyframe = false;
	d->loss_pending = false;
	d->gap_pending = false;
}

void
ag_depack_set_conceal(struct ag_depack *d, bool on)
{
	d->conceal = on;
}

bool
ag_depack_need_keyframe(const struct ag_depack *d)
{
	return d->need_keyframe;
}

void
ag_depack_stats(const struct ag_depack *d, struct ag_depack_stats *out)
{
	*out = d->st;
}

int
ag_depack_h264_params(const struct ag_depack *d, const uint8_t **sps, size_t *sps_len,
    const uint8_t **pps, size_t *pps_len)
{
	if (d->codec != AG_CODEC_H264 || d->sps_len == 0 || d->pps_len == 0)
		return -1;
	*sps = d->sps;
	*sps_len = d->sps_len;
	*pps = d->pps;
	*pps_len = d->pps_len;
	return 0;
}
