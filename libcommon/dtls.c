/*
 * dtls.c - DTLS-SRTP as the DTLS 1.2 server, through OpenSSL over memory
 * BIOs.  What OpenSSL writes is cut at record boundaries, one record a
 * datagram; handshake messages longer than the MTU are fragmented by
 * OpenSSL itself (the MTU is set and never queried from the memory BIO).
 */
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dtls.h"

#define MTU 1200                /* below any path's, with IP and UDP headers */
#define FP_MAX (8 + 64 * 3)     /* "sha-512 " and 64 hex pairs with colons */
#define SRTP_PROFILES "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80"

struct ag_dtls_cert {
	X509 *x509;
	EVP_PKEY *key;
	char fp[FP_MAX];            /* "sha-256 AB:CD:..." */
};

struct ag_dtls {
	SSL_CTX *ctx;
	SSL *ssl;
	BIO *rbio, *wbio;           /* owned by ssl */
	ag_dtls_send_fn *send;
	void *arg;
	const EVP_MD *md;           /* the offer's fingerprint algorithm */
	char fp_alg[16];
	char fp[FP_MAX];            /* the offer's fingerprint (hex with colons) */
	enum ag_dtls_state state;
	char error[2 * FP_MAX + 256];
	enum ag_srtp_suite suite;
	uint8_t rx_key[AG_SRTP_MAX_KEY], tx_key[AG_SRTP_MAX_KEY];
};

/* OpenSSL's oldest queued error as text after what, into buf (n bytes),
 * and the queue cleared. */
static void
ssl_error_text(char *buf, size_t n, const char *what)
{
	char e[256];
	unsigned long code = ERR_get_error();

	if (code == 0)
		snprintf(buf, n, "%s", what);
	else {
		ERR_error_string_n(code, e, sizeof e);
		snprintf(buf, n, "%s: %s", what, e);
	}
	ERR_clear_error();
}

/* Set err from OpenSSL's error queue; returns NULL. */
static void *
ssl_error(struct ag_error *err, int code, const char *what)
{
	char msg[sizeof err->msg];

	ssl_error_text(msg, sizeof msg, what);
	ag_error_set(err, code, "%s", msg);
	return NULL;
}

/* The digest of x509 with md as "AB:CD:..." into out (FP_MAX bytes).
 * Returns 0, or -1. */
static int
fingerprint(X509 *x509, const EVP_MD *md, char *out)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int n, i;

	if (X509_digest(x509, md, d, &n) != 1 || n * 3 > FP_MAX)
		return -1;
	for (i = 0; i < n; i++)
		snprintf(out + 3 * i, 4, "%02X%s", d[i], i + 1 < n ? ":" : "");
	if (n == 0)
		out[0] = '\0';
	return 0;
}

/* The cert's own "sha-256 ..." fingerprint; returns cert, or NULL with err
 * (cert freed). */
static struct ag_dtls_cert *
cert_finish(struct ag_dtls_cert *cert, struct ag_error *err)
{
	memcpy(cert->fp, "sha-256 ", 8);
	if (fingerprint(cert->x509, EVP_sha256(), cert->fp + 8) < 0) {
		ssl_error(err, AG_EX_FAIL, "cannot take the certificate's fingerprint");
		ag_dtls_cert_free(cert);
		return NULL;
	}
	return cert;
}

/* A positive random 128-bit serial number into x509.  Returns 0, or -1. */
static int
random_serial(X509 *x509)
{
	unsigned char r[16];
	BIGNUM *bn;
	int ok;

	if (RAND_bytes(r, sizeof r) != 1)
		return -1;
	r[0] &= 0x7f;
	r[0] |= 0x01;               /* 16 significant bytes */
	if ((bn = BN_bin2bn(r, sizeof r, NULL)) == NULL)
		return -1;
	ok = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x509)) != NULL;
	BN_free(bn);
	return ok ? 0 : -1;
}

struct ag_dtls_cert *
ag_dtls_cert_generate(struct ag_error *err)
{
	struct ag_dtls_cert *cert;
	X509_NAME *name;

	if ((cert = calloc(1, sizeof *cert)) == NULL) {
		ag_error_set(err, AG_EX_FAIL, "out of memory");
		return NULL;
	}
	ERR_clear_error();
	if ((cert->key = EVP_EC_gen("P-256")) == NULL || (cert->x509 = X509_new()) == NULL ||
	    X509_set_version(cert->x509, 2) != 1 || random_serial(cert->x509) < 0 ||
	    X509_gmtime_adj(X509_getm_notBefore(cert->x509), -30L * 86400) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(cert->x509), 365L * 86400) == NULL ||
	    X509_set_pubkey(cert->x509, cert->key) != 1 ||
	    (name = X509_get_subject_name(cert->x509)) == NULL ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"agrec", -1, -1, 0) != 1 ||
	    X509_set_issuer_name(cert->x509, name) != 1 ||
	    X509_sign(cert->x509, cert->key, EVP_sha256()) == 0) {
		ssl_error(err, AG_EX_FAIL, "cannot make a DTLS certificate");
		ag_dtls_cert_free(cert);
		return NULL;
	}
	return cert_finish(cert, err);
}

struct ag_dtls_cert *
ag_dtls_cert_load(const char *path, struct ag_error *err)
{
	struct ag_dtls_cert *cert;
	BIO *b;
	char what[512];

	if ((cert = calloc(1, sizeof *cert)) == NULL) {
		ag_error_set(err, AG_EX_FAIL, "out of memory");
		return NULL;
	}
	ERR_clear_error();
	/* Two passes: PEM_read_bio_* skip the blocks of other kinds, so the
	 * certificate and the key may come in either order. */
	snprintf(what, sizeof what, "%s: no PEM certificate", path);
	if ((b = BIO_new_file(path, "r")) != NULL) {
		cert->x509 = PEM_read_bio_X509(b, NULL, NULL, NULL);
		BIO_free(b);
		if (cert->x509 != NULL) {
			snprintf(what, sizeof what, "%s: no PEM private key", path);
			if ((b = BIO_new_file(path, "r")) != NULL) {
				cert->key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
				BIO_free(b);
			}
		}
	}
	if (cert->x509 == NULL || cert->key == NULL) {
		ssl_error(err, AG_EX_DATAERR, what);
		ag_dtls_cert_free(cert);
		return NULL;
	}
	if (X509_check_private_key(cert->x509, cert->key) != 1) {
		ERR_clear_error();
		ag_error_set(err, AG_EX_DATAERR, "%s: the private key does not match the certificate",
		    path);
		ag_dtls_cert_free(cert);
		return NULL;
	}
	return cert_finish(cert, err);
}

const char *
ag_dtls_cert_fingerprint(const struct ag_dtls_cert *cert)
{
	return cert->fp;
}

void
ag_dtls_cert_free(struct ag_dtls_cert *cert)
{
	if (cert == NULL)
		return;
	X509_free(cert->x509);
	EVP_PKEY_free(cert->key);
	free(cert);
}

/*
 * The peer's certificate is self-signed: what vouches for it is the
 * fingerprint of its offer.  It is checked here, during the handshake,
 * so that a peer with another certificate gets an alert and no keys
 * (check_peer checks again once the handshake is done).
 */
static int
verify_peer(int preverify, X509_STORE_CTX *store)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct ag_dtls *d = ssl != NULL ? SSL_get_app_data(ssl) : NULL;
	X509 *peer = X509_STORE_CTX_get_current_cert(store);
	char got[FP_MAX];

	if (X509_STORE_CTX_get_error_depth(store) != 0)
		return 1;   /* a chain above the leaf: only the leaf's fingerprint counts */
	if (d == NULL || peer == NULL || fingerprint(peer, d->md, got) < 0)
		return 0;
	if (strcasecmp(got, d->fp) != 0) {
		snprintf(d->error, sizeof d->error, "DTLS: the peer's certificate has fingerprint "
		    "%s %s, the offer says %s %s", d->fp_alg, got, d->fp_alg, d->fp);
		return 0;
	}
	return 1;
}

/* The digest an offer's a=fingerprint names, or NULL. */
static const EVP_MD *
fp_digest(const char *alg)
{
	static const struct {
		const char *name;
		const EVP_MD *(*md)(void);
	} mds[] = {
		{ "sha-256", EVP_sha256 }, { "sha-1", EVP_sha1 }, { "sha-384", EVP_sha384 },
		{ "sha-512", EVP_sha512 },
	};
	size_t i;

	for (i = 0; i < sizeof mds / sizeof mds[0]; i++)
		if (strcasecmp(alg, mds[i].name) == 0)
			return mds[i].md();
	return NULL;
}

/* The context and connection of d with cert.  Returns 0, or -1 with err. */
static int
dtls_setup(struct ag_dtls *d, struct ag_dtls_cert *cert, struct ag_error *err)
{
	ERR_clear_error();
	if ((d->ctx = SSL_CTX_new(DTLS_server_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(d->ctx, DTLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(d->ctx, DTLS1_2_VERSION) != 1 ||
	    SSL_CTX_use_certificate(d->ctx, cert->x509) != 1 ||
	    SSL_CTX_use_PrivateKey(d->ctx, cert->key) != 1 ||
	    SSL_CTX_set_tlsext_use_srtp(d->ctx, SRTP_PROFILES) != 0) {
		ssl_error(err, AG_EX_FAIL, "cannot set up DTLS");
		return -1;
	}
	SSL_CTX_set_verify(d->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_peer);
	SSL_CTX_set_options(d->ctx, SSL_OP_NO_QUERY_MTU);
	if ((d->ssl = SSL_new(d->ctx)) == NULL || (d->rbio = BIO_new(BIO_s_mem())) == NULL) {
		ssl_error(err, AG_EX_FAIL, "cannot set up DTLS");
		return -1;
	}
	if ((d->wbio = BIO_new(BIO_s_mem())) == NULL) {
		BIO_free(d->rbio);
		ssl_error(err, AG_EX_FAIL, "cannot set up DTLS");
		return -1;
	}
	/* An empty read BIO means "wait for the next datagram", not EOF. */
	BIO_set_mem_eof_return(d->rbio, -1);
	BIO_set_mem_eof_return(d->wbio, -1);
	SSL_set_bio(d->ssl, d->rbio, d->wbio);
	SSL_set_mtu(d->ssl, MTU);   /* the datagram's payload */
	SSL_set_app_data(d->ssl, d);
	SSL_set_accept_state(d->ssl);
	return 0;
}

struct ag_dtls *
ag_dtls_new(struct ag_dtls_cert *cert, const char *fp_alg, const char *fp,
    ag_dtls_send_fn *send, void *arg, struct ag_error *err)
{
	struct ag_dtls *d;
	const EVP_MD *md;

	if ((md = fp_digest(fp_alg)) == NULL) {
		ag_error_set(err, AG_EX_DATAERR, "fingerprint algorithm '%s' is not supported",
		    fp_alg);
		return NULL;
	}
	if (strlen(fp) >= FP_MAX || strlen(fp_alg) >= sizeof d->fp_alg) {
		ag_error_set(err, AG_EX_DATAERR, "the offer's fingerprint is too long");
		return NULL;
	}
	if ((d = calloc(1, sizeof *d)) == NULL) {
		ag_error_set(err, AG_EX_FAIL, "out of memory");
		return NULL;
	}
	d->send = send;
	d->arg = arg;
	d->md = md;
	snprintf(d->fp_alg, sizeof d->fp_alg, "%s", fp_alg);
	snprintf(d->fp, sizeof d->fp, "%s", fp);
	d->state = AG_DTLS_HANDSHAKE;
	if (dtls_setup(d, cert, err) < 0) {
		ag_dtls_free(d);
		return NULL;
	}
	return d;
}

/* Send what OpenSSL wrote, a record a datagram, as OpenSSL does over
 * UDP: an OpenSSL peer drops the rest of a datagram after a record it
 * does not take (one of a flight it has already seen). */
static void
flush(struct ag_dtls *d)
{
	char *data;
	long n = BIO_get_mem_data(d->wbio, &data);
	size_t off = 0, rec;

	if (n <= 0)
		return;
	while (off < (size_t)n) {
		/* 13 bytes of header, the length in the last two */
		rec = (size_t)n - off;
		if (rec >= 13 && 13 + ((size_t)(uint8_t)data[off + 11] << 8 |
		    (uint8_t)data[off + 12]) < rec)
			rec = 13 + ((size_t)(uint8_t)data[off + 11] << 8 | (uint8_t)data[off + 12]);
		d->send(d->arg, (const uint8_t *)data + off, rec);
		off += rec;
	}
	(void)BIO_reset(d->wbio);
}

/* Fail d with a message; returns AG_DTLS_FAILED. */
static enum ag_dtls_state
fail(struct ag_dtls *d, const char *msg)
{
	snprintf(d->error, sizeof d->error, "%s", msg);
	return d->state = AG_DTLS_FAILED;
}

/* Check the peer's certificate against the offer.  Returns 0, or -1 with
 * d failed. */
static int
check_peer(struct ag_dtls *d)
{
	X509 *peer = SSL_get1_peer_certificate(d->ssl);
	char got[FP_MAX];
	int r;

	if (peer == NULL) {
		fail(d, "DTLS: the peer sent no certificate");
		return -1;
	}
	r = fingerprint(peer, d->md, got);
	X509_free(peer);
	if (r < 0) {
		fail(d, "DTLS: cannot take the fingerprint of the peer's certificate");
		return -1;
	}
	if (strcasecmp(got, d->fp) != 0) {
		snprintf(d->error, sizeof d->error, "DTLS: the peer's certificate has fingerprint "
		    "%s %s, the offer says %s %s", d->fp_alg, got, d->fp_alg, d->fp);
		d->state = AG_DTLS_FAILED;
		return -1;
	}
	return 0;
}

/* The suite and keys of a finished handshake (RFC 5764 4.2).  Returns 0,
 * or -1 with d failed. */
static int
export_keys(struct ag_dtls *d)
{
	SRTP_PROTECTION_PROFILE *p = SSL_get_selected_srtp_profile(d->ssl);
	uint8_t m[2 * AG_SRTP_MAX_KEY];
	size_t klen = 16, slen;

	if (p == NULL) {
		fail(d, "DTLS: the peer offered none of SRTP_AEAD_AES_128_GCM, "
		    "SRTP_AES128_CM_SHA1_80 (use_srtp)");
		return -1;
	}
	if (p->id == SRTP_AEAD_AES_128_GCM)
		d->suite = AG_SRTP_AEAD_AES_128_GCM;
	else if (p->id == SRTP_AES128_CM_SHA1_80)
		d->suite = AG_SRTP_AES_CM_128_HMAC_SHA1_80;
	else if (p->id == SRTP_AES128_CM_SHA1_32)
		d->suite = AG_SRTP_AES_CM_128_HMAC_SHA1_32;
	else {
		fail(d, "DTLS: an SRTP profile that is not supported was selected");
		return -1;
	}
	slen = ag_srtp_key_len(d->suite) - klen;
	if (SSL_export_keying_material(d->ssl, m, 2 * (klen + slen), "EXTRACTOR-dtls_srtp", 19,
	    NULL, 0, 0) != 1) {
		ssl_error_text(d->error, sizeof d->error, "DTLS: cannot export the SRTP keys");
		d->state = AG_DTLS_FAILED;
		return -1;
	}
	/* client key | server key | client salt | server salt */
	memcpy(d->rx_key, m, klen);
	memcpy(d->tx_key, m + klen, klen);
	memcpy(d->rx_key + klen, m + 2 * klen, slen);
	memcpy(d->tx_key + klen, m + 2 * klen + slen, slen);
	OPENSSL_cleanse(m, sizeof m);
	return 0;
}

/* After SSL call returned r: the state, d failed on an error. */
static enum ag_dtls_state
after_call(struct ag_dtls *d, int r, const char *what)
{
	int e = SSL_get_error(d->ssl, r);

	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return d->state;
	if (e == SSL_ERROR_ZERO_RETURN)
		return d->state = AG_DTLS_CLOSED;
	if (d->error[0] == '\0')   /* verify_peer may have said why already */
		ssl_error_text(d->error, sizeof d->error, what);
	return d->state = AG_DTLS_FAILED;
}

/* Go on with the handshake or read past it; sends what is due. */
static enum ag_dtls_state
step(struct ag_dtls *d)
{
	uint8_t junk[2048];
	int r;

	ERR_clear_error();
	if (d->state == AG_DTLS_HANDSHAKE) {
		r = SSL_do_handshake(d->ssl);
		flush(d);
		if (r != 1)
			return after_call(d, r, "DTLS handshake");
		if (check_peer(d) < 0 || export_keys(d) < 0)
			return d->state;
		d->state = AG_DTLS_DONE;
	}
	/* Application data is dropped; reading also answers a retransmitted
	 * last flight of the peer's. */
	while ((r = SSL_read(d->ssl, junk, sizeof junk)) > 0)
		;
	flush(d);
	return after_call(d, r, "DTLS");
}

enum ag_dtls_state
ag_dtls_input(struct ag_dtls *d, const uint8_t *buf, size_t len)
{
	if (d->state == AG_DTLS_FAILED || d->state == AG_DTLS_CLOSED)
		return d->state;
	if (len > 0 && BIO_write(d->rbio, buf, (int)len) != (int)len)
		return fail(d, "DTLS: out of memory");
	return step(d);
}

int
ag_dtls_timeout_ms(struct ag_dtls *d)
{
	struct timeval tv;

	if (d->state != AG_DTLS_HANDSHAKE || DTLSv1_get_timeout(d->ssl, &tv) != 1)
		return -1;
	return (int)(tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000);
}

enum ag_dtls_state
ag_dtls_tick(struct ag_dtls *d)
{
	if (d->state != AG_DTLS_HANDSHAKE)
		return d->state;
	ERR_clear_error();
	if (DTLSv1_handle_timeout(d->ssl) < 0) {
		flush(d);
		ssl_error_text(d->error, sizeof d->error, "DTLS: the handshake timed out");
		return d->state = AG_DTLS_FAILED;
	}
	flush(d);
	return d->state;
}

const char *
ag_dtls_error(const struct ag_dtls *d)
{
	return d->state == AG_DTLS_FAILED ? d->error : "";
}

int
ag_dtls_keys(const struct ag_dtls *d, enum ag_srtp_suite *suite, uint8_t *rx_key,
    uint8_t *tx_key)
{
	if (d->state != AG_DTLS_DONE)
		return -1;
	*suite = d->suite;
	memcpy(rx_key, d->rx_key, ag_srtp_key_len(d->suite));
	memcpy(tx_key, d->tx_key, ag_srtp_key_len(d->suite));
	return 0;
}

void
ag_dtls_free(struct ag_dtls *d)
{
	if (d == NULL)
		return;
	if (d->ssl != NULL && d->state == AG_DTLS_DONE) {
		ERR_clear_error();
		SSL_shutdown(d->ssl);
		flush(d);
	}
	SSL_free(d->ssl);
	SSL_CTX_free(d->ctx);
	OPENSSL_cleanse(d->rx_key, sizeof d->rx_key);
	OPENSSL_cleanse(d->tx_key, sizeof d->tx_key);
	ERR_clear_error();
	free(d);
}
