/*
 * db.h - one statement API over the two engines the store runs on: SQLite,
 * the embedded default (src/db.c), and PostgreSQL through libpq
 * (src/db_pg.c).  For src/store*.c and src/db*.c only: nothing else in pcod
 * speaks SQL or knows which engine is underneath (config.c only asks
 * db_is_pg() whether the database directive names a server).
 *
 * The calls mirror SQLite's statement API (prepare once, bind, step, read
 * columns, reset), so the store reads the same on both engines.  The SQL the
 * store writes is the subset both engines understand once db_pg.c has
 * rewritten the parameters:
 *   - parameters are ?N (numbered from 1) or a bare ?; no :name;
 *   - ON CONFLICT ... DO NOTHING / DO UPDATE, never INSERT OR IGNORE/REPLACE;
 *   - coalesce(), never ifnull(); a condition is a comparison (x <> 0), never
 *     a bare integer;
 *   - the few SQLite functions the store uses (two-argument max() and
 *     min(), json_extract(), json_group_array(), json_object(), strftime()
 *     with 'unixepoch') exist in the PostgreSQL schema as compatible
 *     functions (sql/pg/);
 *   - integers are 64-bit on both (BIGINT columns in PostgreSQL); a boolean
 *     result (state = 'taken') reads as the integer 1 or 0 on both.
 */
#ifndef PCOD_DB_H
#define PCOD_DB_H

#include <stddef.h>
#include <stdint.h>

struct sqlite3;
struct db;		/* one connection */
struct db_stmt;		/* a prepared statement of one connection */

enum db_kind {
	DB_SQLITE = 1,
	DB_PG = 2
};

/* db_step()'s results other than an error (SQLite's numbers). */
#define DB_OK		0
#define DB_ROW		100
#define DB_DONE		101

/* A column's type in the current row (SQLite's numbers). */
#define DB_INTEGER	1
#define DB_FLOAT	2
#define DB_TEXT		3
#define DB_BLOB		4
#define DB_NULL		5

/* What kind of failure the connection's last error was. */
enum db_err {
	DB_E_NONE = 0,
	DB_E_ERROR,		/* the statement's own fault: syntax, type, misuse */
	DB_E_CONSTRAINT,	/* unique, foreign key, check, NOT NULL, trigger RAISE(ABORT) */
	DB_E_BUSY,		/* a lock another session holds; serialization failure */
	DB_E_FULL,		/* no room: disk full, out of memory */
	DB_E_IO,		/* I/O error; the server gone or the connection lost */
	DB_E_READONLY		/* read-only file or server (a hot standby) */
};

/*
 * SQLite: take over a connection store.c opened and configured (pragmas,
 * VFS); db_close() closes it.  Never fails (aborts when out of memory).
 */
struct db	*db_sqlite(struct sqlite3 *);
/* The SQLite handle of a DB_SQLITE connection (NULL for other engines). */
struct sqlite3	*db_sqlite_handle(struct db *);

/*
 * PostgreSQL: connect with a libpq connection string or URI
 * ("postgresql://user@host:5432/pcod?sslmode=verify-full").  The password
 * comes from libpq's own sources (passfile=, PGPASSFILE, PGPASSWORD), never
 * from pcod's log.  NULL with err set (the password never in it).
 */
struct db	*db_pg_connect(const char *conninfo, char *err, size_t errsz);
/*
 * Whether a session on the PostgreSQL server(s) of conninfo opens now: 1
 * yes; 0 not now (no answer, starting, shutting down, no writable host for
 * target_session_attrs=read-write, refused), with libpq's reason in why;
 * -1 never (the connection string itself is wrong).
 */
int		 db_pg_ping(const char *conninfo, char *why, size_t whysz);
/* 1 if s names a PostgreSQL database (postgresql:// or postgres://), else 0. */
int		 db_is_pg(const char *s);
/*
 * s with any password in it replaced by "*****", for the log and the
 * status reply; buf is returned.
 */
const char	*db_redact(const char *s, char *buf, size_t bufsz);

enum db_kind	 db_kind(const struct db *);
void		 db_close(struct db *);	/* finalizes its statements first */

/* Run one or more statements without parameters or rows.  0 or -1. */
int		 db_exec(struct db *, const char *sql);
/* Prepare sql (kept until db_finalize() or db_close()).  NULL on error. */
struct db_stmt	*db_prepare(struct db *, const char *sql);
void		 db_finalize(struct db_stmt *);
struct db	*db_handle(struct db_stmt *);

/* The last error's message, and its class. */
const char	*db_errmsg(struct db *);
enum db_err	 db_errclass(struct db *);
/* Rows the last INSERT, UPDATE or DELETE changed. */
int		 db_changes(struct db *);
/* The id of the last row inserted (tables with an "id" key).  -1 on error. */
int64_t		 db_last_id(struct db *);
/* 1 inside a transaction, 0 outside. */
int		 db_in_txn(struct db *);
/* How long a statement waits for another session's lock (ms). */
void		 db_busy_timeout(struct db *, int ms);

/*
 * Binding: idx from 1.  Text and blobs are not copied: they must stay valid
 * until the statement is reset.  len < 0: up to the NUL.  DB_OK or an error.
 */
int		 db_bind_int64(struct db_stmt *, int idx, int64_t v);
int		 db_bind_int(struct db_stmt *, int idx, int v);
int		 db_bind_double(struct db_stmt *, int idx, double v);
int		 db_bind_null(struct db_stmt *, int idx);
int		 db_bind_text(struct db_stmt *, int idx, const char *v, int len);
int		 db_bind_blob(struct db_stmt *, int idx, const void *v, int len);
/* Text copied now: v may go before the step. */
int		 db_bind_text_copy(struct db_stmt *, int idx, const char *v,
		    int len);

/*
 * The next row: DB_ROW, DB_DONE, or another value on an error (kept in the
 * connection: db_errmsg(), db_errclass()).  The first step runs the
 * statement.
 */
int		 db_step(struct db_stmt *);
/* Ready to run again, bindings kept; and every binding back to NULL. */
void		 db_reset(struct db_stmt *);
void		 db_clear_bindings(struct db_stmt *);

/* The current row's columns, from 0.  Text and blobs valid until the next step or reset. */
int		 db_column_count(struct db_stmt *);
const char	*db_column_name(struct db_stmt *, int col);
int		 db_column_type(struct db_stmt *, int col);	/* DB_INTEGER.. */
int64_t		 db_column_int64(struct db_stmt *, int col);	/* NULL: 0 */
int		 db_column_int(struct db_stmt *, int col);
double		 db_column_double(struct db_stmt *, int col);
const char	*db_column_text(struct db_stmt *, int col);	/* NULL for NULL */
int		 db_column_bytes(struct db_stmt *, int col);

/*
 * SQLite's writer thread (issue 11): with on, db_step() on a statement
 * marked with db_set_blind() queues it with copies of its bound values and
 * answers DB_DONE (or the error of a blind statement that failed before);
 * a thread of the connection's own steps the queue in order.  Every other
 * call waits for the queue to be empty first, so a waited statement sees
 * every write before it; the first one after a blind failure answers that
 * failure instead of running (but BEGIN and ROLLBACK run, and clear it).
 * A blind INSERT into a table whose rowid is "id" gets its id from the
 * connection (db_last_id() knows it at once).  Off: the queue is run and
 * the thread stopped.  0, or -1 (not SQLite; no thread).
 */
int		 db_sqlite_thread(struct db *, int on);
/*
 * With the writer thread: queue st (a COMMIT) instead of running it; its
 * outcome is db_commit_result()'s, and the thread makes db_commit_fd()
 * readable when it ran.  1 queued; 0 not queued (no thread, not a COMMIT:
 * step it); -1 the transaction failed already (db_errmsg() says why: roll
 * it back).
 */
int		 db_commit_queue(struct db_stmt *st);
/*
 * The queued COMMIT's outcome, once the thread ran it: 0 committed, -1
 * failed (rolled back; db_errmsg() and db_errclass() say why).
 */
int		 db_commit_result(struct db *);
/* An eventfd readable when a queued COMMIT ran (the loop watches it); -1. */
int		 db_commit_fd(struct db *);
/*
 * With the writer thread: when a transaction's blind statements go to it.
 * They are staged, and handed over once the transaction has n of them
 * (from its first when the transactions before it had n on average);
 * then in groups.  A transaction that commits with fewer never wakes the
 * thread: db_commit_queue() leaves its COMMIT to the caller, and the first
 * waited statement runs what is staged on the caller's thread, with the
 * same failure rules.  1 (the default): every transaction is handed over
 * at its first.  0, or -1 (not SQLite, n < 1).
 */
int		 db_sqlite_thread_min(struct db *, int n);
/*
 * Statements queued for the writer thread, blind statements run inline
 * (db_sqlite_thread_min()), and times a caller waited for the thread.
 */
void		 db_sqlite_thread_stats(struct db *, uint64_t *jobs,
		    uint64_t *inl, uint64_t *waits);

/*
 * Pipeline mode (PostgreSQL's writer; issue 14 step 3).  From db_pipeline()
 * on, statements are sent without waiting for the server where nobody needs
 * their answer, and the rest wait only for their own:
 *   - BEGIN, SAVEPOINT, RELEASE, ROLLBACK [TO] and statements marked with
 *     db_set_blind() are sent and db_step() answers DB_DONE at once (a blind
 *     INSERT into a table with an "id" gets its id from a block drawn from
 *     the table's sequence, so db_last_id() answers without the server); a
 *     failure of one fails its transaction: every later statement in it and
 *     its COMMIT fail, as soon as pcod learns of it;
 *   - COMMIT is sent with a Sync and answers DB_DONE at once: the commit
 *     has a number (db_pipe_sent()), and whether it committed is known when
 *     its answer arrives (db_pipe_pump() on the socket, db_pipe_done());
 *   - any other statement waits for its own result (the ones sent before it
 *     are answered first, the commits before it included).
 * synced is told (on the loop, from inside a db_* call or db_pipe_pump())
 * whenever a commit's answer arrived; it must not call db_* itself.  On a
 * connection already pipelined, db_pipeline() only changes who is told
 * (NULL: nobody).
 * SQLite: -1 (its own pipeline is the WAL's sync, syncer.c).
 */
typedef void	(*db_synced_fn)(void *arg);
int		 db_pipeline(struct db *, db_synced_fn synced, void *arg);
/* Sent, not waited for (pipeline mode; no effect elsewhere). */
void		 db_set_blind(struct db_stmt *);
/*
 * The connection's socket (for the loop to watch), or -1; *gen changes at
 * every reconnection (a new socket may get the old one's number).
 */
int		 db_pipe_socket(struct db *, unsigned *gen);
/* Take what the server has answered, without blocking.  0, -1 the link is lost. */
int		 db_pipe_pump(struct db *);
/* Send what is buffered: 0 all sent, 1 more waits for the socket, -1 lost. */
int		 db_pipe_flush(struct db *);
/* COMMITs sent so far (the last one's number). */
uint64_t	 db_pipe_sent(struct db *);
/*
 * Commits answered, in order: the highest number that committed; *failed
 * the first that did not (0: none), with why (its message) and cls.
 */
uint64_t	 db_pipe_done(struct db *, uint64_t *failed, const char **why,
		    enum db_err *cls);
/* Block until commit seq is answered (shutdown).  0 committed, -1 not. */
int		 db_pipe_wait(struct db *, uint64_t seq);

#endif
