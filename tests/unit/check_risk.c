/* check_risk.c - unit tests for the risk methods, the band mapping and the document. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>
#include <sqlite3.h>

#include "clock.h"
#include "risk.h"
#include "store.h"
#include "tmpstore.h"

#define NOW_MS	1767225600000LL		/* 2026-01-01T00:00:00Z */

static struct tmpstore	 ts;		/* the temporary database (store tests) */
static struct store	*st;

/* A document from JSON text (the test fails on bad JSON). */
static json_t *
doc(const char *text)
{
	json_error_t	 jerr;
	json_t		*d = json_loads(text, 0, &jerr);

	ck_assert_msg(d != NULL, "bad test JSON: %s: %s", jerr.text, text);
	return d;
}

/* The warehouse of the issue: eight threats. */
#define WAREHOUSE "{\"assessed_by\": \"J. Novak\", \"matrix\": {\"threats\": [" \
	"{\"name\": \"intrusion into the premises\", \"probability\": 5, \"impact\": 8}," \
	"{\"name\": \"damage to property\", \"probability\": 4, \"impact\": 8}," \
	"{\"name\": \"serious damage, large financial loss\", \"probability\": 2, \"impact\": 16}," \
	"{\"name\": \"loss of property\", \"probability\": 4, \"impact\": 8}," \
	"{\"name\": \"injury\", \"probability\": 3, \"impact\": 8}," \
	"{\"name\": \"serious injury, lasting harm\", \"probability\": 2, \"impact\": 16}," \
	"{\"name\": \"arson\", \"probability\": 2, \"impact\": 16}," \
	"{\"name\": \"site put out of operation\", \"probability\": 2, \"impact\": 16}]}}"

/* Evaluate text with the default tables and map: the result, or NULL with err. */
static json_t *
evaluate(const char *text, const json_t *units, char *err, size_t errsz)
{
	struct risk_map	*m = risk_map_new();
	json_t		*d = doc(text), *t = risk_tables_default(), *r;

	err[0] = '\0';
	r = risk_evaluate(d, t, units, m, err, errsz);
	ck_assert_msg(r != NULL || err[0] != '\0', "refused without message");
	json_decref(d);
	json_decref(t);
	risk_map_free(m);
	return r;
}

/* The message of a refused document ("" when it was accepted). */
static const char *
refusal(const char *text)
{
	static char	 err[256];
	json_t		*r = evaluate(text, NULL, err, sizeof err);

	if (r != NULL) {
		json_decref(r);
		return "";
	}
	return err;
}

/* An integer member of member sub of r. */
static long long
ival(const json_t *r, const char *sub, const char *name)
{
	const json_t	*v = json_object_get(json_object_get(r, sub), name);

	ck_assert_msg(json_is_integer(v), "%s.%s is not an integer", sub, name);
	return json_integer_value(v);
}

/* A string member of member sub of r. */
static const char *
sval(const json_t *r, const char *sub, const char *name)
{
	const char *s = json_string_value(json_object_get(json_object_get(r,
	    sub), name));

	ck_assert_msg(s != NULL, "%s.%s is not a string", sub, name);
	return s;
}

START_TEST(warehouse_matrix)
{
	char		 err[256];
	json_t		*r = evaluate(WAREHOUSE, NULL, err, sizeof err), *m;
	const json_t	*t;
	static const int scores[] = { 40, 32, 32, 32, 24, 32, 32, 32 };
	size_t		 i;

	ck_assert_msg(r != NULL, "%s", err);
	m = json_object_get(r, "matrix");
	json_array_foreach(json_object_get(m, "threats"), i, t)
		ck_assert_int_eq(json_integer_value(json_object_get(t, "score")),
		    scores[i]);
	ck_assert_int_eq(ival(r, "matrix", "total"), 256);
	ck_assert(json_real_value(json_object_get(m, "mean")) == 32.0);
	ck_assert_str_eq(sval(r, "matrix", "band"), "most");
	ck_assert_str_eq(sval(r, "matrix", "band_text"), "most significant");
	ck_assert_int_eq(ival(m, "count", "most"), 7);
	ck_assert_int_eq(ival(m, "count", "medium"), 1);
	ck_assert_int_eq(ival(m, "count", "least"), 0);
	ck_assert_int_eq(ival(m, "percent", "most"), 87);
	ck_assert_int_eq(ival(m, "percent", "medium"), 13);
	ck_assert_int_eq(ival(m, "percent", "least"), 0);
	ck_assert_str_eq(sval(r, "bands", "matrix"), "most");
	json_decref(r);
}
END_TEST

START_TEST(matrix_edges)
{
	ck_assert_int_eq(risk_matrix_score(3, 3), -1);
	ck_assert_int_eq(risk_matrix_score(0, 1), -1);
	ck_assert_int_eq(risk_matrix_score(6, 1), -1);
	ck_assert_int_eq(risk_matrix_score(5, 16), 80);
	ck_assert_int_eq(risk_matrix_score(1, 1), 1);
	ck_assert_int_eq(risk_matrix_band(9, 1), RISK_MATRIX_LEAST);
	ck_assert_int_eq(risk_matrix_band(10, 1), RISK_MATRIX_MEDIUM);
	ck_assert_int_eq(risk_matrix_band(30, 1), RISK_MATRIX_MEDIUM);
	ck_assert_int_eq(risk_matrix_band(31, 1), RISK_MATRIX_MOST);
	/* The mean, exactly: 61/2 = 30.5 is above 30, 19/2 = 9.5 below 10. */
	ck_assert_int_eq(risk_matrix_band(61, 2), RISK_MATRIX_MOST);
	ck_assert_int_eq(risk_matrix_band(60, 2), RISK_MATRIX_MEDIUM);
	ck_assert_int_eq(risk_matrix_band(19, 2), RISK_MATRIX_LEAST);
	ck_assert_int_eq(risk_matrix_band(20, 2), RISK_MATRIX_MEDIUM);
}
END_TEST

START_TEST(percent_sums)
{
	int	c1[] = { 1, 1, 1 }, p1[3], c2[] = { 0, 0, 0 }, p2[3];
	int	c3[] = { 0, 2, 6 }, p3[3];

	risk_percent(c1, 3, p1);
	ck_assert_int_eq(p1[0] + p1[1] + p1[2], 100);
	risk_percent(c2, 3, p2);
	ck_assert_int_eq(p2[0] + p2[1] + p2[2], 0);
	risk_percent(c3, 3, p3);
	ck_assert_int_eq(p3[0], 0);
	ck_assert_int_eq(p3[1], 25);
	ck_assert_int_eq(p3[2], 75);
}
END_TEST

START_TEST(pnh_example)
{
	char	 err[256];
	json_t	*r = evaluate("{\"assessed_by\": \"x\", \"pnh\": {\"p\": 4, "
	    "\"n\": 4, \"h\": 3, \"measures\": [\"top guards on the fence\", "
	    "\"a barrier\", \"cameras\", \"warning signs\"]}}", NULL, err,
	    sizeof err);

	ck_assert_msg(r != NULL, "%s", err);
	ck_assert_int_eq(ival(r, "pnh", "r"), 48);
	ck_assert_str_eq(sval(r, "pnh", "band"), "III");
	ck_assert_str_eq(sval(r, "pnh", "band_text"), "moderate");
	ck_assert_int_eq(json_array_size(json_object_get(json_object_get(r,
	    "pnh"), "measures")), 4);
	json_decref(r);
}
END_TEST

START_TEST(pnh_edges)
{
	ck_assert_int_eq(risk_pnh_score(4, 4, 3), 48);
	ck_assert_int_eq(risk_pnh_score(0, 4, 3), -1);
	ck_assert_int_eq(risk_pnh_score(1, 6, 3), -1);
	ck_assert_int_eq(risk_pnh_band(1), 5);
	ck_assert_int_eq(risk_pnh_band(2), 5);
	ck_assert_int_eq(risk_pnh_band(3), 4);
	ck_assert_int_eq(risk_pnh_band(10), 4);
	ck_assert_int_eq(risk_pnh_band(11), 3);
	ck_assert_int_eq(risk_pnh_band(50), 3);
	ck_assert_int_eq(risk_pnh_band(51), 2);
	ck_assert_int_eq(risk_pnh_band(100), 2);
	ck_assert_int_eq(risk_pnh_band(101), 1);
	ck_assert_int_eq(risk_pnh_band(125), 1);
	ck_assert_str_eq(risk_pnh_band_name(2), "II");
	ck_assert_str_eq(risk_pnh_band_text(1), "unacceptable");
	ck_assert_str_eq(risk_pnh_band_text(5), "negligible");
}
END_TEST

START_TEST(grade_derived)
{
	int	g1[] = { 3, 2, 4 }, g2[] = { 4 }, g3[] = { 3, 5 };
	char	err[256];
	json_t	*r;

	ck_assert_int_eq(risk_grade_system(g1, 3), 2);
	ck_assert_int_eq(risk_grade_system(g2, 1), 4);
	ck_assert_int_eq(risk_grade_system(g3, 2), 0);
	ck_assert_int_eq(risk_grade_system(g1, 0), 0);
	r = evaluate("{\"assessed_by\": \"x\", \"pnh\": {\"p\": 5, \"n\": 5, "
	    "\"h\": 3}, \"grade\": {\"components\": [{\"name\": \"panel\", "
	    "\"grade\": 3}, {\"name\": \"PIR hall\", \"grade\": 2}]}}", NULL,
	    err, sizeof err);
	ck_assert_msg(r != NULL, "%s", err);
	ck_assert_int_eq(ival(r, "grade", "grade"), 2);
	/* PNH II needs grade 3 by default: flagged. */
	ck_assert_int_eq(ival(r, "grade", "needed"), 3);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(r,
	    "flags"), 0)), "grade_low");
	json_decref(r);
}
END_TEST

START_TEST(time_balance_pure)
{
	struct risk_tb		tb = { 60, 30, 120, 600 };
	struct risk_tb_result	r;

	risk_time_balance(&tb, 900, &r);
	ck_assert_int_eq(r.intervention, 810);
	ck_assert_int_eq(r.margin, 90);
	ck_assert_int_eq(r.late, 0);
	ck_assert_int_eq(r.dispatch, 210);
	risk_time_balance(&tb, 600, &r);
	ck_assert_int_eq(r.margin, -210);
	ck_assert_int_eq(r.late, 210);
	ck_assert_int_eq(r.dispatch, -90);
	/* Nothing but delay and travel: the deadline is D minus the travel time. */
	tb.detection = tb.transmission = tb.handling = 0;
	risk_time_balance(&tb, 900, &r);
	ck_assert_int_eq(r.dispatch, 300);
}
END_TEST

START_TEST(time_balance_doc)
{
	char		 err[256];
	json_t		*units = doc("[{\"id\": 7, \"kind\": \"guard\", "
	    "\"name\": \"slow\", \"response_time\": 900}, {\"id\": 8, \"kind\": "
	    "\"guard\", \"name\": \"fast\", \"response_time\": 600}, {\"id\": 9, "
	    "\"kind\": \"police\", \"name\": \"p\", \"response_time\": 60}]");
	json_t		*r;
	const json_t	*tb, *p0;

	r = evaluate("{\"assessed_by\": \"x\", \"time_balance\": {\"handling\": 2,"
	    " \"detection\": 1, \"transmission\": 0.5, \"points\": [{\"name\": "
	    "\"door\", \"zone\": 3, \"delay\": 15}, {\"name\": \"window\", "
	    "\"delay\": 10}]}}", units, err, sizeof err);
	ck_assert_msg(r != NULL, "%s", err);
	tb = json_object_get(r, "time_balance");
	/* The fastest guard unit: 10 minutes. */
	ck_assert_int_eq(json_integer_value(json_object_get(tb, "travel")), 10);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(tb,
	    "travel_from"), "unit")), 8);
	p0 = json_array_get(json_object_get(tb, "points"), 0);
	ck_assert(json_is_false(json_object_get(p0, "late")));
	/* window: 1 + 0.5 + 2 + 10 = 13.5 > 10: 3.5 minutes too late. */
	ck_assert(json_is_true(json_object_get(tb, "late")));
	ck_assert(json_real_value(json_object_get(tb, "missing")) == 3.5);
	ck_assert_int_eq(risk_result_dispatch(r, 3), (15 - 1 - 10) * 60 - 30);
	ck_assert_int_eq(risk_result_dispatch(r, 4), (10 - 1 - 10) * 60 - 30);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(r,
	    "flags"), 0)), "intervention_late");
	json_decref(r);
	/* An explicit travel time wins over the units. */
	r = evaluate("{\"assessed_by\": \"x\", \"time_balance\": {\"handling\": 1,"
	    " \"travel\": 4, \"points\": [{\"name\": \"d\", \"delay\": 10}]}}",
	    units, err, sizeof err);
	ck_assert_msg(r != NULL, "%s", err);
	ck_assert_int_eq(risk_result_dispatch(r, -1), 6 * 60);
	json_decref(r);
	ck_assert_str_eq(refusal("{\"assessed_by\": \"x\", \"time_balance\": "
	    "{\"handling\": 1, \"points\": [{\"name\": \"d\", \"delay\": 10}]}}"),
	    "time_balance.travel: missing, and the site has no guard unit with "
	    "a response time");
	json_decref(units);
}
END_TEST

START_TEST(zone_and_points)
{
	char	 err[256];
	json_t	*r;

	r = evaluate("{\"assessed_by\": \"x\", \"zone\": {\"category\": \"Z-4\","
	    " \"detection\": \"space\"}, \"points\": {\"factors\": {\"value\": "
	    "\"very-high\", \"attractiveness\": \"high\", \"crime\": \"medium\", "
	    "\"location\": \"isolated\", \"lighting\": \"poor\", \"activity\": "
	    "\"quiet\", \"access\": \"none\"}}}", NULL, err, sizeof err);
	ck_assert_msg(r != NULL, "%s", err);
	ck_assert_str_eq(sval(r, "zone", "required"), "attack");
	ck_assert(json_is_true(json_object_get(json_object_get(r, "zone"),
	    "late")));
	/* 8 + 4 + 2 + 8 + 4 + 4 + 8: each level doubles. */
	ck_assert_int_eq(ival(r, "points", "total"), 38);
	ck_assert_str_eq(sval(r, "points", "band"), "high");
	json_decref(r);
	r = evaluate("{\"assessed_by\": \"x\", \"zone\": {\"category\": \"Z-1\","
	    " \"detection\": \"object\"}}", NULL, err, sizeof err);
	ck_assert_msg(r != NULL, "%s", err);
	ck_assert(json_is_false(json_object_get(json_object_get(r, "zone"),
	    "late")));
	json_decref(r);
	ck_assert_int_eq(risk_points_level(1, 0), 1);
	ck_assert_int_eq(risk_points_level(3, 3), 24);
	ck_assert_int_eq(risk_points_level(1, RISK_POINTS_LEVELS_MAX), -1);
}
END_TEST

START_TEST(doc_errors)
{
	ck_assert_str_eq(refusal("{\"assessed_by\": \"x\"}"), "assessment: give "
	    "at least one of grade, matrix, pnh, points, zone, time_balance");
	ck_assert_str_eq(refusal("{\"pnh\": {\"p\": 1, \"n\": 1, \"h\": 1}}"),
	    "assessed_by: missing");
	ck_assert_str_eq(refusal("{\"assessed_by\": \"x\", \"pnh\": {\"p\": 1, "
	    "\"n\": 6, \"h\": 1}}"), "pnh.n: must be an integer 1-5");
	ck_assert_str_eq(refusal("{\"assessed_by\": \"x\", \"pnh\": {\"p\": 1, "
	    "\"n\": 1, \"h\": 1, \"x\": 1}}"), "pnh.x: unknown member");
	ck_assert_str_eq(refusal("{\"assessed_by\": \"x\", \"matrix\": "
	    "{\"threats\": [{\"name\": \"a\", \"probability\": 2, \"impact\": 3}]}}"),
	    "matrix.threats[0].impact: must be 1, 2, 4, 8 or 16 (the doubling "
	    "scale)");
	ck_assert_str_eq(refusal("{\"assessed_by\": \"x\", \"matrix\": "
	    "{\"threats\": []}}"), "matrix.threats: must be an array of 1 to 64 "
	    "items");
	ck_assert_str_eq(refusal("{\"assessed_by\": \"x\", \"matrix\": [1]}"),
	    "matrix: must be an object");
	ck_assert_str_eq(refusal("{\"assessed_by\": \"x\", \"zone\": "
	    "{\"category\": \"Z-5\", \"detection\": \"space\"}}"),
	    "zone.category: one of Z-1, Z-2, Z-3, Z-4");
	ck_assert_str_eq(refusal("{\"assessed_by\": \"x\", \"grade\": "
	    "{\"components\": [{\"name\": \"a\", \"grade\": 0}]}}"),
	    "grade.components[0].grade: must be an integer 1-4");
	ck_assert_str_eq(refusal("{\"assessed_by\": \"x\", \"points\": "
	    "{\"factors\": {\"value\": \"low\"}}}"),
	    "points.factors.attractiveness: missing");
	ck_assert_str_eq(refusal("{\"assessed_by\": \"x\", \"time_balance\": "
	    "{\"handling\": -1, \"travel\": 1, \"points\": []}}"),
	    "time_balance.handling: must be minutes, a number 0-1440");
	ck_assert_str_eq(refusal("{\"assessed_by\": \"x\", \"bogus\": 1}"),
	    "bogus: unknown member");
}
END_TEST

START_TEST(tables_check)
{
	json_t	*t = risk_tables_default();
	char	 err[256];

	ck_assert_int_eq(risk_tables_validate(t, err, sizeof err), 0);
	json_object_set_new(json_object_get(t, "bands"), "high", json_integer(3));
	ck_assert_int_eq(risk_tables_validate(t, err, sizeof err), -1);
	ck_assert_str_eq(err, "bands.high: must be above bands.medium (16)");
	json_decref(t);
	t = risk_tables_default();
	json_object_set_new(json_object_get(t, "categories"), "Z-4",
	    json_string("object"));
	ck_assert_int_eq(risk_tables_validate(t, err, sizeof err), -1);
	ck_assert_str_eq(err, "categories.Z-4: a higher category may not allow "
	    "a later detection than a lower one");
	json_decref(t);
}
END_TEST

/* Run one risk-band line through m: 0 or -1 with err. */
static int
band_line(struct risk_map *m, const char *line, int lineno, char *err,
    size_t errsz)
{
	char	buf[256], *av[16], *w;
	int	ac = 0;

	snprintf(buf, sizeof buf, "%s", line);
	for (w = strtok(buf, " "); w != NULL && ac < 16; w = strtok(NULL, " "))
		av[ac++] = w;
	return risk_map_set(m, av, ac, lineno, err, errsz);
}

START_TEST(band_mapping)
{
	struct risk_map		*m = risk_map_new();
	struct risk_bands	 b = { { -1, 2, -1 } };
	struct risk_alarm	 rk;
	char			 err[256];

	memset(&rk, 0, sizeof rk);
	risk_apply_bands(m, &b, &rk);
	ck_assert_int_eq(rk.priority, 1);
	ck_assert_int_eq(rk.take_pct, 50);
	ck_assert_str_eq(rk.reason, "priority raised: PNH band II; "
	    "take-deadline x0.50: PNH band II");
	ck_assert_int_eq(band_line(m, "pnh II priority 2 take-deadline 0.25 "
	    "step-deadline 0.5", 7, err, sizeof err), 0);
	ck_assert_int_eq(band_line(m, "pnh II priority 1", 9, err, sizeof err),
	    -1);
	ck_assert_str_eq(err, "pnh II is already set on line 7");
	memset(&rk, 0, sizeof rk);
	risk_apply_bands(m, &b, &rk);
	ck_assert_int_eq(rk.priority, 2);
	ck_assert_int_eq(rk.take_pct, 25);
	ck_assert_int_eq(rk.step_pct, 50);
	ck_assert_int_eq(band_line(m, "pnh VI", 3, err, sizeof err), -1);
	ck_assert_str_eq(err, "unknown pnh band \"VI\"");
	ck_assert_int_eq(band_line(m, "matrix most take-deadline 0.001", 3, err,
	    sizeof err), -1);
	ck_assert_int_eq(band_line(m, "matrix most take-deadline 5", 3, err,
	    sizeof err), -1);
	ck_assert_int_eq(band_line(m, "matrix most priority 9", 3, err,
	    sizeof err), -1);
	ck_assert_int_eq(band_line(m, "matrix most priority", 3, err,
	    sizeof err), -1);
	ck_assert_str_eq(err, "option \"priority\" needs a value");
	ck_assert_int_eq(band_line(m, "matrix most colour red", 3, err,
	    sizeof err), -1);
	ck_assert_int_eq(band_line(m, "vibes most", 3, err, sizeof err), -1);
	/* A band with no effect: no reason at all. */
	b.band[RISK_M_PNH] = 4;
	memset(&rk, 0, sizeof rk);
	risk_apply_bands(m, &b, &rk);
	ck_assert_int_eq(rk.priority, 0);
	ck_assert_str_eq(rk.reason, "");
	ck_assert_int_eq(risk_scale_ms(60000, 50), 30000);
	ck_assert_int_eq(risk_scale_ms(1000, 5), 1000);
	risk_map_free(m);
}
END_TEST

/* The fixed test clock. */
static int64_t
fixed_now(void)
{
	return NOW_MS;
}

/* A store with two sites and an alarm of site 1 (fixture rows). */
static void
setup(void)
{
	sqlite3	*db;

	clock_set_source(fixed_now);
	st = tmpstore_open(&ts, "check_risk");
	ck_assert_int_eq(sqlite3_open(ts.path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "INSERT INTO sites (id, name,"
	    " created_ms, updated_ms) VALUES (1, 'Bank', 0, 0), (2, 'Shop', 0, 0);"
	    " INSERT INTO alarms (id, site_id, account, class, priority, state,"
	    " first_ms, last_ms, created_ms) VALUES (1, 1, '1234', 'burglary', 2,"
	    " 'new', 0, 0, 0);"
	    " INSERT INTO alarm_steps (alarm_id, position, action, deadline_s)"
	    " VALUES (1, 1, 'call', 60), (1, 2, 'dispatch', 3600)",
	    NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* Close and remove the store. */
static void
teardown(void)
{
	store_close(st);
	st = NULL;
	tmpstore_remove(&ts, NULL);
	clock_set_source(NULL);
}

/* Evaluate text and store it for site in the open batch; its version. */
static int
assess(int64_t site, const char *text)
{
	struct risk_map	*m = risk_map_new();
	json_t		*d = doc(text), *t = risk_tables_default(), *r;
	char		 err[256];
	int64_t		 id;
	int		 version;

	r = risk_evaluate(d, t, NULL, m, err, sizeof err);
	ck_assert_msg(r != NULL, "%s", err);
	ck_assert_int_eq(store_risk_put(st, site, d, r, NOW_MS, 0, "tester",
	    NOW_MS, &id, &version), 0);
	json_decref(d);
	json_decref(t);
	json_decref(r);
	risk_map_free(m);
	return version;
}

START_TEST(store_versions)
{
	json_t	*cur, *hist, *old;

	ck_assert_int_eq(store_begin(st), 0);
	ck_assert(json_is_null(cur = store_risk_get(st, 0, 1, 0)));
	json_decref(cur);
	ck_assert_int_eq(assess(1, "{\"assessed_by\": \"a\", \"pnh\": "
	    "{\"p\": 5, \"n\": 5, \"h\": 3}}"), 1);
	ck_assert_int_eq(assess(1, "{\"assessed_by\": \"b\", \"pnh\": "
	    "{\"p\": 1, \"n\": 1, \"h\": 1}}"), 2);
	ck_assert_int_eq(assess(2, "{\"assessed_by\": \"c\", \"pnh\": "
	    "{\"p\": 1, \"n\": 1, \"h\": 1}}"), 1);
	/* Committed readers see nothing before the commit. */
	hist = store_risk_history(st, 1, 1);
	ck_assert_int_eq(json_array_size(hist), 0);
	json_decref(hist);
	ck_assert_int_eq(store_commit(st), 0);
	cur = store_risk_get(st, 1, 1, 0);
	ck_assert_int_eq(json_integer_value(json_object_get(cur, "version")), 2);
	ck_assert(json_is_true(json_object_get(cur, "current")));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    json_object_get(cur, "result"), "bands"), "pnh")), "V");
	old = store_risk_get(st, 1, 1, 1);
	ck_assert(json_is_false(json_object_get(old, "current")));
	ck_assert_str_eq(json_string_value(json_object_get(old, "assessed_by")),
	    "a");
	hist = store_risk_history(st, 1, 1);
	ck_assert_int_eq(json_array_size(hist), 2);
	json_decref(hist);
	hist = store_risk_current_all(st);
	ck_assert_int_eq(json_array_size(hist), 2);
	json_decref(hist);
	json_decref(cur);
	json_decref(old);
}
END_TEST

START_TEST(store_alarm_applies)
{
	struct risk_map		*m = risk_map_new();
	struct risk_alarm	 rk;
	sqlite3			*db;
	sqlite3_stmt		*q;

	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_risk_alarm(st, m, 1, 5, &rk), 0);
	ck_assert_int_eq(rk.assessment_id, 0);
	ck_assert_int_eq(rk.priority, 0);
	ck_assert(rk.dispatch_s == RISK_NO_DISPATCH);
	assess(1, "{\"assessed_by\": \"a\", \"pnh\": {\"p\": 5, \"n\": 5,"
	    " \"h\": 3}, \"time_balance\": {\"handling\": 1, \"travel\": 5,"
	    " \"points\": [{\"name\": \"d\", \"zone\": 5, \"delay\": 9},"
	    " {\"name\": \"w\", \"delay\": 7}]}}");
	ck_assert_int_eq(store_risk_alarm(st, m, 1, 5, &rk), 0);
	ck_assert_int_gt(rk.assessment_id, 0);
	ck_assert_int_eq(rk.priority, 1);
	ck_assert_int_eq(rk.take_pct, 50);
	ck_assert_int_eq(rk.dispatch_s, 4 * 60);
	ck_assert_str_eq(rk.band_key[RISK_M_PNH], "pnh:II");
	ck_assert_int_eq(risk_take_ms(&rk, 60, NOW_MS), NOW_MS + 30000);
	ck_assert_int_eq(risk_dispatch_ms(&rk, NOW_MS), NOW_MS + 240000);
	ck_assert_int_eq(store_risk_alarm_mark(st, 1, &rk, NOW_MS), 0);
	/* Another zone: the shortest point. */
	ck_assert_int_eq(store_risk_alarm(st, m, 1, 9, &rk), 0);
	ck_assert_int_eq(rk.dispatch_s, 2 * 60);
	ck_assert_int_eq(risk_take_ms(&rk, 600, NOW_MS), NOW_MS + 120000);
	ck_assert_int_eq(store_risk_alarm(st, m, 2, 5, &rk), 0);
	ck_assert_int_eq(rk.assessment_id, 0);
	ck_assert_int_eq(store_commit(st), 0);
	ck_assert_int_eq(sqlite3_open(ts.path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT a.priority_reason,"
	    " a.dispatch_deadline_ms, s.deadline_s FROM alarms a JOIN alarm_steps s"
	    " ON s.alarm_id = a.id AND s.action = 'dispatch' WHERE a.id = 1", -1,
	    &q, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(q), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(q, 0),
	    "priority raised: PNH band II; take-deadline x0.50: PNH band II");
	ck_assert_int_eq(sqlite3_column_int64(q, 1), NOW_MS + 240000);
	ck_assert_int_eq(sqlite3_column_int(q, 2), 240);
	sqlite3_finalize(q);
	/* Taking sets the step deadlines from the take: the trigger caps dispatch. */
	ck_assert_int_eq(sqlite3_exec(db, "UPDATE alarm_steps SET deadline_ms ="
	    " 1767225700000 + deadline_s * 1000 WHERE alarm_id = 1", NULL, NULL,
	    NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT deadline_ms FROM"
	    " alarm_steps WHERE alarm_id = 1 ORDER BY position", -1, &q, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(q), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int64(q, 0), 1767225760000LL);
	ck_assert_int_eq(sqlite3_step(q), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int64(q, 0), NOW_MS + 240000);
	sqlite3_finalize(q);
	sqlite3_close(db);
	risk_map_free(m);
}
END_TEST

START_TEST(store_tables_versions)
{
	json_t	*t = risk_tables_default(), *row;
	int	 version;

	ck_assert(json_is_null(row = store_risk_tables_get(st, 1, 0)));
	json_decref(row);
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_risk_tables_put(st, t, "tester", NOW_MS,
	    &version), 0);
	ck_assert_int_eq(version, 1);
	ck_assert_int_eq(store_risk_tables_put(st, t, "tester", NOW_MS,
	    &version), 0);
	ck_assert_int_eq(version, 2);
	ck_assert_int_eq(store_commit(st), 0);
	row = store_risk_tables_get(st, 1, 0);
	ck_assert_int_eq(json_integer_value(json_object_get(row, "version")), 2);
	ck_assert(json_equal(json_object_get(row, "doc"), t));
	json_decref(row);
	json_decref(t);
}
END_TEST

/* The suite. */
static Suite *
risk_suite(void)
{
	Suite	*s = suite_create("risk");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, warehouse_matrix);
	tcase_add_test(tc, matrix_edges);
	tcase_add_test(tc, percent_sums);
	tcase_add_test(tc, pnh_example);
	tcase_add_test(tc, pnh_edges);
	tcase_add_test(tc, grade_derived);
	tcase_add_test(tc, time_balance_pure);
	tcase_add_test(tc, time_balance_doc);
	tcase_add_test(tc, zone_and_points);
	tcase_add_test(tc, doc_errors);
	tcase_add_test(tc, tables_check);
	tcase_add_test(tc, band_mapping);
	suite_add_tcase(s, tc);
	tc = tcase_create("store");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, store_versions);
	tcase_add_test(tc, store_alarm_applies);
	tcase_add_test(tc, store_tables_versions);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(risk_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
