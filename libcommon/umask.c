#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "umask.h"

int
ag_umask_parse(const char *s, mode_t *out)
{
	char *end;
	long v;

	if (s[0] < '0' || s[0] > '7')
		return -1;
	errno = 0;
	v = strtol(s, &end, 8);
	if (errno != 0 || *end != '\0' || v < 0 || v > 0777)
		return -1;
	*out = (mode_t)v;
	return 0;
}

mode_t
ag_umask_get(void)
{
	mode_t m = umask(0);

	umask(m);
	return m;
}
