/* check_supervise.c - supervision deadlines, grace, persistence and presets on virtual time; handling-time statistics. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <event2/event.h>
#include <jansson.h>

#include "batch.h"
#include "clock.h"
#include "conf.h"
#include "log.h"
#include "stats_handling.h"
#include "store.h"
#include "tmpstore.h"
#include "supervise.h"

#define T0	1767225600000LL		/* 2026-01-01T00:00:00Z */
#define SEC	1000LL

static struct tmpstore	 ts;		/* the temporary database */
static struct store		*st;
static struct event_base	*base;
static struct batch		*bt;
static struct config		 cfg;
static struct supervisor	*sv;
static int64_t			 now_ms;

/* What the sink was told. */
static struct {
	int	fails, restores, fail_rc;
	char	account[17];
	int64_t	site_id, last_seen;
} rec;

/* The virtual clock. */
static int64_t
fake_now(void)
{
	return now_ms;
}

/* Record a raised communication failure. */
static int
rec_fail(void *arg, const char *account, int64_t site_id, int64_t last)
{
	rec.fails++;
	snprintf(rec.account, sizeof(rec.account), "%s", account);
	rec.site_id = site_id;
	rec.last_seen = last;
	return rec.fail_rc;
}

/* Record a restore. */
static int
rec_restore(void *arg, const char *account)
{
	rec.restores++;
	snprintf(rec.account, sizeof(rec.account), "%s", account);
	return 0;
}

/* A fresh store, loop, batch and virtual clock for each test. */
static void
setup(void)
{
	st = tmpstore_open(&ts, "check_supervise");
	base = event_base_new();
	bt = batch_new(base, st, 1000);
	memset(&cfg, 0, sizeof(cfg));
	memset(&rec, 0, sizeof(rec));
	now_ms = T0;
	clock_set_source(fake_now);
	sv = NULL;
}

/* Free everything and remove the folder. */
static void
teardown(void)
{
	supervise_free(sv);
	batch_free(bt);
	event_base_free(base);
	store_close(st);
	clock_set_source(NULL);
	tmpstore_remove(&ts, NULL);
}

/* Store an account with an interval (and a stored last sign of life). */
static void
add_account(const char *acct, int interval, int64_t seen)
{
	struct store_account	a;

	memset(&a, 0, sizeof(a));
	snprintf(a.account, sizeof(a.account), "%s", acct);
	a.created_ms = T0 - 86400 * SEC;
	a.supervision_s = interval;
	ck_assert_int_eq(store_account_add(st, &a), 0);
	if (seen > 0)
		ck_assert_int_eq(store_account_seen(st, acct, seen), 0);
}

/* Make and start the supervisor under test, with the recording sink. */
static void
start(void)
{
	struct supervise_sink	sink = { rec_fail, rec_restore, NULL };

	sv = supervise_new(base, st, bt, NULL, &cfg);
	supervise_set_sink(sv, &sink);
	ck_assert_int_eq(supervise_start(sv), 0);
}

/* Move the clock to t and run the timer's check. */
static void
tick_at(int64_t t)
{
	now_ms = t;
	supervise_tick(sv);
}

/* The stored last sign of life of acct (after committing the batch). */
static int64_t
stored_seen(const char *acct)
{
	struct store_account	a;

	ck_assert_int_eq(batch_flush(bt), 0);
	ck_assert_int_eq(store_account_get(st, acct, &a), 0);
	return a.last_seen_ms;
}

/* A member of a JSON object as a string ("" if it is not one). */
static const char *
jstr(json_t *o, const char *key)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

START_TEST(test_parse_interval)
{
	char	err[256];
	int	s = -1;

	ck_assert_int_eq(supervise_parse_interval(NULL, "SP4", &s, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(s, 180);
	ck_assert_int_eq(supervise_parse_interval(NULL, "dp2", &s, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(s, 1800);
	ck_assert_int_eq(supervise_parse_interval(NULL, "sp2", &s, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(s, 25 * 3600);
	ck_assert_int_eq(supervise_parse_interval(NULL, "SP6", &s, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(s, 20);
	ck_assert_int_eq(supervise_parse_interval(NULL, "180", &s, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(s, 180);
	ck_assert_int_eq(supervise_parse_interval(NULL, "90s", &s, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(s, 90);
	ck_assert_int_eq(supervise_parse_interval(NULL, "30m", &s, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(s, 1800);
	ck_assert_int_eq(supervise_parse_interval(NULL, "25H", &s, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(s, 90000);
	ck_assert_int_eq(supervise_parse_interval(NULL, "none", &s, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(s, 0);
	s = 5;
	ck_assert_int_eq(supervise_parse_interval(NULL, "0", &s, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(s, 0);
}
END_TEST

START_TEST(test_parse_interval_bad)
{
	static const char *const bad[] = { "", "abc", "12abc", "-5", "5x",
	    "s", "1.5h", "33d", "2764801", "SP7", " 5" };
	char	err[256];
	size_t	i;
	int	s = 7;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(supervise_parse_interval(NULL, bad[i], &s, err,
		    sizeof(err)) == -1, "accepted \"%s\"", bad[i]);
		ck_assert_msg(err[0] != '\0', "no message for \"%s\"", bad[i]);
		ck_assert_int_eq(s, 7);
	}
	ck_assert_int_eq(supervise_parse_interval(NULL, "32d", &s, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(s, SUPERVISE_MAX_S);
}
END_TEST

START_TEST(test_presets_config)
{
	json_t	*p, *e;
	size_t	 i;
	char	 err[256];
	int	 s, seen_sp4 = 0, seen_night = 0;

	snprintf(cfg.presets[0].name, sizeof(cfg.presets[0].name), "sp4");
	cfg.presets[0].seconds = 200;
	snprintf(cfg.presets[1].name, sizeof(cfg.presets[1].name), "NIGHTLY");
	cfg.presets[1].seconds = 93600;
	cfg.npresets = 2;
	ck_assert_int_eq(supervise_parse_interval(&cfg, "SP4", &s, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(s, 200);
	ck_assert_int_eq(supervise_parse_interval(&cfg, "nightly", &s, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(s, 93600);
	/* The built-in list: ten categories, nothing configured. */
	p = supervise_presets(NULL);
	ck_assert_int_eq(json_array_size(p), 10);
	json_decref(p);
	p = supervise_presets(&cfg);
	ck_assert_int_eq(json_array_size(p), 11);
	json_array_foreach(p, i, e) {
		if (strcmp(jstr(e, "name"), "SP4") == 0) {
			seen_sp4 = 1;
			ck_assert_int_eq(json_integer_value(json_object_get(e,
			    "seconds")), 200);
			ck_assert(json_is_true(json_object_get(e, "configured")));
		}
		if (strcmp(jstr(e, "name"), "NIGHTLY") == 0)
			seen_night = 1;
		if (strcmp(jstr(e, "name"), "DP4") == 0) {
			ck_assert_int_eq(json_integer_value(json_object_get(e,
			    "seconds")), 90);
			ck_assert(json_is_false(json_object_get(e, "configured")));
		}
	}
	ck_assert(seen_sp4 && seen_night);
	json_decref(p);
}
END_TEST

START_TEST(test_deadline_raise_restore)
{
	add_account("1234", 60, 0);
	start();
	supervise_seen(sv, "1234", T0);
	tick_at(T0 + 60 * SEC - 1);
	ck_assert_int_eq(rec.fails, 0);
	tick_at(T0 + 60 * SEC);
	ck_assert_int_eq(rec.fails, 1);
	ck_assert_str_eq(rec.account, "1234");
	ck_assert_int_eq(rec.last_seen, T0);
	/* Raised once, not every second. */
	tick_at(T0 + 61 * SEC);
	tick_at(T0 + 600 * SEC);
	ck_assert_int_eq(rec.fails, 1);
	/* The first frame after start restored (maybe-open alarm), and now: */
	ck_assert_int_eq(rec.restores, 1);
	supervise_seen(sv, "1234", T0 + 601 * SEC);
	ck_assert_int_eq(rec.restores, 2);
	supervise_seen(sv, "1234", T0 + 602 * SEC);
	ck_assert_int_eq(rec.restores, 2);
	/* A new silence counts from the last sign of life. */
	tick_at(T0 + 661 * SEC);
	ck_assert_int_eq(rec.fails, 1);
	tick_at(T0 + 662 * SEC);
	ck_assert_int_eq(rec.fails, 2);
	ck_assert_int_eq(rec.last_seen, T0 + 602 * SEC);
}
END_TEST

START_TEST(test_grace)
{
	/* Silent for a day before this start. */
	add_account("1234", 60, T0 - 86400 * SEC);
	cfg.supervision_grace = 120;
	start();
	tick_at(T0 + 119 * SEC);
	ck_assert_int_eq(rec.fails, 0);
	tick_at(T0 + 120 * SEC);
	ck_assert_int_eq(rec.fails, 1);
	ck_assert_int_eq(rec.last_seen, T0 - 86400 * SEC);
}
END_TEST

START_TEST(test_grace_report_in_time)
{
	json_t	*s;

	add_account("1234", 60, T0 - 86400 * SEC);
	cfg.supervision_grace = 120;
	start();
	s = supervise_status(sv, "1234");
	ck_assert(json_is_false(json_object_get(s, "silent")));
	ck_assert_str_eq(jstr(s, "deadline"), "2026-01-01T00:02:00.000Z");
	json_decref(s);
	supervise_seen(sv, "1234", T0 + 100 * SEC);
	tick_at(T0 + 159 * SEC);
	ck_assert_int_eq(rec.fails, 0);
	tick_at(T0 + 160 * SEC);
	ck_assert_int_eq(rec.fails, 1);
}
END_TEST

START_TEST(test_never_seen)
{
	add_account("ABCD", 30, 0);
	start();
	tick_at(T0 + 29 * SEC);
	ck_assert_int_eq(rec.fails, 0);
	tick_at(T0 + 30 * SEC);
	ck_assert_int_eq(rec.fails, 1);
	ck_assert_int_eq(rec.last_seen, 0);
}
END_TEST

START_TEST(test_unsupervised)
{
	add_account("1234", 0, 0);
	start();
	supervise_seen(sv, "1234", T0);
	tick_at(T0 + 86400 * SEC);
	ck_assert_int_eq(rec.fails, 0);
	/* Only an account loaded as supervised may have an old alarm open. */
	ck_assert_int_eq(rec.restores, 0);
}
END_TEST

START_TEST(test_persist_throttled)
{
	add_account("1234", 60, 0);
	start();
	/* Interval 60 s: written at most every 15 s. */
	supervise_seen(sv, "1234", T0);
	ck_assert_int_eq(stored_seen("1234"), T0);
	supervise_seen(sv, "1234", T0 + 5 * SEC);
	/* Nothing to write: no transaction opened for this frame. */
	ck_assert_int_eq(store_in_txn(st), 0);
	ck_assert_int_eq(stored_seen("1234"), T0);
	supervise_seen(sv, "1234", T0 + 15 * SEC);
	ck_assert_int_eq(stored_seen("1234"), T0 + 15 * SEC);
	/* The timer writes what waited once its turn comes. */
	supervise_seen(sv, "1234", T0 + 20 * SEC);
	tick_at(T0 + 29 * SEC);
	ck_assert_int_eq(stored_seen("1234"), T0 + 15 * SEC);
	tick_at(T0 + 30 * SEC);
	ck_assert_int_eq(stored_seen("1234"), T0 + 20 * SEC);
	/* Never backwards. */
	supervise_seen(sv, "1234", T0 + 10 * SEC);
	tick_at(T0 + 50 * SEC);
	ck_assert_int_eq(stored_seen("1234"), T0 + 20 * SEC);
}
END_TEST

START_TEST(test_persist_unsupervised_minute)
{
	add_account("1234", 0, 0);
	add_account("5678", 8, 0);
	start();
	supervise_seen(sv, "1234", T0);
	supervise_seen(sv, "5678", T0);
	ck_assert_int_eq(stored_seen("1234"), T0);
	supervise_seen(sv, "1234", T0 + 59 * SEC);
	supervise_seen(sv, "5678", T0 + 1 * SEC);
	ck_assert_int_eq(stored_seen("1234"), T0);
	/* 8 s / 4 = 2 s, but at least 1 s. */
	ck_assert_int_eq(stored_seen("5678"), T0);
	supervise_seen(sv, "5678", T0 + 2 * SEC);
	ck_assert_int_eq(stored_seen("5678"), T0 + 2 * SEC);
	supervise_seen(sv, "1234", T0 + 60 * SEC);
	ck_assert_int_eq(stored_seen("1234"), T0 + 60 * SEC);
}
END_TEST

START_TEST(test_failed_batch_retries)
{
	add_account("1234", 10, 0);
	start();
	tick_at(T0 + 10 * SEC);
	ck_assert_int_eq(rec.fails, 1);
	/* The batch holding the alarm is lost: it must be raised again. */
	batch_abort(bt);
	tick_at(T0 + 11 * SEC);
	ck_assert_int_eq(rec.fails, 2);
	ck_assert_int_eq(batch_flush(bt), 0);
	tick_at(T0 + 12 * SEC);
	ck_assert_int_eq(rec.fails, 2);
	/* A lost restore is made again by the next frame. */
	supervise_seen(sv, "1234", T0 + 13 * SEC);
	ck_assert_int_eq(rec.restores, 1);
	batch_abort(bt);
	supervise_seen(sv, "1234", T0 + 14 * SEC);
	ck_assert_int_eq(rec.restores, 2);
	ck_assert_int_eq(stored_seen("1234"), T0 + 14 * SEC);
	supervise_seen(sv, "1234", T0 + 15 * SEC);
	ck_assert_int_eq(rec.restores, 2);
}
END_TEST

/* The status member key of acct is true? */
static int
status_is(const char *acct, const char *key)
{
	json_t	*s = supervise_status(sv, acct);
	int	 v = json_is_true(json_object_get(s, key));

	json_decref(s);
	return v;
}

/* The status member next_alarm of acct ("" when null). */
static void
next_alarm_is(const char *acct, const char *want)
{
	json_t	*s = supervise_status(sv, acct);

	ck_assert_str_eq(jstr(s, "next_alarm"), want);
	json_decref(s);
}

START_TEST(test_closed_while_silent)
{
	add_account("1234", 60, 0);
	start();
	supervise_seen(sv, "1234", T0);
	tick_at(T0 + 60 * SEC);
	ck_assert_int_eq(rec.fails, 1);
	ck_assert(status_is("1234", "comm_fail"));
	next_alarm_is("1234", "");
	/* An operator closes the alarm while the panel is still silent. */
	now_ms = T0 + 100 * SEC;
	ck_assert_int_eq(batch_join(bt), 0);
	supervise_comm_closed(sv, "1234");
	ck_assert_int_eq(batch_flush(bt), 0);
	ck_assert(status_is("1234", "silent"));
	ck_assert(!status_is("1234", "comm_fail"));
	next_alarm_is("1234", "2026-01-01T00:02:40.000Z");
	/* Not raised before an interval has passed since the close, then again. */
	tick_at(T0 + 159 * SEC);
	ck_assert_int_eq(rec.fails, 1);
	tick_at(T0 + 160 * SEC);
	ck_assert_int_eq(rec.fails, 2);
	ck_assert_int_eq(rec.last_seen, T0);
	ck_assert(status_is("1234", "comm_fail"));
	tick_at(T0 + 500 * SEC);
	ck_assert_int_eq(rec.fails, 2);
	/* Closing again: again an interval later. */
	ck_assert_int_eq(batch_join(bt), 0);
	supervise_comm_closed(sv, "1234");
	ck_assert_int_eq(batch_flush(bt), 0);
	tick_at(T0 + 560 * SEC);
	ck_assert_int_eq(rec.fails, 3);
}
END_TEST

START_TEST(test_closed_after_return)
{
	add_account("1234", 60, 0);
	start();
	supervise_seen(sv, "1234", T0);
	tick_at(T0 + 60 * SEC);
	ck_assert_int_eq(rec.fails, 1);
	/* It reports again; closing the restored alarm changes nothing. */
	supervise_seen(sv, "1234", T0 + 70 * SEC);
	ck_assert_int_eq(batch_join(bt), 0);
	supervise_comm_closed(sv, "1234");
	ck_assert_int_eq(batch_flush(bt), 0);
	ck_assert(!status_is("1234", "silent"));
	next_alarm_is("1234", "2026-01-01T00:02:10.000Z");
	tick_at(T0 + 129 * SEC);
	ck_assert_int_eq(rec.fails, 1);
	tick_at(T0 + 130 * SEC);
	ck_assert_int_eq(rec.fails, 2);
	/* Unknown and unsupervised accounts are ignored. */
	supervise_comm_closed(sv, "9999");
}
END_TEST

START_TEST(test_close_rolled_back)
{
	add_account("1234", 60, 0);
	start();
	supervise_seen(sv, "1234", T0);
	tick_at(T0 + 60 * SEC);
	ck_assert_int_eq(batch_flush(bt), 0);
	/* The batch holding the close fails: the alarm is still open. */
	now_ms = T0 + 100 * SEC;
	ck_assert_int_eq(batch_join(bt), 0);
	supervise_comm_closed(sv, "1234");
	batch_abort(bt);
	ck_assert(status_is("1234", "comm_fail"));
	tick_at(T0 + 1000 * SEC);
	ck_assert_int_eq(rec.fails, 1);
}
END_TEST

START_TEST(test_sink_error)
{
	add_account("1234", 10, 0);
	start();
	rec.fail_rc = -1;
	tick_at(T0 + 10 * SEC);
	ck_assert_int_eq(rec.fails, 1);
	/* Not marked raised: tried again at the next tick. */
	rec.fail_rc = 0;
	tick_at(T0 + 11 * SEC);
	ck_assert_int_eq(rec.fails, 2);
	tick_at(T0 + 12 * SEC);
	ck_assert_int_eq(rec.fails, 2);
}
END_TEST

START_TEST(test_account_changes)
{
	json_t	*s;

	start();
	/* Added after start: silent interval counts from the change. */
	now_ms = T0 + 100 * SEC;
	supervise_account(sv, "BEEF", 7, 20);
	tick_at(T0 + 119 * SEC);
	ck_assert_int_eq(rec.fails, 0);
	tick_at(T0 + 120 * SEC);
	ck_assert_int_eq(rec.fails, 1);
	ck_assert_int_eq(rec.site_id, 7);
	s = supervise_status(sv, "BEEF");
	ck_assert(json_is_true(json_object_get(s, "silent")));
	ck_assert(json_is_true(json_object_get(s, "comm_fail")));
	ck_assert_str_eq(jstr(s, "preset"), "SP6");
	ck_assert_int_eq(json_integer_value(json_object_get(s, "interval")), 20);
	json_decref(s);
	/* Interval 0 stops it. */
	supervise_account(sv, "CAFE", 0, 20);
	supervise_account(sv, "CAFE", 0, 0);
	tick_at(T0 + 1000 * SEC);
	ck_assert_int_eq(rec.fails, 1);
	supervise_forget(sv, "BEEF");
	s = supervise_status(sv, "BEEF");
	ck_assert(json_is_null(s));
	json_decref(s);
}
END_TEST

START_TEST(test_status_and_list)
{
	json_t	*s, *l;

	add_account("1111", 180, 0);
	add_account("2222", 90000, 0);
	add_account("3333", 0, 0);
	add_account("4444", 77, 0);
	start();
	supervise_seen(sv, "1111", T0);
	supervise_seen(sv, "2222", T0);
	s = supervise_status(sv, "1111");
	ck_assert_str_eq(jstr(s, "preset"), "SP4/DP3");
	ck_assert_str_eq(jstr(s, "last_seen"), "2026-01-01T00:00:00.000Z");
	ck_assert_str_eq(jstr(s, "deadline"), "2026-01-01T00:03:00.000Z");
	ck_assert(json_is_false(json_object_get(s, "silent")));
	json_decref(s);
	s = supervise_status(sv, "4444");
	ck_assert(json_is_null(json_object_get(s, "preset")));
	ck_assert(json_is_null(json_object_get(s, "last_seen")));
	json_decref(s);
	tick_at(T0 + 180 * SEC);
	l = supervise_list(sv, 0);
	ck_assert_int_eq(json_array_size(l), 3);
	ck_assert_str_eq(jstr(json_array_get(l, 0), "account"), "1111");
	ck_assert_str_eq(jstr(json_array_get(l, 1), "preset"), "SP2/DP1");
	ck_assert_str_eq(jstr(json_array_get(l, 2), "account"), "4444");
	json_decref(l);
	l = supervise_list(sv, 1);
	ck_assert_int_eq(json_array_size(l), 2);
	ck_assert_str_eq(jstr(json_array_get(l, 0), "account"), "1111");
	ck_assert(json_is_true(json_object_get(json_array_get(l, 0), "silent")));
	ck_assert_str_eq(jstr(json_array_get(l, 1), "account"), "4444");
	json_decref(l);
}
END_TEST

START_TEST(test_many_accounts)
{
	json_t	*l;
	char	 acct[17];
	int	i;

	start();
	now_ms = T0;
	for (i = 0; i < 2000; i++) {
		snprintf(acct, sizeof(acct), "%04X", i);
		supervise_account(sv, acct, 0, 30);
		supervise_seen(sv, acct, T0);
	}
	ck_assert_int_eq(batch_flush(bt), 0);
	tick_at(T0 + 30 * SEC);
	/* At most 500 a tick: the rest follow in the next seconds. */
	ck_assert_int_eq(rec.fails, 500);
	tick_at(T0 + 31 * SEC);
	tick_at(T0 + 32 * SEC);
	tick_at(T0 + 33 * SEC);
	ck_assert_int_eq(rec.fails, 2000);
	supervise_forget(sv, "0007");
	l = supervise_status(sv, "0007");
	ck_assert(json_is_null(l));
	json_decref(l);
	l = supervise_list(sv, 1);
	ck_assert_int_eq(json_array_size(l), 1999);
	json_decref(l);
}
END_TEST

START_TEST(test_stats_times)
{
	int64_t			v[] = { 40000, 10000, 30000, 20000 };
	int64_t			w[20];
	struct stats_times	t;
	int			i;

	store_stats_times(v, 4, &t);
	ck_assert_int_eq(t.n, 4);
	ck_assert_int_eq(v[0], 10000);		/* sorted in place */
	ck_assert_int_eq(t.mean, 250);
	ck_assert_int_eq(t.p50, 200);
	ck_assert_int_eq(t.p90, 400);
	ck_assert_int_eq(t.p95, 400);
	ck_assert_int_eq(t.max, 400);
	for (i = 0; i < 20; i++)
		w[i] = (20 - i) * SEC;
	store_stats_times(w, 20, &t);
	ck_assert_int_eq(t.p50, 100);
	ck_assert_int_eq(t.p90, 180);
	ck_assert_int_eq(t.p95, 190);
	ck_assert_int_eq(t.max, 200);
	ck_assert_int_eq(t.mean, 105);
	store_stats_times(w, 0, &t);
	ck_assert_int_eq(t.n, 0);
	ck_assert_int_eq(t.max, 0);
	/* Tenths of a second, half up. */
	v[0] = 1249;
	store_stats_times(v, 1, &t);
	ck_assert_int_eq(t.p50, 12);
	v[0] = 1250;
	store_stats_times(v, 1, &t);
	ck_assert_int_eq(t.max, 13);
	ck_assert_int_eq(t.mean, 13);
}
END_TEST

START_TEST(test_stats_share)
{
	int64_t	v[] = { 5000, 30000, 30001, 60000, 90000 };

	/* Of 6 alarms (one untaken): 2 within 30 s, 4 within 60 s. */
	ck_assert_int_eq(store_stats_share(v, 5, 6, 30000), 333);
	ck_assert_int_eq(store_stats_share(v, 5, 6, 60000), 667);
	ck_assert_int_eq(store_stats_share(v, 5, 5, 100000), 1000);
	ck_assert_int_eq(store_stats_share(v, 5, 5, 4999), 0);
	ck_assert_int_eq(store_stats_share(v, 0, 0, 30000), 0);
	ck_assert_int_eq(store_stats_by_parse("priority"), STATS_BY_PRIORITY);
	ck_assert_int_eq(store_stats_by_parse("operator"), STATS_BY_OPERATOR);
	ck_assert_int_eq(store_stats_by_parse("day"), STATS_BY_DAY);
	ck_assert_int_eq(store_stats_by_parse("hour"), STATS_BY_HOUR);
	ck_assert_int_eq(store_stats_by_parse("week"), -1);
	ck_assert_str_eq(store_stats_by_name(STATS_BY_HOUR), "hour");
}
END_TEST

/* The suite. */
static Suite *
supervise_suite(void)
{
	Suite	*s = suite_create("supervise");
	TCase	*tc = tcase_create("supervise");
	TCase	*pure = tcase_create("pure");

	tcase_add_test(pure, test_parse_interval);
	tcase_add_test(pure, test_parse_interval_bad);
	tcase_add_test(pure, test_stats_times);
	tcase_add_test(pure, test_stats_share);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_presets_config);
	tcase_add_test(tc, test_deadline_raise_restore);
	tcase_add_test(tc, test_grace);
	tcase_add_test(tc, test_grace_report_in_time);
	tcase_add_test(tc, test_never_seen);
	tcase_add_test(tc, test_unsupervised);
	tcase_add_test(tc, test_persist_throttled);
	tcase_add_test(tc, test_persist_unsupervised_minute);
	tcase_add_test(tc, test_failed_batch_retries);
	tcase_add_test(tc, test_sink_error);
	tcase_add_test(tc, test_closed_while_silent);
	tcase_add_test(tc, test_closed_after_return);
	tcase_add_test(tc, test_close_rolled_back);
	tcase_add_test(tc, test_account_changes);
	tcase_add_test(tc, test_status_and_list);
	tcase_add_test(tc, test_many_accounts);
	suite_add_tcase(s, pure);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(supervise_suite());
	int	 failed;

	/* The mass-silence test raises 2000 alarms: keep the log short. */
	log_init(1, LOG_LVL_WARN);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
