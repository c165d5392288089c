/*
 * db_int.h - between db.c (the public db_* calls, SQLite) and db_pg.c
 * (PostgreSQL): the common first member of each engine's connection and
 * statement, by which db.c dispatches, and db_pg.c's pg_* operations, one
 * per db.h call with the same signature.  For src/db*.c and src/store_pg.c
 * only.
 */
#ifndef PCOD_DB_INT_H
#define PCOD_DB_INT_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

/* The first member of struct db_sq (db.c) and struct db_pgconn (db_pg.c). */
struct db {
	enum db_kind	 kind;
};

/* The first member of each engine's statement struct. */
struct db_stmt {
	enum db_kind	 kind;
};

void		 pg_close(struct db *);
int		 pg_exec(struct db *, const char *sql);
struct db_stmt	*pg_prepare(struct db *, const char *sql);
void		 pg_finalize(struct db_stmt *);
struct db	*pg_handle(struct db_stmt *);
const char	*pg_errmsg(struct db *);
enum db_err	 pg_errclass(struct db *);
int		 pg_changes(struct db *);
int64_t		 pg_last_id(struct db *);
int		 pg_in_txn(struct db *);
void		 pg_busy_timeout(struct db *, int ms);

int		 pg_bind_int64(struct db_stmt *, int idx, int64_t v);
int		 pg_bind_int(struct db_stmt *, int idx, int v);
int		 pg_bind_double(struct db_stmt *, int idx, double v);
int		 pg_bind_null(struct db_stmt *, int idx);
int		 pg_bind_text(struct db_stmt *, int idx, const char *v, int len);
int		 pg_bind_blob(struct db_stmt *, int idx, const void *v, int len);

int		 pg_step(struct db_stmt *);
void		 pg_reset(struct db_stmt *);
void		 pg_clear_bindings(struct db_stmt *);

int		 pg_column_count(struct db_stmt *);
const char	*pg_column_name(struct db_stmt *, int col);
int		 pg_column_type(struct db_stmt *, int col);
int64_t		 pg_column_int64(struct db_stmt *, int col);
int		 pg_column_int(struct db_stmt *, int col);
double		 pg_column_double(struct db_stmt *, int col);
const char	*pg_column_text(struct db_stmt *, int col);
int		 pg_column_bytes(struct db_stmt *, int col);

/*
 * PostgreSQL (src/store_pg.c): connect a writer and a reader, create or
 * migrate the schema under an advisory lock, refuse a newer schema.  0, or
 * -1 with err set (never a password in it).
 */
int		 store_pg_open(const char *conninfo, struct db **writer,
		    struct db **reader, char *err, size_t errsz);

#endif
