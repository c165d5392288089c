/* tmpstore.c - a store on a temporary database for unit tests. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <check.h>
#include <sqlite3.h>

#include "store.h"
#include "tmpstore.h"

/* A fresh folder and an open store in it. */
struct store *
tmpstore_open(struct tmpstore *t, const char *test)
{
	struct store	*st;
	char		 err[256];

	snprintf(t->dir, sizeof(t->dir), "/tmp/%s.XXXXXX", test);
	ck_assert_ptr_nonnull(mkdtemp(t->dir));
	snprintf(t->path, sizeof(t->path), "%s/pcod.db", t->dir);
	st = store_open(t->path, err, sizeof(err));
	ck_assert_msg(st != NULL, "%s", err);
	return st;
}

/* Close st and remove the folder with the database, its WAL and keys files. */
void
tmpstore_remove(struct tmpstore *t, struct store *st)
{
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal",
	    "-keys", "-keys-wal", "-keys-shm", "-keys-bad" };
	char	 p[160];
	size_t	 i;

	store_close(st);
	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", t->path, sfx[i]);
		unlink(p);
	}
	rmdir(t->dir);
}

/* The one integer sql returns, read on a connection of its own. */
int64_t
tmpstore_int(const struct tmpstore *t, const char *sql)
{
	sqlite3		*db;
	sqlite3_stmt	*q;
	int64_t		 v = -1;

	ck_assert_int_eq(sqlite3_open(t->path, &db), SQLITE_OK);
	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK,
	    "%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return v;
}
