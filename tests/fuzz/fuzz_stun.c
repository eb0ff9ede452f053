/*
 * fuzz_stun.c - the STUN parser and builders (stun.h).  The input is one
 * UDP datagram.  What the parser returns must lie inside it, the
 * integrity check must not read outside it, and the responses the
 * library builds for the datagram's transaction id (success to an
 * address taken from the input, error with the unknown attributes the
 * parser found) must parse back, verify, and carry that id.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "stun.h"

static const char key[] = "VOkJxbRl1RmTxUk/WvJxBt";

static void
check_parsed(const uint8_t *buf, size_t len, const struct ag_stun *m)
{
	int i;

	FUZZ_ASSERT(len >= AG_STUN_HEADER && len % 4 == 0);
	FUZZ_ASSERT(m->nunknown >= 0 && m->nunknown <= AG_STUN_MAX_UNKNOWN);
	for (i = 0; i < m->nunknown; i++)
		FUZZ_ASSERT(m->unknown[i] < 0x8000);
	FUZZ_ASSERT(m->type == (buf[0] << 8 | buf[1]) && memcmp(m->tid, buf + 8, 12) == 0);
	if (m->username != NULL)
		FUZZ_ASSERT(m->username >= buf + AG_STUN_HEADER &&
		    m->username_len <= (size_t)(buf + len - m->username));
	if (m->has_integrity) {
		FUZZ_ASSERT(m->integrity_off >= AG_STUN_HEADER && m->integrity_off % 4 == 0);
		FUZZ_ASSERT(m->integrity_off + 24 <= len);
	}
	(void)ag_stun_integrity_ok(buf, len, m, key, strlen(key));
	(void)ag_stun_integrity_ok(buf, len, m, "", 0);
	if (!m->has_integrity)
		FUZZ_ASSERT(!ag_stun_integrity_ok(buf, len, m, key, strlen(key)));
}

/* Parse our own message and check what every response must hold. */
static void
check_ours(const uint8_t *out, size_t n, uint16_t type, const uint8_t tid[12])
{
	struct ag_stun back;
	struct ag_error err;

	FUZZ_ASSERT(n > 0);
	FUZZ_ASSERT(ag_stun_parse(out, n, &back, &err) == 0);
	FUZZ_ASSERT(back.type == type && memcmp(back.tid, tid, 12) == 0);
	FUZZ_ASSERT(back.has_integrity && back.has_fingerprint && back.nunknown == 0);
	FUZZ_ASSERT(ag_stun_integrity_ok(out, n, &back, key, strlen(key)));
	FUZZ_ASSERT(!ag_stun_integrity_ok(out, n, &back, key, strlen(key) - 1));
	FUZZ_ASSERT(ag_pkt_classify(out, n) == AG_PKT_STUN);
}

/* Responses to the input's transaction id. */
static void
respond(const uint8_t *buf, size_t len, const struct ag_stun *m)
{
	uint8_t out[512], tid[12] = { 0 };
	struct sockaddr_in a4;
	struct sockaddr_in6 a6;
	size_t n;

	if (len >= AG_STUN_HEADER)
		memcpy(tid, buf + 8, sizeof tid);
	memset(&a4, 0, sizeof a4);
	memset(&a6, 0, sizeof a6);
	a4.sin_family = AF_INET;
	a6.sin6_family = AF_INET6;
	/* The address and port: the tid's bytes, a v4-mapped one when the
	 * tid's first byte is even. */
	memcpy(&a4.sin_port, tid, 2);
	memcpy(&a4.sin_addr, tid + 2, 4);
	memcpy(&a6.sin6_port, tid, 2);
	memcpy(&a6.sin6_addr, tid, 12);
	memcpy(a6.sin6_addr.s6_addr + 12, tid + 4, 4);
	if (tid[0] % 2 == 0) {
		memset(a6.sin6_addr.s6_addr, 0, 10);
		memset(a6.sin6_addr.s6_addr + 10, 0xff, 2);
	}
	n = ag_stun_binding_success(out, sizeof out, tid, (struct sockaddr *)&a4, key, strlen(key));
	FUZZ_ASSERT(n == 64);
	check_ours(out, n, AG_STUN_BINDING_SUCCESS, tid);
	n = ag_stun_binding_success(out, sizeof out, tid, (struct sockaddr *)&a6, key, strlen(key));
	FUZZ_ASSERT(n == (tid[0] % 2 == 0 ? 64u : 76u));
	check_ours(out, n, AG_STUN_BINDING_SUCCESS, tid);
	FUZZ_ASSERT(ag_stun_binding_success(out, n - 1, tid, (struct sockaddr *)&a6, key,
	    strlen(key)) == 0);
	if (m != NULL) {
		n = ag_stun_binding_error(out, sizeof out, tid, m->nunknown > 0 ? 420 : 400, NULL,
		    m->unknown, m->nunknown, key, strlen(key));
		check_ours(out, n, AG_STUN_BINDING_ERROR, tid);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ag_stun m;
	struct ag_error err;
	uint8_t *buf;
	enum ag_pkt_kind kind;

	buf = fuzz_copy(data, size);
	kind = ag_pkt_classify(buf, size);
	FUZZ_ASSERT(kind == AG_PKT_STUN || kind == AG_PKT_DTLS || kind == AG_PKT_RTP ||
	    kind == AG_PKT_OTHER);
	if (ag_stun_parse(buf, size, &m, &err) == 0) {
		check_parsed(buf, size, &m);
		respond(buf, size, &m);
	} else {
		FUZZ_ASSERT(err.code != 0 && err.msg[0] != '\0');
		respond(buf, size, NULL);
	}
	free(buf);
	return 0;
}
