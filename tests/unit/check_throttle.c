/* check_throttle.c - login back-off, lock-out, audit summaries and the log limiter on virtual time. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "log.h"
#include "throttle.h"

#define T0	1767225600000LL		/* 2026-01-01T00:00:00Z */
#define SEC	1000LL
#define HOUR	(3600 * SEC)

/* pcod.conf's defaults: login-backoff 3 1 300, login-lockout 10 900, login-audit 5 60. */
static const struct throttle_conf defaults = {
	.after = 3, .first_ms = 1 * SEC, .max_ms = 300 * SEC,
	.lock_failures = 10, .lock_ms = 900 * SEC,
	.audit_burst = 5, .audit_ms = 60 * SEC,
};

/* One failed attempt on key at now; returns the lock time it set (0 none). */
static int64_t
fail_at(struct throttle *t, const char *key, int64_t now)
{
	int64_t	until;

	throttle_begin(t, key, now);
	throttle_end(t, &defaults, key, 0, now, &until);
	return until;
}

/* The verdict on key at now, and until when. */
static enum throttle_verdict
check_at(struct throttle *t, const char *key, int64_t now, int64_t *until)
{
	return throttle_check(t, &defaults, key, now, until);
}

START_TEST(test_delay)
{
	ck_assert_int_eq(throttle_delay(&defaults, 0), 0);
	ck_assert_int_eq(throttle_delay(&defaults, 2), 0);
	ck_assert_int_eq(throttle_delay(&defaults, 3), 1 * SEC);
	ck_assert_int_eq(throttle_delay(&defaults, 4), 2 * SEC);
	ck_assert_int_eq(throttle_delay(&defaults, 11), 256 * SEC);
	ck_assert_int_eq(throttle_delay(&defaults, 12), 300 * SEC);
	/* No overflow however long the attack goes on. */
	ck_assert_int_eq(throttle_delay(&defaults, 1000000), 300 * SEC);
}
END_TEST

START_TEST(test_backoff)
{
	struct throttle	*t = throttle_new(16);
	int64_t		 until;

	ck_assert_int_eq(fail_at(t, "login:op1", T0), 0);
	ck_assert_int_eq(fail_at(t, "login:op1", T0), 0);
	ck_assert_int_eq(check_at(t, "login:op1", T0, &until), THROTTLE_OK);
	fail_at(t, "login:op1", T0 + 10);
	ck_assert_int_eq(check_at(t, "login:op1", T0 + 10, &until),
	    THROTTLE_WAIT);
	ck_assert_int_eq(until, T0 + 10 + 1 * SEC);
	ck_assert_int_eq(check_at(t, "login:op1", T0 + 10 + SEC - 1, &until),
	    THROTTLE_WAIT);
	ck_assert_int_eq(check_at(t, "login:op1", T0 + 10 + SEC, &until),
	    THROTTLE_OK);
	fail_at(t, "login:op1", T0 + 2 * SEC);
	ck_assert_int_eq(check_at(t, "login:op1", T0 + 2 * SEC, &until),
	    THROTTLE_WAIT);
	ck_assert_int_eq(until, T0 + 4 * SEC);
	/* Another name is not touched by the attack on op1. */
	ck_assert_int_eq(check_at(t, "login:sup1", T0 + 2 * SEC, &until),
	    THROTTLE_OK);
	throttle_free(t);
}
END_TEST

START_TEST(test_in_flight_counts)
{
	struct throttle	*t = throttle_new(16);
	int64_t		 until;
	int		 i;

	/* Parallel attempts from many connections: the 4th must wait. */
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(check_at(t, "uid:65534", T0, &until),
		    THROTTLE_OK);
		throttle_begin(t, "uid:65534", T0);
	}
	ck_assert_int_eq(check_at(t, "uid:65534", T0, &until), THROTTLE_WAIT);
	/* Cancelled attempts are neither failures nor successes. */
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(throttle_end(t, &defaults, "uid:65534", -1, T0,
		    &until), 0);
	ck_assert_int_eq(check_at(t, "uid:65534", T0, &until), THROTTLE_OK);
	throttle_free(t);
}
END_TEST

START_TEST(test_success_resets)
{
	struct throttle	*t = throttle_new(16);
	int64_t		 until;
	int		 i;

	for (i = 0; i < 5; i++)
		fail_at(t, "login:op1", T0);
	ck_assert_int_eq(check_at(t, "login:op1", T0, &until), THROTTLE_WAIT);
	throttle_begin(t, "login:op1", T0 + HOUR);
	throttle_end(t, &defaults, "login:op1", 1, T0 + HOUR, &until);
	ck_assert_uint_eq(throttle_count(t), 0);
	fail_at(t, "login:op1", T0 + HOUR);
	ck_assert_int_eq(check_at(t, "login:op1", T0 + HOUR, &until),
	    THROTTLE_OK);
	throttle_free(t);
}
END_TEST

START_TEST(test_clear)
{
	struct throttle	*t = throttle_new(16);
	int64_t		 until;
	int		 i;

	for (i = 0; i < 10; i++)
		fail_at(t, "login:op1", T0);
	ck_assert_int_eq(throttle_failures(t, "login:op1"), 10);
	ck_assert_int_eq(check_at(t, "login:op1", T0, &until), THROTTLE_LOCKED);
	ck_assert_int_eq(throttle_clear(t, "login:op1"), 1);
	ck_assert_int_eq(check_at(t, "login:op1", T0, &until), THROTTLE_OK);
	ck_assert_int_eq(throttle_failures(t, "login:op1"), 0);
	ck_assert_int_eq(throttle_clear(t, "login:op1"), 0);
	ck_assert_int_eq(throttle_clear(t, "login:never"), 0);
	throttle_free(t);
}
END_TEST

START_TEST(test_lockout_escalates)
{
	struct throttle	*t = throttle_new(16);
	int64_t		 until, now = T0, lock;
	int		 i;

	for (i = 0; i < 9; i++)
		ck_assert_int_eq(fail_at(t, "login:op1", now), 0);
	lock = fail_at(t, "login:op1", now);
	ck_assert_int_eq(lock, now + 900 * SEC);
	ck_assert_int_eq(check_at(t, "login:op1", now + 899 * SEC, &until),
	    THROTTLE_LOCKED);
	ck_assert_int_eq(until, lock);
	/* Once it expires, each further failure locks again, twice as long. */
	now = lock;
	ck_assert_int_eq(check_at(t, "login:op1", now, &until), THROTTLE_OK);
	ck_assert_int_eq(fail_at(t, "login:op1", now), now + 1800 * SEC);
	now += 1800 * SEC;
	ck_assert_int_eq(fail_at(t, "login:op1", now), now + 3600 * SEC);
	for (i = 0; i < 20; i++) {
		now += 1000 * HOUR;
		lock = fail_at(t, "login:op1", now);
	}
	ck_assert_int_eq(lock - now, THROTTLE_LOCK_CAP_MS);
	throttle_free(t);
}
END_TEST

START_TEST(test_hours_per_password)
{
	struct throttle	*t = throttle_new(16);
	int64_t		 until, now = T0, longest = 0;
	int		 guesses = 0;

	/* An attacker who guesses as soon as he is let in, for one day. */
	while (now < T0 + 24 * HOUR) {
		if (check_at(t, "login:op1", now, &until) != THROTTLE_OK) {
			if (until - now > longest)
				longest = until - now;
			now = until;
			continue;
		}
		fail_at(t, "login:op1", now);
		guesses++;
	}
	/* 10 quick ones, then 900 s, 1800 s, 1 h, 2 h, 4 h, 8 h, 16 h. */
	ck_assert_int_eq(guesses, 16);
	ck_assert_int_ge(longest, 8 * HOUR);
	throttle_free(t);
}
END_TEST

/* What the summaries handed out. */
static struct {
	int		n;
	char		key[THROTTLE_KEY_MAX];
	unsigned	failures, refused;
	int64_t		since, until;
} sum;

/* Record a summary. */
static void
sum_cb(const char *key, unsigned failures, unsigned refused, int64_t since,
    int64_t until, void *arg)
{
	sum.n++;
	snprintf(sum.key, sizeof(sum.key), "%s", key);
	sum.failures = failures;
	sum.refused = refused;
	sum.since = since;
	sum.until = until;
}

START_TEST(test_audit_summary)
{
	struct throttle	*t = throttle_new(16);
	int		 i, audited = 0;

	memset(&sum, 0, sizeof(sum));
	for (i = 0; i < 20; i++)
		audited += throttle_audit(t, &defaults, "login:op1", 0, T0 + i);
	audited += throttle_audit(t, &defaults, "login:op1", 1, T0 + 30);
	ck_assert_int_eq(audited, 5);
	throttle_summaries(t, &defaults, T0 + 59 * SEC, 0, sum_cb, NULL);
	ck_assert_int_eq(sum.n, 0);
	throttle_summaries(t, &defaults, T0 + 60 * SEC, 0, sum_cb, NULL);
	ck_assert_int_eq(sum.n, 1);
	ck_assert_str_eq(sum.key, "login:op1");
	ck_assert_uint_eq(sum.failures, 15);
	ck_assert_uint_eq(sum.refused, 1);
	ck_assert_int_eq(sum.since, T0 + 5);
	ck_assert_int_eq(sum.until, T0 + 30);
	/* The storm goes on: the next interval is all summary. */
	ck_assert_int_eq(throttle_audit(t, &defaults, "login:op1", 0,
	    T0 + 61 * SEC), 0);
	throttle_summaries(t, &defaults, T0 + 120 * SEC, 0, sum_cb, NULL);
	ck_assert_int_eq(sum.n, 2);
	ck_assert_uint_eq(sum.failures, 1);
	/* After a quiet interval, failures are audited one by one again. */
	ck_assert_int_eq(throttle_audit(t, &defaults, "login:op1", 0,
	    T0 + 181 * SEC), 1);
	/* A pending summary is handed out at shutdown (all). */
	for (i = 0; i < 5; i++)
		throttle_audit(t, &defaults, "login:op1", 0, T0 + 182 * SEC);
	throttle_summaries(t, &defaults, T0 + 183 * SEC, 1, sum_cb, NULL);
	ck_assert_int_eq(sum.n, 3);
	ck_assert_uint_eq(sum.failures, 1);
	throttle_free(t);
}
END_TEST

START_TEST(test_bounded_and_forgetting)
{
	struct throttle	*t = throttle_new(4);
	int64_t		 until;
	char		 key[32];
	int		 i;

	for (i = 0; i < 10; i++)
		fail_at(t, "login:victim", T0);
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "login:n%d", i);
		fail_at(t, key, T0 + i + 1);
	}
	ck_assert_uint_eq(throttle_count(t), 4);
	/* Flooding names does not unlock the locked one. */
	ck_assert_int_eq(check_at(t, "login:victim", T0 + SEC, &until),
	    THROTTLE_LOCKED);
	memset(&sum, 0, sizeof(sum));
	throttle_summaries(t, &defaults, T0 + THROTTLE_FORGET_MS + HOUR, 0,
	    sum_cb, NULL);
	ck_assert_uint_eq(throttle_count(t), 0);
	throttle_free(t);
}
END_TEST

/* The suite. */
static Suite *
throttle_suite(void)
{
	Suite	*s = suite_create("throttle");
	TCase	*tc = tcase_create("pure");

	tcase_add_test(tc, test_delay);
	tcase_add_test(tc, test_backoff);
	tcase_add_test(tc, test_in_flight_counts);
	tcase_add_test(tc, test_success_resets);
	tcase_add_test(tc, test_clear);
	tcase_add_test(tc, test_lockout_escalates);
	tcase_add_test(tc, test_hours_per_password);
	tcase_add_test(tc, test_audit_summary);
	tcase_add_test(tc, test_bounded_and_forgetting);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(throttle_suite());
	int	 failed;

	log_init(1, LOG_LVL_WARN);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
