/* store_risk.c - site risk assessments and the risk tables in SQLite, versioned. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include "db.h"

#include "risk.h"
#include "store.h"
#include "store_int.h"

#define RISK_COLS "r.id, r.site_id, s.name AS site_name, r.version," \
    " r.current, r.assessed_by, r.assessed_ms, r.valid_until_ms, r.doc," \
    " r.result, r.created_by, r.created_ms FROM risk_assessments r" \
    " JOIN sites s ON s.id = r.site_id"

static const char sql_latest[] = "SELECT coalesce(max(version), 0)"
    " FROM risk_assessments WHERE site_id = ?1";
static const char sql_uncurrent[] = "UPDATE risk_assessments SET current = 0"
    " WHERE site_id = ?1 AND current = 1";
static const char sql_insert[] = "INSERT INTO risk_assessments (site_id,"
    " version, current, assessed_by, assessed_ms, valid_until_ms, doc, result,"
    " created_by, created_ms) VALUES (?1, ?2, 1, ?3, ?4, nullif(?5, 0), ?6,"
    " ?7, ?8, ?9)";
static const char sql_get[] = "SELECT " RISK_COLS " WHERE r.site_id = ?1"
    " AND ((?2 = 0 AND r.current = 1) OR r.version = ?2)";
static const char sql_history[] = "SELECT " RISK_COLS " WHERE r.site_id = ?1"
    " ORDER BY r.version DESC";
static const char sql_all[] = "SELECT " RISK_COLS " WHERE r.current = 1"
    " ORDER BY s.name";
static const char sql_apply[] = "SELECT id, version, result"
    " FROM risk_assessments WHERE site_id = ?1 AND current = 1";
static const char sql_mark[] = "UPDATE alarms SET risk_id = ?2,"
    " priority_reason = nullif(?3, ''), dispatch_deadline_ms = nullif(?4, 0)"
    " WHERE id = ?1";
/* A dispatch step says the time it really has: the budget from the raise. */
static const char sql_cap_dispatch[] = "UPDATE alarm_steps SET deadline_s ="
    " max(1, min(deadline_s, ?2)) WHERE alarm_id = ?1 AND action = 'dispatch'";
static const char sql_has_dispatch[] = "SELECT count(*) FROM alarm_steps"
    " WHERE alarm_id = ?1 AND action = 'dispatch'";
static const char sql_add_dispatch[] = "INSERT INTO alarm_steps (alarm_id,"
    " position, action, target, text, deadline_s) VALUES (?1, (SELECT"
    " coalesce(max(position), 0) + 1 FROM alarm_steps WHERE alarm_id = ?1),"
    " 'dispatch', '', 'Dispatch the response unit now: the time balance of"
    " the site''s risk assessment', ?2)";
static const char sql_tables_latest[] = "SELECT coalesce(max(version), 0)"
    " FROM risk_tables";
static const char sql_tables_uncurrent[] = "UPDATE risk_tables SET current = 0"
    " WHERE current = 1";
static const char sql_tables_insert[] = "INSERT INTO risk_tables (version,"
    " current, doc, created_by, created_ms) VALUES (?1, 1, ?2, ?3, ?4)";
static const char sql_tables_get[] = "SELECT version, doc, created_by,"
    " created_ms FROM risk_tables WHERE (?1 = 0 AND current = 1)"
    " OR version = ?1";

/* The connection for a committed flag. */
static enum store_conn
risk_conn(int committed)
{
	return committed ? STORE_READER : STORE_WRITER;
}

/* Run sql (writer) with one integer bound: its scalar into *out.  0 or -1. */
static int
risk_scalar_id(struct store *s, const char *sql, int64_t id, int64_t *out)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql);

	*out = 0;
	if (st == NULL)
		return -1;
	if (db_bind_int64(st, 1, id) != DB_OK)
		return store_fail(s, STORE_WRITER);
	return store_step_int64(s, STORE_WRITER, st, out) < 0 ? -1 : 0;
}

/* Member name of o, stored as JSON text, parsed back in place. */
static void
risk_parse_member(json_t *o, const char *name)
{
	const char	*text = json_string_value(json_object_get(o, name));
	json_t		*v;

	if (text == NULL)
		return;
	v = json_loads(text, JSON_DECODE_ANY, NULL);
	json_object_set_new(o, name, v != NULL ? v : json_null());
}

/* A stored row as readers get it: JSON members parsed, current a boolean. */
static void
risk_row(json_t *row)
{
	if (!json_is_object(row))
		return;
	risk_parse_member(row, "doc");
	risk_parse_member(row, "result");
	json_object_set_new(row, "current", json_boolean(json_integer_value(
	    json_object_get(row, "current"))));
}

/* Dump a JSON value as compact text (owned by the caller). */
static char *
risk_text(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
}

/* Store an evaluated assessment as the site's next version. */
int
store_risk_put(struct store *s, int64_t site_id, const json_t *doc,
    const json_t *result, int64_t assessed_ms, int64_t valid_ms,
    const char *created_by, int64_t created_ms, int64_t *id, int *version)
{
	struct db_stmt	*st;
	char		*dtext = NULL, *rtext = NULL;
	int64_t		 latest;
	int		 rc, ret = -1;

	if (risk_scalar_id(s, sql_latest, site_id, &latest) != 0 ||
	    (st = store_stmt(s, STORE_WRITER, sql_uncurrent)) == NULL)
		return -1;
	if (db_bind_int64(st, 1, site_id) != DB_OK)
		return store_fail(s, STORE_WRITER);
	if (store_step_done(s, st) != 0 ||
	    (st = store_stmt(s, STORE_WRITER, sql_insert)) == NULL)
		return -1;
	dtext = risk_text(doc);
	rtext = risk_text(result);
	rc = db_bind_int64(st, 1, site_id);
	rc |= db_bind_int(st, 2, (int)latest + 1);
	rc |= store_bind_json(st, 3, json_object_get(doc, "assessed_by"));
	rc |= db_bind_int64(st, 4, assessed_ms);
	rc |= db_bind_int64(st, 5, valid_ms);
	rc |= store_bind_str(st, 6, dtext);
	rc |= store_bind_str(st, 7, rtext);
	rc |= store_bind_str(st, 8, created_by);
	rc |= db_bind_int64(st, 9, created_ms);
	if (rc != DB_OK) {
		db_reset(st);
		db_clear_bindings(st);
		store_fail(s, STORE_WRITER);
	} else if (store_step_done(s, st) == 0) {
		*id = store_last_id(s);
		*version = (int)latest + 1;
		ret = 0;
	}
	free(dtext);
	free(rtext);
	return ret;
}

/* The current assessment of a site, or one version; json_null() none. */
json_t *
store_risk_get(struct store *s, int committed, int64_t site_id, int version)
{
	enum store_conn	 conn = risk_conn(committed);
	struct db_stmt	*st = store_stmt(s, conn, sql_get);
	json_t		*row;

	if (st == NULL)
		return NULL;
	if (db_bind_int64(st, 1, site_id) != DB_OK ||
	    db_bind_int(st, 2, version) != DB_OK) {
		store_fail(s, conn);
		return NULL;
	}
	if ((row = store_row1_json(s, conn, st)) != NULL)
		risk_row(row);
	return row;
}

/* Rows of a bound statement, each made readable. */
static json_t *
risk_rows(struct store *s, enum store_conn conn, struct db_stmt *st)
{
	json_t	*rows = store_rows_json(s, conn, st), *row;
	size_t	 i;

	json_array_foreach(rows, i, row)
		risk_row(row);
	return rows;
}

/* Every version of a site's assessment, newest first. */
json_t *
store_risk_history(struct store *s, int committed, int64_t site_id)
{
	enum store_conn	 conn = risk_conn(committed);
	struct db_stmt	*st = store_stmt(s, conn, sql_history);

	if (st == NULL)
		return NULL;
	if (db_bind_int64(st, 1, site_id) != DB_OK) {
		store_fail(s, conn);
		return NULL;
	}
	return risk_rows(s, conn, st);
}

/* The current assessment of every site, by site name (committed). */
json_t *
store_risk_current_all(struct store *s)
{
	struct db_stmt	*st = store_stmt(s, STORE_READER, sql_all);

	return st == NULL ? NULL : risk_rows(s, STORE_READER, st);
}

/* Put the next version of the tables. */
int
store_risk_tables_put(struct store *s, const json_t *doc,
    const char *created_by, int64_t created_ms, int *version)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql_tables_latest);
	char		*text;
	int64_t		 latest = 0;
	int		 rc;

	if (st == NULL || store_step_int64(s, STORE_WRITER, st, &latest) < 0 ||
	    (st = store_stmt(s, STORE_WRITER, sql_tables_uncurrent)) == NULL ||
	    store_step_done(s, st) != 0 ||
	    (st = store_stmt(s, STORE_WRITER, sql_tables_insert)) == NULL)
		return -1;
	text = risk_text(doc);
	rc = db_bind_int(st, 1, (int)latest + 1);
	rc |= store_bind_str(st, 2, text);
	rc |= store_bind_str(st, 3, created_by);
	rc |= db_bind_int64(st, 4, created_ms);
	if (rc != DB_OK) {
		db_reset(st);
		db_clear_bindings(st);
		rc = store_fail(s, STORE_WRITER);
	} else
		rc = store_step_done(s, st);
	free(text);
	*version = (int)latest + 1;
	return rc;
}

/* The current tables (version 0) or a version: {version, doc, ...}; json_null() none. */
json_t *
store_risk_tables_get(struct store *s, int committed, int version)
{
	enum store_conn	 conn = risk_conn(committed);
	struct db_stmt	*st = store_stmt(s, conn, sql_tables_get);
	json_t		*row;

	if (st == NULL)
		return NULL;
	if (db_bind_int(st, 1, version) != DB_OK) {
		store_fail(s, conn);
		return NULL;
	}
	if ((row = store_row1_json(s, conn, st)) != NULL && json_is_object(row))
		risk_parse_member(row, "doc");
	return row;
}

/* The site's current assessment applied to a new alarm of zone. */
int
store_risk_alarm(struct store *s, const struct risk_map *map, int64_t site_id,
    int zone, struct risk_alarm *rk)
{
	struct db_stmt		*st;
	struct risk_bands	 b;
	json_t			*result;
	int			 rc, i;

	memset(rk, 0, sizeof(*rk));
	rk->take_pct = rk->step_pct = 100;
	rk->dispatch_s = RISK_NO_DISPATCH;
	if (site_id <= 0 || map == NULL)
		return 0;
	if ((st = store_stmt(s, store_cfg_conn(s), sql_apply)) == NULL)
		return -1;
	if (db_bind_int64(st, 1, site_id) != DB_OK)
		return store_fail(s, store_cfg_conn(s));
	if ((rc = db_step(st)) == DB_ROW) {
		rk->assessment_id = db_column_int64(st, 0);
		rk->version = db_column_int(st, 1);
		result = json_loads(db_column_text(st, 2), 0,
		    NULL);
	}
	db_reset(st);
	db_clear_bindings(st);
	if (rc != DB_ROW)
		return rc == DB_DONE ? 0 : store_fail(s, store_cfg_conn(s));
	risk_result_bands(result, &b);
	risk_apply_bands(map, &b, rk);
	rk->dispatch_s = risk_result_dispatch(result, zone);
	for (i = 0; i < RISK_M_COUNT; i++)
		if (b.band[i] >= 0)
			snprintf(rk->band_key[i], sizeof(rk->band_key[i]), "%s:%s",
			    risk_method_name(i), risk_band_name(i, b.band[i]));
	json_decref(result);
	return 0;
}

/* Give alarm_id a dispatch step when its protocol has none, else cap its own. */
static int
risk_dispatch_step(struct store *s, int64_t alarm_id, int64_t budget_s)
{
	struct db_stmt	*st;
	int64_t		 n;
	int		 rc;

	if (risk_scalar_id(s, sql_has_dispatch, alarm_id, &n) != 0)
		return -1;
	if (n > 0) {
		if ((st = store_stmt(s, STORE_WRITER, sql_cap_dispatch)) == NULL)
			return -1;
		rc = db_bind_int64(st, 1, alarm_id);
		rc |= db_bind_int64(st, 2, budget_s);
		if (rc != DB_OK) {
			db_reset(st);
			db_clear_bindings(st);
			return store_fail(s, STORE_WRITER);
		}
		return store_step_done(s, st);
	}
	if ((st = store_stmt(s, STORE_WRITER, sql_add_dispatch)) == NULL)
		return -1;
	rc = db_bind_int64(st, 1, alarm_id);
	rc |= db_bind_int64(st, 2, budget_s > 0 ? budget_s : 0);
	if (rc != DB_OK) {
		db_reset(st);
		db_clear_bindings(st);
		return store_fail(s, STORE_WRITER);
	}
	return store_step_done(s, st);
}

/* Record on the new alarm what its site's assessment gave it. */
int
store_risk_alarm_mark(struct store *s, int64_t alarm_id,
    const struct risk_alarm *rk, int64_t raised_ms)
{
	struct db_stmt	*st;
	int64_t		 dispatch_ms = risk_dispatch_ms(rk, raised_ms);
	int		 rc;

	if (rk->assessment_id <= 0)
		return 0;
	if ((st = store_stmt(s, STORE_WRITER, sql_mark)) == NULL)
		return -1;
	rc = db_bind_int64(st, 1, alarm_id);
	rc |= db_bind_int64(st, 2, rk->assessment_id);
	rc |= store_bind_str(st, 3, rk->reason);
	rc |= db_bind_int64(st, 4, dispatch_ms);
	if (rc != DB_OK) {
		db_reset(st);
		db_clear_bindings(st);
		return store_fail(s, STORE_WRITER);
	}
	if (store_step_done(s, st) != 0)
		return -1;
	return dispatch_ms > 0 ? risk_dispatch_step(s, alarm_id,
	    rk->dispatch_s) : 0;
}
