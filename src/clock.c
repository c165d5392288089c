/* clock.c - "now" behind a seam: wall clock anchored to the monotonic clock; tests replace it. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"

static int64_t	(*clock_source)(void);

/* A clock in milliseconds. */
static int64_t
clock_ms(clockid_t id)
{
	struct timespec	ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The monotonic clock in ms, for intervals (never the test's clock). */
int64_t
clock_mono_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

/* CLOCK_REALTIME ms from now, as pthread_cond_timedwait() takes a deadline. */
void
clock_deadline(struct timespec *ts, int64_t ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

/* The wall clock at the first call, advanced by the monotonic clock since. */
int64_t
clock_now_ms(void)
{
	static int64_t	wall0, mono0;
	static int	anchored;

	if (clock_source != NULL)
		return clock_source();
	if (!anchored) {
		wall0 = clock_ms(CLOCK_REALTIME);
		mono0 = clock_ms(CLOCK_MONOTONIC);
		anchored = 1;
	}
	return wall0 + (clock_ms(CLOCK_MONOTONIC) - mono0);
}

/* The wall clock now, from the test's source when one is set. */
int64_t
clock_wall_ms(void)
{
	return clock_source != NULL ? clock_source() : clock_ms(CLOCK_REALTIME);
}

/* Replace the source of now; NULL goes back to the real clocks. */
void
clock_set_source(int64_t (*fn)(void))
{
	clock_source = fn;
}

/* --- times as people and clients write them -------------------------------- */

#define CLOCK_DAY_S	86400

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t
clock_days(int64_t y, int m, int d)
{
	int64_t	era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* n digits at *p into *v, advancing *p; -1 if one is not a digit. */
static int
clock_digits(const char **p, int n, int *v)
{
	*v = 0;
	while (n-- > 0) {
		if (**p < '0' || **p > '9')
			return -1;
		*v = *v * 10 + (*(*p)++ - '0');
	}
	return 0;
}

/* Fill err; returns -1. */
static int
clock_fail(char *err, size_t errsz, const char *s, const char *why)
{
	snprintf(err, errsz, "'%.40s': %s", s, why);
	return -1;
}

/* The local zone's offset (seconds east of UTC) at UTC second t. */
static long
clock_gmtoff(int64_t t)
{
	time_t		tt = (time_t)t;
	struct tm	tm;

	if (localtime_r(&tt, &tm) == NULL)
		return 0;
	return tm.tm_gmtoff;
}

/*
 * The UTC second when the local clock shows wall (seconds since the epoch as
 * if local were UTC): 0 with the earlier of two when the clocks went back;
 * 1 with the first second after the gap when they went forward; -1 when
 * the zone cannot say.
 */
static int
clock_from_local(int64_t wall, int64_t *t)
{
	long	offs[3], off, lo_off, hi_off;
	int64_t	best = 0, lo, hi, mid;
	int	i, found = 0;

	offs[0] = clock_gmtoff(wall - CLOCK_DAY_S);
	offs[1] = clock_gmtoff(wall);
	offs[2] = clock_gmtoff(wall + CLOCK_DAY_S);
	for (i = 0; i < 3; i++) {
		off = offs[i];
		if (clock_gmtoff(wall - off) == off &&
		    (!found || wall - off < best)) {
			best = wall - off;
			found = 1;
		}
	}
	if (found) {
		*t = best;
		return 0;
	}
	/* In a gap: the transition lies between wall - hi_off and wall - lo_off. */
	lo_off = offs[0] < offs[2] ? offs[0] : offs[2];
	hi_off = offs[0] < offs[2] ? offs[2] : offs[0];
	if (lo_off == hi_off)
		return -1;
	lo = wall - hi_off;
	hi = wall - lo_off;
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (clock_gmtoff(mid) == hi_off)
			hi = mid;
		else
			lo = mid;
	}
	*t = hi;
	return 1;
}

/* "Z", "+01:00", "+0100", "-05": seconds east of UTC in *off; -1 if not one. */
static int
clock_zone(const char *p, long *off)
{
	int	sign, h, m = 0;

	if ((p[0] == 'Z' || p[0] == 'z') && p[1] == '\0') {
		*off = 0;
		return 0;
	}
	if (p[0] != '+' && p[0] != '-')
		return -1;
	sign = p[0] == '-' ? -1 : 1;
	p++;
	if (clock_digits(&p, 2, &h) != 0)
		return -1;
	if (*p == ':')
		p++;
	if (*p != '\0' && clock_digits(&p, 2, &m) != 0)
		return -1;
	if (*p != '\0' || h > 14 || m > 59)
		return -1;
	*off = sign * (h * 3600L + m * 60L);
	return 0;
}

/* "HH:MM[:SS[.fff]]" at *p: seconds of the day and milliseconds. */
static int
clock_hms(const char **p, int *sec, int *ms)
{
	int	h, m, s = 0, n = 0, d;

	*ms = 0;
	if (clock_digits(p, 2, &h) != 0 || *(*p)++ != ':' ||
	    clock_digits(p, 2, &m) != 0)
		return -1;
	if (**p == ':') {
		(*p)++;
		if (clock_digits(p, 2, &s) != 0)
			return -1;
		if (**p == '.' || **p == ',') {
			for ((*p)++; **p >= '0' && **p <= '9'; (*p)++, n++)
				if (n < 3)
					*ms = *ms * 10 + (**p - '0');
			if (n == 0 || n > 9)
				return -1;
			for (d = n; d < 3; d++)
				*ms *= 10;
		}
	}
	if (h > 23 || m > 59 || s > 59)
		return -1;
	*sec = h * 3600 + m * 60 + s;
	return 0;
}

/* "YYYY-MM-DD" at *p: days since the epoch. */
static int
clock_date(const char **p, int64_t *days)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int	y, mo, d;

	if (clock_digits(p, 4, &y) != 0 || *(*p)++ != '-' ||
	    clock_digits(p, 2, &mo) != 0 || *(*p)++ != '-' ||
	    clock_digits(p, 2, &d) != 0)
		return -1;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1])
		return -1;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return -1;
	*days = clock_days(y, mo, d);
	return 0;
}

/* Epoch seconds written as digits: 0 with *ms, else -1. */
static int
clock_epoch(const char *s, int64_t *ms)
{
	int64_t	v = 0;

	if (*s == '\0' || strlen(s) > 12 || strspn(s, "0123456789") != strlen(s))
		return -1;
	for (; *s != '\0'; s++)
		v = v * 10 + (*s - '0');
	*ms = v * 1000;
	return 0;
}

int
clock_parse(const char *s, int flags, int64_t *ms, char *err, size_t errsz)
{
	const char	*p = s;
	int64_t		 days, wall, t;
	int		 sec = 0, frac = 0, dateonly, rc;
	long		 off;

	if (clock_epoch(s, ms) == 0)
		return 0;
	if (clock_date(&p, &days) != 0)
		return clock_fail(err, errsz, s, "not a time (2026-12-01, "
		    "2026-12-01T14:00:00Z, 2026-12-01T14:00+01:00, epoch "
		    "seconds)");
	dateonly = *p == '\0';
	if (!dateonly) {
		if (*p != 'T' && *p != 't' && *p != ' ')
			return clock_fail(err, errsz, s, "expected T or a "
			    "space after the date");
		p++;
		if (clock_hms(&p, &sec, &frac) != 0)
			return clock_fail(err, errsz, s, "bad time of day "
			    "(HH:MM[:SS[.mmm]])");
	}
	wall = days * CLOCK_DAY_S + sec;
	if (*p != '\0' && !dateonly) {
		if (clock_zone(p, &off) != 0)
			return clock_fail(err, errsz, s, "bad zone (Z, +01:00, "
			    "-0500)");
		*ms = (wall - off) * 1000 + frac;
		return 0;
	}
	if (!(flags & CLOCK_PARSE_LOCAL))
		return clock_fail(err, errsz, s, "needs a zone: Z or an "
		    "offset such as +01:00");
	if ((rc = clock_from_local(wall, &t)) < 0 || (rc == 1 && !dateonly))
		return clock_fail(err, errsz, s, rc < 0 ? "not a local time" :
		    "no such local time: the clocks went forward");
	*ms = t * 1000 + frac;
	return 0;
}

int
clock_format_local(int64_t ms, int with_ms, char *buf, size_t bufsz)
{
	time_t		t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	struct tm	tm;
	char		day[24], zone[16];

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(day, sizeof day, "%Y-%m-%d %H:%M:%S", &tm) == 0 ||
	    strftime(zone, sizeof zone, "%Z", &tm) == 0)
		return -1;
	if (with_ms)
		snprintf(buf, bufsz, "%s.%03d %s", day, (int)(ms - (int64_t)t *
		    1000), zone);
	else
		snprintf(buf, bufsz, "%s %s", day, zone);
	return 0;
}
