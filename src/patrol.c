/*
 * patrol.c - guard patrol routes, their shifts, and the compliance of the
 * rounds walked on them.  Pure: no clock, no I/O; the service hands in the
 * route, the shift, the scans and now, and gets back the state at now.
 *
 * ROUTE DOCUMENT (patrol.route.put; unknown members are refused, so a typo
 * such as "max_gpa" is an error, not a silently missing rule)
 *   name        string, 1-64 bytes                            required
 *   site        integer >= 1                                  required
 *   order       "strict" | "any" | "windows"                  default strict
 *   min_round   seconds; a complete round faster than this is "short"; 0 off
 *   max_round   seconds; a round not finished this long after its start
 *               ends incomplete; 0 (default) = its slot length (strict,
 *               any) or twice the span of its windows (windows)
 *   silent      seconds; lone-worker limit, 0 (default) off
 *   checkpoints 1-256 of {tag, name, min_gap?, max_gap?, tasks?, windows?}
 *               tag: 1-32 printable bytes, no spaces, unique ignoring case;
 *               min_gap/max_gap: seconds since the previous visit of the
 *               round (0 off; min_gap < max_gap); tasks: up to 32 strings;
 *               windows: only and always with order windows, a list of
 *               "HH:MM-HH:MM" local times, see WINDOWS.
 *   schedule    1-32 of {days, from, to, rounds}: days a comma list of
 *               mon..sun, ranges (mon-fri, fri-mon) and "holiday"; from/to
 *               "HH:MM" local (to <= from: the next day; equal: 24 hours);
 *               rounds 0-48.  Durations are 0-86400 seconds.
 *
 * SHIFTS.  A schedule entry makes a shift on every local date whose weekday
 * is in days, or that is a holiday of the centre's calendar when days has
 * "holiday" (so a holiday Wednesday runs both the mon-sun night entry and
 * the sat,sun,holiday day entry).  from and to are converted with the site's
 * zone on the shift's own dates, so an 18:00-06:00 shift lasts 11 h across
 * the spring change and 13 h across the autumn one.  A time in the spring
 * gap is the first instant after it; one there twice in autumn the first.
 * A window of windows order starts at its local start so converted and
 * lasts its length in real time (one in the spring gap starts at 03:00).
 *
 * SLOTS.  A shift of n rounds is cut into n equal slots (in real time);
 * round k must start within slot k.  Each slot has at most one round: the
 * first one started in it.  Once it ended, scans until the next slot opens
 * are an unscheduled patrol (counted in extra_scans, never a failure).  A
 * slot that closes without its round started is "missed".  In windows
 * order the slot of round k is instead the k-th window of the first
 * checkpoint.
 *
 * CUTTING SCANS INTO ROUNDS.  Scans are taken in the order of their scan
 * time, which is capped to when pcod received them (a device clock ahead
 * counts as the arrival time); scans outside [start, end) of the shift are
 * ignored, and the same checkpoint at the same second twice is one scan.
 *   strict   a round starts at a scan of the first checkpoint in an open
 *            slot.  The next checkpoint in the list is the one expected;
 *            scanning a later one skips those in between (skipped), and
 *            scanning a skipped one afterwards, in the same round, turns
 *            it into "out of order".  It ends when the last checkpoint is
 *            scanned.
 *   windows  as strict, and each checkpoint is also judged by its window
 *            of this round: before it "early", after it "late".
 *   any      a round starts at any checkpoint's scan in an open slot and
 *            ends when every checkpoint was visited.
 *  In every order a round also ends at its time limit (max_round after its
 *  start) or at the end of the shift, whichever is first; what it did not
 *  visit by then is skipped.  A checkpoint scanned again in the same round
 *  is ignored, except that once the next slot is open a scan that could
 *  start the next round (the first checkpoint; any checkpoint in any order)
 *  ends the active one and starts the next (a round given up and begun
 *  again).
 *
 * VISITS.  A visit is "too fast" when less than the checkpoint's min_gap
 * after the previous visit of the round (nobody walks it that fast), "late"
 * when more than its max_gap after it (exactly max_gap is on time), or in
 * windows order at or after its window's end (a window is [from, to));
 * "early" (windows) before its window opens.  The previous visit is the
 * last one in order: a visit out of order does not move it.  In
 * strict and windows order the expected checkpoint becomes late as soon as
 * its deadline passes unvisited (so the alarm comes while the guard is
 * overdue, not when they turn up), and stays late if it is then skipped.
 * In any order there is no expected checkpoint, so a visit is only judged
 * when made.  A round's first visit has no previous one: its gaps do not
 * apply.  One state per visit: out of order, then too fast, then early,
 * then late.
 *
 * ROUNDS.  complete: every checkpoint visited (late, fast or out-of-order
 * visits are their own findings); short: complete in less than min_round
 * (first to last visit); incomplete: ended with a checkpoint skipped.
 * walked counts rounds started, complete the complete ones.
 *
 * SILENT (lone worker).  A guard is on duty from their first scan in the
 * shift until the shift ends, or until the last slot's round ended if that
 * is earlier.  A guard on duty with no scan (any tag, on the route or not)
 * for `silent` seconds is "silent" from last scan + silent; the next scan
 * clears it.  Scans of an unknown guard (id 0) count as one guard.
 *
 * LATE UPLOADS.  Everything is judged by scan time, so a buffered scan that
 * arrives later is placed where it was made: a "missed" raised meanwhile
 * disappears when the upload shows the round was started in its slot.
 *
 * FINDINGS carry a key that stays the same from one evaluation to the next
 * for the same failure: "r<k>.cp<j>.<late|skipped|order|fast|early>",
 * "r<k>.<incomplete|short|missed>", "guard<id>.silent" (k and j from 1).
 * next_due_ms is the earliest deadline after now whose passing changes the
 * result (a slot closing unstarted, the expected checkpoint falling due, a
 * round timing out, a guard falling silent), 0 if none.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "patrol.h"
#include "xmalloc.h"

#define DAY_S		86400
#define TASK_MAX	128		/* bytes of one task text */
#define DAYS_HOLIDAY	0x80		/* bit of "holiday" in a rule's day mask */
#define SCAN_DUP_LOOKBACK 16		/* scans of one second searched for a repeat */

/* A local time window of a checkpoint (windows order). */
struct patrol_win {
	int	from, to;		/* seconds since local midnight; to < from: next day */
};

struct patrol_cp {
	char			 tag[PATROL_TAG_MAX + 1];
	char			 name[PATROL_NAME_MAX + 1];
	int			 min_gap, max_gap;	/* seconds, 0 off */
	char			**tasks;		/* owned, ntasks */
	int			 ntasks;
	struct patrol_win	*wins;			/* owned, nwins */
	int			 nwins;
};

struct patrol_rule {
	unsigned	days;		/* bit 0 Monday .. bit 6 Sunday, DAYS_HOLIDAY */
	int		from, to;	/* seconds since local midnight */
	int		rounds;
};

struct patrol_route {
	char			 name[PATROL_NAME_MAX + 1];
	int64_t			 site;
	enum patrol_order	 order;
	int			 min_round, max_round, silent;	/* seconds */
	struct patrol_cp	*cps;		/* owned, ncps */
	int			 ncps;
	struct patrol_rule	*rules;		/* owned, nrules */
	int			 nrules;
};

/* ---- public-holiday calendar ---- */

struct patrol_calendar {
	int	*dates;		/* owned, sorted yyyymmdd, n of max */
	size_t	 n, max;
};

/* An empty calendar. */
struct patrol_calendar *
patrol_calendar_new(void)
{
	return xcalloc(1, sizeof(struct patrol_calendar));
}

/* Free a calendar; NULL is harmless. */
void
patrol_calendar_free(struct patrol_calendar *cal)
{
	if (cal == NULL)
		return;
	free(cal->dates);
	free(cal);
}

/* Index of the first date >= key. */
static size_t
pt_cal_find(const struct patrol_calendar *cal, int key)
{
	size_t	lo = 0, hi = cal->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (cal->dates[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Parse exactly "YYYY-MM-DD" (a real date, years 1970-9999); 0 or -1. */
static int
pt_parse_date(const char *s, int *y, int *m, int *d)
{
	int	i;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return -1;
	*y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	*m = (s[5] - '0') * 10 + (s[6] - '0');
	*d = (s[8] - '0') * 10 + (s[9] - '0');
	if (*y < 1970 || *d < 1 || *d > tz_month_days(*y, *m))
		return -1;
	return 0;
}

/* Add a date ("2026-12-24"); 0 or -1 when it is not a valid date. */
int
patrol_calendar_add(struct patrol_calendar *cal, const char *date)
{
	int	y, m, d, key;
	size_t	i;

	if (pt_parse_date(date, &y, &m, &d) != 0)
		return -1;
	key = y * 10000 + m * 100 + d;
	i = pt_cal_find(cal, key);
	if (i < cal->n && cal->dates[i] == key)
		return 0;
	if (cal->n == cal->max) {
		cal->max = cal->max ? cal->max * 2 : 16;
		cal->dates = xreallocarray(cal->dates, cal->max, sizeof(int));
	}
	memmove(cal->dates + i + 1, cal->dates + i, (cal->n - i) * sizeof(int));
	cal->dates[i] = key;
	cal->n++;
	return 0;
}

/* 1 if year-month-day is a holiday. */
int
patrol_calendar_has(const struct patrol_calendar *cal, int year, int month,
    int day)
{
	int	key = year * 10000 + month * 100 + day;
	size_t	i;

	if (cal == NULL || cal->n == 0)
		return 0;
	i = pt_cal_find(cal, key);
	return i < cal->n && cal->dates[i] == key;
}

/* ---- route documents ---- */

/* -1 with err naming the first member of obj not in allowed (NULL-terminated). */
static int
pt_members(const json_t *obj, const char *const *allowed, const char *path,
    char *err, size_t errsz)
{
	const char	*key;
	json_t		*v;
	size_t		 i;

	json_object_foreach((json_t *)obj, key, v) {
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(key, allowed[i]) == 0)
				break;
		if (allowed[i] == NULL)
			return xerr(err, errsz, "%s%s: unknown member", path,
			    key);
	}
	return 0;
}

/* An optional integer member in [min, max] (def when absent); 0 or -1. */
static int
pt_int(const json_t *obj, const char *key, long long min, long long max,
    long long def, long long *out, const char *path, char *err, size_t errsz)
{
	json_t	*v = json_object_get(obj, key);

	if (v == NULL) {
		*out = def;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max)
		return xerr(err, errsz, "%s%s: must be an integer from %lld to "
		    "%lld", path, key, min, max);
	*out = json_integer_value(v);
	return 0;
}

/* A required string member of 1-max printable bytes copied to out; 0 or -1. */
static int
pt_str(const json_t *obj, const char *key, size_t max, int spaces, char *out,
    const char *path, char *err, size_t errsz)
{
	json_t		*v = json_object_get(obj, key);
	const char	*s;
	size_t		 i, n;

	if (!json_is_string(v) || (n = json_string_length(v)) == 0 || n > max)
		return xerr(err, errsz, "%s%s: must be a string of 1 to %zu "
		    "bytes", path, key, max);
	s = json_string_value(v);
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f ||
		    (!spaces && s[i] == ' '))
			return xerr(err, errsz, "%s%s: control characters%s are "
			    "not allowed", path, key, spaces ? "" : " or spaces");
	memcpy(out, s, n + 1);
	return 0;
}

/* "HH:MM" (00:00-23:59) -> seconds since midnight; 0 or -1. */
static int
pt_hhmm(const char *s, int *sec)
{
	int	h, m;

	if (s == NULL || strlen(s) != 5 || !isdigit((unsigned char)s[0]) ||
	    !isdigit((unsigned char)s[1]) || s[2] != ':' ||
	    !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (h > 23 || m > 59)
		return -1;
	*sec = h * 3600 + m * 60;
	return 0;
}

/* Weekday of a three-letter name, -1 none. */
static int
pt_wday(const char *s, size_t n)
{
	static const char *const	names[7] = { "mon", "tue", "wed", "thu",
					    "fri", "sat", "sun" };
	int				i;

	for (i = 0; i < 7; i++)
		if (n == 3 && strncasecmp(s, names[i], 3) == 0)
			return i;
	return -1;
}

/* One item of a days list ("mon", "fri-mon", "holiday") into *mask; 0 or -1. */
static int
pt_days_item(const char *s, size_t n, unsigned *mask)
{
	int	a, b;

	if (n == 7 && strncasecmp(s, "holiday", 7) == 0) {
		*mask |= DAYS_HOLIDAY;
		return 0;
	}
	if (n == 7 && s[3] == '-') {
		if ((a = pt_wday(s, 3)) < 0 || (b = pt_wday(s + 4, 3)) < 0)
			return -1;
		for (;; a = (a + 1) % 7) {
			*mask |= 1u << a;
			if (a == b)
				return 0;
		}
	}
	if ((a = pt_wday(s, n)) < 0)
		return -1;
	*mask |= 1u << a;
	return 0;
}

/* "mon-fri,holiday" -> a day mask; 0 or -1. */
static int
pt_days(const char *s, unsigned *mask)
{
	const char	*e;

	*mask = 0;
	for (;;) {
		while (*s == ' ')
			s++;
		for (e = s; *e != '\0' && *e != ',' && *e != ' '; e++)
			;
		if (pt_days_item(s, (size_t)(e - s), mask) != 0)
			return -1;
		while (*e == ' ')
			e++;
		if (*e == '\0')
			return *mask != 0 ? 0 : -1;
		if (*e != ',')
			return -1;
		s = e + 1;
	}
}

/* Length in seconds of a local time range; from == to is a whole day. */
static int
pt_span(int from, int to)
{
	int	n = ((to - from) % DAY_S + DAY_S) % DAY_S;

	return n == 0 ? DAY_S : n;
}

/* One schedule entry; 0 or -1. */
static int
pt_parse_rule(const json_t *o, const char *path, struct patrol_rule *r,
    char *err, size_t errsz)
{
	static const char *const	allowed[] = { "days", "from", "to",
					    "rounds", NULL };
	long long			v;

	if (!json_is_object(o))
		return xerr(err, errsz, "%.*s: must be an object",
		    (int)strlen(path) - 1, path);
	if (pt_members(o, allowed, path, err, errsz) != 0)
		return -1;
	if (pt_days(json_string_value(json_object_get(o, "days")) ?
	    json_string_value(json_object_get(o, "days")) : "", &r->days) != 0)
		return xerr(err, errsz, "%sdays: must list mon..sun, ranges "
		    "such as mon-fri, or holiday, separated by commas", path);
	if (pt_hhmm(json_string_value(json_object_get(o, "from")), &r->from) ||
	    pt_hhmm(json_string_value(json_object_get(o, "to")), &r->to))
		return xerr(err, errsz, "%sfrom, %sto: must be local times "
		    "\"HH:MM\"", path, path);
	if (json_object_get(o, "rounds") == NULL)
		return xerr(err, errsz, "%srounds: required", path);
	if (pt_int(o, "rounds", 0, PATROL_ROUNDS_MAX, 0, &v, path, err,
	    errsz) != 0)
		return -1;
	r->rounds = (int)v;
	return 0;
}

/* "HH:MM-HH:MM" -> a window; 0 or -1. */
static int
pt_window(const char *s, struct patrol_win *w)
{
	char	a[6], b[6];

	if (s == NULL || strlen(s) != 11 || s[5] != '-')
		return -1;
	memcpy(a, s, 5);
	a[5] = '\0';
	memcpy(b, s + 6, 5);
	b[5] = '\0';
	if (pt_hhmm(a, &w->from) != 0 || pt_hhmm(b, &w->to) != 0 ||
	    w->from == w->to)
		return -1;
	return 0;
}

/* A checkpoint's windows (order windows only); 0 or -1. */
static int
pt_parse_wins(const json_t *o, const char *path, struct patrol_cp *cp,
    char *err, size_t errsz)
{
	json_t	*a = json_object_get(o, "windows");
	size_t	 i;

	if (!json_is_array(a) || json_array_size(a) == 0 ||
	    json_array_size(a) > PATROL_ROUNDS_MAX * PATROL_RULES_MAX)
		return xerr(err, errsz, "%swindows: must be a list of "
		    "\"HH:MM-HH:MM\" local times", path);
	cp->wins = xcalloc(json_array_size(a), sizeof(*cp->wins));
	cp->nwins = (int)json_array_size(a);
	for (i = 0; i < json_array_size(a); i++)
		if (pt_window(json_string_value(json_array_get(a, i)),
		    &cp->wins[i]) != 0)
			return xerr(err, errsz, "%swindows[%zu]: must be "
			    "\"HH:MM-HH:MM\", local, not empty", path, i);
	return 0;
}

/* A checkpoint's tasks; 0 or -1. */
static int
pt_parse_tasks(const json_t *o, const char *path, struct patrol_cp *cp,
    char *err, size_t errsz)
{
	json_t		*a = json_object_get(o, "tasks"), *t;
	size_t		 i;

	if (a == NULL)
		return 0;
	if (!json_is_array(a) || json_array_size(a) > PATROL_TASKS_MAX)
		return xerr(err, errsz, "%stasks: must be a list of at most "
		    "%d strings", path, PATROL_TASKS_MAX);
	cp->tasks = xcalloc(json_array_size(a) + 1, sizeof(char *));
	json_array_foreach(a, i, t) {
		if (!json_is_string(t) || json_string_length(t) == 0 ||
		    json_string_length(t) > TASK_MAX ||
		    strlen(json_string_value(t)) != json_string_length(t))
			return xerr(err, errsz, "%stasks[%zu]: must be a "
			    "string of 1 to %d bytes", path, i, TASK_MAX);
		cp->tasks[cp->ntasks++] = xstrdup(json_string_value(t));
	}
	return 0;
}

/* One checkpoint; 0 or -1. */
static int
pt_parse_cp(const json_t *o, const char *path, enum patrol_order order,
    struct patrol_cp *cp, char *err, size_t errsz)
{
	static const char *const	allowed[] = { "tag", "name", "min_gap",
					    "max_gap", "tasks", "windows", NULL };
	long long			a, b;

	if (!json_is_object(o))
		return xerr(err, errsz, "%.*s: must be an object",
		    (int)strlen(path) - 1, path);
	if (pt_members(o, allowed, path, err, errsz) != 0 ||
	    pt_str(o, "tag", PATROL_TAG_MAX, 0, cp->tag, path, err, errsz) ||
	    pt_str(o, "name", PATROL_NAME_MAX, 1, cp->name, path, err, errsz) ||
	    pt_int(o, "min_gap", 0, PATROL_DURATION_MAX, 0, &a, path, err,
	    errsz) || pt_int(o, "max_gap", 0, PATROL_DURATION_MAX, 0, &b, path,
	    err, errsz))
		return -1;
	if (a > 0 && b > 0 && a >= b)
		return xerr(err, errsz, "%smin_gap: must be less than max_gap",
		    path);
	cp->min_gap = (int)a;
	cp->max_gap = (int)b;
	if (pt_parse_tasks(o, path, cp, err, errsz) != 0)
		return -1;
	if (order == PATROL_ORDER_WINDOWS)
		return pt_parse_wins(o, path, cp, err, errsz);
	if (json_object_get(o, "windows") != NULL)
		return xerr(err, errsz, "%swindows: only with order "
		    "\"windows\"", path);
	return 0;
}

/* Free a route; NULL is harmless. */
void
patrol_route_free(struct patrol_route *r)
{
	int	i, j;

	if (r == NULL)
		return;
	for (i = 0; i < r->ncps; i++) {
		for (j = 0; j < r->cps[i].ntasks; j++)
			free(r->cps[i].tasks[j]);
		free(r->cps[i].tasks);
		free(r->cps[i].wins);
	}
	free(r->cps);
	free(r->rules);
	free(r);
}

/* The order member; 0 or -1. */
static int
pt_parse_order(const json_t *doc, enum patrol_order *order, char *err,
    size_t errsz)
{
	json_t		*v = json_object_get(doc, "order");
	const char	*s = json_string_value(v);

	*order = PATROL_ORDER_STRICT;
	if (v == NULL || (s != NULL && strcmp(s, "strict") == 0))
		return 0;
	if (s != NULL && strcmp(s, "any") == 0)
		*order = PATROL_ORDER_ANY;
	else if (s != NULL && strcmp(s, "windows") == 0)
		*order = PATROL_ORDER_WINDOWS;
	else
		return xerr(err, errsz, "order: must be \"strict\", \"any\" "
		    "or \"windows\"");
	return 0;
}

/* The scalar members of a route; 0 or -1. */
static int
pt_parse_head(const json_t *doc, struct patrol_route *r, char *err,
    size_t errsz)
{
	static const char *const	allowed[] = { "name", "site", "order",
					    "min_round", "max_round", "silent",
					    "checkpoints", "schedule", NULL };
	long long			site, a, b, c;

	if (!json_is_object(doc))
		return xerr(err, errsz, "a route must be a JSON object");
	if (pt_members(doc, allowed, "", err, errsz) != 0 ||
	    pt_str(doc, "name", PATROL_NAME_MAX, 1, r->name, "", err, errsz) ||
	    pt_parse_order(doc, &r->order, err, errsz))
		return -1;
	if (!json_is_integer(json_object_get(doc, "site")))
		return xerr(err, errsz, "site: required, an integer");
	if (pt_int(doc, "site", 1, INT64_MAX, 0, &site, "", err, errsz) ||
	    pt_int(doc, "min_round", 0, PATROL_DURATION_MAX, 0, &a, "", err,
	    errsz) || pt_int(doc, "max_round", 0, PATROL_DURATION_MAX, 0, &b,
	    "", err, errsz) || pt_int(doc, "silent", 0, PATROL_DURATION_MAX, 0,
	    &c, "", err, errsz))
		return -1;
	if (b > 0 && a >= b)
		return xerr(err, errsz, "min_round: must be less than "
		    "max_round");
	r->site = site;
	r->min_round = (int)a;
	r->max_round = (int)b;
	r->silent = (int)c;
	return 0;
}

/* The checkpoints of a route, tags unique ignoring case; 0 or -1. */
static int
pt_parse_cps(const json_t *doc, struct patrol_route *r, char *err,
    size_t errsz)
{
	json_t	*a = json_object_get(doc, "checkpoints");
	char	 path[48];
	size_t	 i;
	int	 j;

	if (!json_is_array(a) || json_array_size(a) == 0 ||
	    json_array_size(a) > PATROL_CHECKPOINTS_MAX)
		return xerr(err, errsz, "checkpoints: must be a list of 1 to "
		    "%d checkpoints", PATROL_CHECKPOINTS_MAX);
	r->cps = xcalloc(json_array_size(a), sizeof(*r->cps));
	for (i = 0; i < json_array_size(a); i++) {
		snprintf(path, sizeof(path), "checkpoints[%zu].", i);
		r->ncps++;
		if (pt_parse_cp(json_array_get(a, i), path, r->order,
		    &r->cps[i], err, errsz) != 0)
			return -1;
		for (j = 0; j < (int)i; j++)
			if (strcasecmp(r->cps[j].tag, r->cps[i].tag) == 0)
				return xerr(err, errsz, "%stag: '%s' is "
				    "already checkpoints[%d]", path,
				    r->cps[i].tag, j);
	}
	return 0;
}

/* The schedule of a route; 0 or -1. */
static int
pt_parse_rules(const json_t *doc, struct patrol_route *r, char *err,
    size_t errsz)
{
	json_t	*a = json_object_get(doc, "schedule");
	char	 path[48];
	size_t	 i;

	if (!json_is_array(a) || json_array_size(a) == 0 ||
	    json_array_size(a) > PATROL_RULES_MAX)
		return xerr(err, errsz, "schedule: must be a list of 1 to %d "
		    "entries", PATROL_RULES_MAX);
	r->rules = xcalloc(json_array_size(a), sizeof(*r->rules));
	for (i = 0; i < json_array_size(a); i++) {
		snprintf(path, sizeof(path), "schedule[%zu].", i);
		if (pt_parse_rule(json_array_get(a, i), path, &r->rules[i],
		    err, errsz) != 0)
			return -1;
		r->nrules++;
	}
	return 0;
}

/* Offset of local time t into rule r's shift, seconds from its start (mod a day). */
static int
pt_rule_off(const struct patrol_rule *r, int t)
{
	return ((t - r->from) % DAY_S + DAY_S) % DAY_S;
}

/* 1 if window w lies inside rule r's shift. */
static int
pt_win_in(const struct patrol_rule *r, const struct patrol_win *w)
{
	int	off = pt_rule_off(r, w->from);

	return off < pt_span(r->from, r->to) &&
	    off + pt_span(w->from, w->to) <= pt_span(r->from, r->to);
}

/*
 * windows order: every checkpoint has, inside each schedule entry's shift,
 * exactly as many windows as the entry has rounds (the k-th for round k),
 * and no window straddles a shift's edge.
 */
static int
pt_check_wins(const struct patrol_route *r, char *err, size_t errsz)
{
	int	i, j, k, n;

	for (i = 0; i < r->ncps; i++)
		for (j = 0; j < r->nrules; j++) {
			for (k = n = 0; k < r->cps[i].nwins; k++)
				n += pt_win_in(&r->rules[j], &r->cps[i].wins[k]);
			if (n != r->rules[j].rounds)
				return xerr(err, errsz, "checkpoints[%d]."
				    "windows: %d inside schedule[%d], which "
				    "has %d rounds (one window per round, "
				    "wholly inside the shift)", i, n, j,
				    r->rules[j].rounds);
		}
	return 0;
}

/* Check and parse a route document; NULL with err when it is not valid. */
struct patrol_route *
patrol_route_parse(const json_t *doc, char *err, size_t errsz)
{
	struct patrol_route	*r = xcalloc(1, sizeof(*r));

	if (pt_parse_head(doc, r, err, errsz) != 0 ||
	    pt_parse_cps(doc, r, err, errsz) != 0 ||
	    pt_parse_rules(doc, r, err, errsz) != 0)
		goto fail;
	if (r->order == PATROL_ORDER_WINDOWS &&
	    pt_check_wins(r, err, errsz) != 0)
		goto fail;
	return r;
fail:
	patrol_route_free(r);
	return NULL;
}

/* Number of checkpoints. */
size_t
patrol_route_ncheckpoints(const struct patrol_route *r)
{
	return (size_t)r->ncps;
}

/* Index of the checkpoint with this tag (case-insensitive), -1 none. */
int
patrol_route_find_tag(const struct patrol_route *r, const char *tag)
{
	int	i;

	if (tag == NULL)
		return -1;
	for (i = 0; i < r->ncps; i++)
		if (strcasecmp(r->cps[i].tag, tag) == 0)
			return i;
	return -1;
}

/* Name of checkpoint cp ("" if out of range). */
const char *
patrol_route_cp_name(const struct patrol_route *r, int cp)
{
	return cp >= 0 && cp < r->ncps ? r->cps[cp].name : "";
}

/* Tag of checkpoint cp ("" if out of range). */
const char *
patrol_route_cp_tag(const struct patrol_route *r, int cp)
{
	return cp >= 0 && cp < r->ncps ? r->cps[cp].tag : "";
}

/* The tasks of checkpoint cp (NULL-terminated, never NULL) and their count. */
const char *const *
patrol_route_cp_tasks(const struct patrol_route *r, int cp, int *n)
{
	static const char *const	none[1] = { NULL };

	if (cp < 0 || cp >= r->ncps || r->cps[cp].ntasks == 0) {
		*n = 0;
		return none;
	}
	*n = r->cps[cp].ntasks;
	return (const char *const *)r->cps[cp].tasks;
}

/* The route's name, site, order and lone-worker limit. */
const char *
patrol_route_name(const struct patrol_route *r)
{
	return r->name;
}

int64_t
patrol_route_site(const struct patrol_route *r)
{
	return r->site;
}

enum patrol_order
patrol_route_order(const struct patrol_route *r)
{
	return r->order;
}

int
patrol_route_silent(const struct patrol_route *r)
{
	return r->silent;
}

/* ---- shifts ---- */

#define SHIFTS_SPAN_MAX_DAYS	400	/* the widest range patrol_shifts() cuts */

/* Days since the epoch of the local date at utc_ms. */
static int64_t
pt_local_day(const struct tz_rule *tz, int64_t utc_ms)
{
	struct tz_local	l;

	tz_to_local(tz, utc_ms, &l);
	return tz_days_from_civil(l.year, l.month, l.day);
}

/* 1 if rule r makes a shift on local day z. */
static int
pt_rule_on(const struct patrol_rule *r, const struct patrol_calendar *cal,
    int64_t z)
{
	int	y, m, d;

	if (r->days & (1u << tz_weekday(z)))
		return 1;
	if (!(r->days & DAYS_HOLIDAY))
		return 0;
	tz_civil_from_days(z, &y, &m, &d);
	return patrol_calendar_has(cal, y, m, d);
}

/* The shift of rule i starting on local day z; 0, or -1 if it is empty. */
static int
pt_shift_make(const struct patrol_route *route, const struct tz_rule *tz,
    int i, int64_t z, struct patrol_shift *sh)
{
	const struct patrol_rule	*r = &route->rules[i];

	memset(sh, 0, sizeof(*sh));
	tz_civil_from_days(z, &sh->year, &sh->month, &sh->day);
	sh->rule = i;
	sh->rounds = r->rounds;
	sh->tz = tz;
	sh->start_ms = tz_from_local(tz, sh->year, sh->month, sh->day, r->from);
	sh->end_ms = tz_from_local(tz, sh->year, sh->month, sh->day,
	    r->from + pt_span(r->from, r->to));
	return sh->end_ms > sh->start_ms ? 0 : -1;
}

/* qsort: shifts by start, then by rule. */
static int
pt_shift_cmp(const void *a, const void *b)
{
	const struct patrol_shift	*x = a, *y = b;

	if (x->start_ms != y->start_ms)
		return x->start_ms < y->start_ms ? -1 : 1;
	return (x->rule > y->rule) - (x->rule < y->rule);
}

/* The shifts overlapping [from_ms, to_ms) in start order; the count, -1 on error. */
int
patrol_shifts(const struct patrol_route *route, const struct tz_rule *tz,
    const struct patrol_calendar *cal, int64_t from_ms, int64_t to_ms,
    struct patrol_shift *out, int max)
{
	struct patrol_shift	*all, sh;
	int64_t			 z, z0, z1;
	int			 i, n = 0;

	if (route == NULL || tz == NULL || max < 0 || to_ms < from_ms)
		return -1;
	z0 = pt_local_day(tz, from_ms) - 1;
	z1 = pt_local_day(tz, to_ms);
	if (z1 - z0 > SHIFTS_SPAN_MAX_DAYS)
		return -1;
	all = xcalloc((size_t)(z1 - z0 + 1) * (size_t)route->nrules,
	    sizeof(*all));
	for (z = z0; z <= z1; z++)
		for (i = 0; i < route->nrules; i++)
			if (pt_rule_on(&route->rules[i], cal, z) &&
			    pt_shift_make(route, tz, i, z, &sh) == 0 &&
			    sh.end_ms > from_ms && sh.start_ms < to_ms)
				all[n++] = sh;
	qsort(all, (size_t)n, sizeof(*all), pt_shift_cmp);
	if (out != NULL && n > 0 && max > 0)
		memcpy(out, all, (size_t)(n < max ? n : max) * sizeof(*all));
	free(all);
	return n;
}

/* ---- compliance ---- */

/* A scan as judged: its time capped to arrival, in the shift. */
struct pt_scan {
	int64_t	t, guard, id;
	int	cp;
};

/* Working state of one round (slot) beside its struct patrol_round. */
struct pt_round {
	int	 active;
	int	 expected;	/* in order: the checkpoint due next */
	int	 nvisited;
	int64_t	 prev_t;	/* last visit in order (not out of order); 0 none */
	int64_t	 last_t;	/* last visit of any kind */
	int64_t	 timeout;	/* when it ends unfinished */
	int64_t	*late_d;	/* [ncps] the deadline a late/overdue one missed, 0 none */
	int64_t	*skip_t;	/* [ncps] when it was skipped */
	int64_t	*gap;		/* [ncps] ms since the previous visit (fast, early) */
};

struct pt_eval {
	const struct patrol_route	*r;
	const struct patrol_shift	*sh;
	int64_t				 now, due;	/* due: next change, 0 none */
	int				 n;		/* slots (rounds required) */
	int64_t				*wf, *wt;	/* windows [cp * n + k] (windows order) */
	struct pt_round			*wr;		/* [n] */
	int64_t				*block;		/* owned: wf, wt and the rounds' arrays */
	int				 active;	/* the round in progress, -1 none */
	int64_t				 last_end;	/* when the last slot's round ended, 0 not yet */
	struct patrol_result		*out;
	int				 maxfind;
};

/* 1 if the instant flip has come at now; else remember it as a next change. */
static int
pt_due(struct pt_eval *ev, int64_t flip)
{
	if (flip <= ev->now)
		return 1;
	if (ev->due == 0 || flip < ev->due)
		ev->due = flip;
	return 0;
}

/* qsort: scans by time, checkpoint, id. */
static int
pt_scan_cmp(const void *a, const void *b)
{
	const struct pt_scan	*x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	if (x->cp != y->cp)
		return x->cp < y->cp ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

/* 1 if s repeats one of the last kept scans: the same checkpoint in the same second. */
static int
pt_scan_dup(const struct pt_scan *kept, size_t m, const struct pt_scan *s)
{
	size_t	i;

	for (i = m; i > 0 && m - i < SCAN_DUP_LOOKBACK &&
	    kept[i - 1].t / 1000 == s->t / 1000; i--)
		if (kept[i - 1].cp == s->cp)
			return 1;
	return 0;
}

/* The scans of the shift, capped to arrival, sorted, duplicates dropped; the count. */
static size_t
pt_scans(const struct pt_eval *ev, const struct patrol_scan *in, size_t nin,
    struct pt_scan *v)
{
	size_t	i, n = 0, m = 0;
	int64_t	t;

	for (i = 0; i < nin; i++) {
		t = in[i].recv_ms > 0 && in[i].scan_ms > in[i].recv_ms ?
		    in[i].recv_ms : in[i].scan_ms;
		if (t < ev->sh->start_ms || t >= ev->sh->end_ms)
			continue;
		v[n].t = t;
		v[n].cp = in[i].cp >= 0 && in[i].cp < ev->r->ncps ? in[i].cp : -1;
		v[n].guard = in[i].guard_id;
		v[n++].id = in[i].id;
	}
	qsort(v, n, sizeof(*v), pt_scan_cmp);
	for (i = 0; i < n; i++)
		if (!pt_scan_dup(v, m, &v[i]))
			v[m++] = v[i];
	return m;
}

/* The local wall-clock second sec of the shift's first day, as UTC ms. */
static int64_t
pt_local_abs(const struct pt_eval *ev, int sec)
{
	const struct patrol_shift	*sh = ev->sh;

	if (sh->tz == NULL)
		return sh->start_ms + (int64_t)(sec - ev->r->rules[sh->rule].from) *
		    1000;
	return tz_from_local(sh->tz, sh->year, sh->month, sh->day, sec);
}

/* windows order: checkpoint j's windows in this shift, in shift order, to wf/wt; 0 or -1. */
static int
pt_windows_cp(struct pt_eval *ev, int j)
{
	const struct patrol_rule	*rule = &ev->r->rules[ev->sh->rule];
	const struct patrol_cp		*cp = &ev->r->cps[j];
	int				 off[PATROL_ROUNDS_MAX], span[PATROL_ROUNDS_MAX];
	int				 i, k, n = 0, o, sp;

	for (i = 0; i < cp->nwins; i++) {
		if (!pt_win_in(rule, &cp->wins[i]))
			continue;
		if (n == ev->n)
			return -1;
		o = pt_rule_off(rule, cp->wins[i].from);
		sp = pt_span(cp->wins[i].from, cp->wins[i].to);
		for (k = n++; k > 0 && off[k - 1] > o; k--) {
			off[k] = off[k - 1];
			span[k] = span[k - 1];
		}
		off[k] = o;
		span[k] = sp;
	}
	if (n != ev->n)
		return -1;
	for (k = 0; k < n; k++) {
		ev->wf[j * n + k] = pt_local_abs(ev, rule->from + off[k]);
		/* Its length in real time: a window in the spring gap still has one. */
		ev->wt[j * n + k] = ev->wf[j * n + k] + (int64_t)span[k] * 1000;
	}
	return 0;
}

/* Allocate the result and the working state, and place the slots; 0 or -1. */
static int
pt_setup(struct pt_eval *ev)
{
	struct patrol_result	*out = ev->out;
	size_t			 nc = (size_t)ev->r->ncps, n = (size_t)ev->n;
	int64_t			*p, len = ev->sh->end_ms - ev->sh->start_ms;
	int			 j, k;

	p = ev->block = xcalloc(nc * n * 5 + 1, sizeof(int64_t));
	ev->wf = p;
	ev->wt = p + nc * n;
	ev->wr = xcalloc(n + 1, sizeof(*ev->wr));
	out->rounds = xcalloc(n + 1, sizeof(*out->rounds));
	for (k = 0; k < ev->n; k++) {
		ev->wr[k].late_d = p + nc * (2 * n + (size_t)k);
		ev->wr[k].skip_t = p + nc * (3 * n + (size_t)k);
		ev->wr[k].gap = p + nc * (4 * n + (size_t)k);
		out->rounds[k].visits = xcalloc(nc, sizeof(enum patrol_visit_state));
		out->rounds[k].visit_ms = xcalloc(nc, sizeof(int64_t));
		out->rounds[k].slot_from_ms = ev->sh->start_ms + len * k / ev->n;
		out->rounds[k].slot_to_ms = ev->sh->start_ms + len * (k + 1) / ev->n;
	}
	out->nrounds = ev->n;
	if (ev->r->order != PATROL_ORDER_WINDOWS)
		return 0;
	for (j = 0; j < ev->r->ncps; j++)
		if (pt_windows_cp(ev, j) != 0)
			return -1;
	for (k = 0; k < ev->n; k++) {
		out->rounds[k].slot_from_ms = ev->wf[k];
		out->rounds[k].slot_to_ms = ev->wt[k];
	}
	return 0;
}

/* The instant checkpoint j of round k becomes late, its previous visit at prev; 0 never. */
static int64_t
pt_deadline(const struct pt_eval *ev, int k, int j, int64_t prev)
{
	int64_t	flip = 0;

	if (prev != 0 && ev->r->cps[j].max_gap > 0)
		flip = prev + (int64_t)ev->r->cps[j].max_gap * 1000 + 1;
	if (ev->r->order == PATROL_ORDER_WINDOWS &&
	    (flip == 0 || ev->wt[j * ev->n + k] < flip))
		flip = ev->wt[j * ev->n + k];
	return flip;
}

/* Judge the visit of checkpoint j in round k at t, the previous one at prev. */
static enum patrol_visit_state
pt_judge(struct pt_eval *ev, int k, int j, int64_t t, int64_t prev)
{
	const struct patrol_cp	*cp = &ev->r->cps[j];
	struct pt_round		*w = &ev->wr[k];
	int64_t			 flip = pt_deadline(ev, k, j, prev);

	if (flip != 0 && t >= flip)
		w->late_d[j] = flip;
	if (prev != 0 && cp->min_gap > 0 &&
	    t - prev < (int64_t)cp->min_gap * 1000) {
		w->gap[j] = t - prev;
		return PATROL_VISIT_FAST;
	}
	if (ev->r->order == PATROL_ORDER_WINDOWS && t < ev->wf[j * ev->n + k]) {
		w->gap[j] = ev->wf[j * ev->n + k] - t;
		return PATROL_VISIT_EARLY;
	}
	return w->late_d[j] != 0 ? PATROL_VISIT_LATE : PATROL_VISIT_ON_TIME;
}

/* In order: the expected checkpoint of round k is late if its deadline came by t. */
static void
pt_overdue(struct pt_eval *ev, int k, int64_t t)
{
	struct pt_round	*w = &ev->wr[k];
	int64_t		 flip;

	if (ev->r->order == PATROL_ORDER_ANY || w->expected >= ev->r->ncps)
		return;
	flip = pt_deadline(ev, k, w->expected, w->prev_t);
	if (flip != 0 && flip <= t)
		w->late_d[w->expected] = flip;
}

/* Round k ends at tc: what it did not visit is skipped; its state follows. */
static void
pt_close(struct pt_eval *ev, int k, int64_t tc)
{
	struct patrol_round	*rd = &ev->out->rounds[k];
	struct pt_round		*w = &ev->wr[k];
	int			 j, skipped = 0;

	pt_overdue(ev, k, tc);
	for (j = 0; j < ev->r->ncps; j++) {
		if (rd->visit_ms[j] == 0 && rd->visits[j] != PATROL_VISIT_SKIPPED) {
			rd->visits[j] = PATROL_VISIT_SKIPPED;
			w->skip_t[j] = tc;
		}
		skipped += rd->visits[j] == PATROL_VISIT_SKIPPED;
	}
	rd->end_ms = tc;
	if (skipped > 0)
		rd->state = PATROL_ROUND_INCOMPLETE;
	else if (ev->r->min_round > 0 &&
	    w->last_t - rd->start_ms < (int64_t)ev->r->min_round * 1000)
		rd->state = PATROL_ROUND_SHORT;
	else
		rd->state = PATROL_ROUND_COMPLETE;
	w->active = 0;
	ev->active = -1;
	if (k == ev->n - 1)
		ev->last_end = tc;
}

/* Visit of a checkpoint not yet visited in round k, in order; 1 if the round is done. */
static int
pt_visit_inorder(struct pt_eval *ev, int k, const struct pt_scan *s)
{
	struct patrol_round	*rd = &ev->out->rounds[k];
	struct pt_round		*w = &ev->wr[k];
	int			 i, j = s->cp;

	if (j < w->expected) {
		/* It was skipped when the round went on past it. */
		rd->visits[j] = PATROL_VISIT_ORDER;
		return 0;
	}
	pt_overdue(ev, k, s->t);
	for (i = w->expected; i < j; i++) {
		rd->visits[i] = PATROL_VISIT_SKIPPED;
		w->skip_t[i] = s->t;
	}
	rd->visits[j] = pt_judge(ev, k, j, s->t, w->prev_t);
	w->prev_t = s->t;
	w->expected = j + 1;
	return j == ev->r->ncps - 1;
}

/* Visit of checkpoint s->cp, not yet visited in round k; 1 if the round is done. */
static int
pt_visit(struct pt_eval *ev, int k, const struct pt_scan *s)
{
	struct patrol_round	*rd = &ev->out->rounds[k];
	struct pt_round		*w = &ev->wr[k];
	int			 done;

	if (ev->r->order == PATROL_ORDER_ANY) {
		rd->visits[s->cp] = pt_judge(ev, k, s->cp, s->t, w->prev_t);
		w->prev_t = s->t;
		done = w->nvisited + 1 == ev->r->ncps;
	} else
		done = pt_visit_inorder(ev, k, s);
	rd->visit_ms[s->cp] = s->t;
	w->last_t = s->t;
	w->nvisited++;
	return done;
}

/* The slot whose round scan s may start (open, not started), -1 none. */
static int
pt_can_start(const struct pt_eval *ev, const struct pt_scan *s)
{
	const struct patrol_round	*rd;
	int				 k;

	if (s->cp < 0 || (ev->r->order != PATROL_ORDER_ANY && s->cp != 0))
		return -1;
	for (k = 0; k < ev->n; k++) {
		rd = &ev->out->rounds[k];
		if (rd->state == PATROL_ROUND_PENDING && !ev->wr[k].active &&
		    rd->start_ms == 0 && s->t >= rd->slot_from_ms &&
		    s->t < rd->slot_to_ms)
			return k;
	}
	return -1;
}

/* Round k starts with scan s. */
static void
pt_start(struct pt_eval *ev, int k, const struct pt_scan *s)
{
	struct patrol_round	*rd = &ev->out->rounds[k];
	struct pt_round		*w = &ev->wr[k];
	int64_t			 max, last;

	rd->start_ms = s->t;
	rd->guard_id = s->guard;
	rd->state = PATROL_ROUND_ACTIVE;
	w->active = 1;
	ev->active = k;
	if (ev->r->max_round > 0)
		max = (int64_t)ev->r->max_round * 1000;
	else if (ev->r->order == PATROL_ORDER_WINDOWS) {
		last = ev->wt[(ev->r->ncps - 1) * ev->n + k];
		max = 2 * (last - ev->wf[k]);
	} else
		max = rd->slot_to_ms - rd->slot_from_ms;
	w->timeout = s->t + (max > 0 ? max : 1);
	if (w->timeout > ev->sh->end_ms)
		w->timeout = ev->sh->end_ms;
	if (pt_visit(ev, k, s))
		pt_close(ev, k, s->t);
}

/* One scan of the shift, in time order. */
static void
pt_step(struct pt_eval *ev, const struct pt_scan *s)
{
	int	a = ev->active, k;

	if (a >= 0 && s->t >= ev->wr[a].timeout) {
		pt_close(ev, a, ev->wr[a].timeout);
		a = -1;
	}
	if (a >= 0 && s->cp >= 0 && ev->out->rounds[a].visit_ms[s->cp] == 0) {
		if (pt_visit(ev, a, s))
			pt_close(ev, a, s->t);
		return;
	}
	/* A round given up and begun again once the next slot is open. */
	if ((k = pt_can_start(ev, s)) >= 0) {
		if (a >= 0)
			pt_close(ev, a, s->t);
		pt_start(ev, k, s);
		return;
	}
	ev->out->extra_scans++;
}

/* The state at now of the round still in progress and of the slots not started. */
static void
pt_finish_rounds(struct pt_eval *ev)
{
	struct patrol_round	*rd;
	struct pt_round		*w;
	int64_t			 flip;
	int			 k, a = ev->active;

	if (a >= 0 && pt_due(ev, ev->wr[a].timeout))
		pt_close(ev, a, ev->wr[a].timeout);
	else if (a >= 0 && ev->r->order != PATROL_ORDER_ANY) {
		w = &ev->wr[a];
		flip = pt_deadline(ev, a, w->expected, w->prev_t);
		if (flip != 0 && pt_due(ev, flip))
			w->late_d[w->expected] = flip;
	}
	for (k = 0; k < ev->n; k++) {
		rd = &ev->out->rounds[k];
		if (rd->start_ms == 0 && pt_due(ev, rd->slot_to_ms))
			rd->state = PATROL_ROUND_MISSED;
		ev->out->walked += rd->start_ms != 0;
		ev->out->complete += rd->state == PATROL_ROUND_COMPLETE;
	}
}

/* What is due next: the expected checkpoint of the round in progress, else the next slot's first. */
static void
pt_next_cp(struct pt_eval *ev)
{
	struct patrol_result	*out = ev->out;
	struct pt_round		*w;
	int			 k, first = ev->r->order == PATROL_ORDER_ANY ? -1 : 0;

	out->next_cp = -1;
	if (ev->active >= 0) {
		w = &ev->wr[ev->active];
		if (ev->r->order == PATROL_ORDER_ANY)
			return;
		out->next_cp = w->expected;
		out->next_cp_by_ms = pt_deadline(ev, ev->active, w->expected,
		    w->prev_t);
		return;
	}
	for (k = 0; k < ev->n; k++)
		if (out->rounds[k].state == PATROL_ROUND_PENDING) {
			out->next_cp = first;
			out->next_cp_by_ms = out->rounds[k].slot_to_ms;
			return;
		}
}

/* "4 min 10 s", "45 s", "1 h 5 min" for ms. */
static void
pt_dur(char *buf, size_t len, int64_t ms)
{
	int64_t	s = (ms + 500) / 1000;

	if (s < 60)
		snprintf(buf, len, "%lld s", (long long)s);
	else if (s < 3600 && s % 60 != 0)
		snprintf(buf, len, "%lld min %lld s", (long long)(s / 60),
		    (long long)(s % 60));
	else if (s < 3600)
		snprintf(buf, len, "%lld min", (long long)(s / 60));
	else
		snprintf(buf, len, "%lld h %lld min", (long long)(s / 3600),
		    (long long)(s % 3600 / 60));
}

/* Format into a fixed field; a text too long for it is cut. */
static void
pt_set(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void
pt_set(char *buf, size_t len, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* Append a finding; key and text are formatted by the caller. */
static struct patrol_finding *
pt_finding(struct pt_eval *ev, enum patrol_fail kind, int round, int cp,
    int64_t guard, int64_t at)
{
	struct patrol_result	*out = ev->out;
	struct patrol_finding	*f;

	if (out->nfindings == ev->maxfind) {
		ev->maxfind = ev->maxfind ? ev->maxfind * 2 : 8;
		out->findings = xreallocarray(out->findings, (size_t)ev->maxfind,
		    sizeof(*out->findings));
	}
	f = &out->findings[out->nfindings++];
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->round = round;
	f->cp = cp;
	f->guard_id = guard;
	f->at_ms = at;
	return f;
}

/* The name of checkpoint j for a text. */
#define CPN(ev, j)	((ev)->r->cps[(j)].name)

/* A finding of checkpoint j in round k keyed "r<k>.cp<j>.<what>" (1-based). */
static struct patrol_finding *
pt_cp_finding(struct pt_eval *ev, int k, int j, enum patrol_fail kind,
    int64_t at, const char *what)
{
	struct patrol_finding	*f;

	f = pt_finding(ev, kind, k + 1, j, ev->out->rounds[k].guard_id, at);
	pt_set(f->key, sizeof(f->key), "r%d.cp%d.%s", k + 1, j + 1, what);
	return f;
}

/* Checkpoint j of round k was late, or is overdue. */
static void
pt_late_finding(struct pt_eval *ev, int k, int j)
{
	const struct patrol_round	*rd = &ev->out->rounds[k];
	int64_t				 d = ev->wr[k].late_d[j];
	struct patrol_finding		*f;
	char				 by[32];

	f = pt_cp_finding(ev, k, j, PATROL_FAIL_CP_LATE, d, "late");
	pt_dur(by, sizeof(by), rd->visit_ms[j] - d);
	if (rd->visit_ms[j] != 0 && rd->visits[j] != PATROL_VISIT_ORDER)
		pt_set(f->text, sizeof(f->text), "Round %d: %s late by %s",
		    k + 1, CPN(ev, j), by);
	else
		pt_set(f->text, sizeof(f->text), "Round %d: %s overdue", k + 1,
		    CPN(ev, j));
}

/* The findings of checkpoint j in round k. */
static void
pt_cp_findings(struct pt_eval *ev, int k, int j)
{
	const struct patrol_round	*rd = &ev->out->rounds[k];
	struct patrol_finding		*f;
	char				 d[32], g[32];

	if (ev->wr[k].late_d[j] != 0)
		pt_late_finding(ev, k, j);
	pt_dur(d, sizeof(d), ev->wr[k].gap[j]);
	pt_dur(g, sizeof(g), (int64_t)ev->r->cps[j].min_gap * 1000);
	switch (rd->visits[j]) {
	case PATROL_VISIT_SKIPPED:
		f = pt_cp_finding(ev, k, j, PATROL_FAIL_CP_SKIPPED,
		    ev->wr[k].skip_t[j], "skipped");
		pt_set(f->text, sizeof(f->text), "Round %d: %s skipped", k + 1,
		    CPN(ev, j));
		break;
	case PATROL_VISIT_ORDER:
		f = pt_cp_finding(ev, k, j, PATROL_FAIL_CP_ORDER,
		    rd->visit_ms[j], "order");
		pt_set(f->text, sizeof(f->text), "Round %d: %s visited out of "
		    "order", k + 1, CPN(ev, j));
		break;
	case PATROL_VISIT_FAST:
		f = pt_cp_finding(ev, k, j, PATROL_FAIL_CP_FAST, rd->visit_ms[j],
		    "fast");
		pt_set(f->text, sizeof(f->text), "Round %d: %s reached %s after "
		    "the previous checkpoint (at least %s to walk)", k + 1,
		    CPN(ev, j), d, g);
		break;
	case PATROL_VISIT_EARLY:
		f = pt_cp_finding(ev, k, j, PATROL_FAIL_CP_EARLY,
		    rd->visit_ms[j], "early");
		pt_set(f->text, sizeof(f->text), "Round %d: %s visited %s before "
		    "its window", k + 1, CPN(ev, j), d);
		break;
	default:
		break;
	}
}

/* The findings of round k as a whole. */
static void
pt_round_findings(struct pt_eval *ev, int k)
{
	const struct patrol_round	*rd = &ev->out->rounds[k];
	struct patrol_finding		*f;
	char				 d[32], g[32];
	int				 j, n = 0;

	for (j = 0; j < ev->r->ncps; j++)
		n += rd->visit_ms[j] != 0;
	switch (rd->state) {
	case PATROL_ROUND_INCOMPLETE:
		f = pt_finding(ev, PATROL_FAIL_ROUND_INCOMPLETE, k + 1, -1,
		    rd->guard_id, rd->end_ms);
		pt_set(f->key, sizeof(f->key), "r%d.incomplete", k + 1);
		pt_set(f->text, sizeof(f->text), "Round %d incomplete: %d of %d "
		    "checkpoints visited", k + 1, n, ev->r->ncps);
		break;
	case PATROL_ROUND_SHORT:
		f = pt_finding(ev, PATROL_FAIL_ROUND_SHORT, k + 1, -1,
		    rd->guard_id, rd->end_ms);
		pt_set(f->key, sizeof(f->key), "r%d.short", k + 1);
		pt_dur(d, sizeof(d), ev->wr[k].last_t - rd->start_ms);
		pt_dur(g, sizeof(g), (int64_t)ev->r->min_round * 1000);
		pt_set(f->text, sizeof(f->text), "Round %d walked in %s (at "
		    "least %s)", k + 1, d, g);
		break;
	case PATROL_ROUND_MISSED:
		f = pt_finding(ev, PATROL_FAIL_ROUND_MISSED, k + 1, -1, 0,
		    rd->slot_to_ms);
		pt_set(f->key, sizeof(f->key), "r%d.missed", k + 1);
		pt_set(f->text, sizeof(f->text), "Round %d of %d not started "
		    "in its time", k + 1, ev->n);
		break;
	default:
		break;
	}
}

/* qsort: int64 pairs by guard, then time. */
static int
pt_pair_cmp(const void *a, const void *b)
{
	const int64_t	*x = a, *y = b;

	if (x[0] != y[0])
		return x[0] < y[0] ? -1 : 1;
	return (x[1] > y[1]) - (x[1] < y[1]);
}

/* Guard g, last seen at last, is silent (if on duty when the limit came). */
static void
pt_silent_one(struct pt_eval *ev, int64_t g, int64_t last)
{
	struct patrol_finding	*f;
	int64_t			 lim = (int64_t)ev->r->silent * 1000, duty;
	char			 d[32];

	duty = ev->last_end != 0 && ev->last_end < ev->sh->end_ms ?
	    ev->last_end : ev->sh->end_ms;
	if (last + lim + 1 > duty || !pt_due(ev, last + lim + 1))
		return;
	f = pt_finding(ev, PATROL_FAIL_GUARD_SILENT, 0, -1, g, last + lim);
	pt_set(f->key, sizeof(f->key), "guard%lld.silent", (long long)g);
	pt_dur(d, sizeof(d), lim);
	if (g != 0)
		pt_set(f->text, sizeof(f->text), "Guard %lld silent: no "
		    "check-in for more than %s", (long long)g, d);
	else
		pt_set(f->text, sizeof(f->text), "Unknown guard silent: no "
		    "check-in for more than %s", d);
}

/* Lone-worker findings from every scan of the shift (on the route or not). */
static void
pt_silent(struct pt_eval *ev, const struct pt_scan *v, size_t n)
{
	int64_t	*pairs;
	size_t	 i;

	if (ev->r->silent == 0 || n == 0)
		return;
	pairs = xreallocarray(NULL, n, 2 * sizeof(int64_t));
	for (i = 0; i < n; i++) {
		pairs[2 * i] = v[i].guard;
		pairs[2 * i + 1] = v[i].t;
	}
	qsort(pairs, n, 2 * sizeof(int64_t), pt_pair_cmp);
	for (i = 0; i < n; i++)
		if (i + 1 == n || pairs[2 * i + 2] != pairs[2 * i])
			pt_silent_one(ev, pairs[2 * i], pairs[2 * i + 1]);
	free(pairs);
}

/* qsort: findings by round (guards last), checkpoint, kind. */
static int
pt_finding_cmp(const void *a, const void *b)
{
	const struct patrol_finding	*x = a, *y = b;
	int				 rx = x->round ? x->round : INT32_MAX;
	int				 ry = y->round ? y->round : INT32_MAX;

	if (rx != ry)
		return rx < ry ? -1 : 1;
	if (x->cp != y->cp)
		return (unsigned)x->cp < (unsigned)y->cp ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return (x->guard_id > y->guard_id) - (x->guard_id < y->guard_id);
}

/* Every finding, in a stable order. */
static void
pt_findings(struct pt_eval *ev, const struct pt_scan *v, size_t n)
{
	int	k, j;

	for (k = 0; k < ev->n; k++) {
		for (j = 0; j < ev->r->ncps; j++)
			pt_cp_findings(ev, k, j);
		pt_round_findings(ev, k);
	}
	pt_silent(ev, v, n);
	if (ev->out->nfindings > 1)
		qsort(ev->out->findings, (size_t)ev->out->nfindings,
		    sizeof(*ev->out->findings), pt_finding_cmp);
}

/* 1 if the arguments of patrol_evaluate() can be judged. */
static int
pt_args_ok(const struct patrol_route *route, const struct patrol_shift *sh,
    const struct patrol_scan *scans, size_t nscans)
{
	return route != NULL && sh != NULL && sh->rule >= 0 &&
	    sh->rule < route->nrules && sh->rounds >= 0 &&
	    sh->rounds <= PATROL_ROUNDS_MAX && sh->end_ms > sh->start_ms &&
	    (scans != NULL || nscans == 0);
}

/* Evaluate the scans of one shift at now_ms; 0, or -1 on a shift that is not the route's. */
int
patrol_evaluate(const struct patrol_route *route, const struct patrol_shift *sh,
    const struct patrol_scan *scans, size_t nscans, int64_t now_ms,
    struct patrol_result *out)
{
	struct pt_eval	 ev;
	struct pt_scan	*v;
	size_t		 n, i;
	int		 rc = -1;

	if (out == NULL)
		return -1;
	memset(out, 0, sizeof(*out));
	out->next_cp = -1;
	if (!pt_args_ok(route, sh, scans, nscans))
		return -1;
	memset(&ev, 0, sizeof(ev));
	ev.r = route;
	ev.sh = sh;
	ev.now = now_ms;
	ev.n = sh->rounds;
	ev.active = -1;
	ev.out = out;
	v = xreallocarray(NULL, nscans + 1, sizeof(*v));
	n = pt_scans(&ev, scans, nscans, v);
	/* A scan known is in the past, whatever the clock says. */
	if (n > 0 && v[n - 1].t > ev.now)
		ev.now = v[n - 1].t;
	if (pt_setup(&ev) != 0)
		goto done;
	for (i = 0; i < n; i++)
		pt_step(&ev, &v[i]);
	pt_finish_rounds(&ev);
	pt_next_cp(&ev);
	pt_findings(&ev, v, n);
	out->next_due_ms = ev.due;
	rc = 0;
done:
	free(v);
	free(ev.block);
	free(ev.wr);
	if (rc != 0)
		patrol_result_free(out);
	return rc;
}

/* Free what a result owns (not the struct itself); NULL is harmless. */
void
patrol_result_free(struct patrol_result *res)
{
	int	k;

	if (res == NULL)
		return;
	for (k = 0; k < res->nrounds && res->rounds != NULL; k++) {
		free(res->rounds[k].visits);
		free(res->rounds[k].visit_ms);
	}
	free(res->rounds);
	free(res->findings);
	memset(res, 0, sizeof(*res));
	res->next_cp = -1;
}

/* "cp_late", ...: the name of a failure. */
const char *
patrol_fail_name(enum patrol_fail f)
{
	static const char *const	names[] = { "none", "cp_late",
	    "cp_skipped", "cp_order", "cp_fast", "round_incomplete",
	    "round_short", "round_missed", "guard_silent", "cp_early" };

	return (unsigned)f < sizeof(names) / sizeof(names[0]) ? names[f] : "?";
}

/* "pending", ...: the name of a round state. */
const char *
patrol_round_state_name(enum patrol_round_state s)
{
	static const char *const	names[] = { "pending", "active",
	    "complete", "incomplete", "short", "missed" };

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

/* "due", ...: the name of a visit state. */
const char *
patrol_visit_state_name(enum patrol_visit_state s)
{
	static const char *const	names[] = { "due", "on_time", "late",
	    "skipped", "order", "fast", "early" };

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}
