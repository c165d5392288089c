/*
 * patrol.h - guard patrol routes and the compliance of the rounds walked on
 * them (src/patrol.c, pure: no I/O, no clock, no libevent, no SQLite).
 *
 * The service around it (storage, check-ins, timers, alarms: src/patrol_run.c
 * and src/store_patrol.c) keeps every scan in the store and asks this module,
 * for one route and one shift, "given these scans, what is the state at
 * now?".  The answer is a pure function of (route, shift, scans, now), so a
 * restart recomputes it from what is stored and catches up at once; the
 * service turns the failures in it into `patrol` alarms and their restores
 * (a late upload that fills a gap makes a failure disappear: restore).
 *
 * Times are UTC milliseconds; durations in a route document are seconds;
 * shifts are in the site's local time through a POSIX TZ rule (tz_* below).
 */
#ifndef PCOD_PATROL_H
#define PCOD_PATROL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Bounds of a route document. */
#define PATROL_NAME_MAX		64	/* bytes */
#define PATROL_TAG_MAX		32	/* a tag id: hex or printable, no spaces */
#define PATROL_CHECKPOINTS_MAX	256
#define PATROL_TASKS_MAX	32
#define PATROL_RULES_MAX	32	/* schedule entries */
#define PATROL_ROUNDS_MAX	48	/* rounds one shift may require */
#define PATROL_DURATION_MAX	86400	/* seconds: gaps, min_round, silent */

/* ---- time zones (pure) ----
 * A zone is a POSIX TZ rule ("CET-1CEST,M3.5.0,M10.5.0/3", "UTC0"), which is
 * what the footer of an IANA TZif file (v2+) holds for present-day times.
 * tz_load() (the one function here that reads a file) gets it for an IANA
 * name from the system's zoneinfo.
 */
struct tz_rule;

/* Parse a POSIX TZ string; NULL with err when it is not one. */
struct tz_rule	*tz_parse(const char *posix, char *err, size_t errsz);
void		 tz_free(struct tz_rule *);
/* The rule of an IANA name ("Europe/Prague", "UTC") from dir (NULL: /usr/share/zoneinfo). */
struct tz_rule	*tz_load(const char *dir, const char *name, char *err, size_t errsz);
/* The POSIX rule text of the TZif file at path ("/etc/localtime"): 0, or -1 with err. */
int		 tz_file_rule(const char *path, char *rule, size_t rulesz,
		    char *err, size_t errsz);
/* UTC ms -> local broken-down time (seconds since local midnight, date, weekday 0 = Monday). */
struct tz_local {
	int	year, month, day;	/* month 1-12 */
	int	wday;			/* 0 Monday .. 6 Sunday */
	int	sec;			/* seconds since local midnight */
	int	offset;			/* seconds east of UTC in force */
};
void		 tz_to_local(const struct tz_rule *, int64_t utc_ms, struct tz_local *);
/*
 * Local date + seconds since local midnight -> UTC ms.  A local time that
 * does not exist (spring gap) is taken as the first instant after the gap;
 * one that exists twice (autumn) as the first of the two.  day and sec may
 * run over (day 32 of January is 1 February; sec 86400 the next midnight).
 */
int64_t		 tz_from_local(const struct tz_rule *, int year, int month,
		    int day, int sec);
/* Civil calendar helpers (proleptic Gregorian; days since 1970-01-01). */
int64_t		 tz_days_from_civil(int year, int month, int day);	/* day may run over */
void		 tz_civil_from_days(int64_t days, int *year, int *month, int *day);
int		 tz_weekday(int64_t days);			/* 0 Monday .. 6 Sunday */
int		 tz_month_days(int year, int month);		/* 0 if month is not 1-12 */

/* ---- public-holiday calendar (pure) ---- */
struct patrol_calendar;

struct patrol_calendar	*patrol_calendar_new(void);
void			 patrol_calendar_free(struct patrol_calendar *);
/* Add a date ("2026-12-24"); 0 or -1 when it is not a valid date. */
int			 patrol_calendar_add(struct patrol_calendar *, const char *date);
/* 1 if year-month-day is a holiday. */
int			 patrol_calendar_has(const struct patrol_calendar *, int year,
			    int month, int day);

/* ---- routes ---- */
enum patrol_order {
	PATROL_ORDER_STRICT = 0,	/* checkpoints in the listed order */
	PATROL_ORDER_ANY,		/* all of them, in any order */
	PATROL_ORDER_WINDOWS		/* in order, each within its local time window */
};

struct patrol_route;		/* a parsed, validated route (opaque) */

/*
 * Check and parse a route document as patrol.route.put takes it:
 * {name, site, order, min_round, silent?, checkpoints: [{tag, name, min_gap?,
 *  max_gap?, window?, tasks?}], schedule: [{days, from, to, rounds}]}
 * (documented in pcod-control(7)).  NULL with err naming the member
 * ("checkpoints[2].max_gap: ...") when it is not valid.
 */
struct patrol_route	*patrol_route_parse(const json_t *doc, char *err, size_t errsz);
void			 patrol_route_free(struct patrol_route *);
size_t			 patrol_route_ncheckpoints(const struct patrol_route *);
/* Index of the checkpoint with this tag (case-insensitive), -1 none. */
int			 patrol_route_find_tag(const struct patrol_route *, const char *tag);
const char		*patrol_route_cp_name(const struct patrol_route *, int cp);
const char		*patrol_route_cp_tag(const struct patrol_route *, int cp);
/* The tasks of checkpoint cp: NULL-terminated (never NULL), *n of them. */
const char *const	*patrol_route_cp_tasks(const struct patrol_route *, int cp, int *n);
const char		*patrol_route_name(const struct patrol_route *);
int64_t			 patrol_route_site(const struct patrol_route *);
enum patrol_order	 patrol_route_order(const struct patrol_route *);
int			 patrol_route_silent(const struct patrol_route *);	/* seconds, 0 off */

/* ---- shifts ---- */
struct patrol_shift {
	int	 rule;			/* index in the route's schedule */
	int64_t	 start_ms, end_ms;	/* UTC; end exclusive */
	int	 year, month, day;	/* local date the shift starts on */
	int	 rounds;		/* rounds required */
	const struct tz_rule *tz;	/* the zone it was cut in (borrowed; windows order
					   needs it, NULL: windows read as if the
					   shift's start offset held all along) */
};

/*
 * The shifts of route that overlap [from_ms, to_ms), in start order, in the
 * zone tz with the calendar cal (NULL: no holidays).  A day matches an entry
 * when its weekday is in `days`, or it is a holiday and `holiday` is.
 * Returns the count (at most max written to out), -1 on error.
 */
int	patrol_shifts(const struct patrol_route *, const struct tz_rule *tz,
	    const struct patrol_calendar *cal, int64_t from_ms, int64_t to_ms,
	    struct patrol_shift *out, int max);

/* ---- compliance ---- */

/* One scan as stored (any order in the array; the engine sorts by scan time). */
struct patrol_scan {
	int64_t	 id;		/* the check-in's row id */
	int64_t	 scan_ms;	/* when the tag was read (device time) */
	int64_t	 recv_ms;	/* when pcod received it; scan_ms is capped to it */
	int	 cp;		/* checkpoint index; -1 a tag not on the route */
	int64_t	 guard_id;	/* 0 unknown guard */
};

enum patrol_fail {
	PATROL_FAIL_NONE = 0,
	PATROL_FAIL_CP_LATE,		/* visited after its max_gap or window */
	PATROL_FAIL_CP_SKIPPED,		/* not visited in a round that went on or ended */
	PATROL_FAIL_CP_ORDER,		/* visited out of order (strict, windows) */
	PATROL_FAIL_CP_FAST,		/* less than min_gap after the previous one */
	PATROL_FAIL_ROUND_INCOMPLETE,	/* a round ended without every checkpoint */
	PATROL_FAIL_ROUND_SHORT,	/* a complete round shorter than min_round */
	PATROL_FAIL_ROUND_MISSED,	/* a required round not started in its slot */
	PATROL_FAIL_GUARD_SILENT,	/* a guard on duty silent longer than `silent` */
	PATROL_FAIL_CP_EARLY		/* visited before its window (windows order) */
};

/* One failure at now: the service keeps one alarm per (route, shift, key). */
struct patrol_finding {
	enum patrol_fail kind;
	int		 round;		/* 1-based in the shift; 0 none */
	int		 cp;		/* checkpoint index; -1 none */
	int64_t		 guard_id;	/* 0 none */
	int64_t		 at_ms;		/* when it became a failure */
	char		 key[48];	/* stable identity: "r2.cp3.late", "guard7.silent" */
	char		 text[160];	/* for the alarm: "Round 2: Car park late by 4 min" */
};

enum patrol_round_state {
	PATROL_ROUND_PENDING = 0,	/* its slot has not begun or is still open */
	PATROL_ROUND_ACTIVE,		/* started, not finished */
	PATROL_ROUND_COMPLETE,		/* every checkpoint visited (late, fast or out-of-order
					   visits are findings of their own) */
	PATROL_ROUND_INCOMPLETE,
	PATROL_ROUND_SHORT,
	PATROL_ROUND_MISSED
};

enum patrol_visit_state {
	PATROL_VISIT_DUE = 0, PATROL_VISIT_ON_TIME, PATROL_VISIT_LATE,
	PATROL_VISIT_SKIPPED, PATROL_VISIT_ORDER, PATROL_VISIT_FAST,
	PATROL_VISIT_EARLY
};

/* The state of one shift at now (for status, reports and alarms); owned by the caller. */
struct patrol_result {
	int			 nrounds;	/* rounds recognised + required ones not walked */
	struct patrol_round {
		enum patrol_round_state	 state;
		int64_t			 start_ms, end_ms;	/* 0 not yet */
		int64_t			 slot_from_ms, slot_to_ms; /* when it had to start */
		int64_t			 guard_id;
		enum patrol_visit_state	*visits;	/* [ncheckpoints], owned */
		int64_t			*visit_ms;	/* [ncheckpoints], 0 none, owned */
	}			*rounds;	/* owned */
	int			 walked, complete;
	int			 extra_scans;	/* between rounds: unscheduled patrols */
	struct patrol_finding	*findings;	/* owned */
	int			 nfindings;
	int			 next_cp;	/* the checkpoint due next, -1 none */
	int64_t			 next_cp_by_ms;	/* the instant it becomes late (or, no round
						   in progress, its slot closes); 0 none */
	int64_t			 next_due_ms;	/* when the state may change with no new scan; 0 never */
};

/*
 * Evaluate the scans of one shift at now_ms (scans outside the shift are
 * ignored; a scan later than its recv_ms counts at recv_ms, recv_ms 0 is
 * taken as unknown; now is at least the latest scan; the route's `silent` is
 * the lone-worker limit, 0 off).  0, or -1 when the shift's rule is not one
 * of the route's (or its rounds do not match a windows route's windows).
 * The semantics are in the comment at the top of src/patrol.c and in
 * pcod-control(7), ROUTE DOCUMENTS.  Free out with patrol_result_free()
 * (out is zeroed first, and left empty on -1).
 */
int	patrol_evaluate(const struct patrol_route *, const struct patrol_shift *,
	    const struct patrol_scan *scans, size_t nscans, int64_t now_ms,
	    struct patrol_result *out);
void	patrol_result_free(struct patrol_result *);
const char *patrol_fail_name(enum patrol_fail);		/* "cp_late", ... */
const char *patrol_round_state_name(enum patrol_round_state);
const char *patrol_visit_state_name(enum patrol_visit_state);

#endif
