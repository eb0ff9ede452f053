/*
 * fuzz_demux.c - RFC 7983's first-byte demultiplexing of the recorder's
 * one UDP port (ag_pkt_classify, stun.h) and the parser each kind goes
 * to: STUN to ag_stun_parse and its integrity check, RTP/RTCP to
 * ag_rtcp_parse or ag_rtp_parse as ag_rtp_is_rtcp tells them apart
 * (RFC 5761).  DTLS goes to OpenSSL, which is not ours to fuzz.  What a
 * parser accepts must be of the kind the demux gave.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "rtp.h"
#include "stun.h"

static const char key[] = "VOkJxbRl1RmTxUk/WvJxBt";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ag_stun s;
	struct ag_rtp p;
	struct ag_rtcp c;
	struct ag_error err;
	uint8_t *buf;
	enum ag_pkt_kind kind;

	buf = fuzz_copy(data, size);
	kind = ag_pkt_classify(buf, size);
	switch (kind) {
	case AG_PKT_STUN:
		FUZZ_ASSERT(size > 0 && buf[0] <= 3);
		if (ag_stun_parse(buf, size, &s, &err) == 0)
			(void)ag_stun_integrity_ok(buf, size, &s, key, strlen(key));
		else
			FUZZ_ASSERT(err.code != 0 && err.msg[0] != '\0');
		break;
	case AG_PKT_RTP:
		FUZZ_ASSERT(size > 0 && buf[0] >= 128 && buf[0] <= 191);
		if (ag_rtp_is_rtcp(buf, size))
			(void)ag_rtcp_parse(buf, size, &c, &err);
		else if (ag_rtp_parse(buf, size, &p, &err) == 0)
			FUZZ_ASSERT(p.payload_len <= size);
		break;
	case AG_PKT_DTLS:
		FUZZ_ASSERT(size > 0 && buf[0] >= 20 && buf[0] <= 63);
		break;
	case AG_PKT_OTHER:
		/* Nothing of ours may take it. */
		FUZZ_ASSERT(size == 0 || buf[0] > 191 || (buf[0] > 63 && buf[0] < 128) ||
		    (buf[0] > 3 && buf[0] < 20));
		FUZZ_ASSERT(ag_rtp_parse(buf, size, &p, NULL) != 0);
		break;
	default:
		FUZZ_ASSERT(!"an enum ag_pkt_kind");
	}
	/* A STUN message has the top two bits clear, RTP and RTCP 10. */
	if (ag_stun_parse(buf, size, &s, NULL) == 0)
		FUZZ_ASSERT(kind == AG_PKT_STUN || kind == AG_PKT_DTLS || kind == AG_PKT_OTHER);
	if (ag_rtp_parse(buf, size, &p, NULL) == 0 || ag_rtcp_parse(buf, size, &c, NULL) == 0)
		FUZZ_ASSERT(kind == AG_PKT_RTP);
	free(buf);
	return 0;
}
