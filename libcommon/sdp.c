/*
 * sdp.c - the WebRTC offer a WHIP endpoint receives, the recorder's
 * choice from it and the answer it sends (see sdp.h).
 *
 * The parser works on one line at a time, copied NUL-terminated into a
 * scratch buffer; every value is checked to fit its field, so that a
 * field never holds a cut value.  Section values the offer does not
 * give (ICE credentials, fingerprint, setup, direction) are filled from
 * the session level once the whole offer is read.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "rtp.h"
#include "sdp.h"

/* The session-level values a section inherits. */
struct sess {
	char ufrag[256], pwd[256], fp_alg[16], fp[200], setup[16];
	enum ag_sdp_dir dir;
	bool dir_set;
};

struct parser {
	struct ag_sdp *sdp;
	struct sess sess;
	bool dir_set[AG_SDP_MAX_MEDIA];
	bool bundle_seen;
	int lineno;
	struct ag_error *err;
};

static int
perr(struct parser *ps, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return ag_error_set(ps->err, AG_EX_DATAERR, "line %d: %s", ps->lineno, msg);
}

/* Copy s (n bytes) into dst of size cap, NUL-terminated.  -1 when it does not fit. */
static int
copy_n(char *dst, size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		return -1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

static int
copy_val(struct parser *ps, char *dst, size_t cap, const char *s, const char *what)
{
	if (copy_n(dst, cap, s, strlen(s)) < 0)
		return perr(ps, "%s: value too long", what);
	return 0;
}

/* A decimal number in [min, max] at *s, advancing *s past it.  -1 when none. */
static int
num(const char **s, long min, long max, long *out)
{
	long v = 0;
	const char *p = *s;

	if (!isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)*p)) {
		v = v * 10 + (*p - '0');
		if (v > max)
			return -1;
		p++;
	}
	if (v < min)
		return -1;
	*s = p;
	*out = v;
	return 0;
}

/* The next space-separated token of *s: its start, its length in *n; *s moves past it. */
static const char *
token(const char **s, size_t *n)
{
	const char *p = *s, *t;

	while (*p == ' ' || *p == '\t')
		p++;
	t = p;
	while (*p != '\0' && *p != ' ' && *p != '\t')
		p++;
	*n = (size_t)(p - t);
	*s = p;
	return t;
}

static struct ag_sdp_media *
cur(struct parser *ps)
{
	return ps->sdp->nmedia > 0 ? &ps->sdp->media[ps->sdp->nmedia - 1] : NULL;
}

static struct ag_sdp_codec *
find_codec(struct ag_sdp_media *m, long pt)
{
	int i;

	for (i = 0; i < m->ncodecs; i++)
		if (m->codecs[i].pt == pt)
			return &m->codecs[i];
	return NULL;
}

static void
static_codec(struct ag_sdp_codec *c)
{
	static const struct { int pt; const char *name; } tab[] = {
		{ 0, "PCMU" }, { 8, "PCMA" }, { 9, "G722" },
	};
	size_t i;

	c->channels = 1;
	for (i = 0; i < sizeof tab / sizeof tab[0]; i++)
		if (tab[i].pt == c->pt) {
			strcpy(c->name, tab[i].name);
			c->rate = 8000;
		}
}

/* m=<media> <port>[/<n>] <proto> <fmt> ... */
static int
parse_m(struct parser *ps, const char *v)
{
	struct ag_sdp_media *m;
	struct ag_sdp_codec *c;
	const char *t;
	size_t n;
	long port, pt;
	bool rtp;

	if (ps->sdp->nmedia >= AG_SDP_MAX_MEDIA)
		return perr(ps, "more than %d m= sections", AG_SDP_MAX_MEDIA);
	m = &ps->sdp->media[ps->sdp->nmedia++];
	t = token(&v, &n);
	if (n == 0 || copy_n(m->kind, sizeof m->kind, t, n) < 0)
		return perr(ps, "m=: bad media type");
	while (*v == ' ')
		v++;
	if (num(&v, 0, 65535, &port) < 0)
		return perr(ps, "m=: bad port");
	m->port = (int)port;
	if (*v == '/' && (v++, num(&v, 1, 65535, &port) < 0))
		return perr(ps, "m=: bad port count");
	if (*v != ' ' && *v != '\t')
		return perr(ps, "m=: bad port");
	t = token(&v, &n);
	if (n == 0 || copy_n(m->proto, sizeof m->proto, t, n) < 0)
		return perr(ps, "m=: bad protocol");
	rtp = strstr(m->proto, "RTP") != NULL;
	for (t = token(&v, &n); n > 0; t = token(&v, &n)) {
		if (m->ncodecs >= AG_SDP_MAX_CODECS)
			return perr(ps, "m=: more than %d formats", AG_SDP_MAX_CODECS);
		c = &m->codecs[m->ncodecs];
		if (!rtp) {
			/* A non-RTP format ("webrtc-datachannel"): pt -1, name the token. */
			if (copy_n(c->name, sizeof c->name, t, n) < 0)
				return perr(ps, "m=: format too long");
			c->pt = -1;
			c->channels = 1;
			m->ncodecs++;
			continue;
		}
		if (num(&t, 0, 127, &pt) < 0 || t != v)
			return perr(ps, "m=: bad payload type");
		if (find_codec(m, pt) != NULL)
			continue;
		c->pt = (int)pt;
		static_codec(c);
		m->ncodecs++;
	}
	if (m->ncodecs == 0)
		return perr(ps, "m=: no formats");
	return 0;
}

/* "PT rest" for rtpmap and fmtp: the codec (NULL when PT is not on the m= line). */
static int
pt_codec(struct parser *ps, const char **v, const char *what, struct ag_sdp_codec **c)
{
	long pt;

	if (num(v, 0, 127, &pt) < 0 || (**v != ' ' && **v != '\0'))
		return perr(ps, "%s: bad payload type", what);
	while (**v == ' ')
		(*v)++;
	*c = cur(ps) != NULL ? find_codec(cur(ps), pt) : NULL;
	return 0;
}

/* a=rtpmap:PT NAME/RATE[/CH] */
static int
parse_rtpmap(struct parser *ps, const char *v)
{
	struct ag_sdp_codec *c;
	const char *slash;
	long rate, ch = 1;

	if (pt_codec(ps, &v, "a=rtpmap", &c) < 0)
		return -1;
	if ((slash = strchr(v, '/')) == NULL || slash == v)
		return perr(ps, "a=rtpmap: no encoding name/clock rate");
	if (c == NULL)
		return 0;
	if (copy_n(c->name, sizeof c->name, v, (size_t)(slash - v)) < 0)
		return perr(ps, "a=rtpmap: encoding name too long");
	v = slash + 1;
	if (num(&v, 1, 100000000, &rate) < 0)
		return perr(ps, "a=rtpmap: bad clock rate");
	if (*v == '/' && (v++, num(&v, 1, 255, &ch) < 0))
		return perr(ps, "a=rtpmap: bad channel count");
	if (*v != '\0' && *v != ' ')
		return perr(ps, "a=rtpmap: bad clock rate");
	c->rate = (int)rate;
	c->channels = (int)ch;
	return 0;
}

static int
parse_fmtp(struct parser *ps, const char *v)
{
	struct ag_sdp_codec *c;

	if (pt_codec(ps, &v, "a=fmtp", &c) < 0)
		return -1;
	return c == NULL ? 0 : copy_val(ps, c->fmtp, sizeof c->fmtp, v, "a=fmtp");
}

static void
apply_fb(struct ag_sdp_codec *c, const char *fb)
{
	if (strcmp(fb, "nack") == 0)
		c->nack = true;
	else if (strcmp(fb, "nack pli") == 0)
		c->pli = true;
	else if (strcmp(fb, "ccm fir") == 0)
		c->fir = true;
	else if (strcmp(fb, "goog-remb") == 0)
		c->remb = true;
	else if (strcmp(fb, "transport-cc") == 0)
		c->twcc = true;
}

/* a=rtcp-fb:PT|* TYPE [PARAM] */
static int
parse_rtcpfb(struct parser *ps, const char *v)
{
	struct ag_sdp_media *m = cur(ps);
	struct ag_sdp_codec *c;
	int i;

	if (*v == '*') {
		for (v++; *v == ' '; v++)
			;
		for (i = 0; m != NULL && i < m->ncodecs; i++)
			apply_fb(&m->codecs[i], v);
		return 0;
	}
	if (pt_codec(ps, &v, "a=rtcp-fb", &c) < 0)
		return -1;
	if (c != NULL)
		apply_fb(c, v);
	return 0;
}

int
ag_sdp_extmap(const char *v, const char *uri)
{
	long id;
	size_t n = strlen(uri);

	if (num(&v, 1, 255, &id) < 0)
		return -1;
	if (*v == '/')
		for (v++; *v != '\0' && *v != ' '; v++)
			;
	if (*v != ' ')
		return -1;
	while (*v == ' ')
		v++;
	return strncmp(v, uri, n) == 0 && (v[n] == '\0' || v[n] == ' ') ? (int)id : 0;
}

/* a=extmap:ID[/DIR] URI: the RFC 6464 audio level's id, kept. */
static int
parse_extmap(struct parser *ps, const char *v)
{
	struct ag_sdp_media *m = cur(ps);
	int id = ag_sdp_extmap(v, AG_RTP_EXT_AUDIO_LEVEL);

	if (id < 0)
		return perr(ps, "a=extmap: bad id or no URI");
	if (id > 0 && m != NULL)
		m->level_ext = id;
	return 0;
}

/* a=ssrc:N ATTR[:VALUE] */
static int
parse_ssrc(struct parser *ps, const char *v)
{
	struct ag_sdp_media *m = cur(ps);
	struct ag_sdp_ssrc *s = NULL;
	long n;
	int i;

	if (num(&v, 0, 4294967295L, &n) < 0 || (*v != ' ' && *v != '\0'))
		return perr(ps, "a=ssrc: bad SSRC");
	if (m == NULL)
		return 0;
	for (i = 0; i < m->nssrcs; i++)
		if (m->ssrcs[i].ssrc == (uint32_t)n)
			s = &m->ssrcs[i];
	if (s == NULL) {
		if (m->nssrcs >= AG_SDP_MAX_SSRCS)
			return 0;
		s = &m->ssrcs[m->nssrcs++];
		s->ssrc = (uint32_t)n;
	}
	while (*v == ' ')
		v++;
	if (strncmp(v, "cname:", 6) == 0)
		return copy_val(ps, s->cname, sizeof s->cname, v + 6, "a=ssrc: cname");
	return 0;
}

/* a=fingerprint:ALG HEX:HEX:... */
static int
parse_fp(struct parser *ps, char *alg, size_t algcap, char *fp, size_t fpcap, const char *v)
{
	const char *t;
	size_t n, i;

	t = token(&v, &n);
	if (n == 0 || copy_n(alg, algcap, t, n) < 0)
		return perr(ps, "a=fingerprint: bad hash function");
	t = token(&v, &n);
	if (n == 0 || copy_n(fp, fpcap, t, n) < 0)
		return perr(ps, "a=fingerprint: bad fingerprint");
	for (i = 0; alg[i] != '\0'; i++)
		alg[i] = (char)tolower((unsigned char)alg[i]);
	for (i = 0; fp[i] != '\0'; i++) {
		if (!isxdigit((unsigned char)fp[i]) && fp[i] != ':')
			return perr(ps, "a=fingerprint: bad fingerprint");
		fp[i] = (char)toupper((unsigned char)fp[i]);
	}
	return 0;
}

static int
parse_bundle(struct parser *ps, const char *v)
{
	struct ag_sdp *sdp = ps->sdp;
	const char *t;
	size_t n;

	if (ps->bundle_seen)
		return 0;
	ps->bundle_seen = true;
	for (t = token(&v, &n); n > 0; t = token(&v, &n)) {
		if (sdp->nbundle >= AG_SDP_MAX_BUNDLE)
			return perr(ps, "a=group:BUNDLE: more than %d mids", AG_SDP_MAX_BUNDLE);
		if (copy_n(sdp->bundle[sdp->nbundle], sizeof sdp->bundle[0], t, n) < 0)
			return perr(ps, "a=group:BUNDLE: mid too long");
		sdp->nbundle++;
	}
	return 0;
}

static int
parse_dir(struct parser *ps, const char *a)
{
	static const char *const names[] = { "sendrecv", "sendonly", "recvonly", "inactive" };
	int i;

	for (i = 0; i < 4; i++)
		if (strcmp(a, names[i]) == 0) {
			if (cur(ps) == NULL) {
				ps->sess.dir = (enum ag_sdp_dir)i;
				ps->sess.dir_set = true;
			} else {
				cur(ps)->dir = (enum ag_sdp_dir)i;
				ps->dir_set[ps->sdp->nmedia - 1] = true;
			}
			return 1;
		}
	return 0;
}

/* One a= line (a: what follows "a="). */
static int
parse_a(struct parser *ps, const char *a)
{
	struct ag_sdp_media *m = cur(ps);
	char *ufrag = m != NULL ? m->ufrag : ps->sess.ufrag;
	char *pwd = m != NULL ? m->pwd : ps->sess.pwd;
	char *setup = m != NULL ? m->setup : ps->sess.setup;

	if (parse_dir(ps, a))
		return 0;
	if (strncmp(a, "ice-ufrag:", 10) == 0)
		return copy_val(ps, ufrag, sizeof ps->sess.ufrag, a + 10, "a=ice-ufrag");
	if (strncmp(a, "ice-pwd:", 8) == 0)
		return copy_val(ps, pwd, sizeof ps->sess.pwd, a + 8, "a=ice-pwd");
	if (strncmp(a, "setup:", 6) == 0)
		return copy_val(ps, setup, sizeof ps->sess.setup, a + 6, "a=setup");
	if (strncmp(a, "fingerprint:", 12) == 0) {
		if (m != NULL)
			return parse_fp(ps, m->fp_alg, sizeof m->fp_alg, m->fp, sizeof m->fp,
			    a + 12);
		return parse_fp(ps, ps->sess.fp_alg, sizeof ps->sess.fp_alg, ps->sess.fp,
		    sizeof ps->sess.fp, a + 12);
	}
	if (strcmp(a, "ice-lite") == 0 && m == NULL)
		ps->sdp->ice_lite = true;
	else if (strncmp(a, "group:BUNDLE", 12) == 0 && (a[12] == ' ' || a[12] == '\0'))
		return parse_bundle(ps, a + 12);
	else if (m == NULL)
		return 0;
	else if (strncmp(a, "mid:", 4) == 0)
		return copy_val(ps, m->mid, sizeof m->mid, a + 4, "a=mid");
	else if (strcmp(a, "rtcp-mux") == 0)
		m->rtcp_mux = true;
	else if (strncmp(a, "rtpmap:", 7) == 0)
		return parse_rtpmap(ps, a + 7);
	else if (strncmp(a, "fmtp:", 5) == 0)
		return parse_fmtp(ps, a + 5);
	else if (strncmp(a, "rtcp-fb:", 8) == 0)
		return parse_rtcpfb(ps, a + 8);
	else if (strncmp(a, "ssrc:", 5) == 0)
		return parse_ssrc(ps, a + 5);
	else if (strncmp(a, "extmap:", 7) == 0)
		return parse_extmap(ps, a + 7);
	return 0;
}

/* One line (NUL-terminated, no line end). */
static int
parse_line(struct parser *ps, const char *l, bool first)
{
	const char *p;

	for (p = l; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t')
			return perr(ps, "control character in line");
	if (!islower((unsigned char)l[0]) || l[1] != '=')
		return perr(ps, "not an SDP line (x=value)");
	if (first)
		return l[0] == 'v' && strcmp(l, "v=0") == 0 ? 0 :
		    perr(ps, "the offer must begin with v=0");
	if (l[0] == 'm')
		return parse_m(ps, l + 2);
	if (l[0] == 'a')
		return parse_a(ps, l + 2);
	return 0;
}

/* Give each section what it lacks from the session level. */
static void
inherit(struct parser *ps)
{
	struct ag_sdp_media *m;
	int i;

	for (i = 0; i < ps->sdp->nmedia; i++) {
		m = &ps->sdp->media[i];
		if (m->ufrag[0] == '\0')
			strcpy(m->ufrag, ps->sess.ufrag);
		if (m->pwd[0] == '\0')
			strcpy(m->pwd, ps->sess.pwd);
		if (m->fp[0] == '\0') {
			strcpy(m->fp_alg, ps->sess.fp_alg);
			strcpy(m->fp, ps->sess.fp);
		}
		if (m->setup[0] == '\0')
			strcpy(m->setup, ps->sess.setup);
		if (!ps->dir_set[i] && ps->sess.dir_set)
			m->dir = ps->sess.dir;
	}
}

struct ag_sdp *
ag_sdp_parse(const char *text, size_t len, struct ag_error *err)
{
	struct parser ps;
	char *line = NULL;
	const char *p = text, *end = text + len, *nl;
	size_t n;
	bool first = true;

	memset(&ps, 0, sizeof ps);
	ps.err = err;
	if (len > AG_SDP_MAX_TEXT) {
		ag_error_set(err, AG_EX_DATAERR, "the offer is too long (%zu bytes, at most %d)",
		    len, AG_SDP_MAX_TEXT);
		return NULL;
	}
	if (len > 0 && memchr(text, '\0', len) != NULL) {
		ag_error_set(err, AG_EX_DATAERR, "the offer holds a NUL byte");
		return NULL;
	}
	if ((ps.sdp = calloc(1, sizeof *ps.sdp)) == NULL || (line = malloc(len + 1)) == NULL) {
		ag_error_set(err, AG_EX_FAIL, "out of memory");
		goto fail;
	}
	while (p < end) {
		ps.lineno++;
		nl = memchr(p, '\n', (size_t)(end - p));
		n = (nl != NULL ? nl : end) - p;
		memcpy(line, p, n);
		if (n > 0 && line[n - 1] == '\r')
			n--;
		line[n] = '\0';
		p = nl != NULL ? nl + 1 : end;
		if (n == 0 && !first)
			continue;
		if (parse_line(&ps, line, first) < 0)
			goto fail;
		first = false;
	}
	if (first) {
		ag_error_set(err, AG_EX_DATAERR, "the offer is empty");
		goto fail;
	}
	inherit(&ps);
	free(line);
	return ps.sdp;
fail:
	free(line);
	free(ps.sdp);
	return NULL;
}

/* packetization-mode=1 among the ';'-separated fmtp parameters. */
static bool
h264_pm1(const char *fmtp)
{
	const char *p = fmtp;
	size_t n;

	while (*p != '\0') {
		while (*p == ' ' || *p == ';')
			p++;
		n = strcspn(p, ";");
		if (strncasecmp(p, "packetization-mode", 18) == 0) {
			const char *v = p + 18;

			while (*v == ' ')
				v++;
			if (*v == '=') {
				for (v++; *v == ' '; v++)
					;
				if (*v == '1' && (v + 1 == p + n || v[1] == ' ' || v[1] == ';'))
					return true;
			}
		}
		p += n;
	}
	return false;
}

static bool
takes(const struct ag_sdp_media *m, const struct ag_sdp_codec *c)
{
	if (strcmp(m->kind, "audio") == 0)
		return strcasecmp(c->name, "opus") == 0 && c->rate == 48000 && c->channels == 2;
	if (strcmp(m->kind, "video") == 0)
		return c->rate == 90000 && (strcasecmp(c->name, "VP8") == 0 ||
		    (strcasecmp(c->name, "H264") == 0 && h264_pm1(c->fmtp)));
	return false;
}

static bool
in_bundle(const struct ag_sdp *o, const char *mid)
{
	int i;

	for (i = 0; mid[0] != '\0' && i < o->nbundle; i++)
		if (strcmp(o->bundle[i], mid) == 0)
			return true;
	return false;
}

/*
 * The index of the first codec of m the recorder takes, -1: none.  A
 * section with port 0 is disabled unless it is in the BUNDLE group
 * (a=bundle-only, RFC 8843 7.3: GStreamer's max-bundle offers).
 */
static int
first_taken(const struct ag_sdp *o, const struct ag_sdp_media *m)
{
	int i;

	if ((m->port == 0 && !in_bundle(o, m->mid)) || strstr(m->proto, "RTP") == NULL)
		return -1;
	for (i = 0; i < m->ncodecs; i++)
		if (takes(m, &m->codecs[i]))
			return i;
	return -1;
}

static bool
is_helper_codec(const char *name)
{
	static const char *const helpers[] = {
		"rtx", "red", "ulpfec", "flexfec-03", "CN", "telephone-event", "",
	};
	size_t i;

	for (i = 0; i < sizeof helpers / sizeof helpers[0]; i++)
		if (strcasecmp(name, helpers[i]) == 0)
			return true;
	return false;
}

/* Append to s (size cap) the distinct codec names the offer has for kind. */
static void
list_codecs(const struct ag_sdp *o, const char *kind, char *s, size_t cap)
{
	const char *names[AG_SDP_MAX_MEDIA * AG_SDP_MAX_CODECS];
	int i, j, k, n = 0;
	size_t len;

	for (i = 0; i < o->nmedia; i++) {
		if (strcmp(o->media[i].kind, kind) != 0)
			continue;
		for (j = 0; j < o->media[i].ncodecs; j++) {
			const char *nm = o->media[i].codecs[j].name;

			if (is_helper_codec(nm))
				continue;
			for (k = 0; k < n && strcasecmp(names[k], nm) != 0; k++)
				;
			if (k == n)
				names[n++] = nm;
		}
	}
	len = strlen(s);
	if (n == 0)
		return;
	snprintf(s + len, cap - len, "%s%s", len > 0 ? " and " : "", kind);
	for (k = 0; k < n; k++) {
		len = strlen(s);
		snprintf(s + len, cap - len, "%s%s", k == 0 ? " " : k == n - 1 ? " and " : ", ",
		    names[k]);
	}
}

/*
 * Nothing taken (406): the sections with a codec in common do not send,
 * or the offer's codecs, named.
 */
static int
nothing_taken(const struct ag_sdp *o, int *status, struct ag_error *err)
{
	char has[700] = "";
	int i;

	*status = 406;
	for (i = 0; i < o->nmedia; i++)
		if (first_taken(o, &o->media[i]) >= 0)
			return ag_error_set(err, AG_EX_DATAERR, "nothing to record: the offer's %s "
			    "section does not send (a=sendonly or a=sendrecv needed)",
			    o->media[i].kind);
	list_codecs(o, "audio", has, sizeof has);
	list_codecs(o, "video", has, sizeof has);
	return ag_error_set(err, AG_EX_DATAERR, "no codec in common: the offer has %s; agrec "
	    "takes opus, H264 (packetization-mode 1) and VP8", has[0] != '\0' ? has : "none");
}

/* A taken section's transport: 0, or -1 with err (400). */
static int
check_transport(const struct ag_sdp_media *m, struct ag_error *err)
{
	const char *k = m->kind;

	if (m->ufrag[0] == '\0' || m->pwd[0] == '\0')
		return ag_error_set(err, AG_EX_DATAERR, "the %s section has no ICE credentials "
		    "(a=ice-ufrag, a=ice-pwd)", k);
	if (m->fp[0] == '\0' || m->fp_alg[0] == '\0')
		return ag_error_set(err, AG_EX_DATAERR, "the %s section has no a=fingerprint", k);
	if (strcmp(m->setup, "passive") == 0)
		return ag_error_set(err, AG_EX_DATAERR, "the %s section has a=setup:passive; "
		    "agrec is passive too (actpass or active needed)", k);
	if (m->setup[0] != '\0' && strcmp(m->setup, "actpass") != 0 &&
	    strcmp(m->setup, "active") != 0)
		return ag_error_set(err, AG_EX_DATAERR, "the %s section has a=setup:%s "
		    "(actpass or active needed)", k, m->setup);
	if (!m->rtcp_mux)
		return ag_error_set(err, AG_EX_DATAERR, "the %s section has no a=rtcp-mux", k);
	return 0;
}

int
ag_sdp_pick(const struct ag_sdp *offer, struct ag_sdp_pick *p, int *status,
    struct ag_error *err)
{
	const struct ag_sdp_media *a, *v;
	int i, c, st = 400;

	p->audio = p->video = -1;
	for (i = 0; i < AG_SDP_MAX_MEDIA; i++)
		p->codec[i] = -1;
	for (i = 0; i < offer->nmedia; i++) {
		const char *k = offer->media[i].kind;
		int *slot = strcmp(k, "audio") == 0 ? &p->audio : strcmp(k, "video") == 0 ?
		    &p->video : NULL;
		enum ag_sdp_dir d = offer->media[i].dir;

		if (slot == NULL || *slot >= 0 || (d != AG_SDP_SENDONLY && d != AG_SDP_SENDRECV))
			continue;
		if ((c = first_taken(offer, &offer->media[i])) >= 0) {
			*slot = i;
			p->codec[i] = c;
		}
	}
	if (p->audio < 0 && p->video < 0) {
		nothing_taken(offer, &st, err);
		goto fail;
	}
	if (offer->ice_lite) {
		ag_error_set(err, AG_EX_DATAERR, "the offer is ICE-lite: agrec is ICE-lite too");
		goto fail;
	}
	a = p->audio >= 0 ? &offer->media[p->audio] : NULL;
	v = p->video >= 0 ? &offer->media[p->video] : NULL;
	if ((a != NULL && check_transport(a, err) < 0) ||
	    (v != NULL && check_transport(v, err) < 0))
		goto fail;
	if (a != NULL && v != NULL && !(in_bundle(offer, a->mid) && in_bundle(offer, v->mid)) &&
	    (strcmp(a->ufrag, v->ufrag) != 0 || strcmp(a->pwd, v->pwd) != 0 ||
	    strcmp(a->fp, v->fp) != 0)) {
		ag_error_set(err, AG_EX_DATAERR, "the audio and video sections are not bundled "
		    "(one a=group:BUNDLE or the same ICE credentials and fingerprint needed)");
		goto fail;
	}
	return 0;
fail:
	if (status != NULL)
		*status = st;
	p->audio = p->video = -1;
	for (i = 0; i < AG_SDP_MAX_MEDIA; i++)
		p->codec[i] = -1;
	return -1;
}

/* Append a printf-formatted line and CRLF to b (failures stick in b->failed). */
static void
put(struct ag_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
put(struct ag_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || ag_buf_reserve(b, (size_t)n + 3) < 0) {
		b->failed = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf((char *)b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	ag_buf_append(b, "\r\n", 2);
}

static void
put_rejected(struct ag_buf *b, const struct ag_sdp_media *m)
{
	const struct ag_sdp_codec *c = &m->codecs[0];

	if (c->pt >= 0)
		put(b, "m=%s 0 %s %d", m->kind, m->proto, c->pt);
	else
		put(b, "m=%s 0 %s %s", m->kind, m->proto, c->name);
	if (m->mid[0] != '\0')
		put(b, "a=mid:%s", m->mid);
	put(b, "a=inactive");
}

static void
put_taken(struct ag_buf *b, const struct ag_sdp_media *m, const struct ag_sdp_codec *c,
    const struct ag_sdp_local *l)
{
	bool video = strcmp(m->kind, "video") == 0;
	int i;

	put(b, "m=%s 9 %s %d", m->kind, m->proto, c->pt);
	put(b, "c=IN IP4 0.0.0.0");
	if (video && l->max_kbps > 0)
		put(b, "b=AS:%d", l->max_kbps);
	if (m->mid[0] != '\0')
		put(b, "a=mid:%s", m->mid);
	put(b, "a=recvonly");
	put(b, "a=rtcp-mux");
	put(b, "a=ice-ufrag:%s", l->ufrag);
	put(b, "a=ice-pwd:%s", l->pwd);
	put(b, "a=fingerprint:%s", l->fingerprint);
	put(b, "a=setup:passive");
	if (c->channels != 1)
		put(b, "a=rtpmap:%d %s/%d/%d", c->pt, c->name, c->rate, c->channels);
	else
		put(b, "a=rtpmap:%d %s/%d", c->pt, c->name, c->rate);
	if (c->fmtp[0] != '\0')
		put(b, "a=fmtp:%d %s", c->pt, c->fmtp);
	if (video)
		put(b, "a=rtcp-fb:%d nack pli", c->pt);
	if (video && c->fir)
		put(b, "a=rtcp-fb:%d ccm fir", c->pt);
	if (video)
		put(b, "a=rtcp-fb:%d goog-remb", c->pt);
	if (!video && m->level_ext > 0)
		put(b, "a=extmap:%d %s", m->level_ext, AG_RTP_EXT_AUDIO_LEVEL);
	for (i = 0; i < l->naddrs; i++)
		put(b, "a=candidate:%d 1 udp %lu %s %d typ host", i + 1,
		    (126UL << 24) + ((unsigned long)(65535 - i) << 8) + 255, l->addrs[i], l->port);
	put(b, "a=end-of-candidates");
}

/* A string fit for one SDP line: non-empty, printable. */
static bool
line_safe(const char *s)
{
	if (s == NULL || *s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static int
check_local(const struct ag_sdp_local *l, struct ag_error *err)
{
	int i;

	if (!line_safe(l->ufrag) || !line_safe(l->pwd) || !line_safe(l->fingerprint))
		return ag_error_set(err, AG_EX_FAIL, "sdp answer: bad local ICE credentials "
		    "or fingerprint");
	if (l->port < 1 || l->port > 65535 || l->naddrs < 0 || l->naddrs > 65535 ||
	    (l->naddrs > 0 && l->addrs == NULL))
		return ag_error_set(err, AG_EX_FAIL, "sdp answer: bad local port or addresses");
	for (i = 0; i < l->naddrs; i++)
		if (!line_safe(l->addrs[i]) || strchr(l->addrs[i], ' ') != NULL)
			return ag_error_set(err, AG_EX_FAIL, "sdp answer: bad local address");
	return 0;
}

char *
ag_sdp_answer(const struct ag_sdp *offer, const struct ag_sdp_pick *p,
    const struct ag_sdp_local *local, struct ag_error *err)
{
	struct ag_buf b = { 0 };
	const struct ag_sdp_media *m;
	char group[AG_SDP_MAX_MEDIA * 65 + 1] = "";
	int i, c;

	if (check_local(local, err) < 0)
		return NULL;
	for (i = 0; i < offer->nmedia; i++) {
		m = &offer->media[i];
		c = p->codec[i];
		if (c >= 0 && c < m->ncodecs && (i == p->audio || i == p->video) &&
		    in_bundle(offer, m->mid)) {
			strcat(group, " ");
			strcat(group, m->mid);
		}
	}
	put(&b, "v=0");
	put(&b, "o=- %llu 2 IN IP4 127.0.0.1", (unsigned long long)local->session_id);
	put(&b, "s=-");
	put(&b, "t=0 0");
	put(&b, "a=ice-lite");
	if (group[0] != '\0')
		put(&b, "a=group:BUNDLE%s", group);
	put(&b, "a=msid-semantic: WMS");
	for (i = 0; i < offer->nmedia; i++) {
		m = &offer->media[i];
		c = p->codec[i];
		if (c >= 0 && c < m->ncodecs && (i == p->audio || i == p->video))
			put_taken(&b, m, &m->codecs[c], local);
		else if (m->ncodecs > 0)
			put_rejected(&b, m);
	}
	ag_buf_append(&b, "", 1);
	if (b.failed) {
		ag_buf_free(&b);
		ag_error_set(err, AG_EX_FAIL, "sdp answer: out of memory");
		return NULL;
	}
	return (char *)b.p;
}
