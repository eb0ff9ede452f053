#include <string.h>

#include "be.h"
#include "rtp.h"

bool
ag_rtp_is_rtcp(const uint8_t *buf, size_t len)
{
	if (buf == NULL || len < 2)
		return false;
	return buf[0] >> 6 == 2 && buf[1] >= 192 && buf[1] <= 223;
}

int
ag_rtp_parse(const uint8_t *buf, size_t len, struct ag_rtp *out, struct ag_error *err)
{
	size_t hlen, end;
	int i;

	memset(out, 0, sizeof *out);
	if (len < 12)
		return ag_error_set(err, AG_EX_DATAERR, "rtp: short packet (%zu bytes)", len);
	if (buf[0] >> 6 != 2)
		return ag_error_set(err, AG_EX_DATAERR, "rtp: version %d", buf[0] >> 6);
	out->padding = (buf[0] & 0x20) != 0;
	out->extension = (buf[0] & 0x10) != 0;
	out->csrc_count = buf[0] & 0x0f;
	out->marker = (buf[1] & 0x80) != 0;
	out->pt = buf[1] & 0x7f;
	out->seq = ag_rd16(buf + 2);
	out->ts = ag_rd32(buf + 4);
	out->ssrc = ag_rd32(buf + 8);
	hlen = 12 + 4 * (size_t)out->csrc_count;
	if (hlen > len)
		return ag_error_set(err, AG_EX_DATAERR, "rtp: %d CSRCs overrun a %zu-byte packet",
		    out->csrc_count, len);
	for (i = 0; i < out->csrc_count; i++)
		out->csrc[i] = ag_rd32(buf + 12 + 4 * (size_t)i);
	if (out->extension) {
		size_t ext_len;

		if (len - hlen < 4)
			return ag_error_set(err, AG_EX_DATAERR, "rtp: truncated header extension");
		out->ext_profile = ag_rd16(buf + hlen);
		ext_len = 4 * (size_t)ag_rd16(buf + hlen + 2);
		hlen += 4;
		if (ext_len > len - hlen)
			return ag_error_set(err, AG_EX_DATAERR,
			    "rtp: header extension of %zu bytes overruns the packet", ext_len);
		out->ext = ext_len ? buf + hlen : NULL;
		out->ext_len = ext_len;
		hlen += ext_len;
	}
	end = len;
	if (out->padding) {
		size_t pad;

		if (hlen == len)
			return ag_error_set(err, AG_EX_DATAERR, "rtp: padding bit without padding");
		pad = buf[len - 1];
		if (pad == 0 || pad > len - hlen)
			return ag_error_set(err, AG_EX_DATAERR,
			    "rtp: padding count %zu invalid for %zu bytes after the header", pad,
			    len - hlen);
		out->padding_len = pad;
		end -= pad;
	}
	out->payload_len = end - hlen;
	out->payload = out->payload_len ? buf + hlen : NULL;
	return 0;
}

int
ag_rtp_ext_find(const struct ag_rtp *p, int id, const uint8_t **data, size_t *len)
{
	const uint8_t *b = p->ext;
	size_t n = p->ext_len, i = 0, elen;
	bool one = p->ext_profile == 0xBEDE;
	int eid;

	if (b == NULL || id < 1 || id > (one ? 14 : 255))
		return -1;
	if (!one && (p->ext_profile & 0xFFF0) != 0x1000)
		return -1;
	while (i < n) {
		if (b[i] == 0) {
			i++;	/* padding between elements */
			continue;
		}
		if (one) {
			eid = b[i] >> 4;
			if (eid == 15)
				return -1;	/* RFC 8285 4.2: stop at the reserved id */
			elen = (size_t)(b[i] & 0x0f) + 1;
			i++;
		} else {
			if (n - i < 2)
				return -1;
			eid = b[i];
			elen = b[i + 1];
			i += 2;
		}
		if (elen > n - i)
			return -1;
		if (eid == id) {
			*data = b + i;
			*len = elen;
			return 0;
		}
		i += elen;
	}
	return -1;
}

static void
parse_report(const uint8_t *p, uint32_t reporter, struct ag_rtcp *out)
{
	struct ag_rtcp_report *r;
	uint32_t lost;

	if (out->nreports >= AG_RTCP_MAX_REPORTS) {
		out->reports_dropped++;
		return;
	}
	r = &out->reports[out->nreports++];
	r->reporter = reporter;
	r->ssrc = ag_rd32(p);
	r->fraction_lost = p[4];
	lost = ag_rd24(p + 5);
	r->cumulative_lost = (lost & 0x800000) ? (int32_t)lost - 0x1000000 : (int32_t)lost;
	r->ext_highest_seq = ag_rd32(p + 8);
	r->jitter = ag_rd32(p + 12);
	r->lsr = ag_rd32(p + 16);
	r->dlsr = ag_rd32(p + 20);
}

/*
 * Whether count report blocks after the off bytes of the sender's part
 * fit in b[0..blen); -1 with err if not, what ("SR", "RR") naming the packet.
 */
static int
check_reports(const uint8_t *b, size_t blen, size_t off, int count, const char *what,
    struct ag_error *err)
{
	if (blen < off + 24 * (size_t)count)
		return ag_error_set(err, AG_EX_DATAERR,
		    "rtcp: %s of %zu bytes too short for %d report blocks", what, blen, count);
	return 0;
}

/* The count report blocks at b + off, of the sender whose ssrc is at b. */
static void
parse_reports(const uint8_t *b, size_t off, int count, struct ag_rtcp *out)
{
	int i;

	for (i = 0; i < count; i++)
		parse_report(b + off + 24 * (size_t)i, ag_rd32(b), out);
}

static int
parse_sr(const uint8_t *b, size_t blen, int count, struct ag_rtcp *out, struct ag_error *err)
{
	if (check_reports(b, blen, 24, count, "SR", err) < 0)
		return -1;
	if (out->nsr < AG_RTCP_MAX_SR) {
		struct ag_rtcp_sr *sr = &out->sr[out->nsr++];

		sr->ssrc = ag_rd32(b);
		sr->ntp = (uint64_t)ag_rd32(b + 4) << 32 | ag_rd32(b + 8);
		sr->rtp_ts = ag_rd32(b + 12);
		sr->packet_count = ag_rd32(b + 16);
		sr->octet_count = ag_rd32(b + 20);
	}
	parse_reports(b, 24, count, out);
	return 0;
}

static int
parse_rr(const uint8_t *b, size_t blen, int count, struct ag_rtcp *out, struct ag_error *err)
{
	if (check_reports(b, blen, 4, count, "RR", err) < 0)
		return -1;
	if (out->nrr < AG_RTCP_MAX_RR)
		out->rr_ssrc[out->nrr] = ag_rd32(b);
	out->nrr++;
	parse_reports(b, 4, count, out);
	return 0;
}

/*
 * SDES chunks are 32-bit aligned: an SSRC, items (type, length, text),
 * a null item, then zeros to the next boundary.  A last chunk that
 * ends with the packet instead of a null item is accepted.
 */
static int
parse_sdes(const uint8_t *b, size_t blen, int count, struct ag_rtcp *out, struct ag_error *err)
{
	size_t pos = 0;
	int i;

	for (i = 0; i < count; i++) {
		uint32_t ssrc;
		bool have_cname = false;

		if (blen - pos < 4)
			return ag_error_set(err, AG_EX_DATAERR,
			    "rtcp: SDES announces %d chunks, has %d", count, i);
		ssrc = ag_rd32(b + pos);
		pos += 4;
		for (;;) {
			size_t ilen;
			uint8_t type;

			if (pos >= blen)
				break;  /* no null item: tolerated */
			type = b[pos];
			if (type == 0) {
				pos = (pos + 4) & ~(size_t)3;
				if (pos > blen)
					pos = blen;
				break;
			}
			if (blen - pos < 2)
				return ag_error_set(err, AG_EX_DATAERR, "rtcp: SDES item header truncated");
			ilen = b[pos + 1];
			if (ilen > blen - pos - 2)
				return ag_error_set(err, AG_EX_DATAERR,
				    "rtcp: SDES item of %zu bytes overruns the packet", ilen);
			if (type == 1 && !have_cname) {
				have_cname = true;
				if (out->ncnames < AG_RTCP_MAX_CNAMES) {
					struct ag_rtcp_cname *c = &out->cnames[out->ncnames++];

					c->ssrc = ssrc;
					c->len = ilen;
					memcpy(c->cname, b + pos + 2, ilen);
					c->cname[ilen] = '\0';
				}
			}
			pos += 2 + ilen;
		}
	}
	return 0;
}

static int
parse_bye(const uint8_t *b, size_t blen, int count, struct ag_rtcp *out, struct ag_error *err)
{
	size_t need = 4 * (size_t)count;
	int i;

	if (blen < need)
		return ag_error_set(err, AG_EX_DATAERR, "rtcp: BYE of %zu bytes too short for %d SSRCs",
		    blen, count);
	if (blen > need && (size_t)b[need] + 1 > blen - need)
		return ag_error_set(err, AG_EX_DATAERR, "rtcp: BYE reason overruns the packet");
	for (i = 0; i < count; i++) {
		if (out->nbye < AG_RTCP_MAX_BYE)
			out->bye[out->nbye++] = ag_rd32(b + 4 * (size_t)i);
		else
			out->bye_dropped++;
	}
	return 0;
}

static int
parse_fb(uint8_t pt, int fmt, const uint8_t *b, size_t blen, struct ag_rtcp *out,
    struct ag_error *err)
{
	if (blen < 8)
		return ag_error_set(err, AG_EX_DATAERR, "rtcp: feedback packet of %zu bytes", blen + 4);
	if (pt == AG_RTCP_PSFB)
		out->npsfb++;
	else
		out->nrtpfb++;
	if (out->nfb < AG_RTCP_MAX_FB) {
		struct ag_rtcp_fb *fb = &out->fb[out->nfb++];

		fb->pt = pt;
		fb->fmt = (uint8_t)fmt;
		fb->sender_ssrc = ag_rd32(b);
		fb->media_ssrc = ag_rd32(b + 4);
	}
	return 0;
}

int
ag_rtcp_parse_flags(const uint8_t *buf, size_t len, unsigned flags, struct ag_rtcp *out,
    struct ag_error *err)
{
	bool strict = (flags & AG_RTCP_STRICT) != 0;
	size_t off = 0;

	memset(out, 0, sizeof *out);
	if (len == 0)
		return ag_error_set(err, AG_EX_DATAERR, "rtcp: empty packet");
	while (off < len) {
		const uint8_t *h = buf + off;
		size_t plen, blen;
		bool padded;
		int count, rc = 0;
		uint8_t pt;

		if (len - off < 4)
			return ag_error_set(err, AG_EX_DATAERR, "rtcp: %zu trailing bytes", len - off);
		if (h[0] >> 6 != 2)
			return ag_error_set(err, AG_EX_DATAERR, "rtcp: packet %d: version %d",
			    out->packets + 1, h[0] >> 6);
		padded = (h[0] & 0x20) != 0;
		count = h[0] & 0x1f;
		pt = h[1];
		plen = 4 * ((size_t)ag_rd16(h + 2) + 1);
		if (plen > len - off)
			return ag_error_set(err, AG_EX_DATAERR,
			    "rtcp: packet %d: length %zu overruns the %zu bytes left", out->packets + 1,
			    plen, len - off);
		if (strict && out->packets == 0 && (padded || (pt != AG_RTCP_SR && pt != AG_RTCP_RR)))
			return ag_error_set(err, AG_EX_DATAERR,
			    "rtcp: compound starts with type %u, not SR or RR", pt);
		blen = plen - 4;
		if (padded) {
			size_t pad = h[plen - 1];

			if (strict && off + plen != len)
				return ag_error_set(err, AG_EX_DATAERR,
				    "rtcp: padding on a packet that is not the last");
			if (pad == 0 || pad > blen)
				return ag_error_set(err, AG_EX_DATAERR, "rtcp: padding count %zu invalid",
				    pad);
			blen -= pad;
		}
		switch (pt) {
		case AG_RTCP_SR:
			rc = parse_sr(h + 4, blen, count, out, err);
			break;
		case AG_RTCP_RR:
			rc = parse_rr(h + 4, blen, count, out, err);
			break;
		case AG_RTCP_SDES:
			rc = parse_sdes(h + 4, blen, count, out, err);
			break;
		case AG_RTCP_BYE:
			rc = parse_bye(h + 4, blen, count, out, err);
			break;
		case AG_RTCP_APP:
			out->napp++;
			break;
		case AG_RTCP_RTPFB:
		case AG_RTCP_PSFB:
			rc = parse_fb(pt, count, h + 4, blen, out, err);
			break;
		default:
			out->nunknown++;
			break;
		}
		if (rc < 0)
			return -1;
		out->packets++;
		off += plen;
	}
	return 0;
}

int
ag_rtcp_parse(const uint8_t *buf, size_t len, struct ag_rtcp *out, struct ag_error *err)
{
	return ag_rtcp_parse_flags(buf, len, 0, out, err);
}

size_t
ag_rtcp_build_pli(uint8_t *buf, size_t size, uint32_t sender_ssrc, uint32_t media_ssrc)
{
	if (buf == NULL || size < 12)
		return 0;
	buf[0] = 0x80 | 1;  /* V=2, FMT=1 */
	buf[1] = AG_RTCP_PSFB;
	ag_wr16(buf + 2, 2);
	ag_wr32(buf + 4, sender_ssrc);
	ag_wr32(buf + 8, media_ssrc);
	return 12;
}

size_t
ag_rtcp_build_fir(uint8_t *buf, size_t size, uint32_t sender_ssrc, uint32_t media_ssrc, uint8_t seq)
{
	if (buf == NULL || size < 20)
		return 0;
	buf[0] = 0x80 | 4;  /* V=2, FMT=4 */
	buf[1] = AG_RTCP_PSFB;
	ag_wr16(buf + 2, 4);
	ag_wr32(buf + 4, sender_ssrc);
	ag_wr32(buf + 8, 0);   /* media source: unused in a FIR, the FCI names it */
	ag_wr32(buf + 12, media_ssrc);
	buf[16] = seq;
	buf[17] = buf[18] = buf[19] = 0;
	return 20;
}

size_t
ag_rtcp_build_rr(uint8_t *buf, size_t size, uint32_t sender_ssrc,
    const struct ag_rtcp_report *rb)
{
	int32_t lost;

	if (buf == NULL || rb == NULL || size < 32)
		return 0;
	buf[0] = 0x80 | 1;  /* V=2, RC=1 */
	buf[1] = AG_RTCP_RR;
	ag_wr16(buf + 2, 7);
	ag_wr32(buf + 4, sender_ssrc);
	ag_wr32(buf + 8, rb->ssrc);
	lost = rb->cumulative_lost;
	if (lost > 0x7fffff)
		lost = 0x7fffff;
	if (lost < -0x800000)
		lost = -0x800000;
	buf[12] = rb->fraction_lost;
	ag_wr24(buf + 13, (uint32_t)lost);
	ag_wr32(buf + 16, rb->ext_highest_seq);
	ag_wr32(buf + 20, rb->jitter);
	ag_wr32(buf + 24, rb->lsr);
	ag_wr32(buf + 28, rb->dlsr);
	return 32;
}

size_t
ag_rtcp_build_remb(uint8_t *buf, size_t size, uint32_t sender_ssrc, uint64_t bps,
    const uint32_t *ssrcs, int n)
{
	size_t len = 20 + 4 * (size_t)n;
	unsigned exp = 0;
	int i;

	if (buf == NULL || n < 1 || n > 255 || size < len)
		return 0;
	/* bps = mantissa (18 bits) << exp (6 bits) */
	while (bps >= (1u << 18) && exp < 63) {
		bps >>= 1;
		exp++;
	}
	buf[0] = 0x80 | 15; /* V=2, FMT=15: application layer feedback */
	buf[1] = AG_RTCP_PSFB;
	ag_wr16(buf + 2, (uint16_t)(len / 4 - 1));
	ag_wr32(buf + 4, sender_ssrc);
	ag_wr32(buf + 8, 0);        /* media source: 0, the FCI lists them */
	memcpy(buf + 12, "REMB", 4);
	buf[16] = (uint8_t)n;
	buf[17] = (uint8_t)(exp << 2 | (unsigned)(bps >> 16));
	ag_wr16(buf + 18, (uint16_t)bps);
	for (i = 0; i < n; i++)
		ag_wr32(buf + 20 + 4 * i, ssrcs[i]);
	return len;
}

size_t
ag_rtcp_build_sdes(uint8_t *buf, size_t size, uint32_t ssrc, const char *cname)
{
	size_t clen, total;

	if (buf == NULL || cname == NULL || (clen = strlen(cname)) > 255)
		return 0;
	/* header, SSRC, CNAME item, null item, padded to 4 */
	total = (4 + 4 + 2 + clen + 1 + 3) & ~(size_t)3;
	if (size < total)
		return 0;
	memset(buf, 0, total);
	buf[0] = 0x80 | 1;  /* V=2, SC=1 */
	buf[1] = AG_RTCP_SDES;
	ag_wr16(buf + 2, (uint16_t)(total / 4 - 1));
	ag_wr32(buf + 4, ssrc);
	buf[8] = 1;
	buf[9] = (uint8_t)clen;
	memcpy(buf + 10, cname, clen);
	return total;
}

uint64_t
ag_rtp_ntp_to_us(uint64_t ntp)
{
	uint64_t sec = ntp >> 32, frac = ntp & 0xffffffffu;

	return sec * 1000000u + ((frac * 1000000u) >> 32);
}

uint32_t
ag_rtp_ntp_middle(uint64_t ntp)
{
	return (uint32_t)(ntp >> 16);
}
