/*
 * reclog.h - the lines of a recorder's recording.log that another agrec
 * program reads (agrec-folder(5), "The recorder's notes").  The rest of
 * recording.log is free text for people.
 */
#ifndef AG_RECLOG_H
#define AG_RECLOG_H

#include <stddef.h>
#include <stdint.h>

/*
 * The no-video note: the recorder received video packets of uid and
 * none of them gave a video file.  Writes "uid UID: no video: N CODEC
 * packets and no decodable key frame" into buf (the recorder appends
 * where its key frame requests went).  Returns snprintf's count.
 */
int ag_reclog_novideo_format(char *buf, size_t size, uint32_t uid, const char *codec,
    uint64_t packets);

/*
 * Parse one line of recording.log ("SECONDS.mmm TEXT", with or without
 * its newline) as a no-video note.  Returns 0 and fills *uid, *packets
 * and codec (NUL-terminated), or -1 when the line is something else.
 */
int ag_reclog_novideo_parse(const char *line, uint32_t *uid, uint64_t *packets, char codec[16]);

#endif
