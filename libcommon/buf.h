/*
 * buf.h - one growable byte buffer and one growth rule for arrays.
 *
 * ag_grow() is the realloc-doubling loop written once: it makes room
 * for at least `need` elements, doubling the capacity (from 8) so that
 * appending one element at a time costs amortized O(1).  struct ag_buf
 * is a byte buffer on top of it.  Nothing here prints; failures are
 * reported as a NULL or -1 return with errno ENOMEM, and leave the
 * buffer or array as it was.
 */
#ifndef AG_BUF_H
#define AG_BUF_H

#include <stddef.h>
#include <stdint.h>

/*
 * Room for at least need elements of elem bytes in the array p (owned
 * by the caller, NULL when empty) whose capacity is *cap elements.
 * Returns p itself when *cap >= need; otherwise the reallocated array
 * (p is then no longer valid; the caller owns the result) with *cap
 * raised, or NULL (errno ENOMEM, p and *cap untouched) when memory ran
 * out or the size overflows.  need 0 counts as 1.  Typical use:
 *   if ((v = ag_grow(a->v, &a->cap, a->n + 1, sizeof *v)) == NULL)
 *           return -1;
 *   a->v = v;
 */
void *ag_grow(void *p, size_t *cap, size_t need, size_t elem);

/* A byte buffer: p[0..len) used, cap allocated.  { 0 } is an empty one. */
struct ag_buf {
	uint8_t *p;   /* owned by the struct; NULL until something is added */
	size_t len, cap;
};

/* Room for n more bytes after b->len.  Returns 0, or -1 (errno ENOMEM). */
int ag_buf_reserve(struct ag_buf *b, size_t n);

/* Append data[0..n) (borrowed; may be NULL when n is 0).  Returns 0, or
 * -1 (errno ENOMEM, b unchanged). */
int ag_buf_append(struct ag_buf *b, const void *data, size_t n);

/* Free b's bytes and make it empty again.  Accepts NULL. */
void ag_buf_free(struct ag_buf *b);

#endif
