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

/* ---- compliance ---- */

/* A route, a shift of it in Prague, and the scans made so far. */
struct scen {
	struct patrol_route	*r;
	struct tz_rule		*tz;
	struct patrol_calendar	*cal;
	struct patrol_shift	 sh;
	struct patrol_scan	 sc[256];
	size_t			 n;
	int64_t			 guard;
};

/* Local Prague time on y-mo-d (h may run past 24) as UTC ms. */
static int64_t
L(const struct scen *s, int y, int mo, int d, int h, int mi)
{
	return tz_from_local(s->tz, y, mo, d, h * 3600 + mi * 60);
}

/* The scenario: route text, and its shift of rule `rule` starting on local y-mo-d. */
static void
scen_init(struct scen *s, const char *text, int y, int mo, int d, int rule)
{
	struct patrol_shift	sh[8];
	int			n, i;
	int64_t			noon;

	memset(s, 0, sizeof(*s));
	s->r = route(text);
	s->tz = tz_parse(PRAGUE, NULL, 0);
	s->cal = patrol_calendar_new();
	s->guard = 7;
	noon = tz_from_local(s->tz, y, mo, d, 12 * 3600);
	n = patrol_shifts(s->r, s->tz, s->cal, noon - 12 * HOUR, noon + 12 * HOUR,
	    sh, 8);
	for (i = 0; i < n && i < 8; i++)
		if (sh[i].rule == rule && sh[i].day == d) {
			s->sh = sh[i];
			return;
		}
	ck_abort_msg("no shift of rule %d on %d-%d-%d", rule, y, mo, d);
}

static void
scen_free(struct scen *s)
{
	patrol_route_free(s->r);
	tz_free(s->tz);
	patrol_calendar_free(s->cal);
}

/* A scan of checkpoint cp made at t, received at recv. */
static void
scan_recv(struct scen *s, int64_t t, int cp, int64_t recv)
{
	ck_assert_uint_lt(s->n, 256);
	s->sc[s->n].id = (int64_t)s->n + 1;
	s->sc[s->n].scan_ms = t;
	s->sc[s->n].recv_ms = recv;
	s->sc[s->n].cp = cp;
	s->sc[s->n].guard_id = s->guard;
	s->n++;
}

/* A scan of checkpoint cp at t, received at once. */
static void
scan(struct scen *s, int64_t t, int cp)
{
	scan_recv(s, t, cp, t);
}

/* A round of the 3-checkpoint example from t: gaps of 8 and 9 minutes. */
static void
walk3(struct scen *s, int64_t t)
{
	scan(s, t, 0);
	scan(s, t + 8 * MIN, 1);
	scan(s, t + 17 * MIN, 2);
}

/* Evaluate the scans received by now (all of them if all is set). */
static void
eval_at(struct scen *s, int64_t now, int all, struct patrol_result *res)
{
	struct patrol_scan	v[256];
	size_t			i, n = 0;

	for (i = 0; i < s->n; i++)
		if (all || s->sc[i].recv_ms <= now)
			v[n++] = s->sc[i];
	ck_assert_int_eq(patrol_evaluate(s->r, &s->sh, v, n, now, res), 0);
}

/* The keys of the findings, space-separated (a static buffer). */
static const char *
keys(const struct patrol_result *res)
{
	static char	buf[4096];
	size_t		len = 0;
	int		i;

	buf[0] = '\0';
	for (i = 0; i < res->nfindings && len + 64 < sizeof(buf); i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s",
		    i ? " " : "", res->findings[i].key);
	return buf;
}

/* The finding with key, NULL none. */
static const struct patrol_finding *
finding(const struct patrol_result *res, const char *key)
{
	int	i;

	for (i = 0; i < res->nfindings; i++)
		if (strcmp(res->findings[i].key, key) == 0)
			return &res->findings[i];
	return NULL;
}

START_TEST(test_night_walked)
{
	struct scen		s;
	struct patrol_result	res;

	/* Friday 15 January 2027: 18:00-06:00, slots 18-00 and 00-06. */
	scen_init(&s, example_route, 2027, 1, 15, 0);
	ck_assert_int_eq(s.sh.start_ms, L(&s, 2027, 1, 15, 18, 0));
	walk3(&s, L(&s, 2027, 1, 15, 18, 30));
	walk3(&s, L(&s, 2027, 1, 16, 1, 0));
	/* Half-way: round 1 complete, round 2 still to come. */
	eval_at(&s, L(&s, 2027, 1, 15, 20, 0), 0, &res);
	ck_assert_str_eq(keys(&res), "");
	ck_assert_int_eq(res.nrounds, 2);
	ck_assert_int_eq(res.rounds[0].state, PATROL_ROUND_COMPLETE);
	ck_assert_int_eq(res.rounds[0].start_ms, L(&s, 2027, 1, 15, 18, 30));
	ck_assert_int_eq(res.rounds[0].end_ms, L(&s, 2027, 1, 15, 18, 47));
	ck_assert_int_eq(res.rounds[0].guard_id, 7);
	ck_assert_int_eq(res.rounds[0].visits[2], PATROL_VISIT_ON_TIME);
	ck_assert_int_eq(res.rounds[1].state, PATROL_ROUND_PENDING);
	ck_assert_int_eq(res.rounds[1].slot_from_ms, L(&s, 2027, 1, 16, 0, 0));
	ck_assert_int_eq(res.next_due_ms, L(&s, 2027, 1, 16, 6, 0));
	ck_assert_int_eq(res.next_cp, 0);
	ck_assert_int_eq(res.next_cp_by_ms, L(&s, 2027, 1, 16, 6, 0));
	patrol_result_free(&res);
	/* In the middle of round 2: the car park is due 10 min after the door. */
	eval_at(&s, L(&s, 2027, 1, 16, 1, 10), 0, &res);
	ck_assert_int_eq(res.rounds[1].state, PATROL_ROUND_ACTIVE);
	ck_assert_int_eq(res.next_cp, 2);
	ck_assert_int_eq(res.next_cp_by_ms, L(&s, 2027, 1, 16, 1, 18) + 1);
	ck_assert_int_eq(res.next_due_ms, L(&s, 2027, 1, 16, 1, 18) + 1);
	patrol_result_free(&res);
	/* The end: nothing wrong, both rounds complete, nothing more due. */
	eval_at(&s, s.sh.end_ms, 0, &res);
	ck_assert_str_eq(keys(&res), "");
	ck_assert_int_eq(res.walked, 2);
	ck_assert_int_eq(res.complete, 2);
	ck_assert_int_eq(res.extra_scans, 0);
	ck_assert_int_eq(res.next_due_ms, 0);
	ck_assert_int_eq(res.next_cp, -1);
	patrol_result_free(&res);
	scen_free(&s);
}
END_TEST

/* The whole night walked right on a DST night of y-mo-d lasting hours. */
static void
dst_night(int y, int mo, int d, int hours)
{
	struct scen		s;
	struct patrol_result	res;

	scen_init(&s, example_route, y, mo, d, 0);
	ck_assert_int_eq(s.sh.end_ms - s.sh.start_ms, hours * HOUR);
	ck_assert_int_eq(s.sh.end_ms, L(&s, y, mo, d + 1, 6, 0));
	/* Slot 2 opens half-way in real time, not at local midnight. */
	ck_assert_int_eq(s.sh.start_ms + hours * HOUR / 2,
	    L(&s, y, mo, d, 18, 0) + hours * HOUR / 2);
	walk3(&s, L(&s, y, mo, d, 18, 5));
	walk3(&s, L(&s, y, mo, d + 1, 5, 30));		/* ends 05:47 */
	eval_at(&s, s.sh.end_ms + HOUR, 0, &res);
	ck_assert_str_eq(keys(&res), "");
	ck_assert_int_eq(res.complete, 2);
	ck_assert_int_eq(res.rounds[1].slot_from_ms,
	    s.sh.start_ms + hours * HOUR / 2);
	ck_assert_int_eq(res.rounds[1].slot_to_ms, s.sh.end_ms);
	patrol_result_free(&res);
	scen_free(&s);
}

START_TEST(test_dst_nights)
{
	dst_night(2027, 3, 27, 11);
	dst_night(2027, 10, 30, 13);
}
END_TEST

START_TEST(test_holiday_day_shift)
{
	struct scen		s;
	struct patrol_result	res;
	struct patrol_shift	sh[8];
	int			n, i, found = 0;

	scen_init(&s, example_route, 2027, 11, 16, 0);
	/* Wednesday 17 November 2027 (a Czech holiday) gets the day shift. */
	ck_assert_int_eq(patrol_calendar_add(s.cal, "2027-11-17"), 0);
	n = patrol_shifts(s.r, s.tz, s.cal, L(&s, 2027, 11, 17, 7, 0),
	    L(&s, 2027, 11, 17, 8, 0), sh, 8);
	for (i = 0; i < n; i++)
		if (sh[i].rule == 1) {
			s.sh = sh[i];
			found = 1;
		}
	ck_assert(found);
	ck_assert_int_eq(s.sh.start_ms, L(&s, 2027, 11, 17, 6, 0));
	walk3(&s, L(&s, 2027, 11, 17, 7, 0));
	eval_at(&s, L(&s, 2027, 11, 17, 18, 0), 0, &res);
	ck_assert_str_eq(keys(&res), "r2.missed");
	ck_assert_int_eq(res.complete, 1);
	patrol_result_free(&res);
	scen_free(&s);
}
END_TEST

/* A four-checkpoint strict route with a lone-worker limit of 30 minutes. */
static const char *const four_route =
    "{\"name\": \"four\", \"site\": 1, \"silent\": 1800, \"checkpoints\": ["
    " {\"tag\": \"T1\", \"name\": \"One\"}, {\"tag\": \"T2\", \"name\": \"Two\"},"
    " {\"tag\": \"T3\", \"name\": \"Three\"}, {\"tag\": \"T4\", \"name\": \"Four\"}],"
    " \"schedule\": [{\"days\": \"mon-sun\", \"from\": \"18:00\", \"to\": \"06:00\","
    "  \"rounds\": 2}]}";

START_TEST(test_round_missed)
{
	struct scen		s;
	struct patrol_result	res;

	scen_init(&s, example_route, 2027, 1, 15, 0);
	walk3(&s, L(&s, 2027, 1, 15, 18, 30));
	/* A minute before the end round 2 is still possible. */
	eval_at(&s, s.sh.end_ms - 1, 0, &res);
	ck_assert_str_eq(keys(&res), "");
	ck_assert_int_eq(res.rounds[1].state, PATROL_ROUND_PENDING);
	ck_assert_int_eq(res.next_due_ms, s.sh.end_ms);
	patrol_result_free(&res);
	eval_at(&s, s.sh.end_ms, 0, &res);
	ck_assert_str_eq(keys(&res), "r2.missed");
	ck_assert_int_eq(res.rounds[1].state, PATROL_ROUND_MISSED);
	ck_assert_int_eq(res.findings[0].kind, PATROL_FAIL_ROUND_MISSED);
	ck_assert_int_eq(res.findings[0].round, 2);
	ck_assert_int_eq(res.findings[0].at_ms, s.sh.end_ms);
	ck_assert_str_eq(res.findings[0].text, "Round 2 of 2 not started in its time");
	ck_assert_int_eq(res.walked, 1);
	ck_assert_int_eq(res.complete, 1);
	ck_assert_int_eq(res.next_due_ms, 0);
	patrol_result_free(&res);
	/* Two rounds in slot 1 do not make up for slot 2: the second is a patrol. */
	walk3(&s, L(&s, 2027, 1, 15, 21, 0));
	eval_at(&s, s.sh.end_ms, 0, &res);
	ck_assert_str_eq(keys(&res), "r2.missed");
	ck_assert_int_eq(res.extra_scans, 3);
	patrol_result_free(&res);
	scen_free(&s);
}
END_TEST

START_TEST(test_cp_late)
{
	struct scen		s;
	struct patrol_result	res;
	const struct patrol_finding *f;
	int64_t			t;

	scen_init(&s, example_route, 2027, 1, 15, 0);
	t = L(&s, 2027, 1, 15, 18, 30);
	scan(&s, t, 0);
	scan(&s, t + 8 * MIN, 1);
	/* Exactly max_gap after the door: still on time. */
	eval_at(&s, t + 18 * MIN, 0, &res);
	ck_assert_str_eq(keys(&res), "");
	ck_assert_int_eq(res.next_due_ms, t + 18 * MIN + 1);
	patrol_result_free(&res);
	/* A millisecond later the car park is overdue: alarm now, not on arrival. */
	eval_at(&s, t + 18 * MIN + 1, 0, &res);
	ck_assert_str_eq(keys(&res), "r1.cp3.late");
	f = finding(&res, "r1.cp3.late");
	ck_assert_int_eq(f->kind, PATROL_FAIL_CP_LATE);
	ck_assert_int_eq(f->cp, 2);
	ck_assert_int_eq(f->round, 1);
	ck_assert_int_eq(f->guard_id, 7);
	ck_assert_int_eq(f->at_ms, t + 18 * MIN + 1);
	ck_assert_str_eq(f->text, "Round 1: Car park overdue");
	ck_assert_int_eq(res.rounds[0].state, PATROL_ROUND_ACTIVE);
	patrol_result_free(&res);
	/* The guard turns up 4 minutes late: the same key, the amount in the text. */
	scan(&s, t + 22 * MIN, 2);
	eval_at(&s, t + 23 * MIN, 0, &res);
	ck_assert_str_eq(keys(&res), "r1.cp3.late");
	ck_assert_str_eq(res.findings[0].text, "Round 1: Car park late by 4 min");
	ck_assert_int_eq(res.rounds[0].visits[2], PATROL_VISIT_LATE);
	ck_assert_int_eq(res.rounds[0].state, PATROL_ROUND_COMPLETE);
	ck_assert_int_eq(res.complete, 1);
	patrol_result_free(&res);
	scen_free(&s);
}
END_TEST

START_TEST(test_cp_order_and_skipped)
{
	struct scen		s;
	struct patrol_result	res;
	int64_t			t;

	scen_init(&s, four_route, 2027, 1, 15, 0);
	t = L(&s, 2027, 1, 15, 19, 0);
	scan(&s, t, 0);
	scan(&s, t + 5 * MIN, 2);		/* Two skipped... */
	eval_at(&s, t + 6 * MIN, 0, &res);
	ck_assert_str_eq(keys(&res), "r1.cp2.skipped");
	ck_assert_int_eq(res.rounds[0].visits[1], PATROL_VISIT_SKIPPED);
	ck_assert_int_eq(res.next_cp, 3);
	patrol_result_free(&res);
	scan(&s, t + 8 * MIN, 1);		/* ...then visited out of order */
	scan(&s, t + 12 * MIN, 3);
	eval_at(&s, t + 13 * MIN, 0, &res);
	ck_assert_str_eq(keys(&res), "r1.cp2.order");
	ck_assert_int_eq(res.rounds[0].visits[1], PATROL_VISIT_ORDER);
	ck_assert_int_eq(res.rounds[0].state, PATROL_ROUND_COMPLETE);
	ck_assert_str_eq(res.findings[0].text, "Round 1: Two visited out of order");
	patrol_result_free(&res);
	scen_free(&s);
	/* The example's three: 1, 3 ends the round with 2 skipped. */
	scen_init(&s, example_route, 2027, 1, 15, 0);
	t = L(&s, 2027, 1, 15, 19, 0);
	scan(&s, t, 0);
	scan(&s, t + 9 * MIN, 2);
	scan(&s, t + 12 * MIN, 1);		/* after the round: a patrol scan */
	eval_at(&s, t + 13 * MIN, 0, &res);
	ck_assert_str_eq(keys(&res), "r1.cp2.skipped r1.incomplete");
	ck_assert_str_eq(finding(&res, "r1.incomplete")->text,
	    "Round 1 incomplete: 2 of 3 checkpoints visited");
	ck_assert_int_eq(res.rounds[0].state, PATROL_ROUND_INCOMPLETE);
	ck_assert_int_eq(res.extra_scans, 1);
	ck_assert_int_eq(res.complete, 0);
	ck_assert_int_eq(res.walked, 1);
	patrol_result_free(&res);
	scen_free(&s);
}
END_TEST

START_TEST(test_cp_fast_and_short)
{
	struct scen		s;
	struct patrol_result	res;
	int64_t			t;

	scen_init(&s, example_route, 2027, 1, 15, 0);
	t = L(&s, 2027, 1, 15, 19, 0);
	scan(&s, t, 0);
	scan(&s, t + 30 * SEC, 1);		/* nobody walks it in 30 s */
	scan(&s, t + 30 * SEC + 9 * MIN, 2);
	eval_at(&s, t + 18 * MIN, 0, &res);
	/* ...and the round is then too short as well. */
	ck_assert_str_eq(keys(&res), "r1.cp2.fast r1.short");
	ck_assert_str_eq(res.findings[0].text, "Round 1: Warehouse door reached "
	    "30 s after the previous checkpoint (at least 1 min to walk)");
	ck_assert_int_eq(res.rounds[0].visits[1], PATROL_VISIT_FAST);
	patrol_result_free(&res);
	scen_free(&s);
	/* Every gap allowed, but 10 minutes in all is under min_round (15). */
	scen_init(&s, example_route, 2027, 1, 15, 0);
	scan(&s, t, 0);
	scan(&s, t + 5 * MIN, 1);
	scan(&s, t + 10 * MIN, 2);
	eval_at(&s, t + 11 * MIN, 0, &res);
	ck_assert_str_eq(keys(&res), "r1.short");
	ck_assert_str_eq(res.findings[0].text, "Round 1 walked in 10 min (at "
	    "least 15 min)");
	ck_assert_int_eq(res.rounds[0].state, PATROL_ROUND_SHORT);
	ck_assert_int_eq(res.complete, 0);
	ck_assert_int_eq(res.walked, 1);
	patrol_result_free(&res);
	scen_free(&s);
}
END_TEST

START_TEST(test_guard_silent)
{
	struct scen		s;
	struct patrol_result	res;
	int64_t			t;

	scen_init(&s, four_route, 2027, 1, 15, 0);
	t = L(&s, 2027, 1, 15, 19, 0);
	scan(&s, t, 0);
	scan(&s, t + 5 * MIN, 1);
	eval_at(&s, t + 35 * MIN, 0, &res);
	ck_assert_str_eq(keys(&res), "");
	ck_assert_int_eq(res.next_due_ms, t + 35 * MIN + 1);
	patrol_result_free(&res);
	eval_at(&s, t + 35 * MIN + 1, 0, &res);
	ck_assert_str_eq(keys(&res), "guard7.silent");
	ck_assert_int_eq(res.findings[0].guard_id, 7);
	ck_assert_int_eq(res.findings[0].at_ms, t + 35 * MIN);
	ck_assert_str_eq(res.findings[0].text, "Guard 7 silent: no check-in for "
	    "more than 30 min");
	patrol_result_free(&res);
	/* Any scan, even of a tag not on the route, shows the guard is well. */
	scan(&s, t + 40 * MIN, -1);
	eval_at(&s, t + 41 * MIN, 0, &res);
	ck_assert_str_eq(keys(&res), "");
	ck_assert_int_eq(res.extra_scans, 1);
	ck_assert_int_eq(res.next_due_ms, t + 70 * MIN + 1);
	patrol_result_free(&res);
	/* Another guard is judged on their own. */
	s.guard = 9;
	scan(&s, t + 60 * MIN, -1);
	eval_at(&s, t + 95 * MIN, 0, &res);
	ck_assert_str_eq(keys(&res), "guard7.silent guard9.silent");
	patrol_result_free(&res);
	scen_free(&s);
}
END_TEST

START_TEST(test_silent_off_duty)
{
	struct scen		s;
	struct patrol_result	res;
	int64_t			t;

	/* After the last round is done the guard may leave: no silent. */
	scen_init(&s, four_route, 2027, 1, 15, 0);
	t = L(&s, 2027, 1, 15, 19, 0);
	scan(&s, t, 0);
	scan(&s, t + 5 * MIN, 1);
	scan(&s, t + 10 * MIN, 2);
	scan(&s, t + 15 * MIN, 3);
	t = L(&s, 2027, 1, 16, 1, 0);
	scan(&s, t, 0);
	scan(&s, t + 5 * MIN, 1);
	scan(&s, t + 10 * MIN, 2);
	scan(&s, t + 15 * MIN, 3);
	eval_at(&s, s.sh.end_ms + HOUR, 0, &res);
	ck_assert_str_eq(keys(&res), "");
	ck_assert_int_eq(res.complete, 2);
	patrol_result_free(&res);
	scen_free(&s);
}
END_TEST

START_TEST(test_late_upload)
{
	struct scen		s;
	struct patrol_result	res;
	int64_t			t, up;

	scen_init(&s, example_route, 2027, 1, 15, 0);
	walk3(&s, L(&s, 2027, 1, 15, 18, 30));
	/* Round 2 walked out of coverage; the device uploads at 06:30. */
	t = L(&s, 2027, 1, 16, 2, 0);
	up = L(&s, 2027, 1, 16, 6, 30);
	scan_recv(&s, t, 0, up);
	scan_recv(&s, t + 8 * MIN, 1, up);
	scan_recv(&s, t + 17 * MIN, 2, up);
	eval_at(&s, s.sh.end_ms, 0, &res);
	ck_assert_str_eq(keys(&res), "r2.missed");
	patrol_result_free(&res);
	/* Judged by scan time: the missed round was walked after all. */
	eval_at(&s, up, 0, &res);
	ck_assert_str_eq(keys(&res), "");
	ck_assert_int_eq(res.complete, 2);
	ck_assert_int_eq(res.rounds[1].start_ms, t);
	patrol_result_free(&res);
	scen_free(&s);
}
END_TEST

START_TEST(test_duplicates)
{
	struct scen		s;
	struct patrol_result	res;
	size_t			i, n;
	int64_t			t;

	scen_init(&s, example_route, 2027, 1, 15, 0);
	walk3(&s, L(&s, 2027, 1, 15, 18, 30));
	walk3(&s, L(&s, 2027, 1, 16, 1, 0));
	/* The same scans again (another id), and a second read 10 s later. */
	n = s.n;
	for (i = 0; i < n; i++)
		scan_recv(&s, s.sc[i].scan_ms + 400, s.sc[i].cp,
		    s.sc[i].recv_ms + MIN);
	t = L(&s, 2027, 1, 15, 18, 30);
	scan(&s, t + 10 * SEC, 0);
	eval_at(&s, s.sh.end_ms, 0, &res);
	ck_assert_str_eq(keys(&res), "");
	ck_assert_int_eq(res.complete, 2);
	ck_assert_int_eq(res.extra_scans, 1);
	patrol_result_free(&res);
	scen_free(&s);
}
END_TEST

START_TEST(test_future_scan)
{
	struct scen		s;
	struct patrol_result	res;
	int64_t			t;

	scen_init(&s, example_route, 2027, 1, 15, 0);
	t = L(&s, 2027, 1, 15, 18, 30);
	scan(&s, t, 0);
	scan(&s, t + 8 * MIN, 1);
	/* A device clock an hour ahead: judged when it arrived. */
	scan_recv(&s, t + 77 * MIN, 2, t + 17 * MIN);
	eval_at(&s, t + 18 * MIN, 0, &res);
	ck_assert_str_eq(keys(&res), "");
	ck_assert_int_eq(res.rounds[0].visit_ms[2], t + 17 * MIN);
	ck_assert_int_eq(res.rounds[0].state, PATROL_ROUND_COMPLETE);
	patrol_result_free(&res);
	/* A device clock in the past, before the shift: not this shift's scan. */
	scan_recv(&s, s.sh.start_ms - HOUR, 0, t + 20 * MIN);
	eval_at(&s, t + 21 * MIN, 0, &res);
	ck_assert_int_eq(res.extra_scans, 0);
	patrol_result_free(&res);
	scen_free(&s);
}
END_TEST

START_TEST(test_round_restart)
{
	struct scen		s;
	struct patrol_result	res;
	int64_t			t;

	/* Round 1 given up after two checkpoints; round 2 starts in its slot. */
	scen_init(&s, four_route, 2027, 1, 15, 0);
	t = L(&s, 2027, 1, 15, 23, 0);
	scan(&s, t, 0);
	scan(&s, t + 5 * MIN, 1);
	t = L(&s, 2027, 1, 16, 0, 30);
	scan(&s, t, 0);
	scan(&s, t + 5 * MIN, 1);
	scan(&s, t + 10 * MIN, 2);
	scan(&s, t + 15 * MIN, 3);
	eval_at(&s, t + 16 * MIN, 0, &res);
	ck_assert_str_eq(keys(&res), "r1.cp3.skipped r1.cp4.skipped "
	    "r1.incomplete");
	ck_assert_int_eq(res.rounds[0].end_ms, t);
	ck_assert_int_eq(res.rounds[1].state, PATROL_ROUND_COMPLETE);
	patrol_result_free(&res);
	scen_free(&s);
}
END_TEST

START_TEST(test_round_timeout)
{
	struct scen		s;
	struct patrol_result	res;
	int64_t			t;

	/* Default time limit: the slot's length (6 hours). */
	scen_init(&s, example_route, 2027, 1, 15, 0);
	t = L(&s, 2027, 1, 15, 18, 30);
	scan(&s, t, 0);
	eval_at(&s, t + 6 * HOUR - 1, 0, &res);
	ck_assert_str_eq(keys(&res), "r1.cp2.late");
	ck_assert_int_eq(res.rounds[0].state, PATROL_ROUND_ACTIVE);
	ck_assert_int_eq(res.next_due_ms, t + 6 * HOUR);
	patrol_result_free(&res);
	eval_at(&s, t + 6 * HOUR, 0, &res);
	/* Overdue since 18:40 and, at the time limit, skipped. */
	ck_assert_str_eq(keys(&res), "r1.cp2.late r1.cp2.skipped "
	    "r1.cp3.skipped r1.incomplete");
	ck_assert_str_eq(res.findings[0].text, "Round 1: Warehouse door overdue");
	ck_assert_int_eq(res.rounds[0].end_ms, t + 6 * HOUR);
	patrol_result_free(&res);
	scen_free(&s);
}
END_TEST

START_TEST(test_windows_order)
{
	struct scen		s;
	struct patrol_result	res;

	/* Friday 15 January 2027, 20:00-04:00; windows 22:00.. and 02:00.. */
	scen_init(&s, windows_route, 2027, 1, 15, 0);
	scan(&s, L(&s, 2027, 1, 15, 22, 5), 0);
	scan(&s, L(&s, 2027, 1, 15, 22, 20), 1);
	scan(&s, L(&s, 2027, 1, 16, 2, 1), 0);
	scan(&s, L(&s, 2027, 1, 16, 2, 30), 1);
	eval_at(&s, s.sh.end_ms, 0, &res);
	ck_assert_str_eq(keys(&res), "");
	ck_assert_int_eq(res.complete, 2);
	ck_assert_int_eq(res.rounds[0].slot_from_ms, L(&s, 2027, 1, 15, 22, 0));
	ck_assert_int_eq(res.rounds[0].slot_to_ms, L(&s, 2027, 1, 15, 22, 15));
	ck_assert_int_eq(res.rounds[1].slot_from_ms, L(&s, 2027, 1, 16, 2, 0));
	patrol_result_free(&res);
	scen_free(&s);
	/* Yard before its window; then in round 2 after it. */
	scen_init(&s, windows_route, 2027, 1, 15, 0);
	scan(&s, L(&s, 2027, 1, 15, 22, 5), 0);
	scan(&s, L(&s, 2027, 1, 15, 22, 10), 1);
	scan(&s, L(&s, 2027, 1, 16, 2, 1), 0);
	eval_at(&s, L(&s, 2027, 1, 16, 2, 40) - 1, 0, &res);
	ck_assert_str_eq(keys(&res), "r1.cp2.early");
	ck_assert_str_eq(res.findings[0].text, "Round 1: Yard visited 5 min "
	    "before its window");
	ck_assert_int_eq(res.next_cp, 1);
	ck_assert_int_eq(res.next_due_ms, L(&s, 2027, 1, 16, 2, 40));
	patrol_result_free(&res);
	eval_at(&s, L(&s, 2027, 1, 16, 2, 40), 0, &res);
	ck_assert_str_eq(keys(&res), "r1.cp2.early r2.cp2.late");
	patrol_result_free(&res);
	scan(&s, L(&s, 2027, 1, 16, 2, 45), 1);
	eval_at(&s, s.sh.end_ms, 0, &res);
	ck_assert_str_eq(keys(&res), "r1.cp2.early r2.cp2.late");
	ck_assert_str_eq(res.findings[1].text, "Round 2: Yard late by 5 min");
	patrol_result_free(&res);
	scen_free(&s);
	/* The gate after its window: the round cannot start, it is missed. */
	scen_init(&s, windows_route, 2027, 1, 15, 0);
	scan(&s, L(&s, 2027, 1, 15, 22, 20), 0);
	scan(&s, L(&s, 2027, 1, 15, 22, 25), 1);
	eval_at(&s, L(&s, 2027, 1, 15, 23, 0), 0, &res);
	ck_assert_str_eq(keys(&res), "r1.missed");
	ck_assert_int_eq(res.extra_scans, 2);
	patrol_result_free(&res);
	scen_free(&s);
}
END_TEST

START_TEST(test_windows_dst_gap)
{
	struct scen		s;
	struct patrol_result	res;

	/* 28 March 2027 has no 02:00-02:59: the window starts at 03:00 CEST. */
	scen_init(&s, windows_route, 2027, 3, 27, 0);
	ck_assert_int_eq(s.sh.end_ms - s.sh.start_ms, 7 * HOUR);
	scan(&s, L(&s, 2027, 3, 27, 22, 5), 0);
	scan(&s, L(&s, 2027, 3, 27, 22, 20), 1);
	/* ...and so does the yard's 02:15-02:40 (03:00-03:25 CEST). */
	scan(&s, L(&s, 2027, 3, 28, 3, 5), 0);
	scan(&s, L(&s, 2027, 3, 28, 3, 20), 1);
	eval_at(&s, s.sh.end_ms, 0, &res);
	ck_assert_int_eq(res.rounds[1].slot_from_ms, L(&s, 2027, 3, 28, 3, 0));
	ck_assert_int_eq(res.rounds[1].slot_to_ms, L(&s, 2027, 3, 28, 3, 15));
	ck_assert_str_eq(keys(&res), "");
	ck_assert_int_eq(res.complete, 2);
	patrol_result_free(&res);
	scen_free(&s);
}
END_TEST

/* An any-order route: three checkpoints, gaps, a 40-minute time limit. */
static const char *const any_route =
    "{\"name\": \"any\", \"site\": 2, \"order\": \"any\", \"max_round\": 2400,"
    " \"checkpoints\": ["
    "  {\"tag\": \"A\", \"name\": \"Alpha\", \"max_gap\": 600},"
    "  {\"tag\": \"B\", \"name\": \"Bravo\", \"min_gap\": 60},"
    "  {\"tag\": \"C\", \"name\": \"Charlie\"}],"
    " \"schedule\": [{\"days\": \"mon-sun\", \"from\": \"18:00\", \"to\": \"06:00\","
    "  \"rounds\": 2}]}";

START_TEST(test_any_order)
{
	struct scen		s;
	struct patrol_result	res;
	int64_t			t;

	scen_init(&s, any_route, 2027, 1, 15, 0);
	t = L(&s, 2027, 1, 15, 19, 0);
	scan(&s, t, 2);				/* starts with Charlie */
	scan(&s, t + 5 * MIN, 0);
	scan(&s, t + 9 * MIN, 1);
	t = L(&s, 2027, 1, 16, 1, 0);
	scan(&s, t, 1);
	scan(&s, t + 30 * SEC, 2);		/* no min_gap on Charlie */
	scan(&s, t + 11 * MIN, 0);		/* 10.5 min > Alpha's max_gap */
	eval_at(&s, s.sh.end_ms, 0, &res);
	ck_assert_str_eq(keys(&res), "r2.cp1.late");
	ck_assert_int_eq(res.complete, 2);
	ck_assert_int_eq(res.rounds[0].start_ms, L(&s, 2027, 1, 15, 19, 0));
	ck_assert_int_eq(res.rounds[0].end_ms, L(&s, 2027, 1, 15, 19, 9));
	patrol_result_free(&res);
	scen_free(&s);
	/* Two of three, then the 40-minute limit. */
	scen_init(&s, any_route, 2027, 1, 15, 0);
	t = L(&s, 2027, 1, 15, 19, 0);
	scan(&s, t, 1);
	scan(&s, t + 5 * MIN, 2);
	eval_at(&s, t + 10 * MIN, 0, &res);
	ck_assert_str_eq(keys(&res), "");
	ck_assert_int_eq(res.next_cp, -1);
	ck_assert_int_eq(res.next_due_ms, t + 40 * MIN);
	patrol_result_free(&res);
	eval_at(&s, t + 40 * MIN, 0, &res);
	ck_assert_str_eq(keys(&res), "r1.cp1.skipped r1.incomplete");
	patrol_result_free(&res);
	scen_free(&s);
}
END_TEST

/* A small deterministic generator for the property tests. */
static uint64_t rng_state = 88172645463325252ULL;

static uint64_t
rng(uint64_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return n ? rng_state % n : 0;
}

/* Everything a result shows that may change with time, as text. */
static void
sig(const struct patrol_result *res, size_t nc, char *buf, size_t len)
{
	size_t	o = 0;
	int	k, i;
	size_t	j;

	o += (size_t)snprintf(buf + o, len - o, "w%d c%d x%d n%d@%lld|",
	    res->walked, res->complete, res->extra_scans, res->next_cp,
	    (long long)res->next_cp_by_ms);
	for (k = 0; k < res->nrounds && o + 200 < len; k++) {
		o += (size_t)snprintf(buf + o, len - o, "R%d %lld-%lld g%lld:",
		    res->rounds[k].state, (long long)res->rounds[k].start_ms,
		    (long long)res->rounds[k].end_ms,
		    (long long)res->rounds[k].guard_id);
		for (j = 0; j < nc && o + 40 < len; j++)
			o += (size_t)snprintf(buf + o, len - o, "%d/%lld ",
			    res->rounds[k].visits[j],
			    (long long)res->rounds[k].visit_ms[j]);
	}
	for (i = 0; i < res->nfindings && o + 300 < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "|%s %lld %s",
		    res->findings[i].key, (long long)res->findings[i].at_ms,
		    res->findings[i].text);
}

/* Random scans over shift sh of route r (walks in order, noise, late uploads). */
static size_t
random_scans(const struct patrol_shift *sh, int ncps, struct patrol_scan *v,
    size_t max)
{
	size_t	n = 0, i, m = rng(40);
	int64_t	t = sh->start_ms - HOUR + (int64_t)rng(3 * HOUR);
	int	cp = 0;

	for (i = 0; i < m && n < max; i++) {
		t += (int64_t)rng(rng(4) == 0 ? 3 * HOUR : 12 * MIN);
		cp = rng(5) == 0 ? (int)rng((uint64_t)ncps + 1) - 1 :
		    (cp + 1) % ncps;
		v[n].id = (int64_t)n + 1;
		v[n].scan_ms = t;
		v[n].recv_ms = rng(6) == 0 ? t + (int64_t)rng(5 * HOUR) : t;
		if (rng(20) == 0)
			v[n].scan_ms += (int64_t)rng(HOUR);	/* clock ahead */
		v[n].cp = cp;
		v[n].guard_id = rng(8) == 0 ? 9 : 7;
		n++;
		if (rng(10) == 0 && n < max) {		/* a duplicate */
			v[n] = v[n - 1];
			v[n].id = (int64_t)n + 1;
			n++;
		}
	}
	return n;
}

/*
 * next_due_ms is exact: the result is the same at every instant up to it
 * and differs at it; with none due, it never changes again.
 */
static void
check_next_due(const struct patrol_route *r, const struct patrol_shift *sh,
    const struct patrol_scan *all, size_t nall, int64_t now)
{
	struct patrol_scan	v[128];
	struct patrol_result	a, b;
	static char		sa[16384], sb[16384];
	size_t			i, n = 0, nc = patrol_route_ncheckpoints(r);
	int64_t			due;

	for (i = 0; i < nall; i++)
		if (all[i].recv_ms <= now)
			v[n++] = all[i];
	ck_assert_int_eq(patrol_evaluate(r, sh, v, n, now, &a), 0);
	sig(&a, nc, sa, sizeof(sa));
	due = a.next_due_ms;
	ck_assert_msg(due == 0 || due > now, "next_due %lld <= now %lld",
	    (long long)due, (long long)now);
	ck_assert_int_eq(patrol_evaluate(r, sh, v, n, due ? due - 1 :
	    sh->end_ms + 48 * HOUR, &b), 0);
	sig(&b, nc, sb, sizeof(sb));
	ck_assert_msg(strcmp(sa, sb) == 0, "changed before next_due %lld "
	    "(now %lld):\n%s\n%s", (long long)due, (long long)now, sa, sb);
	patrol_result_free(&b);
	if (due != 0) {
		ck_assert_int_eq(patrol_evaluate(r, sh, v, n, due, &b), 0);
		sig(&b, nc, sb, sizeof(sb));
		ck_assert_msg(strcmp(sa, sb) != 0, "nothing changed at "
		    "next_due %lld (now %lld):\n%s", (long long)due,
		    (long long)now, sa);
		patrol_result_free(&b);
	}
	patrol_result_free(&a);
}

START_TEST(test_next_due_exact)
{
	static const char *const	*routes[] = { &example_route, &four_route,
					    &any_route, &windows_route };
	struct scen			 s;
	struct patrol_scan		 v[128];
	size_t				 n, i;
	int				 round, q;
	int64_t				 now;

	for (round = 0; round < 400; round++) {
		scen_init(&s, *routes[round % 4], 2027, 3 + 7 * (round % 2),
		    round % 2 ? 30 : 27, 0);
		n = random_scans(&s.sh, (int)patrol_route_ncheckpoints(s.r), v,
		    120);
		for (q = 0; q < 6; q++) {
			now = s.sh.start_ms - HOUR +
			    (int64_t)rng((uint64_t)(s.sh.end_ms - s.sh.start_ms +
			    3 * HOUR));
			check_next_due(s.r, &s.sh, v, n, now);
		}
		/* And at each scan's arrival, the moments a service evaluates. */
		for (i = 0; i < n; i++)
			check_next_due(s.r, &s.sh, v, n, v[i].recv_ms);
		scen_free(&s);
	}
}
END_TEST

/* The result does not depend on the order the scans are handed in. */
START_TEST(test_scan_order_irrelevant)
{
	struct scen		s;
	struct patrol_scan	v[128], w[128];
	struct patrol_result	a, b;
	static char		sa[16384], sb[16384];
	size_t			n, i, j;
	int			round;

	for (round = 0; round < 200; round++) {
		scen_init(&s, round % 2 ? four_route : any_route, 2027, 1, 15, 0);
		n = random_scans(&s.sh, (int)patrol_route_ncheckpoints(s.r), v,
		    120);
		memcpy(w, v, n * sizeof(*v));
		for (i = n; i > 1; i--) {
			j = rng(i);
			struct patrol_scan tmp = w[i - 1];
			w[i - 1] = w[j];
			w[j] = tmp;
		}
		ck_assert_int_eq(patrol_evaluate(s.r, &s.sh, v, n, s.sh.end_ms +
		    6 * HOUR, &a), 0);
		ck_assert_int_eq(patrol_evaluate(s.r, &s.sh, w, n, s.sh.end_ms +
		    6 * HOUR, &b), 0);
		sig(&a, patrol_route_ncheckpoints(s.r), sa, sizeof(sa));
		sig(&b, patrol_route_ncheckpoints(s.r), sb, sizeof(sb));
		ck_assert_str_eq(sa, sb);
		patrol_result_free(&a);
		patrol_result_free(&b);
		scen_free(&s);
	}
}
END_TEST

START_TEST(test_hostile_input)
{
	struct scen		s;
	struct patrol_result	res;
	struct patrol_shift	bad;
	struct patrol_scan	*v;
	size_t			i, n = 20000;

	scen_init(&s, example_route, 2027, 1, 15, 0);
	/* Checkpoint indexes out of range, absurd times, no guard. */
	scan(&s, s.sh.start_ms + MIN, 99999);
	scan(&s, s.sh.start_ms + 2 * MIN, -5);
	scan_recv(&s, INT64_MAX, 0, INT64_MAX);
	scan_recv(&s, INT64_MIN, 0, INT64_MIN);
	scan_recv(&s, s.sh.start_ms + 3 * MIN, 0, 0);	/* arrival unknown */
	eval_at(&s, s.sh.start_ms + 4 * MIN, 1, &res);
	ck_assert_int_eq(res.extra_scans, 2);
	ck_assert_int_eq(res.rounds[0].state, PATROL_ROUND_ACTIVE);
	patrol_result_free(&res);
	/* Shifts that are not the route's. */
	bad = s.sh;
	bad.rule = 2;
	ck_assert_int_eq(patrol_evaluate(s.r, &bad, NULL, 0, 0, &res), -1);
	ck_assert_int_eq(res.nfindings, 0);
	ck_assert_ptr_null(res.rounds);
	bad = s.sh;
	bad.rounds = PATROL_ROUNDS_MAX + 1;
	ck_assert_int_eq(patrol_evaluate(s.r, &bad, NULL, 0, 0, &res), -1);
	bad = s.sh;
	bad.end_ms = bad.start_ms;
	ck_assert_int_eq(patrol_evaluate(s.r, &bad, NULL, 0, 0, &res), -1);
	ck_assert_int_eq(patrol_evaluate(s.r, &s.sh, NULL, 3, 0, &res), -1);
	ck_assert_int_eq(patrol_evaluate(NULL, &s.sh, NULL, 0, 0, &res), -1);
	ck_assert_int_eq(patrol_evaluate(s.r, &s.sh, NULL, 0, 0, NULL), -1);
	patrol_result_free(NULL);
	/* A flood of scans of one tag in one second: one scan. */
	v = calloc(n, sizeof(*v));
	for (i = 0; i < n; i++) {
		v[i].id = (int64_t)i;
		v[i].scan_ms = v[i].recv_ms = s.sh.start_ms + HOUR + (int64_t)(i % 1000);
		v[i].cp = 0;
	}
	ck_assert_int_eq(patrol_evaluate(s.r, &s.sh, v, n, s.sh.end_ms, &res), 0);
	ck_assert_int_eq(res.extra_scans, 0);
	ck_assert_str_eq(keys(&res), "r1.cp2.late r1.cp2.skipped r1.cp3.skipped "
	    "r1.incomplete r2.missed");
	patrol_result_free(&res);
	free(v);
	scen_free(&s);
	/* A windows route on a shift cut with other rounds. */
	scen_init(&s, windows_route, 2027, 1, 15, 0);
	bad = s.sh;
	bad.rounds = 1;
	ck_assert_int_eq(patrol_evaluate(s.r, &bad, NULL, 0, 0, &res), -1);
	scen_free(&s);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(patrol_fail_name(PATROL_FAIL_CP_LATE), "cp_late");
	ck_assert_str_eq(patrol_fail_name(PATROL_FAIL_GUARD_SILENT),
	    "guard_silent");
	ck_assert_str_eq(patrol_fail_name(PATROL_FAIL_CP_EARLY), "cp_early");
	ck_assert_str_eq(patrol_fail_name((enum patrol_fail)99), "?");
	ck_assert_str_eq(patrol_round_state_name(PATROL_ROUND_MISSED), "missed");
	ck_assert_str_eq(patrol_round_state_name((enum patrol_round_state)-1),
	    "?");
	ck_assert_str_eq(patrol_visit_state_name(PATROL_VISIT_ON_TIME),
	    "on_time");
	ck_assert_str_eq(patrol_visit_state_name(PATROL_VISIT_EARLY), "early");
}
END_TEST

/* A random JSON value of the kinds a sloppy or hostile client sends. */
static json_t *
random_value(void)
{
	static const char *const	strs[] = { "", "mon", "18:00", "25:61",
	    "holiday", "mon-sun", "sun-mon", "00:00-00:00", "22:00-22:15",
	    "windows", "any", "strict", "04A1B2C3", "a\tb", "x y" };

	switch (rng(9)) {
	case 0:
		return json_integer((json_int_t)rng(200000) - 100000);
	case 1:
		return json_integer(rng(2) ? INT64_MAX : INT64_MIN);
	case 2:
		return json_real(1.5);
	case 3:
		return json_null();
	case 4:
		return json_array();
	case 5:
		return json_object();
	case 6:
		return json_true();
	default:
		return json_string(strs[rng(sizeof(strs) / sizeof(strs[0]))]);
	}
}

/* Replace one random member somewhere in j by a random value. */
static void
mutate(json_t *j)
{
	const char	*key;
	json_t		*v;
	size_t		 n = json_is_object(j) ? json_object_size(j) :
			    json_array_size(j), pick;

	if (n == 0)
		return;
	pick = rng(n);
	if (json_is_array(j)) {
		v = json_array_get(j, pick);
		if ((json_is_object(v) || json_is_array(v)) && rng(3))
			mutate(v);
		else
			json_array_set_new(j, pick, random_value());
		return;
	}
	json_object_foreach(j, key, v) {
		if (pick-- > 0)
			continue;
		if ((json_is_object(v) || json_is_array(v)) && rng(3))
			mutate(v);
		else if (rng(8) == 0)
			json_object_del(j, key);
		else
			json_object_set_new(j, key, random_value());
		return;
	}
}

START_TEST(test_route_mutated)
{
	struct patrol_route	*r;
	json_t			*doc;
	char			 err[256];
	int			 i, k, ok = 0;

	for (i = 0; i < 20000; i++) {
		doc = js(i % 2 ? example_route : windows_route);
		for (k = 0; k <= (int)rng(3); k++)
			mutate(doc);
		err[0] = '\0';
		if ((r = patrol_route_parse(doc, err, sizeof(err))) != NULL) {
			ok++;
			ck_assert_int_ge(patrol_route_ncheckpoints(r), 1);
			patrol_route_free(r);
		} else
			ck_assert_msg(err[0] != '\0', "refused without a message");
		json_decref(doc);
	}
	ck_assert_int_gt(ok, 0);
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
	tc = tcase_create("compliance");
	tcase_add_test(tc, test_night_walked);
	tcase_add_test(tc, test_dst_nights);
	tcase_add_test(tc, test_holiday_day_shift);
	tcase_add_test(tc, test_round_missed);
	tcase_add_test(tc, test_cp_late);
	tcase_add_test(tc, test_cp_order_and_skipped);
	tcase_add_test(tc, test_cp_fast_and_short);
	tcase_add_test(tc, test_guard_silent);
	tcase_add_test(tc, test_silent_off_duty);
	tcase_add_test(tc, test_late_upload);
	tcase_add_test(tc, test_duplicates);
	tcase_add_test(tc, test_future_scan);
	tcase_add_test(tc, test_round_restart);
	tcase_add_test(tc, test_round_timeout);
	tcase_add_test(tc, test_windows_order);
	tcase_add_test(tc, test_windows_dst_gap);
	tcase_add_test(tc, test_any_order);
	tcase_add_test(tc, test_next_due_exact);
	tcase_add_test(tc, test_scan_order_irrelevant);
	tcase_add_test(tc, test_hostile_input);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_route_mutated);
	tcase_set_timeout(tc, 60);
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
