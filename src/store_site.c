/* store_site.c - sites, their zones, contacts (call list) and response units in SQLite. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include "db.h"

#include "clock.h"
#include "site.h"
#include "store.h"
#include "store_int.h"

/* The API names of the fields, in the order the statements bind them. */
static const char *const site_cols[] = { "name", "address", "timezone",
    "notes", "instructions", "code_word", "priority_boost", NULL };
static const char *const contact_cols[] = { "name", "phone", "role",
    "keyholder", NULL };
static const char *const unit_cols[] = { "kind", "name", "phone",
    "response_time", NULL };

static const char sql_site_find[] = "SELECT id FROM sites WHERE name = ?1";
static const char sql_site_add[] = "INSERT INTO sites (name, address,"
    " timezone, notes, instructions, code_word, priority_boost, created_ms,"
    " updated_ms) VALUES (?1, coalesce(?2, ''), coalesce(?3, 'UTC'),"
    " coalesce(?4, ''), coalesce(?5, ''), coalesce(?6, ''), coalesce(?7, 0),"
    " ?8, ?8)";
static const char sql_site_update[] = "UPDATE sites SET"
    " name = coalesce(?1, name), address = coalesce(?2, address),"
    " timezone = coalesce(?3, timezone), notes = coalesce(?4, notes),"
    " instructions = coalesce(?5, instructions),"
    " code_word = coalesce(?6, code_word),"
    " priority_boost = coalesce(?7, priority_boost), updated_ms = ?8"
    " WHERE id = ?9";
static const char sql_site_replace[] = "UPDATE sites SET name = ?1,"
    " address = coalesce(?2, ''), timezone = coalesce(?3, 'UTC'),"
    " notes = coalesce(?4, ''), instructions = coalesce(?5, ''),"
    " code_word = coalesce(?6, ''), priority_boost = coalesce(?7, 0),"
    " updated_ms = ?8 WHERE id = ?9";
static const char sql_site_del_zones[] = "DELETE FROM zones WHERE site_id = ?1";
static const char sql_site_del_contacts[] =
    "DELETE FROM contacts WHERE site_id = ?1";
static const char sql_site_del_units[] = "DELETE FROM units WHERE site_id = ?1";
static const char sql_site_remove[] = "DELETE FROM sites WHERE id = ?1";
static const char sql_site_usage[] = "SELECT"
    " (SELECT count(*) FROM accounts WHERE site_id = ?1) AS accounts,"
    " (SELECT count(*) FROM alarms WHERE site_id = ?1 AND state <> 'closed')"
    " AS open_alarms,"
    " (SELECT count(*) FROM protocols WHERE site_id = ?1) AS protocols";
static const char sql_site_get[] = "SELECT id, name, address, timezone, notes,"
    " instructions, code_word, priority_boost, created_ms, updated_ms"
    " FROM sites WHERE id = ?1";
static const char sql_site_list[] = "SELECT s.id, s.name, s.address,"
    " s.timezone,"
    " (SELECT count(*) FROM zones z WHERE z.site_id = s.id) AS zones,"
    " (SELECT count(*) FROM contacts c WHERE c.site_id = s.id) AS contacts,"
    " (SELECT count(*) FROM units u WHERE u.site_id = s.id) AS units,"
    " (SELECT count(*) FROM accounts a WHERE a.site_id = s.id) AS accounts"
    " FROM sites s ORDER BY s.name, s.id";
static const char sql_site_ref[] = "SELECT id, name FROM sites WHERE id = ?1";
static const char sql_site_boost[] =
    "SELECT priority_boost FROM sites WHERE id = ?1";

static const char sql_zones[] = "SELECT number, name, location, type"
    " FROM zones WHERE site_id = ?1 ORDER BY number";
static const char sql_zone_get[] = "SELECT number, name, location, type"
    " FROM zones WHERE site_id = ?1 AND number = ?2";
static const char sql_zone_set[] = "INSERT INTO zones (site_id, number, name,"
    " location, type) VALUES (?1, ?2, coalesce(?3, ''), coalesce(?4, ''),"
    " coalesce(?5, '')) ON CONFLICT (site_id, number) DO UPDATE SET"
    " name = coalesce(?3, zones.name), location = coalesce(?4,"
    " zones.location), type = coalesce(?5, zones.type)";
static const char sql_zone_remove[] =
    "DELETE FROM zones WHERE site_id = ?1 AND number = ?2";

static const char sql_contacts[] = "SELECT id, position, name, phone, role,"
    " keyholder FROM contacts WHERE site_id = ?1 ORDER BY position";
static const char sql_contact_get[] = "SELECT id, site_id, position, name,"
    " phone, role, keyholder FROM contacts WHERE id = ?1";
static const char sql_contact_count[] =
    "SELECT count(*) FROM contacts WHERE site_id = ?1";
/* Two passes through negative positions keep UNIQUE (site_id, position). */
static const char sql_contact_shift1[] = "UPDATE contacts SET"
    " position = -(position + ?3) WHERE site_id = ?1 AND position >= ?2";
static const char sql_contact_shift2[] = "UPDATE contacts SET"
    " position = -position WHERE site_id = ?1 AND position < 0";
static const char sql_contact_place[] =
    "UPDATE contacts SET position = ?2 WHERE id = ?1";
static const char sql_contact_add[] = "INSERT INTO contacts (site_id,"
    " position, name, phone, role, keyholder) VALUES (?5, ?6, ?1,"
    " coalesce(?2, ''), coalesce(?3, ''), coalesce(?4, 0))";
static const char sql_contact_update[] = "UPDATE contacts SET"
    " name = coalesce(?1, name), phone = coalesce(?2, phone),"
    " role = coalesce(?3, role), keyholder = coalesce(?4, keyholder)"
    " WHERE id = ?5";
static const char sql_contact_remove[] = "DELETE FROM contacts WHERE id = ?1";

static const char sql_units[] = "SELECT id, kind, name, phone,"
    " response_s AS response_time FROM units WHERE site_id = ?1 ORDER BY id";
static const char sql_units_brief[] = "SELECT id, kind, name, phone,"
    " response_s AS response_time FROM units WHERE site_id = ?1 ORDER BY id";
static const char sql_unit_get[] = "SELECT id, site_id, kind, name, phone,"
    " response_s AS response_time FROM units WHERE id = ?1";
static const char sql_unit_add[] = "INSERT INTO units (site_id, kind, name,"
    " phone, response_s) VALUES (?5, ?1, ?2, coalesce(?3, ''),"
    " coalesce(?4, 0))";
static const char sql_unit_update[] = "UPDATE units SET"
    " kind = coalesce(?1, kind), name = coalesce(?2, name),"
    " phone = coalesce(?3, phone), response_s = coalesce(?4, response_s)"
    " WHERE id = ?5";
static const char sql_unit_remove[] = "DELETE FROM units WHERE id = ?1";

static const char sql_site_accounts[] = "SELECT account, name,"
    " supervision_s AS supervision FROM accounts WHERE site_id = ?1"
    " ORDER BY account";
static const char sql_account_get[] = "SELECT " STORE_ACCOUNT_COLUMNS
    " FROM accounts WHERE account = ?1";

/* The connection a view reads on. */
static enum store_conn
site_conn(enum site_view v)
{
	return v == SITE_BATCH ? STORE_WRITER : STORE_READER;
}

/* Bind the members names[] of f (absent: NULL) from parameter 1 on. */
static int
site_bind_fields(struct db_stmt *st, json_t *f, const char *const *names)
{
	int	i, rc = DB_OK;

	for (i = 0; names[i] != NULL; i++)
		rc |= store_bind_json(st, i + 1, json_object_get(f, names[i]));
	return rc;
}

/* Step a bound writer statement: rows changed, or -1. */
static int
site_run(struct store *s, struct db_stmt *st, int bind_rc)
{
	if (bind_rc != DB_OK)
		return store_fail(s, STORE_WRITER);
	if (store_step_done(s, st) != 0)
		return -1;
	return store_changes(s);
}

/* Run sql with ?1 = id on the writer: rows changed, or -1. */
static int
site_exec_id(struct store *s, const char *sql, int64_t id)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql);

	if (st == NULL)
		return -1;
	return site_run(s, st, db_bind_int64(st, 1, id));
}

/* Rows of sql with ?1 = id on conn as an array; NULL on error. */
static json_t *
site_rows_id(struct store *s, enum store_conn conn, const char *sql, int64_t id)
{
	struct db_stmt	*st = store_stmt(s, conn, sql);

	if (st == NULL)
		return NULL;
	if (db_bind_int64(st, 1, id) != DB_OK) {
		store_fail(s, conn);
		return NULL;
	}
	return store_rows_json(s, conn, st);
}

/* The first row of sql with ?1 = id on conn; json_null() none, NULL error. */
static json_t *
site_row_id(struct store *s, enum store_conn conn, const char *sql, int64_t id)
{
	struct db_stmt	*st = store_stmt(s, conn, sql);

	if (st == NULL)
		return NULL;
	if (db_bind_int64(st, 1, id) != DB_OK) {
		store_fail(s, conn);
		return NULL;
	}
	return store_row1_json(s, conn, st);
}

/* The single integer sql gives for ?1 = id (batch): 0/1 row found, -1 error. */
static int
site_int_id(struct store *s, const char *sql, int64_t id, int64_t *out)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql);
	int		 rc;

	if (st == NULL)
		return -1;
	if (db_bind_int64(st, 1, id) != DB_OK)
		return store_fail(s, STORE_WRITER);
	rc = db_step(st);
	if (rc == DB_ROW)
		*out = db_column_int64(st, 0);
	else if (rc != DB_DONE)
		store_fail(s, STORE_WRITER);
	db_reset(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

/* Turn the 0/1 keyholder column of each contact into a JSON boolean. */
static void
site_fix_contacts(json_t *contacts)
{
	json_t	*c;
	size_t	 i;

	json_array_foreach(contacts, i, c)
		json_object_set_new(c, "keyholder", json_boolean(
		    json_integer_value(json_object_get(c, "keyholder")) != 0));
}

/* Attach the array that sql gives for the site to o as member name; -1 error. */
static int
site_attach(struct store *s, enum store_conn conn, json_t *o, const char *name,
    const char *sql)
{
	json_t	*rows;

	rows = site_rows_id(s, conn, sql,
	    json_integer_value(json_object_get(o, "id")));
	if (rows == NULL)
		return -1;
	if (strcmp(name, "contacts") == 0)
		site_fix_contacts(rows);
	json_object_set_new(o, name, rows);
	return 0;
}

/* The priority boost of a site (batch): 0, 1 no such site, -1 error. */
int
store_site_boost(struct store *s, int64_t site_id, int *boost)
{
	int64_t	v = 0;
	int	rc = site_int_id(s, sql_site_boost, site_id, &v);

	if (rc < 0)
		return -1;
	*boost = (int)v;
	return rc == 1 ? 0 : 1;
}

/* 1 if the site exists (batch), 0 not, -1 error. */
int
store_site_exists(struct store *s, int64_t site_id)
{
	int	boost;
	int	rc = store_site_boost(s, site_id, &boost);

	return rc < 0 ? -1 : rc == 0;
}

/* The site beside an alarm: facts, zones, call list, units (committed). */
json_t *
store_site_brief(struct store *s, int64_t site_id)
{
	json_t	*o = site_row_id(s, STORE_READER, sql_site_get, site_id);

	if (o == NULL || json_is_null(o))
		return o;
	json_object_del(o, "created_ms");
	json_object_del(o, "updated_ms");
	if (site_attach(s, STORE_READER, o, "zones", sql_zones) != 0 ||
	    site_attach(s, STORE_READER, o, "contacts", sql_contacts) != 0 ||
	    site_attach(s, STORE_READER, o, "units", sql_units_brief) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The id of the site named name (batch): > 0, 0 none, -1 error. */
int64_t
store_site_find(struct store *s, const char *name)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql_site_find);
	int64_t		 id = 0;
	int		 rc;

	if (st == NULL)
		return -1;
	if (store_bind_str(st, 1, name) != DB_OK)
		return store_fail(s, STORE_WRITER);
	rc = db_step(st);
	if (rc == DB_ROW)
		id = db_column_int64(st, 0);
	else if (rc != DB_DONE)
		id = store_fail(s, STORE_WRITER);
	db_reset(st);
	return id;
}

/* Insert a site; its id or -1. */
int64_t
store_site_add(struct store *s, json_t *f)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql_site_add);
	int		 rc;

	if (st == NULL)
		return -1;
	rc = site_bind_fields(st, f, site_cols);
	rc |= db_bind_int64(st, 8, clock_now_ms());
	if (site_run(s, st, rc) < 0)
		return -1;
	return store_last_id(s);
}

/* Run an update-shaped site statement (fields ?1..?7, now ?8, id ?9). */
static int
site_write(struct store *s, const char *sql, int64_t id, json_t *f)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql);
	int		 rc;

	if (st == NULL)
		return -1;
	rc = site_bind_fields(st, f, site_cols);
	rc |= db_bind_int64(st, 8, clock_now_ms());
	rc |= db_bind_int64(st, 9, id);
	rc = site_run(s, st, rc);
	return rc < 0 ? -1 : rc == 0 ? 1 : 0;
}

/* Change the given fields of a site: 0, 1 none, -1. */
int
store_site_update(struct store *s, int64_t id, json_t *f)
{
	return site_write(s, sql_site_update, id, f);
}

/* Set all fields of a site and empty its zones, contacts and units: 0, 1, -1. */
int
store_site_replace(struct store *s, int64_t id, json_t *f)
{
	int	rc = site_write(s, sql_site_replace, id, f);

	if (rc != 0)
		return rc;
	if (site_exec_id(s, sql_site_del_zones, id) < 0 ||
	    site_exec_id(s, sql_site_del_contacts, id) < 0 ||
	    site_exec_id(s, sql_site_del_units, id) < 0)
		return -1;
	return 0;
}

/* Delete a site (its zones, contacts and units go with it): 0, 1, -1. */
int
store_site_remove(struct store *s, int64_t id)
{
	int	rc = site_exec_id(s, sql_site_remove, id);

	return rc < 0 ? -1 : rc == 0 ? 1 : 0;
}

/* What still refers to a site (batch). */
json_t *
store_site_usage(struct store *s, int64_t id)
{
	return site_row_id(s, STORE_WRITER, sql_site_usage, id);
}

/* The whole site with zones, contacts, units and accounts. */
json_t *
store_site_get(struct store *s, enum site_view v, int64_t id)
{
	enum store_conn	 conn = site_conn(v);
	json_t		*o = site_row_id(s, conn, sql_site_get, id);

	if (o == NULL || json_is_null(o))
		return o;
	if (site_attach(s, conn, o, "zones", sql_zones) != 0 ||
	    site_attach(s, conn, o, "contacts", sql_contacts) != 0 ||
	    site_attach(s, conn, o, "units", sql_units) != 0 ||
	    site_attach(s, conn, o, "accounts", sql_site_accounts) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Every site with the number of its zones, contacts, units and accounts. */
json_t *
store_site_list(struct store *s)
{
	struct db_stmt	*st = store_stmt(s, STORE_READER, sql_site_list);

	return st == NULL ? NULL : store_rows_json(s, STORE_READER, st);
}

/* {id, name} of a committed site. */
json_t *
store_site_ref(struct store *s, int64_t id)
{
	return site_row_id(s, STORE_READER, sql_site_ref, id);
}

/* One zone of a site (batch). */
json_t *
store_site_zone_get(struct store *s, int64_t site, int number)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql_zone_get);

	if (st == NULL)
		return NULL;
	if (db_bind_int64(st, 1, site) != DB_OK ||
	    db_bind_int(st, 2, number) != DB_OK) {
		store_fail(s, STORE_WRITER);
		return NULL;
	}
	return store_row1_json(s, STORE_WRITER, st);
}

/* Insert a zone or change its given fields.  0 or -1. */
int
store_site_zone_set(struct store *s, int64_t site, int number, json_t *f)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql_zone_set);
	int		 rc;

	if (st == NULL)
		return -1;
	rc = db_bind_int64(st, 1, site);
	rc |= db_bind_int(st, 2, number);
	rc |= store_bind_json(st, 3, json_object_get(f, "name"));
	rc |= store_bind_json(st, 4, json_object_get(f, "location"));
	rc |= store_bind_json(st, 5, json_object_get(f, "type"));
	return site_run(s, st, rc) < 0 ? -1 : 0;
}

/* Delete a zone: 0, 1 none, -1. */
int
store_site_zone_remove(struct store *s, int64_t site, int number)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql_zone_remove);
	int		 rc;

	if (st == NULL)
		return -1;
	rc = db_bind_int64(st, 1, site);
	rc |= db_bind_int(st, 2, number);
	rc = site_run(s, st, rc);
	return rc < 0 ? -1 : rc == 0 ? 1 : 0;
}

/* One contact (batch), keyholder as a boolean. */
json_t *
store_site_contact_get(struct store *s, int64_t id)
{
	json_t	*o = site_row_id(s, STORE_WRITER, sql_contact_get, id);

	if (o != NULL && !json_is_null(o))
		json_object_set_new(o, "keyholder", json_boolean(
		    json_integer_value(json_object_get(o, "keyholder")) != 0));
	return o;
}

/* How many contacts a site has (batch); -1 error. */
int
store_site_contact_count(struct store *s, int64_t site)
{
	int64_t	n = 0;

	return site_int_id(s, sql_contact_count, site, &n) < 0 ? -1 : (int)n;
}

/* Add delta to the position of every contact of site at from or later. */
static int
site_contact_shift(struct store *s, int64_t site, int from, int delta)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql_contact_shift1);
	int		 rc;

	if (st == NULL)
		return -1;
	rc = db_bind_int64(st, 1, site);
	rc |= db_bind_int(st, 2, from);
	rc |= db_bind_int(st, 3, delta);
	if (site_run(s, st, rc) < 0)
		return -1;
	return site_exec_id(s, sql_contact_shift2, site) < 0 ? -1 : 0;
}

/* Put contact id at position pos (which must be free). */
static int
site_contact_place(struct store *s, int64_t id, int pos)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql_contact_place);
	int		 rc;

	if (st == NULL)
		return -1;
	rc = db_bind_int64(st, 1, id);
	rc |= db_bind_int(st, 2, pos);
	return site_run(s, st, rc) < 0 ? -1 : 0;
}

/* Insert a contact at position, moving those at or after it one down. */
int64_t
store_site_contact_add(struct store *s, int64_t site, int position, json_t *f)
{
	struct db_stmt	*st;
	int		 rc;

	if (site_contact_shift(s, site, position, 1) != 0)
		return -1;
	if ((st = store_stmt(s, STORE_WRITER, sql_contact_add)) == NULL)
		return -1;
	rc = site_bind_fields(st, f, contact_cols);
	rc |= db_bind_int64(st, 5, site);
	rc |= db_bind_int(st, 6, position);
	if (site_run(s, st, rc) < 0)
		return -1;
	return store_last_id(s);
}

/* Change the given fields of a contact or unit (columns cols): 0, 1 none, -1. */
static int
site_child_update(struct store *s, const char *sql, const char *const *cols,
    int64_t id, json_t *f)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql);
	int		 rc;

	if (st == NULL)
		return -1;
	rc = site_bind_fields(st, f, cols);
	rc |= db_bind_int64(st, 5, id);
	rc = site_run(s, st, rc);
	return rc < 0 ? -1 : rc == 0 ? 1 : 0;
}

/* Change the given fields of a contact: 0, 1 none, -1. */
int
store_site_contact_update(struct store *s, int64_t id, json_t *f)
{
	return site_child_update(s, sql_contact_update, contact_cols, id, f);
}

/* Move a contact in the call list; the others close up and make room. */
int
store_site_contact_move(struct store *s, int64_t site, int64_t id, int from,
    int to)
{
	if (from == to)
		return 0;
	/* Position 0 is never used, so it parks the contact meanwhile. */
	if (site_contact_place(s, id, 0) != 0 ||
	    site_contact_shift(s, site, from + 1, -1) != 0 ||
	    site_contact_shift(s, site, to, 1) != 0)
		return -1;
	return site_contact_place(s, id, to);
}

/* Delete a contact and close the gap it leaves. */
int
store_site_contact_remove(struct store *s, int64_t site, int64_t id, int pos)
{
	if (site_exec_id(s, sql_contact_remove, id) < 0)
		return -1;
	return site_contact_shift(s, site, pos + 1, -1);
}

/* One unit (batch). */
json_t *
store_site_unit_get(struct store *s, int64_t id)
{
	return site_row_id(s, STORE_WRITER, sql_unit_get, id);
}

/* Insert a unit; its id or -1. */
int64_t
store_site_unit_add(struct store *s, int64_t site, json_t *f)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql_unit_add);
	int		 rc;

	if (st == NULL)
		return -1;
	rc = site_bind_fields(st, f, unit_cols);
	rc |= db_bind_int64(st, 5, site);
	if (site_run(s, st, rc) < 0)
		return -1;
	return store_last_id(s);
}

/* Change the given fields of a unit: 0, 1 none, -1. */
int
store_site_unit_update(struct store *s, int64_t id, json_t *f)
{
	return site_child_update(s, sql_unit_update, unit_cols, id, f);
}

/* Delete a unit: 0, 1 none, -1. */
int
store_site_unit_remove(struct store *s, int64_t id)
{
	int	rc = site_exec_id(s, sql_unit_remove, id);

	return rc < 0 ? -1 : rc == 0 ? 1 : 0;
}

/* An account as the open batch has it: 0, 1 not found, -1 error. */
int
store_site_account_get(struct store *s, const char *account,
    struct store_account *out)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql_account_get);
	int		 rc;

	if (st == NULL)
		return -1;
	if (store_bind_str(st, 1, account) != DB_OK)
		return store_fail(s, STORE_WRITER);
	rc = db_step(st);
	if (rc == DB_ROW)
		store_account_row(st, out);
	else if (rc != DB_DONE)
		store_fail(s, STORE_WRITER);
	db_reset(st);
	return rc == DB_ROW ? 0 : rc == DB_DONE ? 1 : -1;
}
