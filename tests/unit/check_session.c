/* check_session.c - unit tests for console session tokens and their table (store_session.c). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "actor.h"
#include "operator.h"
#include "session.h"
#include "store.h"
#include "tmpstore.h"

static struct tmpstore	ts;

/* Tokens are 64 lower-case hex digits, fresh each time; only those hash. */
START_TEST(test_token_format)
{
	char	a[SESSION_TOKEN_HEX + 1], b[SESSION_TOKEN_HEX + 1];
	char	h[SESSION_HASH_HEX + 1], h2[SESSION_HASH_HEX + 1], bad[80];

	ck_assert_int_eq(store_session_token_new(a), 0);
	ck_assert_int_eq(store_session_token_new(b), 0);
	ck_assert_uint_eq(strlen(a), SESSION_TOKEN_HEX);
	ck_assert_uint_eq(strspn(a, "0123456789abcdef"), SESSION_TOKEN_HEX);
	ck_assert_str_ne(a, b);
	ck_assert_int_eq(store_session_token_hash(a, h), 0);
	ck_assert_int_eq(store_session_token_hash(a, h2), 0);
	ck_assert_str_eq(h, h2);
	ck_assert_str_ne(h, a);
	/* SHA-256("0" x 64), computed elsewhere */
	memset(bad, '0', 64);
	bad[64] = '\0';
	ck_assert_int_eq(store_session_token_hash(bad, h), 0);
	ck_assert_str_eq(h, "60e05bd1b195af2f94112fa7197a5c88"
	    "289058840ce7c6df9693756bc6250f55");
	/* wrong length, upper case, not hex, NULL */
	ck_assert_int_eq(store_session_token_hash("abc", h), -1);
	bad[63] = 'A';
	ck_assert_int_eq(store_session_token_hash(bad, h), -1);
	bad[63] = 'g';
	ck_assert_int_eq(store_session_token_hash(bad, h), -1);
	bad[63] = '0';
	bad[64] = '0';
	bad[65] = '\0';
	ck_assert_int_eq(store_session_token_hash(bad, h), -1);
	ck_assert_int_eq(store_session_token_hash(NULL, h), -1);
}
END_TEST

/* An operator op in the store. */
static void
add_op(struct store *st, const char *login, int role)
{
	struct operator_rec	r;

	memset(&r, 0, sizeof r);
	snprintf(r.login, sizeof r.login, "%s", login);
	snprintf(r.name, sizeof r.name, "%s name", login);
	snprintf(r.pw_hash, sizeof r.pw_hash, "%s", operator_dummy_hash);
	r.role = role;
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_operator_add(st, &r), 0);
	ck_assert_int_eq(store_commit(st), 0);
}

/* Add, read (committed only), touch, revoke one and all of a login. */
START_TEST(test_session_rows)
{
	struct store		*st = tmpstore_open(&ts, "check_session");
	struct session_rec	 r;
	char			 t1[65], t2[65], t3[65], h1[65], h2[65], h3[65];

	add_op(st, "op1", ROLE_OPERATOR);
	add_op(st, "op2", ROLE_ADMIN);
	store_session_token_new(t1);
	store_session_token_new(t2);
	store_session_token_new(t3);
	store_session_token_hash(t1, h1);
	store_session_token_hash(t2, h2);
	store_session_token_hash(t3, h3);
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_session_add(st, "op1", h1, "uid:1000", 1000, 5000), 0);
	ck_assert_int_eq(store_session_add(st, "op1", h2, "http", 1000, 5000), 0);
	ck_assert_int_eq(store_session_add(st, "op2", h3, "uid:0", 1000, 5000), 0);
	ck_assert_int_eq(store_session_add(st, "nobody", t1, "uid:0", 1000, 5000), 1);
	/* not committed yet: the reader does not see it */
	ck_assert_int_eq(store_session_get(st, h1, &r), 1);
	ck_assert_int_eq(store_commit(st), 0);
	ck_assert_int_eq(store_session_get(st, h1, &r), 0);
	ck_assert_str_eq(r.login, "op1");
	ck_assert_str_eq(r.name, "op1 name");
	ck_assert_int_eq(r.role, ROLE_OPERATOR);
	ck_assert_int_eq(r.disabled, 0);
	ck_assert_int_eq(r.created_ms, 1000);
	ck_assert_int_eq(r.expires_ms, 5000);
	ck_assert_str_eq(r.peer, "uid:1000");
	ck_assert_int_eq(store_session_get(st, h2, &r), 0);
	ck_assert_str_eq(r.peer, "http");
	/* the token itself is no key */
	ck_assert_int_eq(store_session_get(st, t1, &r), 1);

	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_session_touch(st, h1, 3000, 9000), 0);
	ck_assert_int_eq(store_session_revoke(st, h2), 0);
	ck_assert_int_eq(store_session_revoke(st, h2), 1);
	ck_assert_int_eq(store_session_touch(st, h2, 3000, 9000), 1);
	ck_assert_int_eq(store_commit(st), 0);
	ck_assert_int_eq(store_session_get(st, h1, &r), 0);
	ck_assert_int_eq(r.last_used_ms, 3000);
	ck_assert_int_eq(r.expires_ms, 9000);
	ck_assert_int_eq(store_session_get(st, h2, &r), 1);

	/* all of op1's, none of op2's */
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_session_add(st, "op1", h2, "uid:0", 4000, 9000), 0);
	ck_assert_int_eq(store_session_revoke_login(st, "op1"), 2);
	ck_assert_int_eq(store_session_revoke_login(st, "op1"), 0);
	ck_assert_int_eq(store_commit(st), 0);
	ck_assert_int_eq(store_session_get(st, h1, &r), 1);
	ck_assert_int_eq(store_session_get(st, h3, &r), 0);
	ck_assert_str_eq(r.login, "op2");
	ck_assert_int_eq(r.role, ROLE_ADMIN);

	/* a new session purges the expired ones */
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_session_add(st, "op1", h1, "uid:0", 6000, 20000), 0);
	ck_assert_int_eq(store_commit(st), 0);
	ck_assert_int_eq(store_session_get(st, h3, &r), 1);
	ck_assert_int_eq(store_session_get(st, h1, &r), 0);
	tmpstore_remove(&ts, st);
}
END_TEST

/* A failed batch keeps no session. */
START_TEST(test_session_rollback)
{
	struct store		*st = tmpstore_open(&ts, "check_session");
	struct session_rec	 r;
	char			 t[65], h[65];

	add_op(st, "op1", ROLE_OPERATOR);
	store_session_token_new(t);
	store_session_token_hash(t, h);
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_session_add(st, "op1", h, "uid:0", 1000, 5000), 0);
	store_rollback(st);
	ck_assert_int_eq(store_session_get(st, h, &r), 1);
	tmpstore_remove(&ts, st);
}
END_TEST

static Suite *
session_suite(void)
{
	Suite	*s = suite_create("session");
	TCase	*tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_token_format);
	tcase_add_test(tc, test_session_rows);
	tcase_add_test(tc, test_session_rollback);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(session_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
