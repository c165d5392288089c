/* stats_handling.h - handling-time statistics in EN 50518 terms (src/store_stats.c). */
#ifndef PCOD_STATS_HANDLING_H
#define PCOD_STATS_HANDLING_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct store;
struct tz_rule;

enum stats_by {
	STATS_BY_PRIORITY = 0,
	STATS_BY_OPERATOR,	/* who took it (or closed it untaken) */
	STATS_BY_DAY,		/* day the alarm was received (UTC or filter's tz) */
	STATS_BY_HOUR		/* hour (UTC or filter's tz) */
};

struct stats_filter {
	int64_t		since_ms;	/* alarms received at or after; 0: no bound */
	int64_t		until_ms;	/* and before; 0: no bound */
	int		priority;	/* 0: any */
	enum stats_by	by;
	/*
	 * day, hour: the zone whose local days and hours group the alarms
	 * (each alarm by the offset in force when it came in, so a day of a
	 * DST change has 23 or 25 hours); NULL: UTC.
	 */
	const struct tz_rule *tz;
};

/* A set of durations, in tenths of a second (rounded half up). */
struct stats_times {
	size_t	n;
	int64_t	mean, p50, p90, p95, max;
};

/*
 * Sort ms[0..n) (milliseconds) and summarise it: mean, nearest-rank
 * percentiles (the smallest value with at least p % of the values at or
 * below it) and max.  All zero when n is 0.
 */
void	store_stats_times(int64_t *ms, size_t n, struct stats_times *out);
/*
 * Of total alarms, the share whose time (in sorted ms[0..n)) is at most
 * limit_ms, in tenths of a percent, rounded half up; 0 when total is 0.
 */
int	store_stats_share(const int64_t *sorted_ms, size_t n, size_t total,
	    int64_t limit_ms);
/* "priority", "operator", "day", "hour"; -1 for anything else. */
int	store_stats_by_parse(const char *);
const char *store_stats_by_name(enum stats_by);

/*
 * The group of an alarm received at ms by day or hour in tz (NULL: UTC):
 * "2026-10-25", "2026-10-25T02:00+02:00" (with tz; "...T02:00Z" without).
 */
void	store_stats_local_key(const struct tz_rule *tz, enum stats_by by,
	    int64_t ms, char *buf, size_t bufsz);

/*
 * stats.handling over the committed alarms received in the filter's period:
 * {by, since, until, priority, groups: [row...], total: row}, each row
 * {group, count, taken, closed, untaken, escalated, take_mean, take_p50,
 * take_p90, take_p95, take_max, close_mean, ..., close_max,
 * taken_30s_pct, taken_60s_pct}, times in seconds with one decimal (null
 * when the group has none).  NULL on a store error (store_errmsg()).
 */
json_t	*store_stats_handling(struct store *, const struct stats_filter *);

#endif
