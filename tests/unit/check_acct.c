/* check_acct.c - the in-memory account table. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "acct.h"

/* Put account with key (NULL: none) and nothing else. */
static int
put(struct acct_table *t, const char *account, const char *key, char *err,
    size_t errsz)
{
	struct acct_def	def = { .account = account, .key = key };

	return acct_table_put(t, &def, err, errsz);
}

START_TEST(put_get_remove)
{
	struct acct_table	*t = acct_table_new();
	const struct acct	*a;
	char			 err[128];

	ck_assert_int_eq(put(t, "1234", NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(put(t, "5678",
	    "00112233445566778899AABBCCDDEEFF", err, sizeof(err)), 0);
	ck_assert_uint_eq(acct_table_count(t), 2);
	a = acct_table_get(t, "1234");
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(a->key.len, 0);
	a = acct_table_get(t, "5678");
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(a->key.len, 16);
	ck_assert_int_eq(a->key.bytes[15], 0xFF);
	ck_assert_ptr_null(acct_table_get(t, "9999"));
	acct_table_remove(t, "1234");
	ck_assert_ptr_null(acct_table_get(t, "1234"));
	ck_assert_uint_eq(acct_table_count(t), 1);
	acct_table_remove(t, "1234");	/* absent: harmless */
	ck_assert_uint_eq(acct_table_count(t), 1);
	acct_table_free(t);
}
END_TEST

START_TEST(hex_accounts_match_in_any_case)
{
	struct acct_table	*t = acct_table_new();
	char			 err[128];

	ck_assert_int_eq(put(t, "AbCd", NULL, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(acct_table_get(t, "abcd"));
	ck_assert_ptr_nonnull(acct_table_get(t, "ABCD"));
	acct_table_free(t);
}
END_TEST

START_TEST(replace_changes_the_key)
{
	struct acct_table	*t = acct_table_new();
	char			 err[128];

	ck_assert_int_eq(put(t, "AAA", "text:AAAAAAAAAAAAAAAA", err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(acct_table_get(t, "AAA")->key.len, 16);
	ck_assert_int_eq(acct_table_get(t, "AAA")->key.bytes[0], 'A');
	ck_assert_int_eq(put(t, "AAA", "", err, sizeof(err)), 0);
	ck_assert_uint_eq(acct_table_get(t, "AAA")->key.len, 0);
	ck_assert_uint_eq(acct_table_count(t), 1);
	acct_table_free(t);
}
END_TEST

START_TEST(bad_key_leaves_the_account_keyed_without_a_key)
{
	struct acct_table	*t = acct_table_new();
	char			 err[128] = "";

	ck_assert_int_eq(put(t, "1234", "0011", err, sizeof(err)), -1);
	ck_assert_str_ne(err, "");
	/* Still keyed: its plaintext stays refused, its frames get DUH. */
	ck_assert_ptr_nonnull(acct_table_get(t, "1234"));
	ck_assert_int_eq(acct_table_get(t, "1234")->keyed, 1);
	ck_assert_uint_eq(acct_table_get(t, "1234")->key.len, 0);
	ck_assert_int_eq(put(t, "12345678901234567", NULL, err,
	    sizeof(err)), -1);
	acct_table_free(t);
}
END_TEST

START_TEST(next_key_and_policy)
{
	struct acct_table	*t = acct_table_new();
	struct acct_def		 def = { "ABC", "00112233445566778899AABBCCDDEEFF",
				    "text:BBBBBBBBBBBBBBBBBBBBBBBB", 1, 1, 7 };
	const struct acct	*a;
	char			 err[128];

	ck_assert_int_eq(acct_table_put(t, &def, err, sizeof(err)), 0);
	a = acct_table_get(t, "abc");
	ck_assert_uint_eq(a->key.len, 16);
	ck_assert_uint_eq(a->next_key.len, 24);
	ck_assert_int_eq(a->next_key.bytes[0], 'B');
	ck_assert_int_eq(a->keyed, 1);
	ck_assert_int_eq(a->plaintext, 1);
	ck_assert_int_eq(a->plain_clock, 1);
	ck_assert_int_eq(a->site_id, 7);
	/* Replacing drops what is no longer said. */
	ck_assert_int_eq(put(t, "ABC", NULL, err, sizeof(err)), 0);
	ck_assert_uint_eq(a->next_key.len, 0);
	ck_assert_int_eq(a->keyed, 0);
	ck_assert_int_eq(a->plaintext, 0);
	ck_assert_int_eq(a->site_id, 0);
	acct_table_free(t);
}
END_TEST

START_TEST(many_accounts_survive_growth)
{
	struct acct_table	*t = acct_table_new();
	char			 acct[17], err[128];
	int			 i;

	for (i = 0; i < 5000; i++) {
		snprintf(acct, sizeof(acct), "%X", i + 0x100);
		ck_assert_int_eq(put(t, acct, NULL, err, sizeof(err)), 0);
	}
	ck_assert_uint_eq(acct_table_count(t), 5000);
	for (i = 0; i < 5000; i++) {
		snprintf(acct, sizeof(acct), "%X", i + 0x100);
		ck_assert_ptr_nonnull(acct_table_get(t, acct));
		ck_assert_str_eq(acct_table_get(t, acct)->account, acct);
	}
	ck_assert_ptr_null(acct_table_get(t, "FFFFFF"));
	acct_table_free(t);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("acct");
	TCase	*tc = tcase_create("table");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, put_get_remove);
	tcase_add_test(tc, hex_accounts_match_in_any_case);
	tcase_add_test(tc, replace_changes_the_key);
	tcase_add_test(tc, bad_key_leaves_the_account_keyed_without_a_key);
	tcase_add_test(tc, next_key_and_policy);
	tcase_add_test(tc, many_accounts_survive_growth);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
