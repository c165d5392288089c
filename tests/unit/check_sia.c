/* check_sia.c - unit tests for the SIA DC-03 payload decoder. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "event.h"
#include "sia.h"

#define MAXEV	8

static struct event	ev[MAXEV];
static char		err[128];

/* Decode a NUL-terminated string into ev[]. */
static int
decode(const char *s)
{
	memset(ev, 0xa5, sizeof(ev));
	err[0] = '\0';
	return sia_decode(s, strlen(s), ev, MAXEV, err, sizeof(err));
}

START_TEST(test_single)
{
	ck_assert_int_eq(decode("#1234|Nri1/BA01"), 1);
	ck_assert_str_eq(ev[0].format, "SIA");
	ck_assert_str_eq(ev[0].code, "BA");
	ck_assert_int_eq(ev[0].qual, EVQ_NEW);
	ck_assert_int_eq(ev[0].cls, EVC_BURGLARY);
	ck_assert_int_eq(ev[0].known, 1);
	ck_assert_int_eq(ev[0].zone, 1);
	ck_assert_int_eq(ev[0].user, -1);
	ck_assert_int_eq(ev[0].partition, 1);
	ck_assert_int_eq(ev[0].event_time, 0);
	ck_assert_str_eq(ev[0].text, "Burglary alarm, zone 1, partition 1");
}
END_TEST

START_TEST(test_multi)
{
	ck_assert_int_eq(decode("#1234|Nri1/BA01/BA02/TA03"), 3);
	ck_assert_int_eq(ev[0].zone, 1);
	ck_assert_int_eq(ev[1].zone, 2);
	ck_assert_int_eq(ev[2].zone, 3);
	ck_assert_int_eq(ev[0].partition, 1);
	ck_assert_int_eq(ev[1].partition, 1);
	ck_assert_int_eq(ev[2].partition, 1);
	ck_assert_str_eq(ev[2].code, "TA");
	ck_assert_int_eq(ev[2].cls, EVC_TAMPER);
}
END_TEST

START_TEST(test_modifiers_carry)
{
	ck_assert_int_eq(decode("Nri1/BA01/ri2/FA02/id7/OP/BR01"), 4);
	ck_assert_int_eq(ev[0].partition, 1);
	ck_assert_int_eq(ev[0].user, -1);
	ck_assert_int_eq(ev[1].partition, 2);
	ck_assert_int_eq(ev[1].cls, EVC_FIRE);
	ck_assert_int_eq(ev[2].partition, 2);
	ck_assert_int_eq(ev[2].user, 7);
	ck_assert_int_eq(ev[2].zone, -1);
	ck_assert_str_eq(ev[2].text, "Opening by user 7, partition 2");
	ck_assert_int_eq(ev[3].user, 7);
	ck_assert_int_eq(ev[3].zone, 1);
	ck_assert_int_eq(ev[3].qual, EVQ_RESTORE);
}
END_TEST

START_TEST(test_user_code)
{
	ck_assert_int_eq(decode("#AAA|Nri1/CL501"), 1);
	ck_assert_int_eq(ev[0].user, 501);
	ck_assert_int_eq(ev[0].zone, -1);
	ck_assert_int_eq(ev[0].cls, EVC_OPENCLOSE);
	ck_assert_int_eq(ev[0].qual, EVQ_RESTORE);
	ck_assert_ptr_nonnull(strstr(ev[0].text, "Closing by user 501"));
	/* the number after the code wins over id */
	ck_assert_int_eq(decode("Nid3/OP4"), 1);
	ck_assert_int_eq(ev[0].user, 4);
}
END_TEST

START_TEST(test_no_account_zero_zone)
{
	ck_assert_int_eq(decode("Nri1/WA000"), 1);
	ck_assert_str_eq(ev[0].code, "WA");
	ck_assert_int_eq(ev[0].zone, 0);
	ck_assert_str_eq(ev[0].text, "Water alarm, partition 1");
	ck_assert_int_eq(decode("|Nri0/RP0000"), 1);
	ck_assert_int_eq(ev[0].cls, EVC_TEST);
	ck_assert_int_eq(ev[0].partition, 0);
	ck_assert_str_eq(ev[0].text, "Automatic test");
}
END_TEST

START_TEST(test_unknown_code)
{
	ck_assert_int_eq(decode("#1234|NQQ12/BA1"), 2);
	ck_assert_str_eq(ev[0].code, "QQ");
	ck_assert_int_eq(ev[0].known, 0);
	ck_assert_int_eq(ev[0].cls, EVC_OTHER);
	ck_assert_int_eq(ev[0].zone, 12);
	ck_assert_str_eq(ev[0].text, "Unknown SIA code QQ, zone 12");
	ck_assert_int_eq(ev[1].known, 1);
}
END_TEST

START_TEST(test_new_prefix)
{
	ck_assert_int_eq(decode("NBA01"), 1);
	ck_assert_str_eq(ev[0].code, "BA");
	ck_assert_int_eq(decode("BA01"), 1);
	ck_assert_str_eq(ev[0].code, "BA");
	ck_assert_int_eq(decode("ri3/BA01"), 1);
	ck_assert_int_eq(ev[0].partition, 3);
	ck_assert_int_eq(decode("NL01"), 1);
	ck_assert_str_eq(ev[0].code, "NL");
	ck_assert_int_eq(decode("NNT"), 1);
	ck_assert_str_eq(ev[0].code, "NT");
	ck_assert_int_eq(decode("NRR"), 1);
	ck_assert_str_eq(ev[0].code, "RR");
	ck_assert_int_eq(ev[0].zone, -1);
	ck_assert_int_eq(decode("N/BA01"), 1);
	ck_assert_str_eq(ev[0].code, "BA");
}
END_TEST

START_TEST(test_event_time)
{
	ck_assert_int_eq(decode("Nti14:12/da09-25-26/BA01"), 1);
	ck_assert_int_eq(ev[0].event_time, 1790345520);
	ck_assert_int_eq(decode("Nda09-25-2026/ti14:12:04/BA01/BA02"), 2);
	ck_assert_int_eq(ev[1].event_time, 1790345524);
	/* only applies after it; time without date is no time */
	ck_assert_int_eq(decode("Nti14:12/BA01/da09-25-26/BA02"), 2);
	ck_assert_int_eq(ev[0].event_time, 0);
	ck_assert_int_eq(ev[1].event_time, 1790345520);
	/* an impossible day is not normalised into another date */
	ck_assert_int_eq(decode("Nti14:12/da02-30-26/BA01"), 1);
	ck_assert_int_eq(ev[0].event_time, 0);
	ck_assert_int_eq(decode("Nti24:00/BA01"), -1);
	ck_assert_int_eq(decode("Nda13-01-26/BA01"), -1);
	ck_assert_int_eq(decode("Nti1412/BA01"), -1);
}
END_TEST

START_TEST(test_unknown_modifier_ignored)
{
	ck_assert_int_eq(decode("Npi5/ri2/aiXYZ/BA01"), 1);
	ck_assert_int_eq(ev[0].partition, 2);
	ck_assert_int_eq(ev[0].zone, 1);
}
END_TEST

/* Inputs that must be refused with a message. */
static const char *const bad[] = {
	"", "N", "#1234|", "#1234|N", "Nri1", "Nri1/", "Nri/BA01",
	"Nri1x/BA01", "Nri1/BA01x", "Nri1/BA01 ", "Nri1/BA1234567",
	"Nri1/BA10000", "Nri1/B", "Nri1/1A01", "Nri1//BA01", "Nri1/bA01",
	"#1234NBA01", "#|NBA01", "#12345678901234567|NBA01", "#12-4|NBA01",
	"Nri1BA01", "Nri1/BA01|Atext", "N1", "Nri-1/BA01", "Nid+4/BA01",
};

START_TEST(test_bad_inputs)
{
	ck_assert_msg(decode(bad[_i]) == -1, "accepted \"%s\"", bad[_i]);
	ck_assert_msg(err[0] != '\0', "no message for \"%s\"", bad[_i]);
}
END_TEST

START_TEST(test_binary_and_length)
{
	static const char	nul[] = "NBA0\0001";
	struct event		one;

	ck_assert_int_eq(sia_decode(nul, sizeof(nul) - 1, &one, 1, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "0x00"));
	ck_assert_int_eq(sia_decode("NBA\x80", 4, &one, 1, err, sizeof(err)),
	    -1);
	/* only len bytes are read */
	ck_assert_int_eq(sia_decode("Nri1/BA01/BA02", 9, &one, 1, err,
	    sizeof(err)), 1);
	ck_assert_int_eq(one.zone, 1);
	ck_assert_int_eq(sia_decode(NULL, 0, &one, 1, err, sizeof(err)), -1);
	/* a NULL err is allowed */
	ck_assert_int_eq(sia_decode("x", 1, &one, 1, NULL, 0), -1);
}
END_TEST

START_TEST(test_no_overflow)
{
	struct event	evs[3];
	struct event	guard;

	memset(evs, 0x5a, sizeof(evs));
	memcpy(&guard, &evs[2], sizeof(guard));
	ck_assert_int_eq(sia_decode("Nri1/BA01/BA02/TA03", 19, evs, 2, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "more than 2"));
	ck_assert_int_eq(memcmp(&guard, &evs[2], sizeof(guard)), 0);
	ck_assert_int_eq(sia_decode("Nri1/BA01/BA02", 14, evs, 2, err,
	    sizeof(err)), 2);
	ck_assert_int_eq(sia_decode("NBA01", 5, evs, 0, err, sizeof(err)), -1);
}
END_TEST

START_TEST(test_account_len)
{
	ck_assert_int_eq(sia_account_len("#1234|N", 7), 6);
	ck_assert_int_eq(sia_account_len("|N", 2), 1);
	ck_assert_int_eq(sia_account_len("NBA", 3), 0);
	ck_assert_int_eq(sia_account_len("", 0), 0);
	ck_assert_int_eq(sia_account_len("#1234", 5), -1);
	ck_assert_int_eq(sia_account_len("#|", 2), -1);
	ck_assert_int_eq(sia_account_len("#1234|", 3), -1);
	ck_assert_int_eq(sia_account_len("#0123456789ABCDEF|", 18), 18);
	ck_assert_int_eq(sia_account_len("#0123456789ABCDEF0|", 19), -1);
}
END_TEST

/* The SIA decoder suite. */
static Suite *
sia_suite(void)
{
	Suite	*s = suite_create("sia");
	TCase	*tc = tcase_create("decode");

	tcase_add_test(tc, test_single);
	tcase_add_test(tc, test_multi);
	tcase_add_test(tc, test_modifiers_carry);
	tcase_add_test(tc, test_user_code);
	tcase_add_test(tc, test_no_account_zero_zone);
	tcase_add_test(tc, test_unknown_code);
	tcase_add_test(tc, test_new_prefix);
	tcase_add_test(tc, test_event_time);
	tcase_add_test(tc, test_unknown_modifier_ignored);
	tcase_add_test(tc, test_account_len);
	suite_add_tcase(s, tc);
	tc = tcase_create("reject");
	tcase_add_loop_test(tc, test_bad_inputs, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, test_binary_and_length);
	tcase_add_test(tc, test_no_overflow);
	suite_add_tcase(s, tc);
	return s;
}

/* Run the suite; exit non-zero when a test fails. */
int
main(void)
{
	SRunner	*sr = srunner_create(sia_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
