/*
 * agrec-capture - JPEG snapshots of every user's video every N seconds
 * of channel time, from a live channel stream (agrec-record --emit) or a
 * finished recording folder.  See agrec-capture(1).
 *
 * main only: the command line is capture/opts.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/capture.h"
#include "diag.h"
#include "exitcodes.h"
#include "fe/fe.h"
#include "ffmpeg.h"

int
main(int argc, char **argv)
{
	struct cp_opts o;
	struct ag_error err = { 0 };
	struct cp_sink *sink = NULL;
	struct cp_engine *eng = NULL;
	char *ffmpeg = NULL, *ffprobe = NULL;
	int status, in_fd = -1, r, fr;
	bool from_stdin;

	fe_init(&cp_prog, argv[0]);
	if ((status = cp_opts_parse(argc, argv, &o)) >= 0)
		goto out;
	umask(o.umask);
	if ((status = cp_opts_check(&o)) >= 0)
		goto out;
	status = AG_EX_OK;
	/* A reader of stdout that goes away must give EPIPE, not kill us.
	 * A stop signal ends the input; decided snapshots are still written. */
	fe_catch_stop(true);
	if ((ffmpeg = ag_ff_find("AGREC_FFMPEG", "ffmpeg", &err)) == NULL ||
	    (o.folder != NULL &&
	    (ffprobe = ag_ff_find("AGREC_FFPROBE", "ffprobe", &err)) == NULL)) {
		ag_msg("%s", err.msg);
		status = AG_EX_UNAVAILABLE;
		goto out;
	}
	from_stdin = o.input == NULL || strcmp(o.input, "-") == 0;
	if (o.folder == NULL) {
		if (from_stdin) {
			if (isatty(0)) {
				status = fe_usage("no input: give -f DIR, -i FILE, "
				    "or a channel stream on standard input");
				goto out;
			}
			in_fd = 0;
		} else if ((in_fd = open(o.input, O_RDONLY | O_CLOEXEC)) < 0) {
			ag_msg("%s: %s", o.input, strerror(errno));
			status = AG_EX_IOERR;
			goto out;
		}
	}
	if ((sink = cp_sink_new(&o, &err)) == NULL ||
	    (eng = cp_engine_new(&o, ffmpeg, sink, &err)) == NULL) {
		ag_msg("%s", err.msg);
		status = err.code ? err.code : AG_EX_FAIL;
		goto out;
	}

	if (o.folder != NULL) {
		int nvideo;

		r = cp_run_folder(eng, &o, ffmpeg, ffprobe, &nvideo, &err);
		if (r >= 0 && nvideo == 0 && !o.quiet)
			ag_msg("%s: no video in this recording: no snapshots", o.folder);
	} else {
		r = cp_run_stream(eng, in_fd, from_stdin ? "standard input" : o.input, &err);
	}
	if (r < 0) {
		ag_msg("%s", err.msg);
		status = err.code ? err.code : AG_EX_FAIL;
		/* Snapshots already decided are still delivered when the input is bad. */
		if (status == AG_EX_DATAERR) {
			struct ag_error e2 = { 0 };

			if (cp_engine_finish(eng, &e2) < 0) {
				ag_msg("%s", e2.msg);
				status = e2.code;
			}
		}
	} else if ((fr = cp_engine_finish(eng, &err)) < 0) {
		ag_msg("%s", err.msg);
		status = err.code ? err.code : AG_EX_FAIL;
	} else if (fr > 0 || r > 0) {
		status = AG_EX_FAIL;
	}
	if (fe_stop_signal && status == AG_EX_OK) {
		ag_msg("stopped by signal %d; the snapshots taken so far are written",
		    (int)fe_stop_signal);
		status = 128 + fe_stop_signal;
	}
	if (!o.quiet && status != AG_EX_IOERR)
		cp_engine_summary(eng, stderr);
out:
	cp_engine_free(eng);
	if (sink != NULL && cp_sink_close(sink, &err) < 0 && status == AG_EX_OK) {
		ag_msg("%s", err.msg);
		status = AG_EX_IOERR;
	}
	if (in_fd > 0)
		close(in_fd);
	free(ffmpeg);
	free(ffprobe);
	return status;
}
