/* check_codes.c - unit tests for the SIA and Contact ID code tables. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "codes.h"
#include "event.h"

/* Longest table text that still leaves room for ", zone 9999, partition 99". */
#define TEXT_ROOM	(EVENT_TEXT_MAX - 40)

/* The default priority rule the tables must follow. */
static int
expected_priority(enum event_class cls, enum event_qual q)
{
	int	p;

	switch (cls) {
	case EVC_FIRE: case EVC_PANIC: case EVC_MEDICAL: p = 1; break;
	case EVC_BURGLARY: p = 2; break;
	case EVC_TAMPER: p = 3; break;
	case EVC_SUPERVISORY: case EVC_TROUBLE: p = 5; break;
	case EVC_OPENCLOSE: case EVC_TEST: p = 8; break;
	default: p = 6; break;
	}
	return q == EVQ_RESTORE ? p + 1 : p;
}

/* The value of a three-digit code string. */
static int
cid_num(const char *code)
{
	return (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
}

/* Check one entry's fields; returns a message or NULL. */
static const char *
entry_problem(const struct code_info *ci)
{
	if (ci->code == NULL || ci->text == NULL || ci->text[0] == '\0')
		return "missing code or text";
	if (strlen(ci->text) > TEXT_ROOM)
		return "text too long";
	if ((int)ci->cls < 0 || ci->cls >= EVC_COUNT)
		return "bad class";
	if ((int)ci->qual < 0 || ci->qual > EVQ_STATUS)
		return "bad qualifier";
	if ((int)ci->unit < 0 || ci->unit > CODE_UNIT_AREA)
		return "bad unit";
	if (ci->priority != expected_priority(ci->cls, ci->qual))
		return "priority does not follow the class rule";
	return NULL;
}

START_TEST(test_sia_table_sane)
{
	const struct code_info	*t;
	const char		*why;
	size_t			 n, i;

	t = codes_sia_table(&n);
	ck_assert_uint_gt(n, 200);
	for (i = 0; i < n; i++) {
		why = entry_problem(&t[i]);
		ck_assert_msg(why == NULL, "SIA %s: %s", t[i].code, why);
		ck_assert_msg(strlen(t[i].code) == 2 &&
		    t[i].code[0] >= 'A' && t[i].code[0] <= 'Z' &&
		    t[i].code[1] >= 'A' && t[i].code[1] <= 'Z',
		    "SIA code '%s' is not two capitals", t[i].code);
		if (i > 0)
			ck_assert_msg(strcmp(t[i - 1].code, t[i].code) < 0,
			    "SIA table not sorted/unique at %s", t[i].code);
		ck_assert_ptr_eq(codes_sia(t[i].code), &t[i]);
	}
}
END_TEST

START_TEST(test_cid_table_sane)
{
	const struct code_info	*t;
	const char		*why;
	size_t			 n, i;

	t = codes_cid_table(&n);
	ck_assert_uint_gt(n, 200);
	for (i = 0; i < n; i++) {
		why = entry_problem(&t[i]);
		ck_assert_msg(why == NULL, "CID %s: %s", t[i].code, why);
		ck_assert_msg(strlen(t[i].code) == 3 &&
		    strspn(t[i].code, "0123456789") == 3,
		    "CID code '%s' is not three digits", t[i].code);
		ck_assert_int_eq(t[i].qual, EVQ_NEW);
		if (i > 0)
			ck_assert_msg(strcmp(t[i - 1].code, t[i].code) < 0,
			    "CID table not sorted/unique at %s", t[i].code);
		ck_assert_ptr_eq(codes_cid(cid_num(t[i].code)), &t[i]);
	}
}
END_TEST

/* Every Contact ID code named in the protocol notes, with its class. */
static const struct { int code; enum event_class cls; } notes_cid[] = {
	{ 100, EVC_MEDICAL }, { 110, EVC_FIRE }, { 120, EVC_PANIC },
	{ 121, EVC_PANIC }, { 122, EVC_PANIC }, { 130, EVC_BURGLARY },
	{ 131, EVC_BURGLARY }, { 132, EVC_BURGLARY }, { 133, EVC_BURGLARY },
	{ 134, EVC_BURGLARY }, { 137, EVC_TAMPER }, { 144, EVC_TAMPER },
	{ 150, EVC_OTHER }, { 301, EVC_TROUBLE }, { 302, EVC_TROUBLE },
	{ 305, EVC_TROUBLE }, { 350, EVC_TROUBLE }, { 373, EVC_TROUBLE },
	{ 380, EVC_TROUBLE }, { 384, EVC_TROUBLE }, { 401, EVC_OPENCLOSE },
	{ 403, EVC_OPENCLOSE }, { 406, EVC_OPENCLOSE }, { 570, EVC_OTHER },
	{ 602, EVC_TEST }, { 627, EVC_OTHER }, { 628, EVC_OTHER },
};

START_TEST(test_cid_notes_classes)
{
	const struct code_info	*ci;

	ci = codes_cid(notes_cid[_i].code);
	ck_assert_msg(ci != NULL, "CID %d missing", notes_cid[_i].code);
	ck_assert_msg(ci->cls == notes_cid[_i].cls, "CID %d class %s",
	    notes_cid[_i].code, codes_class_name(ci->cls));
}
END_TEST

/* Every SIA code named in the protocol notes, with class and qualifier. */
static const struct {
	const char		*code;
	enum event_class	 cls;
	enum event_qual		 qual;
} notes_sia[] = {
	{ "BA", EVC_BURGLARY, EVQ_NEW }, { "BR", EVC_BURGLARY, EVQ_RESTORE },
	{ "FA", EVC_FIRE, EVQ_NEW }, { "FR", EVC_FIRE, EVQ_RESTORE },
	{ "PA", EVC_PANIC, EVQ_NEW }, { "PR", EVC_PANIC, EVQ_RESTORE },
	{ "HA", EVC_PANIC, EVQ_NEW }, { "MA", EVC_MEDICAL, EVQ_NEW },
	{ "TA", EVC_TAMPER, EVQ_NEW }, { "TR", EVC_TAMPER, EVQ_RESTORE },
	{ "AT", EVC_TROUBLE, EVQ_NEW }, { "AR", EVC_TROUBLE, EVQ_RESTORE },
	{ "YT", EVC_TROUBLE, EVQ_NEW }, { "YR", EVC_TROUBLE, EVQ_RESTORE },
	{ "OP", EVC_OPENCLOSE, EVQ_NEW }, { "CL", EVC_OPENCLOSE, EVQ_RESTORE },
	{ "RP", EVC_TEST, EVQ_NEW }, { "RX", EVC_TEST, EVQ_NEW },
	{ "YC", EVC_TROUBLE, EVQ_NEW }, { "YK", EVC_TROUBLE, EVQ_RESTORE },
	{ "UA", EVC_BURGLARY, EVQ_NEW }, { "WA", EVC_OTHER, EVQ_NEW },
	{ "GA", EVC_FIRE, EVQ_NEW }, { "KA", EVC_FIRE, EVQ_NEW },
	{ "BB", EVC_OTHER, EVQ_NEW }, { "BU", EVC_OTHER, EVQ_RESTORE },
	{ "JA", EVC_TAMPER, EVQ_NEW },
};

START_TEST(test_sia_notes_classes)
{
	const struct code_info	*ci;

	ci = codes_sia(notes_sia[_i].code);
	ck_assert_msg(ci != NULL, "SIA %s missing", notes_sia[_i].code);
	ck_assert_msg(ci->cls == notes_sia[_i].cls, "SIA %s class %s",
	    notes_sia[_i].code, codes_class_name(ci->cls));
	ck_assert_msg(ci->qual == notes_sia[_i].qual, "SIA %s qual %s",
	    notes_sia[_i].code, codes_qual_name(ci->qual));
}
END_TEST

START_TEST(test_unit)
{
	ck_assert_int_eq(codes_sia("OP")->unit, CODE_UNIT_USER);
	ck_assert_int_eq(codes_sia("CL")->unit, CODE_UNIT_USER);
	ck_assert_int_eq(codes_sia("JA")->unit, CODE_UNIT_USER);
	ck_assert_int_eq(codes_sia("BA")->unit, CODE_UNIT_ZONE);
	ck_assert_int_eq(codes_sia("FA")->unit, CODE_UNIT_ZONE);
	ck_assert_int_eq(codes_sia("NL")->unit, CODE_UNIT_AREA);
	ck_assert_int_eq(codes_sia("CG")->unit, CODE_UNIT_AREA);
	ck_assert_int_eq(codes_sia("OG")->unit, CODE_UNIT_AREA);
	ck_assert_int_eq(codes_sia("NF")->unit, CODE_UNIT_AREA);
	ck_assert_int_eq(codes_cid(401)->unit, CODE_UNIT_USER);
	ck_assert_int_eq(codes_cid(121)->unit, CODE_UNIT_USER);
	ck_assert_int_eq(codes_cid(130)->unit, CODE_UNIT_ZONE);
	ck_assert_int_eq(codes_cid(409)->unit, CODE_UNIT_ZONE);
}
END_TEST

START_TEST(test_priorities)
{
	ck_assert_int_eq(codes_sia("FA")->priority, 1);
	ck_assert_int_eq(codes_sia("FR")->priority, 2);
	ck_assert_int_eq(codes_sia("BA")->priority, 2);
	ck_assert_int_eq(codes_sia("BR")->priority, 3);
	ck_assert_int_eq(codes_sia("TA")->priority, 3);
	ck_assert_int_eq(codes_sia("AT")->priority, 5);
	ck_assert_int_eq(codes_sia("OP")->priority, 8);
	ck_assert_int_eq(codes_sia("CL")->priority, 9);
	ck_assert_int_eq(codes_sia("WA")->priority, 6);
	ck_assert_int_eq(codes_cid(100)->priority, 1);
	ck_assert_int_eq(codes_cid(130)->priority, 2);
	ck_assert_int_eq(codes_cid(602)->priority, 8);
}
END_TEST

START_TEST(test_lookup_misses)
{
	ck_assert_ptr_null(codes_sia(NULL));
	ck_assert_ptr_null(codes_sia(""));
	ck_assert_ptr_null(codes_sia("B"));
	ck_assert_ptr_null(codes_sia("BAA"));
	ck_assert_ptr_null(codes_sia("ba"));
	ck_assert_ptr_null(codes_sia("QQ"));
	ck_assert_ptr_null(codes_cid(-1));
	ck_assert_ptr_null(codes_cid(0));
	ck_assert_ptr_null(codes_cid(160));
	ck_assert_ptr_null(codes_cid(1000));
	ck_assert_ptr_null(codes_cid(1130));
	ck_assert_str_eq(codes_sia("BA")->text, "Burglary alarm");
	ck_assert_str_eq(codes_cid(131)->text, "Burglary - perimeter");
	ck_assert_str_eq(codes_cid(654)->code, "654");
}
END_TEST

START_TEST(test_class_names)
{
	static const char *const names[] = { "other", "burglary", "fire",
	    "panic", "medical", "tamper", "trouble", "supervisory",
	    "openclose", "test", "patrol", "threat" };
	int	 i;

	for (i = 0; i < EVC_COUNT; i++) {
		ck_assert_str_eq(codes_class_name(i), names[i]);
		ck_assert_int_eq(codes_class_parse(names[i]), i);
	}
	ck_assert_int_eq(codes_class_parse("Fire"), -1);
	ck_assert_int_eq(codes_class_parse(""), -1);
	ck_assert_int_eq(codes_class_parse(NULL), -1);
	ck_assert_int_eq(codes_class_parse("fire "), -1);
	ck_assert_str_eq(codes_class_name(EVC_COUNT), "other");
	ck_assert_str_eq(codes_class_name((enum event_class)-3), "other");
}
END_TEST

START_TEST(test_qual_names)
{
	ck_assert_str_eq(codes_qual_name(EVQ_NEW), "new");
	ck_assert_str_eq(codes_qual_name(EVQ_RESTORE), "restore");
	ck_assert_str_eq(codes_qual_name(EVQ_STATUS), "status");
	ck_assert_str_eq(codes_qual_name((enum event_qual)7), "new");
}
END_TEST

/* Every SIA code pair and every CID number resolves without crashing, consistently. */
START_TEST(test_exhaustive_lookup)
{
	const struct code_info	*ci;
	char			 c[3] = { 0 };
	size_t			 n, found = 0;
	int			 i;

	for (c[0] = 'A'; c[0] <= 'Z'; c[0]++)
		for (c[1] = 'A'; c[1] <= 'Z'; c[1]++)
			if ((ci = codes_sia(c)) != NULL) {
				ck_assert_str_eq(ci->code, c);
				found++;
			}
	codes_sia_table(&n);
	ck_assert_uint_eq(found, n);
	found = 0;
	for (i = 0; i < 1000; i++)
		if ((ci = codes_cid(i)) != NULL) {
			ck_assert_int_eq(cid_num(ci->code), i);
			found++;
		}
	codes_cid_table(&n);
	ck_assert_uint_eq(found, n);
}
END_TEST

/* The codes suite. */
static Suite *
codes_suite(void)
{
	Suite	*s = suite_create("codes");
	TCase	*tc = tcase_create("tables");

	tcase_add_test(tc, test_sia_table_sane);
	tcase_add_test(tc, test_cid_table_sane);
	tcase_add_loop_test(tc, test_cid_notes_classes, 0,
	    sizeof(notes_cid) / sizeof(notes_cid[0]));
	tcase_add_loop_test(tc, test_sia_notes_classes, 0,
	    sizeof(notes_sia) / sizeof(notes_sia[0]));
	tcase_add_test(tc, test_unit);
	tcase_add_test(tc, test_priorities);
	tcase_add_test(tc, test_lookup_misses);
	tcase_add_test(tc, test_exhaustive_lookup);
	suite_add_tcase(s, tc);
	tc = tcase_create("names");
	tcase_add_test(tc, test_class_names);
	tcase_add_test(tc, test_qual_names);
	suite_add_tcase(s, tc);
	return s;
}

/* Run the suite; exit non-zero when a test fails. */
int
main(void)
{
	SRunner	*sr = srunner_create(codes_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
