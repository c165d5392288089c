/*
 * check_retention.c - the purge (order, what is kept, the audit anchor),
 * the archive and the backup copy, on a temporary database.
 */
#include "config.h"

#include <sys/stat.h>

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <jansson.h>
#include <sqlite3.h>

#include "actor.h"
#include "audit.h"
#include "conf.h"
#include "retention.h"
#include "store.h"
#include "tmpstore.h"

#define DAY	(86400LL * 1000)
#define NOW	(1800000000LL * 1000)	/* 2027-01-15 */
#define OLD	(NOW - 100 * DAY)
#define RECENT	(NOW - 1 * DAY)

static struct tmpstore	 ts;
static struct store	*st;
static sqlite3		*side;		/* fixtures and checks, beside the store */

static void
setup(void)
{
	st = tmpstore_open(&ts, "check_retention");
	ck_assert_int_eq(sqlite3_open(ts.path, &side), SQLITE_OK);
	sqlite3_busy_timeout(side, 2000);
	sqlite3_exec(side, "PRAGMA foreign_keys=ON", NULL, NULL, NULL);
}

static void
teardown(void)
{
	sqlite3_close(side);
	side = NULL;
	store_close(st);
	st = NULL;
	tmpstore_remove(&ts, NULL);
}

/* Run fixture SQL on the side connection (fails the test on error). */
static void
sql(const char *fmt, ...)
{
	va_list	 ap;
	char	*q, *err = NULL;

	va_start(ap, fmt);
	q = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	ck_assert_msg(sqlite3_exec(side, q, NULL, NULL, &err) == SQLITE_OK,
	    "%s: %s", q, err != NULL ? err : "?");
	sqlite3_free(q);
}

/* The one integer a query returns. */
static long long
num(const char *fmt, ...)
{
	va_list		 ap;
	sqlite3_stmt	*s;
	char		*q;
	long long	 v = -1;

	va_start(ap, fmt);
	q = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	ck_assert_int_eq(sqlite3_prepare_v2(side, q, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_free(q);
	return v;
}

/* A frame (id) at ms with one event each of the given ids. */
static void
frame_event(int64_t fid, int64_t eid, int64_t ms)
{
	sql("INSERT INTO frames (id, received_ms, transport, peer, account,"
	    " token, seq, raw) VALUES (%lld, %lld, 'tcp', 'p', '1234',"
	    " 'SIA-DCS', 1, x'00')", (long long)fid, (long long)ms);
	sql("INSERT INTO events (id, frame_id, account, received_ms, format,"
	    " code, qual, class, text) VALUES (%lld, %lld, '1234', %lld, 'SIA',"
	    " 'BA', 'new', 'burglary', '')", (long long)eid, (long long)fid,
	    (long long)ms);
}

/* An alarm (state, closed at closed_ms or open) linking events first..last. */
static void
mkalarm(int64_t id, const char *state, int64_t closed_ms, int64_t first,
    int64_t last)
{
	char	closed[32] = "NULL";
	int64_t	e;

	if (closed_ms > 0)
		snprintf(closed, sizeof(closed), "%lld", (long long)closed_ms);
	sql("INSERT INTO alarms (id, account, class, priority, state, first_ms,"
	    " last_ms, created_ms, closed_ms, first_event_id, last_event_id)"
	    " VALUES (%lld, '1234', 'burglary', 1, '%q', %lld, %lld, %lld, %s,"
	    " %lld, %lld)", (long long)id, state, (long long)OLD,
	    (long long)OLD, (long long)OLD, closed,
	    (long long)first, (long long)last);
	for (e = first; e <= last; e++)
		sql("INSERT INTO alarm_events (event_id, alarm_id) VALUES"
		    " (%lld, %lld)", (long long)e, (long long)id);
	sql("INSERT INTO alarm_steps (alarm_id, position, action, deadline_s)"
	    " VALUES (%lld, 1, 'call', 60)", (long long)id);
	sql("INSERT INTO alarm_accounts (alarm_id, account, count, first_ms,"
	    " last_ms) VALUES (%lld, '1234', 1, 0, 0)", (long long)id);
}

/* Step on with cursor c until the round ends; what went is added to *n. */
static void
purge_round(const struct retention_cut *cut, struct retention_cursor *c,
    int max, struct retention_counts *n)
{
	int	rc, guard = 0;

	do {
		ck_assert_int_eq(store_begin(st), 0);
		ck_assert_int_eq(store_savepoint(st), 0);
		rc = store_retention_step(st, cut, c, max, n);
		ck_assert_msg(rc >= 0, "step: %s", store_errmsg(st));
		ck_assert_int_eq(store_release(st), 0);
		ck_assert_int_eq(store_commit(st), 0);
		ck_assert_int_lt(++guard, 10000);
	} while (rc == 1);
}

/* Purge rounds to the end with cut; what went in *n. */
static void
purge_all(const struct retention_cut *cut, int max,
    struct retention_counts *n)
{
	struct retention_cursor	c;

	memset(&c, 0, sizeof(c));
	memset(n, 0, sizeof(*n));
	purge_round(cut, &c, max, n);
}

/* Every cut at c (frames too). */
static struct retention_cut
cut_all(int64_t c)
{
	struct retention_cut	cut = { c, c, c, c, c };

	return cut;
}

/* Closed old alarms go with links, steps and counts; open ones keep all. */
START_TEST(purge_order_and_kept)
{
	struct retention_cut	cut = cut_all(NOW - 30 * DAY);
	struct retention_counts	n;
	int64_t			i;

	for (i = 1; i <= 12; i++)
		frame_event(i, i, i <= 10 ? OLD : RECENT);
	mkalarm(1, "closed", OLD, 1, 3);		/* goes, and events 1-3 */
	mkalarm(2, "taken", 0, 4, 5);		/* open: 4-5 stay */
	mkalarm(3, "closed", RECENT, 6, 6);	/* closed lately: 6 stays */
	mkalarm(4, "new", 0, 11, 11);
	purge_all(&cut, RETENTION_STEP_ROWS, &n);
	ck_assert_int_eq(n.alarms, 1);
	ck_assert_int_eq(n.alarm_links, 3);
	ck_assert_int_eq(n.alarm_parts, 2);
	/* 1-3 (alarm gone), 7-10 (never linked); 4, 5, 6 and 11, 12 kept. */
	ck_assert_int_eq(n.events, 7);
	ck_assert_int_eq(n.frames, 7);
	ck_assert_int_eq(num("SELECT count(*) FROM alarms"), 3);
	ck_assert_int_eq(num("SELECT count(*) FROM events WHERE id IN"
	    " (4, 5, 6, 11, 12)"), 5);
	ck_assert_int_eq(num("SELECT count(*) FROM events"), 5);
	ck_assert_int_eq(num("SELECT count(*) FROM frames"), 5);
	ck_assert_int_eq(num("SELECT count(*) FROM alarm_steps WHERE"
	    " alarm_id = 1"), 0);
	ck_assert_int_eq(num("SELECT count(*) FROM alarm_accounts WHERE"
	    " alarm_id = 1"), 0);
	ck_assert_int_eq(num("SELECT count(*) FROM alarm_events"), 4);
	/* Nothing dangles. */
	ck_assert_int_eq(num("SELECT count(*) FROM pragma_foreign_key_check"),
	    0);
}
END_TEST

/* A manual purge in the wrong order fails; the purge's order does not. */
START_TEST(purge_foreign_keys)
{
	char	*err = NULL;

	frame_event(1, 1, OLD);
	mkalarm(1, "closed", OLD, 1, 1);
	ck_assert_int_ne(sqlite3_exec(side, "DELETE FROM events WHERE id = 1",
	    NULL, NULL, &err), SQLITE_OK);
	sqlite3_free(err);
	ck_assert_int_eq(num("SELECT count(*) FROM events"), 1);
}
END_TEST

/* Events only: an event linked to a kept closed alarm stays. */
START_TEST(purge_events_keep_alarm_links)
{
	struct retention_cut	cut = { NOW - 30 * DAY, NOW - 30 * DAY, 0, 0, 0 };
	struct retention_counts	n;

	frame_event(1, 1, OLD);
	frame_event(2, 2, OLD);
	mkalarm(1, "closed", OLD, 1, 1);
	purge_all(&cut, RETENTION_STEP_ROWS, &n);
	ck_assert_int_eq(n.events, 1);
	ck_assert_int_eq(n.frames, 1);
	ck_assert_int_eq(n.alarms, 0);
	ck_assert_int_eq(num("SELECT id FROM events"), 1);
	ck_assert_int_eq(num("SELECT id FROM frames"), 1);
}
END_TEST

/* Patrol: old check-ins go; findings stay while an open alarm refers to them. */
START_TEST(purge_patrol)
{
	struct retention_cut	cut = { 0, 0, 0, NOW - 30 * DAY, 0 };
	struct retention_counts	n;
	int			i;

	for (i = 1; i <= 300; i++)
		sql("INSERT INTO patrol_checkins (received_ms, scan_ms, source,"
		    " dedup) VALUES (%lld, %lld, 'socket', 'd%d')",
		    (long long)(i <= 250 ? OLD + i : RECENT),
		    (long long)(i <= 250 ? OLD + i : RECENT), i);
	frame_event(1, 1, OLD);
	mkalarm(1, "new", 0, 1, 1);
	mkalarm(2, "closed", OLD, 0, -1);
	sql("INSERT INTO patrol_findings (route, shift_ms, fkey, kind, text,"
	    " raised_ms, alarm_id) VALUES ('r', %lld, 'a', 'cp_late', '', 0, 1),"
	    " ('r', %lld, 'b', 'cp_late', '', 0, 2), ('r', %lld, 'c', 'cp_late',"
	    " '', 0, NULL), ('r', %lld, 'd', 'cp_late', '', 0, NULL)",
	    (long long)OLD, (long long)OLD, (long long)OLD, (long long)RECENT);
	purge_all(&cut, 64, &n);
	ck_assert_int_eq(n.checkins, 250);
	ck_assert_int_eq(num("SELECT count(*) FROM patrol_checkins"), 50);
	ck_assert_int_eq(n.findings, 2);
	ck_assert_int_eq(num("SELECT count(*) FROM patrol_findings WHERE"
	    " fkey IN ('a', 'd')"), 2);
	/* Nothing else was touched. */
	ck_assert_int_eq(num("SELECT count(*) FROM alarms"), 2);
	ck_assert_int_eq(num("SELECT count(*) FROM events"), 1);
}
END_TEST

/* Small steps: a step examines at most max rows per kind, and all go. */
START_TEST(purge_in_steps)
{
	struct retention_cut	 cut = cut_all(NOW - 30 * DAY);
	struct retention_cursor	 c;
	struct retention_counts	 n;
	int			 i, steps = 0, rc;

	sql("BEGIN");
	for (i = 1; i <= 1000; i++)
		frame_event(i, i, OLD + i);
	sql("COMMIT");
	memset(&c, 0, sizeof(c));
	memset(&n, 0, sizeof(n));
	do {
		int64_t	before = n.events;

		ck_assert_int_eq(store_begin(st), 0);
		rc = store_retention_step(st, &cut, &c, 100, &n);
		ck_assert_int_ge(rc, 0);
		ck_assert_int_le(n.events - before, 100);
		ck_assert_int_eq(store_commit(st), 0);
		steps++;
	} while (rc == 1);
	ck_assert_int_ge(steps, 10);
	ck_assert_int_eq(n.events, 1000);
	ck_assert_int_eq(n.frames, 1000);
	ck_assert_int_eq(num("SELECT count(*) FROM frames"), 0);
}
END_TEST

/* Frames of several events go with their last one, in one round. */
START_TEST(purge_frames_of_many_events)
{
	struct retention_cut	 cut = cut_all(NOW - 30 * DAY);
	struct retention_counts	 n;
	int			 f, e = 0;

	sql("BEGIN");
	for (f = 1; f <= 200; f++) {
		sql("INSERT INTO frames (id, received_ms, transport, peer, account,"
		    " token, seq, raw) VALUES (%d, %lld, 'tcp', 'p', '1234',"
		    " 'SIA-DCS', 1, x'00')", f, (long long)(OLD + f));
		for (int k = 0; k < 4; k++, e++)
			sql("INSERT INTO events (id, frame_id, account,"
			    " received_ms, format, code, qual, class) VALUES (%d,"
			    " %d, '1234', %lld, 'SIA', 'BA', 'new', 'burglary')",
			    e + 1, f, (long long)(OLD + f));
	}
	/* Link tests: frames without events. */
	for (f = 201; f <= 230; f++)
		sql("INSERT INTO frames (id, received_ms, transport, peer, account,"
		    " token, seq, raw) VALUES (%d, %lld, 'tcp', 'p', '1234',"
		    " 'NULL', 1, x'00')", f, (long long)(OLD + f));
	sql("COMMIT");
	purge_all(&cut, 16, &n);
	ck_assert_int_eq(n.events, 800);
	ck_assert_int_eq(n.frames, 230);
	ck_assert_int_eq(num("SELECT count(*) FROM frames"), 0);
}
END_TEST

/* An event (id) at ms whose frame shares its row (schema 17). */
static void
inline_event(int64_t eid, int64_t ms)
{
	sql("INSERT INTO events (id, account, received_ms, format, code, qual,"
	    " class, text, transport, peer, token, encrypted, seq, rcvr, line,"
	    " raw, digest) VALUES (%lld, '1234', %lld, 'SIA', 'BA', 'new',"
	    " 'burglary', '', 'tcp', 'p', 'SIA-DCS', 0, 1, '', '', x'00',"
	    " 'd')", (long long)eid, (long long)ms);
}

/*
 * Both row shapes in one history: a frame sharing its event's row goes
 * with the event and counts as a frame purged; an alarm keeps it as it
 * keeps any event; a frame not yet past the frames' cut (the duplicate
 * window) keeps its row although the event's own cut has passed, and goes
 * in the round after the window let it go.
 */
START_TEST(purge_inline_frames)
{
	struct retention_cut	 cut = cut_all(NOW - 30 * DAY);
	struct retention_counts	 n;
	int64_t			 i;

	for (i = 1; i <= 40; i++) {
		if (i % 4 == 0)		/* the old shape */
			frame_event(i, i, i <= 36 ? OLD + i : RECENT + i);
		else
			inline_event(i, i <= 36 ? OLD + i : RECENT + i);
	}
	mkalarm(1, "new", 0, 5, 6);		/* open: 5 and 6 stay */
	/* the events' cut passed 10 to 12, the frames' cut not yet */
	sql("UPDATE events SET received_ms = %lld WHERE id IN (10, 11)",
	    (long long)(NOW - 20 * DAY));
	cut.frames_ms = NOW - 25 * DAY;
	cut.events_ms = NOW - 10 * DAY;
	purge_all(&cut, 7, &n);
	/* 36 old (27 inline, 9 with a frame row), less 5, 6 and 10, 11 */
	ck_assert_int_eq(n.events, 32);
	ck_assert_int_eq(n.frames, 32);		/* 9 frame rows, 23 inline */
	ck_assert_int_eq(num("SELECT count(*) FROM frames"), 1);
	ck_assert_int_eq(num("SELECT count(*) FROM events WHERE id IN"
	    " (5, 6, 10, 11, 37, 38, 39, 40)"), 8);
	ck_assert_int_eq(num("SELECT count(*) FROM events"), 8);
	/* The window let them go: the next round takes 10 and 11. */
	cut.frames_ms = NOW - 10 * DAY;
	purge_all(&cut, 7, &n);
	ck_assert_int_eq(n.events, 2);
	ck_assert_int_eq(n.frames, 2);
	ck_assert_int_eq(num("SELECT count(*) FROM events"), 6);
	ck_assert_int_eq(num("SELECT count(*) FROM pragma_foreign_key_check"),
	    0);
}
END_TEST

/*
 * Events are walked by id (schema 18 keeps no index on received_ms): the
 * walk stops at the first event received at or after the cut.  One stamped
 * earlier after it (the clock stepped back) is kept until a later cut
 * passes the newer one: kept longer, never purged early, and an archive
 * with the same date holds exactly what the purge takes.
 */
START_TEST(purge_events_by_id_clock_stepped)
{
	struct retention_cut	 cut = cut_all(NOW - 30 * DAY);
	struct retention_counts	 n;
	char			 dest[192], err[256];
	json_t			*res = NULL;
	int64_t			 i;

	for (i = 1; i <= 12; i++)	/* 6 stamped ahead; 7 on stepped back */
		inline_event(i, i == 6 ? NOW - 20 * DAY : OLD + i);
	snprintf(dest, sizeof(dest), "%s/archive.db", ts.dir);
	ck_assert_msg(store_retention_archive(ts.path, dest, cut.events_ms,
	    &res, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(
	    res, "rows"), "events")), 5);
	json_decref(res);
	unlink(dest);
	purge_all(&cut, 4, &n);
	ck_assert_int_eq(n.events, 5);
	ck_assert_int_eq(num("SELECT min(id) FROM events"), 6);
	ck_assert_int_eq(num("SELECT count(*) FROM events"), 7);
	/* The cut past event 6: the rest go. */
	cut = cut_all(NOW - 10 * DAY);
	purge_all(&cut, 4, &n);
	ck_assert_int_eq(n.events, 7);
	ck_assert_int_eq(num("SELECT count(*) FROM events"), 0);
}
END_TEST

/*
 * Rows go by chunks of ids (32 a statement): whatever the step's size,
 * against chunks and steps that split a frame's events, the counts are
 * the rows gone, a frame goes with its last event and not before, and a
 * linked event keeps its frame.
 */
START_TEST(purge_chunks_exact)
{
	static const int	 maxes[] = { 7, 31, 32, 33, 50, 256 };
	struct retention_cut	 cut = cut_all(NOW - 30 * DAY);
	struct retention_counts	 n;
	size_t			 m;
	int			 f, e, k;

	for (m = 0; m < sizeof(maxes) / sizeof(maxes[0]); m++) {
		sql("DELETE FROM alarm_events; DELETE FROM alarm_steps;"
		    " DELETE FROM alarm_accounts; DELETE FROM alarms;"
		    " DELETE FROM events; DELETE FROM frames");
		sql("BEGIN");
		for (f = 1, e = 0; f <= 90; f++) {
			sql("INSERT INTO frames (id, received_ms, transport,"
			    " peer, account, token, seq, raw) VALUES (%d, %lld,"
			    " 'tcp', 'p', '1234', 'SIA-DCS', 1, x'00')", f,
			    (long long)(OLD + f));
			/* 1, 2 or 3 events a frame. */
			for (k = 0; k <= f % 3; k++, e++)
				sql("INSERT INTO events (id, frame_id, account,"
				    " received_ms, format, code, qual, class)"
				    " VALUES (%d, %d, '1234', %lld, 'SIA', 'BA',"
				    " 'new', 'burglary')", e + 1, f,
				    (long long)(OLD + f));
		}
		sql("COMMIT");
		/* Frame 40's events stay with an open alarm, so does frame 40. */
		int64_t first = num("SELECT min(id) FROM events WHERE"
		    " frame_id = 40"), last = num("SELECT max(id) FROM events"
		    " WHERE frame_id = 40");
		mkalarm(1, "new", 0, first, last);
		purge_all(&cut, maxes[m], &n);
		ck_assert_int_eq(n.events, e - (last - first + 1));
		ck_assert_int_eq(n.frames, 89);
		ck_assert_int_eq(num("SELECT count(*) FROM events"),
		    last - first + 1);
		ck_assert_int_eq(num("SELECT count(*) FROM frames WHERE"
		    " id = 40"), 1);
		ck_assert_int_eq(num("SELECT count(*) FROM frames"), 1);
	}
}
END_TEST

/*
 * A kind whose walk came to its end is not walked again in the round (a
 * round trip less a step on PostgreSQL): an event that turns up behind
 * the cut meanwhile waits for the next round, which finds it.
 */
START_TEST(purge_kind_done_for_the_round)
{
	struct retention_cut	 cut = cut_all(NOW - 30 * DAY);
	struct retention_cursor	 c;
	struct retention_counts	 n;
	int			 i, rc;

	cut.frames_ms = 0;
	for (i = 1; i <= 5; i++)
		frame_event(i, i, OLD + i);
	/* Audit rows keep the round going after the events are done. */
	ck_assert_int_eq(store_begin(st), 0);
	for (i = 0; i < 40; i++)
		ck_assert_int_eq(store_audit_add_at(st, OLD + i, &actor_pcod,
		    "test.row", "test", "", NULL, NULL), 0);
	ck_assert_int_eq(store_commit(st), 0);
	memset(&c, 0, sizeof(c));
	memset(&n, 0, sizeof(n));
	ck_assert_int_eq(store_begin(st), 0);
	rc = store_retention_step(st, &cut, &c, 10, &n);
	ck_assert_int_eq(store_commit(st), 0);
	ck_assert_int_eq(rc, 1);
	ck_assert_int_eq(n.events, 5);
	/* Newer than the walk's cursor, older than the cut. */
	frame_event(6, 6, OLD + 1000);
	purge_round(&cut, &c, 10, &n);
	ck_assert_int_eq(n.events, 5);
	ck_assert_int_eq(num("SELECT count(*) FROM events"), 1);
	/* The next round. */
	purge_all(&cut, 10, &n);
	ck_assert_int_eq(n.events, 1);
	ck_assert_int_eq(num("SELECT count(*) FROM events"), 0);
}
END_TEST

/*
 * The step's budget: judged on the time beyond the round's quickest step,
 * so a fixed cost a step (PostgreSQL's round trips) does not pin it to
 * the minimum, while rows that cost time still halve it.
 */
START_TEST(budget_beyond_the_floor)
{
	int64_t	floor_us = 0;
	int	b = 32, i;

	/* 5 ms a step whatever its rows: the budget grows to the most. */
	for (i = 0; i < 40; i++)
		b = retention_budget_next(b, 5000, &floor_us);
	ck_assert_int_eq(floor_us, 5000);
	ck_assert_int_eq(b, RETENTION_STEP_ROWS);
	/* A step well past the floor halves it, down to the least. */
	b = retention_budget_next(b, 5000 + RETENTION_TARGET_US + 1,
	    &floor_us);
	ck_assert_int_eq(b, RETENTION_STEP_ROWS / 2);
	for (i = 0; i < 40; i++)
		b = retention_budget_next(b, 50000, &floor_us);
	ck_assert_int_eq(b, RETENTION_MIN_ROWS);
	/* A quicker step lowers the floor. */
	b = retention_budget_next(b, 300, &floor_us);
	ck_assert_int_eq(floor_us, 300);
	/* Without a fixed cost it is the plain target, as on SQLite. */
	floor_us = 0;
	b = retention_budget_next(64, 10, &floor_us);
	b = retention_budget_next(b, 10 + RETENTION_TARGET_US * 2, &floor_us);
	ck_assert_int_eq(b, 40);
}
END_TEST

/* The duplicate window bounds the frames' cut; 0 days keeps a kind. */
START_TEST(cuts_from_config)
{
	struct config		*cfg = calloc(1, sizeof(*cfg));
	struct retention_cut	 cut;

	cfg->duplicate_window = 600;
	cfg->retention[RETAIN_EVENTS] = 1;
	cfg->retention[RETAIN_AUDIT] = 0;
	cfg->retention[RETAIN_PATROL] = 1;
	retention_cuts(cfg, NOW, &cut);
	/* Never the scans a restart judges again (36 h, and the shift). */
	ck_assert_int_le(cut.patrol_ms, NOW - 36 * 3600 * 1000LL);
	ck_assert_int_eq(cut.events_ms, NOW - DAY);
	ck_assert_int_le(cut.frames_ms, NOW - 600 * 1000);
	ck_assert_int_le(cut.frames_ms, cut.events_ms);
	ck_assert_int_eq(cut.audit_ms, 0);
	ck_assert_int_eq(cut.alarms_ms, 0);
	free(cfg);
}
END_TEST

/* n audit rows, the i-th at base + i ms. */
static void
audit_rows(int n, int64_t base)
{
	int	i;

	ck_assert_int_eq(store_begin(st), 0);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(store_audit_add_at(st, base + i, &actor_pcod,
		    "test.row", "test", "", NULL, NULL), 0);
	ck_assert_int_eq(store_commit(st), 0);
}

/* The verdict of audit.verify: intact and how many rows were checked. */
static int
verify(int64_t *rows, int64_t *anchor)
{
	json_t	*v = store_audit_verify(st);
	int	 ok;

	ck_assert_ptr_nonnull(v);
	ok = json_is_true(json_object_get(v, "intact"));
	*rows = json_integer_value(json_object_get(v, "rows"));
	*anchor = json_integer_value(json_object_get(json_object_get(v,
	    "anchor"), "id"));
	json_decref(v);
	return ok;
}

/* The audit purge takes a prefix, moves the anchor, and verify passes. */
START_TEST(audit_anchor_verifies)
{
	struct retention_cut	 cut = { 0, 0, 0, 0, NOW - 30 * DAY };
	struct retention_counts	 n;
	int64_t			 rows, anchor;
	char			*err = NULL;

	audit_rows(10, OLD);
	audit_rows(3, RECENT);
	purge_all(&cut, 4, &n);
	ck_assert_int_eq(n.audit, 10);
	ck_assert_int_eq(num("SELECT min(id) FROM audit"), 11);
	ck_assert_int_eq(num("SELECT last_id FROM audit_anchor"), 10);
	ck_assert_int_eq(num("SELECT purged FROM audit_anchor"), 10);
	ck_assert(verify(&rows, &anchor));
	ck_assert_int_eq(rows, 3);
	ck_assert_int_eq(anchor, 10);
	/* Appends go on from the anchor. */
	audit_rows(1, NOW);
	ck_assert(verify(&rows, &anchor));
	ck_assert_int_eq(rows, 4);
	/* A row past the anchor cannot be deleted, nor the anchor moved back. */
	ck_assert_int_ne(sqlite3_exec(side, "DELETE FROM audit WHERE id = 11",
	    NULL, NULL, &err), SQLITE_OK);
	sqlite3_free(err);
	ck_assert_int_ne(sqlite3_exec(side, "UPDATE audit_anchor SET"
	    " last_id = 5", NULL, NULL, &err), SQLITE_OK);
	sqlite3_free(err);
	/* Nor onto a row with a hash that is not its own. */
	ck_assert_int_ne(sqlite3_exec(side, "UPDATE audit_anchor SET"
	    " last_id = 11, last_hash = 'x'", NULL, NULL, &err), SQLITE_OK);
	sqlite3_free(err);
	ck_assert_int_ne(sqlite3_exec(side, "DELETE FROM audit_anchor", NULL,
	    NULL, &err), SQLITE_OK);
	sqlite3_free(err);
}
END_TEST

/* A forged anchor hash breaks the verdict at the first row after it. */
START_TEST(audit_anchor_forged)
{
	struct retention_cut	 cut = { 0, 0, 0, 0, NOW - 30 * DAY };
	struct retention_counts	 n;
	int64_t			 rows, anchor;

	audit_rows(5, OLD);
	audit_rows(2, RECENT);
	purge_all(&cut, RETENTION_STEP_ROWS, &n);
	ck_assert_int_eq(n.audit, 5);
	sql("DROP TRIGGER audit_anchor_update");
	sql("UPDATE audit_anchor SET last_hash = '%s'", "00000000000000000000"
	    "000000000000000000000000000000000000000000000000");
	ck_assert(!verify(&rows, &anchor));
}
END_TEST

/* The newest row always stays: it carries the chain on. */
START_TEST(audit_keeps_newest)
{
	struct retention_cut	 cut = { 0, 0, 0, 0, NOW };
	struct retention_counts	 n;
	int64_t			 rows, anchor;

	audit_rows(6, OLD);
	purge_all(&cut, RETENTION_STEP_ROWS, &n);
	ck_assert_int_eq(n.audit, 5);
	ck_assert_int_eq(num("SELECT count(*) FROM audit"), 1);
	ck_assert(verify(&rows, &anchor));
	audit_rows(1, NOW);
	ck_assert(verify(&rows, &anchor));
	ck_assert_int_eq(rows, 2);
}
END_TEST

/* The archive holds what a purge would take, and the chain's ends. */
START_TEST(archive_rows_and_anchor)
{
	char		 dest[192], err[256];
	json_t		*res = NULL;
	struct stat	 sb;
	sqlite3		*a;
	sqlite3_stmt	*s;
	struct audit_row r;
	char		 prev[AUDIT_HASH_HEX + 1] = "", h[AUDIT_HASH_HEX + 1];
	int		 rows = 0;

	frame_event(1, 1, OLD);
	frame_event(2, 2, OLD);
	frame_event(3, 3, RECENT);
	mkalarm(1, "closed", OLD, 1, 1);
	mkalarm(2, "new", 0, 2, 2);
	audit_rows(4, OLD);
	audit_rows(1, RECENT);
	snprintf(dest, sizeof(dest), "%s/archive.db", ts.dir);
	ck_assert_msg(store_retention_archive(ts.path, dest, NOW - 30 * DAY,
	    &res, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(stat(dest, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(
	    res, "rows"), "events")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(
	    res, "rows"), "alarms")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(
	    res, "rows"), "audit")), 4);
	json_decref(res);
	/* Recompute the archived chain from its recorded start. */
	ck_assert_int_eq(sqlite3_open(dest, &a), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(a, "SELECT id, at_ms, actor, action,"
	    " object, object_id, reason, details, hash FROM audit ORDER BY id",
	    -1, &s, NULL), SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW) {
		int	f;

		r.id = sqlite3_column_int64(s, 0);
		r.at_ms = sqlite3_column_int64(s, 1);
		for (f = 0; f < AUDIT_NTEXT; f++) {
			r.text[f] = (const char *)sqlite3_column_text(s, 2 + f);
			r.len[f] = (size_t)sqlite3_column_bytes(s, 2 + f);
		}
		ck_assert_int_eq(store_audit_hash(prev, strlen(prev), &r, h), 0);
		ck_assert_str_eq(h, (const char *)sqlite3_column_text(s, 8));
		memcpy(prev, h, sizeof(h));
		rows++;
	}
	sqlite3_finalize(s);
	ck_assert_int_eq(rows, 4);
	ck_assert_int_eq(sqlite3_prepare_v2(a, "SELECT value FROM archive_info"
	    " WHERE key = 'audit_last_hash'", -1, &s, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(s, 0), prev);
	sqlite3_finalize(s);
	sqlite3_close(a);
	/* An existing file is never overwritten. */
	ck_assert_int_eq(store_retention_archive(ts.path, dest, NOW, &res, err,
	    sizeof(err)), -1);
	ck_assert_ptr_null(res);
	ck_assert_int_eq(stat(dest, &sb), 0);
	unlink(dest);
}
END_TEST

/* A database whose path has characters a URI escapes is archived too. */
START_TEST(archive_odd_path)
{
	char		 odd[192], dest[192], err[256];
	json_t		*res = NULL;
	atomic_int	 cancel;

	atomic_init(&cancel, 0);
	frame_event(1, 1, OLD);
	snprintf(odd, sizeof(odd), "%s/a b%%3F?x#y&mode=rw.db", ts.dir);
	snprintf(dest, sizeof(dest), "%s/archive.db", ts.dir);
	ck_assert_msg(store_backup_copy(ts.path, odd, 64, 0, &cancel, &res,
	    err, sizeof(err)) == 0, "%s", err);
	json_decref(res);
	ck_assert_msg(store_retention_archive(odd, dest, NOW, &res, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(
	    res, "rows"), "events")), 1);
	json_decref(res);
	unlink(dest);
	unlink(odd);
	strcat(odd, "-wal");
	unlink(odd);
	strcpy(odd + strlen(odd) - 3, "shm");
	unlink(odd);
}
END_TEST

/* The backup is a database with the same rows, mode 0600. */
START_TEST(backup_copy)
{
	char		 dest[192], err[256];
	json_t		*res = NULL;
	atomic_int	 cancel;
	struct stat	 sb;
	sqlite3		*b;
	sqlite3_stmt	*s;
	int		 i;

	atomic_init(&cancel, 0);
	sql("BEGIN");
	for (i = 1; i <= 2000; i++)
		frame_event(i, i, OLD + i);
	sql("COMMIT");
	snprintf(dest, sizeof(dest), "%s/backup.db", ts.dir);
	ck_assert_msg(store_backup_copy(ts.path, dest, 8, 0, &cancel, &res,
	    err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_gt(json_integer_value(json_object_get(res, "steps")), 1);
	json_decref(res);
	ck_assert_int_eq(stat(dest, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	ck_assert_int_eq(sqlite3_open(dest, &b), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(b, "SELECT count(*) FROM events",
	    -1, &s, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int(s, 0), 2000);
	sqlite3_finalize(s);
	sqlite3_close(b);
	/* A relative path and an existing file are refused. */
	ck_assert_int_eq(store_backup_copy(ts.path, "rel.db", 8, 0, &cancel,
	    &res, err, sizeof(err)), -1);
	ck_assert_int_eq(store_backup_copy(ts.path, dest, 8, 0, &cancel,
	    &res, err, sizeof(err)), -1);
	unlink(dest);
	/* Cancelled: no file left behind. */
	atomic_store(&cancel, 1);
	ck_assert_int_eq(store_backup_copy(ts.path, dest, 8, 0, &cancel,
	    &res, err, sizeof(err)), -1);
	ck_assert_int_ne(stat(dest, &sb), 0);
}
END_TEST

static Suite *
retention_suite(void)
{
	Suite	*s = suite_create("retention");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, purge_order_and_kept);
	tcase_add_test(tc, purge_foreign_keys);
	tcase_add_test(tc, purge_events_keep_alarm_links);
	tcase_add_test(tc, purge_in_steps);
	tcase_add_test(tc, purge_patrol);
	tcase_add_test(tc, purge_frames_of_many_events);
	tcase_add_test(tc, purge_inline_frames);
	tcase_add_test(tc, purge_events_by_id_clock_stepped);
	tcase_add_test(tc, purge_chunks_exact);
	tcase_add_test(tc, purge_kind_done_for_the_round);
	tcase_add_test(tc, budget_beyond_the_floor);
	tcase_add_test(tc, cuts_from_config);
	tcase_add_test(tc, audit_anchor_verifies);
	tcase_add_test(tc, audit_anchor_forged);
	tcase_add_test(tc, audit_keeps_newest);
	tcase_add_test(tc, archive_rows_and_anchor);
	tcase_add_test(tc, archive_odd_path);
	tcase_add_test(tc, backup_copy);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(retention_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
