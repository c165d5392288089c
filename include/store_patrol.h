/*
 * store_patrol.h - guard patrols in the store (src/store_patrol.c): guards,
 * the holiday calendar, route versions, patrol terminals, check-ins,
 * findings raised as alarms, observations.  Writes go into the open batch;
 * reads name their connection (STORE_PATROL_BATCH sees the batch).
 * Rows travel as JSON objects with the column names of sql/009_patrol.sql.
 */
#ifndef PCOD_STORE_PATROL_H
#define PCOD_STORE_PATROL_H

#include <stdint.h>

#include <jansson.h>

struct store;

enum store_patrol_view { STORE_PATROL_COMMITTED = 0, STORE_PATROL_BATCH = 1 };

/* ---- guards ---- */
/* Insert {name, phone?, active?}: its id, or -1. */
int64_t	store_patrol_guard_add(struct store *, const json_t *fields, int64_t now);
/* Update the given fields: 0, 1 no such guard, -1. */
int	store_patrol_guard_update(struct store *, int64_t id, const json_t *fields,
	    int64_t now);
/* 0, 1 no such guard, -1 (check-ins keep their rows and guard_id). */
int	store_patrol_guard_remove(struct store *, int64_t id);
/*
 * Replace the guard's identifiers of kind ("device" or "tag") with the
 * strings of ids: 0, 1 with *taken naming one another guard holds (owned
 * by the caller, free()), -1.
 */
int	store_patrol_guard_ids(struct store *, int64_t id, const char *kind,
	    const json_t *ids, char **taken);
/* Replace the guard's sites: 0, 1 with *bad a site that does not exist, -1. */
int	store_patrol_guard_sites(struct store *, int64_t id, const json_t *sites,
	    int64_t *bad);
/* {id, name, phone, active, devices, tags, sites: [{id, name}]}; json_null(); NULL. */
json_t	*store_patrol_guard_get(struct store *, enum store_patrol_view, int64_t id);
/* Every guard as guard_get shows it; only those who may patrol site (> 0). */
json_t	*store_patrol_guard_list(struct store *, int64_t site);
/* The guard an identifier names: > 0, 0 none, -1 (batch). */
int64_t	store_patrol_guard_find(struct store *, const char *ident);
/* {id, name, active, may (patrol site)} or json_null() (batch). */
json_t	*store_patrol_guard_brief(struct store *, int64_t id, int64_t site);

/* ---- holidays ---- */
/* Add or rename dates [{date, name}] (checked by the caller): 0 or -1. */
int	store_patrol_holiday_put(struct store *, const char *date, const char *name);
/* 0, 1 none, -1. */
int	store_patrol_holiday_remove(struct store *, const char *date);
/* [{date, name}] by date; NULL on error. */
json_t	*store_patrol_holidays(struct store *, enum store_patrol_view);

/* ---- routes ---- */
/*
 * Store doc (JSON text) as the next version of route name on site; the
 * previous one stops being current.  0 with *id and *version; 1 the name is
 * in use on another site (*other_site); -1.
 */
int	store_patrol_route_put(struct store *, const char *name, int64_t site,
	    const char *doc, const char *by, int64_t now, int64_t *id,
	    int *version, int64_t *other_site);
/* End the current version: 0 with *id, 1 none current, -1. */
int	store_patrol_route_retire(struct store *, const char *name, int64_t now,
	    int64_t *id);
/* {id, name, version, current, site_id, doc, created_by, created_ms, retired_ms, latest}. */
json_t	*store_patrol_route_get(struct store *, enum store_patrol_view,
	    const char *name, int version);
json_t	*store_patrol_route_by_id(struct store *, enum store_patrol_view, int64_t id);
/* Without doc, plus checkpoints (count); site <= 0: every site. */
json_t	*store_patrol_route_list(struct store *, int64_t site, int all_versions);
/* The current versions with doc, created_ms and the site's timezone (batch). */
json_t	*store_patrol_route_current(struct store *);

/*
 * The versions (of site, or every site; of route name, or every route) in
 * force at some time in [from, to), with doc, created_ms, retired_ms and
 * the site's timezone (committed), by name and version.
 */
json_t	*store_patrol_route_versions(struct store *, int64_t site,
	    const char *name, int64_t from, int64_t to);

/* ---- patrol terminals (DC-09 accounts) ---- */
int	store_patrol_terminal_set(struct store *, const char *account, const char *map);
int	store_patrol_terminal_remove(struct store *, const char *account); /* 0, 1, -1 */
/* [{account, map}] (map decoded). */
json_t	*store_patrol_terminals(struct store *, enum store_patrol_view);

/* ---- check-ins ---- */
struct store_patrol_checkin {
	int64_t		 received_ms, scan_ms;
	const char	*source;	/* "dc09", "socket" */
	const char	*kind;		/* "scan", "panic", "man_down" */
	const char	*account;	/* NULL none */
	const char	*device, *tag, *guard_ref;	/* "" none */
	int64_t		 guard_id, site_id, route_id;	/* 0 none */
	int		 checkpoint;	/* -1 none */
	int		 unknown_tag, unknown_guard;
	int		 not_allowed;	/* known guard, inactive or not for this site */
	int		 has_pos;
	double		 lat, lon;
	int64_t		 event_id;	/* 0 none */
	const char	*entered_by;
	const char	*dedup;
};
/* Insert: the new id (> 0), 0 with *dup the stored one when already there, -1. */
int64_t	store_patrol_checkin_add(struct store *, const struct store_patrol_checkin *,
	    int64_t *dup);
/* One check-in row (batch); json_null(); NULL. */
json_t	*store_patrol_checkin_get(struct store *, int64_t id);

/* The scans of a site with scan_ms in [from, to), as the engine needs them (batch). */
struct store_patrol_scan {
	int64_t		 id, scan_ms, received_ms, guard_id;
	const char	*tag;		/* valid during the callback */
};
int	store_patrol_scans(struct store *, enum store_patrol_view, int64_t site,
	    int64_t from, int64_t to,
	    int (*cb)(const struct store_patrol_scan *, void *), void *arg);

/* Filter for checkin lists and reports; 0 / NULL: any. */
struct store_patrol_filter {
	int64_t		 site, guard;
	int64_t		 since_ms, until_ms;
	int		 flagged;	/* only unknown tags or guards, or not allowed */
	int		 limit;
};
/* Newest first (committed), with site and guard names. */
json_t	*store_patrol_checkin_list(struct store *, const struct store_patrol_filter *);
/* The last scan of each guard since since_ms: [{guard_id, name, site_id, tag, scan_ms}]. */
json_t	*store_patrol_last_scans(struct store *, int64_t since_ms);

/* ---- findings (alarms raised for a shift) ---- */
/* The rows of (route, shift), batch. */
json_t	*store_patrol_findings(struct store *, const char *route, int64_t shift_ms);
/* Insert or update one row {route, shift_ms, fkey, site_id, kind, text, ...}. */
int	store_patrol_finding_put(struct store *, const json_t *row);
/* Filtered rows for reports (committed). */
json_t	*store_patrol_finding_list(struct store *, const struct store_patrol_filter *);

/* ---- observations ---- */
/* Insert {site_id, checkpoint, guard_id, at_ms, deviation, adversary, talk, verdict, recorded_by}. */
int64_t	store_patrol_observation_add(struct store *, const json_t *row, int64_t now);
int	store_patrol_observation_alarm(struct store *, int64_t id, int64_t alarm_id);
json_t	*store_patrol_observation_get(struct store *, enum store_patrol_view, int64_t id);
json_t	*store_patrol_observation_list(struct store *, const struct store_patrol_filter *);

#endif
