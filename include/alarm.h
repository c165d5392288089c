/* alarm.h - the alarm engine: events become alarms, stacked, prioritised, escalated. */
#ifndef PCOD_ALARM_H
#define PCOD_ALARM_H

#include <stdint.h>

#include <jansson.h>

struct event_base;
struct store;
struct batch;
struct config;
struct event;
struct actor;
struct cmd_err;
struct alarm_engine;
struct store_alarm_match;

/* One stored event, as the receiver hands it to the engine (inside the batch). */
struct alarm_input {
	int64_t			 event_id;
	const char		*account;	/* upper case */
	int64_t			 site_id;	/* 0: the account has no site */
	int			 unknown_account;
	const struct event	*ev;
	int64_t			 received_ms;
};

/*
 * Told after a commit about every alarm that was raised or changed in it:
 * topic "alarm", obj the alarm as alarm.list shows it (borrowed).  An
 * escalation also comes with topic "escalation" (for supervisors).
 */
typedef void	(*alarm_notify_fn)(const char *topic, json_t *obj, void *arg);

struct alarm_engine	*alarm_engine_new(struct event_base *, struct store *,
			    struct batch *, const struct config *);
void			 alarm_engine_free(struct alarm_engine *);
void			 alarm_engine_set_config(struct alarm_engine *,
			    const struct config *);
void			 alarm_engine_set_notify(struct alarm_engine *,
			    alarm_notify_fn, void *arg);
/*
 * Load the open alarms and their deadlines from the store, escalate at once
 * what expired while pcod was down, and start the deadline timer.  0 or -1.
 */
int			 alarm_engine_start(struct alarm_engine *);

/* An event was stored in the open batch: raise, stack or restore.  0 or -1 (store). */
int			 alarm_on_event(struct alarm_engine *, const struct alarm_input *);

/*
 * Supervision: raise the communication-failure alarm of a silent account,
 * and restore it when the account reports again (in the open batch).  0 or -1.
 */
int			 alarm_comm_fail(struct alarm_engine *, const char *account,
			    int64_t site_id, int64_t last_seen_ms);
int			 alarm_comm_restore(struct alarm_engine *, const char *account);

/*
 * pcod's own trouble as an alarm (kind "system", class trouble), one open
 * per what ("storage"); a repeat stacks on it.  Joins the batch.  0 or -1.
 */
int			 alarm_raise_system(struct alarm_engine *, const char *what,
			    const char *text);

/* Check every deadline against clock_now_ms() now (the timer calls it each second). */
void			 alarm_engine_tick(struct alarm_engine *);

/*
 * Operator actions, for control_write(): run in the batch; 0 with *result
 * (the alarm after the change) or -1 with err ("not_found", "bad_state",
 * "bad_args", "storage").  Every one writes its audit row.
 */
int	alarm_take(struct alarm_engine *, int64_t id, const struct actor *,
	    json_t **result, struct cmd_err *err);
int	alarm_step(struct alarm_engine *, int64_t id, int position,
	    const char *outcome, const struct actor *, json_t **result,
	    struct cmd_err *err);
int	alarm_comment(struct alarm_engine *, int64_t id, const char *text,
	    const struct actor *, json_t **result, struct cmd_err *err);
int	alarm_close(struct alarm_engine *, int64_t id, const char *resolution,
	    const char *note, const struct actor *, json_t **result,
	    struct cmd_err *err);
int	alarm_escalate(struct alarm_engine *, int64_t id, const char *reason,
	    const struct actor *, json_t **result, struct cmd_err *err);

/*
 * A supervisor's clean-up: close every open alarm that matches m (at least
 * one member set, else "bad_args"; an operator gets "forbidden"), with one
 * audit record (action alarm.close, no object id, details {filter, count,
 * resolution}).  *result is {closed, filter, resolution, by}.  Consoles
 * hear of each alarm closed, or of more than a hundred in one notification
 * {bulk_close: result}.
 */
int	alarm_close_match(struct alarm_engine *,
	    const struct store_alarm_match *m, const char *resolution,
	    const char *note, const struct actor *, json_t **result,
	    struct cmd_err *err);

/* Resolution codes alarm_close accepts ("real", "false_user", ...). */
int	alarm_resolution_valid(const char *);

/* --- additions by the engine (src/alarm.c) --- */
/* alarm_step with the operator's note (NULL: none), kept in the audit row. */
int	alarm_step_note(struct alarm_engine *, int64_t id, int position,
	    const char *outcome, const char *note, const struct actor *,
	    json_t **result, struct cmd_err *err);
/*
 * A stored row (alarm, step or event) as consoles see it, changed in place:
 * every "x_ms" member becomes "x" in ISO-8601 UTC (null stays null), and
 * "restored" a boolean.
 */
void	alarm_json(json_t *row);
/* The resolution codes, comma-separated, for messages and documentation. */
const char *alarm_resolution_list(void);
/*
 * Optional: asked after each commit before anything is read for the notify
 * callback; 0 (no console subscribed) skips the reads and the encoding.
 * Without it every change is read and passed to the notify callback.
 */
typedef int	(*alarm_listening_fn)(void *arg);
void	alarm_engine_set_listening(struct alarm_engine *, alarm_listening_fn,
	    void *arg);

/*
 * The in-memory index of open alarms, sorted by id: [{id, kind, site_id,
 * account, zone, cls, taken, restored, created_ms, next_ms}] (checks and
 * debugging: after a failed batch it must equal what it was before it).
 */
json_t	*alarm_engine_index_json(struct alarm_engine *);

/*
 * Supervision: told in the open batch when an account's communication-failure
 * alarm is closed (one by one or in bulk), so that a still silent account
 * raises it again (supervise.c); NULL: nobody is told.
 */
typedef void	(*alarm_comm_closed_fn)(const char *account, void *arg);
void	alarm_engine_set_comm_closed(struct alarm_engine *,
	    alarm_comm_closed_fn, void *arg);
/* 1 if account's communication-failure alarm is open and not restored, else 0. */
int	alarm_comm_open(struct alarm_engine *, const char *account);

/* Priority of a new alarm of class cls, raised by the site's boost (1 highest). */
int	alarm_priority(int cls, int restore, int boost);

/* --- additions for guard patrols (src/patrol_run.c) --- */
/* A patrol alarm: kind "patrol", keyed by ref (kept in the account column). */
struct alarm_patrol {
	int64_t		 site_id;	/* 0 none */
	const char	*ref;		/* at most 16 bytes, unique per failure */
	int		 cls;		/* EVC_PATROL, EVC_THREAT, EVC_PANIC */
	int		 priority;	/* 0: the class's, before the site's boost */
	const char	*text;
	int64_t		 first_ms;	/* 0: now */
};
/*
 * Raise the alarm ref (joins the batch), or make it active again if it is
 * open and restored; nothing more if it is open and active.  0 with *id the
 * alarm, or -1 (store).
 */
int	alarm_patrol_raise(struct alarm_engine *, const struct alarm_patrol *,
	    int64_t *id);
/* Restore the open alarm ref of class cls (none open: nothing).  0 or -1. */
int	alarm_patrol_restore(struct alarm_engine *, const char *ref, int cls,
	    const char *text);

/* --- for systemd's STATUS= line (src/sdnotify.c via pcod.c) --- */
/* Open alarms now, from the in-memory index (0 for NULL). */
size_t	alarm_engine_open_count(const struct alarm_engine *);

#endif
