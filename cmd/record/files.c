/*
 * files.c - the recording folder (agora-format.md 1.1-1.3) and the
 * media writers.
 *
 * Writers keep every file playable if the recorder is killed: VP8 goes
 * into WebM written here in whole clusters; H.264 and H.265 into fragmented MP4
 * written here too (libcommon/fmp4.c, 500 ms fragments); with
 * --audioFormat opus, Opus audio is kept as it came, in Ogg Opus written
 * here (libcommon/ogg.c, 250 ms pages); other audio, and the raw PCM and
 * YUV files, go through an ffmpeg child (ADTS AAC, s16le, I420).
 * Children are fed Matroska on a non-blocking pipe, so a stalled child
 * never blocks the loop, and a killed recorder only closes their stdin:
 * they finish their files themselves.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "adts.h"
#include "argv.h"
#include "clock.h"
#include "diag.h"
#include "ffmpeg.h"
#include "folder.h"
#include "fsutil.h"
#include "names.h"
#include "record/files.h"
#include "spawn.h"

int64_t
rc_now_ms(const struct rc_folder *f)
{
	return ag_mono_ms() - f->start_mono_ms;
}

void
rc_wall_ts(const struct rc_folder *f, int64_t ch_ms, char ts[18])
{
	ag_ts_from_ms(f->start_wall_ms + ch_ms, ts);
}

static void
vlog(struct rc_folder *f, int level, bool always, const char *fmt, va_list ap)
{
	char buf[2048];
	int n;
	int64_t t = f->start_mono_ms ? rc_now_ms(f) : 0;

	if (level > f->log_level && !always)
		return;
	n = snprintf(buf, sizeof buf, "%lld.%03lld ", (long long)(t / 1000), (long long)(t % 1000));
	vsnprintf(buf + n, sizeof buf - (size_t)n - 1, fmt, ap);
	strcat(buf, "\n");
	if (f->log_fd >= 0 && write(f->log_fd, buf, strlen(buf)) < 0) {
		/* The log is best effort; the recording goes on. */
	}
	if (level <= 3 && level <= f->log_level) {
		buf[strlen(buf) - 1] = '\0';
		ag_msg("%s", buf + n);
	}
}

void
rc_log(struct rc_folder *f, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(f, level & ~RC_LOG_ALWAYS, (level & RC_LOG_ALWAYS) != 0, fmt, ap);
	va_end(ap);
}

static int
mkdir_p(char *path, struct ag_error *err)
{
	char *p;

	for (p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0777) < 0 && errno != EEXIST) {
			int e = errno;
			*p = '/';
			return ag_error_errno(err, AG_EX_IOERR, e, "%s", path);
		}
		*p = '/';
	}
	if (mkdir(path, 0777) < 0 && errno != EEXIST)
		return ag_error_errno(err, AG_EX_IOERR, errno, "%s", path);
	return 0;
}

int
rc_folder_create(struct rc_folder *f, const struct rc_opts *o, struct ag_error *err)
{
	struct timespec wall;
	struct tm tm;
	time_t secs;
	char *p;
	int n;

	clock_gettime(CLOCK_REALTIME, &wall);
	f->start_mono_ms = ag_mono_ms();
	f->start_wall_ms = (int64_t)wall.tv_sec * 1000 + wall.tv_nsec / 1000000;
	f->log_fd = -1;
	f->log_level = o->log_level;
	f->keep_opus = o->audio_format == RC_AUDIO_OPUS;
	secs = wall.tv_sec;
	gmtime_r(&secs, &tm);
	if (o->recording_dir[0]) {
		/* Recording_Dir: everything goes directly into that folder. */
		n = snprintf(f->path, sizeof f->path, "%s", o->recording_dir);
	} else {
		/* root/YYYYMMDD/<channel>_<HHMMSS>_<ns>: the channel name was
		 * checked to hold no '/', so the folder stays under root. */
		n = snprintf(f->path, sizeof f->path, "%s/%04d%02d%02d/%s_%02d%02d%02d_%09ld", o->root,
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, o->channel, tm.tm_hour, tm.tm_min,
		    tm.tm_sec, (long)wall.tv_nsec);
	}
	if (n < 0 || (size_t)n >= sizeof f->path)
		return ag_error_set(err, AG_EX_USAGE, "the folder path is too long");
	if (mkdir_p(f->path, err) < 0)
		return -1;
	if ((p = ag_path_join(f->path, "recording.log")) == NULL)
		return ag_error_errno(err, AG_EX_IOERR, ENOMEM, "log");
	f->log_fd = open(p, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
	if (f->log_fd < 0) {
		ag_error_errno(err, AG_EX_IOERR, errno, "%s", p);
		free(p);
		return -1;
	}
	free(p);
	return ag_metadata_write(f->path, o->channel, err);
}

bool
rc_folder_full(const struct rc_folder *f)
{
	struct statvfs sv;

	if (statvfs(f->path, &sv) < 0)
		return false;
	return (unsigned long long)sv.f_bavail * sv.f_frsize < 256 * 1024;
}

int
rc_folder_finish(struct rc_folder *f, struct ag_error *err)
{
	return ag_folder_mark(f->path, AG_FOLDER_FINISHED, 0666, err);
}

static const char *
ext_for(const struct rc_writer *w)
{
	if (w->kind == RC_W_OGG)
		return "opus";
	if (!w->video)
		return "aac";
	return w->codec == AG_CODEC_VP8 ? "webm" : "mp4";
}

/*
 * Start an ffmpeg child reading Matroska on stdin; returns the pipe fd.
 * It writes the file out, or for a raw writer (w->raw) its stdout,
 * w->out_fd.
 */
static int
spawn_child(struct rc_folder *f, struct rc_writer *w, const char *out, struct ag_error *err)
{
	struct ag_argv a = { 0 };
	struct ag_spawn_io io = { AG_SPAWN_PIPE_NB, AG_SPAWN_NULL, AG_SPAWN_NULL, 0 };
	char *url = w->raw ? strdup("pipe:1") : ag_ff_url(out);
	int rc = -1;

	if (url == NULL)
		return ag_error_errno(err, AG_EX_FAIL, ENOMEM, "spawn");
	ag_ff_argv(&a, f->ffmpeg, true);
	ag_argv_pushl(&a, "-f", "matroska", "-i", "pipe:0", NULL);
	if (w->raw == AG_RAW_PCM) {
		/* Gaps stay gaps: a raw stream is what arrived, in order. */
		ag_argv_pushl(&a, "-map", "0:a", "-f", "s16le", "-acodec", "pcm_s16le", "-ar", "48000", NULL);
		ag_argv_push(&a, "-ac");
		ag_argv_pushf(&a, "%d", w->channels >= 2 ? 2 : 1);
	} else if (w->raw == AG_RAW_YUV) {
		/* Every decoded frame once, at the sender's size. */
		ag_argv_pushl(&a, "-map", "0:v", "-fps_mode", "passthrough", "-f", "rawvideo",
		    "-pix_fmt", "yuv420p", NULL);
	} else {
		/*
		 * Audio (video is written in-process, never through a child).
		 * The AAC keeps the time of its timestamps: gaps become
		 * silence, and where the times move (the stream's anchor
		 * settling in the first seconds, 2 ms a frame) the audio is
		 * cut or padded once it is more than 2 ms away.  The video
		 * follows these times (lip sync, ingest.c), so what the
		 * audio is left away from them is an A/V offset for good:
		 * ffmpeg's default waits until 100 ms, and at 20 ms the
		 * recordings of one sender came out anywhere from 0 to 20 ms
		 * late.  2 ms stays above the 1 ms jitter of Matroska times
		 * for 1024-sample AAC frames.  Opus first loses its encoder's
		 * lookahead (RTP has no pre-skip), so that its first real
		 * sample is at the time of the first packet.
		 */
		ag_argv_pushl(&a, "-map", "0:a", "-af", NULL);
		if (w->codec == AG_CODEC_OPUS)
			ag_argv_pushf(&a, "atrim=start_sample=%d,asetpts=PTS-STARTPTS,"
			    "aresample=async=1:min_hard_comp=0.002:first_pts=0", AG_OPUS_PRE_SKIP);
		else
			ag_argv_push(&a, "aresample=async=1:min_hard_comp=0.002:first_pts=0");
		ag_argv_pushl(&a, "-c:a", "aac", "-b:a", w->channels >= 2 ? "128k" : "64k", "-ar",
		    "48000", NULL);
		ag_argv_push(&a, "-ac");
		ag_argv_pushf(&a, "%d", w->channels >= 2 ? 2 : 1);
		ag_argv_pushl(&a, "-f", "adts", "-flush_packets", "1", NULL);
	}
	if (w->raw)
		ag_argv_push(&a, url);
	else
		ag_argv_pushl(&a, "-y", url, NULL);
	if (a.failed) {
		ag_error_errno(err, AG_EX_FAIL, ENOMEM, "spawn");
		goto out;
	}
	if (w->raw)
		io.out = w->out_fd;
	if (f->log_fd >= 0)
		io.err = f->log_fd;
	if (ag_spawn(f->ffmpeg, a.v, &io, &w->pid, err) < 0)
		goto out;
	/* The recorder must keep reading its sockets while children start
	 * and encode: they run at a lower priority.  At nice 5, a hundred
	 * busy children on two cores leave the recorder about 6 % of a core
	 * (weights 1024 against 50 x 335) and its sockets overflowed (every
	 * user lost video and audio); at nice 10 it keeps 16 %.  Not 19: the
	 * children would then also lose to every other program, and a
	 * recorder killed loses what they have not taken.  An encoder that
	 * gets too little falls behind and sheds audio (RC_QUEUE_MS). */
	setpriority(PRIO_PROCESS, (id_t)w->pid, 10);
	/* A small pipe: what a child that stalls has not taken is little. */
	fcntl(io.in, F_SETPIPE_SZ, 16384);
	if (f->nchildren == f->cap_children) {
		size_t cap = f->cap_children ? f->cap_children * 2 : 16;
		pid_t *c = realloc(f->children, cap * sizeof *c);
		if (c != NULL) {
			f->children = c;
			f->cap_children = cap;
		}
	}
	if (f->nchildren < f->cap_children)
		f->children[f->nchildren++] = w->pid;
	rc = io.in;
out:
	free(url);
	ag_argv_free(&a);
	return rc;
}

int
rc_frame_channels(const struct ag_frame *fr, const struct rc_ptmap *pm)
{
	if (fr->codec == AG_CODEC_OPUS && fr->len > 0)
		return (fr->data[0] & 0x04) ? 2 : 1;
	return pm->channels;
}

/* The 2-byte AudioSpecificConfig of AAC-LC at rate (48000 if not an
 * ADTS rate) and channels, into asc; returns asc. */
static const uint8_t *
aac_lc_config(int rate, int channels, uint8_t asc[2])
{
	int fi = 3, k;

	for (k = 0; ag_adts_rate(k) != 0; k++)
		if (ag_adts_rate(k) == rate)
			fi = k;
	asc[0] = (uint8_t)((2 << 3) | (fi >> 1));
	asc[1] = (uint8_t)(((fi & 1) << 7) | ((channels & 0xf) << 3));
	return asc;
}

/* The Matroska track that carries fm's codec to a child; asc holds a
 * built AudioSpecificConfig. */
static void
child_track(const struct rc_frame *fm, struct ag_mkv_track *tr, uint8_t asc[2])
{
	const struct ag_frame *fr = fm->fr;
	const struct rc_ptmap *pm = fm->pm;

	memset(tr, 0, sizeof *tr);
	switch (fr->codec) {
	case AG_CODEC_VP8:
		tr->codec = AG_MKV_VP8;
		tr->width = fr->width;
		tr->height = fr->height;
		break;
	case AG_CODEC_H264: case AG_CODEC_H265:
		tr->codec = fr->codec == AG_CODEC_H264 ? AG_MKV_H264 : AG_MKV_H265;
		tr->width = fr->width;
		tr->height = fr->height;
		tr->codec_private = fm->vconf;
		tr->codec_private_len = fm->vconf_len;
		break;
	case AG_CODEC_OPUS:
		tr->codec = AG_MKV_OPUS;
		tr->sample_rate = 48000;
		tr->channels = fm->channels >= 2 ? 2 : 1;
		break;
	case AG_CODEC_AAC:
		tr->codec = AG_MKV_AAC;
		tr->sample_rate = pm->rate;
		tr->channels = fm->channels;
		/* No SDP config: AAC-LC at the payload type's rate and channels. */
		tr->codec_private = pm->aac_config_len ? pm->aac_config :
		    aac_lc_config(pm->rate, fm->channels, asc);
		tr->codec_private_len = pm->aac_config_len ? pm->aac_config_len : 2;
		break;
	case AG_CODEC_PCMU:
	case AG_CODEC_PCMA:
		tr->codec = AG_MKV_PCM_S16LE;
		tr->sample_rate = pm->rate;
		tr->channels = fm->channels;
		break;
	}
}

/* A fresh writer for fm's media; no file or child yet. */
static void
writer_init(struct rc_writer *w, const struct rc_frame *fm)
{
	memset(w, 0, sizeof *w);
	w->fd = w->out_fd = -1;
	w->video = ag_codec_is_video(fm->fr->codec);
	w->codec = fm->fr->codec;
	w->rate = fm->pm->rate;
	w->channels = fm->channels;
	w->width = fm->fr->width;
	w->height = fm->fr->height;
	w->taken_ms = w->fed_ms = fm->t;
}

int
rc_writer_open_raw(struct rc_folder *f, struct rc_writer *w, const char *name, int out_fd,
    enum ag_raw_format raw, const struct rc_frame *fm, struct ag_error *err)
{
	struct ag_mkv_track tr;
	uint8_t asc[2];

	writer_init(w, fm);
	w->raw = raw;
	w->out_fd = out_fd;
	snprintf(w->name, sizeof w->name, "%s", name);
	if (raw == AG_RAW_H264 || raw == AG_RAW_H265) {
		w->kind = RC_W_DIRECT;
		return 0;
	}
	child_track(fm, &tr, asc);
	w->kind = RC_W_CHILD;
	if ((w->fd = spawn_child(f, w, name, err)) < 0)
		goto fail;
	/* The child has its own copy: ours only keeps the name alive. */
	close(w->out_fd);
	w->out_fd = -1;
	if ((w->mkv = ag_mkv_open(w->fd, &tr, 1, err)) == NULL)
		goto fail;
	return 0;
fail:
	if (w->fd >= 0)
		close(w->fd);
	if (w->out_fd >= 0)
		close(w->out_fd);
	w->fd = w->out_fd = -1;
	if (w->pid > 0)
		kill(w->pid, SIGTERM);
	w->kind = RC_W_NONE;
	return -1;
}

/*
 * An Ogg Opus file at path for an Opus sender's audio, written here (no
 * child).  Its pre-skip leaves out the encoder's lookahead, as the AAC
 * child's atrim does, so that the first real sample is at the time of
 * the first packet.
 */
static int
ogg_open(struct rc_folder *f, struct rc_writer *w, const char *path, uint32_t uid,
    struct ag_error *err)
{
	uint32_t serial = uid * 2654435761u ^ (uint32_t)(f->start_wall_ms + w->create_ms);

	w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (w->fd < 0)
		return ag_error_errno(err, AG_EX_IOERR, errno, "%s", path);
	w->ogg = ag_ogg_opus_open(w->fd, w->channels >= 2 ? 2 : 1, AG_OPUS_PRE_SKIP, 48000,
	    serial, err);
	if (w->ogg == NULL) {
		close(w->fd);
		w->fd = -1;
		w->kind = RC_W_NONE;
		return -1;
	}
	return 0;
}

/*
 * An Opus packet into the Ogg file at its time: like the AAC child's
 * aresample, the file keeps the time of the timestamps (a gap is filled
 * with concealed frames, a packet the times moved back over is left out).
 */
static int
ogg_write(struct rc_writer *w, const struct rc_frame *fm, struct ag_error *err)
{
	int64_t start;
	int r;

	if (w->frames == 0)
		w->first_t90 = fm->t90;
	start = (fm->t90 - w->first_t90) * 48000 / 90000;
	r = ag_ogg_opus_put(w->ogg, start, fm->fr->data, fm->fr->len, err);
	if (r < 0 && err->code != AG_EX_DATAERR) {
		w->failed = true;
		return -1;
	}
	/* frames counts the packets written: not one left out, nor a
	 * malformed one (the file goes on without it). */
	if (r > 0)
		w->frames++;
	if (fm->t + fm->dur_ms > w->last_ms)
		w->last_ms = fm->t + fm->dur_ms;
	return 0;
}

/* Finish the Ogg file: its last page, flagged end of stream. */
static void
ogg_close(struct rc_folder *f, struct rc_writer *w)
{
	struct ag_error e = { 0 };

	if (ag_ogg_opus_filled(w->ogg) > 0 || ag_ogg_opus_dropped(w->ogg) > 0)
		rc_log(f, 5, "%s: %lld ms of gaps filled, %llu packets left out", w->name,
		    (long long)(ag_ogg_opus_filled(w->ogg) / 48),
		    (unsigned long long)ag_ogg_opus_dropped(w->ogg));
	if (ag_ogg_opus_close(w->ogg, &e) < 0 && !w->failed)
		rc_log(f, 3, "%s: %s", w->name, e.msg);
	w->ogg = NULL;
}

int
rc_writer_open(struct rc_folder *f, struct rc_writer *w, uint32_t uid,
    const struct rc_frame *fm, struct ag_error *err)
{
	const struct ag_frame *fr = fm->fr;
	int64_t ch_ms = fm->t;
	struct ag_mkv_track tr;
	uint8_t asc[2];
	char ts[18], *path;

	writer_init(w, fm);
	w->create_ms = ch_ms;
	w->first_pts_ms = ch_ms;
	w->last_ms = ch_ms;
	if (f->keep_opus && fr->codec == AG_CODEC_OPUS)
		w->kind = RC_W_OGG;
	rc_wall_ts(f, ch_ms, ts);
	snprintf(w->name, sizeof w->name, "%lu_%s.%s", (unsigned long)uid, ts, ext_for(w));
	if ((path = ag_path_join(f->path, w->name)) == NULL)
		return ag_error_errno(err, AG_EX_IOERR, ENOMEM, "writer");
	if (w->kind == RC_W_OGG) {
		int r = ogg_open(f, w, path, uid, err);
		free(path);
		return r;
	}
	child_track(fm, &tr, asc);
	switch (fr->codec) {
	case AG_CODEC_VP8:
		w->kind = RC_W_WEBM;
		w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (w->fd < 0) {
			ag_error_errno(err, AG_EX_IOERR, errno, "%s", path);
			goto fail;
		}
		break;
	case AG_CODEC_H264: case AG_CODEC_H265: {
		/* Fragmented MP4 written here, on the exact 90 kHz RTP clock. */
		struct ag_fmp4_config fc = { .timescale = 90000, .width = fr->width,
			.height = fr->height, .fragment_ms = 500,
			.creation_time = (f->start_wall_ms + ch_ms) / 1000 };
		if (fr->codec == AG_CODEC_H264) {
			fc.avcc = fm->vconf;
			fc.avcc_len = fm->vconf_len;
		} else {
			fc.hvcc = fm->vconf;
			fc.hvcc_len = fm->vconf_len;
		}
		w->kind = RC_W_FMP4;
		w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (w->fd < 0) {
			ag_error_errno(err, AG_EX_IOERR, errno, "%s", path);
			goto fail;
		}
		if ((w->fmp4 = ag_fmp4_open(w->fd, &fc, err)) == NULL)
			goto fail;
		free(path);
		return 0;
	}
	default:
		break;
	}
	if (w->kind != RC_W_WEBM) {
		w->kind = RC_W_CHILD;
		if ((w->fd = spawn_child(f, w, path, err)) < 0)
			goto fail;
	}
	if ((w->mkv = ag_mkv_open(w->fd, &tr, 1, err)) == NULL)
		goto fail;
	free(path);
	return 0;
fail:
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	if (w->pid > 0) {
		kill(w->pid, SIGTERM);
		/* reaped by the loop's SIGCHLD handling */
	}
	w->kind = RC_W_NONE;
	free(path);
	return -1;
}

/* The ends of clusters the child has read past: what it has taken. */
static void
marks_taken(struct rc_writer *w)
{
	uint64_t written = ag_mkv_written(w->mkv);

	while (w->nmarks > 0 && w->marks[w->mark0].bytes <= written) {
		w->taken_ms = w->marks[w->mark0].ms;
		w->taken_frames = w->marks[w->mark0].frames;
		w->mark0 = (w->mark0 + 1) % RC_MARKS;
		w->nmarks--;
	}
}

/*
 * Note where the sealed bytes end, if a cluster was sealed since the
 * last mark: it holds the frames up to end_ms (frames in all).  A full
 * ring drops its oldest mark: the queue then looks longer, never shorter.
 */
static void
mark_sealed(struct rc_writer *w, int64_t end_ms, uint64_t frames)
{
	uint64_t sealed = ag_mkv_written(w->mkv) + ag_mkv_pending(w->mkv);
	struct rc_mark *m;

	if (sealed <= w->sealed)
		return;
	w->sealed = sealed;
	if (w->nmarks == RC_MARKS) {
		w->mark0 = (w->mark0 + 1) % RC_MARKS;
		w->nmarks--;
	}
	m = &w->marks[(w->mark0 + w->nmarks++) % RC_MARKS];
	m->bytes = sealed;
	m->ms = end_ms;
	m->frames = frames;
}

int64_t
rc_writer_backlog(struct rc_folder *f, struct rc_writer *w)
{
	(void)f;
	if (w->kind != RC_W_CHILD || w->mkv == NULL || w->video)
		return 0;
	marks_taken(w);
	return w->fed_ms > w->taken_ms ? w->fed_ms - w->taken_ms : 0;
}

/*
 * Whether an audio child is so far behind that the frame at ch_ms is dropped:
 * more than RC_QUEUE_MS of media waits for it; it drops until the
 * queue is RC_QUEUE_RESUME_MS shorter, so that what is lost comes in a
 * few runs of silence rather than as holes all over the file.
 */
static bool
child_behind(struct rc_folder *f, struct rc_writer *w, int64_t ch_ms)
{
	struct ag_error e = { 0 };
	int64_t q;

	if (w->kind != RC_W_CHILD || w->video || w->raw != AG_RAW_NONE || w->mkv == NULL)
		return false;
	q = rc_writer_backlog(f, w);
	/* The child took all it was given: a gap before this frame (dropped
	 * frames, a pause) is no queue. */
	if (q == 0 && w->nmarks == 0 && ag_mkv_pending(w->mkv) == 0)
		w->taken_ms = w->fed_ms = ch_ms;
	if (!w->shedding && q > RC_QUEUE_MS) {
		w->shedding = true;
		/* The frames collected go to the child now, so that it can
		 * empty the queue to its end (an error shows at the next write). */
		if (ag_mkv_flush(w->mkv, &e) >= 0)
			mark_sealed(w, w->fed_ms, w->frames);
		rc_log(f, 4, "%s: its ffmpeg is %.1f s behind: audio frames are dropped until it "
		    "catches up", w->name, (double)q / 1000);
	} else if (w->shedding && q <= RC_QUEUE_MS - RC_QUEUE_RESUME_MS) {
		w->shedding = false;
	}
	return w->shedding;
}

/* Keep a copy of the dropped frame fm (borrowed) as the writer's last
 * word: Opus and AAC only, whose payload goes to the child unchanged. */
static void
hold(struct rc_writer *w, const struct rc_frame *fm)
{
	uint8_t *p;

	if (fm->fr->codec != AG_CODEC_OPUS && fm->fr->codec != AG_CODEC_AAC)
		return;
	if ((p = realloc(w->held, fm->fr->len ? fm->fr->len : 1)) == NULL)
		return;
	memcpy(p, fm->fr->data, fm->fr->len);
	w->held = p;
	w->held_len = fm->fr->len;
	w->held_ms = fm->t;
	w->held_dur_ms = fm->dur_ms;
}

/*
 * A writer that drops frames when it closes writes the last one it
 * dropped, so that the file lasts to its end (the child fills the gap
 * before with silence) and its length matches its times in the txt.
 */
static void
write_held(struct rc_writer *w)
{
	struct ag_error e = { 0 };

	if (w->held == NULL || !w->shedding || w->failed)
		goto out;
	if (ag_mkv_write(w->mkv, 1, w->held_ms - w->create_ms, true, w->held, w->held_len, &e) < 0)
		goto out;
	w->frames++;
	w->shed_frames--;
	w->shed_ms -= w->held_dur_ms;
	if (w->held_ms + w->held_dur_ms > w->fed_ms)
		w->fed_ms = w->held_ms + w->held_dur_ms;
out:
	free(w->held);
	w->held = NULL;
	w->held_len = 0;
}

int
rc_writer_write(struct rc_folder *f, struct rc_writer *w, const struct rc_frame *fm,
    struct ag_error *err)
{
	const struct ag_frame *fr = fm->fr;
	int64_t ch_ms = fm->t, t90 = fm->t90, dur_ms = fm->dur_ms;
	const void *data = fr->data;
	size_t len = fr->len;
	int16_t pcm[16384];
	uint8_t *sample = NULL;
	int r;

	if (w->kind == RC_W_NONE || w->failed)
		return -1;
	if (w->kind == RC_W_OGG)
		return ogg_write(w, fm, err);
	if (child_behind(f, w, ch_ms)) {
		/* The file's time goes on: the gap becomes silence, and the
		 * split rule (15 s without media) does not see a gap. */
		w->shed_frames++;
		w->shed_ms += dur_ms;
		if (ch_ms + dur_ms > w->last_ms)
			w->last_ms = ch_ms + dur_ms;
		hold(w, fm);
		return 0;
	}
	if (w->kind == RC_W_DIRECT) {
		/* Annex-B as it came; a FIFO reader that does not keep up loses
		 * whole frames, never the recording. */
		ssize_t n = write(w->out_fd, fr->data, fr->len);
		if (n == (ssize_t)fr->len) {
			w->frames++;
			return 0;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			w->dropped++;
			return 0;
		}
		if (n >= 0)
			errno = EAGAIN;	/* a partial write into a full FIFO */
		ag_error_errno(err, AG_EX_IOERR, errno, "%s", w->name);
		w->failed = true;
		return -1;
	}
	if (fr->codec == AG_CODEC_PCMU || fr->codec == AG_CODEC_PCMA) {
		size_t i, n = len < 16384 ? len : 16384;
		for (i = 0; i < n; i++)
			pcm[i] = fr->codec == AG_CODEC_PCMU ? ag_g711_ulaw(fr->data[i]) : ag_g711_alaw(fr->data[i]);
		data = pcm;
		len = n * 2;
	} else if (fr->codec == AG_CODEC_H264 || fr->codec == AG_CODEC_H265) {
		/* MP4 and Matroska carry length-prefixed NAL units, not Annex-B. */
		long n;
		if ((sample = malloc(fr->len + 64)) == NULL)
			return ag_error_errno(err, AG_EX_FAIL, ENOMEM, "frame");
		n = fr->codec == AG_CODEC_H264
		    ? ag_h264_annexb_to_avcc_sample(fr->data, fr->len, 0, sample, fr->len + 64)
		    : ag_h265_annexb_to_sample(fr->data, fr->len, sample, fr->len + 64);
		if (n <= 0) {
			free(sample);
			return 0;	/* nothing but AUDs: nothing to write */
		}
		data = sample;
		len = (size_t)n;
	}
	if (w->kind == RC_W_FMP4) {
		if (w->frames == 0)
			w->first_t90 = t90;
		r = ag_fmp4_write(w->fmp4, t90 - w->first_t90 + (w->first_pts_ms - w->create_ms) * 90,
		    fr->keyframe, data, len, err);
	} else {
		r = ag_mkv_write(w->mkv, 1, ch_ms - w->create_ms, fr->keyframe, data, len, err);
	}
	free(sample);
	if (r < 0) {
		w->failed = true;
		return -1;
	}
	if (w->kind == RC_W_CHILD)
		mark_sealed(w, w->fed_ms, w->frames);
	w->frames++;
	if (ch_ms + dur_ms > w->last_ms)
		w->last_ms = ch_ms + dur_ms;
	if (ch_ms + dur_ms > w->fed_ms)
		w->fed_ms = ch_ms + dur_ms;
	return 0;
}

int
rc_writer_drain(struct rc_folder *f, struct rc_writer *w)
{
	struct ag_error e = { 0 };

	if (w->kind != RC_W_CHILD || w->mkv == NULL || ag_mkv_pending(w->mkv) == 0)
		return 0;
	if (ag_mkv_drain(w->mkv, &e) < 0) {
		rc_log(f, 3, "%s: %s", w->name, e.msg);
		w->failed = true;
		return -1;
	}
	return 0;
}

int
rc_proc_stat(pid_t pid, char *state, unsigned long long *cpu)
{
	char path[64], buf[512], *p;
	unsigned long long ut, st;
	FILE *f;
	int r = -1;

	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	/* After the name: the state, 10 fields, then utime and stime. */
	if (fgets(buf, sizeof buf, f) != NULL && (p = strrchr(buf, ')')) != NULL &&
	    sscanf(p + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
	    state, &ut, &st) == 3) {
		*cpu = ut + st;
		r = 0;
	}
	fclose(f);
	return r;
}

/*
 * Whether the child is stopped (SIGSTOP, a debugger): state 'T' or 't';
 * *working is set when it used CPU since the last look.  Looked at twice
 * a second at most: /proc is not free.
 */
static bool
child_stopped(struct rc_writer *w, int64_t now, bool *working)
{
	unsigned long long cpu;
	char state;

	*working = false;
	if (w->pid <= 0 || now - w->stat_checked_ms < 500)
		return w->stopped_seen;
	w->stat_checked_ms = now;
	if (rc_proc_stat(w->pid, &state, &cpu) < 0)
		return false;
	*working = cpu != w->cpu_ticks;
	w->cpu_ticks = cpu;
	w->stopped_seen = state == 'T' || state == 't';
	return w->stopped_seen;
}

int
rc_writer_stall_check(struct rc_folder *f, struct rc_writer *w, int64_t now, const char *then)
{
	uint64_t taken;
	bool stopped, working;
	int secs;

	if (w->kind != RC_W_CHILD || w->failed || w->mkv == NULL)
		return 0;
	rc_writer_drain(f, w);
	if (w->failed)
		return 0;
	taken = ag_mkv_written(w->mkv);
	stopped = child_stopped(w, now, &working);
	/* A child that works is not stuck, though it takes nothing: an
	 * encoder far behind on a busy machine reads its pipe in chunks of
	 * several seconds of audio (its own buffer), at long intervals. */
	if (!w->watched || taken != w->taken || ag_mkv_pending(w->mkv) == 0 || working) {
		w->watched = true;
		w->taken = taken;
		w->progress_ms = now;
	}
	if (!stopped)
		w->stopped = false;
	else if (!w->stopped) {
		w->stopped = true;
		w->stopped_since = now;
	}
	if (w->stopped && now - w->stopped_since >= RC_STOPPED_MS)
		secs = RC_STOPPED_MS / 1000;
	else if (now - w->progress_ms >= RC_STALL_MS)
		secs = RC_STALL_MS / 1000;
	else
		return 0;
	rc_log(f, 2, "the ffmpeg writing %s has stalled for %d s (%s, %zu bytes waiting); "
	    "killing it and %s", w->name, secs, w->stopped ? "stopped" : "taking nothing",
	    ag_mkv_pending(w->mkv), then);
	if (w->pid > 0)
		kill(w->pid, SIGKILL);
	w->failed = true;
	return 1;
}

/*
 * Let a child that is slow but reads take the rest (r: what flushing
 * returned): until it has taken nothing for a while (half a second
 * while the others record, 5 s when the recording stops), and at most
 * RC_CLOSE_WAIT_MS while the others record (the loop waits meanwhile:
 * their sockets fill up), or until f->finish_by_ms when it stops.
 * Returns 0 when all was taken, 1 when bytes are left, -1 on failure.
 */
static int
wait_taken(struct rc_folder *f, struct rc_writer *w, int r, struct ag_error *e)
{
	int64_t now = rc_now_ms(f), last = now;
	int64_t idle_max = f->stopping ? 5000 : 500;
	int64_t end = f->stopping ? f->finish_by_ms : now + RC_CLOSE_WAIT_MS;
	uint64_t taken = ag_mkv_written(w->mkv);

	while (r == 1 && now - last < idle_max && now < end) {
		struct timespec ts = { 0, 10 * 1000000 };
		nanosleep(&ts, NULL);
		r = ag_mkv_drain(w->mkv, e);
		now = rc_now_ms(f);
		if (ag_mkv_written(w->mkv) != taken) {
			taken = ag_mkv_written(w->mkv);
			last = now;
		}
	}
	return r;
}

int
rc_writer_flush(struct rc_folder *f, struct rc_writer *w)
{
	struct ag_error e = { 0 };
	int r;

	if (w->kind != RC_W_CHILD || w->mkv == NULL || w->failed)
		return 0;
	if ((r = ag_mkv_flush(w->mkv, &e)) < 0) {
		rc_log(f, 3, "%s: %s", w->name, e.msg);
		w->failed = true;
		return -1;
	}
	mark_sealed(w, w->fed_ms, w->frames);
	return r;
}

void
rc_writer_loss(struct rc_folder *f, struct rc_writer *w, uint32_t uid)
{
	if (w->video || (w->shed_frames == 0 && w->unwritten_frames == 0))
		return;
	if (w->shed_frames > 0)
		rc_log(f, 3, "uid %lu: audio fell behind: %llu frames (%.1f s) dropped in %s",
		    (unsigned long)uid, (unsigned long long)w->shed_frames, (double)w->shed_ms / 1000,
		    w->name);
	if (w->unwritten_frames > 0)
		rc_log(f, 3, "uid %lu: audio fell behind: the last %llu frames (%.1f s) of %s were "
		    "not taken by its ffmpeg in time", (unsigned long)uid,
		    (unsigned long long)w->unwritten_frames, (double)w->unwritten_ms / 1000, w->name);
	f->shed_frames += w->shed_frames;
	f->shed_ms += w->shed_ms;
	f->unwritten_frames += w->unwritten_frames;
	f->unwritten_ms += w->unwritten_ms;
	f->loss_files++;
	w->shed_frames = w->unwritten_frames = 0;
	w->shed_ms = w->unwritten_ms = 0;
}

void
rc_folder_loss(struct rc_folder *f)
{
	if (f->loss_files == 0)
		return;
	rc_log(f, 2 | RC_LOG_ALWAYS, "the machine did not keep up: %llu audio frames (%.1f s) "
	    "lost in %u files (%llu frames, %.1f s dropped while recording; %llu frames, "
	    "%.1f s not taken at the end)",
	    (unsigned long long)(f->shed_frames + f->unwritten_frames),
	    (double)(f->shed_ms + f->unwritten_ms) / 1000, f->loss_files,
	    (unsigned long long)f->shed_frames, (double)f->shed_ms / 1000,
	    (unsigned long long)f->unwritten_frames, (double)f->unwritten_ms / 1000);
}

void
rc_writer_close(struct rc_folder *f, struct rc_writer *w)
{
	struct ag_error e = { 0 };

	if (w->kind == RC_W_NONE)
		return;
	if (w->fmp4) {
		int64_t end = w->frames ? (w->last_ms - w->create_ms) * 90 : 0;
		if (ag_fmp4_close(w->fmp4, end, &e) < 0 && !w->failed)
			rc_log(f, 3, "%s: %s", w->name, e.msg);
		w->fmp4 = NULL;
	}
	if (w->ogg)
		ogg_close(f, w);
	if (w->mkv) {
		int r;
		write_held(w);
		r = w->failed ? -1 : ag_mkv_flush(w->mkv, &e);
		if (r >= 0 && w->kind == RC_W_CHILD) {
			mark_sealed(w, w->fed_ms, w->frames);
			r = wait_taken(f, w, r, &e);
		}
		if (r == 1 && w->kind == RC_W_CHILD && !w->video) {
			/* What the child did not take is lost: counted, not an error. */
			marks_taken(w);
			w->unwritten_frames = w->frames - w->taken_frames;
			w->unwritten_ms = w->fed_ms > w->taken_ms ? w->fed_ms - w->taken_ms : 0;
			ag_mkv_close(w->mkv, &e);
		} else if (ag_mkv_close(w->mkv, &e) < 0 && !w->failed) {
			rc_log(f, 3, "%s: %s", w->name, e.msg);
		}
		w->mkv = NULL;
	}
	if (w->fd >= 0) {
		int errnum = 0;
		if ((w->kind == RC_W_WEBM || w->kind == RC_W_FMP4 || w->kind == RC_W_OGG) &&
		    fsync(w->fd) < 0)
			errnum = errno;
		if (close(w->fd) < 0 && errnum == 0)
			errnum = errno;
		if (errnum != 0)
			rc_log(f, 3, "%s: %s", w->name, strerror(errnum));
	}
	if (w->out_fd >= 0 && close(w->out_fd) < 0)
		rc_log(f, 3, "%s: %s", w->name, strerror(errno));
	w->fd = w->out_fd = -1;
	w->kind = RC_W_NONE;
}
