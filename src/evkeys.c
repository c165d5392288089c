/*
 * evkeys.c - event.list's account and class keys, in a database of their
 * own, written by a thread of its own.
 *
 * Why.  Two indexes on events, (account, received_ms) and (class,
 * received_ms), served only event.list's --account and --class filters,
 * yet every commit paid for them on the loop: a leaf page per distinct
 * account and class, about a fifth of an event's cost at 64 panels of one
 * frame (tests/bench/PLAN.md, seventh session).  Schema 16 drops them on
 * SQLite; this file keeps the same keys in "<database>-keys", written in
 * steps of up to EVKEYS_STEP events by a thread of its own (the second
 * core), so that the loop never does that B-tree work.  PostgreSQL keeps
 * its indexes: the server does that work, not pcod's loop.
 *
 * What the keys database holds.
 *   keys (kind, key, received_ms, id), WITHOUT ROWID: kind 0 keys the
 *   account, 1 the class.  Every event has exactly one class, so the
 *   class keys together are also event.list's time index (schema 18 drops
 *   events_received; store.c, store_list_time_keys()).  mark: upto, the
 *   highest event id keyed (every
 *   committed event at or below it has its two keys), with that event's
 *   received_ms and account as a fingerprint.
 *
 * Why a list can trust it (store.c, store_list_keys()).
 *   - Completeness: event.list reads the keys of the events at or below
 *     upto, and the events table itself above it (a scan of the tail, by
 *     id), in one statement.
 *   - No false matches: each key is joined to its event, whose own
 *     account, class and received_ms are checked, so that a key of an
 *     event deleted since (retention) or of another database never counts.
 *   - Ids come back: SQLite numbers a new event max(id) + 1, so once the
 *     newest events are gone (retention took all of an idle site's; a
 *     power cut lost commits not yet synced: keys are written from
 *     committed events, synced or not), new ones get ids at or below upto.
 *     So at open and before each step, upto's event must still be there as
 *     the fingerprint says; otherwise (that, or another database copied
 *     in, a backup restored) the keys are dropped and written again from
 *     the first event.  Until that step (EVKEYS_NAP_MS at most) an event
 *     given such an id can be missing from a filtered list; an unfiltered
 *     list reads events alone and always has it.
 *   - Damage: a keys database that cannot be opened, or SQLITE_CORRUPT on
 *     the thread (which leaves "<keys>-bad" behind and stops), means a
 *     rebuild at the next open; meanwhile event.list reads events alone:
 *     slower, not wrong.
 *
 * Durability: WAL with synchronous=NORMAL; keys and mark change in one
 * transaction, so after a crash the file holds a consistent earlier state.
 * It is derived data: never backed up or archived, and safe to delete
 * while pcod is stopped (it is rebuilt in the background, about 6 s a
 * million events of 5,000 accounts on the test machine).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "clock.h"
#include "evkeys.h"
#include "log.h"
#include "syncer.h"
#include "xmalloc.h"

/*
 * Events a step at most: a step writes a page per account (and class) it
 * touches, however few of its keys are new, so a history is keyed in large
 * steps (a million events of 5,000 accounts: 18 s in steps of 4,096, 6 s
 * in steps of 65,536); a step once caught up holds what came in the nap.
 */
#define EVKEYS_STEP	65536
#define EVKEYS_NAP_MS	500		/* the thread's pause once caught up */
#define EVKEYS_RETRY_MS	5000		/* ... and after a failed step */
#define EVKEYS_PURGE_MS	(3600 * 1000)	/* stale keys are dropped this often */
#define EVKEYS_BUSY_MS	5000
#define EVKEYS_CACHE_KIB "16384"	/* the pages a large step dirties */
/* A step of more events than the cache has pages sorts its accounts. */
#define EVKEYS_SORT_MIN	4096

static const char sql_schema[] = "BEGIN;"
    "CREATE TABLE keys (kind INTEGER NOT NULL, key NOT NULL,"
    " received_ms INTEGER NOT NULL, id INTEGER NOT NULL,"
    " PRIMARY KEY (kind, key, received_ms, id)) WITHOUT ROWID;"
    "CREATE TABLE mark (one INTEGER PRIMARY KEY CHECK (one = 1),"
    " upto INTEGER NOT NULL, received_ms INTEGER, account TEXT);"
    "INSERT INTO mark VALUES (1, 0, NULL, NULL);"
    "PRAGMA user_version = 1;"
    "COMMIT";

enum {
	EK_CHECK,	/* 1 when upto's event is the one keyed; upto */
	EK_HI,		/* the id that ends the next step, and its count */
	EK_ACCT,	/* the account keys of the events in (?1, ?2] */
	EK_ACCT_SORTED,	/* ... in key order: a large step */
	EK_CLASS,	/* the class keys of the events in (?1, ?2] */
	EK_MARK,	/* upto and its fingerprint */
	EK_RESET,	/* every key */
	EK_PURGE,	/* keys below the oldest event */
	EK_COUNT
};

static const char *const ek_sql[EK_COUNT] = {
	[EK_CHECK] = "SELECT m.upto = 0 OR (m.received_ms IS e.received_ms AND"
	    " m.account IS e.account), m.upto FROM mark m LEFT JOIN ev.events e"
	    " ON e.id = m.upto",
	[EK_HI] = "SELECT max(id), count(*) FROM (SELECT id FROM ev.events"
	    " WHERE id > ?1 ORDER BY id LIMIT ?2)",
	/*
	 * Events in id order are (nearly) in received_ms order, so each
	 * key's new entries append to its run: the few classes need no
	 * sorting, nor do the accounts of a small step.
	 * The accounts of a step larger than the cache (EVKEYS_SORT_MIN) are
	 * sorted first, so that each account's leaf is written once, not
	 * fetched again and again as the cache spills; a smaller step's
	 * leaves stay in the cache, and a sort costs more than it saves
	 * (tests/bench/PLAN.md, ninth session).
	 */
	[EK_ACCT] = "INSERT OR IGNORE INTO keys (kind, key, received_ms, id)"
	    " SELECT 0, account, received_ms, id FROM ev.events"
	    " WHERE id > ?1 AND id <= ?2",
	[EK_ACCT_SORTED] = "INSERT OR IGNORE INTO keys (kind, key,"
	    " received_ms, id) SELECT 0, account, received_ms, id"
	    " FROM ev.events WHERE id > ?1 AND id <= ?2 ORDER BY 2, 3, 4",
	[EK_CLASS] = "INSERT OR IGNORE INTO keys (kind, key, received_ms, id)"
	    " SELECT 1, class, received_ms, id FROM ev.events"
	    " WHERE id > ?1 AND id <= ?2",
	[EK_MARK] = "UPDATE mark SET upto = ?1, received_ms = (SELECT"
	    " received_ms FROM ev.events WHERE id = ?1), account = (SELECT"
	    " account FROM ev.events WHERE id = ?1)",
	[EK_RESET] = "DELETE FROM keys",
	[EK_PURGE] = "DELETE FROM keys WHERE id < (SELECT coalesce(min(id),"
	    " (SELECT upto + 1 FROM mark)) FROM ev.events)",
};

struct evkeys {
	char		*dbpath;	/* the events' database; owned */
	char		*path;		/* "<dbpath>-keys"; owned */
	char		*bad;		/* "<path>-bad": rebuild at the next open */
	sqlite3		*db;		/* the keys database, events attached */
	sqlite3_stmt	*st[EK_COUNT];
	pthread_t	 thr;
	int		 started;
	pthread_mutex_t	 mu;		/* guards what follows */
	pthread_cond_t	 wake;		/* stop */
	int		 stop;
	int		 damaged;	/* found corrupt: lists read events alone */
	int64_t		 upto;
	uint64_t	 keyed;
};

/* Keep db's message as "path: what: message" in err. */
static void
evkeys_err(struct evkeys *k, const char *what, char *err, size_t errsz)
{
	snprintf(err, errsz, "%s: %s: %s", k->path, what,
	    k->db != NULL ? sqlite3_errmsg(k->db) : "cannot open");
}

/* Whether the last failure says the file is not a sound keys database. */
static int
evkeys_broken(struct evkeys *k)
{
	switch (k->db != NULL ? sqlite3_errcode(k->db) & 0xff : SQLITE_OK) {
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
	case SQLITE_ERROR:	/* a table or column missing: not our schema */
	case SQLITE_SCHEMA:
	case SQLITE_MISMATCH:
		return 1;
	default:
		return 0;
	}
}

/* Finalize the statements and close the connection. */
static void
evkeys_disconnect(struct evkeys *k)
{
	int	i;

	for (i = 0; i < EK_COUNT; i++) {
		sqlite3_finalize(k->st[i]);
		k->st[i] = NULL;
	}
	sqlite3_close_v2(k->db);
	k->db = NULL;
}

/* Delete the keys database's files.  0, or -1 with err set. */
static int
evkeys_remove(struct evkeys *k, char *err, size_t errsz)
{
	static const char *const sfx[] = { "", "-wal", "-shm" };
	char	*p;
	size_t	 i;
	int	 rc = 0;

	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]) && rc == 0; i++) {
		p = xasprintf("%s%s", k->path, sfx[i]);
		if (unlink(p) == -1 && errno != ENOENT) {
			snprintf(err, errsz, "%s: %s", p, strerror(errno));
			rc = -1;
		}
		free(p);
	}
	if (rc == 0 && unlink(k->bad) == -1 && errno != ENOENT) {
		snprintf(err, errsz, "%s: %s", k->bad, strerror(errno));
		rc = -1;
	}
	return rc;
}

/* Run one statement of k->st to its end; an integer column 0 into *v. */
static int
evkeys_run(struct evkeys *k, int which, int64_t a, int64_t b, int64_t *v,
    int64_t *v2)
{
	sqlite3_stmt	*st = k->st[which];
	int		 rc;

	if (sqlite3_bind_parameter_count(st) >= 1)
		sqlite3_bind_int64(st, 1, a);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int64(st, 2, b);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (v != NULL)
			*v = sqlite3_column_int64(st, 0);
		if (v2 != NULL)
			*v2 = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * In a transaction: k->upto from mark; if upto's event is not the one
 * keyed, drop every key and start again from the first event.  0 or -1.
 */
static int
evkeys_check(struct evkeys *k)
{
	int64_t	ok = 0, upto = 0;

	if (evkeys_run(k, EK_CHECK, 0, 0, &ok, &upto) != 0)
		return -1;
	if (!ok) {
		log_notice("%s: event %lld is not the one keyed (deleted, or"
		    " another database): writing every key again", k->path,
		    (long long)upto);
		if (evkeys_run(k, EK_RESET, 0, 0, NULL, NULL) != 0 ||
		    evkeys_run(k, EK_MARK, 0, 0, NULL, NULL) != 0)
			return -1;
		upto = 0;
	}
	pthread_mutex_lock(&k->mu);
	k->upto = upto;
	pthread_mutex_unlock(&k->mu);
	return 0;
}

/*
 * Open the keys database and check it belongs to the events: 0, 1 when it
 * must be rebuilt (err says why), -1 on a failure a rebuild cannot cure.
 */
static int
evkeys_try(struct evkeys *k, char *err, size_t errsz)
{
	sqlite3_stmt	*st = NULL;
	int64_t		 version = -1;
	int		 fd, i;

	/* Never readable by more than the database it is derived from. */
	if ((fd = open(k->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		snprintf(err, errsz, "%s: %s", k->path, strerror(errno));
		return -1;
	}
	close(fd);
	if (sqlite3_open_v2(k->path, &k->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		evkeys_err(k, "open", err, errsz);
		return -1;
	}
	sqlite3_extended_result_codes(k->db, 1);
	sqlite3_busy_timeout(k->db, EVKEYS_BUSY_MS);
	if (sqlite3_exec(k->db, "PRAGMA journal_mode=WAL;"
	    " PRAGMA synchronous=NORMAL; PRAGMA cache_size=-" EVKEYS_CACHE_KIB,
	    NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	if (sqlite3_prepare_v2(k->db, "PRAGMA user_version", -1, &st,
	    NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW)
		goto fail;
	version = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (version == 0 && sqlite3_exec(k->db, sql_schema, NULL, NULL,
	    NULL) != SQLITE_OK)
		goto fail;
	if (version != 0 && version != 1) {
		snprintf(err, errsz, "%s: version %lld, not 1", k->path,
		    (long long)version);
		return 1;
	}
	if (sqlite3_prepare_v2(k->db, "ATTACH ?1 AS ev", -1, &st, NULL) !=
	    SQLITE_OK)
		goto fail;
	sqlite3_bind_text(st, 1, k->dbpath, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		evkeys_err(k, "attach", err, errsz);
		return -1;
	}
	sqlite3_finalize(st);
	st = NULL;
	for (i = 0; i < EK_COUNT; i++)
		if (sqlite3_prepare_v3(k->db, ek_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &k->st[i], NULL) != SQLITE_OK)
			goto fail;
	if (sqlite3_exec(k->db, "BEGIN", NULL, NULL, NULL) !=
	    SQLITE_OK || evkeys_check(k) != 0 ||
	    sqlite3_exec(k->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	return 0;
fail:
	sqlite3_finalize(st);
	evkeys_err(k, "open", err, errsz);
	return evkeys_broken(k) ? 1 : -1;
}

struct evkeys *
evkeys_open(const char *db, char *err, size_t errsz)
{
	struct evkeys	*k;
	int		 i, rc = -1;

	k = xcalloc(1, sizeof(*k));
	k->dbpath = xstrdup(db);
	k->path = xasprintf("%s-keys", db);
	k->bad = xasprintf("%s-bad", k->path);
	pthread_mutex_init(&k->mu, NULL);
	pthread_cond_init(&k->wake, NULL);
	if (access(k->bad, F_OK) == 0) {
		log_notice("%s: found damaged earlier: rebuilding it", k->path);
		if (evkeys_remove(k, err, errsz) != 0)
			goto fail;
	}
	for (i = 0; i < 2; i++) {
		if ((rc = evkeys_try(k, err, errsz)) != 1)
			break;
		evkeys_disconnect(k);
		log_notice("%s; rebuilding it", err);
		if (evkeys_remove(k, err, errsz) != 0) {
			rc = -1;
			break;
		}
	}
	if (rc == 0)
		return k;
fail:
	evkeys_close(k);
	return NULL;
}

void
evkeys_close(struct evkeys *k)
{
	if (k == NULL)
		return;
	if (k->started) {
		pthread_mutex_lock(&k->mu);
		k->stop = 1;
		pthread_cond_signal(&k->wake);
		pthread_mutex_unlock(&k->mu);
		pthread_join(k->thr, NULL);
	}
	evkeys_disconnect(k);
	pthread_cond_destroy(&k->wake);
	pthread_mutex_destroy(&k->mu);
	free(k->bad);
	free(k->path);
	free(k->dbpath);
	free(k);
}

const char *
evkeys_path(const struct evkeys *k)
{
	return k->path;
}

int
evkeys_step(struct evkeys *k, int max, char *err, size_t errsz)
{
	int64_t	 hi = 0, n = 0, upto;

	if (sqlite3_exec(k->db, "BEGIN", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		evkeys_err(k, "begin", err, errsz);
		return -1;
	}
	if (evkeys_check(k) != 0)
		goto fail;
	upto = k->upto;
	if (evkeys_run(k, EK_HI, upto, max, &hi, &n) != 0)
		goto fail;
	if (n > 0 && (evkeys_run(k, n > EVKEYS_SORT_MIN ? EK_ACCT_SORTED :
	    EK_ACCT, upto, hi, NULL, NULL) != 0 ||
	    evkeys_run(k, EK_CLASS, upto, hi, NULL, NULL) != 0 ||
	    evkeys_run(k, EK_MARK, hi, 0, NULL, NULL) != 0))
		goto fail;
	if (sqlite3_exec(k->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	pthread_mutex_lock(&k->mu);
	k->upto = n > 0 ? hi : upto;
	k->keyed += (uint64_t)n;
	pthread_mutex_unlock(&k->mu);
	return (int)n;
fail:
	evkeys_err(k, "step", err, errsz);
	(void)sqlite3_exec(k->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int
evkeys_purge(struct evkeys *k, char *err, size_t errsz)
{
	if (evkeys_run(k, EK_PURGE, 0, 0, NULL, NULL) == 0)
		return 0;
	evkeys_err(k, "purge", err, errsz);
	return -1;
}

/* Sleep up to ms or until stopped; with k->mu held. */
static void
evkeys_nap(struct evkeys *k, int64_t ms)
{
	struct timespec	ts;

	clock_deadline(&ts, ms);
	while (!k->stop && pthread_cond_timedwait(&k->wake, &k->mu, &ts) == 0)
		;
}

/* Leave the mark that makes the next open rebuild the keys database. */
static void
evkeys_mark_bad(struct evkeys *k)
{
	int	fd;

	if ((fd = open(k->bad, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) == -1)
		log_warn("%s", k->bad);
	else
		close(fd);
}

/* The thread: a step whenever there is something to key, a purge hourly. */
static void *
evkeys_main(void *arg)
{
	struct evkeys	*k = arg;
	char		 err[512];
	int64_t		 purge_at = clock_mono_ms() + EVKEYS_PURGE_MS, nap;
	int		 n, failing = 0;

	/*
	 * At pcod's own priority: a nice of 10 was worth 4 % of the events a
	 * second and 13 % on the ACK's p99 when the panels' client shares the
	 * second core (the bench), but setpriority(2) is in @resources, which
	 * the unit's SystemCallFilter= denies (tests/bench/PLAN.md).
	 */
	pthread_mutex_lock(&k->mu);
	while (!k->stop) {
		pthread_mutex_unlock(&k->mu);
		n = evkeys_step(k, EVKEYS_STEP, err, sizeof(err));
		if (n >= 0 && clock_mono_ms() >= purge_at) {
			n = evkeys_purge(k, err, sizeof(err)) == 0 ? 0 : -1;
			purge_at = clock_mono_ms() + EVKEYS_PURGE_MS;
		}
		if (n == -1 && (sqlite3_errcode(k->db) & 0xff) ==
		    SQLITE_CORRUPT) {
			log_errx("%s; event.list filters read the events table"
			    " alone until pcod starts again and rebuilds it",
			    err);
			evkeys_mark_bad(k);
			pthread_mutex_lock(&k->mu);
			k->damaged = 1;
			break;
		}
		if (n == -1 && !failing)
			log_warnx("%s; retried every %d s", err,
			    EVKEYS_RETRY_MS / 1000);
		else if (n >= 0 && failing)
			log_notice("%s: keys written again", k->path);
		failing = n == -1;
		nap = failing ? EVKEYS_RETRY_MS : n == EVKEYS_STEP ? 0 :
		    EVKEYS_NAP_MS;
		pthread_mutex_lock(&k->mu);
		if (nap > 0)
			evkeys_nap(k, nap);
	}
	pthread_mutex_unlock(&k->mu);
	return NULL;
}

int
evkeys_start(struct evkeys *k, char *err, size_t errsz)
{
	int	rc;

	if ((rc = syncer_thread(&k->thr, evkeys_main, k)) != 0) {
		snprintf(err, errsz, "%s: pthread_create: %s", k->path,
		    strerror(rc));
		return -1;
	}
	k->started = 1;
	return 0;
}

int
evkeys_usable(struct evkeys *k, int64_t *upto, uint64_t *keyed)
{
	int	ok;

	pthread_mutex_lock(&k->mu);
	ok = !k->damaged;
	if (upto != NULL)
		*upto = k->upto;
	if (keyed != NULL)
		*keyed = k->keyed;
	pthread_mutex_unlock(&k->mu);
	return ok;
}
