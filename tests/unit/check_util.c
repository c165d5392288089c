/* check_util.c - xstrtonum, log_escape, the clock seam and the log limiter. */
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

START_TEST(log_limit_takes_per_sec_then_leaves_out)
{
	struct log_limit	ll = { .per_sec = 3 };
	uint64_t		ended[LOG_LIMIT_NKINDS];
	int			i, ok = 0;

	for (i = 0; i < 10; i++)
		ok += log_limit_take(&ll, 100, i % 2 ? LOG_LIMIT_CONN :
		    LOG_LIMIT_REFUSAL, ended);
	ck_assert_int_eq(ok, 3);
	ck_assert_uint_eq(ll.total, 7);
	/* Nothing to report while the second lasts. */
	ck_assert_uint_eq(log_limit_roll(&ll, 100, ended), 0);
	/* The next second reports what the last one left out, by kind. */
	ck_assert_int_eq(log_limit_take(&ll, 101, LOG_LIMIT_CONN, ended), 1);
	ck_assert_uint_eq(ended[LOG_LIMIT_REFUSAL], 3);	/* i = 4, 6, 8 */
	ck_assert_uint_eq(ended[LOG_LIMIT_CONN], 4);	/* i = 3, 5, 7, 9 */
	ck_assert_uint_eq(ll.lines, 1);
	/* Reported once only; the total stays. */
	ck_assert_uint_eq(log_limit_roll(&ll, 105, ended), 0);
	ck_assert_uint_eq(ll.total, 7);
}
END_TEST

START_TEST(log_limit_bounds_a_flood)
{
	struct log_limit	ll = { .per_sec = LOG_LIMIT_PER_SEC };
	uint64_t		ended[LOG_LIMIT_NKINDS], left = 0;
	int64_t			ms;
	int			written = 0, reports = 0, j;

	/* 31,000 lines a second for 10 s, in virtual time. */
	for (ms = 0; ms < 10000; ms++) {
		for (j = 0; j < 31; j++) {
			written += log_limit_take(&ll, ms / 1000,
			    LOG_LIMIT_REFUSAL, ended);
			if (ended[LOG_LIMIT_REFUSAL] > 0) {
				reports++;
				left += ended[LOG_LIMIT_REFUSAL];
			}
		}
	}
	if (log_limit_roll(&ll, 11, ended) > 0) {
		reports++;
		left += ended[LOG_LIMIT_REFUSAL];
	}
	ck_assert_int_eq(written, 10 * LOG_LIMIT_PER_SEC);
	ck_assert_int_eq(reports, 10);
	ck_assert_uint_eq(left + (uint64_t)written, 310000);
	ck_assert_uint_eq(ll.total, left);
}
END_TEST

static int64_t	virtual_ms;

static int64_t
virtual_clock(void)
{
	return virtual_ms;
}

START_TEST(log_limit_allow_runs_on_the_clock_seam)
{
	int		i, ok = 0;
	uint64_t	before = log_limit_suppressed();

	virtual_ms = 5000000;
	clock_set_source(virtual_clock);
	for (i = 0; i < LOG_LIMIT_PER_SEC + 20; i++)
		ok += log_limit_allow(LOG_LIMIT_CONN);
	ck_assert_int_eq(ok, LOG_LIMIT_PER_SEC);
	ck_assert_uint_eq(log_limit_suppressed() - before, 20);
	virtual_ms += 1000;
	log_limit_flush();	/* writes the summary line to stderr */
	ck_assert_int_eq(log_limit_allow(LOG_LIMIT_CONN), 1);
	clock_set_source(NULL);
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
	tcase_add_test(tc, log_limit_takes_per_sec_then_leaves_out);
	tcase_add_test(tc, log_limit_bounds_a_flood);
	tcase_add_test(tc, log_limit_allow_runs_on_the_clock_seam);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
