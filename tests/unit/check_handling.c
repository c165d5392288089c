/* check_handling.c - unit tests for handling protocols: validation, versions, selection. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <jansson.h>
#include <sqlite3.h>

#include "clock.h"
#include "handling.h"
#include "site.h"
#include "store.h"
#include "tmpstore.h"

#define NOW_MS	1767225600000LL		/* 2026-01-01T00:00:00Z */

static struct tmpstore	 ts;		/* the temporary database */
static struct store	*st;

/* The fixed test clock. */
static int64_t
fixed_now(void)
{
	return NOW_MS;
}

/* A document from JSON text (the test fails on bad JSON). */
static json_t *
doc(const char *text)
{
	json_error_t	 jerr;
	json_t		*d = json_loads(text, 0, &jerr);

	ck_assert_msg(d != NULL, "bad test JSON: %s: %s", jerr.text, text);
	return d;
}

/* The validation message for text, or "" when it is valid. */
static const char *
verdict(const char *text)
{
	static char	 err[256];
	json_t		*d = doc(text);

	err[0] = '\0';
	if (handling_validate(d, err, sizeof err) == 0)
		err[0] = '\0';
	else
		ck_assert_msg(err[0] != '\0', "refused without a message: %s",
		    text);
	json_decref(d);
	return err;
}

#define HEAD	"\"name\": \"Night\", \"approved_by\": \"J. Smith, ACME\", "
#define STEP	"{\"action\": \"notify\", \"deadline\": 60}"

START_TEST(test_valid_documents)
{
	ck_assert_str_eq(verdict("{" HEAD "\"steps\": [" STEP "]}"), "");
	ck_assert_str_eq(verdict("{" HEAD "\"site\": 3, \"class\": \"fire\", "
	    "\"approved_at\": 1767225600000, \"reason\": \"yearly review\", "
	    "\"steps\": [{\"action\": \"call\", \"target\": 1, \"deadline\": 60},"
	    "{\"action\": \"call\", \"target\": \"2\", \"deadline\": 60},"
	    "{\"action\": \"call\", \"target\": \"+49 (30) 123-4567\", "
	    "\"text\": \"duty manager\", \"deadline\": 120},"
	    "{\"action\": \"dispatch\", \"target\": \"police\", \"deadline\": 300},"
	    "{\"action\": \"dispatch\", \"target\": 17, \"deadline\": 300},"
	    "{\"action\": \"verify\", \"target\": \"camera 4\", \"deadline\": 90},"
	    "{\"action\": \"text\", \"text\": \"Log the outcome\", "
	    "\"deadline\": 86400}]}"), "");
	ck_assert_str_eq(verdict("{" HEAD "\"site\": null, \"class\": null, "
	    "\"approved_at\": null, \"steps\": [" STEP "]}"), "");
}
END_TEST

START_TEST(test_step_errors)
{
	ck_assert_str_eq(verdict("{" HEAD "\"steps\": [{\"action\": \"shout\", "
	    "\"deadline\": 60}]}"),
	    "steps[0].action: must be one of call, dispatch, notify, verify, text");
	ck_assert_str_eq(verdict("{" HEAD "\"steps\": [{\"deadline\": 60}]}"),
	    "steps[0].action: must be one of call, dispatch, notify, verify, text");
	ck_assert_str_eq(verdict("{" HEAD "\"steps\": [" STEP ", {\"action\": "
	    "\"notify\", \"deadline\": 0}]}"),
	    "steps[1].deadline: must be 1-86400 seconds");
	ck_assert_str_eq(verdict("{" HEAD "\"steps\": [" STEP ", {\"action\": "
	    "\"notify\", \"deadline\": 86401}]}"),
	    "steps[1].deadline: must be 1-86400 seconds");
	ck_assert_str_eq(verdict("{" HEAD "\"steps\": [{\"action\": \"notify\", "
	    "\"deadline\": \"60\"}]}"),
	    "steps[0].deadline: must be 1-86400 seconds");
	ck_assert_str_eq(verdict("{" HEAD "\"steps\": [{\"action\": \"notify\"}]}"),
	    "steps[0].deadline: must be 1-86400 seconds");
	ck_assert_str_eq(verdict("{" HEAD "\"steps\": [" STEP ", " STEP ", "
	    "{\"action\": \"text\", \"text\": \"  \", \"deadline\": 5}]}"),
	    "steps[2].text: a text step needs its text");
	ck_assert_str_eq(verdict("{" HEAD "\"steps\": [{\"action\": \"notify\", "
	    "\"when\": 1, \"deadline\": 5}]}"),
	    "steps[0].when: unknown member (a step has action, target, text, "
	    "deadline)");
	ck_assert_str_eq(verdict("{" HEAD "\"steps\": [\"call\"]}"),
	    "steps[0]: must be an object");
	ck_assert_str_eq(verdict("{" HEAD "\"steps\": [{\"action\": \"notify\", "
	    "\"text\": 5, \"deadline\": 5}]}"),
	    "steps[0].text: must be a string of at most 1024 characters");
}
END_TEST

START_TEST(test_target_errors)
{
	static const char *const bad_calls[] = {
		"\"abc\"", "0", "1000", "\"0\"", "\"12a4\"", "null", "\"\"",
		"\"++4930\"", "\"123\"" /* a position, then valid */
	};
	char	text[512];
	size_t	i;

	for (i = 0; i < sizeof bad_calls / sizeof bad_calls[0]; i++) {
		snprintf(text, sizeof text, "{" HEAD "\"steps\": [{\"action\": "
		    "\"call\", \"target\": %s, \"deadline\": 60}]}", bad_calls[i]);
		ck_assert_str_eq(verdict(text), i == 8 ? "" : "steps[0].target: a "
		    "call needs a contact position (1-999) or a phone number");
	}
	ck_assert_str_eq(verdict("{" HEAD "\"steps\": [" STEP ", {\"action\": "
	    "\"dispatch\", \"target\": \"army\", \"deadline\": 60}]}"),
	    "steps[1].target: a dispatch needs a unit id or a unit kind (guard, "
	    "police, fire, medical, technician, other)");
	ck_assert_str_eq(verdict("{" HEAD "\"steps\": [{\"action\": "
	    "\"dispatch\", \"target\": 0, \"deadline\": 60}]}"),
	    "steps[0].target: a dispatch needs a unit id or a unit kind (guard, "
	    "police, fire, medical, technician, other)");
	ck_assert_str_eq(verdict("{" HEAD "\"steps\": [{\"action\": "
	    "\"notify\", \"target\": [1], \"deadline\": 60}]}"),
	    "steps[0].target: must be a string of at most 128 characters");
}
END_TEST

START_TEST(test_head_errors)
{
	ck_assert_str_eq(verdict("{\"name\": \"N\", \"steps\": [" STEP "]}"),
	    "approved_by: required: who on the client's side agreed the "
	    "protocol (1-128 characters)");
	ck_assert_str_eq(verdict("{\"name\": \"N\", \"approved_by\": \" \", "
	    "\"steps\": [" STEP "]}"),
	    "approved_by: required: who on the client's side agreed the "
	    "protocol (1-128 characters)");
	ck_assert_str_eq(verdict("{\"name\": \"a@b\", \"approved_by\": \"x\", "
	    "\"steps\": [" STEP "]}"),
	    "name: must be 1-64 characters, without '@', control characters or "
	    "blanks at either end");
	ck_assert_str_eq(verdict("{\"name\": \" a\", \"approved_by\": \"x\", "
	    "\"steps\": [" STEP "]}"),
	    "name: must be 1-64 characters, without '@', control characters or "
	    "blanks at either end");
	ck_assert_str_eq(verdict("{" HEAD "\"site\": 0, \"steps\": [" STEP "]}"),
	    "site: must be a site id or null (centre-wide)");
	ck_assert_str_eq(verdict("{" HEAD "\"site\": \"3\", \"steps\": [" STEP "]}"),
	    "site: must be a site id or null (centre-wide)");
	ck_assert_str_eq(verdict("{" HEAD "\"class\": \"burglar\", \"steps\": ["
	    STEP "]}"), "class: must be an event class (other, burglary, fire, "
	    "panic, medical, tamper, trouble, supervisory, openclose, test, "
	    "patrol, threat) or null (every class)");
	ck_assert_str_eq(verdict("{" HEAD "\"approved_at\": \"yesterday\", "
	    "\"steps\": [" STEP "]}"), "approved_at: must be a time");
	ck_assert_str_eq(verdict("{" HEAD "\"steps\": []}"),
	    "steps: must be a list of 1-64 steps");
	ck_assert_str_eq(verdict("{" HEAD "\"steps\": {}}"),
	    "steps: must be a list of 1-64 steps");
	ck_assert_str_eq(verdict("{" HEAD "\"colour\": 1, \"steps\": [" STEP "]}"),
	    "colour: unknown member");
	ck_assert_str_eq(verdict("[]"), "protocol: must be an object");
}
END_TEST

START_TEST(test_too_many_steps)
{
	json_t	*d = doc("{" HEAD "\"steps\": []}");
	json_t	*steps = json_object_get(d, "steps");
	char	 err[256];
	int	 i;

	for (i = 0; i < HANDLING_STEPS_MAX; i++)
		json_array_append_new(steps, doc(STEP));
	ck_assert_int_eq(handling_validate(d, err, sizeof err), 0);
	json_array_append_new(steps, doc(STEP));
	ck_assert_int_eq(handling_validate(d, err, sizeof err), -1);
	ck_assert_str_eq(err, "steps: must be a list of 1-64 steps");
	json_decref(d);
}
END_TEST

/* --- the store: versions and selection on a temporary database --- */

/* A fresh folder, a store, and sites 1 and 2 (inserted beside the store). */
static void
setup(void)
{
	sqlite3	*db;

	clock_set_source(fixed_now);
	st = tmpstore_open(&ts, "check_handling");
	/* Sites are another module's; a fixture row is all we need of them. */
	ck_assert_int_eq(sqlite3_open(ts.path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "INSERT INTO sites (id, name,"
	    " created_ms, updated_ms) VALUES (1, 'Bank', 0, 0), (2, 'Shop', 0, 0)",
	    NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* Close the store and remove the folder with its WAL files. */
static void
teardown(void)
{
	store_close(st);
	st = NULL;
	tmpstore_remove(&ts, NULL);
	clock_set_source(NULL);
}

/* Put a protocol (site 0: centre-wide, cls NULL: any) in the open batch; its id. */
static int64_t
put(const char *name, int64_t site, const char *cls, int want_version)
{
	json_t	*d = doc("{\"approved_by\": \"client\", \"steps\": [{\"action\":"
	    " \"call\", \"target\": 1, \"deadline\": 60}, {\"action\": \"text\","
	    " \"text\": \"log it\", \"deadline\": 600}]}");
	char	 err[256], other[80] = "";
	int64_t	 id = 0;
	int	 version = 0;

	json_object_set_new(d, "name", json_string(name));
	if (site > 0)
		json_object_set_new(d, "site", json_integer(site));
	if (cls != NULL)
		json_object_set_new(d, "class", json_string(cls));
	ck_assert_msg(handling_validate(d, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(store_protocol_put(st, d, "tester", NOW_MS, &id,
	    &version, other, sizeof other), 0);
	ck_assert_int_eq(version, want_version);
	ck_assert_int_gt(id, 0);
	json_decref(d);
	return id;
}

START_TEST(test_selection_precedence)
{
	int64_t	any, fire, site_any, site_fire;

	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_protocol_select(st, 1, "fire"), 0);
	any = put("Centre", 0, NULL, 1);
	ck_assert_int_eq(store_protocol_select(st, 1, "fire"), any);
	ck_assert_int_eq(store_protocol_select(st, 0, "fire"), any);
	fire = put("Centre fire", 0, "fire", 1);
	ck_assert_int_eq(store_protocol_select(st, 1, "fire"), fire);
	ck_assert_int_eq(store_protocol_select(st, 1, "burglary"), any);
	site_any = put("Bank", 1, NULL, 1);
	ck_assert_int_eq(store_protocol_select(st, 1, "fire"), site_any);
	ck_assert_int_eq(store_protocol_select(st, 2, "fire"), fire);
	site_fire = put("Bank fire", 1, "fire", 1);
	ck_assert_int_eq(store_protocol_select(st, 1, "fire"), site_fire);
	ck_assert_int_eq(store_protocol_select(st, 1, "burglary"), site_any);
	ck_assert_int_eq(store_protocol_select(st, 2, "burglary"), any);
	ck_assert_int_eq(store_protocol_select(st, 0, "fire"), fire);
	/* The reader sees none of it before the commit. */
	ck_assert_int_eq(store_protocol_match(st, 1, "fire"), 0);
	ck_assert_int_eq(store_commit(st), 0);
	ck_assert_int_eq(store_protocol_match(st, 1, "fire"), site_fire);
	ck_assert_int_eq(store_protocol_match(st, 2, "panic"), any);
}
END_TEST

START_TEST(test_versions_and_retire)
{
	int64_t	 v1, v2, id;
	json_t	*b, *steps;
	int	 version;

	ck_assert_int_eq(store_begin(st), 0);
	v1 = put("Bank", 1, NULL, 1);
	v2 = put("Bank", 1, "burglary", 2);
	ck_assert_int_ne(v1, v2);
	ck_assert_int_eq(store_commit(st), 0);
	b = store_protocol_brief(st, v1);
	ck_assert(json_is_false(json_object_get(b, "current")));
	ck_assert_int_eq(json_integer_value(json_object_get(b, "version")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(b, "approved_ms")),
	    NOW_MS);
	json_decref(b);
	/* The old version keeps its steps for the alarms raised under it. */
	steps = store_protocol_steps(st, v1);
	ck_assert_int_eq(json_array_size(steps), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(steps,
	    0), "target")), "1");
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(steps,
	    1), "position")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(steps,
	    1), "deadline_s")), 600);
	json_decref(steps);
	ck_assert_int_eq(store_protocol_match(st, 1, "fire"), 0);
	ck_assert_int_eq(store_protocol_match(st, 1, "burglary"), v2);
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_protocol_retire(st, "Bank", &id, &version), 0);
	ck_assert_int_eq(id, v2);
	ck_assert_int_eq(version, 2);
	ck_assert_int_eq(store_protocol_retire(st, "Bank", &id, &version), 1);
	ck_assert_int_eq(store_protocol_select(st, 1, "burglary"), 0);
	ck_assert_int_eq(store_commit(st), 0);
	b = store_protocol_get(st, 1, "Bank", 0);
	ck_assert_int_eq(json_integer_value(json_object_get(b, "version")), 2);
	ck_assert(json_is_false(json_object_get(b, "current")));
	json_decref(b);
}
END_TEST

START_TEST(test_one_current_per_place)
{
	json_t	*d = doc("{\"name\": \"Other\", \"site\": 1, \"class\": \"fire\","
	    " \"approved_by\": \"c\", \"steps\": [" STEP "]}");
	char	 other[80] = "";
	int64_t	 id, first;
	int	 version;

	ck_assert_int_eq(store_begin(st), 0);
	first = put("Bank fire", 1, "fire", 1);
	ck_assert_int_eq(store_protocol_put(st, d, "t", NOW_MS, &id, &version,
	    other, sizeof other), 1);
	ck_assert_str_eq(other, "Bank fire");
	/* The same place at another site, or for every class, is free. */
	json_object_set_new(d, "site", json_integer(2));
	ck_assert_int_eq(store_protocol_put(st, d, "t", NOW_MS, &id, &version,
	    other, sizeof other), 0);
	ck_assert_int_eq(store_protocol_select(st, 1, "fire"), first);
	ck_assert_int_eq(store_protocol_select(st, 2, "fire"), id);
	/* Once retired, its place may be taken by another name. */
	ck_assert_int_eq(store_protocol_retire(st, "Bank fire", &id, &version), 0);
	put("Bank fire 2", 1, "fire", 1);
	ck_assert_int_eq(store_commit(st), 0);
	json_decref(d);
}
END_TEST

START_TEST(test_rollback_leaves_nothing)
{
	json_t	*l;

	ck_assert_int_eq(store_begin(st), 0);
	put("Centre", 0, NULL, 1);
	store_rollback(st);
	ck_assert_int_eq(store_protocol_match(st, 1, "fire"), 0);
	l = store_protocol_list(st, -1, 1);
	ck_assert_int_eq(json_array_size(l), 0);
	json_decref(l);
	ck_assert(json_is_null(store_protocol_brief(st, 1)));
}
END_TEST

START_TEST(test_list_filters)
{
	json_t	*l;

	ck_assert_int_eq(store_begin(st), 0);
	put("Centre", 0, NULL, 1);
	put("Centre", 0, NULL, 2);
	put("Bank", 1, "fire", 1);
	put("Shop", 2, NULL, 1);
	ck_assert_int_eq(store_commit(st), 0);
	l = store_protocol_list(st, -1, 0);
	ck_assert_int_eq(json_array_size(l), 3);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(l, 0),
	    "name")), "Centre");
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(l, 0),
	    "nsteps")), 2);
	json_decref(l);
	l = store_protocol_list(st, -1, 1);
	ck_assert_int_eq(json_array_size(l), 4);
	json_decref(l);
	l = store_protocol_list(st, 0, 1);
	ck_assert_int_eq(json_array_size(l), 2);
	json_decref(l);
	l = store_protocol_list(st, 2, 0);
	ck_assert_int_eq(json_array_size(l), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(l, 0),
	    "name")), "Shop");
	json_decref(l);
}
END_TEST

/* site, step and shared of gap i, as "site:step:shared". */
static const char *
gap_at(json_t *gaps, size_t i)
{
	static char	 buf[64];
	json_t		*g = json_array_get(gaps, i);

	snprintf(buf, sizeof buf, "%lld:%lld:%lld",
	    (long long)json_integer_value(json_object_get(g, "site")),
	    (long long)json_integer_value(json_object_get(g, "step")),
	    (long long)json_integer_value(json_object_get(g, "shared")));
	return buf;
}

START_TEST(test_contact_gaps)
{
	json_t	*gaps, *w, *f;
	int64_t	 centre, bank;
	char	 msg[320];

	ck_assert_int_eq(store_begin(st), 0);
	centre = put("Centre", 0, NULL, 1);
	/* Both sites have no contacts: the centre's call 1 falls short twice. */
	gaps = store_protocol_gaps(st, centre, 0, 10);
	ck_assert_int_eq(json_array_size(gaps), 2);
	ck_assert_str_eq(gap_at(gaps, 0), "1:1:1");
	ck_assert_str_eq(gap_at(gaps, 1), "2:1:1");
	handling_gap_text(json_array_get(gaps, 0), msg, sizeof msg);
	ck_assert_str_eq(msg, "protocol 'Centre' step 1 calls contact 1, but "
	    "site 1 (Bank) has no contacts");
	w = handling_gap_warnings(gaps, 1);
	ck_assert_ptr_null(json_object_get(json_array_get(w, 0), "protocol"));
	ck_assert_ptr_null(json_object_get(json_array_get(w, 0), "shared"));
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(w, 0),
	    "message")), msg);
	json_decref(w);
	json_decref(gaps);
	/* Bank's own protocol shadows the centre's there, and comes first. */
	bank = put("Bank", 1, NULL, 1);
	gaps = store_protocol_gaps(st, 0, 0, 10);
	ck_assert_int_eq(json_array_size(gaps), 2);
	ck_assert_str_eq(gap_at(gaps, 0), "1:1:0");
	ck_assert_str_eq(gap_at(gaps, 1), "2:1:1");
	json_decref(gaps);
	/* A class protocol of Shop's own does not shadow an every-class one. */
	put("Shop fire", 2, "fire", 1);
	gaps = store_protocol_gaps(st, centre, 2, 10);
	ck_assert_int_eq(json_array_size(gaps), 1);
	json_decref(gaps);
	/* A contact at Shop closes its gaps; the limit is kept. */
	f = json_pack("{s:s}", "name", "Ann");
	ck_assert_int_gt(store_site_contact_add(st, 2, 1, f), 0);
	json_decref(f);
	gaps = store_protocol_gaps(st, 0, 2, 10);
	ck_assert_int_eq(json_array_size(gaps), 0);
	json_decref(gaps);
	gaps = store_protocol_gaps(st, bank, 0, 1);
	ck_assert_int_eq(json_array_size(gaps), 1);
	json_decref(gaps);
	/* A retired protocol reaches nobody. */
	ck_assert_int_eq(store_protocol_retire(st, "Bank", &bank, &(int){ 0 }), 0);
	gaps = store_protocol_gaps(st, 0, 1, 10);
	ck_assert_int_eq(json_array_size(gaps), 1);
	ck_assert_str_eq(gap_at(gaps, 0), "1:1:1");
	json_decref(gaps);
	ck_assert_int_eq(store_commit(st), 0);
}
END_TEST

START_TEST(test_band_gaps)
{
	sqlite3	*db;
	json_t	*d, *gaps;
	char	 err[256], other[80];
	int64_t	 id;
	int	 version;

	/* Bank is assessed pnh:II; Shop has no assessment. */
	ck_assert_int_eq(sqlite3_open(ts.path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "INSERT INTO risk_assessments (site_id,"
	    " version, assessed_by, assessed_ms, doc, result, created_by,"
	    " created_ms) VALUES (1, 1, 'a', 0, '{}', '{\"bands\": {\"pnh\":"
	    " \"II\"}}', 'a', 0)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	d = doc("{\"name\": \"PNH II\", \"band\": \"pnh:II\", \"approved_by\":"
	    " \"c\", \"steps\": [{\"action\": \"call\", \"target\": \"2\","
	    " \"deadline\": 60}]}");
	ck_assert_int_eq(handling_validate(d, err, sizeof err), 0);
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_protocol_put(st, d, "t", NOW_MS, &id, &version,
	    other, sizeof other), 0);
	gaps = store_protocol_gaps(st, id, 0, 10);
	ck_assert_int_eq(json_array_size(gaps), 1);
	ck_assert_str_eq(gap_at(gaps, 0), "1:1:1");
	json_decref(gaps);
	/* It shadows a centre-wide protocol at Bank; Shop still gets that. */
	id = put("Centre", 0, NULL, 1);
	gaps = store_protocol_gaps(st, id, 0, 10);
	ck_assert_int_eq(json_array_size(gaps), 1);
	ck_assert_str_eq(gap_at(gaps, 0), "2:1:1");
	json_decref(gaps);
	ck_assert_int_eq(store_commit(st), 0);
	json_decref(d);
}
END_TEST

/* The suite. */
static Suite *
handling_suite(void)
{
	Suite	*s = suite_create("handling");
	TCase	*tv = tcase_create("validate");
	TCase	*tst = tcase_create("store");

	tcase_add_test(tv, test_valid_documents);
	tcase_add_test(tv, test_step_errors);
	tcase_add_test(tv, test_target_errors);
	tcase_add_test(tv, test_head_errors);
	tcase_add_test(tv, test_too_many_steps);
	suite_add_tcase(s, tv);
	tcase_add_checked_fixture(tst, setup, teardown);
	tcase_add_test(tst, test_selection_precedence);
	tcase_add_test(tst, test_versions_and_retire);
	tcase_add_test(tst, test_one_current_per_place);
	tcase_add_test(tst, test_rollback_leaves_nothing);
	tcase_add_test(tst, test_list_filters);
	tcase_add_test(tst, test_contact_gaps);
	tcase_add_test(tst, test_band_gaps);
	suite_add_tcase(s, tst);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(handling_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
