/*
 * base64.c - base64 decoding (see base64.h).
 */
#include "base64.h"

/* The value of a base64 digit, or -1. */
static int
digit(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

long
ag_base64_decode(const char *text, size_t len, uint8_t *out, size_t size, size_t *bad)
{
	size_t n = 0, i;
	uint32_t acc = 0;
	int bits = 0;

	for (i = 0; i < 2 && len > 0 && text[len - 1] == '='; i++)
		len--;
	for (i = 0; i < len; i++) {
		int d = digit((unsigned char)text[i]);

		if (d < 0) {
			if (bad != NULL)
				*bad = i;
			return -1;
		}
		acc = acc << 6 | (uint32_t)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == size)
				return -2;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	return (long)n;
}
