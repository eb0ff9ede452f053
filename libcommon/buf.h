/*
 * buf.h - one growable byte buffer and one growth rule for arrays.
 *
 * ag_grow() is the realloc-doubling loop written once: it makes room
 * for at least `need` elements, doubling the capacity (from 8) so that
 * appending one element at a time costs amortized O(1).  struct ag_buf
 * is a byte buffer on top of it, for building files and frames.
 * Nothing here prints; failures are reported as a NULL or -1 return
 * with errno ENOMEM, and leave the array or the buffer's bytes as they
 * were.
 */
#ifndef AG_BUF_H
#define AG_BUF_H

#include <stdbool.h>
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

/*
 * A byte buffer: p[0..len) used, cap allocated.  { 0 } is an empty,
 * growing one.  A failed append sets failed, and every later append
 * fails too, so that a run of appends can be checked once at its end.
 * A fixed buffer ({ .p = mem, .cap = size, .fixed = true }) writes into
 * the caller's memory and fails instead of growing.
 */
struct ag_buf {
	uint8_t *p;   /* owned by the struct unless fixed; NULL until something is added */
	size_t len, cap;
	bool failed;  /* an append failed (no memory, or a fixed buffer full): sticky */
	bool fixed;   /* p is the caller's: never reallocated nor freed */
};

/* Room for n more bytes after b->len.  Returns 0, or -1 (errno ENOMEM;
 * b->failed set, b's bytes unchanged). */
int ag_buf_reserve(struct ag_buf *b, size_t n);

/* Append data[0..n) (borrowed; may be NULL when n is 0).  Returns 0, or
 * -1 as ag_buf_reserve(). */
int ag_buf_append(struct ag_buf *b, const void *data, size_t n);

/* Append v's low n (1..8) bytes, big-endian.  Returns 0 or -1, as above. */
int ag_buf_append_be(struct ag_buf *b, uint64_t v, int n);

/* Empty b (len 0, failed cleared), keeping its memory. */
void ag_buf_clear(struct ag_buf *b);

/* Free b's bytes (unless fixed) and make it empty again.  Accepts NULL. */
void ag_buf_free(struct ag_buf *b);

#endif
