/*
 * num.h - strict number parsing for options and data: the whole string
 * must be a number within [min, max]; no atoi.
 */
#ifndef AG_NUM_H
#define AG_NUM_H

/* Parse a decimal integer.  Returns 0, or -1 (empty, junk, out of range). */
int ag_parse_long(const char *s, long min, long max, long *out);

#endif
