/*
 * cmd_patrol.c - guard.*, patrol.*: guards, the holiday calendar, routes,
 * patrol terminals, check-ins, observations, live status and reports.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "actor.h"
#include "alarm.h"
#include "audit.h"
#include "clock.h"
#include "cmd.h"
#include "control.h"
#include "event.h"
#include "log.h"
#include "patrol.h"
#include "patrol_run.h"
#include "site.h"
#include "store.h"
#include "store_patrol.h"

#define PATROL_LIST_DEFAULT	100
#define PATROL_LIST_MAX		10000
#define PATROL_IDENTS_MAX	32	/* devices or tags per guard */
#define PATROL_REPORT_MAX_MS	(400 * 86400 * (int64_t)1000)

/* A string argument, or NULL. */
static const char *
pa_str(json_t *args, const char *k)
{
	return json_string_value(json_object_get(args, k));
}

/* An integer argument, or 0. */
static int64_t
pa_int(json_t *args, const char *k)
{
	return json_integer_value(json_object_get(args, k));
}

/* Rows as consoles see them ("x_ms" as ISO "x"), in place. */
static void
pa_rows_shape(json_t *rows)
{
	json_t	*row;
	size_t	 i;

	json_array_foreach(rows, i, row)
		alarm_json(row);
}

/* Reply to a read: the rows (made console-shaped), or a storage error. */
static void
pa_reply_rows(struct cmd_req *req, struct control_ctx *ctx, json_t *rows)
{
	json_t	*row;
	size_t	 i;

	if (rows == NULL) {
		control_error(req, "storage", "%s", store_errmsg(ctx->store));
		return;
	}
	if (json_is_array(rows))
		json_array_foreach(rows, i, row)
			alarm_json(row);
	else if (json_is_object(rows))
		alarm_json(rows);
	control_reply(req, rows);
}

/* One audit row; details borrowed.  0 or -1. */
static int
pa_audit(struct control_ctx *ctx, const struct actor *who, const char *action,
    const char *object, const char *oid, json_t *args, json_t *details)
{
	return store_audit_add(ctx->store, who, action, object, oid,
	    pa_str(args, "reason"), details);
}

/* After a change the service depends on committed: reload it. */
static void
pa_reload(struct control_ctx *ctx, json_t *result)
{
	(void)result;
	if (ctx->patrol != NULL)
		patrol_run_reload(ctx->patrol);
}

/* --- guards ------------------------------------------------------------------ */

/* Check a list of identifiers (devices, tags). */
static int
pa_idents_ok(const json_t *v, const char *name, struct cmd_err *err)
{
	const json_t	*s;
	size_t		 i, n;

	if (v == NULL)
		return 0;
	if (json_array_size(v) > PATROL_IDENTS_MAX)
		return cmd_fail(err, "bad_args", "%s: at most %d", name,
		    PATROL_IDENTS_MAX);
	json_array_foreach(v, i, s) {
		n = json_is_string(s) ? json_string_length(s) : 0;
		if (n == 0 || n > PATROL_TAG_MAX ||
		    strcspn(json_string_value(s), " \t\r\n") != n)
			return cmd_fail(err, "bad_args", "%s[%zu]: 1 to %d "
			    "characters, no spaces", name, i, PATROL_TAG_MAX);
	}
	return 0;
}

/* Set a guard's devices, tags and sites from args (those given).  0 or -1. */
static int
pa_guard_links(struct control_ctx *ctx, int64_t id, json_t *args,
    struct cmd_err *err)
{
	static const char *const kinds[2][2] = { { "devices", "device" },
	    { "tags", "tag" } };
	json_t		*v;
	char		*taken = NULL;
	int64_t		 bad = 0;
	int		 i, rc;

	for (i = 0; i < 2; i++) {
		if ((v = json_object_get(args, kinds[i][0])) == NULL)
			continue;
		if (pa_idents_ok(v, kinds[i][0], err) != 0)
			return -1;
		rc = store_patrol_guard_ids(ctx->store, id, kinds[i][1], v, &taken);
		if (rc == 1) {
			cmd_fail(err, "exists", "%s: '%s' belongs to another guard",
			    kinds[i][0], taken);
			free(taken);
			return -1;
		}
		if (rc != 0)
			return -1;
	}
	if ((v = json_object_get(args, "sites")) == NULL)
		return 0;
	for (i = 0; i < (int)json_array_size(v); i++)
		if (!json_is_integer(json_array_get(v, (size_t)i)))
			return cmd_fail(err, "bad_args", "sites[%d]: a site id", i);
	rc = store_patrol_guard_sites(ctx->store, id, v, &bad);
	if (rc == 1)
		return cmd_fail(err, "not_found", "sites: no site %lld",
		    (long long)bad);
	return rc;
}

/* guard.add {name, phone?, active?, devices?, tags?, sites?} */
static int
pa_guard_add(struct control_ctx *ctx, const struct actor *who, json_t *args,
    json_t **result, struct cmd_err *err)
{
	int64_t	id;
	char	oid[24];

	if ((id = store_patrol_guard_add(ctx->store, args, clock_now_ms())) < 0 ||
	    pa_guard_links(ctx, id, args, err) != 0)
		return -1;
	if ((*result = store_patrol_guard_get(ctx->store, STORE_PATROL_BATCH,
	    id)) == NULL)
		return -1;
	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	if (pa_audit(ctx, who, "guard.add", "guard", oid, args, *result) != 0)
		return -1;
	alarm_json(*result);
	return 0;
}

/* guard.update {id, name?, phone?, active?, devices?, tags?, sites?} */
static int
pa_guard_update(struct control_ctx *ctx, const struct actor *who, json_t *args,
    json_t **result, struct cmd_err *err)
{
	int64_t	id = pa_int(args, "id");
	char	oid[24];
	int	rc;

	if ((rc = store_patrol_guard_update(ctx->store, id, args,
	    clock_now_ms())) < 0)
		return -1;
	if (rc == 1)
		return cmd_fail(err, "not_found", "no guard %lld", (long long)id);
	if (pa_guard_links(ctx, id, args, err) != 0 ||
	    (*result = store_patrol_guard_get(ctx->store, STORE_PATROL_BATCH,
	    id)) == NULL)
		return -1;
	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	if (pa_audit(ctx, who, "guard.update", "guard", oid, args, *result) != 0)
		return -1;
	alarm_json(*result);
	return 0;
}

/* guard.remove {id, reason?} */
static int
pa_guard_remove(struct control_ctx *ctx, const struct actor *who, json_t *args,
    json_t **result, struct cmd_err *err)
{
	int64_t	id = pa_int(args, "id");
	char	oid[24];
	json_t	*g;

	if ((g = store_patrol_guard_get(ctx->store, STORE_PATROL_BATCH, id)) ==
	    NULL)
		return -1;
	if (json_is_null(g))
		return cmd_fail(err, "not_found", "no guard %lld", (long long)id);
	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	if (store_patrol_guard_remove(ctx->store, id) != 0 ||
	    pa_audit(ctx, who, "guard.remove", "guard", oid, args, g) != 0) {
		json_decref(g);
		return -1;
	}
	alarm_json(g);
	*result = g;
	return 0;
}

/* guard.show {id} */
static void
cmd_guard_show(struct cmd_req *req, struct control_ctx *ctx, json_t *args)
{
	json_t	*g = store_patrol_guard_get(ctx->store, STORE_PATROL_COMMITTED,
		    pa_int(args, "id"));

	if (g != NULL && json_is_null(g)) {
		control_error(req, "not_found", "no guard %lld",
		    (long long)pa_int(args, "id"));
		return;
	}
	pa_reply_rows(req, ctx, g);
}

/* guard.list {site?} */
static void
cmd_guard_list(struct cmd_req *req, struct control_ctx *ctx, json_t *args)
{
	pa_reply_rows(req, ctx, store_patrol_guard_list(ctx->store,
	    pa_int(args, "site")));
}

/* --- the holiday calendar ---------------------------------------------------- */

/* Is s a real date "YYYY-MM-DD"? */
static int
pa_date_ok(const char *s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int	y, m, d, n = 0;

	if (s == NULL || strlen(s) != 10 ||
	    sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 ||
	    s[4] != '-' || s[7] != '-' || y < 1970 || y > 2999 || m < 1 ||
	    m > 12 || d < 1 || d > mdays[m - 1])
		return 0;
	return m != 2 || d < 29 || (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
}

/* patrol.holiday.import {dates: ["2026-12-24" | {date, name}], reason?} */
static int
pa_holiday_import(struct control_ctx *ctx, const struct actor *who,
    json_t *args, json_t **result, struct cmd_err *err)
{
	json_t		*dates = json_object_get(args, "dates"), *v;
	const char	*date, *name;
	size_t		 i;

	json_array_foreach(dates, i, v) {
		date = json_is_object(v) ? json_string_value(json_object_get(v,
		    "date")) : json_string_value(v);
		name = json_is_object(v) ? json_string_value(json_object_get(v,
		    "name")) : NULL;
		if (!pa_date_ok(date))
			return cmd_fail(err, "bad_args", "dates[%zu]: a date "
			    "YYYY-MM-DD, or {date, name}", i);
		if (name != NULL && strlen(name) > 128)
			return cmd_fail(err, "bad_args", "dates[%zu].name: at "
			    "most 128 bytes", i);
		if (store_patrol_holiday_put(ctx->store, date, name) != 0)
			return -1;
	}
	if (pa_audit(ctx, who, "patrol.holiday.import", "calendar", "", args,
	    dates) != 0)
		return -1;
	*result = json_pack("{s:I,s:o}", "imported", (json_int_t)json_array_size(
	    dates), "holidays", store_patrol_holidays(ctx->store,
	    STORE_PATROL_BATCH));
	return 0;
}

/* patrol.holiday.remove {date, reason?} */
static int
pa_holiday_remove(struct control_ctx *ctx, const struct actor *who,
    json_t *args, json_t **result, struct cmd_err *err)
{
	const char	*date = pa_str(args, "date");
	int		 rc;

	if ((rc = store_patrol_holiday_remove(ctx->store, date)) < 0)
		return -1;
	if (rc == 1)
		return cmd_fail(err, "not_found", "%s is not a holiday", date);
	if (pa_audit(ctx, who, "patrol.holiday.remove", "calendar", date, args,
	    NULL) != 0)
		return -1;
	*result = json_pack("{s:s}", "removed", date);
	return 0;
}

/* patrol.holiday.list {} */
static void
cmd_holiday_list(struct cmd_req *req, struct control_ctx *ctx, json_t *args)
{
	(void)args;
	pa_reply_rows(req, ctx, store_patrol_holidays(ctx->store,
	    STORE_PATROL_COMMITTED));
}

/* --- routes ------------------------------------------------------------------ */

/* The route document of a put: the arguments but the reason. */
static json_t *
pa_route_doc(json_t *args)
{
	json_t	*doc = json_deep_copy(args);

	json_object_del(doc, "reason");
	return doc;
}

/* patrol.route.put {name, site, order, min_round, ...}: the next version. */
static int
pa_route_put(struct control_ctx *ctx, const struct actor *who, json_t *args,
    json_t **result, struct cmd_err *err)
{
	struct patrol_route	*route;
	json_t			*doc = pa_route_doc(args), *d;
	char			 msg[256], *text, oid[PATROL_NAME_MAX + 16];
	int64_t			 id, other = 0, site = pa_int(args, "site");
	int			 version, rc;

	if ((route = patrol_route_parse(doc, msg, sizeof(msg))) == NULL) {
		json_decref(doc);
		return cmd_fail(err, "bad_args", "%s", msg);
	}
	patrol_route_free(route);
	if ((rc = store_site_exists(ctx->store, site)) != 1) {
		json_decref(doc);
		return rc < 0 ? -1 : cmd_fail(err, "not_found", "site: no site "
		    "%lld", (long long)site);
	}
	text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(doc);
	rc = store_patrol_route_put(ctx->store, pa_str(args, "name"), site, text,
	    who->name, clock_now_ms(), &id, &version, &other);
	free(text);
	if (rc == 1)
		return cmd_fail(err, "exists", "route '%s' is in force on site "
		    "%lld; retire it there first", pa_str(args, "name"),
		    (long long)other);
	if (rc != 0)
		return -1;
	snprintf(oid, sizeof(oid), "%s@%d", pa_str(args, "name"), version);
	d = json_pack("{s:I,s:I}", "site", (json_int_t)site, "checkpoints",
	    (json_int_t)json_array_size(json_object_get(args, "checkpoints")));
	rc = pa_audit(ctx, who, "patrol.route.put", "patrol_route", oid, args, d);
	json_decref(d);
	if (rc != 0 || (*result = store_patrol_route_by_id(ctx->store,
	    STORE_PATROL_BATCH, id)) == NULL)
		return -1;
	alarm_json(*result);
	log_info("control: patrol route %s put by %s", oid, who->name);
	return 0;
}

/* patrol.route.retire {name, reason?} */
static int
pa_route_retire(struct control_ctx *ctx, const struct actor *who, json_t *args,
    json_t **result, struct cmd_err *err)
{
	const char	*name = pa_str(args, "name");
	int64_t		 id;
	int		 rc;
	char		 oid[PATROL_NAME_MAX + 16];

	if ((rc = store_patrol_route_retire(ctx->store, name, clock_now_ms(),
	    &id)) < 0)
		return -1;
	if (rc == 1)
		return cmd_fail(err, "not_found", "no route '%s' in force", name);
	if ((*result = store_patrol_route_by_id(ctx->store, STORE_PATROL_BATCH,
	    id)) == NULL)
		return -1;
	snprintf(oid, sizeof(oid), "%s@%lld", name, (long long)json_integer_value(
	    json_object_get(*result, "version")));
	if (pa_audit(ctx, who, "patrol.route.retire", "patrol_route", oid, args,
	    NULL) != 0)
		return -1;
	alarm_json(*result);
	return 0;
}

/* patrol.route.show {name, version?} */
static void
cmd_route_show(struct cmd_req *req, struct control_ctx *ctx, json_t *args)
{
	json_t	*r = store_patrol_route_get(ctx->store, STORE_PATROL_COMMITTED,
		    pa_str(args, "name"), (int)pa_int(args, "version"));

	if (r != NULL && json_is_null(r)) {
		control_error(req, "not_found", "no route '%s'%s",
		    pa_str(args, "name"), pa_int(args, "version") > 0 ?
		    " of that version" : "");
		return;
	}
	pa_reply_rows(req, ctx, r);
}

/* patrol.route.list {site?, all_versions?} */
static void
cmd_route_list(struct cmd_req *req, struct control_ctx *ctx, json_t *args)
{
	pa_reply_rows(req, ctx, store_patrol_route_list(ctx->store,
	    pa_int(args, "site"), json_is_true(json_object_get(args,
	    "all_versions"))));
}

/* --- patrol terminals --------------------------------------------------------- */

/* patrol.terminal.set {account, tag_codes, panic_codes?, ...} */
static int
pa_terminal_set(struct control_ctx *ctx, const struct actor *who, json_t *args,
    json_t **result, struct cmd_err *err)
{
	const char	*acct = pa_str(args, "account");
	json_t		*map;
	char		 msg[200], *text;
	int		 rc;

	if ((map = patrol_run_terminal_map(args, msg, sizeof(msg))) == NULL)
		return cmd_fail(err, "bad_args", "%s", msg);
	text = json_dumps(map, JSON_COMPACT);
	rc = store_patrol_terminal_set(ctx->store, acct, text);
	free(text);
	if (rc != 0 || pa_audit(ctx, who, "patrol.terminal.set", "account", acct,
	    args, map) != 0) {
		json_decref(map);
		return -1;
	}
	*result = json_pack("{s:s,s:o}", "account", acct, "map", map);
	return 0;
}

/* patrol.terminal.remove {account, reason?} */
static int
pa_terminal_remove(struct control_ctx *ctx, const struct actor *who,
    json_t *args, json_t **result, struct cmd_err *err)
{
	const char	*acct = pa_str(args, "account");
	int		 rc;

	if ((rc = store_patrol_terminal_remove(ctx->store, acct)) < 0)
		return -1;
	if (rc == 1)
		return cmd_fail(err, "not_found", "account %s is not a patrol "
		    "terminal", acct);
	if (pa_audit(ctx, who, "patrol.terminal.remove", "account", acct, args,
	    NULL) != 0)
		return -1;
	*result = json_pack("{s:s}", "removed", acct);
	return 0;
}

/* patrol.terminal.list {} */
static void
cmd_terminal_list(struct cmd_req *req, struct control_ctx *ctx, json_t *args)
{
	(void)args;
	pa_reply_rows(req, ctx, store_patrol_terminals(ctx->store,
	    STORE_PATROL_COMMITTED));
}

/* --- check-ins ------------------------------------------------------------------ */

/* The kind of a check-in: scan (default), panic, man_down; NULL bad. */
static const char *
pa_kind(json_t *args)
{
	const char	*k = pa_str(args, "kind");

	if (k == NULL)
		return "scan";
	if (strcmp(k, "scan") == 0 || strcmp(k, "panic") == 0 ||
	    strcmp(k, "man_down") == 0)
		return k;
	return NULL;
}

/* position [latitude, longitude], in range.  0 or -1. */
static int
pa_pos(json_t *args, struct patrol_checkin_in *in, struct cmd_err *err)
{
	json_t	*p = json_object_get(args, "position");
	json_t	*la = json_array_get(p, 0), *lo = json_array_get(p, 1);

	if (p == NULL)
		return 0;
	if (!json_is_number(la) || !json_is_number(lo))
		return cmd_fail(err, "bad_args", "position: [latitude, "
		    "longitude] as numbers");
	in->lat = json_number_value(la);
	in->lon = json_number_value(lo);
	if (in->lat < -90 || in->lat > 90 || in->lon < -180 || in->lon > 180)
		return cmd_fail(err, "bad_args", "lat/lon out of range");
	in->has_pos = 1;
	return 0;
}

/* patrol.checkin {tag, guard?, device?, site?, time?, kind?, position?} */
static int
pa_checkin(struct control_ctx *ctx, const struct actor *who, json_t *args,
    json_t **result, struct cmd_err *err)
{
	struct patrol_checkin_in	 in;
	const char			*tag = pa_str(args, "tag");

	memset(&in, 0, sizeof(in));
	in.source = "socket";
	if ((in.kind = pa_kind(args)) == NULL)
		return cmd_fail(err, "bad_args", "kind: scan, panic or man_down");
	if (strcmp(in.kind, "scan") == 0 && (tag == NULL || *tag == '\0'))
		return cmd_fail(err, "bad_args", "tag: required for a scan");
	if (tag != NULL && strcspn(tag, " \t\r\n") != strlen(tag))
		return cmd_fail(err, "bad_args", "tag: no spaces");
	in.tag = tag != NULL ? tag : "";
	in.guard = pa_str(args, "guard");
	in.device = pa_str(args, "device");
	in.site_id = pa_int(args, "site");
	in.received_ms = clock_wall_ms();
	in.scan_ms = pa_int(args, "time");
	in.entered_by = who->name;
	if (pa_pos(args, &in, err) != 0)
		return -1;
	if (in.site_id > 0 && store_site_exists(ctx->store, in.site_id) != 1)
		return cmd_fail(err, "not_found", "site: no site %lld",
		    (long long)in.site_id);
	if (ctx->patrol == NULL)
		return cmd_fail(err, "bad_state", "patrols are not running");
	if (patrol_run_checkin(ctx->patrol, &in, result, err) != 0)
		return -1;
	alarm_json(*result);
	return 0;
}

/* The list filter from args (site, guard, since, until, limit). */
static void
pa_filter(json_t *args, struct store_patrol_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->site = pa_int(args, "site");
	f->guard = pa_int(args, "guard");
	f->since_ms = pa_int(args, "since");
	f->until_ms = pa_int(args, "until");
	f->flagged = json_is_true(json_object_get(args, "flagged"));
	f->limit = json_object_get(args, "limit") != NULL ?
	    (int)pa_int(args, "limit") : PATROL_LIST_DEFAULT;
}

/* patrol.checkins {site?, guard?, since?, until?, flagged?, limit?} */
static void
cmd_checkins(struct cmd_req *req, struct control_ctx *ctx, json_t *args)
{
	struct store_patrol_filter	f;

	pa_filter(args, &f);
	pa_reply_rows(req, ctx, store_patrol_checkin_list(ctx->store, &f));
}

/* --- observations --------------------------------------------------------------- */

/* The alarm of an observation judged a threat.  0 or -1. */
static int
pa_threat_alarm(struct control_ctx *ctx, json_t *args, int64_t id,
    int64_t *alarm_id)
{
	struct alarm_patrol	a;
	char			ref[17], text[300];
	const char		*cp = pa_str(args, "checkpoint");

	snprintf(ref, sizeof(ref), "T%015llx", (unsigned long long)id);
	snprintf(text, sizeof(text), "Threat observed%s%s: %.200s",
	    cp != NULL ? " at " : "", cp != NULL ? cp : "",
	    pa_str(args, "deviation"));
	memset(&a, 0, sizeof(a));
	a.site_id = pa_int(args, "site");
	a.ref = ref;
	a.cls = EVC_THREAT;
	a.text = text;
	return alarm_patrol_raise(ctx->alarms, &a, alarm_id);
}

/* A guard id given (> 0) names a guard: 0, or -1 with err. */
static int
pa_guard_known(struct control_ctx *ctx, int64_t id, struct cmd_err *err)
{
	json_t	*g;
	int	 known;

	if (id <= 0)
		return 0;
	if ((g = store_patrol_guard_brief(ctx->store, id, 0)) == NULL)
		return -1;
	known = json_is_object(g);
	json_decref(g);
	return known ? 0 : cmd_fail(err, "not_found", "guard: no guard %lld",
	    (long long)id);
}

/* The observation row from args, checked.  NULL with err. */
static json_t *
pa_observation_row(struct control_ctx *ctx, const struct actor *who,
    json_t *args, struct cmd_err *err)
{
	const char	*verdict = pa_str(args, "verdict");
	int		 rc;

	if (strcmp(verdict, "threat") != 0 && strcmp(verdict, "no_threat") != 0) {
		cmd_fail(err, "bad_args", "verdict: threat or no_threat");
		return NULL;
	}
	if ((rc = store_site_exists(ctx->store, pa_int(args, "site"))) != 1) {
		if (rc == 0)
			cmd_fail(err, "not_found", "site: no site %lld",
			    (long long)pa_int(args, "site"));
		return NULL;
	}
	if (pa_guard_known(ctx, pa_int(args, "guard"), err) != 0)
		return NULL;
	return json_pack("{s:I,s:O?,s:O?,s:I,s:O,s:b,s:O?,s:s,s:s}",
	    "site_id", (json_int_t)pa_int(args, "site"),
	    "checkpoint", json_object_get(args, "checkpoint"),
	    "guard_id", json_object_get(args, "guard"),
	    "at_ms", (json_int_t)(pa_int(args, "at") > 0 ? pa_int(args, "at") :
	    clock_wall_ms()),
	    "deviation", json_object_get(args, "deviation"),
	    "adversary", json_is_true(json_object_get(args, "adversary")),
	    "talk", json_object_get(args, "talk"), "verdict", verdict,
	    "recorded_by", who->name);
}

/* patrol.observe {site, deviation, verdict, checkpoint?, guard?, at?, adversary?, talk?} */
static int
pa_observe(struct control_ctx *ctx, const struct actor *who, json_t *args,
    json_t **result, struct cmd_err *err)
{
	json_t	*row;
	int64_t	 id, alarm_id = 0;
	char	 oid[24];

	if ((row = pa_observation_row(ctx, who, args, err)) == NULL)
		return -1;
	id = store_patrol_observation_add(ctx->store, row, clock_now_ms());
	json_decref(row);
	if (id < 0)
		return -1;
	if (strcmp(pa_str(args, "verdict"), "threat") == 0 &&
	    ctx->alarms != NULL && (pa_threat_alarm(ctx, args, id,
	    &alarm_id) != 0 || store_patrol_observation_alarm(ctx->store, id,
	    alarm_id) != 0))
		return -1;
	if ((*result = store_patrol_observation_get(ctx->store,
	    STORE_PATROL_BATCH, id)) == NULL)
		return -1;
	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	if (pa_audit(ctx, who, "patrol.observe", "observation", oid, args,
	    *result) != 0)
		return -1;
	alarm_json(*result);
	return 0;
}

/* patrol.observations {site?, guard?, since?, until?, limit?} */
static void
cmd_observations(struct cmd_req *req, struct control_ctx *ctx, json_t *args)
{
	struct store_patrol_filter	f;

	pa_filter(args, &f);
	pa_reply_rows(req, ctx, store_patrol_observation_list(ctx->store, &f));
}

/* --- status and reports ------------------------------------------------------- */

/*
 * Name the guard of each round of each shift ("guard": name or null), and
 * of the shift's active round ("on_round").
 */
static int
pa_guard_names(struct control_ctx *ctx, json_t *shifts)
{
	json_t	*guards, *g, *sh, *rd, *active;
	size_t	 i, j, k;
	int64_t	 id;

	if ((guards = store_patrol_guard_list(ctx->store, 0)) == NULL)
		return -1;
	active = json_string("active");
	json_array_foreach(shifts, i, sh) {
		json_object_set_new(sh, "on_round", json_null());
		json_array_foreach(json_object_get(sh, "rounds"), j, rd) {
			id = json_integer_value(json_object_get(rd, "guard_id"));
			json_object_set_new(rd, "guard", json_null());
			json_array_foreach(guards, k, g)
				if (id > 0 && json_integer_value(json_object_get(g,
				    "id")) == id)
					json_object_set(rd, "guard",
					    json_object_get(g, "name"));
			if (json_equal(json_object_get(rd, "state"), active))
				json_object_set(sh, "on_round",
				    json_object_get(rd, "guard"));
		}
	}
	json_decref(active);
	json_decref(guards);
	return 0;
}

/* patrol.status {site?} */
static void
cmd_status(struct cmd_req *req, struct control_ctx *ctx, json_t *args)
{
	json_t	*st;

	if (ctx->patrol == NULL) {
		control_error(req, "bad_state", "patrols are not running");
		return;
	}
	if ((st = patrol_run_status(ctx->patrol, pa_int(args, "site"))) == NULL ||
	    pa_guard_names(ctx, json_object_get(st, "shifts")) != 0) {
		json_decref(st);
		control_error(req, "storage", "%s", store_errmsg(ctx->store));
		return;
	}
	pa_rows_shape(json_object_get(st, "guards"));
	control_reply(req, st);
}

/* patrol.report {since, until, site?, route?, guard?} */
static void
cmd_report(struct cmd_req *req, struct control_ctx *ctx, json_t *args)
{
	struct store_patrol_filter	 f;
	json_t				*rep, *obs, *fd;

	pa_filter(args, &f);
	f.limit = PATROL_LIST_MAX;
	if (ctx->patrol == NULL) {
		control_error(req, "bad_state", "patrols are not running");
		return;
	}
	if (f.until_ms <= f.since_ms || f.until_ms - f.since_ms >
	    PATROL_REPORT_MAX_MS) {
		control_error(req, "bad_args", "since < until, at most 400 days "
		    "apart");
		return;
	}
	rep = patrol_run_report(ctx->patrol, f.site, pa_str(args, "route"),
	    f.guard, f.since_ms, f.until_ms);
	obs = store_patrol_observation_list(ctx->store, &f);
	fd = store_patrol_finding_list(ctx->store, &f);
	if (rep == NULL || obs == NULL || fd == NULL ||
	    pa_guard_names(ctx, json_object_get(rep, "shifts")) != 0) {
		json_decref(rep);
		json_decref(obs);
		json_decref(fd);
		control_error(req, "storage", "%s", store_errmsg(ctx->store));
		return;
	}
	pa_rows_shape(obs);
	pa_rows_shape(fd);
	json_object_set_new(rep, "observations", obs);
	json_object_set_new(rep, "alarms", fd);
	control_reply(req, rep);
}

/* --- the table -------------------------------------------------------------- */

#define PA_REASON	{ "reason", CMD_ARG_STRING, 0, 0, 1024 }
#define PA_IDENTS(n)	{ n, CMD_ARG_ARRAY, 0, 0, PATROL_IDENTS_MAX }

static const struct cmd_entry pa_guard_add_entry = {
	.name = "guard.add",
	.args = {
		{ "name", CMD_ARG_STRING, 1, 1, 128 },
		{ "phone", CMD_ARG_STRING, 0, 0, 64 },
		{ "active", CMD_ARG_BOOL, 0, 0, 0 },
		PA_IDENTS("devices"), PA_IDENTS("tags"),
		{ "sites", CMD_ARG_ARRAY, 0, 0, 1000 },
		PA_REASON, { NULL }
	},
	.write = pa_guard_add,
	.role = ROLE_SUPERVISOR,
};

static const struct cmd_entry pa_guard_update_entry = {
	.name = "guard.update",
	.args = {
		{ "id", CMD_ARG_INT, 1, 1, INT64_MAX },
		{ "name", CMD_ARG_STRING, 0, 1, 128 },
		{ "phone", CMD_ARG_STRING, 0, 0, 64 },
		{ "active", CMD_ARG_BOOL, 0, 0, 0 },
		PA_IDENTS("devices"), PA_IDENTS("tags"),
		{ "sites", CMD_ARG_ARRAY, 0, 0, 1000 },
		PA_REASON, { NULL }
	},
	.write = pa_guard_update,
	.role = ROLE_SUPERVISOR,
};

static const struct cmd_entry pa_guard_remove_entry = {
	.name = "guard.remove",
	.args = { { "id", CMD_ARG_INT, 1, 1, INT64_MAX }, PA_REASON, { NULL } },
	.write = pa_guard_remove,
	.role = ROLE_SUPERVISOR,
};

static const struct cmd_entry pa_guard_show_entry = {
	.name = "guard.show",
	.args = { { "id", CMD_ARG_INT, 1, 1, INT64_MAX }, { NULL } },
	.exec = cmd_guard_show,
	.role = ROLE_OPERATOR,
};

static const struct cmd_entry pa_guard_list_entry = {
	.name = "guard.list",
	.args = { { "site", CMD_ARG_INT, 0, 1, INT64_MAX }, { NULL } },
	.exec = cmd_guard_list,
	.role = ROLE_OPERATOR,
};

static const struct cmd_entry pa_holiday_import_entry = {
	.name = "patrol.holiday.import",
	.args = { { "dates", CMD_ARG_ARRAY, 1, 1, 1000 }, PA_REASON, { NULL } },
	.write = pa_holiday_import,
	.committed = pa_reload,
	.role = ROLE_SUPERVISOR,
};

static const struct cmd_entry pa_holiday_remove_entry = {
	.name = "patrol.holiday.remove",
	.args = { { "date", CMD_ARG_STRING, 1, 10, 10 }, PA_REASON, { NULL } },
	.write = pa_holiday_remove,
	.committed = pa_reload,
	.role = ROLE_SUPERVISOR,
};

static const struct cmd_entry pa_holiday_list_entry = {
	.name = "patrol.holiday.list",
	.args = { { NULL } },
	.exec = cmd_holiday_list,
	.role = ROLE_OPERATOR,
};

static const struct cmd_entry pa_route_put_entry = {
	.name = "patrol.route.put",
	.args = {
		{ "name", CMD_ARG_STRING, 1, 1, PATROL_NAME_MAX },
		{ "site", CMD_ARG_INT, 1, 1, INT64_MAX },
		{ "order", CMD_ARG_STRING, 0, 1, 16 },
		{ "min_round", CMD_ARG_INT, 0, 0, PATROL_DURATION_MAX },
		{ "max_round", CMD_ARG_INT, 0, 0, PATROL_DURATION_MAX },
		{ "silent", CMD_ARG_INT, 0, 0, PATROL_DURATION_MAX },
		{ "checkpoints", CMD_ARG_ARRAY, 1, 1, PATROL_CHECKPOINTS_MAX },
		{ "schedule", CMD_ARG_ARRAY, 1, 1, PATROL_RULES_MAX },
		PA_REASON, { NULL }
	},
	.write = pa_route_put,
	.committed = pa_reload,
	.role = ROLE_SUPERVISOR,
};

static const struct cmd_entry pa_route_retire_entry = {
	.name = "patrol.route.retire",
	.args = { { "name", CMD_ARG_STRING, 1, 1, PATROL_NAME_MAX }, PA_REASON,
	    { NULL } },
	.write = pa_route_retire,
	.committed = pa_reload,
	.role = ROLE_SUPERVISOR,
};

static const struct cmd_entry pa_route_show_entry = {
	.name = "patrol.route.show",
	.args = {
		{ "name", CMD_ARG_STRING, 1, 1, PATROL_NAME_MAX },
		{ "version", CMD_ARG_INT, 0, 1, INT32_MAX },
		{ NULL }
	},
	.exec = cmd_route_show,
	.role = ROLE_OPERATOR,
};

static const struct cmd_entry pa_route_list_entry = {
	.name = "patrol.route.list",
	.args = {
		{ "site", CMD_ARG_INT, 0, 1, INT64_MAX },
		{ "all_versions", CMD_ARG_BOOL, 0, 0, 0 },
		{ NULL }
	},
	.exec = cmd_route_list,
	.role = ROLE_OPERATOR,
};

static const struct cmd_entry pa_terminal_set_entry = {
	.name = "patrol.terminal.set",
	.args = {
		{ "account", CMD_ARG_ACCOUNT, 1, 0, 0 },
		{ "tag_codes", CMD_ARG_ARRAY, 1, 1, PATROL_RUN_CODES_MAX },
		{ "panic_codes", CMD_ARG_ARRAY, 0, 0, PATROL_RUN_CODES_MAX },
		{ "man_down_codes", CMD_ARG_ARRAY, 0, 0, PATROL_RUN_CODES_MAX },
		{ "tag_field", CMD_ARG_STRING, 0, 1, 8 },
		{ "guard_field", CMD_ARG_STRING, 0, 1, 8 },
		{ "time", CMD_ARG_STRING, 0, 1, 8 },
		PA_REASON, { NULL }
	},
	.write = pa_terminal_set,
	.committed = pa_reload,
	.role = ROLE_SUPERVISOR,
};

static const struct cmd_entry pa_terminal_remove_entry = {
	.name = "patrol.terminal.remove",
	.args = { { "account", CMD_ARG_ACCOUNT, 1, 0, 0 }, PA_REASON, { NULL } },
	.write = pa_terminal_remove,
	.committed = pa_reload,
	.role = ROLE_SUPERVISOR,
};

static const struct cmd_entry pa_terminal_list_entry = {
	.name = "patrol.terminal.list",
	.args = { { NULL } },
	.exec = cmd_terminal_list,
	.role = ROLE_OPERATOR,
};

static const struct cmd_entry pa_checkin_entry = {
	.name = "patrol.checkin",
	.args = {
		{ "tag", CMD_ARG_STRING, 0, 0, PATROL_TAG_MAX },
		{ "guard", CMD_ARG_STRING, 0, 1, 64 },
		{ "device", CMD_ARG_STRING, 0, 1, 64 },
		{ "site", CMD_ARG_INT, 0, 1, INT64_MAX },
		{ "time", CMD_ARG_TIME, 0, 0, 0 },
		{ "kind", CMD_ARG_STRING, 0, 1, 16 },
		{ "position", CMD_ARG_ARRAY, 0, 2, 2 },
		{ NULL }
	},
	.write = pa_checkin,
	.role = ROLE_OPERATOR,
};

#define PA_FILTER \
	{ "site", CMD_ARG_INT, 0, 1, INT64_MAX },	\
	{ "guard", CMD_ARG_INT, 0, 1, INT64_MAX },	\
	{ "since", CMD_ARG_TIME, 0, 0, 0 },		\
	{ "until", CMD_ARG_TIME, 0, 0, 0 }

static const struct cmd_entry pa_checkins_entry = {
	.name = "patrol.checkins",
	.args = {
		PA_FILTER,
		{ "flagged", CMD_ARG_BOOL, 0, 0, 0 },
		{ "limit", CMD_ARG_INT, 0, 1, PATROL_LIST_MAX },
		{ NULL }
	},
	.exec = cmd_checkins,
	.role = ROLE_OPERATOR,
};

static const struct cmd_entry pa_observe_entry = {
	.name = "patrol.observe",
	.args = {
		{ "site", CMD_ARG_INT, 1, 1, INT64_MAX },
		{ "deviation", CMD_ARG_STRING, 1, 1, 2000 },
		{ "verdict", CMD_ARG_STRING, 1, 1, 16 },
		{ "checkpoint", CMD_ARG_STRING, 0, 0, 128 },
		{ "guard", CMD_ARG_INT, 0, 1, INT64_MAX },
		{ "at", CMD_ARG_TIME, 0, 0, 0 },
		{ "adversary", CMD_ARG_BOOL, 0, 0, 0 },
		{ "talk", CMD_ARG_STRING, 0, 0, 2000 },
		{ NULL }
	},
	.write = pa_observe,
	.role = ROLE_OPERATOR,
};

static const struct cmd_entry pa_observations_entry = {
	.name = "patrol.observations",
	.args = {
		PA_FILTER,
		{ "limit", CMD_ARG_INT, 0, 1, PATROL_LIST_MAX },
		{ NULL }
	},
	.exec = cmd_observations,
	.role = ROLE_OPERATOR,
};

static const struct cmd_entry pa_status_entry = {
	.name = "patrol.status",
	.args = { { "site", CMD_ARG_INT, 0, 1, INT64_MAX }, { NULL } },
	.exec = cmd_status,
	.role = ROLE_OPERATOR,
};

static const struct cmd_entry pa_report_entry = {
	.name = "patrol.report",
	.args = {
		{ "site", CMD_ARG_INT, 0, 1, INT64_MAX },
		{ "guard", CMD_ARG_INT, 0, 1, INT64_MAX },
		{ "since", CMD_ARG_TIME, 1, 0, 0 },
		{ "until", CMD_ARG_TIME, 1, 0, 0 },
		{ "route", CMD_ARG_STRING, 0, 1, PATROL_NAME_MAX },
		{ NULL }
	},
	.exec = cmd_report,
	.role = ROLE_OPERATOR,
};

const struct cmd_entry *const cmd_patrol_table[] = {
	&pa_guard_add_entry, &pa_guard_update_entry, &pa_guard_remove_entry,
	&pa_guard_show_entry, &pa_guard_list_entry,
	&pa_holiday_import_entry, &pa_holiday_remove_entry,
	&pa_holiday_list_entry,
	&pa_route_put_entry, &pa_route_retire_entry, &pa_route_show_entry,
	&pa_route_list_entry,
	&pa_terminal_set_entry, &pa_terminal_remove_entry,
	&pa_terminal_list_entry,
	&pa_checkin_entry, &pa_checkins_entry,
	&pa_observe_entry, &pa_observations_entry,
	&pa_status_entry, &pa_report_entry,
	NULL
};
