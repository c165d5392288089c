/*
 * batch.c - group commit: the writes of one loop pass share one transaction;
 * its waiters run once it is durable, in batch order.
 *
 * A batch opens at the first batch_join() of a pass and is sealed at the
 * pass's tail (or at its cap): COMMIT, then its on-commit callbacks, then it
 * joins the queue of sealed batches.  Without a syncer the commit is the
 * fsync (synchronous=FULL) and the queue drains at once.  With one, the
 * COMMIT wrote the WAL into the page cache only; the batch waits in the
 * queue, numbered by syncer_commit(), until batch_synced() says a sync
 * covered that number, while the loop opens and fills the next batch.
 * A failed batch waits its turn as well (its NAKs keep the order of the
 * answers) but needs no sync; its on-commit callbacks ran at once, so the
 * engine's in-memory state was undone before any later batch opened.
 *
 * With SQLite's writer thread (db.h) the batch's writes run on that thread
 * and so does its COMMIT: the batch is "closing" from the COMMIT queued to
 * its outcome, which the loop takes when the thread says it ran (the
 * store's commit descriptor), or at the latest before the next batch opens
 * (batch_join() waits for it).  Only then is it sealed as above: numbered,
 * its on-commit callbacks run.  So a batch's failure is known, and undone
 * in memory, before any later batch opens, as without the thread; the loop
 * reads and parses the next frames while the thread writes.  A small batch
 * never goes to the thread (db.h, db_sqlite_thread_min()): its COMMIT runs
 * on the loop and it is sealed at once, as without the thread.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "batch.h"
#include "histo.h"
#include "log.h"
#include "stats.h"
#include "store.h"
#include "syncer.h"
#include "xmalloc.h"

/* While a sync runs, how often the loop looks at how long it takes (ms, at most). */
#define BATCH_SLOW_CHECK_MS	1000
/*
 * Items (frames, answers) committed and waiting for a sync at most: past
 * this, a disk that hangs makes new batches fail (NAK) instead of letting
 * their answers pile up in memory without bound.
 */
#define BATCH_BACKLOG_MAX	50000

struct batch_waiter {
	batch_cb	 cb;
	void		*arg;
};

struct batch_list {
	struct batch_waiter	*w;		/* owned */
	size_t			 n, cap;
};

/* A batch sealed (committed or failed) whose waiters wait for their turn. */
struct batch_sealed {
	uint64_t		 id;
	int			 count;		/* its items */
	uint64_t		 seq;		/* its commit's number; 0: none to wait for */
	int			 ok;		/* committed */
	int			 clean;		/* committed, and no write in it failed */
	int64_t			 open_us;	/* when it opened (histo_now_us) */
	struct batch_list	 wl;		/* owned */
	struct batch_sealed	*next;
};

struct batch {
	struct event_base	*base;		/* not owned */
	struct store		*store;		/* not owned */
	struct syncer		*sync;		/* not owned; NULL: COMMIT is durable */
	struct event		*ev;		/* the commit event; owned */
	struct event		*slow_ev;	/* watches a running sync; owned */
	struct event		*commit_ev;	/* a queued COMMIT ran; owned */
	int			 closing;	/* its COMMIT queued, outcome unknown */
	int			 max;		/* items per commit at most */
	int			 count;		/* items in the open batch */
	int			 open;		/* a transaction is open */
	int			 last;		/* items in the last commit */
	int			 refused;	/* BEGIN failed in this loop pass */
	uint64_t		 unavail0;	/* store_unavailable_count() at BEGIN */
	int64_t			 open_us;	/* when the open batch began */
	uint64_t		 id;		/* the open (or last) batch's number */
	uint64_t		 done_id;	/* the batch whose callbacks run */
	struct batch_list	 wl;		/* the open batch's waiters */
	struct batch_list	 cl;		/* the open batch's on-commit callbacks */
	struct batch_sealed	*head, *tail;	/* owned; sealed, oldest first */
	int			 nsealed;
	int			 backlog;	/* items of the sealed batches */
	int			 backlog_max;
	uint64_t		 lastseq;	/* the last commit's number */
	uint64_t		 durable;	/* commits synced up to here */
	int			 releasing;	/* batch_release() is on the stack */
	int			 slow_ms;	/* a sync longer than this is trouble */
	int			 slow;		/* told so; the ok hook waits */
	batch_fail_fn		 fail_hook;
	void			*fail_arg;
	batch_hook_fn		 ok_hook;
	void			*ok_arg;
	batch_hook_fn		 open_hook;
	void			*open_arg;
	batch_seal_fn		 seal_hook;	/* writes deferred to the commit */
	void			*seal_arg;
};

static int	batch_commit(struct batch *);
static void	batch_seal(struct batch *, int ok);
static int	batch_collect(struct batch *);

/* The commit event: activated by the first join of a pass, runs after that pass's I/O. */
static void
batch_commit_cb(evutil_socket_t fd, short what, void *arg)
{
	struct batch	*b = arg;

	b->refused = 0;
	batch_commit(b);
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
	b->backlog_max = BATCH_BACKLOG_MAX;
	return b;
}

/* Free b; an open batch is committed, and everything waits until durable. */
void
batch_free(struct batch *b)
{
	if (b == NULL)
		return;
	batch_flush(b);
	event_free(b->ev);
	if (b->slow_ev != NULL)
		event_free(b->slow_ev);
	if (b->commit_ev != NULL)
		event_free(b->commit_ev);
	free(b->wl.w);
	free(b->cl.w);
	free(b);
}

/* Append a waiter to l. */
static void
batch_list_push(struct batch_list *l, batch_cb cb, void *arg)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->w = xreallocarray(l->w, l->cap, sizeof(*l->w));
	}
	l->w[l->n].cb = cb;
	l->w[l->n].arg = arg;
	l->n++;
}

/* Call every waiter of l (taken over: l is empty for new ones) and free them. */
static void
batch_list_run(struct batch_list *l, int ok)
{
	struct batch_waiter	*w = l->w;
	size_t			 i, n = l->n;

	l->w = NULL;
	l->n = l->cap = 0;
	for (i = 0; i < n; i++)
		w[i].cb(ok, w[i].arg);
	free(w);
}

/* Too much waits for the disk: this pass's joins fail (told once). */
static int
batch_refuse_backlog(struct batch *b)
{
	char	why[160];

	b->refused = 1;
	event_active(b->ev, 0, 0);
	pcod_stats.commit_failures++;
	snprintf(why, sizeof(why), "the disk is slow: %d item(s) wait for a "
	    "sync of the WAL; new writes are refused until it returns",
	    b->backlog);
	if (b->fail_hook != NULL)
		b->fail_hook(BATCH_FAILED, why, b->fail_arg);
	return -1;
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
	batch_collect(b);
	if (b->refused)
		return -1;
	if (b->backlog >= b->backlog_max)
		return batch_refuse_backlog(b);
	if (store_begin(b->store) == -1) {
		b->refused = 1;
		event_active(b->ev, 0, 0);
		pcod_stats.commit_failures++;
		if (b->fail_hook != NULL)
			b->fail_hook(BATCH_FAILED, store_errmsg(b->store),
		    b->fail_arg);
		return -1;
	}
	b->open = 1;
	b->id++;
	b->unavail0 = store_unavailable_count(b->store);
	b->open_us = histo_now_us();
	event_active(b->ev, 0, 0);
	if (b->open_hook != NULL)
		b->open_hook(b->open_arg);
	return 0;
}

/* Append a sealed batch to the queue. */
static struct batch_sealed *
batch_enqueue(struct batch *b, uint64_t seq, int ok)
{
	struct batch_sealed	*z;

	z = xcalloc(1, sizeof(*z));
	z->id = b->id;
	z->seq = seq;
	z->ok = ok;
	if (b->tail != NULL)
		b->tail->next = z;
	else
		b->head = z;
	b->tail = z;
	b->nsealed++;
	return z;
}

/* Run cb once the open batch is durable; none open: once every commit is. */
void
batch_defer(struct batch *b, batch_cb cb, void *arg)
{
	struct batch_sealed	*z = b->tail;

	if (b->open || b->closing) {
		batch_list_push(&b->wl, cb, arg);
		return;
	}
	if (z == NULL) {
		b->done_id = b->id;
		cb(1, arg);
		return;
	}
	/* Behind a failed batch: a place of its own, waiting for the last commit. */
	if (!z->ok)
		z = batch_enqueue(b, b->lastseq, 1);
	batch_list_push(&z->wl, cb, arg);
}

/* Run cb when the open batch's COMMIT returns (or it fails). */
void
batch_on_commit(struct batch *b, batch_cb cb, void *arg)
{
	if (!b->open && !b->closing) {
		b->done_id = b->id;
		cb(1, arg);
		return;
	}
	batch_list_push(&b->cl, cb, arg);
}

/* Count one item; a full batch commits at once. */
void
batch_count(struct batch *b)
{
	if (++b->count >= b->max)
		batch_commit(b);
}

/* Commit the open batch (no waiting for its sync).  0 ok, -1 failed. */
static int
batch_commit(struct batch *b)
{
	int	ok;

	if (!b->open)
		return 0;
	/* What was held back to be written once: a failure fails the batch. */
	if (b->seal_hook != NULL && b->seal_hook(b->seal_arg) == -1) {
		batch_abort(b);
		return -1;
	}
	/* A failure is reported, coalesced, by the fail hook. */
	if (b->sync != NULL && b->commit_ev != NULL) {
		switch (store_commit_async(b->store)) {
		case 1:
			/* Sealed when the thread has run it (batch_collect()). */
			b->open = 0;
			b->closing = 1;
			event_del(b->ev);
			return 0;
		case 0:
			ok = 1;
			break;
		default:
			ok = 0;
			break;
		}
	} else
		ok = store_commit(b->store) == 0;
	batch_seal(b, ok);
	return ok ? 0 : -1;
}

/*
 * Seal the closing batch with its COMMIT's outcome (waits for the thread).
 * 0 committed, -1 failed, 1 none was closing.
 */
static int
batch_collect(struct batch *b)
{
	int	ok;

	if (!b->closing)
		return 1;
	b->closing = 0;
	ok = store_commit_result(b->store) == 0;
	batch_seal(b, ok);
	return ok ? 0 : -1;
}

/* The writer thread ran a queued COMMIT. */
static void
batch_commit_ran_cb(evutil_socket_t fd, short what, void *arg)
{
	batch_collect(arg);
}

/* The sync failed: nothing after the last good one may be called durable. */
static void __attribute__((noreturn))
batch_sync_failed(struct batch *b, int err)
{
	const char	*why;
	int		 code;

	if ((code = syncer_server_failure(b->sync, &why)) != 0) {
		log_warnx("store: A BATCH FAILED AT THE DATABASE SERVER AFTER ITS "
		    "COMMIT WAS SENT (%s): the engine's memory ran ahead of the "
		    "database; %d batch(es) are left unanswered", why,
		    b->nsealed);
		log_errx("store: exiting (status %d) so that pcod starts again "
		    "from what the database holds; the panels send again what "
		    "was not acknowledged", code);
		exit(code);
	}
	log_warnx("store: SYNC OF THE WAL FAILED (%s): what was committed since "
	    "the last good sync may not be on disk, and syncing again proves "
	    "nothing; %d batch(es) are left unanswered", strerror(err),
	    b->nsealed);
	fatalx("store: exiting so that the database recovers from what the "
	    "disk holds; the panels send again what was not acknowledged");
}

/* Commit now and wait until everything committed is durable; run the waiters. */
int
batch_flush(struct batch *b)
{
	int	rc, err;

	rc = batch_commit(b);
	if (b->closing)
		rc = batch_collect(b);
	if (b->sync != NULL && b->durable < b->lastseq) {
		if ((err = syncer_wait(b->sync, b->lastseq)) != 0)
			batch_sync_failed(b, err);
		b->durable = b->lastseq;
	}
	batch_synced(b->durable, 0, b);
	return rc;
}

/* Roll back the open batch; its waiters learn it failed. */
void
batch_abort(struct batch *b)
{
	if (!b->open)
		return;
	store_rollback(b->store);
	batch_seal(b, 0);
}

/* Look at the running sync again in ms (the slow-disk check), unless due already. */
static void
batch_watch_sync(struct batch *b, int64_t ms)
{
	struct timeval	tv;

	if (b->slow_ev == NULL || evtimer_pending(b->slow_ev, NULL))
		return;
	if (ms > BATCH_SLOW_CHECK_MS)
		ms = BATCH_SLOW_CHECK_MS;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(b->slow_ev, &tv);
}

/*
 * Close the open batch: commit number, on-commit callbacks, then into the
 * queue; waiters run when their turn comes (at once without a syncer).
 */
static void
batch_seal(struct batch *b, int ok)
{
	struct batch_sealed	*z;
	int			 clean;

	b->open = 0;
	event_del(b->ev);
	if (ok) {
		b->last = b->count;
		pcod_stats.commits++;
		pcod_stats.last_batch = b->count;
		histo_observe(&pcod_stats.commit_batch, b->count);
		if (b->sync != NULL)
			b->lastseq = syncer_commit(b->sync,
			    store_wal_pages(b->store));
	} else
		pcod_stats.commit_failures++;
	z = batch_enqueue(b, ok && b->sync != NULL ? b->lastseq : 0, ok);
	z->count = b->count;
	z->open_us = b->open_us;
	b->backlog += z->count;
	b->count = 0;
	/*
	 * A batch that committed what was left after a write in it failed
	 * (disk full, rolled back to its savepoint) is no sign of recovery.
	 */
	z->clean = ok && store_unavailable_count(b->store) == b->unavail0;
	z->wl = b->wl;
	memset(&b->wl, 0, sizeof(b->wl));
	clean = z->clean;
	b->done_id = z->id;
	batch_list_run(&b->cl, ok);
	if (ok && b->sync != NULL) {
		batch_watch_sync(b, b->slow_ms);
		if (!b->slow)
			store_checkpoint_oversized(b->store);
	}
	batch_synced(b->durable, 0, b);
	/* After the waiters, as ever: the NAKs they sent are the episode's. */
	if (!clean && b->fail_hook != NULL)
		b->fail_hook(BATCH_FAILED, store_errmsg(b->store),
		    b->fail_arg);
}

/* Run the waiters of every sealed batch the durable horizon has passed. */
static void
batch_release(struct batch *b)
{
	struct batch_sealed	*z;
	int			 clean = 0, any = 0;

	if (b->releasing)
		return;
	b->releasing = 1;
	while ((z = b->head) != NULL && (!z->ok || z->seq <= b->durable)) {
		b->head = z->next;
		if (b->head == NULL)
			b->tail = NULL;
		b->nsealed--;
		b->backlog -= z->count;
		b->done_id = z->id;
		/* A waiter's place behind a failed batch is no commit (open_us 0). */
		if (z->ok && z->open_us > 0)
			histo_observe(&pcod_stats.commit_latency,
			    histo_now_us() - z->open_us);
		batch_list_run(&z->wl, z->ok);
		any |= z->ok;
		clean |= z->clean;
		free(z->wl.w);
		free(z);
	}
	b->releasing = 0;
	if (any && b->sync != NULL)
		store_durable(b->store);
	if (clean && !b->slow && b->ok_hook != NULL)
		b->ok_hook(b->ok_arg);
}

/* The durable horizon moved (or a sync failed): release what it covers. */
void
batch_synced(uint64_t durable, int err, void *arg)
{
	struct batch	*b = arg;

	if (err != 0)
		batch_sync_failed(b, err);
	if (durable > b->durable)
		b->durable = durable;
	if (b->sync != NULL && b->slow &&
	    syncer_last_ms(b->sync) < b->slow_ms && b->durable == b->lastseq) {
		log_info("store: syncs are fast again (%lld ms)",
		    (long long)syncer_last_ms(b->sync));
		b->slow = 0;
	}
	batch_release(b);
}

/* The slow-disk check: a sync running past the limit is storage trouble. */
static void
batch_slow_cb(evutil_socket_t fd, short what, void *arg)
{
	struct batch	*b = arg;
	int64_t		 ms = syncer_running_ms(b->sync);
	char		 why[200];

	/* Just past the limit, if the sync running now reaches it. */
	if (b->durable < b->lastseq)
		batch_watch_sync(b, ms < b->slow_ms ? b->slow_ms - ms + 5 :
		    b->slow_ms);
	if (b->slow || ms < b->slow_ms)
		return;
	b->slow = 1;
	snprintf(why, sizeof(why), "the disk is slow: a sync of the WAL has "
	    "run %lld ms (database-sync-limit %d ms); %d batch(es) wait for "
	    "it, their answers are held, not refused", (long long)ms,
	    b->slow_ms, b->nsealed);
	if (b->fail_hook != NULL)
		b->fail_hook(BATCH_SLOW, why, b->fail_arg);
	else
		log_warnx("store: %s", why);
}

/* Pipeline commits through sync. */
void
batch_set_syncer(struct batch *b, struct syncer *sync, int slow_ms)
{
	b->sync = sync;
	batch_set_slow_ms(b, slow_ms);
	/* SQLite's writer thread commits; the loop learns of it here. */
	if (b->commit_ev == NULL && store_commit_fd(b->store) != -1 &&
	    (b->commit_ev = event_new(b->base, store_commit_fd(b->store),
	    EV_READ | EV_PERSIST, batch_commit_ran_cb, b)) != NULL)
		event_add(b->commit_ev, NULL);
	if (b->slow_ev == NULL &&
	    (b->slow_ev = evtimer_new(b->base, batch_slow_cb, b)) == NULL)
		fatalx("batch_set_syncer: evtimer_new failed");
}

/* Change how many items may wait for a sync before new batches fail. */
void
batch_set_backlog_max(struct batch *b, int max)
{
	b->backlog_max = max > 0 ? max : 1;
}

/* Change the slow-sync limit. */
void
batch_set_slow_ms(struct batch *b, int ms)
{
	b->slow_ms = ms > 0 ? ms : 1;
}

/* The open (or last) batch's number. */
uint64_t
batch_id(const struct batch *b)
{
	return b->id;
}

/* The number of the batch whose callbacks run now. */
uint64_t
batch_done_id(const struct batch *b)
{
	return b->done_id;
}

/* A COMMIT queued on the writer thread whose outcome is not taken yet. */
int
batch_closing(const struct batch *b)
{
	return b->closing;
}

/* Batches sealed and waiting (for their sync, or their turn). */
int
batch_unsynced(const struct batch *b)
{
	return b->nsealed;
}

/* Who writes last into every batch, just before COMMIT. */
void
batch_set_seal_hook(struct batch *b, batch_seal_fn fn, void *arg)
{
	b->seal_hook = fn;
	b->seal_arg = arg;
}

/* Who writes first into every batch that opens. */
void
batch_set_open_hook(struct batch *b, batch_hook_fn fn, void *arg)
{
	b->open_hook = fn;
	b->open_arg = arg;
}

/* Who to tell when a batch is durable. */
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
