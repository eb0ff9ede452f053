/*
 * bits.h - reading the RBSP of a video parameter set or slice header,
 * shared by the H.264 and H.265 parsers (h264.c, h265.c): removal of
 * emulation prevention bytes (ITU-T H.264 7.4.1, H.265 7.4.2) and
 * fixed-width and Exp-Golomb codes (H.264 9.1, H.265 9.2).
 *
 * A read past the end or an impossible code sets bad and yields 0;
 * callers check bad once after a run of reads.  Nothing allocates.
 */
#ifndef AG_BITS_H
#define AG_BITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ag_bits {
	const uint8_t *p;  /* borrowed: the RBSP */
	size_t len;        /* bytes */
	size_t pos;        /* bits read so far */
	bool bad;          /* read past the end, or an Exp-Golomb code over 32 bits */
};

/*
 * Copy src[0..len) (borrowed) into dst[0..size) without its emulation
 * prevention bytes (the 03 of 00 00 03).  Stops when dst is full.
 * Returns the bytes written.
 */
size_t ag_bits_unescape(const uint8_t *src, size_t len, uint8_t *dst, size_t size);

/* Start reading p[0..len) (borrowed) from its first bit. */
void ag_bits_init(struct ag_bits *b, const uint8_t *p, size_t len);

/* The next n (0..32) bits, most significant first. */
uint32_t ag_bits_u(struct ag_bits *b, int n);

/* Skip n bits (as many reads of 1 bit). */
void ag_bits_skip(struct ag_bits *b, size_t n);

/* An unsigned Exp-Golomb code, ue(v). */
uint32_t ag_bits_ue(struct ag_bits *b);

/* A signed Exp-Golomb code, se(v). */
int32_t ag_bits_se(struct ag_bits *b);

#endif
