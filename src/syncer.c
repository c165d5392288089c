/*
 * syncer.c - the pipelined commit's workers: the WAL's fdatasync and the
 * WAL checkpoints, each on a thread of its own, so that a slow disk costs
 * the panels time, never the loop its attention.
 *
 * What runs where.
 *   The loop (one thread, owns every piece of state, DESIGN.md):
 *     stages a batch in the writer connection's open transaction and
 *     COMMITs it.  A large batch's blind writes (frames, events, alarms)
 *     and its COMMIT are queued to the writer connection's own thread
 *     (db.c, db_sqlite_thread()), which runs them in order while the loop
 *     reads and decodes the next frames; a small one is written and
 *     committed on the loop (db_sqlite_thread_min(): handing it over
 *     would cost more than it saves); every other statement on the writer
 *     waits for that queue first, and batch.c takes the COMMIT's outcome
 *     before the next batch opens.  The writer runs PRAGMA
 *     synchronous=NORMAL, so in WAL mode a COMMIT only write()s the WAL
 *     frames into the page cache: no fsync.  Its VFS (walbuf.c) gathers a
 *     commit's frames into one write of up to 124 KiB; all of them are
 *     written before the COMMIT returns.  batch.c numbers the commit
 *     (syncer_commit()) once the COMMIT has returned, and keeps the
 *     batch's waiters (ACKs, replies, notifications) until the durable
 *     horizon passes that number.
 *   The sync thread: fdatasync()s the WAL through a descriptor of its own.
 *     It reads the highest commit number asked for, syncs, and publishes
 *     that number as durable: every commit whose write() returned before
 *     the sync started is then on disk (an fsync covers the file, not the
 *     descriptor).  Commits written while a sync runs ride on the next one:
 *     group commit for free.  The descriptor is checked against the path's
 *     inode before each sync and reopened if SQLite made a new file.
 *   The checkpoint thread: runs SQLite PASSIVE checkpoints on a connection
 *     of its own (store.c's store_ckpt), asked for when a commit leaves the
 *     WAL past SYNCER_CKPT_PAGES, at most every SYNCER_CKPT_GAP_MS.  The
 *     writer's own automatic checkpoint is off (store_pipeline()).  SQLite
 *     syncs the WAL before and the database after a checkpoint, on this
 *     thread.  What stays with the writer: when a checkpoint has caught up
 *     and the WAL starts over, the next COMMIT (on the writer thread)
 *     writes and syncs the new WAL header (SQLite needs that sync to keep
 *     old frames from ever being replayed); one small fsync per WAL cycle.  And should writes
 *     never pause long enough for this thread to catch up, the loop
 *     checkpoints by itself at 32 MiB of WAL, but only while syncs are
 *     fast (store_checkpoint_oversized(), batch.c).
 *   Back to the loop: the threads never touch libevent or anything the
 *     loop owns.  The sync thread writes a byte into a pipe; the loop's
 *     read event takes the durable number under the mutex and calls
 *     batch.c, which runs the waiters of every batch up to it, in order.
 *
 * Who owns what.  The loop owns struct syncer; the fields under "shared"
 * are read and written only with mu held; fd, ino and dev belong to the
 * sync thread; ckpt (the checkpoint connection) to the checkpoint thread
 * once it runs.  syncer_free() joins both threads before anything is freed.
 * The sealed batches and their waiters (batch.c), the in-memory model and
 * every socket stay the loop's alone: no thread ever sees them.  The
 * writer connection is the loop's while its writer thread is idle, and
 * the thread's while it runs queued statements (db.c says how the two
 * hand it over); the thread sees only the copies of values it was given.  A waiter's argument stays its
 * caller's until the waiter runs; the engine's notes of a committed batch
 * (alarm.c) are handed to the batch with the waiter that publishes them.
 * The threads hold no SQLite handle of the loop's, and the loop none of
 * theirs; the database file is shared only through SQLite's own locking
 * (the sync thread opens the WAL, never the database file: closing a
 * descriptor would drop the process's POSIX locks on it).
 *
 * Reads.  Between its COMMIT and its sync a batch is visible to reads on
 * the loop (the reader connection, the writer between batches, the
 * in-memory model).  A console may see such an event, but whatever it does
 * about it through pcod is written in a later batch and answered after a
 * later sync, which covers the earlier commit too: a crash loses both or
 * neither, and the panel, never acknowledged, sends the event again.
 * Notifications and replies to changes, which consoles act on, wait.
 *
 * Durability.  An ACK, reply or notification leaves only when the durable
 * horizon has reached the commit that made it true (batch.c): the panel's
 * frame, a retransmission whose original is committed but not yet synced
 * (its answer waits on a later commit, so on a later sync), a console's
 * change.  The WAL's valid frames after a crash are a prefix (each frame's
 * checksum chains from the one before), so a sync that covers commit N
 * covers every commit before N.
 *
 * A failed fdatasync (EIO...) says that some of the written pages may never
 * reach the disk, and the kernel may have marked them clean: a later sync
 * that succeeds proves nothing (PostgreSQL's "fsyncgate").  So the thread
 * never retries: it reports the error, batch.c answers nothing more and
 * pcod exits, and SQLite recovers at the next start from what the disk
 * really holds; the panels send again what was not acknowledged.
 *
 * PostgreSQL (syncer_new_pg()).  There is no WAL of pcod's to sync: the
 * server's COMMIT is the sync.  The store's writer runs in libpq's pipeline
 * mode (db.h): a batch is sent (BEGIN, the fence, its writes, COMMIT and a
 * Sync) without waiting, syncer_commit() numbers it as for SQLite, and the
 * loop watches the writer's socket (no thread): when the server's answers
 * arrive, the store takes them and the durable horizon moves to the last
 * commit answered, exactly as a sync would move it.  A batch that fails at
 * the server after its COMMIT was sent (the fence refused it: another pcod
 * is active; the link was lost with it in flight; any error of a statement
 * nobody waited for) is like a failed sync: the engine's memory has run
 * ahead of the database, later batches were staged on top of it, and only
 * a start from what the database holds is sure.  So pcod answers nothing
 * more and exits (status 75: start again; a deposed pcod comes back as a
 * standby); the panels send again what was not acknowledged, and the
 * retransmission check at the next start finds what did commit.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "clock.h"
#include "histo.h"
#include "log.h"
#include "store.h"
#include "syncer.h"
#include "xmalloc.h"

/* Send times kept for the commits in flight (PostgreSQL), by number. */
#define SYNCER_PG_RING		4096
/* Exit status after a batch failed at the server (EX_TEMPFAIL: start again). */
#define SYNCER_PG_EXIT		75

/* A commit that leaves more WAL pages than this asks for a checkpoint. */
#define SYNCER_CKPT_PAGES	1000
/* Checkpoints start at most this often (each syncs the WAL and the database). */
#define SYNCER_CKPT_GAP_MS	100

struct syncer {
	struct event		*ev;		/* owned; the pipe's read end */
	syncer_done_fn		 done;
	void			*done_arg;
	uint64_t		 told;		/* durable, as last told to done */
	char			*wal;		/* owned */
	int			 pipefd[2];	/* sync thread -> loop */
	pthread_t		 thr, cthr;
	int			 started, cstarted;
	syncer_ckpt_fn		 ckpt_fn;
	void			*ckpt;		/* not owned; the checkpoint thread's */
	int			 fd;		/* sync thread: the WAL; -1 none */
	dev_t			 dev;
	ino_t			 ino;
	/* shared, under mu */
	pthread_mutex_t		 mu;
	pthread_cond_t		 work;		/* a sync is asked for, or stop */
	pthread_cond_t		 synced;	/* durable moved, or the sync failed */
	pthread_cond_t		 cwork;		/* a checkpoint is asked for, or stop */
	uint64_t		 committed;	/* commits numbered so far */
	uint64_t		 want;		/* sync up to here */
	uint64_t		 durable;	/* synced up to here */
	int			 err;		/* errno of a failed sync; then no more */
	int			 stop;
	int			 ckpt_want;
	int64_t			 sync_start;	/* monotonic ms; 0: no sync running */
	int64_t			 last_ms, max_ms;
	uint64_t		 nsyncs, nckpts;
	/*
	 * Microseconds per sync, failed ones included.  The sync thread
	 * observes it with mu held and the loop reads only a copy taken under
	 * mu (syncer_sync_histo()): a histogram of the syncer's own, never
	 * one of the loop's (histo.h).
	 */
	struct histo		 hist;
	/* PostgreSQL (syncer_new_pg()): the loop's alone, no thread. */
	struct store		*pg;		/* not owned */
	struct event_base	*base;
	struct event		*pgev;		/* the writer's socket, readable */
	struct event		*pgwev;		/* ... writable, while output waits */
	struct event		*pgnote;	/* answers taken inside a store call */
	int			 pgfd;
	unsigned		 pggen;		/* the session pgfd belongs to */
	char			 pgwhy[512];	/* why the first failed commit failed */
	int64_t			 sent_us[SYNCER_PG_RING]; /* commit seq's send time */
};

/* Bounds of the sync histogram, microseconds: 100 us to 10 s. */
static const int64_t syncer_hist_le[] = {
	100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000,
	250000, 500000, 1000000, 2500000, 5000000, 10000000
};

static void	syncer_pg_cb(evutil_socket_t, short, void *);
static uint64_t	syncer_pg_commit(struct syncer *);

/* Monotonic microseconds. */
static int64_t
syncer_now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * fdatasync the file at path through a descriptor opened for it; 0 or an
 * errno.  Never the database file: closing a descriptor drops every POSIX
 * lock the process holds on that file, SQLite's included.
 */
static int
syncer_sync_path(const char *path)
{
	int	fd, rc = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return errno;
	if (fdatasync(fd) == -1)
		rc = errno;
	close(fd);
	return rc;
}

/*
 * Sync the WAL: the descriptor is reopened when the path names another
 * file than it (SQLite made a new one).  The WAL cannot vanish while the
 * writer is open; if it did, nothing is known to be on disk: an error.
 * 0 or an errno.
 */
static int
syncer_sync_wal(struct syncer *s)
{
	struct stat	st;

	if (stat(s->wal, &st) == -1)
		return errno;
	if (s->fd == -1 || st.st_ino != s->ino || st.st_dev != s->dev) {
		if (s->fd != -1)
			close(s->fd);
		if ((s->fd = open(s->wal, O_RDONLY | O_CLOEXEC)) == -1)
			return errno;
		if (fstat(s->fd, &st) == -1)
			return errno;
		s->ino = st.st_ino;
		s->dev = st.st_dev;
	}
	return fdatasync(s->fd) == -1 ? errno : 0;
}

/* Wake the loop; a byte already waiting in the pipe is enough. */
static void
syncer_poke(struct syncer *s)
{
	ssize_t	n;

	do
		n = write(s->pipefd[1], "s", 1);
	while (n == -1 && errno == EINTR);
}

/* The sync thread: sync up to the highest commit asked for, publish it, again. */
static void *
syncer_main(void *arg)
{
	struct syncer	*s = arg;
	uint64_t	 target;
	int64_t		 t0, ms, us0;
	int		 rc;

	pthread_mutex_lock(&s->mu);
	while (s->err == 0) {
		while (!s->stop && s->want == s->durable)
			pthread_cond_wait(&s->work, &s->mu);
		if (s->want == s->durable)
			break;
		target = s->want;
		s->sync_start = t0 = clock_mono_ms();
		pthread_mutex_unlock(&s->mu);
		us0 = syncer_now_us();
		rc = syncer_sync_wal(s);
		us0 = syncer_now_us() - us0;
		pthread_mutex_lock(&s->mu);
		histo_observe(&s->hist, us0);
		ms = clock_mono_ms() - t0;
		s->sync_start = 0;
		s->last_ms = ms;
		if (ms > s->max_ms)
			s->max_ms = ms;
		s->nsyncs++;
		if (rc != 0)
			s->err = rc;	/* never retried: see the top of this file */
		else
			s->durable = target;
		pthread_cond_broadcast(&s->synced);
		syncer_poke(s);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* Wait on cwork until stop or ms pass; 1 if stopping.  Called with mu held. */
static int
syncer_ckpt_pause(struct syncer *s, int64_t ms)
{
	struct timespec	ts;

	clock_deadline(&ts, ms);
	while (!s->stop && pthread_cond_timedwait(&s->cwork, &s->mu, &ts) == 0)
		;
	return s->stop;
}

/* The checkpoint thread: a passive checkpoint when asked, then a pause. */
static void *
syncer_ckpt_main(void *arg)
{
	struct syncer	*s = arg;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->stop && !s->ckpt_want)
			pthread_cond_wait(&s->cwork, &s->mu);
		if (s->stop)
			break;
		s->ckpt_want = 0;
		pthread_mutex_unlock(&s->mu);
		/* A failure is the next checkpoint's to retry: the WAL just grows. */
		s->ckpt_fn(s->ckpt);
		pthread_mutex_lock(&s->mu);
		s->nckpts++;
		if (syncer_ckpt_pause(s, SYNCER_CKPT_GAP_MS))
			break;
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* The pipe's read event: tell batch.c how far the disk has come. */
static void
syncer_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct syncer	*s = arg;
	char		 buf[64];
	uint64_t	 durable;
	int		 err;

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&s->mu);
	durable = s->durable;
	err = s->err;
	pthread_mutex_unlock(&s->mu);
	if (durable == s->told && err == 0)
		return;
	s->told = durable;
	s->done(durable, err, s->done_arg);
}

/* Sync the directory holding db, so the WAL's own name is on disk.  0 or errno. */
static int
syncer_sync_dir(const char *db)
{
	char	*dir = xstrdup(db), *slash = strrchr(dir, '/');
	int	 rc;

	if (slash == NULL)
		snprintf(dir, strlen(dir) + 1, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	rc = syncer_sync_path(dir);
	free(dir);
	return rc;
}

/* Start a thread with every signal blocked (the loop takes them).  0 or errno. */
int
syncer_thread(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t	all, old;
	int		rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/* The pipe and its read event on base.  0 or -1 with err set. */
static int
syncer_pipe(struct syncer *s, struct event_base *base, char *err, size_t errsz)
{
	if (pipe2(s->pipefd, O_CLOEXEC | O_NONBLOCK) != 0) {
		snprintf(err, errsz, "syncer: pipe: %s", strerror(errno));
		s->pipefd[0] = s->pipefd[1] = -1;
		return -1;
	}
	s->ev = event_new(base, s->pipefd[0], EV_READ | EV_PERSIST,
	    syncer_read_cb, s);
	if (s->ev == NULL || event_add(s->ev, NULL) == -1) {
		snprintf(err, errsz, "syncer: cannot watch its pipe");
		return -1;
	}
	return 0;
}

/* A syncer with nothing started yet (syncer_free() takes it as it is). */
static struct syncer *
syncer_alloc(syncer_done_fn done, void *arg)
{
	struct syncer	*s = xcalloc(1, sizeof(*s));

	s->done = done;
	s->done_arg = arg;
	s->fd = -1;
	s->pgfd = -1;
	s->pipefd[0] = s->pipefd[1] = -1;
	(void)histo_init(&s->hist, syncer_hist_le, (int)(sizeof(syncer_hist_le) /
	    sizeof(syncer_hist_le[0])));
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->work, NULL);
	pthread_cond_init(&s->synced, NULL);
	pthread_cond_init(&s->cwork, NULL);
	return s;
}

/* Start the sync and checkpoint threads for db's WAL. */
struct syncer *
syncer_new(struct event_base *base, const char *db, const char *wal,
    syncer_done_fn done, void *arg, syncer_ckpt_fn ckpt_fn, void *ckpt,
    char *err, size_t errsz)
{
	struct syncer	*s;
	int		 rc;

	s = syncer_alloc(done, arg);
	s->wal = xstrdup(wal);
	s->ckpt_fn = ckpt_fn;
	s->ckpt = ckpt;
	if (syncer_pipe(s, base, err, errsz) != 0)
		goto fail;
	if ((rc = syncer_sync_dir(db)) != 0) {
		snprintf(err, errsz, "%s: cannot sync its directory: %s", db,
		    strerror(rc));
		goto fail;
	}
	if ((rc = syncer_thread(&s->thr, syncer_main, s)) != 0 ||
	    (s->started = 1, rc = syncer_thread(&s->cthr, syncer_ckpt_main,
	    s)) != 0) {
		snprintf(err, errsz, "syncer: pthread_create: %s", strerror(rc));
		goto fail;
	}
	s->cstarted = 1;
	return s;
fail:
	syncer_free(s);
	return NULL;
}

/* Watch the writer's socket (again, after a reconnection made a new one). */
static void
syncer_pg_watch(struct syncer *s)
{
	unsigned	gen;
	int		fd = store_pg_socket(s->pg, &gen);

	/* A new session may have the old socket's number: the generation tells. */
	if (fd == s->pgfd && gen == s->pggen && s->pgev != NULL)
		return;
	if (s->pgev != NULL) {
		event_free(s->pgev);
		s->pgev = NULL;
	}
	if (s->pgwev != NULL) {
		event_free(s->pgwev);
		s->pgwev = NULL;
	}
	s->pgfd = fd;
	s->pggen = gen;
	if (fd < 0)
		return;
	s->pgev = event_new(s->base, fd, EV_READ | EV_PERSIST, syncer_pg_cb, s);
	s->pgwev = event_new(s->base, fd, EV_WRITE, syncer_pg_cb, s);
	if (s->pgev == NULL || s->pgwev == NULL || event_add(s->pgev, NULL) == -1)
		fatalx("syncer: cannot watch the database connection");
}

/* Send what waits to be sent; watch for writability while some remains. */
static void
syncer_pg_flush(struct syncer *s)
{
	syncer_pg_watch(s);
	if (store_pg_flush(s->pg) == 1 && s->pgwev != NULL)
		event_add(s->pgwev, NULL);
}

/*
 * The writer's socket, or a note from inside a store call: take the
 * answers, move the durable horizon, and on a failed commit stop.
 */
static void
syncer_pg_cb(evutil_socket_t fd, short what, void *arg)
{
	struct syncer	*s = arg;
	uint64_t	 done, failed, seq;
	const char	*why;
	int		 fenced;
	int64_t		 now, us;

	if (what & EV_WRITE)
		syncer_pg_flush(s);
	(void)store_pg_pump(s->pg);
	done = store_pg_done(s->pg, &failed, &why, &fenced);
	now = syncer_now_us();
	for (seq = s->told + 1; seq <= done; seq++) {
		us = now - s->sent_us[seq % SYNCER_PG_RING];
		histo_observe(&s->hist, us);
		s->nsyncs++;
		s->last_ms = us / 1000;
		if (s->last_ms > s->max_ms)
			s->max_ms = s->last_ms;
	}
	if (failed != 0) {
		snprintf(s->pgwhy, sizeof(s->pgwhy), "%s%s", why, fenced ?
		    " (fenced: another pcod holds the lease)" : "");
		s->err = EIO;
		s->told = done;
		s->done(done, EIO, s->done_arg);
		return;
	}
	/* A reconnection may have replaced the socket. */
	syncer_pg_watch(s);
	if (done == s->told)
		return;
	s->told = s->durable = done;
	s->done(done, 0, s->done_arg);
}

/* The store took answers inside one of its calls: look at them on the loop. */
static void
syncer_pg_note(void *arg)
{
	struct syncer	*s = arg;

	if (s->pgnote != NULL)
		event_active(s->pgnote, EV_READ, 0);
}

/* Number the COMMIT just sent, and send it on its way. */
static uint64_t
syncer_pg_commit(struct syncer *s)
{
	uint64_t	seq = ++s->committed;

	if (seq != store_pg_sent(s->pg))
		log_warnx("syncer: commit %llu sent as %llu",
		    (unsigned long long)seq,
		    (unsigned long long)store_pg_sent(s->pg));
	s->sent_us[seq % SYNCER_PG_RING] = syncer_now_us();
	syncer_pg_flush(s);
	return seq;
}

/*
 * PostgreSQL: the store's writer goes into pipeline mode and its commits
 * are answered on base (see the top of this file).  NULL with err set.
 */
struct syncer *
syncer_new_pg(struct event_base *base, struct store *store,
    syncer_done_fn done, void *arg, char *err, size_t errsz)
{
	struct syncer	*s;

	s = syncer_alloc(done, arg);
	s->base = base;
	s->pgnote = event_new(base, -1, 0, syncer_pg_cb, s);
	if (s->pgnote == NULL) {
		snprintf(err, errsz, "syncer: event_new failed");
		goto fail;
	}
	if (store_pg_pipeline(store, syncer_pg_note, s) != 0) {
		snprintf(err, errsz, "cannot pipeline the database writer: %s",
		    store_errmsg(store));
		goto fail;
	}
	s->pg = store;
	syncer_pg_watch(s);
	return s;
fail:
	syncer_free(s);
	return NULL;
}

/* Why a commit failed at the server (PostgreSQL), and the exit status; 0: none. */
int
syncer_server_failure(struct syncer *s, const char **why)
{
	if (s == NULL || s->pg == NULL || s->err == 0)
		return 0;
	*why = s->pgwhy;
	return SYNCER_PG_EXIT;
}

/* Stop the threads after the sync asked for, then free s. */
void
syncer_free(struct syncer *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = 1;
	pthread_cond_broadcast(&s->work);
	pthread_cond_broadcast(&s->cwork);
	pthread_mutex_unlock(&s->mu);
	if (s->started)
		pthread_join(s->thr, NULL);
	if (s->cstarted)
		pthread_join(s->cthr, NULL);
	if (s->ev != NULL)
		event_free(s->ev);
	if (s->pgev != NULL)
		event_free(s->pgev);
	if (s->pgwev != NULL)
		event_free(s->pgwev);
	if (s->pgnote != NULL)
		event_free(s->pgnote);
	/* The store outlives us: it must tell nobody from now on. */
	if (s->pg != NULL)
		(void)store_pg_pipeline(s->pg, NULL, NULL);
	if (s->pipefd[0] != -1) {
		close(s->pipefd[0]);
		close(s->pipefd[1]);
	}
	if (s->fd != -1)
		close(s->fd);
	pthread_cond_destroy(&s->cwork);
	pthread_cond_destroy(&s->synced);
	pthread_cond_destroy(&s->work);
	pthread_mutex_destroy(&s->mu);
	free(s->wal);
	free(s);
}

/* Number a commit just written and ask for the sync (and checkpoint) it needs. */
uint64_t
syncer_commit(struct syncer *s, int wal_pages)
{
	uint64_t	seq;

	if (s->pg != NULL)
		return syncer_pg_commit(s);
	pthread_mutex_lock(&s->mu);
	seq = ++s->committed;
	s->want = seq;
	pthread_cond_signal(&s->work);
	if (wal_pages >= SYNCER_CKPT_PAGES && !s->ckpt_want) {
		s->ckpt_want = 1;
		pthread_cond_signal(&s->cwork);
	}
	pthread_mutex_unlock(&s->mu);
	return seq;
}

/* Block until seq is durable or a sync failed; 0 or that errno. */
int
syncer_wait(struct syncer *s, uint64_t seq)
{
	int	err;

	if (s->pg != NULL) {
		if (s->durable >= seq)
			return 0;
		if (store_pg_wait(s->pg, seq) != 0)
			return EIO;
		s->durable = seq;
		return 0;
	}
	pthread_mutex_lock(&s->mu);
	while (s->durable < seq && s->err == 0)
		pthread_cond_wait(&s->synced, &s->mu);
	err = s->durable >= seq ? 0 : s->err;
	pthread_mutex_unlock(&s->mu);
	return err;
}

/* How long the running sync has taken so far (0: none runs). */
int64_t
syncer_running_ms(struct syncer *s)
{
	int64_t	ms = 0;

	if (s->pg != NULL)
		return s->committed > s->told ? (syncer_now_us() -
		    s->sent_us[(s->told + 1) % SYNCER_PG_RING]) / 1000 : 0;
	pthread_mutex_lock(&s->mu);
	if (s->sync_start != 0)
		ms = clock_mono_ms() - s->sync_start;
	pthread_mutex_unlock(&s->mu);
	return ms;
}

/* How long the last finished sync took. */
int64_t
syncer_last_ms(struct syncer *s)
{
	int64_t	ms;

	pthread_mutex_lock(&s->mu);
	ms = s->last_ms;
	pthread_mutex_unlock(&s->mu);
	return ms;
}

/* Counters for status. */
void
syncer_stats(struct syncer *s, uint64_t *syncs, int64_t *max_ms,
    uint64_t *ckpts)
{
	pthread_mutex_lock(&s->mu);
	*syncs = s->nsyncs;
	*max_ms = s->max_ms;
	*ckpts = s->nckpts;
	pthread_mutex_unlock(&s->mu);
}

/* A copy of the sync-time histogram (us), for the metrics on the loop. */
void
syncer_sync_histo(struct syncer *s, struct histo *out)
{
	pthread_mutex_lock(&s->mu);
	*out = s->hist;
	pthread_mutex_unlock(&s->mu);
}
