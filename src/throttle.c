/*
 * throttle.c - failed attempts by key: back-off, lock-out, audit summaries,
 * and a log-line limiter.  Pure; the keys are few (a table of a bounded size
 * searched linearly), and every call is an attempt that the back-off itself
 * keeps rare.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "throttle.h"
#include "xmalloc.h"

/* Doubling beyond this many steps only overflows; every cap is reached by then. */
#define THROTTLE_MAX_SHIFT	40

/* What is known about one key. */
struct throttle_key {
	char		key[THROTTLE_KEY_MAX];
	int		fails;		/* consecutive failures */
	int		pending;	/* attempts in flight */
	int		locks;		/* lock-outs so far (each doubles the next) */
	int64_t		last_ms;	/* last failure or attempt */
	int64_t		until_ms;	/* locked until; 0 never */
	int64_t		audit_start;	/* the audit interval began */
	int		audit_n;	/* failures seen in it */
	unsigned	skip_fail;	/* failures not audited one by one */
	unsigned	skip_refused;	/* refused attempts (never audited one by one) */
	int64_t		skip_first, skip_last;
};

struct throttle {
	struct throttle_key	*keys;		/* owned; n used of max */
	size_t			 n, max;
};

/* A table for max_keys keys. */
struct throttle *
throttle_new(size_t max_keys)
{
	struct throttle	*t = xcalloc(1, sizeof(*t));

	t->max = max_keys > 0 ? max_keys : 1;
	t->keys = xcalloc(t->max, sizeof(*t->keys));
	return t;
}

/* Free the table; NULL is harmless. */
void
throttle_free(struct throttle *t)
{
	if (t == NULL)
		return;
	free(t->keys);
	free(t);
}

/* Keys held. */
size_t
throttle_count(const struct throttle *t)
{
	return t->n;
}

/* first << shift, capped at cap (and at THROTTLE_MAX_SHIFT doublings). */
static int64_t
throttle_double(int64_t first, int shift, int64_t cap)
{
	int64_t	d = first;

	if (shift > THROTTLE_MAX_SHIFT)
		shift = THROTTLE_MAX_SHIFT;
	while (shift-- > 0 && d < cap)
		d *= 2;
	return d < cap ? d : cap;
}

/* The wait after n failures. */
int64_t
throttle_delay(const struct throttle_conf *conf, int n)
{
	if (n < conf->after)
		return 0;
	return throttle_double(conf->first_ms, n - conf->after, conf->max_ms);
}

/* The entry of key, or NULL. */
static struct throttle_key *
throttle_find(struct throttle *t, const char *key)
{
	size_t	i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->keys[i].key, key) == 0)
			return &t->keys[i];
	return NULL;
}

/* Drop the entry e (the last one moves into its place). */
static void
throttle_remove(struct throttle *t, struct throttle_key *e)
{
	struct throttle_key	*last = &t->keys[t->n - 1];

	if (e != last)
		*e = *last;
	t->n--;
}

/* 1 if e holds nothing that forgetting would lose but its failures. */
static int
throttle_idle(const struct throttle_key *e, int64_t now)
{
	return e->pending == 0 && e->until_ms <= now && e->skip_fail == 0 &&
	    e->skip_refused == 0;
}

/* Make room: forget the quietest idle key, or else the quietest of all. */
static void
throttle_evict(struct throttle *t, int64_t now)
{
	struct throttle_key	*v = NULL, *e;
	size_t			 i;
	int			 pass;

	for (pass = 0; pass < 2 && v == NULL; pass++)
		for (i = 0; i < t->n; i++) {
			e = &t->keys[i];
			if (pass == 0 && !throttle_idle(e, now))
				continue;
			if (v == NULL || e->last_ms < v->last_ms)
				v = e;
		}
	throttle_remove(t, v);
}

/* The entry of key, made if missing. */
static struct throttle_key *
throttle_get(struct throttle *t, const char *key, int64_t now)
{
	struct throttle_key	*e;

	if ((e = throttle_find(t, key)) != NULL)
		return e;
	if (t->n == t->max)
		throttle_evict(t, now);
	e = &t->keys[t->n++];
	memset(e, 0, sizeof(*e));
	snprintf(e->key, sizeof(e->key), "%s", key);
	e->last_ms = now;
	return e;
}

/* May an attempt on key go ahead at now? */
enum throttle_verdict
throttle_check(struct throttle *t, const struct throttle_conf *conf,
    const char *key, int64_t now, int64_t *until_ms)
{
	struct throttle_key	*e = throttle_find(t, key);
	int64_t			 d;

	*until_ms = 0;
	if (e == NULL)
		return THROTTLE_OK;
	if (e->until_ms > now) {
		*until_ms = e->until_ms;
		return THROTTLE_LOCKED;
	}
	d = throttle_delay(conf, e->fails + e->pending);
	if (d > 0 && now < e->last_ms + d) {
		*until_ms = e->last_ms + d;
		return THROTTLE_WAIT;
	}
	return THROTTLE_OK;
}

/* An attempt on key starts. */
void
throttle_begin(struct throttle *t, const char *key, int64_t now)
{
	struct throttle_key	*e = throttle_get(t, key, now);

	e->pending++;
	e->last_ms = now;
}

/* A failure on e: count it, and lock e out at the threshold. */
static int
throttle_fail(struct throttle_key *e, const struct throttle_conf *conf,
    int64_t now, int64_t *until_ms)
{
	e->fails++;
	e->last_ms = now;
	if (e->fails >= conf->lock_failures) {
		e->until_ms = now + throttle_double(conf->lock_ms, e->locks,
		    THROTTLE_LOCK_CAP_MS);
		e->locks++;
		*until_ms = e->until_ms;
	}
	return e->fails;
}

/* The attempt on key ended. */
int
throttle_end(struct throttle *t, const struct throttle_conf *conf,
    const char *key, int ok, int64_t now, int64_t *until_ms)
{
	struct throttle_key	*e = throttle_find(t, key);

	*until_ms = 0;
	if (e == NULL) {
		/* Forgotten while in flight (the table was full): start anew. */
		if (ok != 0)
			return 0;
		e = throttle_get(t, key, now);
	} else if (e->pending > 0)
		e->pending--;
	if (ok < 0)
		return 0;
	if (ok == 0)
		return throttle_fail(e, conf, now, until_ms);
	e->fails = 0;
	e->locks = 0;
	e->until_ms = 0;
	if (throttle_idle(e, now))
		throttle_remove(t, e);
	return 0;
}

/* Consecutive failures counted against key. */
int
throttle_failures(struct throttle *t, const char *key)
{
	struct throttle_key	*e = throttle_find(t, key);

	return e != NULL ? e->fails : 0;
}

/* Forget key's failures and lock-out; what is in flight and unaudited stays. */
int
throttle_clear(struct throttle *t, const char *key)
{
	struct throttle_key	*e = throttle_find(t, key);
	int			 had;

	if (e == NULL)
		return 0;
	had = e->fails > 0 || e->until_ms > 0;
	e->fails = 0;
	e->locks = 0;
	e->until_ms = 0;
	if (e->pending == 0 && e->skip_fail == 0 && e->skip_refused == 0)
		throttle_remove(t, e);
	return had;
}

/* A failed or refused attempt: 1 to audit it on its own, 0 to summarise it. */
int
throttle_audit(struct throttle *t, const struct throttle_conf *conf,
    const char *key, int refused, int64_t now)
{
	struct throttle_key	*e = throttle_get(t, key, now);

	/* A new interval starts only once the last one's summary is out. */
	if (now - e->audit_start >= conf->audit_ms && e->skip_fail == 0 &&
	    e->skip_refused == 0) {
		e->audit_start = now;
		e->audit_n = 0;
	}
	if (!refused && e->audit_n < conf->audit_burst) {
		e->audit_n++;
		return 1;
	}
	if (refused)
		e->skip_refused++;
	else
		e->skip_fail++;
	if (e->skip_first == 0)
		e->skip_first = now;
	e->skip_last = now;
	return 0;
}

/* Hand e's summary to fn; a storm that goes on stays summarised. */
static void
throttle_summary_out(struct throttle_key *e, int64_t now,
    throttle_summary_fn fn, void *arg)
{
	fn(e->key, e->skip_fail, e->skip_refused, e->skip_first, e->skip_last,
	    arg);
	e->skip_fail = e->skip_refused = 0;
	e->skip_first = e->skip_last = 0;
	e->audit_start = now;
}

/* Hand out the summaries due, and forget keys long quiet. */
void
throttle_summaries(struct throttle *t, const struct throttle_conf *conf,
    int64_t now, int all, throttle_summary_fn fn, void *arg)
{
	struct throttle_key	*e;
	size_t			 i = 0;

	while (i < t->n) {
		e = &t->keys[i];
		if ((e->skip_fail > 0 || e->skip_refused > 0) &&
		    (all || now - e->audit_start >= conf->audit_ms))
			throttle_summary_out(e, now, fn, arg);
		if (throttle_idle(e, now) && now - e->last_ms >=
		    THROTTLE_FORGET_MS && now - e->audit_start >= conf->audit_ms)
			throttle_remove(t, e);	/* i now holds the moved last */
		else
			i++;
	}
}
