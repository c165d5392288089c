/*
 * cmd_risk.c - site.assess, site.risk, risk.report, risk.tables.show,
 * risk.tables.put: a site's risk assessment, versioned and audited, and
 * the centre's tables; the assessments in site export/import.
 */
#include "config.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "actor.h"
#include "alarm.h"
#include "audit.h"
#include "clock.h"
#include "cmd.h"
#include "conf.h"
#include "control.h"
#include "handling.h"
#include "log.h"
#include "risk.h"
#include "site.h"
#include "store.h"

/* The members of an assessment document, as site.assess takes them. */
#define RISK_DOC_ARGS \
	{ "assessed_by", CMD_ARG_STRING, 1, 1, RISK_NAME_MAX }, \
	{ "assessed_at", CMD_ARG_TIME, 0, 0, 0 }, \
	{ "valid_until", CMD_ARG_TIME, 0, 0, 0 }, \
	{ "note", CMD_ARG_STRING, 0, 0, RISK_NOTE_MAX }, \
	{ "grade", CMD_ARG_OBJECT, 0, 0, 0 }, \
	{ "matrix", CMD_ARG_OBJECT, 0, 0, 0 }, \
	{ "pnh", CMD_ARG_OBJECT, 0, 0, 0 }, \
	{ "points", CMD_ARG_OBJECT, 0, 0, 0 }, \
	{ "zone", CMD_ARG_OBJECT, 0, 0, 0 }, \
	{ "time_balance", CMD_ARG_OBJECT, 0, 0, 0 }

/* The tables in force (writer or committed): the stored current, else the default. */
static json_t *
risk_tables_current(struct control_ctx *ctx, int committed, int *version)
{
	json_t	*row = store_risk_tables_get(ctx->store, committed, 0), *doc;

	*version = 0;
	if (row == NULL)
		return NULL;
	if (!json_is_object(row)) {
		json_decref(row);
		return risk_tables_default();
	}
	*version = (int)json_integer_value(json_object_get(row, "version"));
	doc = json_incref(json_object_get(row, "doc"));
	json_decref(row);
	return doc;
}

/* An integer epoch-ms member of o as ISO-8601 (null stays null). */
static void
risk_time_member(json_t *o, const char *name)
{
	json_t	*v = json_object_get(o, name);
	char	 buf[40];

	if (!json_is_integer(v))
		return;
	control_time_format(json_integer_value(v), 0, buf, sizeof buf);
	json_object_set_new(o, name, json_string(buf));
}

/* The flags of an assessment row now: its result's, grade by today's map, expiry. */
static json_t *
risk_flags_now(struct control_ctx *ctx, const json_t *row, int64_t now)
{
	const json_t		*result = json_object_get(row, "result"), *f;
	const json_t		*g;
	const json_t		*valid = json_object_get(row, "valid_until_ms");
	struct risk_bands	 b;
	json_t			*flags = json_array();
	size_t			 i;
	int			 need;

	risk_result_bands(result, &b);
	need = risk_needed_grade(ctx->cfg->risk_map, &b);
	g = json_object_get(json_object_get(result, "grade"), "grade");
	if (json_is_integer(g) && need > 0 && json_integer_value(g) < need)
		json_array_append_new(flags, json_string("grade_low"));
	json_array_foreach(json_object_get(result, "flags"), i, f)
		if (strcmp(json_string_value(f), "grade_low") != 0)
			json_array_append(flags, (json_t *)f);
	if (json_is_integer(valid) && json_integer_value(valid) < now)
		json_array_append_new(flags, json_string("expired"));
	return flags;
}

/* A stored assessment as consoles see it: times in ISO-8601, flags of now. */
static json_t *
risk_row_json(struct control_ctx *ctx, json_t *row)
{
	json_t	*doc;

	if (row == NULL || !json_is_object(row))
		return row;
	json_object_set_new(row, "flags", risk_flags_now(ctx, row,
	    clock_now_ms()));
	json_object_set(row, "bands", json_object_get(json_object_get(row,
	    "result"), "bands"));
	if ((doc = json_object_get(row, "doc")) != NULL) {
		risk_time_member(doc, "assessed_at");
		risk_time_member(doc, "valid_until");
	}
	json_object_set(row, "site", json_object_get(row, "site_id"));
	json_object_del(row, "site_id");
	alarm_json(row);
	return row;
}

/* The document part of site.assess's arguments (a new object). */
static json_t *
risk_doc_of(const json_t *args)
{
	json_t	*doc = json_deep_copy(args);

	json_object_del(doc, "site");
	json_object_del(doc, "reason");
	return doc;
}

/* The site's units as the evaluation needs them (batch); NULL error, err set. */
static json_t *
risk_site_units(struct control_ctx *ctx, int64_t site, struct cmd_err *err)
{
	json_t	*o = store_site_get(ctx->store, SITE_BATCH, site), *units;

	if (o == NULL)
		return cmd_fail(err, "storage", "%s", store_errmsg(ctx->store)),
		    NULL;
	if (json_is_null(o))
		return cmd_fail(err, "not_found", "site: no site %" PRId64,
		    site), NULL;
	units = json_incref(json_object_get(o, "units"));
	json_decref(o);
	return units != NULL ? units : json_array();
}

/* The bands of site's current assessment in the batch (a new reference; json_null none). */
static json_t *
risk_bands_current(struct control_ctx *ctx, int64_t site)
{
	json_t	*row = store_risk_get(ctx->store, 0, site, 0), *b;

	if (row == NULL)
		return NULL;
	b = json_object_get(json_object_get(row, "result"), "bands");
	b = b != NULL ? json_incref(b) : json_null();
	json_decref(row);
	return b;
}

/*
 * After an assessment moved site into other bands (in the batch): the call
 * steps of the protocols that now reach it against its call list, as
 * site.contact.remove and protocol.put check them.  A band change is never
 * refused; the gaps go into row's "warnings" (and "warnings_more") and the
 * log.  0, or -1 on a storage error.
 */
static int
risk_band_gaps(struct control_ctx *ctx, int64_t site, json_t *row)
{
	json_t	*gaps;
	size_t	 n;

	if ((gaps = store_protocol_gaps(ctx->store, 0, site, HANDLING_GAPS_MAX +
	    1)) == NULL)
		return -1;
	if ((n = json_array_size(gaps)) > HANDLING_GAPS_MAX)
		json_array_remove(gaps, HANDLING_GAPS_MAX);
	if (n > 0) {
		log_warnx("control: site %" PRId64 " moved to another risk band: "
		    "%s%zu call step(s) of the protocols that reach it name a "
		    "contact it lacks", site, n > HANDLING_GAPS_MAX ?
		    "more than " : "", json_array_size(gaps));
		json_object_set_new(row, "warnings", handling_gap_warnings(gaps,
		    0));
		if (n > HANDLING_GAPS_MAX)
			json_object_set_new(row, "warnings_more", json_true());
	}
	json_decref(gaps);
	return 0;
}

/* Check, evaluate and store one assessment of site; audited.  Its row in *row. */
static int
risk_assess(struct control_ctx *ctx, const struct actor *who, int64_t site,
    const json_t *args, json_t **row, struct cmd_err *err)
{
	json_t	*units = NULL, *tables = NULL, *doc = NULL, *result = NULL, *d;
	json_t	*before = NULL, *at = json_object_get(args, "assessed_at");
	json_t	*until = json_object_get(args, "valid_until");
	int64_t	 now = clock_now_ms(), assessed, id;
	char	 msg[256], oid[24];
	int	 version, tv, rc = -1;

	assessed = json_is_integer(at) ? json_integer_value(at) : now;
	if (json_is_integer(until) && json_integer_value(until) <= assessed) {
		cmd_fail(err, "bad_args", "valid_until: must be after the "
		    "assessment (assessed_at)");
		goto fail;
	}
	if ((units = risk_site_units(ctx, site, err)) == NULL)
		goto fail;
	if ((tables = risk_tables_current(ctx, 0, &tv)) == NULL) {
		cmd_fail(err, "storage", "%s", store_errmsg(ctx->store));
		goto fail;
	}
	doc = risk_doc_of(args);
	if ((result = risk_evaluate(doc, tables, units, ctx->cfg->risk_map, msg,
	    sizeof msg)) == NULL) {
		cmd_fail(err, "bad_args", "%s", msg);
		goto fail;
	}
	if (json_object_get(result, "points") != NULL)
		json_object_set_new(json_object_get(result, "points"), "tables",
		    json_integer(tv));
	if ((before = risk_bands_current(ctx, site)) == NULL) {
		cmd_fail(err, "storage", "%s", store_errmsg(ctx->store));
		goto fail;
	}
	if (store_risk_put(ctx->store, site, doc, result, assessed,
	    json_is_integer(until) ? json_integer_value(until) : 0, who->name,
	    now, &id, &version) != 0)
		goto fail;
	snprintf(oid, sizeof oid, "%" PRId64, site);
	d = json_pack("{s:i,s:O,s:O,s:O}", "version", version, "assessed_by",
	    json_object_get(doc, "assessed_by"), "bands", json_object_get(result,
	    "bands"), "flags", json_object_get(result, "flags"));
	rc = store_audit_add(ctx->store, who, "site.assess", "site", oid,
	    json_string_value(json_object_get(args, "reason")), d);
	json_decref(d);
	if (rc != 0 || (*row = risk_row_json(ctx, store_risk_get(ctx->store, 0,
	    site, version))) == NULL) {
		rc = -1;
		goto fail;
	}
	if (!json_equal(before, json_object_get(result, "bands")) &&
	    risk_band_gaps(ctx, site, *row) != 0) {
		json_decref(*row);
		*row = NULL;
		rc = cmd_fail(err, "storage", "%s", store_errmsg(ctx->store));
		goto fail;
	}
	log_info("control: site %" PRId64 " assessed (version %d) by %s", site,
	    version, who->name);
fail:
	json_decref(before);
	json_decref(units);
	json_decref(tables);
	json_decref(doc);
	json_decref(result);
	return rc;
}

/* site.assess in the batch. */
static int
risk_assess_write(struct control_ctx *ctx, const struct actor *who,
    json_t *args, json_t **result, struct cmd_err *err)
{
	return risk_assess(ctx, who, json_integer_value(json_object_get(args,
	    "site")), args, result, err);
}

/* One version as the history lists it: no inputs or result, only what it came to. */
static void
risk_summary(json_t *row)
{
	json_object_del(row, "doc");
	json_object_del(row, "result");
}

/* site.risk {site, version?}: the current assessment (or one version) and the history. */
static void
cmd_site_risk_exec(struct cmd_req *req, struct control_ctx *ctx, json_t *args)
{
	int64_t	 site = json_integer_value(json_object_get(args, "site"));
	json_t	*v = json_object_get(args, "version"), *ref, *cur, *hist, *row;
	int	 version = v != NULL ? (int)json_integer_value(v) : 0;
	size_t	 i;

	if ((ref = store_site_ref(ctx->store, site)) == NULL)
		goto storage;
	if (json_is_null(ref)) {
		json_decref(ref);
		control_error(req, "not_found", "no site %" PRId64, site);
		return;
	}
	cur = risk_row_json(ctx, store_risk_get(ctx->store, 1, site, version));
	hist = store_risk_history(ctx->store, 1, site);
	if (cur == NULL || hist == NULL) {
		json_decref(ref);
		json_decref(cur);
		json_decref(hist);
		goto storage;
	}
	if (version > 0 && json_is_null(cur)) {
		json_decref(ref);
		json_decref(cur);
		json_decref(hist);
		control_error(req, "not_found", "site %" PRId64 " has no "
		    "assessment version %d", site, version);
		return;
	}
	json_array_foreach(hist, i, row) {
		risk_row_json(ctx, row);
		risk_summary(row);
	}
	control_reply(req, json_pack("{s:I,s:O,s:o,s:o}", "site",
	    (json_int_t)site, "name", json_object_get(ref, "name"),
	    version > 0 ? "assessment" : "current", cur, "history", hist));
	json_decref(ref);
	return;
storage:
	control_error(req, "storage", "%s", store_errmsg(ctx->store));
}

/* Add name to by_band[method][band]. */
static void
risk_report_band(json_t *by_band, const json_t *row)
{
	const json_t	*bands = json_object_get(row, "bands"), *b;
	json_t		*m, *list;
	const char	*method;

	json_object_foreach((json_t *)bands, method, b) {
		if (!json_is_string(b))
			continue;
		if ((m = json_object_get(by_band, method)) == NULL) {
			m = json_object();
			json_object_set_new(by_band, method, m);
		}
		if ((list = json_object_get(m, json_string_value(b))) == NULL) {
			list = json_array();
			json_object_set_new(m, json_string_value(b), list);
		}
		json_array_append_new(list, json_pack("{s:O,s:O}", "site",
		    json_object_get(row, "site"), "name", json_object_get(row,
		    "site_name")));
	}
}

/* One site's line of the report. */
static json_t *
risk_report_line(const json_t *row)
{
	const json_t	*result = json_object_get(row, "result");
	const json_t	*tb = json_object_get(result, "time_balance");
	json_t		*o;

	o = json_pack("{s:O,s:O,s:O,s:O,s:O,s:O,s:O}", "site",
	    json_object_get(row, "site"), "name", json_object_get(row,
	    "site_name"), "version", json_object_get(row, "version"),
	    "assessed_by", json_object_get(row, "assessed_by"), "valid_until",
	    json_object_get(row, "valid_until"), "bands", json_object_get(row,
	    "bands"), "flags", json_object_get(row, "flags"));
	json_object_set_new(o, "grade", json_incref(json_object_get(
	    json_object_get(result, "grade"), "grade")));
	if (json_object_get(o, "grade") == NULL)
		json_object_set_new(o, "grade", json_null());
	json_object_set(o, "missing", tb != NULL && json_is_true(json_object_get(
	    tb, "late")) ? json_object_get(tb, "missing") : json_null());
	return o;
}

/* risk.report: sites by band and the sites flagged. */
static void
cmd_risk_report_exec(struct cmd_req *req, struct control_ctx *ctx,
    json_t *args)
{
	json_t	*rows = store_risk_current_all(ctx->store), *row, *line;
	json_t	*sites = json_array(), *by_band = json_object();
	json_t	*flagged = json_array();
	size_t	 i;

	if (rows == NULL) {
		json_decref(sites);
		json_decref(by_band);
		json_decref(flagged);
		control_error(req, "storage", "%s", store_errmsg(ctx->store));
		return;
	}
	json_array_foreach(rows, i, row) {
		risk_row_json(ctx, row);
		risk_report_band(by_band, row);
		line = risk_report_line(row);
		if (json_array_size(json_object_get(row, "flags")) > 0)
			json_array_append(flagged, line);
		json_array_append_new(sites, line);
	}
	json_decref(rows);
	control_reply(req, json_pack("{s:o,s:o,s:o}", "sites", sites, "by_band",
	    by_band, "flagged", flagged));
}

/* risk.tables.show {version?}: the tables in force (or a version). */
static void
cmd_risk_tables_show_exec(struct cmd_req *req, struct control_ctx *ctx,
    json_t *args)
{
	json_t	*v = json_object_get(args, "version"), *row;
	int	 version = v != NULL ? (int)json_integer_value(v) : 0;

	if ((row = store_risk_tables_get(ctx->store, 1, version)) == NULL) {
		control_error(req, "storage", "%s", store_errmsg(ctx->store));
		return;
	}
	if (json_is_null(row) && version > 0) {
		json_decref(row);
		control_error(req, "not_found", "no version %d of the risk "
		    "tables", version);
		return;
	}
	if (json_is_null(row)) {
		json_decref(row);
		row = json_pack("{s:i,s:b,s:o}", "version", 0, "builtin", 1,
		    "doc", risk_tables_default());
	} else
		alarm_json(row);
	control_reply(req, row);
}

/* risk.tables.put {document, reason?}: the next version of the tables. */
static int
risk_tables_put_write(struct control_ctx *ctx, const struct actor *who,
    json_t *args, json_t **result, struct cmd_err *err)
{
	json_t	*doc = json_object_get(args, "document"), *d;
	char	 msg[256], oid[16];
	int	 version, rc;

	if (risk_tables_validate(doc, msg, sizeof msg) != 0)
		return cmd_fail(err, "bad_args", "document.%s", msg);
	if (store_risk_tables_put(ctx->store, doc, who->name, clock_now_ms(),
	    &version) != 0)
		return -1;
	snprintf(oid, sizeof oid, "%d", version);
	d = json_pack("{s:i,s:I}", "version", version, "factors",
	    (json_int_t)json_array_size(json_object_get(doc, "factors")));
	rc = store_audit_add(ctx->store, who, "risk.tables.put", "risk_tables",
	    oid, json_string_value(json_object_get(args, "reason")), d);
	json_decref(d);
	if (rc != 0 || (*result = store_risk_tables_get(ctx->store, 0,
	    version)) == NULL)
		return -1;
	alarm_json(*result);
	return 0;
}

/* --- site export / import --------------------------------------------------- */

/* The site's assessments, oldest first, each as site.assess would take it. */
json_t *
cmd_risk_export(struct control_ctx *ctx, int64_t site_id)
{
	json_t	*hist = store_risk_history(ctx->store, 1, site_id), *out, *row;
	json_t	*doc;
	size_t	 i;

	if (hist == NULL)
		return NULL;
	out = json_array();
	for (i = json_array_size(hist); i-- > 0; ) {
		row = json_array_get(hist, i);
		if (!json_is_object(doc = json_object_get(row, "doc")))
			continue;
		if (json_object_get(doc, "assessed_at") == NULL)
			json_object_set(doc, "assessed_at", json_object_get(row,
			    "assessed_ms"));
		risk_time_member(doc, "assessed_at");
		risk_time_member(doc, "valid_until");
		json_array_append(out, doc);
	}
	json_decref(hist);
	return out;
}

static const struct cmd_entry risk_import_spec = {
	.name = "site.import.assessment",
	.args = { RISK_DOC_ARGS, { NULL } },
};

/* Check the assessments of an import: each a valid site.assess document. */
int
cmd_risk_import_check(struct control_ctx *ctx, const json_t *list,
    struct cmd_err *err)
{
	json_t	*a, *copy;
	char	 msg[200];
	size_t	 i;
	int	 rc;

	if (list == NULL)
		return 0;
	if (!json_is_array(list) || json_array_size(list) > RISK_ITEMS_MAX)
		return cmd_fail(err, "bad_args", "site.assessments: must be an "
		    "array of at most %d assessments", RISK_ITEMS_MAX);
	json_array_foreach(list, i, a) {
		if (!json_is_object(a))
			return cmd_fail(err, "bad_args", "site.assessments[%zu]: "
			    "must be an object", i);
		copy = json_deep_copy(a);
		rc = control_args_check(&risk_import_spec, copy, msg, sizeof msg);
		json_decref(copy);
		if (rc != 0)
			return cmd_fail(err, "bad_args", "site.assessments[%zu]: "
			    "%s", i, msg);
	}
	return 0;
}

/* Store the document's assessments as new versions of site id, in order. */
int
cmd_risk_import(struct control_ctx *ctx, const struct actor *who, int64_t id,
    const json_t *list, struct cmd_err *err)
{
	json_t	*a, *copy, *row = NULL;
	char	 msg[sizeof(err->msg)];
	size_t	 i;
	int	 rc = 0;

	json_array_foreach(list, i, a) {
		copy = json_deep_copy(a);
		if (control_args_check(&risk_import_spec, copy, msg,
		    sizeof msg) != 0)
			rc = cmd_fail(err, "bad_args", "site.assessments[%zu]: "
			    "%s", i, msg);
		else if ((rc = risk_assess(ctx, who, id, copy, &row, err)) != 0 &&
		    err->code != NULL && strcmp(err->code, "bad_args") == 0) {
			memcpy(msg, err->msg, sizeof msg);
			cmd_fail(err, "bad_args", "site.assessments[%zu].%.200s",
			    i, msg);
		}
		json_decref(copy);
		json_decref(row);
		row = NULL;
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* --- the table ------------------------------------------------------------------ */

static const struct cmd_entry risk_assess_entry = {
	.name = "site.assess",
	.args = {
		{ "site", CMD_ARG_INT, 1, 1, INT64_MAX },
		RISK_DOC_ARGS,
		{ "reason", CMD_ARG_STRING, 0, 0, 1024 },
		{ NULL }
	},
	.write = risk_assess_write,
	.role = ROLE_SUPERVISOR,
};

static const struct cmd_entry risk_show_entry = {
	.name = "site.risk",
	.args = {
		{ "site", CMD_ARG_INT, 1, 1, INT64_MAX },
		{ "version", CMD_ARG_INT, 0, 1, INT32_MAX },
		{ NULL }
	},
	.exec = cmd_site_risk_exec,
	.role = ROLE_OPERATOR,
};

static const struct cmd_entry risk_report_entry = {
	.name = "risk.report",
	.args = { { NULL } },
	.exec = cmd_risk_report_exec,
	.role = ROLE_SUPERVISOR,
};

static const struct cmd_entry risk_tables_show_entry = {
	.name = "risk.tables.show",
	.args = {
		{ "version", CMD_ARG_INT, 0, 1, INT32_MAX },
		{ NULL }
	},
	.exec = cmd_risk_tables_show_exec,
	.role = ROLE_OPERATOR,
};

static const struct cmd_entry risk_tables_put_entry = {
	.name = "risk.tables.put",
	.args = {
		{ "document", CMD_ARG_OBJECT, 1, 0, 0 },
		{ "reason", CMD_ARG_STRING, 0, 0, 1024 },
		{ NULL }
	},
	.write = risk_tables_put_write,
	.role = ROLE_SUPERVISOR,
};

const struct cmd_entry *const cmd_risk_table[] = {
	&risk_assess_entry,
	&risk_show_entry,
	&risk_report_entry,
	&risk_tables_show_entry,
	&risk_tables_put_entry,
	NULL
};
