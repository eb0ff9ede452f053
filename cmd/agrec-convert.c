/*
 * agrec-convert - convert finished Agora-layout recording folders into
 * playable per-user files, with the options of video_convert.py
 * (-f -m -p -s -r) and none of its defects.  See agrec-convert(1).
 *
 * main only: the command line is convert/opts.c, the job on each folder
 * convert/folder.c, the --scan walk convert/scan.c.
 */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "convert/convert.h"
#include "diag.h"
#include "exitcodes.h"
#include "fe/fe.h"

int
main(int argc, char **argv)
{
	struct cv_opts o;
	struct cv_ctx c = { 0 };
	struct cv_strlist folders = { 0 }, scans = { 0 };
	size_t nexplicit = SIZE_MAX;	/* folders from here on were found by --scan */
	struct ag_error err = { 0 };
	json_t *jroot = NULL, *jfolders = NULL;
	char *ffmpeg = NULL, *ffprobe = NULL;
	int status;
	size_t i;

	fe_init(&cv_prog, argv[0]);
	if ((status = cv_opts_parse(argc, argv, &o, &folders, &scans)) >= 0)
		goto out;
	status = 0;
	nexplicit = folders.n;
	if ((ffmpeg = ag_ff_find("AGREC_FFMPEG", "ffmpeg", &err)) == NULL ||
	    (ffprobe = ag_ff_find("AGREC_FFPROBE", "ffprobe", &err)) == NULL) {
		ag_msg("%s", err.msg);
		status = AG_EX_UNAVAILABLE;
		goto out;
	}
	umask(077);
	fe_catch_stop(true);

	c.ffmpeg = ffmpeg;
	c.ffprobe = ffprobe;
	c.opts = &o;
	c.progress = !o.quiet && !o.dry_run && isatty(2);
	/* --scan adds the finished, unconverted folders it finds. */
	for (i = 0; i < scans.n; i++)
		cv_scan(scans.v[i], o.force, o.quiet, &folders);
	jroot = json_object();
	jfolders = json_array();
	status = cv_convert_all(&c, &folders, nexplicit, jfolders);
	json_object_set_new(jroot, "folders", jfolders);
	if (o.json) {
		json_dumpf(jroot, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
	}
	json_decref(jroot);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		ag_msg("standard output: %s", strerror(errno));
		if (status == 0)
			status = AG_EX_IOERR;
	}
	if (fe_stop_signal && status == 0)
		status = 128 + fe_stop_signal;
out:
	free(ffmpeg);
	free(ffprobe);
	for (i = nexplicit; i < folders.n; i++)
		free(folders.v[i]);	/* found by --scan */
	free(folders.v);
	free(scans.v);
	return status;
}
