/*
 * test_stun.c - stun.c on the RFC 5769 test vectors (typed in from the
 * RFC: their MESSAGE-INTEGRITY and FINGERPRINT check our HMAC and CRC),
 * on our own responses read back by our parser, on hand-built messages
 * that lie about their lengths, and RFC 7983's first-byte demux.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/un.h>

#include "stun.h"

static const char password[] = "VOkJxbRl1RmTxUk/WvJxBt";

/* RFC 5769 2.1: Binding request, SOFTWARE, PRIORITY, ICE-CONTROLLED,
 * USERNAME "evtj:h6vY", MESSAGE-INTEGRITY, FINGERPRINT. */
static const uint8_t rfc_request[] = {
	0x00, 0x01, 0x00, 0x58, 0x21, 0x12, 0xa4, 0x42,
	0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
	0x80, 0x22, 0x00, 0x10, 0x53, 0x54, 0x55, 0x4e, 0x20, 0x74, 0x65, 0x73,
	0x74, 0x20, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74,
	0x00, 0x24, 0x00, 0x04, 0x6e, 0x00, 0x01, 0xff,
	0x80, 0x29, 0x00, 0x08, 0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36,
	0x00, 0x06, 0x00, 0x09, 0x65, 0x76, 0x74, 0x6a, 0x3a, 0x68, 0x36, 0x76,
	0x59, 0x20, 0x20, 0x20,
	0x00, 0x08, 0x00, 0x14, 0x9a, 0xea, 0xa7, 0x0c, 0xbf, 0xd8, 0xcb, 0x56,
	0x78, 0x1e, 0xf2, 0xb5, 0xb2, 0xd3, 0xf2, 0x49, 0xc1, 0xb5, 0x71, 0xa2,
	0x80, 0x28, 0x00, 0x04, 0xe5, 0x7a, 0x3b, 0xcf,
};

/* RFC 5769 2.2: success response, SOFTWARE, XOR-MAPPED-ADDRESS
 * 192.0.2.1:32853, MESSAGE-INTEGRITY, FINGERPRINT. */
static const uint8_t rfc_response_v4[] = {
	0x01, 0x01, 0x00, 0x3c, 0x21, 0x12, 0xa4, 0x42,
	0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
	0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
	0x74, 0x6f, 0x72, 0x20,
	0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43,
	0x00, 0x08, 0x00, 0x14, 0x2b, 0x91, 0xf5, 0x99, 0xfd, 0x9e, 0x90, 0xc3,
	0x8c, 0x74, 0x89, 0xf9, 0x2a, 0xf9, 0xba, 0x53, 0xf0, 0x6b, 0xe7, 0xd7,
	0x80, 0x28, 0x00, 0x04, 0xc0, 0x7d, 0x4c, 0x96,
};

/* RFC 5769 2.3: the same with [2001:db8:1234:5678:11:2233:4455:6677]:32853. */
static const uint8_t rfc_response_v6[] = {
	0x01, 0x01, 0x00, 0x48, 0x21, 0x12, 0xa4, 0x42,
	0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
	0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
	0x74, 0x6f, 0x72, 0x20,
	0x00, 0x20, 0x00, 0x14, 0x00, 0x02, 0xa1, 0x47,
	0x01, 0x13, 0xa9, 0xfa, 0xa5, 0xd3, 0xf1, 0x79,
	0xbc, 0x25, 0xf4, 0xb5, 0xbe, 0xd2, 0xb9, 0xd9,
	0x00, 0x08, 0x00, 0x14, 0xa3, 0x82, 0x95, 0x4e, 0x4b, 0xe6, 0x7b, 0xf1,
	0x17, 0x84, 0xc9, 0x7c, 0x82, 0x92, 0xc2, 0x75, 0xbf, 0xe3, 0xed, 0x41,
	0x80, 0x28, 0x00, 0x04, 0xc8, 0xfb, 0x0b, 0x4c,
};

/* Where the vectors' attributes start and end. */
#define REQ_USERNAME 60
#define REQ_MI       76
#define REQ_FP       100
#define RESP_XMA     36

static const uint8_t rfc_tid[12] = {
	0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
};

/* A message of our own: a header, then attributes appended by add(). */
struct msg {
	uint8_t b[512];
	size_t n;
};

static void
start(struct msg *m, uint16_t type)
{
	memset(m, 0, sizeof *m);
	m->b[0] = (uint8_t)(type >> 8);
	m->b[1] = (uint8_t)type;
	m->b[4] = 0x21;
	m->b[5] = 0x12;
	m->b[6] = 0xa4;
	m->b[7] = 0x42;
	memcpy(m->b + 8, rfc_tid, 12);
	m->n = 20;
}

/* Append attribute t with len bytes of v (zero padded) and update the
 * header's length; claim is the length written in the attribute header. */
static void
add_claim(struct msg *m, uint16_t t, const void *v, size_t len, size_t claim)
{
	m->b[m->n] = (uint8_t)(t >> 8);
	m->b[m->n + 1] = (uint8_t)t;
	m->b[m->n + 2] = (uint8_t)(claim >> 8);
	m->b[m->n + 3] = (uint8_t)claim;
	if (len > 0)
		memcpy(m->b + m->n + 4, v, len);
	m->n += 4 + ((len + 3) & ~(size_t)3);
	m->b[2] = (uint8_t)((m->n - 20) >> 8);
	m->b[3] = (uint8_t)(m->n - 20);
}

static void
add(struct msg *m, uint16_t t, const void *v, size_t len)
{
	add_claim(m, t, v, len, len);
}

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* ---- CRC-32 ---- */

Test(stun, crc32_check_value)
{
	cr_assert_eq(ag_crc32(0, "123456789", 9), 0xcbf43926u);
	cr_assert_eq(ag_crc32(0, "", 0), 0);
	cr_assert_eq(ag_crc32(ag_crc32(0, "1234", 4), "56789", 5), 0xcbf43926u);
}

/* ---- RFC 5769 ---- */

Test(stun, rfc5769_request)
{
	struct ag_stun m;
	struct ag_error err = { 0 };
	static const uint8_t want_tid[12] = {
		0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
	};

	cr_assert_eq(ag_stun_parse(rfc_request, sizeof rfc_request, &m, &err), 0, "%s", err.msg);
	cr_assert_eq(m.type, AG_STUN_BINDING_REQUEST);
	cr_assert_arr_eq(m.tid, want_tid, 12);
	cr_assert_eq(m.username_len, 9);
	cr_assert_arr_eq(m.username, "evtj:h6vY", 9);
	cr_assert_eq(m.username, rfc_request + REQ_USERNAME + 4);
	cr_assert_eq(m.priority, 0x6e0001ffu);
	cr_assert(m.ice_controlled && !m.ice_controlling && !m.use_candidate);
	cr_assert_eq(m.tiebreaker, 0x932ff9b151263b36ull);
	cr_assert(m.has_integrity && m.has_fingerprint);
	cr_assert_eq(m.integrity_off, REQ_MI);
	cr_assert_eq(m.nunknown, 0, "SOFTWARE is comprehension-optional");
	cr_assert(ag_stun_integrity_ok(rfc_request, sizeof rfc_request, &m, password,
	    strlen(password)));
}

Test(stun, rfc5769_responses)
{
	struct ag_stun m;
	struct ag_error err = { 0 };

	cr_assert_eq(ag_stun_parse(rfc_response_v4, sizeof rfc_response_v4, &m, &err), 0, "%s",
	    err.msg);
	cr_assert_eq(m.type, AG_STUN_BINDING_SUCCESS);
	cr_assert(m.has_integrity && m.has_fingerprint && m.nunknown == 0);
	cr_assert(ag_stun_integrity_ok(rfc_response_v4, sizeof rfc_response_v4, &m, password,
	    strlen(password)));
	cr_assert_eq(ag_stun_parse(rfc_response_v6, sizeof rfc_response_v6, &m, &err), 0, "%s",
	    err.msg);
	cr_assert(m.has_integrity && m.has_fingerprint && m.nunknown == 0);
	cr_assert(ag_stun_integrity_ok(rfc_response_v6, sizeof rfc_response_v6, &m, password,
	    strlen(password)));
}

Test(stun, integrity_bad_key)
{
	struct ag_stun m;

	cr_assert_eq(ag_stun_parse(rfc_request, sizeof rfc_request, &m, NULL), 0);
	cr_assert(!ag_stun_integrity_ok(rfc_request, sizeof rfc_request, &m,
	    "VOkJxbRl1RmTxUk/WvJxBT", strlen(password)));
	cr_assert(!ag_stun_integrity_ok(rfc_request, sizeof rfc_request, &m, password,
	    strlen(password) - 1));
	cr_assert(!ag_stun_integrity_ok(rfc_request, sizeof rfc_request, &m, "", 0));
}

/* A byte flipped anywhere the HMAC covers (and the FINGERPRINT left
 * out, so that the parse succeeds) fails the integrity check. */
Test(stun, integrity_flipped_byte)
{
	uint8_t b[REQ_FP];
	struct ag_stun m;
	size_t i;

	memcpy(b, rfc_request, sizeof b);
	b[3] = REQ_FP - 20;
	cr_assert_eq(ag_stun_parse(b, sizeof b, &m, NULL), 0);
	cr_assert(!m.has_fingerprint && m.has_integrity);
	cr_assert(ag_stun_integrity_ok(b, sizeof b, &m, password, strlen(password)));
	for (i = 0; i < sizeof b; i++) {
		if (i == 2 || i == 3 || (i >= REQ_MI && i < REQ_MI + 4))
			continue;       /* the length is recomputed; MI's header is not signed */
		b[i] ^= 0x01;
		cr_assert(!ag_stun_integrity_ok(b, sizeof b, &m, password, strlen(password)),
		    "byte %zu", i);
		b[i] ^= 0x01;
	}
	/* The caller's buffer is not touched by the check. */
	cr_assert_arr_eq(b + 4, rfc_request + 4, sizeof b - 4);
	cr_assert_eq(b[3], REQ_FP - 20);
}

Test(stun, integrity_absent)
{
	struct msg w;
	struct ag_stun m;

	start(&w, AG_STUN_BINDING_REQUEST);
	add(&w, 0x0006, "a:b", 3);
	cr_assert_eq(ag_stun_parse(w.b, w.n, &m, NULL), 0);
	cr_assert(!m.has_integrity && !m.has_fingerprint);
	cr_assert(!ag_stun_integrity_ok(w.b, w.n, &m, password, strlen(password)));
}

Test(stun, fingerprint_bad)
{
	uint8_t b[sizeof rfc_request];
	struct ag_stun m;
	struct ag_error err = { 0 };
	size_t i;

	memcpy(b, rfc_request, sizeof b);
	for (i = 0; i < sizeof b; i++) {
		if (i == 0 || i == 2 || i == 3 || (i >= 4 && i < 8) ||
		    (i >= REQ_FP && i < REQ_FP + 4))
			continue;       /* type, length, cookie: other errors; FINGERPRINT's
					 * header: another attribute, ignored after MI */
		b[i] ^= 0x10;
		ag_error_clear(&err);
		cr_assert_eq(ag_stun_parse(b, sizeof b, &m, &err), -1, "byte %zu", i);
		cr_assert_eq(err.code, AG_EX_DATAERR);
		b[i] ^= 0x10;
	}
	b[sizeof b - 1] ^= 1;
	cr_assert_eq(ag_stun_parse(b, sizeof b, &m, &err), -1);
	cr_assert(strstr(err.msg, "FINGERPRINT") != NULL, "%s", err.msg);
}

Test(stun, fingerprint_not_last)
{
	struct msg w;
	struct ag_stun m;
	struct ag_error err = { 0 };
	uint8_t crc[4] = { 0 };

	start(&w, AG_STUN_BINDING_REQUEST);
	add(&w, 0x8028, crc, 4);
	add(&w, 0x0025, NULL, 0);
	cr_assert_eq(ag_stun_parse(w.b, w.n, &m, &err), -1);
	cr_assert(strstr(err.msg, "last") != NULL, "%s", err.msg);
}

/* ---- header and attribute bounds ---- */

Test(stun, header_checks)
{
	uint8_t b[sizeof rfc_request];
	struct ag_stun m;
	struct ag_error err = { 0 };
	size_t n;

	for (n = 0; n < sizeof b; n++)
		cr_assert_eq(ag_stun_parse(rfc_request, n, &m, &err), -1, "len %zu", n);
	memcpy(b, rfc_request, sizeof b);
	b[4] = 0x22;
	cr_assert_eq(ag_stun_parse(b, sizeof b, &m, &err), -1);
	cr_assert(strstr(err.msg, "cookie") != NULL, "%s", err.msg);
	memcpy(b, rfc_request, sizeof b);
	b[0] = 0x40;
	cr_assert_eq(ag_stun_parse(b, sizeof b, &m, &err), -1);
	memcpy(b, rfc_request, sizeof b);
	b[3] = 0x57;
	cr_assert_eq(ag_stun_parse(b, sizeof b - 1, &m, &err), -1, "a length not a multiple of 4");
	cr_assert(strstr(err.msg, "length") != NULL, "%s", err.msg);
}

/* Every prefix of the request with its length fixed up parses exactly
 * when it ends at an attribute's end. */
Test(stun, truncated_attributes)
{
	static const size_t ends[] = { 20, 40, 48, 60, 76, REQ_FP };
	uint8_t b[sizeof rfc_request];
	struct ag_stun m;
	struct ag_error err;
	size_t n, i;
	bool boundary;

	for (n = 20; n < sizeof rfc_request; n += 4) {
		memcpy(b, rfc_request, n);
		b[2] = (uint8_t)((n - 20) >> 8);
		b[3] = (uint8_t)(n - 20);
		boundary = false;
		for (i = 0; i < sizeof ends / sizeof ends[0]; i++)
			boundary = boundary || ends[i] == n;
		ag_error_clear(&err);
		cr_assert_eq(ag_stun_parse(b, n, &m, &err), boundary ? 0 : -1, "len %zu: %s", n,
		    err.msg);
		if (!boundary)
			cr_assert(strstr(err.msg, "overruns") != NULL, "%zu: %s", n, err.msg);
	}
}

Test(stun, attribute_overrun_and_padding)
{
	struct msg w;
	struct ag_stun m;
	struct ag_error err = { 0 };

	/* 9 bytes claimed, 8 there: the padding would lie past the end. */
	start(&w, AG_STUN_BINDING_REQUEST);
	add_claim(&w, 0x0006, "evtj:h6v", 8, 9);
	cr_assert_eq(ag_stun_parse(w.b, w.n, &m, &err), -1);
	cr_assert(strstr(err.msg, "overruns") != NULL, "%s", err.msg);
	/* 0xffff claimed */
	start(&w, AG_STUN_BINDING_REQUEST);
	add_claim(&w, 0x0006, "evtj:h6v", 8, 0xffff);
	cr_assert_eq(ag_stun_parse(w.b, w.n, &m, &err), -1);
}

Test(stun, attribute_lengths)
{
	static const struct {
		uint16_t type;
		size_t len;
	} bad[] = {
		{ 0x0024, 3 }, { 0x0024, 8 }, { 0x0025, 4 }, { 0x8029, 4 }, { 0x802a, 12 },
		{ 0x0008, 16 }, { 0x0008, 32 }, { 0x8028, 8 }, { 0x0009, 2 }, { 0x000a, 3 },
		{ 0x0020, 12 },
	};
	uint8_t zero[64] = { 0 };
	struct msg w;
	struct ag_stun m;
	struct ag_error err = { 0 };
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		start(&w, AG_STUN_BINDING_REQUEST);
		add(&w, bad[i].type, zero, bad[i].len);
		ag_error_clear(&err);
		cr_assert_eq(ag_stun_parse(w.b, w.n, &m, &err), -1, "0x%04x/%zu", bad[i].type,
		    bad[i].len);
		cr_assert_eq(err.code, AG_EX_DATAERR);
	}
}

Test(stun, ice_attributes)
{
	static const uint8_t prio[4] = { 0x6e, 0x7f, 0x1e, 0xff };
	static const uint8_t tb[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct msg w;
	struct ag_stun m;
	struct ag_error err = { 0 };

	start(&w, AG_STUN_BINDING_REQUEST);
	add(&w, 0x0006, "ours:theirs", 11);
	add(&w, 0x0024, prio, 4);
	add(&w, 0x0025, NULL, 0);
	add(&w, 0x802a, tb, 8);
	cr_assert_eq(ag_stun_parse(w.b, w.n, &m, &err), 0, "%s", err.msg);
	cr_assert_eq(m.username_len, 11);
	cr_assert_arr_eq(m.username, "ours:theirs", 11);
	cr_assert_eq(m.priority, 0x6e7f1effu);
	cr_assert(m.use_candidate && m.ice_controlling && !m.ice_controlled);
	cr_assert_eq(m.tiebreaker, 0x0102030405060708ull);
}

Test(stun, unknown_attributes)
{
	struct msg w;
	struct ag_stun m;
	struct ag_error err = { 0 };
	uint16_t t;

	start(&w, AG_STUN_BINDING_REQUEST);
	add(&w, 0x0003, "\0\0\0\0", 4);
	add(&w, 0xc057, "x", 1);        /* comprehension-optional: ignored */
	add(&w, 0x7fff, NULL, 0);
	cr_assert_eq(ag_stun_parse(w.b, w.n, &m, &err), 0, "%s", err.msg);
	cr_assert_eq(m.nunknown, 2);
	cr_assert_eq(m.unknown[0], 0x0003);
	cr_assert_eq(m.unknown[1], 0x7fff);
	/* More than the struct holds: the first AG_STUN_MAX_UNKNOWN. */
	start(&w, AG_STUN_BINDING_REQUEST);
	for (t = 0x0100; t < 0x0100 + 2 * AG_STUN_MAX_UNKNOWN; t++)
		add(&w, t, NULL, 0);
	cr_assert_eq(ag_stun_parse(w.b, w.n, &m, &err), 0, "%s", err.msg);
	cr_assert_eq(m.nunknown, AG_STUN_MAX_UNKNOWN);
	cr_assert_eq(m.unknown[AG_STUN_MAX_UNKNOWN - 1], 0x0100 + AG_STUN_MAX_UNKNOWN - 1);
}

/* RFC 8489 14.5: only FINGERPRINT counts after MESSAGE-INTEGRITY. */
Test(stun, after_integrity_ignored)
{
	uint8_t b[sizeof rfc_request + 4];
	struct ag_stun m;
	struct ag_error err = { 0 };
	uint32_t crc;

	memcpy(b, rfc_request, REQ_FP);
	b[REQ_FP] = 0x00;
	b[REQ_FP + 1] = 0x25;           /* USE-CANDIDATE */
	b[REQ_FP + 2] = 0;
	b[REQ_FP + 3] = 0;
	b[3] = sizeof b - 20;
	b[REQ_FP + 4] = 0x80;
	b[REQ_FP + 5] = 0x28;
	b[REQ_FP + 6] = 0;
	b[REQ_FP + 7] = 4;
	crc = ag_crc32(0, b, REQ_FP + 4) ^ 0x5354554eu;
	b[REQ_FP + 8] = (uint8_t)(crc >> 24);
	b[REQ_FP + 9] = (uint8_t)(crc >> 16);
	b[REQ_FP + 10] = (uint8_t)(crc >> 8);
	b[REQ_FP + 11] = (uint8_t)crc;
	cr_assert_eq(ag_stun_parse(b, sizeof b, &m, &err), 0, "%s", err.msg);
	cr_assert(m.has_fingerprint && m.has_integrity && !m.use_candidate);
	cr_assert(ag_stun_integrity_ok(b, sizeof b, &m, password, strlen(password)));
}

/* A check as a browser sends it (USERNAME "h6vY:evtj", ICE-CONTROLLING,
 * USE-CANDIDATE, PRIORITY), signed and fingerprinted by Python's hmac
 * and zlib: an implementation that shares no code with ours. */
Test(stun, independent_ice_check)
{
	static const uint8_t check[] = {
		0x00, 0x01, 0x00, 0x48, 0x21, 0x12, 0xa4, 0x42, 0x01, 0x02, 0x03, 0x04,
		0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x00, 0x06, 0x00, 0x09,
		0x68, 0x36, 0x76, 0x59, 0x3a, 0x65, 0x76, 0x74, 0x6a, 0x00, 0x00, 0x00,
		0x80, 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x25, 0x00, 0x00, 0x00, 0x24, 0x00, 0x04, 0x6e, 0x7f, 0x1e, 0xff,
		0x00, 0x08, 0x00, 0x14, 0x52, 0xdb, 0xf8, 0xd8, 0x57, 0x33, 0x37, 0xc4,
		0xf6, 0x2e, 0x65, 0x58, 0x25, 0xfb, 0x1b, 0x37, 0xbf, 0x5b, 0x9f, 0xc4,
		0x80, 0x28, 0x00, 0x04, 0xe1, 0xd7, 0x26, 0xe7,
	};
	struct ag_stun m;
	struct ag_error err = { 0 };

	cr_assert_eq(ag_stun_parse(check, sizeof check, &m, &err), 0, "%s", err.msg);
	cr_assert_eq(m.username_len, 9);
	cr_assert_arr_eq(m.username, "h6vY:evtj", 9);
	cr_assert(m.ice_controlling && m.use_candidate && m.has_fingerprint);
	cr_assert_eq(m.tiebreaker, 0);
	cr_assert_eq(m.priority, 0x6e7f1effu);
	cr_assert(ag_stun_integrity_ok(check, sizeof check, &m, password, strlen(password)));
}

/* ---- our responses ---- */

static void
check_ours(const uint8_t *b, size_t n, uint16_t type, const void *key, size_t keylen)
{
	struct ag_stun m;
	struct ag_error err = { 0 };

	cr_assert_eq(ag_stun_parse(b, n, &m, &err), 0, "%s", err.msg);
	cr_assert_eq(m.type, type);
	cr_assert_arr_eq(m.tid, rfc_tid, 12);
	cr_assert(m.has_fingerprint);
	cr_assert_eq(m.nunknown, 0);
	if (key != NULL) {
		cr_assert(m.has_integrity);
		cr_assert_eq(m.integrity_off, n - 8 - 24);
		cr_assert(ag_stun_integrity_ok(b, n, &m, key, keylen));
		cr_assert(!ag_stun_integrity_ok(b, n, &m, "wrong", 5));
	} else {
		cr_assert(!m.has_integrity);
	}
}

Test(stun, success_ipv4)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(32853) };
	uint8_t b[128];
	size_t n, cap;

	inet_pton(AF_INET, "192.0.2.1", &a.sin_addr);
	n = ag_stun_binding_success(b, sizeof b, rfc_tid, (struct sockaddr *)&a, password,
	    strlen(password));
	cr_assert_eq(n, 20 + 12 + 24 + 8);
	cr_assert_eq(rd16(b + 2), n - 20);
	/* XOR-MAPPED-ADDRESS as RFC 5769 writes it */
	cr_assert_arr_eq(b + 20, rfc_response_v4 + RESP_XMA, 12);
	check_ours(b, n, AG_STUN_BINDING_SUCCESS, password, strlen(password));
	for (cap = 0; cap < n; cap++)
		cr_assert_eq(ag_stun_binding_success(b, cap, rfc_tid, (struct sockaddr *)&a,
		    password, strlen(password)), 0, "cap %zu", cap);
}

Test(stun, success_ipv6_and_mapped)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(32853) };
	uint8_t b[128], b4[128];
	size_t n;
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(32853) };

	inet_pton(AF_INET6, "2001:db8:1234:5678:11:2233:4455:6677", &a.sin6_addr);
	n = ag_stun_binding_success(b, sizeof b, rfc_tid, (struct sockaddr *)&a, password,
	    strlen(password));
	cr_assert_eq(n, 20 + 24 + 24 + 8);
	cr_assert_arr_eq(b + 20, rfc_response_v6 + RESP_XMA, 24);
	check_ours(b, n, AG_STUN_BINDING_SUCCESS, password, strlen(password));
	cr_assert_eq(ag_stun_binding_success(b, n - 1, rfc_tid, (struct sockaddr *)&a, password,
	    strlen(password)), 0);

	/* ::ffff:192.0.2.1 is written as 192.0.2.1 */
	inet_pton(AF_INET6, "::ffff:192.0.2.1", &a.sin6_addr);
	inet_pton(AF_INET, "192.0.2.1", &a4.sin_addr);
	n = ag_stun_binding_success(b, sizeof b, rfc_tid, (struct sockaddr *)&a, "k", 1);
	cr_assert_eq(n, 64);
	cr_assert_eq(ag_stun_binding_success(b4, sizeof b4, rfc_tid, (struct sockaddr *)&a4,
	    "k", 1), 64);
	cr_assert_arr_eq(b, b4, 64);
}

Test(stun, success_other_family)
{
	struct sockaddr_un u = { .sun_family = AF_UNIX };
	uint8_t b[128];

	cr_assert_eq(ag_stun_binding_success(b, sizeof b, rfc_tid, (struct sockaddr *)&u, "k", 1),
	    0);
}

Test(stun, success_empty_key)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(9) };
	uint8_t b[128];
	struct ag_stun m;
	size_t n;

	n = ag_stun_binding_success(b, sizeof b, rfc_tid, (struct sockaddr *)&a, "", 0);
	cr_assert_eq(n, 64);
	cr_assert_eq(ag_stun_parse(b, n, &m, NULL), 0);
	cr_assert(ag_stun_integrity_ok(b, n, &m, "", 0));
	cr_assert(!ag_stun_integrity_ok(b, n, &m, "x", 1));
}

Test(stun, error_unknown_attributes)
{
	static const uint16_t unknown[3] = { 0x0003, 0x7fff, 0x0030 };
	static const uint8_t want[] = {
		0x00, 0x09, 0x00, 21, 0, 0, 4, 20,
		'U', 'n', 'k', 'n', 'o', 'w', 'n', ' ', 'A', 't', 't', 'r', 'i', 'b', 'u', 't',
		'e', 0, 0, 0,
		0x00, 0x0a, 0x00, 6, 0x00, 0x03, 0x7f, 0xff, 0x00, 0x30, 0, 0,
	};
	uint8_t b[256];
	size_t n, cap;

	n = ag_stun_binding_error(b, sizeof b, rfc_tid, 420, NULL, unknown, 3, password,
	    strlen(password));
	cr_assert_eq(n, 20 + sizeof want + 24 + 8);
	cr_assert_eq(rd16(b), AG_STUN_BINDING_ERROR);
	cr_assert_arr_eq(b + 20, want, sizeof want);
	check_ours(b, n, AG_STUN_BINDING_ERROR, password, strlen(password));
	for (cap = 0; cap < n; cap++)
		cr_assert_eq(ag_stun_binding_error(b, cap, rfc_tid, 420, NULL, unknown, 3, password,
		    strlen(password)), 0, "cap %zu", cap);
}

Test(stun, error_unsigned_and_reason)
{
	uint8_t b[256];
	size_t n;

	n = ag_stun_binding_error(b, sizeof b, rfc_tid, 487, "Role Conflict", NULL, 0, NULL, 0);
	cr_assert_eq(n, 20 + 4 + 4 + 16 + 8);
	cr_assert_eq(b[26], 4);
	cr_assert_eq(b[27], 87);
	cr_assert_arr_eq(b + 28, "Role Conflict\0\0\0", 16);
	check_ours(b, n, AG_STUN_BINDING_ERROR, NULL, 0);
	n = ag_stun_binding_error(b, sizeof b, rfc_tid, 400, "", NULL, 0, "k", 1);
	cr_assert_eq(n, 20 + 8 + 24 + 8);
	check_ours(b, n, AG_STUN_BINDING_ERROR, "k", 1);
}

Test(stun, error_refused)
{
	uint16_t many[AG_STUN_MAX_UNKNOWN + 1] = { 0 };
	char longreason[800];
	uint8_t b[2048];

	cr_assert_eq(ag_stun_binding_error(b, sizeof b, rfc_tid, 200, "x", NULL, 0, NULL, 0), 0);
	cr_assert_eq(ag_stun_binding_error(b, sizeof b, rfc_tid, 700, "x", NULL, 0, NULL, 0), 0);
	cr_assert_eq(ag_stun_binding_error(b, sizeof b, rfc_tid, 420, NULL, NULL, 1, NULL, 0), 0);
	cr_assert_eq(ag_stun_binding_error(b, sizeof b, rfc_tid, 420, NULL, many, -1, NULL, 0), 0);
	cr_assert_eq(ag_stun_binding_error(b, sizeof b, rfc_tid, 420, NULL, many,
	    AG_STUN_MAX_UNKNOWN + 1, NULL, 0), 0);
	memset(longreason, 'a', sizeof longreason - 1);
	longreason[sizeof longreason - 1] = '\0';
	cr_assert_eq(ag_stun_binding_error(b, sizeof b, rfc_tid, 400, longreason, NULL, 0, NULL,
	    0), 0);
}

/* ---- RFC 7983 ---- */

Test(stun, classify)
{
	uint8_t b[1] = { 0 };
	enum ag_pkt_kind want;
	int c;

	cr_assert_eq(ag_pkt_classify(b, 0), AG_PKT_OTHER);
	cr_assert_eq(ag_pkt_classify(rfc_request, sizeof rfc_request), AG_PKT_STUN);
	for (c = 0; c < 256; c++) {
		b[0] = (uint8_t)c;
		want = c <= 3 ? AG_PKT_STUN : c >= 20 && c <= 63 ? AG_PKT_DTLS :
		    c >= 128 && c <= 191 ? AG_PKT_RTP : AG_PKT_OTHER;
		cr_assert_eq(ag_pkt_classify(b, 1), want, "first byte %d", c);
	}
	b[0] = 3;
	cr_assert_eq(ag_pkt_classify(b, 1), AG_PKT_STUN);
	b[0] = 4;
	cr_assert_eq(ag_pkt_classify(b, 1), AG_PKT_OTHER);
	b[0] = 19;
	cr_assert_eq(ag_pkt_classify(b, 1), AG_PKT_OTHER);
	b[0] = 64;
	cr_assert_eq(ag_pkt_classify(b, 1), AG_PKT_OTHER);
	b[0] = 127;
	cr_assert_eq(ag_pkt_classify(b, 1), AG_PKT_OTHER);
	b[0] = 192;
	cr_assert_eq(ag_pkt_classify(b, 1), AG_PKT_OTHER);
}
