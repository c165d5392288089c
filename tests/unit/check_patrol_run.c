/*
 * check_patrol_run.c - the guard patrol service on virtual time: a late
 * checkpoint raises a patrol alarm at its deadline and a late upload
 * restores it; a missed round is raised on catch-up after a restart and
 * never twice; holidays make shifts; panics are priority 1.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <event2/event.h>
#include <jansson.h>
#include <sqlite3.h>

#include "actor.h"
#include "alarm.h"
#include "batch.h"
#include "clock.h"
#include "cmd.h"
#include "conf.h"
#include "event.h"
#include "patrol_run.h"
#include "site.h"
#include "store.h"
#include "store_patrol.h"
#include "tmpstore.h"

#define T0	1767225600000LL		/* 2026-01-01T00:00:00Z, a Thursday */
#define SEC	1000LL
#define HOUR	(3600 * SEC)

static struct tmpstore		 ts;
static struct store		*st;
static struct event_base	*base;
static struct batch		*bt;
static struct config		 cfg;
static struct alarm_engine	*eng;
static struct patrol_run	*pr;
static int64_t			 now_ms, site;

/* The virtual clock. */
static int64_t
fake_now(void)
{
	return now_ms;
}

/* Commit what the batch holds. */
static void
commit(void)
{
	ck_assert_int_eq(batch_flush(bt), 0);
}

/* A site in UTC and the route "Night" on it, put just before T0. */
static void
put_route(const char *days, int rounds)
{
	json_t	*f = json_pack("{s:s,s:s}", "name", "Depot", "timezone", "UTC");
	json_t	*doc;
	char	*text;
	int64_t	 id, other;
	int	 v;

	ck_assert_int_eq(batch_join(bt), 0);
	ck_assert_int_gt(site = store_site_add(st, f), 0);
	json_decref(f);
	doc = json_pack("{s:s,s:I,s:s,s:[{s:s,s:s,s:i},{s:s,s:s,s:i},"
	    "{s:s,s:s,s:i}],s:[{s:s,s:s,s:s,s:i}]}", "name", "Night",
	    "site", (json_int_t)site, "order", "strict", "checkpoints",
	    "tag", "A", "name", "Gate", "max_gap", 600,
	    "tag", "B", "name", "Dock", "max_gap", 600,
	    "tag", "C", "name", "Car park", "max_gap", 600,
	    "schedule", "days", days, "from", "00:00", "to", "12:00",
	    "rounds", rounds);
	text = json_dumps(doc, JSON_COMPACT);
	ck_assert_int_eq(store_patrol_route_put(st, "Night", site, text, "sup",
	    T0 - 60 * SEC, &id, &v, &other), 0);
	free(text);
	json_decref(doc);
	commit();
}

/* Store, loop, batch, alarm engine and patrol service at T0. */
static void
setup(void)
{
	st = tmpstore_open(&ts, "check_patrol_run");
	base = event_base_new();
	bt = batch_new(base, st, 1000);
	memset(&cfg, 0, sizeof(cfg));
	cfg.alarm_classes = ~0u;
	cfg.take_deadline = 60;
	cfg.escalation_interval = 120;
	cfg.unknown_priority = 5;
	now_ms = T0;
	clock_set_source(fake_now);
	eng = alarm_engine_new(base, st, bt, &cfg);
	ck_assert_int_eq(alarm_engine_start(eng), 0);
	pr = NULL;
}

/* Free everything and remove the folder. */
static void
teardown(void)
{
	patrol_run_free(pr);
	alarm_engine_free(eng);
	batch_free(bt);
	event_base_free(base);
	store_close(st);
	tmpstore_remove(&ts, NULL);
	clock_set_source(NULL);
}

/* Start (or restart) the service and commit its catch-up. */
static void
start(void)
{
	patrol_run_free(pr);
	pr = patrol_run_new(base, st, bt, eng);
	ck_assert_int_eq(patrol_run_start(pr), 0);
	commit();
}

/* A scan of tag made at scan_ms, received now; judged and committed. */
static void
scan(const char *tag, int64_t scan_ms)
{
	struct patrol_checkin_in	in;
	struct cmd_err			err;
	json_t				*res = NULL;

	memset(&in, 0, sizeof(in));
	in.source = "socket";
	in.kind = "scan";
	in.tag = tag;
	in.guard = "G1";
	in.received_ms = now_ms;
	in.scan_ms = scan_ms;
	ck_assert_int_eq(patrol_run_checkin(pr, &in, &res, &err), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(res, "site_id")),
	    site);
	json_decref(res);
	commit();
	patrol_run_tick(pr);
	commit();
}

/* A number from the committed database. */
static int64_t
db_int(const char *sql)
{
	return tmpstore_int(&ts, sql);
}

#define OPEN_PATROL	"SELECT count(*) FROM alarms WHERE kind = 'patrol'" \
			" AND class = 'patrol' AND state <> 'closed' AND restored = 0"
#define ALL_PATROL	"SELECT count(*) FROM alarms WHERE kind = 'patrol'"

START_TEST(test_late_then_restored)
{
	put_route("mon-sun", 1);
	now_ms = T0 + HOUR;
	start();
	scan("A", now_ms);
	ck_assert_int_eq(db_int(ALL_PATROL), 0);
	/* B is due 600 s after A: nothing a second before, an alarm after. */
	now_ms = T0 + HOUR + 599 * SEC;
	patrol_run_tick(pr);
	commit();
	ck_assert_int_eq(db_int(ALL_PATROL), 0);
	now_ms = T0 + HOUR + 601 * SEC;
	patrol_run_tick(pr);
	commit();
	ck_assert_int_eq(db_int(OPEN_PATROL), 1);
	ck_assert_int_eq(db_int("SELECT count(*) FROM patrol_findings"
	    " WHERE fkey = 'r1.cp2.late' AND restored_ms IS NULL"), 1);
	/* The phone was out of coverage: B read in time, uploaded now. */
	now_ms = T0 + HOUR + 900 * SEC;
	scan("B", T0 + HOUR + 300 * SEC);
	ck_assert_int_eq(db_int(OPEN_PATROL), 0);
	ck_assert_int_eq(db_int("SELECT restored FROM alarms"
	    " WHERE kind = 'patrol'"), 1);
	ck_assert_int_eq(db_int(ALL_PATROL), 1);
}
END_TEST

START_TEST(test_missed_round_catch_up)
{
	struct cmd_err	 err;
	json_t		*res = NULL;

	put_route("mon-sun", 2);
	/* Down all night: the first slot (00:00-06:00) closed unstarted. */
	now_ms = T0 + 6 * HOUR + 5 * SEC;
	start();
	ck_assert_int_eq(db_int("SELECT count(*) FROM patrol_findings"
	    " WHERE fkey = 'r1.missed'"), 1);
	ck_assert_int_eq(db_int(OPEN_PATROL), 1);
	/* Restarted twice more: the same failure, the same alarm. */
	start();
	start();
	ck_assert_int_eq(db_int(ALL_PATROL), 1);
	/* An operator closes it while it still fails: not raised again. */
	ck_assert_int_eq(batch_join(bt), 0);
	ck_assert_int_eq(alarm_close(eng, db_int("SELECT id FROM alarms"),
	    "real", "guard ill", &actor_pcod, &res, &err), 0);
	json_decref(res);
	commit();
	now_ms += 10 * SEC;
	patrol_run_tick(pr);
	commit();
	start();
	ck_assert_int_eq(db_int(ALL_PATROL), 1);
	ck_assert_int_eq(db_int(OPEN_PATROL), 0);
}
END_TEST

START_TEST(test_holiday_shift)
{
	json_t	*st_json, *shifts;

	put_route("holiday", 1);
	now_ms = T0 + HOUR;
	start();
	st_json = patrol_run_status(pr, site);
	ck_assert_int_eq(json_array_size(json_object_get(st_json, "shifts")), 0);
	json_decref(st_json);
	ck_assert_int_eq(batch_join(bt), 0);
	ck_assert_int_eq(store_patrol_holiday_put(st, "2026-01-01", "New Year"),
	    0);
	commit();
	patrol_run_reload(pr);
	commit();
	st_json = patrol_run_status(pr, site);
	shifts = json_object_get(st_json, "shifts");
	ck_assert_int_eq(json_array_size(shifts), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    shifts, 0), "next_checkpoint")), "Gate");
	json_decref(st_json);
}
END_TEST

START_TEST(test_panic_priority)
{
	struct patrol_checkin_in	in;
	struct cmd_err			err;
	json_t				*res = NULL;

	put_route("mon-sun", 1);
	now_ms = T0 + HOUR;
	start();
	memset(&in, 0, sizeof(in));
	in.source = "socket";
	in.kind = "panic";
	in.tag = "";
	in.guard = "G1";
	in.site_id = site;
	in.received_ms = now_ms;
	ck_assert_int_eq(patrol_run_checkin(pr, &in, &res, &err), 0);
	ck_assert_int_gt(json_integer_value(json_object_get(res, "alarm_id")), 0);
	json_decref(res);
	commit();
	ck_assert_int_eq(db_int("SELECT priority FROM alarms WHERE class ="
	    " 'panic' AND kind = 'patrol'"), 1);
	/* The same panic again is one check-in and one alarm. */
	ck_assert_int_eq(patrol_run_checkin(pr, &in, &res, &err), 0);
	ck_assert(json_is_true(json_object_get(res, "duplicate")));
	json_decref(res);
	commit();
	ck_assert_int_eq(db_int("SELECT count(*) FROM alarms"), 1);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("patrol_run");
	TCase	*tc = tcase_create("patrol_run");
	SRunner	*sr;
	int	 nf;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_late_then_restored);
	tcase_add_test(tc, test_missed_round_catch_up);
	tcase_add_test(tc, test_holiday_shift);
	tcase_add_test(tc, test_panic_priority);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
