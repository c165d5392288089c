/* check_operator.c - operator password hashes (scrypt), logins, and the hashing worker. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <event2/event.h>

#include "operator.h"

/* RFC 7914, section 12, third vector: "pleaseletmein" / "SodiumChloride", N=16384, r=8, p=1. */
static const char rfc7914[] = "$scrypt$ln=14,r=8,p=1$U29kaXVtQ2hsb3JpZGU=$"
    "cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofLVQylVYT8Pz2LUlwUkKpr55h6F3A1"
    "lHkDfzwF7RVdYhw==";

/* Cheap parameters so the tests that need many hashes stay fast. */
static const struct operator_kdf cheap = { 10, 4, 2 };

START_TEST(round_trip_with_default_parameters)
{
	char	h[OPERATOR_HASH_MAX];

	ck_assert_int_eq(operator_hash("correct horse", NULL, h, sizeof h), 0);
	ck_assert_msg(strncmp(h, "$scrypt$ln=15,r=8,p=1$", 22) == 0, "%s", h);
	ck_assert_int_eq(operator_verify("correct horse", h), 1);
	ck_assert_int_eq(operator_verify("correct horsE", h), 0);
	ck_assert_int_eq(operator_verify("correct hors", h), 0);
	ck_assert_int_eq(operator_verify("", h), 0);
}
END_TEST

START_TEST(known_answer_from_rfc7914)
{
	ck_assert_int_eq(operator_verify("pleaseletmein", rfc7914), 1);
	ck_assert_int_eq(operator_verify("pleaseletmeIn", rfc7914), 0);
}
END_TEST

START_TEST(parameters_are_parsed_back)
{
	struct operator_kdf	k;
	unsigned char		salt[64], hash[64];
	size_t			saltlen = sizeof salt, hashlen = sizeof hash;
	char			h[OPERATOR_HASH_MAX];

	ck_assert_int_eq(operator_hash("a long password", &cheap, h, sizeof h), 0);
	ck_assert_msg(strncmp(h, "$scrypt$ln=10,r=4,p=2$", 22) == 0, "%s", h);
	ck_assert_int_eq(operator_hash_parse(h, &k, salt, &saltlen, hash,
	    &hashlen), 0);
	ck_assert_int_eq(k.ln, 10);
	ck_assert_uint_eq(k.r, 4);
	ck_assert_uint_eq(k.p, 2);
	ck_assert_uint_eq(saltlen, 16);
	ck_assert_uint_eq(hashlen, 32);
	/* Verification uses the stored parameters, not today's defaults. */
	ck_assert_int_eq(operator_verify("a long password", h), 1);
	ck_assert_int_eq(operator_verify("a long passwore", h), 0);
	saltlen = sizeof salt, hashlen = sizeof hash;
	ck_assert_int_eq(operator_hash_parse(rfc7914, &k, salt, &saltlen, hash,
	    &hashlen), 0);
	ck_assert_int_eq(k.ln, 14);
	ck_assert_uint_eq(saltlen, 14);
	ck_assert_uint_eq(hashlen, 64);
	ck_assert_int_eq(memcmp(salt, "SodiumChloride", 14), 0);
}
END_TEST

START_TEST(salts_differ)
{
	char		h1[OPERATOR_HASH_MAX], h2[OPERATOR_HASH_MAX];
	const char	*s1, *s2;

	ck_assert_int_eq(operator_hash("same password", &cheap, h1, sizeof h1), 0);
	ck_assert_int_eq(operator_hash("same password", &cheap, h2, sizeof h2), 0);
	ck_assert_str_ne(h1, h2);
	s1 = strchr(h1 + 8, '$');
	s2 = strchr(h2 + 8, '$');
	ck_assert_int_ne(strncmp(s1, s2, 25), 0);	/* "$" + 24 chars of salt */
	ck_assert_int_eq(operator_verify("same password", h1), 1);
	ck_assert_int_eq(operator_verify("same password", h2), 1);
}
END_TEST

/* Stored hashes that must be refused, never crash or run away. */
static const char *const malformed[] = {
	"",
	"$",
	"$scrypt$",
	"scrypt$ln=10,r=4,p=2$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAA==",
	"$bcrypt$ln=10,r=4,p=2$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAA==",
	"$scrypt$ln=10,r=4$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAA==",
	"$scrypt$ln=10,r=4,p=2,x=1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAA==",
	"$scrypt$r=4,ln=10,p=2$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAA==",
	"$scrypt$ln=0,r=4,p=2$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAA==",
	"$scrypt$ln=-1,r=4,p=2$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAA==",
	"$scrypt$ln=10,r=0,p=2$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAA==",
	"$scrypt$ln=1x,r=4,p=2$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAA==",
	"$scrypt$ln=,r=4,p=2$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAA==",
	/* 128 * 64 * 2^24 bytes: far beyond what a stored hash may ask */
	"$scrypt$ln=24,r=64,p=1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAA==",
	"$scrypt$ln=99999999999999999999,r=4,p=2$AAAAAAAAAAAAAAAAAAAAAA==$AAAA",
	"$scrypt$ln=10,r=4,p=2$AAAAAAAAAAAAAAAAAAAAAA==",
	"$scrypt$ln=10,r=4,p=2$AAAAAAAAAAAAAAAAAAAAAA==$",
	"$scrypt$ln=10,r=4,p=2$$AAAAAAAAAAAAAAAAAAAAAA==",
	"$scrypt$ln=10,r=4,p=2$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAA==$",
	"$scrypt$ln=10,r=4,p=2$AAAAAAAAAAAAAAAAAAAAAA==$AAAA*AAAAAAAAAAAAAAAAA==",
	"$scrypt$ln=10,r=4,p=2$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAA=",
	"$scrypt$ln=10,r=4,p=2$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAA=AAAAAAAAAAA==",
	"$scrypt$ln=10,r=4,p=2$AAAAAAAAAAAAAAAAAAAAAA==$AAAA",	/* 3-byte hash */
	"$scrypt$ln=10,r=4,p=2$AAAA$AAAAAAAAAAAAAAAAAAAAAA==",	/* 3-byte salt */
	"$scrypt$ln=10,r=4,p=2$AAAAAAAAAAAAAAAAAAAAAA==$"		/* 96-byte hash */
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	NULL
};

START_TEST(malformed_hashes_are_refused)
{
	struct operator_kdf	k;
	unsigned char		salt[64], hash[64];
	size_t			saltlen, hashlen;
	char			huge[4096];
	int			i;

	for (i = 0; malformed[i] != NULL; i++) {
		saltlen = sizeof salt, hashlen = sizeof hash;
		ck_assert_msg(operator_hash_parse(malformed[i], &k, salt, &saltlen,
		    hash, &hashlen) == -1, "parsed: %s", malformed[i]);
		ck_assert_msg(operator_verify("password12", malformed[i]) == -1,
		    "verified: %s", malformed[i]);
	}
	memset(huge, 'A', sizeof huge - 1);
	huge[sizeof huge - 1] = '\0';
	memcpy(huge, "$scrypt$ln=10,r=4,p=2$", 22);
	ck_assert_int_eq(operator_verify("password12", huge), -1);
}
END_TEST

START_TEST(dummy_hash_matches_nothing)
{
	ck_assert_int_eq(operator_verify("", operator_dummy_hash), 0);
	ck_assert_int_eq(operator_verify("password12", operator_dummy_hash), 0);
}
END_TEST

START_TEST(logins)
{
	ck_assert(operator_login_valid("alice"));
	ck_assert(operator_login_valid("a"));
	ck_assert(operator_login_valid("j.doe-2_x"));
	ck_assert(operator_login_valid("abcdefghijklmnopqrstuvwxyz012345"));
	ck_assert(!operator_login_valid("abcdefghijklmnopqrstuvwxyz0123456"));
	ck_assert(!operator_login_valid(""));
	ck_assert(!operator_login_valid("Alice"));
	ck_assert(!operator_login_valid("uid:0"));
	ck_assert(!operator_login_valid("a b"));
	ck_assert(!operator_login_valid("?x"));
	ck_assert(!operator_login_valid("pcod"));
	ck_assert(!operator_login_valid("\xc3\xa9t\xc3\xa9"));
}
END_TEST

/* What the worker's callbacks saw. */
struct seen {
	struct event_base	*base;
	int			 calls;
	int			 rcs[8];
	char			 hash[OPERATOR_HASH_MAX];
	struct operator_worker	*w;
};

/* A verify job finished. */
static void
verify_done(int rc, const char *hash, void *arg)
{
	struct seen	*s = arg;

	s->rcs[s->calls++] = rc;
	if (s->calls == 3)
		event_base_loopbreak(s->base);
}

/* The hash job finished: verify it right and wrong, and a malformed one. */
static void
hash_done(int rc, const char *hash, void *arg)
{
	struct seen	*s = arg;

	s->rcs[s->calls++] = rc;
	ck_assert_int_eq(rc, 0);
	ck_assert_ptr_nonnull(hash);
	snprintf(s->hash, sizeof s->hash, "%s", hash);
	ck_assert_int_eq(operator_worker_verify(s->w, "worker password", s->hash,
	    verify_done, s), 0);
	ck_assert_int_eq(operator_worker_verify(s->w, "wrong password!", s->hash,
	    verify_done, s), 0);
}

/* A guard against a hung loop. */
static void
timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopbreak(arg);
}

START_TEST(worker_hashes_and_verifies_off_the_loop)
{
	struct seen	 s;
	struct event	*t;
	struct timeval	 tv = { 20, 0 };

	memset(&s, 0, sizeof s);
	s.base = event_base_new();
	s.w = operator_worker_new(s.base);
	ck_assert_ptr_nonnull(s.w);
	t = evtimer_new(s.base, timeout_cb, s.base);
	evtimer_add(t, &tv);
	ck_assert_int_eq(operator_worker_hash(s.w, "worker password", hash_done,
	    &s), 0);
	event_base_dispatch(s.base);
	ck_assert_int_eq(s.calls, 3);
	ck_assert_int_eq(s.rcs[0], 0);
	ck_assert_int_eq(s.rcs[1], 1);
	ck_assert_int_eq(s.rcs[2], 0);
	ck_assert_int_eq(operator_verify("worker password", s.hash), 1);
	operator_worker_free(s.w);
	event_free(t);
	event_base_free(s.base);
}
END_TEST

/* A job cancelled at free. */
static void
cancel_done(int rc, const char *hash, void *arg)
{
	struct seen	*s = arg;

	if (s->calls < 8)
		s->rcs[s->calls] = rc;
	s->calls++;
}

START_TEST(worker_free_cancels_queued_jobs)
{
	struct seen	s;
	int		i;

	memset(&s, 0, sizeof s);
	s.base = event_base_new();
	s.w = operator_worker_new(s.base);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(operator_worker_verify(s.w, "x", rfc7914,
		    cancel_done, &s), 0);
	operator_worker_free(s.w);
	ck_assert_int_eq(s.calls, 3);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(s.rcs[i], OPERATOR_JOB_CANCELLED);
	event_base_free(s.base);
	/* A worker that never started frees cleanly too. */
	s.base = event_base_new();
	operator_worker_free(operator_worker_new(s.base));
	event_base_free(s.base);
}
END_TEST

START_TEST(worker_queue_is_bounded)
{
	struct seen	s;
	int		i, rc = 0;

	memset(&s, 0, sizeof s);
	s.base = event_base_new();
	s.w = operator_worker_new(s.base);
	for (i = 0; i < OPERATOR_WORKER_QUEUE + 2 && rc == 0; i++)
		rc = operator_worker_verify(s.w, "x", malformed[0], cancel_done, &s);
	ck_assert_int_eq(rc, -1);
	ck_assert_int_ge(i, OPERATOR_WORKER_QUEUE);
	operator_worker_free(s.w);
	event_base_free(s.base);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("operator");
	TCase	*tc = tcase_create("hash");
	TCase	*tw = tcase_create("worker");
	SRunner	*sr;
	int	 failed;

	tcase_set_timeout(tc, 30);
	tcase_set_timeout(tw, 30);
	tcase_add_test(tc, round_trip_with_default_parameters);
	tcase_add_test(tc, known_answer_from_rfc7914);
	tcase_add_test(tc, parameters_are_parsed_back);
	tcase_add_test(tc, salts_differ);
	tcase_add_test(tc, malformed_hashes_are_refused);
	tcase_add_test(tc, dummy_hash_matches_nothing);
	tcase_add_test(tc, logins);
	tcase_add_test(tw, worker_hashes_and_verifies_off_the_loop);
	tcase_add_test(tw, worker_free_cancels_queued_jobs);
	tcase_add_test(tw, worker_queue_is_bounded);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, tw);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
