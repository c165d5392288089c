/*
 * db_pg.c - db.h's statement API on PostgreSQL through libpq (DB_PG
 * connections); db.c dispatches the public db_* calls here (db_int.h).
 *
 * A connection starts synchronous (PQexec, PQprepare, PQexecPrepared: a
 * statement waits for its round trip).  The writer of an active pcod is
 * put in libpq's pipeline mode (db_pipeline(), issue 14 step 3): see
 * "Pipeline mode" below.
 *
 * SQL: at prepare, ?N becomes $N and a bare ? the next $k, outside '...'
 * literals, "..." identifiers and -- comments (a bare ? is one above
 * the largest number so far, as in SQLite), and "IS ?" / "IS NOT ?" become
 * IS [NOT] DISTINCT FROM, which is what SQLite's IS means.  The server-side statement is
 * prepared lazily at the first step, when the bound values' types are
 * known, and kept per (statement, type signature), so "(?1 IS NULL OR
 * account = ?1)" works whether ?1 is NULL or not.  Parameter types: int8,
 * float8, bytea (binary), and for text and NULL "unknown", so the server
 * infers the type from the context as SQLite's affinity would (a text bound
 * to a BIGINT column compares as a number).
 *
 * An INSERT into a table with an "id" column gets " RETURNING id", so
 * that db_last_id() needs no round trip (and sees explicit ids too).
 *
 * Pipelined, the rows of blind "INSERT INTO t (...) VALUES (...)"
 * statements are held and go to the server as one multi-row INSERT per
 * statement (at most PG_MERGE_ROWS rows) just before anything else is sent
 * on the session: see "Merged INSERTs" below.
 *
 * Rows: the whole PGresult is fetched at the first step, then walked.
 * Column types come from PQftype: integers and bool read as DB_INTEGER
 * (bool as 1/0), float4/8 as DB_FLOAT, numeric as DB_INTEGER when it has
 * no fraction (sum() of BIGINT is numeric) else DB_FLOAT, bytea as DB_BLOB
 * (decoded), the rest as DB_TEXT.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <time.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpq-fe.h>

#include "db.h"
#include "db_int.h"
#include "text.h"
#include "xmalloc.h"

/* PostgreSQL's type OIDs (pg_type.h is not a client header). */
#define OID_BOOL	16
#define OID_BYTEA	17
#define OID_INT8	20
#define OID_INT2	21
#define OID_INT4	23
#define OID_OID		26
#define OID_FLOAT4	700
#define OID_FLOAT8	701
#define OID_NUMERIC	1700

/* The most parameters one statement may have (PostgreSQL's own limit). */
#define PG_MAX_PARAMS	65535

struct pg_stmt;

/* One connection.  Owns conn and the statements on its list. */
struct db_pgconn {
	struct db	 base;		/* first: db.c dispatches on base.kind */
	PGconn		*conn;
	char		 err[512];
	enum db_err	 errclass;
	int		 changes;
	int64_t		 last_id;	/* from the last INSERT ... RETURNING id */
	int		 has_last_id;
	unsigned	 next_name;	/* server-side statement names */
	struct pg_stmt	*stmts;
	char		*setup;		/* run at each (re)connect; owned, NULL none */
	int		 was_in_txn;	/* a transaction was open when last seen */
	int		 broken;	/* the setup failed on this session */
	struct timespec	 last_try;	/* the last reconnection tried */
	struct pg_ids	*ids;		/* id blocks of blind INSERTs; owned */
	unsigned	 gen;		/* sessions opened again (PQreset) */
	/* Pipeline mode (db_pipeline()); all 0 outside it. */
	int		 pipe;
	db_synced_fn	 synced_fn;
	void		*synced_arg;
	struct pq_entry	*q;		/* requests sent, oldest at qhead; owned */
	size_t		 qhead, qn, qcap;
	PGresult	*cur;		/* the front request's first result */
	PGresult	*waited;	/* a PQ_WAIT's result, handed over */
	int		 wait_done;
	int		 txn;		/* a transaction is open (as sent) */
	uint64_t	 txn_no;	/* transactions begun */
	int		 txn_failed;	/* a blind statement in it failed */
	char		 txn_err[512];
	enum db_err	 txn_class;
	int		 sync_err;	/* an error since the last Sync */
	char		 sync_msg[512];
	enum db_err	 sync_class;
	uint64_t	 sent_seq;	/* COMMITs sent */
	uint64_t	 done_seq;	/* COMMITs the server answered, in order */
	uint64_t	 failed_seq;	/* the first that failed; 0 none */
	char		 fail_msg[512];
	enum db_err	 fail_class;
	/* Merged INSERTs (pipeline mode). */
	int		 merge;		/* the foreign keys are known: merge */
	struct pg_fk	*fks;		/* owned; nfks */
	size_t		 nfks;
	struct pg_stmt	*mlist;		/* statements holding rows, in send order */
};

/* A foreign key: rows of child reference rows of parent. */
struct pg_fk {
	char	child[64];
	char	parent[64];
};

/* Rows of blind INSERTs held for one multi-row INSERT at most. */
#define PG_MERGE_ROWS	64
/* The multi-row INSERTs prepared per statement: so many rows each. */
static const int	PG_MERGE_KS[4] = { PG_MERGE_ROWS, 16, 4, 1 };

/* What a request sent in pipeline mode waits for. */
enum pq_kind {
	PQ_BLIND,	/* a statement nobody waits for; an error fails its transaction */
	PQ_WAIT,	/* a statement the caller waits for (pq_wait()) */
	PQ_COMMIT,	/* a COMMIT; its Sync follows */
	PQ_SYNC		/* a Sync: seq > 0 ends COMMIT number seq, 0 restores order */
};

struct pq_entry {
	enum pq_kind	 kind;
	uint64_t	 txn;		/* the transaction it was sent in (txn_no) */
	uint64_t	 seq;
};

/* Ids drawn from a table's sequence for the blind INSERTs into it. */
#define PG_ID_BLOCK	1000
#define PG_ID_BLOCK_S	"1000"
struct pg_ids {
	char		 table[64];
	int64_t		 v[PG_ID_BLOCK];
	int		 n, next;
	struct pg_ids	*link;
};

/* One server-side prepared statement: a type signature and its name. */
struct pg_plan {
	Oid		*types;		/* nparams, owned */
	char		 name[24];
	struct pg_plan	*next;
};

/* One parameter as bound. */
struct pg_param {
	Oid		 type;		/* 0: NULL or text */
	int		 null;
	const char	*val;		/* num, text (owned) or the caller's blob */
	char		*text;		/* owned copy of a text */
	int		 len;
	int		 binary;
	char		 num[32];
};

/* One statement.  The plans, params, result and decoded blobs are owned. */
struct pg_stmt {
	struct db_stmt	 base;		/* first */
	struct db_pgconn *c;
	char		*sql;		/* with $N parameters */
	int		 nparams;
	int		 returning;	/* " RETURNING id" added: rows are ids */
	int		 blind;		/* db_set_blind(): sent, not waited for */
	int		 idcol;		/* blind INSERT: its id is the last parameter */
	char		 table[64];	/* the table it inserts into (idcol) */
	int		 verb;		/* PV_*: BEGIN, COMMIT, ROLLBACK, savepoints */
	struct pg_param	*params;
	struct pg_plan	*plans;
	PGresult	*res;		/* NULL before the first step */
	int		 row;		/* current row, -1 before the first */
	int		 done;
	unsigned char	**blobs;	/* the current row's decoded bytea, or NULL */
	size_t		*bloblen;
	struct pg_stmt	*next;		/* on c->stmts */
	/* Merged INSERTs: the SQL around its VALUES tuple, and the rows held. */
	char		*mhead;		/* "INSERT INTO t (...) VALUES "; owned */
	char		*mtuple;	/* "($1, ...)"; owned; NULL: not merged */
	char		*mtail;		/* " ON CONFLICT DO NOTHING" or ""; owned */
	char		 mtable[64];
	int		 mrows, mcap;	/* rows held, room for */
	char		**mvals;	/* mcap * nparams, owned, as the next two */
	int		*mlens;
	int		*mfmts;
	int		 mlisted;	/* on c->mlist */
	char		 mname[4][24];	/* prepared for PG_MERGE_KS[i] rows; */
	int		 mprep[4];	/* ... this session (0: not yet) */
	struct pg_stmt	*mnext;
};

/* The transaction-control statements pipeline mode treats apart. */
enum { PV_OTHER, PV_BEGIN, PV_COMMIT, PV_ROLLBACK, PV_SAVEPOINT };

/* The SQLite result codes db_step() answers on an error, per class. */
static int
pg_code(enum db_err e)
{
	switch (e) {
	case DB_E_CONSTRAINT:	return 19;
	case DB_E_BUSY:		return 5;
	case DB_E_FULL:		return 13;
	case DB_E_IO:		return 10;
	case DB_E_READONLY:	return 8;
	default:		return 1;
	}
}

/* The class of a SQLSTATE (NULL: none), given whether the link is up. */
static enum db_err
pg_class(const char *state, int bad)
{
	if (bad)
		return DB_E_IO;
	if (state == NULL || strlen(state) != 5)
		return DB_E_ERROR;
	if (strncmp(state, "23", 2) == 0)
		return DB_E_CONSTRAINT;
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
	    strcmp(state, "55P03") == 0 || strcmp(state, "57014") == 0)
		return DB_E_BUSY;
	if (strncmp(state, "53", 2) == 0)
		return DB_E_FULL;
	if (strncmp(state, "08", 2) == 0 || strncmp(state, "58", 2) == 0 ||
	    strncmp(state, "57P", 3) == 0 || strcmp(state, "XX001") == 0)
		return DB_E_IO;
	/* a read-only server, or pcod's fence (sql/pg/014_fence.sql) */
	if (strcmp(state, "25006") == 0 || strcmp(state, "PCF01") == 0)
		return DB_E_READONLY;
	return DB_E_ERROR;
}

/* Keep msg (its trailing newlines cut) as the connection's error. */
static void
pg_seterr(struct db_pgconn *c, enum db_err e, const char *msg)
{
	size_t	n;

	snprintf(c->err, sizeof(c->err), "%s", msg != NULL && *msg != '\0' ?
	    msg : "unknown PostgreSQL error");
	n = strlen(c->err);
	while (n > 0 && (c->err[n - 1] == '\n' || c->err[n - 1] == ' '))
		c->err[--n] = '\0';
	c->errclass = e;
}

/* Record a result's error (or the connection's when res is NULL). */
static void
pg_result_err(struct db_pgconn *c, const PGresult *res)
{
	const char	*state = NULL, *msg = NULL;
	int		 bad = PQstatus(c->conn) != CONNECTION_OK;

	if (res != NULL) {
		state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	}
	if (msg == NULL)
		msg = PQerrorMessage(c->conn);
	/* a lost link is an I/O error whatever the statement's state said */
	pg_seterr(c, pg_class(state, bad), msg);
}

/* A command's changed-row count (INSERT, UPDATE, DELETE, MERGE only). */
static void
pg_count(struct db_pgconn *c, PGresult *res)
{
	const char	*st = PQcmdStatus(res);

	if (strncmp(st, "INSERT ", 7) == 0 || strncmp(st, "UPDATE ", 7) == 0 ||
	    strncmp(st, "DELETE ", 7) == 0 || strncmp(st, "MERGE ", 6) == 0)
		c->changes = atoi(PQcmdTuples(res));
}

static void	pq_res_err(struct db_pgconn *, const PGresult *, char *, size_t,
		    enum db_err *);

/* Whether a result is a success; records the error otherwise. */
static int
pg_ok(struct db_pgconn *c, PGresult *res)
{
	ExecStatusType	st = res != NULL ? PQresultStatus(res) : PGRES_FATAL_ERROR;

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ||
	    st == PGRES_EMPTY_QUERY) {
		c->errclass = DB_E_NONE;
		c->err[0] = '\0';
		return 1;
	}
	/* Pipelined: what failed first fails everything after it in the transaction. */
	if (c->pipe && c->txn && c->txn_failed) {
		pg_seterr(c, c->txn_class, c->txn_err);
		return 0;
	}
	if (st == PGRES_PIPELINE_ABORTED) {
		char		msg[512];
		enum db_err	cls;

		pq_res_err(c, res, msg, sizeof(msg), &cls);
		pg_seterr(c, cls, msg);
		return 0;
	}
	pg_result_err(c, res);
	return 0;
}

/*
 * Pipeline mode (the writer of an active pcod, db_pipeline()).
 *
 * Every request goes out with libpq's PQsend* on a non-blocking socket and
 * is queued in c->q in the order sent; the server answers in that order,
 * and pq_pump() takes its answers off the front of the queue: a blind
 * statement's (an error fails its transaction), a waited statement's
 * (handed to pq_wait()), a COMMIT's, and a Sync's (which ends a batch's
 * commit and tells synced_fn).  A batch is BEGIN, its statements, COMMIT
 * and a Sync: the next batch's requests may follow at once, the server
 * runs them in order on this one session.  After a failed statement the
 * server skips everything up to the next Sync; a waited statement that
 * failed is followed by a Sync of its own at once, so the transaction is
 * merely failed (a ROLLBACK TO a savepoint mends it, as without the
 * pipeline), while a failed blind statement fails the whole transaction,
 * and its COMMIT with it.
 */

static void	pq_rollback(struct db_pgconn *);
static int	pg_verb(const char *);
static void	pg_merge_discard(struct db_pgconn *);
static void	pg_merge_flush(struct db_pgconn *);
static void	pg_merge_flush_upto(struct db_pgconn *, struct pg_stmt *);
static void	pg_merge_clear(struct pg_stmt *);

/* Queue a request sent. */
static void
pq_push(struct db_pgconn *c, enum pq_kind kind, uint64_t seq)
{
	struct pq_entry	*e;
	size_t		 i;

	if (c->qn == c->qcap) {
		struct pq_entry	*nq;
		size_t		 ncap = c->qcap ? c->qcap * 2 : 256;

		nq = xreallocarray(NULL, ncap, sizeof(*nq));
		for (i = 0; i < c->qn; i++)
			nq[i] = c->q[(c->qhead + i) % c->qcap];
		free(c->q);
		c->q = nq;
		c->qcap = ncap;
		c->qhead = 0;
	}
	e = &c->q[(c->qhead + c->qn) % c->qcap];
	e->kind = kind;
	e->txn = c->txn_no;
	e->seq = seq;
	c->qn++;
}

/* Drop the front request. */
static void
pq_pop(struct db_pgconn *c)
{
	c->qhead = (c->qhead + 1) % c->qcap;
	c->qn--;
}

/* A result's error message and class (an aborted one names the first failure). */
static void
pq_res_err(struct db_pgconn *c, const PGresult *res, char *msg, size_t msgsz,
    enum db_err *cls)
{
	const char	*state = NULL, *m = NULL;

	if (res != NULL && PQresultStatus(res) == PGRES_PIPELINE_ABORTED) {
		snprintf(msg, msgsz, "%s", c->sync_err ? c->sync_msg :
		    "an earlier statement of the transaction failed");
		*cls = c->sync_err ? c->sync_class : DB_E_ERROR;
		return;
	}
	if (res != NULL) {
		state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		m = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	}
	if (m == NULL)
		m = PQerrorMessage(c->conn);
	snprintf(msg, msgsz, "%s", m != NULL && *m != '\0' ? m :
	    "unknown PostgreSQL error");
	msg[strcspn(msg, "\n")] = '\0';
	*cls = pg_class(state, PQstatus(c->conn) != CONNECTION_OK);
}

/* Whether a result is a success. */
static int
pq_good(const PGresult *res)
{
	ExecStatusType	st = res != NULL ? PQresultStatus(res) : PGRES_FATAL_ERROR;

	return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ||
	    st == PGRES_EMPTY_QUERY;
}

/* Remember the first error since the last Sync (it fails that Sync's commit). */
static void
pq_note_err(struct db_pgconn *c, const PGresult *res)
{
	char		msg[512];
	enum db_err	cls;

	if (c->sync_err)
		return;
	pq_res_err(c, res, msg, sizeof(msg), &cls);
	snprintf(c->sync_msg, sizeof(c->sync_msg), "%s", msg);
	c->sync_class = cls;
	c->sync_err = 1;
}

/* A commit was answered: done or failed (the first failure is kept). */
static void
pq_commit_answered(struct db_pgconn *c, uint64_t seq, int ok, const char *msg,
    enum db_err cls)
{
	if (ok && c->failed_seq == 0)
		c->done_seq = seq;
	else if (!ok && c->failed_seq == 0) {
		c->failed_seq = seq;
		snprintf(c->fail_msg, sizeof(c->fail_msg), "%s", msg);
		c->fail_class = cls;
	}
	if (c->synced_fn != NULL)
		c->synced_fn(c->synced_arg);
}

/* The front request's answers are all in: take them. */
static void
pq_done(struct db_pgconn *c, PGresult *res)
{
	struct pq_entry	e = c->q[c->qhead];

	pq_pop(c);
	switch (e.kind) {
	case PQ_BLIND:
		if (!pq_good(res)) {
			pq_note_err(c, res);
			if (c->txn && e.txn == c->txn_no && !c->txn_failed) {
				c->txn_failed = 1;
				snprintf(c->txn_err, sizeof(c->txn_err), "%s",
				    c->sync_msg);
				c->txn_class = c->sync_class;
			}
		}
		PQclear(res);
		break;
	case PQ_COMMIT:
		if (!pq_good(res))
			pq_note_err(c, res);
		else if (strcmp(PQcmdStatus(res), "ROLLBACK") == 0 &&
		    !c->sync_err) {
			/* COMMIT of a failed transaction rolls it back, quietly. */
			snprintf(c->sync_msg, sizeof(c->sync_msg), "the "
			    "transaction had failed: COMMIT rolled it back");
			c->sync_class = DB_E_ERROR;
			c->sync_err = 1;
		}
		PQclear(res);
		break;
	case PQ_WAIT:
		if (!pq_good(res))
			pq_note_err(c, res);
		c->waited = res;
		c->wait_done = 1;
		break;
	case PQ_SYNC:
		if (e.seq > 0)
			pq_commit_answered(c, e.seq, !c->sync_err, c->sync_msg,
			    c->sync_class);
		c->sync_err = 0;
		PQclear(res);
		break;
	}
}

/*
 * The link is gone: every request still queued failed (a commit among
 * them may have committed: that is for the caller to say).
 */
static void
pq_lost(struct db_pgconn *c)
{
	char	msg[512];

	snprintf(msg, sizeof(msg), "the connection to PostgreSQL was lost: %s",
	    PQerrorMessage(c->conn));
	msg[strcspn(msg, "\n")] = '\0';
	pg_merge_discard(c);	/* rows of the transaction lost with it */
	PQclear(c->cur);
	c->cur = NULL;
	while (c->qn > 0) {
		struct pq_entry	e = c->q[c->qhead];

		pq_pop(c);
		if (e.kind == PQ_WAIT) {
			c->waited = NULL;
			c->wait_done = 1;
		} else if (e.kind == PQ_SYNC && e.seq > 0)
			pq_commit_answered(c, e.seq, 0, msg, DB_E_IO);
	}
	if (c->txn) {
		c->was_in_txn = 1;
		c->txn = 0;
	}
	/* Whatever libpq thinks of the session, the next statement resets it. */
	c->broken = 1;
	pg_seterr(c, DB_E_IO, msg);
}

/* Wait for the socket to be readable (or writable, with output pending). */
static int
pq_poll(struct db_pgconn *c)
{
	struct pollfd	pfd;
	int		f;

	if ((f = PQflush(c->conn)) == -1)
		return -1;
	pfd.fd = PQsocket(c->conn);
	pfd.events = POLLIN | (f == 1 ? POLLOUT : 0);
	pfd.revents = 0;
	if (poll(&pfd, 1, 1000) == -1 && errno != EINTR)
		return -1;
	return 0;
}

/*
 * Take the answers that have arrived, oldest request first.  block: wait
 * until the waited request (pq_wait()) is answered.  0, or -1 when the link
 * is lost (every queued request failed).
 */
static int
pq_pump(struct db_pgconn *c, int block)
{
	PGresult	*res;

	while (c->qn > 0 && !(block && c->wait_done)) {
		if (PQstatus(c->conn) != CONNECTION_OK)
			goto lost;
		if (PQisBusy(c->conn)) {
			if (!PQconsumeInput(c->conn))
				goto lost;
			if (PQisBusy(c->conn)) {
				if (!block)
					return 0;
				if (pq_poll(c) == -1)
					goto lost;
				continue;
			}
		}
		res = PQgetResult(c->conn);
		if (c->q[c->qhead].kind == PQ_SYNC) {
			if (res == NULL ||
			    PQresultStatus(res) != PGRES_PIPELINE_SYNC) {
				/* Out of step with the server: start afresh. */
				PQclear(res);
				goto lost;
			}
			pq_done(c, res);
			continue;
		}
		if (res != NULL) {
			if (c->cur == NULL)
				c->cur = res;
			else
				PQclear(res);
			continue;
		}
		res = c->cur;
		c->cur = NULL;
		pq_done(c, res);
	}
	return 0;
lost:
	pq_lost(c);
	return -1;
}

/* Restore order after a failed statement: the server skips up to this Sync. */
static void
pq_resync(struct db_pgconn *c)
{
	if (PQstatus(c->conn) == CONNECTION_OK && PQpipelineSync(c->conn) == 1)
		pq_push(c, PQ_SYNC, 0);
}

/*
 * Wait for the answer to the request just sent (sent: its PQsend* call's
 * result).  The result, owned by the caller; NULL when the link is lost.
 */
static PGresult *
pq_wait(struct db_pgconn *c, int sent)
{
	PGresult	*res;

	if (!sent) {
		pq_pump(c, 0);
		return NULL;
	}
	pq_push(c, PQ_WAIT, 0);
	c->wait_done = 0;
	c->waited = NULL;
	/*
	 * Inside a transaction a flush request brings the answer; outside one
	 * a Sync also ends the implicit transaction the statement runs in.
	 */
	if (c->txn ? !PQsendFlushRequest(c->conn) :
	    PQpipelineSync(c->conn) != 1) {
		pq_lost(c);
		return NULL;
	}
	if (!c->txn)
		pq_push(c, PQ_SYNC, 0);
	(void)pq_pump(c, 1);
	res = c->waited;
	c->waited = NULL;
	if (res != NULL && !pq_good(res) && c->txn)
		pq_resync(c);
	return res;
}

/* PQexec, or its pipelined equivalent (one statement). */
static PGresult *
pg_q_exec(struct db_pgconn *c, const char *sql)
{
	if (!c->pipe)
		return PQexec(c->conn, sql);
	return pq_wait(c, PQsendQueryParams(c->conn, sql, 0, NULL, NULL, NULL,
	    NULL, 0));
}

/* PQexecParams (text parameters), or its pipelined equivalent. */
static PGresult *
pg_q_params(struct db_pgconn *c, const char *sql, int n,
    const char *const *vals)
{
	if (!c->pipe)
		return PQexecParams(c->conn, sql, n, NULL, vals, NULL, NULL, 0);
	return pq_wait(c, PQsendQueryParams(c->conn, sql, n, NULL, vals, NULL,
	    NULL, 0));
}

/* PQprepare, or its pipelined equivalent. */
static PGresult *
pg_q_prepare(struct db_pgconn *c, const char *name, const char *sql, int n,
    const Oid *types)
{
	if (!c->pipe)
		return PQprepare(c->conn, name, sql, n, types);
	return pq_wait(c, PQsendPrepare(c->conn, name, sql, n, types));
}

/* Whether the n letters before e in out are the word w. */
static int
pg_word(const char *out, const char *e, const char *w, size_t n)
{
	return e - out >= (long)n && strncasecmp(e - n, w, n) == 0 &&
	    (e - out == (long)n || !(isalnum((unsigned char)e[-n - 1]) ||
	    e[-n - 1] == '_'));
}

/*
 * SQLite's "x IS ?" and "x IS NOT ?" compare NULLs as values: written up to
 * o, they become IS [NOT] DISTINCT FROM.  Where the parameter goes.
 */
static char *
pg_is(char *out, char *o)
{
	char	*e = o, *f;

	while (e > out && isspace((unsigned char)e[-1]))
		e--;
	if (e == o)
		return o;
	if (pg_word(out, e, "IS", 2))
		return o + sprintf(o, "NOT DISTINCT FROM ");
	if (!pg_word(out, e, "NOT", 3))
		return o;
	for (f = e - 3; f > out && isspace((unsigned char)f[-1]); f--)
		;
	if (f == e - 3 || !pg_word(out, f, "IS", 2))
		return o;
	return e - 3 + sprintf(e - 3, "DISTINCT FROM ");
}

/* Rewrite ?N and ? to $N outside literals; sets *np to the highest.  NULL: bad. */
static char *
pg_rewrite(const char *sql, int *np, char *err, size_t errsz)
{
	size_t		 n = strlen(sql);
	char		*out = xmalloc(n * 26 + 1), *o = out;
	const char	*p = sql;
	long		 max = 0, v;
	char		*end;

	while (*p != '\0') {
		if (*p == '\'' || *p == '"') {
			char	q = *p;

			*o++ = *p++;
			while (*p != '\0' && *p != q)
				*o++ = *p++;
			if (*p == q)
				*o++ = *p++;
			continue;
		}
		if (p[0] == '-' && p[1] == '-') {
			while (*p != '\0' && *p != '\n')
				*o++ = *p++;
			continue;
		}
		if (*p != '?') {
			*o++ = *p++;
			continue;
		}
		p++;
		if (isdigit((unsigned char)*p)) {
			v = strtol(p, &end, 10);
			p = end;
		} else
			v = max + 1;	/* SQLite: one above the largest so far */
		if (v < 1 || v > PG_MAX_PARAMS) {
			snprintf(err, errsz, "bad parameter number in SQL");
			free(out);
			return NULL;
		}
		if (v > max)
			max = v;
		o = pg_is(out, o);
		o += sprintf(o, "$%ld", v);
	}
	*o = '\0';
	*np = (int)max;
	return out;
}

/* The server's notices ("does not exist, skipping") are not pcod's to print. */
static void
pg_notice(void *arg, const char *msg)
{
}

/* db_pg_ping: does a session open now (db.h)? */
int
db_pg_ping(const char *conninfo, char *why, size_t whysz)
{
	PGconn	*conn;
	int	 ok;

	if (PQping(conninfo) == PQPING_NO_ATTEMPT)
		return -1;
	conn = PQconnectdb(conninfo);
	ok = conn != NULL && PQstatus(conn) == CONNECTION_OK;
	/* libpq's message never holds the password. */
	snprintf(why, whysz, "%s", ok ? "" : conn != NULL ?
	    PQerrorMessage(conn) : "out of memory");
	why[strcspn(why, "\n")] = '\0';
	PQfinish(conn);
	return ok;
}

/* db_pg_connect: a connection, or NULL with err set. */
struct db *
db_pg_connect(const char *conninfo, char *err, size_t errsz)
{
	struct db_pgconn	*c;
	char			 where[512];

	c = xcalloc(1, sizeof(*c));
	c->base.kind = DB_PG;
	c->conn = PQconnectdb(conninfo);
	if (c->conn != NULL)
		PQsetNoticeProcessor(c->conn, pg_notice, NULL);
	if (c->conn == NULL || PQstatus(c->conn) != CONNECTION_OK) {
		char	msg[512];

		pg_seterr(c, DB_E_IO, c->conn != NULL ?
		    PQerrorMessage(c->conn) : "out of memory");
		/* libpq's message never holds the password; the URI may. */
		snprintf(msg, sizeof(msg), "%s", c->err);
		snprintf(err, errsz, "%s: %s",
		    db_redact(conninfo, where, sizeof(where)), msg);
		PQfinish(c->conn);
		free(c);
		return NULL;
	}
	PQsetClientEncoding(c->conn, "UTF8");
	return &c->base;
}

/* Append n bytes of s to buf at *o, bounded. */
static void
pg_put(char *buf, size_t bufsz, size_t *o, const char *s, size_t n)
{
	while (n-- > 0 && *o + 1 < bufsz)
		buf[(*o)++] = *s++;
	buf[*o] = '\0';
}

/* The length of a key=value value at p (quoted with '' and \ escapes or not). */
static size_t
pg_valuelen(const char *p, int uri)
{
	const char	*q = p;

	if (*q == '\'') {
		for (q++; *q != '\0' && *q != '\''; q++)
			if (*q == '\\' && q[1] != '\0')
				q++;
		return (size_t)(q - p) + (*q == '\'');
	}
	while (*q != '\0' && !isspace((unsigned char)*q) &&
	    !(uri && (*q == '&' || *q == '#')))
		q++;
	return (size_t)(q - p);
}

/* s with the password of a URI's user info and of password= masked. */
const char *
db_redact(const char *s, char *buf, size_t bufsz)
{
	const char	*p = s, *at, *colon, *slash, *scheme;
	size_t		 o = 0;
	int		 uri;

	if (bufsz == 0)
		return buf;
	buf[0] = '\0';
	if (s == NULL)
		return buf;
	scheme = strstr(s, "://");
	uri = scheme != NULL;
	if (uri) {
		p = scheme + 3;
		pg_put(buf, bufsz, &o, s, (size_t)(p - s));
		slash = p + strcspn(p, "/?#");
		at = memchr(p, '@', (size_t)(slash - p));
		/* the last @ of the authority ends the user info */
		while (at != NULL && memchr(at + 1, '@', (size_t)(slash - at - 1)))
			at = memchr(at + 1, '@', (size_t)(slash - at - 1));
		colon = at != NULL ? memchr(p, ':', (size_t)(at - p)) : NULL;
		if (colon != NULL) {
			pg_put(buf, bufsz, &o, p, (size_t)(colon - p) + 1);
			pg_put(buf, bufsz, &o, "*****", 5);
			p = at;
		}
	}
	while (*p != '\0') {
		if (strncasecmp(p, "password", 8) == 0 &&
		    (p == s || !isalnum((unsigned char)p[-1]))) {
			const char	*q = p + 8;

			while (*q == ' ')
				q++;
			if (*q == '=') {
				q++;
				while (*q == ' ')
					q++;
				pg_put(buf, bufsz, &o, p, (size_t)(q - p));
				pg_put(buf, bufsz, &o, "*****", 5);
				p = q + pg_valuelen(q, uri);
				continue;
			}
		}
		pg_put(buf, bufsz, &o, p, 1);
		p++;
	}
	return buf;
}

/* The connection behind a struct db. */
static struct db_pgconn *
pgc(struct db *db)
{
	return (struct db_pgconn *)db;
}

/* The statement behind a struct db_stmt. */
static struct pg_stmt *
pgs(struct db_stmt *st)
{
	return (struct pg_stmt *)st;
}

/* Free the current row's decoded blobs. */
static void
pg_free_blobs(struct pg_stmt *s)
{
	int	i, n;

	if (s->blobs == NULL)
		return;
	n = s->res != NULL ? PQnfields(s->res) : 0;
	for (i = 0; i < n; i++)
		free(s->blobs[i]);
	free(s->blobs);
	free(s->bloblen);
	s->blobs = NULL;
	s->bloblen = NULL;
}

/* pg_close: finalize the statements, close the link. */
void
pg_close(struct db *db)
{
	struct db_pgconn	*c = pgc(db);

	if (c == NULL)
		return;
	pg_merge_discard(c);	/* an open transaction ends with the link */
	while (c->stmts != NULL)
		pg_finalize(&c->stmts->base);
	PQfinish(c->conn);
	PQclear(c->cur);
	PQclear(c->waited);
	free(c->q);
	while (c->ids != NULL) {
		struct pg_ids	*b = c->ids;

		c->ids = b->link;
		free(b);
	}
	free(c->setup);
	free(c->fks);
	free(c);
}

/* Remember whether a transaction is open, for when the link is gone. */
static void
pg_note_txn(struct db_pgconn *c)
{
	PGTransactionStatusType	t = PQtransactionStatus(c->conn);

	/* Pipelined, the server's status is that of the last Sync: c->txn. */
	if (c->pipe)
		return;
	if (t != PQTRANS_UNKNOWN)
		c->was_in_txn = t == PQTRANS_INTRANS || t == PQTRANS_INERROR ||
		    t == PQTRANS_ACTIVE;
}

/* Whether sql (a statement's text) is a ROLLBACK of the whole transaction. */
static int
pg_is_rollback(const char *sql)
{
	while (isspace((unsigned char)*sql))
		sql++;
	return strncasecmp(sql, "ROLLBACK", 8) == 0 &&
	    strncasecmp(sql + 8 + strspn(sql + 8, " \t\n"), "TO", 2) != 0;
}

/*
 * Forget the server-side statements of a session that is gone: each is
 * prepared again on the new one at its next run.
 */
static void
pg_forget_plans(struct db_pgconn *c)
{
	struct pg_stmt	*s;
	struct pg_plan	*pl;

	for (s = c->stmts; s != NULL; s = s->next) {
		memset(s->mprep, 0, sizeof(s->mprep));
		while ((pl = s->plans) != NULL) {
			s->plans = pl->next;
			free(pl->types);
			free(pl);
		}
	}
}

/*
 * Make sure the session is up before sql runs; 1 to go on, 0 with the
 * error kept (and *done set when sql needs no server: a ROLLBACK of a
 * transaction the lost session took with it).  A session lost with a
 * transaction open stays lost until that transaction is rolled back: its
 * statements may not go on, committed one by one, on a new session.  Then
 * the next statement reconnects (at most once a second) and runs the
 * setup again (session settings, the one-pcod lock).
 */
static int
pg_alive(struct db_pgconn *c, const char *sql, int *done)
{
	struct timespec	 now;
	PGresult	*res;
	long		 ms;

	*done = 0;
	if (PQstatus(c->conn) == CONNECTION_OK && !c->broken)
		return 1;
	/* Pipelined: what was queued on the lost session failed with it. */
	if (c->qn > 0 || c->txn)
		pq_lost(c);
	if (c->was_in_txn) {
		if (pg_is_rollback(sql)) {
			c->was_in_txn = 0;
			c->errclass = DB_E_NONE;
			c->err[0] = '\0';
			*done = 1;
			return 0;
		}
		pg_seterr(c, DB_E_IO, "the connection to PostgreSQL was lost "
		    "inside a transaction");
		return 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (now.tv_sec - c->last_try.tv_sec) * 1000 +
	    (now.tv_nsec - c->last_try.tv_nsec) / 1000000;
	if (c->last_try.tv_sec != 0 && ms < 1000) {
		pg_seterr(c, DB_E_IO, "the connection to PostgreSQL is lost; "
		    "reconnecting");
		return 0;
	}
	c->last_try = now;
	pg_forget_plans(c);
	c->gen++;
	PQreset(c->conn);
	if (PQstatus(c->conn) != CONNECTION_OK) {
		pg_seterr(c, DB_E_IO, PQerrorMessage(c->conn));
		return 0;
	}
	/* A new session starts outside pipeline mode: setup first, then back in. */
	if (PQpipelineStatus(c->conn) != PQ_PIPELINE_OFF)
		(void)PQexitPipelineMode(c->conn);
	PQsetnonblocking(c->conn, 0);
	PQsetClientEncoding(c->conn, "UTF8");
	if (c->setup != NULL) {
		res = PQexec(c->conn, c->setup);
		if (!pg_ok(c, res)) {
			PQclear(res);
			/* Not usable: the next try resets it again. */
			c->broken = 1;
			return 0;
		}
		PQclear(res);
	}
	if (c->pipe && (!PQenterPipelineMode(c->conn) ||
	    PQsetnonblocking(c->conn, 1) != 0)) {
		pg_seterr(c, DB_E_IO, PQerrorMessage(c->conn));
		c->broken = 1;
		return 0;
	}
	c->broken = 0;
	/* The loop watches the new session's socket from now on. */
	if (c->pipe && c->synced_fn != NULL)
		c->synced_fn(c->synced_arg);
	return 1;
}

/* Run at each reconnection, before anything else (and now, once). */
int
pg_setup(struct db *db, const char *sql)
{
	struct db_pgconn	*c = pgc(db);

	free(c->setup);
	c->setup = xstrdup(sql);
	return pg_exec(db, sql);
}

/* pg_exec: one or more statements without parameters. */
int
pg_exec(struct db *db, const char *sql)
{
	struct db_pgconn	*c = pgc(db);
	PGresult		*res;
	int			 ok, done;

	if (!pg_alive(c, sql, &done))
		return done ? 0 : -1;
	if (c->pipe && pg_is_rollback(sql)) {
		pq_rollback(c);
		return 0;
	}
	if (c->pipe && c->txn && c->txn_failed) {
		/* A savepoint mends nothing: the transaction is rolled back. */
		if (pg_verb(sql) == PV_SAVEPOINT)
			return 0;
		pg_seterr(c, c->txn_class, c->txn_err);
		return -1;
	}
	if (c->pipe)
		pg_merge_flush(c);
	res = pg_q_exec(c, sql);
	ok = pg_ok(c, res);
	pg_note_txn(c);

	if (ok) {
		pg_count(c, res);
		if (strncmp(PQcmdStatus(res), "INSERT ", 7) == 0)
			c->has_last_id = 0;	/* lastval() then */
	}
	PQclear(res);
	return ok ? 0 : -1;
}

/*
 * pg_exec_ticking: pg_exec() of statements that may run long (a schema
 * migration, on a connection not yet pipelined), calling tick(arg) each
 * time every_ms pass without an answer.  What failed first is the error.
 */
int
pg_exec_ticking(struct db *db, const char *sql, int every_ms,
    void (*tick)(void *), void *arg)
{
	struct db_pgconn	*c = pgc(db);
	struct pollfd		 pfd;
	PGresult		*res, *keep = NULL;
	int			 ok, done, n;

	if (c->pipe || tick == NULL)
		return pg_exec(db, sql);
	if (!pg_alive(c, sql, &done))
		return done ? 0 : -1;
	if (!PQsendQuery(c->conn, sql)) {
		pg_result_err(c, NULL);
		return -1;
	}
	for (;;) {
		while (PQisBusy(c->conn)) {
			pfd.fd = PQsocket(c->conn);
			pfd.events = POLLIN;
			pfd.revents = 0;
			if ((n = poll(&pfd, 1, every_ms)) == 0)
				tick(arg);
			else if ((n > 0 && !PQconsumeInput(c->conn)) ||
			    (n < 0 && errno != EINTR))
				break;	/* PQgetResult() tells what went wrong */
		}
		if ((res = PQgetResult(c->conn)) == NULL)
			break;
		if (keep != NULL && PQresultStatus(keep) != PGRES_COMMAND_OK &&
		    PQresultStatus(keep) != PGRES_TUPLES_OK)
			PQclear(res);		/* the first failure stays */
		else {
			PQclear(keep);
			keep = res;
		}
	}
	ok = pg_ok(c, keep);
	pg_note_txn(c);
	PQclear(keep);
	return ok ? 0 : -1;
}

/*
 * Whether sql is an INSERT without RETURNING into a table with an "id"
 * column: then RETURNING id gives db_last_id() the row's id without a
 * round trip of its own, explicit ids (the audit log's) included.
 */
static int
pg_wants_id(struct db_pgconn *c, const char *sql)
{
	const char	*vals[1];
	char		 table[128];
	PGresult	*res;
	int		 yes;

	if (db_sql_insert_into(sql, table, sizeof(table)) == NULL ||
	    strcasestr(sql, "RETURNING") != NULL)
		return 0;
	if (c->pipe ? c->txn_failed :
	    PQtransactionStatus(c->conn) == PQTRANS_INERROR)
		return 0;
	vals[0] = table;
	res = pg_q_params(c, "SELECT 1 FROM pg_attribute WHERE attrelid"
	    " = to_regclass($1) AND attname = 'id' AND NOT attisdropped",
	    1, vals);
	yes = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	PQclear(res);
	return yes;
}

/* The transaction-control verb sql starts with (PV_*). */
static int
pg_verb(const char *sql)
{
	while (isspace((unsigned char)*sql))
		sql++;
	if (strncasecmp(sql, "BEGIN", 5) == 0)
		return PV_BEGIN;
	if (strncasecmp(sql, "COMMIT", 6) == 0)
		return PV_COMMIT;
	if (pg_is_rollback(sql))
		return PV_ROLLBACK;
	if (strncasecmp(sql, "ROLLBACK", 8) == 0 ||
	    strncasecmp(sql, "SAVEPOINT", 9) == 0 ||
	    strncasecmp(sql, "RELEASE", 7) == 0)
		return PV_SAVEPOINT;
	return PV_OTHER;
}

/* pg_prepare: rewrite the parameters; the server sees it at the first step. */
struct db_stmt *
pg_prepare(struct db *db, const char *sql)
{
	struct db_pgconn	*c = pgc(db);
	struct pg_stmt		*s;
	char			*q;
	int			 n;

	if ((q = pg_rewrite(sql, &n, c->err, sizeof(c->err))) == NULL) {
		c->errclass = DB_E_ERROR;
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->base.kind = DB_PG;
	s->c = c;
	if (pg_wants_id(c, q)) {
		size_t	len = strlen(q);

		while (len > 0 && (isspace((unsigned char)q[len - 1]) ||
		    q[len - 1] == ';'))
			len--;
		s->sql = xasprintf("%.*s RETURNING id", (int)len, q);
		s->returning = 1;
		free(q);
	} else
		s->sql = q;
	s->nparams = n;
	s->verb = pg_verb(sql);
	s->params = xcalloc((size_t)n + 1, sizeof(*s->params));
	s->row = -1;
	s->next = c->stmts;
	c->stmts = s;
	return &s->base;
}

/* pg_finalize: deallocate its server-side statements and free it. */
void
pg_finalize(struct db_stmt *st)
{
	struct pg_stmt	*s = pgs(st), **pp;
	struct pg_plan	*pl;
	char		 q[64];
	int		 i;

	if (s == NULL)
		return;
	pg_reset(st);
	/* Rows it holds go now, with those held before them. */
	if (s->mlisted)
		pg_merge_flush_upto(s->c, s);
	pg_merge_clear(s);
	free(s->mvals);
	free(s->mlens);
	free(s->mfmts);
	free(s->mhead);
	free(s->mtuple);
	free(s->mtail);
	for (pp = &s->c->stmts; *pp != NULL; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	while ((pl = s->plans) != NULL) {
		s->plans = pl->next;
		/* Pipelined, the session's end frees them. */
		if (!s->c->pipe && PQstatus(s->c->conn) == CONNECTION_OK &&
		    PQtransactionStatus(s->c->conn) != PQTRANS_INERROR) {
			snprintf(q, sizeof(q), "DEALLOCATE %s", pl->name);
			PQclear(PQexec(s->c->conn, q));
		}
		free(pl->types);
		free(pl);
	}
	for (i = 0; i <= s->nparams; i++)
		free(s->params[i].text);
	free(s->params);
	free(s->sql);
	free(s);
}

/* pg_handle: the statement's connection. */
struct db *
pg_handle(struct db_stmt *st)
{
	return &pgs(st)->c->base;
}

/* pg_errmsg: the last error's message. */
const char *
pg_errmsg(struct db *db)
{
	return pgc(db)->errclass == DB_E_NONE ? "not an error" : pgc(db)->err;
}

/* pg_errclass: the last error's class. */
enum db_err
pg_errclass(struct db *db)
{
	return pgc(db)->errclass;
}

/* pg_changes: rows the last INSERT, UPDATE or DELETE changed. */
int
pg_changes(struct db *db)
{
	return pgc(db)->changes;
}

/*
 * pg_last_id: the id of the last row a prepared INSERT wrote, else the
 * session's last sequence value (an INSERT through pg_exec).
 */
int64_t
pg_last_id(struct db *db)
{
	struct db_pgconn	*c = pgc(db);
	PGresult		*res;
	int64_t			 id = -1;

	if (c->has_last_id)
		return c->last_id;
	res = pg_q_exec(c, "SELECT lastval()");
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	else
		pg_result_err(c, res);
	PQclear(res);
	return id;
}

/* pg_in_txn: 1 inside a transaction (a failed one too). */
int
pg_in_txn(struct db *db)
{
	if (pgc(db)->pipe)
		return pgc(db)->txn || pgc(db)->was_in_txn;
	switch (PQtransactionStatus(pgc(db)->conn)) {
	case PQTRANS_INTRANS:
	case PQTRANS_INERROR:
	case PQTRANS_ACTIVE:
		return 1;
	case PQTRANS_UNKNOWN:
		/* The session is gone: did it take an open transaction along? */
		return pgc(db)->was_in_txn;
	default:
		return 0;
	}
}

/* pg_busy_timeout: how long a statement waits for a lock. */
void
pg_busy_timeout(struct db *db, int ms)
{
	char	q[64];

	snprintf(q, sizeof(q), "SET lock_timeout = %d", ms < 0 ? 0 : ms);
	pg_exec(db, q);
}

/* The parameter idx, or NULL (the error recorded) when out of range. */
static struct pg_param *
pg_param(struct pg_stmt *s, int idx)
{
	struct pg_param	*p;

	if (idx < 1 || idx > s->nparams) {
		pg_seterr(s->c, DB_E_ERROR, "column index out of range");
		return NULL;
	}
	p = &s->params[idx];
	free(p->text);
	memset(p, 0, sizeof(*p));
	return p;
}

/* pg_bind_int64 */
int
pg_bind_int64(struct db_stmt *st, int idx, int64_t v)
{
	struct pg_param	*p = pg_param(pgs(st), idx);

	if (p == NULL)
		return 25;
	p->type = OID_INT8;
	snprintf(p->num, sizeof(p->num), "%lld", (long long)v);
	p->val = p->num;
	return DB_OK;
}

/* pg_bind_int */
int
pg_bind_int(struct db_stmt *st, int idx, int v)
{
	return pg_bind_int64(st, idx, v);
}

/* pg_bind_double */
int
pg_bind_double(struct db_stmt *st, int idx, double v)
{
	struct pg_param	*p = pg_param(pgs(st), idx);

	if (p == NULL)
		return 25;
	p->type = OID_FLOAT8;
	snprintf(p->num, sizeof(p->num), "%.17g", v);
	p->val = p->num;
	return DB_OK;
}

/* pg_bind_null */
int
pg_bind_null(struct db_stmt *st, int idx)
{
	struct pg_param	*p = pg_param(pgs(st), idx);

	if (p == NULL)
		return 25;
	p->null = 1;
	return DB_OK;
}

/*
 * A copy of the n bytes at v as valid UTF-8: a text column holds UTF-8 on
 * PostgreSQL (SQLite keeps any bytes), and one panel's broken text must not
 * fail the whole batch with everybody's frames in it.  Each byte of an
 * invalid sequence becomes U+FFFD; the frame's raw bytes stay exact in
 * frames.raw (bytea).
 */
static char *
pg_utf8(const char *v, size_t n)
{
	return text_utf8_fix(v, n, NULL);
}

/* pg_bind_text: copied (the server wants it NUL-terminated). */
int
pg_bind_text(struct db_stmt *st, int idx, const char *v, int len)
{
	struct pg_param	*p;

	if (v == NULL)
		return pg_bind_null(st, idx);
	if ((p = pg_param(pgs(st), idx)) == NULL)
		return 25;
	p->text = pg_utf8(v, len < 0 ? strlen(v) : strnlen(v, (size_t)len));
	p->val = p->text;
	return DB_OK;
}

/* pg_bind_blob: sent in binary, not copied. */
int
pg_bind_blob(struct db_stmt *st, int idx, const void *v, int len)
{
	struct pg_param	*p;

	if (v == NULL)
		return pg_bind_null(st, idx);
	if ((p = pg_param(pgs(st), idx)) == NULL)
		return 25;
	p->type = OID_BYTEA;
	p->val = v != NULL ? v : "";
	p->len = len < 0 ? 0 : len;
	p->binary = 1;
	return DB_OK;
}

/* Whether a failed prepare may succeed with its unknown types made concrete. */
static int
pg_retryable(const PGresult *res)
{
	const char	*st = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	/* undeterminable or ambiguous type, no such operator, mismatch */
	return st != NULL && (strcmp(st, "42P18") == 0 ||
	    strcmp(st, "42P08") == 0 || strcmp(st, "42725") == 0 ||
	    strcmp(st, "42883") == 0 || strcmp(st, "42804") == 0);
}

/*
 * The unknown parameter whose $N in the SQL is nearest to the error's
 * position (1-based characters), or -1.
 */
static int
pg_nearest(const struct pg_stmt *s, const PGresult *res, const Oid *types)
{
	const char	*pos = PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION);
	const char	*p;
	long		 at, d, best = -1, bestd = 0, v;
	char		*end;

	if (pos == NULL)
		return -1;
	at = strtol(pos, NULL, 10) - 1;
	for (p = strchr(s->sql, '$'); p != NULL; p = strchr(p + 1, '$')) {
		v = strtol(p + 1, &end, 10);
		if (end == p + 1 || v < 1 || v > s->nparams || types[v - 1] != 0)
			continue;
		d = p - s->sql < at ? at - (end - s->sql) : (p - s->sql) - at;
		if (best < 0 || d < bestd) {
			best = v - 1;
			bestd = d;
		}
	}
	return (int)best;
}

/* One PQprepare, inside a savepoint when in a transaction (sp). */
static PGresult *
pg_prepare_once(struct db_pgconn *c, const char *name, const char *sql,
    int n, const Oid *t, int sp)
{
	PGresult		*res;
	int			 ok;

	if (sp)
		PQclear(pg_q_exec(c, "SAVEPOINT pcod_prepare"));
	res = pg_q_prepare(c, name, sql, n, t);
	ok = res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK;
	if (sp && !ok)
		PQclear(pg_q_exec(c, "ROLLBACK TO pcod_prepare"));
	if (sp)
		PQclear(pg_q_exec(c, "RELEASE pcod_prepare"));
	return res;
}

/*
 * Prepare name with types.  The unknown (NULL or text) parameters go as
 * "unknown" first; when the server cannot type them ("?1 IS NULL" alone
 * says nothing), as text, and then the one nearest the error becomes int8,
 * until it prepares or every unknown one is int8.  Inside a transaction a
 * savepoint keeps a failed try from aborting it.  Once per statement and
 * signature.  The result of the last try.
 */
static PGresult *
pg_prepare_tries(struct pg_stmt *s, const char *name, const Oid *types)
{
	Oid		*t = xcalloc((size_t)s->nparams + 1, sizeof(Oid));
	Oid		*left = xcalloc((size_t)s->nparams + 1, sizeof(Oid));
	PGresult	*res;
	int		 sp, j, k;

	sp = s->c->pipe ? s->c->txn :
	    PQtransactionStatus(s->c->conn) == PQTRANS_INTRANS;
	memcpy(t, types, (size_t)s->nparams * sizeof(Oid));
	/* left: the parameters that may still become int8 (0: text now) */
	memcpy(left, types, (size_t)s->nparams * sizeof(Oid));
	res = pg_prepare_once(s->c, name, s->sql, s->nparams, t, sp);
	if (PQresultStatus(res) == PGRES_COMMAND_OK || !pg_retryable(res))
		goto done;
	for (j = 0; j < s->nparams; j++)
		if (types[j] == 0)
			t[j] = 25;	/* text */
	PQclear(res);
	res = pg_prepare_once(s->c, name, s->sql, s->nparams, t, sp);
	while (PQresultStatus(res) != PGRES_COMMAND_OK && pg_retryable(res) &&
	    (k = pg_nearest(s, res, left)) >= 0) {
		left[k] = t[k] = OID_INT8;
		PQclear(res);
		res = pg_prepare_once(s->c, name, s->sql, s->nparams, t, sp);
	}
done:
	free(left);
	free(t);
	return res;
}

/* The server-side statement for the bound types, prepared if new. */
static struct pg_plan *
pg_plan(struct pg_stmt *s, const Oid *types)
{
	struct pg_plan	*pl;
	PGresult	*res;
	size_t		 sz = (size_t)s->nparams * sizeof(Oid);

	for (pl = s->plans; pl != NULL; pl = pl->next)
		if (sz == 0 || memcmp(pl->types, types, sz) == 0)
			return pl;
	pl = xcalloc(1, sizeof(*pl));
	pl->types = xmalloc(sz + 1);
	if (sz > 0)
		memcpy(pl->types, types, sz);
	snprintf(pl->name, sizeof(pl->name), "pcod_%u", s->c->next_name++);
	res = pg_prepare_tries(s, pl->name, types);
	if (!pg_ok(s->c, res)) {
		PQclear(res);
		free(pl->types);
		free(pl);
		return NULL;
	}
	PQclear(res);
	pl->next = s->plans;
	s->plans = pl;
	return pl;
}

/* Pipelined: give up on the open transaction (a Sync first: whatever failed). */
static void
pq_rollback(struct db_pgconn *c)
{
	pg_merge_discard(c);
	c->txn = 0;
	c->txn_failed = 0;
	if (PQpipelineSync(c->conn) != 1)
		return;
	pq_push(c, PQ_SYNC, 0);
	if (PQsendQueryParams(c->conn, "ROLLBACK", 0, NULL, NULL, NULL, NULL,
	    0)) {
		pq_push(c, PQ_BLIND, 0);
		/* Its own failure, if any, ends here and fails no commit. */
		if (PQpipelineSync(c->conn) == 1)
			pq_push(c, PQ_SYNC, 0);
	}
	(void)PQflush(c->conn);
}

/*
 * Pipelined: a transaction whose blind statement failed takes nothing more
 * but its ROLLBACK; its COMMIT rolls it back and fails.  1 refused (the
 * error kept), 0 go on.
 */
static int
pq_refused(struct pg_stmt *s)
{
	struct db_pgconn	*c = s->c;

	/* Before a COMMIT, learn of the failures that have arrived. */
	if (s->verb == PV_COMMIT)
		(void)pq_pump(c, 0);
	if (!c->txn || !c->txn_failed || s->verb == PV_ROLLBACK)
		return 0;
	if (s->verb == PV_COMMIT)
		pq_rollback(c);
	else if (s->verb == PV_SAVEPOINT) {
		/* Mends nothing: the whole transaction is rolled back. */
		s->res = PQmakeEmptyPGresult(NULL, PGRES_COMMAND_OK);
		return 1;
	}
	pg_seterr(c, c->txn_class, c->txn_err);
	return 1;
}

/*
 * Merged INSERTs.  Pipelined, a blind statement's answer is never read, so
 * the rows of blind "INSERT INTO t (cols) VALUES (tuple)" statements can
 * go to the server together: one multi-row INSERT per statement instead of
 * one statement per row, which is what the server spends most on (a batch
 * of panel events is a frame, an event and an alarm link per event).
 *
 * ON CONFLICT DO NOTHING may follow the tuple (it applies row by row).
 * Rows are held per statement and sent, in order, before anything else
 * goes out on the session (pg_merge_flush(): any other statement, an
 * exec, a COMMIT, a savepoint), or when a statement holds PG_MERGE_ROWS.
 * So everything sent before a non-merged statement is sent before it, as
 * without merging; only rows of different merged statements change order
 * among themselves.  That is safe unless a row references a row still
 * held by a statement sent after it: the statements holding rows are kept
 * in an order where every table comes after the tables it references
 * (foreign keys, read from the catalogue when the session is pipelined),
 * and a statement that cannot be placed so (a cycle) sends what is held
 * first.  A merged INSERT that fails fails its transaction, as any blind
 * statement's failure does: its COMMIT rolls back and fails.  A rollback
 * or a lost session drops the rows held (their transaction is gone).
 */

/* The foreign keys between the tables, once; merging starts only then. */
static void
pg_merge_load(struct db_pgconn *c)
{
	PGresult	*res;
	int		 i, n;

	res = PQexec(c->conn, "SELECT ch.relname, pa.relname FROM pg_constraint k"
	    " JOIN pg_class ch ON ch.oid = k.conrelid"
	    " JOIN pg_class pa ON pa.oid = k.confrelid"
	    " WHERE k.contype = 'f' AND pg_table_is_visible(k.conrelid)");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		PQclear(res);
		return;		/* not merged: each row its own statement */
	}
	n = PQntuples(res);
	free(c->fks);
	c->fks = xcalloc((size_t)n + 1, sizeof(*c->fks));
	c->nfks = 0;
	for (i = 0; i < n; i++) {
		struct pg_fk	*k = &c->fks[c->nfks];

		if (strlen(PQgetvalue(res, i, 0)) >= sizeof(k->child) ||
		    strlen(PQgetvalue(res, i, 1)) >= sizeof(k->parent)) {
			PQclear(res);
			return;	/* a name we cannot hold: no merging */
		}
		snprintf(k->child, sizeof(k->child), "%s", PQgetvalue(res, i, 0));
		snprintf(k->parent, sizeof(k->parent), "%s", PQgetvalue(res, i, 1));
		c->nfks++;
	}
	PQclear(res);
	c->merge = 1;
}

/* Whether rows of child may reference rows of parent. */
static int
pg_refs(const struct db_pgconn *c, const char *child, const char *parent)
{
	size_t	i;

	for (i = 0; i < c->nfks; i++)
		if (strcmp(c->fks[i].child, child) == 0 &&
		    strcmp(c->fks[i].parent, parent) == 0)
			return 1;
	return 0;
}

/*
 * Whether a blind statement's SQL is "INSERT INTO t (cols) VALUES (tuple)"
 * with nothing after the tuple: then keep what is around the tuple.
 */
static void
pg_merge_shape(struct pg_stmt *s)
{
	const char	*p, *t, *tail;
	int		 depth = 0, quote = 0;

	if ((p = db_sql_insert_into(s->sql, s->mtable, sizeof(s->mtable))) == NULL)
		return;
	for (; isspace((unsigned char)*p); p++)
		;
	if (*p != '(' || (p = strchr(p, ')')) == NULL)
		return;
	for (p++; isspace((unsigned char)*p); p++)
		;
	if (strncasecmp(p, "VALUES", 6) != 0)
		return;
	for (p += 6; isspace((unsigned char)*p); p++)
		;
	if (*p != '(')
		return;
	for (t = p; *p != '\0'; p++) {
		if (quote) {
			if (*p == quote)
				quote = 0;
		} else if (*p == '\'' || *p == '"')
			quote = *p;
		else if (*p == '(')
			depth++;
		else if (*p == ')' && --depth == 0)
			break;
	}
	if (*p != ')')
		return;
	tail = ++p;
	for (; isspace((unsigned char)*p); p++)
		;
	/* Row by row the same in one statement: a duplicate is skipped. */
	if (strncasecmp(p, "ON CONFLICT DO NOTHING", 22) == 0)
		p += 22;
	for (; isspace((unsigned char)*p) || *p == ';'; p++)
		;
	if (*p != '\0' || s->nparams > PG_MAX_PARAMS / PG_MERGE_ROWS)
		return;		/* RETURNING, DO UPDATE...: not merged */
	s->mtuple = xasprintf("%.*s", (int)(tail - t), t);
	s->mtail = xasprintf("%.*s", (int)(p - tail), tail);
	s->mhead = xasprintf("%.*s", (int)(t - s->sql), s->sql);
}

/* Append s's tuple to *buf with its parameters numbered from off + 1. */
static void
pg_merge_tuple(char **buf, size_t *len, size_t *cap, const char *tuple,
    int off)
{
	const char	*p;
	char		 num[16];
	int		 quote = 0, n;
	size_t		 k;

	for (p = tuple; *p != '\0'; p++) {
		if (*len + sizeof(num) + 2 >= *cap) {
			*cap = *cap * 2 + sizeof(num) + 2;
			*buf = xreallocarray(*buf, *cap, 1);
		}
		if (!quote && *p == '$' && isdigit((unsigned char)p[1])) {
			n = (int)strtol(p + 1, NULL, 10) + off;
			k = (size_t)snprintf(num, sizeof(num), "$%d", n);
			memcpy(*buf + *len, num, k);
			*len += k;
			for (p++; isdigit((unsigned char)p[1]); p++)
				;
			continue;
		}
		if (quote && *p == quote)
			quote = 0;
		else if (!quote && (*p == '\'' || *p == '"'))
			quote = *p;
		(*buf)[(*len)++] = *p;
	}
	(*buf)[*len] = '\0';
}

/* Free the rows s holds. */
static void
pg_merge_clear(struct pg_stmt *s)
{
	int	i;

	for (i = 0; i < s->mrows * s->nparams; i++)
		free(s->mvals[i]);
	s->mrows = 0;
}

/*
 * The server-side multi-row INSERT of s for PG_MERGE_KS[ki] rows, prepared
 * on first use in this session (every parameter's type left to the server:
 * the target columns give them, so one plan serves whatever was bound).
 * NULL with the error kept.
 */
static const char *
pg_merge_plan(struct pg_stmt *s, int ki)
{
	struct db_pgconn	*c = s->c;
	PGresult		*res;
	int			 k = PG_MERGE_KS[ki], n = s->nparams, r, ok;
	size_t			 len, cap;
	char			*sql;

	if (s->mprep[ki])
		return s->mname[ki];
	cap = strlen(s->mhead) + strlen(s->mtail) + (size_t)k *
	    (strlen(s->mtuple) + (size_t)n * 4 + 4) + 64;
	sql = xmalloc(cap);
	len = (size_t)snprintf(sql, cap, "%s", s->mhead);
	for (r = 0; r < k; r++) {
		if (r > 0) {
			sql[len++] = ',';
			sql[len++] = ' ';
		}
		pg_merge_tuple(&sql, &len, &cap, s->mtuple, r * n);
	}
	if (len + strlen(s->mtail) + 1 > cap) {
		cap = len + strlen(s->mtail) + 1;
		sql = xreallocarray(sql, cap, 1);
	}
	memcpy(sql + len, s->mtail, strlen(s->mtail) + 1);
	snprintf(s->mname[ki], sizeof(s->mname[ki]), "pcod_%u", c->next_name++);
	res = pg_prepare_once(c, s->mname[ki], sql, n * k, NULL, c->txn);
	free(sql);
	ok = pg_ok(c, res);
	PQclear(res);
	if (!ok)
		return NULL;
	s->mprep[ki] = 1;
	return s->mname[ki];
}

/*
 * Send the rows s holds as multi-row INSERTs.  0, or -1: the link is lost.
 * A multi-row INSERT the server will not prepare fails the transaction
 * (its rows are not sent; the COMMIT rolls back and fails), and s sends
 * its rows one by one from then on.
 */
static int
pg_merge_send(struct pg_stmt *s)
{
	struct db_pgconn	*c = s->c;
	const char		*name;
	int			 n = s->nparams, done = 0, ki, k;
	size_t			 off;

	for (ki = 0; ki < 4 && done < s->mrows; ki++) {
		k = PG_MERGE_KS[ki];
		while (s->mrows - done >= k) {
			if ((name = pg_merge_plan(s, ki)) == NULL) {
				if (c->txn && !c->txn_failed) {
					c->txn_failed = 1;
					snprintf(c->txn_err, sizeof(c->txn_err),
					    "%s", c->err);
					c->txn_class = c->errclass;
				}
				free(s->mtuple);
				s->mtuple = NULL;
				pg_merge_clear(s);
				return 0;
			}
			off = (size_t)done * n;
			if (!PQsendQueryPrepared(c->conn, name, n * k,
			    (const char * const *)s->mvals + off, s->mlens + off,
			    s->mfmts + off, 0)) {
				pg_merge_clear(s);
				pq_lost(c);
				return -1;
			}
			pq_push(c, PQ_BLIND, 0);
			c->changes = 1;
			done += k;
		}
	}
	pg_merge_clear(s);
	return 0;
}

/* Send what is held, in order, up to and including stop (NULL: all). */
static void
pg_merge_flush_upto(struct db_pgconn *c, struct pg_stmt *stop)
{
	struct pg_stmt	*s;

	while ((s = c->mlist) != NULL) {
		c->mlist = s->mnext;
		s->mnext = NULL;
		s->mlisted = 0;
		if (pg_merge_send(s) == -1 || s == stop)
			return;
	}
}

/* Send every row held (before anything else goes out on the session). */
static void
pg_merge_flush(struct db_pgconn *c)
{
	pg_merge_flush_upto(c, NULL);
}

/* Drop every row held: their transaction is rolled back or lost. */
static void
pg_merge_discard(struct db_pgconn *c)
{
	struct pg_stmt	*s;

	while ((s = c->mlist) != NULL) {
		c->mlist = s->mnext;
		s->mnext = NULL;
		s->mlisted = 0;
		pg_merge_clear(s);
	}
}

/*
 * Put s on the list of statements holding rows: after every statement of
 * a table it references, before every statement of a table referencing
 * it.  0, or -1 when no place is both (a cycle).
 */
static int
pg_merge_place(struct db_pgconn *c, struct pg_stmt *s)
{
	struct pg_stmt	**pp, **at = NULL, *e;
	int		  parent_after = 0;

	for (pp = &c->mlist; (e = *pp) != NULL; pp = &e->mnext) {
		if (at == NULL && pg_refs(c, e->mtable, s->mtable))
			at = pp;	/* the first that references s's table */
		if (pg_refs(c, s->mtable, e->mtable) && at != NULL)
			parent_after = 1;
	}
	if (parent_after)
		return -1;
	if (at == NULL)
		at = pp;
	s->mnext = *at;
	*at = s;
	s->mlisted = 1;
	return 0;
}

/* Hold s's row (its parameters as bound) for a multi-row INSERT. */
static void
pg_merge_add(struct pg_stmt *s)
{
	struct db_pgconn	*c = s->c;
	int			 n = s->nparams, i;
	size_t			 at;

	if (!s->mlisted && pg_merge_place(c, s) == -1) {
		pg_merge_flush(c);
		(void)pg_merge_place(c, s);	/* alone now: it fits */
	}
	if (s->mrows == s->mcap) {
		s->mcap = s->mcap ? s->mcap * 2 : 8;
		s->mvals = xreallocarray(s->mvals, (size_t)s->mcap * n + 1,
		    sizeof(*s->mvals));
		s->mlens = xreallocarray(s->mlens, (size_t)s->mcap * n + 1,
		    sizeof(*s->mlens));
		s->mfmts = xreallocarray(s->mfmts, (size_t)s->mcap * n + 1,
		    sizeof(*s->mfmts));
	}
	for (i = 0; i < n; i++) {
		struct pg_param	*p = &s->params[i + 1];

		at = (size_t)s->mrows * n + i;
		s->mfmts[at] = p->null ? 0 : p->binary;
		s->mlens[at] = p->null ? 0 : p->len;
		if (p->null)
			s->mvals[at] = NULL;
		else if (p->binary) {
			s->mvals[at] = xmalloc(p->len > 0 ? (size_t)p->len : 1);
			memcpy(s->mvals[at], p->val, (size_t)p->len);
		} else
			s->mvals[at] = xstrdup(p->val);
	}
	s->mrows++;
	c->changes = 1;
	if (s->mrows >= PG_MERGE_ROWS)
		pg_merge_flush_upto(c, s);
}

/*
 * Pipelined: send the statement without waiting (BEGIN, COMMIT with its
 * Sync, savepoints, blind statements).  1, or 0 with the error kept.
 */
static int
pq_send(struct pg_stmt *s, const struct pg_plan *pl, const char **vals,
    const int *lens, const int *fmts)
{
	struct db_pgconn	*c = s->c;

	if (!PQsendQueryPrepared(c->conn, pl->name, s->nparams, vals, lens,
	    fmts, 0)) {
		pq_lost(c);
		return 0;
	}
	switch (s->verb) {
	case PV_BEGIN:
		c->txn_no++;
		c->txn = 1;
		c->txn_failed = 0;
		pq_push(c, PQ_BLIND, 0);
		break;
	case PV_COMMIT:
		pq_push(c, PQ_COMMIT, 0);
		c->txn = 0;
		if (PQpipelineSync(c->conn) != 1) {
			pq_lost(c);
			return 0;
		}
		pq_push(c, PQ_SYNC, ++c->sent_seq);
		break;
	default:
		pq_push(c, PQ_BLIND, 0);
		c->changes = 1;
		break;
	}
	c->errclass = DB_E_NONE;
	c->err[0] = '\0';
	return 1;
}

/*
 * The next id for a blind INSERT into table, from a block drawn from its
 * sequence (PG_ID_BLOCK at a time: one round trip per block).  Ids still
 * grow with time: this connection is the only one inserting.  -1 with
 * the error kept.
 */
static int64_t
pg_next_id(struct db_pgconn *c, const char *table)
{
	struct pg_ids	*b;
	PGresult	*res;
	const char	*vals[1];
	int		 i;

	for (b = c->ids; b != NULL; b = b->link)
		if (strcmp(b->table, table) == 0)
			break;
	if (b == NULL) {
		b = xcalloc(1, sizeof(*b));
		snprintf(b->table, sizeof(b->table), "%s", table);
		b->link = c->ids;
		c->ids = b;
	}
	if (b->next < b->n)
		return b->v[b->next++];
	vals[0] = table;
	res = pg_q_params(c, "SELECT nextval(pg_get_serial_sequence($1, 'id'))"
	    " FROM generate_series(1, " PG_ID_BLOCK_S ")", 1, vals);
	if (!pg_ok(c, res) || PQntuples(res) < 1) {
		if (res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK)
			pg_seterr(c, DB_E_ERROR, "no ids from the sequence");
		PQclear(res);
		return -1;
	}
	b->n = PQntuples(res) < PG_ID_BLOCK ? PQntuples(res) : PG_ID_BLOCK;
	for (i = 0; i < b->n; i++)
		b->v[i] = strtoll(PQgetvalue(res, i, 0), NULL, 10);
	PQclear(res);
	b->next = 0;
	return b->v[b->next++];
}

/* pg_set_blind: send without waiting when pipelined (db.h). */
void
pg_set_blind(struct db_stmt *st)
{
	struct pg_stmt	*s = pgs(st);
	struct pg_param	*np;
	size_t		 len;
	char		*base, *q, num[16];

	if (s->blind || s->plans != NULL)
		return;
	if (s->returning) {
		/* Its id comes from a block of ids, not from the server's answer. */
		len = strlen(s->sql) - strlen(" RETURNING id");
		base = xasprintf("%.*s", (int)len, s->sql);
		if (db_sql_explicit_id(base)) {
			/* The caller gives the id (the audit log's): known already. */
			free(s->sql);
			s->sql = base;
			s->returning = 0;
			s->blind = 1;
			pg_merge_shape(s);
			return;
		}
		snprintf(num, sizeof(num), "$%d", s->nparams + 1);
		q = db_sql_idcol(base, num, s->table, sizeof(s->table));
		free(base);
		if (q == NULL)
			return;		/* not a shape we know: stays waited */
		free(s->sql);
		s->sql = q;
		s->returning = 0;
		s->idcol = 1;
		np = xcalloc((size_t)s->nparams + 2, sizeof(*np));
		memcpy(np, s->params, ((size_t)s->nparams + 1) * sizeof(*np));
		free(s->params);
		s->params = np;
		s->nparams++;
		s->params[s->nparams].null = 1;
	}
	s->blind = 1;
	pg_merge_shape(s);
}

/* pg_pipeline: the writer goes into pipeline mode (db.h).  0 or -1. */
int
pg_pipeline(struct db *db, db_synced_fn fn, void *arg)
{
	struct db_pgconn	*c = pgc(db);

	if (c->pipe) {
		/* Already: who is told changes (NULL: nobody, at shutdown). */
		c->synced_fn = fn;
		c->synced_arg = arg;
		return 0;
	}
	if (PQstatus(c->conn) != CONNECTION_OK ||
	    PQtransactionStatus(c->conn) != PQTRANS_IDLE) {
		pg_seterr(c, DB_E_ERROR, "pipeline mode needs an idle session");
		return -1;
	}
	pg_merge_load(c);
	if (!PQenterPipelineMode(c->conn) || PQsetnonblocking(c->conn, 1) != 0) {
		pg_seterr(c, DB_E_IO, PQerrorMessage(c->conn));
		return -1;
	}
	c->pipe = 1;
	c->synced_fn = fn;
	c->synced_arg = arg;
	return 0;
}

/* pg_pipe_socket: the socket and its session's number. */
int
pg_pipe_socket(struct db *db, unsigned *gen)
{
	*gen = pgc(db)->gen;
	return PQsocket(pgc(db)->conn);
}

/* pg_pipe_pump: take what has arrived, never blocking. */
int
pg_pipe_pump(struct db *db)
{
	struct db_pgconn	*c = pgc(db);

	if (!c->pipe)
		return 0;
	if (c->qn == 0) {
		/* Nothing expected: notice a closed link all the same. */
		if (PQconsumeInput(c->conn) == 0 && c->txn == 0)
			c->broken = 1;
		return 0;
	}
	return pq_pump(c, 0);
}

/* pg_pipe_flush: 0 all sent, 1 more to send, -1 lost. */
int
pg_pipe_flush(struct db *db)
{
	struct db_pgconn	*c = pgc(db);
	int			 f;

	if (!c->pipe)
		return 0;
	if ((f = PQflush(c->conn)) == -1)
		pq_lost(c);
	return f;
}

/* pg_pipe_sent: the last COMMIT's number. */
uint64_t
pg_pipe_sent(struct db *db)
{
	return pgc(db)->sent_seq;
}

/* pg_pipe_done: the commits answered. */
uint64_t
pg_pipe_done(struct db *db, uint64_t *failed, const char **why,
    enum db_err *cls)
{
	struct db_pgconn	*c = pgc(db);

	*failed = c->failed_seq;
	*why = c->fail_msg;
	*cls = c->fail_class;
	return c->done_seq;
}

/* pg_pipe_wait: block until commit seq is answered.  0 committed, -1 not. */
int
pg_pipe_wait(struct db *db, uint64_t seq)
{
	struct db_pgconn	*c = pgc(db);

	while (c->pipe && c->done_seq < seq && c->failed_seq == 0 &&
	    c->qn > 0) {
		if (pq_pump(c, 0) == -1)
			break;
		if (c->done_seq >= seq || c->failed_seq != 0 || c->qn == 0)
			break;
		if (pq_poll(c) == -1 || !PQconsumeInput(c->conn)) {
			pq_lost(c);
			break;
		}
	}
	return c->done_seq >= seq ? 0 : -1;
}

/* Run the statement with its bindings; 0, or -1 with the error kept. */
static int
pg_run(struct pg_stmt *s)
{
	int		 n = s->nparams, i, ok;
	Oid		*types = xcalloc((size_t)n + 1, sizeof(Oid));
	const char	**vals = xcalloc((size_t)n + 1, sizeof(char *));
	int		*lens = xcalloc((size_t)n + 1, sizeof(int));
	int		*fmts = xcalloc((size_t)n + 1, sizeof(int));
	struct pg_plan	*pl;
	int		 done;
	int64_t		 id;

	if (!pg_alive(s->c, s->sql, &done) || (s->c->pipe &&
	    pq_refused(s))) {
		free(types);
		free(vals);
		free(lens);
		free(fmts);
		/* done: nothing to do (a savepoint of a failed transaction) */
		if (s->res != NULL)
			return 0;
		if (done)
			s->res = PQmakeEmptyPGresult(NULL, PGRES_COMMAND_OK);
		return done ? 0 : -1;
	}
	if (s->c->pipe && s->verb == PV_ROLLBACK) {
		/* Whatever failed before it: a Sync, then the ROLLBACK. */
		pq_rollback(s->c);
		ok = 1;
		s->res = PQmakeEmptyPGresult(NULL, PGRES_COMMAND_OK);
		goto out;
	}
	if (s->idcol && ((id = pg_next_id(s->c, s->table)) < 0 ||
	    pg_bind_int64(&s->base, n, id) != DB_OK)) {
		ok = 0;
		goto out;
	}
	if (s->c->pipe && s->c->txn && s->c->merge && s->blind &&
	    s->mtuple != NULL && s->verb == PV_OTHER) {
		/* Held, to go with the next rows (see "Merged INSERTs"). */
		pg_merge_add(s);
		s->res = PQmakeEmptyPGresult(NULL, PGRES_COMMAND_OK);
		ok = 1;
		goto held;
	}
	/* Whatever was held goes first: the server sees the caller's order. */
	if (s->c->pipe)
		pg_merge_flush(s->c);
	for (i = 0; i < n; i++) {
		struct pg_param	*p = &s->params[i + 1];

		types[i] = p->null ? 0 : p->type;
		vals[i] = p->null ? NULL : p->val;
		lens[i] = p->len;
		fmts[i] = p->binary;
	}
	ok = (pl = pg_plan(s, types)) != NULL;
	if (ok && s->c->pipe && (s->verb == PV_BEGIN || (s->c->txn &&
	    (s->blind || s->verb == PV_COMMIT || s->verb == PV_SAVEPOINT)))) {
		ok = pq_send(s, pl, vals, lens, fmts);
		s->res = PQmakeEmptyPGresult(NULL, PGRES_COMMAND_OK);
	} else if (ok) {
		s->res = !s->c->pipe ? PQexecPrepared(s->c->conn, pl->name, n,
		    vals, lens, fmts, 0) : pq_wait(s->c,
		    PQsendQueryPrepared(s->c->conn, pl->name, n, vals, lens,
		    fmts, 0));
		ok = pg_ok(s->c, s->res);
		if (ok)
			pg_count(s->c, s->res);
		if (ok && s->verb == PV_COMMIT &&
		    strcmp(PQcmdStatus(s->res), "ROLLBACK") == 0) {
			/* COMMIT of a failed transaction rolls it back, quietly. */
			pg_seterr(s->c, DB_E_ERROR, "the transaction had failed:"
			    " COMMIT rolled it back");
			ok = 0;
		}
		if (ok && s->returning && PQntuples(s->res) > 0) {
			s->c->last_id = strtoll(PQgetvalue(s->res,
			    PQntuples(s->res) - 1, 0), NULL, 10);
			s->c->has_last_id = 1;
		}
	}
held:
	if (ok && s->idcol) {
		s->c->last_id = s->params[n].null ? -1 :
		    strtoll(s->params[n].val, NULL, 10);
		s->c->has_last_id = 1;
	}
out:
	pg_note_txn(s->c);
	free(types);
	free(vals);
	free(lens);
	free(fmts);
	return ok ? 0 : -1;
}

/* pg_step: run at the first step, then the next row. */
int
pg_step(struct db_stmt *st)
{
	struct pg_stmt	*s = pgs(st);

	pg_free_blobs(s);
	if (s->done)
		return DB_DONE;
	if (s->res == NULL && pg_run(s) < 0) {
		PQclear(s->res);
		s->res = NULL;
		return pg_code(s->c->errclass);
	}
	if (PQresultStatus(s->res) != PGRES_TUPLES_OK || s->returning ||
	    ++s->row >= PQntuples(s->res)) {
		s->done = 1;
		return DB_DONE;
	}
	return DB_ROW;
}

/* pg_reset: ready to run again, bindings kept. */
void
pg_reset(struct db_stmt *st)
{
	struct pg_stmt	*s = pgs(st);

	pg_free_blobs(s);
	PQclear(s->res);
	s->res = NULL;
	s->row = -1;
	s->done = 0;
}

/* pg_clear_bindings: every parameter back to NULL. */
void
pg_clear_bindings(struct db_stmt *st)
{
	struct pg_stmt	*s = pgs(st);
	int		 i;

	for (i = 1; i <= s->nparams; i++) {
		free(s->params[i].text);
		memset(&s->params[i], 0, sizeof(s->params[i]));
		s->params[i].null = 1;
	}
}

/* Whether the statement has a current row with column col. */
static int
pg_has(struct pg_stmt *s, int col)
{
	return s->res != NULL && !s->done && s->row >= 0 &&
	    s->row < PQntuples(s->res) && col >= 0 && col < PQnfields(s->res);
}

/* pg_column_count: the result's columns (0 before the first step). */
int
pg_column_count(struct db_stmt *st)
{
	struct pg_stmt	*s = pgs(st);

	return s->res != NULL ? PQnfields(s->res) : 0;
}

/* pg_column_name */
const char *
pg_column_name(struct db_stmt *st, int col)
{
	struct pg_stmt	*s = pgs(st);

	if (s->res == NULL || col < 0 || col >= PQnfields(s->res))
		return NULL;
	return PQfname(s->res, col);
}

/* Whether a numeric's text has a fraction or an exponent. */
static int
pg_fractional(const char *v)
{
	return strpbrk(v, ".eEN") != NULL;	/* N: NaN */
}

/* pg_column_type */
int
pg_column_type(struct db_stmt *st, int col)
{
	struct pg_stmt	*s = pgs(st);

	if (!pg_has(s, col) || PQgetisnull(s->res, s->row, col))
		return DB_NULL;
	switch (PQftype(s->res, col)) {
	case OID_BOOL:
	case OID_INT2:
	case OID_INT4:
	case OID_INT8:
	case OID_OID:
		return DB_INTEGER;
	case OID_FLOAT4:
	case OID_FLOAT8:
		return DB_FLOAT;
	case OID_NUMERIC:
		return pg_fractional(PQgetvalue(s->res, s->row, col)) ?
		    DB_FLOAT : DB_INTEGER;
	case OID_BYTEA:
		return DB_BLOB;
	default:
		return DB_TEXT;
	}
}

/* The column's text as the server sent it, NULL for NULL or no row. */
static const char *
pg_raw(struct pg_stmt *s, int col)
{
	if (!pg_has(s, col) || PQgetisnull(s->res, s->row, col))
		return NULL;
	return PQgetvalue(s->res, s->row, col);
}

/* pg_column_double */
double
pg_column_double(struct db_stmt *st, int col)
{
	struct pg_stmt	*s = pgs(st);
	const char	*v = pg_raw(s, col);

	if (v == NULL)
		return 0.0;
	if (PQftype(s->res, col) == OID_BOOL)
		return *v == 't';
	return strtod(v, NULL);
}

/* pg_column_int64 */
int64_t
pg_column_int64(struct db_stmt *st, int col)
{
	struct pg_stmt	*s = pgs(st);
	const char	*v = pg_raw(s, col);
	Oid		 t;

	if (v == NULL)
		return 0;
	t = PQftype(s->res, col);
	if (t == OID_BOOL)
		return *v == 't';
	if (t == OID_FLOAT4 || t == OID_FLOAT8 ||
	    (t == OID_NUMERIC && pg_fractional(v)))
		return (int64_t)strtod(v, NULL);
	return strtoll(v, NULL, 10);
}

/* pg_column_int */
int
pg_column_int(struct db_stmt *st, int col)
{
	return (int)pg_column_int64(st, col);
}

/* The decoded bytea of col in the current row (cached until the next step). */
static const unsigned char *
pg_blob(struct pg_stmt *s, int col, size_t *len)
{
	int		 n = PQnfields(s->res);
	unsigned char	*raw;
	size_t		 l = 0;

	if (s->blobs == NULL) {
		s->blobs = xcalloc((size_t)n, sizeof(*s->blobs));
		s->bloblen = xcalloc((size_t)n, sizeof(*s->bloblen));
	}
	if (s->blobs[col] == NULL) {
		raw = PQunescapeBytea((const unsigned char *)
		    PQgetvalue(s->res, s->row, col), &l);
		if (raw == NULL)
			return NULL;
		/* NUL-terminated like SQLite's, for db_column_text() */
		s->blobs[col] = malloc(l + 1);
		if (s->blobs[col] == NULL) {
			PQfreemem(raw);
			return NULL;
		}
		memcpy(s->blobs[col], raw, l);
		s->blobs[col][l] = '\0';
		s->bloblen[col] = l;
		PQfreemem(raw);
	}
	*len = s->bloblen[col];
	return s->blobs[col];
}

/* pg_column_text: text, bool as "1"/"0", bytea decoded; NULL for NULL. */
const char *
pg_column_text(struct db_stmt *st, int col)
{
	struct pg_stmt	*s = pgs(st);
	const char	*v = pg_raw(s, col);
	size_t		 len;

	if (v == NULL)
		return NULL;
	switch (PQftype(s->res, col)) {
	case OID_BOOL:
		return *v == 't' ? "1" : "0";
	case OID_BYTEA:
		return (const char *)pg_blob(s, col, &len);
	default:
		return v;
	}
}

/* pg_column_bytes: the length db_column_text() returns. */
int
pg_column_bytes(struct db_stmt *st, int col)
{
	struct pg_stmt	*s = pgs(st);
	const char	*v = pg_raw(s, col);
	size_t		 len = 0;

	if (v == NULL)
		return 0;
	switch (PQftype(s->res, col)) {
	case OID_BOOL:
		return 1;
	case OID_BYTEA:
		return pg_blob(s, col, &len) != NULL ? (int)len : 0;
	default:
		return PQgetlength(s->res, s->row, col);
	}
}
