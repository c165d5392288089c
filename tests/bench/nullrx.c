/*
 * nullrx.c - the benchmark's ceiling: a DC-09 receiver that does the least
 * any receiver must (read, find and check each frame, send its ACK) and
 * nothing else: no store, no engine, no libevent; epoll and one read and
 * one write per wake-up of a connection.  Whatever rate pcobench reaches
 * against it is the most this machine gives any receiver driven by that
 * load generator, so a target above it is out of reach here.
 *
 * With a JOURNAL it is the durable ceiling: the least any receiver must do
 * to ACK only what is on disk.  Every frame's bytes go into one buffer per
 * wake-up of the loop, written with one pwrite() into a journal file laid
 * out in advance (so no sync changes the file's size); a thread
 * fdatasync()s whatever was written since its last sync, as soon as the
 * last one returned (group commit, pipelined with the loop), and the ACKs
 * wait until their frames' bytes are synced.  Whatever rate pcobench reaches
 * against that is the most this machine's disk and cores give any receiver
 * that keeps its promise; pcod also checks, stores and indexes each event.
 *
 * With sqlite:DATABASE, the journal is an SQLite database in WAL mode, as
 * pcod's store is: one row an event (the account, the time, the frame) in a
 * table with no index but its rowid, one transaction a wake-up committed
 * with synchronous=NORMAL on the loop, the WAL laid out in advance and
 * synced by the thread, no checkpoint.  That is the least any receiver
 * storing its events in SQLite must do; pcod also checks for
 * retransmissions, decodes, links alarms and checkpoints.
 *
 * usage: nullrx PORT [JOURNAL | sqlite:DATABASE]
 *        (127.0.0.1; prints "ready"; SIGTERM ends it; JOURNAL (or
 *        DATABASE's WAL) is overwritten, NULLRX_JOURNAL_MIB of it [64; 256
 *        for a database])
 * Never a part of pcod.
 */
#include "config.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "dc09.h"
#include "xmalloc.h"

#define NULLRX_BUF	4096
#define NULLRX_OUT	16384
#define NULLRX_EVENTS	256

struct nconn {
	int		fd;
	size_t		len;
	char		buf[NULLRX_BUF];
	/* Durable mode: ACKs waiting for the journal's bytes up to need. */
	size_t		plen;
	uint64_t	need;
	int		listed;		/* on the waiting list */
	int		dead;		/* closed, freed off the list */
	char		pend[NULLRX_OUT];
};

static volatile sig_atomic_t	stop;
static unsigned long long	frames, bad, syncs;

/* The durable mode's journal (jfd -1: none) and its sync thread. */
static int		 jfd = -1, efd = -1;
static off_t		 jsize;
static uint64_t		 jwritten;	/* bytes written (sqlite: commits) */
static char		*jbuf;
static size_t		 jlen;
static pthread_mutex_t	 jmu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 jcv = PTHREAD_COND_INITIALIZER;
static uint64_t		 jtarget, jsynced;	/* under jmu */
static int		 jquit;			/* under jmu */
static sqlite3		*db;		/* sqlite: mode */
static sqlite3_stmt	*ins;
static int		 intx;		/* a transaction is open */
static struct nconn	**waiting;
static size_t		 nwaiting, waitcap;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void
db_fail(const char *what)
{
	fprintf(stderr, "nullrx: %s: %s\n", what, sqlite3_errmsg(db));
	exit(1);
}

/* One row for the frame, in this wake-up's transaction. */
static void
db_add(const struct dc09_msg *m, const char *frame, size_t flen)
{
	struct timespec	ts;

	if (!intx && sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		db_fail("BEGIN");
	intx = 1;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (sqlite3_bind_text(ins, 1, m->acct, -1, SQLITE_TRANSIENT) ||
	    sqlite3_bind_int64(ins, 2, (sqlite3_int64)ts.tv_sec * 1000 +
	    ts.tv_nsec / 1000000) ||
	    sqlite3_bind_blob(ins, 3, frame, (int)flen, SQLITE_STATIC) ||
	    sqlite3_step(ins) != SQLITE_DONE || sqlite3_reset(ins) != SQLITE_OK)
		db_fail("INSERT");
}

/* Answer every whole frame in c's buffer with one write; -1: close it. */
static int
nullrx_serve(struct nconn *c)
{
	struct dc09_msg	 m;
	char		 out[NULLRX_OUT], err[128];
	size_t		 off = 0, start, flen, skipped, olen = 0;
	int		 n;
	ssize_t		 w;

	for (;;) {
		if (dc09_scan(c->buf + off, c->len - off, 1024, &start, &flen,
		    &skipped) != DC09_SCAN_FRAME)
			break;
		if (dc09_parse(c->buf + off + start, flen, &m, err,
		    sizeof(err)) == 0 && olen + 128 < sizeof(out) &&
		    (n = dc09_build_answer(DC09_ID_ACK, &m, NULL, time(NULL),
		    out + olen, sizeof(out) - olen)) > 0) {
			olen += (size_t)n;
			frames++;
			if (db != NULL)
				db_add(&m, c->buf + off + start, flen);
			else if (jfd != -1) {
				memcpy(jbuf + jlen, c->buf + off + start, flen);
				jlen += flen;
			}
		} else
			bad++;
		off += start + flen;
	}
	memmove(c->buf, c->buf + off, c->len - off);
	c->len -= off;
	if (c->len == sizeof(c->buf))
		c->len = 0;	/* no frame in 4 KiB: drop it */
	if (olen > 0 && jfd != -1) {
		/* Held until the journal is synced past this wake-up's bytes. */
		if (c->plen + olen > sizeof(c->pend))
			return -1;
		memcpy(c->pend + c->plen, out, olen);
		c->plen += olen;
		c->need = jwritten + (db != NULL ? 1 : jlen);
		if (!c->listed) {
			if (nwaiting == waitcap) {
				waitcap = waitcap ? waitcap * 2 : 256;
				waiting = xreallocarray(waiting, waitcap,
				    sizeof(*waiting));
			}
			waiting[nwaiting++] = c;
			c->listed = 1;
		}
	} else if (olen > 0) {
		do
			w = send(c->fd, out, olen, MSG_NOSIGNAL);
		while (w == -1 && errno == EINTR);
		if (w != (ssize_t)olen)
			return -1;	/* the bench reads: a short write is a fault */
	}
	return 0;
}

/* The sync thread: fdatasync() whatever was written since the last one. */
static void *
journal_syncer(void *arg)
{
	uint64_t	t, one = 1;

	(void)arg;
	pthread_mutex_lock(&jmu);
	for (;;) {
		while (jtarget == jsynced && !jquit)
			pthread_cond_wait(&jcv, &jmu);
		if (jquit)
			break;
		t = jtarget;
		pthread_mutex_unlock(&jmu);
		if (fdatasync(jfd) == -1) {
			perror("nullrx: fdatasync");
			exit(1);
		}
		pthread_mutex_lock(&jmu);
		jsynced = t;
		syncs++;
		if (write(efd, &one, sizeof(one)) != sizeof(one))
			abort();
	}
	pthread_mutex_unlock(&jmu);
	return NULL;
}

/*
 * Lay jfd out as NULLRX_JOURNAL_MIB (or mib) of zeros, synced, so that no
 * later sync grows it; then the thread's eventfd.
 */
static int
journal_layout(int mib)
{
	static const char	 zero[65536];
	const char		*e = getenv("NULLRX_JOURNAL_MIB");
	off_t			 o;

	jsize = (off_t)(e != NULL ? atoi(e) : mib) * 1024 * 1024;
	if (jsize < (off_t)sizeof(zero) * 32)
		jsize = (off_t)sizeof(zero) * 32;
	for (o = 0; o < jsize; o += (off_t)sizeof(zero))
		if (pwrite(jfd, zero, sizeof(zero), o) != (ssize_t)sizeof(zero))
			return -1;
	if (fdatasync(jfd) == -1 ||
	    (efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		return -1;
	return 0;
}

/* JOURNAL: a file of frames, written round. */
static int
journal_open(const char *path)
{
	if ((jfd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1 || journal_layout(64) == -1)
		return -1;
	jbuf = xmalloc((size_t)NULLRX_EVENTS * NULLRX_BUF);
	return 0;
}

/*
 * sqlite:PATH: the database, its table and its WAL laid out as zeros (as
 * pcod's store does: SQLite writes a WAL with no valid header from its
 * start); jfd is the WAL, synced by the thread.
 */
static int
db_open(const char *path)
{
	char	*wal;
	int	 rc;

	wal = xasprintf("%s-wal", path);
	unlink(path);
	unlink(wal);
	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA journal_mode=WAL;"
	    "PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0;"
	    "CREATE TABLE ev (id INTEGER PRIMARY KEY, account TEXT NOT NULL,"
	    " received_ms INTEGER NOT NULL, frame BLOB NOT NULL);"
	    "PRAGMA wal_checkpoint(TRUNCATE);", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO ev (account, received_ms, "
	    "frame) VALUES (?1, ?2, ?3)", -1, &ins, NULL) != SQLITE_OK)
		db_fail(path);
	rc = (jfd = open(wal, O_RDWR | O_CLOEXEC)) == -1 ? -1 :
	    journal_layout(256);
	free(wal);
	return rc;
}

/* Every frame answered has its row, or the run does not count: 1. */
static int
db_close(void)
{
	sqlite3_stmt	*st;
	long long	 rows = -1;

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM ev", -1, &st,
	    NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		rows = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_finalize(ins);
	sqlite3_close(db);
	if (rows == (long long)frames)
		return 0;
	fprintf(stderr, "nullrx: %lld row(s) stored for %llu frame(s)\n",
	    rows, frames);
	return 1;
}

/* Commit this wake-up's rows (no sync: the thread's) and ask for a sync. */
static void
db_commit(void)
{
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		db_fail("COMMIT");
	intx = 0;
	jwritten++;
	pthread_mutex_lock(&jmu);
	jtarget = jwritten;
	pthread_cond_signal(&jcv);
	pthread_mutex_unlock(&jmu);
}

/* Write this wake-up's frames into the journal, round it if need be. */
static void
journal_write(void)
{
	off_t	at = (off_t)(jwritten % (uint64_t)jsize);
	size_t	first = jlen;

	if (at + (off_t)jlen > jsize)
		first = (size_t)(jsize - at);
	if (pwrite(jfd, jbuf, first, at) != (ssize_t)first ||
	    (first < jlen && pwrite(jfd, jbuf + first, jlen - first, 0) !=
	    (ssize_t)(jlen - first))) {
		perror("nullrx: journal write");
		exit(1);
	}
	jwritten += jlen;
	jlen = 0;
	pthread_mutex_lock(&jmu);
	jtarget = jwritten;
	pthread_cond_signal(&jcv);
	pthread_mutex_unlock(&jmu);
}

/* Send the ACKs whose frames are synced now; free the closed. */
static void
journal_release(void)
{
	struct nconn	*c;
	uint64_t	 done, v;
	size_t		 i, k = 0;
	size_t		 plen;
	ssize_t		 w;

	while (read(efd, &v, sizeof(v)) == sizeof(v))
		;
	pthread_mutex_lock(&jmu);
	done = jsynced;
	pthread_mutex_unlock(&jmu);
	for (i = 0; i < nwaiting; i++) {
		c = waiting[i];
		if (!c->dead && c->need > done) {
			waiting[k++] = c;
			continue;
		}
		c->listed = 0;
		if (!c->dead) {
			plen = c->plen;
			c->plen = 0;
			do
				w = send(c->fd, c->pend, plen, MSG_NOSIGNAL);
			while (w == -1 && errno == EINTR);
			if (w == (ssize_t)plen)
				continue;
			close(c->fd);
		}
		free(c);
	}
	nwaiting = k;
}

int
main(int argc, char **argv)
{
	struct epoll_event	 ev, evs[NULLRX_EVENTS];
	struct sockaddr_in	 sin;
	struct nconn		*c;
	pthread_t		 syncer;
	int			 lfd, ep, i, n, fd, one = 1;
	ssize_t			 r;

	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: nullrx PORT [JOURNAL | sqlite:DATABASE]\n");
		return 2;
	}
	if (argc == 3 && ((strncmp(argv[2], "sqlite:", 7) == 0 ?
	    db_open(argv[2] + 7) : journal_open(argv[2])) == -1 ||
	    pthread_create(&syncer, NULL, journal_syncer, NULL) != 0)) {
		perror("nullrx: journal");
		return 1;
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)atoi(argv[1]));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(lfd, 4096) == -1 || (ep = epoll_create1(0)) == -1) {
		perror("nullrx");
		return 1;
	}
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) == -1) {
		perror("nullrx: epoll_ctl");
		return 1;
	}
	ev.data.ptr = &efd;
	if (jfd != -1 && epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev) == -1) {
		perror("nullrx: epoll_ctl");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		if ((n = epoll_wait(ep, evs, NULLRX_EVENTS, 200)) == -1) {
			if (errno == EINTR)
				continue;
			perror("nullrx: epoll_wait");
			return 1;
		}
		for (i = 0; i < n; i++) {
			if (evs[i].data.ptr == &efd) {
				journal_release();
				continue;
			}
			if ((c = evs[i].data.ptr) == NULL) {
				while ((fd = accept4(lfd, NULL, NULL,
				    SOCK_NONBLOCK)) != -1) {
					c = xcalloc(1, sizeof(*c));
					c->fd = fd;
					ev.events = EPOLLIN;
					ev.data.ptr = c;
					if (epoll_ctl(ep, EPOLL_CTL_ADD, fd,
					    &ev) == -1) {
						close(fd);
						free(c);
					}
				}
				continue;
			}
			r = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len,
			    0);
			if (r == -1 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (r > 0) {
				c->len += (size_t)r;
				if (nullrx_serve(c) == 0)
					continue;
			}
			close(c->fd);	/* also leaves the epoll set */
			if (c->listed)
				c->dead = 1;
			else
				free(c);
		}
		if (jlen > 0)
			journal_write();
		if (intx)
			db_commit();
	}
	if (jfd != -1) {
		pthread_mutex_lock(&jmu);
		jquit = 1;
		pthread_cond_signal(&jcv);
		pthread_mutex_unlock(&jmu);
		pthread_join(syncer, NULL);
	}
	fprintf(stderr, "nullrx: %llu frame(s) answered, %llu bad, %llu "
	    "sync(s)\n", frames, bad, syncs);
	return db != NULL ? db_close() : 0;
}
