/*
 * batch.h - group commit: one transaction per loop pass, completions once
 * it is durable.  With a syncer (batch_set_syncer) the commit is pipelined:
 * the loop commits without fsync and goes on staging the next batch while
 * syncer.c syncs the WAL; a batch's waiters run when the sync covering its
 * commit returns.  Waiters always run in batch order.
 */
#ifndef PCOD_BATCH_H
#define PCOD_BATCH_H

#include <stdint.h>

struct batch;
struct store;
struct event_base;
struct syncer;

/*
 * Called once the batch it joined is durable (ok = 1) or failed (ok = 0).
 * Pipelined, later batches may have opened and written meanwhile.
 */
typedef void	(*batch_cb)(int ok, void *arg);

struct batch	*batch_new(struct event_base *, struct store *, int max);
void		 batch_free(struct batch *);

/* Open the transaction if needed and schedule the commit for the end of this pass.  0 or -1. */
int		 batch_join(struct batch *);
/*
 * Run cb once the open batch is durable (or failed).  With no batch open,
 * cb runs once every commit so far is durable (at once if they are), with
 * ok = 1: an answer never leaves before the commit that made it true.
 */
void		 batch_defer(struct batch *, batch_cb cb, void *arg);
/*
 * Run cb as soon as the open batch's COMMIT returns (ok = 1) or it fails,
 * before any later batch opens: for undoing in-memory state of a failed
 * batch.  Nothing a peer sees may leave from here: from cb, batch_defer()
 * (no batch is open) waits for this batch's sync.
 */
void		 batch_on_commit(struct batch *, batch_cb cb, void *arg);
/* The open batch's number (or the last one's, none open); they only grow. */
uint64_t	 batch_id(const struct batch *);
/* Inside a waiter or on-commit callback: the number of the batch decided. */
uint64_t	 batch_done_id(const struct batch *);
/*
 * Pipeline the commits through sync (not owned; the store must be in
 * store_pipeline() mode).  A sync running longer than slow_ms is told to
 * the fail hook (once), and the ok hook is held back until a sync is fast
 * again.  A failed sync is fatal: nothing since the last good one is known
 * durable, and retrying an fsync proves nothing.
 */
void		 batch_set_syncer(struct batch *, struct syncer *sync,
		    int slow_ms);
/* The durable horizon moved (syncer.c's done callback; arg is the batch). */
void		 batch_synced(uint64_t durable, int err, void *arg);
/* Count one item; commits at once when the batch reaches its cap. */
void		 batch_count(struct batch *);
/* Roll the open batch back and tell every waiter it failed (a write inside it failed). */
void		 batch_abort(struct batch *);
/*
 * Commit now and wait until everything committed is durable (shutdown).
 * 0 ok, -1 failed.
 */
int		 batch_flush(struct batch *);
/*
 * Told, with the store's message, whenever a batch fails (BATCH_FAILED:
 * commit, abort, a BEGIN refused by a lock, too much waiting for the disk;
 * once per loop pass), and once when a sync runs past the slow-sync limit
 * (BATCH_SLOW: answers are held, nothing is refused).  Nothing is logged by
 * the batch itself: the hook coalesces.
 */
enum batch_trouble { BATCH_FAILED, BATCH_SLOW };
typedef void	(*batch_fail_fn)(enum batch_trouble, const char *why, void *arg);
void		 batch_set_fail_hook(struct batch *, batch_fail_fn, void *arg);
/* Told after each batch that is durable (after its waiters ran). */
typedef void	(*batch_hook_fn)(void *arg);
void		 batch_set_ok_hook(struct batch *, batch_hook_fn, void *arg);
/* Called as each batch opens, before the caller's writes (it may write and defer). */
void		 batch_set_open_hook(struct batch *, batch_hook_fn, void *arg);
/*
 * Called in the open batch just before its COMMIT, to write what was held
 * back so as to be written once a batch (the alarm engine's stack counts).
 * It may write; -1 rolls the batch back (its waiters learn it failed).  One
 * hook; NULL removes it.
 */
typedef int	(*batch_seal_fn)(void *arg);
void		 batch_set_seal_hook(struct batch *, batch_seal_fn, void *arg);
/* Change the cap (SIGHUP). */
void		 batch_set_max(struct batch *, int max);
/* Change the slow-sync limit (SIGHUP). */
void		 batch_set_slow_ms(struct batch *, int ms);
/*
 * Items committed and waiting for their sync at most (default 50000):
 * with that many waiting, batch_join() fails (the fail hook is told) until
 * the disk catches up, so a hung disk cannot make answers pile up in memory.
 */
void		 batch_set_backlog_max(struct batch *, int max);
/*
 * 1 while the last batch's COMMIT is queued on SQLite's writer thread and
 * its outcome not yet taken (it is sealed then: numbered, its on-commit
 * callbacks run); the next batch_join() waits for it.
 */
int		 batch_closing(const struct batch *);
/* Batches committed and not yet durable (status). */
int		 batch_unsynced(const struct batch *);
/* Size of the last committed batch. */
int		 batch_last_size(const struct batch *);

#endif
