/*
 * fuzz_oggopus.c - the Ogg Opus scanner (oggopus.h).  The input is the
 * content of an .opus file, written to a temporary file that is removed
 * before the harness returns.  Pages counted and bytes ignored must fit
 * the file, and a length is only given with an OpusHead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "oggopus.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ag_oggopus_info info;
	struct ag_error err;
	char path[4096];
	int rc;

	if (fuzz_tmpfile("oggopus", data, size, path, sizeof path) < 0)
		return 0;
	rc = ag_oggopus_scan(path, &info, &err);
	unlink(path);
	FUZZ_ASSERT(rc == 0);
	/* Every page has at least its 27-byte header and a 19-byte OpusHead
	 * packet comes first. */
	FUZZ_ASSERT(info.pages >= 0 && info.pages * 27 + info.bytes_ignored <= (int64_t)size);
	FUZZ_ASSERT(info.channels >= 0 && info.channels <= 255);
	FUZZ_ASSERT(info.pre_skip >= 0 && info.pre_skip <= 65535);
	FUZZ_ASSERT(info.samples >= 0);
	if (info.channels == 0)
		FUZZ_ASSERT(info.pages == 0 && info.samples == 0 && info.last_granule == -1);
	else
		FUZZ_ASSERT(info.pages >= 1 && (int64_t)size >= 28 + 19);
	if (info.samples > 0)
		FUZZ_ASSERT(info.samples == info.last_granule - info.pre_skip);
	FUZZ_ASSERT(ag_oggopus_scan("/nonexistent/agrec-fuzz.opus", &info, &err) < 0 &&
	    err.code == AG_EX_IOERR);
	return 0;
}
