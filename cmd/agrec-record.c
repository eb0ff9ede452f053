/*
 * agrec-record - record a live RTP channel into an Agora-layout recording
 * folder: per-user .aac/.mp4/.webm files, uid_*.txt event files,
 * metadata.txt and recording2-done.txt.  See agrec-record(1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "exitcodes.h"
#include "fe/fe.h"
#include "ffmpeg.h"
#include "record/emit.h"
#include "record/files.h"
#include "record/http.h"
#include "record/ingest.h"
#include "record/levels.h"
#include "record/loop.h"
#include "record/rec.h"
#include "record/whip.h"

/* The sockets and the WHIP endpoint and sessions, on every way out. */
static void
close_net(struct rc_rec *r)
{
	rc_http_close(r);
	rc_whip_free(r);
	rc_ingest_free(r);
}

int
main(int argc, char **argv)
{
	struct rc_opts o;
	struct rc_rec r;
	struct ag_error err = { 0 };
	char *ffmpeg;
	int sigfd, status;

	fe_init(&rc_prog, argv[0]);
	rc_opts_parse(argc, argv, &o);
	if (o.dump[0])
		return rc_dump(o.dump);
	if ((ffmpeg = ag_ff_find("AGREC_FFMPEG", "ffmpeg", &err)) == NULL) {
		ag_msg("%s", err.msg);
		return AG_EX_UNAVAILABLE;
	}
	if (rc_emit_check(&o, &err) < 0) {
		ag_msg("%s", err.msg);
		free(ffmpeg);
		return err.code;
	}
	umask(o.umask);
	memset(&r, 0, sizeof r);
	r.opts = &o;
	r.folder.ffmpeg = ffmpeg;
	r.empty_since_ms = 0;
	r.recording = o.trigger_mode == 0;
	if (getrandom(&r.own_ssrc, sizeof r.own_ssrc, 0) != sizeof r.own_ssrc)
		r.own_ssrc = (uint32_t)getpid() * 2654435761u;

	if ((sigfd = rc_loop_signals(&err)) < 0) {
		ag_msg("%s", err.msg);
		free(ffmpeg);
		return AG_EX_FAIL;
	}
	if (rc_ingest_open(&r, &err) < 0) {
		ag_msg("%s", err.msg);
		free(ffmpeg);
		return err.code ? err.code : AG_EX_IOERR;
	}
	if (rc_whip_open(&r, &err) < 0 || rc_http_open(&r, &err) < 0) {
		ag_msg("%s", err.msg);
		close_net(&r);
		free(ffmpeg);
		return err.code ? err.code : AG_EX_IOERR;
	}
	if (rc_folder_create(&r.folder, &o, &err) < 0) {
		ag_msg("%s", err.msg);
		close_net(&r);
		free(ffmpeg);
		return err.code ? err.code : AG_EX_IOERR;
	}
	rc_log(&r.folder, 4, "agrec-record %s: channel '%s', listening on %s%s%s:%d (RTCP also on %d), "
	    "%s mode, idle %d s", AGREC_VERSION, o.channel, strchr(o.listen_host, ':') ? "[" : "",
	    o.listen_host, strchr(o.listen_host, ':') ? "]" : "", o.listen_port, o.listen_port + 1,
	    o.trigger_mode ? "manual" : "automatic", o.idle_s);
	if (rc_emit_open(&r, &err) < 0) {
		ag_msg("%s", err.msg);
		close_net(&r);
		free(ffmpeg);
		return err.code ? err.code : AG_EX_IOERR;
	}
	/* The folder is the one line on stdout (unless the stream goes there). */
	if (strcmp(o.emit, "-") != 0) {
		printf("%s\n", r.folder.path);
		fflush(stdout);
	} else {
		ag_msg("recording into %s", r.folder.path);
	}

	status = rc_loop_run(&r, sigfd);
	/* Video that never became a file is a failed recording of it, whose
	 * status says so: every file is still written and finished. */
	if (rc_ingest_novideo(&r) > 0 && status == 0)
		status = AG_EX_DATAERR;
	close_net(&r);
	rc_log(&r.folder, 4, "stopped: %llu garbage and %llu oversized datagrams ignored, %llu from "
	    "sources not allowed, %llu packets of refused new streams",
	    (unsigned long long)r.garbage, (unsigned long long)r.oversized,
	    (unsigned long long)r.denied, (unsigned long long)r.refused_streams);
	if (rc_folder_finish(&r.folder, &err) < 0) {
		ag_msg("%s", err.msg);
		status = AG_EX_IOERR;
	}
	if (r.disk_full)
		ag_msg("%s: the disk is full; the recording stopped early", r.folder.path);
	if (r.folder.log_fd >= 0)
		close(r.folder.log_fd);
	rc_levels_free(&r);
	free(r.users);
	free(r.user_cache);
	free(r.folder.children);
	free(ffmpeg);
	return status;
}
