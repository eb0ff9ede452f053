/*
 * num.h - strict number parsing for options and data: the whole string
 * must be a number within [min, max]; no atoi.  And the three-way
 * comparison qsort comparators are made of.
 */
#ifndef AG_NUM_H
#define AG_NUM_H

#include <stdint.h>

/* Parse a decimal integer.  Returns 0, or -1 (empty, junk, out of range). */
int ag_parse_long(const char *s, long min, long max, long *out);

/* -1, 0 or 1 as a is less than, equal to or greater than b (never a - b,
 * which overflows). */
int ag_cmp_i64(int64_t a, int64_t b);

#endif
