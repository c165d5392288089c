/*
 * db_pg.c - db.h's statement API on PostgreSQL through libpq (DB_PG
 * connections); db.c dispatches the public db_* calls here (db_int.h).
 *
 * This is the first step: every call is synchronous (PQexec, PQprepare,
 * PQexecPrepared), so a statement waits for its round trip.  The next step
 * is libpq's asynchronous pipeline mode on the writer, so that the loop
 * never blocks on the server (issue 14).
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
 * Rows: the whole PGresult is fetched at the first step, then walked.
 * Column types come from PQftype: integers and bool read as DB_INTEGER
 * (bool as 1/0), float4/8 as DB_FLOAT, numeric as DB_INTEGER when it has
 * no fraction (sum() of BIGINT is numeric) else DB_FLOAT, bytea as DB_BLOB
 * (decoded), the rest as DB_TEXT.
 */
#include "config.h"

#include <ctype.h>
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
	struct pg_param	*params;
	struct pg_plan	*plans;
	PGresult	*res;		/* NULL before the first step */
	int		 row;		/* current row, -1 before the first */
	int		 done;
	unsigned char	**blobs;	/* the current row's decoded bytea, or NULL */
	size_t		*bloblen;
	struct pg_stmt	*next;		/* on c->stmts */
};

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
	if (strcmp(state, "25006") == 0)
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
	pg_result_err(c, res);
	return 0;
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
	while (c->stmts != NULL)
		pg_finalize(&c->stmts->base);
	PQfinish(c->conn);
	free(c->setup);
	free(c);
}

/* Remember whether a transaction is open, for when the link is gone. */
static void
pg_note_txn(struct db_pgconn *c)
{
	PGTransactionStatusType	t = PQtransactionStatus(c->conn);

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
	PQreset(c->conn);
	if (PQstatus(c->conn) != CONNECTION_OK) {
		pg_seterr(c, DB_E_IO, PQerrorMessage(c->conn));
		return 0;
	}
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
	c->broken = 0;
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
	res = PQexec(c->conn, sql);
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
 * Whether sql is an INSERT without RETURNING into a table with an "id"
 * column: then RETURNING id gives db_last_id() the row's id without a
 * round trip of its own, explicit ids (the audit log's) included.
 */
static int
pg_wants_id(struct db_pgconn *c, const char *sql)
{
	const char	*p = sql, *vals[1];
	char		 table[128];
	size_t		 n;
	PGresult	*res;
	int		 yes;

	while (isspace((unsigned char)*p))
		p++;
	if (strncasecmp(p, "INSERT", 6) != 0 || !isspace((unsigned char)p[6]))
		return 0;
	for (p += 6; isspace((unsigned char)*p); p++)
		;
	if (strncasecmp(p, "INTO", 4) != 0 || !isspace((unsigned char)p[4]))
		return 0;
	for (p += 4; isspace((unsigned char)*p); p++)
		;
	n = strspn(p, "abcdefghijklmnopqrstuvwxyz_0123456789");
	if (n == 0 || n >= sizeof(table) || strcasestr(p, "RETURNING") != NULL)
		return 0;
	if (PQtransactionStatus(c->conn) == PQTRANS_INERROR)
		return 0;
	snprintf(table, sizeof(table), "%.*s", (int)n, p);
	vals[0] = table;
	res = PQexecParams(c->conn, "SELECT 1 FROM pg_attribute WHERE attrelid"
	    " = to_regclass($1) AND attname = 'id' AND NOT attisdropped",
	    1, NULL, vals, NULL, NULL, 0);
	yes = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	PQclear(res);
	return yes;
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
	for (pp = &s->c->stmts; *pp != NULL; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	while ((pl = s->plans) != NULL) {
		s->plans = pl->next;
		if (PQstatus(s->c->conn) == CONNECTION_OK &&
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
	res = PQexec(c->conn, "SELECT lastval()");
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
pg_prepare_once(struct pg_stmt *s, const char *name, const Oid *t, int sp)
{
	PGconn		*conn = s->c->conn;
	PGresult	*res;

	if (sp)
		PQclear(PQexec(conn, "SAVEPOINT pcod_prepare"));
	res = PQprepare(conn, name, s->sql, s->nparams, t);
	if (sp)
		PQclear(PQexec(conn, PQresultStatus(res) == PGRES_COMMAND_OK ?
		    "RELEASE pcod_prepare" :
		    "ROLLBACK TO pcod_prepare; RELEASE pcod_prepare"));
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

	sp = PQtransactionStatus(s->c->conn) == PQTRANS_INTRANS;
	memcpy(t, types, (size_t)s->nparams * sizeof(Oid));
	/* left: the parameters that may still become int8 (0: text now) */
	memcpy(left, types, (size_t)s->nparams * sizeof(Oid));
	res = pg_prepare_once(s, name, t, sp);
	if (PQresultStatus(res) == PGRES_COMMAND_OK || !pg_retryable(res))
		goto done;
	for (j = 0; j < s->nparams; j++)
		if (types[j] == 0)
			t[j] = 25;	/* text */
	PQclear(res);
	res = pg_prepare_once(s, name, t, sp);
	while (PQresultStatus(res) != PGRES_COMMAND_OK && pg_retryable(res) &&
	    (k = pg_nearest(s, res, left)) >= 0) {
		left[k] = t[k] = OID_INT8;
		PQclear(res);
		res = pg_prepare_once(s, name, t, sp);
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

	if (!pg_alive(s->c, s->sql, &done)) {
		free(types);
		free(vals);
		free(lens);
		free(fmts);
		if (done)
			s->res = PQmakeEmptyPGresult(NULL, PGRES_COMMAND_OK);
		return done ? 0 : -1;
	}

	for (i = 0; i < n; i++) {
		struct pg_param	*p = &s->params[i + 1];

		types[i] = p->null ? 0 : p->type;
		vals[i] = p->null ? NULL : p->val;
		lens[i] = p->len;
		fmts[i] = p->binary;
	}
	ok = (pl = pg_plan(s, types)) != NULL;
	if (ok) {
		s->res = PQexecPrepared(s->c->conn, pl->name, n, vals, lens,
		    fmts, 0);
		ok = pg_ok(s->c, s->res);
		if (ok)
			pg_count(s->c, s->res);
		if (ok && s->returning && PQntuples(s->res) > 0) {
			s->c->last_id = strtoll(PQgetvalue(s->res,
			    PQntuples(s->res) - 1, 0), NULL, 10);
			s->c->has_last_id = 1;
		}
	}
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
