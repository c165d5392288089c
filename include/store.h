/* store.h - the store, on SQLite or PostgreSQL (db.h): open, batches, events, accounts. */
#ifndef PCOD_STORE_H
#define PCOD_STORE_H

#include <stddef.h>
#include <stdint.h>

struct store;
struct event;

/* One received frame, as stored beside the events decoded from it. */
struct store_frame {
	int64_t		 received_ms;	/* wall clock, UTC, milliseconds */
	const char	*transport;	/* "tcp", "udp", "tls" */
	const char	*peer;		/* "127.0.0.1:5555" */
	const char	*account;
	const char	*token;		/* "SIA-DCS", "ADM-CID", "NULL" */
	int		 encrypted;
	int		 seq;
	const char	*rcvr;		/* "" none */
	const char	*line;
	const char	*raw;		/* the frame as received, LF..CR */
	size_t		 raw_len;
	const char	*data;		/* decrypted data field */
	const char	*xdata;		/* extended data, raw */
	int64_t		 panel_time;	/* seconds UTC; 0 none */
	int		 unknown_account;
	const char	*digest;	/* content digest for retransmission detection */
	const char	*ext;		/* extended data understood, JSON; NULL none */
	int		 retx;		/* 1: the store answers its retransmissions (frames_retx, events_retx) */
};

struct store_account {
	char	 account[17];
	char	 key[80];	/* as configured ("0011.." or "text:..."), "" none */
	char	 name[128];
	int64_t	 created_ms;
	int64_t	 site_id;	/* 0: no site */
	int	 supervision_s;	/* reporting interval; 0: not supervised */
	int64_t	 last_seen_ms;	/* last sign of life stored; 0 never (read only) */
	char	 next_key[80];	/* the key being rolled over to, "" none */
	int	 plaintext;	/* 1: plaintext frames taken although keyed */
	int	 plain_clock;	/* 1: the clock window applies to plaintext too */
};

struct store_event_filter {
	const char	*account;	/* NULL: any */
	int		 cls;		/* -1: any, else enum event_class */
	int64_t		 since_ms;	/* 0: no bound */
	int64_t		 until_ms;	/* 0: no bound */
	int		 limit;		/* > 0 */
};

/* One row of event.list (strings valid during the callback only). */
struct store_event_row {
	int64_t		 id;
	int64_t		 received_ms;
	int64_t		 panel_time;
	const char	*account;
	const char	*format;
	const char	*code;
	const char	*qual;
	const char	*cls;
	const char	*text;
	int		 zone, user, partition;	/* -1 none */
	int		 unknown_account;
	const char	*transport;
	const char	*peer;
	int		 seq;
	const char	*raw;
	int64_t		 event_time;	/* ti/da; 0 none */
	int		 peripheral;	/* -1 none */
	const char	*name;
	const char	*note;
	const char	*ext;		/* JSON text; NULL none */
};

/*
 * While a schema migration runs (on SQLite, or on the PostgreSQL server; one
 * that rebuilds an index over the history takes about a second a million
 * events), fn is called about once a second with the version being reached
 * and the time so far, so
 * that the daemon can tell systemd it is still starting; NULL: none.
 * Process-wide, set before store_open().
 */
typedef void	(*store_migrating_fn)(void *arg, int version,
		    int64_t elapsed_ms);
void		 store_set_migrating(store_migrating_fn fn, void *arg);

/*
 * Open (creating if needed) and migrate the database: a SQLite file (WAL,
 * synchronous=FULL) or a postgresql:// URI (store_pg.c).  NULL with err
 * set on failure.
 */
struct store	*store_open(const char *path, char *err, size_t errsz);
void		 store_close(struct store *);
/*
 * event.list's account and class keys (evkeys.h): SQLite files only; NULL
 * on PostgreSQL (its indexes serve), in memory, or when they cannot be kept.
 * pcod starts their thread; until then evkeys_step() writes them.
 */
struct evkeys	*store_evkeys(struct store *);
/*
 * Whether path is a database server that takes no session yet (PostgreSQL
 * down, starting, or no writable host while a standby is promoted): 1 with
 * why set, and pcod may wait for it; 0 for a SQLite file, a server that
 * takes one, or a connection string that can never work.
 */
int		 store_server_down(const char *path, char *why, size_t whysz);
/* 1: SQLite, a file of this machine's; 0: a PostgreSQL server. */
int		 store_embedded(const struct store *);

/*
 * The pipelined commit (src/syncer.c): COMMIT writes the WAL without an
 * fsync (synchronous=NORMAL) and the writer never checkpoints by itself;
 * a commit is durable once the WAL is synced.  0 or -1.
 */
int		 store_pipeline(struct store *);
/*
 * SQLite: statements the writer thread ran, blind ones the loop ran itself
 * (small transactions), times the loop waited for the thread.
 */
void		 store_thread_stats(struct store *, uint64_t *jobs,
		    uint64_t *inl, uint64_t *waits);
/*
 * The pipelined commit on PostgreSQL (src/syncer.c, db.h's pipeline mode):
 * the writer sends each batch (BEGIN, the fence, its writes, COMMIT and a
 * Sync) without waiting; a commit is durable once the server's answer to it
 * arrives.  synced runs on the loop whenever such an answer arrived (it may
 * run from inside a store call: it must only schedule work).  Called again,
 * it only changes who is told (NULL: nobody).  0 or -1.
 */
int		 store_pg_pipeline(struct store *, void (*synced)(void *),
		    void *arg);
/* The writer's socket, to watch for its answers; -1 none; *gen: its session. */
int		 store_pg_socket(struct store *, unsigned *gen);
/* Take the answers that arrived (never blocks).  0, -1 the link is lost. */
int		 store_pg_pump(struct store *);
/* Send what is buffered: 0 all sent, 1 wait until writable, -1 lost. */
int		 store_pg_flush(struct store *);
/* The number of the last COMMIT sent. */
uint64_t	 store_pg_sent(struct store *);
/*
 * Commits answered: the highest number committed (in order); *failed the
 * first that failed, 0 none, with its message in why and *fenced set when
 * the lease's fence refused it (another pcod is active).
 */
uint64_t	 store_pg_done(struct store *, uint64_t *failed,
		    const char **why, int *fenced);
/* Block until commit seq is answered (shutdown).  0 committed, -1 not. */
int		 store_pg_wait(struct store *, uint64_t seq);
const char	*store_wal_path(const struct store *);
/* Pages in the WAL after the last commit (pipelined; else 0). */
int		 store_wal_pages(const struct store *);
/* On the loop, a checkpoint if the WAL outgrew its thread (32 MiB). */
void		 store_checkpoint_oversized(struct store *);
/* Every commit so far is synced: ship what waited for that (audit-syslog). */
void		 store_durable(struct store *);
/* The checkpoint thread's connection; store_ckpt_run() is a syncer_ckpt_fn. */
struct store_ckpt;
struct store_ckpt *store_ckpt_open(const struct store *, char *err,
		    size_t errsz);
int		 store_ckpt_run(void *ckpt);
void		 store_ckpt_close(struct store_ckpt *);

/* The batch transaction (one writer).  0 or -1; store_errmsg() says why. */
int		 store_begin(struct store *);
/*
 * PostgreSQL: every transaction store_begin() opens checks that the
 * receivers' lease still has this epoch (lease.h) and fails otherwise;
 * 0, the start, lets nothing be written.  SQLite: no effect.
 */
void		 store_set_fence(struct store *, int64_t epoch);
int		 store_commit(struct store *);	/* rolls back itself on failure */
/*
 * SQLite with the writer thread: queue the batch's COMMIT behind its
 * writes.  1 queued: store_commit_result() has the outcome (it waits for
 * the thread), and store_commit_fd() is readable once it is known; 0
 * committed now (no thread); -1 failed (rolled back).
 */
int		 store_commit_async(struct store *);
int		 store_commit_result(struct store *);	/* 0, or -1 rolled back */
int		 store_commit_fd(struct store *);	/* -1: no thread */
/*
 * After a failed store_commit(): 1 when it may have committed all the same
 * (PostgreSQL, the connection lost before the answer came), so that what
 * the batch wrote must be looked up in the store, not assumed absent.
 */
int		 store_commit_in_doubt(const struct store *);
void		 store_rollback(struct store *);
int		 store_in_txn(struct store *);
const char	*store_errmsg(struct store *);
/*
 * How long (ms) a statement may wait for a lock another process holds,
 * once running (start-up waits longer).  A batch that meets a lock fails.
 */
void		 store_set_busy_timeout(struct store *, int ms);
/* 1 if the last failure was the database refusing writes now (lock, disk full, I/O). */
int		 store_unavailable(struct store *);
/* How many such failures so far (a batch that met one is not a recovery). */
uint64_t	 store_unavailable_count(const struct store *);

/*
 * A savepoint inside the open batch, so one console command is all or
 * nothing without touching the panels' frames in the same batch.  0 or -1.
 */
int		 store_savepoint(struct store *);
int		 store_release(struct store *);
/* Undo everything since the savepoint, and end it. */
void		 store_rollback_savepoint(struct store *);

/*
 * 1 if a frame with this account, seq and digest was stored with retx = 1
 * since since_ms (the open batch included; the partial indexes frames_retx
 * and events_retx);
 * 0 no; -1 error.  Frames stored without retx are memory's to answer.
 */
int		 store_frame_seen(struct store *, const char *account, int seq,
		    const char *digest, int64_t since_ms);
/*
 * A frame's own row, for a frame with no event or several; its id (> 0)
 * or -1.  A frame with exactly one event shares that event's row instead
 * (store_event_add() with frame_id 0; schema 17).
 */
int64_t		 store_frame_add(struct store *, const struct store_frame *);
/*
 * Insert one event decoded from the frame: of frame_id's row when > 0,
 * else carrying the frame's own columns in its row.  Its id (> 0) or -1.
 */
int64_t		 store_event_add(struct store *, int64_t frame_id,
		    const struct store_frame *, const struct event *);

/* Accounts: 0 ok, 1 already exists / not found, -1 error. */
int		 store_account_add(struct store *, const struct store_account *);
int		 store_account_remove(struct store *, const char *account);
/* Replace every setting of an existing account (all but created/last seen). */
int		 store_account_update(struct store *, const struct store_account *);
/* Record a sign of life (kept only if newer).  0 or -1. */
int		 store_account_seen(struct store *, const char *account, int64_t ms);
int		 store_account_get(struct store *, const char *account,
		    struct store_account *out);
/* Calls cb for every account in account order; stops early on non-zero.  0 or -1. */
int		 store_account_foreach(struct store *,
		    int (*cb)(const struct store_account *, void *), void *arg);

/* Newest first; reads only committed data.  0 or -1. */
int		 store_event_list(struct store *, const struct store_event_filter *,
		    int (*cb)(const struct store_event_row *, void *), void *arg);

#endif
