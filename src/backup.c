/*
 * backup.c - one copy of the database at a time, made on a thread of its
 * own so the loop goes on receiving (DESIGN.md: workers with sealed jobs).
 *
 * The loop fills a job (paths, kind, bound) and starts a thread for it;
 * the thread opens its own SQLite connections (store_retention.c), never
 * touches the loop's, and writes one byte into a pipe when it is done.  The
 * loop's read event joins the thread and tells the job's owner.  The job
 * is the thread's until the byte is written, the loop's afterwards; only
 * cancel is shared, and atomic.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "backup.h"
#include "clock.h"
#include "log.h"
#include "retention.h"
#include "xmalloc.h"

/* One job: sealed when the thread starts, handed back through the pipe. */
struct backup_job {
	enum backup_kind	 kind;
	char			*db;		/* owned */
	char			*dest;		/* owned */
	int64_t			 until_ms;
	backup_done_fn		 done;
	void			*arg;
	int			 rc;		/* set by the thread */
	json_t			*result;	/* set by the thread; owned */
	char			 err[256];	/* set by the thread */
	struct timespec		 t0;
};

struct backup {
	struct event		*ev;		/* owned; the pipe's read end */
	int			 fds[2];	/* the pipe */
	pthread_t		 thread;
	struct backup_job	*job;		/* running, or NULL */
	atomic_int		 cancel;
	uint64_t		 ndone, nfailed;
	int64_t			 last_ms;	/* how long the last job took */
	int64_t			 last_ok_wall_ms[2];	/* when the last of each kind succeeded; 0: never */
	enum backup_kind	 last_kind;
};

static const char *const kind_names[] = { "backup", "archive" };

/* The thread: run the job, then say so through the pipe. */
static void *
backup_main(void *arg)
{
	struct backup		*b = arg;
	struct backup_job	*j = b->job;
	char			 c = 1;
	ssize_t			 n;

	if (j->kind == BACKUP_ARCHIVE)
		j->rc = store_retention_archive(j->db, j->dest, j->until_ms,
		    &j->result, j->err, sizeof(j->err));
	else
		j->rc = store_backup_copy(j->db, j->dest, BACKUP_STEP_PAGES,
		    BACKUP_PAUSE_MS, &b->cancel, &j->result, j->err,
		    sizeof(j->err));
	do {
		n = write(b->fds[1], &c, 1);
	} while (n == -1 && errno == EINTR);
	return NULL;
}

/* Milliseconds since t0. */
static int64_t
since_ms(const struct timespec *t0)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)(now.tv_sec - t0->tv_sec) * 1000 +
	    (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Join the thread and tell the job's owner; the job is freed. */
static void
backup_finish(struct backup *b)
{
	struct backup_job	*j = b->job;

	pthread_join(b->thread, NULL);
	b->job = NULL;
	b->last_ms = since_ms(&j->t0);
	b->last_kind = j->kind;
	if (j->rc == 0) {
		b->ndone++;
		b->last_ok_wall_ms[j->kind] = clock_wall_ms();
		log_info("%s: %s written in %lld ms", kind_names[j->kind],
		    j->dest, (long long)b->last_ms);
	} else {
		b->nfailed++;
		log_warnx("%s: %s", kind_names[j->kind], j->err);
	}
	j->done(j->rc, j->rc == 0 ? j->result : NULL, j->err, j->arg);
	if (j->rc != 0)
		json_decref(j->result);
	free(j->db);
	free(j->dest);
	free(j);
}

/* The thread is done (a byte in the pipe). */
static void
backup_ready_cb(evutil_socket_t fd, short what, void *arg)
{
	struct backup	*b = arg;
	char		 c;

	if (read(fd, &c, 1) != 1 || b->job == NULL)
		return;
	backup_finish(b);
}

struct backup *
backup_new(struct event_base *base)
{
	struct backup	*b = xcalloc(1, sizeof(*b));

	if (pipe2(b->fds, O_CLOEXEC | O_NONBLOCK) != 0)
		fatal("backup: pipe");
	b->ev = event_new(base, b->fds[0], EV_READ | EV_PERSIST,
	    backup_ready_cb, b);
	if (b->ev == NULL || event_add(b->ev, NULL) != 0)
		fatalx("backup: cannot watch the pipe");
	atomic_init(&b->cancel, 0);
	return b;
}

void
backup_free(struct backup *b)
{
	if (b == NULL)
		return;
	if (b->job != NULL) {
		atomic_store(&b->cancel, 1);
		backup_finish(b);
	}
	event_free(b->ev);
	close(b->fds[0]);
	close(b->fds[1]);
	free(b);
}

/* Start the thread with every signal blocked (they belong to the loop). */
static int
backup_spawn(struct backup *b, char *err, size_t errsz)
{
	sigset_t	all, old;
	int		rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&b->thread, NULL, backup_main, b);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(err, errsz, "cannot start a thread: %s", strerror(rc));
		return -1;
	}
	return 0;
}

int
backup_start(struct backup *b, enum backup_kind kind, const char *db,
    const char *dest, int64_t until_ms, backup_done_fn done, void *arg,
    char *err, size_t errsz)
{
	struct backup_job	*j;

	if (b->job != NULL) {
		snprintf(err, errsz, "a%s %s to %s is still running",
		    b->job->kind == BACKUP_ARCHIVE ? "n" : "",
		    kind_names[b->job->kind], b->job->dest);
		return -1;
	}
	j = xcalloc(1, sizeof(*j));
	j->kind = kind;
	j->db = xstrdup(db);
	j->dest = xstrdup(dest);
	j->until_ms = until_ms;
	j->done = done;
	j->arg = arg;
	clock_gettime(CLOCK_MONOTONIC, &j->t0);
	b->job = j;
	if (backup_spawn(b, err, errsz) != 0) {
		b->job = NULL;
		free(j->db);
		free(j->dest);
		free(j);
		return -1;
	}
	return 0;
}

/* 1 if a job is running. */
int
backup_running(const struct backup *b)
{
	return b->job != NULL;
}

/* For status. */
json_t *
backup_status(const struct backup *b)
{
	json_t	*o = json_pack("{s:b, s:I, s:I}", "running", b->job != NULL,
	    "done", (json_int_t)b->ndone, "failed", (json_int_t)b->nfailed);

	if (o == NULL)
		return NULL;
	if (b->job != NULL) {
		json_object_set_new(o, "kind",
		    json_string(kind_names[b->job->kind]));
		json_object_set_new(o, "path", json_string(b->job->dest));
	} else if (b->ndone + b->nfailed > 0) {
		json_object_set_new(o, "last_kind",
		    json_string(kind_names[b->last_kind]));
		json_object_set_new(o, "last_ms", json_integer(b->last_ms));
	}
	if (b->last_ok_wall_ms[BACKUP_COPY] > 0)
		json_object_set_new(o, "last_backup_ok",
		    json_integer(b->last_ok_wall_ms[BACKUP_COPY]));
	if (b->last_ok_wall_ms[BACKUP_ARCHIVE] > 0)
		json_object_set_new(o, "last_archive_ok",
		    json_integer(b->last_ok_wall_ms[BACKUP_ARCHIVE]));
	return o;
}
