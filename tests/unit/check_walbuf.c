/*
 * check_walbuf.c - the writer's VFS (src/walbuf.c): a commit's WAL writes
 * reach the file as one, and yet every commit is there, whole, for other
 * connections the moment it returns, across spills, rollbacks, checkpoints
 * and WAL restarts, and after the writer is killed.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "walbuf.h"

static char	dir[64], path[96];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_walbuf.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.db", dir);
	ck_assert_int_eq(walbuf_register(), 0);
}

static void
teardown(void)
{
	char	p[128];

	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	unlink(path);
	rmdir(dir);
}

static void
exec(sqlite3 *db, const char *sql)
{
	char	*err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		ck_abort_msg("%s: %s", sql, err);
}

static sqlite3 *
open_db(const char *vfs, int flags)
{
	sqlite3	*db = NULL;

	ck_assert_int_eq(sqlite3_open_v2(path, &db, flags, vfs), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	return db;
}

/* The writer as pcod sets it up: WAL, no sync at commit, no auto checkpoint. */
static sqlite3 *
open_writer(void)
{
	sqlite3	*db = open_db(WALBUF_VFS, SQLITE_OPEN_READWRITE |
		    SQLITE_OPEN_CREATE);

	exec(db, "PRAGMA journal_mode=WAL");
	exec(db, "PRAGMA synchronous=NORMAL");
	exec(db, "PRAGMA wal_autocheckpoint=0");
	exec(db, "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, "
	    "k TEXT NOT NULL, v BLOB NOT NULL)");
	exec(db, "CREATE INDEX IF NOT EXISTS t_k ON t(k)");
	return db;
}

static int64_t
one_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt	*st;
	int64_t		 v;

	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Insert n rows with random keys (random index pages) in the open transaction. */
static void
insert_rows(sqlite3 *db, int n, int64_t *sum)
{
	sqlite3_stmt	*st;
	char		 k[32];
	int		 i;

	ck_assert_int_eq(sqlite3_prepare_v2(db, "INSERT INTO t (k, v) "
	    "VALUES (?, randomblob(300)) RETURNING id", -1, &st, NULL),
	    SQLITE_OK);
	for (i = 0; i < n; i++) {
		snprintf(k, sizeof(k), "%08lx", (unsigned long)random());
		sqlite3_bind_text(st, 1, k, -1, SQLITE_TRANSIENT);
		ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
		if (sum != NULL)
			*sum += sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
}

/* A commit of many pages reaches the file in one or two writes, not hundreds. */
START_TEST(test_coalesced)
{
	sqlite3			*db = open_writer();
	struct walbuf_stats	 a, b;
	int64_t			 pages;

	walbuf_get_stats(&a);
	exec(db, "BEGIN");
	insert_rows(db, 400, NULL);
	exec(db, "COMMIT");
	walbuf_get_stats(&b);
	pages = one_int(db, "PRAGMA page_count");
	ck_assert_msg(b.writes - a.writes >= 2 * 20, "SQLite wrote %llu times "
	    "for %lld pages", (unsigned long long)(b.writes - a.writes),
	    (long long)pages);
	ck_assert_msg(b.flushes - a.flushes <= 2, "%llu writes reached the "
	    "file", (unsigned long long)(b.flushes - a.flushes));
	ck_assert_uint_ge(b.bytes - a.bytes, (uint64_t)(b.writes - a.writes) /
	    2 * 4096);
	sqlite3_close(db);
}
END_TEST

/*
 * After every commit another connection sees exactly what was committed,
 * whole: large transactions spill frames and read them back, some roll
 * back after spilling, a third connection checkpoints now and then so the
 * WAL starts over, and checksums are rewritten when frames are overwritten.
 */
START_TEST(test_others_see_every_commit)
{
	sqlite3	*w = open_writer();
	sqlite3	*r = open_db(NULL, SQLITE_OPEN_READONLY);
	sqlite3	*c = open_db(NULL, SQLITE_OPEN_READWRITE);
	int64_t	 sum = 0, rows = 0, tsum;
	int	 i, n, nlog, nckpt;

	/* A small cache: big transactions spill to the WAL mid-way. */
	exec(w, "PRAGMA cache_size=20");
	srandom(7);
	for (i = 0; i < 300; i++) {
		n = i % 37 == 0 ? 1500 : 1 + (int)(random() % 40);
		exec(w, "BEGIN");
		tsum = 0;
		insert_rows(w, n, &tsum);
		if (i % 11 == 5) {
			/* Touch the same pages again: frames are overwritten. */
			exec(w, "UPDATE t SET v = randomblob(300) WHERE id % 7 = 0 "
			    "AND id > (SELECT max(id) - 200 FROM t)");
		}
		if (i % 23 == 9) {
			exec(w, "ROLLBACK");
		} else {
			exec(w, "COMMIT");
			sum += tsum;
			rows += n;
		}
		ck_assert_int_eq(one_int(r, "SELECT count(*) FROM t"), rows);
		ck_assert_int_eq(one_int(r, "SELECT coalesce(sum(id), 0) FROM t"),
		    sum);
		if (i % 29 == 28) {
			ck_assert_int_eq(sqlite3_wal_checkpoint_v2(c, NULL,
			    SQLITE_CHECKPOINT_PASSIVE, &nlog, &nckpt), SQLITE_OK);
		}
	}
	ck_assert_int_eq(one_int(r, "SELECT count(*) FROM t INDEXED BY t_k "
	    "WHERE k >= ''"), rows);
	sqlite3_close(r);
	sqlite3_close(c);
	r = open_db(NULL, SQLITE_OPEN_READONLY);
	ck_assert_int_eq(one_int(r, "SELECT count(*) FROM t"), rows);
	sqlite3_close(r);
	sqlite3_close(w);
	/* Closed: checkpointed; a fresh open finds it sound. */
	r = open_db(NULL, SQLITE_OPEN_READONLY);
	{
		sqlite3_stmt	*st;

		ck_assert_int_eq(sqlite3_prepare_v2(r, "PRAGMA integrity_check",
		    -1, &st, NULL), SQLITE_OK);
		ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
		ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "ok");
		sqlite3_finalize(st);
	}
	ck_assert_int_eq(one_int(r, "SELECT count(*) FROM t"), rows);
	sqlite3_close(r);
}
END_TEST

/*
 * A writer killed with SIGKILL right after COMMIT returned: everything it
 * had reported committed is in the database when it is opened again.
 */
START_TEST(test_kill9)
{
	int	 fds[2], status;
	pid_t	 pid;
	int64_t	 last = 0, got;
	FILE	*in;
	sqlite3	*db;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		sqlite3	*w;
		int64_t	 rows = 0;
		FILE	*out;

		close(fds[0]);
		out = fdopen(fds[1], "w");
		w = open_writer();
		for (;;) {
			exec(w, "BEGIN");
			insert_rows(w, 25, NULL);
			exec(w, "COMMIT");
			rows += 25;
			fprintf(out, "%lld\n", (long long)rows);
			fflush(out);
		}
	}
	close(fds[1]);
	in = fdopen(fds[0], "r");
	while (last < 5000) {
		long long	v;

		if (fscanf(in, "%lld", &v) != 1)
			ck_abort_msg("the writer stopped at %lld", (long long)last);
		last = v;
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	fclose(in);
	db = open_db(NULL, SQLITE_OPEN_READWRITE);
	got = one_int(db, "SELECT count(*) FROM t");
	ck_assert_msg(got >= last, "%lld rows, but %lld were committed",
	    (long long)got, (long long)last);
	ck_assert_int_eq(got % 25, 0);
	sqlite3_close(db);
}
END_TEST

static Suite *
walbuf_suite(void)
{
	Suite	*s = suite_create("walbuf");
	TCase	*tc = tcase_create("walbuf");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_coalesced);
	tcase_add_test(tc, test_others_see_every_commit);
	tcase_add_test(tc, test_kill9);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(walbuf_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
