/*
 * migrate.c - pcod migrate-store FROM TO: an SQLite store copied to
 * PostgreSQL (issue 14, step 6).  Like store*.c it speaks SQL, through
 * db.h on both sides; it is a store tool run beside the daemon, never in it.
 *
 * The cutover is two runs.  The first runs while pcod still writes FROM: it
 * reads FROM in one read transaction (a consistent snapshot; SQLite's WAL
 * lets pcod go on writing, the WAL only grows until the run ends) and
 * copies every table into TO.  Then pcod is stopped and the same command
 * runs again: it copies only what changed since.  Per table:
 *   - APPEND tables (frames, events, audit, alarm_events, patrol_checkins)
 *     are never updated, only added to and purged: rows with a key above
 *     TO's largest are inserted; rows below it are checked by count and key
 *     sums, and only when those differ (a purge ran) walked row by row;
 *   - SYNC tables (everything else) are reconciled by primary key: both
 *     sides are read in key order and merged; rows only in TO are deleted
 *     (first, children before parents), changed rows updated (only the
 *     columns that differ), new rows inserted (parents before children).
 * Pages and TO's transactions hold MIG_PAGE rows, so a store of ten million
 * events never makes one huge transaction.  Ids are kept, and identity
 * sequences are set past them.
 *
 * Every table of both schemas must be in mig_tables or mig_skip: a table a
 * later migration adds fails the run until it is classified here.
 *
 * TO is fenced: the run holds the receivers' lease (lease.h) as node
 * "pcod-migrate-store", renewed at every commit, so a pcod active on TO
 * makes it refuse and a pcod started meanwhile stays a standby; a comment on schema_version records the run (FROM's path, state and
 * the row counts it left), so a second run continues only a copy of the
 * same FROM that nobody has written to since.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sqlite3.h>

#include "audit.h"
#include "db.h"
#include "db_int.h"
#include "lease.h"
#include "migrate.h"
#include "store.h"
#include "text.h"
#include "xmalloc.h"

#define MIG_PAGE	5000	/* rows per page read and per TO transaction */
#define MIG_MULTI	100	/* rows per multi-row INSERT */
#define MIG_PROGRESS_S	2	/* seconds between progress lines */
#define MIG_MARK	"pcod migrate-store"
#define MIG_NODE	"pcod-migrate-store"	/* its name on TO's lease */
#define MIG_LEASE_S	60	/* renewed at every commit (5,000 rows) */

static const struct {
	const char		*name;
	enum migrate_class	 cls;
} mig_tables[] = {
	/* In the order of the foreign keys: parents first. */
	{ "sites", MIGRATE_SYNC },
	{ "accounts", MIGRATE_SYNC },
	{ "frames", MIGRATE_APPEND },
	{ "events", MIGRATE_APPEND },
	{ "zones", MIGRATE_SYNC },
	{ "contacts", MIGRATE_SYNC },
	{ "units", MIGRATE_SYNC },
	{ "protocols", MIGRATE_SYNC },
	{ "protocol_steps", MIGRATE_SYNC },
	{ "operators", MIGRATE_SYNC },
	{ "alarms", MIGRATE_SYNC },
	{ "alarm_events", MIGRATE_APPEND },
	{ "alarm_steps", MIGRATE_SYNC },
	{ "alarm_accounts", MIGRATE_SYNC },
	{ "audit_anchor", MIGRATE_SYNC },
	{ "audit", MIGRATE_APPEND },
	{ "risk_assessments", MIGRATE_SYNC },
	{ "risk_tables", MIGRATE_SYNC },
	{ "guards", MIGRATE_SYNC },
	{ "guard_ids", MIGRATE_SYNC },
	{ "guard_sites", MIGRATE_SYNC },
	{ "patrol_holidays", MIGRATE_SYNC },
	{ "patrol_routes", MIGRATE_SYNC },
	{ "patrol_terminals", MIGRATE_SYNC },
	{ "patrol_checkins", MIGRATE_APPEND },
	{ "patrol_findings", MIGRATE_SYNC },
	{ "patrol_observations", MIGRATE_SYNC },
	{ "sessions", MIGRATE_SYNC },
};
#define MIG_NTABLES	(sizeof(mig_tables) / sizeof(mig_tables[0]))

/*
 * Never copied: the schema's version (each engine has its own), and the
 * active/standby lease of the PostgreSQL receivers, which belongs to the
 * instances running on TO, not to FROM.
 */
static const char *const mig_skip[] = {
	"schema_version", "lease", "receivers"
};

/* A column's kind on TO, which FROM's loosely typed values are made to fit. */
enum mig_kind { MK_INT, MK_FLOAT, MK_TEXT, MK_BLOB };

struct mig_col {
	char		*name;		/* owned */
	char		*type;		/* PostgreSQL's name, for CAST; owned */
	enum mig_kind	 kind;
	int		 identity;
};

/* One value; p owned. */
struct mig_val {
	int		 type;		/* DB_NULL, DB_INTEGER, DB_FLOAT, DB_TEXT, DB_BLOB */
	int64_t		 i;
	double		 d;
	char		*p;
	size_t		 n;
};

/* Rows of one page, ncols values each; owned. */
struct mig_page {
	struct mig_val	*v;
	int		 nrows, ncols;
	unsigned char	 fixed[MIG_PAGE];	/* FROM: text made UTF-8 */
};

/* One side of a merge: its statements, page and where it stands. */
struct mig_side {
	struct db	*db;		/* not owned */
	int		 from;		/* 1: FROM (values converted) */
	struct db_stmt	*first;		/* owned */
	struct db_stmt	*next;		/* owned: keys above ?1.. */
	struct mig_page	 page;
	int		 pos;
	int		 eof;
	int		 started;
	struct mig_val	*after;		/* nkeys values, as stored; owned */
};

struct mig_tab {
	const char		*name;
	enum migrate_class	 cls;
	struct mig_col		*cols;		/* owned */
	int			 ncols;
	int			*key;		/* column indexes; owned */
	int			 nkeys;
	int			 triggers;	/* user triggers on TO */
	int64_t			 from_rows, to_rows, from_max, to_max;
	int64_t			 ins, upd, del, badtext, done;
	int64_t			 mark;		/* APPEND: TO's largest first key */
	int			 has_mark;	/* rows up to mark are equal */
	int			 ok;		/* verified */
};

struct mig {
	const char	*from;
	char		 from_real[PATH_MAX];
	char		 to_shown[512];		/* TO without a password */
	struct db	*src;			/* owned */
	struct db	*dst;			/* owned */
	struct lease	*lease;			/* TO's receivers' lease; owned */
	struct mig_tab	 tabs[MIG_NTABLES];
	struct mig_tab	*txn;			/* TO's open transaction is on it */
	int		 nwrites;		/* in that transaction */
	struct db_stmt	*ins1, *insn, *del;	/* the table's; owned */
	struct mig_val	**pending;		/* rows to insert (in FROM's page) */
	int		 npending;
	time_t		 shown;			/* last progress line */
	int64_t		 audit_last;		/* FROM's newest audit row */
	char		*audit_hash;		/* its hash; owned */
	char		 err[1024];
};

/* migrate_table_class: by mig_tables and mig_skip. */
enum migrate_class
migrate_table_class(const char *name)
{
	size_t	i;

	for (i = 0; i < MIG_NTABLES; i++)
		if (strcmp(mig_tables[i].name, name) == 0)
			return mig_tables[i].cls;
	for (i = 0; i < sizeof(mig_skip) / sizeof(mig_skip[0]); i++)
		if (strcmp(mig_skip[i], name) == 0)
			return MIGRATE_SKIP;
	return MIGRATE_UNKNOWN;
}

/* Keep a message as the run's error; returns -1. */
static int __attribute__((format(printf, 2, 3)))
mig_fail(struct mig *m, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(m->err, sizeof(m->err), fmt, ap);
	va_end(ap);
	return -1;
}

/* The error of db (FROM or TO) after what was done; returns -1. */
static int
mig_dberr(struct mig *m, struct db *db, const char *what)
{
	return mig_fail(m, "%s: %s: %s", db == m->src ? m->from : m->to_shown,
	    what, db_errmsg(db));
}

/* --- values -------------------------------------------------------------- */

static void
mig_val_clear(struct mig_val *v)
{
	free(v->p);
	memset(v, 0, sizeof(*v));
	v->type = DB_NULL;
}

static void
mig_page_clear(struct mig_page *pg)
{
	int	i;

	for (i = 0; i < pg->nrows * pg->ncols; i++)
		free(pg->v[i].p);
	free(pg->v);
	pg->v = NULL;
	pg->nrows = 0;
}

/* Column col of st's row as stored (bytes copied). */
static void
mig_val_read(struct db_stmt *st, int col, struct mig_val *v)
{
	const char	*p;

	mig_val_clear(v);
	v->type = db_column_type(st, col);
	switch (v->type) {
	case DB_INTEGER:
		v->i = db_column_int64(st, col);
		break;
	case DB_FLOAT:
		v->d = db_column_double(st, col);
		break;
	case DB_TEXT:
	case DB_BLOB:
		p = db_column_text(st, col);
		v->n = (size_t)db_column_bytes(st, col);
		v->p = xmalloc(v->n + 1);
		if (v->n > 0)
			memcpy(v->p, p, v->n);
		v->p[v->n] = '\0';
		break;
	default:
		v->type = DB_NULL;
	}
}

/*
 * v's bytes as valid UTF-8, each byte of a bad sequence U+FFFD (db_pg.c's
 * rule); 1 if that changed them.
 */
static int
mig_utf8(struct mig_val *v)
{
	char	*out;
	size_t	 len;

	if (text_is_utf8(v->p, v->n) && memchr(v->p, '\0', v->n) == NULL)
		return 0;
	out = text_utf8_fix(v->p, v->n, &len);
	free(v->p);
	v->p = out;
	v->n = len;
	return 1;
}

/* v as text (SQLite's own conversion of a number). */
static void
mig_to_text(struct mig_val *v)
{
	char	buf[40];

	if (v->type == DB_INTEGER)
		snprintf(buf, sizeof(buf), "%" PRId64, v->i);
	else
		snprintf(buf, sizeof(buf), "%.17g", v->d);
	v->p = xstrdup(buf);
	v->n = strlen(buf);
	v->type = DB_TEXT;
}

/* v (text) as a number of kind; 0, or -1 when it is none. */
static int
mig_text_num(struct mig_val *v, enum mig_kind kind)
{
	char		*end;
	long long	 ll;
	double		 d;

	errno = 0;
	if (kind == MK_INT) {
		ll = strtoll(v->p, &end, 10);
		if (errno != 0 || end == v->p || *end != '\0')
			return -1;
		free(v->p);
		v->p = NULL;
		v->type = DB_INTEGER;
		v->i = ll;
		return 0;
	}
	d = strtod(v->p, &end);
	if (errno != 0 || end == v->p || *end != '\0')
		return -1;
	free(v->p);
	v->p = NULL;
	v->type = DB_FLOAT;
	v->d = d;
	return 0;
}

/*
 * A value FROM holds made to fit TO's column (SQLite keeps any type in any
 * column; PostgreSQL does not).  *fixed is set when text had to be made
 * UTF-8.  0, or -1 when it cannot fit.
 */
static int
mig_conv(struct mig_val *v, enum mig_kind kind, int *fixed)
{
	if (v->type == DB_NULL)
		return 0;
	switch (kind) {
	case MK_INT:
		if (v->type == DB_FLOAT && v->d == (double)(int64_t)v->d) {
			v->i = (int64_t)v->d;
			v->type = DB_INTEGER;
		}
		if (v->type == DB_TEXT)
			return mig_text_num(v, kind);
		return v->type == DB_INTEGER ? 0 : -1;
	case MK_FLOAT:
		if (v->type == DB_INTEGER) {
			v->d = (double)v->i;
			v->type = DB_FLOAT;
		}
		if (v->type == DB_TEXT)
			return mig_text_num(v, kind);
		return v->type == DB_FLOAT ? 0 : -1;
	case MK_TEXT:
		if (v->type == DB_INTEGER || v->type == DB_FLOAT)
			mig_to_text(v);
		v->type = DB_TEXT;
		*fixed |= mig_utf8(v);
		return 0;
	case MK_BLOB:
		if (v->type == DB_INTEGER || v->type == DB_FLOAT)
			mig_to_text(v);
		v->type = DB_BLOB;
		return 0;
	}
	return -1;
}

/* Order of two key values (NULL first; text and blobs by bytes). */
static int
mig_valcmp(const struct mig_val *a, const struct mig_val *b)
{
	size_t	n;
	int	c;

	if (a->type != b->type)
		return a->type == DB_NULL ? -1 : b->type == DB_NULL ? 1 :
		    a->type < b->type ? -1 : 1;
	switch (a->type) {
	case DB_INTEGER:
		return a->i < b->i ? -1 : a->i > b->i;
	case DB_FLOAT:
		return a->d < b->d ? -1 : a->d > b->d;
	case DB_TEXT:
	case DB_BLOB:
		n = a->n < b->n ? a->n : b->n;
		if ((c = n > 0 ? memcmp(a->p, b->p, n) : 0) != 0)
			return c;
		return a->n < b->n ? -1 : a->n > b->n;
	}
	return 0;
}

/* The order of two rows of t by its key. */
static int
mig_keycmp(const struct mig_tab *t, const struct mig_val *a,
    const struct mig_val *b)
{
	int	i, c;

	for (i = 0; i < t->nkeys; i++)
		if ((c = mig_valcmp(&a[t->key[i]], &b[t->key[i]])) != 0)
			return c;
	return 0;
}

/* --- SQL text ------------------------------------------------------------ */

/* Append to a growing string (*s owned). */
static void __attribute__((format(printf, 2, 3)))
mig_cat(char **s, const char *fmt, ...)
{
	va_list	 ap;
	char	*add, *old = *s;

	va_start(ap, fmt);
	if (vasprintf(&add, fmt, ap) < 0)
		abort();
	va_end(ap);
	*s = xasprintf("%s%s", old != NULL ? old : "", add);
	free(add);
	free(old);
}

/* "CAST(?n AS type)" for column c. */
static void
mig_cat_param(char **s, const struct mig_col *c, int n)
{
	mig_cat(s, "CAST(?%d AS %s)", n, c->type);
}

/*
 * SELECT of every column in key order, page by page; with after, only rows
 * whose key is above ?1..?k.  Text keys are compared by bytes on both
 * engines (SQLite's BINARY, PostgreSQL's "C"), as mig_valcmp does.
 */
static char *
mig_sql_select(const struct mig_tab *t, int pg, int after)
{
	const char	*coll = pg ? " COLLATE \"C\"" : " COLLATE BINARY";
	char		*s = NULL, *ks = NULL, *ps = NULL;
	int		 i;
	const struct mig_col *c;

	mig_cat(&s, "SELECT ");
	for (i = 0; i < t->ncols; i++)
		mig_cat(&s, "%s\"%s\"", i ? ", " : "", t->cols[i].name);
	mig_cat(&s, " FROM \"%s\"", t->name);
	for (i = 0; i < t->nkeys; i++) {
		c = &t->cols[t->key[i]];
		mig_cat(&ks, "%s\"%s\"%s", i ? ", " : "", c->name,
		    c->kind == MK_TEXT ? coll : "");
		mig_cat(&ps, "%s", i ? ", " : "");
		if (pg)
			mig_cat_param(&ps, c, i + 1);
		else
			mig_cat(&ps, "?%d", i + 1);
	}
	if (after)
		mig_cat(&s, t->nkeys > 1 ? " WHERE (%s) > (%s)" :
		    " WHERE %s > %s", ks, ps);
	mig_cat(&s, " ORDER BY %s LIMIT %d", ks, MIG_PAGE);
	free(ks);
	free(ps);
	return s;
}

/* INSERT of nrows rows into TO. */
static char *
mig_sql_insert(const struct mig_tab *t, int nrows)
{
	char	*s = NULL;
	int	 r, i;

	mig_cat(&s, "INSERT INTO \"%s\" (", t->name);
	for (i = 0; i < t->ncols; i++)
		mig_cat(&s, "%s\"%s\"", i ? ", " : "", t->cols[i].name);
	mig_cat(&s, ") VALUES ");
	for (r = 0; r < nrows; r++) {
		mig_cat(&s, "%s(", r ? ", " : "");
		for (i = 0; i < t->ncols; i++) {
			mig_cat(&s, "%s", i ? ", " : "");
			mig_cat_param(&s, &t->cols[i], r * t->ncols + i + 1);
		}
		mig_cat(&s, ")");
	}
	return s;
}

/* " WHERE k1 = ?(first) AND ..." for t's key. */
static void
mig_cat_where(char **s, const struct mig_tab *t, int first)
{
	int	i;

	for (i = 0; i < t->nkeys; i++) {
		mig_cat(s, "%s\"%s\" = ", i ? " AND " : " WHERE ",
		    t->cols[t->key[i]].name);
		mig_cat_param(s, &t->cols[t->key[i]], first + i);
	}
}

/* --- statements ---------------------------------------------------------- */

/* Bind v for TO: numbers as text (the SQL casts), so plans do not multiply. */
static int
mig_bind_to(struct db_stmt *st, int idx, const struct mig_val *v)
{
	char	buf[40];

	switch (v->type) {
	case DB_INTEGER:
		snprintf(buf, sizeof(buf), "%" PRId64, v->i);
		return db_bind_text_copy(st, idx, buf, -1);
	case DB_FLOAT:
		snprintf(buf, sizeof(buf), "%.17g", v->d);
		return db_bind_text_copy(st, idx, buf, -1);
	case DB_TEXT:
		return db_bind_text(st, idx, v->p, (int)v->n);
	case DB_BLOB:
		return db_bind_blob(st, idx, v->p, (int)v->n);
	}
	return db_bind_null(st, idx);
}

/* Bind v for FROM (SQLite), as stored. */
static int
mig_bind_from(struct db_stmt *st, int idx, const struct mig_val *v)
{
	switch (v->type) {
	case DB_INTEGER:
		return db_bind_int64(st, idx, v->i);
	case DB_FLOAT:
		return db_bind_double(st, idx, v->d);
	case DB_TEXT:
		return db_bind_text(st, idx, v->p, (int)v->n);
	case DB_BLOB:
		return db_bind_blob(st, idx, v->p, (int)v->n);
	}
	return db_bind_null(st, idx);
}

/* Step a bound write on TO to its end; 0 or -1. */
static int
mig_run(struct mig *m, struct db_stmt *st, const char *what)
{
	int	rc;

	while ((rc = db_step(st)) == DB_ROW)
		;
	db_reset(st);
	db_clear_bindings(st);
	if (rc != DB_DONE)
		return mig_dberr(m, m->dst, what);
	return 0;
}

/* Column 0 of sql's first row on db (NULL: 0); 0, or -1 with err set. */
static int
mig_int(struct mig *m, struct db *db, const char *sql, int64_t *out)
{
	struct db_stmt	*st;
	int		 rc;

	if ((st = db_prepare(db, sql)) == NULL)
		return mig_dberr(m, db, sql);
	rc = db_step(st);
	*out = rc == DB_ROW ? db_column_int64(st, 0) : 0;
	if (rc != DB_ROW && rc != DB_DONE)
		mig_dberr(m, db, sql);
	db_finalize(st);
	return rc == DB_ROW || rc == DB_DONE ? 0 : -1;
}

/* --- TO's transactions --------------------------------------------------- */

/*
 * Open TO's transaction for writes into t.  A table with triggers (the
 * audit log's guards, the dispatch cap of alarm_steps) has them disabled
 * inside this transaction only: the rows copied are final values, which the
 * guards would refuse (the audit anchor names a row FROM's retention
 * purged; rows purged since the last run are deleted before the anchor
 * moves) and the cap would rewrite.  ALTER TABLE locks the table until the
 * COMMIT, which enables them again, so nobody ever sees them off; the chain
 * is then verified with pcod's own verifier.
 */
static int
mig_begin(struct mig *m, struct mig_tab *t)
{
	char	q[160];

	if (m->txn == t)
		return 0;
	if (db_exec(m->dst, "BEGIN") != 0)
		return mig_dberr(m, m->dst, "BEGIN");
	snprintf(q, sizeof(q), "ALTER TABLE \"%s\" DISABLE TRIGGER USER",
	    t->name);
	if (t->triggers && db_exec(m->dst, q) != 0)
		return mig_dberr(m, m->dst, q);
	m->txn = t;
	m->nwrites = 0;
	return 0;
}

/* Renew TO's lease (a statement); 0, or -1 when it was lost. */
static int
mig_renew(struct mig *m)
{
	char	err[512];
	int	rc;

	if (m->lease == NULL || (rc = lease_try(m->lease, err,
	    sizeof(err))) == 1)
		return 0;
	if (rc == 0)
		return mig_fail(m, "TO's receivers' lease was taken by %s"
		    " during the copy: stop every pcod on TO and run again",
		    lease_holder(m->lease, &(int64_t){ 0 }));
	return mig_fail(m, "%s", err);
}

/* Commit TO's open transaction, if any. */
static int
mig_commit(struct mig *m)
{
	char	q[160];

	if (m->txn == NULL)
		return 0;
	snprintf(q, sizeof(q), "ALTER TABLE \"%s\" ENABLE TRIGGER USER",
	    m->txn->name);
	if (m->txn->triggers && db_exec(m->dst, q) != 0)
		return mig_dberr(m, m->dst, q);
	m->txn = NULL;
	if (db_exec(m->dst, "COMMIT") != 0)
		return mig_dberr(m, m->dst, "COMMIT");
	return mig_renew(m);
}

/* A progress line on stderr now and then. */
static void
mig_progress(struct mig *m, const struct mig_tab *t, int last)
{
	time_t	now = time(NULL);

	if (!last && now - m->shown < MIG_PROGRESS_S)
		return;
	m->shown = now;
	fprintf(stderr, "migrate-store: %s: %" PRId64 " of %" PRId64 " rows read;"
	    " %" PRId64 " inserted, %" PRId64 " updated, %" PRId64 " deleted%s\n",
	    t->name, t->done, t->from_rows, t->ins, t->upd, t->del,
	    last ? " (done)" : "");
}

/* --- reading pages ------------------------------------------------------- */

/* dst = a copy of src. */
static void
mig_val_copy(struct mig_val *dst, const struct mig_val *src)
{
	free(dst->p);
	*dst = *src;
	if (src->p != NULL) {
		dst->p = xmalloc(src->n + 1);
		memcpy(dst->p, src->p, src->n + 1);
	}
}

/* A row of FROM made to fit TO's columns; *fixed set if text was not UTF-8. */
static int
mig_fit(struct mig *m, const struct mig_tab *t, struct mig_val *row,
    unsigned char *fixed)
{
	static const char *const what[] = { "an integer", "a number", "text",
	    "bytes" };
	int	i, f = 0;

	for (i = 0; i < t->ncols; i++) {
		if (mig_conv(&row[i], t->cols[i].kind, &f) != 0)
			return mig_fail(m, "%s: table %s, column %s: a value"
			    " that is not %s (%.40s)", m->from, t->name,
			    t->cols[i].name, what[t->cols[i].kind],
			    row[i].p != NULL ? row[i].p : "");
	}
	*fixed = (unsigned char)f;
	return 0;
}

/* Move the keys of last into s->after (freeing what it held). */
static void
mig_after_set(struct mig_side *s, struct mig_val *last, int nkeys)
{
	int	i;

	for (i = 0; i < nkeys; i++) {
		free(s->after[i].p);
		s->after[i] = last[i];
		memset(&last[i], 0, sizeof(last[i]));
	}
}

/*
 * Read the page of s after its last key (or its first page).  The keys
 * bound stay untouched until the statement is reset (SQLite reads bound
 * text in place); the new page's last key replaces them then.
 */
static int
mig_fetch(struct mig *m, struct mig_tab *t, struct mig_side *s)
{
	struct db_stmt	*st = s->started ? s->next : s->first;
	struct mig_page	*pg = &s->page;
	struct mig_val	*row, *last;
	int		 i, rc = DB_ROW;

	mig_page_clear(pg);
	pg->ncols = t->ncols;
	pg->v = xcalloc((size_t)MIG_PAGE * (size_t)t->ncols, sizeof(*pg->v));
	last = xcalloc((size_t)t->nkeys, sizeof(*last));
	s->pos = 0;
	for (i = 0; s->started && i < t->nkeys; i++)
		if ((s->from ? mig_bind_from : mig_bind_to)(st, i + 1,
		    &s->after[i]) != DB_OK) {
			mig_dberr(m, s->db, "binding a key");
			goto fail;
		}
	while (pg->nrows < MIG_PAGE && (rc = db_step(st)) == DB_ROW) {
		row = &pg->v[pg->nrows * t->ncols];
		for (i = 0; i < t->ncols; i++)
			mig_val_read(st, i, &row[i]);
		for (i = 0; i < t->nkeys; i++)
			mig_val_copy(&last[i], &row[t->key[i]]);
		pg->nrows++;
		if (s->from && mig_fit(m, t, row, &pg->fixed[pg->nrows - 1]) != 0)
			goto fail;
		if (pg->nrows > 1 && mig_keycmp(t, row - t->ncols, row) >= 0) {
			mig_fail(m, "%s: table %s: keys out of order near row %d"
			    " (a key that is not UTF-8?)", s->from ? m->from :
			    m->to_shown, t->name, pg->nrows);
			goto fail;
		}
	}
	if (pg->nrows < MIG_PAGE && rc != DB_DONE) {
		mig_dberr(m, s->db, t->name);
		goto fail;
	}
	db_reset(st);
	if (pg->nrows > 0)
		mig_after_set(s, last, t->nkeys);
	free(last);
	s->eof = pg->nrows < MIG_PAGE;
	s->started = 1;
	return 0;
fail:
	db_reset(st);
	for (i = 0; i < t->nkeys; i++)
		free(last[i].p);
	free(last);
	return -1;
}

/* --- the writes ---------------------------------------------------------- */

/* Insert the rows waiting (MIG_MULTI at once, or one by one). */
static int
mig_flush(struct mig *m, struct mig_tab *t)
{
	struct db_stmt	*st;
	int		 r, i, n = m->npending;

	if (n == 0)
		return 0;
	if (mig_begin(m, t) != 0)
		return -1;
	m->npending = 0;
	m->nwrites += n;
	st = n == MIG_MULTI ? m->insn : m->ins1;
	for (r = 0; r < n; r++) {
		for (i = 0; i < t->ncols; i++)
			if (mig_bind_to(st, (st == m->insn ? r : 0) * t->ncols +
			    i + 1, &m->pending[r][i]) != DB_OK)
				return mig_dberr(m, m->dst, "binding a row");
		if ((st == m->ins1 || r == n - 1) &&
		    mig_run(m, st, t->name) != 0)
			return -1;
	}
	return 0;
}

/* Queue FROM's row at a's position for insertion. */
static int
mig_insert(struct mig *m, struct mig_tab *t, struct mig_side *a)
{
	m->pending[m->npending++] = &a->page.v[a->pos * t->ncols];
	t->ins++;
	t->badtext += a->page.fixed[a->pos];
	return m->npending == MIG_MULTI ? mig_flush(m, t) : 0;
}

/* Delete TO's row (its key as TO stores it). */
static int
mig_delete(struct mig *m, struct mig_tab *t, const struct mig_val *row)
{
	int	i;

	if (mig_begin(m, t) != 0)
		return -1;
	for (i = 0; i < t->nkeys; i++)
		if (mig_bind_to(m->del, i + 1, &row[t->key[i]]) != DB_OK)
			return mig_dberr(m, m->dst, "binding a key");
	m->nwrites++;
	t->del++;
	return mig_run(m, m->del, t->name);
}

/* 1 if column i is part of t's key. */
static int
mig_is_key(const struct mig_tab *t, int i)
{
	int	k;

	for (k = 0; k < t->nkeys; k++)
		if (t->key[k] == i)
			return 1;
	return 0;
}

/* 1 if two values are the same. */
static int
mig_valeq(const struct mig_val *a, const struct mig_val *b)
{
	return a->type == b->type && mig_valcmp(a, b) == 0;
}

/*
 * Update TO's row rb to FROM's ra, setting only the columns that differ
 * (a trigger on a column, such as the dispatch cap, sees only real changes).
 */
static int
mig_update(struct mig *m, struct mig_tab *t, struct mig_side *a,
    const struct mig_val *rb)
{
	const struct mig_val	*ra = &a->page.v[a->pos * t->ncols];
	struct db_stmt		*st = NULL;
	char			*q = NULL, *set;
	int			 i, n = 0, rc = -1;

	for (i = 0; i < t->ncols; i++) {
		if (mig_is_key(t, i) || mig_valeq(&ra[i], &rb[i]))
			continue;
		mig_cat(&q, "%s\"%s\" = ", n ? ", " : "", t->cols[i].name);
		mig_cat_param(&q, &t->cols[i], ++n);
	}
	if (n == 0)
		return 0;
	if (mig_flush(m, t) != 0 || mig_begin(m, t) != 0)
		goto fail;
	set = q;
	q = xasprintf("UPDATE \"%s\" SET %s", t->name, set);
	free(set);
	mig_cat_where(&q, t, n + 1);
	if ((st = db_prepare(m->dst, q)) == NULL) {
		mig_dberr(m, m->dst, q);
		goto fail;
	}
	for (i = 0, n = 0; i < t->ncols; i++)
		if (!mig_is_key(t, i) && !mig_valeq(&ra[i], &rb[i]) &&
		    mig_bind_to(st, ++n, &ra[i]) != DB_OK)
			goto bind;
	for (i = 0; i < t->nkeys; i++)
		if (mig_bind_to(st, n + i + 1, &rb[t->key[i]]) != DB_OK)
			goto bind;
	if ((rc = mig_run(m, st, t->name)) == 0) {
		t->upd++;
		t->badtext += a->page.fixed[a->pos];
		m->nwrites++;
	}
	goto fail;
bind:
	mig_dberr(m, m->dst, "binding a row");
fail:
	db_finalize(st);
	free(q);
	return rc;
}

/* --- the merge ----------------------------------------------------------- */

enum mig_pass { MIG_DELETE, MIG_UPSERT };

/*
 * The current row of s, NULL at its end; a new page is read when needed,
 * after the rows waiting were inserted and TO's transaction committed.
 */
static int
mig_cur(struct mig *m, struct mig_tab *t, struct mig_side *s,
    struct mig_val **row)
{
	*row = NULL;
	if (s->pos >= s->page.nrows) {
		if (s->eof)
			return 0;
		if (mig_flush(m, t) != 0 || mig_commit(m) != 0 ||
		    mig_fetch(m, t, s) != 0)
			return -1;
		if (s->page.nrows == 0)
			return 0;
	}
	*row = &s->page.v[s->pos * t->ncols];
	return 0;
}

/* Merge FROM (a) and TO (b) in key order: deletes, or inserts and updates. */
static int
mig_walk(struct mig *m, struct mig_tab *t, enum mig_pass pass,
    struct mig_side *a, struct mig_side *b)
{
	struct mig_val	*ra, *rb;
	int		 c, rc = 0;

	for (;;) {
		if (mig_cur(m, t, a, &ra) != 0 || mig_cur(m, t, b, &rb) != 0)
			return -1;
		if ((ra == NULL && (rb == NULL || pass == MIG_UPSERT)) ||
		    (rb == NULL && pass == MIG_DELETE))
			break;
		c = ra == NULL ? 1 : rb == NULL ? -1 : mig_keycmp(t, ra, rb);
		if (c < 0 && pass == MIG_UPSERT)
			rc = mig_insert(m, t, a);
		else if (c > 0 && pass == MIG_DELETE)
			rc = mig_delete(m, t, rb);
		else if (c == 0 && pass == MIG_UPSERT)
			rc = mig_update(m, t, a, rb);
		if (rc != 0)
			return -1;
		if (c <= 0) {
			a->pos++;
			t->done += pass == MIG_UPSERT;
		}
		if (c >= 0)
			b->pos++;
		if (pass == MIG_UPSERT)
			mig_progress(m, t, 0);
	}
	if (mig_flush(m, t) != 0 || mig_commit(m) != 0)
		return -1;
	return 0;
}

/* --- one table ----------------------------------------------------------- */

/*
 * Run q (one integer parameter) on db: up to three integer columns of its
 * row into out.  0, or -1 with err set.
 */
static int
mig_row3(struct mig *m, struct db *db, const char *q, int64_t arg,
    int64_t out[3])
{
	struct db_stmt	*st;
	int		 rc, i;

	out[0] = out[1] = out[2] = 0;
	if ((st = db_prepare(db, q)) == NULL)
		return mig_dberr(m, db, q);
	if (strstr(q, "?1") == NULL)
		rc = DB_OK;
	else if (db == m->dst)
		rc = mig_bind_to(st, 1, &(struct mig_val){ .type = DB_INTEGER,
		    .i = arg });
	else
		rc = db_bind_int64(st, 1, arg);
	if (rc == DB_OK && (rc = db_step(st)) == DB_ROW)
		for (i = 0; i < db_column_count(st) && i < 3; i++)
			out[i] = db_column_int64(st, i);
	if (rc != DB_ROW)
		mig_dberr(m, db, q);
	db_finalize(st);
	return rc == DB_ROW ? 0 : -1;
}

/*
 * An APPEND table: are the rows up to TO's largest first key the same on
 * both sides (count and the sums of the keys, which a purge changes)?
 * Sets t->mark and t->has_mark (0 when TO is empty or they differ).
 */
static int
mig_append_check(struct mig *m, struct mig_tab *t)
{
	char		*qs = NULL, *qd = NULL, *sel = NULL;
	int64_t		 a[3], b[3];
	int		 i, rc = -1;
	const char	*k1 = t->cols[t->key[0]].name;

	t->has_mark = 0;
	qd = xasprintf("SELECT count(*), max(\"%s\") FROM \"%s\"", k1, t->name);
	if (mig_row3(m, m->dst, qd, 0, b) != 0)
		goto fail;
	free(qd);
	qd = NULL;
	if (b[0] == 0)
		return 0;
	t->mark = b[1];
	mig_cat(&sel, "SELECT count(*)");
	for (i = 0; i < t->nkeys && i < 2; i++)
		mig_cat(&sel, ", coalesce(sum(\"%s\"), 0)", t->cols[t->key[i]].name);
	qs = xasprintf("%s FROM \"%s\" WHERE \"%s\" <= ?1", sel, t->name, k1);
	qd = xasprintf("%s FROM \"%s\" WHERE \"%s\" <= CAST(?1 AS bigint)",
	    sel, t->name, k1);
	if (mig_row3(m, m->dst, qd, t->mark, b) != 0)
		goto fail;
	/* SQLite's sum() fails on an overflow: then walk the rows. */
	t->has_mark = mig_row3(m, m->src, qs, t->mark, a) == 0 &&
	    memcmp(a, b, sizeof(a)) == 0;
	rc = 0;
fail:
	free(sel);
	free(qs);
	free(qd);
	return rc;
}

/* t's identity sequences past its largest ids: pcod's next rows follow. */
static int
mig_setval(struct mig *m, struct mig_tab *t)
{
	char	*q;
	int64_t	 v;
	int	 i, rc = 0;

	for (i = 0; i < t->ncols && rc == 0; i++) {
		if (!t->cols[i].identity)
			continue;
		q = xasprintf("SELECT setval(pg_get_serial_sequence('\"%s\"',"
		    " '%s'), coalesce(max(\"%s\"), 0) + 1, false) FROM \"%s\"",
		    t->name, t->cols[i].name, t->cols[i].name, t->name);
		rc = mig_int(m, m->dst, q, &v);
		free(q);
	}
	return rc;
}

/* Prepare sql on db into *st (sql freed); 0 or -1. */
static int
mig_prep(struct mig *m, struct db *db, char *sql, struct db_stmt **st)
{
	*st = db_prepare(db, sql);
	if (*st == NULL)
		mig_dberr(m, db, sql);
	free(sql);
	return *st != NULL ? 0 : -1;
}

/* The statements of one pass over t. */
static int
mig_prepare_pass(struct mig *m, struct mig_tab *t, enum mig_pass pass,
    struct mig_side *a, struct mig_side *b)
{
	char	*q = NULL;

	if (mig_prep(m, m->src, mig_sql_select(t, 0, 0), &a->first) != 0 ||
	    mig_prep(m, m->src, mig_sql_select(t, 0, 1), &a->next) != 0 ||
	    mig_prep(m, m->dst, mig_sql_select(t, 1, 0), &b->first) != 0 ||
	    mig_prep(m, m->dst, mig_sql_select(t, 1, 1), &b->next) != 0)
		return -1;
	if (pass == MIG_UPSERT)
		return mig_prep(m, m->dst, mig_sql_insert(t, 1), &m->ins1) != 0 ||
		    mig_prep(m, m->dst, mig_sql_insert(t, MIG_MULTI),
		    &m->insn) != 0 ? -1 : 0;
	mig_cat(&q, "DELETE FROM \"%s\"", t->name);
	mig_cat_where(&q, t, 1);
	return mig_prep(m, m->dst, q, &m->del);
}

/* Free what one side of a pass holds. */
static void
mig_side_free(struct mig_side *s, int nkeys)
{
	int	i;

	db_finalize(s->first);
	db_finalize(s->next);
	mig_page_clear(&s->page);
	for (i = 0; s->after != NULL && i < nkeys; i++)
		free(s->after[i].p);
	free(s->after);
}

/* One pass over t: its deletes (children first) or its inserts and updates. */
static int
mig_table(struct mig *m, struct mig_tab *t, enum mig_pass pass)
{
	struct mig_side	 a = { .db = m->src, .from = 1 }, b = { .db = m->dst };
	int		 i, rc = -1;

	if (t->cls == MIGRATE_APPEND && mig_append_check(m, t) != 0)
		return -1;
	if (t->has_mark && pass == MIG_DELETE)
		return 0;
	a.after = xcalloc((size_t)t->nkeys, sizeof(*a.after));
	b.after = xcalloc((size_t)t->nkeys, sizeof(*b.after));
	if (mig_prepare_pass(m, t, pass, &a, &b) != 0)
		goto fail;
	if (t->has_mark) {
		/* Only the rows above the mark: all keys of APPEND are integers. */
		for (i = 0; i < t->nkeys; i++) {
			a.after[i].type = b.after[i].type = DB_INTEGER;
			a.after[i].i = b.after[i].i = i == 0 ? t->mark : INT64_MAX;
		}
		a.started = b.started = 1;
	}
	rc = mig_walk(m, t, pass, &a, &b);
	if (rc == 0 && pass == MIG_UPSERT) {
		rc = mig_setval(m, t);
		mig_progress(m, t, 1);
	}
fail:
	if (m->txn != NULL && db_exec(m->dst, "ROLLBACK") == 0)
		m->txn = NULL;
	m->npending = 0;
	db_finalize(m->ins1);
	db_finalize(m->insn);
	db_finalize(m->del);
	m->ins1 = m->insn = m->del = NULL;
	mig_side_free(&a, t->nkeys);
	mig_side_free(&b, t->nkeys);
	return rc;
}

/* --- the schemas --------------------------------------------------------- */

/* t's columns and key as TO has them, and its triggers. */
static int
mig_columns_to(struct mig *m, struct mig_tab *t)
{
	static const char q_cols[] = "SELECT column_name, data_type,"
	    " is_identity FROM information_schema.columns WHERE table_schema ="
	    " current_schema() AND table_name = ?1 ORDER BY ordinal_position";
	struct db_stmt	*st;
	const char	*ty;
	int		 rc;

	if ((st = db_prepare(m->dst, q_cols)) == NULL)
		return mig_dberr(m, m->dst, q_cols);
	db_bind_text(st, 1, t->name, -1);
	while ((rc = db_step(st)) == DB_ROW) {
		struct mig_col	*c;

		t->cols = xreallocarray(t->cols, (size_t)t->ncols + 1,
		    sizeof(*t->cols));
		c = &t->cols[t->ncols++];
		c->name = xstrdup(db_column_text(st, 0));
		c->type = xstrdup(ty = db_column_text(st, 1));
		c->identity = strcmp(db_column_text(st, 2), "YES") == 0;
		if (strcmp(ty, "bigint") == 0 || strcmp(ty, "integer") == 0 ||
		    strcmp(ty, "smallint") == 0)
			c->kind = MK_INT;
		else if (strcmp(ty, "double precision") == 0 ||
		    strcmp(ty, "real") == 0)
			c->kind = MK_FLOAT;
		else if (strcmp(ty, "bytea") == 0)
			c->kind = MK_BLOB;
		else if (strcmp(ty, "text") == 0)
			c->kind = MK_TEXT;
		else {
			db_finalize(st);
			return mig_fail(m, "%s: column %s.%s has type %s, which"
			    " migrate-store does not copy", m->to_shown,
			    t->name, c->name, ty);
		}
	}
	db_finalize(st);
	if (rc != DB_DONE)
		return mig_dberr(m, m->dst, q_cols);
	return 0;
}

/* The index of column name in t, or -1. */
static int
mig_col_index(const struct mig_tab *t, const char *name)
{
	int	i;

	for (i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i].name, name) == 0)
			return i;
	return -1;
}

/* t's primary key on TO, and whether TO has triggers of its own on t. */
static int
mig_key_to(struct mig *m, struct mig_tab *t)
{
	static const char q_key[] = "SELECT a.attname FROM pg_index i JOIN"
	    " pg_attribute a ON a.attrelid = i.indrelid AND a.attnum ="
	    " ANY(i.indkey) WHERE i.indrelid = to_regclass(?1) AND"
	    " i.indisprimary ORDER BY array_position(i.indkey::int2[],"
	    " a.attnum)";
	static const char q_trig[] = "SELECT count(*) FROM pg_trigger WHERE"
	    " tgrelid = to_regclass(?1) AND NOT tgisinternal";
	struct db_stmt	*st;
	int		 rc, k;

	if ((st = db_prepare(m->dst, q_key)) == NULL)
		return mig_dberr(m, m->dst, q_key);
	db_bind_text(st, 1, t->name, -1);
	while ((rc = db_step(st)) == DB_ROW) {
		if ((k = mig_col_index(t, db_column_text(st, 0))) < 0)
			break;
		t->key = xreallocarray(t->key, (size_t)t->nkeys + 1,
		    sizeof(*t->key));
		t->key[t->nkeys++] = k;
	}
	db_finalize(st);
	if (rc != DB_DONE)
		return mig_dberr(m, m->dst, q_key);
	if (t->nkeys == 0)
		return mig_fail(m, "%s: table %s has no primary key",
		    m->to_shown, t->name);
	if ((st = db_prepare(m->dst, q_trig)) == NULL)
		return mig_dberr(m, m->dst, q_trig);
	db_bind_text(st, 1, t->name, -1);
	if ((rc = db_step(st)) == DB_ROW)
		t->triggers = db_column_int(st, 0) > 0;
	db_finalize(st);
	return rc == DB_ROW ? 0 : mig_dberr(m, m->dst, q_trig);
}

/* FROM's columns of t must be TO's (names; the types are made to fit). */
static int
mig_columns_from(struct mig *m, struct mig_tab *t)
{
	static const char q[] = "SELECT name FROM pragma_table_info(?1)";
	struct db_stmt	*st;
	int		 rc, n = 0, bad = 0;
	char		 miss[128] = "";

	if ((st = db_prepare(m->src, q)) == NULL)
		return mig_dberr(m, m->src, q);
	db_bind_text(st, 1, t->name, -1);
	while ((rc = db_step(st)) == DB_ROW) {
		n++;
		if (!bad && mig_col_index(t, db_column_text(st, 0)) < 0) {
			bad = 1;
			snprintf(miss, sizeof(miss), "%s",
			    db_column_text(st, 0));
		}
	}
	db_finalize(st);
	if (rc != DB_DONE)
		return mig_dberr(m, m->src, q);
	if (bad || n != t->ncols)
		return mig_fail(m, "table %s: FROM has %d columns, TO %d%s%s:"
		    " the schemas differ", t->name, n, t->ncols,
		    bad ? "; TO has no column " : "", miss);
	return 0;
}

/*
 * Every table of db must be copied or skipped by name: a table a later
 * migration adds fails the run until migrate-store knows what to do with it.
 */
static int
mig_tables_known(struct mig *m, struct db *db, const char *q, int *seen)
{
	struct db_stmt		*st;
	const char		*name;
	enum migrate_class	 cls;
	size_t			 i;
	int			 rc;

	if ((st = db_prepare(db, q)) == NULL)
		return mig_dberr(m, db, q);
	while ((rc = db_step(st)) == DB_ROW) {
		name = db_column_text(st, 0);
		if ((cls = migrate_table_class(name)) == MIGRATE_UNKNOWN) {
			mig_fail(m, "%s: table %s is neither copied nor skipped"
			    " by this migrate-store: it does not know this"
			    " schema (a newer pcod's?); nothing was copied",
			    db == m->src ? m->from : m->to_shown, name);
			db_finalize(st);
			return -1;
		}
		for (i = 0; i < MIG_NTABLES; i++)
			if (strcmp(mig_tables[i].name, name) == 0)
				seen[i] = 1;
	}
	db_finalize(st);
	return rc == DB_DONE ? 0 : mig_dberr(m, db, q);
}

/* Both schemas: every table known, each copied one on both sides alike. */
static int
mig_schema(struct mig *m)
{
	int	sf[MIG_NTABLES] = { 0 }, st[MIG_NTABLES] = { 0 };
	size_t	i;
	int	k;

	if (mig_tables_known(m, m->src, "SELECT name FROM sqlite_master WHERE"
	    " type = 'table' AND name NOT LIKE 'sqlite!_%' ESCAPE '!'", sf) != 0 ||
	    mig_tables_known(m, m->dst, "SELECT table_name FROM"
	    " information_schema.tables WHERE table_schema = current_schema()"
	    " AND table_type = 'BASE TABLE'", st) != 0)
		return -1;
	for (i = 0; i < MIG_NTABLES; i++) {
		struct mig_tab	*t = &m->tabs[i];

		t->name = mig_tables[i].name;
		t->cls = mig_tables[i].cls;
		if (!sf[i] || !st[i])
			return mig_fail(m, "%s: no table %s", !sf[i] ? m->from :
			    m->to_shown, t->name);
		if (mig_columns_to(m, t) != 0 || mig_key_to(m, t) != 0 ||
		    mig_columns_from(m, t) != 0)
			return -1;
		for (k = 0; t->cls == MIGRATE_APPEND && k < t->nkeys; k++)
			if (t->cols[t->key[k]].kind != MK_INT)
				return mig_fail(m, "table %s: an APPEND table"
				    " needs integer keys", t->name);
	}
	return 0;
}

/* --- the two stores ------------------------------------------------------ */

/*
 * FROM, read-only (a running pcod keeps writing it), at the version this
 * pcod writes.  0 or -1.
 */
static int
mig_open_from(struct mig *m, int64_t *version)
{
	sqlite3	*h = NULL;
	int64_t	 n;

	if (realpath(m->from, m->from_real) == NULL)
		return mig_fail(m, "%s: %s", m->from, strerror(errno));
	if (sqlite3_open_v2(m->from, &h, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		mig_fail(m, "%s: %s", m->from, h != NULL ? sqlite3_errmsg(h) :
		    "cannot open");
		sqlite3_close(h);
		return -1;
	}
	sqlite3_busy_timeout(h, 5000);
	m->src = db_sqlite(h);
	if (mig_int(m, m->src, "SELECT count(*) FROM sqlite_master", &n) != 0 ||
	    mig_int(m, m->src, "PRAGMA user_version", version) != 0)
		return mig_fail(m, "%s: not a pcod database: %s", m->from,
		    db_errmsg(m->src));
	if (*version == 0 || n == 0)
		return mig_fail(m, "%s: not a pcod database (no schema version)",
		    m->from);
	return 0;
}

/*
 * TO: the writer's session, its schema created or migrated to this pcod's,
 * and the receivers' lease (so no pcod writes TO meanwhile).
 */
static int
mig_open_to(struct mig *m, const char *to, int64_t from_version)
{
	struct db	*reader = NULL;
	const char	*holder;
	char		 err[512];
	int64_t		 v, epoch;
	int		 rc;

	/* err names TO already (without its password). */
	if (store_pg_open(to, &m->dst, &reader, err, sizeof(err)) != 0)
		return mig_fail(m, "%s", err);
	db_close(reader);
	/* The receivers' lease: no pcod writes TO while this run holds it. */
	m->lease = lease_open(NULL, to, MIG_NODE, MIG_LEASE_S, err,
	    sizeof(err));
	if (m->lease == NULL)
		return mig_fail(m, "%s", err);
	if ((rc = lease_try(m->lease, err, sizeof(err))) == -1)
		return mig_fail(m, "%s", err);
	if (rc == 0) {
		holder = lease_holder(m->lease, &epoch);
		return mig_fail(m, "another pcod is active on TO (node %s,"
		    " epoch %" PRId64 "): stop every pcod on TO first", holder,
		    epoch);
	}
	/* Pages of a large table may take longer than pcod's own statements. */
	if (db_exec(m->dst, "SET statement_timeout = 0") != 0)
		return mig_dberr(m, m->dst, "SET statement_timeout");
	if (mig_int(m, m->dst, "SELECT version FROM schema_version", &v) != 0)
		return -1;
	if (v != from_version)
		return mig_fail(m, "%s is at schema version %" PRId64 ", this"
		    " pcod writes %" PRId64 ": %s", m->from, from_version, v,
		    from_version < v ? "start pcod on it once to migrate it"
		    " first (or copy with the pcod that wrote it)" :
		    "it was written by a newer pcod; use that one");
	return 0;
}

/* Row counts and largest first keys of every table, on both sides. */
static int
mig_count(struct mig *m)
{
	struct mig_tab	*t;
	char		*q;
	int64_t		 r[3];
	size_t		 i;
	int		 rc = 0;

	for (i = 0; i < MIG_NTABLES && rc == 0; i++) {
		t = &m->tabs[i];
		if (t->cols[t->key[0]].kind == MK_INT)
			q = xasprintf("SELECT count(*), coalesce(max(\"%s\"), 0)"
			    " FROM \"%s\"", t->cols[t->key[0]].name, t->name);
		else
			q = xasprintf("SELECT count(*), 0 FROM \"%s\"", t->name);
		rc = mig_row3(m, m->src, q, 0, r);
		t->from_rows = r[0];
		t->from_max = r[1];
		if (rc == 0)
			rc = mig_row3(m, m->dst, q, 0, r);
		t->to_rows = r[0];
		t->to_max = r[1];
		free(q);
	}
	return rc;
}

/* The comment on TO's schema_version that records the runs; NULL none. */
static json_t *
mig_mark_read(struct mig *m)
{
	struct db_stmt	*st;
	json_t		*j = NULL;
	const char	*s;

	st = db_prepare(m->dst, "SELECT obj_description("
	    "to_regclass('schema_version'), 'pg_class')");
	if (st != NULL && db_step(st) == DB_ROW &&
	    (s = db_column_text(st, 0)) != NULL)
		j = json_loads(s, 0, NULL);
	db_finalize(st);
	if (j != NULL && json_object_get(j, MIG_MARK) == NULL) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

/* Record the run on TO: FROM, its state, each table's rows and largest key. */
static int
mig_mark_write(struct mig *m, const char *state)
{
	json_t	*j, *rows;
	char	*s, *q, *o;
	size_t	 i;
	int	 rc;

	rows = json_object();
	for (i = 0; i < MIG_NTABLES; i++)
		json_object_set_new(rows, m->tabs[i].name, json_pack("[I, I]",
		    (json_int_t)m->tabs[i].to_rows,
		    (json_int_t)m->tabs[i].to_max));
	j = json_pack("{s:i, s:s, s:s, s:o}", MIG_MARK, 1, "from",
	    m->from_real, "state", state, "rows", rows);
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	/* A literal, quotes doubled: COMMENT takes no parameter. */
	q = xmalloc(strlen(s) * 2 + 64);
	o = q + sprintf(q, "COMMENT ON TABLE schema_version IS '");
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '\'')
			*o++ = '\'';
		*o++ = s[i];
	}
	strcpy(o, "'");
	rc = db_exec(m->dst, q) == 0 ? 0 : mig_dberr(m, m->dst, "COMMENT");
	free(q);
	free(s);
	return rc;
}

/* A table of TO with rows, named in err; 0 when every table is empty. */
static int
mig_empty(struct mig *m)
{
	size_t	i;

	for (i = 0; i < MIG_NTABLES; i++)
		if (m->tabs[i].to_rows > 0)
			return mig_fail(m, "%s already holds rows (%s: %" PRId64
			    ") that no migrate-store run copied there: give a"
			    " new, empty database", m->to_shown,
			    m->tabs[i].name, m->tabs[i].to_rows);
	return 0;
}

/*
 * TO may be filled only if it is empty, or holds what an earlier run from
 * the same FROM left (an unfinished run: anything; a finished one: exactly
 * its rows, so nothing a pcod wrote into TO since is deleted).
 */
static int
mig_fence(struct mig *m)
{
	json_t		*j = mig_mark_read(m), *r;
	const char	*from, *state;
	size_t		 i;
	int		 rc = 0;

	if (j == NULL)
		return mig_empty(m);
	from = json_string_value(json_object_get(j, "from"));
	state = json_string_value(json_object_get(j, "state"));
	if (from == NULL || strcmp(from, m->from_real) != 0)
		rc = mig_fail(m, "%s was filled from %s, not from %s: refusing"
		    " to mix two stores", m->to_shown, from != NULL ? from :
		    "(unknown)", m->from_real);
	for (i = 0; rc == 0 && state != NULL && strcmp(state, "copied") == 0 &&
	    i < MIG_NTABLES; i++) {
		struct mig_tab	*t = &m->tabs[i];

		r = json_object_get(json_object_get(j, "rows"), t->name);
		if (json_integer_value(json_array_get(r, 0)) != t->to_rows ||
		    json_integer_value(json_array_get(r, 1)) != t->to_max)
			rc = mig_fail(m, "%s changed since migrate-store copied"
			    " it (%s: %" PRId64 " rows, the copy left %" PRId64
			    "): a pcod has written to it, and a new copy would"
			    " delete that; refusing", m->to_shown, t->name,
			    t->to_rows, (int64_t)json_integer_value(
			    json_array_get(r, 0)));
	}
	json_decref(j);
	return rc;
}

/* --- verification -------------------------------------------------------- */

/* FROM's newest audit row (in the snapshot), to match TO's chain against. */
static int
mig_audit_from(struct mig *m)
{
	struct db_stmt	*st;
	int		 rc;

	st = db_prepare(m->src, "SELECT id, hash FROM audit ORDER BY id DESC"
	    " LIMIT 1");
	if (st == NULL)
		return mig_dberr(m, m->src, "the audit log");
	if ((rc = db_step(st)) == DB_ROW) {
		m->audit_last = db_column_int64(st, 0);
		m->audit_hash = xstrdup(db_column_text(st, 1) != NULL ?
		    db_column_text(st, 1) : "");
	}
	db_finalize(st);
	return rc == DB_ROW || rc == DB_DONE ? 0 : mig_dberr(m, m->src,
	    "the audit log");
}

/* Counts and largest keys equal per table; the number of tables that differ. */
static int
mig_compare(struct mig *m)
{
	size_t	i;
	int	bad = 0;

	for (i = 0; i < MIG_NTABLES; i++) {
		struct mig_tab	*t = &m->tabs[i];

		t->ok = t->from_rows == t->to_rows && t->from_max == t->to_max;
		bad += !t->ok;
	}
	return bad;
}

/*
 * TO's audit chain, checked by pcod's own verifier on a store opened as
 * pcod opens it (the lease still held, so no pcod writes meanwhile):
 * intact, and ending at FROM's newest row with FROM's hash.
 */
static int
mig_chain(struct mig *m, const char *to)
{
	struct store	*s;
	json_t		*v;
	char		 err[512];
	const char	*hash;
	int64_t		 last;
	int		 rc = -1;

	if ((s = store_open(to, err, sizeof(err))) == NULL)
		return mig_fail(m, "%s: %s", m->to_shown, err);
	if ((v = store_audit_verify(s)) == NULL) {
		mig_fail(m, "%s: verifying the audit log: %s", m->to_shown,
		    store_errmsg(s));
		store_close(s);
		return -1;
	}
	last = json_integer_value(json_object_get(v, "last_id"));
	hash = json_string_value(json_object_get(v, "last_hash"));
	if (!json_is_true(json_object_get(v, "intact")))
		mig_fail(m, "the audit chain on TO is broken at row %" PRId64
		    ": %s", (int64_t)json_integer_value(json_object_get(v,
		    "first_bad")), json_string_value(json_object_get(v,
		    "reason")));
	else if (last != m->audit_last || (m->audit_last != 0 &&
	    (hash == NULL || strcmp(hash, m->audit_hash) != 0)))
		mig_fail(m, "the audit chain on TO ends at row %" PRId64
		    ", FROM's at row %" PRId64 " (or their hashes differ)",
		    last, m->audit_last);
	else {
		printf("audit chain on TO: intact, %" PRId64 " rows checked,"
		    " ends at row %" PRId64 " with FROM's hash\n",
		    (int64_t)json_integer_value(json_object_get(v, "rows")),
		    last);
		rc = 0;
	}
	json_decref(v);
	store_close(s);
	return rc;
}

/* The table of what was copied, on stdout. */
static void
mig_summary(struct mig *m)
{
	size_t	i;

	printf("%-20s %10s %10s %10s %9s %8s %8s %9s %s\n", "table",
	    "FROM rows", "TO rows", "last key", "inserted", "updated",
	    "deleted", "not UTF-8", "");
	for (i = 0; i < MIG_NTABLES; i++) {
		struct mig_tab	*t = &m->tabs[i];

		printf("%-20s %10" PRId64 " %10" PRId64 " %10" PRId64 " %9"
		    PRId64 " %8" PRId64 " %8" PRId64 " %9" PRId64 " %s\n",
		    t->name, t->from_rows, t->to_rows, t->to_max, t->ins,
		    t->upd, t->del, t->badtext, t->ok ? "ok" : "DIFFERS");
	}
}

/* --- the command --------------------------------------------------------- */

/* Copy and verify; 0, or -1 with m->err set. */
static int
mig_copy(struct mig *m, const char *to)
{
	int64_t	v;
	size_t	i;
	int	bad;

	if (mig_open_from(m, &v) != 0 || mig_open_to(m, to, v) != 0 ||
	    mig_schema(m) != 0)
		return -1;
	/* One read transaction: every table from the same instant of FROM. */
	if (db_exec(m->src, "BEGIN") != 0)
		return mig_dberr(m, m->src, "BEGIN");
	if (mig_count(m) != 0 || mig_fence(m) != 0 ||
	    mig_mark_write(m, "copying") != 0 || mig_audit_from(m) != 0)
		return -1;
	for (i = MIG_NTABLES; i-- > 0;)
		if (mig_table(m, &m->tabs[i], MIG_DELETE) != 0)
			return -1;
	for (i = 0; i < MIG_NTABLES; i++)
		if (mig_table(m, &m->tabs[i], MIG_UPSERT) != 0)
			return -1;
	if (mig_count(m) != 0)
		return -1;
	bad = mig_compare(m);
	mig_summary(m);
	if (bad > 0)
		return mig_fail(m, "%d table(s) differ between FROM and TO"
		    " (above); run migrate-store again", bad);
	if (mig_mark_write(m, "copied") != 0)
		return -1;
	db_close(m->dst);
	m->dst = NULL;
	return mig_chain(m, to);
}

/* Free everything m holds. */
static void
mig_free(struct mig *m)
{
	size_t	i;
	int	k;

	for (i = 0; i < MIG_NTABLES; i++) {
		for (k = 0; k < m->tabs[i].ncols; k++) {
			free(m->tabs[i].cols[k].name);
			free(m->tabs[i].cols[k].type);
		}
		free(m->tabs[i].cols);
		free(m->tabs[i].key);
	}
	if (m->src != NULL && db_in_txn(m->src))
		db_exec(m->src, "ROLLBACK");
	db_close(m->src);
	db_close(m->dst);
	/* A pcod may start on TO now (and take the lease at once). */
	lease_release(m->lease);
	lease_free(m->lease);
	free(m->pending);
	free(m->audit_hash);
}

/* Usage on stderr; 2. */
static int
mig_usage(const char *why)
{
	if (why != NULL)
		fprintf(stderr, "pcod migrate-store: %s\n", why);
	fprintf(stderr, "usage: pcod migrate-store FROM.db"
	    " postgresql://USER@HOST[:PORT]/DBNAME\n");
	return 2;
}

/* migrate_store_main: the arguments checked, then mig_copy(). */
int
migrate_store_main(int argc, char *argv[])
{
	struct mig	 m;
	char		 shown[512];
	int		 rc;

	if (argc != 3)
		return mig_usage(NULL);
	if (db_is_pg(argv[1]))
		return mig_usage("FROM is the SQLite file of the store to copy");
	if (!db_is_pg(argv[2]))
		return mig_usage("TO is a postgresql:// URI");
	/* db_redact() masks a password: one there is refused, as in pcod.conf. */
	if (strcmp(db_redact(argv[2], shown, sizeof(shown)), argv[2]) != 0)
		return mig_usage("the TO URI holds a password: put it in a"
		    " passfile (passfile=PATH in the URI, or PGPASSFILE) or in"
		    " PGPASSWORD");
	memset(&m, 0, sizeof(m));
	m.from = argv[1];
	snprintf(m.to_shown, sizeof(m.to_shown), "%s", shown);
	m.pending = xcalloc(MIG_MULTI, sizeof(*m.pending));
	fprintf(stderr, "migrate-store: from %s to %s\n", m.from, m.to_shown);
	rc = mig_copy(&m, argv[2]);
	if (rc != 0)
		fprintf(stderr, "pcod migrate-store: %s\n", m.err);
	else
		printf("migrate-store: TO matches FROM: rows and largest key"
		    " of every table, and the audit chain\n");
	mig_free(&m);
	return rc == 0 ? 0 : 1;
}
