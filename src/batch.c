/* batch.c - group commit: the writes of one loop pass share one transaction. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "batch.h"
#include "log.h"
#include "stats.h"
#include "store.h"
#include "xmalloc.h"

struct batch_waiter {
	batch_cb	 cb;
	void		*arg;
};

struct batch {
	struct event_base	*base;		/* not owned */
	struct store		*store;		/* not owned */
	struct event		*ev;		/* the commit event; owned */
	int			 max;		/* items per commit at most */
	int			 count;		/* items in the open batch */
	int			 open;		/* a transaction is open */
	int			 last;		/* items in the last commit */
	int			 refused;	/* BEGIN failed in this loop pass */
	uint64_t		 unavail0;	/* store_unavailable_count() at BEGIN */
	struct batch_waiter	*w;		/* owned */
	size_t			 nw, cap;
	batch_fail_fn		 fail_hook;
	void			*fail_arg;
	batch_hook_fn		 ok_hook;
	void			*ok_arg;
	batch_hook_fn		 open_hook;
	void			*open_arg;
};

static void	batch_finish(struct batch *, int ok);

/* The commit event: activated by the first join of a pass, runs after that pass's I/O. */
static void
batch_commit_cb(evutil_socket_t fd, short what, void *arg)
{
	struct batch	*b = arg;

	b->refused = 0;
	batch_flush(b);
}

/* Make a batch writer over store on base. */
struct batch *
batch_new(struct event_base *base, struct store *store, int max)
{
	struct batch	*b;

	b = xcalloc(1, sizeof(*b));
	b->base = base;
	b->store = store;
	batch_set_max(b, max);
	/*
	 * Same priority as the I/O events: event_active() puts it at the tail of
	 * the active queue, behind every callback already activated in this pass.
	 * A lower priority would starve under sustained load, since libevent
	 * polls again before running a lower queue.
	 */
	b->ev = event_new(base, -1, 0, batch_commit_cb, b);
	if (b->ev == NULL)
		fatalx("batch_new: event_new failed");
	return b;
}

/* Free b; an open batch is committed first. */
void
batch_free(struct batch *b)
{
	if (b == NULL)
		return;
	batch_flush(b);
	event_free(b->ev);
	free(b->w);
	free(b);
}

/*
 * Open the transaction if needed and schedule its commit.  A BEGIN that
 * fails (another process holds the write lock past the busy timeout) fails
 * every other join of the same loop pass at once, so a pass waits on the
 * lock once, not once per frame; it counts as one failed batch.
 */
int
batch_join(struct batch *b)
{
	if (b->open)
		return 0;
	if (b->refused)
		return -1;
	if (store_begin(b->store) == -1) {
		b->refused = 1;
		event_active(b->ev, 0, 0);
		pcod_stats.commit_failures++;
		if (b->fail_hook != NULL)
			b->fail_hook(store_errmsg(b->store), b->fail_arg);
		return -1;
	}
	b->open = 1;
	b->unavail0 = store_unavailable_count(b->store);
	event_active(b->ev, 0, 0);
	if (b->open_hook != NULL)
		b->open_hook(b->open_arg);
	return 0;
}

/* Run cb after the open batch completes (at once when none is open). */
void
batch_defer(struct batch *b, batch_cb cb, void *arg)
{
	if (!b->open) {
		cb(1, arg);
		return;
	}
	if (b->nw == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 64;
		b->w = xreallocarray(b->w, b->cap, sizeof(*b->w));
	}
	b->w[b->nw].cb = cb;
	b->w[b->nw].arg = arg;
	b->nw++;
}

/* Count one item; a full batch commits at once. */
void
batch_count(struct batch *b)
{
	if (++b->count >= b->max)
		batch_flush(b);
}

/* Commit the open batch now, then run its waiters. */
int
batch_flush(struct batch *b)
{
	int	ok;

	if (!b->open)
		return 0;
	/* A failure is reported, coalesced, by the fail hook. */
	ok = store_commit(b->store) == 0;
	batch_finish(b, ok);
	return ok ? 0 : -1;
}

/* Roll back the open batch; its waiters learn it failed. */
void
batch_abort(struct batch *b)
{
	if (!b->open)
		return;
	store_rollback(b->store);
	batch_finish(b, 0);
}

/* Close the batch and call its waiters; they may open the next one. */
static void
batch_finish(struct batch *b, int ok)
{
	struct batch_waiter	*w = b->w;
	size_t			 i, n = b->nw;

	b->open = 0;
	if (ok) {
		b->last = b->count;
		pcod_stats.commits++;
		pcod_stats.last_batch = b->count;
	} else
		pcod_stats.commit_failures++;
	b->count = 0;
	event_del(b->ev);
	/* Waiters may defer onto the next batch: hand them a fresh list. */
	b->w = NULL;
	b->nw = b->cap = 0;
	for (i = 0; i < n; i++)
		w[i].cb(ok, w[i].arg);
	free(w);
	/*
	 * A batch that committed what was left after a write in it failed
	 * (disk full, rolled back to its savepoint) is no sign of recovery.
	 */
	if (ok && store_unavailable_count(b->store) != b->unavail0)
		ok = 0;
	if (!ok && b->fail_hook != NULL)
		b->fail_hook(store_errmsg(b->store), b->fail_arg);
	if (ok && b->ok_hook != NULL)
		b->ok_hook(b->ok_arg);
}

/* Who writes first into every batch that opens. */
void
batch_set_open_hook(struct batch *b, batch_hook_fn fn, void *arg)
{
	b->open_hook = fn;
	b->open_arg = arg;
}

/* Who to tell when a batch commits. */
void
batch_set_ok_hook(struct batch *b, batch_hook_fn fn, void *arg)
{
	b->ok_hook = fn;
	b->ok_arg = arg;
}

/* Who to tell when a batch fails. */
void
batch_set_fail_hook(struct batch *b, batch_fail_fn fn, void *arg)
{
	b->fail_hook = fn;
	b->fail_arg = arg;
}

/* Change how many items a batch takes at most. */
void
batch_set_max(struct batch *b, int max)
{
	b->max = max > 0 ? max : 1;
}

/* Items in the last committed batch. */
int
batch_last_size(const struct batch *b)
{
	return b->last;
}
