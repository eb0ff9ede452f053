/*
 * names.c - parse the names of an Agora-layout recording folder and its
 * files (agora-format.md section 1).
 *
 * Channel names may contain '_' and digits, so every parser anchors on
 * the right-hand end of the name and checks fixed field widths there;
 * only the uid, which never contains '_', is read from the left.
 */
#include <stdint.h>
#include <string.h>

#include "names.h"

/*
 * The TS year range.  Recordings cannot predate the epoch, and keeping
 * ag_ts_from_ms() inside 1970..9999 means whatever it writes is 17
 * digits that ag_ts_to_ms() accepts again.
 */
#define YEAR_MIN 1970
#define YEAR_MAX 9999
/* 9999-12-31 23:59:59.999 UTC */
#define MS_MAX INT64_C(253402300799999)

static int
all_digits(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* Value of len digits at s; the caller has checked they are digits. */
static unsigned
digits_value(const char *s, size_t len)
{
	unsigned v = 0;
	size_t i;

	for (i = 0; i < len; i++)
		v = v * 10 + (unsigned)(s[i] - '0');
	return v;
}

static int
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Months are checked against their real length: "20190230" is no date. */
static int
days_in_month(int y, int m)
{
	static const int mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31,
	};

	if (m == 2 && is_leap(y))
		return 29;
	return mdays[m - 1];
}

static int
valid_date(int y, int m, int d)
{
	if (y < YEAR_MIN || y > YEAR_MAX || m < 1 || m > 12)
		return 0;
	return d >= 1 && d <= days_in_month(y, m);
}

/* 60 seconds is allowed: a leap second is a plausible clock reading. */
static int
valid_time(int h, int mi, int s)
{
	return h >= 0 && h < 24 && mi >= 0 && mi < 60 && s >= 0 && s < 61;
}

/*
 * Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil), so that no timegm() or TZ setting is involved.
 */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* The inverse of days_from_civil(). */
static void
civil_from_days(int64_t z, int *year, unsigned *month, unsigned *day)
{
	int64_t era, y;
	unsigned doe, yoe, doy, mp, m;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*day = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	*month = m;
	*year = (int)(y + (m <= 2));
}

/*
 * Check 17 bytes at ts (not necessarily NUL-terminated) as a TS and
 * compute its epoch milliseconds.
 */
static int
ts_check(const char *ts, int64_t *ms_out)
{
	int y, mo, d, h, mi, s, ms;
	int64_t days;

	if (!all_digits(ts, AG_TS_LEN))
		return -1;
	y = (int)digits_value(ts, 4);
	mo = (int)digits_value(ts + 4, 2);
	d = (int)digits_value(ts + 6, 2);
	h = (int)digits_value(ts + 8, 2);
	mi = (int)digits_value(ts + 10, 2);
	s = (int)digits_value(ts + 12, 2);
	ms = (int)digits_value(ts + 14, 3);
	if (!valid_date(y, mo, d) || !valid_time(h, mi, s))
		return -1;
	days = days_from_civil(y, (unsigned)mo, (unsigned)d);
	if (ms_out != NULL)
		*ms_out = ((days * 24 + h) * 60 + mi) * INT64_C(60000) +
		    s * INT64_C(1000) + ms;
	return 0;
}

int
ag_parse_uid(const char *s, size_t len, uint32_t *out)
{
	uint64_t v;
	size_t i;

	/* 10 digits hold every uint32; more can only overflow. */
	if (s == NULL || len == 0 || len > 10 || !all_digits(s, len))
		return -1;
	if (len > 1 && s[0] == '0')
		return -1;
	v = 0;
	for (i = 0; i < len; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	if (v > UINT32_MAX)
		return -1;
	if (out != NULL)
		*out = (uint32_t)v;
	return 0;
}

/*
 * Parse "<UID>_<TS>" in exactly len bytes at s: the TS is the last 17
 * bytes, the '_' before it is fixed, and everything left of that must
 * be a uid.
 */
static int
parse_uid_ts(const char *s, size_t len, uint32_t *uid, char ts[AG_TS_LEN + 1])
{
	const char *t;

	if (len < 1 + 1 + AG_TS_LEN)
		return -1;
	t = s + len - AG_TS_LEN;
	if (t[-1] != '_' || ts_check(t, NULL) < 0)
		return -1;
	if (ag_parse_uid(s, (size_t)(t - 1 - s), uid) < 0)
		return -1;
	memcpy(ts, t, AG_TS_LEN);
	ts[AG_TS_LEN] = '\0';
	return 0;
}

int
ag_parse_media_name(const char *name, struct ag_media_name *out)
{
	static const struct {
		const char *ext;
		enum ag_media_kind kind;
	} exts[] = {
		{ ".aac", AG_MEDIA_AAC },
		{ ".mp4", AG_MEDIA_MP4 },
		{ ".webm", AG_MEDIA_WEBM },
		{ ".ts", AG_MEDIA_TS },
		{ ".opus", AG_MEDIA_OPUS },
	};
	struct ag_media_name m;
	size_t len, elen, i;

	if (name == NULL)
		return -1;
	len = strlen(name);
	for (i = 0; i < sizeof exts / sizeof exts[0]; i++) {
		elen = strlen(exts[i].ext);
		if (len > elen && memcmp(name + len - elen, exts[i].ext, elen) == 0)
			break;
	}
	if (i == sizeof exts / sizeof exts[0])
		return -1;
	/*
	 * The stem must be exactly <UID>_<TS>: converter outputs such as
	 * "..._av.mp4" or "..._0_merge_av.mp4" end in something other
	 * than 17 digits and fail here.
	 */
	if (parse_uid_ts(name, len - elen, &m.uid, m.ts) < 0)
		return -1;
	m.kind = exts[i].kind;
	if (out != NULL)
		*out = m;
	return 0;
}

bool
ag_media_is_video(enum ag_media_kind kind)
{
	return kind == AG_MEDIA_MP4 || kind == AG_MEDIA_WEBM || kind == AG_MEDIA_TS;
}

bool
ag_media_is_audio(enum ag_media_kind kind)
{
	return kind == AG_MEDIA_AAC || kind == AG_MEDIA_OPUS;
}

int
ag_parse_txt_name(const char *name, uint32_t *uid, char ts[AG_TS_LEN + 1])
{
	static const char pre[] = "uid_", suf[] = ".txt";
	uint32_t u;
	char t[AG_TS_LEN + 1];
	size_t len;

	if (name == NULL)
		return -1;
	len = strlen(name);
	/* A leading '.' (the hidden >= 3.0.3 backup) fails the prefix. */
	if (len < sizeof pre - 1 + sizeof suf - 1 ||
	    memcmp(name, pre, sizeof pre - 1) != 0 ||
	    memcmp(name + len - (sizeof suf - 1), suf, sizeof suf - 1) != 0)
		return -1;
	if (parse_uid_ts(name + sizeof pre - 1,
	    len - (sizeof pre - 1) - (sizeof suf - 1), &u, t) < 0)
		return -1;
	if (uid != NULL)
		*uid = u;
	if (ts != NULL)
		memcpy(ts, t, sizeof t);
	return 0;
}

int
ag_parse_date_dir(const char *name, int *year, int *month, int *day)
{
	int y, m, d;

	if (name == NULL || strlen(name) != 8 || !all_digits(name, 8))
		return -1;
	y = (int)digits_value(name, 4);
	m = (int)digits_value(name + 4, 2);
	d = (int)digits_value(name + 6, 2);
	if (!valid_date(y, m, d))
		return -1;
	if (year != NULL)
		*year = y;
	if (month != NULL)
		*month = m;
	if (day != NULL)
		*day = d;
	return 0;
}

/* 6 digits at s forming a plausible HHMMSS. */
static int
valid_hhmmss(const char *s)
{
	if (!all_digits(s, 6))
		return 0;
	return valid_time((int)digits_value(s, 2), (int)digits_value(s + 2, 2),
	    (int)digits_value(s + 4, 2));
}

int
ag_parse_channel_dir(const char *name, struct ag_channel_dir *out)
{
	struct ag_channel_dir c;
	const char *hms;
	size_t len, clen;

	if (name == NULL)
		return -1;
	len = strlen(name);
	memset(&c, 0, sizeof c);

	/*
	 * ">= 2.3.0" first: "_HHMMSS_NNNNNNNNN" at the end.  The two forms
	 * cannot both match, since the 9-digit form has a digit where the
	 * 6-digit form needs its '_' (7 bytes from the end).
	 */
	if (len >= 1 + 1 + 6 + 1 + 9 && name[len - 10] == '_' &&
	    all_digits(name + len - 9, 9) && name[len - 17] == '_') {
		hms = name + len - 16;
		clen = len - 17;
		memcpy(c.ns, name + len - 9, 9);
	} else if (len >= 1 + 1 + 6 && name[len - 7] == '_') {
		hms = name + len - 6;
		clen = len - 7;
	} else {
		return -1;
	}
	if (!valid_hhmmss(hms) || clen == 0 || clen >= sizeof c.channel)
		return -1;
	memcpy(c.hhmmss, hms, 6);
	memcpy(c.channel, name, clen);
	if (out != NULL)
		*out = c;
	return 0;
}

int
ag_ts_to_ms(const char *ts, int64_t *ms_out)
{
	/* Exactly 17 digits: strnlen stops a short string at its NUL. */
	if (ts == NULL || strnlen(ts, AG_TS_LEN + 1) != AG_TS_LEN)
		return -1;
	return ts_check(ts, ms_out);
}

static void
put_digits(char *p, unsigned v, int n)
{
	while (n-- > 0) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

/*
 * Times outside 1970..9999 are clamped to that range so the result is
 * always 17 digits that ag_ts_to_ms() accepts.
 */
void
ag_ts_from_ms(int64_t ms, char buf[AG_TS_LEN + 1])
{
	int64_t days, rem;
	unsigned month, day;
	int year;

	if (ms < 0)
		ms = 0;
	if (ms > MS_MAX)
		ms = MS_MAX;
	days = ms / 86400000;
	rem = ms % 86400000;
	civil_from_days(days, &year, &month, &day);
	put_digits(buf, (unsigned)year, 4);
	put_digits(buf + 4, month, 2);
	put_digits(buf + 6, day, 2);
	put_digits(buf + 8, (unsigned)(rem / 3600000), 2);
	put_digits(buf + 10, (unsigned)(rem / 60000 % 60), 2);
	put_digits(buf + 12, (unsigned)(rem / 1000 % 60), 2);
	put_digits(buf + 14, (unsigned)(rem % 1000), 3);
	buf[AG_TS_LEN] = '\0';
}
