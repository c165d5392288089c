/* check_srclimit.c - NAK buckets per source address, on virtual time. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "srclimit.h"

/* How many of n takes for addr at now succeed. */
static int
takes(struct srclimit *sl, uint32_t addr, int n, int64_t now)
{
	int	i, ok = 0;

	for (i = 0; i < n; i++)
		ok += srclimit_take(sl, &addr, sizeof(addr), now);
	return ok;
}

START_TEST(burst_then_rate)
{
	struct srclimit	*sl = srclimit_new(5, 20, 1);

	ck_assert_int_eq(takes(sl, 0x0a000001, 100, 1000), 20);
	/* 5 a second: 200 ms buys one token. */
	ck_assert_int_eq(takes(sl, 0x0a000001, 10, 1199), 0);
	ck_assert_int_eq(takes(sl, 0x0a000001, 10, 1200), 1);
	ck_assert_int_eq(takes(sl, 0x0a000001, 100, 3200), 10);
	/* A long silence refills to the burst, not beyond. */
	ck_assert_int_eq(takes(sl, 0x0a000001, 100, 1000000), 20);
	srclimit_free(sl);
}
END_TEST

START_TEST(sources_are_apart)
{
	struct srclimit	*sl = srclimit_new(5, 20, 2);

	ck_assert_int_eq(takes(sl, 0x0a000001, 100, 0), 20);
	ck_assert_int_eq(takes(sl, 0x0a000002, 100, 0), 20);
	ck_assert_int_eq(takes(sl, 0x0a000001, 1, 0), 0);
	srclimit_free(sl);
}
END_TEST

START_TEST(memory_stays_bounded_and_recent_sources_stay)
{
	struct srclimit	*sl = srclimit_new(1, 3, 3);
	uint32_t	 a;
	int		 denied = 0;

	/* The limited source is in the table... */
	ck_assert_int_eq(takes(sl, 0xc0a80001, 10, 0), 3);
	/* ...a thousand sources later it may have been replaced (a full bucket
	 * again), never more than the table holds. */
	for (a = 1; a <= 1000; a++)
		ck_assert_int_eq(takes(sl, a, 1, (int64_t)a), 1);
	/* A source seen again at once is still limited: the most recent stay. */
	for (a = 991; a <= 1000; a++)
		denied += takes(sl, a, 3, 1000) < 3;
	ck_assert_int_eq(denied, 10);
	srclimit_free(sl);
}
END_TEST

START_TEST(odd_addresses_are_not_limited)
{
	struct srclimit	*sl = srclimit_new(0, 0, 4);
	unsigned char	 big[17] = { 0 };
	unsigned char	 v6[16] = { 0x20, 0x01, 0x0d, 0xb8 };

	ck_assert_int_eq(srclimit_take(sl, big, sizeof(big), 0), 1);
	ck_assert_int_eq(srclimit_take(sl, big, 0, 0), 1);
	/* rate 0, burst 0: a real source gets nothing. */
	ck_assert_int_eq(srclimit_take(sl, v6, sizeof(v6), 0), 0);
	srclimit_free(NULL);
	srclimit_free(sl);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("srclimit");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, burst_then_rate);
	tcase_add_test(tc, sources_are_apart);
	tcase_add_test(tc, memory_stays_bounded_and_recent_sources_stay);
	tcase_add_test(tc, odd_addresses_are_not_limited);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
