/*
 * db.c - the statement API of db.h: the SQLite engine, and the dispatch to
 * the PostgreSQL one (db_pg.c) by the connection's kind.
 *
 * On SQLite every call is the sqlite3_* call of the same name; a statement
 * is a small struct around the sqlite3_stmt so that its kind can be told.
 * store.c opens and configures SQLite connections itself (pragmas, the WAL
 * write buffer VFS) and hands them over with db_sqlite().
 *
 * The writer thread (db_sqlite_thread(), issue 11).  A statement marked
 * with db_set_blind() is one nobody reads an answer from: the panel path's
 * INSERTs of frames, events and alarms, and its UPDATEs.  On a connection
 * with its writer thread, db_step() on such a statement copies the bound
 * values into a queue entry and returns DB_DONE at once; the thread binds
 * and steps the entries in queue order, while the loop goes on parsing the
 * next frames.  Every other statement is waited for: it runs on the
 * caller's thread once the queue is empty and the thread idle, so it sees
 * every write queued before it (BEGIN and COMMIT among them: a batch's
 * COMMIT returns when all of its writes are done, and the durability rules
 * of syncer.c do not change).
 *
 * Small transactions stay on the caller's thread (db_sqlite_thread_min()).
 * A queue entry is first staged: written into the queue by the caller but
 * not yet handed to the thread.  A transaction is handed over once it has
 * min entries (from its first entry when the last transactions had that
 * many on average), then in groups of SQ_GROUP, and with its COMMIT.  One
 * that commits smaller is never handed over: its COMMIT is the caller's
 * (db_commit_queue() answers 0), and the first waited statement, at the
 * latest that COMMIT, runs the staged entries itself, the thread being
 * idle.  Waking the thread and waiting for it costs more than a few dozen
 * statements (tests/bench/PLAN.md); overlapping pays in storms.  A write
 * outside a transaction is handed over at once.
 *
 * Who owns what.  The queue's chunks, the positions handed over and run,
 * and the failure are shared, under mu; what is staged is the caller's.
 * The sqlite3 handle and the blind statements' sqlite3_stmts belong to
 * the thread while it has entries to run, and to
 * the caller when it is idle: every call that touches SQLite on this
 * connection first waits for the thread to be idle (sq_idle()); a blind
 * statement's bindings live in its own array (pv) and never touch SQLite
 * on the caller's thread.  Written rows change nothing the caller owns.
 *
 * Ids.  A blind INSERT into a table whose rowid is its "id" gets an
 * explicit id parameter (db_sql_idcol()), and its value from the
 * connection's count for the table: read as max(id) + 1 the first time,
 * moved on by each blind INSERT and, while a waited statement runs, by the
 * update hook (a console's INSERT).  db_last_id() answers from that.  The
 * rowid of a row rolled back is not given again: ids may have gaps.
 *
 * Failures.  A blind statement that fails fails its transaction: the thread
 * skips every entry after it, and the next waited statement (the batch's
 * COMMIT at the latest) answers its error instead of running, so the batch
 * fails as it would have failed at the write itself; a blind step after
 * the thread failed answers the error when it is handed over.  A staged
 * entry the caller runs follows the same rule.  Only ROLLBACK and BEGIN
 * run again after a failure (and clear it).
 */
#include "config.h"

#include <sys/eventfd.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sqlite3.h>

#include "db.h"
#include "db_int.h"
#include "log.h"
#include "xmalloc.h"

/* A queue chunk's size (a larger entry gets a chunk of its own). */
#define SQ_CHUNK	(256 * 1024)
/* Chunks kept for reuse once the queue is empty. */
#define SQ_CHUNKS_KEPT	8
/* Entries handed to a busy transaction's thread at a time (one wake-up). */
#define SQ_GROUP	16

/* The transaction-control verbs a failure treats apart. */
enum { SV_OTHER, SV_BEGIN, SV_ROLLBACK, SV_COMMIT };

/* One value bound to a blind statement, as the caller bound it. */
struct sq_val {
	int		 type;		/* DB_INTEGER.. DB_NULL */
	int		 len;		/* text, blob: bytes */
	int64_t		 i;
	double		 d;
	const void	*p;		/* the caller's bytes, or own */
	char		*own;		/* db_bind_text_copy()'s copy; owned */
};

/* A value in a queue entry; text and blobs follow the values. */
struct sq_jv {
	int		 type;
	int		 len;
	union {
		int64_t	 i;
		double	 d;
		size_t	 off;		/* from the entry's start */
	} u;
};

/* One queue entry: a blind statement to step with these values. */
struct sq_job {
	struct db_sqst	*s;		/* NULL: the rest is in the next chunk */
	size_t		 size;		/* bytes, this header included */
	int		 n;		/* values (struct sq_jv) following */
	int		 commit;	/* a COMMIT queued (db_commit_queue()) */
	int64_t		 id;		/* the idcol parameter's value */
};

struct sq_chunk {
	struct sq_chunk	*next;
	size_t		 cap;
	size_t		 used;		/* the caller's: bytes written */
	unsigned char	 data[];
};

/* A table's next id for blind INSERTs (the connection's count). */
struct sq_ids {
	char		 table[64];
	int64_t		 next;		/* 0: not read yet */
	struct sq_ids	*link;
};

struct db_sq {
	struct db	 base;		/* first: kind */
	sqlite3		*h;		/* owned */
	struct db_sqst	*stmts;		/* owned; every prepared statement */
	struct sq_ids	*ids;		/* owned */
	int64_t		 last_id;	/* with the thread: db_last_id() */
	int		 waiting;	/* caller: a waited statement runs */
	/* The writer thread (db_sqlite_thread()). */
	int		 thread;	/* running */
	pthread_t	 thr;
	pthread_mutex_t	 mu;
	pthread_cond_t	 work;		/* the thread: entries, or stop */
	pthread_cond_t	 idle;		/* the caller: the queue is empty */
	struct sq_chunk	*head;		/* owned; the queue starts here */
	/*
	 * The caller's: the chunk it writes entries into (its used is the
	 * end of what is staged), and the entries staged there, not yet
	 * handed to the thread (sq_publish()).
	 */
	struct sq_chunk	*cur;
	int		 nstaged;
	/* Shared, under mu: */
	struct sq_chunk	*wr_c, *rd_c;	/* handed over up to, run up to */
	size_t		 wr_o, rd_o;
	int		 busy;		/* the thread runs entries */
	int		 sleeping;	/* the thread waits on work */
	int		 stop;
	int		 failed;	/* a blind statement failed */
	int		 fcode;		/* its SQLite result code */
	char		 fmsg[256];
	int		 crc;		/* the last queued COMMIT's result */
	char		 cmsg[256];
	uint64_t	 njobs, nwaits;
	int		 efd;		/* eventfd: a queued COMMIT ran; -1 */
	/*
	 * The caller's: when to hand entries over (db_sqlite_thread_min()).
	 * A transaction is handed over once it has min entries, or from its
	 * first when the transactions before it were that large (avg16).
	 */
	int		 min;
	int		 intx;		/* in a transaction since a BEGIN */
	int		 handed;	/* this transaction went to the thread */
	int		 txn_n;		/* its entries so far */
	int		 avg16;		/* entries a transaction, x16, EWMA */
	uint64_t	 ninline;	/* entries run by the caller */
	/* The caller's: a failure being answered (db_errmsg()). */
	int		 report;
	int		 rcode;
	char		 rmsg[256];
};

struct db_sqst {
	struct db_stmt	 base;		/* first: kind */
	sqlite3_stmt	*st;		/* owned */
	struct db_sq	*db;		/* not owned */
	struct db_sqst	*prev, *next;
	int		 verb;		/* SV_* */
	int		 blind;		/* db_set_blind() */
	int		 nparams;	/* the caller's (idcol's excluded) */
	struct sq_ids	*ids;		/* its id comes from here; NULL none */
	struct sq_val	*pv;		/* blind: the bindings, from 1; owned */
};

#define SQ(d)	((struct db_sq *)(d))
#define SQST(s)	((struct db_sqst *)(s))
#define IS_PG(x)	((x)->kind == DB_PG)
/* Hand a PostgreSQL connection or statement to db_pg.c. */
#define PG_RET(x, call)	do { if (IS_PG(x)) return call; } while (0)
#define PG_DO(x, call)	do { if (IS_PG(x)) { call; return; } } while (0)


/* --- the writer thread ---------------------------------------------------- */

static size_t
sq_align(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/* Run one entry on the thread: bind its values, step, reset.  SQLite's code. */
static int
sq_run(struct db_sq *q, struct sq_job *j)
{
	struct sq_jv	*v = (struct sq_jv *)(j + 1);
	sqlite3_stmt	*st = j->s->st;
	int		 i, rc = SQLITE_OK;

	for (i = 0; i < j->n && rc == SQLITE_OK; i++) {
		switch (v[i].type) {
		case DB_INTEGER:
			rc = sqlite3_bind_int64(st, i + 1, v[i].u.i);
			break;
		case DB_FLOAT:
			rc = sqlite3_bind_double(st, i + 1, v[i].u.d);
			break;
		case DB_TEXT:
			rc = sqlite3_bind_text(st, i + 1, (char *)j + v[i].u.off,
			    v[i].len, SQLITE_STATIC);
			break;
		case DB_BLOB:
			rc = sqlite3_bind_blob(st, i + 1, (char *)j + v[i].u.off,
			    v[i].len, SQLITE_STATIC);
			break;
		default:
			rc = sqlite3_bind_null(st, i + 1);
			break;
		}
	}
	if (rc == SQLITE_OK && j->s->ids != NULL)
		rc = sqlite3_bind_int64(st, j->s->nparams + 1, j->id);
	if (rc == SQLITE_OK) {
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			;
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	if (rc != SQLITE_OK)
		rc = sqlite3_extended_errcode(q->h);
	sqlite3_reset(st);
	return rc;
}

/*
 * A queued COMMIT on the thread: commit, or roll back what a failure
 * (fail, with msg) left; the transaction's failure ends with it.  SQLite's
 * code of the outcome.
 */
static int
sq_commit(struct db_sq *q, struct sq_job *j, int fail, char *msg,
    size_t msgsz)
{
	int	rc = fail;

	if (rc == SQLITE_OK) {
		rc = sqlite3_step(j->s->st);
		rc = rc == SQLITE_DONE ? SQLITE_OK :
		    sqlite3_extended_errcode(q->h);
		if (rc != SQLITE_OK)
			snprintf(msg, msgsz, "%s", sqlite3_errmsg(q->h));
		sqlite3_reset(j->s->st);
	}
	if (rc != SQLITE_OK && !sqlite3_get_autocommit(q->h))
		sqlite3_exec(q->h, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/*
 * The entry at c, o, moved past it (and past a chunk's end marker); NULL
 * at the end (ec/eo).
 */
static struct sq_job *
sq_next(struct sq_chunk **c, size_t *o, const struct sq_chunk *ec, size_t eo)
{
	struct sq_job	*j;

	while (*c != ec || *o != eo) {
		j = (struct sq_job *)((*c)->data + *o);
		if (j->s != NULL) {
			*o += j->size;
			return j;
		}
		*c = (*c)->next;
		*o = 0;
	}
	return NULL;
}

/*
 * The writer thread: run the entries in order; after a failure skip them
 * to the end of the transaction (a queued COMMIT, which rolls back).
 */
static void *
sq_main(void *arg)
{
	struct db_sq	*q = arg;
	struct sq_chunk	*c, *wc;
	struct sq_job	*j;
	uint64_t	 one = 1;
	size_t		 o, wo;
	int		 fail = SQLITE_OK, crc, commits, rc;
	char		 msg[256], cmsg[256];

	msg[0] = '\0';
	pthread_mutex_lock(&q->mu);
	for (;;) {
		while (!q->stop && q->rd_c == q->wr_c && q->rd_o == q->wr_o) {
			q->busy = 0;
			pthread_cond_signal(&q->idle);
			q->sleeping = 1;
			pthread_cond_wait(&q->work, &q->mu);
			q->sleeping = 0;
		}
		if (q->rd_c == q->wr_c && q->rd_o == q->wr_o)
			break;		/* stop, and nothing left */
		q->busy = 1;
		c = q->rd_c;
		o = q->rd_o;
		wc = q->wr_c;
		wo = q->wr_o;
		/* The caller may have cleared it (BEGIN, ROLLBACK). */
		if (!q->failed)
			fail = SQLITE_OK;
		pthread_mutex_unlock(&q->mu);
		crc = SQLITE_OK;
		commits = 0;
		while ((j = sq_next(&c, &o, wc, wo)) != NULL) {
			if (j->commit) {
				cmsg[0] = '\0';
				if (fail != SQLITE_OK)
					memcpy(cmsg, msg, sizeof(cmsg));
				crc = sq_commit(q, j, fail, cmsg, sizeof(cmsg));
				fail = SQLITE_OK;
				commits++;
				continue;
			}
			if (fail != SQLITE_OK)
				continue;
			if ((rc = sq_run(q, j)) != SQLITE_OK) {
				fail = rc;
				snprintf(msg, sizeof(msg), "%s",
				    sqlite3_errmsg(q->h));
			}
		}
		pthread_mutex_lock(&q->mu);
		q->rd_c = c;
		q->rd_o = o;
		if (commits > 0) {
			q->crc = crc;
			memcpy(q->cmsg, cmsg, sizeof(q->cmsg));
			q->failed = 0;
		}
		if (fail != SQLITE_OK && !q->failed) {
			q->failed = 1;
			q->fcode = fail;
			memcpy(q->fmsg, msg, sizeof(q->fmsg));
		}
		if (commits > 0 && q->efd != -1 &&
		    write(q->efd, &one, sizeof(one)) == -1) {
			/* Full counter or none: the caller looks anyway. */
		}
	}
	q->busy = 0;
	pthread_cond_signal(&q->idle);
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

/* Hand the staged entries to the thread (with mu held). */
static void
sq_publish_locked(struct db_sq *q)
{
	q->wr_c = q->cur;
	q->wr_o = q->cur->used;
	q->njobs += (uint64_t)q->nstaged;
	q->nstaged = 0;
	q->handed = 1;
	if (q->sleeping)
		pthread_cond_signal(&q->work);
}

/*
 * Run the staged entries on the caller's thread, the thread idle (with mu
 * held): as the thread would, a failure is kept and skips the rest.
 */
static void
sq_run_staged(struct db_sq *q)
{
	struct sq_chunk	*c = q->wr_c;
	struct sq_job	*j;
	size_t		 o = q->wr_o;
	int		 rc;

	while ((j = sq_next(&c, &o, q->cur, q->cur->used)) != NULL) {
		q->ninline++;
		if (q->failed)
			continue;
		if ((rc = sq_run(q, j)) != SQLITE_OK) {
			q->failed = 1;
			q->fcode = rc;
			snprintf(q->fmsg, sizeof(q->fmsg), "%s",
			    sqlite3_errmsg(q->h));
		}
	}
	q->rd_c = q->wr_c = c;
	q->rd_o = q->wr_o = o;
	q->nstaged = 0;
}

/*
 * Wait until the thread has run every entry and is idle (with mu held);
 * then the connection is the caller's.
 */
static void
sq_drain_locked(struct db_sq *q)
{
	struct sq_chunk	*c, *next;
	int		 n = 0;

	/*
	 * Entries staged and the thread idle: the caller runs them itself
	 * (a small transaction; waking the thread to wait for it costs more).
	 */
	if (q->nstaged > 0) {
		if (q->busy || q->rd_c != q->wr_c || q->rd_o != q->wr_o)
			sq_publish_locked(q);
		else
			sq_run_staged(q);
	}
	if (q->busy || q->rd_c != q->wr_c || q->rd_o != q->wr_o) {
		q->nwaits++;
		if (q->sleeping)
			pthread_cond_signal(&q->work);
		while (q->busy || q->rd_c != q->wr_c || q->rd_o != q->wr_o)
			pthread_cond_wait(&q->idle, &q->mu);
	}
	/* Empty: the queue starts over at its first chunk. */
	for (c = q->head; c != NULL; c = next) {
		next = c->next;
		c->used = 0;
		if (++n == SQ_CHUNKS_KEPT || (next != NULL &&
		    next->cap != SQ_CHUNK)) {
			while (next != NULL) {
				c->next = next->next;
				free(next);
				next = c->next;
			}
		}
	}
	q->rd_c = q->wr_c = q->cur = q->head;
	q->rd_o = q->wr_o = 0;
}

/* The connection is the caller's once this returns (no-op without the thread). */
static void
sq_idle(struct db_sq *q)
{
	if (!q->thread)
		return;
	pthread_mutex_lock(&q->mu);
	sq_drain_locked(q);
	pthread_mutex_unlock(&q->mu);
}

/*
 * Before a waited statement of verb: the thread idle; 0 to run it, or the
 * code of a blind statement's failure to answer instead (kept for
 * db_errmsg()).  BEGIN and ROLLBACK run, and clear the failure.
 */
static int
sq_before(struct db_sq *q, int verb)
{
	int	code = 0;

	q->report = 0;
	if (!q->thread)
		return 0;
	/* A new transaction: handed over early if the last ones were large. */
	if (verb == SV_BEGIN) {
		q->avg16 += (q->txn_n * 16 - q->avg16) / 8;
		q->txn_n = q->handed = 0;
	}
	pthread_mutex_lock(&q->mu);
	sq_drain_locked(q);
	if (q->failed) {
		if (verb == SV_BEGIN || verb == SV_ROLLBACK)
			q->failed = 0;
		else {
			code = q->fcode;
			q->report = 1;
			q->rcode = q->fcode;
			memcpy(q->rmsg, q->fmsg, sizeof(q->rmsg));
		}
	}
	pthread_mutex_unlock(&q->mu);
	/* Rows a waited statement inserts move the counts on (sq_hook()). */
	q->waiting = code == 0;
	return code;
}

/* The transaction-control verb sql starts with (SV_*). */
static int
sq_verb(const char *sql)
{
	while (*sql == ' ' || *sql == '\t' || *sql == '\n')
		sql++;
	if (strncasecmp(sql, "BEGIN", 5) == 0)
		return SV_BEGIN;
	if (strncasecmp(sql, "COMMIT", 6) == 0)
		return SV_COMMIT;
	if (strncasecmp(sql, "ROLLBACK", 8) == 0 &&
	    strcasestr(sql, " TO ") == NULL)
		return SV_ROLLBACK;
	return SV_OTHER;
}

/* A row a waited statement inserted: blind ids go on past it. */
static void
sq_hook(void *arg, int op, const char *dbname, const char *table,
    sqlite3_int64 rowid)
{
	struct db_sq	*q = arg;
	struct sq_ids	*t;

	(void)dbname;
	if (op != SQLITE_INSERT || !q->waiting)
		return;
	for (t = q->ids; t != NULL; t = t->link)
		if (t->next != 0 && rowid >= t->next &&
		    strcmp(t->table, table) == 0)
			t->next = rowid + 1;
}

/* The next id of a blind INSERT into t's table; -1 on error. */
static int64_t
sq_next_id(struct db_sq *q, struct sq_ids *t)
{
	sqlite3_stmt	*st;
	char		 sql[128];
	int64_t		 max = 0;
	int		 rc;

	if (t->next != 0)
		return t->next++;
	sq_idle(q);
	snprintf(sql, sizeof(sql), "SELECT max(rowid) FROM \"%s\"", t->table);
	if (sqlite3_prepare_v2(q->h, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		max = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return -1;
	t->next = max + 2;
	return max + 1;
}

/* Room for size bytes at the end of the queue (the caller's, not shared yet). */
static unsigned char *
sq_room(struct db_sq *q, size_t size)
{
	struct sq_chunk	*c = q->cur, *n;
	struct sq_job	*end;

	if (c->cap - c->used >= size + sizeof(struct sq_job))
		return c->data + c->used;
	/* The rest of this chunk is skipped: a marker says where to go on. */
	end = (struct sq_job *)(c->data + c->used);
	memset(end, 0, sizeof(*end));
	c->used += sizeof(*end);
	if ((n = c->next) == NULL || n->cap < size + sizeof(struct sq_job)) {
		n = xmalloc(sizeof(*n) + (size + sizeof(struct sq_job) >
		    SQ_CHUNK ? size + sizeof(struct sq_job) : SQ_CHUNK));
		n->cap = size + sizeof(struct sq_job) > SQ_CHUNK ?
		    size + sizeof(struct sq_job) : SQ_CHUNK;
		n->next = c->next;
		c->next = n;
	}
	n->used = 0;
	return n->data;
}

/* Queue a blind statement with its bindings; DB_DONE, or a failure's code. */
static int
sq_push(struct sq_val *pv, struct db_sqst *s)
{
	struct db_sq	*q = s->db;
	struct sq_job	*j;
	struct sq_jv	*v;
	unsigned char	*p;
	size_t		 size, off;
	int64_t		 id = 0;
	int		 i, code;

	q->report = 0;
	if (s->verb == SV_COMMIT)
		;	/* db_commit_queue(): no values */
	else if (s->ids != NULL && (id = sq_next_id(q, s->ids)) < 0) {
		q->report = 1;
		q->rcode = sqlite3_extended_errcode(q->h);
		snprintf(q->rmsg, sizeof(q->rmsg), "%s", sqlite3_errmsg(q->h));
		return q->rcode;
	}
	size = sq_align(sizeof(*j) + (size_t)s->nparams * sizeof(*v));
	for (i = 1; i <= s->nparams && pv != NULL; i++)
		if (pv[i].type == DB_TEXT || pv[i].type == DB_BLOB)
			size += sq_align((size_t)pv[i].len);
	p = sq_room(q, size);
	j = (struct sq_job *)p;
	j->s = s;
	j->size = size;
	j->n = s->nparams;
	j->commit = s->verb == SV_COMMIT;
	j->id = id;
	v = (struct sq_jv *)(j + 1);
	off = sq_align(sizeof(*j) + (size_t)s->nparams * sizeof(*v));
	for (i = 1; i <= s->nparams && pv != NULL; i++) {
		v[i - 1].type = pv[i].type;
		v[i - 1].len = pv[i].len;
		switch (pv[i].type) {
		case DB_INTEGER:
			v[i - 1].u.i = pv[i].i;
			break;
		case DB_FLOAT:
			v[i - 1].u.d = pv[i].d;
			break;
		case DB_TEXT:
		case DB_BLOB:
			if (pv[i].len > 0)
				memcpy(p + off, pv[i].p, (size_t)pv[i].len);
			v[i - 1].u.off = off;
			off += sq_align((size_t)pv[i].len);
			break;
		default:
			break;
		}
	}
	if (s->ids != NULL)
		q->last_id = id;
	/* Staged: in the caller's chunk, or in the next one. */
	if ((unsigned char *)j < q->cur->data ||
	    (unsigned char *)j >= q->cur->data + q->cur->cap)
		q->cur = q->cur->next;
	q->cur->used = (size_t)((unsigned char *)j - q->cur->data) + size;
	q->nstaged++;
	q->txn_n++;
	/*
	 * When to hand over: a COMMIT and a write outside a transaction at
	 * once; in a transaction handed over already, in groups; else once
	 * it has min entries, or at once when the ones before were as large.
	 */
	if (s->verb != SV_COMMIT && q->intx && (q->handed ?
	    q->nstaged < SQ_GROUP : q->txn_n < q->min &&
	    q->avg16 < q->min * 16))
		return SQLITE_DONE;
	pthread_mutex_lock(&q->mu);
	if ((code = q->failed) != 0) {
		/* Refused: this entry is taken back, the rest is skipped. */
		q->report = 1;
		q->rcode = code = q->fcode;
		memcpy(q->rmsg, q->fmsg, sizeof(q->rmsg));
		q->cur->used = (size_t)((unsigned char *)j - q->cur->data);
		q->nstaged--;
	} else if (s->verb == SV_COMMIT)
		q->crc = SQLITE_OK;
	sq_publish_locked(q);
	pthread_mutex_unlock(&q->mu);
	return code != 0 ? code : SQLITE_DONE;
}

int
db_sqlite_thread(struct db *d, int on)
{
	struct db_sq	*q;

	if (d == NULL || d->kind != DB_SQLITE)
		return -1;
	q = SQ(d);
	if (on == q->thread)
		return 0;
	if (!on) {
		pthread_mutex_lock(&q->mu);
		sq_drain_locked(q);
		q->stop = 1;
		pthread_cond_signal(&q->work);
		pthread_mutex_unlock(&q->mu);
		pthread_join(q->thr, NULL);
		q->thread = 0;
		q->failed = 0;
		sqlite3_update_hook(q->h, NULL, NULL);
		return 0;
	}
	if (q->head == NULL) {
		q->head = xmalloc(sizeof(*q->head) + SQ_CHUNK);
		q->head->next = NULL;
		q->head->cap = SQ_CHUNK;
		q->head->used = 0;
		pthread_mutex_init(&q->mu, NULL);
		pthread_cond_init(&q->work, NULL);
		pthread_cond_init(&q->idle, NULL);
	}
	q->rd_c = q->wr_c = q->cur = q->head;
	q->rd_o = q->wr_o = 0;
	q->nstaged = q->handed = q->txn_n = q->avg16 = 0;
	q->intx = !sqlite3_get_autocommit(q->h);
	q->stop = q->failed = q->busy = q->sleeping = 0;
	q->last_id = sqlite3_last_insert_rowid(q->h);
	if (q->efd == -1 &&
	    (q->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		return -1;
	sqlite3_update_hook(q->h, sq_hook, q);
	if (pthread_create(&q->thr, NULL, sq_main, q) != 0)
		return -1;
	q->thread = 1;
	return 0;
}

int
db_commit_queue(struct db_stmt *st)
{
	struct db_sqst	*s = SQST(st);

	if (st->kind != DB_SQLITE || !s->db->thread || s->verb != SV_COMMIT)
		return 0;
	/* Nothing of it went to the thread: the caller commits it now. */
	if (!s->db->handed)
		return 0;
	s->db->intx = 0;
	return sq_push(NULL, s) == SQLITE_DONE ? 1 : -1;
}

int
db_commit_result(struct db *d)
{
	struct db_sq	*q = SQ(d);
	uint64_t	 n;

	pthread_mutex_lock(&q->mu);
	sq_drain_locked(q);
	q->report = q->crc != SQLITE_OK;
	q->rcode = q->crc;
	memcpy(q->rmsg, q->cmsg, sizeof(q->rmsg));
	pthread_mutex_unlock(&q->mu);
	if (read(q->efd, &n, sizeof(n)) == -1) {
		/* Nothing to take: it was read before. */
	}
	return q->report ? -1 : 0;
}

int
db_commit_fd(struct db *d)
{
	if (d == NULL || d->kind != DB_SQLITE || !SQ(d)->thread)
		return -1;
	return SQ(d)->efd;
}

int
db_sqlite_thread_min(struct db *d, int n)
{
	if (d == NULL || d->kind != DB_SQLITE || n < 1)
		return -1;
	SQ(d)->min = n;
	return 0;
}

void
db_sqlite_thread_stats(struct db *d, uint64_t *jobs, uint64_t *inl,
    uint64_t *waits)
{
	struct db_sq	*q;

	*jobs = *inl = *waits = 0;
	if (d == NULL || d->kind != DB_SQLITE || SQ(d)->head == NULL)
		return;
	q = SQ(d);
	pthread_mutex_lock(&q->mu);
	*jobs = q->njobs;
	*waits = q->nwaits;
	pthread_mutex_unlock(&q->mu);
	*inl = q->ninline;
}

/*
 * Forget a blind statement's bindings: NULL, as SQLite's would be.  Only
 * the type is read of a NULL (sq_push(), sq_bind_now()).
 */
static void
sq_unbind(struct db_sqst *s)
{
	struct sq_val	*v = s->pv, *end = s->pv + s->nparams + 1;

	for (; v < end; v++) {
		if (v->own != NULL) {
			free(v->own);
			v->own = NULL;
		}
		v->type = DB_NULL;
	}
}

/* Bind one value of a blind statement (kept in pv until its step). */
static int
sq_bind(struct db_sqst *s, int idx, int type, int64_t i, double d,
    const void *p, int len, int copy)
{
	struct sq_val	*v;

	if (idx < 1 || idx > s->nparams)
		return SQLITE_RANGE;
	v = &s->pv[idx];
	if (v->own != NULL) {
		free(v->own);
		v->own = NULL;
	}
	if (p == NULL && (type == DB_TEXT || type == DB_BLOB))
		type = DB_NULL;
	v->type = type;
	v->len = 0;
	switch (type) {
	case DB_INTEGER:
		v->i = i;
		break;
	case DB_FLOAT:
		v->d = d;
		break;
	case DB_TEXT:
	case DB_BLOB:
		if (len < 0)
			len = (int)strlen(p);
		v->len = len;
		if (copy) {
			v->own = xmalloc((size_t)len + 1);
			memcpy(v->own, p, (size_t)len);
			v->own[len] = '\0';
			p = v->own;
		}
		v->p = p;
		break;
	default:
		break;
	}
	return SQLITE_OK;
}

/* A blind statement without the thread: bind what pv holds, now. */
static int
sq_bind_now(struct db_sqst *s)
{
	struct sq_val	*v;
	int		 i, rc = SQLITE_OK;

	for (i = 1; i <= s->nparams && rc == SQLITE_OK; i++) {
		v = &s->pv[i];
		switch (v->type) {
		case DB_INTEGER:
			rc = sqlite3_bind_int64(s->st, i, v->i);
			break;
		case DB_FLOAT:
			rc = sqlite3_bind_double(s->st, i, v->d);
			break;
		case DB_TEXT:
			rc = sqlite3_bind_text(s->st, i, v->p, v->len,
			    SQLITE_STATIC);
			break;
		case DB_BLOB:
			rc = sqlite3_bind_blob(s->st, i, v->p, v->len,
			    SQLITE_STATIC);
			break;
		default:
			rc = sqlite3_bind_null(s->st, i);
			break;
		}
	}
	/* No id given: SQLite's own. */
	if (rc == SQLITE_OK && s->ids != NULL)
		rc = sqlite3_bind_null(s->st, s->nparams + 1);
	return rc;
}

struct db *
db_sqlite(struct sqlite3 *h)
{
	struct db_sq	*d = xcalloc(1, sizeof(*d));

	d->base.kind = DB_SQLITE;
	d->h = h;
	d->efd = -1;
	d->min = 1;
	return &d->base;
}

/* The handle is the caller's only while the writer thread is idle. */
struct sqlite3 *
db_sqlite_handle(struct db *d)
{
	if (d == NULL || d->kind != DB_SQLITE)
		return NULL;
	sq_idle(SQ(d));
	return SQ(d)->h;
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
	struct sq_ids	*t;
	struct sq_chunk	*c;

	if (d == NULL)
		return;
	PG_DO(d, pg_close(d));
	q = SQ(d);
	db_sqlite_thread(d, 0);
	while (q->stmts != NULL)
		db_finalize(&q->stmts->base);
	sqlite3_close_v2(q->h);
	while ((t = q->ids) != NULL) {
		q->ids = t->link;
		free(t);
	}
	if (q->head != NULL) {
		while ((c = q->head) != NULL) {
			q->head = c->next;
			free(c);
		}
		pthread_mutex_destroy(&q->mu);
		pthread_cond_destroy(&q->work);
		pthread_cond_destroy(&q->idle);
	}
	if (q->efd != -1)
		close(q->efd);
	free(q);
}

int
db_exec(struct db *d, const char *sql)
{
	struct db_sq	*q;
	int		 rc;

	PG_RET(d, pg_exec(d, sql));
	q = SQ(d);
	if (sq_before(q, sq_verb(sql)) != 0)
		return -1;
	rc = sqlite3_exec(q->h, sql, NULL, NULL, NULL);
	q->waiting = 0;
	q->intx = !sqlite3_get_autocommit(q->h);
	q->last_id = sqlite3_last_insert_rowid(q->h);
	return rc == SQLITE_OK ? 0 : -1;
}

struct db_stmt *
db_prepare(struct db *d, const char *sql)
{
	struct db_sq	*q;
	struct db_sqst	*s;
	sqlite3_stmt	*st;

	PG_RET(d, pg_prepare(d, sql));
	q = SQ(d);
	sq_idle(q);
	if (sqlite3_prepare_v3(q->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
	    NULL) != SQLITE_OK)
		return NULL;
	if (st == NULL)	/* only a comment or white space */
		return NULL;
	s = xcalloc(1, sizeof(*s));
	s->base.kind = DB_SQLITE;
	s->st = st;
	s->db = q;
	s->verb = sq_verb(sql);
	s->nparams = sqlite3_bind_parameter_count(st);
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
	sq_idle(s->db);
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		s->db->stmts = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	if (s->pv != NULL) {
		sq_unbind(s);
		free(s->pv);
	}
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
	if (SQ(d)->report)
		return SQ(d)->rmsg;
	sq_idle(SQ(d));
	return sqlite3_errmsg(SQ(d)->h);
}

enum db_err
db_errclass(struct db *d)
{
	int	code;

	PG_RET(d, pg_errclass(d));
	if (SQ(d)->report)
		code = SQ(d)->rcode;
	else {
		sq_idle(SQ(d));
		code = sqlite3_extended_errcode(SQ(d)->h);
	}
	switch (code & 0xff) {
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
	sq_idle(SQ(d));
	return sqlite3_changes(SQ(d)->h);
}

int64_t
db_last_id(struct db *d)
{
	PG_RET(d, pg_last_id(d));
	if (SQ(d)->thread)
		return SQ(d)->last_id;
	return sqlite3_last_insert_rowid(SQ(d)->h);
}

int
db_in_txn(struct db *d)
{
	PG_RET(d, pg_in_txn(d));
	sq_idle(SQ(d));
	return !sqlite3_get_autocommit(SQ(d)->h);
}

void
db_busy_timeout(struct db *d, int ms)
{
	PG_DO(d, pg_busy_timeout(d, ms));
	sq_idle(SQ(d));
	sqlite3_busy_timeout(SQ(d)->h, ms);
}

/* A waited statement's statement handle, the writer thread idle. */
static sqlite3_stmt *
sq_st(struct db_stmt *st)
{
	sq_idle(SQST(st)->db);
	return SQST(st)->st;
}

int
db_bind_int64(struct db_stmt *st, int idx, int64_t v)
{
	PG_RET(st, pg_bind_int64(st, idx, v));
	if (SQST(st)->blind)
		return sq_bind(SQST(st), idx, DB_INTEGER, v, 0, NULL, 0, 0);
	return sqlite3_bind_int64(sq_st(st), idx, v);
}

int
db_bind_int(struct db_stmt *st, int idx, int v)
{
	PG_RET(st, pg_bind_int(st, idx, v));
	return db_bind_int64(st, idx, v);
}

int
db_bind_double(struct db_stmt *st, int idx, double v)
{
	PG_RET(st, pg_bind_double(st, idx, v));
	if (SQST(st)->blind)
		return sq_bind(SQST(st), idx, DB_FLOAT, 0, v, NULL, 0, 0);
	return sqlite3_bind_double(sq_st(st), idx, v);
}

int
db_bind_null(struct db_stmt *st, int idx)
{
	PG_RET(st, pg_bind_null(st, idx));
	if (SQST(st)->blind)
		return sq_bind(SQST(st), idx, DB_NULL, 0, 0, NULL, 0, 0);
	return sqlite3_bind_null(sq_st(st), idx);
}

int
db_bind_text(struct db_stmt *st, int idx, const char *v, int len)
{
	PG_RET(st, pg_bind_text(st, idx, v, len));
	if (SQST(st)->blind)
		return sq_bind(SQST(st), idx, DB_TEXT, 0, 0, v, len, 0);
	return sqlite3_bind_text(sq_st(st), idx, v, len, SQLITE_STATIC);
}

/* The PostgreSQL engine copies every value as it binds it. */
int
db_bind_text_copy(struct db_stmt *st, int idx, const char *v, int len)
{
	PG_RET(st, pg_bind_text(st, idx, v, len));
	if (SQST(st)->blind)
		return sq_bind(SQST(st), idx, DB_TEXT, 0, 0, v, len, 1);
	return sqlite3_bind_text(sq_st(st), idx, v, len, SQLITE_TRANSIENT);
}

int
db_bind_blob(struct db_stmt *st, int idx, const void *v, int len)
{
	PG_RET(st, pg_bind_blob(st, idx, v, len));
	if (SQST(st)->blind)
		return sq_bind(SQST(st), idx, DB_BLOB, 0, 0, v, len, 0);
	return sqlite3_bind_blob(sq_st(st), idx, v, len, SQLITE_STATIC);
}

int
db_step(struct db_stmt *st)
{
	struct db_sqst	*s;
	struct db_sq	*q;
	int		 rc;

	PG_RET(st, pg_step(st));
	s = SQST(st);
	q = s->db;
	if (s->blind && q->thread)
		return sq_push(s->pv, s);
	if ((rc = sq_before(q, s->verb)) != 0)
		return rc;
	if (s->blind && (rc = sq_bind_now(s)) != SQLITE_OK)
		return rc;
	rc = sqlite3_step(s->st);
	q->waiting = 0;
	q->intx = !sqlite3_get_autocommit(q->h);
	/* The thread idle, SQLite's last rowid is the newest in queue order. */
	if (!sqlite3_stmt_readonly(s->st))
		q->last_id = sqlite3_last_insert_rowid(q->h);
	return rc;
}

void
db_reset(struct db_stmt *st)
{
	PG_DO(st, pg_reset(st));
	/* A blind statement keeps its bindings in pv; the thread resets it. */
	if (SQST(st)->blind && SQST(st)->db->thread)
		return;
	sqlite3_reset(sq_st(st));
}

void
db_clear_bindings(struct db_stmt *st)
{
	PG_DO(st, pg_clear_bindings(st));
	if (SQST(st)->blind) {
		sq_unbind(SQST(st));
		if (SQST(st)->db->thread)
			return;
	}
	sqlite3_clear_bindings(sq_st(st));
}

int
db_column_count(struct db_stmt *st)
{
	PG_RET(st, pg_column_count(st));
	return sqlite3_column_count(sq_st(st));
}

const char *
db_column_name(struct db_stmt *st, int col)
{
	PG_RET(st, pg_column_name(st, col));
	return sqlite3_column_name(sq_st(st), col);
}

int
db_column_type(struct db_stmt *st, int col)
{
	PG_RET(st, pg_column_type(st, col));
	return sqlite3_column_type(sq_st(st), col);
}

int64_t
db_column_int64(struct db_stmt *st, int col)
{
	PG_RET(st, pg_column_int64(st, col));
	return sqlite3_column_int64(sq_st(st), col);
}

int
db_column_int(struct db_stmt *st, int col)
{
	PG_RET(st, pg_column_int(st, col));
	return sqlite3_column_int(sq_st(st), col);
}

double
db_column_double(struct db_stmt *st, int col)
{
	PG_RET(st, pg_column_double(st, col));
	return sqlite3_column_double(sq_st(st), col);
}

const char *
db_column_text(struct db_stmt *st, int col)
{
	PG_RET(st, pg_column_text(st, col));
	return (const char *)sqlite3_column_text(sq_st(st), col);
}

int
db_column_bytes(struct db_stmt *st, int col)
{
	PG_RET(st, pg_column_bytes(st, col));
	return sqlite3_column_bytes(sq_st(st), col);
}

/*
 * SQLite: a blind statement's bindings are kept in pv (run now, or on the
 * writer thread); an INSERT into a table whose rowid is "id" gets the id as
 * an explicit last parameter (NULL, so SQLite's own, until the thread runs).
 */
static void
sq_set_blind(struct db_sqst *s)
{
	struct db_sq	*q = s->db;
	struct sq_ids	*t;
	sqlite3_stmt	*st;
	const char	*dtype, *coll;
	char		 table[64], num[16], *sql;
	int		 notnull, pk, autoinc;

	if (s->blind)
		return;
	sq_idle(q);
	sql = NULL;
	if (db_sql_insert_into(sqlite3_sql(s->st), table, sizeof(table)) !=
	    NULL && !db_sql_explicit_id(sqlite3_sql(s->st)) &&
	    sqlite3_table_column_metadata(q->h, "main", table, "id", &dtype,
	    &coll, &notnull, &pk, &autoinc) == SQLITE_OK && pk &&
	    dtype != NULL && strcasecmp(dtype, "INTEGER") == 0) {
		snprintf(num, sizeof(num), "?%d", s->nparams + 1);
		sql = db_sql_idcol(sqlite3_sql(s->st), num, table,
		    sizeof(table));
	}
	if (sql != NULL) {
		if (sqlite3_prepare_v3(q->h, sql, -1,
		    SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK ||
		    st == NULL) {
			/* Not a shape SQLite takes back: it stays waited. */
			log_warnx("db: %s: %s", sql, sqlite3_errmsg(q->h));
			free(sql);
			return;
		}
		free(sql);
		sqlite3_finalize(s->st);
		s->st = st;
		for (t = q->ids; t != NULL; t = t->link)
			if (strcmp(t->table, table) == 0)
				break;
		if (t == NULL) {
			t = xcalloc(1, sizeof(*t));
			snprintf(t->table, sizeof(t->table), "%s", table);
			t->link = q->ids;
			q->ids = t;
		}
		s->ids = t;
	}
	s->pv = xcalloc((size_t)s->nparams + 1, sizeof(*s->pv));
	sq_unbind(s);
	s->blind = 1;
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
	sq_set_blind(SQST(st));
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
