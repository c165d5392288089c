/* store_seen.c - the frames of the duplicate window, read back at start-up. */
#include "config.h"

#include <stdint.h>

#include "db.h"

#include "store.h"
#include "store_int.h"
#include "store_seen.h"

/*
 * A frame's key is on its own row in frames, or (schema 17) on the row of
 * its only event: the window is read from both tables, frames first.  An
 * event whose frame has a row of its own has no digest: the reader skips it.
 */
static const char *const sql_table[2] = { "frames", "events" };
static const char *const sql_first_at[2] = {
	"SELECT id, received_ms FROM frames WHERE id >= ?1 ORDER BY id LIMIT 1",
	"SELECT id, received_ms FROM events WHERE id >= ?1 ORDER BY id LIMIT 1"
};
/* Apart: min() and max() in one SELECT scan the whole table. */
static const char *const sql_min[2] = {
	"SELECT min(id) FROM frames", "SELECT min(id) FROM events"
};
static const char *const sql_max[2] = {
	"SELECT max(id) FROM frames", "SELECT max(id) FROM events"
};
static const char *const sql_keys[2] = {
	"SELECT id, account, seq, digest, received_ms, retx FROM frames"
	" WHERE id >= ?1 AND id <= ?2 ORDER BY id LIMIT ?3",
	"SELECT id, account, seq, digest, received_ms, retx FROM events"
	" WHERE id >= ?1 AND id <= ?2 ORDER BY id LIMIT ?3"
};

/* The first row of table t at or after id: 1 found (*ms set), 0 none, -1 error. */
static int
store_row_at(struct store *s, enum store_conn conn, int t, int64_t id,
    int64_t *ms)
{
	struct db_stmt	*st = store_stmt(s, conn, sql_first_at[t]);
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
	return rc == DB_DONE ? 0 : store_fail(s, conn);
}

/* The one integer a query returns (0 for NULL).  0 or -1. */
static int
store_int1(struct store *s, enum store_conn conn, const char *sql, int64_t *v)
{
	struct db_stmt	*st = store_stmt(s, conn, sql);
	int		 rc;

	if (st == NULL)
		return -1;
	rc = db_step(st);
	if (rc == DB_ROW)
		*v = db_column_int64(st, 0);
	db_reset(st);
	return rc == DB_ROW ? 0 : store_fail(s, conn);
}

/*
 * Table t's ids from the first row received at or after from_ms (or the
 * next one stored) to the newest: *first > *last when there is none.  A
 * binary search by id: ids grow with time (with a clock stepped back, it
 * finds one of the places where the time passes from_ms).
 */
static int
store_table_window(struct store *s, enum store_conn conn, int t,
    int64_t from_ms, int64_t *first, int64_t *last)
{
	int64_t		 lo = 0, hi = 0, mid, ms = 0;
	int		 rc;

	if (store_int1(s, conn, sql_min[t], &lo) == -1 ||
	    store_int1(s, conn, sql_max[t], &hi) == -1)
		return -1;
	*last = hi;
	if (hi < lo || hi <= 0) {	/* no rows (max() is NULL: 0) */
		*first = hi + 1;
		return 0;
	}
	if (from_ms == INT64_MIN) {	/* every row */
		*first = lo;
		return 0;
	}
	hi++;		/* past the newest */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((rc = store_row_at(s, conn, t, mid, &ms)) == -1)
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

int
store_frame_window(struct store *s, int64_t from_ms, struct store_window *w)
{
	int	t;

	for (t = 0; t < 2; t++)
		if (store_table_window(s, STORE_WRITER, t, from_ms,
		    &w->next[t], &w->last[t]) == -1)
			return -1;
	return 0;
}

int
store_event_id_at(struct store *s, int64_t ms, int64_t *id, int64_t *newest)
{
	return store_table_window(s, STORE_READER, 1, ms, id, newest);
}

int
store_window_done(const struct store_window *w)
{
	return w->next[0] > w->last[0] && w->next[1] > w->last[1];
}

int
store_frame_keys(struct store *s, struct store_window *w, int limit,
    store_seen_fn fn, void *arg)
{
	struct db_stmt	*st;
	int		 rc, n = 0, t = w->next[0] <= w->last[0] ? 0 : 1;
	int64_t		 id;

	if (w->next[t] > w->last[t])
		return 0;
	if ((st = store_stmt(s, STORE_WRITER, sql_keys[t])) == NULL)
		return -1;
	db_bind_int64(st, 1, w->next[t]);
	db_bind_int64(st, 2, w->last[t]);
	db_bind_int(st, 3, limit);
	while ((rc = db_step(st)) == DB_ROW) {
		id = db_column_int64(st, 0);
		fn(arg, sql_table[t], id,
		    db_column_text(st, 1),
		    db_column_int(st, 2),
		    db_column_text(st, 3),
		    db_column_int64(st, 4),
		    db_column_type(st, 5) != DB_NULL && db_column_int(st, 5) != 0);
		w->next[t] = id + 1;
		n++;
	}
	db_reset(st);
	if (rc != DB_DONE)
		return store_fail(s, STORE_WRITER);
	if (n == 0)
		w->next[t] = w->last[t] + 1;	/* the rest is gone */
	return n;
}
