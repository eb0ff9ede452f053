/*
 * clock.h - the one clock agrec measures time spans with: monotonic
 * (CLOCK_MONOTONIC), never stepped by a change of the wall clock, with an
 * arbitrary origin (compare its values, never show them).
 */
#ifndef AG_CLOCK_H
#define AG_CLOCK_H

#include <stdint.h>

/* The monotonic clock in microseconds. */
int64_t ag_mono_us(void);

/* The same in milliseconds (ag_mono_us() / 1000). */
int64_t ag_mono_ms(void);

#endif
