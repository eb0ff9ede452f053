/*
 * agrec-replay - the capacity benchmark's load generator (bench/capacity).
 *
 *   capture: record, once, what one real RTP sender (ffmpeg's F1 recipe,
 *            rtp-recipes.md 4) puts on the wire, with arrival times.
 *   send:    replay that capture as N participants at real-time pace, each
 *            with its own SSRCs and CNAME, RTCP SR+SDES every 2 s and BYE
 *            at the end, and report how late the sender itself ran, so a
 *            benchmark can tell a slow sender from a slow recorder.
 *
 * The capture file ("AGRCAP1"), all integers little-endian:
 *
 *   magic    8 bytes "AGRCAP1\n"
 *   records, until the end of the file:
 *     t_us   u64  arrival time, microseconds since the first datagram
 *     port   u8   0 = the RTP port, 1 = RTP port + 1
 *     zero   u8   reserved, 0
 *     len    u16  datagram length, 1..65535
 *     data   len bytes, the datagram as received
 *
 * Loopback only: this program floods a port on purpose, so it refuses
 * any address but 127.0.0.0/8 and ::1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "diag.h"
#include "err.h"
#include "exitcodes.h"
#include "fe/fe.h"
#include "fsutil.h"
#include "rtp.h"

#define CAP_MAGIC "AGRCAP1\n"
#define CAP_REC_HDR 12
#define MAX_STREAMS 16
#define RTCP_INTERVAL_US 2000000
#define SPREAD_US 1000000       /* copies start spread over the first second */
#define BYE_DELAY_US 20000      /* after a copy's last packet */
#define FEEDBACK_POLL_US 10000

static const char usage_text[] =
"usage: agrec-replay capture --listen HOST:PORT --seconds S --out FILE\n"
"       agrec-replay send --to HOST:PORT --file FILE --participants N [--seconds S]\n"
"                         [--cname-base UID]\n"
"       agrec-replay -h | --help | -V | --version\n";

static const char help_text[] =
"Capture one RTP sender once, then replay it as N participants (loopback only).\n"
"\n"
"capture: receive RTP on PORT and RTCP on PORT+1 for S seconds and store every\n"
"datagram with its arrival time in FILE (format: see bench/replay.c).\n"
"  --listen HOST:PORT    where to listen (127.0.0.0/8 or ::1)\n"
"  --seconds S           how long to listen, 1..3600\n"
"  --out FILE            the capture file (written atomically)\n"
"\n"
"send: replay the RTP of FILE as N participants at the captured pace.  Copy k\n"
"(0..N-1) starts k/N s after the first, uses SSRC 0x5a000000|k<<4|i for\n"
"captured stream i and CNAME UID+k, sends SR+SDES per SSRC before its media\n"
"and every 2 s to PORT+1, and SR+SDES+BYE at its end.  The capture's own RTCP\n"
"is not replayed.  Longer than the capture, the streams loop with sequence\n"
"numbers and timestamps continuing.\n"
"  --to HOST:PORT        the recorder's RTP address (127.0.0.0/8 or ::1)\n"
"  --file FILE           a capture made by 'agrec-replay capture'\n"
"  --participants N      copies, 1..10000\n"
"  --seconds S           media seconds per copy, 1..86400 (default: the capture)\n"
"  --cname-base UID      CNAME of copy 0 (default 2000)\n"
"\n"
"send prints 'key value' lines on stdout: participants, seconds, one 'stream'\n"
"line per captured stream (index, PT, clock, packets and frames per\n"
"participant), rtp_packets, rtcp_packets, rtp_bytes, send_errors,\n"
"feedback_received, late_p50_us, late_p99_us, late_p999_us, late_max_us\n"
"(packet send time minus its schedule), cpu_user_s, cpu_sys_s, wall_s.\n"
"\n"
"Exit status: 0 success, 1 failure, 64 usage, 65 bad capture file, 74 I/O error.\n";

static const struct fe_prog replay_prog = { "agrec-replay", usage_text, help_text };

static void
sleep_until(int64_t us)
{
	struct timespec ts = { (time_t)(us / 1000000), (long)(us % 1000000) * 1000 };

	/* EINTR: the caller looks at fe_stop_signal and the clock again. */
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

static void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ---- addresses ---- */

static bool
is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
	}
	return false;
}

/*
 * Resolve "HOST:PORT" ("[::1]:PORT" for IPv6, numeric hosts only) and
 * PORT+1 into a[0] and a[1].  Exits with a usage error naming opt.
 */
static void
parse_hostport(const char *opt, const char *s, struct sockaddr_storage a[2], socklen_t *alen)
{
	char host[256], name[32];
	const char *colon = strrchr(s, ':'), *h = s;
	size_t hl;
	long port;
	int i;

	if (colon == NULL || colon == s)
		fe_usage_exit("--%s: '%s' is not HOST:PORT", opt, s);
	hl = (size_t)(colon - s);
	if (s[0] == '[' && hl >= 2 && s[hl - 1] == ']') {
		h = s + 1;
		hl -= 2;
	}
	if (hl == 0 || hl >= sizeof host)
		fe_usage_exit("--%s: '%s' is not HOST:PORT", opt, s);
	memcpy(host, h, hl);
	host[hl] = '\0';
	snprintf(name, sizeof name, "--%s", opt);
	port = fe_num_exit(name, colon + 1, AG_CLI_PORT);
	for (i = 0; i < 2; i++) {
		struct addrinfo hints, *res = NULL;
		char ps[16];
		int r;

		memset(&hints, 0, sizeof hints);
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_DGRAM;
		hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
		snprintf(ps, sizeof ps, "%ld", port + i);
		if ((r = getaddrinfo(host, ps, &hints, &res)) != 0)
			fe_usage_exit("--%s: '%s': %s", opt, host, gai_strerror(r));
		if (!is_loopback(res->ai_addr)) {
			freeaddrinfo(res);
			fe_usage_exit("--%s: '%s' is not a loopback address", opt, host);
		}
		memcpy(&a[i], res->ai_addr, res->ai_addrlen);
		*alen = res->ai_addrlen;
		freeaddrinfo(res);
	}
}

static int
udp_socket(int family, struct ag_error *err)
{
	int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int buf = 4 << 20;

	if (fd < 0)
		return ag_error_errno(err, AG_EX_IOERR, errno, "socket");
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
	return fd;
}

/* ---- capture ---- */

struct buf {
	uint8_t *p;
	size_t len, cap;
};

static int
buf_add(struct buf *b, const void *data, size_t len)
{
	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap : 1 << 20;
		uint8_t *p;
		while (cap < b->len + len)
			cap *= 2;
		if ((p = realloc(b->p, cap)) == NULL)
			return -1;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
	return 0;
}

static int
cmd_capture(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "seconds", required_argument, NULL, 's' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sockaddr_storage addr[2];
	socklen_t alen = 0;
	const char *listen_arg = NULL, *out = NULL;
	long seconds = 0;
	struct buf b = { 0 };
	struct ag_error err = { 0 };
	uint64_t count[2] = { 0, 0 }, bytes = 0;
	int64_t t_first = -1, t_end;
	int fds[2] = { -1, -1 }, ch, i, rc = AG_EX_FAIL;
	static uint8_t dgram[65536];

	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'l': listen_arg = optarg; break;
		case 's': seconds = fe_num_exit("--seconds", optarg, AG_CLI_BENCH_SECONDS); break;
		case 'o': out = optarg; break;
		case 'h': return fe_help();
		default: fprintf(stderr, "%s", usage_text); return AG_EX_USAGE;
		}
	}
	if (optind < argc)
		fe_usage_exit("capture: unexpected argument '%s'", argv[optind]);
	if (listen_arg == NULL || seconds == 0 || out == NULL)
		fe_usage_exit("capture needs --listen, --seconds and --out");
	parse_hostport("listen", listen_arg, addr, &alen);
	for (i = 0; i < 2; i++) {
		if ((fds[i] = udp_socket(addr[i].ss_family, &err)) < 0)
			goto fail;
		if (bind(fds[i], (struct sockaddr *)&addr[i], alen) < 0) {
			ag_error_errno(&err, AG_EX_IOERR, errno, "cannot listen on %s%s", listen_arg,
			    i ? " + 1" : "");
			goto fail;
		}
	}
	if (buf_add(&b, CAP_MAGIC, 8) < 0)
		goto nomem;
	t_end = ag_mono_us() + seconds * 1000000;
	while (!fe_stop_signal) {
		struct pollfd pfd[2] = { { fds[0], POLLIN, 0 }, { fds[1], POLLIN, 0 } };
		int64_t now = ag_mono_us();
		if (now >= t_end)
			break;
		if (poll(pfd, 2, (int)((t_end - now + 999) / 1000)) < 0) {
			if (errno == EINTR)
				continue;
			ag_error_errno(&err, AG_EX_IOERR, errno, "poll");
			goto fail;
		}
		for (i = 0; i < 2; i++) {
			ssize_t n;
			while ((n = recv(fds[i], dgram, sizeof dgram, 0)) > 0) {
				uint8_t hdr[CAP_REC_HDR];
				int64_t t = ag_mono_us();
				uint64_t rel;
				int k;
				if (t_first < 0)
					t_first = t;
				rel = (uint64_t)(t - t_first);
				for (k = 0; k < 8; k++)
					hdr[k] = (uint8_t)(rel >> (8 * k));
				hdr[8] = (uint8_t)i;
				hdr[9] = 0;
				hdr[10] = (uint8_t)n;
				hdr[11] = (uint8_t)(n >> 8);
				if (buf_add(&b, hdr, sizeof hdr) < 0 || buf_add(&b, dgram, (size_t)n) < 0)
					goto nomem;
				count[i]++;
				bytes += (uint64_t)n;
			}
		}
	}
	if (count[0] + count[1] == 0) {
		ag_msg("capture: nothing arrived on %s in %ld s; %s not written", listen_arg, seconds, out);
		goto out;
	}
	if (ag_write_file_atomic(out, b.p, b.len, 0644, &err) < 0)
		goto fail;
	printf("datagrams %llu\nrtp_port %llu\nrtcp_port %llu\nbytes %llu\n",
	    (unsigned long long)(count[0] + count[1]), (unsigned long long)count[0],
	    (unsigned long long)count[1], (unsigned long long)bytes);
	rc = fflush(stdout) == 0 && !ferror(stdout) ? AG_EX_OK : AG_EX_IOERR;
	goto out;
nomem:
	ag_error_errno(&err, AG_EX_FAIL, ENOMEM, "capture");
fail:
	ag_msg("%s", err.msg);
	rc = err.code ? err.code : AG_EX_FAIL;
out:
	for (i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(b.p);
	return rc;
}

/* ---- the capture in memory ---- */

struct stream {
	uint32_t ssrc;
	uint8_t pt;
	int clock;                  /* RTP clock rate, inferred */
	int64_t ts_first, ts_last;  /* unwrapped */
	int64_t seq_first, seq_last;
	int64_t t_first, t_last;    /* arrival, us */
	uint32_t step;              /* typical timestamp increment */
	uint64_t packets, frames, gaps;
	int64_t ts_adv;             /* timestamp advance per loop */
	int64_t seq_adv;            /* sequence advance per loop */
};

struct pkt {
	int64_t rel_us;             /* arrival since the first RTP packet */
	int64_t media_us;           /* timestamp since the stream's first, in us */
	uint32_t ts_off, seq_off;   /* from the stream's first, mod 2^32 / 2^16 */
	int stream;
	size_t hdr_len;             /* RTP header bytes (payload = len - hdr_len) */
	const uint8_t *data;        /* borrowed from struct capture's file */
	size_t len;
};

struct capture {
	uint8_t *file;
	size_t file_len;
	struct pkt *pkts;
	size_t npkts;
	struct stream st[MAX_STREAMS];
	int nst;
	int64_t period_us;          /* one loop */
};

static int
infer_clock(const struct stream *s, struct ag_error *err)
{
	static const int rates[] = { 8000, 16000, 22050, 24000, 32000, 44100, 48000, 90000 };
	int64_t span_us = s->t_last - s->t_first, ratio, best = -1, d;
	int r = 0;
	size_t i;

	if (s->pt == 0 || s->pt == 8)
		return 8000;
	if (span_us < 1000000 || s->ts_last <= s->ts_first) {
		ag_error_set(err, AG_EX_DATAERR, "SSRC %08lx (PT %d) lasts under 1 s: its clock rate "
		    "cannot be told", (unsigned long)s->ssrc, s->pt);
		return -1;
	}
	/* Timestamp units per second of arrival, against the usual rates. */
	ratio = (s->ts_last - s->ts_first) * 1000000 / span_us;
	for (i = 0; i < sizeof rates / sizeof rates[0]; i++) {
		d = ratio > rates[i] ? ratio - rates[i] : rates[i] - ratio;
		d = d * 1000 / rates[i];    /* per mille off */
		if (best < 0 || d < best) {
			best = d;
			r = rates[i];
		}
	}
	if (best > 100) {
		ag_error_set(err, AG_EX_DATAERR, "SSRC %08lx (PT %d): %lld timestamp units per second "
		    "is no usual RTP clock", (unsigned long)s->ssrc, s->pt, (long long)ratio);
		return -1;
	}
	return r;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Read FILE and index its RTP packets.  Returns 0, or -1 with err. */
static int
capture_load(const char *path, struct capture *c, struct ag_error *err)
{
	FILE *f = fopen(path, "rb");
	struct buf b = { 0 };
	uint8_t chunk[65536];
	size_t n, off, cap = 0, i;
	int64_t t0 = -1;
	uint32_t *deltas = NULL;

	memset(c, 0, sizeof *c);
	if (f == NULL)
		return ag_error_errno(err, AG_EX_IOERR, errno, "%s", path);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		if (buf_add(&b, chunk, n) < 0) {
			fclose(f);
			free(b.p);
			return ag_error_errno(err, AG_EX_FAIL, ENOMEM, "%s", path);
		}
	if (ferror(f)) {
		fclose(f);
		free(b.p);
		return ag_error_errno(err, AG_EX_IOERR, errno, "%s", path);
	}
	fclose(f);
	c->file = b.p;
	c->file_len = b.len;
	if (b.len < 8 || memcmp(b.p, CAP_MAGIC, 8) != 0)
		return ag_error_set(err, AG_EX_DATAERR, "%s: not an agrec-replay capture", path);
	for (off = 8; off < b.len;) {
		struct ag_rtp r;
		struct ag_error pe = { 0 };
		struct stream *s = NULL;
		uint64_t t = 0;
		size_t len;
		int k;

		if (b.len - off < CAP_REC_HDR)
			return ag_error_set(err, AG_EX_DATAERR, "%s: truncated record at byte %zu", path, off);
		for (k = 0; k < 8; k++)
			t |= (uint64_t)b.p[off + k] << (8 * k);
		len = (size_t)b.p[off + 10] | (size_t)b.p[off + 11] << 8;
		if (b.p[off + 8] > 1 || b.p[off + 9] != 0 || len == 0 || t > (uint64_t)INT64_MAX / 4)
			return ag_error_set(err, AG_EX_DATAERR, "%s: bad record header at byte %zu", path, off);
		if (b.len - off - CAP_REC_HDR < len)
			return ag_error_set(err, AG_EX_DATAERR, "%s: truncated record at byte %zu", path, off);
		off += CAP_REC_HDR;
		/* Only the RTP port's RTP is replayed; RTCP is made anew per copy. */
		if (b.p[off - CAP_REC_HDR + 8] != 0 || ag_rtp_is_rtcp(b.p + off, len) ||
		    ag_rtp_parse(b.p + off, len, &r, &pe) < 0) {
			off += len;
			continue;
		}
		for (k = 0; k < c->nst; k++)
			if (c->st[k].ssrc == r.ssrc)
				s = &c->st[k];
		if (s == NULL) {
			if (c->nst == MAX_STREAMS)
				return ag_error_set(err, AG_EX_DATAERR, "%s: more than %d SSRCs", path,
				    MAX_STREAMS);
			s = &c->st[c->nst++];
			s->ssrc = r.ssrc;
			s->pt = r.pt;
			s->ts_first = s->ts_last = r.ts;
			s->seq_first = s->seq_last = r.seq;
			s->t_first = (int64_t)t;
		} else {
			/* unwrap against the last packet (a capture is in order) */
			int64_t dts = (int32_t)(r.ts - (uint32_t)s->ts_last);
			int64_t dseq = (int16_t)(uint16_t)(r.seq - (uint16_t)s->seq_last);
			if (dseq != 1)
				s->gaps++;
			if (dts > 0)
				s->frames++;
			s->ts_last += dts;
			s->seq_last += dseq;
		}
		s->t_last = (int64_t)t;
		s->packets++;
		if (c->npkts == cap) {
			size_t nc = cap ? cap * 2 : 4096;
			struct pkt *p = realloc(c->pkts, nc * sizeof *p);
			if (p == NULL)
				return ag_error_errno(err, AG_EX_FAIL, ENOMEM, "%s", path);
			c->pkts = p;
			cap = nc;
		}
		if (t0 < 0)
			t0 = (int64_t)t;
		c->pkts[c->npkts].rel_us = (int64_t)t - t0;
		c->pkts[c->npkts].ts_off = (uint32_t)(s->ts_last - s->ts_first);
		c->pkts[c->npkts].media_us = s->ts_last - s->ts_first;   /* in units until the clock is known */
		c->pkts[c->npkts].seq_off = (uint32_t)(s->seq_last - s->seq_first);
		c->pkts[c->npkts].stream = (int)(s - c->st);
		c->pkts[c->npkts].hdr_len = len - r.payload_len - r.padding_len;
		c->pkts[c->npkts].data = b.p + off;
		c->pkts[c->npkts].len = len;
		c->npkts++;
		off += len;
	}
	if (c->npkts == 0)
		return ag_error_set(err, AG_EX_DATAERR, "%s: no RTP packets", path);
	/* Clock rates, the usual timestamp step, and one loop's period. */
	if ((deltas = malloc(c->npkts * sizeof *deltas)) == NULL)
		return ag_error_errno(err, AG_EX_FAIL, ENOMEM, "%s", path);
	for (i = 0; i < (size_t)c->nst; i++) {
		struct stream *s = &c->st[i];
		int64_t last = -1, span;
		size_t nd = 0, j;

		s->frames++;
		if ((s->clock = infer_clock(s, err)) < 0)
			goto fail;
		for (j = 0; j < c->npkts; j++) {
			if (c->pkts[j].stream != (int)i)
				continue;
			if (last >= 0 && (int64_t)c->pkts[j].ts_off > last)
				deltas[nd++] = (uint32_t)((int64_t)c->pkts[j].ts_off - last);
			last = c->pkts[j].ts_off;
		}
		if (nd > 0) {
			qsort(deltas, nd, sizeof *deltas, cmp_u32);
			s->step = deltas[nd / 2];
		} else {
			s->step = (uint32_t)(s->clock / 50);
		}
		span = (s->ts_last - s->ts_first + s->step) * 1000000 / s->clock;
		if (span > c->period_us)
			c->period_us = span;
		s->seq_adv = s->seq_last - s->seq_first + 1;
	}
	for (i = 0; i < (size_t)c->nst; i++)
		c->st[i].ts_adv = (c->period_us * c->st[i].clock + 500000) / 1000000;
	for (i = 0; i < c->npkts; i++)
		c->pkts[i].media_us = c->pkts[i].media_us * 1000000 / c->st[c->pkts[i].stream].clock;
	free(deltas);
	return 0;
fail:
	free(deltas);
	return -1;
}

static void
capture_free(struct capture *c)
{
	free(c->pkts);
	free(c->file);
}

/* ---- send ---- */

/* What one copy has sent on one stream, for its sender reports. */
struct copy_stream {
	uint32_t ssrc;
	uint32_t seq_base, ts_base;
	uint32_t packets, octets;
	uint64_t frames;
	bool sent_any;
	uint32_t last_ts;
	int64_t last_due;
};

struct copy {
	int64_t start_us;
	int64_t next_media, next_rtcp;  /* INT64_MAX: none */
	int64_t last_media_due;
	size_t idx;                 /* next packet of the capture */
	int64_t loop;
	bool media_done, bye_sent;
	char cname[16];
	struct copy_stream *cs;     /* [capture.nst] */
};

static int64_t
copy_key(const struct copy *c)
{
	return c->next_media < c->next_rtcp ? c->next_media : c->next_rtcp;
}

/* A binary min-heap of copy indices keyed by their next deadline. */
struct heap {
	int *v;
	size_t n;
	struct copy *copies;
};

static void
heap_down(struct heap *h, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		int t;
		if (l < h->n && copy_key(&h->copies[h->v[l]]) < copy_key(&h->copies[h->v[m]]))
			m = l;
		if (r < h->n && copy_key(&h->copies[h->v[r]]) < copy_key(&h->copies[h->v[m]]))
			m = r;
		if (m == i)
			return;
		t = h->v[i];
		h->v[i] = h->v[m];
		h->v[m] = t;
		i = m;
	}
}

/* Lateness histogram: 1 us bins below 10 ms, 1 ms bins up to 10 s. */
#define FINE_BINS 10000
#define COARSE_BINS 10000
struct lateness {
	uint64_t fine[FINE_BINS], coarse[COARSE_BINS], over, n;
	int64_t max;
};

static void
late_add(struct lateness *l, int64_t us)
{
	if (us < 0)
		us = 0;
	if (us > l->max)
		l->max = us;
	l->n++;
	if (us < FINE_BINS)
		l->fine[us]++;
	else if (us / 1000 < COARSE_BINS)
		l->coarse[us / 1000]++;
	else
		l->over++;
}

static int64_t
late_quantile(const struct lateness *l, double q)
{
	uint64_t want = (uint64_t)(q * (double)l->n + 0.999999), seen = 0;
	size_t i;

	if (l->n == 0)
		return 0;
	if (want == 0)
		want = 1;
	for (i = 0; i < FINE_BINS; i++)
		if ((seen += l->fine[i]) >= want)
			return (int64_t)i;
	for (i = 0; i < COARSE_BINS; i++)
		if ((seen += l->coarse[i]) >= want)
			return (int64_t)i * 1000;
	return l->max;
}

struct sender {
	struct capture *cap;
	struct copy *copies;
	int ncopies;
	int64_t limit_us;           /* media per copy */
	int rtp_fd, rtcp_fd;
	uint64_t rtp_packets, rtcp_packets, rtp_bytes, send_errors, feedback;
	struct lateness late;
	uint8_t pkt[65536];
};

/* Move copy c's cursor to its next packet within the limit, or end its media. */
static void
copy_advance(struct sender *s, struct copy *c)
{
	const struct capture *cap = s->cap;

	for (;;) {
		const struct pkt *p;
		int64_t due;
		if (c->idx == cap->npkts) {
			c->idx = 0;
			c->loop++;
		}
		if (c->loop * cap->period_us >= s->limit_us) {
			c->media_done = true;
			c->next_media = INT64_MAX;
			/* The BYE goes soon after the last packet. */
			c->next_rtcp = c->last_media_due + BYE_DELAY_US;
			return;
		}
		p = &cap->pkts[c->idx];
		if (c->loop * cap->period_us + p->media_us >= s->limit_us) {
			c->idx++;
			continue;
		}
		due = c->start_us + c->loop * cap->period_us + p->rel_us;
		/* A copy's packets leave in capture order, even across a loop seam. */
		if (due < c->last_media_due)
			due = c->last_media_due;
		c->next_media = due;
		return;
	}
}

static void
send_counted(struct sender *s, int fd, const uint8_t *b, size_t n, bool rtcp)
{
	if (send(fd, b, n, 0) != (ssize_t)n) {
		s->send_errors++;
		return;
	}
	if (rtcp) {
		s->rtcp_packets++;
	} else {
		s->rtp_packets++;
		s->rtp_bytes += n;
	}
}

static void
send_media(struct sender *s, struct copy *c, int64_t now)
{
	const struct pkt *p = &s->cap->pkts[c->idx];
	const struct stream *st = &s->cap->st[p->stream];
	struct copy_stream *cs = &c->cs[p->stream];
	uint32_t ts = cs->ts_base + (uint32_t)((uint64_t)c->loop * (uint64_t)st->ts_adv) + p->ts_off;
	uint16_t seq = (uint16_t)(cs->seq_base + (uint32_t)((uint64_t)c->loop * (uint64_t)st->seq_adv) +
	    p->seq_off);

	memcpy(s->pkt, p->data, p->len);
	wr16(s->pkt + 2, seq);
	wr32(s->pkt + 4, ts);
	wr32(s->pkt + 8, cs->ssrc);
	late_add(&s->late, now - c->next_media);
	send_counted(s, s->rtp_fd, s->pkt, p->len, false);
	if (!cs->sent_any || ts != cs->last_ts)
		cs->frames++;
	cs->sent_any = true;
	cs->last_ts = ts;
	cs->last_due = c->next_media;
	cs->packets++;
	cs->octets += (uint32_t)(p->len - p->hdr_len);
	c->last_media_due = c->next_media;
	c->idx++;
	copy_advance(s, c);
}

/* SR (28 bytes) for one stream of a copy, at the wall-clock time now. */
static size_t
build_sr(uint8_t *b, const struct stream *st, const struct copy_stream *cs, int64_t due)
{
	struct timespec wall;
	uint64_t ntp;
	uint32_t rtp_ts;

	clock_gettime(CLOCK_REALTIME, &wall);
	ntp = ((uint64_t)wall.tv_sec + AG_NTP_UNIX_OFFSET) << 32 |
	    (((uint64_t)wall.tv_nsec << 32) / 1000000000u);
	/* The RTP clock now: the last timestamp sent, plus the time since its schedule. */
	if (cs->sent_any)
		rtp_ts = cs->last_ts + (uint32_t)((due - cs->last_due) * st->clock / 1000000);
	else
		rtp_ts = cs->ts_base;
	b[0] = 0x80;
	b[1] = AG_RTCP_SR;
	wr16(b + 2, 6);
	wr32(b + 4, cs->ssrc);
	wr32(b + 8, (uint32_t)(ntp >> 32));
	wr32(b + 12, (uint32_t)ntp);
	wr32(b + 16, rtp_ts);
	wr32(b + 20, cs->packets);
	wr32(b + 24, cs->octets);
	return 28;
}

/* SR+SDES (+BYE at the end) for each stream of a copy, one datagram per SSRC. */
static void
send_rtcp(struct sender *s, struct copy *c, bool bye)
{
	int i;

	for (i = 0; i < s->cap->nst; i++) {
		uint8_t b[512];
		size_t n = build_sr(b, &s->cap->st[i], &c->cs[i], c->next_rtcp), m;
		m = ag_rtcp_build_sdes(b + n, sizeof b - n, c->cs[i].ssrc, c->cname);
		if (m == 0)
			continue;
		n += m;
		if (bye) {
			b[n] = 0x81;
			b[n + 1] = AG_RTCP_BYE;
			wr16(b + n + 2, 1);
			wr32(b + n + 4, c->cs[i].ssrc);
			n += 8;
		}
		send_counted(s, s->rtcp_fd, b, n, true);
	}
}

/* Read and count what the recorder sends back (PLI, RR); never blocks. */
static void
drain_feedback(struct sender *s)
{
	uint8_t b[2048];
	int fds[2] = { s->rtp_fd, s->rtcp_fd }, i;

	for (i = 0; i < 2; i++)
		while (recv(fds[i], b, sizeof b, MSG_DONTWAIT) > 0)
			s->feedback++;
}

static int
connect_socket(const struct sockaddr_storage *a, socklen_t alen, struct ag_error *err)
{
	int fd = udp_socket(a->ss_family, err);

	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)a, alen) < 0) {
		ag_error_errno(err, AG_EX_IOERR, errno, "connect");
		close(fd);
		return -1;
	}
	return fd;
}

static int
cmd_send(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "file", required_argument, NULL, 'f' },
		{ "participants", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 's' },
		{ "cname-base", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sockaddr_storage addr[2];
	socklen_t alen = 0;
	const char *to = NULL, *file = NULL;
	long nparts = 0, seconds = 0, cname_base = 2000;
	struct capture cap;
	struct sender *s = NULL;
	struct heap h = { 0 };
	struct ag_error err = { 0 };
	struct rusage ru;
	int64_t t_begin, t_start, last_drain = 0;
	int ch, i, j, rc = AG_EX_FAIL;

	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 't': to = optarg; break;
		case 'f': file = optarg; break;
		case 'n': nparts = fe_num_exit("--participants", optarg, AG_CLI_BENCH_USERS); break;
		case 's': seconds = fe_num_exit("--seconds", optarg, AG_CLI_BENCH_SEND_SECONDS); break;
		case 'c': cname_base = fe_num_exit("--cname-base", optarg, AG_CLI_UID); break;
		case 'h': return fe_help();
		default: fprintf(stderr, "%s", usage_text); return AG_EX_USAGE;
		}
	}
	if (optind < argc)
		fe_usage_exit("send: unexpected argument '%s'", argv[optind]);
	if (to == NULL || file == NULL || nparts == 0)
		fe_usage_exit("send needs --to, --file and --participants");
	if (cname_base + nparts - 1 > 4294967295L)
		fe_usage_exit("--cname-base: %ld + %ld participants passes 4294967295", cname_base, nparts);
	parse_hostport("to", to, addr, &alen);

	if (capture_load(file, &cap, &err) < 0) {
		ag_msg("%s", err.msg);
		capture_free(&cap);
		return err.code ? err.code : AG_EX_DATAERR;
	}
	for (i = 0; i < cap.nst; i++)
		if (cap.st[i].gaps > 0)
			ag_msg("%s: SSRC %08lx has %llu sequence gaps: they are replayed as loss", file,
			    (unsigned long)cap.st[i].ssrc, (unsigned long long)cap.st[i].gaps);
	if ((s = calloc(1, sizeof *s)) == NULL ||
	    (s->copies = calloc((size_t)nparts, sizeof *s->copies)) == NULL ||
	    (h.v = calloc((size_t)nparts, sizeof *h.v)) == NULL) {
		ag_msg("out of memory");
		goto out;
	}
	s->cap = &cap;
	s->ncopies = (int)nparts;
	s->rtp_fd = s->rtcp_fd = -1;
	s->limit_us = seconds > 0 ? (int64_t)seconds * 1000000 : cap.period_us;
	if ((s->rtp_fd = connect_socket(&addr[0], alen, &err)) < 0 ||
	    (s->rtcp_fd = connect_socket(&addr[1], alen, &err)) < 0) {
		ag_msg("%s: %s", to, err.msg);
		rc = err.code;
		goto out;
	}
	/* Wake-ups on time: the default 50 us timer slack would add to lateness. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);

	t_begin = ag_mono_us();
	t_start = t_begin + 100000;
	h.copies = s->copies;
	for (i = 0; i < nparts; i++) {
		struct copy *c = &s->copies[i];
		if ((c->cs = calloc((size_t)cap.nst, sizeof *c->cs)) == NULL) {
			ag_msg("out of memory");
			goto out;
		}
		snprintf(c->cname, sizeof c->cname, "%ld", cname_base + i);
		for (j = 0; j < cap.nst; j++) {
			const uint8_t *first = NULL;
			size_t k;
			for (k = 0; k < cap.npkts && first == NULL; k++)
				if (cap.pkts[k].stream == j)
					first = cap.pkts[k].data;
			c->cs[j].ssrc = 0x5a000000u | (uint32_t)i << 4 | (uint32_t)j;
			c->cs[j].seq_base = (uint32_t)rd16(first + 2) + (uint32_t)i * 1009u;
			c->cs[j].ts_base = rd32(first + 4) + (uint32_t)i * 2654435761u;
		}
		c->start_us = t_start + (int64_t)i * SPREAD_US / nparts;
		c->last_media_due = c->start_us;
		/* The first SR+SDES precedes the media, as ffmpeg's does. */
		c->next_rtcp = c->start_us - 1;
		copy_advance(s, c);
		h.v[h.n++] = i;
	}
	for (i = (int)h.n / 2; i >= 0; i--)
		heap_down(&h, (size_t)i);

	while (h.n > 0) {
		struct copy *c = &s->copies[h.v[0]];
		int64_t due = copy_key(c), now = ag_mono_us();

		if (fe_stop_signal)
			break;
		if (due > now) {
			if (now - last_drain >= FEEDBACK_POLL_US) {
				drain_feedback(s);
				last_drain = now;
			}
			sleep_until(due);
			continue;
		}
		if (c->next_rtcp <= c->next_media) {
			if (c->media_done) {
				send_rtcp(s, c, true);
				c->bye_sent = true;
				c->next_rtcp = INT64_MAX;
			} else {
				send_rtcp(s, c, false);
				c->next_rtcp += RTCP_INTERVAL_US;
			}
		} else {
			send_media(s, c, now);
		}
		if (copy_key(c) == INT64_MAX)
			h.v[0] = h.v[--h.n];
		heap_down(&h, 0);
	}
	if (fe_stop_signal) {
		/* Stopped early: every copy still says goodbye. */
		for (i = 0; i < nparts; i++)
			if (!s->copies[i].bye_sent) {
				s->copies[i].next_rtcp = ag_mono_us();
				send_rtcp(s, &s->copies[i], true);
			}
	}
	drain_feedback(s);
	getrusage(RUSAGE_SELF, &ru);

	printf("participants %ld\n", nparts);
	printf("seconds %.3f\n", (double)s->limit_us / 1e6);
	printf("capture_period_s %.3f\n", (double)cap.period_us / 1e6);
	for (j = 0; j < cap.nst; j++)
		printf("stream %d pt %d clock %d packets %u frames %llu\n", j, cap.st[j].pt,
		    cap.st[j].clock, s->copies[0].cs[j].packets,
		    (unsigned long long)s->copies[0].cs[j].frames);
	printf("rtp_packets %llu\n", (unsigned long long)s->rtp_packets);
	printf("rtcp_packets %llu\n", (unsigned long long)s->rtcp_packets);
	printf("rtp_bytes %llu\n", (unsigned long long)s->rtp_bytes);
	printf("send_errors %llu\n", (unsigned long long)s->send_errors);
	printf("feedback_received %llu\n", (unsigned long long)s->feedback);
	printf("late_p50_us %lld\n", (long long)late_quantile(&s->late, 0.50));
	printf("late_p99_us %lld\n", (long long)late_quantile(&s->late, 0.99));
	printf("late_p999_us %lld\n", (long long)late_quantile(&s->late, 0.999));
	printf("late_max_us %lld\n", (long long)s->late.max);
	printf("cpu_user_s %.3f\n", (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6);
	printf("cpu_sys_s %.3f\n", (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
	printf("wall_s %.3f\n", (double)(ag_mono_us() - t_begin) / 1e6);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		ag_msg("stdout: %s", strerror(errno));
		rc = AG_EX_IOERR;
		goto out;
	}
	rc = fe_stop_signal ? 128 + SIGTERM : AG_EX_OK;
	if (s->send_errors > 0) {
		ag_msg("%llu datagrams could not be sent (is anything listening on %s?)",
		    (unsigned long long)s->send_errors, to);
		rc = AG_EX_FAIL;
	}
out:
	if (s != NULL) {
		if (s->copies != NULL)
			for (i = 0; i < nparts; i++)
				free(s->copies[i].cs);
		free(s->copies);
		if (s->rtp_fd >= 0)
			close(s->rtp_fd);
		if (s->rtcp_fd >= 0)
			close(s->rtcp_fd);
		free(s);
	}
	free(h.v);
	capture_free(&cap);
	return rc;
}

int
main(int argc, char **argv)
{
	fe_init(&replay_prog, argv[0]);
	if (argc < 2)
		fe_usage_exit("a command is needed: capture or send");
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		return fe_help();
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0)
		return fe_version();
	fe_catch_stop(false);
	if (strcmp(argv[1], "capture") == 0)
		return cmd_capture(argc - 1, argv + 1);
	if (strcmp(argv[1], "send") == 0)
		return cmd_send(argc - 1, argv + 1);
	fe_usage_exit("unknown command '%s' (capture or send)", argv[1]);
	return AG_EX_USAGE;
}
