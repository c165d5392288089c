/*
 * store_int.h - for src/store*.c only: the SQLite handles and a small toolkit
 * (cached statements, JSON rows) so each store module stays short.  Nothing
 * outside src/store*.c includes this header or speaks SQL.
 */
#ifndef PCOD_STORE_INT_H
#define PCOD_STORE_INT_H

#include <stdint.h>

#include <jansson.h>
#include "db.h"

struct store;
struct store_account;

/* The columns store_account_row() reads, in its order. */
#define STORE_ACCOUNT_COLUMNS "account, key, name, created_ms," \
	" coalesce(site_id, 0), supervision_s, coalesce(last_seen_ms, 0)," \
	" next_key, plaintext, plain_clock"

enum store_conn { STORE_WRITER = 0, STORE_READER = 1 };

/*
 * Tell whoever store_set_migrating() named that the migration of where (a
 * path, a server) to version, begun at start_ms (clock_mono_ms()), still
 * runs, and the log every 10 s once it has run that long.  Both engines'
 * migrations call it about every store_migrating_every_ms().
 */
void		 store_migrating_told(const char *where, int version,
		    int64_t start_ms);
/* How often to tell it, in ms (1000; PCOD_TEST_MIGRATE_TICK_MS in tests). */
int		 store_migrating_every_ms(void);

/*
 * The prepared statement for sql on the writer (sees the open batch) or the
 * reader (committed data only), prepared once and cached by the address of
 * sql, which must therefore be a string literal or static.  Reset and
 * unbound, ready to bind.  NULL on a preparation error (kept for
 * store_errmsg()).
 */
struct db_stmt	*store_stmt(struct store *, enum store_conn, const char *sql);
/*
 * The same on the writer, marked blind (db_set_blind()): pipelined on
 * PostgreSQL, db_step() sends it and answers DB_DONE at once; a failure
 * fails the batch.  Only for writes whose result nobody reads (changes
 * reads 1; an INSERT's id comes from a block).
 */
struct db_stmt	*store_stmt_blind(struct store *, const char *sql);
/*
 * Where a new alarm reads the configuration it applies (protocols, risk):
 * the writer, or on pipelined PostgreSQL the reader, which does not wait
 * for the batches in flight (it sees what is committed: a change made in
 * the open batch itself applies from the next alarm on).
 */
enum store_conn	 store_cfg_conn(const struct store *);
/*
 * On the reader: the id of the first event received at or after ms, found
 * by id (ids grow with time; store_seen.c), and the newest id; *id >
 * *newest when none is; ms INT64_MIN: the oldest, no search.  0 or -1.
 */
int		 store_event_id_at(struct store *, int64_t ms, int64_t *id,
		    int64_t *newest);
/*
 * The audit chain's newest row as this pcod appended it, kept only where
 * appends are pipelined (PostgreSQL): 1 with id and hash, 0 unknown (read
 * the table).  Any rollback forgets it.
 */
int		 store_audit_tail(struct store *, int64_t *id, char *hash,
		    size_t hashsz);
void		 store_audit_tail_set(struct store *, int64_t id,
		    const char *hash);
void		 store_audit_tail_forget(struct store *);
/* Keep the connection's last error as the store's error; returns -1. */
int		 store_fail(struct store *, enum store_conn);
/* Keep a message of our own as the store's error; returns -1. */
int		 store_failx(struct store *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));

/* Bind a JSON value (string, integer, real, true/false as 1/0, null or NULL as NULL). */
int		 store_bind_json(struct db_stmt *, int idx, const json_t *v);
/* Bind a string (NULL as SQL NULL); it must outlive the step. */
int		 store_bind_str(struct db_stmt *, int idx, const char *v);

/* Step a bound writer statement to DB_DONE, then reset it.  0 or -1. */
int		 store_step_done(struct store *, struct db_stmt *);
/* Step a bound query once: 1 with column 0 in *out, 0 no row, -1 error; resets it. */
int		 store_step_int64(struct store *, enum store_conn, struct db_stmt *,
		    int64_t *out);
/* The current row as {column name: value}; NULL columns become null. */
json_t		*store_row_json(struct db_stmt *);
/*
 * Step a bound statement to the end: every row as an object appended to a
 * new array.  Resets it.  NULL on error.
 */
json_t		*store_rows_json(struct store *, enum store_conn, struct db_stmt *);
/* The first row as an object, json_null() when there is none, NULL on error. */
json_t		*store_row1_json(struct store *, enum store_conn, struct db_stmt *);
/* The one row of sql whose ?1 is key: an object, json_null() if none, NULL on error. */
json_t		*store_row1_by_str(struct store *, enum store_conn, const char *sql,
		    const char *key);
/* Copy row member key (a string) into buf ("" when absent or not a string). */
void		 store_row_str(json_t *row, const char *key, char *buf, size_t bufsz);
/* Rows changed by the last writer statement; id of the last insert. */
int		 store_changes(struct store *);
/* An account from the current row of a SELECT of STORE_ACCOUNT_COLUMNS. */
void		 store_account_row(struct db_stmt *, struct store_account *out);
int64_t		 store_last_id(struct store *);

/* Last audit id shipped to the log, -1: audit-syslog off (store.c). */
int64_t		*store_audit_cursor(struct store *);
/* Log committed audit rows after the cursor, a line each (store_audit.c). */
void		 store_audit_ship(struct store *);
/* Chain the audit rows older than the chain; 0 or -1 (store_audit.c). */
int		 store_audit_chain_old(struct store *);

#endif
