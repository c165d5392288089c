/*
 * trouble.c - pcod's own trouble with its database, told right: one log line
 * and one "system" notice when writes start failing and one when they work
 * again, a summary with counts at most every TROUBLE_SUMMARY_MS while they
 * fail, and the episode put on record as a system alarm once writes work.
 * A failing batch costs a counter here, never a line or a notice of its own.
 * A slow disk (a sync past database-sync-limit) is the milder kind: answers
 * are held, nothing is refused; told and recorded once in the same way, and
 * over when a sync is fast again.  A failure during a slow episode turns it
 * into a failing one.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>

#include "alarm.h"
#include "batch.h"
#include "clock.h"
#include "cmd.h"
#include "control.h"
#include "log.h"
#include "stats.h"
#include "store.h"
#include "trouble.h"
#include "xmalloc.h"

/* While writes fail, a summary (log line and notice) at most this often. */
#define TROUBLE_SUMMARY_MS	5000
/* Try to put the trouble on record, and check for a summary, this often. */
#define TROUBLE_PROBE_SEC	1

struct trouble {
	struct batch		*batch;		/* not owned */
	struct store		*store;		/* not owned */
	struct alarm_engine	*alarms;	/* not owned */
	struct control		*control;	/* not owned; NULL: nobody to tell */
	struct event		*probe;		/* owned */
	int			 failing;	/* the last batch failed */
	int			 slow;		/* a sync ran too long; not failing */
	int64_t			 since_ms;	/* first failure of this episode */
	uint64_t		 failures;	/* failed batches in this episode */
	uint64_t		 naks0;		/* pcod_stats.naks when it began */
	int64_t			 rep_ms;	/* last report (start or summary) */
	uint64_t		 rep_failures;	/* failures at that report */
	uint64_t		 rep_naks;
	char			 why[160];	/* the last failure's message */
	int64_t			 rec_since_ms;	/* failures not on record since; 0 none */
	uint64_t		 rec_failures;	/* how many */
	int			 recording;	/* the alarm's batch is open */
};

static void	trouble_summary(struct trouble *, int64_t now);

/* NAKs sent since the episode began. */
static uint64_t
trouble_naks(const struct trouble *t)
{
	return pcod_stats.naks - t->naks0;
}

/* Tell subscribed consoles (topic "system") the state of the store. */
static void
trouble_notify(struct trouble *t, const char *state, int summary,
    const char *msg)
{
	json_t	*o;
	char	 since[40], now[40];

	if (t->control == NULL)
		return;
	control_time_format(t->since_ms, 1, since, sizeof(since));
	control_time_format(clock_now_ms(), 1, now, sizeof(now));
	o = json_pack("{s:s,s:s,s:b,s:s,s:s,s:I,s:I,s:s}", "kind", "storage",
	    "state", state, "summary", summary, "since", since, "at", now,
	    "failures", (json_int_t)t->failures, "naks",
	    (json_int_t)trouble_naks(t), "message", msg);
	control_publish(t->control, "system", o);
	json_decref(o);
}

/* Remember what was reported, for the next summary. */
static void
trouble_reported(struct trouble *t, int64_t now)
{
	t->rep_ms = now;
	t->rep_failures = t->failures;
	t->rep_naks = trouble_naks(t);
}

/* Run the probe timer (idempotent). */
static void
trouble_arm(struct trouble *t)
{
	struct timeval	tv = { TROUBLE_PROBE_SEC, 0 };

	if (!evtimer_pending(t->probe, NULL))
		evtimer_add(t->probe, &tv);
}

/* A batch failed: start an episode (told at once), or count it. */
void
trouble_storage_failed(struct trouble *t, const char *why)
{
	int64_t	now = clock_now_ms();

	snprintf(t->why, sizeof(t->why), "%s", why);
	if (t->rec_since_ms == 0)
		t->rec_since_ms = now;
	t->rec_failures++;
	t->slow = 0;
	if (t->failing) {
		t->failures++;
		trouble_summary(t, now);
		return;
	}
	t->failing = 1;
	t->since_ms = now;
	t->failures = 1;
	t->naks0 = pcod_stats.naks;
	log_errx("store: writes failing, panels get NAK and console changes "
	    "are refused until they work again: %s", why);
	trouble_notify(t, "failing", 0, why);
	trouble_reported(t, now);
	trouble_arm(t);
}

/* A sync ran past the limit: start a slow episode (told at once), unless one runs. */
void
trouble_storage_slow(struct trouble *t, const char *why)
{
	int64_t	now = clock_now_ms();

	if (t->failing || t->slow)
		return;
	snprintf(t->why, sizeof(t->why), "%s", why);
	if (t->rec_since_ms == 0)
		t->rec_since_ms = now;
	t->slow = 1;
	t->since_ms = now;
	t->failures = 0;
	t->naks0 = pcod_stats.naks;
	log_warnx("store: the disk is slow, answers to panels and consoles "
	    "are held (not refused) until it catches up: %s", why);
	trouble_notify(t, "slow", 0, why);
	trouble_reported(t, now);
	trouble_arm(t);
}

/* A batch committed and synced in time: the episode, if any, is over. */
void
trouble_storage_ok(struct trouble *t)
{
	char	msg[160];

	if (t->slow) {
		t->slow = 0;
		snprintf(msg, sizeof(msg), "the disk caught up after %lld s",
		    (long long)((clock_now_ms() - t->since_ms) / 1000));
		log_warnx("store: %s", msg);
		trouble_notify(t, "ok", 0, msg);
		return;
	}
	if (!t->failing)
		return;
	t->failing = 0;
	snprintf(msg, sizeof(msg), "writes work again after %lld s: %llu "
	    "batch(es) failed, %llu NAK(s) sent",
	    (long long)((clock_now_ms() - t->since_ms) / 1000),
	    (unsigned long long)t->failures,
	    (unsigned long long)trouble_naks(t));
	log_warnx("store: %s", msg);
	trouble_notify(t, "ok", 0, msg);
}

/* While failing: one summary line and notice, if there is news and it is time. */
static void
trouble_summary(struct trouble *t, int64_t now)
{
	char	msg[320];

	if (!t->failing || now - t->rep_ms < TROUBLE_SUMMARY_MS ||
	    t->failures == t->rep_failures)
		return;
	snprintf(msg, sizeof(msg), "still failing after %lld s: %llu more "
	    "batch(es) failed, %llu more NAK(s) sent in the last %lld s: %s",
	    (long long)((now - t->since_ms) / 1000),
	    (unsigned long long)(t->failures - t->rep_failures),
	    (unsigned long long)(trouble_naks(t) - t->rep_naks),
	    (long long)((now - t->rep_ms) / 1000), t->why);
	log_errx("store: %s", msg);
	trouble_notify(t, "failing", 1, msg);
	trouble_reported(t, now);
}

/* The system alarm's batch is decided. */
static void
trouble_recorded(int ok, void *arg)
{
	struct trouble	*t = arg;

	t->recording = 0;
	if (!ok) {
		trouble_arm(t);
		return;
	}
	log_info("store: the storage trouble is on record as a system alarm");
	t->rec_since_ms = 0;
	t->rec_failures = 0;
}

/* Raise (or stack on) the storage alarm in the batch, in a savepoint.  0 or -1. */
static int
trouble_record(struct trouble *t)
{
	char	when[40], text[320];

	if (batch_join(t->batch) == -1 || store_savepoint(t->store) == -1)
		return -1;
	control_time_format(t->rec_since_ms, 0, when, sizeof(when));
	if (t->rec_failures == 0)
		snprintf(text, sizeof(text), "Database disk slow since %s "
		    "(answers to panels were held, none refused): %s", when,
		    t->why);
	else
		snprintf(text, sizeof(text), "Database refused writes since %s "
		    "(%llu failed batches; panels were NAKed): %s", when,
		    (unsigned long long)t->rec_failures, t->why);
	if (alarm_raise_system(t->alarms, "storage", text) == -1) {
		store_rollback_savepoint(t->store);
		return -1;
	}
	return store_release(t->store);
}

/* The probe: a summary when due, and another try to record the trouble. */
static void
trouble_probe_cb(evutil_socket_t fd, short what, void *arg)
{
	struct trouble	*t = arg;

	trouble_summary(t, clock_now_ms());
	if (t->rec_since_ms == 0 || t->recording) {
		if (t->failing)
			trouble_arm(t);
		return;
	}
	if (t->alarms == NULL || trouble_record(t) == -1) {
		trouble_arm(t);
		return;
	}
	t->recording = 1;
	batch_defer(t->batch, trouble_recorded, t);
}

/* The batch's fail hook. */
static void
trouble_fail_hook(enum batch_trouble kind, const char *why, void *arg)
{
	if (kind == BATCH_SLOW)
		trouble_storage_slow(arg, why);
	else
		trouble_storage_failed(arg, why);
}

/* The batch's ok hook. */
static void
trouble_ok_hook(void *arg)
{
	trouble_storage_ok(arg);
}

/* Watch batch's outcomes; tell control's consoles; record with alarms. */
struct trouble *
trouble_new(struct event_base *base, struct batch *batch, struct store *store,
    struct alarm_engine *alarms, struct control *control)
{
	struct trouble	*t;

	t = xcalloc(1, sizeof(*t));
	t->batch = batch;
	t->store = store;
	t->alarms = alarms;
	t->control = control;
	if ((t->probe = evtimer_new(base, trouble_probe_cb, t)) == NULL)
		fatalx("trouble: evtimer_new failed");
	batch_set_fail_hook(batch, trouble_fail_hook, t);
	batch_set_ok_hook(batch, trouble_ok_hook, t);
	return t;
}

/* Stop watching and free t. */
void
trouble_free(struct trouble *t)
{
	if (t == NULL)
		return;
	/* The batch's waiter list points at us. */
	if (t->recording)
		batch_flush(t->batch);
	batch_set_fail_hook(t->batch, NULL, NULL);
	batch_set_ok_hook(t->batch, NULL, NULL);
	event_free(t->probe);
	free(t);
}

/* 1 while the last batch failed. */
int
trouble_storage_failing(const struct trouble *t)
{
	return t != NULL && t->failing;
}

/* {state, since, failures, naks, message} for status; state "ok" alone when fine. */
json_t *
trouble_storage_json(const struct trouble *t)
{
	char	since[40];

	if (t != NULL && t->slow) {
		control_time_format(t->since_ms, 1, since, sizeof(since));
		return json_pack("{s:s,s:s,s:s,s:b}", "state", "slow", "since",
		    since, "message", t->why, "unrecorded",
		    t->rec_since_ms != 0);
	}
	if (t == NULL || !t->failing)
		return json_pack("{s:s,s:b}", "state", "ok", "unrecorded",
		    t != NULL && t->rec_since_ms != 0);
	control_time_format(t->since_ms, 1, since, sizeof(since));
	return json_pack("{s:s,s:s,s:I,s:I,s:s,s:b}", "state", "failing",
	    "since", since, "failures", (json_int_t)t->failures, "naks",
	    (json_int_t)trouble_naks(t), "message", t->why, "unrecorded", 1);
}
