/*
 * agrec-mix - composite a recorded channel into one picture and one mixed
 * sound, as the Agora SDK's composite mode does: from a finished
 * recording folder (offline, as fast as the machine goes) or from a live
 * channel stream, agrec-stream(5).  See agrec-mix(1) and design.md 4.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "fe/fe.h"
#include "exitcodes.h"
#include "folder.h"
#include "ffmpeg.h"
#include "fsutil.h"
#include "mix/mix.h"

/* The output folder: made if it does not exist. */
static int
make_outdir(const char *dir, struct ag_error *err)
{
	struct stat st;

	if (mkdir(dir, 0777) < 0 && errno != EEXIST)
		return ag_error_errno(err, AG_EX_IOERR, errno, "output folder %s", dir);
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return ag_error_set(err, AG_EX_IOERR, "output folder %s: not a folder", dir);
	if (access(dir, W_OK) < 0)
		return ag_error_errno(err, AG_EX_IOERR, errno, "output folder %s", dir);
	return 0;
}

/* metadata.txt and recording2-done.txt, so that agrec-convert -f takes
 * the composite folder as it takes the SDK's. */
static int
write_folder_files(const char *dir, const char *channel, struct ag_error *err)
{
	if (ag_metadata_write(dir, channel, err) < 0)
		return -1;
	return ag_folder_mark(dir, AG_FOLDER_FINISHED, 0666, err);
}

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
	if (make_outdir(outdir, &err) < 0) {
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
		if (!o.quiet)
			ag_msg("%s: %zu users, %zu clips, %.3f s, composite %s in %s", o.folder, f.nusers, f.nclips,
			    (double)f.end_us / 1e6, f.ts, outdir);
		status = mx_run_folder(&e, &f, outdir);
		if (status == 0 && strcmp(outdir, o.folder) != 0 &&
		    write_folder_files(outdir, f.channel, &err) < 0) {
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
