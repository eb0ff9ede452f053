/*
 * folder.h - a recording folder as data: its event logs (uid_*.txt)
 * sorted by uid then TS with their sessions, every media file a log
 * names as a clip, the channel name, the done markers, and what looked
 * wrong as warnings (agora-format.md sections 2-3; agrec-folder(5),
 * "How agrec reads a folder").
 *
 * The reader records facts; each program applies its own policy (what
 * it leaves out, how long a clip without a close line lasts) in one
 * short function of its own.  Nothing here prints.
 */
#ifndef AG_FOLDER_H
#define AG_FOLDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "argv.h"
#include "err.h"
#include "names.h"

#define AG_FOLDER_MAX_ROTS 64       /* rotations kept per clip */
#define AG_FOLDER_MAX_SWITCHES 64   /* codec switches kept per clip */
#define AG_FOLDER_NO_CLOSE INT64_MIN  /* end_ms of a clip without a close line */

struct ag_folder_rot {
	int64_t t_ms;           /* session time this rotation starts */
	int rotation;           /* 0, 90, 180, 270 */
};

struct ag_folder_clip {
	char file[64];          /* bare media file name */
	enum ag_media_kind kind;
	bool video;             /* mp4, webm and ts */
	uint32_t uid;           /* the uid of the log that lists it */
	uint32_t media_uid;     /* the uid in its name; differs from uid: warned */
	bool has_create;        /* a create line was seen */
	int64_t create_ms;      /* create line, else the file's first line (session time) */
	int64_t start_ms;       /* media start: first info line (video), else create_ms */
	int64_t end_ms;         /* last close line, or AG_FOLDER_NO_CLOSE (warned) */
	long long size;         /* bytes; -1 missing, -2 not a regular file */
	int width, height;      /* first info line; -1 if none */
	int channels;           /* audio info line; -1 if none */
	struct ag_folder_rot rots[AG_FOLDER_MAX_ROTS];
	int nrots;              /* video: >= 1, rots[0].t_ms == start_ms; audio: 0 */
	int64_t switches[AG_FOLDER_MAX_SWITCHES];  /* codecswitch line times */
	int nswitches;
};

struct ag_folder_log {
	char name[96];          /* uid_<UID>_<TS>.txt */
	uint32_t uid;
	char ts[AG_TS_LEN + 1];
	int64_t ts_ms;          /* the name's time, ms since 1970 UTC */
	bool opens_session;     /* a 0.000 event or a "new session started" line */
	int session;            /* this uid's session number, from 0 */
	int64_t base_ms;        /* ts_ms of the log that opened its session */
	struct ag_folder_clip *clips;  /* in order of first mention */
	size_t nclips;
};

enum ag_folder_marker {
	AG_FOLDER_FINISHED,     /* recording2-done.txt */
	AG_FOLDER_CONVERTED,    /* convert-done.txt */
};

struct ag_folder {
	char *path;             /* as given; NULL for a folder built in memory */
	struct ag_folder_log *logs;  /* sorted by uid, then TS (after ag_folder_settle) */
	size_t nlogs;
	int64_t origin_ms;      /* the earliest session base */
	char channel[256];      /* metadata.txt's channel name, else the folder name's, else "" */
	bool finished, converted;  /* the done markers */
	struct ag_argv warnings;  /* .v[0 .. .n): "uid_1_x.txt: what", in the order found */
};

/*
 * Read the folder dir: every uid_*.txt (a line that does not parse is a
 * warning), the size of every media file they name, metadata.txt and
 * the markers; then ag_folder_settle().  On success *f is new (free it
 * with ag_folder_free).  -1 with err: AG_EX_IOERR unreadable folder or
 * txt, AG_EX_DATAERR no uid_*.txt ("DIR: no uid_*.txt files: not a
 * recording folder"), AG_EX_FAIL out of memory.
 */
int ag_folder_read(const char *dir, struct ag_folder *f, struct ag_error *err);

/*
 * Add the log name (a uid_*.txt name) whose bytes are text[0..len)
 * (borrowed) to f, its clips built from its lines; with f->path set,
 * each media file's size is read.  For folders built in memory (tests):
 * start from a zeroed *f, add every log, then ag_folder_settle().
 * -1 with err: AG_EX_DATAERR bad name, AG_EX_FAIL out of memory.
 */
int ag_folder_add_log(struct ag_folder *f, const char *name, const char *text, size_t len,
    struct ag_error *err);

/*
 * Sort f's logs by uid then TS, number each uid's sessions (a log that
 * opens one starts it; a uid's first log opens session 0 all the same,
 * with a warning if it has no 0.000 line), set every base_ms and
 * f->origin_ms.  -1 with err (AG_EX_FAIL) only when out of memory.
 */
int ag_folder_settle(struct ag_folder *f, struct ag_error *err);

/* Free what f holds; NULL is fine; leaves *f zeroed. */
void ag_folder_free(struct ag_folder *f);

/*
 * Write dir/metadata.txt atomically (mode 0666 less the umask) in the
 * SDK's three lines naming channel (borrowed).  0, or -1 with err.
 */
int ag_metadata_write(const char *dir, const char *channel, struct ag_error *err);

/*
 * Create the empty marker which in dir atomically with mode (less the
 * umask).  0, or -1 with err (AG_EX_IOERR).
 */
int ag_folder_mark(const char *dir, enum ag_folder_marker which, int mode,
    struct ag_error *err);

/* Whether dir holds the marker which. */
bool ag_folder_marked(const char *dir, enum ag_folder_marker which);

/* The marker's file name ("recording2-done.txt", "convert-done.txt"). */
const char *ag_folder_marker_name(enum ag_folder_marker which);

#endif
