/* check_cid.c - unit tests for the Contact ID payload decoder. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "cid.h"
#include "event.h"

static struct event	ev;
static char		err[128];
static size_t		nev;

/* Decode a NUL-terminated string into ev: 1 (one event), -1 on a problem. */
static int
decode(const char *s)
{
	memset(&ev, 0xa5, sizeof(ev));
	err[0] = '\0';
	if (cid_decode(s, strlen(s), &ev, &nev, err, sizeof(err)) == -1)
		return -1;
	ck_assert_int_eq(err[0], '\0');
	return (int)nev;
}

START_TEST(test_new_event)
{
	ck_assert_int_eq(decode("#1234|1130 01 015"), 1);
	ck_assert_str_eq(ev.format, "CID");
	ck_assert_str_eq(ev.code, "130");
	ck_assert_int_eq(ev.qual, EVQ_NEW);
	ck_assert_int_eq(ev.cls, EVC_BURGLARY);
	ck_assert_int_eq(ev.known, 1);
	ck_assert_int_eq(ev.partition, 1);
	ck_assert_int_eq(ev.zone, 15);
	ck_assert_int_eq(ev.user, -1);
	ck_assert_int_eq(ev.event_time, 0);
	ck_assert_str_eq(ev.text, "Burglary, zone 15, partition 1");
}
END_TEST

START_TEST(test_restore)
{
	ck_assert_int_eq(decode("#1234|3130 01 015"), 1);
	ck_assert_int_eq(ev.qual, EVQ_RESTORE);
	ck_assert_int_eq(ev.cls, EVC_BURGLARY);
	ck_assert_str_eq(ev.text, "Restore: Burglary, zone 15, partition 1");
	ck_assert_int_eq(decode("3110 00 007"), 1);
	ck_assert_int_eq(ev.partition, 0);
	ck_assert_str_eq(ev.text, "Restore: Fire, zone 7");
}
END_TEST

START_TEST(test_status)
{
	ck_assert_int_eq(decode("6131 02 003"), 1);
	ck_assert_int_eq(ev.qual, EVQ_STATUS);
	ck_assert_str_eq(ev.text, "Status: Burglary - perimeter, zone 3, partition 2");
}
END_TEST

START_TEST(test_without_spaces)
{
	ck_assert_int_eq(decode("113001015"), 1);
	ck_assert_str_eq(ev.code, "130");
	ck_assert_int_eq(ev.partition, 1);
	ck_assert_int_eq(ev.zone, 15);
	ck_assert_int_eq(decode("#AB12|1110 01007"), 1);
	ck_assert_int_eq(ev.cls, EVC_FIRE);
	ck_assert_int_eq(ev.zone, 7);
	ck_assert_int_eq(decode("|1602 00 000"), 1);
	ck_assert_int_eq(ev.cls, EVC_TEST);
	ck_assert_int_eq(ev.zone, 0);
	ck_assert_str_eq(ev.text, "Periodic test");
}
END_TEST

START_TEST(test_open_close_user)
{
	ck_assert_int_eq(decode("1401 02 501"), 1);
	ck_assert_int_eq(ev.cls, EVC_OPENCLOSE);
	ck_assert_int_eq(ev.user, 501);
	ck_assert_int_eq(ev.zone, -1);
	ck_assert_int_eq(ev.qual, EVQ_NEW);
	ck_assert_ptr_nonnull(strstr(ev.text, "Opening: "));
	ck_assert_ptr_nonnull(strstr(ev.text, "user 501"));
	ck_assert_int_eq(decode("3401 02 501"), 1);
	ck_assert_int_eq(ev.qual, EVQ_RESTORE);
	ck_assert_ptr_nonnull(strstr(ev.text, "Closing: "));
	ck_assert_int_eq(decode("1121 01 004"), 1);
	ck_assert_int_eq(ev.cls, EVC_PANIC);
	ck_assert_int_eq(ev.user, 4);
}
END_TEST

START_TEST(test_unknown_code)
{
	ck_assert_int_eq(decode("1789 01 005"), 1);
	ck_assert_int_eq(ev.known, 0);
	ck_assert_int_eq(ev.cls, EVC_OTHER);
	ck_assert_str_eq(ev.code, "789");
	ck_assert_int_eq(ev.zone, 5);
	ck_assert_str_eq(ev.text, "Unknown Contact ID code 789, zone 5, partition 1");
	ck_assert_int_eq(decode("3000 00 000"), 1);
	ck_assert_str_eq(ev.code, "000");
	ck_assert_int_eq(ev.known, 0);
}
END_TEST

START_TEST(test_letter_qualifier)
{
	ck_assert_int_eq(decode("E130 01 015"), 1);
	ck_assert_int_eq(ev.qual, EVQ_NEW);
	ck_assert_str_eq(ev.code, "130");
	ck_assert_int_eq(ev.zone, 15);
	ck_assert_int_eq(decode("#1234|R130 01 015"), 1);
	ck_assert_int_eq(ev.qual, EVQ_RESTORE);
	ck_assert_str_eq(ev.text, "Restore: Burglary, zone 15, partition 1");
	ck_assert_int_eq(decode("R40102501"), 1);
	ck_assert_int_eq(ev.user, 501);
	ck_assert_ptr_nonnull(strstr(ev.text, "Closing: "));
}
END_TEST

START_TEST(test_text_block)
{
	char	buf[300];

	ck_assert_int_eq(decode("#1234|1130 01 015|AFront door"), 1);
	ck_assert_str_eq(ev.note, "Front door");
	ck_assert_int_eq(ev.zone, 15);
	ck_assert_int_eq(decode("113001015|A caf\xe9 | ok"), 1);
	ck_assert_str_eq(ev.note, " caf\xe9 | ok");
	ck_assert_int_eq(decode("1602 00 000|A"), 1);
	ck_assert_str_eq(ev.note, "");
	ck_assert_int_eq(decode("1602 00 000"), 1);
	ck_assert_str_eq(ev.note, "");
	ck_assert_str_eq(ev.name, "");
	ck_assert_int_eq(ev.peripheral, -1);
	memset(buf, 'z', sizeof(buf));
	memcpy(buf, "1130 01 015|A", 13);
	buf[sizeof(buf) - 1] = '\0';
	ck_assert_int_eq(decode(buf), 1);
	ck_assert_uint_eq(strlen(ev.note), EVENT_NOTE_MAX - 1);
}
END_TEST

START_TEST(test_partial)
{
	/* the event before a bad text block is kept */
	ck_assert_int_eq(decode("1130 01 015|Xjunk"), -1);
	ck_assert_ptr_nonnull(strstr(err, "unknown block"));
	ck_assert_uint_eq(nev, 1);
	ck_assert_int_eq(ev.zone, 15);
	ck_assert_int_eq(decode("1130 01 015|Aa\tb"), -1);
	ck_assert_ptr_nonnull(strstr(err, "0x09"));
	ck_assert_uint_eq(nev, 1);
	ck_assert_int_eq(decode("1130 01 015|"), -1);
	ck_assert_uint_eq(nev, 1);
	ck_assert_int_eq(decode("1130 01 01|Atext"), -1);
	ck_assert_uint_eq(nev, 0);
}
END_TEST

/* Inputs that must be refused, with a word expected in the message. */
static const struct { const char *in, *why; } bad[] = {
	{ "", "empty" },
	{ "#1234|", "no event" },
	{ "#1234", "account" },
	{ "#|1130 01 015", "account" },
	{ "2130 01 015", "qualifier" },
	{ "0130 01 015", "qualifier" },
	{ "x130 01 015", "qualifier" },
	{ "113a 01 015", "event code" },
	{ "1130 0x 015", "partition" },
	{ "1130 01 01", "zone" },
	{ "1130 01 0155", "trailing" },
	{ "1130 01 015 ", "trailing" },
	{ "1130  01 015", "partition" },
	{ "1130-01-015", "partition" },
	{ "113", "event code" },
	{ " 1130 01 015", "qualifier" },
	{ "1130 01 015\r", "byte" },
	{ "1130 01 -15", "zone" },
	{ "P130 01 015", "qualifier" },
	{ "e130 01 015", "qualifier" },
	{ "E13 01 015", "event code" },
	{ "#1234|1130 01 015|N", "unknown block" },
	{ "1130 01 015|BA01", "unknown block" },
};

START_TEST(test_bad_inputs)
{
	ck_assert_msg(decode(bad[_i].in) == -1, "accepted \"%s\"", bad[_i].in);
	ck_assert_msg(strstr(err, bad[_i].why) != NULL,
	    "\"%s\": message \"%s\" lacks \"%s\"", bad[_i].in, err, bad[_i].why);
}
END_TEST

START_TEST(test_binary_and_length)
{
	static const char	nul[] = "1130\00001 015";

	ck_assert_int_eq(cid_decode(nul, sizeof(nul) - 1, &ev, &nev, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "0x00"));
	ck_assert_uint_eq(nev, 0);
	/* only len bytes are read: the trailing junk is outside */
	ck_assert_int_eq(cid_decode("1130 01 015XYZ", 11, &ev, &nev, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(nev, 1);
	ck_assert_int_eq(ev.zone, 15);
	ck_assert_int_eq(cid_decode(NULL, 0, &ev, &nev, err, sizeof(err)), -1);
	ck_assert_int_eq(cid_decode("1130 01 015", 11, NULL, &nev, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(cid_decode("1130 01 015", 11, &ev, NULL, err,
	    sizeof(err)), -1);
	/* a NULL err is allowed */
	ck_assert_int_eq(cid_decode("9", 1, &ev, &nev, NULL, 0), -1);
	/* a tiny err buffer is cut, not overrun */
	err[3] = 'Z';
	ck_assert_int_eq(cid_decode("2130 01 015", 11, &ev, &nev, err, 3), -1);
	ck_assert_int_eq(err[2], '\0');
	ck_assert_int_eq(err[3], 'Z');
}
END_TEST

/* The Contact ID decoder suite. */
static Suite *
cid_suite(void)
{
	Suite	*s = suite_create("cid");
	TCase	*tc = tcase_create("decode");

	tcase_add_test(tc, test_new_event);
	tcase_add_test(tc, test_restore);
	tcase_add_test(tc, test_status);
	tcase_add_test(tc, test_without_spaces);
	tcase_add_test(tc, test_open_close_user);
	tcase_add_test(tc, test_unknown_code);
	tcase_add_test(tc, test_letter_qualifier);
	tcase_add_test(tc, test_text_block);
	suite_add_tcase(s, tc);
	tc = tcase_create("reject");
	tcase_add_loop_test(tc, test_bad_inputs, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, test_binary_and_length);
	tcase_add_test(tc, test_partial);
	suite_add_tcase(s, tc);
	return s;
}

/* Run the suite; exit non-zero when a test fails. */
int
main(void)
{
	SRunner	*sr = srunner_create(cid_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
