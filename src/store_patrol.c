/* store_patrol.c - guards, routes, calendar, terminals, check-ins, findings, observations. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include "db.h"

#include "store.h"
#include "store_int.h"
#include "store_patrol.h"
#include "xmalloc.h"

static const char sql_guard_add[] = "INSERT INTO guards (name, phone, active,"
    " created_ms, updated_ms) VALUES (?1, coalesce(?2, ''), coalesce(?3, 1),"
    " ?4, ?4)";
static const char sql_guard_update[] = "UPDATE guards SET"
    " name = coalesce(?1, name), phone = coalesce(?2, phone),"
    " active = coalesce(?3, active), updated_ms = ?4 WHERE id = ?5";
static const char sql_guard_remove[] = "DELETE FROM guards WHERE id = ?1";
static const char sql_guard_ids_del[] =
    "DELETE FROM guard_ids WHERE guard_id = ?1 AND kind = ?2";
static const char sql_guard_id_owner[] =
    "SELECT guard_id FROM guard_ids WHERE ident = ?1 AND guard_id <> ?2";
static const char sql_guard_id_add[] = "INSERT INTO guard_ids"
    " (ident, guard_id, kind) VALUES (?1, ?2, ?3) ON CONFLICT (ident)"
    " DO UPDATE SET ident = excluded.ident, guard_id = excluded.guard_id,"
    " kind = excluded.kind";
static const char sql_guard_sites_del[] =
    "DELETE FROM guard_sites WHERE guard_id = ?1";
static const char sql_guard_site_add[] = "INSERT INTO guard_sites"
    " (guard_id, site_id) SELECT ?1, id FROM sites WHERE id = ?2"
    " ON CONFLICT DO NOTHING";
#define GUARD_COLS "g.id, g.name, g.phone, g.active, g.created_ms," \
    " g.updated_ms,"							\
    " (SELECT json_group_array(ident) FROM (SELECT ident FROM guard_ids"	\
    "  WHERE guard_id = g.id AND kind = 'device' ORDER BY ident) i)"	\
    " AS devices_json,"						\
    " (SELECT json_group_array(ident) FROM (SELECT ident FROM guard_ids"	\
    "  WHERE guard_id = g.id AND kind = 'tag' ORDER BY ident) i) AS tags_json," \
    " (SELECT json_group_array(json_object('id', s.id, 'name', s.name))"	\
    "  FROM (SELECT s.id, s.name FROM guard_sites gs JOIN sites s"	\
    "  ON s.id = gs.site_id WHERE gs.guard_id = g.id ORDER BY s.name) s)"	\
    " AS sites_json"
static const char sql_guard_get[] = "SELECT " GUARD_COLS
    " FROM guards g WHERE g.id = ?1";
static const char sql_guard_list[] = "SELECT " GUARD_COLS " FROM guards g"
    " WHERE ?1 <= 0 OR EXISTS (SELECT 1 FROM guard_sites gs"
    " WHERE gs.guard_id = g.id AND gs.site_id = ?1) ORDER BY g.name, g.id";
static const char sql_guard_find[] =
    "SELECT guard_id FROM guard_ids WHERE ident = ?1";
static const char sql_guard_brief[] = "SELECT id, name, active,"
    " EXISTS (SELECT 1 FROM guard_sites WHERE guard_id = ?1"
    " AND site_id = ?2) AS may FROM guards WHERE id = ?1";

static const char sql_hol_put[] = "INSERT INTO patrol_holidays (date, name)"
    " VALUES (?1, coalesce(?2, '')) ON CONFLICT (date) DO UPDATE"
    " SET name = coalesce(?2, patrol_holidays.name)";
static const char sql_hol_remove[] =
    "DELETE FROM patrol_holidays WHERE date = ?1";
static const char sql_hol_list[] =
    "SELECT date, name FROM patrol_holidays ORDER BY date";

static const char sql_route_other[] = "SELECT site_id FROM patrol_routes"
    " WHERE name = ?1 AND site_id <> ?2 AND current = 1 LIMIT 1";
static const char sql_route_latest[] = "SELECT coalesce(max(version), 0)"
    " FROM patrol_routes WHERE name = ?1";
static const char sql_route_uncurrent[] = "UPDATE patrol_routes SET"
    " current = 0, retired_ms = ?2 WHERE name = ?1 AND current = 1";
static const char sql_route_insert[] = "INSERT INTO patrol_routes (name,"
    " version, current, site_id, doc, created_by, created_ms)"
    " VALUES (?1, ?2, 1, ?3, ?4, ?5, ?6)";
static const char sql_route_cur_id[] = "SELECT id FROM patrol_routes"
    " WHERE name = ?1 AND current = 1";
#define ROUTE_COLS "r.id, r.name, r.version, r.current, r.site_id,"	\
    " (SELECT name FROM sites WHERE id = r.site_id) AS site_name,"	\
    " r.created_by, r.created_ms, r.retired_ms, (SELECT max(q.version)"	\
    " FROM patrol_routes q WHERE q.name = r.name) AS latest"
static const char sql_route_get[] = "SELECT " ROUTE_COLS ", r.doc AS doc_json"
    " FROM patrol_routes r WHERE name = ?1 AND (?2 = 0 OR version = ?2)"
    " ORDER BY current DESC, version DESC LIMIT 1";
static const char sql_route_by_id[] = "SELECT " ROUTE_COLS
    ", r.doc AS doc_json FROM patrol_routes r WHERE id = ?1";
static const char sql_route_list[] = "SELECT " ROUTE_COLS ","
    " json_array_length(r.doc, '$.checkpoints') AS checkpoints"
    " FROM patrol_routes r WHERE (?1 <= 0 OR site_id = ?1)"
    " AND (?2 <> 0 OR current = 1) ORDER BY site_name, r.name, r.version";
static const char sql_route_current[] = "SELECT r.id, r.name, r.version,"
    " r.site_id, r.doc, r.created_ms, s.timezone FROM patrol_routes r"
    " JOIN sites s"
    " ON s.id = r.site_id WHERE r.current = 1 ORDER BY r.id";

static const char sql_route_versions[] = "SELECT r.id, r.name, r.version,"
    " r.site_id, r.doc, r.created_ms, r.retired_ms, s.timezone"
    " FROM patrol_routes r JOIN sites s ON s.id = r.site_id"
    " WHERE (?1 <= 0 OR r.site_id = ?1) AND (?2 IS NULL OR r.name = ?2)"
    " AND r.created_ms < ?4 AND (r.retired_ms IS NULL OR r.retired_ms > ?3)"
    " ORDER BY r.name, r.version";

static const char sql_term_set[] = "INSERT INTO patrol_terminals (account,"
    " map) VALUES (?1, ?2) ON CONFLICT (account) DO UPDATE SET map = ?2";
static const char sql_term_remove[] =
    "DELETE FROM patrol_terminals WHERE account = ?1";
static const char sql_term_list[] = "SELECT account, map AS map_json"
    " FROM patrol_terminals ORDER BY account";

static const char sql_ci_dup[] =
    "SELECT id FROM patrol_checkins WHERE dedup = ?1";
static const char sql_ci_add[] = "INSERT INTO patrol_checkins (received_ms,"
    " scan_ms, source, kind, account, device, tag, guard_ref, guard_id,"
    " site_id, route_id, checkpoint, unknown_tag, unknown_guard, lat, lon,"
    " event_id, entered_by, dedup, not_allowed) VALUES (?1, ?2, ?3, ?4, ?5,"
    " ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)";
#define CI_COLS "c.id, c.received_ms, c.scan_ms, c.source, c.kind,"	\
    " c.account, c.device, c.tag, c.guard_ref, c.guard_id,"		\
    " (SELECT name FROM guards WHERE id = c.guard_id) AS guard_name,"	\
    " c.site_id, (SELECT name FROM sites WHERE id = c.site_id) AS site_name," \
    " c.route_id, (SELECT name FROM patrol_routes WHERE id = c.route_id)" \
    " AS route, (SELECT version FROM patrol_routes WHERE id = c.route_id)" \
    " AS route_version, c.checkpoint, c.unknown_tag, c.unknown_guard,"	\
    " c.not_allowed,"							\
    " c.lat, c.lon, c.event_id, c.entered_by"
static const char sql_ci_get[] = "SELECT " CI_COLS
    " FROM patrol_checkins c WHERE c.id = ?1";
static const char sql_ci_list[] = "SELECT " CI_COLS
    " FROM patrol_checkins c WHERE (?1 <= 0 OR c.site_id = ?1)"
    " AND (?2 <= 0 OR c.guard_id = ?2) AND (?3 <= 0 OR c.scan_ms >= ?3)"
    " AND (?4 <= 0 OR c.scan_ms < ?4)"
    " AND (?5 = 0 OR c.unknown_tag <> 0 OR c.unknown_guard <> 0"
    " OR c.not_allowed <> 0)"
    " ORDER BY c.scan_ms DESC, c.id DESC LIMIT ?6";
static const char sql_ci_scans[] = "SELECT id, scan_ms, received_ms,"
    " coalesce(guard_id, 0), tag FROM patrol_checkins WHERE site_id = ?1"
    " AND kind = 'scan' AND scan_ms >= ?2 AND scan_ms < ?3 ORDER BY scan_ms";
/* Each guard's newest check-in since ?1 (the newest id of the newest second). */
static const char sql_ci_last[] = "SELECT c.guard_id, g.name, c.site_id,"
    " c.tag, c.scan_ms FROM patrol_checkins c JOIN guards g"
    " ON g.id = c.guard_id WHERE c.scan_ms >= ?1 AND c.id = (SELECT d.id"
    " FROM patrol_checkins d WHERE d.guard_id = c.guard_id"
    " AND d.scan_ms >= ?1 ORDER BY d.scan_ms DESC, d.id DESC LIMIT 1)"
    " ORDER BY g.name";

static const char sql_fd_list[] = "SELECT route, shift_ms, fkey, site_id,"
    " kind, text, guard_id, checkpoint, round, alarm_id, raised_ms,"
    " restored_ms FROM patrol_findings WHERE route = ?1 AND shift_ms = ?2";
static const char sql_fd_put[] = "INSERT INTO patrol_findings (route,"
    " shift_ms, fkey, site_id, kind, text, guard_id, checkpoint, round,"
    " alarm_id, raised_ms, restored_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
    " ?8, ?9, ?10, ?11, ?12) ON CONFLICT (route, shift_ms, fkey) DO UPDATE"
    " SET text = ?6, alarm_id = ?10, raised_ms = ?11, restored_ms = ?12";
static const char sql_fd_report[] = "SELECT f.route, f.shift_ms, f.fkey,"
    " f.site_id, f.kind, f.text, f.guard_id, f.checkpoint, f.round,"
    " f.alarm_id, f.raised_ms, f.restored_ms FROM patrol_findings f"
    " WHERE (?1 <= 0 OR f.site_id = ?1) AND (?2 <= 0 OR f.guard_id = ?2)"
    " AND (?3 <= 0 OR f.shift_ms >= ?3) AND (?4 <= 0 OR f.shift_ms < ?4)"
    " ORDER BY f.shift_ms, f.route, f.fkey LIMIT ?5";

static const char sql_obs_add[] = "INSERT INTO patrol_observations (site_id,"
    " checkpoint, guard_id, at_ms, deviation, adversary, talk, verdict,"
    " recorded_by, created_ms) VALUES (?1, coalesce(?2, ''), ?3, ?4, ?5,"
    " coalesce(?6, 0), coalesce(?7, ''), ?8, ?9, ?10)";
static const char sql_obs_alarm[] =
    "UPDATE patrol_observations SET alarm_id = ?2 WHERE id = ?1";
#define OBS_COLS "o.id, o.site_id, (SELECT name FROM sites"		\
    " WHERE id = o.site_id) AS site_name, o.checkpoint, o.guard_id,"	\
    " (SELECT name FROM guards WHERE id = o.guard_id) AS guard_name,"	\
    " o.at_ms, o.deviation, o.adversary, o.talk, o.verdict, o.alarm_id,"	\
    " o.recorded_by, o.created_ms"
static const char sql_obs_get[] = "SELECT " OBS_COLS
    " FROM patrol_observations o WHERE o.id = ?1";
static const char sql_obs_list[] = "SELECT " OBS_COLS
    " FROM patrol_observations o WHERE (?1 <= 0 OR o.site_id = ?1)"
    " AND (?2 <= 0 OR o.guard_id = ?2) AND (?3 <= 0 OR o.at_ms >= ?3)"
    " AND (?4 <= 0 OR o.at_ms < ?4) ORDER BY o.at_ms DESC, o.id DESC"
    " LIMIT ?5";

/* The connection for a view. */
static enum store_conn
sp_conn(enum store_patrol_view v)
{
	return v == STORE_PATROL_BATCH ? STORE_WRITER : STORE_READER;
}

/* The statement for sql with params (a JSON array, stolen) bound; NULL on error. */
static struct db_stmt *
sp_prep(struct store *s, enum store_conn conn, const char *sql, json_t *params)
{
	struct db_stmt	*st = store_stmt(s, conn, sql);
	size_t		 i;

	if (st != NULL)
		for (i = 0; i < json_array_size(params); i++)
			store_bind_json(st, (int)i + 1, json_array_get(params, i));
	json_decref(params);
	return st;
}

/* Run a writer statement with params (stolen): 0 or -1. */
static int
sp_exec(struct store *s, const char *sql, json_t *params)
{
	struct db_stmt	*st = sp_prep(s, STORE_WRITER, sql, params);

	return st == NULL ? -1 : store_step_done(s, st);
}

/* Every row of a query with params (stolen); NULL on error. */
static json_t *
sp_rows(struct store *s, enum store_conn conn, const char *sql, json_t *params)
{
	struct db_stmt	*st = sp_prep(s, conn, sql, params);

	return st == NULL ? NULL : store_rows_json(s, conn, st);
}

/* The first row, json_null() none, NULL error. */
static json_t *
sp_row1(struct store *s, enum store_conn conn, const char *sql, json_t *params)
{
	struct db_stmt	*st = sp_prep(s, conn, sql, params);

	return st == NULL ? NULL : store_row1_json(s, conn, st);
}

/* Column 0 of the first row as an integer: 1 found, 0 none, -1 error. */
static int
sp_int(struct store *s, enum store_conn conn, const char *sql, json_t *params,
    int64_t *out)
{
	struct db_stmt	*st = sp_prep(s, conn, sql, params);
	int		 rc;

	if (st == NULL)
		return -1;
	rc = db_step(st);
	if (rc == DB_ROW)
		*out = db_column_int64(st, 0);
	db_reset(st);
	db_clear_bindings(st);
	if (rc == DB_ROW)
		return 1;
	return rc == DB_DONE ? 0 : store_fail(s, conn);
}

/* A member of o, NULL when absent (binds as SQL NULL). */
static json_t *
sp_get(const json_t *o, const char *k)
{
	return json_object_get(o, k);
}

/* Insert a guard. */
int64_t
store_patrol_guard_add(struct store *s, const json_t *f, int64_t now)
{
	if (sp_exec(s, sql_guard_add, json_pack("[O,O?,O?,I]",
	    sp_get(f, "name"), sp_get(f, "phone"), sp_get(f, "active"),
	    (json_int_t)now)) != 0)
		return -1;
	return store_last_id(s);
}

/* Update a guard's given fields. */
int
store_patrol_guard_update(struct store *s, int64_t id, const json_t *f,
    int64_t now)
{
	if (sp_exec(s, sql_guard_update, json_pack("[O?,O?,O?,I,I]",
	    sp_get(f, "name"), sp_get(f, "phone"), sp_get(f, "active"),
	    (json_int_t)now, (json_int_t)id)) != 0)
		return -1;
	return store_changes(s) == 0 ? 1 : 0;
}

/* Remove a guard (identifiers and sites go with it). */
int
store_patrol_guard_remove(struct store *s, int64_t id)
{
	if (sp_exec(s, sql_guard_remove, json_pack("[I]", (json_int_t)id)) != 0)
		return -1;
	return store_changes(s) == 0 ? 1 : 0;
}

/* Replace the guard's identifiers of one kind. */
int
store_patrol_guard_ids(struct store *s, int64_t id, const char *kind,
    const json_t *ids, char **taken)
{
	const json_t	*v;
	int64_t		 owner;
	size_t		 i;
	int		 rc;

	*taken = NULL;
	json_array_foreach(ids, i, v) {
		rc = sp_int(s, STORE_WRITER, sql_guard_id_owner, json_pack("[O,I]",
		    v, (json_int_t)id), &owner);
		if (rc < 0)
			return -1;
		if (rc == 1) {
			*taken = xstrdup(json_string_value(v));
			return 1;
		}
	}
	if (sp_exec(s, sql_guard_ids_del, json_pack("[I,s]", (json_int_t)id,
	    kind)) != 0)
		return -1;
	json_array_foreach(ids, i, v)
		if (sp_exec(s, sql_guard_id_add, json_pack("[O,I,s]", v,
		    (json_int_t)id, kind)) != 0)
			return -1;
	return 0;
}

/* Replace the guard's sites. */
int
store_patrol_guard_sites(struct store *s, int64_t id, const json_t *sites,
    int64_t *bad)
{
	const json_t	*v;
	size_t		 i;

	if (sp_exec(s, sql_guard_sites_del, json_pack("[I]",
	    (json_int_t)id)) != 0)
		return -1;
	json_array_foreach(sites, i, v) {
		if (sp_exec(s, sql_guard_site_add, json_pack("[I,O]",
		    (json_int_t)id, v)) != 0)
			return -1;
		if (store_changes(s) == 0 && !json_is_null(v)) {
			/* Listed twice is fine; a missing site is not. */
			int64_t	 x;
			int	 rc = sp_int(s, STORE_WRITER, "SELECT 1 FROM sites"
			    " WHERE id = ?1", json_pack("[O]", v), &x);

			if (rc < 0)
				return -1;
			if (rc == 0) {
				*bad = json_integer_value(v);
				return 1;
			}
		}
	}
	return 0;
}

/* One guard. */
json_t *
store_patrol_guard_get(struct store *s, enum store_patrol_view v, int64_t id)
{
	return sp_row1(s, sp_conn(v), sql_guard_get, json_pack("[I]",
	    (json_int_t)id));
}

/* Every guard (of a site). */
json_t *
store_patrol_guard_list(struct store *s, int64_t site)
{
	return sp_rows(s, STORE_READER, sql_guard_list, json_pack("[I]",
	    (json_int_t)site));
}

/* The guard holding an identifier. */
int64_t
store_patrol_guard_find(struct store *s, const char *ident)
{
	int64_t	id = 0;
	int	rc;

	rc = sp_int(s, STORE_WRITER, sql_guard_find, json_pack("[s]", ident), &id);
	return rc < 0 ? -1 : rc == 0 ? 0 : id;
}

/* A guard's name, state and whether he may patrol site. */
json_t *
store_patrol_guard_brief(struct store *s, int64_t id, int64_t site)
{
	return sp_row1(s, STORE_WRITER, sql_guard_brief, json_pack("[I,I]",
	    (json_int_t)id, (json_int_t)site));
}

/* Add or rename a holiday. */
int
store_patrol_holiday_put(struct store *s, const char *date, const char *name)
{
	return sp_exec(s, sql_hol_put, json_pack("[s,s?]", date, name));
}

/* Remove a holiday. */
int
store_patrol_holiday_remove(struct store *s, const char *date)
{
	if (sp_exec(s, sql_hol_remove, json_pack("[s]", date)) != 0)
		return -1;
	return store_changes(s) == 0 ? 1 : 0;
}

/* The calendar. */
json_t *
store_patrol_holidays(struct store *s, enum store_patrol_view v)
{
	return sp_rows(s, sp_conn(v), sql_hol_list, json_array());
}

/* Store the next version of a route. */
int
store_patrol_route_put(struct store *s, const char *name, int64_t site,
    const char *doc, const char *by, int64_t now, int64_t *id, int *version,
    int64_t *other_site)
{
	int64_t	latest = 0;
	int	rc;

	rc = sp_int(s, STORE_WRITER, sql_route_other, json_pack("[s,I]", name,
	    (json_int_t)site), other_site);
	if (rc != 0)
		return rc;
	if (sp_int(s, STORE_WRITER, sql_route_latest, json_pack("[s]", name),
	    &latest) < 0)
		return -1;
	if (sp_exec(s, sql_route_uncurrent, json_pack("[s,I]", name,
	    (json_int_t)now)) != 0)
		return -1;
	*version = (int)latest + 1;
	if (sp_exec(s, sql_route_insert, json_pack("[s,i,I,s,s,I]", name,
	    *version, (json_int_t)site, doc, by, (json_int_t)now)) != 0)
		return -1;
	*id = store_last_id(s);
	return 0;
}

/* Retire the current version of a route. */
int
store_patrol_route_retire(struct store *s, const char *name, int64_t now,
    int64_t *id)
{
	int	rc;

	rc = sp_int(s, STORE_WRITER, sql_route_cur_id, json_pack("[s]", name),
	    id);
	if (rc <= 0)
		return rc < 0 ? -1 : 1;
	return sp_exec(s, sql_route_uncurrent, json_pack("[s,I]", name,
	    (json_int_t)now));
}

/* A route version by name (0: current, else latest). */
json_t *
store_patrol_route_get(struct store *s, enum store_patrol_view v,
    const char *name, int version)
{
	return sp_row1(s, sp_conn(v), sql_route_get, json_pack("[s,i]", name,
	    version));
}

/* A route version by row id. */
json_t *
store_patrol_route_by_id(struct store *s, enum store_patrol_view v, int64_t id)
{
	return sp_row1(s, sp_conn(v), sql_route_by_id, json_pack("[I]",
	    (json_int_t)id));
}

/* The routes of a site or of every site. */
json_t *
store_patrol_route_list(struct store *s, int64_t site, int all_versions)
{
	return sp_rows(s, STORE_READER, sql_route_list, json_pack("[I,b]",
	    (json_int_t)site, all_versions));
}

/* The routes in force, with their site's zone. */
json_t *
store_patrol_route_current(struct store *s)
{
	return sp_rows(s, STORE_WRITER, sql_route_current, json_array());
}

/* The versions of routes in force at some time in [from, to). */
json_t *
store_patrol_route_versions(struct store *s, int64_t site, const char *name,
    int64_t from, int64_t to)
{
	return sp_rows(s, STORE_READER, sql_route_versions, json_pack("[I,s?,I,I]",
	    (json_int_t)site, name, (json_int_t)from, (json_int_t)to));
}

/* Mark an account a patrol terminal with its mapping. */
int
store_patrol_terminal_set(struct store *s, const char *account, const char *map)
{
	return sp_exec(s, sql_term_set, json_pack("[s,s]", account, map));
}

/* An account is no longer a patrol terminal. */
int
store_patrol_terminal_remove(struct store *s, const char *account)
{
	if (sp_exec(s, sql_term_remove, json_pack("[s]", account)) != 0)
		return -1;
	return store_changes(s) == 0 ? 1 : 0;
}

/* Every patrol terminal. */
json_t *
store_patrol_terminals(struct store *s, enum store_patrol_view v)
{
	return sp_rows(s, sp_conn(v), sql_term_list, json_array());
}

/* Bind an id, NULL for none. */
static int
sp_bind_id(struct db_stmt *st, int idx, int64_t v)
{
	return v > 0 ? db_bind_int64(st, idx, v) : db_bind_null(st, idx);
}

/* Store a check-in unless the same scan is already there. */
int64_t
store_patrol_checkin_add(struct store *s, const struct store_patrol_checkin *c,
    int64_t *dup)
{
	struct db_stmt	*st;
	int		 rc;

	rc = sp_int(s, STORE_WRITER, sql_ci_dup, json_pack("[s]", c->dedup), dup);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if ((st = store_stmt(s, STORE_WRITER, sql_ci_add)) == NULL)
		return -1;
	db_bind_int64(st, 1, c->received_ms);
	db_bind_int64(st, 2, c->scan_ms);
	store_bind_str(st, 3, c->source);
	store_bind_str(st, 4, c->kind);
	store_bind_str(st, 5, c->account);
	store_bind_str(st, 6, c->device);
	store_bind_str(st, 7, c->tag);
	store_bind_str(st, 8, c->guard_ref);
	sp_bind_id(st, 9, c->guard_id);
	sp_bind_id(st, 10, c->site_id);
	sp_bind_id(st, 11, c->route_id);
	if (c->checkpoint >= 0)
		db_bind_int(st, 12, c->checkpoint);
	db_bind_int(st, 13, c->unknown_tag);
	db_bind_int(st, 14, c->unknown_guard);
	if (c->has_pos) {
		db_bind_double(st, 15, c->lat);
		db_bind_double(st, 16, c->lon);
	}
	sp_bind_id(st, 17, c->event_id);
	store_bind_str(st, 18, c->entered_by != NULL ? c->entered_by : "");
	store_bind_str(st, 19, c->dedup);
	db_bind_int(st, 20, c->not_allowed);
	if (store_step_done(s, st) != 0)
		return -1;
	return store_last_id(s);
}

/* One check-in (batch). */
json_t *
store_patrol_checkin_get(struct store *s, int64_t id)
{
	return sp_row1(s, STORE_WRITER, sql_ci_get, json_pack("[I]",
	    (json_int_t)id));
}

/* The scans of a site in a time range. */
int
store_patrol_scans(struct store *s, enum store_patrol_view v, int64_t site,
    int64_t from, int64_t to,
    int (*cb)(const struct store_patrol_scan *, void *), void *arg)
{
	struct store_patrol_scan	 sc;
	struct db_stmt			*st;
	int				 rc;

	st = sp_prep(s, sp_conn(v), sql_ci_scans, json_pack("[I,I,I]",
	    (json_int_t)site, (json_int_t)from, (json_int_t)to));
	if (st == NULL)
		return -1;
	while ((rc = db_step(st)) == DB_ROW) {
		sc.id = db_column_int64(st, 0);
		sc.scan_ms = db_column_int64(st, 1);
		sc.received_ms = db_column_int64(st, 2);
		sc.guard_id = db_column_int64(st, 3);
		sc.tag = db_column_text(st, 4);
		if (sc.tag == NULL)
			sc.tag = "";
		if (cb(&sc, arg) != 0)
			break;
	}
	db_reset(st);
	db_clear_bindings(st);
	return rc == DB_ROW || rc == DB_DONE ? 0 :
	    store_fail(s, sp_conn(v));
}

/* The filter's common parameters: site, guard, since, until. */
static json_t *
sp_filter(const struct store_patrol_filter *f)
{
	return json_pack("[I,I,I,I]", (json_int_t)f->site, (json_int_t)f->guard,
	    (json_int_t)f->since_ms, (json_int_t)f->until_ms);
}

/* Check-ins, newest first. */
json_t *
store_patrol_checkin_list(struct store *s, const struct store_patrol_filter *f)
{
	json_t	*p = sp_filter(f);

	json_array_append_new(p, json_integer(f->flagged));
	json_array_append_new(p, json_integer(f->limit));
	return sp_rows(s, STORE_READER, sql_ci_list, p);
}

/* The last scan of each guard since a time. */
json_t *
store_patrol_last_scans(struct store *s, int64_t since_ms)
{
	return sp_rows(s, STORE_READER, sql_ci_last, json_pack("[I]",
	    (json_int_t)since_ms));
}

/* The findings of one shift (batch). */
json_t *
store_patrol_findings(struct store *s, const char *route, int64_t shift_ms)
{
	return sp_rows(s, STORE_WRITER, sql_fd_list, json_pack("[s,I]", route,
	    (json_int_t)shift_ms));
}

/* Insert or update a finding row. */
int
store_patrol_finding_put(struct store *s, const json_t *r)
{
	static const char *const cols[] = { "route", "shift_ms", "fkey",
	    "site_id", "kind", "text", "guard_id", "checkpoint", "round",
	    "alarm_id", "raised_ms", "restored_ms", NULL };
	json_t	*p = json_array();
	size_t	 i;

	for (i = 0; cols[i] != NULL; i++) {
		json_t	*v = json_object_get(r, cols[i]);

		json_array_append(p, v != NULL ? v : json_null());
	}
	return sp_exec(s, sql_fd_put, p);
}

/* Findings for reports. */
json_t *
store_patrol_finding_list(struct store *s, const struct store_patrol_filter *f)
{
	json_t	*p = sp_filter(f);

	json_array_append_new(p, json_integer(f->limit));
	return sp_rows(s, STORE_READER, sql_fd_report, p);
}

/* Record an observation. */
int64_t
store_patrol_observation_add(struct store *s, const json_t *r, int64_t now)
{
	if (sp_exec(s, sql_obs_add, json_pack("[O,O?,O?,O,O,O?,O?,O,O,I]",
	    sp_get(r, "site_id"), sp_get(r, "checkpoint"), sp_get(r, "guard_id"),
	    sp_get(r, "at_ms"), sp_get(r, "deviation"), sp_get(r, "adversary"),
	    sp_get(r, "talk"), sp_get(r, "verdict"), sp_get(r, "recorded_by"),
	    (json_int_t)now)) != 0)
		return -1;
	return store_last_id(s);
}

/* Link an observation to the alarm it raised. */
int
store_patrol_observation_alarm(struct store *s, int64_t id, int64_t alarm_id)
{
	return sp_exec(s, sql_obs_alarm, json_pack("[I,I]", (json_int_t)id,
	    (json_int_t)alarm_id));
}

/* One observation. */
json_t *
store_patrol_observation_get(struct store *s, enum store_patrol_view v,
    int64_t id)
{
	return sp_row1(s, sp_conn(v), sql_obs_get, json_pack("[I]",
	    (json_int_t)id));
}

/* Observations, newest first. */
json_t *
store_patrol_observation_list(struct store *s,
    const struct store_patrol_filter *f)
{
	json_t	*p = sp_filter(f);

	json_array_append_new(p, json_integer(f->limit));
	return sp_rows(s, STORE_READER, sql_obs_list, p);
}
