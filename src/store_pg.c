/*
 * store_pg.c - open the store on PostgreSQL: a writer and a reader
 * connection with pcod's session settings, and the schema created or
 * migrated under a transaction-level advisory lock, so that two pcod
 * starting at once migrate one after the other.
 *
 * sql_pg_migrations[0] (sql/pg/012_baseline.sql) brings an empty database
 * to SQL_PG_BASE; sql_pg_migrations[i] brings SQL_PG_BASE + i - 1 to
 * SQL_PG_BASE + i.  The version is the row of schema_version.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "clock.h"
#include "db.h"
#include "db_int.h"
#include "sql_pg_schema.h"
#include "store_int.h"

/* The schema version the baseline creates. */
#define SQL_PG_BASE	12
/* The version this pcod writes. */
#define SQL_PG_CURRENT	(SQL_PG_BASE + (int)(sizeof(sql_pg_migrations) / \
	sizeof(sql_pg_migrations[0])) - 1)
/* pg_advisory_xact_lock's key for the migration ("pcod" in ASCII). */
#define SQL_PG_LOCK	"1885564772"

/* Every session: UTC, bounded waits, named in pg_stat_activity. */
#define SQL_PG_SESSION \
    "SET TIME ZONE 'UTC'; SET statement_timeout = '30s';" \
    " SET lock_timeout = '5s'; SET idle_in_transaction_session_timeout = '60s';" \
    " SET application_name = 'pcod'"
/*
 * Several pcod may share the database: which one writes is the lease's
 * business (store_lease.c), checked by every write transaction (store.c).
 */
static const char sql_session_writer[] = SQL_PG_SESSION;
static const char sql_session_reader[] = SQL_PG_SESSION
    "; SET default_transaction_read_only = on";

/* The stored schema version (0: none yet), or -1 with err set. */
static int64_t
store_pg_version(struct db *db, char *err, size_t errsz)
{
	struct db_stmt	*st;
	int64_t		 v = -1;
	int		 rc;

	st = pg_prepare(db, "SELECT CASE WHEN to_regclass('schema_version')"
	    " IS NULL THEN 0 ELSE -1 END");
	if (st == NULL || pg_step(st) != DB_ROW)
		goto fail;
	v = pg_column_int64(st, 0);
	pg_finalize(st);
	if (v == 0)
		return 0;
	if ((st = pg_prepare(db, "SELECT version FROM schema_version")) == NULL)
		goto fail;
	rc = pg_step(st);
	v = rc == DB_ROW ? pg_column_int64(st, 0) : rc == DB_DONE ? 0 : -1;
	if (v < 0)
		goto fail;
	pg_finalize(st);
	return v;
fail:
	snprintf(err, errsz, "reading the schema version: %s", pg_errmsg(db));
	pg_finalize(st);
	return -1;
}

/* A migration under way on the server: the version it reaches, since when. */
struct store_pg_mig {
	int	 version;
	int64_t	 start_ms;
};

/* No answer yet from the server: the migration still runs. */
static void
store_pg_tick(void *arg)
{
	struct store_pg_mig	*m = arg;

	store_migrating_told("the PostgreSQL server", m->version, m->start_ms);
}

/* Bring the schema from version v to SQL_PG_CURRENT (inside a transaction). */
static int
store_pg_upgrade(struct db *db, int64_t v, char *err, size_t errsz)
{
	struct store_pg_mig	m;
	char			q[96];
	int			i;

	if (v > 0 && v < SQL_PG_BASE) {
		snprintf(err, errsz, "schema version %lld is older than the"
		    " PostgreSQL baseline %d", (long long)v, SQL_PG_BASE);
		return -1;
	}
	for (i = v == 0 ? 0 : (int)(v - SQL_PG_BASE + 1);
	    SQL_PG_BASE + i <= SQL_PG_CURRENT; i++) {
		m.version = SQL_PG_BASE + i;
		m.start_ms = clock_mono_ms();
		if (pg_exec_ticking(db, sql_pg_migrations[i],
		    store_migrating_every_ms(), store_pg_tick, &m) < 0) {
			snprintf(err, errsz, "migrating to schema version %d: %s",
			    SQL_PG_BASE + i, pg_errmsg(db));
			return -1;
		}
		snprintf(q, sizeof(q), "UPDATE schema_version SET version = %d",
		    SQL_PG_BASE + i);
		if (pg_exec(db, q) < 0) {
			snprintf(err, errsz, "recording schema version %d: %s",
			    SQL_PG_BASE + i, pg_errmsg(db));
			return -1;
		}
	}
	return 0;
}

/* Create or migrate the schema under the advisory lock.  0 or -1. */
static int
store_pg_migrate(struct db *db, char *err, size_t errsz)
{
	int64_t	v;

	/*
	 * A migration may rebuild an index over the whole history (schema 17:
	 * events_frame), far longer than the session's statement_timeout:
	 * none for this transaction (a migration cancelled half done would
	 * roll back and start over at every restart).
	 */
	if (pg_exec(db, "BEGIN; SET LOCAL statement_timeout = 0;"
	    " SELECT pg_advisory_xact_lock(" SQL_PG_LOCK ")") < 0) {
		snprintf(err, errsz, "locking the schema: %s", pg_errmsg(db));
		goto fail;
	}
	if ((v = store_pg_version(db, err, errsz)) < 0)
		goto fail;
	if (v > SQL_PG_CURRENT) {
		snprintf(err, errsz, "the database's schema version %lld is"
		    " newer than this pcod's (%d): run a newer pcod",
		    (long long)v, SQL_PG_CURRENT);
		goto fail;
	}
	if (v < SQL_PG_CURRENT && store_pg_upgrade(db, v, err, errsz) < 0)
		goto fail;
	if (pg_exec(db, "COMMIT") < 0) {
		snprintf(err, errsz, "committing the schema: %s", pg_errmsg(db));
		goto fail;
	}
	return 0;
fail:
	if (pg_in_txn(db))
		pg_exec(db, "ROLLBACK");
	return -1;
}

/*
 * Connect one session with pcod's settings, or NULL with err set.  The
 * reader is read-only, as SQLite's reader handle is.
 */
static struct db *
store_pg_session(const char *conninfo, int ro, char *err, size_t errsz)
{
	struct db	*db = db_pg_connect(conninfo, err, errsz);

	if (db == NULL)
		return NULL;
	if (pg_setup(db, ro ? sql_session_reader : sql_session_writer) < 0) {
		snprintf(err, errsz, "%s", pg_errmsg(db));
		pg_close(db);
		return NULL;
	}
	return db;
}

/* store_pg_open: the writer and the reader on a database at the current version. */
int
store_pg_open(const char *conninfo, struct db **writer, struct db **reader,
    char *err, size_t errsz)
{
	struct db	*w = NULL, *r = NULL;

	*writer = *reader = NULL;
	if ((w = store_pg_session(conninfo, 0, err, errsz)) == NULL)
		goto fail;
	if (store_pg_migrate(w, err, errsz) < 0)
		goto fail;
	if ((r = store_pg_session(conninfo, 1, err, errsz)) == NULL)
		goto fail;
	*writer = w;
	*reader = r;
	return 0;
fail:
	pg_close(r);
	pg_close(w);
	return -1;
}
