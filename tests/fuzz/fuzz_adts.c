/*
 * fuzz_adts.c - the ADTS scanner (adts.h).  The input is the content of
 * an .aac file, written to a temporary file that is removed before the
 * harness returns.  Frames counted must fit the file, and a file of
 * nothing but garbage is all skipped bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "adts.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ag_adts_info info;
	struct ag_error err;
	char path[4096];
	int rc;

	if (fuzz_tmpfile("adts", data, size, path, sizeof path) < 0)
		return 0;
	rc = ag_adts_scan(path, &info, &err);
	unlink(path);
	FUZZ_ASSERT(rc == 0);
	/* Every frame has at least its 7-byte header. */
	FUZZ_ASSERT(info.frames >= 0 && info.frames * 7 + info.bytes_skipped <= (int64_t)size);
	FUZZ_ASSERT(info.samples >= 1024 * info.frames && info.samples <= 4096 * info.frames);
	FUZZ_ASSERT(info.uniform == 0 || info.uniform == 1);
	if (info.frames > 0)
		FUZZ_ASSERT(ag_adts_rate(0) == 96000 && info.sample_rate > 0 &&
		    info.profile >= 1 && info.profile <= 4 && info.channels >= 0 && info.channels <= 7);
	else
		FUZZ_ASSERT(info.sample_rate == 0);
	FUZZ_ASSERT(ag_adts_scan("/nonexistent/agrec-fuzz.aac", &info, &err) < 0 &&
	    err.code == AG_EX_IOERR);
	return 0;
}
