/*
 * umask.h - the one rule for the modes of what agrec creates.  Every
 * program takes --umask MODE (octal, default 077) and sets its process
 * umask from it before it creates anything; every file, named pipe and
 * folder is then created with 0666 or 0777 and the umask takes away the
 * rest (077: 0600 and 0700, owner-only).  Nothing is created with a fixed
 * mode and nothing is chmod'ed to one.  agrec-record passes its --umask on
 * to the agrec-mix and agrec-capture it runs; ffmpeg children inherit the
 * umask and create their files with 0666 as well.
 */
#ifndef AG_UMASK_H
#define AG_UMASK_H

#include <sys/types.h>

#define AG_UMASK_DEFAULT 077

/* Parse an octal umask, 0 to 0777, into *out.  Returns 0, or -1 (empty,
 * junk, out of range; *out untouched). */
int ag_umask_parse(const char *s, mode_t *out);

/* The process umask, read without changing it (not thread-safe: agrec's
 * programs have one thread). */
mode_t ag_umask_get(void);

#endif
