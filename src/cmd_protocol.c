/* cmd_protocol.c - protocol.put, .show, .list, .retire, .match: handling protocols. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "actor.h"
#include "audit.h"
#include "clock.h"
#include "cmd.h"
#include "codes.h"
#include "control.h"
#include "handling.h"
#include "log.h"
#include "site.h"
#include "store.h"

/* Replace the integer epoch-ms member from of o by an ISO-8601 time named to. */
static void
protocol_time(json_t *o, const char *from, const char *to)
{
	json_t	*v = json_object_get(o, from);
	char	 buf[40];

	if (json_is_integer(v)) {
		control_time_format(json_integer_value(v), 0, buf, sizeof buf);
		json_object_set_new(o, to, json_string(buf));
	} else
		json_object_set_new(o, to, json_null());
	json_object_del(o, from);
}

/* Rename member from of o to to. */
static void
protocol_rename(json_t *o, const char *from, const char *to)
{
	json_t	*v = json_object_get(o, from);

	if (v != NULL) {
		json_object_set(o, to, v);
		json_object_del(o, from);
	}
}

/* A stored protocol row as consoles see it, in protocol.put's own names. */
static json_t *
protocol_json(json_t *row)
{
	json_t	*steps, *step;
	size_t	 i;

	if (row == NULL || !json_is_object(row))
		return row;
	protocol_rename(row, "site_id", "site");
	protocol_time(row, "approved_ms", "approved_at");
	protocol_time(row, "created_ms", "created_at");
	steps = json_object_get(row, "steps");
	json_array_foreach(steps, i, step)
		protocol_rename(step, "deadline_s", "deadline");
	return row;
}

/* "site 3" or "centre-wide", "class fire" or "every class", for messages. */
static void
protocol_where(const json_t *doc, char *buf, size_t bufsz)
{
	const json_t	*site = json_object_get(doc, "site");
	const char	*cls = json_string_value(json_object_get(doc, "class"));
	char		 s[32];

	if (json_is_integer(site))
		snprintf(s, sizeof s, "site %lld",
		    (long long)json_integer_value(site));
	else
		snprintf(s, sizeof s, "centre-wide");
	if (cls != NULL)
		snprintf(buf, bufsz, "%s, class %s", s, cls);
	else
		snprintf(buf, bufsz, "%s, every class", s);
}

/* The audit row of a put: where, the approval, how many steps. */
static int
protocol_put_audit(struct control_ctx *ctx, const struct actor *who,
    json_t *args, int64_t approved_ms, int version)
{
	const char	*name = json_string_value(json_object_get(args, "name"));
	json_t		*d;
	char		 oid[HANDLING_NAME_MAX + 16];
	int		 rc;

	snprintf(oid, sizeof oid, "%s@%d", name, version);
	d = json_pack("{s:O?,s:O?,s:O,s:I,s:I}",
	    "site", json_object_get(args, "site"),
	    "class", json_object_get(args, "class"),
	    "approved_by", json_object_get(args, "approved_by"),
	    "approved_at", (json_int_t)approved_ms,
	    "steps", (json_int_t)json_array_size(json_object_get(args, "steps")));
	json_object_set_new(d, "replaces", version > 1 ?
	    json_integer(version - 1) : json_null());
	rc = store_audit_add(ctx->store, who, "protocol.put", "protocol", oid,
	    json_string_value(json_object_get(args, "reason")), d);
	json_decref(d);
	return rc;
}

/* The site a document names exists: 0; -1 with err otherwise. */
static int
protocol_site_check(struct control_ctx *ctx, json_t *args,
    struct cmd_err *err)
{
	json_t	*site = json_object_get(args, "site");

	if (!json_is_integer(site))
		return 0;
	switch (store_site_exists(ctx->store, json_integer_value(site))) {
	case 1:
		return 0;
	case 0:
		return cmd_fail(err, "not_found", "site: no site %lld",
		    (long long)json_integer_value(site));
	default:
		return cmd_fail(err, "storage", "%s", store_errmsg(ctx->store));
	}
}

/*
 * The new version's call steps against the call lists of the sites it
 * reaches: a site's own protocol that calls a contact the site lacks is
 * refused; a shared one (centre-wide, a band) is kept and *gaps says where
 * it falls short (each alarm there shows the missing contact).
 */
static int
protocol_contacts_check(struct control_ctx *ctx, json_t *args, int64_t id,
    json_t **gaps, struct cmd_err *err)
{
	json_t	*g;
	char	 msg[320];

	if ((*gaps = store_protocol_gaps(ctx->store, id, 0, HANDLING_GAPS_MAX +
	    1)) == NULL)
		return -1;
	if (!json_is_integer(json_object_get(args, "site")) ||
	    json_array_size(*gaps) == 0)
		return 0;
	g = json_array_get(*gaps, 0);
	handling_gap_text(g, msg, sizeof msg);
	cmd_fail(err, "bad_args", "steps[%lld].target: %s; add the contact to "
	    "the site first, or change the step", (long long)
	    json_integer_value(json_object_get(g, "step")) - 1, msg);
	json_decref(*gaps);
	*gaps = NULL;
	return -1;
}

/* Put the gaps of a shared protocol into its result as warnings; logs them. */
static void
protocol_warnings(json_t *result, json_t *gaps, const char *name, int version)
{
	size_t	n = json_array_size(gaps);

	if (n > HANDLING_GAPS_MAX)
		json_array_remove(gaps, HANDLING_GAPS_MAX);
	if (n > 0) {
		log_warnx("control: protocol %s@%d: %s%zu call step(s) name a "
		    "contact that a site it reaches lacks", name, version, n >
		    HANDLING_GAPS_MAX ? "more than " : "", json_array_size(gaps));
		json_object_set_new(result, "warnings",
		    handling_gap_warnings(gaps, 1));
		if (n > HANDLING_GAPS_MAX)
			json_object_set_new(result, "warnings_more", json_true());
	}
	json_decref(gaps);
}

/* protocol.put in the batch: validate, store the next version, audit. */
static int
protocol_put_write(struct control_ctx *ctx, const struct actor *who,
    json_t *args, json_t **result, struct cmd_err *err)
{
	const char	*name = json_string_value(json_object_get(args, "name"));
	json_t		*at = json_object_get(args, "approved_at");
	int64_t		 id, now = clock_now_ms();
	json_t		*gaps = NULL;
	char		 msg[256], other[HANDLING_NAME_MAX + 1], where[80];
	int		 version, rc;

	if (handling_validate(args, msg, sizeof msg) != 0)
		return cmd_fail(err, "bad_args", "%s", msg);
	if (protocol_site_check(ctx, args, err) != 0)
		return -1;
	rc = store_protocol_put(ctx->store, args, who->name, now, &id, &version,
	    other, sizeof other);
	if (rc == 1) {
		protocol_where(args, where, sizeof where);
		return cmd_fail(err, "exists", "protocol '%s' is already in force "
		    "for %s; put a new version of it, or retire it first", other,
		    where);
	}
	if (rc != 0 || protocol_contacts_check(ctx, args, id, &gaps, err) != 0)
		return -1;
	if (protocol_put_audit(ctx, who, args, json_is_integer(at) ?
	    json_integer_value(at) : now, version) != 0 ||
	    (*result = protocol_json(store_protocol_by_id(ctx->store, 0,
	    id))) == NULL) {
		json_decref(gaps);
		return -1;
	}
	protocol_warnings(*result, gaps, name, version);
	log_info("control: protocol %s@%d put by %s", name, version, who->name);
	return 0;
}

/* protocol.retire in the batch: end the current version, audit. */
static int
protocol_retire_write(struct control_ctx *ctx, const struct actor *who,
    json_t *args, json_t **result, struct cmd_err *err)
{
	const char	*name = json_string_value(json_object_get(args, "name"));
	json_t		*p, *d;
	int64_t		 id;
	char		 oid[HANDLING_NAME_MAX + 16];
	int		 version, rc;

	if ((rc = store_protocol_retire(ctx->store, name, &id, &version)) < 0)
		return -1;
	if (rc == 1) {
		if ((p = store_protocol_get(ctx->store, 0, name, 0)) == NULL)
			return -1;
		rc = json_is_null(p);
		json_decref(p);
		return rc ? cmd_fail(err, "not_found", "no protocol '%s'", name) :
		    cmd_fail(err, "bad_state", "protocol '%s' is already "
		    "retired", name);
	}
	if ((p = protocol_json(store_protocol_by_id(ctx->store, 0, id))) == NULL)
		return -1;
	snprintf(oid, sizeof oid, "%s@%d", name, version);
	d = json_pack("{s:O,s:O}", "site", json_object_get(p, "site"),
	    "class", json_object_get(p, "class"));
	rc = store_audit_add(ctx->store, who, "protocol.retire", "protocol", oid,
	    json_string_value(json_object_get(args, "reason")), d);
	json_decref(d);
	if (rc != 0) {
		json_decref(p);
		return -1;
	}
	log_info("control: protocol %s@%d retired by %s", name, version,
	    who->name);
	*result = p;
	return 0;
}

/* Answer a protocol read: the protocol, not_found, or storage. */
static void
protocol_reply(struct cmd_req *req, struct control_ctx *ctx, json_t *p,
    const char *name, int version)
{
	if (p == NULL)
		control_error(req, "storage", "%s", store_errmsg(ctx->store));
	else if (json_is_null(p) && version > 0)
		control_error(req, "not_found", "no version %d of protocol '%s'",
		    version, name);
	else if (json_is_null(p))
		control_error(req, "not_found", "no protocol '%s'", name);
	else
		control_reply(req, protocol_json(p));
}

/* protocol.show {name, version?} */
static void
cmd_protocol_show_exec(struct cmd_req *req, struct control_ctx *ctx,
    json_t *args)
{
	const char	*name = json_string_value(json_object_get(args, "name"));
	json_t		*v = json_object_get(args, "version");
	int		 version = v != NULL ? (int)json_integer_value(v) : 0;

	protocol_reply(req, ctx, store_protocol_get(ctx->store, 1, name, version),
	    name, version);
}

/* protocol.list {site?, all_versions?} */
static void
cmd_protocol_list_exec(struct cmd_req *req, struct control_ctx *ctx,
    json_t *args)
{
	json_t	*site = json_object_get(args, "site"), *rows, *row;
	size_t	 i;

	rows = store_protocol_list(ctx->store, site != NULL ?
	    json_integer_value(site) : -1,
	    json_is_true(json_object_get(args, "all_versions")));
	if (rows == NULL) {
		control_error(req, "storage", "%s", store_errmsg(ctx->store));
		return;
	}
	json_array_foreach(rows, i, row)
		protocol_json(row);
	control_reply(req, rows);
}

/* protocol.match {site?, class}: the protocol an alarm there would get, or null. */
static void
cmd_protocol_match_exec(struct cmd_req *req, struct control_ctx *ctx,
    json_t *args)
{
	json_t		*site = json_object_get(args, "site");
	const char	*cls = json_string_value(json_object_get(args, "class"));
	int64_t		 id;

	if (codes_class_parse(cls) < 0) {
		control_error(req, "bad_args", "class: unknown event class "
		    "'%.32s'", cls);
		return;
	}
	id = store_protocol_match(ctx->store, site != NULL ?
	    json_integer_value(site) : 0, cls);
	if (id < 0)
		control_error(req, "storage", "%s", store_errmsg(ctx->store));
	else if (id == 0)
		control_reply(req, json_null());
	else
		protocol_reply(req, ctx, store_protocol_by_id(ctx->store, 1, id),
		    cls, 0);
}

static const struct cmd_entry cmd_protocol_put_entry = {
	.name = "protocol.put",
	.args = {
		{ "name", CMD_ARG_STRING, 1, 0, 1024 },
		{ "site", CMD_ARG_INT, 0, 1, INT64_MAX },
		{ "class", CMD_ARG_STRING, 0, 0, 64 },
		{ "band", CMD_ARG_STRING, 0, 0, 32 },
		{ "approved_by", CMD_ARG_STRING, 1, 0, 1024 },
		{ "approved_at", CMD_ARG_TIME, 0, 0, 0 },
		{ "steps", CMD_ARG_ARRAY, 1, 0, 1000 },
		{ "reason", CMD_ARG_STRING, 0, 0, 1024 },
		{ NULL }
	},
	.write = protocol_put_write,
	.role = ROLE_SUPERVISOR,
};

static const struct cmd_entry cmd_protocol_show_entry = {
	.name = "protocol.show",
	.args = {
		{ "name", CMD_ARG_STRING, 1, 1, HANDLING_NAME_MAX },
		{ "version", CMD_ARG_INT, 0, 1, INT32_MAX },
		{ NULL }
	},
	.exec = cmd_protocol_show_exec,
	.role = ROLE_OPERATOR,
};

static const struct cmd_entry cmd_protocol_list_entry = {
	.name = "protocol.list",
	.args = {
		{ "site", CMD_ARG_INT, 0, 0, INT64_MAX },
		{ "all_versions", CMD_ARG_BOOL, 0, 0, 0 },
		{ NULL }
	},
	.exec = cmd_protocol_list_exec,
	.role = ROLE_OPERATOR,
};

static const struct cmd_entry cmd_protocol_retire_entry = {
	.name = "protocol.retire",
	.args = {
		{ "name", CMD_ARG_STRING, 1, 1, HANDLING_NAME_MAX },
		{ "reason", CMD_ARG_STRING, 0, 0, 1024 },
		{ NULL }
	},
	.write = protocol_retire_write,
	.role = ROLE_SUPERVISOR,
};

static const struct cmd_entry cmd_protocol_match_entry = {
	.name = "protocol.match",
	.args = {
		{ "site", CMD_ARG_INT, 0, 1, INT64_MAX },
		{ "class", CMD_ARG_STRING, 1, 1, 32 },
		{ NULL }
	},
	.exec = cmd_protocol_match_exec,
	.role = ROLE_OPERATOR,
};

const struct cmd_entry *const cmd_protocol_table[] = {
	&cmd_protocol_put_entry,
	&cmd_protocol_show_entry,
	&cmd_protocol_list_entry,
	&cmd_protocol_retire_entry,
	&cmd_protocol_match_entry,
	NULL
};
