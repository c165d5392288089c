/* check_clock.c - one parser for the times people and clients write (clock_parse). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>

#include "clock.h"

static char	errbuf[160];

/* Parse s with flags in zone tz; the result in ms, or INT64_MIN when refused. */
static int64_t
parse_in(const char *tz, const char *s, int flags)
{
	int64_t	ms;

	setenv("TZ", tz, 1);
	tzset();
	errbuf[0] = '\0';
	if (clock_parse(s, flags, &ms, errbuf, sizeof errbuf) != 0) {
		ck_assert_msg(errbuf[0] != '\0', "refused without a message: %s", s);
		return INT64_MIN;
	}
	return ms;
}

/* Parse in Prague, local forms allowed. */
static int64_t
prague(const char *s)
{
	return parse_in("Europe/Prague", s, CLOCK_PARSE_LOCAL);
}

START_TEST(zoned_forms)
{
	ck_assert_int_eq(prague("2026-12-05T13:03:22Z"), 1796475802000LL);
	ck_assert_int_eq(prague("2026-12-05t13:03:22z"), 1796475802000LL);
	ck_assert_int_eq(prague("2026-12-05 14:03:22+01:00"), 1796475802000LL);
	ck_assert_int_eq(prague("2026-12-05T14:03:22+0100"), 1796475802000LL);
	ck_assert_int_eq(prague("2026-12-05T08:03:22-05"), 1796475802000LL);
	ck_assert_int_eq(prague("2026-12-05T13:03:22.250Z"), 1796475802250LL);
	ck_assert_int_eq(prague("2026-12-05T13:03:22.2Z"), 1796475802200LL);
	ck_assert_int_eq(prague("2026-12-05T13:03:22,123456789Z"),
	    1796475802123LL);
	ck_assert_int_eq(prague("2026-12-05T13:03Z"), 1796475780000LL);
	/* Epoch seconds, as pcoctl has always taken them. */
	ck_assert_int_eq(prague("1796475802"), 1796475802000LL);
	ck_assert_int_eq(prague("0"), 0);
}
END_TEST

START_TEST(local_forms)
{
	/* A date is local midnight: CET in winter, CEST in summer. */
	ck_assert_int_eq(prague("2026-12-01"), 1796079600000LL);
	ck_assert_int_eq(prague("2026-07-01 14:00"), 1782907200000LL);
	ck_assert_int_eq(prague("2026-12-05 14:03:22"), 1796475802000LL);
	ck_assert_int_eq(prague("2026-12-05T14:03:22.5"), 1796475802500LL);
	ck_assert_int_eq(parse_in("UTC0", "2026-12-01", CLOCK_PARSE_LOCAL),
	    1796083200000LL);
}
END_TEST

START_TEST(clocks_go_forward)
{
	/* Prague 2026-03-29: 02:00 CET becomes 03:00 CEST. */
	ck_assert_int_eq(prague("2026-03-29 01:59:59"), 1774745999000LL);
	ck_assert_int_eq(prague("2026-03-29 03:00"), 1774746000000LL);
	ck_assert_int_eq(prague("2026-03-29 02:30"), INT64_MIN);
	ck_assert_ptr_nonnull(strstr(errbuf, "forward"));
	ck_assert_int_eq(prague("2026-03-29 02:00:00"), INT64_MIN);
	/* With an offset the same wall time is no problem. */
	ck_assert_int_eq(prague("2026-03-29 02:30+01:00"), 1774747800000LL);
	/* Havana skips midnight itself: the date starts at 01:00 CDT. */
	ck_assert_int_eq(parse_in("America/Havana", "2026-03-08",
	    CLOCK_PARSE_LOCAL), 1772946000000LL);
	ck_assert_int_eq(parse_in("America/Havana", "2026-03-08 00:30",
	    CLOCK_PARSE_LOCAL), INT64_MIN);
}
END_TEST

START_TEST(clocks_go_back)
{
	/* Prague 2026-10-25: 03:00 CEST becomes 02:00 CET; 02:30 is twice. */
	ck_assert_int_eq(prague("2026-10-25 02:30"), 1792888200000LL);
	ck_assert_int_eq(prague("2026-10-25 02:30+02:00"), 1792888200000LL);
	ck_assert_int_eq(prague("2026-10-25 02:30+01:00"), 1792891800000LL);
	ck_assert_int_eq(prague("2026-10-25 03:00"), 1792893600000LL);
	ck_assert_int_eq(prague("2026-10-25 01:59:59"), 1792886399000LL);
	ck_assert_int_eq(prague("2026-10-25"), 1792879200000LL);
}
END_TEST

START_TEST(zone_needed_without_local)
{
	ck_assert_int_eq(parse_in("Europe/Prague", "2026-12-01", 0), INT64_MIN);
	ck_assert_ptr_nonnull(strstr(errbuf, "zone"));
	ck_assert_int_eq(parse_in("Europe/Prague", "2026-12-01 10:00", 0),
	    INT64_MIN);
	ck_assert_int_eq(parse_in("Europe/Prague", "2026-12-01T10:00:00Z", 0),
	    1796119200000LL);
}
END_TEST

START_TEST(bad_input)
{
	static const char *const bad[] = {
		"", " ", "yesterday", "2026-13-01", "2026-02-29", "2026-04-31",
		"2026-12-00", "1969-12-31T23:59:59Z", "2026-12-01T24:00:00Z",
		"2026-12-01T10:60Z", "2026-12-01T10:00:60Z", "2026-12-1",
		"26-12-01", "2026/12/01", "2026-12-01T", "2026-12-01T10",
		"2026-12-01T10:00:00.Z", "2026-12-01T10:00:00.1234567890Z",
		"2026-12-01T10:00:00ZZ", "2026-12-01T10:00:00+1",
		"2026-12-01T10:00:00+15:00", "2026-12-01T10:00:00+01:60",
		"2026-12-01T10:00:00 Z", "2026-12-01Z", "2026-12-01 ",
		"12abc", "-5", "+5", "1234567890123", "2026-12-01T10:00:00+01:00x",
		"\xff\xfe", NULL
	};
	size_t	i;

	for (i = 0; bad[i] != NULL; i++)
		ck_assert_msg(prague(bad[i]) == INT64_MIN, "took '%s'", bad[i]);
	/* 2028 is a leap year, 2100 is not. */
	ck_assert_int_ne(prague("2028-02-29"), INT64_MIN);
	ck_assert_int_eq(prague("2100-02-29"), INT64_MIN);
}
END_TEST

START_TEST(format_local)
{
	char	buf[64];

	setenv("TZ", "Europe/Prague", 1);
	tzset();
	ck_assert_int_eq(clock_format_local(1796475802000LL, 0, buf, sizeof buf),
	    0);
	ck_assert_str_eq(buf, "2026-12-05 14:03:22 CET");
	ck_assert_int_eq(clock_format_local(1782907200250LL, 1, buf, sizeof buf),
	    0);
	ck_assert_str_eq(buf, "2026-07-01 14:00:00.250 CEST");
	setenv("TZ", "UTC0", 1);
	tzset();
	clock_format_local(1796475802000LL, 0, buf, sizeof buf);
	ck_assert_str_eq(buf, "2026-12-05 13:03:22 UTC");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("clock");
	TCase	*tc = tcase_create("parse");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, zoned_forms);
	tcase_add_test(tc, local_forms);
	tcase_add_test(tc, clocks_go_forward);
	tcase_add_test(tc, clocks_go_back);
	tcase_add_test(tc, zone_needed_without_local);
	tcase_add_test(tc, bad_input);
	tcase_add_test(tc, format_local);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
