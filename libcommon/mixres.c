#include <string.h>

#include "cli.h"
#include "mixres.h"
#include "num.h"

int
ag_mixres_parse(const char *s, struct ag_mixres *out, struct ag_error *err)
{
	/* The bounds are ag_cli_bounds[]'s (cli.c), which are these macros. */
	static const enum ag_cli_kind kind[4] = { AG_CLI_MIX_W, AG_CLI_MIX_H, AG_CLI_MIX_FPS,
	    AG_CLI_MIX_KBPS };
	char field[32];
	const char *p = s;
	long v[4];
	int i;

	for (i = 0; i < 4; i++) {
		size_t n = strcspn(p, ",");
		if (n >= sizeof field)
			goto bad;
		memcpy(field, p, n);
		field[n] = '\0';
		if (ag_parse_long(field, ag_cli_bounds[kind[i]].min, ag_cli_bounds[kind[i]].max,
		    &v[i]) < 0)
			goto bad;
		p += n;
		if (i < 3) {
			if (*p != ',')
				goto bad;
			p++;
		}
	}
	if (*p != '\0')
		goto bad;
	out->width = (int)v[0];
	out->height = (int)v[1];
	out->fps = (int)v[2];
	out->kbps = (int)v[3];
	return 0;
bad:
	return ag_error_set(err, AG_EX_USAGE, "'%.64s' is not W,H,FPS,KBPS (four integers: W %d..%d, "
	    "H %d..%d, FPS %d..%d, KBPS %d..%d)", s, AG_MIXRES_W_MIN, AG_MIXRES_W_MAX,
	    AG_MIXRES_H_MIN, AG_MIXRES_H_MAX, AG_MIXRES_FPS_MIN, AG_MIXRES_FPS_MAX,
	    AG_MIXRES_KBPS_MIN, AG_MIXRES_KBPS_MAX);
}
