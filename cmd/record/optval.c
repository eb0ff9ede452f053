/*
 * optval.c - agrec-record's option values, parsed without side effects
 * (no messages, no exit): channel names, payload type maps, SDP lines,
 * the JSON config, --allow networks (and the check of a source against
 * them) and --listen.  opts.c turns
 * their failures into usage errors; tests/fuzz/fuzz_options.c feeds them
 * arbitrary bytes.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "exitcodes.h"
#include "names.h"
#include "num.h"
#include "record/record.h"
#include "rtp.h"
#include "sdp.h"

bool
rc_channel_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 64)
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isalnum(c) || c == ' ')
			continue;
		if (strchr("!#$%&()+-:;<=.>?@[]^_{}|~,", c) == NULL || c == '\0')
			return false;
	}
	return true;
}

int
rc_parse_pt(const char *s, struct rc_ptmap *tab)
{
	char buf[128], *eq, *slash, *slash2;
	long pt, rate, ch = 1;
	int codec;

	if (strlen(s) >= sizeof buf)
		return -1;
	strcpy(buf, s);
	if ((eq = strchr(buf, '=')) == NULL)
		return -1;
	*eq = '\0';
	if (ag_parse_long(buf, 0, 127, &pt) < 0)
		return -1;
	if ((slash = strchr(eq + 1, '/')) == NULL)
		return -1;
	*slash = '\0';
	if ((codec = ag_codec_from_name(eq + 1)) < 0)
		return -1;
	if ((slash2 = strchr(slash + 1, '/')) != NULL) {
		*slash2 = '\0';
		if (ag_parse_long(slash2 + 1, 1, 8, &ch) < 0)
			return -1;
	}
	if (ag_parse_long(slash + 1, 1000, 192000, &rate) < 0)
		return -1;
	tab[pt].set = true;
	tab[pt].codec = (enum ag_codec)codec;
	tab[pt].rate = (int)rate;
	tab[pt].channels = (int)ch;
	return 0;
}

static int
hexval(int c)
{
	return isdigit(c) ? c - '0' : isxdigit(c) ? tolower(c) - 'a' + 10 : -1;
}

/* "ADDR" and port into fb (an IPv4 or IPv6 literal); 0 or -1. */
static int
fb_set(struct rc_fbaddr *fb, const char *addr, long port)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)&fb->sa;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&fb->sa;

	memset(&fb->sa, 0, sizeof fb->sa);
	if (inet_pton(AF_INET, addr, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		fb->len = sizeof *a4;
	} else if (inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1) {
		memset(a6, 0, sizeof *a6);
		inet_pton(AF_INET6, addr, &a6->sin6_addr);
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		fb->len = sizeof *a6;
	} else {
		fb->len = 0;
		return -1;
	}
	return 0;
}

int
rc_parse_feedback(const char *s, struct rc_fbaddr *fb)
{
	char buf[128], *eq, *addr, *colon;
	long ssrc, port;

	memset(fb, 0, sizeof *fb);
	if (strlen(s) >= sizeof buf)
		return -1;
	strcpy(buf, s);
	if ((eq = strchr(buf, '=')) == NULL)
		return -1;
	*eq = '\0';
	if (ag_parse_long(buf, 0, 4294967295L, &ssrc) < 0)
		return -1;
	addr = eq + 1;
	if ((colon = strrchr(addr, ':')) == NULL)
		return -1;
	*colon = '\0';
	if (addr[0] == '[') {
		/* [IPv6]:PORT */
		size_t n = strlen(addr);
		if (n < 3 || addr[n - 1] != ']')
			return -1;
		addr[n - 1] = '\0';
		addr++;
		if (strchr(addr, ':') == NULL)
			return -1;
	} else if (strchr(addr, ':') != NULL) {
		return -1;	/* an IPv6 address needs its brackets */
	}
	if (ag_parse_long(colon + 1, 1, 65535, &port) < 0 || fb_set(fb, addr, port) < 0)
		return -1;
	fb->ssrc = (uint32_t)ssrc;
	return 0;
}

/* The payload types of an "m=KIND PORT PROTO PT..." line into st. */
static int
sdp_media(const char *line, struct rc_sdp_state *st)
{
	char buf[1024], *p, *save = NULL;
	int field = 0;
	long pt;

	st->section++;
	st->npts = 0;
	st->conn[1][0] = '\0';
	snprintf(buf, sizeof buf, "%s", line + 2);
	for (p = strtok_r(buf, " ", &save); p != NULL; p = strtok_r(NULL, " ", &save))
		if (field++ >= 3 && ag_parse_long(p, 0, 127, &pt) == 0 && st->npts < (int)sizeof st->pts)
			st->pts[st->npts++] = (uint8_t)pt;
	return 0;
}

/* a=rtcp:PORT [IN IP4|IP6 ADDR] (RFC 3605): where the sender of this
 * section takes its RTCP, so feedback goes there. */
static int
sdp_rtcp(const char *line, struct rc_sdp_state *st, struct rc_opts *o)
{
	char net[8], type[8], addr[64], extra;
	long port;
	int n, i;
	struct rc_fbaddr *fb;
	const char *conn;

	if (st->section > RC_MAX_SDP_SECTIONS)
		return 1;
	fb = &o->sdp_rtcp[st->section];
	n = sscanf(line, "a=rtcp:%ld %7s %7s %63s %c", &port, net, type, addr, &extra);
	if ((n != 1 && n != 4) || port < 1 || port > 65535)
		return 1;
	for (i = 7; line[i] >= '0' && line[i] <= '9'; i++)
		;
	if (line[i] != '\0' && line[i] != ' ')
		return 1;
	if (n == 4) {
		if (strcmp(net, "IN") != 0 || (strcmp(type, "IP4") != 0 && strcmp(type, "IP6") != 0))
			return 1;
		return fb_set(fb, addr, port) < 0 ? 1 : 0;
	}
	/* No address: the section's c= address, else the session's, else
	 * the host the stream's RTP comes from. */
	conn = st->conn[1][0] ? st->conn[1] : st->conn[0];
	if (conn[0] && fb_set(fb, conn, port) == 0)
		return 0;
	fb_set(fb, "0.0.0.0", port);
	fb->rtp_host = true;
	return 0;
}

/* a=rtcp-fb:PT|* nack pli / ccm fir (RFC 4585, RFC 5104). */
static int
sdp_rtcp_fb(const char *line, struct rc_sdp_state *st, struct rc_ptmap *tab)
{
	char pts[8], what[64];
	long pt;
	bool pli, fir;
	int i;

	if (sscanf(line, "a=rtcp-fb:%7s %63[^\n]", pts, what) != 2)
		return 1;
	pli = strcmp(what, "nack pli") == 0;
	fir = strcmp(what, "ccm fir") == 0;
	if (strcmp(pts, "*") == 0) {
		for (i = 0; i < st->npts; i++) {
			tab[st->pts[i]].fb_pli |= pli;
			tab[st->pts[i]].fb_fir |= fir;
		}
		return 0;
	}
	if (ag_parse_long(pts, 0, 127, &pt) < 0)
		return 1;
	tab[pt].fb_pli |= pli;
	tab[pt].fb_fir |= fir;
	return 0;
}

/* a=extmap:ID URI: RFC 6464 audio levels in the current section's
 * packets, for its payload types mapped so far and those to come. */
static int
sdp_extmap(const char *v, struct rc_sdp_state *st, struct rc_ptmap *tab)
{
	int id = ag_sdp_extmap(v, AG_RTP_EXT_AUDIO_LEVEL), i;

	if (id < 0)
		return 1;
	if (id == 0 || st->section == 0)
		return 0;
	st->level_ext = id;
	for (i = 0; i < st->npts; i++)
		if (tab[st->pts[i]].sdp_section == st->section)
			tab[st->pts[i]].level_ext = id;
	return 0;
}

/*
 * An H.265 fmtp's sprop-vps, sprop-sps and sprop-pps (RFC 7798 7.1:
 * comma-separated base64 NAL units) into pm->sprop as Annex-B, for the
 * depacketizer (ag_depack_set_params).  What does not decode or fit is
 * left out: the parameter sets may still come in band.
 */
static void
sprop_params(const char *fmtp, struct rc_ptmap *pm)
{
	static const char *const keys[] = { "sprop-vps=", "sprop-sps=", "sprop-pps=" };
	size_t k;

	pm->sprop_len = 0;
	for (k = 0; k < sizeof keys / sizeof keys[0]; k++) {
		const char *v = strstr(fmtp, keys[k]);
		size_t vlen;

		if (v == NULL)
			continue;
		v += strlen(keys[k]);
		vlen = strcspn(v, "; ");
		while (vlen > 0) {
			size_t one = strcspn(v, ",");
			size_t room = sizeof pm->sprop - pm->sprop_len;
			long n;

			if (one > vlen)
				one = vlen;
			if (room > 4 && (n = ag_base64_decode(v, one, pm->sprop + pm->sprop_len + 4,
			    room - 4, NULL)) > 0) {
				memcpy(pm->sprop + pm->sprop_len, "\0\0\0\1", 4);
				pm->sprop_len += 4 + (size_t)n;
			}
			v += one;
			vlen -= one;
			if (vlen > 0) {  /* the comma */
				v++;
				vlen--;
			}
		}
	}
}

int
rc_sdp_line(const char *line, struct rc_sdp_state *st, struct rc_opts *o)
{
	struct rc_ptmap *tab = o->pt;
	int pt;
	char name[64], rest[900];

	if (strncmp(line, "m=", 2) == 0) {
		st->level_ext = 0;
		return sdp_media(line, st);
	}
	if (strncmp(line, "a=extmap:", 9) == 0)
		return sdp_extmap(line + 9, st, tab);
	if (sscanf(line, "c=IN %*3s %63[^/ ]", name) == 1) {
		snprintf(st->conn[st->section > 0], sizeof st->conn[0], "%s", name);
		return 0;
	}
	if (strncmp(line, "a=rtcp:", 7) == 0)
		return sdp_rtcp(line, st, o);
	if (strncmp(line, "a=rtcp-fb:", 10) == 0)
		return sdp_rtcp_fb(line, st, tab);
	if (sscanf(line, "a=rtpmap:%d %63[^/]/%899s", &pt, name, rest) == 3 && pt >= 0 && pt < 128) {
		char spec[1000];
		snprintf(spec, sizeof spec, "%d=%s/%s", pt, name, rest);
		if (rc_parse_pt(spec, tab) < 0)
			return 1;
		tab[pt].sdp_section = st->section;
		tab[pt].level_ext = st->level_ext;
		return 0;
	}
	if (strncmp(line, "a=ssrc:", 7) == 0) {
		/* a=ssrc:<ssrc> cname:<uid>: the uid of a sender without RTCP. */
		unsigned long ssrc;
		char cname[256];
		uint32_t uid;
		if (sscanf(line, "a=ssrc:%lu cname:%255s", &ssrc, cname) == 2 && ssrc <= 0xffffffffUL &&
		    ag_parse_uid(cname, strlen(cname), &uid) == 0 && o->nsdp_ssrc < RC_MAX_SDP_SSRC) {
			o->sdp_ssrc[o->nsdp_ssrc].ssrc = (uint32_t)ssrc;
			o->sdp_ssrc[o->nsdp_ssrc].uid = uid;
			o->sdp_ssrc[o->nsdp_ssrc].section = st->section;
			o->nsdp_ssrc++;
			return 0;
		}
		return 1;
	}
	if (sscanf(line, "a=fmtp:%d %899[^\n]", &pt, rest) == 2 && pt >= 0 && pt < 128) {
		const char *c = strstr(rest, "config=");
		const char *don = strstr(rest, "sprop-max-don-diff=");
		size_t n = 0;
		sprop_params(rest, &tab[pt]);
		if (don != NULL) {
			/* RFC 7798 7.1: above 0, packets carry DONL fields */
			char num[16];
			long v;
			snprintf(num, sizeof num, "%.*s", (int)strcspn(don + 19, "; "), don + 19);
			tab[pt].h265_donl = ag_parse_long(num, 0, 32767, &v) < 0 || v > 0;
		}
		if (c == NULL)
			return 0;
		for (c += 7; hexval(c[0]) >= 0 && hexval(c[1]) >= 0 &&
		    n < sizeof tab[pt].aac_config; c += 2)
			tab[pt].aac_config[n++] = (uint8_t)(hexval(c[0]) * 16 + hexval(c[1]));
		tab[pt].aac_config_len = n;
	}
	return 0;
}

int
rc_cfg_parse(const char *text, size_t len, const char *name, char *dir, size_t dirsize,
    struct ag_error *warn, struct ag_error *err)
{
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je), *v;
	const char *key;
	int rc = -1;

	if (root == NULL)
		return ag_error_set(err, AG_EX_DATAERR, "%s:%d: %s", name, je.line, je.text);
	if (!json_is_object(root)) {
		ag_error_set(err, AG_EX_DATAERR, "%s: not a JSON object", name);
		goto out;
	}
	json_object_foreach(root, key, v) {
		if (strcmp(key, "Recording_Dir") == 0) {
			if (!json_is_string(v) || json_string_length(v) == 0 ||
			    json_string_length(v) >= dirsize ||
			    strlen(json_string_value(v)) != json_string_length(v)) {
				ag_error_set(err, AG_EX_DATAERR, "%s: Recording_Dir must be a non-empty "
				    "string without NUL bytes, shorter than %zu bytes", name, dirsize);
				goto out;
			}
			snprintf(dir, dirsize, "%s", json_string_value(v));
		} else if (warn != NULL) {
			/* The SDK's other keys mean nothing here (agora-format.md 4.10). */
			ag_error_set(warn, 0, "%s: ignoring key '%.*s'", name, 64, key);
		}
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}

int
rc_parse_audio_format(const char *s, enum rc_audio_format *fmt)
{
	if (strcmp(s, "aac") == 0)
		*fmt = RC_AUDIO_AAC;
	else if (strcmp(s, "opus") == 0)
		*fmt = RC_AUDIO_OPUS;
	else
		return -1;
	return 0;
}

int
rc_parse_allow(const char *s, struct rc_allow *a)
{
	char buf[128], *slash;
	long prefix = -1;

	if (strlen(s) >= sizeof buf)
		return -1;
	strcpy(buf, s);
	if ((slash = strchr(buf, '/')) != NULL) {
		*slash = '\0';
		if (ag_parse_long(slash + 1, 0, 128, &prefix) < 0)
			return -1;
	}
	memset(a, 0, sizeof *a);
	if (inet_pton(AF_INET, buf, a->addr) == 1) {
		a->family = AF_INET;
		if (prefix > 32)
			return -1;
		a->prefix = prefix < 0 ? 32 : (int)prefix;
	} else if (inet_pton(AF_INET6, buf, a->addr) == 1) {
		a->family = AF_INET6;
		a->prefix = prefix < 0 ? 128 : (int)prefix;
	} else {
		return -1;
	}
	return 0;
}

bool
rc_allowed(const struct rc_opts *o, const struct sockaddr_storage *from)
{
	const uint8_t *v4 = NULL, *v6 = NULL;
	int k;

	if (o->nallow == 0)
		return true;
	if (from->ss_family == AF_INET) {
		v4 = (const uint8_t *)&((const struct sockaddr_in *)from)->sin_addr;
	} else if (from->ss_family == AF_INET6) {
		const struct in6_addr *a6 = &((const struct sockaddr_in6 *)from)->sin6_addr;
		v6 = a6->s6_addr;
		/* an IPv4 sender on a dual-stack (::) socket: ::ffff:a.b.c.d */
		if (IN6_IS_ADDR_V4MAPPED(a6))
			v4 = v6 + 12;
	} else {
		return false;
	}
	for (k = 0; k < o->nallow; k++) {
		const struct rc_allow *al = &o->allow[k];
		const uint8_t *a = al->family == AF_INET ? v4 : v6;
		int full = al->prefix / 8, rest = al->prefix % 8;
		if (a == NULL || memcmp(a, al->addr, (size_t)full) != 0)
			continue;
		if (rest && ((a[full] ^ al->addr[full]) & (0xff << (8 - rest))) != 0)
			continue;
		return true;
	}
	return false;
}

int
rc_parse_listen(const char *s, char *host, size_t hostsize, int *port)
{
	const char *colon, *h = s, *hend;
	long v;

	if (s[0] == '[') {
		/* [IPv6]:PORT, as in a URL */
		h = s + 1;
		if ((hend = strchr(h, ']')) == NULL || hend[1] != ':')
			return -1;
		colon = hend + 1;
	} else {
		/* HOST:PORT; an IPv6 address without brackets ends at the last ':' */
		if ((colon = strrchr(s, ':')) == NULL)
			return -1;
		hend = colon;
	}
	if (hend == h || (size_t)(hend - h) >= hostsize)
		return -1;
	if (ag_parse_long(colon + 1, 1, 65534, &v) < 0)
		return -1;
	snprintf(host, hostsize, "%.*s", (int)(hend - h), h);
	*port = (int)v;
	return 0;
}
