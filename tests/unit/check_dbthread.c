/*
 * check_dbthread.c - SQLite's writer thread (db.c, db_sqlite_thread()):
 * blind statements queued with copies of their values and run in order,
 * ids given by the connection, waited statements that see every write
 * before them, a blind failure that fails its transaction (and only it),
 * a queued COMMIT whose outcome the caller takes later, and small
 * transactions that stay on the caller's thread (db_sqlite_thread_min()).
 *
 * The database is a real file in a temporary folder; a second connection
 * checks what was committed.
 */
#include "config.h"

#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <sqlite3.h>

#include "db.h"

static char	 dir[] = "/tmp/check_dbthread.XXXXXX";
static char	 path[256];
static struct db *d;

static const char schema[] =
    "PRAGMA journal_mode=WAL;"
    "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    " data BLOB, n INTEGER, x REAL);"
    "CREATE TABLE u (k TEXT, v INTEGER);";

static void
setup(void)
{
	sqlite3	*h;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.db", dir);
	ck_assert_int_eq(sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(h, schema, NULL, NULL, NULL), SQLITE_OK);
	d = db_sqlite(h);
	ck_assert_int_eq(db_sqlite_thread(d, 1), 0);
}

static void
teardown(void)
{
	char	p[300];

	db_close(d);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	unlink(path);
	rmdir(dir);
	memcpy(dir + strlen(dir) - 6, "XXXXXX", 6);
}

/* One integer from sql on a connection of its own (what is committed). */
static int64_t
committed(const char *sql)
{
	sqlite3		*h;
	sqlite3_stmt	*st;
	int64_t		 v = -1;

	ck_assert_int_eq(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

/* One integer from sql on the connection under test (waited). */
static int64_t
waited(const char *sql)
{
	struct db_stmt	*st = db_prepare(d, sql);
	int64_t		 v = -1;

	ck_assert_ptr_nonnull(st);
	if (db_step(st) == DB_ROW)
		v = db_column_int64(st, 0);
	db_finalize(st);
	return v;
}

static struct db_stmt *
blind_insert(void)
{
	struct db_stmt	*st;

	st = db_prepare(d, "INSERT INTO t (name, data, n, x) VALUES"
	    " (?1, ?2, ?3, ?4)");
	ck_assert_ptr_nonnull(st);
	db_set_blind(st);
	return st;
}

/* Insert name through st (blind); DB_DONE expected. */
static int
put(struct db_stmt *st, const char *name, int64_t n)
{
	int	rc;

	db_bind_text(st, 1, name, -1);
	db_bind_null(st, 2);
	db_bind_int64(st, 3, n);
	db_bind_double(st, 4, (double)n / 2);
	rc = db_step(st);
	db_reset(st);
	return rc;
}

/* Queued writes: ids known at once, values copied, the order kept. */
START_TEST(test_queue_ids_and_copies)
{
	struct db_stmt	*st = blind_insert();
	char		 name[32], blob[300000];
	int64_t		 id, first;
	int		 i;

	ck_assert_int_eq(db_exec(d, "BEGIN IMMEDIATE"), 0);
	/* More than a queue chunk's worth: entries cross into new chunks. */
	for (i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "row-%05d", i);
		ck_assert_int_eq(put(st, name, i), DB_DONE);
		id = db_last_id(d);
		if (i == 0)
			first = id;
		ck_assert_int_eq(id, first + i);
		/* The caller's buffer changes at once: the entry has a copy. */
		memset(name, 'X', sizeof(name) - 1);
	}
	/* An entry larger than a chunk. */
	memset(blob, 0xa5, sizeof(blob));
	db_bind_text(st, 1, "big", -1);
	db_bind_blob(st, 2, blob, (int)sizeof(blob));
	db_bind_int64(st, 3, -1);
	db_bind_null(st, 4);
	ck_assert_int_eq(db_step(st), DB_DONE);
	db_reset(st);
	memset(blob, 0, sizeof(blob));
	/* db_bind_text_copy(): the value may go before the step. */
	{
		char	*tmp = strdup("copied");

		db_bind_text_copy(st, 1, tmp, -1);
		free(tmp);
		db_bind_null(st, 2);
		db_bind_int64(st, 3, -2);
		ck_assert_int_eq(db_step(st), DB_DONE);
		db_reset(st);
	}
	/* A waited read sees every write queued before it. */
	ck_assert_int_eq(waited("SELECT count(*) FROM t"), 5002);
	ck_assert_int_eq(waited("SELECT count(*) FROM t WHERE name = 'row-'"
	    " || printf('%05d', n) AND id = n + (SELECT min(id) FROM t)"
	    " AND x = n / 2.0"), 5000);
	ck_assert_int_eq(waited("SELECT count(*) FROM t WHERE name = 'big'"
	    " AND length(data) = 300000 AND instr(data, x'00') = 0"), 1);
	ck_assert_int_eq(waited("SELECT n FROM t WHERE name = 'copied'"), -2);
	ck_assert_int_eq(db_exec(d, "COMMIT"), 0);
	ck_assert_int_eq(committed("SELECT count(*) FROM t"), 5002);
	db_finalize(st);
}
END_TEST

/* A waited INSERT into the same table: blind ids go on past its row. */
START_TEST(test_ids_after_waited_insert)
{
	struct db_stmt	*st = blind_insert();
	int64_t		 a, b, c;

	ck_assert_int_eq(db_exec(d, "BEGIN IMMEDIATE"), 0);
	ck_assert_int_eq(put(st, "a", 1), DB_DONE);
	a = db_last_id(d);
	/* A console's INSERT that picks its own id, past the count. */
	ck_assert_int_eq(db_exec(d, "INSERT INTO t (id, name) VALUES"
	    " (1000, 'console')"), 0);
	ck_assert_int_eq(db_last_id(d), 1000);
	ck_assert_int_eq(put(st, "b", 2), DB_DONE);
	b = db_last_id(d);
	ck_assert_int_gt(b, 1000);
	/* One that takes SQLite's own (max + 1). */
	ck_assert_int_eq(db_exec(d, "INSERT INTO t (name) VALUES ('c')"), 0);
	c = db_last_id(d);
	ck_assert_int_eq(c, b + 1);
	ck_assert_int_eq(put(st, "d", 3), DB_DONE);
	ck_assert_int_eq(db_last_id(d), c + 1);
	ck_assert_int_eq(db_exec(d, "COMMIT"), 0);
	ck_assert_int_eq(committed("SELECT count(*) FROM t"), 5);
	ck_assert_int_lt(a, 1000);
	db_finalize(st);
}
END_TEST

/* A blind failure fails its transaction: later writes skipped, nothing kept. */
START_TEST(test_blind_failure_fails_txn)
{
	struct db_stmt	*st = blind_insert(), *u, *commit;
	int		 rc, i;

	ck_assert_int_eq(db_exec(d, "BEGIN IMMEDIATE"), 0);
	ck_assert_int_eq(put(st, "one", 1), DB_DONE);
	ck_assert_int_eq(put(st, "one", 2), DB_DONE);	/* UNIQUE, on the thread */
	u = db_prepare(d, "INSERT INTO u (k, v) VALUES (?1, ?2)");
	db_set_blind(u);
	/* Steps after the failure: queued and skipped, or refused at once. */
	for (i = 0; i < 10; i++) {
		db_bind_text(u, 1, "after", -1);
		db_bind_int(u, 2, i);
		rc = db_step(u);
		db_reset(u);
		ck_assert(rc == DB_DONE || (rc & 0xff) == 19);
	}
	/* The first waited statement answers the failure instead of running. */
	rc = (int)waited("SELECT count(*) FROM t");
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(db_errclass(d), DB_E_CONSTRAINT);
	ck_assert_ptr_nonnull(strstr(db_errmsg(d), "UNIQUE"));
	/* And the COMMIT too: the transaction cannot be committed. */
	commit = db_prepare(d, "COMMIT");
	ck_assert_int_eq(db_commit_queue(commit), -1);
	ck_assert_int_eq(db_errclass(d), DB_E_CONSTRAINT);
	ck_assert_int_eq(db_exec(d, "ROLLBACK"), 0);
	ck_assert_int_eq(committed("SELECT count(*) FROM t"), 0);
	ck_assert_int_eq(committed("SELECT count(*) FROM u"), 0);
	/* The next transaction is clean. */
	ck_assert_int_eq(db_exec(d, "BEGIN IMMEDIATE"), 0);
	ck_assert_int_eq(put(st, "two", 2), DB_DONE);
	ck_assert_int_eq(db_commit_queue(commit), 1);
	ck_assert_int_eq(db_commit_result(d), 0);
	ck_assert_int_eq(committed("SELECT count(*) FROM t WHERE name ="
	    " 'two'"), 1);
	db_finalize(commit);
	db_finalize(u);
	db_finalize(st);
}
END_TEST

/* A queued COMMIT: the descriptor says it ran; a failure rolls back. */
START_TEST(test_commit_queued)
{
	struct db_stmt	*st = blind_insert(), *commit;
	struct pollfd	 pfd;

	commit = db_prepare(d, "COMMIT");
	ck_assert_int_ge(db_commit_fd(d), 0);
	ck_assert_int_eq(db_exec(d, "BEGIN IMMEDIATE"), 0);
	ck_assert_int_eq(put(st, "x", 1), DB_DONE);
	ck_assert_int_eq(db_commit_queue(commit), 1);
	pfd.fd = db_commit_fd(d);
	pfd.events = POLLIN;
	ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
	ck_assert_int_eq(db_commit_result(d), 0);
	ck_assert_int_eq(db_in_txn(d), 0);
	ck_assert_int_eq(committed("SELECT count(*) FROM t"), 1);
	/* Taken: the descriptor is quiet until the next COMMIT runs. */
	ck_assert_int_eq(poll(&pfd, 1, 0), 0);
	/* A failure found by the COMMIT itself: the batch rolled back. */
	ck_assert_int_eq(db_exec(d, "BEGIN IMMEDIATE"), 0);
	ck_assert_int_eq(put(st, "y", 2), DB_DONE);
	ck_assert_int_eq(put(st, "x", 3), DB_DONE);	/* UNIQUE */
	ck_assert_int_eq(db_commit_queue(commit) == 1 ?
	    db_commit_result(d) : -1, -1);
	ck_assert_int_eq(db_errclass(d), DB_E_CONSTRAINT);
	if (db_in_txn(d))
		ck_assert_int_eq(db_exec(d, "ROLLBACK"), 0);
	ck_assert_int_eq(committed("SELECT count(*) FROM t"), 1);
	/* Without the thread the COMMIT is the caller's to step. */
	ck_assert_int_eq(db_sqlite_thread(d, 0), 0);
	ck_assert_int_eq(db_commit_queue(commit), 0);
	ck_assert_int_eq(db_commit_fd(d), -1);
	ck_assert_int_eq(db_exec(d, "BEGIN IMMEDIATE"), 0);
	ck_assert_int_eq(put(st, "z", 4), DB_DONE);
	ck_assert_int_eq(db_step(commit), DB_DONE);
	db_reset(commit);
	ck_assert_int_eq(committed("SELECT count(*) FROM t"), 2);
	db_finalize(commit);
	db_finalize(st);
}
END_TEST

/* Stopping the thread runs what is queued first. */
START_TEST(test_stop_runs_queue)
{
	struct db_stmt	*st = blind_insert();
	char		 name[16];
	int		 i;

	for (i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "auto-%d", i);
		ck_assert_int_eq(put(st, name, i), DB_DONE);
	}
	ck_assert_int_eq(db_sqlite_thread(d, 0), 0);
	ck_assert_int_eq(committed("SELECT count(*) FROM t"), 200);
	/* Without it, blind statements run at their step, ids SQLite's. */
	ck_assert_int_eq(put(st, "after", 1), DB_DONE);
	ck_assert_int_eq(db_last_id(d), committed("SELECT max(id) FROM t"));
	db_finalize(st);
}
END_TEST

/* The thread's statements and the inline ones so far. */
static void
counts(uint64_t *jobs, uint64_t *inl)
{
	uint64_t	waits;

	db_sqlite_thread_stats(d, jobs, inl, &waits);
}

/* Commit a transaction of n blind rows named prefix-i: 1 handed over, 0 not. */
static int
txn(struct db_stmt *st, struct db_stmt *commit, const char *prefix, int n)
{
	char	name[32];
	int	i, rc;

	ck_assert_int_eq(db_exec(d, "BEGIN IMMEDIATE"), 0);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s-%d", prefix, i);
		ck_assert_int_eq(put(st, name, i), DB_DONE);
	}
	if ((rc = db_commit_queue(commit)) == 1)
		ck_assert_int_eq(db_commit_result(d), 0);
	else {
		ck_assert_int_eq(rc, 0);
		ck_assert_int_eq(db_step(commit), DB_DONE);
		db_reset(commit);
	}
	return rc;
}

/*
 * db_sqlite_thread_min(): a transaction's statements are staged; a small
 * one runs and commits on the caller's thread, a larger one goes to the
 * thread with its COMMIT, and after large ones the next goes at once.
 */
START_TEST(test_small_txn_inline)
{
	struct db_stmt	*st = blind_insert(), *commit;
	uint64_t	 j0, i0, j, in;
	int64_t		 id0;
	char		 name[16];
	int		 i, rc;

	commit = db_prepare(d, "COMMIT");
	ck_assert_int_eq(db_sqlite_thread_min(d, 0), -1);
	ck_assert_int_eq(db_sqlite_thread_min(d, 4), 0);
	counts(&j0, &i0);
	/* Three statements: staged, run by the caller at its COMMIT. */
	ck_assert_int_eq(db_exec(d, "BEGIN IMMEDIATE"), 0);
	for (i = 0; i < 2; i++) {
		snprintf(name, sizeof(name), "s-%d", i);
		ck_assert_int_eq(put(st, name, i), DB_DONE);
		if (i == 0)
			id0 = db_last_id(d);
		ck_assert_int_eq(db_last_id(d), id0 + i);
	}
	/* A waited read in between sees them (it runs them). */
	ck_assert_int_eq(waited("SELECT count(*) FROM t"), 2);
	ck_assert_int_eq(put(st, "s-2", 2), DB_DONE);
	ck_assert_int_eq(db_commit_queue(commit), 0);
	ck_assert_int_eq(db_step(commit), DB_DONE);
	db_reset(commit);
	ck_assert_int_eq(committed("SELECT count(*) FROM t"), 3);
	ck_assert_int_eq(committed("SELECT max(id) - min(id) FROM t"), 2);
	counts(&j, &in);
	ck_assert_uint_eq(j, j0);
	ck_assert_uint_eq(in, i0 + 3);
	/* Ten: handed over at the fourth, the COMMIT queued; ids go on. */
	ck_assert_int_eq(db_exec(d, "BEGIN IMMEDIATE"), 0);
	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "l-%d", i);
		ck_assert_int_eq(put(st, name, i), DB_DONE);
		ck_assert_int_eq(db_last_id(d), id0 + 3 + i);
	}
	ck_assert_int_eq(db_commit_queue(commit), 1);
	ck_assert_int_eq(db_commit_result(d), 0);
	ck_assert_int_eq(committed("SELECT count(*) FROM t"), 13);
	ck_assert_int_eq(committed("SELECT max(id) - min(id) FROM t"), 12);
	counts(&j, &in);
	ck_assert_uint_eq(j, j0 + 11);		/* ten and the COMMIT */
	ck_assert_uint_eq(in, i0 + 3);
	/* A failure among staged statements fails the caller's COMMIT. */
	ck_assert_int_eq(db_exec(d, "BEGIN IMMEDIATE"), 0);
	ck_assert_int_eq(put(st, "n-0", 0), DB_DONE);
	ck_assert_int_eq(put(st, "s-0", 1), DB_DONE);	/* UNIQUE, staged */
	ck_assert_int_eq(put(st, "n-1", 0), DB_DONE);
	ck_assert_int_eq(db_commit_queue(commit), 0);
	rc = db_step(commit);
	db_reset(commit);
	ck_assert_int_eq(rc & 0xff, 19);
	ck_assert_int_eq(db_errclass(d), DB_E_CONSTRAINT);
	ck_assert_ptr_nonnull(strstr(db_errmsg(d), "UNIQUE"));
	ck_assert_int_eq(db_exec(d, "ROLLBACK"), 0);
	ck_assert_int_eq(committed("SELECT count(*) FROM t"), 13);
	/* A failure on the thread after the hand-over fails the COMMIT. */
	ck_assert_int_eq(db_exec(d, "BEGIN IMMEDIATE"), 0);
	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "f-%d", i);
		ck_assert_int_eq(put(st, name, i), DB_DONE);
	}
	rc = put(st, "l-0", 9);			/* UNIQUE, handed over */
	ck_assert(rc == DB_DONE || (rc & 0xff) == 19);
	rc = db_commit_queue(commit);
	ck_assert_int_eq(rc == 1 ? db_commit_result(d) : rc, -1);
	ck_assert_int_eq(db_errclass(d), DB_E_CONSTRAINT);
	if (db_in_txn(d))
		ck_assert_int_eq(db_exec(d, "ROLLBACK"), 0);
	ck_assert_int_eq(committed("SELECT count(*) FROM t"), 13);
	/* Small transactions stay with the caller... */
	counts(&j0, &i0);
	for (i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "a%d", i);
		ck_assert_int_eq(txn(st, commit, name, 1), 0);
	}
	counts(&j, &in);
	ck_assert_uint_eq(j, j0);
	ck_assert_uint_eq(in, i0 + 8);
	/* ...until the transactions are large: then even one row is handed. */
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "b%d", i);
		ck_assert_int_eq(txn(st, commit, name, 40), 1);
	}
	ck_assert_int_eq(txn(st, commit, "c", 1), 1);
	/* And after small ones again, it stays. */
	for (i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "d%d", i);
		txn(st, commit, name, 1);
	}
	ck_assert_int_eq(txn(st, commit, "e", 1), 0);
	ck_assert_int_eq(committed("SELECT count(*) FROM t"),
	    13 + 8 + 20 * 40 + 1 + 40 + 1);
	/* Outside a transaction a write goes to the thread at once. */
	counts(&j0, &i0);
	ck_assert_int_eq(put(st, "auto", 1), DB_DONE);
	counts(&j, &in);
	ck_assert_uint_eq(j, j0 + 1);
	ck_assert_int_eq(db_sqlite_thread(d, 0), 0);
	ck_assert_int_eq(committed("SELECT count(*) FROM t WHERE name ="
	    " 'auto'"), 1);
	db_finalize(commit);
	db_finalize(st);
}
END_TEST

static Suite *
dbthread_suite(void)
{
	Suite	*s = suite_create("dbthread");
	TCase	*tc = tcase_create("thread");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_queue_ids_and_copies);
	tcase_add_test(tc, test_ids_after_waited_insert);
	tcase_add_test(tc, test_blind_failure_fails_txn);
	tcase_add_test(tc, test_commit_queued);
	tcase_add_test(tc, test_stop_runs_queue);
	tcase_add_test(tc, test_small_txn_inline);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(dbthread_suite());
	int	 nf;

	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
