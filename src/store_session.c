/*
 * store_session.c - console sessions in SQLite (session.h): random tokens,
 * kept only as their SHA-256, with the operator, the last use and the idle
 * expiry.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include "db.h"

#include "actor.h"
#include "session.h"
#include "store.h"
#include "store_int.h"

#define SESSION_TOKEN_BYTES	(SESSION_TOKEN_HEX / 2)

static const char sql_session_purge[] =
    "DELETE FROM sessions WHERE expires_ms <= ?1";
static const char sql_session_add[] = "INSERT INTO sessions (token_hash,"
    " operator_id, created_ms, last_used_ms, expires_ms, peer) SELECT ?2, id,"
    " ?3, ?3, ?4, ?5 FROM operators WHERE login = ?1";
static const char sql_session_get[] = "SELECT o.login, o.name, o.role,"
    " o.disabled, s.created_ms, s.last_used_ms, s.expires_ms, s.peer"
    " FROM sessions s"
    " JOIN operators o ON o.id = s.operator_id WHERE s.token_hash = ?1";
static const char sql_session_touch[] = "UPDATE sessions SET"
    " last_used_ms = max(last_used_ms, ?2), expires_ms = ?3"
    " WHERE token_hash = ?1";
static const char sql_session_revoke[] =
    "DELETE FROM sessions WHERE token_hash = ?1";
static const char sql_session_revoke_login[] = "DELETE FROM sessions WHERE"
    " operator_id = (SELECT id FROM operators WHERE login = ?1)";

/* n bytes as lower-case hex into out (2n + 1 bytes). */
static void
session_hex(const unsigned char *b, size_t n, char *out)
{
	static const char	digits[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

/* A fresh random token. */
int
store_session_token_new(char *out)
{
	unsigned char	b[SESSION_TOKEN_BYTES];

	if (RAND_bytes(b, sizeof b) != 1)
		return -1;
	session_hex(b, sizeof b, out);
	return 0;
}

/* The hex SHA-256 of a well-formed token. */
int
store_session_token_hash(const char *token, char *out)
{
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned int	mdlen = 0;

	if (token == NULL || strlen(token) != SESSION_TOKEN_HEX ||
	    strspn(token, "0123456789abcdef") != SESSION_TOKEN_HEX)
		return -1;
	if (EVP_Digest(token, SESSION_TOKEN_HEX, md, &mdlen, EVP_sha256(),
	    NULL) != 1 || mdlen * 2 != SESSION_HASH_HEX)
		return -1;
	session_hex(md, mdlen, out);
	return 0;
}

/* Delete the sessions expired at now (open batch).  0 or -1. */
static int
session_purge(struct store *s, int64_t now)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql_session_purge);

	if (st == NULL)
		return -1;
	if (db_bind_int64(st, 1, now) != DB_OK)
		return store_fail(s, STORE_WRITER);
	return store_step_done(s, st);
}

/* A new session of login. */
int
store_session_add(struct store *s, const char *login, const char *hash,
    const char *peer, int64_t now, int64_t expires_ms)
{
	struct db_stmt	*st;
	int		 rc;

	if (session_purge(s, now) != 0)
		return -1;
	if ((st = store_stmt(s, STORE_WRITER, sql_session_add)) == NULL)
		return -1;
	rc = store_bind_str(st, 1, login);
	rc |= store_bind_str(st, 2, hash);
	rc |= db_bind_int64(st, 3, now);
	rc |= db_bind_int64(st, 4, expires_ms);
	rc |= store_bind_str(st, 5, peer);
	if (rc != DB_OK)
		return store_fail(s, STORE_WRITER);
	if (store_step_done(s, st) != 0)
		return -1;
	return store_changes(s) == 0 ? 1 : 0;
}

/* The committed session with token hash hash. */
int
store_session_get(struct store *s, const char *hash, struct session_rec *r)
{
	json_t		*o;
	char		 role[16];

	if ((o = store_row1_by_str(s, STORE_READER, sql_session_get, hash)) ==
	    NULL)
		return -1;
	if (json_is_null(o)) {
		json_decref(o);
		return 1;
	}
	memset(r, 0, sizeof *r);
	store_row_str(o, "login", r->login, sizeof r->login);
	store_row_str(o, "name", r->name, sizeof r->name);
	store_row_str(o, "role", role, sizeof role);
	r->role = actor_role_parse(role);
	r->disabled = json_integer_value(json_object_get(o, "disabled")) != 0;
	r->created_ms = json_integer_value(json_object_get(o, "created_ms"));
	r->last_used_ms = json_integer_value(json_object_get(o, "last_used_ms"));
	r->expires_ms = json_integer_value(json_object_get(o, "expires_ms"));
	store_row_str(o, "peer", r->peer, sizeof r->peer);
	json_decref(o);
	return 0;
}

/* Run a writer statement on one token hash; 0, 1 no row changed, -1. */
static int
session_change(struct store *s, const char *sql, const char *hash,
    int64_t now, int64_t expires_ms)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql);
	int		 rc;

	if (st == NULL)
		return -1;
	rc = store_bind_str(st, 1, hash);
	if (sql == sql_session_touch) {
		rc |= db_bind_int64(st, 2, now);
		rc |= db_bind_int64(st, 3, expires_ms);
	}
	if (rc != DB_OK)
		return store_fail(s, STORE_WRITER);
	if (store_step_done(s, st) != 0)
		return -1;
	return store_changes(s) == 0 ? 1 : 0;
}

/* Used now. */
int
store_session_touch(struct store *s, const char *hash, int64_t now,
    int64_t expires_ms)
{
	return session_change(s, sql_session_touch, hash, now, expires_ms);
}

/* Delete one session. */
int
store_session_revoke(struct store *s, const char *hash)
{
	return session_change(s, sql_session_revoke, hash, 0, 0);
}

/* Delete every session of login. */
int
store_session_revoke_login(struct store *s, const char *login)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER,
			    sql_session_revoke_login);

	if (st == NULL)
		return -1;
	if (store_bind_str(st, 1, login) != DB_OK)
		return store_fail(s, STORE_WRITER);
	if (store_step_done(s, st) != 0)
		return -1;
	return store_changes(s);
}
