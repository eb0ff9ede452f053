/*
 * test_dtls.c - DTLS-SRTP (dtls.h) against a real OpenSSL DTLS client in
 * memory: the handshake, the exported keys on both sides, the suite,
 * SRTP with those keys, a fingerprint mismatch, a lost flight and its
 * retransmission; certificates made and loaded.
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <srtp2/srtp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dtls.h"
#include "srtp.h"

#define MAXQ 64

/* Datagrams one side sent, waiting for the other. */
struct queue {
	uint8_t *buf[MAXQ];
	size_t len[MAXQ];
	int n;
	bool drop;                  /* lose what is sent */
};

static void
queue_send(void *arg, const uint8_t *buf, size_t len)
{
	struct queue *q = arg;

	cr_assert_leq(len, 1200, "a datagram of %zu bytes", len);
	if (q->drop)
		return;
	cr_assert_lt(q->n, MAXQ);
	q->buf[q->n] = malloc(len);
	memcpy(q->buf[q->n], buf, len);
	q->len[q->n++] = len;
}

/* A self-signed EC certificate and its key. */
static void
make_cert(X509 **x509, EVP_PKEY **key)
{
	X509_NAME *name;

	*key = EVP_EC_gen("P-256");
	cr_assert_not_null(*key);
	*x509 = X509_new();
	X509_set_version(*x509, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(*x509), 7);
	X509_gmtime_adj(X509_getm_notBefore(*x509), -3600);
	X509_gmtime_adj(X509_getm_notAfter(*x509), 3600);
	X509_set_pubkey(*x509, *key);
	name = X509_get_subject_name(*x509);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"client", -1,
	    -1, 0);
	X509_set_issuer_name(*x509, name);
	cr_assert_neq(X509_sign(*x509, *key, EVP_sha256()), 0);
}

/* "AB:CD:..." of x509 with md. */
static void
hex_fp(X509 *x509, const EVP_MD *md, char *out)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int n, i;

	cr_assert_eq(X509_digest(x509, md, d, &n), 1);
	for (i = 0; i < n; i++)
		sprintf(out + 3 * i, "%02X%s", d[i], i + 1 < n ? ":" : "");
}

static int
accept_all(int ok, X509_STORE_CTX *c)
{
	return 1;
}

struct client {
	SSL_CTX *ctx;
	SSL *ssl;
	BIO *rbio, *wbio;
	X509 *x509;
	EVP_PKEY *key;
	char fp[200];               /* sha-256, hex with colons */
	bool coalesce;              /* a flight in one datagram (as browsers send) */
};

static void
client_new(struct client *c, const char *profiles)
{
	memset(c, 0, sizeof *c);
	make_cert(&c->x509, &c->key);
	hex_fp(c->x509, EVP_sha256(), c->fp);
	c->ctx = SSL_CTX_new(DTLS_client_method());
	cr_assert_not_null(c->ctx);
	SSL_CTX_set_min_proto_version(c->ctx, DTLS1_2_VERSION);
	cr_assert_eq(SSL_CTX_use_certificate(c->ctx, c->x509), 1);
	cr_assert_eq(SSL_CTX_use_PrivateKey(c->ctx, c->key), 1);
	if (profiles != NULL)
		cr_assert_eq(SSL_CTX_set_tlsext_use_srtp(c->ctx, profiles), 0);
	SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, accept_all);
	SSL_CTX_set_options(c->ctx, SSL_OP_NO_QUERY_MTU);
	c->ssl = SSL_new(c->ctx);
	c->rbio = BIO_new(BIO_s_mem());
	c->wbio = BIO_new(BIO_s_mem());
	BIO_set_mem_eof_return(c->rbio, -1);
	BIO_set_mem_eof_return(c->wbio, -1);
	SSL_set_bio(c->ssl, c->rbio, c->wbio);
	SSL_set_mtu(c->ssl, 1200);
	SSL_set_connect_state(c->ssl);
}

static void
client_free(struct client *c)
{
	SSL_free(c->ssl);
	SSL_CTX_free(c->ctx);
	X509_free(c->x509);
	EVP_PKEY_free(c->key);
}

/* What the client wrote to the server, a record a datagram (as OpenSSL
 * sends over UDP) or all in one. */
static void
client_flush(struct client *c, struct ag_dtls *d, enum ag_dtls_state *st)
{
	char *data;
	long n = BIO_get_mem_data(c->wbio, &data), off = 0, rec;

	while (off < n) {
		rec = c->coalesce ? n : 13 + ((uint8_t)data[off + 11] << 8 | (uint8_t)data[off + 12]);
		*st = ag_dtls_input(d, (uint8_t *)data + off, (size_t)rec);
		off += rec;
	}
	BIO_reset(c->wbio);
}

/* The client's handshake step.  Returns SSL_do_handshake's result. */
static int
client_step(struct client *c, struct ag_dtls *d, enum ag_dtls_state *st)
{
	int r = SSL_do_handshake(c->ssl);

	client_flush(c, d, st);
	return r;
}

/* Give the client what the server sent. */
static void
deliver(struct queue *q, struct client *c)
{
	int i;

	for (i = 0; i < q->n; i++) {
		BIO_write(c->rbio, q->buf[i], (int)q->len[i]);
		free(q->buf[i]);
	}
	q->n = 0;
}

/* Shuttle until both are done (or the server fails); returns the server's
 * state. */
static enum ag_dtls_state
run(struct client *c, struct ag_dtls *d, struct queue *q)
{
	enum ag_dtls_state st = AG_DTLS_HANDSHAKE;
	int i, r = 0;

	for (i = 0; i < 20 && st != AG_DTLS_FAILED; i++) {
		r = client_step(c, d, &st);
		if (r == 1 && st == AG_DTLS_DONE)
			break;
		deliver(q, c);
	}
	return st;
}

static struct ag_dtls_cert *
server_cert(void)
{
	struct ag_error err = { 0 };
	struct ag_dtls_cert *cert = ag_dtls_cert_generate(&err);

	cr_assert_not_null(cert, "%s", err.msg);
	return cert;
}

/* A handshake with the client offering profiles; checks the keys both
 * sides export and returns the suite, keys into rx and tx. */
static enum ag_srtp_suite
handshake(const char *profiles, bool coalesce, uint8_t *rx, uint8_t *tx)
{
	struct ag_dtls_cert *cert = server_cert();
	struct ag_error err = { 0 };
	struct queue q = { 0 };
	struct client c;
	struct ag_dtls *d;
	enum ag_srtp_suite suite;
	enum ag_dtls_state st;
	uint8_t m[2 * AG_SRTP_MAX_KEY];
	size_t kl, sl;

	client_new(&c, profiles);
	c.coalesce = coalesce;
	d = ag_dtls_new(cert, "sha-256", c.fp, queue_send, &q, &err);
	cr_assert_not_null(d, "%s", err.msg);
	cr_assert_eq(ag_dtls_keys(d, &suite, rx, tx), -1);
	cr_assert_eq(run(&c, d, &q), AG_DTLS_DONE, "%s", ag_dtls_error(d));
	cr_assert_str_empty(ag_dtls_error(d));
	cr_assert_eq(ag_dtls_keys(d, &suite, rx, tx), 0);
	kl = 16;
	sl = ag_srtp_key_len(suite) - kl;
	cr_assert_eq(SSL_export_keying_material(c.ssl, m, 2 * (kl + sl), "EXTRACTOR-dtls_srtp",
	    19, NULL, 0, 0), 1);
	/* The client's tx is our rx and the other way round. */
	cr_assert_arr_eq(rx, m, kl);
	cr_assert_arr_eq(tx, m + kl, kl);
	cr_assert_arr_eq(rx + kl, m + 2 * kl, sl);
	cr_assert_arr_eq(tx + kl, m + 2 * kl + sl, sl);
	cr_assert_neq(memcmp(rx, tx, kl), 0);
	cr_assert_eq(SSL_get_selected_srtp_profile(c.ssl)->id,
	    suite == AG_SRTP_AEAD_AES_128_GCM ? SRTP_AEAD_AES_128_GCM : SRTP_AES128_CM_SHA1_80);
	/* Data after the handshake is dropped; close_notify closes. */
	cr_assert_eq(SSL_write(c.ssl, "hello", 5), 5);
	cr_assert_eq(client_step(&c, d, &st), 1);
	cr_assert_eq(st, AG_DTLS_DONE);
	cr_assert_eq(ag_dtls_timeout_ms(d), -1);
	SSL_shutdown(c.ssl);
	st = AG_DTLS_DONE;
	client_flush(&c, d, &st);
	cr_assert_eq(st, AG_DTLS_CLOSED);
	ag_dtls_free(d);
	deliver(&q, &c);
	client_free(&c);
	ag_dtls_cert_free(cert);
	return suite;
}

Test(dtls, handshake_gcm_first)
{
	uint8_t rx[AG_SRTP_MAX_KEY], tx[AG_SRTP_MAX_KEY];

	cr_assert_eq(handshake("SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80", false, rx, tx),
	    AG_SRTP_AEAD_AES_128_GCM);
}

Test(dtls, handshake_cm_only)
{
	uint8_t rx[AG_SRTP_MAX_KEY], tx[AG_SRTP_MAX_KEY];

	cr_assert_eq(handshake("SRTP_AES128_CM_SHA1_80", false, rx, tx),
	    AG_SRTP_AES_CM_128_HMAC_SHA1_80);
	/* The server's preference, whatever the client's order. */
	cr_assert_eq(handshake("SRTP_AES128_CM_SHA1_80:SRTP_AEAD_AES_128_GCM", false, rx, tx),
	    AG_SRTP_AEAD_AES_128_GCM);
}

Test(dtls, handshake_coalesced_flights)
{
	uint8_t rx[AG_SRTP_MAX_KEY], tx[AG_SRTP_MAX_KEY];

	cr_assert_eq(handshake("SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80", true, rx, tx),
	    AG_SRTP_AEAD_AES_128_GCM);
}

/* A libsrtp policy for suite (what a peer's own stack would do). */
static void
raw_policy(srtp_policy_t *pol, enum ag_srtp_suite suite, uint8_t *key, srtp_ssrc_type_t t)
{
	memset(pol, 0, sizeof *pol);
	if (suite == AG_SRTP_AEAD_AES_128_GCM) {
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol->rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol->rtcp);
	} else {
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol->rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol->rtcp);
	}
	pol->key = key;
	pol->ssrc.type = t;
	pol->window_size = 128;
}

/* SRTP and SRTCP with the keys of a handshake: the peer (client)
 * protects with rx and unprotects with tx. */
static void
srtp_round_trip(const char *profiles)
{
	uint8_t rx[AG_SRTP_MAX_KEY], tx[AG_SRTP_MAX_KEY], pkt[512], orig[512];
	struct ag_error err = { 0 };
	enum ag_srtp_suite suite = handshake(profiles, false, rx, tx);
	struct ag_srtp *us, *peer;
	srtp_policy_t pol;
	srtp_t raw;
	size_t len;
	int n;

	us = ag_srtp_new(suite, rx, tx, &err);
	cr_assert_not_null(us, "%s", err.msg);
	peer = ag_srtp_new(suite, tx, rx, &err);
	cr_assert_not_null(peer, "%s", err.msg);

	/* An RTCP receiver report from us to the peer, and one back. */
	memset(orig, 0, sizeof orig);
	orig[0] = 0x80;
	orig[1] = 201;
	orig[3] = 1;
	orig[7] = 0x42;
	memcpy(pkt, orig, 8);
	len = 8;
	cr_assert_eq(ag_srtp_protect_rtcp(us, pkt, &len), 0);
	cr_assert_gt(len, 8);
	cr_assert_eq(ag_srtp_unprotect(peer, pkt, &len, true), 0);
	cr_assert_eq(len, 8);
	cr_assert_arr_eq(pkt, orig, 8);
	len = 8;
	memcpy(pkt, orig, 8);
	cr_assert_eq(ag_srtp_protect_rtcp(peer, pkt, &len), 0);
	cr_assert_eq(ag_srtp_unprotect(us, pkt, &len, true), 0);
	cr_assert_arr_eq(pkt, orig, 8);

	/* RTP protected by the peer's own libsrtp with the client key. */
	raw_policy(&pol, suite, rx, ssrc_any_outbound);
	cr_assert_eq(srtp_create(&raw, &pol), srtp_err_status_ok);
	memset(orig, 0xab, sizeof orig);
	orig[0] = 0x80;
	orig[1] = 111;
	orig[2] = 0;
	orig[3] = 5;
	memset(orig + 4, 0, 4);
	memcpy(orig + 8, "\x01\x02\x03\x04", 4);
	memcpy(pkt, orig, 100);
	n = 100;
	cr_assert_eq(srtp_protect(raw, pkt, &n), srtp_err_status_ok);
	len = (size_t)n;
	cr_assert_eq(ag_srtp_unprotect(us, pkt, &len, false), 0);
	cr_assert_eq(len, 100);
	cr_assert_arr_eq(pkt, orig, 100);
	/* A flipped bit fails, and so does a replay. */
	orig[3] = 6;
	memcpy(pkt, orig, 100);
	n = 100;
	cr_assert_eq(srtp_protect(raw, pkt, &n), srtp_err_status_ok);
	memcpy(orig, pkt, (size_t)n);
	pkt[50] ^= 1;
	len = (size_t)n;
	cr_assert_eq(ag_srtp_unprotect(us, pkt, &len, false), -1);
	memcpy(pkt, orig, (size_t)n);
	len = (size_t)n;
	cr_assert_eq(ag_srtp_unprotect(us, pkt, &len, false), 0);
	memcpy(pkt, orig, (size_t)n);
	len = (size_t)n;
	cr_assert_eq(ag_srtp_unprotect(us, pkt, &len, false), -1, "a replay");
	srtp_dealloc(raw);
	ag_srtp_free(us);
	ag_srtp_free(peer);
}

Test(dtls, srtp_gcm)
{
	srtp_round_trip("SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80");
}

Test(dtls, srtp_cm80)
{
	srtp_round_trip("SRTP_AES128_CM_SHA1_80");
}

Test(dtls, fingerprint_mismatch)
{
	struct ag_dtls_cert *cert = server_cert();
	struct ag_error err = { 0 };
	struct queue q = { 0 };
	struct client c;
	struct ag_dtls *d;
	char wrong[200];

	client_new(&c, "SRTP_AES128_CM_SHA1_80");
	strcpy(wrong, c.fp);
	wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
	d = ag_dtls_new(cert, "sha-256", wrong, queue_send, &q, &err);
	cr_assert_not_null(d, "%s", err.msg);
	cr_assert_eq(run(&c, d, &q), AG_DTLS_FAILED);
	cr_assert_not_null(strstr(ag_dtls_error(d), c.fp), "%s", ag_dtls_error(d));
	cr_assert_not_null(strstr(ag_dtls_error(d), wrong), "%s", ag_dtls_error(d));
	cr_assert_eq(ag_dtls_input(d, (const uint8_t *)"x", 1), AG_DTLS_FAILED);
	ag_dtls_free(d);
	deliver(&q, &c);
	client_free(&c);
	ag_dtls_cert_free(cert);
}

Test(dtls, no_srtp_offered)
{
	struct ag_dtls_cert *cert = server_cert();
	struct ag_error err = { 0 };
	struct queue q = { 0 };
	struct client c;
	struct ag_dtls *d;

	client_new(&c, NULL);
	d = ag_dtls_new(cert, "sha-256", c.fp, queue_send, &q, &err);
	cr_assert_not_null(d, "%s", err.msg);
	cr_assert_eq(run(&c, d, &q), AG_DTLS_FAILED);
	cr_assert_not_null(strstr(ag_dtls_error(d), "use_srtp"), "%s", ag_dtls_error(d));
	ag_dtls_free(d);
	deliver(&q, &c);
	client_free(&c);
	ag_dtls_cert_free(cert);
}

Test(dtls, fingerprint_lower_case_and_sha1)
{
	struct ag_dtls_cert *cert = server_cert();
	struct ag_error err = { 0 };
	struct queue q = { 0 };
	struct client c;
	struct ag_dtls *d;
	char fp[200];
	size_t i;

	client_new(&c, "SRTP_AES128_CM_SHA1_80");
	hex_fp(c.x509, EVP_sha1(), fp);
	for (i = 0; fp[i] != '\0'; i++)
		fp[i] = (char)tolower((unsigned char)fp[i]);
	d = ag_dtls_new(cert, "sha-1", fp, queue_send, &q, &err);
	cr_assert_not_null(d, "%s", err.msg);
	cr_assert_eq(run(&c, d, &q), AG_DTLS_DONE, "%s", ag_dtls_error(d));
	ag_dtls_free(d);
	deliver(&q, &c);
	client_free(&c);
	cr_assert_null(ag_dtls_new(cert, "md5", fp, queue_send, &q, &err));
	cr_assert_not_null(strstr(err.msg, "md5"));
	ag_dtls_cert_free(cert);
}

Test(dtls, retransmission)
{
	struct ag_dtls_cert *cert = server_cert();
	struct ag_error err = { 0 };
	struct queue q = { 0 };
	struct client c;
	struct ag_dtls *d;
	enum ag_dtls_state st = AG_DTLS_HANDSHAKE;
	int ms;

	client_new(&c, "SRTP_AES128_CM_SHA1_80");
	d = ag_dtls_new(cert, "sha-256", c.fp, queue_send, &q, &err);
	cr_assert_not_null(d, "%s", err.msg);
	cr_assert_eq(ag_dtls_timeout_ms(d), -1, "no timer before the first datagram");
	/* The ClientHello is answered by the server's first flight: lost. */
	q.drop = true;
	cr_assert_eq(client_step(&c, d, &st), -1);
	cr_assert_eq(st, AG_DTLS_HANDSHAKE);
	q.drop = false;
	ms = ag_dtls_timeout_ms(d);
	cr_assert(ms > 0 && ms <= 1000, "%d ms", ms);
	cr_assert_eq(ag_dtls_tick(d), AG_DTLS_HANDSHAKE);
	cr_assert_eq(q.n, 0, "nothing resent before its time");
	usleep((useconds_t)ms * 1000 + 20000);
	cr_assert_eq(ag_dtls_tick(d), AG_DTLS_HANDSHAKE);
	cr_assert_gt(q.n, 0, "the flight is sent again");
	deliver(&q, &c);
	st = run(&c, d, &q);
	cr_assert_eq(st, AG_DTLS_DONE, "%d %s", (int)st, ag_dtls_error(d));
	ag_dtls_free(d);
	deliver(&q, &c);
	client_free(&c);
	ag_dtls_cert_free(cert);
}

Test(dtls, cert_generate)
{
	struct ag_dtls_cert *cert = server_cert();
	const char *fp = ag_dtls_cert_fingerprint(cert);
	int i;

	cr_assert_eq(strncmp(fp, "sha-256 ", 8), 0, "%s", fp);
	cr_assert_eq(strlen(fp), 8 + 32 * 3 - 1, "%s", fp);
	for (i = 0; i < 32; i++) {
		cr_assert(strchr("0123456789ABCDEF", fp[8 + 3 * i]) != NULL, "%s", fp);
		cr_assert(strchr("0123456789ABCDEF", fp[9 + 3 * i]) != NULL, "%s", fp);
		if (i < 31)
			cr_assert_eq(fp[10 + 3 * i], ':', "%s", fp);
	}
	ag_dtls_cert_free(cert);
	ag_dtls_cert_free(NULL);
	ag_dtls_free(NULL);
}

/* Write a PEM of x509 and key (key first when key_first) to path. */
static void
write_pem(const char *path, X509 *x509, EVP_PKEY *key, bool key_first)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	if (key_first)
		cr_assert_eq(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL), 1);
	cr_assert_eq(PEM_write_X509(f, x509), 1);
	if (!key_first)
		cr_assert_eq(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL), 1);
	cr_assert_eq(fclose(f), 0);
}

Test(dtls, cert_load)
{
	char dir[] = "/tmp/agrec-dtls-XXXXXX", path[64], want[200];
	struct ag_error err = { 0 };
	struct ag_dtls_cert *cert;
	X509 *x509, *x2;
	EVP_PKEY *key, *k2;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/c.pem", dir);
	make_cert(&x509, &key);
	strcpy(want, "sha-256 ");
	hex_fp(x509, EVP_sha256(), want + 8);
	write_pem(path, x509, key, false);
	cert = ag_dtls_cert_load(path, &err);
	cr_assert_not_null(cert, "%s", err.msg);
	cr_assert_str_eq(ag_dtls_cert_fingerprint(cert), want);
	ag_dtls_cert_free(cert);
	write_pem(path, x509, key, true);
	cert = ag_dtls_cert_load(path, &err);
	cr_assert_not_null(cert, "%s", err.msg);
	cr_assert_str_eq(ag_dtls_cert_fingerprint(cert), want);
	ag_dtls_cert_free(cert);

	/* Another certificate's key. */
	make_cert(&x2, &k2);
	write_pem(path, x509, k2, false);
	cr_assert_null(ag_dtls_cert_load(path, &err));
	cr_assert_eq(err.code, AG_EX_DATAERR);
	cr_assert_not_null(strstr(err.msg, "does not match"), "%s", err.msg);
	/* No key, then no file. */
	write_pem(path, x509, key, true);
	{
		FILE *f = fopen(path, "w");
		PEM_write_X509(f, x509);
		fclose(f);
	}
	cr_assert_null(ag_dtls_cert_load(path, &err));
	cr_assert_eq(err.code, AG_EX_DATAERR);
	cr_assert_not_null(strstr(err.msg, "private key"), "%s", err.msg);
	unlink(path);
	cr_assert_null(ag_dtls_cert_load(path, &err));
	cr_assert_eq(err.code, AG_EX_DATAERR);
	cr_assert_not_null(strstr(err.msg, path), "%s", err.msg);
	rmdir(dir);
	X509_free(x509);
	X509_free(x2);
	EVP_PKEY_free(key);
	EVP_PKEY_free(k2);
}
