/*
 * retention.c - the purge on the loop: small steps inside the normal
 * batches, so a large purge never delays a panel's commit noticeably.
 *
 * A round walks every kind with a retention period from its oldest rows
 * (store_retention.c says what may go and in which order).  Each step
 * joins the open batch (the frames read in the same loop pass commit with
 * it), takes a savepoint, purges a budget of rows per kind (adapted so a
 * step takes about RETENTION_TARGET_US, at most RETENTION_STEP_ROWS) and
 * releases it; a step that fails is undone alone and never fails the
 * panels' batch.  While a round has work a step runs every
 * RETENTION_BUSY_MS; a finished round is logged and recorded in the audit
 * log (retention.purge, when it purged anything) and waits RETENTION_IDLE_S
 * for the next.
 * No period configured: no timer at all.  What a step purged is counted
 * once its batch has committed.
 */
#include "config.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>

#include "actor.h"
#include "audit.h"
#include "batch.h"
#include "clock.h"
#include "conf.h"
#include "log.h"
#include "patrol_run.h"
#include "retention.h"
#include "store.h"
#include "xmalloc.h"

#define RETENTION_BUSY_MS	50	/* between steps while a round has work */
#define RETENTION_FIRST_ROWS	32
#define RETENTION_IDLE_S	3600	/* between rounds: periods are days */
#define RETENTION_FIRST_S	5	/* after start-up */
#define RETENTION_RETRY_S	60	/* after a failed step */
#define DAY_MS			(86400LL * 1000)
#define HOUR_MS			(3600LL * 1000)
/* The longest shift whose scans a restart may judge again, past the lookback. */
#define RETENTION_SHIFT_H	48
/* Frames stay this much past the duplicate window, for a clock's jitter. */
#define RETENTION_WINDOW_SLACK_MS	(3600LL * 1000)

struct retention {
	struct event_base	*base;
	struct store		*store;		/* not owned */
	struct batch		*batch;		/* not owned */
	const struct config	*cfg;		/* not owned; swapped on SIGHUP */
	struct event		*timer;		/* owned */
	struct retention_cursor	 cursor;	/* this round's progress */
	struct retention_counts	 total;		/* committed since start */
	struct retention_counts	 round;		/* this round, committed */
	uint64_t		 rounds, steps, errors;
	int64_t			 last_round_ms;	/* when the last round ended; 0 none */
	int64_t			 step_max_us;	/* the longest step's SQL */
	int64_t			 floor_us;	/* this round's quickest step; 0 none */
	int			 budget;	/* rows per kind and step, adapted */
	int			 running;	/* a round is under way */
	int			 ending;	/* its last step waits for its commit */
	char			 last_error[160];
};

/* A step's counts, waiting for its batch's commit. */
struct retention_step {
	struct retention	*r;
	struct retention_counts	 n;
};

static void	retention_arm(struct retention *, int64_t ms);

/* Monotonic microseconds, to time the steps. */
static int64_t
mono_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Add b's counts to a. */
static void
counts_add(struct retention_counts *a, const struct retention_counts *b)
{
	a->frames += b->frames;
	a->events += b->events;
	a->alarms += b->alarms;
	a->alarm_links += b->alarm_links;
	a->alarm_parts += b->alarm_parts;
	a->checkins += b->checkins;
	a->findings += b->findings;
	a->audit += b->audit;
}

/* The rows counted, all kinds together. */
static int64_t
counts_sum(const struct retention_counts *n)
{
	return n->frames + n->events + n->alarms + n->alarm_links +
	    n->alarm_parts + n->checkins + n->findings + n->audit;
}

/* The per-kind counts as a new object. */
json_t *
retention_counts_json(const struct retention_counts *n)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "frames", (json_int_t)n->frames, "events", (json_int_t)n->events,
	    "alarms", (json_int_t)n->alarms,
	    "alarm_links", (json_int_t)n->alarm_links,
	    "alarm_parts", (json_int_t)n->alarm_parts,
	    "checkins", (json_int_t)n->checkins,
	    "findings", (json_int_t)n->findings, "audit", (json_int_t)n->audit);
}

/* now_ms less days, or 0 (keep) when days is 0. */
static int64_t
cut_of(int64_t now_ms, int days)
{
	return days > 0 ? now_ms - days * DAY_MS : 0;
}

/* The cuts the configuration gives at now_ms. */
void
retention_cuts(const struct config *cfg, int64_t now_ms,
    struct retention_cut *out)
{
	int64_t	window;

	memset(out, 0, sizeof(*out));
	out->events_ms = cut_of(now_ms, cfg->retention[RETAIN_EVENTS]);
	out->alarms_ms = cut_of(now_ms, cfg->retention[RETAIN_ALARMS]);
	out->patrol_ms = cut_of(now_ms, cfg->retention[RETAIN_PATROL]);
	out->audit_ms = cut_of(now_ms, cfg->retention[RETAIN_AUDIT]);
	out->frames_ms = out->events_ms;
	/* A retransmission must still find its original (seen.c, store_seen.c). */
	window = now_ms - (int64_t)cfg->duplicate_window * 1000 -
	    RETENTION_WINDOW_SLACK_MS;
	if (out->frames_ms > window)
		out->frames_ms = window;
	/* A restart judges the shifts of the lookback again from the scans. */
	window = now_ms - (PATROL_RUN_LOOKBACK_H + RETENTION_SHIFT_H) * HOUR_MS;
	if (out->patrol_ms > window)
		out->patrol_ms = window;
}

/* Whether any kind has a period. */
static int
retention_enabled(const struct config *cfg)
{
	int	k;

	for (k = 0; k < RETAIN_NKINDS; k++)
		if (cfg->retention[k] > 0)
			return 1;
	return 0;
}

/* The step's batch decided: count what it purged if it committed. */
static void
retention_step_done(int ok, void *arg)
{
	struct retention_step	*st = arg;
	struct retention	*r = st->r;

	if (ok) {
		counts_add(&r->total, &st->n);
		counts_add(&r->round, &st->n);
	} else {
		/*
		 * The step's deletions were rolled back but the cursor had moved
		 * past them: start the walk over, or they would wait a round.
		 */
		r->errors++;
		memset(&r->cursor, 0, sizeof(r->cursor));
	}
	free(st);
}

/* Record a round's purge in the audit log (pcod's own change). */
static void
retention_audit(struct retention *r)
{
	json_t	*d = retention_counts_json(&r->round);
	int	 rc = -1;

	if (batch_join(r->batch) == 0 && store_savepoint(r->store) == 0) {
		rc = store_audit_add(r->store, &actor_pcod, "retention.purge",
		    "database", "", NULL, d);
		if (rc != 0 || store_release(r->store) != 0) {
			store_rollback_savepoint(r->store);
			rc = -1;
		}
	}
	if (rc != 0)
		log_warnx("retention: cannot record the purge in the audit "
		    "log: %s", store_errmsg(r->store));
	json_decref(d);
}

/*
 * The round is over and its last step has committed: log and audit what
 * it purged, and wait for the next.
 */
static void
retention_round_end(struct retention *r)
{
	r->running = 0;
	r->ending = 0;
	r->rounds++;
	r->last_round_ms = clock_now_ms();
	memset(&r->cursor, 0, sizeof(r->cursor));
	r->floor_us = 0;
	if (counts_sum(&r->round) > 0) {
		log_info("retention: purged %" PRId64 " frame(s), %" PRId64
		    " event(s), %" PRId64 " closed alarm(s), %" PRId64
		    " patrol row(s), %" PRId64 " audit row(s)", r->round.frames,
		    r->round.events, r->round.alarms,
		    r->round.checkins + r->round.findings, r->round.audit);
		retention_audit(r);
	}
	memset(&r->round, 0, sizeof(r->round));
}

/* Keep a failed step's reason; logged when it is new. */
static void
retention_failed(struct retention *r, const char *why)
{
	r->errors++;
	if (strcmp(r->last_error, why) != 0)
		log_warnx("retention: purge step failed (retried): %s", why);
	snprintf(r->last_error, sizeof(r->last_error), "%s", why);
}

/*
 * The next step's budget from this one's time: halved when it took longer
 * than the target (a slow disk, a cold cache), grown slowly while it is
 * well under, within RETENTION_MIN_ROWS and RETENTION_STEP_ROWS.  The
 * time counted is what the step took beyond the round's quickest step:
 * on PostgreSQL every statement is a round trip the loop waits for,
 * whatever its rows, and judged on its whole time a step stayed at
 * RETENTION_MIN_ROWS, so that a purge of 10,000 events took 1,250 steps
 * and a minute (tests/bench/PLAN.md, ninth session).
 */
int
retention_budget_next(int budget, int64_t us, int64_t *floor_us)
{
	if (*floor_us == 0 || us < *floor_us)
		*floor_us = us;
	us -= *floor_us;
	if (us > RETENTION_TARGET_US)
		budget /= 2;
	else if (us < RETENTION_TARGET_US / 2)
		budget += budget / 4 + 1;
	if (budget < RETENTION_MIN_ROWS)
		budget = RETENTION_MIN_ROWS;
	if (budget > RETENTION_STEP_ROWS)
		budget = RETENTION_STEP_ROWS;
	return budget;
}

/* One step in the open batch; 1 more to do, 0 round done, -1 failed. */
static int
retention_step(struct retention *r)
{
	struct retention_step	*st;
	struct retention_cut	 cut;
	int64_t			 t0, us;
	int			 rc;

	if (batch_join(r->batch) != 0)
		return -1;
	if (store_savepoint(r->store) != 0) {
		retention_failed(r, store_errmsg(r->store));
		return -1;
	}
	st = xcalloc(1, sizeof(*st));
	st->r = r;
	retention_cuts(r->cfg, clock_now_ms(), &cut);
	t0 = mono_us();
	rc = store_retention_step(r->store, &cut, &r->cursor, r->budget,
	    &st->n);
	if (rc < 0 || store_release(r->store) != 0) {
		retention_failed(r, store_errmsg(r->store));
		store_rollback_savepoint(r->store);
		free(st);
		return -1;
	}
	us = mono_us() - t0;
	if (us > r->step_max_us)
		r->step_max_us = us;
	r->budget = retention_budget_next(r->budget, us, &r->floor_us);
	log_debug("retention: step of %" PRId64 " rows in %" PRId64 " us, "
	    "next %d per kind", counts_sum(&st->n), us, r->budget);
	r->steps++;
	r->last_error[0] = '\0';
	batch_on_commit(r->batch, retention_step_done, st);
	return rc;
}

/* The timer: one step, then the next one soon, or the next round later. */
static void
retention_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct retention	*r = arg;
	int			 rc;

	if (r->ending) {
		retention_round_end(r);
		retention_arm(r, RETENTION_IDLE_S * 1000LL);
		return;
	}
	if (!retention_enabled(r->cfg))
		return;
	r->running = 1;
	rc = retention_step(r);
	/* The last step's counts arrive with its commit: end at the next tick. */
	if (rc == 0)
		r->ending = 1;
	/* A failed step is retried later, from where it was. */
	retention_arm(r, rc >= 0 ? RETENTION_BUSY_MS : RETENTION_RETRY_S * 1000LL);
}

/* Run the timer again in ms milliseconds. */
static void
retention_arm(struct retention *r, int64_t ms)
{
	struct timeval	tv;

	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(r->timer, &tv);
}

struct retention *
retention_new(struct event_base *base, struct store *store,
    struct batch *batch, const struct config *cfg)
{
	struct retention	*r = xcalloc(1, sizeof(*r));
	struct timeval		 tv = { RETENTION_FIRST_S, 0 };

	r->base = base;
	r->store = store;
	r->batch = batch;
	r->cfg = cfg;
	r->budget = RETENTION_FIRST_ROWS;
	if ((r->timer = evtimer_new(base, retention_timer_cb, r)) == NULL)
		fatalx("retention: cannot create the timer");
	if (retention_enabled(cfg))
		evtimer_add(r->timer, &tv);
	return r;
}

void
retention_free(struct retention *r)
{
	if (r == NULL)
		return;
	event_free(r->timer);
	free(r);
}

/* A new configuration: changed periods start a round soon. */
void
retention_set_config(struct retention *r, const struct config *cfg)
{
	struct timeval	tv = { RETENTION_FIRST_S, 0 };
	int		changed;

	changed = memcmp(r->cfg->retention, cfg->retention,
	    sizeof(cfg->retention)) != 0;
	r->cfg = cfg;
	if (!retention_enabled(cfg) || r->running || r->ending)
		return;
	if (changed || !evtimer_pending(r->timer, NULL))
		evtimer_add(r->timer, &tv);
}

/* The periods configured, in days (0: kept forever). */
static json_t *
retention_periods(const struct config *cfg)
{
	json_t	*o = json_object();
	int	 k;

	for (k = 0; k < RETAIN_NKINDS; k++)
		json_object_set_new(o, config_retention_name(k),
		    json_integer(cfg->retention[k]));
	return o;
}

/* For status: the periods, the progress, the counts. */
json_t *
retention_status(const struct retention *r)
{
	json_t	*o;

	o = json_pack("{s:o, s:b, s:I, s:I, s:I, s:I, s:I, s:o}",
	    "days", retention_periods(r->cfg), "running", r->running,
	    "rounds", (json_int_t)r->rounds, "steps", (json_int_t)r->steps,
	    "errors", (json_int_t)r->errors,
	    "step_max_us", (json_int_t)r->step_max_us,
	    "step_rows", (json_int_t)r->budget,
	    "purged", retention_counts_json(&r->total));
	if (o == NULL)
		return NULL;
	if (r->last_round_ms > 0)
		json_object_set_new(o, "last_round_ms",
		    json_integer(r->last_round_ms));
	if (r->last_error[0] != '\0')
		json_object_set_new(o, "last_error",
		    json_string(r->last_error));
	return o;
}
