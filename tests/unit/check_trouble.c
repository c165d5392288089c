/* check_trouble.c - storage trouble told per change of state, summarised, on a virtual clock. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <event2/event.h>
#include <jansson.h>
#include <sqlite3.h>

#include "batch.h"
#include "clock.h"
#include "log.h"
#include "store.h"
#include "tmpstore.h"
#include "trouble.h"

#define T0	1767225600000LL		/* 2026-01-01T00:00:00Z */

static struct tmpstore		 ts;
static struct store		*st;
static struct event_base	*base;
static struct batch		*bt;
static struct trouble		*tr;
static int64_t			 now_ms;
static FILE			*logfile;		/* stderr goes here */

/* The test's clock. */
static int64_t
fake_now(void)
{
	return now_ms;
}

/* A store, batch and trouble reporter; warnings to a file. */
static void
setup(void)
{
	st = tmpstore_open(&ts, "check_trouble");
	base = event_base_new();
	bt = batch_new(base, st, 1000);
	now_ms = T0;
	clock_set_source(fake_now);
	tr = trouble_new(base, bt, st, NULL, NULL);
	ck_assert_ptr_nonnull(logfile = tmpfile());
	fflush(stderr);
	ck_assert_int_ne(dup2(fileno(logfile), 2), -1);
	log_init(1, LOG_LVL_WARN);
}

/* Free everything. */
static void
teardown(void)
{
	trouble_free(tr);
	batch_free(bt);
	event_base_free(base);
	store_close(st);
	tmpstore_remove(&ts, NULL);
	clock_set_source(NULL);
	fclose(logfile);
}

/* Lines logged so far that contain s. */
static int
logged(const char *s)
{
	char	line[1024];
	int	n = 0;

	fflush(stderr);
	rewind(logfile);
	while (fgets(line, sizeof(line), logfile) != NULL)
		if (strstr(line, s) != NULL)
			n++;
	return n;
}

/* The state member of the status object. */
static void
state_is(const char *want, long long failures)
{
	json_t	*o = trouble_storage_json(tr);

	ck_assert_str_eq(json_string_value(json_object_get(o, "state")), want);
	if (failures >= 0)
		ck_assert_int_eq(json_integer_value(json_object_get(o,
		    "failures")), failures);
	json_decref(o);
}

/* 1000 failed batches over 10 s: one line at the start, a summary per 5 s. */
START_TEST(test_coalesced)
{
	int	i;

	state_is("ok", -1);
	for (i = 0; i < 1000; i++) {
		trouble_storage_failed(tr, "database or disk is full");
		now_ms += 10;
	}
	state_is("failing", 1000);
	ck_assert_int_eq(logged("store: writes failing"), 1);
	ck_assert_int_eq(logged("store: still failing"), 1);
	now_ms += 1;
	trouble_storage_failed(tr, "database or disk is full");
	ck_assert_int_eq(logged("store: still failing"), 2);
	ck_assert_int_eq(logged("store:"), 3);
	trouble_storage_ok(tr);
	trouble_storage_ok(tr);			/* no news: no line */
	ck_assert_int_eq(logged("store: writes work again"), 1);
	state_is("ok", -1);
	/* a new episode is told again */
	trouble_storage_failed(tr, "database is locked");
	ck_assert_int_eq(logged("store: writes failing"), 2);
	ck_assert(trouble_storage_failing(tr));
}
END_TEST

/* A slow disk is its own, milder kind: held, not refused; a failure overrides it. */
START_TEST(test_slow)
{
	json_t	*o;

	trouble_storage_slow(tr, "the disk is slow: a sync ran 2000 ms");
	trouble_storage_slow(tr, "the disk is slow: a sync ran 2000 ms");
	state_is("slow", -1);
	ck_assert(!trouble_storage_failing(tr));
	o = trouble_storage_json(tr);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(o,
	    "message")), "disk is slow"));
	json_decref(o);
	ck_assert_int_eq(logged("store: the disk is slow, answers to panels "
	    "and consoles are held"), 1);
	ck_assert_int_eq(logged("writes failing"), 0);
	now_ms += 3000;
	trouble_storage_ok(tr);
	ck_assert_int_eq(logged("store: the disk caught up after 3 s"), 1);
	state_is("ok", -1);
	/* slow, then failing: the failure is what is told */
	trouble_storage_slow(tr, "the disk is slow");
	trouble_storage_failed(tr, "disk I/O error");
	state_is("failing", 1);
	ck_assert_int_eq(logged("store: writes failing"), 1);
	trouble_storage_slow(tr, "the disk is slow");	/* no downgrade */
	state_is("failing", 1);
	trouble_storage_ok(tr);
	ck_assert_int_eq(logged("store: writes work again"), 1);
	state_is("ok", -1);
}
END_TEST

/* A BEGIN refused by another process's lock fails the batch fast and is reported. */
START_TEST(test_foreign_lock)
{
	sqlite3	*db;

	ck_assert_int_eq(sqlite3_open(ts.path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL),
	    SQLITE_OK);
	store_set_busy_timeout(st, 5);
	ck_assert_int_eq(batch_join(bt), -1);
	ck_assert(store_unavailable(st));
	ck_assert_int_eq(batch_join(bt), -1);	/* same pass: no second wait */
	state_is("failing", 1);
	ck_assert_int_eq(logged("store: writes failing"), 1);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);
	event_base_loop(base, EVLOOP_NONBLOCK);	/* the pass ends */
	ck_assert_int_eq(batch_join(bt), 0);
	ck_assert_int_eq(batch_flush(bt), 0);
	state_is("ok", -1);
	ck_assert_int_eq(logged("store: writes work again"), 1);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("trouble");
	TCase	*tc = tcase_create("trouble");
	SRunner	*sr;
	int	 nf;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_coalesced);
	tcase_add_test(tc, test_foreign_lock);
	tcase_add_test(tc, test_slow);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
