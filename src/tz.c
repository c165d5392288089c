/*
 * tz.c - POSIX TZ rules: parse, read from a TZif file's footer, and convert
 * between UTC and local time.  Pure apart from tz_load()'s one file read.
 *
 * A rule is "std offset [dst [offset] [,start[/time],end[/time]]]" (POSIX
 * 1003.1 section 8.3 with the RFC 8536 extensions: hours of a transition
 * time from -167 to 167).  Offsets in the string are hours west of UTC;
 * inside they are kept as seconds east.  start and end are Jn (1-365, 29
 * February never counted), n (0-365, counted) or Mm.w.d (weekday d, 0 =
 * Sunday, of week w, 5 = the last, of month m); the time defaults to
 * 02:00:00.  A dst name without a rule is refused: every TZif footer that
 * has daylight saving carries its rule, and guessing one (glibc takes the US
 * rule) would put shifts an hour off without a word.
 *
 * Only the present rule is kept: times before the zone's last rule change
 * (e.g. Prague before 1981) are converted with today's rule, which is right
 * for patrol shifts (they are now, not history).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patrol.h"
#include "xmalloc.h"

#define TZ_NAME_MAX	16		/* a zone abbreviation, bytes */
#define TZ_FILE_MAX	(1024 * 1024)	/* TZif files are a few kB */
#define TZ_PATH_MAX	256
#define DAY_S		86400

enum tz_kind { TZ_JULIAN1 = 0, TZ_JULIAN0, TZ_MONTH };

/* One transition date of the rule. */
struct tz_date {
	enum tz_kind	kind;
	int		n;		/* Jn or n */
	int		m, w, d;	/* Mm.w.d */
	int		time;		/* seconds after local midnight, may be <0 or >1 day */
};

struct tz_rule {
	char		std_name[TZ_NAME_MAX], dst_name[TZ_NAME_MAX];
	int		std_off, dst_off;	/* seconds east of UTC */
	int		has_dst;
	struct tz_date	start, end;		/* start in standard, end in dst time */
};

/* Fill err with a message; returns NULL for the caller to pass on. */
static void *
tz_fail(char *err, size_t errsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void *
tz_fail(char *err, size_t errsz, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	xverr(err, errsz, fmt, ap);
	va_end(ap);
	return NULL;
}

/* ---- civil calendar ---- */

/* 1 if y is a leap year (proleptic Gregorian). */
static int
tz_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days in month m (1-12) of year y. */
int
tz_month_days(int y, int m)
{
	static const int	days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
				    31, 30, 31 };

	if (m < 1 || m > 12)
		return 0;
	return days[m - 1] + (m == 2 && tz_leap(y));
}

/* Days since 1970-01-01 of y-m-d; m and d may run over (day 32 is the next month's 1st). */
int64_t
tz_days_from_civil(int y, int m, int d)
{
	int64_t	yy, era, yoe, doy, doe, mm;

	/* Bring the month into 1-12 first, carrying whole years. */
	yy = (int64_t)y + (m - 1 >= 0 ? (m - 1) / 12 : -((12 - m) / 12));
	mm = ((m - 1) % 12 + 12) % 12 + 1;
	yy -= mm <= 2;
	era = (yy >= 0 ? yy : yy - 399) / 400;
	yoe = yy - era * 400;
	doy = (153 * (mm + (mm > 2 ? -3 : 9)) + 2) / 5;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468 + (d - 1);
}

/* The date of day z since 1970-01-01. */
void
tz_civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t	era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* Weekday of day z since the epoch, 0 Monday .. 6 Sunday (1970-01-01 was a Thursday). */
int
tz_weekday(int64_t z)
{
	return (int)(((z + 3) % 7 + 7) % 7);
}

/* ---- parsing ---- */

/* A number of at most maxdig digits at *pp; -1 if none. */
static int
tz_num(const char **pp, int maxdig)
{
	const char	*p = *pp;
	int		 v = 0, n = 0;

	while (n < maxdig && isdigit((unsigned char)*p)) {
		v = v * 10 + (*p++ - '0');
		n++;
	}
	if (n == 0)
		return -1;
	*pp = p;
	return v;
}

/* A zone abbreviation: 3+ letters, or <...> of letters, digits, + and -. */
static int
tz_parse_name(const char **pp, char *out)
{
	const char	*p = *pp, *s;
	size_t		 n;

	if (*p == '<') {
		for (s = ++p; isalnum((unsigned char)*p) || *p == '+' ||
		    *p == '-'; p++)
			;
		if (*p != '>')
			return -1;
		n = (size_t)(p++ - s);
	} else {
		for (s = p; isalpha((unsigned char)*p); p++)
			;
		n = (size_t)(p - s);
	}
	if (n < 3 || n >= TZ_NAME_MAX)
		return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	*pp = p;
	return 0;
}

/* [+-]hh[:mm[:ss]] with hours up to maxh; seconds, or INT32_MIN if bad. */
static int
tz_parse_hms(const char **pp, int maxh)
{
	const char	*p = *pp;
	int		 sign = 1, h, m = 0, s = 0;

	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	if ((h = tz_num(&p, 3)) < 0 || h > maxh)
		return INT32_MIN;
	if (*p == ':') {
		p++;
		if ((m = tz_num(&p, 2)) < 0 || m > 59)
			return INT32_MIN;
		if (*p == ':') {
			p++;
			if ((s = tz_num(&p, 2)) < 0 || s > 59)
				return INT32_MIN;
		}
	}
	*pp = p;
	return sign * (h * 3600 + m * 60 + s);
}

/* Mm.w.d; 0 or -1. */
static int
tz_parse_mwd(const char **pp, struct tz_date *dt)
{
	const char	*p = *pp;

	dt->kind = TZ_MONTH;
	if ((dt->m = tz_num(&p, 2)) < 1 || dt->m > 12 || *p++ != '.' ||
	    (dt->w = tz_num(&p, 1)) < 1 || dt->w > 5 || *p++ != '.' ||
	    (dt->d = tz_num(&p, 1)) < 0 || dt->d > 6)
		return -1;
	*pp = p;
	return 0;
}

/* One transition: Jn, n or Mm.w.d, then an optional /time. */
static int
tz_parse_date(const char **pp, struct tz_date *dt)
{
	const char	*p = *pp;

	memset(dt, 0, sizeof(*dt));
	if (*p == 'M') {
		p++;
		if (tz_parse_mwd(&p, dt) != 0)
			return -1;
	} else if (*p == 'J') {
		p++;
		dt->kind = TZ_JULIAN1;
		if ((dt->n = tz_num(&p, 3)) < 1 || dt->n > 365)
			return -1;
	} else {
		dt->kind = TZ_JULIAN0;
		if ((dt->n = tz_num(&p, 3)) < 0 || dt->n > 365)
			return -1;
	}
	dt->time = 2 * 3600;
	if (*p == '/' && (p++, dt->time = tz_parse_hms(&p, 167)) == INT32_MIN)
		return -1;
	*pp = p;
	return 0;
}

/* The part after the std offset: dst [offset] ,start,end. */
static int
tz_parse_dst(const char *p, struct tz_rule *tz, char *err, size_t errsz)
{
	int	off;

	if (tz_parse_name(&p, tz->dst_name) != 0)
		return tz_fail(err, errsz, "bad daylight-saving name"), -1;
	tz->has_dst = 1;
	tz->dst_off = tz->std_off + 3600;
	if (*p != ',' && *p != '\0') {
		if ((off = tz_parse_hms(&p, 24)) == INT32_MIN)
			return tz_fail(err, errsz, "bad daylight-saving offset"), -1;
		tz->dst_off = -off;
	}
	if (*p == '\0')
		return tz_fail(err, errsz, "daylight saving without a rule "
		    "(,start[/time],end[/time])"), -1;
	p++;
	if (tz_parse_date(&p, &tz->start) != 0 || *p++ != ',' ||
	    tz_parse_date(&p, &tz->end) != 0)
		return tz_fail(err, errsz, "bad daylight-saving rule"), -1;
	if (*p != '\0')
		return tz_fail(err, errsz, "trailing characters"), -1;
	return 0;
}

/* Parse a POSIX TZ string; NULL with err when it is not one. */
struct tz_rule *
tz_parse(const char *posix, char *err, size_t errsz)
{
	struct tz_rule	*tz;
	const char	*p = posix;
	int		 off;

	if (posix == NULL || strlen(posix) > 128)
		return tz_fail(err, errsz, "not a POSIX TZ rule");
	tz = xcalloc(1, sizeof(*tz));
	if (tz_parse_name(&p, tz->std_name) != 0) {
		tz_fail(err, errsz, "bad zone name in '%s'", posix);
		goto fail;
	}
	if ((off = tz_parse_hms(&p, 24)) == INT32_MIN) {
		tz_fail(err, errsz, "bad UTC offset in '%s'", posix);
		goto fail;
	}
	tz->std_off = tz->dst_off = -off;
	if (*p != '\0' && tz_parse_dst(p, tz, err, errsz) != 0)
		goto fail;
	return tz;
fail:
	free(tz);
	return NULL;
}

/* Free a rule; NULL is harmless. */
void
tz_free(struct tz_rule *tz)
{
	free(tz);
}

/* ---- loading from zoneinfo ---- */

/* 1 if name is a plausible IANA name: no "..", no leading '/', a safe alphabet. */
static int
tz_name_ok(const char *name)
{
	const char	*p;

	if (name == NULL || *name == '\0' || *name == '/' ||
	    strlen(name) > 128 || strstr(name, "..") != NULL)
		return 0;
	for (p = name; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("/_+-", *p) == NULL)
			return 0;
	return 1;
}

/* Read the whole file at path (at most TZ_FILE_MAX); NULL with err. */
static char *
tz_read(const char *path, size_t *len, char *err, size_t errsz)
{
	FILE	*f;
	char	*buf;
	size_t	 n;

	if ((f = fopen(path, "rb")) == NULL)
		return tz_fail(err, errsz, "%s: %s", path, strerror(errno));
	buf = xmalloc(TZ_FILE_MAX + 1);
	n = fread(buf, 1, TZ_FILE_MAX + 1, f);
	if (ferror(f) || n > TZ_FILE_MAX) {
		fclose(f);
		free(buf);
		return tz_fail(err, errsz, "%s: unreadable or too large", path);
	}
	fclose(f);
	*len = n;
	return buf;
}

/* The POSIX rule text in the footer of a TZif v2+ file: "\n<rule>\n" at its end. */
static int
tz_footer_text(const char *buf, size_t len, const char *name, char *rule,
    size_t rulesz, char *err, size_t errsz)
{
	size_t	 i;

	if (len < 44 || memcmp(buf, "TZif", 4) != 0)
		return tz_fail(err, errsz, "%s: not a TZif file", name), -1;
	if (buf[4] < '2')
		return tz_fail(err, errsz, "%s: TZif version 1 has no rule",
		    name), -1;
	if (buf[len - 1] != '\n')
		return tz_fail(err, errsz, "%s: no TZ rule footer", name), -1;
	for (i = len - 1; i > 0 && buf[i - 1] != '\n'; i--)
		if (len - i >= rulesz ||
		    !isprint((unsigned char)buf[i - 1]))
			return tz_fail(err, errsz, "%s: bad TZ rule footer",
			    name), -1;
	if (i == 0 || i == len - 1)
		return tz_fail(err, errsz, "%s: empty TZ rule footer", name),
		    -1;
	memcpy(rule, buf + i, len - 1 - i);
	rule[len - 1 - i] = '\0';
	return 0;
}

/* The POSIX rule in the footer of a TZif v2+ file. */
static struct tz_rule *
tz_footer(const char *buf, size_t len, const char *name, char *err,
    size_t errsz)
{
	char	 rule[130];

	if (tz_footer_text(buf, len, name, rule, sizeof rule, err, errsz) != 0)
		return NULL;
	return tz_parse(rule, err, errsz);
}

/* The POSIX rule text of the TZif file at path (/etc/localtime): 0, or -1 with err. */
int
tz_file_rule(const char *path, char *rule, size_t rulesz, char *err,
    size_t errsz)
{
	char		*buf;
	size_t		 len = 0;
	struct tz_rule	*tz;
	int		 rc;

	if ((buf = tz_read(path, &len, err, errsz)) == NULL)
		return -1;
	rc = tz_footer_text(buf, len, path, rule, rulesz, err, errsz);
	free(buf);
	if (rc == 0 && (tz = tz_parse(rule, err, errsz)) == NULL)
		rc = -1;
	else if (rc == 0)
		tz_free(tz);
	return rc;
}

/* The rule of an IANA name ("Europe/Prague", "UTC") from dir (NULL: /usr/share/zoneinfo). */
struct tz_rule *
tz_load(const char *dir, const char *name, char *err, size_t errsz)
{
	char		 path[TZ_PATH_MAX], *buf;
	size_t		 len = 0;
	struct tz_rule	*tz;
	int		 n;

	if (!tz_name_ok(name))
		return tz_fail(err, errsz, "'%s' is not a time zone name",
		    name != NULL ? name : "");
	n = snprintf(path, sizeof(path), "%s/%s",
	    dir != NULL ? dir : "/usr/share/zoneinfo", name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return tz_fail(err, errsz, "time zone path too long");
	if ((buf = tz_read(path, &len, err, errsz)) == NULL)
		return NULL;
	tz = tz_footer(buf, len, name, err, errsz);
	free(buf);
	return tz;
}

/* ---- conversion ---- */

/* The day (since the epoch) a transition falls on in year y. */
static int64_t
tz_date_day(const struct tz_date *dt, int y)
{
	int64_t	jan1 = tz_days_from_civil(y, 1, 1), first;
	int	day;

	switch (dt->kind) {
	case TZ_JULIAN1:
		return jan1 + dt->n - 1 + (tz_leap(y) && dt->n >= 60);
	case TZ_JULIAN0:
		return jan1 + dt->n;
	default:
		break;
	}
	first = tz_days_from_civil(y, dt->m, 1);
	/* tz_weekday is Monday-based; POSIX d is Sunday-based. */
	day = 1 + ((dt->d - (tz_weekday(first) + 1) % 7) + 7) % 7 +
	    (dt->w - 1) * 7;
	if (day > tz_month_days(y, dt->m))
		day -= 7;
	return first + day - 1;
}

/* The UTC second of a transition in year y, its local time read with offset off. */
static int64_t
tz_trans(const struct tz_date *dt, int y, int off)
{
	return tz_date_day(dt, y) * DAY_S + dt->time - off;
}

/* The offset (seconds east) in force at UTC second t. */
static int
tz_offset(const struct tz_rule *tz, int64_t t)
{
	int64_t	start, end;
	int	y, m, d;

	if (!tz->has_dst)
		return tz->std_off;
	tz_civil_from_days((t + tz->std_off) >= 0 ? (t + tz->std_off) / DAY_S :
	    -((-(t + tz->std_off) + DAY_S - 1) / DAY_S), &y, &m, &d);
	start = tz_trans(&tz->start, y, tz->std_off);
	end = tz_trans(&tz->end, y, tz->dst_off);
	if (start < end)
		return t >= start && t < end ? tz->dst_off : tz->std_off;
	/* Southern hemisphere: daylight saving spans the new year. */
	return t >= end && t < start ? tz->std_off : tz->dst_off;
}

/* Floor division of ms to seconds. */
static int64_t
tz_floor_s(int64_t ms)
{
	return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
}

/* UTC ms -> local broken-down time. */
void
tz_to_local(const struct tz_rule *tz, int64_t utc_ms, struct tz_local *out)
{
	int64_t	t = tz_floor_s(utc_ms), local, day;

	out->offset = tz_offset(tz, t);
	local = t + out->offset;
	day = local >= 0 ? local / DAY_S : -((-local + DAY_S - 1) / DAY_S);
	out->sec = (int)(local - day * DAY_S);
	out->wday = tz_weekday(day);
	tz_civil_from_days(day, &out->year, &out->month, &out->day);
}

/*
 * Local date + seconds -> UTC ms; a time in a spring gap is the first instant
 * after it, a time there twice in autumn the first of the two.  day and sec
 * may run over (sec 86400 is the next day's midnight).
 */
int64_t
tz_from_local(const struct tz_rule *tz, int year, int month, int day, int sec)
{
	int64_t	L = tz_days_from_civil(year, month, day) * DAY_S + sec;
	int64_t	a = L - tz->dst_off, b = L - tz->std_off, lo, hi, mid;
	int	ok_a, ok_b;

	if (!tz->has_dst)
		return b * 1000;
	ok_a = tz_offset(tz, a) == tz->dst_off;
	ok_b = tz_offset(tz, b) == tz->std_off;
	if (ok_a && ok_b)
		return (a < b ? a : b) * 1000;
	if (ok_a || ok_b)
		return (ok_a ? a : b) * 1000;
	/* In the gap: find the transition between the two readings. */
	lo = a < b ? a : b;
	hi = a < b ? b : a;
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (tz_offset(tz, mid) == tz_offset(tz, lo))
			lo = mid;
		else
			hi = mid;
	}
	return hi * 1000;
}
