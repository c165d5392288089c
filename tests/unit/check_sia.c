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
static size_t		nev;

/* Decode a NUL-terminated string into ev[]: the number of events, -1 on a problem. */
static int
decode(const char *s)
{
	memset(ev, 0xa5, sizeof(ev));
	err[0] = '\0';
	if (sia_decode(s, strlen(s), ev, MAXEV, &nev, err, sizeof(err)) == -1)
		return -1;
	ck_assert_int_eq(err[0], '\0');
	return (int)nev;
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

START_TEST(test_modifier_then_code)
{
	ck_assert_int_eq(decode("Nri2BA3"), 1);
	ck_assert_str_eq(ev[0].code, "BA");
	ck_assert_int_eq(ev[0].partition, 2);
	ck_assert_int_eq(ev[0].zone, 3);
	ck_assert_int_eq(decode("#1234|Nri0RP2"), 1);
	ck_assert_str_eq(ev[0].code, "RP");
	ck_assert_int_eq(ev[0].partition, 0);
	ck_assert_int_eq(ev[0].zone, 2);
	ck_assert_int_eq(decode("Nid501CL"), 1);
	ck_assert_str_eq(ev[0].code, "CL");
	ck_assert_int_eq(ev[0].user, 501);
	ck_assert_int_eq(ev[0].zone, -1);
	ck_assert_int_eq(decode("Nri1id7OPBA2"), 2);
	ck_assert_int_eq(ev[0].user, 7);
	ck_assert_int_eq(ev[1].zone, 2);
	ck_assert_int_eq(ev[1].partition, 1);
	ck_assert_int_eq(decode("Nti14:12da09-25-26BA01"), 1);
	ck_assert_int_eq(ev[0].event_time, 1790345520);
	/* an unknown modifier with a number, then the code */
	ck_assert_int_eq(decode("Nxx5BA01"), 1);
	ck_assert_int_eq(ev[0].zone, 1);
}
END_TEST

START_TEST(test_caret_name)
{
	char	buf[300], want[EVENT_NAME_MAX];

	ck_assert_int_eq(decode("Nri1/BA01^Front door^"), 1);
	ck_assert_str_eq(ev[0].name, "Front door");
	ck_assert_int_eq(ev[0].zone, 1);
	ck_assert_str_eq(ev[0].text, "Burglary alarm, zone 1, partition 1");
	ck_assert_int_eq(decode("NBA01^T\xfcr K\xfc" "che^"), 1);
	ck_assert_str_eq(ev[0].name, "T\xfcr K\xfc" "che");
	/* an area's name goes to its events that have none of their own */
	ck_assert_int_eq(decode("Nri1^Shop^/BA01/BA02^Door^/NL2"), 3);
	ck_assert_str_eq(ev[0].name, "Shop");
	ck_assert_str_eq(ev[1].name, "Door");
	ck_assert_str_eq(ev[2].name, "");
	ck_assert_int_eq(decode("Nid5^Bob Smith^/OP/CL7"), 2);
	ck_assert_str_eq(ev[0].name, "Bob Smith");
	ck_assert_str_eq(ev[1].name, "");
	ck_assert_int_eq(decode("Nri1^Shop^BA01/ri2/BA02"), 2);
	ck_assert_str_eq(ev[0].name, "Shop");
	ck_assert_str_eq(ev[1].name, "");
	/* the delimiters of other blocks are bytes of a name */
	ck_assert_int_eq(decode("NBA01^a|b/c^|Atext"), 1);
	ck_assert_str_eq(ev[0].name, "a|b/c");
	ck_assert_str_eq(ev[0].note, "text");
	/* a long name is cut to fit */
	memset(buf, 'x', sizeof(buf));
	memcpy(buf, "NBA1^", 5);
	memcpy(buf + sizeof(buf) - 2, "^", 2);
	ck_assert_int_eq(decode(buf), 1);
	memset(want, 'x', sizeof(want) - 1);
	want[sizeof(want) - 1] = '\0';
	ck_assert_str_eq(ev[0].name, want);
}
END_TEST

START_TEST(test_text_block)
{
	char	buf[400];

	ck_assert_int_eq(decode("NRR|Atest"), 1);
	ck_assert_str_eq(ev[0].code, "RR");
	ck_assert_str_eq(ev[0].note, "test");
	ck_assert_int_eq(decode("#0123|NRR|AStart of dialler"), 1);
	ck_assert_str_eq(ev[0].note, "Start of dialler");
	ck_assert_int_eq(decode("Nri1/BA01|AFront door open"), 1);
	ck_assert_str_eq(ev[0].note, "Front door open");
	ck_assert_int_eq(ev[0].zone, 1);
	ck_assert_int_eq(decode("Nri1/BA01/BA02|Aboth"), 2);
	ck_assert_str_eq(ev[0].note, "both");
	ck_assert_str_eq(ev[1].note, "both");
	ck_assert_int_eq(decode("NRP|Afirst|NBA1|Asecond|Athird"), 2);
	ck_assert_str_eq(ev[0].note, "first");
	ck_assert_str_eq(ev[1].note, "second third");
	ck_assert_int_eq(decode("NRR|A caf\xe9 \x7f ok"), 1);
	ck_assert_str_eq(ev[0].note, " caf\xe9 \x7f ok");
	ck_assert_int_eq(decode("NRR|A"), 1);
	ck_assert_str_eq(ev[0].note, "");
	/* AT01 first is the code AT, not a text block */
	ck_assert_int_eq(decode("AT01"), 1);
	ck_assert_str_eq(ev[0].code, "AT");
	memset(buf, 'y', sizeof(buf));
	memcpy(buf, "NRR|A", 5);
	buf[sizeof(buf) - 1] = '\0';
	ck_assert_int_eq(decode(buf), 1);
	ck_assert_uint_eq(strlen(ev[0].note), EVENT_NOTE_MAX - 1);
}
END_TEST

START_TEST(test_extended_name)
{
	ck_assert_int_eq(decode("Nri2BA3*\"Hall PIR\"NM"), 1);
	ck_assert_str_eq(ev[0].name, "Hall PIR");
	ck_assert_int_eq(ev[0].partition, 2);
	ck_assert_int_eq(ev[0].zone, 3);
	ck_assert_int_eq(decode("NBA3*\"Hall PIR\"NM/BA4*\"Kitchen\"NM"), 2);
	ck_assert_str_eq(ev[1].name, "Kitchen");
	ck_assert_int_eq(decode("NBA3*\"seen at 12:00\"XX"), 1);
	ck_assert_str_eq(ev[0].name, "");
	ck_assert_str_eq(ev[0].note, "seen at 12:00");
	ck_assert_int_eq(decode("#1234|Nri1*\"Office\"NM/BA3"), 1);
	ck_assert_str_eq(ev[0].name, "Office");
}
END_TEST

START_TEST(test_blocks)
{
	ck_assert_int_eq(decode("#0001|0|NRP"), 1);
	ck_assert_str_eq(ev[0].code, "RP");
	ck_assert_int_eq(decode("|0|NRP|"), 1);
	ck_assert_int_eq(decode("NBA1||NFA2"), 2);
	/* modifiers end with their block */
	ck_assert_int_eq(decode("Nri1id4/BA1|NFA2"), 2);
	ck_assert_int_eq(ev[1].partition, -1);
	ck_assert_int_eq(ev[1].user, -1);
	ck_assert_str_eq(ev[1].code, "FA");
	/* O (old event) like N; a block without N */
	ck_assert_int_eq(decode("NBA1|ORP|OBA2|OP3|BA4"), 5);
	ck_assert_str_eq(ev[1].code, "RP");
	ck_assert_str_eq(ev[2].code, "BA");
	ck_assert_str_eq(ev[3].code, "OP");
	ck_assert_int_eq(ev[3].user, 3);
	ck_assert_int_eq(ev[4].zone, 4);
}
END_TEST

START_TEST(test_mixed)
{
	ck_assert_int_eq(decode("#1234|Nri1/BA01^Front door^|AFront door open"
	    "|Nri2BA3*\"Hall PIR\"NM|Nid501CL|NL2|0"), 4);
	ck_assert_str_eq(ev[0].name, "Front door");
	ck_assert_str_eq(ev[0].note, "Front door open");
	ck_assert_int_eq(ev[0].partition, 1);
	ck_assert_str_eq(ev[1].name, "Hall PIR");
	ck_assert_str_eq(ev[1].note, "");
	ck_assert_int_eq(ev[1].partition, 2);
	ck_assert_int_eq(ev[1].zone, 3);
	ck_assert_int_eq(ev[2].user, 501);
	ck_assert_int_eq(ev[2].partition, -1);
	ck_assert_str_eq(ev[3].code, "NL");
	ck_assert_int_eq(ev[3].partition, 2);
	ck_assert_int_eq(ev[3].zone, -1);
	ck_assert_str_eq(ev[3].text, "Perimeter armed, partition 2");
}
END_TEST

START_TEST(test_numbers)
{
	ck_assert_int_eq(decode("NBA123456"), 1);
	ck_assert_int_eq(ev[0].zone, 123456);
	ck_assert_int_eq(decode("Nri999999/BA10000"), 1);
	ck_assert_int_eq(ev[0].partition, 999999);
	ck_assert_int_eq(ev[0].zone, 10000);
	ck_assert_int_eq(decode("Nid999999/CL"), 1);
	ck_assert_int_eq(ev[0].user, 999999);
	ck_assert_int_eq(decode("NCL123456"), 1);
	ck_assert_int_eq(ev[0].user, 123456);
	/* area codes: the number is the area */
	ck_assert_int_eq(decode("NL01"), 1);
	ck_assert_int_eq(ev[0].partition, 1);
	ck_assert_int_eq(ev[0].zone, -1);
	ck_assert_int_eq(decode("Nri1/NL3/CG4/OG/NF5"), 4);
	ck_assert_int_eq(ev[0].partition, 3);
	ck_assert_int_eq(ev[1].partition, 4);
	ck_assert_int_eq(ev[2].partition, 1);
	ck_assert_int_eq(ev[3].partition, 5);
	ck_assert_int_eq(ev[3].zone, -1);
	ck_assert_int_eq(decode("Npi12/ri3/BA4"), 1);
	ck_assert_int_eq(ev[0].peripheral, 12);
	ck_assert_str_eq(ev[0].text,
	    "Burglary alarm, zone 4, partition 3, device 12");
	ck_assert_int_eq(decode("NBA1"), 1);
	ck_assert_int_eq(ev[0].peripheral, -1);
}
END_TEST

/* Every part of the text at its widest, and zero never shown. */
START_TEST(test_text_widest)
{
	ck_assert_int_eq(decode("Nid999999/ri999999/pi999999/UJ999999"), 1);
	ck_assert_str_eq(ev[0].text, "Untyped zone trouble restore, "
	    "zone 999999, user 999999, partition 999999, device 999999");
	ck_assert_int_eq(decode("Nid0/ri0/pi0/BA0"), 1);
	ck_assert_str_eq(ev[0].text, "Burglary alarm");
	ck_assert_int_eq(decode("Nid10/OP"), 1);
	ck_assert_str_eq(ev[0].text, "Opening by user 10");
}
END_TEST

/* A problem in one place keeps what was decoded around it. */
START_TEST(test_partial)
{
	ck_assert_int_eq(decode("NBA1234567/BA2"), -1);
	ck_assert_str_eq(err, "zone number \"1234567\" longer than 6 digits");
	ck_assert_uint_eq(nev, 1);
	ck_assert_int_eq(ev[0].zone, 2);
	ck_assert_int_eq(decode("NCL1234567"), -1);
	ck_assert_str_eq(err, "user number \"1234567\" longer than 6 digits");
	ck_assert_int_eq(decode("Nid1234567/CL"), -1);
	ck_assert_str_eq(err, "user number \"1234567\" longer than 6 digits");
	ck_assert_uint_eq(nev, 1);
	ck_assert_int_eq(decode("NBA1|Xyz|NFA2"), -1);
	ck_assert_str_eq(err, "unknown block \"Xyz\"");
	ck_assert_uint_eq(nev, 2);
	ck_assert_int_eq(decode("NBA1|X\x01z|Q"), -1);
	ck_assert_str_eq(err, "unknown block \"X\\x01z\" (and 1 more)");
	ck_assert_int_eq(decode("NBA1^abc|NFA2"), -1);
	ck_assert_ptr_nonnull(strstr(err, "unterminated ^name^"));
	ck_assert_uint_eq(nev, 2);
	ck_assert_str_eq(ev[0].name, "");
	ck_assert_int_eq(decode("NBA1*\"abc|NFA2"), -1);
	ck_assert_ptr_nonnull(strstr(err, "unterminated *\""));
	ck_assert_uint_eq(nev, 2);
	ck_assert_int_eq(decode("Nri1//BA01"), -1);
	ck_assert_ptr_nonnull(strstr(err, "empty item"));
	ck_assert_uint_eq(nev, 1);
	ck_assert_int_eq(decode("NBA1^x\ty^/BA2"), -1);
	ck_assert_ptr_nonnull(strstr(err, "0x09"));
	ck_assert_uint_eq(nev, 2);
	ck_assert_str_eq(ev[0].name, "");
	ck_assert_int_eq(decode("#12-4|NBA01"), -1);
	ck_assert_uint_eq(nev, 1);
	/* a bad ti or da leaves the good one before it in force */
	ck_assert_int_eq(decode("Nti14:12/da09-25-26/BA01/da09-25-1026/"
	    "ti14:99/BA02"), -1);
	ck_assert_uint_eq(nev, 2);
	ck_assert_int_eq(ev[1].event_time, 1790345520);
}
END_TEST

/* Long runs: cut in the reason, never past a buffer. */
START_TEST(test_adversarial)
{
	static char	buf[4096];
	size_t		i;

	memset(buf, '7', sizeof(buf) - 1);
	memcpy(buf, "NBA", 3);
	ck_assert_int_eq(decode(buf), -1);
	ck_assert_ptr_nonnull(strstr(err, "longer than 6 digits"));
	ck_assert_uint_eq(nev, 0);
	memset(buf, '^', sizeof(buf) - 1);
	memcpy(buf, "NBA1", 4);
	ck_assert_int_eq(decode(buf), -1);
	for (i = 0; i + 5 < sizeof(buf) - 1; i += 5)
		memcpy(buf + i, "NBA1|", 5);
	ck_assert_int_eq(decode(buf), -1);
	ck_assert_uint_eq(nev, MAXEV);
	ck_assert_ptr_nonnull(strstr(err, "more than 8 events"));
	memset(buf, '*', sizeof(buf) - 1);
	ck_assert_int_eq(decode(buf), -1);
	ck_assert_uint_eq(nev, 0);
	memset(buf, 'A', sizeof(buf) - 1);
	ck_assert_int_eq(decode(buf), -1);
	ck_assert_uint_eq(nev, MAXEV);
}
END_TEST

/* Inputs not (wholly) understood: -1 with a message. */
static const char *const bad[] = {
	"", "N", "#1234|", "#1234|N", "Nri1", "Nri1/", "Nri/BA01",
	"Nri1x/BA01", "Nri1/BA01x", "Nri1/BA01 ", "Nri1/BA1234567",
	"Nri1/B", "Nri1/1A01", "Nri1//BA01", "Nri1/bA01",
	"#1234NBA01", "#|NBA01", "#12345678901234567|NBA01", "#12-4|NBA01",
	"N1", "Nri-1/BA01", "Nid+4/BA01", "Nri1/BA01|Xyz", "|A", "#1234|0",
	"Nri1/BA1234567", "Nri1234567/BA01", "Nri1/BA01^Hall", "NBA01*\"Hall",
	"NBA01*\"Hall\"", "N^Hall^", "Ari1", "NBA01|Atab\there",
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
	size_t			n;

	ck_assert_int_eq(sia_decode(nul, sizeof(nul) - 1, &one, 1, &n, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "0x00"));
	/* what came before the bad byte is kept */
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(one.zone, 0);
	ck_assert_int_eq(sia_decode("NBA\x80", 4, &one, 1, &n, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "0x80"));
	/* only len bytes are read */
	ck_assert_int_eq(sia_decode("Nri1/BA01/BA02", 9, &one, 1, &n, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(one.zone, 1);
	ck_assert_int_eq(sia_decode(NULL, 0, &one, 1, &n, err, sizeof(err)), -1);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(sia_decode("NBA01", 5, &one, 1, NULL, err,
	    sizeof(err)), -1);
	/* a NULL err is allowed */
	ck_assert_int_eq(sia_decode("x", 1, &one, 1, &n, NULL, 0), -1);
	ck_assert_int_eq(sia_decode("NBA01|Xy", 8, &one, 1, &n, NULL, 0), -1);
	ck_assert_uint_eq(n, 1);
}
END_TEST

START_TEST(test_no_overflow)
{
	struct event	evs[3];
	struct event	guard;
	size_t		n;

	memset(evs, 0x5a, sizeof(evs));
	memcpy(&guard, &evs[2], sizeof(guard));
	ck_assert_int_eq(sia_decode("Nri1/BA01/BA02/TA03", 19, evs, 2, &n, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "more than 2"));
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(evs[1].zone, 2);
	ck_assert_int_eq(memcmp(&guard, &evs[2], sizeof(guard)), 0);
	ck_assert_int_eq(sia_decode("Nri1/BA01/BA02", 14, evs, 2, &n, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(sia_decode("NBA01", 5, evs, 0, &n, err, sizeof(err)),
	    -1);
	ck_assert_uint_eq(n, 0);
	/* a text block still reaches the events there was room for */
	ck_assert_int_eq(sia_decode("NBA1BA2^x^|Anote|NRP", 20, evs, 1, &n, err,
	    sizeof(err)), -1);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(evs[0].note, "note");
	ck_assert_str_eq(evs[0].name, "");
	ck_assert_ptr_nonnull(strstr(err, "(and 1 more)"));
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
	tcase_add_test(tc, test_text_widest);
	tcase_add_test(tc, test_user_code);
	tcase_add_test(tc, test_no_account_zero_zone);
	tcase_add_test(tc, test_unknown_code);
	tcase_add_test(tc, test_new_prefix);
	tcase_add_test(tc, test_event_time);
	tcase_add_test(tc, test_unknown_modifier_ignored);
	tcase_add_test(tc, test_account_len);
	tcase_add_test(tc, test_modifier_then_code);
	tcase_add_test(tc, test_caret_name);
	tcase_add_test(tc, test_text_block);
	tcase_add_test(tc, test_extended_name);
	tcase_add_test(tc, test_blocks);
	tcase_add_test(tc, test_mixed);
	tcase_add_test(tc, test_numbers);
	suite_add_tcase(s, tc);
	tc = tcase_create("reject");
	tcase_add_loop_test(tc, test_bad_inputs, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, test_binary_and_length);
	tcase_add_test(tc, test_no_overflow);
	tcase_add_test(tc, test_partial);
	tcase_add_test(tc, test_adversarial);
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
