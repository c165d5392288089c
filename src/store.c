/* store.c - the store on SQLite or PostgreSQL (db.h): open, batches, frames, events, accounts. */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sqlite3.h>

#include "audit.h"
#include "clock.h"
#include "codes.h"
#include "db.h"
#include "db_int.h"
#include "event.h"
#include "evkeys.h"
#include "log.h"
#include "sql_schema.h"
#include "store.h"
#include "store_int.h"
#include "walbuf.h"
#include "xmalloc.h"

/*
 * At start-up (migrations) pcod may wait this long for a lock held by another
 * process; once running, store_set_busy_timeout() sets the short wait of the
 * configuration, so a foreign lock fails a batch instead of freezing the loop.
 */
#define STORE_BUSY_MS		5000
#define STORE_CACHE_KIB		"32768"	/* writer page cache */
/* Blind statements a transaction has before it goes to the writer thread. */
#define STORE_THREAD_MIN	256
/*
 * Pipelined, the checkpoint thread keeps the WAL short; should it never
 * catch up (writes without a pause), the loop checkpoints once the WAL
 * holds this many pages, as SQLite's own automatic checkpoint would.
 */
#define STORE_WAL_HARD_PAGES	8192
/*
 * The WAL is written over, not grown: at start-up it is filled with this
 * many MiB of zeros (more than STORE_WAL_HARD_PAGES frames), so that a
 * sync of the WAL writes the frames alone, not the file's new size and
 * blocks too (store_wal_prealloc(); PCOD_WAL_PREALLOC_MB=n, 0: off).
 */
#define STORE_WAL_PREALLOC_MB	40
#define STORE_SCHEMA_VERSION	((int)(sizeof(sql_migrations) / sizeof(sql_migrations[0])))

/* The prepared statements; those marked reader run on the read-only connection. */
enum store_stmt {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_FRAME_ADD,
	ST_EVENT_ADD,
	ST_SEEN,
	ST_ACCT_ADD,
	ST_ACCT_DEL,
	ST_ACCT_GET,
	ST_ACCT_ALL,
	ST_COUNT
};

/*
 * A frame's own columns, on frames and (schema 17) on the row of its only
 * event; store_bind_frame_own() binds them in this order.
 */
#define STORE_FRAME_OWN \
	"transport, peer, token, encrypted, seq, rcvr, line, raw, data," \
	" xdata, digest, ext, retx"
#define STORE_FRAME_NOWN	13

static const struct {
	const char	*sql;
	int		 reader;
} store_sql[ST_COUNT] = {
	[ST_BEGIN] = { "BEGIN IMMEDIATE", 0 },
	[ST_COMMIT] = { "COMMIT", 0 },
	[ST_ROLLBACK] = { "ROLLBACK", 0 },
	[ST_FRAME_ADD] = { "INSERT INTO frames (received_ms, account,"
	    " panel_time, unknown_account, " STORE_FRAME_OWN ") VALUES (?1, ?2,"
	    " ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
	    " ?17)", 0 },
	/* ?19 to ?31: the frame's own columns when it shares the row (017). */
	[ST_EVENT_ADD] = { "INSERT INTO events (frame_id, account, received_ms,"
	    " panel_time, format, code, qual, class, text, zone, \"user\","
	    " \"partition\", known, unknown_account, event_time, name, note,"
	    " peripheral, " STORE_FRAME_OWN ") VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
	    " ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,"
	    " ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31)", 0 },
	/*
	 * Only the frames memory did not take: the partial indexes frames_retx
	 * and, for a frame sharing its event's row, events_retx.
	 */
	[ST_SEEN] = { "SELECT 1 FROM frames WHERE account = ?1 AND seq = ?2"
	    " AND digest = ?3 AND received_ms >= ?4 AND retx = 1 UNION ALL"
	    " SELECT 1 FROM events WHERE account = ?1 AND seq = ?2 AND"
	    " digest = ?3 AND received_ms >= ?4 AND retx = 1 LIMIT 1", 0 },
	[ST_ACCT_ADD] = { "INSERT INTO accounts (account, key, name,"
	    " created_ms, site_id, supervision_s, next_key, plaintext,"
	    " plain_clock) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
	    " ON CONFLICT DO NOTHING", 0 },
	[ST_ACCT_DEL] = { "DELETE FROM accounts WHERE account = ?1", 0 },
	[ST_ACCT_GET] = { "SELECT " STORE_ACCOUNT_COLUMNS " FROM accounts"
	    " WHERE account = ?1", 1 },
	[ST_ACCT_ALL] = { "SELECT " STORE_ACCOUNT_COLUMNS " FROM accounts"
	    " ORDER BY account", 1 },
};

/*
 * The event.list query's columns; the FROM and WHERE follow the filter.
 * The frame's columns come from its own row, or from the event's when the
 * two share one (schema 17).
 */
#define STORE_LIST_SELECT \
	"SELECT e.id, e.received_ms, e.panel_time, e.account, e.format," \
	" e.code, e.qual, e.class, e.text, e.zone, e.\"user\"," \
	" e.\"partition\", e.unknown_account," \
	" coalesce(f.transport, e.transport), coalesce(f.peer, e.peer)," \
	" coalesce(f.seq, e.seq), coalesce(f.raw, e.raw), e.event_time," \
	" e.peripheral, e.name, e.note, coalesce(f.ext, e.ext)"
#define STORE_LIST_FROM \
	" FROM events e LEFT JOIN frames f ON f.id = e.frame_id WHERE 1 = 1"

/* Statements prepared on demand by store_stmt(), keyed by their SQL's address. */
#define STORE_CACHE_MAX	512

struct store_cached {
	const char	*sql;		/* not owned: a literal */
	int		 conn;
	struct db_stmt	*st;		/* owned */
};

struct store {
	struct db		*db;		/* writer; owned */
	struct db		*rdb;		/* reader of committed data only; owned */
	struct evkeys		*keys;		/* SQLite: event.list's keys; owned */
	char			*path;		/* owned */
	struct db_stmt		*st[ST_COUNT];	/* owned, prepared once */
	struct store_cached	 cache[STORE_CACHE_MAX];
	size_t			 ncache;
	int64_t			 audit_shipped;	/* last audit id logged; -1: audit-syslog off */
	char			 err[256];	/* the last failure, for store_errmsg() */
	enum db_err		 errclass;	/* its class; DB_E_NONE our own */
	uint64_t		 nunavail;	/* failures store_unavailable() calls so */
	int			 pipelined;	/* synchronous=NORMAL: durable once synced */
	int			 wal_pages;	/* WAL pages after the last commit */
	char			*wal;		/* "<path>-wal"; owned */
	int			 kind_pg;	/* on PostgreSQL: fenced writes */
	int			 in_doubt;	/* the last COMMIT's answer was lost */
	int64_t			 fence;		/* PostgreSQL: the lease epoch held; 0 none */
	/*
	 * PostgreSQL pipelined: the audit chain's newest row as this pcod
	 * wrote it, so that an append needs no read that would wait for the
	 * batches in flight.  Forgotten at every rollback (savepoints too)
	 * and purge; read from the table again after that.
	 */
	int			 tail_ok;
	int64_t			 tail_id;
	char			 tail_hash[AUDIT_HASH_HEX + 1];
};

/* The checkpoint thread's own connection (syncer.c runs it there). */
struct store_ckpt {
	sqlite3		*db;		/* owned */
};

/* Keep db's current error message as the store's last error. */
static void
store_keep_err(struct store *s, struct db *db)
{
	snprintf(s->err, sizeof(s->err), "%s", db_errmsg(db));
	s->errclass = db_errclass(db);
	/* Only the writer's: a read that failed says nothing about writes. */
	if (db == s->db && store_unavailable(s))
		s->nunavail++;
}

/* Bind a string, NULL as SQL NULL; the caller's buffer outlives the step. */
static int
store_bind_text(struct db_stmt *st, int i, const char *v)
{
	return db_bind_text(st, i, v, -1);
}

/* Bind a string for a NOT NULL column: NULL becomes "". */
static int
store_bind_req(struct db_stmt *st, int i, const char *v)
{
	return db_bind_text(st, i, v != NULL ? v : "", -1);
}

/* Bind a fixed-size char array that may lack its NUL. */
static int
store_bind_arr(struct db_stmt *st, int i, const char *v, size_t cap)
{
	return db_bind_text(st, i, v, (int)strnlen(v, cap));
}

/* Bind an integer where none (none_value) is stored as NULL. */
static int
store_bind_opt(struct db_stmt *st, int i, int64_t v, int64_t none_value)
{
	if (v == none_value)
		return db_bind_null(st, i);
	return db_bind_int64(st, i, v);
}

/* The column as a string, "" for NULL. */
static const char *
store_col_text(struct db_stmt *st, int i)
{
	const char	*t = db_column_text(st, i);

	return t != NULL ? t : "";
}

/* The column as an int, dflt for NULL. */
static int
store_col_int(struct db_stmt *st, int i, int dflt)
{
	if (db_column_type(st, i) == DB_NULL)
		return dflt;
	return db_column_int(st, i);
}

/* Finish a statement for reuse: reset it and drop the caller's pointers. */
static void
store_done(struct db_stmt *st)
{
	db_reset(st);
	db_clear_bindings(st);
}

/* Run a bound writer statement to completion; 0 or -1 with the error kept. */
static int
store_run(struct store *s, enum store_stmt which, int brc)
{
	struct db_stmt	*st = s->st[which];
	int		 rc = -1;

	if (brc != DB_OK)
		store_keep_err(s, s->db);
	else if (db_step(st) == DB_DONE)
		rc = 0;
	else
		store_keep_err(s, s->db);
	store_done(st);
	return rc;
}

/* Run one SQL string on db; 0 or -1 with "path: message" in err. */
static int
store_exec(sqlite3 *db, const char *path, const char *sql, char *err,
    size_t errsz)
{
	char	*msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == DB_OK)
		return 0;
	snprintf(err, errsz, "%s: %s", path,
	    msg != NULL ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return -1;
}

/* Run a one-row pragma; copies the first column into out. */
static int
store_pragma(sqlite3 *db, const char *path, const char *sql, char *out,
    size_t outsz, char *err, size_t errsz)
{
	sqlite3_stmt		*st = NULL;
	const unsigned char	*t;
	int			 rc = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		goto fail;
	if (sqlite3_step(st) != SQLITE_ROW)
		goto fail;
	t = sqlite3_column_text(st, 0);
	snprintf(out, outsz, "%s", t != NULL ? (const char *)t : "");
	rc = 0;
fail:
	if (rc != 0)
		snprintf(err, errsz, "%s: %s", path, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc;
}

/*
 * Open one connection with the busy timeout set, through vfs (NULL: the
 * default); NULL with err set.
 */
static sqlite3 *
store_connect(const char *path, int flags, const char *vfs, char *err,
    size_t errsz)
{
	static int	 configured;
	sqlite3		*db = NULL;
	int		 rc;

	/*
	 * No memory statistics: they take a global mutex on every allocation
	 * SQLite makes (about 3 % of the instructions of an event), and pcod
	 * reads none.  Only possible before the first connection.
	 */
	if (!configured) {
		configured = 1;
		(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	}
	if (vfs != NULL && strcmp(vfs, WALBUF_VFS) == 0 &&
	    walbuf_register() != 0) {
		snprintf(err, errsz, "%s: cannot register the WAL write buffer",
		    path);
		return NULL;
	}
	rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, vfs);
	if (rc != DB_OK) {
		snprintf(err, errsz, "%s: %s", path,
		    db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, STORE_BUSY_MS);
	return db;
}

/* Writer settings: WAL (refused if the file cannot do it), full sync, foreign keys. */
static int
store_configure(sqlite3 *db, const char *path, char *err, size_t errsz)
{
	char	mode[32];

	if (store_pragma(db, path, "PRAGMA journal_mode=WAL", mode,
	    sizeof(mode), err, errsz) != 0)
		return -1;
	if (strcasecmp(mode, "wal") != 0) {
		snprintf(err, errsz, "%s: cannot use WAL journal (mode is %s)",
		    path, mode);
		return -1;
	}
	if (store_exec(db, path, "PRAGMA synchronous=FULL", err, errsz) != 0)
		return -1;
	/* Index pages of a large history stay cached across batches (KiB). */
	if (store_exec(db, path, "PRAGMA cache_size=-" STORE_CACHE_KIB, err,
	    errsz) != 0)
		return -1;
	return store_exec(db, path, "PRAGMA foreign_keys=ON", err, errsz);
}

/* Who hears that a migration is still running (store_set_migrating()). */
static store_migrating_fn	 store_migrating;
static void			*store_migrating_arg;

void
store_set_migrating(store_migrating_fn fn, void *arg)
{
	store_migrating = fn;
	store_migrating_arg = arg;
}

void
store_migrating_told(const char *where, int version, int64_t start_ms)
{
	static int64_t	 logged_ms;
	int64_t		 now = clock_mono_ms();

	if (store_migrating != NULL)
		store_migrating(store_migrating_arg, version, now - start_ms);
	if (now - start_ms >= 10000 && now - logged_ms >= 10000) {
		logged_ms = now;
		log_info("%s: migrating to schema version %d: %lld s so far",
		    where, version, (long long)((now - start_ms) / 1000));
	}
}

int
store_migrating_every_ms(void)
{
	const char	*v = getenv("PCOD_TEST_MIGRATE_TICK_MS");

	return v != NULL && atoi(v) > 0 ? atoi(v) : 1000;
}

/* A migration under way: the version it reaches, when it began, last told. */
struct store_mig_tick {
	const char	*path;
	int		 version;
	int64_t		 start_ms, told_ms;
	int64_t		 every_ms;
};

/* SQLite's progress handler during a migration: say it still runs.  0: go on. */
static int
store_mig_tick(void *arg)
{
	struct store_mig_tick	*t = arg;
	int64_t			 now = clock_mono_ms();

	if (now - t->told_ms >= t->every_ms) {
		t->told_ms = now;
		store_migrating_told(t->path, t->version, t->start_ms);
	}
	return 0;
}

/* Run migration version + 1 with the progress handler on; 0 or -1 with err set. */
static int
store_migrate_run(sqlite3 *db, const char *path, int version, char *err,
    size_t errsz)
{
	struct store_mig_tick	 t;
	int			 rc;

	memset(&t, 0, sizeof(t));
	t.path = path;
	t.version = version + 1;
	t.start_ms = t.told_ms = clock_mono_ms();
	t.every_ms = store_migrating_every_ms();
	sqlite3_progress_handler(db, 10000, store_mig_tick, &t);
	rc = store_exec(db, path, sql_migrations[version], err, errsz);
	sqlite3_progress_handler(db, 0, NULL, NULL);
	return rc;
}

/*
 * Apply migration version + 1 if the database needs it.  Returns 1 when
 * one was applied, 0 when the schema is current, -1 on error.  The version
 * is read inside the write transaction so two processes cannot both apply it.
 */
static int
store_migrate_step(sqlite3 *db, const char *path, char *err, size_t errsz)
{
	char		 buf[32], *sql;
	const char	*errstr;
	long long	 v;
	int		 version;

	if (store_exec(db, path, "BEGIN IMMEDIATE", err, errsz) != 0)
		return -1;
	if (store_pragma(db, path, "PRAGMA user_version", buf, sizeof(buf),
	    err, errsz) != 0)
		goto fail;
	if (xstrtonum(buf, 10, 0, INT32_MAX, &v, &errstr) != 0) {
		snprintf(err, errsz, "%s: user_version %s: %s", path, buf, errstr);
		goto fail;
	}
	version = (int)v;
	if (version > STORE_SCHEMA_VERSION) {
		snprintf(err, errsz, "%s: database schema version %d is newer "
		    "than this pcod supports (%d); refusing to use it", path,
		    version, STORE_SCHEMA_VERSION);
		goto fail;
	}
	if (version == STORE_SCHEMA_VERSION)
		return store_exec(db, path, "COMMIT", err, errsz);
	if (store_migrate_run(db, path, version, err, errsz) != 0)
		goto fail;
	sql = xasprintf("PRAGMA user_version=%d; COMMIT", version + 1);
	if (store_exec(db, path, sql, err, errsz) != 0) {
		free(sql);
		goto fail;
	}
	free(sql);
	log_info("%s: migrated to schema version %d", path, version + 1);
	return 1;
fail:
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* Bring the schema up to STORE_SCHEMA_VERSION, one transaction per migration. */
static int
store_migrate(sqlite3 *db, const char *path, char *err, size_t errsz)
{
	int	rc;

	while ((rc = store_migrate_step(db, path, err, errsz)) == 1)
		;
	return rc;
}

/* Prepare every statement on its connection; 0 or -1 with err set. */
static int
store_prepare(struct store *s, char *err, size_t errsz)
{
	struct db	*db;
	const char	*sql;
	int		 i;

	for (i = 0; i < ST_COUNT; i++) {
		db = store_sql[i].reader ? s->rdb : s->db;
		sql = store_sql[i].sql;
		/* PostgreSQL locks rows as it writes them: a plain BEGIN. */
		if (i == ST_BEGIN && db_kind(db) == DB_PG)
			sql = "BEGIN";
		if ((s->st[i] = db_prepare(db, sql)) == NULL) {
			snprintf(err, errsz, "%s: %s", s->path,
			    db_errmsg(db));
			return -1;
		}
		/* A frame and its events: nothing waits for them (pipelined). */
		if (i == ST_FRAME_ADD || i == ST_EVENT_ADD)
			db_set_blind(s->st[i]);
	}
	return 0;
}

/* Warn when the file at path (if any) is open to group or others. */
static void
store_mode_warn(const char *path)
{
	struct stat	st;

	if (stat(path, &st) == 0 && (st.st_mode & 077) != 0)
		log_warnx("%s: mode %04o lets group or others at it, but it "
		    "holds keys and password hashes; chmod 600 it", path,
		    (unsigned)(st.st_mode & 07777));
}

/*
 * Create the database file 0600 if it is missing, whatever the umask
 * (SQLite gives its -wal and -shm files the database file's mode), and warn
 * about any of the three that others may read.  0 or -1 with err set.
 */
static int
store_file_mode(const char *path, char *err, size_t errsz)
{
	static const char *const sfx[] = { "", "-wal", "-shm" };
	char	*p;
	size_t	 i;
	int	 fd, rc;

	/* Other failures (no such directory, ...) are SQLite's to report. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd != -1) {
		rc = fchmod(fd, 0600);
		if (close(fd) == -1 || rc == -1) {
			snprintf(err, errsz, "%s: %s", path, strerror(errno));
			return -1;
		}
	}
	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		p = xasprintf("%s%s", path, sfx[i]);
		store_mode_warn(p);
		free(p);
	}
	return 0;
}

/*
 * event.list's account and class keys (evkeys.c); NULL when they cannot be
 * kept, and then the filters read the events table alone.
 */
static struct evkeys *
store_keys_open(const char *path)
{
	struct evkeys	*k;
	char		 err[512];

	if ((k = evkeys_open(path, err, sizeof(err))) == NULL)
		log_warnx("%s; " EVKEYS_WITHOUT, err);
	return k;
}

/* The reader sees the keys database as "ek".  0, or -1 logged. */
static int
store_keys_attach(sqlite3 *h, struct evkeys *k)
{
	sqlite3_stmt	*st = NULL;
	int		 rc;

	if ((rc = sqlite3_prepare_v2(h, "ATTACH ?1 AS ek", -1, &st, NULL)) ==
	    SQLITE_OK) {
		sqlite3_bind_text(st, 1, evkeys_path(k), -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE || rc == SQLITE_OK)
		return 0;
	log_warnx("%s: attach: %s; " EVKEYS_WITHOUT, evkeys_path(k),
	    sqlite3_errmsg(h));
	return -1;
}

/* The event.list keys (SQLite, not in memory); NULL none. */
struct evkeys *
store_evkeys(struct store *s)
{
	return s->keys;
}

/*
 * Fill the WAL with zeros up to STORE_WAL_PREALLOC_MB, so that the syncs
 * write over it instead of growing it.  On this machine's ext4 an
 * fdatasync after an append also writes the inode and the new blocks' map:
 * 245-300 us against 125-205 us for the same write over allocated blocks
 * (fallocate() does not help: its blocks are "unwritten", and writing one
 * changes the map as much).  SQLite reads a WAL whose header is not valid
 * (zeros) as empty and writes its header and frames over it; after a crash,
 * recovery stops at the first frame that is not valid (zeros, or an older
 * cycle's frames, as ever).
 *
 * Only on the single connection open at start-up, after a TRUNCATE
 * checkpoint has emptied the WAL (everything in it is in the database file,
 * synced, and the next writer starts the WAL over), and holding the write
 * lock (BEGIN IMMEDIATE, which writes nothing): then nothing in the file is
 * needed, and no connection of any process writes it until the zeros are
 * on disk.  Neither waits: anything else (another process holds the
 * database, even a second pcod started on it by mistake; no room on the
 * disk) leaves the WAL to grow as before.
 */
static void
store_wal_prealloc(sqlite3 *h, const char *path, const char *wal)
{
	static const char	 zero[65536];
	const char		*v = getenv("PCOD_WAL_PREALLOC_MB");
	struct stat		 st;
	off_t			 size, off;
	ssize_t			 n = 0;
	int			 fd, nlog = -1, nckpt = -1, mb = STORE_WAL_PREALLOC_MB;

	if (v != NULL)
		mb = atoi(v);
	if (mb <= 0 || strcmp(path, ":memory:") == 0)
		return;
	size = (off_t)mb << 20;
	/*
	 * A WAL that size already is written over as it is; and the checkpoint
	 * below stays short (a long migration's WAL is the checkpoint
	 * thread's, later, not a wait before pcod answers).
	 */
	if (stat(wal, &st) == 0 && st.st_size >= size)
		return;
	sqlite3_busy_timeout(h, 0);
	if (sqlite3_wal_checkpoint_v2(h, NULL, SQLITE_CHECKPOINT_TRUNCATE,
	    &nlog, &nckpt) != SQLITE_OK || nlog != 0 ||
	    sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		log_info("%s: the WAL is not preallocated (it could not be emptied "
		    "at once: %s)", path, nlog > 0 ? "another process reads it" :
		    sqlite3_errmsg(h));
		sqlite3_busy_timeout(h, STORE_BUSY_MS);
		return;
	}
	if ((fd = open(wal, O_WRONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		goto done;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_size != 0) {
		close(fd);
		goto done;
	}
	for (off = 0; off < size; off += (off_t)sizeof(zero))
		if ((n = pwrite(fd, zero, sizeof(zero), off)) != (ssize_t)sizeof(zero))
			break;
	if (off < size && n >= 0)
		errno = ENOSPC;		/* a short write: the disk is full */
	if (off < size || fdatasync(fd) == -1) {
		log_warnx("%s: the WAL is not preallocated (%d MiB): %s; it grows "
		    "as it is written", wal, mb, strerror(errno));
		/* The zeros are nobody's: give the room back. */
		if (ftruncate(fd, 0) == -1)
			log_warnx("%s: ftruncate: %s", wal, strerror(errno));
	} else
		log_debug("%s: WAL preallocated (%d MiB of zeros)", wal, mb);
	close(fd);
done:
	if (sqlite3_exec(h, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		(void)sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_busy_timeout(h, STORE_BUSY_MS);
}

/* Open (creating it 0600 if needed) and migrate the database; NULL, err set. */
struct store *
store_open(const char *path, char *err, size_t errsz)
{
	struct store	*s;
	sqlite3		*h;

	if (!db_is_pg(path) && strcmp(path, ":memory:") != 0 &&
	    store_file_mode(path, err, errsz) != 0)
		return NULL;
	s = xcalloc(1, sizeof(*s));
	s->path = xstrdup(path);
	s->wal = xasprintf("%s-wal", path);
	s->audit_shipped = -1;
	if (db_is_pg(path)) {
		if (store_pg_open(path, &s->db, &s->rdb, err, errsz) != 0)
			goto fail;
		s->kind_pg = 1;
	} else {
		/* The writer gathers a commit's WAL writes into one (walbuf.c). */
		h = store_connect(path, SQLITE_OPEN_READWRITE |
		    SQLITE_OPEN_CREATE, WALBUF_VFS, err, errsz);
		if (h == NULL)
			goto fail;
		s->db = db_sqlite(h);
		if (store_configure(h, path, err, errsz) != 0)
			goto fail;
		if (store_migrate(h, path, err, errsz) != 0)
			goto fail;
		store_wal_prealloc(h, path, s->wal);
		if (strcmp(path, ":memory:") != 0)
			s->keys = store_keys_open(path);
		/* Opened after migrating, so the reader sees the final schema. */
		h = store_connect(path, SQLITE_OPEN_READONLY, NULL, err, errsz);
		if (h == NULL)
			goto fail;
		s->rdb = db_sqlite(h);
		if (s->keys != NULL && store_keys_attach(h, s->keys) != 0) {
			evkeys_close(s->keys);
			s->keys = NULL;
		}
	}
	if (store_prepare(s, err, errsz) != 0)
		goto fail;
	/*
	 * Only SQLite files older than the chain (schema 7) have rows to
	 * chain; PostgreSQL's schema had it from its first version, and a
	 * standby must not write at all.
	 */
	if (!s->kind_pg && store_audit_chain_old(s) != 0) {
		snprintf(err, errsz, "%s: cannot chain the old audit rows: %s",
		    path, s->err);
		goto fail;
	}
	return s;
fail:
	store_close(s);
	return NULL;
}

/* Roll back anything open, finalize the statements, close both connections. */
void
store_close(struct store *s)
{
	int	i;

	if (s == NULL)
		return;
	if (s->db != NULL && db_in_txn(s->db))
		(void)db_exec(s->db, "ROLLBACK");
	for (i = 0; i < ST_COUNT; i++)
		db_finalize(s->st[i]);
	for (i = 0; i < (int)s->ncache; i++)
		db_finalize(s->cache[i].st);
	/*
	 * The reader first; then the keys' writer, the last on the keys
	 * database, so that closing it checkpoints that WAL; the events'
	 * writer last: closing it checkpoints theirs.
	 */
	db_close(s->rdb);
	evkeys_close(s->keys);
	db_close(s->db);
	free(s->wal);
	free(s->path);
	free(s);
}

/* A PostgreSQL server that does not answer (yet)? */
int
store_server_down(const char *path, char *why, size_t whysz)
{
	return db_is_pg(path) && db_pg_ping(path, why, whysz) == 0;
}

/* 1 on SQLite, 0 on PostgreSQL. */
int
store_embedded(const struct store *s)
{
	return db_kind(s->db) == DB_SQLITE;
}

/* The writer's WAL hook: remember its size; no automatic checkpoint. */
static int
store_wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct store	*s = arg;

	s->wal_pages = pages;
	return DB_OK;
}

/*
 * A passive checkpoint on the writer (the loop), if the WAL outgrew the
 * checkpoint thread (writes that never paused).  batch.c calls it only
 * while syncs are fast: on a slow disk the WAL grows rather than freeze
 * the loop.
 */
void
store_checkpoint_oversized(struct store *s)
{
	int	nlog = 0, nckpt = 0;

	if (!s->pipelined || s->wal_pages < STORE_WAL_HARD_PAGES)
		return;
	if (sqlite3_wal_checkpoint_v2(db_sqlite_handle(s->db), NULL, SQLITE_CHECKPOINT_PASSIVE,
	    &nlog, &nckpt) == DB_OK)
		log_debug("%s: WAL of %d pages checkpointed on the loop (%d)",
		    s->path, nlog, nckpt);
}

/* Whether the environment variable name says 0, no or off. */
static int
store_env_off(const char *name)
{
	const char	*v = getenv(name);

	return v != NULL && (strcmp(v, "0") == 0 || strcasecmp(v, "no") == 0 ||
	    strcasecmp(v, "off") == 0);
}

/*
 * A transaction goes to the writer thread from its n-th blind statement
 * on; smaller ones stay on the loop, where the hand-over would cost more
 * than it saves (PCOD_WRITER_THREAD=n; tests/bench/PLAN.md).
 */
static int
store_thread_min(void)
{
	const char	*v = getenv("PCOD_WRITER_THREAD");
	char		*end;
	long		 n;

	if (v == NULL || *v == '\0' || strcasecmp(v, "yes") == 0 ||
	    strcasecmp(v, "on") == 0)
		return STORE_THREAD_MIN;
	n = strtol(v, &end, 10);
	if (*end != '\0' || n < 1 || n > 1000000) {
		log_warnx("store: PCOD_WRITER_THREAD=%s is not 0 or a count of "
		    "statements; using %d", v, STORE_THREAD_MIN);
		return STORE_THREAD_MIN;
	}
	return (int)n;
}

/*
 * Commit without fsync (synchronous=NORMAL) and without the automatic
 * checkpoint: from now on a commit is durable only once syncer.c has
 * synced the WAL, and batch.c waits for that.  0 or -1.
 */
int
store_pipeline(struct store *s)
{
	if (db_kind(s->db) != DB_SQLITE)
		return store_failx(s, "only SQLite has a WAL of pcod's to sync");
	if (strcmp(s->path, ":memory:") == 0)
		return store_failx(s, "an in-memory database has no WAL to sync");
	if (db_exec(s->db, "PRAGMA synchronous=NORMAL") != 0)
		return store_fail(s, STORE_WRITER);
	/* Replaces the automatic checkpoint, which is a WAL hook too. */
	sqlite3_wal_hook(db_sqlite_handle(s->db), store_wal_hook, s);
	s->pipelined = 1;
	/*
	 * A large batch's writes run on a thread of their own while the
	 * loop parses the next frames (db.h); PCOD_WRITER_THREAD=0 keeps
	 * every write on the loop (a diagnostic switch, and the benchmark's
	 * A/B), PCOD_WRITER_THREAD=n sets what counts as large.
	 */
	if (store_env_off("PCOD_WRITER_THREAD"))
		return 0;
	if (db_sqlite_thread(s->db, 1) != 0)
		return store_failx(s, "cannot start the writer thread");
	db_sqlite_thread_min(s->db, store_thread_min());
	return 0;
}

/* Statements the writer thread ran, ran inline, times the loop waited. */
void
store_thread_stats(struct store *s, uint64_t *jobs, uint64_t *inl,
    uint64_t *waits)
{
	db_sqlite_thread_stats(s->db, jobs, inl, waits);
}

/* The WAL's path. */
const char *
store_wal_path(const struct store *s)
{
	return s->wal;
}

/* PostgreSQL: pipeline the writer's batches (store.h). */
int
store_pg_pipeline(struct store *s, void (*synced)(void *), void *arg)
{
	if (!s->kind_pg)
		return store_failx(s, "only PostgreSQL pipelines its batches");
	if (db_pipeline(s->db, synced, arg) != 0)
		return store_fail(s, STORE_WRITER);
	s->pipelined = 1;
	return 0;
}

int
store_pg_socket(struct store *s, unsigned *gen)
{
	return db_pipe_socket(s->db, gen);
}

int
store_pg_pump(struct store *s)
{
	return db_pipe_pump(s->db);
}

int
store_pg_flush(struct store *s)
{
	return db_pipe_flush(s->db);
}

uint64_t
store_pg_sent(struct store *s)
{
	return db_pipe_sent(s->db);
}

uint64_t
store_pg_done(struct store *s, uint64_t *failed, const char **why,
    int *fenced)
{
	enum db_err	cls;
	uint64_t	done;

	done = db_pipe_done(s->db, failed, why, &cls);
	*fenced = *failed != 0 && cls == DB_E_READONLY;
	return done;
}

int
store_pg_wait(struct store *s, uint64_t seq)
{
	return db_pipe_wait(s->db, seq);
}

/* WAL pages after the last commit (pipelined only; else 0). */
int
store_wal_pages(const struct store *s)
{
	return s->wal_pages;
}

/* Every commit so far is on disk: what waits for that may go (the audit log). */
void
store_durable(struct store *s)
{
	if (s->audit_shipped >= 0 && s->pipelined)
		store_audit_ship(s);
}

/* A connection of its own for the checkpoint thread; NULL with err set. */
struct store_ckpt *
store_ckpt_open(const struct store *s, char *err, size_t errsz)
{
	struct store_ckpt	*c;

	/* Two threads, a connection each: SQLite must be built for that. */
	if (!sqlite3_threadsafe()) {
		snprintf(err, errsz, "%s: SQLite is built without threads",
		    s->path);
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->db = store_connect(s->path, SQLITE_OPEN_READWRITE, NULL, err,
	    errsz);
	if (c->db == NULL)
		goto fail;
	/* It syncs the WAL before and the database after each checkpoint. */
	if (store_exec(c->db, s->path, "PRAGMA synchronous=FULL", err,
	    errsz) != 0)
		goto fail;
	sqlite3_wal_autocheckpoint(c->db, 0);
	return c;
fail:
	store_ckpt_close(c);
	return NULL;
}

/* Close the checkpoint connection. */
void
store_ckpt_close(struct store_ckpt *c)
{
	if (c == NULL)
		return;
	sqlite3_close_v2(c->db);
	free(c);
}

/* One passive checkpoint (never waits for the writer or readers).  0 or -1. */
int
store_ckpt_run(void *arg)
{
	struct store_ckpt	*c = arg;
	int			 rc;

	rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
	    NULL, NULL);
	return rc == DB_OK ? 0 : -1;
}

/*
 * Fencing (lease.h): on PostgreSQL a write transaction goes on only while
 * the lease still has this pcod's epoch, and holds its row FOR KEY SHARE to
 * the end: a takeover (FOR UPDATE) waits for the transaction and a deposed
 * pcod's next one fails, while renewals (no key changed) pass freely.
 */
static const char sql_fence[] =
    "SELECT 1 FROM lease WHERE id = 1 AND epoch = ?1 FOR KEY SHARE";
/* The same check as one statement that fails (sql/pg/014_fence.sql). */
static const char sql_fence_pipe[] = "SELECT pcod_fence(?1)";

/* Check the lease inside the open transaction; 0 or -1 rolled back. */
static int
store_fence(struct store *s)
{
	struct db_stmt	*st;
	int		 rc;

	/* Epoch 0 is the free lease's: it fences everything out. */
	if (s->fence <= 0)
		goto fenced;
	/*
	 * Pipelined, nothing waits for the check: the function fails the
	 * transaction itself (its COMMIT with it) when the epoch is not ours.
	 */
	if (s->pipelined) {
		if ((st = store_stmt_blind(s, sql_fence_pipe)) == NULL) {
			store_rollback(s);
			return -1;
		}
		db_bind_int64(st, 1, s->fence);
		rc = db_step(st);
		db_reset(st);
		if (rc == DB_DONE)
			return 0;
		store_fail(s, STORE_WRITER);
		store_rollback(s);
		return -1;
	}
	if ((st = store_stmt(s, STORE_WRITER, sql_fence)) == NULL) {
		store_rollback(s);
		return -1;
	}
	db_bind_int64(st, 1, s->fence);
	rc = db_step(st);
	db_reset(st);
	if (rc == DB_ROW)
		return 0;
	if (rc != DB_DONE) {
		store_fail(s, STORE_WRITER);
		store_rollback(s);
		return -1;
	}
fenced:
	store_rollback(s);
	store_failx(s, "this pcod does not hold the receivers' lease (%s):"
	    " another pcod is active", s->fence > 0 ? "it was taken over" :
	    "standby");
	/* Nothing can be written here: as unavailable as a read-only disk. */
	s->errclass = DB_E_READONLY;
	s->nunavail++;
	return -1;
}

/* PostgreSQL: write only while the lease has this epoch (0: not at all). */
void
store_set_fence(struct store *s, int64_t epoch)
{
	s->fence = epoch;
}

/* Open the batch transaction (BEGIN IMMEDIATE: take the write lock now). */
int
store_begin(struct store *s)
{
	s->in_doubt = 0;
	if (store_run(s, ST_BEGIN, DB_OK) != 0)
		return -1;
	return s->kind_pg ? store_fence(s) : 0;
}

/* Commit the batch; on failure roll it back and keep the reason. */
int
store_commit(struct store *s)
{
	if (store_run(s, ST_COMMIT, DB_OK) == 0) {
		/* Pipelined, the audit log hears of rows once they are synced. */
		if (s->audit_shipped >= 0 && !s->pipelined)
			store_audit_ship(s);
		return 0;
	}
	/*
	 * PostgreSQL: a COMMIT whose connection was lost may have committed
	 * on the server (or on the standby promoted in its place).
	 */
	s->in_doubt = s->kind_pg && s->errclass == DB_E_IO;
	s->tail_ok = 0;
	/* A failed COMMIT may leave the transaction open; the kept error stays. */
	if (db_in_txn(s->db)) {
		db_step(s->st[ST_ROLLBACK]);
		db_reset(s->st[ST_ROLLBACK]);
	}
	return -1;
}

/*
 * Commit the batch on the writer thread when there is one: 1 queued (its
 * outcome from store_commit_result(), once store_commit_fd() was readable
 * or when the caller must know), 0 committed now, -1 failed (rolled back,
 * the reason kept).
 */
int
store_commit_async(struct store *s)
{
	switch (db_commit_queue(s->st[ST_COMMIT])) {
	case 1:
		return 1;
	case 0:
		return store_commit(s);
	default:
		/* A write of the batch failed on the thread already. */
		store_keep_err(s, s->db);
		s->tail_ok = 0;
		store_rollback(s);
		return -1;
	}
}

/* The queued COMMIT's outcome (waits for the writer thread).  0 or -1. */
int
store_commit_result(struct store *s)
{
	if (db_commit_result(s->db) == 0)
		return 0;
	store_keep_err(s, s->db);
	s->tail_ok = 0;
	return -1;
}

/* Readable when a queued COMMIT ran; -1 without the writer thread. */
int
store_commit_fd(struct store *s)
{
	return db_commit_fd(s->db);
}

/* Whether the last failed COMMIT may have committed (its answer was lost). */
int
store_commit_in_doubt(const struct store *s)
{
	return s->in_doubt;
}

/* Abandon the batch, if one is open. */
void
store_rollback(struct store *s)
{
	s->tail_ok = 0;
	if (!db_in_txn(s->db))
		return;
	store_run(s, ST_ROLLBACK, DB_OK);
}

/* Wait at most ms for another process's lock, on both connections. */
void
store_set_busy_timeout(struct store *s, int ms)
{
	db_busy_timeout(s->db, ms);
	db_busy_timeout(s->rdb, ms);
}

/* How many failures so far said the database cannot take writes now. */
uint64_t
store_unavailable_count(const struct store *s)
{
	return s->nunavail;
}

/* 1 if the last failure says the database cannot take writes now (lock, disk). */
int
store_unavailable(struct store *s)
{
	switch (s->errclass) {
	case DB_E_BUSY:
	case DB_E_FULL:
	case DB_E_IO:
	case DB_E_READONLY:
		return 1;
	default:
		return 0;
	}
}

/* 1 while a transaction is open on the writer. */
int
store_in_txn(struct store *s)
{
	return db_in_txn(s->db);
}

/* The message of the last failure. */
const char *
store_errmsg(struct store *s)
{
	return s->err[0] != '\0' ? s->err : "no error";
}

/* 1 if this account/seq/digest was stored with retx = 1 since since_ms (open batch included). */
int
store_frame_seen(struct store *s, const char *account, int seq,
    const char *digest, int64_t since_ms)
{
	struct db_stmt	*st = s->st[ST_SEEN];
	int		 rc;

	store_bind_req(st, 1, account);
	db_bind_int(st, 2, seq);
	store_bind_text(st, 3, digest);
	db_bind_int64(st, 4, since_ms);
	rc = db_step(st);
	if (rc == DB_ROW)
		rc = 1;
	else if (rc == DB_DONE)
		rc = 0;
	else {
		store_keep_err(s, s->db);
		rc = -1;
	}
	store_done(st);
	return rc;
}

/*
 * Bind frame f's own columns (STORE_FRAME_OWN) from index i on; f NULL
 * binds them NULL (an event whose frame has a row of its own).
 */
static int
store_bind_frame_own(struct db_stmt *st, int i, const struct store_frame *f)
{
	int	k, rc = 0;

	if (f == NULL) {
		for (k = 0; k < STORE_FRAME_NOWN; k++)
			rc |= db_bind_null(st, i + k);
		return rc;
	}
	rc |= store_bind_req(st, i, f->transport);
	rc |= store_bind_req(st, i + 1, f->peer);
	rc |= store_bind_req(st, i + 2, f->token);
	rc |= db_bind_int(st, i + 3, f->encrypted != 0);
	rc |= db_bind_int(st, i + 4, f->seq);
	rc |= store_bind_req(st, i + 5, f->rcvr);
	rc |= store_bind_req(st, i + 6, f->line);
	rc |= db_bind_blob(st, i + 7, f->raw != NULL ? f->raw : "",
	    f->raw != NULL ? (int)f->raw_len : 0);
	rc |= store_bind_text(st, i + 8, f->data);
	rc |= store_bind_text(st, i + 9, f->xdata);
	rc |= store_bind_text(st, i + 10, f->digest);
	rc |= store_bind_text(st, i + 11, f->ext);
	rc |= store_bind_opt(st, i + 12, f->retx != 0, 0);
	return rc;
}

/* Insert a frame's own row (one with no event, or several); its id or -1. */
int64_t
store_frame_add(struct store *s, const struct store_frame *f)
{
	struct db_stmt	*st = s->st[ST_FRAME_ADD];
	int		 rc;

	if (f->raw_len > INT32_MAX)
		return store_failx(s, "frame too long");
	rc = db_bind_int64(st, 1, f->received_ms);
	rc |= store_bind_req(st, 2, f->account);
	rc |= store_bind_opt(st, 3, f->panel_time, 0);
	rc |= db_bind_int(st, 4, f->unknown_account != 0);
	rc |= store_bind_frame_own(st, 5, f);
	if (store_run(s, ST_FRAME_ADD, rc) != 0)
		return -1;
	return db_last_id(s->db);
}

/*
 * Insert one event decoded from frame f: into frame frame_id's row set
 * when > 0, else sharing one row with the frame (its only event).
 */
int64_t
store_event_add(struct store *s, int64_t frame_id,
    const struct store_frame *f, const struct event *ev)
{
	struct db_stmt	*st = s->st[ST_EVENT_ADD];
	int		 rc;

	if (frame_id <= 0 && f->raw_len > INT32_MAX)
		return store_failx(s, "frame too long");
	rc = store_bind_opt(st, 1, frame_id > 0 ? frame_id : 0, 0);
	rc |= store_bind_req(st, 2, f->account);
	rc |= db_bind_int64(st, 3, f->received_ms);
	rc |= store_bind_opt(st, 4, f->panel_time, 0);
	rc |= store_bind_arr(st, 5, ev->format, sizeof(ev->format));
	rc |= store_bind_arr(st, 6, ev->code, sizeof(ev->code));
	rc |= store_bind_req(st, 7, codes_qual_name(ev->qual));
	rc |= store_bind_req(st, 8, codes_class_name(ev->cls));
	rc |= store_bind_arr(st, 9, ev->text, sizeof(ev->text));
	rc |= store_bind_opt(st, 10, ev->zone, -1);
	rc |= store_bind_opt(st, 11, ev->user, -1);
	rc |= store_bind_opt(st, 12, ev->partition, -1);
	rc |= db_bind_int(st, 13, ev->known != 0);
	rc |= db_bind_int(st, 14, f->unknown_account != 0);
	rc |= store_bind_opt(st, 15, (int64_t)ev->event_time, 0);
	rc |= store_bind_arr(st, 16, ev->name, sizeof(ev->name));
	rc |= store_bind_arr(st, 17, ev->note, sizeof(ev->note));
	rc |= store_bind_opt(st, 18, ev->peripheral, -1);
	rc |= store_bind_frame_own(st, 19, frame_id > 0 ? NULL : f);
	if (store_run(s, ST_EVENT_ADD, rc) == -1)
		return -1;
	return db_last_id(s->db);
}

/* Add an account: 0 added, 1 it already exists, -1 error. */
int
store_account_add(struct store *s, const struct store_account *a)
{
	struct db_stmt	*st = s->st[ST_ACCT_ADD];
	int		 rc;

	rc = store_bind_arr(st, 1, a->account, sizeof(a->account));
	rc |= store_bind_arr(st, 2, a->key, sizeof(a->key));
	rc |= store_bind_arr(st, 3, a->name, sizeof(a->name));
	rc |= db_bind_int64(st, 4, a->created_ms);
	rc |= store_bind_opt(st, 5, a->site_id, 0);
	rc |= db_bind_int(st, 6, a->supervision_s);
	rc |= store_bind_arr(st, 7, a->next_key, sizeof(a->next_key));
	rc |= db_bind_int(st, 8, a->plaintext != 0);
	rc |= db_bind_int(st, 9, a->plain_clock != 0);
	if (store_run(s, ST_ACCT_ADD, rc) != 0)
		return -1;
	return db_changes(s->db) == 0 ? 1 : 0;
}

/* Remove an account: 0 removed, 1 not found, -1 error. */
int
store_account_remove(struct store *s, const char *account)
{
	int	rc;

	rc = store_bind_req(s->st[ST_ACCT_DEL], 1, account);
	if (store_run(s, ST_ACCT_DEL, rc) != 0)
		return -1;
	return db_changes(s->db) == 0 ? 1 : 0;
}

/* Copy the current row of a SELECT of STORE_ACCOUNT_COLUMNS into out. */
void
store_account_row(struct db_stmt *st, struct store_account *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->account, sizeof(out->account), "%s", store_col_text(st, 0));
	snprintf(out->key, sizeof(out->key), "%s", store_col_text(st, 1));
	snprintf(out->name, sizeof(out->name), "%s", store_col_text(st, 2));
	out->created_ms = db_column_int64(st, 3);
	out->site_id = db_column_int64(st, 4);
	out->supervision_s = db_column_int(st, 5);
	out->last_seen_ms = db_column_int64(st, 6);
	snprintf(out->next_key, sizeof(out->next_key), "%s",
	    store_col_text(st, 7));
	out->plaintext = db_column_int(st, 8);
	out->plain_clock = db_column_int(st, 9);
}

/* Read one committed account: 0 found, 1 not found, -1 error. */
int
store_account_get(struct store *s, const char *account,
    struct store_account *out)
{
	struct db_stmt	*st = s->st[ST_ACCT_GET];
	int		 rc;

	store_bind_req(st, 1, account);
	rc = db_step(st);
	if (rc == DB_ROW) {
		store_account_row(st, out);
		rc = 0;
	} else if (rc == DB_DONE)
		rc = 1;
	else {
		store_keep_err(s, s->rdb);
		rc = -1;
	}
	store_done(st);
	return rc;
}

/* Call cb for each committed account in account order; stops on non-zero. */
int
store_account_foreach(struct store *s,
    int (*cb)(const struct store_account *, void *), void *arg)
{
	struct db_stmt		*st = s->st[ST_ACCT_ALL];
	struct store_account	 a;
	int			 rc;

	while ((rc = db_step(st)) == DB_ROW) {
		store_account_row(st, &a);
		if (cb(&a, arg) != 0) {
			rc = DB_DONE;
			break;
		}
	}
	if (rc != DB_DONE)
		store_keep_err(s, s->rdb);
	/* Resetting ends the read transaction, so checkpoints are not held up. */
	store_done(st);
	return rc == DB_DONE ? 0 : -1;
}

/*
 * The ids an account or class filter can match, for event.list, from the
 * keys database (evkeys.c): the newest ?5 keyed events that match, each
 * key checked against its event (so that the key of an event deleted since
 * or of another database never counts), and every match among the events
 * not keyed yet, above upto (a scan of the table's tail, by id: "+" keeps
 * the time limits off events_received).
 */
static void
store_list_keys(char *out, size_t outsz, const struct store_event_filter *flt)
{
	int	acct = flt->account != NULL;

	snprintf(out, outsz, "SELECT id FROM (SELECT k.id FROM ek.keys k JOIN"
	    " events x ON x.id = k.id WHERE k.kind = %d AND k.key = %s AND"
	    " x.received_ms = k.received_ms%s%s%s%s ORDER BY k.received_ms"
	    " DESC, k.id DESC LIMIT ?5) ks UNION SELECT t.id FROM events t"
	    " WHERE t.id > (SELECT upto FROM ek.mark)%s%s%s%s",
	    acct ? 0 : 1, acct ? "?1" : "?2",
	    acct ? " AND x.account = ?1" : "",
	    flt->cls >= 0 ? " AND x.class = ?2" : "",
	    flt->since_ms != 0 ? " AND k.received_ms >= ?3" : "",
	    flt->until_ms != 0 ? " AND k.received_ms < ?4" : "",
	    acct ? " AND t.account = ?1" : "",
	    flt->cls >= 0 ? " AND t.class = ?2" : "",
	    flt->since_ms != 0 ? " AND +t.received_ms >= ?3" : "",
	    flt->until_ms != 0 ? " AND +t.received_ms < ?4" : "");
}

/*
 * A list without an account or class filter, from the class keys (kind 1:
 * every event has exactly one, so together they are a time index; SQLite
 * keeps none on events since schema 18).  First the newest ?5 events by id
 * in the window's ids [lo, hi) (store_list_route()): if there are ?5 of
 * them, at least ?5 events in the window are as new as the oldest of them
 * (s.lo), so the list's events are all among the keys from s.lo on, read
 * class by class (c first: CROSS JOIN), each checked against its event as
 * above; with fewer, every key in the window.  Then the tail not keyed
 * yet.  Exact whatever the clock did; about ?5 events and ?5 keys read
 * when it did nothing.
 */
static void
store_list_time_keys(char *out, size_t outsz,
    const struct store_event_filter *flt, int64_t lo, int64_t hi)
{
	const char	*since = flt->since_ms != 0 ? " AND received_ms >= ?3" : "";
	const char	*until = flt->until_ms != 0 ? " AND received_ms < ?4" : "";

	snprintf(out, outsz, "WITH RECURSIVE c(k) AS (SELECT (SELECT min(key)"
	    " FROM ek.keys WHERE kind = 1) UNION ALL SELECT (SELECT min(key)"
	    " FROM ek.keys WHERE kind = 1 AND key > c.k) FROM c WHERE c.k IS"
	    " NOT NULL), s(lo) AS MATERIALIZED (SELECT CASE WHEN count(*) = ?5"
	    " THEN min(received_ms) ELSE %s END FROM (SELECT received_ms FROM"
	    " events WHERE id >= %" PRId64 " AND id < %" PRId64 "%s%s ORDER BY"
	    " id DESC LIMIT ?5)), m AS MATERIALIZED (SELECT y.id FROM c CROSS"
	    " JOIN ek.keys y ON y.kind = 1 AND y.key = c.k AND y.received_ms >="
	    " (SELECT lo FROM s)%s JOIN events x ON x.id = y.id WHERE x.received_ms"
	    " = y.received_ms AND x.class = y.key UNION SELECT t.id FROM events t"
	    " WHERE t.id > (SELECT upto FROM ek.mark)%s%s)",
	    flt->since_ms != 0 ? "?3" : "-9223372036854775808", lo, hi,
	    since, until,
	    flt->until_ms != 0 ? " AND y.received_ms < ?4" : "",
	    flt->since_ms != 0 ? " AND +t.received_ms >= ?3" : "",
	    flt->until_ms != 0 ? " AND +t.received_ms < ?4" : "");
}

/* How event.list finds its rows (store_list_route()). */
enum store_list_route {
	LIST_SCAN,		/* a plain query (PostgreSQL: its indexes) */
	LIST_KEYS,		/* account or class keys (evkeys.c) */
	LIST_TIME_KEYS,		/* the class keys as a time index */
	LIST_IDS		/* ids, the window found by id */
};

/*
 * Keys not written yet a list without account or class may scan before it
 * goes by ids instead: the tail is read whole and sorted, on the loop.
 * PCOD_TEST_LIST_TAIL_MAX sets it for the tests (-1: always by ids).
 */
#define STORE_LIST_TAIL_MAX	131072

static int64_t
store_list_tail_max(void)
{
	const char	*v = getenv("PCOD_TEST_LIST_TAIL_MAX");

	return v != NULL && *v != '\0' ? atoll(v) : STORE_LIST_TAIL_MAX;
}

/*
 * The route for flt, and for the time routes the ids of the window [*lo, *hi).
 * Without usable keys, or with many events not keyed yet (a keys
 * database being written again), a list without account or class goes by
 * ids, newest first (the events table's own order): exact unless the
 * clock stepped back near the window's ends.  With an account or class it
 * scans events (slower, not wrong), as before.
 */
static int
store_list_route(struct store *s, const struct store_event_filter *flt,
    int64_t *lo, int64_t *hi)
{
	int64_t	upto = 0, newest, id;
	int	usable;

	if (s->kind_pg)
		return LIST_SCAN;
	usable = s->keys != NULL && evkeys_usable(s->keys, &upto, NULL);
	if (flt->account != NULL || flt->cls >= 0)
		return usable ? LIST_KEYS : LIST_SCAN;
	/* Not since: the first id, no search. */
	if (store_event_id_at(s, flt->since_ms != 0 ? flt->since_ms :
	    INT64_MIN, lo, &newest) != 0)
		return -1;
	*hi = INT64_MAX;
	if (flt->until_ms != 0) {
		if (store_event_id_at(s, flt->until_ms, &id, &newest) != 0)
			return -1;
		/* None received at until yet: those committed meanwhile too. */
		if (id <= newest)
			*hi = id;
	}
	if (usable && newest - upto <= store_list_tail_max())
		return LIST_TIME_KEYS;
	return LIST_IDS;
}

/*
 * Prepare the event.list query for the clauses this filter uses.  Newest
 * first by (received_ms, id) rather than id alone: that is the order of
 * the keys (the id ends each), so a bounded list never sorts the whole
 * matching history.
 */
static struct db_stmt *
store_list_prepare(struct store *s, const struct store_event_filter *flt)
{
	char		 sql[3072], keys[2048];
	struct db_stmt	*st = NULL;
	int64_t		 lo = 0, hi = 0;

	switch (store_list_route(s, flt, &lo, &hi)) {
	case LIST_KEYS:
	case LIST_TIME_KEYS:
		/*
		 * MATERIALIZED: planned apart, so that SQLite never reads the
		 * tail's side in the final order, which can mean every event
		 * stored.
		 */
		if (flt->account != NULL || flt->cls >= 0) {
			store_list_keys(keys, sizeof(keys), flt);
			snprintf(sql, sizeof(sql), "WITH m AS MATERIALIZED"
			    " (%s) %s", keys, STORE_LIST_SELECT);
		} else {
			store_list_time_keys(keys, sizeof(keys), flt, lo, hi);
			snprintf(sql, sizeof(sql), "%s %s", keys,
			    STORE_LIST_SELECT);
		}
		snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql),
		    " FROM m JOIN events e ON e.id = m.id LEFT JOIN frames f"
		    " ON f.id = e.frame_id ORDER BY e.received_ms DESC,"
		    " e.id DESC LIMIT ?5");
		break;
	case LIST_IDS:
		snprintf(sql, sizeof(sql), "SELECT * FROM (%s%s AND e.id >="
		    " %" PRId64 " AND e.id < %" PRId64 "%s%s ORDER BY e.id"
		    " DESC LIMIT ?5) ORDER BY 2 DESC, 1 DESC",
		    STORE_LIST_SELECT, STORE_LIST_FROM, lo, hi,
		    flt->since_ms != 0 ? " AND e.received_ms >= ?3" : "",
		    flt->until_ms != 0 ? " AND e.received_ms < ?4" : "");
		break;
	case LIST_SCAN:
		snprintf(sql, sizeof(sql), "%s%s%s%s%s%s ORDER BY"
		    " e.received_ms DESC, e.id DESC LIMIT ?5",
		    STORE_LIST_SELECT, STORE_LIST_FROM,
		    flt->account != NULL ? " AND e.account = ?1" : "",
		    flt->cls >= 0 ? " AND e.class = ?2" : "",
		    flt->since_ms != 0 ? " AND e.received_ms >= ?3" : "",
		    flt->until_ms != 0 ? " AND e.received_ms < ?4" : "");
		break;
	default:
		return NULL;
	}
	if ((st = db_prepare(s->rdb, sql)) == NULL) {
		store_keep_err(s, s->rdb);
		return NULL;
	}
	return st;
}

/* Bind the filter's values; 0 or -1. */
static int
store_list_bind(struct store *s, struct db_stmt *st,
    const struct store_event_filter *flt)
{
	const char	*cls = NULL;
	int		 rc;

	if (flt->cls >= 0 && (flt->cls >= EVC_COUNT ||
	    (cls = codes_class_name((enum event_class)flt->cls)) == NULL)) {
		snprintf(s->err, sizeof(s->err), "unknown event class %d",
		    flt->cls);
		return -1;
	}
	/*
	 * Unused numbered parameters are harmless to bind: ?5 fixes the count.
	 * Never NULL: PostgreSQL must tell an unused one's type from its value.
	 */
	rc = store_bind_req(st, 1, flt->account);
	rc |= store_bind_req(st, 2, cls);
	rc |= db_bind_int64(st, 3, flt->since_ms);
	rc |= db_bind_int64(st, 4, flt->until_ms);
	rc |= db_bind_int(st, 5, flt->limit);
	if (rc != DB_OK) {
		store_keep_err(s, s->rdb);
		return -1;
	}
	return 0;
}

/* Fill an event.list row from the current result row (seq -1: no frame). */
static void
store_list_row(struct db_stmt *st, struct store_event_row *r)
{
	r->id = db_column_int64(st, 0);
	r->received_ms = db_column_int64(st, 1);
	r->panel_time = db_column_int64(st, 2);
	r->account = store_col_text(st, 3);
	r->format = store_col_text(st, 4);
	r->code = store_col_text(st, 5);
	r->qual = store_col_text(st, 6);
	r->cls = store_col_text(st, 7);
	r->text = store_col_text(st, 8);
	r->zone = store_col_int(st, 9, -1);
	r->user = store_col_int(st, 10, -1);
	r->partition = store_col_int(st, 11, -1);
	r->unknown_account = db_column_int(st, 12);
	r->transport = store_col_text(st, 13);
	r->peer = store_col_text(st, 14);
	r->seq = store_col_int(st, 15, -1);
	r->raw = store_col_text(st, 16);
	r->event_time = db_column_int64(st, 17);
	r->peripheral = store_col_int(st, 18, -1);
	r->name = store_col_text(st, 19);
	r->note = store_col_text(st, 20);
	r->ext = db_column_text(st, 21);
}

/*
 * Committed events matching the filter, newest first (received_ms, then id);
 * since is inclusive, until exclusive.  cb returning non-zero stops early.
 */
int
store_event_list(struct store *s, const struct store_event_filter *flt,
    int (*cb)(const struct store_event_row *, void *), void *arg)
{
	struct store_event_row	 r;
	struct db_stmt		*st;
	int			 rc;

	if (flt->limit <= 0) {
		snprintf(s->err, sizeof(s->err), "invalid limit %d", flt->limit);
		return -1;
	}
	if ((st = store_list_prepare(s, flt)) == NULL)
		return -1;
	if (store_list_bind(s, st, flt) != 0) {
		db_finalize(st);
		return -1;
	}
	while ((rc = db_step(st)) == DB_ROW) {
		store_list_row(st, &r);
		if (cb(&r, arg) != 0) {
			rc = DB_DONE;
			break;
		}
	}
	if (rc != DB_DONE)
		store_keep_err(s, s->rdb);
	db_finalize(st);
	return rc == DB_DONE ? 0 : -1;
}

/* --- the toolkit of store_int.h ------------------------------------------ */

/* The connection handle for conn. */
static struct db *
store_db(struct store *s, enum store_conn conn)
{
	return conn == STORE_READER ? s->rdb : s->db;
}

/* The cached statement for sql on conn, prepared on first use. */
struct db_stmt *
store_stmt(struct store *s, enum store_conn conn, const char *sql)
{
	struct store_cached	*c;
	size_t			 i;

	for (i = 0; i < s->ncache; i++) {
		c = &s->cache[i];
		if (c->sql == sql && c->conn == (int)conn) {
			store_done(c->st);
			return c->st;
		}
	}
	if (s->ncache == STORE_CACHE_MAX)
		fatalx("store: more than %d cached statements", STORE_CACHE_MAX);
	c = &s->cache[s->ncache];
	if ((c->st = db_prepare(store_db(s, conn), sql)) == NULL) {
		store_fail(s, conn);
		log_warnx("store: cannot prepare \"%.60s\": %s", sql, s->err);
		return NULL;
	}
	c->sql = sql;
	c->conn = (int)conn;
	s->ncache++;
	return c->st;
}

/* The audit chain's newest row as written here (pipelined PostgreSQL); 1 known. */
int
store_audit_tail(struct store *s, int64_t *id, char *hash, size_t hashsz)
{
	if (!s->tail_ok)
		return 0;
	*id = s->tail_id;
	snprintf(hash, hashsz, "%s", s->tail_hash);
	return 1;
}

/* Remember the row just appended (only where appends are pipelined). */
void
store_audit_tail_set(struct store *s, int64_t id, const char *hash)
{
	if (!(s->kind_pg && s->pipelined))
		return;
	s->tail_ok = 1;
	s->tail_id = id;
	snprintf(s->tail_hash, sizeof(s->tail_hash), "%s", hash);
}

/* Read the tail from the table again at the next append. */
void
store_audit_tail_forget(struct store *s)
{
	s->tail_ok = 0;
}

/* The connection a new alarm's configuration reads go to (store_int.h). */
enum store_conn
store_cfg_conn(const struct store *s)
{
	return s->kind_pg && s->pipelined ? STORE_READER : STORE_WRITER;
}

/* store_stmt() on the writer, sent without waiting when pipelined (db.h). */
struct db_stmt *
store_stmt_blind(struct store *s, const char *sql)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql);

	if (st != NULL)
		db_set_blind(st);
	return st;
}

/* Keep conn's last error; -1. */
int
store_fail(struct store *s, enum store_conn conn)
{
	store_keep_err(s, store_db(s, conn));
	return -1;
}

/* Keep a message of our own; -1. */
int
store_failx(struct store *s, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
	s->errclass = DB_E_NONE;
	return -1;
}

/* Bind a JSON scalar by its type. */
int
store_bind_json(struct db_stmt *st, int idx, const json_t *v)
{
	switch (v == NULL ? JSON_NULL : json_typeof(v)) {
	case JSON_STRING:
		return db_bind_text_copy(st, idx, json_string_value(v),
		    (int)json_string_length(v));
	case JSON_INTEGER:
		return db_bind_int64(st, idx, json_integer_value(v));
	case JSON_REAL:
		return db_bind_double(st, idx, json_real_value(v));
	case JSON_TRUE:
		return db_bind_int(st, idx, 1);
	case JSON_FALSE:
		return db_bind_int(st, idx, 0);
	default:
		return db_bind_null(st, idx);
	}
}

/* Bind a string, NULL as SQL NULL. */
int
store_bind_str(struct db_stmt *st, int idx, const char *v)
{
	return store_bind_text(st, idx, v);
}

/* Step a writer statement to its end. */
int
store_step_done(struct store *s, struct db_stmt *st)
{
	int	rc = db_step(st);

	if (rc != DB_DONE) {
		store_keep_err(s, db_handle(st));
		store_done(st);
		return -1;
	}
	store_done(st);
	return 0;
}

/* Step a query once for one integer. */
int
store_step_int64(struct store *s, enum store_conn conn, struct db_stmt *st,
    int64_t *out)
{
	int	rc = db_step(st), ret;

	if (rc == DB_ROW) {
		*out = db_column_int64(st, 0);
		ret = 1;
	} else
		ret = rc == DB_DONE ? 0 : store_fail(s, conn);
	db_reset(st);
	db_clear_bindings(st);
	return ret;
}

/* The one row of sql whose ?1 is key: an object, json_null() if none, NULL on error. */
json_t *
store_row1_by_str(struct store *s, enum store_conn conn, const char *sql,
    const char *key)
{
	struct db_stmt	*st = store_stmt(s, conn, sql);

	if (st == NULL)
		return NULL;
	if (store_bind_str(st, 1, key) != DB_OK) {
		store_fail(s, conn);
		return NULL;
	}
	return store_row1_json(s, conn, st);
}

/* Copy row member key (a string) into buf ("" when absent or not a string). */
void
store_row_str(json_t *row, const char *key, char *buf, size_t bufsz)
{
	const char	*v = json_string_value(json_object_get(row, key));

	snprintf(buf, bufsz, "%s", v != NULL ? v : "");
}

/* The current row as an object keyed by column name. */
json_t *
store_row_json(struct db_stmt *st)
{
	json_t		*o = json_object(), *v;
	const char	*name;
	char		 key[64];
	size_t		 len;
	int		 i, n = db_column_count(st);

	for (i = 0; i < n; i++) {
		name = db_column_name(st, i);
		len = strlen(name);
		/* "x_json": JSON text stored in a column, shown as x. */
		if (len > 5 && len < sizeof(key) &&
		    strcmp(name + len - 5, "_json") == 0) {
			snprintf(key, sizeof(key), "%.*s", (int)(len - 5), name);
			v = db_column_type(st, i) == DB_TEXT ? json_loads(
			    db_column_text(st, i), 0, NULL) :
			    NULL;
			json_object_set_new(o, key, v != NULL ? v : json_null());
			continue;
		}
		switch (db_column_type(st, i)) {
		case DB_INTEGER:
			v = json_integer(db_column_int64(st, i));
			break;
		case DB_FLOAT:
			v = json_real(db_column_double(st, i));
			break;
		case DB_NULL:
			v = json_null();
			break;
		default:
			v = json_stringn(db_column_text(st, i),
			    (size_t)db_column_bytes(st, i));
			if (v == NULL)	/* not UTF-8: keep the row, lose the value */
				v = json_null();
		}
		json_object_set_new(o, name, v);
	}
	return o;
}

/* Every row as an array of objects. */
json_t *
store_rows_json(struct store *s, enum store_conn conn, struct db_stmt *st)
{
	json_t	*a = json_array();
	int	 rc;

	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(a, store_row_json(st));
	if (rc != DB_DONE) {
		store_fail(s, conn);
		json_decref(a);
		a = NULL;
	}
	store_done(st);
	return a;
}

/* The first row, json_null() when none. */
json_t *
store_row1_json(struct store *s, enum store_conn conn, struct db_stmt *st)
{
	json_t	*o;
	int	 rc = db_step(st);

	if (rc == DB_ROW)
		o = store_row_json(st);
	else if (rc == DB_DONE)
		o = json_null();
	else {
		store_fail(s, conn);
		o = NULL;
	}
	store_done(st);
	return o;
}

/* The last audit id shipped to the log; -1 while audit-syslog is off. */
int64_t *
store_audit_cursor(struct store *s)
{
	return &s->audit_shipped;
}

/* Rows changed by the writer's last statement. */
int
store_changes(struct store *s)
{
	return db_changes(s->db);
}

/* Rowid of the writer's last insert. */
int64_t
store_last_id(struct store *s)
{
	return db_last_id(s->db);
}

/* --- savepoints ----------------------------------------------------------- */

static const char sql_savepoint[] = "SAVEPOINT cmd";
static const char sql_release[] = "RELEASE cmd";
static const char sql_rollback_to[] = "ROLLBACK TO cmd";

/* Run one of the savepoint statements on the writer. */
static int
store_sp(struct store *s, const char *sql)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql);

	return st == NULL ? -1 : store_step_done(s, st);
}

/* Open a savepoint in the batch. */
int
store_savepoint(struct store *s)
{
	return store_sp(s, sql_savepoint);
}

/* Keep what was done since the savepoint. */
int
store_release(struct store *s)
{
	return store_sp(s, sql_release);
}

/* Undo what was done since the savepoint and close it. */
void
store_rollback_savepoint(struct store *s)
{
	s->tail_ok = 0;
	if (store_sp(s, sql_rollback_to) == -1 || store_sp(s, sql_release) == -1)
		log_warnx("store: cannot roll back to the savepoint: %s", s->err);
}

/* --- account changes beyond add/remove ------------------------------------ */

static const char sql_acct_update[] = "UPDATE accounts SET key = ?2, name = ?3,"
    " site_id = ?4, supervision_s = ?5, next_key = ?6, plaintext = ?7,"
    " plain_clock = ?8 WHERE account = ?1";
static const char sql_acct_seen[] = "UPDATE accounts SET last_seen_ms = ?2"
    " WHERE account = ?1 AND (last_seen_ms IS NULL OR last_seen_ms < ?2)";

/* Replace key, name, site and supervision of an account: 0, 1 not found, -1. */
int
store_account_update(struct store *s, const struct store_account *a)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql_acct_update);
	int		 rc;

	if (st == NULL)
		return -1;
	rc = store_bind_arr(st, 1, a->account, sizeof(a->account));
	rc |= store_bind_arr(st, 2, a->key, sizeof(a->key));
	rc |= store_bind_arr(st, 3, a->name, sizeof(a->name));
	rc |= store_bind_opt(st, 4, a->site_id, 0);
	rc |= db_bind_int(st, 5, a->supervision_s);
	rc |= store_bind_arr(st, 6, a->next_key, sizeof(a->next_key));
	rc |= db_bind_int(st, 7, a->plaintext != 0);
	rc |= db_bind_int(st, 8, a->plain_clock != 0);
	if (rc != DB_OK) {
		store_done(st);
		return store_fail(s, STORE_WRITER);
	}
	if (store_step_done(s, st) != 0)
		return -1;
	return db_changes(s->db) == 0 ? 1 : 0;
}

/* Record a sign of life of an account (never moving it back).  0 or -1. */
int
store_account_seen(struct store *s, const char *account, int64_t ms)
{
	/* Blind: supervision writes it for every account now and then. */
	struct db_stmt	*st = store_stmt_blind(s, sql_acct_seen);

	if (st == NULL)
		return -1;
	if (store_bind_text(st, 1, account) != DB_OK ||
	    db_bind_int64(st, 2, ms) != DB_OK) {
		store_done(st);
		return store_fail(s, STORE_WRITER);
	}
	return store_step_done(s, st);
}
