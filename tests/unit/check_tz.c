/* check_tz.c - POSIX TZ rules, TZif footers and local time conversion (src/tz.c). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "patrol.h"

#define SEC		1000LL
#define HOUR		(3600 * SEC)
#define ZONEINFO	"/usr/share/zoneinfo"

/* UTC ms of a UTC date and time. */
static int64_t
utc(int y, int mo, int d, int h, int mi)
{
	return (tz_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60) * SEC;
}

/* A rule parsed from s, failing the test if it does not parse. */
static struct tz_rule *
must_parse(const char *s)
{
	char		 err[128] = "";
	struct tz_rule	*tz = tz_parse(s, err, sizeof(err));

	ck_assert_msg(tz != NULL, "%s: %s", s, err);
	return tz;
}

/* The offset in force at utc_ms, in seconds. */
static int
offset_at(const struct tz_rule *tz, int64_t utc_ms)
{
	struct tz_local	l;

	tz_to_local(tz, utc_ms, &l);
	return l.offset;
}

/* Local "seconds since midnight" at utc_ms. */
static int
local_sec(const struct tz_rule *tz, int64_t utc_ms)
{
	struct tz_local	l;

	tz_to_local(tz, utc_ms, &l);
	return l.sec;
}

START_TEST(test_civil)
{
	int	y, m, d;
	int64_t	z;

	ck_assert_int_eq(tz_days_from_civil(1970, 1, 1), 0);
	ck_assert_int_eq(tz_days_from_civil(2000, 3, 1), 11017);
	ck_assert_int_eq(tz_days_from_civil(1969, 12, 31), -1);
	/* Days and months run over. */
	ck_assert_int_eq(tz_days_from_civil(2027, 1, 32),
	    tz_days_from_civil(2027, 2, 1));
	ck_assert_int_eq(tz_days_from_civil(2027, 13, 1),
	    tz_days_from_civil(2028, 1, 1));
	ck_assert_int_eq(tz_days_from_civil(2027, 3, 0),
	    tz_days_from_civil(2027, 2, 28));
	ck_assert_int_eq(tz_weekday(0), 3);		/* a Thursday */
	ck_assert_int_eq(tz_weekday(tz_days_from_civil(2027, 3, 28)), 6);
	ck_assert_int_eq(tz_month_days(2028, 2), 29);
	ck_assert_int_eq(tz_month_days(2100, 2), 28);
	ck_assert_int_eq(tz_month_days(2000, 2), 29);
	ck_assert_int_eq(tz_month_days(2027, 13), 0);
	for (z = -800000; z < 800000; z += 37) {
		tz_civil_from_days(z, &y, &m, &d);
		ck_assert_int_eq(tz_days_from_civil(y, m, d), z);
		ck_assert(d >= 1 && d <= tz_month_days(y, m));
	}
}
END_TEST

START_TEST(test_parse_prague_rule)
{
	struct tz_rule	*tz = must_parse("CET-1CEST,M3.5.0,M10.5.0/3");
	struct tz_local	 l;

	/* Spring 2027: Sunday 28 March, 02:00 CET -> 03:00 CEST at 01:00Z. */
	ck_assert_int_eq(offset_at(tz, utc(2027, 3, 28, 1, 0) - 1), 3600);
	ck_assert_int_eq(offset_at(tz, utc(2027, 3, 28, 1, 0)), 7200);
	ck_assert_int_eq(local_sec(tz, utc(2027, 3, 28, 1, 0)), 3 * 3600);
	/* Autumn 2027: Sunday 31 October, 03:00 CEST -> 02:00 CET at 01:00Z. */
	ck_assert_int_eq(offset_at(tz, utc(2027, 10, 31, 1, 0) - 1), 7200);
	ck_assert_int_eq(offset_at(tz, utc(2027, 10, 31, 1, 0)), 3600);
	ck_assert_int_eq(local_sec(tz, utc(2027, 10, 31, 1, 0)), 2 * 3600);
	tz_to_local(tz, utc(2027, 12, 31, 23, 30), &l);
	ck_assert_int_eq(l.year, 2028);
	ck_assert_int_eq(l.month, 1);
	ck_assert_int_eq(l.day, 1);
	ck_assert_int_eq(l.sec, 30 * 60);
	ck_assert_int_eq(l.wday, 5);			/* a Saturday */
	tz_free(tz);
}
END_TEST

START_TEST(test_parse_us_rule)
{
	struct tz_rule	*tz = must_parse("EST5EDT,M3.2.0,M11.1.0");

	/* 2027: 14 March 02:00 EST (07:00Z), 7 November 02:00 EDT (06:00Z). */
	ck_assert_int_eq(offset_at(tz, utc(2027, 3, 14, 7, 0) - 1), -5 * 3600);
	ck_assert_int_eq(offset_at(tz, utc(2027, 3, 14, 7, 0)), -4 * 3600);
	ck_assert_int_eq(offset_at(tz, utc(2027, 11, 7, 6, 0) - 1), -4 * 3600);
	ck_assert_int_eq(offset_at(tz, utc(2027, 11, 7, 6, 0)), -5 * 3600);
	ck_assert_int_eq(offset_at(tz, utc(2027, 1, 1, 0, 0)), -5 * 3600);
	tz_free(tz);
}
END_TEST

START_TEST(test_parse_fixed_and_quoted)
{
	struct tz_rule	*tz;

	tz = must_parse("<+0530>-5:30");
	ck_assert_int_eq(offset_at(tz, utc(2027, 6, 1, 0, 0)), 19800);
	ck_assert_int_eq(local_sec(tz, utc(2027, 6, 1, 0, 0)), 19800);
	tz_free(tz);
	tz = must_parse("UTC0");
	ck_assert_int_eq(offset_at(tz, utc(2027, 6, 1, 0, 0)), 0);
	ck_assert_int_eq(tz_from_local(tz, 2027, 6, 1, 3600), utc(2027, 6, 1,
	    1, 0));
	tz_free(tz);
	tz = must_parse("<-03>3");
	ck_assert_int_eq(offset_at(tz, 0), -3 * 3600);
	tz_free(tz);
	tz = must_parse("XXX-1:02:03");
	ck_assert_int_eq(offset_at(tz, 0), 3723);
	tz_free(tz);
}
END_TEST

START_TEST(test_parse_julian)
{
	struct tz_rule	*tz;

	/* J60 is 1 March every year (29 February never counted). */
	tz = must_parse("AAA3BBB,J60/0,J300/0");
	ck_assert_int_eq(offset_at(tz, utc(2028, 3, 1, 3, 0) - 1), -3 * 3600);
	ck_assert_int_eq(offset_at(tz, utc(2028, 3, 1, 3, 0)), -2 * 3600);
	ck_assert_int_eq(offset_at(tz, utc(2027, 3, 1, 3, 0)), -2 * 3600);
	tz_free(tz);
	/* n counts from 0 and counts 29 February: 59 is 29 Feb in 2028. */
	tz = must_parse("AAA3BBB2,59/0,299/0");
	ck_assert_int_eq(offset_at(tz, utc(2028, 2, 29, 3, 0)), -2 * 3600);
	ck_assert_int_eq(offset_at(tz, utc(2028, 2, 28, 3, 0)), -3 * 3600);
	ck_assert_int_eq(offset_at(tz, utc(2027, 3, 1, 3, 0)), -2 * 3600);
	tz_free(tz);
	/* Daylight saving all year (RFC 8536's example). */
	tz = must_parse("EST5EDT,0/0,J365/25");
	ck_assert_int_eq(offset_at(tz, utc(2027, 1, 1, 12, 0)), -4 * 3600);
	ck_assert_int_eq(offset_at(tz, utc(2027, 7, 1, 12, 0)), -4 * 3600);
	ck_assert_int_eq(offset_at(tz, utc(2027, 12, 31, 23, 0)), -4 * 3600);
	tz_free(tz);
}
END_TEST

START_TEST(test_parse_southern)
{
	struct tz_rule	*tz = must_parse("AEST-10AEDT,M10.1.0,M4.1.0/3");

	ck_assert_int_eq(offset_at(tz, utc(2027, 1, 15, 0, 0)), 11 * 3600);
	ck_assert_int_eq(offset_at(tz, utc(2027, 7, 1, 0, 0)), 10 * 3600);
	ck_assert_int_eq(offset_at(tz, utc(2027, 12, 31, 20, 0)), 11 * 3600);
	tz_free(tz);
	/* A negative "daylight saving" (Dublin: GMT in winter). */
	tz = must_parse("IST-1GMT0,M10.5.0,M3.5.0/1");
	ck_assert_int_eq(offset_at(tz, utc(2027, 1, 15, 0, 0)), 0);
	ck_assert_int_eq(offset_at(tz, utc(2027, 7, 1, 0, 0)), 3600);
	tz_free(tz);
}
END_TEST

START_TEST(test_parse_bad)
{
	static const char *const	bad[] = { "", "C", "CE1", "CET", "CET-",
	    "CET-1CEST", "CET-1CEST,M3.5.0", "CET-1CEST,M13.5.0,M10.5.0",
	    "CET-1CEST,M3.6.0,M10.5.0", "CET-1CEST,M3.5.7,M10.5.0",
	    "CET-1CEST,M3.5.0,M10.5.0/168", "CET-25", "CET-1x", "<+05",
	    "<+05>", "<>0", "CET-1:60", "CET-1CEST,J0,J365",
	    "CET-1CEST,366,1", "CET-1CEST,M3.5.0,M10.5.0junk",
	    "CET-1 CEST", "UTC0\n" };
	char				err[128];
	size_t				i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(tz_parse(bad[i], err, sizeof(err)) == NULL,
		    "accepted '%s'", bad[i]);
		ck_assert_msg(err[0] != '\0', "no message for '%s'", bad[i]);
	}
	ck_assert_ptr_null(tz_parse(NULL, err, sizeof(err)));
	tz_free(NULL);
}
END_TEST

START_TEST(test_from_local)
{
	struct tz_rule	*tz = must_parse("CET-1CEST,M3.5.0,M10.5.0/3");

	ck_assert_int_eq(tz_from_local(tz, 2027, 1, 10, 18 * 3600),
	    utc(2027, 1, 10, 17, 0));
	ck_assert_int_eq(tz_from_local(tz, 2027, 7, 10, 18 * 3600),
	    utc(2027, 7, 10, 16, 0));
	/* 02:30 does not exist on 28 March: the first instant after the gap. */
	ck_assert_int_eq(tz_from_local(tz, 2027, 3, 28, 2 * 3600 + 1800),
	    utc(2027, 3, 28, 1, 0));
	ck_assert_int_eq(tz_from_local(tz, 2027, 3, 28, 2 * 3600),
	    utc(2027, 3, 28, 1, 0));
	ck_assert_int_eq(tz_from_local(tz, 2027, 3, 28, 3 * 3600),
	    utc(2027, 3, 28, 1, 0));
	ck_assert_int_eq(tz_from_local(tz, 2027, 3, 28, 3600 + 3599),
	    utc(2027, 3, 28, 0, 59) + 59 * SEC);
	/* 02:30 is there twice on 31 October: the first (CEST) one. */
	ck_assert_int_eq(tz_from_local(tz, 2027, 10, 31, 2 * 3600 + 1800),
	    utc(2027, 10, 31, 0, 30));
	ck_assert_int_eq(tz_from_local(tz, 2027, 10, 31, 3 * 3600),
	    utc(2027, 10, 31, 2, 0));
	/* Seconds and days run over. */
	ck_assert_int_eq(tz_from_local(tz, 2027, 3, 27, 86400 + 6 * 3600),
	    utc(2027, 3, 28, 4, 0));
	ck_assert_int_eq(tz_from_local(tz, 2027, 2, 29, 0),
	    tz_from_local(tz, 2027, 3, 1, 0));
	tz_free(tz);
}
END_TEST

/* Write len bytes to dir/name. */
static void
write_file(const char *dir, const char *name, const void *buf, size_t len)
{
	char	 path[512];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "wb"));
	ck_assert_int_eq(fwrite(buf, 1, len, f), len);
	fclose(f);
}

START_TEST(test_load_files)
{
	char		 dir[] = "/tmp/check_tz.XXXXXX", err[256], buf[64];
	struct tz_rule	*tz;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	memset(buf, 0, sizeof(buf));
	memcpy(buf, "TZif2", 5);
	memcpy(buf + 50, "\n<+07>-7\n", 9);
	write_file(dir, "Plus7", buf, 59);
	ck_assert_ptr_nonnull(tz = tz_load(dir, "Plus7", err, sizeof(err)));
	ck_assert_int_eq(offset_at(tz, 0), 7 * 3600);
	tz_free(tz);
	buf[4] = '\0';				/* version 1: no footer */
	write_file(dir, "V1", buf, 59);
	ck_assert_ptr_null(tz_load(dir, "V1", err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "version 1"));
	memcpy(buf, "TZif3", 5);
	memcpy(buf + 50, "\n\n", 2);		/* empty footer */
	write_file(dir, "Empty", buf, 52);
	ck_assert_ptr_null(tz_load(dir, "Empty", err, sizeof(err)));
	write_file(dir, "Text", "hello world\n", 12);
	ck_assert_ptr_null(tz_load(dir, "Text", err, sizeof(err)));
	ck_assert_ptr_null(tz_load(dir, "Missing", err, sizeof(err)));
	ck_assert_ptr_null(tz_load(dir, "../etc/passwd", err, sizeof(err)));
	ck_assert_ptr_null(tz_load(dir, "/etc/passwd", err, sizeof(err)));
	ck_assert_ptr_null(tz_load(dir, "Europe/Prague;rm", err, sizeof(err)));
	ck_assert_ptr_null(tz_load(dir, "", err, sizeof(err)));
	ck_assert_ptr_null(tz_load(dir, NULL, err, sizeof(err)));
	snprintf(err, sizeof(err), "rm -rf %s", dir);
	ck_assert_int_eq(system(err), 0);
}
END_TEST

/* tz_file_rule (pcoctl's local zone): the footer's text, checked as a rule. */
START_TEST(test_file_rule)
{
	char	 dir[] = "/tmp/check_tz.XXXXXX", err[256], buf[128], path[128];
	char	 rule[130], small[6];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	memset(buf, 0, sizeof(buf));
	memcpy(buf, "TZif2", 5);
	memcpy(buf + 50, "\nCET-1CEST,M3.5.0,M10.5.0/3\n", 28);
	write_file(dir, "Prague", buf, 78);
	snprintf(path, sizeof path, "%s/Prague", dir);
	ck_assert_int_eq(tz_file_rule(path, rule, sizeof rule, err, sizeof err),
	    0);
	ck_assert_str_eq(rule, "CET-1CEST,M3.5.0,M10.5.0/3");
	/* Too small a buffer, a footer that is no rule, no file, no TZif. */
	ck_assert_int_eq(tz_file_rule(path, small, sizeof small, err,
	    sizeof err), -1);
	memcpy(buf + 50, "\nnot a rule\n", 12);
	write_file(dir, "Bad", buf, 62);
	snprintf(path, sizeof path, "%s/Bad", dir);
	ck_assert_int_eq(tz_file_rule(path, rule, sizeof rule, err, sizeof err),
	    -1);
	snprintf(path, sizeof path, "%s/Missing", dir);
	ck_assert_int_eq(tz_file_rule(path, rule, sizeof rule, err, sizeof err),
	    -1);
	write_file(dir, "Text", "hello world\n", 12);
	snprintf(path, sizeof path, "%s/Text", dir);
	ck_assert_int_eq(tz_file_rule(path, rule, sizeof rule, err, sizeof err),
	    -1);
	snprintf(err, sizeof(err), "rm -rf %s", dir);
	ck_assert_int_eq(system(err), 0);
}
END_TEST

START_TEST(test_load_system)
{
	char		 err[256];
	struct tz_rule	*tz;
	const char	*names[] = { "UTC", "Etc/UTC" };
	size_t		 i;

	if (access(ZONEINFO "/Europe/Prague", R_OK) != 0)
		ck_abort_msg("tzdata is not installed (" ZONEINFO ")");
	for (i = 0; i < 2; i++) {
		tz = tz_load(NULL, names[i], err, sizeof(err));
		ck_assert_msg(tz != NULL, "%s: %s", names[i], err);
		ck_assert_int_eq(offset_at(tz, utc(2027, 7, 1, 0, 0)), 0);
		tz_free(tz);
	}
	tz = tz_load(NULL, "Europe/Prague", err, sizeof(err));
	ck_assert_msg(tz != NULL, "Europe/Prague: %s", err);
	ck_assert_int_eq(offset_at(tz, utc(2027, 3, 28, 1, 0)), 7200);
	ck_assert_int_eq(offset_at(tz, utc(2027, 10, 31, 1, 0)), 3600);
	tz_free(tz);
	ck_assert_ptr_null(tz_load(NULL, "Europe/Atlantis", err, sizeof(err)));
	/* A directory is not a zone. */
	ck_assert_ptr_null(tz_load(NULL, "Europe", err, sizeof(err)));
	ck_assert_ptr_null(tz_load(NULL, "Europe/", err, sizeof(err)));
}
END_TEST

/* tz_to_local agrees with the C library's localtime_r over 2020-2040 for zone. */
static void
agree_with_libc(const char *zone)
{
	struct tz_rule	*tz;
	struct tz_local	 l;
	struct tm	 tm;
	char		 err[256];
	time_t		 t;

	ck_assert_ptr_nonnull(tz = tz_load(NULL, zone, err, sizeof(err)));
	setenv("TZ", zone, 1);
	tzset();
	for (t = 1577836800; t < 2240611200; t += 3 * 3600 + 17 * 60 + 11) {
		localtime_r(&t, &tm);
		tz_to_local(tz, (int64_t)t * SEC, &l);
		ck_assert_msg(l.offset == tm.tm_gmtoff && l.year == tm.tm_year +
		    1900 && l.month == tm.tm_mon + 1 && l.day == tm.tm_mday &&
		    l.sec == tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec &&
		    l.wday == (tm.tm_wday + 6) % 7, "%s at %lld", zone,
		    (long long)t);
		/* And back, away from the changes. */
		if (tz_from_local(tz, l.year, l.month, l.day, l.sec) != t * SEC)
			ck_assert_int_eq(tz_from_local(tz, l.year, l.month,
			    l.day, l.sec) + 3600 * SEC, (int64_t)t * SEC);
	}
	tz_free(tz);
}

START_TEST(test_libc_agrees)
{
	if (access(ZONEINFO "/Europe/Prague", R_OK) != 0)
		ck_abort_msg("tzdata is not installed (" ZONEINFO ")");
	agree_with_libc("Europe/Prague");
	agree_with_libc("America/New_York");
	agree_with_libc("Australia/Sydney");
	agree_with_libc("Asia/Kolkata");
}
END_TEST

/* Random strings from a TZ-ish alphabet never crash the parser, and what parses converts. */
START_TEST(test_parse_random)
{
	static const char	alpha[] = "CETSUM<>+-0123456789,./:JM ";
	uint64_t		x = 0x9e3779b97f4a7c15ULL;
	char			buf[48], err[128];
	struct tz_rule		*tz;
	struct tz_local		l;
	int			i, j, n, ok = 0;

	for (i = 0; i < 200000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		n = (int)(x % 40);
		for (j = 0; j < n; j++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[j] = alpha[x % (sizeof(alpha) - 1)];
		}
		buf[n] = '\0';
		if ((tz = tz_parse(buf, err, sizeof(err))) == NULL)
			continue;
		ok++;
		tz_to_local(tz, (int64_t)(x % 4000000000ULL) * SEC, &l);
		ck_assert(l.sec >= 0 && l.sec < 86400);
		(void)tz_from_local(tz, 2027, 3, 28, (int)(x % 86400));
		tz_free(tz);
	}
	ck_assert_int_gt(ok, 0);
}
END_TEST

static Suite *
tz_suite(void)
{
	Suite	*s = suite_create("tz");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_civil);
	tcase_add_test(tc, test_parse_prague_rule);
	tcase_add_test(tc, test_parse_us_rule);
	tcase_add_test(tc, test_parse_fixed_and_quoted);
	tcase_add_test(tc, test_parse_julian);
	tcase_add_test(tc, test_parse_southern);
	tcase_add_test(tc, test_parse_bad);
	tcase_add_test(tc, test_parse_random);
	tcase_add_test(tc, test_from_local);
	tcase_add_test(tc, test_load_files);
	tcase_add_test(tc, test_load_system);
	tcase_add_test(tc, test_file_rule);
	tcase_add_test(tc, test_libc_agrees);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(tz_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
