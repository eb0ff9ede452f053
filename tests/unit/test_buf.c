/*
 * test_buf.c - buf.c (ag_grow, struct ag_buf) and be.h: growth from
 * empty, no reallocation while there is room, overflowing sizes refused
 * with the array untouched, and the byte orders of every helper.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "be.h"
#include "buf.h"

Test(buf, grow_array)
{
	int *v = NULL, *w;
	size_t cap = 0, i;

	for (i = 0; i < 1000; i++) {
		w = ag_grow(v, &cap, i + 1, sizeof *v);
		cr_assert_not_null(w);
		cr_assert_geq(cap, i + 1);
		v = w;
		v[i] = (int)i;
	}
	cr_assert_lt(cap, 2048, "capacity doubles: %zu", cap);
	for (i = 0; i < 1000; i++)
		cr_assert_eq(v[i], (int)i);
	/* room already: the same array, the same capacity */
	w = ag_grow(v, &cap, 10, sizeof *v);
	cr_assert_eq(w, v);
	/* a size that overflows: refused, the array and cap untouched */
	i = cap;
	errno = 0;
	cr_assert_null(ag_grow(v, &cap, SIZE_MAX / 2, sizeof *v));
	cr_assert_eq(errno, ENOMEM);
	cr_assert_eq(cap, i);
	cr_assert_eq(v[999], 999);
	free(v);

	/* need 0 still allocates something */
	cap = 0;
	v = ag_grow(NULL, &cap, 0, sizeof *v);
	cr_assert_not_null(v);
	cr_assert_geq(cap, 1);
	free(v);
}

Test(buf, append)
{
	struct ag_buf b = { 0 };
	uint8_t big[5000];
	size_t i;

	cr_assert_eq(ag_buf_append(&b, NULL, 0), 0);
	cr_assert_eq(b.len, 0);
	cr_assert_eq(ag_buf_append(&b, "abc", 3), 0);
	cr_assert_eq(ag_buf_append(&b, "de", 2), 0);
	cr_assert_eq(b.len, 5);
	cr_assert_arr_eq(b.p, "abcde", 5);
	for (i = 0; i < sizeof big; i++)
		big[i] = (uint8_t)i;
	cr_assert_eq(ag_buf_append(&b, big, sizeof big), 0);
	cr_assert_eq(b.len, 5 + sizeof big);
	cr_assert_geq(b.cap, b.len);
	cr_assert_arr_eq(b.p + 5, big, sizeof big);
	cr_assert_eq(ag_buf_reserve(&b, 100), 0);
	cr_assert_geq(b.cap - b.len, 100);
	errno = 0;
	cr_assert_eq(ag_buf_reserve(&b, SIZE_MAX - 2), -1);
	cr_assert_eq(errno, ENOMEM);
	cr_assert_eq(b.len, 5 + sizeof big);
	cr_assert(b.failed);
	cr_assert_eq(ag_buf_append(&b, "x", 1), -1, "failed is sticky");
	ag_buf_clear(&b);
	cr_assert_eq(ag_buf_append_be(&b, 0x010203, 3), 0);
	cr_assert_eq(b.len, 3);
	cr_assert_arr_eq(b.p, "\1\2\3", 3);
	ag_buf_free(&b);
	cr_assert_null(b.p);
	cr_assert_eq(b.len + b.cap, 0);
	ag_buf_free(NULL);
}

Test(buf, fixed)
{
	uint8_t mem[6];
	struct ag_buf b = { .p = mem, .cap = sizeof mem, .fixed = true };

	cr_assert_eq(ag_buf_append(&b, "abcd", 4), 0);
	cr_assert_eq(ag_buf_append_be(&b, 0x4546, 2), 0);
	cr_assert_arr_eq(mem, "abcdEF", 6);
	cr_assert_eq(ag_buf_append(&b, "g", 1), -1, "full: no growing");
	cr_assert(b.failed);
	cr_assert_eq(b.p, mem);
	ag_buf_free(&b);  /* not freed: the caller's */
	cr_assert_null(b.p);
}

Test(be, read_and_write)
{
	const uint8_t in[] = { 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0 };
	uint8_t out[8];

	cr_assert_eq(ag_rd16(in), 0x1234);
	cr_assert_eq(ag_rd24(in), 0x123456);
	cr_assert_eq(ag_rd32(in), 0x12345678);
	cr_assert_eq(ag_rd32(in + 4), 0x9abcdef0u);
	cr_assert_eq(ag_rdn(in, 8), 0x123456789abcdef0ull);
	cr_assert_eq(ag_rdn(in, 3), 0x123456);
	cr_assert_eq(ag_rd16le(in), 0x3412);
	cr_assert_eq(ag_rd32le(in), 0x78563412);

	ag_wr16(out, 0x1234);
	cr_assert_arr_eq(out, in, 2);
	ag_wr32(out, 0x12345678);
	cr_assert_arr_eq(out, in, 4);
	ag_wrn(out, 0x123456789abcdef0ull, 8);
	cr_assert_arr_eq(out, in, 8);
	ag_wrn(out, 0x9abcdef0, 3);
	cr_assert_arr_eq(out, in + 5, 3);
	ag_wr16le(out, 0x3412);
	cr_assert_arr_eq(out, in, 2);
	ag_wr32le(out, 0x78563412);
	cr_assert_arr_eq(out, in, 4);
}
