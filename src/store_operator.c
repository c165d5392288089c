/* store_operator.c - the operators table in SQLite: add, update, password, lookup, list. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include "db.h"

#include "actor.h"
#include "clock.h"
#include "operator.h"
#include "store.h"
#include "store_int.h"

static const char sql_operator_exists[] =
    "SELECT 1 FROM operators WHERE login = ?1";
static const char sql_operator_add[] = "INSERT INTO operators (login, name,"
    " role, pw_hash, disabled, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char sql_operator_update[] = "UPDATE operators SET"
    " name = coalesce(?2, name), role = coalesce(?3, role),"
    " disabled = coalesce(?4, disabled) WHERE login = ?1";
static const char sql_operator_set_hash[] =
    "UPDATE operators SET pw_hash = ?2 WHERE login = ?1";
static const char sql_operator_get[] = "SELECT login, name, role, pw_hash,"
    " disabled FROM operators WHERE login = ?1";
/* Never the hash: what consoles see. */
static const char sql_operator_show[] = "SELECT login, name, role,"
    " disabled, created_ms FROM operators WHERE login = ?1";
static const char sql_operator_list[] = "SELECT login, name, role,"
    " disabled, created_ms FROM operators ORDER BY login";

/* 1 if login exists (open batch included), 0 if not, -1 on error. */
static int
operator_exists(struct store *s, const char *login)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql_operator_exists);
	int		 rc;

	if (st == NULL)
		return -1;
	if (store_bind_str(st, 1, login) != DB_OK)
		return store_fail(s, STORE_WRITER);
	rc = db_step(st);
	if (rc != DB_ROW && rc != DB_DONE)
		store_fail(s, STORE_WRITER);
	db_reset(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

/* Add an operator in the open batch: 0, 1 exists, -1. */
int
store_operator_add(struct store *s, const struct operator_rec *r)
{
	struct db_stmt	*st;
	int		 rc;

	if ((rc = operator_exists(s, r->login)) != 0)
		return rc;
	if ((st = store_stmt(s, STORE_WRITER, sql_operator_add)) == NULL)
		return -1;
	rc = store_bind_str(st, 1, r->login);
	rc |= store_bind_str(st, 2, r->name);
	rc |= store_bind_str(st, 3, actor_role_name(r->role));
	rc |= store_bind_str(st, 4, r->pw_hash);
	rc |= db_bind_int(st, 5, r->disabled != 0);
	rc |= db_bind_int64(st, 6, clock_now_ms());
	if (rc != DB_OK)
		return store_fail(s, STORE_WRITER);
	return store_step_done(s, st);
}

/* Change what is given (NULL / -1: keep) in the open batch: 0, 1 not found, -1. */
int
store_operator_update(struct store *s, const char *login, const char *name,
    int role, int disabled)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql_operator_update);
	int		 rc;

	if (st == NULL)
		return -1;
	rc = store_bind_str(st, 1, login);
	rc |= store_bind_str(st, 2, name);
	rc |= store_bind_str(st, 3, role >= 0 ? actor_role_name(role) : NULL);
	rc |= disabled >= 0 ? db_bind_int(st, 4, disabled != 0) :
	    db_bind_null(st, 4);
	if (rc != DB_OK)
		return store_fail(s, STORE_WRITER);
	if (store_step_done(s, st) != 0)
		return -1;
	return store_changes(s) == 0 ? 1 : 0;
}

/* Replace the password hash in the open batch: 0, 1 not found, -1. */
int
store_operator_set_hash(struct store *s, const char *login, const char *pw_hash)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql_operator_set_hash);

	if (st == NULL)
		return -1;
	if ((store_bind_str(st, 1, login) | store_bind_str(st, 2, pw_hash)) !=
	    DB_OK)
		return store_fail(s, STORE_WRITER);
	if (store_step_done(s, st) != 0)
		return -1;
	return store_changes(s) == 0 ? 1 : 0;
}

/* Look up a committed operator for a login: 0, 1 not found, -1. */
int
store_operator_get(struct store *s, const char *login, struct operator_rec *r)
{
	json_t		*o;
	char		 role[16];

	if ((o = store_row1_by_str(s, STORE_READER, sql_operator_get, login)) ==
	    NULL)
		return -1;
	if (json_is_null(o)) {
		json_decref(o);
		return 1;
	}
	memset(r, 0, sizeof *r);
	store_row_str(o, "login", r->login, sizeof r->login);
	store_row_str(o, "name", r->name, sizeof r->name);
	store_row_str(o, "pw_hash", r->pw_hash, sizeof r->pw_hash);
	store_row_str(o, "role", role, sizeof role);
	r->role = actor_role_parse(role);
	r->disabled = json_integer_value(json_object_get(o, "disabled")) != 0;
	json_decref(o);
	return 0;
}

/* One operator as seen in the open batch (no hash), json_null() if none. */
json_t *
store_operator_show(struct store *s, const char *login)
{
	return store_row1_by_str(s, STORE_WRITER, sql_operator_show, login);
}

/* Every committed operator by login (no hashes). */
json_t *
store_operator_list(struct store *s)
{
	struct db_stmt	*st = store_stmt(s, STORE_READER, sql_operator_list);

	if (st == NULL)
		return NULL;
	return store_rows_json(s, STORE_READER, st);
}
