/* store_seen.c - the frames of the duplicate window, read back at start-up. */
#include "config.h"

#include <stdint.h>

#include "db.h"

#include "store.h"
#include "store_int.h"
#include "store_seen.h"

static const char sql_first_at[] = "SELECT id, received_ms FROM frames"
    " WHERE id >= ?1 ORDER BY id LIMIT 1";
/* Apart: min() and max() in one SELECT scan the whole table. */
static const char sql_min[] = "SELECT min(id) FROM frames";
static const char sql_max[] = "SELECT max(id) FROM frames";
static const char sql_keys[] = "SELECT id, account, seq, digest, received_ms,"
    " retx FROM frames WHERE id >= ?1 AND id <= ?2 ORDER BY id LIMIT ?3";

/* The first frame at or after id: 1 found (*ms set), 0 none, -1 error. */
static int
store_frame_at(struct store *s, int64_t id, int64_t *ms)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql_first_at);
	int		 rc;

	if (st == NULL)
		return -1;
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW)
		*ms = db_column_int64(st, 1);
	db_reset(st);
	if (rc == DB_ROW)
		return 1;
	return rc == DB_DONE ? 0 : store_fail(s, STORE_WRITER);
}

/* The one integer a query returns (0 for NULL).  0 or -1. */
static int
store_int1(struct store *s, const char *sql, int64_t *v)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql);
	int		 rc;

	if (st == NULL)
		return -1;
	rc = db_step(st);
	if (rc == DB_ROW)
		*v = db_column_int64(st, 0);
	db_reset(st);
	return rc == DB_ROW ? 0 : store_fail(s, STORE_WRITER);
}

/*
 * The range of frames from the first received at or after from_ms (or the
 * next one stored) to the newest: *first > *last when there is none.
 */
int
store_frame_window(struct store *s, int64_t from_ms, int64_t *first,
    int64_t *last)
{
	int64_t		 lo = 0, hi = 0, mid, ms = 0;
	int		 rc;

	if (store_int1(s, sql_min, &lo) == -1 ||
	    store_int1(s, sql_max, &hi) == -1)
		return -1;
	*last = hi;
	if (hi < lo || hi <= 0) {	/* no frames (max() is NULL: 0) */
		*first = hi + 1;
		return 0;
	}
	hi++;		/* past the newest */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((rc = store_frame_at(s, mid, &ms)) == -1)
			return -1;
		if (rc == 1 && ms < from_ms)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	if (*first > *last)
		*first = *last + 1;
	return 0;
}

/* Up to limit frames with ids from first to last, oldest first: how many, or -1. */
int
store_frame_keys(struct store *s, int64_t first, int64_t last, int limit,
    store_seen_fn fn, void *arg)
{
	struct db_stmt	*st;
	int		 rc, n = 0;

	if ((st = store_stmt(s, STORE_WRITER, sql_keys)) == NULL)
		return -1;
	db_bind_int64(st, 1, first);
	db_bind_int64(st, 2, last);
	db_bind_int(st, 3, limit);
	while ((rc = db_step(st)) == DB_ROW) {
		fn(arg, db_column_int64(st, 0),
		    db_column_text(st, 1),
		    db_column_int(st, 2),
		    db_column_text(st, 3),
		    db_column_int64(st, 4),
		    db_column_type(st, 5) != DB_NULL && db_column_int(st, 5) != 0);
		n++;
	}
	db_reset(st);
	return rc == DB_DONE ? n : store_fail(s, STORE_WRITER);
}
