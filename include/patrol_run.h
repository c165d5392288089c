/*
 * patrol_run.h - the guard patrol service (src/patrol_run.c): keeps the
 * routes in force, the holiday calendar and the patrol terminals in memory,
 * stores check-ins (from the control socket and from DC-09 terminals) in the
 * open batch, asks the pure engine (patrol.h) for the state of each shift,
 * raises and restores `patrol` alarms, and keeps one timer for the moment
 * the earliest shift may change with no new scan.  A restart recomputes
 * every shift of the last PATROL_RUN_LOOKBACK_H hours at once (catch-up).
 */
#ifndef PCOD_PATROL_RUN_H
#define PCOD_PATROL_RUN_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct event_base;
struct store;
struct batch;
struct alarm_engine;
struct config;
struct event;
struct actor;
struct cmd_err;
struct patrol_run;

/* Shifts that ended this long ago are still caught up at start-up. */
#define PATROL_RUN_LOOKBACK_H	36
/* A late upload older than this is stored but judges no shift. */
#define PATROL_RUN_LATE_MAX_H	(7 * 24)
/* A report judges at most this many shifts (the loop must not stall). */
#define PATROL_RUN_REPORT_SHIFTS	1000
/* The codes one terminal mapping may list per purpose. */
#define PATROL_RUN_CODES_MAX	16

struct patrol_run	*patrol_run_new(struct event_base *, struct store *,
			    struct batch *, struct alarm_engine *);
void			 patrol_run_free(struct patrol_run *);
/* Load everything, evaluate every recent shift (catch-up), arm the timer.  0 or -1. */
int			 patrol_run_start(struct patrol_run *);
/* Routes, calendar or terminals changed (after commit): reload and re-evaluate. */
void			 patrol_run_reload(struct patrol_run *);
/*
 * Judge, against clock_now_ms() now, the shifts that got scans and those
 * due (the timers call it; tests on virtual time too), then re-arm.
 */
void			 patrol_run_tick(struct patrol_run *);

/* One check-in as the socket or a terminal gives it. */
struct patrol_checkin_in {
	const char	*source;	/* "socket", "dc09" */
	const char	*kind;		/* "scan", "panic", "man_down" */
	const char	*tag;		/* "" none (panic, man-down) */
	const char	*guard;		/* guard id or identifier as sent; NULL none */
	const char	*device;	/* NULL none */
	const char	*account;	/* DC-09 account; NULL none */
	int64_t		 site_id;	/* 0: find it from the tag, device or guard */
	int64_t		 scan_ms;	/* device time; 0: received_ms */
	int64_t		 received_ms;
	int		 has_pos;
	double		 lat, lon;
	int64_t		 event_id;	/* 0 none */
	const char	*entered_by;	/* NULL none */
};

/*
 * Store a check-in in the open batch (the same scan twice is one), judge
 * the shift it belongs to and raise or restore alarms; a panic or man-down
 * raises a priority-1 alarm.  0 with *result (the stored check-in plus
 * "duplicate"; result NULL: not wanted), or -1 with err.
 */
int	patrol_run_checkin(struct patrol_run *, const struct patrol_checkin_in *,
	    json_t **result, struct cmd_err *err);

/* An event stored from a DC-09 frame (ingest.c), inside the batch. */
struct patrol_dc09 {
	const char		*account;	/* upper case */
	int64_t			 site_id;	/* the account's; 0 none */
	int64_t			 event_id;
	const struct event	*ev;
	const char		*xdata;		/* raw "[X..][Y..]", NUL-terminated; NULL none */
	int64_t			 received_ms;
	int64_t			 panel_time;	/* the frame's timestamp, s; 0 none */
};
/*
 * 1: the account is a patrol terminal and the event a tag read, panic or
 * man-down, now a check-in (no ordinary alarm for it); 0: not a patrol
 * event; -1: store error.
 */
int	patrol_run_event(struct patrol_run *, const struct patrol_dc09 *);

/*
 * A terminal mapping as patrol.terminal.set takes it, checked and made
 * complete with its defaults (a new object), or NULL with err.
 */
json_t	*patrol_run_terminal_map(const json_t *args, char *err, size_t errsz);

/* {routes: [{route, site, shift, rounds..., next_cp, by, guard}], guards: [...]}. */
json_t	*patrol_run_status(struct patrol_run *, int64_t site);
/*
 * The shifts of routes (of site, or every site; route name or NULL) that
 * start in [from, to), each judged at now: rounds required, walked,
 * complete, late, missed; each round's checkpoint states; "truncated"
 * when PATROL_RUN_REPORT_SHIFTS were judged before the end.  NULL on error.
 */
json_t	*patrol_run_report(struct patrol_run *, int64_t site, const char *route,
	    int64_t guard, int64_t from_ms, int64_t to_ms);

#endif
