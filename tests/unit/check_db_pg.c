/*
 * check_db_pg.c - db.h's PostgreSQL engine (src/db_pg.c) and store_pg_open()
 * on a throw-away cluster (tests/pg/cluster.sh): parameter rewriting, types,
 * NULLs, blobs, changes, ids, transactions, error classes, the SQLite
 * functions the schema provides (compared with SQLite's own answers), the
 * schema's migration and its refusal of a newer one, and redaction.
 * Exit 77 (skipped) when PostgreSQL's binaries are not installed.
 */
#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>
#include <event2/event.h>
#include <jansson.h>
#include <sqlite3.h>

#include "actor.h"
#include "audit.h"
#include "db.h"
#include "db_int.h"
#include "lease.h"
#include "store.h"

static char	 uri[256];	/* the cluster's pcod database */
static char	 dir[256];	/* the cluster's folder */

/* A connection to the cluster's database, or a test failure. */
static struct db *
conn(void)
{
	char		 err[512];
	struct db	*db = db_pg_connect(uri, err, sizeof(err));

	ck_assert_msg(db != NULL, "connect: %s", err);
	return db;
}

/* A plain connection to the database at u, or a test failure. */
static struct db *
conn_to(const char *u)
{
	char		 err[512];
	struct db	*db = db_pg_connect(u, err, sizeof(err));

	ck_assert_msg(db != NULL, "connect: %s", err);
	return db;
}

/* The URI of another database of the cluster. */
static void
uri_of(const char *name, char *buf, size_t sz)
{
	char	*slash;

	snprintf(buf, sz, "%s", uri);
	slash = strrchr(buf, '/');
	snprintf(slash + 1, sz - (size_t)(slash + 1 - buf), "%s", name);
}

/* Prepare sql, or a test failure. */
static struct db_stmt *
prep(struct db *db, const char *sql)
{
	struct db_stmt	*st = db_prepare(db, sql);

	ck_assert_msg(st != NULL, "prepare %s: %s", sql, db_errmsg(db));
	return st;
}

/* Run sql with no parameters, and its single row's first column as text. */
static char *
one(struct db *db, const char *sql)
{
	struct db_stmt	*st = prep(db, sql);
	const char	*v;
	char		*r;

	ck_assert_int_eq(db_step(st), DB_ROW);
	v = db_column_text(st, 0);
	r = v != NULL ? strdup(v) : NULL;
	db_finalize(st);
	return r;
}

/* ?N, bare ? and the ? inside literals and quoted names. */
START_TEST(test_params)
{
	struct db	*db = conn();
	struct db_stmt	*st;

	st = prep(db, "SELECT ?2 || '?' || ?1 AS \"a?b\", ? , '''?''' -- ?\n");
	ck_assert_int_eq(db_bind_text(st, 1, "x", -1), DB_OK);
	ck_assert_int_eq(db_bind_text(st, 2, "yz", 1), DB_OK);
	ck_assert_int_eq(db_bind_int64(st, 3, 7), DB_OK);
	ck_assert_int_ne(db_bind_int64(st, 4, 7), DB_OK);	/* no ?4 */
	ck_assert_int_eq(db_step(st), DB_ROW);
	ck_assert_str_eq(db_column_name(st, 0), "a?b");
	ck_assert_str_eq(db_column_text(st, 0), "y?x");
	ck_assert_int_eq(db_column_int64(st, 1), 7);
	ck_assert_str_eq(db_column_text(st, 2), "'?'");
	ck_assert_int_eq(db_column_count(st), 3);
	ck_assert_int_eq(db_step(st), DB_DONE);
	ck_assert_int_eq(db_step(st), DB_DONE);
	/* Run again with the bindings kept, then cleared (NULL). */
	db_reset(st);
	ck_assert_int_eq(db_step(st), DB_ROW);
	ck_assert_str_eq(db_column_text(st, 0), "y?x");
	db_reset(st);
	db_clear_bindings(st);
	ck_assert_int_eq(db_step(st), DB_ROW);
	ck_assert_int_eq(db_column_type(st, 0), DB_NULL);
	ck_assert_ptr_null(db_column_text(st, 0));
	db_finalize(st);
	db_close(db);
}
END_TEST

/* One statement, ?1 NULL then not: one server-side plan per signature. */
START_TEST(test_null_or_value)
{
	struct db	*db = conn();
	struct db_stmt	*st;
	int		 n;

	ck_assert_int_eq(db_exec(db, "CREATE TEMP TABLE t (account TEXT);"
	    " INSERT INTO t VALUES ('a'), ('b'), ('b')"), 0);
	st = prep(db, "SELECT count(*) FROM t WHERE (?1 IS NULL OR account = ?1)");
	ck_assert_msg(db_step(st) == DB_ROW, "%s", db_errmsg(db));	/* unbound: NULL */
	ck_assert_int_eq(db_column_int64(st, 0), 3);
	db_reset(st);
	db_bind_text(st, 1, "b", -1);
	ck_assert_int_eq(db_step(st), DB_ROW);
	ck_assert_int_eq(db_column_int64(st, 0), 2);
	db_reset(st);
	db_bind_null(st, 1);
	ck_assert_int_eq(db_step(st), DB_ROW);
	ck_assert_int_eq(db_column_int64(st, 0), 3);
	db_finalize(st);
	/* A number column, NULL, inside a transaction that stays usable. */
	ck_assert_int_eq(db_exec(db, "CREATE TEMP TABLE n (site_id BIGINT);"
	    " INSERT INTO n VALUES (1), (2); BEGIN"), 0);
	st = prep(db, "SELECT count(*) FROM n WHERE (?1 IS NULL OR site_id = ?1)");
	ck_assert_int_eq(db_step(st), DB_ROW);
	ck_assert_int_eq(db_column_int64(st, 0), 2);
	db_reset(st);
	db_bind_int64(st, 1, 2);
	ck_assert_int_eq(db_step(st), DB_ROW);
	ck_assert_int_eq(db_column_int64(st, 0), 1);
	ck_assert_int_eq(db_exec(db, "INSERT INTO n VALUES (3); COMMIT"), 0);
	ck_assert_int_eq(db_in_txn(db), 0);
	db_finalize(st);
	/* Text and number parameters NULL in one statement, in a transaction. */
	ck_assert_int_eq(db_exec(db, "CREATE TEMP TABLE m (state TEXT,"
	    " site_id BIGINT); INSERT INTO m VALUES ('new', 1), ('closed', 2);"
	    " BEGIN"), 0);
	st = prep(db, "SELECT count(*) FROM m WHERE (?1 IS NULL OR state = ?1)"
	    " AND (?2 = 0 OR site_id = ?2) AND (?3 IS NULL OR site_id = ?3)"
	    " AND (?4 IS NULL OR ?4 = state)");
	db_bind_int(st, 2, 0);
	ck_assert_msg(db_step(st) == DB_ROW, "%s", db_errmsg(db));
	ck_assert_int_eq(db_column_int64(st, 0), 2);
	db_reset(st);
	db_bind_text(st, 1, "closed", -1);
	db_bind_int(st, 3, 2);
	ck_assert_msg(db_step(st) == DB_ROW, "%s", db_errmsg(db));
	ck_assert_int_eq(db_column_int64(st, 0), 1);
	db_finalize(st);
	/* SQLite's "IS ?": NULL-safe equality */
	st = prep(db, "SELECT count(*) FROM m WHERE site_id IS ?1 AND state IS NOT ?2");
	db_bind_int(st, 1, 2);
	ck_assert_msg(db_step(st) == DB_ROW, "%s", db_errmsg(db));
	ck_assert_int_eq(db_column_int64(st, 0), 1);	/* state IS NOT NULL */
	db_finalize(st);
	st = prep(db, "SAVEPOINT cmd");
	ck_assert_int_eq(db_step(st), DB_DONE);
	db_finalize(st);
	ck_assert_int_eq(db_exec(db, "INSERT INTO m VALUES ('x', 3)"), 0);
	st = prep(db, "ROLLBACK TO cmd");
	ck_assert_int_eq(db_step(st), DB_DONE);
	db_finalize(st);
	ck_assert_int_eq(db_exec(db, "COMMIT"), 0);
	ck_assert_int_eq(db_in_txn(db), 0);
	/* A text bound where a number is compared reads as that number. */
	st = prep(db, "SELECT 41 + ?1");
	db_bind_text(st, 1, "1", -1);
	ck_assert_int_eq(db_step(st), DB_ROW);
	n = db_column_int(st, 0);
	ck_assert_int_eq(n, 42);
	db_finalize(st);
	db_close(db);
}
END_TEST

/* Column types as SQLite would report them; bool as 1/0; blobs decoded. */
START_TEST(test_types)
{
	struct db	*db = conn();
	struct db_stmt	*st;
	static const unsigned char blob[] = { 0, 1, 0xff, '\\', 'x', 0 };

	st = prep(db, "SELECT 1::int2, 2::int4, 9007199254740993::int8,"
	    " 1.5::float8, 'text', NULL, 'taken' = 'taken', 1 = 2,"
	    " 12::numeric, 2.5::numeric, ?1, ?2, ?3, ?4");
	db_bind_blob(st, 1, blob, sizeof(blob));
	db_bind_double(st, 2, 0.1);
	db_bind_int64(st, 3, INT64_MIN);
	db_bind_blob(st, 4, "", 0);
	ck_assert_int_eq(db_step(st), DB_ROW);
	ck_assert_int_eq(db_column_type(st, 0), DB_INTEGER);
	ck_assert_int_eq(db_column_type(st, 1), DB_INTEGER);
	ck_assert_int_eq(db_column_int64(st, 2), 9007199254740993LL);
	ck_assert_int_eq(db_column_type(st, 3), DB_FLOAT);
	ck_assert_double_eq(db_column_double(st, 3), 1.5);
	ck_assert_int_eq(db_column_type(st, 4), DB_TEXT);
	ck_assert_int_eq(db_column_bytes(st, 4), 4);
	ck_assert_int_eq(db_column_type(st, 5), DB_NULL);
	ck_assert_int_eq(db_column_int64(st, 5), 0);
	ck_assert_int_eq(db_column_bytes(st, 5), 0);
	ck_assert_int_eq(db_column_type(st, 6), DB_INTEGER);
	ck_assert_int_eq(db_column_int(st, 6), 1);
	ck_assert_str_eq(db_column_text(st, 6), "1");
	ck_assert_int_eq(db_column_int(st, 7), 0);
	ck_assert_int_eq(db_column_type(st, 8), DB_INTEGER);
	ck_assert_int_eq(db_column_int64(st, 8), 12);
	ck_assert_int_eq(db_column_type(st, 9), DB_FLOAT);
	ck_assert_int_eq(db_column_type(st, 10), DB_BLOB);
	ck_assert_int_eq(db_column_bytes(st, 10), (int)sizeof(blob));
	ck_assert_mem_eq(db_column_text(st, 10), blob, sizeof(blob));
	ck_assert_double_eq(db_column_double(st, 11), 0.1);
	ck_assert_int_eq(db_column_int64(st, 12), INT64_MIN);
	ck_assert_int_eq(db_column_type(st, 13), DB_BLOB);
	ck_assert_int_eq(db_column_bytes(st, 13), 0);
	ck_assert_int_eq(db_column_type(st, 99), DB_NULL);	/* no such column */
	db_finalize(st);
	db_close(db);
}
END_TEST

/* db_changes counts writes only; db_last_id is the identity just given. */
START_TEST(test_changes_last_id)
{
	struct db	*db = conn();
	struct db_stmt	*ins, *ins2, *sel;
	int		 i;

	ck_assert_int_eq(db_exec(db, "CREATE TEMP TABLE t (id BIGINT GENERATED"
	    " BY DEFAULT AS IDENTITY PRIMARY KEY, v TEXT UNIQUE)"), 0);
	ins = prep(db, "INSERT INTO t (v) VALUES (?)");
	for (i = 0; i < 3; i++) {
		char	v[8];

		snprintf(v, sizeof(v), "v%d", i);
		db_reset(ins);
		db_bind_text(ins, 1, v, -1);
		ck_assert_int_eq(db_step(ins), DB_DONE);
		ck_assert_int_eq(db_changes(db), 1);
		ck_assert_int_eq(db_last_id(db), i + 1);
	}
	/* a prepared insert that conflicts keeps the last id, as in SQLite */
	ins2 = prep(db, "INSERT INTO t (v) VALUES (?) ON CONFLICT DO NOTHING");
	db_bind_text(ins2, 1, "v0", -1);
	ck_assert_int_eq(db_step(ins2), DB_DONE);
	ck_assert_int_eq(db_changes(db), 0);
	db_finalize(ins2);
	ck_assert_int_eq(db_last_id(db), 3);
	ck_assert_int_eq(db_exec(db, "UPDATE t SET v = v || 'x' WHERE id >= 2"), 0);
	ck_assert_int_eq(db_changes(db), 2);
	sel = prep(db, "SELECT id FROM t ORDER BY id");
	for (i = 0; db_step(sel) == DB_ROW; i++)
		ck_assert_int_eq(db_column_int64(sel, 0), i + 1);
	ck_assert_int_eq(i, 3);
	ck_assert_int_eq(db_changes(db), 2);	/* a SELECT changes nothing */
	/* ON CONFLICT DO NOTHING: no change. */
	ck_assert_int_eq(db_exec(db, "INSERT INTO t (v) VALUES ('v0')"
	    " ON CONFLICT DO NOTHING"), 0);
	ck_assert_int_eq(db_changes(db), 0);
	db_finalize(sel);
	db_finalize(ins);
	/* an explicit id (the audit log's) is the last id too */
	ck_assert_int_eq(db_exec(db, "CREATE TEMP TABLE a (id BIGINT PRIMARY KEY,"
	    " v TEXT); CREATE TEMP TABLE k (v TEXT)"), 0);
	ins = prep(db, "INSERT INTO a (id, v) VALUES (?1, ?2) ON CONFLICT DO NOTHING;");
	db_bind_int64(ins, 1, 77);
	db_bind_text(ins, 2, "x", -1);
	ck_assert_int_eq(db_step(ins), DB_DONE);
	ck_assert_int_eq(db_changes(db), 1);
	ck_assert_int_eq(db_last_id(db), 77);
	db_finalize(ins);
	/* a table without an id: no RETURNING, and the last id stays */
	ins = prep(db, "INSERT INTO k (v) VALUES (?1)");
	db_bind_text(ins, 1, "y", -1);
	ck_assert_int_eq(db_step(ins), DB_DONE);
	ck_assert_int_eq(db_changes(db), 1);
	ck_assert_int_eq(db_last_id(db), 77);
	db_finalize(ins);
	db_close(db);
}
END_TEST

/* Transactions and savepoints; db_in_txn follows them. */
START_TEST(test_txn)
{
	struct db	*db = conn();
	char		*n;

	ck_assert_int_eq(db_exec(db, "CREATE TEMP TABLE t (v BIGINT)"), 0);
	ck_assert_int_eq(db_in_txn(db), 0);
	ck_assert_int_eq(db_exec(db, "BEGIN"), 0);
	ck_assert_int_eq(db_in_txn(db), 1);
	ck_assert_int_eq(db_exec(db, "INSERT INTO t VALUES (1); SAVEPOINT a;"
	    " INSERT INTO t VALUES (2)"), 0);
	ck_assert_int_eq(db_exec(db, "ROLLBACK TO a; RELEASE a"), 0);
	ck_assert_int_eq(db_exec(db, "COMMIT"), 0);
	ck_assert_int_eq(db_in_txn(db), 0);
	n = one(db, "SELECT sum(v) FROM t");
	ck_assert_str_eq(n, "1");
	free(n);
	ck_assert_int_eq(db_exec(db, "BEGIN; INSERT INTO t VALUES (5); ROLLBACK"), 0);
	n = one(db, "SELECT count(*) FROM t");
	ck_assert_str_eq(n, "1");
	free(n);
	db_close(db);
}
END_TEST

/* Unique violation, syntax error, read-only, lock wait: their classes. */
START_TEST(test_errclass)
{
	struct db	*db = conn(), *other = conn();
	struct db_stmt	*st;
	int		 rc;

	ck_assert_int_eq(db_exec(db, "CREATE TABLE IF NOT EXISTS e"
	    " (k BIGINT PRIMARY KEY)"), 0);
	ck_assert_int_eq(db_exec(db, "DELETE FROM e; INSERT INTO e VALUES (1)"), 0);
	ck_assert_int_eq(db_errclass(db), DB_E_NONE);
	st = prep(db, "INSERT INTO e VALUES (?1)");
	db_bind_int64(st, 1, 1);
	rc = db_step(st);
	ck_assert(rc != DB_ROW && rc != DB_DONE);
	ck_assert_int_eq(db_errclass(db), DB_E_CONSTRAINT);
	ck_assert_ptr_nonnull(strstr(db_errmsg(db), "unique"));
	db_finalize(st);
	ck_assert_int_eq(db_exec(db, "SELEC 1"), -1);
	ck_assert_int_eq(db_errclass(db), DB_E_ERROR);
	ck_assert_ptr_null(db_prepare(db, "SELECT ?0"));
	/* read-only */
	ck_assert_int_eq(db_exec(db, "BEGIN READ ONLY"), 0);
	ck_assert_int_eq(db_exec(db, "INSERT INTO e VALUES (2)"), -1);
	ck_assert_int_eq(db_errclass(db), DB_E_READONLY);
	ck_assert_int_eq(db_in_txn(db), 1);
	ck_assert_int_eq(db_exec(db, "ROLLBACK"), 0);
	/* a lock another session holds: busy after the lock timeout */
	ck_assert_int_eq(db_exec(other, "BEGIN; UPDATE e SET k = k WHERE k = 1"), 0);
	db_busy_timeout(db, 100);
	ck_assert_int_eq(db_exec(db, "UPDATE e SET k = k WHERE k = 1"), -1);
	ck_assert_int_eq(db_errclass(db), DB_E_BUSY);
	ck_assert_int_eq(db_exec(other, "ROLLBACK"), 0);
	ck_assert_int_eq(db_exec(db, "UPDATE e SET k = k WHERE k = 1"), 0);
	ck_assert_int_eq(db_exec(db, "DROP TABLE e"), 0);
	db_close(other);
	db_close(db);
}
END_TEST

/* The server closing the session is an I/O error, on step and exec. */
START_TEST(test_killed)
{
	struct db	*db = conn(), *killer = conn();
	struct db_stmt	*st, *kill;
	char		*pid = one(db, "SELECT pg_backend_pid()");
	int		 rc;

	st = prep(db, "SELECT 1");
	kill = prep(killer, "SELECT pg_terminate_backend(?1::int)");
	db_bind_text(kill, 1, pid, -1);
	ck_assert_int_eq(db_step(kill), DB_ROW);
	ck_assert_int_eq(db_column_int(kill, 0), 1);
	usleep(200 * 1000);
	rc = db_step(st);
	ck_assert(rc != DB_ROW && rc != DB_DONE);
	ck_assert_int_eq(db_errclass(db), DB_E_IO);
	/* outside a transaction, the next statement reconnects */
	ck_assert_int_eq(db_exec(db, "SELECT 1"), 0);
	db_finalize(kill);
	free(pid);
	db_close(killer);
	db_close(db);	/* finalizes st */
}
END_TEST

/*
 * A session killed by the server: a transaction it held stays failed (its
 * statements never go on, committed one by one, on a new session) until
 * rolled back; then the next statement reconnects, runs the setup again
 * (the one-pcod lock is held again) and works.
 */
/* Text that is not UTF-8 is stored with U+FFFD for each bad byte, not refused. */
START_TEST(test_bad_utf8)
{
	struct db	*db = conn();
	struct db_stmt	*st = prep(db, "SELECT ?1 || '|' || ?2 || '|' || ?3");

	db_bind_text(st, 1, "\xf2\x5d[I", -1);		/* a panel's cp1250 */
	db_bind_text(st, 2, "\xc3\xa9\xe2\x82\xac", -1);	/* valid: kept */
	db_bind_text(st, 3, "\xed\xa0\x80\xc0\xaf", -1);	/* surrogate, overlong */
	ck_assert_msg(db_step(st) == DB_ROW, "%s", db_errmsg(db));
	ck_assert_str_eq(db_column_text(st, 0), "\xef\xbf\xbd][I|"
	    "\xc3\xa9\xe2\x82\xac|\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
	    "\xef\xbf\xbd\xef\xbf\xbd");
	db_finalize(st);
	db_close(db);
}
END_TEST

static void	fresh(const char *, char *, size_t);

START_TEST(test_reconnect)
{
	struct db	*w, *r, *killer = conn();
	struct db_stmt	*ins, *kill;
	char		 u[300], err[512], *pid, *v;

	fresh("recon", u, sizeof(u));
	ck_assert_msg(store_pg_open(u, &w, &r, err, sizeof(err)) == 0, "%s", err);
	ins = prep(w, "INSERT INTO patrol_holidays (date, name) VALUES (?1, 'x')");
	ck_assert_int_eq(db_exec(w, "BEGIN"), 0);
	db_bind_text(ins, 1, "2026-12-24", -1);
	ck_assert_int_eq(db_step(ins), DB_DONE);
	db_reset(ins);
	pid = one(w, "SELECT pg_backend_pid()");
	kill = prep(killer, "SELECT pg_terminate_backend(?1::int)");
	db_bind_text(kill, 1, pid, -1);
	ck_assert_int_eq(db_step(kill), DB_ROW);
	db_finalize(kill);
	free(pid);
	usleep(300 * 1000);
	/* inside the lost transaction: refused, and still "in" it */
	db_bind_text(ins, 1, "2026-12-25", -1);
	ck_assert(db_step(ins) != DB_DONE);
	ck_assert_int_eq(db_errclass(w), DB_E_IO);
	db_reset(ins);
	ck_assert_int_eq(db_in_txn(w), 1);
	ck_assert_int_eq(db_exec(w, "COMMIT"), -1);
	/* the rollback ends it without a server; the next statement reconnects */
	ck_assert_int_eq(db_exec(w, "ROLLBACK"), 0);
	ck_assert_int_eq(db_in_txn(w), 0);
	db_bind_text(ins, 1, "2026-12-26", -1);
	ck_assert_msg(db_step(ins) == DB_DONE, "%s", db_errmsg(w));
	db_reset(ins);
	v = one(r, "SELECT string_agg(date, ',' ORDER BY date) FROM patrol_holidays");
	ck_assert_str_eq(v, "2026-12-26");
	free(v);
	/* the new session has the session's settings again */
	v = one(w, "SELECT current_setting('application_name')");
	ck_assert_str_eq(v, "pcod");
	free(v);
	db_close(killer);
	db_close(r);
	db_close(w);
}
END_TEST

/* A fresh database of the cluster, named name. */
static void
fresh(const char *name, char *u, size_t usz)
{
	struct db	*db = conn();
	char		 q[128];

	snprintf(q, sizeof(q), "DROP DATABASE IF EXISTS %s", name);
	ck_assert_int_eq(db_exec(db, q), 0);
	snprintf(q, sizeof(q), "CREATE DATABASE %s", name);
	ck_assert_int_eq(db_exec(db, q), 0);
	db_close(db);
	uri_of(name, u, usz);
}

/* SQLite's answer to sql, as text ("NULL" for NULL). */
static char *
sqlite_one(const char *sql)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	const char	*v;
	char		*r;

	ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	v = (const char *)sqlite3_column_text(st, 0);
	r = strdup(v != NULL ? v : "NULL");
	sqlite3_finalize(st);
	sqlite3_close(db);
	return r;
}

/* The compatibility functions give SQLite's answers (JSON compared parsed). */
START_TEST(test_compat)
{
	static const char *const same[] = {
		"strftime('%Y-%m-%d', 1765000000, 'unixepoch')",
		"strftime('%Y-%m-%dT%H:00Z', 1765000000, 'unixepoch')",
		"strftime('%Y-%m-%dT%H:00Z', 0, 'unixepoch')",
		"strftime('%Y-%m-%d %H:%M:%S %%', 951782400, 'unixepoch')",
		"json_extract('{\"bands\":{\"pnh\":\"II\"}}', '$.bands.pnh')",
		"json_extract('{\"bands\":{\"n\":3}}', '$.bands.n')",
		"json_extract('{\"bands\":{}}', '$.bands.pnh')",
		"json_extract('{\"a\":[1,{\"x\":\"y\"}]}', '$.a[1].x')",
		"json_extract('{\"a\":true,\"b\":null}', '$.a')",
		"json_extract('{\"a\":true,\"b\":null}', '$.b')",
		"'matrix:' || json_extract('{\"bands\":{\"matrix\":\"C\"}}', '$.bands.matrix')",
		"max(3, 5)", "min(3, 5)", "max(-1, NULL)", "min(NULL, 2)",
		"max(1765000000123, 1765000000122)",
		"ltrim('00123', '0')", "coalesce(NULL, 4)",
		"ifnull(NULL, 4)", "ifnull('a', 'b')",
		"json_array_length('{\"c\":[1,2,3]}', '$.c')",
		"json_array_length('{\"c\":\"[x\"}', '$.c')",
		"json_array_length('{\"c\":null}', '$.c')",
		"json_array_length('{\"c\":[]}', '$.d')",
		"json_array_length('[1,2]')",
	};
	static const char *const json[] = {
		"json_object('id', 7, 'name', 'a \"b\"')",
		"(SELECT json_group_array(v) FROM (SELECT 'x' AS v UNION ALL"
		    " SELECT 'y') AS t)",
		"(SELECT json_group_array(json_object('id', v, 'name', 'n'))"
		    " FROM (SELECT 1 AS v UNION ALL SELECT 2) AS t)",
		"(SELECT json_group_array(v) FROM (SELECT 'x' AS v) AS t"
		    " WHERE v = 'z')",
	};
	struct db	*w, *r;
	char		 u[300], err[512], q[512], *a, *b;
	size_t		 i;
	json_t		*ja, *jb;

	fresh("compat", u, sizeof(u));
	ck_assert_msg(store_pg_open(u, &w, &r, err, sizeof(err)) == 0, "%s", err);
	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		snprintf(q, sizeof(q), "SELECT %s", same[i]);
		a = one(r, q);
		b = sqlite_one(q);
		ck_assert_msg(strcmp(a != NULL ? a : "NULL", b) == 0,
		    "%s: PostgreSQL %s, SQLite %s", same[i], a, b);
		free(a);
		free(b);
	}
	for (i = 0; i < sizeof(json) / sizeof(json[0]); i++) {
		snprintf(q, sizeof(q), "SELECT %s", json[i]);
		a = one(r, q);
		b = sqlite_one(q);
		ja = json_loads(a, 0, NULL);
		jb = json_loads(b, 0, NULL);
		ck_assert_msg(ja != NULL && json_equal(ja, jb),
		    "%s: PostgreSQL %s, SQLite %s", json[i], a, b);
		json_decref(ja);
		json_decref(jb);
		free(a);
		free(b);
	}
	db_close(r);
	db_close(w);
}
END_TEST

/* A fresh database goes to the current version; opening again changes nothing. */
START_TEST(test_store_open)
{
	struct db	*w, *r, *w2, *r2;
	char		 u[300], err[512], *v;

	fresh("fresh", u, sizeof(u));
	ck_assert_msg(store_pg_open(u, &w, &r, err, sizeof(err)) == 0, "%s", err);
	v = one(r, "SELECT version FROM schema_version");
	ck_assert_str_eq(v, "18");
	free(v);
	/* 013: the receivers' lease, free */
	v = one(r, "SELECT holder || '/' || epoch || '/' || expires_ms FROM lease");
	ck_assert_str_eq(v, "/0/0");
	free(v);
	v = one(r, "SELECT current_setting('TimeZone') || ' ' ||"
	    " current_setting('application_name')");
	ck_assert_str_eq(v, "UTC pcod");
	free(v);
	/* the reader cannot write, like SQLite's read-only handle */
	ck_assert_int_eq(db_exec(r, "INSERT INTO patrol_holidays (date)"
	    " VALUES ('2026-12-24')"), -1);
	ck_assert_int_eq(db_errclass(r), DB_E_READONLY);
	ck_assert_int_eq(db_exec(w, "INSERT INTO patrol_holidays (date)"
	    " VALUES ('2026-12-24')"), 0);
	/* a second pcod opens it too: the lease decides who writes (lease.h) */
	ck_assert_msg(store_pg_open(u, &w2, &r2, err, sizeof(err)) == 0, "%s",
	    err);
	db_close(r2);
	db_close(w2);
	db_close(r);
	db_close(w);
	/* once it is gone, the next start finds the schema current */
	ck_assert_msg(store_pg_open(u, &w2, &r2, err, sizeof(err)) == 0, "%s", err);
	v = one(w2, "SELECT count(*) FROM schema_version");
	ck_assert_str_eq(v, "1");
	free(v);
	db_close(r2);
	db_close(w2);
}
END_TEST

/* Two pcod starting at once on an empty database: both open it, one migrates. */
START_TEST(test_store_race)
{
	struct db	*w, *r;
	char		 u[300], err[512], *v;
	pid_t		 pid;
	int		 status, i;

	for (i = 0; i < 3; i++) {
		fresh("race", u, sizeof(u));
		pid = fork();
		ck_assert_int_ge(pid, 0);
		/* Each migrates or finds it migrated, one after the other. */
		if (pid == 0) {
			if (store_pg_open(u, &w, &r, err, sizeof(err)) < 0) {
				fprintf(stderr, "child: %s\n", err);
				_exit(1);
			}
			_exit(0);
		}
		ck_assert_msg(store_pg_open(u, &w, &r, err, sizeof(err)) == 0,
		    "%s", err);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		v = one(r, "SELECT version FROM schema_version");
		ck_assert_str_eq(v, "18");
		free(v);
		db_close(r);
		db_close(w);
	}
}
END_TEST

/* A newer schema is refused, saying so; the database is left as it was. */
START_TEST(test_store_newer)
{
	struct db	*w, *r, *w2, *r2;
	char		 u[300], err[512], *v;

	fresh("newer", u, sizeof(u));
	ck_assert_msg(store_pg_open(u, &w, &r, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(db_exec(w, "UPDATE schema_version SET version = 99"), 0);
	db_close(r);
	db_close(w);
	ck_assert_int_eq(store_pg_open(u, &w2, &r2, err, sizeof(err)), -1);
	ck_assert_ptr_null(w2);
	ck_assert_ptr_null(r2);
	ck_assert_ptr_nonnull(strstr(err, "99"));
	ck_assert_ptr_nonnull(strstr(err, "newer"));
	r = conn_to(u);
	v = one(r, "SELECT version FROM schema_version");
	ck_assert_str_eq(v, "99");
	free(v);
	db_close(r);
	ck_assert_int_eq(store_pg_open("postgresql://pcod:s3cret@127.0.0.1:1/x",
	    &w, &r, err, sizeof(err)), -1);
	ck_assert_ptr_null(strstr(err, "s3cret"));
	ck_assert_ptr_nonnull(strstr(err, "*****"));
	ck_assert_ptr_null(w);
}
END_TEST

/* The schema's triggers: the audit log appends only; a dispatch step is capped. */
START_TEST(test_schema_triggers)
{
	struct db	*w, *r;
	char		 u[300], err[512], *v;

	fresh("triggers", u, sizeof(u));
	ck_assert_msg(store_pg_open(u, &w, &r, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(db_exec(w, "INSERT INTO audit (id, at_ms, actor, action,"
	    " hash) VALUES (1, 1, 'pcod', 'a', 'h1')"), 0);
	ck_assert_int_eq(db_exec(w, "INSERT INTO audit (id, at_ms, actor, action)"
	    " VALUES (2, 1, 'pcod', 'a')"), -1);		/* no hash */
	ck_assert_int_eq(db_errclass(w), DB_E_CONSTRAINT);
	ck_assert_int_eq(db_exec(w, "INSERT INTO audit (id, at_ms, actor, action,"
	    " hash) VALUES (1, 1, 'x', 'a', 'h') ON CONFLICT (id) DO UPDATE"
	    " SET actor = 'x'"), -1);
	ck_assert_int_eq(db_errclass(w), DB_E_CONSTRAINT);
	ck_assert_int_eq(db_exec(w, "UPDATE audit SET actor = 'x'"), -1);
	ck_assert_int_eq(db_errclass(w), DB_E_CONSTRAINT);
	ck_assert_int_eq(db_exec(w, "DELETE FROM audit"), -1);
	ck_assert_int_eq(db_errclass(w), DB_E_CONSTRAINT);
	ck_assert_int_eq(db_exec(w, "TRUNCATE audit"), -1);
	ck_assert_int_eq(db_errclass(w), DB_E_CONSTRAINT);
	ck_assert_int_eq(db_exec(w, "INSERT INTO audit_anchor (one, last_id,"
	    " last_hash, at_ms) VALUES (1, 1, 'wrong', 1)"), -1);
	ck_assert_int_eq(db_errclass(w), DB_E_CONSTRAINT);
	ck_assert_int_eq(db_exec(w, "INSERT INTO audit_anchor (one, last_id,"
	    " last_hash, at_ms) VALUES (1, 1, 'h1', 1); DELETE FROM audit"), 0);
	ck_assert_int_eq(db_changes(w), 1);	/* up to the anchor: allowed */
	ck_assert_int_eq(db_exec(w, "INSERT INTO audit (id, at_ms, actor, action,"
	    " hash) VALUES (1, 1, 'pcod', 'a', 'h1')"), -1);	/* below the anchor */
	/* the dispatch cap */
	ck_assert_int_eq(db_exec(w, "INSERT INTO alarms (id, account, class,"
	    " priority, state, first_ms, last_ms, created_ms,"
	    " dispatch_deadline_ms) VALUES (1, '1234', 'burglary', 1, 'new',"
	    " 1, 1, 1, 5000); INSERT INTO alarm_steps (alarm_id, position,"
	    " action, deadline_s) VALUES (1, 1, 'dispatch', 60), (1, 2, 'call', 60);"
	    " UPDATE alarm_steps SET deadline_ms = 9000"), 0);
	v = one(r, "SELECT json_group_array(deadline_ms) FROM (SELECT deadline_ms"
	    " FROM alarm_steps ORDER BY position) AS t");
	ck_assert_str_eq(v, "[5000, 9000]");
	free(v);
	/* guard_ids.ident ignores case, as COLLATE NOCASE */
	ck_assert_int_eq(db_exec(w, "INSERT INTO guards (id, name, created_ms,"
	    " updated_ms) VALUES (1, 'g', 1, 1); INSERT INTO guard_ids VALUES"
	    " ('AbC', 1, 'tag')"), 0);
	v = one(r, "SELECT guard_id FROM guard_ids WHERE ident = 'abc'");
	ck_assert_str_eq(v, "1");
	free(v);
	db_close(r);
	db_close(w);
}
END_TEST

/* Passwords masked in URIs and key=value strings; the rest kept. */
START_TEST(test_redact)
{
	static const char *const cases[][2] = {
		{ "postgresql://pcod:s3cret@db.example:5432/pcod?sslmode=require",
		  "postgresql://pcod:*****@db.example:5432/pcod?sslmode=require" },
		{ "postgres://u:p@ss@h/x", "postgres://u:*****@h/x" },
		{ "postgresql://u@h/x?password=abc&sslmode=disable",
		  "postgresql://u@h/x?password=*****&sslmode=disable" },
		{ "host=h password='a b\\' c' user=u",
		  "host=h password=***** user=u" },
		{ "host=h PASSWORD = abc dbname=x", "host=h PASSWORD = ***** dbname=x" },
		{ "postgresql://h/db", "postgresql://h/db" },
		{ "var/pcod.db", "var/pcod.db" },
		{ "passwordfile=x", "passwordfile=x" },
	};
	char	buf[256], small[8];
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_str_eq(db_redact(cases[i][0], buf, sizeof(buf)),
		    cases[i][1]);
	ck_assert_str_eq(db_redact("postgresql://u:s@h", small, sizeof(small)),
	    "postgre");
	ck_assert_int_eq(db_is_pg("postgresql://h/x"), 1);
	ck_assert_int_eq(db_is_pg("postgres://h/x"), 1);
	ck_assert_int_eq(db_is_pg("var/pcod.db"), 0);
}
END_TEST

/* Start the cluster: 0, or 77 (skip) without PostgreSQL. */
static int
cluster_start(void)
{
	char	 cmd[PATH_MAX + 600];
	FILE	*p;
	size_t	 n;
	int	 rc;

	snprintf(dir, sizeof(dir), "/tmp/check_db_pg.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 99;
	if (snprintf(cmd, sizeof(cmd), "%s start %s/c", PG_CLUSTER, dir) >=
	    (int)sizeof(cmd))
		return 99;
	if ((p = popen(cmd, "r")) == NULL)
		return 99;
	n = fread(uri, 1, sizeof(uri) - 1, p);
	uri[n] = '\0';
	uri[strcspn(uri, "\n")] = '\0';
	rc = pclose(p);
	if (WIFEXITED(rc) && WEXITSTATUS(rc) == 77)
		return 77;
	return rc == 0 && n > 0 ? 0 : 99;
}

/* Stop the cluster and remove its folder. */
static void
cluster_stop(void)
{
	char	cmd[PATH_MAX + 600];

	/* The build path is as long as the builder makes it (distcheck
	 * nests it deep): a command that does not fit is not run. */
	if (snprintf(cmd, sizeof(cmd), "%s stop %s/c >/dev/null 2>&1; rm -rf %s",
	    PG_CLUSTER, dir, dir) >= (int)sizeof(cmd) || system(cmd) != 0)
		fprintf(stderr, "check_db_pg: stopping the cluster failed\n");
}


/* Pipeline mode (db.h): counts the commit answers told. */
static void
synced_count(void *arg)
{
	(*(int *)arg)++;
}

/* Run a prepared transaction-control statement (BEGIN, COMMIT), reset. */
static int
run(struct db_stmt *st)
{
	int	rc = db_step(st);

	db_reset(st);
	return rc;
}

/*
 * Pipeline mode: blind writes answer at once with ids from a block; COMMIT
 * answers at once and the commit is told when the server answered it;
 * batches follow one another without waiting; a waited statement sees
 * everything sent before it; a blind failure fails its transaction (early,
 * when a waited statement meets it; late, at its commit's answer).
 */
START_TEST(test_pipe_batches)
{
	struct db	*w = conn(), *r = conn();
	struct db_stmt	*begin, *commit, *ins, *sel;
	int		 told = 0, i, b;
	int64_t		 ids[9];
	uint64_t	 failed;
	const char	*why;
	enum db_err	 cls;
	char		*v;

	ck_assert_int_eq(db_exec(w, "DROP TABLE IF EXISTS pt; CREATE TABLE pt"
	    " (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	    " v TEXT UNIQUE)"), 0);
	begin = prep(w, "BEGIN");
	commit = prep(w, "COMMIT");
	ins = prep(w, "INSERT INTO pt (v) VALUES (?1)");
	db_set_blind(ins);
	/* SQLite-like statements before pipeline mode still work as ever */
	ck_assert_int_eq(db_pipe_sent(w), 0);
	ck_assert_int_eq(db_pipeline(w, synced_count, &told), 0);
	/* three batches of three, sent without waiting for any answer */
	for (b = 0; b < 3; b++) {
		ck_assert_int_eq(run(begin), DB_DONE);
		ck_assert_int_eq(db_in_txn(w), 1);
		for (i = 0; i < 3; i++) {
			char	s[16];

			snprintf(s, sizeof(s), "v%d", b * 3 + i);
			db_bind_text(ins, 1, s, -1);
			ck_assert_int_eq(run(ins), DB_DONE);
			ids[b * 3 + i] = db_last_id(w);
			if (b * 3 + i > 0)
				ck_assert(ids[b * 3 + i] > ids[b * 3 + i - 1]);
		}
		ck_assert_int_eq(run(commit), DB_DONE);
		ck_assert_int_eq(db_in_txn(w), 0);
		ck_assert_int_eq(db_pipe_sent(w), (uint64_t)b + 1);
	}
	/* the last commit answered: every one before it too, in order */
	ck_assert_int_eq(db_pipe_wait(w, 3), 0);
	ck_assert_int_eq(db_pipe_done(w, &failed, &why, &cls), 3);
	ck_assert_int_eq(failed, 0);
	ck_assert(told >= 1);
	sel = prep(r, "SELECT id FROM pt ORDER BY id");
	for (i = 0; db_step(sel) == DB_ROW; i++)
		ck_assert_int_eq(db_column_int64(sel, 0), ids[i]);
	ck_assert_int_eq(i, 9);
	db_finalize(sel);

	/* a waited statement waits for what was sent before it */
	ck_assert_int_eq(run(begin), DB_DONE);
	db_bind_text(ins, 1, "w1", -1);
	ck_assert_int_eq(run(ins), DB_DONE);
	v = one(w, "SELECT count(*) FROM pt");
	ck_assert_str_eq(v, "10");
	free(v);
	ck_assert_int_eq(run(commit), DB_DONE);

	/* early: a waited statement meets the blind failure; COMMIT refuses */
	ck_assert_int_eq(run(begin), DB_DONE);
	db_bind_text(ins, 1, "v0", -1);		/* a duplicate */
	ck_assert_int_eq(run(ins), DB_DONE);
	db_bind_text(ins, 1, "lost", -1);
	ck_assert_int_eq(run(ins), DB_DONE);
	sel = prep(w, "SELECT 1");
	ck_assert(db_step(sel) != DB_ROW);
	ck_assert_int_eq(db_errclass(w), DB_E_CONSTRAINT);
	db_finalize(sel);
	ck_assert(run(commit) != DB_DONE);
	ck_assert_int_eq(db_errclass(w), DB_E_CONSTRAINT);
	ck_assert_int_eq(db_in_txn(w), 0);
	ck_assert_int_eq(db_pipe_sent(w), 4);	/* no commit of its own */

	/* savepoints: a waited failure rolled back to one leaves the batch good */
	ck_assert_int_eq(run(begin), DB_DONE);
	ck_assert_int_eq(db_exec(w, "SAVEPOINT s"), 0);
	ck_assert_int_eq(db_exec(w, "INSERT INTO pt (v) VALUES ('v1')"), -1);
	ck_assert_int_eq(db_errclass(w), DB_E_CONSTRAINT);
	ck_assert_int_eq(db_exec(w, "ROLLBACK TO s"), 0);
	db_bind_text(ins, 1, "kept", -1);
	ck_assert_int_eq(run(ins), DB_DONE);
	ck_assert_int_eq(run(commit), DB_DONE);
	ck_assert_int_eq(db_pipe_wait(w, 5), 0);
	v = one(r, "SELECT count(*) FROM pt WHERE v IN ('lost', 'kept')");
	ck_assert_str_eq(v, "1");
	free(v);

	/* late: the failure is known only from the commit's answer */
	ck_assert_int_eq(run(begin), DB_DONE);
	db_bind_text(ins, 1, "v2", -1);		/* a duplicate */
	ck_assert_int_eq(run(ins), DB_DONE);
	ck_assert_int_eq(run(commit), DB_DONE);
	ck_assert_int_eq(db_pipe_wait(w, 6), -1);
	ck_assert_int_eq(db_pipe_done(w, &failed, &why, &cls), 5);
	ck_assert_int_eq(failed, 6);
	ck_assert_int_eq(cls, DB_E_CONSTRAINT);
	ck_assert_ptr_nonnull(strstr(why, "duplicate"));
	db_finalize(begin);
	db_finalize(commit);
	db_finalize(ins);
	db_close(r);
	db_close(w);
}
END_TEST

/*
 * Pipeline mode merges the rows of blind INSERTs into multi-row INSERTs:
 * every row arrives exactly as bound (NULLs, bytea with zero bytes, quotes,
 * a "$1" in a literal of the SQL), in an order the foreign keys accept even
 * when the child's statement came first, past the rows per statement; a
 * savepoint, a rollback and a waited read see the caller's order.
 */
START_TEST(test_pipe_merge)
{
	struct db	*w = conn(), *r = conn();
	struct db_stmt	*begin, *commit, *pins, *cins, *sel;
	int		 told = 0, i, kids = 0;
	int64_t		 p0, plast = 0;
	uint64_t	 failed;
	const char	*why;
	enum db_err	 cls;
	char		*v, txt[64];
	unsigned char	 bin[4] = { 0, 1, 0, 255 };

	ck_assert_int_eq(db_exec(w, "DROP TABLE IF EXISTS pm_c;"
	    " DROP TABLE IF EXISTS pm_p;"
	    " CREATE TABLE pm_p (id BIGINT GENERATED BY DEFAULT AS IDENTITY"
	    " PRIMARY KEY, v TEXT NOT NULL, lit TEXT, n BIGINT);"
	    " CREATE TABLE pm_c (id BIGINT GENERATED BY DEFAULT AS IDENTITY"
	    " PRIMARY KEY, p_id BIGINT NOT NULL REFERENCES pm_p(id),"
	    " b BYTEA, t TEXT, UNIQUE (p_id, t))"), 0);
	begin = prep(w, "BEGIN");
	commit = prep(w, "COMMIT");
	pins = prep(w, "INSERT INTO pm_p (v, lit, n) VALUES (?1, '$1 it''s', ?2)");
	cins = prep(w, "INSERT INTO pm_c (p_id, b, t) VALUES (?1, ?2, ?3)"
	    " ON CONFLICT DO NOTHING");
	db_set_blind(pins);
	db_set_blind(cins);
	ck_assert_int_eq(db_exec(w, "INSERT INTO pm_p (v) VALUES ('p0')"), 0);
	v = one(w, "SELECT id FROM pm_p WHERE v = 'p0'");
	p0 = strtoll(v, NULL, 10);
	free(v);
	ck_assert_int_eq(db_pipeline(w, synced_count, &told), 0);

	ck_assert_int_eq(run(begin), DB_DONE);
	/* the child's statement first, on a parent committed before */
	db_bind_int64(cins, 1, p0);
	db_bind_null(cins, 2);
	db_bind_text(cins, 3, "it's \"q\" $2", -1);
	ck_assert_int_eq(run(cins), DB_DONE);
	kids++;
	/* then parents and their children, past PG_MERGE_ROWS of each */
	for (i = 0; i < 150; i++) {
		snprintf(txt, sizeof(txt), "p%d", i + 1);
		db_bind_text(pins, 1, txt, -1);
		if (i % 3 == 0)
			db_bind_null(pins, 2);
		else
			db_bind_int64(pins, 2, (int64_t)i * 1000000007LL);
		ck_assert_int_eq(run(pins), DB_DONE);
		ck_assert(db_last_id(w) > plast);
		plast = db_last_id(w);
		db_bind_int64(cins, 1, plast);
		db_bind_blob(cins, 2, bin, sizeof(bin));
		db_bind_text(cins, 3, txt, -1);
		ck_assert_int_eq(run(cins), DB_DONE);
		kids++;
		/* a duplicate: skipped by ON CONFLICT, row by row */
		ck_assert_int_eq(run(cins), DB_DONE);
	}
	ck_assert_int_eq(run(commit), DB_DONE);
	ck_assert_int_eq(db_pipe_wait(w, db_pipe_sent(w)), 0);
	ck_assert_int_eq(db_pipe_done(w, &failed, &why, &cls), db_pipe_sent(w));
	ck_assert_int_eq(failed, 0);
	v = one(r, "SELECT count(*) FROM pm_c");
	ck_assert_int_eq(atoi(v), kids);
	free(v);
	v = one(r, "SELECT count(*) FROM pm_p WHERE lit = '$1 it''s'");
	ck_assert_str_eq(v, "150");
	free(v);
	sel = prep(r, "SELECT p.v, p.n, c.b, c.t FROM pm_p p JOIN pm_c c"
	    " ON c.p_id = p.id WHERE p.v <> 'p0' ORDER BY p.id");
	for (i = 0; db_step(sel) == DB_ROW; i++) {
		snprintf(txt, sizeof(txt), "p%d", i + 1);
		ck_assert_str_eq(db_column_text(sel, 0), txt);
		if (i % 3 == 0)
			ck_assert_int_eq(db_column_type(sel, 1), DB_NULL);
		else
			ck_assert_int_eq(db_column_int64(sel, 1),
			    (int64_t)i * 1000000007LL);
		ck_assert_int_eq(db_column_bytes(sel, 2), 4);
		ck_assert_mem_eq(db_column_text(sel, 2), bin, 4);
		ck_assert_str_eq(db_column_text(sel, 3), txt);
	}
	ck_assert_int_eq(i, 150);
	db_finalize(sel);
	v = one(r, "SELECT t FROM pm_c WHERE p_id = (SELECT id FROM pm_p"
	    " WHERE v = 'p0')");
	ck_assert_str_eq(v, "it's \"q\" $2");
	free(v);
	/* merged it was: the session holds multi-row INSERTs */
	v = one(w, "SELECT count(*) FROM pg_prepared_statements"
	    " WHERE statement LIKE 'INSERT INTO pm_c%), (%'");
	ck_assert(atoi(v) >= 1);
	free(v);

	/* a savepoint and its rollback see the rows in the caller's order */
	ck_assert_int_eq(run(begin), DB_DONE);
	db_bind_text(pins, 1, "a1", -1);
	ck_assert_int_eq(run(pins), DB_DONE);
	ck_assert_int_eq(db_exec(w, "SAVEPOINT s"), 0);
	db_bind_text(pins, 1, "a2", -1);
	ck_assert_int_eq(run(pins), DB_DONE);
	/* a waited read sees what was held */
	v = one(w, "SELECT count(*) FROM pm_p WHERE v IN ('a1', 'a2')");
	ck_assert_str_eq(v, "2");
	free(v);
	db_bind_text(pins, 1, "a3", -1);
	ck_assert_int_eq(run(pins), DB_DONE);
	ck_assert_int_eq(db_exec(w, "ROLLBACK TO s"), 0);
	db_bind_text(pins, 1, "a4", -1);
	ck_assert_int_eq(run(pins), DB_DONE);
	ck_assert_int_eq(run(commit), DB_DONE);
	/* a rollback drops what is held */
	ck_assert_int_eq(run(begin), DB_DONE);
	db_bind_text(pins, 1, "a5", -1);
	ck_assert_int_eq(run(pins), DB_DONE);
	ck_assert_int_eq(db_exec(w, "ROLLBACK"), 0);
	ck_assert_int_eq(db_pipe_wait(w, db_pipe_sent(w)), 0);
	v = one(r, "SELECT string_agg(v, ',' ORDER BY v) FROM pm_p"
	    " WHERE v LIKE 'a_'");
	ck_assert_str_eq(v, "a1,a4");
	free(v);

	/* a child whose parent is missing fails the batch, not quietly */
	ck_assert_int_eq(run(begin), DB_DONE);
	db_bind_int64(cins, 1, plast + 1000000);
	db_bind_null(cins, 2);
	db_bind_text(cins, 3, "orphan", -1);
	ck_assert_int_eq(run(cins), DB_DONE);
	db_bind_text(pins, 1, "with-orphan", -1);
	ck_assert_int_eq(run(pins), DB_DONE);
	ck_assert_int_eq(run(commit), DB_DONE);
	ck_assert_int_eq(db_pipe_wait(w, db_pipe_sent(w)), -1);
	v = one(r, "SELECT count(*) FROM pm_p WHERE v = 'with-orphan'");
	ck_assert_str_eq(v, "0");
	free(v);
	db_finalize(begin);
	db_finalize(commit);
	db_finalize(pins);
	db_finalize(cins);
	db_close(r);
	db_close(w);
}
END_TEST

/*
 * Pipeline mode loses its session with a commit in flight: the commit
 * fails (in doubt: the caller must not call it done), and the next batch
 * runs on a new session, in pipeline mode again.
 */
START_TEST(test_pipe_lost)
{
	struct db	*w = conn(), *killer = conn(), *r = conn();
	struct db_stmt	*begin, *commit, *nap, *ins, *kill;
	char		*pid, *v;
	int		 told = 0;
	uint64_t	 failed;
	const char	*why;
	enum db_err	 cls;

	ck_assert_int_eq(db_exec(w, "DROP TABLE IF EXISTS pl; CREATE TABLE pl"
	    " (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	    " v TEXT)"), 0);
	pid = one(w, "SELECT pg_backend_pid()");
	begin = prep(w, "BEGIN");
	commit = prep(w, "COMMIT");
	nap = prep(w, "SELECT pg_sleep(?1)");
	db_set_blind(nap);
	ins = prep(w, "INSERT INTO pl (v) VALUES (?1)");
	db_set_blind(ins);
	ck_assert_int_eq(db_pipeline(w, synced_count, &told), 0);
	/* once without a nap: every statement is prepared (that waits) */
	ck_assert_int_eq(run(begin), DB_DONE);
	db_bind_double(nap, 1, 0);
	ck_assert_int_eq(run(nap), DB_DONE);
	ck_assert_int_eq(run(commit), DB_DONE);
	ck_assert_int_eq(db_pipe_wait(w, 1), 0);
	ck_assert_int_eq(run(begin), DB_DONE);
	db_bind_text(ins, 1, "in flight", -1);
	ck_assert_int_eq(run(ins), DB_DONE);
	db_bind_double(nap, 1, 2);
	ck_assert_int_eq(run(nap), DB_DONE);
	ck_assert_int_eq(run(commit), DB_DONE);
	ck_assert_int_eq(db_pipe_flush(w), 0);
	usleep(300 * 1000);
	kill = prep(killer, "SELECT pg_terminate_backend(?1::int)");
	db_bind_text(kill, 1, pid, -1);
	ck_assert_int_eq(db_step(kill), DB_ROW);
	db_finalize(kill);
	ck_assert_int_eq(db_pipe_wait(w, 2), -1);
	ck_assert_int_eq(db_pipe_done(w, &failed, &why, &cls), 1);
	ck_assert_int_eq(failed, 2);
	ck_assert_int_eq(cls, DB_E_IO);
	ck_assert(told >= 1);
	/* the next batch reconnects and is pipelined again */
	ck_assert_int_eq(run(begin), DB_DONE);
	db_bind_text(ins, 1, "after", -1);
	ck_assert_int_eq(run(ins), DB_DONE);
	ck_assert_int_eq(run(commit), DB_DONE);
	ck_assert_int_eq(db_pipe_sent(w), 3);
	v = one(w, "SELECT pg_backend_pid()");
	ck_assert_str_ne(v, pid);
	free(v);
	v = one(r, "SELECT string_agg(v, ',') FROM pl");
	ck_assert_str_eq(v, "after");
	free(v);
	free(pid);
	db_finalize(begin);
	db_finalize(commit);
	db_finalize(nap);
	db_finalize(ins);
	db_close(killer);
	db_close(r);
	db_close(w);
}
END_TEST

/*
 * A fresh database name, a store on it holding the lease as "alpha", its
 * writer pipelined (commits counted in *told): the setting of an active.
 */
static struct store *
pipe_store(const char *name, struct event_base *base, char *u, size_t usz,
    struct lease **a, int *told)
{
	struct store	*st;
	char		 err[512];

	fresh(name, u, usz);
	ck_assert_msg((st = store_open(u, err, sizeof(err))) != NULL, "%s", err);
	*a = lease_open(base, u, "alpha", 3, err, sizeof(err));
	ck_assert_msg(*a != NULL, "%s", err);
	ck_assert_int_eq(lease_try(*a, err, sizeof(err)), 1);
	store_set_fence(st, lease_epoch(*a));
	ck_assert_int_eq(store_pg_pipeline(st, synced_count, told), 0);
	return st;
}

/*
 * The store pipelined (store_pg_pipeline()): the fence is a statement that
 * fails the batch by itself (sql/pg/014_fence.sql), and the failure is told
 * as fenced; a frame's id comes from a block, and it is stored.
 */
START_TEST(test_pipe_store_fence)
{
	struct event_base	*base = event_base_new();
	struct lease		*a;
	struct store		*st;
	struct store_frame	 f;
	struct db		*w;
	char			 u[300], *v;
	const char		*why;
	uint64_t		 failed;
	int64_t			 id;
	int			 told = 0, fenced;

	st = pipe_store("pipefence", base, u, sizeof(u), &a, &told);
	memset(&f, 0, sizeof(f));
	f.received_ms = 1000;
	f.transport = "tcp";
	f.peer = "127.0.0.1:1";
	f.account = "1234";
	f.token = "SIA-DCS";
	f.raw = "x";
	f.rcvr = "";
	f.line = "";
	f.data = "";
	f.xdata = "";
	f.digest = "d";
	f.raw_len = 1;
	ck_assert_int_eq(store_begin(st), 0);
	id = store_frame_add(st, &f);
	ck_assert(id > 0);
	ck_assert_int_eq(store_commit(st), 0);
	ck_assert_int_eq(store_pg_sent(st), 1);
	ck_assert_int_eq(store_pg_wait(st, 1), 0);
	w = conn_to(u);
	v = one(w, "SELECT max(id) FROM frames");
	ck_assert_int_eq(strtoll(v, NULL, 10), id);
	free(v);
	/* the lease taken away: the next batch fails at the server, fenced */
	ck_assert_int_eq(db_exec(w, "UPDATE lease SET epoch = epoch + 1,"
	    " holder = 'beta'"), 0);
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert(store_frame_add(st, &f) > id);
	if (store_commit(st) == 0) {
		/* late: known from the commit's answer */
		ck_assert_int_eq(store_pg_wait(st, 2), -1);
		ck_assert_int_eq(store_pg_done(st, &failed, &why, &fenced), 1);
		ck_assert_int_eq(failed, 2);
		ck_assert_int_eq(fenced, 1);
		ck_assert_ptr_nonnull(strstr(why, "lease"));
	} else {
		/* early: the fence's answer came in before the COMMIT went */
		ck_assert_msg(strstr(store_errmsg(st), "lease") != NULL, "%s",
		    store_errmsg(st));
		ck_assert_int_eq(store_pg_sent(st), 1);
	}
	v = one(w, "SELECT count(*) FROM frames");
	ck_assert_str_eq(v, "1");
	free(v);
	db_close(w);
	lease_free(a);
	store_close(st);
	event_base_free(base);
}
END_TEST

/*
 * The audit chain pipelined: appends use the tail this pcod wrote (no read
 * that waits for the batches in flight); a savepoint rolled back, a batch
 * rolled back and rows appended after them keep the chain whole.
 */
START_TEST(test_pipe_audit_chain)
{
	struct event_base	*base = event_base_new();
	struct lease		*a;
	struct store		*st;
	json_t			*v;
	char			 u[300], *n;
	struct db		*w;
	int			 told = 0, i;

	st = pipe_store("pipeaudit", base, u, sizeof(u), &a, &told);
	/* kept, kept; a savepoint's row rolled back; kept */
	ck_assert_int_eq(store_begin(st), 0);
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(store_audit_add(st, &actor_pcod, "t.kept",
		    "test", NULL, NULL, NULL), 0);
	ck_assert_int_eq(store_savepoint(st), 0);
	ck_assert_int_eq(store_audit_add(st, &actor_pcod, "t.undone", "test",
	    NULL, NULL, NULL), 0);
	store_rollback_savepoint(st);
	ck_assert_int_eq(store_audit_add(st, &actor_pcod, "t.kept", "test",
	    NULL, NULL, NULL), 0);
	ck_assert_int_eq(store_commit(st), 0);
	/* a whole batch rolled back, then one more batch */
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_audit_add(st, &actor_pcod, "t.undone", "test",
	    NULL, NULL, NULL), 0);
	store_rollback(st);
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_audit_add(st, &actor_pcod, "t.kept", "test",
	    NULL, NULL, NULL), 0);
	ck_assert_int_eq(store_commit(st), 0);
	ck_assert_int_eq(store_pg_wait(st, store_pg_sent(st)), 0);
	w = conn_to(u);
	n = one(w, "SELECT count(*) || '/' || count(*) FILTER (WHERE action ="
	    " 't.kept') || '/' || max(id) - min(id) + 1 FROM audit");
	ck_assert_str_eq(n, "4/4/4");
	free(n);
	db_close(w);
	v = store_audit_verify(st);
	ck_assert_ptr_nonnull(v);
	ck_assert_msg(json_is_true(json_object_get(v, "intact")), "%s",
	    json_string_value(json_object_get(v, "reason")));
	ck_assert_int_eq(json_integer_value(json_object_get(v, "rows")), 4);
	json_decref(v);
	lease_free(a);
	store_close(st);
	event_base_free(base);
}
END_TEST

/* The lease (lease.h): who takes it, the fence on write transactions. */
START_TEST(test_lease_take_fence)
{
	struct event_base	*base = event_base_new();
	struct lease		*a, *b;
	struct store		*st;
	struct db		*w;
	char			 u[300], err[512], *v;
	const char		*h;
	int64_t			 ep;

	fresh("lease", u, sizeof(u));
	ck_assert_msg((st = store_open(u, err, sizeof(err))) != NULL, "%s", err);
	a = lease_open(base, u, "alpha", 3, err, sizeof(err));
	ck_assert_msg(a != NULL, "%s", err);
	b = lease_open(base, u, "beta", 3, err, sizeof(err));
	ck_assert_msg(b != NULL, "%s", err);
	/* before any lease, nothing can be written */
	ck_assert_int_eq(store_begin(st), -1);
	ck_assert_ptr_nonnull(strstr(store_errmsg(st), "lease"));
	ck_assert_int_eq(store_unavailable(st), 1);
	ck_assert_int_eq(lease_try(a, err, sizeof(err)), 1);
	ck_assert_int_eq(lease_role(a), LEASE_ACTIVE);
	ck_assert_int_eq(lease_epoch(a), 1);
	ck_assert_int_eq(lease_try(b, err, sizeof(err)), 0);
	ck_assert_int_eq(lease_role(b), LEASE_STANDBY);
	ck_assert_int_eq(lease_epoch(b), 0);
	h = lease_holder(b, &ep);
	ck_assert_str_eq(h, "alpha");
	ck_assert_int_eq(ep, 1);
	/* the holder's epoch lets a transaction through, another does not */
	store_set_fence(st, 2);
	ck_assert_int_eq(store_begin(st), -1);
	store_set_fence(st, 1);
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_commit(st), 0);
	/* expired: the standby takes it with the next epoch; the old fails */
	w = conn_to(u);
	ck_assert_int_eq(db_exec(w, "UPDATE lease SET expires_ms = 0"), 0);
	ck_assert_int_eq(lease_try(b, err, sizeof(err)), 1);
	ck_assert_int_eq(lease_epoch(b), 2);
	ck_assert_int_eq(store_begin(st), -1);
	ck_assert_ptr_nonnull(strstr(store_errmsg(st), "taken over"));
	v = one(w, "SELECT holder || '/' || epoch FROM lease");
	ck_assert_str_eq(v, "beta/2");
	free(v);
	/* a clean stop frees it for the next at once */
	lease_release(b);
	v = one(w, "SELECT holder || '/' || expires_ms FROM lease");
	ck_assert_str_eq(v, "/0");
	free(v);
	v = one(w, "SELECT role FROM receivers WHERE name = 'beta'");
	ck_assert_str_eq(v, "stopped");
	free(v);
	/* (alpha, deposed, never takes again: pcod stops and starts anew) */
	ck_assert_int_eq(lease_try(a, err, sizeof(err)), 0);
	lease_free(a);
	a = lease_open(base, u, "alpha", 3, err, sizeof(err));
	ck_assert_msg(a != NULL, "%s", err);
	ck_assert_int_eq(lease_try(a, err, sizeof(err)), 1);
	ck_assert_int_eq(lease_epoch(a), 3);
	db_close(w);
	lease_free(a);
	lease_free(b);
	store_close(st);
	event_base_free(base);
}
END_TEST


/*
 * Renewals pass beside an open write transaction; a takeover waits for it
 * (here: until its lock_timeout), then fences its pcod out.
 */
START_TEST(test_lease_locks)
{
	struct event_base	*base = event_base_new();
	struct lease		*a, *b;
	struct store		*st;
	struct db		*w;
	char			 u[300], err[512];

	fresh("leaselocks", u, sizeof(u));
	ck_assert_msg((st = store_open(u, err, sizeof(err))) != NULL, "%s", err);
	a = lease_open(base, u, "alpha", 2, err, sizeof(err));
	b = lease_open(base, u, "beta", 2, err, sizeof(err));
	ck_assert(a != NULL && b != NULL);
	ck_assert_int_eq(lease_try(a, err, sizeof(err)), 1);
	store_set_fence(st, lease_epoch(a));
	ck_assert_int_eq(store_begin(st), 0);
	/* a renewal does not wait for the open transaction */
	ck_assert_msg(lease_try(a, err, sizeof(err)) == 1, "%s", err);
	/* nor does any update of the row's other columns */
	w = conn_to(u);
	ck_assert_int_eq(db_exec(w, "UPDATE lease SET expires_ms = 0"), 0);
	/* a takeover does: the lease session gives up after 1 s (lease / 2) */
	ck_assert_int_eq(lease_try(b, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "lock") != NULL, "%s", err);
	ck_assert_int_eq(lease_role(b), LEASE_STANDBY);
	ck_assert_int_eq(store_commit(st), 0);
	ck_assert_msg(lease_try(b, err, sizeof(err)) == 1, "%s", err);
	/* the old holder's next transaction is fenced out */
	ck_assert_int_eq(store_begin(st), -1);
	db_close(w);
	lease_free(a);
	lease_free(b);
	store_close(st);
	event_base_free(base);
}
END_TEST

static int	lease_taken, lease_lost;

static void
lease_heard(enum lease_event ev, void *arg)
{
	if (ev == LEASE_TAKEN)
		lease_taken++;
	else
		lease_lost++;
	(void)arg;
}

/* On the loop: the standby takes an expired lease, the deposed hears so. */
START_TEST(test_lease_loop)
{
	struct event_base	*base = event_base_new();
	struct timeval		 tv = { 2, 500000 };
	struct lease		*a, *b;
	struct db		*w, *r;
	char			 u[300], err[512];
	json_t			*j;

	fresh("leaseloop", u, sizeof(u));
	ck_assert_msg(store_pg_open(u, &w, &r, err, sizeof(err)) == 0, "%s",
	    err);
	a = lease_open(base, u, "alpha", 2, err, sizeof(err));
	b = lease_open(base, u, "beta", 2, err, sizeof(err));
	ck_assert(a != NULL && b != NULL);
	ck_assert_int_eq(lease_try(a, err, sizeof(err)), 1);
	ck_assert_int_eq(lease_try(b, err, sizeof(err)), 0);
	lease_start(b, lease_heard, NULL);
	/* alpha renews nothing (never started): it lapses within 2 s */
	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
	ck_assert_int_eq(lease_taken, 1);
	ck_assert_int_eq(lease_role(b), LEASE_ACTIVE);
	ck_assert_int_eq(lease_epoch(b), 2);
	j = lease_json(b);
	ck_assert_str_eq(json_string_value(json_object_get(j, "role")),
	    "active");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "takeovers")), 1);
	json_decref(j);
	/* alpha runs again: its first renewal finds beta's epoch */
	lease_start(a, lease_heard, NULL);
	event_base_loopexit(base, &(struct timeval){ 1, 500000 });
	event_base_dispatch(base);
	ck_assert_int_eq(lease_lost, 1);
	ck_assert_int_eq(lease_role(b), LEASE_ACTIVE);
	lease_free(a);
	lease_free(b);
	db_close(r);
	db_close(w);
	event_base_free(base);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("db_pg");
	TCase	*tc = tcase_create("pg");
	SRunner	*sr;
	int	 failed, rc;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_redact);
	tcase_add_test(tc, test_params);
	tcase_add_test(tc, test_null_or_value);
	tcase_add_test(tc, test_types);
	tcase_add_test(tc, test_changes_last_id);
	tcase_add_test(tc, test_txn);
	tcase_add_test(tc, test_errclass);
	tcase_add_test(tc, test_killed);
	tcase_add_test(tc, test_reconnect);
	tcase_add_test(tc, test_bad_utf8);
	tcase_add_test(tc, test_compat);
	tcase_add_test(tc, test_store_open);
	tcase_add_test(tc, test_store_race);
	tcase_add_test(tc, test_store_newer);
	tcase_add_test(tc, test_schema_triggers);
	tcase_add_test(tc, test_lease_take_fence);
	tcase_add_test(tc, test_lease_loop);
	tcase_add_test(tc, test_lease_locks);
	tcase_add_test(tc, test_pipe_batches);
	tcase_add_test(tc, test_pipe_merge);
	tcase_add_test(tc, test_pipe_lost);
	tcase_add_test(tc, test_pipe_store_fence);
	tcase_add_test(tc, test_pipe_audit_chain);
	suite_add_tcase(s, tc);
	if ((rc = cluster_start()) != 0) {
		if (rc == 77)
			fprintf(stderr, "check_db_pg: no PostgreSQL, skipped\n");
		else
			fprintf(stderr, "check_db_pg: the cluster did not start\n");
		cluster_stop();
		return rc;
	}
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	cluster_stop();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
