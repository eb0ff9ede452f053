#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

	if (n > SIZE_MAX - b->len) {
		errno = ENOMEM;
		return -1;
	}
	if (b->p != NULL && b->cap - b->len >= n)
		return 0;
	if ((p = ag_grow(b->p, &b->cap, b->len + n, 1)) == NULL)
		return -1;
	b->p = p;
	return 0;
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

void
ag_buf_free(struct ag_buf *b)
{
	if (b == NULL)
		return;
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}
