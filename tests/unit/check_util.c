/* check_util.c - xstrtonum and log_escape. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>

#include "clock.h"
#include "log.h"
#include "xmalloc.h"

START_TEST(strtonum_accepts_whole_numbers)
{
	long long	 v = 0;
	const char	*e;

	ck_assert_int_eq(xstrtonum("42", 10, 0, 100, &v, &e), 0);
	ck_assert_int_eq(v, 42);
	ck_assert_ptr_null(e);
	ck_assert_int_eq(xstrtonum("-5", 10, -10, 10, &v, &e), 0);
	ck_assert_int_eq(v, -5);
	ck_assert_int_eq(xstrtonum("0660", 8, 0, 0777, &v, &e), 0);
	ck_assert_int_eq(v, 0660);
	ck_assert_int_eq(xstrtonum("fF", 16, 0, 1000, &v, &e), 0);
	ck_assert_int_eq(v, 255);
}
END_TEST

START_TEST(strtonum_rejects_junk_and_range)
{
	long long	 v = 7;
	const char	*e;

	ck_assert_int_eq(xstrtonum("12abc", 10, 0, 100, &v, &e), -1);
	ck_assert_str_eq(e, "not a number");
	ck_assert_int_eq(xstrtonum("", 10, 0, 100, &v, &e), -1);
	ck_assert_int_eq(xstrtonum(" 1", 10, 0, 100, &v, &e), -1);
	ck_assert_int_eq(xstrtonum("+1", 10, 0, 100, &v, &e), -1);
	ck_assert_int_eq(xstrtonum("101", 10, 0, 100, &v, &e), -1);
	ck_assert_str_eq(e, "too large");
	ck_assert_int_eq(xstrtonum("-1", 10, 0, 100, &v, &e), -1);
	ck_assert_str_eq(e, "too small");
	ck_assert_int_eq(xstrtonum("99999999999999999999", 10, 0, 100, &v, &e), -1);
	ck_assert_str_eq(e, "too large");
	ck_assert_int_eq(xstrtonum("8", 8, 0, 100, &v, &e), -1);
	ck_assert_int_eq(v, 7);		/* untouched on error */
}
END_TEST

START_TEST(escape_keeps_printable_and_escapes_the_rest)
{
	char	buf[64];

	ck_assert_str_eq(log_escape(buf, sizeof(buf), "\n\"AB\"\r", 6),
	    "\\n\"AB\"\\r");
	ck_assert_str_eq(log_escape(buf, sizeof(buf), "a\x01\xff\\", 4),
	    "a\\x01\\xFF\\\\");
	ck_assert_str_eq(log_escape(buf, sizeof(buf), "", 0), "");
}
END_TEST

START_TEST(escape_truncates_within_the_buffer)
{
	char	buf[12];
	char	big[100];

	memset(big, 'x', sizeof(big));
	log_escape(buf, sizeof(buf), big, sizeof(big));
	ck_assert_uint_lt(strlen(buf), sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "..."));
	memset(big, 0x01, sizeof(big));
	log_escape(buf, sizeof(buf), big, sizeof(big));
	ck_assert_uint_lt(strlen(buf), sizeof(buf));
}
END_TEST

START_TEST(clock_follows_the_wall_clock_and_never_goes_back)
{
	struct timespec	ts = { 0, 20 * 1000 * 1000 };
	int64_t		a, b, wall;

	a = clock_now_ms();
	wall = clock_wall_ms();
	ck_assert_int_le(a > wall ? a - wall : wall - a, 50);
	nanosleep(&ts, NULL);
	b = clock_now_ms();
	ck_assert_int_ge(b - a, 20);
	ck_assert_int_lt(b - a, 2000);
}
END_TEST

static int64_t
fixed_clock(void)
{
	return 1234567;
}

START_TEST(clock_seam_replaces_both_clocks)
{
	clock_set_source(fixed_clock);
	ck_assert_int_eq(clock_now_ms(), 1234567);
	ck_assert_int_eq(clock_wall_ms(), 1234567);
	clock_set_source(NULL);
	ck_assert_int_gt(clock_now_ms(), 1234567);
}
END_TEST

START_TEST(xasprintf_formats)
{
	char	*s = xasprintf("%s-%d", "pcod", 9);

	ck_assert_str_eq(s, "pcod-9");
	free(s);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("util");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, strtonum_accepts_whole_numbers);
	tcase_add_test(tc, strtonum_rejects_junk_and_range);
	tcase_add_test(tc, escape_keeps_printable_and_escapes_the_rest);
	tcase_add_test(tc, escape_truncates_within_the_buffer);
	tcase_add_test(tc, xasprintf_formats);
	tcase_add_test(tc, clock_follows_the_wall_clock_and_never_goes_back);
	tcase_add_test(tc, clock_seam_replaces_both_clocks);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
