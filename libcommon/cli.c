/*
 * cli.c - command-line values: the one table of bounds and its parsers.
 */
#include <ctype.h>
#include <string.h>

#include "cli.h"
#include "names.h"
#include "num.h"

const struct ag_cli_bound ag_cli_bounds[AG_CLI_NKINDS] = {
	[AG_CLI_BOOL] = { 0, 1, NULL },
	[AG_CLI_UID] = { 0, 4294967295L, NULL },
	[AG_CLI_UID_OR_UNSET] = { -1, 4294967295L, NULL },
	[AG_CLI_PORT_LOW] = { 0, 65534, NULL },
	[AG_CLI_PORT_HIGH] = { 0, 65535, NULL },
	[AG_CLI_PORT] = { 1, 65534, NULL },
	[AG_CLI_AUDIO_FRAME] = { 0, 3, NULL },
	[AG_CLI_VIDEO_FRAME] = { 0, 5, NULL },
	[AG_CLI_MIXED_VA] = { 0, 2, NULL },
	[AG_CLI_LAYOUT_MODE] = { 0, 3, NULL },
	[AG_CLI_AUDIO_PROFILE] = { 0, 1000000, NULL },
	[AG_CLI_LOG_LEVEL] = { -1000000, 1000000, NULL },
	[AG_CLI_IDLE] = { 3, 1000000000, "seconds" },
	[AG_CLI_LEAVE] = { 1, 3600, "seconds" },
	[AG_CLI_REC_CAPTURE] = { 1, 3600, "seconds" },
	[AG_CLI_CAPTURE] = { 1, 86400, "seconds" },
	[AG_CLI_QUALITY] = { 2, 31, NULL },
	[AG_CLI_SNAP_SIZE] = { 16, 7680, "pixels" },
	[AG_CLI_LATENCY] = { 0, 10000, "milliseconds" },
	[AG_CLI_SPEAKER_HOLD] = { 0, 60000, "milliseconds" },
	[AG_CLI_CV_MODE] = { 0, 3, NULL },
	[AG_CLI_CV_FPS] = { 1, 1000000, "frames a second" },
	[AG_CLI_CV_SIZE] = { 0, 7680, "pixels" },
	[AG_CLI_JOBS] = { 1, 64, NULL },
	[AG_CLI_MIX_W] = { AG_MIXRES_W_MIN, AG_MIXRES_W_MAX, "pixels" },
	[AG_CLI_MIX_H] = { AG_MIXRES_H_MIN, AG_MIXRES_H_MAX, "pixels" },
	[AG_CLI_MIX_FPS] = { AG_MIXRES_FPS_MIN, AG_MIXRES_FPS_MAX, "frames a second" },
	[AG_CLI_MIX_KBPS] = { AG_MIXRES_KBPS_MIN, AG_MIXRES_KBPS_MAX, "kb/s" },
	[AG_CLI_BENCH_SECONDS] = { 1, 3600, "seconds" },
	[AG_CLI_BENCH_SEND_SECONDS] = { 1, 86400, "seconds" },
	[AG_CLI_BENCH_USERS] = { 1, 10000, NULL },
	[AG_CLI_MAX_BITRATE] = { 30, 100000, "kb/s" },
	[AG_CLI_MAX_PUBLISHERS] = { 1, 1000, NULL },
	/* wmspec.h AG_WM_MIN_FONT_PX..AG_WM_MAX_FONT_PX */
	[AG_CLI_WM_FONT_SIZE] = { 4, 512, "pixels" },
	[AG_CLI_WM_PX] = { 0, 7680, "pixels" },
	[AG_CLI_INDICATION] = { 0, 60000, "ms" },
};

static int
refuse(const char *opt, const char *s, enum ag_cli_kind kind, struct ag_error *err)
{
	const struct ag_cli_bound *b = &ag_cli_bounds[kind];

	return ag_error_set(err, AG_EX_USAGE, "%s: '%.64s': not a whole number%s%s in %ld..%ld",
	    opt, s, b->unit ? " of " : "", b->unit ? b->unit : "", b->min, b->max);
}

int
ag_cli_num(const char *opt, const char *s, enum ag_cli_kind kind, long *out,
    struct ag_error *err)
{
	const struct ag_cli_bound *b = &ag_cli_bounds[kind];

	if (ag_parse_long(s, b->min, b->max, out) < 0)
		return refuse(opt, s, kind, err);
	return 0;
}

int
ag_cli_interval_ms(const char *opt, const char *s, enum ag_cli_kind kind, long *ms,
    struct ag_error *err)
{
	long v;

	if (ag_cli_num(opt, s, kind, &v, err) < 0)
		return -1;
	*ms = v * 1000;
	return 0;
}

/* Digits only: the one syntax of each side of WxH. */
static int
side(const char *s, size_t n, enum ag_cli_kind kind, long *out)
{
	char buf[16];
	size_t i;

	if (n == 0 || n >= sizeof buf)
		return -1;
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return ag_parse_long(buf, ag_cli_bounds[kind].min, ag_cli_bounds[kind].max, out);
}

int
ag_cli_size(const char *opt, const char *s, enum ag_cli_kind kind, int *w, int *h,
    struct ag_error *err)
{
	const struct ag_cli_bound *b = &ag_cli_bounds[kind];
	const char *x = s == NULL ? NULL : strchr(s, 'x');
	long lw, lh;

	if (x == NULL || side(s, (size_t)(x - s), kind, &lw) < 0 ||
	    side(x + 1, strlen(x + 1), kind, &lh) < 0)
		return ag_error_set(err, AG_EX_USAGE, "%s: '%.64s': not WxH, two whole numbers "
		    "of pixels in %ld..%ld", opt, s ? s : "", b->min, b->max);
	*w = (int)lw;
	*h = (int)lh;
	return 0;
}

int
ag_cli_uid_add(const char *opt, const char *s, uint32_t *list, size_t *n, size_t max,
    struct ag_error *err)
{
	uint32_t uid;

	if (ag_parse_uid(s, strlen(s), &uid) < 0)
		return ag_error_set(err, AG_EX_USAGE, "%s: '%.64s': not a uid (0..4294967295)", opt, s);
	if (*n >= max)
		return ag_error_set(err, AG_EX_USAGE, "%s: at most %zu uids", opt, max);
	list[(*n)++] = uid;
	return 0;
}

int
ag_cli_mixres(const char *opt, const char *s, struct ag_mixres *out, struct ag_error *err)
{
	struct ag_error e = { 0 };

	if (ag_mixres_parse(s, out, &e) < 0)
		return ag_error_set(err, AG_EX_USAGE, "%s: %s", opt, e.msg);
	return 0;
}
