/* batch.h - group commit: one transaction per loop pass, completions after it commits. */
#ifndef PCOD_BATCH_H
#define PCOD_BATCH_H

struct batch;
struct store;
struct event_base;

/* Called once the batch it joined has committed (ok = 1) or failed (ok = 0). */
typedef void	(*batch_cb)(int ok, void *arg);

struct batch	*batch_new(struct event_base *, struct store *, int max);
void		 batch_free(struct batch *);

/* Open the transaction if needed and schedule the commit for the end of this pass.  0 or -1. */
int		 batch_join(struct batch *);
/*
 * Run cb after the open batch commits; with no batch open, cb runs at once
 * with ok = 1.
 */
void		 batch_defer(struct batch *, batch_cb cb, void *arg);
/* Count one item; commits at once when the batch reaches its cap. */
void		 batch_count(struct batch *);
/* Roll the open batch back and tell every waiter it failed (a write inside it failed). */
void		 batch_abort(struct batch *);
/* Commit now (shutdown, cap reached).  0 ok, -1 failed. */
int		 batch_flush(struct batch *);
/*
 * Told, with the store's message, whenever a batch fails (commit, abort, or
 * a BEGIN refused by a lock: once per loop pass).  Nothing is logged by the
 * batch itself: the hook coalesces.
 */
typedef void	(*batch_fail_fn)(const char *why, void *arg);
void		 batch_set_fail_hook(struct batch *, batch_fail_fn, void *arg);
/* Told after each batch that committed (after its waiters ran). */
typedef void	(*batch_hook_fn)(void *arg);
void		 batch_set_ok_hook(struct batch *, batch_hook_fn, void *arg);
/* Called as each batch opens, before the caller's writes (it may write and defer). */
void		 batch_set_open_hook(struct batch *, batch_hook_fn, void *arg);
/* Change the cap (SIGHUP). */
void		 batch_set_max(struct batch *, int max);
/* Size of the last committed batch. */
int		 batch_last_size(const struct batch *);

#endif
