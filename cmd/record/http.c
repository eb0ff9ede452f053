/*
 * http.c - agrec-record's WHIP endpoint (RFC 9725) over libmicrohttpd,
 * without a thread of its own: the daemon's epoll descriptor joins the
 * recorder's poll set and MHD_run serves what is ready.  The routes,
 * statuses and CORS headers are the ones http.h lists; offers go to
 * whip.c.  The bearer token is compared in constant time and never
 * written anywhere.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "exitcodes.h"
#include "names.h"
#include "record/http.h"
#include "record/rec.h"
#include "record/whip.h"

/* Bounds under a flood: connections, per address, idle time, and the
 * header memory of each one (bodies are RC_HTTP_MAX_BODY at most). */
#define CONN_LIMIT 64
#define CONN_PER_IP 16
#define CONN_TIMEOUT_S 10
#define CONN_MEMORY (32 * 1024)

#define ID_MAX 64

/* Refusals logged per window: a flood of bad requests must not fill
 * the disk with log lines; the rest are counted. */
#define LOG_WINDOW_MS 10000
#define LOG_PER_WINDOW 20

struct rc_http {
	struct MHD_Daemon *d;
	int epfd;
	int64_t window_ms;          /* when the current log window started */
	unsigned logged, unlogged;  /* refusals logged and not logged in it */
};

/* One request: its body so far, and whether it has been answered. */
struct req {
	char *body;
	size_t len, cap;
	bool too_big;               /* past RC_HTTP_MAX_BODY: the rest is dropped */
	bool answered;              /* refused on its headers: the body is ignored */
	uint32_t uid;               /* 0: whip.c assigns one */
};

/* The path as sent: MHD leaves it alone, and route() decodes each
 * segment (a channel name may hold a '%' or a '+'). */
static size_t
no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	return strlen(s);
}

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Percent-decode s[0..n) into out (size bytes); -1 on a bad escape, a
 * NUL, or when it does not fit. */
static int
pct_decode(const char *s, size_t n, char *out, size_t size)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		int c = (unsigned char)s[i];
		if (c == '%') {
			int h, l;
			if (i + 2 >= n)
				return -1;
			if ((h = hexval(s[i + 1])) < 0 || (l = hexval(s[i + 2])) < 0)
				return -1;
			c = h * 16 + l;
			i += 2;
		}
		if (c == 0 || o + 1 >= size)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

/* Percent-encode all but RFC 3986's unreserved characters. */
static void
pct_encode(const char *s, char *out, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *s != '\0' && o + 4 <= size; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
}

/* The URL for the log: printable, bounded. */
static void
log_url(const char *url, char *out, size_t size)
{
	size_t o = 0;

	for (; *url != '\0' && o + 1 < size; url++)
		out[o++] = isprint((unsigned char)*url) ? *url : '?';
	out[o] = '\0';
}

static void
add_cors(struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "Access-Control-Allow-Origin", "*");
	MHD_add_response_header(resp, "Access-Control-Allow-Methods",
	    "POST, DELETE, PATCH, OPTIONS");
	MHD_add_response_header(resp, "Access-Control-Allow-Headers",
	    "Authorization, Content-Type, If-Match");
	MHD_add_response_header(resp, "Access-Control-Expose-Headers", "Location, ETag, Link");
}

/* Queue status with body (copied) and hdrs (name, value pairs, NULL-ended). */
static enum MHD_Result
reply(struct MHD_Connection *c, unsigned status, const char *ctype, const char *body,
    const char *const *hdrs)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return MHD_NO;
	add_cors(resp);
	if (ctype != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	for (; hdrs != NULL && hdrs[0] != NULL; hdrs += 2)
		MHD_add_response_header(resp, hdrs[0], hdrs[1]);
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* A refusal: the reason in a text/plain body, and in the log (level 5). */
static enum MHD_Result
refuse(struct rc_rec *r, struct MHD_Connection *c, const char *method, const char *url,
    unsigned status, const char *why, const char *const *hdrs)
{
	struct rc_http *h = r->http;
	int64_t now = rc_now_ms(&r->folder);
	char body[1100], u[256];

	if (now - h->window_ms >= LOG_WINDOW_MS) {
		if (h->unlogged > 0)
			rc_log(&r->folder, 5, "WHIP: %u more refusals in %d s not logged", h->unlogged,
			    LOG_WINDOW_MS / 1000);
		h->window_ms = now;
		h->logged = h->unlogged = 0;
	}
	if (h->logged < LOG_PER_WINDOW) {
		h->logged++;
		log_url(url, u, sizeof u);
		rc_log(&r->folder, 5, "WHIP %s %s: %u %s", method, u, status, why);
	} else {
		h->unlogged++;
	}
	snprintf(body, sizeof body, "%s\n", why);
	return reply(c, status, "text/plain; charset=utf-8", body, hdrs);
}

/* Is the request's bearer token --channelKey's?  Both are hashed first,
 * so the comparison takes the same time whatever their lengths. */
static bool
authorized(const struct rc_rec *r, struct MHD_Connection *c)
{
	const char *key = r->opts->channel_key, *h;
	unsigned char a[SHA256_DIGEST_LENGTH], b[SHA256_DIGEST_LENGTH];
	size_t n;
	bool ok;

	if (key[0] == '\0')
		return true;
	h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if (h == NULL || strncasecmp(h, "Bearer", 6) != 0 || (h[6] != ' ' && h[6] != '\t'))
		return false;
	for (h += 6; *h == ' ' || *h == '\t'; h++)
		;
	for (n = strlen(h); n > 0 && (h[n - 1] == ' ' || h[n - 1] == '\t'); n--)
		;
	SHA256((const unsigned char *)h, n, a);
	SHA256((const unsigned char *)key, strlen(key), b);
	ok = CRYPTO_memcmp(a, b, sizeof a) == 0;
	OPENSSL_cleanse(a, sizeof a);
	OPENSSL_cleanse(b, sizeof b);
	return ok;
}

/* Content-Type is application/sdp, with or without parameters. */
static bool
is_sdp(struct MHD_Connection *c)
{
	static const char want[] = "application/sdp";
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_TYPE);
	size_t n;

	if (h == NULL)
		return false;
	while (*h == ' ' || *h == '\t')
		h++;
	n = strcspn(h, "; \t");
	return n == sizeof want - 1 && strncasecmp(h, want, n) == 0;
}

/* The uid query parameter: absent 0 (assign one), else 1..4294967295. */
static int
query_uid(struct MHD_Connection *c, uint32_t *uid)
{
	const char *v = NULL;
	char d[16];
	size_t n = 0;

	*uid = 0;
	if (MHD_lookup_connection_value_n(c, MHD_GET_ARGUMENT_KIND, "uid", 3, &v, &n) != MHD_YES)
		return 0;
	if (v == NULL || pct_decode(v, n, d, sizeof d) < 0 || d[0] == '\0')
		return -1;
	if (ag_parse_uid(d, strlen(d), uid) < 0 || *uid == 0)
		return -1;
	return 0;
}

/* A POST's headers: 0 to read its body, else a refusal queued. */
static enum MHD_Result
post_headers(struct rc_rec *r, struct MHD_Connection *c, const char *url, struct req *q)
{
	const char *cl;
	unsigned long long n = 0;
	char *end;

	if (query_uid(c, &q->uid) < 0)
		return refuse(r, c, "POST", url, MHD_HTTP_BAD_REQUEST,
		    "uid must be a decimal number from 1 to 4294967295", NULL);
	if (!is_sdp(c))
		return refuse(r, c, "POST", url, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
		    "the offer must be application/sdp", NULL);
	cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl != NULL) {
		errno = 0;
		n = strtoull(cl, &end, 10);
		if (errno != 0 || end == cl || n > RC_HTTP_MAX_BODY)
			return refuse(r, c, "POST", url, MHD_HTTP_CONTENT_TOO_LARGE,
			    "the offer is larger than 64 KiB", NULL);
	}
	q->cap = n > 0 ? (size_t)n : 4096;
	if ((q->body = malloc(q->cap)) == NULL)
		return refuse(r, c, "POST", url, MHD_HTTP_SERVICE_UNAVAILABLE, "no memory", NULL);
	q->answered = false;
	return MHD_YES;
}

/* The channel of /whip/CHANNEL[/ID], decoded into chan, and ID (or "").
 * -1 when the path is not one of those. */
static int
parse_path(const char *url, char *chan, size_t csize, char *id, size_t isize)
{
	const char *seg, *slash;

	if (strncmp(url, "/whip/", 6) != 0)
		return -1;
	seg = url + 6;
	id[0] = '\0';
	if ((slash = strchr(seg, '/')) == NULL)
		return pct_decode(seg, strlen(seg), chan, csize) < 0 || chan[0] == '\0' ? -1 : 0;
	if (strchr(slash + 1, '/') != NULL || slash[1] == '\0')
		return -1;
	if (pct_decode(seg, (size_t)(slash - seg), chan, csize) < 0 || chan[0] == '\0')
		return -1;
	return pct_decode(slash + 1, strlen(slash + 1), id, isize);
}

/* DELETE, PATCH and the rest on a session's resource. */
static enum MHD_Result
on_resource(struct rc_rec *r, struct MHD_Connection *c, const char *method, const char *url,
    const char *id)
{
	static const char *const allow_del[] = { "Allow", "DELETE", NULL };
	char u[256];

	if (strcmp(method, "DELETE") == 0) {
		if (rc_whip_delete(r, id) != 200)
			return refuse(r, c, method, url, MHD_HTTP_NOT_FOUND, "no such session", NULL);
		log_url(url, u, sizeof u);
		rc_log(&r->folder, 4, "WHIP session %s deleted (DELETE %s)", id, u);
		return reply(c, MHD_HTTP_OK, "text/plain; charset=utf-8", "", NULL);
	}
	if (!rc_whip_exists(r, id))
		return refuse(r, c, method, url, MHD_HTTP_NOT_FOUND, "no such session", NULL);
	return refuse(r, c, method, url, MHD_HTTP_METHOD_NOT_ALLOWED, strcmp(method, "PATCH") == 0
	    ? "no trickle ICE and no ICE restart: PATCH is not supported" : "only DELETE here",
	    allow_del);
}

/* A request's headers are in: answer it, or (a POST) read its body. */
static enum MHD_Result
on_headers(struct rc_rec *r, struct MHD_Connection *c, const char *url, const char *method,
    struct req *q)
{
	static const char *const www[] = { "WWW-Authenticate", "Bearer", NULL };
	static const char *const allow_post[] = { "Allow", "POST, OPTIONS", NULL };
	static const char *const accept[] = { "Accept-Post", "application/sdp",
	    "Allow", "POST, DELETE, PATCH, OPTIONS", NULL };
	char chan[256], id[ID_MAX];

	q->answered = true;
	if (strcmp(method, "OPTIONS") == 0)
		return reply(c, MHD_HTTP_NO_CONTENT, NULL, "", accept);
	if (parse_path(url, chan, sizeof chan, id, sizeof id) < 0)
		return refuse(r, c, method, url, MHD_HTTP_NOT_FOUND,
		    "not a WHIP endpoint (/whip/CHANNEL)", NULL);
	if (!authorized(r, c))
		return refuse(r, c, method, url, MHD_HTTP_UNAUTHORIZED,
		    "the channel key is missing or wrong (Authorization: Bearer KEY)", www);
	if (strcmp(chan, r->opts->channel) != 0)
		return refuse(r, c, method, url, MHD_HTTP_NOT_FOUND,
		    "this recorder records another channel", NULL);
	if (id[0] != '\0')
		return on_resource(r, c, method, url, id);
	if (strcmp(method, "POST") != 0)
		return refuse(r, c, method, url, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "only POST (an SDP offer) and OPTIONS here", allow_post);
	return post_headers(r, c, url, q);
}

/* The whole offer is in: whip.c answers it. */
static enum MHD_Result
on_offer(struct rc_rec *r, struct MHD_Connection *c, const char *url, struct req *q)
{
	struct ag_error err;
	char *answer = NULL, id[ID_MAX], loc[512], chan[200], etag[ID_MAX + 2], u[256];
	const char *hdrs[] = { "Location", loc, "ETag", etag, NULL };
	enum MHD_Result ret;
	int st;

	if (q->too_big)
		return refuse(r, c, "POST", url, MHD_HTTP_CONTENT_TOO_LARGE,
		    "the offer is larger than 64 KiB", NULL);
	if (q->len == 0)
		return refuse(r, c, "POST", url, MHD_HTTP_BAD_REQUEST, "the offer is empty", NULL);
	ag_error_clear(&err);
	id[0] = '\0';
	st = rc_whip_offer(r, q->uid, q->body, q->len, &answer, id, sizeof id, &err);
	if (st != MHD_HTTP_CREATED || answer == NULL) {
		free(answer);
		return refuse(r, c, "POST", url, st >= 400 && st <= 599 ? (unsigned)st : 500,
		    err.msg[0] ? err.msg : "the offer cannot be answered", NULL);
	}
	pct_encode(r->opts->channel, chan, sizeof chan);
	snprintf(loc, sizeof loc, "/whip/%s/%s", chan, id);
	snprintf(etag, sizeof etag, "\"%s\"", id);
	log_url(url, u, sizeof u);
	rc_log(&r->folder, 4, "WHIP session %s created (POST %s)", id, u);
	ret = reply(c, MHD_HTTP_CREATED, "application/sdp", answer, hdrs);
	free(answer);
	return ret;
}

/* Keep up to RC_HTTP_MAX_BODY bytes of the body; drop the rest. */
static void
take(struct req *q, const char *data, size_t n)
{
	if (q->too_big || q->len + n > RC_HTTP_MAX_BODY) {
		q->too_big = true;
		return;
	}
	if (q->len + n > q->cap) {
		size_t cap = q->cap * 2 > RC_HTTP_MAX_BODY ? RC_HTTP_MAX_BODY : q->cap * 2;
		char *nb;
		if (cap < q->len + n)
			cap = q->len + n;
		if ((nb = realloc(q->body, cap)) == NULL) {
			q->too_big = true;
			return;
		}
		q->body = nb;
		q->cap = cap;
	}
	memcpy(q->body + q->len, data, n);
	q->len += n;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct rc_rec *r = cls;
	struct req *q = *con_cls;

	(void)version;
	if (q == NULL) {
		if ((q = calloc(1, sizeof *q)) == NULL)
			return MHD_NO;
		*con_cls = q;
		return on_headers(r, c, url, method, q);
	}
	if (*upload_size > 0) {
		if (!q->answered)
			take(q, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (q->answered)
		return MHD_YES;
	q->answered = true;
	return on_offer(r, c, url, q);
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct req *q = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (q != NULL) {
		free(q->body);
		free(q);
		*con_cls = NULL;
	}
}

/* The listening socket, bound here so that a failure says why. */
static int
listen_on(const char *host, int port, struct ag_error *err)
{
	struct addrinfo hints, *res = NULL;
	char ps[16];
	int fd, rc, one = 1;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
	snprintf(ps, sizeof ps, "%d", port);
	if ((rc = getaddrinfo(host, ps, &hints, &res)) != 0)
		return ag_error_set(err, AG_EX_USAGE, "--whip %s: not an IPv4 or IPv6 address (%s)",
		    host, gai_strerror(rc));
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		ag_error_errno(err, AG_EX_IOERR, errno, "socket");
		freeaddrinfo(res);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 64) < 0) {
		ag_error_errno(err, AG_EX_IOERR, errno, "--whip: cannot listen on %s%s%s:%d",
		    strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "", port);
		close(fd);
		freeaddrinfo(res);
		return -1;
	}
	freeaddrinfo(res);
	return fd;
}

int
rc_http_open(struct rc_rec *r, struct ag_error *err)
{
	const union MHD_DaemonInfo *info;
	struct rc_http *h;
	int fd;

	r->http = NULL;
	if (r->opts->whip_port == 0)
		return 0;
	if ((fd = listen_on(r->opts->whip_host, r->opts->whip_port, err)) < 0)
		return -1;
	if ((h = calloc(1, sizeof *h)) == NULL) {
		close(fd);
		return ag_error_errno(err, AG_EX_FAIL, ENOMEM, "the WHIP endpoint");
	}
	h->d = MHD_start_daemon(MHD_USE_EPOLL, 0, NULL, NULL, on_request, r,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONN_LIMIT,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)CONN_PER_IP,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONN_TIMEOUT_S,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
	    MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, NULL,
	    MHD_OPTION_END);
	info = h->d != NULL ? MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
	if (info == NULL) {
		if (h->d != NULL)
			MHD_stop_daemon(h->d);
		else
			close(fd);
		free(h);
		return ag_error_set(err, AG_EX_FAIL, "--whip: libmicrohttpd cannot start the "
		    "endpoint");
	}
	h->epfd = info->epoll_fd;
	r->http = h;
	return 0;
}

int
rc_http_pollfds(struct rc_rec *r, struct pollfd *pfd, int max)
{
	if (r->http == NULL || max < 1)
		return 0;
	pfd[0].fd = r->http->epfd;
	pfd[0].events = POLLIN;
	pfd[0].revents = 0;
	return 1;
}

void
rc_http_run(struct rc_rec *r)
{
	if (r->http != NULL)
		MHD_run(r->http->d);
}

int
rc_http_timeout(struct rc_rec *r)
{
	MHD_UNSIGNED_LONG_LONG ms;

	if (r->http == NULL || MHD_get_timeout(r->http->d, &ms) != MHD_YES)
		return -1;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

void
rc_http_close(struct rc_rec *r)
{
	if (r->http == NULL)
		return;
	MHD_stop_daemon(r->http->d);
	free(r->http);
	r->http = NULL;
}
