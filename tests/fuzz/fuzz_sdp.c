/*
 * fuzz_sdp.c - the WHIP offer parser, the codec choice and the answer
 * writer (sdp.h) on arbitrary text.  Whatever the parser accepts stays
 * within its limits; a choice names only sections and codecs that
 * exist; the answer, whether something was taken or not, is CRLF text
 * that parses again with the offer's sections in the offer's order.
 */
#include <string.h>

#include "fuzz.h"
#include "sdp.h"

static bool
terminated(const char *s, size_t cap)
{
	return memchr(s, '\0', cap) != NULL;
}

static void
check_offer(const struct ag_sdp *s)
{
	int i, j;

	FUZZ_ASSERT(s->nmedia >= 0 && s->nmedia <= AG_SDP_MAX_MEDIA);
	FUZZ_ASSERT(s->nbundle >= 0 && s->nbundle <= AG_SDP_MAX_BUNDLE);
	for (i = 0; i < s->nmedia; i++) {
		const struct ag_sdp_media *m = &s->media[i];

		FUZZ_ASSERT(m->ncodecs >= 1 && m->ncodecs <= AG_SDP_MAX_CODECS);
		FUZZ_ASSERT(m->nssrcs >= 0 && m->nssrcs <= AG_SDP_MAX_SSRCS);
		FUZZ_ASSERT(terminated(m->kind, sizeof m->kind));
		FUZZ_ASSERT(terminated(m->mid, sizeof m->mid));
		FUZZ_ASSERT(terminated(m->fp, sizeof m->fp));
		FUZZ_ASSERT(terminated(m->ufrag, sizeof m->ufrag));
		for (j = 0; j < m->ncodecs; j++)
			FUZZ_ASSERT(m->codecs[j].pt >= -1 && m->codecs[j].pt <= 127 &&
			    terminated(m->codecs[j].fmtp, sizeof m->codecs[j].fmtp));
	}
}

static void
check_answer(const struct ag_sdp *offer, const char *a)
{
	struct ag_error err;
	struct ag_sdp *back;
	const char *p;
	int i;

	for (p = a; (p = strchr(p, '\n')) != NULL; p++)
		FUZZ_ASSERT(p > a && p[-1] == '\r');
	back = ag_sdp_parse(a, strlen(a), &err);
	if (back == NULL)
		fprintf(stderr, "answer does not parse: %s\n%s", err.msg, a);
	FUZZ_ASSERT(back != NULL);
	FUZZ_ASSERT(back->nmedia == offer->nmedia);
	for (i = 0; i < back->nmedia; i++) {
		FUZZ_ASSERT(strcmp(back->media[i].kind, offer->media[i].kind) == 0);
		FUZZ_ASSERT(strcmp(back->media[i].mid, offer->media[i].mid) == 0);
	}
	free(back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const addrs[] = { "192.0.2.1", "2001:db8::1" };
	const struct ag_sdp_local local = {
		.ufrag = "fzuf", .pwd = "fuzzfuzzfuzzfuzzfuzzfuzz", .fingerprint = "sha-256 00:11",
		.addrs = addrs, .naddrs = 2, .port = 9999, .max_kbps = 1000, .session_id = 1,
	};
	struct ag_sdp *s;
	struct ag_sdp_pick p;
	struct ag_error err;
	int i, st = 0;
	char *a;

	if ((s = ag_sdp_parse((const char *)data, size, &err)) == NULL) {
		FUZZ_ASSERT(err.code == AG_EX_DATAERR && terminated(err.msg, sizeof err.msg));
		return 0;
	}
	check_offer(s);
	if (ag_sdp_pick(s, &p, &st, &err) == 0) {
		FUZZ_ASSERT(p.audio >= 0 || p.video >= 0);
		for (i = 0; i < s->nmedia; i++)
			FUZZ_ASSERT(p.codec[i] >= -1 && p.codec[i] < s->media[i].ncodecs);
		FUZZ_ASSERT(p.audio < 0 || strcmp(s->media[p.audio].kind, "audio") == 0);
		FUZZ_ASSERT(p.video < 0 || strcmp(s->media[p.video].kind, "video") == 0);
	} else {
		FUZZ_ASSERT(st == 400 || st == 406);
		FUZZ_ASSERT(p.audio == -1 && p.video == -1);
	}
	a = ag_sdp_answer(s, &p, &local, &err);
	FUZZ_ASSERT(a != NULL);
	check_answer(s, a);
	free(a);
	free(s);
	return 0;
}
