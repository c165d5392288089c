/* check_histo.c - fixed-bucket histograms: bucket edges, sum and count, overflow, the bounds pcod uses. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "histo.h"
#include "log.h"
#include "stats.h"

static const int64_t le3[] = { 10, 100, 1000 };

/* A value equal to a bound is in that bound's bucket; one above, in the next. */
START_TEST(test_edges)
{
	struct histo	h;

	ck_assert_int_eq(histo_init(&h, le3, 3), 0);
	histo_observe(&h, 10);
	ck_assert_uint_eq(h.n[0], 1);
	histo_observe(&h, 11);
	ck_assert_uint_eq(h.n[1], 1);
	histo_observe(&h, 100);
	ck_assert_uint_eq(h.n[1], 2);
	histo_observe(&h, 101);
	histo_observe(&h, 1000);
	ck_assert_uint_eq(h.n[2], 2);
	histo_observe(&h, 1001);
	ck_assert_uint_eq(h.n[3], 1);
	histo_observe(&h, 0);
	ck_assert_uint_eq(h.n[0], 2);
	/* Cumulative, as exposed: monotone, the last one the count. */
	ck_assert_uint_eq(histo_cumulative(&h, 0), 2);
	ck_assert_uint_eq(histo_cumulative(&h, 1), 4);
	ck_assert_uint_eq(histo_cumulative(&h, 2), 6);
	ck_assert_uint_eq(histo_cumulative(&h, 3), 7);
	ck_assert_uint_eq(histo_cumulative(&h, 99), 7);
	ck_assert_uint_eq(h.count, 7);
}
END_TEST

/* Sum and count add up; a negative value counts as 0. */
START_TEST(test_sum_count)
{
	struct histo	h;
	int64_t		i, sum = 0;

	ck_assert_int_eq(histo_init(&h, le3, 3), 0);
	for (i = 0; i < 2000; i += 7) {
		histo_observe(&h, i);
		sum += i;
	}
	ck_assert_uint_eq(h.sum, (uint64_t)sum);
	ck_assert_uint_eq(h.count, (2000 + 6) / 7);
	ck_assert_uint_eq(histo_cumulative(&h, 3), h.count);
	histo_observe(&h, -5);
	ck_assert_uint_eq(h.sum, (uint64_t)sum);
	ck_assert_uint_eq(h.n[0], 2 + 1);	/* 0, 7 and the -5 */
}
END_TEST

/* Huge values land in +Inf, and the sum stays at its top instead of wrapping. */
START_TEST(test_overflow)
{
	struct histo	h;

	ck_assert_int_eq(histo_init(&h, le3, 3), 0);
	histo_observe(&h, INT64_MAX);
	histo_observe(&h, INT64_MAX);
	ck_assert_uint_eq(h.n[3], 2);
	ck_assert_uint_eq(h.sum, (uint64_t)INT64_MAX * 2);
	histo_observe(&h, INT64_MAX);
	ck_assert_uint_eq(h.sum, UINT64_MAX);
	histo_observe(&h, 1);
	ck_assert_uint_eq(h.sum, UINT64_MAX);
	ck_assert_uint_eq(h.count, 4);
	ck_assert_uint_eq(histo_cumulative(&h, 2), 1);
}
END_TEST

/* Bounds must be strictly ascending and few enough. */
START_TEST(test_bad_bounds)
{
	static const int64_t	dup[] = { 1, 5, 5 }, down[] = { 9, 3 };
	static int64_t		many[HISTO_MAX_BOUNDS + 1];
	struct histo		h;
	int			i;

	for (i = 0; i < HISTO_MAX_BOUNDS + 1; i++)
		many[i] = i;
	ck_assert_int_eq(histo_init(&h, dup, 3), -1);
	ck_assert_int_eq(histo_init(&h, down, 2), -1);
	ck_assert_int_eq(histo_init(&h, many, HISTO_MAX_BOUNDS + 1), -1);
	ck_assert_int_eq(histo_init(&h, many, HISTO_MAX_BOUNDS), 0);
	ck_assert_int_eq(histo_init(&h, NULL, 1), -1);
	/* No bounds: everything in +Inf. */
	ck_assert_int_eq(histo_init(&h, NULL, 0), 0);
	histo_observe(&h, 42);
	ck_assert_uint_eq(histo_cumulative(&h, 0), 1);
	ck_assert_uint_eq(h.sum, 42);
}
END_TEST

/* Check the bounds of one of pcod's histograms through histo_init. */
static void
check_pcod_histo(const struct histo *ph)
{
	struct histo	h;

	ck_assert_int_gt(ph->nb, 0);
	ck_assert_int_eq(histo_init(&h, ph->le, ph->nb), 0);
}

/* The histograms stats.c sets up statically are valid and start empty. */
START_TEST(test_pcod_bounds)
{
	check_pcod_histo(&pcod_stats.commit_batch);
	check_pcod_histo(&pcod_stats.commit_latency);
	check_pcod_histo(&pcod_stats.ack_latency);
	ck_assert_uint_eq(pcod_stats.ack_latency.count, 0);
	/* Latencies in microseconds: 1 ms and 1 s are bucket edges. */
	histo_observe(&pcod_stats.ack_latency, 1000);
	histo_observe(&pcod_stats.ack_latency, 1000001);
	ck_assert_uint_eq(histo_cumulative(&pcod_stats.ack_latency, 2), 1);
	ck_assert_uint_eq(pcod_stats.ack_latency.le[2], 1000);
	ck_assert_uint_eq(histo_cumulative(&pcod_stats.ack_latency,
	    pcod_stats.ack_latency.nb), 2);
}
END_TEST

/* The clock only moves forward. */
START_TEST(test_now)
{
	int64_t	a = histo_now_us(), b = histo_now_us();

	ck_assert_int_gt(a, 0);
	ck_assert_int_ge(b, a);
}
END_TEST

static Suite *
histo_suite(void)
{
	Suite	*s = suite_create("histo");
	TCase	*tc = tcase_create("pure");

	tcase_add_test(tc, test_edges);
	tcase_add_test(tc, test_sum_count);
	tcase_add_test(tc, test_overflow);
	tcase_add_test(tc, test_bad_bounds);
	tcase_add_test(tc, test_pcod_bounds);
	tcase_add_test(tc, test_now);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(histo_suite());
	int	 failed;

	log_init(1, LOG_LVL_WARN);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
