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

#include "exitcodes.h"
#include "names.h"
#include "num.h"
#include "record/record.h"

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

int
rc_sdp_line(const char *line, struct rc_ptmap *tab, struct rc_sdp_ssrc *ssrcs, int *nssrc)
{
	int pt;
	char name[64], rest[900];

	if (sscanf(line, "a=rtpmap:%d %63[^/]/%899s", &pt, name, rest) == 3 && pt >= 0 && pt < 128) {
		char spec[1000];
		snprintf(spec, sizeof spec, "%d=%s/%s", pt, name, rest);
		return rc_parse_pt(spec, tab) < 0 ? 1 : 0;
	}
	if (strncmp(line, "a=ssrc:", 7) == 0) {
		/* a=ssrc:<ssrc> cname:<uid>: the uid of a sender without RTCP. */
		unsigned long ssrc;
		char cname[256];
		uint32_t uid;
		if (sscanf(line, "a=ssrc:%lu cname:%255s", &ssrc, cname) == 2 && ssrc <= 0xffffffffUL &&
		    ag_parse_uid(cname, strlen(cname), &uid) == 0 && *nssrc < RC_MAX_SDP_SSRC) {
			ssrcs[*nssrc].ssrc = (uint32_t)ssrc;
			ssrcs[*nssrc].uid = uid;
			(*nssrc)++;
			return 0;
		}
		return 1;
	}
	if (sscanf(line, "a=fmtp:%d %899[^\n]", &pt, rest) == 2 && pt >= 0 && pt < 128) {
		const char *c = strstr(rest, "config=");
		size_t n = 0;
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
