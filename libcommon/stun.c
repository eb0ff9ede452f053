/*
 * stun.c - the STUN of an ICE-lite endpoint (RFC 8489, RFC 8445) and
 * RFC 7983's first-byte demultiplexing.
 *
 * The parser trusts nothing: every attribute is checked against the
 * message's end before it is read, lengths are padded to 4 as the
 * wire has them, and the FINGERPRINT is recomputed.  The builders write
 * into the caller's buffer and sign with HMAC-SHA1 (OpenSSL's EVP_MAC).
 */
#include <netinet/in.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <string.h>

#include "be.h"
#include "stun.h"

#define MAGIC_COOKIE    0x2112a442u
#define FINGERPRINT_XOR 0x5354554eu

enum {
	ATTR_USERNAME = 0x0006,
	ATTR_MESSAGE_INTEGRITY = 0x0008,
	ATTR_ERROR_CODE = 0x0009,
	ATTR_UNKNOWN_ATTRIBUTES = 0x000a,
	ATTR_XOR_MAPPED_ADDRESS = 0x0020,
	ATTR_PRIORITY = 0x0024,
	ATTR_USE_CANDIDATE = 0x0025,
	ATTR_FINGERPRINT = 0x8028,
	ATTR_ICE_CONTROLLED = 0x8029,
	ATTR_ICE_CONTROLLING = 0x802a,
};

#define HMAC_LEN  20
#define MI_ATTR   (4 + HMAC_LEN)    /* MESSAGE-INTEGRITY with its header */
#define FP_ATTR   8                 /* FINGERPRINT with its header */
#define PAD4(n)   (((n) + 3) & ~(size_t)3)

enum ag_pkt_kind
ag_pkt_classify(const uint8_t *buf, size_t len)
{
	if (len == 0)
		return AG_PKT_OTHER;
	if (buf[0] <= 3)
		return AG_PKT_STUN;
	if (buf[0] >= 20 && buf[0] <= 63)
		return AG_PKT_DTLS;
	if (buf[0] >= 128 && buf[0] <= 191)
		return AG_PKT_RTP;
	return AG_PKT_OTHER;
}

/* The reflected CRC-32 of polynomial 0x04c11db7 (0xedb88320), by byte. */
static const uint32_t crc_table[256] = {
	0x00000000, 0x77073096, 0xee0e612c, 0x990951ba, 0x076dc419, 0x706af48f,
	0xe963a535, 0x9e6495a3, 0x0edb8832, 0x79dcb8a4, 0xe0d5e91e, 0x97d2d988,
	0x09b64c2b, 0x7eb17cbd, 0xe7b82d07, 0x90bf1d91, 0x1db71064, 0x6ab020f2,
	0xf3b97148, 0x84be41de, 0x1adad47d, 0x6ddde4eb, 0xf4d4b551, 0x83d385c7,
	0x136c9856, 0x646ba8c0, 0xfd62f97a, 0x8a65c9ec, 0x14015c4f, 0x63066cd9,
	0xfa0f3d63, 0x8d080df5, 0x3b6e20c8, 0x4c69105e, 0xd56041e4, 0xa2677172,
	0x3c03e4d1, 0x4b04d447, 0xd20d85fd, 0xa50ab56b, 0x35b5a8fa, 0x42b2986c,
	0xdbbbc9d6, 0xacbcf940, 0x32d86ce3, 0x45df5c75, 0xdcd60dcf, 0xabd13d59,
	0x26d930ac, 0x51de003a, 0xc8d75180, 0xbfd06116, 0x21b4f4b5, 0x56b3c423,
	0xcfba9599, 0xb8bda50f, 0x2802b89e, 0x5f058808, 0xc60cd9b2, 0xb10be924,
	0x2f6f7c87, 0x58684c11, 0xc1611dab, 0xb6662d3d, 0x76dc4190, 0x01db7106,
	0x98d220bc, 0xefd5102a, 0x71b18589, 0x06b6b51f, 0x9fbfe4a5, 0xe8b8d433,
	0x7807c9a2, 0x0f00f934, 0x9609a88e, 0xe10e9818, 0x7f6a0dbb, 0x086d3d2d,
	0x91646c97, 0xe6635c01, 0x6b6b51f4, 0x1c6c6162, 0x856530d8, 0xf262004e,
	0x6c0695ed, 0x1b01a57b, 0x8208f4c1, 0xf50fc457, 0x65b0d9c6, 0x12b7e950,
	0x8bbeb8ea, 0xfcb9887c, 0x62dd1ddf, 0x15da2d49, 0x8cd37cf3, 0xfbd44c65,
	0x4db26158, 0x3ab551ce, 0xa3bc0074, 0xd4bb30e2, 0x4adfa541, 0x3dd895d7,
	0xa4d1c46d, 0xd3d6f4fb, 0x4369e96a, 0x346ed9fc, 0xad678846, 0xda60b8d0,
	0x44042d73, 0x33031de5, 0xaa0a4c5f, 0xdd0d7cc9, 0x5005713c, 0x270241aa,
	0xbe0b1010, 0xc90c2086, 0x5768b525, 0x206f85b3, 0xb966d409, 0xce61e49f,
	0x5edef90e, 0x29d9c998, 0xb0d09822, 0xc7d7a8b4, 0x59b33d17, 0x2eb40d81,
	0xb7bd5c3b, 0xc0ba6cad, 0xedb88320, 0x9abfb3b6, 0x03b6e20c, 0x74b1d29a,
	0xead54739, 0x9dd277af, 0x04db2615, 0x73dc1683, 0xe3630b12, 0x94643b84,
	0x0d6d6a3e, 0x7a6a5aa8, 0xe40ecf0b, 0x9309ff9d, 0x0a00ae27, 0x7d079eb1,
	0xf00f9344, 0x8708a3d2, 0x1e01f268, 0x6906c2fe, 0xf762575d, 0x806567cb,
	0x196c3671, 0x6e6b06e7, 0xfed41b76, 0x89d32be0, 0x10da7a5a, 0x67dd4acc,
	0xf9b9df6f, 0x8ebeeff9, 0x17b7be43, 0x60b08ed5, 0xd6d6a3e8, 0xa1d1937e,
	0x38d8c2c4, 0x4fdff252, 0xd1bb67f1, 0xa6bc5767, 0x3fb506dd, 0x48b2364b,
	0xd80d2bda, 0xaf0a1b4c, 0x36034af6, 0x41047a60, 0xdf60efc3, 0xa867df55,
	0x316e8eef, 0x4669be79, 0xcb61b38c, 0xbc66831a, 0x256fd2a0, 0x5268e236,
	0xcc0c7795, 0xbb0b4703, 0x220216b9, 0x5505262f, 0xc5ba3bbe, 0xb2bd0b28,
	0x2bb45a92, 0x5cb36a04, 0xc2d7ffa7, 0xb5d0cf31, 0x2cd99e8b, 0x5bdeae1d,
	0x9b64c2b0, 0xec63f226, 0x756aa39c, 0x026d930a, 0x9c0906a9, 0xeb0e363f,
	0x72076785, 0x05005713, 0x95bf4a82, 0xe2b87a14, 0x7bb12bae, 0x0cb61b38,
	0x92d28e9b, 0xe5d5be0d, 0x7cdcefb7, 0x0bdbdf21, 0x86d3d2d4, 0xf1d4e242,
	0x68ddb3f8, 0x1fda836e, 0x81be16cd, 0xf6b9265b, 0x6fb077e1, 0x18b74777,
	0x88085ae6, 0xff0f6a70, 0x66063bca, 0x11010b5c, 0x8f659eff, 0xf862ae69,
	0x616bffd3, 0x166ccf45, 0xa00ae278, 0xd70dd2ee, 0x4e048354, 0x3903b3c2,
	0xa7672661, 0xd06016f7, 0x4969474d, 0x3e6e77db, 0xaed16a4a, 0xd9d65adc,
	0x40df0b66, 0x37d83bf0, 0xa9bcae53, 0xdebb9ec5, 0x47b2cf7f, 0x30b5ffe9,
	0xbdbdf21c, 0xcabac28a, 0x53b39330, 0x24b4a3a6, 0xbad03605, 0xcdd70693,
	0x54de5729, 0x23d967bf, 0xb3667a2e, 0xc4614ab8, 0x5d681b02, 0x2a6f2b94,
	0xb40bbe37, 0xc30c8ea1, 0x5a05df1b, 0x2d02ef8d,
};

uint32_t
ag_crc32(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	crc = ~crc;
	while (len-- > 0)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ crc >> 8;
	return ~crc;
}

/* HMAC-SHA1 with key of a (alen bytes) followed by b (blen bytes): the
 * 20 bytes at out.  0, or -1 when OpenSSL fails. */
static int
hmac_sha1(const void *key, size_t keylen, const uint8_t *a, size_t alen, const uint8_t *b,
    size_t blen, uint8_t *out)
{
	/* EVP_MAC_init() takes a NULL key as "keep the old one". */
	static const uint8_t empty_key[1];
	EVP_MAC *mac;
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	size_t outlen = 0;
	int rc = -1;

	if ((mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL)) == NULL)
		return -1;
	if ((ctx = EVP_MAC_CTX_new(mac)) == NULL)
		goto out;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA1", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(ctx, keylen > 0 ? key : empty_key, keylen, params) != 1 ||
	    EVP_MAC_update(ctx, a, alen) != 1 ||
	    (blen > 0 && EVP_MAC_update(ctx, b, blen) != 1) ||
	    EVP_MAC_final(ctx, out, &outlen, HMAC_LEN) != 1 || outlen != HMAC_LEN)
		goto out;
	rc = 0;
out:
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return rc;
}

/* An attribute's value has the wrong length; -1 with err. */
static int
bad_length(struct ag_error *err, uint16_t type, size_t len)
{
	return ag_error_set(err, AG_EX_DATAERR, "stun: attribute 0x%04x has a %zu-byte value",
	    type, len);
}

/* One attribute before MESSAGE-INTEGRITY: type t, value v of n bytes
 * (inside the message).  0, or -1 with err.  Of an attribute that comes
 * twice, the first counts (RFC 8489 14). */
static int
parse_attr(uint16_t t, const uint8_t *v, size_t n, struct ag_stun *m, struct ag_error *err)
{
	switch (t) {
	case ATTR_USERNAME:
		if (n > 763)
			return bad_length(err, t, n);
		if (m->username == NULL) {
			m->username = v;
			m->username_len = n;
		}
		break;
	case ATTR_PRIORITY:
		if (n != 4)
			return bad_length(err, t, n);
		if (m->priority == 0)
			m->priority = ag_rd32(v);
		break;
	case ATTR_USE_CANDIDATE:
		if (n != 0)
			return bad_length(err, t, n);
		m->use_candidate = true;
		break;
	case ATTR_ICE_CONTROLLED:
	case ATTR_ICE_CONTROLLING:
		if (n != 8)
			return bad_length(err, t, n);
		if (!m->ice_controlled && !m->ice_controlling)
			m->tiebreaker = ag_rdn(v, 8);
		if (t == ATTR_ICE_CONTROLLED)
			m->ice_controlled = true;
		else
			m->ice_controlling = true;
		break;
	case ATTR_ERROR_CODE:
		if (n < 4 || n > 4 + 763)
			return bad_length(err, t, n);
		break;
	case ATTR_UNKNOWN_ATTRIBUTES:
		if (n % 2 != 0)
			return bad_length(err, t, n);
		break;
	case ATTR_XOR_MAPPED_ADDRESS:
		if (n != 8 && n != 20)
			return bad_length(err, t, n);
		break;
	default:
		if (t < 0x8000 && m->nunknown < AG_STUN_MAX_UNKNOWN)
			m->unknown[m->nunknown++] = t;
		break;
	}
	return 0;
}

int
ag_stun_parse(const uint8_t *buf, size_t len, struct ag_stun *m, struct ag_error *err)
{
	size_t off, n;
	uint16_t t;

	memset(m, 0, sizeof *m);
	if (len < AG_STUN_HEADER)
		return ag_error_set(err, AG_EX_DATAERR, "stun: short message (%zu bytes)", len);
	if ((buf[0] & 0xc0) != 0)
		return ag_error_set(err, AG_EX_DATAERR, "stun: first byte 0x%02x", buf[0]);
	if (ag_rd32(buf + 4) != MAGIC_COOKIE)
		return ag_error_set(err, AG_EX_DATAERR, "stun: no magic cookie");
	if ((size_t)ag_rd16(buf + 2) + AG_STUN_HEADER != len || len % 4 != 0)
		return ag_error_set(err, AG_EX_DATAERR, "stun: length %u in a %zu-byte message",
		    (unsigned)ag_rd16(buf + 2), len);
	m->type = ag_rd16(buf);
	memcpy(m->tid, buf + 8, sizeof m->tid);
	/* len and off are multiples of 4: an attribute header always fits. */
	for (off = AG_STUN_HEADER; off < len; off += 4 + PAD4(n)) {
		t = ag_rd16(buf + off);
		n = ag_rd16(buf + off + 2);
		if (PAD4(n) > len - off - 4)
			return ag_error_set(err, AG_EX_DATAERR,
			    "stun: attribute 0x%04x of %zu bytes overruns the message", t, n);
		if (t == ATTR_FINGERPRINT) {
			if (n != 4)
				return bad_length(err, t, n);
			if (off + FP_ATTR != len)
				return ag_error_set(err, AG_EX_DATAERR,
				    "stun: FINGERPRINT is not the last attribute");
			if (ag_rd32(buf + off + 4) != (ag_crc32(0, buf, off) ^ FINGERPRINT_XOR))
				return ag_error_set(err, AG_EX_DATAERR, "stun: wrong FINGERPRINT");
			m->has_fingerprint = true;
		} else if (m->has_integrity) {
			continue;       /* RFC 8489 14.5: ignored after MESSAGE-INTEGRITY */
		} else if (t == ATTR_MESSAGE_INTEGRITY) {
			if (n != HMAC_LEN)
				return bad_length(err, t, n);
			m->has_integrity = true;
			m->integrity_off = off;
		} else if (parse_attr(t, buf + off + 4, n, m, err) != 0) {
			return -1;
		}
	}
	return 0;
}

bool
ag_stun_integrity_ok(const uint8_t *buf, size_t len, const struct ag_stun *m,
    const void *key, size_t keylen)
{
	uint8_t hdr[AG_STUN_HEADER], mac[HMAC_LEN];
	size_t off = m->integrity_off;

	if (!m->has_integrity || off < AG_STUN_HEADER || off > len || len - off < MI_ATTR ||
	    off - AG_STUN_HEADER + MI_ATTR > 0xffff)
		return false;
	/* The length the signer saw: the message up to and with MESSAGE-INTEGRITY. */
	memcpy(hdr, buf, sizeof hdr);
	ag_wr16(hdr + 2, (uint16_t)(off - AG_STUN_HEADER + MI_ATTR));
	if (hmac_sha1(key, keylen, hdr, sizeof hdr, buf + AG_STUN_HEADER, off - AG_STUN_HEADER,
	    mac) != 0)
		return false;
	return CRYPTO_memcmp(mac, buf + off + 4, HMAC_LEN) == 0;
}

static void
put_header(uint8_t *out, uint16_t type, const uint8_t tid[12])
{
	ag_wr16(out, type);
	ag_wr16(out + 2, 0);
	ag_wr32(out + 4, MAGIC_COOKIE);
	memcpy(out + 8, tid, 12);
}

/* Zero bytes after the n at out up to a multiple of 4; the new length. */
static size_t
pad4(uint8_t *out, size_t n)
{
	while (n % 4 != 0)
		out[n++] = 0;
	return n;
}

/*
 * End the message of len bytes at out: MESSAGE-INTEGRITY with key when
 * key is not NULL, then FINGERPRINT, each computed with the header's
 * length covering it (RFC 8489 14.5, 14.7).  The caller checked the
 * room.  The new length, or 0 when OpenSSL fails.
 */
static size_t
sign(uint8_t *out, size_t len, const void *key, size_t keylen)
{
	if (key != NULL) {
		ag_wr16(out + 2, (uint16_t)(len - AG_STUN_HEADER + MI_ATTR));
		ag_wr16(out + len, ATTR_MESSAGE_INTEGRITY);
		ag_wr16(out + len + 2, HMAC_LEN);
		if (hmac_sha1(key, keylen, out, len, NULL, 0, out + len + 4) != 0)
			return 0;
		len += MI_ATTR;
	}
	ag_wr16(out + 2, (uint16_t)(len - AG_STUN_HEADER + FP_ATTR));
	ag_wr16(out + len, ATTR_FINGERPRINT);
	ag_wr16(out + len + 2, 4);
	ag_wr32(out + len + 4, ag_crc32(0, out, len) ^ FINGERPRINT_XOR);
	return len + FP_ATTR;
}

/* The address (4 or 16 bytes, network order) and port of sa; 0 when
 * it is neither IPv4 nor IPv6.  A v4-mapped IPv6 address gives 4. */
static size_t
sockaddr_bytes(const struct sockaddr *sa, uint8_t addr[16], uint16_t *port)
{
	struct sockaddr_in a4;
	struct sockaddr_in6 a6;

	/* Copies: the caller's storage need not be aligned for either type. */
	if (sa->sa_family == AF_INET) {
		memcpy(&a4, sa, sizeof a4);
		memcpy(addr, &a4.sin_addr, 4);
		*port = ag_rd16((const uint8_t *)&a4.sin_port);
		return 4;
	}
	if (sa->sa_family != AF_INET6)
		return 0;
	memcpy(&a6, sa, sizeof a6);
	*port = ag_rd16((const uint8_t *)&a6.sin6_port);
	if (IN6_IS_ADDR_V4MAPPED(&a6.sin6_addr)) {
		memcpy(addr, a6.sin6_addr.s6_addr + 12, 4);
		return 4;
	}
	memcpy(addr, a6.sin6_addr.s6_addr, 16);
	return 16;
}

size_t
ag_stun_binding_success(uint8_t *out, size_t cap, const uint8_t tid[12],
    const struct sockaddr *mapped, const void *key, size_t keylen)
{
	uint8_t addr[16], mask[16];
	uint16_t port = 0;
	size_t alen, i, n = AG_STUN_HEADER;

	if ((alen = sockaddr_bytes(mapped, addr, &port)) == 0)
		return 0;
	if (cap < n + 8 + alen + (key != NULL ? MI_ATTR : 0) + FP_ATTR)
		return 0;
	put_header(out, AG_STUN_BINDING_SUCCESS, tid);
	/* RFC 8489 14.2: port and address xor the cookie (and the tid). */
	ag_wr32(mask, MAGIC_COOKIE);
	memcpy(mask + 4, tid, 12);
	ag_wr16(out + n, ATTR_XOR_MAPPED_ADDRESS);
	ag_wr16(out + n + 2, (uint16_t)(4 + alen));
	out[n + 4] = 0;
	out[n + 5] = alen == 4 ? 1 : 2;
	ag_wr16(out + n + 6, (uint16_t)(port ^ MAGIC_COOKIE >> 16));
	for (i = 0; i < alen; i++)
		out[n + 8 + i] = addr[i] ^ mask[i];
	return sign(out, n + 8 + alen, key, keylen);
}

/* The reason phrase RFC 8489 and RFC 8445 give to code, or "". */
static const char *
default_reason(int code)
{
	switch (code) {
	case 400: return "Bad Request";
	case 401: return "Unauthenticated";
	case 420: return "Unknown Attribute";
	case 487: return "Role Conflict";
	case 500: return "Server Error";
	default: return "";
	}
}

size_t
ag_stun_binding_error(uint8_t *out, size_t cap, const uint8_t tid[12], int code,
    const char *reason, const uint16_t *unknown, int nunknown, const void *key, size_t keylen)
{
	size_t rlen, need, n = AG_STUN_HEADER;
	int i;

	if (code < 300 || code > 699 || nunknown < 0 || nunknown > AG_STUN_MAX_UNKNOWN ||
	    (nunknown > 0 && unknown == NULL))
		return 0;
	if (reason == NULL)
		reason = default_reason(code);
	/* RFC 8489 14.8: fewer than 128 characters, at most 763 bytes. */
	if ((rlen = strnlen(reason, 764)) > 763)
		return 0;
	need = n + 4 + PAD4(4 + rlen) + (nunknown > 0 ? 4 + PAD4(2 * (size_t)nunknown) : 0) +
	    (key != NULL ? MI_ATTR : 0) + FP_ATTR;
	if (cap < need)
		return 0;
	put_header(out, AG_STUN_BINDING_ERROR, tid);
	ag_wr16(out + n, ATTR_ERROR_CODE);
	ag_wr16(out + n + 2, (uint16_t)(4 + rlen));
	ag_wr16(out + n + 4, 0);
	out[n + 6] = (uint8_t)(code / 100);
	out[n + 7] = (uint8_t)(code % 100);
	memcpy(out + n + 8, reason, rlen);
	n = pad4(out, n + 8 + rlen);
	if (nunknown > 0) {
		ag_wr16(out + n, ATTR_UNKNOWN_ATTRIBUTES);
		ag_wr16(out + n + 2, (uint16_t)(2 * nunknown));
		for (i = 0; i < nunknown; i++)
			ag_wr16(out + n + 4 + 2 * (size_t)i, unknown[i]);
		n = pad4(out, n + 4 + 2 * (size_t)nunknown);
	}
	return sign(out, n, key, keylen);
}
