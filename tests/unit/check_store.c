/* check_store.c - unit tests for the SQLite store on a temporary database. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <sqlite3.h>

#include "actor.h"
#include "audit.h"
#include "codes.h"
#include "event.h"
#include "evkeys.h"
#include "sql_schema.h"
#include "store.h"
#include "tmpstore.h"

static struct tmpstore	 ts;		/* the temporary database */
static struct store	*st;

static const char	 raw[] = "\n9A2B0036\"SIA-DCS\"0001L0#1234[#1234|Nri1/BA01]\r";

/* A fresh folder and an open store for each test. */
static void
setup(void)
{
	st = tmpstore_open(&ts, "check_store");
}

/* Close the store and remove the folder with its WAL files. */
static void
teardown(void)
{
	store_close(st);
	st = NULL;
	tmpstore_remove(&ts, NULL);
}

/* A frame for account acct with sequence seq received at ms. */
static void
mkframe(struct store_frame *f, const char *acct, int seq, int64_t ms)
{
	memset(f, 0, sizeof(*f));
	f->received_ms = ms;
	f->transport = "tcp";
	f->peer = "127.0.0.1:5555";
	f->account = acct;
	f->token = "SIA-DCS";
	f->seq = seq;
	f->rcvr = "";
	f->line = "0";
	f->raw = raw;
	f->raw_len = sizeof(raw) - 1;
	f->data = "#1234|Nri1/BA01";
	f->panel_time = 1704110400;
	f->digest = "digest";
}

/* An event of class cls in zone. */
static void
mkevent(struct event *e, enum event_class cls, int zone)
{
	memset(e, 0, sizeof(*e));
	strcpy(e->format, "SIA");
	strcpy(e->code, "BA");
	e->qual = EVQ_NEW;
	e->cls = cls;
	e->zone = zone;
	e->user = -1;
	e->partition = -1;
	e->peripheral = -1;
	e->known = 1;
	strcpy(e->text, "Burglary alarm");
}

/* Store one frame (retx as given) with one event, inside the caller's transaction. */
static void
add_one_retx(const char *acct, int seq, int64_t ms, enum event_class cls,
    int retx)
{
	struct store_frame	f;
	struct event		e;
	int64_t			id;

	mkframe(&f, acct, seq, ms);
	f.retx = retx;
	mkevent(&e, cls, seq);
	id = store_frame_add(st, &f);
	ck_assert_msg(id > 0, "%s", store_errmsg(st));
	ck_assert_int_gt(store_event_add(st, id, &f, &e), 0);
}

/* Store one frame with one event, inside the caller's transaction. */
static void
add_one(const char *acct, int seq, int64_t ms, enum event_class cls)
{
	add_one_retx(acct, seq, ms, cls, 0);
}

struct rows {
	int			n;
	struct store_event_row	first;	/* strings not kept */
	char			first_cls[32];
	char			first_name[64], first_note[64], first_ext[256];
	char			first_transport[16], first_peer[64], first_raw[128];
};

/* Count rows and keep the first. */
static int
count_cb(const struct store_event_row *r, void *arg)
{
	struct rows	*rs = arg;

	if (rs->n++ == 0) {
		rs->first = *r;
		snprintf(rs->first_cls, sizeof(rs->first_cls), "%s", r->cls);
		snprintf(rs->first_name, sizeof(rs->first_name), "%s", r->name);
		snprintf(rs->first_note, sizeof(rs->first_note), "%s", r->note);
		snprintf(rs->first_ext, sizeof(rs->first_ext), "%s",
		    r->ext != NULL ? r->ext : "(null)");
		snprintf(rs->first_transport, sizeof(rs->first_transport), "%s",
		    r->transport);
		snprintf(rs->first_peer, sizeof(rs->first_peer), "%s", r->peer);
		snprintf(rs->first_raw, sizeof(rs->first_raw), "%s",
		    r->raw != NULL ? r->raw : "(null)");
	}
	return 0;
}

/* Run event_list with the given filter; the number of rows or -1. */
static int
list(const char *acct, int cls, int64_t since, int64_t until, int limit,
    struct rows *rs)
{
	struct store_event_filter	flt = { acct, cls, since, until, limit };

	memset(rs, 0, sizeof(*rs));
	if (store_event_list(st, &flt, count_cb, rs) != 0)
		return -1;
	return rs->n;
}

START_TEST(test_reopen)
{
	char	err[256];

	store_close(st);
	st = store_open(ts.path, err, sizeof(err));
	ck_assert_msg(st != NULL, "%s", err);
	ck_assert_int_eq(store_in_txn(st), 0);
}
END_TEST

START_TEST(test_bad_path)
{
	char	err[256];

	ck_assert_ptr_null(store_open("/nonexistent/dir/pcod.db", err,
	    sizeof(err)));
	ck_assert_str_eq(err, "/nonexistent/dir/pcod.db: unable to open database file");
}
END_TEST

START_TEST(test_newer_schema)
{
	sqlite3	*db;
	char	 err[256];

	store_close(st);
	st = NULL;
	ck_assert_int_eq(sqlite3_open(ts.path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "PRAGMA user_version=999", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	ck_assert_ptr_null(store_open(ts.path, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "newer"));
}
END_TEST

/* A database left at schema version 2, with an alarm linked to an event, upgrades keeping it. */
START_TEST(test_upgrade_from_2)
{
	sqlite3		*db;
	sqlite3_stmt	*q;
	char		 err[256], *emsg = NULL;
	int		 i;

	store_close(st);
	st = NULL;
	unlink(ts.path);
	ck_assert_int_eq(sqlite3_open(ts.path, &db), SQLITE_OK);
	for (i = 0; i < 2; i++)
		ck_assert_msg(sqlite3_exec(db, sql_migrations[i], NULL, NULL,
		    &emsg) == SQLITE_OK, "%s", emsg);
	ck_assert_int_eq(sqlite3_exec(db, "PRAGMA user_version=2;"
	    "INSERT INTO events (id, account, received_ms, format, code, qual,"
	    " class) VALUES (7, '1234', 1, 'SIA', 'BA', 'new', 'burglary');"
	    "INSERT INTO alarms (id, account, class, priority, state, first_ms,"
	    " last_ms, created_ms) VALUES (3, '1234', 'burglary', 2, 'new', 1, 1, 1);"
	    "INSERT INTO alarm_events VALUES (3, 7);", NULL, NULL, &emsg), SQLITE_OK);
	sqlite3_close(db);
	st = store_open(ts.path, err, sizeof(err));
	ck_assert_msg(st != NULL, "%s", err);
	ck_assert_int_eq(sqlite3_open(ts.path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT alarm_id, event_id,"
	    " (SELECT user_version FROM pragma_user_version) FROM alarm_events",
	    -1, &q, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(q), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int(q, 0), 3);
	ck_assert_int_eq(sqlite3_column_int(q, 1), 7);
	ck_assert_int_eq(sqlite3_column_int(q, 2),
	    (int)(sizeof(sql_migrations) / sizeof(sql_migrations[0])));
	sqlite3_finalize(q);
	/* The alarm knows the range of its events' ids (schema 4). */
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT first_event_id,"
	    " last_event_id FROM alarms WHERE id = 3", -1, &q, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(q), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int(q, 0), 7);
	ck_assert_int_eq(sqlite3_column_int(q, 1), 7);
	sqlite3_finalize(q);
	sqlite3_close(db);
}
END_TEST

START_TEST(test_seen_in_batch)
{
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_in_txn(st), 1);
	ck_assert_int_eq(store_frame_seen(st, "1234", 7, "digest", 0), 0);
	/* a frame memory holds (retx NULL) is not the store's to answer */
	add_one("1234", 7, 5000, EVC_BURGLARY);
	ck_assert_int_eq(store_frame_seen(st, "1234", 7, "digest", 4000), 0);
	add_one_retx("1234", 7, 5000, EVC_BURGLARY, 1);
	ck_assert_int_eq(store_frame_seen(st, "1234", 7, "digest", 4000), 1);
	ck_assert_int_eq(store_frame_seen(st, "1234", 7, "digest", 6000), 0);
	ck_assert_int_eq(store_frame_seen(st, "1234", 8, "digest", 0), 0);
	ck_assert_int_eq(store_frame_seen(st, "1234", 7, "other", 0), 0);
	ck_assert_int_eq(store_commit(st), 0);
	ck_assert_int_eq(store_in_txn(st), 0);
	ck_assert_int_eq(store_frame_seen(st, "1234", 7, "digest", 0), 1);
}
END_TEST

START_TEST(test_rollback_and_isolation)
{
	struct rows	rs;

	ck_assert_int_eq(store_begin(st), 0);
	add_one_retx("1234", 1, 1000, EVC_FIRE, 1);
	ck_assert_int_eq(store_frame_seen(st, "1234", 1, "digest", 0), 1);
	/* The reader sees only committed data. */
	ck_assert_int_eq(list(NULL, -1, 0, 0, 10, &rs), 0);
	store_rollback(st);
	ck_assert_int_eq(store_in_txn(st), 0);
	ck_assert_int_eq(store_frame_seen(st, "1234", 1, "digest", 0), 0);
	ck_assert_int_eq(store_begin(st), 0);
	add_one("1234", 1, 1000, EVC_FIRE);
	ck_assert_int_eq(store_commit(st), 0);
	ck_assert_int_eq(list(NULL, -1, 0, 0, 10, &rs), 1);
	ck_assert_str_eq(rs.first_cls, "fire");
	/* Nothing open: COMMIT fails and says why. */
	ck_assert_int_eq(store_commit(st), -1);
	ck_assert_ptr_nonnull(strstr(store_errmsg(st), "no transaction"));
}
END_TEST

/*
 * Every field comes back, from both row shapes: a frame with a row of its
 * own (before schema 17, and frames with several events) and a frame that
 * shares its only event's row (_i 1).
 */
START_TEST(test_event_fields)
{
	struct store_frame	f;
	struct event		e;
	struct rows		rs;
	int64_t			id;
	int			inl = _i;

	mkframe(&f, "5678", 42, 2000);
	mkevent(&e, EVC_PANIC, -1);
	e.qual = EVQ_RESTORE;
	e.partition = 3;
	e.event_time = 1700000000;
	e.peripheral = 4;
	strcpy(e.name, "Hall PIR");
	strcpy(e.note, "Front door open");
	f.ext = "{\"room\":\"12\"}";
	f.transport = "tls";
	f.peer = "192.0.2.7:4000";
	ck_assert_int_eq(store_begin(st), 0);
	id = 0;
	if (!inl)
		ck_assert_int_gt(id = store_frame_add(st, &f), 0);
	ck_assert_int_gt(store_event_add(st, id, &f, &e), 0);
	/* and an older frame of the other shape, which must not be mixed in */
	mkframe(&f, "5678", 41, 1000);
	f.transport = "udp";
	f.ext = NULL;
	id = 0;
	if (inl)
		ck_assert_int_gt(id = store_frame_add(st, &f), 0);
	ck_assert_int_gt(store_event_add(st, id, &f, &e), 0);
	ck_assert_int_eq(store_commit(st), 0);
	ck_assert_int_eq(tmpstore_int(&ts, "SELECT count(*) FROM frames"), 1);
	ck_assert_int_eq(tmpstore_int(&ts, "SELECT count(*) FROM events WHERE"
	    " frame_id IS NULL AND raw IS NOT NULL"), 1);
	ck_assert_int_eq(list("5678", -1, 0, 0, 1, &rs), 1);
	ck_assert_int_eq(rs.first.received_ms, 2000);
	/* The payload's own time stands beside the frame's, not instead. */
	ck_assert_int_eq(rs.first.panel_time, 1704110400);
	ck_assert_int_eq(rs.first.event_time, 1700000000);
	ck_assert_int_eq(rs.first.peripheral, 4);
	ck_assert_str_eq(rs.first_name, "Hall PIR");
	ck_assert_str_eq(rs.first_note, "Front door open");
	ck_assert_str_eq(rs.first_ext, "{\"room\":\"12\"}");
	ck_assert_str_eq(rs.first_transport, "tls");
	ck_assert_str_eq(rs.first_peer, "192.0.2.7:4000");
	ck_assert_str_eq(rs.first_raw, raw);
	ck_assert_int_eq(rs.first.zone, -1);
	ck_assert_int_eq(rs.first.user, -1);
	ck_assert_int_eq(rs.first.partition, 3);
	ck_assert_int_eq(rs.first.seq, 42);
	ck_assert_str_eq(rs.first_cls, "panic");
	/* the older one, from the other shape */
	ck_assert_int_eq(list("5678", -1, 0, 1500, 1, &rs), 1);
	ck_assert_int_eq(rs.first.seq, 41);
	ck_assert_str_eq(rs.first_transport, "udp");
	ck_assert_str_eq(rs.first_peer, "127.0.0.1:5555");
	ck_assert_str_eq(rs.first_raw, raw);
	ck_assert_str_eq(rs.first_ext, "(null)");
}
END_TEST

START_TEST(test_event_filters)
{
	struct rows	rs;
	int		i;

	ck_assert_int_eq(store_begin(st), 0);
	for (i = 0; i < 30; i++)
		add_one(i % 2 ? "A" : "B", i, 1000 + i,
		    i % 3 ? EVC_BURGLARY : EVC_FIRE);
	ck_assert_int_eq(store_commit(st), 0);
	ck_assert_int_eq(list(NULL, -1, 0, 0, 100, &rs), 30);
	ck_assert_int_eq(rs.first.received_ms, 1029);		/* newest first */
	ck_assert_int_eq(list(NULL, -1, 0, 0, 5, &rs), 5);
	ck_assert_int_eq(list("A", -1, 0, 0, 100, &rs), 15);
	ck_assert_int_eq(list(NULL, EVC_FIRE, 0, 0, 100, &rs), 10);
	ck_assert_int_eq(list("A", EVC_FIRE, 0, 0, 100, &rs), 5);
	ck_assert_int_eq(list(NULL, -1, 1010, 1020, 100, &rs), 10);
	ck_assert_int_eq(rs.first.received_ms, 1019);		/* until is exclusive */
	ck_assert_int_eq(list(NULL, EVC_MEDICAL, 0, 0, 100, &rs), 0);
	ck_assert_int_eq(list(NULL, -1, 0, 0, 0, &rs), -1);
}
END_TEST

/* Append id to the comma list in out (4096 bytes). */
static void
ids_add(char *out, int64_t id)
{
	size_t	n = strlen(out);

	snprintf(out + n, 4096 - n, "%lld,", (long long)id);
}

/* Collect ids, newest first, into a comma list. */
static int
ids_cb(const struct store_event_row *r, void *arg)
{
	ids_add(arg, r->id);
	return 0;
}

/* What event.list must give for the filter, read from events alone. */
static void
ids_expected(sqlite3 *db, const char *acct, const char *cls, int64_t since,
    int64_t until, int limit, char *out)
{
	sqlite3_stmt	*q;

	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT id FROM events WHERE"
	    " (?1 IS NULL OR account = ?1) AND (?2 IS NULL OR class = ?2) AND"
	    " (?3 = 0 OR received_ms >= ?3) AND (?4 = 0 OR received_ms < ?4)"
	    " ORDER BY received_ms DESC, id DESC LIMIT ?5", -1, &q, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(q, 1, acct, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, cls, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, since);
	sqlite3_bind_int64(q, 4, until);
	sqlite3_bind_int(q, 5, limit);
	out[0] = '\0';
	while (sqlite3_step(q) == SQLITE_ROW)
		ids_add(out, sqlite3_column_int64(q, 0));
	sqlite3_finalize(q);
}

/* event.list for one account, against the same query on events alone. */
static void
ids_one(sqlite3 *db, const char *acct)
{
	struct store_event_filter flt = { .account = acct, .cls = -1,
	    .limit = 1000 };
	char			 got[4096] = "", want[4096];

	ck_assert_int_eq(store_event_list(st, &flt, ids_cb, got), 0);
	ids_expected(db, acct, NULL, 0, 0, 1000, want);
	ck_assert_str_eq(got, want);
}

/* Every filter of event.list against the same query on events alone. */
static void
ids_compare(sqlite3 *db)
{
	static const char *const accts[] = { NULL, "A", "B", "C" };
	static const int	 clss[] = { -1, EVC_FIRE, EVC_BURGLARY };
	static const int64_t	 times[][2] = { { 0, 0 }, { 1010, 0 },
	    { 0, 1035 }, { 1005, 1045 } };
	static const int	 limits[] = { 1, 7, 1000 };
	struct store_event_filter flt;
	char			 got[4096], want[4096];
	size_t			 a, c, t, l;

	for (a = 0; a < 4; a++)
	for (c = 0; c < 3; c++)
	for (t = 0; t < 4; t++)
	for (l = 0; l < 3; l++) {
		flt.account = accts[a];
		flt.cls = clss[c];
		flt.since_ms = times[t][0];
		flt.until_ms = times[t][1];
		flt.limit = limits[l];
		got[0] = '\0';
		ck_assert_msg(store_event_list(st, &flt, ids_cb, got) == 0,
		    "%s", store_errmsg(st));
		ids_expected(db, accts[a], clss[c] < 0 ? NULL :
		    codes_class_name((enum event_class)clss[c]), times[t][0],
		    times[t][1], limits[l], want);
		ck_assert_msg(strcmp(got, want) == 0, "account %s class %d"
		    " %lld..%lld limit %d: got %s want %s", accts[a] != NULL ?
		    accts[a] : "-", clss[c], (long long)times[t][0],
		    (long long)times[t][1], limits[l], got, want);
	}
}

/* n events at ms and on, of accounts b and a by turns (one batch). */
static void
add_some(int n, int64_t ms, const char *a, const char *b)
{
	int	i;

	ck_assert_int_eq(store_begin(st), 0);
	for (i = 0; i < n; i++)
		add_one(i % 2 ? a : b, 200 + i, ms + i, EVC_FIRE);
	ck_assert_int_eq(store_commit(st), 0);
}

/* The keys (evkeys.c) of events below id, read from the keys file. */
static int
keys_below(int64_t id)
{
	char		 path[256];
	sqlite3		*k;
	sqlite3_stmt	*q;
	int		 n;

	snprintf(path, sizeof(path), "%s-keys", ts.path);
	ck_assert_int_eq(sqlite3_open_v2(path, &k, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(k, "SELECT count(*) FROM keys"
	    " WHERE id < ?1", -1, &q, NULL), SQLITE_OK);
	sqlite3_bind_int64(q, 1, id);
	ck_assert_int_eq(sqlite3_step(q), SQLITE_ROW);
	n = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(k);
	return n;
}

/* Key up to max more events (evkeys.c), as pcod's keys thread would. */
static int
keys_step(int max)
{
	char	err[512];
	int	n;

	n = evkeys_step(store_evkeys(st), max, err, sizeof(err));
	ck_assert_msg(n >= 0, "%s", err);
	return n;
}

/*
 * event.list gives what a plain query on events gives, for every filter
 * and limit, whatever the keys database (evkeys.c) holds: no keys yet,
 * some, all, keys of events deleted since, and ids given again after the
 * newest events were deleted.  One event is older than events stored
 * before it (the clock stepped back).
 */
START_TEST(test_event_list_matches_events)
{
	sqlite3	*db;
	char	 err[512];
	int	 i;

	ck_assert_ptr_nonnull(store_evkeys(st));
	ck_assert_int_eq(sqlite3_open(ts.path, &db), SQLITE_OK);
	ck_assert_int_eq(store_begin(st), 0);
	for (i = 0; i < 30; i++)
		add_one(i % 2 ? "A" : "B", i, 1000 + i,
		    i % 3 ? EVC_BURGLARY : EVC_FIRE);
	ck_assert_int_eq(store_commit(st), 0);
	ids_compare(db);
	ck_assert_int_eq(keys_step(7), 7);
	ids_compare(db);
	ck_assert_int_eq(store_begin(st), 0);
	for (i = 0; i < 20; i++)
		add_one(i % 3 ? "A" : "C", 100 + i, i == 7 ? 1003 : 1030 + i,
		    i % 2 ? EVC_FIRE : EVC_BURGLARY);
	ck_assert_int_eq(store_commit(st), 0);
	ck_assert_int_eq(keys_step(30), 30);
	ids_compare(db);
	ck_assert_int_eq(keys_step(100), 13);
	ck_assert_int_eq(keys_step(100), 0);
	ids_compare(db);
	/* Retention took some: their keys stay, and must not count. */
	ck_assert_int_eq(sqlite3_exec(db, "DELETE FROM events WHERE id IN"
	    " (1, 2, 3, 4, 9, 31)", NULL, NULL, NULL), SQLITE_OK);
	ids_compare(db);
	/* The purge drops those below the oldest event left (5): 1 to 4. */
	ck_assert_int_eq(keys_below(6), 10);
	ck_assert_int_eq(evkeys_purge(store_evkeys(st), err, sizeof(err)), 0);
	ck_assert_int_eq(keys_below(6), 2);
	ids_compare(db);
	/* The newest went: the keys start again; their ids come back. */
	ck_assert_int_eq(sqlite3_exec(db, "DELETE FROM events WHERE id > 44",
	    NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(keys_step(100), 38);
	ids_compare(db);
	add_some(4, 1040, "C", "B");
	ids_compare(db);
	ck_assert_int_eq(keys_step(100), 4);
	ids_compare(db);
	/* ... given again before a step saw them go (ids 47 and 48). */
	ck_assert_int_eq(sqlite3_exec(db, "DELETE FROM events WHERE id > 46",
	    NULL, NULL, NULL), SQLITE_OK);
	add_some(2, 1042, "A", "C");
	/* Until then 47's old key (account B, same time) must not make it B's. */
	ids_one(db, "B");
	ck_assert_int_eq(keys_step(100), 42);
	ids_compare(db);
	sqlite3_close(db);
}
END_TEST

/* Collect account names into a comma list. */
static int
acct_cb(const struct store_account *a, void *arg)
{
	strcat(arg, a->account);
	strcat(arg, ",");
	return 0;
}

START_TEST(test_accounts)
{
	struct store_account	a = { .account = "1234", .key = "0011", .name = "Shop", .created_ms = 11 };
	struct store_account	b = { .account = "0001", .created_ms = 22 };
	struct store_account	o;
	char			buf[64] = "";

	ck_assert_int_eq(store_account_add(st, &a), 0);
	ck_assert_int_eq(store_account_add(st, &b), 0);
	ck_assert_int_eq(store_account_add(st, &a), 1);
	ck_assert_int_eq(store_account_get(st, "1234", &o), 0);
	ck_assert_str_eq(o.key, "0011");
	ck_assert_str_eq(o.name, "Shop");
	ck_assert_int_eq(o.created_ms, 11);
	ck_assert_int_eq(store_account_get(st, "9999", &o), 1);
	ck_assert_int_eq(store_account_foreach(st, acct_cb, buf), 0);
	ck_assert_str_eq(buf, "0001,1234,");
	ck_assert_int_eq(store_account_remove(st, "0001"), 0);
	ck_assert_int_eq(store_account_remove(st, "0001"), 1);
	ck_assert_int_eq(store_account_get(st, "0001", &o), 1);
}
END_TEST

/* An audit row for the chain tests. */
static void
mkrow(struct audit_row *r, int64_t id, int64_t at, const char *const t[])
{
	int	f;

	r->id = id;
	r->at_ms = at;
	for (f = 0; f < AUDIT_NTEXT; f++) {
		r->text[f] = t[f];
		r->len[f] = t[f] != NULL ? strlen(t[f]) : 0;
	}
}

/* The chain hash agrees with a vector computed from the documented encoding. */
START_TEST(test_audit_hash_vector)
{
	static const char *const t1[] = { "uid:0", "account.add", "account",
	    "1234", "", NULL };
	static const char *const t2[] = { "alice", "alarm.close", "alarm", "7",
	    "false alarm", "{\"resolution\":\"false\"}" };
	struct audit_row	r;
	char			h1[AUDIT_HASH_HEX + 1], h2[AUDIT_HASH_HEX + 1];

	/* Computed with Python's hashlib from pcod-control(7)'s description. */
	mkrow(&r, 1, 1700000000000LL, t1);
	ck_assert_int_eq(store_audit_hash("", 0, &r, h1), 0);
	ck_assert_str_eq(h1, "35cc2404531e5ecf2e51b50486c784636"
	    "4fc51eca3f345ea89fea9f77fe0db70");
	mkrow(&r, 2, 1700000000001LL, t2);
	ck_assert_int_eq(store_audit_hash(h1, strlen(h1), &r, h2), 0);
	ck_assert_str_eq(h2, "d9964fe42006476433976c5c9a4cc6ef"
	    "e19938ca4146758e3f973dc503fee8fc");
}
END_TEST

/* Every field, the previous hash, NULL and field boundaries change the hash. */
START_TEST(test_audit_hash_fields)
{
	static const char *const t[] = { "a", "b", "c", "d", "e", "f" };
	static const char *const shifted[] = { "ab", "", "c", "d", "e", "f" };
	struct audit_row	r;
	char			base[AUDIT_HASH_HEX + 1], h[AUDIT_HASH_HEX + 1];
	int			f;

	mkrow(&r, 5, 6, t);
	ck_assert_int_eq(store_audit_hash("p", 1, &r, base), 0);
	ck_assert_int_eq((int)strlen(base), AUDIT_HASH_HEX);
	ck_assert_int_eq(store_audit_hash("q", 1, &r, h), 0);
	ck_assert_str_ne(h, base);
	r.id = 4;
	ck_assert_int_eq(store_audit_hash("p", 1, &r, h), 0);
	ck_assert_str_ne(h, base);
	mkrow(&r, 5, 7, t);
	ck_assert_int_eq(store_audit_hash("p", 1, &r, h), 0);
	ck_assert_str_ne(h, base);
	for (f = 0; f < AUDIT_NTEXT; f++) {
		mkrow(&r, 5, 6, t);
		r.text[f] = "z";
		ck_assert_int_eq(store_audit_hash("p", 1, &r, h), 0);
		ck_assert_str_ne(h, base);
	}
	/* "ab" + "" is not "a" + "b"; an empty details is not NULL. */
	mkrow(&r, 5, 6, shifted);
	ck_assert_int_eq(store_audit_hash("p", 1, &r, h), 0);
	ck_assert_str_ne(h, base);
	mkrow(&r, 5, 6, t);
	r.text[AUDIT_DETAILS] = NULL;
	r.len[AUDIT_DETAILS] = 0;
	ck_assert_int_eq(store_audit_hash("p", 1, &r, base), 0);
	r.text[AUDIT_DETAILS] = "";
	ck_assert_int_eq(store_audit_hash("p", 1, &r, h), 0);
	ck_assert_str_ne(h, base);
	/* Bytes after a NUL count too. */
	r.text[AUDIT_REASON] = "x\0y";
	r.len[AUDIT_REASON] = 3;
	ck_assert_int_eq(store_audit_hash("p", 1, &r, base), 0);
	r.text[AUDIT_REASON] = "x\0z";
	ck_assert_int_eq(store_audit_hash("p", 1, &r, h), 0);
	ck_assert_str_ne(h, base);
}
END_TEST

/* Append n rows in one batch; commit or roll back. */
static void
audit_rows(int n, int commit)
{
	struct actor	 who = { "alice", ROLE_OPERATOR };
	json_t		*d;
	int		 i;

	ck_assert_int_eq(store_begin(st), 0);
	for (i = 0; i < n; i++) {
		d = i % 2 ? json_pack("{s:i}", "i", i) : NULL;
		ck_assert_int_eq(store_audit_add(st, &who, "alarm.comment",
		    "alarm", "1", "note", d), 0);
		json_decref(d);
	}
	if (commit)
		ck_assert_int_eq(store_commit(st), 0);
	else
		store_rollback(st);
}

/* The verdict's intact flag, row count and first bad row. */
static void
audit_verdict_is(int intact, int rows, int bad)
{
	json_t	*v = store_audit_verify(st);

	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(json_is_true(json_object_get(v, "intact")), intact);
	ck_assert_int_eq(json_integer_value(json_object_get(v, "rows")), rows);
	ck_assert_int_eq(json_integer_value(json_object_get(v, "first_bad")), bad);
	json_decref(v);
}

/* Run sql on the database file behind the store's back; the SQLite result. */
static int
behind(const char *sql)
{
	sqlite3	*db;
	int	 rc;

	ck_assert_int_eq(sqlite3_open(ts.path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

/* Rows chain across batches (a rolled-back one leaves no gap); edits are found. */
START_TEST(test_audit_chain)
{
	audit_verdict_is(1, 0, 0);
	audit_rows(2, 1);
	audit_rows(3, 0);
	audit_rows(2, 1);
	audit_verdict_is(1, 4, 0);
	ck_assert_int_ne(behind("UPDATE audit SET reason = 'x' WHERE id = 2"),
	    SQLITE_OK);
	ck_assert_int_ne(behind("DELETE FROM audit WHERE id = 4"), SQLITE_OK);
	ck_assert_int_ne(behind("INSERT OR REPLACE INTO audit (id, at_ms, actor,"
	    " action, hash) VALUES (3, 1, 'x', 'y', 'z')"), SQLITE_OK);
	ck_assert_int_ne(behind("INSERT INTO audit (at_ms, actor, action) VALUES"
	    " (1, 'x', 'y')"), SQLITE_OK);
	audit_verdict_is(1, 4, 0);
	ck_assert_int_eq(behind("DROP TRIGGER audit_no_update;"
	    " UPDATE audit SET reason = 'x' WHERE id = 3"), SQLITE_OK);
	audit_verdict_is(0, 4, 3);
}
END_TEST

/* The suite. */
static Suite *
store_suite(void)
{
	Suite	*s = suite_create("store");
	TCase	*tc = tcase_create("store");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_reopen);
	tcase_add_test(tc, test_bad_path);
	tcase_add_test(tc, test_newer_schema);
	tcase_add_test(tc, test_upgrade_from_2);
	tcase_add_test(tc, test_seen_in_batch);
	tcase_add_test(tc, test_rollback_and_isolation);
	tcase_add_loop_test(tc, test_event_fields, 0, 2);
	tcase_add_test(tc, test_event_filters);
	tcase_add_test(tc, test_event_list_matches_events);
	tcase_add_test(tc, test_accounts);
	tcase_add_test(tc, test_audit_hash_vector);
	tcase_add_test(tc, test_audit_hash_fields);
	tcase_add_test(tc, test_audit_chain);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(store_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
