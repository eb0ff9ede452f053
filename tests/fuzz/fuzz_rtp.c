/*
 * fuzz_rtp.c - the RTP and compound RTCP parsers (rtp.h).  The input is
 * one UDP datagram, given to every parser.  What they return must lie
 * inside the datagram and add up to it, and the receiver reports the
 * library builds from parsed fields must parse back to those fields;
 * header extension elements (and RFC 6464 levels) must lie inside the
 * extension.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "level.h"
#include "rtp.h"

/* Every header extension element found (RFC 8285) lies inside the
 * extension; an RFC 6464 level is 0..127. */
static void
check_ext(const struct ag_rtp *p)
{
	const uint8_t *d;
	size_t n;
	int id, lv;

	for (id = 0; id <= 256; id++) {
		if (ag_rtp_ext_find(p, id, &d, &n) < 0)
			continue;
		FUZZ_ASSERT(id >= 1 && id <= 255 && p->ext != NULL);
		FUZZ_ASSERT(d >= p->ext && d + n <= p->ext + p->ext_len);
		lv = ag_level_rfc6464(p, id, NULL);
		FUZZ_ASSERT(n == 0 ? lv == -1 : lv == (d[0] & 0x7f));
	}
}

static void
check_rtp(const uint8_t *buf, size_t len, const struct ag_rtp *p)
{
	size_t hlen = 12 + 4 * (size_t)p->csrc_count + (p->extension ? 4 + p->ext_len : 0);

	FUZZ_ASSERT(p->csrc_count >= 0 && p->csrc_count <= 15 && p->pt <= 127);
	FUZZ_ASSERT(hlen + p->payload_len + p->padding_len == len);
	FUZZ_ASSERT(p->padding == (p->padding_len > 0));
	FUZZ_ASSERT(p->ext_len % 4 == 0 && (p->ext == NULL) == (p->ext_len == 0));
	if (p->ext != NULL)
		FUZZ_ASSERT(p->ext >= buf && p->ext + p->ext_len <= buf + len);
	FUZZ_ASSERT((p->payload == NULL) == (p->payload_len == 0));
	if (p->payload != NULL)
		FUZZ_ASSERT(p->payload == buf + hlen);
	check_ext(p);
}

static void
check_rtcp(const struct ag_rtcp *c)
{
	int i;

	FUZZ_ASSERT(c->nsr >= 0 && c->nsr <= AG_RTCP_MAX_SR);
	FUZZ_ASSERT(c->nreports >= 0 && c->nreports <= AG_RTCP_MAX_REPORTS);
	FUZZ_ASSERT(c->ncnames >= 0 && c->ncnames <= AG_RTCP_MAX_CNAMES);
	FUZZ_ASSERT(c->nbye >= 0 && c->nbye <= AG_RTCP_MAX_BYE);
	FUZZ_ASSERT(c->nfb >= 0 && c->nfb <= AG_RTCP_MAX_FB);
	FUZZ_ASSERT(c->nrr >= 0 && c->packets >= 1);
	for (i = 0; i < c->ncnames; i++)
		FUZZ_ASSERT(c->cnames[i].len <= 255 && c->cnames[i].cname[c->cnames[i].len] == '\0');
	for (i = 0; i < c->nreports; i++)
		FUZZ_ASSERT(c->reports[i].cumulative_lost >= -0x800000 &&
		    c->reports[i].cumulative_lost <= 0x7fffff);
}

/* Build RR (+ SDES) (+ PLI) from what was parsed and parse it back. */
static void
rebuild(const struct ag_rtcp *c)
{
	uint8_t buf[400];
	struct ag_rtcp back;
	struct ag_rtcp_report rb;
	struct ag_error err;
	size_t n, m;
	uint32_t sender = c->nrr > 0 ? c->rr_ssrc[0] : 1;

	memset(&rb, 0, sizeof rb);
	if (c->nreports > 0)
		rb = c->reports[0];
	FUZZ_ASSERT((n = ag_rtcp_build_rr(buf, sizeof buf, sender, &rb)) == 32);
	FUZZ_ASSERT(ag_rtcp_build_rr(buf, n - 1, sender, &rb) == 0);
	if (c->ncnames > 0 && strlen(c->cnames[0].cname) == c->cnames[0].len) {
		FUZZ_ASSERT((m = ag_rtcp_build_sdes(buf + n, sizeof buf - n, c->cnames[0].ssrc,
		    c->cnames[0].cname)) > 0);
		n += m;
	}
	if (c->nfb > 0) {
		FUZZ_ASSERT((m = ag_rtcp_build_pli(buf + n, sizeof buf - n, c->fb[0].sender_ssrc,
		    c->fb[0].media_ssrc)) == 12);
		n += m;
	}
	FUZZ_ASSERT(ag_rtcp_parse_flags(buf, n, AG_RTCP_STRICT, &back, &err) == 0);
	FUZZ_ASSERT(back.nrr == 1 && back.rr_ssrc[0] == sender && back.nreports == 1);
	rb.reporter = sender;
	FUZZ_ASSERT(memcmp(&back.reports[0], &rb, sizeof rb) == 0);
	if (c->ncnames > 0 && strlen(c->cnames[0].cname) == c->cnames[0].len) {
		FUZZ_ASSERT(back.ncnames == 1 && back.cnames[0].ssrc == c->cnames[0].ssrc);
		FUZZ_ASSERT(back.cnames[0].len == c->cnames[0].len);
		FUZZ_ASSERT(strcmp(back.cnames[0].cname, c->cnames[0].cname) == 0);
	}
	if (c->nfb > 0) {
		FUZZ_ASSERT(back.nfb == 1 && back.fb[0].pt == AG_RTCP_PSFB && back.fb[0].fmt == 1);
		FUZZ_ASSERT(back.fb[0].sender_ssrc == c->fb[0].sender_ssrc);
		FUZZ_ASSERT(back.fb[0].media_ssrc == c->fb[0].media_ssrc);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ag_rtp p;
	struct ag_rtcp c;
	struct ag_error err;
	uint8_t *buf;
	int lenient, strict;

	/* An exact-size copy: libFuzzer's buffer is exact too, replay's too,
	 * but a copy keeps this true whoever calls. */
	if ((buf = malloc(size ? size : 1)) == NULL)
		abort();
	memcpy(buf, data, size);

	(void)ag_rtp_is_rtcp(buf, size);
	if (ag_rtp_parse(buf, size, &p, &err) == 0)
		check_rtp(buf, size, &p);
	else
		FUZZ_ASSERT(err.code != 0 && err.msg[0] != '\0');

	lenient = ag_rtcp_parse(buf, size, &c, &err);
	if (lenient == 0) {
		check_rtcp(&c);
		rebuild(&c);
	}
	strict = ag_rtcp_parse_flags(buf, size, AG_RTCP_STRICT, &c, &err);
	if (strict == 0) {
		check_rtcp(&c);
		FUZZ_ASSERT(lenient == 0);
	}
	free(buf);
	return 0;
}
