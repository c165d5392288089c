/* check_patrol.c - patrol routes, calendars, shifts and compliance on virtual time (src/patrol.c). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include "patrol.h"

#define SEC	1000LL
#define MIN	(60 * SEC)
#define HOUR	(60 * MIN)
#define PRAGUE	"CET-1CEST,M3.5.0,M10.5.0/3"

/* The example route. */
static const char *const example_route =
    "{\"name\": \"night\", \"site\": 12, \"order\": \"strict\", \"min_round\": 900,"
    " \"checkpoints\": ["
    "  {\"tag\": \"04A1B2C3\", \"name\": \"Gatehouse\"},"
    "  {\"tag\": \"04A1B2C4\", \"name\": \"Warehouse door\", \"min_gap\": 60,"
    "   \"max_gap\": 600, \"tasks\": [\"door locked\", \"no damage\"]},"
    "  {\"tag\": \"04A1B2C5\", \"name\": \"Car park\", \"min_gap\": 60,"
    "   \"max_gap\": 600, \"tasks\": [\"vehicles secured\"]}],"
    " \"schedule\": [{\"days\": \"mon-sun\", \"from\": \"18:00\", \"to\": \"06:00\","
    "  \"rounds\": 2},"
    "  {\"days\": \"sat,sun,holiday\", \"from\": \"06:00\", \"to\": \"18:00\","
    "   \"rounds\": 2}]}";

/* UTC ms of a UTC date and time. */
static int64_t
utc(int y, int mo, int d, int h, int mi)
{
	return (tz_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60) * SEC;
}

/* Parse JSON text, failing the test on a syntax error. */
static json_t *
js(const char *text)
{
	json_error_t	 e;
	json_t		*j = json_loads(text, JSON_DECODE_ANY, &e);

	ck_assert_msg(j != NULL, "bad test JSON: %s", e.text);
	return j;
}

/* A route from JSON text, failing the test if it is refused. */
static struct patrol_route *
route(const char *text)
{
	json_t			*j = js(text);
	char			 err[256] = "";
	struct patrol_route	*r = patrol_route_parse(j, err, sizeof(err));

	ck_assert_msg(r != NULL, "refused: %s", err);
	json_decref(j);
	return r;
}

/* The message patrol_route_parse gives for the example with member set to value (NULL: deleted). */
static const char *
refuse(const char *path, const char *member, const char *value)
{
	static char		 err[256];
	json_t			*doc = js(example_route), *o = doc, *v;
	struct patrol_route	*r;
	char			 key[64];
	const char		*p = path;
	size_t			 n;

	/* path: "" or "checkpoints/1" or "schedule/0". */
	while (*p != '\0') {
		n = strcspn(p, "/");
		snprintf(key, sizeof(key), "%.*s", (int)n, p);
		p += n + (p[n] == '/');
		o = json_is_array(o) ? json_array_get(o, (size_t)strtoul(key, NULL, 10)) :
		    json_object_get(o, key);
	}
	if (value == NULL)
		json_object_del(o, member);
	else {
		ck_assert_ptr_nonnull(v = js(value));
		json_object_set_new(o, member, v);
	}
	err[0] = '\0';
	r = patrol_route_parse(doc, err, sizeof(err));
	ck_assert_msg(r == NULL, "accepted %s.%s = %s", path, member,
	    value ? value : "(deleted)");
	ck_assert_msg(err[0] != '\0', "no message");
	json_decref(doc);
	return err;
}

START_TEST(test_route_example)
{
	struct patrol_route	*r = route(example_route);
	const char *const	*tasks;
	int			 n;

	ck_assert_int_eq(patrol_route_ncheckpoints(r), 3);
	ck_assert_int_eq(patrol_route_find_tag(r, "04a1b2c4"), 1);
	ck_assert_int_eq(patrol_route_find_tag(r, "04A1B2C5"), 2);
	ck_assert_int_eq(patrol_route_find_tag(r, "04A1B2C6"), -1);
	ck_assert_int_eq(patrol_route_find_tag(r, NULL), -1);
	ck_assert_str_eq(patrol_route_cp_name(r, 0), "Gatehouse");
	ck_assert_str_eq(patrol_route_cp_name(r, 3), "");
	ck_assert_str_eq(patrol_route_cp_name(r, -1), "");
	ck_assert_str_eq(patrol_route_cp_tag(r, 2), "04A1B2C5");
	tasks = patrol_route_cp_tasks(r, 1, &n);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(tasks[1], "no damage");
	ck_assert_ptr_null(tasks[2]);
	tasks = patrol_route_cp_tasks(r, 0, &n);
	ck_assert_int_eq(n, 0);
	ck_assert_ptr_null(tasks[0]);
	ck_assert_str_eq(patrol_route_name(r), "night");
	ck_assert_int_eq(patrol_route_site(r), 12);
	ck_assert_int_eq(patrol_route_order(r), PATROL_ORDER_STRICT);
	ck_assert_int_eq(patrol_route_silent(r), 0);
	patrol_route_free(r);
	patrol_route_free(NULL);
}
END_TEST

START_TEST(test_route_refused)
{
	ck_assert_ptr_nonnull(strstr(refuse("", "name", NULL), "name"));
	ck_assert_ptr_nonnull(strstr(refuse("", "name", "\"\""), "name"));
	ck_assert_ptr_nonnull(strstr(refuse("", "name", "\"a\\nb\""), "name"));
	ck_assert_ptr_nonnull(strstr(refuse("", "name", "\"" "0123456789"
	    "0123456789012345678901234567890123456789012345678901234\""),
	    "name"));
	ck_assert_ptr_nonnull(strstr(refuse("", "site", NULL), "site"));
	ck_assert_ptr_nonnull(strstr(refuse("", "site", "0"), "site"));
	ck_assert_ptr_nonnull(strstr(refuse("", "site", "\"12\""), "site"));
	ck_assert_ptr_nonnull(strstr(refuse("", "order", "\"random\""),
	    "order"));
	ck_assert_ptr_nonnull(strstr(refuse("", "min_round", "-1"),
	    "min_round"));
	ck_assert_ptr_nonnull(strstr(refuse("", "min_round", "86401"),
	    "min_round"));
	ck_assert_ptr_nonnull(strstr(refuse("", "min_round", "1.5"),
	    "min_round"));
	ck_assert_ptr_nonnull(strstr(refuse("", "max_round", "900"),
	    "max_round"));
	ck_assert_ptr_nonnull(strstr(refuse("", "silent", "true"), "silent"));
	ck_assert_ptr_nonnull(strstr(refuse("", "colour", "1"), "colour"));
	ck_assert_ptr_nonnull(strstr(refuse("", "checkpoints", "[]"),
	    "checkpoints"));
	ck_assert_ptr_nonnull(strstr(refuse("", "checkpoints", "{}"),
	    "checkpoints"));
	ck_assert_ptr_nonnull(strstr(refuse("", "schedule", "[]"),
	    "schedule"));
	ck_assert_ptr_nonnull(strstr(refuse("", "schedule", NULL),
	    "schedule"));
}
END_TEST

START_TEST(test_route_refused_members)
{
	ck_assert_ptr_nonnull(strstr(refuse("checkpoints/1", "max_gpa", "5"),
	    "checkpoints[1].max_gpa"));
	ck_assert_ptr_nonnull(strstr(refuse("checkpoints/1", "tag", "\"04A1B2C3\""),
	    "checkpoints[1].tag"));
	ck_assert_ptr_nonnull(strstr(refuse("checkpoints/2", "tag", "\"04a1b2c3\""),
	    "checkpoints[2].tag"));
	ck_assert_ptr_nonnull(strstr(refuse("checkpoints/1", "tag", "\"04 A1\""),
	    "checkpoints[1].tag"));
	ck_assert_ptr_nonnull(strstr(refuse("checkpoints/1", "tag", "\"\""),
	    "checkpoints[1].tag"));
	ck_assert_ptr_nonnull(strstr(refuse("checkpoints/1", "tag",
	    "\"0123456789abcdef0123456789abcdef0\""), "checkpoints[1].tag"));
	ck_assert_ptr_nonnull(strstr(refuse("checkpoints/0", "name", NULL),
	    "checkpoints[0].name"));
	ck_assert_ptr_nonnull(strstr(refuse("checkpoints/1", "min_gap", "600"),
	    "checkpoints[1].min_gap"));
	ck_assert_ptr_nonnull(strstr(refuse("checkpoints/1", "max_gap", "-5"),
	    "checkpoints[1].max_gap"));
	ck_assert_ptr_nonnull(strstr(refuse("checkpoints/1", "tasks", "[1]"),
	    "checkpoints[1].tasks[0]"));
	ck_assert_ptr_nonnull(strstr(refuse("checkpoints/1", "tasks", "\"x\""),
	    "checkpoints[1].tasks"));
	ck_assert_ptr_nonnull(strstr(refuse("checkpoints/1", "windows",
	    "[\"18:00-18:30\"]"), "checkpoints[1].windows"));
	ck_assert_ptr_nonnull(strstr(refuse("schedule/0", "days", "\"mon-xyz\""),
	    "schedule[0].days"));
	ck_assert_ptr_nonnull(strstr(refuse("schedule/0", "days", "\"\""),
	    "schedule[0].days"));
	ck_assert_ptr_nonnull(strstr(refuse("schedule/0", "days", "\"mon,,tue\""),
	    "schedule[0].days"));
	ck_assert_ptr_nonnull(strstr(refuse("schedule/0", "days", "7"),
	    "schedule[0].days"));
	ck_assert_ptr_nonnull(strstr(refuse("schedule/0", "from", "\"24:00\""),
	    "schedule[0].from"));
	ck_assert_ptr_nonnull(strstr(refuse("schedule/0", "to", "\"6:00\""),
	    "schedule[0].to"));
	ck_assert_ptr_nonnull(strstr(refuse("schedule/0", "rounds", "49"),
	    "schedule[0].rounds"));
	ck_assert_ptr_nonnull(strstr(refuse("schedule/0", "rounds", NULL),
	    "schedule[0].rounds"));
	ck_assert_ptr_nonnull(strstr(refuse("schedule/1", "every", "1"),
	    "schedule[1].every"));
}
END_TEST

/* A windows route: two rounds a night, each checkpoint with a window per round. */
static const char *const windows_route =
    "{\"name\": \"timed\", \"site\": 3, \"order\": \"windows\","
    " \"checkpoints\": ["
    "  {\"tag\": \"A\", \"name\": \"Gate\", \"windows\": [\"22:00-22:15\", \"02:00-02:15\"]},"
    "  {\"tag\": \"B\", \"name\": \"Yard\", \"windows\": [\"22:15-22:40\", \"02:15-02:40\"]}],"
    " \"schedule\": [{\"days\": \"mon-sun\", \"from\": \"20:00\", \"to\": \"04:00\", \"rounds\": 2}]}";

START_TEST(test_route_windows)
{
	struct patrol_route	*r = route(windows_route);
	json_t			*doc;
	char			 err[256];

	ck_assert_int_eq(patrol_route_order(r), PATROL_ORDER_WINDOWS);
	patrol_route_free(r);
	/* One window too few for the two rounds. */
	doc = js(windows_route);
	json_array_remove(json_object_get(json_array_get(json_object_get(doc,
	    "checkpoints"), 1), "windows"), 1);
	ck_assert_ptr_null(patrol_route_parse(doc, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "checkpoints[1].windows"));
	json_decref(doc);
	/* A window straddling the shift's end. */
	doc = js(windows_route);
	json_array_set_new(json_object_get(json_array_get(json_object_get(doc,
	    "checkpoints"), 1), "windows"), 1, json_string("03:50-04:10"));
	ck_assert_ptr_null(patrol_route_parse(doc, err, sizeof(err)));
	json_decref(doc);
	/* Windows are required with order windows. */
	doc = js(windows_route);
	json_object_del(json_array_get(json_object_get(doc, "checkpoints"), 0),
	    "windows");
	ck_assert_ptr_null(patrol_route_parse(doc, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "checkpoints[0].windows"));
	json_decref(doc);
	doc = js(windows_route);
	json_array_set_new(json_object_get(json_array_get(json_object_get(doc,
	    "checkpoints"), 0), "windows"), 0, json_string("22:00-22:00"));
	ck_assert_ptr_null(patrol_route_parse(doc, err, sizeof(err)));
	json_decref(doc);
	ck_assert_ptr_null(patrol_route_parse(NULL, err, sizeof(err)));
	doc = js("[1, 2]");
	ck_assert_ptr_null(patrol_route_parse(doc, err, sizeof(err)));
	json_decref(doc);
}
END_TEST

START_TEST(test_calendar)
{
	struct patrol_calendar	*cal = patrol_calendar_new();

	ck_assert_int_eq(patrol_calendar_has(cal, 2027, 12, 24), 0);
	ck_assert_int_eq(patrol_calendar_add(cal, "2027-12-24"), 0);
	ck_assert_int_eq(patrol_calendar_add(cal, "2027-12-24"), 0);
	ck_assert_int_eq(patrol_calendar_add(cal, "2027-01-01"), 0);
	ck_assert_int_eq(patrol_calendar_add(cal, "2028-02-29"), 0);
	ck_assert_int_eq(patrol_calendar_add(cal, "2027-02-29"), -1);
	ck_assert_int_eq(patrol_calendar_add(cal, "2027-13-01"), -1);
	ck_assert_int_eq(patrol_calendar_add(cal, "2027-12-32"), -1);
	ck_assert_int_eq(patrol_calendar_add(cal, "2027-1-01"), -1);
	ck_assert_int_eq(patrol_calendar_add(cal, "2027-01-01 "), -1);
	ck_assert_int_eq(patrol_calendar_add(cal, "2027/01/01"), -1);
	ck_assert_int_eq(patrol_calendar_add(cal, "+027-01-01"), -1);
	ck_assert_int_eq(patrol_calendar_add(cal, ""), -1);
	ck_assert_int_eq(patrol_calendar_add(cal, NULL), -1);
	ck_assert_int_eq(patrol_calendar_has(cal, 2027, 12, 24), 1);
	ck_assert_int_eq(patrol_calendar_has(cal, 2027, 1, 1), 1);
	ck_assert_int_eq(patrol_calendar_has(cal, 2028, 2, 29), 1);
	ck_assert_int_eq(patrol_calendar_has(cal, 2027, 12, 25), 0);
	ck_assert_int_eq(patrol_calendar_has(NULL, 2027, 12, 24), 0);
	patrol_calendar_free(cal);
	patrol_calendar_free(NULL);
}
END_TEST

/* The shifts of the example route in Prague over [from, to). */
static int
shifts(const struct patrol_calendar *cal, int64_t from, int64_t to,
    struct patrol_shift *out, int max)
{
	struct patrol_route	*r = route(example_route);
	struct tz_rule		*tz = tz_parse(PRAGUE, NULL, 0);
	int			 n;

	n = patrol_shifts(r, tz, cal, from, to, out, max);
	patrol_route_free(r);
	tz_free(tz);
	return n;
}

START_TEST(test_shifts_dst)
{
	struct patrol_shift	sh[8];
	int			n;

	/* Saturday 27 March 2027 18:00 CET -> Sunday 06:00 CEST: 11 hours. */
	n = shifts(NULL, utc(2027, 3, 27, 12, 0), utc(2027, 3, 27, 18, 0), sh, 8);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(sh[0].rule, 1);		/* Saturday's day shift */
	ck_assert_int_eq(sh[0].start_ms, utc(2027, 3, 27, 5, 0));
	ck_assert_int_eq(sh[1].rule, 0);
	ck_assert_int_eq(sh[1].start_ms, utc(2027, 3, 27, 17, 0));
	ck_assert_int_eq(sh[1].end_ms, utc(2027, 3, 28, 4, 0));
	ck_assert_int_eq(sh[1].end_ms - sh[1].start_ms, 11 * HOUR);
	ck_assert_int_eq(sh[1].day, 27);
	ck_assert_int_eq(sh[1].rounds, 2);
	/* Saturday 30 October 18:00 CEST -> Sunday 06:00 CET: 13 hours. */
	n = shifts(NULL, utc(2027, 10, 30, 17, 0), utc(2027, 10, 30, 17, 1),
	    sh, 8);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(sh[0].start_ms, utc(2027, 10, 30, 16, 0));
	ck_assert_int_eq(sh[0].end_ms, utc(2027, 10, 31, 5, 0));
	ck_assert_int_eq(sh[0].end_ms - sh[0].start_ms, 13 * HOUR);
}
END_TEST

START_TEST(test_shifts_holiday)
{
	struct patrol_calendar	*cal = patrol_calendar_new();
	struct patrol_shift	 sh[8];
	int			 n;

	/* Wednesday 17 November 2027: only the night shift... */
	n = shifts(cal, utc(2027, 11, 17, 0, 0), utc(2027, 11, 17, 23, 0), sh, 8);
	ck_assert_int_eq(n, 2);		/* Tuesday's night, Wednesday's night */
	ck_assert_int_eq(sh[0].rule, 0);
	ck_assert_int_eq(sh[1].rule, 0);
	/* ...unless it is a holiday: then the day-shift entry applies too. */
	ck_assert_int_eq(patrol_calendar_add(cal, "2027-11-17"), 0);
	n = shifts(cal, utc(2027, 11, 17, 0, 0), utc(2027, 11, 17, 23, 0), sh, 8);
	ck_assert_int_eq(n, 3);
	ck_assert_int_eq(sh[1].rule, 1);
	ck_assert_int_eq(sh[1].start_ms, utc(2027, 11, 17, 5, 0));
	ck_assert_int_eq(sh[1].end_ms, utc(2027, 11, 17, 17, 0));
	ck_assert_int_eq(sh[1].day, 17);
	/* A full week: 7 nights + Saturday's and Sunday's days + the holiday. */
	n = shifts(cal, utc(2027, 11, 15, 0, 0), utc(2027, 11, 22, 0, 0), sh, 8);
	ck_assert_int_eq(n, 8 + 3);	/* Sunday 14th's night overlaps too */
	ck_assert_int_eq(sh[7].start_ms, utc(2027, 11, 20, 5, 0));
	/* Bad arguments. */
	ck_assert_int_eq(shifts(cal, 10, 5, sh, 8), -1);
	ck_assert_int_eq(shifts(cal, 0, 3000LL * 86400 * SEC, sh, 8), -1);
	patrol_calendar_free(cal);
}
END_TEST

static Suite *
patrol_suite(void)
{
	Suite	*s = suite_create("patrol");
	TCase	*tc = tcase_create("route");

	tcase_add_test(tc, test_route_example);
	tcase_add_test(tc, test_route_refused);
	tcase_add_test(tc, test_route_refused_members);
	tcase_add_test(tc, test_route_windows);
	tcase_add_test(tc, test_calendar);
	tcase_add_test(tc, test_shifts_dst);
	tcase_add_test(tc, test_shifts_holiday);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(patrol_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
