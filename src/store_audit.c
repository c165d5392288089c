/* store_audit.c - the audit log in SQLite: append and list; the schema's triggers refuse changes. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "actor.h"
#include "audit.h"
#include "clock.h"
#include "store.h"
#include "store_int.h"

static const char sql_audit_add[] = "INSERT INTO audit (at_ms, actor, action,"
    " object, object_id, reason, details) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

static const char sql_audit_list[] = "SELECT id, at_ms, actor, action, object,"
    " object_id, reason, details FROM audit"
    " WHERE (?1 IS NULL OR actor = ?1)"
    " AND (?2 IS NULL OR action = ?2 OR (substr(?2, -1) = '.' AND"
    " substr(action, 1, length(?2)) = ?2))"
    " AND (?3 IS NULL OR object = ?3) AND (?4 IS NULL OR object_id = ?4)"
    " AND (?5 = 0 OR at_ms >= ?5) AND (?6 = 0 OR at_ms < ?6)"
    " ORDER BY id DESC LIMIT ?7";

/* Append one record in the open batch. */
int
store_audit_add(struct store *s, const struct actor *who, const char *action,
    const char *object, const char *object_id, const char *reason,
    json_t *details)
{
	return store_audit_add_at(s, clock_now_ms(), who, action, object,
	    object_id, reason, details);
}

/* Append one record of at_ms in the open batch (a row kept in memory meanwhile). */
int
store_audit_add_at(struct store *s, int64_t at_ms, const struct actor *who,
    const char *action, const char *object, const char *object_id,
    const char *reason, json_t *details)
{
	sqlite3_stmt	*st = store_stmt(s, STORE_WRITER, sql_audit_add);
	char		*dj = NULL;
	int		 rc;

	if (st == NULL)
		return -1;
	if (details != NULL)
		dj = json_dumps(details, JSON_COMPACT | JSON_SORT_KEYS);
	rc = sqlite3_bind_int64(st, 1, at_ms);
	rc |= store_bind_str(st, 2, who->name);
	rc |= store_bind_str(st, 3, action);
	rc |= store_bind_str(st, 4, object != NULL ? object : "");
	rc |= store_bind_str(st, 5, object_id != NULL ? object_id : "");
	rc |= store_bind_str(st, 6, reason != NULL ? reason : "");
	rc |= store_bind_str(st, 7, dj);
	rc = rc != SQLITE_OK ? store_fail(s, STORE_WRITER) : store_step_done(s, st);
	free(dj);
	return rc;
}

/* Turn the stored details text back into JSON and the time into ISO form. */
static void
audit_row_fix(json_t *row)
{
	json_t		*d = json_object_get(row, "details");
	json_error_t	 jerr;
	json_t		*parsed;

	if (json_is_string(d)) {
		parsed = json_loads(json_string_value(d), 0, &jerr);
		json_object_set_new(row, "details", parsed != NULL ? parsed :
		    json_null());
	}
}

/* Committed records matching the filter, newest first. */
json_t *
store_audit_list(struct store *s, const struct audit_filter *f)
{
	sqlite3_stmt	*st = store_stmt(s, STORE_READER, sql_audit_list);
	json_t		*rows, *row;
	size_t		 i;
	int		 rc;

	if (st == NULL)
		return NULL;
	rc = store_bind_str(st, 1, f->actor);
	rc |= store_bind_str(st, 2, f->action);
	rc |= store_bind_str(st, 3, f->object);
	rc |= store_bind_str(st, 4, f->object_id);
	rc |= sqlite3_bind_int64(st, 5, f->since_ms);
	rc |= sqlite3_bind_int64(st, 6, f->until_ms);
	rc |= sqlite3_bind_int(st, 7, f->limit > 0 ? f->limit : 100);
	if (rc != SQLITE_OK) {
		store_fail(s, STORE_READER);
		return NULL;
	}
	if ((rows = store_rows_json(s, STORE_READER, st)) == NULL)
		return NULL;
	json_array_foreach(rows, i, row)
		audit_row_fix(row);
	return rows;
}
