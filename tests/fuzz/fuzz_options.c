/*
 * fuzz_options.c - agrec-record's option values and its JSON config
 * (cmd/record/optval.c): the first byte picks the parser, the rest is
 * the value.  Properties: nothing crashes or leaks; an accepted channel
 * name is 1-64 bytes of the allowed set (never '/', never ".." alone
 * as a path); an accepted --mixResolution is in range; an accepted
 * Recording_Dir is a non-empty string that fits; a parsed payload type
 * is 0-127 with a sane rate and channel count.
 */
// fuzz-sources: cmd/record/optval.c
#include <string.h>

#include "fuzz.h"
#include "record/record.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rc_ptmap tab[RC_MAX_PT];
	static struct rc_opts o;
	char *s;
	int i, mr[4];

	if (size < 1 || size > 4096)
		return 0;
	if ((s = malloc(size)) == NULL)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';	/* values come from argv: NUL-terminated */
	memset(tab, 0, sizeof tab);
	switch (data[0] % 6) {
	case 0:
		if (rc_channel_ok(s)) {
			size_t len = strlen(s);
			FUZZ_ASSERT(len >= 1 && len <= 64);
			FUZZ_ASSERT(strchr(s, '/') == NULL && strchr(s, '\n') == NULL);
		}
		break;
	case 1:
		if (rc_parse_pt(s, tab) == 0) {
			int set = 0;
			for (i = 0; i < RC_MAX_PT; i++) {
				if (!tab[i].set)
					continue;
				set++;
				FUZZ_ASSERT(tab[i].rate >= 1000 && tab[i].rate <= 192000);
				FUZZ_ASSERT(tab[i].channels >= 1 && tab[i].channels <= 8);
			}
			FUZZ_ASSERT(set == 1);
		}
		break;
	case 2: {
		/* Lines of an SDP file. */
		char *line = s, *nl;
		struct rc_sdp_state st = { 0 };
		memset(&o, 0, sizeof o);
		do {
			if ((nl = strchr(line, '\n')) != NULL)
				*nl = '\0';
			(void)rc_sdp_line(line, &st, &o);
			FUZZ_ASSERT(o.nsdp_ssrc >= 0 && o.nsdp_ssrc <= RC_MAX_SDP_SSRC);
			line = nl ? nl + 1 : NULL;
		} while (line != NULL);
		for (i = 0; i < RC_MAX_PT; i++)
			FUZZ_ASSERT(o.pt[i].aac_config_len <= sizeof o.pt[i].aac_config);
		for (i = 0; i <= RC_MAX_SDP_SECTIONS; i++)
			FUZZ_ASSERT(o.sdp_rtcp[i].len == 0 || o.sdp_rtcp[i].len == sizeof(struct sockaddr_in) ||
			    o.sdp_rtcp[i].len == sizeof(struct sockaddr_in6));
		break;
	}
	case 3: {
		char dir[256] = "";
		struct ag_error warn = { 0 }, err = { 0 };
		if (rc_cfg_parse((const char *)data + 1, size - 1, "fuzz.json", dir, sizeof dir,
		    &warn, &err) == 0) {
			FUZZ_ASSERT(strlen(dir) < sizeof dir);
		} else {
			FUZZ_ASSERT(err.code == 65 && err.msg[0] != '\0');
		}
		break;
	}
	case 4: {
		struct rc_allow a;
		struct rc_fbaddr fb;
		if (rc_parse_feedback(s, &fb) == 0)
			FUZZ_ASSERT(fb.len == sizeof(struct sockaddr_in) || fb.len == sizeof(struct sockaddr_in6));
		if (rc_parse_allow(s, &a) == 0)
			FUZZ_ASSERT((a.family == AF_INET && a.prefix >= 0 && a.prefix <= 32) ||
			    (a.family == AF_INET6 && a.prefix >= 0 && a.prefix <= 128));
		break;
	}
	case 5:
		if (rc_parse_mixres(s, mr) == 0)
			FUZZ_ASSERT(mr[0] >= 16 && mr[0] <= 7680 && mr[1] >= 16 && mr[1] <= 4320 &&
			    mr[2] >= 1 && mr[2] <= 60 && mr[3] >= 1 && mr[3] <= 100000);
		break;
	}
	free(s);
	return 0;
}
