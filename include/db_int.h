/*
 * db_int.h - for src/db*.c and src/store*.c only: the engines' common first
 * members, and the PostgreSQL engine's side of each db.h call (db_pg.c),
 * which db.c dispatches to by kind.
 */
#ifndef PCOD_DB_INT_H
#define PCOD_DB_INT_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

/* The first member of every engine's connection and statement. */
struct db {
	enum db_kind	 kind;
};

struct db_stmt {
	enum db_kind	 kind;
};

void		 pg_close(struct db *);
/*
 * sql runs now and again after each reconnection (session settings, the
 * one-pcod lock); a failure there leaves the session unusable.  0 or -1.
 */
int		 pg_setup(struct db *, const char *sql);
int		 pg_exec(struct db *, const char *);
/* pg_exec() of a long statement, tick(arg) every every_ms without an answer. */
int		 pg_exec_ticking(struct db *, const char *, int every_ms,
		    void (*tick)(void *), void *arg);
struct db_stmt	*pg_prepare(struct db *, const char *);
void		 pg_finalize(struct db_stmt *);
struct db	*pg_handle(struct db_stmt *);
const char	*pg_errmsg(struct db *);
enum db_err	 pg_errclass(struct db *);
int		 pg_changes(struct db *);
int64_t		 pg_last_id(struct db *);
int		 pg_in_txn(struct db *);
void		 pg_busy_timeout(struct db *, int);
int		 pg_bind_int64(struct db_stmt *, int, int64_t);
int		 pg_bind_int(struct db_stmt *, int, int);
int		 pg_bind_double(struct db_stmt *, int, double);
int		 pg_bind_null(struct db_stmt *, int);
int		 pg_bind_text(struct db_stmt *, int, const char *, int);
int		 pg_bind_blob(struct db_stmt *, int, const void *, int);
int		 pg_step(struct db_stmt *);
void		 pg_reset(struct db_stmt *);
void		 pg_clear_bindings(struct db_stmt *);
int		 pg_column_count(struct db_stmt *);
const char	*pg_column_name(struct db_stmt *, int);
int		 pg_column_type(struct db_stmt *, int);
int64_t		 pg_column_int64(struct db_stmt *, int);
int		 pg_column_int(struct db_stmt *, int);
double		 pg_column_double(struct db_stmt *, int);
const char	*pg_column_text(struct db_stmt *, int);
int		 pg_column_bytes(struct db_stmt *, int);
int		 pg_pipeline(struct db *, db_synced_fn, void *);
void		 pg_set_blind(struct db_stmt *);
int		 pg_pipe_socket(struct db *, unsigned *);
int		 pg_pipe_pump(struct db *);
int		 pg_pipe_flush(struct db *);
uint64_t	 pg_pipe_sent(struct db *);
uint64_t	 pg_pipe_done(struct db *, uint64_t *, const char **,
		    enum db_err *);
int		 pg_pipe_wait(struct db *, uint64_t);

/*
 * If sql is "INSERT INTO table...", table's name (lower case letters,
 * digits, _) copied into table and where the SQL goes on after it; NULL
 * for any other statement (or a name that does not fit).
 */
const char	*db_sql_insert_into(const char *sql, char *table,
		    size_t tablesz);
/*
 * sql (an INSERT INTO t (cols) VALUES (vals) without RETURNING) with the
 * id as its first column and param ("$5", "?18") as its value, table set;
 * NULL if it is not that shape.
 */
char		*db_sql_idcol(const char *sql, const char *param, char *table,
		    size_t tablesz);
/* Whether an INSERT's column list starts with its id (given by the caller). */
int		 db_sql_explicit_id(const char *sql);

/* Connect the writer and the reader, migrated to the current schema (store_pg.c). */
int		 store_pg_open(const char *conninfo, struct db **writer,
		    struct db **reader, char *err, size_t errsz);

#endif
