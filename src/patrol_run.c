/* patrol_run.c - the guard patrol service: check-ins, shifts judged, alarms, one timer. */
#include "config.h"

#include <ctype.h>
#include <inttypes.h>
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
#include "cmd.h"
#include "event.h"
#include "log.h"
#include "patrol.h"
#include "patrol_run.h"
#include "store.h"
#include "store_patrol.h"
#include "xmalloc.h"

#define HOUR_MS			(3600 * (int64_t)1000)
/* The shifts tracked per route: back to the lookback, two days ahead. */
#define PR_SHIFTS_MAX		32
#define PR_AHEAD_MS		(48 * HOUR_MS)
/* Never re-evaluate in a tighter loop than this. */
#define PR_MIN_STEP_MS		200
/*
 * A shift that got scans is judged this long after the first of them, so
 * that under load one judgement covers the scans of many loop passes.
 */
#define PR_JUDGE_DELAY_MS	50

/* One shift of a route being followed. */
struct pr_shift {
	struct patrol_shift	 sh;
	int64_t			 due_ms;	/* evaluate at; 0: final */
};

/* A route in force. */
struct pr_route {
	int64_t			 id;		/* version row */
	char			*name;		/* owned */
	int			 version;
	int64_t			 site_id;
	int64_t			 since_ms;	/* this version put; shifts over before are not its */
	int64_t			 until_ms;	/* retired (0: in force) */
	int			 succeeded;	/* a new version replaced it at until_ms */
	struct patrol_route	*route;		/* owned */
	struct tz_rule		*tz;		/* owned */
	struct pr_shift		 shifts[PR_SHIFTS_MAX];
	int			 nshifts;
};

/* A DC-09 account that is a patrol terminal, and how to read its events. */
struct pr_term {
	char	 account[17];
	char	 codes[3][PATROL_RUN_CODES_MAX][8];	/* tag, panic, man_down */
	int	 ncodes[3];
	char	 tag_field[8];		/* zone, user, L, name, note */
	char	 guard_field[8];	/* user, zone, L, I, name, none */
	char	 time_field[12];	/* H, frame, received */
};

/* A shift that got a new scan, judged on the next loop pass. */
struct pr_dirty {
	int64_t			 route_id;
	struct patrol_shift	 sh;
};

struct patrol_run {
	struct event_base	*base;		/* not owned */
	struct store		*store;		/* not owned */
	struct batch		*batch;		/* not owned */
	struct alarm_engine	*alarms;	/* not owned; NULL: none */
	struct event		*timer;		/* owned */
	struct pr_route		*routes;	/* owned */
	size_t			 nroutes;
	struct patrol_calendar	*cal;		/* owned */
	struct pr_term		*terms;		/* owned */
	size_t			 nterms;
	int64_t			 armed_ms;	/* the timer's moment; 0 none */
	/*
	 * Shifts with new scans: judged PR_JUDGE_DELAY_MS after the first,
	 * once however many scans came meanwhile (a scan's reply or ACK does
	 * not wait for the judgement; a restart judges every recent shift).
	 */
	struct event		*judge;		/* owned */
	struct pr_dirty		*dirty;		/* owned */
	size_t			 ndirty, capdirty;
	int			 waiting;	/* told when the open batch ends */
};

static const char *const pr_kinds[3] = { "scan", "panic", "man_down" };

static void	pr_arm(struct patrol_run *);
static void	pr_judge_cb(evutil_socket_t, short, void *);

/* --- loading ------------------------------------------------------------- */

/* Free what a route holds. */
static void
pr_route_clear(struct pr_route *r)
{
	free(r->name);
	patrol_route_free(r->route);
	tz_free(r->tz);
	memset(r, 0, sizeof(*r));
}

/* Drop every route. */
static void
pr_routes_clear(struct patrol_run *pr)
{
	size_t	i;

	for (i = 0; i < pr->nroutes; i++)
		pr_route_clear(&pr->routes[i]);
	free(pr->routes);
	pr->routes = NULL;
	pr->nroutes = 0;
}

/* The zone of a site: an IANA name, else a POSIX rule, else UTC (logged). */
static struct tz_rule *
pr_zone(const char *name, const char *route)
{
	struct tz_rule	*tz;
	char		 err[128];

	if (name == NULL || *name == '\0')
		name = "UTC";
	if ((tz = tz_load(NULL, name, err, sizeof(err))) != NULL)
		return tz;
	if ((tz = tz_parse(name, err, sizeof(err))) != NULL)
		return tz;
	log_warnx("patrol: route %s: site time zone \"%s\" not usable (%s); "
	    "judged in UTC", route, name, err);
	return tz_parse("UTC0", err, sizeof(err));
}

/* Make one stored current route ready to judge; 0, or -1 (logged, skipped). */
static int
pr_route_load(struct pr_route *r, const json_t *row)
{
	json_t		*doc;
	char		 err[200];
	const char	*name = json_string_value(json_object_get(row, "name"));

	memset(r, 0, sizeof(*r));
	doc = json_loads(json_string_value(json_object_get(row, "doc")), 0, NULL);
	r->route = doc != NULL ? patrol_route_parse(doc, err, sizeof(err)) : NULL;
	json_decref(doc);
	if (r->route == NULL) {
		log_warnx("patrol: stored route %s no longer valid: %s", name,
		    doc != NULL ? err : "not JSON");
		return -1;
	}
	r->id = json_integer_value(json_object_get(row, "id"));
	r->name = xstrdup(name);
	r->version = (int)json_integer_value(json_object_get(row, "version"));
	r->site_id = json_integer_value(json_object_get(row, "site_id"));
	r->since_ms = json_integer_value(json_object_get(row, "created_ms"));
	r->until_ms = json_integer_value(json_object_get(row, "retired_ms"));
	r->tz = pr_zone(json_string_value(json_object_get(row, "timezone")), name);
	return 0;
}

/* The routes in force, from the store.  0 or -1. */
static int
pr_load_routes(struct patrol_run *pr)
{
	json_t	*rows, *row;
	size_t	 i;

	if ((rows = store_patrol_route_current(pr->store)) == NULL)
		return -1;
	pr_routes_clear(pr);
	pr->routes = xcalloc(json_array_size(rows) + 1, sizeof(*pr->routes));
	json_array_foreach(rows, i, row)
		if (pr_route_load(&pr->routes[pr->nroutes], row) == 0)
			pr->nroutes++;
	json_decref(rows);
	return 0;
}

/* The holiday calendar, from the store.  0 or -1. */
static int
pr_load_calendar(struct patrol_run *pr)
{
	json_t	*rows, *row;
	size_t	 i;

	if ((rows = store_patrol_holidays(pr->store, STORE_PATROL_BATCH)) == NULL)
		return -1;
	patrol_calendar_free(pr->cal);
	pr->cal = patrol_calendar_new();
	json_array_foreach(rows, i, row)
		patrol_calendar_add(pr->cal, json_string_value(json_object_get(row,
		    "date")));
	json_decref(rows);
	return 0;
}

/* Copy up to PATROL_RUN_CODES_MAX code strings of list into out. */
static int
pr_term_codes(const json_t *list, char out[][8])
{
	const json_t	*v;
	size_t		 i;
	int		 n = 0;

	json_array_foreach(list, i, v)
		if (n < PATROL_RUN_CODES_MAX && json_is_string(v))
			snprintf(out[n++], 8, "%s", json_string_value(v));
	return n;
}

/* One terminal from its stored row. */
static void
pr_term_load(struct pr_term *t, const json_t *row)
{
	const json_t	*map = json_object_get(row, "map");
	static const char *const lists[3] = { "tag_codes", "panic_codes",
	    "man_down_codes" };
	int		 k;

	memset(t, 0, sizeof(*t));
	snprintf(t->account, sizeof(t->account), "%s",
	    json_string_value(json_object_get(row, "account")));
	for (k = 0; k < 3; k++)
		t->ncodes[k] = pr_term_codes(json_object_get(map, lists[k]),
		    t->codes[k]);
	snprintf(t->tag_field, sizeof(t->tag_field), "%s",
	    json_string_value(json_object_get(map, "tag_field")));
	snprintf(t->guard_field, sizeof(t->guard_field), "%s",
	    json_string_value(json_object_get(map, "guard_field")));
	snprintf(t->time_field, sizeof(t->time_field), "%s",
	    json_string_value(json_object_get(map, "time")));
}

/* Terminals by account. */
static int
pr_term_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pr_term *)a)->account,
	    ((const struct pr_term *)b)->account);
}

/* The patrol terminals, from the store.  0 or -1. */
static int
pr_load_terms(struct patrol_run *pr)
{
	json_t	*rows, *row;
	size_t	 i;

	if ((rows = store_patrol_terminals(pr->store, STORE_PATROL_BATCH)) == NULL)
		return -1;
	free(pr->terms);
	pr->nterms = json_array_size(rows);
	pr->terms = xcalloc(pr->nterms + 1, sizeof(*pr->terms));
	json_array_foreach(rows, i, row)
		pr_term_load(&pr->terms[i], row);
	json_decref(rows);
	/* Every panel event asks whether its account is a terminal: bsearch. */
	qsort(pr->terms, pr->nterms, sizeof(*pr->terms), pr_term_cmp);
	return 0;
}

/* --- judging a shift ---------------------------------------------------- */

/* The scans of a shift as the engine takes them. */
struct pr_scans {
	const struct patrol_route	*route;
	struct patrol_scan		*v;
	size_t				 n, cap;
};

/* Collect one stored scan. */
static int
pr_scan_add(const struct store_patrol_scan *s, void *arg)
{
	struct pr_scans	*sc = arg;

	if (sc->n == sc->cap) {
		sc->cap = sc->cap ? sc->cap * 2 : 64;
		sc->v = xreallocarray(sc->v, sc->cap, sizeof(*sc->v));
	}
	sc->v[sc->n].id = s->id;
	sc->v[sc->n].scan_ms = s->scan_ms;
	sc->v[sc->n].recv_ms = s->received_ms;
	sc->v[sc->n].guard_id = s->guard_id;
	sc->v[sc->n].cp = patrol_route_find_tag(sc->route, s->tag);
	sc->n++;
	return 0;
}

/* Judge shift sh of route r at now from the scans in view; 0 or -1. */
static int
pr_judge(struct patrol_run *pr, const struct pr_route *r,
    const struct patrol_shift *sh, enum store_patrol_view view, int64_t now,
    struct patrol_result *res)
{
	struct pr_scans	sc = { r->route, NULL, 0, 0 };
	int		rc;

	memset(res, 0, sizeof(*res));
	if (store_patrol_scans(pr->store, view, r->site_id, sh->start_ms,
	    sh->end_ms, pr_scan_add, &sc) != 0) {
		free(sc.v);
		return -1;
	}
	rc = patrol_evaluate(r->route, sh, sc.v, sc.n, now, res);
	free(sc.v);
	return rc;
}

/* A reference of 16 bytes: c and the low 60 bits of v in hex. */
static void
pr_mkref(char ref[17], char c, uint64_t v)
{
	char	buf[24];

	snprintf(buf, sizeof(buf), "%c%015llx", c,
	    (unsigned long long)(v & 0xfffffffffffffffULL));
	memcpy(ref, buf, 16);
	ref[16] = '\0';
}

/* Copy s into buf of bufsz bytes, cut if longer. */
static void
pr_copy(char *buf, size_t bufsz, const char *s)
{
	size_t	n = strlen(s);

	if (n >= bufsz)
		n = bufsz - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
}

/* The alarm reference of a finding: "P" and 15 hex digits of its identity. */
static void
pr_ref(const char *route, int64_t shift_ms, const char *key, char ref[17])
{
	uint64_t	h = 14695981039346656037ULL;
	char		buf[PATROL_NAME_MAX + 80];
	const char	*p;

	snprintf(buf, sizeof(buf), "%s|%" PRId64 "|%s", route, shift_ms, key);
	for (p = buf; *p != '\0'; p++) {
		h ^= (unsigned char)*p;
		h *= 1099511628211ULL;
	}
	pr_mkref(ref, 'P', h);
}

/* The alarm text of a finding: where, which shift, what. */
static void
pr_text(struct patrol_run *pr, const struct pr_route *r,
    const struct patrol_shift *sh, const struct patrol_finding *f,
    char *buf, size_t bufsz)
{
	json_t		*g = NULL;
	const char	*gname = NULL;

	if (f->guard_id > 0 && (g = store_patrol_guard_brief(pr->store,
	    f->guard_id, r->site_id)) != NULL)
		gname = json_string_value(json_object_get(g, "name"));
	snprintf(buf, bufsz, "Patrol %s, shift %04d-%02d-%02d: %s%s%s%s",
	    r->name, sh->year, sh->month, sh->day, f->text,
	    f->cp >= 0 ? " [" : "", f->cp >= 0 ?
	    patrol_route_cp_name(r->route, f->cp) : "", f->cp >= 0 ? "]" : "");
	if (gname != NULL) {
		size_t	len = strlen(buf);

		snprintf(buf + len, bufsz - len, " (guard %s)", gname);
	}
	json_decref(g);
}

/* A new or returning failure: raise its alarm and record it.  0 or -1. */
static int
pr_raise(struct patrol_run *pr, const struct pr_route *r,
    const struct patrol_shift *sh, const struct patrol_finding *f,
    json_t *row, int64_t now)
{
	struct alarm_patrol	 a;
	char			 ref[17], text[400];
	int64_t			 alarm_id = 0;
	json_t			*nrow;
	int			 rc;

	pr_ref(r->name, sh->start_ms, f->key, ref);
	pr_text(pr, r, sh, f, text, sizeof(text));
	memset(&a, 0, sizeof(a));
	a.site_id = r->site_id;
	a.ref = ref;
	a.cls = EVC_PATROL;
	a.text = text;
	a.first_ms = f->at_ms > 0 ? f->at_ms : now;
	if (pr->alarms != NULL && alarm_patrol_raise(pr->alarms, &a,
	    &alarm_id) != 0)
		return -1;
	nrow = json_pack("{s:s,s:I,s:s,s:I,s:s,s:s,s:I,s:i,s:i,s:I,s:I,s:n}",
	    "route", r->name, "shift_ms", (json_int_t)sh->start_ms,
	    "fkey", f->key, "site_id", (json_int_t)r->site_id,
	    "kind", patrol_fail_name(f->kind), "text", text,
	    "guard_id", (json_int_t)f->guard_id, "checkpoint", f->cp,
	    "round", f->round, "alarm_id", (json_int_t)alarm_id,
	    "raised_ms", (json_int_t)(row != NULL ? json_integer_value(
	    json_object_get(row, "raised_ms")) : now), "restored_ms");
	if (f->guard_id <= 0)
		json_object_set_new(nrow, "guard_id", json_null());
	if (f->cp < 0)
		json_object_set_new(nrow, "checkpoint", json_null());
	rc = store_patrol_finding_put(pr->store, nrow);
	json_decref(nrow);
	if (rc == 0)
		log_info("patrol: route %s shift %04d-%02d-%02d: %s raised (%s)",
		    r->name, sh->year, sh->month, sh->day, f->key, ref);
	return rc;
}

/* A failure that is in order again: restore its alarm, record it.  0 or -1. */
static int
pr_restore(struct patrol_run *pr, const struct pr_route *r,
    const struct patrol_shift *sh, json_t *row, int64_t now)
{
	const char	*key = json_string_value(json_object_get(row, "fkey"));
	char		 ref[17];

	pr_ref(r->name, sh->start_ms, key, ref);
	if (pr->alarms != NULL && alarm_patrol_restore(pr->alarms, ref,
	    EVC_PATROL, "patrol back in order") != 0)
		return -1;
	json_object_set_new(row, "restored_ms", json_integer(now));
	if (store_patrol_finding_put(pr->store, row) != 0)
		return -1;
	log_info("patrol: route %s shift %04d-%02d-%02d: %s restored", r->name,
	    sh->year, sh->month, sh->day, key);
	return 0;
}

/* The stored row of finding key in rows, or NULL. */
static json_t *
pr_row_find(json_t *rows, const char *key)
{
	json_t	*row;
	size_t	 i;

	json_array_foreach(rows, i, row)
		if (strcmp(json_string_value(json_object_get(row, "fkey")),
		    key) == 0)
			return row;
	return NULL;
}

/* Is key among the findings of res? */
static int
pr_finding_has(const struct patrol_result *res, const char *key)
{
	int	i;

	for (i = 0; i < res->nfindings; i++)
		if (strcmp(res->findings[i].key, key) == 0)
			return 1;
	return 0;
}

/* Make the stored failures of a shift match its findings.  0 or -1. */
static int
pr_diff(struct patrol_run *pr, const struct pr_route *r,
    const struct patrol_shift *sh, const struct patrol_result *res, int64_t now)
{
	json_t	*rows, *row;
	size_t	 i;
	int	 k, rc = 0;

	if ((rows = store_patrol_findings(pr->store, r->name,
	    sh->start_ms)) == NULL)
		return -1;
	for (k = 0; k < res->nfindings && rc == 0; k++) {
		row = pr_row_find(rows, res->findings[k].key);
		if (row == NULL || !json_is_null(json_object_get(row,
		    "restored_ms")))
			rc = pr_raise(pr, r, sh, &res->findings[k], row, now);
	}
	json_array_foreach(rows, i, row) {
		if (rc != 0)
			break;
		if (json_is_null(json_object_get(row, "restored_ms")) &&
		    !pr_finding_has(res, json_string_value(json_object_get(row,
		    "fkey"))))
			rc = pr_restore(pr, r, sh, row, now);
	}
	json_decref(rows);
	return rc;
}

/*
 * The batch holding judgements ended.  If it failed, the alarms they raised
 * or restored are undone: judge every followed shift again in a second.
 */
static void
pr_batch_done(int ok, void *arg)
{
	struct patrol_run	*pr = arg;
	int64_t			 soon = clock_now_ms() + 1000;
	size_t			 i;
	int			 j;

	pr->waiting = 0;
	if (ok)
		return;
	for (i = 0; i < pr->nroutes; i++)
		for (j = 0; j < pr->routes[i].nshifts; j++)
			pr->routes[i].shifts[j].due_ms = soon;
	pr_arm(pr);
}

/*
 * Judge one shift in the batch, bring its alarms in line and return when it
 * must be judged again (0: never, it is over and settled).  -1 on error.
 */
static int64_t
pr_settle(struct patrol_run *pr, const struct pr_route *r,
    const struct patrol_shift *sh, int64_t now)
{
	struct patrol_result	res;
	int64_t			due;

	if (batch_join(pr->batch) != 0)
		return -1;
	if (!pr->waiting) {
		/*
		 * At COMMIT, not at the sync: the next batch may open before
		 * this one is durable, and it must register again.
		 */
		pr->waiting = 1;
		batch_on_commit(pr->batch, pr_batch_done, pr);
	}
	if (pr_judge(pr, r, sh, STORE_PATROL_BATCH, now, &res) != 0) {
		patrol_result_free(&res);
		return -1;
	}
	if (pr_diff(pr, r, sh, &res, now) != 0) {
		patrol_result_free(&res);
		return -1;
	}
	due = res.next_due_ms;
	patrol_result_free(&res);
	if (due == 0 && now < sh->end_ms)
		due = sh->end_ms;
	if (due != 0 && due < now + PR_MIN_STEP_MS)
		due = now + PR_MIN_STEP_MS;
	return due;
}

/* --- following the shifts ------------------------------------------------ */

/* Bring r's followed shifts up to [now - lookback, now + ahead), keeping state. */
static void
pr_shifts_refresh(struct patrol_run *pr, struct pr_route *r, int64_t now)
{
	struct patrol_shift	sh[PR_SHIFTS_MAX];
	struct pr_shift		old[PR_SHIFTS_MAX];
	int			n, nold = r->nshifts, i, j;

	n = patrol_shifts(r->route, r->tz, pr->cal,
	    now - PATROL_RUN_LOOKBACK_H * HOUR_MS, now + PR_AHEAD_MS, sh,
	    PR_SHIFTS_MAX);
	if (n < 0)
		n = 0;
	if (n > PR_SHIFTS_MAX)
		n = PR_SHIFTS_MAX;
	memcpy(old, r->shifts, sizeof(old));
	/* A shift over before this version was put is not judged by it. */
	for (i = 0; i < n && sh[i].end_ms <= r->since_ms; i++)
		;
	memmove(sh, sh + i, (size_t)(n - i) * sizeof(sh[0]));
	n -= i;
	for (i = 0; i < n; i++) {
		r->shifts[i].sh = sh[i];
		/* A shift not seen before is judged when it begins (or now). */
		r->shifts[i].due_ms = sh[i].start_ms > now ? sh[i].start_ms : now;
		for (j = 0; j < nold; j++)
			if (old[j].sh.start_ms == sh[i].start_ms &&
			    old[j].sh.rule == sh[i].rule)
				r->shifts[i].due_ms = old[j].due_ms;
	}
	r->nshifts = n;
}

/* Judge every due shift of r.  0 or -1 (the batch failed; try again later). */
static int
pr_route_tick(struct patrol_run *pr, struct pr_route *r, int64_t now)
{
	int64_t	due;
	int	i;

	pr_shifts_refresh(pr, r, now);
	for (i = 0; i < r->nshifts; i++) {
		if (r->shifts[i].due_ms == 0 || r->shifts[i].due_ms > now)
			continue;
		if ((due = pr_settle(pr, r, &r->shifts[i].sh, now)) < 0)
			return -1;
		r->shifts[i].due_ms = due;
	}
	return 0;
}

/* Judge what is due on every route, then re-arm. */
static void
pr_tick(struct patrol_run *pr)
{
	int64_t	now = clock_now_ms();
	size_t	i;

	for (i = 0; i < pr->nroutes; i++)
		if (pr_route_tick(pr, &pr->routes[i], now) != 0) {
			log_warnx("patrol: route %s cannot be judged now: %s",
			    pr->routes[i].name, store_errmsg(pr->store));
			batch_abort(pr->batch);
			break;
		}
	pr_arm(pr);
}

/* The timer fired. */
static void
pr_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	pr_tick(arg);
}

/* Arm the timer for the earliest due shift (a failed pass retries in a second). */
static void
pr_arm(struct patrol_run *pr)
{
	int64_t		now = clock_now_ms(), min = 0, d;
	struct timeval	tv;
	size_t		i;
	int		j;

	for (i = 0; i < pr->nroutes; i++)
		for (j = 0; j < pr->routes[i].nshifts; j++) {
			d = pr->routes[i].shifts[j].due_ms;
			if (d > 0 && (min == 0 || d < min))
				min = d;
		}
	/* New shifts appear at least every hour. */
	if (min == 0 || min > now + HOUR_MS)
		min = now + HOUR_MS;
	d = min > now ? min - now : 0;
	tv.tv_sec = (time_t)(d / 1000);
	tv.tv_usec = (suseconds_t)(d % 1000) * 1000;
	evtimer_add(pr->timer, &tv);
	pr->armed_ms = min;
}

/* --- life cycle ------------------------------------------------------------ */

/* The service over store, batch and alarm engine. */
struct patrol_run *
patrol_run_new(struct event_base *base, struct store *store,
    struct batch *batch, struct alarm_engine *alarms)
{
	struct patrol_run	*pr = xcalloc(1, sizeof(*pr));

	pr->base = base;
	pr->store = store;
	pr->batch = batch;
	pr->alarms = alarms;
	pr->cal = patrol_calendar_new();
	if ((pr->timer = evtimer_new(base, pr_timer_cb, pr)) == NULL ||
	    (pr->judge = evtimer_new(base, pr_judge_cb, pr)) == NULL)
		fatalx("patrol: cannot create the timers");
	return pr;
}

/* Free the service. */
void
patrol_run_free(struct patrol_run *pr)
{
	if (pr == NULL)
		return;
	if (pr->timer != NULL)
		event_free(pr->timer);
	if (pr->judge != NULL)
		event_free(pr->judge);
	free(pr->dirty);
	pr_routes_clear(pr);
	patrol_calendar_free(pr->cal);
	free(pr->terms);
	free(pr);
}

/* Load routes, calendar and terminals.  0 or -1. */
static int
pr_load(struct patrol_run *pr)
{
	if (pr_load_calendar(pr) != 0 || pr_load_routes(pr) != 0 ||
	    pr_load_terms(pr) != 0) {
		log_warnx("patrol: cannot load: %s", store_errmsg(pr->store));
		return -1;
	}
	return 0;
}

/* Load and catch up on every recent shift. */
int
patrol_run_start(struct patrol_run *pr)
{
	if (pr_load(pr) != 0)
		return -1;
	log_info("patrol: %zu route(s) in force, %zu terminal(s)", pr->nroutes,
	    pr->nterms);
	pr_tick(pr);
	return 0;
}

/* Judge what got scans and what is due now. */
void
patrol_run_tick(struct patrol_run *pr)
{
	if (pr->ndirty > 0)
		pr_judge_cb(-1, 0, pr);
	pr_tick(pr);
}

/* Something patrol-related changed and committed: reload, judge again. */
void
patrol_run_reload(struct patrol_run *pr)
{
	if (pr_load(pr) != 0) {
		pr_arm(pr);
		return;
	}
	pr_tick(pr);
}

/* --- check-ins --------------------------------------------------------------- */

/* What a check-in resolved to. */
struct pr_where {
	int64_t			 site_id;
	const struct pr_route	*route;		/* NULL: tag on no route */
	int			 cp;		/* -1 none */
	int64_t			 guard_id;	/* 0 unknown */
	int			 not_allowed;	/* inactive, or not for the site */
};

/* The first route in force (of site, or any when 0) with tag: 1 found. */
static int
pr_find_tag(struct patrol_run *pr, int64_t site, const char *tag,
    struct pr_where *w)
{
	size_t	i;
	int	cp;

	if (tag == NULL || *tag == '\0')
		return 0;
	for (i = 0; i < pr->nroutes; i++) {
		if (site > 0 && pr->routes[i].site_id != site)
			continue;
		if ((cp = patrol_route_find_tag(pr->routes[i].route, tag)) >= 0) {
			w->route = &pr->routes[i];
			w->cp = cp;
			w->site_id = pr->routes[i].site_id;
			return 1;
		}
	}
	return 0;
}

/* Is s all decimal digits (a guard's id)? */
static int
pr_numeric(const char *s)
{
	if (*s == '\0' || strlen(s) > 18)
		return 0;
	for (; *s != '\0'; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* The guard a check-in names (identifier, id, or device): > 0, 0, -1. */
static int64_t
pr_find_guard(struct patrol_run *pr, const struct patrol_checkin_in *in)
{
	int64_t	 id;
	json_t	*g;

	if (in->guard != NULL && *in->guard != '\0') {
		if ((id = store_patrol_guard_find(pr->store, in->guard)) != 0)
			return id;
		if (!pr_numeric(in->guard))
			return 0;
		id = strtoll(in->guard, NULL, 10);
		if ((g = store_patrol_guard_brief(pr->store, id, 0)) == NULL)
			return -1;
		id = json_is_object(g) ? id : 0;
		json_decref(g);
		return id;
	}
	if (in->device != NULL && *in->device != '\0')
		return store_patrol_guard_find(pr->store, in->device);
	return 0;
}

/* The only site a guard may patrol, 0 if none or several. */
static int64_t
pr_guard_site(struct patrol_run *pr, int64_t guard)
{
	json_t	*g = store_patrol_guard_get(pr->store, STORE_PATROL_BATCH, guard);
	json_t	*sites = json_object_get(g, "sites");
	int64_t	 site = 0;

	if (json_array_size(sites) == 1)
		site = json_integer_value(json_object_get(json_array_get(sites,
		    0), "id"));
	json_decref(g);
	return site;
}

/* Is the guard active and linked to the site?  Sets not_allowed; 0 or -1. */
static int
pr_allowed(struct patrol_run *pr, struct pr_where *w)
{
	json_t	*g;

	if (w->guard_id <= 0)
		return 0;
	if ((g = store_patrol_guard_brief(pr->store, w->guard_id,
	    w->site_id)) == NULL)
		return -1;
	w->not_allowed = json_integer_value(json_object_get(g, "active")) == 0;
	if (w->site_id > 0 && json_integer_value(json_object_get(g, "may")) == 0)
		w->not_allowed = 1;
	json_decref(g);
	return 0;
}

/* Where a check-in belongs: guard, site, route and checkpoint.  0 or -1. */
static int
pr_resolve(struct patrol_run *pr, const struct patrol_checkin_in *in,
    struct pr_where *w)
{
	memset(w, 0, sizeof(*w));
	w->cp = -1;
	if ((w->guard_id = pr_find_guard(pr, in)) < 0)
		return -1;
	w->site_id = in->site_id;
	if (!pr_find_tag(pr, in->site_id, in->tag, w) && w->site_id == 0 &&
	    w->guard_id > 0)
		w->site_id = pr_guard_site(pr, w->guard_id);
	return pr_allowed(pr, w);
}

/* The identity of a scan, so the same one sent twice is stored once. */
static void
pr_dedup(const struct patrol_checkin_in *in, int64_t scan_ms, char *buf,
    size_t bufsz)
{
	const char	*who = in->device != NULL && *in->device != '\0' ?
			    in->device : in->guard != NULL ? in->guard : "";

	snprintf(buf, bufsz, "%s|%s|%s|%s|%" PRId64, in->kind,
	    in->account != NULL ? in->account : "", who, in->tag, scan_ms);
}

/* Raise the priority-1 alarm of a guard's panic or man-down.  0 or -1. */
static int
pr_guard_alarm(struct patrol_run *pr, const struct patrol_checkin_in *in,
    const struct pr_where *w, int64_t id, int64_t *alarm_id)
{
	struct alarm_patrol	 a;
	json_t			*g = NULL;
	char			 ref[17], text[300];
	const char		*gname = in->guard != NULL ? in->guard : "";

	if (w->guard_id > 0 && (g = store_patrol_guard_brief(pr->store,
	    w->guard_id, 0)) != NULL && json_is_object(g))
		gname = json_string_value(json_object_get(g, "name"));
	pr_mkref(ref, 'G', (uint64_t)id);
	snprintf(text, sizeof(text), "Guard %s: %s%s%s%s",
	    strcmp(in->kind, "panic") == 0 ? "panic" : "man down",
	    *gname != '\0' ? gname : "unknown guard",
	    w->route != NULL ? " at " : "", w->route != NULL ?
	    patrol_route_cp_name(w->route->route, w->cp) : "",
	    in->has_pos ? " (position sent)" : "");
	json_decref(g);
	memset(&a, 0, sizeof(a));
	a.site_id = w->site_id;
	a.ref = ref;
	a.cls = EVC_PANIC;
	a.priority = 1;
	a.text = text;
	a.first_ms = in->scan_ms;
	if (pr->alarms == NULL)
		return 0;
	return alarm_patrol_raise(pr->alarms, &a, alarm_id);
}

/* Note a shift to judge on the next pass (once). */
static void
pr_dirty_add(struct patrol_run *pr, int64_t route_id,
    const struct patrol_shift *sh)
{
	struct timeval	delay = { 0, PR_JUDGE_DELAY_MS * 1000 };
	size_t		i;

	for (i = 0; i < pr->ndirty; i++)
		if (pr->dirty[i].route_id == route_id &&
		    pr->dirty[i].sh.start_ms == sh->start_ms &&
		    pr->dirty[i].sh.rule == sh->rule)
			return;
	if (pr->ndirty == pr->capdirty) {
		pr->capdirty = pr->capdirty ? pr->capdirty * 2 : 16;
		pr->dirty = xreallocarray(pr->dirty, pr->capdirty,
		    sizeof(*pr->dirty));
	}
	pr->dirty[pr->ndirty].route_id = route_id;
	pr->dirty[pr->ndirty].sh = *sh;
	if (pr->ndirty++ == 0)
		evtimer_add(pr->judge, &delay);
}

/* A scan at scan_ms on site: its shifts on the site's routes are to be judged. */
static void
pr_judge_at(struct patrol_run *pr, int64_t site, int64_t scan_ms, int64_t now)
{
	struct patrol_shift	 sh[4];
	size_t			 i;
	int			 n, k;

	if (scan_ms < now - PATROL_RUN_LATE_MAX_H * HOUR_MS)
		return;
	for (i = 0; i < pr->nroutes; i++) {
		if (pr->routes[i].site_id != site)
			continue;
		n = patrol_shifts(pr->routes[i].route, pr->routes[i].tz, pr->cal,
		    scan_ms, scan_ms + 1, sh, 4);
		for (k = 0; k < n && k < 4; k++)
			if (sh[k].end_ms > pr->routes[i].since_ms)
				pr_dirty_add(pr, pr->routes[i].id, &sh[k]);
	}
}

/* The route in force with version row id, or NULL (retired meanwhile). */
static struct pr_route *
pr_route_by_id(struct patrol_run *pr, int64_t id)
{
	size_t	i;

	for (i = 0; i < pr->nroutes; i++)
		if (pr->routes[i].id == id)
			return &pr->routes[i];
	return NULL;
}

/* Judge the shifts that got scans since the last pass. */
static void
pr_judge_cb(evutil_socket_t fd, short what, void *arg)
{
	struct patrol_run	*pr = arg;
	struct pr_route		*r;
	int64_t			 now = clock_now_ms(), due;
	size_t			 i;
	int			 j;

	(void)fd;
	(void)what;
	for (i = 0; i < pr->ndirty; i++) {
		if ((r = pr_route_by_id(pr, pr->dirty[i].route_id)) == NULL)
			continue;
		/* The zone it was cut in may have been reloaded since. */
		pr->dirty[i].sh.tz = r->tz;
		if ((due = pr_settle(pr, r, &pr->dirty[i].sh, now)) < 0) {
			log_warnx("patrol: route %s cannot be judged now: %s",
			    r->name, store_errmsg(pr->store));
			batch_abort(pr->batch);
			break;
		}
		for (j = 0; j < r->nshifts; j++)
			if (r->shifts[j].sh.start_ms == pr->dirty[i].sh.start_ms &&
			    r->shifts[j].sh.rule == pr->dirty[i].sh.rule)
				r->shifts[j].due_ms = due;
	}
	pr->ndirty = 0;
	pr_arm(pr);
}

/* Fill the stored row of a check-in from what came and what it resolved to. */
static void
pr_row_fill(const struct patrol_checkin_in *in, const struct pr_where *w,
    int64_t scan_ms, const char *dedup, struct store_patrol_checkin *c)
{
	memset(c, 0, sizeof(*c));
	c->received_ms = in->received_ms;
	c->scan_ms = scan_ms;
	c->source = in->source;
	c->kind = in->kind;
	c->account = in->account;
	c->device = in->device != NULL ? in->device : "";
	c->tag = in->tag;
	c->guard_ref = in->guard != NULL ? in->guard : "";
	c->guard_id = w->guard_id;
	c->site_id = w->site_id;
	c->route_id = w->route != NULL ? w->route->id : 0;
	c->checkpoint = w->cp;
	c->unknown_tag = strcmp(in->kind, "scan") == 0 && w->route == NULL;
	c->unknown_guard = w->guard_id == 0;
	c->not_allowed = w->not_allowed;
	c->has_pos = in->has_pos;
	c->lat = in->lat;
	c->lon = in->lon;
	c->event_id = in->event_id;
	c->entered_by = in->entered_by;
	c->dedup = dedup;
}

/* Store a check-in, judge its shift, raise what it raises. */
int
patrol_run_checkin(struct patrol_run *pr, const struct patrol_checkin_in *in,
    json_t **result, struct cmd_err *err)
{
	struct store_patrol_checkin	 c;
	struct pr_where			 w;
	char				 dedup[300];
	int64_t				 scan_ms, id, dup = 0, alarm_id = 0;

	scan_ms = in->scan_ms > 0 && in->scan_ms < in->received_ms ?
	    in->scan_ms : in->received_ms;
	if (batch_join(pr->batch) != 0 || pr_resolve(pr, in, &w) != 0)
		return cmd_fail(err, "storage", "%s", store_errmsg(pr->store));
	pr_dedup(in, scan_ms, dedup, sizeof(dedup));
	pr_row_fill(in, &w, scan_ms, dedup, &c);
	if ((id = store_patrol_checkin_add(pr->store, &c, &dup)) < 0)
		return cmd_fail(err, "storage", "%s", store_errmsg(pr->store));
	if (id == 0 && result == NULL)
		return 0;
	if (id == 0) {
		*result = store_patrol_checkin_get(pr->store, dup);
		if (*result == NULL)
			return cmd_fail(err, "storage", "%s", store_errmsg(pr->store));
		json_object_set_new(*result, "duplicate", json_true());
		return 0;
	}
	if (strcmp(in->kind, "scan") != 0 &&
	    pr_guard_alarm(pr, in, &w, id, &alarm_id) != 0)
		return cmd_fail(err, "storage", "%s", store_errmsg(pr->store));
	if (strcmp(in->kind, "scan") == 0 && w.site_id > 0)
		pr_judge_at(pr, w.site_id, scan_ms, clock_now_ms());
	if (result == NULL)
		return 0;
	if ((*result = store_patrol_checkin_get(pr->store, id)) == NULL)
		return cmd_fail(err, "storage", "%s", store_errmsg(pr->store));
	json_object_set_new(*result, "duplicate", json_false());
	if (alarm_id > 0)
		json_object_set_new(*result, "alarm_id", json_integer(alarm_id));
	return 0;
}

/* --- DC-09 terminals --------------------------------------------------------- */

/* The terminal mapping of account, or NULL. */
static const struct pr_term *
pr_term_find(const struct patrol_run *pr, const char *account)
{
	struct pr_term	key;

	if (pr->nterms == 0)
		return NULL;
	snprintf(key.account, sizeof(key.account), "%s", account);
	return bsearch(&key, pr->terms, pr->nterms, sizeof(*pr->terms),
	    pr_term_cmp);
}

/* Which purpose code serves on t: 0 tag read, 1 panic, 2 man-down, -1 none. */
static int
pr_term_purpose(const struct pr_term *t, const char *code)
{
	int	k, i;

	for (k = 0; k < 3; k++)
		for (i = 0; i < t->ncodes[k]; i++)
			if (strcasecmp(t->codes[k][i], code) == 0)
				return k;
	return -1;
}

/* The value of extended data field letter in xdata, into buf; 1 found. */
static int
pr_xfield(const char *xdata, char letter, char *buf, size_t bufsz)
{
	const char	*p = xdata, *rb;

	while (p != NULL && *p == '[') {
		if ((rb = strchr(p, ']')) == NULL)
			return 0;
		if (p[1] == letter) {
			snprintf(buf, bufsz, "%.*s", (int)(rb - p - 2), p + 2);
			return 1;
		}
		p = rb + 1;
	}
	return 0;
}

/* A field of the event named by field ("zone", "user", "L", ...) into buf. */
static void
pr_ev_field(const struct patrol_dc09 *in, const char *field, char *buf,
    size_t bufsz)
{
	buf[0] = '\0';
	if (strcmp(field, "zone") == 0 && in->ev->zone >= 0)
		snprintf(buf, bufsz, "%d", in->ev->zone);
	else if (strcmp(field, "user") == 0 && in->ev->user >= 0)
		snprintf(buf, bufsz, "%d", in->ev->user);
	else if (strcmp(field, "name") == 0)
		pr_copy(buf, bufsz, in->ev->name);
	else if (strcmp(field, "note") == 0)
		pr_copy(buf, bufsz, in->ev->note);
	else if (strlen(field) == 1 && in->xdata != NULL)
		pr_xfield(in->xdata, field[0], buf, bufsz);
}

/* "[H_HH:MM:SS,MM-DD-YYYY]" (the "_" optional) as UTC ms; 0 when not one. */
static int64_t
pr_htime(const char *xdata)
{
	char		v[40];
	struct tm	tm;
	int		n = 0;
	time_t		t;

	if (xdata == NULL || !pr_xfield(xdata, 'H', v, sizeof(v)))
		return 0;
	memset(&tm, 0, sizeof(tm));
	if (sscanf(v[0] == '_' ? v + 1 : v, "%2d:%2d:%2d,%2d-%2d-%4d%n",
	    &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &tm.tm_mon, &tm.tm_mday,
	    &tm.tm_year, &n) != 6 || n == 0 || tm.tm_mon < 1 || tm.tm_mon > 12 ||
	    tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
	    tm.tm_min > 59 || tm.tm_sec > 60 || tm.tm_year < 2000)
		return 0;
	tm.tm_mon -= 1;
	tm.tm_year -= 1900;
	if ((t = timegm(&tm)) == (time_t)-1)
		return 0;
	return (int64_t)t * 1000;
}

/* The time of the scan by the terminal's mapping (0: as received). */
static int64_t
pr_ev_time(const struct pr_term *t, const struct patrol_dc09 *in)
{
	int64_t	ms = 0;

	if (strcmp(t->time_field, "received") == 0)
		return 0;
	if (strcmp(t->time_field, "H") == 0)
		ms = pr_htime(in->xdata);
	if (ms == 0 && in->ev->event_time > 0)
		ms = (int64_t)in->ev->event_time * 1000;
	if (ms == 0)
		ms = in->panel_time * 1000;
	return ms;
}

/* GPS from [X longitude][Y latitude]: 1 when both are numbers in range. */
static int
pr_ev_pos(const char *xdata, double *lat, double *lon)
{
	char	x[40], y[40], *end;

	if (xdata == NULL || !pr_xfield(xdata, 'X', x, sizeof(x)) ||
	    !pr_xfield(xdata, 'Y', y, sizeof(y)))
		return 0;
	*lon = strtod(x, &end);
	if (end == x || *end != '\0' || *lon < -180 || *lon > 180)
		return 0;
	*lat = strtod(y, &end);
	return end != y && *end == '\0' && *lat >= -90 && *lat <= 90;
}

/* A stored DC-09 event: a check-in if it comes from a terminal with a mapped code. */
int
patrol_run_event(struct patrol_run *pr, const struct patrol_dc09 *in)
{
	const struct pr_term		*t;
	struct patrol_checkin_in	 ci;
	struct cmd_err			 err;
	char				 tag[PATROL_TAG_MAX + 1], guard[64];
	int				 k;

	if (pr->nterms == 0 || (t = pr_term_find(pr, in->account)) == NULL ||
	    in->ev->qual != EVQ_NEW || (k = pr_term_purpose(t, in->ev->code)) < 0)
		return 0;
	memset(&ci, 0, sizeof(ci));
	ci.source = "dc09";
	ci.kind = pr_kinds[k];
	pr_ev_field(in, t->tag_field, tag, sizeof(tag));
	ci.tag = k == 0 ? tag : "";
	pr_ev_field(in, t->guard_field, guard, sizeof(guard));
	ci.guard = guard[0] != '\0' ? guard : NULL;
	ci.device = in->account;
	ci.account = in->account;
	ci.site_id = in->site_id;
	ci.received_ms = in->received_ms;
	ci.scan_ms = pr_ev_time(t, in);
	ci.has_pos = pr_ev_pos(in->xdata, &ci.lat, &ci.lon);
	ci.event_id = in->event_id;
	if (patrol_run_checkin(pr, &ci, NULL, &err) != 0)
		return -1;
	return 1;
}

/* Check a list of codes (SIA two letters or Contact ID three digits). */
static int
pr_map_codes(const json_t *v, const char *name, int required, char *err,
    size_t errsz)
{
	const json_t	*c;
	const char	*s;
	size_t		 i, n;

	if (v == NULL && !required)
		return 0;
	if (!json_is_array(v) || json_array_size(v) > PATROL_RUN_CODES_MAX ||
	    (required && json_array_size(v) == 0)) {
		snprintf(err, errsz, "%s: a list of 1 to %d event codes", name,
		    PATROL_RUN_CODES_MAX);
		return -1;
	}
	json_array_foreach(v, i, c) {
		s = json_string_value(c);
		n = s != NULL ? strlen(s) : 0;
		if (n < 2 || n > 3 || strspn(s, n == 2 ? "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz" : "0123456789") != n) {
			snprintf(err, errsz, "%s[%zu]: a SIA code (two letters) "
			    "or a Contact ID code (three digits)", name, i);
			return -1;
		}
	}
	return 0;
}

/* Is s one of the words in list (NULL-terminated)? */
static int
pr_word(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

/* A complete mapping object: the code lists (absent: empty) and the fields. */
static json_t *
pr_map_json(const json_t *args, const char *tf, const char *gf, const char *ti)
{
	static const char *const lists[3] = { "tag_codes", "panic_codes",
	    "man_down_codes" };
	json_t	*m = json_object(), *v;
	int	 k;

	for (k = 0; k < 3; k++) {
		v = json_object_get(args, lists[k]);
		json_object_set_new(m, lists[k], v != NULL ? json_deep_copy(v) :
		    json_array());
	}
	json_object_set_new(m, "tag_field", json_string(tf));
	json_object_set_new(m, "guard_field", json_string(gf));
	json_object_set_new(m, "time", json_string(ti));
	return m;
}

/* Check and complete a terminal mapping. */
json_t *
patrol_run_terminal_map(const json_t *args, char *err, size_t errsz)
{
	static const char *const tagf[] = { "zone", "user", "L", "name", "note",
	    NULL };
	static const char *const guardf[] = { "user", "zone", "I", "name",
	    "none", NULL };
	static const char *const timef[] = { "H", "frame", "received", NULL };
	const char	*tf = json_string_value(json_object_get(args, "tag_field"));
	const char	*gf = json_string_value(json_object_get(args, "guard_field"));
	const char	*ti = json_string_value(json_object_get(args, "time"));

	if (pr_map_codes(json_object_get(args, "tag_codes"), "tag_codes", 1,
	    err, errsz) != 0 || pr_map_codes(json_object_get(args,
	    "panic_codes"), "panic_codes", 0, err, errsz) != 0 ||
	    pr_map_codes(json_object_get(args, "man_down_codes"),
	    "man_down_codes", 0, err, errsz) != 0)
		return NULL;
	if (tf != NULL && !pr_word(tf, tagf)) {
		snprintf(err, errsz, "tag_field: zone, user, L, name or note");
		return NULL;
	}
	if (gf != NULL && !pr_word(gf, guardf)) {
		snprintf(err, errsz, "guard_field: user, zone, I, name or none");
		return NULL;
	}
	if (ti != NULL && !pr_word(ti, timef)) {
		snprintf(err, errsz, "time: H, frame or received");
		return NULL;
	}
	return pr_map_json(args, tf != NULL ? tf : "L", gf != NULL ? gf : "user",
	    ti != NULL ? ti : "H");
}

/* --- status and reports ------------------------------------------------------ */

/* ISO-8601 of ms, null for 0. */
static json_t *
pr_time(int64_t ms)
{
	char	buf[40];

	if (ms <= 0)
		return json_null();
	control_time_format(ms, 0, buf, sizeof(buf));
	return json_string(buf);
}

/* A round as reports show it, with each checkpoint's state. */
static json_t *
pr_round_json(const struct pr_route *r, const struct patrol_round *rd, int n)
{
	json_t	*cps = json_array();
	size_t	 i, ncp = patrol_route_ncheckpoints(r->route);

	for (i = 0; i < ncp; i++)
		json_array_append_new(cps, json_pack("{s:s,s:s,s:o}",
		    "name", patrol_route_cp_name(r->route, (int)i),
		    "state", patrol_visit_state_name(rd->visits[i]),
		    "at", pr_time(rd->visit_ms[i])));
	return json_pack("{s:i,s:s,s:o,s:o,s:o,s:o,s:o,s:o}", "round", n,
	    "state", patrol_round_state_name(rd->state),
	    "start", pr_time(rd->start_ms), "end", pr_time(rd->end_ms),
	    "slot_from", pr_time(rd->slot_from_ms),
	    "slot_to", pr_time(rd->slot_to_ms),
	    "guard_id", rd->guard_id > 0 ? json_integer(rd->guard_id) :
	    json_null(), "checkpoints", cps);
}

/* Did guard walk a round of res (guard <= 0: any)? */
static int
pr_guard_walked(const struct patrol_result *res, int64_t guard)
{
	int	i;

	if (guard <= 0)
		return 1;
	for (i = 0; i < res->nrounds; i++)
		if (res->rounds[i].guard_id == guard)
			return 1;
	return 0;
}

/* One judged shift as reports and status show it. */
static json_t *
pr_shift_json(const struct pr_route *r, const struct patrol_shift *sh,
    const struct patrol_result *res)
{
	json_t	*rounds = json_array(), *findings = json_array();
	int	 i, late = 0, missed = 0;
	char	 date[16];
	size_t	 c;

	for (i = 0; i < res->nrounds; i++) {
		json_array_append_new(rounds, pr_round_json(r, &res->rounds[i],
		    i + 1));
		missed += res->rounds[i].state == PATROL_ROUND_MISSED;
		for (c = 0; c < patrol_route_ncheckpoints(r->route); c++)
			if (res->rounds[i].visits[c] == PATROL_VISIT_LATE) {
				late++;
				break;
			}
	}
	for (i = 0; i < res->nfindings; i++)
		json_array_append_new(findings, json_pack("{s:s,s:s,s:s,s:o}",
		    "key", res->findings[i].key,
		    "kind", patrol_fail_name(res->findings[i].kind),
		    "text", res->findings[i].text,
		    "since", pr_time(res->findings[i].at_ms)));
	snprintf(date, sizeof(date), "%04d-%02d-%02d", sh->year, sh->month,
	    sh->day);
	return json_pack("{s:s,s:i,s:I,s:s,s:o,s:o,s:i,s:i,s:i,s:i,s:i,s:i,"
	    "s:o,s:o,s:o,s:o}", "route", r->name, "version", r->version,
	    "site_id", (json_int_t)r->site_id, "date", date,
	    "start", pr_time(sh->start_ms), "end", pr_time(sh->end_ms),
	    "required", sh->rounds, "walked", res->walked,
	    "complete", res->complete, "late", late, "missed", missed,
	    "extra_scans", res->extra_scans,
	    "next_checkpoint", res->next_cp >= 0 ? json_string(
	    patrol_route_cp_name(r->route, res->next_cp)) : json_null(),
	    "next_by", pr_time(res->next_cp_by_ms),
	    "rounds", rounds, "findings", findings);
}

/*
 * Does version r judge shift sh?  Not one over before it was put; once
 * retired, not one begun after, nor one its successor took over (the one
 * in progress when a new version was put is the new version's, as for the
 * alarms).
 */
static int
pr_version_judges(const struct pr_route *r, const struct patrol_shift *sh)
{
	if (sh->end_ms <= r->since_ms)
		return 0;
	if (r->until_ms <= 0)
		return 1;
	if (r->succeeded)
		return sh->end_ms <= r->until_ms;
	return sh->start_ms < r->until_ms;
}

/*
 * The judged shifts of r starting in [from, to) (or holding now) into out,
 * at most *budget of them (counted down; -1 once one more was left out).
 */
static int
pr_route_shifts(struct patrol_run *pr, const struct pr_route *r, int64_t from,
    int64_t to, int64_t guard, int only_now, int *budget, json_t *out)
{
	struct patrol_shift	*sh;
	struct patrol_result	 res;
	int64_t			 now = clock_now_ms();
	int			 n, i, max = PATROL_RUN_REPORT_SHIFTS + 1;

	sh = xcalloc((size_t)max, sizeof(*sh));
	n = patrol_shifts(r->route, r->tz, pr->cal, from, to, sh, max);
	for (i = 0; i < n; i++) {
		if (i >= max || *budget <= 0) {
			*budget = -1;
			break;
		}
		/* A report is of shifts that began: none of the future. */
		if ((!only_now && (sh[i].start_ms < from ||
		    sh[i].start_ms > now)) || !pr_version_judges(r, &sh[i]))
			continue;
		(*budget)--;
		if (pr_judge(pr, r, &sh[i], STORE_PATROL_COMMITTED, now,
		    &res) != 0) {
			patrol_result_free(&res);
			free(sh);
			return -1;
		}
		if (pr_guard_walked(&res, guard))
			json_array_append_new(out, pr_shift_json(r, &sh[i], &res));
		patrol_result_free(&res);
	}
	free(sh);
	return 0;
}

/* Who is on which round now, and what is due next. */
json_t *
patrol_run_status(struct patrol_run *pr, int64_t site)
{
	json_t	*shifts = json_array(), *guards;
	int64_t	 now = clock_now_ms();
	size_t	 i;
	int	 budget = PATROL_RUN_REPORT_SHIFTS;

	for (i = 0; i < pr->nroutes; i++) {
		if (site > 0 && pr->routes[i].site_id != site)
			continue;
		if (pr_route_shifts(pr, &pr->routes[i], now, now + 1, 0, 1,
		    &budget, shifts) != 0) {
			json_decref(shifts);
			return NULL;
		}
	}
	if ((guards = store_patrol_last_scans(pr->store, now - 12 * HOUR_MS)) ==
	    NULL) {
		json_decref(shifts);
		return NULL;
	}
	return json_pack("{s:o,s:o,s:o}", "now", pr_time(now), "shifts", shifts,
	    "guards", guards);
}

/* Was version row replaced by next (the same route's next version, put then)? */
static int
pr_succeeded(const json_t *row, const json_t *next)
{
	const char	*a = json_string_value(json_object_get(row, "name"));
	const char	*b = json_string_value(json_object_get(next, "name"));

	return next != NULL && a != NULL && b != NULL && strcmp(a, b) == 0 &&
	    json_integer_value(json_object_get(next, "version")) ==
	    json_integer_value(json_object_get(row, "version")) + 1 &&
	    json_integer_value(json_object_get(next, "created_ms")) <=
	    json_integer_value(json_object_get(row, "retired_ms"));
}

/*
 * The judged shifts of every route version in force at some time in
 * [from, to) into out: a retired version judges its shifts up to its
 * retirement, so what was walked under it stays reported.  0 or -1.
 */
static int
pr_report_versions(struct patrol_run *pr, int64_t site, const char *route,
    int64_t guard, int64_t from, int64_t to, int *budget, json_t *out)
{
	struct pr_route	 r;
	json_t		*rows, *row;
	size_t		 i;
	int		 rc = 0;

	if ((rows = store_patrol_route_versions(pr->store, site, route, from,
	    to)) == NULL)
		return -1;
	json_array_foreach(rows, i, row) {
		if (pr_route_load(&r, row) != 0)
			continue;
		r.succeeded = pr_succeeded(row, json_array_get(rows, i + 1));
		rc = pr_route_shifts(pr, &r, from, to, guard, 0, budget, out);
		pr_route_clear(&r);
		if (rc != 0)
			break;
	}
	json_decref(rows);
	return rc;
}

/* The shifts of a period, judged, with totals. */
json_t *
patrol_run_report(struct patrol_run *pr, int64_t site, const char *route,
    int64_t guard, int64_t from_ms, int64_t to_ms)
{
	static const char *const sums[] = { "required", "walked", "complete",
	    "late", "missed", NULL };
	json_t	*shifts = json_array(), *tot = json_object(), *s;
	size_t	 j;
	int	 k, budget = PATROL_RUN_REPORT_SHIFTS;

	if (pr_report_versions(pr, site, route, guard, from_ms, to_ms, &budget,
	    shifts) != 0) {
		json_decref(shifts);
		json_decref(tot);
		return NULL;
	}
	for (k = 0; sums[k] != NULL; k++) {
		json_int_t	n = 0;

		json_array_foreach(shifts, j, s)
			n += json_integer_value(json_object_get(s, sums[k]));
		json_object_set_new(tot, sums[k], json_integer(n));
	}
	json_object_set_new(tot, "shifts", json_integer(
	    (json_int_t)json_array_size(shifts)));
	return json_pack("{s:o,s:o,s:o,s:o,s:b}", "from", pr_time(from_ms),
	    "to", pr_time(to_ms), "totals", tot, "shifts", shifts,
	    "truncated", budget < 0);
}
