/*
 * base64.h - decoding base64 (RFC 4648 section 4), for the keys of
 * a=crypto lines (srtp.c) and the parameter sets of an SDP's
 * sprop-vps/sps/pps (RFC 7798 7.1).  Nothing here allocates or prints.
 */
#ifndef AG_BASE64_H
#define AG_BASE64_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decode text[0..len) (borrowed; up to two '=' of padding at its end are
 * dropped) into out[0..size).  Returns the bytes written; -1 when a
 * character is not a base64 digit (*bad, when not NULL, is its offset);
 * -2 when out is too small.
 */
long ag_base64_decode(const char *text, size_t len, uint8_t *out, size_t size, size_t *bad);

#endif
