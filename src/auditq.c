/*
 * auditq.c - audit rows of console sessions (login, subscribe) kept in memory
 * while the database refuses writes, so a console can still log in and hear
 * the "system" topic; each kept row is written, with its own time, into the
 * first batch that opens and commits.  Bounded: AUDITQ_MAX rows, of which
 * failed logins may take half; beyond, successes are refused and failures
 * only counted.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "actor.h"
#include "audit.h"
#include "auditq.h"
#include "batch.h"
#include "clock.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

/* One audit row waiting for a batch that commits. */
struct auditq_row {
	int64_t		 at_ms;
	struct actor	 who;
	char		*action;	/* owned, like the strings below */
	char		*object;
	char		*object_id;
	char		*reason;	/* NULL none */
	json_t		*details;	/* owned reference; NULL none */
};

struct auditq {
	struct batch		*batch;		/* not owned */
	struct store		*store;		/* not owned */
	struct auditq_row	 rows[AUDITQ_MAX];
	size_t			 nrows;
	size_t			 inflight;	/* the first ones, written in the open batch */
	uint64_t		 dropped;	/* failed logins not kept: the queue was full */
};

/* A copy of s, or NULL. */
static char *
auditq_dup(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* Free what a row holds. */
static void
auditq_row_clear(struct auditq_row *r)
{
	free(r->action);
	free(r->object);
	free(r->object_id);
	free(r->reason);
	json_decref(r->details);
	memset(r, 0, sizeof(*r));
}

/* The first n rows are stored: drop them. */
static void
auditq_shift(struct auditq *q, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		auditq_row_clear(&q->rows[i]);
	memmove(q->rows, q->rows + n, (q->nrows - n) * sizeof(q->rows[0]));
	memset(q->rows + q->nrows - n, 0, n * sizeof(q->rows[0]));
	q->nrows -= n;
}

/* The batch holding the rows in flight is decided. */
static void
auditq_done(int ok, void *arg)
{
	struct auditq	*q = arg;
	size_t		 n = q->inflight;

	q->inflight = 0;
	if (!ok)
		return;
	log_info("audit: %zu row(s) kept while the database refused writes "
	    "are stored", n);
	if (q->dropped > 0)
		log_warnx("audit: %llu failed login(s) were not recorded while "
		    "the database refused writes (only logged)",
		    (unsigned long long)q->dropped);
	q->dropped = 0;
	auditq_shift(q, n);
}

/* Write every kept row into the open batch, all or none.  0 or -1. */
static int
auditq_write(struct auditq *q)
{
	struct auditq_row	*r;
	size_t			 i;

	if (q->nrows == 0 || q->inflight > 0)
		return 0;
	if (store_savepoint(q->store) == -1)
		return -1;
	for (i = 0; i < q->nrows; i++) {
		r = &q->rows[i];
		if (store_audit_add_at(q->store, r->at_ms, &r->who, r->action,
		    r->object, r->object_id, r->reason, r->details) == -1) {
			store_rollback_savepoint(q->store);
			return -1;
		}
	}
	if (store_release(q->store) == -1) {
		store_rollback_savepoint(q->store);
		return -1;
	}
	q->inflight = q->nrows;
	batch_defer(q->batch, auditq_done, q);
	return 0;
}

/* A batch opened: the kept rows go first into it. */
static void
auditq_open_hook(void *arg)
{
	auditq_write(arg);
}

/* A queue writing into batch's transactions on store. */
struct auditq *
auditq_new(struct batch *batch, struct store *store)
{
	struct auditq	*q;

	q = xcalloc(1, sizeof(*q));
	q->batch = batch;
	q->store = store;
	batch_set_open_hook(batch, auditq_open_hook, q);
	return q;
}

/* Keep a row (time: now).  0, or -1 when there is no room for it. */
int
auditq_add(struct auditq *q, const struct actor *who, const char *action,
    const char *object, const char *object_id, const char *reason,
    json_t *details, int failure)
{
	struct auditq_row	*r;

	if (q->nrows >= (failure ? AUDITQ_MAX / 2 : AUDITQ_MAX)) {
		if (failure)
			q->dropped++;
		return -1;
	}
	if (q->nrows == 0)
		log_warnx("audit: the database refuses writes; console audit "
		    "rows are kept in memory (at most %d) until it takes them",
		    AUDITQ_MAX);
	r = &q->rows[q->nrows++];
	r->at_ms = clock_now_ms();
	r->who = *who;
	r->action = xstrdup(action);
	r->object = auditq_dup(object);
	r->object_id = auditq_dup(object_id);
	r->reason = auditq_dup(reason);
	r->details = details != NULL ? json_incref(details) : NULL;
	return 0;
}

/* Rows kept and not yet stored. */
size_t
auditq_count(const struct auditq *q)
{
	return q != NULL ? q->nrows : 0;
}

/* Try to put the kept rows into a batch now (shutdown).  0 or -1. */
int
auditq_flush(struct auditq *q)
{
	if (q == NULL || q->nrows == 0)
		return 0;
	/* A batch that opens now writes them through the open hook. */
	if (!store_in_txn(q->store))
		return batch_join(q->batch);
	return auditq_write(q);
}

/* Free q; rows never stored are logged, the one record left of them. */
void
auditq_free(struct auditq *q)
{
	struct auditq_row	*r;
	size_t			 i;

	if (q == NULL)
		return;
	if (q->inflight > 0)
		batch_flush(q->batch);
	batch_set_open_hook(q->batch, NULL, NULL);
	for (i = 0; i < q->nrows; i++) {
		r = &q->rows[i];
		log_warnx("audit: row never stored: at_ms=%lld actor=%s "
		    "action=%s object=%s id=%s", (long long)r->at_ms,
		    r->who.name, r->action, r->object != NULL ? r->object : "",
		    r->object_id != NULL ? r->object_id : "");
		auditq_row_clear(r);
	}
	free(q);
}
