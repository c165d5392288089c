/* cmd_alarm.c - the alarm queue: alarm.list, show, take, step, comment, close, escalate. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "alarm.h"
#include "audit.h"
#include "cmd.h"
#include "codes.h"
#include "control.h"
#include "handling.h"
#include "site.h"
#include "store.h"
#include "store_alarm.h"

#define ALARM_LIST_DEFAULT	200
#define ALARM_SHOW_EVENTS	100	/* the newest; count says how many in all */
#define ALARM_SHOW_HISTORY	500
/* The busiest accounts an unknown-accounts alarm names (accounts_seen: all). */
#define ALARM_LIST_ACCOUNTS	10
#define ALARM_SHOW_ACCOUNTS	100

static const char *const alarm_list_states[] = {
	"open", "new", "taken", "closed", "all", NULL
};

/* The integer argument name (validated by the spec). */
static int64_t
arg_int(json_t *args, const char *name)
{
	return json_integer_value(json_object_get(args, name));
}

/* The string argument name, NULL when absent. */
static const char *
arg_str(json_t *args, const char *name)
{
	return json_string_value(json_object_get(args, name));
}

/* Every row of a stored list as consoles see it. */
static json_t *
alarm_rows_json(json_t *rows)
{
	json_t	*row;
	size_t	 i;

	json_array_foreach(rows, i, row)
		alarm_json(row);
	return rows;
}

/* The unknown-accounts alarm gets its accounts: how many, the busiest.  0 or -1. */
static int
alarm_accounts_fill(struct store *s, json_t *a, int limit)
{
	const char	*kind = json_string_value(json_object_get(a, "kind"));
	int64_t		 id = json_integer_value(json_object_get(a, "id"));
	int64_t		 seen = 0;
	json_t		*l;

	if (kind == NULL || strcmp(kind, "unknown_accounts") != 0)
		return 0;
	if ((l = store_alarm_accounts(s, id, limit, &seen)) == NULL)
		return -1;
	json_object_set_new(a, "accounts_seen", json_integer(seen));
	json_object_set_new(a, "unknown_accounts", alarm_rows_json(l));
	return 0;
}

/* The accounts of every unknown-accounts alarm of a list.  0 or -1. */
static int
alarm_list_accounts(struct store *s, json_t *rows)
{
	json_t	*row;
	size_t	 i;

	json_array_foreach(rows, i, row)
		if (alarm_accounts_fill(s, row, ALARM_LIST_ACCOUNTS) == -1)
			return -1;
	return 0;
}

/* Is s a state alarm.list knows? */
static int
alarm_list_state_ok(const char *s)
{
	size_t	i;

	for (i = 0; alarm_list_states[i] != NULL; i++)
		if (strcmp(alarm_list_states[i], s) == 0)
			return 1;
	return 0;
}

/* alarm.list {state?, site?, limit?}: the queue, by priority then age. */
static void
cmd_alarm_list_exec(struct cmd_req *req, struct control_ctx *ctx, json_t *args)
{
	struct store_alarm_filter	 f;
	json_t				*rows;

	memset(&f, 0, sizeof(f));
	f.state = arg_str(args, "state") != NULL ? arg_str(args, "state") : "open";
	if (!alarm_list_state_ok(f.state)) {
		control_error(req, "bad_args", "argument 'state': one of open, "
		    "new, taken, closed, all");
		return;
	}
	f.site_id = arg_int(args, "site");
	f.limit = json_object_get(args, "limit") != NULL ?
	    (int)arg_int(args, "limit") : ALARM_LIST_DEFAULT;
	if ((rows = store_alarm_list(ctx->store, &f)) == NULL ||
	    alarm_list_accounts(ctx->store, rows) == -1) {
		json_decref(rows);
		control_error(req, "storage", "%s", store_errmsg(ctx->store));
		return;
	}
	control_reply(req, alarm_rows_json(rows));
}

/* alarm.count {state?, site?} -> {count}: alarm.list's length without a limit. */
static void
cmd_alarm_count_exec(struct cmd_req *req, struct control_ctx *ctx,
    json_t *args)
{
	struct store_alarm_filter	 f;
	int64_t				 n;

	memset(&f, 0, sizeof(f));
	f.state = arg_str(args, "state") != NULL ? arg_str(args, "state") : "open";
	if (!alarm_list_state_ok(f.state)) {
		control_error(req, "bad_args", "argument 'state': one of open, "
		    "new, taken, closed, all");
		return;
	}
	f.site_id = arg_int(args, "site");
	if ((n = store_alarm_count(ctx->store, &f)) < 0) {
		control_error(req, "storage", "%s", store_errmsg(ctx->store));
		return;
	}
	control_reply(req, json_pack("{s:I}", "count", (json_int_t)n));
}

/* The alarm's history: its audit rows, newest first. */
static json_t *
alarm_history(struct store *s, int64_t id)
{
	struct audit_filter	f;
	char			oid[24];

	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	memset(&f, 0, sizeof(f));
	f.object = "alarm";
	f.object_id = oid;
	f.limit = ALARM_SHOW_HISTORY;
	return store_audit_list(s, &f);
}

/* Set member name of o to v; -1 (and nothing set) when v is NULL. */
static int
alarm_set(json_t *o, const char *name, json_t *v)
{
	if (v == NULL)
		return -1;
	json_object_set_new(o, name, v);
	return 0;
}

/* The member of list whose key equals n (an integer), or NULL. */
static json_t *
alarm_list_find(json_t *list, const char *key, json_int_t n)
{
	json_t	*o;
	size_t	 i;

	json_array_foreach(list, i, o)
		if (json_integer_value(json_object_get(o, key)) == n)
			return o;
	return NULL;
}

/* 1 if s is a contact position as a call step holds it: 1-3 digits. */
static int
alarm_position(const char *s, json_int_t *n)
{
	size_t	len = s != NULL ? strlen(s) : 0;

	if (len < 1 || len > 3 || strspn(s, "0123456789") != len)
		return 0;
	*n = (json_int_t)strtoll(s, NULL, 10);
	return *n > 0;
}

/*
 * A call step gets the contact it names from the site's call list as it is
 * now (contact: {position, name, phone, role, keyholder}), or contact null
 * and a problem the operator cannot miss when the site has no such contact.
 */
static void
alarm_step_contact(json_t *step, json_t *site)
{
	const char	*action = json_string_value(json_object_get(step, "action"));
	json_t		*contacts = json_object_get(site, "contacts"), *c;
	json_int_t	 pos;
	char		 msg[160];

	if (action == NULL || strcmp(action, "call") != 0 ||
	    !alarm_position(json_string_value(json_object_get(step, "target")),
	    &pos))
		return;
	if ((c = alarm_list_find(contacts, "position", pos)) != NULL) {
		json_object_set(step, "contact", c);
		return;
	}
	if (!json_is_object(site))
		snprintf(msg, sizeof msg, "NO CONTACT %lld: the alarm has no "
		    "site", (long long)pos);
	else
		snprintf(msg, sizeof msg, "NO CONTACT %lld: the site's call "
		    "list has %zu", (long long)pos, json_array_size(contacts));
	json_object_set_new(step, "contact", json_null());
	json_object_set_new(step, "problem", json_string(msg));
}

/* The site's first unit of kind, or NULL. */
static json_t *
alarm_unit_of_kind(json_t *units, const char *kind)
{
	json_t		*u;
	const char	*k;
	size_t		 i;

	json_array_foreach(units, i, u)
		if ((k = json_string_value(json_object_get(u, "kind"))) != NULL &&
		    strcmp(k, kind) == 0)
			return u;
	return NULL;
}

/*
 * A dispatch step gets the unit it names: by id (a problem when the site
 * has no such unit), or by kind the site's first unit of that kind (none:
 * the operator sends whom the kind says, e.g. the police).
 */
static void
alarm_step_unit(json_t *step, json_t *site)
{
	const char	*action = json_string_value(json_object_get(step, "action"));
	const char	*t = json_string_value(json_object_get(step, "target"));
	json_t		*units = json_object_get(site, "units"), *u;
	char		 msg[160];

	if (action == NULL || strcmp(action, "dispatch") != 0 || t == NULL)
		return;
	if (*t < '1' || *t > '9' || strspn(t, "0123456789") != strlen(t)) {
		if ((u = alarm_unit_of_kind(units, t)) != NULL)
			json_object_set(step, "unit", u);
		return;
	}
	if ((u = alarm_list_find(units, "id", strtoll(t, NULL, 10))) != NULL) {
		json_object_set(step, "unit", u);
		return;
	}
	snprintf(msg, sizeof msg, "NO UNIT %s at this site", t);
	json_object_set_new(step, "unit", json_null());
	json_object_set_new(step, "problem", json_string(msg));
}

/* Each event (and the alarm) with a zone gets the site's name for it. */
static void
alarm_zone_names(json_t *a, json_t *site)
{
	json_t	*zones = json_object_get(site, "zones"), *ev, *z;
	size_t	 i;

	json_array_foreach(json_object_get(a, "events"), i, ev)
		if (json_is_integer(json_object_get(ev, "zone")) &&
		    (z = alarm_list_find(zones, "number", json_integer_value(
		    json_object_get(ev, "zone")))) != NULL)
			json_object_set(ev, "zone_name", json_object_get(z,
			    "name"));
	if (json_is_integer(json_object_get(a, "zone")) &&
	    (z = alarm_list_find(zones, "number", json_integer_value(
	    json_object_get(a, "zone")))) != NULL)
		json_object_set(a, "zone_name", json_object_get(z, "name"));
}

/* Steps name their contacts and units, events their zones (alarm.show). */
static void
alarm_show_names(json_t *a)
{
	json_t	*site = json_object_get(a, "site"), *step;
	size_t	 i;

	json_array_foreach(json_object_get(a, "steps"), i, step) {
		alarm_step_contact(step, site);
		alarm_step_unit(step, site);
	}
	alarm_zone_names(a, site);
}

/* Add events, site, protocol, steps and history to a committed alarm row. */
static int
alarm_show_fill(struct store *s, json_t *a, int64_t id)
{
	int64_t	site = json_integer_value(json_object_get(a, "site_id"));
	int64_t	proto = json_integer_value(json_object_get(a, "protocol_id"));
	json_t	*ev, *steps;

	ev = store_alarm_events(s, id, ALARM_SHOW_EVENTS);
	steps = store_alarm_steps(s, id);
	if (alarm_set(a, "events", ev != NULL ? alarm_rows_json(ev) : NULL) ||
	    alarm_set(a, "steps", steps != NULL ? alarm_rows_json(steps) : NULL))
		return -1;
	if (alarm_set(a, "site", site > 0 ? store_site_brief(s, site) :
	    json_null()) ||
	    alarm_set(a, "protocol", proto > 0 ? store_protocol_brief(s, proto) :
	    json_null()) ||
	    alarm_set(a, "history", alarm_history(s, id)))
		return -1;
	if (json_is_object(json_object_get(a, "protocol")))
		alarm_json(json_object_get(a, "protocol"));
	alarm_rows_json(json_object_get(a, "history"));
	alarm_show_names(a);
	return alarm_accounts_fill(s, a, ALARM_SHOW_ACCOUNTS);
}

/* alarm.show {id}: the alarm with everything an operator needs to handle it. */
static void
cmd_alarm_show_exec(struct cmd_req *req, struct control_ctx *ctx, json_t *args)
{
	int64_t	 id = arg_int(args, "id");
	json_t	*a = store_alarm_get(ctx->store, id, 1);

	if (a != NULL && !json_is_object(a)) {
		json_decref(a);
		control_error(req, "not_found", "no alarm %lld", (long long)id);
		return;
	}
	if (a == NULL || alarm_show_fill(ctx->store, a, id) == -1) {
		json_decref(a);
		control_error(req, "storage", "%s", store_errmsg(ctx->store));
		return;
	}
	alarm_json(a);
	control_reply(req, a);
}

/* alarm.take in the batch. */
static int
alarm_take_write(struct control_ctx *ctx, const struct actor *who, json_t *args,
    json_t **result, struct cmd_err *err)
{
	return alarm_take(ctx->alarms, arg_int(args, "id"), who, result, err);
}

/* alarm.step in the batch. */
static int
alarm_step_write(struct control_ctx *ctx, const struct actor *who, json_t *args,
    json_t **result, struct cmd_err *err)
{
	return alarm_step_note(ctx->alarms, arg_int(args, "id"),
	    (int)arg_int(args, "position"), arg_str(args, "outcome"),
	    arg_str(args, "note"), who, result, err);
}

/* alarm.comment in the batch. */
static int
alarm_comment_write(struct control_ctx *ctx, const struct actor *who,
    json_t *args, json_t **result, struct cmd_err *err)
{
	return alarm_comment(ctx->alarms, arg_int(args, "id"),
	    arg_str(args, "text"), who, result, err);
}

/* The filters alarm.close takes instead of an id. */
static const char *const alarm_close_filters[] = {
	"site", "account", "class", "state", "priority", "before", NULL
};

/* Is any filter of alarm.close given? */
static int
alarm_filtered(json_t *args)
{
	size_t	i;

	for (i = 0; alarm_close_filters[i] != NULL; i++)
		if (json_object_get(args, alarm_close_filters[i]) != NULL)
			return 1;
	return 0;
}

/* The account filter: hex digits in upper case, as accounts are stored. */
static void
alarm_account_filter(const char *in, char *out, size_t outsz)
{
	int	hex = strspn(in, "0123456789abcdefABCDEF") == strlen(in);
	size_t	i;

	for (i = 0; in[i] != '\0' && i + 1 < outsz; i++)
		out[i] = hex && in[i] >= 'a' && in[i] <= 'f' ? in[i] - 32 :
		    in[i];
	out[i] = '\0';
}

/* The filters of alarm.close as a match.  0 or -1 with err. */
static int
alarm_match_args(json_t *args, struct store_alarm_match *m, char *acct,
    size_t acctsz, struct cmd_err *err)
{
	const char	*state = arg_str(args, "state");

	memset(m, 0, sizeof(*m));
	m->site_id = arg_int(args, "site");
	if (arg_str(args, "account") != NULL) {
		alarm_account_filter(arg_str(args, "account"), acct, acctsz);
		m->account = acct;
	}
	m->cls = arg_str(args, "class");
	if (m->cls != NULL && codes_class_parse(m->cls) < 0)
		return cmd_fail(err, "bad_args", "argument 'class': unknown "
		    "class \"%.32s\"", m->cls);
	if (state != NULL && strcmp(state, "open") != 0 &&
	    strcmp(state, "new") != 0 && strcmp(state, "taken") != 0)
		return cmd_fail(err, "bad_args", "argument 'state': one of "
		    "open, new, taken");
	m->state = state != NULL && strcmp(state, "open") != 0 ? state : NULL;
	m->priority = (int)arg_int(args, "priority");
	m->before_ms = arg_int(args, "before");
	return 0;
}

/* alarm.close in the batch: one alarm by id, or every one a filter matches. */
static int
alarm_close_write(struct control_ctx *ctx, const struct actor *who,
    json_t *args, json_t **result, struct cmd_err *err)
{
	struct store_alarm_match	m;
	char				acct[17];

	if (json_object_get(args, "id") != NULL) {
		if (alarm_filtered(args))
			return cmd_fail(err, "bad_args", "give an alarm id or "
			    "filters, not both");
		return alarm_close(ctx->alarms, arg_int(args, "id"),
		    arg_str(args, "resolution"), arg_str(args, "note"), who,
		    result, err);
	}
	if (alarm_match_args(args, &m, acct, sizeof(acct), err) == -1)
		return -1;
	return alarm_close_match(ctx->alarms, &m, arg_str(args, "resolution"),
	    arg_str(args, "note"), who, result, err);
}

/* alarm.escalate in the batch. */
static int
alarm_escalate_write(struct control_ctx *ctx, const struct actor *who,
    json_t *args, json_t **result, struct cmd_err *err)
{
	return alarm_escalate(ctx->alarms, arg_int(args, "id"),
	    arg_str(args, "reason"), who, result, err);
}

#define ARG_ID	{ "id", CMD_ARG_INT, 1, 1, INT64_MAX }

static const struct cmd_entry cmd_alarm_list_entry = {
	.name = "alarm.list",
	.args = {
		{ "state", CMD_ARG_STRING, 0, 1, 16 },
		{ "site", CMD_ARG_INT, 0, 1, INT64_MAX },
		{ "limit", CMD_ARG_INT, 0, 1, 10000 },
		{ NULL }
	},
	.exec = cmd_alarm_list_exec,
	.role = ROLE_OPERATOR,
};

/* The queue's true length, for pcoctl alarm watch's header (issue 12). */
static const struct cmd_entry cmd_alarm_count_entry = {
	.name = "alarm.count",
	.args = {
		{ "state", CMD_ARG_STRING, 0, 1, 16 },
		{ "site", CMD_ARG_INT, 0, 1, INT64_MAX },
		{ NULL }
	},
	.exec = cmd_alarm_count_exec,
	.role = ROLE_OPERATOR,
};

static const struct cmd_entry cmd_alarm_show_entry = {
	.name = "alarm.show",
	.args = { ARG_ID, { NULL } },
	.exec = cmd_alarm_show_exec,
	.role = ROLE_OPERATOR,
};

static const struct cmd_entry cmd_alarm_take_entry = {
	.name = "alarm.take",
	.args = { ARG_ID, { NULL } },
	.write = alarm_take_write,
	.role = ROLE_OPERATOR,
};

static const struct cmd_entry cmd_alarm_step_entry = {
	.name = "alarm.step",
	.args = {
		ARG_ID,
		{ "position", CMD_ARG_INT, 1, 0, 10000 },
		{ "outcome", CMD_ARG_STRING, 1, 1, 16 },
		{ "note", CMD_ARG_STRING, 0, 0, 2000 },
		{ NULL }
	},
	.write = alarm_step_write,
	.role = ROLE_OPERATOR,
};

static const struct cmd_entry cmd_alarm_comment_entry = {
	.name = "alarm.comment",
	.args = {
		ARG_ID,
		{ "text", CMD_ARG_STRING, 1, 1, 2000 },
		{ NULL }
	},
	.write = alarm_comment_write,
	.role = ROLE_OPERATOR,
};

static const struct cmd_entry cmd_alarm_close_entry = {
	.name = "alarm.close",
	.args = {
		/* An id, or filters (supervisor): alarm_close_write checks. */
		{ "id", CMD_ARG_INT, 0, 1, INT64_MAX },
		{ "resolution", CMD_ARG_STRING, 1, 1, 32 },
		{ "note", CMD_ARG_STRING, 0, 0, 2000 },
		{ "site", CMD_ARG_INT, 0, 1, INT64_MAX },
		{ "account", CMD_ARG_STRING, 0, 1, 16 },
		{ "class", CMD_ARG_STRING, 0, 1, 16 },
		{ "state", CMD_ARG_STRING, 0, 1, 8 },
		{ "priority", CMD_ARG_INT, 0, 1, 9 },
		{ "before", CMD_ARG_TIME, 0, 0, 0 },
		{ NULL }
	},
	.write = alarm_close_write,
	.role = ROLE_OPERATOR,
};

static const struct cmd_entry cmd_alarm_escalate_entry = {
	.name = "alarm.escalate",
	.args = {
		ARG_ID,
		{ "reason", CMD_ARG_STRING, 1, 1, 500 },
		{ NULL }
	},
	.write = alarm_escalate_write,
	.role = ROLE_OPERATOR,
};

const struct cmd_entry *const cmd_alarm_table[] = {
	&cmd_alarm_list_entry,
	&cmd_alarm_show_entry,
	&cmd_alarm_take_entry,
	&cmd_alarm_step_entry,
	&cmd_alarm_comment_entry,
	&cmd_alarm_close_entry,
	&cmd_alarm_escalate_entry,
	&cmd_alarm_count_entry,
	NULL
};
