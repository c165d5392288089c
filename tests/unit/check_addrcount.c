/* check_addrcount.c - unit tests for the per-address connection counts. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "addrcount.h"

/* Counts go up and down per address and forget an address at zero. */
START_TEST(test_addrcount_basic)
{
	struct addrcount	*t = addrcount_new(42);

	ck_assert_int_eq(addrcount_get(t, "192.0.2.1"), 0);
	ck_assert_int_eq(addrcount_inc(t, "192.0.2.1"), 1);
	ck_assert_int_eq(addrcount_inc(t, "192.0.2.1"), 2);
	ck_assert_int_eq(addrcount_inc(t, "192.0.2.10"), 1);
	ck_assert_int_eq(addrcount_get(t, "192.0.2.1"), 2);
	ck_assert_int_eq(addrcount_get(t, "192.0.2.10"), 1);
	ck_assert_int_eq(addrcount_get(t, "192.0.2.100"), 0);
	ck_assert_int_eq(addrcount_size(t), 2);
	ck_assert_int_eq(addrcount_dec(t, "192.0.2.1"), 1);
	ck_assert_int_eq(addrcount_dec(t, "192.0.2.1"), 0);
	ck_assert_int_eq(addrcount_size(t), 1);
	/* a decrement of nothing counted stays at zero, harmlessly */
	ck_assert_int_eq(addrcount_dec(t, "192.0.2.1"), 0);
	ck_assert_int_eq(addrcount_dec(t, "2001:db8::1"), 0);
	ck_assert_int_eq(addrcount_get(t, "192.0.2.10"), 1);
	addrcount_free(t);
	addrcount_free(NULL);
}
END_TEST

/* Many addresses: the table grows, every count stays right, and shrinks back. */
START_TEST(test_addrcount_many)
{
	struct addrcount	*t = addrcount_new(7);
	char			 a[64];
	int			 i, k;

	for (i = 0; i < 20000; i++) {
		snprintf(a, sizeof(a), "2001:db8::%x", i);
		for (k = 0; k <= i % 3; k++)
			addrcount_inc(t, a);
	}
	ck_assert_int_eq(addrcount_size(t), 20000);
	for (i = 0; i < 20000; i++) {
		snprintf(a, sizeof(a), "2001:db8::%x", i);
		ck_assert_int_eq(addrcount_get(t, a), i % 3 + 1);
	}
	for (i = 0; i < 20000; i++) {
		snprintf(a, sizeof(a), "2001:db8::%x", i);
		for (k = 0; k <= i % 3; k++)
			addrcount_dec(t, a);
	}
	ck_assert_int_eq(addrcount_size(t), 0);
	ck_assert_int_eq(addrcount_inc(t, "198.51.100.7"), 1);
	addrcount_free(t);
}
END_TEST

/* An address longer than an entry keeps is counted by its first characters. */
START_TEST(test_addrcount_long)
{
	struct addrcount	*t = addrcount_new(1);
	char			 a[100], b[100];

	memset(a, 'a', sizeof(a) - 1);
	a[sizeof(a) - 1] = '\0';
	memcpy(b, a, sizeof(b));
	b[90] = 'b';
	ck_assert_int_eq(addrcount_inc(t, a), 1);
	ck_assert_int_eq(addrcount_inc(t, b), 2);
	ck_assert_int_eq(addrcount_dec(t, a), 1);
	ck_assert_int_eq(addrcount_dec(t, b), 0);
	ck_assert_int_eq(addrcount_size(t), 0);
	addrcount_free(t);
}
END_TEST

static Suite *
addrcount_suite(void)
{
	Suite	*s = suite_create("addrcount");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_addrcount_basic);
	tcase_add_test(tc, test_addrcount_many);
	tcase_add_test(tc, test_addrcount_long);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(addrcount_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
