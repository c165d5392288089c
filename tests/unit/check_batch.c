/*
 * check_batch.c - the pipelined commit: no waiter (ACK, reply, notice) runs
 * before the sync covering its batch's commit has returned; waiters run in
 * batch order; a failed batch undoes at once and answers in its turn; a
 * failed sync answers nothing and exits; a slow sync is storage trouble;
 * a hung disk refuses new batches past the backlog.
 *
 * The test program defines fdatasync() itself: the syncer's thread (any
 * thread but the test's) then waits at a gate the test opens, so the test
 * decides when "the disk" returns.
 */
#include "config.h"

#include <sys/syscall.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <event2/event.h>

#include "acct.h"
#include "batch.h"
#include "conf.h"
#include "dc09.h"
#include "ingest.h"
#include "log.h"
#include "db.h"
#include "store.h"
#include "store_int.h"
#include "syncer.h"
#include "tmpstore.h"

static pthread_t		 main_thr;
static pthread_mutex_t		 gmu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t		 gcv = PTHREAD_COND_INITIALIZER;
static int			 gate_closed;	/* syncs from threads wait */
static int			 gate_eio;	/* ... and then fail */
static int			 nentered, nreturned;	/* syncs from threads */

/* The disk: a thread's sync waits while the gate is closed. */
int
fdatasync(int fd)
{
	int	self = pthread_equal(pthread_self(), main_thr), eio = 0, rc;

	if (!self) {
		pthread_mutex_lock(&gmu);
		nentered++;
		pthread_cond_broadcast(&gcv);
		while (gate_closed)
			pthread_cond_wait(&gcv, &gmu);
		eio = gate_eio;
		pthread_mutex_unlock(&gmu);
	}
	if (eio) {
		errno = EIO;
		return -1;
	}
	rc = (int)syscall(SYS_fdatasync, fd);
	if (!self) {
		pthread_mutex_lock(&gmu);
		nreturned++;
		pthread_cond_broadcast(&gcv);
		pthread_mutex_unlock(&gmu);
	}
	return rc;
}

/* Close or open the gate. */
static void
gate(int closed)
{
	pthread_mutex_lock(&gmu);
	gate_closed = closed;
	pthread_cond_broadcast(&gcv);
	pthread_mutex_unlock(&gmu);
}

/* Syncs from threads that have returned so far. */
static int
returned(void)
{
	int	n;

	pthread_mutex_lock(&gmu);
	n = nreturned;
	pthread_mutex_unlock(&gmu);
	return n;
}

/* Wait (up to 5 s) until a thread is inside a sync. */
static void
wait_entered(int n)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	pthread_mutex_lock(&gmu);
	while (nentered < n)
		if (pthread_cond_timedwait(&gcv, &gmu, &ts) != 0)
			break;
	pthread_mutex_unlock(&gmu);
	ck_assert_int_ge(nentered, n);
}

static struct tmpstore		 ts;
static struct store		*st;
static struct event_base	*base;
static struct batch		*bt;
static struct syncer		*sy;
static struct store_ckpt	*ck;
static int			 nacct;

/* What the waiters saw, in order. */
#define MAXREC	32
static struct rec {
	const char	*name;
	int		 ok;
	int		 synced;	/* syncs returned when it ran */
	uint64_t	 id;		/* batch_done_id() */
} recs[MAXREC];
static int	nrecs;
static int	nfail, nok;
static enum batch_trouble lastkind;	/* of the last fail_hook call */
static char	lastwhy[256];

/* A waiter: note who ran, with what, after how many syncs. */
static void
record(int ok, void *arg)
{
	ck_assert_int_lt(nrecs, MAXREC);
	recs[nrecs].name = arg;
	recs[nrecs].ok = ok;
	recs[nrecs].synced = returned();
	recs[nrecs].id = batch_done_id(bt);
	nrecs++;
}

/* The fail and ok hooks. */
static void
fail_hook(enum batch_trouble kind, const char *why, void *arg)
{
	nfail++;
	lastkind = kind;
	snprintf(lastwhy, sizeof(lastwhy), "%s", why);
}

static void
ok_hook(void *arg)
{
	nok++;
}

/*
 * One batch committed before the test (before the syncer, whose slow-sync
 * watch it would arm): store_open() left the WAL empty (filled with zeros,
 * store.c), so the first COMMIT starts it over and SQLite syncs its new
 * header there, on the committing thread, which a closed gate would hold.
 * Then the counts start from zero.
 */
static void
warm_up(void)
{
	struct store_account	a;

	memset(&a, 0, sizeof(a));
	snprintf(a.account, sizeof(a.account), "WARM");
	ck_assert_int_eq(batch_join(bt), 0);
	ck_assert_int_eq(store_account_add(st, &a), 0);
	ck_assert_int_eq(batch_flush(bt), 0);
	pthread_mutex_lock(&gmu);
	nentered = nreturned = 0;
	pthread_mutex_unlock(&gmu);
}

/* A pipelined store and batch; the gate open. */
static void
setup(void)
{
	char	err[256];

	main_thr = pthread_self();
	gate(0);
	gate_eio = 0;
	nentered = nreturned = 0;
	nrecs = nfail = nok = nacct = 0;
	st = tmpstore_open(&ts, "check_batch");
	base = event_base_new();
	bt = batch_new(base, st, 1000);
	ck = store_ckpt_open(st, err, sizeof(err));
	ck_assert_msg(ck != NULL, "%s", err);
	sy = syncer_new(base, ts.path, store_wal_path(st), batch_synced, bt,
	    store_ckpt_run, ck, err, sizeof(err));
	ck_assert_msg(sy != NULL, "%s", err);
	ck_assert_int_eq(store_pipeline(st), 0);
	warm_up();
	batch_set_syncer(bt, sy, 1000);
	batch_set_fail_hook(bt, fail_hook, NULL);
	batch_set_ok_hook(bt, ok_hook, NULL);
}

/* The same, with the batch's writes and COMMIT on SQLite's writer thread. */
static void
setup_thread(void)
{
	ck_assert_int_eq(setenv("PCOD_WRITER_THREAD", "1", 1), 0);
	setup();
}

/*
 * The same, with a transaction handed to the thread from its third
 * statement: small batches commit on the loop, larger ones on the thread.
 */
static void
setup_staged(void)
{
	ck_assert_int_eq(setenv("PCOD_WRITER_THREAD", "3", 1), 0);
	setup();
}

/* The same, with every statement on the loop. */
static void
setup_loop(void)
{
	ck_assert_int_eq(setenv("PCOD_WRITER_THREAD", "0", 1), 0);
	setup();
}

/* Everything synced and freed. */
static void
teardown(void)
{
	gate(0);
	batch_free(bt);
	syncer_free(sy);
	store_ckpt_close(ck);
	event_base_free(base);
	tmpstore_remove(&ts, st);
}

/* Write one account into the open batch (joining it) and defer name. */
static void
stage(const char *name)
{
	struct store_account	a;

	memset(&a, 0, sizeof(a));
	snprintf(a.account, sizeof(a.account), "%04d", ++nacct);
	ck_assert_int_eq(batch_join(bt), 0);
	ck_assert_int_eq(store_account_add(st, &a), 0);
	batch_defer(bt, record, (void *)name);
}

/* Run the loop for about ms (its events, the commit, the syncer's pipe). */
static void
spin(int ms)
{
	int	i;

	for (i = 0; i < ms; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		usleep(1000);
	}
}

/*
 * One loop pass: the pass's tail commits; with the writer thread, the loop
 * goes on until it has taken the COMMIT's outcome (5 s at most).
 */
static void
pass(void)
{
	int	i;

	spin(1);
	for (i = 0; i < 5000 && batch_closing(bt); i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		usleep(1000);
	}
	ck_assert(!batch_closing(bt));
}

/* Run the loop until n waiters ran (5 s at most). */
static void
spin_until(int n)
{
	int	i;

	for (i = 0; i < 5000 && nrecs < n; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		usleep(1000);
	}
	ck_assert_int_eq(nrecs, n);
}

START_TEST(test_no_answer_before_sync)
{
	gate(1);
	stage("A");
	pass();			/* the pass's tail: COMMIT */
	ck_assert(!store_in_txn(st));
	wait_entered(1);
	spin(150);
	ck_assert_int_eq(nrecs, 0);	/* the disk has not returned */
	/* The loop goes on: the next batch is staged and committed meanwhile. */
	stage("B");
	pass();
	ck_assert(!store_in_txn(st));
	spin(50);
	ck_assert_int_eq(nrecs, 0);
	gate(0);
	spin_until(2);
	ck_assert_str_eq(recs[0].name, "A");
	ck_assert_str_eq(recs[1].name, "B");
	ck_assert_int_eq(recs[0].ok, 1);
	ck_assert_int_eq(recs[1].ok, 1);
	ck_assert_int_ge(recs[0].synced, 1);
	ck_assert_int_ge(recs[1].synced, 1);
	ck_assert(recs[0].id < recs[1].id);
	ck_assert_int_eq(nok > 0, 1);
	ck_assert_int_eq(batch_unsynced(bt), 0);
}
END_TEST

/* On-commit callbacks run at COMMIT; waiters only after the sync. */
START_TEST(test_on_commit_at_commit)
{
	gate(1);
	stage("W");
	batch_on_commit(bt, record, "C");
	pass();
	ck_assert_int_eq(nrecs, 1);
	ck_assert_str_eq(recs[0].name, "C");
	ck_assert_int_eq(recs[0].ok, 1);
	ck_assert_int_eq(recs[0].synced, 0);
	gate(0);
	spin_until(2);
	ck_assert_str_eq(recs[1].name, "W");
	ck_assert_int_ge(recs[1].synced, 1);
}
END_TEST

/*
 * A write that fails on the writer thread (nobody waited for its answer)
 * fails its batch: on-commit callbacks learn it before the next batch
 * opens, its waiters answer "failed", nothing of it is stored, and the
 * next batch commits as usual.
 */
static const char sql_dup[] = "INSERT INTO accounts (account, key, name,"
    " created_ms, plaintext, plain_clock) VALUES (?1, '', '', 0, 0, 0)";

START_TEST(test_blind_failure_fails_batch)
{
	struct db_stmt	*dup;
	struct store_account a;
	int		 i;

	stage("A");
	pass();
	stage("B");
	batch_on_commit(bt, record, "b-undo");
	/* Account 0002 is B's own: a second row for it breaks UNIQUE. */
	dup = store_stmt_blind(st, sql_dup);
	ck_assert_ptr_nonnull(dup);
	db_bind_text(dup, 1, "0002", -1);
	ck_assert_int_eq(db_step(dup), DB_DONE);	/* queued, not run */
	db_reset(dup);
	db_clear_bindings(dup);
	batch_count(bt);
	pass();
	/* Sealed before anything else opened: the undo ran, failed. */
	for (i = 0; i < nrecs && strcmp(recs[i].name, "b-undo") != 0; i++)
		;
	ck_assert_int_lt(i, nrecs);
	ck_assert_int_eq(recs[i].ok, 0);
	ck_assert_int_ge(nfail, 1);
	stage("C");
	pass();
	spin_until(4);
	for (i = 0; i < nrecs; i++) {
		if (strcmp(recs[i].name, "B") == 0)
			ck_assert_int_eq(recs[i].ok, 0);
		else if (strcmp(recs[i].name, "b-undo") != 0)
			ck_assert_int_eq(recs[i].ok, 1);
	}
	memset(&a, 0, sizeof(a));
	/* 0 found, 1 not: B's own row went with its batch. */
	ck_assert_int_eq(store_account_get(st, "0001", &a), 0);
	ck_assert_int_eq(store_account_get(st, "0002", &a), 1);
	ck_assert_int_eq(store_account_get(st, "0003", &a), 0);
	ck_assert_ptr_nonnull(strstr(store_errmsg(st), "UNIQUE"));
}
END_TEST

/* A failed batch undoes at once, but answers after the batches before it. */
START_TEST(test_failed_batch_in_order)
{
	gate(1);
	stage("A");
	pass();
	wait_entered(1);
	stage("B");
	batch_on_commit(bt, record, "b-undo");
	batch_abort(bt);
	ck_assert_int_eq(nrecs, 1);
	ck_assert_str_eq(recs[0].name, "b-undo");
	ck_assert_int_eq(recs[0].ok, 0);
	ck_assert_int_eq(nfail, 1);
	spin(50);
	ck_assert_int_eq(nrecs, 1);
	gate(0);
	spin_until(3);
	ck_assert_str_eq(recs[1].name, "A");
	ck_assert_int_eq(recs[1].ok, 1);
	ck_assert_str_eq(recs[2].name, "B");
	ck_assert_int_eq(recs[2].ok, 0);
}
END_TEST

/* With no batch open, a waiter waits for the last commit's sync. */
START_TEST(test_defer_none_open)
{
	gate(1);
	stage("A");
	pass();
	wait_entered(1);
	/* A retransmission's answer: its original is committed, not synced. */
	batch_defer(bt, record, "dup");
	spin(50);
	ck_assert_int_eq(nrecs, 0);
	gate(0);
	spin_until(2);
	ck_assert_str_eq(recs[1].name, "dup");
	ck_assert_int_eq(recs[1].ok, 1);
	/* Everything is durable: at once. */
	batch_defer(bt, record, "now");
	ck_assert_int_eq(nrecs, 3);
}
END_TEST

/* A plain SIA frame from account 1234 with sequence seq and data. */
static int
frame(const char *seq, const char *data, char *buf, size_t cap)
{
	struct dc09_out	o;

	memset(&o, 0, sizeof(o));
	o.token = "SIA-DCS";
	o.seq = seq;
	o.acct = "1234";
	o.data = data;
	o.with_time = 1;
	o.time = time(NULL);
	o.pad = '0';
	return dc09_build(&o, buf, cap);
}

/* Hand one frame to ingest; its answer. */
static void
feed(struct ingest *ig, const char *seq, const char *data,
    struct ingest_answer *a)
{
	struct ingest_peer	peer = { "tcp", "127.0.0.1:1", 1 };
	char			buf[256];
	int			len = frame(seq, data, buf, sizeof(buf));

	ck_assert_int_gt(len, 0);
	memset(a, 0, sizeof(*a));
	ingest_frame(ig, buf, (size_t)len, &peer, a);
}

/* A configuration for an ingest over the test store. */
static struct config *
ingest_config(void)
{
	struct config	*cfg;
	char		 path[192], err[256];
	FILE		*fp;

	snprintf(path, sizeof(path), "%s/pcod.conf", ts.dir);
	ck_assert((fp = fopen(path, "w")) != NULL);
	fprintf(fp, "database \"%s\"\ncontrol \"%s/s.sock\"\n"
	    "listen tcp 127.0.0.1:7000\n", ts.path, ts.dir);
	fclose(fp);
	cfg = config_load(path, err, sizeof(err));
	ck_assert_msg(cfg != NULL, "%s", err);
	return cfg;
}

/*
 * The retransmission keys of a batch that failed while the one before it
 * was still syncing are forgotten with it: the panel's resend of that frame
 * is stored, not ACKed as a duplicate of nothing.
 */
START_TEST(test_failed_batch_keys_forgotten)
{
	struct acct_table	*at = acct_table_new();
	struct config		*cfg;
	struct ingest		*ig;
	struct ingest_answer	 a;

	cfg = ingest_config();
	ig = ingest_new(st, bt, at, cfg);
	gate(1);
	feed(ig, "0001", "#1234|NBA01", &a);
	ck_assert_int_eq(a.events, 1);
	pass();			/* batch N commits, its sync hangs */
	wait_entered(1);
	feed(ig, "0002", "#1234|NBA02", &a);	/* batch N+1 ... */
	ck_assert_int_eq(a.events, 1);
	batch_abort(bt);		/* ... fails */
	gate(0);
	spin(100);
	feed(ig, "0002", "#1234|NBA02", &a);	/* the panel sends it again */
	ck_assert_msg(a.events == 1, "the resend was taken for a duplicate");
	spin(100);
	feed(ig, "0002", "#1234|NBA02", &a);	/* now it is one */
	ck_assert_int_eq(a.events, 0);
	ingest_free(ig);
	config_free(cfg);
	acct_table_free(at);
}
END_TEST

/*
 * The same with memory at its ceiling (PCOD_TEST_SEEN_MAX=1, h-retx): the
 * failed batch's frame was written with retx = 1 and rolled back with it;
 * the resend is stored, and from then on the store (frames_retx) knows it.
 */
START_TEST(test_failed_batch_retx)
{
	struct acct_table	*at = acct_table_new();
	struct config		*cfg;
	struct ingest		*ig;
	struct ingest_answer	 a;

	cfg = ingest_config();
	ck_assert_int_eq(setenv("PCOD_TEST_SEEN_MAX", "1", 1), 0);
	ig = ingest_new(st, bt, at, cfg);
	unsetenv("PCOD_TEST_SEEN_MAX");
	gate(1);
	feed(ig, "0001", "#1234|NBA01", &a);	/* held: memory is full now */
	ck_assert_int_eq(a.events, 1);
	pass();			/* batch N commits, its sync hangs */
	wait_entered(1);
	feed(ig, "0002", "#1234|NBA02", &a);	/* batch N+1, retx = 1 ... */
	ck_assert_int_eq(a.events, 1);
	feed(ig, "0002", "#1234|NBA02", &a);	/* its resend in the same batch */
	ck_assert_int_eq(a.events, 0);
	batch_abort(bt);		/* ... fails */
	gate(0);
	spin(100);
	feed(ig, "0002", "#1234|NBA02", &a);	/* the panel sends it again */
	ck_assert_msg(a.events == 1, "the resend was taken for a duplicate");
	spin(100);
	feed(ig, "0002", "#1234|NBA02", &a);	/* now it is one, in the store */
	ck_assert_int_eq(a.events, 0);
	feed(ig, "0001", "#1234|NBA01", &a);	/* and the held one, in memory */
	ck_assert_int_eq(a.events, 0);
	feed(ig, "0002", "#1234|NBA03", &a);	/* same seq, other content */
	ck_assert_int_eq(a.events, 1);
	spin(100);
	ingest_free(ig);
	config_free(cfg);
	acct_table_free(at);
}
END_TEST

/* Open the gate after 200 ms, from another thread. */
static void *
opener(void *arg)
{
	usleep(200000);
	gate(0);
	return NULL;
}

/* batch_flush (shutdown) commits, waits for the sync and answers. */
START_TEST(test_flush_waits)
{
	pthread_t	t;

	gate(1);
	stage("A");
	ck_assert_int_eq(pthread_create(&t, NULL, opener, NULL), 0);
	ck_assert_int_eq(batch_flush(bt), 0);
	ck_assert_int_eq(nrecs, 1);
	ck_assert_int_ge(recs[0].synced, 1);
	pthread_join(t, NULL);
}
END_TEST

/* A waiter that runs although it must not. */
static void
must_not_run(int ok, void *arg)
{
	_exit(3);
}

/* A failed sync answers nothing and exits 1 (fatalx). */
START_TEST(test_sync_eio_exits)
{
	struct store_account	a;

	log_init(1, LOG_LVL_WARN);
	gate_eio = 1;
	memset(&a, 0, sizeof(a));
	snprintf(a.account, sizeof(a.account), "EIO1");
	ck_assert_int_eq(batch_join(bt), 0);
	ck_assert_int_eq(store_account_add(st, &a), 0);
	batch_defer(bt, must_not_run, NULL);
	spin(3000);
	ck_abort_msg("still running after a failed sync");
}
END_TEST

/* A sync past the limit is trouble; it ends when a sync is fast again. */
START_TEST(test_slow_sync_trouble)
{
	batch_set_slow_ms(bt, 100);
	gate(1);
	stage("A");
	pass();
	wait_entered(1);
	spin(400);
	ck_assert_int_eq(nfail, 1);
	ck_assert_ptr_nonnull(strstr(lastwhy, "the disk is slow"));
	ck_assert_int_eq(lastkind, BATCH_SLOW);
	ck_assert_int_eq(nrecs, 0);
	gate(0);
	spin_until(1);
	/* That sync was slow: no recovery yet. */
	ck_assert_int_eq(nok, 0);
	stage("B");
	spin_until(2);
	ck_assert_int_eq(nok, 1);
	ck_assert_int_eq(nfail, 1);
}
END_TEST

/* A hung disk: past the backlog, new batches fail instead of piling up. */
START_TEST(test_backlog_refused)
{
	batch_set_backlog_max(bt, 2);
	gate(1);
	stage("A");
	batch_count(bt);
	stage("B");
	batch_count(bt);
	pass();
	wait_entered(1);
	ck_assert_int_eq(batch_join(bt), -1);
	ck_assert_int_eq(nfail, 1);
	ck_assert_ptr_nonnull(strstr(lastwhy, "new writes are refused"));
	ck_assert_int_eq(lastkind, BATCH_FAILED);
	ck_assert_int_eq(batch_join(bt), -1);	/* same pass: told once */
	ck_assert_int_eq(nfail, 1);
	ck_assert(!store_in_txn(st));
	gate(0);
	spin_until(2);
	ck_assert_int_eq(batch_join(bt), 0);	/* the disk caught up */
	ck_assert_int_eq(batch_flush(bt), 0);
}
END_TEST

/* Without a syncer, the COMMIT is durable: waiters run at once. */
START_TEST(test_plain_batch)
{
	struct batch		*b2 = batch_new(base, st, 1000);
	struct store_account	 a;

	memset(&a, 0, sizeof(a));
	snprintf(a.account, sizeof(a.account), "PLN1");
	ck_assert_int_eq(batch_join(b2), 0);
	ck_assert_int_eq(store_account_add(st, &a), 0);
	batch_defer(b2, record, "P");
	ck_assert_int_eq(batch_unsynced(b2), 0);
	ck_assert_int_eq(batch_flush(b2), 0);
	ck_assert_int_eq(nrecs, 1);
	ck_assert_int_eq(recs[0].ok, 1);
	batch_free(b2);
}
END_TEST

/* The pipeline's tests, with or without the writer thread (fixture). */
static TCase *
batch_tcase(const char *name, void (*fixture)(void))
{
	TCase	*tc = tcase_create(name);

	tcase_add_checked_fixture(tc, fixture, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_no_answer_before_sync);
	tcase_add_test(tc, test_on_commit_at_commit);
	tcase_add_test(tc, test_failed_batch_in_order);
	tcase_add_test(tc, test_defer_none_open);
	tcase_add_test(tc, test_failed_batch_keys_forgotten);
	tcase_add_test(tc, test_failed_batch_retx);
	tcase_add_test(tc, test_flush_waits);
	tcase_add_exit_test(tc, test_sync_eio_exits, 1);
	tcase_add_test(tc, test_slow_sync_trouble);
	tcase_add_test(tc, test_backlog_refused);
	tcase_add_test(tc, test_plain_batch);
	return tc;
}

static Suite *
batch_suite(void)
{
	Suite	*s = suite_create("batch");
	TCase	*tc;

	tc = batch_tcase("pipeline-thread", setup_thread);
	tcase_add_test(tc, test_blind_failure_fails_batch);
	suite_add_tcase(s, tc);
	tc = batch_tcase("pipeline-staged", setup_staged);
	tcase_add_test(tc, test_blind_failure_fails_batch);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, batch_tcase("pipeline-loop", setup_loop));
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(batch_suite());
	int	 nf;

	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
