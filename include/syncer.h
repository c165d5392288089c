/* syncer.h - the WAL's sync and checkpoints on two threads (src/syncer.c). */
#ifndef PCOD_SYNCER_H
#define PCOD_SYNCER_H

#include <pthread.h>
#include <stdint.h>

struct event_base;
struct syncer;

/*
 * Told on the loop when the durable horizon moved: every commit numbered
 * up to durable is on disk.  err is 0, or the errno of a failed sync: then
 * nothing after the last good sync may be taken as durable, ever.
 */
typedef void	(*syncer_done_fn)(uint64_t durable, int err, void *arg);
/* One passive checkpoint on the checkpoint thread's own connection; 0 or -1. */
typedef int	(*syncer_ckpt_fn)(void *ckpt);

/*
 * Sync wal (the "-wal" file of database db) off the loop on base.  ckpt_fn
 * runs on the checkpoint thread with ckpt (a connection of its own; not
 * owned).  NULL with err set on failure.
 */
struct syncer	*syncer_new(struct event_base *, const char *db,
		    const char *wal, syncer_done_fn, void *arg,
		    syncer_ckpt_fn ckpt_fn, void *ckpt, char *err, size_t errsz);
struct store;
/*
 * PostgreSQL: put the store's writer in pipeline mode and tell done when
 * the server has answered commits (the socket watched on base; no thread).
 * NULL with err set.
 */
struct syncer	*syncer_new_pg(struct event_base *, struct store *,
		    syncer_done_fn, void *arg, char *err, size_t errsz);
/*
 * After done was told an error: on PostgreSQL the exit status pcod stops
 * with and why the batch failed at the server (*why); 0 for a WAL sync.
 */
int		 syncer_server_failure(struct syncer *, const char **why);
/* Start a thread with every signal blocked (the loop takes them).  0 or errno. */
int		 syncer_thread(pthread_t *, void *(*)(void *), void *);
/* Stop both threads (a sync asked for is finished first) and free. */
void		 syncer_free(struct syncer *);
/*
 * A commit was written (with wal_pages pages in the WAL after it): its
 * number, and a sync covering it is on its way.  Asks for a checkpoint
 * when the WAL has grown.
 */
uint64_t	 syncer_commit(struct syncer *, int wal_pages);
/* Block until commit seq is durable (shutdown).  0, or a failed sync's errno. */
int		 syncer_wait(struct syncer *, uint64_t seq);
/* Milliseconds the sync now running has taken so far; 0 when none runs. */
int64_t		 syncer_running_ms(struct syncer *);
/* Milliseconds the last finished sync took. */
int64_t		 syncer_last_ms(struct syncer *);
/* Counters for status: syncs done, the slowest (ms), checkpoints run. */
void		 syncer_stats(struct syncer *, uint64_t *syncs,
		    int64_t *max_ms, uint64_t *ckpts);
struct histo;
/*
 * A copy of the histogram of sync times in microseconds (every sync,
 * failed ones too), taken under the syncer's lock: the sync thread
 * observes it, the loop reads only such copies.
 */
void		 syncer_sync_histo(struct syncer *, struct histo *out);

#endif
