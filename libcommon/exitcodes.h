/*
 * exitcodes.h - the one table of exit statuses shared by every agrec
 * program (design.md section 8; also in every man page).
 */
#ifndef AG_EXITCODES_H
#define AG_EXITCODES_H

#define AG_EX_OK          0   /* success */
#define AG_EX_FAIL        1   /* the work failed: a child failed, an output could not be verified */
#define AG_EX_USAGE      64   /* bad command line */
#define AG_EX_DATAERR    65   /* bad input data: malformed txt, stream, JSON */
#define AG_EX_NOINPUT    66   /* a file named on the command line does not exist */
#define AG_EX_UNAVAILABLE 69  /* ffmpeg or ffprobe missing */
#define AG_EX_IOERR      74   /* an I/O error: unreadable or unwritable file or folder */
#define AG_EX_TEMPFAIL   75   /* try later: folder locked by another run, or recording not finished */
/* 128+N: stopped by signal N */

#endif
