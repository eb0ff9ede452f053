/*
 * test_num.c - num.c: ag_parse_long takes the whole string as one decimal
 * number within [min, max] and nothing else; a refused string leaves the
 * result alone.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>

#include "num.h"

static void
parses(const char *s, long min, long max, long want)
{
	long v = 12345;

	cr_assert_eq(ag_parse_long(s, min, max, &v), 0, "'%s' in [%ld, %ld] should parse",
	    s, min, max);
	cr_assert_eq(v, want, "'%s' gave %ld, not %ld", s, v, want);
}

static void
refused(const char *s, long min, long max)
{
	long v = 12345;

	cr_assert_eq(ag_parse_long(s, min, max, &v), -1, "'%s' in [%ld, %ld] should be refused",
	    s != NULL ? s : "(null)", min, max);
	cr_assert_eq(v, 12345, "a refused '%s' changed the result to %ld",
	    s != NULL ? s : "(null)", v);
}

Test(num, plain_numbers)
{
	parses("0", 0, 10, 0);
	parses("7", 0, 10, 7);
	parses("-7", -10, 10, -7);
	parses("-0", 0, 10, 0);
	parses("1000000", 0, LONG_MAX, 1000000);
}

/* Decimal whatever the leading digits: "010" is ten (not octal eight),
 * "0x10" is junk after the 0 (not hex sixteen). */
Test(num, always_decimal)
{
	parses("010", 0, 100, 10);
	parses("007", 0, 100, 7);
	refused("0x10", 0, 100);
	refused("0X1f", 0, 100);
	refused("1e3", 0, 10000);
}

/* min and max are both allowed; one past either is not. */
Test(num, bounds_are_inclusive)
{
	parses("1", 1, 65535, 1);
	parses("65535", 1, 65535, 65535);
	refused("0", 1, 65535);
	refused("65536", 1, 65535);
	refused("-1", 0, 10);
	parses("5", 5, 5, 5);
	refused("5", 6, 4);
}

/* The ends of long parse; one past them overflows and is refused, not
 * clamped to LONG_MAX / LONG_MIN. */
Test(num, overflow)
{
	char s[64];

	snprintf(s, sizeof s, "%ld", LONG_MAX);
	parses(s, LONG_MIN, LONG_MAX, LONG_MAX);
	snprintf(s, sizeof s, "%ld", LONG_MIN);
	parses(s, LONG_MIN, LONG_MAX, LONG_MIN);
	refused("9223372036854775808", LONG_MIN, LONG_MAX);
	refused("-9223372036854775809", LONG_MIN, LONG_MAX);
	refused("99999999999999999999999999999", LONG_MIN, LONG_MAX);
	refused("-99999999999999999999999999999", LONG_MIN, LONG_MAX);
	/* An overflowing number is refused even when a clamped value would
	 * be within the bounds. */
	refused("99999999999999999999999999999", 0, LONG_MAX);
}

/* An errno left over from an earlier call does not make a good number
 * fail, and a failure does not leak into the next call. */
Test(num, stale_errno)
{
	errno = ERANGE;
	parses("42", 0, 100, 42);
	refused("99999999999999999999999999999", LONG_MIN, LONG_MAX);
	parses("43", 0, 100, 43);
}

Test(num, empty_and_null)
{
	refused(NULL, LONG_MIN, LONG_MAX);
	refused("", LONG_MIN, LONG_MAX);
}

/* A sign alone, two signs, or a sign with space after it is no number.  A
 * leading '-' is a negative number (refused only by the bounds). */
Test(num, signs)
{
	refused("-", LONG_MIN, LONG_MAX);
	refused("+", LONG_MIN, LONG_MAX);
	refused("--5", LONG_MIN, LONG_MAX);
	refused("+-5", LONG_MIN, LONG_MAX);
	refused("-+5", LONG_MIN, LONG_MAX);
	refused("- 5", LONG_MIN, LONG_MAX);
	refused("-5", 0, LONG_MAX);
	parses("-5", LONG_MIN, 0, -5);
	/* strtol's grammar: an explicit '+' is allowed. */
	parses("+5", 0, 10, 5);
}

/* Whitespace anywhere is junk: strtol would skip it at the front. */
Test(num, whitespace)
{
	refused(" 5", 0, 10);
	refused("\t5", 0, 10);
	refused("\n5", 0, 10);
	refused(" -5", -10, 10);
	refused("5 ", 0, 10);
	refused("5\n", 0, 10);
	refused("5\r", 0, 10);
	refused("1 0", 0, 100);
	refused(" ", 0, 10);
}

Test(num, trailing_junk)
{
	refused("5x", 0, 10);
	refused("5.0", 0, 10);
	refused("5,", 0, 10);
	refused("5s", 0, 10);
	refused("x5", 0, 10);
	refused("five", 0, 10);
	refused("1k", 0, 100000);
}

Test(num, cmp_i64)
{
	cr_assert_eq(ag_cmp_i64(1, 2), -1);
	cr_assert_eq(ag_cmp_i64(2, 1), 1);
	cr_assert_eq(ag_cmp_i64(7, 7), 0);
	/* a - b would overflow here */
	cr_assert_eq(ag_cmp_i64(INT64_MIN, INT64_MAX), -1);
	cr_assert_eq(ag_cmp_i64(INT64_MAX, INT64_MIN), 1);
}
