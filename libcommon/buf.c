#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "be.h"
#include "buf.h"

#define MIN_ELEMS 8

void *
ag_grow(void *p, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap > MIN_ELEMS ? *cap : MIN_ELEMS;
	void *np;

	if (need == 0)
		need = 1;
	if (p != NULL && *cap >= need)
		return p;
	if (elem == 0 || need > SIZE_MAX / elem) {
		errno = ENOMEM;
		return NULL;
	}
	while (ncap < need)
		ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
	if (ncap > SIZE_MAX / elem)
		ncap = need;
	if ((np = realloc(p, ncap * elem)) == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	*cap = ncap;
	return np;
}

int
ag_buf_reserve(struct ag_buf *b, size_t n)
{
	uint8_t *p;

	if (b->failed)
		goto fail;
	if (n == 0 || (b->p != NULL && b->cap - b->len >= n))
		return 0;
	if (b->fixed || n > SIZE_MAX / 2 - b->len)
		goto fail;
	if ((p = ag_grow(b->p, &b->cap, b->len + n, 1)) == NULL)
		goto fail;
	b->p = p;
	return 0;
fail:
	b->failed = true;
	errno = ENOMEM;
	return -1;
}

int
ag_buf_append(struct ag_buf *b, const void *data, size_t n)
{
	if (ag_buf_reserve(b, n) < 0)
		return -1;
	if (n > 0)
		memcpy(b->p + b->len, data, n);
	b->len += n;
	return 0;
}

int
ag_buf_append_be(struct ag_buf *b, uint64_t v, int n)
{
	uint8_t tmp[8];

	ag_wrn(tmp, v, n);
	return ag_buf_append(b, tmp, (size_t)n);
}

void
ag_buf_clear(struct ag_buf *b)
{
	b->len = 0;
	b->failed = false;
}

void
ag_buf_free(struct ag_buf *b)
{
	if (b == NULL)
		return;
	if (!b->fixed)
		free(b->p);
	memset(b, 0, sizeof *b);
}
