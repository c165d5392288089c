/*
 * store_audit.c - the audit log in SQLite: append, list and verify.  The
 * schema's triggers refuse changes and every insert that is not an append;
 * each row carries a hash chained over the row before it (pcod-control(7)).
 *
 * The chain: hash = lowercase hex of SHA-256 over the concatenation of
 *   ns("pcod-audit-v1") ns(prev) ns(id) ns(at_ms) ns(actor) ns(action)
 *   ns(object) ns(object_id) ns(reason) ns(details)
 * where ns(x) is the netstring "<decimal byte length>:<bytes>," of x, a SQL
 * NULL is the single byte "-", integers are in decimal, prev is the stored
 * hash text of the row with the next lower id ("" for the first row), and
 * every text is the exact bytes stored.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>
#include "db.h"

#include "actor.h"
#include "audit.h"
#include "clock.h"
#include "log.h"
#include "store.h"
#include "store_int.h"
#include "xmalloc.h"

#define AUDIT_CHAIN_TAG	"pcod-audit-v1"

static const char sql_audit_add[] = "INSERT INTO audit (id, at_ms, actor,"
    " action, object, object_id, reason, details, hash) VALUES (?1, ?2, ?3,"
    " ?4, ?5, ?6, ?7, ?8, ?9)";

static const char sql_audit_last[] = "SELECT id, hash FROM audit"
    " ORDER BY id DESC LIMIT 1";

static const char sql_audit_before[] = "SELECT hash FROM audit WHERE id < ?1"
    " ORDER BY id DESC LIMIT 1";

static const char sql_audit_unchained[] = "SELECT id, at_ms, actor, action,"
    " object, object_id, reason, details FROM audit WHERE hash IS NULL"
    " ORDER BY id LIMIT 1";

static const char sql_audit_set_hash[] = "UPDATE audit SET hash = ?2"
    " WHERE id = ?1 AND hash IS NULL";

static const char sql_audit_chunk[] = "SELECT id, at_ms, actor, action,"
    " object, object_id, reason, details, hash FROM audit WHERE id > ?1"
    " AND id <= ?2 ORDER BY id LIMIT ?3";

static const char sql_audit_after[] = "SELECT id, at_ms, actor, action,"
    " object, object_id, reason, details, hash FROM audit WHERE id > ?1"
    " ORDER BY id";

static const char sql_audit_max[] = "SELECT coalesce(max(id), 0) FROM audit";

static const char sql_anchor_get[] = "SELECT last_id, last_hash, purged"
    " FROM audit_anchor WHERE one = 1";

static const char sql_anchor_move[] = "UPDATE audit_anchor SET last_id = ?1,"
    " last_hash = ?2, purged = purged + ?3, at_ms = ?4 WHERE one = 1";

static const char sql_anchor_add[] = "INSERT INTO audit_anchor (one, last_id,"
    " last_hash, purged, at_ms) VALUES (1, ?1, ?2, ?3, ?4)";

static const char sql_audit_oldest[] = "SELECT id, at_ms, hash FROM audit"
    " WHERE id > ?1 ORDER BY id LIMIT ?2";

static const char sql_audit_purge[] = "DELETE FROM audit WHERE id > ?1"
    " AND id <= ?2";

static const char sql_audit_list[] = "SELECT id, at_ms, actor, action, object,"
    " object_id, reason, details FROM audit"
    " WHERE (?1 IS NULL OR actor = ?1)"
    /* A prefix ending in '.'; not substr(?2, -1): PostgreSQL reads -1 otherwise. */
    " AND (?2 IS NULL OR action = ?2 OR (?2 LIKE '%.' AND"
    " substr(action, 1, length(?2)) = ?2))"
    " AND (?3 IS NULL OR object = ?3) AND (?4 IS NULL OR object_id = ?4)"
    " AND (?5 = 0 OR at_ms >= ?5) AND (?6 = 0 OR at_ms < ?6)"
    " ORDER BY id DESC LIMIT ?7";

/* Feed one field to the digest as a netstring; NULL as "-". */
static int
audit_ns(EVP_MD_CTX *md, const char *p, size_t len)
{
	char	pre[32];
	int	n;

	if (p == NULL)
		return EVP_DigestUpdate(md, "-", 1) == 1 ? 0 : -1;
	n = snprintf(pre, sizeof(pre), "%zu:", len);
	if (EVP_DigestUpdate(md, pre, (size_t)n) != 1 ||
	    EVP_DigestUpdate(md, p, len) != 1 ||
	    EVP_DigestUpdate(md, ",", 1) != 1)
		return -1;
	return 0;
}

/* Feed an integer field to the digest, in decimal. */
static int
audit_ns_int(EVP_MD_CTX *md, int64_t v)
{
	char	buf[32];
	int	n = snprintf(buf, sizeof(buf), "%" PRId64, v);

	return audit_ns(md, buf, (size_t)n);
}

/* The chain hash of row after prev (see above), as 64 hex digits in out. */
int
store_audit_hash(const char *prev, size_t prevlen, const struct audit_row *r,
    char out[AUDIT_HASH_HEX + 1])
{
	EVP_MD_CTX	*md;
	unsigned char	 d[EVP_MAX_MD_SIZE];
	unsigned int	 dlen = 0, i;
	int		 rc = -1, f;

	if ((md = EVP_MD_CTX_new()) == NULL)
		return -1;
	if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 ||
	    audit_ns(md, AUDIT_CHAIN_TAG, strlen(AUDIT_CHAIN_TAG)) != 0 ||
	    audit_ns(md, prev, prevlen) != 0 || audit_ns_int(md, r->id) != 0 ||
	    audit_ns_int(md, r->at_ms) != 0)
		goto fail;
	for (f = 0; f < AUDIT_NTEXT; f++)
		if (audit_ns(md, r->text[f], r->len[f]) != 0)
			goto fail;
	if (EVP_DigestFinal_ex(md, d, &dlen) != 1 || dlen * 2 != AUDIT_HASH_HEX)
		goto fail;
	for (i = 0; i < dlen; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
	rc = 0;
fail:
	EVP_MD_CTX_free(md);
	return rc;
}

/* Set a text field of r from a C string (NULL stays NULL). */
static void
audit_row_set(struct audit_row *r, int f, const char *v)
{
	r->text[f] = v;
	r->len[f] = v != NULL ? strlen(v) : 0;
}

/* Fill r from columns 0-7 (id .. details) of the current row of st. */
static void
audit_row_read(struct db_stmt *st, struct audit_row *r)
{
	int	f;

	r->id = db_column_int64(st, 0);
	r->at_ms = db_column_int64(st, 1);
	for (f = 0; f < AUDIT_NTEXT; f++) {
		r->text[f] = db_column_text(st, 2 + f);
		r->len[f] = (size_t)db_column_bytes(st, 2 + f);
	}
}

/*
 * The hash text of the newest row (or of the newest before id when before
 * is set) in the open batch, as a new string ("" when there is none), and
 * that row's id in *last.  NULL on error.
 */
static char *
audit_prev(struct store *s, int64_t before, int64_t *last)
{
	struct db_stmt	*st;
	const char	*h;
	char		*out;
	int		 rc;

	st = store_stmt(s, STORE_WRITER, before > 0 ? sql_audit_before :
	    sql_audit_last);
	if (st == NULL)
		return NULL;
	if (before > 0 && db_bind_int64(st, 1, before) != DB_OK) {
		store_fail(s, STORE_WRITER);
		return NULL;
	}
	*last = 0;
	if ((rc = db_step(st)) == DB_ROW) {
		if (before <= 0)
			*last = db_column_int64(st, 0);
		h = db_column_text(st, before > 0 ? 0 : 1);
		out = xstrdup(h != NULL ? h : "");
	} else if (rc == DB_DONE)
		out = xstrdup("");
	else {
		store_fail(s, STORE_WRITER);
		out = NULL;
	}
	db_reset(st);
	return out;
}

/* Bind and run the append of row r with its hash. */
static int
audit_insert(struct store *s, const struct audit_row *r, const char *hash)
{
	/* Blind: pipelined, nothing waits for it (the chain's tail is known). */
	struct db_stmt	*st = store_stmt_blind(s, sql_audit_add);
	int		 rc, f;

	if (st == NULL)
		return -1;
	rc = db_bind_int64(st, 1, r->id);
	rc |= db_bind_int64(st, 2, r->at_ms);
	for (f = 0; f < AUDIT_NTEXT; f++)
		rc |= store_bind_str(st, 3 + f, r->text[f]);
	rc |= store_bind_str(st, 9, hash);
	if (rc != DB_OK) {
		db_clear_bindings(st);
		return store_fail(s, STORE_WRITER);
	}
	return store_step_done(s, st);
}

/* Append one record in the open batch, chained to the newest row. */
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
	struct audit_row	 r;
	char			 hash[AUDIT_HASH_HEX + 1], *prev, *dj = NULL;
	char			 tail[AUDIT_HASH_HEX + 1];
	int			 rc = -1;

	if (store_audit_tail(s, &r.id, tail, sizeof(tail)))
		prev = xstrdup(tail);
	else if ((prev = audit_prev(s, 0, &r.id)) == NULL)
		return -1;
	if (details != NULL)
		dj = json_dumps(details, JSON_COMPACT | JSON_SORT_KEYS);
	r.id++;
	r.at_ms = at_ms;
	audit_row_set(&r, AUDIT_ACTOR, who->name);
	audit_row_set(&r, AUDIT_ACTION, action);
	audit_row_set(&r, AUDIT_OBJECT, object != NULL ? object : "");
	audit_row_set(&r, AUDIT_OBJECT_ID, object_id != NULL ? object_id : "");
	audit_row_set(&r, AUDIT_REASON, reason != NULL ? reason : "");
	audit_row_set(&r, AUDIT_DETAILS, dj);
	if (store_audit_hash(prev, strlen(prev), &r, hash) != 0)
		store_failx(s, "audit: cannot compute the chain hash");
	else if ((rc = audit_insert(s, &r, hash)) == 0)
		store_audit_tail_set(s, r.id, hash);
	free(dj);
	free(prev);
	return rc;
}

/* Hash the oldest row without one; 1 done, 0 none left, -1 error. */
static int
audit_chain_one(struct store *s)
{
	struct db_stmt		*st, *up;
	struct audit_row	 r;
	char			 hash[AUDIT_HASH_HEX + 1], *prev = NULL;
	int64_t			 unused;
	int			 rc;

	if ((st = store_stmt(s, STORE_WRITER, sql_audit_unchained)) == NULL ||
	    (up = store_stmt(s, STORE_WRITER, sql_audit_set_hash)) == NULL)
		return -1;
	if ((rc = db_step(st)) != DB_ROW) {
		db_reset(st);
		return rc == DB_DONE ? 0 : store_fail(s, STORE_WRITER);
	}
	audit_row_read(st, &r);
	if ((prev = audit_prev(s, r.id, &unused)) == NULL ||
	    store_audit_hash(prev, strlen(prev), &r, hash) != 0) {
		rc = prev == NULL ? -1 : store_failx(s, "audit: cannot hash");
		goto fail;
	}
	if (db_bind_int64(up, 1, r.id) != DB_OK ||
	    store_bind_str(up, 2, hash) != DB_OK) {
		rc = store_fail(s, STORE_WRITER);
		goto fail;
	}
	rc = store_step_done(s, up) == 0 ? 1 : -1;
fail:
	db_reset(st);
	free(prev);
	return rc;
}

/* Chain the rows written before the chain existed; 0 or -1. */
int
store_audit_chain_old(struct store *s)
{
	int64_t	n = 0;
	int	rc;

	if (store_begin(s) != 0)
		return -1;
	while ((rc = audit_chain_one(s)) == 1)
		n++;
	if (rc == -1) {
		store_rollback(s);
		return -1;
	}
	if (store_commit(s) != 0)
		return -1;
	if (n > 0)
		log_info("audit: chained %" PRId64 " row(s) written before the "
		    "audit chain existed", n);
	return 0;
}

/* Check one stored row against the chain; 0, or -1 with why in msg. */
static int
audit_check_row(struct db_stmt *st, const char *prev, char *msg, size_t msgsz)
{
	struct audit_row	 r;
	const char		*stored;
	char			 hash[AUDIT_HASH_HEX + 1];

	audit_row_read(st, &r);
	stored = db_column_text(st, 8);
	if (stored == NULL) {
		snprintf(msg, msgsz, "row %" PRId64 " has no hash", r.id);
		return -1;
	}
	if (store_audit_hash(prev, strlen(prev), &r, hash) != 0) {
		snprintf(msg, msgsz, "cannot compute the hash of row %" PRId64,
		    r.id);
		return -1;
	}
	if (strcmp(hash, stored) != 0) {
		snprintf(msg, msgsz, "row %" PRId64 " does not match its hash "
		    "(its content, or the row before it, was changed)", r.id);
		return -1;
	}
	return 0;
}

static int	audit_anchor_get(struct store *, enum store_conn,
		    struct audit_anchor *);

/* An audit.verify in progress: the rows up to the newest when it began. */
struct audit_verify {
	struct audit_anchor anchor;	/* where the chain starts */
	int64_t	 upto;		/* the newest id when it began */
	int64_t	 after;		/* rows up to this id are checked */
	int64_t	 rows;
	int64_t	 bad;		/* first bad id; 0 none */
	char	*prev;		/* stored hash of row after; owned */
	char	 reason[160];
};

/* Start checking the committed chain; NULL on a read error. */
struct audit_verify *
store_audit_verify_new(struct store *s)
{
	struct db_stmt		*st = store_stmt(s, STORE_READER, sql_audit_max);
	struct audit_verify	*v;
	int			 rc;

	if (st == NULL)
		return NULL;
	if ((rc = db_step(st)) != DB_ROW) {
		store_fail(s, STORE_READER);
		db_reset(st);
		return NULL;
	}
	v = xcalloc(1, sizeof(*v));
	v->upto = db_column_int64(st, 0);
	db_reset(st);
	if (audit_anchor_get(s, STORE_READER, &v->anchor) != 0) {
		free(v);
		return NULL;
	}
	/* Purged rows are vouched for by the anchor: the chain goes on from it. */
	v->after = v->anchor.id;
	v->prev = xstrdup(v->anchor.hash);
	return v;
}

/* Check the next row of st against the chain and take its hash as prev. */
static void
audit_verify_row(struct audit_verify *v, struct db_stmt *st)
{
	const char	*h = db_column_text(st, 8);

	v->rows++;
	v->after = db_column_int64(st, 0);
	if (v->bad == 0 && audit_check_row(st, v->prev, v->reason,
	    sizeof(v->reason)) != 0)
		v->bad = v->after;
	free(v->prev);
	v->prev = xstrdup(h != NULL ? h : "");
}

/* Check up to max more rows: 1 more to do, 0 done, -1 read error. */
int
store_audit_verify_step(struct store *s, struct audit_verify *v, int max)
{
	struct db_stmt	*st = store_stmt(s, STORE_READER, sql_audit_chunk);
	int		 rc, n = 0;

	if (st == NULL)
		return -1;
	if (db_bind_int64(st, 1, v->after) != DB_OK ||
	    db_bind_int64(st, 2, v->upto) != DB_OK ||
	    db_bind_int(st, 3, max) != DB_OK)
		return store_fail(s, STORE_READER);
	while ((rc = db_step(st)) == DB_ROW) {
		audit_verify_row(v, st);
		n++;
	}
	if (rc != DB_DONE)
		store_fail(s, STORE_READER);
	/* Resetting ends the read transaction, so checkpoints are not held up. */
	db_reset(st);
	if (rc != DB_DONE)
		return -1;
	return n == max && v->after < v->upto ? 1 : 0;
}

/* The anchor as JSON: {id, hash, purged}, or null before any purge. */
static json_t *
audit_anchor_json(const struct audit_anchor *a)
{
	if (a->id == 0)
		return json_null();
	return json_pack("{s:I, s:s, s:I}", "id", (json_int_t)a->id,
	    "hash", a->hash, "purged", (json_int_t)a->purged);
}

/* The verdict: {intact, rows, first_bad, reason, last_id, last_hash}. */
json_t *
store_audit_verify_result(const struct audit_verify *v)
{
	return json_pack("{s:b, s:I, s:o, s:s?, s:o, s:s?, s:o}",
	    "intact", v->bad == 0, "rows", (json_int_t)v->rows,
	    "first_bad", v->bad != 0 ? json_integer(v->bad) : json_null(),
	    "reason", v->bad != 0 ? v->reason : NULL,
	    "last_id", v->after != 0 ? json_integer(v->after) : json_null(),
	    "last_hash", v->bad == 0 && v->after != 0 ? v->prev : NULL,
	    "anchor", audit_anchor_json(&v->anchor));
}

/* Free a verification; NULL is harmless. */
void
store_audit_verify_free(struct audit_verify *v)
{
	if (v == NULL)
		return;
	free(v->prev);
	free(v);
}

/* Check the whole committed chain at once (tests, small logs). */
json_t *
store_audit_verify(struct store *s)
{
	struct audit_verify	*v;
	json_t			*res = NULL;
	int			 rc;

	if ((v = store_audit_verify_new(s)) == NULL)
		return NULL;
	while ((rc = store_audit_verify_step(s, v, 10000)) == 1)
		;
	if (rc == 0)
		res = store_audit_verify_result(v);
	store_audit_verify_free(v);
	return res;
}

/* Log one committed row: the hash first, so a cut line still carries it. */
static void
audit_ship_row(struct db_stmt *st)
{
	struct audit_row	 r;
	const char		*h = db_column_text(st, 8);
	char			 actor[128], action[96], object[64], oid[128];
	char			 reason[512], details[1024];

	audit_row_read(st, &r);
	log_escape(actor, sizeof(actor), r.text[AUDIT_ACTOR], r.len[AUDIT_ACTOR]);
	log_escape(action, sizeof(action), r.text[AUDIT_ACTION],
	    r.len[AUDIT_ACTION]);
	log_escape(object, sizeof(object), r.text[AUDIT_OBJECT],
	    r.len[AUDIT_OBJECT]);
	log_escape(oid, sizeof(oid), r.text[AUDIT_OBJECT_ID],
	    r.len[AUDIT_OBJECT_ID]);
	log_escape(reason, sizeof(reason), r.text[AUDIT_REASON],
	    r.len[AUDIT_REASON]);
	log_escape(details, sizeof(details), r.text[AUDIT_DETAILS] != NULL ?
	    r.text[AUDIT_DETAILS] : "null", r.text[AUDIT_DETAILS] != NULL ?
	    r.len[AUDIT_DETAILS] : 4);
	log_notice("audit id=%" PRId64 " hash=%s at_ms=%" PRId64 " actor=%s "
	    "action=%s object=%s object_id=%s reason=\"%s\" details=%s", r.id,
	    h != NULL ? h : "-", r.at_ms, actor, action, object, oid, reason,
	    details);
}

/* Log the committed rows after the cursor and move it on. */
void
store_audit_ship(struct store *s)
{
	int64_t		*cursor = store_audit_cursor(s);
	struct db_stmt	*st = store_stmt(s, STORE_READER, sql_audit_after);
	int		 rc;

	if (st == NULL || db_bind_int64(st, 1, *cursor) != DB_OK) {
		log_warnx("audit-syslog: %s", store_errmsg(s));
		return;
	}
	while ((rc = db_step(st)) == DB_ROW) {
		audit_ship_row(st);
		*cursor = db_column_int64(st, 0);
	}
	if (rc != DB_DONE) {
		store_fail(s, STORE_READER);
		log_warnx("audit-syslog: %s", store_errmsg(s));
	}
	db_reset(st);
}

/* Turn shipping on (from the rows committed after now) or off. */
int
store_audit_syslog(struct store *s, int on)
{
	int64_t		*cursor = store_audit_cursor(s);
	struct db_stmt	*st;
	int		 rc;

	if (!on) {
		*cursor = -1;
		return 0;
	}
	if (*cursor >= 0)
		return 0;
	if ((st = store_stmt(s, STORE_READER, sql_audit_max)) == NULL)
		return -1;
	if ((rc = db_step(st)) == DB_ROW)
		*cursor = db_column_int64(st, 0);
	db_reset(st);
	return rc == DB_ROW ? 0 : store_fail(s, STORE_READER);
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
	struct db_stmt	*st = store_stmt(s, STORE_READER, sql_audit_list);
	json_t		*rows, *row;
	size_t		 i;
	int		 rc;

	if (st == NULL)
		return NULL;
	rc = store_bind_str(st, 1, f->actor);
	rc |= store_bind_str(st, 2, f->action);
	rc |= store_bind_str(st, 3, f->object);
	rc |= store_bind_str(st, 4, f->object_id);
	rc |= db_bind_int64(st, 5, f->since_ms);
	rc |= db_bind_int64(st, 6, f->until_ms);
	rc |= db_bind_int(st, 7, f->limit > 0 ? f->limit : 100);
	if (rc != DB_OK) {
		store_fail(s, STORE_READER);
		return NULL;
	}
	if ((rows = store_rows_json(s, STORE_READER, st)) == NULL)
		return NULL;
	json_array_foreach(rows, i, row)
		audit_row_fix(row);
	return rows;
}

/* The purge anchor on conn (all zero and "" before any purge); 0 or -1. */
static int
audit_anchor_get(struct store *s, enum store_conn conn, struct audit_anchor *a)
{
	struct db_stmt	*st = store_stmt(s, conn, sql_anchor_get);
	const char	*h;
	int		 rc;

	memset(a, 0, sizeof(*a));
	if (st == NULL)
		return -1;
	if ((rc = db_step(st)) == DB_ROW) {
		a->id = db_column_int64(st, 0);
		h = db_column_text(st, 1);
		snprintf(a->hash, sizeof(a->hash), "%s", h != NULL ? h : "");
		a->purged = db_column_int64(st, 2);
	}
	db_reset(st);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_fail(s, conn);
	return 0;
}

/* The newest audit id in the open batch (0: none); 0 or -1. */
static int
audit_newest(struct store *s, int64_t *id)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql_audit_max);

	*id = 0;
	if (st == NULL)
		return -1;
	return store_step_int64(s, STORE_WRITER, st, id) == -1 ? -1 : 0;
}

/*
 * The purgeable prefix after the anchor: up to max rows, each written
 * before before_ms, never the newest row of all (it carries the chain on).
 * Its last id (0: none) and hash in *upto and hash, its rows in *n.
 */
static int
audit_purge_upto(struct store *s, int64_t anchor, int64_t before_ms, int max,
    int64_t *upto, char hash[AUDIT_HASH_HEX + 1], int64_t *n)
{
	struct db_stmt	*st;
	const char	*h;
	int64_t		 newest, id;
	int		 rc;

	*upto = *n = 0;
	if (audit_newest(s, &newest) != 0 ||
	    (st = store_stmt(s, STORE_WRITER, sql_audit_oldest)) == NULL)
		return -1;
	db_bind_int64(st, 1, anchor);
	db_bind_int(st, 2, max);
	while ((rc = db_step(st)) == DB_ROW) {
		id = db_column_int64(st, 0);
		h = db_column_text(st, 2);
		/* An unchained row (before store_audit_chain_old) stops it too. */
		if (id >= newest || db_column_int64(st, 1) >= before_ms ||
		    h == NULL || strlen(h) != AUDIT_HASH_HEX)
			break;
		*upto = id;
		memcpy(hash, h, AUDIT_HASH_HEX + 1);
		(*n)++;
	}
	db_reset(st);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_fail(s, STORE_WRITER);
	return 0;
}

/* Move the anchor onto row id with its hash, counting n more purged. */
static int
audit_anchor_move(struct store *s, const struct audit_anchor *old, int64_t id,
    const char *hash, int64_t n)
{
	struct db_stmt	*st;

	st = store_stmt(s, STORE_WRITER, old->id == 0 ? sql_anchor_add :
	    sql_anchor_move);
	if (st == NULL)
		return -1;
	db_bind_int64(st, 1, id);
	if (store_bind_str(st, 2, hash) != DB_OK) {
		db_clear_bindings(st);
		return store_fail(s, STORE_WRITER);
	}
	db_bind_int64(st, 3, n);
	db_bind_int64(st, 4, clock_now_ms());
	return store_step_done(s, st);
}

/*
 * In the open batch: purge up to max of the oldest audit rows written
 * before before_ms, a prefix of the chain, moving the anchor onto the last
 * one first (the schema refuses a delete the anchor has not passed).  The
 * rows purged in *n.  0 or -1.
 */
int
store_audit_purge(struct store *s, int64_t before_ms, int max, int64_t *n)
{
	struct audit_anchor	 a;
	struct db_stmt		*st;
	char			 hash[AUDIT_HASH_HEX + 1];
	int64_t			 upto, rows;

	store_audit_tail_forget(s);
	*n = 0;
	if (audit_anchor_get(s, STORE_WRITER, &a) != 0 ||
	    audit_purge_upto(s, a.id, before_ms, max, &upto, hash, &rows) != 0)
		return -1;
	if (upto == 0)
		return 0;
	if (audit_anchor_move(s, &a, upto, hash, rows) != 0 ||
	    (st = store_stmt(s, STORE_WRITER, sql_audit_purge)) == NULL)
		return -1;
	db_bind_int64(st, 1, a.id);
	db_bind_int64(st, 2, upto);
	if (store_step_done(s, st) != 0)
		return -1;
	*n = store_changes(s);
	if (*n != rows)
		return store_failx(s, "audit purge: %lld rows expected, %lld "
		    "purged", (long long)rows, (long long)*n);
	return 0;
}

/* The committed purge anchor (all zero and "" before any purge); 0 or -1. */
int
store_audit_anchor(struct store *s, struct audit_anchor *a)
{
	return audit_anchor_get(s, STORE_READER, a);
}
