/* supervise.c - per-account reporting deadlines: a silent account raises a communication-failure alarm. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>

#include "alarm.h"
#include "batch.h"
#include "clock.h"
#include "conf.h"
#include "log.h"
#include "store.h"
#include "supervise.h"
#include "xmalloc.h"

/* last_seen is written at most once per min(interval / 4, this) per account. */
#define SUP_PERSIST_MAX_MS	60000
#define SUP_PERSIST_MIN_MS	1000
/* Alarms raised per tick at most, so a mass silence cannot stall the loop. */
#define SUP_RAISE_PER_TICK	500
#define SUP_NBUCKET		256
#define SUP_NPRESETS		(nitems(sup_builtin) + CONFIG_MAX_PRESETS)

#ifndef nitems
#define nitems(a)		(sizeof(a) / sizeof((a)[0]))
#endif

enum sup_state {
	SUP_OK = 0,	/* reporting (or never alarmed) */
	SUP_SILENT,	/* its communication-failure alarm is raised */
	SUP_UNKNOWN	/* loaded at start: an alarm raised before may still be open */
};

struct sup_acct {
	char		 account[17];
	int64_t		 site_id;	/* 0: none */
	int		 interval_s;	/* 0: not supervised */
	int64_t		 last_seen_ms;	/* last sign of life; 0 never */
	int64_t		 since_ms;	/* the deadline counts from here at the earliest */
	int64_t		 saved_ms;	/* last_seen_ms as last written to the store */
	int64_t		 saved_at_ms;	/* when that write was made */
	int64_t		 again_ms;	/* alarm closed while silent: raise again then */
	enum sup_state	 state;
	int		 pending;	/* changed in the open batch */
	enum sup_state	 undo_state;	/* to go back to if that batch fails */
	int64_t		 undo_saved_ms;
	struct sup_acct	*next;		/* bucket chain; owned */
	struct sup_acct	*pnext;		/* pending list; not owned */
};

struct supervisor {
	struct store		 *store;	/* not owned */
	struct batch		 *batch;	/* not owned */
	struct event_base	 *base;		/* not owned */
	const struct config	 *cfg;		/* not owned; swapped on SIGHUP */
	struct supervise_sink	  sink;
	struct event		 *timer;	/* owned; NULL before start */
	int64_t			  start_ms;	/* 0 before supervise_start() */
	struct sup_acct		**bucket;	/* owned, with the entries */
	size_t			  nbucket;	/* power of two */
	size_t			  count;
	struct sup_acct		 *pending;	/* entries changed in the open batch */
	int			  deferred;	/* our commit callback is queued */
	struct alarm_engine	 *engine;	/* not owned; tells us of closed alarms */
};

/*
 * EN 50136-1:2012 ATS categories, reporting time of the (primary) path.
 * Dual-path categories also bound the secondary path (25 h for DP2-DP4);
 * give that path its own account and interval.
 */
static const struct supervision_preset sup_builtin[] = {
	{ "SP1", 32 * 86400 },
	{ "SP2", 25 * 3600 },
	{ "SP3", 30 * 60 },
	{ "SP4", 3 * 60 },
	{ "SP5", 90 },
	{ "SP6", 20 },
	{ "DP1", 25 * 3600 },
	{ "DP2", 30 * 60 },
	{ "DP3", 3 * 60 },
	{ "DP4", 90 },
};

/* The engine as the default sink. */
static int
sup_engine_fail(void *arg, const char *account, int64_t site_id, int64_t last)
{
	return alarm_comm_fail(arg, account, site_id, last);
}

/* The engine as the default sink. */
static int
sup_engine_restore(void *arg, const char *account)
{
	return alarm_comm_restore(arg, account);
}

/* The engine closed an account's communication-failure alarm. */
static void
sup_engine_closed(const char *account, void *arg)
{
	supervise_comm_closed(arg, account);
}

/* FNV-1a over the account, case-folded (account numbers are hex). */
static uint32_t
sup_hash(const char *s)
{
	uint32_t	h = 2166136261u;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)(*s >= 'a' && *s <= 'f' ? *s - 32 : *s);
		h *= 16777619u;
	}
	return h;
}

/* The slot holding account, or the empty one at the end of its chain. */
static struct sup_acct **
sup_slot(const struct supervisor *s, const char *account)
{
	struct sup_acct	**ap;

	ap = &s->bucket[sup_hash(account) & (s->nbucket - 1)];
	while (*ap != NULL && strcasecmp((*ap)->account, account) != 0)
		ap = &(*ap)->next;
	return ap;
}

/* Double the buckets once the table is as full as it is wide. */
static void
sup_grow(struct supervisor *s)
{
	struct sup_acct	**nb, *a, *next;
	size_t		  i, nn = s->nbucket * 2;

	nb = xcalloc(nn, sizeof(*nb));
	for (i = 0; i < s->nbucket; i++)
		for (a = s->bucket[i]; a != NULL; a = next) {
			next = a->next;
			a->next = nb[sup_hash(a->account) & (nn - 1)];
			nb[sup_hash(a->account) & (nn - 1)] = a;
		}
	free(s->bucket);
	s->bucket = nb;
	s->nbucket = nn;
}

/* The entry of account, made (unsupervised, never seen) if there is none. */
static struct sup_acct *
sup_get(struct supervisor *s, const char *account)
{
	struct sup_acct	**ap, *a;

	if (*(ap = sup_slot(s, account)) != NULL)
		return *ap;
	if (s->count >= s->nbucket) {
		sup_grow(s);
		ap = sup_slot(s, account);
	}
	a = xcalloc(1, sizeof(*a));
	snprintf(a->account, sizeof(a->account), "%s", account);
	a->since_ms = clock_now_ms();
	*ap = a;
	s->count++;
	return a;
}

/* Make a supervisor; its timer starts with supervise_start(). */
struct supervisor *
supervise_new(struct event_base *base, struct store *store, struct batch *batch,
    struct alarm_engine *engine, const struct config *cfg)
{
	struct supervisor	*s;

	s = xcalloc(1, sizeof(*s));
	s->base = base;
	s->store = store;
	s->batch = batch;
	s->cfg = cfg;
	s->nbucket = SUP_NBUCKET;
	s->bucket = xcalloc(s->nbucket, sizeof(*s->bucket));
	if (engine != NULL) {
		s->sink.fail = sup_engine_fail;
		s->sink.restore = sup_engine_restore;
		s->sink.arg = engine;
		s->engine = engine;
		alarm_engine_set_comm_closed(engine, sup_engine_closed, s);
	}
	return s;
}

/* Free s; a batch holding its changes is committed first. */
void
supervise_free(struct supervisor *s)
{
	struct sup_acct	*a, *next;
	size_t		 i;

	if (s == NULL)
		return;
	if (s->deferred)
		batch_flush(s->batch);
	if (s->engine != NULL)
		alarm_engine_set_comm_closed(s->engine, NULL, NULL);
	if (s->timer != NULL)
		event_free(s->timer);
	for (i = 0; i < s->nbucket; i++)
		for (a = s->bucket[i]; a != NULL; a = next) {
			next = a->next;
			free(a);
		}
	free(s->bucket);
	free(s);
}

/* Take a new configuration (grace, presets). */
void
supervise_set_config(struct supervisor *s, const struct config *cfg)
{
	s->cfg = cfg;
}

/* Send alarms somewhere else than the engine (tests). */
void
supervise_set_sink(struct supervisor *s, const struct supervise_sink *sink)
{
	s->sink = *sink;
}

/* The deadline of a supervised account: never before start + grace. */
static int64_t
sup_deadline(const struct supervisor *s, const struct sup_acct *a)
{
	int64_t	base, d, g;

	base = a->last_seen_ms > a->since_ms ? a->last_seen_ms : a->since_ms;
	d = base + (int64_t)a->interval_s * 1000;
	g = s->start_ms + (s->cfg != NULL ?
	    (int64_t)s->cfg->supervision_grace * 1000 : 0);
	return d > g ? d : g;
}

/*
 * When a's communication-failure alarm is due: its deadline, or an interval
 * after an operator closed the alarm while the account stayed silent.
 */
static int64_t
sup_due(const struct supervisor *s, const struct sup_acct *a)
{
	int64_t	d = sup_deadline(s, a);

	return a->again_ms > d ? a->again_ms : d;
}

/* How long a sign of life may wait in memory before it is written. */
static int64_t
sup_persist_every(const struct sup_acct *a)
{
	int64_t	ms = (int64_t)a->interval_s * 250;

	if (a->interval_s == 0 || ms > SUP_PERSIST_MAX_MS)
		return SUP_PERSIST_MAX_MS;
	return ms < SUP_PERSIST_MIN_MS ? SUP_PERSIST_MIN_MS : ms;
}

/* Whether a's newest sign of life is unwritten and its turn has come. */
static int
sup_persist_due(const struct sup_acct *a, int64_t now)
{
	return a->last_seen_ms > a->saved_ms &&
	    now - a->saved_at_ms >= sup_persist_every(a);
}

/* Log a committed change of a's state (nothing is logged that did not happen). */
static void
sup_log_change(const struct sup_acct *a)
{
	if (a->state == SUP_SILENT && a->undo_state != SUP_SILENT)
		log_info("supervision: account %s silent for more than %d s: "
		    "communication failure", a->account, a->interval_s);
	else if (a->state == SUP_OK && a->undo_state == SUP_SILENT)
		log_info("supervision: account %s reports again", a->account);
}

/* The batch a change joined has committed or failed: keep or undo our view. */
static void
sup_committed(int ok, void *arg)
{
	struct supervisor	*s = arg;
	struct sup_acct		*a, *next;

	for (a = s->pending; a != NULL; a = next) {
		next = a->pnext;
		if (ok)
			sup_log_change(a);
		else {
			/* Raise, restore and write again on the next chance. */
			a->state = a->undo_state;
			a->saved_ms = a->undo_saved_ms;
			a->saved_at_ms = 0;
		}
		a->pending = 0;
		a->pnext = NULL;
	}
	s->pending = NULL;
	s->deferred = 0;
}

/* Remember a's state once per batch, so that a failed batch undoes its change. */
static void
sup_pend(struct supervisor *s, struct sup_acct *a)
{
	if (!a->pending) {
		a->pending = 1;
		a->undo_state = a->state;
		a->undo_saved_ms = a->saved_ms;
		a->pnext = s->pending;
		s->pending = a;
	}
	if (!s->deferred) {
		s->deferred = 1;
		/* At COMMIT, before a later batch opens: a failure undoes our view. */
		batch_on_commit(s->batch, sup_committed, s);
	}
}

/* Join the batch and open a savepoint for a change of a.  0 or -1. */
static int
sup_begin(struct supervisor *s, struct sup_acct *a)
{
	if (batch_join(s->batch) == -1)
		return -1;
	if (store_savepoint(s->store) == -1) {
		if (!store_unavailable(s->store))
			log_warnx("supervision: %s", store_errmsg(s->store));
		return -1;
	}
	sup_pend(s, a);
	return 0;
}

/* Keep the change (rc 0) or undo it without touching the rest of the batch. */
static int
sup_end(struct supervisor *s, const struct sup_acct *a, int rc)
{
	if (rc == 0 && store_release(s->store) == 0)
		return 0;
	/* The database refusing writes is reported once, by the batch's hook. */
	if (!store_unavailable(s->store))
		log_warnx("supervision: account %s: alarm or write failed: %s",
		    a->account, store_errmsg(s->store));
	store_rollback_savepoint(s->store);
	return -1;
}

/* Write a's last sign of life in the batch. */
static void
sup_persist(struct supervisor *s, struct sup_acct *a, int64_t now)
{
	/* Also after a failure: retry at the next turn, not every frame. */
	a->saved_at_ms = now;
	if (sup_begin(s, a) == -1)
		return;
	if (sup_end(s, a, store_account_seen(s->store, a->account,
	    a->last_seen_ms)) == 0)
		a->saved_ms = a->last_seen_ms;
}

/* Raise a's communication-failure alarm.  0 or -1. */
static int
sup_raise(struct supervisor *s, struct sup_acct *a)
{
	int	rc = 0;

	if (sup_begin(s, a) == -1)
		return -1;
	if (s->sink.fail != NULL)
		rc = s->sink.fail(s->sink.arg, a->account, a->site_id,
		    a->last_seen_ms);
	if (sup_end(s, a, rc) == -1)
		return -1;
	a->state = SUP_SILENT;
	return 0;
}

/* a reported again: restore its communication-failure alarm. */
static void
sup_restore(struct supervisor *s, struct sup_acct *a)
{
	int	rc = 0;

	if (sup_begin(s, a) == -1)
		return;
	if (s->sink.restore != NULL)
		rc = s->sink.restore(s->sink.arg, a->account);
	if (sup_end(s, a, rc) == -1)
		return;
	a->state = SUP_OK;
}

/* A sign of life: O(1) in memory; the store now and then. */
void
supervise_seen(struct supervisor *s, const char *account, int64_t now_ms)
{
	struct sup_acct	*a;

	if (s == NULL)
		return;
	a = sup_get(s, account);
	if (now_ms > a->last_seen_ms)
		a->last_seen_ms = now_ms;
	if (a->state != SUP_OK)
		sup_restore(s, a);
	if (sup_persist_due(a, now_ms))
		sup_persist(s, a, now_ms);
}

/* An account's interval or site changed; a new interval counts from now. */
void
supervise_account(struct supervisor *s, const char *account, int64_t site_id,
    int interval_s)
{
	struct sup_acct	*a = sup_get(s, account);

	a->site_id = site_id;
	if (a->interval_s != interval_s) {
		a->interval_s = interval_s > 0 ? interval_s : 0;
		a->since_ms = clock_now_ms();
	}
}

/* Drop account's entry (and from the pending list). */
void
supervise_forget(struct supervisor *s, const char *account)
{
	struct sup_acct	**ap, **pp, *a;

	if (*(ap = sup_slot(s, account)) == NULL)
		return;
	a = *ap;
	*ap = a->next;
	for (pp = &s->pending; *pp != NULL; pp = &(*pp)->pnext)
		if (*pp == a) {
			*pp = a->pnext;
			break;
		}
	s->count--;
	free(a);
}

/*
 * Closing the alarm acknowledges it, but does not end the supervision: a
 * still silent account raises a new one an interval after the close.
 */
void
supervise_comm_closed(struct supervisor *s, const char *account)
{
	struct sup_acct	*a;

	if (s == NULL || (a = *sup_slot(s, account)) == NULL ||
	    a->interval_s == 0 || a->state == SUP_OK)
		return;
	sup_pend(s, a);
	a->state = SUP_OK;
	a->again_ms = clock_now_ms() + (int64_t)a->interval_s * 1000;
	log_debug("supervision: account %s: communication-failure alarm "
	    "closed; raised again in %d s unless the account reports",
	    a->account, a->interval_s);
}

/* Persist what is due and raise what is silent. */
void
supervise_tick(struct supervisor *s)
{
	struct sup_acct	*a;
	int64_t		 now = clock_now_ms();
	size_t		 i;
	int		 tries = 0;

	for (i = 0; i < s->nbucket; i++)
		for (a = s->bucket[i]; a != NULL; a = a->next) {
			if (sup_persist_due(a, now))
				sup_persist(s, a, now);
			if (a->interval_s == 0 || a->state == SUP_SILENT ||
			    now < sup_due(s, a) ||
			    tries >= SUP_RAISE_PER_TICK)
				continue;
			tries++;
			sup_raise(s, a);
		}
}

/* The timer: once a second. */
static void
sup_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	supervise_tick(arg);
}

/* Take one stored account into the table. */
static int
sup_load(const struct store_account *sa, void *arg)
{
	struct supervisor	*s = arg;
	struct sup_acct		*a = sup_get(s, sa->account);

	a->site_id = sa->site_id;
	a->interval_s = sa->supervision_s > 0 ? sa->supervision_s : 0;
	if (sa->last_seen_ms > a->last_seen_ms)
		a->last_seen_ms = sa->last_seen_ms;
	a->saved_ms = sa->last_seen_ms;
	/* Never seen at all: the interval counts from this start. */
	a->since_ms = sa->last_seen_ms > 0 ? 0 : s->start_ms;
	/* A silence from before the restart may have an alarm still open. */
	if (a->interval_s > 0)
		a->state = s->engine != NULL &&
		    alarm_comm_open(s->engine, a->account) ? SUP_SILENT :
		    SUP_UNKNOWN;
	return 0;
}

/* Load the accounts and start the one-second timer.  0 or -1. */
int
supervise_start(struct supervisor *s)
{
	struct timeval	tv = { 1, 0 };

	s->start_ms = clock_now_ms();
	if (store_account_foreach(s->store, sup_load, s) == -1)
		return -1;
	if (s->base != NULL && s->timer == NULL) {
		s->timer = event_new(s->base, -1, EV_PERSIST, sup_timer_cb, s);
		if (s->timer == NULL || event_add(s->timer, &tv) == -1) {
			log_warnx("supervision: cannot start the timer");
			return -1;
		}
	}
	return 0;
}

/* The effective presets: built-ins (changed by the file), then the file's own. */
static size_t
sup_presets(const struct config *cfg, struct supervision_preset *out,
    int *configured)
{
	size_t	n = 0, i, j, ncfg = cfg != NULL ? cfg->npresets : 0;

	for (i = 0; i < nitems(sup_builtin); i++, n++) {
		out[n] = sup_builtin[i];
		configured[n] = 0;
		for (j = 0; j < ncfg; j++)
			if (strcasecmp(cfg->presets[j].name, out[n].name) == 0) {
				out[n].seconds = cfg->presets[j].seconds;
				configured[n] = 1;
			}
	}
	for (j = 0; j < ncfg; j++) {
		for (i = 0; i < nitems(sup_builtin); i++)
			if (strcasecmp(cfg->presets[j].name,
			    sup_builtin[i].name) == 0)
				break;
		if (i == nitems(sup_builtin)) {
			out[n] = cfg->presets[j];
			configured[n++] = 1;
		}
	}
	return n;
}

/* [{name, seconds, configured}] */
json_t *
supervise_presets(const struct config *cfg)
{
	struct supervision_preset	 p[SUP_NPRESETS];
	int				 conf[SUP_NPRESETS];
	json_t				*list = json_array();
	size_t				 i, n;

	n = sup_presets(cfg, p, conf);
	for (i = 0; i < n; i++)
		json_array_append_new(list, json_pack("{s:s, s:i, s:b}",
		    "name", p[i].name, "seconds", p[i].seconds,
		    "configured", conf[i]));
	return list;
}

/* The names of the presets of that many seconds ("SP4/DP3"), or null. */
static json_t *
sup_preset_names(const struct config *cfg, int seconds)
{
	struct supervision_preset	 p[SUP_NPRESETS];
	int				 conf[SUP_NPRESETS];
	char				 buf[128] = "";
	size_t				 i, n, len = 0, nl;

	n = sup_presets(cfg, p, conf);
	for (i = 0; i < n; i++) {
		if (p[i].seconds != seconds)
			continue;
		nl = strnlen(p[i].name, sizeof(p[i].name) - 1);
		if (len + nl + 2 > sizeof(buf))
			break;
		if (len > 0)
			buf[len++] = '/';
		memcpy(buf + len, p[i].name, nl);
		len += nl;
		buf[len] = '\0';
	}
	return buf[0] != '\0' ? json_string(buf) : json_null();
}

/* Split "90s" into 90 and its unit's factor; -1 if the unit is unknown. */
static int
sup_unit(const char *s, char *num, size_t numsz, long long *mult)
{
	size_t	len = strlen(s);

	*mult = 1;
	if (len == 0 || len >= numsz)
		return -1;
	snprintf(num, numsz, "%s", s);
	switch (num[len - 1] | 0x20) {
	case 's':
		break;
	case 'm':
		*mult = 60;
		break;
	case 'h':
		*mult = 3600;
		break;
	case 'd':
		*mult = 86400;
		break;
	default:
		return 0;
	}
	num[len - 1] = '\0';
	return 0;
}

/* A preset name, seconds, "90s"/"30m"/"25h"/"1d", or "none"/"0". */
int
supervise_parse_interval(const struct config *cfg, const char *s, int *seconds,
    char *err, size_t errsz)
{
	struct supervision_preset	 p[SUP_NPRESETS];
	int				 conf[SUP_NPRESETS];
	const char			*es;
	char				 num[24];
	long long			 v, mult;
	size_t				 i, n;

	if (strcasecmp(s, "none") == 0) {
		*seconds = 0;
		return 0;
	}
	n = sup_presets(cfg, p, conf);
	for (i = 0; i < n; i++)
		if (strcasecmp(p[i].name, s) == 0) {
			*seconds = p[i].seconds;
			return 0;
		}
	if (sup_unit(s, num, sizeof(num), &mult) == -1 ||
	    xstrtonum(num, 10, 0, SUPERVISE_MAX_S, &v, &es) == -1) {
		snprintf(err, errsz, "interval \"%.32s\": not a preset (SP2, "
		    "DP3, ...), seconds, a number with s, m, h or d, or none", s);
		return -1;
	}
	if (v * mult > SUPERVISE_MAX_S) {
		snprintf(err, errsz, "interval \"%.32s\": at most %d s (32 days)",
		    s, SUPERVISE_MAX_S);
		return -1;
	}
	*seconds = (int)(v * mult);
	return 0;
}

/* ISO-8601 UTC with milliseconds, or null for 0. */
static json_t *
sup_time(int64_t ms)
{
	struct tm	tm;
	time_t		t = (time_t)(ms / 1000);
	char		base[32], buf[48];

	if (ms <= 0 || gmtime_r(&t, &tm) == NULL)
		return json_null();
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, sizeof(buf), "%s.%03dZ", base, (int)(ms % 1000));
	return json_string(buf);
}

/* Whether a supervised account is past its deadline or alarmed. */
static int
sup_silent(const struct supervisor *s, const struct sup_acct *a, int64_t now)
{
	return a->interval_s > 0 &&
	    (a->state == SUP_SILENT || now >= sup_deadline(s, a));
}

/* The state of one entry as consoles see it. */
static json_t *
sup_json(const struct supervisor *s, const struct sup_acct *a, int64_t now)
{
	json_t	*o = json_object();

	json_object_set_new(o, "interval", json_integer(a->interval_s));
	json_object_set_new(o, "preset", a->interval_s > 0 ?
	    sup_preset_names(s->cfg, a->interval_s) : json_null());
	json_object_set_new(o, "last_seen", sup_time(a->last_seen_ms));
	json_object_set_new(o, "deadline", a->interval_s > 0 ?
	    sup_time(sup_deadline(s, a)) : json_null());
	json_object_set_new(o, "silent", json_boolean(sup_silent(s, a, now)));
	json_object_set_new(o, "comm_fail", json_boolean(a->state == SUP_SILENT));
	json_object_set_new(o, "next_alarm", a->interval_s > 0 &&
	    a->state != SUP_SILENT ? sup_time(sup_due(s, a)) : json_null());
	return o;
}

/* {interval, preset, last_seen, deadline, silent, comm_fail, next_alarm} or null. */
json_t *
supervise_status(struct supervisor *s, const char *account)
{
	struct sup_acct	*a;

	if (s == NULL || (a = *sup_slot(s, account)) == NULL)
		return json_null();
	return sup_json(s, a, clock_now_ms());
}

/* Supervised accounts and the silent ones among them, as supervise_list() sees them. */
void
supervise_counts(struct supervisor *s, size_t *supervised, size_t *silent)
{
	struct sup_acct	*a;
	int64_t		 now = clock_now_ms();
	size_t		 i;

	*supervised = *silent = 0;
	if (s == NULL)
		return;
	for (i = 0; i < s->nbucket; i++)
		for (a = s->bucket[i]; a != NULL; a = a->next) {
			if (a->interval_s <= 0)
				continue;
			(*supervised)++;
			if (sup_silent(s, a, now))
				(*silent)++;
		}
}

/* Order entries by account. */
static int
sup_cmp(const void *x, const void *y)
{
	const struct sup_acct	*a = *(const struct sup_acct *const *)x;
	const struct sup_acct	*b = *(const struct sup_acct *const *)y;

	return strcmp(a->account, b->account);
}

/* Every supervised account, in account order; only the silent ones if asked. */
json_t *
supervise_list(struct supervisor *s, int silent_only)
{
	struct sup_acct	**v, *a;
	json_t		 *list = json_array(), *o;
	int64_t		  now = clock_now_ms();
	size_t		  i, n = 0;

	v = xreallocarray(NULL, s->count + 1, sizeof(*v));
	for (i = 0; i < s->nbucket; i++)
		for (a = s->bucket[i]; a != NULL; a = a->next)
			if (a->interval_s > 0 &&
			    (!silent_only || sup_silent(s, a, now)))
				v[n++] = a;
	qsort(v, n, sizeof(*v), sup_cmp);
	for (i = 0; i < n; i++) {
		o = sup_json(s, v[i], now);
		json_object_set_new(o, "account", json_string(v[i]->account));
		json_object_set_new(o, "site_id", v[i]->site_id > 0 ?
		    json_integer(v[i]->site_id) : json_null());
		json_array_append_new(list, o);
	}
	free(v);
	return list;
}
