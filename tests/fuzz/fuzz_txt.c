/*
 * fuzz_txt.c - the uid_*.txt reader (txt.h): the input is a whole file
 * for ag_txt_parse() and one line for ag_txt_parse_line().  Every event
 * the reader accepts must survive ag_txt_format_line() and a second
 * parse unchanged: the writer's bytes are what the reader expects.
 */
#include <string.h>

#include "fuzz.h"
#include "txt.h"

/* Write ev, parse it back, and check that nothing changed. */
static void
round_trip(const struct ag_txt_line *ev)
{
	char buf[256];
	struct ag_txt_line back;
	struct ag_error err;
	int n;

	if ((n = ag_txt_format_line(buf, sizeof buf, ev)) < 0)
		return;
	FUZZ_ASSERT(n > 0 && buf[n - 1] == '\n' && (size_t)n == strlen(buf));
	memset(&back, 0, sizeof back);
	FUZZ_ASSERT(ag_txt_parse_line(buf, (size_t)n - 1, ev->lineno, &back, &err) ==
	    AG_TXT_LINE_EVENT);
	FUZZ_ASSERT(back.t_ms == ev->t_ms);
	FUZZ_ASSERT(strcmp(back.file, ev->file) == 0);
	FUZZ_ASSERT(back.media.uid == ev->media.uid && back.media.kind == ev->media.kind);
	FUZZ_ASSERT(back.event == ev->event);
	FUZZ_ASSERT(back.width == ev->width && back.height == ev->height);
	FUZZ_ASSERT(back.rotation == ev->rotation && back.channels == ev->channels);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ag_txt txt;
	struct ag_txt_line line;
	struct ag_error err;
	size_t i;

	memset(&txt, 0, sizeof txt);
	if (ag_txt_parse((const char *)data, size, &txt, &err) == 0) {
		for (i = 0; i < txt.nlines; i++) {
			FUZZ_ASSERT(txt.lines[i].lineno >= 1);
			round_trip(&txt.lines[i]);
		}
		for (i = 0; i < txt.nwarnings; i++)
			FUZZ_ASSERT(memchr(txt.warnings[i].msg, '\0', sizeof txt.warnings[i].msg) != NULL);
	}
	ag_txt_free(&txt);
	ag_txt_free(NULL);

	/* The whole input as one line (not NUL-terminated: ASan sees over-reads). */
	memset(&line, 0, sizeof line);
	if (ag_txt_parse_line((const char *)data, size, 1, &line, &err) == AG_TXT_LINE_EVENT)
		round_trip(&line);
	return 0;
}
