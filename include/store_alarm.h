/* store_alarm.h - alarms, their events and steps in SQLite (src/store_alarm.c). */
#ifndef PCOD_STORE_ALARM_H
#define PCOD_STORE_ALARM_H

#include <stdint.h>

#include <jansson.h>

struct store;

/* A new alarm as the engine raises it; strings are borrowed. */
struct store_alarm_new {
	int64_t		 site_id;	/* 0: none */
	const char	*account;
	int		 zone;		/* -1: none */
	const char	*cls;		/* "burglary" */
	const char	*kind;		/* "event", "comm_fail", "system" */
	int		 priority;
	const char	*text;
	int64_t		 first_ms;	/* the first event's reception */
	int64_t		 created_ms;
	int64_t		 protocol_id;	/* 0: none */
	int64_t		 take_deadline_ms;
	int64_t		 event_id;	/* the first event; 0: none (comm_fail, system) */
};

/* One open alarm as the engine rebuilds its index (strings valid during the callback). */
struct store_alarm_open {
	int64_t		 id;
	int64_t		 site_id;	/* 0: none */
	const char	*account;
	int		 zone;		/* -1: none */
	const char	*cls;
	const char	*kind;
	int		 taken;		/* state 'taken' (else 'new') */
	int		 restored;
	int64_t		 created_ms;
	int64_t		 next_deadline_ms;	/* 0: none */
};

/* The queue filter of alarm.list. */
struct store_alarm_filter {
	const char	*state;		/* "open", "new", "taken", "closed", "all" */
	int64_t		 site_id;	/* 0: any */
	int		 limit;		/* > 0 */
};

/* Which open alarms a bulk close takes: every member set must match. */
struct store_alarm_match {
	int64_t		 site_id;	/* 0: any */
	const char	*account;	/* NULL: any */
	const char	*cls;		/* NULL: any */
	const char	*state;		/* "new" or "taken"; NULL: either */
	int		 priority;	/* 0: any */
	int64_t		 before_ms;	/* raised before this; 0: any */
};

/* Told of each alarm a bulk close closed (strings valid during the call). */
typedef void	(*store_alarm_closed_fn)(int64_t id, const char *kind,
		    const char *account, void *arg);

/* Writes, all in the open batch (writer).  0 or -1 unless said. */
int64_t	store_alarm_add(struct store *, const struct store_alarm_new *);	/* id or -1 */
int	store_alarm_link(struct store *, int64_t alarm_id, int64_t event_id);
/* Link n stored events to their alarms ({alarm_id, event_id} each).  0 or -1. */
int	store_alarm_links(struct store *, const int64_t (*links)[2], size_t n);
/* count += inc, last_ms raised to last_ms, restored set (-1: kept). */
int	store_alarm_stack(struct store *, int64_t id, int64_t last_ms, int inc,
	    int restored);
/* The same for a stacked event (its id widens the alarm's event range). */
int	store_alarm_stack_event(struct store *, int64_t id, int64_t last_ms,
	    int inc, int restored, int64_t event_id);
/*
 * An event of account on the unknown-accounts alarm id at ms: its count
 * (a new account also counts in the alarm's accounts).  0 or -1.
 */
int	store_alarm_account(struct store *, int64_t id, const char *account,
	    int64_t ms);
/*
 * n events of account on the unknown-accounts alarm id, the first at
 * first_ms and the last at last_ms (a new row only; an existing row keeps
 * its first); an account new to the alarm counts in its accounts, unless
 * the caller knows it has a row already (known: one statement, not two).
 * Both writes are blind (nothing waits for them).  0 or -1.
 */
int	store_alarm_account_add(struct store *, int64_t id, const char *account,
	    int64_t n, int64_t first_ms, int64_t last_ms, int known);
/* Copy protocol steps [{position, action, target, text, deadline_s}] to the alarm. */
int	store_alarm_steps_copy(struct store *, int64_t id, const json_t *steps);
/* Taken by who at ms; with deadlines, the steps' deadlines start at ms. */
int	store_alarm_take(struct store *, int64_t id, const char *who, int64_t ms,
	    int deadlines);
/* next_deadline_ms: 0 stores NULL. */
int	store_alarm_set_next(struct store *, int64_t id, int64_t next_ms);
/* Escalate one level: priority up one (not above 1); next: -1 kept, 0 NULL. */
int	store_alarm_escalate(struct store *, int64_t id, int64_t next_ms);
/* The dispatch deadline the site's risk assessment set (0: none).  0 or -1. */
int	store_alarm_dispatch_ms(struct store *, int64_t id, int64_t *ms);
int	store_alarm_close(struct store *, int64_t id, const char *who, int64_t ms,
	    const char *resolution, const char *note);
/* Close every open alarm matching m, telling cb of each: how many, or -1. */
int	store_alarm_close_match(struct store *,
	    const struct store_alarm_match *m, const char *who, int64_t ms,
	    const char *resolution, const char *note, store_alarm_closed_fn cb,
	    void *arg);
/* Record a step's outcome: 0, 1 no such step, -1. */
int	store_alarm_step_set(struct store *, int64_t id, int position,
	    const char *outcome, const char *who, int64_t ms);
/*
 * Of the steps not done: the earliest deadline after now (0: none) and how
 * many are due (deadline <= now).  0 or -1.
 */
int	store_alarm_step_due(struct store *, int64_t id, int64_t now,
	    int64_t *next_ms, int *due);
/* The steps due at now, [{position, action, deadline_s}], each marked escalated once more. */
json_t	*store_alarm_steps_escalate(struct store *, int64_t id, int64_t now);

/* Reads. */
/* The alarm row (committed: reader; else writer, seeing the batch); json_null() none. */
json_t	*store_alarm_get(struct store *, int64_t id, int committed);
/* The queue: priority, then age; committed data. */
json_t	*store_alarm_list(struct store *, const struct store_alarm_filter *);
/* How many alarms the filter matches (its limit ignored); -1 on error. */
int64_t	store_alarm_count(struct store *, const struct store_alarm_filter *);
/* The alarm's events, newest first, at most limit (committed). */
json_t	*store_alarm_events(struct store *, int64_t id, int limit);
/*
 * The accounts of an unknown-accounts alarm, [{account, events, first_ms,
 * last_ms}], most events first, at most limit; *seen: how many there are
 * in all (committed).  NULL on error.
 */
json_t	*store_alarm_accounts(struct store *, int64_t id, int limit,
	    int64_t *seen);
/* The alarm's steps with their outcomes, in order (committed). */
json_t	*store_alarm_steps(struct store *, int64_t id);
/* Open alarms (committed) by state and priority, for status and metrics. */
#define STORE_ALARM_PRIO_MAX	9
struct store_alarm_counts {
	int64_t	 by[2][STORE_ALARM_PRIO_MAX + 1];	/* [0 new, 1 taken][priority 1-9] */
	int64_t	 total;
};
/* Fill c.  0 or -1. */
int	store_alarm_open_counts(struct store *, struct store_alarm_counts *c);
/* Every alarm not closed (writer).  0 or -1. */
int	store_alarm_open_foreach(struct store *,
	    int (*cb)(const struct store_alarm_open *, void *), void *arg);

#endif
