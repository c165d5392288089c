/* store_protocol.c - handling protocols in SQLite: versions, their steps, and selection. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include "db.h"

#include "handling.h"
#include "store.h"
#include "store_int.h"

/*
 * The most specific current protocol for (site, class): site and class,
 * site, then a band of the site's current risk assessment (risk.h) and
 * class, that band, then centre-wide and class, centre-wide; ranked.  A
 * NULL site or class matches only the centre-wide / every-class rows.
 */
static const char sql_prot_select[] = "WITH b(band) AS ("
    " SELECT 'matrix:' || json_extract(result, '$.bands.matrix')"
    "  FROM risk_assessments WHERE site_id = ?1 AND current = 1"
    " UNION ALL SELECT 'pnh:' || json_extract(result, '$.bands.pnh')"
    "  FROM risk_assessments WHERE site_id = ?1 AND current = 1"
    " UNION ALL SELECT 'points:' || json_extract(result, '$.bands.points')"
    "  FROM risk_assessments WHERE site_id = ?1 AND current = 1)"
    " SELECT id FROM ("
    " SELECT id, 1 AS r FROM protocols"
    "  WHERE current = 1 AND site_id = ?1 AND class = ?2"
    " UNION ALL SELECT id, 2 FROM protocols"
    "  WHERE current = 1 AND site_id = ?1 AND class IS NULL"
    " UNION ALL SELECT id, 3 FROM protocols"
    "  WHERE current = 1 AND site_id IS NULL AND class = ?2"
    "  AND band IN (SELECT band FROM b)"
    " UNION ALL SELECT id, 4 FROM protocols"
    "  WHERE current = 1 AND site_id IS NULL AND class IS NULL"
    "  AND band IN (SELECT band FROM b)"
    " UNION ALL SELECT id, 5 FROM protocols"
    "  WHERE current = 1 AND site_id IS NULL AND class = ?2 AND band IS NULL"
    " UNION ALL SELECT id, 6 FROM protocols"
    "  WHERE current = 1 AND site_id IS NULL AND class IS NULL"
    "  AND band IS NULL"
    ") ranked ORDER BY r, id DESC LIMIT 1";

static const char sql_prot_steps[] = "SELECT position, action, target, text,"
    " deadline_s FROM protocol_steps WHERE protocol_id = ?1 ORDER BY position";

static const char sql_prot_brief[] = "SELECT id, name, version, current,"
    " site_id, class, approved_by, approved_ms FROM protocols WHERE id = ?1";

static const char sql_prot_latest[] = "SELECT coalesce(max(version), 0)"
    " FROM protocols WHERE name = ?1";

static const char sql_prot_conflict[] = "SELECT name FROM protocols"
    " WHERE current = 1 AND site_id IS ?1 AND class IS ?2 AND name <> ?3"
    " AND band IS ?4 LIMIT 1";

static const char sql_prot_uncurrent[] = "UPDATE protocols SET current = 0"
    " WHERE name = ?1 AND current = 1";

static const char sql_prot_insert[] = "INSERT INTO protocols (name, version,"
    " current, site_id, class, approved_by, approved_ms, created_by,"
    " created_ms, band) VALUES (?1, ?2, 1, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

static const char sql_step_insert[] = "INSERT INTO protocol_steps"
    " (protocol_id, position, action, target, text, deadline_s)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

static const char sql_prot_current[] = "SELECT id, version FROM protocols"
    " WHERE name = ?1 AND current = 1";

static const char sql_prot_retire[] = "UPDATE protocols SET current = 0"
    " WHERE id = ?1";

#define PROT_COLS "id, name, version, current, site_id, class, band, approved_by," \
    " approved_ms, created_by, created_ms, (SELECT max(q.version)"	\
    " FROM protocols q WHERE q.name = p.name) AS latest"

/* Version ?2, or (?2 = 0) the current one, else the latest. */
static const char sql_prot_get[] = "SELECT " PROT_COLS " FROM protocols p"
    " WHERE name = ?1 AND (?2 = 0 OR version = ?2)"
    " ORDER BY current DESC, version DESC LIMIT 1";

static const char sql_prot_by_id[] = "SELECT " PROT_COLS " FROM protocols p"
    " WHERE id = ?1";

static const char sql_prot_list[] = "SELECT " PROT_COLS ", (SELECT count(*)"
    " FROM protocol_steps s WHERE s.protocol_id = p.id) AS nsteps"
    " FROM protocols p"
    " WHERE (?1 < 0 OR (?1 = 0 AND site_id IS NULL) OR site_id = ?1)"
    " AND (?2 <> 0 OR current = 1)"
    " ORDER BY site_id IS NOT NULL, site_id, class IS NOT NULL, class, name,"
    " version";

/*
 * The sites a current protocol reaches: its own site; for a shared one, every
 * site (of its band) where no protocol ranked above it covers every class
 * (or its class): the site's own, or for a centre-wide one a band protocol
 * of the site's bands.  sb holds the bands of each site's current
 * assessment, as sql_prot_select reads them.
 */
#define PROT_REACH "WITH sb(sid, band) AS ("				\
    " SELECT site_id, 'matrix:' || json_extract(result, '$.bands.matrix')" \
    "  FROM risk_assessments WHERE current = 1"			\
    " UNION ALL SELECT site_id, 'pnh:' || json_extract(result,"		\
    "  '$.bands.pnh') FROM risk_assessments WHERE current = 1"		\
    " UNION ALL SELECT site_id, 'points:' || json_extract(result,"	\
    "  '$.bands.points') FROM risk_assessments WHERE current = 1),"	\
    " reach(pid, sid) AS ("						\
    " SELECT p.id, p.site_id FROM protocols p WHERE p.current = 1"	\
    "  AND p.site_id IS NOT NULL AND (?1 = 0 OR p.id = ?1)"		\
    "  AND (?2 = 0 OR p.site_id = ?2)"					\
    " UNION ALL SELECT p.id, s.id FROM protocols p CROSS JOIN sites s"	\
    "  WHERE p.current = 1 AND p.site_id IS NULL"			\
    "  AND (?1 = 0 OR p.id = ?1) AND (?2 = 0 OR s.id = ?2)"		\
    "  AND (p.band IS NULL OR p.band IN"				\
    "   (SELECT band FROM sb WHERE sid = s.id))"			\
    "  AND NOT EXISTS (SELECT 1 FROM protocols o WHERE o.current = 1"	\
    "   AND (o.site_id = s.id OR (p.band IS NULL AND o.site_id IS NULL"	\
    "   AND o.band IN (SELECT band FROM sb WHERE sid = s.id)))"		\
    "   AND (o.class IS NULL OR (p.class IS NOT NULL"			\
    "   AND o.class = p.class))))"

/* Call steps naming a contact position beyond a reached site's call list. */
static const char sql_prot_gaps[] = PROT_REACH
    " SELECT p.name AS protocol, p.version, p.site_id IS NULL AS shared,"
    " st.position AS step, CAST(st.target AS INTEGER) AS contact,"
    " s.id AS site, s.name AS site_name, (SELECT count(*) FROM contacts c"
    " WHERE c.site_id = s.id) AS contacts"
    " FROM reach r JOIN protocols p ON p.id = r.pid"
    " JOIN protocol_steps st ON st.protocol_id = p.id"
    " JOIN sites s ON s.id = r.sid"
    " WHERE st.action = 'call' AND length(st.target) BETWEEN 1 AND 3"
    " AND ltrim(st.target, '0123456789') = ''"
    /* The CASE: PostgreSQL may cast before it tests the digits. */
    " AND CASE WHEN length(st.target) BETWEEN 1 AND 3 AND"
    " ltrim(st.target, '0123456789') = '' THEN CAST(st.target AS INTEGER)"
    " ELSE 0 END > (SELECT count(*) FROM contacts c WHERE c.site_id = s.id)"
    " ORDER BY p.site_id IS NULL, p.name, s.id, st.position LIMIT ?3";

/* The connection for a committed flag. */
static enum store_conn
prot_conn(int committed)
{
	return committed ? STORE_READER : STORE_WRITER;
}

/* Bind a site id, NULL for none (<= 0). */
static int
prot_bind_site(struct db_stmt *st, int idx, int64_t site_id)
{
	return site_id > 0 ? db_bind_int64(st, idx, site_id) :
	    db_bind_null(st, idx);
}

/* The selection query on conn. */
static int64_t
prot_select(struct store *s, enum store_conn conn, int64_t site_id,
    const char *cls)
{
	struct db_stmt	*st = store_stmt(s, conn, sql_prot_select);
	int64_t		 id = 0;
	int		 rc;

	if (st == NULL)
		return -1;
	rc = prot_bind_site(st, 1, site_id);
	rc |= store_bind_str(st, 2, cls);
	if (rc != DB_OK)
		return store_fail(s, conn);
	return store_step_int64(s, conn, st, &id) < 0 ? -1 : id;
}

/* The protocol version in force for class at site: its id, 0 none, -1. */
int64_t
store_protocol_select(struct store *s, int64_t site_id, const char *cls)
{
	return prot_select(s, store_cfg_conn(s), site_id, cls);
}

/* The same choice on committed data. */
int64_t
store_protocol_match(struct store *s, int64_t site_id, const char *cls)
{
	return prot_select(s, STORE_READER, site_id, cls);
}

/* The steps of a version on conn, in order. */
static json_t *
prot_steps(struct store *s, enum store_conn conn, int64_t id)
{
	struct db_stmt	*st = store_stmt(s, conn, sql_prot_steps);

	if (st == NULL)
		return NULL;
	if (db_bind_int64(st, 1, id) != DB_OK) {
		store_fail(s, conn);
		return NULL;
	}
	return store_rows_json(s, conn, st);
}

/* The steps of a version (writer: sees the batch). */
json_t *
store_protocol_steps(struct store *s, int64_t protocol_id)
{
	return prot_steps(s, store_cfg_conn(s), protocol_id);
}

/* A version's identity and approval (committed data). */
json_t *
store_protocol_brief(struct store *s, int64_t protocol_id)
{
	struct db_stmt	*st = store_stmt(s, STORE_READER, sql_prot_brief);
	json_t		*o;

	if (st == NULL)
		return NULL;
	if (db_bind_int64(st, 1, protocol_id) != DB_OK) {
		store_fail(s, STORE_READER);
		return NULL;
	}
	if ((o = store_row1_json(s, STORE_READER, st)) != NULL &&
	    json_is_object(o))
		json_object_set_new(o, "current", json_boolean(
		    json_integer_value(json_object_get(o, "current"))));
	return o;
}

/* Another name current for the same site, class and band: 1 (name in other), 0, -1. */
static int
prot_conflict(struct store *s, const char *name, int64_t site_id,
    const char *cls, const char *band, char *other, size_t othersz)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql_prot_conflict);
	int		 rc;

	if (st == NULL)
		return -1;
	rc = prot_bind_site(st, 1, site_id);
	rc |= store_bind_str(st, 2, cls);
	rc |= store_bind_str(st, 3, name);
	rc |= store_bind_str(st, 4, band);
	if (rc != DB_OK)
		return store_fail(s, STORE_WRITER);
	rc = db_step(st);
	if (rc == DB_ROW)
		snprintf(other, othersz, "%s", db_column_text(st, 0));
	else if (rc != DB_DONE)
		store_fail(s, STORE_WRITER);
	db_reset(st);
	db_clear_bindings(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

/* The latest version of name in *latest (0 none); end its current one.  0 or -1. */
static int
prot_supersede(struct store *s, const char *name, int64_t *latest)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql_prot_latest);

	if (st == NULL || store_bind_str(st, 1, name) != DB_OK)
		return st == NULL ? -1 : store_fail(s, STORE_WRITER);
	if (store_step_int64(s, STORE_WRITER, st, latest) < 0)
		return -1;
	if ((st = store_stmt(s, STORE_WRITER, sql_prot_uncurrent)) == NULL)
		return -1;
	if (store_bind_str(st, 1, name) != DB_OK)
		return store_fail(s, STORE_WRITER);
	return store_step_done(s, st);
}

/* Insert the protocol row of doc as version; its id or -1. */
static int64_t
prot_insert(struct store *s, const json_t *doc, int version,
    const char *created_by, int64_t created_ms)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql_prot_insert);
	const json_t	*at = json_object_get(doc, "approved_at");
	int		 rc;

	if (st == NULL)
		return -1;
	rc = store_bind_json(st, 1, json_object_get(doc, "name"));
	rc |= db_bind_int(st, 2, version);
	rc |= prot_bind_site(st, 3, json_integer_value(json_object_get(doc,
	    "site")));
	rc |= store_bind_json(st, 4, json_object_get(doc, "class"));
	rc |= store_bind_json(st, 5, json_object_get(doc, "approved_by"));
	rc |= db_bind_int64(st, 6, json_is_integer(at) ?
	    json_integer_value(at) : created_ms);
	rc |= store_bind_str(st, 7, created_by);
	rc |= db_bind_int64(st, 8, created_ms);
	rc |= store_bind_json(st, 9, json_object_get(doc, "band"));
	if (rc != DB_OK)
		return store_fail(s, STORE_WRITER);
	if (store_step_done(s, st) != 0)
		return -1;
	return store_last_id(s);
}

/* Insert step i (position i + 1) of a version. */
static int
prot_step_insert(struct store *s, int64_t id, size_t i, const json_t *step)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql_step_insert);
	const json_t	*text = json_object_get(step, "text");
	char		 target[HANDLING_TARGET_MAX + 1];
	int		 rc;

	if (st == NULL)
		return -1;
	handling_target_text(step, target, sizeof target);
	rc = db_bind_int64(st, 1, id);
	rc |= db_bind_int(st, 2, (int)i + 1);
	rc |= store_bind_json(st, 3, json_object_get(step, "action"));
	rc |= store_bind_str(st, 4, target);
	rc |= store_bind_str(st, 5, json_is_string(text) ?
	    json_string_value(text) : "");
	rc |= db_bind_int64(st, 6, json_integer_value(json_object_get(step,
	    "deadline")));
	if (rc != DB_OK)
		return store_fail(s, STORE_WRITER);
	return store_step_done(s, st);
}

/* Store a validated document as the next version of its name. */
int
store_protocol_put(struct store *s, const json_t *doc, const char *created_by,
    int64_t created_ms, int64_t *id, int *version, char *other, size_t othersz)
{
	const char	*name = json_string_value(json_object_get(doc, "name"));
	const json_t	*steps = json_object_get(doc, "steps"), *step;
	int64_t		 latest = 0;
	size_t		 i;
	int		 rc;

	rc = prot_conflict(s, name, json_integer_value(json_object_get(doc,
	    "site")), json_string_value(json_object_get(doc, "class")),
	    json_string_value(json_object_get(doc, "band")), other, othersz);
	if (rc != 0)
		return rc;
	if (prot_supersede(s, name, &latest) != 0)
		return -1;
	*version = (int)latest + 1;
	if ((*id = prot_insert(s, doc, *version, created_by, created_ms)) < 0)
		return -1;
	json_array_foreach(steps, i, step)
		if (prot_step_insert(s, *id, i, step) != 0)
			return -1;
	return 0;
}

/* End the current version of name. */
int
store_protocol_retire(struct store *s, const char *name, int64_t *id,
    int *version)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql_prot_current);
	int		 rc;

	if (st == NULL)
		return -1;
	if (store_bind_str(st, 1, name) != DB_OK)
		return store_fail(s, STORE_WRITER);
	if ((rc = db_step(st)) == DB_ROW) {
		*id = db_column_int64(st, 0);
		*version = db_column_int(st, 1);
	} else if (rc != DB_DONE)
		store_fail(s, STORE_WRITER);
	db_reset(st);
	db_clear_bindings(st);
	if (rc != DB_ROW)
		return rc == DB_DONE ? 1 : -1;
	if ((st = store_stmt(s, STORE_WRITER, sql_prot_retire)) == NULL)
		return -1;
	if (db_bind_int64(st, 1, *id) != DB_OK)
		return store_fail(s, STORE_WRITER);
	return store_step_done(s, st);
}

/* Turn current into a boolean and add the steps to a fetched row. */
static json_t *
prot_complete(struct store *s, enum store_conn conn, json_t *row)
{
	json_t	*steps;

	if (row == NULL || !json_is_object(row))
		return row;
	json_object_set_new(row, "current", json_boolean(json_integer_value(
	    json_object_get(row, "current"))));
	if ((steps = prot_steps(s, conn, json_integer_value(json_object_get(row,
	    "id")))) == NULL) {
		json_decref(row);
		return NULL;
	}
	json_object_set_new(row, "steps", steps);
	return row;
}

/* A version of name (0: current, else latest) with its steps. */
json_t *
store_protocol_get(struct store *s, int committed, const char *name,
    int version)
{
	enum store_conn	 conn = prot_conn(committed);
	struct db_stmt	*st = store_stmt(s, conn, sql_prot_get);
	int		 rc;

	if (st == NULL)
		return NULL;
	rc = store_bind_str(st, 1, name);
	rc |= db_bind_int(st, 2, version);
	if (rc != DB_OK) {
		store_fail(s, conn);
		return NULL;
	}
	return prot_complete(s, conn, store_row1_json(s, conn, st));
}

/* A version by id with its steps. */
json_t *
store_protocol_by_id(struct store *s, int committed, int64_t id)
{
	enum store_conn	 conn = prot_conn(committed);
	struct db_stmt	*st = store_stmt(s, conn, sql_prot_by_id);

	if (st == NULL)
		return NULL;
	if (db_bind_int64(st, 1, id) != DB_OK) {
		store_fail(s, conn);
		return NULL;
	}
	return prot_complete(s, conn, store_row1_json(s, conn, st));
}

/* Protocols on committed data, centre-wide first. */
json_t *
store_protocol_list(struct store *s, int64_t site, int all_versions)
{
	struct db_stmt	*st = store_stmt(s, STORE_READER, sql_prot_list);
	json_t		*rows, *row;
	size_t		 i;
	int		 rc;

	if (st == NULL)
		return NULL;
	rc = db_bind_int64(st, 1, site);
	rc |= db_bind_int(st, 2, all_versions != 0);
	if (rc != DB_OK) {
		store_fail(s, STORE_READER);
		return NULL;
	}
	if ((rows = store_rows_json(s, STORE_READER, st)) == NULL)
		return NULL;
	json_array_foreach(rows, i, row)
		json_object_set_new(row, "current", json_boolean(
		    json_integer_value(json_object_get(row, "current"))));
	return rows;
}

/* Call steps of current protocols naming a contact a site they reach lacks (batch). */
json_t *
store_protocol_gaps(struct store *s, int64_t protocol_id, int64_t site_id,
    int limit)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql_prot_gaps);
	int		 rc;

	if (st == NULL)
		return NULL;
	rc = db_bind_int64(st, 1, protocol_id);
	rc |= db_bind_int64(st, 2, site_id);
	rc |= db_bind_int(st, 3, limit);
	if (rc != DB_OK) {
		store_fail(s, STORE_WRITER);
		return NULL;
	}
	return store_rows_json(s, STORE_WRITER, st);
}
