#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "be.h"
#include "depack.h"

#define MAX_QUEUED 4096         /* frames waiting for ag_depack_pop() */
#define MAX_QUEUED_BYTES ((size_t)64 << 20)
#define AAC_FRAME_SAMPLES 1024  /* RTP ticks between consecutive AAC-LC AUs */

/* The parameter sets an H.264/H.265 depacketizer keeps; the largest it keeps. */
enum ps_index { PS_VPS, PS_SPS, PS_PPS };
#define AG_DEPACK_MAX_PARAM AG_H264_MAX_PARAM

_Static_assert(AG_H264_MAX_PARAM == AG_H265_MAX_PARAM, "one parameter set size");

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

	/* H.264 and H.265 */
	bool fu_active;      /* a fragmented NAL is open at fr.p + fu_off */
	size_t fu_off;
	uint8_t fu_type;
	bool has_vcl, has_idr;  /* has_idr: a key picture's slice (IDR; H.265 IRAP) */
	bool has_ps[3];      /* the AU carries its own VPS, SPS, PPS (enum ps_index) */
	long first_mb;       /* where the first VCL NAL starts its picture (0: at the
	                      * start; H.264 first_mb_in_slice), -1 unknown */
	size_t aud_len;      /* bytes of a leading AUD with its start code, or 0 */
	uint8_t ps[3][AG_DEPACK_MAX_PARAM];  /* the latest VPS (H.265 only), SPS, PPS */
	size_t ps_len[3];
	struct ag_buf preset;  /* ag_depack_set_params()'s, as Annex-B, for a reset */
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
	d->has_vcl = d->has_idr = false;
	memset(d->has_ps, 0, sizeof d->has_ps);
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

/* ---- H.264 and H.265 ----
 *
 * Both carry NAL units in single NAL unit packets, aggregation packets
 * (H.264 STAP-A, H.265 AP) and fragmentation units (FU-A, FU), and both
 * become one Annex-B access unit per RTP timestamp: one assembly, with
 * the codec's NAL header read by the few functions below.  H.265 is RFC
 * 7798 without DONL fields (sprop-max-don-diff 0: the caller refuses
 * anything else), so its packets are in decoding order like H.264's.
 */

/* What a NAL unit is to the assembly. */
enum nal_kind { NK_OTHER, NK_VPS, NK_SPS, NK_PPS, NK_AUD, NK_VCL, NK_KEY };

static bool
is_h265(const struct ag_depack *d)
{
	return d->codec == AG_CODEC_H265;
}

/* The NAL header's bytes: 1 (H.264) or 2 (H.265). */
static size_t
hdr_len(const struct ag_depack *d)
{
	return is_h265(d) ? 2 : 1;
}

static int
nal_type(const struct ag_depack *d, const uint8_t *nal)
{
	return is_h265(d) ? AG_H265_NAL_TYPE(nal) : nal[0] & 0x1f;
}

static const char *
codec_tag(const struct ag_depack *d)
{
	return is_h265(d) ? "h265" : "h264";
}

/* The RTP packet types' names in the codec's RFC. */
static const char *
agg_name(const struct ag_depack *d)
{
	return is_h265(d) ? "AP" : "STAP-A";
}

static const char *
fu_name(const struct ag_depack *d)
{
	return is_h265(d) ? "FU" : "FU-A";
}

static enum nal_kind
nal_kind(const struct ag_depack *d, const uint8_t *nal)
{
	int t = nal_type(d, nal);

	if (is_h265(d)) {
		switch (t) {
		case AG_H265_NAL_VPS: return NK_VPS;
		case AG_H265_NAL_SPS: return NK_SPS;
		case AG_H265_NAL_PPS: return NK_PPS;
		case AG_H265_NAL_AUD: return NK_AUD;
		}
		if (ag_h265_is_irap(t))
			return NK_KEY;
		return t <= AG_H265_NAL_VCL_MAX ? NK_VCL : NK_OTHER;
	}
	switch (t) {
	case AG_H264_NAL_SPS: return NK_SPS;
	case AG_H264_NAL_PPS: return NK_PPS;
	case AG_H264_NAL_AUD: return NK_AUD;
	case AG_H264_NAL_IDR: return NK_KEY;
	}
	return t >= AG_H264_NAL_SLICE && t < AG_H264_NAL_IDR ? NK_VCL : NK_OTHER;
}

/* May a NAL unit of type t stand in an access unit (not an RTP packet type)? */
static bool
nal_type_ok(const struct ag_depack *d, int t)
{
	if (is_h265(d))
		return t < AG_H265_NAL_AP;
	return t != 0 && t < AG_H264_NAL_STAP_A;
}

/* Where the first VCL NAL unit nal[0..len) sits in its picture: 0 at its
 * start, more elsewhere, -1 unknown. */
static long
slice_pos(const struct ag_depack *d, const uint8_t *nal, size_t len)
{
	int first;

	if (!is_h265(d))
		return ag_h264_first_mb(nal, len);
	first = ag_h265_first_slice(nal, len);
	return first < 0 ? -1 : first ? 0 : 1;
}

/* The size of the picture the SPS nal[0..len) describes, into d (0 when unknown). */
static void
note_size(struct ag_depack *d, const uint8_t *nal, size_t len)
{
	struct ag_h264_sps s4;
	struct ag_h265_sps s5;

	d->width = d->height = 0;
	if (is_h265(d) && ag_h265_sps_parse(nal, len, &s5, NULL) == 0) {
		d->width = s5.width;
		d->height = s5.height;
	} else if (!is_h265(d) && ag_h264_sps_parse(nal, len, &s4, NULL) == 0) {
		d->width = s4.width;
		d->height = s4.height;
	}
}

/*
 * Bookkeeping for a complete NAL unit of the AU in progress.  Returns
 * true when the NAL should be left out: a copy of a parameter set this
 * AU already carries (GStreamer sends them twice).
 */
static bool
avc_note_nal(struct ag_depack *d, const uint8_t *nal, size_t len)
{
	enum nal_kind k = nal_kind(d, nal);
	int i;

	switch (k) {
	case NK_VPS: case NK_SPS: case NK_PPS:
		i = k == NK_VPS ? PS_VPS : k == NK_SPS ? PS_SPS : PS_PPS;
		if (d->has_ps[i] && len == d->ps_len[i] && memcmp(nal, d->ps[i], len) == 0)
			return true;
		d->has_ps[i] = true;
		if (len <= AG_DEPACK_MAX_PARAM) {
			memcpy(d->ps[i], nal, len);
			d->ps_len[i] = len;
			if (k == NK_SPS)
				note_size(d, nal, len);
		}
		break;
	case NK_AUD:
		if (d->fr.len == 0)
			d->aud_len = 4 + len;
		break;
	case NK_VCL: case NK_KEY:
		if (!d->has_vcl)
			d->first_mb = slice_pos(d, nal, len);
		d->has_vcl = true;
		if (k == NK_KEY)
			d->has_idr = true;
		break;
	default:
		break;
	}
	return false;
}

/* A whole NAL unit (single NAL packet or aggregated). */
static int
avc_add_nal(struct ag_depack *d, const uint8_t *nal, size_t len, struct ag_error *err)
{
	if (len < hdr_len(d)) {
		d->broken = true;
		return ag_error_set(err, AG_EX_DATAERR, "%s: NAL of %zu bytes", codec_tag(d), len);
	}
	if (nal[0] & 0x80) {
		d->broken = true;
		return ag_error_set(err, AG_EX_DATAERR, "%s: NAL with forbidden_zero_bit set",
		    codec_tag(d));
	}
	if (!nal_type_ok(d, nal_type(d, nal))) {
		d->broken = true;
		return ag_error_set(err, AG_EX_DATAERR, "%s: NAL type %d inside an aggregate",
		    codec_tag(d), nal_type(d, nal));
	}
	if (avc_note_nal(d, nal, len))
		return 0;
	if (frame_append(d, start_code, 4, err) < 0 || frame_append(d, nal, len, err) < 0)
		return -1;
	return 0;
}

static void
avc_fu_abort(struct ag_depack *d)
{
	if (d->fu_active && !d->too_big)
		d->fr.len = d->fu_off;
	d->fu_active = false;
}

/*
 * A fragmentation unit: H.264 FU-A (indicator byte, FU header) or H.265
 * FU (2-byte payload header, FU header; RFC 7798 4.4.3).  The FU header
 * is S, E and the fragmented NAL unit's type (5 or 6 bits), from which
 * with the payload header the NAL header is rebuilt.
 */
static int
avc_fu(struct ag_depack *d, const uint8_t *p, size_t n, struct ag_error *err)
{
	size_t hl = hdr_len(d);
	uint8_t hdr[2], fu, type;
	bool start, end;

	if (n < hl + 1) {
		d->broken = true;
		return ag_error_set(err, AG_EX_DATAERR, "%s: %s of %zu bytes", codec_tag(d),
		    fu_name(d), n);
	}
	fu = p[hl];
	start = (fu & 0x80) != 0;
	end = (fu & 0x40) != 0;
	if (is_h265(d)) {
		type = fu & 0x3f;
		hdr[0] = (uint8_t)((p[0] & 0x81) | type << 1);
		hdr[1] = p[1];
	} else {
		type = fu & 0x1f;
		hdr[0] = (uint8_t)((p[0] & 0xe0) | type);
	}
	if (start) {
		if (d->fu_active) {  /* the previous NAL lost its end */
			avc_fu_abort(d);
			d->broken = true;
		}
		if (hdr[0] & 0x80) {
			d->broken = true;
			return ag_error_set(err, AG_EX_DATAERR,
			    "%s: NAL with forbidden_zero_bit set", codec_tag(d));
		}
		if (!nal_type_ok(d, type)) {
			d->broken = true;
			return ag_error_set(err, AG_EX_DATAERR, "%s: NAL type %d inside an %s",
			    codec_tag(d), type, fu_name(d));
		}
		d->fu_off = d->fr.len;
		d->fu_type = type;
		d->fu_active = true;
		if (frame_append(d, start_code, 4, err) < 0 || frame_append(d, hdr, hl, err) < 0)
			return -1;
	} else if (!d->fu_active || type != d->fu_type) {
		/* the start (or everything up to here) was lost: drop the NAL */
		avc_fu_abort(d);
		d->broken = true;
		return 0;
	}
	if (frame_append(d, p + hl + 1, n - hl - 1, err) < 0)
		return -1;
	if (end) {
		size_t off = d->fu_off + 4;

		d->fu_active = false;
		if (!d->too_big && avc_note_nal(d, d->fr.p + off, d->fr.len - off))
			d->fr.len = d->fu_off;
	}
	return 0;
}

/* An aggregation packet: H.264 STAP-A or H.265 AP (without DONL): after
 * the payload header, NAL units each after a 16-bit size. */
static int
avc_aggregate(struct ag_depack *d, const uint8_t *p, size_t n, struct ag_error *err)
{
	size_t pos = hdr_len(d);
	int rc = 0;

	while (pos < n) {
		size_t size;

		if (n - pos < 2) {
			d->broken = true;
			return ag_error_set(err, AG_EX_DATAERR, "%s: %s with a trailing byte",
			    codec_tag(d), agg_name(d));
		}
		size = ag_rd16(p + pos);
		pos += 2;
		if (size == 0 || size > n - pos) {
			d->broken = true;
			return ag_error_set(err, AG_EX_DATAERR,
			    "%s: %s NAL of %zu bytes overruns the packet", codec_tag(d),
			    agg_name(d), size);
		}
		if (avc_add_nal(d, p + pos, size, err) < 0)
			rc = -1;
		pos += size;
	}
	return rc;
}

/* Queue the AU in progress as a key frame, with the parameter sets it
 * lacks (the latest ones) after a leading AUD, before everything else. */
static void
avc_queue_key(struct ag_depack *d, struct ag_error *err)
{
	uint8_t params[3 * (4 + AG_DEPACK_MAX_PARAM)];
	size_t plen = 0, skip;
	int i;

	for (i = is_h265(d) ? PS_VPS : PS_SPS; i <= PS_PPS; i++) {
		if (d->has_ps[i])
			continue;
		memcpy(params + plen, start_code, 4);
		memcpy(params + plen + 4, d->ps[i], d->ps_len[i]);
		plen += 4 + d->ps_len[i];
	}
	skip = plen > 0 ? d->aud_len : 0;
	queue_frame(d, d->ts, true, d->fr.p, skip, params, plen, d->fr.p + skip,
	    d->fr.len - skip, err);
}

static void
avc_end(struct ag_depack *d, struct ag_error *err)
{
	if (!d->active)
		return;
	d->active = false;
	if (d->fu_active) {
		avc_fu_abort(d);
		d->broken = true;
	}
	if (!d->broken && !d->has_vcl) {
		/* nothing to show (parameter sets only, or ignored NALs) */
		if (d->head_lost && !d->conceal)
			d->waiting = true;  /* whatever was lost broke the references */
		return;
	}
	/* A frame that begins with its first slice did not lose its head (the
	 * lost packets ended the frame before); without concealment only a
	 * key frame can be trusted after a loss. */
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
	/* A key frame: it needs its parameter sets, its own or the latest ones. */
	if ((is_h265(d) && d->ps_len[PS_VPS] == 0) || d->ps_len[PS_SPS] == 0
	    || d->ps_len[PS_PPS] == 0) {
		frame_drop(d);
		return;
	}
	avc_queue_key(d, err);
}

/* An RTP packet type of this codec that packetization-mode 1 / RFC 7798
 * without DONL does not allow: 0 to ignore the packet, or -1 with err. */
static int
avc_other(struct ag_depack *d, int type, struct ag_error *err)
{
	if (is_h265(d)) {
		if (type != AG_H265_NAL_PACI)
			return 0;  /* 51..63: unspecified, ignored (RFC 7798 4.4) */
		d->broken = true;
		return ag_error_set(err, AG_EX_DATAERR, "h265: PACI packets (type 50) are not "
		    "supported");
	}
	if (type == 0 || type >= 30)
		return 0;  /* types 0, 30, 31 are ignored (RFC 6184 section 5.2) */
	/* STAP-B, MTAP16/24, FU-B: interleaved mode only */
	d->broken = true;
	return ag_error_set(err, AG_EX_DATAERR,
	    "h264: packet type %d not allowed in packetization-mode 1", type);
}

static int
avc_push(struct ag_depack *d, const struct ag_rtp *pkt, bool lost, struct ag_error *err)
{
	const uint8_t *p = pkt->payload;
	size_t n = pkt->payload_len;
	int type, rc = 0;

	if (d->active && pkt->ts != d->ts) {
		if (lost)
			d->broken = true;  /* its last packets may be the lost ones */
		avc_end(d, err);
	} else if (d->active && lost) {
		avc_fu_abort(d);
		d->broken = true;
	}
	if (lost)
		d->loss_pending = true;
	if (!d->active)
		frame_begin(d, pkt->ts, lost);
	type = n >= hdr_len(d) ? nal_type(d, p) : -1;
	if (type < 0) {
		d->broken = true;
		rc = ag_error_set(err, AG_EX_DATAERR, "%s: payload of %zu byte", codec_tag(d), n);
	} else if (p[0] & 0x80) {
		d->broken = true;
		rc = ag_error_set(err, AG_EX_DATAERR, "%s: forbidden_zero_bit set", codec_tag(d));
	} else if (nal_type_ok(d, type)) {
		rc = avc_add_nal(d, p, n, err);
	} else if (type == (is_h265(d) ? AG_H265_NAL_AP : AG_H264_NAL_STAP_A)) {
		rc = avc_aggregate(d, p, n, err);
	} else if (type == (is_h265(d) ? AG_H265_NAL_FU : AG_H264_NAL_FU_A)) {
		rc = avc_fu(d, p, n, err);
	} else {
		rc = avc_other(d, type, err);
	}
	if (pkt->marker)
		avc_end(d, err);
	return rc;
}

/* Take the parameter sets of Annex-B ps[0..len) as the latest ones. */
static int
take_params(struct ag_depack *d, const uint8_t *ps, size_t len)
{
	const uint8_t *nal;
	size_t pos = 0, n;
	int taken = 0;

	while (ag_h264_nal_next(ps, len, &pos, &nal, &n)) {
		enum nal_kind k;
		int i;

		if (n < hdr_len(d) || n > AG_DEPACK_MAX_PARAM || (nal[0] & 0x80))
			continue;
		k = nal_kind(d, nal);
		if (k != NK_VPS && k != NK_SPS && k != NK_PPS)
			continue;
		i = k == NK_VPS ? PS_VPS : k == NK_SPS ? PS_SPS : PS_PPS;
		memcpy(d->ps[i], nal, n);
		d->ps_len[i] = n;
		if (k == NK_SPS)
			note_size(d, nal, n);
		taken++;
	}
	return taken;
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
	case AG_CODEC_PCMU: case AG_CODEC_PCMA: case AG_CODEC_AAC: case AG_CODEC_H265:
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
	ag_buf_free(&d->preset);
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
	case AG_CODEC_H264: case AG_CODEC_H265:
		rc = avc_push(d, pkt, lost_before, err);
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
	case AG_CODEC_H264: case AG_CODEC_H265:
		avc_end(d, NULL);
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
	memset(d->ps_len, 0, sizeof d->ps_len);
	d->width = d->height = 0;
	if (d->preset.len > 0)
		take_params(d, d->preset.p, d->preset.len);
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
ag_depack_set_params(struct ag_depack *d, const uint8_t *ps, size_t len)
{
	if (d->codec != AG_CODEC_H264 && d->codec != AG_CODEC_H265)
		return 0;
	ag_buf_clear(&d->preset);
	if (ag_buf_append(&d->preset, ps, len) < 0)
		ag_buf_clear(&d->preset);
	return take_params(d, ps, len);
}

int
ag_depack_h264_params(const struct ag_depack *d, const uint8_t **sps, size_t *sps_len,
    const uint8_t **pps, size_t *pps_len)
{
	if (d->codec != AG_CODEC_H264 || d->ps_len[PS_SPS] == 0 || d->ps_len[PS_PPS] == 0)
		return -1;
	*sps = d->ps[PS_SPS];
	*sps_len = d->ps_len[PS_SPS];
	*pps = d->ps[PS_PPS];
	*pps_len = d->ps_len[PS_PPS];
	return 0;
}

int
ag_depack_h265_params(const struct ag_depack *d, const uint8_t **vps, size_t *vps_len,
    const uint8_t **sps, size_t *sps_len, const uint8_t **pps, size_t *pps_len)
{
	if (d->codec != AG_CODEC_H265 || d->ps_len[PS_VPS] == 0 || d->ps_len[PS_SPS] == 0
	    || d->ps_len[PS_PPS] == 0)
		return -1;
	*vps = d->ps[PS_VPS];
	*vps_len = d->ps_len[PS_VPS];
	*sps = d->ps[PS_SPS];
	*sps_len = d->ps_len[PS_SPS];
	*pps = d->ps[PS_PPS];
	*pps_len = d->ps_len[PS_PPS];
	return 0;
}
