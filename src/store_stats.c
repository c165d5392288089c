/* store_stats.c - handling-time statistics: the alarms' times from SQLite, summarised in C. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include "db.h"

#include "patrol.h"
#include "stats_handling.h"
#include "store.h"
#include "store_int.h"
#include "xmalloc.h"

/*
 * The group key by ?4 (enum stats_by: operator, day, hour; a text) and the
 * times of each alarm in the period.  By priority (an integer) is its own
 * statement: PostgreSQL's CASE has one type.
 */
static const char sql_stats_handling[] = "SELECT CASE ?4"
    " WHEN 1 THEN COALESCE(taken_by, closed_by)"
    " WHEN 2 THEN strftime('%Y-%m-%d', created_ms / 1000, 'unixepoch')"
    " ELSE strftime('%Y-%m-%dT%H:00Z', created_ms / 1000, 'unixepoch')"
    " END AS grp, created_ms, taken_ms, closed_ms, escalated FROM alarms"
    " WHERE (?1 = 0 OR created_ms >= ?1) AND (?2 = 0 OR created_ms < ?2)"
    " AND (?3 = 0 OR priority = ?3) ORDER BY grp";
static const char sql_stats_by_priority[] = "SELECT priority AS grp,"
    " created_ms, taken_ms, closed_ms, escalated FROM alarms"
    " WHERE (?1 = 0 OR created_ms >= ?1) AND (?2 = 0 OR created_ms < ?2)"
    " AND (?3 = 0 OR priority = ?3) AND ?4 = 0 ORDER BY grp";

/* The same rows in order of receipt, grouped in C (local days and hours). */
static const char sql_stats_handling_local[] = "SELECT NULL AS grp,"
    " created_ms, taken_ms, closed_ms, escalated FROM alarms"
    " WHERE (?1 = 0 OR created_ms >= ?1) AND (?2 = 0 OR created_ms < ?2)"
    " AND (?3 = 0 OR priority = ?3) AND ?4 >= 0 ORDER BY created_ms";

static const char *const stats_by_names[] = {
	[STATS_BY_PRIORITY] = "priority",
	[STATS_BY_OPERATOR] = "operator",
	[STATS_BY_DAY] = "day",
	[STATS_BY_HOUR] = "hour",
};

/* A growing list of durations in milliseconds. */
struct stats_vec {
	int64_t	*v;		/* owned */
	size_t	 n, cap;
};

/* What one group (or the total) has gathered. */
struct stats_acc {
	struct stats_vec	take;	/* receipt to take, of the taken ones */
	struct stats_vec	close;	/* receipt to close, of the closed ones */
	size_t			count;
	size_t			escalated;
};

/* Order durations ascending. */
static int
stats_cmp(const void *x, const void *y)
{
	int64_t	a = *(const int64_t *)x, b = *(const int64_t *)y;

	return a < b ? -1 : a > b;
}

/* Milliseconds to tenths of a second, rounded half up. */
static int64_t
stats_tenths(int64_t ms)
{
	return (ms + 50) / 100;
}

/* The nearest-rank p-th percentile of sorted v[0..n), n > 0. */
static int64_t
stats_rank(const int64_t *v, size_t n, int p)
{
	size_t	k = ((size_t)p * n + 99) / 100;

	return v[k > 0 ? k - 1 : 0];
}

/* Sort and summarise a set of durations. */
void
store_stats_times(int64_t *ms, size_t n, struct stats_times *out)
{
	int64_t	sum = 0;
	size_t	i;

	memset(out, 0, sizeof(*out));
	if (n == 0)
		return;
	qsort(ms, n, sizeof(*ms), stats_cmp);
	for (i = 0; i < n; i++)
		sum += ms[i];
	out->n = n;
	out->mean = (sum + 50 * (int64_t)n) / (100 * (int64_t)n);
	out->p50 = stats_tenths(stats_rank(ms, n, 50));
	out->p90 = stats_tenths(stats_rank(ms, n, 90));
	out->p95 = stats_tenths(stats_rank(ms, n, 95));
	out->max = stats_tenths(ms[n - 1]);
}

/* Share of total with a duration of at most limit_ms, in tenths of a percent. */
int
store_stats_share(const int64_t *sorted_ms, size_t n, size_t total,
    int64_t limit_ms)
{
	size_t	lo = 0, hi = n, mid;

	if (total == 0)
		return 0;
	/* The first value above the limit. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (sorted_ms[mid] <= limit_ms)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (int)((lo * 1000 + total / 2) / total);
}

/* "priority" ... "hour" as enum stats_by, or -1. */
int
store_stats_by_parse(const char *s)
{
	size_t	i;

	for (i = 0; i < sizeof(stats_by_names) / sizeof(stats_by_names[0]); i++)
		if (strcmp(s, stats_by_names[i]) == 0)
			return (int)i;
	return -1;
}

/* The name of a grouping. */
const char *
store_stats_by_name(enum stats_by by)
{
	return stats_by_names[by];
}

/* Append one duration (never negative: clocks may disagree). */
static void
stats_push(struct stats_vec *vec, int64_t ms)
{
	if (vec->n == vec->cap) {
		vec->cap = vec->cap ? vec->cap * 2 : 64;
		vec->v = xreallocarray(vec->v, vec->cap, sizeof(*vec->v));
	}
	vec->v[vec->n++] = ms > 0 ? ms : 0;
}

/* Add the current row's alarm to acc. */
static void
stats_add(struct stats_acc *acc, struct db_stmt *st)
{
	int64_t	created = db_column_int64(st, 1);

	acc->count++;
	if (db_column_type(st, 2) != DB_NULL)
		stats_push(&acc->take, db_column_int64(st, 2) - created);
	if (db_column_type(st, 3) != DB_NULL)
		stats_push(&acc->close, db_column_int64(st, 3) - created);
	if (db_column_int(st, 4) > 0)
		acc->escalated++;
}

/* Tenths of a second (or percent) as a JSON number with one decimal. */
static json_t *
stats_dec(int64_t tenths)
{
	return json_real((double)tenths / 10.0);
}

/* name_mean ... name_max of a set of durations (null when empty). */
static void
stats_put_times(json_t *o, const char *name, struct stats_vec *vec)
{
	static const char *const sfx[] = { "mean", "p50", "p90", "p95", "max" };
	struct stats_times	 t;
	int64_t			 val[5];
	char			 key[32];
	size_t			 i;

	store_stats_times(vec->v, vec->n, &t);
	val[0] = t.mean;
	val[1] = t.p50;
	val[2] = t.p90;
	val[3] = t.p95;
	val[4] = t.max;
	for (i = 0; i < 5; i++) {
		snprintf(key, sizeof(key), "%s_%s", name, sfx[i]);
		json_object_set_new(o, key, t.n > 0 ? stats_dec(val[i]) :
		    json_null());
	}
}

/* One row of the report; takes the reference to group and empties acc. */
static json_t *
stats_row(json_t *group, struct stats_acc *acc)
{
	json_t	*o = json_object();

	json_object_set_new(o, "group", group);
	json_object_set_new(o, "count", json_integer((json_int_t)acc->count));
	json_object_set_new(o, "taken", json_integer((json_int_t)acc->take.n));
	json_object_set_new(o, "closed", json_integer((json_int_t)acc->close.n));
	json_object_set_new(o, "untaken",
	    json_integer((json_int_t)(acc->count - acc->take.n)));
	json_object_set_new(o, "escalated",
	    json_integer((json_int_t)acc->escalated));
	/* Sorts the take times, which the shares below need. */
	stats_put_times(o, "take", &acc->take);
	stats_put_times(o, "close", &acc->close);
	json_object_set_new(o, "taken_30s_pct", stats_dec(store_stats_share(
	    acc->take.v, acc->take.n, acc->count, 30000)));
	json_object_set_new(o, "taken_60s_pct", stats_dec(store_stats_share(
	    acc->take.v, acc->take.n, acc->count, 60000)));
	free(acc->take.v);
	free(acc->close.v);
	memset(acc, 0, sizeof(*acc));
	return o;
}

/* The group of an alarm received at ms by local day or hour in tz. */
void
store_stats_local_key(const struct tz_rule *tz, enum stats_by by, int64_t ms,
    char *buf, size_t bufsz)
{
	struct tz_local	 l;
	int64_t		 t, day;
	int		 off;

	if (tz == NULL) {
		memset(&l, 0, sizeof(l));
		t = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
		day = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
		tz_civil_from_days(day, &l.year, &l.month, &l.day);
		l.sec = (int)(t - day * 86400);
	} else
		tz_to_local(tz, ms, &l);
	if (by == STATS_BY_DAY) {
		snprintf(buf, bufsz, "%04d-%02d-%02d", l.year, l.month, l.day);
		return;
	}
	if (tz == NULL) {
		snprintf(buf, bufsz, "%04d-%02d-%02dT%02d:00Z", l.year, l.month,
		    l.day, l.sec / 3600);
		return;
	}
	off = l.offset < 0 ? -l.offset : l.offset;
	snprintf(buf, bufsz, "%04d-%02d-%02dT%02d:00%c%02d:%02d", l.year,
	    l.month, l.day, l.sec / 3600, l.offset < 0 ? '-' : '+', off / 3600,
	    off / 60 % 60);
}

/* The group key of the current row: an integer, a string or null. */
static json_t *
stats_key(struct db_stmt *st, const struct stats_filter *f)
{
	json_t	*k;
	char	 buf[40];

	if (f->tz != NULL && (f->by == STATS_BY_DAY || f->by == STATS_BY_HOUR)) {
		store_stats_local_key(f->tz, f->by, db_column_int64(st, 1),
		    buf, sizeof buf);
		return json_string(buf);
	}
	switch (db_column_type(st, 0)) {
	case DB_INTEGER:
		return json_integer(db_column_int64(st, 0));
	case DB_NULL:
		return json_null();
	default:
		k = json_string(db_column_text(st, 0));
		return k != NULL ? k : json_string("?");
	}
}

/* Step through the rows, one report row per group.  0 or -1. */
static int
stats_scan(struct store *s, struct db_stmt *st, const struct stats_filter *f,
    json_t *groups, struct stats_acc *total)
{
	struct stats_acc	 acc;
	json_t			*cur = NULL, *key;
	int			 rc;

	memset(&acc, 0, sizeof(acc));
	while ((rc = db_step(st)) == DB_ROW) {
		key = stats_key(st, f);
		if (cur != NULL && json_equal(cur, key))
			json_decref(key);
		else {
			if (cur != NULL)
				json_array_append_new(groups, stats_row(cur, &acc));
			cur = key;
		}
		stats_add(&acc, st);
		stats_add(total, st);
	}
	if (cur != NULL)
		json_array_append_new(groups, stats_row(cur, &acc));
	if (rc != DB_DONE) {
		store_fail(s, STORE_READER);
		db_reset(st);
		return -1;
	}
	/* Let the reader's snapshot go. */
	db_reset(st);
	return 0;
}

/* ISO-8601 UTC, or null for 0. */
static json_t *
stats_time(int64_t ms)
{
	struct tm	tm;
	time_t		t = (time_t)(ms / 1000);
	char		buf[32];

	if (ms == 0 || gmtime_r(&t, &tm) == NULL)
		return json_null();
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

/* The handling-time report of the committed alarms in the filter's period. */
json_t *
store_stats_handling(struct store *s, const struct stats_filter *f)
{
	int			 local = f->tz != NULL &&
				    (f->by == STATS_BY_DAY || f->by == STATS_BY_HOUR);
	struct db_stmt		*st = store_stmt(s, STORE_READER, local ?
				    sql_stats_handling_local :
				    f->by == STATS_BY_PRIORITY ?
				    sql_stats_by_priority : sql_stats_handling);
	struct stats_acc	 total;
	json_t			*groups, *r;
	int			 rc;

	if (st == NULL)
		return NULL;
	rc = db_bind_int64(st, 1, f->since_ms);
	rc |= db_bind_int64(st, 2, f->until_ms);
	rc |= db_bind_int(st, 3, f->priority);
	rc |= db_bind_int(st, 4, (int)f->by);
	if (rc != DB_OK) {
		store_fail(s, STORE_READER);
		return NULL;
	}
	memset(&total, 0, sizeof(total));
	groups = json_array();
	if (stats_scan(s, st, f, groups, &total) == -1) {
		json_decref(groups);
		json_decref(stats_row(json_null(), &total));
		return NULL;
	}
	r = json_object();
	json_object_set_new(r, "by", json_string(store_stats_by_name(f->by)));
	json_object_set_new(r, "since", stats_time(f->since_ms));
	json_object_set_new(r, "until", stats_time(f->until_ms));
	json_object_set_new(r, "priority", f->priority > 0 ?
	    json_integer(f->priority) : json_null());
	json_object_set_new(r, "groups", groups);
	json_object_set_new(r, "total", stats_row(json_string("total"), &total));
	return r;
}
