/*
 * db.c - the statement API of db.h: the SQLite engine, and the dispatch to
 * the PostgreSQL one (db_pg.c) by the connection's kind.
 *
 * On SQLite every call is the sqlite3_* call of the same name; a statement
 * is a small struct around the sqlite3_stmt so that its kind can be told.
 * store.c opens and configures SQLite connections itself (pragmas, the WAL
 * write buffer VFS) and hands them over with db_sqlite().
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "db.h"
#include "db_int.h"
#include "xmalloc.h"

struct db_sq {
	struct db	 base;		/* first: kind */
	sqlite3		*h;		/* owned */
	struct db_sqst	*stmts;		/* owned; every prepared statement */
};

struct db_sqst {
	struct db_stmt	 base;		/* first: kind */
	sqlite3_stmt	*st;		/* owned */
	struct db_sq	*db;		/* not owned */
	struct db_sqst	*prev, *next;
};

#define SQ(d)	((struct db_sq *)(d))
#define SQST(s)	((struct db_sqst *)(s))
#define IS_PG(x)	((x)->kind == DB_PG)
/* Hand a PostgreSQL connection or statement to db_pg.c. */
#define PG_RET(x, call)	do { if (IS_PG(x)) return call; } while (0)
#define PG_DO(x, call)	do { if (IS_PG(x)) { call; return; } } while (0)

struct db *
db_sqlite(struct sqlite3 *h)
{
	struct db_sq	*d = xcalloc(1, sizeof(*d));

	d->base.kind = DB_SQLITE;
	d->h = h;
	return &d->base;
}

struct sqlite3 *
db_sqlite_handle(struct db *d)
{
	return d != NULL && d->kind == DB_SQLITE ? SQ(d)->h : NULL;
}

int
db_is_pg(const char *s)
{
	return strncmp(s, "postgresql://", 13) == 0 ||
	    strncmp(s, "postgres://", 11) == 0;
}

enum db_kind
db_kind(const struct db *d)
{
	return d->kind;
}

void
db_close(struct db *d)
{
	struct db_sq	*q;

	if (d == NULL)
		return;
	PG_DO(d, pg_close(d));
	q = SQ(d);
	while (q->stmts != NULL)
		db_finalize(&q->stmts->base);
	sqlite3_close_v2(q->h);
	free(q);
}

int
db_exec(struct db *d, const char *sql)
{
	PG_RET(d, pg_exec(d, sql));
	return sqlite3_exec(SQ(d)->h, sql, NULL, NULL, NULL) == SQLITE_OK ?
	    0 : -1;
}

struct db_stmt *
db_prepare(struct db *d, const char *sql)
{
	struct db_sq	*q;
	struct db_sqst	*s;
	sqlite3_stmt	*st;

	PG_RET(d, pg_prepare(d, sql));
	q = SQ(d);
	if (sqlite3_prepare_v3(q->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
	    NULL) != SQLITE_OK)
		return NULL;
	if (st == NULL)	/* only a comment or white space */
		return NULL;
	s = xcalloc(1, sizeof(*s));
	s->base.kind = DB_SQLITE;
	s->st = st;
	s->db = q;
	s->next = q->stmts;
	if (q->stmts != NULL)
		q->stmts->prev = s;
	q->stmts = s;
	return &s->base;
}

void
db_finalize(struct db_stmt *st)
{
	struct db_sqst	*s;

	if (st == NULL)
		return;
	PG_DO(st, pg_finalize(st));
	s = SQST(st);
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		s->db->stmts = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	sqlite3_finalize(s->st);
	free(s);
}

struct db *
db_handle(struct db_stmt *st)
{
	PG_RET(st, pg_handle(st));
	return &SQST(st)->db->base;
}

const char *
db_errmsg(struct db *d)
{
	PG_RET(d, pg_errmsg(d));
	return sqlite3_errmsg(SQ(d)->h);
}

enum db_err
db_errclass(struct db *d)
{
	PG_RET(d, pg_errclass(d));
	switch (sqlite3_extended_errcode(SQ(d)->h) & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return DB_E_NONE;
	case SQLITE_CONSTRAINT:
		return DB_E_CONSTRAINT;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_PROTOCOL:
		return DB_E_BUSY;
	case SQLITE_FULL:
	case SQLITE_NOMEM:
		return DB_E_FULL;
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return DB_E_IO;
	case SQLITE_READONLY:
		return DB_E_READONLY;
	default:
		return DB_E_ERROR;
	}
}

int
db_changes(struct db *d)
{
	PG_RET(d, pg_changes(d));
	return sqlite3_changes(SQ(d)->h);
}

int64_t
db_last_id(struct db *d)
{
	PG_RET(d, pg_last_id(d));
	return sqlite3_last_insert_rowid(SQ(d)->h);
}

int
db_in_txn(struct db *d)
{
	PG_RET(d, pg_in_txn(d));
	return !sqlite3_get_autocommit(SQ(d)->h);
}

void
db_busy_timeout(struct db *d, int ms)
{
	PG_DO(d, pg_busy_timeout(d, ms));
	sqlite3_busy_timeout(SQ(d)->h, ms);
}

int
db_bind_int64(struct db_stmt *st, int idx, int64_t v)
{
	PG_RET(st, pg_bind_int64(st, idx, v));
	return sqlite3_bind_int64(SQST(st)->st, idx, v);
}

int
db_bind_int(struct db_stmt *st, int idx, int v)
{
	PG_RET(st, pg_bind_int(st, idx, v));
	return sqlite3_bind_int(SQST(st)->st, idx, v);
}

int
db_bind_double(struct db_stmt *st, int idx, double v)
{
	PG_RET(st, pg_bind_double(st, idx, v));
	return sqlite3_bind_double(SQST(st)->st, idx, v);
}

int
db_bind_null(struct db_stmt *st, int idx)
{
	PG_RET(st, pg_bind_null(st, idx));
	return sqlite3_bind_null(SQST(st)->st, idx);
}

int
db_bind_text(struct db_stmt *st, int idx, const char *v, int len)
{
	PG_RET(st, pg_bind_text(st, idx, v, len));
	return sqlite3_bind_text(SQST(st)->st, idx, v, len, SQLITE_STATIC);
}

/* The PostgreSQL engine copies every value as it binds it. */
int
db_bind_text_copy(struct db_stmt *st, int idx, const char *v, int len)
{
	PG_RET(st, pg_bind_text(st, idx, v, len));
	return sqlite3_bind_text(SQST(st)->st, idx, v, len, SQLITE_TRANSIENT);
}

int
db_bind_blob(struct db_stmt *st, int idx, const void *v, int len)
{
	PG_RET(st, pg_bind_blob(st, idx, v, len));
	return sqlite3_bind_blob(SQST(st)->st, idx, v, len, SQLITE_STATIC);
}

int
db_step(struct db_stmt *st)
{
	PG_RET(st, pg_step(st));
	return sqlite3_step(SQST(st)->st);
}

void
db_reset(struct db_stmt *st)
{
	PG_DO(st, pg_reset(st));
	sqlite3_reset(SQST(st)->st);
}

void
db_clear_bindings(struct db_stmt *st)
{
	PG_DO(st, pg_clear_bindings(st));
	sqlite3_clear_bindings(SQST(st)->st);
}

int
db_column_count(struct db_stmt *st)
{
	PG_RET(st, pg_column_count(st));
	return sqlite3_column_count(SQST(st)->st);
}

const char *
db_column_name(struct db_stmt *st, int col)
{
	PG_RET(st, pg_column_name(st, col));
	return sqlite3_column_name(SQST(st)->st, col);
}

int
db_column_type(struct db_stmt *st, int col)
{
	PG_RET(st, pg_column_type(st, col));
	return sqlite3_column_type(SQST(st)->st, col);
}

int64_t
db_column_int64(struct db_stmt *st, int col)
{
	PG_RET(st, pg_column_int64(st, col));
	return sqlite3_column_int64(SQST(st)->st, col);
}

int
db_column_int(struct db_stmt *st, int col)
{
	PG_RET(st, pg_column_int(st, col));
	return sqlite3_column_int(SQST(st)->st, col);
}

double
db_column_double(struct db_stmt *st, int col)
{
	PG_RET(st, pg_column_double(st, col));
	return sqlite3_column_double(SQST(st)->st, col);
}

const char *
db_column_text(struct db_stmt *st, int col)
{
	PG_RET(st, pg_column_text(st, col));
	return (const char *)sqlite3_column_text(SQST(st)->st, col);
}

int
db_column_bytes(struct db_stmt *st, int col)
{
	PG_RET(st, pg_column_bytes(st, col));
	return sqlite3_column_bytes(SQST(st)->st, col);
}

/* Pipeline mode: PostgreSQL's writer only (db.h). */
int
db_pipeline(struct db *d, db_synced_fn fn, void *arg)
{
	PG_RET(d, pg_pipeline(d, fn, arg));
	return -1;
}

void
db_set_blind(struct db_stmt *st)
{
	PG_DO(st, pg_set_blind(st));
}

int
db_pipe_socket(struct db *d, unsigned *gen)
{
	*gen = 0;
	PG_RET(d, pg_pipe_socket(d, gen));
	return -1;
}

int
db_pipe_pump(struct db *d)
{
	PG_RET(d, pg_pipe_pump(d));
	return 0;
}

int
db_pipe_flush(struct db *d)
{
	PG_RET(d, pg_pipe_flush(d));
	return 0;
}

uint64_t
db_pipe_sent(struct db *d)
{
	PG_RET(d, pg_pipe_sent(d));
	return 0;
}

uint64_t
db_pipe_done(struct db *d, uint64_t *failed, const char **why,
    enum db_err *cls)
{
	PG_RET(d, pg_pipe_done(d, failed, why, cls));
	*failed = 0;
	*why = "";
	*cls = DB_E_NONE;
	return 0;
}

int
db_pipe_wait(struct db *d, uint64_t seq)
{
	PG_RET(d, pg_pipe_wait(d, seq));
	return 0;
}
