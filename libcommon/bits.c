/*
 * bits.c - RBSP bit reading for the video parsers (see bits.h).
 */
#include "bits.h"

size_t
ag_bits_unescape(const uint8_t *src, size_t len, uint8_t *dst, size_t size)
{
	size_t i, n = 0;
	int zeros = 0;

	for (i = 0; i < len && n < size; i++) {
		if (zeros >= 2 && src[i] == 3) {
			zeros = 0;
			continue;
		}
		dst[n++] = src[i];
		zeros = src[i] == 0 ? zeros + 1 : 0;
	}
	return n;
}

void
ag_bits_init(struct ag_bits *b, const uint8_t *p, size_t len)
{
	b->p = p;
	b->len = len;
	b->pos = 0;
	b->bad = false;
}

uint32_t
ag_bits_u(struct ag_bits *b, int n)
{
	uint32_t v = 0;

	while (n-- > 0) {
		if (b->pos >= 8 * b->len) {
			b->bad = true;
			return 0;
		}
		v = v << 1 | ((b->p[b->pos / 8] >> (7 - b->pos % 8)) & 1);
		b->pos++;
	}
	return v;
}

void
ag_bits_skip(struct ag_bits *b, size_t n)
{
	if (n > 8 * b->len - b->pos) {
		b->pos = 8 * b->len;
		b->bad = true;
		return;
	}
	b->pos += n;
}

uint32_t
ag_bits_ue(struct ag_bits *b)
{
	int zeros = 0;

	while (ag_bits_u(b, 1) == 0) {
		if (b->bad || ++zeros > 31) {
			b->bad = true;
			return 0;
		}
	}
	return (uint32_t)((1ull << zeros) - 1 + ag_bits_u(b, zeros));
}

int32_t
ag_bits_se(struct ag_bits *b)
{
	uint32_t k = ag_bits_ue(b);

	return (k & 1) ? (int32_t)((k + 1) / 2) : -(int32_t)(k / 2);
}
