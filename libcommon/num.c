#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

#include "num.h"

int
ag_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
ag_cmp_i64(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}
