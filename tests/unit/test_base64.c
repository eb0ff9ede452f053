/*
 * test_base64.c - base64.c: RFC 4648's test vectors, padding, a bad
 * digit's offset, and an output that is too small.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "base64.h"

static long
dec(const char *s, uint8_t *out, size_t size, size_t *bad)
{
	return ag_base64_decode(s, strlen(s), out, size, bad);
}

Test(base64, rfc4648_vectors)
{
	static const char *const in[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=",
		"Zm9vYmFy" };
	uint8_t out[16];

	for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
		long n = dec(in[i], out, sizeof out, NULL);

		cr_assert_eq(n, (long)i, "%s: %ld", in[i], n);
		cr_assert_eq(memcmp(out, "foobar", (size_t)n), 0, "%s", in[i]);
	}
}

Test(base64, sprop_sps)
{
	uint8_t out[64];
	long n = dec("QgEBAWAAAAMAkAAAAwAAAwA8oAoIDxZbpKTC8BaAgAAAAwCAAAAHhA==", out, sizeof out,
	    NULL);

	cr_assert_eq(n, 40);
	cr_assert_eq(out[0], 0x42, "an H.265 SPS header");
	cr_assert_eq(out[39], 0x84);
}

Test(base64, refused)
{
	uint8_t out[4];
	size_t bad = 99;

	cr_assert_eq(dec("Zm9v!", out, sizeof out, &bad), -1);
	cr_assert_eq(bad, 4);
	cr_assert_eq(dec("Zm=v", out, sizeof out, NULL), -1, "padding inside");
	cr_assert_eq(dec("Zm9vYmFy", out, sizeof out, NULL), -2, "6 bytes into 4");
	cr_assert_eq(dec("Zm9vYg==", out, 4, NULL), 4);
}
