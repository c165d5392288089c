/* check_text.c - panel text into UTF-8, and extended data as the operator sees it. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include "text.h"
#include "xdata.h"

/* in (n bytes) converted in cs, as a string. */
static const char *
conv(const char *in, size_t n, enum text_charset cs)
{
	static char	out[256];

	text_to_utf8(in, n, cs, out, sizeof(out));
	return out;
}

START_TEST(utf8_is_kept)
{
	ck_assert_str_eq(conv("Front door", 10, TEXT_CP1252), "Front door");
	/* "Vchodové dveře" in UTF-8 stays as it is in either charset. */
	ck_assert_str_eq(conv("Vchodov\xc3\xa9 dve\xc5\x99\x65", 16, TEXT_CP1250),
	    "Vchodov\xc3\xa9 dve\xc5\x99\x65");
	ck_assert_int_eq(text_is_utf8("\xe2\x82\xac", 3), 1);
	ck_assert_int_eq(text_is_utf8("\xc0\xaf", 2), 0);	/* overlong */
	ck_assert_int_eq(text_is_utf8("\xed\xa0\x80", 3), 0);	/* surrogate */
	ck_assert_int_eq(text_is_utf8("\xe2\x82", 2), 0);	/* cut short */
}
END_TEST

START_TEST(windows_code_pages)
{
	/* 0x80 is the euro sign in cp1252; 0xE9 e-acute in both. */
	ck_assert_str_eq(conv("\x80 5 caf\xe9", 8, TEXT_CP1252),
	    "\xe2\x82\xac 5 caf\xc3\xa9");
	/* "dveře" in cp1250: 0xF8 is r-caron; in cp1252 it is o-slash. */
	ck_assert_str_eq(conv("dve\xf8\x65", 5, TEXT_CP1250),
	    "dve\xc5\x99\x65");
	ck_assert_str_eq(conv("dve\xf8\x65", 5, TEXT_CP1252),
	    "dve\xc3\xb8\x65");
	/* A byte with no character in the page becomes U+FFFD. */
	ck_assert_str_eq(conv("\x81", 1, TEXT_CP1252), "\xef\xbf\xbd");
}
END_TEST

START_TEST(controls_and_truncation)
{
	char	out[6];

	ck_assert_str_eq(conv("a\tb\x7f" "c\n", 6, TEXT_CP1252), "a b c ");
	/* Cut at a character boundary, never inside one. */
	ck_assert_uint_eq(text_to_utf8("ab\xe9\xe9", 4, TEXT_CP1252, out,
	    sizeof(out)), 4);
	ck_assert_str_eq(out, "ab\xc3\xa9");
	ck_assert_uint_eq(text_to_utf8("abc", 3, TEXT_CP1252, out, 1), 0);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(text_charset_parse("CP1250"), TEXT_CP1250);
	ck_assert_int_eq(text_charset_parse("latin2"), -1);
}
END_TEST

/* The JSON text of xdata_json(s), or "(null)". */
static char *
xd(const char *s, enum text_charset cs)
{
	static char	buf[1024];
	json_t		*o = xdata_json(s, strlen(s), cs);
	char		*d;

	if (o == NULL)
		return strcpy(buf, "(null)");
	d = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	snprintf(buf, sizeof(buf), "%s", d);
	free(d);
	json_decref(o);
	return buf;
}

START_TEST(extended_data)
{
	ck_assert_str_eq(xd("", TEXT_CP1252), "(null)");
	ck_assert_str_eq(xd("[Vhttps://cam.example/1.jpg][Vrtsp://cam/2]"
	    "[X14.4378][Y50.0755][RKitchen][IJan Nov\xe1k]", TEXT_CP1250),
	    "{\"location\":{\"latitude\":\"50.0755\",\"longitude\":\"14.4378\"},"
	    "\"room\":\"Kitchen\",\"user_name\":\"Jan Nov\xc3\xa1k\","
	    "\"verification\":[\"https://cam.example/1.jpg\",\"rtsp://cam/2\"]}");
	/* Unknown letters are kept; a key change never is. */
	ck_assert_str_eq(xd("[P12][K00112233445566778899AABBCCDDEEFF]",
	    TEXT_CP1252), "{\"other\":{\"P\":\"12\"}}");
	/* Malformed tails and empty fields are passed over. */
	ck_assert_str_eq(xd("[][M001122334455][Vhttp://x", TEXT_CP1252),
	    "{\"mac\":\"001122334455\"}");
}
END_TEST

/* text_utf8_fix: valid UTF-8 kept, each bad byte and NUL a U+FFFD. */
START_TEST(utf8_fix)
{
	size_t	 n;
	char	*s;

	s = text_utf8_fix("P\xc5\x99\xc3\xad" "bram", 9, &n);
	ck_assert_str_eq(s, "P\xc5\x99\xc3\xad" "bram");
	ck_assert_uint_eq(n, 9);
	free(s);
	/* cp1250 "\xf8" (r-caron), a cut sequence, a NUL inside */
	s = text_utf8_fix("\xf8" "a\xc5" "\0" "b\xe2\x82", 7, &n);
	ck_assert_str_eq(s, "\xef\xbf\xbd" "a" "\xef\xbf\xbd" "\xef\xbf\xbd"
	    "b" "\xef\xbf\xbd" "\xef\xbf\xbd");
	ck_assert_uint_eq(n, strlen(s));
	ck_assert_int_eq(text_is_utf8(s, n), 1);
	free(s);
	s = text_utf8_fix("", 0, NULL);
	ck_assert_str_eq(s, "");
	free(s);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("text");
	TCase	*tc = tcase_create("text");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, utf8_is_kept);
	tcase_add_test(tc, windows_code_pages);
	tcase_add_test(tc, controls_and_truncation);
	tcase_add_test(tc, utf8_fix);
	tcase_add_test(tc, extended_data);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
