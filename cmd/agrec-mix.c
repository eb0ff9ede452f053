/*
 * agrec-mix - composite a recorded channel into one picture and one mixed
 * sound, as the Agora SDK's composite mode does: from a finished
 * recording folder (offline, as fast as the machine goes) or from a live
 * channel stream, agrec-stream(5).  See agrec-mix(1) and design.md 4.
 *
 * main only: the command line is mix/opts.c, the output folder
 * mix/outdir.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "exitcodes.h"
#include "fe/fe.h"
#include "ffmpeg.h"
#include "fsutil.h"
#include "mix/mix.h"

int
main(int argc, char **argv)
{
	struct mx_opts o;
	struct mx_folder f;
	struct mx_engine e;
	struct ag_error err;
	char *ffmpeg = NULL, *outdir = NULL;
	int status = 0, fd = -1, r;
	bool engine = false, paced = false;
	struct stat st;

	fe_init(&mx_prog, argv[0]);
	memset(&f, 0, sizeof f);
	if ((r = mx_opts_parse(argc, argv, &o)) >= 0)
		return r;
	umask(o.umask);
	fe_catch_stop(false);
	mx_catch_hup();
	if ((ffmpeg = ag_ff_find("AGREC_FFMPEG", "ffmpeg", &err)) == NULL) {
		ag_msg("%s", err.msg);
		return AG_EX_UNAVAILABLE;
	}
	/* the input */
	if (o.folder != NULL) {
		if (mx_folder_load(o.folder, &o, &f, &err) < 0) {
			ag_msg("%s", err.msg);
			status = err.code;
			goto out;
		}
		outdir = o.output != NULL ? strdup(o.output) : ag_path_join(o.folder, "mix");
	} else {
		if (o.input == NULL || strcmp(o.input, "-") == 0) {
			fd = 0;
		} else if ((fd = open(o.input, O_RDONLY | O_CLOEXEC)) < 0) {
			ag_msg("-i %s: %s", o.input, strerror(errno));
			status = errno == ENOENT ? MX_EX_NOINPUT : AG_EX_IOERR;
			goto out;
		}
		/* a stream in a regular file is replayed at its own pace */
		paced = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
		outdir = strdup(o.output);
	}
	if (outdir == NULL) {
		ag_msg("out of memory");
		status = AG_EX_FAIL;
		goto out;
	}
	if (mx_outdir_make(outdir, &err) < 0) {
		ag_msg("%s", err.msg);
		status = err.code;
		goto out;
	}
	/* the compositor */
	if (mx_engine_init(&e, &o, ffmpeg, o.folder == NULL, &err) < 0) {
		ag_msg("%s", err.msg);
		status = err.code ? err.code : AG_EX_FAIL;
		mx_engine_free(&e);
		goto out;
	}
	engine = true;
	/* the work */
	if (o.folder != NULL) {
		if (o.layout_mode == 3 && o.layout_file == NULL &&
		    mx_speaker_load(&e, o.folder, f.base_ms, &err) < 0) {
			ag_msg("%s", err.msg);
			status = err.code;
			goto out;
		}
		if (!o.quiet)
			ag_msg("%s: %zu users, %zu clips, %.3f s, composite %s in %s", o.folder, f.nusers, f.nclips,
			    (double)f.end_us / 1e6, f.ts, outdir);
		status = mx_run_folder(&e, &f, outdir);
		if (status == 0 && strcmp(outdir, o.folder) != 0 &&
		    mx_outdir_mark(outdir, f.channel, &err) < 0) {
			ag_msg("%s", err.msg);
			status = err.code;
		}
	} else {
		status = mx_run_stream(&e, fd, paced, outdir);
	}
out:
	if (engine)
		mx_engine_free(&e);
	mx_folder_free(&f);
	if (fd > 0)
		close(fd);
	free(outdir);
	free(ffmpeg);
	if (fflush(stdout) != 0 && status == 0) {
		ag_msg("standard output: %s", strerror(errno));
		status = AG_EX_IOERR;
	}
	return status;
}
